/* Unit tests: two TCP state machines wired back to back through a simulated
 * link that drops, duplicates, delays and reorders segments, driven by a
 * fake clock. Every segment crosses the link as bytes (rn_tcp_emit, then
 * rn_tcp_parse with checksum checks), as it will over AF_PACKET. A
 * transfer of 1 MB one way and 200 KB the other must arrive intact and
 * both ends must close cleanly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/tcb.h"
#include "rawnet/tcp.h"

#define MAXPKT 2048
#define MAXQ 4096

struct pkt {
	uint64_t at, order; /* equal times leave in order of sending */
	int to;
	size_t len;
	uint8_t bytes[MAXPKT];
};

struct link_params {
	unsigned loss_pm, dup_pm, reorder_pm; /* per mille */
	uint64_t delay_us, jitter_us;
	uint32_t rcvbuf;
	uint16_t mss;
	bool options;
	enum rn_tcb_cc cc;
	bool slow_reader;
	size_t up_bytes, down_bytes;
	uint32_t seed;
};

struct sim;

struct end {
	struct sim *sim;
	int side;
	struct rn_tcb tcb;
	struct rn_pseudo ph_out; /* addresses of what this end sends */
	size_t written, read;    /* application bytes */
	size_t to_write;
	bool shut;
	uint64_t next_read;
};

struct sim {
	struct link_params p;
	uint64_t now;
	uint32_t rng;
	struct pkt *q;
	size_t nq;
	struct end e[2];
	uint64_t sent, dropped, duplicated, rsts, order;
};

static uint32_t rnd(struct sim *s)
{
	uint32_t x = s->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return s->rng = x;
}

static uint8_t pattern(int side, size_t i)
{
	return (uint8_t)(((i + 7u * (unsigned)side) * 2654435761u) >> 13);
}

static void enqueue(struct sim *s, int to, const uint8_t *b, size_t len, uint64_t at)
{
	assert_true(s->nq < MAXQ);
	struct pkt *p = &s->q[s->nq++];
	p->at = at;
	p->order = s->order++;
	p->to = to;
	p->len = len;
	memcpy(p->bytes, b, len);
}

static int link_output(void *ctx, struct rn_tcb *tcb, const struct rn_tcp_seg *seg)
{
	struct end *e = ctx;
	struct sim *s = e->sim;
	uint8_t buf[MAXPKT];
	size_t hl = rn_tcp_header_len(&seg->hdr);
	assert_true(hl + seg->payload.len <= sizeof buf);
	if (seg->payload.len)
		memcpy(buf + hl, seg->payload.data, seg->payload.len);
	assert_int_equal(rn_tcp_emit(&seg->hdr, &e->ph_out, buf, sizeof buf, seg->payload.len),
			 (int)hl);
	s->sent++;
	/* A CLOSED tcb answers stray duplicates with RST, as a host with no
	 * connection would; any other RST would be a bug here. */
	if ((seg->hdr.flags & RN_TCP_RST) && rn_tcb_state(tcb) != RN_TCP_CLOSED) {
		s->rsts++;
		if (getenv("TCP_SIM_TRACE"))
			fprintf(stderr, "RST from side %d in %s seq %u\n", e->side,
				rn_tcp_state_name(rn_tcb_state(tcb)), seg->hdr.seq);
	}
	if (rnd(s) % 1000 < s->p.loss_pm) {
		s->dropped++;
		return 0;
	}
	uint64_t at = s->now + s->p.delay_us;
	if (s->p.jitter_us && rnd(s) % 1000 < s->p.reorder_pm)
		at += rnd(s) % s->p.jitter_us;
	enqueue(s, 1 - e->side, buf, hl + seg->payload.len, at);
	if (rnd(s) % 1000 < s->p.dup_pm) {
		s->duplicated++;
		enqueue(s, 1 - e->side, buf, hl + seg->payload.len, at + 1 + rnd(s) % 3000);
	}
	return 0;
}

static void deliver(struct sim *s, struct pkt *p)
{
	struct end *to = &s->e[p->to];
	struct rn_pseudo ph = s->e[1 - p->to].ph_out;
	struct rn_tcp_seg seg;
	memset(&seg, 0, sizeof seg);
	assert_int_equal(rn_tcp_parse(rn_view_make(p->bytes, p->len), &ph, &seg.hdr, &seg.payload), 0);
	assert_int_equal(seg.hdr.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(rn_tcp_opts_decode(&seg.hdr, &seg.opts), 0);
	if (getenv("TCP_SIM_TRACE")) {
		char f[8];
		size_t n = 0;
		const char *names = "FSRPA";
		for (int i = 0; i < 5; i++)
			if (seg.hdr.flags & (1u << i))
				f[n++] = names[i];
		f[n] = 0;
		fprintf(stderr, "%10.6f %d> [%s] seq %u ack %u win %u len %zu sack %u %u-%u  %s una %u max %u cwnd %u\n",
			(double)s->now / 1e6, 1 - p->to, f, seg.hdr.seq, seg.hdr.ack, seg.hdr.window,
			seg.payload.len, seg.opts.nsack, seg.opts.sack[0].left, seg.opts.sack[0].right,
			rn_tcp_state_name(to->tcb.state), to->tcb.snd_una, to->tcb.snd_max, to->tcb.cc.cwnd);
	}
	assert_int_equal(rn_tcb_input(&to->tcb, &seg, s->now), 0);
}

/* The application on each end: write its share, then shut down; read and
 * check everything; close when the peer has finished. */
static void app(struct sim *s, struct end *e)
{
	struct rn_tcb *t = &e->tcb;
	unsigned m = rn_tcb_poll(t);
	if (m & RN_TCB_ERROR)
		fail_msg("side %d: %s", e->side, rn_strerror(rn_tcb_error(t)));
	if ((m & RN_TCB_CONNECTED) && e->written < e->to_write) {
		uint8_t buf[8192];
		for (int round = 0; round < 64 && e->written < e->to_write; round++) {
			size_t n = e->to_write - e->written;
			if (n > sizeof buf)
				n = sizeof buf;
			for (size_t i = 0; i < n; i++)
				buf[i] = pattern(e->side, e->written + i);
			ssize_t w = rn_tcb_write(t, buf, n, s->now);
			assert_true(w >= 0);
			if (w == 0)
				break;
			e->written += (size_t)w;
		}
	}
	if ((m & RN_TCB_CONNECTED) && e->written == e->to_write && !e->shut) {
		assert_int_equal(rn_tcb_shutdown(t, s->now), 0);
		e->shut = true;
	}
	for (int round = 0; round < 64; round++) {
		if (s->p.slow_reader && e->side == 1 && s->now < e->next_read)
			break;
		uint8_t buf[4096];
		size_t want = s->p.slow_reader && e->side == 1 ? 1500 : sizeof buf;
		ssize_t r = rn_tcb_read(t, buf, want, s->now);
		if (r == -EAGAIN || r == -RN_EINVAL)
			break;
		if (r == 0)
			break;
		assert_true(r > 0);
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != pattern(1 - e->side, e->read + (size_t)i))
				fail_msg("side %d: byte %zu differs", e->side, e->read + (size_t)i);
		e->read += (size_t)r;
		if (s->p.slow_reader && e->side == 1) {
			e->next_read = s->now + 2000;
			break;
		}
	}
}

static uint64_t next_event(struct sim *s, size_t *idx)
{
	uint64_t t = UINT64_MAX;
	*idx = SIZE_MAX;
	for (size_t i = 0; i < s->nq; i++)
		if (s->q[i].at < t || (s->q[i].at == t && *idx != SIZE_MAX &&
					 s->q[i].order < s->q[*idx].order)) {
			t = s->q[i].at;
			*idx = i;
		}
	for (int k = 0; k < 2; k++) {
		uint64_t d = rn_tcb_next_timer(&s->e[k].tcb);
		if (d < t) {
			t = d;
			*idx = SIZE_MAX;
		}
		if (s->p.slow_reader && k == 1 && s->e[1].next_read > s->now &&
		    s->e[1].next_read < t && rn_tcb_readable(&s->e[1].tcb)) {
			t = s->e[1].next_read;
			*idx = SIZE_MAX;
		}
	}
	return t;
}

static const uint8_t secret[16] = "link-sim-secret";

static void run(const struct link_params *p)
{
	struct sim *s = calloc(1, sizeof *s);
	assert_non_null(s);
	s->q = calloc(MAXQ, sizeof *s->q);
	assert_non_null(s->q);
	s->p = *p;
	s->rng = p->seed ? p->seed : 1;
	s->now = 1000000;
	struct rn_tcb_config cfg;
	rn_tcb_config_default(&cfg);
	cfg.rcvbuf_size = p->rcvbuf;
	cfg.mss = p->mss;
	cfg.cc = p->cc;
	cfg.wscale = cfg.timestamps = cfg.sack = p->options;
	static const struct rn_tcb_ops ops = { .output = link_output };
	for (int k = 0; k < 2; k++) {
		struct end *e = &s->e[k];
		e->sim = s;
		e->side = k;
		e->to_write = k == 0 ? p->up_bytes : p->down_bytes;
		struct rn_tcb_endpoints ep = { .family = AF_INET, .lport = k ? 80 : 40000,
					       .rport = k ? 40000 : 80 };
		uint8_t a[4] = { 10, 77, 0, 2 }, b[4] = { 10, 77, 0, 1 };
		memcpy(ep.laddr, k ? b : a, 4);
		memcpy(ep.raddr, k ? a : b, 4);
		e->ph_out.family = AF_INET;
		memcpy(e->ph_out.src, ep.laddr, 4);
		memcpy(e->ph_out.dst, ep.raddr, 4);
		assert_int_equal(rn_tcb_init(&e->tcb, &cfg, &ep, secret, &ops, e), 0);
	}
	assert_int_equal(rn_tcb_listen(&s->e[1].tcb), 0);
	assert_int_equal(rn_tcb_connect(&s->e[0].tcb, s->now), 0);

	unsigned long steps = 0;
	while (steps++ < 5000000) {
		if (rn_tcb_state(&s->e[0].tcb) == RN_TCP_CLOSED &&
		    rn_tcb_state(&s->e[1].tcb) == RN_TCP_CLOSED)
			break;
		size_t idx;
		uint64_t t = next_event(s, &idx);
		if (t == UINT64_MAX)
			break;
		if (t > s->now)
			s->now = t;
		if (s->now > 1000000 + 600ULL * 1000000)
			break;
		if (idx != SIZE_MAX) {
			struct pkt *pk = &s->q[idx];
			deliver(s, pk);
			s->q[idx] = s->q[--s->nq];
		}
		for (int k = 0; k < 2; k++)
			rn_tcb_timer(&s->e[k].tcb, s->now);
		for (int k = 0; k < 2; k++)
			app(s, &s->e[k]);
	}
	struct rn_tcb *c = &s->e[0].tcb, *sv = &s->e[1].tcb;
	print_message("# sim: %.1f s, %llu segs sent, %llu dropped, %llu duplicated; "
		      "client rtx %llu rto %llu fr %llu; server rtx %llu rto %llu fr %llu probes %llu\n",
		      (double)(s->now - 1000000) / 1e6, (unsigned long long)s->sent,
		      (unsigned long long)s->dropped, (unsigned long long)s->duplicated,
		      (unsigned long long)c->stats.retransmits, (unsigned long long)c->stats.rtos,
		      (unsigned long long)c->stats.fast_recoveries,
		      (unsigned long long)sv->stats.retransmits, (unsigned long long)sv->stats.rtos,
		      (unsigned long long)sv->stats.fast_recoveries, (unsigned long long)c->stats.probes);
	assert_int_equal(s->e[1].read, p->up_bytes);
	assert_int_equal(s->e[0].read, p->down_bytes);
	assert_int_equal(rn_tcb_state(c), RN_TCP_CLOSED);
	assert_int_equal(rn_tcb_state(sv), RN_TCP_CLOSED);
	assert_int_equal(rn_tcb_error(c), 0);
	assert_int_equal(rn_tcb_error(sv), 0);
	assert_int_equal(s->rsts, 0);
	if (p->loss_pm)
		assert_true(c->stats.retransmits > 0);
	rn_tcb_destroy(c);
	rn_tcb_destroy(sv);
	free(s->q);
	free(s);
}

static const struct link_params base = {
	.loss_pm = 50, .dup_pm = 20, .reorder_pm = 100, .delay_us = 5000, .jitter_us = 10000,
	.rcvbuf = 64 * 1024, .mss = 1460, .options = true, .cc = RN_TCB_CC_NEWRENO,
	.up_bytes = 1 << 20, .down_bytes = 200 * 1024, .seed = 12345,
};

static void test_clean_link(void **state)
{
	(void)state;
	struct link_params p = base;
	p.loss_pm = p.dup_pm = p.reorder_pm = 0;
	run(&p);
}

static void test_lossy_sack_newreno(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 3; seed++) {
		struct link_params p = base;
		p.seed = seed * 7919;
		run(&p);
	}
}

static void test_lossy_cubic(void **state)
{
	(void)state;
	struct link_params p = base;
	p.cc = RN_TCB_CC_CUBIC;
	p.rcvbuf = 256 * 1024;
	run(&p);
}

static void test_lossy_no_options(void **state)
{
	(void)state;
	struct link_params p = base;
	p.options = false;
	p.mss = 536;
	p.seed = 99;
	run(&p);
}

static void test_heavy_loss_small_buffers(void **state)
{
	(void)state;
	struct link_params p = base;
	p.loss_pm = 150;
	p.rcvbuf = 8 * 1024;
	p.up_bytes = 256 * 1024;
	p.down_bytes = 64 * 1024;
	p.seed = 4242;
	run(&p);
}

/* A reader slower than the link: zero windows, probes and window updates. */
static void test_slow_reader(void **state)
{
	(void)state;
	struct link_params p = base;
	p.loss_pm = 20;
	p.rcvbuf = 16 * 1024;
	p.slow_reader = true;
	p.up_bytes = 512 * 1024;
	p.down_bytes = 1000;
	p.seed = 777;
	run(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_link),
		cmocka_unit_test(test_lossy_sack_newreno),
		cmocka_unit_test(test_lossy_cubic),
		cmocka_unit_test(test_lossy_no_options),
		cmocka_unit_test(test_heavy_loss_small_buffers),
		cmocka_unit_test(test_slow_reader),
	};
	return cmocka_run_group_tests_name("tcp_link", tests, NULL, NULL);
}
