/* Unit tests: ICMPv6 (RFC 4443) and neighbour discovery (RFC 4861) with
 * packets captured between two Linux namespaces (NS/NA pair, DAD NS with a
 * nonce, RS, echo) and a router advertisement from tcpdump's test captures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "wire_testutil.h"
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/icmp6.h"

#define FD77(last) { 0xfd, 0x77, 0x00, 0x09, [15] = (last) }

/* fd77:9::1 -> ff02::1:ff00:2: who has fd77:9::2, source lladdr a2:0f:63:d4:32:28. */
static const uint8_t ns[] = {
	0x87, 0x00, 0x46, 0x8c, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x77, 0x00, 0x09,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x01, 0x01, 0xa2, 0x0f, 0x63, 0xd4, 0x32, 0x28,
};
static const struct rn_pseudo ns_ph = { .family = AF_INET6, .src = FD77(1),
	.dst = { 0xff, 0x02, [11] = 0x01, 0xff, 0x00, 0x00, 0x02 } };
/* fd77:9::2 -> fd77:9::1: fd77:9::2 is at aa:ab:49:35:9c:05, solicited, override. */
static const uint8_t na[] = {
	0x88, 0x00, 0x8d, 0x35, 0x60, 0x00, 0x00, 0x00, 0xfd, 0x77, 0x00, 0x09,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x02, 0x01, 0xaa, 0xab, 0x49, 0x35, 0x9c, 0x05,
};
static const struct rn_pseudo na_ph = { .family = AF_INET6, .src = FD77(2), .dst = FD77(1) };
/* :: -> ff02::1:ff35:9c05: duplicate address detection with a nonce option (14). */
static const uint8_t ns_dad[] = {
	0x87, 0x00, 0x2a, 0xc6, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x80, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xa8, 0xab, 0x49, 0xff, 0xfe, 0x35, 0x9c, 0x05,
	0x0e, 0x01, 0xf5, 0x91, 0xfd, 0x99, 0x27, 0x0b,
};
static const struct rn_pseudo dad_ph = { .family = AF_INET6,
	.dst = { 0xff, 0x02, [11] = 0x01, 0xff, 0x35, 0x9c, 0x05 } };
/* fd77:9::1 -> fd77:9::2: ping's echo request, id 0x2038 seq 1, 56 bytes. */
static const uint8_t echo6[] = {
	0x80, 0x00, 0x6f, 0xc4, 0x20, 0x38, 0x00, 0x01, 0x3c, 0x60, 0x02, 0x6b,
	0x00, 0x00, 0x00, 0x00, 0xf6, 0xe4, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
	0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33,
	0x34, 0x35, 0x36, 0x37,
};
static const struct rn_pseudo echo6_ph = { .family = AF_INET6, .src = FD77(1), .dst = FD77(2) };
/* fe80::a00f:63ff:fed4:3228 -> ff02::2: router solicitation with source lladdr. */
static const uint8_t rs[] = {
	0x85, 0x00, 0x0f, 0x16, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0xa2, 0x0f,
	0x63, 0xd4, 0x32, 0x28,
};
static const struct rn_pseudo rs_ph = { .family = AF_INET6,
	.src = { 0xfe, 0x80, [8] = 0xa0, 0x0f, 0x63, 0xff, 0xfe, 0xd4, 0x32, 0x28 },
	.dst = { 0xff, 0x02, [15] = 0x02 } };
/* icmpv6.pcap: fe80::b299:28ff:fec8:d66c -> ff02::1, hop limit 64, flags
 * [home agent], lifetime 15 s; prefix, RDNSS, DNSSL, MTU, SLL, interval and
 * home-agent options. */
static const uint8_t ra[] = {
	0x86, 0x00, 0x24, 0x01, 0x40, 0x20, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x03, 0x04, 0x48, 0xc0, 0x00, 0x27, 0x8d, 0x00,
	0x00, 0x09, 0x3a, 0x80, 0x00, 0x00, 0x00, 0x00, 0x22, 0x22, 0x33, 0x33,
	0x44, 0x44, 0x55, 0x55, 0x66, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x19, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0xab, 0xcd, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xef, 0xef,
	0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x1f, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72,
	0x67, 0x00, 0x04, 0x64, 0x6f, 0x6d, 0x31, 0x04, 0x64, 0x6f, 0x6d, 0x32,
	0x03, 0x74, 0x6c, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x01, 0x01, 0xb0, 0x99,
	0x28, 0xc8, 0xd6, 0x6c, 0x07, 0x01, 0x00, 0x00, 0x00, 0x00, 0x13, 0x88,
	0x08, 0x01, 0x00, 0x00, 0xc3, 0x51, 0x00, 0x0f,
};
static const struct rn_pseudo ra_ph = { .family = AF_INET6,
	.src = { 0xfe, 0x80, [8] = 0xb2, 0x99, 0x28, 0xff, 0xfe, 0xc8, 0xd6, 0x6c },
	.dst = { 0xff, 0x02, [15] = 0x01 } };

/* Parses, re-emits from the repr (checksum computed) into a fresh buffer
 * holding only the body, and compares with the original bytes. */
static void check_reemit(const uint8_t *pkt, size_t n, const struct rn_pseudo *ph)
{
	struct rn_icmp6 x, y;
	assert_int_equal(rn_icmp6_parse(rn_view_make(pkt, n), ph, &x), 0);
	assert_int_equal(x.checksum_status, RN_CSUM_GOOD);
	size_t hl = rn_icmp6_header_len(x.type);
	uint8_t buf[256];
	memset(buf, 0xee, sizeof buf);
	memcpy(buf + hl, x.data.data, x.data.len);
	struct rn_icmp6 e = x;
	e.checksum = 0;
	e.data = rn_view_make(NULL, 0);
	assert_int_equal(rn_icmp6_emit(&e, ph, buf, n, x.data.len), (int)hl);
	assert_memory_equal(buf, pkt, n);
	assert_int_equal(rn_icmp6_parse(rn_view_make(buf, n), ph, &y), 0);
	assert_int_equal(y.type, x.type);
	assert_int_equal(y.code, x.code);
	assert_int_equal(y.checksum, x.checksum);
	assert_int_equal(y.rest, x.rest);
	assert_int_equal(y.id, x.id);
	assert_int_equal(y.seq, x.seq);
	assert_memory_equal(y.target, x.target, 16);
	assert_int_equal(y.reachable, x.reachable);
	assert_int_equal(y.retrans, x.retrans);
	assert_int_equal(y.data.len, x.data.len);
	assert_int_equal(y.checksum_status, RN_CSUM_GOOD);
}

static void expect_one_lladdr(struct rn_view opts, uint8_t type, const uint8_t mac[6])
{
	struct rn_nd_opt o;
	assert_int_equal(rn_nd_opt_next(&opts, &o), 1);
	assert_int_equal(o.type, type);
	assert_int_equal(o.len, 8);
	assert_int_equal(o.data.len, 6);
	assert_memory_equal(o.data.data, mac, 6);
	assert_int_equal(rn_nd_opt_next(&opts, &o), 0);
}

static void test_ns_na(void **state)
{
	(void)state;
	struct rn_icmp6 m;
	const uint8_t tgt[16] = FD77(2);
	assert_int_equal(rn_icmp6_parse(rn_view_make(ns, sizeof ns), &ns_ph, &m), 0);
	assert_int_equal(m.type, RN_ICMP6_NEIGHBOR_SOLICIT);
	assert_int_equal(m.code, 0);
	assert_int_equal(m.checksum, 0x468c);
	assert_int_equal(m.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(m.rest, 0);
	assert_memory_equal(m.target, tgt, 16);
	assert_false(rn_icmp6_is_error(m.type));
	assert_int_equal(m.data.len, 8);
	expect_one_lladdr(m.data, RN_ND_OPT_SOURCE_LLADDR, (const uint8_t[]){ 0xa2, 0x0f, 0x63, 0xd4, 0x32, 0x28 });

	assert_int_equal(rn_icmp6_parse(rn_view_make(na, sizeof na), &na_ph, &m), 0);
	assert_int_equal(m.type, RN_ICMP6_NEIGHBOR_ADVERT);
	assert_int_equal(m.checksum, 0x8d35);
	assert_int_equal(m.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(m.rest >> 24, RN_ND_NA_SOLICITED | RN_ND_NA_OVERRIDE);
	assert_memory_equal(m.target, tgt, 16);
	expect_one_lladdr(m.data, RN_ND_OPT_TARGET_LLADDR, (const uint8_t[]){ 0xaa, 0xab, 0x49, 0x35, 0x9c, 0x05 });

	/* Built from scratch: emit(repr) == the captured NA. */
	uint8_t buf[32];
	memcpy(buf + 24, na + 24, 8);
	struct rn_icmp6 e = { .type = RN_ICMP6_NEIGHBOR_ADVERT,
			      .rest = (uint32_t)(RN_ND_NA_SOLICITED | RN_ND_NA_OVERRIDE) << 24 };
	memcpy(e.target, tgt, 16);
	assert_int_equal(rn_icmp6_header_len(e.type), 24);
	assert_int_equal(rn_icmp6_emit(&e, &na_ph, buf, sizeof buf, 8), 24);
	assert_memory_equal(buf, na, sizeof na);
	check_reemit(ns, sizeof ns, &ns_ph);
	check_reemit(na, sizeof na, &na_ph);

	/* DAD: from ::, with a nonce option. */
	assert_int_equal(rn_icmp6_parse(rn_view_make(ns_dad, sizeof ns_dad), &dad_ph, &m), 0);
	assert_int_equal(m.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(m.target[0], 0xfe);
	assert_int_equal(m.target[15], 0x05);
	struct rn_view cur = m.data;
	struct rn_nd_opt o;
	assert_int_equal(rn_nd_opt_next(&cur, &o), 1);
	assert_int_equal(o.type, 14);
	assert_int_equal(o.data.len, 6);
	assert_int_equal(rn_view_u8(o.data, 0), 0xf5);
	assert_int_equal(rn_nd_opt_next(&cur, &o), 0);
	check_reemit(ns_dad, sizeof ns_dad, &dad_ph);
}

static void test_rs_ra(void **state)
{
	(void)state;
	struct rn_icmp6 m;
	assert_int_equal(rn_icmp6_parse(rn_view_make(rs, sizeof rs), &rs_ph, &m), 0);
	assert_int_equal(m.type, RN_ICMP6_ROUTER_SOLICIT);
	assert_int_equal(rn_icmp6_header_len(m.type), 8);
	assert_int_equal(m.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(m.rest, 0);
	expect_one_lladdr(m.data, RN_ND_OPT_SOURCE_LLADDR, (const uint8_t[]){ 0xa2, 0x0f, 0x63, 0xd4, 0x32, 0x28 });
	check_reemit(rs, sizeof rs, &rs_ph);

	assert_int_equal(rn_icmp6_parse(rn_view_make(ra, sizeof ra), &ra_ph, &m), 0);
	assert_int_equal(m.type, RN_ICMP6_ROUTER_ADVERT);
	assert_int_equal(m.checksum, 0x2401);
	assert_int_equal(m.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(m.rest >> 24, 64);           /* hop limit */
	assert_int_equal((m.rest >> 16) & 0xff, 0x20); /* home agent */
	assert_int_equal(m.rest & 0xffff, 15);         /* router lifetime */
	assert_int_equal(m.reachable, 0);
	assert_int_equal(m.retrans, 0);
	assert_int_equal(m.data.len, 160);
	const uint8_t types[] = { 3, 25, 31, 5, 1, 7, 8 };
	const size_t lens[] = { 32, 40, 56, 8, 8, 8, 8 };
	struct rn_view cur = m.data;
	struct rn_nd_opt o;
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(rn_nd_opt_next(&cur, &o), 1);
		assert_int_equal(o.type, types[i]);
		assert_int_equal(o.len, lens[i]);
		assert_int_equal(o.data.len, lens[i] - 2);
		if (o.type == RN_ND_OPT_PREFIX_INFO) {
			assert_int_equal(rn_view_u8(o.data, 0), 72); /* prefix length */
			assert_int_equal(rn_view_be32(o.data, 2), 2592000);
		}
		if (o.type == RN_ND_OPT_MTU)
			assert_int_equal(rn_view_be32(o.data, 2), 100);
	}
	assert_int_equal(rn_nd_opt_next(&cur, &o), 0);
	check_reemit(ra, sizeof ra, &ra_ph);

	/* Reachable and retrans timers round-trip. */
	uint8_t buf[16];
	struct rn_icmp6 e = { .type = RN_ICMP6_ROUTER_ADVERT, .rest = 0xff801234, .reachable = 30000,
			      .retrans = 1000 };
	assert_int_equal(rn_icmp6_emit(&e, &ra_ph, buf, sizeof buf, 0), 16);
	assert_int_equal(rn_icmp6_parse(rn_view_make(buf, sizeof buf), &ra_ph, &m), 0);
	assert_int_equal(m.rest, 0xff801234);
	assert_int_equal(m.reachable, 30000);
	assert_int_equal(m.retrans, 1000);
	assert_int_equal(m.checksum_status, RN_CSUM_GOOD);
}

static void test_echo(void **state)
{
	(void)state;
	struct rn_icmp6 m;
	assert_int_equal(rn_icmp6_parse(rn_view_make(echo6, sizeof echo6), &echo6_ph, &m), 0);
	assert_int_equal(m.type, RN_ICMP6_ECHO_REQUEST);
	assert_int_equal(m.id, 0x2038);
	assert_int_equal(m.seq, 1);
	assert_int_equal(m.checksum, 0x6fc4);
	assert_int_equal(m.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(m.data.len, 56);
	assert_ptr_equal(m.data.data, echo6 + 8);
	assert_false(rn_icmp6_is_error(m.type));
	check_reemit(echo6, sizeof echo6, &echo6_ph);
	/* Without addresses: parsed, not verified. */
	assert_int_equal(rn_icmp6_parse(rn_view_make(echo6, sizeof echo6), NULL, &m), 0);
	assert_int_equal(m.checksum_status, RN_CSUM_UNCHECKED);
	assert_int_equal(m.id, 0x2038);
	/* The reply built by hand, "Hello world!". */
	uint8_t buf[20];
	memcpy(buf + 8, "Hello world!", 12);
	struct rn_icmp6 e = { .type = RN_ICMP6_ECHO_REPLY, .id = 7, .seq = 9 };
	assert_int_equal(rn_icmp6_emit(&e, NULL, buf, sizeof buf, 12), -RN_EINVAL);
	assert_int_equal(rn_icmp6_emit(&e, &echo6_ph, buf, sizeof buf - 1, 12), -RN_ENOSPC);
	assert_int_equal(rn_icmp6_emit(&e, &echo6_ph, buf, sizeof buf, 12), 8);
	assert_int_equal(rn_icmp6_parse(rn_view_make(buf, sizeof buf), &echo6_ph, &m), 0);
	assert_int_equal(m.type, RN_ICMP6_ECHO_REPLY);
	assert_int_equal(m.id, 7);
	assert_int_equal(m.seq, 9);
	assert_int_equal(m.checksum_status, RN_CSUM_GOOD);
	assert_memory_equal(m.data.data, "Hello world!", 12);
}

/* Errors quote the offending packet; packet-too-big carries the MTU and
 * parameter problem the pointer in bytes 4..7. */
static void test_errors(void **state)
{
	(void)state;
	const struct rn_icmp6 cases[] = {
		{ .type = RN_ICMP6_DST_UNREACH, .code = 4 },
		{ .type = RN_ICMP6_PACKET_TOO_BIG, .rest = 1280 },
		{ .type = RN_ICMP6_TIME_EXCEEDED, .code = 0 },
		{ .type = RN_ICMP6_PARAM_PROB, .code = 1, .rest = 40 },
	};
	for (size_t i = 0; i < 4; i++) {
		uint8_t buf[8 + 48];
		memcpy(buf + 8, echo6, 48); /* any quoted bytes */
		struct rn_icmp6 m;
		assert_int_equal(rn_icmp6_emit(&cases[i], &na_ph, buf, sizeof buf, 48), 8);
		assert_int_equal(rn_icmp6_parse(rn_view_make(buf, sizeof buf), &na_ph, &m), 0);
		assert_true(rn_icmp6_is_error(m.type));
		assert_int_equal(m.type, cases[i].type);
		assert_int_equal(m.code, cases[i].code);
		assert_int_equal(m.rest, cases[i].rest);
		assert_int_equal(m.checksum_status, RN_CSUM_GOOD);
		assert_int_equal(m.data.len, 48);
		assert_memory_equal(m.data.data, echo6, 48);
	}
}

static void test_wrong_checksum(void **state)
{
	(void)state;
	uint8_t buf[sizeof na];
	memcpy(buf, na, sizeof na);
	struct rn_icmp6 e = { .type = RN_ICMP6_NEIGHBOR_ADVERT, .rest = 0x60000000,
			      .target = FD77(2), .checksum = 0x1234, .checksum_set = true };
	assert_int_equal(rn_icmp6_emit(&e, NULL, buf, sizeof buf, 8), 24);
	assert_int_equal(buf[2] << 8 | buf[3], 0x1234);
	struct rn_icmp6 m;
	assert_int_equal(rn_icmp6_parse(rn_view_make(buf, sizeof buf), &na_ph, &m), 0);
	assert_int_equal(m.checksum, 0x1234);
	assert_int_equal(m.checksum_status, RN_CSUM_BAD);
	e.checksum = 0x8d35;
	assert_int_equal(rn_icmp6_emit(&e, &na_ph, buf, sizeof buf, 8), 24);
	assert_memory_equal(buf, na, sizeof na);
}

static void test_bad_nd_options(void **state)
{
	(void)state;
	const struct { uint8_t n; uint8_t b[16]; } bad[] = {
		{ 8, { 1, 0, 1, 2, 3, 4, 5, 6 } },                           /* length 0 */
		{ 8, { 1, 2, 1, 2, 3, 4, 5, 6 } },                           /* 16 bytes, 8 there */
		{ 1, { 1 } },                                                /* no length byte */
		{ 9, { 1, 1, 1, 2, 3, 4, 5, 6, 2 } },                        /* good, then a stub */
		{ 16, { 1, 1, 1, 2, 3, 4, 5, 6, 3, 0, 0, 0, 0, 0, 0, 0 } },  /* good, then zero */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t *b = exact_copy(bad[i].b, bad[i].n);
		struct rn_view cur = rn_view_make(b, bad[i].n);
		struct rn_nd_opt o;
		int r, guard = 0;
		while ((r = rn_nd_opt_next(&cur, &o)) > 0)
			assert_true(++guard < 4);
		assert_int_equal(r, -RN_EBADLEN);
		free(b);
	}
}

/* Every prefix: -RN_ETRUNC until the type's fixed part is there, then data
 * inside the bytes given; ND option walks stop at the cut. */
static void test_truncations(void **state)
{
	(void)state;
	const struct { const uint8_t *p; size_t n; const struct rn_pseudo *ph; } vec[] = {
		{ ns, sizeof ns, &ns_ph }, { na, sizeof na, &na_ph }, { ns_dad, sizeof ns_dad, &dad_ph },
		{ echo6, sizeof echo6, &echo6_ph }, { rs, sizeof rs, &rs_ph }, { ra, sizeof ra, &ra_ph },
	};
	for (size_t k = 0; k < sizeof vec / sizeof vec[0]; k++) {
		size_t hl = rn_icmp6_header_len(vec[k].p[0]);
		for (size_t n = 0; n < vec[k].n; n++) {
			uint8_t *b = exact_copy(vec[k].p, n);
			struct rn_icmp6 m;
			int r = rn_icmp6_parse(rn_view_make(b, n), vec[k].ph, &m);
			if (n < hl) {
				assert_int_equal(r, -RN_ETRUNC);
			} else {
				assert_int_equal(r, 0);
				assert_int_equal(m.checksum_status, RN_CSUM_BAD);
				assert_int_equal(m.data.len, n - hl);
				if (m.data.len)
					assert_ptr_equal(m.data.data, b + hl);
				if (vec[k].p[0] >= RN_ICMP6_ROUTER_SOLICIT) {
					struct rn_view cur = m.data;
					struct rn_nd_opt o;
					int guard = 0;
					while ((r = rn_nd_opt_next(&cur, &o)) > 0) {
						assert_true(o.data.data >= b && o.data.data + o.data.len <= b + n);
						assert_true(++guard < 20);
					}
					/* Cut inside an option: it no longer fits. */
					assert_true(r == 0 || r == -RN_EBADLEN);
				}
			}
			free(b);
		}
	}
}

/* Random bytes of random lengths never make parse or the option walk read
 * outside the buffer. */
static void test_random_bytes(void **state)
{
	(void)state;
	const uint8_t types[] = { 1, 2, 3, 4, 128, 129, 133, 134, 135, 136, 137 };
	uint32_t x = 7;
	for (int i = 0; i < 20000; i++) {
		size_t n = lcg(&x) % 64;
		uint8_t *b = malloc(n ? n : 1);
		assert_non_null(b);
		for (size_t j = 0; j < n; j++)
			b[j] = (uint8_t)lcg(&x);
		if (n && (i & 1))
			b[0] = types[lcg(&x) % sizeof types];
		struct rn_icmp6 m;
		int r = rn_icmp6_parse(rn_view_make(b, n), (i & 2) ? &na_ph : NULL, &m);
		if (r == 0) {
			assert_true(rn_icmp6_header_len(m.type) + m.data.len == n);
			struct rn_view cur = m.data;
			struct rn_nd_opt o;
			while ((r = rn_nd_opt_next(&cur, &o)) > 0)
				assert_true(o.len >= 8 && o.data.data + o.data.len <= b + n);
			assert_true(r == 0 || r == -RN_EBADLEN);
		} else {
			assert_int_equal(r, -RN_ETRUNC);
		}
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ns_na),
		cmocka_unit_test(test_rs_ra),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_wrong_checksum),
		cmocka_unit_test(test_bad_nd_options),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_random_bytes),
	};
	return cmocka_run_group_tests_name("icmp6", tests, NULL, NULL);
}
