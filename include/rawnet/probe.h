/* Probes and their answers, for traceroute and port scans: building the
 * packets and deciding, from untrusted bytes, which probe a received packet
 * answers. Pure functions (no sockets, no clock), so every rule is testable.
 *
 * Traceroute (RFC 792/4443 time exceeded and unreachable, RFC 1393's idea)
 * keeps the flow identifier constant, as Paris traceroute does, so routers
 * that balance flows over equal-cost paths (ECMP hashes addresses, protocol,
 * ports, and for ICMP often the first transport word) send every probe along
 * one path. The probe number travels in a field no router hashes:
 *   UDP:  the UDP checksum (two payload bytes are chosen to make it so);
 *   ICMP: the echo sequence number (two payload bytes keep the checksum
 *         constant);
 *   TCP:  the sequence number (base + n); the ports stay constant.
 * Routers quote at least the first 8 transport bytes (RFC 792; RFC 4443
 * quotes as much as fits), which hold all three.
 *
 * Port scans (masscan-style, stateless): the SYN's sequence number is a
 * keyed hash of the 4-tuple (a SYN cookie), so an answer is recognised by
 * its ack number alone, with no table of what was sent.
 */
#ifndef RAWNET_PROBE_H
#define RAWNET_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/view.h"

enum rn_trace_method {
	RN_TRACE_UDP = 0,        /* UDP to a closed port (traceroute's default) */
	RN_TRACE_ICMP,           /* ICMP / ICMPv6 echo requests (-I) */
	RN_TRACE_TCP,            /* TCP SYNs (-T) */
};

/* One trace: what stays the same for every probe. */
struct rn_trace {
	int family;              /* AF_INET or AF_INET6 */
	enum rn_trace_method method;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;   /* UDP, TCP */
	uint16_t icmp_id;        /* ICMP echo identifier */
	uint32_t tcp_seq;        /* TCP: probe n carries tcp_seq + n */
	size_t packet_len;       /* whole IP packet; 0, or less than the minimum: the minimum */
};

/* The smallest and the default packet length for t's family and method
 * (the defaults are traceroute(8)'s: 60 bytes for IPv4, 80 for IPv6). */
size_t rn_trace_min_len(const struct rn_trace *t);
size_t rn_trace_default_len(const struct rn_trace *t);

/* Builds probe n (1..65534) with the given TTL / hop limit: the whole IP
 * packet, checksums filled. Returns its length, -RN_ENOSPC or -RN_EINVAL. */
int rn_trace_build(const struct rn_trace *t, uint8_t ttl, uint16_t n, uint8_t *buf, size_t cap);

/* What a received packet says about a probe. */
struct rn_trace_reply {
	uint16_t n;              /* the probe it answers */
	uint8_t from[16];        /* who answered */
	bool final;              /* the trace ends at this hop: the destination
				    answered, or an unreachable came back */
	char mark[8];            /* traceroute(8)'s annotation: "", "!H", "!N",
				    "!P", "!X", "!F", "!S", "!V", "!C", "!<code>" */
	uint8_t icmp_type, icmp_code; /* the ICMP error, when it was one */
};

/* Does the IP packet ip (starting at the IP header) answer one of t's
 * probes? A time exceeded or unreachable quoting a probe, an echo reply to
 * one, or a SYN-ACK / RST from the destination acknowledging one. 1 with *r
 * filled, 0 when it answers none of them (malformed packets included). */
int rn_trace_match(const struct rn_trace *t, struct rn_view ip, struct rn_trace_reply *r);

/* --- port scans ---------------------------------------------------------- */

/* The SYN cookie: a keyed hash (SipHash-2-4) of the 4-tuple. */
uint32_t rn_scan_cookie(const uint8_t key[16], int family, const void *src, const void *dst,
			uint16_t sport, uint16_t dport);

/* Builds a SYN from src:sport to dst:dport whose sequence number is the
 * cookie (whole IP packet, TTL 64, MSS 1460 like nmap's). Length or
 * -RN_ENOSPC / -RN_EINVAL. */
int rn_scan_build_syn(const uint8_t key[16], int family, const void *src, const void *dst,
		      uint16_t sport, uint16_t dport, uint16_t ip_id, uint8_t *buf, size_t cap);

enum rn_port_state {
	RN_PORT_UNKNOWN = 0,     /* no answer yet */
	RN_PORT_OPEN,            /* SYN-ACK */
	RN_PORT_CLOSED,          /* RST */
	RN_PORT_FILTERED,        /* an ICMP unreachable, or (in the end) no answer */
};

struct rn_scan_reply {
	uint8_t host[16];        /* the scanned address the answer is about */
	uint16_t port;
	enum rn_port_state state;
	const char *reason;      /* nmap's words: "syn-ack", "reset", "host-unreach",
				    "admin-prohibited", "net-unreach", ... */
	uint8_t from[16];        /* who sent it (a router, for ICMP errors) */
};

/* Does the IP packet answer one of our SYNs (sent from src:sport with key)?
 * A SYN-ACK or RST whose ack is cookie + 1, or an ICMP unreachable quoting
 * a SYN whose sequence number is the cookie. 1 with *r filled, else 0. */
int rn_scan_match(const uint8_t key[16], int family, const void *src, uint16_t sport,
		  struct rn_view ip, struct rn_scan_reply *r);

#endif
