/* Echo bookkeeping for ping (ICMP echo, RFC 792; ICMPv6 echo, RFC 4443 §4):
 * which sequence numbers were answered, duplicates, corrupted replies, ICMP
 * errors, and the round-trip statistics computed the way iputils ping does
 * (integer microseconds; mdev is the integer square root of the variance).
 * No sockets, no clocks: callers pass the measured times in. */
#ifndef RAWNET_PING_H
#define RAWNET_PING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sequence numbers are 16 bits; the duplicate table covers all of them. */
#define RN_PING_SEQ_SPACE 65536

/* Per-run payload layout when the payload has room (iputils puts a struct
 * timeval first; rawnet puts 8+8 bytes of time, then an 8-byte cookie). */
#define RN_PING_STAMP_LEN  16
#define RN_PING_COOKIE_LEN 8

struct rn_ping_stats {
	uint64_t transmitted;   /* echo requests sent (sequence numbers 1..transmitted) */
	uint64_t received;      /* distinct good replies */
	uint64_t duplicates;    /* replies to a sequence number already answered */
	uint64_t corrupted;     /* replies with a bad checksum (not counted as received) */
	uint64_t errors;        /* ICMP errors quoting one of our requests */

	/* Round trips in microseconds over good replies and duplicates (as iputils). */
	int64_t tmin_us, tmax_us, tsum_us, tsum2_us;
	uint64_t timed;         /* how many round trips were added */
	int64_t ewma8_us;       /* 8 x exponentially weighted moving average (iputils' rtt) */

	uint16_t acked;         /* highest acknowledged sequence number (mod 2^16) */
	int pipesize;           /* largest number of requests seen in flight */

	uint8_t rcvd[RN_PING_SEQ_SPACE / 8];  /* one bit per sequence number */
};

/* The verdict on one echo reply. */
enum rn_ping_verdict {
	RN_PING_NEW,        /* first reply for this sequence number */
	RN_PING_DUP,        /* it was answered before */
	RN_PING_CORRUPT,    /* bad checksum: counted apart, not acknowledged */
};

/* The summary printed at the end (times in microseconds). */
struct rn_ping_summary {
	uint64_t transmitted, received, duplicates, corrupted, errors;
	double loss_pct;        /* (transmitted - received) * 100 / transmitted, 0 when none sent */
	bool have_rtt;          /* some round trip was measured */
	int64_t min_us, avg_us, max_us, mdev_us;
	int pipesize;
	int64_t ewma_us;        /* iputils' "ewma" (rtt / 8) */
};

void rn_ping_stats_init(struct rn_ping_stats *st);

/* Records one more request sent; returns its sequence number (1, 2, ...,
 * wrapping at 2^16) and forgets any old reply recorded under that number. */
uint16_t rn_ping_sent(struct rn_ping_stats *st);

/* Records an echo reply for seq. rtt_us < 0 when no time was measured.
 * Duplicates are timed too (iputils does); corrupted replies are not. */
enum rn_ping_verdict rn_ping_reply(struct rn_ping_stats *st, uint16_t seq, int64_t rtt_us,
				   bool bad_checksum);

/* Records an ICMP error (unreachable, time exceeded ...) quoting request seq.
 * With ack the request also counts as answered for the pipe size and the
 * in-flight count: iputils does that for ICMP errors but not for ICMPv6 ones. */
void rn_ping_error(struct rn_ping_stats *st, uint16_t seq, bool ack);

/* Requests sent and neither answered nor errored yet, by sequence numbers. */
unsigned rn_ping_in_flight(const struct rn_ping_stats *st);

/* True once seq has been answered (since it was last sent). */
bool rn_ping_answered(const struct rn_ping_stats *st, uint16_t seq);

void rn_ping_summarize(const struct rn_ping_stats *st, struct rn_ping_summary *sum);

/* Formats a round trip as iputils prints "time=...": 3 decimals under 1 ms,
 * 2 under 10 ms, 1 under 100 ms, none above (rounded). Returns snprintf's count. */
int rn_ping_format_rtt(int64_t rtt_us, char *buf, size_t cap);

/* Formats microseconds as "M.UUU" (milliseconds, 3 decimals), as in the
 * "rtt min/avg/max/mdev" line. */
int rn_ping_format_ms(int64_t us, char *buf, size_t cap);

/* Fills the echo payload: with a pattern (pat_len > 0, repeated, iputils -p)
 * or the bytes 0, 1, 2, ... (iputils' default); then, when len allows, the
 * cookie after the 16-byte time stamp area. The stamp area itself is written
 * per packet with rn_ping_put_stamp(). */
void rn_ping_fill(uint8_t *payload, size_t len, const uint8_t *pat, size_t pat_len,
		  const uint8_t cookie[RN_PING_COOKIE_LEN]);

/* Writes the send time (seconds and nanoseconds, 8 bytes each, host order as
 * iputils' timeval) at the start of the payload when it has room. */
void rn_ping_put_stamp(uint8_t *payload, size_t len, int64_t sec, int64_t nsec);

/* True when a reply's payload is ours: equal to what was sent outside the
 * stamp area (which carries the cookie when there is room for one). *first_diff
 * gets the index of the first differing byte beyond the cookie, or -1. */
bool rn_ping_payload_ours(const uint8_t *sent, size_t sent_len, const uint8_t *got,
			  size_t got_len, bool has_stamp, long *first_diff);

/* The text iputils ping prints after "From ADDR icmp_seq=N " for an ICMP
 * (family AF_INET) or ICMPv6 (AF_INET6) error of type/code; info is the MTU
 * for "too big" / "frag needed", the pointer for parameter problems. */
int rn_ping_error_text(int family, uint8_t type, uint8_t code, uint32_t info, char *buf,
		       size_t cap);

#endif
