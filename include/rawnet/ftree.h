/* The field tree: one dissection of a packet behind every view (-V, -T json,
 * -T fields, -T pdml, the byte map, display filters, pictures), as in
 * Wireshark's proto_tree. Each protocol's dissector registers its fields once
 * (static const struct rn_fdesc, Wireshark's display-filter names) and adds,
 * per packet, one node per field with the bytes it covers.
 *
 * Contract shared by the dissectors (src/dissect/) and the display-filter
 * engine (src/dfilter/): the filter engine only uses rn_fdesc_lookup(),
 * rn_ftree_next() and the members of struct rn_field / struct rn_fvalue
 * documented here. Extend freely; do not change what is documented without
 * updating both sides. */
#ifndef RAWNET_FTREE_H
#define RAWNET_FTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value types, Wireshark's FT_* folded to what a filter compares. */
enum rn_ftype {
	RN_FT_NONE = 0, /* a label: text only, no value (not filterable except presence) */
	RN_FT_PROTO,    /* a protocol node ("ip", "tcp"): presence; value = its bytes */
	RN_FT_BOOL,     /* v.u is 0 or 1 (flag bits: tcp.flags.syn) */
	RN_FT_UINT,     /* v.u (uint8 .. uint64, frame numbers, ports, lengths) */
	RN_FT_INT,      /* v.i */
	RN_FT_DOUBLE,   /* v.d (relative times and deltas in seconds: frame.time_delta) */
	RN_FT_TIME,     /* absolute time: v.i nanoseconds since the epoch (frame.time) */
	RN_FT_IPV4,     /* v.bytes[0..4) network order */
	RN_FT_IPV6,     /* v.bytes[0..16) */
	RN_FT_ETHER,    /* v.bytes[0..6) */
	RN_FT_BYTES,    /* ptr/len: raw bytes (tcp.payload, data.data, tcp.options) */
	RN_FT_STRING,   /* ptr/len: text, not NUL-terminated (http.request.method, dns.qry.name) */
};

/* How an integer is shown (Wireshark's BASE_*). */
enum rn_fbase {
	RN_BASE_NONE = 0,
	RN_BASE_DEC,
	RN_BASE_HEX,
	RN_BASE_DEC_HEX,
	RN_BASE_HEX_DEC,
	RN_BASE_OCT,
};

/* A registered field: static, one per display-filter name. */
struct rn_fdesc {
	const char *name;     /* "ip.src", "tcp.flags.syn" */
	const char *title;    /* "Source Address" (PDML showname prefix, -V) */
	enum rn_ftype type;
	enum rn_fbase base;
	uint64_t mask;        /* bit field within the field's bytes; 0 = whole bytes */
	unsigned bits;        /* width of an integer field in bits (8, 16, 32...); 0 = n/a */
};

/* A typed value. For IPV4/IPV6/ETHER the address is in bytes[]; for BYTES,
 * STRING and PROTO, ptr/len point into the packet (or into storage owned by
 * the tree) and stay valid as long as the tree and the packet do. */
struct rn_fvalue {
	enum rn_ftype type;
	uint64_t u;
	int64_t i;
	double d;
	uint8_t bytes[16];
	const uint8_t *ptr;
	uint32_t len;
};

#define RN_FIELD_NOPARENT UINT32_MAX

/* One node of the tree. */
struct rn_field {
	const struct rn_fdesc *desc;
	uint32_t off, len;     /* the bytes it covers, from the start of the frame;
	                          len 0 for generated fields ([Stream index: 0]) */
	uint32_t parent;       /* index of the parent node, or RN_FIELD_NOPARENT */
	uint16_t depth;        /* 0 for protocol nodes */
	bool hidden;           /* tcp.port / ip.addr / eth.addr style: filterable, not shown */
	bool generated;        /* [ ... ] fields computed, not read from bytes */
	struct rn_fvalue v;
	const char *show;      /* the shown text ("10.0.0.1", "0x0010", "Echo (ping) request")
	                          or NULL when a renderer formats it from v */
};

struct rn_ftree; /* opaque: nodes in dissection order (depth-first, parents first) */

/* An empty tree (NULL when out of memory), and its end. A tree is reused
 * from packet to packet: building a packet's tree empties it first. The
 * dissectors' entry point that fills one from a packet is declared beside
 * them (src/dissect). */
struct rn_ftree *rn_ftree_new(void);
void rn_ftree_free(struct rn_ftree *t);

/* The registered field of that display-filter name, or NULL. Protocol names
 * ("tcp", "dns", "frame") are fields of type RN_FT_PROTO. */
const struct rn_fdesc *rn_fdesc_lookup(const char *name);

/* Iteration: the index of the next node at or after *pos whose desc is d (or
 * any node when d is NULL), with *pos set past it; -1 at the end.
 *     size_t pos = 0; long i;
 *     while ((i = rn_ftree_next(t, d, &pos)) >= 0) use(rn_ftree_field(t, i));
 */
long rn_ftree_next(const struct rn_ftree *t, const struct rn_fdesc *d, size_t *pos);
const struct rn_field *rn_ftree_field(const struct rn_ftree *t, size_t i);
size_t rn_ftree_count(const struct rn_ftree *t);

/* The frame the tree was built from (slices of fields read these bytes). */
const uint8_t *rn_ftree_data(const struct rn_ftree *t, uint32_t *caplen);

#endif
