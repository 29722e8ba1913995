/* Unit tests: IPv6 (RFC 8200) headers and extension header chains — real and
 * crafted byte vectors, every truncation, lying lengths, emit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "wire_testutil.h"
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/ipv6.h"

/* DNS query over UDP (tcpdump's LINKTYPE_RAW_ipv6.pcap):
 * 2001:db8::1.12345 > 2620:fe::9.53, hlim 64, payload length 37. */
static const uint8_t dns[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x25, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x26, 0x20, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x30, 0x39, 0x00, 0x35, 0x00, 0x25, 0x98, 0xb3,
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* MLDv2 report behind a hop-by-hop header with router alert and PadN
 * (tcpdump's icmpv6.pcap): fe80::215:17ff:fecc:e546 > ff02::16, hlim 1. */
static const uint8_t mld[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x15, 0x17, 0xff, 0xfe, 0xcc, 0xe5, 0x46, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
	0x8f, 0x00, 0x1f, 0xc5, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0xff, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0d, 0xb8, 0x11, 0x22, 0x33, 0x44,
};

/* Crafted, checked with tcpdump -vvv: fd77::1 > fd77::2, class 0x0b, flow
 * 0x12345: HBH (padn), DSTOPT (padn), RT6 type 0 segleft 1 [fd77::3], frag
 * (id 0x12345678, offset 0, M), AH (spi 0x100, seq 1, 12-byte ICV), UDP 5353 > 7 "abcd". */
static const uint8_t chain[] = {
	0x60, 0xb1, 0x23, 0x45, 0x00, 0x54, 0x00, 0x40, 0xfd, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfd, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x3c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x2b, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0xfd, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
	0x33, 0x00, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78, 0x11, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x14, 0xe9, 0x00, 0x07, 0x00, 0x0c, 0x2b, 0x2d, 0x61, 0x62, 0x63, 0x64,
};

/* Crafted, checked with tcpdump: a later fragment (offset 100 = 800 bytes,
 * id 0x12345678, last) of a UDP datagram. */
static const uint8_t frag2[] = {
	0x60, 0xb1, 0x23, 0x45, 0x00, 0x14, 0x2c, 0x40, 0xfd, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfd, 0x77, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x11, 0x00, 0x03, 0x20, 0x12, 0x34, 0x56, 0x78,
	0x74, 0x61, 0x69, 0x6c, 0x2d, 0x6f, 0x66, 0x2d, 0x64, 0x61, 0x74, 0x61,
};

struct vec {
	const uint8_t *b;
	size_t len;
	size_t ext_len; /* bytes of extension headers */
	unsigned n_ext;
	uint8_t upper;
};

static const struct vec vecs[] = {
	{ dns, sizeof dns, 0, 0, 17 },
	{ mld, sizeof mld, 8, 1, 58 },
	{ chain, sizeof chain, 72, 5, 17 },
	{ frag2, sizeof frag2, 8, 1, 17 },
};

static void test_parse_dns(void **state)
{
	(void)state;
	struct rn_ipv6 ip6;
	struct rn_view pl;
	assert_int_equal(rn_ipv6_parse(rn_view_make(dns, sizeof dns), &ip6, &pl), 0);
	assert_int_equal(ip6.version, 6);
	assert_int_equal(ip6.tclass, 0);
	assert_int_equal(ip6.flow, 0);
	assert_int_equal(ip6.payload_len, 37);
	assert_false(ip6.payload_len_set);
	assert_int_equal(ip6.next_header, 17);
	assert_int_equal(ip6.hop_limit, 64);
	assert_memory_equal(ip6.src, dns + 8, 16);
	assert_int_equal(ip6.src[0], 0x20);
	assert_int_equal(ip6.src[15], 1);
	assert_memory_equal(ip6.dst, dns + 24, 16);
	assert_int_equal(ip6.dst[15], 9);
	assert_false(ip6.payload_truncated);
	assert_ptr_equal(pl.data, dns + 40);
	assert_int_equal(pl.len, 37);

	struct rn_ipv6_chain c;
	assert_int_equal(rn_ipv6_walk_packet(&ip6, pl, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(c.upper_proto, 17);
	assert_ptr_equal(c.upper.data, pl.data);
	assert_int_equal(c.upper.len, 37);
	assert_false(c.fragment);

	/* The UDP checksum verifies over the pseudo-header. */
	struct rn_pseudo ph;
	rn_ipv6_pseudo(&ip6, &ph);
	assert_int_equal(ph.family, AF_INET6);
	assert_memory_equal(ph.src, ip6.src, 16);
	assert_memory_equal(ph.dst, ip6.dst, 16);
	uint64_t s = rn_csum_pseudo(&ph, 17, (uint32_t)pl.len);
	assert_int_equal(rn_csum_fold(rn_csum_add(s, pl.data, pl.len)), 0);
}

static void test_parse_mld_hop_by_hop(void **state)
{
	(void)state;
	struct rn_ipv6 ip6;
	struct rn_view pl;
	assert_int_equal(rn_ipv6_parse(rn_view_make(mld, sizeof mld), &ip6, &pl), 0);
	assert_int_equal(ip6.payload_len, 36);
	assert_int_equal(ip6.next_header, RN_IPV6_NH_HOPOPTS);
	assert_int_equal(ip6.hop_limit, 1);
	struct rn_ipv6_chain c;
	assert_int_equal(rn_ipv6_walk(ip6.next_header, pl, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ext[0].type, RN_IPV6_NH_HOPOPTS);
	assert_int_equal(c.ext[0].next_header, 58);
	assert_int_equal(c.ext[0].len, 8);
	assert_int_equal(c.ext[0].body.len, 6);
	assert_memory_equal(c.ext[0].body.data, ((uint8_t[]){ 0x05, 0x02, 0x00, 0x00, 0x01, 0x00 }), 6);
	assert_int_equal(c.upper_proto, 58);
	assert_ptr_equal(c.upper.data, mld + 48);
	assert_int_equal(c.upper.len, 28);
	assert_false(c.fragment);

	/* The ICMPv6 checksum verifies over the pseudo-header. */
	struct rn_pseudo ph;
	rn_ipv6_pseudo(&ip6, &ph);
	uint64_t s = rn_csum_pseudo(&ph, 58, (uint32_t)c.upper.len);
	assert_int_equal(rn_csum_fold(rn_csum_add(s, c.upper.data, c.upper.len)), 0);
}

static void test_parse_full_chain(void **state)
{
	(void)state;
	struct rn_ipv6 ip6;
	struct rn_view pl;
	assert_int_equal(rn_ipv6_parse(rn_view_make(chain, sizeof chain), &ip6, &pl), 0);
	assert_int_equal(ip6.tclass, 0x0b);
	assert_int_equal(ip6.flow, 0x12345);
	assert_int_equal(ip6.payload_len, 84);
	struct rn_ipv6_chain c;
	assert_int_equal(rn_ipv6_walk_packet(&ip6, pl, &c), 0);
	assert_int_equal(c.n, 5);
	const uint8_t types[] = { 0, 60, 43, 44, 51 };
	const uint8_t nexts[] = { 60, 43, 44, 51, 17 };
	const size_t lens[] = { 8, 8, 24, 8, 24 };
	size_t off = 40;
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(c.ext[i].type, types[i]);
		assert_int_equal(c.ext[i].next_header, nexts[i]);
		assert_int_equal(c.ext[i].len, lens[i]);
		assert_ptr_equal(c.ext[i].body.data, chain + off + 2);
		assert_int_equal(c.ext[i].body.len, lens[i] - 2);
		off += lens[i];
	}
	assert_int_equal(c.ext[2].routing_type, 0);
	assert_int_equal(c.ext[2].segments_left, 1);
	assert_int_equal(c.ext[3].frag_off, 0);
	assert_true(c.ext[3].more_fragments);
	assert_int_equal(c.ext[3].frag_id, 0x12345678);
	assert_int_equal(rn_view_be32(c.ext[4].body, 2), 0x100); /* AH SPI */
	assert_true(c.fragment);
	assert_true(c.first_fragment);
	assert_int_equal(c.upper_proto, 17);
	assert_ptr_equal(c.upper.data, chain + 112);
	assert_int_equal(c.upper.len, 12);
}

static void test_later_fragment_and_stops(void **state)
{
	(void)state;
	struct rn_ipv6 ip6;
	struct rn_view pl;
	struct rn_ipv6_chain c;
	assert_int_equal(rn_ipv6_parse(rn_view_make(frag2, sizeof frag2), &ip6, &pl), 0);
	assert_int_equal(rn_ipv6_walk_packet(&ip6, pl, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ext[0].type, RN_IPV6_NH_FRAGMENT);
	assert_int_equal(c.ext[0].frag_off, 100);
	assert_false(c.ext[0].more_fragments);
	assert_int_equal(c.ext[0].frag_id, 0x12345678);
	assert_true(c.fragment);
	assert_false(c.first_fragment);
	assert_int_equal(c.upper_proto, 17);
	assert_int_equal(c.upper.len, 12);
	assert_memory_equal(c.upper.data, "tail-of-data", 12);

	/* A later fragment's data is never read as headers, whatever it says. */
	uint8_t b[16] = { 60, 0, 0x03, 0x21, 0, 0, 0, 1, 0, 200, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(rn_ipv6_walk(RN_IPV6_NH_FRAGMENT, rn_view_make(b, sizeof b), &c), 0);
	assert_int_equal(c.n, 1);
	assert_true(c.ext[0].more_fragments);
	assert_int_equal(c.upper_proto, RN_IPV6_NH_DSTOPTS);
	assert_int_equal(c.upper.len, 8);

	/* ESP and "no next header" end the chain. */
	uint8_t esp[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	assert_int_equal(rn_ipv6_walk(RN_IPV6_NH_ESP, rn_view_make(esp, sizeof esp), &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(c.upper_proto, RN_IPV6_NH_ESP);
	assert_int_equal(c.upper.len, 8);
	uint8_t none[16] = { RN_IPV6_NH_NONE, 0, 1, 4 };
	assert_int_equal(rn_ipv6_walk(RN_IPV6_NH_DSTOPTS, rn_view_make(none, sizeof none), &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.upper_proto, RN_IPV6_NH_NONE);
	assert_int_equal(c.upper.len, 8);
	/* An empty payload with an upper protocol is fine. */
	assert_int_equal(rn_ipv6_walk(6, rn_view_make(NULL, 0), &c), 0);
	assert_int_equal(c.upper.len, 0);
}

/* Every prefix of every vector: under 40 bytes -RN_ETRUNC; cut inside the
 * extension headers, the walk says -RN_ETRUNC; cut after them, the upper
 * bytes are what was captured. */
static void test_every_truncation(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
		for (size_t n = 0; n <= vecs[i].len; n++) {
			uint8_t *p = exact_copy(vecs[i].b, n);
			struct rn_ipv6 ip6;
			struct rn_view pl = { 0 };
			int rc = rn_ipv6_parse(rn_view_make(p, n), &ip6, &pl);
			if (n < 40) {
				assert_int_equal(rc, -RN_ETRUNC);
				free(p);
				continue;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(ip6.payload_truncated, n < vecs[i].len);
			assert_ptr_equal(pl.data, p + 40);
			assert_int_equal(pl.len, n - 40);
			struct rn_ipv6_chain c;
			rc = rn_ipv6_walk_packet(&ip6, pl, &c);
			int rc2 = rn_ipv6_walk(ip6.next_header, pl, &c);
			if (n < 40 + vecs[i].ext_len) {
				assert_int_equal(rc, -RN_ETRUNC);
				assert_true(rc2 == -RN_ETRUNC || rc2 == -RN_EBADLEN);
			} else {
				assert_int_equal(rc, 0);
				assert_int_equal(rc2, 0);
				assert_int_equal(c.n, vecs[i].n_ext);
				assert_int_equal(c.upper_proto, vecs[i].upper);
				assert_ptr_equal(c.upper.data, p + 40 + vecs[i].ext_len);
				assert_int_equal(c.upper.len, n - 40 - vecs[i].ext_len);
			}
			free(p);
		}
}

static void test_lying_lengths(void **state)
{
	(void)state;
	uint8_t b[sizeof chain];
	struct rn_ipv6 ip6;
	struct rn_view pl;
	struct rn_ipv6_chain c;

	/* Hop-by-hop length pointing past the payload. */
	memcpy(b, mld, sizeof mld);
	b[41] = 200;
	assert_int_equal(rn_ipv6_parse(rn_view_make(b, sizeof mld), &ip6, &pl), 0);
	assert_int_equal(rn_ipv6_walk_packet(&ip6, pl, &c), -RN_EBADLEN);
	assert_int_equal(rn_ipv6_walk(ip6.next_header, pl, &c), -RN_EBADLEN);
	/* payload_len too small for the hop-by-hop header. */
	memcpy(b, mld, sizeof mld);
	b[5] = 4;
	assert_int_equal(rn_ipv6_parse(rn_view_make(b, sizeof mld), &ip6, &pl), 0);
	assert_false(ip6.payload_truncated);
	assert_int_equal(pl.len, 4);
	assert_int_equal(rn_ipv6_walk_packet(&ip6, pl, &c), -RN_EBADLEN);
	b[5] = 1;
	assert_int_equal(rn_ipv6_parse(rn_view_make(b, sizeof mld), &ip6, &pl), 0);
	assert_int_equal(rn_ipv6_walk_packet(&ip6, pl, &c), -RN_EBADLEN);
	assert_int_equal(rn_ipv6_walk(ip6.next_header, pl, &c), -RN_ETRUNC);
	/* AH: (len + 2) * 4 bytes; one word more runs past the end. */
	memcpy(b, chain, sizeof chain);
	b[89] = 5;
	assert_int_equal(rn_ipv6_parse(rn_view_make(b, sizeof chain), &ip6, &pl), 0);
	assert_int_equal(rn_ipv6_walk_packet(&ip6, pl, &c), 0);
	assert_int_equal(c.ext[4].len, 28);
	assert_int_equal(c.upper.len, 8);
	b[89] = 7; /* 36 bytes: exactly to the end */
	assert_int_equal(rn_ipv6_walk_packet(&ip6, pl, &c), 0);
	assert_int_equal(c.upper.len, 0);
	b[89] = 8; /* 40 bytes: 4 past the end */
	assert_int_equal(rn_ipv6_walk_packet(&ip6, pl, &c), -RN_EBADLEN);
	/* A fragment header needs 8 bytes. */
	assert_int_equal(rn_ipv6_walk(RN_IPV6_NH_FRAGMENT, rn_view_make(frag2 + 40, 7), &c), -RN_ETRUNC);
	/* More than RN_IPV6_MAX_EXT extension headers. */
	uint8_t many[8 * (RN_IPV6_MAX_EXT + 1) + 4];
	memset(many, 0, sizeof many);
	for (unsigned i = 0; i <= RN_IPV6_MAX_EXT; i++)
		many[8 * i] = i < RN_IPV6_MAX_EXT ? RN_IPV6_NH_DSTOPTS : 17;
	assert_int_equal(rn_ipv6_walk(RN_IPV6_NH_DSTOPTS, rn_view_make(many, sizeof many), &c), -RN_EUNSUP);
	assert_int_equal(rn_ipv6_walk(RN_IPV6_NH_DSTOPTS, rn_view_make(many + 8, sizeof many - 8), &c), 0);
	assert_int_equal(c.n, RN_IPV6_MAX_EXT);
	assert_int_equal(c.upper_proto, 17);
	/* Wrong version. */
	memcpy(b, dns, sizeof dns);
	b[0] = 0x45;
	assert_int_equal(rn_ipv6_parse(rn_view_make(b, sizeof dns), &ip6, &pl), -RN_EUNSUP);
	/* payload_len beyond the capture; link-layer padding after it. */
	memcpy(b, dns, sizeof dns);
	b[5] = 38;
	assert_int_equal(rn_ipv6_parse(rn_view_make(b, sizeof dns), &ip6, &pl), 0);
	assert_true(ip6.payload_truncated);
	assert_int_equal(pl.len, 37);
	b[5] = 30;
	assert_int_equal(rn_ipv6_parse(rn_view_make(b, sizeof dns), &ip6, &pl), 0);
	assert_false(ip6.payload_truncated);
	assert_int_equal(pl.len, 30);
}

static void test_emit(void **state)
{
	(void)state;
	uint8_t out[64];
	/* parse -> emit gives the header back, for every vector. */
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		struct rn_ipv6 ip6;
		assert_int_equal(rn_ipv6_parse(rn_view_make(vecs[i].b, vecs[i].len), &ip6, NULL), 0);
		memset(out, 0x5a, sizeof out);
		assert_int_equal(rn_ipv6_emit(&ip6, out, sizeof out, vecs[i].len - 40), 40);
		assert_memory_equal(out, vecs[i].b, 40);
		assert_int_equal(out[40], 0x5a);
	}
	/* From a repr. */
	struct rn_ipv6 x = { .tclass = 0x0b, .flow = 0x12345, .next_header = 44, .hop_limit = 64,
			     .src = { 0xfd, 0x77, [15] = 1 }, .dst = { 0xfd, 0x77, [15] = 2 } };
	assert_int_equal(rn_ipv6_emit(&x, out, sizeof out, 20), 40);
	assert_memory_equal(out, frag2, 40);
	for (size_t cap = 0; cap < 40; cap++) {
		uint8_t *p = malloc(cap ? cap : 1);
		assert_int_equal(rn_ipv6_emit(&x, p, cap, 20), -RN_ENOSPC);
		free(p);
	}
	assert_int_equal(rn_ipv6_emit(&x, out, sizeof out, 65536), -RN_EINVAL);
	assert_int_equal(rn_ipv6_emit(&x, out, sizeof out, 65535), 40);

	/* parse(emit(x)) == x */
	struct rn_ipv6 y;
	struct rn_view pl;
	x.tclass = 0xff;
	x.flow = 0xfffff;
	assert_int_equal(rn_ipv6_emit(&x, out, sizeof out, 20), 40);
	memset(out + 40, 0, 20);
	assert_int_equal(rn_ipv6_parse(rn_view_make(out, 60), &y, &pl), 0);
	assert_int_equal(y.version, 6);
	assert_int_equal(y.tclass, 0xff);
	assert_int_equal(y.flow, 0xfffff);
	assert_int_equal(y.payload_len, 20);
	assert_int_equal(y.next_header, 44);
	assert_int_equal(y.hop_limit, 64);
	assert_memory_equal(y.src, x.src, 16);
	assert_memory_equal(y.dst, x.dst, 16);
	assert_int_equal(pl.len, 20);

	/* Set values survive: a wrong version and payload length. */
	x.version = 9;
	x.payload_len = 0xffff;
	x.payload_len_set = true;
	assert_int_equal(rn_ipv6_emit(&x, out, sizeof out, 20), 40);
	assert_int_equal(out[0] >> 4, 9);
	assert_int_equal(out[4] << 8 | out[5], 0xffff);
	assert_int_equal(rn_ipv6_parse(rn_view_make(out, 60), &y, &pl), -RN_EUNSUP);
	x.version = 0;
	assert_int_equal(rn_ipv6_emit(&x, out, sizeof out, 70000), 40);
	assert_int_equal(rn_ipv6_parse(rn_view_make(out, 60), &y, &pl), 0);
	assert_int_equal(y.payload_len, 0xffff);
	assert_true(y.payload_truncated);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_dns),
		cmocka_unit_test(test_parse_mld_hop_by_hop),
		cmocka_unit_test(test_parse_full_chain),
		cmocka_unit_test(test_later_fragment_and_stops),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_emit),
	};
	return cmocka_run_group_tests_name("ipv6", tests, NULL, NULL);
}
