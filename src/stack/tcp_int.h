/* Internal interfaces between the pieces of the TCP machine: byte rings and
 * range sets (tcp_buf.c, tcp_reasm.c), RTT/RTO (tcp_rto.c), congestion
 * control (tcp_cc.c), ISN and timestamp offsets (tcp_isn.c). */
#ifndef RAWNET_STACK_TCP_INT_H
#define RAWNET_STACK_TCP_INT_H

#include "rawnet/tcb.h"

/* tcp_buf.c: a byte ring; offsets are relative to the head. */
int rn_ring_init(struct rn_tcb_ring *r, void *buf, uint32_t cap);
void rn_ring_free(struct rn_tcb_ring *r);
/* Copies n bytes to offset off (off + n <= cap), wrapping. */
void rn_ring_write_at(struct rn_tcb_ring *r, uint32_t off, const void *src, uint32_t n);
/* Copies n bytes from offset off out (off + n <= cap). */
void rn_ring_read_at(const struct rn_tcb_ring *r, uint32_t off, void *dst, uint32_t n);
/* Drops n bytes from the head (n <= len). */
void rn_ring_consume(struct rn_tcb_ring *r, uint32_t n);
/* Pointer to offset off and the bytes contiguous from there to the end of storage. */
const uint8_t *rn_ring_ptr(const struct rn_tcb_ring *r, uint32_t off, uint32_t *contig);

/* tcp_reasm.c: sets of sequence ranges (modulo 2^32, all within 2^31 of each other). */
void rn_ranges_clear(struct rn_tcp_rangeset *s);
/* Adds [l, r), merging; -RN_ENOSPC (set unchanged) when it needs a new slot and none is free. */
int rn_ranges_add(struct rn_tcp_rangeset *s, uint32_t l, uint32_t r);
/* Removes everything below seq. */
void rn_ranges_trim_below(struct rn_tcp_rangeset *s, uint32_t seq);
/* Drops the highest range. */
void rn_ranges_drop_last(struct rn_tcp_rangeset *s);
/* Bytes of [a, b) covered by the set. */
uint32_t rn_ranges_covered(const struct rn_tcp_rangeset *s, uint32_t a, uint32_t b);
/* The index of the range containing seq, or -1. */
int rn_ranges_find(const struct rn_tcp_rangeset *s, uint32_t seq);
/* The left edge of the first range starting above seq, or limit if none is below limit. */
uint32_t rn_ranges_next_left(const struct rn_tcp_rangeset *s, uint32_t seq, uint32_t limit);

/* tcp_rto.c: RFC 6298. */
void rn_rtt_init(struct rn_tcp_rtt *r, const struct rn_tcb_config *cfg);
void rn_rtt_sample(struct rn_tcp_rtt *r, const struct rn_tcb_config *cfg, uint64_t rtt_us);
/* The current RTO with backoff applied, clamped to [rto_min, rto_max]. */
uint64_t rn_rtt_rto(const struct rn_tcp_rtt *r, const struct rn_tcb_config *cfg);
/* (5.7): the SYN or SYN-ACK was retransmitted and no RTT sample exists when
 * the handshake completes: the backoff ends and an RTO below 3 s becomes 3 s. */
#define RN_RTO_AFTER_SYN_LOSS_US 3000000u
void rn_rtt_syn_lost(struct rn_tcp_rtt *r, const struct rn_tcb_config *cfg);

/* tcp_cc.c: congestion control in bytes; mss is the sender's segment size. */
void rn_cc_init(struct rn_tcb *t);
/* New data acknowledged outside recovery. */
void rn_cc_on_ack(struct rn_tcb *t, uint32_t acked, uint64_t now);
/* Loss detected by duplicate ACKs or SACK: sets ssthresh (cwnd is up to the caller). */
void rn_cc_on_loss(struct rn_tcb *t, uint32_t flight, uint64_t now);
/* Retransmission timeout: ssthresh from flight, cwnd to one segment. */
void rn_cc_on_rto(struct rn_tcb *t, uint32_t flight, uint64_t now);

/* tcp_isn.c */
uint64_t rn_tcp_siphash(const uint8_t key[16], const uint8_t *msg, size_t len);
/* A per-connection timestamp offset (RFC 7323 §7.1). */
uint32_t rn_tcp_ts_offset(const uint8_t secret[16], const struct rn_tcb_endpoints *ep);

#endif
