/* ICMPv6 (RFC 4443) and neighbour discovery (RFC 4861): the type-specific
 * fixed part, the pseudo-header checksum (RFC 8200 §8.1) and ND options. */
#include <string.h>

#include "rawnet/icmp6.h"
#include "rawnet/ipv4.h"

size_t rn_icmp6_header_len(uint8_t type)
{
	switch (type) {
	case RN_ICMP6_NEIGHBOR_SOLICIT:
	case RN_ICMP6_NEIGHBOR_ADVERT:
		return 24;
	case RN_ICMP6_ROUTER_ADVERT:
		return 16;
	default:
		return RN_ICMP6_HLEN;
	}
}

bool rn_icmp6_is_error(uint8_t type)
{
	return type < 128; /* RFC 4443 §2.1: error messages have the high bit clear */
}

int rn_icmp6_parse(struct rn_view v, const struct rn_pseudo *ph, struct rn_icmp6 *icmp6)
{
	memset(icmp6, 0, sizeof *icmp6);
	if (!rn_view_has(v, 0, RN_ICMP6_HLEN))
		return -RN_ETRUNC;
	icmp6->type = rn_view_u8(v, 0);
	size_t hlen = rn_icmp6_header_len(icmp6->type);
	if (!rn_view_has(v, 0, hlen))
		return -RN_ETRUNC;
	icmp6->code = rn_view_u8(v, 1);
	icmp6->checksum = rn_view_be16(v, 2);
	icmp6->rest = rn_view_be32(v, 4);
	icmp6->id = rn_view_be16(v, 4);
	icmp6->seq = rn_view_be16(v, 6);
	if (icmp6->type == RN_ICMP6_NEIGHBOR_SOLICIT || icmp6->type == RN_ICMP6_NEIGHBOR_ADVERT) {
		rn_view_copy(v, 8, icmp6->target, 16);
	} else if (icmp6->type == RN_ICMP6_ROUTER_ADVERT) {
		icmp6->reachable = rn_view_be32(v, 8);
		icmp6->retrans = rn_view_be32(v, 12);
	}
	icmp6->data = rn_view_tail(v, hlen);
	if (ph) {
		uint64_t sum = rn_csum_pseudo(ph, RN_IPPROTO_ICMPV6, (uint32_t)v.len);
		sum = rn_csum_add(sum, v.data, v.len);
		icmp6->checksum_status = rn_csum_fold(sum) == 0 ? RN_CSUM_GOOD : RN_CSUM_BAD;
	}
	return 0;
}

int rn_icmp6_emit(const struct rn_icmp6 *icmp6, const struct rn_pseudo *ph, uint8_t *buf,
		  size_t cap, size_t payload_len)
{
	size_t hlen = rn_icmp6_header_len(icmp6->type);
	if (cap < hlen || payload_len > cap - hlen)
		return -RN_ENOSPC;
	if (!icmp6->checksum_set && !ph)
		return -RN_EINVAL;
	buf[0] = icmp6->type;
	buf[1] = icmp6->code;
	buf[2] = buf[3] = 0;
	if (icmp6->type == RN_ICMP6_ECHO_REQUEST || icmp6->type == RN_ICMP6_ECHO_REPLY) {
		rn_put_be16(buf + 4, icmp6->id);
		rn_put_be16(buf + 6, icmp6->seq);
	} else {
		rn_put_be32(buf + 4, icmp6->rest);
	}
	if (icmp6->type == RN_ICMP6_NEIGHBOR_SOLICIT || icmp6->type == RN_ICMP6_NEIGHBOR_ADVERT) {
		memcpy(buf + 8, icmp6->target, 16);
	} else if (icmp6->type == RN_ICMP6_ROUTER_ADVERT) {
		rn_put_be32(buf + 8, icmp6->reachable);
		rn_put_be32(buf + 12, icmp6->retrans);
	}
	uint16_t c = icmp6->checksum;
	if (!icmp6->checksum_set) {
		size_t total = hlen + payload_len;
		uint64_t sum = rn_csum_pseudo(ph, RN_IPPROTO_ICMPV6, (uint32_t)total);
		c = rn_csum_fold(rn_csum_add(sum, buf, total));
	}
	rn_put_be16(buf + 2, c);
	return (int)hlen;
}

int rn_nd_opt_next(struct rn_view *cursor, struct rn_nd_opt *opt)
{
	if (cursor->len == 0)
		return 0;
	if (!rn_view_has(*cursor, 0, 2))
		return -RN_EBADLEN;
	size_t len = (size_t)rn_view_u8(*cursor, 1) * 8;
	if (len == 0 || len > cursor->len)
		return -RN_EBADLEN;
	opt->type = rn_view_u8(*cursor, 0);
	opt->len = len;
	rn_view_sub(*cursor, 2, len - 2, &opt->data);
	*cursor = rn_view_tail(*cursor, len);
	return 1;
}
