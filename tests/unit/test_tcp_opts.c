/* Unit tests: TCP options and what depends on them — MSS, window scaling,
 * timestamps and PAWS (RFC 7323), SACK generated and honoured (RFC 2018,
 * RFC 6675), out-of-order reassembly, zero windows and probes, sequence
 * wrap-around, ISNs (RFC 6528). */
#include "tcp_harness.h"
#include "stack/tcp_int.h"

#define A RN_TCP_ACK
#define S RN_TCP_SYN
#define F RN_TCP_FIN
#define R RN_TCP_RST
#define P RN_TCP_PSH
#define R1 (REMOTE_ISN + 1)

/* Active open answered by a SYN-ACK carrying o (and seq isn). */
static void establish_opts(struct harness *h, uint32_t isn, uint16_t win, struct rn_tcp_opts *o)
{
	h_start(h);
	rn_tcb_connect(&h->tcb, h->now);
	uint32_t iss = h->tcb.iss;
	struct rn_tcp_seg *syn = h_expect(h, S, iss, 0);
	if (o->has_ts)
		o->ts_ecr = syn->opts.ts_val;
	h_in_opts(h, h_seg(S | A, isn, iss + 1, win, NULL, 0), o);
	assert_int_equal(rn_tcb_state(&h->tcb), RN_TCP_ESTABLISHED);
	h_expect(h, A, iss + 1, isn + 1);
}

static void test_syn_options_negotiated(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.wscale = h.cfg.timestamps = h.cfg.sack = true;
	h.cfg.rcvbuf_size = 256 * 1024;
	h_start(&h);
	rn_tcb_connect(&h.tcb, h.now);
	uint32_t iss = h.tcb.iss;
	struct rn_tcp_seg *syn = h_expect(&h, S, iss, 0);
	assert_true(syn->opts.has_mss && syn->opts.mss == 1460);
	assert_true(syn->opts.has_wscale);
	assert_int_equal(syn->opts.wscale, 3); /* 256 KiB >> 3 fits 16 bits */
	assert_true(syn->opts.sack_perm);
	assert_true(syn->opts.has_ts);
	assert_int_equal(syn->opts.ts_ecr, 0);
	assert_int_equal(syn->hdr.opt_len, 20); /* Linux's layout: mss, sackOK+TS, nop+ws */
	assert_int_equal(syn->hdr.window, 65535); /* a SYN's window is never scaled */
	uint32_t tsv = syn->opts.ts_val;

	struct rn_tcp_opts o = { .has_mss = true, .mss = 1200, .has_wscale = true, .wscale = 2,
				 .sack_perm = true, .has_ts = true, .ts_val = 5000, .ts_ecr = tsv };
	h.now += 20000;
	h_in_opts(&h, h_seg(S | A, REMOTE_ISN, iss + 1, 1000, NULL, 0), &o);
	struct rn_tcp_seg *ack = h_expect(&h, A, iss + 1, R1);
	assert_true(ack->opts.has_ts);
	assert_int_equal(ack->opts.ts_ecr, 5000);
	assert_int_equal(ack->opts.ts_val, tsv + 20); /* a millisecond clock */
	assert_int_equal(ack->hdr.window, 256 * 1024 >> 3);
	assert_true(h.tcb.ws_ok && h.tcb.ts_ok && h.tcb.sack_ok);
	assert_int_equal(h.tcb.mss_limit, 1200);
	assert_int_equal(h.tcb.snd_mss, 1188); /* less the timestamp option */
	assert_int_equal(h.tcb.snd_wnd, 1000); /* the SYN-ACK's window is not scaled */
	/* From now on the peer's window is scaled by 4. */
	h_in_opts(&h, h_seg(A, R1, iss + 1, 1000, NULL, 0), &(struct rn_tcp_opts){ .has_ts = true, .ts_val = 5001 });
	assert_int_equal(h.tcb.snd_wnd, 4000);
	static uint8_t buf[5000];
	memset(buf, 'w', sizeof buf);
	assert_int_equal(rn_tcb_write(&h.tcb, buf, sizeof buf, h.now), 5000);
	struct rn_tcp_seg *d = h_expect(&h, A, iss + 1, R1);
	assert_int_equal(d->payload.len, 1188);
	assert_int_equal(d->hdr.opt_len, 12);
	assert_int_equal(d->opts.ts_ecr, 5001);
	h_expect(&h, A, iss + 1 + 1188, R1);
	h_expect(&h, A, iss + 1 + 2 * 1188, R1);
	h_expect_none(&h); /* no window-limited runt while data is in flight */
	h_in_opts(&h, h_seg(A, R1, iss + 1 + 3 * 1188, 1000, NULL, 0),
		  &(struct rn_tcp_opts){ .has_ts = true, .ts_val = 5002 });
	d = h_expect(&h, A, iss + 1 + 3 * 1188, R1);
	assert_int_equal(d->payload.len, 1188);
	h_expect_none(&h); /* Nagle holds the last 248 bytes */
	h_free(&h);
}

/* A peer without options: none are used, and our window is not scaled. */
static void test_syn_options_declined(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.wscale = h.cfg.timestamps = h.cfg.sack = true;
	h.cfg.rcvbuf_size = 256 * 1024;
	struct rn_tcp_opts o = { .has_mss = true, .mss = 1460 };
	establish_opts(&h, REMOTE_ISN, 30000, &o);
	assert_false(h.tcb.ws_ok || h.tcb.ts_ok || h.tcb.sack_ok);
	assert_int_equal(h.tcb.rcv_wscale, 0);
	assert_int_equal(h.tcb.snd_mss, 1460);
	rn_tcb_write(&h.tcb, "x", 1, h.now);
	struct rn_tcp_seg *d = h_expect(&h, A | P, h.tcb.iss + 1, R1);
	assert_int_equal(d->hdr.opt_len, 0);
	assert_int_equal(d->hdr.window, 65535);
	h_free(&h);
}

/* A passive open answers only the options the SYN offered. */
static void test_passive_options(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.wscale = h.cfg.timestamps = h.cfg.sack = true;
	h.cfg.rcvbuf_size = 1 << 20;
	h_start(&h);
	rn_tcb_listen(&h.tcb);
	struct rn_tcp_opts o = { .has_mss = true, .mss = 1400, .sack_perm = true, .has_ts = true,
				 .ts_val = 777 };
	h_in_opts(&h, h_seg(S, REMOTE_ISN, 0, 65535, NULL, 0), &o);
	struct rn_tcp_seg *sa = h_expect(&h, S | A, h.tcb.iss, R1);
	assert_false(sa->opts.has_wscale);
	assert_true(sa->opts.sack_perm);
	assert_true(sa->opts.has_ts);
	assert_int_equal(sa->opts.ts_ecr, 777);
	assert_int_equal(sa->hdr.window, 65535);
	assert_int_equal(h.tcb.rcv_wscale, 0);
	h_free(&h);

	/* With window scaling offered: ours is announced too. */
	h_config(&h);
	h.cfg.wscale = true;
	h.cfg.rcvbuf_size = 1 << 20;
	h_start(&h);
	rn_tcb_listen(&h.tcb);
	struct rn_tcp_opts o2 = { .has_mss = true, .mss = 1400, .has_wscale = true, .wscale = 7 };
	h_in_opts(&h, h_seg(S, REMOTE_ISN, 0, 65535, NULL, 0), &o2);
	sa = h_expect(&h, S | A, h.tcb.iss, R1);
	assert_true(sa->opts.has_wscale);
	assert_int_equal(sa->opts.wscale, 5);
	h_in(&h, h_seg(A, R1, h.tcb.iss + 1, 3, NULL, 0));
	assert_int_equal(h.tcb.snd_wnd, 3 << 7);
	h_in(&h, h_seg(A, R1, h.tcb.iss + 1, 0, "abcd", 4));
	h_wait(&h, 40000);
	struct rn_tcp_seg *ack = h_expect(&h, A, h.tcb.iss + 1, R1 + 4);
	assert_int_equal(ack->hdr.window, ((1 << 20) - 4) >> 5);
	h_free(&h);
}

/* RFC 7323 §5: PAWS drops segments with an old timestamp, ACKing them. */
static void test_paws(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.timestamps = true;
	struct rn_tcp_opts o = { .has_mss = true, .mss = 1460, .has_ts = true, .ts_val = 5000 };
	establish_opts(&h, REMOTE_ISN, 30000, &o);
	uint32_t L = h.tcb.iss + 1;
	struct rn_tcp_opts t = { .has_ts = true, .ts_val = 6000 };
	h_in_opts(&h, h_seg(A, R1, L, 30000, "good", 4), &t);
	h_wait(&h, 40000);
	struct rn_tcp_seg *ack = h_expect(&h, A, L, R1 + 4);
	assert_int_equal(ack->opts.ts_ecr, 6000);
	/* An old duplicate from the previous wrap of the sequence space. */
	t.ts_val = 4000;
	h_in_opts(&h, h_seg(A, R1 + 4, L, 30000, "old!", 4), &t);
	ack = h_expect(&h, A, L, R1 + 4);
	assert_int_equal(ack->opts.ts_ecr, 6000);
	assert_int_equal(h.tcb.rcv.len, 4);
	assert_int_equal(h.tcb.stats.paws_drops, 1);
	/* Timestamps compare modulo 2^32 too: 6000 - 2^31 + 1 is newer than... no, older. */
	t.ts_val = 6000u + 0x80000001u;
	h_in_opts(&h, h_seg(A, R1 + 4, L, 30000, "wrap", 4), &t);
	h_expect(&h, A, L, R1 + 4);
	assert_int_equal(h.tcb.stats.paws_drops, 2);
	/* An equal timestamp is fine (several segments per tick). */
	t.ts_val = 6000;
	h_in_opts(&h, h_seg(A, R1 + 4, L, 30000, "same", 4), &t);
	assert_int_equal(h.tcb.rcv.len, 8);
	/* RSTs are not subject to PAWS. */
	t.ts_val = 1;
	h_wait(&h, 40000);
	h.next = h.nout;
	h_in_opts(&h, h_seg(R, R1 + 8, 0, 0, NULL, 0), &t);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_CLOSED);
	assert_int_equal(rn_tcb_error(&h.tcb), -RN_ERESET);
	h_free(&h);
}

/* TS.Recent only moves for segments at or left of the last ACK sent (RFC 7323 §4.3). */
static void test_ts_recent_update_rule(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.timestamps = true;
	h.cfg.sack = true;
	struct rn_tcp_opts o = { .has_mss = true, .mss = 1460, .has_ts = true, .ts_val = 100,
				 .sack_perm = true };
	establish_opts(&h, REMOTE_ISN, 30000, &o);
	uint32_t L = h.tcb.iss + 1;
	struct rn_tcp_opts t = { .has_ts = true, .ts_val = 300 };
	h_in_opts(&h, h_seg(A, R1 + 10, L, 30000, "later", 5), &t); /* out of order */
	struct rn_tcp_seg *ack = h_expect(&h, A, L, R1);
	assert_int_equal(ack->opts.ts_ecr, 100);
	assert_int_equal(ack->opts.nsack, 1);
	t.ts_val = 200;
	h_in_opts(&h, h_seg(A, R1, L, 30000, "0123456789", 10), &t); /* fills the hole */
	ack = h_expect(&h, A, L, R1 + 15);
	assert_int_equal(ack->opts.ts_ecr, 200);
	assert_int_equal(ack->opts.nsack, 0);
	h_free(&h);
}

/* The receiver's SACK blocks: the newest first, merged as holes close. */
static void test_sack_generated(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.sack = true;
	struct rn_tcp_opts o = { .has_mss = true, .mss = 1460, .sack_perm = true };
	establish_opts(&h, REMOTE_ISN, 30000, &o);
	uint32_t L = h.tcb.iss + 1;
	static char d[600];
	for (int i = 0; i < 600; i++)
		d[i] = (char)('a' + i % 26);
	h_in(&h, h_seg(A, R1 + 100, L, 30000, d + 100, 100));
	struct rn_tcp_seg *ack = h_expect(&h, A, L, R1);
	assert_int_equal(ack->opts.nsack, 1);
	assert_int_equal(ack->opts.sack[0].left, R1 + 100);
	assert_int_equal(ack->opts.sack[0].right, R1 + 200);
	h_in(&h, h_seg(A, R1 + 300, L, 30000, d + 300, 100));
	ack = h_expect(&h, A, L, R1);
	assert_int_equal(ack->opts.nsack, 2);
	assert_int_equal(ack->opts.sack[0].left, R1 + 300);
	assert_int_equal(ack->opts.sack[1].left, R1 + 100);
	h_in(&h, h_seg(A, R1 + 500, L, 30000, d + 500, 100));
	h_in(&h, h_seg(A, R1 + 100, L, 30000, d + 100, 100)); /* a duplicate refreshes its block */
	h.next = h.nout - 1;
	ack = h_expect(&h, A, L, R1);
	assert_int_equal(ack->opts.nsack, 3);
	assert_int_equal(ack->opts.sack[0].left, R1 + 100);
	assert_int_equal(ack->opts.sack[1].left, R1 + 500);
	assert_int_equal(ack->opts.sack[2].left, R1 + 300);
	h_in(&h, h_seg(A, R1 + 200, L, 30000, d + 200, 100)); /* joins 100-200 and 300-400 */
	ack = h_expect(&h, A, L, R1);
	assert_int_equal(ack->opts.nsack, 2);
	assert_int_equal(ack->opts.sack[0].left, R1 + 100);
	assert_int_equal(ack->opts.sack[0].right, R1 + 400);
	assert_int_equal(ack->opts.sack[1].left, R1 + 500);
	h_in(&h, h_seg(A, R1, L, 30000, d, 100)); /* the first hole: ACK to 400 at once */
	ack = h_expect(&h, A, L, R1 + 400);
	assert_int_equal(ack->opts.nsack, 1);
	assert_int_equal(ack->opts.sack[0].left, R1 + 500);
	h_in(&h, h_seg(A, R1 + 400, L, 30000, d + 400, 100));
	ack = h_expect(&h, A, L, R1 + 600);
	assert_int_equal(ack->opts.nsack, 0);
	char buf[700];
	assert_int_equal(rn_tcb_read(&h.tcb, buf, sizeof buf, h.now), 600);
	assert_memory_equal(buf, d, 600);
	h_free(&h);
}

/* Out-of-order data without SACK, overlaps, and the bound on held ranges. */
static void test_reassembly(void **state)
{
	(void)state;
	enum { PIECES = RN_TCB_MAX_RANGES + 2, END = 400 + 200 * PIECES };
	struct harness h;
	h_config(&h);
	h_establish(&h, 30000);
	uint32_t L = h.tcb.iss + 1;
	static char d[END];
	for (int i = 0; i < END; i++)
		d[i] = (char)(i * 31 + 7);
	/* Three segments backwards, with overlaps. */
	h_in(&h, h_seg(A, R1 + 200, L, 30000, d + 200, 100));
	h_in(&h, h_seg(A, R1 + 150, L, 30000, d + 150, 100));
	h_in(&h, h_seg(A, R1 + 0, L, 30000, d, 160));
	assert_int_equal(h.tcb.rcv_nxt, R1 + 300);
	/* Two more disjoint pieces than there are ranges: only RN_TCB_MAX_RANGES are kept. */
	uint64_t drops = h.tcb.stats.drops;
	for (int i = 0; i < PIECES; i++)
		h_in(&h, h_seg(A, R1 + 400 + 200 * i, L, 30000, d + 400 + 200 * i, 100));
	assert_int_equal(h.tcb.ooo.n, RN_TCB_MAX_RANGES);
	assert_int_equal(h.tcb.stats.drops - drops, PIECES - RN_TCB_MAX_RANGES);
	/* Fill everything in order; all of it arrives intact. */
	for (int off = 300; off < END; off += 100)
		h_in(&h, h_seg(A, R1 + off, L, 30000, d + off, 100));
	assert_int_equal(h.tcb.rcv_nxt, R1 + END);
	assert_int_equal(h.tcb.ooo.n, 0);
	static char buf[END];
	assert_int_equal(rn_tcb_read(&h.tcb, buf, sizeof buf, h.now), END);
	assert_memory_equal(buf, d, END);
	h_free(&h);
}

/* SACK-based loss recovery: only holes are resent (RFC 6675). */
static void test_sack_honoured(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.sack = true;
	struct rn_tcp_opts o = { .has_mss = true, .mss = 1000, .sack_perm = true };
	establish_opts(&h, REMOTE_ISN, 60000, &o);
	uint32_t L = h.tcb.iss + 1;
	static uint8_t buf[10000];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 13);
	rn_tcb_write(&h.tcb, buf, sizeof buf, h.now);
	for (int i = 0; i < 10; i++)
		h_expect(&h, i == 9 ? A | P : A, L + 1000 * i, R1);
	h_expect_none(&h);
	/* Segments 1 and 5 are lost. */
	struct rn_tcp_opts s = { .nsack = 1, .sack = { { L + 1000, L + 2000 } } };
	h_in_opts(&h, h_seg(A, R1, L, 60000, NULL, 0), &s);
	s.sack[0].right = L + 3000;
	h_in_opts(&h, h_seg(A, R1, L, 60000, NULL, 0), &s);
	h_expect_none(&h);
	s.sack[0].right = L + 4000;
	h_in_opts(&h, h_seg(A, R1, L, 60000, NULL, 0), &s);
	h_expect_data(&h, A, L, R1, buf, 1000);
	h_expect_none(&h);
	assert_true(h.tcb.in_recovery);
	assert_int_equal(rn_tcb_cwnd(&h.tcb), 5000);
	/* Two segments SACKed above the second hole: not yet lost. */
	s.nsack = 2;
	s.sack[0] = (struct rn_tcp_sack_block){ L + 5000, L + 7000 };
	s.sack[1] = (struct rn_tcp_sack_block){ L + 1000, L + 4000 };
	h_in_opts(&h, h_seg(A, R1, L, 60000, NULL, 0), &s);
	h_expect_none(&h);
	/* Three: it is, and it goes out; SACKed data never does. */
	s.sack[0].right = L + 8000;
	h_in_opts(&h, h_seg(A, R1, L, 60000, NULL, 0), &s);
	h_expect_data(&h, A, L + 4000, R1, buf + 4000, 1000);
	h_expect_none(&h);
	/* The retransmission of segment 1 arrives: a partial ACK. */
	s.nsack = 1;
	s.sack[0] = (struct rn_tcp_sack_block){ L + 5000, L + 8000 };
	h_in_opts(&h, h_seg(A, R1, L + 4000, 60000, NULL, 0), &s);
	h_expect_none(&h);
	assert_true(h.tcb.in_recovery);
	h_in(&h, h_seg(A, R1, L + 10000, 60000, NULL, 0));
	assert_false(h.tcb.in_recovery);
	assert_int_equal(rn_tcb_cwnd(&h.tcb), 5000);
	assert_int_equal(h.tcb.stats.retransmits, 2);
	assert_int_equal(h.tcb.stats.rtos, 0);
	assert_int_equal(h.tcb.sacked.n, 0);
	h_free(&h);
}

/* Bogus SACK blocks (beyond what was sent, below SND.UNA) are ignored. */
static void test_sack_bogus_blocks(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.sack = true;
	struct rn_tcp_opts o = { .has_mss = true, .mss = 1000, .sack_perm = true };
	establish_opts(&h, REMOTE_ISN, 60000, &o);
	uint32_t L = h.tcb.iss + 1;
	static uint8_t buf[3000];
	rn_tcb_write(&h.tcb, buf, sizeof buf, h.now);
	h.next = h.nout;
	struct rn_tcp_opts s = { .nsack = 3,
				 .sack = { { L + 2000, L + 9000 }, { L - 500, L }, { L + 5, L + 5 } } };
	h_in_opts(&h, h_seg(A, R1, L, 60000, NULL, 0), &s);
	assert_int_equal(h.tcb.sacked.n, 0);
	h_free(&h);
}

/* Our zero window: data beyond it is refused; reading opens it with an update. */
static void test_receive_zero_window(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.rcvbuf_size = 2000;
	h.cfg.mss = 1000;
	h_establish(&h, 30000);
	uint32_t L = h.tcb.iss + 1;
	static char d[3000];
	memset(d, 'z', sizeof d);
	h_in(&h, h_seg(A, R1, L, 30000, d, 1000));
	h_in(&h, h_seg(A, R1 + 1000, L, 30000, d, 1000));
	struct rn_tcp_seg *ack = h_expect(&h, A, L, R1 + 2000);
	assert_int_equal(ack->hdr.window, 0);
	assert_false(rn_tcb_poll(&h.tcb) & RN_TCB_EOF);
	/* A one-byte probe into the closed window: not taken, ACKed. */
	h_in(&h, h_seg(A, R1 + 2000, L, 30000, d, 1));
	ack = h_expect(&h, A, L, R1 + 2000);
	assert_int_equal(ack->hdr.window, 0);
	/* A probe below the window (as Linux sends): ACKed. */
	h_in(&h, h_seg(A, R1 + 1999, L, 30000, NULL, 0));
	h_expect(&h, A, L, R1 + 2000);
	/* Reading a little: no update yet (SWS avoidance); reading more: update. */
	char buf[2000];
	assert_int_equal(rn_tcb_read(&h.tcb, buf, 300, h.now), 300);
	h_expect_none(&h);
	assert_int_equal(rn_tcb_read(&h.tcb, buf, 900, h.now), 900);
	ack = h_expect(&h, A, L, R1 + 2000);
	assert_int_equal(ack->hdr.window, 1200);
	h_free(&h);
}

/* The peer's zero window: probes (backed off, never giving up), then resume. */
static void test_zero_window_probe(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.max_retries = 2;
	struct rn_tcp_opts o = { .has_mss = true, .mss = 1000 };
	establish_opts(&h, REMOTE_ISN, 1000, &o);
	uint32_t L = h.tcb.iss + 1;
	static uint8_t buf[3000];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(rn_tcb_write(&h.tcb, buf, sizeof buf, h.now), 3000);
	h_expect_data(&h, A, L, R1, buf, 1000);
	h_expect_none(&h);
	h_in(&h, h_seg(A, R1, L + 1000, 0, NULL, 0));
	h_expect_none(&h);
	uint64_t t0 = h.now, prev = h.now;
	assert_int_equal(rn_tcb_rto(&h.tcb), 200000);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), t0 + 200000);
	/* Ten seconds of zero window: probes at 0.2, 0.6, 1.4, 3.0, 6.2 s ... */
	int probes = 0;
	while (rn_tcb_next_timer(&h.tcb) < t0 + 10000000) {
		h_next_timer(&h);
		h_expect(&h, A, L + 999, R1);
		h_expect_none(&h);
		probes++;
		assert_int_equal(h.now - prev, 200000u << (probes - 1));
		prev = h.now;
		h_in(&h, h_seg(A, R1, L + 1000, 0, NULL, 0)); /* still zero */
		h_expect_none(&h);
	}
	assert_int_equal(probes, 5);
	assert_int_equal(h.tcb.stats.probes, 5);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_ESTABLISHED);
	/* The window opens: the rest goes out at once. */
	h_at(&h, t0 + 10000000);
	h_in(&h, h_seg(A, R1, L + 1000, 5000, NULL, 0));
	h_expect_data(&h, A, L + 1000, R1, buf + 1000, 1000);
	h_expect_data(&h, A | P, L + 2000, R1, buf + 2000, 1000);
	h_expect_none(&h);
	h_in(&h, h_seg(A, R1, L + 3000, 5000, NULL, 0));
	assert_true(rn_tcb_poll(&h.tcb) & RN_TCB_SENT);
	assert_int_equal(rn_tcb_next_timer(&h.tcb), UINT64_MAX);
	h_free(&h);
}

/* Everything works across 2^32: our ISS and the peer's ISN just below it. */
static void test_sequence_wraparound(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	h.cfg.sack = true;
	/* iss(now) = iss(0) + now / 4: pick now for iss = 2^32 - 1500. */
	uint32_t iss0 = rn_tcp_isn(h_secret, &h.ep, 0);
	h.now = 4ULL * (uint32_t)(0xFFFFFA24u - iss0) + (4ULL << 32);
	const uint32_t RISN = 0xFFFFFF00u;
	struct rn_tcp_opts o = { .has_mss = true, .mss = 1000, .sack_perm = true };
	establish_opts(&h, RISN, 60000, &o);
	uint32_t L = h.tcb.iss + 1;
	assert_int_equal(h.tcb.iss, 0xFFFFFA24u);
	static uint8_t buf[4000];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 3 + 1);
	/* Sending across the wrap, with a loss in the middle. */
	rn_tcb_write(&h.tcb, buf, sizeof buf, h.now);
	for (int i = 0; i < 4; i++)
		h_expect_data(&h, i == 3 ? A | P : A, L + 1000 * i, RISN + 1, buf + 1000 * i, 1000);
	struct rn_tcp_opts s = { .nsack = 1, .sack = { { L + 2000, L + 4000 } } };
	h_in_opts(&h, h_seg(A, RISN + 1, L + 1000, 60000, NULL, 0), &s);
	h_in_opts(&h, h_seg(A, RISN + 1, L + 1000, 60000, NULL, 0), &s);
	s.sack[0].right = L + 4000;
	s.nsack = 1;
	h_in_opts(&h, h_seg(A, RISN + 1, L + 1000, 60000, NULL, 0), &s);
	h_in_opts(&h, h_seg(A, RISN + 1, L + 1000, 60000, NULL, 0), &s);
	h_expect_data(&h, A, L + 1000, RISN + 1, buf + 1000, 1000); /* seq 0xFFFFFE0D..0x1F5 */
	h_in(&h, h_seg(A, RISN + 1, L + 4000, 60000, NULL, 0));
	assert_true(rn_tcb_poll(&h.tcb) & RN_TCB_SENT);
	assert_int_equal(h.tcb.snd_una, (uint32_t)(0xFFFFFA25u + 4000));
	/* Receiving across the wrap, out of order. */
	h_in(&h, h_seg(A, RISN + 1 + 1000, L + 4000, 60000, buf + 1000, 1000));
	h_in(&h, h_seg(A, RISN + 1, L + 4000, 60000, buf, 1000));
	h_expect(&h, A, L + 4000, RISN + 1); /* the SACK for the first */
	h_expect(&h, A, L + 4000, RISN + 2001);
	uint8_t got[2000];
	assert_int_equal(rn_tcb_read(&h.tcb, got, sizeof got, h.now), 2000);
	assert_memory_equal(got, buf, 2000);
	/* And a clean close on the other side of zero. */
	rn_tcb_shutdown(&h.tcb, h.now);
	h_expect(&h, A | F, L + 4000, RISN + 2001);
	h_in(&h, h_seg(A | F, RISN + 2001, L + 4001, 60000, NULL, 0));
	h_expect(&h, A, L + 4001, RISN + 2002);
	assert_int_equal(rn_tcb_state(&h.tcb), RN_TCP_TIME_WAIT);
	h_free(&h);
}

/* A tiny peer MSS is honoured. */
static void test_small_peer_mss(void **state)
{
	(void)state;
	struct harness h;
	h_config(&h);
	struct rn_tcp_opts o = { .has_mss = true, .mss = 100 };
	establish_opts(&h, REMOTE_ISN, 60000, &o);
	uint32_t L = h.tcb.iss + 1;
	static uint8_t buf[250];
	rn_tcb_write(&h.tcb, buf, sizeof buf, h.now);
	assert_int_equal(h_expect(&h, A, L, R1)->payload.len, 100);
	assert_int_equal(h_expect(&h, A, L + 100, R1)->payload.len, 100);
	h_expect_none(&h); /* Nagle */
	h_free(&h);
}

/* RFC 6528 ISNs and the SipHash-2-4 reference vector. */
static void test_isn(void **state)
{
	(void)state;
	uint8_t key[16], msg[15];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_true(rn_tcp_siphash(key, msg, 15) == 0xa129ca6149be45e5ULL);
	struct rn_tcb_endpoints ep = { .family = AF_INET, .laddr = { 10, 77, 0, 2 },
				       .raddr = { 10, 77, 0, 1 }, .lport = 40000, .rport = 80 };
	uint32_t a = rn_tcp_isn(key, &ep, 1000);
	assert_int_equal(rn_tcp_isn(key, &ep, 1004), a + 1); /* a 4 µs clock */
	assert_int_equal(rn_tcp_isn(key, &ep, 1000 + 4000000), a + 1000000);
	ep.lport++;
	assert_int_not_equal(rn_tcp_isn(key, &ep, 1000), a);
	ep.lport--;
	key[0] ^= 1;
	assert_int_not_equal(rn_tcp_isn(key, &ep, 1000), a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn_options_negotiated),
		cmocka_unit_test(test_syn_options_declined),
		cmocka_unit_test(test_passive_options),
		cmocka_unit_test(test_paws),
		cmocka_unit_test(test_ts_recent_update_rule),
		cmocka_unit_test(test_sack_generated),
		cmocka_unit_test(test_reassembly),
		cmocka_unit_test(test_sack_honoured),
		cmocka_unit_test(test_sack_bogus_blocks),
		cmocka_unit_test(test_receive_zero_window),
		cmocka_unit_test(test_zero_window_probe),
		cmocka_unit_test(test_sequence_wraparound),
		cmocka_unit_test(test_small_peer_mss),
		cmocka_unit_test(test_isn),
	};
	return cmocka_run_group_tests_name("tcp_opts", tests, NULL, NULL);
}
