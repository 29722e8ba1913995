/* IPv4 (RFC 791): header with options, fragments flagged, header checksum. */
#ifndef RAWNET_IPV4_H
#define RAWNET_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/checksum.h"
#include "rawnet/view.h"

#define RN_IPV4_HLEN 20
#define RN_IPV4_MAX_OPTLEN 40

#define RN_IPPROTO_ICMP   1
#define RN_IPPROTO_IGMP   2
#define RN_IPPROTO_TCP    6
#define RN_IPPROTO_UDP    17
#define RN_IPPROTO_IPV6   41
#define RN_IPPROTO_ICMPV6 58

/* Fields in host order. For emit, fields whose *_set flag is false are
 * computed (ihl from the options, tot_len from the payload, checksum);
 * set the flag to send a deliberately wrong value. */
struct rn_ipv4 {
	uint8_t version;         /* 4; emit writes 4 when 0 */
	uint8_t ihl;             /* header length in 32-bit words */
	bool ihl_set;
	uint8_t tos;             /* DSCP << 2 | ECN */
	uint16_t tot_len;
	bool tot_len_set;
	uint16_t id;
	bool flag_rsv, flag_df, flag_mf;
	uint16_t frag_off;       /* in 8-byte units (13 bits) */
	uint8_t ttl;
	uint8_t proto;
	uint16_t checksum;
	bool checksum_set;
	uint8_t src[4], dst[4];
	uint8_t opt_len;         /* bytes of options (multiple of 4 when emitting normally) */
	uint8_t opts[RN_IPV4_MAX_OPTLEN];

	/* Set by parse: */
	enum rn_csum_status checksum_status;
	bool payload_truncated;  /* fewer bytes captured than tot_len says */
};

/* One option, as walked by rn_ipv4_opt_next(). */
struct rn_ipv4_opt {
	uint8_t type;            /* 0 EOL, 1 NOP, 7 RR, 68 TS, 130 security, 131 LSRR, 137 SSRR, 148 RA ... */
	uint8_t len;             /* total option length incl. type/len; 1 for EOL/NOP */
	struct rn_view data;     /* bytes after type and length */
};

/* Bytes of header emit() writes: 20 + opt_len rounded up to a multiple of 4
 * (zero padding), or ihl*4 when ihl_set asks for more (zeros, i.e. EOL, fill
 * the rest). A set ihl smaller than that is written as given: a lying header. */
size_t rn_ipv4_header_len(const struct rn_ipv4 *ip);

/* Parses the header. -RN_ETRUNC when fewer than 20 (or ihl*4) bytes were
 * captured; -RN_EBADLEN when ihl < 5 or tot_len < ihl*4; -RN_EUNSUP when the
 * version is not 4. *payload is bounded by tot_len and by the captured bytes
 * (payload_truncated says which). The header checksum is verified into
 * checksum_status. The *_set flags are left false: emitting the parsed struct
 * recomputes ihl, tot_len and the checksum (set them to keep the values). */
int rn_ipv4_parse(struct rn_view v, struct rn_ipv4 *ip, struct rn_view *payload);

/* Writes the header into buf; the payload_len bytes of payload must already
 * follow at buf + header length (they are not read, only counted). Returns the
 * header length, -RN_ENOSPC, or -RN_EINVAL (opt_len > 40, or a computed
 * tot_len over 65535). */
int rn_ipv4_emit(const struct rn_ipv4 *ip, uint8_t *buf, size_t cap, size_t payload_len);

/* Walks options: *cursor starts as the options view; returns 1 with *opt
 * filled, 0 at the end (or after EOL), -RN_EBADLEN on a length that lies. */
int rn_ipv4_opt_next(struct rn_view *cursor, struct rn_ipv4_opt *opt);

static inline bool rn_ipv4_is_fragment(const struct rn_ipv4 *ip)
{
	return ip->flag_mf || ip->frag_off != 0;
}

/* Fills a pseudo-header from the header's addresses. */
void rn_ipv4_pseudo(const struct rn_ipv4 *ip, struct rn_pseudo *ph);

#endif
