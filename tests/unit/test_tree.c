/* Unit tests: the -V tree (rn_print_tree): tshark's layout of fields and bit
 * fields, the packet an ICMP error quotes, truncated and invalid layers
 * marked, and any bytes printed without reading past the capture. */
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
#define F_HTTP \
	"02000000000202000000000108004500005900014000400626020a4d00010a4d00029c4000500000" \
	"03e9000013895018faf0ddc50000474554202f6122625c6301ff20485454502f312e310d0a486f73" \
	"743a20780d0a557365722d4167656e743a20740d0a0d0a"
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

/* The tree of one frame; caplen 0: the whole frame. Bytes may be patched
 * (offset, value) before printing. */
static char *tree_of(const char *hex, uint32_t caplen, int patch_at, uint8_t patch)
{
	static uint8_t buf[2048];
	size_t n = unhex(hex, buf, sizeof(buf));
	if (patch_at >= 0)
		buf[patch_at] = patch;
	struct rn_pkt pkt = { .data = buf, .caplen = caplen ? caplen : (uint32_t)n,
			      .len = (uint32_t)n, .ts_sec = 1700000000, .ts_nsec = 5000,
			      .linktype = RN_LINK_ETHERNET, .number = 3 };
	struct rn_strbuf sb;
	rn_sb_init(&sb);
	rn_print_tree(&sb, &pkt);
	char *s = strdup(sb.buf ? sb.buf : "");
	rn_sb_free(&sb);
	return s;
}

/* A whole line (with its indentation) must be there. */
static void has_line(const char *tree, const char *want)
{
	size_t n = strlen(want);
	for (const char *p = tree; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, want, n) && (p[n] == '\n' || p[n] == '\0'))
			return;
	fail_msg("line [%s] not in:\n%s", want, tree);
}

static void test_tcp_syn(void **state)
{
	(void)state;
	char *t = tree_of(F_SYN, 0, -1, 0);
	has_line(t, "Frame 3: 74 bytes on wire (592 bits), 74 bytes captured (592 bits)");
	has_line(t, "    Encapsulation type: Ethernet (1)");
	has_line(t, "    Epoch Time: 1700000000.000005000 seconds");
	has_line(t, "    [Protocols in frame: eth:ethertype:ip:tcp]");
	has_line(t, "Ethernet II, Src: 02:00:00:00:00:01, Dst: 02:00:00:00:00:02");
	has_line(t, "        .... ..1. .... .... .... .... = LG bit: Locally administered address "
		    "(this is NOT the factory default)");
	has_line(t, "    Type: IPv4 (0x0800)");
	has_line(t, "Internet Protocol Version 4, Src: 10.77.0.1, Dst: 10.77.0.2");
	has_line(t, "    0100 .... = Version: 4");
	has_line(t, "    .... 0101 = Header Length: 20 bytes (5)");
	has_line(t, "    010. .... = Flags: 0x2, Don't fragment");
	has_line(t, "        .1.. .... = Don't fragment: Set");
	has_line(t, "    Header Checksum: 0x261f [correct]");
	has_line(t, "Transmission Control Protocol, Src Port: 40000, Dst Port: 80, Seq: 1000, Len: 0");
	has_line(t, "    1010 .... = Header Length: 40 bytes (10)");
	has_line(t, "    Flags: 0x002 (SYN)");
	has_line(t, "        .... .... ..1. = Syn: Set");
	has_line(t, "        .... ...0 .... = Acknowledgment: Not set");
	has_line(t, "    Checksum: 0x9796 [correct]");
	has_line(t, "        TCP Option - Maximum segment size: 1460 bytes");
	has_line(t, "            MSS Value: 1460");
	has_line(t, "        TCP Option - Window scale: 7 (multiply by 128)");
	has_line(t, "        TCP Option - Timestamps: TSval 100, TSecr 0");
	assert_non_null(strstr(t, "\n\n")); /* a blank line ends the packet */
	assert_int_equal(t[strlen(t) - 2], '\n');
	free(t);
}

static void test_http_vlan_icmp_dns(void **state)
{
	(void)state;
	char *t = tree_of(F_HTTP, 0, -1, 0);
	has_line(t, "Hypertext Transfer Protocol");
	has_line(t, "        Request Method: GET");
	has_line(t, "    Host: x\\r\\n");
	has_line(t, "    \\r\\n");
	free(t);
	t = tree_of(F_QINQ, 0, -1, 0);
	has_line(t, "IEEE 802.1ad, PRI: 0, DEI: 0, ID: 200");
	has_line(t, "802.1Q Virtual LAN, PRI: 1, DEI: 0, ID: 7");
	has_line(t, "    .... 0000 0000 0111 = ID: 7");
	has_line(t, "Address Resolution Protocol (request)");
	has_line(t, "    Target IP address: 10.77.0.2");
	free(t);
	t = tree_of(F_UNREACH, 0, -1, 0);
	has_line(t, "    Code: 3 (Port unreachable)");
	has_line(t, "    Internet Protocol Version 4, Src: 10.77.0.2, Dst: 10.77.1.9");
	has_line(t, "        Time to Live: 1");
	has_line(t, "    User Datagram Protocol, Src Port: 33434, Dst Port: 33435");
	free(t);
	t = tree_of(F_DNS, 0, -1, 0);
	has_line(t, "Domain Name System (response)");
	has_line(t, "        .... .... .... 0000 = Reply code: No error (0)");
	has_line(t, "        www.example.org: type CNAME, class IN, cname web.example.org");
	has_line(t, "            Address: 10.77.0.80");
	free(t);
	t = tree_of(F_ECHO6, 0, -1, 0);
	has_line(t, "    .... .... .... 0001 0010 0011 0100 0101 = Flow Label: 0x12345");
	has_line(t, "    Type: Echo (ping) request (128)");
	has_line(t, "    Identifier: 0x1234");
	free(t);
}

/* Cut inside the TCP header: marked as cut, with what is there. An IPv4
 * header length of 16 bytes: marked malformed, naming the lie. */
static void test_malformed(void **state)
{
	(void)state;
	char *t = tree_of(F_SYN, 40, -1, 0);
	has_line(t, "    [Packet size limited during capture: 40 of 74 bytes]");
	has_line(t, "Transmission Control Protocol, Src Port: 40000, Dst Port: 80");
	has_line(t, "    [Packet size limited during capture: TCP truncated (6 of 40 bytes captured)]");
	free(t);
	t = tree_of(F_SYN, 0, 14, 0x44);
	has_line(t, "    .... 0100 = Header Length: 16 bytes (4)");
	has_line(t, "[Malformed Packet: IPv4]");
	assert_null(strstr(t, "Transmission Control Protocol"));
	free(t);
	t = tree_of(F_DNS, 60, -1, 0);
	has_line(t, "Domain Name System (response)");
	assert_non_null(strstr(t, "[Malformed Packet: DNS"));
	free(t);
}

/* Mutated frames and random bytes on every link type: always a tree that
 * ends with a blank line (ASan builds check the reads). */
static void test_any_bytes(void **state)
{
	(void)state;
	static const char *const seeds[] = { F_SYN, F_HTTP, F_QINQ, F_UNREACH, F_ECHO6, F_DNS };
	uint32_t x = 777;
	uint8_t buf[300];
	for (int round = 0; round < 3000; round++) {
		x = x * 1103515245u + 12345u;
		size_t n = unhex(seeds[round % 6], buf, sizeof(buf));
		for (int i = 0; i < 1 + (int)(x >> 29); i++) {
			x = x * 1103515245u + 12345u;
			buf[(x >> 8) % n] = (uint8_t)(x >> 20);
		}
		if (round % 7 == 0)
			for (size_t i = 0; i < n; i++, x = x * 1103515245u + 12345u)
				buf[i] = (uint8_t)(x >> 16);
		int lt[] = { RN_LINK_ETHERNET, RN_LINK_RAW, RN_LINK_LINUX_SLL2, RN_LINK_IPV6 };
		struct rn_pkt pkt = { .data = buf, .caplen = (uint32_t)((x >> 3) % (n + 1)),
				      .len = (uint32_t)n, .linktype = lt[round % 4], .number = 1 };
		if (round & 1)
			pkt.caplen = (uint32_t)n;
		struct rn_strbuf sb;
		rn_sb_init(&sb);
		rn_print_tree(&sb, &pkt);
		assert_true(sb.len >= 2 && sb.buf[sb.len - 1] == '\n' && sb.buf[sb.len - 2] == '\n');
		assert_null(memchr(sb.buf, '\0', sb.len));
		rn_sb_free(&sb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_syn),
		cmocka_unit_test(test_http_vlan_icmp_dns),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_any_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
