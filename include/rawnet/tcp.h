/* TCP headers (RFC 9293) and options: MSS, window scale and timestamps
 * (RFC 7323), SACK (RFC 2018), NOP/EOL; unknown kinds are kept. Flags include
 * ECE/CWR (RFC 3168) and AE (RFC 9768 accurate ECN). */
#ifndef RAWNET_TCP_H
#define RAWNET_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/checksum.h"
#include "rawnet/view.h"

#define RN_TCP_HLEN 20
#define RN_TCP_MAX_OPTLEN 40

enum rn_tcp_flag {
	RN_TCP_FIN = 0x001,
	RN_TCP_SYN = 0x002,
	RN_TCP_RST = 0x004,
	RN_TCP_PSH = 0x008,
	RN_TCP_ACK = 0x010,
	RN_TCP_URG = 0x020,
	RN_TCP_ECE = 0x040,
	RN_TCP_CWR = 0x080,
	RN_TCP_AE  = 0x100,
};

#define RN_TCPOPT_EOL 0
#define RN_TCPOPT_NOP 1
#define RN_TCPOPT_MSS 2
#define RN_TCPOPT_WSCALE 3
#define RN_TCPOPT_SACK_PERM 4
#define RN_TCPOPT_SACK 5
#define RN_TCPOPT_TIMESTAMP 8

struct rn_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t doff;            /* header length in 32-bit words */
	bool doff_set;           /* emit computes 5 + options unless set */
	uint16_t flags;          /* RN_TCP_*, 9 bits (plus the 3 reserved bits above AE) */
	uint16_t window;
	uint16_t checksum;
	bool checksum_set;
	uint16_t urg_ptr;
	uint8_t opt_len;         /* raw option bytes, exactly as on the wire */
	uint8_t opts[RN_TCP_MAX_OPTLEN];

	/* Set by parse: */
	enum rn_csum_status checksum_status;
};

struct rn_tcp_sack_block {
	uint32_t left, right;
};

/* Decoded options (the common ones); build the raw bytes with rn_tcp_opts_encode(). */
struct rn_tcp_opts {
	bool has_mss;
	uint16_t mss;
	bool has_wscale;
	uint8_t wscale;
	bool sack_perm;
	bool has_ts;
	uint32_t ts_val, ts_ecr;
	uint8_t nsack;
	struct rn_tcp_sack_block sack[4];
};

/* One option as walked by rn_tcp_opt_next(). */
struct rn_tcp_opt {
	uint8_t kind;
	uint8_t len;             /* total length incl. kind/len; 1 for EOL/NOP */
	struct rn_view data;     /* bytes after kind and length */
};

/* Bytes emit writes before the payload: 20 + opt_len rounded up to a multiple
 * of 4 (padded with EOL), or doff*4 (at least 20) when doff_set. */
size_t rn_tcp_header_len(const struct rn_tcp *tcp);

/* -RN_ETRUNC when fewer than 20 bytes; -RN_EBADLEN when doff < 5 or doff*4
 * exceeds the view (when the IP layer says its payload was cut short by the
 * capture, report that as truncation). Options are copied raw and not
 * validated here (see rn_tcp_opt_next). The checksum is verified over the
 * whole view when ph is given: pass ph = NULL for a truncated capture. */
int rn_tcp_parse(struct rn_view v, const struct rn_pseudo *ph, struct rn_tcp *tcp,
		 struct rn_view *payload);

/* Writes header and options; payload_len bytes must follow. The checksum
 * needs ph unless checksum_set. Returns the header length. */
int rn_tcp_emit(const struct rn_tcp *tcp, const struct rn_pseudo *ph, uint8_t *buf, size_t cap,
		size_t payload_len);

/* Walks options: 1 with *opt, 0 at the end or after EOL, -RN_EBADLEN on a
 * length that lies (< 2 or past the end). */
int rn_tcp_opt_next(struct rn_view *cursor, struct rn_tcp_opt *opt);

/* Decodes the known options of a header (unknown kinds are skipped; the raw
 * bytes in tcp->opts keep them). -RN_EBADLEN on a malformed list. */
int rn_tcp_opts_decode(const struct rn_tcp *tcp, struct rn_tcp_opts *o);

/* Encodes o in Linux's order (mss, sackOK+TS or nop/nop+TS, nop+wscale, sack
 * blocks), padded to a multiple of 4 with NOPs/EOL; returns the byte count
 * (<= 40) or -RN_ENOSPC. */
int rn_tcp_opts_encode(const struct rn_tcp_opts *o, uint8_t out[RN_TCP_MAX_OPTLEN]);

/* Sequence-number comparisons modulo 2^32 (RFC 9293 §3.4). */
static inline bool rn_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool rn_seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool rn_seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool rn_seq_ge(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

#endif
