/* Interfaces, addresses, routes and neighbours, read from the kernel over
 * rtnetlink (rtnetlink(7), RFC 3549): what a raw-socket sender needs to fill
 * in source addresses and next-hop MAC addresses.
 *
 * Addresses are passed as raw bytes in network order: 4 bytes for AF_INET,
 * 16 for AF_INET6. Every call is one bounded request (a 2-second receive
 * timeout); none needs privileges.
 */
#ifndef RAWNET_NETINFO_H
#define RAWNET_NETINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/ethernet.h"

#define RN_IFNAMSIZ 16

struct rn_iface {
	int ifindex;
	char name[RN_IFNAMSIZ];
	unsigned flags;          /* IFF_UP, IFF_LOOPBACK, IFF_NOARP, ... */
	unsigned mtu;
	uint16_t hwtype;         /* ARPHRD_ETHER, ARPHRD_LOOPBACK, ... */
	bool has_mac;            /* a 6-byte hardware address */
	struct rn_mac mac;
};

/* 0, -RN_ENOTFOUND when there is no such interface, or -errno. */
int rn_iface_by_name(const char *name, struct rn_iface *out);
int rn_iface_by_index(int ifindex, struct rn_iface *out);

/* True when frames on this interface need a destination MAC from ARP/ND
 * (an Ethernet-like device without IFF_NOARP / IFF_LOOPBACK). */
bool rn_iface_needs_neigh(const struct rn_iface *ifc);

struct rn_ifaddr {
	int family;
	int ifindex;
	uint8_t addr[16];
	uint8_t prefixlen;
	uint8_t scope;           /* RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, RT_SCOPE_HOST */
};

/* Fills up to max addresses of family (AF_UNSPEC: both) on ifindex (0: all
 * interfaces); returns how many there are (may exceed max) or -errno. */
int rn_iface_addrs(int ifindex, int family, struct rn_ifaddr *out, size_t max);

struct rn_route {
	int family;
	int oif;                 /* the out-interface */
	uint8_t type;            /* RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST, RTN_MULTICAST, ... */
	bool has_src;
	uint8_t src[16];         /* preferred source address */
	bool has_gateway;
	uint8_t gateway[16];
	uint8_t nexthop[16];     /* the gateway, or the destination when it is on-link */
};

/* The kernel's route to dst (RTM_GETROUTE), optionally forced out of
 * interface oif (0: any). When the kernel gives no preferred source, the
 * first address of the family on the out-interface is used (global before
 * link-local). -ENETUNREACH / -EHOSTUNREACH when there is no route. */
int rn_route_get(int family, const void *dst, int oif, struct rn_route *out);

/* The neighbour table's MAC for addr on ifindex (RTM_GETNEIGH), when the
 * entry is usable (not INCOMPLETE or FAILED). 0, or -RN_ENOTFOUND. */
int rn_neigh_get(int family, const void *addr, int ifindex, struct rn_mac *mac);

#endif
