/* Display filters: the lexer's tokens, the parser's syntax errors (where
 * they point), type errors found at compile time, and evaluation on trees
 * built by hand from test fields (Wireshark's any/all rules, slices,
 * prefixes, sets, regexes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rawnet/dfilter.h"
#include "rawnet/error.h"
#include "dfilter/dfilter_int.h"
#include "dissect/dissect_int.h"

/* Test fields under "xt", so they never clash with the dissectors' names. */
static const struct rn_fdesc fd[] = {
#define F_PROTO 0
	{ .name = "xt", .title = "Test", .type = RN_FT_PROTO },
#define F_SRC 1
	{ .name = "xt.src", .type = RN_FT_IPV4 },
#define F_DST 2
	{ .name = "xt.dst", .type = RN_FT_IPV4 },
#define F_ADDR 3
	{ .name = "xt.addr", .type = RN_FT_IPV4 },
#define F_SPORT 4
	{ .name = "xt.srcport", .type = RN_FT_UINT, .bits = 16 },
#define F_DPORT 5
	{ .name = "xt.dstport", .type = RN_FT_UINT, .bits = 16 },
#define F_PORT 6
	{ .name = "xt.port", .type = RN_FT_UINT, .bits = 16 },
#define F_FLAGS 7
	{ .name = "xt.flags", .type = RN_FT_UINT, .base = RN_BASE_HEX, .bits = 8 },
#define F_SYN 8
	{ .name = "xt.flags.syn", .type = RN_FT_BOOL, .mask = 0x02, .bits = 8 },
#define F_ACK 9
	{ .name = "xt.flags.ack", .type = RN_FT_BOOL, .mask = 0x10, .bits = 8 },
#define F_ETH 10
	{ .name = "xt.eth", .type = RN_FT_ETHER },
#define F_SRC6 11
	{ .name = "xt.src6", .type = RN_FT_IPV6 },
#define F_NAME 12
	{ .name = "xt.name", .type = RN_FT_STRING },
#define F_DATA 13
	{ .name = "xt.data", .type = RN_FT_BYTES },
#define F_OFF 14
	{ .name = "xt.off", .type = RN_FT_INT, .bits = 8 },
#define F_DELTA 15
	{ .name = "xt.delta", .type = RN_FT_DOUBLE },
#define F_LABEL 16
	{ .name = "xt.label", .type = RN_FT_NONE },
#define F_TIME 17
	{ .name = "xt.time", .type = RN_FT_TIME },
#define F_ABSENT 18
	{ .name = "xt.absent", .type = RN_FT_UINT, .bits = 32 },
#define F_OTHER 19
	{ .name = "yt", .type = RN_FT_PROTO },
};

/* eth(6) src(4) dst(4) sport(2) dport(2) flags(1) off(1) src6(16) "Example" data(4) */
static const uint8_t frame[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	10, 77, 0, 1,
	10, 77, 0, 2,
	0x9c, 0x40,
	0x00, 0x50,
	0x12,
	0xfe,
	0xfd, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	'E', 'x', 'a', 'm', 'p', 'l', 'e',
	0xde, 0xad, 0x00, 0xef,
};

static int setup(void **state)
{
	(void)state;
	static bool done;
	if (!done) {
		assert_int_equal(rn_fdesc_register(fd, sizeof fd / sizeof fd[0]), 0);
		done = true;
	}
	return 0;
}

/* One packet's tree as a dissector would build it (hidden xt.addr/xt.port
 * for each side). */
static struct rn_ftree *packet(void)
{
	struct rn_ftree *t = rn_ftree_new();
	assert_non_null(t);
	rn_ftree_reset(t, frame, sizeof frame);
	long p = rn_ftree_add_bytes(t, &fd[F_PROTO], -1, 0, sizeof frame);
	rn_ftree_add_addr(t, &fd[F_ETH], p, 0, 6);
	rn_ftree_add_addr(t, &fd[F_SRC], p, 6, 4);
	rn_ftree_add_addr(t, &fd[F_ADDR], p, 6, 4);
	rn_ftree_add_addr(t, &fd[F_DST], p, 10, 4);
	rn_ftree_add_addr(t, &fd[F_ADDR], p, 10, 4);
	rn_ftree_add_uint(t, &fd[F_SPORT], p, 14, 2, 40000);
	rn_ftree_add_uint(t, &fd[F_PORT], p, 14, 2, 40000);
	rn_ftree_add_uint(t, &fd[F_DPORT], p, 16, 2, 80);
	rn_ftree_add_uint(t, &fd[F_PORT], p, 16, 2, 80);
	long fl = rn_ftree_add_uint(t, &fd[F_FLAGS], p, 18, 1, 0x12);
	rn_ftree_add_uint(t, &fd[F_SYN], fl, 18, 1, 1);
	rn_ftree_add_uint(t, &fd[F_ACK], fl, 18, 1, 1);
	struct rn_fvalue v = { .i = -2 };
	rn_ftree_add(t, &fd[F_OFF], p, 19, 1, &v);
	rn_ftree_add_addr(t, &fd[F_SRC6], p, 20, 16);
	rn_ftree_add_bytes(t, &fd[F_NAME], p, 36, 7);
	rn_ftree_add_bytes(t, &fd[F_DATA], p, 43, 4);
	struct rn_fvalue d = { .d = 0.25 };
	rn_ftree_add(t, &fd[F_DELTA], p, 0, 0, &d);
	rn_ftree_add(t, &fd[F_LABEL], p, 0, 2, NULL);
	struct rn_fvalue tm = { .i = 1700000000LL * 1000000000 + 500000000 };
	rn_ftree_add(t, &fd[F_TIME], p, 0, 0, &tm);
	return t;
}

static bool run(const struct rn_ftree *t, const char *expr)
{
	struct rn_dfilter *f;
	struct rn_dfilter_error e;
	int rc = rn_dfilter_compile(expr, &f, &e);
	if (rc < 0)
		fail_msg("%s: %s (at %zu)", expr, e.msg, e.pos);
	bool m = rn_dfilter_match(f, t);
	rn_dfilter_free(f);
	return m;
}

/* --- lexer ------------------------------------------------------------------ */

static void test_lex_tokens(void **state)
{
	(void)state;
	const char *s = "ip.src==10.0.0.0/8&&!(xt.port in {80, 20..25}) || a ~ \"x\" eq ne "
			"=== !== ~= <= >= < > & [ ] and or xor not ^^ contains matches";
	static const enum df_tok want[] = {
		DT_WORD, DT_EQ, DT_WORD, DT_AND, DT_NOT, DT_LPAREN, DT_WORD, DT_IN, DT_LBRACE,
		DT_WORD, DT_COMMA, DT_WORD, DT_RBRACE, DT_RPAREN, DT_OR, DT_WORD, DT_MATCHES,
		DT_STRING, DT_EQ, DT_NE, DT_ALL_EQ, DT_ANY_NE, DT_ANY_NE, DT_LE, DT_GE, DT_LT,
		DT_GT, DT_BITAND, DT_LBRACKET, DT_RBRACKET, DT_AND, DT_OR, DT_XOR, DT_NOT, DT_XOR,
		DT_CONTAINS, DT_MATCHES, DT_EOF,
	};
	size_t pos = 0;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		struct df_token t;
		struct rn_dfilter_error e;
		assert_int_equal(df_lex(s, &pos, &t, &e), 0);
		if (t.kind != want[i])
			fail_msg("token %zu at %zu: kind %d, want %d", i, t.pos, t.kind, want[i]);
		if (i == 0)
			assert_int_equal(t.len, 6);
		if (i == 2) /* the whole CIDR literal is one word */
			assert_int_equal(t.len, strlen("10.0.0.0/8"));
		if (i == 11)
			assert_memory_equal(s + t.pos, "20..25", 6);
		free(t.str);
	}
}

static void test_lex_strings(void **state)
{
	(void)state;
	struct df_token t;
	struct rn_dfilter_error e;
	size_t pos = 0;
	const char *s = "  \"a\\x41\\101\\n\\t\\\\\\\"\\x0z\"";
	assert_int_equal(df_lex(s, &pos, &t, &e), 0);
	assert_int_equal(t.kind, DT_STRING);
	assert_int_equal(t.pos, 2);
	assert_int_equal(t.slen, 9);
	assert_memory_equal(t.str, "aAA\n\t\\\"\0z", 9);
	assert_int_equal(pos, strlen(s));
	free(t.str);

	pos = 0; /* raw: backslashes kept */
	assert_int_equal(df_lex("r\"\\d+\\.\"", &pos, &t, &e), 0);
	assert_int_equal(t.kind, DT_STRING);
	assert_string_equal(t.str, "\\d+\\.");
	free(t.str);

	pos = 0;
	assert_int_equal(df_lex("x == \"abc", &pos, &t, &e), 0);
	assert_int_equal(df_lex("x == \"abc", &pos, &t, &e), 0);
	assert_int_equal(df_lex("x == \"abc", &pos, &t, &e), -RN_EINVAL);
	assert_int_equal(e.pos, 5);
	assert_string_equal(e.msg, "The final quote was missing from a quoted string.");

	pos = 0;
	assert_int_equal(df_lex("\"a\\qb\"", &pos, &t, &e), -RN_EINVAL);
	assert_int_equal(e.pos, 2);
	assert_int_equal(e.len, 2);
	assert_non_null(strstr(e.msg, "\\q"));

	pos = 4;
	assert_int_equal(df_lex("tcp @ 1", &pos, &t, &e), -RN_EINVAL);
	assert_int_equal(e.pos, 4);
	assert_string_equal(e.msg, "\"@\" was unexpected in this context.");
}

/* --- syntax and meaning errors ---------------------------------------------- */

struct bad {
	const char *expr;
	size_t pos, len;
	const char *msg; /* a part of the message */
};

static void check_bad(const struct bad *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct rn_dfilter *f = NULL;
		struct rn_dfilter_error e;
		int rc = rn_dfilter_compile(b[i].expr, &f, &e);
		if (rc != -RN_EINVAL)
			fail_msg("%s: compiled (rc %d)", b[i].expr, rc);
		assert_null(f);
		if (e.pos != b[i].pos || e.len != b[i].len || !strstr(e.msg, b[i].msg))
			fail_msg("%s: got [%zu,+%zu] \"%s\", want [%zu,+%zu] \"%s\"", b[i].expr,
				 e.pos, e.len, e.msg, b[i].pos, b[i].len, b[i].msg);
	}
}

static void test_syntax_errors(void **state)
{
	(void)state;
	static const struct bad b[] = {
		{ "", 0, 0, "empty" },
		{ "xt.port == 80 &&", 16, 0, "Unexpected end of filter expression." },
		{ "(xt", 3, 0, "Unexpected end" },
		{ "xt.port ==", 10, 0, "Unexpected end" },
		{ "xt.port == 80 )", 14, 1, "\")\" was unexpected in this context." },
		{ "xt.port == 1 2", 13, 1, "\"2\" was unexpected" },
		{ "xt.port in {80 443}", 15, 3, "\"443\" was unexpected" },
		{ "xt.port in 80", 11, 2, "\"80\" was unexpected" },
		{ "xt.port in {80,", 15, 0, "Unexpected end" },
		{ "host 1.2.3.4", 5, 7, "\"1.2.3.4\" was unexpected" },
		{ "port 80", 5, 2, "\"80\" was unexpected" },
		{ "xt port 80", 3, 4, "\"port\" was unexpected" },
		{ "xt.port >= 1 AND xt", 13, 3, "\"AND\" was unexpected" },
		{ "xt.port == == 1", 11, 2, "\"==\" was unexpected" },
		{ "xt.eth[0:3 == 1", 11, 2, "\"==\" was unexpected" },
		{ "xt.eth[x] == 1", 6, 2, "not a valid range" },
		{ "xt.name matches", 15, 0, "Unexpected end" },
		{ "xt not xt", 7, 2, "\"xt\" was unexpected" },
		{ "len(xt.name > 1", 12, 1, "\">\" was unexpected" },
		{ "xt.port & ", 10, 0, "Unexpected end" },
		{ "xt == \"abc", 6, 4, "final quote" },
		/* a syntax error wins over an earlier unknown name, as in tshark */
		{ "foo == 1 )", 9, 1, "\")\" was unexpected" },
	};
	check_bad(b, sizeof b / sizeof b[0]);
}

static void test_nesting_limit(void **state)
{
	(void)state;
	char deep[400];
	memset(deep, '(', 200);
	memcpy(deep + 200, "xt", 3);
	struct rn_dfilter *f;
	struct rn_dfilter_error e;
	assert_int_equal(rn_dfilter_compile(deep, &f, &e), -RN_EINVAL);
	assert_non_null(strstr(e.msg, "nested"));
	/* 60 levels are fine */
	char ok[200];
	memset(ok, '!', 60);
	memcpy(ok + 60, "xt", 3);
	assert_int_equal(rn_dfilter_compile(ok, &f, &e), 0);
	rn_dfilter_free(f);
}

static void test_type_errors(void **state)
{
	(void)state;
	static const struct bad b[] = {
		{ "foo", 0, 3, "foo is neither a field nor a protocol name." },
		{ "xt && xt.nope", 6, 7, "xt.nope is neither a field nor a protocol name." },
		{ "foo.bar == 1", 0, 7,
		  "Left side of \"==\" expression must be a field or function, not foo.bar." },
		{ "\"abc\" == xt.port", 0, 5, "must be a field or function, not \"abc\"." },
		{ "xt.port == 99999", 11, 5, "\"99999\" too big for this field, maximum 65535." },
		{ "xt.port == abc", 11, 3, "\"abc\" is not a valid number." },
		{ "xt.port == \"80\"", 11, 4,
		  "Unsigned integer (2 bytes) cannot be converted from a string (\"80\")." },
		{ "xt.off == 128", 10, 3, "too big for this field, maximum 127." },
		{ "xt.off == -129", 10, 4, "too small for this field, minimum -128." },
		{ "xt.src == abc", 10, 3, "\"abc\" is not a valid hostname or IPv4 address." },
		{ "xt.src == 10.77.0.1/33", 10, 12,
		  "Netmask bits in a CIDR IPv4 address should be <= 32, not 33" },
		{ "xt.src == \"10.77.0.1\"", 10, 11,
		  "IPv4 address cannot be converted from a string (\"10.77.0.1\")." },
		{ "xt.src6 == fd77::/129", 11, 10, "should be <= 128, not 129" },
		{ "xt.src6 == 10.1", 11, 4, "not a valid hostname or IPv6 address" },
		{ "xt.eth == 02:00:00", 10, 8,
		  "\"02:00:00\" contains too few bytes to be a valid Ethernet address." },
		{ "xt.eth == zz:00:00:00:00:00", 10, 17, "is not a valid Ethernet address." },
		{ "xt.data == 0g", 11, 2, "\"0g\" is not a valid byte string." },
		{ "xt.data == 123", 11, 3, "not a valid byte string" },
		{ "xt.port[0:1] == 00", 0, 7,
		  "\"xt.port\" is a Unsigned integer (2 bytes) and cannot be sliced" },
		{ "xt.eth[0:0] == 00", 7, 3, "Range 0:0 isn't valid because length 0 isn't positive" },
		{ "xt.port contains 80", 8, 8, "does not support \"contains\"" },
		{ "xt.port matches \"8\"", 8, 7, "does not support \"matches\"" },
		{ "xt.name matches abc", 16, 3, "a regular expression is written in quotes" },
		{ "xt.name matches \"(a\"", 16, 4, "isn't a valid regular expression" },
		{ "xt.label == 1", 0, 8, "is a label" },
		{ "xt.src == xt.port", 10, 7, "are not of compatible types" },
		{ "xt.name & 1", 8, 1, "cannot be masked" },
		{ "xt.delta > abc", 11, 3, "not a valid floating point number" },
		{ "xt.time > abc", 10, 3, "not a valid absolute time" },
		{ "len(nope) > 1", 4, 4, "nope is neither a field" },
		{ "xt.port in {1, x}", 15, 1, "\"x\" is not a valid number." },
		{ "xt.port in {1..99999}", 15, 5, "too big" },
	};
	check_bad(b, sizeof b / sizeof b[0]);
}

static void test_format_error(void **state)
{
	(void)state;
	char buf[512];
	struct rn_dfilter *f;
	struct rn_dfilter_error e;
	const char *x = "xt.port in {80 443}";
	assert_int_equal(rn_dfilter_compile(x, &f, &e), -RN_EINVAL);
	int n = rn_dfilter_format_error(x, &e, buf, sizeof buf);
	assert_string_equal(buf, "\"443\" was unexpected in this context.\n"
				 "    xt.port in {80 443}\n"
				 "                   ^~~");
	assert_int_equal(n, (int)strlen(buf));
	/* no token to point at: the message alone */
	assert_int_equal(rn_dfilter_compile("xt &&", &f, &e), -RN_EINVAL);
	rn_dfilter_format_error("xt &&", &e, buf, sizeof buf);
	assert_string_equal(buf, "Unexpected end of filter expression.");
	/* cut to the buffer, still terminated */
	assert_int_equal(rn_dfilter_compile(x, &f, &e), -RN_EINVAL);
	assert_true(rn_dfilter_format_error(x, &e, buf, 10) > 10);
	assert_int_equal(strlen(buf), 9);
}

/* --- evaluation ------------------------------------------------------------- */

struct want {
	const char *expr;
	bool match;
};

static void check_eval(const struct rn_ftree *t, const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (run(t, w[i].expr) != w[i].match)
			fail_msg("%s: %s, want %s", w[i].expr, w[i].match ? "no match" : "match",
				 w[i].match ? "match" : "no match");
}

static void test_eval_basic(void **state)
{
	(void)state;
	struct rn_ftree *t = packet();
	static const struct want w[] = {
		{ "xt", true }, { "yt", false }, { "xt.flags.syn", true }, { "xt.absent", false },
		{ "!yt", true }, { "not xt", false }, { "xt && yt", false }, { "xt || yt", true },
		{ "xt ^^ yt", true }, { "xt xor xt", false },
		{ "xt.srcport == 40000", true }, { "xt.srcport eq 40000", true },
		{ "xt.srcport == 40001", false }, { "xt.dstport == 0x50", true },
		{ "xt.dstport == 0120", true }, { "xt.dstport == 0b1010000", true },
		{ "xt.dstport < 81 && xt.dstport > 79", true }, { "xt.dstport lt 80", false },
		{ "xt.dstport le 80", true }, { "xt.dstport ge 81", false },
		{ "xt.dstport == -1", false }, { "xt.dstport > -1", true },
		{ "xt.off == -2", true }, { "xt.off < 0", true }, { "xt.off > -3", true },
		{ "xt.flags == 0x12", true }, { "xt.flags & 0x02", true }, { "xt.flags & 0x04", false },
		{ "xt.flags & 0x12 == 0x12", true }, { "xt.flags & 0x13 == 0x13", false },
		{ "xt.flags.syn == 1", true }, { "xt.flags.syn == True", true },
		{ "xt.flags.syn == False", false }, { "xt.flags.syn == 2", true },
		{ "xt.flags.syn && !xt.flags.ack", false },
		{ "xt.src == 10.77.0.1", true }, { "xt.src == 10.77.0.2", false },
		{ "xt.src == 10.0.0.0/8", true }, { "xt.src == 10.77.0.0/31", true },
		{ "xt.src == 10.77.0.2/31", false }, { "xt.src != 10.0.0.0/8", false },
		{ "xt.src < 10.77.0.2", true }, { "xt.src > 9.255.255.255", true },
		{ "xt.src6 == fd77::1", true }, { "xt.src6 == fd77::/16", true },
		{ "xt.src6 == fd78::/16", false }, { "xt.src6 == fd77::/15", true },
		{ "xt.eth == 02:00:00:00:00:01", true }, { "xt.eth == 02-00-00-00-00-01", true },
		{ "xt.eth == 0200.0000.0001", true }, { "xt.eth == 020000000001", true },
		{ "xt.eth == 02:00:00:00:00:02", false },
		{ "xt.name == \"Example\"", true }, { "xt.name == Example", true },
		{ "xt.name == \"example\"", false }, { "xt.name contains \"amp\"", true },
		{ "xt.name contains \"AMP\"", false }, { "xt.name matches \"^ex.*E$\"", true },
		{ "xt.name matches \"(?-i)^ex\"", false }, { "xt.name ~ \"xam\"", true },
		{ "xt.name > \"A\"", true }, { "xt.name < \"Exa\"", false },
		{ "xt.data == de:ad:00:ef", true }, { "xt.data == dead00ef", true },
		{ "xt.data contains 00", true }, { "xt.data contains 00:ee", false },
		{ "xt.data contains \"\\xad\\x00\"", true }, { "xt contains \"Exam\"", true },
		{ "xt matches \"ex\\\\x61mple\"", true }, { "xt matches \"e.a\"", true },
		{ "xt[0:2] == 02:00", true }, { "xt[43:4] == de:ad:00:ef", true },
		{ "xt.eth[0:3] == 02:00:00", true }, { "xt.eth[0:3] == 02:00:00:00", false },
		{ "xt.eth[1] == 0", true }, { "xt.eth[1] == 00", true }, { "xt.eth[-1] == 01", true },
		{ "xt.eth[3-5] == 00:00:01", true }, { "xt.eth[:2] == 02:00", true },
		{ "xt.eth[4:] == 00:01", true }, { "xt.eth[5:2] == 01", false },
		{ "xt.eth[6]", false }, { "xt.eth[5]", true }, { "xt.src[0] == 0a", true },
		{ "xt.src[0] == 10", false }, { "xt.name[0:2] == \"Ex\"", true },
		{ "xt.port in {80, 443}", true }, { "xt.port in {443, 8080}", false },
		{ "xt.port in {20..25, 79..81}", true }, { "xt.port in {39999 .. 40000}", true },
		{ "xt.port in {81..100}", false }, { "xt.port not in {80}", false },
		{ "xt.port not in {81}", true }, { "xt.dstport not in {81, 82}", true },
		{ "xt.src in {10.0.0.0/8}", true }, { "xt.name in {\"a\", \"Example\"}", true },
		{ "len(xt.name) == 7", true }, { "len(xt.name) > 7", false },
		{ "len(xt.eth) == 6", true }, { "len(xt[0:3]) == 3", true },
		{ "count(xt.addr) == 2", true }, { "count(xt.port) == 1", false },
		{ "count(xt.absent) == 0", true }, { "count(xt.absent)", false },
		{ "xt.delta > 0.2", true }, { "xt.delta == 0.25", true }, { "xt.delta < 0.25", false },
		{ "xt.time > 1700000000", true }, { "xt.time >= 1700000000.6", false },
		{ "xt.time > \"2023-11-14T22:13:20Z\"", true },
		{ "xt.time < \"2023-11-14T22:13:21Z\"", true },
		{ "xt.src == xt.dst", false }, { "xt.src != xt.dst", true },
		{ "xt.src < xt.dst", true }, { "xt.srcport > xt.dstport", true },
		{ "xt.srcport == xt.port", true }, { "xt.absent == xt.port", false },
		{ "(xt.port == 80 || xt.port == 443) && xt.src == 10.77.0.1", true },
		{ "xt.port == 80 || xt.port == 443 && yt", true },
		{ "!xt.port == 80", false }, { "! (xt.port == 81)", true },
		{ "not not xt", true },
	};
	check_eval(t, w, sizeof w / sizeof w[0]);
	rn_ftree_free(t);
}

/* Wireshark 4.0: == and the others hold when any occurrence does; != (all_ne)
 * when every one differs; === (all_eq) when every one is equal; !== and ~=
 * (any_ne) when any one differs. An absent field is false for all of them. */
static void test_eval_any_all(void **state)
{
	(void)state;
	struct rn_ftree *t = packet();
	static const struct want w[] = {
		{ "xt.addr == 10.77.0.1", true }, { "xt.addr == 10.77.0.2", true },
		{ "xt.addr == 10.77.0.1 && xt.addr == 10.77.0.2", true },
		{ "xt.addr != 10.77.0.1", false }, { "xt.addr ne 10.77.0.1", false },
		{ "xt.addr != 10.77.0.3", true }, { "xt.addr ~= 10.77.0.1", true },
		{ "xt.addr !== 10.77.0.1", true }, { "xt.addr any_ne 10.77.0.3", true },
		{ "xt.addr === 10.77.0.1", false }, { "xt.addr all_eq 10.0.0.0/8", true },
		{ "!(xt.addr == 10.77.0.1)", false },
		{ "xt.port > 50000", false }, { "xt.port > 1000", true }, { "xt.port < 81", true },
		{ "xt.absent != 1", false }, { "xt.absent == 1", false },
		{ "!(xt.absent == 1)", true }, { "xt.absent !== 1", false },
		{ "xt.addr == xt.src", true }, { "xt.addr != xt.src", false },
	};
	check_eval(t, w, sizeof w / sizeof w[0]);
	rn_ftree_free(t);

	/* An empty tree: only negations hold. */
	t = rn_ftree_new();
	rn_ftree_reset(t, frame, 0);
	assert_false(run(t, "xt"));
	assert_false(run(t, "xt.port != 80"));
	assert_true(run(t, "!xt.port"));
	assert_true(run(t, "xt.port not in {80}"));
	rn_ftree_free(t);
}

/* A field whose bytes lie past the frame (a truncated capture) has no
 * value for slices and bytes tests, and never reads out of bounds. */
static void test_eval_truncated(void **state)
{
	(void)state;
	struct rn_ftree *t = rn_ftree_new();
	rn_ftree_reset(t, frame, 8);
	rn_ftree_add_bytes(t, &fd[F_PROTO], -1, 0, 100); /* clipped to 8 */
	rn_ftree_add_bytes(t, &fd[F_DATA], 0, 6, 10);
	assert_true(run(t, "xt[7] == 4d"));
	assert_false(run(t, "xt[8]"));
	assert_true(run(t, "xt.data == 0a:4d"));
	assert_false(run(t, "xt.data[2:1] == 00"));
	assert_true(run(t, "len(xt) == 8"));
	assert_false(run(t, "xt[-9:1]"));
	assert_true(run(t, "xt[-8:1] == 02"));
	rn_ftree_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lex_tokens),
		cmocka_unit_test(test_lex_strings),
		cmocka_unit_test_setup(test_syntax_errors, setup),
		cmocka_unit_test_setup(test_nesting_limit, setup),
		cmocka_unit_test_setup(test_type_errors, setup),
		cmocka_unit_test_setup(test_format_error, setup),
		cmocka_unit_test_setup(test_eval_basic, setup),
		cmocka_unit_test_setup(test_eval_any_all, setup),
		cmocka_unit_test_setup(test_eval_truncated, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
