/* IPv6 headers (RFC 8200) and the extension header chain: hop-by-hop,
 * routing, fragment and destination options (RFC 8200 §4), AH (RFC 4302
 * §2.2, whose length counts 4-byte words). ESP and "no next header" end it. */
#include <string.h>
#include <sys/socket.h>

#include "rawnet/ipv6.h"

int rn_ipv6_parse(struct rn_view v, struct rn_ipv6 *ip6, struct rn_view *payload)
{
	if (!rn_view_has(v, 0, 1))
		return -RN_ETRUNC;
	if (rn_view_u8(v, 0) >> 4 != 6)
		return -RN_EUNSUP;
	if (!rn_view_has(v, 0, RN_IPV6_HLEN))
		return -RN_ETRUNC;

	memset(ip6, 0, sizeof *ip6);
	uint32_t w0 = rn_view_be32(v, 0);
	ip6->version = 6;
	ip6->tclass = (uint8_t)(w0 >> 20);
	ip6->flow = w0 & 0xfffff;
	ip6->payload_len = rn_view_be16(v, 4);
	ip6->next_header = rn_view_u8(v, 6);
	ip6->hop_limit = rn_view_u8(v, 7);
	rn_view_copy(v, 8, ip6->src, 16);
	rn_view_copy(v, 24, ip6->dst, 16);

	ip6->payload_truncated = v.len - RN_IPV6_HLEN < ip6->payload_len;
	if (payload)
		*payload = rn_view_head(rn_view_tail(v, RN_IPV6_HLEN), ip6->payload_len);
	return 0;
}

int rn_ipv6_emit(const struct rn_ipv6 *ip6, uint8_t *buf, size_t cap, size_t payload_len)
{
	if (cap < RN_IPV6_HLEN)
		return -RN_ENOSPC;
	if (!ip6->payload_len_set && payload_len > 0xffff)
		return -RN_EINVAL;
	uint8_t version = ip6->version ? ip6->version & 15 : 6;
	uint16_t plen = ip6->payload_len_set ? ip6->payload_len : (uint16_t)payload_len;
	rn_put_be32(buf, (uint32_t)version << 28 | (uint32_t)ip6->tclass << 20 | (ip6->flow & 0xfffff));
	rn_put_be16(buf + 4, plen);
	buf[6] = ip6->next_header;
	buf[7] = ip6->hop_limit;
	memcpy(buf + 8, ip6->src, 16);
	memcpy(buf + 24, ip6->dst, 16);
	return RN_IPV6_HLEN;
}

static bool is_extension(uint8_t nh)
{
	return nh == RN_IPV6_NH_HOPOPTS || nh == RN_IPV6_NH_ROUTING || nh == RN_IPV6_NH_FRAGMENT ||
	       nh == RN_IPV6_NH_DSTOPTS || nh == RN_IPV6_NH_AH;
}

/* The chain walk. A header whose fixed part (2 bytes, 8 for a fragment
 * header) runs past the view returns past_end_fixed; one whose length field
 * points past it returns past_end_len (-RN_ETRUNC or -RN_EBADLEN, depending
 * on whether the view ends where the capture did or where the packet does). */
static int walk(uint8_t nh, struct rn_view v, struct rn_ipv6_chain *chain, int past_end_fixed,
		int past_end_len)
{
	memset(chain, 0, sizeof *chain);
	size_t off = 0;

	while (is_extension(nh)) {
		if (chain->n == RN_IPV6_MAX_EXT)
			return -RN_EUNSUP;
		size_t fixed = nh == RN_IPV6_NH_FRAGMENT ? 8 : 2;
		if (!rn_view_has(v, off, fixed))
			return past_end_fixed;
		size_t len;
		switch (nh) {
		case RN_IPV6_NH_FRAGMENT:
			len = 8;
			break;
		case RN_IPV6_NH_AH:
			len = ((size_t)rn_view_u8(v, off + 1) + 2) * 4;
			break;
		default:
			len = ((size_t)rn_view_u8(v, off + 1) + 1) * 8;
			break;
		}
		if (!rn_view_has(v, off, len))
			return past_end_len;

		struct rn_ipv6_ext *e = &chain->ext[chain->n++];
		e->type = nh;
		e->next_header = rn_view_u8(v, off);
		e->len = len;
		rn_view_sub(v, off + 2, len - 2, &e->body);
		if (nh == RN_IPV6_NH_ROUTING) {
			e->routing_type = rn_view_u8(v, off + 2);
			e->segments_left = rn_view_u8(v, off + 3);
		} else if (nh == RN_IPV6_NH_FRAGMENT) {
			uint16_t fo = rn_view_be16(v, off + 2);
			e->frag_off = fo >> 3;
			e->more_fragments = fo & 1;
			e->frag_id = rn_view_be32(v, off + 4);
			chain->fragment = true;
			chain->first_fragment = e->frag_off == 0;
		}
		off += len;
		nh = e->next_header;
		/* A later fragment carries no headers, only the middle of the data. */
		if (e->type == RN_IPV6_NH_FRAGMENT && e->frag_off != 0)
			break;
	}
	chain->upper_proto = nh;
	chain->upper = rn_view_tail(v, off);
	return 0;
}

int rn_ipv6_walk(uint8_t nh, struct rn_view payload, struct rn_ipv6_chain *chain)
{
	return walk(nh, payload, chain, -RN_ETRUNC, -RN_EBADLEN);
}

int rn_ipv6_walk_packet(const struct rn_ipv6 *ip6, struct rn_view payload,
			struct rn_ipv6_chain *chain)
{
	if (ip6->payload_truncated)
		return walk(ip6->next_header, payload, chain, -RN_ETRUNC, -RN_ETRUNC);
	return walk(ip6->next_header, payload, chain, -RN_EBADLEN, -RN_EBADLEN);
}

void rn_ipv6_pseudo(const struct rn_ipv6 *ip6, struct rn_pseudo *ph)
{
	memset(ph, 0, sizeof *ph);
	ph->family = AF_INET6;
	memcpy(ph->src, ip6->src, 16);
	memcpy(ph->dst, ip6->dst, 16);
}
