/* Unit tests: TCP headers and options (RFC 9293, 7323, 2018, 3168, 9768)
 * with a Linux handshake captured on a veth pair and an AccECN handshake from
 * tcpdump's test captures (AE flag, an unknown option kind, EOL). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "wire_testutil.h"
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/tcp.h"

/* Linux 6.x SYN 10.77.9.1:48746 -> 10.77.9.2:80:
 * mss 1460, sackOK, TS val 1335114920 ecr 0, nop, wscale 10. */
static const uint8_t syn[] = {
	0xbe, 0x6a, 0x00, 0x50, 0x62, 0x2e, 0x9c, 0xfe, 0x00, 0x00, 0x00, 0x00,
	0xa0, 0x02, 0xfa, 0xf0, 0xdc, 0x4b, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
	0x04, 0x02, 0x08, 0x0a, 0x4f, 0x94, 0x3c, 0xa8, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x03, 0x03, 0x0a,
};
/* Its SYN-ACK from 10.77.9.2:80. */
static const uint8_t synack[] = {
	0x00, 0x50, 0xbe, 0x6a, 0x33, 0xcd, 0xcb, 0xcd, 0x62, 0x2e, 0x9c, 0xff,
	0xa0, 0x12, 0xfe, 0x88, 0x58, 0x85, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
	0x04, 0x02, 0x08, 0x0a, 0x05, 0x59, 0x7b, 0x29, 0x4f, 0x94, 0x3c, 0xa8,
	0x01, 0x03, 0x03, 0x0a,
};
/* Then PSH|ACK from 10.77.9.2:80 with nop,nop,TS and the data "hi\n". */
static const uint8_t psh[] = {
	0x00, 0x50, 0xbe, 0x6a, 0x33, 0xcd, 0xcb, 0xce, 0x62, 0x2e, 0x9c, 0xff,
	0x80, 0x18, 0x00, 0x40, 0x13, 0x28, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a,
	0x05, 0x59, 0x7b, 0x2a, 0x4f, 0x94, 0x3c, 0xa8, 0x68, 0x69, 0x0a,
};
/* accecn_handshake.pcap: SYN with AE|CWR|ECE 31.133.146.248:16433 ->
 * 66.228.43.12:80; checksum left to the NIC (0x209c, correct is 0xe443). */
static const uint8_t ae_syn[] = {
	0x40, 0x31, 0x00, 0x50, 0x74, 0x1d, 0x4a, 0x2d, 0x00, 0x00, 0x00, 0x00,
	0xa1, 0xc2, 0xff, 0xff, 0x20, 0x9c, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
	0x01, 0x03, 0x03, 0x06, 0x04, 0x02, 0x08, 0x0a, 0x06, 0xaf, 0x3c, 0x15,
	0x00, 0x00, 0x00, 0x00,
};
/* Its SYN-ACK (CWR): an experimental option kind 254 of 13 bytes. */
static const uint8_t ae_synack[] = {
	0x00, 0x50, 0x40, 0x31, 0xb1, 0x28, 0xb3, 0x93, 0x74, 0x1d, 0x4a, 0x2e,
	0xd0, 0x92, 0xfe, 0x88, 0x22, 0xa8, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
	0x04, 0x02, 0x08, 0x0a, 0xa5, 0xe4, 0xde, 0xc4, 0x06, 0xaf, 0x3c, 0x15,
	0xfe, 0x0d, 0xac, 0xc0, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x03, 0x03, 0x07,
};
/* The ACK (CWR): nop,nop,TS, kind 254, then EOL and padding. */
static const uint8_t ae_ack[] = {
	0x40, 0x31, 0x00, 0x50, 0x74, 0x1d, 0x4a, 0x2e, 0xb1, 0x28, 0xb3, 0x94,
	0xc0, 0x90, 0x04, 0x03, 0x20, 0xa4, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a,
	0x06, 0xaf, 0x3c, 0xf2, 0xa5, 0xe4, 0xde, 0xc4, 0xfe, 0x0d, 0xac, 0xc0,
	0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
};

static const struct rn_pseudo ph_c2s = { .family = AF_INET, .src = { 10, 77, 9, 1 }, .dst = { 10, 77, 9, 2 } };
static const struct rn_pseudo ph_s2c = { .family = AF_INET, .src = { 10, 77, 9, 2 }, .dst = { 10, 77, 9, 1 } };
static const struct rn_pseudo ph_ae_c2s = { .family = AF_INET, .src = { 31, 133, 146, 248 }, .dst = { 66, 228, 43, 12 } };
static const struct rn_pseudo ph_ae_s2c = { .family = AF_INET, .src = { 66, 228, 43, 12 }, .dst = { 31, 133, 146, 248 } };

static void assert_tcp_equal(const struct rn_tcp *a, const struct rn_tcp *b)
{
	assert_int_equal(a->sport, b->sport);
	assert_int_equal(a->dport, b->dport);
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->ack, b->ack);
	assert_int_equal(a->doff, b->doff);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->window, b->window);
	assert_int_equal(a->checksum, b->checksum);
	assert_int_equal(a->urg_ptr, b->urg_ptr);
	assert_int_equal(a->opt_len, b->opt_len);
	assert_memory_equal(a->opts, b->opts, a->opt_len);
}

/* Re-emits a parsed header with computed doff and checksum and compares the
 * bytes; then parses the result again. */
static void check_reemit(const uint8_t *pkt, size_t n, const struct rn_pseudo *ph)
{
	struct rn_tcp t, t2;
	struct rn_view pl;
	assert_int_equal(rn_tcp_parse(rn_view_make(pkt, n), ph, &t, &pl), 0);
	uint8_t buf[128];
	memset(buf, 0x99, sizeof buf);
	memcpy(buf + rn_tcp_header_len(&t), pl.data, pl.len);
	struct rn_tcp e = t;
	e.checksum = 0;
	assert_int_equal(rn_tcp_emit(&e, ph, buf, n, pl.len), (int)(t.doff * 4));
	assert_memory_equal(buf, pkt, n);
	assert_int_equal(rn_tcp_parse(rn_view_make(buf, n), ph, &t2, &pl), 0);
	assert_tcp_equal(&t, &t2);
	assert_int_equal(t2.checksum_status, RN_CSUM_GOOD);
}

static void test_linux_syn(void **state)
{
	(void)state;
	struct rn_tcp t;
	struct rn_view pl;
	assert_int_equal(rn_tcp_parse(rn_view_make(syn, sizeof syn), &ph_c2s, &t, &pl), 0);
	assert_int_equal(t.sport, 48746);
	assert_int_equal(t.dport, 80);
	assert_int_equal(t.seq, 1647222014u);
	assert_int_equal(t.ack, 0);
	assert_int_equal(t.doff, 10);
	assert_int_equal(t.flags, RN_TCP_SYN);
	assert_int_equal(t.window, 64240);
	assert_int_equal(t.checksum, 0xdc4b);
	assert_int_equal(t.urg_ptr, 0);
	assert_int_equal(t.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(t.opt_len, 20);
	assert_memory_equal(t.opts, syn + 20, 20);
	assert_int_equal(pl.len, 0);

	struct rn_tcp_opts o;
	assert_int_equal(rn_tcp_opts_decode(&t, &o), 0);
	assert_true(o.has_mss);
	assert_int_equal(o.mss, 1460);
	assert_true(o.sack_perm);
	assert_true(o.has_ts);
	assert_int_equal(o.ts_val, 1335114920u);
	assert_int_equal(o.ts_ecr, 0);
	assert_true(o.has_wscale);
	assert_int_equal(o.wscale, 10);
	assert_int_equal(o.nsack, 0);

	/* Encoding the decoded options gives Linux's bytes. */
	uint8_t ob[RN_TCP_MAX_OPTLEN];
	assert_int_equal(rn_tcp_opts_encode(&o, ob), 20);
	assert_memory_equal(ob, syn + 20, 20);

	/* Built from scratch: emit(repr) == the captured SYN. */
	struct rn_tcp e = { .sport = 48746, .dport = 80, .seq = 1647222014u, .flags = RN_TCP_SYN,
			    .window = 64240, .opt_len = 20 };
	memcpy(e.opts, ob, 20);
	assert_int_equal(rn_tcp_header_len(&e), 40);
	uint8_t buf[40];
	assert_int_equal(rn_tcp_emit(&e, &ph_c2s, buf, sizeof buf, 0), 40);
	assert_memory_equal(buf, syn, sizeof syn);
	check_reemit(syn, sizeof syn, &ph_c2s);
}

static void test_linux_synack_and_data(void **state)
{
	(void)state;
	struct rn_tcp t;
	struct rn_view pl;
	struct rn_tcp_opts o;
	assert_int_equal(rn_tcp_parse(rn_view_make(synack, sizeof synack), &ph_s2c, &t, &pl), 0);
	assert_int_equal(t.sport, 80);
	assert_int_equal(t.dport, 48746);
	assert_int_equal(t.seq, 869125069u);
	assert_int_equal(t.ack, 1647222015u);
	assert_int_equal(t.flags, RN_TCP_SYN | RN_TCP_ACK);
	assert_int_equal(t.window, 65160);
	assert_int_equal(t.checksum, 0x5885);
	assert_int_equal(t.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(rn_tcp_opts_decode(&t, &o), 0);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.ts_val, 89750313u);
	assert_int_equal(o.ts_ecr, 1335114920u);
	assert_int_equal(o.wscale, 10);
	/* Checked against other addresses it is bad (swapping the two
	 * directions would not show: the sum commutes). */
	struct rn_pseudo other = ph_s2c;
	other.dst[3] = 3;
	assert_int_equal(rn_tcp_parse(rn_view_make(synack, sizeof synack), &other, &t, &pl), 0);
	assert_int_equal(t.checksum_status, RN_CSUM_BAD);
	check_reemit(synack, sizeof synack, &ph_s2c);

	assert_int_equal(rn_tcp_parse(rn_view_make(psh, sizeof psh), &ph_s2c, &t, &pl), 0);
	assert_int_equal(t.flags, RN_TCP_PSH | RN_TCP_ACK);
	assert_int_equal(t.doff, 8);
	assert_int_equal(t.window, 64);
	assert_int_equal(t.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(pl.len, 3);
	assert_ptr_equal(pl.data, psh + 32);
	assert_memory_equal(pl.data, "hi\n", 3);
	assert_int_equal(rn_tcp_opts_decode(&t, &o), 0);
	assert_false(o.has_mss);
	assert_false(o.sack_perm);
	assert_true(o.has_ts);
	assert_int_equal(o.ts_val, 89750314u);
	uint8_t ob[RN_TCP_MAX_OPTLEN];
	assert_int_equal(rn_tcp_opts_encode(&o, ob), 12);
	assert_memory_equal(ob, psh + 20, 12);
	check_reemit(psh, sizeof psh, &ph_s2c);
	/* No pseudo-header: not verified. */
	assert_int_equal(rn_tcp_parse(rn_view_make(psh, sizeof psh), NULL, &t, &pl), 0);
	assert_int_equal(t.checksum_status, RN_CSUM_UNCHECKED);
}

static void test_accecn(void **state)
{
	(void)state;
	struct rn_tcp t;
	struct rn_view pl;
	struct rn_tcp_opts o;
	assert_int_equal(rn_tcp_parse(rn_view_make(ae_syn, sizeof ae_syn), &ph_ae_c2s, &t, &pl), 0);
	assert_int_equal(t.flags, RN_TCP_AE | RN_TCP_CWR | RN_TCP_ECE | RN_TCP_SYN);
	assert_int_equal(t.doff, 10);
	assert_int_equal(t.checksum, 0x209c);
	assert_int_equal(t.checksum_status, RN_CSUM_BAD);
	assert_int_equal(rn_tcp_opts_decode(&t, &o), 0);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 6);
	assert_true(o.sack_perm);
	assert_int_equal(o.ts_val, 112147477u);
	/* Emitting with the checksum computed gives the correct 0xe443 ... */
	uint8_t buf[40];
	struct rn_tcp e = t;
	e.checksum_set = false;
	assert_int_equal(rn_tcp_emit(&e, &ph_ae_c2s, buf, sizeof buf, 0), 40);
	assert_int_equal(buf[16] << 8 | buf[17], 0xe443);
	assert_int_equal(buf[12], 0xa1);
	assert_int_equal(buf[13], 0xc2);
	/* ... and with the wrong one set, the captured bytes exactly. */
	e.checksum_set = true;
	assert_int_equal(rn_tcp_emit(&e, &ph_ae_c2s, buf, sizeof buf, 0), 40);
	assert_memory_equal(buf, ae_syn, sizeof ae_syn);
	assert_int_equal(rn_tcp_emit(&e, NULL, buf, sizeof buf, 0), 40);
	assert_memory_equal(buf, ae_syn, sizeof ae_syn);

	/* SYN-ACK: unknown kind 254 walked over and kept. */
	assert_int_equal(rn_tcp_parse(rn_view_make(ae_synack, sizeof ae_synack), &ph_ae_s2c, &t, &pl), 0);
	assert_int_equal(t.flags, RN_TCP_CWR | RN_TCP_SYN | RN_TCP_ACK);
	assert_int_equal(t.doff, 13);
	assert_int_equal(t.checksum_status, RN_CSUM_GOOD);
	const uint8_t kinds[] = { 2, 4, 8, 254, 3 };
	const uint8_t lens[] = { 4, 2, 10, 13, 3 };
	struct rn_view cur = rn_view_make(t.opts, t.opt_len);
	struct rn_tcp_opt opt;
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(rn_tcp_opt_next(&cur, &opt), 1);
		assert_int_equal(opt.kind, kinds[i]);
		assert_int_equal(opt.len, lens[i]);
		assert_int_equal(opt.data.len, lens[i] - 2);
	}
	assert_int_equal(rn_tcp_opt_next(&cur, &opt), 0);
	assert_int_equal(rn_tcp_opts_decode(&t, &o), 0);
	assert_int_equal(o.wscale, 7);
	assert_int_equal(o.ts_ecr, 112147477u);
	check_reemit(ae_synack, sizeof ae_synack, &ph_ae_s2c);

	/* ACK: nop, nop, TS, kind 254, then EOL ends the walk. */
	assert_int_equal(rn_tcp_parse(rn_view_make(ae_ack, sizeof ae_ack), &ph_ae_c2s, &t, &pl), 0);
	assert_int_equal(t.flags, RN_TCP_CWR | RN_TCP_ACK);
	assert_int_equal(t.window, 1027);
	assert_int_equal(t.checksum_status, RN_CSUM_BAD); /* offloaded in the capture */
	cur = rn_view_make(t.opts, t.opt_len);
	const uint8_t k2[] = { 1, 1, 8, 254, 0 };
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(rn_tcp_opt_next(&cur, &opt), 1);
		assert_int_equal(opt.kind, k2[i]);
	}
	assert_int_equal(opt.len, 1);
	assert_int_equal(rn_tcp_opt_next(&cur, &opt), 0);
	assert_int_equal(rn_tcp_opts_decode(&t, &o), 0);
	assert_true(o.has_ts);
	assert_false(o.has_mss);
}

/* Every combination of the 9 flags and the 3 reserved bits survives. */
static void test_all_flags(void **state)
{
	(void)state;
	uint8_t buf[20];
	for (unsigned f = 0; f < 0x1000; f++) {
		struct rn_tcp e = { .sport = 1, .dport = 2, .flags = (uint16_t)f }, t;
		struct rn_view pl;
		assert_int_equal(rn_tcp_emit(&e, &ph_c2s, buf, sizeof buf, 0), 20);
		assert_int_equal(buf[12] >> 4, 5);
		assert_int_equal(buf[12] & 0x0f, f >> 8);
		assert_int_equal(buf[13], f & 0xff);
		assert_int_equal(rn_tcp_parse(rn_view_make(buf, 20), &ph_c2s, &t, &pl), 0);
		assert_int_equal(t.flags, f);
		assert_int_equal(t.checksum_status, RN_CSUM_GOOD);
	}
	assert_int_equal(RN_TCP_AE, 0x100);
}

static void test_opts_encode(void **state)
{
	(void)state;
	uint8_t ob[RN_TCP_MAX_OPTLEN];
	/* Without timestamps Linux writes nop,nop,sackOK. */
	struct rn_tcp_opts o = { .has_mss = true, .mss = 1400, .sack_perm = true,
				 .has_wscale = true, .wscale = 7 };
	const uint8_t a[] = { 2, 4, 0x05, 0x78, 1, 1, 4, 2, 1, 3, 3, 7 };
	assert_int_equal(rn_tcp_opts_encode(&o, ob), sizeof a);
	assert_memory_equal(ob, a, sizeof a);
	/* Timestamps without SACK: nop,nop,TS; then SACK blocks. */
	struct rn_tcp_opts s = { .has_ts = true, .ts_val = 0x01020304, .ts_ecr = 0x05060708, .nsack = 2,
				 .sack = { { 100, 200 }, { 0xfffffff0u, 0x10 } } };
	const uint8_t b[] = { 1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1, 5, 18,
			      0, 0, 0, 100, 0, 0, 0, 200, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0x10 };
	assert_int_equal(rn_tcp_opts_encode(&s, ob), sizeof b);
	assert_memory_equal(ob, b, sizeof b);
	/* Round trip through decode. */
	struct rn_tcp t = { .opt_len = sizeof b };
	memcpy(t.opts, b, sizeof b);
	struct rn_tcp_opts d;
	assert_int_equal(rn_tcp_opts_decode(&t, &d), 0);
	assert_int_equal(d.nsack, 2);
	assert_int_equal(d.sack[1].left, 0xfffffff0u);
	assert_int_equal(d.sack[1].right, 0x10);
	assert_false(d.has_mss || d.has_wscale || d.sack_perm);
	assert_true(d.has_ts);
	assert_int_equal(d.ts_val, s.ts_val);
	assert_int_equal(d.ts_ecr, s.ts_ecr);
	assert_int_equal(d.sack[0].left, 100);
	assert_int_equal(d.sack[0].right, 200);
	/* Nothing: zero bytes. Too much: -RN_ENOSPC. */
	struct rn_tcp_opts none = { 0 };
	assert_int_equal(rn_tcp_opts_encode(&none, ob), 0);
	s.nsack = 3;
	assert_int_equal(rn_tcp_opts_encode(&s, ob), 40);
	s.nsack = 4;
	assert_int_equal(rn_tcp_opts_encode(&s, ob), -RN_ENOSPC);
	s.has_ts = false;
	assert_int_equal(rn_tcp_opts_encode(&s, ob), 36);
	s.nsack = 5;
	assert_int_equal(rn_tcp_opts_encode(&s, ob), -RN_ENOSPC);
}

static void test_bad_options(void **state)
{
	(void)state;
	struct rn_tcp_opt opt;
	struct rn_tcp_opts o;
	const struct { uint8_t n; uint8_t b[8]; } bad_walk[] = {
		{ 2, { 2, 0 } },             /* length 0 */
		{ 2, { 2, 1 } },             /* length 1 */
		{ 3, { 2, 4, 5 } },          /* runs past the end */
		{ 1, { 8 } },                /* a kind without its length byte */
		{ 4, { 1, 1, 254, 9 } },     /* unknown kind past the end */
	};
	for (size_t i = 0; i < sizeof bad_walk / sizeof bad_walk[0]; i++) {
		struct rn_view cur = rn_view_make(bad_walk[i].b, bad_walk[i].n);
		int r;
		while ((r = rn_tcp_opt_next(&cur, &opt)) > 0)
			;
		assert_int_equal(r, -RN_EBADLEN);
		struct rn_tcp t = { .opt_len = bad_walk[i].n };
		memcpy(t.opts, bad_walk[i].b, bad_walk[i].n);
		assert_int_equal(rn_tcp_opts_decode(&t, &o), -RN_EBADLEN);
	}
	/* Known kinds with the wrong length. */
	const struct { uint8_t n; uint8_t b[12]; } bad_len[] = {
		{ 3, { 2, 3, 5 } }, { 4, { 3, 4, 1, 1 } }, { 3, { 4, 3, 0 } },
		{ 8, { 8, 8, 1, 2, 3, 4, 5, 6 } }, { 8, { 5, 8, 1, 2, 3, 4, 5, 6 } },
		{ 2, { 5, 2 } },
	};
	for (size_t i = 0; i < sizeof bad_len / sizeof bad_len[0]; i++) {
		struct rn_tcp t = { .opt_len = bad_len[i].n };
		memcpy(t.opts, bad_len[i].b, bad_len[i].n);
		assert_int_equal(rn_tcp_opts_decode(&t, &o), -RN_EBADLEN);
	}
	/* An empty list: nothing. */
	struct rn_view cur = rn_view_make(NULL, 0);
	assert_int_equal(rn_tcp_opt_next(&cur, &opt), 0);
}

static void test_lying_doff(void **state)
{
	(void)state;
	uint8_t b[sizeof syn];
	struct rn_tcp t;
	struct rn_view pl;
	for (unsigned doff = 0; doff < 16; doff++) {
		memcpy(b, syn, sizeof b);
		b[12] = (uint8_t)(doff << 4);
		int r = rn_tcp_parse(rn_view_make(b, sizeof b), &ph_c2s, &t, &pl);
		if (doff < 5 || doff > 10)
			assert_int_equal(r, -RN_EBADLEN);
		else
			assert_int_equal(r, 0);
	}
	/* A doff set by the caller survives emit, options and all. */
	struct rn_tcp e = { .sport = 1, .dport = 2, .doff = 3, .doff_set = true, .flags = RN_TCP_SYN };
	uint8_t buf[60];
	assert_int_equal(rn_tcp_header_len(&e), 20);
	assert_int_equal(rn_tcp_emit(&e, &ph_c2s, buf, sizeof buf, 0), 20);
	assert_int_equal(buf[12], 0x30);
	assert_int_equal(rn_tcp_parse(rn_view_make(buf, 20), &ph_c2s, &t, &pl), -RN_EBADLEN);
	/* A larger doff: the header is that long, options EOL-filled. */
	e.doff = 15;
	e.opt_len = 4;
	memcpy(e.opts, syn + 20, 4);
	assert_int_equal(rn_tcp_header_len(&e), 60);
	memset(buf, 0x77, sizeof buf);
	assert_int_equal(rn_tcp_emit(&e, &ph_c2s, buf, sizeof buf, 0), 60);
	assert_int_equal(buf[12], 0xf0);
	assert_int_equal(rn_tcp_parse(rn_view_make(buf, 60), &ph_c2s, &t, &pl), 0);
	assert_int_equal(t.opt_len, 40);
	assert_memory_equal(t.opts, syn + 20, 4);
	for (size_t i = 4; i < 40; i++)
		assert_int_equal(t.opts[i], 0);
	assert_int_equal(t.checksum_status, RN_CSUM_GOOD);
	/* Options not a multiple of 4 are padded with EOL. */
	struct rn_tcp p = { .sport = 1, .dport = 2, .opt_len = 3, .opts = { 3, 3, 7 } };
	assert_int_equal(rn_tcp_header_len(&p), 24);
	assert_int_equal(rn_tcp_emit(&p, &ph_c2s, buf, sizeof buf, 0), 24);
	assert_int_equal(buf[12] >> 4, 6);
	assert_int_equal(buf[23], 0);
}

static void test_ipv6_and_errors(void **state)
{
	(void)state;
	const struct rn_pseudo ph6 = { .family = AF_INET6, .src = { 0xfd, 0x77, [15] = 1 },
				       .dst = { 0xfd, 0x77, [15] = 2 } };
	uint8_t buf[44 + 5];
	memcpy(buf + 44, "hello", 5);
	struct rn_tcp e = { .sport = 4000, .dport = 80, .seq = 0xfffffff0u, .ack = 7,
			    .flags = RN_TCP_PSH | RN_TCP_ACK | RN_TCP_URG, .window = 512, .urg_ptr = 3 };
	struct rn_tcp_opts o = { .has_ts = true, .ts_val = 1, .ts_ecr = 2, .nsack = 1, .sack = { { 5, 9 } } };
	int n = rn_tcp_opts_encode(&o, e.opts);
	assert_int_equal(n, 24);
	e.opt_len = (uint8_t)n;
	assert_int_equal(rn_tcp_emit(&e, &ph6, buf, sizeof buf, 5), 44);
	struct rn_tcp t;
	struct rn_view pl;
	assert_int_equal(rn_tcp_parse(rn_view_make(buf, sizeof buf), &ph6, &t, &pl), 0);
	assert_int_equal(t.checksum_status, RN_CSUM_GOOD);
	e.doff = 11;
	e.checksum = t.checksum;
	assert_tcp_equal(&e, &t);
	assert_memory_equal(pl.data, "hello", 5);
	/* The wrong family's pseudo-header does not verify. */
	assert_int_equal(rn_tcp_parse(rn_view_make(buf, sizeof buf), &ph_c2s, &t, &pl), 0);
	assert_int_equal(t.checksum_status, RN_CSUM_BAD);
	/* Errors from emit. */
	e.doff = 0;
	assert_int_equal(rn_tcp_emit(&e, NULL, buf, sizeof buf, 5), -RN_EINVAL);
	assert_int_equal(rn_tcp_emit(&e, &ph6, buf, sizeof buf - 1, 5), -RN_ENOSPC);
	assert_int_equal(rn_tcp_emit(&e, &ph6, buf, 43, 0), -RN_ENOSPC);
	/* Sequence comparisons wrap. */
	assert_true(rn_seq_lt(0xfffffff0u, 5));
	assert_true(rn_seq_gt(5, 0xfffffff0u));
	assert_true(rn_seq_le(5, 5) && rn_seq_ge(5, 5));
}

/* Every prefix of every vector: an error, or (once the whole header is
 * there) a payload inside the bytes given. Options of truncated headers are
 * never read past the end. */
static void test_truncations(void **state)
{
	(void)state;
	const struct { const uint8_t *p; size_t n; } vec[] = {
		{ syn, sizeof syn }, { synack, sizeof synack }, { psh, sizeof psh },
		{ ae_syn, sizeof ae_syn }, { ae_synack, sizeof ae_synack }, { ae_ack, sizeof ae_ack },
	};
	for (size_t k = 0; k < sizeof vec / sizeof vec[0]; k++) {
		size_t hlen = (size_t)(vec[k].p[12] >> 4) * 4;
		for (size_t n = 0; n < vec[k].n; n++) {
			uint8_t *b = exact_copy(vec[k].p, n);
			struct rn_tcp t;
			struct rn_view pl = { 0 };
			int r = rn_tcp_parse(rn_view_make(b, n), &ph_c2s, &t, &pl);
			if (n < 20) {
				assert_int_equal(r, -RN_ETRUNC);
			} else if (n < hlen) {
				assert_int_equal(r, -RN_EBADLEN);
			} else {
				assert_int_equal(r, 0);
				assert_int_equal(pl.len, n - hlen);
				if (pl.len)
					assert_ptr_equal(pl.data, b + hlen);
			}
			free(b);
			/* Walking a cut option list never runs past the cut. */
			size_t on = n > 20 ? n - 20 : 0;
			if (on > hlen - 20)
				on = hlen - 20;
			uint8_t *ob = exact_copy(vec[k].p + 20, on);
			struct rn_view cur = rn_view_make(ob, on);
			struct rn_tcp_opt opt;
			int guard = 0;
			while ((r = rn_tcp_opt_next(&cur, &opt)) > 0) {
				assert_true(opt.data.len == 0 || (opt.data.data >= ob && opt.data.data + opt.data.len <= ob + on));
				assert_true(++guard <= 40);
			}
			assert_true(r == 0 || r == -RN_EBADLEN);
			free(ob);
		}
	}
}

/* Random bytes of random lengths (biased towards plausible headers) never
 * make parse, the option walk or decode read outside the buffer. */
static void test_random_bytes(void **state)
{
	(void)state;
	uint32_t x = 1;
	for (int i = 0; i < 20000; i++) {
		size_t n = lcg(&x) % 72;
		uint8_t *b = malloc(n ? n : 1);
		assert_non_null(b);
		for (size_t j = 0; j < n; j++)
			b[j] = (uint8_t)lcg(&x);
		if (n > 12 && (i & 1))
			b[12] = (uint8_t)((5 + lcg(&x) % 11) << 4);
		if (n > 20 && (i & 2))
			b[20] = (uint8_t)(lcg(&x) % 9);
		struct rn_tcp t;
		struct rn_view pl = { 0 };
		int r = rn_tcp_parse(rn_view_make(b, n), &ph_c2s, &t, &pl);
		if (r == 0) {
			assert_true(20 + (size_t)t.opt_len + pl.len == n);
			struct rn_tcp_opts o;
			r = rn_tcp_opts_decode(&t, &o);
			assert_true(r == 0 || r == -RN_EBADLEN);
			assert_true(o.nsack <= 4);
		} else {
			assert_true(r == -RN_ETRUNC || r == -RN_EBADLEN);
		}
		struct rn_view cur = rn_view_tail(rn_view_make(b, n), 20);
		struct rn_tcp_opt opt;
		while ((r = rn_tcp_opt_next(&cur, &opt)) > 0)
			assert_true(opt.data.len == 0 || opt.data.data + opt.data.len <= b + n);
		assert_true(r == 0 || r == -RN_EBADLEN);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_syn),
		cmocka_unit_test(test_linux_synack_and_data),
		cmocka_unit_test(test_accecn),
		cmocka_unit_test(test_all_flags),
		cmocka_unit_test(test_opts_encode),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_lying_doff),
		cmocka_unit_test(test_ipv6_and_errors),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_random_bytes),
	};
	return cmocka_run_group_tests_name("tcp", tests, NULL, NULL);
}
