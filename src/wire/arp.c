/* ARP packets (RFC 826) with any hardware and protocol address sizes up to
 * RN_ARP_MAX_ALEN bytes. */
#include <string.h>

#include "rawnet/arp.h"

size_t rn_arp_len(const struct rn_arp *arp)
{
	return 8 + 2 * ((size_t)arp->hlen + arp->plen);
}

int rn_arp_parse(struct rn_view v, struct rn_arp *arp)
{
	if (!rn_view_has(v, 0, 8))
		return -RN_ETRUNC;
	uint8_t hlen = rn_view_u8(v, 4), plen = rn_view_u8(v, 5);
	if (hlen > RN_ARP_MAX_ALEN || plen > RN_ARP_MAX_ALEN)
		return -RN_EBADLEN;
	if (!rn_view_has(v, 8, 2 * ((size_t)hlen + plen)))
		return -RN_ETRUNC;

	memset(arp, 0, sizeof *arp);
	arp->htype = rn_view_be16(v, 0);
	arp->ptype = rn_view_be16(v, 2);
	arp->hlen = hlen;
	arp->plen = plen;
	arp->op = rn_view_be16(v, 6);
	size_t off = 8;
	memcpy(arp->sha, v.data + off, hlen);
	off += hlen;
	memcpy(arp->spa, v.data + off, plen);
	off += plen;
	memcpy(arp->tha, v.data + off, hlen);
	off += hlen;
	memcpy(arp->tpa, v.data + off, plen);
	return 0;
}

int rn_arp_emit(const struct rn_arp *arp, uint8_t *buf, size_t cap)
{
	if (arp->hlen > RN_ARP_MAX_ALEN || arp->plen > RN_ARP_MAX_ALEN)
		return -RN_EINVAL;
	size_t len = rn_arp_len(arp);
	if (cap < len)
		return -RN_ENOSPC;
	rn_put_be16(buf, arp->htype);
	rn_put_be16(buf + 2, arp->ptype);
	buf[4] = arp->hlen;
	buf[5] = arp->plen;
	rn_put_be16(buf + 6, arp->op);
	uint8_t *p = buf + 8;
	memcpy(p, arp->sha, arp->hlen);
	p += arp->hlen;
	memcpy(p, arp->spa, arp->plen);
	p += arp->plen;
	memcpy(p, arp->tha, arp->hlen);
	p += arp->hlen;
	memcpy(p, arp->tpa, arp->plen);
	return (int)len;
}
