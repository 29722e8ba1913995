/* TCP stream reassembly for captures: one direction's segments, in capture
 * order, back to the byte stream (RFC 9293 §3.4 sequence numbers, modulo
 * 2^32, unwrapped to 64-bit stream offsets). First-arrived bytes win; holes
 * become gaps when the peer acknowledges past them or at the end. */
#include <stdlib.h>
#include <string.h>

#include "rawnet/error.h"
#include "rawnet/follow.h"
#include "rawnet/tcp.h"

struct rn_reasm_seg {
	struct rn_reasm_seg *next;
	uint64_t off;
	size_t len;
	uint64_t tag;
	uint8_t data[];
};

void rn_reasm_init(struct rn_reasm *r, rn_reasm_fn fn, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->fn = fn;
	r->ctx = ctx;
}

void rn_reasm_free(struct rn_reasm *r)
{
	struct rn_reasm_seg *s = r->held;
	while (s) {
		struct rn_reasm_seg *n = s->next;
		free(s);
		s = n;
	}
	r->held = NULL;
	r->held_bytes = 0;
}

/* The stream offset of sequence number seq: the nearest one to next. May be
 * negative (before the start of the stream). */
static int64_t offset_of(const struct rn_reasm *r, uint32_t seq)
{
	uint32_t at_next = r->base + (uint32_t)r->next;
	return (int64_t)r->next + (int32_t)(seq - at_next);
}

static void emit(struct rn_reasm *r, const uint8_t *data, size_t len, uint64_t tag)
{
	struct rn_reasm_chunk c = { data, len, r->next, tag };
	if (data)
		r->delivered += len;
	else
		r->missing += len;
	r->next += len;
	if (r->fn)
		r->fn(r->ctx, &c);
}

/* Hands out the held pieces that now follow on. */
static void deliver_held(struct rn_reasm *r)
{
	while (r->held && r->held->off == r->next) {
		struct rn_reasm_seg *s = r->held;
		r->held = s->next;
		r->held_bytes -= s->len;
		emit(r, s->data, s->len, s->tag);
		free(s);
	}
}

/* Keeps [off, off + len) where no held piece has bytes yet (first wins). */
static int hold(struct rn_reasm *r, uint64_t off, const uint8_t *data, size_t len, uint64_t tag)
{
	struct rn_reasm_seg **link = &r->held;
	uint64_t pos = off, end = off + len;
	while (pos < end) {
		struct rn_reasm_seg *s = *link;
		if (s && s->off + s->len <= pos) {
			link = &s->next;
			continue;
		}
		if (s && s->off <= pos) { /* s already has the bytes at pos */
			uint64_t cover = s->off + s->len < end ? s->off + s->len : end;
			r->dup_bytes += cover - pos;
			pos = cover;
			link = &s->next;
			continue;
		}
		uint64_t stop = s && s->off < end ? s->off : end;
		size_t n = (size_t)(stop - pos);
		struct rn_reasm_seg *p = malloc(sizeof(*p) + n);
		if (!p)
			return -RN_ENOSPC;
		p->off = pos;
		p->len = n;
		p->tag = tag;
		memcpy(p->data, data + (pos - off), n);
		p->next = s;
		*link = p;
		link = &p->next;
		r->held_bytes += n;
		pos = stop;
	}
	return 0;
}

int rn_reasm_segment(struct rn_reasm *r, uint32_t seq, uint16_t flags, const uint8_t *data,
		     size_t len, uint64_t tag)
{
	if (flags & RN_TCP_RST)
		return 0; /* RST payload is a diagnostic, not stream data */
	bool syn = flags & RN_TCP_SYN;
	/* A SYN fixes the base, also after a stray first packet that gave
	 * nothing yet (capture order may put an ACK before the SYN). */
	if (!r->started || (syn && !r->syn && r->next == 0 && !r->held && !r->fin)) {
		r->base = syn ? seq + 1 : seq;
		r->syn = syn;
		r->started = true;
	}
	if (syn)
		seq++;
	int64_t off = offset_of(r, seq);
	if ((flags & RN_TCP_FIN) && !r->fin && off + (int64_t)len >= 0) {
		r->fin = true;
		r->fin_off = (uint64_t)(off + (int64_t)len);
	}
	if (len == 0)
		return 0;
	r->segments++;
	int64_t end = off + (int64_t)len;
	if (end <= (int64_t)r->next) { /* all of it delivered already */
		r->dup_bytes += len;
		return 0;
	}
	if (off < (int64_t)r->next) { /* the front was delivered already */
		size_t cut = (size_t)((int64_t)r->next - off);
		r->dup_bytes += cut;
		data += cut;
		len -= cut;
		off = (int64_t)r->next;
	}
	if ((uint64_t)off == r->next && (!r->held || r->held->off >= r->next + len)) {
		emit(r, data, len, tag); /* the common case: in order, nothing held in the way */
		deliver_held(r);
		return 0;
	}
	if ((uint64_t)off != r->next)
		r->out_of_order++;
	int e = hold(r, (uint64_t)off, data, len, tag);
	deliver_held(r);
	return e;
}

void rn_reasm_ack(struct rn_reasm *r, uint32_t ack, uint64_t tag)
{
	if (!r->started)
		return;
	int64_t a = offset_of(r, ack);
	while (r->held && a > (int64_t)r->held->off) {
		emit(r, NULL, (size_t)(r->held->off - r->next), tag);
		deliver_held(r);
	}
}

void rn_reasm_finish(struct rn_reasm *r, uint64_t tag)
{
	while (r->held) {
		emit(r, NULL, (size_t)(r->held->off - r->next), tag);
		deliver_held(r);
	}
	if (r->fin && r->fin_off > r->next)
		emit(r, NULL, (size_t)(r->fin_off - r->next), tag);
}
