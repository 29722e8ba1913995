/* ICMPv6 (RFC 4443) and neighbour discovery (RFC 4861): echo, errors with
 * the quoted packet, RS/RA/NS/NA with their options. */
#ifndef RAWNET_ICMP6_H
#define RAWNET_ICMP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/checksum.h"
#include "rawnet/view.h"

#define RN_ICMP6_HLEN 8

#define RN_ICMP6_DST_UNREACH   1
#define RN_ICMP6_PACKET_TOO_BIG 2
#define RN_ICMP6_TIME_EXCEEDED 3
#define RN_ICMP6_PARAM_PROB    4
#define RN_ICMP6_ECHO_REQUEST  128
#define RN_ICMP6_ECHO_REPLY    129
#define RN_ICMP6_ROUTER_SOLICIT 133
#define RN_ICMP6_ROUTER_ADVERT 134
#define RN_ICMP6_NEIGHBOR_SOLICIT 135
#define RN_ICMP6_NEIGHBOR_ADVERT 136

#define RN_ND_OPT_SOURCE_LLADDR 1
#define RN_ND_OPT_TARGET_LLADDR 2
#define RN_ND_OPT_PREFIX_INFO   3
#define RN_ND_OPT_MTU           5

#define RN_ND_NA_ROUTER    0x80
#define RN_ND_NA_SOLICITED 0x40
#define RN_ND_NA_OVERRIDE  0x20

struct rn_icmp6 {
	uint8_t type, code;
	uint16_t checksum;
	bool checksum_set;
	uint16_t id, seq;        /* echo */
	uint32_t rest;           /* raw bytes 4..7: MTU (too big), pointer (param prob),
	                            NA flags in the top byte, RA: hop limit<<24|flags<<16|lifetime */
	uint8_t target[16];      /* NS/NA target */
	uint32_t reachable, retrans; /* RA */
	struct rn_view data;     /* parse: body after the type-specific fixed part
	                            (echo data, quoted packet, ND options) */

	/* Set by parse: */
	enum rn_csum_status checksum_status;
};

/* One neighbour-discovery option (RFC 4861 §4.6). */
struct rn_nd_opt {
	uint8_t type;
	size_t len;              /* bytes, = 8 * length field */
	struct rn_view data;     /* bytes after type and length */
};

/* Bytes of fixed header for a type: 8, or 24 for NS/NA, 16 for RA, 8 for RS. */
size_t rn_icmp6_header_len(uint8_t type);

bool rn_icmp6_is_error(uint8_t type);

/* -RN_ETRUNC when the type's fixed part is cut short. The checksum is
 * verified over the whole view when ph is given (it needs the IPv6
 * addresses); pass ph = NULL when the capture cut the packet short. */
int rn_icmp6_parse(struct rn_view v, const struct rn_pseudo *ph, struct rn_icmp6 *icmp6);

/* Writes the fixed part (rn_icmp6_header_len(type) bytes); payload_len bytes
 * must follow. Echo types write id/seq, the others rest (plus target for
 * NS/NA, reachable/retrans for RA). The checksum needs ph unless
 * checksum_set (-RN_EINVAL). Returns the fixed part's length. */
int rn_icmp6_emit(const struct rn_icmp6 *icmp6, const struct rn_pseudo *ph, uint8_t *buf,
		  size_t cap, size_t payload_len);

/* Walks ND options over *cursor: 1 with *opt, 0 at the end, -RN_EBADLEN when a
 * length is zero or runs past the end. */
int rn_nd_opt_next(struct rn_view *cursor, struct rn_nd_opt *opt);

#endif
