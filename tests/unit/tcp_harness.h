/* A scripted peer for the pure TCP machine: segments go in with h_in(), the
 * segments the tcb sends are recorded (after a round trip through
 * rn_tcp_emit() and rn_tcp_parse() with checksums) and checked in order
 * with h_expect(). The clock is h->now, advanced by the test. */
#ifndef TCP_HARNESS_H
#define TCP_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/tcb.h"
#include "rawnet/tcp.h"

#define H_LPORT 40000
#define H_RPORT 80
#define H_MAXREC 512
#define H_T0 1000000000ULL /* the harness clock starts here (µs) */

struct h_rec {
	struct rn_tcp_seg seg;
	uint8_t data[16384];
};

struct harness {
	struct rn_tcb tcb;
	struct rn_tcb_config cfg;
	struct rn_tcb_ops ops;
	struct rn_tcb_endpoints ep;
	struct h_rec *out;
	unsigned nout, next;
	int refuse;                 /* output() fails while > 0 */
	enum rn_tcp_state states[64];
	unsigned nstates;
	uint64_t now;
};

static const uint8_t h_secret[16] = "rawnet-test-key";

static inline int h_output(void *ctx, struct rn_tcb *tcb, const struct rn_tcp_seg *seg)
{
	struct harness *h = ctx;
	(void)tcb;
	if (h->refuse > 0) {
		h->refuse--;
		return -1;
	}
	assert_true(h->nout < H_MAXREC);
	struct h_rec *r = &h->out[h->nout++];
	assert_true(seg->payload.len <= sizeof r->data);
	/* Round trip through the wire format: what the glue will do. */
	struct rn_pseudo ph = { .family = AF_INET, .src = { 10, 77, 0, 2 }, .dst = { 10, 77, 0, 1 } };
	uint8_t buf[20 + 40 + 16384];
	size_t hl = rn_tcp_header_len(&seg->hdr);
	if (seg->payload.len)
		memcpy(buf + hl, seg->payload.data, seg->payload.len);
	int e = rn_tcp_emit(&seg->hdr, &ph, buf, sizeof buf, seg->payload.len);
	assert_int_equal(e, (int)hl);
	struct rn_view payload;
	assert_int_equal(rn_tcp_parse(rn_view_make(buf, hl + seg->payload.len), &ph, &r->seg.hdr,
				      &payload), 0);
	assert_int_equal(r->seg.hdr.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(rn_tcp_opts_decode(&r->seg.hdr, &r->seg.opts), 0);
	assert_int_equal(r->seg.opts.has_ts, seg->opts.has_ts);
	assert_int_equal(r->seg.opts.nsack, seg->opts.nsack);
	assert_int_equal(r->seg.opts.has_mss, seg->opts.has_mss);
	if (payload.len)
		memcpy(r->data, payload.data, payload.len);
	r->seg.payload = rn_view_make(r->data, payload.len);
	return 0;
}

static inline void h_state(void *ctx, struct rn_tcb *tcb, enum rn_tcp_state from,
			   enum rn_tcp_state to)
{
	struct harness *h = ctx;
	(void)tcb;
	assert_int_equal(from, h->nstates ? h->states[h->nstates - 1] : RN_TCP_CLOSED);
	if (h->nstates < 64)
		h->states[h->nstates++] = to;
}

/* A harness with options off (plain RFC 9293 segments) unless the test turns them on. */
static inline void h_config(struct harness *h)
{
	memset(h, 0, sizeof *h);
	h->out = calloc(H_MAXREC, sizeof *h->out);
	assert_non_null(h->out);
	rn_tcb_config_default(&h->cfg);
	h->cfg.wscale = h->cfg.timestamps = h->cfg.sack = false;
	h->cfg.sndbuf_size = h->cfg.rcvbuf_size = 65535;
	h->ep.family = AF_INET;
	memcpy(h->ep.laddr, "\x0a\x4d\x00\x02", 4);
	memcpy(h->ep.raddr, "\x0a\x4d\x00\x01", 4);
	h->ep.lport = H_LPORT;
	h->ep.rport = H_RPORT;
	h->ops.output = h_output;
	h->ops.state_change = h_state;
	h->now = H_T0;
}

static inline void h_start(struct harness *h)
{
	assert_int_equal(rn_tcb_init(&h->tcb, &h->cfg, &h->ep, h_secret, &h->ops, h), 0);
}

static inline void h_free(struct harness *h)
{
	rn_tcb_destroy(&h->tcb);
	free(h->out);
	h->out = NULL;
}

static inline struct rn_tcp_seg h_seg(uint16_t flags, uint32_t seq, uint32_t ack, uint16_t win,
				      const void *data, size_t len)
{
	struct rn_tcp_seg s;
	memset(&s, 0, sizeof s);
	s.hdr.sport = H_RPORT;
	s.hdr.dport = H_LPORT;
	s.hdr.flags = flags;
	s.hdr.seq = seq;
	s.hdr.ack = ack;
	s.hdr.window = win;
	s.payload = rn_view_make(data, len);
	return s;
}

static inline void h_in(struct harness *h, struct rn_tcp_seg s)
{
	assert_int_equal(rn_tcb_input(&h->tcb, &s, h->now), 0);
}

/* Feeds a segment with the options encoded too (as a parsed one would have them). */
static inline void h_in_opts(struct harness *h, struct rn_tcp_seg s, const struct rn_tcp_opts *o)
{
	s.opts = *o;
	int n = rn_tcp_opts_encode(o, s.hdr.opts);
	assert_true(n >= 0);
	s.hdr.opt_len = (uint8_t)n;
	h_in(h, s);
}

static inline const char *h_flags(uint16_t f, char *buf)
{
	static const char names[] = "FSRPAUEC";
	size_t n = 0;
	for (int i = 0; i < 8; i++)
		if (f & (1u << i))
			buf[n++] = names[i];
	buf[n] = 0;
	return buf;
}

/* The next recorded segment must have these flags, seq and ack (ack checked
 * only when ACK is in flags). */
static inline struct rn_tcp_seg *h_expect(struct harness *h, uint16_t flags, uint32_t seq,
					  uint32_t ack)
{
	if (h->next >= h->nout)
		fail_msg("expected a segment (flags %#x seq %u ack %u), none sent", flags, seq, ack);
	struct rn_tcp_seg *s = &h->out[h->next++].seg;
	char b1[16], b2[16];
	if (s->hdr.flags != flags || s->hdr.seq != seq || ((flags & RN_TCP_ACK) && s->hdr.ack != ack))
		fail_msg("expected [%s] seq %u ack %u, got [%s] seq %u ack %u len %zu",
			 h_flags(flags, b1), seq, ack, h_flags(s->hdr.flags, b2), s->hdr.seq,
			 s->hdr.ack, s->payload.len);
	assert_int_equal(s->hdr.sport, H_LPORT);
	assert_int_equal(s->hdr.dport, H_RPORT);
	return s;
}

static inline struct rn_tcp_seg *h_expect_data(struct harness *h, uint16_t flags, uint32_t seq,
					       uint32_t ack, const void *data, size_t len)
{
	struct rn_tcp_seg *s = h_expect(h, flags, seq, ack);
	assert_int_equal(s->payload.len, len);
	if (len)
		assert_memory_equal(s->payload.data, data, len);
	return s;
}

static inline void h_expect_none(struct harness *h)
{
	if (h->next < h->nout) {
		struct rn_tcp_seg *s = &h->out[h->next].seg;
		char b[16];
		fail_msg("expected nothing, got [%s] seq %u ack %u len %zu", h_flags(s->hdr.flags, b),
			 s->hdr.seq, s->hdr.ack, s->payload.len);
	}
}

static inline unsigned h_pending(const struct harness *h)
{
	return h->nout - h->next;
}

/* Moves the clock to t and runs the timers. */
static inline void h_at(struct harness *h, uint64_t t)
{
	h->now = t;
	assert_int_equal(rn_tcb_timer(&h->tcb, h->now), 0);
}

static inline void h_wait(struct harness *h, uint64_t us)
{
	h_at(h, h->now + us);
}

/* Runs the earliest timer. */
static inline void h_next_timer(struct harness *h)
{
	uint64_t t = rn_tcb_next_timer(&h->tcb);
	assert_true(t != UINT64_MAX);
	h_at(h, t > h->now ? t : h->now);
}

#define REMOTE_ISN 10000u

/* Active open to ESTABLISHED with a plain SYN-ACK (window win). */
static inline void h_establish(struct harness *h, uint16_t win)
{
	h_start(h);
	assert_int_equal(rn_tcb_connect(&h->tcb, h->now), 0);
	uint32_t iss = h->tcb.iss;
	h_expect(h, RN_TCP_SYN, iss, 0);
	h_in(h, h_seg(RN_TCP_SYN | RN_TCP_ACK, REMOTE_ISN, iss + 1, win, NULL, 0));
	h_expect(h, RN_TCP_ACK, iss + 1, REMOTE_ISN + 1);
	assert_int_equal(rn_tcb_state(&h->tcb), RN_TCP_ESTABLISHED);
}

#endif
