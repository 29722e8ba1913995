/* Unit tests: number and address ranges (rawnet/range.h): lists, bounds,
 * CIDR blocks of both families, a-b ranges, order of iteration, counts,
 * index access, and the error messages with the bad token's position. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/error.h"
#include "rawnet/range.h"

static void test_numbers(void **state)
{
	(void)state;
	struct rn_range r;
	struct rn_range_error e;
	assert_int_equal(rn_range_parse_num("20-25,80,443", 0, 65535, &r, &e), 0);
	assert_int_equal(r.family, 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(rn_range_count(&r), 8);
	static const uint64_t want[] = { 20, 21, 22, 23, 24, 25, 80, 443 };
	struct rn_range_iter it;
	uint64_t v;
	size_t k = 0;
	rn_range_iter_init(&it, &r);
	while (rn_range_next_num(&it, &v)) {
		assert_true(k < 8);
		assert_int_equal(v, want[k]);
		uint64_t at;
		assert_int_equal(rn_range_at_num(&r, k, &at), 0);
		assert_int_equal(at, want[k]);
		k++;
	}
	assert_int_equal(k, 8);
	assert_false(rn_range_next_num(&it, &v)); /* stays at the end */
	assert_int_equal(rn_range_at_num(&r, 8, &v), -RN_EINVAL);
	rn_range_free(&r);

	/* One value, hexadecimal, order as given (not sorted), duplicates kept. */
	assert_int_equal(rn_range_parse_num("0x10", 0, 255, &r, &e), 0);
	assert_int_equal(rn_range_count(&r), 1);
	assert_int_equal(rn_range_at_num(&r, 0, &v), 0);
	assert_int_equal(v, 16);
	rn_range_free(&r);
	assert_int_equal(rn_range_parse_num("5,1-2,5", 0, 255, &r, &e), 0);
	assert_int_equal(rn_range_count(&r), 4);
	rn_range_iter_init(&it, &r);
	uint64_t got[4];
	for (k = 0; k < 4; k++)
		assert_true(rn_range_next_num(&it, &got[k]));
	assert_int_equal(got[0], 5);
	assert_int_equal(got[1], 1);
	assert_int_equal(got[2], 2);
	assert_int_equal(got[3], 5);
	rn_range_free(&r);

	/* The bounds themselves are allowed; the whole 64-bit space saturates. */
	assert_int_equal(rn_range_parse_num("1-30", 1, 30, &r, &e), 0);
	assert_int_equal(rn_range_count(&r), 30);
	rn_range_free(&r);
	assert_int_equal(rn_range_parse_num("0-18446744073709551615", 0, UINT64_MAX, &r, &e), 0);
	assert_int_equal(rn_range_count(&r), UINT64_MAX);
	rn_range_free(&r);
}

struct bad {
	const char *s;
	const char *msg;
	size_t off, len;
};

static void check_bad_num(const struct bad *b, uint64_t min, uint64_t max)
{
	struct rn_range r;
	struct rn_range_error e;
	int rc = rn_range_parse_num(b->s, min, max, &r, &e);
	if (rc != -RN_EINVAL || strcmp(e.msg, b->msg) || e.off != b->off || e.len != b->len) {
		print_error("[%s]: rc %d msg [%s] off %zu len %zu; want [%s] %zu %zu\n", b->s, rc, e.msg,
			    e.off, e.len, b->msg, b->off, b->len);
		fail();
	}
	assert_null(r.span);
}

static void test_number_errors(void **state)
{
	(void)state;
	static const struct bad bad[] = {
		{ "", "empty list", 0, 0 },
		{ "1,,2", "empty item", 2, 0 },
		{ "1,", "empty item after ','", 1, 1 },
		{ "31", "31: out of range (1-30)", 0, 2 },
		{ "1-31", "31: out of range (1-30)", 2, 2 },
		{ "0-3", "0: out of range (1-30)", 0, 1 },
		{ "5,x", "x: not a number", 2, 1 },
		{ "1-", "1-: not a number", 0, 2 },
		{ "-3", "-3: not a number", 0, 2 },
		{ "10-2", "10-2: the range runs backwards", 0, 4 },
		{ "1-2-3", "2-3: not a number", 2, 3 },
		{ "99999999999999999999", "99999999999999999999: not a number", 0, 20 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		check_bad_num(&bad[i], 1, 30);
}

static void addr_is(const struct rn_range *r, uint64_t index, const char *want)
{
	uint8_t a[16];
	char buf[INET6_ADDRSTRLEN];
	assert_int_equal(rn_range_at_addr(r, index, a), 0);
	assert_non_null(inet_ntop(r->family, a, buf, sizeof buf));
	assert_string_equal(buf, want);
}

static void test_ipv4(void **state)
{
	(void)state;
	struct rn_range r;
	struct rn_range_error e;
	assert_int_equal(rn_range_parse_addr("10.0.0.0/24", AF_UNSPEC, &r, &e), 0);
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(rn_range_count(&r), 256);
	addr_is(&r, 0, "10.0.0.0");
	addr_is(&r, 255, "10.0.0.255");
	rn_range_free(&r);

	/* Host bits are ignored; /32 and /0 are fine. */
	assert_int_equal(rn_range_parse_addr("10.77.0.5/30", AF_INET, &r, &e), 0);
	assert_int_equal(rn_range_count(&r), 4);
	addr_is(&r, 0, "10.77.0.4");
	addr_is(&r, 3, "10.77.0.7");
	rn_range_free(&r);
	assert_int_equal(rn_range_parse_addr("10.77.0.5/32", AF_INET, &r, &e), 0);
	assert_int_equal(rn_range_count(&r), 1);
	addr_is(&r, 0, "10.77.0.5");
	rn_range_free(&r);
	assert_int_equal(rn_range_parse_addr("1.2.3.4/0", AF_INET, &r, &e), 0);
	assert_int_equal(rn_range_count(&r), 1ull << 32);
	addr_is(&r, 0, "0.0.0.0");
	addr_is(&r, (1ull << 32) - 1, "255.255.255.255");
	rn_range_free(&r);

	/* a-b, the last-octet short form, and a list of all three, in order. */
	assert_int_equal(rn_range_parse_addr("10.0.0.250-10.0.1.2", AF_INET, &r, &e), 0);
	assert_int_equal(rn_range_count(&r), 9);
	addr_is(&r, 5, "10.0.0.255");
	addr_is(&r, 6, "10.0.1.0");
	rn_range_free(&r);
	assert_int_equal(rn_range_parse_addr("10.77.0.9,10.77.0.1-3,10.77.1.0/31", AF_INET, &r, &e), 0);
	assert_int_equal(rn_range_count(&r), 6);
	struct rn_range_iter it;
	uint8_t a[4];
	char buf[INET_ADDRSTRLEN];
	static const char *const want[] = { "10.77.0.9", "10.77.0.1", "10.77.0.2",
					    "10.77.0.3", "10.77.1.0", "10.77.1.1" };
	size_t k = 0;
	rn_range_iter_init(&it, &r);
	while (rn_range_next_addr(&it, a)) {
		assert_true(k < 6);
		assert_string_equal(inet_ntop(AF_INET, a, buf, sizeof buf), want[k]);
		k++;
	}
	assert_int_equal(k, 6);
	rn_range_free(&r);
}

static void test_ipv6(void **state)
{
	(void)state;
	struct rn_range r;
	struct rn_range_error e;
	assert_int_equal(rn_range_parse_addr("fd77::/120", AF_UNSPEC, &r, &e), 0);
	assert_int_equal(r.family, AF_INET6);
	assert_int_equal(rn_range_count(&r), 256);
	addr_is(&r, 0, "fd77::");
	addr_is(&r, 255, "fd77::ff");
	rn_range_free(&r);

	/* Across the 64-bit halves. */
	assert_int_equal(rn_range_parse_addr("fd77:0:0:1:ffff:ffff:ffff:fffe-fd77:0:0:2::1", AF_INET6, &r, &e), 0);
	assert_int_equal(rn_range_count(&r), 4);
	addr_is(&r, 1, "fd77::1:ffff:ffff:ffff:ffff");
	addr_is(&r, 2, "fd77:0:0:2::");
	rn_range_free(&r);

	/* Prefixes of every size class: /64 saturates the count, /60 too, /127 is two. */
	assert_int_equal(rn_range_parse_addr("fd77:1:2:3:4::9/64", AF_INET6, &r, &e), 0);
	assert_int_equal(rn_range_count(&r), UINT64_MAX);
	addr_is(&r, 0, "fd77:1:2:3::");
	assert_int_equal(r.span[0].last.lo, UINT64_MAX);
	rn_range_free(&r);
	assert_int_equal(rn_range_parse_addr("fd77:1:2:3:4::9/60", AF_INET6, &r, &e), 0);
	assert_int_equal(r.span[0].first.hi & 0xf, 0);
	assert_int_equal(r.span[0].last.hi & 0xf, 0xf);
	rn_range_free(&r);
	assert_int_equal(rn_range_parse_addr("fd77::5/127,fd77::9", AF_INET6, &r, &e), 0);
	assert_int_equal(rn_range_count(&r), 3);
	addr_is(&r, 0, "fd77::4");
	addr_is(&r, 1, "fd77::5");
	addr_is(&r, 2, "fd77::9");
	rn_range_free(&r);
	assert_int_equal(rn_range_parse_addr("::/0", AF_INET6, &r, &e), 0);
	assert_int_equal(rn_range_count(&r), UINT64_MAX);
	rn_range_free(&r);
}

static void check_bad_addr(const struct bad *b, int family)
{
	struct rn_range r;
	struct rn_range_error e;
	int rc = rn_range_parse_addr(b->s, family, &r, &e);
	if (rc != -RN_EINVAL || strcmp(e.msg, b->msg) || e.off != b->off || e.len != b->len) {
		print_error("[%s]: rc %d msg [%s] off %zu len %zu; want [%s] %zu %zu\n", b->s, rc, e.msg,
			    e.off, e.len, b->msg, b->off, b->len);
		fail();
	}
	assert_null(r.span);
}

static void test_address_errors(void **state)
{
	(void)state;
	static const struct bad v4[] = {
		{ "10.0.0.0/33", "/33: not a prefix length (0-32)", 9, 2 },
		{ "10.0.0.0/", "/: not a prefix length (0-32)", 8, 1 },
		{ "10.0.0.0/024", "/024: not a prefix length (0-32)", 9, 3 },
		{ "10.0.0.9-10.0.0.1", "10.0.0.9-10.0.0.1: the range runs backwards", 0, 17 },
		{ "10.0.0.9-3", "10.0.0.9-3: the range runs backwards", 0, 10 },
		{ "10.0.0.1-300", "300: not an IPv4 octet (0-255)", 9, 3 },
		{ "10.0.0.1-x", "x: not an IPv4 address or last octet", 9, 1 },
		{ "10.0.0.1,fd77::1", "fd77::1: not an IPv4 address (the list is IPv4)", 9, 7 },
		{ "10.0.0", "10.0.0: not an IPv4 address", 0, 6 },
		{ "10.0.0.1,,10.0.0.2", "empty item", 9, 0 },
	};
	for (size_t i = 0; i < sizeof v4 / sizeof v4[0]; i++)
		check_bad_addr(&v4[i], AF_INET);
	static const struct bad v6[] = {
		{ "fd77::/129", "/129: not a prefix length (0-128)", 7, 3 },
		{ "fd77::9-fd77::1", "fd77::9-fd77::1: the range runs backwards", 0, 15 },
		{ "fd77::1-9", "9: not an IPv6 address", 8, 1 },
		{ "10.0.0.1", "10.0.0.1: not an IPv6 address (the list is IPv6)", 0, 8 },
	};
	for (size_t i = 0; i < sizeof v6 / sizeof v6[0]; i++)
		check_bad_addr(&v6[i], AF_INET6);
	/* AF_UNSPEC takes the first item's family. */
	static const struct bad mixed = { "fd77::1,10.0.0.1", "10.0.0.1: not an IPv6 address (the list is IPv6)", 8, 8 };
	check_bad_addr(&mixed, AF_UNSPEC);
	struct rn_range r;
	assert_int_equal(rn_range_parse_addr("10.0.0.1", 99, &r, NULL), -RN_EINVAL);
	assert_int_equal(rn_range_parse_addr("nonsense", AF_UNSPEC, &r, NULL), -RN_EINVAL);
}

static void test_is_range(void **state)
{
	(void)state;
	assert_true(rn_range_is_range("1-30"));
	assert_true(rn_range_is_range("80,443"));
	assert_true(rn_range_is_range("10.0.0.0/24"));
	assert_false(rn_range_is_range("10.0.0.1"));
	assert_false(rn_range_is_range("fd77::1"));
	assert_false(rn_range_is_range("443"));
}

/* Many spans: the list grows past its first allocations. */
static void test_long_list(void **state)
{
	(void)state;
	char s[4096];
	size_t k = 0;
	for (int i = 1; i <= 500; i++)
		k += (size_t)snprintf(s + k, sizeof s - k, "%s%d", i > 1 ? "," : "", i * 2);
	struct rn_range r;
	struct rn_range_error e;
	assert_int_equal(rn_range_parse_num(s, 0, 65535, &r, &e), 0);
	assert_int_equal(r.n, 500);
	assert_int_equal(rn_range_count(&r), 500);
	uint64_t v;
	assert_int_equal(rn_range_at_num(&r, 499, &v), 0);
	assert_int_equal(v, 1000);
	rn_range_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_number_errors),
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_address_errors),
		cmocka_unit_test(test_is_range),
		cmocka_unit_test(test_long_list),
	};
	return cmocka_run_group_tests_name("range", tests, NULL, NULL);
}
