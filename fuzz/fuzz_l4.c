/* libFuzzer harness over the transport-layer parsers: ICMP (RFC 792), ICMPv6
 * with the neighbour-discovery option walk (RFC 4443, 4861), UDP (RFC 768)
 * and TCP with its option walk and decoder (RFC 9293, 7323, 2018). Not built
 * by make:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude -D_GNU_SOURCE \
 *       fuzz/fuzz_l4.c src/wire/{ethernet,ipv4,ipv6,icmp,icmp6,udp,tcp,checksum}.c \
 *       src/util/error.c -o build/fuzz_l4
 *   build/fuzz_l4 -max_total_time=60 -max_len=512
 *
 * The input is tried as a bare transport header of each kind (with an IPv4
 * pseudo-header, an IPv6 one and none), and, when it parses as an Ethernet
 * frame or a bare IP packet, as the transport header the IP layer announces,
 * with that packet's own pseudo-header (so the checksum checks fire on real
 * frames). Besides "no crash, no read outside the input" (the input lives in
 * a heap block of exactly its size), it checks that parse then emit gives back
 * the header bytes, that a checksum found good is recomputed as good, and
 * that encoding decoded TCP options decodes to the same options.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/ethernet.h"
#include "rawnet/icmp.h"
#include "rawnet/icmp6.h"
#include "rawnet/ipv4.h"
#include "rawnet/ipv6.h"
#include "rawnet/tcp.h"
#include "rawnet/udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static volatile uint8_t sink;

static void touch(struct rn_view v)
{
	for (size_t i = 0; i < v.len; i++)
		sink ^= v.data[i];
}

/* A copy of v in a fresh heap block of exactly its size (plus room), so that
 * emit can write a header in front of the original payload bytes. */
static uint8_t *dup_view(struct rn_view v)
{
	uint8_t *p = malloc(v.len ? v.len : 1);
	if (p && v.len)
		memcpy(p, v.data, v.len);
	return p;
}

static void fuzz_icmp(struct rn_view v)
{
	struct rn_icmp ic;
	if (rn_icmp_parse(v, &ic) != 0) {
		CHECK(v.len < RN_ICMP_HLEN);
		return;
	}
	CHECK(ic.data.data == v.data + RN_ICMP_HLEN && ic.data.len == v.len - RN_ICMP_HLEN);
	touch(ic.data);
	uint8_t *out = dup_view(v);
	if (!out)
		return;
	ic.checksum_set = true;
	CHECK(rn_icmp_emit(&ic, out, v.len, v.len - RN_ICMP_HLEN) == RN_ICMP_HLEN);
	CHECK(memcmp(out, v.data, v.len) == 0);
	ic.checksum_set = false;
	CHECK(rn_icmp_emit(&ic, out, v.len, v.len - RN_ICMP_HLEN) == RN_ICMP_HLEN);
	CHECK(rn_inet_csum(out, v.len) == 0);
	if (ic.checksum_status == RN_CSUM_GOOD)
		CHECK(memcmp(out, v.data, 2) == 0 && memcmp(out + 4, v.data + 4, v.len - 4) == 0);
	/* Too small a buffer is refused, not overrun. */
	CHECK(rn_icmp_emit(&ic, out, RN_ICMP_HLEN - 1, 0) == -RN_ENOSPC);
	free(out);
}

static void fuzz_nd_opts(struct rn_view body)
{
	struct rn_view cur = body;
	struct rn_nd_opt o;
	size_t sum = 0;
	int rc, guard = 0;
	while ((rc = rn_nd_opt_next(&cur, &o)) == 1) {
		CHECK(++guard <= 8192);
		CHECK(o.len >= 8 && o.len % 8 == 0 && o.data.len == o.len - 2);
		CHECK(o.data.data == body.data + sum + 2);
		sum += o.len;
		CHECK(sum <= body.len && cur.len == body.len - sum);
		touch(o.data);
	}
	CHECK(rc == 0 || rc == -RN_EBADLEN);
	CHECK(rc != 0 || sum == body.len);
}

static void fuzz_icmp6(struct rn_view v, const struct rn_pseudo *ph)
{
	struct rn_icmp6 ic;
	if (rn_icmp6_parse(v, ph, &ic) != 0) {
		CHECK(v.len < RN_ICMP6_HLEN || v.len < rn_icmp6_header_len(v.data[0]));
		return;
	}
	size_t hl = rn_icmp6_header_len(ic.type);
	CHECK(hl <= v.len && ic.data.data == v.data + hl && ic.data.len == v.len - hl);
	CHECK(ph || ic.checksum_status == RN_CSUM_UNCHECKED);
	if (ic.type >= RN_ICMP6_ROUTER_SOLICIT && ic.type <= 137)
		fuzz_nd_opts(ic.data);
	else
		touch(ic.data);

	uint8_t *out = dup_view(v);
	if (!out)
		return;
	ic.checksum_set = true;
	CHECK(rn_icmp6_emit(&ic, NULL, out, v.len, v.len - hl) == (int)hl);
	CHECK(memcmp(out, v.data, v.len) == 0);
	ic.checksum_set = false;
	CHECK(rn_icmp6_emit(&ic, NULL, out, v.len, v.len - hl) == -RN_EINVAL);
	if (ph) {
		CHECK(rn_icmp6_emit(&ic, ph, out, v.len, v.len - hl) == (int)hl);
		struct rn_icmp6 back;
		CHECK(rn_icmp6_parse(rn_view_make(out, v.len), ph, &back) == 0);
		CHECK(back.checksum_status == RN_CSUM_GOOD);
		if (ic.checksum_status == RN_CSUM_GOOD)
			CHECK(memcmp(out, v.data, 2) == 0 && memcmp(out + 4, v.data + 4, v.len - 4) == 0);
	}
	free(out);
}

static void fuzz_udp(struct rn_view v, const struct rn_pseudo *ph)
{
	struct rn_udp u;
	struct rn_view pl;
	int rc = rn_udp_parse(v, ph, &u, &pl);
	if (rc == -RN_ETRUNC) {
		CHECK(v.len < RN_UDP_HLEN);
		return;
	}
	if (rc == -RN_EBADLEN) {
		CHECK(rn_view_be16(v, 4) < RN_UDP_HLEN);
		return;
	}
	CHECK(rc == 0);
	CHECK(pl.data == v.data + RN_UDP_HLEN);
	CHECK(pl.len == (u.payload_truncated ? v.len : u.len) - RN_UDP_HLEN);
	CHECK(u.payload_truncated == (u.len > v.len));
	touch(pl);

	size_t n = RN_UDP_HLEN + pl.len;
	uint8_t *out = dup_view(v);
	if (!out)
		return;
	u.len_set = u.checksum_set = true;
	CHECK(rn_udp_emit(&u, NULL, out, n, pl.len) == RN_UDP_HLEN);
	CHECK(memcmp(out, v.data, v.len) == 0);
	if (ph && !u.payload_truncated) {
		u.checksum_set = false;
		CHECK(rn_udp_emit(&u, ph, out, n, pl.len) == RN_UDP_HLEN);
		struct rn_udp back;
		CHECK(rn_udp_parse(rn_view_make(out, n), ph, &back, NULL) == 0);
		CHECK(back.checksum_status == RN_CSUM_GOOD);
		if (u.checksum_status == RN_CSUM_GOOD)
			CHECK(memcmp(out, v.data, 6) == 0 && memcmp(out + 8, v.data + 8, n - 8) == 0);
	}
	free(out);
}

static void fuzz_tcp_opts(const struct rn_tcp *t)
{
	struct rn_view cur = rn_view_make(t->opts, t->opt_len);
	struct rn_tcp_opt o;
	int rc, guard = 0;
	bool eol = false;
	while ((rc = rn_tcp_opt_next(&cur, &o)) == 1) {
		CHECK(++guard <= RN_TCP_MAX_OPTLEN);
		CHECK(!eol);
		if (o.kind == RN_TCPOPT_EOL || o.kind == RN_TCPOPT_NOP)
			CHECK(o.len == 1 && o.data.len == 0);
		else
			CHECK(o.len >= 2 && o.data.len == (size_t)o.len - 2);
		eol = o.kind == RN_TCPOPT_EOL;
		touch(o.data);
	}
	CHECK(rc == 0 || rc == -RN_EBADLEN);

	struct rn_tcp_opts d, d2;
	int drc = rn_tcp_opts_decode(t, &d);
	CHECK(drc == 0 || drc == -RN_EBADLEN);
	CHECK(rc == 0 || drc == -RN_EBADLEN);
	if (drc != 0)
		return;
	CHECK(d.nsack <= 4);
	uint8_t enc[RN_TCP_MAX_OPTLEN];
	int n = rn_tcp_opts_encode(&d, enc);
	if (n == -RN_ENOSPC)
		return;
	CHECK(n >= 0 && n <= RN_TCP_MAX_OPTLEN && n % 4 == 0);
	struct rn_tcp t2 = { .opt_len = (uint8_t)n };
	memcpy(t2.opts, enc, (size_t)n);
	CHECK(rn_tcp_opts_decode(&t2, &d2) == 0);
	CHECK(d2.has_mss == d.has_mss && (!d.has_mss || d2.mss == d.mss));
	CHECK(d2.has_wscale == d.has_wscale && (!d.has_wscale || d2.wscale == d.wscale));
	CHECK(d2.sack_perm == d.sack_perm && d2.has_ts == d.has_ts);
	CHECK(!d.has_ts || (d2.ts_val == d.ts_val && d2.ts_ecr == d.ts_ecr));
	CHECK(d2.nsack == d.nsack);
	CHECK(memcmp(d2.sack, d.sack, d.nsack * sizeof d.sack[0]) == 0);
}

static void fuzz_tcp(struct rn_view v, const struct rn_pseudo *ph)
{
	struct rn_tcp t;
	struct rn_view pl;
	int rc = rn_tcp_parse(v, ph, &t, &pl);
	if (rc == -RN_ETRUNC) {
		CHECK(v.len < RN_TCP_HLEN);
		return;
	}
	if (rc == -RN_EBADLEN) {
		CHECK(v.data[12] >> 4 < 5 || (size_t)(v.data[12] >> 4) * 4 > v.len);
		return;
	}
	CHECK(rc == 0);
	size_t hl = (size_t)t.doff * 4;
	CHECK(t.doff >= 5 && hl <= v.len && t.opt_len == hl - RN_TCP_HLEN);
	CHECK(pl.data == v.data + hl && pl.len == v.len - hl);
	CHECK(ph || t.checksum_status == RN_CSUM_UNCHECKED);
	touch(pl);
	fuzz_tcp_opts(&t);

	uint8_t *out = dup_view(v);
	if (!out)
		return;
	/* The header as parsed (doff kept) emits back byte for byte... */
	t.doff_set = t.checksum_set = true;
	CHECK(rn_tcp_header_len(&t) == hl);
	CHECK(rn_tcp_emit(&t, NULL, out, v.len, pl.len) == (int)hl);
	CHECK(memcmp(out, v.data, v.len) == 0);
	/* ...and its recomputed checksum verifies. */
	if (ph) {
		t.checksum_set = false;
		CHECK(rn_tcp_emit(&t, ph, out, v.len, pl.len) == (int)hl);
		struct rn_tcp back;
		CHECK(rn_tcp_parse(rn_view_make(out, v.len), ph, &back, NULL) == 0);
		CHECK(back.checksum_status == RN_CSUM_GOOD);
		if (t.checksum_status == RN_CSUM_GOOD)
			CHECK(memcmp(out, v.data, 16) == 0 && memcmp(out + 18, v.data + 18, v.len - 18) == 0);
	}
	/* With doff computed, the header is 20 + the options padded to 4. */
	t.doff_set = false;
	t.checksum_set = true;
	size_t hl2 = rn_tcp_header_len(&t);
	CHECK(hl2 == RN_TCP_HLEN + (((size_t)t.opt_len + 3) & ~(size_t)3) && hl2 == hl);
	CHECK(rn_tcp_emit(&t, NULL, out, hl2 - 1, 0) == -RN_ENOSPC);
	free(out);
}

/* The transport header proto over v with pseudo-header ph (or NULL). */
static void fuzz_proto(uint8_t proto, struct rn_view v, const struct rn_pseudo *ph)
{
	switch (proto) {
	case RN_IPPROTO_ICMP: fuzz_icmp(v); break;
	case RN_IPPROTO_ICMPV6: fuzz_icmp6(v, ph); break;
	case RN_IPPROTO_UDP: fuzz_udp(v, ph); break;
	case RN_IPPROTO_TCP: fuzz_tcp(v, ph); break;
	default: break;
	}
}

/* An IP packet (v4 or v6 by its version nibble) down to its transport header. */
static void fuzz_ip(struct rn_view v)
{
	struct rn_pseudo ph;
	struct rn_view pl;
	if (v.len && v.data[0] >> 4 == 4) {
		struct rn_ipv4 ip;
		if (rn_ipv4_parse(v, &ip, &pl) != 0 || ip.frag_off != 0)
			return;
		rn_ipv4_pseudo(&ip, &ph);
		/* Checksums only cover what the IP layer says is all there. */
		fuzz_proto(ip.proto, pl, ip.payload_truncated ? NULL : &ph);
	} else if (v.len && v.data[0] >> 4 == 6) {
		struct rn_ipv6 ip6;
		struct rn_ipv6_chain c;
		if (rn_ipv6_parse(v, &ip6, &pl) != 0 || rn_ipv6_walk_packet(&ip6, pl, &c) != 0)
			return;
		if (c.fragment && !c.first_fragment)
			return;
		rn_ipv6_pseudo(&ip6, &ph);
		fuzz_proto(c.upper_proto, c.upper, ip6.payload_truncated || c.fragment ? NULL : &ph);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);
	if (!p)
		return 0;
	if (size)
		memcpy(p, data, size);
	struct rn_view v = rn_view_make(p, size);

	/* A frame or a bare IP packet, down to its transport header... */
	struct rn_eth e;
	struct rn_view pl;
	if (rn_eth_parse(v, &e, &pl) == 0 &&
	    (e.ethertype == RN_ETHERTYPE_IPV4 || e.ethertype == RN_ETHERTYPE_IPV6))
		fuzz_ip(pl);
	fuzz_ip(v);

	/* ...and the bytes as each transport header, with and without a pseudo-header. */
	struct rn_pseudo ph4 = { .family = AF_INET, .src = { 10, 77, 0, 1 }, .dst = { 10, 77, 0, 2 } };
	struct rn_pseudo ph6 = { .family = AF_INET6,
				 .src = { 0xfd, 0x77, [15] = 1 }, .dst = { 0xfd, 0x77, [15] = 2 } };
	fuzz_icmp(v);
	fuzz_icmp6(v, &ph6);
	fuzz_icmp6(v, NULL);
	fuzz_udp(v, &ph4);
	fuzz_udp(v, &ph6);
	fuzz_udp(v, NULL);
	fuzz_tcp(v, &ph4);
	fuzz_tcp(v, &ph6);
	fuzz_tcp(v, NULL);
	free(p);
	return 0;
}
