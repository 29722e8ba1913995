/* Reply matching for `rawnet send --reply`: does a received packet answer a
 * probe? The rules follow scapy's answers() (ARP, IP, ICMP RFC 792, ICMPv6
 * RFC 4443/4861, UDP, TCP), including ICMP errors that quote the probe. */
#include <string.h>

#include "rawnet/craft.h"
#include "rawnet/error.h"

/* A network-layer packet taken apart down to its transport header. */
struct dissected {
	bool v6;
	uint8_t src[16], dst[16];
	uint8_t proto;
	struct rn_view l4;
};

static int dissect_ip(uint16_t type, struct rn_view v, struct dissected *d)
{
	memset(d, 0, sizeof *d);
	struct rn_view payload;
	if (type == RN_ETHERTYPE_IPV4) {
		struct rn_ipv4 ip;
		int r = rn_ipv4_parse(v, &ip, &payload);
		if (r < 0)
			return r;
		memcpy(d->src, ip.src, 4);
		memcpy(d->dst, ip.dst, 4);
		d->proto = ip.proto;
		/* Later fragments carry no transport header. */
		d->l4 = ip.frag_off ? rn_view_make(NULL, 0) : payload;
		return 0;
	}
	if (type == RN_ETHERTYPE_IPV6) {
		struct rn_ipv6 ip6;
		struct rn_ipv6_chain chain;
		int r = rn_ipv6_parse(v, &ip6, &payload);
		if (r < 0)
			return r;
		d->v6 = true;
		memcpy(d->src, ip6.src, 16);
		memcpy(d->dst, ip6.dst, 16);
		r = rn_ipv6_walk(ip6.next_header, payload, &chain);
		if (r < 0) {
			/* A quoted packet may cut an extension header short. */
			d->proto = ip6.next_header;
			d->l4 = rn_view_make(NULL, 0);
			return 0;
		}
		d->proto = chain.upper_proto;
		d->l4 = (chain.fragment && !chain.first_fragment) ? rn_view_make(NULL, 0) : chain.upper;
		return 0;
	}
	return -RN_EUNSUP;
}

static size_t alen(const struct dissected *d)
{
	return d->v6 ? 16 : 4;
}

static bool is_multicast(const struct dissected *d)
{
	return d->v6 ? d->dst[0] == 0xff : (d->dst[0] & 0xf0) == 0xe0;
}

/* 32-bit distance of a and b, modulo 2^32. */
static uint32_t seq_dist(uint32_t a, uint32_t b)
{
	int32_t d = (int32_t)(a - b);
	return d < 0 ? (uint32_t)-(int64_t)d : (uint32_t)d;
}

static bool icmp_pair(uint8_t probe, uint8_t reply)
{
	static const uint8_t pairs[][2] = { { 8, 0 }, { 13, 14 }, { 15, 16 }, { 17, 18 } };
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		if (pairs[i][0] == probe && pairs[i][1] == reply)
			return true;
	return false;
}

/* The transport headers of a direct answer (full headers on both sides). */
static bool l4_answers(const struct dissected *p, const struct dissected *r)
{
	switch (p->proto) {
	case RN_IPPROTO_TCP: {
		struct rn_tcp pt, rt;
		struct rn_view ppay;
		if (rn_tcp_parse(p->l4, NULL, &pt, &ppay) < 0 || rn_tcp_parse(r->l4, NULL, &rt, NULL) < 0)
			return false;
		if (rt.sport != pt.dport || rt.dport != pt.sport)
			return false;
		bool bare_syn = (pt.flags & RN_TCP_SYN) && !(pt.flags & RN_TCP_ACK);
		if (!bare_syn && seq_dist(pt.ack, rt.seq) > 2)
			return false;
		if ((rt.flags & RN_TCP_RST) && !(rt.flags & RN_TCP_ACK))
			return true;
		return seq_dist(pt.seq, rt.ack) <= 2 + ppay.len;
	}
	case RN_IPPROTO_UDP: {
		struct rn_udp pu, ru;
		if (rn_udp_parse(p->l4, NULL, &pu, NULL) < 0 || rn_udp_parse(r->l4, NULL, &ru, NULL) < 0)
			return false;
		return ru.sport == pu.dport && ru.dport == pu.sport;
	}
	case RN_IPPROTO_ICMP: {
		struct rn_icmp pi, ri;
		if (rn_icmp_parse(p->l4, &pi) < 0 || rn_icmp_parse(r->l4, &ri) < 0)
			return false;
		return icmp_pair(pi.type, ri.type) && pi.id == ri.id && pi.seq == ri.seq;
	}
	case RN_IPPROTO_ICMPV6: {
		struct rn_icmp6 pi, ri;
		if (rn_icmp6_parse(p->l4, NULL, &pi) < 0 || rn_icmp6_parse(r->l4, NULL, &ri) < 0)
			return false;
		if (pi.type == RN_ICMP6_ECHO_REQUEST)
			return ri.type == RN_ICMP6_ECHO_REPLY && pi.id == ri.id && pi.seq == ri.seq;
		if (pi.type == RN_ICMP6_NEIGHBOR_SOLICIT)
			return ri.type == RN_ICMP6_NEIGHBOR_ADVERT && !memcmp(pi.target, ri.target, 16);
		if (pi.type == RN_ICMP6_ROUTER_SOLICIT)
			return ri.type == RN_ICMP6_ROUTER_ADVERT;
		return false;
	}
	default:
		return true;
	}
}

/* The transport header quoted in an ICMP error (often only 8 bytes of it)
 * against the probe's: same direction, compared as far as it is quoted. */
static bool quoted_l4_matches(const struct dissected *p, struct rn_view q)
{
	struct rn_view pl = p->l4;
	switch (p->proto) {
	case RN_IPPROTO_TCP:
	case RN_IPPROTO_UDP:
		if (!rn_view_has(q, 0, 4) || !rn_view_has(pl, 0, 8))
			return false;
		if (rn_view_be32(q, 0) != rn_view_be32(pl, 0)) /* both ports */
			return false;
		if (p->proto == RN_IPPROTO_TCP && rn_view_has(q, 4, 4))
			return rn_view_be32(q, 4) == rn_view_be32(pl, 4); /* seq */
		return true;
	case RN_IPPROTO_ICMP:
	case RN_IPPROTO_ICMPV6:
		if (!rn_view_has(q, 0, 1) || !rn_view_has(pl, 0, 8))
			return false;
		if (rn_view_u8(q, 0) != rn_view_u8(pl, 0))
			return false;
		if (rn_view_has(q, 4, 4))
			return rn_view_be32(q, 4) == rn_view_be32(pl, 4); /* id, seq */
		return true;
	default:
		return true;
	}
}

/* Is reply an ICMP/ICMPv6 error? Then *quoted is the packet it quotes. */
static bool icmp_error(const struct dissected *r, struct rn_view *quoted)
{
	if (!r->v6 && r->proto == RN_IPPROTO_ICMP) {
		struct rn_icmp ic;
		if (rn_icmp_parse(r->l4, &ic) < 0 || !rn_icmp_is_error(ic.type))
			return false;
		*quoted = ic.data;
		return true;
	}
	if (r->v6 && r->proto == RN_IPPROTO_ICMPV6) {
		struct rn_icmp6 ic;
		if (rn_icmp6_parse(r->l4, NULL, &ic) < 0 || !rn_icmp6_is_error(ic.type))
			return false;
		*quoted = ic.data;
		return true;
	}
	return false;
}

static bool ip_answers(uint16_t type, struct rn_view probe, struct rn_view reply)
{
	struct dissected p, r, q;
	if (dissect_ip(type, probe, &p) < 0 || dissect_ip(type, reply, &r) < 0)
		return false;
	if (memcmp(r.dst, p.src, alen(&p)))
		return false;
	struct rn_view quoted;
	if (icmp_error(&r, &quoted) && !icmp_error(&p, &(struct rn_view){ 0 })) {
		if (dissect_ip(type, quoted, &q) < 0)
			return false;
		return !memcmp(q.src, p.src, alen(&p)) && !memcmp(q.dst, p.dst, alen(&p)) &&
		       q.proto == p.proto && quoted_l4_matches(&p, q.l4);
	}
	if (!is_multicast(&p) && memcmp(r.src, p.dst, alen(&p)))
		return false;
	return r.proto == p.proto && l4_answers(&p, &r);
}

static bool arp_answers(struct rn_view probe, struct rn_view reply)
{
	struct rn_arp p, r;
	if (rn_arp_parse(probe, &p) < 0 || rn_arp_parse(reply, &r) < 0)
		return false;
	if (p.op != RN_ARP_REQUEST || r.op != RN_ARP_REPLY || p.plen != r.plen ||
	    p.ptype != r.ptype || p.plen > RN_ARP_MAX_ALEN)
		return false;
	return !memcmp(r.spa, p.tpa, p.plen) && !memcmp(r.tpa, p.spa, p.plen);
}

bool rn_craft_answers(uint16_t probe_type, struct rn_view probe, uint16_t reply_type,
		      struct rn_view reply)
{
	if (probe_type != reply_type)
		return false;
	if (probe_type == RN_ETHERTYPE_ARP)
		return arp_answers(probe, reply);
	if (probe_type == RN_ETHERTYPE_IPV4 || probe_type == RN_ETHERTYPE_IPV6)
		return ip_answers(probe_type, probe, reply);
	return false;
}
