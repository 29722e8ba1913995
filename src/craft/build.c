/* Packet building: defaults for the fields a spec leaves unset, then the wire
 * library's emitters run innermost first so that lengths and checksums
 * (RFC 1071 with the RFC 768/9293/8200 pseudo-headers) cover the finished
 * payload. Values the user set, even wrong ones, are written as given. */
#include <string.h>
#include <sys/socket.h>

#include "craft/craft_int.h"
#include "rawnet/craft.h"
#include "rawnet/error.h"

/* splitmix64: a small, good mixing function for the random defaults. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ull;
	return mix(r->s);
}

/* The type number a layer announces for the layer after it. */
static uint16_t ethertype_of(int next)
{
	switch (next) {
	case RN_CRAFT_VLAN: return RN_ETHERTYPE_VLAN;
	case RN_CRAFT_ARP: return RN_ETHERTYPE_ARP;
	case RN_CRAFT_IP: return RN_ETHERTYPE_IPV4;
	case RN_CRAFT_IP6: return RN_ETHERTYPE_IPV6;
	default: return 0x88b5; /* IEEE 802 local experimental */
	}
}

static uint8_t proto_of(int next, bool v6)
{
	switch (next) {
	case RN_CRAFT_ICMP: return RN_IPPROTO_ICMP;
	case RN_CRAFT_ICMP6: return RN_IPPROTO_ICMPV6;
	case RN_CRAFT_TCP: return RN_IPPROTO_TCP;
	case RN_CRAFT_UDP: return RN_IPPROTO_UDP;
	case RN_CRAFT_IP: return 4;
	case RN_CRAFT_IP6: return RN_IPPROTO_IPV6;
	case -1: return v6 ? RN_IPV6_NH_NONE : 253;
	default: return 253; /* RFC 3692 experimentation */
	}
}

static bool icmp_is_echo_like(uint8_t type)
{
	return type == 0 || type == 8 || type == 13 || type == 14 || type == 15 || type == 16 ||
	       type == 17 || type == 18;
}

static const struct rn_mac broadcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

/* Whether layer i is followed by a Neighbor Discovery message (RS, RA, NS,
 * NA, redirect): RFC 4861 has receivers drop those unless the hop limit is 255. */
static bool nd_next(const struct rn_craft_spec *s, unsigned i)
{
	if (i + 1 >= s->n || s->layer[i + 1].kind != RN_CRAFT_ICMP6 ||
	    !IS_SET(&s->layer[i + 1], FLD_ICMP6_TYPE))
		return false;
	uint8_t t = s->layer[i + 1].u.icmp6.type;
	return t >= 133 && t <= 137;
}

int rn_craft_fill(const struct rn_craft_spec *spec, const struct rn_craft_env *env, uint64_t index,
		  struct rn_craft_spec *out)
{
	if (spec->n > RN_CRAFT_MAX_LAYERS)
		return -RN_EINVAL;
	*out = *spec;
	struct rng rng = { mix(env->seed ^ mix(index)) };
	uint16_t run_id = (uint16_t)mix(env->seed + 0x1d);

	for (unsigned i = 0; i < out->n; i++) {
		struct rn_craft_layer *l = &out->layer[i];
		int next = i + 1 < out->n ? (int)out->layer[i + 1].kind : -1;
		switch (l->kind) {
		case RN_CRAFT_ETH: {
			struct rn_eth *e = &l->u.eth;
			if (!IS_SET(l, FLD_ETH_SRC))
				e->src = env->has_smac ? env->smac : (struct rn_mac){ { 0 } };
			if (!IS_SET(l, FLD_ETH_TYPE))
				e->ethertype = ethertype_of(next);
			if (!IS_SET(l, FLD_ETH_DST)) {
				int a = rn_craft_find(out, RN_CRAFT_ARP, i + 1);
				bool arp_next = a >= 0;
				for (unsigned j = i + 1; arp_next && j < (unsigned)a; j++)
					arp_next = out->layer[j].kind == RN_CRAFT_VLAN;
				if (arp_next) {
					const struct rn_craft_layer *al = &out->layer[a];
					bool request = !IS_SET(al, FLD_ARP_OP) || al->u.arp.op == RN_ARP_REQUEST;
					if (!request && IS_SET(al, FLD_ARP_HWDST))
						memcpy(e->dst.b, al->u.arp.tha, RN_ETH_ALEN);
					else
						e->dst = broadcast;
				} else {
					e->dst = env->has_dmac ? env->dmac : broadcast;
				}
			}
			break;
		}
		case RN_CRAFT_VLAN:
			if (!IS_SET(l, FLD_VLAN_ID))
				l->u.vlan.tag.vid = 1;
			if (!IS_SET(l, FLD_VLAN_TYPE))
				l->u.vlan.type = ethertype_of(next);
			break;
		case RN_CRAFT_ARP: {
			struct rn_arp *a = &l->u.arp;
			if (!IS_SET(l, FLD_ARP_OP))
				a->op = RN_ARP_REQUEST;
			if (!IS_SET(l, FLD_ARP_HWTYPE))
				a->htype = RN_ARP_HTYPE_ETHER;
			if (!IS_SET(l, FLD_ARP_PTYPE))
				a->ptype = RN_ETHERTYPE_IPV4;
			if (!IS_SET(l, FLD_ARP_HWLEN))
				a->hlen = RN_ETH_ALEN;
			if (!IS_SET(l, FLD_ARP_PLEN))
				a->plen = 4;
			if (!IS_SET(l, FLD_ARP_HWSRC) && env->has_smac)
				memcpy(a->sha, env->smac.b, RN_ETH_ALEN);
			if (!IS_SET(l, FLD_ARP_PSRC) && env->has_src4)
				memcpy(a->spa, env->src4, 4);
			break;
		}
		case RN_CRAFT_IP: {
			struct rn_ipv4 *ip = &l->u.ip;
			if (!IS_SET(l, FLD_IP_VERSION))
				ip->version = 4;
			if (!IS_SET(l, FLD_IP_SRC) && env->has_src4)
				memcpy(ip->src, env->src4, 4);
			if (!IS_SET(l, FLD_IP_TTL))
				ip->ttl = 64;
			if (!IS_SET(l, FLD_IP_ID))
				ip->id = (uint16_t)rng_next(&rng);
			if (!IS_SET(l, FLD_IP_PROTO))
				ip->proto = proto_of(next, false);
			break;
		}
		case RN_CRAFT_IP6: {
			struct rn_ipv6 *ip6 = &l->u.ip6;
			if (!IS_SET(l, FLD_IP6_VERSION))
				ip6->version = 6;
			if (!IS_SET(l, FLD_IP6_SRC) && env->has_src6)
				memcpy(ip6->src, env->src6, 16);
			if (!IS_SET(l, FLD_IP6_HLIM))
				ip6->hop_limit = nd_next(out, i) ? 255 : 64;
			if (!IS_SET(l, FLD_IP6_NH))
				ip6->next_header = proto_of(next, true);
			break;
		}
		case RN_CRAFT_ICMP: {
			struct rn_icmp *ic = &l->u.icmp;
			if (!IS_SET(l, FLD_ICMP_TYPE))
				ic->type = RN_ICMP_ECHO;
			bool echo = icmp_is_echo_like(ic->type);
			if (!IS_SET(l, FLD_ICMP_ID) && echo)
				ic->id = run_id;
			if (!IS_SET(l, FLD_ICMP_SEQ) && echo)
				ic->seq = (uint16_t)(index + 1);
			if (!IS_SET(l, FLD_ICMP_GW) && !IS_SET(l, FLD_ICMP_MTU) && !IS_SET(l, FLD_ICMP_PTR))
				ic->rest = (uint32_t)ic->id << 16 | ic->seq;
			break;
		}
		case RN_CRAFT_ICMP6: {
			struct rn_icmp6 *ic = &l->u.icmp6;
			if (!IS_SET(l, FLD_ICMP6_TYPE))
				ic->type = RN_ICMP6_ECHO_REQUEST;
			bool echo = ic->type == RN_ICMP6_ECHO_REQUEST || ic->type == RN_ICMP6_ECHO_REPLY;
			if (!IS_SET(l, FLD_ICMP6_ID) && echo)
				ic->id = run_id;
			if (!IS_SET(l, FLD_ICMP6_SEQ) && echo)
				ic->seq = (uint16_t)(index + 1);
			if (!IS_SET(l, FLD_ICMP6_MTU) && !IS_SET(l, FLD_ICMP6_PTR) && !IS_SET(l, FLD_ICMP6_FLAGS))
				ic->rest = (uint32_t)ic->id << 16 | ic->seq;
			break;
		}
		case RN_CRAFT_UDP:
			if (!IS_SET(l, FLD_UDP_SPORT))
				l->u.udp.sport = (uint16_t)(1024 + rng_next(&rng) % (65536 - 1024));
			if (!IS_SET(l, FLD_UDP_DPORT))
				l->u.udp.dport = 53;
			break;
		case RN_CRAFT_TCP: {
			struct rn_tcp *tc = &l->u.tcp.hdr;
			if (!IS_SET(l, FLD_TCP_SPORT))
				tc->sport = (uint16_t)(1024 + rng_next(&rng) % (65536 - 1024));
			if (!IS_SET(l, FLD_TCP_DPORT))
				tc->dport = 80;
			if (!IS_SET(l, FLD_TCP_SEQ))
				tc->seq = (uint32_t)rng_next(&rng);
			if (!IS_SET(l, FLD_TCP_FLAGS))
				tc->flags = RN_TCP_SYN;
			if (!IS_SET(l, FLD_TCP_WINDOW))
				tc->window = 64240;
			if (!l->u.tcp.raw_opts) {
				int n = rn_tcp_opts_encode(&l->u.tcp.opts, tc->opts);
				if (n < 0)
					return n;
				tc->opt_len = (uint8_t)n;
			}
			break;
		}
		case RN_CRAFT_RAW:
			break;
		}
	}
	return 0;
}

/* Bytes a layer adds in front of its payload. vlan tags count with eth. */
static size_t header_len(const struct rn_craft_spec *s, unsigned i)
{
	const struct rn_craft_layer *l = &s->layer[i];
	switch (l->kind) {
	case RN_CRAFT_ETH: {
		size_t n = RN_ETH_HLEN;
		for (unsigned j = i + 1; j < s->n && s->layer[j].kind == RN_CRAFT_VLAN; j++)
			n += 4;
		return n;
	}
	case RN_CRAFT_VLAN: return 0;
	case RN_CRAFT_ARP: return rn_arp_len(&l->u.arp);
	case RN_CRAFT_IP: return rn_ipv4_header_len(&l->u.ip);
	case RN_CRAFT_IP6: return RN_IPV6_HLEN;
	case RN_CRAFT_ICMP: return RN_ICMP_HLEN;
	case RN_CRAFT_ICMP6: return rn_icmp6_header_len(l->u.icmp6.type);
	case RN_CRAFT_UDP: return RN_UDP_HLEN;
	case RN_CRAFT_TCP: return rn_tcp_header_len(&l->u.tcp.hdr);
	case RN_CRAFT_RAW: return l->u.raw.len;
	}
	return 0;
}

/* The pseudo-header of the nearest ip/ip6 layer before layer i (zeros without one). */
static void pseudo_for(const struct rn_craft_spec *s, unsigned i, struct rn_pseudo *ph)
{
	memset(ph, 0, sizeof *ph);
	ph->family = AF_INET;
	while (i-- > 0) {
		if (s->layer[i].kind == RN_CRAFT_IP) {
			rn_ipv4_pseudo(&s->layer[i].u.ip, ph);
			return;
		}
		if (s->layer[i].kind == RN_CRAFT_IP6) {
			rn_ipv6_pseudo(&s->layer[i].u.ip6, ph);
			return;
		}
	}
}

static int emit_eth(const struct rn_craft_spec *s, unsigned i, uint8_t *buf, size_t cap)
{
	struct rn_eth e = s->layer[i].u.eth;
	e.ntags = 0;
	uint16_t tpid = e.ethertype;
	for (unsigned j = i + 1; j < s->n && s->layer[j].kind == RN_CRAFT_VLAN; j++) {
		if (e.ntags == RN_ETH_MAX_TAGS)
			return -RN_EINVAL;
		e.tags[e.ntags] = s->layer[j].u.vlan.tag;
		e.tags[e.ntags].tpid = tpid;
		tpid = s->layer[j].u.vlan.type;
		e.ntags++;
	}
	e.ethertype = tpid;
	return rn_eth_emit(&e, buf, cap);
}

int rn_craft_emit(const struct rn_craft_spec *s, uint8_t *buf, size_t cap,
		  struct rn_craft_built *built)
{
	struct rn_craft_built b;
	memset(&b, 0, sizeof b);
	b.ip = -1;
	size_t hl[RN_CRAFT_MAX_LAYERS];
	size_t total = 0;
	if (s->n > RN_CRAFT_MAX_LAYERS)
		return -RN_EINVAL;
	for (unsigned i = 0; i < s->n; i++) {
		const struct rn_craft_layer *l = &s->layer[i];
		if (l->kind == RN_CRAFT_VLAN &&
		    (i == 0 || (s->layer[i - 1].kind != RN_CRAFT_ETH && s->layer[i - 1].kind != RN_CRAFT_VLAN)))
			return -RN_EINVAL;
		hl[i] = header_len(s, i);
		b.off[i] = total;
		total += hl[i];
		if (total > cap)
			return -RN_ENOSPC;
		if (b.ip < 0 && (l->kind == RN_CRAFT_IP || l->kind == RN_CRAFT_IP6)) {
			b.ip = (int)i;
			if (l->kind == RN_CRAFT_IP) {
				b.family = AF_INET;
				b.proto = l->u.ip.proto;
				memcpy(b.dst, l->u.ip.dst, 4);
				memcpy(b.src, l->u.ip.src, 4);
			} else {
				b.family = AF_INET6;
				b.proto = l->u.ip6.next_header;
				memcpy(b.dst, l->u.ip6.dst, 16);
				memcpy(b.src, l->u.ip6.src, 16);
			}
		}
	}
	b.len = total;

	for (unsigned k = s->n; k-- > 0;) {
		const struct rn_craft_layer *l = &s->layer[k];
		uint8_t *p = buf + b.off[k];
		size_t room = cap - b.off[k];
		size_t plen = total - b.off[k] - hl[k];
		struct rn_pseudo ph;
		int r = 0;
		switch (l->kind) {
		case RN_CRAFT_ETH: r = emit_eth(s, k, p, room); break;
		case RN_CRAFT_VLAN: break;
		case RN_CRAFT_ARP: r = rn_arp_emit(&l->u.arp, p, room); break;
		case RN_CRAFT_IP: r = rn_ipv4_emit(&l->u.ip, p, room, plen); break;
		case RN_CRAFT_IP6: r = rn_ipv6_emit(&l->u.ip6, p, room, plen); break;
		case RN_CRAFT_ICMP: r = rn_icmp_emit(&l->u.icmp, p, room, plen); break;
		case RN_CRAFT_ICMP6:
			pseudo_for(s, k, &ph);
			r = rn_icmp6_emit(&l->u.icmp6, &ph, p, room, plen);
			break;
		case RN_CRAFT_UDP:
			pseudo_for(s, k, &ph);
			r = rn_udp_emit(&l->u.udp, &ph, p, room, plen);
			break;
		case RN_CRAFT_TCP:
			pseudo_for(s, k, &ph);
			r = rn_tcp_emit(&l->u.tcp.hdr, &ph, p, room, plen);
			break;
		case RN_CRAFT_RAW:
			if (l->u.raw.len)
				memcpy(p, l->u.raw.data, l->u.raw.len);
			break;
		}
		if (r < 0)
			return r;
	}
	if (built)
		*built = b;
	return (int)total;
}

int rn_craft_build(const struct rn_craft_spec *spec, const struct rn_craft_env *env, uint64_t index,
		   uint8_t *buf, size_t cap, struct rn_craft_built *built)
{
	struct rn_craft_spec filled;
	int r = rn_craft_fill(spec, env, index, &filled);
	if (r < 0)
		return r;
	return rn_craft_emit(&filled, buf, cap, built);
}
