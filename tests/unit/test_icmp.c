/* Unit tests: ICMPv4 (RFC 792) parse/emit with packets captured from Linux
 * (an echo request carrying "Hello world!", a port unreachable quoting a UDP
 * DNS query) and built error messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "wire_testutil.h"
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/icmp.h"
#include "rawnet/udp.h"

/* 10.77.9.1 -> 10.77.9.2, echo request id 0x1234 seq 1, "Hello world!". */
static const uint8_t echo[] = {
	0x08, 0x00, 0x73, 0xdb, 0x12, 0x34, 0x00, 0x01, 0x48, 0x65, 0x6c, 0x6c,
	0x6f, 0x20, 0x77, 0x6f, 0x72, 0x6c, 0x64, 0x21,
};

/* 10.77.9.2 -> 10.77.9.1, port 53 unreachable quoting the whole UDP query. */
static const uint8_t unreach[] = {
	0x03, 0x03, 0x23, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x39,
	0xe8, 0xe3, 0x40, 0x00, 0x40, 0x11, 0x2b, 0x34, 0x0a, 0x4d, 0x09, 0x01,
	0x0a, 0x4d, 0x09, 0x02, 0xdb, 0xab, 0x00, 0x35, 0x00, 0x25, 0x81, 0xeb,
	0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x01, 0x00, 0x01,
};

static void test_echo_hello(void **state)
{
	(void)state;
	struct rn_icmp ic;
	assert_int_equal(rn_icmp_parse(rn_view_make(echo, sizeof echo), &ic), 0);
	assert_int_equal(ic.type, RN_ICMP_ECHO);
	assert_int_equal(ic.code, 0);
	assert_int_equal(ic.checksum, 0x73db);
	assert_int_equal(ic.id, 0x1234);
	assert_int_equal(ic.seq, 1);
	assert_int_equal(ic.rest, 0x12340001);
	assert_int_equal(ic.data.len, 12);
	assert_memory_equal(ic.data.data, "Hello world!", 12);
	assert_int_equal(ic.checksum_status, RN_CSUM_GOOD);
	assert_false(rn_icmp_is_error(ic.type));

	/* emit(repr) gives the captured bytes back. */
	uint8_t buf[64];
	memset(buf, 0xaa, sizeof buf);
	memcpy(buf + 8, "Hello world!", 12);
	struct rn_icmp e = { .type = RN_ICMP_ECHO, .id = 0x1234, .seq = 1 };
	assert_int_equal(rn_icmp_emit(&e, buf, 20, 12), RN_ICMP_HLEN);
	assert_memory_equal(buf, echo, sizeof echo);

	/* The reply: type 0, checksum differs by exactly 0x0800. */
	e.type = RN_ICMP_ECHOREPLY;
	assert_int_equal(rn_icmp_emit(&e, buf, sizeof buf, 12), 8);
	assert_int_equal(buf[2] << 8 | buf[3], 0x7bdb);
	assert_int_equal(rn_icmp_parse(rn_view_make(buf, 20), &ic), 0);
	assert_int_equal(ic.checksum_status, RN_CSUM_GOOD);
}

static void test_port_unreachable(void **state)
{
	(void)state;
	struct rn_icmp ic;
	assert_int_equal(rn_icmp_parse(rn_view_make(unreach, sizeof unreach), &ic), 0);
	assert_int_equal(ic.type, RN_ICMP_UNREACH);
	assert_int_equal(ic.code, 3);
	assert_int_equal(ic.checksum, 0x23d0);
	assert_int_equal(ic.rest, 0);
	assert_int_equal(ic.checksum_status, RN_CSUM_GOOD);
	assert_true(rn_icmp_is_error(ic.type));
	assert_int_equal(ic.data.len, 57);
	assert_ptr_equal(ic.data.data, unreach + 8);
	/* The quote: an IPv4 header (ihl 5, UDP) and the complete UDP datagram. */
	assert_int_equal(rn_view_u8(ic.data, 0), 0x45);
	assert_int_equal(rn_view_u8(ic.data, 9), 17);
	struct rn_udp u;
	struct rn_view pl;
	struct rn_pseudo ph = { .family = AF_INET, .src = { 10, 77, 9, 1 }, .dst = { 10, 77, 9, 2 } };
	assert_int_equal(rn_udp_parse(rn_view_tail(ic.data, 20), &ph, &u, &pl), 0);
	assert_int_equal(u.sport, 56235);
	assert_int_equal(u.dport, 53);
	assert_int_equal(u.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(pl.len, 29);

	uint8_t buf[sizeof unreach];
	memcpy(buf, unreach, sizeof buf);
	memset(buf, 0, 8);
	struct rn_icmp e = { .type = 3, .code = 3 };
	assert_int_equal(rn_icmp_emit(&e, buf, sizeof buf, sizeof buf - 8), 8);
	assert_memory_equal(buf, unreach, sizeof unreach);
}

static void assert_icmp_equal(const struct rn_icmp *a, const struct rn_icmp *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->code, b->code);
	assert_int_equal(a->rest, b->rest);
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->seq, b->seq);
}

/* Errors with their type-specific 32 bits: parse(emit(x)) == x. */
static void test_errors_roundtrip(void **state)
{
	(void)state;
	const struct rn_icmp cases[] = {
		{ .type = RN_ICMP_UNREACH, .code = 4, .rest = 1400 },            /* frag needed, MTU */
		{ .type = RN_ICMP_TIMXCEED, .code = 0 },                         /* TTL exceeded */
		{ .type = RN_ICMP_REDIRECT, .code = 1, .rest = 0x0a4d00fe },     /* gateway 10.77.0.254 */
		{ .type = RN_ICMP_PARAMPROB, .code = 0, .rest = 0x14000000 },    /* pointer 20 */
		{ .type = RN_ICMP_UNREACH, .code = 1, .rest = 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rn_icmp x = cases[i], y;
		x.id = (uint16_t)(x.rest >> 16);
		x.seq = (uint16_t)x.rest;
		uint8_t buf[8 + 28];
		memcpy(buf + 8, unreach + 8, 28); /* quote IP header + 8 bytes */
		assert_int_equal(rn_icmp_emit(&x, buf, sizeof buf, 28), 8);
		assert_int_equal(rn_inet_csum(buf, sizeof buf), 0);
		assert_int_equal(rn_icmp_parse(rn_view_make(buf, sizeof buf), &y), 0);
		assert_icmp_equal(&x, &y);
		assert_true(rn_icmp_is_error(y.type));
		assert_int_equal(y.checksum_status, RN_CSUM_GOOD);
		assert_int_equal(y.data.len, 28);
		assert_memory_equal(y.data.data, unreach + 8, 28);
	}
	/* The frag-needed MTU sits in the low 16 bits (RFC 1191). */
	uint8_t b[8];
	struct rn_icmp fn = { .type = 3, .code = 4, .rest = 1400 };
	assert_int_equal(rn_icmp_emit(&fn, b, 8, 0), 8);
	assert_int_equal(b[4] << 24 | b[5] << 16 | b[6] << 8 | b[7], 1400);
	assert_false(rn_icmp_is_error(RN_ICMP_ECHO));
	assert_false(rn_icmp_is_error(RN_ICMP_TSTAMP));
}

/* A checksum set by the caller survives emit; parse calls it bad. */
static void test_wrong_checksum(void **state)
{
	(void)state;
	uint8_t buf[20];
	memcpy(buf + 8, "Hello world!", 12);
	struct rn_icmp e = { .type = 8, .id = 0x1234, .seq = 1, .checksum = 0xdead, .checksum_set = true };
	assert_int_equal(rn_icmp_emit(&e, buf, sizeof buf, 12), 8);
	assert_int_equal(buf[2], 0xde);
	assert_int_equal(buf[3], 0xad);
	struct rn_icmp ic;
	assert_int_equal(rn_icmp_parse(rn_view_make(buf, sizeof buf), &ic), 0);
	assert_int_equal(ic.checksum, 0xdead);
	assert_int_equal(ic.checksum_status, RN_CSUM_BAD);
	/* The right value, set by hand, is good. */
	e.checksum = 0x73db;
	assert_int_equal(rn_icmp_emit(&e, buf, sizeof buf, 12), 8);
	assert_memory_equal(buf, echo, sizeof echo);
}

static void test_emit_nospace(void **state)
{
	(void)state;
	uint8_t buf[20];
	struct rn_icmp e = { .type = 8 };
	assert_int_equal(rn_icmp_emit(&e, buf, 7, 0), -RN_ENOSPC);
	assert_int_equal(rn_icmp_emit(&e, buf, 19, 12), -RN_ENOSPC);
	assert_int_equal(rn_icmp_emit(&e, buf, 8, SIZE_MAX), -RN_ENOSPC);
}

/* Every prefix of every vector: an error under 8 bytes, otherwise data that
 * stays inside the bytes given (and a checksum that no longer verifies). */
static void test_truncations(void **state)
{
	(void)state;
	const struct { const uint8_t *p; size_t n; } vec[] = {
		{ echo, sizeof echo }, { unreach, sizeof unreach },
	};
	for (size_t k = 0; k < 2; k++)
		for (size_t n = 0; n < vec[k].n; n++) {
			uint8_t *b = exact_copy(vec[k].p, n);
			struct rn_icmp ic;
			int r = rn_icmp_parse(rn_view_make(b, n), &ic);
			if (n < 8) {
				assert_int_equal(r, -RN_ETRUNC);
			} else {
				assert_int_equal(r, 0);
				assert_int_equal(ic.data.len, n - 8);
				assert_inside(ic.data, b, n);
				assert_int_equal(ic.checksum_status, RN_CSUM_BAD);
			}
			free(b);
		}
}

/* A router quotes only the IP header and 8 bytes (RFC 792): the quoted UDP
 * header parses, its payload is marked truncated and not verified. */
static void test_short_quote(void **state)
{
	(void)state;
	uint8_t buf[8 + 28];
	memcpy(buf + 8, unreach + 8, 28);
	struct rn_icmp e = { .type = RN_ICMP_TIMXCEED, .code = 0 }, ic;
	assert_int_equal(rn_icmp_emit(&e, buf, sizeof buf, 28), 8);
	uint8_t *b = exact_copy(buf, sizeof buf);
	assert_int_equal(rn_icmp_parse(rn_view_make(b, sizeof buf), &ic), 0);
	assert_int_equal(ic.checksum_status, RN_CSUM_GOOD);
	assert_true(rn_icmp_is_error(ic.type));
	struct rn_udp u;
	struct rn_view pl;
	struct rn_pseudo ph = { .family = AF_INET, .src = { 10, 77, 9, 1 }, .dst = { 10, 77, 9, 2 } };
	assert_int_equal(rn_udp_parse(rn_view_tail(ic.data, 20), &ph, &u, &pl), 0);
	assert_int_equal(u.sport, 56235);
	assert_int_equal(u.dport, 53);
	assert_int_equal(u.len, 37);
	assert_true(u.payload_truncated);
	assert_int_equal(u.checksum_status, RN_CSUM_UNCHECKED);
	assert_int_equal(pl.len, 0);
	free(b);
}

/* Random bytes of random lengths: data always lies inside the buffer. */
static void test_random_bytes(void **state)
{
	(void)state;
	uint32_t x = 5;
	for (int i = 0; i < 20000; i++) {
		size_t n = lcg(&x) % 40;
		uint8_t *b = malloc(n ? n : 1);
		assert_non_null(b);
		for (size_t j = 0; j < n; j++)
			b[j] = (uint8_t)lcg(&x);
		struct rn_icmp ic;
		int r = rn_icmp_parse(rn_view_make(b, n), &ic);
		if (r == 0) {
			assert_int_equal(8 + ic.data.len, n);
			assert_inside(ic.data, b, n);
			assert_int_equal(ic.checksum_status == RN_CSUM_GOOD, rn_inet_csum(b, n) == 0);
		} else {
			assert_int_equal(r, -RN_ETRUNC);
		}
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_hello),
		cmocka_unit_test(test_port_unreachable),
		cmocka_unit_test(test_errors_roundtrip),
		cmocka_unit_test(test_wrong_checksum),
		cmocka_unit_test(test_emit_nospace),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_short_quote),
		cmocka_unit_test(test_random_bytes),
	};
	return cmocka_run_group_tests_name("icmp", tests, NULL, NULL);
}
