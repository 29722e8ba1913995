/* Sockets for ICMP echo: a raw ICMP/ICMPv6 socket (raw(7), the caller builds
 * the whole ICMP message), or, without CAP_NET_RAW, an ICMP datagram socket
 * ("ping socket", allowed by net.ipv4.ping_group_range; the kernel then sets
 * the echo identifier and the IPv4 checksum). Replies come back with kernel
 * receive time stamps (SO_TIMESTAMPNS) and the TTL / hop limit; ICMP errors
 * about our requests come from the socket's error queue (IP_RECVERR,
 * IPV6_RECVERR; RFC 1122 §4.1.3.3, RFC 3542 for the IPv6 socket options). */
#ifndef RAWNET_ICMPSOCK_H
#define RAWNET_ICMPSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "rawnet/view.h"

enum rn_icmpsock_kind {
	RN_ICMPSOCK_RAW = 1,    /* SOCK_RAW: needs CAP_NET_RAW */
	RN_ICMPSOCK_DGRAM = 2,  /* SOCK_DGRAM, IPPROTO_ICMP/ICMPV6: needs ping_group_range */
};

struct rn_icmpsock {
	int fd;
	int family;                  /* AF_INET or AF_INET6 */
	enum rn_icmpsock_kind kind;
	uint16_t id;                 /* DGRAM: the identifier the kernel writes (after bind) */
	int raw_err, dgram_err;      /* set by open: the errno each attempt failed with, or 0 */
};

/* Opens a socket for family: raw when allowed, else datagram. kinds is a mask
 * of RN_ICMPSOCK_* to try (0 = both, raw first). On failure returns the
 * negative errno of the last attempt and leaves raw_err / dgram_err saying
 * why each was refused (EPERM: no CAP_NET_RAW; EACCES: the group is outside
 * net.ipv4.ping_group_range). Sets up error queue, TTL and time stamp
 * reception; a raw IPv6 socket passes only echo replies (ICMP6_FILTER), a raw
 * IPv4 socket only echo replies (ICMP_FILTER). */
int rn_icmpsock_open(struct rn_icmpsock *s, int family, unsigned kinds);

void rn_icmpsock_close(struct rn_icmpsock *s);

/* Sets the TTL (IPv4) or unicast and multicast hop limit (IPv6). */
int rn_icmpsock_set_ttl(struct rn_icmpsock *s, int ttl);

/* SO_BINDTODEVICE: send and receive only through ifname. */
int rn_icmpsock_bind_device(struct rn_icmpsock *s, const char *ifname);

/* Binds a datagram socket to an (unspecified-address) endpoint so that the
 * kernel picks the echo identifier now; s->id holds it. A no-op for raw. */
int rn_icmpsock_bind_id(struct rn_icmpsock *s);

/* Binds the socket to the local address src (same family; the port is
 * ignored), so requests leave from it (ping -I ADDR); a datagram socket's
 * kernel picks the echo identifier at the same time (s->id, as bind_id).
 * -EADDRNOTAVAIL when src is not this host's, -RN_EINVAL on a family mismatch. */
int rn_icmpsock_bind_source(struct rn_icmpsock *s, const struct sockaddr *src, socklen_t src_len);

/* The source address the kernel will use towards dst (a UDP socket connected
 * for the route lookup, through ifname when given). Sets *src (same family). */
int rn_icmpsock_source(const struct sockaddr *dst, socklen_t dst_len, const char *ifname,
		       struct sockaddr_storage *src);

/* Sends one ICMP message (header + data) to dst. Returns bytes sent or -errno. */
int rn_icmpsock_send(struct rn_icmpsock *s, const void *msg, size_t len,
		     const struct sockaddr *dst, socklen_t dst_len);

/* One received ICMP message. */
struct rn_icmpsock_msg {
	struct rn_view icmp;            /* the ICMP/ICMPv6 message (an IPv4 header is stripped) */
	struct sockaddr_storage from;   /* who sent it */
	int ttl;                        /* TTL / hop limit of the reply, -1 when unknown */
	bool have_dst;
	uint8_t dst[16];                /* IPv6: the destination address (for the checksum) */
	struct timespec stamp;          /* kernel receive time (CLOCK_REALTIME) */
	size_t ip_len;                  /* raw IPv4: length of the IP header stripped */
};

/* Receives one message into buf (flags: 0 or MSG_DONTWAIT). Returns its
 * ICMP length, -EAGAIN when none is waiting, -RN_ETRUNC / -RN_EBADLEN when a
 * raw IPv4 packet's header is short or lies, or another -errno. */
int rn_icmpsock_recv(struct rn_icmpsock *s, uint8_t *buf, size_t cap, struct rn_icmpsock_msg *m,
		     int flags);

/* One entry of the error queue. */
struct rn_icmpsock_err {
	bool local;                     /* raised by this host's stack, not an ICMP message */
	int err;                        /* the errno it maps to (EHOSTUNREACH, EMSGSIZE ...) */
	uint8_t type, code;             /* the ICMP/ICMPv6 error (not for local errors) */
	uint32_t info;                  /* MTU for "too big"/"frag needed", pointer ... */
	struct sockaddr_storage offender; /* who sent the error (family 0 when unknown) */
	struct sockaddr_storage target; /* the destination of the packet it is about */
	struct rn_view quoted;          /* our original message, from its ICMP header on */
};

/* Reads one error-queue entry (never blocks): 1 with *e filled, 0 when the
 * queue is empty, or -errno. */
int rn_icmpsock_recv_error(struct rn_icmpsock *s, uint8_t *buf, size_t cap,
			   struct rn_icmpsock_err *e);

#endif
