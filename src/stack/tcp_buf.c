/* Byte rings for the TCP send and receive buffers: bounded, either the
 * caller's memory or allocated once; offsets count from the oldest byte. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/tcp_int.h"

int rn_ring_init(struct rn_tcb_ring *r, void *buf, uint32_t cap)
{
	memset(r, 0, sizeof *r);
	if (cap == 0)
		return -RN_EINVAL;
	if (buf) {
		r->buf = buf;
	} else {
		r->buf = malloc(cap);
		if (!r->buf)
			return -ENOMEM;
		r->owned = true;
	}
	r->cap = cap;
	return 0;
}

void rn_ring_free(struct rn_tcb_ring *r)
{
	if (r->owned)
		free(r->buf);
	r->buf = NULL;
	r->owned = false;
	r->cap = r->len = r->head = 0;
}

static uint32_t ring_pos(const struct rn_tcb_ring *r, uint32_t off)
{
	uint32_t p = r->head + off;
	return p >= r->cap ? p - r->cap : p;
}

void rn_ring_write_at(struct rn_tcb_ring *r, uint32_t off, const void *src, uint32_t n)
{
	uint32_t p = ring_pos(r, off);
	uint32_t first = r->cap - p < n ? r->cap - p : n;
	memcpy(r->buf + p, src, first);
	if (n > first)
		memcpy(r->buf, (const uint8_t *)src + first, n - first);
}

void rn_ring_read_at(const struct rn_tcb_ring *r, uint32_t off, void *dst, uint32_t n)
{
	uint32_t p = ring_pos(r, off);
	uint32_t first = r->cap - p < n ? r->cap - p : n;
	memcpy(dst, r->buf + p, first);
	if (n > first)
		memcpy((uint8_t *)dst + first, r->buf, n - first);
}

void rn_ring_consume(struct rn_tcb_ring *r, uint32_t n)
{
	r->head = ring_pos(r, n);
	r->len -= n;
}

const uint8_t *rn_ring_ptr(const struct rn_tcb_ring *r, uint32_t off, uint32_t *contig)
{
	uint32_t p = ring_pos(r, off);
	*contig = r->cap - p;
	return r->buf + p;
}
