/* Unit tests: rtnetlink lookups against the loopback interface, and the
 * pure parts of neighbour resolution (multicast MACs, ARP/NS request frames
 * and the matching of their answers). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/craft.h"
#include "rawnet/error.h"
#include "rawnet/netinfo.h"
#include "rawnet/resolve.h"

static void test_loopback(void **state)
{
	(void)state;
	struct rn_iface lo, again;
	assert_int_equal(rn_iface_by_name("lo", &lo), 0);
	assert_string_equal(lo.name, "lo");
	assert_true(lo.ifindex > 0);
	assert_true(lo.flags & IFF_LOOPBACK);
	assert_false(rn_iface_needs_neigh(&lo));
	assert_int_equal(rn_iface_by_index(lo.ifindex, &again), 0);
	assert_string_equal(again.name, "lo");
	assert_int_equal(again.mtu, lo.mtu);
	assert_int_equal(rn_iface_by_name("rn-no-such0", &again), -RN_ENOTFOUND);
	assert_int_equal(rn_iface_by_name("", &again), -RN_ENOTFOUND);
	assert_int_equal(rn_iface_by_index(999999, &again), -RN_ENOTFOUND);
	if (!(lo.flags & IFF_UP)) {
		print_message("lo is down here: route checks skipped\n");
		return;
	}
	struct rn_ifaddr a[8];
	int n = rn_iface_addrs(lo.ifindex, AF_INET, a, 8);
	assert_true(n >= 1);
	assert_int_equal(a[0].family, AF_INET);
	assert_int_equal(a[0].addr[0], 127);
	assert_int_equal(a[0].ifindex, lo.ifindex);
	const uint8_t dst[4] = { 127, 0, 0, 1 };
	struct rn_route rt;
	assert_int_equal(rn_route_get(AF_INET, dst, 0, &rt), 0);
	assert_int_equal(rt.oif, lo.ifindex);
	assert_int_equal(rt.type, RTN_LOCAL);
	assert_true(rt.has_src);
	assert_memory_equal(rt.src, dst, 4);
	assert_false(rt.has_gateway);
	assert_memory_equal(rt.nexthop, dst, 4);
	/* Nothing in the neighbour table for loopback. */
	struct rn_mac mac;
	assert_int_equal(rn_neigh_get(AF_INET, dst, lo.ifindex, &mac), -RN_ENOTFOUND);
	/* Resolution on loopback needs no neighbour: zeros. */
	assert_int_equal(rn_resolve_mac(&lo, AF_INET, dst, dst, false, 0, &mac), 0);
	assert_int_equal(mac.b[0] | mac.b[5], 0);
	assert_int_equal(rn_route_get(AF_PACKET, dst, 0, &rt), -RN_EINVAL);
}

static void test_mcast_mac(void **state)
{
	(void)state;
	struct rn_mac m;
	const uint8_t v4[4] = { 224, 0x81, 2, 3 }, bc[4] = { 255, 255, 255, 255 },
		      uc[4] = { 10, 0, 0, 1 };
	assert_true(rn_resolve_mcast_mac(AF_INET, v4, &m));
	const uint8_t want4[6] = { 0x01, 0x00, 0x5e, 0x01, 2, 3 };
	assert_memory_equal(m.b, want4, 6);
	assert_true(rn_resolve_mcast_mac(AF_INET, bc, &m));
	assert_int_equal(m.b[0] & m.b[5], 0xff);
	assert_false(rn_resolve_mcast_mac(AF_INET, uc, &m));
	uint8_t v6[16] = { 0xff, 0x02 };
	v6[12] = 0xff; v6[13] = 1; v6[14] = 2; v6[15] = 3;
	assert_true(rn_resolve_mcast_mac(AF_INET6, v6, &m));
	const uint8_t want6[6] = { 0x33, 0x33, 0xff, 1, 2, 3 };
	assert_memory_equal(m.b, want6, 6);
	v6[0] = 0xfd;
	assert_false(rn_resolve_mcast_mac(AF_INET6, v6, &m));
}

static int build_frame(const char *spec, uint8_t *buf, size_t cap)
{
	struct rn_craft_spec s;
	struct rn_craft_error e;
	const char *w[1] = { spec };
	assert_int_equal(rn_craft_parse(w, 1, &s, &e), 0);
	struct rn_craft_env env = { .seed = 1 };
	int n = rn_craft_build(&s, &env, 0, buf, cap, NULL);
	rn_craft_free(&s);
	assert_true(n > 0);
	return n;
}

static void test_arp_request_reply(void **state)
{
	(void)state;
	const struct rn_mac me = { { 2, 0, 0, 0, 0, 1 } };
	const uint8_t src[4] = { 10, 77, 0, 1 }, target[4] = { 10, 77, 0, 2 };
	uint8_t req[128];
	int n = rn_resolve_request(AF_INET, &me, src, target, req, sizeof req);
	assert_int_equal(n, 42);
	static const uint8_t want[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 8, 6,
					  0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 77, 0, 1,
					  0, 0, 0, 0, 0, 0, 10, 77, 0, 2 };
	assert_memory_equal(req, want, 42);
	assert_int_equal(rn_resolve_request(AF_INET, &me, src, target, req, 20), -RN_ENOSPC);
	/* The request itself is no answer; an is-at from the target is. */
	struct rn_mac mac;
	assert_int_equal(rn_resolve_match(AF_INET, target, req, (size_t)n, &mac), 0);
	uint8_t rep[128];
	n = build_frame("eth src=02:00:00:00:00:02 dst=02:00:00:00:00:01 / arp op=is-at "
			"hwsrc=02:00:00:00:00:22 psrc=10.77.0.2 hwdst=02:00:00:00:00:01 pdst=10.77.0.1",
			rep, sizeof rep);
	assert_int_equal(rn_resolve_match(AF_INET, target, rep, (size_t)n, &mac), 1);
	assert_int_equal(mac.b[5], 0x22);
	const uint8_t other[4] = { 10, 77, 0, 3 };
	assert_int_equal(rn_resolve_match(AF_INET, other, rep, (size_t)n, &mac), 0);
	for (int k = 0; k < n; k++) /* every truncation is rejected */
		assert_int_equal(rn_resolve_match(AF_INET, target, rep, (size_t)k, &mac), 0);
}

static void test_ns_request_na(void **state)
{
	(void)state;
	const struct rn_mac me = { { 2, 0, 0, 0, 0, 1 } };
	uint8_t src[16] = { 0xfd, 0x77 }, target[16] = { 0xfd, 0x77 };
	src[15] = 1;
	target[12] = 0xab; target[13] = 0xcd; target[15] = 2;
	uint8_t req[128];
	int n = rn_resolve_request(AF_INET6, &me, src, target, req, sizeof req);
	assert_int_equal(n, 14 + 40 + 24 + 8);
	const uint8_t dmac[6] = { 0x33, 0x33, 0xff, 0xcd, 0, 2 };
	assert_memory_equal(req, dmac, 6);
	struct rn_eth eth;
	struct rn_view pay, l4;
	assert_int_equal(rn_eth_parse(rn_view_make(req, (size_t)n), &eth, &pay), 0);
	struct rn_ipv6 ip6;
	assert_int_equal(rn_ipv6_parse(pay, &ip6, &l4), 0);
	assert_int_equal(ip6.hop_limit, 255);
	assert_int_equal(ip6.dst[11], 1);
	assert_int_equal(ip6.dst[12], 0xff);
	assert_int_equal(ip6.dst[13], 0xcd);
	struct rn_pseudo ph;
	rn_ipv6_pseudo(&ip6, &ph);
	struct rn_icmp6 ns;
	assert_int_equal(rn_icmp6_parse(l4, &ph, &ns), 0);
	assert_int_equal(ns.type, RN_ICMP6_NEIGHBOR_SOLICIT);
	assert_int_equal(ns.checksum_status, RN_CSUM_GOOD);
	assert_memory_equal(ns.target, target, 16);
	struct rn_view cur = ns.data;
	struct rn_nd_opt opt;
	assert_int_equal(rn_nd_opt_next(&cur, &opt), 1);
	assert_int_equal(opt.type, RN_ND_OPT_SOURCE_LLADDR);
	assert_memory_equal(opt.data.data, me.b, 6);

	/* An NA with a target link-layer option; the option's MAC wins. */
	uint8_t na[256];
	n = build_frame("eth src=02:00:00:00:00:02 / ip6 src=fd77::abcd:2 dst=fd77::1 hlim=255 / "
			"icmp6 type=neighbor-advert target=fd77::abcd:2 flags=SO / raw hex=020102000000bbbb",
			na, sizeof na);
	struct rn_mac mac;
	assert_int_equal(rn_resolve_match(AF_INET6, target, na, (size_t)n, &mac), 1);
	assert_int_equal(mac.b[4], 0xbb);
	/* Without the option: the frame's source. */
	n = build_frame("eth src=02:00:00:00:00:02 / ip6 src=fd77::abcd:2 dst=fd77::1 hlim=255 / "
			"icmp6 type=neighbor-advert target=fd77::abcd:2 flags=SO",
			na, sizeof na);
	assert_int_equal(rn_resolve_match(AF_INET6, target, na, (size_t)n, &mac), 1);
	assert_int_equal(mac.b[5], 2);
	/* Hop limit below 255 (from off-link): ignored, as RFC 4861 §7.1.2 says. */
	n = build_frame("eth src=02:00:00:00:00:02 / ip6 src=fd77::abcd:2 dst=fd77::1 hlim=64 / "
			"icmp6 type=neighbor-advert target=fd77::abcd:2",
			na, sizeof na);
	assert_int_equal(rn_resolve_match(AF_INET6, target, na, (size_t)n, &mac), 0);
	/* A bad checksum: ignored. */
	n = build_frame("eth / ip6 src=fd77::abcd:2 dst=fd77::1 hlim=255 / "
			"icmp6 type=neighbor-advert target=fd77::abcd:2 chksum=1",
			na, sizeof na);
	assert_int_equal(rn_resolve_match(AF_INET6, target, na, (size_t)n, &mac), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_mcast_mac),
		cmocka_unit_test(test_arp_request_reply),
		cmocka_unit_test(test_ns_request_na),
	};
	return cmocka_run_group_tests_name("netinfo", tests, NULL, NULL);
}
