/* Unit tests: the impairment engine (rawnet/impair.h) under a fake clock:
 * ordering, delay and jitter bounds, netem-style reordering, duplication,
 * corruption, token-bucket pacing, queue limits, seed reproducibility and
 * Gilbert-Elliott statistics. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rawnet/error.h"
#include "rawnet/impair.h"

#define MS 1000000ull
#define US 1000ull
#define FRAME_LEN 100

/* What came out of the engine: when, which frame, and its bytes. */
struct rec {
	uint64_t t;
	uint32_t id;
	uint32_t len;
	uint8_t bytes[FRAME_LEN];
};

struct run {
	struct rn_impair *im;
	uint64_t clock;
	struct rec *out;
	size_t nout, cap;
	size_t passed;       /* frames input() told us to send at once */
};

/* An Ethernet/IPv4-looking frame whose payload starts with the id. */
static void make_frame(uint8_t *f, size_t len, uint32_t id)
{
	memset(f, 0, len);
	memset(f, 0xff, 6);
	f[6] = 0x02;
	f[11] = 0x01;
	f[12] = 0x08;
	f[13] = 0x00;
	f[14] = (uint8_t)(id >> 24);
	f[15] = (uint8_t)(id >> 16);
	f[16] = (uint8_t)(id >> 8);
	f[17] = (uint8_t)id;
	for (size_t i = 18; i < len; i++)
		f[i] = (uint8_t)(i * 7 + id);
}

static uint32_t frame_id(const uint8_t *f)
{
	return (uint32_t)f[14] << 24 | (uint32_t)f[15] << 16 | (uint32_t)f[16] << 8 | f[17];
}

static void record(struct run *r, uint64_t t, const uint8_t *data, size_t len)
{
	if (r->nout == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 1024;
		r->out = realloc(r->out, r->cap * sizeof(*r->out));
		assert_non_null(r->out);
	}
	struct rec *x = &r->out[r->nout++];
	x->t = t;
	x->len = (uint32_t)len;
	memcpy(x->bytes, data, len < FRAME_LEN ? len : FRAME_LEN);
	x->id = len >= 18 ? frame_id(data) : 0;
}

/* Runs the engine's timers up to time t, as the wire loop does: jump to each
 * deadline, take every due frame. */
static void advance_to(struct run *r, uint64_t t)
{
	for (int guard = 0; guard < 1000000; guard++) {
		uint64_t d = rn_impair_deadline(r->im);
		if (d > t)
			break;
		if (d > r->clock)
			r->clock = d;
		struct rn_impair_frame f;
		int got = 0;
		while (rn_impair_next(r->im, r->clock, &f) == 1) {
			record(r, r->clock, f.data, f.len);
			got++;
		}
		rn_impair_recycle(r->im);
		assert_true(got > 0); /* a deadline that has come must yield a frame */
	}
	if (t > r->clock)
		r->clock = t;
}

static void send_at(struct run *r, uint64_t t, const uint8_t *f, size_t len)
{
	advance_to(r, t);
	int v = rn_impair_input(r->im, r->clock, f, len);
	assert_true(v == 0 || v == 1);
	if (v == 1) {
		record(r, r->clock, f, len);
		r->passed++;
	}
	advance_to(r, r->clock); /* a duplicate may be due at once */
}

static void send_id(struct run *r, uint64_t t, uint32_t id)
{
	uint8_t f[FRAME_LEN];
	make_frame(f, sizeof f, id);
	send_at(r, t, f, sizeof f);
}

static void run_init(struct run *r, const struct rn_impair_config *cfg, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(rn_impair_new(cfg, seed, &r->im), 0);
}

static void run_finish(struct run *r)
{
	advance_to(r, UINT64_MAX - 1);
	assert_int_equal(rn_impair_pending(r->im), 0);
	assert_int_equal(rn_impair_deadline(r->im), UINT64_MAX);
}

static void run_free(struct run *r)
{
	rn_impair_free(r->im);
	free(r->out);
}

/* No impairment: every frame takes the fast path, nothing is copied. */
static void test_passthrough(void **state)
{
	(void)state;
	struct rn_impair_config cfg;
	rn_impair_config_init(&cfg);
	assert_true(rn_impair_config_is_noop(&cfg));
	struct run r;
	run_init(&r, &cfg, 1);
	for (uint32_t i = 0; i < 1000; i++) {
		send_id(&r, i * US, i);
		assert_int_equal(rn_impair_pending(r.im), 0);
	}
	run_finish(&r);
	assert_int_equal(r.passed, 1000);
	assert_int_equal(r.nout, 1000);
	for (uint32_t i = 0; i < 1000; i++) {
		assert_int_equal(r.out[i].id, i);
		assert_int_equal(r.out[i].t, i * US);
	}
	struct rn_impair_stats st;
	rn_impair_stats(r.im, &st);
	assert_int_equal(st.received, 1000);
	assert_int_equal(st.forwarded, 1000);
	assert_int_equal(st.bytes_in, 1000 * FRAME_LEN);
	assert_int_equal(st.bytes_out, 1000 * FRAME_LEN);
	assert_int_equal(st.dropped + st.delayed + st.duplicated + st.corrupted + st.queue_drops, 0);
	run_free(&r);
}

/* A fixed delay keeps the order and releases each frame exactly on time. */
static void test_delay_order(void **state)
{
	(void)state;
	struct rn_impair_config cfg;
	rn_impair_config_init(&cfg);
	cfg.delay_ns = 10 * MS;
	struct run r;
	run_init(&r, &cfg, 1);
	for (uint32_t i = 0; i < 100; i++)
		send_id(&r, i * 300 * US, i);
	/* Nothing before its time. */
	struct rn_impair_frame f;
	uint64_t next_due = r.nout * 300 * US + 10 * MS;
	assert_int_equal(rn_impair_pending(r.im), 100 - r.nout);
	assert_int_equal(rn_impair_deadline(r.im), next_due);
	assert_int_equal(rn_impair_next(r.im, next_due - 1, &f), 0);
	run_finish(&r);
	assert_int_equal(r.passed, 0);
	assert_int_equal(r.nout, 100);
	for (uint32_t i = 0; i < 100; i++) {
		assert_int_equal(r.out[i].id, i);
		assert_int_equal(r.out[i].t, i * 300 * US + 10 * MS);
	}
	struct rn_impair_stats st;
	rn_impair_stats(r.im, &st);
	assert_int_equal(st.delayed, 100);
	assert_int_equal(st.forwarded, 100);
	run_free(&r);
}

/* Delays of every frame (output time - input time), indexed by id. */
static double *delays_ms(const struct run *r, uint32_t n, uint64_t spacing)
{
	double *d = calloc(n, sizeof(*d));
	assert_non_null(d);
	for (size_t i = 0; i < r->nout; i++) {
		assert_true(r->out[i].id < n);
		d[r->out[i].id] = (double)(r->out[i].t - r->out[i].id * spacing) / 1e6;
	}
	return d;
}

static void mean_sd(const double *x, size_t n, double *mean, double *sd)
{
	double s = 0, s2 = 0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	*mean = s / (double)n;
	for (size_t i = 0; i < n; i++)
		s2 += (x[i] - *mean) * (x[i] - *mean);
	*sd = sqrt(s2 / (double)(n - 1));
}

/* Uniform jitter: every delay in [d-j, d+j], the whole range used. */
static void test_jitter_uniform(void **state)
{
	(void)state;
	struct rn_impair_config cfg;
	rn_impair_config_init(&cfg);
	cfg.delay_ns = 50 * MS;
	cfg.jitter_ns = 5 * MS;
	enum { N = 20000 };
	struct run r;
	run_init(&r, &cfg, 7);
	for (uint32_t i = 0; i < N; i++)
		send_id(&r, i * 100 * US, i);
	run_finish(&r);
	assert_int_equal(r.nout, N);
	double *d = delays_ms(&r, N, 100 * US);
	double lo = 1e9, hi = 0, mean, sd;
	for (size_t i = 0; i < N; i++) {
		lo = fmin(lo, d[i]);
		hi = fmax(hi, d[i]);
	}
	mean_sd(d, N, &mean, &sd);
	assert_true(lo >= 45.0 && lo < 45.05);
	assert_true(hi <= 55.0 && hi > 54.95);
	assert_true(fabs(mean - 50.0) < 0.1);
	assert_true(fabs(sd - 5.0 / sqrt(3.0)) < 0.1); /* uniform: j / sqrt(3) */
	/* Jitter larger than the spacing reorders, as netem's tfifo does; the
	 * output still comes in time order. */
	for (size_t i = 1; i < r.nout; i++)
		assert_true(r.out[i].t >= r.out[i - 1].t);
	free(d);
	run_free(&r);
}

/* Normal jitter: mean d, deviation j, cut at 4 deviations, never negative. */
static void test_jitter_normal(void **state)
{
	(void)state;
	struct rn_impair_config cfg;
	rn_impair_config_init(&cfg);
	cfg.delay_ns = 50 * MS;
	cfg.jitter_ns = 5 * MS;
	cfg.dist = RN_IMPAIR_NORMAL;
	enum { N = 20000 };
	struct run r;
	run_init(&r, &cfg, 8);
	for (uint32_t i = 0; i < N; i++)
		send_id(&r, i * 100 * US, i);
	run_finish(&r);
	double *d = delays_ms(&r, N, 100 * US);
	double mean, sd;
	size_t within1 = 0;
	for (size_t i = 0; i < N; i++) {
		assert_true(d[i] >= 30.0 && d[i] <= 70.0);
		within1 += fabs(d[i] - 50.0) <= 5.0;
	}
	mean_sd(d, N, &mean, &sd);
	assert_true(fabs(mean - 50.0) < 0.15);
	assert_true(fabs(sd - 5.0) < 0.15);
	/* 68.3% within one deviation. */
	assert_true(fabs((double)within1 / N - 0.683) < 0.015);
	free(d);

	/* Jitter bigger than the delay: clamped at zero, never wrapped. */
	cfg.delay_ns = 1 * MS;
	cfg.jitter_ns = 10 * MS;
	run_free(&r);
	run_init(&r, &cfg, 9);
	for (uint32_t i = 0; i < 2000; i++)
		send_id(&r, i * MS, i);
	run_finish(&r);
	d = delays_ms(&r, 2000, MS);
	for (size_t i = 0; i < 2000; i++)
		assert_true(d[i] >= 0.0 && d[i] <= 41.0);
	free(d);
	run_free(&r);
}

/* netem's reorder: the chosen frames skip the delay and leave ahead of the
 * frames still being delayed. */
static void test_reorder(void **state)
{
	(void)state;
	struct rn_impair_config cfg;
	rn_impair_config_init(&cfg);
	cfg.delay_ns = 10 * MS;
	cfg.reorder = 0.3;
	enum { N = 5000 };
	struct run r;
	run_init(&r, &cfg, 3);
	for (uint32_t i = 0; i < N; i++)
		send_id(&r, i * MS, i);
	run_finish(&r);
	assert_int_equal(r.nout, N);
	size_t immediate = 0, inversions = 0;
	for (size_t i = 0; i < r.nout; i++) {
		uint64_t sent = r.out[i].id * MS;
		assert_true(r.out[i].t == sent || r.out[i].t == sent + 10 * MS);
		immediate += r.out[i].t == sent;
		if (i && r.out[i].id < r.out[i - 1].id)
			inversions++;
	}
	assert_int_equal(immediate, r.passed); /* the fast path, nothing copied */
	assert_true(fabs((double)immediate / N - 0.3) < 0.025);
	assert_true(inversions > N / 10);
	struct rn_impair_stats st;
	rn_impair_stats(r.im, &st);
	assert_int_equal(st.reordered, immediate);
	assert_int_equal(st.delayed, N - immediate);
	run_free(&r);
}

/* Reordered frames are not held back behind due frames of their own engine. */
static void test_reorder_mixed(void **state)
{
	(void)state;
	struct rn_impair_config cfg;
	rn_impair_config_init(&cfg);
	cfg.delay_ns = 100 * MS;
	cfg.reorder = 0.5;
	struct run r;
	run_init(&r, &cfg, 11);
	for (uint32_t i = 0; i < 50; i++)
		send_id(&r, i * MS, i);
	/* Before any delay expired, only reordered frames are out, each at its own time. */
	assert_true(r.nout > 10 && r.nout < 40);
	for (size_t i = 0; i < r.nout; i++)
		assert_int_equal(r.out[i].t, r.out[i].id * MS);
	size_t early = r.nout;
	run_finish(&r);
	for (size_t i = early; i < r.nout; i++)
		assert_int_equal(r.out[i].t, r.out[i].id * MS + 100 * MS);
	run_free(&r);
}

static void test_dup(void **state)
{
	(void)state;
	struct rn_impair_config cfg;
	rn_impair_config_init(&cfg);
	cfg.dup = 1.0;
	struct run r;
	run_init(&r, &cfg, 5);
	for (uint32_t i = 0; i < 100; i++)
		send_id(&r, i * MS, i);
	run_finish(&r);
	assert_int_equal(r.nout, 200);
	for (uint32_t i = 0; i < 100; i++) {
		/* The original, then its copy, both at once and identical. */
		assert_int_equal(r.out[2 * i].id, i);
		assert_int_equal(r.out[2 * i + 1].id, i);
		assert_int_equal(r.out[2 * i + 1].t, i * MS);
		assert_memory_equal(r.out[2 * i].bytes, r.out[2 * i + 1].bytes, FRAME_LEN);
	}
	struct rn_impair_stats st;
	rn_impair_stats(r.im, &st);
	assert_int_equal(st.duplicated, 100);
	assert_int_equal(st.forwarded, 200);
	run_free(&r);

	cfg.dup = 0.25;
	run_init(&r, &cfg, 6);
	for (uint32_t i = 0; i < 20000; i++)
		send_id(&r, i * US, i);
	run_finish(&r);
	assert_true(fabs((double)(r.nout - 20000) / 20000 - 0.25) < 0.015);
	run_free(&r);
}

/* One bit flipped, never in the Ethernet header or its VLAN tags. */
static void test_corrupt(void **state)
{
	(void)state;
	struct rn_impair_config cfg;
	rn_impair_config_init(&cfg);
	cfg.corrupt = 1.0;
	struct run r;
	run_init(&r, &cfg, 12);
	uint8_t f[FRAME_LEN], tagged[FRAME_LEN];
	size_t hit_lo = 0, hit_hi = 0;
	for (uint32_t i = 0; i < 2000; i++) {
		bool vlan = i & 1;
		make_frame(f, sizeof f, i);
		if (vlan) { /* 802.1ad + 802.1Q in front of IPv4: 22-byte header */
			memcpy(tagged, f, 12);
			const uint8_t tags[] = { 0x88, 0xa8, 0x00, 0x05, 0x81, 0x00, 0x00, 0x07 };
			memcpy(tagged + 12, tags, sizeof tags);
			memcpy(tagged + 20, f + 12, sizeof f - 20);
			memcpy(f, tagged, sizeof f);
		}
		size_t before = r.nout;
		send_at(&r, i * MS, f, sizeof f);
		assert_int_equal(r.nout, before + 1);
		const uint8_t *o = r.out[before].bytes;
		int bits = 0;
		size_t where = 0;
		for (size_t b = 0; b < sizeof f; b++)
			if (o[b] != f[b]) {
				bits += __builtin_popcount(o[b] ^ f[b]);
				where = b;
			}
		assert_int_equal(bits, 1);
		assert_true(where >= (vlan ? 22u : 14u));
		hit_lo += where < 30;
		hit_hi += where >= FRAME_LEN - 10;
	}
	assert_true(hit_lo > 0 && hit_hi > 0); /* the whole payload is reachable */
	assert_int_equal(r.passed, 0);
	/* A frame that is all header cannot be corrupted; it still goes out. */
	make_frame(f, 14, 0);
	size_t before = r.nout;
	send_at(&r, 3000 * MS, f, 14);
	assert_int_equal(r.nout, before + 1);
	assert_memory_equal(r.out[before].bytes, f, 14);
	struct rn_impair_stats st;
	rn_impair_stats(r.im, &st);
	assert_int_equal(st.corrupted, 2000);
	run_free(&r);
}

/* Metadata in front of the frame is carried untouched and not rated. */
static void test_meta(void **state)
{
	(void)state;
	struct rn_impair_config cfg;
	rn_impair_config_init(&cfg);
	cfg.corrupt = 1.0;
	cfg.meta_len = 10;
	struct rn_impair *im;
	assert_int_equal(rn_impair_new(&cfg, 1, &im), 0);
	uint8_t buf[10 + FRAME_LEN];
	memset(buf, 0xa5, 10);
	make_frame(buf + 10, FRAME_LEN, 42);
	for (int i = 0; i < 500; i++) {
		assert_int_equal(rn_impair_input(im, (uint64_t)i, buf, sizeof buf), 0);
		struct rn_impair_frame f;
		assert_int_equal(rn_impair_next(im, (uint64_t)i, &f), 1);
		assert_int_equal(f.len, sizeof buf);
		assert_memory_equal(f.data, buf, 10 + 14);
		rn_impair_recycle(im);
	}
	assert_int_equal(rn_impair_input(im, 0, buf, 9), -RN_EINVAL);
	struct rn_impair_stats st;
	rn_impair_stats(im, &st);
	assert_int_equal(st.bytes_in, 500 * FRAME_LEN);
	rn_impair_free(im);
}

/* 1 Mbit/s: a 1250-byte frame costs 10 ms; after the burst, one every 10 ms. */
static void test_rate_pacing(void **state)
{
	(void)state;
	struct rn_impair_config cfg;
	rn_impair_config_init(&cfg);
	assert_int_equal(rn_impair_parse_rate("1mbit", &cfg.rate_bps), 0);
	struct run r;
	run_init(&r, &cfg, 1);
	uint8_t f[1250];
	for (uint32_t i = 0; i < 100; i++) {
		make_frame(f, sizeof f, i);
		send_at(&r, 0, f, sizeof f);
	}
	/* The bucket holds two full frames' worth (24.2 ms): three go at once. */
	assert_int_equal(r.passed, 3);
	assert_int_equal(rn_impair_pending(r.im), 97);
	run_finish(&r);
	assert_int_equal(r.nout, 100);
	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(r.out[i].id, i);
	for (uint32_t i = 4; i < 100; i++)
		assert_int_equal(r.out[i].t - r.out[i - 1].t, 10 * MS);
	/* The 4th leaves once the bucket is out of debt (5.776 ms), then one per 10 ms. */
	assert_int_equal(r.out[99].t, 96 * 10 * MS + 5776 * US);
	struct rn_impair_stats st;
	rn_impair_stats(r.im, &st);
	assert_int_equal(st.rate_waits, 97);
	run_free(&r);

	/* Offered 2 Mbit/s for 2 s into 1 Mbit/s with a deep queue: 1 Mbit/s out. */
	cfg.limit = 100000;
	run_init(&r, &cfg, 1);
	for (uint32_t i = 0; i < 400; i++) {
		make_frame(f, sizeof f, i);
		send_at(&r, i * 5 * MS, f, sizeof f);
	}
	size_t bits = 0;
	for (size_t i = 0; i < r.nout; i++)
		bits += r.out[i].len * 8;
	double secs = (double)r.clock / 1e9;
	assert_true(fabs((double)bits / secs / 1e6 - 1.0) < 0.02);
	run_free(&r);
}

/* A full queue drops, and what it held still leaves at the rate. */
static void test_queue_limit(void **state)
{
	(void)state;
	struct rn_impair_config cfg;
	rn_impair_config_init(&cfg);
	cfg.rate_bps = 1000000;
	cfg.limit = 10;
	struct run r;
	run_init(&r, &cfg, 1);
	uint8_t f[1250];
	for (uint32_t i = 0; i < 50; i++) {
		make_frame(f, sizeof f, i);
		send_at(&r, 0, f, sizeof f);
	}
	assert_int_equal(rn_impair_pending(r.im), 10);
	struct rn_impair_stats st;
	rn_impair_stats(r.im, &st);
	assert_int_equal(st.queue_drops, 37);
	run_finish(&r);
	assert_int_equal(r.nout, 13);
	for (uint32_t i = 0; i < 13; i++)
		assert_int_equal(r.out[i].id, i);
	rn_impair_stats(r.im, &st);
	assert_int_equal(st.forwarded, 13);
	assert_int_equal(st.received, 50);
	run_free(&r);

	/* The limit counts delayed frames too (netem's tfifo limit). */
	rn_impair_config_init(&cfg);
	cfg.delay_ns = 10 * MS;
	cfg.limit = 5;
	run_init(&r, &cfg, 1);
	for (uint32_t i = 0; i < 20; i++)
		send_id(&r, i * US, i);
	rn_impair_stats(r.im, &st);
	assert_int_equal(st.queue_drops, 15);
	run_finish(&r);
	assert_int_equal(r.nout, 5);
	run_free(&r);
}

static void run_mixed(struct run *r, uint64_t seed)
{
	struct rn_impair_config cfg;
	rn_impair_config_init(&cfg);
	cfg.loss = 0.2;
	cfg.dup = 0.1;
	cfg.corrupt = 0.1;
	cfg.delay_ns = 5 * MS;
	cfg.jitter_ns = 2 * MS;
	cfg.reorder = 0.2;
	run_init(r, &cfg, seed);
	for (uint32_t i = 0; i < 3000; i++)
		send_id(r, i * 500 * US, i);
	run_finish(r);
}

/* The same seed and input give the very same output; another seed does not. */
static void test_seed(void **state)
{
	(void)state;
	struct run a, b, c;
	run_mixed(&a, 1234);
	run_mixed(&b, 1234);
	run_mixed(&c, 1235);
	assert_int_equal(a.nout, b.nout);
	for (size_t i = 0; i < a.nout; i++) {
		assert_int_equal(a.out[i].t, b.out[i].t);
		assert_memory_equal(a.out[i].bytes, b.out[i].bytes, FRAME_LEN);
	}
	bool differ = a.nout != c.nout;
	for (size_t i = 0; !differ && i < a.nout; i++)
		differ = a.out[i].t != c.out[i].t || memcmp(a.out[i].bytes, c.out[i].bytes, FRAME_LEN);
	assert_true(differ);
	struct rn_impair_stats sa, sb;
	rn_impair_stats(a.im, &sa);
	rn_impair_stats(b.im, &sb);
	assert_memory_equal(&sa, &sb, sizeof sa);
	assert_true(sa.dropped > 0 && sa.duplicated > 0 && sa.corrupted > 0 && sa.reordered > 0);
	run_free(&a);
	run_free(&b);
	run_free(&c);
}

/* Independent loss: 20% of 100000 frames, and the 36% of round trips the
 * namespace test expects (two passes). */
static void test_loss(void **state)
{
	(void)state;
	struct rn_impair_config cfg;
	rn_impair_config_init(&cfg);
	assert_int_equal(rn_impair_parse_percent("20%", &cfg.loss), 0);
	struct rn_impair *ab, *ba;
	assert_int_equal(rn_impair_new(&cfg, 1, &ab), 0);
	assert_int_equal(rn_impair_new(&cfg, 2, &ba), 0);
	uint8_t f[64];
	make_frame(f, sizeof f, 0);
	size_t lost_rt = 0, lost1 = 0;
	for (int i = 0; i < 100000; i++) {
		int there = rn_impair_input(ab, (uint64_t)i, f, sizeof f);
		lost1 += !there;
		int back = there && rn_impair_input(ba, (uint64_t)i, f, sizeof f);
		lost_rt += !back;
	}
	assert_true(fabs(lost1 / 1e5 - 0.2) < 0.005);
	assert_true(fabs(lost_rt / 1e5 - 0.36) < 0.006);
	struct rn_impair_stats st;
	rn_impair_stats(ab, &st);
	assert_int_equal(st.dropped, lost1);
	assert_int_equal(st.forwarded + st.dropped, 100000);
	rn_impair_free(ab);
	rn_impair_free(ba);
}

/* Simple Gilbert model: loss rate p/(p+r), bursts of mean length 1/r. */
static void ge_run(double p, double r, double bad, double good, uint64_t seed,
		   double *rate, double *burst)
{
	struct rn_impair_config cfg;
	rn_impair_config_init(&cfg);
	cfg.ge_p = p;
	cfg.ge_r = r;
	cfg.ge_bad_loss = bad;
	cfg.ge_good_loss = good;
	struct rn_impair *im;
	assert_int_equal(rn_impair_new(&cfg, seed, &im), 0);
	uint8_t f[64];
	make_frame(f, sizeof f, 0);
	size_t n = 400000, lost_n = 0, bursts = 0;
	bool prev = false;
	for (size_t i = 0; i < n; i++) {
		bool lost_now = rn_impair_input(im, i, f, sizeof f) == 0;
		lost_n += lost_now;
		bursts += lost_now && !prev;
		prev = lost_now;
	}
	*rate = (double)lost_n / (double)n;
	*burst = (double)lost_n / (double)bursts;
	rn_impair_free(im);
}

static void test_gilbert_elliott(void **state)
{
	(void)state;
	double rate, burst;
	ge_run(0.05, 0.25, 1.0, 0.0, 21, &rate, &burst);
	assert_true(fabs(rate - 0.05 / 0.30) < 0.01);
	assert_true(fabs(burst - 4.0) < 0.15);
	ge_run(0.01, 0.5, 1.0, 0.0, 22, &rate, &burst);
	assert_true(fabs(rate - 0.01 / 0.51) < 0.003);
	assert_true(fabs(burst - 2.0) < 0.1);
	/* Full Gilbert-Elliott: bad state loses half, good state 1%. */
	ge_run(0.1, 0.1, 0.5, 0.01, 23, &rate, &burst);
	assert_true(fabs(rate - (0.5 * 0.5 + 0.5 * 0.01)) < 0.01);
	/* Bursty against independent loss at the same rate: longer runs. */
	assert_true(burst > 1.3);
}

static void test_parse(void **state)
{
	(void)state;
	double p;
	uint64_t v;
	assert_int_equal(rn_impair_parse_percent("20%", &p), 0);
	assert_true(p == 0.2);
	assert_int_equal(rn_impair_parse_percent("0.5", &p), 0);
	assert_true(p == 0.005);
	assert_int_equal(rn_impair_parse_percent("100%", &p), 0);
	assert_true(p == 1.0);
	assert_int_equal(rn_impair_parse_percent("101%", &p), -RN_EINVAL);
	assert_int_equal(rn_impair_parse_percent("-1%", &p), -RN_EINVAL);
	assert_int_equal(rn_impair_parse_percent("x", &p), -RN_EINVAL);
	assert_int_equal(rn_impair_parse_percent("5%%", &p), -RN_EINVAL);
	assert_int_equal(rn_impair_parse_percent("", &p), -RN_EINVAL);
	assert_int_equal(rn_impair_parse_percent("nan", &p), -RN_EINVAL);

	assert_int_equal(rn_impair_parse_rate("10mbit", &v), 0);
	assert_int_equal(v, 10000000);
	assert_int_equal(rn_impair_parse_rate("500kbit", &v), 0);
	assert_int_equal(v, 500000);
	assert_int_equal(rn_impair_parse_rate("1gbit", &v), 0);
	assert_int_equal(v, 1000000000);
	assert_int_equal(rn_impair_parse_rate("1.5Mbit", &v), 0);
	assert_int_equal(v, 1500000);
	assert_int_equal(rn_impair_parse_rate("100kbps", &v), 0);
	assert_int_equal(v, 800000);
	assert_int_equal(rn_impair_parse_rate("64000", &v), 0);
	assert_int_equal(v, 64000);
	assert_int_equal(rn_impair_parse_rate("0", &v), -RN_EINVAL);
	assert_int_equal(rn_impair_parse_rate("10 mbit", &v), -RN_EINVAL);
	assert_int_equal(rn_impair_parse_rate("10furlongs", &v), -RN_EINVAL);

	assert_int_equal(rn_impair_parse_ms("50", &v), 0);
	assert_int_equal(v, 50 * MS);
	assert_int_equal(rn_impair_parse_ms("50ms", &v), 0);
	assert_int_equal(v, 50 * MS);
	assert_int_equal(rn_impair_parse_ms("250us", &v), 0);
	assert_int_equal(v, 250 * US);
	assert_int_equal(rn_impair_parse_ms("1.5s", &v), 0);
	assert_int_equal(v, 1500 * MS);
	assert_int_equal(rn_impair_parse_ms("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(rn_impair_parse_ms("-5", &v), -RN_EINVAL);
	assert_int_equal(rn_impair_parse_ms("5h", &v), -RN_EINVAL);
	assert_int_equal(rn_impair_parse_ms("99999s", &v), -RN_EINVAL);
}

static void test_bad_config(void **state)
{
	(void)state;
	struct rn_impair_config cfg;
	struct rn_impair *im = NULL;
	rn_impair_config_init(&cfg);
	cfg.loss = 1.5;
	assert_int_equal(rn_impair_new(&cfg, 1, &im), -RN_EINVAL);
	rn_impair_config_init(&cfg);
	cfg.dup = NAN;
	assert_int_equal(rn_impair_new(&cfg, 1, &im), -RN_EINVAL);
	rn_impair_config_init(&cfg);
	cfg.dist = (enum rn_impair_dist)7;
	assert_int_equal(rn_impair_new(&cfg, 1, &im), -RN_EINVAL);
	assert_null(im);
	rn_impair_config_init(&cfg);
	cfg.delay_ns = 1;
	assert_false(rn_impair_config_is_noop(&cfg));
	rn_impair_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passthrough),
		cmocka_unit_test(test_delay_order),
		cmocka_unit_test(test_jitter_uniform),
		cmocka_unit_test(test_jitter_normal),
		cmocka_unit_test(test_reorder),
		cmocka_unit_test(test_reorder_mixed),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_meta),
		cmocka_unit_test(test_rate_pacing),
		cmocka_unit_test(test_queue_limit),
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_loss),
		cmocka_unit_test(test_gilbert_elliott),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bad_config),
	};
	return cmocka_run_group_tests_name("impair", tests, NULL, NULL);
}
