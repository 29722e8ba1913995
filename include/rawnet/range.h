/* Ranges and lists of numbers and addresses, as users type them:
 *
 *     1-30            20-25,80,443           (numbers, bounds checked)
 *     10.0.0.0/24     10.0.0.1-10.0.0.20     10.0.0.1-20     fd77::/120     fd77::1-fd77::9
 *     10.0.0.1,10.0.0.5-7,10.1.0.0/30        (address lists mix the three forms)
 *
 * A range is a list of spans kept in the order given; iteration walks each
 * span upward, then the next span (duplicates are kept, as given). A CIDR
 * block covers every address of the prefix, network and broadcast included
 * (as nmap and arp-scan count them); host bits after the prefix are ignored
 * (10.0.0.5/24 is 10.0.0.0-10.0.0.255). "a-b" needs a <= b. In IPv4 a-b the
 * right side may be the last octet alone (10.0.0.1-20). One address or one
 * number alone is a range of one.
 *
 * Values are kept as 128-bit numbers (struct rn_u128): numbers in lo, IPv4
 * addresses in the low 32 bits of lo, IPv6 addresses as two big-endian
 * halves. rn_range_count() saturates at UINT64_MAX (fd77::/64 has 2^64).
 *
 * Errors are -RN_EINVAL with struct rn_range_error naming the bad token:
 * its text in msg ("31: out of range (1-30)") and its byte offset and length
 * in the input, for a caret under it. Allocation failure is -ENOMEM.
 * Pure: no system state, no output.
 */
#ifndef RAWNET_RANGE_H
#define RAWNET_RANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rn_u128 {
	uint64_t hi, lo;
};

/* One span: every value from first to last, both included (first <= last). */
struct rn_range_span {
	struct rn_u128 first, last;
};

struct rn_range {
	int family;                  /* 0: numbers; AF_INET or AF_INET6: addresses */
	size_t n;                    /* spans, in the order given */
	struct rn_range_span *span;  /* owned; rn_range_free() */
	uint64_t count;              /* values in all spans, saturated at UINT64_MAX */
};

struct rn_range_error {
	char msg[128];
	size_t off, len;             /* the bad token inside the parsed string */
};

/* Parses a list of numbers and number ranges ("20-25,80,443"), each value in
 * min..max. Decimal, or hexadecimal with 0x. An empty string or an empty item
 * ("1,,2", "1-") is an error. */
int rn_range_parse_num(const char *s, uint64_t min, uint64_t max, struct rn_range *r,
		       struct rn_range_error *err);

/* Parses a list of addresses, CIDR blocks and a-b ranges of one family:
 * AF_INET, AF_INET6, or AF_UNSPEC (the family of the first item; all items
 * must then have it). r->family tells which. */
int rn_range_parse_addr(const char *s, int family, struct rn_range *r, struct rn_range_error *err);

/* Does s contain range syntax (',' anywhere; '-' after a digit; '/' in an
 * address)? A cheap test for callers that accept plain values too. */
bool rn_range_is_range(const char *s);

void rn_range_free(struct rn_range *r);

/* The number of values (saturated at UINT64_MAX). */
uint64_t rn_range_count(const struct rn_range *r);

/* The value at position index (0 .. count-1, in iteration order):
 * 0, or -RN_EINVAL when index is past the end. rn_range_at_addr() writes 4
 * bytes (AF_INET) or 16 (AF_INET6) in network order. */
int rn_range_at(const struct rn_range *r, uint64_t index, struct rn_u128 *out);
int rn_range_at_num(const struct rn_range *r, uint64_t index, uint64_t *out);
int rn_range_at_addr(const struct rn_range *r, uint64_t index, uint8_t *addr);

/* Iteration in order without index arithmetic:
 *
 *     struct rn_range_iter it;
 *     uint64_t port;
 *     rn_range_iter_init(&it, &r);
 *     while (rn_range_next_num(&it, &port)) ...
 *
 * The range must outlive the iterator and stay unchanged. */
struct rn_range_iter {
	const struct rn_range *r;
	size_t span;
	struct rn_u128 cur;
	bool started;
};

void rn_range_iter_init(struct rn_range_iter *it, const struct rn_range *r);
bool rn_range_next(struct rn_range_iter *it, struct rn_u128 *out);
bool rn_range_next_num(struct rn_range_iter *it, uint64_t *out);
bool rn_range_next_addr(struct rn_range_iter *it, uint8_t *addr);

/* Conversions between network-order address bytes and struct rn_u128. */
struct rn_u128 rn_u128_from_addr(int family, const uint8_t *addr);
void rn_u128_to_addr(int family, struct rn_u128 v, uint8_t *addr);

#endif
