/* Unit tests: traceroute probes and SYN-scan cookies (rawnet/probe.h).
 * Probes must carry valid checksums and a constant flow (Paris); answers are
 * built here as a router or the destination would send them (time exceeded,
 * unreachable, echo reply, SYN-ACK, RST), and malformed or foreign packets
 * must match nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/checksum.h"
#include "rawnet/icmp.h"
#include "rawnet/icmp6.h"
#include "rawnet/ipv4.h"
#include "rawnet/ipv6.h"
#include "rawnet/probe.h"
#include "rawnet/tcp.h"
#include "rawnet/udp.h"

static const uint8_t A4[4] = { 10, 77, 1, 1 }, B4[4] = { 10, 77, 3, 2 }, R4[4] = { 10, 77, 2, 2 };
static const uint8_t A6[16] = { 0xfd, 0x77, 0, 1, [15] = 1 }, B6[16] = { 0xfd, 0x77, 0, 3, [15] = 2 },
		     R6[16] = { 0xfd, 0x77, 0, 2, [15] = 2 };

static struct rn_trace trace(int family, enum rn_trace_method m)
{
	struct rn_trace t = { .family = family, .method = m, .sport = 40000, .dport = 33434,
			      .icmp_id = 0x1234, .tcp_seq = 0x10000000 };
	memcpy(t.src, family == AF_INET ? A4 : A6, family == AF_INET ? 4 : 16);
	memcpy(t.dst, family == AF_INET ? B4 : B6, family == AF_INET ? 4 : 16);
	t.packet_len = rn_trace_default_len(&t);
	return t;
}

/* The transport bytes of a built probe, and their checksum verdict. */
static struct rn_view l4_of(int family, const uint8_t *pkt, int len, struct rn_pseudo *ph)
{
	struct rn_view pay;
	memset(ph, 0, sizeof *ph);
	if (family == AF_INET) {
		struct rn_ipv4 ip;
		assert_int_equal(rn_ipv4_parse(rn_view_make(pkt, (size_t)len), &ip, &pay), 0);
		assert_int_equal(ip.checksum_status, RN_CSUM_GOOD);
		rn_ipv4_pseudo(&ip, ph);
	} else {
		struct rn_ipv6 ip6;
		assert_int_equal(rn_ipv6_parse(rn_view_make(pkt, (size_t)len), &ip6, &pay), 0);
		rn_ipv6_pseudo(&ip6, ph);
	}
	return pay;
}

/* UDP probes: one flow, the checksum valid and equal to the probe number. */
static void test_udp_probe_checksum_is_n(void **state)
{
	(void)state;
	for (int fam = 0; fam < 2; fam++) {
		int family = fam ? AF_INET6 : AF_INET;
		struct rn_trace t = trace(family, RN_TRACE_UDP);
		for (uint16_t n = 1; n < 400; n += 37) {
			uint8_t pkt[128];
			int len = rn_trace_build(&t, 5, n, pkt, sizeof pkt);
			assert_int_equal(len, family == AF_INET ? 60 : 80);
			struct rn_pseudo ph;
			struct rn_view l4 = l4_of(family, pkt, len, &ph), pay;
			struct rn_udp u;
			assert_int_equal(rn_udp_parse(l4, &ph, &u, &pay), 0);
			assert_int_equal(u.checksum_status, RN_CSUM_GOOD);
			assert_int_equal(u.checksum, n);
			assert_int_equal(u.sport, 40000);
			assert_int_equal(u.dport, 33434);
		}
	}
}

/* ICMP probes: seq = n, and one checksum for all of them. */
static void test_icmp_probe_constant_checksum(void **state)
{
	(void)state;
	struct rn_trace t = trace(AF_INET, RN_TRACE_ICMP);
	uint16_t first = 0;
	for (uint16_t n = 1; n < 60; n++) {
		uint8_t pkt[128];
		int len = rn_trace_build(&t, 3, n, pkt, sizeof pkt);
		assert_int_equal(len, 60);
		struct rn_pseudo ph;
		struct rn_icmp ic;
		assert_int_equal(rn_icmp_parse(l4_of(AF_INET, pkt, len, &ph), &ic), 0);
		assert_int_equal(ic.checksum_status, RN_CSUM_GOOD);
		assert_int_equal(ic.seq, n);
		if (n == 1)
			first = ic.checksum;
		assert_int_equal(ic.checksum, first);
	}
	t = trace(AF_INET6, RN_TRACE_ICMP);
	for (uint16_t n = 1; n < 20; n++) {
		uint8_t pkt[128];
		int len = rn_trace_build(&t, 3, n, pkt, sizeof pkt);
		struct rn_pseudo ph;
		struct rn_icmp6 ic;
		assert_int_equal(rn_icmp6_parse(l4_of(AF_INET6, pkt, len, &ph), &ph, &ic), 0);
		assert_int_equal(ic.checksum_status, RN_CSUM_GOOD);
		if (n == 1)
			first = ic.checksum;
		assert_int_equal(ic.checksum, first);
	}
}

/* An ICMP error from router `from` quoting the first `quote` bytes of pkt. */
static int icmp_error(int family, const uint8_t *from, uint8_t type, uint8_t code,
		      const uint8_t *pkt, size_t quote, uint8_t *out, size_t cap)
{
	size_t hl = family == AF_INET ? 20 : 40;
	memcpy(out + hl + 8, pkt, quote);
	int rc;
	if (family == AF_INET) {
		struct rn_icmp ic = { .type = type, .code = code };
		rc = rn_icmp_emit(&ic, out + hl, cap - hl, quote);
		assert_true(rc > 0);
		struct rn_ipv4 ip = { .ttl = 64, .proto = RN_IPPROTO_ICMP };
		memcpy(ip.src, from, 4);
		memcpy(ip.dst, A4, 4);
		rc = rn_ipv4_emit(&ip, out, cap, 8 + quote);
	} else {
		struct rn_pseudo ph = { .family = AF_INET6 };
		memcpy(ph.src, from, 16);
		memcpy(ph.dst, A6, 16);
		struct rn_icmp6 ic = { .type = type, .code = code };
		rc = rn_icmp6_emit(&ic, &ph, out + hl, cap - hl, quote);
		assert_true(rc > 0);
		struct rn_ipv6 ip6 = { .hop_limit = 64, .next_header = RN_IPPROTO_ICMPV6 };
		memcpy(ip6.src, from, 16);
		memcpy(ip6.dst, A6, 16);
		rc = rn_ipv6_emit(&ip6, out, cap, 8 + quote);
	}
	assert_true(rc > 0);
	return (int)(hl + 8 + quote);
}

static void test_time_exceeded_and_marks(void **state)
{
	(void)state;
	const enum rn_trace_method ms[] = { RN_TRACE_UDP, RN_TRACE_ICMP, RN_TRACE_TCP };
	for (int fam = 0; fam < 2; fam++) {
		int family = fam ? AF_INET6 : AF_INET;
		const uint8_t *router = fam ? R6 : R4;
		size_t hl = fam ? 40 : 20, al = fam ? 16 : 4;
		for (size_t m = 0; m < 3; m++) {
			struct rn_trace t = trace(family, ms[m]);
			uint8_t pkt[128], err[256];
			int len = rn_trace_build(&t, 2, 77, pkt, sizeof pkt);
			assert_true(len > 0);
			/* RFC 792: header + 8 bytes is all a router has to quote */
			int el = icmp_error(family, router, fam ? RN_ICMP6_TIME_EXCEEDED : RN_ICMP_TIMXCEED,
					    0, pkt, hl + 8, err, sizeof err);
			struct rn_trace_reply r;
			assert_int_equal(rn_trace_match(&t, rn_view_make(err, (size_t)el), &r), 1);
			assert_int_equal(r.n, 77);
			assert_false(r.final);
			assert_string_equal(r.mark, "");
			assert_memory_equal(r.from, router, al);
			/* the quote cut inside the 8 transport bytes: no match */
			el = icmp_error(family, router, fam ? RN_ICMP6_TIME_EXCEEDED : RN_ICMP_TIMXCEED, 0,
					pkt, hl + 7, err, sizeof err);
			assert_int_equal(rn_trace_match(&t, rn_view_make(err, (size_t)el), &r), 0);
			/* another trace's probe (other port / id / seq base): no match */
			struct rn_trace other = t;
			other.sport++, other.icmp_id++, other.tcp_seq += 100000;
			el = icmp_error(family, router, fam ? RN_ICMP6_TIME_EXCEEDED : RN_ICMP_TIMXCEED, 0,
					pkt, (size_t)len, err, sizeof err);
			assert_int_equal(rn_trace_match(&other, rn_view_make(err, (size_t)el), &r), 0);
			/* every truncation of a good answer is handled */
			for (int cut = 0; cut < el; cut++)
				(void)rn_trace_match(&t, rn_view_make(err, (size_t)cut), &r);
		}
	}
	/* unreachable codes and their marks */
	struct { int family; uint8_t code; const char *mark; } cases[] = {
		{ AF_INET, 0, "!N" }, { AF_INET, 1, "!H" }, { AF_INET, 2, "!P" }, { AF_INET, 3, "" },
		{ AF_INET, 4, "!F" }, { AF_INET, 13, "!X" }, { AF_INET, 10, "!X" }, { AF_INET, 99, "!<99>" },
		{ AF_INET6, 0, "!N" }, { AF_INET6, 1, "!X" }, { AF_INET6, 3, "!H" }, { AF_INET6, 4, "" },
		{ AF_INET6, 7, "!<7>" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int family = cases[i].family;
		struct rn_trace t = trace(family, RN_TRACE_UDP);
		uint8_t pkt[128], err[256];
		int len = rn_trace_build(&t, 9, 5, pkt, sizeof pkt);
		int el = icmp_error(family, family == AF_INET ? R4 : R6,
				    family == AF_INET ? RN_ICMP_UNREACH : RN_ICMP6_DST_UNREACH,
				    cases[i].code, pkt, (size_t)len, err, sizeof err);
		struct rn_trace_reply r;
		assert_int_equal(rn_trace_match(&t, rn_view_make(err, (size_t)el), &r), 1);
		assert_int_equal(r.n, 5);
		assert_true(r.final);
		assert_string_equal(r.mark, cases[i].mark);
	}
}

/* The destination's own answers: echo reply, SYN-ACK and RST. */
static void test_destination_answers(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct rn_trace t = trace(AF_INET, RN_TRACE_ICMP);
	struct rn_icmp ic = { .type = RN_ICMP_ECHOREPLY, .id = 0x1234, .seq = 42 };
	assert_true(rn_icmp_emit(&ic, buf + 20, sizeof buf - 20, 0) > 0);
	struct rn_ipv4 ip = { .ttl = 64, .proto = RN_IPPROTO_ICMP };
	memcpy(ip.src, B4, 4);
	memcpy(ip.dst, A4, 4);
	assert_true(rn_ipv4_emit(&ip, buf, sizeof buf, 8) > 0);
	struct rn_trace_reply r;
	assert_int_equal(rn_trace_match(&t, rn_view_make(buf, 28), &r), 1);
	assert_int_equal(r.n, 42);
	assert_true(r.final);
	t.icmp_id++;
	assert_int_equal(rn_trace_match(&t, rn_view_make(buf, 28), &r), 0);

	for (int fam = 0; fam < 2; fam++) {
		int family = fam ? AF_INET6 : AF_INET;
		size_t hl = fam ? 40 : 20;
		t = trace(family, RN_TRACE_TCP);
		t.dport = 8080;
		const uint16_t flags[] = { RN_TCP_SYN | RN_TCP_ACK, RN_TCP_RST | RN_TCP_ACK, RN_TCP_ACK };
		for (int k = 0; k < 3; k++) {
			struct rn_pseudo ph = { .family = family };
			memcpy(ph.src, fam ? B6 : B4, fam ? 16 : 4);
			memcpy(ph.dst, fam ? A6 : A4, fam ? 16 : 4);
			struct rn_tcp tc = { .sport = 8080, .dport = 40000, .seq = 1, .ack = t.tcp_seq + 9 + 1,
					     .flags = flags[k], .window = 100 };
			assert_true(rn_tcp_emit(&tc, &ph, buf + hl, sizeof buf - hl, 0) > 0);
			if (fam) {
				struct rn_ipv6 ip6 = { .hop_limit = 64, .next_header = RN_IPPROTO_TCP };
				memcpy(ip6.src, B6, 16);
				memcpy(ip6.dst, A6, 16);
				assert_true(rn_ipv6_emit(&ip6, buf, sizeof buf, 20) > 0);
			} else {
				struct rn_ipv4 ip4 = { .ttl = 64, .proto = RN_IPPROTO_TCP };
				memcpy(ip4.src, B4, 4);
				memcpy(ip4.dst, A4, 4);
				assert_true(rn_ipv4_emit(&ip4, buf, sizeof buf, 20) > 0);
			}
			int m = rn_trace_match(&t, rn_view_make(buf, hl + 20), &r);
			if (k < 2) {
				assert_int_equal(m, 1);
				assert_int_equal(r.n, 9);
				assert_true(r.final);
			} else {
				assert_int_equal(m, 0); /* a bare ACK answers no SYN */
			}
		}
	}
}

static const uint8_t KEY[16] = "0123456789abcdef";

/* The cookie is a function of the key and the 4-tuple: same tuple, same
 * cookie; a change in any of them, another one. */
static void test_cookie(void **state)
{
	(void)state;
	uint32_t c = rn_scan_cookie(KEY, AF_INET, A4, B4, 40000, 80);
	assert_int_equal(c, rn_scan_cookie(KEY, AF_INET, A4, B4, 40000, 80));
	assert_int_not_equal(c, rn_scan_cookie(KEY, AF_INET, A4, B4, 40000, 81));
	assert_int_not_equal(c, rn_scan_cookie(KEY, AF_INET, A4, R4, 40000, 80));
	uint8_t k2[16];
	memcpy(k2, KEY, 16);
	k2[0] ^= 1;
	assert_int_not_equal(c, rn_scan_cookie(k2, AF_INET, A4, B4, 40000, 80));
}

static void test_scan_answers(void **state)
{
	(void)state;
	for (int fam = 0; fam < 2; fam++) {
		int family = fam ? AF_INET6 : AF_INET;
		const uint8_t *a = fam ? A6 : A4, *b = fam ? B6 : B4;
		size_t hl = fam ? 40 : 20, al = fam ? 16 : 4;
		uint8_t syn[128], buf[256];
		int len = rn_scan_build_syn(KEY, family, a, b, 40000, 22, 7, syn, sizeof syn);
		assert_int_equal(len, (int)hl + 24);
		struct rn_pseudo ph;
		struct rn_view l4 = l4_of(family, syn, len, &ph), pay;
		struct rn_tcp tc;
		assert_int_equal(rn_tcp_parse(l4, &ph, &tc, &pay), 0);
		assert_int_equal(tc.checksum_status, RN_CSUM_GOOD);
		assert_int_equal(tc.flags, RN_TCP_SYN);
		uint32_t cookie = rn_scan_cookie(KEY, family, a, b, 40000, 22);
		assert_int_equal(tc.seq, cookie);

		/* SYN-ACK -> open, RST -> closed, a wrong ack -> nothing */
		struct { uint16_t flags; uint32_t ack; int match; enum rn_port_state st; } cs[] = {
			{ RN_TCP_SYN | RN_TCP_ACK, cookie + 1, 1, RN_PORT_OPEN },
			{ RN_TCP_RST | RN_TCP_ACK, cookie + 1, 1, RN_PORT_CLOSED },
			{ RN_TCP_SYN | RN_TCP_ACK, cookie + 2, 0, RN_PORT_UNKNOWN },
			{ RN_TCP_RST, cookie + 1, 0, RN_PORT_UNKNOWN },
		};
		for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
			struct rn_pseudo rph = { .family = family };
			memcpy(rph.src, b, al);
			memcpy(rph.dst, a, al);
			struct rn_tcp r = { .sport = 22, .dport = 40000, .seq = 5, .ack = cs[i].ack,
					    .flags = cs[i].flags, .window = 10 };
			assert_true(rn_tcp_emit(&r, &rph, buf + hl, sizeof buf - hl, 0) > 0);
			if (fam) {
				struct rn_ipv6 ip6 = { .hop_limit = 64, .next_header = RN_IPPROTO_TCP };
				memcpy(ip6.src, b, 16);
				memcpy(ip6.dst, a, 16);
				assert_true(rn_ipv6_emit(&ip6, buf, sizeof buf, 20) > 0);
			} else {
				struct rn_ipv4 ip = { .ttl = 64, .proto = RN_IPPROTO_TCP };
				memcpy(ip.src, b, 4);
				memcpy(ip.dst, a, 4);
				assert_true(rn_ipv4_emit(&ip, buf, sizeof buf, 20) > 0);
			}
			struct rn_scan_reply sr;
			assert_int_equal(rn_scan_match(KEY, family, a, 40000, rn_view_make(buf, hl + 20), &sr),
					 cs[i].match);
			if (cs[i].match) {
				assert_int_equal(sr.state, cs[i].st);
				assert_int_equal(sr.port, 22);
				assert_memory_equal(sr.host, b, al);
			}
		}
		/* an ICMP admin-prohibited quoting the SYN -> filtered */
		int el = icmp_error(family, fam ? R6 : R4, fam ? RN_ICMP6_DST_UNREACH : RN_ICMP_UNREACH,
				    fam ? 1 : 13, syn, hl + 8, buf, sizeof buf);
		struct rn_scan_reply sr;
		assert_int_equal(rn_scan_match(KEY, family, a, 40000, rn_view_make(buf, (size_t)el), &sr), 1);
		assert_int_equal(sr.state, RN_PORT_FILTERED);
		assert_string_equal(sr.reason, "admin-prohibited");
		assert_memory_equal(sr.host, b, al);
		assert_memory_equal(sr.from, fam ? R6 : R4, al);
		for (int cut = 0; cut < el; cut++)
			(void)rn_scan_match(KEY, family, a, 40000, rn_view_make(buf, (size_t)cut), &sr);
		/* garbage matches nothing */
		memset(buf, 0x45, sizeof buf);
		assert_int_equal(rn_scan_match(KEY, family, a, 40000, rn_view_make(buf, sizeof buf), &sr), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_probe_checksum_is_n),
		cmocka_unit_test(test_icmp_probe_constant_checksum),
		cmocka_unit_test(test_time_exceeded_and_marks),
		cmocka_unit_test(test_destination_answers),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_scan_answers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
