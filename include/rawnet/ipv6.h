/* IPv6 (RFC 8200): fixed header and the extension header chain
 * (hop-by-hop, routing, fragment, destination options). */
#ifndef RAWNET_IPV6_H
#define RAWNET_IPV6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/checksum.h"
#include "rawnet/view.h"

#define RN_IPV6_HLEN 40
#define RN_IPV6_MAX_EXT 8

#define RN_IPV6_NH_HOPOPTS  0
#define RN_IPV6_NH_ROUTING  43
#define RN_IPV6_NH_FRAGMENT 44
#define RN_IPV6_NH_ESP      50
#define RN_IPV6_NH_AH       51
#define RN_IPV6_NH_NONE     59
#define RN_IPV6_NH_DSTOPTS  60

struct rn_ipv6 {
	uint8_t version;        /* 6; emit writes 6 when 0 */
	uint8_t tclass;
	uint32_t flow;          /* 20 bits */
	uint16_t payload_len;
	bool payload_len_set;   /* emit computes it unless set */
	uint8_t next_header;
	uint8_t hop_limit;
	uint8_t src[16], dst[16];

	/* Set by parse: */
	bool payload_truncated;
};

/* One extension header of the chain. */
struct rn_ipv6_ext {
	uint8_t type;           /* RN_IPV6_NH_* */
	uint8_t next_header;
	size_t len;             /* bytes of this header */
	struct rn_view body;    /* the header's bytes after next-header and length */
	/* routing */
	uint8_t routing_type, segments_left;
	/* fragment */
	uint16_t frag_off;      /* 8-byte units */
	bool more_fragments;
	uint32_t frag_id;
};

struct rn_ipv6_chain {
	unsigned n;
	struct rn_ipv6_ext ext[RN_IPV6_MAX_EXT];
	uint8_t upper_proto;    /* the protocol after the last extension header */
	struct rn_view upper;   /* its bytes */
	bool fragment;          /* a fragment header was seen */
	bool first_fragment;    /* ... with offset 0 (upper header present) */
};

/* -RN_ETRUNC under 40 bytes, -RN_EUNSUP when the version is not 6. *payload
 * is bounded by payload_len and the captured bytes. payload_len_set is left
 * false, so emitting the parsed struct recomputes the length. */
int rn_ipv6_parse(struct rn_view v, struct rn_ipv6 *ip6, struct rn_view *payload);

/* Writes the 40-byte header; payload_len bytes must follow at buf + 40. */
int rn_ipv6_emit(const struct rn_ipv6 *ip6, uint8_t *buf, size_t cap, size_t payload_len);

/* Walks the extension headers starting with next_header nh over payload.
 * Stops at the first non-extension protocol (or ESP/none). -RN_ETRUNC when an
 * extension header is cut short, -RN_EBADLEN when its length lies,
 * -RN_EUNSUP past RN_IPV6_MAX_EXT headers. */
int rn_ipv6_walk(uint8_t nh, struct rn_view payload, struct rn_ipv6_chain *chain);

/* The same walk from ip6->next_header over the payload rn_ipv6_parse() gave,
 * telling the two failures apart: a header running past the payload is
 * -RN_ETRUNC when the capture was cut short (ip6->payload_truncated) and
 * -RN_EBADLEN when the packet was all there (a length that lies). */
int rn_ipv6_walk_packet(const struct rn_ipv6 *ip6, struct rn_view payload,
			struct rn_ipv6_chain *chain);

void rn_ipv6_pseudo(const struct rn_ipv6 *ip6, struct rn_pseudo *ph);

#endif
