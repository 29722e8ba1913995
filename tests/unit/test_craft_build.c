/* Unit tests: building packets from specs. Byte vectors computed
 * independently; every checksum verified by the wire parsers; values set
 * wrong on purpose (checksums, lengths) written as given. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/craft.h"
#include "rawnet/error.h"

static const struct rn_craft_env env = {
	.has_src4 = true, .has_src6 = true, .has_smac = true, .has_dmac = true,
	.src4 = { 10, 77, 0, 1 },
	.src6 = { 0xfd, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	.smac = { { 2, 0, 0, 0, 0, 1 } },
	.dmac = { { 2, 0, 0, 0, 0, 2 } },
	.seed = 7,
};

/* Parses and builds packet number index of a one-string spec; returns the length. */
static int build(const char *spec, uint64_t index, uint8_t *buf, size_t cap,
		 struct rn_craft_built *b)
{
	struct rn_craft_spec s;
	struct rn_craft_error e;
	const char *w[1] = { spec };
	int r = rn_craft_parse(w, 1, &s, &e);
	if (r < 0) {
		print_error("parse [%s]: %s\n", spec, e.msg);
		rn_craft_free(&s);
		return r;
	}
	r = rn_craft_build(&s, &env, index, buf, cap, b);
	rn_craft_free(&s);
	return r;
}

static void test_icmp_vector(void **state)
{
	(void)state;
	static const uint8_t want[] = {
		0x45, 0x00, 0x00, 0x20, 0x12, 0x34, 0x00, 0x00, 0x40, 0x01, 0x54, 0xa7, 0x0a, 0x00,
		0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x08, 0x00, 0x33, 0x37, 0x00, 0x01, 0x00, 0x01,
		0x61, 0x62, 0x63, 0x64,
	};
	uint8_t buf[256];
	struct rn_craft_built b;
	int n = build("ip src=10.0.0.1 dst=10.0.0.2 id=0x1234 / icmp id=1 seq=1 / raw \"abcd\"", 0,
		      buf, sizeof buf, &b);
	assert_int_equal(n, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	assert_int_equal(b.ip, 0);
	assert_int_equal(b.family, AF_INET);
	assert_int_equal(b.proto, 1);
	assert_int_equal(b.off[1], 20);
	assert_int_equal(b.off[2], 28);
	assert_int_equal(b.dst[3], 2);
	/* The builder's checksums agree with the parsers. */
	struct rn_ipv4 ip;
	struct rn_view pay;
	assert_int_equal(rn_ipv4_parse(rn_view_make(buf, (size_t)n), &ip, &pay), 0);
	assert_int_equal(ip.checksum_status, RN_CSUM_GOOD);
	struct rn_icmp ic;
	assert_int_equal(rn_icmp_parse(pay, &ic), 0);
	assert_int_equal(ic.checksum_status, RN_CSUM_GOOD);
}

static void test_tcp_syn_vector(void **state)
{
	(void)state;
	static const uint8_t want[] = {
		0x45, 0x00, 0x00, 0x3c, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x26, 0x1f, 0x0a, 0x4d,
		0x00, 0x01, 0x0a, 0x4d, 0x00, 0x02, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8,
		0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x97, 0xf9, 0x00, 0x00, 0x02, 0x04,
		0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x03, 0x03, 0x07,
	};
	uint8_t buf[256];
	struct rn_craft_built b;
	/* Source from the environment (the route). */
	int n = build("ip dst=10.77.0.2 id=1 flags=DF / tcp sport=40000 dport=80 seq=1000 "
		      "mss=1460 sackok ts=1,0 wscale=7",
		      0, buf, sizeof buf, &b);
	assert_int_equal(n, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	assert_int_equal(b.proto, 6);
	assert_int_equal(b.src[0], 10);
}

static void test_udp6_vector(void **state)
{
	(void)state;
	static const uint8_t want[] = {
		0x60, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x11, 0x40, 0xfd, 0x77, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfd, 0x77, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0xd2,
		0x16, 0x2e, 0x00, 0x0d, 0xa6, 0x0f, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
	};
	uint8_t buf[256];
	struct rn_craft_built b;
	int n = build("ip6 dst=fd77::2 / udp sport=1234 dport=5678 / raw hello", 0, buf, sizeof buf, &b);
	assert_int_equal(n, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	assert_int_equal(b.family, AF_INET6);
	assert_int_equal(b.proto, 17);
	assert_int_equal(b.dst[15], 2);
}

/* Every default-built packet verifies, for both families and each protocol. */
static void test_checksums_verify(void **state)
{
	(void)state;
	static const char *const specs[] = {
		"ip dst=10.77.0.2 / tcp / raw \"GET / HTTP/1.1\\r\\n\\r\\n\"",
		"ip dst=10.77.0.2 / udp / raw hex=0001020304",
		"ip dst=10.77.0.2 / icmp / raw odd",
		"ip dst=10.77.0.2 options=01010101 / tcp flags=PA ack=5 mss=536 / raw x",
		"ip6 dst=fd77::2 / tcp flags=S ts=5,6 / raw x",
		"ip6 dst=fd77::2 / udp / raw abc",
		"ip6 dst=fd77::2 / icmp6 / raw ping",
		"ip6 dst=fd77::2 / icmp6 type=neighbor-solicit target=fd77::2",
	};
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		uint8_t buf[512];
		struct rn_craft_built b;
		for (uint64_t idx = 0; idx < 4; idx++) {
			int n = build(specs[i], idx, buf, sizeof buf, &b);
			assert_true(n > 0);
			struct rn_view v = rn_view_make(buf, (size_t)n), pay;
			struct rn_pseudo ph;
			if (b.family == AF_INET) {
				struct rn_ipv4 ip;
				assert_int_equal(rn_ipv4_parse(v, &ip, &pay), 0);
				assert_int_equal(ip.checksum_status, RN_CSUM_GOOD);
				assert_int_equal(ip.tot_len, n);
				rn_ipv4_pseudo(&ip, &ph);
			} else {
				struct rn_ipv6 ip6;
				assert_int_equal(rn_ipv6_parse(v, &ip6, &pay), 0);
				assert_int_equal(ip6.payload_len, n - 40);
				rn_ipv6_pseudo(&ip6, &ph);
			}
			enum rn_csum_status st = RN_CSUM_UNCHECKED;
			if (b.proto == 6) {
				struct rn_tcp t;
				assert_int_equal(rn_tcp_parse(pay, &ph, &t, NULL), 0);
				st = t.checksum_status;
			} else if (b.proto == 17) {
				struct rn_udp u;
				assert_int_equal(rn_udp_parse(pay, &ph, &u, NULL), 0);
				assert_int_equal(u.len, pay.len);
				st = u.checksum_status;
			} else if (b.proto == 1) {
				struct rn_icmp ic;
				assert_int_equal(rn_icmp_parse(pay, &ic), 0);
				st = ic.checksum_status;
			} else if (b.proto == 58) {
				struct rn_icmp6 ic;
				assert_int_equal(rn_icmp6_parse(pay, &ph, &ic), 0);
				st = ic.checksum_status;
			}
			if (st != RN_CSUM_GOOD) {
				print_error("spec [%s] index %u: bad checksum\n", specs[i], (unsigned)idx);
				fail();
			}
		}
	}
}

/* Values set wrong on purpose are kept: checksums, lengths, header lengths. */
static void test_wrong_values_kept(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct rn_craft_built b;
	int n = build("ip dst=10.77.0.2 chksum=0xbeef len=1000 / tcp chksum=0x1234 / raw abc", 0, buf,
		      sizeof buf, &b);
	assert_int_equal(n, 43);
	assert_int_equal(buf[10] << 8 | buf[11], 0xbeef);
	assert_int_equal(buf[2] << 8 | buf[3], 1000);
	assert_int_equal(buf[20 + 16] << 8 | buf[20 + 17], 0x1234);
	struct rn_ipv4 ip;
	struct rn_view pay;
	assert_int_equal(rn_ipv4_parse(rn_view_make(buf, (size_t)n), &ip, &pay), 0);
	assert_int_equal(ip.checksum_status, RN_CSUM_BAD);
	assert_true(ip.payload_truncated); /* tot_len 1000 > 43 bytes */
	struct rn_pseudo ph;
	rn_ipv4_pseudo(&ip, &ph);
	struct rn_tcp t;
	assert_int_equal(rn_tcp_parse(pay, &ph, &t, NULL), 0);
	assert_int_equal(t.checksum_status, RN_CSUM_BAD);

	/* UDP length and a zero checksum; ip6 plen. */
	n = build("ip6 dst=fd77::2 plen=3 / udp len=100 chksum=0 / raw abcd", 0, buf, sizeof buf, &b);
	assert_int_equal(n, 40 + 8 + 4);
	assert_int_equal(buf[4] << 8 | buf[5], 3);
	assert_int_equal(buf[44] << 8 | buf[45], 100);
	assert_int_equal(buf[46] << 8 | buf[47], 0);

	/* tcp doff=15 without options: the header byte says 15, twenty bytes follow
	 * the header as given by the emitter; icmp chksum kept. */
	n = build("ip dst=1.2.3.4 / tcp doff=4", 0, buf, sizeof buf, &b);
	assert_true(n > 0);
	assert_int_equal(buf[20 + 12] >> 4, 4);
	n = build("ip dst=1.2.3.4 ihl=4 / icmp chksum=0", 0, buf, sizeof buf, &b);
	assert_true(n > 0);
	assert_int_equal(buf[0], 0x44);
	assert_int_equal(buf[22] << 8 | buf[23], 0);
}

static void test_link_layers(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct rn_craft_built b;
	/* eth with defaults from env, two VLAN tags (QinQ TPID set on eth). */
	int n = build("eth type=qinq / vlan id=100 prio=5 / vlan id=200 dei=1 / ip dst=10.77.0.2 / udp / raw x",
		      0, buf, sizeof buf, &b);
	assert_int_equal(n, 14 + 8 + 20 + 8 + 1);
	static const uint8_t hdr[] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xa8,
				       0xa0, 100, 0x81, 0x00, 0x10, 200, 0x08, 0x00, 0x45 };
	assert_memory_equal(buf, hdr, sizeof hdr);
	assert_int_equal(b.ip, 3);
	assert_int_equal(b.off[3], 22);
	assert_int_equal(b.off[4], 42);

	/* ARP who-has: broadcast, the env's addresses as sender. */
	n = build("eth / arp pdst=10.77.0.2", 0, buf, sizeof buf, &b);
	assert_int_equal(n, 14 + 28);
	static const uint8_t arp[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06,
				       0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 77, 0, 1,
				       0, 0, 0, 0, 0, 0, 10, 77, 0, 2 };
	assert_memory_equal(buf, arp, sizeof arp);
	assert_int_equal(b.ip, -1);
	assert_int_equal(b.family, 0);

	/* An ICMP error quoting an inner packet: both checksums right, the
	 * outer covering the finished inner. */
	n = build("ip dst=10.77.0.2 / icmp type=3 code=3 / ip src=10.77.0.2 dst=10.77.0.1 / udp sport=53 dport=999",
		  0, buf, sizeof buf, &b);
	assert_int_equal(n, 20 + 8 + 20 + 8);
	struct rn_ipv4 ip;
	struct rn_view pay;
	assert_int_equal(rn_ipv4_parse(rn_view_make(buf, (size_t)n), &ip, &pay), 0);
	struct rn_icmp ic;
	assert_int_equal(rn_icmp_parse(pay, &ic), 0);
	assert_int_equal(ic.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(ic.type, 3);
	struct rn_ipv4 inner;
	assert_int_equal(rn_ipv4_parse(ic.data, &inner, &pay), 0);
	assert_int_equal(inner.checksum_status, RN_CSUM_GOOD);
	assert_int_equal(inner.proto, 17);

	/* A vlan without eth in front cannot be emitted; the buffer can be too small. */
	struct rn_craft_spec s;
	struct rn_craft_error e;
	const char *w[1] = { "vlan / raw x" };
	assert_int_equal(rn_craft_parse(w, 1, &s, &e), 0);
	assert_int_equal(rn_craft_build(&s, &env, 0, buf, sizeof buf, &b), -RN_EINVAL);
	assert_int_equal(rn_craft_insert(&s, 0, RN_CRAFT_ETH), 0);
	assert_int_equal(rn_craft_build(&s, &env, 0, buf, sizeof buf, &b), 14 + 4 + 1);
	assert_int_equal(rn_craft_build(&s, &env, 0, buf, 10, &b), -RN_ENOSPC);
	rn_craft_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp_vector),
		cmocka_unit_test(test_tcp_syn_vector),
		cmocka_unit_test(test_udp6_vector),
		cmocka_unit_test(test_checksums_verify),
		cmocka_unit_test(test_wrong_values_kept),
		cmocka_unit_test(test_link_layers),
	};
	return cmocka_run_group_tests_name("craft_build", tests, NULL, NULL);
}
