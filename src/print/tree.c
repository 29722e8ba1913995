/* -V: every field of every layer of a dissected packet as an indented tree,
 * laid out as tshark -V (Wireshark's protocol tree): a summary line per
 * layer, fields indented four spaces per level, bit fields drawn over their
 * header word ("0100 .... = Version: 4"). A layer that is cut short or whose
 * lengths lie ends with a [Malformed Packet] / [Packet size limited] note. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "print/internal.h"
#include "rawnet/error.h"
#include "rawnet/fields.h"
#include "rawnet/print.h"

struct tree {
	struct rn_strbuf *o;
	int base;               /* extra levels: a packet quoted inside another */
};

static void line(struct tree *t, int depth, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void line(struct tree *t, int depth, const char *fmt, ...)
{
	for (int i = 0; i < depth + t->base; i++)
		rn_sb_append(t->o, "    ", 4);
	va_list ap;
	va_start(ap, fmt);
	rn_sb_vprintf(t->o, fmt, ap);
	va_end(ap);
	rn_sb_putc(t->o, '\n');
}

/* A bit field: the width bits of the header word, '.' outside mask, the
 * value's bits inside, in groups of four; then " = " and the text. */
static void bits(struct tree *t, int depth, unsigned width, uint32_t mask, uint32_t value,
		 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void bits(struct tree *t, int depth, unsigned width, uint32_t mask, uint32_t value,
		 const char *fmt, ...)
{
	for (int i = 0; i < depth + t->base; i++)
		rn_sb_append(t->o, "    ", 4);
	for (unsigned i = 0; i < width; i++) {
		unsigned b = width - 1 - i;
		if (i && i % 4 == 0)
			rn_sb_putc(t->o, ' ');
		if (mask >> b & 1)
			rn_sb_putc(t->o, (value >> b & 1) ? '1' : '0');
		else
			rn_sb_putc(t->o, '.');
	}
	rn_sb_append(t->o, " = ", 3);
	va_list ap;
	va_start(ap, fmt);
	rn_sb_vprintf(t->o, fmt, ap);
	va_end(ap);
	rn_sb_putc(t->o, '\n');
}

static const char *set(uint32_t v)
{
	return v ? "Set" : "Not set";
}

/* Addresses into small static-free buffers. */
struct addr {
	char s[64];
};

static struct addr a4(const uint8_t *p)
{
	struct addr a;
	snprintf(a.s, sizeof(a.s), "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
	return a;
}

static struct addr a6(const uint8_t *p)
{
	struct addr a;
	struct rn_strbuf sb;
	rn_sb_init(&sb);
	rn_put_ip6(&sb, p);
	snprintf(a.s, sizeof(a.s), "%s", sb.buf ? sb.buf : "");
	rn_sb_free(&sb);
	return a;
}

static struct addr amac(const uint8_t *p)
{
	struct addr a;
	snprintf(a.s, sizeof(a.s), "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2], p[3], p[4],
		 p[5]);
	return a;
}

/* ---- names ---- */

static const char *ethertype_name(uint16_t t)
{
	switch (t) {
	case 0x0800: return "IPv4";
	case 0x0806: return "ARP";
	case 0x8035: return "RARP";
	case 0x8100: return "802.1Q Virtual LAN";
	case 0x88a8: return "802.1ad Provider Bridge (Q-in-Q)";
	case 0x86dd: return "IPv6";
	case 0x8847: return "MPLS label switched packet";
	case 0x8863: return "PPPoE Discovery";
	case 0x8864: return "PPPoE Session";
	case 0x888e: return "802.1X Authentication";
	case 0x88cc: return "802.1 Link Layer Discovery Protocol (LLDP)";
	default: return "Unknown";
	}
}

static const char *ipproto_name(uint8_t p)
{
	switch (p) {
	case 0: return "IPv6 Hop-by-Hop Option";
	case 1: return "ICMP";
	case 2: return "IGMP";
	case 4: return "IPIP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 41: return "IPv6";
	case 43: return "Routing Header for IPv6";
	case 44: return "Fragment Header for IPv6";
	case 47: return "Generic Routing Encapsulation";
	case 50: return "Encap Security Payload";
	case 51: return "Authentication Header";
	case 58: return "ICMPv6";
	case 59: return "IPv6 No Next Header";
	case 60: return "Destination Options for IPv6";
	case 132: return "SCTP";
	default: return "Unknown";
	}
}

static const char *icmp_type_name(uint8_t t)
{
	switch (t) {
	case 0: return "Echo (ping) reply";
	case 3: return "Destination unreachable";
	case 4: return "Source quench (flow control)";
	case 5: return "Redirect";
	case 8: return "Echo (ping) request";
	case 9: return "Router advertisement";
	case 10: return "Router solicitation";
	case 11: return "Time-to-live exceeded";
	case 12: return "Parameter problem";
	case 13: return "Timestamp request";
	case 14: return "Timestamp reply";
	case 15: return "Information request";
	case 16: return "Information reply";
	case 17: return "Address mask request";
	case 18: return "Address mask reply";
	default: return "Unknown";
	}
}

static const char *unreach_name(uint8_t c)
{
	static const char *const n[] = {
		"Network unreachable", "Host unreachable", "Protocol unreachable",
		"Port unreachable", "Fragmentation needed", "Source route failed",
		"Destination network unknown", "Destination host unknown",
		"Source host isolated", "Network administratively prohibited",
		"Host administratively prohibited", "Network unreachable for TOS",
		"Host unreachable for TOS", "Communication administratively filtered",
		"Host precedence violation", "Precedence cutoff in effect",
	};
	return c < sizeof(n) / sizeof(n[0]) ? n[c] : "Unknown";
}

static const char *icmp6_type_name(uint8_t t)
{
	switch (t) {
	case 1: return "Destination Unreachable";
	case 2: return "Packet Too Big";
	case 3: return "Time Exceeded";
	case 4: return "Parameter Problem";
	case 128: return "Echo (ping) request";
	case 129: return "Echo (ping) reply";
	case 130: return "Multicast Listener Query";
	case 131: return "Multicast Listener Report";
	case 132: return "Multicast Listener Done";
	case 133: return "Router Solicitation";
	case 134: return "Router Advertisement";
	case 135: return "Neighbor Solicitation";
	case 136: return "Neighbor Advertisement";
	case 137: return "Redirect";
	case 143: return "Multicast Listener Report Message v2";
	default: return "Unknown";
	}
}

static const char *nd_opt_name(uint8_t t)
{
	switch (t) {
	case 1: return "Source link-layer address";
	case 2: return "Target link-layer address";
	case 3: return "Prefix information";
	case 4: return "Redirected header";
	case 5: return "MTU";
	case 25: return "Recursive DNS Server";
	default: return "Unknown";
	}
}

static const char *arp_op_name(uint16_t op)
{
	switch (op) {
	case 1: return "request";
	case 2: return "reply";
	case 3: return "reverse request";
	case 4: return "reverse reply";
	case 5: return "drarp request";
	case 6: return "drarp reply";
	case 7: return "drarp error";
	case 8: return "inverse request";
	case 9: return "inverse reply";
	default: return "unknown";
	}
}

static const char *dns_type_name(uint16_t t)
{
	switch (t) {
	case 1: return "A";
	case 2: return "NS";
	case 5: return "CNAME";
	case 6: return "SOA";
	case 12: return "PTR";
	case 15: return "MX";
	case 16: return "TXT";
	case 28: return "AAAA";
	case 33: return "SRV";
	case 41: return "OPT";
	case 43: return "DS";
	case 46: return "RRSIG";
	case 47: return "NSEC";
	case 48: return "DNSKEY";
	case 64: return "SVCB";
	case 65: return "HTTPS";
	case 255: return "ANY";
	default: return NULL;
	}
}

static const char *dns_opcode_name(unsigned op)
{
	switch (op) {
	case 0: return "Standard query";
	case 1: return "Inverse query";
	case 2: return "Server status request";
	case 4: return "Zone change notification";
	case 5: return "Dynamic update";
	default: return "Unknown operation";
	}
}

static const char *dns_rcode_name(unsigned rc)
{
	static const char *const n[] = {
		"No error", "Format error", "Server failure", "No such name",
		"Not implemented", "Refused", "Name exists", "RRset exists",
		"RRset does not exist", "Not authoritative", "Name out of zone",
	};
	return rc < sizeof(n) / sizeof(n[0]) ? n[rc] : "Unknown error";
}

static const char *tcp_opt_name(uint8_t k)
{
	switch (k) {
	case 0: return "End of Option List (EOL)";
	case 1: return "No-Operation (NOP)";
	case 2: return "Maximum segment size";
	case 3: return "Window scale";
	case 4: return "SACK permitted";
	case 5: return "SACK";
	case 8: return "Timestamps";
	case 19: return "TCP MD5 signature";
	case 28: return "User Timeout";
	case 29: return "TCP Authentication Option";
	case 30: return "Multipath TCP";
	case 34: return "TCP Fast Open Cookie";
	default: return "Unknown";
	}
}

static const char *proto_title(enum rn_proto p)
{
	switch (p) {
	case RN_PROTO_NULL: return "Null/Loopback";
	case RN_PROTO_SLL: return "Linux cooked capture v1";
	case RN_PROTO_SLL2: return "Linux cooked capture v2";
	case RN_PROTO_ETH: return "Ethernet II";
	case RN_PROTO_ARP: return "Address Resolution Protocol";
	case RN_PROTO_IPV4: return "Internet Protocol Version 4";
	case RN_PROTO_IPV6: return "Internet Protocol Version 6";
	case RN_PROTO_ICMP: return "Internet Control Message Protocol";
	case RN_PROTO_ICMP6: return "Internet Control Message Protocol v6";
	case RN_PROTO_TCP: return "Transmission Control Protocol";
	case RN_PROTO_UDP: return "User Datagram Protocol";
	case RN_PROTO_DNS: return "Domain Name System";
	case RN_PROTO_HTTP: return "Hypertext Transfer Protocol";
	default: return "Data";
	}
}

static const char *short_name(enum rn_proto p)
{
	switch (p) {
	case RN_PROTO_IPV4: return "IPv4";
	case RN_PROTO_IPV6: return "IPv6";
	case RN_PROTO_ICMP6: return "ICMPv6";
	case RN_PROTO_SLL: case RN_PROTO_SLL2: return "SLL";
	case RN_PROTO_NULL: return "NULL";
	default: {
		static const char *const up[] = {
			[RN_PROTO_ETH] = "ETH", [RN_PROTO_ARP] = "ARP", [RN_PROTO_ICMP] = "ICMP",
			[RN_PROTO_TCP] = "TCP", [RN_PROTO_UDP] = "UDP", [RN_PROTO_DNS] = "DNS",
			[RN_PROTO_HTTP] = "HTTP", [RN_PROTO_DATA] = "Data",
		};
		return (unsigned)p < sizeof(up) / sizeof(up[0]) && up[p] ? up[p] : "?";
	}
	}
}

static const char *csum_text(enum rn_csum_status s, bool verifiable)
{
	if (!verifiable || s == RN_CSUM_UNCHECKED)
		return "unverified";
	return s == RN_CSUM_GOOD ? "correct" : "incorrect";
}

static const char *csum_status_text(enum rn_csum_status s, bool verifiable)
{
	if (!verifiable || s == RN_CSUM_UNCHECKED)
		return "Unverified";
	return s == RN_CSUM_GOOD ? "Good" : "Bad";
}

/* Bytes as hex, at most 32 of them then an ellipsis (Wireshark's way). */
static void put_hexbytes(struct rn_strbuf *o, struct rn_view v)
{
	static const char hx[] = "0123456789abcdef";
	size_t n = v.len > 32 ? 32 : v.len;
	for (size_t i = 0; i < n; i++) {
		char b[2] = { hx[v.data[i] >> 4], hx[v.data[i] & 15] };
		rn_sb_append(o, b, 2);
	}
	if (v.len > n)
		rn_sb_puts(o, "…");
}

/* ---- layers ---- */

static void malformed(struct tree *t, const struct rn_layer *l)
{
	if (l->status == RN_LAYER_TRUNCATED) {
		line(t, 1, "[Packet size limited during capture: %s truncated (%zu of %u bytes captured)]",
		     short_name(l->proto), l->bytes.len, l->length);
	} else if (l->status == RN_LAYER_INVALID) {
		line(t, 0, "[Malformed Packet: %s]", short_name(l->proto));
		line(t, 1, "[Expert Info (Error/Malformed): %s]", rn_strerror(l->err));
		line(t, 2, "[Severity level: Error]");
		line(t, 2, "[Group: Malformed]");
	}
}

static void mac_field(struct tree *t, const char *name, const uint8_t *m)
{
	struct addr a = amac(m);
	line(t, 1, "%s: %s", name, a.s);
	line(t, 2, "Address: %s", a.s);
	bits(t, 2, 24, 0x020000, (uint32_t)m[0] << 16,
	     "LG bit: %s", m[0] & 2 ? "Locally administered address (this is NOT the factory default)"
				    : "Globally unique address (factory default)");
	bits(t, 2, 24, 0x010000, (uint32_t)m[0] << 16,
	     "IG bit: %s", m[0] & 1 ? "Group address (multicast/broadcast)"
				    : "Individual address (unicast)");
}

static void tree_eth(struct tree *t, const struct rn_layer *l)
{
	const struct rn_eth *e = &l->u.eth;
	if (l->status != RN_LAYER_OK) {
		line(t, 0, "Ethernet II");
		return;
	}
	struct addr s = amac(e->src.b), d = amac(e->dst.b);
	line(t, 0, "Ethernet II, Src: %s, Dst: %s", s.s, d.s);
	mac_field(t, "Destination", e->dst.b);
	mac_field(t, "Source", e->src.b);
	uint16_t first = e->ntags ? e->tags[0].tpid : e->ethertype;
	if (first < 0x0600)
		line(t, 1, "Length: %u", first);
	else
		line(t, 1, "Type: %s (0x%04x)", ethertype_name(first), first);
	for (unsigned i = 0; i < e->ntags; i++) {
		const struct rn_vlan_tag *g = &e->tags[i];
		uint16_t tci = (uint16_t)(g->pcp << 13 | g->dei << 12 | g->vid);
		uint16_t next = i + 1 < e->ntags ? e->tags[i + 1].tpid : e->ethertype;
		static const char *const pri[] = {
			"Best Effort (default)", "Background", "Spare", "Excellent Effort",
			"Controlled Load", "Video, < 100ms latency and jitter",
			"Voice, < 10ms latency and jitter", "Network Control",
		};
		line(t, 0, "%s, PRI: %u, DEI: %u, ID: %u",
		     g->tpid == 0x88a8 ? "IEEE 802.1ad" : "802.1Q Virtual LAN", g->pcp, g->dei,
		     g->vid);
		bits(t, 1, 16, 0xe000, tci, "Priority: %s (%u)", pri[g->pcp & 7], g->pcp);
		bits(t, 1, 16, 0x1000, tci, "DEI: %s", g->dei ? "Eligible" : "Ineligible");
		bits(t, 1, 16, 0x0fff, tci, "ID: %u", g->vid);
		if (next < 0x0600)
			line(t, 1, "Length: %u", next);
		else
			line(t, 1, "Type: %s (0x%04x)", ethertype_name(next), next);
	}
}

static void tree_sll(struct tree *t, const struct rn_layer *l)
{
	const struct rn_sll *s = &l->u.sll;
	line(t, 0, "%s", proto_title(l->proto));
	if (l->status != RN_LAYER_OK)
		return;
	if (l->proto == RN_PROTO_SLL2) {
		line(t, 1, "Protocol: %s (0x%04x)", ethertype_name(s->proto), s->proto);
		line(t, 1, "Interface index: %u", s->ifindex);
	}
	static const char *const pt[] = {
		"Unicast to us", "Broadcast", "Multicast", "Unicast to another host", "Sent by us",
	};
	line(t, 1, "Packet type: %s (%u)", s->pkttype < 5 ? pt[s->pkttype] : "Unknown",
	     s->pkttype);
	line(t, 1, "Link-layer address type: %u", s->hatype);
	line(t, 1, "Link-layer address length: %u", s->halen);
	if (s->halen == 6) {
		struct addr a = amac(s->addr);
		line(t, 1, "Source: %s", a.s);
	} else {
		struct rn_strbuf sb;
		rn_sb_init(&sb);
		rn_put_linkaddr(&sb, s->addr, s->halen < 8 ? s->halen : 8);
		line(t, 1, "Source: %s", sb.buf ? sb.buf : "");
		rn_sb_free(&sb);
	}
	if (l->proto == RN_PROTO_SLL)
		line(t, 1, "Protocol: %s (0x%04x)", ethertype_name(s->proto), s->proto);
}

static void tree_arp(struct tree *t, const struct rn_layer *l)
{
	const struct rn_arp *a = &l->u.arp;
	if (l->status != RN_LAYER_OK) {
		line(t, 0, "%s", proto_title(l->proto));
		return;
	}
	line(t, 0, "Address Resolution Protocol (%s)", arp_op_name(a->op));
	line(t, 1, "Hardware type: %s (%u)", a->htype == 1 ? "Ethernet" : "Unknown", a->htype);
	line(t, 1, "Protocol type: %s (0x%04x)", ethertype_name(a->ptype), a->ptype);
	line(t, 1, "Hardware size: %u", a->hlen);
	line(t, 1, "Protocol size: %u", a->plen);
	line(t, 1, "Opcode: %s (%u)", arp_op_name(a->op), a->op);
	const uint8_t *hw[2] = { a->sha, a->tha }, *pr[2] = { a->spa, a->tpa };
	const char *who[2] = { "Sender", "Target" };
	for (int i = 0; i < 2; i++) {
		struct rn_strbuf sb;
		rn_sb_init(&sb);
		rn_put_linkaddr(&sb, hw[i], a->hlen < RN_ARP_MAX_ALEN ? a->hlen : RN_ARP_MAX_ALEN);
		line(t, 1, "%s %s address: %s", who[i], a->hlen == 6 ? "MAC" : "hardware",
		     sb.buf ? sb.buf : "");
		rn_sb_reset(&sb);
		if (a->plen == 4 && a->ptype == 0x0800) {
			struct addr x = a4(pr[i]);
			line(t, 1, "%s IP address: %s", who[i], x.s);
		} else {
			rn_put_linkaddr(&sb, pr[i], a->plen < RN_ARP_MAX_ALEN ? a->plen : RN_ARP_MAX_ALEN);
			line(t, 1, "%s protocol address: %s", who[i], sb.buf ? sb.buf : "");
		}
		rn_sb_free(&sb);
	}
}

static const char *dscp_name(unsigned dscp)
{
	switch (dscp) {
	case 0: return "CS0";
	case 8: return "CS1";
	case 16: return "CS2";
	case 24: return "CS3";
	case 32: return "CS4";
	case 40: return "CS5";
	case 46: return "EF PHB";
	case 48: return "CS6";
	case 56: return "CS7";
	default: return "Unknown";
	}
}

static const char *ecn_name(unsigned ecn)
{
	static const char *const n[] = { "Not-ECT", "ECT(1)", "ECT(0)", "CE" };
	return n[ecn & 3];
}

static void tree_ipv4(struct tree *t, const struct rn_layer *l)
{
	const struct rn_ipv4 *ip = &l->u.ip4;
	if (l->status != RN_LAYER_OK) {
		line(t, 0, "%s", proto_title(l->proto));
		if (rn_view_has(l->bytes, 0, 1)) {
			uint8_t b = l->bytes.data[0];
			bits(t, 1, 8, 0xf0, b, "Version: %u", b >> 4);
			bits(t, 1, 8, 0x0f, b, "Header Length: %u bytes (%u)", (b & 15) * 4, b & 15);
		}
		return;
	}
	struct addr s = a4(ip->src), d = a4(ip->dst);
	line(t, 0, "Internet Protocol Version 4, Src: %s, Dst: %s", s.s, d.s);
	uint8_t b0 = (uint8_t)(ip->version << 4 | ip->ihl);
	bits(t, 1, 8, 0xf0, b0, "Version: %u", ip->version);
	bits(t, 1, 8, 0x0f, b0, "Header Length: %u bytes (%u)", ip->ihl * 4u, ip->ihl);
	line(t, 1, "Differentiated Services Field: 0x%02x (DSCP: %s, ECN: %s)", ip->tos,
	     dscp_name(ip->tos >> 2), ecn_name(ip->tos));
	bits(t, 2, 8, 0xfc, ip->tos, "Differentiated Services Codepoint: %s (%u)",
	     ip->tos >> 2 ? dscp_name(ip->tos >> 2) : "Default", ip->tos >> 2);
	static const char *const ecn_long[] = {
		"Not ECN-Capable Transport", "ECN-Capable Transport codepoint '01'",
		"ECN-Capable Transport codepoint '10'", "Congestion Experienced",
	};
	bits(t, 2, 8, 0x03, ip->tos, "Explicit Congestion Notification: %s (%u)",
	     ecn_long[ip->tos & 3], ip->tos & 3);
	line(t, 1, "Total Length: %u", ip->tot_len);
	line(t, 1, "Identification: 0x%04x (%u)", ip->id, ip->id);
	uint8_t fl = (uint8_t)(ip->flag_rsv << 7 | ip->flag_df << 6 | ip->flag_mf << 5);
	bits(t, 1, 8, 0xe0, fl, "Flags: 0x%x%s%s%s", fl >> 5, ip->flag_rsv ? ", Reserved" : "",
	     ip->flag_df ? ", Don't fragment" : "", ip->flag_mf ? ", More fragments" : "");
	bits(t, 2, 8, 0x80, fl, "Reserved bit: %s", set(ip->flag_rsv));
	bits(t, 2, 8, 0x40, fl, "Don't fragment: %s", set(ip->flag_df));
	bits(t, 2, 8, 0x20, fl, "More fragments: %s", set(ip->flag_mf));
	bits(t, 1, 16, 0x1fff, ip->frag_off, "Fragment Offset: %u (%u bytes)", ip->frag_off,
	     ip->frag_off * 8u);
	line(t, 1, "Time to Live: %u", ip->ttl);
	line(t, 1, "Protocol: %s (%u)", ipproto_name(ip->proto), ip->proto);
	line(t, 1, "Header Checksum: 0x%04x [%s]", ip->checksum,
	     csum_text(ip->checksum_status, true));
	line(t, 1, "[Header checksum status: %s]", csum_status_text(ip->checksum_status, true));
	line(t, 1, "Source Address: %s", s.s);
	line(t, 1, "Destination Address: %s", d.s);
	if (ip->opt_len) {
		line(t, 1, "Options: (%u bytes)", ip->opt_len);
		struct rn_view cur = rn_view_make(ip->opts, ip->opt_len);
		struct rn_ipv4_opt o;
		int r;
		while ((r = rn_ipv4_opt_next(&cur, &o)) == 1) {
			line(t, 2, "IP Option - type %u, %u bytes", o.type, o.len);
			line(t, 3, "Type: %u", o.type);
			if (o.len > 1)
				line(t, 3, "Length: %u", o.len);
		}
		if (r < 0)
			line(t, 2, "[Malformed IP option list: %s]", rn_strerror(r));
	}
	if (ip->payload_truncated)
		line(t, 1, "[Captured %zu of %u payload bytes]", l->payload.len,
		     ip->tot_len > ip->ihl * 4u ? ip->tot_len - ip->ihl * 4u : 0);
}

static void tree_ipv6(struct tree *t, const struct rn_layer *l)
{
	const struct rn_ipv6 *ip = &l->u.ip6.hdr;
	if (!rn_view_has(l->bytes, 0, RN_IPV6_HLEN)) {
		line(t, 0, "%s", proto_title(l->proto));
		return;
	}
	struct addr s = a6(ip->src), d = a6(ip->dst);
	line(t, 0, "Internet Protocol Version 6, Src: %s, Dst: %s", s.s, d.s);
	uint32_t w0 = rn_view_be32(l->bytes, 0);
	bits(t, 1, 32, 0xf0000000u, w0, "Version: %u", w0 >> 28);
	bits(t, 1, 32, 0x0ff00000u, w0, "Traffic Class: 0x%02x (DSCP: %s, ECN: %s)",
	     w0 >> 20 & 0xff, dscp_name(w0 >> 22 & 0x3f), ecn_name(w0 >> 20));
	bits(t, 1, 32, 0x000fffffu, w0, "Flow Label: 0x%05x", w0 & 0xfffff);
	line(t, 1, "Payload Length: %u", ip->payload_len);
	line(t, 1, "Next Header: %s (%u)", ipproto_name(ip->next_header), ip->next_header);
	line(t, 1, "Hop Limit: %u", ip->hop_limit);
	line(t, 1, "Source Address: %s", s.s);
	line(t, 1, "Destination Address: %s", d.s);
	if (l->status != RN_LAYER_OK)
		return;
	const struct rn_ipv6_chain *ch = &l->u.ip6.chain;
	for (unsigned i = 0; i < ch->n; i++) {
		const struct rn_ipv6_ext *x = &ch->ext[i];
		line(t, 1, "%s", ipproto_name(x->type));
		line(t, 2, "Next Header: %s (%u)", ipproto_name(x->next_header), x->next_header);
		if (x->type == RN_IPV6_NH_FRAGMENT) {
			line(t, 2, "Offset: %u (%u bytes)", x->frag_off, x->frag_off * 8u);
			line(t, 2, "More Fragments: %s", x->more_fragments ? "Yes" : "No");
			line(t, 2, "Identification: 0x%08x", x->frag_id);
		} else {
			line(t, 2, "Length: %zu bytes", x->len);
			if (x->type == RN_IPV6_NH_ROUTING) {
				line(t, 2, "Type: %u", x->routing_type);
				line(t, 2, "Segments Left: %u", x->segments_left);
			}
		}
	}
}

static void tree_icmp(struct tree *t, const struct rn_layer *l)
{
	const struct rn_icmp *ic = &l->u.icmp;
	line(t, 0, "Internet Control Message Protocol");
	if (l->status != RN_LAYER_OK)
		return;
	bool whole = l->bytes.len >= l->length;
	line(t, 1, "Type: %u (%s)", ic->type, icmp_type_name(ic->type));
	if (ic->type == RN_ICMP_UNREACH)
		line(t, 1, "Code: %u (%s)", ic->code, unreach_name(ic->code));
	else
		line(t, 1, "Code: %u", ic->code);
	line(t, 1, "Checksum: 0x%04x [%s]", ic->checksum, csum_text(ic->checksum_status, whole));
	line(t, 1, "[Checksum Status: %s]", csum_status_text(ic->checksum_status, whole));
	switch (ic->type) {
	case RN_ICMP_ECHO:
	case RN_ICMP_ECHOREPLY:
	case RN_ICMP_TSTAMP:
	case RN_ICMP_TSTAMPREPLY:
	case 15: case 16: case 17: case 18: {
		uint16_t id_le = (uint16_t)(ic->id >> 8 | ic->id << 8);
		uint16_t seq_le = (uint16_t)(ic->seq >> 8 | ic->seq << 8);
		line(t, 1, "Identifier (BE): %u (0x%04x)", ic->id, ic->id);
		line(t, 1, "Identifier (LE): %u (0x%04x)", id_le, id_le);
		line(t, 1, "Sequence Number (BE): %u (0x%04x)", ic->seq, ic->seq);
		line(t, 1, "Sequence Number (LE): %u (0x%04x)", seq_le, seq_le);
		break;
	}
	case RN_ICMP_UNREACH:
		if (ic->code == 4)
			line(t, 1, "MTU of next hop: %u", ic->rest & 0xffff);
		else
			line(t, 1, "Unused: %08x", ic->rest);
		break;
	case RN_ICMP_REDIRECT: {
		uint8_t gw[4] = { (uint8_t)(ic->rest >> 24), (uint8_t)(ic->rest >> 16),
				  (uint8_t)(ic->rest >> 8), (uint8_t)ic->rest };
		struct addr a = a4(gw);
		line(t, 1, "Gateway Address: %s", a.s);
		break;
	}
	case RN_ICMP_PARAMPROB:
		line(t, 1, "Pointer: %u", ic->rest >> 24);
		break;
	default:
		line(t, 1, "Unused: %08x", ic->rest);
		break;
	}
}

static void tree_icmp6(struct tree *t, const struct rn_layer *l)
{
	const struct rn_icmp6 *ic = &l->u.icmp6;
	line(t, 0, "Internet Control Message Protocol v6");
	if (l->status != RN_LAYER_OK)
		return;
	bool whole = l->bytes.len >= l->length;
	line(t, 1, "Type: %s (%u)", icmp6_type_name(ic->type), ic->type);
	line(t, 1, "Code: %u", ic->code);
	line(t, 1, "Checksum: 0x%04x [%s]", ic->checksum, csum_text(ic->checksum_status, whole));
	line(t, 1, "[Checksum Status: %s]", csum_status_text(ic->checksum_status, whole));
	bool nd = false;
	switch (ic->type) {
	case RN_ICMP6_ECHO_REQUEST:
	case RN_ICMP6_ECHO_REPLY:
		line(t, 1, "Identifier: 0x%04x", ic->id);
		line(t, 1, "Sequence: %u", ic->seq);
		break;
	case RN_ICMP6_PACKET_TOO_BIG:
		line(t, 1, "MTU: %u", ic->rest);
		break;
	case RN_ICMP6_PARAM_PROB:
		line(t, 1, "Pointer: %u", ic->rest);
		break;
	case RN_ICMP6_NEIGHBOR_SOLICIT: {
		struct addr a = a6(ic->target);
		line(t, 1, "Reserved: %08x", ic->rest);
		line(t, 1, "Target Address: %s", a.s);
		nd = true;
		break;
	}
	case RN_ICMP6_NEIGHBOR_ADVERT: {
		struct addr a = a6(ic->target);
		uint32_t f = ic->rest & 0xe0000000u;
		line(t, 1, "Flags: 0x%08x%s%s%s", f, f >> 31 ? ", Router" : "",
		     f >> 30 & 1 ? ", Solicited" : "", f >> 29 & 1 ? ", Override" : "");
		bits(t, 2, 32, 0x80000000u, f, "Router: %s", set(f >> 31));
		bits(t, 2, 32, 0x40000000u, f, "Solicited: %s", set(f >> 30 & 1));
		bits(t, 2, 32, 0x20000000u, f, "Override: %s", set(f >> 29 & 1));
		line(t, 1, "Target Address: %s", a.s);
		nd = true;
		break;
	}
	case RN_ICMP6_ROUTER_SOLICIT:
		line(t, 1, "Reserved: %08x", ic->rest);
		nd = true;
		break;
	case RN_ICMP6_ROUTER_ADVERT:
		line(t, 1, "Cur hop limit: %u", ic->rest >> 24);
		line(t, 1, "Flags: 0x%02x", ic->rest >> 16 & 0xff);
		line(t, 1, "Router lifetime (s): %u", ic->rest & 0xffff);
		line(t, 1, "Reachable time (ms): %u", ic->reachable);
		line(t, 1, "Retrans timer (ms): %u", ic->retrans);
		nd = true;
		break;
	default:
		break;
	}
	if (!nd)
		return;
	struct rn_view cur = ic->data;
	struct rn_nd_opt o;
	int r;
	while ((r = rn_nd_opt_next(&cur, &o)) == 1) {
		if ((o.type == 1 || o.type == 2) && o.data.len == 6) {
			struct addr a = amac(o.data.data);
			line(t, 1, "ICMPv6 Option (%s : %s)", nd_opt_name(o.type), a.s);
			line(t, 2, "Type: %s (%u)", nd_opt_name(o.type), o.type);
			line(t, 2, "Length: %zu (%zu bytes)", o.len / 8, o.len);
			line(t, 2, "Link-layer address: %s", a.s);
		} else {
			line(t, 1, "ICMPv6 Option (%s)", nd_opt_name(o.type));
			line(t, 2, "Type: %s (%u)", nd_opt_name(o.type), o.type);
			line(t, 2, "Length: %zu (%zu bytes)", o.len / 8, o.len);
		}
	}
	if (r < 0)
		line(t, 1, "[Malformed ICMPv6 option: %s]", rn_strerror(r));
}

/* to_nic: the kernel said the checksum was left to the NIC (csum_hint, issue 9) */
static void tree_tcp(struct tree *t, const struct rn_layer *l, bool to_nic)
{
	const struct rn_tcp *h = &l->u.tcp.hdr;
	if (l->status != RN_LAYER_OK) {
		if (rn_view_has(l->bytes, 0, 4)) {
			uint16_t sp = rn_view_be16(l->bytes, 0), dp = rn_view_be16(l->bytes, 2);
			line(t, 0, "Transmission Control Protocol, Src Port: %u, Dst Port: %u", sp, dp);
			line(t, 1, "Source Port: %u", sp);
			line(t, 1, "Destination Port: %u", dp);
			if (rn_view_has(l->bytes, 4, 4))
				line(t, 1, "Sequence Number (raw): %u", rn_view_be32(l->bytes, 4));
		} else {
			line(t, 0, "Transmission Control Protocol");
		}
		return;
	}
	uint32_t hl = (uint32_t)h->doff * 4;
	uint32_t len = l->length > hl ? l->length - hl : 0;
	if (h->flags & RN_TCP_ACK)
		line(t, 0, "Transmission Control Protocol, Src Port: %u, Dst Port: %u, Seq: %u, "
			   "Ack: %u, Len: %u", h->sport, h->dport, h->seq, h->ack, len);
	else
		line(t, 0, "Transmission Control Protocol, Src Port: %u, Dst Port: %u, Seq: %u, "
			   "Len: %u", h->sport, h->dport, h->seq, len);
	line(t, 1, "Source Port: %u", h->sport);
	line(t, 1, "Destination Port: %u", h->dport);
	line(t, 1, "[TCP Segment Len: %u]", len);
	line(t, 1, "Sequence Number (raw): %u", h->seq);
	line(t, 1, "Acknowledgment number (raw): %u", h->ack);
	bits(t, 1, 8, 0xf0, (uint32_t)h->doff << 4, "Header Length: %u bytes (%u)", hl, h->doff);
	static const struct { uint16_t bit; const char *name, *abbr; } fl[] = {
		{ RN_TCP_AE, "Accurate ECN", "AE" }, { RN_TCP_CWR, "Congestion Window Reduced", "CWR" },
		{ RN_TCP_ECE, "ECN-Echo", "ECE" }, { RN_TCP_URG, "Urgent", "URG" },
		{ RN_TCP_ACK, "Acknowledgment", "ACK" }, { RN_TCP_PSH, "Push", "PSH" },
		{ RN_TCP_RST, "Reset", "RST" }, { RN_TCP_SYN, "Syn", "SYN" },
		{ RN_TCP_FIN, "Fin", "FIN" },
	};
	char names[80] = "";
	size_t nl = 0;
	for (int i = (int)(sizeof(fl) / sizeof(fl[0])) - 1; i >= 0; i--)
		if (h->flags & fl[i].bit)
			nl += (size_t)snprintf(names + nl, sizeof(names) - nl, "%s%s", nl ? ", " : "",
					       fl[i].abbr);
	uint16_t f12 = h->flags & 0xfff;
	line(t, 1, "Flags: 0x%03x (%s)", f12, nl ? names : "<None>");
	bits(t, 2, 12, 0xe00, f12, "Reserved: %s", set(f12 & 0xe00));
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		bits(t, 2, 12, fl[i].bit, f12, "%s: %s", fl[i].name, set(h->flags & fl[i].bit));
	line(t, 1, "Window: %u", h->window);
	bool whole = l->bytes.len >= l->length && !l->u.tcp.fragmented && !to_nic;
	line(t, 1, "Checksum: 0x%04x [%s]", h->checksum, csum_text(h->checksum_status, whole));
	line(t, 1, "[Checksum Status: %s]", csum_status_text(h->checksum_status, whole));
	if (to_nic)
		line(t, 1, "[Checksum left to the NIC by the sender (offload): not verified]");
	line(t, 1, "Urgent Pointer: %u", h->urg_ptr);
	if (h->opt_len) {
		line(t, 1, "Options: (%u bytes)", h->opt_len);
		struct rn_view ov = rn_view_make(h->opts, h->opt_len);
		for (size_t pos = 0; pos < ov.len;) {
			uint8_t kind = ov.data[pos];
			if (kind == RN_TCPOPT_EOL || kind == RN_TCPOPT_NOP) {
				line(t, 2, "TCP Option - %s", tcp_opt_name(kind));
				line(t, 3, "Kind: %s (%u)", kind ? "No-Operation" : "End of Option List",
				     kind);
				pos++;
				continue;
			}
			uint8_t olen = rn_view_u8(ov, pos + 1);
			if (!rn_view_has(ov, pos, 2) || olen < 2 || !rn_view_has(ov, pos, olen)) {
				line(t, 2, "%s (option length = %u bytes says option goes past end of "
					   "options)", tcp_opt_name(kind), olen);
				line(t, 3, "[Malformed Packet: TCP option]");
				break;
			}
			struct rn_view od = { ov.data + pos + 2, (size_t)olen - 2 };
			switch (kind) {
			case RN_TCPOPT_MSS:
				line(t, 2, "TCP Option - Maximum segment size: %u bytes",
				     rn_view_be16(od, 0));
				break;
			case RN_TCPOPT_WSCALE: {
				uint8_t sh = rn_view_u8(od, 0);
				line(t, 2, "TCP Option - Window scale: %u (multiply by %u)", sh,
				     sh <= 14 ? 1u << sh : 16384u);
				break;
			}
			case RN_TCPOPT_TIMESTAMP:
				line(t, 2, "TCP Option - Timestamps: TSval %u, TSecr %u",
				     rn_view_be32(od, 0), rn_view_be32(od, 4));
				break;
			case RN_TCPOPT_SACK:
				line(t, 2, "TCP Option - SACK %zu block%s", od.len / 8,
				     od.len / 8 == 1 ? "" : "s");
				break;
			default:
				line(t, 2, "TCP Option - %s", tcp_opt_name(kind));
				break;
			}
			line(t, 3, "Kind: %s (%u)", tcp_opt_name(kind), kind);
			line(t, 3, "Length: %u", olen);
			if (kind == RN_TCPOPT_MSS && olen == 4)
				line(t, 3, "MSS Value: %u", rn_view_be16(od, 0));
			else if (kind == RN_TCPOPT_WSCALE && olen == 3)
				line(t, 3, "Shift count: %u", rn_view_u8(od, 0));
			else if (kind == RN_TCPOPT_TIMESTAMP && olen == 10) {
				line(t, 3, "Timestamp value: %u", rn_view_be32(od, 0));
				line(t, 3, "Timestamp echo reply: %u", rn_view_be32(od, 4));
			} else if (kind == RN_TCPOPT_SACK) {
				for (size_t b = 0; b + 8 <= od.len; b += 8) {
					line(t, 3, "left edge = %u", rn_view_be32(od, b));
					line(t, 3, "right edge = %u", rn_view_be32(od, b + 4));
				}
			}
			pos += olen;
		}
	}
	if (len)
		line(t, 1, "TCP payload (%u bytes)", len);
}

static void tree_udp(struct tree *t, const struct rn_layer *l)
{
	const struct rn_udp *u = &l->u.udp.hdr;
	if (l->status != RN_LAYER_OK && !rn_view_has(l->bytes, 0, 8)) {
		line(t, 0, "User Datagram Protocol");
		return;
	}
	uint16_t sp = rn_view_be16(l->bytes, 0), dp = rn_view_be16(l->bytes, 2);
	uint16_t ulen = rn_view_be16(l->bytes, 4), ck = rn_view_be16(l->bytes, 6);
	line(t, 0, "User Datagram Protocol, Src Port: %u, Dst Port: %u", sp, dp);
	line(t, 1, "Source Port: %u", sp);
	line(t, 1, "Destination Port: %u", dp);
	line(t, 1, "Length: %u%s", ulen, l->status != RN_LAYER_OK ? " (bogus)" : "");
	if (l->status != RN_LAYER_OK)
		return;
	bool whole = l->bytes.len >= u->len && !l->u.udp.fragmented;
	if (ck == 0) {
		line(t, 1, "Checksum: 0x0000 [zero-value ignored]");
		line(t, 1, "[Checksum Status: Not present]");
	} else {
		line(t, 1, "Checksum: 0x%04x [%s]", ck, csum_text(u->checksum_status, whole));
		line(t, 1, "[Checksum Status: %s]", csum_status_text(u->checksum_status, whole));
	}
	if (u->len > 8)
		line(t, 1, "UDP payload (%u bytes)", u->len - 8u);
}

/* DNS name with Wireshark's "<Root>". */
static int dns_name(struct rn_view m, size_t off, char *out, size_t cap, size_t *next)
{
	int n = rn_dns_name(m, off, out, cap, next);
	if (n < 0)
		return n;
	if (n == 1)
		snprintf(out, cap, "<Root>");
	else
		out[n - 1] = '\0';
	return 0;
}

static void tree_dns(struct tree *t, const struct rn_layer *l)
{
	const struct rn_dns *h = &l->u.dns;
	if (l->status != RN_LAYER_OK) {
		line(t, 0, "Domain Name System");
		return;
	}
	bool resp = h->flags >> 15;
	unsigned op = h->flags >> 11 & 15, rc = h->flags & 15;
	line(t, 0, "Domain Name System (%s)", resp ? "response" : "query");
	if (h->over_tcp)
		line(t, 1, "Length: %u", l->length);
	line(t, 1, "Transaction ID: 0x%04x", h->id);
	if (resp)
		line(t, 1, "Flags: 0x%04x %s response, %s", h->flags, dns_opcode_name(op),
		     dns_rcode_name(rc));
	else
		line(t, 1, "Flags: 0x%04x %s", h->flags, dns_opcode_name(op));
	uint16_t f = h->flags;
	bits(t, 2, 16, 0x8000, f, "Response: Message is a %s", resp ? "response" : "query");
	bits(t, 2, 16, 0x7800, f, "Opcode: %s (%u)", dns_opcode_name(op), op);
	if (resp)
		bits(t, 2, 16, 0x0400, f, "Authoritative: %s", f & 0x400
			? "Server is an authority for domain" : "Server is not an authority for domain");
	bits(t, 2, 16, 0x0200, f, "Truncated: %s", f & 0x200 ? "Message is truncated"
							    : "Message is not truncated");
	bits(t, 2, 16, 0x0100, f, "Recursion desired: %s", f & 0x100 ? "Do query recursively"
								      : "Don't do query recursively");
	if (resp)
		bits(t, 2, 16, 0x0080, f, "Recursion available: %s", f & 0x80
			? "Server can do recursive queries" : "Server can't do recursive queries");
	bits(t, 2, 16, 0x0040, f, "Z: reserved (%u)", f >> 6 & 1);
	if (resp)
		bits(t, 2, 16, 0x0020, f, "Answer authenticated: %s", f & 0x20
			? "Answer/authority portion was authenticated by the server"
			: "Answer/authority portion was not authenticated by the server");
	bits(t, 2, 16, 0x0010, f, "Non-authenticated data: %s", f & 0x10 ? "Acceptable"
									   : "Unacceptable");
	if (resp)
		bits(t, 2, 16, 0x000f, f, "Reply code: %s (%u)", dns_rcode_name(rc), rc);
	bool upd = op == 5;
	line(t, 1, "%s: %u", upd ? "Zones" : "Questions", h->qdcount);
	line(t, 1, "%s: %u", upd ? "Prerequisites" : "Answer RRs", h->ancount);
	line(t, 1, "%s: %u", upd ? "Updates" : "Authority RRs", h->nscount);
	line(t, 1, "Additional RRs: %u", h->arcount);
	struct rn_view m = l->payload;
	size_t off = 12;
	char name[1100];
	if (h->qdcount)
		line(t, 1, "%s", upd ? "Zone" : "Queries");
	for (unsigned i = 0; i < h->qdcount; i++) {
		size_t next;
		if (dns_name(m, off, name, sizeof(name), &next) < 0 || !rn_view_has(m, next, 4)) {
			line(t, 2, "[Malformed Packet: DNS question %u runs past the message]", i + 1);
			return;
		}
		uint16_t ty = rn_view_be16(m, next), cl = rn_view_be16(m, next + 2);
		const char *tn = dns_type_name(ty);
		line(t, 2, "%s: type %s, class %s", name, tn ? tn : "Unknown", cl == 1 ? "IN" : "?");
		line(t, 3, "Name: %s", name);
		line(t, 3, "Type: %s (%u)", tn ? tn : "Unknown", ty);
		line(t, 3, "Class: %s (0x%04x)", cl == 1 ? "IN" : "Unknown", cl);
		off = next + 4;
	}
	static const char *const sect[3][2] = {
		{ "Answers", "Prerequisites" }, { "Authoritative nameservers", "Updates" },
		{ "Additional records", "Additional records" },
	};
	unsigned counts[3] = { h->ancount, h->nscount, h->arcount };
	for (int s = 0; s < 3; s++) {
		if (counts[s])
			line(t, 1, "%s", sect[s][upd]);
		for (unsigned i = 0; i < counts[s]; i++) {
			size_t next;
			if (dns_name(m, off, name, sizeof(name), &next) < 0 ||
			    !rn_view_has(m, next, 10)) {
				line(t, 2, "[Malformed Packet: DNS record runs past the message]");
				return;
			}
			uint16_t ty = rn_view_be16(m, next), cl = rn_view_be16(m, next + 2);
			uint32_t ttl = rn_view_be32(m, next + 4);
			uint16_t rdlen = rn_view_be16(m, next + 8);
			size_t rd = next + 10;
			const char *tn = dns_type_name(ty);
			if (!rn_view_has(m, rd, rdlen)) {
				line(t, 2, "%s: type %s [Malformed Packet: data runs past the message]",
				     name, tn ? tn : "Unknown");
				return;
			}
			char data[1200] = "";
			if (ty == 1 && rdlen == 4) {
				struct addr a = a4(m.data + rd);
				snprintf(data, sizeof(data), ", addr %s", a.s);
			} else if (ty == 28 && rdlen == 16) {
				struct addr a = a6(m.data + rd);
				snprintf(data, sizeof(data), ", addr %s", a.s);
			} else if (ty == 5 || ty == 2 || ty == 12) {
				char tgt[1100];
				if (dns_name(m, rd, tgt, sizeof(tgt), NULL) == 0)
					snprintf(data, sizeof(data), ", %s %s",
						 ty == 5 ? "cname" : ty == 2 ? "ns" : "", tgt);
			}
			if (ty == 41) {
				line(t, 2, "%s: type OPT", name);
				line(t, 3, "Name: %s", name);
				line(t, 3, "Type: OPT (41)");
				line(t, 3, "UDP payload size: %u", cl);
				line(t, 3, "Data length: %u", rdlen);
			} else {
				line(t, 2, "%s: type %s, class %s%s", name, tn ? tn : "Unknown",
				     cl == 1 ? "IN" : "?", data);
				line(t, 3, "Name: %s", name);
				line(t, 3, "Type: %s (%u)", tn ? tn : "Unknown", ty);
				line(t, 3, "Class: %s (0x%04x)", cl == 1 ? "IN" : "Unknown", cl);
				line(t, 3, "Time to live: %u", ttl);
				line(t, 3, "Data length: %u", rdlen);
				if (ty == 1 && rdlen == 4)
					line(t, 3, "Address: %s", data + 7);
				else if (ty == 28 && rdlen == 16)
					line(t, 3, "AAAA Address: %s", data + 7);
				else if (ty == 5 && data[0])
					line(t, 3, "CNAME: %s", data + 8);
			}
			off = rd + rdlen;
		}
	}
}

/* HTTP: the first line and the header lines that are complete here, as
 * tshark shows them ("\r\n" written out). */
static void tree_http(struct tree *t, const struct rn_layer *l)
{
	const struct rn_http *h = &l->u.http;
	line(t, 0, "Hypertext Transfer Protocol");
	struct rn_view v = l->payload;
	size_t pos = 0;
	bool first = true;
	while (pos < v.len) {
		size_t e = pos;
		while (e < v.len && v.data[e] != '\n')
			e++;
		bool complete = e < v.len;
		size_t n = e - pos;
		bool cr = n && v.data[pos + n - 1] == '\r';
		if (cr)
			n--;
		struct rn_strbuf sb;
		rn_sb_init(&sb);
		rn_put_safe(&sb, v.data + pos, n);
		line(t, 1, "%s%s", sb.buf ? sb.buf : "", complete ? (cr ? "\\r\\n" : "\\n") : "");
		rn_sb_free(&sb);
		if (first) {
			if (h->request) {
				line(t, 2, "Request Method: %.*s", (int)h->method.len,
				     (const char *)h->method.data);
				line(t, 2, "Request URI: %.*s", (int)h->uri.len, (const char *)h->uri.data);
				line(t, 2, "Request Version: %.*s", (int)h->version.len,
				     (const char *)h->version.data);
			} else {
				struct rn_view ph = rn_view_tail(h->line, h->version.len + 5);
				line(t, 2, "Response Version: %.*s", (int)h->version.len,
				     (const char *)h->version.data);
				line(t, 2, "Status Code: %u", h->status);
				line(t, 2, "Response Phrase: %.*s", (int)ph.len, (const char *)ph.data);
			}
			first = false;
		}
		if (!complete) {
			line(t, 1, "[Continued in the next segment: %zu bytes]", v.len - pos);
			break;
		}
		pos = e + 1;
		if (n == 0) {
			if (pos < v.len)
				line(t, 1, "File Data: %zu bytes", v.len - pos);
			break;
		}
	}
	if (l->status == RN_LAYER_TRUNCATED)
		malformed(t, l);
}

static void tree_data(struct tree *t, const struct rn_layer *l)
{
	line(t, 0, "Data (%u bytes)", l->length);
	struct rn_strbuf sb;
	rn_sb_init(&sb);
	put_hexbytes(&sb, l->bytes);
	line(t, 1, "Data: %s", sb.buf ? sb.buf : "");
	rn_sb_free(&sb);
	line(t, 1, "[Length: %u]", l->length);
	if (l->bytes.len < l->length)
		line(t, 1, "[Packet size limited during capture: Data truncated (%zu of %u bytes "
			   "captured)]", l->bytes.len, l->length);
}

static const char *encap_name(int lt)
{
	switch (lt) {
	case RN_LINK_ETHERNET: return "Ethernet (1)";
	case RN_LINK_NULL: return "NULL/Loopback (15)";
	case RN_LINK_LOOP: return "OpenBSD loopback (108)";
	case RN_LINK_RAW: return "Raw IP (7)";
	case RN_LINK_IPV4: return "Raw IPv4 (129)";
	case RN_LINK_IPV6: return "Raw IPv6 (130)";
	case RN_LINK_LINUX_SLL: return "Linux cooked-mode capture v1 (25)";
	case RN_LINK_LINUX_SLL2: return "Linux cooked-mode capture v2 (210)";
	default: return "Unknown";
	}
}

/* Wireshark's frame.protocols for our layers. */
static void put_protocols(struct rn_strbuf *o, const struct rn_dissection *d)
{
	for (unsigned i = 0; i < d->n; i++) {
		const struct rn_layer *l = &d->layer[i];
		if (i)
			rn_sb_putc(o, ':');
		rn_sb_puts(o, rn_proto_name(l->proto));
		if (l->proto == RN_PROTO_ETH && l->status == RN_LAYER_OK) {
			for (unsigned k = 0; k < l->u.eth.ntags; k++)
				rn_sb_puts(o, l->u.eth.tags[k].tpid == 0x88a8 ? ":ethertype:ieee8021ad"
									 : ":ethertype:vlan");
			if (l->u.eth.ethertype >= 0x0600)
				rn_sb_puts(o, ":ethertype");
		} else if ((l->proto == RN_PROTO_SLL || l->proto == RN_PROTO_SLL2) &&
			   l->status == RN_LAYER_OK) {
			rn_sb_puts(o, ":ethertype");
		}
	}
}

static void tree_frame(struct tree *t, const struct rn_dissection *d)
{
	const struct rn_pkt *p = d->pkt;
	line(t, 0, "Frame %llu: %u bytes on wire (%llu bits), %u bytes captured (%llu bits)",
	     (unsigned long long)p->number, p->len, (unsigned long long)p->len * 8, p->caplen,
	     (unsigned long long)p->caplen * 8);
	line(t, 1, "Encapsulation type: %s", encap_name(p->linktype));
	time_t sec = (time_t)p->ts_sec;
	struct tm tm;
	char when[64] = "?";
	if (localtime_r(&sec, &tm))
		strftime(when, sizeof(when), "%b %e, %Y %H:%M:%S", &tm);
	char zone[16] = "";
	strftime(zone, sizeof(zone), "%Z", &tm);
	line(t, 1, "Arrival Time: %s.%09u %s", when, p->ts_nsec, zone);
	line(t, 1, "Epoch Time: %lld.%09u seconds", (long long)p->ts_sec, p->ts_nsec);
	line(t, 1, "Frame Number: %llu", (unsigned long long)p->number);
	line(t, 1, "Frame Length: %u bytes (%llu bits)", p->len, (unsigned long long)p->len * 8);
	line(t, 1, "Capture Length: %u bytes (%llu bits)", p->caplen,
	     (unsigned long long)p->caplen * 8);
	struct rn_strbuf sb;
	rn_sb_init(&sb);
	put_protocols(&sb, d);
	line(t, 1, "[Protocols in frame: %s]", sb.buf ? sb.buf : "");
	rn_sb_free(&sb);
	if (p->caplen < p->len)
		line(t, 1, "[Packet size limited during capture: %u of %u bytes]", p->caplen, p->len);
}

static void tree_layers(struct tree *t, const struct rn_dissection *d, int nesting);

/* The packet an ICMP error quotes, one level further in. */
static void tree_quoted(struct tree *t, const struct rn_pkt *outer, struct rn_view q, bool v6,
			int nesting)
{
	if (nesting >= 2 || q.len == 0)
		return;
	struct rn_pkt p = *outer;
	p.data = q.data;
	p.caplen = p.len = (uint32_t)q.len;
	p.linktype = v6 ? RN_LINK_IPV6 : RN_LINK_IPV4;
	struct rn_dissection *d = malloc(sizeof(*d));
	if (!d)
		return;
	rn_dissect(&p, RN_DISSECT_CSUM, d);
	t->base++;
	tree_layers(t, d, nesting + 1);
	t->base--;
	free(d);
}

static void tree_layers(struct tree *t, const struct rn_dissection *d, int nesting)
{
	for (unsigned i = 0; i < d->n; i++) {
		const struct rn_layer *l = &d->layer[i];
		switch (l->proto) {
		case RN_PROTO_ETH: tree_eth(t, l); break;
		case RN_PROTO_SLL:
		case RN_PROTO_SLL2: tree_sll(t, l); break;
		case RN_PROTO_NULL:
			line(t, 0, "Null/Loopback");
			if (l->status == RN_LAYER_OK)
				line(t, 1, "Family: %s (%u)",
				     l->u.null_family == 2 ? "IP" : "IPv6 or other", l->u.null_family);
			break;
		case RN_PROTO_ARP: tree_arp(t, l); break;
		case RN_PROTO_IPV4: tree_ipv4(t, l); break;
		case RN_PROTO_IPV6: tree_ipv6(t, l); break;
		case RN_PROTO_ICMP:
			tree_icmp(t, l);
			if (l->status == RN_LAYER_OK && rn_icmp_is_error(l->u.icmp.type))
				tree_quoted(t, d->pkt, l->u.icmp.data, false, nesting);
			break;
		case RN_PROTO_ICMP6:
			tree_icmp6(t, l);
			if (l->status == RN_LAYER_OK && rn_icmp6_is_error(l->u.icmp6.type))
				tree_quoted(t, d->pkt, l->u.icmp6.data, true, nesting);
			break;
		case RN_PROTO_TCP: tree_tcp(t, l, !nesting && rn_pkt_csum_left_to_nic(d->pkt)); break;
		case RN_PROTO_UDP: tree_udp(t, l); break;
		case RN_PROTO_DNS: tree_dns(t, l); break;
		case RN_PROTO_HTTP: tree_http(t, l); break;
		default: tree_data(t, l); break;
		}
		if (l->status != RN_LAYER_OK && l->proto != RN_PROTO_HTTP)
			malformed(t, l);
	}
}

void rn_print_tree(struct rn_strbuf *out, const struct rn_pkt *pkt)
{
	struct tree t = { out, 0 };
	struct rn_dissection d;
	rn_dissect(pkt, RN_DISSECT_CSUM, &d);
	tree_frame(&t, &d);
	if (d.n == 0)
		line(&t, 0, "[Link type %d is not dissected]", pkt->linktype);
	tree_layers(&t, &d, 0);
	rn_sb_putc(out, '\n');
}
