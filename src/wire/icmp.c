/* ICMP for IPv4 (RFC 792, RFC 1191 for the frag-needed MTU): parse and emit
 * the 8-byte header; the data (echo payload or quoted packet) stays a view. */
#include <string.h>

#include "rawnet/icmp.h"

bool rn_icmp_is_error(uint8_t type)
{
	switch (type) {
	case RN_ICMP_UNREACH:
	case 4: /* source quench (deprecated, still quotes the packet) */
	case RN_ICMP_REDIRECT:
	case RN_ICMP_TIMXCEED:
	case RN_ICMP_PARAMPROB:
		return true;
	default:
		return false;
	}
}

/* Types whose bytes 4..7 are an identifier and a sequence number. */
static bool icmp_has_id_seq(uint8_t type)
{
	switch (type) {
	case RN_ICMP_ECHOREPLY:
	case RN_ICMP_ECHO:
	case RN_ICMP_TSTAMP:
	case RN_ICMP_TSTAMPREPLY:
	case 15: case 16: /* information request / reply */
	case 17: case 18: /* address mask request / reply */
		return true;
	default:
		return false;
	}
}

int rn_icmp_parse(struct rn_view v, struct rn_icmp *icmp)
{
	memset(icmp, 0, sizeof *icmp);
	if (!rn_view_has(v, 0, RN_ICMP_HLEN))
		return -RN_ETRUNC;
	icmp->type = rn_view_u8(v, 0);
	icmp->code = rn_view_u8(v, 1);
	icmp->checksum = rn_view_be16(v, 2);
	icmp->rest = rn_view_be32(v, 4);
	icmp->id = rn_view_be16(v, 4);
	icmp->seq = rn_view_be16(v, 6);
	icmp->data = rn_view_tail(v, RN_ICMP_HLEN);
	icmp->checksum_status = rn_inet_csum(v.data, v.len) == 0 ? RN_CSUM_GOOD : RN_CSUM_BAD;
	return 0;
}

int rn_icmp_emit(const struct rn_icmp *icmp, uint8_t *buf, size_t cap, size_t payload_len)
{
	if (cap < RN_ICMP_HLEN || payload_len > cap - RN_ICMP_HLEN)
		return -RN_ENOSPC;
	buf[0] = icmp->type;
	buf[1] = icmp->code;
	buf[2] = buf[3] = 0;
	if (icmp_has_id_seq(icmp->type)) {
		rn_put_be16(buf + 4, icmp->id);
		rn_put_be16(buf + 6, icmp->seq);
	} else {
		rn_put_be32(buf + 4, icmp->rest);
	}
	uint16_t c = icmp->checksum_set ? icmp->checksum
					: rn_inet_csum(buf, RN_ICMP_HLEN + payload_len);
	rn_put_be16(buf + 2, c);
	return RN_ICMP_HLEN;
}
