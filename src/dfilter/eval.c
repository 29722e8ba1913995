/* Running a compiled display filter on one packet's field tree: every test
 * walks the occurrences of its field (rn_ftree_next) and compares each with
 * the literals or with the occurrences of the other field, with Wireshark's
 * any/all rules. Reads only the tree and the frame bytes it points at. */
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "dfilter/dfilter_int.h"

static const uint8_t *val_bytes(const struct df_val *v)
{
	return v->p ? v->p : v->a;
}

/* The value of occurrence f as entity e reads it; false when it has none
 * (a slice past its end, a label). */
static bool occ_value(const struct df_entity *e, const struct rn_ftree *t,
		      const struct rn_field *f, struct df_val *o)
{
	o->type = f->desc->type;
	o->neg = false;
	o->plen = 0;
	switch (f->desc->type) {
	case RN_FT_NONE:
		if (e->fn != FN_LEN)
			return false;
		o->p = NULL, o->n = f->len;
		break;
	case RN_FT_BOOL:
	case RN_FT_UINT:
		o->u = f->v.u;
		break;
	case RN_FT_INT:
	case RN_FT_TIME:
		o->i = f->v.i;
		break;
	case RN_FT_DOUBLE:
		o->d = f->v.d;
		break;
	case RN_FT_IPV4:
	case RN_FT_IPV6:
	case RN_FT_ETHER:
		o->p = f->v.bytes;
		o->n = f->desc->type == RN_FT_IPV4 ? 4 : f->desc->type == RN_FT_IPV6 ? 16 : 6;
		o->plen = (unsigned)o->n * 8;
		break;
	case RN_FT_BYTES:
	case RN_FT_STRING:
	case RN_FT_PROTO:
		if (f->v.ptr) {
			o->p = f->v.ptr;
			o->n = f->v.len;
		} else {
			uint32_t caplen;
			const uint8_t *data = rn_ftree_data(t, &caplen);
			if (!data || f->off > caplen || f->len > caplen - f->off)
				return false;
			o->p = data + f->off;
			o->n = f->len;
		}
		break;
	}
	if (e->sliced) {
		long n = (long)o->n;
		long s = e->start < 0 ? n + e->start : e->start;
		long end;
		if (e->count)
			end = s + e->count;
		else if (e->has_end)
			end = e->end_incl + 1;
		else
			end = n;
		if (s < 0 || s >= n || end > n || end <= s)
			return false;
		o->type = RN_FT_BYTES;
		o->p += s;
		o->n = (size_t)(end - s);
	}
	if (e->has_mask) {
		if (o->type == RN_FT_INT)
			o->i &= (int64_t)e->mask;
		else
			o->u &= e->mask;
		if (o->type == RN_FT_BOOL)
			o->type = RN_FT_UINT;
	}
	if (e->fn == FN_LEN) {
		o->type = RN_FT_UINT;
		o->u = o->n;
		if (f->desc->type != RN_FT_NONE && !e->sliced &&
		    (f->desc->type == RN_FT_UINT || f->desc->type == RN_FT_INT ||
		     f->desc->type == RN_FT_BOOL || f->desc->type == RN_FT_DOUBLE ||
		     f->desc->type == RN_FT_TIME))
			o->u = f->len;
	}
	return true;
}

static int sign(long long d)
{
	return (d > 0) - (d < 0);
}

/* -1, 0, 1 for signed magnitudes */
static int cmp_num(const struct df_val *a, const struct df_val *b)
{
	bool an, bn;
	uint64_t am, bm;
	if (a->type == RN_FT_INT || a->neg) {
		an = a->i < 0;
		am = an ? 0 - (uint64_t)a->i : (uint64_t)a->i;
	} else {
		an = false;
		am = a->type == RN_FT_BOOL ? a->u != 0 : a->u;
	}
	if (b->type == RN_FT_INT || b->neg) {
		bn = b->i < 0;
		bm = bn ? 0 - (uint64_t)b->i : (uint64_t)b->i;
	} else {
		bn = false;
		bm = b->type == RN_FT_BOOL ? b->u != 0 : b->u;
	}
	if (an != bn)
		return an ? -1 : 1;
	int c = (am > bm) - (am < bm);
	return an ? -c : c;
}

/* Compares an occurrence (or literal) a with b: <0, 0, >0. Addresses
 * compare on the shorter of the two prefixes. */
static int cmp_val(const struct df_val *a, const struct df_val *b)
{
	switch (a->type) {
	case RN_FT_BOOL:
	case RN_FT_UINT:
	case RN_FT_INT:
		return cmp_num(a, b);
	case RN_FT_DOUBLE:
		return (a->d > b->d) - (a->d < b->d);
	case RN_FT_TIME:
		return sign((long long)((a->i > b->i) - (a->i < b->i)));
	case RN_FT_IPV4:
	case RN_FT_IPV6:
		if (b->type == a->type) {
			unsigned plen = a->plen < b->plen ? a->plen : b->plen;
			const uint8_t *x = val_bytes(a), *y = val_bytes(b);
			for (unsigned i = 0; i * 8 < plen; i++) {
				unsigned bits = plen - i * 8;
				uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
				if ((x[i] & m) != (y[i] & m))
					return (x[i] & m) < (y[i] & m) ? -1 : 1;
			}
			return 0;
		}
		break;
	default:
		break;
	}
	size_t n = a->n < b->n ? a->n : b->n;
	int c = n ? memcmp(val_bytes(a), val_bytes(b), n) : 0;
	if (c)
		return c;
	return (a->n > b->n) - (a->n < b->n);
}

static bool holds(enum df_op op, int c)
{
	switch (op) {
	case OP_EQ: case OP_ALL_EQ: return c == 0;
	case OP_NE: case OP_ANY_NE: return c != 0;
	case OP_LT: return c < 0;
	case OP_GT: return c > 0;
	case OP_LE: return c <= 0;
	case OP_GE: return c >= 0;
	default: return false;
	}
}

/* One occurrence against a node's literal(s). */
static bool test_lit(const struct df_node *n, const struct df_val *v)
{
	switch (n->op) {
	case OP_CONTAINS: {
		const struct df_val *l = &n->set[0].lo;
		if (l->n == 0)
			return true;
		return l->n <= v->n && memmem(val_bytes(v), v->n, val_bytes(l), l->n) != NULL;
	}
	case OP_MATCHES:
		return n->re && pcre2_match(n->re, val_bytes(v), v->n, 0, 0, n->md, NULL) >= 0;
	case OP_IN:
		for (size_t i = 0; i < n->nset; i++) {
			const struct df_elem *el = &n->set[i];
			if (el->range ? cmp_val(v, &el->lo) >= 0 && cmp_val(v, &el->hi) <= 0
				      : cmp_val(v, &el->lo) == 0)
				return true;
		}
		return false;
	default:
		return holds(n->op, cmp_val(v, &n->set[0].lo));
	}
}

static bool all_op(enum df_op op)
{
	return op == OP_NE || op == OP_ALL_EQ;
}

/* count(FIELD) as a value */
static void count_value(const struct df_entity *e, const struct rn_ftree *t, struct df_val *o)
{
	memset(o, 0, sizeof *o);
	o->type = RN_FT_UINT;
	size_t pos = 0;
	while (rn_ftree_next(t, e->d, &pos) >= 0)
		o->u++;
}

/* Runs test(v) over the occurrences of e: any, or (all_ne / all_eq) all
 * with at least one. */
#define OCCURRENCES(e, t, v, all, TEST)                                            \
	do {                                                                       \
		if ((e)->fn == FN_COUNT) {                                         \
			count_value((e), (t), &(v));                               \
			return (TEST);                                             \
		}                                                                  \
		size_t pos_ = 0;                                                   \
		long i_;                                                           \
		bool any_ = false;                                                 \
		while ((i_ = rn_ftree_next((t), (e)->d, &pos_)) >= 0) {            \
			if (!occ_value((e), (t), rn_ftree_field((t), (size_t)i_), &(v))) \
				continue;                                          \
			bool r_ = (TEST);                                          \
			if ((all) && !r_)                                          \
				return false;                                      \
			if (!(all) && r_)                                          \
				return true;                                       \
			any_ = true;                                               \
		}                                                                  \
		return (all) && any_;                                              \
	} while (0)

static bool eval_exists(const struct df_node *n, const struct rn_ftree *t)
{
	struct df_val v;
	const struct df_entity *e = &n->lhs;
	if (e->fn == FN_COUNT) {
		count_value(e, t, &v);
		return v.u != 0;
	}
	if (e->has_mask)
		OCCURRENCES(e, t, v, false, (v.type == RN_FT_INT ? v.i != 0 : v.u != 0));
	if (!e->sliced && e->fn == FN_NONE) {
		size_t pos = 0;
		return rn_ftree_next(t, e->d, &pos) >= 0;
	}
	OCCURRENCES(e, t, v, false, true);
}

static bool rhs_any(const struct df_node *n, const struct rn_ftree *t, const struct df_val *a,
		    bool all)
{
	struct df_val v;
	const struct df_entity *e = &n->rhs;
	OCCURRENCES(e, t, v, all, holds(n->op, cmp_val(a, &v)));
}

static bool eval_fields(const struct df_node *n, const struct rn_ftree *t)
{
	struct df_val v;
	bool all = all_op(n->op);
	/* any pair (==, <, ...), or every pair (!=, ===) */
	OCCURRENCES(&n->lhs, t, v, all, rhs_any(n, t, &v, all));
}

static bool eval_lit(const struct df_node *n, const struct rn_ftree *t)
{
	struct df_val v;
	OCCURRENCES(&n->lhs, t, v, all_op(n->op), test_lit(n, &v));
}

static bool eval(const struct df_node *n, const struct rn_ftree *t)
{
	switch (n->kind) {
	case N_AND: return eval(n->a, t) && eval(n->b, t);
	case N_OR: return eval(n->a, t) || eval(n->b, t);
	case N_XOR: return eval(n->a, t) != eval(n->b, t);
	case N_NOT: return !eval(n->a, t);
	case N_EXISTS: return eval_exists(n, t);
	case N_LIT: return eval_lit(n, t);
	case N_FIELDS: return eval_fields(n, t);
	}
	return false;
}

bool rn_dfilter_match(const struct rn_dfilter *f, const struct rn_ftree *t)
{
	return f && f->root && eval(f->root, t);
}
