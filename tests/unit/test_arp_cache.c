/* Unit tests: the stack's neighbour cache and ARP / ND responder. Two caches
 * play both ends, and every frame written is parsed back with the wire
 * library (checksums verified). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/arp.h"
#include "rawnet/ethernet.h"
#include "rawnet/icmp6.h"
#include "rawnet/ipv6.h"
#include "rawnet/resolve.h"
#include "stack/arp_cache.h"

static const struct rn_mac MAC_US = { { 0x02, 0x77, 0, 0, 0, 3 } };
static const struct rn_mac MAC_PEER = { { 0x02, 0x77, 0, 0, 0, 1 } };
static const struct rn_mac MAC_OTHER = { { 0x02, 0x77, 0, 0, 0, 9 } };
static const uint8_t IP_US[4] = { 10, 77, 0, 3 }, IP_PEER[4] = { 10, 77, 0, 1 };
static const uint8_t IP_OTHER[4] = { 10, 77, 0, 9 };
static const uint8_t IP6_US[16] = { 0xfd, 0x77, [15] = 3 }, IP6_PEER[16] = { 0xfd, 0x77, [15] = 1 };

static struct rn_neigh_cache us, peer;
static uint8_t frame[RN_NEIGH_FRAME_MAX], reply[RN_NEIGH_FRAME_MAX];

static int setup(void **state)
{
	(void)state;
	rn_neigh_init(&us, &MAC_US, IP_US, IP6_US, true);
	rn_neigh_init(&peer, &MAC_PEER, IP_PEER, IP6_PEER, true);
	return 0;
}

/* Parses an ARP frame. */
static void parse_arp(const uint8_t *f, int len, struct rn_eth *eth, struct rn_arp *arp)
{
	struct rn_view payload;
	assert_true(len > 0);
	assert_int_equal(rn_eth_parse(rn_view_make(f, (size_t)len), eth, &payload), 0);
	assert_int_equal(eth->ethertype, RN_ETHERTYPE_ARP);
	assert_int_equal(rn_arp_parse(payload, arp), 0);
}

/* Parses an ND frame, checking the ICMPv6 checksum. */
static void parse_nd(const uint8_t *f, int len, struct rn_eth *eth, struct rn_ipv6 *ip6,
		     struct rn_icmp6 *icmp)
{
	struct rn_view payload, l4;
	assert_true(len > 0);
	assert_int_equal(rn_eth_parse(rn_view_make(f, (size_t)len), eth, &payload), 0);
	assert_int_equal(eth->ethertype, RN_ETHERTYPE_IPV6);
	assert_int_equal(rn_ipv6_parse(payload, ip6, &l4), 0);
	assert_int_equal(ip6->hop_limit, 255);
	struct rn_pseudo ph;
	rn_ipv6_pseudo(ip6, &ph);
	assert_int_equal(rn_icmp6_parse(l4, &ph, icmp), 0);
	assert_int_equal(icmp->checksum_status, RN_CSUM_GOOD);
}

static void test_arp_answer(void **state)
{
	(void)state;
	struct rn_mac m;
	/* the peer asks for us: we answer and learn the peer */
	int n = rn_resolve_request(AF_INET, &MAC_PEER, IP_PEER, IP_US, frame, sizeof frame);
	int r = rn_neigh_input(&us, frame, (size_t)n, 100, reply, sizeof reply);
	struct rn_eth eth;
	struct rn_arp arp;
	parse_arp(reply, r, &eth, &arp);
	assert_memory_equal(eth.dst.b, MAC_PEER.b, 6);
	assert_memory_equal(eth.src.b, MAC_US.b, 6);
	assert_int_equal(arp.op, RN_ARP_REPLY);
	assert_memory_equal(arp.sha, MAC_US.b, 6);
	assert_memory_equal(arp.spa, IP_US, 4);
	assert_memory_equal(arp.tha, MAC_PEER.b, 6);
	assert_memory_equal(arp.tpa, IP_PEER, 4);
	assert_int_equal(us.replies, 1);
	assert_int_equal(rn_neigh_lookup(&us, AF_INET, IP_PEER, &m), 0);
	assert_memory_equal(m.b, MAC_PEER.b, 6);

	/* a request for someone else: no answer, the unknown sender not learned */
	n = rn_resolve_request(AF_INET, &MAC_OTHER, IP_OTHER, IP_PEER, frame, sizeof frame);
	assert_int_equal(rn_neigh_input(&us, frame, (size_t)n, 200, reply, sizeof reply), 0);
	assert_int_equal(rn_neigh_lookup(&us, AF_INET, IP_OTHER, &m), -RN_ENOTFOUND);
	/* ... but a known sender is updated (merge) */
	n = rn_resolve_request(AF_INET, &MAC_OTHER, IP_PEER, IP_OTHER, frame, sizeof frame);
	assert_int_equal(rn_neigh_input(&us, frame, (size_t)n, 300, reply, sizeof reply), 0);
	assert_int_equal(rn_neigh_lookup(&us, AF_INET, IP_PEER, &m), 0);
	assert_memory_equal(m.b, MAC_OTHER.b, 6);

	/* an ARP probe (sender 0.0.0.0) for our address is answered, nothing learned */
	static const uint8_t zero[4];
	n = rn_resolve_request(AF_INET, &MAC_OTHER, zero, IP_US, frame, sizeof frame);
	r = rn_neigh_input(&us, frame, (size_t)n, 400, reply, sizeof reply);
	parse_arp(reply, r, &eth, &arp);
	assert_memory_equal(arp.tha, MAC_OTHER.b, 6);
	assert_int_equal(rn_neigh_lookup(&us, AF_INET, zero, &m), -RN_ENOTFOUND);

	/* respond = false: learn, never answer (the kernel owns the address) */
	us.respond = false;
	n = rn_resolve_request(AF_INET, &MAC_PEER, IP_PEER, IP_US, frame, sizeof frame);
	assert_int_equal(rn_neigh_input(&us, frame, (size_t)n, 500, reply, sizeof reply), 0);
	assert_int_equal(rn_neigh_lookup(&us, AF_INET, IP_PEER, &m), 0);
	assert_memory_equal(m.b, MAC_PEER.b, 6);

	/* not ARP or ND; short frames */
	uint8_t ip4frame[60] = { 0 };
	memcpy(ip4frame, MAC_US.b, 6);
	ip4frame[12] = 0x08;
	assert_int_equal(rn_neigh_input(&us, ip4frame, sizeof ip4frame, 0, reply, sizeof reply),
			 -RN_EUNSUP);
	assert_true(rn_neigh_input(&us, frame, 20, 0, reply, sizeof reply) < 0);
	assert_true(rn_neigh_input(&us, frame, 5, 0, reply, sizeof reply) < 0);
}

static void test_arp_resolve(void **state)
{
	(void)state;
	struct rn_mac m;
	assert_int_equal(rn_neigh_lookup(&us, AF_INET, IP_PEER, &m), -RN_ENOTFOUND);
	assert_int_equal(rn_neigh_next_timer(&us), UINT64_MAX);
	/* the first call sends at once, then one request per second */
	int n = rn_neigh_solicit(&us, AF_INET, IP_PEER, 1000, frame, sizeof frame);
	struct rn_eth eth;
	struct rn_arp arp;
	parse_arp(frame, n, &eth, &arp);
	assert_true(rn_mac_is_broadcast(&eth.dst));
	assert_int_equal(arp.op, RN_ARP_REQUEST);
	assert_memory_equal(arp.spa, IP_US, 4);
	assert_memory_equal(arp.tpa, IP_PEER, 4);
	assert_int_equal(rn_neigh_next_timer(&us), 1000 + RN_NEIGH_RETRANS_US);
	assert_int_equal(rn_neigh_solicit(&us, AF_INET, IP_PEER, 1001, frame, sizeof frame), 0);
	assert_int_equal(rn_neigh_lookup(&us, AF_INET, IP_PEER, &m), -RN_ENOTFOUND);
	assert_true(rn_neigh_solicit(&us, AF_INET, IP_PEER, 1000 + RN_NEIGH_RETRANS_US, frame,
				     sizeof frame) > 0);

	/* the peer answers it */
	n = rn_neigh_solicit(&us, AF_INET, IP_PEER, 1000 + 2 * RN_NEIGH_RETRANS_US, frame,
			     sizeof frame);
	int r = rn_neigh_input(&peer, frame, (size_t)n, 0, reply, sizeof reply);
	assert_true(r > 0);
	assert_int_equal(rn_neigh_input(&us, reply, (size_t)r, 5000000, frame, sizeof frame), 0);
	assert_int_equal(rn_neigh_lookup(&us, AF_INET, IP_PEER, &m), 0);
	assert_memory_equal(m.b, MAC_PEER.b, 6);
	assert_int_equal(rn_neigh_next_timer(&us), UINT64_MAX);
	assert_int_equal(rn_neigh_solicit(&us, AF_INET, IP_PEER, 6000000, frame, sizeof frame), 0);
	/* the peer learned us from our request */
	assert_int_equal(rn_neigh_lookup(&peer, AF_INET, IP_US, &m), 0);
	assert_memory_equal(m.b, MAC_US.b, 6);
}

static void test_arp_fail(void **state)
{
	(void)state;
	struct rn_mac m;
	uint64_t t = 10;
	for (int i = 0; i < RN_NEIGH_MAX_SOLICIT; i++) {
		assert_true(rn_neigh_solicit(&us, AF_INET, IP_OTHER, t, frame, sizeof frame) > 0);
		t += RN_NEIGH_RETRANS_US / 2;
		assert_int_equal(rn_neigh_solicit(&us, AF_INET, IP_OTHER, t, frame, sizeof frame), 0);
		t += RN_NEIGH_RETRANS_US / 2;
	}
	assert_int_equal(rn_neigh_solicit(&us, AF_INET, IP_OTHER, t, frame, sizeof frame),
			 -RN_ENOANSWER);
	assert_int_equal(rn_neigh_lookup(&us, AF_INET, IP_OTHER, &m), -RN_ENOANSWER);
	assert_int_equal(rn_neigh_solicit(&us, AF_INET, IP_OTHER, t + 1, frame, sizeof frame),
			 -RN_ENOANSWER);
	assert_int_equal(rn_neigh_next_timer(&us), UINT64_MAX);
	/* forgotten, it starts again */
	rn_neigh_forget(&us, AF_INET, IP_OTHER);
	assert_true(rn_neigh_solicit(&us, AF_INET, IP_OTHER, t + 2, frame, sizeof frame) > 0);
	/* no IPv4 address: nothing to ask from */
	struct rn_neigh_cache v6only;
	rn_neigh_init(&v6only, &MAC_US, NULL, IP6_US, true);
	assert_int_equal(rn_neigh_solicit(&v6only, AF_INET, IP_PEER, 0, frame, sizeof frame),
			 -RN_EINVAL);
}

static void test_nd(void **state)
{
	(void)state;
	struct rn_mac m;
	struct rn_eth eth;
	struct rn_ipv6 ip6;
	struct rn_icmp6 icmp;
	/* our solicitation goes to the solicited-node group of the target */
	int n = rn_neigh_solicit(&us, AF_INET6, IP6_PEER, 0, frame, sizeof frame);
	parse_nd(frame, n, &eth, &ip6, &icmp);
	assert_int_equal(icmp.type, RN_ICMP6_NEIGHBOR_SOLICIT);
	const uint8_t snm[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 1 };
	assert_memory_equal(ip6.dst, snm, 16);
	assert_memory_equal(ip6.src, IP6_US, 16);
	assert_memory_equal(icmp.target, IP6_PEER, 16);

	/* the peer answers: solicited, override, its link-layer address */
	int r = rn_neigh_input(&peer, frame, (size_t)n, 0, reply, sizeof reply);
	parse_nd(reply, r, &eth, &ip6, &icmp);
	assert_int_equal(icmp.type, RN_ICMP6_NEIGHBOR_ADVERT);
	assert_int_equal(icmp.rest >> 24, RN_ND_NA_SOLICITED | RN_ND_NA_OVERRIDE);
	assert_memory_equal(ip6.src, IP6_PEER, 16);
	assert_memory_equal(ip6.dst, IP6_US, 16);
	assert_memory_equal(eth.dst.b, MAC_US.b, 6);
	assert_memory_equal(icmp.target, IP6_PEER, 16);
	assert_int_equal(rn_neigh_lookup(&peer, AF_INET6, IP6_US, &m), 0);
	assert_memory_equal(m.b, MAC_US.b, 6);

	assert_int_equal(rn_neigh_input(&us, reply, (size_t)r, 10, frame, sizeof frame), 0);
	assert_int_equal(rn_neigh_lookup(&us, AF_INET6, IP6_PEER, &m), 0);
	assert_memory_equal(m.b, MAC_PEER.b, 6);

	/* duplicate address detection (source ::): the answer goes to all nodes */
	static const uint8_t unspec[16];
	n = rn_resolve_request(AF_INET6, &MAC_OTHER, unspec, IP6_US, frame, sizeof frame);
	r = rn_neigh_input(&us, frame, (size_t)n, 20, reply, sizeof reply);
	parse_nd(reply, r, &eth, &ip6, &icmp);
	const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	assert_memory_equal(ip6.dst, all_nodes, 16);
	assert_int_equal(icmp.rest >> 24, RN_ND_NA_OVERRIDE);
	const uint8_t mc[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	assert_memory_equal(eth.dst.b, mc, 6);

	/* a solicitation with hop limit 64 is not genuine ND (RFC 4861 §7.1.1) */
	n = rn_resolve_request(AF_INET6, &MAC_PEER, IP6_PEER, IP6_US, frame, sizeof frame);
	frame[14 + 7] = 64;
	assert_int_equal(rn_neigh_input(&us, frame, (size_t)n, 30, reply, sizeof reply),
			 -RN_EINVAL);
	/* a corrupt checksum */
	n = rn_resolve_request(AF_INET6, &MAC_PEER, IP6_PEER, IP6_US, frame, sizeof frame);
	frame[n - 1] ^= 1;
	assert_int_equal(rn_neigh_input(&us, frame, (size_t)n, 30, reply, sizeof reply),
			 -RN_EINVAL);
	/* for another target: no answer */
	n = rn_resolve_request(AF_INET6, &MAC_OTHER, IP6_PEER, IP6_PEER, frame, sizeof frame);
	assert_int_equal(rn_neigh_input(&us, frame, (size_t)n, 30, reply, sizeof reply), 0);
	/* too small a buffer for the answer */
	n = rn_resolve_request(AF_INET6, &MAC_PEER, IP6_PEER, IP6_US, frame, sizeof frame);
	assert_int_equal(rn_neigh_input(&us, frame, (size_t)n, 30, reply, 40), -RN_ENOSPC);
}

/* A full cache reuses the oldest resolved entry, never one being resolved. */
static void test_eviction(void **state)
{
	(void)state;
	struct rn_mac m = MAC_PEER;
	uint8_t ip[4] = { 10, 77, 1, 0 };
	assert_true(rn_neigh_solicit(&us, AF_INET, IP_OTHER, 0, frame, sizeof frame) > 0);
	for (int i = 0; i < RN_NEIGH_SLOTS + 4; i++) {
		ip[3] = (uint8_t)i;
		m.b[5] = (uint8_t)i;
		rn_neigh_set(&us, AF_INET, ip, &m, 100 + (uint64_t)i);
	}
	struct rn_mac got;
	ip[3] = 0;
	assert_int_equal(rn_neigh_lookup(&us, AF_INET, ip, &got), -RN_ENOTFOUND);
	ip[3] = RN_NEIGH_SLOTS + 3;
	assert_int_equal(rn_neigh_lookup(&us, AF_INET, ip, &got), 0);
	assert_int_equal(got.b[5], RN_NEIGH_SLOTS + 3);
	/* the pending resolution survived */
	assert_int_equal(rn_neigh_next_timer(&us), RN_NEIGH_RETRANS_US);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_arp_answer, setup),
		cmocka_unit_test_setup(test_arp_resolve, setup),
		cmocka_unit_test_setup(test_arp_fail, setup),
		cmocka_unit_test_setup(test_nd, setup),
		cmocka_unit_test_setup(test_eviction, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
