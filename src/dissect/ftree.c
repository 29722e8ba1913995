/* The field tree's storage: nodes in a growing array, shown texts in blocks
 * that never move (so a node's show pointer stays valid while the tree
 * grows), iteration by field, and the registry of display-filter names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawnet/error.h"
#include "dissect/dissect_int.h"

#define TEXT_BLOCK 4096

struct rn_ftree_block {
	struct rn_ftree_block *next;
	size_t used, cap;
	char buf[];
};

struct rn_ftree *rn_ftree_new(void)
{
	return calloc(1, sizeof(struct rn_ftree));
}

void rn_ftree_free(struct rn_ftree *t)
{
	if (!t)
		return;
	struct rn_ftree_block *b = t->text;
	while (b) {
		struct rn_ftree_block *next = b->next;
		free(b);
		b = next;
	}
	free(t->f);
	free(t);
}

void rn_ftree_reset(struct rn_ftree *t, const uint8_t *data, uint32_t caplen)
{
	t->n = 0;
	t->data = data;
	t->caplen = caplen;
	t->oom = false;
	/* keep one block (the newest) for the next frame, free the others */
	struct rn_ftree_block *b = t->text;
	if (b) {
		struct rn_ftree_block *rest = b->next;
		while (rest) {
			struct rn_ftree_block *next = rest->next;
			free(rest);
			rest = next;
		}
		b->next = NULL;
		b->used = 0;
	}
}

long rn_ftree_add(struct rn_ftree *t, const struct rn_fdesc *d, long parent, uint32_t off,
		  uint32_t len, const struct rn_fvalue *v)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct rn_field *f = realloc(t->f, cap * sizeof *f);
		if (!f) {
			t->oom = true;
			return -1;
		}
		t->f = f;
		t->cap = cap;
	}
	if (off > t->caplen)
		off = t->caplen, len = 0;
	if (len > t->caplen - off)
		len = t->caplen - off;
	struct rn_field *n = &t->f[t->n];
	memset(n, 0, sizeof *n);
	n->desc = d;
	n->off = off;
	n->len = len;
	if (parent >= 0 && (size_t)parent < t->n) {
		n->parent = (uint32_t)parent;
		n->depth = (uint16_t)(t->f[parent].depth + 1);
	} else {
		n->parent = RN_FIELD_NOPARENT;
	}
	if (v)
		n->v = *v;
	n->v.type = d ? d->type : RN_FT_NONE;
	return (long)t->n++;
}

long rn_ftree_add_uint(struct rn_ftree *t, const struct rn_fdesc *d, long parent, uint32_t off,
		       uint32_t len, uint64_t u)
{
	struct rn_fvalue v = { .u = u, .i = (int64_t)u };
	return rn_ftree_add(t, d, parent, off, len, &v);
}

long rn_ftree_add_bytes(struct rn_ftree *t, const struct rn_fdesc *d, long parent, uint32_t off,
			uint32_t len)
{
	long i = rn_ftree_add(t, d, parent, off, len, NULL);
	if (i >= 0) {
		t->f[i].v.ptr = t->data + t->f[i].off;
		t->f[i].v.len = t->f[i].len;
	}
	return i;
}

long rn_ftree_add_addr(struct rn_ftree *t, const struct rn_fdesc *d, long parent, uint32_t off,
		       uint32_t len)
{
	long i = rn_ftree_add(t, d, parent, off, len, NULL);
	if (i >= 0) {
		uint32_t n = t->f[i].len < sizeof t->f[i].v.bytes ? t->f[i].len
								  : (uint32_t)sizeof t->f[i].v.bytes;
		memcpy(t->f[i].v.bytes, t->data + t->f[i].off, n);
		t->f[i].v.ptr = t->data + t->f[i].off;
		t->f[i].v.len = t->f[i].len;
	}
	return i;
}

static char *text_alloc(struct rn_ftree *t, size_t n)
{
	struct rn_ftree_block *b = t->text;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > TEXT_BLOCK ? n : TEXT_BLOCK;
		struct rn_ftree_block *nb = malloc(sizeof *nb + cap);
		if (!nb)
			return NULL;
		nb->next = b;
		nb->used = 0;
		nb->cap = cap;
		t->text = b = nb;
	}
	char *p = b->buf + b->used;
	b->used += n;
	return p;
}

void rn_ftree_vset_show(struct rn_ftree *t, long i, const char *fmt, va_list ap)
{
	if (i < 0 || (size_t)i >= t->n)
		return;
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	char *p = n >= 0 ? text_alloc(t, (size_t)n + 1) : NULL;
	if (!p) {
		t->oom = true;
		return;
	}
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	t->f[i].show = p;
}

void rn_ftree_set_show(struct rn_ftree *t, long i, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rn_ftree_vset_show(t, i, fmt, ap);
	va_end(ap);
}

long rn_ftree_next(const struct rn_ftree *t, const struct rn_fdesc *d, size_t *pos)
{
	for (size_t i = *pos; i < t->n; i++) {
		if (!d || t->f[i].desc == d) {
			*pos = i + 1;
			return (long)i;
		}
	}
	*pos = t->n;
	return -1;
}

const struct rn_field *rn_ftree_field(const struct rn_ftree *t, size_t i)
{
	return i < t->n ? &t->f[i] : NULL;
}

size_t rn_ftree_count(const struct rn_ftree *t)
{
	return t->n;
}

const uint8_t *rn_ftree_data(const struct rn_ftree *t, uint32_t *caplen)
{
	if (caplen)
		*caplen = t->caplen;
	return t->data;
}

/* --- registry ------------------------------------------------------------ */

struct table {
	const struct rn_fdesc *f;
	size_t n;
};
static struct table *extra;
static size_t n_extra;

int rn_fdesc_register(const struct rn_fdesc *table, size_t n)
{
	struct table *e = realloc(extra, (n_extra + 1) * sizeof *e);
	if (!e)
		return -ENOMEM;
	extra = e;
	extra[n_extra].f = table;
	extra[n_extra].n = n;
	n_extra++;
	return 0;
}

const struct rn_fdesc *rn_fdesc_lookup(const char *name)
{
	const struct rn_fdesc *d = rn_fdesc_builtin(name);
	if (d)
		return d;
	for (size_t t = 0; t < n_extra; t++)
		for (size_t i = 0; i < extra[t].n; i++)
			if (extra[t].f[i].name && strcmp(extra[t].f[i].name, name) == 0)
				return &extra[t].f[i];
	return NULL;
}
