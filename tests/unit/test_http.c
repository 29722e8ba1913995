/* Unit tests: URLs (RFC 3986 §5.4 resolution examples), GET requests and the
 * incremental response parser fed in every split: whole, byte by byte, and
 * pseudo-random pieces. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawnet/http.h"

/* --- URLs ---------------------------------------------------------------- */

static void test_url_basic(void **state)
{
	(void)state;
	struct rn_url u;
	const char *why = NULL;
	assert_int_equal(rn_url_parse("http://Example.COM/a/b?x=1#frag", &u, &why), 0);
	assert_string_equal(u.scheme, "http");
	assert_string_equal(u.host, "example.com");
	assert_int_equal(u.port, 80);
	assert_false(u.port_set);
	assert_string_equal(u.target, "/a/b?x=1");

	assert_int_equal(rn_url_parse("HTTP://10.77.0.1:8080", &u, NULL), 0);
	assert_string_equal(u.host, "10.77.0.1");
	assert_int_equal(u.port, 8080);
	assert_true(u.port_set);
	assert_string_equal(u.target, "/");

	assert_int_equal(rn_url_parse("http://[fd77::1]:81/x y/\xc3\xa9", &u, NULL), 0);
	assert_string_equal(u.host, "fd77::1");
	assert_true(u.host_is_ipv6);
	assert_int_equal(u.port, 81);
	assert_string_equal(u.target, "/x%20y/%C3%A9");

	/* no scheme: http, as curl */
	assert_int_equal(rn_url_parse("10.77.0.1:8080/file", &u, NULL), 0);
	assert_string_equal(u.host, "10.77.0.1");
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.target, "/file");
	assert_int_equal(rn_url_parse("localhost?q", &u, NULL), 0);
	assert_string_equal(u.host, "localhost");
	assert_string_equal(u.target, "/?q");

	/* "host:" is the default port; dot segments go */
	assert_int_equal(rn_url_parse("http://h:/a/./b/../c", &u, NULL), 0);
	assert_int_equal(u.port, 80);
	assert_string_equal(u.target, "/a/c");

	char buf[64];
	assert_int_equal(rn_url_parse("http://[::1]:8080/p", &u, NULL), 0);
	assert_int_equal(rn_url_authority(&u, buf, sizeof buf), 10);
	assert_string_equal(buf, "[::1]:8080");
	assert_true(rn_url_format(&u, buf, sizeof buf) > 0);
	assert_string_equal(buf, "http://[::1]:8080/p");
	assert_int_equal(rn_url_authority(&u, buf, 5), -RN_ENOSPC);
}

static void test_url_bad(void **state)
{
	(void)state;
	struct rn_url u;
	const char *why = NULL;
	assert_int_equal(rn_url_parse("https://example.com/", &u, &why), -RN_EUNSUP);
	assert_string_equal(u.scheme, "https");
	assert_int_equal(u.port, 443);
	assert_non_null(strstr(why, "TLS"));
	assert_int_equal(rn_url_parse("ftp://example.com/", &u, &why), -RN_EUNSUP);
	assert_int_equal(rn_url_parse("mailto:someone", &u, &why), -RN_EUNSUP);

	static const char *const bad[] = {
		"", "http://", "http:///path", "http://:80/", "http://h:0/", "http://h:65536/",
		"http://h:8o/", "http://h:123456/", "http://user:pw@h/", "http://[fd77::1/",
		"http://[zz::1]/", "http://[fd77::1]x/", "http://h\x01/", "http://h/a\nb",
		"http://a b/", "http:/h", "http://h:80:80/",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		int rc = rn_url_parse(bad[i], &u, &why);
		if (rc != -RN_EINVAL)
			fail_msg("%s: %d", bad[i], rc);
		assert_non_null(why);
	}
	char longurl[5000] = "http://h/";
	memset(longurl + 9, 'a', sizeof longurl - 10);
	longurl[sizeof longurl - 1] = '\0';
	assert_int_equal(rn_url_parse(longurl, &u, &why), -RN_EINVAL);
}

/* RFC 3986 §5.4.1 and §5.4.2, base "http://a/b/c/d;p?q". */
static void test_url_resolve(void **state)
{
	(void)state;
	struct rn_url base, out;
	assert_int_equal(rn_url_parse("http://a/b/c/d;p?q", &base, NULL), 0);
	static const char *const cases[][2] = {
		{ "g", "http://a/b/c/g" },        { "./g", "http://a/b/c/g" },
		{ "g/", "http://a/b/c/g/" },      { "/g", "http://a/g" },
		{ "//g", "http://g/" },           { "?y", "http://a/b/c/d;p?y" },
		{ "g?y", "http://a/b/c/g?y" },    { "#s", "http://a/b/c/d;p?q" },
		{ "g#s", "http://a/b/c/g" },      { "g?y#s", "http://a/b/c/g?y" },
		{ ";x", "http://a/b/c/;x" },      { "g;x", "http://a/b/c/g;x" },
		{ "", "http://a/b/c/d;p?q" },     { ".", "http://a/b/c/" },
		{ "./", "http://a/b/c/" },        { "..", "http://a/b/" },
		{ "../", "http://a/b/" },         { "../g", "http://a/b/g" },
		{ "../..", "http://a/" },         { "../../", "http://a/" },
		{ "../../g", "http://a/g" },      { "../../../g", "http://a/g" },
		{ "../../../../g", "http://a/g" }, { "/./g", "http://a/g" },
		{ "/../g", "http://a/g" },        { "g.", "http://a/b/c/g." },
		{ ".g", "http://a/b/c/.g" },      { "g..", "http://a/b/c/g.." },
		{ "..g", "http://a/b/c/..g" },    { "./../g", "http://a/b/g" },
		{ "./g/.", "http://a/b/c/g/" },   { "g/./h", "http://a/b/c/g/h" },
		{ "g/../h", "http://a/b/c/h" },   { "g;x=1/./y", "http://a/b/c/g;x=1/y" },
		{ "g;x=1/../y", "http://a/b/c/y" }, { "g?y/./x", "http://a/b/c/g?y/./x" },
		{ "http://o:81/z", "http://o:81/z" }, { "  /sp  ", "http://a/sp" },
	};
	char buf[256];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *why = NULL;
		int rc = rn_url_resolve(&base, cases[i][0], &out, &why);
		if (rc < 0)
			fail_msg("%s: %d %s", cases[i][0], rc, why);
		assert_true(rn_url_format(&out, buf, sizeof buf) > 0);
		if (strcmp(buf, cases[i][1]))
			fail_msg("%s -> %s, expected %s", cases[i][0], buf, cases[i][1]);
	}
	assert_int_equal(rn_url_resolve(&base, "https://x/", &out, NULL), -RN_EUNSUP);
	assert_int_equal(rn_url_resolve(&base, "ftp://x/", &out, NULL), -RN_EUNSUP);
	assert_int_equal(rn_url_resolve(&base, "http://", &out, NULL), -RN_EINVAL);
}

/* --- requests ------------------------------------------------------------ */

static void test_request(void **state)
{
	(void)state;
	struct rn_url u;
	char buf[512];
	assert_int_equal(rn_url_parse("http://10.77.0.1:8080/big?x", &u, NULL), 0);
	int n = rn_http_request(&u, NULL, 0, buf, sizeof buf);
	const char *want = "GET /big?x HTTP/1.1\r\n"
			   "Host: 10.77.0.1:8080\r\n"
			   "User-Agent: rawnet/" RAWNET_VERSION "\r\n"
			   "Accept: */*\r\n"
			   "Connection: close\r\n"
			   "\r\n";
	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(buf, want);

	const char *h[] = { "accept:text/plain", "X-Test:  1 ", "User-Agent:", "X-Test: 2" };
	n = rn_http_request(&u, h, 4, buf, sizeof buf);
	want = "GET /big?x HTTP/1.1\r\n"
	       "Host: 10.77.0.1:8080\r\n"
	       "accept: text/plain\r\n"
	       "Connection: close\r\n"
	       "X-Test: 1 \r\n"
	       "X-Test: 2\r\n"
	       "\r\n";
	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));

	const char *bad1[] = { "NoColon" };
	const char *bad2[] = { "X: a\r\nInjected: b" };
	const char *bad3[] = { " X: a" };
	const char *bad4[] = { "X Y: a" };
	assert_int_equal(rn_http_request(&u, bad1, 1, buf, sizeof buf), -RN_EINVAL);
	assert_int_equal(rn_http_request(&u, bad2, 1, buf, sizeof buf), -RN_EINVAL);
	assert_int_equal(rn_http_request(&u, bad3, 1, buf, sizeof buf), -RN_EINVAL);
	assert_int_equal(rn_http_request(&u, bad4, 1, buf, sizeof buf), -RN_EINVAL);
	assert_int_equal(rn_http_header_check("X-Ok: fine"), 0);
	assert_int_equal(rn_http_request(&u, NULL, 0, buf, 40), -RN_ENOSPC);
}

/* --- responses ----------------------------------------------------------- */

struct result {
	int rc;            /* the first error, or 0 */
	int eof_rc;
	size_t consumed;   /* bytes consumed in all */
	char body[8192];
	size_t body_len;
};

static struct rn_http_resp g_resp;

/* Feeds msg split by mode: 0 whole, 1 byte by byte, >= 2 pseudo-random pieces
 * (seed = mode); then signals the end of the connection when eof. */
static void run(const char *msg, size_t len, int mode, bool head_req, bool eof, struct result *res)
{
	memset(res, 0, sizeof *res);
	rn_http_resp_init(&g_resp, head_req);
	uint32_t seed = (uint32_t)mode * 2654435761u;
	size_t off = 0;
	while (off < len) {
		size_t piece = len - off;
		if (mode == 1)
			piece = 1;
		else if (mode >= 2) {
			seed = seed * 1103515245 + 12345;
			piece = 1 + (seed >> 16) % 23;
			if (piece > len - off)
				piece = len - off;
		}
		struct rn_view in = rn_view_make(msg + off, piece);
		while (in.len) {
			struct rn_view body;
			int n = rn_http_resp_feed(&g_resp, in, &body);
			if (n < 0) {
				res->rc = n;
				return;
			}
			assert_true((size_t)n <= in.len);
			assert_true(body.len <= (size_t)n);
			assert_true(res->body_len + body.len <= sizeof res->body);
			memcpy(res->body + res->body_len, body.data, body.len);
			res->body_len += body.len;
			res->consumed += (size_t)n;
			if (n == 0)
				break; /* message done: the rest is not consumed */
			in = rn_view_tail(in, (size_t)n);
		}
		off += piece;
		if (g_resp.done)
			break;
	}
	res->eof_rc = eof ? rn_http_resp_eof(&g_resp) : 0;
}

/* Runs msg in every split mode, expecting the same outcome each time. */
static void expect(const char *msg, bool head_req, bool eof, int want_rc, int want_eof,
		   const char *want_body, size_t want_consumed)
{
	static struct result res;
	size_t len = strlen(msg);
	for (int mode = 0; mode < 12; mode++) {
		run(msg, len, mode, head_req, eof, &res);
		if (res.rc != want_rc)
			fail_msg("mode %d: rc %d, expected %d", mode, res.rc, want_rc);
		if (want_rc)
			continue;
		if (res.eof_rc != want_eof)
			fail_msg("mode %d: eof %d, expected %d", mode, res.eof_rc, want_eof);
		if (want_body && (res.body_len != strlen(want_body) ||
				  memcmp(res.body, want_body, res.body_len)))
			fail_msg("mode %d: body [%.*s], expected [%s]", mode, (int)res.body_len,
				 res.body, want_body);
		if (want_consumed && res.consumed != want_consumed)
			fail_msg("mode %d: consumed %zu, expected %zu", mode, res.consumed,
				 want_consumed);
	}
}

static void test_content_length(void **state)
{
	(void)state;
	const char *msg = "HTTP/1.1 200 OK\r\n"
			  "Server: nginx\r\n"
			  "Content-Length: 11\r\n"
			  "Content-Type:text/plain  \r\n"
			  "\r\n"
			  "hello world"
			  "HTTP/1.1 200 OK\r\n"; /* a next message is left alone */
	size_t first = strlen(msg) - strlen("HTTP/1.1 200 OK\r\n");
	expect(msg, false, false, 0, 0, "hello world", first);
	assert_true(g_resp.done);
	assert_int_equal(g_resp.status, 200);
	assert_int_equal(g_resp.version, 11);
	assert_string_equal(g_resp.reason, "OK");
	assert_int_equal(g_resp.body, RN_HTTP_BODY_LENGTH);
	assert_int_equal(g_resp.content_length, 11);
	assert_int_equal(g_resp.body_bytes, 11);
	assert_int_equal(g_resp.nfields, 3);
	assert_string_equal(rn_http_resp_field(&g_resp, "content-type"), "text/plain");
	assert_string_equal(rn_http_resp_field(&g_resp, "SERVER"), "nginx");
	assert_null(rn_http_resp_field(&g_resp, "Date"));

	/* cut short: the close is an error */
	expect("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nshort", false, true, 0, -RN_ETRUNC,
	       "short", 0);
	assert_false(g_resp.done);
	/* zero length: done at the end of the head */
	expect("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, false, 0, 0, "", 0);
	assert_true(g_resp.done);
	/* equal repeated values are one value */
	expect("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc", false,
	       false, 0, 0, "abc", 0);
	expect("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", false,
	       false, -RN_EBADLEN, 0, NULL, 0);
	expect("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false, false, -RN_EBADLEN, 0,
	       NULL, 0);
	expect("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", false, false,
	       -RN_EBADLEN, 0, NULL, 0);
	expect("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", false, false, -RN_EBADLEN, 0,
	       NULL, 0);
}

static void test_chunked(void **state)
{
	(void)state;
	const char *msg = "HTTP/1.1 200 OK\r\n"
			  "Transfer-Encoding: gzip, chunked\r\n"
			  "Content-Length: 1000\r\n" /* ignored: TE wins */
			  "\r\n"
			  "5\r\nhello\r\n"
			  "1;name=value\r\n \r\n"
			  "A \r\n0123456789\r\n"
			  "0\r\n"
			  "Trailer-Field: x\r\n"
			  "\r\n"
			  "extra";
	expect(msg, false, false, 0, 0, "hello 0123456789", strlen(msg) - 5);
	assert_true(g_resp.done);
	assert_int_equal(g_resp.body, RN_HTTP_BODY_CHUNKED);
	assert_int_equal(g_resp.body_bytes, 16);

	/* bare LF line ends are tolerated everywhere */
	expect("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n", false, false, 0, 0,
	       "abc", 0);
	assert_true(g_resp.done);
	/* a close inside the chunks is truncation */
	expect("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", false, true, 0,
	       -RN_ETRUNC, "abc", 0);
	/* malformed chunk framing */
	expect("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false, false,
	       -RN_EFORMAT, 0, NULL, 0);
	expect("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", false, false,
	       -RN_EFORMAT, 0, NULL, 0);
	expect("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1234567890abcdef0\r\n", false,
	       false, -RN_EBADLEN, 0, NULL, 0);
	/* a transfer coding other than chunked last: read until close */
	expect("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nraw", false, true, 0, 0,
	       "raw", 0);
	assert_int_equal(g_resp.body, RN_HTTP_BODY_CLOSE);
}

static void test_until_close(void **state)
{
	(void)state;
	expect("HTTP/1.0 200 OK\r\nServer: old\r\n\r\nbody until\r\nclose", false, true, 0, 0,
	       "body until\r\nclose", 0);
	assert_int_equal(g_resp.version, 10);
	assert_int_equal(g_resp.body, RN_HTTP_BODY_CLOSE);
	assert_true(g_resp.done);
	/* a close before the head ends */
	expect("HTTP/1.1 200 OK\r\nServer: x\r\n", false, true, 0, -RN_ETRUNC, "", 0);
	assert_false(g_resp.head_done);
	expect("", false, true, 0, -RN_ETRUNC, "", 0);
}

static void test_no_body(void **state)
{
	(void)state;
	expect("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", false, false, 0, 0, "", 0);
	assert_true(g_resp.done);
	assert_int_equal(g_resp.body, RN_HTTP_BODY_NONE);
	expect("HTTP/1.1 304 Not Modified\r\n\r\n", false, false, 0, 0, "", 0);
	assert_true(g_resp.done);
	expect("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true, false, 0, 0, "", 0);
	assert_true(g_resp.done);
	/* interim responses are skipped; a status line with no reason */
	expect("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\n"
	       "HTTP/1.1 404\r\nContent-Length: 2\r\n\r\nno",
	       false, false, 0, 0, "no", 0);
	assert_int_equal(g_resp.interim, 2);
	assert_int_equal(g_resp.status, 404);
	assert_string_equal(g_resp.reason, "");
	assert_null(rn_http_resp_field(&g_resp, "Link"));
}

static void test_head_forms(void **state)
{
	(void)state;
	/* obs-fold joins lines; leading blank lines are skipped */
	expect("\r\nHTTP/1.1 301 Moved Permanently\r\nLocation: /a\r\nX-Long: one\r\n  two\r\n"
	       "Content-Length: 0\r\n\r\n",
	       false, false, 0, 0, "", 0);
	assert_int_equal(g_resp.status, 301);
	assert_string_equal(g_resp.reason, "Moved Permanently");
	assert_string_equal(rn_http_resp_field(&g_resp, "location"), "/a");
	assert_string_equal(rn_http_resp_field(&g_resp, "x-long"), "one    two");

	static const char *const bad[] = {
		"HTTP/2 200 OK\r\n\r\n",      "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 099 x\r\n\r\n",     "ICY 200 OK\r\n\r\n",    "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nName : x\r\n\r\n", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
		"HTTP/3.0 200 OK\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect(bad[i], false, false, -RN_EFORMAT, 0, NULL, 0);
	}

	/* an embedded NUL in the head */
	static struct result res;
	static const char nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";
	run(nul, sizeof nul - 1, 0, false, false, &res);
	assert_int_equal(res.rc, -RN_EFORMAT);

	/* a head larger than RN_HTTP_HEAD_MAX */
	size_t n = RN_HTTP_HEAD_MAX + 100;
	char *big = malloc(n + 1);
	assert_non_null(big);
	strcpy(big, "HTTP/1.1 200 OK\r\nX: ");
	memset(big + strlen(big), 'a', n - strlen(big));
	big[n] = '\0';
	expect(big, false, false, -RN_ENOSPC, 0, NULL, 0);
	/* too many fields */
	size_t off = (size_t)sprintf(big, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i <= RN_HTTP_MAX_FIELDS; i++)
		off += (size_t)sprintf(big + off, "F%d: v\r\n", i);
	strcpy(big + off, "\r\n");
	expect(big, false, false, -RN_ENOSPC, 0, NULL, 0);
	free(big);

	/* a failed parser stays failed */
	struct rn_view body;
	assert_int_equal(rn_http_resp_feed(&g_resp, rn_view_make("x", 1), &body), -RN_EINVAL);
}

/* A large chunked body with random chunk sizes survives random splits. */
static void test_random_chunks(void **state)
{
	(void)state;
	static char msg[16384], want[8192];
	size_t off = (size_t)sprintf(msg, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	size_t wlen = 0;
	uint32_t x = 7;
	while (wlen < 6000) {
		x = x * 1103515245 + 12345;
		size_t c = 1 + (x >> 16) % 300;
		off += (size_t)sprintf(msg + off, "%zx\r\n", c);
		for (size_t i = 0; i < c; i++) {
			char ch = (char)('a' + (wlen + i) % 26);
			msg[off++] = ch;
			want[wlen + i] = ch;
		}
		wlen += c;
		off += (size_t)sprintf(msg + off, "\r\n");
	}
	want[wlen] = '\0';
	off += (size_t)sprintf(msg + off, "0\r\n\r\n");
	expect(msg, false, false, 0, 0, want, off);
	assert_true(g_resp.done);
}

/* fuzz_http: init left line_len as it was (garbage in a malloc'ed parser, or
 * a previous response's unfinished chunk line), so a chunked body misparsed. */
static void test_init_resets_line(void **state)
{
	(void)state;
	static const char msg[] =
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n";
	struct rn_http_resp *r = malloc(sizeof(*r));
	assert_non_null(r);
	memset(r, 0xff, sizeof(*r));
	rn_http_resp_init(r, false);
	size_t off = 0, len = sizeof(msg) - 1;
	while (off < len && !r->done) {
		struct rn_view body;
		int n = rn_http_resp_feed(r, rn_view_make(msg + off, len - off), &body);
		assert_true(n > 0);
		off += (size_t)n;
	}
	assert_true(r->done);
	assert_int_equal(r->body_bytes, 2);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_basic),      cmocka_unit_test(test_url_bad),
		cmocka_unit_test(test_url_resolve),    cmocka_unit_test(test_request),
		cmocka_unit_test(test_content_length), cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_until_close),    cmocka_unit_test(test_no_body),
		cmocka_unit_test(test_head_forms),     cmocka_unit_test(test_random_chunks),
		cmocka_unit_test(test_init_resets_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
