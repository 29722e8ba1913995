/* The TCP state machine (RFC 9293) as pure code: one connection's control
 * block, fed with parsed segments, application calls and the time, giving
 * back segments to send and the next timer deadline. No syscalls, no clocks
 * read, no globals: the caller (the event loop over AF_PACKET, or a unit
 * test) owns time and I/O.
 *
 * Also implemented: window scaling, timestamps and PAWS (RFC 7323), SACK
 * both ways (RFC 2018, loss recovery after RFC 6675), RTO (RFC 6298),
 * NewReno (RFC 5681, 6582) or CUBIC (RFC 9438), delayed ACKs (RFC 1122),
 * zero-window probes, RST/SYN/ACK validation (RFC 5961), ISNs (RFC 6528).
 *
 * Typical use:
 *     struct rn_tcb tcb;
 *     rn_tcb_config_default(&cfg);  cfg.mss = rn_tcp_mss_for_mtu(1500, AF_INET);
 *     rn_tcb_init(&tcb, &cfg, &endpoints, secret, &ops, ctx);
 *     rn_tcb_connect(&tcb, now);                 -- ops.output() sends the SYN
 *     loop: wait for a frame or rn_tcb_next_timer(&tcb);
 *           parse it into struct rn_tcp_seg;  rn_tcb_input(&tcb, &seg, now);
 *           rn_tcb_timer(&tcb, now);
 *           rn_tcb_poll(&tcb) -> rn_tcb_read()/rn_tcb_write()/rn_tcb_shutdown()
 *     rn_tcb_destroy(&tcb) once rn_tcb_state() is RN_TCP_CLOSED.
 *
 * All times are microseconds (uint64_t) from any monotonic origin > 0.
 */
#ifndef RAWNET_TCB_H
#define RAWNET_TCB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rawnet/tcp.h"
#include "rawnet/view.h"

/* RFC 9293 §3.3.2 states. */
enum rn_tcp_state {
	RN_TCP_CLOSED = 0,
	RN_TCP_LISTEN,
	RN_TCP_SYN_SENT,
	RN_TCP_SYN_RECEIVED,
	RN_TCP_ESTABLISHED,
	RN_TCP_FIN_WAIT_1,
	RN_TCP_FIN_WAIT_2,
	RN_TCP_CLOSE_WAIT,
	RN_TCP_CLOSING,
	RN_TCP_LAST_ACK,
	RN_TCP_TIME_WAIT,
};

/* "SYN-SENT", "ESTABLISHED", ... as the RFC spells them. */
const char *rn_tcp_state_name(enum rn_tcp_state s);

/* One segment in either direction. Input: the glue fills hdr with
 * rn_tcp_parse(), opts with rn_tcp_opts_decode(), payload from the parse.
 * Output: hdr is complete (ports, seq, ack, flags, window and the encoded
 * option bytes in hdr.opts/opt_len, checksum left to rn_tcp_emit() with the
 * pseudo-header); opts holds the same options decoded (for tracing);
 * payload points into the send buffer and is valid only during the output
 * callback. */
struct rn_tcp_seg {
	struct rn_tcp hdr;
	struct rn_tcp_opts opts;
	struct rn_view payload;
};

/* Sequence space a segment occupies: payload + SYN + FIN. */
uint32_t rn_tcp_seg_len(const struct rn_tcp_seg *seg);

enum rn_tcb_cc {
	RN_TCB_CC_NEWRENO = 0, /* RFC 5681 + RFC 6582 */
	RN_TCB_CC_CUBIC,       /* RFC 9438 */
};

/* Tunables; rn_tcb_config_default() gives the values in brackets. */
struct rn_tcb_config {
	uint16_t mss;               /* MSS we announce and send at most [1460] */
	uint32_t sndbuf_size;       /* send buffer bytes [256 KiB], <= 64 MiB */
	uint32_t rcvbuf_size;       /* receive buffer bytes [256 KiB], <= 64 MiB */
	void *sndbuf, *rcvbuf;      /* caller's buffers of those sizes; NULL: allocated */
	bool wscale;                /* offer window scaling [true] */
	bool timestamps;            /* offer timestamps [true] */
	bool sack;                  /* offer SACK [true] */
	bool nodelay;               /* no Nagle [false] */
	enum rn_tcb_cc cc;          /* [RN_TCB_CC_NEWRENO] */
	uint32_t initial_cwnd;      /* in segments [10] (RFC 6928) */
	uint64_t rto_initial_us;    /* [1 s] */
	uint64_t rto_min_us;        /* [200 ms] */
	uint64_t rto_max_us;        /* [60 s] */
	uint64_t delack_us;         /* delayed-ACK timer [40 ms] */
	uint64_t time_wait_us;      /* TIME-WAIT length (2 MSL) [1 s] */
	uint64_t fin_wait2_us;      /* FIN-WAIT-2 limit after rn_tcb_close() [60 s]; 0: none */
	uint64_t connect_timeout_us;/* SYN-SENT/SYN-RECEIVED give up [30 s]; 0: syn_retries only */
	uint64_t user_timeout_us;   /* unacked data older than this: RN_ETIMEOUT [0: off] */
	unsigned syn_retries;       /* SYN retransmissions before RN_ETIMEOUT [6] */
	unsigned max_retries;       /* consecutive RTOs before RN_ETIMEOUT [15] */
	unsigned challenge_ack_limit; /* challenge ACKs per second (RFC 5961 §7) [10] */
};

void rn_tcb_config_default(struct rn_tcb_config *cfg);

/* The MSS for an MTU: mtu - 40 (IPv4) or mtu - 60 (IPv6). */
uint16_t rn_tcp_mss_for_mtu(unsigned mtu, int family);

/* The connection's addresses; they only feed the ISN and timestamp-offset
 * hashes. Ports go into every segment sent. For a listening tcb set raddr
 * (and the machine takes rport from the SYN) before passing it the SYN. */
struct rn_tcb_endpoints {
	int family;                 /* AF_INET or AF_INET6 */
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
};

/* RFC 6528 ISN: M + F(addresses, ports, secret), M a 4-µs clock, F SipHash-2-4. */
uint32_t rn_tcp_isn(const uint8_t secret[16], const struct rn_tcb_endpoints *ep, uint64_t now_us);

struct rn_tcb;

/* Callbacks. output() gets each segment to send; return 0 when it went out
 * (or was queued), negative when the device is full: the machine then stops
 * this round and the segment is not counted as sent; call rn_tcb_output()
 * when there is room again (a timer retries anyway). state_change() (may be
 * NULL) reports every transition, e.g. for a trace. Callbacks must not call
 * back into the tcb. */
struct rn_tcb_ops {
	int (*output)(void *ctx, struct rn_tcb *tcb, const struct rn_tcp_seg *seg);
	void (*state_change)(void *ctx, struct rn_tcb *tcb, enum rn_tcp_state from,
			     enum rn_tcp_state to);
};

/* Counters for traces and tests. */
struct rn_tcb_stats {
	uint64_t segs_in, segs_out, bytes_in, bytes_out;
	uint64_t retransmits;       /* segments sent again (any reason) */
	uint64_t rtos;              /* retransmission timeouts */
	uint64_t fast_recoveries;   /* entries into fast recovery */
	uint64_t dupacks_in;
	uint64_t ooo_segs;          /* out-of-order segments kept */
	uint64_t drops;             /* segments dropped (any reason) */
	uint64_t paws_drops;
	uint64_t challenge_acks;
	uint64_t probes;            /* zero-window probes */
};

/* Internal pieces, public only so struct rn_tcb can live on the caller's side. */
#define RN_TCB_MAX_RANGES 64

struct rn_tcp_rangeset {        /* sorted, disjoint, non-touching [left, right) */
	uint8_t n;
	struct rn_tcp_sack_block r[RN_TCB_MAX_RANGES];
};

struct rn_tcb_ring {
	uint8_t *buf;
	uint32_t cap, head, len;
	bool owned;
};

struct rn_tcp_rtt {
	uint64_t srtt, rttvar, rto; /* µs */
	bool has_sample;
	unsigned backoff;           /* RTO doublings since the last sample */
	bool timing;                /* a segment is being timed (Karn) */
	uint32_t timed_end;         /* ACK >= this ends the measurement */
	uint64_t timed_at;
};

struct rn_tcp_cc_state {
	uint32_t cwnd, ssthresh;    /* bytes */
	uint32_t ca_acked;          /* congestion avoidance byte counter */
	/* CUBIC */
	double w_max, w_last_max, k, w_est; /* segments */
	uint64_t epoch_start;
};

/* One connection. Treat every field as private; use the functions below. */
struct rn_tcb {
	enum rn_tcp_state state;
	int error;                  /* 0 or -RN_ERESET / -RN_ETIMEOUT */
	struct rn_tcb_config cfg;
	struct rn_tcb_endpoints ep;
	const struct rn_tcb_ops *ops;
	void *ctx;
	uint8_t secret[16];
	bool passive, was_established, app_closed, fin_queued, fin_sent, fin_rcvd;
	bool syn_pending, ack_now, rcv_fin_known, in_recovery, ws_ok, ts_ok, sack_ok;
	bool ts_recent_valid, force_rexmit;

	/* send sequence space (RFC 9293 §3.3.1); snd_max is the highest sent + 1 */
	uint32_t iss, snd_una, snd_max, snd_wl1, snd_wl2, fin_seq;
	uint32_t snd_wnd, max_snd_wnd;
	uint32_t snd_buf_seq;       /* sequence number of the send buffer's first byte */
	uint16_t mss_limit;         /* min(peer's MSS, ours): bytes incl. options */
	uint16_t snd_mss;           /* mss_limit minus the timestamp option */
	uint8_t snd_wscale, rcv_wscale;

	/* receive sequence space */
	uint32_t irs, rcv_nxt, rcv_adv, last_ack_sent, rcv_fin_seq;
	uint32_t ts_recent, ts_offset;
	uint64_t ts_recent_at;
	struct rn_tcp_rangeset ooo;   /* out-of-order data held in rcv beyond rcv_nxt */
	uint32_t sack_recent[4];      /* left edges of recently changed blocks, newest first */
	uint8_t nsack_recent;
	unsigned ack_pending;         /* segments received but not yet ACKed */

	struct rn_tcb_ring snd, rcv;

	/* loss recovery (RFC 6675 style scoreboard) */
	struct rn_tcp_rangeset sacked;
	uint32_t lost_high;         /* unsacked bytes below are deemed lost */
	uint32_t rexmit_high;       /* unsacked bytes below were retransmitted */
	uint32_t recover;           /* RFC 6582 */
	unsigned dupacks;

	struct rn_tcp_cc_state cc;
	struct rn_tcp_rtt rtt;

	/* timers: absolute deadlines in µs, 0 when off */
	uint64_t t_rexmit, t_persist, t_delack, t_timewait, t_connect;
	unsigned retries, persist_backoff;
	uint64_t una_since;         /* when snd_una last moved (user timeout) */
	uint64_t challenge_window;
	unsigned challenge_count;

	struct rn_tcb_stats stats;
};

/* Sets up a CLOSED tcb: copies cfg, ep and the 16-byte ISN secret,
 * allocates the buffers unless cfg gives them. -RN_EINVAL on bad sizes,
 * -ENOMEM. */
int rn_tcb_init(struct rn_tcb *tcb, const struct rn_tcb_config *cfg,
		const struct rn_tcb_endpoints *ep, const uint8_t secret[16],
		const struct rn_tcb_ops *ops, void *ctx);

/* Frees the buffers the tcb allocated. Does not send anything. */
void rn_tcb_destroy(struct rn_tcb *tcb);

/* Active open: CLOSED -> SYN-SENT, sends the SYN. -RN_EINVAL unless CLOSED. */
int rn_tcb_connect(struct rn_tcb *tcb, uint64_t now);

/* Passive open: CLOSED -> LISTEN; the first valid SYN makes it the connection. */
int rn_tcb_listen(struct rn_tcb *tcb);

/* A passive open completed by a SYN cookie (RFC 4987 §3.6): the listener
 * answered syn statelessly with a SYN-ACK of sequence number iss (and only
 * an MSS option), and ack is the peer's ACK of it. Sets the tcb (CLOSED)
 * up as if it had sent that SYN-ACK, with the options the SYN-ACK offered
 * (no window scaling, timestamps or SACK), and feeds it ack: the result is
 * ESTABLISHED (state changes CLOSED -> LISTEN -> SYN-RECEIVED -> ...).
 * -RN_EINVAL unless CLOSED and never used. */
int rn_tcb_accept_cookie(struct rn_tcb *tcb, uint32_t iss, const struct rn_tcp_seg *syn,
			 const struct rn_tcp_seg *ack, uint64_t now);

/* One arriving segment (already checksummed and matched to this tcb's ports).
 * Returns 0 (also for dropped segments: see stats), -RN_EINVAL on bad args. */
int rn_tcb_input(struct rn_tcb *tcb, const struct rn_tcp_seg *seg, uint64_t now);

/* Runs the timers due at now (retransmission, persist, delayed ACK,
 * TIME-WAIT, connect timeout). Safe to call at any time. */
int rn_tcb_timer(struct rn_tcb *tcb, uint64_t now);

/* The earliest timer deadline, or UINT64_MAX when none is armed. */
uint64_t rn_tcb_next_timer(const struct rn_tcb *tcb);

/* Sends whatever the windows allow now (after output() refused earlier). */
int rn_tcb_output(struct rn_tcb *tcb, uint64_t now);

/* Copies up to len bytes into the send buffer and sends what it can.
 * Returns the bytes accepted (0 when the buffer is full), the connection's
 * error, or -RN_ECLOSED after shutdown/close, -RN_EINVAL before connect. */
ssize_t rn_tcb_write(struct rn_tcb *tcb, const void *buf, size_t len, uint64_t now);

/* Takes up to len in-order bytes. Returns the count, 0 at end of stream
 * (the peer's FIN and nothing left), -EAGAIN when nothing is there yet,
 * the connection's error, or -RN_ECLOSED after close. May send a window update. */
ssize_t rn_tcb_read(struct rn_tcb *tcb, void *buf, size_t len, uint64_t now);

/* Half-close: a FIN follows the queued data; reading goes on. */
int rn_tcb_shutdown(struct rn_tcb *tcb, uint64_t now);

/* Full close: shutdown and stop reading. Unread data (or data arriving
 * later) resets the connection instead (RFC 2525 §2.17). */
int rn_tcb_close(struct rn_tcb *tcb, uint64_t now);

/* Sends a RST when synchronized and goes to CLOSED at once. */
int rn_tcb_abort(struct rn_tcb *tcb, uint64_t now);

/* rn_tcb_poll() bits. */
#define RN_TCB_READABLE  0x01  /* read() will not return -EAGAIN */
#define RN_TCB_WRITABLE  0x02  /* write() will accept bytes (or report an error) */
#define RN_TCB_EOF       0x04  /* the peer's FIN arrived */
#define RN_TCB_CONNECTED 0x08  /* reached ESTABLISHED at some point */
#define RN_TCB_SENT      0x10  /* everything written (and our FIN) is acknowledged */
#define RN_TCB_CLOSED    0x20  /* CLOSED or TIME-WAIT: nothing more to exchange */
#define RN_TCB_ERROR     0x40  /* reset or timed out: rn_tcb_error() */

unsigned rn_tcb_poll(const struct rn_tcb *tcb);

/* 0, -RN_ERESET or -RN_ETIMEOUT. */
int rn_tcb_error(const struct rn_tcb *tcb);

enum rn_tcp_state rn_tcb_state(const struct rn_tcb *tcb);

/* Bytes readable now / bytes write() would accept now. */
size_t rn_tcb_readable(const struct rn_tcb *tcb);
size_t rn_tcb_writable(const struct rn_tcb *tcb);

/* The current smoothed RTT, RTO and congestion window, for traces. */
uint64_t rn_tcb_srtt(const struct rn_tcb *tcb);
uint64_t rn_tcb_rto(const struct rn_tcb *tcb);
uint32_t rn_tcb_cwnd(const struct rn_tcb *tcb);

/* The RST answering a segment that matches no connection (RFC 9293
 * §3.10.7.1). Fills *rst (ports swapped) and returns 1, or returns 0 when
 * no RST is due (the segment is itself a RST). */
int rn_tcp_reset_for(const struct rn_tcp_seg *in, struct rn_tcp_seg *rst);

#endif
