/* -T json: one flat JSON object (RFC 8259) per packet, keys named as
 * Wireshark's display-filter fields, values formatted as `tshark -T fields`
 * prints them (BASE_HEX fields as 0x plus the type's width in digits,
 * booleans 1/0, occurrences joined by ','), formatted from rn_dissect(). */
#include <stdlib.h>
#include <string.h>

#include "print/internal.h"
#include "rawnet/error.h"
#include "rawnet/fields.h"
#include "rawnet/follow.h"
#include "rawnet/print.h"

/* ---- the writer ----
 * Fields are collected first (a key, its value's text in a scratch buffer,
 * whether it is a number) and written out at the end of the packet, so
 * that a field seen again (a second VLAN tag, the IP header quoted in an
 * ICMP error) becomes one key with the occurrences joined by ','. */

#define MAX_FIELDS 320

struct field {
	const char *key;
	uint32_t off, len;      /* value text in jw.vals */
	bool number;
	bool more;              /* not the last occurrence */
	bool cont;              /* a later occurrence (written with the first) */
	int16_t next;           /* index of the next occurrence, -1 */
};

struct jw {
	struct rn_strbuf *o;
	struct rn_strbuf *vals;
	struct field f[MAX_FIELDS];
	unsigned n;
	bool merge;             /* every field may occur again (quoted packets) */
	int cur;                /* the field being written, -1 when dropped */
};

static const char hexdig[] = "0123456789abcdef";

/* Starts a field; its value is appended to the returned buffer (NULL when
 * the packet has too many fields: the caller writes nothing). again: look
 * for an earlier occurrence of the key. */
static struct rn_strbuf *begin(struct jw *w, const char *k, bool number, bool again)
{
	if (w->n >= MAX_FIELDS) {
		w->cur = -1;
		return NULL;
	}
	struct field *f = &w->f[w->n];
	f->key = k;
	f->off = (uint32_t)w->vals->len;
	f->len = 0;
	f->number = number;
	f->more = false;
	f->cont = false;
	f->next = -1;
	if (again || w->merge) {
		for (unsigned i = 0; i < w->n; i++) {
			struct field *g = &w->f[i];
			if (g->cont || (g->key != k && strcmp(g->key, k)))
				continue;
			while (g->next >= 0)
				g = &w->f[g->next];
			g->next = (int16_t)w->n;
			g->more = true;
			f->cont = true;
			break;
		}
	}
	w->cur = (int)w->n++;
	return w->vals;
}

static void end(struct jw *w)
{
	if (w->cur >= 0)
		w->f[w->cur].len = (uint32_t)(w->vals->len - w->f[w->cur].off);
}

static void put_hex(struct rn_strbuf *o, unsigned long long v, int digits)
{
	char b[20];
	b[0] = '0';
	b[1] = 'x';
	for (int i = digits - 1; i >= 0; i--) {
		b[2 + i] = hexdig[v & 15];
		v >>= 4;
	}
	rn_sb_append(o, b, (size_t)digits + 2);
}

static void numx(struct jw *w, const char *k, unsigned long long v, bool again)
{
	struct rn_strbuf *b = begin(w, k, true, again);
	if (b)
		rn_sb_put_uint(b, v);
	end(w);
}

static void num(struct jw *w, const char *k, unsigned long long v)
{
	numx(w, k, v, false);
}

/* A BASE_HEX field: "0x" and 2 digits per byte of the field's type. */
static void hexx(struct jw *w, const char *k, unsigned long long v, int digits, bool again)
{
	struct rn_strbuf *b = begin(w, k, false, again);
	if (b)
		put_hex(b, v, digits);
	end(w);
}

static void hex(struct jw *w, const char *k, unsigned long long v, int digits)
{
	hexx(w, k, v, digits, false);
}

static void strx(struct jw *w, const char *k, const void *p, size_t n, bool again)
{
	struct rn_strbuf *b = begin(w, k, false, again);
	if (b)
		rn_sb_append(b, p, n);
	end(w);
}

static void str(struct jw *w, const char *k, const void *p, size_t n)
{
	strx(w, k, p, n, false);
}

static void ip4(struct jw *w, const char *k, const uint8_t *a)
{
	struct rn_strbuf *b = begin(w, k, false, false);
	if (b)
		rn_put_ip4(b, a);
	end(w);
}

static void ip4x(struct jw *w, const char *k, const uint8_t *a)
{
	struct rn_strbuf *b = begin(w, k, false, true);
	if (b)
		rn_put_ip4(b, a);
	end(w);
}

static void ip6(struct jw *w, const char *k, const uint8_t *a, bool again)
{
	struct rn_strbuf *b = begin(w, k, false, again);
	if (b)
		rn_put_ip6(b, a);
	end(w);
}

static void mac(struct jw *w, const char *k, const uint8_t *a)
{
	struct rn_strbuf *b = begin(w, k, false, false);
	if (b)
		rn_put_mac(b, a);
	end(w);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one;
 * *bad is then the length of its maximal invalid subpart (Unicode §3.9). */
static size_t utf8_seq(const uint8_t *p, size_t n, size_t *bad)
{
	uint8_t c = p[0];
	size_t need;
	uint8_t lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
	} else {
		*bad = 1;
		return 0;
	}
	for (size_t i = 1; i <= need; i++) {
		uint8_t b = i < n ? p[i] : 0;
		if (i >= n || b < lo || b > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

/* A value as JSON string content: quotes, backslashes and control
 * characters escaped, valid UTF-8 kept, invalid bytes as U+FFFD (tshark
 * prints the raw bytes; the text a UTF-8 reader gets from them). */
static void put_escaped(struct rn_strbuf *o, const uint8_t *p, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		rn_sb_append(o, (const char *)p + run, i - run);
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			rn_sb_append(o, e, 2);
			i++;
		} else if (c < 0x20) {
			char e[6] = { '\\', 'u', '0', '0', hexdig[c >> 4], hexdig[c & 15] };
			rn_sb_append(o, e, 6);
			i++;
		} else {
			size_t bad = 0, k = utf8_seq(p + i, n - i, &bad);
			if (k) {
				rn_sb_append(o, (const char *)p + i, k);
				i += k;
			} else {
				rn_sb_append(o, "\xef\xbf\xbd", 3); /* U+FFFD */
				i += bad;
			}
		}
		run = i;
	}
	rn_sb_append(o, (const char *)p + run, n - run);
}

static void flush_fields(struct jw *w)
{
	struct rn_strbuf *o = w->o;
	const uint8_t *vals = (const uint8_t *)(w->vals->buf ? w->vals->buf : "");
	bool first = true;
	for (unsigned i = 0; i < w->n; i++) {
		const struct field *f = &w->f[i];
		if (f->cont)
			continue;
		rn_sb_append(o, first ? "{\"" : ",\"", 2);
		first = false;
		rn_sb_puts(o, f->key);
		rn_sb_append(o, "\":", 2);
		if (f->number && !f->more) {
			rn_sb_append(o, (const char *)vals + f->off, f->len);
			continue;
		}
		rn_sb_putc(o, '"');
		for (;;) {
			put_escaped(o, vals + f->off, f->len);
			if (f->next < 0)
				break;
			rn_sb_putc(o, ',');
			f = &w->f[f->next];
		}
		rn_sb_putc(o, '"');
	}
	rn_sb_append(o, first ? "{}\n" : "}\n", first ? 3 : 2);
}

/* ---- state: the TCP conversation table (tcp.stream, relative numbers) ---- */

struct rn_json {
	struct rn_follow *convs;
	bool broken;             /* out of memory once: stop tracking */
	struct rn_dissection d;
	struct rn_strbuf vals;   /* field values of the packet being written */
	struct jw w;
};

int rn_json_new(struct rn_json **out)
{
	struct rn_json *j = calloc(1, sizeof(*j));
	if (!j)
		return -RN_ENOSPC;
	rn_sb_init(&j->vals);
	if (rn_follow_new(-1, NULL, NULL, &j->convs) < 0) {
		free(j);
		return -RN_ENOSPC;
	}
	*out = j;
	return 0;
}

void rn_json_free(struct rn_json *j)
{
	if (!j)
		return;
	rn_follow_free(j->convs);
	rn_sb_free(&j->vals);
	free(j);
}

/* ---- layers ---- */

static void do_frame(struct jw *w, const struct rn_pkt *p)
{
	num(w, "frame.number", p->number);
	/* Wireshark keeps a file's fraction as a signed 32-bit nanosecond
	 * count, unchecked: out-of-range fractions print as it prints them. */
	int64_t ns = p->ts_nsec;
	if (p->ts_file_digits == 6)
		ns = (int32_t)(p->ts_file_frac * 1000u);
	else if (p->ts_file_digits == 9)
		ns = (int32_t)p->ts_file_frac;
	int64_t sec = p->ts_sec;
	struct rn_strbuf *b = begin(w, "frame.time_epoch", true, false);
	if (b) {
		if (sec < 0 || ns < 0)
			rn_sb_putc(b, '-');
		rn_sb_put_uint(b, sec < 0 ? -(unsigned long long)sec : (unsigned long long)sec);
		rn_sb_putc(b, '.');
		uint64_t f = (uint64_t)(ns < 0 ? -ns : ns);
		char digits[20];
		int n = 0;
		do {
			digits[n++] = (char)('0' + f % 10);
			f /= 10;
		} while (f);
		for (int i = n; i < 9; i++)
			rn_sb_putc(b, '0');
		while (n)
			rn_sb_putc(b, digits[--n]);
	}
	end(w);
	num(w, "frame.len", p->len);
	num(w, "frame.cap_len", p->caplen);
}

static void do_eth(struct jw *w, const struct rn_layer *l)
{
	const struct rn_eth *e = &l->u.eth;
	mac(w, "eth.dst", e->dst.b);
	mac(w, "eth.src", e->src.b);
	if (e->ntags)
		hex(w, "eth.type", e->tags[0].tpid, 4);
	else if (e->ethertype < 0x0600)
		num(w, "eth.len", e->ethertype);
	else
		hex(w, "eth.type", e->ethertype, 4);
	for (unsigned i = 0; i < e->ntags; i++) {
		const struct rn_vlan_tag *t = &e->tags[i];
		uint16_t next = i + 1 < e->ntags ? e->tags[i + 1].tpid : e->ethertype;
		if (t->tpid == RN_ETHERTYPE_QINQ) { /* Wireshark's ieee8021ad dissector */
			numx(w, "ieee8021ad.priority", t->pcp, true);
			numx(w, "ieee8021ad.dei", t->dei, true);
			numx(w, "ieee8021ad.id", t->vid, true);
			continue;
		}
		numx(w, "vlan.priority", t->pcp, true);
		numx(w, "vlan.dei", t->dei, true);
		numx(w, "vlan.id", t->vid, true);
		if (next >= 0x0600)
			hexx(w, "vlan.etype", next, 4, true);
		else
			numx(w, "vlan.len", next, true);
	}
}

static void do_sll(struct jw *w, const struct rn_layer *l)
{
	const struct rn_sll *s = &l->u.sll;
	if (l->proto == RN_PROTO_SLL2) {
		hex(w, "sll.etype", s->proto, 4);
		num(w, "sll.ifindex", s->ifindex);
		num(w, "sll.hatype", s->hatype);
		num(w, "sll.pkttype", s->pkttype);
		num(w, "sll.halen", s->halen);
	} else {
		num(w, "sll.pkttype", s->pkttype);
		num(w, "sll.hatype", s->hatype);
		num(w, "sll.halen", s->halen);
	}
	if (s->halen == 6 && (s->hatype == 1 || s->hatype == 772))
		mac(w, "sll.src.eth", s->addr);
	if (l->proto == RN_PROTO_SLL) {
		if (s->proto == 0x0001 || s->proto == 0x0004 || s->proto < 0x0600)
			hex(w, "sll.ltype", s->proto, 4);
		else
			hex(w, "sll.etype", s->proto, 4);
	}
}

static void do_arp(struct jw *w, const struct rn_layer *l)
{
	const struct rn_arp *a = &l->u.arp;
	num(w, "arp.hw.type", a->htype);
	hex(w, "arp.proto.type", a->ptype, 4);
	num(w, "arp.hw.size", a->hlen);
	num(w, "arp.proto.size", a->plen);
	num(w, "arp.opcode", a->op);
	bool ether = a->hlen == 6 && (a->htype == 1 || a->htype == 6);
	bool ipv4 = a->plen == 4 && a->ptype == 0x0800;
	if (ether)
		mac(w, "arp.src.hw_mac", a->sha);
	if (ipv4)
		ip4(w, "arp.src.proto_ipv4", a->spa);
	if (ether)
		mac(w, "arp.dst.hw_mac", a->tha);
	if (a->op == 7) /* DRARP error: the status instead of the target address */
		num(w, "arp.dst.drarp_error_status", a->tpa[0]);
	else if (ipv4)
		ip4(w, "arp.dst.proto_ipv4", a->tpa);
}

static void do_ipv4(struct jw *w, const struct rn_layer *l)
{
	const struct rn_ipv4 *ip = &l->u.ip4;
	num(w, "ip.version", ip->version);
	num(w, "ip.hdr_len", (unsigned)ip->ihl * 4);
	hex(w, "ip.dsfield", ip->tos, 2);
	num(w, "ip.dsfield.dscp", ip->tos >> 2);
	num(w, "ip.dsfield.ecn", ip->tos & 3);
	num(w, "ip.len", ip->tot_len);
	hex(w, "ip.id", ip->id, 4);
	hex(w, "ip.flags", (unsigned)ip->flag_rsv << 2 | (unsigned)ip->flag_df << 1 | ip->flag_mf, 2);
	num(w, "ip.flags.rb", ip->flag_rsv);
	num(w, "ip.flags.df", ip->flag_df);
	num(w, "ip.flags.mf", ip->flag_mf);
	num(w, "ip.frag_offset", ip->frag_off); /* 8-byte units, as tshark 4.0 prints it */
	num(w, "ip.ttl", ip->ttl);
	num(w, "ip.proto", ip->proto);
	hex(w, "ip.checksum", ip->checksum, 4);
	num(w, "ip.checksum.status", ip->checksum_status == RN_CSUM_GOOD ? 1 : 0);
	ip4(w, "ip.src", ip->src);
	ip4(w, "ip.dst", ip->dst);
}

static void do_ipv6(struct jw *w, const struct rn_layer *l)
{
	const struct rn_ipv6 *ip = &l->u.ip6.hdr;
	numx(w, "ip.version", ip->version, true); /* Wireshark's IPv6 has it too */
	num(w, "ipv6.version", ip->version);
	hex(w, "ipv6.tclass", ip->tclass, 8);
	num(w, "ipv6.tclass.dscp", ip->tclass >> 2);
	num(w, "ipv6.tclass.ecn", ip->tclass & 3);
	hex(w, "ipv6.flow", ip->flow, 6);
	num(w, "ipv6.plen", ip->payload_len);
	num(w, "ipv6.nxt", ip->next_header);
	num(w, "ipv6.hlim", ip->hop_limit);
	ip6(w, "ipv6.src", ip->src, false);
	ip6(w, "ipv6.dst", ip->dst, false);
}

/* Wireshark's checksum status: 0 bad, 1 good, 2 unverified. */
static unsigned csum_status(enum rn_csum_status s)
{
	return s == RN_CSUM_GOOD ? 1 : s == RN_CSUM_BAD ? 0 : 2;
}

static bool complete(const struct rn_layer *l)
{
	return l->bytes.len >= l->length;
}

static void do_icmp(struct jw *w, const struct rn_layer *l, bool quoted)
{
	const struct rn_icmp *ic = &l->u.icmp;
	num(w, "icmp.type", ic->type);
	num(w, "icmp.code", ic->code);
	hex(w, "icmp.checksum", ic->checksum, 4);
	/* Wireshark leaves the ICMP checksum of a quoted packet unverified. */
	num(w, "icmp.checksum.status",
	    complete(l) && !quoted ? csum_status(ic->checksum_status) : 2);
	switch (ic->type) {
	case RN_ICMP_ECHO:
	case RN_ICMP_ECHOREPLY:
	case RN_ICMP_TSTAMP:
	case RN_ICMP_TSTAMPREPLY:
	case 15: case 16: case 17: case 18: /* information, address mask */
		num(w, "icmp.ident", ic->id);
		num(w, "icmp.ident_le", (uint16_t)(ic->id >> 8 | ic->id << 8));
		num(w, "icmp.seq", ic->seq);
		num(w, "icmp.seq_le", (uint16_t)(ic->seq >> 8 | ic->seq << 8));
		break;
	case RN_ICMP_UNREACH:
		if (ic->code == 4)
			num(w, "icmp.mtu", ic->rest & 0xffff);
		break;
	case RN_ICMP_REDIRECT: {
		uint8_t gw[4] = { (uint8_t)(ic->rest >> 24), (uint8_t)(ic->rest >> 16),
				  (uint8_t)(ic->rest >> 8), (uint8_t)ic->rest };
		ip4(w, "icmp.redir_gw", gw);
		break;
	}
	default:
		break;
	}
}

static void do_icmp6(struct jw *w, const struct rn_layer *l)
{
	const struct rn_icmp6 *ic = &l->u.icmp6;
	num(w, "icmpv6.type", ic->type);
	num(w, "icmpv6.code", ic->code);
	hex(w, "icmpv6.checksum", ic->checksum, 4);
	num(w, "icmpv6.checksum.status", complete(l) ? csum_status(ic->checksum_status) : 2);
	switch (ic->type) {
	case RN_ICMP6_ECHO_REQUEST:
	case RN_ICMP6_ECHO_REPLY:
		hex(w, "icmpv6.echo.identifier", ic->id, 4);
		num(w, "icmpv6.echo.sequence_number", ic->seq);
		return;
	case RN_ICMP6_PACKET_TOO_BIG:
		num(w, "icmpv6.mtu", ic->rest);
		return;
	case RN_ICMP6_NEIGHBOR_SOLICIT:
		ip6(w, "icmpv6.nd.ns.target_address", ic->target, false);
		break;
	case RN_ICMP6_NEIGHBOR_ADVERT:
		hex(w, "icmpv6.nd.na.flag", ic->rest & 0xe0000000u, 8);
		num(w, "icmpv6.nd.na.flag.r", ic->rest >> 31 & 1);
		num(w, "icmpv6.nd.na.flag.s", ic->rest >> 30 & 1);
		num(w, "icmpv6.nd.na.flag.o", ic->rest >> 29 & 1);
		ip6(w, "icmpv6.nd.na.target_address", ic->target, false);
		break;
	case RN_ICMP6_ROUTER_SOLICIT:
		break;
	case RN_ICMP6_ROUTER_ADVERT:
		num(w, "icmpv6.nd.ra.cur_hop_limit", ic->rest >> 24);
		num(w, "icmpv6.nd.ra.router_lifetime", ic->rest & 0xffff);
		num(w, "icmpv6.nd.ra.reachable_time", ic->reachable);
		num(w, "icmpv6.nd.ra.retrans_timer", ic->retrans);
		break;
	default:
		return;
	}
	struct rn_view cur = ic->data;
	struct rn_nd_opt o;
	while (rn_nd_opt_next(&cur, &o) == 1) {
		numx(w, "icmpv6.opt.type", o.type, true);
		numx(w, "icmpv6.opt.length", o.len / 8, true);
		if ((o.type == RN_ND_OPT_SOURCE_LLADDR || o.type == RN_ND_OPT_TARGET_LLADDR) &&
		    o.data.len == 6) {
			struct rn_strbuf *b = begin(w, "icmpv6.opt.linkaddr", false, true);
			if (b)
				rn_put_mac(b, o.data.data);
			end(w);
		}
	}
}

static void do_tcp(struct rn_json *j, struct jw *w, const struct rn_dissection *d, unsigned li)
{
	const struct rn_layer *l = &d->layer[li];
	const struct rn_tcp *t = &l->u.tcp.hdr;
	uint32_t hl = (uint32_t)t->doff * 4;
	uint32_t len = l->length > hl ? l->length - hl : 0;
	num(w, "tcp.srcport", t->sport);
	num(w, "tcp.dstport", t->dport);
	int node = 0;
	long long stream = j && !j->broken ? rn_follow_packet(j->convs, d, &node) : -1;
	if (stream == -RN_ENOSPC)
		j->broken = true;
	const struct rn_follow_conv *c = stream >= 0 ? rn_follow_conv(j->convs, (size_t)stream) : NULL;
	if (c)
		num(w, "tcp.stream", (unsigned long long)stream);
	num(w, "tcp.len", len);
	if (c) {
		uint32_t seq = t->seq - c->base[node];
		num(w, "tcp.seq", seq);
		num(w, "tcp.seq_raw", t->seq);
		num(w, "tcp.nxtseq", seq + len + !!(t->flags & (RN_TCP_SYN | RN_TCP_FIN)));
		num(w, "tcp.ack", t->flags & RN_TCP_ACK ? t->ack - c->base[!node] : t->ack);
		num(w, "tcp.ack_raw", t->ack);
	} else {
		num(w, "tcp.seq_raw", t->seq);
		num(w, "tcp.ack_raw", t->ack);
	}
	num(w, "tcp.hdr_len", hl);
	hex(w, "tcp.flags", t->flags & 0xfff, 4);
	num(w, "tcp.flags.res", t->flags >> 9 & 7);
	if (c && c->accecn && !(t->flags & RN_TCP_SYN)) {
		/* Accurate ECN negotiated: the three bits are one counter. */
		num(w, "tcp.flags.ace", t->flags >> 6 & 7);
	} else {
		num(w, "tcp.flags.ae", t->flags >> 8 & 1);
		num(w, "tcp.flags.cwr", t->flags >> 7 & 1);
		num(w, "tcp.flags.ece", t->flags >> 6 & 1);
	}
	num(w, "tcp.flags.urg", t->flags >> 5 & 1);
	num(w, "tcp.flags.ack", t->flags >> 4 & 1);
	num(w, "tcp.flags.push", t->flags >> 3 & 1);
	num(w, "tcp.flags.reset", t->flags >> 2 & 1);
	num(w, "tcp.flags.syn", t->flags >> 1 & 1);
	num(w, "tcp.flags.fin", t->flags & 1);
	num(w, "tcp.window_size_value", t->window);
	hex(w, "tcp.checksum", t->checksum, 4);
	/* 2 (unverified) too when the kernel said the sender left it to the
	 * NIC (csum_hint, issue 9): tshark's convention */
	num(w, "tcp.checksum.status",
	    complete(l) && !l->u.tcp.fragmented &&
	    !rn_pkt_csum_left_to_nic(d->pkt) ? csum_status(t->checksum_status) : 2);
	num(w, "tcp.urgent_pointer", t->urg_ptr);

	/* Options, walked as Wireshark does: an EOL does not end the walk (each
	 * padding byte after it is one more EOL). */
	struct rn_view ov = rn_view_make(t->opts, t->opt_len);
	for (size_t pos = 0; pos < ov.len;) {
		uint8_t kind = ov.data[pos];
		if (kind == RN_TCPOPT_EOL || kind == RN_TCPOPT_NOP) {
			numx(w, "tcp.option_kind", kind, true);
			pos++;
			continue;
		}
		uint8_t olen = rn_view_u8(ov, pos + 1);
		if (!rn_view_has(ov, pos, 2) || olen < 2 || !rn_view_has(ov, pos, olen))
			break; /* a length that lies: Wireshark shows no option */
		numx(w, "tcp.option_kind", kind, true);
		numx(w, "tcp.option_len", olen, true);
		struct rn_view od = { ov.data + pos + 2, (size_t)olen - 2 };
		if (kind == RN_TCPOPT_MSS && olen == 4)
			numx(w, "tcp.options.mss_val", rn_view_be16(od, 0), true);
		if (kind == RN_TCPOPT_WSCALE && olen == 3) {
			uint8_t sh = rn_view_u8(od, 0);
			numx(w, "tcp.options.wscale.shift", sh, true);
			numx(w, "tcp.options.wscale.multiplier", sh <= 14 ? 1u << sh : 16384u, true);
		}
		if (kind == RN_TCPOPT_TIMESTAMP && olen == 10) {
			numx(w, "tcp.options.timestamp.tsval", rn_view_be32(od, 0), true);
			numx(w, "tcp.options.timestamp.tsecr", rn_view_be32(od, 4), true);
		}
		pos += olen;
	}
}

static void do_udp(struct jw *w, const struct rn_layer *l, const struct rn_layer *net)
{
	const struct rn_udp *u = &l->u.udp.hdr;
	num(w, "udp.srcport", u->sport);
	num(w, "udp.dstport", u->dport);
	num(w, "udp.length", u->len);
	hex(w, "udp.checksum", u->checksum, 4);
	enum rn_csum_status cs = u->checksum_status;
	if (cs == RN_CSUM_UNCHECKED && u->checksum && !l->u.udp.fragmented && net &&
	    l->bytes.len >= u->len) {
		/* The UDP length, not the IP one, bounds what the sum covers. */
		struct rn_pseudo ph;
		struct rn_udp tmp;
		if (net->proto == RN_PROTO_IPV4)
			rn_ipv4_pseudo(&net->u.ip4, &ph);
		else
			rn_ipv6_pseudo(&net->u.ip6.hdr, &ph);
		if (rn_udp_parse(rn_view_head(l->bytes, u->len), &ph, &tmp, NULL) == 0)
			cs = tmp.checksum_status;
	}
	if (u->checksum == 0) {
		if (net && net->proto == RN_PROTO_IPV4)
			num(w, "udp.checksum.status", 3); /* not present */
	} else {
		num(w, "udp.checksum.status", csum_status(cs));
	}
}

/* A DNS name as Wireshark shows it: no trailing dot, "<Root>" for the root. */
static int dns_name(struct rn_view m, size_t off, struct rn_strbuf *o, size_t *next)
{
	char name[1100];
	int n = rn_dns_name(m, off, name, sizeof(name), next);
	if (n < 0)
		return n;
	if (n == 1 && name[0] == '.')
		rn_sb_puts(o, "<Root>");
	else
		rn_sb_append(o, name, (size_t)n - 1);
	return 0;
}

static void do_dns(struct jw *w, const struct rn_layer *l)
{
	const struct rn_dns *h = &l->u.dns;
	struct rn_view m = l->payload;
	hex(w, "dns.id", h->id, 4);
	hex(w, "dns.flags", h->flags, 4);
	bool resp = h->flags >> 15;
	num(w, "dns.flags.response", resp);
	num(w, "dns.flags.opcode", h->flags >> 11 & 15);
	if (resp)
		num(w, "dns.flags.rcode", h->flags & 15);
	if ((h->flags >> 11 & 15) == 5) { /* UPDATE (RFC 2136) names the sections */
		num(w, "dns.count.zones", h->qdcount);
		num(w, "dns.count.prerequisites", h->ancount);
		num(w, "dns.count.updates", h->nscount);
	} else {
		num(w, "dns.count.queries", h->qdcount);
		num(w, "dns.count.answers", h->ancount);
		num(w, "dns.count.auth_rr", h->nscount);
	}
	num(w, "dns.count.add_rr", h->arcount);
	size_t off = 12;
	for (unsigned i = 0; i < h->qdcount; i++) {
		size_t next;
		struct rn_strbuf *b = begin(w, "dns.qry.name", false, true);
		if (!b || dns_name(m, off, b, &next) < 0 || !rn_view_has(m, next, 4)) {
			end(w);
			return;
		}
		end(w);
		numx(w, "dns.qry.type", rn_view_be16(m, next), true);
		hexx(w, "dns.qry.class", rn_view_be16(m, next + 2), 4, true);
		off = next + 4;
	}
	unsigned nrr = (unsigned)h->ancount + h->nscount + h->arcount;
	for (unsigned i = 0; i < nrr; i++) {
		size_t next;
		char skip[1100];
		if (rn_dns_name(m, off, skip, sizeof(skip), &next) < 0 || !rn_view_has(m, next, 10))
			return;
		uint16_t type = rn_view_be16(m, next);
		uint16_t rdlen = rn_view_be16(m, next + 8);
		size_t rd = next + 10;
		if (!rn_view_has(m, rd, rdlen))
			return;
		if (type == 1 && rdlen == 4) {
			ip4x(w, "dns.a", m.data + rd);
		} else if (type == 28 && rdlen == 16) {
			ip6(w, "dns.aaaa", m.data + rd, true);
		} else if (type == 5) {
			struct rn_strbuf *b = begin(w, "dns.cname", false, true);
			if (b)
				dns_name(m, rd, b, NULL);
			end(w);
		}
		off = rd + rdlen;
	}
}

static bool header_is(struct rn_view line, const char *name, struct rn_view *value)
{
	size_t n = strlen(name);
	if (line.len <= n || line.data[n] != ':')
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = line.data[i];
		if ((c | 0x20) != (name[i] | 0x20))
			return false;
	}
	size_t b = n + 1;
	while (b < line.len && (line.data[b] == ' ' || line.data[b] == '\t'))
		b++;
	size_t e = line.len;
	while (e > b && (line.data[e - 1] == ' ' || line.data[e - 1] == '\t'))
		e--;
	value->data = line.data + b;
	value->len = e - b;
	return true;
}

static void do_http(struct jw *w, const struct rn_layer *l)
{
	const struct rn_http *h = &l->u.http;
	if (h->request) {
		str(w, "http.request.method", h->method.data, h->method.len);
		str(w, "http.request.uri", h->uri.data, h->uri.len);
		str(w, "http.request.version", h->version.data, h->version.len);
	} else {
		str(w, "http.response.version", h->version.data, h->version.len);
		num(w, "http.response.code", h->status);
		struct rn_view phrase = rn_view_tail(h->line, h->version.len + 5);
		str(w, "http.response.phrase", phrase.data, phrase.len);
	}
	/* Header lines that are complete in this packet. */
	struct rn_view v = l->payload;
	size_t pos = h->line.len;
	if (pos < v.len && v.data[pos] == '\r')
		pos++;
	if (pos < v.len && v.data[pos] == '\n')
		pos++;
	while (pos < v.len) {
		size_t e = pos;
		while (e < v.len && v.data[e] != '\n')
			e++;
		if (e == v.len)
			break; /* the line goes on in the next segment */
		struct rn_view line = { v.data + pos, e - pos };
		if (line.len && line.data[line.len - 1] == '\r')
			line.len--;
		if (line.len == 0)
			break;
		struct rn_view val;
		if (header_is(line, "Host", &val))
			str(w, "http.host", val.data, val.len);
		else if (header_is(line, "User-Agent", &val))
			str(w, "http.user_agent", val.data, val.len);
		else if (header_is(line, "Server", &val))
			str(w, "http.server", val.data, val.len);
		else if (header_is(line, "Content-Type", &val))
			str(w, "http.content_type", val.data, val.len);
		pos = e + 1;
	}
}

/* Layers from index `from` on. depth > 0: a packet inside a packet (quoted
 * by an ICMP error, or tunnelled), whose fields are further occurrences. */
static void emit_layers(struct rn_json *j, struct jw *w, const struct rn_dissection *d,
			unsigned depth, bool quoted);

/* Dissects bytes q as a packet of its own (of the given link type) and adds
 * its fields: the packet an ICMP error quotes, the inner packet of an
 * IP-in-IP tunnel, the frame a VXLAN datagram carries. */
static void emit_inner(struct rn_json *j, struct jw *w, const struct rn_pkt *outer,
		       struct rn_view q, uint32_t wire_len, int linktype, unsigned depth, bool quoted)
{
	if (depth >= 3)
		return;
	struct rn_pkt p = *outer;
	p.data = q.data;
	p.caplen = (uint32_t)q.len;
	p.len = wire_len > q.len ? wire_len : (uint32_t)q.len;
	p.linktype = linktype;
	struct rn_dissection *d = malloc(sizeof(*d));
	if (!d)
		return;
	rn_dissect(&p, RN_DISSECT_CSUM, d);
	bool merge = w->merge;
	w->merge = true;
	emit_layers(j, w, d, depth + 1, quoted);
	w->merge = merge;
	free(d);
}

static void emit_layers(struct rn_json *j, struct jw *w, const struct rn_dissection *d,
			unsigned depth, bool quoted)
{
	const struct rn_layer *net = NULL;
	for (unsigned i = 0; i < d->n; i++) {
		const struct rn_layer *l = &d->layer[i];
		if (quoted && l->proto == RN_PROTO_TCP) {
			/* Of a quoted TCP header tshark's other fields come from its
			 * conversation analysis: the ports only. */
			if (rn_view_has(l->bytes, 0, 4)) {
				num(w, "tcp.srcport", rn_view_be16(l->bytes, 0));
				num(w, "tcp.dstport", rn_view_be16(l->bytes, 2));
			}
			return;
		}
		if (l->status != RN_LAYER_OK && l->proto != RN_PROTO_HTTP)
			return; /* a header that did not parse: nothing to show */
		switch (l->proto) {
		case RN_PROTO_ETH: do_eth(w, l); break;
		case RN_PROTO_SLL:
		case RN_PROTO_SLL2: do_sll(w, l); break;
		case RN_PROTO_NULL: num(w, "null.family", l->u.null_family); break;
		case RN_PROTO_ARP: do_arp(w, l); break;
		case RN_PROTO_IPV4:
		case RN_PROTO_IPV6: {
			bool v6 = l->proto == RN_PROTO_IPV6;
			if (v6)
				do_ipv6(w, l);
			else
				do_ipv4(w, l);
			net = l;
			/* A fragment: tshark holds the transport header back until it
			 * has reassembled the datagram. */
			if (v6 ? l->u.ip6.chain.fragment : rn_ipv4_is_fragment(&l->u.ip4))
				return;
			uint8_t next = v6 ? l->u.ip6.chain.upper_proto : l->u.ip4.proto;
			const struct rn_layer *n = i + 1 < d->n ? &d->layer[i + 1] : NULL;
			if ((next == 4 || next == 41) && n && n->proto == RN_PROTO_DATA) {
				emit_inner(j, w, d->pkt, n->bytes, n->length,
					   next == 41 ? RN_LINK_IPV6 : RN_LINK_IPV4, depth, quoted);
				return;
			}
			break;
		}
		case RN_PROTO_ICMP:
			do_icmp(w, l, quoted);
			if (rn_icmp_is_error(l->u.icmp.type))
				emit_inner(j, w, d->pkt, l->u.icmp.data, 0, RN_LINK_IPV4, depth, true);
			return;
		case RN_PROTO_ICMP6:
			do_icmp6(w, l);
			if (rn_icmp6_is_error(l->u.icmp6.type))
				emit_inner(j, w, d->pkt, l->u.icmp6.data, 0, RN_LINK_IPV6, depth, true);
			return;
		case RN_PROTO_TCP: do_tcp(j, w, d, i); break;
		case RN_PROTO_UDP: {
			do_udp(w, l, net);
			const struct rn_layer *n = i + 1 < d->n ? &d->layer[i + 1] : NULL;
			uint16_t sp = l->u.udp.hdr.sport, dp = l->u.udp.hdr.dport;
			if ((sp == 4789 || dp == 4789) && n && n->proto == RN_PROTO_DATA &&
			    rn_view_has(n->bytes, 0, 8) && !quoted) {
				/* VXLAN (RFC 7348): 8 bytes, then an Ethernet frame. */
				hex(w, "vxlan.flags", rn_view_be16(n->bytes, 0), 4);
				num(w, "vxlan.vni", rn_view_be24(n->bytes, 4));
				emit_inner(j, w, d->pkt, rn_view_tail(n->bytes, 8),
					   n->length > 8 ? n->length - 8 : 0, RN_LINK_ETHERNET, depth,
					   quoted);
				return;
			}
			break;
		}
		case RN_PROTO_DNS:
			if (!quoted)
				do_dns(w, l);
			return;
		case RN_PROTO_HTTP:
			if (!quoted)
				do_http(w, l);
			return;
		default:
			return;
		}
	}
}

void rn_json_packet(struct rn_json *j, struct rn_strbuf *out, const struct rn_pkt *pkt)
{
	struct rn_dissection *d = j ? &j->d : malloc(sizeof(*d));
	struct jw *w = j ? &j->w : malloc(sizeof(*w));
	struct rn_strbuf scratch;
	rn_sb_init(&scratch);
	if (!d || !w) {
		free(j ? NULL : d);
		free(j ? NULL : w);
		return;
	}
	w->o = out;
	w->vals = j ? &j->vals : &scratch;
	rn_sb_reset(w->vals);
	w->n = 0;
	w->merge = false;
	w->cur = -1;
	rn_dissect(pkt, RN_DISSECT_CSUM, d);
	do_frame(w, pkt);
	emit_layers(j, w, d, 0, false);
	flush_fields(w);
	rn_sb_free(&scratch);
	if (!j) {
		free(w);
		free(d);
	}
}
