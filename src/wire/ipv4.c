/* IPv4 headers (RFC 791): parse with options and fragment fields, header
 * checksum (RFC 1071) verified and computed, options walked (RFC 791 §3.1,
 * RFC 2113 router alert). */
#include <string.h>
#include <sys/socket.h>

#include "rawnet/ipv4.h"

#define IPV4_FLAG_RSV 0x8000
#define IPV4_FLAG_DF  0x4000
#define IPV4_FLAG_MF  0x2000
#define IPV4_OFFMASK  0x1fff

/* Bytes emit() writes: 20 + the options padded to a multiple of 4, or more
 * when the caller set a larger ihl (the extra bytes are zero, i.e. EOL). */
size_t rn_ipv4_header_len(const struct rn_ipv4 *ip)
{
	size_t optlen = ip->opt_len <= RN_IPV4_MAX_OPTLEN ? ip->opt_len : RN_IPV4_MAX_OPTLEN;
	size_t hl = RN_IPV4_HLEN + ((optlen + 3) & ~(size_t)3);
	if (ip->ihl_set && (size_t)(ip->ihl & 15) * 4 > hl)
		hl = (size_t)(ip->ihl & 15) * 4;
	return hl;
}

int rn_ipv4_parse(struct rn_view v, struct rn_ipv4 *ip, struct rn_view *payload)
{
	if (!rn_view_has(v, 0, 1))
		return -RN_ETRUNC;
	uint8_t b0 = rn_view_u8(v, 0);
	if (b0 >> 4 != 4)
		return -RN_EUNSUP;
	size_t hl = (size_t)(b0 & 15) * 4;
	if (hl < RN_IPV4_HLEN)
		return -RN_EBADLEN;
	if (!rn_view_has(v, 0, RN_IPV4_HLEN))
		return -RN_ETRUNC;
	uint16_t tot_len = rn_view_be16(v, 2);
	if (tot_len < hl)
		return -RN_EBADLEN;
	if (!rn_view_has(v, 0, hl))
		return -RN_ETRUNC;

	memset(ip, 0, sizeof *ip);
	ip->version = 4;
	ip->ihl = b0 & 15;
	ip->tos = rn_view_u8(v, 1);
	ip->tot_len = tot_len;
	ip->id = rn_view_be16(v, 4);
	uint16_t frag = rn_view_be16(v, 6);
	ip->flag_rsv = (frag & IPV4_FLAG_RSV) != 0;
	ip->flag_df = (frag & IPV4_FLAG_DF) != 0;
	ip->flag_mf = (frag & IPV4_FLAG_MF) != 0;
	ip->frag_off = frag & IPV4_OFFMASK;
	ip->ttl = rn_view_u8(v, 8);
	ip->proto = rn_view_u8(v, 9);
	ip->checksum = rn_view_be16(v, 10);
	rn_view_copy(v, 12, ip->src, 4);
	rn_view_copy(v, 16, ip->dst, 4);
	ip->opt_len = (uint8_t)(hl - RN_IPV4_HLEN);
	rn_view_copy(v, RN_IPV4_HLEN, ip->opts, ip->opt_len);
	ip->checksum_status = rn_inet_csum(v.data, hl) == 0 ? RN_CSUM_GOOD : RN_CSUM_BAD;

	size_t avail = v.len - hl, want = tot_len - hl;
	ip->payload_truncated = avail < want;
	if (payload)
		*payload = rn_view_head(rn_view_tail(v, hl), want);
	return 0;
}

int rn_ipv4_emit(const struct rn_ipv4 *ip, uint8_t *buf, size_t cap, size_t payload_len)
{
	if (ip->opt_len > RN_IPV4_MAX_OPTLEN)
		return -RN_EINVAL;
	size_t hl = rn_ipv4_header_len(ip);
	if (cap < hl)
		return -RN_ENOSPC;
	if (!ip->tot_len_set && hl + payload_len > 0xffff)
		return -RN_EINVAL;

	uint8_t ihl = ip->ihl_set ? ip->ihl & 15 : (uint8_t)(hl / 4);
	uint8_t version = ip->version ? ip->version & 15 : 4;
	uint16_t tot_len = ip->tot_len_set ? ip->tot_len : (uint16_t)(hl + payload_len);
	uint16_t frag = (uint16_t)((ip->flag_rsv ? IPV4_FLAG_RSV : 0) |
				   (ip->flag_df ? IPV4_FLAG_DF : 0) |
				   (ip->flag_mf ? IPV4_FLAG_MF : 0) | (ip->frag_off & IPV4_OFFMASK));

	buf[0] = (uint8_t)(version << 4 | ihl);
	buf[1] = ip->tos;
	rn_put_be16(buf + 2, tot_len);
	rn_put_be16(buf + 4, ip->id);
	rn_put_be16(buf + 6, frag);
	buf[8] = ip->ttl;
	buf[9] = ip->proto;
	rn_put_be16(buf + 10, 0);
	memcpy(buf + 12, ip->src, 4);
	memcpy(buf + 16, ip->dst, 4);
	memcpy(buf + RN_IPV4_HLEN, ip->opts, ip->opt_len);
	memset(buf + RN_IPV4_HLEN + ip->opt_len, 0, hl - RN_IPV4_HLEN - ip->opt_len);
	rn_put_be16(buf + 10, ip->checksum_set ? ip->checksum : rn_inet_csum(buf, hl));
	return (int)hl;
}

/* Whether len is a possible total length for an option of this type. */
static int opt_len_ok(uint8_t type, uint8_t len)
{
	switch (type) {
	case 7:   /* record route */
	case 131: /* loose source route */
	case 137: /* strict source route: type, len, pointer, then addresses */
		return len >= 3 && (len - 3) % 4 == 0;
	case 68:  /* timestamp: type, len, pointer, overflow/flags, then 4-byte words */
		return len >= 4 && (len - 4) % 4 == 0;
	case 148: /* router alert (RFC 2113) */
		return len == 4;
	default:
		return len >= 2;
	}
}

int rn_ipv4_opt_next(struct rn_view *cursor, struct rn_ipv4_opt *opt)
{
	if (cursor->len == 0)
		return 0;
	uint8_t type = rn_view_u8(*cursor, 0);
	memset(opt, 0, sizeof *opt);
	opt->type = type;
	opt->data = rn_view_make(cursor->data, 0);
	if (type == 0 || type == 1) { /* EOL ends the list; NOP is padding */
		opt->len = 1;
		*cursor = type == 0 ? rn_view_tail(*cursor, cursor->len) : rn_view_tail(*cursor, 1);
		return 1;
	}
	if (!rn_view_has(*cursor, 0, 2))
		return -RN_EBADLEN;
	uint8_t len = rn_view_u8(*cursor, 1);
	if (len < 2 || len > cursor->len || !opt_len_ok(type, len))
		return -RN_EBADLEN;
	opt->len = len;
	rn_view_sub(*cursor, 2, (size_t)len - 2, &opt->data);
	*cursor = rn_view_tail(*cursor, len);
	return 1;
}

void rn_ipv4_pseudo(const struct rn_ipv4 *ip, struct rn_pseudo *ph)
{
	memset(ph, 0, sizeof *ph);
	ph->family = AF_INET;
	memcpy(ph->src, ip->src, 4);
	memcpy(ph->dst, ip->dst, 4);
}
