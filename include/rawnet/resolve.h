/* Next-hop MAC resolution: the kernel's neighbour table first, then an ARP
 * request (RFC 826) or an IPv6 neighbour solicitation (RFC 4861 §7.2) sent on
 * an AF_PACKET socket, waiting a bounded time for the answer. Multicast and
 * broadcast destinations map to their MAC directly (RFC 1112 §6.4, RFC 2464 §7).
 *
 * The frame builders and the reply matcher are exported separately so that a
 * program with its own packet socket (the TCP stack) can resolve inline.
 */
#ifndef RAWNET_RESOLVE_H
#define RAWNET_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/ethernet.h"
#include "rawnet/netinfo.h"

/* The MAC of addr (family AF_INET/AF_INET6) as seen from interface ifc:
 *   - an interface that needs no neighbours (loopback, NOARP): all zeros;
 *   - multicast (and 255.255.255.255 or is_broadcast): the mapped MAC;
 *   - an entry in the neighbour table;
 *   - else, when timeout_ms > 0, ARP/ND from src (our address on ifc),
 *     retried three times within timeout_ms (needs CAP_NET_RAW).
 * 0 with *mac filled; -RN_ENOANSWER when nobody answered; -RN_ENOTFOUND when
 * timeout_ms is 0 and the table had no entry; -errno on socket errors. */
int rn_resolve_mac(const struct rn_iface *ifc, int family, const void *src, const void *addr,
		   bool is_broadcast, int timeout_ms, struct rn_mac *mac);

/* The MAC a multicast / limited-broadcast address maps to; false when addr is
 * neither. */
bool rn_resolve_mcast_mac(int family, const void *addr, struct rn_mac *mac);

/* Builds a broadcast ARP who-has frame (AF_INET) or a neighbour solicitation
 * to the solicited-node multicast address with a source link-layer address
 * option (AF_INET6), from smac/src, asking for target. Returns the frame
 * length or -RN_ENOSPC (128 bytes are always enough). */
int rn_resolve_request(int family, const struct rn_mac *smac, const void *src, const void *target,
		       uint8_t *buf, size_t cap);

/* Does the Ethernet frame answer a request for target? An ARP reply from
 * target, or a neighbour advertisement for target (its target link-layer
 * address option, else the frame's source MAC). 1 with *mac filled, else 0. */
int rn_resolve_match(int family, const void *target, const uint8_t *frame, size_t len,
		     struct rn_mac *mac);

#endif
