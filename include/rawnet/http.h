/* HTTP/1.1 client pieces (RFC 9110, RFC 9112): http:// URLs (RFC 3986),
 * GET request building, and a pure incremental response parser (status line,
 * header fields, Content-Length, chunked and read-until-close bodies).
 *
 * Nothing here does I/O: the parser is fed whatever bytes arrived, in pieces
 * of any size, and hands back the body as sub-views of its input. */
#ifndef RAWNET_HTTP_H
#define RAWNET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/view.h"

#define RN_URL_HOST_MAX 256
#define RN_URL_TARGET_MAX 4096

struct rn_url {
	char scheme[8];                  /* "http" or "https", lower case */
	char host[RN_URL_HOST_MAX];      /* IPv6 literals without brackets */
	bool host_is_ipv6;               /* the host was written as [v6 literal] */
	uint16_t port;                   /* explicit, or 80 / 443 by scheme */
	bool port_set;                   /* the URL named a port */
	char target[RN_URL_TARGET_MAX];  /* path and query ("/" when empty), no fragment;
	                                    spaces and non-ASCII bytes percent-encoded */
};

/* Parses an absolute URL "http://host[:port][/path][?query][#frag]"; a URL
 * without "scheme://" is taken as http (as curl does). Returns 0; -RN_EUNSUP
 * for a scheme other than http (u->scheme is filled, so "https" can be told
 * apart); -RN_EINVAL for a malformed URL. *why (optional) gets a short static
 * reason on failure ("empty host", "bad port", ...). */
int rn_url_parse(const char *s, struct rn_url *u, const char **why);

/* Resolves a reference (a Location field value) against base, RFC 3986 §5.2:
 * absolute URLs, "//authority/path", "/path", "?query" and relative paths
 * (dot segments removed). The same returns as rn_url_parse. */
int rn_url_resolve(const struct rn_url *base, const char *ref, struct rn_url *out,
		   const char **why);

/* "host[:port]" for the Host field (brackets around IPv6, port only when it is
 * not the scheme's default). Returns the length, or -RN_ENOSPC. */
int rn_url_authority(const struct rn_url *u, char *buf, size_t cap);

/* Formats the URL back ("http://host:port/target"). Length or -RN_ENOSPC. */
int rn_url_format(const struct rn_url *u, char *buf, size_t cap);

/* Builds a GET request for u: request line, Host, User-Agent, Accept and
 * Connection: close, then headers[0..n) ("Name: value"), each replacing a
 * default field of the same name (case-insensitive), then the empty line.
 * Returns the length (no NUL counted; buf is NUL-terminated), -RN_ENOSPC, or
 * -RN_EINVAL for an extra header without "Name:" or with CR/LF in it. */
int rn_http_request(const struct rn_url *u, const char *const *headers, size_t n, char *buf,
		    size_t cap);

/* Checks one "Name: value" header as rn_http_request() would: 0 or -RN_EINVAL. */
int rn_http_header_check(const char *header);

#define RN_HTTP_HEAD_MAX 16384   /* status line + header fields */
#define RN_HTTP_MAX_FIELDS 100
#define RN_HTTP_LINE_MAX 1024    /* chunk-size and trailer lines */

enum rn_http_body {
	RN_HTTP_BODY_NONE,       /* 204, 304, 1xx, or a response to HEAD */
	RN_HTTP_BODY_LENGTH,     /* Content-Length */
	RN_HTTP_BODY_CHUNKED,    /* Transfer-Encoding: chunked */
	RN_HTTP_BODY_CLOSE,      /* until the server closes the connection */
};

struct rn_http_field {
	const char *name, *value;        /* NUL-terminated, inside the parser */
};

/* The state of one response being parsed. Large (about 18 KB): keep it
 * static or on the heap. The public fields are valid once head_done. */
struct rn_http_resp {
	bool head_done;                  /* status line and fields parsed */
	bool done;                       /* the whole message has been parsed */
	int version;                     /* 10 for HTTP/1.0, 11 for HTTP/1.1 */
	int status;                      /* 100..999 */
	const char *reason;
	size_t nfields;
	struct rn_http_field fields[RN_HTTP_MAX_FIELDS];
	enum rn_http_body body;
	uint64_t content_length;         /* RN_HTTP_BODY_LENGTH */
	uint64_t body_bytes;             /* body bytes handed out so far */
	unsigned interim;                /* 1xx responses skipped before this one */

	/* private */
	bool head_request;
	int state;
	uint64_t left;                   /* of the current chunk or the body */
	size_t head_len;
	char head[RN_HTTP_HEAD_MAX];
	size_t line_len;
	char line[RN_HTTP_LINE_MAX];
};

/* Starts a parser; head_request says the request was HEAD (no body follows). */
void rn_http_resp_init(struct rn_http_resp *r, bool head_request);

/* Consumes a prefix of in: returns the number of bytes consumed (> 0 unless in
 * is empty or the message is done) and sets *body to the body bytes among
 * them (a sub-view of in, possibly empty). Call again with the rest. Bytes
 * after the end of the message are not consumed. Errors: -RN_EFORMAT for a
 * malformed status line, field or chunk, -RN_EBADLEN for a bad or conflicting
 * Content-Length, -RN_ENOSPC when the head exceeds RN_HTTP_HEAD_MAX or has
 * more than RN_HTTP_MAX_FIELDS fields; the parser then stays failed. */
int rn_http_resp_feed(struct rn_http_resp *r, struct rn_view in, struct rn_view *body);

/* The connection was closed: 0 when that completes the message (always for
 * read-until-close bodies), -RN_ETRUNC when the head or body is incomplete. */
int rn_http_resp_eof(struct rn_http_resp *r);

/* The first field named name (case-insensitive), or NULL. */
const char *rn_http_resp_field(const struct rn_http_resp *r, const char *name);

#endif
