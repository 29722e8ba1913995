/* The packet spec language of `rawnet send`: a lexer (quotes, C escapes, '/'
 * separators) and a table-driven parser filling the wire reprs of each layer.
 * See rawnet/craft.h; field meanings follow RFC 791, 8200, 792, 4443, 768,
 * 9293 and 826, named as scapy names them. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "craft/craft_int.h"
#include "rawnet/craft.h"
#include "rawnet/error.h"

/* ---- fields -------------------------------------------------------------- */

enum ftype {
	F_U,         /* unsigned number 0..max */
	F_PORT,
	F_IP4,
	F_IP6,
	F_MAC,
	F_ETHERTYPE,
	F_PROTO,
	F_ICMPTYPE,
	F_ICMP6TYPE,
	F_ARPOP,
	F_TCPFLAGS,
	F_IPFLAGS,
	F_NAFLAGS,
	F_HEX,
	F_FLAG,      /* no value (sackok) */
	F_TS,
	F_SACK,
	F_TEXT,
};

struct field {
	const char *name;
	enum ftype type;
	uint64_t max;
};

static const struct field eth_fields[] = {
	[FLD_ETH_DST] = { "dst", F_MAC, 0 },
	[FLD_ETH_SRC] = { "src", F_MAC, 0 },
	[FLD_ETH_TYPE] = { "type", F_ETHERTYPE, 0xffff },
};
static const struct field vlan_fields[] = {
	[FLD_VLAN_ID] = { "id", F_U, 4095 },
	[FLD_VLAN_PRIO] = { "prio", F_U, 7 },
	[FLD_VLAN_DEI] = { "dei", F_U, 1 },
	[FLD_VLAN_TYPE] = { "type", F_ETHERTYPE, 0xffff },
};
static const struct field arp_fields[] = {
	[FLD_ARP_OP] = { "op", F_ARPOP, 0xffff },
	[FLD_ARP_HWTYPE] = { "hwtype", F_U, 0xffff },
	[FLD_ARP_PTYPE] = { "ptype", F_ETHERTYPE, 0xffff },
	[FLD_ARP_HWLEN] = { "hwlen", F_U, RN_ARP_MAX_ALEN },
	[FLD_ARP_PLEN] = { "plen", F_U, RN_ARP_MAX_ALEN },
	[FLD_ARP_HWSRC] = { "hwsrc", F_MAC, 0 },
	[FLD_ARP_PSRC] = { "psrc", F_IP4, 0 },
	[FLD_ARP_HWDST] = { "hwdst", F_MAC, 0 },
	[FLD_ARP_PDST] = { "pdst", F_IP4, 0 },
};
static const struct field ip_fields[] = {
	[FLD_IP_SRC] = { "src", F_IP4, 0 },
	[FLD_IP_DST] = { "dst", F_IP4, 0 },
	[FLD_IP_TTL] = { "ttl", F_U, 255 },
	[FLD_IP_TOS] = { "tos", F_U, 255 },
	[FLD_IP_ID] = { "id", F_U, 0xffff },
	[FLD_IP_FLAGS] = { "flags", F_IPFLAGS, 7 },
	[FLD_IP_FRAG] = { "frag", F_U, 8191 },
	[FLD_IP_PROTO] = { "proto", F_PROTO, 255 },
	[FLD_IP_LEN] = { "len", F_U, 0xffff },
	[FLD_IP_IHL] = { "ihl", F_U, 15 },
	[FLD_IP_CHKSUM] = { "chksum", F_U, 0xffff },
	[FLD_IP_OPTIONS] = { "options", F_HEX, RN_IPV4_MAX_OPTLEN },
	[FLD_IP_VERSION] = { "version", F_U, 15 },
};
static const struct field ip6_fields[] = {
	[FLD_IP6_SRC] = { "src", F_IP6, 0 },
	[FLD_IP6_DST] = { "dst", F_IP6, 0 },
	[FLD_IP6_HLIM] = { "hlim", F_U, 255 },
	[FLD_IP6_TC] = { "tc", F_U, 255 },
	[FLD_IP6_FL] = { "fl", F_U, 0xfffff },
	[FLD_IP6_NH] = { "nh", F_PROTO, 255 },
	[FLD_IP6_PLEN] = { "plen", F_U, 0xffff },
	[FLD_IP6_VERSION] = { "version", F_U, 15 },
};
static const struct field icmp_fields[] = {
	[FLD_ICMP_TYPE] = { "type", F_ICMPTYPE, 255 },
	[FLD_ICMP_CODE] = { "code", F_U, 255 },
	[FLD_ICMP_ID] = { "id", F_U, 0xffff },
	[FLD_ICMP_SEQ] = { "seq", F_U, 0xffff },
	[FLD_ICMP_CHKSUM] = { "chksum", F_U, 0xffff },
	[FLD_ICMP_GW] = { "gw", F_IP4, 0 },
	[FLD_ICMP_MTU] = { "mtu", F_U, 0xffff },
	[FLD_ICMP_PTR] = { "ptr", F_U, 255 },
};
static const struct field icmp6_fields[] = {
	[FLD_ICMP6_TYPE] = { "type", F_ICMP6TYPE, 255 },
	[FLD_ICMP6_CODE] = { "code", F_U, 255 },
	[FLD_ICMP6_ID] = { "id", F_U, 0xffff },
	[FLD_ICMP6_SEQ] = { "seq", F_U, 0xffff },
	[FLD_ICMP6_CHKSUM] = { "chksum", F_U, 0xffff },
	[FLD_ICMP6_TARGET] = { "target", F_IP6, 0 },
	[FLD_ICMP6_MTU] = { "mtu", F_U, 0xffffffff },
	[FLD_ICMP6_PTR] = { "ptr", F_U, 0xffffffff },
	[FLD_ICMP6_FLAGS] = { "flags", F_NAFLAGS, 7 },
};
static const struct field udp_fields[] = {
	[FLD_UDP_SPORT] = { "sport", F_PORT, 0xffff },
	[FLD_UDP_DPORT] = { "dport", F_PORT, 0xffff },
	[FLD_UDP_LEN] = { "len", F_U, 0xffff },
	[FLD_UDP_CHKSUM] = { "chksum", F_U, 0xffff },
};
static const struct field tcp_fields[] = {
	[FLD_TCP_SPORT] = { "sport", F_PORT, 0xffff },
	[FLD_TCP_DPORT] = { "dport", F_PORT, 0xffff },
	[FLD_TCP_SEQ] = { "seq", F_U, 0xffffffff },
	[FLD_TCP_ACK] = { "ack", F_U, 0xffffffff },
	[FLD_TCP_FLAGS] = { "flags", F_TCPFLAGS, 0xfff },
	[FLD_TCP_WINDOW] = { "window", F_U, 0xffff },
	[FLD_TCP_URGPTR] = { "urgptr", F_U, 0xffff },
	[FLD_TCP_DOFF] = { "doff", F_U, 15 },
	[FLD_TCP_CHKSUM] = { "chksum", F_U, 0xffff },
	[FLD_TCP_MSS] = { "mss", F_U, 0xffff },
	[FLD_TCP_WSCALE] = { "wscale", F_U, 255 },
	[FLD_TCP_SACKOK] = { "sackok", F_FLAG, 0 },
	[FLD_TCP_TS] = { "ts", F_TS, 0 },
	[FLD_TCP_SACK] = { "sack", F_SACK, 0 },
	[FLD_TCP_OPTS] = { "opts", F_HEX, RN_TCP_MAX_OPTLEN },
};
static const struct field raw_fields[] = {
	[FLD_RAW_TEXT] = { "text", F_TEXT, 0 },
	[FLD_RAW_HEX] = { "hex", F_HEX, RN_CRAFT_MAX_RAW },
};

struct layer_def {
	const char *name;
	const char *alias;
	const struct field *fields;
	unsigned nfields;
};

#define DEF(n, a, f) { n, a, f, sizeof(f) / sizeof(f[0]) }
static const struct layer_def layer_defs[] = {
	[RN_CRAFT_ETH] = DEF("eth", "ether", eth_fields),
	[RN_CRAFT_VLAN] = DEF("vlan", "dot1q", vlan_fields),
	[RN_CRAFT_ARP] = DEF("arp", NULL, arp_fields),
	[RN_CRAFT_IP] = DEF("ip", "ipv4", ip_fields),
	[RN_CRAFT_IP6] = DEF("ip6", "ipv6", ip6_fields),
	[RN_CRAFT_ICMP] = DEF("icmp", NULL, icmp_fields),
	[RN_CRAFT_ICMP6] = DEF("icmp6", "icmpv6", icmp6_fields),
	[RN_CRAFT_UDP] = DEF("udp", NULL, udp_fields),
	[RN_CRAFT_TCP] = DEF("tcp", NULL, tcp_fields),
	[RN_CRAFT_RAW] = DEF("raw", NULL, raw_fields),
};
#define NKINDS (sizeof(layer_defs) / sizeof(layer_defs[0]))

const char *rn_craft_kind_name(enum rn_craft_kind kind)
{
	return (unsigned)kind < NKINDS ? layer_defs[kind].name : "?";
}

static int field_index(enum rn_craft_kind kind, const char *name, size_t n)
{
	const struct layer_def *d = &layer_defs[kind];
	for (unsigned i = 0; i < d->nfields; i++)
		if (strlen(d->fields[i].name) == n && !memcmp(d->fields[i].name, name, n))
			return (int)i;
	return -1;
}

bool rn_craft_field_is_set(const struct rn_craft_layer *l, const char *name)
{
	if ((unsigned)l->kind >= NKINDS)
		return false;
	int i = field_index(l->kind, name, strlen(name));
	return i >= 0 && (l->set >> i & 1);
}

/* ---- names for numbers ------------------------------------------------- */

struct name_num {
	const char *name;
	unsigned num;
};

static const struct name_num ethertypes[] = {
	{ "ipv4", 0x0800 }, { "ip", 0x0800 }, { "arp", 0x0806 }, { "ipv6", 0x86dd },
	{ "ip6", 0x86dd }, { "vlan", 0x8100 }, { "8021q", 0x8100 }, { "qinq", 0x88a8 },
	{ NULL, 0 },
};
static const struct name_num protos[] = {
	{ "hopopt", 0 }, { "icmp", 1 }, { "igmp", 2 }, { "ipip", 4 }, { "tcp", 6 },
	{ "udp", 17 }, { "ip6", 41 }, { "ipv6", 41 }, { "ipv6-route", 43 }, { "ipv6-frag", 44 },
	{ "gre", 47 }, { "esp", 50 }, { "ah", 51 }, { "icmp6", 58 }, { "ipv6-icmp", 58 },
	{ "ipv6-nonxt", 59 }, { "ipv6-opts", 60 }, { "ospf", 89 }, { "sctp", 132 }, { NULL, 0 },
};
static const struct name_num icmp_types[] = {
	{ "echo-reply", 0 }, { "dest-unreach", 3 }, { "source-quench", 4 }, { "redirect", 5 },
	{ "echo-request", 8 }, { "router-advert", 9 }, { "router-solicit", 10 },
	{ "time-exceeded", 11 }, { "param-problem", 12 }, { "timestamp-request", 13 },
	{ "timestamp-reply", 14 }, { NULL, 0 },
};
static const struct name_num icmp6_types[] = {
	{ "dest-unreach", 1 }, { "packet-too-big", 2 }, { "time-exceeded", 3 },
	{ "param-problem", 4 }, { "echo-request", 128 }, { "echo-reply", 129 },
	{ "router-solicit", 133 }, { "router-advert", 134 }, { "neighbor-solicit", 135 },
	{ "neighbor-advert", 136 }, { "redirect", 137 }, { NULL, 0 },
};
static const struct name_num arp_ops[] = {
	{ "who-has", 1 }, { "request", 1 }, { "is-at", 2 }, { "reply", 2 }, { NULL, 0 },
};

static bool lookup_name(const struct name_num *t, const char *s, unsigned *out)
{
	for (; t->name; t++)
		if (!strcasecmp(t->name, s)) {
			*out = t->num;
			return true;
		}
	return false;
}

/* ---- errors ------------------------------------------------------------ */

struct tok {
	char *s;          /* the text after quotes and escapes (NUL-terminated) */
	size_t n;         /* its length (may hold NULs from \0) */
	long eq;          /* index of the first unquoted '=' in s, or -1 */
	bool sep;         /* a '/' */
	bool string;      /* began with a quote, or a whole argv word after `raw` */
	unsigned word;
	size_t off, len;  /* position in the word */
};

__attribute__((format(printf, 3, 4))) static int fail(struct rn_craft_error *err,
						      const struct tok *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	if (t) {
		err->word = t->word;
		err->off = t->off;
		err->len = t->len;
	}
	return -RN_EINVAL;
}

/* ---- the lexer --------------------------------------------------------- */

struct toks {
	struct tok *v;
	size_t n, cap;
};

static void toks_free(struct toks *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		free(ts->v[i].s);
	free(ts->v);
}

static struct tok *toks_push(struct toks *ts)
{
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 16;
		struct tok *v = realloc(ts->v, cap * sizeof *v);
		if (!v)
			return NULL;
		ts->v = v;
		ts->cap = cap;
	}
	struct tok *t = &ts->v[ts->n++];
	memset(t, 0, sizeof *t);
	t->eq = -1;
	return t;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes one C escape at s[*i] (just after the backslash) into *out. */
static int unescape(const char *s, size_t *i, char *out)
{
	char c = s[*i];
	(*i)++;
	switch (c) {
	case 'n': *out = '\n'; return 0;
	case 'r': *out = '\r'; return 0;
	case 't': *out = '\t'; return 0;
	case 'a': *out = '\a'; return 0;
	case 'b': *out = '\b'; return 0;
	case 'f': *out = '\f'; return 0;
	case 'v': *out = '\v'; return 0;
	case 'e': *out = 27; return 0;
	case '\\': case '"': case '\'': case '/': case ' ': case '=': case '?':
		*out = c;
		return 0;
	case 'x': {
		int h1 = hexval(s[*i]);
		if (h1 < 0)
			return -1;
		(*i)++;
		int h2 = hexval(s[*i]);
		if (h2 >= 0) {
			(*i)++;
			h1 = h1 * 16 + h2;
		}
		*out = (char)h1;
		return 0;
	}
	default:
		if (c >= '0' && c <= '7') {
			unsigned v = (unsigned)(c - '0');
			for (int k = 0; k < 2 && s[*i] >= '0' && s[*i] <= '7'; k++)
				v = v * 8 + (unsigned)(s[(*i)++] - '0');
			if (v > 255)
				return -1;
			*out = (char)v;
			return 0;
		}
		return -1;
	}
}

/* Appends one byte to a token's growing text. */
static int put(struct tok *t, size_t *cap, char c)
{
	if (t->n + 2 > *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		char *s = realloc(t->s, nc);
		if (!s)
			return -ENOMEM;
		t->s = s;
		*cap = nc;
	}
	t->s[t->n++] = c;
	t->s[t->n] = '\0';
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A whole argv word taken as text (the word after `raw`), C escapes applied. */
static int lex_whole_word(const char *w, unsigned wi, struct toks *ts, struct rn_craft_error *err)
{
	struct tok *t = toks_push(ts);
	if (!t)
		return -ENOMEM;
	size_t cap = 0, len = strlen(w);
	t->string = true;
	t->word = wi;
	t->len = len;
	if (put(t, &cap, 0) < 0)
		return -ENOMEM;
	t->n = 0;
	for (size_t i = 0; i < len;) {
		char c = w[i++];
		if (c == '\\') {
			size_t at = i - 1;
			if (unescape(w, &i, &c) < 0) {
				struct tok where = { .word = wi, .off = at, .len = i - at };
				return fail(err, &where, "\\%.*s: unknown escape", (int)(i - at - 1), w + at + 1);
			}
		}
		if (put(t, &cap, c) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int lex_word(const char *w, unsigned wi, struct toks *ts, struct rn_craft_error *err)
{
	size_t len = strlen(w), i = 0;
	while (i < len) {
		if (is_space(w[i])) {
			i++;
			continue;
		}
		struct tok *t = toks_push(ts);
		if (!t)
			return -ENOMEM;
		size_t cap = 0;
		t->word = wi;
		t->off = i;
		if (w[i] == '/') {
			t->sep = true;
			t->len = 1;
			i++;
			continue;
		}
		if (put(t, &cap, 0) < 0)
			return -ENOMEM;
		t->n = 0;
		t->string = w[i] == '"' || w[i] == '\'';
		while (i < len && !is_space(w[i]) && w[i] != '/') {
			char c = w[i];
			if (c == '"' || c == '\'') {
				char q = c;
				size_t open = i++;
				for (;;) {
					if (i >= len) {
						struct tok where = { .word = wi, .off = open, .len = len - open };
						return fail(err, &where, "unterminated string");
					}
					c = w[i++];
					if (c == q)
						break;
					if (c == '\\' && q == '"') {
						size_t at = i - 1;
						if (unescape(w, &i, &c) < 0) {
							struct tok where = { .word = wi, .off = at, .len = i - at };
							return fail(err, &where, "\\%.*s: unknown escape",
								    (int)(i - at - 1), w + at + 1);
						}
					}
					if (put(t, &cap, c) < 0)
						return -ENOMEM;
				}
				continue;
			}
			i++;
			if (c == '\\') {
				size_t at = i - 1;
				if (unescape(w, &i, &c) < 0) {
					struct tok where = { .word = wi, .off = at, .len = i - at };
					return fail(err, &where, "\\%.*s: unknown escape", (int)(i - at - 1),
						    w + at + 1);
				}
			} else if (c == '=' && t->eq < 0) {
				t->eq = (long)t->n;
			}
			if (put(t, &cap, c) < 0)
				return -ENOMEM;
		}
		t->len = i - t->off;
	}
	return 0;
}

static int lex(const char *const *words, unsigned nwords, struct toks *ts,
	       struct rn_craft_error *err)
{
	for (unsigned wi = 0; wi < nwords; wi++) {
		const char *w = words[wi];
		/* In the argv form a word right after `raw` is the text itself
		 * (`raw 'GET / HTTP/1.1\r\n'`), unless it looks like a field or a
		 * separator. */
		bool after_raw = wi > 0 && ts->n > 0 && !ts->v[ts->n - 1].sep &&
				 !ts->v[ts->n - 1].string && ts->v[ts->n - 1].word == wi - 1 &&
				 !strcmp(ts->v[ts->n - 1].s, "raw");
		if (after_raw && strcmp(w, "/") && strncmp(w, "hex=", 4) && strncmp(w, "text=", 5) &&
		    w[0] != '"' && w[0] != '\'' && w[0] != '\0') {
			int r = lex_whole_word(w, wi, ts, err);
			if (r < 0)
				return r;
			continue;
		}
		int r = lex_word(w, wi, ts, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- values ------------------------------------------------------------ */

struct value {
	uint64_t u;
	uint8_t addr[16];
	struct rn_mac mac;
	uint8_t *bytes;          /* F_HEX, F_TEXT: malloc'ed */
	size_t nbytes;
	uint32_t a, b;           /* F_TS */
	struct rn_tcp_sack_block sack[4];
	unsigned nsack;
};

/* Decimal, or hexadecimal with 0x. */
static bool parse_u64(const char *s, uint64_t *out)
{
	if (!*s)
		return false;
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return false;
	}
	uint64_t v = 0;
	for (; *s; s++) {
		int d = hexval(*s);
		if (d < 0 || d >= base)
			return false;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return true;
}

static int parse_hex(const char *s, uint8_t **out, size_t *n)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	size_t digits = 0;
	for (const char *p = s; *p; p++) {
		if (*p == ':' || *p == '.' || *p == '-' || *p == '_')
			continue;
		if (hexval(*p) < 0)
			return -1;
		digits++;
	}
	if (digits % 2)
		return -2;
	uint8_t *b = malloc(digits / 2 + 1);
	if (!b)
		return -ENOMEM;
	size_t k = 0;
	int hi = -1;
	for (const char *p = s; *p; p++) {
		int d = hexval(*p);
		if (d < 0)
			continue;
		if (hi < 0) {
			hi = d;
		} else {
			b[k++] = (uint8_t)(hi << 4 | d);
			hi = -1;
		}
	}
	*out = b;
	*n = k;
	return 0;
}

static int parse_tcp_flags(const char *s, uint64_t *out)
{
	uint64_t v;
	if (s[0] >= '0' && s[0] <= '9')
		return parse_u64(s, &v) && v <= 0xfff ? (*out = v, 0) : -1;
	uint64_t f = 0;
	bool first = true;
	const char *p = s;
	while (*p) {
		size_t n = strcspn(p, "+,|");
		if (!first && n == 2 && !strncasecmp(p, "AE", 2)) {
			f |= RN_TCP_AE;
		} else {
			for (size_t i = 0; i < n; i++) {
				switch (p[i]) {
				case 'F': f |= RN_TCP_FIN; break;
				case 'S': f |= RN_TCP_SYN; break;
				case 'R': f |= RN_TCP_RST; break;
				case 'P': f |= RN_TCP_PSH; break;
				case 'A': f |= RN_TCP_ACK; break;
				case 'U': f |= RN_TCP_URG; break;
				case 'E': f |= RN_TCP_ECE; break;
				case 'C': f |= RN_TCP_CWR; break;
				case 'N': f |= RN_TCP_AE; break;
				case '.': break; /* tcpdump's "ack" dot; harmless */
				default: return -1;
				}
			}
		}
		first = false;
		p += n;
		if (*p)
			p++;
	}
	*out = f;
	return 0;
}

static int parse_ip_flags(const char *s, uint64_t *out)
{
	uint64_t v;
	if (s[0] >= '0' && s[0] <= '9')
		return parse_u64(s, &v) && v <= 7 ? (*out = v, 0) : -1;
	uint64_t f = 0;
	const char *p = s;
	while (*p) {
		size_t n = strcspn(p, "+,|");
		if (n == 2 && !strncasecmp(p, "DF", 2))
			f |= 2;
		else if (n == 2 && !strncasecmp(p, "MF", 2))
			f |= 1;
		else if ((n == 2 && !strncasecmp(p, "RF", 2)) || (n == 4 && !strncasecmp(p, "evil", 4)))
			f |= 4;
		else
			return -1;
		p += n;
		if (*p)
			p++;
	}
	*out = f;
	return 0;
}

static int parse_na_flags(const char *s, uint64_t *out)
{
	uint64_t v;
	if (s[0] >= '0' && s[0] <= '9')
		return parse_u64(s, &v) && v <= 255 ? (*out = v, 0) : -1;
	uint64_t f = 0;
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case 'R': f |= RN_ND_NA_ROUTER; break;
		case 'S': f |= RN_ND_NA_SOLICITED; break;
		case 'O': f |= RN_ND_NA_OVERRIDE; break;
		default: return -1;
		}
	}
	*out = f;
	return 0;
}

static bool parse_u32_pair(const char *s, char sepc, uint32_t *a, uint32_t *b)
{
	const char *m = strchr(s, sepc);
	if (!m || m == s)
		return false;
	char first[32];
	size_t n = (size_t)(m - s);
	if (n >= sizeof first)
		return false;
	memcpy(first, s, n);
	first[n] = '\0';
	uint64_t x, y;
	if (!parse_u64(first, &x) || !parse_u64(m + 1, &y) || x > 0xffffffff || y > 0xffffffff)
		return false;
	*a = (uint32_t)x;
	*b = (uint32_t)y;
	return true;
}

static int parse_value(const struct field *f, const struct tok *t, const char *key,
		       const char *s, struct value *v, struct rn_craft_error *err)
{
	unsigned num;
	switch (f->type) {
	case F_U:
		if (!parse_u64(s, &v->u))
			return fail(err, t, "%s: %s is not a number", key, s);
		if (v->u > f->max)
			return fail(err, t, "%s: %s is out of range (0-%llu)", key, s,
				    (unsigned long long)f->max);
		return 0;
	case F_PORT:
		if (!parse_u64(s, &v->u) || v->u > 65535)
			return fail(err, t, "%s: %s is not a port", key, s);
		return 0;
	case F_IP4:
		if (inet_pton(AF_INET, s, v->addr) != 1) {
			if (inet_pton(AF_INET6, s, v->addr) == 1)
				return fail(err, t, "%s: %s is not an IPv4 address (use ip6 for IPv6)", key, s);
			return fail(err, t, "%s: %s is not an IPv4 address", key, s);
		}
		return 0;
	case F_IP6:
		if (inet_pton(AF_INET6, s, v->addr) != 1) {
			if (inet_pton(AF_INET, s, v->addr) == 1)
				return fail(err, t, "%s: %s is not an IPv6 address (use ip for IPv4)", key, s);
			return fail(err, t, "%s: %s is not an IPv6 address", key, s);
		}
		return 0;
	case F_MAC:
		if (rn_mac_parse(s, &v->mac) < 0)
			return fail(err, t, "%s: %s is not a MAC address", key, s);
		return 0;
	case F_ETHERTYPE:
		if (lookup_name(ethertypes, s, &num)) {
			v->u = num;
			return 0;
		}
		if (!parse_u64(s, &v->u) || v->u > 0xffff)
			return fail(err, t, "%s: %s is not an ethertype", key, s);
		return 0;
	case F_PROTO:
		if (lookup_name(protos, s, &num)) {
			v->u = num;
			return 0;
		}
		if (!parse_u64(s, &v->u) || v->u > 255)
			return fail(err, t, "%s: %s is not a protocol", key, s);
		return 0;
	case F_ICMPTYPE:
	case F_ICMP6TYPE:
		if (lookup_name(f->type == F_ICMPTYPE ? icmp_types : icmp6_types, s, &num)) {
			v->u = num;
			return 0;
		}
		if (!parse_u64(s, &v->u) || v->u > 255)
			return fail(err, t, "%s: %s is not an %s type", key, s,
				    f->type == F_ICMPTYPE ? "ICMP" : "ICMPv6");
		return 0;
	case F_ARPOP:
		if (lookup_name(arp_ops, s, &num)) {
			v->u = num;
			return 0;
		}
		if (!parse_u64(s, &v->u) || v->u > 0xffff)
			return fail(err, t, "%s: %s is not an ARP operation", key, s);
		return 0;
	case F_TCPFLAGS:
		if (!*s || parse_tcp_flags(s, &v->u) < 0)
			return fail(err, t, "%s: %s is not a set of TCP flags (letters SAFRPUECN, +AE)",
				    key, s);
		return 0;
	case F_IPFLAGS:
		if (!*s || parse_ip_flags(s, &v->u) < 0)
			return fail(err, t, "%s: %s is not a set of IP flags (DF, MF, RF)", key, s);
		return 0;
	case F_NAFLAGS:
		if (!*s || parse_na_flags(s, &v->u) < 0)
			return fail(err, t, "%s: %s is not a set of NA flags (letters RSO)", key, s);
		return 0;
	case F_HEX: {
		int r = parse_hex(s, &v->bytes, &v->nbytes);
		if (r == -ENOMEM)
			return r;
		if (r == -2)
			return fail(err, t, "%s: %s is not hex (odd number of digits)", key, s);
		if (r < 0)
			return fail(err, t, "%s: %s is not hex", key, s);
		if (v->nbytes > f->max)
			return fail(err, t, "%s: %zu bytes, at most %llu", key, v->nbytes,
				    (unsigned long long)f->max);
		return 0;
	}
	case F_TEXT: {
		size_t n = t->n - (size_t)(s - t->s);
		v->bytes = malloc(n + 1);
		if (!v->bytes)
			return -ENOMEM;
		memcpy(v->bytes, s, n);
		v->nbytes = n;
		return 0;
	}
	case F_TS:
		if (!parse_u32_pair(s, ',', &v->a, &v->b))
			return fail(err, t, "%s: %s is not val,ecr", key, s);
		return 0;
	case F_SACK: {
		const char *p = s;
		v->nsack = 0;
		while (*p) {
			char blk[48];
			size_t n = strcspn(p, ",");
			if (v->nsack == 4 || n == 0 || n >= sizeof blk)
				return fail(err, t, "%s: %s is not left-right[,left-right] (at most 4 blocks)",
					    key, s);
			memcpy(blk, p, n);
			blk[n] = '\0';
			if (!parse_u32_pair(blk, '-', &v->sack[v->nsack].left, &v->sack[v->nsack].right))
				return fail(err, t,
					    "%s: %s is not left-right[,left-right] (at most 4 blocks)", key, s);
			v->nsack++;
			p += n;
			if (*p)
				p++;
		}
		if (!v->nsack)
			return fail(err, t, "%s: %s is not left-right[,left-right] (at most 4 blocks)",
				    key, s);
		return 0;
	}
	case F_FLAG:
		return 0;
	}
	return 0;
}

/* ---- applying values to the reprs ------------------------------------- */

static int raw_append(struct rn_craft_layer *l, const uint8_t *b, size_t n,
		      const struct tok *t, struct rn_craft_error *err)
{
	if (n > RN_CRAFT_MAX_RAW - l->u.raw.len)
		return fail(err, t, "raw: more than %d bytes", RN_CRAFT_MAX_RAW);
	uint8_t *d = realloc(l->u.raw.data, l->u.raw.len + n + 1);
	if (!d)
		return -ENOMEM;
	if (n)
		memcpy(d + l->u.raw.len, b, n);
	l->u.raw.data = d;
	l->u.raw.len += n;
	return 0;
}

static void apply(struct rn_craft_layer *l, int f, const struct value *v)
{
	uint64_t u = v->u;
	switch (l->kind) {
	case RN_CRAFT_ETH:
		if (f == FLD_ETH_DST) l->u.eth.dst = v->mac;
		else if (f == FLD_ETH_SRC) l->u.eth.src = v->mac;
		else l->u.eth.ethertype = (uint16_t)u;
		break;
	case RN_CRAFT_VLAN:
		if (f == FLD_VLAN_ID) l->u.vlan.tag.vid = (uint16_t)u;
		else if (f == FLD_VLAN_PRIO) l->u.vlan.tag.pcp = (uint8_t)u;
		else if (f == FLD_VLAN_DEI) l->u.vlan.tag.dei = (uint8_t)u;
		else l->u.vlan.type = (uint16_t)u;
		break;
	case RN_CRAFT_ARP: {
		struct rn_arp *a = &l->u.arp;
		switch (f) {
		case FLD_ARP_OP: a->op = (uint16_t)u; break;
		case FLD_ARP_HWTYPE: a->htype = (uint16_t)u; break;
		case FLD_ARP_PTYPE: a->ptype = (uint16_t)u; break;
		case FLD_ARP_HWLEN: a->hlen = (uint8_t)u; break;
		case FLD_ARP_PLEN: a->plen = (uint8_t)u; break;
		case FLD_ARP_HWSRC: memcpy(a->sha, v->mac.b, 6); break;
		case FLD_ARP_PSRC: memcpy(a->spa, v->addr, 4); break;
		case FLD_ARP_HWDST: memcpy(a->tha, v->mac.b, 6); break;
		case FLD_ARP_PDST: memcpy(a->tpa, v->addr, 4); break;
		}
		break;
	}
	case RN_CRAFT_IP: {
		struct rn_ipv4 *ip = &l->u.ip;
		switch (f) {
		case FLD_IP_SRC: memcpy(ip->src, v->addr, 4); break;
		case FLD_IP_DST: memcpy(ip->dst, v->addr, 4); break;
		case FLD_IP_TTL: ip->ttl = (uint8_t)u; break;
		case FLD_IP_TOS: ip->tos = (uint8_t)u; break;
		case FLD_IP_ID: ip->id = (uint16_t)u; break;
		case FLD_IP_FLAGS:
			ip->flag_rsv = u & 4;
			ip->flag_df = u & 2;
			ip->flag_mf = u & 1;
			break;
		case FLD_IP_FRAG: ip->frag_off = (uint16_t)u; break;
		case FLD_IP_PROTO: ip->proto = (uint8_t)u; break;
		case FLD_IP_LEN: ip->tot_len = (uint16_t)u; ip->tot_len_set = true; break;
		case FLD_IP_IHL: ip->ihl = (uint8_t)u; ip->ihl_set = true; break;
		case FLD_IP_CHKSUM: ip->checksum = (uint16_t)u; ip->checksum_set = true; break;
		case FLD_IP_OPTIONS:
			memcpy(ip->opts, v->bytes, v->nbytes);
			ip->opt_len = (uint8_t)v->nbytes;
			break;
		case FLD_IP_VERSION: ip->version = (uint8_t)u; break;
		}
		break;
	}
	case RN_CRAFT_IP6: {
		struct rn_ipv6 *ip6 = &l->u.ip6;
		switch (f) {
		case FLD_IP6_SRC: memcpy(ip6->src, v->addr, 16); break;
		case FLD_IP6_DST: memcpy(ip6->dst, v->addr, 16); break;
		case FLD_IP6_HLIM: ip6->hop_limit = (uint8_t)u; break;
		case FLD_IP6_TC: ip6->tclass = (uint8_t)u; break;
		case FLD_IP6_FL: ip6->flow = (uint32_t)u; break;
		case FLD_IP6_NH: ip6->next_header = (uint8_t)u; break;
		case FLD_IP6_PLEN: ip6->payload_len = (uint16_t)u; ip6->payload_len_set = true; break;
		case FLD_IP6_VERSION: ip6->version = (uint8_t)u; break;
		}
		break;
	}
	case RN_CRAFT_ICMP: {
		struct rn_icmp *ic = &l->u.icmp;
		switch (f) {
		case FLD_ICMP_TYPE: ic->type = (uint8_t)u; break;
		case FLD_ICMP_CODE: ic->code = (uint8_t)u; break;
		case FLD_ICMP_ID: ic->id = (uint16_t)u; break;
		case FLD_ICMP_SEQ: ic->seq = (uint16_t)u; break;
		case FLD_ICMP_CHKSUM: ic->checksum = (uint16_t)u; ic->checksum_set = true; break;
		case FLD_ICMP_GW:
			ic->rest = (uint32_t)v->addr[0] << 24 | (uint32_t)v->addr[1] << 16 |
				   (uint32_t)v->addr[2] << 8 | v->addr[3];
			break;
		case FLD_ICMP_MTU: ic->rest = (uint32_t)u; break;
		case FLD_ICMP_PTR: ic->rest = (uint32_t)u << 24; break;
		}
		break;
	}
	case RN_CRAFT_ICMP6: {
		struct rn_icmp6 *ic = &l->u.icmp6;
		switch (f) {
		case FLD_ICMP6_TYPE: ic->type = (uint8_t)u; break;
		case FLD_ICMP6_CODE: ic->code = (uint8_t)u; break;
		case FLD_ICMP6_ID: ic->id = (uint16_t)u; break;
		case FLD_ICMP6_SEQ: ic->seq = (uint16_t)u; break;
		case FLD_ICMP6_CHKSUM: ic->checksum = (uint16_t)u; ic->checksum_set = true; break;
		case FLD_ICMP6_TARGET: memcpy(ic->target, v->addr, 16); break;
		case FLD_ICMP6_MTU: ic->rest = (uint32_t)u; break;
		case FLD_ICMP6_PTR: ic->rest = (uint32_t)u; break;
		case FLD_ICMP6_FLAGS: ic->rest = (uint32_t)u << 24; break;
		}
		break;
	}
	case RN_CRAFT_UDP: {
		struct rn_udp *ud = &l->u.udp;
		switch (f) {
		case FLD_UDP_SPORT: ud->sport = (uint16_t)u; break;
		case FLD_UDP_DPORT: ud->dport = (uint16_t)u; break;
		case FLD_UDP_LEN: ud->len = (uint16_t)u; ud->len_set = true; break;
		case FLD_UDP_CHKSUM: ud->checksum = (uint16_t)u; ud->checksum_set = true; break;
		}
		break;
	}
	case RN_CRAFT_TCP: {
		struct rn_tcp *tc = &l->u.tcp.hdr;
		struct rn_tcp_opts *o = &l->u.tcp.opts;
		switch (f) {
		case FLD_TCP_SPORT: tc->sport = (uint16_t)u; break;
		case FLD_TCP_DPORT: tc->dport = (uint16_t)u; break;
		case FLD_TCP_SEQ: tc->seq = (uint32_t)u; break;
		case FLD_TCP_ACK: tc->ack = (uint32_t)u; break;
		case FLD_TCP_FLAGS: tc->flags = (uint16_t)u; break;
		case FLD_TCP_WINDOW: tc->window = (uint16_t)u; break;
		case FLD_TCP_URGPTR: tc->urg_ptr = (uint16_t)u; break;
		case FLD_TCP_DOFF: tc->doff = (uint8_t)u; tc->doff_set = true; break;
		case FLD_TCP_CHKSUM: tc->checksum = (uint16_t)u; tc->checksum_set = true; break;
		case FLD_TCP_MSS: o->has_mss = true; o->mss = (uint16_t)u; break;
		case FLD_TCP_WSCALE: o->has_wscale = true; o->wscale = (uint8_t)u; break;
		case FLD_TCP_SACKOK: o->sack_perm = true; break;
		case FLD_TCP_TS: o->has_ts = true; o->ts_val = v->a; o->ts_ecr = v->b; break;
		case FLD_TCP_SACK:
			o->nsack = (uint8_t)v->nsack;
			memcpy(o->sack, v->sack, sizeof v->sack);
			break;
		case FLD_TCP_OPTS:
			memcpy(tc->opts, v->bytes, v->nbytes);
			tc->opt_len = (uint8_t)v->nbytes;
			l->u.tcp.raw_opts = true;
			break;
		}
		break;
	}
	case RN_CRAFT_RAW:
		break;
	}
}

/* ---- the parser -------------------------------------------------------- */

static const char *kinds_list(void)
{
	return "eth vlan arp ip ip6 icmp icmp6 udp tcp raw";
}

static int field_list(enum rn_craft_kind kind, char *out, size_t cap)
{
	const struct layer_def *d = &layer_defs[kind];
	size_t k = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < d->nfields && k < cap; i++)
		k += (size_t)snprintf(out + k, cap - k, "%s%s", i ? " " : "", d->fields[i].name);
	return 0;
}

static int kind_by_name(const char *s, enum rn_craft_kind *kind)
{
	for (unsigned k = 0; k < NKINDS; k++)
		if (!strcasecmp(s, layer_defs[k].name) ||
		    (layer_defs[k].alias && !strcasecmp(s, layer_defs[k].alias))) {
			*kind = (enum rn_craft_kind)k;
			return 0;
		}
	return -1;
}

/* Checks where a layer may stand, given the one before it (prev < 0: first). */
static int check_order(const struct rn_craft_spec *spec, const struct tok *t,
		       struct rn_craft_error *err)
{
	unsigned i = spec->n - 1;
	enum rn_craft_kind k = spec->layer[i].kind;
	int prev = i ? (int)spec->layer[i - 1].kind : -1;
	if (prev == RN_CRAFT_RAW)
		return fail(err, t, "raw: must be the last layer");
	switch (k) {
	case RN_CRAFT_ETH:
		if (prev >= 0)
			return fail(err, t, "eth: must be the first layer");
		break;
	case RN_CRAFT_VLAN: {
		if (prev >= 0 && prev != RN_CRAFT_ETH && prev != RN_CRAFT_VLAN)
			return fail(err, t, "vlan: must follow eth or vlan");
		unsigned tags = 0;
		for (unsigned j = 0; j <= i; j++)
			tags += spec->layer[j].kind == RN_CRAFT_VLAN;
		if (tags > RN_ETH_MAX_TAGS)
			return fail(err, t, "vlan: at most %d tags", RN_ETH_MAX_TAGS);
		break;
	}
	case RN_CRAFT_ARP:
		if (prev >= 0 && prev != RN_CRAFT_ETH && prev != RN_CRAFT_VLAN)
			return fail(err, t, "arp: must follow eth or vlan");
		break;
	default:
		break;
	}
	return 0;
}

static int parse_layer(struct toks *ts, size_t *pos, struct rn_craft_spec *spec,
		       struct rn_craft_error *err)
{
	struct tok *kt = &ts->v[*pos];
	if (kt->string || kt->eq >= 0)
		return fail(err, kt, "%s: expected a layer name (%s)", kt->s, kinds_list());
	enum rn_craft_kind kind;
	if (kind_by_name(kt->s, &kind) < 0)
		return fail(err, kt, "%s: unknown layer (%s)", kt->s, kinds_list());
	if (spec->n == RN_CRAFT_MAX_LAYERS)
		return fail(err, kt, "too many layers (at most %d)", RN_CRAFT_MAX_LAYERS);
	struct rn_craft_layer *l = &spec->layer[spec->n++];
	memset(l, 0, sizeof *l);
	l->kind = kind;
	l->word = kt->word;
	l->off = kt->off;
	l->len = kt->len;
	int r = check_order(spec, kt, err);
	if (r < 0)
		return r;
	const char *lname = layer_defs[kind].name;
	bool prev_bare = false; /* bare words of raw text are joined by one space */
	for ((*pos)++; *pos < ts->n && !ts->v[*pos].sep; (*pos)++) {
		struct tok *t = &ts->v[*pos];
		struct value v = { 0 };
		if (t->string || t->eq < 0) {
			if (kind == RN_CRAFT_RAW && (t->string || field_index(kind, t->s, t->n) < 0)) {
				if (prev_bare && !t->string && (r = raw_append(l, (const uint8_t *)" ", 1, t, err)) < 0)
					return r;
				r = raw_append(l, (const uint8_t *)t->s, t->n, t, err);
				if (r < 0)
					return r;
				prev_bare = !t->string;
				continue;
			}
			if (t->string)
				return fail(err, t, "%s: \"%s\" is not a field=value", lname, t->s);
		}
		size_t klen = t->eq >= 0 ? (size_t)t->eq : t->n;
		int f = field_index(kind, t->s, klen);
		if (f < 0) {
			char list[200];
			field_list(kind, list, sizeof list);
			return fail(err, t, "%s: no field %.*s (%s)", lname, (int)klen, t->s, list);
		}
		const struct field *fd = &layer_defs[kind].fields[f];
		char key[24];
		snprintf(key, sizeof key, "%s", fd->name);
		if (fd->type == F_FLAG && t->eq >= 0)
			return fail(err, t, "%s: takes no value", key);
		if (fd->type != F_FLAG && (t->eq < 0 || ((size_t)t->eq + 1 == t->n && fd->type != F_TEXT &&
							 fd->type != F_HEX)))
			return fail(err, t, "%s: needs a value (%s=...)", key, key);
		if (kind != RN_CRAFT_RAW && (l->set >> f & 1))
			return fail(err, t, "%s: given twice", key);
		const char *val = t->eq >= 0 ? t->s + t->eq + 1 : "";
		r = parse_value(fd, t, key, val, &v, err);
		if (r < 0) {
			free(v.bytes);
			return r;
		}
		l->set |= 1ull << f;
		prev_bare = false;
		if (kind == RN_CRAFT_RAW)
			r = raw_append(l, v.bytes, v.nbytes, t, err);
		else
			apply(l, f, &v);
		free(v.bytes);
		if (r < 0)
			return r;
	}
	/* Whole-layer checks. */
	if (kind == RN_CRAFT_TCP) {
		const uint64_t opt_bits = 1ull << FLD_TCP_MSS | 1ull << FLD_TCP_WSCALE | 1ull << FLD_TCP_SACKOK |
					  1ull << FLD_TCP_TS | 1ull << FLD_TCP_SACK;
		if ((l->set & 1ull << FLD_TCP_OPTS) && (l->set & opt_bits))
			return fail(err, kt, "opts: cannot be combined with mss/wscale/sackok/ts/sack");
		uint8_t tmp[RN_TCP_MAX_OPTLEN];
		if ((l->set & opt_bits) && rn_tcp_opts_encode(&l->u.tcp.opts, tmp) < 0)
			return fail(err, kt, "tcp: the options take more than %d bytes", RN_TCP_MAX_OPTLEN);
	}
	return 0;
}

void rn_craft_free(struct rn_craft_spec *spec)
{
	for (unsigned i = 0; i < spec->n && i < RN_CRAFT_MAX_LAYERS; i++)
		if (spec->layer[i].kind == RN_CRAFT_RAW) {
			free(spec->layer[i].u.raw.data);
			spec->layer[i].u.raw.data = NULL;
		}
	spec->n = 0;
}

int rn_craft_parse(const char *const *words, unsigned nwords, struct rn_craft_spec *spec,
		   struct rn_craft_error *err)
{
	struct toks ts = { 0 };
	memset(err, 0, sizeof *err);
	spec->n = 0;
	int r = lex(words, nwords, &ts, err);
	if (r < 0)
		goto out;
	if (ts.n == 0) {
		r = fail(err, NULL, "empty spec");
		goto out;
	}
	size_t pos = 0;
	for (;;) {
		if (pos >= ts.n || ts.v[pos].sep) {
			const struct tok *at = pos < ts.n ? &ts.v[pos] : &ts.v[ts.n - 1];
			r = fail(err, at, pos < ts.n ? "empty layer before '/'" : "empty layer after '/'");
			goto out;
		}
		r = parse_layer(&ts, &pos, spec, err);
		if (r < 0)
			goto out;
		if (pos >= ts.n)
			break;
		pos++; /* the separator */
	}
out:
	toks_free(&ts);
	return r;
}

int rn_craft_find(const struct rn_craft_spec *spec, enum rn_craft_kind kind, unsigned from)
{
	for (unsigned i = from; i < spec->n; i++)
		if (spec->layer[i].kind == kind)
			return (int)i;
	return -1;
}

int rn_craft_find_ip(const struct rn_craft_spec *spec)
{
	for (unsigned i = 0; i < spec->n; i++)
		if (spec->layer[i].kind == RN_CRAFT_IP || spec->layer[i].kind == RN_CRAFT_IP6)
			return (int)i;
	return -1;
}

int rn_craft_insert(struct rn_craft_spec *spec, unsigned pos, enum rn_craft_kind kind)
{
	if (spec->n >= RN_CRAFT_MAX_LAYERS)
		return -RN_ENOSPC;
	if (pos > spec->n)
		pos = spec->n;
	memmove(&spec->layer[pos + 1], &spec->layer[pos], (spec->n - pos) * sizeof spec->layer[0]);
	memset(&spec->layer[pos], 0, sizeof spec->layer[pos]);
	spec->layer[pos].kind = kind;
	spec->n++;
	return 0;
}
