/* The stack's neighbour cache and responder: ARP (RFC 826, with RFC 5227's
 * answer to probes) and IPv6 neighbour discovery (RFC 4861 §7.2.3-§7.2.5).
 * Pure: no sockets, no clock. */
#include <string.h>
#include <sys/socket.h>

#include "rawnet/arp.h"
#include "rawnet/error.h"
#include "rawnet/icmp6.h"
#include "rawnet/ipv4.h"
#include "rawnet/ipv6.h"
#include "rawnet/resolve.h"
#include "stack/arp_cache.h"

void rn_neigh_init(struct rn_neigh_cache *c, const struct rn_mac *mac, const uint8_t ip4[4],
		   const uint8_t ip6[16], bool respond)
{
	memset(c, 0, sizeof *c);
	c->mac = *mac;
	if (ip4) {
		c->has_ip4 = true;
		memcpy(c->ip4, ip4, 4);
	}
	if (ip6) {
		c->has_ip6 = true;
		memcpy(c->ip6, ip6, 16);
	}
	c->respond = respond;
	c->retrans_us = RN_NEIGH_RETRANS_US;
	c->max_solicit = RN_NEIGH_MAX_SOLICIT;
}

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static struct rn_neigh_entry *find(struct rn_neigh_cache *c, int family, const void *ip)
{
	for (size_t i = 0; i < RN_NEIGH_SLOTS; i++) {
		struct rn_neigh_entry *e = &c->e[i];
		if (e->state != RN_NEIGH_FREE && e->family == family &&
		    !memcmp(e->ip, ip, alen(family)))
			return e;
	}
	return NULL;
}

/* A free slot, else the oldest entry that is not being resolved. */
static struct rn_neigh_entry *slot(struct rn_neigh_cache *c)
{
	struct rn_neigh_entry *old = NULL;
	for (size_t i = 0; i < RN_NEIGH_SLOTS; i++) {
		struct rn_neigh_entry *e = &c->e[i];
		if (e->state == RN_NEIGH_FREE)
			return e;
		if (e->state != RN_NEIGH_INCOMPLETE && (!old || e->updated < old->updated))
			old = e;
	}
	return old ? old : &c->e[0];
}

int rn_neigh_lookup(const struct rn_neigh_cache *c, int family, const void *ip, struct rn_mac *mac)
{
	struct rn_neigh_entry *e = find((struct rn_neigh_cache *)c, family, ip);
	if (!e || e->state == RN_NEIGH_INCOMPLETE)
		return -RN_ENOTFOUND;
	if (e->state == RN_NEIGH_FAILED)
		return -RN_ENOANSWER;
	*mac = e->mac;
	return 0;
}

void rn_neigh_set(struct rn_neigh_cache *c, int family, const void *ip, const struct rn_mac *mac,
		  uint64_t now)
{
	struct rn_neigh_entry *e = find(c, family, ip);
	if (!e) {
		e = slot(c);
		memset(e, 0, sizeof *e);
		e->family = family;
		memcpy(e->ip, ip, alen(family));
	}
	e->state = RN_NEIGH_REACHABLE;
	e->mac = *mac;
	e->tries = 0;
	e->updated = now;
}

/* Updates an existing entry only (RFC 826's merge flag). */
static bool refresh(struct rn_neigh_cache *c, int family, const void *ip, const struct rn_mac *mac,
		    uint64_t now)
{
	if (!find(c, family, ip))
		return false;
	rn_neigh_set(c, family, ip, mac, now);
	return true;
}

void rn_neigh_forget(struct rn_neigh_cache *c, int family, const void *ip)
{
	struct rn_neigh_entry *e = find(c, family, ip);
	if (e)
		memset(e, 0, sizeof *e);
}

int rn_neigh_solicit(struct rn_neigh_cache *c, int family, const void *ip, uint64_t now,
		     uint8_t *buf, size_t cap)
{
	if ((family == AF_INET && !c->has_ip4) || (family == AF_INET6 && !c->has_ip6) ||
	    (family != AF_INET && family != AF_INET6))
		return -RN_EINVAL;
	struct rn_neigh_entry *e = find(c, family, ip);
	if (e && e->state == RN_NEIGH_REACHABLE)
		return 0;
	if (e && e->state == RN_NEIGH_FAILED)
		return -RN_ENOANSWER;
	if (!e) {
		e = slot(c);
		memset(e, 0, sizeof *e);
		e->family = family;
		memcpy(e->ip, ip, alen(family));
		e->state = RN_NEIGH_INCOMPLETE;
		e->updated = now;
		e->deadline = now;
	}
	if (now < e->deadline)
		return 0;
	if (e->tries >= c->max_solicit) {
		e->state = RN_NEIGH_FAILED;
		return -RN_ENOANSWER;
	}
	int n = rn_resolve_request(family, &c->mac, family == AF_INET ? c->ip4 : c->ip6, ip, buf,
				   cap);
	if (n < 0)
		return n;
	e->tries++;
	e->deadline = now + c->retrans_us;
	return n;
}

uint64_t rn_neigh_next_timer(const struct rn_neigh_cache *c)
{
	uint64_t t = UINT64_MAX;
	for (size_t i = 0; i < RN_NEIGH_SLOTS; i++)
		if (c->e[i].state == RN_NEIGH_INCOMPLETE && c->e[i].deadline < t)
			t = c->e[i].deadline;
	return t;
}

static int arp_input(struct rn_neigh_cache *c, const struct rn_eth *eth, struct rn_view payload,
		     uint64_t now, uint8_t *buf, size_t cap)
{
	struct rn_arp arp;
	int rc = rn_arp_parse(payload, &arp);
	if (rc < 0)
		return rc;
	if (arp.htype != RN_ARP_HTYPE_ETHER || arp.ptype != RN_ETHERTYPE_IPV4 ||
	    arp.hlen != RN_ETH_ALEN || arp.plen != 4)
		return -RN_EUNSUP;
	struct rn_mac sha;
	memcpy(sha.b, arp.sha, RN_ETH_ALEN);
	static const uint8_t zero[4];
	bool from_someone = memcmp(arp.spa, zero, 4) != 0 && !rn_mac_is_broadcast(&sha) &&
			    !(sha.b[0] & 1);
	bool for_us = c->has_ip4 && !memcmp(arp.tpa, c->ip4, 4);
	if (from_someone && !(c->has_ip4 && !memcmp(arp.spa, c->ip4, 4))) {
		if (!refresh(c, AF_INET, arp.spa, &sha, now) && for_us)
			rn_neigh_set(c, AF_INET, arp.spa, &sha, now);
	}
	if (arp.op != RN_ARP_REQUEST || !for_us || !c->respond)
		return 0;

	struct rn_arp reply = { .htype = RN_ARP_HTYPE_ETHER, .ptype = RN_ETHERTYPE_IPV4,
				.hlen = RN_ETH_ALEN, .plen = 4, .op = RN_ARP_REPLY };
	memcpy(reply.sha, c->mac.b, RN_ETH_ALEN);
	memcpy(reply.spa, c->ip4, 4);
	memcpy(reply.tha, arp.sha, RN_ETH_ALEN);
	memcpy(reply.tpa, arp.spa, 4);
	struct rn_eth out = { .dst = sha, .src = c->mac, .ethertype = RN_ETHERTYPE_ARP };
	out.ntags = eth->ntags; /* answer on the same VLAN */
	memcpy(out.tags, eth->tags, sizeof out.tags);
	int h = rn_eth_emit(&out, buf, cap);
	if (h < 0)
		return h;
	int a = rn_arp_emit(&reply, buf + h, cap - (size_t)h);
	if (a < 0)
		return a;
	c->replies++;
	return h + a;
}

/* The link-layer address option of type want, if any. */
static bool nd_lladdr(struct rn_view opts, uint8_t want, struct rn_mac *mac)
{
	struct rn_nd_opt opt;
	while (rn_nd_opt_next(&opts, &opt) == 1)
		if (opt.type == want && opt.data.len >= RN_ETH_ALEN) {
			rn_view_copy(opt.data, 0, mac->b, RN_ETH_ALEN);
			return true;
		}
	return false;
}

/* A neighbour advertisement answering a solicitation for our address. */
static int nd_advertise(struct rn_neigh_cache *c, const struct rn_eth *eth,
			const struct rn_ipv6 *ns_ip, const struct rn_mac *to, uint8_t *buf,
			size_t cap)
{
	static const uint8_t unspecified[16];
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	bool dad = !memcmp(ns_ip->src, unspecified, 16);
	struct rn_ipv6 ip6 = { .version = 6, .next_header = RN_IPPROTO_ICMPV6, .hop_limit = 255 };
	memcpy(ip6.src, c->ip6, 16);
	memcpy(ip6.dst, dad ? all_nodes : ns_ip->src, 16);
	struct rn_eth out = { .dst = *to, .src = c->mac, .ethertype = RN_ETHERTYPE_IPV6 };
	if (dad)
		rn_resolve_mcast_mac(AF_INET6, all_nodes, &out.dst);
	out.ntags = eth->ntags;
	memcpy(out.tags, eth->tags, sizeof out.tags);

	/* RFC 4861 §7.2.4: Solicited (unless answering DAD) and Override, and the
	 * target link-layer address option. */
	struct rn_icmp6 na = { .type = RN_ICMP6_NEIGHBOR_ADVERT };
	na.rest = (uint32_t)((dad ? 0 : RN_ND_NA_SOLICITED) | RN_ND_NA_OVERRIDE) << 24;
	memcpy(na.target, c->ip6, 16);
	size_t eh = rn_eth_header_len(&out), nal = rn_icmp6_header_len(RN_ICMP6_NEIGHBOR_ADVERT);
	size_t total = eh + RN_IPV6_HLEN + nal + 8;
	if (cap < total)
		return -RN_ENOSPC;
	uint8_t *opt = buf + eh + RN_IPV6_HLEN + nal;
	opt[0] = RN_ND_OPT_TARGET_LLADDR;
	opt[1] = 1;
	memcpy(opt + 2, c->mac.b, RN_ETH_ALEN);
	struct rn_pseudo ph;
	rn_ipv6_pseudo(&ip6, &ph);
	int rc = rn_icmp6_emit(&na, &ph, buf + eh + RN_IPV6_HLEN, cap - eh - RN_IPV6_HLEN, 8);
	if (rc < 0)
		return rc;
	rc = rn_ipv6_emit(&ip6, buf + eh, cap - eh, nal + 8);
	if (rc < 0)
		return rc;
	rc = rn_eth_emit(&out, buf, cap);
	if (rc < 0)
		return rc;
	c->replies++;
	return (int)total;
}

static int nd_input(struct rn_neigh_cache *c, const struct rn_eth *eth, struct rn_view payload,
		    uint64_t now, uint8_t *buf, size_t cap)
{
	struct rn_ipv6 ip6;
	struct rn_view l4;
	int rc = rn_ipv6_parse(payload, &ip6, &l4);
	if (rc < 0)
		return rc;
	if (ip6.next_header != RN_IPPROTO_ICMPV6)
		return -RN_EUNSUP;
	struct rn_pseudo ph;
	rn_ipv6_pseudo(&ip6, &ph);
	struct rn_icmp6 icmp;
	rc = rn_icmp6_parse(l4, &ph, &icmp);
	if (rc < 0)
		return rc;
	if (icmp.type != RN_ICMP6_NEIGHBOR_SOLICIT && icmp.type != RN_ICMP6_NEIGHBOR_ADVERT)
		return -RN_EUNSUP;
	/* RFC 4861 §7.1.1/§7.1.2: hop limit 255, code 0, a valid checksum */
	if (ip6.hop_limit != 255 || icmp.code != 0 || icmp.checksum_status != RN_CSUM_GOOD ||
	    icmp.target[0] == 0xff)
		return -RN_EINVAL;

	struct rn_mac ll;
	static const uint8_t unspecified[16];
	if (icmp.type == RN_ICMP6_NEIGHBOR_ADVERT) {
		if (!nd_lladdr(icmp.data, RN_ND_OPT_TARGET_LLADDR, &ll))
			ll = eth->src;
		/* answers our solicitation, or updates what we know */
		refresh(c, AF_INET6, icmp.target, &ll, now);
		return 0;
	}

	bool for_us = c->has_ip6 && !memcmp(icmp.target, c->ip6, 16);
	bool has_sll = nd_lladdr(icmp.data, RN_ND_OPT_SOURCE_LLADDR, &ll);
	bool dad = !memcmp(ip6.src, unspecified, 16);
	if (!has_sll)
		ll = eth->src;
	if (!dad && has_sll) {
		if (!refresh(c, AF_INET6, ip6.src, &ll, now) && for_us)
			rn_neigh_set(c, AF_INET6, ip6.src, &ll, now);
	}
	if (!for_us || !c->respond)
		return 0;
	return nd_advertise(c, eth, &ip6, &ll, buf, cap);
}

int rn_neigh_input(struct rn_neigh_cache *c, const uint8_t *frame, size_t len, uint64_t now,
		   uint8_t *buf, size_t cap)
{
	struct rn_eth eth;
	struct rn_view payload;
	int rc = rn_eth_parse(rn_view_make(frame, len), &eth, &payload);
	if (rc < 0)
		return rc;
	if (eth.ethertype == RN_ETHERTYPE_ARP)
		return arp_input(c, &eth, payload, now, buf, cap);
	if (eth.ethertype == RN_ETHERTYPE_IPV6)
		return nd_input(c, &eth, payload, now, buf, cap);
	return -RN_EUNSUP;
}
