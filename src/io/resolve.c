/* Next-hop MAC resolution: neighbour table, then ARP (RFC 826) or neighbour
 * solicitation (RFC 4861 §7.2.2) on an AF_PACKET socket with a deadline.
 * Multicast maps per RFC 1112 §6.4 and RFC 2464 §7. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rawnet/arp.h"
#include "rawnet/error.h"
#include "rawnet/icmp6.h"
#include "rawnet/ipv4.h"
#include "rawnet/ipv6.h"
#include "rawnet/resolve.h"

bool rn_resolve_mcast_mac(int family, const void *addr, struct rn_mac *mac)
{
	const uint8_t *a = addr;
	if (family == AF_INET) {
		if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255) {
			memset(mac->b, 0xff, RN_ETH_ALEN);
			return true;
		}
		if ((a[0] & 0xf0) == 0xe0) {
			const uint8_t m[RN_ETH_ALEN] = { 0x01, 0x00, 0x5e, (uint8_t)(a[1] & 0x7f), a[2], a[3] };
			memcpy(mac->b, m, RN_ETH_ALEN);
			return true;
		}
		return false;
	}
	if (family == AF_INET6 && a[0] == 0xff) {
		const uint8_t m[RN_ETH_ALEN] = { 0x33, 0x33, a[12], a[13], a[14], a[15] };
		memcpy(mac->b, m, RN_ETH_ALEN);
		return true;
	}
	return false;
}

int rn_resolve_request(int family, const struct rn_mac *smac, const void *src, const void *target,
		       uint8_t *buf, size_t cap)
{
	struct rn_eth eth = { .src = *smac };
	if (family == AF_INET) {
		struct rn_arp arp = { .htype = RN_ARP_HTYPE_ETHER, .ptype = RN_ETHERTYPE_IPV4,
				      .hlen = RN_ETH_ALEN, .plen = 4, .op = RN_ARP_REQUEST };
		memcpy(arp.sha, smac->b, RN_ETH_ALEN);
		memcpy(arp.spa, src, 4);
		memcpy(arp.tpa, target, 4);
		memset(eth.dst.b, 0xff, RN_ETH_ALEN);
		eth.ethertype = RN_ETHERTYPE_ARP;
		int h = rn_eth_emit(&eth, buf, cap);
		if (h < 0)
			return h;
		int a = rn_arp_emit(&arp, buf + h, cap - (size_t)h);
		return a < 0 ? a : h + a;
	}
	if (family != AF_INET6)
		return -RN_EINVAL;
	/* The solicited-node multicast address ff02::1:ffXX:XXXX of the target. */
	const uint8_t *t = target;
	struct rn_ipv6 ip6 = { .version = 6, .next_header = RN_IPPROTO_ICMPV6, .hop_limit = 255 };
	memcpy(ip6.src, src, 16);
	const uint8_t snm[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, t[13], t[14], t[15] };
	memcpy(ip6.dst, snm, 16);
	struct rn_icmp6 ns = { .type = RN_ICMP6_NEIGHBOR_SOLICIT };
	memcpy(ns.target, target, 16);
	rn_resolve_mcast_mac(AF_INET6, snm, &eth.dst);
	eth.ethertype = RN_ETHERTYPE_IPV6;

	size_t eh = rn_eth_header_len(&eth), nsl = rn_icmp6_header_len(RN_ICMP6_NEIGHBOR_SOLICIT);
	size_t total = eh + RN_IPV6_HLEN + nsl + 8;
	if (cap < total)
		return -RN_ENOSPC;
	/* Source link-layer address option (RFC 4861 §4.6.1): type 1, 8 bytes. */
	uint8_t *opt = buf + eh + RN_IPV6_HLEN + nsl;
	opt[0] = RN_ND_OPT_SOURCE_LLADDR;
	opt[1] = 1;
	memcpy(opt + 2, smac->b, RN_ETH_ALEN);
	struct rn_pseudo ph;
	rn_ipv6_pseudo(&ip6, &ph);
	int r = rn_icmp6_emit(&ns, &ph, buf + eh + RN_IPV6_HLEN, cap - eh - RN_IPV6_HLEN, 8);
	if (r < 0)
		return r;
	r = rn_ipv6_emit(&ip6, buf + eh, cap - eh, nsl + 8);
	if (r < 0)
		return r;
	r = rn_eth_emit(&eth, buf, cap);
	return r < 0 ? r : (int)total;
}

int rn_resolve_match(int family, const void *target, const uint8_t *frame, size_t len,
		     struct rn_mac *mac)
{
	struct rn_eth eth;
	struct rn_view payload;
	if (rn_eth_parse(rn_view_make(frame, len), &eth, &payload) < 0)
		return 0;
	if (family == AF_INET) {
		struct rn_arp arp;
		if (eth.ethertype != RN_ETHERTYPE_ARP || rn_arp_parse(payload, &arp) < 0)
			return 0;
		if (arp.op != RN_ARP_REPLY || arp.ptype != RN_ETHERTYPE_IPV4 || arp.plen != 4 ||
		    arp.hlen != RN_ETH_ALEN || memcmp(arp.spa, target, 4))
			return 0;
		memcpy(mac->b, arp.sha, RN_ETH_ALEN);
		return 1;
	}
	if (family != AF_INET6 || eth.ethertype != RN_ETHERTYPE_IPV6)
		return 0;
	struct rn_ipv6 ip6;
	struct rn_view l4;
	if (rn_ipv6_parse(payload, &ip6, &l4) < 0 || ip6.next_header != RN_IPPROTO_ICMPV6 ||
	    ip6.hop_limit != 255)
		return 0;
	struct rn_pseudo ph;
	rn_ipv6_pseudo(&ip6, &ph);
	struct rn_icmp6 na;
	if (rn_icmp6_parse(l4, &ph, &na) < 0 || na.type != RN_ICMP6_NEIGHBOR_ADVERT ||
	    na.checksum_status == RN_CSUM_BAD || memcmp(na.target, target, 16))
		return 0;
	*mac = eth.src;
	struct rn_view cur = na.data;
	struct rn_nd_opt opt;
	while (rn_nd_opt_next(&cur, &opt) == 1)
		if (opt.type == RN_ND_OPT_TARGET_LLADDR && opt.data.len >= RN_ETH_ALEN)
			rn_view_copy(opt.data, 0, mac->b, RN_ETH_ALEN);
	return 1;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Sends the request up to three times within timeout_ms and waits for the answer. */
static int solicit(const struct rn_iface *ifc, int family, const void *src, const void *addr,
		   int timeout_ms, struct rn_mac *mac)
{
	uint16_t proto = family == AF_INET ? ETH_P_ARP : ETH_P_IPV6;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));
	if (fd < 0)
		return -errno;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(proto),
				   .sll_ifindex = ifc->ifindex };
	int ret = -RN_ENOANSWER;
	if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
		ret = -errno;
		goto out;
	}
	uint8_t req[128], frame[2048];
	int rlen = rn_resolve_request(family, &ifc->mac, src, addr, req, sizeof req);
	if (rlen < 0) {
		ret = rlen;
		goto out;
	}
	double deadline = now_ms() + timeout_ms;
	double step = timeout_ms / 3.0;
	for (int attempt = 0; attempt < 3; attempt++) {
		if (send(fd, req, (size_t)rlen, 0) < 0) {
			ret = -errno;
			goto out;
		}
		double until = attempt == 2 ? deadline : now_ms() + step;
		for (;;) {
			double left = until - now_ms();
			if (left <= 0)
				break;
			struct pollfd pfd = { fd, POLLIN, 0 };
			int pr = poll(&pfd, 1, (int)left + 1);
			if (pr < 0 && errno != EINTR) {
				ret = -errno;
				goto out;
			}
			if (pr <= 0)
				continue;
			ssize_t n = recv(fd, frame, sizeof frame, MSG_DONTWAIT);
			if (n <= 0)
				continue;
			if (rn_resolve_match(family, addr, frame, (size_t)n, mac) == 1) {
				ret = 0;
				goto out;
			}
		}
	}
out:
	close(fd);
	return ret;
}

int rn_resolve_mac(const struct rn_iface *ifc, int family, const void *src, const void *addr,
		   bool is_broadcast, int timeout_ms, struct rn_mac *mac)
{
	if (family != AF_INET && family != AF_INET6)
		return -RN_EINVAL;
	if (!rn_iface_needs_neigh(ifc)) {
		memset(mac->b, 0, RN_ETH_ALEN);
		return 0;
	}
	if (is_broadcast) {
		memset(mac->b, 0xff, RN_ETH_ALEN);
		return 0;
	}
	if (rn_resolve_mcast_mac(family, addr, mac))
		return 0;
	int r = rn_neigh_get(family, addr, ifc->ifindex, mac);
	if (r != -RN_ENOTFOUND)
		return r;
	if (timeout_ms <= 0)
		return -RN_ENOTFOUND;
	return solicit(ifc, family, src, addr, timeout_ms, mac);
}
