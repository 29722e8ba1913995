/* Unit tests: ARP (RFC 826) — real request and reply, odd address sizes,
 * every truncation, lying lengths, emit and round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "wire_testutil.h"
#include <stdlib.h>
#include <string.h>

#include "rawnet/arp.h"

/* tcpdump's 802.1ad_QinQ.pcap, frames 1 and 2 after the tags: "who-has
 * 172.21.79.100 tell 172.21.79.97" and "172.21.79.100 is-at 00:80:ea:81:88:63",
 * with the Ethernet padding that followed. */
static const uint8_t request[] = {
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, 0xac, 0x15,
	0x4f, 0x61, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xac, 0x15, 0x4f, 0x64, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t reply[] = {
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x00, 0x80, 0xea, 0x81, 0x88, 0x63, 0xac, 0x15,
	0x4f, 0x64, 0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, 0xac, 0x15, 0x4f, 0x61,
};

/* Crafted: hardware size 8, protocol size 16 (an IPv6-sized address). */
static const uint8_t odd_sizes[8 + 2 * 24] = {
	0x00, 0x20, 0x86, 0xdd, 8, 16, 0x00, 0x02,
	1, 2, 3, 4, 5, 6, 7, 8,
	0xfd, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	9, 10, 11, 12, 13, 14, 15, 16,
	0xfd, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
};

static void test_parse_request_reply(void **state)
{
	(void)state;
	struct rn_arp a;
	assert_int_equal(rn_arp_parse(rn_view_make(request, sizeof request), &a), 0);
	assert_int_equal(a.htype, RN_ARP_HTYPE_ETHER);
	assert_int_equal(a.ptype, 0x0800);
	assert_int_equal(a.hlen, 6);
	assert_int_equal(a.plen, 4);
	assert_int_equal(a.op, RN_ARP_REQUEST);
	assert_memory_equal(a.sha, ((uint8_t[]){ 0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f }), 6);
	assert_memory_equal(a.spa, ((uint8_t[]){ 172, 21, 79, 97 }), 4);
	assert_memory_equal(a.tha, ((uint8_t[6]){ 0 }), 6);
	assert_memory_equal(a.tpa, ((uint8_t[]){ 172, 21, 79, 100 }), 4);
	assert_int_equal(rn_arp_len(&a), 28);

	assert_int_equal(rn_arp_parse(rn_view_make(reply, sizeof reply), &a), 0);
	assert_int_equal(a.op, RN_ARP_REPLY);
	assert_memory_equal(a.sha, ((uint8_t[]){ 0x00, 0x80, 0xea, 0x81, 0x88, 0x63 }), 6);
	assert_memory_equal(a.spa, ((uint8_t[]){ 172, 21, 79, 100 }), 4);
	assert_memory_equal(a.tha, ((uint8_t[]){ 0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f }), 6);
	assert_memory_equal(a.tpa, ((uint8_t[]){ 172, 21, 79, 97 }), 4);
	/* Bytes beyond the address sizes stay zero. */
	assert_int_equal(a.sha[6], 0);
	assert_int_equal(a.spa[4], 0);

	assert_int_equal(rn_arp_parse(rn_view_make(odd_sizes, sizeof odd_sizes), &a), 0);
	assert_int_equal(a.hlen, 8);
	assert_int_equal(a.plen, 16);
	assert_int_equal(a.ptype, 0x86dd);
	assert_memory_equal(a.sha, odd_sizes + 8, 8);
	assert_memory_equal(a.spa, odd_sizes + 16, 16);
	assert_memory_equal(a.tha, odd_sizes + 32, 8);
	assert_memory_equal(a.tpa, odd_sizes + 40, 16);
	assert_int_equal(rn_arp_len(&a), sizeof odd_sizes);
}

static void test_every_truncation(void **state)
{
	(void)state;
	const struct {
		const uint8_t *b;
		size_t len, need;
	} v[] = {
		{ request, sizeof request, 28 },
		{ reply, sizeof reply, 28 },
		{ odd_sizes, sizeof odd_sizes, sizeof odd_sizes },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		for (size_t n = 0; n <= v[i].len; n++) {
			uint8_t *p = exact_copy(v[i].b, n);
			struct rn_arp a;
			int rc = rn_arp_parse(rn_view_make(p, n), &a);
			assert_int_equal(rc, n < v[i].need ? -RN_ETRUNC : 0);
			free(p);
		}
}

static void test_lying_lengths(void **state)
{
	(void)state;
	/* tcpdump's arp-too-long-tha.pcap: hlen 14 (allowed), then cut short. */
	uint8_t b[8 + 2 * (17 + 17)] = { 0x30, 0x30, 0x08, 0x00, 0x0e, 0x04, 0x00, 0x01 };
	struct rn_arp a;
	uint8_t *p = exact_copy(b, 26);
	assert_int_equal(rn_arp_parse(rn_view_make(p, 26), &a), -RN_ETRUNC);
	free(p);
	assert_int_equal(rn_arp_parse(rn_view_make(b, 8 + 2 * 18), &a), 0);
	assert_int_equal(a.hlen, 14);

	b[4] = 17;
	assert_int_equal(rn_arp_parse(rn_view_make(b, sizeof b), &a), -RN_EBADLEN);
	b[4] = 6;
	b[5] = 17;
	assert_int_equal(rn_arp_parse(rn_view_make(b, sizeof b), &a), -RN_EBADLEN);
	b[4] = 255;
	b[5] = 255;
	p = exact_copy(b, 8);
	assert_int_equal(rn_arp_parse(rn_view_make(p, 8), &a), -RN_EBADLEN);
	free(p);
	b[4] = 16;
	b[5] = 16;
	assert_int_equal(rn_arp_parse(rn_view_make(b, 8 + 64), &a), 0);
	b[4] = 0;
	b[5] = 0;
	assert_int_equal(rn_arp_parse(rn_view_make(b, 8), &a), 0);
	assert_int_equal(rn_arp_len(&a), 8);
}

static void test_emit(void **state)
{
	(void)state;
	struct rn_arp a = {
		.htype = RN_ARP_HTYPE_ETHER, .ptype = 0x0800, .hlen = 6, .plen = 4, .op = RN_ARP_REPLY,
		.sha = { 0x00, 0x80, 0xea, 0x81, 0x88, 0x63 }, .spa = { 172, 21, 79, 100 },
		.tha = { 0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f }, .tpa = { 172, 21, 79, 97 },
	};
	uint8_t out[64];
	assert_int_equal(rn_arp_emit(&a, out, sizeof out), 28);
	assert_memory_equal(out, reply, sizeof reply);
	for (size_t cap = 0; cap < 28; cap++) {
		uint8_t *p = malloc(cap ? cap : 1);
		assert_int_equal(rn_arp_emit(&a, p, cap), -RN_ENOSPC);
		free(p);
	}
	a.hlen = 17;
	assert_int_equal(rn_arp_emit(&a, out, sizeof out), -RN_EINVAL);

	/* parse -> emit is the identity for every vector. */
	const uint8_t *v[] = { request, reply, odd_sizes };
	const size_t n[] = { 28, 28, sizeof odd_sizes };
	for (int i = 0; i < 3; i++) {
		struct rn_arp x, y;
		assert_int_equal(rn_arp_parse(rn_view_make(v[i], n[i]), &x), 0);
		assert_int_equal(rn_arp_emit(&x, out, sizeof out), (int)n[i]);
		assert_memory_equal(out, v[i], n[i]);
		/* parse(emit(x)) == x, field by field. */
		assert_int_equal(rn_arp_parse(rn_view_make(out, n[i]), &y), 0);
		assert_int_equal(x.htype, y.htype);
		assert_int_equal(x.ptype, y.ptype);
		assert_int_equal(x.hlen, y.hlen);
		assert_int_equal(x.plen, y.plen);
		assert_int_equal(x.op, y.op);
		assert_memory_equal(x.sha, y.sha, RN_ARP_MAX_ALEN);
		assert_memory_equal(x.spa, y.spa, RN_ARP_MAX_ALEN);
		assert_memory_equal(x.tha, y.tha, RN_ARP_MAX_ALEN);
		assert_memory_equal(x.tpa, y.tpa, RN_ARP_MAX_ALEN);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_request_reply),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_emit),
	};
	return cmocka_run_group_tests_name("arp", tests, NULL, NULL);
}
