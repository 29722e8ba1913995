/* Unit tests: UDP (RFC 768) parse/emit with a DNS query captured from Linux,
 * the pseudo-header checksum over IPv4 and IPv6, lying lengths, truncation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "wire_testutil.h"
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/udp.h"

/* 10.77.9.1:56235 -> 10.77.9.2:53, "A? example.com." (29 bytes of DNS). */
static const uint8_t dns[] = {
	0xdb, 0xab, 0x00, 0x35, 0x00, 0x25, 0x81, 0xeb, 0xab, 0xcd, 0x01, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00,
	0x01,
};
static const struct rn_pseudo ph4 = { .family = AF_INET, .src = { 10, 77, 9, 1 }, .dst = { 10, 77, 9, 2 } };
static const struct rn_pseudo ph6 = {
	.family = AF_INET6,
	.src = { 0xfd, 0x77, 0, 9, [15] = 1 },
	.dst = { 0xfd, 0x77, 0, 9, [15] = 2 },
};

static void test_dns_query(void **state)
{
	(void)state;
	struct rn_udp u;
	struct rn_view pl;
	assert_int_equal(rn_udp_parse(rn_view_make(dns, sizeof dns), &ph4, &u, &pl), 0);
	assert_int_equal(u.sport, 56235);
	assert_int_equal(u.dport, 53);
	assert_int_equal(u.len, 37);
	assert_int_equal(u.checksum, 0x81eb);
	assert_int_equal(u.checksum_status, RN_CSUM_GOOD);
	assert_false(u.payload_truncated);
	assert_ptr_equal(pl.data, dns + 8);
	assert_int_equal(pl.len, 29);
	/* Without addresses nothing is verified. */
	assert_int_equal(rn_udp_parse(rn_view_make(dns, sizeof dns), NULL, &u, &pl), 0);
	assert_int_equal(u.checksum_status, RN_CSUM_UNCHECKED);
	/* The payload argument is optional. */
	assert_int_equal(rn_udp_parse(rn_view_make(dns, sizeof dns), &ph4, &u, NULL), 0);
	assert_int_equal(u.checksum_status, RN_CSUM_GOOD);
	/* The same bytes between other addresses do not verify. */
	struct rn_pseudo other = ph4;
	other.dst[3] = 3;
	assert_int_equal(rn_udp_parse(rn_view_make(dns, sizeof dns), &other, &u, &pl), 0);
	assert_int_equal(u.checksum_status, RN_CSUM_BAD);
}

static void test_emit_dns(void **state)
{
	(void)state;
	uint8_t buf[64];
	memset(buf, 0x55, 8);
	memcpy(buf + 8, dns + 8, 29);
	struct rn_udp u = { .sport = 56235, .dport = 53 };
	assert_int_equal(rn_udp_emit(&u, &ph4, buf, sizeof buf, 29), RN_UDP_HLEN);
	assert_memory_equal(buf, dns, sizeof dns);
	/* parse(emit(x)) == x */
	struct rn_udp p;
	struct rn_view pl;
	assert_int_equal(rn_udp_parse(rn_view_make(buf, 37), &ph4, &p, &pl), 0);
	assert_int_equal(p.sport, u.sport);
	assert_int_equal(p.dport, u.dport);
	assert_int_equal(p.len, 37);
	assert_int_equal(p.checksum_status, RN_CSUM_GOOD);
	/* The checksum needs the addresses; the buffer needs room. */
	assert_int_equal(rn_udp_emit(&u, NULL, buf, sizeof buf, 29), -RN_EINVAL);
	assert_int_equal(rn_udp_emit(&u, &ph4, buf, 36, 29), -RN_ENOSPC);
	assert_int_equal(rn_udp_emit(&u, &ph4, buf, 7, 0), -RN_ENOSPC);
}

static void test_ipv6(void **state)
{
	(void)state;
	uint8_t buf[37];
	memcpy(buf + 8, dns + 8, 29);
	struct rn_udp u = { .sport = 40000, .dport = 53 };
	assert_int_equal(rn_udp_emit(&u, &ph6, buf, sizeof buf, 29), 8);
	/* Reference: the 40-byte IPv6 pseudo-header and the datagram, summed
	 * byte-wise, give zero. */
	uint8_t all[40 + sizeof buf] = { 0 };
	memcpy(all, ph6.src, 16);
	memcpy(all + 16, ph6.dst, 16);
	all[35] = sizeof buf;
	all[39] = 17;
	memcpy(all + 40, buf, sizeof buf);
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < sizeof all; i += 2)
		s += (uint32_t)all[i] << 8 | all[i + 1];
	s += (uint32_t)all[sizeof all - 1] << 8; /* odd length */
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	assert_int_equal(s, 0xffff);
	struct rn_udp p;
	struct rn_view pl;
	assert_int_equal(rn_udp_parse(rn_view_make(buf, sizeof buf), &ph6, &p, &pl), 0);
	assert_int_equal(p.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(pl.len, 29);
}

/* Checksum 0 means "none" over IPv4 and is invalid over IPv6. */
static void test_zero_checksum(void **state)
{
	(void)state;
	uint8_t b[sizeof dns];
	memcpy(b, dns, sizeof b);
	b[6] = b[7] = 0;
	struct rn_udp u;
	struct rn_view pl;
	assert_int_equal(rn_udp_parse(rn_view_make(b, sizeof b), &ph4, &u, &pl), 0);
	assert_int_equal(u.checksum_status, RN_CSUM_UNCHECKED);
	assert_int_equal(rn_udp_parse(rn_view_make(b, sizeof b), &ph6, &u, &pl), 0);
	assert_int_equal(u.checksum_status, RN_CSUM_BAD);
	/* A caller can send 0 on purpose. */
	struct rn_udp e = { .sport = 56235, .dport = 53, .checksum = 0, .checksum_set = true };
	assert_int_equal(rn_udp_emit(&e, NULL, b, sizeof b, 29), 8);
	assert_int_equal(b[6] | b[7], 0);
}

/* A computed checksum of 0 is sent as 0xffff (RFC 768), and verifies. */
static void test_computed_zero_becomes_ffff(void **state)
{
	(void)state;
	uint8_t b[10] = { 0 };
	struct rn_udp e = { .sport = 1000, .dport = 2000 };
	assert_int_equal(rn_udp_emit(&e, &ph4, b, sizeof b, 2), 8);
	uint16_t c = (uint16_t)(b[6] << 8 | b[7]);
	/* A payload word equal to that checksum makes the total sum -0. */
	b[8] = (uint8_t)(c >> 8);
	b[9] = (uint8_t)c;
	assert_int_equal(rn_udp_emit(&e, &ph4, b, sizeof b, 2), 8);
	assert_int_equal(b[6], 0xff);
	assert_int_equal(b[7], 0xff);
	struct rn_udp p;
	struct rn_view pl;
	assert_int_equal(rn_udp_parse(rn_view_make(b, sizeof b), &ph4, &p, &pl), 0);
	assert_int_equal(p.checksum_status, RN_CSUM_GOOD);
}

static void test_lying_lengths(void **state)
{
	(void)state;
	uint8_t b[sizeof dns];
	struct rn_udp u;
	struct rn_view pl;
	for (unsigned len = 0; len < 8; len++) {
		memcpy(b, dns, sizeof b);
		b[4] = 0;
		b[5] = (uint8_t)len;
		assert_int_equal(rn_udp_parse(rn_view_make(b, sizeof b), &ph4, &u, &pl), -RN_EBADLEN);
	}
	/* Longer than the bytes: payload cut to what is there, not verified. */
	memcpy(b, dns, sizeof b);
	b[5] = 200;
	assert_int_equal(rn_udp_parse(rn_view_make(b, sizeof b), &ph4, &u, &pl), 0);
	assert_true(u.payload_truncated);
	assert_int_equal(u.len, 200);
	assert_int_equal(pl.len, 29);
	assert_int_equal(u.checksum_status, RN_CSUM_UNCHECKED);
	/* Shorter than the bytes (trailing padding): payload bounded by len. */
	uint8_t padded[sizeof dns + 6] = { 0 };
	memcpy(padded, dns, sizeof dns);
	assert_int_equal(rn_udp_parse(rn_view_make(padded, sizeof padded), &ph4, &u, &pl), 0);
	assert_false(u.payload_truncated);
	assert_int_equal(pl.len, 29);
	assert_int_equal(u.checksum_status, RN_CSUM_GOOD);
	/* A length set by the caller survives emit exactly. */
	struct rn_udp e = { .sport = 1, .dport = 2, .len = 5, .len_set = true };
	assert_int_equal(rn_udp_emit(&e, &ph4, b, sizeof b, 29), 8);
	assert_int_equal(b[4] << 8 | b[5], 5);
	assert_int_equal(rn_udp_parse(rn_view_make(b, 37), &ph4, &u, &pl), -RN_EBADLEN);
	e.len = 1000;
	assert_int_equal(rn_udp_emit(&e, &ph4, b, sizeof b, 29), 8);
	assert_int_equal(b[4] << 8 | b[5], 1000);
}

static void test_wrong_checksum(void **state)
{
	(void)state;
	uint8_t b[sizeof dns];
	memcpy(b, dns, sizeof b);
	struct rn_udp e = { .sport = 56235, .dport = 53, .checksum = 0x81ec, .checksum_set = true };
	assert_int_equal(rn_udp_emit(&e, &ph4, b, sizeof b, 29), 8);
	assert_int_equal(b[6] << 8 | b[7], 0x81ec);
	struct rn_udp u;
	struct rn_view pl;
	assert_int_equal(rn_udp_parse(rn_view_make(b, sizeof b), &ph4, &u, &pl), 0);
	assert_int_equal(u.checksum, 0x81ec);
	assert_int_equal(u.checksum_status, RN_CSUM_BAD);
}

/* Every prefix: -RN_ETRUNC under 8 bytes, otherwise a payload marked
 * truncated that stays inside the bytes given. */
static void test_truncations(void **state)
{
	(void)state;
	for (size_t n = 0; n < sizeof dns; n++) {
		uint8_t *b = exact_copy(dns, n);
		struct rn_udp u;
		struct rn_view pl = { 0 };
		int r = rn_udp_parse(rn_view_make(b, n), &ph4, &u, &pl);
		if (n < 8) {
			assert_int_equal(r, -RN_ETRUNC);
		} else {
			assert_int_equal(r, 0);
			assert_true(u.payload_truncated);
			assert_int_equal(u.checksum_status, RN_CSUM_UNCHECKED);
			assert_int_equal(pl.len, n - 8);
			if (pl.len)
				assert_ptr_equal(pl.data, b + 8);
		}
		free(b);
	}
}

/* Random bytes of random lengths: the payload always lies inside the buffer
 * and inside the length field. */
static void test_random_bytes(void **state)
{
	(void)state;
	uint32_t x = 3;
	for (int i = 0; i < 20000; i++) {
		size_t n = lcg(&x) % 48;
		uint8_t *b = malloc(n ? n : 1);
		assert_non_null(b);
		for (size_t j = 0; j < n; j++)
			b[j] = (uint8_t)lcg(&x);
		if (n > 5 && (i & 1)) {
			b[4] = 0;
			b[5] = (uint8_t)(lcg(&x) % 56);
		}
		struct rn_udp u;
		struct rn_view pl = { 0 };
		int r = rn_udp_parse(rn_view_make(b, n), (i & 2) ? &ph6 : &ph4, &u, &pl);
		if (r == 0) {
			assert_true(8 + pl.len <= n && 8 + pl.len <= u.len);
			assert_true(u.payload_truncated == (u.len > n));
			if (pl.len)
				assert_ptr_equal(pl.data, b + 8);
		} else {
			assert_true(r == -RN_ETRUNC || r == -RN_EBADLEN);
		}
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_query),
		cmocka_unit_test(test_emit_dns),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_zero_checksum),
		cmocka_unit_test(test_computed_zero_becomes_ffff),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_wrong_checksum),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_random_bytes),
	};
	return cmocka_run_group_tests_name("udp", tests, NULL, NULL);
}
