/* The field tree's storage: nodes, parents and depth, spans clipped to the
 * frame, values read from the frame, shown text that survives growth, the
 * iteration the display filters use, and the registry of names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rawnet/ftree.h"
#include "dissect/dissect_int.h"

static const struct rn_fdesc fd[] = {
	{ .name = "xt", .title = "Test protocol", .type = RN_FT_PROTO },
	{ .name = "xt.port", .title = "Port", .type = RN_FT_UINT, .base = RN_BASE_DEC, .bits = 16 },
	{ .name = "xt.src", .title = "Source", .type = RN_FT_IPV4 },
	{ .name = "xt.data", .title = "Data", .type = RN_FT_BYTES },
};

static const uint8_t frame[] = { 0x00, 0x50, 10, 77, 0, 1, 'a', 'b', 'c' };

static void test_nodes(void **state)
{
	(void)state;
	struct rn_ftree *t = rn_ftree_new();
	assert_non_null(t);
	rn_ftree_reset(t, frame, sizeof frame);
	long p = rn_ftree_add_bytes(t, &fd[0], -1, 0, sizeof frame);
	long port = rn_ftree_add_uint(t, &fd[1], p, 0, 2, 80);
	long src = rn_ftree_add_addr(t, &fd[2], p, 2, 4);
	long data = rn_ftree_add_bytes(t, &fd[3], p, 6, 100); /* runs past: clipped */
	assert_int_equal(rn_ftree_count(t), 4);
	const struct rn_field *f = rn_ftree_field(t, (size_t)port);
	assert_int_equal(f->parent, (uint32_t)p);
	assert_int_equal(f->depth, 1);
	assert_int_equal(f->v.type, RN_FT_UINT);
	assert_int_equal(f->v.u, 80);
	f = rn_ftree_field(t, (size_t)src);
	assert_memory_equal(f->v.bytes, ((uint8_t[]){ 10, 77, 0, 1 }), 4);
	f = rn_ftree_field(t, (size_t)data);
	assert_int_equal(f->len, 3);
	assert_int_equal(f->v.len, 3);
	assert_memory_equal(f->v.ptr, "abc", 3);
	assert_int_equal(rn_ftree_field(t, (size_t)p)->parent, RN_FIELD_NOPARENT);
	assert_null(rn_ftree_field(t, 4));
	uint32_t cl;
	assert_ptr_equal(rn_ftree_data(t, &cl), frame);
	assert_int_equal(cl, sizeof frame);
	rn_ftree_free(t);
}

static void test_show_survives_growth(void **state)
{
	(void)state;
	struct rn_ftree *t = rn_ftree_new();
	rn_ftree_reset(t, frame, sizeof frame);
	long first = rn_ftree_add_uint(t, &fd[1], -1, 0, 2, 80);
	rn_ftree_set_show(t, first, "port %d", 80);
	const char *shown = rn_ftree_field(t, 0)->show;
	char big[3000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	for (int i = 0; i < 500; i++) { /* many nodes and several text blocks */
		long n = rn_ftree_add_uint(t, &fd[1], -1, 0, 2, (uint64_t)i);
		rn_ftree_set_show(t, n, "%s", big);
	}
	assert_string_equal(rn_ftree_field(t, 0)->show, "port 80");
	assert_ptr_equal(rn_ftree_field(t, 0)->show, shown);
	assert_int_equal(strlen(rn_ftree_field(t, 500)->show), sizeof big - 1);
	rn_ftree_reset(t, frame, sizeof frame);
	assert_int_equal(rn_ftree_count(t), 0);
	rn_ftree_free(t);
}

static void test_next_by_field(void **state)
{
	(void)state;
	struct rn_ftree *t = rn_ftree_new();
	rn_ftree_reset(t, frame, sizeof frame);
	rn_ftree_add_bytes(t, &fd[0], -1, 0, 9);
	rn_ftree_add_uint(t, &fd[1], 0, 0, 2, 80);
	rn_ftree_add_addr(t, &fd[2], 0, 2, 4);
	rn_ftree_add_uint(t, &fd[1], 0, 0, 2, 443);
	size_t pos = 0;
	long i;
	uint64_t seen[4];
	int n = 0;
	while ((i = rn_ftree_next(t, &fd[1], &pos)) >= 0 && n < 4)
		seen[n++] = rn_ftree_field(t, (size_t)i)->v.u;
	assert_int_equal(n, 2);
	assert_int_equal(seen[0], 80);
	assert_int_equal(seen[1], 443);
	pos = 0;
	n = 0;
	while (rn_ftree_next(t, NULL, &pos) >= 0)
		n++;
	assert_int_equal(n, 4);
	rn_ftree_free(t);
}

static void test_registry(void **state)
{
	(void)state;
	assert_null(rn_fdesc_lookup("xt.port"));
	assert_int_equal(rn_fdesc_register(fd, sizeof fd / sizeof fd[0]), 0);
	assert_ptr_equal(rn_fdesc_lookup("xt.port"), &fd[1]);
	assert_ptr_equal(rn_fdesc_lookup("xt"), &fd[0]);
	assert_null(rn_fdesc_lookup("xt.nope"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_show_survives_growth),
		cmocka_unit_test(test_next_by_field),
		cmocka_unit_test(test_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
