/* Following TCP conversations in captures (RFC 9293 sequence space).
 *
 * Two levels:
 *  - rn_reasm: one direction of one connection. Segments go in in capture
 *    order (out of order, retransmitted, overlapping); bytes come out in
 *    stream order through a callback, each byte exactly once. Where two
 *    segments carry the same stream position the first to arrive wins, byte
 *    for byte (Wireshark keeps what it already has, too). A hole is declared
 *    missing when the peer acknowledges data beyond it (so the receiver had
 *    it: Wireshark's rule) or at the end of the capture, and comes out as a
 *    gap chunk carrying the number of bytes.
 *  - rn_follow: a capture's TCP conversations numbered as Wireshark's
 *    tcp.stream (in order of first appearance; a SYN whose seq is not the
 *    base of its direction starts a new one on the same 4-tuple, Wireshark's
 *    port-reuse rule), with per-conversation counts, and the two directions
 *    of one chosen conversation reassembled.
 * Pure: no I/O, no clock; the caller feeds packets and gets callbacks.
 */
#ifndef RAWNET_FOLLOW_H
#define RAWNET_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/strbuf.h"

struct rn_dissection; /* rawnet/print.h */

/* A piece of the reassembled stream: bytes, or a gap (data == NULL). */
struct rn_reasm_chunk {
	const uint8_t *data;    /* NULL for a gap */
	size_t len;             /* bytes (for a gap: how many are missing) */
	uint64_t offset;        /* stream offset of the first byte (0 = after the SYN) */
	uint64_t tag;           /* the caller's tag of the segment that carried the bytes
	                           (for a gap: of the call that declared it) */
};

typedef void (*rn_reasm_fn)(void *ctx, const struct rn_reasm_chunk *chunk);

struct rn_reasm_seg;    /* a held out-of-order piece (internal) */

/* One direction. Initialise with rn_reasm_init(), release with rn_reasm_free(). */
struct rn_reasm {
	rn_reasm_fn fn;
	void *ctx;
	bool started;           /* the base sequence number is known */
	bool syn;               /* ... and came from a SYN */
	bool fin;               /* a FIN was seen at fin_off */
	uint32_t base;          /* sequence number of stream offset 0 */
	uint64_t next;          /* every offset below was delivered or declared missing */
	uint64_t fin_off;
	struct rn_reasm_seg *held; /* out-of-order pieces, sorted, disjoint, all above next */
	size_t held_bytes;
	/* Counters. */
	uint64_t delivered;     /* bytes handed out */
	uint64_t missing;       /* bytes declared missing */
	uint64_t dup_bytes;     /* bytes that arrived again (retransmitted or overlapping) */
	uint64_t segments;      /* segments with payload */
	uint64_t out_of_order;  /* segments that had to be held */
};

void rn_reasm_init(struct rn_reasm *r, rn_reasm_fn fn, void *ctx);

/* Frees the held pieces (without delivering them). */
void rn_reasm_free(struct rn_reasm *r);

/* One segment of this direction: seq and flags (RN_TCP_*) from its header,
 * the captured payload. A SYN sets the base (its data starts at seq + 1);
 * without a SYN the first segment's seq is offset 0. RST payload is not
 * stream data and is ignored. Returns 0 or -RN_ENOSPC (out of memory: the
 * segment is dropped and will show as a gap). */
int rn_reasm_segment(struct rn_reasm *r, uint32_t seq, uint16_t flags, const uint8_t *data,
		     size_t len, uint64_t tag);

/* The peer acknowledged ack: a hole below a held piece that ack goes past
 * was received but not captured, so it is declared missing and what follows
 * is delivered. */
void rn_reasm_ack(struct rn_reasm *r, uint32_t ack, uint64_t tag);

/* End of capture: every remaining hole (and the bytes between the last
 * delivered one and a seen FIN) is declared missing, held data delivered. */
void rn_reasm_finish(struct rn_reasm *r, uint64_t tag);

/* ---- Conversations ---------------------------------------------------- */

/* One TCP conversation. Node 0 is the source of its first packet (the client
 * when the handshake was captured), node 1 the other end. */
struct rn_follow_conv {
	uint32_t index;         /* Wireshark's tcp.stream */
	int family;             /* 4 or 6 */
	uint8_t addr[2][16];
	uint16_t port[2];
	uint64_t packets[2];    /* packets sent by node 0 / node 1 */
	uint64_t bytes[2];      /* their frame bytes (on the wire) */
	uint64_t payload[2];    /* their TCP payload bytes, retransmissions included */
	int64_t first_sec, last_sec;
	uint32_t first_nsec, last_nsec;
	/* Wireshark's relative sequence numbers: each node's base is its SYN's
	 * seq, else one below the first seq it sent, else one below the first
	 * ACK number the other node sent. */
	uint32_t base[2];
	bool base_set[2];
	bool syn_seen, fin_seen, rst_seen;
	bool accecn;            /* the opening SYN asked for accurate ECN (AE, CWR, ECE) */
};

/* A chunk of the followed conversation: which node sent it, and the frame
 * number (rn_pkt.number) of the packet that carried it. */
struct rn_follow_chunk {
	uint32_t stream;
	int node;               /* 0 or 1 */
	const uint8_t *data;    /* NULL for a gap */
	size_t len;
	uint64_t offset;
	uint64_t frame;
};

typedef void (*rn_follow_fn)(void *ctx, const struct rn_follow_chunk *chunk);

struct rn_follow; /* opaque */

/* A conversation table. stream >= 0 reassembles that conversation and
 * reports its chunks through fn; stream < 0 only counts (for listings). */
int rn_follow_new(long long stream, rn_follow_fn fn, void *ctx, struct rn_follow **out);
void rn_follow_free(struct rn_follow *f);

/* Feeds one dissected packet; packets without a parsed TCP header over IPv4
 * or IPv6 are ignored. Returns the conversation index (>= 0), -1 when the
 * packet is not TCP, or -RN_ENOSPC. *node is set to the sender's node when
 * node is not NULL. */
long long rn_follow_packet(struct rn_follow *f, const struct rn_dissection *d, int *node);

/* End of capture: flushes the followed conversation (gaps and held data). */
void rn_follow_finish(struct rn_follow *f);

/* The conversations seen so far, by index (NULL past the end). */
size_t rn_follow_count(const struct rn_follow *f);
const struct rn_follow_conv *rn_follow_conv(const struct rn_follow *f, size_t index);

/* The two directions of the followed conversation (NULL before it is seen):
 * node 0's bytes in [0], node 1's in [1], with their counters. */
const struct rn_reasm *rn_follow_reasm(const struct rn_follow *f, int node);

/* "10.77.0.1:80" or "[fd77::1]:80", as tshark names follow nodes. */
void rn_follow_put_node(struct rn_strbuf *out, const struct rn_follow_conv *c, int node);

/* tshark -z follow,tcp output pieces. mode is 'a' (ascii), 'x' (hex) or
 * 'r' (tshark's raw: hex digits). The header names the conversation; each
 * chunk is printed as tshark prints a record (node 1's indented by a tab;
 * hex offsets are stream offsets, counted per direction as tshark does; a
 * gap prints as "[N bytes missing in capture]"). */
void rn_follow_put_header(struct rn_strbuf *out, int mode, const struct rn_follow_conv *c);
void rn_follow_put_chunk(struct rn_strbuf *out, int mode, const struct rn_follow_chunk *ch);
void rn_follow_put_footer(struct rn_strbuf *out);

#endif
