/* TCP congestion control in bytes: slow start and congestion avoidance
 * (RFC 5681, with appropriate byte counting, RFC 3465, L = 2 SMSS) for
 * NewReno, or CUBIC's window growth (RFC 9438, C = 0.4, beta = 0.7, with its
 * Reno-friendly region). Fast recovery itself (RFC 6582 / RFC 6675) lives in
 * tcp_conn.c; this file only decides cwnd and ssthresh. */
#include <math.h>

#include "stack/tcp_int.h"

#define CUBIC_C 0.4
#define CUBIC_BETA 0.7

void rn_cc_init(struct rn_tcb *t)
{
	struct rn_tcp_cc_state *c = &t->cc;
	uint32_t iw = t->cfg.initial_cwnd ? t->cfg.initial_cwnd : 1;
	c->cwnd = iw * t->snd_mss;
	c->ssthresh = UINT32_MAX / 2;
	c->ca_acked = 0;
	c->w_max = c->w_last_max = c->k = c->w_est = 0;
	c->epoch_start = 0;
}

static void cwnd_add(struct rn_tcp_cc_state *c, uint64_t add)
{
	uint64_t w = (uint64_t)c->cwnd + add;
	c->cwnd = w > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)w;
}

static void cubic_ca(struct rn_tcb *t, uint32_t acked, uint64_t now)
{
	struct rn_tcp_cc_state *c = &t->cc;
	double mss = t->snd_mss;
	double cwnd = c->cwnd / mss;
	if (c->epoch_start == 0) {
		c->epoch_start = now ? now : 1;
		if (cwnd < c->w_max) {
			c->k = cbrt((c->w_max - cwnd) / CUBIC_C);
		} else {
			c->k = 0;
			c->w_max = cwnd;
		}
		c->w_est = cwnd;
	}
	double rtt = t->rtt.has_sample ? (double)t->rtt.srtt / 1e6 : 0.1;
	double tt = (double)(now - c->epoch_start) / 1e6 + rtt - c->k;
	double target = CUBIC_C * tt * tt * tt + c->w_max;
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	/* Reno-friendly estimate (RFC 9438 §4.3). */
	double alpha = 3.0 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA);
	c->w_est += alpha * (acked / mss) / cwnd;
	double inc;
	if (c->w_est > target)
		inc = (c->w_est - cwnd) * mss;
	else
		inc = (target - cwnd) / cwnd * acked;
	if (inc > 0) {
		/* Fractions accumulate in ca_acked so slow growth is not lost to rounding. */
		c->ca_acked += (uint32_t)(inc * 16);
		cwnd_add(c, c->ca_acked / 16);
		c->ca_acked %= 16;
	}
}

void rn_cc_on_ack(struct rn_tcb *t, uint32_t acked, uint64_t now)
{
	struct rn_tcp_cc_state *c = &t->cc;
	if (c->cwnd < c->ssthresh) {
		uint32_t lim = 2u * t->snd_mss;
		cwnd_add(c, acked < lim ? acked : lim);
		return;
	}
	if (t->cfg.cc == RN_TCB_CC_CUBIC) {
		cubic_ca(t, acked, now);
		return;
	}
	/* NewReno congestion avoidance: one SMSS per cwnd of bytes acked. */
	c->ca_acked += acked;
	if (c->ca_acked >= c->cwnd) {
		c->ca_acked -= c->cwnd;
		cwnd_add(c, t->snd_mss);
	}
}

static uint32_t reduced(const struct rn_tcb *t, uint32_t flight)
{
	uint32_t two = 2u * t->snd_mss, v;
	if (t->cfg.cc == RN_TCB_CC_CUBIC) {
		uint32_t base = t->cc.cwnd < flight ? t->cc.cwnd : flight;
		v = (uint32_t)(base * CUBIC_BETA);
	} else {
		v = flight / 2;
	}
	return v > two ? v : two;
}

static void cubic_loss(struct rn_tcb *t)
{
	struct rn_tcp_cc_state *c = &t->cc;
	double cwnd = c->cwnd / (double)t->snd_mss;
	/* Fast convergence (RFC 9438 §4.7). */
	if (cwnd < c->w_last_max)
		c->w_max = cwnd * (1 + CUBIC_BETA) / 2;
	else
		c->w_max = cwnd;
	c->w_last_max = cwnd;
	c->epoch_start = 0;
}

void rn_cc_on_loss(struct rn_tcb *t, uint32_t flight, uint64_t now)
{
	(void)now;
	if (t->cfg.cc == RN_TCB_CC_CUBIC)
		cubic_loss(t);
	t->cc.ssthresh = reduced(t, flight);
	t->cc.ca_acked = 0;
}

void rn_cc_on_rto(struct rn_tcb *t, uint32_t flight, uint64_t now)
{
	(void)now;
	if (t->cfg.cc == RN_TCB_CC_CUBIC)
		cubic_loss(t);
	t->cc.ssthresh = reduced(t, flight);
	t->cc.cwnd = t->snd_mss;
	t->cc.ca_acked = 0;
}
