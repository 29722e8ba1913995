/* Bounded sets of TCP sequence ranges: the receiver's out-of-order map
 * (data held in the receive ring beyond RCV.NXT, reported as SACK blocks,
 * RFC 2018) and the sender's SACK scoreboard (RFC 6675). At most
 * RN_TCB_MAX_RANGES disjoint ranges; comparisons are modulo 2^32. */
#include "rawnet/tcp.h"
#include "stack/tcp_int.h"

void rn_ranges_clear(struct rn_tcp_rangeset *s)
{
	s->n = 0;
}

static void remove_at(struct rn_tcp_rangeset *s, unsigned i, unsigned count)
{
	for (unsigned j = i; j + count < s->n; j++)
		s->r[j] = s->r[j + count];
	s->n = (uint8_t)(s->n - count);
}

int rn_ranges_add(struct rn_tcp_rangeset *s, uint32_t l, uint32_t r)
{
	if (!rn_seq_lt(l, r))
		return 0;
	/* First range whose right edge reaches l (touching ranges merge). */
	unsigned i = 0;
	while (i < s->n && rn_seq_lt(s->r[i].right, l))
		i++;
	/* Ranges i..j-1 overlap or touch [l, r). */
	unsigned j = i;
	while (j < s->n && rn_seq_le(s->r[j].left, r))
		j++;
	if (j == i) {
		if (s->n == RN_TCB_MAX_RANGES)
			return -RN_ENOSPC;
		for (unsigned k = s->n; k > i; k--)
			s->r[k] = s->r[k - 1];
		s->r[i].left = l;
		s->r[i].right = r;
		s->n++;
		return 0;
	}
	if (rn_seq_lt(s->r[i].left, l))
		l = s->r[i].left;
	if (rn_seq_gt(s->r[j - 1].right, r))
		r = s->r[j - 1].right;
	s->r[i].left = l;
	s->r[i].right = r;
	remove_at(s, i + 1, j - i - 1);
	return 0;
}

void rn_ranges_trim_below(struct rn_tcp_rangeset *s, uint32_t seq)
{
	unsigned k = 0;
	while (k < s->n && rn_seq_le(s->r[k].right, seq))
		k++;
	remove_at(s, 0, k);
	if (s->n && rn_seq_lt(s->r[0].left, seq))
		s->r[0].left = seq;
}

void rn_ranges_drop_last(struct rn_tcp_rangeset *s)
{
	if (s->n)
		s->n--;
}

uint32_t rn_ranges_covered(const struct rn_tcp_rangeset *s, uint32_t a, uint32_t b)
{
	uint32_t sum = 0;
	for (unsigned i = 0; i < s->n; i++) {
		uint32_t l = s->r[i].left, r = s->r[i].right;
		if (rn_seq_lt(l, a))
			l = a;
		if (rn_seq_gt(r, b))
			r = b;
		if (rn_seq_lt(l, r))
			sum += r - l;
	}
	return sum;
}

int rn_ranges_find(const struct rn_tcp_rangeset *s, uint32_t seq)
{
	for (unsigned i = 0; i < s->n; i++)
		if (rn_seq_le(s->r[i].left, seq) && rn_seq_lt(seq, s->r[i].right))
			return (int)i;
	return -1;
}

uint32_t rn_ranges_next_left(const struct rn_tcp_rangeset *s, uint32_t seq, uint32_t limit)
{
	for (unsigned i = 0; i < s->n; i++)
		if (rn_seq_gt(s->r[i].left, seq))
			return rn_seq_lt(s->r[i].left, limit) ? s->r[i].left : limit;
	return limit;
}
