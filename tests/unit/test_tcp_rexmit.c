/* Unit tests: retransmission timing (RFC 6298 RTO, backoff, Karn), retry
 * limits, fast retransmit and NewReno recovery (RFC 5681, RFC 6582). */
#include "tcp_harness.h"

#define A RN_TCP_ACK
#define S RN_TCP_SYN
#define F RN_TCP_FIN
#define R RN_TCP_RST
#define P RN_TCP_PSH
#define R1 (REMOTE_ISN + 1)
#define MSS 536 /* the peer's SYN-ACK carries no MSS option */

/* Handshake with a 100 ms RTT: SRTT 100 ms, RTTVAR 50 ms, RTO 300 ms. */
static void establish_rtt100(struct harness *h)
{
	h_start(h);
	rn_tcb_connect(&h->tcb, h->now);
	uint32_t iss = h->tcb.iss;
	h_expect(h, S, iss, 0);
	h->now += 100000;
	h_in(h, h_seg(S | A, REMOTE_ISN, iss + 1, 65535, NULL, 0));
	h_expect(h, A, iss + 1, R1);
	assert_int_equal(rn_tcb_srtt(&h->tcb), 100000);
	assert_int_equal(rn_tcb_rto(&h->tcb), 300000);
}

static void test_rto_backoff_and_karn(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	establish_rtt100(&h);
	uint32_t L = h.tcb.iss + 1;
	uint64_t t0 = h.now;
	assert_int_equal(rn_tcb_write(&h.tcb, "data", 4, h.now), 4);
	h_expect_data(&h, A | P, L, R1, "data", 4);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), t0 + 300000);
	/* Each timeout resends the segment and doubles the RTO. */
	uint64_t at[] = { 300000, 900000, 2100000, 4500000 };
	for (int i = 0; i < 4; i++) {
		h_next_timer(&h);
		assert_int_equal(h.now - t0, at[i]);
		h_expect_data(&h, A | P, L, R1, "data", 4);
		h_expect_none(&h);
	}
	assert_int_equal(h.tcb.stats.rtos, 4);
	assert_int_equal(rn_tcb_cwnd(&h.tcb), MSS); /* loss window */
	/* The ACK of a retransmitted segment gives no RTT sample (Karn). */
	h.now += 50000;
	h_in(&h, h_seg(A, R1, L + 4, 65535, NULL, 0));
	assert_int_equal(rn_tcb_srtt(&h.tcb), 100000);
	assert_int_equal(rn_tcb_rto(&h.tcb), 4800000); /* still backed off */
	assert_int_equal(rn_tcb_next_timer(&h.tcb), UINT64_MAX);
	/* New data: timed, and its ACK ends the backoff. */
	rn_tcb_write(&h.tcb, "more", 4, h.now);
	h_expect_data(&h, A | P, L + 4, R1, "more", 4);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), h.now + 4800000);
	h.now += 50000;
	h_in(&h, h_seg(A, R1, L + 8, 65535, NULL, 0));
	/* RTTVAR = (3*50000 + |100000-50000|)/4 = 50000; SRTT = (7*100000 + 50000)/8. */
	assert_int_equal(rn_tcb_srtt(&h.tcb), 93750);
	assert_int_equal(rn_tcb_rto(&h.tcb), 93750 + 200000);
	h_free(&h);
}

/* The minimum and maximum RTO are configurable (RFC 6298 (2.4), (2.5)). */
static void test_rto_bounds(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.rto_min_us = 1000;
	h.cfg.rto_max_us = 2000000;
	h.cfg.max_retries = 100;
	h_start(&h);
	rn_tcb_connect(&h.tcb, h.now);
	uint32_t iss = h.tcb.iss;
	h_expect(&h, S, iss, 0);
	h.now += 100;
	h_in(&h, h_seg(S | A, REMOTE_ISN, iss + 1, 65535, NULL, 0));
	h_expect(&h, A, iss + 1, R1);
	/* 100 + max(G = 1 ms, 4 * 50): the clock granularity term wins. */
	assert_int_equal(rn_tcb_rto(&h.tcb), 1100);
	rn_tcb_write(&h.tcb, "x", 1, h.now);
	h_expect(&h, A | P, iss + 1, R1);
	uint64_t t0 = h.now, prev = h.now;
	for (int i = 0; i < 20; i++) {
		h_next_timer(&h);
		h_expect(&h, A | P, iss + 1, R1);
		if (i == 0)
			assert_int_equal(h.now - prev, 1100);
		if (i >= 11)
			assert_int_equal(h.now - prev, 2000000); /* clamped */
		else
			assert_int_equal(h.now - prev, 1100u << i);
		prev = h.now;
	}
	assert_int_equal(h.now - t0, 1100 * 2047 + 9 * 2000000);
	h_free(&h);
}

static void test_max_retries(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.max_retries = 3;
	establish_rtt100(&h);
	uint32_t L = h.tcb.iss + 1;
	rn_tcb_write(&h.tcb, "data", 4, h.now);
	h_expect(&h, A | P, L, R1);
	for (int i = 0; i < 3; i++) {
		h_next_timer(&h);
		h_expect(&h, A | P, L, R1);
	}
	h_next_timer(&h);
	h_expect_none(&h);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_CLOSED);
	assert_int_equal(rn_tcb_error(&h.tcb), -RN_ETIMEOUT);
	assert_int_equal(rn_tcb_read(&h.tcb, (char[4]){ 0 }, 4, h.now), -RN_ETIMEOUT);
	assert_true(rn_tcb_poll(&h.tcb) & RN_TCB_ERROR);
	h_free(&h);
}

static void test_user_timeout(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.user_timeout_us = 1000000;
	establish_rtt100(&h);
	uint32_t L = h.tcb.iss + 1;
	uint64_t t0 = h.now;
	rn_tcb_write(&h.tcb, "data", 4, h.now);
	h_expect(&h, A | P, L, R1);
	h_next_timer(&h); /* 300 ms */
	h_expect(&h, A | P, L, R1);
	h_next_timer(&h); /* 900 ms */
	h_expect(&h, A | P, L, R1);
	h_next_timer(&h); /* 2100 ms: more than a second unacknowledged */
	assert_int_equal(h.now - t0, 2100000);
	h_expect_none(&h);
	assert_int_equal(rn_tcb_error(&h.tcb), -RN_ETIMEOUT);
	h_free(&h);
}

/* An unanswered FIN is retransmitted too. */
static void test_fin_retransmitted(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	establish_rtt100(&h);
	uint32_t L = h.tcb.iss + 1;
	rn_tcb_write(&h.tcb, "end", 3, h.now);
	rn_tcb_shutdown(&h.tcb, h.now);
	h_expect_data(&h, A | P, L, R1, "end", 3);
	h_expect(&h, A | F, L + 3, R1);
	h_next_timer(&h);
	h_expect_data(&h, A | P | F, L, R1, "end", 3); /* one segment now */
	h_in(&h, h_seg(A, R1, L + 3, 65535, NULL, 0));
	h_next_timer(&h);
	h_expect(&h, A | F, L + 3, R1);
	h_in(&h, h_seg(A, R1, L + 4, 65535, NULL, 0));
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_FIN_WAIT_2);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), UINT64_MAX);
	h_free(&h);
}

/* Go-back-N after a timeout, paced by slow start from one segment. */
static void test_rto_go_back_n(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	establish_rtt100(&h);
	uint32_t L = h.tcb.iss + 1;
	static uint8_t buf[4 * MSS];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)i;
	rn_tcb_write(&h.tcb, buf, sizeof buf, h.now);
	for (int i = 0; i < 4; i++)
		h_expect_data(&h, i == 3 ? A | P : A, L + i * MSS, R1, buf + i * MSS, MSS);
	h_next_timer(&h);
	h_expect_data(&h, A, L, R1, buf, MSS);
	h_expect_none(&h);
	/* Its ACK opens cwnd to 2: the next two go out. */
	h_in(&h, h_seg(A, R1, L + MSS, 65535, NULL, 0));
	h_expect_data(&h, A, L + MSS, R1, buf + MSS, MSS);
	h_expect_data(&h, A, L + 2 * MSS, R1, buf + 2 * MSS, MSS);
	h_expect_none(&h);
	h_in(&h, h_seg(A, R1, L + 3 * MSS, 65535, NULL, 0));
	h_expect_data(&h, A | P, L + 3 * MSS, R1, buf + 3 * MSS, MSS);
	h_in(&h, h_seg(A, R1, L + 4 * MSS, 65535, NULL, 0));
	h_expect_none(&h);
	assert_true(rn_tcb_poll(&h.tcb) & RN_TCB_SENT);
	assert_int_equal(h.tcb.stats.retransmits, 4);
	h_free(&h);
}

/* Three duplicate ACKs: fast retransmit, NewReno partial and full ACKs. */
static void test_fast_retransmit_newreno(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	establish_rtt100(&h);
	uint32_t L = h.tcb.iss + 1;
	static uint8_t buf[10 * MSS];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 7);
	assert_int_equal(rn_tcb_write(&h.tcb, buf, sizeof buf, h.now), sizeof buf);
	for (int i = 0; i < 10; i++)
		h_expect(&h, i == 9 ? A | P : A, L + i * MSS, R1);
	h_expect_none(&h);
	/* Segments 2 and 6 are lost. */
	h_in(&h, h_seg(A, R1, L + MSS, 65535, NULL, 0));
	h_in(&h, h_seg(A, R1, L + MSS, 65535, NULL, 0));
	h_in(&h, h_seg(A, R1, L + MSS, 65535, NULL, 0));
	h_expect_none(&h);
	assert_false(h.tcb.in_recovery);
	h_in(&h, h_seg(A, R1, L + MSS, 65535, NULL, 0));
	h_expect_data(&h, A, L + MSS, R1, buf + MSS, MSS);
	h_expect_none(&h);
	assert_true(h.tcb.in_recovery);
	assert_int_equal(h.tcb.cc.ssthresh, 9 * MSS / 2);
	assert_int_equal(rn_tcb_cwnd(&h.tcb), 9 * MSS / 2 + 3 * MSS);
	/* More duplicates inflate cwnd; nothing new to send. */
	h_in(&h, h_seg(A, R1, L + MSS, 65535, NULL, 0));
	assert_int_equal(rn_tcb_cwnd(&h.tcb), 9 * MSS / 2 + 4 * MSS);
	h_expect_none(&h);
	/* Partial ACK up to the second hole: it is resent at once. */
	h_in(&h, h_seg(A, R1, L + 5 * MSS, 65535, NULL, 0));
	h_expect_data(&h, A, L + 5 * MSS, R1, buf + 5 * MSS, MSS);
	h_expect_none(&h);
	assert_true(h.tcb.in_recovery);
	/* Full ACK: recovery ends with cwnd = ssthresh. */
	h_in(&h, h_seg(A, R1, L + 10 * MSS, 65535, NULL, 0));
	assert_false(h.tcb.in_recovery);
	assert_int_equal(rn_tcb_cwnd(&h.tcb), 9 * MSS / 2);
	assert_int_equal(h.tcb.stats.fast_recoveries, 1);
	assert_int_equal(h.tcb.stats.rtos, 0);
	assert_int_equal(h.tcb.stats.retransmits, 2);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), UINT64_MAX);
	h_free(&h);
}

/* Limited transmit (RFC 3042): the first two duplicate ACKs each release a new segment. */
static void test_limited_transmit(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.initial_cwnd = 4;
	establish_rtt100(&h);
	uint32_t L = h.tcb.iss + 1;
	static uint8_t buf[8 * MSS];
	rn_tcb_write(&h.tcb, buf, sizeof buf, h.now);
	for (int i = 0; i < 4; i++)
		h_expect(&h, A, L + i * MSS, R1);
	h_expect_none(&h);
	h_in(&h, h_seg(A, R1, L, 65535, NULL, 0));
	h_expect(&h, A, L + 4 * MSS, R1);
	h_expect_none(&h);
	h_in(&h, h_seg(A, R1, L, 65535, NULL, 0));
	h_expect(&h, A, L + 5 * MSS, R1);
	h_expect_none(&h);
	h_in(&h, h_seg(A, R1, L, 65535, NULL, 0));
	h_expect(&h, A, L, R1); /* the third: fast retransmit */
	h_expect_none(&h);
	assert_int_equal(rn_tcb_cwnd(&h.tcb), 6 * MSS / 2 + 3 * MSS);
	h_free(&h);
}

/* Duplicate ACKs that update the window, or carry data, are not duplicates. */
static void test_not_dupacks(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	establish_rtt100(&h);
	uint32_t L = h.tcb.iss + 1;
	static uint8_t buf[4 * MSS];
	rn_tcb_write(&h.tcb, buf, sizeof buf, h.now);
	for (int i = 0; i < 4; i++)
		h_expect(&h, i == 3 ? A | P : A, L + i * MSS, R1);
	h_in(&h, h_seg(A, R1, L, 60000, NULL, 0));
	h_in(&h, h_seg(A, R1, L, 50000, NULL, 0));
	h_in(&h, h_seg(A, R1, L, 40000, NULL, 0));
	h_in(&h, h_seg(A, R1, L, 30000, NULL, 0));
	assert_int_equal(h.tcb.dupacks, 0);
	h_in(&h, h_seg(A, R1, L, 30000, "a", 1));
	h_in(&h, h_seg(A, R1 + 1, L, 30000, "b", 1));
	h_in(&h, h_seg(A, R1 + 2, L, 30000, "c", 1));
	assert_int_equal(h.tcb.dupacks, 0);
	assert_false(h.tcb.in_recovery);
	h_free(&h);
}


/* RTOs while the peer's window is zero are probes: no timeout from max_retries. */
static void test_rto_against_zero_window(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.max_retries = 2;
	establish_rtt100(&h);
	uint32_t L = h.tcb.iss + 1;
	rn_tcb_write(&h.tcb, "data", 4, h.now);
	h_expect(&h, A | P, L, R1);
	h_in(&h, h_seg(A, R1, L, 0, NULL, 0)); /* the window shrank to zero */
	for (int i = 0; i < 6; i++) {
		h_next_timer(&h);
		h_expect(&h, A | P, L, R1);
		h_in(&h, h_seg(A, R1, L, 0, NULL, 0));
	}
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_ESTABLISHED);
	h_in(&h, h_seg(A, R1, L + 4, 1000, NULL, 0));
	assert_true(rn_tcb_poll(&h.tcb) & RN_TCB_SENT);
	h_free(&h);
}

/* Drives one loss at cwnd = 10 segments, then 100 ms rounds in which the
 * peer ACKs everything; returns cwnd (in segments) after each round. */
static void cc_run(enum rn_tcb_cc cc, double *cwnd_segs, int rounds, uint32_t *ssthresh)
{
	struct harness h;
	h_config(&h);
	h.cfg.cc = cc;
	establish_rtt100(&h);
	uint32_t L = h.tcb.iss + 1;
	static uint8_t buf[65535];
	rn_tcb_write(&h.tcb, buf, sizeof buf, h.now);
	assert_int_equal(h.tcb.snd_max - L, 10 * MSS);
	for (int i = 0; i < 3; i++)
		h_in(&h, h_seg(A, R1, L, 65535, NULL, 0));
	assert_true(h.tcb.in_recovery);
	*ssthresh = h.tcb.cc.ssthresh;
	h.now += 100000;
	h_in(&h, h_seg(A, R1, h.tcb.snd_max, 65535, NULL, 0));
	assert_false(h.tcb.in_recovery);
	for (int r = 0; r < rounds; r++) {
		h.now += 100000;
		h.nout = h.next = 0; /* forget what was sent */
		size_t n = rn_tcb_writable(&h.tcb);
		rn_tcb_write(&h.tcb, buf, n > sizeof buf ? sizeof buf : n, h.now);
		h_in(&h, h_seg(A, R1, h.tcb.snd_max, 65535, NULL, 0));
		cwnd_segs[r] = (double)rn_tcb_cwnd(&h.tcb) / MSS;
	}
	h_free(&h);
}

/* CUBIC (RFC 9438): beta 0.7 at a loss, then growth back past W_max; NewReno halves. */
static void test_cubic(void **state)
{
	(void)state;
	double cubic[40], reno[40];
	uint32_t ss_cubic, ss_reno;
	cc_run(RN_TCB_CC_CUBIC, cubic, 40, &ss_cubic);
	cc_run(RN_TCB_CC_NEWRENO, reno, 40, &ss_reno);
	/* Loss with cwnd 10 and 12 segments in flight (limited transmit). */
	assert_int_equal(ss_cubic, (uint32_t)(10 * MSS * 0.7));
	assert_int_equal(ss_reno, 12 * MSS / 2);
	for (int r = 1; r < 40; r++) {
		assert_true(cubic[r] >= cubic[r - 1]);
		assert_true(reno[r] >= reno[r - 1]);
	}
	assert_true(cubic[0] < 10);
	assert_true(cubic[39] > 10); /* past W_max after 4 s */
	/* NewReno: one segment per RTT in congestion avoidance. */
	assert_true(reno[39] - reno[9] > 28 && reno[39] - reno[9] < 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rto_backoff_and_karn),
		cmocka_unit_test(test_rto_bounds),
		cmocka_unit_test(test_max_retries),
		cmocka_unit_test(test_user_timeout),
		cmocka_unit_test(test_fin_retransmitted),
		cmocka_unit_test(test_rto_go_back_n),
		cmocka_unit_test(test_fast_retransmit_newreno),
		cmocka_unit_test(test_limited_transmit),
		cmocka_unit_test(test_not_dupacks),
		cmocka_unit_test(test_rto_against_zero_window),
		cmocka_unit_test(test_cubic),
	};
	return cmocka_run_group_tests_name("tcp_rexmit", tests, NULL, NULL);
}
