/* Unit tests: IPv4 headers (RFC 791) — real and crafted byte vectors, options
 * walk, fragments, checksums, every truncation, lying lengths, emit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "wire_testutil.h"
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/ipv4.h"

/* IGMPv2 report with a router alert option (tcpdump's IGMP_V2.pcap, frame 2):
 * 192.168.1.64 > 239.255.255.250, ttl 1, id 35938, options (RA). */
static const uint8_t igmp_ra[] = {
	0x46, 0x00, 0x00, 0x20, 0x8c, 0x62, 0x00, 0x00, 0x01, 0x02, 0xe6, 0x92, 0xc0, 0xa8, 0x01, 0x40,
	0xef, 0xff, 0xff, 0xfa, 0x94, 0x04, 0x00, 0x00, 0x16, 0x00, 0xfa, 0x04, 0xef, 0xff, 0xff, 0xfa,
};

/* DHCP relay request (tcpdump's dhcp-rfc4388.pcap), first 40 of 328 bytes:
 * 10.30.1.1 > 10.40.2.3, DF, id 46879, UDP. A capture cut short. */
static const uint8_t dhcp_cut[] = {
	0x45, 0x00, 0x01, 0x48, 0xb7, 0x1f, 0x40, 0x00, 0x40, 0x11, 0x6b, 0x3c, 0x0a, 0x1e, 0x01, 0x01,
	0x0a, 0x28, 0x02, 0x03, 0x00, 0x43, 0x00, 0x43, 0x01, 0x34, 0x4b, 0x5b, 0x01, 0x01, 0x06, 0x01,
	0x3c, 0xd0, 0xaf, 0x7e, 0x00, 0x00, 0x00, 0x00,
};

/* Crafted, checked with tcpdump -vvv: 10.77.0.1 > 10.77.0.9, DF, UDP 1234 > 53 "hi",
 * options (LSRR 10.77.0.9 10.77.0.2, NOP, timestamp TSONLY x2, RR 0.0.0.0, EOL). */
static const uint8_t opts_udp[] = {
	0x4d, 0x00, 0x00, 0x3e, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11, 0x81, 0x91, 0x0a, 0x4d, 0x00, 0x01,
	0x0a, 0x4d, 0x00, 0x09, 0x83, 0x0b, 0x04, 0x0a, 0x4d, 0x00, 0x09, 0x0a, 0x4d, 0x00, 0x02, 0x01,
	0x44, 0x0c, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x07, 0x04, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x04, 0xd2, 0x00, 0x35, 0x00, 0x0a, 0x7d, 0xcd, 0x68, 0x69,
};

/* Crafted, checked with tcpdump: a UDP datagram in two fragments, id 0xbeef:
 * the first with MF at offset 0, the second at offset 2 (16 bytes). */
static const uint8_t frag1[] = {
	0x45, 0x00, 0x00, 0x24, 0xbe, 0xef, 0x20, 0x00, 0x40, 0x11, 0x87, 0x3d, 0x0a, 0x4d, 0x00, 0x01,
	0x0a, 0x4d, 0x00, 0x02, 0x9c, 0x40, 0x00, 0x09, 0x00, 0x20, 0x3f, 0xb9, 0x41, 0x41, 0x41, 0x41,
	0x41, 0x41, 0x41, 0x41,
};
static const uint8_t frag2[] = {
	0x45, 0x00, 0x00, 0x24, 0xbe, 0xef, 0x00, 0x02, 0x40, 0x11, 0xa7, 0x3b, 0x0a, 0x4d, 0x00, 0x01,
	0x0a, 0x4d, 0x00, 0x02, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
	0x41, 0x41, 0x41, 0x41,
};

struct vec {
	const uint8_t *b;
	size_t len;
	size_t wire_len; /* tot_len: more than len when the capture was cut */
};

static const struct vec vecs[] = {
	{ igmp_ra, sizeof igmp_ra, sizeof igmp_ra },
	{ dhcp_cut, sizeof dhcp_cut, 328 },
	{ opts_udp, sizeof opts_udp, sizeof opts_udp },
	{ frag1, sizeof frag1, sizeof frag1 },
	{ frag2, sizeof frag2, sizeof frag2 },
};

static void test_parse_igmp_router_alert(void **state)
{
	(void)state;
	struct rn_ipv4 ip;
	struct rn_view pl;
	assert_int_equal(rn_ipv4_parse(rn_view_make(igmp_ra, sizeof igmp_ra), &ip, &pl), 0);
	assert_int_equal(ip.version, 4);
	assert_int_equal(ip.ihl, 6);
	assert_false(ip.ihl_set);
	assert_int_equal(ip.tos, 0);
	assert_int_equal(ip.tot_len, 32);
	assert_false(ip.tot_len_set);
	assert_int_equal(ip.id, 35938);
	assert_false(ip.flag_rsv);
	assert_false(ip.flag_df);
	assert_false(ip.flag_mf);
	assert_int_equal(ip.frag_off, 0);
	assert_false(rn_ipv4_is_fragment(&ip));
	assert_int_equal(ip.ttl, 1);
	assert_int_equal(ip.proto, RN_IPPROTO_IGMP);
	assert_int_equal(ip.checksum, 0xe692);
	assert_false(ip.checksum_set);
	assert_int_equal(ip.checksum_status, RN_CSUM_GOOD);
	assert_memory_equal(ip.src, ((uint8_t[]){ 192, 168, 1, 64 }), 4);
	assert_memory_equal(ip.dst, ((uint8_t[]){ 239, 255, 255, 250 }), 4);
	assert_int_equal(ip.opt_len, 4);
	assert_memory_equal(ip.opts, ((uint8_t[]){ 0x94, 0x04, 0x00, 0x00 }), 4);
	assert_false(ip.payload_truncated);
	assert_int_equal(rn_ipv4_header_len(&ip), 24);
	assert_ptr_equal(pl.data, igmp_ra + 24);
	assert_int_equal(pl.len, 8);

	struct rn_view cur = rn_view_make(ip.opts, ip.opt_len);
	struct rn_ipv4_opt opt;
	assert_int_equal(rn_ipv4_opt_next(&cur, &opt), 1);
	assert_int_equal(opt.type, 148);
	assert_int_equal(opt.len, 4);
	assert_int_equal(opt.data.len, 2);
	assert_int_equal(rn_view_be16(opt.data, 0), 0);
	assert_int_equal(rn_ipv4_opt_next(&cur, &opt), 0);
}

static void test_parse_options_walk(void **state)
{
	(void)state;
	struct rn_ipv4 ip;
	struct rn_view pl;
	assert_int_equal(rn_ipv4_parse(rn_view_make(opts_udp, sizeof opts_udp), &ip, &pl), 0);
	assert_int_equal(ip.ihl, 13);
	assert_int_equal(ip.tot_len, 62);
	assert_int_equal(ip.id, 0x1c46);
	assert_true(ip.flag_df);
	assert_false(ip.flag_mf);
	assert_int_equal(ip.ttl, 64);
	assert_int_equal(ip.proto, RN_IPPROTO_UDP);
	assert_int_equal(ip.checksum, 0x8191);
	assert_int_equal(ip.checksum_status, RN_CSUM_GOOD);
	assert_memory_equal(ip.src, ((uint8_t[]){ 10, 77, 0, 1 }), 4);
	assert_memory_equal(ip.dst, ((uint8_t[]){ 10, 77, 0, 9 }), 4);
	assert_int_equal(ip.opt_len, 32);
	assert_memory_equal(ip.opts, opts_udp + 20, 32);
	assert_int_equal(pl.len, 10);
	assert_ptr_equal(pl.data, opts_udp + 52);

	struct rn_view cur = rn_view_make(ip.opts, ip.opt_len);
	struct rn_ipv4_opt o;
	assert_int_equal(rn_ipv4_opt_next(&cur, &o), 1);
	assert_int_equal(o.type, 131);
	assert_int_equal(o.len, 11);
	assert_int_equal(o.data.len, 9);
	assert_int_equal(rn_view_u8(o.data, 0), 4); /* pointer */
	assert_int_equal(rn_view_be32(o.data, 1), 0x0a4d0009);
	assert_int_equal(rn_view_be32(o.data, 5), 0x0a4d0002);
	assert_int_equal(rn_ipv4_opt_next(&cur, &o), 1);
	assert_int_equal(o.type, 1);
	assert_int_equal(o.len, 1);
	assert_int_equal(o.data.len, 0);
	assert_int_equal(rn_ipv4_opt_next(&cur, &o), 1);
	assert_int_equal(o.type, 68);
	assert_int_equal(o.len, 12);
	assert_int_equal(o.data.len, 10);
	assert_int_equal(rn_view_u8(o.data, 0), 5);
	assert_int_equal(rn_ipv4_opt_next(&cur, &o), 1);
	assert_int_equal(o.type, 7);
	assert_int_equal(o.len, 7);
	assert_int_equal(o.data.len, 5);
	assert_int_equal(rn_ipv4_opt_next(&cur, &o), 1);
	assert_int_equal(o.type, 0);
	assert_int_equal(o.len, 1);
	assert_int_equal(rn_ipv4_opt_next(&cur, &o), 0);
	assert_int_equal(rn_ipv4_opt_next(&cur, &o), 0);
}

/* EOL ends the walk even when bytes follow; an unknown option is returned whole. */
static void test_options_eol_and_unknown(void **state)
{
	(void)state;
	const uint8_t opts[] = { 0x88, 0x04, 0xab, 0xcd, 0x00, 0x07, 0x07, 0x04 };
	struct rn_view cur = rn_view_make(opts, sizeof opts);
	struct rn_ipv4_opt o;
	assert_int_equal(rn_ipv4_opt_next(&cur, &o), 1);
	assert_int_equal(o.type, 0x88);
	assert_int_equal(o.len, 4);
	assert_int_equal(rn_view_be16(o.data, 0), 0xabcd);
	assert_int_equal(rn_ipv4_opt_next(&cur, &o), 1);
	assert_int_equal(o.type, 0);
	assert_int_equal(rn_ipv4_opt_next(&cur, &o), 0);
}

static void test_options_bad_lengths(void **state)
{
	(void)state;
	static const struct {
		uint8_t b[8];
		size_t n;
	} bad[] = {
		{ { 0x88 }, 1 },                         /* a type with no length byte */
		{ { 0x88, 0x00, 0, 0 }, 4 },             /* length 0 */
		{ { 0x88, 0x01, 0, 0 }, 4 },             /* length 1 */
		{ { 0x88, 0x05, 0, 0 }, 4 },             /* past the end */
		{ { 0x07, 0x02, 0, 0 }, 4 },             /* RR shorter than 3 */
		{ { 0x07, 0x04, 4, 0 }, 4 },             /* RR with a partial address */
		{ { 0x83, 0x08, 4, 1, 2, 3, 4, 5 }, 8 }, /* LSRR with a partial address */
		{ { 0x44, 0x03, 5, 0 }, 4 },             /* TS shorter than 4 */
		{ { 0x44, 0x06, 5, 0, 1, 2, 0, 0 }, 8 }, /* TS with a partial stamp */
		{ { 0x94, 0x03, 0, 0 }, 4 },             /* RA is exactly 4 */
		{ { 0x01, 0x94, 0x06, 0, 0, 0, 0, 0 }, 8 }, /* NOP, then a bad RA */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t *p = exact_copy(bad[i].b, bad[i].n);
		struct rn_view cur = rn_view_make(p, bad[i].n);
		struct rn_ipv4_opt o;
		int rc;
		while ((rc = rn_ipv4_opt_next(&cur, &o)) == 1)
			;
		assert_int_equal(rc, -RN_EBADLEN);
		free(p);
	}
}

static void test_fragments_flagged(void **state)
{
	(void)state;
	struct rn_ipv4 ip;
	struct rn_view pl;
	assert_int_equal(rn_ipv4_parse(rn_view_make(frag1, sizeof frag1), &ip, &pl), 0);
	assert_true(ip.flag_mf);
	assert_false(ip.flag_df);
	assert_int_equal(ip.frag_off, 0);
	assert_true(rn_ipv4_is_fragment(&ip));
	assert_int_equal(ip.id, 0xbeef);
	assert_int_equal(ip.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(pl.len, 16);

	assert_int_equal(rn_ipv4_parse(rn_view_make(frag2, sizeof frag2), &ip, &pl), 0);
	assert_false(ip.flag_mf);
	assert_int_equal(ip.frag_off, 2);
	assert_true(rn_ipv4_is_fragment(&ip));
	assert_int_equal(ip.checksum_status, RN_CSUM_GOOD);

	assert_int_equal(rn_ipv4_parse(rn_view_make(dhcp_cut, sizeof dhcp_cut), &ip, &pl), 0);
	assert_true(ip.flag_df);
	assert_false(rn_ipv4_is_fragment(&ip));
	assert_int_equal(ip.tot_len, 328);
	assert_int_equal(ip.id, 46879);
	assert_true(ip.payload_truncated);
	assert_int_equal(pl.len, sizeof dhcp_cut - 20);
	assert_int_equal(ip.checksum_status, RN_CSUM_GOOD);
}

/* The reserved ("evil") bit and a wrong checksum are reported. */
static void test_checksum_bad_and_rsv(void **state)
{
	(void)state;
	uint8_t b[sizeof frag2];
	memcpy(b, frag2, sizeof b);
	b[8] = 63; /* ttl changed, checksum not */
	struct rn_ipv4 ip;
	assert_int_equal(rn_ipv4_parse(rn_view_make(b, sizeof b), &ip, NULL), 0);
	assert_int_equal(ip.checksum_status, RN_CSUM_BAD);
	assert_int_equal(ip.checksum, 0xa73b);

	memcpy(b, frag2, sizeof b);
	b[6] |= 0x80;
	assert_int_equal(rn_ipv4_parse(rn_view_make(b, sizeof b), &ip, NULL), 0);
	assert_true(ip.flag_rsv);
	assert_int_equal(ip.frag_off, 2);
	assert_int_equal(ip.checksum_status, RN_CSUM_BAD);
}

/* Re-emitting each parsed vector gives its bytes back (checksum recomputed). */
static void test_emit_parsed_is_identity(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		struct rn_ipv4 ip;
		struct rn_view pl;
		assert_int_equal(rn_ipv4_parse(rn_view_make(vecs[i].b, vecs[i].len), &ip, &pl), 0);
		uint8_t out[128];
		size_t hl = rn_ipv4_header_len(&ip);
		memset(out, 0x5a, sizeof out);
		assert_int_equal(rn_ipv4_emit(&ip, out, sizeof out, vecs[i].wire_len - hl), (int)hl);
		assert_memory_equal(out, vecs[i].b, hl);
		assert_int_equal(out[hl], 0x5a); /* the payload is not touched */
	}
}

/* A header built field by field emits to the captured bytes. */
static void test_emit_from_repr(void **state)
{
	(void)state;
	struct rn_ipv4 ip = {
		.tot_len = 1, /* ignored: not set */
		.id = 35938,
		.ttl = 1,
		.proto = RN_IPPROTO_IGMP,
		.src = { 192, 168, 1, 64 },
		.dst = { 239, 255, 255, 250 },
		.opt_len = 4,
		.opts = { 0x94, 0x04, 0x00, 0x00 },
	};
	uint8_t out[sizeof igmp_ra];
	memcpy(out, igmp_ra, sizeof out);
	memset(out, 0, 24);
	assert_int_equal(rn_ipv4_emit(&ip, out, sizeof out, 8), 24);
	assert_memory_equal(out, igmp_ra, sizeof igmp_ra);

	/* Every smaller buffer is refused without writing past it. */
	for (size_t cap = 0; cap < 24; cap++) {
		uint8_t *p = malloc(cap ? cap : 1);
		assert_int_equal(rn_ipv4_emit(&ip, p, cap, 8), -RN_ENOSPC);
		free(p);
	}
	ip.opt_len = 41;
	assert_int_equal(rn_ipv4_emit(&ip, out, sizeof out, 8), -RN_EINVAL);
	ip.opt_len = 0;
	assert_int_equal(rn_ipv4_emit(&ip, out, sizeof out, 65516), -RN_EINVAL);
	assert_int_equal(rn_ipv4_emit(&ip, out, sizeof out, 65515), 20);
	assert_int_equal(rn_view_be16(rn_view_make(out, 20), 2), 65535);
}

static void assert_ipv4_equal(const struct rn_ipv4 *a, const struct rn_ipv4 *b)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->ihl, b->ihl);
	assert_int_equal(a->tos, b->tos);
	assert_int_equal(a->tot_len, b->tot_len);
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->flag_rsv, b->flag_rsv);
	assert_int_equal(a->flag_df, b->flag_df);
	assert_int_equal(a->flag_mf, b->flag_mf);
	assert_int_equal(a->frag_off, b->frag_off);
	assert_int_equal(a->ttl, b->ttl);
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->checksum, b->checksum);
	assert_memory_equal(a->src, b->src, 4);
	assert_memory_equal(a->dst, b->dst, 4);
	assert_int_equal(a->opt_len, b->opt_len);
	assert_memory_equal(a->opts, b->opts, a->opt_len);
}

/* parse(emit(x)) == x, with the computed fields filled in. */
static void test_roundtrip(void **state)
{
	(void)state;
	struct rn_ipv4 x = {
		.tos = 0xb9, .id = 0xffff, .flag_rsv = true, .flag_df = true, .flag_mf = true,
		.frag_off = 0x1fff, .ttl = 255, .proto = 250,
		.src = { 1, 2, 3, 4 }, .dst = { 255, 254, 253, 252 },
		.opt_len = 8, .opts = { 0x01, 0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x00 },
	};
	uint8_t buf[64] = { 0 };
	int hl = rn_ipv4_emit(&x, buf, sizeof buf, 20);
	assert_int_equal(hl, 28);
	struct rn_ipv4 y;
	struct rn_view pl;
	assert_int_equal(rn_ipv4_parse(rn_view_make(buf, 48), &y, &pl), 0);
	x.version = 4;
	x.ihl = 7;
	x.tot_len = 48;
	x.checksum = y.checksum;
	assert_ipv4_equal(&x, &y);
	assert_int_equal(y.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(pl.len, 20);
	assert_ptr_equal(pl.data, buf + 28);

	/* Options not a multiple of 4 are padded with EOL. */
	struct rn_ipv4 z = { .ttl = 1, .opt_len = 3, .opts = { 0x07, 0x03, 0x04 } };
	memset(buf, 0xee, sizeof buf);
	assert_int_equal(rn_ipv4_emit(&z, buf, sizeof buf, 0), 24);
	assert_int_equal(buf[0], 0x46);
	assert_int_equal(buf[23], 0);
	assert_int_equal(rn_ipv4_parse(rn_view_make(buf, 24), &y, NULL), 0);
	assert_int_equal(y.opt_len, 4);
	assert_int_equal(y.checksum_status, RN_CSUM_GOOD);
}

/* Deliberately wrong values set by the caller are written exactly. */
static void test_set_values_survive(void **state)
{
	(void)state;
	struct rn_ipv4 x = {
		.version = 7, .ihl = 3, .ihl_set = true, .tot_len = 9999, .tot_len_set = true,
		.checksum = 0xdead, .checksum_set = true, .ttl = 9, .proto = 6,
	};
	uint8_t buf[64];
	assert_int_equal(rn_ipv4_emit(&x, buf, sizeof buf, 10), 20);
	assert_int_equal(buf[0], 0x73);
	assert_int_equal(buf[2] << 8 | buf[3], 9999);
	assert_int_equal(buf[10] << 8 | buf[11], 0xdead);

	/* A larger ihl than the options need: zero-filled, the checksum computed. */
	x.version = 0;
	x.ihl = 15;
	x.tot_len_set = false;
	x.checksum_set = false;
	memset(buf, 0xee, sizeof buf);
	assert_int_equal(rn_ipv4_emit(&x, buf, sizeof buf, 4), 60);
	assert_int_equal(buf[0], 0x4f);
	assert_int_equal(buf[2] << 8 | buf[3], 64);
	for (int i = 20; i < 60; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(rn_inet_csum(buf, 60), 0);

	/* A wrong checksum with valid lengths parses, marked bad, value kept. */
	x.ihl_set = false;
	x.checksum = 0x1234;
	x.checksum_set = true;
	assert_int_equal(rn_ipv4_emit(&x, buf, sizeof buf, 0), 20);
	struct rn_ipv4 y;
	assert_int_equal(rn_ipv4_parse(rn_view_make(buf, 20), &y, NULL), 0);
	assert_int_equal(y.checksum, 0x1234);
	assert_int_equal(y.checksum_status, RN_CSUM_BAD);
	/* ...and a lying ihl shorter than the options is written as given. */
	struct rn_ipv4 w = { .ihl = 5, .ihl_set = true, .opt_len = 4, .opts = { 1, 1, 1, 1 } };
	assert_int_equal(rn_ipv4_emit(&w, buf, sizeof buf, 0), 24);
	assert_int_equal(buf[0], 0x45);
	assert_int_equal(buf[3], 24);
}

/* Every prefix of every vector: shorter than the header is -RN_ETRUNC; longer
 * parses with a payload cut to what was captured. Exact-size heap copies let
 * ASan catch any overread. */
static void test_every_truncation(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		size_t hl = (size_t)(vecs[i].b[0] & 15) * 4;
		for (size_t n = 0; n <= vecs[i].len; n++) {
			uint8_t *p = exact_copy(vecs[i].b, n);
			struct rn_ipv4 ip;
			struct rn_view pl = { 0 };
			int rc = rn_ipv4_parse(rn_view_make(p, n), &ip, &pl);
			if (n < hl) {
				assert_int_equal(rc, -RN_ETRUNC);
			} else {
				assert_int_equal(rc, 0);
				assert_ptr_equal(pl.data, p + hl);
				assert_int_equal(pl.len, n - hl);
				assert_int_equal(ip.payload_truncated, n < vecs[i].wire_len);
				assert_int_equal(ip.checksum_status, RN_CSUM_GOOD);
				/* The options of every vector walk cleanly. */
				struct rn_view cur = rn_view_make(ip.opts, ip.opt_len);
				struct rn_ipv4_opt o;
				int r;
				while ((r = rn_ipv4_opt_next(&cur, &o)) == 1)
					;
				assert_int_equal(r, 0);
			}
			free(p);
		}
	}
}

static void test_lying_lengths(void **state)
{
	(void)state;
	uint8_t b[sizeof igmp_ra];
	struct rn_ipv4 ip;
	struct rn_view pl;

	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		memcpy(b, igmp_ra, sizeof b);
		b[0] = (uint8_t)(0x40 | ihl);
		assert_int_equal(rn_ipv4_parse(rn_view_make(b, sizeof b), &ip, &pl), -RN_EBADLEN);
	}
	/* tot_len smaller than the header (24). */
	for (uint16_t tl = 0; tl < 24; tl++) {
		memcpy(b, igmp_ra, sizeof b);
		b[2] = 0;
		b[3] = (uint8_t)tl;
		assert_int_equal(rn_ipv4_parse(rn_view_make(b, sizeof b), &ip, &pl), -RN_EBADLEN);
	}
	/* tot_len == header length: an empty payload. */
	memcpy(b, igmp_ra, sizeof b);
	b[3] = 24;
	assert_int_equal(rn_ipv4_parse(rn_view_make(b, sizeof b), &ip, &pl), 0);
	assert_int_equal(pl.len, 0);
	assert_false(ip.payload_truncated);
	/* ihl larger than what was captured. */
	memcpy(b, igmp_ra, sizeof b);
	b[0] = 0x4f;
	b[3] = 60;
	assert_int_equal(rn_ipv4_parse(rn_view_make(b, sizeof b), &ip, &pl), -RN_ETRUNC);
	/* Version 6 (or anything but 4). */
	memcpy(b, igmp_ra, sizeof b);
	b[0] = 0x66;
	assert_int_equal(rn_ipv4_parse(rn_view_make(b, sizeof b), &ip, &pl), -RN_EUNSUP);
	b[0] = 0x06;
	assert_int_equal(rn_ipv4_parse(rn_view_make(b, sizeof b), &ip, &pl), -RN_EUNSUP);
	/* Link-layer padding after tot_len is not payload. */
	uint8_t padded[64] = { 0 };
	memcpy(padded, igmp_ra, sizeof igmp_ra);
	assert_int_equal(rn_ipv4_parse(rn_view_make(padded, sizeof padded), &ip, &pl), 0);
	assert_int_equal(pl.len, 8);
	assert_false(ip.payload_truncated);
}

static void test_pseudo(void **state)
{
	(void)state;
	struct rn_ipv4 ip;
	assert_int_equal(rn_ipv4_parse(rn_view_make(opts_udp, sizeof opts_udp), &ip, NULL), 0);
	struct rn_pseudo ph;
	rn_ipv4_pseudo(&ip, &ph);
	assert_int_equal(ph.family, AF_INET);
	assert_memory_equal(ph.src, ip.src, 4);
	assert_memory_equal(ph.dst, ip.dst, 4);
	/* The UDP checksum of frag1..2's datagram verifies over the pseudo-header. */
	uint8_t dgram[32];
	memcpy(dgram, frag1 + 20, 16);
	memcpy(dgram + 16, frag2 + 20, 16);
	assert_int_equal(rn_ipv4_parse(rn_view_make(frag1, sizeof frag1), &ip, NULL), 0);
	rn_ipv4_pseudo(&ip, &ph);
	uint64_t s = rn_csum_pseudo(&ph, RN_IPPROTO_UDP, sizeof dgram);
	assert_int_equal(rn_csum_fold(rn_csum_add(s, dgram, sizeof dgram)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_igmp_router_alert),
		cmocka_unit_test(test_parse_options_walk),
		cmocka_unit_test(test_options_eol_and_unknown),
		cmocka_unit_test(test_options_bad_lengths),
		cmocka_unit_test(test_fragments_flagged),
		cmocka_unit_test(test_checksum_bad_and_rsv),
		cmocka_unit_test(test_emit_parsed_is_identity),
		cmocka_unit_test(test_emit_from_repr),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_set_values_survive),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_pseudo),
	};
	return cmocka_run_group_tests_name("ipv4", tests, NULL, NULL);
}
