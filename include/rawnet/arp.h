/* ARP (RFC 826). Any hardware/protocol sizes parse; Ethernet/IPv4 is the common case. */
#ifndef RAWNET_ARP_H
#define RAWNET_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "rawnet/view.h"

#define RN_ARP_REQUEST 1
#define RN_ARP_REPLY   2
#define RN_ARP_HTYPE_ETHER 1
#define RN_ARP_MAX_ALEN 16

struct rn_arp {
	uint16_t htype, ptype; /* 1, 0x0800 for Ethernet/IPv4 */
	uint8_t hlen, plen;    /* 6, 4 */
	uint16_t op;
	uint8_t sha[RN_ARP_MAX_ALEN], spa[RN_ARP_MAX_ALEN];
	uint8_t tha[RN_ARP_MAX_ALEN], tpa[RN_ARP_MAX_ALEN];
};

/* 8 + 2 * (hlen + plen). */
size_t rn_arp_len(const struct rn_arp *arp);

/* -RN_ETRUNC when the fixed part or the addresses are cut short;
 * -RN_EBADLEN when hlen or plen exceed RN_ARP_MAX_ALEN. */
int rn_arp_parse(struct rn_view v, struct rn_arp *arp);

/* Returns the length written or -RN_ENOSPC / -RN_EINVAL. */
int rn_arp_emit(const struct rn_arp *arp, uint8_t *buf, size_t cap);

#endif
