/* Echo bookkeeping for ping (RFC 792 echo, RFC 4443 §4): sequence numbers,
 * duplicates and iputils-compatible round-trip statistics. See rawnet/ping.h. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/ping.h"

void rn_ping_stats_init(struct rn_ping_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->tmin_us = INT64_MAX;
}

static void seq_set(struct rn_ping_stats *st, uint16_t seq)
{
	st->rcvd[seq >> 3] = (uint8_t)(st->rcvd[seq >> 3] | (1u << (seq & 7)));
}

static void seq_clear(struct rn_ping_stats *st, uint16_t seq)
{
	st->rcvd[seq >> 3] = (uint8_t)(st->rcvd[seq >> 3] & ~(1u << (seq & 7)));
}

bool rn_ping_answered(const struct rn_ping_stats *st, uint16_t seq)
{
	return st->rcvd[seq >> 3] & (1u << (seq & 7));
}

uint16_t rn_ping_sent(struct rn_ping_stats *st)
{
	st->transmitted++;
	uint16_t seq = (uint16_t)st->transmitted;
	seq_clear(st, seq);
	/* After 2^15 unacknowledged sends "acked" is meaningless: move it along. */
	if ((uint16_t)(seq - st->acked) > 0x7fff)
		st->acked = (uint16_t)(seq + 1);
	return seq;
}

/* Notes that seq was answered (by a reply or an error): the pipe size is how
 * far behind the newest request it was, and acked moves forward. */
static void acknowledge(struct rn_ping_stats *st, uint16_t seq)
{
	uint16_t diff = (uint16_t)((uint16_t)st->transmitted - seq);
	if (diff > 0x7fff)
		return; /* from the future: not one of ours */
	if ((int)diff + 1 > st->pipesize)
		st->pipesize = (int)diff + 1;
	if ((int16_t)(seq - st->acked) > 0 || (uint16_t)((uint16_t)st->transmitted - st->acked) > 0x7fff)
		st->acked = seq;
}

unsigned rn_ping_in_flight(const struct rn_ping_stats *st)
{
	uint16_t diff = (uint16_t)((uint16_t)st->transmitted - st->acked);
	if (diff <= 0x7fff)
		return diff;
	uint64_t done = st->received + st->errors;
	return done >= st->transmitted ? 0 : (unsigned)(st->transmitted - done);
}

enum rn_ping_verdict rn_ping_reply(struct rn_ping_stats *st, uint16_t seq, int64_t rtt_us,
				   bool bad_checksum)
{
	if (bad_checksum) {
		st->corrupted++;
		return RN_PING_CORRUPT;
	}
	acknowledge(st, seq);
	if (rtt_us >= 0) {
		st->timed++;
		st->tsum_us += rtt_us;
		st->tsum2_us += rtt_us * rtt_us;
		if (rtt_us < st->tmin_us)
			st->tmin_us = rtt_us;
		if (rtt_us > st->tmax_us)
			st->tmax_us = rtt_us;
		if (!st->ewma8_us)
			st->ewma8_us = rtt_us * 8;
		else
			st->ewma8_us += rtt_us - st->ewma8_us / 8;
	}
	if (rn_ping_answered(st, seq)) {
		st->duplicates++;
		return RN_PING_DUP;
	}
	seq_set(st, seq);
	st->received++;
	return RN_PING_NEW;
}

void rn_ping_error(struct rn_ping_stats *st, uint16_t seq, bool ack)
{
	if (ack)
		acknowledge(st, seq);
	st->errors++;
}

/* Newton's method on integers, as iputils' llsqrt(). */
static int64_t isqrt64(int64_t a)
{
	if (a <= 0)
		return 0;
	int64_t prev = INT64_MAX, x = a;
	while (x < prev) {
		prev = x;
		x = (x + a / x) / 2;
	}
	return x;
}

void rn_ping_summarize(const struct rn_ping_stats *st, struct rn_ping_summary *sum)
{
	memset(sum, 0, sizeof(*sum));
	sum->transmitted = st->transmitted;
	sum->received = st->received;
	sum->duplicates = st->duplicates;
	sum->corrupted = st->corrupted;
	sum->errors = st->errors;
	sum->pipesize = st->pipesize;
	if (st->transmitted) {
		/* iputils computes this in float and prints it with %g. */
		float loss = (float)((double)(int64_t)(st->transmitted - st->received) * 100.0 /
				     (double)st->transmitted);
		sum->loss_pct = loss;
	}
	if (st->received && st->timed) {
		int64_t total = (int64_t)st->timed;
		int64_t avg = st->tsum_us / total;
		int64_t var;
		/* The order matters for small times (integer rounding), as in iputils. */
		if (st->tsum_us < INT_MAX)
			var = (st->tsum2_us - (st->tsum_us * st->tsum_us) / total) / total;
		else
			var = st->tsum2_us / total - avg * avg;
		sum->have_rtt = true;
		sum->min_us = st->tmin_us;
		sum->avg_us = avg;
		sum->max_us = st->tmax_us;
		sum->mdev_us = isqrt64(var);
		sum->ewma_us = st->ewma8_us / 8;
	}
}

int rn_ping_format_rtt(int64_t t, char *buf, size_t cap)
{
	if (t < 0)
		t = 0;
	if (t >= 100000 - 50)
		return snprintf(buf, cap, "%" PRId64, (t + 500) / 1000);
	if (t >= 10000 - 5)
		return snprintf(buf, cap, "%" PRId64 ".%01" PRId64, (t + 50) / 1000,
				((t + 50) % 1000) / 100);
	if (t >= 1000)
		return snprintf(buf, cap, "%" PRId64 ".%02" PRId64, (t + 5) / 1000,
				((t + 5) % 1000) / 10);
	return snprintf(buf, cap, "%" PRId64 ".%03" PRId64, t / 1000, t % 1000);
}

int rn_ping_format_ms(int64_t us, char *buf, size_t cap)
{
	if (us < 0)
		us = 0;
	return snprintf(buf, cap, "%" PRId64 ".%03" PRId64, us / 1000, us % 1000);
}

void rn_ping_fill(uint8_t *payload, size_t len, const uint8_t *pat, size_t pat_len,
		  const uint8_t cookie[RN_PING_COOKIE_LEN])
{
	for (size_t i = 0; i < len; i++)
		payload[i] = pat_len ? pat[i % pat_len] : (uint8_t)i;
	if (cookie && len >= RN_PING_STAMP_LEN + RN_PING_COOKIE_LEN)
		memcpy(payload + RN_PING_STAMP_LEN, cookie, RN_PING_COOKIE_LEN);
}

void rn_ping_put_stamp(uint8_t *payload, size_t len, int64_t sec, int64_t nsec)
{
	if (len < RN_PING_STAMP_LEN)
		return;
	/* Like iputils' struct timeval: two 64-bit host-order words (we put
	 * nanoseconds where it puts microseconds; only we read them back). */
	memcpy(payload, &sec, 8);
	memcpy(payload + 8, &nsec, 8);
}

bool rn_ping_payload_ours(const uint8_t *sent, size_t sent_len, const uint8_t *got,
			  size_t got_len, bool has_stamp, long *first_diff)
{
	*first_diff = -1;
	size_t from = has_stamp && sent_len >= RN_PING_STAMP_LEN ? RN_PING_STAMP_LEN : 0;
	bool cookie = has_stamp && sent_len >= RN_PING_STAMP_LEN + RN_PING_COOKIE_LEN;
	if (cookie) {
		/* The cookie decides; other differences are reported, not fatal. */
		if (got_len < from + RN_PING_COOKIE_LEN ||
		    memcmp(got + from, sent + from, RN_PING_COOKIE_LEN) != 0)
			return false;
		size_t n = got_len < sent_len ? got_len : sent_len;
		for (size_t i = from + RN_PING_COOKIE_LEN; i < n; i++)
			if (got[i] != sent[i]) {
				*first_diff = (long)i;
				break;
			}
		return true;
	}
	/* No room for a cookie: the payload itself must come back unchanged. */
	if (got_len != sent_len)
		return false;
	return memcmp(got + from, sent + from, sent_len - from) == 0;
}

static const char *const unreach4[16] = {
	"Destination Net Unreachable", "Destination Host Unreachable",
	"Destination Protocol Unreachable", "Destination Port Unreachable",
	NULL /* frag needed: has the MTU */, "Source Route Failed",
	"Destination Net Unknown", "Destination Host Unknown",
	"Source Host Isolated", "Destination Net Prohibited",
	"Destination Host Prohibited", "Destination Net Unreachable for Type of Service",
	"Destination Host Unreachable for Type of Service", "Packet filtered",
	"Precedence Violation", "Precedence Cutoff",
};

static int error_text4(uint8_t type, uint8_t code, uint32_t info, char *buf, size_t cap)
{
	switch (type) {
	case 0:
		return snprintf(buf, cap, "Echo Reply");
	case 3:
		if (code == 4)
			return snprintf(buf, cap, "Frag needed and DF set (mtu = %u)", info);
		if (code < 16)
			return snprintf(buf, cap, "%s", unreach4[code]);
		return snprintf(buf, cap, "Dest Unreachable, Bad Code: %d", code);
	case 4:
		return snprintf(buf, cap, "Source Quench");
	case 5: {
		static const char *const r[4] = { "Redirect Network", "Redirect Host",
			"Redirect Type of Service and Network", "Redirect Type of Service and Host" };
		char what[40];
		if (code < 4)
			snprintf(what, sizeof what, "%s", r[code]);
		else
			snprintf(what, sizeof what, "Redirect, Bad Code: %d", code);
		return snprintf(buf, cap, "%s(New nexthop: %u.%u.%u.%u)", what, info >> 24 & 255,
				info >> 16 & 255, info >> 8 & 255, info & 255);
	}
	case 8:
		return snprintf(buf, cap, "Echo Request");
	case 11:
		if (code == 0)
			return snprintf(buf, cap, "Time to live exceeded");
		if (code == 1)
			return snprintf(buf, cap, "Frag reassembly time exceeded");
		return snprintf(buf, cap, "Time exceeded, Bad Code: %d", code);
	case 12:
		return snprintf(buf, cap, "Parameter problem: pointer = %u", info);
	case 13:
		return snprintf(buf, cap, "Timestamp");
	case 14:
		return snprintf(buf, cap, "Timestamp Reply");
	case 15:
		return snprintf(buf, cap, "Information Request");
	case 16:
		return snprintf(buf, cap, "Information Reply");
	case 17:
		return snprintf(buf, cap, "Address Mask Request");
	case 18:
		return snprintf(buf, cap, "Address Mask Reply");
	default:
		return snprintf(buf, cap, "Bad ICMP type: %d", type);
	}
}

static int error_text6(uint8_t type, uint8_t code, uint32_t info, char *buf, size_t cap)
{
	static const char *const unreach6[7] = {
		"No route", "Administratively prohibited", "Beyond scope of source address",
		"Address unreachable", "Port unreachable",
		"Source address failed ingress/egress policy", "Reject route to destination",
	};
	switch (type) {
	case 1:
		if (code < 7)
			return snprintf(buf, cap, "Destination unreachable: %s", unreach6[code]);
		return snprintf(buf, cap, "Destination unreachable: Unknown code %d", code);
	case 2:
		if (code)
			return snprintf(buf, cap, "Packet too big: mtu=%u, code=%d", info, code);
		return snprintf(buf, cap, "Packet too big: mtu=%u", info);
	case 3:
		if (code == 0)
			return snprintf(buf, cap, "Time exceeded: Hop limit");
		if (code == 1)
			return snprintf(buf, cap, "Time exceeded: Defragmentation failure");
		return snprintf(buf, cap, "Time exceeded: code %d", code);
	case 4: {
		static const char *const pp[3] = { "Wrong header field ", "Unknown header ",
						   "Unknown option " };
		if (code < 3)
			return snprintf(buf, cap, "Parameter problem: %sat %u", pp[code], info);
		return snprintf(buf, cap, "Parameter problem: code %d at %u", code, info);
	}
	case 128:
		return snprintf(buf, cap, "Echo request");
	case 129:
		return snprintf(buf, cap, "Echo reply");
	case 130:
		return snprintf(buf, cap, "MLD Query");
	case 131:
		return snprintf(buf, cap, "MLD Report");
	case 132:
		return snprintf(buf, cap, "MLD Reduction");
	default:
		return snprintf(buf, cap, "unknown icmp type: %u", type);
	}
}

int rn_ping_error_text(int family, uint8_t type, uint8_t code, uint32_t info, char *buf,
		       size_t cap)
{
	return family == AF_INET6 ? error_text6(type, code, info, buf, cap)
				  : error_text4(type, code, info, buf, cap);
}
