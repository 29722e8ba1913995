/* tcpdump -n lines from a dissection: link (Ethernet, cooked, loopback), ARP
 * (RFC 826), IPv4 (RFC 791), IPv6 (RFC 8200), ICMP (RFC 792), ICMPv6
 * (RFC 4443, 4861), TCP (RFC 9293) with options, UDP (RFC 768), and the DNS
 * and HTTP first lines, formatted as tcpdump 4.99 prints them (print-*.c),
 * truncated parts as " [|proto]" and lying ones as invalid. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <net/if.h>

#include "print/internal.h"
#include "rawnet/checksum.h"

struct pc {
	struct rn_strbuf *o;
	const struct rn_print_opts *opts;
	const struct rn_dissection *d;
	struct rn_tcp_seq_table *seqs;
	bool nested;            /* a datagram inside another (no link prefix) */
	bool jumped;            /* tcpdump would have stopped with a longjmp: the
	                           -x dump then starts at the link header */
	size_t hex_extra;       /* link-layer bytes a printer consumed past the
	                           header (the -x dump starts after them) */
};

/* Appends a string literal (never a pointer: sizeof must see the array). */
#define PUTS(p, s) rn_fast_append((p)->o, "" s, sizeof(s) - 1)

static void put_uint(struct pc *p, unsigned long long v)
{
	rn_fast_uint(p->o, v, 0);
}

/* tcpdump's nd_print_trunc(). Most of tcpdump's checks end the packet with
 * a longjmp, after which the -x dump starts at the link header. */
static void trunc_mark(struct pc *p, const char *proto)
{
	rn_sb_printf(p->o, " [|%s]", proto);
}

/* The same where tcpdump's check is a GET_*() macro: it longjmps out of the
 * printer, and the -x dump then starts at the link header. */
static void trunc_jump(struct pc *p, const char *proto)
{
	trunc_mark(p, proto);
	p->jumped = true;
}

static const struct rn_layer *layer_after(const struct pc *p, const struct rn_layer *l)
{
	size_t i = (size_t)(l - p->d->layer) + 1;
	return i < p->d->n ? &p->d->layer[i] : NULL;
}

/* ---- names ---- */

static const char *ethertype_name(uint16_t t)
{
	switch (t) {
	case 0x0800: return "IPv4";
	case 0x0806: return "ARP";
	case 0x8035: return "Reverse ARP";
	case 0x86dd: return "IPv6";
	case 0x8100: return "802.1Q";
	case 0x88a8: return "802.1Q-QinQ";
	case 0x9100: return "802.1Q-9100";
	case 0x9200: return "802.1Q-9200";
	case 0x8847: return "MPLS unicast";
	case 0x8848: return "MPLS multicast";
	case 0x8863: return "PPPoE D";
	case 0x8864: return "PPPoE S";
	case 0x888e: return "EAPOL";
	case 0x88cc: return "LLDP";
	case 0x88f7: return "PTP";
	case 0x8809: return "Slow Protocols";
	case 0x8902: return "CFM";
	case 0x9000: return "Loopback";
	case 0x6003: return "DECNet";
	case 0x809b: return "Appletalk";
	case 0x80f3: return "Appletalk ARP";
	case 0x8137: return "IPX";
	case 0x880b: return "PPP";
	case 0x88e5: return "802.1AE MACsec";
	default: return NULL;
	}
}

static const char *ipproto_name(uint8_t p)
{
	switch (p) {
	case 0: return "Options";
	case 1: return "ICMP";
	case 2: return "IGMP";
	case 4: return "IPIP";
	case 6: return "TCP";
	case 8: return "EGP";
	case 9: return "IGRP";
	case 17: return "UDP";
	case 33: return "DCCP";
	case 41: return "IPv6";
	case 43: return "Routing";
	case 44: return "Fragment";
	case 46: return "RSVP";
	case 47: return "GRE";
	case 50: return "ESP";
	case 51: return "AH";
	case 55: return "Mobile IP";
	case 58: return "ICMPv6";
	case 62: return "Mobile IP (old)";
	case 88: return "EIGRP";
	case 89: return "OSPF";
	case 103: return "PIM";
	case 108: return "Compressed IP";
	case 112: return "VRRP";
	case 113: return "PGM";
	case 132: return "SCTP";
	case 135: return "Mobility";
	case 240: return "pfsync";
	default: return NULL;
	}
}

/* ---- link layers ---- */

static void print_ethertype(struct pc *p, uint16_t t)
{
	const char *n = ethertype_name(t);
	if (p->opts->quiet) {
		if (n)
			rn_sb_puts(p->o, n);
		else
			rn_sb_printf(p->o, "Unknown Ethertype (0x%04x)", t);
	} else {
		rn_sb_printf(p->o, "ethertype %s (0x%04x)", n ? n : "Unknown", t);
	}
}

/* tcpdump's ND_DEFAULTPRINT: hex and ASCII of the undecoded bytes. Suppressed
 * when a -x style dump follows anyway. */
static void default_print(struct pc *p, struct rn_view v)
{
	if (p->opts->hex == 'x' || p->opts->hex == 'X' || p->opts->quiet)
		return;
	rn_hexdump_lines(p->o, v.data, v.len, true, true);
}

/* ND_DEFAULTPRINT where tcpdump does not check ndo_suppress_default_print. */
static void default_print_always(struct pc *p, struct rn_view v)
{
	rn_hexdump_lines(p->o, v.data, v.len, true, true);
}

static void print_network(struct pc *p, const struct rn_layer *l, uint16_t type,
			  const struct rn_layer *link);

static void print_ether(struct pc *p, const struct rn_layer *l)
{
	const struct rn_pkt *pkt = p->d->pkt;
	struct rn_view v = l->bytes;
	if (pkt->len < pkt->caplen) {
		rn_sb_printf(p->o, "[length %u < caplen %u] (invalid)", pkt->len, pkt->caplen);
		return;
	}
	if (v.len < 14 || pkt->len < 14) {
		trunc_mark(p, "ether");
		return;
	}
	if (p->opts->eth) {
		rn_put_mac(p->o, v.data + 6);
		PUTS(p, " > ");
		rn_put_mac(p->o, v.data);
		PUTS(p, ", ");
	}
	size_t off = 12;
	uint32_t length = pkt->len - 14;
	uint16_t type = rn_view_be16(v, off);
	off += 2;
	while (type == 0x8100 || type == 0x9100 || type == 0x9200 || type == 0x88a8) {
		if (p->opts->eth) {
			print_ethertype(p, type);
			if (off == 14)
				rn_sb_printf(p->o, ", length %u: ", pkt->len);
			else
				PUTS(p, ", ");
		}
		if (!rn_view_has(v, off, 4)) {
			trunc_mark(p, "vlan");
			return;
		}
		if (p->opts->eth) {
			uint16_t tci = rn_view_be16(v, off);
			rn_sb_printf(p->o, "vlan %u, p %u%s, ", tci & 0xfff, tci >> 13,
				     (tci & 0x1000) ? ", DEI" : "");
		}
		type = rn_view_be16(v, off + 2);
		off += 4;
		length = length >= 4 ? length - 4 : 0;
	}
	if (type <= 1500) {
		if (p->opts->eth) {
			PUTS(p, "802.3");
			if (off == 14)
				rn_sb_printf(p->o, ", length %u: ", type);
		}
		/* LLC is not decoded: show the bytes. */
		struct rn_view rest = rn_view_tail(v, off);
		if (rest.len > type)
			rest.len = type;
		if (rest.len < 3) { /* llc_print(): the mark, then the bytes */
			trunc_mark(p, "llc");
			default_print_always(p, rest);
			p->hex_extra = rest.len;
			return;
		}
		PUTS(p, "LLC");
		trunc_mark(p, "llc");
		return;
	}
	if (p->opts->eth) {
		print_ethertype(p, type);
		if (off == 14)
			rn_sb_printf(p->o, ", length %u: ", pkt->len);
		else
			PUTS(p, ", ");
	}
	const struct rn_layer *next = layer_after(p, l);
	if (type == 0x0800 || type == 0x86dd || type == 0x0806) {
		print_network(p, next, type, l);
		return;
	}
	if (!p->opts->eth) {
		rn_put_mac(p->o, v.data + 6);
		PUTS(p, " > ");
		rn_put_mac(p->o, v.data);
		PUTS(p, ", ");
		print_ethertype(p, type);
		rn_sb_printf(p->o, ", length %u: ", pkt->len);
	}
	default_print(p, rn_view_tail(v, off));
}

static const char *sll_pkttype(uint16_t t)
{
	switch (t) {
	case 0: return "In";
	case 1: return "B";
	case 2: return "M";
	case 3: return "P";
	case 4: return "Out";
	default: return NULL;
	}
}

/* sll_print() / sll2_print(): the cooked header with -e (or for an unknown type). */
static void print_sll_header(struct pc *p, const struct rn_layer *l)
{
	const struct rn_sll *s = &l->u.sll;
	const char *pt = sll_pkttype(s->pkttype);
	if (l->proto == RN_PROTO_SLL2) {
		/* tcpdump names the interface as this machine knows the index */
		char name[IF_NAMESIZE];
		if (!if_indextoname(s->ifindex, name))
			strcpy(name, "?");
		rn_sb_printf(p->o, "%-5s %-3s ifindex %u ", name, pt ? pt : "?", s->ifindex);
	} else {
		rn_sb_printf(p->o, "%3s ", pt ? pt : "?");
	}
	if (s->halen == 6) {
		rn_put_mac(p->o, s->addr);
		PUTS(p, " ");
	}
	if (!p->opts->quiet) {
		if (s->proto <= 1500) {
			if (s->proto == 1)
				PUTS(p, "802.3");
			else if (s->proto == 4)
				PUTS(p, "802.2");
			else
				rn_sb_printf(p->o, "ethertype Unknown (0x%04x)", s->proto);
		} else {
			const char *en = ethertype_name(s->proto);
			rn_sb_printf(p->o, "ethertype %s (0x%04x)", en ? en : "Unknown", s->proto);
		}
		rn_sb_printf(p->o, ", length %u: ", p->d->pkt->len);
	}
}

static void print_sll(struct pc *p, const struct rn_layer *l)
{
	const struct rn_sll *s = &l->u.sll;
	if (l->status != RN_LAYER_OK) {
		trunc_jump(p, l->proto == RN_PROTO_SLL2 ? "sll2" : "sll");
		return;
	}
	if (p->opts->eth) {
		print_sll_header(p, l);
	} else if (l->proto == RN_PROTO_SLL2) {
		char name[IF_NAMESIZE];
		const char *pt = sll_pkttype(s->pkttype);
		if (!if_indextoname(s->ifindex, name))
			strcpy(name, "?");
		rn_sb_printf(p->o, "%-5s %-3s ", name, pt ? pt : "?");
	}
	const struct rn_layer *next = layer_after(p, l);
	if (s->proto == 0x0800 || s->proto == 0x86dd || s->proto == 0x0806) {
		print_network(p, next, s->proto, l);
		return;
	}
	if (!p->opts->eth && s->proto > 1500)
		print_sll_header(p, l);
	default_print(p, l->payload);
}

static void print_null_header(struct pc *p, uint32_t fam)
{
	const char *an = fam == 2 ? "IPv4" : (fam == 24 || fam == 28 || fam == 30) ? "IPv6"
		       : fam == 6 ? "NS" : fam == 7 ? "ISO" : fam == 16 ? "Appletalk"
		       : fam == 23 ? "IPX" : NULL;
	if (!p->opts->quiet)
		rn_sb_printf(p->o, "AF %s (%u)", an ? an : "Unknown", fam);
	else if (an)
		rn_sb_puts(p->o, an);
	else
		rn_sb_printf(p->o, "Unknown AF %u", fam);
	rn_sb_printf(p->o, ", length %u: ", p->d->pkt->len);
}

static void print_null(struct pc *p, const struct rn_layer *l)
{
	if (l->status != RN_LAYER_OK) {
		trunc_jump(p, "null");
		return;
	}
	uint32_t fam = l->u.null_family;
	bool v6 = fam == 24 || fam == 28 || fam == 30 || fam == 10;
	if (p->opts->eth)
		print_null_header(p, fam);
	const struct rn_layer *next = layer_after(p, l);
	if (fam == 2) {
		print_network(p, next, 0x0800, l);
	} else if (v6) {
		print_network(p, next, 0x86dd, l);
	} else {
		if (!p->opts->eth)
			print_null_header(p, fam);
		default_print(p, l->payload);
	}
}

/* ---- ARP ---- */

static const char *arphrd_name(uint16_t h)
{
	switch (h) {
	case 1: return "Ethernet";
	case 6: return "TokenRing";
	case 7: return "ArcNet";
	case 15: return "FrameRelay";
	case 19: return "ATM (RFC 2225)";
	case 23: return "STRIP";
	case 24: return "IEEE 1394";
	default: return NULL;
	}
}

static void print_arp(struct pc *p, const struct rn_layer *l)
{
	struct rn_view v = l->bytes;
	if (!rn_view_has(v, 0, 8)) {
		trunc_jump(p, "arp");
		return;
	}
	uint16_t hrd = rn_view_be16(v, 0), pro = rn_view_be16(v, 2), op = rn_view_be16(v, 6);
	uint8_t hln = rn_view_u8(v, 4), pln = rn_view_u8(v, 5);
	size_t sha = 8, spa = sha + hln, tha = spa + pln, tpa = tha + hln;
	if (hrd == 19) { /* ATM ARP: not decoded */
		trunc_jump(p, "arp");
		return;
	}
	if (!rn_view_has(v, tpa, pln)) {
		trunc_jump(p, "arp");
		return;
	}
	if (!p->opts->eth)
		PUTS(p, "ARP, ");
	bool ip = pro == 0x0800 || pro == 0x1000;
	if (!ip || pln != 4 || hln == 0 || p->opts->verbose) {
		const char *hn = arphrd_name(hrd);
		const char *pn = ethertype_name(pro);
		if (hn)
			rn_sb_printf(p->o, "%s (len %u), ", hn, hln);
		else
			rn_sb_printf(p->o, "Unknown Hardware (%u) (len %u), ", hrd, hln);
		if (pn && pro != 0x0806)
			rn_sb_printf(p->o, "%s (len %u)", pn, pln);
		else
			rn_sb_printf(p->o, "Unknown Protocol (0x%04x) (len %u)", pro, pln);
		if (!p->opts->verbose)
			goto out;
	}
	if (p->opts->verbose)
		PUTS(p, ", ");
	switch (op) {
	case 1: PUTS(p, "Request "); break;
	case 2: PUTS(p, "Reply "); break;
	case 3: PUTS(p, "Reverse Request "); break;
	case 4: PUTS(p, "Reverse Reply "); break;
	case 8: PUTS(p, "Inverse Request "); break;
	case 9: PUTS(p, "Inverse Reply "); break;
	case 10: PUTS(p, "NACK Reply "); break;
	default: rn_sb_printf(p->o, "Unknown (%u) ", op); break;
	}
#define PADDR(off)                                                                       \
	do {                                                                             \
		if (!ip)                                                                 \
			PUTS(p, "<wrong proto type>");                                   \
		else if (pln != 4)                                                       \
			PUTS(p, "<wrong len>");                                          \
		else                                                                     \
			rn_put_ip4(p->o, v.data + (off));                                \
	} while (0)
	switch (op) {
	case 1: {
		PUTS(p, "who-has ");
		PADDR(tpa);
		bool nz = false;
		for (size_t i = 0; i < hln; i++)
			nz |= v.data[tha + i] != 0;
		if (nz) {
			PUTS(p, " (");
			rn_put_linkaddr(p->o, v.data + tha, hln);
			PUTS(p, ")");
		}
		PUTS(p, " tell ");
		PADDR(spa);
		break;
	}
	case 2:
		PADDR(spa);
		PUTS(p, " is-at ");
		rn_put_linkaddr(p->o, v.data + sha, hln);
		break;
	case 3:
	case 8:
		PUTS(p, "who-is ");
		rn_put_linkaddr(p->o, v.data + tha, hln);
		PUTS(p, " tell ");
		rn_put_linkaddr(p->o, v.data + sha, hln);
		break;
	case 4:
		rn_put_linkaddr(p->o, v.data + tha, hln);
		PUTS(p, " at ");
		PADDR(tpa);
		break;
	case 9:
		rn_put_linkaddr(p->o, v.data + sha, hln);
		PUTS(p, " at ");
		PADDR(spa);
		break;
	default:
		default_print_always(p, v);
		return;
	}
#undef PADDR
out:
	rn_sb_printf(p->o, ", length %u", l->length);
}

/* ---- TCP ---- */

/* TCP Fast Open (RFC 7413) cookie or cookie request. */
static void print_tfo(struct pc *p, struct rn_view d, size_t datalen, bool exp)
{
	if (exp)
		PUTS(p, "tfo");
	if (datalen == 0) {
		PUTS(p, " cookiereq");
	} else if (datalen % 2 != 0 || datalen < 4 || datalen > 16) {
		PUTS(p, " (invalid)");
	} else {
		PUTS(p, " cookie ");
		for (size_t i = 0; i < datalen; i++)
			rn_sb_printf(p->o, "%02x", d.data[i]);
	}
}

/* Returns false when the options were bad or cut short (the line ends there). */
static bool print_tcp_options(struct pc *p, struct rn_view opts, size_t hlen, uint32_t thseq,
			      uint32_t thack, bool rev)
{
	size_t i = 0;
	char ch = 0;
	PUTS(p, ", options [");
	while (hlen > 0) {
		if (ch)
			rn_sb_putc(p->o, ch);
		if (!rn_view_has(opts, i, 1))
			goto trunc;
		uint8_t opt = opts.data[i++];
		size_t len;
		if (opt == 0 || opt == 1) {
			len = 1;
		} else {
			if (!rn_view_has(opts, i, 1))
				goto trunc;
			len = opts.data[i++];
			if (len < 2 || len > hlen)
				goto bad;
			hlen--;
		}
		hlen--;
		size_t datalen = 0;
		struct rn_view d = rn_view_tail(opts, i);
#define LENCHECK(n)                                                                      \
	do {                                                                             \
		if ((n) > hlen)                                                          \
			goto bad;                                                        \
		if (!rn_view_has(d, 0, (n)))                                             \
			goto trunc;                                                      \
	} while (0)
		switch (opt) {
		case 0: PUTS(p, "eol"); break;
		case 1: PUTS(p, "nop"); break;
		case 2:
			PUTS(p, "mss");
			datalen = 2;
			LENCHECK(datalen);
			PUTS(p, " ");
			put_uint(p, rn_view_be16(d, 0));
			break;
		case 3:
			PUTS(p, "wscale");
			datalen = 1;
			LENCHECK(datalen);
			PUTS(p, " ");
			put_uint(p, rn_view_u8(d, 0));
			break;
		case 4: PUTS(p, "sackOK"); break;
		case 5:
			PUTS(p, "sack");
			datalen = len - 2;
			if (datalen % 8 != 0) {
				PUTS(p, " invalid sack");
			} else {
				rn_sb_printf(p->o, " %zu ", datalen / 8);
				for (size_t k = 0; k < datalen; k += 8) {
					LENCHECK(k + 4);
					uint32_t s = rn_view_be32(d, k);
					LENCHECK(k + 8);
					uint32_t e = rn_view_be32(d, k + 4);
					if (rev) {
						s -= thseq;
						e -= thseq;
					} else {
						s -= thack;
						e -= thack;
					}
					rn_sb_printf(p->o, "{%u:%u}", s, e);
				}
			}
			break;
		case 6:
		case 7:
		case 11:
		case 12:
		case 13:
			rn_sb_puts(p->o, opt == 6 ? "echo" : opt == 7 ? "echoreply" : opt == 11 ? "cc"
					 : opt == 12 ? "ccnew" : "");
			datalen = 4;
			LENCHECK(datalen);
			PUTS(p, " ");
			put_uint(p, rn_view_be32(d, 0));
			break;
		case 8:
			PUTS(p, "TS");
			datalen = 8;
			LENCHECK(datalen);
			PUTS(p, " val ");
			put_uint(p, rn_view_be32(d, 0));
			PUTS(p, " ecr ");
			put_uint(p, rn_view_be32(d, 4));
			break;
		case 19:
			PUTS(p, "md5");
			datalen = 16;
			LENCHECK(datalen);
			PUTS(p, " ");
			for (size_t k = 0; k < 16; k++)
				rn_sb_printf(p->o, "%02x", d.data[k]);
			break;
		case 28: {
			PUTS(p, "uto");
			datalen = 2;
			LENCHECK(datalen);
			uint32_t u = rn_view_be16(d, 0);
			rn_sb_printf(p->o, " 0x%x", u);
			u = (u & 1) ? (u >> 1) * 60 : u >> 1;
			rn_sb_printf(p->o, " %u", u);
			break;
		}
		case 34:
			PUTS(p, "tfo");
			datalen = len - 2;
			LENCHECK(datalen);
			PUTS(p, " ");
			print_tfo(p, d, datalen, false);
			break;
		case 254:
			PUTS(p, "exp");
			datalen = len - 2;
			LENCHECK(datalen);
			if (datalen < 2)
				goto bad;
			PUTS(p, "-");
			if (rn_view_be16(d, 0) == 0xf989)
				print_tfo(p, rn_view_tail(d, 2), datalen - 2, true);
			else
				rn_sb_printf(p->o, "%04x", rn_view_be16(d, 0));
			break;
		default:
			if (opt == 20)
				PUTS(p, "scps");
			else if (opt == 29)
				PUTS(p, "tcp-ao");
			else if (opt == 30)
				PUTS(p, "mptcp");
			else
				rn_sb_printf(p->o, "unknown-%u", opt);
			datalen = len - 2;
			if (datalen)
				PUTS(p, " 0x");
			for (size_t k = 0; k < datalen; k++) {
				LENCHECK(k + 1);
				rn_sb_printf(p->o, "%02x", d.data[k]);
			}
			break;
		}
#undef LENCHECK
		i += datalen;
		hlen -= datalen;
		datalen++;
		if (opt > 1)
			datalen++;
		if (datalen != len)
			rn_sb_printf(p->o, "[len %zu]", len);
		ch = ',';
		if (opt == 0)
			break;
	}
	PUTS(p, "]");
	return true;
bad:
	PUTS(p, "[bad opt]");
	if (ch)
		PUTS(p, "]");
	return false;
trunc:
	trunc_jump(p, "tcp");
	return false;
}

static void print_payload_app(struct pc *p, const struct rn_layer *app, uint16_t sport,
			      uint16_t dport, bool tcp);
static void print_layers(struct pc *p);

/* Writes "src.port > dst.port: " for the enclosing IP layer (tcpdump's
 * udpipaddr_print): only "sport > dport: " when the IP header's own protocol
 * field is not proto (extension headers in between). */
static void print_addrs_ports(struct pc *p, const struct rn_layer *net, int sport, int dport,
			      uint8_t proto)
{
	bool v6 = net->proto == RN_PROTO_IPV6;
	uint8_t hdr_proto = v6 ? net->u.ip6.hdr.next_header : net->u.ip4.proto;
	if (hdr_proto != proto) {
		if (sport >= 0)
			rn_sb_printf(p->o, "%d > %d: ", sport, dport);
		return;
	}
	const uint8_t *src = v6 ? net->u.ip6.hdr.src : net->u.ip4.src;
	const uint8_t *dst = v6 ? net->u.ip6.hdr.dst : net->u.ip4.dst;
	if (v6)
		rn_put_ip6(p->o, src);
	else
		rn_put_ip4(p->o, src);
	if (sport >= 0) {
		PUTS(p, ".");
		put_uint(p, (unsigned)sport);
	}
	PUTS(p, " > ");
	if (v6)
		rn_put_ip6(p->o, dst);
	else
		rn_put_ip4(p->o, dst);
	if (dport >= 0) {
		PUTS(p, ".");
		put_uint(p, (unsigned)dport);
	}
	PUTS(p, ": ");
}

static void print_tcp(struct pc *p, const struct rn_layer *l, const struct rn_layer *net)
{
	struct rn_view v = l->bytes;
	uint32_t length = l->length;
	bool v6 = net->proto == RN_PROTO_IPV6;
	if (!rn_view_has(v, 0, 4)) {
		print_addrs_ports(p, net, -1, -1, 6);
		trunc_mark(p, "tcp");
		return;
	}
	uint16_t sport = rn_view_be16(v, 0), dport = rn_view_be16(v, 2);
	print_addrs_ports(p, net, sport, dport, 6);
	if (!rn_view_has(v, 12, 1)) {
		trunc_mark(p, "tcp");
		return;
	}
	uint32_t hlen = (uint32_t)(rn_view_u8(v, 12) >> 4) * 4;
	if (hlen < 20) {
		rn_sb_printf(p->o, " tcp %u [bad hdr length %u - too short, < 20]", length - hlen,
			     hlen);
		return;
	}
	if (!rn_view_has(v, 0, 20)) {
		trunc_mark(p, "tcp");
		return;
	}
	uint32_t seq = rn_view_be32(v, 4), ack = rn_view_be32(v, 8);
	uint16_t win = rn_view_be16(v, 14), urp = rn_view_be16(v, 18);
	if (p->opts->quiet) {
		PUTS(p, "tcp ");
		put_uint(p, length - hlen);
		if (hlen > length)
			rn_sb_printf(p->o, " [bad hdr length %u - too long, > %u]", hlen, length);
		return;
	}
	uint8_t flags = rn_view_u8(v, 13);
	PUTS(p, "Flags [");
	if (!flags) {
		PUTS(p, "none");
	} else {
		static const char fl[] = "FSRP.UEW";
		for (int b = 0; b < 8; b++)
			if (flags & (1 << b))
				rn_sb_putc(p->o, fl[b]);
	}
	PUTS(p, "]");
	uint32_t thseq = 0, thack = 0;
	bool rev = false;
	if (p->seqs && !p->opts->abs_seq && (flags & RN_TCP_ACK)) {
		const uint8_t *src = v6 ? net->u.ip6.hdr.src : net->u.ip4.src;
		const uint8_t *dst = v6 ? net->u.ip6.hdr.dst : net->u.ip4.dst;
		rn_tcp_seq_relative(p->seqs, v6 ? 6 : 4, src, dst, sport, dport,
				    (flags & RN_TCP_SYN) != 0, &seq, &ack, &thseq, &thack, &rev);
	}
	if (hlen > length) {
		rn_sb_printf(p->o, " [bad hdr length %u - too long, > %u]", hlen, length);
		return;
	}
	if (p->opts->verbose && !l->u.tcp.fragmented && v.len >= length) {
		uint16_t sum = rn_view_be16(v, 16);
		struct rn_pseudo ph;
		if (v6)
			rn_ipv6_pseudo(&net->u.ip6.hdr, &ph);
		else
			rn_ipv4_pseudo(&net->u.ip4, &ph);
		uint64_t s = rn_csum_pseudo(&ph, RN_IPPROTO_TCP, length);
		s = rn_csum_add(s, v.data, length);
		uint16_t r = rn_csum_fold(s);
		rn_sb_printf(p->o, ", cksum 0x%04x", sum);
		if (!p->nested && rn_pkt_csum_left_to_nic(p->d->pkt)) {
			/* csum_hint (issue 9): a partial sum, not a wrong one */
			PUTS(p, " (unverified: left to the NIC)");
		} else if (r != 0) {
			/* in_cksum_shouldbe(): the value that would have summed to zero */
			uint32_t want = (uint32_t)(uint16_t)~sum + (uint16_t)~r;
			want = (want & 0xffff) + (want >> 16);
			want = (want & 0xffff) + (want >> 16);
			rn_sb_printf(p->o, " (incorrect -> 0x%04x)", (uint16_t)~want);
		} else {
			PUTS(p, " (correct)");
		}
	}
	length -= hlen;
	if (p->opts->verbose > 1 || length > 0 || (flags & (RN_TCP_SYN | RN_TCP_FIN | RN_TCP_RST))) {
		PUTS(p, ", seq ");
		put_uint(p, seq);
		if (length > 0) {
			PUTS(p, ":");
			put_uint(p, (uint32_t)(seq + length));
		}
	}
	if (flags & RN_TCP_ACK) {
		PUTS(p, ", ack ");
		put_uint(p, ack);
	}
	PUTS(p, ", win ");
	put_uint(p, win);
	if (flags & RN_TCP_URG) {
		PUTS(p, ", urg ");
		put_uint(p, urp);
	}
	if (hlen > 20 && !print_tcp_options(p, rn_view_head(rn_view_tail(v, 20), hlen - 20),
					    hlen - 20, thseq, thack, rev))
		return;
	PUTS(p, ", length ");
	put_uint(p, length);
	if (length == 0)
		return;
	if (!rn_view_has(v, 0, hlen)) {
		trunc_mark(p, "tcp");
		return;
	}
	struct rn_view data = rn_view_tail(v, hlen);
	if (data.len > length)
		data.len = length;
	if ((flags & RN_TCP_RST) && p->opts->verbose) {
		{
			uint32_t n = length;
			rn_sb_puts(p->o, data.len >= length ? " [RST" : " [!RST");
			if (n > 30) {
				n = 30;
				PUTS(p, "+");
			}
			PUTS(p, " ");
			rn_put_safe(p->o, data.data, n < data.len ? n : data.len);
			PUTS(p, "]");
		}
		return;
	}
	print_payload_app(p, layer_after(p, l), sport, dport, true);
}

/* ---- UDP ---- */

static void print_udp(struct pc *p, const struct rn_layer *l, const struct rn_layer *net)
{
	struct rn_view v = l->bytes;
	uint32_t length = l->length;
	bool v6 = net->proto == RN_PROTO_IPV6;
	if (!rn_view_has(v, 2, 2)) {
		print_addrs_ports(p, net, -1, -1, 17);
		trunc_mark(p, "udp");
		return;
	}
	uint16_t sport = rn_view_be16(v, 0), dport = rn_view_be16(v, 2);
	if (length < 8) {
		print_addrs_ports(p, net, sport, dport, 17);
		rn_sb_printf(p->o, "truncated-udp %u", length);
		return;
	}
	if (!rn_view_has(v, 4, 2)) {
		print_addrs_ports(p, net, sport, dport, 17);
		trunc_mark(p, "udp");
		return;
	}
	uint32_t ulen = rn_view_be16(v, 4);
	if (ulen == 0 && length > 65535)
		ulen = length;
	if (ulen < 8) {
		print_addrs_ports(p, net, sport, dport, 17);
		rn_sb_printf(p->o, "truncated-udplength %u", ulen);
		return;
	}
	ulen -= 8;
	length -= 8;
	if (ulen < length)
		length = ulen;
	print_addrs_ports(p, net, sport, dport, 17);
	if (v.len < 8) {
		trunc_mark(p, "udp");
		return;
	}
	struct rn_view data = rn_view_tail(v, 8);
	if (p->opts->verbose && !l->u.udp.fragmented) {
		uint16_t sum = rn_view_be16(v, 6);
		bool check = v6 || p->opts->verbose > 1;
		if (check && !v6 && sum == 0) {
			PUTS(p, "[no cksum] ");
		} else if (check && data.len >= length) {
			struct rn_pseudo ph;
			if (v6)
				rn_ipv6_pseudo(&net->u.ip6.hdr, &ph);
			else
				rn_ipv4_pseudo(&net->u.ip4, &ph);
			uint64_t s = rn_csum_pseudo(&ph, RN_IPPROTO_UDP, length + 8);
			s = rn_csum_add(s, v.data, length + 8);
			uint16_t r = rn_csum_fold(s);
			if (r != 0) {
				uint32_t want = (uint32_t)(uint16_t)~sum + (uint16_t)~r;
				want = (want & 0xffff) + (want >> 16);
				want = (want & 0xffff) + (want >> 16);
				rn_sb_printf(p->o, "[bad udp cksum 0x%04x -> 0x%04x!] ", sum,
					     (uint16_t)~want);
			} else {
				PUTS(p, "[udp sum ok] ");
			}
		}
	}
	const struct rn_layer *app = layer_after(p, l);
	if (!p->opts->quiet && app && app->proto == RN_PROTO_DNS) {
		rn_print_dns(p->o, app->payload, app->length, p->opts->verbose,
			     sport == 5353 || dport == 5353);
		return;
	}
	if (ulen > length && !l->u.udp.fragmented) {
		rn_sb_printf(p->o, "UDP, bad length %u > %u", ulen, length);
		return;
	}
	PUTS(p, "UDP, length ");
	put_uint(p, ulen);
}

/* tcpdump's print_txt_line(): one line of printable text after prefix;
 * returns the index after its end, 0 when it stops (binary, CR without LF,
 * or the data ends: that last case prints the text and " [|http]"). */
static size_t txt_line(struct pc *p, const char *prefix, struct rn_view v, size_t idx, bool cut)
{
	size_t start = idx, linelen;
	while (idx < v.len) {
		uint8_t c = v.data[idx];
		if (c == '\n') {
			linelen = idx - start;
			idx++;
			goto print;
		} else if (c == '\r') {
			if (idx + 1 >= v.len) {
				if (cut)
					trunc_jump(p, "http");
				return 0;
			}
			if (v.data[idx + 1] == '\n') {
				linelen = idx - start;
				idx += 2;
				goto print;
			}
			return 0;
		} else if ((c < 0x20 || c > 0x7e) && c != '\t') {
			return 0;
		}
		idx++;
	}
	if (!cut) { /* the data ends without a line end: tcpdump prints it as cut */
		rn_sb_puts(p->o, prefix);
		rn_sb_append(p->o, (const char *)v.data + start, idx - start);
		trunc_mark(p, "http");
	} else {
		trunc_jump(p, "http");
	}
	return 0;
print:
	rn_sb_puts(p->o, prefix);
	rn_sb_append(p->o, (const char *)v.data + start, linelen);
	return idx;
}

/* tcpdump's fetch_token(): a token of printable ASCII up to white space;
 * returns the index after the white space that follows, 0 when none. */
static size_t fetch_token(struct rn_view v, size_t len, size_t idx, char *tok, size_t cap)
{
	size_t n = 0;
	for (; idx < len; idx++) {
		if (idx >= v.len)
			return 0; /* ran past the captured bytes */
		uint8_t c = v.data[idx];
		if (c & 0x80)
			return 0;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			break;
		if (c < 0x20 || c > 0x7e)
			return 0;
		if (n + 2 > cap)
			return 0;
		tok[n++] = (char)c;
	}
	if (n == 0)
		return 0;
	tok[n] = 0;
	for (; idx < len; idx++) {
		if (idx >= v.len)
			break;
		uint8_t c = v.data[idx];
		if (c == '\r' || c == '\n' || c < 0x20 || c > 0x7e || (c != ' ' && c != '\t'))
			break;
	}
	return idx;
}

static const char *const http_cmds[] = {
	"GET", "PUT", "COPY", "HEAD", "LOCK", "MOVE", "POLL", "POST", "BCOPY", "BMOVE",
	"MKCOL", "TRACE", "LABEL", "MERGE", "DELETE", "SEARCH", "UNLOCK", "REPORT",
	"UPDATE", "NOTIFY", "BDELETE", "CONNECT", "OPTIONS", "CHECKIN", "PROPFIND",
	"CHECKOUT", "CCM_POST", "SUBSCRIBE", "PROPPATCH", "BPROPFIND", "BPROPPATCH",
	"UNCHECKOUT", "MKACTIVITY", "MKWORKSPACE", "UNSUBSCRIBE", "RPC_CONNECT",
	"VERSION-CONTROL", "BASELINE-CONTROL", NULL,
};

/* http_print() -> txtproto_print(): "HTTP", then the request or status line
 * (-v: every line) when the first token is a method or the second a
 * 3-digit code. */
static void print_http(struct pc *p, struct rn_view v, uint32_t length)
{
	if (v.len > length)
		v.len = length;
	bool cut = v.len < length;
	char tok[129];
	bool print_this = false;
	size_t idx = fetch_token(v, length, 0, tok, sizeof(tok));
	if (idx) {
		for (unsigned i = 0; http_cmds[i]; i++)
			if (!strcasecmp(tok, http_cmds[i]))
				print_this = true;
		idx = fetch_token(v, length, idx, tok, sizeof(tok));
		if (idx && tok[0] >= '0' && tok[0] <= '9' && tok[1] >= '0' && tok[1] <= '9' &&
		    tok[2] >= '0' && tok[2] <= '9' && tok[3] == 0)
			print_this = true;
	}
	PUTS(p, "HTTP");
	if (!print_this)
		return;
	if (p->opts->verbose) {
		rn_sb_printf(p->o, ", length: %u", length);
		for (idx = 0; idx < length && (idx = txt_line(p, "\n\t", v, idx, cut)) != 0;)
			;
	} else {
		txt_line(p, ": ", v, 0, cut);
	}
}

static void print_payload_app(struct pc *p, const struct rn_layer *app, uint16_t sport,
			      uint16_t dport, bool tcp)
{
	(void)tcp;
	if (sport == 80 || dport == 80 || sport == 8080 || dport == 8080) {
		PUTS(p, ": ");
		if (app)
			print_http(p, app->bytes, app->length);
		else
			PUTS(p, "HTTP");
		return;
	}
	if (app && app->proto == RN_PROTO_DNS) {
		PUTS(p, " ");
		rn_print_dns(p->o, app->payload, app->length, p->opts->verbose,
			     sport == 5353 || dport == 5353);
	}
}

/* ---- ICMP ---- */

static void print_icmp(struct pc *p, const struct rn_layer *l, const struct rn_layer *net)
{
	struct rn_view v = l->bytes;
	uint32_t plen = l->length;
	if (!rn_view_has(v, 0, 4)) {
		trunc_jump(p, "icmp");
		return;
	}
	uint8_t type = v.data[0], code = v.data[1];
	char buf[256];
	const char *str = buf;
	struct rn_view oip = rn_view_tail(v, 8);
	char dst[16] = "", gw[16] = "";
	if (rn_view_has(oip, 16, 4))
		snprintf(dst, sizeof(dst), "%u.%u.%u.%u", oip.data[16], oip.data[17], oip.data[18],
			 oip.data[19]);
	buf[0] = 0;
	switch (type) {
	case 0:
	case 8:
		if (!rn_view_has(v, 4, 4))
			goto trunc;
		snprintf(buf, sizeof(buf), "echo %s, id %u, seq %u", type == 8 ? "request" : "reply",
			 rn_view_be16(v, 4), rn_view_be16(v, 6));
		break;
	case 3:
		if (!rn_view_has(oip, 16, 4))
			goto trunc;
		switch (code) {
		case 0: snprintf(buf, sizeof(buf), "net %s unreachable", dst); break;
		case 1: snprintf(buf, sizeof(buf), "host %s unreachable", dst); break;
		case 2:
			snprintf(buf, sizeof(buf), "%s protocol %u unreachable", dst,
				 rn_view_u8(oip, 9));
			break;
		case 3: {
			uint8_t proto = rn_view_u8(oip, 9);
			size_t hl = (size_t)(rn_view_u8(oip, 0) & 15) * 4;
			if (!rn_view_has(oip, hl + 2, 2))
				goto trunc;
			uint16_t port = rn_view_be16(oip, hl + 2);
			if (proto == 6)
				snprintf(buf, sizeof(buf), "%s tcp port %u unreachable", dst, port);
			else if (proto == 17)
				snprintf(buf, sizeof(buf), "%s udp port %u unreachable", dst, port);
			else
				snprintf(buf, sizeof(buf), "%s protocol %u port %u unreachable", dst,
					 proto, port);
			break;
		}
		case 4: {
			uint16_t mtu = rn_view_be16(v, 6);
			if (mtu)
				snprintf(buf, sizeof(buf), "%s unreachable - need to frag (mtu %u)",
					 dst, mtu);
			else
				snprintf(buf, sizeof(buf), "%s unreachable - need to frag", dst);
			break;
		}
		default: {
			static const char *const u[] = {
				[5] = "%s unreachable - source route failed",
				[6] = "net %s unreachable - unknown",
				[7] = "host %s unreachable - unknown",
				[8] = "%s unreachable - source host isolated",
				[9] = "net %s unreachable - admin prohibited",
				[10] = "host %s unreachable - admin prohibited",
				[11] = "net %s unreachable - tos prohibited",
				[12] = "host %s unreachable - tos prohibited",
				[13] = "host %s unreachable - admin prohibited filter",
				[14] = "host %s unreachable - host precedence violation",
				[15] = "host %s unreachable - precedence cutoff",
			};
			if (code < 16 && u[code])
				snprintf(buf, sizeof(buf), u[code], dst);
			else
				snprintf(buf, sizeof(buf), "#%u %s unreachable", code, dst);
			break;
		}
		}
		break;
	case 5:
		if (!rn_view_has(oip, 16, 4))
			goto trunc;
		snprintf(gw, sizeof(gw), "%u.%u.%u.%u", v.data[4], v.data[5], v.data[6], v.data[7]);
		switch (code) {
		case 0: snprintf(buf, sizeof(buf), "redirect %s to net %s", dst, gw); break;
		case 1: snprintf(buf, sizeof(buf), "redirect %s to host %s", dst, gw); break;
		case 2: snprintf(buf, sizeof(buf), "redirect-tos %s to net %s", dst, gw); break;
		case 3: snprintf(buf, sizeof(buf), "redirect-tos %s to host %s", dst, gw); break;
		default: snprintf(buf, sizeof(buf), "redirect-#%u %s to %s", code, dst, gw); break;
		}
		break;
	case 11:
		switch (code) {
		case 0: str = "time exceeded in-transit"; break;
		case 1: str = "ip reassembly time exceeded"; break;
		default: snprintf(buf, sizeof(buf), "time exceeded-#%u", code); break;
		}
		break;
	case 12:
		if (code)
			snprintf(buf, sizeof(buf), "parameter problem - code %u", code);
		else {
			if (!rn_view_has(v, 4, 1))
				goto trunc;
			snprintf(buf, sizeof(buf), "parameter problem - octet %u", v.data[4]);
		}
		break;
	case 13:
		if (!rn_view_has(v, 4, 4))
			goto trunc;
		snprintf(buf, sizeof(buf), "time stamp query id %u seq %u", rn_view_be16(v, 4),
			 rn_view_be16(v, 6));
		break;
	case 4: str = "source quench"; break;
	case 10: str = "router solicitation"; break;
	case 14: {
		if (!rn_view_has(v, 16, 4))
			goto trunc;
		char t[3][20];
		for (int k = 0; k < 3; k++) {
			uint32_t ts = rn_view_be32(v, 8 + 4 * (size_t)k);
			unsigned ms = ts % 1000, sec = ts / 1000, min = sec / 60, hrs;
			sec -= min * 60;
			hrs = min / 60;
			min -= hrs * 60;
			snprintf(t[k], sizeof(t[k]), "%02u:%02u:%02u.%03u", hrs % 100u, min, sec, ms);
		}
		snprintf(buf, sizeof(buf), "time stamp reply id %u seq %u: org %s, recv %s, xmit %s",
			 rn_view_be16(v, 4), rn_view_be16(v, 6), t[0], t[1], t[2]);
		break;
	}
	case 15: str = "information request"; break;
	case 16: str = "information reply"; break;
	case 17: str = "address mask request"; break;
	case 18:
		if (!rn_view_has(v, 8, 4))
			goto trunc;
		snprintf(buf, sizeof(buf), "address mask is 0x%08x", rn_view_be32(v, 8));
		break;
	default: snprintf(buf, sizeof(buf), "type-#%u", type); break;
	}
	PUTS(p, "ICMP ");
	rn_sb_puts(p->o, str);
	PUTS(p, ", length ");
	put_uint(p, plen);
	bool frag = net->proto == RN_PROTO_IPV4 && rn_ipv4_is_fragment(&net->u.ip4);
	if (p->opts->verbose && !frag && v.len >= plen) {
		uint16_t r = rn_inet_csum(v.data, plen);
		if (r != 0) {
			uint16_t sum = rn_view_be16(v, 2);
			uint32_t want = (uint32_t)(uint16_t)~sum + (uint16_t)~r;
			want = (want & 0xffff) + (want >> 16);
			want = (want & 0xffff) + (want >> 16);
			rn_sb_printf(p->o, " (wrong icmp cksum %x (->%x)!)", sum, (uint16_t)~want);
		}
	}
	if (p->opts->verbose && (type == 3 || type == 4 || type == 5 || type == 11 || type == 12)) {
		PUTS(p, "\n\t");
		/* The quoted datagram, printed as tcpdump's ip_print would. */
		struct rn_pkt inner = *p->d->pkt;
		inner.data = oip.data;
		inner.caplen = (uint32_t)oip.len;
		uint16_t tl = rn_view_be16(oip, 2);
		inner.len = tl;
		if (inner.caplen > tl)
			inner.caplen = tl;
		inner.linktype = RN_LINK_IPV4;
		struct rn_dissection d2;
		rn_dissect(&inner, 0, &d2);
		struct rn_print_opts o2 = *p->opts;
		o2.hex = 0;
		struct pc p2 = { p->o, &o2, &d2, NULL, true, false };
		if (d2.n)
			print_layers(&p2);
	}
	return;
trunc:
	trunc_jump(p, "icmp");
}

/* ---- ICMPv6 ---- */

static const char *icmp6_type_name(uint8_t t)
{
	switch (t) {
	case 1: return "destination unreachable";
	case 2: return "packet too big";
	case 3: return "time exceeded in-transit";
	case 4: return "parameter problem";
	case 128: return "echo request";
	case 129: return "echo reply";
	case 130: return "multicast listener query";
	case 131: return "multicast listener report";
	case 132: return "multicast listener done";
	case 133: return "router solicitation";
	case 134: return "router advertisement";
	case 135: return "neighbor solicitation";
	case 136: return "neighbor advertisement";
	case 137: return "redirect";
	case 138: return "router renumbering";
	case 139: return "node information query";
	case 140: return "node information reply";
	case 141: return "inverse neighbor solicitation";
	case 142: return "inverse neighbor advertisement";
	case 143: return "multicast listener report v2";
	case 144: return "ha discovery request";
	case 145: return "ha discovery reply";
	case 146: return "mobile router solicitation";
	case 147: return "mobile router advertisement";
	case 148: return "certification path solicitation";
	case 149: return "certification path advertisement";
	case 151: return "multicast router advertisement";
	case 152: return "multicast router solicitation";
	case 153: return "multicast router termination";
	case 155: return "RPL";
	case 200: return "mtrace response";
	case 201: return "mtrace";
	default: return NULL;
	}
}

static const char *nd_opt_name(uint8_t t)
{
	switch (t) {
	case 1: return "source link-address";
	case 2: return "destination link-address";
	case 3: return "prefix info";
	case 4: return "redirected header";
	case 5: return "mtu";
	case 7: return "advertisement interval";
	case 8: return "homeagent information";
	case 24: return "route info";
	case 25: return "rdnss";
	case 31: return "dnssl";
	default: return "unknown";
	}
}

/* tcpdump's hex_print(): "IDENT0x0000: " then " xxxx" groups, 8 a line. */
static void hex_print_ident(struct pc *p, const char *ident, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i % 16 == 0)
			rn_sb_printf(p->o, "%s0x%04zx: ", ident, i);
		if (i % 2 == 0)
			rn_sb_printf(p->o, " %02x", d[i]);
		else
			rn_sb_printf(p->o, "%02x", d[i]);
	}
}

static void put_lifetime(struct pc *p, uint32_t t)
{
	if (t == 0xffffffffu)
		PUTS(p, "infinity");
	else
		rn_sb_printf(p->o, "%us", t);
}

/* icmp6_opt_print (-v): one "\n\t  NAME option (T), length L (U): ..." per
 * option, the option's bytes in hex with -vv. Returns false when truncated. */
/* A bit and its name, for put_flag_names(); tables end with { 0, NULL }. */
struct flag_name {
	uint32_t bit;
	const char *name;
};

/* The names of the bits set in f, comma-separated, or "none" (tcpdump's
 * ICMPv6 flag lists). */
static void put_flag_names(struct pc *p, uint32_t f, const struct flag_name *t)
{
	bool any = false;
	for (; t->name; t++)
		if (f & t->bit) {
			rn_sb_printf(p->o, "%s%s", any ? ", " : "", t->name);
			any = true;
		}
	if (!any)
		PUTS(p, "none");
}

static bool print_nd_options(struct pc *p, struct rn_view opts, uint32_t resid)
{
	size_t i = 0;
	while (i < opts.len) {
		if (!rn_view_has(opts, i, 2))
			return false;
		if ((int32_t)resid <= 0)
			return true;
		uint8_t t = opts.data[i], ln = opts.data[i + 1];
		size_t olen = (size_t)ln * 8;
		if (ln == 0 || !rn_view_has(opts, i, olen))
			return false;
		struct rn_view o = rn_view_head(rn_view_tail(opts, i), olen);
		rn_sb_printf(p->o, "\n\t  %s option (%u), length %zu (%u): ", nd_opt_name(t), t, olen,
			     ln);
		switch (t) {
		case 1:
		case 2:
			rn_put_linkaddr(p->o, o.data + 2, olen - 2);
			break;
		case 3: {
			if (!rn_view_has(o, 0, 32))
				return false;
			rn_put_ip6(p->o, o.data + 16);
			rn_sb_printf(p->o, "/%u%s, Flags [", o.data[2], ln != 4 ? "badlen" : "");
			static const struct flag_name pf[] = {
				{ 0x80, "onlink" }, { 0x40, "auto" }, { 0x20, "router" }, { 0, NULL },
			};
			put_flag_names(p, o.data[3], pf);
			PUTS(p, "], valid time ");
			put_lifetime(p, rn_view_be32(o, 4));
			PUTS(p, ", pref. time ");
			put_lifetime(p, rn_view_be32(o, 8));
			break;
		}
		case 4:
			/* tcpdump dumps olen bytes from the start of the option
			 * list here, not of this option; kept for parity. */
			hex_print_ident(p, "\n\t    ", opts.data, olen);
			break;
		case 5:
			rn_sb_printf(p->o, " %u%s", rn_view_be32(o, 4),
				     ln != 1 ? "bad option length" : "");
			break;
		case 25:
			rn_sb_printf(p->o, " lifetime %us,", rn_view_be32(o, 4));
			for (size_t k = 0; k < (size_t)(ln - 1) / 2; k++) {
				PUTS(p, " addr: ");
				rn_put_ip6(p->o, o.data + 8 + 16 * k);
			}
			break;
		case 31: {
			rn_sb_printf(p->o, " lifetime %us, domain(s):", rn_view_be32(o, 4));
			size_t dp = 8;
			while (dp < olen && o.data[dp] != 0) {
				char name[300];
				size_t next = 0;
				PUTS(p, " ");
				int r = rn_dns_name(o, dp, name, sizeof(name), &next);
				if (r < 0)
					return false;
				rn_put_safe(p->o, (const uint8_t *)name, (size_t)r);
				dp = next;
			}
			break;
		}
		case 7:
			rn_sb_printf(p->o, " %ums", rn_view_be32(o, 4));
			break;
		case 8:
			rn_sb_printf(p->o, " preference %u, lifetime %u", rn_view_be16(o, 4),
				     rn_view_be16(o, 6));
			break;
		case 24: {
			uint8_t a[16] = { 0 };
			if (ln == 2)
				memcpy(a, o.data + 8, 8);
			else if (ln == 3)
				memcpy(a, o.data + 8, 16);
			else if (ln != 1)
				return false;
			PUTS(p, " ");
			rn_put_ip6(p->o, a);
			static const char *const pref[] = { "medium", "high", "rsv", "low" };
			rn_sb_printf(p->o, "/%u, pref=%s, lifetime=", o.data[2],
				     pref[(o.data[3] >> 3) & 3]);
			put_lifetime(p, rn_view_be32(o, 4));
			break;
		}
		default:
			if (p->opts->verbose <= 1) {
				hex_print_ident(p, "\n\t  ", o.data + 2, olen - 2);
				return true;
			}
			break;
		}
		if (p->opts->verbose > 1)
			hex_print_ident(p, "\n\t    ", o.data + 2, olen - 2);
		i += olen;
		resid -= (uint32_t)olen;
	}
	return true;
}

/* mld6_print(): MLDv1 (RFC 2710). */
static bool print_mld1(struct pc *p, struct rn_view v)
{
	if (!rn_view_has(v, 0, 24))
		return true; /* tcpdump prints nothing for a short one */
	rn_sb_printf(p->o, "max resp delay: %u addr: ", rn_view_be16(v, 4));
	rn_put_ip6(p->o, v.data + 8);
	return true;
}

/* mldv2_query_print() (RFC 3810 §5.1). */
static bool print_mld2_query(struct pc *p, struct rn_view v, uint32_t len)
{
	if (!rn_view_has(v, 0, 28))
		return false;
	uint16_t mrc = rn_view_be16(v, 4);
	uint32_t mrt = mrc < 32768 ? mrc : ((uint32_t)(mrc & 0x0fff) | 0x1000) << (((mrc & 0x7000) >> 12) + 3);
	if (p->opts->verbose)
		rn_sb_printf(p->o, " [max resp delay=%u]", mrt);
	PUTS(p, " [gaddr ");
	rn_put_ip6(p->o, v.data + 8);
	if (p->opts->verbose) {
		uint8_t b24 = v.data[24], b25 = v.data[25];
		if (b24 & 0x08)
			PUTS(p, " sflag");
		if (b24 & 0x07)
			rn_sb_printf(p->o, " robustness=%u", b24 & 7);
		uint32_t qqi = b25 < 128 ? b25 : ((uint32_t)(b25 & 0x0f) | 0x10) << (((b25 & 0x70) >> 4) + 3);
		rn_sb_printf(p->o, " qqi=%u", qqi);
	}
	uint16_t nsrcs = rn_view_be16(v, 26);
	if (nsrcs > 0) {
		if (len < 28 + (uint32_t)nsrcs * 16) {
			PUTS(p, " [invalid number of sources]");
		} else if (p->opts->verbose > 1) {
			PUTS(p, " {");
			for (unsigned i = 0; i < nsrcs; i++) {
				if (!rn_view_has(v, 28 + 16 * (size_t)i, 16))
					return false;
				PUTS(p, " ");
				rn_put_ip6(p->o, v.data + 28 + 16 * i);
			}
			PUTS(p, " }");
		} else {
			rn_sb_printf(p->o, ", %u source(s)", nsrcs);
		}
	}
	PUTS(p, "]");
	return true;
}

/* mldv2_report_print() (RFC 3810 §5.2). */
static bool print_mld2_report(struct pc *p, struct rn_view v, uint32_t len)
{
	if (len < 8) {
		rn_sb_printf(p->o, " [invalid len %u]", len);
		return true;
	}
	if (!rn_view_has(v, 6, 2))
		return false;
	uint16_t ngroups = rn_view_be16(v, 6);
	rn_sb_printf(p->o, ", %u group record(s)", ngroups);
	if (!p->opts->verbose)
		return true;
	static const char *const rt[] = { NULL, "is_in", "is_ex", "to_in", "to_ex", "allow", "block" };
	size_t group = 8;
	for (unsigned i = 0; i < ngroups; i++) {
		if (len < group + 20) {
			PUTS(p, " [invalid number of groups]");
			return true;
		}
		if (!rn_view_has(v, group, 20))
			return false;
		PUTS(p, " [gaddr ");
		rn_put_ip6(p->o, v.data + group + 4);
		uint8_t t = v.data[group];
		if (t >= 1 && t <= 6)
			rn_sb_printf(p->o, " %s", rt[t]);
		else
			rn_sb_printf(p->o, "  [v2-report-#%u]", t);
		uint16_t nsrcs = rn_view_be16(v, group + 2);
		if (len < group + 20 + (size_t)nsrcs * 16) {
			rn_sb_printf(p->o, " [invalid number of sources %u]", nsrcs);
			return true;
		}
		if (p->opts->verbose == 1) {
			rn_sb_printf(p->o, ", %u source(s)", nsrcs);
		} else {
			PUTS(p, " {");
			for (unsigned j = 0; j < nsrcs; j++) {
				if (!rn_view_has(v, group + 20 + 16 * (size_t)j, 16))
					return false;
				PUTS(p, " ");
				rn_put_ip6(p->o, v.data + group + 20 + 16 * j);
			}
			PUTS(p, " }");
		}
		group += 20 + (size_t)nsrcs * 16;
		PUTS(p, "]");
	}
	return true;
}

static void print_icmp6(struct pc *p, const struct rn_layer *l, const struct rn_layer *net)
{
	struct rn_view v = l->bytes;
	uint32_t length = l->length;
	if (length == 0) {
		PUTS(p, "ICMP6, length 0 (invalid)");
		return;
	}
	if (!rn_view_has(v, 0, 4)) {
		trunc_jump(p, "icmp6");
		return;
	}
	uint8_t type = v.data[0], code = v.data[1];
	bool frag = net->proto == RN_PROTO_IPV6 && net->u.ip6.chain.fragment;
	if (p->opts->verbose && !frag && v.len >= length && net->proto == RN_PROTO_IPV6) {
		struct rn_pseudo ph;
		rn_ipv6_pseudo(&net->u.ip6.hdr, &ph);
		uint64_t s = rn_csum_pseudo(&ph, RN_IPPROTO_ICMPV6, length);
		s = rn_csum_add(s, v.data, length);
		uint16_t r = rn_csum_fold(s);
		uint16_t sum = rn_view_be16(v, 2);
		if (r != 0) {
			uint32_t want = (uint32_t)(uint16_t)~sum + (uint16_t)~r;
			want = (want & 0xffff) + (want >> 16);
			want = (want & 0xffff) + (want >> 16);
			rn_sb_printf(p->o, "[bad icmp6 cksum 0x%04x -> 0x%04x!] ", sum,
				     (uint16_t)~want);
		} else {
			PUTS(p, "[icmp6 sum ok] ");
		}
	}
	const char *tn = icmp6_type_name(type);
	if (tn)
		rn_sb_printf(p->o, "ICMP6, %s", tn);
	else
		rn_sb_printf(p->o, "ICMP6, unknown icmp6 type (%u)", type);
	bool nd = type == 133 || type == 134 || type == 135 || type == 136 || type == 137;
	if (p->opts->verbose && nd)
		rn_sb_printf(p->o, ", length %u", length);
	struct rn_view oip = rn_view_tail(v, 8);
	switch (type) {
	case 1:
		switch (code) {
		case 0: PUTS(p, ", unreachable route"); break;
		case 1: PUTS(p, ",  unreachable prohibited"); break;
		case 2: PUTS(p, ", beyond scope"); break;
		case 3: PUTS(p, ", unreachable address"); break;
		case 4: PUTS(p, ", unreachable port"); break;
		default: rn_sb_printf(p->o, ", unknown unreach code (%u)", code); break;
		}
		switch (code) {
		case 0:
		case 1:
		case 3:
			if (!rn_view_has(oip, 24, 16))
				goto trunc;
			PUTS(p, " ");
			rn_put_ip6(p->o, oip.data + 24);
			break;
		case 2:
			if (!rn_view_has(oip, 24, 16))
				goto trunc;
			PUTS(p, " ");
			rn_put_ip6(p->o, oip.data + 24);
			PUTS(p, ", source address ");
			rn_put_ip6(p->o, oip.data + 8);
			break;
		case 4: {
			struct rn_ipv6 ih;
			struct rn_view ipl;
			struct rn_ipv6_chain ch;
			if (!rn_view_has(oip, 0, 40))
				goto trunc;
			if (rn_ipv6_parse(oip, &ih, &ipl) < 0 ||
			    rn_ipv6_walk(ih.next_header, rn_view_tail(oip, 40), &ch) < 0 ||
			    !rn_view_has(ch.upper, 2, 2))
				goto trunc;
			uint16_t dport = rn_view_be16(ch.upper, 2);
			PUTS(p, ", ");
			rn_put_ip6(p->o, oip.data + 24);
			if (ch.upper_proto == 6)
				rn_sb_printf(p->o, " tcp port %u", dport);
			else if (ch.upper_proto == 17)
				rn_sb_printf(p->o, " udp port %u", dport);
			else
				rn_sb_printf(p->o, " protocol %u port %u unreachable",
					     ch.upper_proto, dport);
			break;
		}
		default:
			break;
		}
		break;
	case 2:
		if (!rn_view_has(v, 4, 4))
			goto trunc;
		rn_sb_printf(p->o, ", mtu %u", rn_view_be32(v, 4));
		break;
	case 3:
		switch (code) {
		case 0:
			if (!rn_view_has(oip, 24, 16))
				goto trunc;
			PUTS(p, " for ");
			rn_put_ip6(p->o, oip.data + 24);
			break;
		case 1: PUTS(p, " (reassembly)"); break;
		default: rn_sb_printf(p->o, ", unknown code (%u)", code); break;
		}
		break;
	case 4:
		if (!rn_view_has(oip, 24, 16) || !rn_view_has(v, 4, 4))
			goto trunc;
		switch (code) {
		case 0: rn_sb_printf(p->o, ", erroneous - octet %u", rn_view_be32(v, 4)); break;
		case 1: rn_sb_printf(p->o, ", next header - octet %u", rn_view_be32(v, 4)); break;
		case 2: rn_sb_printf(p->o, ", option - octet %u", rn_view_be32(v, 4)); break;
		default: rn_sb_printf(p->o, ", code-#%u", code); break;
		}
		break;
	case 128:
	case 129:
		if (!rn_view_has(v, 4, 4))
			goto trunc;
		rn_sb_printf(p->o, ", id %u, seq %u", rn_view_be16(v, 4), rn_view_be16(v, 6));
		break;
	case 130:
		if (length == 24) {
			if (!print_mld1(p, v))
				goto trunc;
		} else if (length >= 28) {
			PUTS(p, " v2");
			if (!print_mld2_query(p, v, length))
				goto trunc;
		} else {
			rn_sb_printf(p->o, " unknown-version (len %u) ", length);
		}
		break;
	case 131:
	case 132:
		if (!print_mld1(p, v))
			goto trunc;
		break;
	case 143:
		if (!print_mld2_report(p, v, length))
			goto trunc;
		break;
	case 133:
		if (p->opts->verbose && length >= 8 &&
		    !print_nd_options(p, rn_view_tail(v, 8), length - 8))
			goto otrunc;
		break;
	case 134:
		if (p->opts->verbose) {
			if (!rn_view_has(v, 0, 16))
				goto trunc;
			uint8_t f = v.data[5];
			rn_sb_printf(p->o, "\n\thop limit %u, Flags [", v.data[4]);
			static const struct flag_name rf[] = {
				{ 0x80, "managed" }, { 0x40, "other stateful" },
				{ 0x20, "home agent" }, { 0, NULL },
			};
			put_flag_names(p, f, rf);
			static const char *const pref[] = { "medium", "high", "rsv", "low" };
			rn_sb_printf(p->o, "], pref %s, router lifetime %us, reachable time %ums, "
					   "retrans timer %ums",
				     pref[(f >> 3) & 3], rn_view_be16(v, 6), rn_view_be32(v, 8),
				     rn_view_be32(v, 12));
			if (length >= 16 && !print_nd_options(p, rn_view_tail(v, 16), length - 16))
				goto otrunc;
		}
		break;
	case 135:
		if (!rn_view_has(v, 8, 16))
			goto trunc;
		PUTS(p, ", who has ");
		rn_put_ip6(p->o, v.data + 8);
		if (p->opts->verbose && length >= 24 &&
		    !print_nd_options(p, rn_view_tail(v, 24), length - 24))
			goto otrunc;
		break;
	case 136:
		if (!rn_view_has(v, 8, 16))
			goto trunc;
		PUTS(p, ", tgt is ");
		rn_put_ip6(p->o, v.data + 8);
		if (p->opts->verbose) {
			PUTS(p, ", Flags [");
			static const struct flag_name nf[] = {
				{ 0x80000000u, "router" }, { 0x40000000u, "solicited" },
				{ 0x20000000u, "override" }, { 0, NULL },
			};
			put_flag_names(p, rn_view_be32(v, 4), nf);
			PUTS(p, "]");
			if (length >= 24 && !print_nd_options(p, rn_view_tail(v, 24), length - 24))
				goto otrunc;
		}
		break;
	case 137:
		if (!rn_view_has(v, 8, 32))
			goto trunc;
		PUTS(p, ", ");
		rn_put_ip6(p->o, v.data + 24);
		PUTS(p, " to ");
		rn_put_ip6(p->o, v.data + 8);
		if (p->opts->verbose && length >= 40 &&
		    !print_nd_options(p, rn_view_tail(v, 40), length - 40))
			goto otrunc;
		break;
	default:
		rn_sb_printf(p->o, ", length %u", length);
		if (p->opts->verbose <= 1)
			hex_print_ident(p, "\n\t", v.data, v.len < length ? v.len : length);
		return;
	}
	if (!p->opts->verbose)
		rn_sb_printf(p->o, ", length %u", length);
	return;
trunc:
	trunc_jump(p, "icmp6");
	return;
otrunc:
	/* icmp6_opt_print() failed: "goto trunc", no longjmp */
	trunc_mark(p, "icmp6");
}

/* ---- IP ---- */

static void print_transport(struct pc *p, const struct rn_layer *net, uint8_t proto,
			    const struct rn_layer *t)
{
	if (t && t->proto == RN_PROTO_TCP) {
		print_tcp(p, t, net);
		return;
	}
	if (t && t->proto == RN_PROTO_UDP) {
		print_udp(p, t, net);
		return;
	}
	if (t && t->proto == RN_PROTO_ICMP) {
		print_icmp(p, t, net);
		return;
	}
	if (t && t->proto == RN_PROTO_ICMP6) {
		print_icmp6(p, t, net);
		return;
	}
	const char *n = ipproto_name(proto);
	(void)n;
	rn_sb_printf(p->o, " ip-proto-%u %u", proto, t ? t->length : 0);
}

/* ip_printroute(): RR, LSRR, SSRR addresses; "," after the recorded ones. */
static bool print_ip_route(struct pc *p, struct rn_view o, size_t i, size_t length)
{
	if (length < 3) {
		rn_sb_printf(p->o, " [bad length %zu]", length);
		return true;
	}
	if ((length + 1) & 3)
		rn_sb_printf(p->o, " [bad length %zu]", length);
	size_t ptr = (size_t)o.data[i + 2] - 1;
	if (ptr < 3 || ((ptr + 1) & 3) || ptr > length + 1)
		rn_sb_printf(p->o, " [bad ptr %u]", o.data[i + 2]);
	for (size_t len = 3; len < length; len += 4) {
		if (!rn_view_has(o, i + len, 4))
			return false;
		PUTS(p, " ");
		rn_put_ip4(p->o, o.data + i + len);
		if (ptr > len)
			PUTS(p, ",");
	}
	return true;
}

/* ip_printts(): the timestamp option. */
static bool print_ip_ts(struct pc *p, struct rn_view o, size_t i, size_t length)
{
	if (length < 4) {
		rn_sb_printf(p->o, "[bad length %zu]", length);
		return true;
	}
	PUTS(p, " TS{");
	uint8_t fl = o.data[i + 3];
	size_t hoplen = (fl & 0xf) != 0 ? 8 : 4;
	if ((length - 4) & (hoplen - 1))
		rn_sb_printf(p->o, "[bad length %zu]", length);
	size_t ptr = (size_t)o.data[i + 2] - 1, len = 0;
	if (ptr < 4 || ((ptr - 4) & (hoplen - 1)) || ptr > length + 1)
		rn_sb_printf(p->o, "[bad ptr %u]", o.data[i + 2]);
	switch (fl & 0xf) {
	case 0: PUTS(p, "TSONLY"); break;
	case 1: PUTS(p, "TS+ADDR"); break;
	case 3: PUTS(p, "PRESPEC"); break;
	default: rn_sb_printf(p->o, "[bad ts type %u]", fl & 0xf); goto done;
	}
	const char *type = " ";
	for (len = 4; len < length; len += hoplen) {
		if (ptr == len)
			type = " ^ ";
		if (!rn_view_has(o, i + len, hoplen))
			return false;
		rn_sb_printf(p->o, "%s%u@", type, rn_view_be32(o, i + len + hoplen - 4));
		if (hoplen == 8)
			rn_put_ip4(p->o, o.data + i + len);
		type = " ";
	}
done:
	rn_sb_puts(p->o, ptr == len ? " ^ " : "");
	if (fl >> 4)
		rn_sb_printf(p->o, " [%u hops not recorded]} ", fl >> 4);
	else
		PUTS(p, "}");
	return true;
}

/* ip_optprint(). */
static void print_ipv4_options(struct pc *p, struct rn_view o, bool *truncated)
{
	size_t length = o.len, i = 0;
	const char *sep = "";
	while (length > 0) {
		rn_sb_puts(p->o, sep);
		sep = ",";
		if (!rn_view_has(o, i, 1)) {
			*truncated = true;
			return;
		}
		uint8_t code = o.data[i];
		switch (code) {
		case 0: PUTS(p, "EOL"); break;
		case 1: PUTS(p, "NOP"); break;
		case 68: PUTS(p, "timestamp"); break;
		case 130: PUTS(p, "security"); break;
		case 7: PUTS(p, "RR"); break;
		case 137: PUTS(p, "SSRR"); break;
		case 131: PUTS(p, "LSRR"); break;
		case 148: PUTS(p, "RA"); break;
		case 82: PUTS(p, "traceroute"); break;
		default: rn_sb_printf(p->o, "unknown %u", code); break;
		}
		size_t olen;
		if (code == 0 || code == 1) {
			olen = 1;
		} else {
			if (!rn_view_has(o, i + 1, 1)) {
				*truncated = true;
				return;
			}
			olen = o.data[i + 1];
			if (olen < 2) {
				rn_sb_printf(p->o, " [bad length %zu]", olen);
				return;
			}
		}
		if (olen > length) {
			rn_sb_printf(p->o, " [bad length %zu]", olen);
			return;
		}
		if (!rn_view_has(o, i, olen)) {
			*truncated = true;
			return;
		}
		bool ok = true;
		switch (code) {
		case 0:
			return;
		case 68:
			ok = print_ip_ts(p, o, i, olen);
			break;
		case 7:
		case 131:
		case 137:
			ok = print_ip_route(p, o, i, olen);
			break;
		case 148:
			if (olen < 4) {
				rn_sb_printf(p->o, " [bad length %zu]", olen);
				break;
			}
			if (rn_view_be16(o, i + 2) != 0)
				rn_sb_printf(p->o, " value %u", rn_view_be16(o, i + 2));
			break;
		default:
			break;
		}
		if (!ok) {
			*truncated = true;
			return;
		}
		i += olen;
		length -= olen;
	}
}

static void print_ipv4(struct pc *p, const struct rn_layer *l)
{
	struct rn_view v = l->bytes;
	uint32_t length = l->length;
	if (v.len < 1) {
		trunc_mark(p, "ip");
		return;
	}
	uint8_t ver = v.data[0] >> 4;
	if (ver != 4) {
		if (ver == 6)
			PUTS(p, "IP6, wrong link-layer encapsulation");
		else
			rn_sb_printf(p->o, "IP%u", ver);
		PUTS(p, " (invalid)");
		return;
	}
	if (!p->opts->eth)
		PUTS(p, "IP ");
	if (v.len < 20) {
		trunc_mark(p, "ip");
		return;
	}
	if (length < 20) {
		rn_sb_printf(p->o, "truncated-ip %u", length);
		return;
	}
	uint32_t hlen = (uint32_t)(v.data[0] & 15) * 4;
	if (hlen < 20) {
		rn_sb_printf(p->o, "bad-hlen %u", hlen);
		return;
	}
	uint32_t len = rn_view_be16(v, 2);
	if (length < len)
		rn_sb_printf(p->o, "truncated-ip - %u bytes missing! ", len - length);
	if (len < hlen) {
		rn_sb_printf(p->o, "bad-len %u", len);
		return;
	}
	uint16_t off = rn_view_be16(v, 6);
	uint8_t proto = v.data[9];
	const uint8_t *src = v.data + 12, *dst = v.data + 16;
	if (p->opts->verbose) {
		uint8_t tos = v.data[1];
		rn_sb_printf(p->o, "(tos 0x%x", tos);
		switch (tos & 3) {
		case 1: PUTS(p, ",ECT(1)"); break;
		case 2: PUTS(p, ",ECT(0)"); break;
		case 3: PUTS(p, ",CE"); break;
		default: break;
		}
		if (v.data[8] >= 1)
			rn_sb_printf(p->o, ", ttl %u", v.data[8]);
		char fl[24];
		size_t fn = 0;
		if (off & 0x2000)
			fl[fn++] = '+';
		if (off & 0x4000) {
			if (fn) {
				fl[fn++] = ',';
				fl[fn++] = ' ';
			}
			fl[fn++] = 'D';
			fl[fn++] = 'F';
		}
		if (off & 0x8000) {
			if (fn) {
				fl[fn++] = ',';
				fl[fn++] = ' ';
			}
			memcpy(fl + fn, "rsvd", 4);
			fn += 4;
		}
		fl[fn] = 0;
		const char *pn = ipproto_name(proto);
		rn_sb_printf(p->o, ", id %u, offset %u, flags [%s], proto %s (%u), length %u",
			     rn_view_be16(v, 4), (off & 0x1fff) * 8u, fn ? fl : "none",
			     pn ? pn : "unknown", proto, len);
		bool truncated = false;
		if (hlen > 20) {
			PUTS(p, ", options (");
			print_ipv4_options(p, rn_view_head(rn_view_tail(v, 20), hlen - 20),
					   &truncated);
			if (truncated)
				PUTS(p, " [truncated-option]");
			PUTS(p, ")");
		}
		if (v.len >= hlen) {
			uint16_t r = rn_inet_csum(v.data, hlen);
			if (r != 0) {
				uint16_t sum = rn_view_be16(v, 10);
				uint32_t want = (uint32_t)(uint16_t)~sum + (uint16_t)~r;
				want = (want & 0xffff) + (want >> 16);
				want = (want & 0xffff) + (want >> 16);
				rn_sb_printf(p->o, ", bad cksum %x (->%x)!", sum, (uint16_t)~want);
			}
		}
		PUTS(p, ")\n    ");
		if (truncated) {
			rn_put_ip4(p->o, src);
			PUTS(p, " > ");
			rn_put_ip4(p->o, dst);
			PUTS(p, ": ");
			trunc_mark(p, "ip");
			return;
		}
	}
	if ((off & 0x1fff) == 0) {
		if (proto != 6 && proto != 17 && proto != 132 && proto != 33) {
			rn_put_ip4(p->o, src);
			PUTS(p, " > ");
			rn_put_ip4(p->o, dst);
			PUTS(p, ": ");
		}
		if (v.len < hlen) {
			rn_sb_printf(p->o, " [remaining caplen(%zu) < header length(%u)]", v.len,
				     hlen);
			trunc_jump(p, "ip");
			return;
		}
		const struct rn_layer *t = layer_after(p, l);
		if (l->status != RN_LAYER_OK)
			t = NULL;
		if (!t && (proto == 6 || proto == 17 || proto == 1)) {
			trunc_mark(p, "ip");
			return;
		}
		if (proto == 4 || proto == 41) {
			/* IP in IP: print the inner datagram (a nested dissection) */
			struct rn_pkt inner = *p->d->pkt;
			struct rn_view in = rn_view_tail(v, hlen);
			if (in.len > len - hlen)
				in.len = len - hlen;
			inner.data = in.data;
			inner.caplen = (uint32_t)in.len;
			inner.len = len - hlen;
			inner.linktype = proto == 4 ? RN_LINK_IPV4 : RN_LINK_IPV6;
			struct rn_dissection d2;
			rn_dissect(&inner, 0, &d2);
			struct pc p2 = { p->o, p->opts, &d2, p->seqs, true, false };
			print_layers(&p2);
			return;
		}
		print_transport(p, l, proto, t);
	} else {
		rn_put_ip4(p->o, src);
		PUTS(p, " > ");
		rn_put_ip4(p->o, dst);
		rn_sb_printf(p->o, ": ip-proto-%u", proto);
	}
}

/* ip6_opt_process(): the options of a hop-by-hop or destination header (-v). */
static bool print_ip6_optlist(struct pc *p, struct rn_view o)
{
	size_t i = 0, len = o.len;
	for (; i < len;) {
		size_t optlen;
		uint8_t t = o.data[i];
		if (t == 0) {
			optlen = 1;
		} else {
			if (i + 1 >= len)
				return false;
			optlen = (size_t)o.data[i + 1] + 2;
		}
		if (i + optlen > len)
			return false;
		switch (t) {
		case 0:
			if (p->opts->verbose)
				PUTS(p, "(pad1)");
			break;
		case 1:
			if (len - i < 2) {
				PUTS(p, "(padn: trunc)");
				return false;
			}
			if (p->opts->verbose)
				PUTS(p, "(padn)");
			break;
		case 5:
			if (len - i < 4) {
				PUTS(p, "(rtalert: trunc)");
				return false;
			}
			if (o.data[i + 1] != 2) {
				rn_sb_printf(p->o, "(rtalert: invalid len %u)", o.data[i + 1]);
				return false;
			}
			if (p->opts->verbose)
				rn_sb_printf(p->o, "(rtalert: 0x%04x) ", rn_view_be16(o, i + 2));
			break;
		case 0xc2:
			if (len - i < 6) {
				PUTS(p, "(jumbo: trunc)");
				return false;
			}
			if (o.data[i + 1] != 4) {
				rn_sb_printf(p->o, "(jumbo: invalid len %u)", o.data[i + 1]);
				return false;
			}
			if (p->opts->verbose)
				rn_sb_printf(p->o, "(jumbo: %u) ", rn_view_be32(o, i + 2));
			break;
		default:
			if (len - i < 2) {
				rn_sb_printf(p->o, "(type %u: trunc)", t);
				return false;
			}
			if (p->opts->verbose)
				rn_sb_printf(p->o, "(opt_type 0x%02x: len=%u)", t, o.data[i + 1]);
			break;
		}
		i += optlen;
	}
	if (p->opts->verbose)
		PUTS(p, " ");
	return true;
}

/* hbhopt_process() / dstopt_process(): returns the header length or -1. */
static int print_ip6_opts(struct pc *p, struct rn_view e, bool hbh)
{
	if (!rn_view_has(e, 1, 1)) {
		trunc_jump(p, hbh ? "hbh" : "dstopt");
		return -1;
	}
	size_t hl = ((size_t)e.data[1] + 1) * 8;
	if (!rn_view_has(e, 0, hl)) {
		trunc_jump(p, hbh ? "hbh" : "dstopt");
		return -1;
	}
	rn_sb_puts(p->o, hbh ? "HBH " : "DSTOPT ");
	if (p->opts->verbose && !print_ip6_optlist(p, rn_view_head(rn_view_tail(e, 2), hl - 2))) {
		trunc_jump(p, hbh ? "hbh" : "dstopt");
		return -1;
	}
	return (int)hl;
}

/* frag6_print(): "frag (id:off|len) "; -1 for a later fragment (stop). */
static int print_ip6_frag(struct pc *p, struct rn_view e, uint32_t plen, size_t off)
{
	if (!rn_view_has(e, 0, 8)) {
		trunc_jump(p, "frag6");
		return -1;
	}
	uint16_t offlg = rn_view_be16(e, 2);
	uint32_t flen = 40 + plen - (uint32_t)(40 + off) - 8;
	if (p->opts->verbose)
		rn_sb_printf(p->o, "frag (0x%08x:%u|%u)", rn_view_be32(e, 4), offlg & 0xfff8, flen);
	else
		rn_sb_printf(p->o, "frag (%u|%u)", offlg & 0xfff8, flen);
	if (offlg & 0xfff8)
		return -1;
	PUTS(p, " ");
	return 8;
}

/* rt6_print(): "srcrt (len=L, type=T, segleft=S, [0]addr...) ". */
static int print_ip6_routing(struct pc *p, struct rn_view e)
{
	if (!rn_view_has(e, 0, 4)) {
		trunc_jump(p, "rt6");
		return -1;
	}
	uint8_t len = e.data[1], type = e.data[2];
	rn_sb_printf(p->o, "RT6 (len=%u, type=%u", len, type);
	if (type == 0)
		PUTS(p, " [Deprecated]");
	if (type == 0 || type == 2) {
		rn_sb_printf(p->o, ", segleft=%u", e.data[3]);
		if (!rn_view_has(e, 4, 4))
			goto trunc;
		uint32_t rsv = rn_view_be32(e, 4);
		if (rsv || p->opts->verbose)
			rn_sb_printf(p->o, ", rsv=0x%0x", rsv);
		if (len % 2 == 1)
			goto trunc;
		for (unsigned i = 0; i < len / 2u; i++) {
			if (!rn_view_has(e, 8 + 16 * (size_t)i, 16))
				goto trunc;
			rn_sb_printf(p->o, ", [%u]", i);
			rn_put_ip6(p->o, e.data + 8 + 16 * i);
		}
		PUTS(p, ") ");
		return ((int)len + 1) * 8;
	}
	if (type == 4) {
		rn_sb_printf(p->o, ", segleft=%u", e.data[3]);
		if (!rn_view_has(e, 4, 4))
			goto trunc;
		uint8_t last = e.data[4];
		rn_sb_printf(p->o, ", last-entry=%u", last);
		if (e.data[5] || p->opts->verbose)
			rn_sb_printf(p->o, ", flags=0x%0x", e.data[5]);
		rn_sb_printf(p->o, ", tag=%x", rn_view_be16(e, 6));
		for (unsigned i = 0; i <= last; i++) {
			if (!rn_view_has(e, 8 + 16 * (size_t)i, 16))
				goto trunc;
			rn_sb_printf(p->o, ", [%u]", i);
			rn_put_ip6(p->o, e.data + 8 + 16 * i);
		}
		PUTS(p, ") ");
		return ((int)len + 1) * 8;
	}
	rn_sb_printf(p->o, ", segleft=%u", e.data[3]);
trunc:
	trunc_jump(p, "rt6");
	return -1;
}

static void print_ipv6(struct pc *p, const struct rn_layer *l)
{
	struct rn_view v = l->bytes;
	uint32_t length = l->length;
	if (v.len < 40) {
		trunc_mark(p, "ip6");
		return;
	}
	if (length < 40) {
		rn_sb_printf(p->o, "truncated-ip6 %u", length);
		return;
	}
	if (!p->opts->eth)
		PUTS(p, "IP6 ");
	if ((v.data[0] >> 4) != 6) {
		rn_sb_printf(p->o, "version error: %u != 6", v.data[0] >> 4);
		return;
	}
	uint32_t plen = rn_view_be16(v, 4);
	uint32_t len;
	if (plen != 0) {
		len = plen + 40;
		if (length < len)
			rn_sb_printf(p->o, "truncated-ip6 - %u bytes missing!", len - length);
	} else {
		len = length + 40;
	}
	uint8_t nh = v.data[6];
	if (p->opts->verbose) {
		uint32_t flow = rn_view_be32(v, 0);
		PUTS(p, "(");
		if (flow & 0x0ff00000)
			rn_sb_printf(p->o, "class 0x%02x, ", (flow & 0x0ff00000) >> 20);
		if (flow & 0x000fffff)
			rn_sb_printf(p->o, "flowlabel 0x%05x, ", flow & 0x000fffff);
		const char *pn = ipproto_name(nh);
		rn_sb_printf(p->o, "hlim %u, next-header %s (%u) payload length: %u) ", v.data[7],
			     pn ? pn : "unknown", nh, plen);
	}
	const struct rn_layer *t = layer_after(p, l);
	/* Walk the extension headers from the raw bytes, as ip6_print() does,
	 * bounded by the payload length and the capture. */
	struct rn_view pl = rn_view_tail(v, 40);
	if (pl.len > len - 40)
		pl.len = len - 40;
	size_t off = 0;
	bool first = true;
	for (;;) {
		bool transport = nh == 6 || nh == 17 || nh == 33 || nh == 132;
		if (first && !transport) {
			rn_put_ip6(p->o, v.data + 8);
			PUTS(p, " > ");
			rn_put_ip6(p->o, v.data + 24);
			PUTS(p, ": ");
		}
		first = false;
		struct rn_view e = rn_view_tail(pl, off);
		int adv;
		switch (nh) {
		case RN_IPV6_NH_HOPOPTS:
		case RN_IPV6_NH_DSTOPTS:
			adv = print_ip6_opts(p, e, nh == 0);
			break;
		case RN_IPV6_NH_FRAGMENT:
			adv = print_ip6_frag(p, e, plen, off);
			if (adv < 0 || (size_t)adv >= e.len)
				return;
			break;
		case RN_IPV6_NH_ROUTING:
			adv = print_ip6_routing(p, e);
			break;
		default:
			goto upper;
		}
		if (adv < 0)
			return;
		if (!rn_view_has(e, 0, 1))
			return;
		nh = e.data[0];
		if (plen < off + (size_t)adv) {
			trunc_mark(p, "ip6");
			return;
		}
		off += (size_t)adv;
	}
upper:
	if (nh == RN_IPV6_NH_NONE) {
		PUTS(p, "no next header");
		return;
	}
	if (nh == 4 || nh == 41) {
		struct rn_pkt inner = *p->d->pkt;
		struct rn_view in = rn_view_tail(pl, off);
		inner.data = in.data;
		inner.caplen = (uint32_t)in.len;
		inner.len = plen > off ? plen - (uint32_t)off : 0;
		inner.linktype = nh == 4 ? RN_LINK_IPV4 : RN_LINK_IPV6;
		struct rn_dissection d2;
		rn_dissect(&inner, 0, &d2);
		struct pc p2 = { p->o, p->opts, &d2, p->seqs, true, false };
		print_layers(&p2);
		return;
	}
	if (l->status != RN_LAYER_OK)
		t = NULL;
	if (!t && (nh == 6 || nh == 17 || nh == 58)) {
		trunc_mark(p, "ip6");
		return;
	}
	print_transport(p, l, nh, t);
}

static void print_network(struct pc *p, const struct rn_layer *l, uint16_t type,
			  const struct rn_layer *link)
{
	(void)link;
	if (!l) {
		if (type == 0x0800 && !p->opts->eth)
			PUTS(p, "IP ");
		trunc_mark(p, type == 0x0806 ? "arp" : type == 0x86dd ? "ip6" : "ip");
		return;
	}
	switch (l->proto) {
	case RN_PROTO_IPV4: print_ipv4(p, l); break;
	case RN_PROTO_IPV6: print_ipv6(p, l); break;
	case RN_PROTO_ARP: print_arp(p, l); break;
	default: break;
	}
}

/* Prints from the first layer (also for nested datagrams). */
static void print_layers(struct pc *p)
{
	const struct rn_dissection *d = p->d;
	const struct rn_pkt *pkt = d->pkt;
	if (d->n == 0) {
		if (pkt->linktype == RN_LINK_RAW && pkt->caplen == 0)
			PUTS(p, "truncated-ip 0");
		else
			rn_sb_printf(p->o, "[unsupported link type %d]", pkt->linktype);
		return;
	}
	const struct rn_layer *l = &d->layer[0];
	switch (l->proto) {
	case RN_PROTO_ETH: print_ether(p, l); break;
	case RN_PROTO_SLL:
	case RN_PROTO_SLL2: print_sll(p, l); break;
	case RN_PROTO_NULL: print_null(p, l); break;
	case RN_PROTO_IPV4:
	case RN_PROTO_IPV6:
		if (p->opts->eth && !p->nested &&
		    (pkt->linktype == RN_LINK_RAW || pkt->linktype == RN_LINK_IPV4 ||
		     pkt->linktype == RN_LINK_IPV6))
			PUTS(p, "ip: ");
		if (pkt->linktype == RN_LINK_RAW && l->bytes.len >= 1 &&
		    (l->bytes.data[0] >> 4) != 4 && (l->bytes.data[0] >> 4) != 6) {
			rn_sb_printf(p->o, "unknown ip %u", l->bytes.data[0] >> 4);
			return;
		}
		if (l->proto == RN_PROTO_IPV4)
			print_ipv4(p, l);
		else
			print_ipv6(p, l);
		break;
	default: break;
	}
}

void rn_print_line_with(struct rn_strbuf *out, const struct rn_dissection *d,
			const struct rn_print_opts *opts, struct rn_tcp_seq_table *seqs)
{
	struct pc p = { out, opts, d, seqs, false, false, 0 };
	print_layers(&p);
	if (opts->hex != 'A')
		rn_sb_putc(out, '\n');
	if (opts->hex) {
		const struct rn_pkt *pkt = d->pkt;
		size_t skip = 0;
		if (!opts->hex_link && d->n > 0 && !p.jumped) {
			/* tcpdump dumps from the network header unless -xx */
			const struct rn_layer *l = &d->layer[0];
			if (l->proto == RN_PROTO_ETH || l->proto == RN_PROTO_SLL ||
			    l->proto == RN_PROTO_SLL2 || l->proto == RN_PROTO_NULL)
				skip = (d->n > 1 ? d->layer[1].off : l->bytes.len) + p.hex_extra;
		}
		size_t n = pkt->caplen > skip ? pkt->caplen - skip : 0;
		if (opts->hex == 'A') {
			if (n) {
				rn_sb_putc(out, '\n');
				rn_print_ascii(out, pkt->data + skip, n);
			}
			rn_sb_putc(out, '\n');
		} else {
			rn_print_hexdump(out, pkt->data + skip, n, opts->hex == 'X');
		}
	}
}

void rn_print_line(struct rn_strbuf *out, const struct rn_dissection *d,
		   const struct rn_print_opts *opts)
{
	rn_print_line_with(out, d, opts, NULL);
}

void rn_print_summary(struct rn_strbuf *out, const struct rn_pkt *pkt,
		      const struct rn_print_opts *opts)
{
	struct rn_dissection d;
	rn_dissect(pkt, opts->verbose ? RN_DISSECT_CSUM : 0, &d);
	rn_print_line_with(out, &d, opts, NULL);
}
