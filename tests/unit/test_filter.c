/* Unit tests: tcpdump filter expressions compiled with libpcap and run in user
 * space; libpcap's error text for a bad expression; the SO_ATTACH_FILTER view. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/filter.h>
#include <string.h>

#include "rawnet/error.h"
#include "rawnet/filter.h"
#include "rawnet/print.h"

/* Ethernet + IPv4 10.77.0.1 -> 10.77.0.2 ICMP echo; and a UDP 12345 -> 23456. */
static const uint8_t icmp[] = {
	2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0, 0, 0x24, 0, 1, 0x40, 0, 64, 1,
	0x26, 0x3c, 10, 77, 0, 1, 10, 77, 0, 2, 8, 0, 0x54, 0x35, 0x12, 0x34, 0, 1, 'a', 'b', 'c',
	'd', 'e', 'f', 'g', 'h',
};
static const uint8_t udp[] = {
	2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0, 0, 0x21, 0, 1, 0x40, 0, 64, 17,
	0x26, 0x2f, 10, 77, 0, 1, 10, 77, 0, 2, 0x30, 0x39, 0x5b, 0xa0, 0, 0x0d, 0x1b, 0x8c, 'h',
	'e', 'l', 'l', 'o',
};

static unsigned run(const char *expr, const uint8_t *p, size_t n)
{
	struct rn_filter *f;
	char err[256];
	assert_int_equal(rn_filter_compile(expr, RN_LINK_ETHERNET, 0, &f, err, sizeof(err)), 0);
	unsigned r = rn_filter_run(f, p, (uint32_t)n, (uint32_t)n);
	rn_filter_free(f);
	return r;
}

static void test_verdicts(void **state)
{
	(void)state;
	assert_true(run("icmp", icmp, sizeof(icmp)) != 0);
	assert_int_equal(run("icmp", udp, sizeof(udp)), 0);
	assert_true(run("udp port 23456", udp, sizeof(udp)) != 0);
	assert_int_equal(run("udp port 23457", udp, sizeof(udp)), 0);
	assert_true(run("src net 10.77.0.0/24 and dst host 10.77.0.2", udp, sizeof(udp)) != 0);
	assert_int_equal(run("host 10.77.0.3", icmp, sizeof(icmp)), 0);
	assert_true(run("", icmp, sizeof(icmp)) != 0);
	/* a short capture: the port is past the captured bytes -> reject */
	struct rn_filter *f;
	assert_int_equal(rn_filter_compile("udp port 23456", RN_LINK_ETHERNET, 0, &f, NULL, 0), 0);
	assert_int_equal(rn_filter_run(f, udp, 34, sizeof(udp)), 0);
	rn_filter_free(f);
}

static void test_raw_linktype(void **state)
{
	(void)state;
	struct rn_filter *f;
	/* LINKTYPE_RAW (101) is DLT_RAW (12 on Linux): IP starts at offset 0 */
	assert_int_equal(rn_filter_compile("icmp", RN_LINK_RAW, 0, &f, NULL, 0), 0);
	assert_true(rn_filter_run(f, icmp + 14, sizeof(icmp) - 14, sizeof(icmp) - 14) != 0);
	assert_int_equal(rn_filter_run(f, udp + 14, sizeof(udp) - 14, sizeof(udp) - 14), 0);
	rn_filter_free(f);
}

static void test_errors(void **state)
{
	(void)state;
	struct rn_filter *f = (struct rn_filter *)1;
	char err[256];
	assert_int_equal(rn_filter_compile("port 99999", RN_LINK_ETHERNET, 0, &f, err, sizeof(err)),
			 -RN_EINVAL);
	assert_null(f);
	assert_string_equal(err, "illegal port number 99999 > 65535");
	assert_int_equal(rn_filter_compile("tcp and and", RN_LINK_ETHERNET, 0, &f, err, sizeof(err)),
			 -RN_EINVAL);
	assert_true(strstr(err, "syntax error") != NULL);
}

static void test_sock_fprog(void **state)
{
	(void)state;
	struct rn_filter *f;
	assert_int_equal(rn_filter_compile("tcp", RN_LINK_ETHERNET, 65535, &f, NULL, 0), 0);
	const struct sock_fprog *p = rn_filter_prog(f);
	assert_true(p->len > 2);
	/* the last instruction returns 0 (reject); an accepting one returns the snaplen */
	assert_int_equal(p->filter[p->len - 1].code, BPF_RET | BPF_K);
	assert_int_equal(p->filter[p->len - 1].k, 0);
	assert_int_equal(p->filter[p->len - 2].k, 65535);
	rn_filter_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_raw_linktype),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_sock_fprog),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
