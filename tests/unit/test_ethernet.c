/* Unit tests: Ethernet II and 802.1Q/802.1ad tags (IEEE 802.3, 802.1Q), MAC
 * text — real frames, every truncation, emit and round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "wire_testutil.h"
#include <stdlib.h>
#include <string.h>

#include "rawnet/ethernet.h"

/* ARP request in two tags (tcpdump's 802.1ad_QinQ.pcap, frame 1, 64 bytes):
 * 00:20:d2:5a:fb:3f > ff:ff:ff:ff:ff:ff, 802.1ad vlan 200, 802.1Q vlan 2001. */
static const uint8_t qinq_arp[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, 0x88, 0xa8, 0x00, 0xc8,
	0x81, 0x00, 0x07, 0xd1, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x00, 0x20,
	0xd2, 0x5a, 0xfb, 0x3f, 0xac, 0x15, 0x4f, 0x61, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xac, 0x15,
	0x4f, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* IGMPv2 report (tcpdump's IGMP_V2.pcap, frame 2): 00:1c:23:aa:be:ad >
 * 01:00:5e:7f:ff:fa, IPv4, no tag. */
static const uint8_t igmp_frame[] = {
	0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa, 0x00, 0x1c, 0x23, 0xaa, 0xbe, 0xad, 0x08, 0x00, 0x46, 0x00,
	0x00, 0x20, 0x8c, 0x62, 0x00, 0x00, 0x01, 0x02, 0xe6, 0x92, 0xc0, 0xa8, 0x01, 0x40, 0xef, 0xff,
	0xff, 0xfa, 0x94, 0x04, 0x00, 0x00, 0x16, 0x00, 0xfa, 0x04, 0xef, 0xff, 0xff, 0xfa,
};

/* Crafted: one 802.1Q tag with priority 5, DEI set, VLAN 4094, carrying IPv6. */
static const uint8_t one_tag[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x81, 0x00, 0xbf, 0xfe,
	0x86, 0xdd, 0x60, 0x00,
};

static void test_parse_qinq(void **state)
{
	(void)state;
	struct rn_eth e;
	struct rn_view pl;
	assert_int_equal(rn_eth_parse(rn_view_make(qinq_arp, sizeof qinq_arp), &e, &pl), 0);
	assert_true(rn_mac_is_broadcast(&e.dst));
	assert_false(rn_mac_is_broadcast(&e.src));
	assert_memory_equal(e.src.b, ((uint8_t[]){ 0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f }), 6);
	assert_int_equal(e.ntags, 2);
	assert_int_equal(e.tags[0].tpid, RN_ETHERTYPE_QINQ);
	assert_int_equal(e.tags[0].pcp, 0);
	assert_int_equal(e.tags[0].dei, 0);
	assert_int_equal(e.tags[0].vid, 200);
	assert_int_equal(e.tags[1].tpid, RN_ETHERTYPE_VLAN);
	assert_int_equal(e.tags[1].pcp, 0);
	assert_int_equal(e.tags[1].dei, 0);
	assert_int_equal(e.tags[1].vid, 2001);
	assert_int_equal(e.ethertype, RN_ETHERTYPE_ARP);
	assert_int_equal(rn_eth_header_len(&e), 22);
	assert_ptr_equal(pl.data, qinq_arp + 22);
	assert_int_equal(pl.len, sizeof qinq_arp - 22);
}

static void test_parse_untagged_and_pcp(void **state)
{
	(void)state;
	struct rn_eth e;
	struct rn_view pl;
	assert_int_equal(rn_eth_parse(rn_view_make(igmp_frame, sizeof igmp_frame), &e, &pl), 0);
	assert_memory_equal(e.dst.b, ((uint8_t[]){ 0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa }), 6);
	assert_memory_equal(e.src.b, ((uint8_t[]){ 0x00, 0x1c, 0x23, 0xaa, 0xbe, 0xad }), 6);
	assert_int_equal(e.ntags, 0);
	assert_int_equal(e.ethertype, RN_ETHERTYPE_IPV4);
	assert_int_equal(rn_eth_header_len(&e), 14);
	assert_ptr_equal(pl.data, igmp_frame + 14);
	assert_int_equal(pl.len, 32);

	assert_int_equal(rn_eth_parse(rn_view_make(one_tag, sizeof one_tag), &e, &pl), 0);
	assert_int_equal(e.ntags, 1);
	assert_int_equal(e.tags[0].tpid, 0x8100);
	assert_int_equal(e.tags[0].pcp, 5);
	assert_int_equal(e.tags[0].dei, 1);
	assert_int_equal(e.tags[0].vid, 4094);
	assert_int_equal(e.ethertype, RN_ETHERTYPE_IPV6);
	assert_int_equal(pl.len, 2);

	/* An 802.3 length in place of a type is passed through. */
	uint8_t llc[16] = { 0 };
	llc[12] = 0x00;
	llc[13] = 0x26;
	assert_int_equal(rn_eth_parse(rn_view_make(llc, sizeof llc), &e, &pl), 0);
	assert_int_equal(e.ethertype, 0x26);
	assert_int_equal(pl.len, 2);
}

static void test_three_tags_unsupported(void **state)
{
	(void)state;
	uint8_t b[30] = { 0 };
	memcpy(b, qinq_arp, 12);
	const uint8_t tags[] = { 0x88, 0xa8, 0, 1, 0x81, 0x00, 0, 2, 0x81, 0x00, 0, 3, 0x08, 0x00 };
	memcpy(b + 12, tags, sizeof tags);
	struct rn_eth e;
	struct rn_view pl;
	assert_int_equal(rn_eth_parse(rn_view_make(b, sizeof b), &e, &pl), -RN_EUNSUP);
	/* Cut inside the third tag: still unsupported, nothing read past the end. */
	uint8_t *p = exact_copy(b, 22);
	assert_int_equal(rn_eth_parse(rn_view_make(p, 22), &e, &pl), -RN_EUNSUP);
	free(p);
}

static void test_every_truncation(void **state)
{
	(void)state;
	const struct {
		const uint8_t *b;
		size_t len, hl;
	} v[] = {
		{ qinq_arp, sizeof qinq_arp, 22 },
		{ igmp_frame, sizeof igmp_frame, 14 },
		{ one_tag, sizeof one_tag, 18 },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		for (size_t n = 0; n <= v[i].len; n++) {
			uint8_t *p = exact_copy(v[i].b, n);
			struct rn_eth e;
			struct rn_view pl = { 0 };
			int rc = rn_eth_parse(rn_view_make(p, n), &e, &pl);
			if (n < v[i].hl) {
				assert_int_equal(rc, -RN_ETRUNC);
			} else {
				assert_int_equal(rc, 0);
				assert_ptr_equal(pl.data, p + v[i].hl);
				assert_int_equal(pl.len, n - v[i].hl);
			}
			free(p);
		}
}

static void test_emit(void **state)
{
	(void)state;
	/* parse -> emit gives the header bytes back. */
	const uint8_t *frames[] = { qinq_arp, igmp_frame, one_tag };
	const size_t lens[] = { sizeof qinq_arp, sizeof igmp_frame, sizeof one_tag };
	for (size_t i = 0; i < 3; i++) {
		struct rn_eth e;
		assert_int_equal(rn_eth_parse(rn_view_make(frames[i], lens[i]), &e, NULL), 0);
		uint8_t out[32];
		int hl = rn_eth_emit(&e, out, sizeof out);
		assert_int_equal(hl, (int)rn_eth_header_len(&e));
		assert_memory_equal(out, frames[i], (size_t)hl);
		for (size_t cap = 0; cap < (size_t)hl; cap++) {
			uint8_t *p = malloc(cap ? cap : 1);
			assert_int_equal(rn_eth_emit(&e, p, cap), -RN_ENOSPC);
			free(p);
		}
	}
	/* From a repr: a tag with tpid 0 gets 0x8100; fields are masked to size. */
	struct rn_eth e = {
		.dst = { { 0x02, 0, 0, 0, 0, 0x02 } }, .src = { { 0x02, 0, 0, 0, 0, 0x01 } },
		.ntags = 1, .tags = { { .pcp = 5, .dei = 1, .vid = 4094 } },
		.ethertype = RN_ETHERTYPE_IPV6,
	};
	uint8_t out[32];
	assert_int_equal(rn_eth_emit(&e, out, sizeof out), 18);
	assert_memory_equal(out, one_tag, 18);
	e.ntags = 3;
	assert_int_equal(rn_eth_emit(&e, out, sizeof out), -RN_EINVAL);

	/* parse(emit(x)) == x */
	struct rn_eth x = {
		.dst = { { 1, 2, 3, 4, 5, 6 } }, .src = { { 0xa, 0xb, 0xc, 0xd, 0xe, 0xf } },
		.ntags = 2,
		.tags = { { RN_ETHERTYPE_QINQ, 7, 1, 1 }, { RN_ETHERTYPE_VLAN, 3, 0, 0xabc } },
		.ethertype = 0x88cc,
	};
	assert_int_equal(rn_eth_emit(&x, out, sizeof out), 22);
	struct rn_eth y;
	struct rn_view pl;
	assert_int_equal(rn_eth_parse(rn_view_make(out, 22), &y, &pl), 0);
	assert_memory_equal(&x.dst, &y.dst, 6);
	assert_memory_equal(&x.src, &y.src, 6);
	assert_int_equal(y.ntags, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(x.tags[i].tpid, y.tags[i].tpid);
		assert_int_equal(x.tags[i].pcp, y.tags[i].pcp);
		assert_int_equal(x.tags[i].dei, y.tags[i].dei);
		assert_int_equal(x.tags[i].vid, y.tags[i].vid);
	}
	assert_int_equal(y.ethertype, 0x88cc);
	assert_int_equal(pl.len, 0);
}

static void test_mac_text(void **state)
{
	(void)state;
	struct rn_mac m;
	char s[18];
	assert_int_equal(rn_mac_parse("00:20:D2:5a:fb:3F", &m), 0);
	assert_memory_equal(m.b, ((uint8_t[]){ 0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f }), 6);
	assert_string_equal(rn_mac_format(&m, s), "00:20:d2:5a:fb:3f");
	assert_int_equal(rn_mac_parse("0-1-2-a-b-ff", &m), 0);
	assert_memory_equal(m.b, ((uint8_t[]){ 0, 1, 2, 0xa, 0xb, 0xff }), 6);
	assert_string_equal(rn_mac_format(&m, s), "00:01:02:0a:0b:ff");
	assert_int_equal(rn_mac_parse("ff:ff:ff:ff:ff:ff", &m), 0);
	assert_true(rn_mac_is_broadcast(&m));
	assert_string_equal(rn_mac_format(&m, s), "ff:ff:ff:ff:ff:ff");

	const char *bad[] = { "", "00:11:22:33:44", "00:11:22:33:44:55:66", "00:11:22:33:44:5g",
			      "001:11:22:33:44:55", "00:11-22:33:44:55", "00:11:22:33:44:55 ",
			      ":00:11:22:33:44:55", "00::11:22:33:44", "0011.2233.4455", NULL };
	struct rn_mac keep = { { 9, 9, 9, 9, 9, 9 } };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		m = keep;
		assert_int_equal(rn_mac_parse(bad[i], &m), -RN_EINVAL);
		assert_memory_equal(m.b, keep.b, 6); /* untouched on error */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_qinq),
		cmocka_unit_test(test_parse_untagged_and_pcp),
		cmocka_unit_test(test_three_tags_unsupported),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_emit),
		cmocka_unit_test(test_mac_text),
	};
	return cmocka_run_group_tests_name("ethernet", tests, NULL, NULL);
}
