/* Stateless TCP SYN scanning (the masscan design): SYNs whose sequence
 * number is a SYN cookie, SipHash-2-4 of the 4-tuple under a per-run key,
 * so that a SYN-ACK or RST (RFC 9293 §3.10.7.1: its ack is our seq + 1) or
 * an ICMP unreachable quoting the SYN (RFC 792, RFC 4443) is recognised
 * without remembering what was sent. See probe.h. */
#include <string.h>
#include <sys/socket.h>

#include "rawnet/error.h"
#include "rawnet/icmp.h"
#include "rawnet/icmp6.h"
#include "rawnet/ipv4.h"
#include "rawnet/ipv6.h"
#include "rawnet/probe.h"
#include "rawnet/tcp.h"

/* SipHash-2-4 (Aumasson and Bernstein, 2012), 64-bit output. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                  \
	do {                                                                      \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);         \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                            \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                            \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);         \
	} while (0)

static uint64_t le64(const uint8_t *p)
{
	uint64_t x = 0;
	for (int i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

static uint64_t siphash24(const uint8_t key[16], const uint8_t *in, size_t len)
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

uint32_t rn_scan_cookie(const uint8_t key[16], int family, const void *src, const void *dst,
			uint16_t sport, uint16_t dport)
{
	uint8_t m[36];
	size_t al = alen(family);
	memcpy(m, src, al);
	memcpy(m + al, dst, al);
	rn_put_be16(m + 2 * al, sport);
	rn_put_be16(m + 2 * al + 2, dport);
	return (uint32_t)siphash24(key, m, 2 * al + 4);
}

int rn_scan_build_syn(const uint8_t key[16], int family, const void *src, const void *dst,
		      uint16_t sport, uint16_t dport, uint16_t ip_id, uint8_t *buf, size_t cap)
{
	if (family != AF_INET && family != AF_INET6)
		return -RN_EINVAL;
	size_t hl = family == AF_INET ? RN_IPV4_HLEN : RN_IPV6_HLEN;
	/* nmap's SYN: window 1024, one option, MSS 1460. */
	struct rn_tcp tc = { .sport = sport, .dport = dport, .flags = RN_TCP_SYN, .window = 1024,
			     .seq = rn_scan_cookie(key, family, src, dst, sport, dport),
			     .opt_len = 4, .opts = { RN_TCPOPT_MSS, 4, 0x05, 0xb4 } };
	size_t len = hl + rn_tcp_header_len(&tc);
	if (cap < len)
		return -RN_ENOSPC;
	struct rn_pseudo ph = { .family = family };
	memcpy(ph.src, src, alen(family));
	memcpy(ph.dst, dst, alen(family));
	int rc = rn_tcp_emit(&tc, &ph, buf + hl, cap - hl, 0);
	if (rc < 0)
		return rc;
	if (family == AF_INET) {
		struct rn_ipv4 ip = { .ttl = 64, .proto = RN_IPPROTO_TCP, .id = ip_id };
		memcpy(ip.src, src, 4);
		memcpy(ip.dst, dst, 4);
		rc = rn_ipv4_emit(&ip, buf, cap, len - hl);
	} else {
		struct rn_ipv6 ip6 = { .hop_limit = 64, .next_header = RN_IPPROTO_TCP };
		memcpy(ip6.src, src, 16);
		memcpy(ip6.dst, dst, 16);
		rc = rn_ipv6_emit(&ip6, buf, cap, len - hl);
	}
	return rc < 0 ? rc : (int)len;
}

/* Source, destination, protocol and transport bytes of an IP packet. */
static int parse_l3(int family, struct rn_view v, uint8_t *src, uint8_t *dst, uint8_t *proto,
		    struct rn_view *l4)
{
	struct rn_view pay;
	if (family == AF_INET) {
		struct rn_ipv4 ip;
		if ((rn_view_u8(v, 0) >> 4) != 4 || rn_ipv4_parse(v, &ip, &pay) < 0 || ip.frag_off)
			return -1;
		memcpy(src, ip.src, 4);
		memcpy(dst, ip.dst, 4);
		*proto = ip.proto;
		*l4 = pay;
		return 0;
	}
	struct rn_ipv6 ip6;
	struct rn_ipv6_chain ch;
	if ((rn_view_u8(v, 0) >> 4) != 6 || rn_ipv6_parse(v, &ip6, &pay) < 0 ||
	    rn_ipv6_walk(ip6.next_header, pay, &ch) < 0 || (ch.fragment && !ch.first_fragment))
		return -1;
	memcpy(src, ip6.src, 16);
	memcpy(dst, ip6.dst, 16);
	*proto = ch.upper_proto;
	*l4 = ch.upper;
	return 0;
}

/* nmap's reason for an unreachable. */
static const char *unreach_reason(int family, uint8_t code)
{
	if (family == AF_INET) {
		switch (code) {
		case 0: case 6: case 11: return "net-unreach";
		case 1: case 7: case 12: return "host-unreach";
		case 2: return "proto-unreach";
		case 3: return "port-unreach";
		case 9: return "net-prohibited";
		case 10: return "host-prohibited";
		case 13: return "admin-prohibited";
		default: return "unreach";
		}
	}
	switch (code) {
	case 0: return "net-unreach";
	case 1: return "admin-prohibited";
	case 3: return "host-unreach";
	case 4: return "port-unreach";
	default: return "unreach";
	}
}

int rn_scan_match(const uint8_t key[16], int family, const void *src, uint16_t sport,
		  struct rn_view ip, struct rn_scan_reply *r)
{
	uint8_t s[16], d[16], proto;
	struct rn_view l4;
	size_t al = alen(family);
	if (parse_l3(family, ip, s, d, &proto, &l4) < 0 || memcmp(d, src, al))
		return 0;
	memset(r, 0, sizeof *r);
	memcpy(r->from, s, al);
	if (proto == RN_IPPROTO_TCP) {
		struct rn_tcp tc;
		struct rn_view pay;
		if (rn_tcp_parse(l4, NULL, &tc, &pay) < 0 || tc.dport != sport ||
		    !(tc.flags & RN_TCP_ACK))
			return 0;
		if (tc.ack - 1 != rn_scan_cookie(key, family, src, s, sport, tc.sport))
			return 0;
		if (tc.flags & RN_TCP_RST) {
			r->state = RN_PORT_CLOSED;
			r->reason = "reset";
		} else if (tc.flags & RN_TCP_SYN) {
			r->state = RN_PORT_OPEN;
			r->reason = "syn-ack";
		} else {
			return 0;
		}
		memcpy(r->host, s, al);
		r->port = tc.sport;
		return 1;
	}
	uint8_t type, code;
	struct rn_view q;
	if (family == AF_INET) {
		struct rn_icmp ic;
		if (proto != RN_IPPROTO_ICMP || rn_icmp_parse(l4, &ic) < 0 || ic.type != RN_ICMP_UNREACH)
			return 0;
		type = ic.type, code = ic.code, q = ic.data;
	} else {
		struct rn_icmp6 ic;
		if (proto != RN_IPPROTO_ICMPV6 || rn_icmp6_parse(l4, NULL, &ic) < 0 ||
		    ic.type != RN_ICMP6_DST_UNREACH)
			return 0;
		type = ic.type, code = ic.code, q = rn_view_tail(l4, RN_ICMP6_HLEN);
	}
	(void)type;
	uint8_t is[16], id[16], iproto;
	struct rn_view il4;
	if (parse_l3(family, q, is, id, &iproto, &il4) < 0 || iproto != RN_IPPROTO_TCP ||
	    memcmp(is, src, al) || !rn_view_has(il4, 0, 8) || rn_view_be16(il4, 0) != sport)
		return 0;
	uint16_t port = rn_view_be16(il4, 2);
	if (rn_view_be32(il4, 4) != rn_scan_cookie(key, family, src, id, sport, port))
		return 0;
	memcpy(r->host, id, al);
	r->port = port;
	r->state = RN_PORT_FILTERED;
	r->reason = unreach_reason(family, code);
	return 1;
}
