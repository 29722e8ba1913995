/* A network impairment engine, one direction of a link: the netem(8) model
 * (loss, Gilbert-Elliott burst loss, delay with jitter, reordering,
 * duplication, corruption, rate with a bounded queue) without the kernel.
 *
 * The engine is pure: no system calls, no clock. The caller passes the time
 * (any monotonic nanosecond count) into every call and asks for the next
 * deadline; `rawnet wire` drives it from CLOCK_MONOTONIC, the unit tests from a
 * fake clock. Every random decision comes from one PRNG seeded by the caller,
 * so the same seed and the same input give the same output.
 *
 * What happens to a frame handed to rn_impair_input(), in this order:
 *   1. loss: dropped with probability `loss`, or by the Gilbert-Elliott chain
 *      when ge_p > 0 (the state's loss probability decides, then the chain
 *      moves: good -> bad with ge_p, bad -> good with ge_r);
 *   2. duplication: with probability `dup` a second copy follows the original;
 *      each copy then goes through steps 3-5 on its own;
 *   3. corruption: with probability `corrupt` one random bit is flipped after
 *      the link header (Ethernet and its 802.1Q/802.1ad tags are left alone);
 *   4. delay: with probability `reorder` the frame is due at once and so
 *      leaves ahead of frames still being delayed (netem's reorder with gap 1);
 *      otherwise it is due after delay +- jitter (uniform in [d-j, d+j], or
 *      normal with mean d and deviation j, cut at 4 deviations; never < 0).
 *      Frames with the same due time leave in arrival order;
 *   5. rate: due frames wait in a FIFO for a token bucket filled at rate_bps
 *      (a frame costs its length in bits; the bucket holds burst_bytes).
 * At most `limit` frames are held at once (delayed plus waiting for the
 * rate); a frame that would exceed it is dropped and counted as a queue drop.
 */
#ifndef RAWNET_IMPAIR_H
#define RAWNET_IMPAIR_H

#include <stddef.h>
#include <stdint.h>

enum rn_impair_dist {
	RN_IMPAIR_UNIFORM = 0,
	RN_IMPAIR_NORMAL,
};

struct rn_impair_config {
	double loss;             /* probability 0..1 that a frame is lost */
	double ge_p, ge_r;       /* Gilbert-Elliott: P(good->bad), P(bad->good); on when ge_p > 0 */
	double ge_bad_loss;      /* loss probability in the bad state (netem's 1-h; default 1) */
	double ge_good_loss;     /* loss probability in the good state (netem's 1-k; default 0) */
	uint64_t delay_ns;       /* fixed delay */
	uint64_t jitter_ns;      /* spread around the delay */
	enum rn_impair_dist dist;
	double reorder;          /* probability 0..1 that a frame skips the delay */
	double dup;              /* probability 0..1 that a frame is sent twice */
	double corrupt;          /* probability 0..1 that one bit is flipped */
	uint64_t rate_bps;       /* bits per second; 0 = unlimited */
	uint64_t burst_bytes;    /* token bucket depth; 0 = default (2 full frames or 1 ms) */
	uint32_t limit;          /* frames held at once; 0 = default (1000, as netem) */
	uint32_t meta_len;       /* bytes of caller metadata in front of each frame (e.g. a
				    virtio_net_hdr): carried unchanged, never corrupted, not
				    counted by the rate */
};

/* Per-direction counters. received = dropped + queue_drops + forwarded
 * - duplicated + (frames still held), once every copy is accounted for. */
struct rn_impair_stats {
	uint64_t received;       /* frames handed to rn_impair_input() */
	uint64_t forwarded;      /* frames handed back to send (passed or released) */
	uint64_t dropped;        /* lost by the loss model */
	uint64_t delayed;        /* copies held for a delay > 0 */
	uint64_t reordered;      /* copies sent ahead of the delayed ones */
	uint64_t duplicated;     /* extra copies made */
	uint64_t corrupted;      /* copies with a flipped bit */
	uint64_t queue_drops;    /* copies dropped because `limit` frames were held */
	uint64_t rate_waits;     /* copies that had to wait for the token bucket */
	uint64_t bytes_in;       /* link-layer bytes received */
	uint64_t bytes_out;      /* link-layer bytes forwarded */
};

/* A frame the engine hands back: metadata (meta_len bytes) then the frame. */
struct rn_impair_frame {
	const uint8_t *data;
	size_t len;              /* meta_len + frame length */
};

struct rn_impair; /* opaque: one direction */

/* The neutral configuration: nothing impaired, GE bad-state loss 1. */
void rn_impair_config_init(struct rn_impair_config *cfg);

/* True when cfg changes nothing (every frame passes at once, unchanged). */
int rn_impair_config_is_noop(const struct rn_impair_config *cfg);

/* A new engine for one direction; 0 or -RN_EINVAL (a probability outside
 * 0..1, jitter without delay is fine) or -ENOMEM. */
int rn_impair_new(const struct rn_impair_config *cfg, uint64_t seed, struct rn_impair **out);
void rn_impair_free(struct rn_impair *im);

/* Offers a frame (meta_len bytes of metadata, then the link header) at time
 * now_ns. Returns 1 when the caller should send these very bytes now,
 * unchanged (nothing was copied: the fast path), 0 when the engine dropped or
 * queued it (queued copies come back from rn_impair_next()), -ENOMEM when a
 * copy could not be made (the frame is counted as a queue drop), -RN_EINVAL
 * when len < meta_len. Call rn_impair_next() afterwards: a duplicate may be
 * due at once. Times must not go backwards (earlier times are taken as the
 * latest seen). */
int rn_impair_input(struct rn_impair *im, uint64_t now_ns, const void *frame, size_t len);

/* The next frame due at now_ns: 1 and *out filled, or 0 when none is due.
 * Frames handed out stay valid until rn_impair_recycle() (so a caller can
 * batch several into one send), and are forwarded as far as the counters go. */
int rn_impair_next(struct rn_impair *im, uint64_t now_ns, struct rn_impair_frame *out);

/* Takes back every frame handed out by rn_impair_next() since the last call. */
void rn_impair_recycle(struct rn_impair *im);

/* When rn_impair_next() will next have a frame (absolute, in the caller's
 * clock); UINT64_MAX when nothing is held. May be <= now: call next() then. */
uint64_t rn_impair_deadline(const struct rn_impair *im);

/* Frames held (delayed or waiting for the rate), not yet handed out. */
size_t rn_impair_pending(const struct rn_impair *im);

void rn_impair_stats(const struct rn_impair *im, struct rn_impair_stats *st);

/* Parsers for the command-line forms, shared by tools and tests.
 * "20%", "20" (percent) or "0.5%" -> 0.2 / 0.005: 0 or -RN_EINVAL (outside 0..100%). */
int rn_impair_parse_percent(const char *s, double *prob);
/* "10mbit", "500kbit", "1gbit", "1000000" (bit/s), "100kbps" (bytes/s, as tc) -> bit/s. */
int rn_impair_parse_rate(const char *s, uint64_t *bps);
/* "50" or "50ms", "200us", "1.5s", "0" -> nanoseconds (a bare number is milliseconds). */
int rn_impair_parse_ms(const char *s, uint64_t *ns);

#endif
