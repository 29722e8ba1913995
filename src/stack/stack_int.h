/* Internals shared by stack.c (device, frames, timers) and stack_tcp.c (the
 * connection API). */
#ifndef RAWNET_STACK_INT_H
#define RAWNET_STACK_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "rawnet/nftrst.h"
#include "rawnet/packet.h"
#include "rawnet/stack.h"
#include "rawnet/tcb.h"
#include "stack/arp_cache.h"

struct rn_filter;

struct rn_tcp_conn {
	struct rn_stack *s;
	struct rn_tcp_conn *next, *prev;  /* all connections of the stack */
	struct rn_tcp_conn *hnext;        /* the 4-tuple hash chain */
	struct rn_tcp_conn *rnext, *rprev; /* the ready list */
	bool ready;
	size_t heap_idx;                  /* in the timer heap, or RN_NO_HEAP */
	uint64_t heap_key;                /* its deadline there */
	struct rn_tcp_listener *listener; /* set until accepted */
	bool queued;                      /* in the listener's accept queue */
	struct rn_tcp_conn *qnext;        /* accept queue */
	bool held;                        /* in the stack's held-ACK list */
	void *user;
	int family;
	uint8_t laddr[16], raddr[16];
	uint8_t nexthop[16];         /* raddr, or the gateway */
	uint16_t lport, rport;
	struct rn_mac dmac;          /* the next hop's MAC once resolved */
	bool resolving;              /* waiting for ARP/ND */
	bool started;                /* rn_tcb_connect() was called */
	bool output_blocked;         /* the device refused a segment: retry */
	bool ack_held;               /* held_ack waits for the end of the batch */
	struct rn_tcp_seg held_ack;  /* the latest pure ACK of this batch */
	int error;                   /* -RN_ENOANSWER when the next hop never answered */
	int port_fd;                 /* a kernel socket holding our port (local address), or -1 */
	struct rn_nftrst fw;
	struct rn_tcb tcb;
};

#define RN_STACK_BATCH 64        /* frames read per recvmmsg */
/* The largest frame GSO/GRO hand a packet socket: an IPv6 header with a
 * 65535-byte payload, an Ethernet header and two VLAN tags. */
#define RN_STACK_FRAME_MAX (14 + 8 + 40 + 65535)
#define RN_NO_HEAP ((size_t)-1)
#define RN_CONN_HASH 4096        /* buckets (a power of two) */

struct rn_tcp_listener {
	struct rn_stack *s;
	struct rn_tcp_listener *next;
	int family;
	uint16_t port;
	unsigned backlog;
	bool syncookies;
	unsigned nembryonic, nqueued; /* SYN-RECEIVED / waiting for accept */
	struct rn_tcp_conn *qhead, *qtail;
	int port_fd;
	struct rn_nftrst fw;
	struct rn_tcp_listener_stats st;
};

struct rn_stack {
	struct rn_packet *pkt;
	bool use_ring;               /* TPACKET_V3 ring, else the socket queue */
	bool in_batch;               /* handling a batch of frames: hold pure ACKs */
	struct rn_packet_msg *rx;    /* RN_STACK_BATCH receive buffers (queue) */
	uint8_t *rx_mem;
	struct rn_filter *filter;
	int ifindex;
	unsigned mtu;
	bool needs_neigh;            /* Ethernet with ARP (not loopback / NOARP) */
	bool loopback;               /* on lo: all-zero MACs, our own frames come back
	                                as incoming copies (lookup() finds no
	                                connection for them: the ports are swapped) */
	struct rn_mac mac;
	bool has_ip4, has_ip6, local4, local6;
	uint8_t ip4[4], ip6[16];
	enum rn_stack_firewall firewall;
	struct rn_tcb_config cfg;
	bool cfg_mss_set;            /* the caller chose the MSS */
	struct rn_neigh_cache neigh;
	struct rn_tcp_conn *conns;
	size_t nconns;
	struct rn_tcp_conn *hash[RN_CONN_HASH];
	struct rn_tcp_conn **heap;   /* min-heap on heap_key: every timer of every connection */
	size_t heap_len, heap_cap;
	struct rn_tcp_conn *ready_head, *ready_tail;
	struct rn_tcp_conn **held;   /* connections holding a pure ACK in this batch */
	size_t held_len, held_cap;
	unsigned nresolving;
	struct rn_tcp_listener *listeners;
	struct rn_kept { struct rn_nftrst fw; int port_fd; } *kept; /* of closed listeners */
	size_t nkept;
	uint8_t secret[16];
	uint16_t ip_id;
	int epfd, timerfd;
	int raw4;                    /* on lo: IPv4 goes out here (stack.c), else -1 */
	uint64_t timer_armed;        /* the deadline the timerfd holds (0: none) */
	rn_stack_trace_fn trace;
	void *trace_arg;
	struct rn_stack_stats st;
	size_t tx_cap;
	uint8_t *tx;                 /* one frame being built */
};

/* Monotonic microseconds (> 0). */
uint64_t rn_stack_now_us(void);

/* Emits a trace event when tracing. */
void rn_stack_emit(struct rn_stack *s, const struct rn_stack_event *ev);
void rn_stack_info(struct rn_stack *s, struct rn_tcp_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sends one TCP segment in a frame to dmac: 0 or negative (-ENOBUFS ...). */
int rn_stack_send_segment(struct rn_stack *s, int family, const uint8_t *src, const uint8_t *dst,
			  const struct rn_mac *dmac, const struct rn_tcp_seg *seg);

/* Sends a whole frame, counting it. */
int rn_stack_send_frame(struct rn_stack *s, const uint8_t *frame, size_t len);

/* Re-arms the timerfd for the earliest deadline of the stack. */
void rn_stack_rearm(struct rn_stack *s);

/* Sends the pure ACK a connection held during a batch (stack_tcp.c). */
void rn_conn_flush_ack(struct rn_tcp_conn *c);

/* After the machine ran for c (segment, timer, call): its place in the
 * timer heap, and (when event) the ready list; an embryonic connection of
 * a listener that established moves to the accept queue, one that fell
 * back to LISTEN or CLOSED is freed (stack_tcp.c). */
void rn_conn_changed(struct rn_tcp_conn *c, bool event);

/* The 4-tuple table (stack_tcp.c). */
struct rn_tcp_conn *rn_conn_lookup(struct rn_stack *s, int family, const uint8_t *raddr,
				   uint16_t rport, uint16_t lport);

/* A segment for our address that no connection owns: a listener's SYN,
 * a SYN cookie's ACK, or nothing (returns false) (stack_tcp.c). */
bool rn_listener_input(struct rn_stack *s, int family, const uint8_t *src, const uint8_t *dst,
		       const struct rn_mac *smac, const struct rn_tcp_seg *seg, uint64_t now);

/* The earliest deadline in the timer heap (UINT64_MAX: none). */
uint64_t rn_conn_next_deadline(const struct rn_stack *s);

/* Drives a connection whose next hop is being resolved (stack_tcp.c). */
void rn_conn_resolve(struct rn_tcp_conn *c, uint64_t now);

#endif
