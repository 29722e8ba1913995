/* UDP (RFC 768) with the IPv4/IPv6 pseudo-header checksum. */
#ifndef RAWNET_UDP_H
#define RAWNET_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/checksum.h"
#include "rawnet/view.h"

#define RN_UDP_HLEN 8

struct rn_udp {
	uint16_t sport, dport;
	uint16_t len;
	bool len_set;            /* emit computes 8 + payload unless set */
	uint16_t checksum;
	bool checksum_set;       /* emit computes it (never 0: 0xffff) unless set */

	/* Set by parse: */
	enum rn_csum_status checksum_status; /* UNCHECKED for 0 over IPv4, truncation, no ph */
	bool payload_truncated;
};

/* -RN_ETRUNC under 8 bytes; -RN_EBADLEN when len < 8. *payload is bounded by
 * len and the captured bytes. ph may be NULL (no checksum verification). */
int rn_udp_parse(struct rn_view v, const struct rn_pseudo *ph, struct rn_udp *udp,
		 struct rn_view *payload);

/* Writes the header; payload_len bytes must follow at buf + 8. The checksum
 * needs ph unless checksum_set (-RN_EINVAL); it covers the first len bytes
 * when a len set by the caller is shorter. Returns 8. Over IPv6 a zero
 * checksum parses as RN_CSUM_BAD (RFC 8200 §8.1). */
int rn_udp_emit(const struct rn_udp *udp, const struct rn_pseudo *ph, uint8_t *buf, size_t cap,
		size_t payload_len);

#endif
