/* rn_stack: a user-space TCP/IP endpoint on one interface, on AF_PACKET.
 *
 * The stack owns one IPv4 and/or one IPv6 address and a MAC (by default the
 * interface's). It answers ARP and neighbour solicitations for the address
 * itself (RFC 826, RFC 4861), finds the next hop (on-link, or the gateway
 * of the kernel's route) with its own ARP/ND, demultiplexes segments to its
 * connections, and runs the TCP state machine (rawnet/tcb.h) from a small
 * event loop over the packet ring and a timer.
 *
 * When the address is not the host's, the kernel never sees the connection
 * and never resets it. When it is one of the host's addresses, the kernel
 * answers our peer's segments with RSTs: the stack then adds an nftables
 * rule dropping them for exactly the connection's 4-tuple (rawnet/nftrst.h)
 * and removes it when the connection is freed, unless told not to.
 *
 * Single-threaded and poll-able:
 *     rn_stack_open(&opts, &s);
 *     rn_tcp_connect(s, AF_INET, addr, 80, 0, &c);
 *     loop: poll(rn_stack_fd(s), ...) then rn_stack_run(s, 0)
 *           (or just rn_stack_run(s, timeout_ms), which waits itself);
 *           rn_tcp_poll(c) says what can be done: rn_tcp_send/recv/...
 *     rn_tcp_free(c); rn_stack_close(s);
 * Or a server: rn_tcp_listen(s, AF_INET, 7, 128, true, &l), then after each
 * rn_stack_run() take new connections with rn_tcp_accept(l, &c) and serve
 * those rn_stack_next_ready() returns. Many connections share the loop:
 * they are found by a hash of their 4-tuple, their timers sit in one heap.
 */
#ifndef RAWNET_STACK_H
#define RAWNET_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rawnet/ethernet.h"
#include "rawnet/tcb.h"

struct rn_stack;     /* opaque */
struct rn_tcp_conn;  /* opaque: one connection of a stack */
struct rn_tcp_listener; /* opaque: a passive open on one port */

/* What a trace callback is told. */
enum rn_stack_event_kind {
	RN_STACK_EV_SEG_IN,    /* a segment for one of our connections (seg, addresses) */
	RN_STACK_EV_SEG_OUT,   /* a segment we send */
	RN_STACK_EV_STATE,     /* a connection's state changed (from, to) */
	RN_STACK_EV_INFO,      /* a line of text: neighbour resolution, firewall rules */
};

struct rn_stack_event {
	enum rn_stack_event_kind kind;
	struct rn_tcp_conn *conn;        /* NULL for events not tied to one */
	int family;                      /* SEG_*: AF_INET or AF_INET6 */
	const uint8_t *src, *dst;        /* SEG_*: IP addresses of the segment */
	const struct rn_tcp_seg *seg;    /* SEG_*: header, decoded options, payload */
	enum rn_tcp_state from, to;      /* STATE */
	const char *text;                /* INFO */
};

/* One line for an event, without a newline:
 *   10.77.0.3:40012 > 10.77.0.1:7  Flags [S.]  seq 123  ack 456  win 64240  len 0  <mss 1460,...>
 *   SYN-SENT -> ESTABLISHED
 * Returns the length (truncated to cap - 1 when longer). */
int rn_stack_event_format(const struct rn_stack_event *ev, char *buf, size_t cap);

typedef void (*rn_stack_trace_fn)(void *arg, const struct rn_stack_event *ev);

enum rn_stack_firewall {
	RN_STACK_FW_AUTO = 0,  /* add the RST-dropping rule when our address is the host's */
	RN_STACK_FW_OFF,       /* never: the user takes care of the kernel's RSTs */
};

struct rn_stack_opts {
	const char *ifname;              /* the interface (required) */
	bool has_ip4, has_ip6;           /* at least one address */
	uint8_t ip4[4], ip6[16];
	bool has_mac;                    /* else the interface's MAC */
	struct rn_mac mac;
	enum rn_stack_firewall firewall;
	size_t ring_kib;                 /* receive queue (or ring) size; 0: 16384 */
	bool rx_ring;                    /* a TPACKET_V3 ring instead of the socket queue:
	                                    fewer copies, but frames wait up to 1 ms for
	                                    their block (slower recovery from loss) */
	const struct rn_tcb_config *tcp; /* NULL: rn_tcb_config_default() with 4 MiB
	                                    buffers; mss 0: from the interface MTU */
	rn_stack_trace_fn trace;         /* every event (may be NULL) */
	void *trace_arg;
};

/* Opens the packet socket on opts->ifname (needs CAP_NET_RAW), learns the
 * interface's MTU and MAC, and checks which of our addresses the host owns.
 * 0, -RN_EINVAL (no address, no interface name), -RN_ENOTFOUND (no such
 * interface), -RN_EUNSUP (not an Ethernet interface) or -errno. */
int rn_stack_open(const struct rn_stack_opts *opts, struct rn_stack **out);

/* Aborts the connections still open (RST), removes firewall rules, frees. */
void rn_stack_close(struct rn_stack *s);

/* A descriptor that polls readable when rn_stack_run() has work: a frame
 * arrived or a timer is due. */
int rn_stack_fd(const struct rn_stack *s);

/* Waits up to timeout_ms (0: not at all, -1: until something happens) for
 * frames or timers, then handles every frame and timer that is due. 0, or
 * -EINTR when a signal interrupted the wait, or another negative error. */
int rn_stack_run(struct rn_stack *s, int timeout_ms);

/* Runs the stack until rn_tcp_poll(c) has one of the bits in mask, or an
 * error, or timeout_ms passed (-1: no limit). Returns the poll bits (0 on
 * timeout), or -EINTR / a negative error. */
int rn_stack_wait(struct rn_stack *s, struct rn_tcp_conn *c, unsigned mask, int timeout_ms);

/* Is this one of the host's own addresses (so the firewall rule is needed)? */
bool rn_stack_addr_is_local(const struct rn_stack *s, int family);

/* Counters of the whole stack. */
struct rn_stack_stats {
	uint64_t frames_in, frames_out, frames_ignored;
	uint64_t bad_checksum;           /* TCP segments dropped: checksum wrong */
	uint64_t csum_partial;           /* TCP segments taken whose checksum the kernel
	                                    left to the NIC (offload: rawnet/packet.h) */
	uint64_t no_connection, rsts_sent, send_errors;
	uint64_t arp_replies;            /* ARP replies and neighbour advertisements sent */
	uint64_t ring_drops;             /* frames the kernel dropped: the ring was full */
};
void rn_stack_stats(struct rn_stack *s, struct rn_stack_stats *st);

/* Starts an active open to dst (4 or 16 bytes by family) port dport, from
 * our address of that family and lport (0: a free ephemeral port). Returns
 * at once: the next hop is resolved and the SYN sent from rn_stack_run().
 * With the host's address, the RST rule is added first (an INFO event says
 * so). dst may be this host itself (127.0.0.1, ::1 or one of its addresses)
 * when the stack is on lo. 0 with *out; -RN_EINVAL (no address of that
 * family), -RN_EUNSUP (dst is this host itself and the stack is not on lo),
 * -ENETUNREACH, -EADDRINUSE, or the firewall's error. */
int rn_tcp_connect(struct rn_stack *s, int family, const void *dst, uint16_t dport,
		   uint16_t lport, struct rn_tcp_conn **out);

/* Queues bytes for sending: the count accepted (0 while connecting or when
 * the send buffer is full: wait for RN_TCB_WRITABLE), or the connection's
 * error (-RN_ERESET, -RN_ETIMEOUT, -RN_ENOANSWER), -RN_ECLOSED after close. */
ssize_t rn_tcp_send(struct rn_tcp_conn *c, const void *buf, size_t len);

/* Takes received bytes: the count, 0 at the end of the stream, -EAGAIN when
 * none are there yet, or the connection's error. */
ssize_t rn_tcp_recv(struct rn_tcp_conn *c, void *buf, size_t len);

/* Half-close: a FIN follows the queued data; receiving goes on. */
int rn_tcp_shutdown(struct rn_tcp_conn *c);

/* Full close (FIN); unread or later data resets the connection instead.
 * Keep running the stack until rn_tcp_poll() says RN_TCB_CLOSED. */
int rn_tcp_close(struct rn_tcp_conn *c);

/* Resets the connection (RST when synchronized) and closes it at once. */
int rn_tcp_abort(struct rn_tcp_conn *c);

/* RN_TCB_* bits (rawnet/tcb.h): READABLE, WRITABLE, EOF, CONNECTED, SENT,
 * CLOSED, ERROR. A failed next-hop resolution sets CLOSED|ERROR. */
unsigned rn_tcp_poll(const struct rn_tcp_conn *c);

/* 0, -RN_ERESET, -RN_ETIMEOUT, or -RN_ENOANSWER (the next hop never
 * answered ARP/ND). */
int rn_tcp_error(const struct rn_tcp_conn *c);

enum rn_tcp_state rn_tcp_state(const struct rn_tcp_conn *c);

/* The control block, read-only, for counters and RTT (rn_tcb_* getters). */
const struct rn_tcb *rn_tcp_tcb(const struct rn_tcp_conn *c);

/* Our port, and the firewall table in use ("" when none). */
uint16_t rn_tcp_local_port(const struct rn_tcp_conn *c);
const char *rn_tcp_firewall_table(const struct rn_tcp_conn *c);

/* The peer's address (4 or 16 bytes by *family) and port. */
void rn_tcp_peer(const struct rn_tcp_conn *c, int *family, uint8_t addr[16], uint16_t *port);

/* A pointer of the caller's, kept with the connection. */
void rn_tcp_set_user(struct rn_tcp_conn *c, void *user);
void *rn_tcp_user(const struct rn_tcp_conn *c);

/* Connections (accepted or connected) that something happened to since
 * they were last returned here: a segment arrived, a timer ran, the device
 * took a refused segment. NULL when none. Each comes back once per batch
 * of events, oldest first; check it with rn_tcp_poll(). */
struct rn_tcp_conn *rn_stack_next_ready(struct rn_stack *s);

/* Number of connections the stack holds (including unaccepted ones). */
size_t rn_stack_conn_count(const struct rn_stack *s);

/* --- passive open (RFC 9293 §3.10.1 OPEN passive) --- */

struct rn_tcp_listener_stats {
	uint64_t syns;                   /* SYNs that found the listener */
	uint64_t accepted;               /* connections handed out by rn_tcp_accept() */
	uint64_t cookies_sent;           /* SYN-ACKs with a SYN cookie (the backlog was full) */
	uint64_t cookies_ok;             /* connections made from a returning cookie */
	uint64_t cookies_bad;            /* ACKs with a cookie that did not check out */
	uint64_t dropped;                /* SYNs dropped: backlog full, cookies off */
};

/* Listens on our address of family (AF_INET or AF_INET6) port port. At
 * most backlog connections wait half-open (SYN-RECEIVED) or unaccepted;
 * SYNs beyond that are answered with SYN cookies (RFC 4987 §3.6: a
 * stateless SYN-ACK whose ISN encodes the MSS and a keyed hash, so only a
 * peer that got it can complete the handshake; such connections have no
 * window scaling, timestamps or SACK), or dropped when syncookies is false.
 * With the host's own address a kernel socket reserves the port and an
 * nftables rule drops the kernel's RSTs from it (to anyone) until
 * rn_tcp_listener_close(). 0, -RN_EINVAL, -EADDRINUSE, or the firewall's
 * error. */
int rn_tcp_listen(struct rn_stack *s, int family, uint16_t port, unsigned backlog,
		  bool syncookies, struct rn_tcp_listener **out);

/* The next established connection, now the caller's (rn_tcp_free() it),
 * or -EAGAIN when none is waiting. It may already hold data, or the peer's
 * FIN. */
int rn_tcp_accept(struct rn_tcp_listener *l, struct rn_tcp_conn **out);

/* Connections waiting for rn_tcp_accept(). */
unsigned rn_tcp_listener_pending(const struct rn_tcp_listener *l);

void rn_tcp_listener_stats(const struct rn_tcp_listener *l, struct rn_tcp_listener_stats *st);

/* Stops listening: resets the connections not yet accepted, frees. Later
 * SYNs are answered with RST (by us, or by the kernel for its own address).
 * While accepted connections on the port remain, the reserved port and the
 * firewall rule stay until rn_stack_close(). */
void rn_tcp_listener_close(struct rn_tcp_listener *l);

/* Forgets the connection: aborts it when still open, removes its firewall
 * rule, frees it. Segments for it are answered with RSTs afterwards (when
 * the kernel does not own our address). */
void rn_tcp_free(struct rn_tcp_conn *c);

#endif
