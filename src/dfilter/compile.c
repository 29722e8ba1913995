/* The display-filter compiler: a recursive-descent parser over df_lex()'s
 * tokens (Wireshark 4.0's grammar: not binds tightest, then and, xor, or),
 * resolving field names with rn_fdesc_lookup() and reading every literal as
 * the type of the field it meets, once. Syntax errors win over meaning
 * errors (an unknown field, a bad literal), as in tshark, so the first
 * meaning error is kept until the whole expression has parsed. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rawnet/error.h"
#include "dfilter/dfilter_int.h"

#define MAX_DEPTH 64

struct parser {
	const char *s;
	size_t pos;               /* the lexer's position after tok */
	struct df_token tok;      /* the current token */
	int rc;                   /* 0, or the first syntax / memory error */
	struct rn_dfilter_error *err;
	bool sem;                 /* a meaning error is kept in sem_err */
	struct rn_dfilter_error sem_err;
	int depth;
};

static void set_err(struct rn_dfilter_error *e, size_t pos, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_err(struct rn_dfilter_error *e, size_t pos, size_t len, const char *fmt, ...)
{
	e->pos = pos;
	e->len = len;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
}

/* A syntax error at the current token. */
static void unexpected(struct parser *p)
{
	if (p->rc)
		return;
	p->rc = -RN_EINVAL;
	if (p->tok.kind == DT_EOF)
		set_err(p->err, p->tok.pos, 0, "Unexpected end of filter expression.");
	else
		set_err(p->err, p->tok.pos, p->tok.len, "\"%.*s\" was unexpected in this context.",
			(int)p->tok.len, p->s + p->tok.pos);
}

static void oom(struct parser *p)
{
	if (!p->rc) {
		p->rc = -ENOMEM;
		set_err(p->err, 0, 0, "Out of memory.");
	}
}

/* A meaning error; only the first is kept. */
#define SEM(p, pos, len, ...)                                                    \
	do {                                                                     \
		if (!(p)->sem) {                                                 \
			(p)->sem = true;                                         \
			set_err(&(p)->sem_err, (pos), (len), __VA_ARGS__);       \
		}                                                                \
	} while (0)

static void advance(struct parser *p)
{
	free(p->tok.str);
	p->tok.str = NULL;
	if (p->rc) {
		p->tok.kind = DT_EOF;
		return;
	}
	int e = df_lex(p->s, &p->pos, &p->tok, p->err);
	if (e < 0) {
		p->rc = e;
		if (e == -ENOMEM)
			set_err(p->err, 0, 0, "Out of memory.");
		p->tok.kind = DT_EOF;
	}
}

static bool tok_is(const struct parser *p, const char *w)
{
	return p->tok.kind == DT_WORD && p->tok.len == strlen(w) &&
	       memcmp(p->s + p->tok.pos, w, p->tok.len) == 0;
}

const char *df_type_name(const struct rn_fdesc *d, enum rn_ftype type, char *buf, size_t n)
{
	unsigned bytes = d && d->bits ? (d->bits + 7) / 8 : 0;
	switch (type) {
	case RN_FT_NONE: return "Label";
	case RN_FT_PROTO: return "Protocol";
	case RN_FT_BOOL: return "Boolean";
	case RN_FT_UINT:
	case RN_FT_INT:
		if (bytes)
			snprintf(buf, n, "%s integer (%u byte%s)",
				 type == RN_FT_UINT ? "Unsigned" : "Signed", bytes,
				 bytes == 1 ? "" : "s");
		else
			snprintf(buf, n, "%s integer", type == RN_FT_UINT ? "Unsigned" : "Signed");
		return buf;
	case RN_FT_DOUBLE: return "Floating point (double-precision)";
	case RN_FT_TIME: return "Date and time";
	case RN_FT_IPV4: return "IPv4 address";
	case RN_FT_IPV6: return "IPv6 address";
	case RN_FT_ETHER: return "Ethernet or other MAC address";
	case RN_FT_BYTES: return "Byte sequence";
	case RN_FT_STRING: return "Character string";
	}
	return "value";
}

static bool bytes_like(enum rn_ftype t)
{
	return t == RN_FT_BYTES || t == RN_FT_STRING || t == RN_FT_PROTO || t == RN_FT_ETHER;
}

static bool int_like(enum rn_ftype t)
{
	return t == RN_FT_UINT || t == RN_FT_INT || t == RN_FT_BOOL;
}

/* Type classes that compare with each other (field against field). */
static int type_class(enum rn_ftype t)
{
	if (int_like(t))
		return 1;
	if (bytes_like(t))
		return 2;
	return 10 + (int)t;
}

/* --- literals ------------------------------------------------------------- */

static uint8_t *own(struct parser *p, struct df_node *n, size_t size)
{
	uint8_t **o = realloc(n->owned, (n->nowned + 1) * sizeof *o);
	if (!o) {
		oom(p);
		return NULL;
	}
	n->owned = o;
	uint8_t *b = malloc(size ? size : 1);
	if (!b) {
		oom(p);
		return NULL;
	}
	n->owned[n->nowned++] = b;
	return b;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex bytes: groups of hex digits between : - . separators, each group one
 * digit (one byte) or an even number of digits. Returns the byte count, or
 * -1 when it is not a byte string. out may be NULL (counting). */
static long parse_hex_bytes(const char *s, size_t len, uint8_t *out)
{
	long n = 0;
	size_t i = 0;
	if (len == 0)
		return -1;
	while (i < len) {
		size_t j = i;
		while (j < len && hexval((unsigned char)s[j]) >= 0)
			j++;
		size_t g = j - i;
		if (g == 0 || (g > 1 && g % 2))
			return -1;
		if (g == 1) {
			if (out)
				out[n] = (uint8_t)hexval((unsigned char)s[i]);
			n++;
		} else {
			for (size_t k = i; k < j; k += 2, n++)
				if (out)
					out[n] = (uint8_t)(hexval((unsigned char)s[k]) * 16 +
							   hexval((unsigned char)s[k + 1]));
		}
		if (j == len)
			break;
		if (s[j] != ':' && s[j] != '-' && s[j] != '.')
			return -1;
		i = j + 1;
		if (i == len)
			return -1;
	}
	return n;
}

/* An integer as Wireshark reads it: decimal, 0x hex, 0b binary, leading-0
 * octal, optionally negative. Returns false when it is not one. */
static bool parse_integer(const char *s, size_t len, bool *neg, uint64_t *mag)
{
	size_t i = 0;
	*neg = false;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		*neg = s[i++] == '-';
	if (i == len)
		return false;
	unsigned base = 10;
	if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
		base = 16, i += 2;
	else if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'b' || s[i + 1] == 'B'))
		base = 2, i += 2;
	else if (len - i > 1 && s[i] == '0')
		base = 8, i++;
	uint64_t v = 0;
	for (; i < len; i++) {
		int d = hexval((unsigned char)s[i]);
		if (d < 0 || (unsigned)d >= base)
			return false;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return false;
		v = v * base + (unsigned)d;
	}
	*mag = v;
	return true;
}

/* tshark's absolute time forms, read as local time: "2026-12-04 20:53:52.5",
 * "2026-12-04T20:53:52Z" (UTC) and "Dec  4, 2026 20:53:52.5". */
static bool parse_time(const char *s, int64_t *ns)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *rest = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!rest)
		rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		rest = strptime(s, "%b %d, %Y %H:%M:%S", &tm);
	if (!rest)
		return false;
	long frac = 0;
	int digits = 0;
	if (*rest == '.') {
		for (rest++; *rest >= '0' && *rest <= '9'; rest++)
			if (digits < 9)
				frac = frac * 10 + (*rest - '0'), digits++;
	}
	while (digits < 9)
		frac *= 10, digits++;
	bool utc = false;
	if (*rest == 'Z')
		utc = true, rest++;
	if (*rest)
		return false;
	tm.tm_isdst = -1;
	time_t t = utc ? timegm(&tm) : mktime(&tm);
	if ((t == (time_t)-1 && !utc) || t > INT64_MAX / 1000000000 - 1 ||
	    t < INT64_MIN / 1000000000 + 1)
		return false;
	*ns = (int64_t)t * 1000000000 + frac;
	return true;
}

/* A literal (text[0,len): a word as written, or a string's decoded bytes when
 * quoted) read as the type of lhs, for op, into *v. epos/elen: where it is
 * written. Returns false after a meaning error. */
static bool convert(struct parser *p, struct df_node *n, const struct df_entity *lhs,
		    enum df_op op, const char *text, size_t len, bool quoted, size_t epos,
		    size_t elen, struct df_val *v)
{
	const char *w = p->s + epos; /* as written, for messages */
	int wl = (int)elen;
	char tn[64];
	enum rn_ftype t = lhs->type;
	memset(v, 0, sizeof *v);
	v->type = t;
	if (op == OP_CONTAINS && !bytes_like(t)) {
		SEM(p, epos, elen, "\"%s\" is a %s and does not support \"contains\".",
		    lhs->d->name, df_type_name(lhs->d, t, tn, sizeof tn));
		return false;
	}
	if (quoted && t != RN_FT_STRING && t != RN_FT_BYTES && t != RN_FT_PROTO &&
	    t != RN_FT_TIME) {
		SEM(p, epos, elen, "%s cannot be converted from a string (%.*s).",
		    df_type_name(lhs->d, t, tn, sizeof tn), wl, w);
		return false;
	}
	switch (t) {
	case RN_FT_NONE:
		SEM(p, epos, elen, "\"%s\" is a label and has no value to compare.", lhs->d->name);
		return false;
	case RN_FT_BOOL:
		if (len == 4 && memcmp(text, "True", 4) == 0) {
			v->u = 1;
			return true;
		}
		if (len == 5 && memcmp(text, "False", 5) == 0)
			return true;
		__attribute__((fallthrough)); /* any integer, non-zero is true */
	case RN_FT_UINT:
	case RN_FT_INT: {
		bool neg;
		uint64_t mag;
		if (!parse_integer(text, len, &neg, &mag)) {
			SEM(p, epos, elen, "\"%.*s\" is not a valid number.", wl, w);
			return false;
		}
		unsigned bits = lhs->fn == FN_NONE && lhs->d->bits && lhs->d->bits < 64
					? lhs->d->bits : 64;
		if (t == RN_FT_BOOL) {
			v->u = mag != 0;
			return true;
		}
		if (t == RN_FT_UINT) {
			uint64_t max = bits < 64 ? (1ULL << bits) - 1 : UINT64_MAX;
			if (!neg && mag > max) {
				SEM(p, epos, elen, "\"%.*s\" too big for this field, maximum %llu.",
				    wl, w, (unsigned long long)max);
				return false;
			}
			v->neg = neg && mag;
			v->u = neg ? 0 : mag;
			v->i = neg ? (mag > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)mag) : 0;
			if (neg && mag > (uint64_t)INT64_MAX + 1) {
				SEM(p, epos, elen, "\"%.*s\" is not a valid number.", wl, w);
				return false;
			}
			return true;
		}
		int64_t max = bits < 64 ? (int64_t)((1ULL << (bits - 1)) - 1) : INT64_MAX;
		if (!neg && mag > (uint64_t)max) {
			SEM(p, epos, elen, "\"%.*s\" too big for this field, maximum %lld.", wl, w,
			    (long long)max);
			return false;
		}
		if (neg && mag > (uint64_t)max + 1) {
			SEM(p, epos, elen, "\"%.*s\" too small for this field, minimum %lld.", wl,
			    w, (long long)(-max - 1));
			return false;
		}
		v->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
		return true;
	}
	case RN_FT_DOUBLE:
	case RN_FT_TIME: {
		char buf[128];
		if (len >= sizeof buf) {
			SEM(p, epos, elen, "\"%.*s\" is not a valid number.", wl, w);
			return false;
		}
		memcpy(buf, text, len);
		buf[len] = '\0';
		char *end;
		double d = strtod(buf, &end);
		if (len && *end == '\0' && end != buf && !isnan(d)) {
			v->d = d;
			/* seconds as nanoseconds, saturated */
			v->i = d >= 9.2e9 ? INT64_MAX : d <= -9.2e9 ? INT64_MIN : (int64_t)(d * 1e9);
			return true;
		}
		if (t == RN_FT_TIME && parse_time(buf, &v->i))
			return true;
		if (t == RN_FT_TIME)
			SEM(p, epos, elen, "\"%.*s\" is not a valid absolute time. Example: "
			    "\"Nov 12, 1999 08:55:44.123\" or \"2011-07-04 12:34:56\"", wl, w);
		else
			SEM(p, epos, elen, "\"%.*s\" is not a valid floating point number.", wl, w);
		return false;
	}
	case RN_FT_IPV4:
	case RN_FT_IPV6: {
		bool v4 = t == RN_FT_IPV4;
		unsigned maxp = v4 ? 32 : 128;
		char buf[64];
		size_t alen = len;
		const char *slash = memchr(text, '/', len);
		if (slash)
			alen = (size_t)(slash - text);
		bool ok = alen < sizeof buf;
		if (ok) {
			memcpy(buf, text, alen);
			buf[alen] = '\0';
			ok = inet_pton(v4 ? AF_INET : AF_INET6, buf, v->a) == 1;
		}
		if (!ok) {
			SEM(p, epos, elen, "\"%.*s\" is not a valid hostname or IPv%c address.",
			    (int)alen, w, v4 ? '4' : '6');
			return false;
		}
		v->plen = maxp;
		v->n = v4 ? 4 : 16;
		if (slash) {
			bool neg;
			uint64_t pl;
			size_t plen_len = len - alen - 1;
			if (!parse_integer(slash + 1, plen_len, &neg, &pl) || neg) {
				SEM(p, epos, elen, "\"%.*s\" is not a valid prefix length.",
				    (int)plen_len, slash + 1);
				return false;
			}
			if (pl > maxp) {
				if (v4)
					SEM(p, epos, elen, "Netmask bits in a CIDR IPv4 address "
					    "should be <= 32, not %llu", (unsigned long long)pl);
				else
					SEM(p, epos, elen, "Prefix in a IPv6 address should be "
					    "<= 128, not %llu", (unsigned long long)pl);
				return false;
			}
			v->plen = (unsigned)pl;
		}
		return true;
	}
	case RN_FT_ETHER: {
		long nb = parse_hex_bytes(text, len, NULL);
		if (nb < 0) {
			SEM(p, epos, elen, "\"%.*s\" is not a valid Ethernet address.", wl, w);
			return false;
		}
		if (nb != 6) {
			SEM(p, epos, elen, "\"%.*s\" contains too %s bytes to be a valid Ethernet "
			    "address.", wl, w, nb < 6 ? "few" : "many");
			return false;
		}
		parse_hex_bytes(text, len, v->a);
		v->n = 6;
		return true;
	}
	case RN_FT_BYTES:
	case RN_FT_PROTO:
	case RN_FT_STRING: {
		if (quoted || t == RN_FT_STRING) {
			uint8_t *b = own(p, n, len);
			if (!b)
				return false;
			memcpy(b, text, len);
			v->p = b;
			v->n = len;
			return true;
		}
		long nb = parse_hex_bytes(text, len, NULL);
		if (nb < 0) {
			SEM(p, epos, elen, "\"%.*s\" is not a valid byte string.", wl, w);
			return false;
		}
		uint8_t *b = own(p, n, (size_t)nb);
		if (!b)
			return false;
		parse_hex_bytes(text, len, b);
		v->p = b;
		v->n = (size_t)nb;
		return true;
	}
	}
	return false;
}

/* --- entities --------------------------------------------------------------- */

static bool parse_long(const char *s, size_t *i, long *out)
{
	size_t j = *i;
	bool neg = false;
	if (s[j] == '-')
		neg = true, j++;
	if (s[j] < '0' || s[j] > '9')
		return false;
	long v = 0;
	while (s[j] >= '0' && s[j] <= '9') {
		if (v > 100000000)
			return false;
		v = v * 10 + (s[j++] - '0');
	}
	*out = neg ? -v : v;
	*i = j;
	return true;
}

/* After "[": i:n, i-j, i, :n, i: (spaces allowed around), then "]". The
 * lexer resumes after the "]". */
static void parse_slice(struct parser *p, struct df_entity *e, size_t open)
{
	const char *s = p->s;
	size_t i = p->pos; /* tok is the "[": read on from after it */
	size_t start_pos = i;
	long a = 0, b = 0;
	while (s[i] == ' ')
		i++;
	bool have_a = parse_long(s, &i, &a);
	while (s[i] == ' ')
		i++;
	e->sliced = true;
	e->start = have_a ? a : 0;
	e->count = 0;
	e->has_end = false;
	bool bad = false;
	if (s[i] == ':') {
		i++;
		while (s[i] == ' ')
			i++;
		if (parse_long(s, &i, &b)) {
			if (b <= 0) {
				SEM(p, start_pos, i - start_pos, "Range %ld:%ld isn't valid because "
				    "length %ld isn't positive", e->start, b, b);
			}
			e->count = b;
		} else if (!have_a) {
			bad = true;
		}
	} else if (have_a && s[i] == '-') {
		i++;
		if (!parse_long(s, &i, &b) || b < 0) {
			bad = true;
		} else {
			e->has_end = true;
			e->end_incl = b;
			if (b < a && a >= 0)
				SEM(p, start_pos, i - start_pos, "Range %ld-%ld isn't valid because "
				    "the end is before the start", a, b);
		}
	} else if (have_a) {
		e->count = 1;
	} else {
		bad = true;
	}
	while (s[i] == ' ')
		i++;
	if (!bad && s[i] != ']') {
		/* something else where the "]" belongs */
		p->pos = i;
		advance(p);
		unexpected(p);
		return;
	}
	if (bad) {
		if (!p->rc) {
			p->rc = -RN_EINVAL;
			if (s[i] == '\0')
				set_err(p->err, i, 0, "Unexpected end of filter expression.");
			else
				set_err(p->err, open, i + 1 - open,
					"\"%.*s\" is not a valid range.", (int)(i + 1 - open),
					s + open);
		}
		return;
	}
	p->pos = i + 1;
	advance(p);
}

/* A field, len(FIELD) or count(FIELD), with an optional slice and "& MASK".
 * Returns false when the current word is not a known field or function
 * (nothing consumed). */
static const struct rn_fdesc unknown = { .name = "?", .type = RN_FT_NONE };

static bool parse_entity(struct parser *p, struct df_entity *e)
{
	memset(e, 0, sizeof *e);
	e->d = &unknown;
	if (p->tok.kind != DT_WORD)
		return false;
	enum df_fn fn = FN_NONE;
	if (tok_is(p, "len") || tok_is(p, "count")) {
		size_t q = p->pos;
		while (p->s[q] == ' ')
			q++;
		if (p->s[q] == '(')
			fn = tok_is(p, "len") ? FN_LEN : FN_COUNT;
	}
	size_t fpos = p->tok.pos, flen = p->tok.len;
	if (fn != FN_NONE) {
		advance(p); /* the name */
		advance(p); /* ( */
		if (p->tok.kind != DT_WORD) {
			unexpected(p);
			return true;
		}
		fpos = p->tok.pos;
		flen = p->tok.len;
	}
	char name[128];
	const struct rn_fdesc *d = NULL;
	if (flen < sizeof name) {
		memcpy(name, p->s + fpos, flen);
		name[flen] = '\0';
		d = rn_fdesc_lookup(name);
	}
	if (!d) {
		if (fn == FN_NONE)
			return false;
		SEM(p, fpos, flen, "%.*s is neither a field nor a protocol name.", (int)flen,
		    p->s + fpos);
	}
	e->d = d ? d : &unknown;
	e->type = e->d->type;
	advance(p);
	char tn[64];
	if (p->tok.kind == DT_LBRACKET) {
		size_t open = p->tok.pos;
		if (d && !bytes_like(e->type) && e->type != RN_FT_IPV4 && e->type != RN_FT_IPV6)
			SEM(p, fpos, flen, "\"%s\" is a %s and cannot be sliced into a sequence "
			    "of bytes.", d->name, df_type_name(d, e->type, tn, sizeof tn));
		parse_slice(p, e, open);
		e->type = RN_FT_BYTES;
	}
	if (fn != FN_NONE) {
		if (p->tok.kind != DT_RPAREN) {
			unexpected(p);
			return true;
		}
		advance(p);
		e->fn = fn;
		e->type = RN_FT_UINT;
	}
	if (p->tok.kind == DT_BITAND) {
		size_t apos = p->tok.pos;
		advance(p);
		if (p->tok.kind != DT_WORD) {
			unexpected(p);
			return true;
		}
		if (d && !int_like(e->type)) {
			SEM(p, apos, 1, "\"%s\" is a %s and cannot be masked with \"&\".", d->name,
			    df_type_name(d, e->type, tn, sizeof tn));
		} else {
			bool neg;
			uint64_t m;
			if (!parse_integer(p->s + p->tok.pos, p->tok.len, &neg, &m) || neg)
				SEM(p, p->tok.pos, p->tok.len, "\"%.*s\" is not a valid number.",
				    (int)p->tok.len, p->s + p->tok.pos);
			e->has_mask = true;
			e->mask = m;
			if (e->type == RN_FT_BOOL)
				e->type = RN_FT_UINT;
		}
		advance(p);
	}
	return true;
}

/* --- tests and logic ------------------------------------------------------ */

static struct df_node *new_node(struct parser *p, enum df_kind k)
{
	struct df_node *n = calloc(1, sizeof *n);
	if (!n)
		oom(p);
	else
		n->kind = k;
	return n;
}

static const char *op_text(enum df_op op)
{
	static const char *t[] = { "==", "!=", "===", "!==", "<", ">", "<=", ">=",
				   "contains", "matches", "in" };
	return t[op];
}

static bool rel_op(enum df_tok k, enum df_op *op)
{
	switch (k) {
	case DT_EQ: *op = OP_EQ; return true;
	case DT_NE: *op = OP_NE; return true;
	case DT_ALL_EQ: *op = OP_ALL_EQ; return true;
	case DT_ANY_NE: *op = OP_ANY_NE; return true;
	case DT_LT: *op = OP_LT; return true;
	case DT_GT: *op = OP_GT; return true;
	case DT_LE: *op = OP_LE; return true;
	case DT_GE: *op = OP_GE; return true;
	case DT_CONTAINS: *op = OP_CONTAINS; return true;
	case DT_MATCHES: *op = OP_MATCHES; return true;
	case DT_IN: *op = OP_IN; return true;
	default: return false;
	}
}

/* One literal at the current token (a word or a string) into *v. */
static void literal(struct parser *p, struct df_node *n, bool lhs_ok, struct df_val *v)
{
	if (p->tok.kind != DT_WORD && p->tok.kind != DT_STRING) {
		unexpected(p);
		return;
	}
	bool q = p->tok.kind == DT_STRING;
	if (lhs_ok)
		convert(p, n, &n->lhs, n->op, q ? p->tok.str : p->s + p->tok.pos,
			q ? p->tok.slen : p->tok.len, q, p->tok.pos, p->tok.len, v);
	advance(p);
}

static bool ordered(enum rn_ftype t)
{
	return t != RN_FT_NONE;
}

/* in { a, b, lo..hi, ... } */
static void parse_set(struct parser *p, struct df_node *n, bool lhs_ok)
{
	if (p->tok.kind != DT_LBRACE) {
		unexpected(p);
		return;
	}
	advance(p);
	for (;;) {
		if (p->rc)
			return;
		struct df_elem *s = realloc(n->set, (n->nset + 1) * sizeof *s);
		if (!s) {
			oom(p);
			return;
		}
		n->set = s;
		struct df_elem *el = &n->set[n->nset++];
		memset(el, 0, sizeof *el);
		const char *w = p->s + p->tok.pos;
		const char *dots = p->tok.kind == DT_WORD && p->tok.len > 2
					   ? memmem(w + 1, p->tok.len - 1, "..", 2) : NULL;
		if (dots) {
			/* lo..hi in one word, or lo.. hi */
			size_t l1 = (size_t)(dots - w);
			size_t l2 = p->tok.len - l1 - 2;
			if (lhs_ok)
				convert(p, n, &n->lhs, OP_IN, w, l1, false, p->tok.pos, l1, &el->lo);
			if (l2 == 0) {
				advance(p);
				literal(p, n, lhs_ok, &el->hi);
			} else {
				if (lhs_ok)
					convert(p, n, &n->lhs, OP_IN, dots + 2, l2, false,
						p->tok.pos + l1 + 2, l2, &el->hi);
				advance(p);
			}
			el->range = true;
		} else {
			literal(p, n, lhs_ok, &el->lo);
			if (p->tok.kind == DT_WORD && p->tok.len >= 2 &&
			    memcmp(p->s + p->tok.pos, "..", 2) == 0) {
				/* lo ..hi or lo .. hi */
				el->range = true;
				if (p->tok.len == 2) {
					advance(p);
					literal(p, n, lhs_ok, &el->hi);
				} else {
					if (lhs_ok)
						convert(p, n, &n->lhs, OP_IN, p->s + p->tok.pos + 2,
							p->tok.len - 2, false, p->tok.pos + 2,
							p->tok.len - 2, &el->hi);
					advance(p);
				}
			}
		}
		if (p->tok.kind == DT_COMMA) {
			advance(p);
			continue;
		}
		if (p->tok.kind == DT_RBRACE) {
			advance(p);
			return;
		}
		unexpected(p);
		return;
	}
}

static struct df_node *parse_test(struct parser *p)
{
	struct df_node *n = new_node(p, N_EXISTS);
	if (!n)
		return NULL;
	size_t lpos = p->tok.pos, llen = p->tok.len;
	bool known = parse_entity(p, &n->lhs);
	bool lhs_ok = known && n->lhs.d != &unknown;
	if (!known) {
		if (p->tok.kind != DT_WORD && p->tok.kind != DT_STRING) {
			unexpected(p);
			return n;
		}
		advance(p); /* the unknown word or literal */
	}
	if (p->rc)
		return n;
	enum df_op op;
	bool not_in = false;
	if (p->tok.kind == DT_NOT) {
		/* only "not in" may follow a field */
		advance(p);
		if (p->tok.kind != DT_IN) {
			unexpected(p);
			return n;
		}
		not_in = true;
	}
	if (!rel_op(p->tok.kind, &op)) {
		if (!known)
			SEM(p, lpos, llen, "%.*s is neither a field nor a protocol name.", (int)llen,
			    p->s + lpos);
		return n;
	}
	size_t opos = p->tok.pos, olen = p->tok.len;
	if (!known)
		SEM(p, lpos, llen, "Left side of \"%s\" expression must be a field or function, "
		    "not %.*s.", op_text(op), (int)llen, p->s + lpos);
	n->op = op;
	advance(p);
	char tn[64];
	if (lhs_ok && (op == OP_MATCHES || op == OP_CONTAINS) &&
	    !bytes_like(n->lhs.type)) {
		SEM(p, opos, olen, "\"%s\" is a %s and does not support \"%s\".", n->lhs.d->name,
		    df_type_name(n->lhs.d, n->lhs.type, tn, sizeof tn), op_text(op));
		lhs_ok = false;
	}
	if (lhs_ok && !ordered(n->lhs.type)) {
		SEM(p, lpos, llen, "\"%s\" is a label and has no value to compare.",
		    n->lhs.d->name);
		lhs_ok = false;
	}
	if (op == OP_IN) {
		n->kind = N_LIT;
		parse_set(p, n, lhs_ok);
		if (not_in) {
			struct df_node *neg = new_node(p, N_NOT);
			if (!neg)
				return n;
			neg->a = n;
			return neg;
		}
		return n;
	}
	if (op == OP_MATCHES) {
		n->kind = N_LIT;
		if (p->tok.kind != DT_STRING) {
			if (p->tok.kind == DT_WORD) {
				SEM(p, p->tok.pos, p->tok.len, "\"%.*s\" is not a string: a regular "
				    "expression is written in quotes.", (int)p->tok.len,
				    p->s + p->tok.pos);
				advance(p);
			} else {
				unexpected(p);
			}
			return n;
		}
		if (lhs_ok) {
			int ecode;
			PCRE2_SIZE eoff;
			pcre2_code *re = pcre2_compile((PCRE2_SPTR)p->tok.str, p->tok.slen,
						       PCRE2_CASELESS, &ecode, &eoff, NULL);
			if (!re) {
				PCRE2_UCHAR buf[160];
				pcre2_get_error_message(ecode, buf, sizeof buf);
				SEM(p, p->tok.pos, p->tok.len, "%.*s isn't a valid regular "
				    "expression: %s.", (int)p->tok.len, p->s + p->tok.pos,
				    (char *)buf);
			} else {
				n->re = re;
				n->md = pcre2_match_data_create_from_pattern(re, NULL);
				if (!n->md)
					oom(p);
			}
		}
		advance(p);
		return n;
	}
	/* a field on the right? */
	struct df_entity rhs;
	size_t rpos = p->tok.pos, rlen = p->tok.len;
	if (op != OP_CONTAINS && parse_entity(p, &rhs)) {
		n->kind = N_FIELDS;
		n->rhs = rhs;
		if (lhs_ok && rhs.d != &unknown &&
		    type_class(n->lhs.type) != type_class(rhs.type))
			SEM(p, rpos, rlen, "%s and %s are not of compatible types.",
			    df_type_name(n->lhs.d, n->lhs.type, tn, sizeof tn), rhs.d->name);
		return n;
	}
	n->kind = N_LIT;
	n->set = calloc(1, sizeof *n->set);
	if (!n->set) {
		oom(p);
		return n;
	}
	n->nset = 1;
	literal(p, n, lhs_ok, &n->set[0].lo);
	return n;
}

static struct df_node *parse_or(struct parser *p);

static struct df_node *parse_unary(struct parser *p)
{
	if (p->rc)
		return NULL;
	if (p->tok.kind == DT_NOT || p->tok.kind == DT_LPAREN) {
		if (++p->depth > MAX_DEPTH) {
			p->rc = -RN_EINVAL;
			set_err(p->err, p->tok.pos, p->tok.len,
				"Filter is too deeply nested (more than %d levels).", MAX_DEPTH);
			return NULL;
		}
		struct df_node *n;
		if (p->tok.kind == DT_NOT) {
			advance(p);
			n = new_node(p, N_NOT);
			if (n)
				n->a = parse_unary(p);
		} else {
			advance(p);
			n = parse_or(p);
			if (!p->rc && p->tok.kind != DT_RPAREN)
				unexpected(p);
			advance(p);
		}
		p->depth--;
		return n;
	}
	return parse_test(p);
}

static struct df_node *binary(struct parser *p, enum df_kind k, struct df_node *a,
			      struct df_node *b)
{
	struct df_node *n = new_node(p, k);
	if (!n) {
		df_node_free(a);
		df_node_free(b);
		return NULL;
	}
	n->a = a;
	n->b = b;
	return n;
}

static struct df_node *parse_and(struct parser *p)
{
	struct df_node *n = parse_unary(p);
	while (!p->rc && p->tok.kind == DT_AND) {
		advance(p);
		n = binary(p, N_AND, n, parse_unary(p));
	}
	return n;
}

static struct df_node *parse_xor(struct parser *p)
{
	struct df_node *n = parse_and(p);
	while (!p->rc && p->tok.kind == DT_XOR) {
		advance(p);
		n = binary(p, N_XOR, n, parse_and(p));
	}
	return n;
}

static struct df_node *parse_or(struct parser *p)
{
	struct df_node *n = parse_xor(p);
	while (!p->rc && p->tok.kind == DT_OR) {
		advance(p);
		n = binary(p, N_OR, n, parse_xor(p));
	}
	return n;
}

void df_node_free(struct df_node *n)
{
	if (!n)
		return;
	df_node_free(n->a);
	df_node_free(n->b);
	for (size_t i = 0; i < n->nowned; i++)
		free(n->owned[i]);
	free(n->owned);
	free(n->set);
	if (n->md)
		pcre2_match_data_free(n->md);
	if (n->re)
		pcre2_code_free(n->re);
	free(n);
}

int rn_dfilter_compile(const char *expr, struct rn_dfilter **out, struct rn_dfilter_error *err)
{
	struct rn_dfilter_error dummy;
	struct parser p = { .s = expr, .err = err ? err : &dummy };
	*out = NULL;
	advance(&p);
	struct df_node *root = NULL;
	if (!p.rc && p.tok.kind == DT_EOF) {
		p.rc = -RN_EINVAL;
		set_err(p.err, 0, 0, "The filter is empty.");
	}
	if (!p.rc)
		root = parse_or(&p);
	if (!p.rc && p.tok.kind != DT_EOF)
		unexpected(&p);
	free(p.tok.str);
	if (!p.rc && p.sem) {
		*p.err = p.sem_err;
		p.rc = -RN_EINVAL;
	}
	if (p.rc) {
		df_node_free(root);
		return p.rc;
	}
	struct rn_dfilter *f = calloc(1, sizeof *f);
	if (!f) {
		df_node_free(root);
		set_err(p.err, 0, 0, "Out of memory.");
		return -ENOMEM;
	}
	f->root = root;
	*out = f;
	return 0;
}

void rn_dfilter_free(struct rn_dfilter *f)
{
	if (!f)
		return;
	df_node_free(f->root);
	free(f);
}

int rn_dfilter_format_error(const char *expr, const struct rn_dfilter_error *err, char *buf,
			    size_t size)
{
	size_t elen = strlen(expr);
	if (err->len == 0 || err->pos >= elen)
		return snprintf(buf, size, "%s", err->msg);
	size_t len = err->len;
	if (len > elen - err->pos)
		len = elen - err->pos;
	/* the caret line: tabs kept so it lines up under a tab-indented expression */
	char *marks = malloc(err->pos + len + 1);
	if (!marks)
		return snprintf(buf, size, "%s", err->msg);
	for (size_t i = 0; i < err->pos; i++)
		marks[i] = expr[i] == '\t' ? '\t' : ' ';
	marks[err->pos] = '^';
	for (size_t i = 1; i < len; i++)
		marks[err->pos + i] = '~';
	marks[err->pos + len] = '\0';
	/* the expression on one line: newlines shown as spaces */
	char *one = strdup(expr);
	if (one)
		for (char *c = one; *c; c++)
			if (*c == '\n' || *c == '\r')
				*c = ' ';
	int n = snprintf(buf, size, "%s\n    %s\n    %s", err->msg, one ? one : expr, marks);
	free(one);
	free(marks);
	return n;
}
