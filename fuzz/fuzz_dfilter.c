/* libFuzzer harness over the display-filter compiler (rawnet/dfilter.h):
 * any text either compiles or fails with an error whose token lies inside
 * the text; what compiles runs on a small hand-built tree (and on an empty
 * one) without reading outside it, and compiling is deterministic. Not
 * built by make; fuzz/run.sh builds it:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude \
 *       -Isrc -D_GNU_SOURCE fuzz/fuzz_dfilter.c src/dfilter/[a-z]*.c src/dissect/[a-z]*.c \
 *       ... -lpcre2-8 -o build/fuzz_dfilter
 *   build/fuzz_dfilter -max_total_time=60 -max_len=256 -dict=fuzz/dfilter.dict
 *
 * Input: the expression (NUL bytes end it early, as in a C string).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rawnet/dfilter.h"
#include "dissect/dissect_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

/* Field names of every type, under "fz" (and "fz" itself a protocol). */
static const struct rn_fdesc fd[] = {
	{ .name = "fz", .type = RN_FT_PROTO },
	{ .name = "fz.a", .type = RN_FT_IPV4 },
	{ .name = "fz.a6", .type = RN_FT_IPV6 },
	{ .name = "fz.e", .type = RN_FT_ETHER },
	{ .name = "fz.p", .type = RN_FT_UINT, .bits = 16 },
	{ .name = "fz.i", .type = RN_FT_INT, .bits = 8 },
	{ .name = "fz.b", .type = RN_FT_BOOL, .mask = 2, .bits = 8 },
	{ .name = "fz.s", .type = RN_FT_STRING },
	{ .name = "fz.d", .type = RN_FT_BYTES },
	{ .name = "fz.f", .type = RN_FT_DOUBLE },
	{ .name = "fz.t", .type = RN_FT_TIME },
	{ .name = "fz.l", .type = RN_FT_NONE },
};

static const uint8_t frame[40] = { 2, 0, 0, 0, 0, 1, 10, 0, 0, 1, 0, 80, 'a', 'b', 'c' };

static struct rn_ftree *tree, *empty;

static void init(void)
{
	if (tree)
		return;
	rn_fdesc_register(fd, sizeof fd / sizeof fd[0]);
	tree = rn_ftree_new();
	empty = rn_ftree_new();
	CHECK(tree && empty);
	rn_ftree_reset(empty, frame, 0);
	rn_ftree_reset(tree, frame, sizeof frame);
	long p = rn_ftree_add_bytes(tree, &fd[0], -1, 0, sizeof frame);
	rn_ftree_add_addr(tree, &fd[3], p, 0, 6);
	rn_ftree_add_addr(tree, &fd[1], p, 6, 4);
	rn_ftree_add_addr(tree, &fd[1], p, 6, 4);
	rn_ftree_add_addr(tree, &fd[2], p, 20, 16);
	rn_ftree_add_uint(tree, &fd[4], p, 10, 2, 80);
	rn_ftree_add_uint(tree, &fd[4], p, 10, 2, 443);
	struct rn_fvalue v = { .i = -3, .d = 0.5 };
	rn_ftree_add(tree, &fd[5], p, 12, 1, &v);
	rn_ftree_add_uint(tree, &fd[6], p, 12, 1, 1);
	rn_ftree_add_bytes(tree, &fd[7], p, 12, 3);
	rn_ftree_add_bytes(tree, &fd[8], p, 12, 28);
	rn_ftree_add_bytes(tree, &fd[8], p, 40, 0);
	rn_ftree_add(tree, &fd[9], p, 0, 0, &v);
	rn_ftree_add(tree, &fd[10], p, 0, 0, &v);
	rn_ftree_add(tree, &fd[11], p, 0, 4, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init();
	char *s = malloc(size + 1);
	CHECK(s);
	memcpy(s, data, size);
	s[size] = '\0';
	size_t len = strlen(s);
	struct rn_dfilter *f = NULL, *g = NULL;
	struct rn_dfilter_error e, e2;
	int rc = rn_dfilter_compile(s, &f, &e);
	int rc2 = rn_dfilter_compile(s, &g, &e2);
	CHECK(rc == rc2);
	if (rc < 0) {
		CHECK(f == NULL);
		CHECK(e.pos <= len && e.len <= len - e.pos);
		CHECK(e.pos == e2.pos && e.len == e2.len && strcmp(e.msg, e2.msg) == 0);
		CHECK(memchr(e.msg, '\0', sizeof e.msg) != NULL);
		char buf[64];
		int n = rn_dfilter_format_error(s, &e, buf, sizeof buf);
		CHECK(n >= 0 && strlen(buf) < sizeof buf);
	} else {
		CHECK(f && g);
		bool m = rn_dfilter_match(f, tree);
		CHECK(m == rn_dfilter_match(g, tree));
		(void)rn_dfilter_match(f, empty);
	}
	rn_dfilter_free(f);
	rn_dfilter_free(g);
	free(s);
	return 0;
}
