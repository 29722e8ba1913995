/* ICMP for IPv4 (RFC 792): echo, destination unreachable, time exceeded,
 * redirect, parameter problem; errors carry the quoted packet as data. */
#ifndef RAWNET_ICMP_H
#define RAWNET_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/checksum.h"
#include "rawnet/view.h"

#define RN_ICMP_HLEN 8

#define RN_ICMP_ECHOREPLY     0
#define RN_ICMP_UNREACH       3
#define RN_ICMP_REDIRECT      5
#define RN_ICMP_ECHO          8
#define RN_ICMP_TIMXCEED      11
#define RN_ICMP_PARAMPROB     12
#define RN_ICMP_TSTAMP        13
#define RN_ICMP_TSTAMPREPLY   14

struct rn_icmp {
	uint8_t type, code;
	uint16_t checksum;
	bool checksum_set;      /* emit computes it unless set */
	/* Bytes 4..7 ("rest of header"), decoded for the common types: */
	uint16_t id, seq;       /* echo / echo reply / timestamp */
	uint32_t rest;          /* raw 32 bits: redirect gateway, next-hop MTU in the low 16 bits
	                           for unreachable/4, pointer in the top 8 for parameter problem */
	struct rn_view data;    /* parse: bytes after the 8-byte header (echo data, quoted packet) */

	/* Set by parse: */
	enum rn_csum_status checksum_status;
};

/* True for the types whose data quotes the offending packet. */
bool rn_icmp_is_error(uint8_t type);

/* -RN_ETRUNC under 8 bytes. Verifies the checksum over the whole view (when
 * the IP payload was cut short by the capture, the caller should treat
 * checksum_status as RN_CSUM_UNCHECKED). id/seq are bytes 4..7 whatever the
 * type; rest always holds them raw. */
int rn_icmp_parse(struct rn_view v, struct rn_icmp *icmp);

/* Writes the 8-byte header; payload_len bytes of data must already follow at
 * buf + 8 (they are summed). For echo types id/seq are written, otherwise rest. */
int rn_icmp_emit(const struct rn_icmp *icmp, uint8_t *buf, size_t cap, size_t payload_len);

#endif
