/* Ethernet II frames with 802.1Q / 802.1ad VLAN tags (IEEE 802.3, 802.1Q). */
#ifndef RAWNET_ETHERNET_H
#define RAWNET_ETHERNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/view.h"

#define RN_ETH_ALEN 6
#define RN_ETH_HLEN 14
#define RN_ETH_MAX_TAGS 2

#define RN_ETHERTYPE_IPV4 0x0800
#define RN_ETHERTYPE_ARP  0x0806
#define RN_ETHERTYPE_VLAN 0x8100
#define RN_ETHERTYPE_IPV6 0x86dd
#define RN_ETHERTYPE_QINQ 0x88a8

struct rn_mac {
	uint8_t b[RN_ETH_ALEN];
};

struct rn_vlan_tag {
	uint16_t tpid; /* 0x8100 or 0x88a8 */
	uint8_t pcp;   /* priority, 3 bits */
	uint8_t dei;   /* drop eligible, 1 bit */
	uint16_t vid;  /* VLAN id, 12 bits */
};

struct rn_eth {
	struct rn_mac dst, src;
	unsigned ntags;                          /* outermost first */
	struct rn_vlan_tag tags[RN_ETH_MAX_TAGS];
	uint16_t ethertype;                      /* of the payload (< 0x0600: an 802.3 length) */
};

/* Bytes of header emit() writes / parse() consumed: 14 + 4 per tag. */
size_t rn_eth_header_len(const struct rn_eth *eth);

/* Parses the header and up to RN_ETH_MAX_TAGS tags (more tags: -RN_EUNSUP).
 * *payload is everything after the header. -RN_ETRUNC when the header does not fit. */
int rn_eth_parse(struct rn_view v, struct rn_eth *eth, struct rn_view *payload);

/* Writes the header into buf; returns its length or -RN_ENOSPC. */
int rn_eth_emit(const struct rn_eth *eth, uint8_t *buf, size_t cap);

/* "aa:bb:cc:dd:ee:ff" (also '-' separators, one-digit groups) -> mac; 0 or -RN_EINVAL. */
int rn_mac_parse(const char *s, struct rn_mac *mac);

/* Formats as lower-case "aa:bb:cc:dd:ee:ff" into out (18 bytes); returns out. */
char *rn_mac_format(const struct rn_mac *mac, char out[18]);

bool rn_mac_is_broadcast(const struct rn_mac *mac);

#endif
