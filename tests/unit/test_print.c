/* Unit tests: tcpdump -n lines from the dissection layer (expected lines were
 * produced by tcpdump 4.99 for the same frames), layer status, hex dumps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "rawnet/pcapfile.h"
#include "rawnet/print.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (s[0] && s[1] && n < cap) {
		char b[3] = { s[0], s[1], 0 };
		out[n++] = (uint8_t)strtoul(b, NULL, 16);
		s += 2;
	}
	return n;
}

/* Prints one Ethernet frame given in hex with opts, returns a malloc'ed string. */
static char *line_of(const char *hex, uint32_t caplen_cut, const struct rn_print_opts *o)
{
	static uint8_t buf[2048];
	size_t n = unhex(hex, buf, sizeof(buf));
	struct rn_pkt pkt = { .data = buf, .caplen = (uint32_t)n, .len = (uint32_t)n,
			      .linktype = RN_LINK_ETHERNET, .number = 1 };
	if (caplen_cut)
		pkt.caplen = caplen_cut;
	struct rn_strbuf sb;
	rn_sb_init(&sb);
	rn_print_summary(&sb, &pkt, o);
	char *s = strdup(sb.buf ? sb.buf : "");
	rn_sb_free(&sb);
	return s;
}

#define ICMP_ECHO "020000000002020000000001080045000024000140004001263c0a4d00010a4d000208005435123400016162636465666768"
#define TCP_SYN "02000000000202000000000108004500003c000140004006261f0a4d00010a4d00029c400050000003e800000000a002faf097960000020405b40402080a000000640000000001030307"
#define UDP_5 "020000000002020000000001080045000021000140004011262f0a4d00010a4d000230395ba0000d1b8c68656c6c6f"
#define ARP_REQ "ffffffffffff020000000001080600010800060400010200000000010a4d00010000000000000a4d0002000000000000000000000000000000000000"

static void expect(const char *hex, uint32_t cut, const struct rn_print_opts *o, const char *want)
{
	char *got = line_of(hex, cut, o);
	assert_string_equal(got, want);
	free(got);
}

static void test_default_lines(void **state)
{
	(void)state;
	struct rn_print_opts o = { 0 };
	expect(ICMP_ECHO, 0, &o, "IP 10.77.0.1 > 10.77.0.2: ICMP echo request, id 4660, seq 1, length 16\n");
	expect(TCP_SYN, 0, &o,
	       "IP 10.77.0.1.40000 > 10.77.0.2.80: Flags [S], seq 1000, win 64240, options [mss "
	       "1460,sackOK,TS val 100 ecr 0,nop,wscale 7], length 0\n");
	expect(UDP_5, 0, &o, "IP 10.77.0.1.12345 > 10.77.0.2.23456: UDP, length 5\n");
	expect(ARP_REQ, 0, &o, "ARP, Request who-has 10.77.0.2 tell 10.77.0.1, length 46\n");
}

static void test_link_header(void **state)
{
	(void)state;
	struct rn_print_opts o = { .eth = true };
	expect(ICMP_ECHO, 0, &o,
	       "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 50: "
	       "10.77.0.1 > 10.77.0.2: ICMP echo request, id 4660, seq 1, length 16\n");
	expect(ARP_REQ, 0, &o,
	       "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 60: Request "
	       "who-has 10.77.0.2 tell 10.77.0.1, length 46\n");
}

static void test_verbose(void **state)
{
	(void)state;
	struct rn_print_opts o = { .verbose = 1 };
	expect(TCP_SYN, 0, &o,
	       "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 60)\n"
	       "    10.77.0.1.40000 > 10.77.0.2.80: Flags [S], cksum 0x9796 (correct), seq 1000, "
	       "win 64240, options [mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7], length 0\n");
	expect(ARP_REQ, 0, &o,
	       "ARP, Ethernet (len 6), IPv4 (len 4), Request who-has 10.77.0.2 tell 10.77.0.1, "
	       "length 46\n");
}

static void test_hex(void **state)
{
	(void)state;
	struct rn_print_opts o = { .hex = 'x' };
	expect(UDP_5, 0, &o,
	       "IP 10.77.0.1.12345 > 10.77.0.2.23456: UDP, length 5\n"
	       "\t0x0000:  4500 0021 0001 4000 4011 262f 0a4d 0001\n"
	       "\t0x0010:  0a4d 0002 3039 5ba0 000d 1b8c 6865 6c6c\n"
	       "\t0x0020:  6f\n");
	struct rn_strbuf sb;
	rn_sb_init(&sb);
	rn_print_hexdump(&sb, (const uint8_t *)"GET / HTTP/1.1\r\n", 16, true);
	assert_string_equal(sb.buf, "\t0x0000:  4745 5420 2f20 4854 5450 2f31 2e31 0d0a  GET./.HTTP/1.1..\n");
	rn_sb_free(&sb);
}

/* A cut capture: the TCP header ends early -> " [|tcp]"; the layer says truncated. */
static void test_truncated(void **state)
{
	(void)state;
	struct rn_print_opts o = { 0 };
	expect(TCP_SYN, 14 + 20 + 10, &o, "IP 10.77.0.1.40000 > 10.77.0.2.80:  [|tcp]\n");
	static uint8_t buf[256];
	size_t n = unhex(TCP_SYN, buf, sizeof(buf));
	struct rn_pkt pkt = { .data = buf, .caplen = 14 + 20 + 10, .len = (uint32_t)n,
			      .linktype = RN_LINK_ETHERNET };
	struct rn_dissection d;
	assert_int_equal(rn_dissect(&pkt, 0, &d), 3);
	assert_int_equal(d.layer[0].proto, RN_PROTO_ETH);
	assert_int_equal(d.layer[1].proto, RN_PROTO_IPV4);
	assert_int_equal(d.layer[1].status, RN_LAYER_OK);
	assert_int_equal(d.layer[2].proto, RN_PROTO_TCP);
	assert_int_equal(d.layer[2].status, RN_LAYER_TRUNCATED);
	assert_non_null(rn_dissect_find(&d, RN_PROTO_TCP));
	assert_null(rn_dissect_find(&d, RN_PROTO_UDP));
}

/* An IPv4 header length under 20 is invalid, not truncated. */
static void test_invalid(void **state)
{
	(void)state;
	static uint8_t buf[256];
	size_t n = unhex(UDP_5, buf, sizeof(buf));
	buf[14] = 0x44; /* ihl 4 */
	struct rn_pkt pkt = { .data = buf, .caplen = (uint32_t)n, .len = (uint32_t)n,
			      .linktype = RN_LINK_ETHERNET };
	struct rn_dissection d;
	rn_dissect(&pkt, 0, &d);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.layer[1].status, RN_LAYER_INVALID);
	struct rn_strbuf sb;
	rn_sb_init(&sb);
	struct rn_print_opts o = { 0 };
	rn_print_line(&sb, &d, &o);
	assert_string_equal(sb.buf, "IP bad-hlen 16\n");
	rn_sb_free(&sb);
}

static void test_dns_name(void **state)
{
	(void)state;
	/* "www.example.org." then a pointer to "example.org." at offset 4 */
	static const uint8_t m[] = { 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
				     3, 'o', 'r', 'g', 0, 0xc0, 4, 0xc0, 19 };
	char out[64];
	size_t next = 0;
	struct rn_view v = rn_view_make(m, sizeof(m));
	assert_int_equal(rn_dns_name(v, 0, out, sizeof(out), &next), 16);
	assert_string_equal(out, "www.example.org.");
	assert_int_equal(next, 17);
	assert_int_equal(rn_dns_name(v, 17, out, sizeof(out), &next), 12);
	assert_string_equal(out, "example.org.");
	assert_int_equal(next, 19);
	assert_int_equal(rn_dns_name(v, 19, out, sizeof(out), &next), -RN_EBADLEN); /* loop */
	assert_int_equal(rn_dns_name(rn_view_make(m, 10), 0, out, sizeof(out), &next), -RN_ETRUNC);
}

/* Mutated and cut copies of real frames, on every link type, in every
 * output mode: the printers must stay inside the bytes (run under SAN=1). */
static void test_mutations(void **state)
{
	(void)state;
	static const char *const seeds[] = { ICMP_ECHO, TCP_SYN, UDP_5, ARP_REQ };
	static const int links[] = { RN_LINK_ETHERNET, RN_LINK_RAW, RN_LINK_NULL, RN_LINK_LOOP,
				     RN_LINK_LINUX_SLL, RN_LINK_LINUX_SLL2, RN_LINK_IPV4,
				     RN_LINK_IPV6 };
	struct rn_print_opts modes[] = {
		{ 0 }, { .verbose = 1 }, { .verbose = 3, .eth = true }, { .quiet = true },
		{ .hex = 'X', .hex_link = true }, { .hex = 'A' },
	};
	uint32_t x = 2463534242u;
	struct rn_strbuf sb;
	rn_sb_init(&sb);
	for (int iter = 0; iter < 20000; iter++) {
		uint8_t frame[256];
		size_t n = unhex(seeds[iter % 4], frame, sizeof(frame));
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		unsigned flips = x % 6;
		for (unsigned k = 0; k < flips; k++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			frame[x % n] = (uint8_t)(x >> 8);
		}
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		size_t cut = x % (n + 1);
		/* a heap copy of exactly the captured bytes: ASan sees any overread */
		uint8_t *heap = malloc(cut ? cut : 1);
		memcpy(heap, frame, cut);
		struct rn_pkt pkt = { .data = heap, .caplen = (uint32_t)cut,
				      .len = (uint32_t)(x & 1 ? n : cut + (x >> 20) % 64),
				      .linktype = links[(x >> 8) % 8], .number = 1 };
		rn_sb_reset(&sb);
		rn_print_summary(&sb, &pkt, &modes[(x >> 12) % 6]);
		assert_false(sb.oom);
		assert_true(sb.len > 0 && sb.buf[sb.len - 1] == '\n');
		free(heap);
	}
	rn_sb_free(&sb);
}

/* The same over every packet of the golden captures (tests run from the
 * repository root), each mutated and cut 40 times. */
static void test_capture_mutations(void **state)
{
	(void)state;
	static const char *const files[] = {
		"c-arp-eth.pcap", "c-dns.pcap", "c-http.pcap", "c-icmp.pcap", "c-ip.pcap",
		"c-ip6.pcap", "c-null.pcap", "c-raw.pcap", "c-sll.pcap", "c-sll2.pcap",
		"c-tcp.pcap", "c-udp.pcap", "n-ping.pcap", "n-http.pcap",
	};
	uint32_t x = 88172645u;
	unsigned packets = 0;
	struct rn_strbuf sb;
	rn_sb_init(&sb);
	for (size_t fi = 0; fi < sizeof(files) / sizeof(files[0]); fi++) {
		char path[256];
		snprintf(path, sizeof(path), "tests/golden/captures/%s", files[fi]);
		struct rn_pcap_reader *r;
		if (rn_pcap_open(path, &r) < 0) {
			rn_pcap_close(r);
			continue;
		}
		struct rn_pkt pkt;
		while (rn_pcap_next(r, &pkt) == 1) {
			packets++;
			for (int m = 0; m < 40; m++) {
				uint8_t *buf = malloc(pkt.caplen + 1);
				memcpy(buf, pkt.data, pkt.caplen);
				x ^= x << 13, x ^= x >> 17, x ^= x << 5;
				for (int k = 0; k < m % 4 && pkt.caplen; k++) {
					x ^= x << 13, x ^= x >> 17, x ^= x << 5;
					buf[x % pkt.caplen] = (uint8_t)(x >> 8);
				}
				struct rn_pkt q = pkt;
				q.data = buf;
				q.caplen = m < 20 ? pkt.caplen : x % (pkt.caplen + 1);
				struct rn_print_opts o = { .verbose = m % 4, .eth = m & 1, .quiet = m % 7 == 0,
							   .hex = m % 5 == 0 ? 'X' : 0 };
				rn_sb_reset(&sb);
				rn_print_summary(&sb, &q, &o);
				assert_true(sb.len > 0);
				free(buf);
			}
		}
		rn_pcap_close(r);
	}
	rn_sb_free(&sb);
	assert_true(packets > 100);
}

/* fuzz_pcap: an EDNS option code 15 indexed past the option-name table (-vv). */
static void test_edns_option_15(void **state)
{
	(void)state;
	struct rn_print_opts o = { .verbose = 2 };
	expect("02000000000102000000000208004500003700014000401126190a4d00020a4d0001003530390023"
	       "00001234818000000000000000010000291000000000000004000f0000",
	       0, &o,
	       "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 55)\n"
	       "    10.77.0.2.53 > 10.77.0.1.12345: [no cksum] 4660 [0q] 0/0/1 ar: . OPT "
	       "UDPsize=4096 [Opt15] (27)\n");
}

/* fuzz_print: -ttt differences of extreme seconds (as a pcapng offset gives)
 * overflowed; they are taken modulo 2^64. */
static void test_relative_time_extremes(void **state)
{
	(void)state;
	static uint8_t buf[256];
	size_t n = unhex(ICMP_ECHO, buf, sizeof(buf));
	struct rn_pkt pkt = { .data = buf, .caplen = (uint32_t)n, .len = (uint32_t)n,
			      .linktype = RN_LINK_ETHERNET, .number = 1, .ts_sec = INT64_MAX };
	struct rn_print_opts o = { .tsmode = 3 };
	struct rn_printer *pr;
	assert_int_equal(rn_printer_new(&o, &pr), 0);
	struct rn_strbuf sb;
	rn_sb_init(&sb);
	rn_printer_packet(pr, &sb, &pkt);
	pkt.ts_sec = INT64_MIN;
	rn_printer_packet(pr, &sb, &pkt);
	/* as tcpdump 4.99: signed comparison, the difference wraps to -1 s,
	 * whose low 32 bits tcpdump refuses to convert */
	assert_string_equal(sb.buf, " 00:00:00.000000 IP 10.77.0.1 > 10.77.0.2: ICMP echo request, id 4660, seq 1, length 16\n"
			    "-[Error converting time] IP 10.77.0.1 > 10.77.0.2: ICMP echo request, id 4660, seq 1, length 16\n");
	rn_sb_reset(&sb);
	rn_print_timestamp(&sb, 5, false, INT64_MIN, 0, INT64_MAX, 0);
	assert_string_equal(sb.buf, "-[Error converting time] ");
	rn_sb_reset(&sb);
	rn_print_timestamp(&sb, 5, false, INT64_MIN + 1, 0, INT64_MIN, 0);
	assert_string_equal(sb.buf, " 00:00:01.000000 ");
	rn_sb_reset(&sb);
	rn_print_timestamp(&sb, 2, false, INT64_MIN + 5, 1000, 0, 0);
	assert_string_equal(sb.buf, "5.000001 ");
	rn_sb_reset(&sb);
	rn_print_timestamp(&sb, 4, false, INT64_MIN + 5, 0, 0, 0);
	assert_string_equal(sb.buf, "[Error converting time] ");
	rn_sb_reset(&sb);
	rn_print_timestamp(&sb, 2, true, 0x80000000LL, 0, 0, 0);
	assert_string_equal(sb.buf, "[Error converting time] ");
	rn_sb_free(&sb);
	rn_printer_free(pr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_lines), cmocka_unit_test(test_link_header),
		cmocka_unit_test(test_verbose),       cmocka_unit_test(test_hex),
		cmocka_unit_test(test_truncated),     cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_dns_name),     cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_capture_mutations),
		cmocka_unit_test(test_edns_option_15),
		cmocka_unit_test(test_relative_time_extremes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
