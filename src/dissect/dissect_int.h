/* Internal to the field tree: how dissectors (src/dissect/<proto>.c) add
 * nodes, and how their field tables are registered for rn_fdesc_lookup(). */
#ifndef RAWNET_DISSECT_INT_H
#define RAWNET_DISSECT_INT_H

#include <stdarg.h>

#include "rawnet/ftree.h"

struct rn_ftree_block; /* show-text storage: blocks never move once made */

struct rn_ftree {
	struct rn_field *f;
	size_t n, cap;
	const uint8_t *data;
	uint32_t caplen;
	struct rn_ftree_block *text;   /* newest block first */
	bool oom;                      /* a node or text was dropped for lack of memory */
};

/* Empties t for a new frame (keeps its storage). */
void rn_ftree_reset(struct rn_ftree *t, const uint8_t *data, uint32_t caplen);

/* Appends a node; returns its index, or -1 when out of memory (t->oom set,
 * the tree stays usable). off+len must lie within the frame (len 0 for a
 * generated field); a span past caplen is clipped to it. */
long rn_ftree_add(struct rn_ftree *t, const struct rn_fdesc *d, long parent, uint32_t off,
		  uint32_t len, const struct rn_fvalue *v);

/* Shorthands for the common value types. */
long rn_ftree_add_uint(struct rn_ftree *t, const struct rn_fdesc *d, long parent, uint32_t off,
		       uint32_t len, uint64_t u);
long rn_ftree_add_bytes(struct rn_ftree *t, const struct rn_fdesc *d, long parent, uint32_t off,
			uint32_t len);   /* BYTES/STRING/PROTO: ptr/len are the frame's bytes */
long rn_ftree_add_addr(struct rn_ftree *t, const struct rn_fdesc *d, long parent, uint32_t off,
		       uint32_t len);   /* IPV4/IPV6/ETHER read from the frame at off */

/* Sets node i's shown text (copied into the tree's storage; printf-style). */
void rn_ftree_set_show(struct rn_ftree *t, long i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rn_ftree_vset_show(struct rn_ftree *t, long i, const char *fmt, va_list ap);

/* Makes a table of fields (n entries) known to rn_fdesc_lookup(). The
 * dissectors' tables are listed in registry.c; this is for tests and for
 * fields registered at run time. The table must outlive every lookup.
 * Returns 0 or -ENOMEM. */
int rn_fdesc_register(const struct rn_fdesc *table, size_t n);

/* The dissectors' own tables (registry.c): the field of that name or NULL. */
const struct rn_fdesc *rn_fdesc_builtin(const char *name);

#endif
