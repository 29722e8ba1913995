/* Unit tests: -T json (rn_json_packet). The expected values were checked
 * against tshark 4.0 (`tshark -T fields -e NAME`, checksum validation on):
 * field formats, occurrences joined by ',', the fields of a packet quoted in
 * an ICMP error, conversation numbers and relative sequence numbers, port
 * reuse, string escaping, and valid JSON for any bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawnet/fields.h"
#include "rawnet/print.h"

/* Frames (Ethernet) made with a script and read by tshark 4.0. */
#define F_SYN \
	"02000000000202000000000108004500003c000140004006261f0a4d00010a4d00029c4000500000" \
	"03e800000000a002faf097960000020405b40402080a000000640000000001030307"
#define F_SYNACK \
	"02000000000102000000000208004500003c000140004006261f0a4d00020a4d000100509c400000" \
	"1388000003e9a012faf083fd0000020405b40402080a000000640000000001030307"
#define F_ACK \
	"02000000000202000000000108004500002800014000400626330a4d00010a4d00029c4000500000" \
	"03e9000013895010faf0ec440000"
#define F_HTTP \
	"02000000000202000000000108004500005900014000400626020a4d00010a4d00029c4000500000" \
	"03e9000013895018faf0ddc50000474554202f6122625c6301ff20485454502f312e310d0a486f73" \
	"743a20780d0a557365722d4167656e743a20740d0a0d0a"
#define F_SYN2 \
	"02000000000202000000000108004500002800014000400626330a4d00010a4d00029c4000500001" \
	"2fd1000000005002faf0d3f20000"
#define F_QINQ \
	"02000000000202000000000188a800c881002007080600010800060400010200000000010a4d0001" \
	"0000000000000a4d00020000000000000000000000000000"
#define F_UNREACH \
	"02000000000202000000000108004500003d00014000400126230a4d00010a4d0002030312c00000" \
	"00004500002100014000011164270a4d00020a4d0109829a829b000da12768656c6c6f"
#define F_ECHO6 \
	"02000000000202000000000186dd6001234500103a40fd770000000000000000000000000001fd77" \
	"00000000000000000000000000028000baf31234000770696e6764617461"
#define F_DNS \
	"02000000000102000000000208004500006a00014000401125e60a4d00020a4d000100359c750056" \
	"eee52a2a8180000100020000000003777777076578616d706c65036f72670000010001c00c000500" \
	"010000012c001103776562076578616d706c65036f726700c02d000100010000003c00040a4d0050"

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

/* The JSON line for one frame (j may be NULL); caplen 0: the whole frame. */
static char *json_of(struct rn_json *j, const char *hex, uint64_t number, uint32_t caplen)
{
	static uint8_t buf[2048];
	size_t n = unhex(hex, buf, sizeof(buf));
	struct rn_pkt pkt = { .data = buf, .caplen = caplen ? caplen : (uint32_t)n,
			      .len = (uint32_t)n, .ts_sec = 1700000000 + (int64_t)number - 1,
			      .ts_nsec = (uint32_t)(number - 1) * 1000000u,
			      .linktype = RN_LINK_ETHERNET, .number = number };
	struct rn_strbuf sb;
	rn_sb_init(&sb);
	rn_json_packet(j, &sb, &pkt);
	char *s = strdup(sb.buf ? sb.buf : "");
	rn_sb_free(&sb);
	return s;
}

static void has(const char *json, const char *part)
{
	if (!strstr(json, part))
		fail_msg("%s not in %s", part, json);
}

static void lacks(const char *json, const char *part)
{
	if (strstr(json, part))
		fail_msg("%s unexpectedly in %s", part, json);
}

/* ---- a strict checker for one flat JSON object line (RFC 8259) ---- */

static bool utf8_ok(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	int need = *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : *p >= 0xc2 ? 1 : -1;
	if (need < 0 || *p > 0xf4)
		return false;
	for (int i = 1; i <= need; i++)
		if ((p[i] & 0xc0) != 0x80)
			return false;
	*pp = p + need + 1;
	return true;
}

static bool jstring(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	if (*p++ != '"')
		return false;
	while (*p != '"') {
		if (*p < 0x20)
			return false;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return false;
				p += 5;
			} else if (*p && strchr("\"\\/bfnrt", *p)) {
				p++;
			} else {
				return false;
			}
		} else if (*p >= 0x80) {
			if (!utf8_ok(&p))
				return false;
		} else {
			p++;
		}
	}
	*pp = p + 1;
	return true;
}

static bool jnumber(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	*pp = p;
	return true;
}

/* One object, no duplicate keys, then exactly one newline. */
static bool json_line_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char keys[400][64];
	int nk = 0;
	if (*p++ != '{')
		return false;
	if (*p != '}') {
		for (;;) {
			const unsigned char *k = p;
			if (!jstring(&p))
				return false;
			size_t kl = (size_t)(p - k);
			if (kl >= 64 || nk >= 400)
				return false;
			memcpy(keys[nk], k, kl);
			keys[nk][kl] = '\0';
			for (int i = 0; i < nk; i++)
				if (!strcmp(keys[i], keys[nk]))
					return false;
			nk++;
			if (*p++ != ':')
				return false;
			if (*p == '"' ? !jstring(&p) : !jnumber(&p))
				return false;
			if (*p == ',') {
				p++;
				continue;
			}
			break;
		}
	}
	return p[0] == '}' && p[1] == '\n' && p[2] == '\0';
}

/* ---- tests ---- */

static void test_arp_qinq_exact(void **state)
{
	(void)state;
	char *j = json_of(NULL, F_QINQ, 6, 0);
	assert_string_equal(j,
		"{\"frame.number\":6,\"frame.time_epoch\":1700000005.005000000,\"frame.len\":64,"
		"\"frame.cap_len\":64,\"eth.dst\":\"02:00:00:00:00:02\",\"eth.src\":"
		"\"02:00:00:00:00:01\",\"eth.type\":\"0x88a8\",\"ieee8021ad.priority\":0,"
		"\"ieee8021ad.dei\":0,\"ieee8021ad.id\":200,\"vlan.priority\":1,\"vlan.dei\":0,"
		"\"vlan.id\":7,\"vlan.etype\":\"0x0806\",\"arp.hw.type\":1,\"arp.proto.type\":"
		"\"0x0800\",\"arp.hw.size\":6,\"arp.proto.size\":4,\"arp.opcode\":1,"
		"\"arp.src.hw_mac\":\"02:00:00:00:00:01\",\"arp.src.proto_ipv4\":\"10.77.0.1\","
		"\"arp.dst.hw_mac\":\"00:00:00:00:00:00\",\"arp.dst.proto_ipv4\":\"10.77.0.2\"}\n");
	free(j);
}

/* The quoted IPv4/UDP datagram: every IP field twice, joined in a string. */
static void test_icmp_error_quotes(void **state)
{
	(void)state;
	char *j = json_of(NULL, F_UNREACH, 7, 0);
	assert_true(json_line_ok(j));
	has(j, "\"ip.version\":\"4,4\"");
	has(j, "\"ip.len\":\"61,33\"");
	has(j, "\"ip.ttl\":\"64,1\"");
	has(j, "\"ip.proto\":\"1,17\"");
	has(j, "\"ip.checksum\":\"0x2623,0x6427\"");
	has(j, "\"ip.src\":\"10.77.0.1,10.77.0.2\"");
	has(j, "\"ip.dst\":\"10.77.0.2,10.77.1.9\"");
	has(j, "\"icmp.type\":3,\"icmp.code\":3,\"icmp.checksum\":\"0x12c0\",\"icmp.checksum.status\":1");
	has(j, "\"udp.srcport\":33434,\"udp.dstport\":33435,\"udp.length\":13");
	has(j, "\"udp.checksum\":\"0xa127\",\"udp.checksum.status\":1}");
	free(j);
}

static void test_icmpv6_and_dns(void **state)
{
	(void)state;
	char *j = json_of(NULL, F_ECHO6, 8, 0);
	has(j, "\"eth.type\":\"0x86dd\",\"ip.version\":6,\"ipv6.version\":6,"
	       "\"ipv6.tclass\":\"0x00000000\"");
	has(j, "\"ipv6.flow\":\"0x012345\",\"ipv6.plen\":16,\"ipv6.nxt\":58,\"ipv6.hlim\":64,"
	       "\"ipv6.src\":\"fd77::1\",\"ipv6.dst\":\"fd77::2\"");
	has(j, "\"icmpv6.type\":128,\"icmpv6.code\":0,\"icmpv6.checksum\":\"0xbaf3\","
	       "\"icmpv6.checksum.status\":1,\"icmpv6.echo.identifier\":\"0x1234\","
	       "\"icmpv6.echo.sequence_number\":7}");
	free(j);
	j = json_of(NULL, F_DNS, 9, 0);
	has(j, "\"dns.id\":\"0x2a2a\",\"dns.flags\":\"0x8180\",\"dns.flags.response\":1,"
	       "\"dns.flags.opcode\":0,\"dns.flags.rcode\":0,\"dns.count.queries\":1,"
	       "\"dns.count.answers\":2,\"dns.count.auth_rr\":0,\"dns.count.add_rr\":0,"
	       "\"dns.qry.name\":\"www.example.org\",\"dns.qry.type\":1,\"dns.qry.class\":"
	       "\"0x0001\",\"dns.cname\":\"web.example.org\",\"dns.a\":\"10.77.0.80\"}");
	free(j);
}

/* A conversation: tcp.stream, relative numbers, and a new SYN with another
 * ISN on the same ports (Wireshark's port reuse) starting stream 1. */
static void test_tcp_conversation(void **state)
{
	(void)state;
	struct rn_json *st;
	assert_int_equal(rn_json_new(&st), 0);
	char *j = json_of(st, F_SYN, 1, 0);
	has(j, "\"tcp.srcport\":40000,\"tcp.dstport\":80,\"tcp.stream\":0,\"tcp.len\":0,"
	       "\"tcp.seq\":0,\"tcp.seq_raw\":1000,\"tcp.nxtseq\":1,\"tcp.ack\":0,\"tcp.ack_raw\":0,"
	       "\"tcp.hdr_len\":40,\"tcp.flags\":\"0x0002\"");
	has(j, "\"tcp.option_kind\":\"2,4,8,1,3\",\"tcp.option_len\":\"4,2,10,3\","
	       "\"tcp.options.mss_val\":1460,\"tcp.options.timestamp.tsval\":100,"
	       "\"tcp.options.timestamp.tsecr\":0,\"tcp.options.wscale.shift\":7,"
	       "\"tcp.options.wscale.multiplier\":128}");
	free(j);
	j = json_of(st, F_SYNACK, 2, 0);
	has(j, "\"tcp.stream\":0,\"tcp.len\":0,\"tcp.seq\":0,\"tcp.seq_raw\":5000,"
	       "\"tcp.nxtseq\":1,\"tcp.ack\":1,\"tcp.ack_raw\":1001");
	free(j);
	j = json_of(st, F_ACK, 3, 0);
	has(j, "\"tcp.seq\":1,\"tcp.seq_raw\":1001,\"tcp.nxtseq\":1,\"tcp.ack\":1,\"tcp.ack_raw\":5001");
	free(j);
	j = json_of(st, F_HTTP, 4, 0);
	has(j, "\"tcp.len\":49,\"tcp.seq\":1,\"tcp.seq_raw\":1001,\"tcp.nxtseq\":50");
	/* GET /a"b\c<01><ff> HTTP/1.1: escaped, the invalid byte as U+FFFD */
	has(j, "\"http.request.method\":\"GET\",\"http.request.uri\":\"/a\\\"b\\\\c\\u0001\xef\xbf\xbd\","
	       "\"http.request.version\":\"HTTP/1.1\",\"http.host\":\"x\",\"http.user_agent\":\"t\"}");
	assert_true(json_line_ok(j));
	free(j);
	j = json_of(st, F_SYN2, 5, 0);
	has(j, "\"tcp.stream\":1,\"tcp.len\":0,\"tcp.seq\":0,\"tcp.seq_raw\":77777");
	free(j);
	rn_json_free(st);
	/* Without state: no conversation fields, raw numbers only. */
	j = json_of(NULL, F_ACK, 3, 0);
	lacks(j, "tcp.stream");
	lacks(j, "\"tcp.seq\"");
	has(j, "\"tcp.seq_raw\":1001,\"tcp.ack_raw\":5001");
	free(j);
}

/* A frame cut inside the TCP header: the frame and IP fields, then nothing
 * of TCP (tshark would show a malformed packet). */
static void test_truncated(void **state)
{
	(void)state;
	char *j = json_of(NULL, F_SYN, 1, 40);
	assert_true(json_line_ok(j));
	has(j, "\"frame.len\":74,\"frame.cap_len\":40");
	has(j, "\"ip.dst\":\"10.77.0.2\"}");
	lacks(j, "tcp.");
	free(j);
	j = json_of(NULL, F_SYN, 1, 5);
	assert_string_equal(j, "{\"frame.number\":1,\"frame.time_epoch\":1700000000.000000000,"
			       "\"frame.len\":74,\"frame.cap_len\":5}\n");
	free(j);
}

/* Random bytes and mutated frames: always one valid JSON object per line. */
static void test_any_bytes(void **state)
{
	(void)state;
	static const char *const seeds[] = { F_SYN, F_HTTP, F_QINQ, F_UNREACH, F_ECHO6, F_DNS };
	/* the checker itself refuses what it must */
	assert_false(json_line_ok("{\"a\":\"\x01\"}\n"));
	assert_false(json_line_ok("{\"a\":1,\"a\":2}\n"));
	assert_false(json_line_ok("{\"a\":\"\xff\"}\n"));
	assert_false(json_line_ok("{\"a\":01x}\n"));
	assert_true(json_line_ok("{\"a\":1.5,\"b\":\"\\u00e9\xc3\xa9\"}\n"));
	struct rn_json *st;
	assert_int_equal(rn_json_new(&st), 0);
	uint32_t x = 12345;
	uint8_t buf[300];
	for (int round = 0; round < 4000; round++) {
		x = x * 1103515245u + 12345u;
		size_t n = unhex(seeds[round % 6], buf, sizeof(buf));
		int flips = 1 + (int)(x >> 28);
		for (int i = 0; i < flips; i++) {
			x = x * 1103515245u + 12345u;
			buf[(x >> 8) % n] = (uint8_t)(x >> 20);
		}
		if (round % 5 == 0)
			for (size_t i = 0; i < n; i++, x = x * 1103515245u + 12345u)
				buf[i] = (uint8_t)(x >> 16);
		uint32_t cap = (uint32_t)((x >> 4) % (n + 1));
		int lt[] = { RN_LINK_ETHERNET, RN_LINK_RAW, RN_LINK_LINUX_SLL, RN_LINK_NULL };
		struct rn_pkt pkt = { .data = buf, .caplen = round & 1 ? (uint32_t)n : cap,
				      .len = (uint32_t)n, .linktype = lt[round % 4],
				      .number = (uint64_t)round + 1 };
		struct rn_strbuf sb;
		rn_sb_init(&sb);
		rn_json_packet(round & 2 ? st : NULL, &sb, &pkt);
		if (!json_line_ok(sb.buf))
			fail_msg("invalid JSON for round %d: %s", round, sb.buf);
		rn_sb_free(&sb);
	}
	rn_json_free(st);
}

/* fuzz_print: frame.time_epoch negated INT64_MIN seconds (a pcapng
 * if_tsoffset can give any time). */
static void test_time_epoch_extremes(void **state)
{
	(void)state;
	static uint8_t buf[256];
	size_t n = unhex(F_ACK, buf, sizeof(buf));
	struct rn_pkt pkt = { .data = buf, .caplen = (uint32_t)n, .len = (uint32_t)n,
			      .ts_sec = INT64_MIN, .linktype = RN_LINK_ETHERNET, .number = 1 };
	struct rn_strbuf sb;
	rn_sb_init(&sb);
	rn_json_packet(NULL, &sb, &pkt);
	has(sb.buf, "-9223372036854775808.000000000");
	assert_true(json_line_ok(sb.buf));
	rn_sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_qinq_exact),
		cmocka_unit_test(test_icmp_error_quotes),
		cmocka_unit_test(test_icmpv6_and_dns),
		cmocka_unit_test(test_tcp_conversation),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_any_bytes),
		cmocka_unit_test(test_time_epoch_extremes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
