/* Bounds-checked views over untrusted bytes.
 *
 * A view is a pointer travelling with its length. Every accessor takes an
 * offset and cannot read outside [data, data + len): out-of-range reads return
 * 0 and the rn_view_has() check tells callers beforehand whether a field is
 * there. Parsers check the length once (returning -RN_ETRUNC), then read
 * fields; payloads are always sub-views. Bytes are never cast to structs.
 */
#ifndef RAWNET_VIEW_H
#define RAWNET_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/error.h"

struct rn_view {
	const uint8_t *data;
	size_t len;
};

static inline struct rn_view rn_view_make(const void *data, size_t len)
{
	struct rn_view v = { (const uint8_t *)data, data ? len : 0 };
	return v;
}

/* True when [off, off + n) lies inside the view (overflow-safe). */
static inline bool rn_view_has(struct rn_view v, size_t off, size_t n)
{
	return off <= v.len && n <= v.len - off;
}

/* The sub-view [off, off + n), or -RN_ETRUNC when it does not fit. */
static inline int rn_view_sub(struct rn_view v, size_t off, size_t n, struct rn_view *out)
{
	if (!rn_view_has(v, off, n))
		return -RN_ETRUNC;
	out->data = v.data + off;
	out->len = n;
	return 0;
}

/* Everything from off to the end; empty when off is past the end. */
static inline struct rn_view rn_view_tail(struct rn_view v, size_t off)
{
	struct rn_view t = { v.data + (off <= v.len ? off : v.len), off <= v.len ? v.len - off : 0 };
	return t;
}

/* The first n bytes (or all of them, when the view is shorter). */
static inline struct rn_view rn_view_head(struct rn_view v, size_t n)
{
	struct rn_view h = { v.data, n < v.len ? n : v.len };
	return h;
}

static inline uint8_t rn_view_u8(struct rn_view v, size_t off)
{
	return rn_view_has(v, off, 1) ? v.data[off] : 0;
}

static inline uint16_t rn_view_be16(struct rn_view v, size_t off)
{
	if (!rn_view_has(v, off, 2))
		return 0;
	return (uint16_t)((uint16_t)v.data[off] << 8 | v.data[off + 1]);
}

static inline uint32_t rn_view_be24(struct rn_view v, size_t off)
{
	if (!rn_view_has(v, off, 3))
		return 0;
	return (uint32_t)v.data[off] << 16 | (uint32_t)v.data[off + 1] << 8 | v.data[off + 2];
}

static inline uint32_t rn_view_be32(struct rn_view v, size_t off)
{
	if (!rn_view_has(v, off, 4))
		return 0;
	return (uint32_t)v.data[off] << 24 | (uint32_t)v.data[off + 1] << 16 |
	       (uint32_t)v.data[off + 2] << 8 | v.data[off + 3];
}

static inline uint16_t rn_view_le16(struct rn_view v, size_t off)
{
	if (!rn_view_has(v, off, 2))
		return 0;
	return (uint16_t)(v.data[off] | (uint16_t)v.data[off + 1] << 8);
}

static inline uint32_t rn_view_le32(struct rn_view v, size_t off)
{
	if (!rn_view_has(v, off, 4))
		return 0;
	return v.data[off] | (uint32_t)v.data[off + 1] << 8 | (uint32_t)v.data[off + 2] << 16 |
	       (uint32_t)v.data[off + 3] << 24;
}

/* Copies n bytes at off into out; -RN_ETRUNC (and nothing copied) when absent. */
int rn_view_copy(struct rn_view v, size_t off, void *out, size_t n);

/* Big-endian stores into a caller's buffer (the caller checked the room). */
static inline void rn_put_be16(uint8_t *p, uint16_t x)
{
	p[0] = (uint8_t)(x >> 8);
	p[1] = (uint8_t)x;
}

static inline void rn_put_be32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)(x >> 24);
	p[1] = (uint8_t)(x >> 16);
	p[2] = (uint8_t)(x >> 8);
	p[3] = (uint8_t)x;
}

#endif
