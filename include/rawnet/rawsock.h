/* Raw IP sockets for sending (raw(7), ipv6(7)): either the whole IP packet
 * (IP_HDRINCL, or IPPROTO_RAW with IPV6_HDRINCL for IPv6) or one transport
 * protocol with the kernel building the IP header.
 *
 * With IP_HDRINCL the kernel still fills in the IPv4 total length and header
 * checksum (and a zero source address or id); on IPPROTO_ICMPV6 sockets it
 * computes the ICMPv6 checksum. Everything else is sent as given.
 */
#ifndef RAWNET_RAWSOCK_H
#define RAWNET_RAWSOCK_H

#include <stddef.h>
#include <stdint.h>

struct rn_rawsock_opts {
	int family;              /* AF_INET or AF_INET6 */
	int proto;               /* 0: the caller supplies the IP header; else the protocol (6, 17, ...) */
	const char *ifname;      /* SO_BINDTODEVICE, or NULL */
	const void *src;         /* proto != 0: bind to this source address, or NULL */
	int ttl;                 /* proto != 0: IP_TTL / IPV6_UNICAST_HOPS, or -1 */
	int tos;                 /* proto != 0: IP_TOS / IPV6_TCLASS, or -1 */
};

/* Opens a send-only raw socket (a reject-all filter keeps its receive queue
 * empty). Returns the descriptor or -errno (-EPERM without CAP_NET_RAW,
 * -EADDRNOTAVAIL when src is not a local address). */
int rn_rawsock_open(const struct rn_rawsock_opts *opts);

/* Sends len bytes to dst (4 or 16 bytes by family). Returns len or -errno. */
int rn_rawsock_send(int fd, int family, const void *dst, const void *buf, size_t len);

#endif
