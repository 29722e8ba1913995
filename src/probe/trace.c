/* Traceroute probes with a constant flow identifier (Paris traceroute) and
 * the matching of their answers: ICMP time exceeded / destination
 * unreachable (RFC 792, RFC 4443 §3.1 and §3.3) quoting a probe, echo
 * replies, and the destination's SYN-ACK or RST (RFC 9293). See probe.h. */
#include <string.h>
#include <sys/socket.h>

#include "rawnet/error.h"
#include "rawnet/icmp.h"
#include "rawnet/icmp6.h"
#include "rawnet/ipv4.h"
#include "rawnet/ipv6.h"
#include "rawnet/probe.h"
#include "rawnet/tcp.h"
#include "rawnet/udp.h"

/* TCP options of a probe SYN: what Linux sends (mss, sackOK, timestamps,
 * window scale), 20 bytes, as traceroute(8) -T does by default. */
static int tcp_probe_opts(int family, uint8_t out[RN_TCP_MAX_OPTLEN])
{
	struct rn_tcp_opts o = {
		.has_mss = true, .mss = family == AF_INET ? 1460 : 1440,
		.sack_perm = true, .has_ts = true, .ts_val = 1, .has_wscale = true, .wscale = 7,
	};
	return rn_tcp_opts_encode(&o, out);
}

static size_t ip_hlen(const struct rn_trace *t)
{
	return t->family == AF_INET ? RN_IPV4_HLEN : RN_IPV6_HLEN;
}

size_t rn_trace_min_len(const struct rn_trace *t)
{
	switch (t->method) {
	case RN_TRACE_UDP:
	case RN_TRACE_ICMP:
		return ip_hlen(t) + 8 + 2; /* two payload bytes carry the adjustment */
	case RN_TRACE_TCP: {
		uint8_t o[RN_TCP_MAX_OPTLEN];
		return ip_hlen(t) + RN_TCP_HLEN + (size_t)tcp_probe_opts(t->family, o);
	}
	}
	return ip_hlen(t);
}

size_t rn_trace_default_len(const struct rn_trace *t)
{
	if (t->method == RN_TRACE_TCP)
		return rn_trace_min_len(t);
	return ip_hlen(t) + 8 + 32;
}

/* a + b in one's complement (end-around carry). */
static uint16_t ones_add(uint16_t a, uint16_t b)
{
	uint32_t s = (uint32_t)a + b;
	return (uint16_t)((s & 0xffff) + (s >> 16));
}

static void pseudo(const struct rn_trace *t, struct rn_pseudo *ph)
{
	memset(ph, 0, sizeof *ph);
	ph->family = t->family;
	size_t al = t->family == AF_INET ? 4 : 16;
	memcpy(ph->src, t->src, al);
	memcpy(ph->dst, t->dst, al);
}

int rn_trace_build(const struct rn_trace *t, uint8_t ttl, uint16_t n, uint8_t *buf, size_t cap)
{
	if ((t->family != AF_INET && t->family != AF_INET6) || n == 0 || n == 0xffff)
		return -RN_EINVAL;
	size_t len = t->packet_len;
	size_t min = rn_trace_min_len(t);
	if (len < min)
		len = min;
	if (len > 0xffff || (t->family == AF_INET6 && len - RN_IPV6_HLEN > 0xffff))
		return -RN_EINVAL;
	if (cap < len)
		return -RN_ENOSPC;
	size_t hl = ip_hlen(t);
	uint8_t *l4 = buf + hl;
	size_t l4len = len - hl;
	memset(buf, 0, len);
	struct rn_pseudo ph;
	pseudo(t, &ph);
	uint8_t proto;
	int rc;

	switch (t->method) {
	case RN_TRACE_UDP: {
		/* The payload's first word is chosen so that the checksum is n:
		 * with S the sum over everything else, the field is ~(S + w), so
		 * w = ~n - S = ~n + c0 where c0 = ~S is the checksum without w. */
		proto = RN_IPPROTO_UDP;
		struct rn_udp u = { .sport = t->sport, .dport = t->dport };
		rc = rn_udp_emit(&u, &ph, l4, l4len, l4len - RN_UDP_HLEN);
		if (rc < 0)
			return rc;
		uint16_t c0 = rn_view_be16(rn_view_make(l4, l4len), 6);
		rn_put_be16(l4 + 8, ones_add((uint16_t)~n, c0));
		rn_put_be16(l4 + 6, n);
		break;
	}
	case RN_TRACE_ICMP: {
		/* seq = n and the first payload word ~n: their sum, and so the
		 * checksum, is the same for every probe. */
		rn_put_be16(l4 + 8, (uint16_t)~n);
		if (t->family == AF_INET) {
			proto = RN_IPPROTO_ICMP;
			struct rn_icmp ic = { .type = RN_ICMP_ECHO, .id = t->icmp_id, .seq = n };
			rc = rn_icmp_emit(&ic, l4, l4len, l4len - RN_ICMP_HLEN);
		} else {
			proto = RN_IPPROTO_ICMPV6;
			struct rn_icmp6 ic = { .type = RN_ICMP6_ECHO_REQUEST, .id = t->icmp_id, .seq = n };
			rc = rn_icmp6_emit(&ic, &ph, l4, l4len, l4len - RN_ICMP6_HLEN);
		}
		if (rc < 0)
			return rc;
		break;
	}
	case RN_TRACE_TCP: {
		proto = RN_IPPROTO_TCP;
		struct rn_tcp tc = { .sport = t->sport, .dport = t->dport, .seq = t->tcp_seq + n,
				     .flags = RN_TCP_SYN, .window = 64240 };
		int ol = tcp_probe_opts(t->family, tc.opts);
		if (ol < 0)
			return ol;
		tc.opt_len = (uint8_t)ol;
		size_t th = rn_tcp_header_len(&tc);
		if (l4len < th)
			return -RN_EINVAL;
		rc = rn_tcp_emit(&tc, &ph, l4, l4len, l4len - th);
		if (rc < 0)
			return rc;
		break;
	}
	default:
		return -RN_EINVAL;
	}

	if (t->family == AF_INET) {
		struct rn_ipv4 ip = { .ttl = ttl, .proto = proto, .id = n };
		memcpy(ip.src, t->src, 4);
		memcpy(ip.dst, t->dst, 4);
		rc = rn_ipv4_emit(&ip, buf, cap, l4len);
	} else {
		struct rn_ipv6 ip6 = { .hop_limit = ttl, .next_header = proto };
		memcpy(ip6.src, t->src, 16);
		memcpy(ip6.dst, t->dst, 16);
		rc = rn_ipv6_emit(&ip6, buf, cap, l4len);
	}
	return rc < 0 ? rc : (int)len;
}

/* An IP packet taken apart to its transport bytes. */
struct l3 {
	int family;
	uint8_t src[16], dst[16];
	uint8_t proto;
	struct rn_view l4;
};

static int parse_l3(int family, struct rn_view v, struct l3 *d)
{
	memset(d, 0, sizeof *d);
	d->family = family;
	struct rn_view pay;
	if (family == AF_INET) {
		struct rn_ipv4 ip;
		if (rn_ipv4_parse(v, &ip, &pay) < 0 || ip.frag_off != 0)
			return -1;
		memcpy(d->src, ip.src, 4);
		memcpy(d->dst, ip.dst, 4);
		d->proto = ip.proto;
		d->l4 = pay;
		return 0;
	}
	struct rn_ipv6 ip6;
	struct rn_ipv6_chain ch;
	if (rn_ipv6_parse(v, &ip6, &pay) < 0 || rn_ipv6_walk(ip6.next_header, pay, &ch) < 0 ||
	    (ch.fragment && !ch.first_fragment))
		return -1;
	memcpy(d->src, ip6.src, 16);
	memcpy(d->dst, ip6.dst, 16);
	d->proto = ch.upper_proto;
	d->l4 = ch.upper;
	return 0;
}

static int ip_version(struct rn_view v)
{
	uint8_t b = rn_view_u8(v, 0) >> 4;
	return !rn_view_has(v, 0, 1) ? 0 : b == 4 ? AF_INET : b == 6 ? AF_INET6 : 0;
}

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* traceroute(8)'s mark for an unreachable code; "" for port unreachable
 * (the destination itself answered). */
static void unreach_mark(int family, uint8_t code, char mark[8])
{
	static const char *const v4[16] = {
		"!N", "!H", "!P", "", "!F", "!S", "!N", "!H",
		"!N", "!X", "!X", "!N", "!H", "!X", "!V", "!C",
	};
	const char *m = NULL;
	if (family == AF_INET && code < 16)
		m = v4[code];
	else if (family == AF_INET6)
		m = code == 0 ? "!N" : code == 1 ? "!X" : code == 2 || code == 3 ? "!H" : code == 4 ? "" : NULL;
	if (m) {
		strcpy(mark, m);
		return;
	}
	mark[0] = '!';
	mark[1] = '<';
	int i = 2;
	if (code >= 100)
		mark[i++] = (char)('0' + code / 100);
	if (code >= 10)
		mark[i++] = (char)('0' + code / 10 % 10);
	mark[i++] = (char)('0' + code % 10);
	mark[i++] = '>';
	mark[i] = '\0';
}

/* Which probe does the quoted packet q (an ICMP error's data) show? 0 when
 * it is none of ours. */
static uint16_t quoted_probe(const struct rn_trace *t, struct rn_view q)
{
	struct l3 in;
	if (ip_version(q) != t->family || parse_l3(t->family, q, &in) < 0)
		return 0;
	size_t al = alen(t->family);
	if (memcmp(in.dst, t->dst, al) || memcmp(in.src, t->src, al) || !rn_view_has(in.l4, 0, 8))
		return 0;
	struct rn_view l4 = in.l4;
	uint32_t n;
	switch (t->method) {
	case RN_TRACE_UDP:
		if (in.proto != RN_IPPROTO_UDP || rn_view_be16(l4, 0) != t->sport ||
		    rn_view_be16(l4, 2) != t->dport)
			return 0;
		n = rn_view_be16(l4, 6);
		break;
	case RN_TRACE_ICMP:
		if (in.proto != (t->family == AF_INET ? RN_IPPROTO_ICMP : RN_IPPROTO_ICMPV6) ||
		    rn_view_u8(l4, 0) != (t->family == AF_INET ? RN_ICMP_ECHO : RN_ICMP6_ECHO_REQUEST) ||
		    rn_view_be16(l4, 4) != t->icmp_id)
			return 0;
		n = rn_view_be16(l4, 6);
		break;
	case RN_TRACE_TCP:
		if (in.proto != RN_IPPROTO_TCP || rn_view_be16(l4, 0) != t->sport ||
		    rn_view_be16(l4, 2) != t->dport)
			return 0;
		n = rn_view_be32(l4, 4) - t->tcp_seq;
		break;
	default:
		return 0;
	}
	return n == 0 || n >= 0xffff ? 0 : (uint16_t)n;
}

int rn_trace_match(const struct rn_trace *t, struct rn_view ip, struct rn_trace_reply *r)
{
	struct l3 d;
	if (ip_version(ip) != t->family || parse_l3(t->family, ip, &d) < 0)
		return 0;
	size_t al = alen(t->family);
	if (memcmp(d.dst, t->src, al))
		return 0;
	memset(r, 0, sizeof *r);
	memcpy(r->from, d.src, al);
	bool v4 = t->family == AF_INET;

	if (d.proto == RN_IPPROTO_TCP) {
		struct rn_tcp tc;
		struct rn_view pay;
		if (t->method != RN_TRACE_TCP || memcmp(d.src, t->dst, al) ||
		    rn_tcp_parse(d.l4, NULL, &tc, &pay) < 0 || tc.sport != t->dport ||
		    tc.dport != t->sport || !(tc.flags & RN_TCP_ACK) ||
		    !(tc.flags & (RN_TCP_RST | RN_TCP_SYN)))
			return 0;
		uint32_t n = tc.ack - 1 - t->tcp_seq;
		if (n == 0 || n >= 0xffff)
			return 0;
		r->n = (uint16_t)n;
		r->final = true;
		return 1;
	}
	if (d.proto != (v4 ? RN_IPPROTO_ICMP : RN_IPPROTO_ICMPV6))
		return 0;
	uint8_t type, code;
	uint16_t id, seq;
	struct rn_view data;
	if (v4) {
		struct rn_icmp ic;
		if (rn_icmp_parse(d.l4, &ic) < 0)
			return 0;
		type = ic.type, code = ic.code, id = ic.id, seq = ic.seq, data = ic.data;
	} else {
		struct rn_icmp6 ic;
		if (rn_icmp6_parse(d.l4, NULL, &ic) < 0)
			return 0;
		type = ic.type, code = ic.code, id = ic.id, seq = ic.seq, data = ic.data;
		if (rn_icmp6_is_error(type)) /* the quoted packet follows the 4 unused bytes */
			data = rn_view_tail(d.l4, RN_ICMP6_HLEN);
	}

	if (type == (v4 ? RN_ICMP_ECHOREPLY : RN_ICMP6_ECHO_REPLY)) {
		if (t->method != RN_TRACE_ICMP || id != t->icmp_id || seq == 0 || seq == 0xffff ||
		    memcmp(d.src, t->dst, al))
			return 0;
		r->n = seq;
		r->final = true;
		return 1;
	}
	bool exceeded = type == (v4 ? RN_ICMP_TIMXCEED : RN_ICMP6_TIME_EXCEEDED);
	bool unreach = type == (v4 ? RN_ICMP_UNREACH : RN_ICMP6_DST_UNREACH);
	bool toobig = !v4 && type == RN_ICMP6_PACKET_TOO_BIG;
	if (!exceeded && !unreach && !toobig)
		return 0;
	uint16_t n = quoted_probe(t, data);
	if (!n)
		return 0;
	r->n = n;
	r->icmp_type = type;
	r->icmp_code = code;
	if (unreach) {
		unreach_mark(t->family, code, r->mark);
		r->final = true;
	} else if (toobig) {
		strcpy(r->mark, "!F");
		r->final = true;
	}
	return 1;
}
