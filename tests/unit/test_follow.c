/* Unit tests: TCP stream reassembly for rawnet follow (rn_reasm), driven by
 * scripted segment sets: in order, out of order, retransmitted, overlapping
 * (first arrival wins), sequence wrap, gaps declared by ACK and at the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawnet/error.h"
#include "rawnet/follow.h"
#include "rawnet/tcp.h"

/* What came out: the bytes, with each gap written as "<gap N>", and the
 * chunk boundaries as a list of "offset+len" (gaps "offset~len"). */
struct sink {
	char text[8192];
	size_t n;
	char chunks[1024];
	size_t cn;
	uint64_t last_tag;
};

static void collect(void *ctx, const struct rn_reasm_chunk *c)
{
	struct sink *s = ctx;
	if (c->data) {
		assert_true(s->n + c->len < sizeof(s->text));
		memcpy(s->text + s->n, c->data, c->len);
		s->n += c->len;
	} else {
		s->n += (size_t)snprintf(s->text + s->n, sizeof(s->text) - s->n, "<gap %zu>", c->len);
	}
	s->text[s->n] = '\0';
	s->cn += (size_t)snprintf(s->chunks + s->cn, sizeof(s->chunks) - s->cn, "%s%llu%c%zu",
				  s->cn ? " " : "", (unsigned long long)c->offset,
				  c->data ? '+' : '~', c->len);
	s->last_tag = c->tag;
}

struct fixture {
	struct rn_reasm r;
	struct sink s;
};

static struct fixture *fx_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	rn_reasm_init(&f->r, collect, &f->s);
	return f;
}

static void fx_free(struct fixture *f)
{
	rn_reasm_free(&f->r);
	free(f);
}

static void seg(struct fixture *f, uint32_t seq, uint16_t flags, const char *data, uint64_t tag)
{
	assert_int_equal(rn_reasm_segment(&f->r, seq, flags, (const uint8_t *)data,
					  data ? strlen(data) : 0, tag),
			 0);
}

#define ACK RN_TCP_ACK
#define SYN RN_TCP_SYN
#define FIN RN_TCP_FIN
#define RST RN_TCP_RST
#define PSH (RN_TCP_PSH | RN_TCP_ACK)

/* SYN at 1000: data starts at 1001; chunks keep their segments' bounds. */
static void test_in_order(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	seg(f, 1000, SYN, NULL, 1);
	seg(f, 1001, ACK, NULL, 2);
	seg(f, 1001, PSH, "hello", 3);
	seg(f, 1006, PSH, " world", 4);
	seg(f, 1012, FIN | ACK, NULL, 5);
	rn_reasm_finish(&f->r, 6);
	assert_string_equal(f->s.text, "hello world");
	assert_string_equal(f->s.chunks, "0+5 5+6");
	assert_int_equal(f->s.last_tag, 4);
	assert_int_equal(f->r.delivered, 11);
	assert_int_equal(f->r.missing, 0);
	assert_int_equal(f->r.dup_bytes, 0);
	assert_int_equal(f->r.out_of_order, 0);
	assert_true(f->r.fin);
	assert_int_equal(f->r.fin_off, 11);
	fx_free(f);
}

/* Later segments first: held, then released in order by the missing one. */
static void test_out_of_order(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	seg(f, 99, SYN, NULL, 1);
	seg(f, 110, PSH, "ccccc", 2);
	seg(f, 105, PSH, "bbbbb", 3);
	assert_int_equal(f->s.n, 0);
	assert_int_equal(f->r.held_bytes, 10);
	seg(f, 100, PSH, "aaaaa", 4);
	assert_string_equal(f->s.text, "aaaaabbbbbccccc");
	assert_string_equal(f->s.chunks, "0+5 5+5 10+5");
	assert_int_equal(f->s.last_tag, 2); /* the held chunk keeps its packet */
	assert_int_equal(f->r.out_of_order, 2);
	assert_int_equal(f->r.held_bytes, 0);
	assert_null(f->r.held);
	fx_free(f);
}

/* Retransmissions (whole and partial) come out once. */
static void test_retransmission(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	seg(f, 0, SYN, NULL, 1);
	seg(f, 1, PSH, "abcd", 2);
	seg(f, 1, PSH, "abcd", 3);
	seg(f, 3, PSH, "cdef", 4);   /* two old bytes, two new */
	seg(f, 1, PSH, "abcdefgh", 5);
	assert_string_equal(f->s.text, "abcdefgh");
	assert_string_equal(f->s.chunks, "0+4 4+2 6+2");
	assert_int_equal(f->r.dup_bytes, 4 + 2 + 6);
	assert_int_equal(f->r.segments, 4);
	fx_free(f);
}

/* Overlaps: the bytes that arrived first are kept, delivered or held. */
static void test_overlap_first_wins(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	seg(f, 0, SYN, NULL, 1);
	seg(f, 1, PSH, "AAAA", 2);
	seg(f, 3, PSH, "BBBBBB", 3);     /* offsets 2..7: 2,3 are A's */
	assert_string_equal(f->s.text, "AAAABBBB");
	/* held CCCC at 10..13, then DDDDDDDD at 8..15 */
	seg(f, 11, PSH, "CCCC", 4);
	seg(f, 9, PSH, "DDDDDDDD", 5);
	assert_string_equal(f->s.text, "AAAABBBBDDCCCCDD");
	assert_string_equal(f->s.chunks, "0+4 4+4 8+2 10+4 14+2");
	/* two held pieces bridged by one segment overlapping both */
	seg(f, 17, PSH, "EE", 6);        /* 16..17 in order */
	seg(f, 20, PSH, "GG", 7);        /* 19..20 held */
	seg(f, 23, PSH, "II", 8);        /* 22..23 held */
	seg(f, 19, PSH, "xbbycc", 9);    /* 18..23: 18 new, 19-20 held, 21 new, 22-23 held */
	assert_string_equal(f->s.text, "AAAABBBBDDCCCCDDEExGGyII");
	assert_int_equal(f->r.held_bytes, 0);
	fx_free(f);
}

/* Sequence numbers that wrap past 2^32. */
static void test_wrap(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	seg(f, 0xfffffff8u, SYN, NULL, 1);
	seg(f, 0xfffffff9u, PSH, "0123456", 2); /* up to 0xffffffff */
	seg(f, 0x00000004u, PSH, "bcd", 3);     /* held across the wrap */
	seg(f, 0x00000000u, PSH, "7a", 4);
	seg(f, 0x00000002u, PSH, "89", 5);      /* offsets 9..10 */
	assert_string_equal(f->s.text, "01234567a89bcd");
	seg(f, 0x00000007u, FIN | ACK, NULL, 6);
	rn_reasm_finish(&f->r, 7);
	assert_int_equal(f->r.missing, 0);
	assert_int_equal(f->r.fin_off, 14);
	fx_free(f);
}

/* The peer acknowledges past a hole: it had the bytes, the capture did not. */
static void test_gap_by_ack(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	seg(f, 0, SYN, NULL, 1);
	seg(f, 1, PSH, "hello", 2);
	seg(f, 11, PSH, "world", 3);
	rn_reasm_ack(&f->r, 8, 4);       /* below the held piece: still waiting */
	assert_string_equal(f->s.text, "hello");
	rn_reasm_ack(&f->r, 16, 5);
	assert_string_equal(f->s.text, "hello<gap 5>world");
	assert_string_equal(f->s.chunks, "0+5 5~5 10+5");
	assert_int_equal(f->r.missing, 5);
	/* the lost bytes turn up later: already accounted for, not repeated */
	seg(f, 6, PSH, "LOST!", 6);
	assert_string_equal(f->s.text, "hello<gap 5>world");
	assert_int_equal(f->r.dup_bytes, 5);
	fx_free(f);
}

/* End of capture: remaining holes, and missing bytes before a seen FIN. */
static void test_gap_at_finish(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	seg(f, 0, SYN, NULL, 1);
	seg(f, 1, PSH, "ab", 2);
	seg(f, 5, PSH, "ef", 3);
	seg(f, 9, PSH, "ij", 4);
	seg(f, 20, FIN | ACK, NULL, 5);
	rn_reasm_finish(&f->r, 6);
	assert_string_equal(f->s.text, "ab<gap 2>ef<gap 2>ij<gap 9>");
	assert_int_equal(f->r.missing, 13);
	assert_int_equal(f->r.delivered, 6);
	assert_int_equal(f->s.last_tag, 6);
	fx_free(f);
}

/* Without a SYN the first segment starts the stream; data before it is not
 * part of what we can follow. A SYN seen late (nothing delivered) rebases. */
static void test_no_syn(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	seg(f, 5000, PSH, "mid", 1);
	seg(f, 4990, PSH, "early", 2);
	seg(f, 5003, PSH, "dle", 3);
	assert_string_equal(f->s.text, "middle");
	assert_int_equal(f->r.dup_bytes, 5);
	assert_false(f->r.syn);
	fx_free(f);

	f = fx_new();
	seg(f, 701, ACK, NULL, 1);       /* an ACK captured before the SYN */
	seg(f, 700, SYN, NULL, 2);
	seg(f, 701, PSH, "x", 3);
	assert_true(f->r.syn);
	assert_string_equal(f->s.text, "x");
	assert_string_equal(f->s.chunks, "0+1");
	fx_free(f);
}

/* RST payload is ignored; SYN payload (TCP Fast Open) is stream data. */
static void test_rst_and_syn_data(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	seg(f, 10, SYN, "tfo", 1);
	seg(f, 14, PSH, "!", 2);
	seg(f, 15, RST | ACK, "reset reason", 3);
	rn_reasm_finish(&f->r, 4);
	assert_string_equal(f->s.text, "tfo!");
	assert_int_equal(f->r.missing, 0);
	fx_free(f);
}

/* A stream cut into random overlapping segments, some sent twice, all in a
 * shuffled order: every byte comes out once, nothing stays held. */
static void test_random_shuffles(void **state)
{
	(void)state;
	uint32_t x = 2463534242u;
#define RND() (x ^= x << 13, x ^= x >> 17, x ^= x << 5, x)
	enum { N = 3000 };
	static uint8_t stream[N];
	for (size_t i = 0; i < N; i++)
		stream[i] = (uint8_t)RND();
	for (int round = 0; round < 50; round++) {
		struct { uint32_t off, len; } segs[400];
		size_t ns = 0;
		for (uint32_t off = 0; off < N && ns < 200;) {
			uint32_t len = 1 + RND() % 120;
			if (off + len > N)
				len = N - off;
			segs[ns].off = off;
			segs[ns++].len = len;
			/* sometimes an overlapping copy starting earlier */
			if (RND() % 4 == 0 && off > 10 && ns < 400) {
				segs[ns].off = off - 1 - RND() % 10;
				segs[ns].len = len + 5 <= N - segs[ns].off ? len + 5 : N - segs[ns].off;
				ns++;
			}
			off += len;
		}
		size_t nall = ns;
		for (size_t i = 0; i < ns && nall < 400; i++)
			if (RND() % 3 == 0)
				segs[nall++] = segs[i];
		for (size_t i = nall - 1; i > 0; i--) {
			size_t j = RND() % (i + 1);
			__typeof__(segs[0]) t = segs[i];
			segs[i] = segs[j];
			segs[j] = t;
		}
		uint32_t isn = RND();
		struct rn_reasm r;
		rn_reasm_init(&r, NULL, NULL); /* counting only */
		assert_int_equal(rn_reasm_segment(&r, isn, SYN, NULL, 0, 0), 0);
		for (size_t i = 0; i < nall; i++) {
			assert_int_equal(rn_reasm_segment(&r, isn + 1 + segs[i].off, PSH,
							  stream + segs[i].off, segs[i].len, i),
					 0);
		}
		rn_reasm_finish(&r, 0);
		assert_int_equal(r.delivered, N);
		assert_int_equal(r.missing, 0);
		assert_null(r.held);
		rn_reasm_free(&r);
	}
}

/* The same, checking the bytes: a callback appends to a buffer. */
struct bytes_sink {
	uint8_t buf[4096];
	size_t n;
	uint64_t expect_off;
	bool order_ok;
};

static void append_bytes(void *ctx, const struct rn_reasm_chunk *c)
{
	struct bytes_sink *b = ctx;
	if (c->offset != b->expect_off)
		b->order_ok = false;
	b->expect_off = c->offset + c->len;
	if (c->data && b->n + c->len <= sizeof(b->buf)) {
		memcpy(b->buf + b->n, c->data, c->len);
		b->n += c->len;
	}
}

static void test_random_bytes(void **state)
{
	(void)state;
	uint32_t x = 88172645u;
	enum { N = 2000 };
	static uint8_t stream[N];
	for (size_t i = 0; i < N; i++)
		stream[i] = (uint8_t)RND();
	for (int round = 0; round < 50; round++) {
		struct bytes_sink b = { .order_ok = true };
		struct rn_reasm r;
		rn_reasm_init(&r, append_bytes, &b);
		uint32_t isn = RND();
		rn_reasm_segment(&r, isn, SYN, NULL, 0, 0);
		/* 300 random windows of the stream in random order, then all of it
		 * once in order as a final retransmission: the result is the stream. */
		for (int i = 0; i < 300; i++) {
			uint32_t off = RND() % N, len = 1 + RND() % 100;
			if (off + len > N)
				len = N - off;
			assert_int_equal(rn_reasm_segment(&r, isn + 1 + off, PSH, stream + off, len, 1), 0);
		}
		for (uint32_t off = 0; off < N; off += 500)
			rn_reasm_segment(&r, isn + 1 + off, PSH, stream + off, 500, 2);
		rn_reasm_finish(&r, 3);
		assert_true(b.order_ok);
		assert_int_equal(b.n, N);
		assert_memory_equal(b.buf, stream, N);
		assert_int_equal(r.missing, 0);
		rn_reasm_free(&r);
	}
#undef RND
}

/* rn_reasm_free releases held pieces that never got delivered (ASan checks). */
static void test_free_held(void **state)
{
	(void)state;
	struct fixture *f = fx_new();
	seg(f, 0, SYN, NULL, 1);
	seg(f, 100, PSH, "held", 2);
	seg(f, 200, PSH, "too", 3);
	assert_int_equal(f->r.held_bytes, 7);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_retransmission),
		cmocka_unit_test(test_overlap_first_wins),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_gap_by_ack),
		cmocka_unit_test(test_gap_at_finish),
		cmocka_unit_test(test_no_syn),
		cmocka_unit_test(test_rst_and_syn_data),
		cmocka_unit_test(test_random_shuffles),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_free_held),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
