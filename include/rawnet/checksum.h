/* The Internet checksum (RFC 1071), pseudo-headers (RFC 768, 793, 8200 §8.1)
 * and incremental update (RFC 1624).
 */
#ifndef RAWNET_CHECKSUM_H
#define RAWNET_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Source and destination addresses for the TCP/UDP/ICMPv6 pseudo-header. */
struct rn_pseudo {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t src[16];  /* 4 bytes used for AF_INET */
	uint8_t dst[16];
};

/* Adds len bytes to a running one's-complement sum (64 bits at a time).
 * Chunks other than the last must have an even length. Returns the new
 * (unfolded) sum; start with 0. */
uint64_t rn_csum_add(uint64_t sum, const void *data, size_t len);

/* Folds a running sum to 16 bits and complements it: the checksum field value. */
uint16_t rn_csum_fold(uint64_t sum);

/* The checksum of one buffer: rn_csum_fold(rn_csum_add(0, data, len)). */
uint16_t rn_inet_csum(const void *data, size_t len);

/* The pseudo-header's contribution for upper-layer protocol proto and the
 * upper-layer length len (IPv4: 12 bytes; IPv6: 40 bytes). */
uint64_t rn_csum_pseudo(const struct rn_pseudo *ph, uint8_t proto, uint32_t len);

/* RFC 1624 eqn. 3: the new checksum after a 16-bit field changed from old to new. */
uint16_t rn_csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val);

/* The same for a 32-bit field (an IPv4 address, a sequence number). */
uint16_t rn_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val);

/* Checksum verdicts recorded by parsers. */
enum rn_csum_status {
	RN_CSUM_UNCHECKED = 0, /* not verified (truncated data, no pseudo-header, zero UDP sum) */
	RN_CSUM_GOOD,
	RN_CSUM_BAD,
};

#endif
