/* Unit tests: the TCP state machine's handshakes, data, every close path and
 * RST handling (RFC 9293 §3.10, RFC 5961), as scripted segment exchanges. */
#include "tcp_harness.h"

#define A RN_TCP_ACK
#define S RN_TCP_SYN
#define F RN_TCP_FIN
#define R RN_TCP_RST
#define P RN_TCP_PSH
#define R1 (REMOTE_ISN + 1)

static void test_handshake_active(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_start(&h);
	assert_int_equal(rn_tcb_connect(&h.tcb, h.now), 0);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_SYN_SENT);
	uint32_t iss = h.tcb.iss;
	struct rn_tcp_seg *syn = h_expect(&h, S, iss, 0);
	assert_true(syn->opts.has_mss);
	assert_int_equal(syn->opts.mss, 1460);
	assert_false(syn->opts.has_ts);
	assert_int_equal(syn->hdr.window, 65535);
	assert_false(rn_tcb_poll(&h.tcb) & RN_TCB_CONNECTED);
	h_in(&h, h_seg(S | A, REMOTE_ISN, iss + 1, 8192, NULL, 0));
	h_expect(&h, A, iss + 1, R1);
	h_expect_none(&h);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_ESTABLISHED);
	assert_int_equal(h.nstates, 2);
	assert_int_equal(h.states[0], RN_TCP_SYN_SENT);
	assert_int_equal(h.states[1], RN_TCP_ESTABLISHED);
	unsigned m = rn_tcb_poll(&h.tcb);
	assert_true(m & RN_TCB_CONNECTED);
	assert_true(m & RN_TCB_WRITABLE);
	assert_false(m & RN_TCB_READABLE);
	assert_int_equal(h.tcb.snd_wnd, 8192);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), UINT64_MAX);
	h_free(&h);
}

static void test_handshake_passive(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_start(&h);
	assert_int_equal(rn_tcb_listen(&h.tcb), 0);
	/* Things a listener ignores or refuses. */
	h_in(&h, h_seg(R, 5, 0, 0, NULL, 0));
	h_expect_none(&h);
	h_in(&h, h_seg(A, 5, 777, 100, NULL, 0));
	h_expect(&h, R, 777, 0);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_LISTEN);

	struct rn_tcp_opts o = { .has_mss = true, .mss = 1000 };
	h_in_opts(&h, h_seg(S, REMOTE_ISN, 0, 4096, NULL, 0), &o);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_SYN_RECEIVED);
	uint32_t iss = h.tcb.iss;
	struct rn_tcp_seg *sa = h_expect(&h, S | A, iss, R1);
	assert_int_equal(sa->opts.mss, 1460);
	/* A retransmitted SYN gets the SYN-ACK again. */
	h_in_opts(&h, h_seg(S, REMOTE_ISN, 0, 4096, NULL, 0), &o);
	h_expect(&h, S | A, iss, R1);
	/* An ACK of something else: RST. */
	h_in(&h, h_seg(A, R1, iss + 5, 4096, NULL, 0));
	h_expect(&h, R, iss + 5, 0);
	h_in(&h, h_seg(A, R1, iss + 1, 4096, NULL, 0));
	h_expect_none(&h);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_ESTABLISHED);
	assert_int_equal(h.tcb.mss_limit, 1000);
	/* Data goes out in segments of the peer's MSS. */
	static uint8_t buf[2500];
	memset(buf, 'x', sizeof buf);
	assert_int_equal(rn_tcb_write(&h.tcb, buf, sizeof buf, h.now), 2500);
	h_expect_data(&h, A, iss + 1, R1, buf, 1000);
	h_expect_data(&h, A, iss + 1001, R1, buf, 1000);
	h_expect_none(&h); /* Nagle holds the runt while data is in flight */
	h_in(&h, h_seg(A, R1, iss + 2001, 4096, NULL, 0));
	h_expect_data(&h, A | P, iss + 2001, R1, buf, 500);
	h_free(&h);
}

/* RFC 9293 Figure 8. */
static void test_handshake_simultaneous(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_start(&h);
	rn_tcb_connect(&h.tcb, h.now);
	uint32_t iss = h.tcb.iss;
	h_expect(&h, S, iss, 0);
	h_in(&h, h_seg(S, REMOTE_ISN, 0, 4096, NULL, 0));
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_SYN_RECEIVED);
	h_expect(&h, S | A, iss, R1);
	h_in(&h, h_seg(S | A, REMOTE_ISN, iss + 1, 4096, NULL, 0));
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_ESTABLISHED);
	h_expect_none(&h);
	assert_int_equal(rn_tcb_write(&h.tcb, "hi", 2, h.now), 2);
	h_expect_data(&h, A | P, iss + 1, R1, "hi", 2);
	h_free(&h);
}

static void test_syn_sent_bad_ack_and_refused(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_start(&h);
	rn_tcb_connect(&h.tcb, h.now);
	uint32_t iss = h.tcb.iss;
	h_expect(&h, S, iss, 0);
	/* An ACK that is not for our SYN: RST <SEQ=SEG.ACK>. */
	h_in(&h, h_seg(S | A, REMOTE_ISN, iss + 100, 4096, NULL, 0));
	h_expect(&h, R, iss + 100, 0);
	/* A RST without an acceptable ACK is ignored (RFC 5961 §3.2). */
	h_in(&h, h_seg(R, 0, 0, 0, NULL, 0));
	h_in(&h, h_seg(R | A, 0, iss + 7, 0, NULL, 0));
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_SYN_SENT);
	h_expect_none(&h); /* a RST is never answered with a RST */
	h_in(&h, h_seg(R | A, 0, iss + 1, 0, NULL, 0));
	h_expect_none(&h);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_CLOSED);
	assert_int_equal(rn_tcb_error(&h.tcb), -RN_ERESET);
	assert_true(rn_tcb_poll(&h.tcb) & RN_TCB_ERROR);
	assert_int_equal(rn_tcb_write(&h.tcb, "x", 1, h.now), -RN_ERESET);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), UINT64_MAX);
	h_free(&h);
}

static void test_closed_answers_rst(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_start(&h);
	h_in(&h, h_seg(S, 500, 0, 100, NULL, 0));
	h_expect(&h, R | A, 0, 501);
	h_in(&h, h_seg(A | P, 500, 9000, 100, "abc", 3));
	h_expect(&h, R, 9000, 0);
	h_in(&h, h_seg(F, 500, 0, 100, "abc", 3));
	h_expect(&h, R | A, 0, 504);
	h_in(&h, h_seg(R, 500, 0, 100, NULL, 0));
	h_expect_none(&h);
	/* The same answer as a pure function. */
	struct rn_tcp_seg in = h_seg(S, 42, 0, 0, NULL, 0), rst;
	assert_int_equal(rn_tcp_reset_for(&in, &rst), 1);
	assert_int_equal(rst.hdr.flags, R | A);
	assert_int_equal(rst.hdr.ack, 43);
	assert_int_equal(rst.hdr.sport, H_LPORT);
	in.hdr.flags = R;
	assert_int_equal(rn_tcp_reset_for(&in, &rst), 0);
	h_free(&h);
}

static void test_data_both_ways(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_establish(&h, 8192);
	uint32_t L = h.tcb.iss + 1;
	assert_int_equal(rn_tcb_write(&h.tcb, "hello", 5, h.now), 5);
	h_expect_data(&h, A | P, L, R1, "hello", 5);
	assert_false(rn_tcb_poll(&h.tcb) & RN_TCB_SENT);
	assert_true(rn_tcb_next_timer(&h.tcb) != UINT64_MAX); /* RTO armed */
	/* Nagle: a second small write waits for the ACK. */
	assert_int_equal(rn_tcb_write(&h.tcb, " world", 6, h.now), 6);
	h_expect_none(&h);
	h.now += 10000;
	h_in(&h, h_seg(A | P, R1, L + 5, 8192, "echo", 4));
	h_expect_data(&h, A | P, L + 5, R1 + 4, " world", 6);
	h_in(&h, h_seg(A, R1 + 4, L + 11, 8192, NULL, 0));
	h_expect_none(&h);
	assert_true(rn_tcb_poll(&h.tcb) & RN_TCB_SENT);
	assert_true(rn_tcb_poll(&h.tcb) & RN_TCB_READABLE);
	char buf[16];
	assert_int_equal(rn_tcb_read(&h.tcb, buf, sizeof buf, h.now), 4);
	assert_memory_equal(buf, "echo", 4);
	assert_int_equal(rn_tcb_read(&h.tcb, buf, sizeof buf, h.now), -EAGAIN);
	/* RTT samples 0 (handshake), 10 ms, 0: SRTT = 7/8 (10000 / 8). */
	assert_int_equal(rn_tcb_srtt(&h.tcb), 1093);
	h_free(&h);
}

static void test_delayed_ack(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_establish(&h, 8192);
	uint32_t L = h.tcb.iss + 1;
	/* One segment: the ACK waits for the delayed-ACK timer. */
	h_in(&h, h_seg(A, R1, L, 8192, "aaaa", 4));
	h_expect_none(&h);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), h.now + 40000);
	h_wait(&h, 39999);
	h_expect_none(&h);
	h_wait(&h, 1);
	h_expect(&h, A, L, R1 + 4);
	/* Two segments: the second is ACKed at once (RFC 1122 §4.2.3.2). */
	h_in(&h, h_seg(A, R1 + 4, L, 8192, "bbbb", 4));
	h_expect_none(&h);
	h_in(&h, h_seg(A, R1 + 8, L, 8192, "cccc", 4));
	h_expect(&h, A, L, R1 + 12);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), UINT64_MAX);
	/* Data we send carries the pending ACK. */
	h_in(&h, h_seg(A, R1 + 12, L, 8192, "dddd", 4));
	assert_int_equal(rn_tcb_write(&h.tcb, "x", 1, h.now), 1);
	h_expect_data(&h, A | P, L, R1 + 16, "x", 1);
	h_free(&h);
}

static void test_close_active(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.time_wait_us = 500000;
	h_establish(&h, 8192);
	uint32_t L = h.tcb.iss + 1;
	assert_int_equal(rn_tcb_write(&h.tcb, "bye", 3, h.now), 3);
	h_expect_data(&h, A | P, L, R1, "bye", 3);
	assert_int_equal(rn_tcb_shutdown(&h.tcb, h.now), 0);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_FIN_WAIT_1);
	h_expect(&h, A | F, L + 3, R1); /* no Nagle for the FIN */
	assert_int_equal(rn_tcb_write(&h.tcb, "x", 1, h.now), -RN_ECLOSED);
	h_in(&h, h_seg(A, R1, L + 4, 8192, NULL, 0));
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_FIN_WAIT_2);
	h_expect_none(&h);
	assert_true(rn_tcb_poll(&h.tcb) & RN_TCB_SENT);
	h_in(&h, h_seg(A | F, R1, L + 4, 8192, NULL, 0));
	h_expect(&h, A, L + 4, R1 + 1);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_TIME_WAIT);
	assert_true(rn_tcb_poll(&h.tcb) & RN_TCB_CLOSED);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), h.now + 500000);
	/* A retransmitted FIN is ACKed again and restarts TIME-WAIT. */
	h_wait(&h, 300000);
	h_in(&h, h_seg(A | F, R1, L + 4, 8192, NULL, 0));
	h_expect(&h, A, L + 4, R1 + 1);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), h.now + 500000);
	h_wait(&h, 499999);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_TIME_WAIT);
	h_wait(&h, 1);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_CLOSED);
	assert_int_equal(rn_tcb_error(&h.tcb), 0);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), UINT64_MAX);
	enum rn_tcp_state want[] = { RN_TCP_SYN_SENT, RN_TCP_ESTABLISHED, RN_TCP_FIN_WAIT_1,
				     RN_TCP_FIN_WAIT_2, RN_TCP_TIME_WAIT, RN_TCP_CLOSED };
	assert_int_equal(h.nstates, 6);
	assert_memory_equal(h.states, want, sizeof want);
	h_expect_none(&h);
	h_free(&h);
}

/* FIN-WAIT-1 gets FIN+ACK of our FIN in one segment. */
static void test_close_active_fin_ack_together(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_establish(&h, 8192);
	uint32_t L = h.tcb.iss + 1;
	rn_tcb_close(&h.tcb, h.now);
	h_expect(&h, A | F, L, R1);
	h_in(&h, h_seg(A | F, R1, L + 1, 8192, NULL, 0));
	h_expect(&h, A, L + 1, R1 + 1);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_TIME_WAIT);
	h_free(&h);
}

static void test_close_passive(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_establish(&h, 8192);
	uint32_t L = h.tcb.iss + 1;
	h_in(&h, h_seg(A | P | F, R1, L, 8192, "last", 4));
	h_expect(&h, A, L, R1 + 5); /* a FIN is ACKed at once */
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_CLOSE_WAIT);
	unsigned m = rn_tcb_poll(&h.tcb);
	assert_true(m & RN_TCB_EOF);
	assert_true(m & RN_TCB_READABLE);
	assert_true(m & RN_TCB_WRITABLE);
	char buf[8];
	assert_int_equal(rn_tcb_read(&h.tcb, buf, sizeof buf, h.now), 4);
	assert_int_equal(rn_tcb_read(&h.tcb, buf, sizeof buf, h.now), 0);
	/* We may still send in CLOSE-WAIT. */
	assert_int_equal(rn_tcb_write(&h.tcb, "ok", 2, h.now), 2);
	h_expect_data(&h, A | P, L, R1 + 5, "ok", 2);
	rn_tcb_close(&h.tcb, h.now);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_LAST_ACK);
	h_expect(&h, A | F, L + 2, R1 + 5); /* a lone FIN is not held back by Nagle */
	h_in(&h, h_seg(A, R1 + 5, L + 2, 8192, NULL, 0));
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_LAST_ACK);
	h_in(&h, h_seg(A, R1 + 5, L + 3, 8192, NULL, 0));
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_CLOSED);
	assert_int_equal(rn_tcb_error(&h.tcb), 0);
	h_expect_none(&h);
	h_free(&h);
}

static void test_close_simultaneous(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_establish(&h, 8192);
	uint32_t L = h.tcb.iss + 1;
	rn_tcb_shutdown(&h.tcb, h.now);
	h_expect(&h, A | F, L, R1);
	h_in(&h, h_seg(A | F, R1, L, 8192, NULL, 0)); /* their FIN crossed ours */
	h_expect(&h, A, L + 1, R1 + 1);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_CLOSING);
	h_in(&h, h_seg(A, R1 + 1, L + 1, 8192, NULL, 0));
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_TIME_WAIT);
	h_expect_none(&h);
	h_free(&h);
}

/* Half-close: we stop sending, the peer goes on and we read it all. */
static void test_half_close(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_establish(&h, 8192);
	uint32_t L = h.tcb.iss + 1;
	rn_tcb_shutdown(&h.tcb, h.now);
	h_expect(&h, A | F, L, R1);
	h_in(&h, h_seg(A, R1, L + 1, 8192, "part1", 5));
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_FIN_WAIT_2);
	h_in(&h, h_seg(A, R1 + 5, L + 1, 8192, "part2", 5));
	h_expect(&h, A, L + 1, R1 + 10);
	char buf[16];
	assert_int_equal(rn_tcb_read(&h.tcb, buf, sizeof buf, h.now), 10);
	assert_memory_equal(buf, "part1part2", 10);
	h_in(&h, h_seg(A | F, R1 + 10, L + 1, 8192, NULL, 0));
	h_expect(&h, A, L + 1, R1 + 11);
	assert_int_equal(rn_tcb_read(&h.tcb, buf, sizeof buf, h.now), 0);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_TIME_WAIT);
	h_free(&h);
}

/* Closing with unread data resets (RFC 2525 §2.17); so does data after close. */
static void test_close_with_unread_data_resets(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_establish(&h, 8192);
	uint32_t L = h.tcb.iss + 1;
	h_in(&h, h_seg(A, R1, L, 8192, "unread", 6));
	rn_tcb_close(&h.tcb, h.now);
	h_expect(&h, R, L, 0);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_CLOSED);
	h_free(&h);

	h_config(&h);
	h_establish(&h, 8192);
	rn_tcb_close(&h.tcb, h.now);
	h_expect(&h, A | F, L, R1);
	h_in(&h, h_seg(A, R1, L + 1, 8192, "late", 4));
	h_expect(&h, R, L + 1, 0);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_CLOSED);
	h_free(&h);
}

static void test_abort(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_establish(&h, 8192);
	uint32_t L = h.tcb.iss + 1;
	rn_tcb_write(&h.tcb, "abc", 3, h.now);
	h_expect(&h, A | P, L, R1);
	rn_tcb_abort(&h.tcb, h.now);
	h_expect(&h, R, L + 3, 0);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_CLOSED);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), UINT64_MAX);
	h_free(&h);
}

/* Drives a fresh connection into the given state. L is our first data sequence number. */
static void into_state(struct harness *h, enum rn_tcp_state st)
{
	h_config(h);
	if (st == RN_TCP_SYN_RECEIVED) {
		h_start(h);
		rn_tcb_listen(&h->tcb);
		h_in(h, h_seg(S, REMOTE_ISN, 0, 4096, NULL, 0));
		h_expect(h, S | A, h->tcb.iss, R1);
		return;
	}
	h_establish(h, 8192);
	uint32_t L = h->tcb.iss + 1;
	switch (st) {
	case RN_TCP_ESTABLISHED:
		break;
	case RN_TCP_FIN_WAIT_1:
		rn_tcb_shutdown(&h->tcb, h->now);
		h_expect(h, A | F, L, R1);
		break;
	case RN_TCP_FIN_WAIT_2:
		rn_tcb_shutdown(&h->tcb, h->now);
		h_expect(h, A | F, L, R1);
		h_in(h, h_seg(A, R1, L + 1, 8192, NULL, 0));
		break;
	case RN_TCP_CLOSE_WAIT:
		h_in(h, h_seg(A | F, R1, L, 8192, NULL, 0));
		h_expect(h, A, L, R1 + 1);
		break;
	case RN_TCP_CLOSING:
		rn_tcb_shutdown(&h->tcb, h->now);
		h_expect(h, A | F, L, R1);
		h_in(h, h_seg(A | F, R1, L, 8192, NULL, 0));
		h_expect(h, A, L + 1, R1 + 1);
		break;
	case RN_TCP_LAST_ACK:
		h_in(h, h_seg(A | F, R1, L, 8192, NULL, 0));
		h_expect(h, A, L, R1 + 1);
		rn_tcb_shutdown(&h->tcb, h->now);
		h_expect(h, A | F, L, R1 + 1);
		break;
	case RN_TCP_TIME_WAIT:
		rn_tcb_shutdown(&h->tcb, h->now);
		h_expect(h, A | F, L, R1);
		h_in(h, h_seg(A | F, R1, L + 1, 8192, NULL, 0));
		h_expect(h, A, L + 1, R1 + 1);
		break;
	default:
		fail();
	}
	assert_int_equal(rn_tcb_state(&h->tcb), st);
	h_expect_none(h);
}

/* RST in every synchronized state: exact RCV.NXT resets, elsewhere in the
 * window gets a challenge ACK, outside the window is ignored. */
static void test_rst_every_state(void **state)
{
	(void)state;
	static const struct {
		enum rn_tcp_state st;
		enum rn_tcp_state after;
		int err;
	} cases[] = {
		{ RN_TCP_SYN_RECEIVED, RN_TCP_LISTEN, 0 },
		{ RN_TCP_ESTABLISHED, RN_TCP_CLOSED, -RN_ERESET },
		{ RN_TCP_FIN_WAIT_1, RN_TCP_CLOSED, -RN_ERESET },
		{ RN_TCP_FIN_WAIT_2, RN_TCP_CLOSED, -RN_ERESET },
		{ RN_TCP_CLOSE_WAIT, RN_TCP_CLOSED, -RN_ERESET },
		{ RN_TCP_CLOSING, RN_TCP_CLOSED, 0 },
		{ RN_TCP_LAST_ACK, RN_TCP_CLOSED, 0 },
		{ RN_TCP_TIME_WAIT, RN_TCP_CLOSED, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct harness h;
		into_state(&h, cases[i].st);
		uint32_t nxt = h.tcb.rcv_nxt, sndnxt = h.tcb.snd_max;
		/* In the window but not exact: challenge ACK, nothing else. */
		h_in(&h, h_seg(R, nxt + 100, 0, 0, NULL, 0));
		if (cases[i].st == RN_TCP_SYN_RECEIVED)
			h_expect(&h, S | A, h.tcb.iss, nxt);
		else
			h_expect(&h, A, sndnxt, nxt);
		assert_int_equal(rn_tcb_state(&h.tcb), cases[i].st);
		/* Outside the window: silence. */
		h_in(&h, h_seg(R, nxt + 1000000, 0, 0, NULL, 0));
		h_in(&h, h_seg(R, nxt - 1, 0, 0, NULL, 0));
		h_expect_none(&h);
		assert_int_equal(rn_tcb_state(&h.tcb), cases[i].st);
		/* Exact. */
		h_in(&h, h_seg(R, nxt, 0, 0, NULL, 0));
		h_expect_none(&h);
		assert_int_equal(rn_tcb_state(&h.tcb), cases[i].after);
		assert_int_equal(rn_tcb_error(&h.tcb), cases[i].err);
		assert_int_equal(rn_tcb_next_timer(&h.tcb), UINT64_MAX);
		h_free(&h);
	}
}

/* The challenge ACKs are rate limited (RFC 5961 §7). */
static void test_challenge_ack_limit(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.challenge_ack_limit = 3;
	h_establish(&h, 8192);
	for (int i = 0; i < 10; i++)
		h_in(&h, h_seg(R, R1 + 10 + i, 0, 0, NULL, 0));
	assert_int_equal(h_pending(&h), 3);
	assert_int_equal(h.tcb.stats.challenge_acks, 3);
	h.next = h.nout;
	h_wait(&h, 1000000);
	h_in(&h, h_seg(R, R1 + 10, 0, 0, NULL, 0));
	assert_int_equal(h_pending(&h), 1);
	h_free(&h);
}

/* A SYN on an established connection: challenge ACK (RFC 5961 §4). */
static void test_syn_when_established(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_establish(&h, 8192);
	uint32_t L = h.tcb.iss + 1;
	h_in(&h, h_seg(S, 5555, 0, 8192, NULL, 0));
	h_expect(&h, A, L, R1);
	h_in(&h, h_seg(S, R1 + 10, 0, 8192, NULL, 0));
	h_expect(&h, A, L, R1);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_ESTABLISHED);
	/* A retransmitted SYN-ACK (our ACK was lost) gets the ACK again. */
	h_in(&h, h_seg(S | A, REMOTE_ISN, L, 8192, NULL, 0));
	h_expect(&h, A, L, R1);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_ESTABLISHED);
	h_free(&h);
}

/* ACKs for data never sent, and ancient ones (RFC 5961 §5). */
static void test_ack_validation(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_establish(&h, 8192);
	uint32_t L = h.tcb.iss + 1;
	rn_tcb_write(&h.tcb, "abc", 3, h.now);
	h_expect(&h, A | P, L, R1);
	h_in(&h, h_seg(A, R1, L + 50, 8192, "zz", 2));
	h_expect(&h, A, L + 3, R1); /* data not taken */
	assert_int_equal(h.tcb.rcv.len, 0);
	assert_int_equal(h.tcb.snd_una, L);
	h_in(&h, h_seg(A, R1, L - 100000, 8192, NULL, 0));
	h_expect(&h, A, L + 3, R1); /* challenge ACK */
	h_in(&h, h_seg(A, R1, L + 3, 8192, NULL, 0));
	h_expect_none(&h);
	assert_true(rn_tcb_poll(&h.tcb) & RN_TCB_SENT);
	h_free(&h);
}

/* Segments outside the receive window are answered with an ACK and dropped. */
static void test_out_of_window_data(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.rcvbuf_size = 1000;
	h_establish(&h, 8192);
	uint32_t L = h.tcb.iss + 1;
	h_in(&h, h_seg(A, R1 + 1000, L, 8192, "x", 1));
	h_expect(&h, A, L, R1);
	h_in(&h, h_seg(A, R1 - 10, L, 8192, "old", 3));
	h_expect(&h, A, L, R1);
	assert_int_equal(h.tcb.rcv.len, 0);
	/* Overlapping the left edge: the new part is taken. */
	h_in(&h, h_seg(A, R1 - 2, L, 8192, "xxnew", 5));
	h_wait(&h, 40000);
	h_expect(&h, A, L, R1 + 3);
	char buf[8];
	assert_int_equal(rn_tcb_read(&h.tcb, buf, sizeof buf, h.now), 3);
	assert_memory_equal(buf, "new", 3);
	h_free(&h);
}

static void test_connect_timeout(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.connect_timeout_us = 2500000;
	h_start(&h);
	rn_tcb_connect(&h.tcb, h.now);
	uint32_t iss = h.tcb.iss;
	uint64_t t0 = h.now;
	h_expect(&h, S, iss, 0);
	h_next_timer(&h);
	assert_int_equal(h.now - t0, 1000000);
	h_expect(&h, S, iss, 0);
	h_next_timer(&h);
	assert_int_equal(h.now - t0, 2500000); /* the connect timeout before the 3 s RTO */
	h_expect_none(&h);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_CLOSED);
	assert_int_equal(rn_tcb_error(&h.tcb), -RN_ETIMEOUT);
	h_free(&h);

	/* With no overall timeout: syn_retries retransmissions, doubling. */
	h_config(&h);
	h.cfg.connect_timeout_us = 0;
	h.cfg.syn_retries = 3;
	h_start(&h);
	rn_tcb_connect(&h.tcb, h.now);
	t0 = h.now;
	h_expect(&h, S, iss, 0);
	uint64_t want[] = { 1000000, 3000000, 7000000 };
	for (int i = 0; i < 3; i++) {
		h_next_timer(&h);
		assert_int_equal(h.now - t0, want[i]);
		h_expect(&h, S, h.tcb.iss, 0);
	}
	h_next_timer(&h);
	assert_int_equal(h.now - t0, 15000000);
	h_expect_none(&h);
	assert_int_equal(rn_tcb_error(&h.tcb), -RN_ETIMEOUT);
	h_free(&h);
}

/* A passive open whose SYN-ACK is never answered goes back to LISTEN. */
static void test_syn_received_timeout(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.syn_retries = 1;
	h_start(&h);
	rn_tcb_listen(&h.tcb);
	h_in(&h, h_seg(S, REMOTE_ISN, 0, 4096, NULL, 0));
	h_expect(&h, S | A, h.tcb.iss, R1);
	h_next_timer(&h);
	h_expect(&h, S | A, h.tcb.iss, R1);
	h_next_timer(&h);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_LISTEN);
	assert_int_equal(rn_tcb_error(&h.tcb), 0);
	h_expect_none(&h);
	/* And accepts the next one. */
	h_in(&h, h_seg(S, 77, 0, 4096, NULL, 0));
	h_expect(&h, S | A, h.tcb.iss, 78);
	h_free(&h);
}

/* Writes before the handshake completes go out right after it, and a
 * shutdown issued in SYN-SENT sends the FIN once ESTABLISHED. */
static void test_write_before_established(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_start(&h);
	rn_tcb_connect(&h.tcb, h.now);
	uint32_t iss = h.tcb.iss;
	h_expect(&h, S, iss, 0);
	assert_int_equal(rn_tcb_write(&h.tcb, "GET /", 5, h.now), 5);
	rn_tcb_shutdown(&h.tcb, h.now);
	h_expect_none(&h);
	h_in(&h, h_seg(S | A, REMOTE_ISN, iss + 1, 8192, NULL, 0));
	h_expect_data(&h, A | P | F, iss + 1, R1, "GET /", 5);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_FIN_WAIT_1);
	h_free(&h);
}

/* The output refusing a segment: nothing is lost, a later call sends it. */
static void test_output_refused(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_establish(&h, 8192);
	uint32_t L = h.tcb.iss + 1;
	h.refuse = 1;
	assert_int_equal(rn_tcb_write(&h.tcb, "abc", 3, h.now), 3);
	h_expect_none(&h);
	assert_int_equal(h.tcb.snd_max, L);
	assert_true(rn_tcb_next_timer(&h.tcb) != UINT64_MAX);
	rn_tcb_output(&h.tcb, h.now);
	h_expect_data(&h, A | P, L, R1, "abc", 3);
	h_free(&h);
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(rn_tcp_state_name(RN_TCP_SYN_SENT), "SYN-SENT");
	assert_string_equal(rn_tcp_state_name(RN_TCP_TIME_WAIT), "TIME-WAIT");
	assert_string_equal(rn_tcp_state_name((enum rn_tcp_state)99), "?");
	assert_int_equal(rn_tcp_mss_for_mtu(1500, AF_INET), 1460);
	assert_int_equal(rn_tcp_mss_for_mtu(1500, AF_INET6), 1440);
	assert_int_equal(rn_tcp_mss_for_mtu(9000, AF_INET), 8960);
}


/* After close() an orphan in FIN-WAIT-2 gives up after fin_wait2_us; after
 * a mere shutdown() it waits for the peer (half-close). */
static void test_fin_wait2_timeout(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.fin_wait2_us = 3000000;
	h_establish(&h, 8192);
	uint32_t L = h.tcb.iss + 1;
	rn_tcb_close(&h.tcb, h.now);
	h_expect(&h, A | F, L, R1);
	h_in(&h, h_seg(A, R1, L + 1, 8192, NULL, 0));
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_FIN_WAIT_2);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), h.now + 3000000);
	h_next_timer(&h);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_CLOSED);
	h_free(&h);

	h_config(&h);
	h_establish(&h, 8192);
	rn_tcb_shutdown(&h.tcb, h.now);
	h_expect(&h, A | F, L, R1);
	h_in(&h, h_seg(A, R1, L + 1, 8192, NULL, 0));
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_FIN_WAIT_2);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), UINT64_MAX);
	rn_tcb_close(&h.tcb, h.now); /* close() later arms it too */
	assert_int_equal(rn_tcb_next_timer(&h.tcb), h.now + 60000000);
	h_free(&h);
}

/* A RST in SYN-RECEIVED reached by simultaneous open: refused. */
static void test_rst_simultaneous_open(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h_start(&h);
	rn_tcb_connect(&h.tcb, h.now);
	h_expect(&h, S, h.tcb.iss, 0);
	h_in(&h, h_seg(S, REMOTE_ISN, 0, 4096, NULL, 0));
	h_expect(&h, S | A, h.tcb.iss, R1);
	h_in(&h, h_seg(R, R1, 0, 0, NULL, 0));
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_CLOSED);
	assert_int_equal(rn_tcb_error(&h.tcb), -RN_ERESET);
	h_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_active),
		cmocka_unit_test(test_handshake_passive),
		cmocka_unit_test(test_handshake_simultaneous),
		cmocka_unit_test(test_syn_sent_bad_ack_and_refused),
		cmocka_unit_test(test_closed_answers_rst),
		cmocka_unit_test(test_data_both_ways),
		cmocka_unit_test(test_delayed_ack),
		cmocka_unit_test(test_close_active),
		cmocka_unit_test(test_close_active_fin_ack_together),
		cmocka_unit_test(test_close_passive),
		cmocka_unit_test(test_close_simultaneous),
		cmocka_unit_test(test_half_close),
		cmocka_unit_test(test_close_with_unread_data_resets),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_rst_every_state),
		cmocka_unit_test(test_challenge_ack_limit),
		cmocka_unit_test(test_syn_when_established),
		cmocka_unit_test(test_ack_validation),
		cmocka_unit_test(test_out_of_window_data),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_syn_received_timeout),
		cmocka_unit_test(test_write_before_established),
		cmocka_unit_test(test_output_refused),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_fin_wait2_timeout),
		cmocka_unit_test(test_rst_simultaneous_open),
	};
	return cmocka_run_group_tests_name("tcp_conn", tests, NULL, NULL);
}
