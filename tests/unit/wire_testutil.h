/* Helpers shared by the wire-format unit tests (cmocka must be included
 * before this header). */
#ifndef RAWNET_TESTS_WIRE_TESTUTIL_H
#define RAWNET_TESTS_WIRE_TESTUTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rawnet/view.h"

/* The first n bytes of b in a heap block of exactly n bytes, so that ASan
 * reports any read past the end. The caller frees it. */
static inline uint8_t *exact_copy(const uint8_t *b, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	assert_non_null(p);
	if (n)
		memcpy(p, b, n);
	return p;
}

/* A small deterministic generator for the random-bytes tests. */
static inline uint32_t lcg(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 8;
}

/* A parsed sub-view lies inside the n input bytes at base. */
static inline void assert_inside(struct rn_view in, const uint8_t *base, size_t n)
{
	if (in.len)
		assert_true(in.data >= base && in.data + in.len <= base + n);
}

#endif
