/* Ethernet II headers with up to two 802.1Q / 802.1ad VLAN tags (IEEE 802.3,
 * IEEE 802.1Q), and MAC address text conversion. */
#include <string.h>

#include "rawnet/ethernet.h"

static bool is_vlan_tpid(uint16_t type)
{
	return type == RN_ETHERTYPE_VLAN || type == RN_ETHERTYPE_QINQ;
}

size_t rn_eth_header_len(const struct rn_eth *eth)
{
	unsigned n = eth->ntags <= RN_ETH_MAX_TAGS ? eth->ntags : RN_ETH_MAX_TAGS;
	return RN_ETH_HLEN + 4 * (size_t)n;
}

int rn_eth_parse(struct rn_view v, struct rn_eth *eth, struct rn_view *payload)
{
	if (!rn_view_has(v, 0, RN_ETH_HLEN))
		return -RN_ETRUNC;
	memset(eth, 0, sizeof *eth);
	memcpy(eth->dst.b, v.data, RN_ETH_ALEN);
	memcpy(eth->src.b, v.data + RN_ETH_ALEN, RN_ETH_ALEN);

	size_t off = 12; /* the type field */
	uint16_t type = rn_view_be16(v, off);
	while (is_vlan_tpid(type)) {
		if (eth->ntags == RN_ETH_MAX_TAGS)
			return -RN_EUNSUP;
		/* A tag is TPID (already read), TCI, then the next type. */
		if (!rn_view_has(v, off + 2, 4))
			return -RN_ETRUNC;
		uint16_t tci = rn_view_be16(v, off + 2);
		struct rn_vlan_tag *t = &eth->tags[eth->ntags++];
		t->tpid = type;
		t->pcp = (uint8_t)(tci >> 13);
		t->dei = (uint8_t)(tci >> 12 & 1);
		t->vid = tci & 0x0fff;
		off += 4;
		type = rn_view_be16(v, off);
	}
	eth->ethertype = type;
	if (payload)
		*payload = rn_view_tail(v, off + 2);
	return 0;
}

int rn_eth_emit(const struct rn_eth *eth, uint8_t *buf, size_t cap)
{
	if (eth->ntags > RN_ETH_MAX_TAGS)
		return -RN_EINVAL;
	size_t hl = rn_eth_header_len(eth);
	if (cap < hl)
		return -RN_ENOSPC;
	memcpy(buf, eth->dst.b, RN_ETH_ALEN);
	memcpy(buf + RN_ETH_ALEN, eth->src.b, RN_ETH_ALEN);
	size_t off = 12;
	for (unsigned i = 0; i < eth->ntags; i++) {
		const struct rn_vlan_tag *t = &eth->tags[i];
		uint16_t tci = (uint16_t)((t->pcp & 7) << 13 | (t->dei & 1) << 12 | (t->vid & 0x0fff));
		rn_put_be16(buf + off, t->tpid ? t->tpid : RN_ETHERTYPE_VLAN);
		rn_put_be16(buf + off + 2, tci);
		off += 4;
	}
	rn_put_be16(buf + off, eth->ethertype);
	return (int)hl;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int rn_mac_parse(const char *s, struct rn_mac *mac)
{
	struct rn_mac m;
	char sep = 0;

	if (!s)
		return -RN_EINVAL;
	for (int i = 0; i < RN_ETH_ALEN; i++) {
		int hi = hexval(*s);
		if (hi < 0)
			return -RN_EINVAL;
		s++;
		int lo = hexval(*s);
		if (lo >= 0) {
			m.b[i] = (uint8_t)(hi << 4 | lo);
			s++;
		} else {
			m.b[i] = (uint8_t)hi;
		}
		if (i == RN_ETH_ALEN - 1)
			break;
		/* One separator kind throughout: ':' or '-'. */
		if ((*s != ':' && *s != '-') || (sep && *s != sep))
			return -RN_EINVAL;
		sep = *s++;
	}
	if (*s != '\0')
		return -RN_EINVAL;
	*mac = m;
	return 0;
}

char *rn_mac_format(const struct rn_mac *mac, char out[18])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	for (int i = 0; i < RN_ETH_ALEN; i++) {
		if (i)
			*p++ = ':';
		*p++ = hex[mac->b[i] >> 4];
		*p++ = hex[mac->b[i] & 15];
	}
	*p = '\0';
	return out;
}

bool rn_mac_is_broadcast(const struct rn_mac *mac)
{
	for (int i = 0; i < RN_ETH_ALEN; i++)
		if (mac->b[i] != 0xff)
			return false;
	return true;
}
