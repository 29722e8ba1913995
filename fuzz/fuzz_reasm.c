/* libFuzzer harness over one direction of TCP stream reassembly (rawnet/follow.h
 * rn_reasm, RFC 9293 sequence space): segments out of order, retransmitted,
 * overlapping, with SYN/FIN/RST, acknowledgments that declare holes missing,
 * then the end of the capture. Not built by make:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude \
 *       -Isrc -D_GNU_SOURCE fuzz/fuzz_reasm.c src/stack/reasm_stream.c src/util/[a-z]*.c \
 *       -o build/fuzz_reasm
 *   build/fuzz_reasm -max_total_time=60 -max_len=2048
 *
 * Input: records "flags seq(4) len data[len]" (flags: RN_TCP_* bits; with
 * 0x80 set the record is "0x80 ack(4)", an acknowledgment). Checks: chunks
 * come out in stream order, each offset exactly once (data or gap); every
 * data byte delivered is the first byte that arrived for its sequence number
 * (first wins); delivered + missing match the chunks, and nothing is held
 * after the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rawnet/follow.h"
#include "rawnet/tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

#define MAP_CAP 8192 /* > bytes of data an input can carry */

/* First byte seen for each sequence number (open addressing). */
struct model {
	uint32_t seq[MAP_CAP];
	uint8_t byte[MAP_CAP];
	bool used[MAP_CAP];
};

static int model_find(const struct model *m, uint32_t s)
{
	uint32_t h = (s * 2654435761u) % MAP_CAP;
	while (m->used[h] && m->seq[h] != s)
		h = (h + 1) % MAP_CAP;
	return (int)h;
}

struct state {
	struct rn_reasm r;
	struct model *m;
	uint64_t next;           /* the offset the next chunk must start at */
	uint64_t data_bytes, gap_bytes;
	/* Chunks delivered during the current call, checked once the model
	 * holds the current segment's bytes. */
	struct { uint64_t off; size_t len; uint8_t *copy; } pend[64];
	unsigned npend;
};

static void on_chunk(void *ctx, const struct rn_reasm_chunk *c)
{
	struct state *st = ctx;
	CHECK(c->len > 0);
	CHECK(c->offset == st->next);
	st->next += c->len;
	if (!c->data) {
		st->gap_bytes += c->len;
		return;
	}
	st->data_bytes += c->len;
	if (st->npend < sizeof st->pend / sizeof st->pend[0]) {
		uint8_t *copy = malloc(c->len);
		if (!copy)
			return;
		memcpy(copy, c->data, c->len);
		st->pend[st->npend].off = c->offset;
		st->pend[st->npend].len = c->len;
		st->pend[st->npend].copy = copy;
		st->npend++;
	}
}

static void check_pending(struct state *st)
{
	for (unsigned i = 0; i < st->npend; i++) {
		for (size_t k = 0; k < st->pend[i].len; k++) {
			uint32_t s = st->r.base + (uint32_t)(st->pend[i].off + k);
			int h = model_find(st->m, s);
			CHECK(st->m->used[h]);
			CHECK(st->m->byte[h] == st->pend[i].copy[k]);
		}
		free(st->pend[i].copy);
	}
	st->npend = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state *st = calloc(1, sizeof *st);
	if (!st)
		return 0;
	st->m = calloc(1, sizeof *st->m);
	if (!st->m) {
		free(st);
		return 0;
	}
	rn_reasm_init(&st->r, on_chunk, st);
	size_t pos = 0;
	uint64_t tag = 0;
	while (pos + 5 <= size) {
		uint8_t fl = data[pos];
		uint32_t seq = (uint32_t)data[pos + 1] << 24 | (uint32_t)data[pos + 2] << 16 |
			       (uint32_t)data[pos + 3] << 8 | data[pos + 4];
		pos += 5;
		tag++;
		if (fl & 0x80) {
			rn_reasm_ack(&st->r, seq, tag);
			check_pending(st);
			continue;
		}
		if (pos >= size)
			break;
		size_t len = data[pos++];
		if (len > size - pos)
			len = size - pos;
		uint8_t *seg = malloc(len ? len : 1); /* exactly the payload: overreads show */
		if (!seg)
			break;
		memcpy(seg, data + pos, len);
		pos += len;
		uint16_t flags = fl & (RN_TCP_FIN | RN_TCP_SYN | RN_TCP_RST | RN_TCP_ACK);
		uint64_t next0 = st->r.next;
		int rc = rn_reasm_segment(&st->r, seq, flags, seg, len, tag);
		CHECK(rc == 0 || rc == -RN_ENOSPC);
		/* Record the first arrival of each byte the stream accepted. */
		if (!(flags & RN_TCP_RST) && st->r.started) {
			uint32_t s0 = seq + ((flags & RN_TCP_SYN) ? 1 : 0);
			for (size_t k = 0; k < len; k++) {
				uint32_t s = s0 + (uint32_t)k;
				/* The offset as the stream computes it: nearest to next. */
				uint32_t at_next = st->r.base + (uint32_t)next0;
				if ((int64_t)next0 + (int32_t)(s - at_next) < 0)
					continue;
				int h = model_find(st->m, s);
				if (!st->m->used[h]) {
					st->m->used[h] = true;
					st->m->seq[h] = s;
					st->m->byte[h] = seg[k];
				}
			}
		}
		check_pending(st);
		free(seg);
	}
	rn_reasm_finish(&st->r, tag + 1);
	check_pending(st);
	CHECK(st->r.held == NULL && st->r.held_bytes == 0);
	CHECK(st->r.delivered == st->data_bytes && st->r.missing == st->gap_bytes);
	CHECK(st->r.next == st->next);
	rn_reasm_free(&st->r);
	free(st->m);
	free(st);
	return 0;
}
