/* The impairment engine (see rawnet/impair.h): netem's model of loss,
 * Gilbert-Elliott bursts, delay, jitter, reordering, duplication, corruption
 * and rate, driven by a clock the caller passes in. No system calls here.
 *
 * Held frames live in two places: a binary min-heap ordered by (due time,
 * arrival number) while they are being delayed, then a FIFO in front of the
 * token bucket once they are due. Buffers are recycled through a free list. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rawnet/error.h"
#include "rawnet/impair.h"
#include "rawnet/view.h"

#define DEFAULT_LIMIT 1000
#define MAX_FREE_ITEMS 256
#define MIN_ITEM_CAP 2048
#define NS_PER_S 1000000000ull

struct item {
	uint64_t due, seq;
	uint32_t len, cap;
	struct item *next;       /* free list or handed-out list */
	uint8_t data[];
};

struct rn_impair {
	struct rn_impair_config cfg;
	uint64_t rng[4];         /* xoshiro256** state */
	bool ge_bad;             /* Gilbert-Elliott state */
	uint64_t now;            /* latest time seen */
	uint64_t seq;            /* arrival counter: ties in the heap keep arrival order */
	size_t limit;

	struct item **heap;      /* delayed frames, min-heap on (due, seq) */
	size_t nheap;
	struct item **fifo;      /* due frames waiting for the token bucket (ring) */
	size_t fifo_head, nfifo;

	struct item *free_items; /* recycled buffers */
	size_t nfree;
	struct item *out;        /* handed out since the last recycle */

	int64_t credit_ns;       /* token bucket, in nanoseconds of transmission time */
	int64_t burst_ns;
	uint64_t refilled_at;
	bool bucket_started;

	struct rn_impair_stats st;
};

/* --- PRNG: xoshiro256** seeded through splitmix64 (Blackman & Vigna) ------ */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rn_impair *im)
{
	uint64_t *s = im->rng;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1). */
static double rng_unit(struct rn_impair *im)
{
	return (double)(rng_next(im) >> 11) * 0x1.0p-53;
}

/* True with probability p; draws nothing when p is 0 or 1. */
static bool rng_chance(struct rn_impair *im, double p)
{
	if (p <= 0)
		return false;
	if (p >= 1)
		return true;
	return rng_unit(im) < p;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift, bias < n / 2^64). */
static uint64_t rng_below(struct rn_impair *im, uint64_t n)
{
	uint64_t hi = (uint64_t)(((unsigned __int128)rng_next(im) * n) >> 64);
	return hi;
}

/* Standard normal (Box-Muller), cut at +-4. */
static double rng_normal(struct rn_impair *im)
{
	double u1 = 1.0 - rng_unit(im); /* (0, 1] */
	double u2 = rng_unit(im);
	double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
	if (z > 4)
		z = 4;
	if (z < -4)
		z = -4;
	return z;
}

/* --- configuration ------------------------------------------------------- */

void rn_impair_config_init(struct rn_impair_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ge_bad_loss = 1.0;
	cfg->dist = RN_IMPAIR_UNIFORM;
}

int rn_impair_config_is_noop(const struct rn_impair_config *cfg)
{
	return cfg->loss <= 0 && cfg->ge_p <= 0 && cfg->delay_ns == 0 && cfg->jitter_ns == 0 &&
	       cfg->dup <= 0 && cfg->corrupt <= 0 && cfg->rate_bps == 0;
}

static bool prob_ok(double p)
{
	return p >= 0 && p <= 1; /* false for NaN too */
}

/* Transmission time of len bytes at the configured rate. */
static int64_t tx_cost_ns(const struct rn_impair *im, uint64_t len)
{
	return (int64_t)((unsigned __int128)len * 8 * NS_PER_S / im->cfg.rate_bps);
}

int rn_impair_new(const struct rn_impair_config *cfg, uint64_t seed, struct rn_impair **out)
{
	if (!prob_ok(cfg->loss) || !prob_ok(cfg->ge_p) || !prob_ok(cfg->ge_r) ||
	    !prob_ok(cfg->ge_bad_loss) || !prob_ok(cfg->ge_good_loss) || !prob_ok(cfg->reorder) ||
	    !prob_ok(cfg->dup) || !prob_ok(cfg->corrupt) ||
	    (cfg->dist != RN_IMPAIR_UNIFORM && cfg->dist != RN_IMPAIR_NORMAL) ||
	    cfg->delay_ns > 3600 * NS_PER_S || cfg->jitter_ns > 3600 * NS_PER_S)
		return -RN_EINVAL;
	struct rn_impair *im = calloc(1, sizeof(*im));
	if (!im)
		return -ENOMEM;
	im->cfg = *cfg;
	im->limit = cfg->limit ? cfg->limit : DEFAULT_LIMIT;
	im->heap = calloc(im->limit, sizeof(*im->heap));
	im->fifo = calloc(im->limit, sizeof(*im->fifo));
	if (!im->heap || !im->fifo) {
		rn_impair_free(im);
		return -ENOMEM;
	}
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		im->rng[i] = splitmix64(&x);
	if (cfg->rate_bps) {
		if (cfg->burst_bytes) {
			im->burst_ns = tx_cost_ns(im, cfg->burst_bytes);
		} else {
			im->burst_ns = tx_cost_ns(im, 2 * 1514);
			if (im->burst_ns < 1000000)
				im->burst_ns = 1000000;
		}
		im->credit_ns = im->burst_ns;
	}
	*out = im;
	return 0;
}

static void free_list(struct item *it)
{
	while (it) {
		struct item *next = it->next;
		free(it);
		it = next;
	}
}

void rn_impair_free(struct rn_impair *im)
{
	if (!im)
		return;
	for (size_t i = 0; i < im->nheap; i++)
		free(im->heap[i]);
	for (size_t i = 0; i < im->nfifo; i++)
		free(im->fifo[(im->fifo_head + i) % im->limit]);
	free_list(im->free_items);
	free_list(im->out);
	free(im->heap);
	free(im->fifo);
	free(im);
}

/* --- buffers ------------------------------------------------------------- */

static struct item *item_get(struct rn_impair *im, size_t len)
{
	struct item *it = im->free_items;
	if (it && it->cap >= len) {
		im->free_items = it->next;
		im->nfree--;
	} else {
		size_t cap = len < MIN_ITEM_CAP ? MIN_ITEM_CAP : len;
		it = malloc(sizeof(*it) + cap);
		if (!it)
			return NULL;
		it->cap = (uint32_t)cap;
	}
	it->len = (uint32_t)len;
	it->next = NULL;
	return it;
}

static void item_put(struct rn_impair *im, struct item *it)
{
	if (im->nfree >= MAX_FREE_ITEMS) {
		free(it);
		return;
	}
	it->next = im->free_items;
	im->free_items = it;
	im->nfree++;
}

void rn_impair_recycle(struct rn_impair *im)
{
	while (im->out) {
		struct item *next = im->out->next;
		item_put(im, im->out);
		im->out = next;
	}
}

/* --- the delay heap ------------------------------------------------------ */

static bool before(const struct item *a, const struct item *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_push(struct rn_impair *im, struct item *it)
{
	size_t i = im->nheap++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(it, im->heap[parent]))
			break;
		im->heap[i] = im->heap[parent];
		i = parent;
	}
	im->heap[i] = it;
}

static struct item *heap_pop(struct rn_impair *im)
{
	struct item *top = im->heap[0];
	struct item *last = im->heap[--im->nheap];
	size_t i = 0, n = im->nheap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && before(im->heap[c + 1], im->heap[c]))
			c++;
		if (!before(im->heap[c], last))
			break;
		im->heap[i] = im->heap[c];
		i = c;
	}
	if (n)
		im->heap[i] = last;
	return top;
}

/* --- the token bucket ---------------------------------------------------- */

static void bucket_refill(struct rn_impair *im, uint64_t now)
{
	if (!im->cfg.rate_bps)
		return;
	if (!im->bucket_started) {
		im->bucket_started = true;
		im->refilled_at = now;
		return;
	}
	if (now <= im->refilled_at)
		return;
	uint64_t dt = now - im->refilled_at;
	im->refilled_at = now;
	if (dt > (uint64_t)(im->burst_ns - im->credit_ns))
		im->credit_ns = im->burst_ns;
	else
		im->credit_ns += (int64_t)dt;
}

/* Takes the tokens for len bytes if the bucket is not in debt. */
static bool bucket_take(struct rn_impair *im, size_t len)
{
	if (!im->cfg.rate_bps)
		return true;
	if (im->credit_ns < 0)
		return false;
	im->credit_ns -= tx_cost_ns(im, len);
	return true;
}

/* --- input and output ---------------------------------------------------- */

static uint64_t advance(struct rn_impair *im, uint64_t now)
{
	if (now > im->now)
		im->now = now;
	return im->now;
}

/* Moves the frames due by now from the heap into the FIFO. */
static void promote(struct rn_impair *im, uint64_t now)
{
	while (im->nheap && im->heap[0]->due <= now) {
		struct item *it = heap_pop(im);
		im->fifo[(im->fifo_head + im->nfifo) % im->limit] = it;
		im->nfifo++;
	}
}

static uint64_t delay_sample(struct rn_impair *im)
{
	const struct rn_impair_config *c = &im->cfg;
	if (!c->jitter_ns)
		return c->delay_ns;
	double off;
	if (c->dist == RN_IMPAIR_NORMAL)
		off = rng_normal(im) * (double)c->jitter_ns;
	else
		off = (2.0 * rng_unit(im) - 1.0) * (double)c->jitter_ns;
	double d = (double)c->delay_ns + off;
	return d <= 0 ? 0 : (uint64_t)llround(d);
}

/* Bytes of Ethernet header, 802.1Q/802.1ad tags included. */
static size_t link_header_len(struct rn_view v)
{
	size_t off = 12;
	for (int tags = 0; tags < 4; tags++) {
		uint16_t type = rn_view_be16(v, off);
		if (!rn_view_has(v, off, 2))
			return v.len;
		if (type != 0x8100 && type != 0x88a8 && type != 0x9100)
			break;
		off += 4;
	}
	return off + 2 < v.len ? off + 2 : v.len;
}

/* Flips one random bit after the link header; false when there is no payload. */
static bool corrupt_one_bit(struct rn_impair *im, uint8_t *frame, size_t len)
{
	size_t hl = link_header_len(rn_view_make(frame, len));
	if (hl >= len)
		return false;
	uint64_t bit = rng_below(im, (uint64_t)(len - hl) * 8);
	frame[hl + bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
	return true;
}

static bool lost(struct rn_impair *im)
{
	const struct rn_impair_config *c = &im->cfg;
	if (c->ge_p > 0) {
		bool drop = rng_chance(im, im->ge_bad ? c->ge_bad_loss : c->ge_good_loss);
		if (im->ge_bad) {
			if (rng_chance(im, c->ge_r))
				im->ge_bad = false;
		} else if (rng_chance(im, c->ge_p)) {
			im->ge_bad = true;
		}
		return drop;
	}
	return rng_chance(im, c->loss);
}

int rn_impair_input(struct rn_impair *im, uint64_t now_ns, const void *frame, size_t len)
{
	const struct rn_impair_config *c = &im->cfg;
	if (len < c->meta_len || len - c->meta_len > 0x7fffffff)
		return -RN_EINVAL;
	uint64_t now = advance(im, now_ns);
	size_t link_len = len - c->meta_len;
	im->st.received++;
	im->st.bytes_in += link_len;
	if (lost(im)) {
		im->st.dropped++;
		return 0;
	}
	int copies = 1;
	if (rng_chance(im, c->dup)) {
		copies = 2;
		im->st.duplicated++;
	}
	promote(im, now);
	bucket_refill(im, now);
	int verdict = 0, err = 0;
	for (int i = 0; i < copies; i++) {
		bool corrupt = rng_chance(im, c->corrupt);
		uint64_t due = now;
		if (c->delay_ns || c->jitter_ns) {
			if (rng_chance(im, c->reorder)) {
				im->st.reordered++;
			} else {
				due = now + delay_sample(im);
				if (due > now)
					im->st.delayed++;
			}
		}
		/* The fast path: the original, unchanged, due now, nothing due
		 * ahead of it, and the bucket lets it through. */
		if (i == 0 && !corrupt && due <= now && im->nfifo == 0 &&
		    bucket_take(im, link_len)) {
			im->st.forwarded++;
			im->st.bytes_out += link_len;
			verdict = 1;
			continue;
		}
		if (im->nheap + im->nfifo >= im->limit) {
			im->st.queue_drops++;
			continue;
		}
		struct item *it = item_get(im, len);
		if (!it) {
			im->st.queue_drops++;
			err = -ENOMEM;
			continue;
		}
		memcpy(it->data, frame, len);
		if (corrupt && corrupt_one_bit(im, it->data + c->meta_len, link_len))
			im->st.corrupted++;
		it->due = due;
		it->seq = im->seq++;
		heap_push(im, it);
	}
	return verdict ? verdict : err;
}

/* When the token bucket is out of debt (the past when it is not). */
static uint64_t bucket_ready(const struct rn_impair *im)
{
	if (im->cfg.rate_bps && im->credit_ns < 0)
		return im->refilled_at + (uint64_t)(-im->credit_ns);
	return 0;
}

int rn_impair_next(struct rn_impair *im, uint64_t now_ns, struct rn_impair_frame *out)
{
	uint64_t now = advance(im, now_ns);
	promote(im, now);
	if (!im->nfifo)
		return 0;
	struct item *it = im->fifo[im->fifo_head];
	bool waited = bucket_ready(im) > it->due;
	bucket_refill(im, now);
	size_t link_len = it->len - im->cfg.meta_len;
	if (!bucket_take(im, link_len))
		return 0;
	if (waited)
		im->st.rate_waits++;
	im->fifo_head = (im->fifo_head + 1) % im->limit;
	im->nfifo--;
	it->next = im->out;
	im->out = it;
	im->st.forwarded++;
	im->st.bytes_out += link_len;
	out->data = it->data;
	out->len = it->len;
	return 1;
}

uint64_t rn_impair_deadline(const struct rn_impair *im)
{
	uint64_t ready = bucket_ready(im);
	if (im->nfifo)
		return ready > im->now ? ready : im->now;
	if (im->nheap)
		return im->heap[0]->due > ready ? im->heap[0]->due : ready;
	return UINT64_MAX;
}

size_t rn_impair_pending(const struct rn_impair *im)
{
	return im->nheap + im->nfifo;
}

void rn_impair_stats(const struct rn_impair *im, struct rn_impair_stats *st)
{
	*st = im->st;
}

/* --- command-line forms -------------------------------------------------- */

/* strtod that wants at least one digit and leaves *end after the number. */
static int parse_number(const char *s, double *v, const char **end)
{
	char *e;
	if (!s || !*s || *s == ' ' || *s == '-' || *s == '+')
		return -RN_EINVAL;
	errno = 0;
	double x = strtod(s, &e);
	if (e == s || errno || !isfinite(x) || x < 0)
		return -RN_EINVAL;
	*v = x;
	*end = e;
	return 0;
}

int rn_impair_parse_percent(const char *s, double *prob)
{
	double v;
	const char *end;
	if (parse_number(s, &v, &end) < 0)
		return -RN_EINVAL;
	if (*end == '%')
		end++;
	if (*end || v > 100)
		return -RN_EINVAL;
	*prob = v / 100.0;
	return 0;
}

int rn_impair_parse_rate(const char *s, uint64_t *bps)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {
		{ "", 1 }, { "bit", 1 }, { "kbit", 1e3 }, { "mbit", 1e6 }, { "gbit", 1e9 },
		{ "tbit", 1e12 }, { "bps", 8 }, { "kbps", 8e3 }, { "mbps", 8e6 }, { "gbps", 8e9 },
	};
	double v;
	const char *end;
	if (parse_number(s, &v, &end) < 0)
		return -RN_EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].unit))
			continue;
		double r = v * units[i].mult;
		if (r < 1 || r > 1e13)
			return -RN_EINVAL;
		*bps = (uint64_t)llround(r);
		return 0;
	}
	return -RN_EINVAL;
}

int rn_impair_parse_ms(const char *s, uint64_t *ns)
{
	double v;
	const char *end;
	if (parse_number(s, &v, &end) < 0)
		return -RN_EINVAL;
	double mult;
	if (!*end || !strcmp(end, "ms"))
		mult = 1e6;
	else if (!strcmp(end, "us"))
		mult = 1e3;
	else if (!strcmp(end, "s"))
		mult = 1e9;
	else
		return -RN_EINVAL;
	double r = v * mult;
	if (r > 3600e9)
		return -RN_EINVAL;
	*ns = (uint64_t)llround(r);
	return 0;
}
