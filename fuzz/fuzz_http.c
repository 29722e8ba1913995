/* libFuzzer harness over the HTTP/1.1 client pieces that read what a server
 * sends (rawnet/http.h, RFC 9112): the incremental response parser, and the
 * URL parser and resolver (RFC 3986) that a Location field reaches. Not built
 * by make:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude \
 *       -Isrc -D_GNU_SOURCE fuzz/fuzz_http.c src/stack/http.c src/util/[a-z]*.c \
 *       -o build/fuzz_http
 *   build/fuzz_http -max_total_time=60 -max_len=4096
 *
 * Input: byte 0 picks the piece size, byte 1 the mode. Response mode: the
 * rest is a response, fed whole and then in pieces of that size; both must
 * give the same verdict, head and body bytes (the body only ever as views of
 * the input). URL mode: the rest is "base NUL reference"; parse, resolve and
 * format must stay inside their buffers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rawnet/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

struct outcome {
	int rc;                  /* last feed's error, or 0 */
	int eof_rc;
	bool head_done, done;
	int status, version;
	size_t nfields;
	uint8_t *body;
	size_t body_len;
};

/* Feeds in to a fresh parser in pieces of at most piece bytes. */
static void feed(const uint8_t *in, size_t len, size_t piece, bool head, struct outcome *o)
{
	struct rn_http_resp *r = malloc(sizeof *r);
	memset(o, 0, sizeof *o);
	o->body = malloc(len ? len : 1);
	if (!r || !o->body) {
		free(r);
		return;
	}
	memset(r, 0xa5, sizeof *r); /* init must not rely on zeroed memory */
	rn_http_resp_init(r, head);
	size_t off = 0;
	int guard = 0;
	while (off < len && !r->done) {
		size_t n = len - off < piece ? len - off : piece;
		struct rn_view body;
		int rc = rn_http_resp_feed(r, rn_view_make(in + off, n), &body);
		CHECK(++guard <= (int)len + 2);
		if (rc < 0) {
			o->rc = rc;
			/* A failed parser stays failed. */
			struct rn_view b2;
			CHECK(rn_http_resp_feed(r, rn_view_make(in, len), &b2) < 0);
			break;
		}
		CHECK(rc > 0 && (size_t)rc <= n);
		if (body.len) {
			CHECK(body.data >= in + off && body.data + body.len <= in + off + (size_t)rc);
			memcpy(o->body + o->body_len, body.data, body.len);
			o->body_len += body.len;
		}
		off += (size_t)rc;
	}
	o->eof_rc = o->rc ? 0 : rn_http_resp_eof(r);
	o->head_done = r->head_done;
	o->done = r->done;
	if (r->head_done) {
		o->status = r->status;
		o->version = r->version;
		o->nfields = r->nfields;
		CHECK(r->nfields <= RN_HTTP_MAX_FIELDS);
		CHECK(r->reason != NULL);
		for (size_t i = 0; i < r->nfields; i++) {
			CHECK(r->fields[i].name && r->fields[i].value);
			CHECK(rn_http_resp_field(r, r->fields[i].name) != NULL);
		}
		CHECK(o->body_len == r->body_bytes);
		if (r->body == RN_HTTP_BODY_LENGTH)
			CHECK(r->body_bytes <= r->content_length);
	}
	free(r);
}

static void fuzz_response(const uint8_t *in, size_t len, size_t piece, bool head)
{
	struct outcome whole, parts;
	feed(in, len, len ? len : 1, head, &whole);
	feed(in, len, piece, head, &parts);
	CHECK((whole.rc == 0) == (parts.rc == 0));
	if (whole.rc == 0 && whole.body && parts.body) {
		CHECK(whole.eof_rc == parts.eof_rc && whole.done == parts.done);
		CHECK(whole.head_done == parts.head_done && whole.status == parts.status);
		CHECK(whole.version == parts.version && whole.nfields == parts.nfields);
		CHECK(whole.body_len == parts.body_len);
		CHECK(memcmp(whole.body, parts.body, whole.body_len) == 0);
	}
	free(whole.body);
	free(parts.body);
}

static void fuzz_url(const uint8_t *in, size_t len)
{
	char *s = malloc(len + 2);
	if (!s)
		return;
	memcpy(s, in, len);
	s[len] = s[len + 1] = '\0';
	const char *ref = s + strlen(s) + 1; /* after the first NUL, or "" */
	if (ref > s + len)
		ref = s + len + 1;
	struct rn_url *base = malloc(sizeof *base), *out = malloc(sizeof *out);
	if (!base || !out)
		goto done;
	const char *why = NULL;
	int rc = rn_url_parse(s, base, &why);
	CHECK(rc == 0 || rc == -RN_EUNSUP || rc == -RN_EINVAL);
	CHECK(rc != -RN_EINVAL || why != NULL);
	if (rc != 0)
		goto done;
	CHECK(memchr(base->host, 0, sizeof base->host) && memchr(base->target, 0, sizeof base->target));
	char buf[RN_URL_HOST_MAX + RN_URL_TARGET_MAX + 32];
	int n = rn_url_format(base, buf, sizeof buf);
	CHECK(n == -RN_ENOSPC || (n >= 0 && (size_t)n < sizeof buf));
	n = rn_url_authority(base, buf, 16);
	CHECK(n == -RN_ENOSPC || (n >= 0 && n < 16));
	char req[8192];
	n = rn_http_request(base, NULL, 0, req, sizeof req);
	CHECK(n == -RN_ENOSPC || (n >= 0 && (size_t)n < sizeof req));
	rc = rn_url_resolve(base, ref, out, &why);
	CHECK(rc == 0 || rc == -RN_EUNSUP || rc == -RN_EINVAL);
	if (rc == 0) {
		CHECK(memchr(out->host, 0, sizeof out->host) && memchr(out->target, 0, sizeof out->target));
		n = rn_url_format(out, buf, sizeof buf);
		CHECK(n == -RN_ENOSPC || (n >= 0 && (size_t)n < sizeof buf));
	}
	const char *hdr[1] = { ref };
	n = rn_http_request(base, hdr, 1, req, sizeof req);
	CHECK(n == -RN_ENOSPC || n == -RN_EINVAL || (n >= 0 && (size_t)n < sizeof req));
	CHECK((rn_http_header_check(ref) == 0) || n == -RN_EINVAL || n == -RN_ENOSPC);
done:
	free(base);
	free(out);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t piece = (size_t)data[0] % 17 + 1;
	uint8_t mode = data[1];
	uint8_t *p = malloc(size - 2 ? size - 2 : 1);
	if (!p)
		return 0;
	memcpy(p, data + 2, size - 2);
	if (mode & 0x80)
		fuzz_url(p, size - 2);
	else
		fuzz_response(p, size - 2, piece, mode & 1);
	free(p);
	return 0;
}
