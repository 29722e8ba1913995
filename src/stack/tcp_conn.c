/* The TCP connection state machine, organised as RFC 9293 §3.10 (event
 * processing): OPEN/SEND/RECEIVE/CLOSE/ABORT calls, SEGMENT ARRIVES per
 * state, and the timeouts. Read first: RFC 9293 §3.10.7, RFC 5961 (RST, SYN
 * and ACK validation), RFC 7323 (window scale, timestamps, PAWS), RFC 2018 +
 * RFC 6675 (SACK and loss recovery), RFC 5681 + RFC 6582 (fast retransmit,
 * NewReno), RFC 6298 (RTO), RFC 1122 §4.2.3 (delayed ACK, SWS avoidance).
 *
 * Pure code: the caller supplies every segment and the time and receives the
 * segments to send through ops->output(). Sequence numbers compare modulo
 * 2^32. The send buffer holds unacknowledged and unsent bytes starting at
 * snd_buf_seq; the receive buffer holds in-order unread bytes followed by
 * the receive window, in which out-of-order data waits at its offset.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/tcb.h"
#include "stack/tcp_int.h"

#define TS_OPTLEN 12                               /* NOP NOP TS */
#define PAWS_IDLE_US (24ULL * 24 * 3600 * 1000000) /* RFC 7323 §5.5: 24 days */
#define MAX_BUF (64u << 20)
#define MIN_MSS 64

static const char *const state_names[] = {
	[RN_TCP_CLOSED] = "CLOSED",
	[RN_TCP_LISTEN] = "LISTEN",
	[RN_TCP_SYN_SENT] = "SYN-SENT",
	[RN_TCP_SYN_RECEIVED] = "SYN-RECEIVED",
	[RN_TCP_ESTABLISHED] = "ESTABLISHED",
	[RN_TCP_FIN_WAIT_1] = "FIN-WAIT-1",
	[RN_TCP_FIN_WAIT_2] = "FIN-WAIT-2",
	[RN_TCP_CLOSE_WAIT] = "CLOSE-WAIT",
	[RN_TCP_CLOSING] = "CLOSING",
	[RN_TCP_LAST_ACK] = "LAST-ACK",
	[RN_TCP_TIME_WAIT] = "TIME-WAIT",
};

const char *rn_tcp_state_name(enum rn_tcp_state s)
{
	if ((unsigned)s < sizeof state_names / sizeof state_names[0])
		return state_names[s];
	return "?";
}

uint32_t rn_tcp_seg_len(const struct rn_tcp_seg *seg)
{
	return (uint32_t)seg->payload.len + !!(seg->hdr.flags & RN_TCP_SYN) +
	       !!(seg->hdr.flags & RN_TCP_FIN);
}

void rn_tcb_config_default(struct rn_tcb_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->mss = 1460;
	cfg->sndbuf_size = 256 * 1024;
	cfg->rcvbuf_size = 256 * 1024;
	cfg->wscale = cfg->timestamps = cfg->sack = true;
	cfg->cc = RN_TCB_CC_NEWRENO;
	cfg->initial_cwnd = 10;
	cfg->rto_initial_us = 1000000;
	cfg->rto_min_us = 200000;
	cfg->rto_max_us = 60000000;
	cfg->delack_us = 40000;
	cfg->time_wait_us = 1000000;
	cfg->fin_wait2_us = 60000000;
	cfg->connect_timeout_us = 30000000;
	cfg->syn_retries = 6;
	cfg->max_retries = 15;
	cfg->challenge_ack_limit = 10;
}

uint16_t rn_tcp_mss_for_mtu(unsigned mtu, int family)
{
	unsigned hdrs = 20 + (family == AF_INET6 ? 40 : 20);
	if (mtu > 65535)
		mtu = 65535; /* lo's 65536: IP lengths are 16 bits */
	if (mtu < hdrs + MIN_MSS)
		return MIN_MSS;
	return (uint16_t)(mtu - hdrs > 65535 ? 65535 : mtu - hdrs);
}

static uint32_t umin(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* x clamped into [lo, hi] in sequence space. */
static uint32_t seq_clamp(uint32_t x, uint32_t lo, uint32_t hi)
{
	if (rn_seq_lt(x, lo))
		return lo;
	if (rn_seq_gt(x, hi))
		return hi;
	return x;
}

static void set_state(struct rn_tcb *t, enum rn_tcp_state s)
{
	enum rn_tcp_state old = t->state;
	if (old == s)
		return;
	t->state = s;
	if (s == RN_TCP_ESTABLISHED)
		t->was_established = true;
	if (t->ops && t->ops->state_change)
		t->ops->state_change(t->ctx, t, old, s);
}

static void stop_timers(struct rn_tcb *t)
{
	t->t_rexmit = t->t_persist = t->t_delack = t->t_timewait = t->t_connect = 0;
}

static void to_closed(struct rn_tcb *t)
{
	stop_timers(t);
	t->syn_pending = t->ack_now = false;
	set_state(t, RN_TCP_CLOSED);
}

static void fail(struct rn_tcb *t, int err)
{
	t->error = err;
	to_closed(t);
}

static void enter_time_wait(struct rn_tcb *t, uint64_t now)
{
	stop_timers(t);
	t->t_timewait = now + t->cfg.time_wait_us;
	set_state(t, RN_TCP_TIME_WAIT);
}

/* A passive open that failed goes back to LISTEN with fresh variables. */
static void back_to_listen(struct rn_tcb *t)
{
	struct rn_tcb keep = *t;
	memset(t, 0, sizeof *t);
	t->cfg = keep.cfg;
	t->ep = keep.ep;
	t->ep.rport = 0;
	memset(t->ep.raddr, 0, sizeof t->ep.raddr);
	t->ops = keep.ops;
	t->ctx = keep.ctx;
	memcpy(t->secret, keep.secret, sizeof t->secret);
	t->snd = keep.snd;
	t->rcv = keep.rcv;
	t->snd.head = t->snd.len = t->rcv.head = t->rcv.len = 0;
	t->stats = keep.stats;
	t->rcv_wscale = keep.cfg.wscale ? keep.rcv_wscale : 0;
	t->state = keep.state;
	set_state(t, RN_TCP_LISTEN);
}

static uint32_t ts_now(const struct rn_tcb *t, uint64_t now)
{
	return (uint32_t)(now / 1000) + t->ts_offset;
}

static uint32_t data_end(const struct rn_tcb *t)
{
	return t->snd_buf_seq + t->snd.len;
}

/* The end of what we have to send in sequence space, FIN included. */
static uint32_t send_end(const struct rn_tcb *t)
{
	return data_end(t) + (t->fin_queued ? 1 : 0);
}

static uint32_t rcv_space(const struct rn_tcb *t)
{
	return t->rcv.cap - t->rcv.len;
}

/* The window to offer: free space, but with receiver-side SWS avoidance
 * (RFC 1122 §4.2.3.3): the right edge moves only by at least
 * min(buffer/2, MSS), and it never moves left. */
static uint32_t rcv_window(const struct rn_tcb *t)
{
	uint32_t space = rcv_space(t);
	uint32_t cur = rn_seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
	if (cur > space)
		cur = space;
	uint32_t sws = umin(t->rcv.cap / 2, t->cfg.mss);
	if (space > cur && space - cur < sws)
		return cur;
	return space;
}

static unsigned sack_blocks_max(const struct rn_tcb *t)
{
	return t->ts_ok ? 3 : 4;
}

/* Option bytes of a non-SYN segment (timestamps, SACK blocks). */
static uint32_t data_optlen(const struct rn_tcb *t)
{
	uint32_t n = t->ts_ok ? TS_OPTLEN : 0;
	if (t->sack_ok && t->ooo.n)
		n += 4 + 8 * umin(t->ooo.n, sack_blocks_max(t));
	return n;
}

/* SACK blocks, the most recently changed first (RFC 2018 §4), then the rest
 * from the highest down. */
static uint8_t fill_sack(const struct rn_tcb *t, struct rn_tcp_sack_block *out, unsigned max)
{
	int used[RN_TCB_MAX_RANGES] = { 0 };
	uint8_t n = 0;
	for (unsigned i = 0; i < t->nsack_recent && n < max; i++) {
		int k = rn_ranges_find(&t->ooo, t->sack_recent[i]);
		if (k < 0 || used[k])
			continue;
		used[k] = 1;
		out[n++] = t->ooo.r[k];
	}
	for (int k = (int)t->ooo.n - 1; k >= 0 && n < max; k--) {
		if (used[k])
			continue;
		used[k] = 1;
		out[n++] = t->ooo.r[k];
	}
	return n;
}

static void note_recent_block(struct rn_tcb *t, uint32_t seq)
{
	int k = rn_ranges_find(&t->ooo, seq);
	unsigned j = 0;
	uint32_t keep[4];
	keep[j++] = seq;
	for (unsigned i = 0; i < t->nsack_recent && j < 4; i++) {
		int m = rn_ranges_find(&t->ooo, t->sack_recent[i]);
		if (m >= 0 && m != k)
			keep[j++] = t->sack_recent[i];
	}
	memcpy(t->sack_recent, keep, sizeof keep);
	t->nsack_recent = (uint8_t)j;
}

/* Builds one segment and hands it to ops->output(). On success updates what
 * an ACK changes (RCV.ADV, Last.ACK.sent, pending delayed ACKs). Returns 0,
 * or -EAGAIN when the output refused it. */
static int emit(struct rn_tcb *t, uint32_t seq, uint16_t flags, const uint8_t *data, uint32_t len,
		uint64_t now)
{
	struct rn_tcp_seg s;
	struct rn_tcp_opts *o = &s.opts;
	memset(&s, 0, sizeof s);
	s.hdr.sport = t->ep.lport;
	s.hdr.dport = t->ep.rport;
	s.hdr.seq = seq;
	s.hdr.flags = flags;
	bool syn = flags & RN_TCP_SYN;
	if (flags & RN_TCP_ACK)
		s.hdr.ack = t->rcv_nxt;
	uint32_t field = 0;
	if (!(flags & RN_TCP_RST)) {
		uint32_t wnd = rcv_window(t);
		field = syn ? umin(wnd, 65535) : umin(wnd >> t->rcv_wscale, 65535);
	}
	s.hdr.window = (uint16_t)field;

	if (syn) {
		bool synack = flags & RN_TCP_ACK;
		o->has_mss = true;
		o->mss = t->cfg.mss;
		o->has_wscale = synack ? t->ws_ok : t->cfg.wscale;
		o->wscale = t->rcv_wscale;
		o->sack_perm = synack ? t->sack_ok : t->cfg.sack;
		o->has_ts = synack ? t->ts_ok : t->cfg.timestamps;
		o->ts_val = ts_now(t, now);
		o->ts_ecr = synack ? t->ts_recent : 0;
	} else if (!(flags & RN_TCP_RST)) {
		if (t->ts_ok) {
			o->has_ts = true;
			o->ts_val = ts_now(t, now);
			o->ts_ecr = t->ts_recent;
		}
		if (t->sack_ok && t->ooo.n)
			o->nsack = fill_sack(t, o->sack, sack_blocks_max(t));
	}
	int olen = rn_tcp_opts_encode(o, s.hdr.opts);
	s.hdr.opt_len = (uint8_t)(olen > 0 ? olen : 0);
	s.payload = rn_view_make(data, len);

	if (t->ops->output(t->ctx, t, &s) < 0)
		return -EAGAIN;
	t->stats.segs_out++;
	t->stats.bytes_out += len;
	if (flags & RN_TCP_ACK) {
		t->last_ack_sent = t->rcv_nxt;
		t->rcv_adv = t->rcv_nxt + (syn ? field : field << t->rcv_wscale);
		t->ack_pending = 0;
		t->ack_now = false;
		t->t_delack = 0;
	}
	return 0;
}

/* Sends a RST for a segment that has no place here (bad ACK in LISTEN or
 * SYN-SENT, or no connection), RFC 9293 §3.10.7.1-3. */
static void reply_rst(struct rn_tcb *t, const struct rn_tcp_seg *in)
{
	struct rn_tcp_seg rst;
	if (rn_tcp_reset_for(in, &rst) && t->ops->output(t->ctx, t, &rst) == 0)
		t->stats.segs_out++;
}

int rn_tcp_reset_for(const struct rn_tcp_seg *in, struct rn_tcp_seg *rst)
{
	if (in->hdr.flags & RN_TCP_RST)
		return 0;
	memset(rst, 0, sizeof *rst);
	rst->hdr.sport = in->hdr.dport;
	rst->hdr.dport = in->hdr.sport;
	if (in->hdr.flags & RN_TCP_ACK) {
		rst->hdr.seq = in->hdr.ack;
		rst->hdr.flags = RN_TCP_RST;
	} else {
		rst->hdr.seq = 0;
		rst->hdr.ack = in->hdr.seq + rn_tcp_seg_len(in);
		rst->hdr.flags = RN_TCP_RST | RN_TCP_ACK;
	}
	rst->payload = rn_view_make(NULL, 0);
	return 1;
}

static uint64_t rto(const struct rn_tcb *t)
{
	return rn_rtt_rto(&t->rtt, &t->cfg);
}

/* RFC 6675 "pipe": unsacked bytes not deemed lost, plus lost bytes that were
 * retransmitted. */
static uint32_t pipe_bytes(const struct rn_tcb *t)
{
	uint32_t una = t->snd_una, max = t->snd_max;
	uint32_t lh = seq_clamp(t->lost_high, una, max);
	uint32_t rh = seq_clamp(t->rexmit_high, una, lh);
	return (max - lh) - rn_ranges_covered(&t->sacked, lh, max) + (rh - una) -
	       rn_ranges_covered(&t->sacked, una, rh);
}

/* Sends one segment at seq of at most maxlen sequence numbers (data and
 * perhaps the FIN). *used gets what it covered (0: nothing to send). */
static int send_range(struct rn_tcb *t, uint32_t seq, uint32_t maxlen, uint64_t now,
		      uint32_t *used)
{
	uint32_t dend = data_end(t), dlen = 0;
	const uint8_t *p = NULL;
	*used = 0;
	if (rn_seq_lt(seq, dend)) {
		uint32_t contig;
		uint32_t plimit = t->mss_limit - data_optlen(t);
		p = rn_ring_ptr(&t->snd, seq - t->snd_buf_seq, &contig);
		dlen = umin(umin(dend - seq, maxlen), umin(plimit, contig));
	}
	bool fin = t->fin_queued && seq + dlen == t->fin_seq && dlen < maxlen;
	if (!dlen && !fin)
		return 0;
	uint16_t flags = RN_TCP_ACK;
	if (fin)
		flags |= RN_TCP_FIN;
	if (dlen && seq + dlen == dend)
		flags |= RN_TCP_PSH;
	if (emit(t, seq, flags, p, dlen, now) < 0)
		return -EAGAIN;
	if (fin)
		t->fin_sent = true;
	*used = dlen + fin;
	return 0;
}

/* Data, retransmissions and the FIN, as far as cwnd, the peer's window and
 * Nagle allow. Retransmissions of holes deemed lost come first (RFC 6675
 * NextSeg rule 1), then new data. Returns -EAGAIN when output refused. */
static int output_data(struct rn_tcb *t, uint64_t now)
{
	uint32_t inflight = pipe_bytes(t);
	uint32_t cwnd = t->cc.cwnd;
	if (!t->in_recovery && t->dupacks > 0 && t->dupacks < 3)
		cwnd += t->dupacks * t->snd_mss; /* limited transmit, RFC 3042 */

	for (unsigned guard = 0; guard < 1u << 20; guard++) {
		if (inflight >= cwnd && !t->force_rexmit)
			break;
		uint32_t used;
		/* 1. The first lost, unsacked, not yet retransmitted byte. */
		uint32_t s = seq_clamp(t->rexmit_high, t->snd_una, t->snd_max);
		for (int k; (k = rn_ranges_find(&t->sacked, s)) >= 0;)
			s = t->sacked.r[k].right;
		uint32_t lim = seq_clamp(t->lost_high, t->snd_una, t->snd_max);
		if (rn_seq_lt(s, lim)) {
			lim = rn_ranges_next_left(&t->sacked, s, lim);
			if (send_range(t, s, lim - s, now, &used) < 0)
				return -EAGAIN;
			if (!used)
				break;
			t->rexmit_high = s + used;
			t->force_rexmit = false;
			t->stats.retransmits++;
			t->rtt.timing = false; /* Karn */
			inflight += used;
			if (!t->t_rexmit)
				t->t_rexmit = now + rto(t);
			continue;
		}
		/* 2. New data (and the FIN). */
		t->force_rexmit = false;
		if (inflight >= cwnd)
			break;
		if (!rn_seq_lt(t->snd_max, send_end(t)))
			break;
		uint32_t dav = rn_seq_lt(t->snd_max, data_end(t)) ? data_end(t) - t->snd_max : 0;
		uint32_t right = t->snd_una + t->snd_wnd;
		uint32_t room = rn_seq_gt(right, t->snd_max) ? right - t->snd_max : 0;
		uint32_t maxlen;
		if (dav) {
			if (!room)
				break; /* zero window: the persist timer takes over */
			uint32_t len = umin(dav, room);
			uint32_t plimit = t->mss_limit - data_optlen(t);
			bool fin_too = t->fin_queued && len == dav;
			/* Nagle (RFC 1122 §4.2.3.4), and no window-limited runts
			 * while data is in flight (sender SWS avoidance). */
			if (len < plimit && t->snd_max != t->snd_una && !fin_too &&
			    (!t->cfg.nodelay || len < dav))
				break;
			maxlen = len + (fin_too ? 1 : 0);
		} else {
			maxlen = 1; /* the FIN alone */
		}
		if (send_range(t, t->snd_max, maxlen, now, &used) < 0)
			return -EAGAIN;
		if (!used)
			break;
		if (!t->rtt.timing) {
			t->rtt.timing = true;
			t->rtt.timed_end = t->snd_max + used;
			t->rtt.timed_at = now;
		}
		if (t->snd_una == t->snd_max)
			t->una_since = now;
		t->snd_max += used;
		inflight += used;
		if (!t->t_rexmit)
			t->t_rexmit = now + rto(t);
	}
	return 0;
}

static void send_syn(struct rn_tcb *t, uint64_t now)
{
	uint16_t flags = t->state == RN_TCP_SYN_SENT ? RN_TCP_SYN : RN_TCP_SYN | RN_TCP_ACK;
	bool restart = t->syn_pending || !t->t_rexmit;
	if (emit(t, t->iss, flags, NULL, 0, now) < 0) {
		if (!t->t_rexmit)
			t->t_rexmit = now + rto(t);
		return;
	}
	if (t->retries)
		t->stats.retransmits++;
	t->syn_pending = false;
	t->snd_max = t->iss + 1;
	if (t->retries == 0 && !t->rtt.timing) {
		t->rtt.timing = true;
		t->rtt.timed_end = t->iss + 1;
		t->rtt.timed_at = now;
	}
	if (restart)
		t->t_rexmit = now + rto(t);
}

static uint64_t persist_interval(const struct rn_tcb *t)
{
	struct rn_tcp_rtt r = t->rtt;
	r.backoff += t->persist_backoff;
	return rn_rtt_rto(&r, &t->cfg);
}

/* Sends what the state and windows allow: SYN/SYN-ACK, data, FIN, and a
 * pure ACK when one is owed and nothing else carried it. */
static void tcp_output(struct rn_tcb *t, uint64_t now)
{
	switch (t->state) {
	case RN_TCP_CLOSED:
	case RN_TCP_LISTEN:
		return;
	case RN_TCP_SYN_SENT:
		if (t->syn_pending)
			send_syn(t, now);
		return;
	case RN_TCP_SYN_RECEIVED:
		if (t->syn_pending || t->ack_now)
			send_syn(t, now);
		return;
	case RN_TCP_TIME_WAIT:
		if (t->ack_now)
			emit(t, t->snd_max, RN_TCP_ACK, NULL, 0, now);
		return;
	default:
		break;
	}
	if (output_data(t, now) < 0) {
		if (!t->t_rexmit)
			t->t_rexmit = now + rto(t); /* retry the device later */
		return;
	}
	if (t->ack_now && emit(t, t->snd_max, RN_TCP_ACK, NULL, 0, now) < 0 && !t->t_delack)
		t->t_delack = now + t->cfg.delack_us;
	/* Zero window with data waiting and nothing in flight: probe. */
	if (t->snd_una == t->snd_max && rn_seq_lt(t->snd_max, data_end(t)) && t->snd_wnd == 0) {
		t->t_rexmit = 0;
		if (!t->t_persist)
			t->t_persist = now + persist_interval(t);
	}
}

int rn_tcb_init(struct rn_tcb *t, const struct rn_tcb_config *cfg,
		const struct rn_tcb_endpoints *ep, const uint8_t secret[16],
		const struct rn_tcb_ops *ops, void *ctx)
{
	if (!t || !cfg || !ep || !secret || !ops || !ops->output)
		return -RN_EINVAL;
	if (cfg->mss < MIN_MSS || !cfg->sndbuf_size || !cfg->rcvbuf_size ||
	    cfg->sndbuf_size > MAX_BUF || cfg->rcvbuf_size > MAX_BUF || !cfg->rto_min_us ||
	    cfg->rto_min_us > cfg->rto_max_us)
		return -RN_EINVAL;
	memset(t, 0, sizeof *t);
	t->cfg = *cfg;
	t->ep = *ep;
	memcpy(t->secret, secret, sizeof t->secret);
	t->ops = ops;
	t->ctx = ctx;
	int r = rn_ring_init(&t->snd, cfg->sndbuf, cfg->sndbuf_size);
	if (r < 0)
		return r;
	r = rn_ring_init(&t->rcv, cfg->rcvbuf, cfg->rcvbuf_size);
	if (r < 0) {
		rn_ring_free(&t->snd);
		return r;
	}
	if (cfg->wscale)
		while (t->rcv_wscale < 14 && (cfg->rcvbuf_size >> t->rcv_wscale) > 65535)
			t->rcv_wscale++;
	t->state = RN_TCP_CLOSED;
	return 0;
}

void rn_tcb_destroy(struct rn_tcb *t)
{
	if (!t)
		return;
	rn_ring_free(&t->snd);
	rn_ring_free(&t->rcv);
}

/* Send-side variables for a fresh ISS. */
static void init_send(struct rn_tcb *t, uint64_t now)
{
	t->iss = rn_tcp_isn(t->secret, &t->ep, now);
	t->ts_offset = rn_tcp_ts_offset(t->secret, &t->ep);
	t->snd_una = t->snd_max = t->iss;
	t->snd_buf_seq = t->iss + 1;
	t->lost_high = t->rexmit_high = t->recover = t->iss;
	t->mss_limit = t->cfg.mss;
	t->snd_mss = t->cfg.mss;
	rn_rtt_init(&t->rtt, &t->cfg);
	t->t_connect = t->cfg.connect_timeout_us ? now + t->cfg.connect_timeout_us : 0;
}

int rn_tcb_connect(struct rn_tcb *t, uint64_t now)
{
	if (!t || t->state != RN_TCP_CLOSED || t->was_established)
		return -RN_EINVAL;
	init_send(t, now);
	t->passive = false;
	t->syn_pending = true;
	set_state(t, RN_TCP_SYN_SENT);
	tcp_output(t, now);
	return 0;
}

int rn_tcb_listen(struct rn_tcb *t)
{
	if (!t || t->state != RN_TCP_CLOSED || t->was_established)
		return -RN_EINVAL;
	t->passive = true;
	set_state(t, RN_TCP_LISTEN);
	return 0;
}

/* Options of the peer's SYN (RFC 7323 §2.2, §3.2; RFC 2018 §2; RFC 9293 §3.7.1). */
static void take_syn_options(struct rn_tcb *t, const struct rn_tcp_seg *seg, uint64_t now)
{
	const struct rn_tcp_opts *o = &seg->opts;
	uint32_t peer = o->has_mss ? o->mss : (t->ep.family == AF_INET6 ? 1220 : 536);
	uint32_t lim = umin(peer, t->cfg.mss);
	t->mss_limit = (uint16_t)(lim < MIN_MSS ? MIN_MSS : lim);
	t->ws_ok = t->cfg.wscale && o->has_wscale;
	if (t->ws_ok) {
		t->snd_wscale = o->wscale > 14 ? 14 : o->wscale;
	} else {
		t->snd_wscale = 0;
		t->rcv_wscale = 0;
	}
	t->ts_ok = t->cfg.timestamps && o->has_ts;
	if (t->ts_ok) {
		t->ts_recent = o->ts_val;
		t->ts_recent_at = now;
		t->ts_recent_valid = true;
	}
	t->sack_ok = t->cfg.sack && o->sack_perm;
	t->snd_mss = (uint16_t)(t->mss_limit - (t->ts_ok ? TS_OPTLEN : 0));
	rn_cc_init(t);
}

static void take_syn(struct rn_tcb *t, const struct rn_tcp_seg *seg, uint64_t now)
{
	t->irs = seg->hdr.seq;
	t->rcv_nxt = t->rcv_adv = t->last_ack_sent = seg->hdr.seq + 1;
	t->snd_wnd = t->max_snd_wnd = seg->hdr.window; /* never scaled in a SYN */
	t->snd_wl1 = seg->hdr.seq;
	t->snd_wl2 = seg->hdr.ack;
	take_syn_options(t, seg, now);
}

/* The handshake is complete; a shutdown issued before takes effect now. */
static void established(struct rn_tcb *t)
{
	t->t_connect = 0;
	if (t->retries)
		rn_rtt_syn_lost(&t->rtt, &t->cfg); /* RFC 6298 (5.7) */
	t->retries = 0;
	set_state(t, RN_TCP_ESTABLISHED);
	if (t->fin_queued)
		set_state(t, RN_TCP_FIN_WAIT_1);
}

static void input_listen(struct rn_tcb *t, const struct rn_tcp_seg *seg, uint64_t now)
{
	uint16_t fl = seg->hdr.flags;
	if (fl & RN_TCP_RST)
		return;
	if (fl & RN_TCP_ACK) {
		reply_rst(t, seg);
		return;
	}
	if (!(fl & RN_TCP_SYN)) {
		t->stats.drops++;
		return;
	}
	t->ep.lport = seg->hdr.dport;
	t->ep.rport = seg->hdr.sport;
	init_send(t, now);
	take_syn(t, seg, now);
	t->syn_pending = true;
	set_state(t, RN_TCP_SYN_RECEIVED);
}

int rn_tcb_accept_cookie(struct rn_tcb *t, uint32_t iss, const struct rn_tcp_seg *syn,
			 const struct rn_tcp_seg *ack, uint64_t now)
{
	if (!t || !syn || !ack || t->state != RN_TCP_CLOSED || t->was_established)
		return -RN_EINVAL;
	struct rn_tcp_seg s = *syn;
	s.opts = (struct rn_tcp_opts){ .has_mss = syn->opts.has_mss, .mss = syn->opts.mss };
	t->passive = true;
	set_state(t, RN_TCP_LISTEN);
	t->ep.lport = s.hdr.dport;
	t->ep.rport = s.hdr.sport;
	init_send(t, now);
	t->iss = t->snd_una = iss;
	t->snd_buf_seq = iss + 1;
	t->lost_high = t->rexmit_high = t->recover = iss;
	t->snd_max = iss + 1;
	take_syn(t, &s, now);
	set_state(t, RN_TCP_SYN_RECEIVED);
	return rn_tcb_input(t, ack, now);
}

static void input_syn_sent(struct rn_tcb *t, const struct rn_tcp_seg *seg, uint64_t now)
{
	uint16_t fl = seg->hdr.flags;
	uint32_t ack = seg->hdr.ack;
	bool ack_ok = false;
	if (fl & RN_TCP_ACK) {
		if (rn_seq_le(ack, t->iss) || rn_seq_gt(ack, t->snd_max)) {
			t->stats.drops++;
			reply_rst(t, seg);
			return;
		}
		ack_ok = true;
	}
	if (fl & RN_TCP_RST) {
		/* RFC 5961 §3.2: acceptable only with an acceptable ACK. */
		if (ack_ok)
			fail(t, -RN_ERESET);
		else
			t->stats.drops++;
		return;
	}
	if (!(fl & RN_TCP_SYN)) {
		t->stats.drops++;
		return;
	}
	take_syn(t, seg, now);
	if (ack_ok) {
		t->snd_una = ack;
		if (t->rtt.timing && rn_seq_ge(ack, t->rtt.timed_end)) {
			rn_rtt_sample(&t->rtt, &t->cfg, now - t->rtt.timed_at);
			t->rtt.timing = false;
		}
		t->t_rexmit = 0;
		t->ack_now = true;
		established(t);
	} else {
		/* Simultaneous open (RFC 9293 Figure 8). */
		t->syn_pending = true;
		set_state(t, RN_TCP_SYN_RECEIVED);
	}
}

static bool seg_acceptable(uint32_t seq, uint32_t len, uint32_t rcv_nxt, uint32_t wnd)
{
	if (len == 0) {
		if (wnd == 0)
			return seq == rcv_nxt;
		return rn_seq_le(rcv_nxt, seq) && rn_seq_lt(seq, rcv_nxt + wnd);
	}
	if (wnd == 0)
		return seq == rcv_nxt; /* RFC 9293: still take its ACK, RST */
	uint32_t last = seq + len - 1;
	return (rn_seq_le(rcv_nxt, seq) && rn_seq_lt(seq, rcv_nxt + wnd)) ||
	       (rn_seq_le(rcv_nxt, last) && rn_seq_lt(last, rcv_nxt + wnd));
}

static void challenge_ack(struct rn_tcb *t, uint64_t now)
{
	if (now - t->challenge_window >= 1000000 || now < t->challenge_window) {
		t->challenge_window = now;
		t->challenge_count = 0;
	}
	if (t->challenge_count >= t->cfg.challenge_ack_limit)
		return;
	t->challenge_count++;
	t->stats.challenge_acks++;
	t->ack_now = true;
}

/* RFC 5961 §3.2: only a RST at exactly RCV.NXT resets; elsewhere in the
 * window it earns a challenge ACK; outside it is ignored. */
static void input_rst(struct rn_tcb *t, uint32_t seq, uint64_t now)
{
	uint32_t wnd = rcv_space(t);
	if (seq != t->rcv_nxt) {
		if (rn_seq_gt(seq, t->rcv_nxt) && rn_seq_lt(seq, t->rcv_nxt + wnd))
			challenge_ack(t, now);
		else
			t->stats.drops++;
		return;
	}
	switch (t->state) {
	case RN_TCP_SYN_RECEIVED:
		if (t->passive)
			back_to_listen(t);
		else
			fail(t, -RN_ERESET); /* connection refused */
		break;
	case RN_TCP_ESTABLISHED:
	case RN_TCP_FIN_WAIT_1:
	case RN_TCP_FIN_WAIT_2:
	case RN_TCP_CLOSE_WAIT:
		fail(t, -RN_ERESET);
		break;
	default: /* CLOSING, LAST-ACK, TIME-WAIT */
		to_closed(t);
		break;
	}
}

/* Sender's SACK scoreboard update (RFC 2018 §5, RFC 6675 §5). Returns true
 * when a block brought news. */
static bool take_sack(struct rn_tcb *t, const struct rn_tcp_opts *o)
{
	bool news = false;
	for (unsigned i = 0; i < o->nsack && i < 4; i++) {
		uint32_t l = o->sack[i].left, r = o->sack[i].right;
		if (!rn_seq_lt(l, r) || rn_seq_le(r, t->snd_una) || rn_seq_gt(r, t->snd_max))
			continue; /* D-SACK, stale or bogus */
		if (rn_seq_lt(l, t->snd_una))
			l = t->snd_una;
		if (rn_ranges_covered(&t->sacked, l, r) == r - l)
			continue;
		while (rn_ranges_add(&t->sacked, l, r) < 0)
			rn_ranges_drop_last(&t->sacked);
		news = true;
	}
	return news;
}

/* RFC 6675 IsLost(): unsacked bytes with more than 2 SMSS sacked above, or
 * 3 sacked blocks above, are lost. lost_high only grows. */
static void update_lost(struct rn_tcb *t)
{
	uint32_t sum = 0;
	for (int i = (int)t->sacked.n - 1; i >= 0; i--) {
		sum += t->sacked.r[i].right - t->sacked.r[i].left;
		if (sum > 2u * t->snd_mss || t->sacked.n - i >= 3) {
			if (rn_seq_gt(t->sacked.r[i].left, t->lost_high))
				t->lost_high = t->sacked.r[i].left;
			return;
		}
	}
}

static void maybe_enter_recovery(struct rn_tcb *t, uint64_t now)
{
	if (t->in_recovery || t->snd_una == t->snd_max)
		return;
	bool lost = t->dupacks >= 3 || (t->sack_ok && rn_seq_gt(t->lost_high, t->snd_una));
	if (!lost || rn_seq_lt(t->snd_una, t->recover))
		return; /* RFC 6582 §3.2 step 2: this window's losses are being repaired */
	t->in_recovery = true;
	t->recover = t->snd_max;
	t->stats.fast_recoveries++;
	rn_cc_on_loss(t, t->snd_max - t->snd_una, now);
	t->cc.cwnd = t->cc.ssthresh + (t->sack_ok ? 0 : 3u * t->snd_mss);
	uint32_t first = t->snd_una + umin(t->snd_mss, t->snd_max - t->snd_una);
	if (rn_seq_lt(t->lost_high, first))
		t->lost_high = first;
	t->rexmit_high = t->snd_una;
	t->force_rexmit = true; /* the first retransmission ignores cwnd (RFC 5681 §3.2 step 4) */
	t->rtt.timing = false;
}

/* SND.UNA moves to ack: free the acknowledged bytes, sample the RTT, restart
 * the timer (RFC 6298 5.2/5.3) and grow cwnd, or handle a partial or full
 * ACK in fast recovery (RFC 6582 §3.2 steps 3-4). */
static void ack_advance(struct rn_tcb *t, uint32_t ack, uint64_t now)
{
	uint32_t acked = ack - t->snd_una;
	if (rn_seq_le(t->snd_una, t->iss))
		acked--; /* the SYN */
	uint32_t upto = rn_seq_lt(ack, data_end(t)) ? ack : data_end(t);
	if (rn_seq_gt(upto, t->snd_buf_seq)) {
		rn_ring_consume(&t->snd, upto - t->snd_buf_seq);
		t->snd_buf_seq = upto;
		if (!t->snd.len)
			t->snd.head = 0;
	}
	t->snd_una = ack;
	rn_ranges_trim_below(&t->sacked, ack);
	if (rn_seq_lt(t->lost_high, ack))
		t->lost_high = ack;
	if (rn_seq_lt(t->rexmit_high, ack))
		t->rexmit_high = ack;
	t->retries = 0;
	t->una_since = now;
	if (t->rtt.timing && rn_seq_ge(ack, t->rtt.timed_end)) {
		rn_rtt_sample(&t->rtt, &t->cfg, now - t->rtt.timed_at);
		t->rtt.timing = false;
	}
	t->t_rexmit = t->snd_una == t->snd_max ? 0 : now + rto(t);

	if (t->in_recovery) {
		if (rn_seq_ge(ack, t->recover)) {
			t->in_recovery = false;
			t->cc.cwnd = t->cc.ssthresh;
		} else if (!t->sack_ok) {
			/* Partial ACK: retransmit the next segment, deflate. */
			uint32_t first = ack + umin(t->snd_mss, t->snd_max - ack);
			if (rn_seq_lt(t->lost_high, first))
				t->lost_high = first;
			t->force_rexmit = true;
			t->cc.cwnd = t->cc.cwnd > acked ? t->cc.cwnd - acked : 0;
			if (acked >= t->snd_mss)
				t->cc.cwnd += t->snd_mss;
		}
	} else {
		rn_cc_on_ack(t, acked, now);
	}
	if (!t->in_recovery && rn_seq_lt(t->recover, ack))
		t->recover = ack;
	t->dupacks = 0;
}

/* Our FIN was acknowledged: the next state (RFC 9293 §3.10.7.4, fifth). */
static void fin_acked(struct rn_tcb *t, uint64_t now)
{
	switch (t->state) {
	case RN_TCP_FIN_WAIT_1:
		t->t_rexmit = 0;
		set_state(t, RN_TCP_FIN_WAIT_2);
		if (t->app_closed && t->cfg.fin_wait2_us)
			t->t_timewait = now + t->cfg.fin_wait2_us; /* an orphan does not wait forever */
		break;
	case RN_TCP_CLOSING:
		enter_time_wait(t, now);
		break;
	case RN_TCP_LAST_ACK:
		to_closed(t);
		break;
	default:
		break;
	}
}

/* The ACK field in a synchronized state (RFC 9293 §3.10.7.4 fifth, RFC 5961
 * §5.2). Returns false when the segment is to be dropped. */
static bool input_ack(struct rn_tcb *t, const struct rn_tcp_seg *seg, uint32_t seq, uint32_t dlen,
		      uint64_t now)
{
	uint32_t ack = seg->hdr.ack;
	if (rn_seq_gt(ack, t->snd_max)) {
		t->stats.drops++;
		t->ack_now = true; /* it acks something not yet sent */
		return false;
	}
	if (rn_seq_lt(ack, t->snd_una - t->max_snd_wnd)) {
		t->stats.drops++;
		challenge_ack(t, now);
		return false;
	}
	uint32_t wnd = (uint32_t)seg->hdr.window << t->snd_wscale;
	bool advanced = rn_seq_gt(ack, t->snd_una);
	bool outstanding = t->snd_una != t->snd_max;
	bool news = t->sack_ok && seg->opts.nsack && take_sack(t, &seg->opts);
	/* RFC 5681 §2 duplicate ACK; with SACK, RFC 6675 counts ACKs with news. */
	bool dup = !advanced && ack == t->snd_una && outstanding && dlen == 0 &&
		   !(seg->hdr.flags & (RN_TCP_SYN | RN_TCP_FIN)) &&
		   (wnd == t->snd_wnd || news);
	if (advanced)
		ack_advance(t, ack, now);
	if (rn_seq_lt(t->snd_wl1, seq) || (t->snd_wl1 == seq && rn_seq_le(t->snd_wl2, ack))) {
		t->snd_wnd = wnd;
		t->snd_wl1 = seq;
		t->snd_wl2 = ack;
		if (wnd > t->max_snd_wnd)
			t->max_snd_wnd = wnd;
		if (wnd) {
			t->t_persist = 0;
			t->persist_backoff = 0;
		}
	}
	if (dup) {
		t->dupacks++;
		t->stats.dupacks_in++;
		if (t->in_recovery && !t->sack_ok)
			t->cc.cwnd += t->snd_mss; /* NewReno inflation */
	}
	if (t->sack_ok)
		update_lost(t);
	maybe_enter_recovery(t, now);
	if (t->fin_sent && rn_seq_gt(t->snd_una, t->fin_seq))
		fin_acked(t, now);
	return true;
}

/* In-window data at seq (already trimmed to the window and buffer). */
static void input_data(struct rn_tcb *t, uint32_t seq, struct rn_view data, uint64_t now)
{
	uint32_t off = seq - t->rcv_nxt, len = (uint32_t)data.len;
	rn_ring_write_at(&t->rcv, t->rcv.len + off, data.data, len);
	if (off) {
		/* Out of order: keep it, answer at once with SACK (RFC 5681 §4.2). */
		if (rn_ranges_add(&t->ooo, seq, seq + len) < 0) {
			t->stats.drops++;
		} else {
			t->stats.ooo_segs++;
			note_recent_block(t, seq);
		}
		t->ack_now = true;
		return;
	}
	t->stats.bytes_in += len;
	t->rcv.len += len;
	t->rcv_nxt += len;
	if (t->ooo.n) {
		rn_ranges_trim_below(&t->ooo, t->rcv_nxt);
		if (t->ooo.n && t->ooo.r[0].left == t->rcv_nxt) {
			uint32_t more = t->ooo.r[0].right - t->rcv_nxt;
			t->stats.bytes_in += more;
			t->rcv.len += more;
			t->rcv_nxt += more;
			rn_ranges_trim_below(&t->ooo, t->rcv_nxt);
		}
		if (!t->ooo.n)
			t->nsack_recent = 0;
		t->ack_now = true; /* a hole filled */
		return;
	}
	/* RFC 1122 §4.2.3.2: ACK at least every second segment, else soon. */
	if (++t->ack_pending >= 2)
		t->ack_now = true;
	else if (!t->t_delack)
		t->t_delack = now + t->cfg.delack_us;
}

/* The peer's FIN, once everything before it has arrived (RFC 9293 §3.10.7.4 eighth). */
static void take_fin(struct rn_tcb *t, uint64_t now)
{
	if (!t->rcv_fin_known || t->fin_rcvd || t->rcv_nxt != t->rcv_fin_seq)
		return;
	t->fin_rcvd = true;
	t->rcv_nxt++;
	t->ack_now = true;
	switch (t->state) {
	case RN_TCP_SYN_RECEIVED:
	case RN_TCP_ESTABLISHED:
		set_state(t, RN_TCP_CLOSE_WAIT);
		break;
	case RN_TCP_FIN_WAIT_1:
		set_state(t, RN_TCP_CLOSING);
		break;
	case RN_TCP_FIN_WAIT_2:
		enter_time_wait(t, now);
		break;
	default:
		break;
	}
}

/* SEGMENT ARRIVES in SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2, CLOSE-WAIT,
 * CLOSING, LAST-ACK and TIME-WAIT. */
static void input_sync(struct rn_tcb *t, const struct rn_tcp_seg *seg, uint64_t now)
{
	uint16_t fl = seg->hdr.flags;
	uint32_t seq = seg->hdr.seq;
	struct rn_view data = seg->payload;
	bool syn = fl & RN_TCP_SYN, fin = fl & RN_TCP_FIN;

	if (t->state == RN_TCP_SYN_RECEIVED && syn && seq == t->irs && !(fl & RN_TCP_RST)) {
		if (!(fl & RN_TCP_ACK)) {
			t->syn_pending = true; /* our SYN-ACK was lost: again */
			return;
		}
		syn = false; /* simultaneous open: the peer's SYN-ACK acks ours */
		seq++;
	}
	if (fl & RN_TCP_RST) {
		input_rst(t, seq, now);
		return;
	}
	/* PAWS (RFC 7323 §5.3). */
	const struct rn_tcp_opts *o = &seg->opts;
	if (t->ts_ok && o->has_ts && t->ts_recent_valid && rn_seq_lt(o->ts_val, t->ts_recent)) {
		if (now - t->ts_recent_at > PAWS_IDLE_US) {
			t->ts_recent_valid = false;
		} else {
			t->stats.paws_drops++;
			t->stats.drops++;
			t->ack_now = true;
			return;
		}
	}
	/* First: the sequence number. */
	uint32_t wnd = rcv_space(t);
	uint32_t len = (uint32_t)data.len + syn + fin;
	if (!seg_acceptable(seq, len, t->rcv_nxt, wnd)) {
		t->stats.drops++;
		t->ack_now = true;
		if (t->state == RN_TCP_TIME_WAIT && fin)
			t->t_timewait = now + t->cfg.time_wait_us;
		return;
	}
	uint32_t seg_seq = seg->hdr.seq;
	if (rn_seq_lt(seq, t->rcv_nxt)) {
		uint32_t d = t->rcv_nxt - seq;
		if (syn) {
			syn = false;
			d--;
			seq++;
		}
		uint32_t cut = umin(d, (uint32_t)data.len);
		data = rn_view_tail(data, cut);
		seq += cut;
	}
	uint32_t room = rn_seq_lt(seq, t->rcv_nxt + wnd) ? t->rcv_nxt + wnd - seq : 0;
	if (data.len > room) {
		data = rn_view_head(data, room);
		fin = false;
		t->ack_now = true;
	}
	/* Fourth: a SYN in a synchronized state (RFC 5961 §4). */
	if (syn) {
		t->stats.drops++;
		challenge_ack(t, now);
		return;
	}
	/* Fifth: the ACK field. */
	if (!(fl & RN_TCP_ACK)) {
		t->stats.drops++;
		return;
	}
	if (t->state == RN_TCP_SYN_RECEIVED) {
		uint32_t ack = seg->hdr.ack;
		if (!(rn_seq_lt(t->snd_una, ack) && rn_seq_le(ack, t->snd_max))) {
			t->stats.drops++;
			reply_rst(t, seg);
			return;
		}
		t->snd_wnd = (uint32_t)seg->hdr.window << t->snd_wscale;
		if (t->snd_wnd > t->max_snd_wnd)
			t->max_snd_wnd = t->snd_wnd;
		t->snd_wl1 = seq;
		t->snd_wl2 = ack;
		established(t);
	}
	/* RFC 7323 §4.3: remember the timestamp to echo. */
	if (t->ts_ok && o->has_ts && rn_seq_ge(o->ts_val, t->ts_recent) &&
	    rn_seq_le(seg_seq, t->last_ack_sent)) {
		t->ts_recent = o->ts_val;
		t->ts_recent_at = now;
		t->ts_recent_valid = true;
	}
	if (!input_ack(t, seg, seq, (uint32_t)data.len, now))
		return;
	if (t->state == RN_TCP_CLOSED)
		return;
	/* Seventh: the segment text. */
	if (data.len) {
		switch (t->state) {
		case RN_TCP_ESTABLISHED:
		case RN_TCP_FIN_WAIT_1:
		case RN_TCP_FIN_WAIT_2:
			if (t->app_closed) {
				/* Nobody will read it (RFC 2525 §2.17). */
				emit(t, t->snd_max, RN_TCP_RST, NULL, 0, now);
				to_closed(t);
				return;
			}
			if (t->rcv_fin_known && rn_seq_gt(seq + (uint32_t)data.len, t->rcv_fin_seq))
				data = rn_view_head(data, rn_seq_gt(t->rcv_fin_seq, seq) ?
							  t->rcv_fin_seq - seq : 0);
			if (data.len)
				input_data(t, seq, data, now);
			break;
		default:
			break; /* after the peer's FIN: ignore */
		}
	}
	/* Eighth: the FIN. */
	if (fin && !t->fin_rcvd && t->state != RN_TCP_TIME_WAIT) {
		t->rcv_fin_known = true;
		t->rcv_fin_seq = seq + (uint32_t)data.len;
	}
	if (fin && t->state == RN_TCP_TIME_WAIT)
		t->t_timewait = now + t->cfg.time_wait_us;
	take_fin(t, now);
}

int rn_tcb_input(struct rn_tcb *t, const struct rn_tcp_seg *seg, uint64_t now)
{
	if (!t || !seg)
		return -RN_EINVAL;
	t->stats.segs_in++;
	switch (t->state) {
	case RN_TCP_CLOSED:
		reply_rst(t, seg);
		return 0;
	case RN_TCP_LISTEN:
		input_listen(t, seg, now);
		break;
	case RN_TCP_SYN_SENT:
		input_syn_sent(t, seg, now);
		break;
	default:
		input_sync(t, seg, now);
		break;
	}
	tcp_output(t, now);
	return 0;
}

/* The retransmission timer expired (RFC 6298 §5.4-5.7, RFC 5681 §3.1 eq. 4). */
static void on_rto(struct rn_tcb *t, uint64_t now)
{
	t->t_rexmit = 0;
	switch (t->state) {
	case RN_TCP_SYN_SENT:
	case RN_TCP_SYN_RECEIVED:
		if (++t->retries > t->cfg.syn_retries) {
			if (t->passive)
				back_to_listen(t);
			else
				fail(t, -RN_ETIMEOUT);
			return;
		}
		t->stats.rtos++;
		t->rtt.backoff++;
		t->rtt.timing = false;
		t->syn_pending = true;
		return;
	case RN_TCP_CLOSED:
	case RN_TCP_LISTEN:
	case RN_TCP_TIME_WAIT:
		return;
	default:
		break;
	}
	if (t->snd_una == t->snd_max)
		return; /* nothing outstanding: output retries */
	/* Against a zero window, retransmissions are probes: they do not count
	 * toward giving up (RFC 1122 §4.2.2.17); the user timeout still does. */
	if (t->snd_wnd != 0)
		t->retries++;
	if (t->retries > t->cfg.max_retries ||
	    (t->cfg.user_timeout_us && now - t->una_since >= t->cfg.user_timeout_us)) {
		fail(t, -RN_ETIMEOUT);
		return;
	}
	t->stats.rtos++;
	rn_cc_on_rto(t, t->snd_max - t->snd_una, now);
	t->in_recovery = false;
	t->dupacks = 0;
	t->recover = t->snd_max;
	if (t->retries > 1)
		rn_ranges_clear(&t->sacked); /* perhaps the peer reneged (RFC 2018 §8) */
	t->lost_high = t->snd_max;
	t->rexmit_high = t->snd_una;
	t->rtt.backoff++;
	t->rtt.timing = false;
}

/* Zero-window probe: an ACK one below SND.UNA makes the peer answer with
 * its current window. Backs off like the RTO, never gives up (RFC 1122
 * §4.2.2.17). */
static void on_persist(struct rn_tcb *t, uint64_t now)
{
	t->t_persist = 0;
	if (t->snd_wnd != 0 || t->snd_una != t->snd_max || !rn_seq_lt(t->snd_max, data_end(t)))
		return;
	if (emit(t, t->snd_una - 1, RN_TCP_ACK, NULL, 0, now) == 0)
		t->stats.probes++;
	if (t->persist_backoff < 16)
		t->persist_backoff++;
	t->t_persist = now + persist_interval(t);
}

int rn_tcb_timer(struct rn_tcb *t, uint64_t now)
{
	if (!t)
		return -RN_EINVAL;
	if (t->t_timewait && now >= t->t_timewait) {
		to_closed(t);
		return 0;
	}
	if (t->t_connect && now >= t->t_connect) {
		t->t_connect = 0;
		if (t->state == RN_TCP_SYN_SENT || t->state == RN_TCP_SYN_RECEIVED) {
			if (t->passive)
				back_to_listen(t);
			else
				fail(t, -RN_ETIMEOUT);
			return 0;
		}
	}
	if (t->t_rexmit && now >= t->t_rexmit)
		on_rto(t, now);
	if (t->t_persist && now >= t->t_persist)
		on_persist(t, now);
	if (t->t_delack && now >= t->t_delack) {
		t->t_delack = 0;
		t->ack_now = true;
	}
	tcp_output(t, now);
	return 0;
}

uint64_t rn_tcb_next_timer(const struct rn_tcb *t)
{
	uint64_t d = UINT64_MAX;
	const uint64_t ts[] = { t->t_rexmit, t->t_persist, t->t_delack, t->t_timewait, t->t_connect };
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
		if (ts[i] && ts[i] < d)
			d = ts[i];
	return d;
}

int rn_tcb_output(struct rn_tcb *t, uint64_t now)
{
	if (!t)
		return -RN_EINVAL;
	tcp_output(t, now);
	return 0;
}

ssize_t rn_tcb_write(struct rn_tcb *t, const void *buf, size_t len, uint64_t now)
{
	if (!t || (!buf && len))
		return -RN_EINVAL;
	if (t->error)
		return t->error;
	switch (t->state) {
	case RN_TCP_SYN_SENT:
	case RN_TCP_SYN_RECEIVED:
	case RN_TCP_ESTABLISHED:
	case RN_TCP_CLOSE_WAIT:
		break;
	case RN_TCP_CLOSED:
	case RN_TCP_LISTEN:
		if (!t->was_established)
			return -RN_EINVAL;
		return -RN_ECLOSED;
	default:
		return -RN_ECLOSED;
	}
	if (t->fin_queued)
		return -RN_ECLOSED;
	uint32_t n = umin((uint32_t)(len > UINT32_MAX ? UINT32_MAX : len), t->snd.cap - t->snd.len);
	if (n) {
		rn_ring_write_at(&t->snd, t->snd.len, buf, n);
		t->snd.len += n;
		tcp_output(t, now);
	}
	return n;
}

ssize_t rn_tcb_read(struct rn_tcb *t, void *buf, size_t len, uint64_t now)
{
	if (!t || (!buf && len))
		return -RN_EINVAL;
	if (t->app_closed)
		return -RN_ECLOSED;
	uint32_t n = umin((uint32_t)(len > UINT32_MAX ? UINT32_MAX : len), t->rcv.len);
	if (!n) {
		if (t->fin_rcvd)
			return 0;
		if (t->error)
			return t->error;
		if (t->state == RN_TCP_CLOSED)
			return t->was_established ? 0 : -RN_EINVAL;
		return len ? -EAGAIN : 0;
	}
	uint32_t before = rcv_window(t);
	rn_ring_read_at(&t->rcv, 0, buf, n);
	rn_ring_consume(&t->rcv, n);
	if (!t->rcv.len && !t->ooo.n)
		t->rcv.head = 0;
	/* Window update when the window opened usefully. */
	if (t->state == RN_TCP_ESTABLISHED || t->state == RN_TCP_FIN_WAIT_1 ||
	    t->state == RN_TCP_FIN_WAIT_2) {
		uint32_t after = rcv_window(t);
		uint32_t sws = umin(t->rcv.cap / 2, t->cfg.mss);
		if (after > before &&
		    (after - before >= umin(t->rcv.cap / 2, 2u * t->cfg.mss) || before < sws)) {
			t->ack_now = true;
			tcp_output(t, now);
		}
	}
	return n;
}

int rn_tcb_shutdown(struct rn_tcb *t, uint64_t now)
{
	if (!t)
		return -RN_EINVAL;
	if (t->error)
		return t->error;
	if (t->fin_queued)
		return 0;
	switch (t->state) {
	case RN_TCP_CLOSED:
		return 0;
	case RN_TCP_LISTEN:
		to_closed(t);
		return 0;
	case RN_TCP_SYN_SENT:
	case RN_TCP_SYN_RECEIVED:
		break; /* the FIN waits for ESTABLISHED */
	case RN_TCP_ESTABLISHED:
		set_state(t, RN_TCP_FIN_WAIT_1);
		break;
	case RN_TCP_CLOSE_WAIT:
		set_state(t, RN_TCP_LAST_ACK);
		break;
	default:
		return 0;
	}
	t->fin_queued = true;
	t->fin_seq = data_end(t);
	tcp_output(t, now);
	return 0;
}

int rn_tcb_close(struct rn_tcb *t, uint64_t now)
{
	if (!t)
		return -RN_EINVAL;
	switch (t->state) {
	case RN_TCP_CLOSED:
		t->app_closed = true;
		return 0;
	case RN_TCP_LISTEN:
	case RN_TCP_SYN_SENT:
		t->app_closed = true;
		to_closed(t);
		return 0;
	default:
		break;
	}
	if (t->rcv.len) {
		rn_tcb_abort(t, now);
		t->app_closed = true;
		return 0;
	}
	t->app_closed = true;
	int r = rn_tcb_shutdown(t, now);
	if (t->state == RN_TCP_FIN_WAIT_2 && t->cfg.fin_wait2_us && !t->t_timewait)
		t->t_timewait = now + t->cfg.fin_wait2_us;
	return r;
}

int rn_tcb_abort(struct rn_tcb *t, uint64_t now)
{
	if (!t)
		return -RN_EINVAL;
	switch (t->state) {
	case RN_TCP_SYN_RECEIVED:
	case RN_TCP_ESTABLISHED:
	case RN_TCP_FIN_WAIT_1:
	case RN_TCP_FIN_WAIT_2:
	case RN_TCP_CLOSE_WAIT:
		emit(t, t->snd_max, RN_TCP_RST, NULL, 0, now);
		break;
	default:
		break;
	}
	to_closed(t);
	return 0;
}

unsigned rn_tcb_poll(const struct rn_tcb *t)
{
	unsigned m = 0;
	if (t->rcv.len || t->fin_rcvd || t->error || (t->state == RN_TCP_CLOSED && t->was_established))
		m |= RN_TCB_READABLE;
	if (t->error)
		m |= RN_TCB_WRITABLE | RN_TCB_ERROR;
	else if ((t->state == RN_TCP_ESTABLISHED || t->state == RN_TCP_CLOSE_WAIT) &&
		 !t->fin_queued && t->snd.len < t->snd.cap)
		m |= RN_TCB_WRITABLE;
	if (t->fin_rcvd)
		m |= RN_TCB_EOF;
	if (t->was_established)
		m |= RN_TCB_CONNECTED;
	if (t->was_established && !t->snd.len && t->snd_una == t->snd_max &&
	    (!t->fin_queued || t->fin_sent))
		m |= RN_TCB_SENT;
	if (t->state == RN_TCP_CLOSED || t->state == RN_TCP_TIME_WAIT)
		m |= RN_TCB_CLOSED;
	return m;
}

int rn_tcb_error(const struct rn_tcb *t)
{
	return t->error;
}

enum rn_tcp_state rn_tcb_state(const struct rn_tcb *t)
{
	return t->state;
}

size_t rn_tcb_readable(const struct rn_tcb *t)
{
	return t->app_closed ? 0 : t->rcv.len;
}

size_t rn_tcb_writable(const struct rn_tcb *t)
{
	if (t->error || t->fin_queued)
		return 0;
	switch (t->state) {
	case RN_TCP_SYN_SENT:
	case RN_TCP_SYN_RECEIVED:
	case RN_TCP_ESTABLISHED:
	case RN_TCP_CLOSE_WAIT:
		return t->snd.cap - t->snd.len;
	default:
		return 0;
	}
}

uint64_t rn_tcb_srtt(const struct rn_tcb *t)
{
	return t->rtt.srtt;
}

uint64_t rn_tcb_rto(const struct rn_tcb *t)
{
	return rto(t);
}

uint32_t rn_tcb_cwnd(const struct rn_tcb *t)
{
	return t->cc.cwnd;
}
