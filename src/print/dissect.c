/* Dissection: one captured packet -> a stack of decoded layers (link, network,
 * transport, application), each marked ok / truncated / invalid. Headers are
 * decoded with the wire parsers (src/wire); nothing here formats text.
 * Link types as in the pcap LINKTYPE registry; Linux cooked headers as in
 * libpcap's sll.h. */
#include <string.h>
#include <sys/socket.h>

#include "rawnet/error.h"
#include "rawnet/print.h"

#define SLL_HLEN 16
#define SLL2_HLEN 20

/* A new layer over the bytes v (a sub-view of all: the packet). */
static struct rn_layer *push(struct rn_dissection *d, enum rn_proto proto, struct rn_view all,
			     struct rn_view v, uint32_t length)
{
	if (d->n >= RN_MAX_LAYERS)
		return NULL;
	struct rn_layer *l = &d->layer[d->n++];
	l->proto = proto;
	l->status = RN_LAYER_OK;
	l->err = 0;
	l->off = (uint32_t)(v.data - all.data);
	l->length = length;
	l->bytes = v;
	l->payload = rn_view_tail(v, v.len);
	return l;
}

static void set_err(struct rn_layer *l, int err)
{
	l->err = err;
	l->status = err == -RN_ETRUNC ? RN_LAYER_TRUNCATED : RN_LAYER_INVALID;
}

/* The BSD loopback family: host order of the capturing machine, so either. */
static uint32_t null_family(struct rn_view v, bool big_endian)
{
	uint32_t f = big_endian ? rn_view_be32(v, 0) : rn_view_le32(v, 0);
	if (!big_endian && (f & 0xffff0000u))
		f = rn_view_be32(v, 0);
	return f;
}

static bool family_is_inet6(uint32_t f)
{
	return f == 10 || f == 24 || f == 28 || f == 30;
}

struct ctx {
	struct rn_dissection *d;
	struct rn_view all;
	unsigned flags;
};

static void dissect_transport(struct ctx *c, struct rn_layer *net, uint8_t proto,
			      struct rn_view payload, uint32_t length, bool fragmented,
			      const struct rn_pseudo *ph);

static void dissect_data(struct ctx *c, struct rn_view v, uint32_t length)
{
	if (v.len == 0 && length == 0)
		return;
	push(c->d, RN_PROTO_DATA, c->all, v, length);
}

static bool dns_port(uint16_t p)
{
	return p == 53 || p == 5353;
}

static bool http_port(uint16_t p)
{
	return p == 80 || p == 8080;
}

static void dissect_dns(struct ctx *c, struct rn_view v, uint32_t length, bool tcp)
{
	size_t skip = tcp ? 2 : 0;
	struct rn_layer *l = push(c->d, RN_PROTO_DNS, c->all, rn_view_tail(v, skip),
				  length >= skip ? length - (uint32_t)skip : 0);
	if (!l)
		return;
	struct rn_view m = rn_view_tail(v, skip);
	struct rn_dns *dns = &l->u.dns;
	memset(dns, 0, sizeof(*dns));
	dns->over_tcp = tcp;
	l->payload = m;
	if (!rn_view_has(m, 0, 12)) {
		set_err(l, -RN_ETRUNC);
		return;
	}
	dns->id = rn_view_be16(m, 0);
	dns->flags = rn_view_be16(m, 2);
	dns->qdcount = rn_view_be16(m, 4);
	dns->ancount = rn_view_be16(m, 6);
	dns->nscount = rn_view_be16(m, 8);
	dns->arcount = rn_view_be16(m, 10);
}

/* An HTTP request line ("GET / HTTP/1.1") or status line ("HTTP/1.1 200 OK"). */
static void dissect_http(struct ctx *c, struct rn_view v, uint32_t length)
{
	static const char *const methods[] = {
		"GET", "PUT", "POST", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT",
		"PATCH", NULL,
	};
	size_t eol = 0;
	while (eol < v.len && v.data[eol] != '\n' && v.data[eol] != '\r')
		eol++;
	struct rn_view line = rn_view_head(v, eol);
	struct rn_http h;
	memset(&h, 0, sizeof(h));
	h.line = line;
	size_t sp1 = 0;
	while (sp1 < line.len && line.data[sp1] != ' ')
		sp1++;
	bool ok = false;
	if (line.len >= 5 && !memcmp(line.data, "HTTP/", 5)) {
		h.request = false;
		h.version = rn_view_head(line, sp1);
		if (sp1 + 4 <= line.len) {
			unsigned code = 0;
			ok = true;
			for (size_t i = sp1 + 1; i < sp1 + 4; i++) {
				if (line.data[i] < '0' || line.data[i] > '9')
					ok = false;
				code = code * 10 + (unsigned)(line.data[i] - '0');
			}
			h.status = (uint16_t)code;
		}
	} else {
		for (unsigned i = 0; methods[i]; i++)
			if (strlen(methods[i]) == sp1 && !memcmp(line.data, methods[i], sp1))
				ok = true;
		if (ok) {
			h.request = true;
			h.method = rn_view_head(line, sp1);
			struct rn_view rest = rn_view_tail(line, sp1 + 1);
			size_t sp2 = 0;
			while (sp2 < rest.len && rest.data[sp2] != ' ')
				sp2++;
			h.uri = rn_view_head(rest, sp2);
			h.version = rn_view_tail(rest, sp2 + 1);
		}
	}
	if (!ok) {
		dissect_data(c, v, length);
		return;
	}
	struct rn_layer *l = push(c->d, RN_PROTO_HTTP, c->all, v, length);
	if (!l)
		return;
	l->u.http = h;
	l->payload = v;
	if (eol == v.len && v.len < length)
		l->status = RN_LAYER_TRUNCATED;
}

static void dissect_ipv4(struct ctx *c, struct rn_view v, uint32_t length)
{
	struct rn_layer *l = push(c->d, RN_PROTO_IPV4, c->all, v, length);
	if (!l)
		return;
	struct rn_view payload;
	int r = rn_ipv4_parse(v, &l->u.ip4, &payload);
	if (r < 0) {
		set_err(l, r);
		return;
	}
	l->payload = payload;
	struct rn_ipv4 *ip = &l->u.ip4;
	size_t hlen = (size_t)ip->ihl * 4;
	if (ip->frag_off != 0) { /* no transport header in this fragment */
		dissect_data(c, payload, ip->tot_len > hlen ? ip->tot_len - (uint32_t)hlen : 0);
		return;
	}
	struct rn_pseudo ph;
	rn_ipv4_pseudo(ip, &ph);
	uint32_t plen = ip->tot_len > hlen ? ip->tot_len - (uint32_t)hlen : 0;
	dissect_transport(c, l, ip->proto, payload, plen, rn_ipv4_is_fragment(ip), &ph);
}

static void dissect_ipv6(struct ctx *c, struct rn_view v, uint32_t length)
{
	struct rn_layer *l = push(c->d, RN_PROTO_IPV6, c->all, v, length);
	if (!l)
		return;
	struct rn_view payload;
	int r = rn_ipv6_parse(v, &l->u.ip6.hdr, &payload);
	if (r < 0) {
		set_err(l, r);
		return;
	}
	l->payload = payload;
	struct rn_ipv6_chain *ch = &l->u.ip6.chain;
	r = rn_ipv6_walk(l->u.ip6.hdr.next_header, payload, ch);
	if (r < 0) {
		set_err(l, r);
		return;
	}
	uint32_t ext = (uint32_t)(ch->upper.data - payload.data);
	uint32_t plen = l->u.ip6.hdr.payload_len;
	plen = plen > ext ? plen - ext : 0;
	if (ch->fragment && !ch->first_fragment) {
		dissect_data(c, ch->upper, plen);
		return;
	}
	struct rn_pseudo ph;
	rn_ipv6_pseudo(&l->u.ip6.hdr, &ph);
	dissect_transport(c, l, ch->upper_proto, ch->upper, plen, ch->fragment, &ph);
}

static void dissect_transport(struct ctx *c, struct rn_layer *net, uint8_t proto,
			      struct rn_view v, uint32_t length, bool fragmented,
			      const struct rn_pseudo *ph)
{
	(void)net;
	/* Checksums only over whole, unfragmented payloads, and only when asked. */
	const struct rn_pseudo *cph =
		(c->flags & RN_DISSECT_CSUM) && !fragmented && v.len == length ? ph : NULL;
	struct rn_layer *l;
	struct rn_view payload;
	int r;
	switch (proto) {
	case RN_IPPROTO_TCP:
		l = push(c->d, RN_PROTO_TCP, c->all, v, length);
		if (!l)
			return;
		l->u.tcp.fragmented = fragmented;
		r = rn_tcp_parse(v, cph, &l->u.tcp.hdr, &payload);
		if (r < 0) {
			set_err(l, r);
			return;
		}
		l->payload = payload;
		if (payload.len == 0)
			return;
		{
			uint16_t sp = l->u.tcp.hdr.sport, dp = l->u.tcp.hdr.dport;
			uint32_t hl = (uint32_t)l->u.tcp.hdr.doff * 4;
			uint32_t dlen = length > hl ? length - hl : 0;
			if (l->u.tcp.hdr.flags & RN_TCP_RST)
				dissect_data(c, payload, dlen);
			else if (http_port(sp) || http_port(dp))
				dissect_http(c, payload, dlen);
			else if ((dns_port(sp) || dns_port(dp)) && dlen > 2)
				dissect_dns(c, payload, dlen, true);
			else
				dissect_data(c, payload, dlen);
		}
		return;
	case RN_IPPROTO_UDP:
		l = push(c->d, RN_PROTO_UDP, c->all, v, length);
		if (!l)
			return;
		l->u.udp.fragmented = fragmented;
		r = rn_udp_parse(v, cph, &l->u.udp.hdr, &payload);
		if (r < 0) {
			set_err(l, r);
			return;
		}
		l->payload = payload;
		{
			uint16_t sp = l->u.udp.hdr.sport, dp = l->u.udp.hdr.dport;
			uint32_t ulen = l->u.udp.hdr.len >= 8 ? l->u.udp.hdr.len - 8u : 0;
			if (length >= 8 && ulen > length - 8)
				ulen = length - 8; /* the IP length wins (tcpdump's rule) */
			if (dns_port(sp) || dns_port(dp))
				dissect_dns(c, payload, ulen, false);
			else
				dissect_data(c, payload, ulen);
		}
		return;
	case RN_IPPROTO_ICMP:
		l = push(c->d, RN_PROTO_ICMP, c->all, v, length);
		if (!l)
			return;
		r = rn_icmp_parse(v, &l->u.icmp);
		if (r < 0) {
			set_err(l, r);
			return;
		}
		l->payload = l->u.icmp.data;
		return;
	case RN_IPPROTO_ICMPV6:
		l = push(c->d, RN_PROTO_ICMP6, c->all, v, length);
		if (!l)
			return;
		r = rn_icmp6_parse(v, cph, &l->u.icmp6);
		if (r < 0) {
			set_err(l, r);
			return;
		}
		l->payload = l->u.icmp6.data;
		return;
	default:
		dissect_data(c, v, length);
		return;
	}
}

static void dissect_ethertype(struct ctx *c, uint16_t type, struct rn_view v, uint32_t length)
{
	struct rn_layer *l;
	switch (type) {
	case RN_ETHERTYPE_IPV4:
		dissect_ipv4(c, v, length);
		return;
	case RN_ETHERTYPE_IPV6:
		dissect_ipv6(c, v, length);
		return;
	case RN_ETHERTYPE_ARP:
		l = push(c->d, RN_PROTO_ARP, c->all, v, length);
		if (!l)
			return;
		{
			int r = rn_arp_parse(v, &l->u.arp);
			if (r < 0)
				set_err(l, r);
			else
				l->payload = rn_view_tail(v, rn_arp_len(&l->u.arp));
		}
		return;
	default:
		dissect_data(c, v, length);
		return;
	}
}

static void dissect_ip_by_version(struct ctx *c, struct rn_view v, uint32_t length)
{
	uint8_t ver = rn_view_u8(v, 0) >> 4;
	if (v.len == 0)
		push(c->d, RN_PROTO_IPV4, c->all, v, length)->status = RN_LAYER_TRUNCATED;
	else if (ver == 6)
		dissect_ipv6(c, v, length);
	else
		dissect_ipv4(c, v, length);
}

static uint32_t rest_len(const struct rn_pkt *pkt, size_t off)
{
	return pkt->len > off ? pkt->len - (uint32_t)off : 0;
}

unsigned rn_dissect(const struct rn_pkt *pkt, unsigned flags, struct rn_dissection *d)
{
	struct ctx c = { d, rn_view_make(pkt->data, pkt->caplen), flags };
	d->pkt = pkt;
	d->n = 0;
	struct rn_layer *l;
	struct rn_view v = c.all;
	int r;
	switch (pkt->linktype) {
	case RN_LINK_ETHERNET: {
		l = push(d, RN_PROTO_ETH, v, v, pkt->len);
		struct rn_view payload;
		r = rn_eth_parse(v, &l->u.eth, &payload);
		if (r < 0) {
			set_err(l, r);
			break;
		}
		l->payload = payload;
		size_t hl = rn_eth_header_len(&l->u.eth);
		if (l->u.eth.ethertype < 0x0600) { /* 802.3 length + LLC: not decoded */
			dissect_data(&c, payload, rest_len(pkt, hl));
			break;
		}
		dissect_ethertype(&c, l->u.eth.ethertype, payload, rest_len(pkt, hl));
		break;
	}
	case RN_LINK_NULL:
	case RN_LINK_LOOP: {
		l = push(d, RN_PROTO_NULL, v, v, pkt->len);
		if (!rn_view_has(v, 0, 4)) {
			set_err(l, -RN_ETRUNC);
			break;
		}
		uint32_t fam = null_family(v, pkt->linktype == RN_LINK_LOOP);
		l->u.null_family = fam;
		l->payload = rn_view_tail(v, 4);
		if (fam == 2)
			dissect_ipv4(&c, l->payload, rest_len(pkt, 4));
		else if (family_is_inet6(fam))
			dissect_ipv6(&c, l->payload, rest_len(pkt, 4));
		else
			dissect_data(&c, l->payload, rest_len(pkt, 4));
		break;
	}
	case RN_LINK_LINUX_SLL:
	case RN_LINK_LINUX_SLL2: {
		bool v2 = pkt->linktype == RN_LINK_LINUX_SLL2;
		size_t hl = v2 ? SLL2_HLEN : SLL_HLEN;
		l = push(d, v2 ? RN_PROTO_SLL2 : RN_PROTO_SLL, v, v, pkt->len);
		struct rn_sll *s = &l->u.sll;
		memset(s, 0, sizeof(*s));
		if (!rn_view_has(v, 0, hl)) {
			set_err(l, -RN_ETRUNC);
			break;
		}
		if (v2) {
			s->proto = rn_view_be16(v, 0);
			s->ifindex = rn_view_be32(v, 4);
			s->hatype = rn_view_be16(v, 8);
			s->pkttype = rn_view_u8(v, 10);
			s->halen = rn_view_u8(v, 11);
			memcpy(s->addr, v.data + 12, 8);
		} else {
			s->pkttype = rn_view_be16(v, 0);
			s->hatype = rn_view_be16(v, 2);
			s->halen = rn_view_be16(v, 4);
			memcpy(s->addr, v.data + 6, 8);
			s->proto = rn_view_be16(v, 14);
		}
		l->payload = rn_view_tail(v, hl);
		if (s->proto == 0x0004 || s->proto == 0x0001 || s->proto < 0x0600) {
			dissect_data(&c, l->payload, rest_len(pkt, hl));
			break;
		}
		dissect_ethertype(&c, s->proto, l->payload, rest_len(pkt, hl));
		break;
	}
	case RN_LINK_RAW:
		dissect_ip_by_version(&c, v, pkt->len);
		break;
	case RN_LINK_IPV4:
		if (v.len == 0)
			push(d, RN_PROTO_IPV4, v, v, pkt->len)->status = RN_LAYER_TRUNCATED;
		else
			dissect_ipv4(&c, v, pkt->len);
		break;
	case RN_LINK_IPV6:
		if (v.len == 0)
			push(d, RN_PROTO_IPV6, v, v, pkt->len)->status = RN_LAYER_TRUNCATED;
		else
			dissect_ipv6(&c, v, pkt->len);
		break;
	default:
		break;
	}
	return d->n;
}

const struct rn_layer *rn_dissect_find(const struct rn_dissection *d, enum rn_proto proto)
{
	for (unsigned i = 0; i < d->n; i++)
		if (d->layer[i].proto == proto)
			return &d->layer[i];
	return NULL;
}

const char *rn_proto_name(enum rn_proto proto)
{
	static const char *const names[] = {
		[RN_PROTO_NONE] = "none", [RN_PROTO_NULL] = "null", [RN_PROTO_SLL] = "sll",
		[RN_PROTO_SLL2] = "sll2", [RN_PROTO_ETH] = "eth",   [RN_PROTO_ARP] = "arp",
		[RN_PROTO_IPV4] = "ip",   [RN_PROTO_IPV6] = "ipv6", [RN_PROTO_ICMP] = "icmp",
		[RN_PROTO_ICMP6] = "icmpv6", [RN_PROTO_TCP] = "tcp", [RN_PROTO_UDP] = "udp",
		[RN_PROTO_DNS] = "dns",   [RN_PROTO_HTTP] = "http", [RN_PROTO_DATA] = "data",
	};
	if ((unsigned)proto < sizeof(names) / sizeof(names[0]) && names[proto])
		return names[proto];
	return "unknown";
}

int rn_dns_name(struct rn_view msg, size_t off, char *out, size_t cap, size_t *next)
{
	size_t n = 0, max_off = off;
	bool jumped = false;
	if (cap < 2)
		return -RN_ENOSPC;
	for (;;) {
		if (!rn_view_has(msg, off, 1))
			return -RN_ETRUNC;
		uint8_t len = msg.data[off];
		if ((len & 0xc0) == 0xc0) {
			if (!rn_view_has(msg, off, 2))
				return -RN_ETRUNC;
			size_t ptr = (size_t)(len & 0x3f) << 8 | msg.data[off + 1];
			if (!jumped && next)
				*next = off + 2;
			jumped = true;
			if (ptr >= max_off) /* pointers go backwards: no loops */
				return -RN_EBADLEN;
			max_off = ptr;
			off = ptr;
			continue;
		}
		if (len & 0xc0)
			return -RN_EBADLEN; /* EDNS0 extended label types are not decoded */
		off++;
		if (len == 0)
			break;
		if (!rn_view_has(msg, off, len))
			return -RN_ETRUNC;
		if (n + len + 2 > cap)
			return -RN_ENOSPC;
		memcpy(out + n, msg.data + off, len);
		n += len;
		out[n++] = '.';
		off += len;
	}
	if (!jumped && next)
		*next = off;
	if (n == 0)
		out[n++] = '.';
	out[n] = '\0';
	return (int)n;
}
