/* Ranges and lists of numbers and IPv4/IPv6 addresses (rawnet/range.h):
 * "20-25,80,443", "10.0.0.0/24", "10.0.0.1-20", "fd77::/120". CIDR prefixes
 * as RFC 4632 (IPv4) and RFC 4291 section 2.3 (IPv6) write them. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/error.h"
#include "rawnet/range.h"

/* ---- 128-bit helpers ---------------------------------------------------- */

static int u128_cmp(struct rn_u128 a, struct rn_u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static struct rn_u128 u128_add(struct rn_u128 a, uint64_t b)
{
	struct rn_u128 r = { a.hi, a.lo + b };
	if (r.lo < a.lo)
		r.hi++;
	return r;
}

/* last - first + 1, saturated at UINT64_MAX. */
static uint64_t span_size(const struct rn_range_span *s)
{
	uint64_t hi = s->last.hi - s->first.hi - (s->last.lo < s->first.lo);
	uint64_t lo = s->last.lo - s->first.lo;
	if (hi || lo == UINT64_MAX)
		return UINT64_MAX;
	return lo + 1;
}

struct rn_u128 rn_u128_from_addr(int family, const uint8_t *addr)
{
	struct rn_u128 v = { 0, 0 };
	if (family == AF_INET) {
		v.lo = (uint64_t)addr[0] << 24 | (uint64_t)addr[1] << 16 | (uint64_t)addr[2] << 8 | addr[3];
		return v;
	}
	for (int i = 0; i < 8; i++) {
		v.hi = v.hi << 8 | addr[i];
		v.lo = v.lo << 8 | addr[8 + i];
	}
	return v;
}

void rn_u128_to_addr(int family, struct rn_u128 v, uint8_t *addr)
{
	if (family == AF_INET) {
		for (int i = 0; i < 4; i++)
			addr[i] = (uint8_t)(v.lo >> (24 - 8 * i));
		return;
	}
	for (int i = 0; i < 8; i++) {
		addr[i] = (uint8_t)(v.hi >> (56 - 8 * i));
		addr[8 + i] = (uint8_t)(v.lo >> (56 - 8 * i));
	}
}

/* ---- building ---------------------------------------------------------- */

__attribute__((format(printf, 4, 5))) static int fail(struct rn_range_error *err, size_t off,
						      size_t len, const char *fmt, ...)
{
	if (!err)
		return -RN_EINVAL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	err->off = off;
	err->len = len;
	return -RN_EINVAL;
}

static int push(struct rn_range *r, struct rn_u128 first, struct rn_u128 last)
{
	if ((r->n & (r->n - 1)) == 0) { /* 0, 1, 2, 4, ...: grow to the next power of two */
		size_t cap = r->n ? r->n * 2 : 1;
		struct rn_range_span *v = realloc(r->span, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		r->span = v;
	}
	r->span[r->n].first = first;
	r->span[r->n].last = last;
	uint64_t k = span_size(&r->span[r->n]);
	r->count = k > UINT64_MAX - r->count ? UINT64_MAX : r->count + k;
	r->n++;
	return 0;
}

void rn_range_free(struct rn_range *r)
{
	free(r->span);
	r->span = NULL;
	r->n = 0;
	r->count = 0;
}

static void range_init(struct rn_range *r, int family)
{
	r->family = family;
	r->n = 0;
	r->span = NULL;
	r->count = 0;
}

/* ---- numbers ----------------------------------------------------------- */

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

/* s[0..n) as a decimal or 0x-hexadecimal number. */
static bool num_parse(const char *s, size_t n, uint64_t *out)
{
	int base = 10;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		n -= 2;
	}
	if (n == 0)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = hexval(s[i]);
		if (d < 0 || d >= base)
			return false;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return true;
}

static int num_item(const char *s, size_t off, size_t n, uint64_t min, uint64_t max,
		    struct rn_range *r, struct rn_range_error *err)
{
	const char *it = s + off;
	if (n == 0)
		return fail(err, off, 0, "empty item");
	const char *dash = memchr(it, '-', n);
	size_t an = dash ? (size_t)(dash - it) : n;
	uint64_t a, b;
	if (!num_parse(it, an, &a))
		return fail(err, off, an ? an : n, "%.*s: not a number", (int)(an ? an : n), it);
	if (a < min || a > max)
		return fail(err, off, an, "%.*s: out of range (%llu-%llu)", (int)an, it,
			    (unsigned long long)min, (unsigned long long)max);
	b = a;
	if (dash) {
		size_t boff = an + 1, bn = n - boff;
		if (!num_parse(it + boff, bn, &b))
			return fail(err, off + (bn ? boff : 0), bn ? bn : n, "%.*s: not a number",
				    (int)(bn ? bn : n), bn ? it + boff : it);
		if (b < min || b > max)
			return fail(err, off + boff, bn, "%.*s: out of range (%llu-%llu)", (int)bn,
				    it + boff, (unsigned long long)min, (unsigned long long)max);
		if (b < a)
			return fail(err, off, n, "%.*s: the range runs backwards", (int)n, it);
	}
	return push(r, (struct rn_u128){ 0, a }, (struct rn_u128){ 0, b });
}

/* Calls item() for each comma-separated item of s. */
static int each_item(const char *s, struct rn_range *r, struct rn_range_error *err,
		     int (*item)(const char *s, size_t off, size_t n, const void *ctx,
				 struct rn_range *r, struct rn_range_error *err),
		     const void *ctx)
{
	size_t off = 0, len = strlen(s);
	if (len == 0)
		return fail(err, 0, 0, "empty list");
	for (;;) {
		size_t n = strcspn(s + off, ",");
		int e = item(s, off, n, ctx, r, err);
		if (e < 0)
			return e;
		off += n;
		if (off >= len)
			break;
		off++; /* the comma */
		if (off >= len)
			return fail(err, off - 1, 1, "empty item after ','");
	}
	return 0;
}

struct num_ctx {
	uint64_t min, max;
};

static int num_item_cb(const char *s, size_t off, size_t n, const void *ctx, struct rn_range *r,
		       struct rn_range_error *err)
{
	const struct num_ctx *c = ctx;
	return num_item(s, off, n, c->min, c->max, r, err);
}

int rn_range_parse_num(const char *s, uint64_t min, uint64_t max, struct rn_range *r,
		       struct rn_range_error *err)
{
	range_init(r, 0);
	if (err)
		memset(err, 0, sizeof *err);
	struct num_ctx c = { min, max };
	int e = each_item(s, r, err, num_item_cb, &c);
	if (e < 0)
		rn_range_free(r);
	return e;
}

/* ---- addresses --------------------------------------------------------- */

/* s[0..n) as an address of family (AF_UNSPEC: either); *fam gets which. */
static bool addr_parse(const char *s, size_t n, int family, int *fam, struct rn_u128 *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	uint8_t a[16];
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (family != AF_INET6 && inet_pton(AF_INET, buf, a) == 1) {
		*fam = AF_INET;
	} else if (family != AF_INET && inet_pton(AF_INET6, buf, a) == 1) {
		*fam = AF_INET6;
	} else {
		return false;
	}
	*out = rn_u128_from_addr(*fam, a);
	return true;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static int addr_item(const char *s, size_t off, size_t n, const void *ctx, struct rn_range *r,
		     struct rn_range_error *err)
{
	(void)ctx;
	const char *it = s + off;
	if (n == 0)
		return fail(err, off, 0, "empty item");
	const char *slash = memchr(it, '/', n);
	const char *dash = memchr(it, '-', n);
	size_t an = slash ? (size_t)(slash - it) : dash ? (size_t)(dash - it) : n;
	struct rn_u128 a, b;
	int fam = 0;
	const char *want = r->family == AF_INET ? "an IPv4 address"
			   : r->family == AF_INET6 ? "an IPv6 address" : "an address";
	if (!addr_parse(it, an, r->family, &fam, &a)) {
		int other;
		struct rn_u128 dummy;
		if (r->family && addr_parse(it, an, AF_UNSPEC, &other, &dummy))
			return fail(err, off, an, "%.*s: not %s (the list is %s)", (int)an, it, want,
				    family_name(r->family));
		return fail(err, off, an ? an : n, "%.*s: not %s", (int)(an ? an : n), it, want);
	}
	if (!r->family)
		r->family = fam;
	unsigned bits = fam == AF_INET ? 32 : 128;
	if (slash) {
		size_t poff = an + 1, pn = n - poff;
		uint64_t plen;
		if (!num_parse(it + poff, pn, &plen) || plen > bits || (pn > 1 && it[poff] == '0'))
			return fail(err, off + (pn ? poff : an), pn ? pn : 1, "/%.*s: not a prefix length (0-%u)",
				    (int)pn, it + poff, bits);
		/* first = a with the host bits cleared, last = with them set. */
		struct rn_u128 mask; /* host bits */
		unsigned host = bits - (unsigned)plen;
		if (fam == AF_INET) {
			mask.hi = 0;
			mask.lo = host >= 32 ? 0xffffffffull : ((1ull << host) - 1);
		} else if (host >= 128) {
			mask.hi = mask.lo = UINT64_MAX;
		} else if (host >= 64) {
			mask.lo = UINT64_MAX;
			mask.hi = host == 64 ? 0 : (1ull << (host - 64)) - 1;
		} else {
			mask.hi = 0;
			mask.lo = host ? (1ull << host) - 1 : 0;
		}
		a.hi &= ~mask.hi;
		a.lo &= ~mask.lo;
		if (fam == AF_INET)
			a.lo &= 0xffffffffull;
		b.hi = a.hi | mask.hi;
		b.lo = a.lo | mask.lo;
		return push(r, a, b);
	}
	b = a;
	if (dash) {
		size_t boff = an + 1, bn = n - boff;
		const char *bs = it + boff;
		uint64_t octet;
		int bfam;
		if (fam == AF_INET && bn > 0 && bn <= 3 && num_parse(bs, bn, &octet) && memchr(bs, '.', bn) == NULL) {
			if (octet > 255)
				return fail(err, off + boff, bn, "%.*s: not an IPv4 octet (0-255)", (int)bn, bs);
			b.lo = (a.lo & ~0xffull) | octet;
		} else if (!addr_parse(bs, bn, fam, &bfam, &b)) {
			return fail(err, off + (bn ? boff : 0), bn ? bn : n, "%.*s: not %s%s", (int)(bn ? bn : n),
				    bn ? bs : it, fam == AF_INET ? "an IPv4 address" : "an IPv6 address",
				    fam == AF_INET ? " or last octet" : "");
		}
		if (u128_cmp(b, a) < 0)
			return fail(err, off, n, "%.*s: the range runs backwards", (int)n, it);
	}
	return push(r, a, b);
}

int rn_range_parse_addr(const char *s, int family, struct rn_range *r, struct rn_range_error *err)
{
	if (family != AF_INET && family != AF_INET6 && family != AF_UNSPEC)
		return -RN_EINVAL;
	range_init(r, family == AF_UNSPEC ? 0 : family);
	if (err)
		memset(err, 0, sizeof *err);
	int e = each_item(s, r, err, addr_item, NULL);
	if (e < 0)
		rn_range_free(r);
	return e;
}

bool rn_range_is_range(const char *s)
{
	return strpbrk(s, ",-/") != NULL;
}

/* ---- access ------------------------------------------------------------ */

uint64_t rn_range_count(const struct rn_range *r)
{
	return r->count;
}

int rn_range_at(const struct rn_range *r, uint64_t index, struct rn_u128 *out)
{
	for (size_t i = 0; i < r->n; i++) {
		uint64_t k = span_size(&r->span[i]);
		if (index < k) {
			*out = u128_add(r->span[i].first, index);
			return 0;
		}
		index -= k;
	}
	return -RN_EINVAL;
}

int rn_range_at_num(const struct rn_range *r, uint64_t index, uint64_t *out)
{
	struct rn_u128 v;
	int e = rn_range_at(r, index, &v);
	if (e == 0)
		*out = v.lo;
	return e;
}

int rn_range_at_addr(const struct rn_range *r, uint64_t index, uint8_t *addr)
{
	struct rn_u128 v;
	int e = rn_range_at(r, index, &v);
	if (e == 0)
		rn_u128_to_addr(r->family, v, addr);
	return e;
}

void rn_range_iter_init(struct rn_range_iter *it, const struct rn_range *r)
{
	it->r = r;
	it->span = 0;
	it->started = false;
	it->cur = (struct rn_u128){ 0, 0 };
}

bool rn_range_next(struct rn_range_iter *it, struct rn_u128 *out)
{
	const struct rn_range *r = it->r;
	if (it->span >= r->n)
		return false;
	if (!it->started) {
		it->cur = r->span[it->span].first;
		it->started = true;
	} else if (u128_cmp(it->cur, r->span[it->span].last) >= 0) {
		if (++it->span >= r->n)
			return false;
		it->cur = r->span[it->span].first;
	} else {
		it->cur = u128_add(it->cur, 1);
	}
	*out = it->cur;
	return true;
}

bool rn_range_next_num(struct rn_range_iter *it, uint64_t *out)
{
	struct rn_u128 v;
	if (!rn_range_next(it, &v))
		return false;
	*out = v.lo;
	return true;
}

bool rn_range_next_addr(struct rn_range_iter *it, uint8_t *addr)
{
	struct rn_u128 v;
	if (!rn_range_next(it, &v))
		return false;
	rn_u128_to_addr(it->r->family, v, addr);
	return true;
}
