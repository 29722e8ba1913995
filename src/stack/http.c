/* HTTP/1.1 client pieces: URLs (RFC 3986 §3, §5.2 reference resolution),
 * GET requests (RFC 9110 §9.3.1, RFC 9112 §3) and an incremental response
 * parser (RFC 9112 §4 status line, §5 fields, §6.3 message body length,
 * §7.1 chunked transfer coding). Pure: no I/O, no allocation. */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rawnet/http.h"

#ifndef RAWNET_VERSION
#define RAWNET_VERSION "0"
#endif

/* --- URLs ---------------------------------------------------------------- */

static int fail(const char **why, const char *reason, int code)
{
	if (why)
		*why = reason;
	return code;
}

/* RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). Returns
 * the scheme's length when s starts with "scheme:", else 0. */
static size_t scheme_len(const char *s)
{
	if (!isalpha((unsigned char)s[0]))
		return 0;
	size_t n = 1;
	while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' || s[n] == '.')
		n++;
	return s[n] == ':' ? n : 0;
}

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* RFC 3986 §5.2.4 remove_dot_segments, in place on a NUL-terminated path. */
static void remove_dot_segments(char *path)
{
	char *in = path, *out = path;
	while (*in) {
		if (!strncmp(in, "../", 3)) {
			in += 3;
		} else if (!strncmp(in, "./", 2)) {
			in += 2;
		} else if (!strncmp(in, "/./", 3)) {
			in += 2;
		} else if (!strcmp(in, "/.")) {
			in[1] = '\0'; /* becomes "/" */
		} else if (!strncmp(in, "/../", 4) || !strcmp(in, "/..")) {
			if (in[3] == '/')
				in += 3;
			else
				in[1] = '\0', in[2] = '\0';
			while (out > path && *--out != '/')
				;
			/* out now at the removed segment's '/', which the input's '/' replaces */
		} else if (!strcmp(in, ".") || !strcmp(in, "..")) {
			in += strlen(in);
		} else {
			/* moves "/segment" or "segment" to the output */
			char *p = in + (*in == '/');
			while (*p && *p != '/')
				p++;
			size_t n = (size_t)(p - in);
			memmove(out, in, n);
			out += n;
			in = p;
		}
	}
	*out = '\0';
}

/* Stores path+query into u->target: fragment dropped, dot segments removed
 * from the path, "/" when empty, spaces and bytes >= 0x80 percent-encoded. */
static int set_target(struct rn_url *u, const char *pq, const char **why)
{
	char tmp[RN_URL_TARGET_MAX];
	size_t n = strcspn(pq, "#");
	if (n + 2 > sizeof tmp)
		return fail(why, "URL too long", -RN_EINVAL);
	size_t off = 0;
	if (pq[0] != '/')
		tmp[off++] = '/';
	memcpy(tmp + off, pq, n);
	tmp[off + n] = '\0';

	char *query = strchr(tmp, '?');
	char qsave[RN_URL_TARGET_MAX] = "";
	if (query) {
		snprintf(qsave, sizeof qsave, "%s", query);
		*query = '\0';
	}
	remove_dot_segments(tmp);
	if (!tmp[0])
		strcpy(tmp, "/");

	static const char hex[] = "0123456789ABCDEF";
	size_t w = 0;
	for (int part = 0; part < 2; part++) {
		const char *s = part ? qsave : tmp;
		for (; *s; s++) {
			unsigned char c = (unsigned char)*s;
			if (c == ' ' || c >= 0x80) {
				if (w + 4 > sizeof u->target)
					return fail(why, "URL too long", -RN_EINVAL);
				u->target[w++] = '%';
				u->target[w++] = hex[c >> 4];
				u->target[w++] = hex[c & 15];
			} else {
				if (w + 2 > sizeof u->target)
					return fail(why, "URL too long", -RN_EINVAL);
				u->target[w++] = (char)c;
			}
		}
	}
	u->target[w] = '\0';
	return 0;
}

static bool host_char_ok(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c >= 0x80;
}

/* Parses "authority" (host[:port], [v6][:port]) of length n into u. */
static int parse_authority(const char *a, size_t n, struct rn_url *u, const char **why)
{
	if (memchr(a, '@', n))
		return fail(why, "user names in URLs are not supported", -RN_EINVAL);
	const char *port = NULL;
	size_t port_len = 0, host_len;
	if (n && a[0] == '[') {
		const char *close = memchr(a, ']', n);
		if (!close)
			return fail(why, "unterminated [IPv6 address]", -RN_EINVAL);
		host_len = (size_t)(close - a - 1);
		if (host_len == 0 || host_len >= sizeof u->host)
			return fail(why, "bad IPv6 address", -RN_EINVAL);
		memcpy(u->host, a + 1, host_len);
		u->host[host_len] = '\0';
		uint8_t addr[16];
		if (inet_pton(AF_INET6, u->host, addr) != 1)
			return fail(why, "bad IPv6 address", -RN_EINVAL);
		u->host_is_ipv6 = true;
		const char *rest = close + 1;
		size_t rest_len = n - (size_t)(rest - a);
		if (rest_len) {
			if (rest[0] != ':')
				return fail(why, "junk after ]", -RN_EINVAL);
			port = rest + 1;
			port_len = rest_len - 1;
		}
	} else {
		const char *colon = memchr(a, ':', n);
		host_len = colon ? (size_t)(colon - a) : n;
		if (colon) {
			port = colon + 1;
			port_len = n - host_len - 1;
		}
		if (host_len == 0)
			return fail(why, "empty host", -RN_EINVAL);
		if (host_len >= sizeof u->host)
			return fail(why, "host name too long", -RN_EINVAL);
		for (size_t i = 0; i < host_len; i++) {
			if (!host_char_ok((unsigned char)a[i]))
				return fail(why, "bad character in host", -RN_EINVAL);
			u->host[i] = (char)tolower((unsigned char)a[i]);
		}
		u->host[host_len] = '\0';
	}
	if (port && port_len) {
		unsigned long v = 0;
		for (size_t i = 0; i < port_len; i++) {
			if (!isdigit((unsigned char)port[i]) || i >= 5)
				return fail(why, "bad port", -RN_EINVAL);
			v = v * 10 + (unsigned long)(port[i] - '0');
		}
		if (v == 0 || v > 65535)
			return fail(why, "bad port", -RN_EINVAL);
		u->port = (uint16_t)v;
		u->port_set = true;
	}
	return 0;
}

int rn_url_parse(const char *s, struct rn_url *u, const char **why)
{
	memset(u, 0, sizeof *u);
	if (!s || !*s)
		return fail(why, "empty URL", -RN_EINVAL);
	if (has_ctl(s))
		return fail(why, "control character in URL", -RN_EINVAL);

	const char *rest = s;
	size_t sl = scheme_len(s);
	if (sl && !strncmp(s + sl, "://", 3)) {
		for (size_t i = 0; i < sl && i + 1 < sizeof u->scheme; i++)
			u->scheme[i] = (char)tolower((unsigned char)s[i]);
		if (sl >= sizeof u->scheme ||
		    (strcmp(u->scheme, "http") && strcmp(u->scheme, "https")))
			return fail(why, "unsupported scheme (only http:// URLs)", -RN_EUNSUP);
		rest = s + sl + 3;
	} else if (sl && !isdigit((unsigned char)s[sl + 1])) {
		/* "mailto:x", "http:/x"; but "host:8080/x" reads as a host and port */
		if ((sl == 4 && !strncasecmp(s, "http", 4)) || (sl == 5 && !strncasecmp(s, "https", 5)))
			return fail(why, "expected scheme://", -RN_EINVAL);
		return fail(why, "unsupported scheme (only http:// URLs)", -RN_EUNSUP);
	} else {
		strcpy(u->scheme, "http");
	}
	u->port = strcmp(u->scheme, "https") ? 80 : 443;

	size_t alen = strcspn(rest, "/?#");
	int rc = parse_authority(rest, alen, u, why);
	if (rc < 0)
		return rc;
	rc = set_target(u, rest + alen, why);
	if (rc < 0)
		return rc;
	if (!strcmp(u->scheme, "https"))
		return fail(why, "TLS is not supported (https URL)", -RN_EUNSUP);
	return 0;
}

int rn_url_resolve(const struct rn_url *base, const char *ref, struct rn_url *out,
		   const char **why)
{
	while (*ref == ' ' || *ref == '\t')
		ref++;
	char buf[RN_URL_TARGET_MAX + RN_URL_HOST_MAX + 32];
	size_t n = strlen(ref);
	while (n && (ref[n - 1] == ' ' || ref[n - 1] == '\t'))
		n--;
	if (n >= sizeof buf - 16)
		return fail(why, "URL too long", -RN_EINVAL);
	memcpy(buf, ref, n);
	buf[n] = '\0';
	if (has_ctl(buf))
		return fail(why, "control character in URL", -RN_EINVAL);

	size_t sl = scheme_len(buf);
	if (sl) {
		if (strncmp(buf + sl, "://", 3))
			return fail(why, "unsupported scheme (only http:// URLs)", -RN_EUNSUP);
		return rn_url_parse(buf, out, why);
	}
	if (buf[0] == '/' && buf[1] == '/') {
		char abs[sizeof buf + 8];
		snprintf(abs, sizeof abs, "%s:%s", base->scheme, buf);
		return rn_url_parse(abs, out, why);
	}

	struct rn_url u = *base;
	char path[2 * RN_URL_TARGET_MAX];
	buf[strcspn(buf, "#")] = '\0';
	if (!buf[0]) {
		snprintf(path, sizeof path, "%s", base->target);
	} else if (buf[0] == '/') {
		snprintf(path, sizeof path, "%s", buf);
	} else if (buf[0] == '?') {
		size_t plen = strcspn(base->target, "?");
		snprintf(path, sizeof path, "%.*s%s", (int)plen, base->target, buf);
	} else {
		/* merge (§5.2.3): everything of the base path up to its last '/' */
		size_t plen = strcspn(base->target, "?");
		while (plen && base->target[plen - 1] != '/')
			plen--;
		snprintf(path, sizeof path, "%.*s%s", (int)plen, base->target, buf);
	}
	int rc = set_target(&u, path, why);
	if (rc < 0)
		return rc;
	*out = u;
	return 0;
}

int rn_url_authority(const struct rn_url *u, char *buf, size_t cap)
{
	bool def = u->port == (strcmp(u->scheme, "https") ? 80 : 443);
	int n;
	if (u->host_is_ipv6)
		n = def ? snprintf(buf, cap, "[%s]", u->host)
			: snprintf(buf, cap, "[%s]:%u", u->host, u->port);
	else
		n = def ? snprintf(buf, cap, "%s", u->host)
			: snprintf(buf, cap, "%s:%u", u->host, u->port);
	return n < 0 || (size_t)n >= cap ? -RN_ENOSPC : n;
}

int rn_url_format(const struct rn_url *u, char *buf, size_t cap)
{
	char auth[RN_URL_HOST_MAX + 16];
	int rc = rn_url_authority(u, auth, sizeof auth);
	if (rc < 0)
		return rc;
	int n = snprintf(buf, cap, "%s://%s%s", u->scheme, auth, u->target);
	return n < 0 || (size_t)n >= cap ? -RN_ENOSPC : n;
}

/* --- requests ------------------------------------------------------------ */

/* RFC 9110 §5.6.2 token characters. */
static bool is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

int rn_http_header_check(const char *h)
{
	size_t n = 0;
	while (is_tchar((unsigned char)h[n]))
		n++;
	if (n == 0 || h[n] != ':')
		return -RN_EINVAL;
	if (strpbrk(h, "\r\n"))
		return -RN_EINVAL;
	return 0;
}

/* Does header "Name: value" have the given name? */
static bool header_named(const char *h, const char *name)
{
	size_t n = strlen(name);
	return !strncasecmp(h, name, n) && h[n] == ':';
}

struct out {
	char *buf;
	size_t cap, len;
	bool overflow;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->overflow || o->len + n + 1 > o->cap) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void puts_crlf(struct out *o, const char *s)
{
	put(o, s, strlen(s));
	put(o, "\r\n", 2);
}

/* Writes a user header, normalised to "Name: value"; nothing for "Name:"
 * with an empty value (that removes a default field, as curl's -H does). */
static void put_user_header(struct out *o, const char *h)
{
	const char *colon = strchr(h, ':');
	const char *v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (!*v)
		return;
	put(o, h, (size_t)(colon - h));
	put(o, ": ", 2);
	puts_crlf(o, v);
}

int rn_http_request(const struct rn_url *u, const char *const *headers, size_t n, char *buf,
		    size_t cap)
{
	for (size_t i = 0; i < n; i++)
		if (rn_http_header_check(headers[i]) < 0)
			return -RN_EINVAL;
	if (cap == 0)
		return -RN_ENOSPC;
	struct out o = { buf, cap, 0, false };
	buf[0] = '\0';

	char auth[RN_URL_HOST_MAX + 16];
	if (rn_url_authority(u, auth, sizeof auth) < 0)
		return -RN_EINVAL;
	put(&o, "GET ", 4);
	put(&o, u->target, strlen(u->target));
	puts_crlf(&o, " HTTP/1.1");

	static const char *const names[] = { "Host", "User-Agent", "Accept", "Connection" };
	const char *values[] = { auth, "rawnet/" RAWNET_VERSION, "*/*", "close" };
	bool used[64] = { false };
	for (size_t d = 0; d < sizeof names / sizeof names[0]; d++) {
		size_t i;
		for (i = 0; i < n && i < 64; i++)
			if (header_named(headers[i], names[d]))
				break;
		if (i < n && i < 64) {
			used[i] = true;
			put_user_header(&o, headers[i]);
			/* later duplicates of the same name are added below as given */
			continue;
		}
		put(&o, names[d], strlen(names[d]));
		put(&o, ": ", 2);
		puts_crlf(&o, values[d]);
	}
	for (size_t i = 0; i < n; i++)
		if (i >= 64 || !used[i])
			put_user_header(&o, headers[i]);
	put(&o, "\r\n", 2);
	if (o.overflow || o.len > INT_MAX)
		return -RN_ENOSPC;
	return (int)o.len;
}

/* --- responses ----------------------------------------------------------- */

enum {
	S_HEAD,        /* collecting the status line and fields */
	S_BODY_LENGTH, /* Content-Length bytes left */
	S_BODY_CLOSE,  /* everything until the connection closes */
	S_CHUNK_SIZE,  /* collecting a chunk-size line */
	S_CHUNK_DATA,  /* chunk bytes left */
	S_CHUNK_END,   /* the CRLF after a chunk's data */
	S_TRAILER,     /* trailer fields up to the empty line */
	S_DONE,
	S_FAILED,
};

void rn_http_resp_init(struct rn_http_resp *r, bool head_request)
{
	memset(r, 0, offsetof(struct rn_http_resp, head));
	r->line_len = 0; /* after head[]: not covered by the memset */
	r->head_request = head_request;
	r->state = S_HEAD;
}

const char *rn_http_resp_field(const struct rn_http_resp *r, const char *name)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (!strcasecmp(r->fields[i].name, name))
			return r->fields[i].value;
	return NULL;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* Content-Length (RFC 9110 §8.6): one or more equal decimal values, possibly
 * as a comma-separated list. */
static int parse_content_length(const char *v, uint64_t *len, bool *seen)
{
	const char *p = v;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!isdigit((unsigned char)*p))
			return -RN_EBADLEN;
		uint64_t x = 0;
		while (isdigit((unsigned char)*p)) {
			if (x > (UINT64_MAX - 9) / 10 / 2)
				return -RN_EBADLEN;
			x = x * 10 + (uint64_t)(*p++ - '0');
		}
		if (*seen && x != *len)
			return -RN_EBADLEN;
		*len = x;
		*seen = true;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 0;
		if (*p++ != ',')
			return -RN_EBADLEN;
	}
}

/* Is "chunked" the last transfer coding in the (comma-separated) value? */
static bool last_coding_chunked(const char *v)
{
	const char *last = strrchr(v, ',');
	last = last ? last + 1 : v;
	while (*last == ' ' || *last == '\t')
		last++;
	size_t n = strcspn(last, " \t;");
	return n == 7 && !strncasecmp(last, "chunked", 7);
}

/* The head (r->head, head_len bytes, ending with an empty line) into fields. */
static int parse_head(struct rn_http_resp *r)
{
	char *h = r->head;
	size_t n = r->head_len;
	if (memchr(h, '\0', n))
		return -RN_EFORMAT;
	/* obs-fold (RFC 9112 §5.2): a line break followed by SP/HTAB joins the lines */
	for (size_t i = 1; i + 1 < n; i++) {
		if (h[i] == '\n' && (h[i + 1] == ' ' || h[i + 1] == '\t')) {
			h[i] = ' ';
			if (h[i - 1] == '\r')
				h[i - 1] = ' ';
		}
	}
	h[n] = '\0';

	r->nfields = 0;
	char *line = h;
	bool first = true;
	bool te = false, cl_seen = false, chunked = false;
	uint64_t cl = 0;
	while (*line) {
		char *nl = strchr(line, '\n');
		if (!nl)
			return -RN_EFORMAT;
		*nl = '\0';
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		if (!*line)
			break; /* the empty line */
		if (first) {
			/* status-line = HTTP-version SP status-code SP [ reason-phrase ] */
			if (strncmp(line, "HTTP/", 5) || !isdigit((unsigned char)line[5]) ||
			    line[6] != '.' || !isdigit((unsigned char)line[7]) || line[8] != ' ')
				return -RN_EFORMAT;
			if (line[5] != '1')
				return -RN_EFORMAT;
			r->version = 10 + (line[7] - '0');
			char *c = line + 9;
			while (*c == ' ')
				c++;
			if (!isdigit((unsigned char)c[0]) || !isdigit((unsigned char)c[1]) ||
			    !isdigit((unsigned char)c[2]) || (c[3] && c[3] != ' ') || c[0] == '0')
				return -RN_EFORMAT;
			r->status = (c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0');
			r->reason = c[3] ? trim(c + 4) : c + 3;
			first = false;
		} else {
			char *colon = line;
			while (is_tchar((unsigned char)*colon))
				colon++;
			if (colon == line || *colon != ':')
				return -RN_EFORMAT;
			if (r->nfields == RN_HTTP_MAX_FIELDS)
				return -RN_ENOSPC;
			*colon = '\0';
			char *value = trim(colon + 1);
			r->fields[r->nfields].name = line;
			r->fields[r->nfields].value = value;
			r->nfields++;
			if (!strcasecmp(line, "Transfer-Encoding")) {
				te = true;
				chunked = last_coding_chunked(value);
			} else if (!strcasecmp(line, "Content-Length")) {
				int rc = parse_content_length(value, &cl, &cl_seen);
				if (rc < 0)
					return rc;
			}
		}
		line = nl + 1;
	}
	if (first)
		return -RN_EFORMAT;

	/* RFC 9112 §6.3, in order */
	if (r->head_request || r->status < 200 || r->status == 204 || r->status == 304)
		r->body = RN_HTTP_BODY_NONE;
	else if (te)
		r->body = chunked ? RN_HTTP_BODY_CHUNKED : RN_HTTP_BODY_CLOSE;
	else if (cl_seen)
		r->body = RN_HTTP_BODY_LENGTH;
	else
		r->body = RN_HTTP_BODY_CLOSE;
	r->content_length = r->body == RN_HTTP_BODY_LENGTH ? cl : 0;
	return 0;
}

/* The head is complete: parse it and pick the body state. */
static int head_complete(struct rn_http_resp *r)
{
	int rc = parse_head(r);
	if (rc < 0)
		return rc;
	if (r->status < 200 && r->status != 101) {
		/* an interim response: the final one follows */
		r->interim++;
		r->head_len = 0;
		return 0;
	}
	r->head_done = true;
	switch (r->body) {
	case RN_HTTP_BODY_NONE:
		r->state = S_DONE;
		break;
	case RN_HTTP_BODY_LENGTH:
		r->left = r->content_length;
		r->state = r->left ? S_BODY_LENGTH : S_DONE;
		break;
	case RN_HTTP_BODY_CHUNKED:
		r->state = S_CHUNK_SIZE;
		break;
	case RN_HTTP_BODY_CLOSE:
		r->state = S_BODY_CLOSE;
		break;
	}
	if (r->state == S_DONE)
		r->done = true;
	return 0;
}

/* chunk-size [ chunk-ext ] (RFC 9112 §7.1.1), the line without its CRLF. */
static int parse_chunk_size(const char *line, uint64_t *size)
{
	uint64_t x = 0;
	size_t i = 0;
	for (; isxdigit((unsigned char)line[i]); i++) {
		if (i >= 15)
			return -RN_EBADLEN;
		int c = tolower((unsigned char)line[i]);
		x = x * 16 + (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	if (i == 0)
		return -RN_EFORMAT;
	while (line[i] == ' ' || line[i] == '\t')
		i++;
	if (line[i] && line[i] != ';')
		return -RN_EFORMAT;
	*size = x;
	return 0;
}

/* Adds a byte to r->line; 1 when a line is complete (without CR/LF), 0 when
 * more is needed, negative when the line is too long. */
static int line_byte(struct rn_http_resp *r, char c)
{
	if (c == '\n') {
		if (r->line_len && r->line[r->line_len - 1] == '\r')
			r->line_len--;
		r->line[r->line_len] = '\0';
		r->line_len = 0;
		return 1;
	}
	if (r->line_len + 1 >= sizeof r->line)
		return -RN_ENOSPC;
	r->line[r->line_len++] = c;
	return 0;
}

/* One byte in a state that is not body data. */
static int step(struct rn_http_resp *r, char c)
{
	int rc;
	uint64_t size;
	switch (r->state) {
	case S_HEAD:
		if (r->head_len == 0 && (c == '\r' || c == '\n'))
			return 0; /* stray line breaks before the status line */
		if (r->head_len + 1 >= sizeof r->head)
			return -RN_ENOSPC;
		r->head[r->head_len++] = c;
		if (c == '\n') {
			size_t n = r->head_len;
			bool end = (n >= 2 && r->head[n - 2] == '\n') ||
				   (n >= 3 && r->head[n - 2] == '\r' && r->head[n - 3] == '\n');
			if (end)
				return head_complete(r);
		}
		return 0;
	case S_CHUNK_SIZE:
		rc = line_byte(r, c);
		if (rc <= 0)
			return rc;
		rc = parse_chunk_size(r->line, &size);
		if (rc < 0)
			return rc;
		r->left = size;
		r->state = size ? S_CHUNK_DATA : S_TRAILER;
		return 0;
	case S_CHUNK_END:
		rc = line_byte(r, c);
		if (rc <= 0)
			return rc;
		if (r->line[0])
			return -RN_EFORMAT;
		r->state = S_CHUNK_SIZE;
		return 0;
	case S_TRAILER:
		rc = line_byte(r, c);
		if (rc <= 0)
			return rc;
		if (!r->line[0]) {
			r->state = S_DONE;
			r->done = true;
		}
		return 0;
	default:
		return -RN_EINVAL;
	}
}

int rn_http_resp_feed(struct rn_http_resp *r, struct rn_view in, struct rn_view *body)
{
	body->data = in.data;
	body->len = 0;
	if (r->state == S_FAILED)
		return -RN_EINVAL;
	size_t len = in.len > INT_MAX ? INT_MAX : in.len;
	size_t off = 0;
	while (off < len && r->state != S_DONE) {
		if (r->state == S_BODY_CLOSE || r->state == S_BODY_LENGTH ||
		    r->state == S_CHUNK_DATA) {
			size_t n = len - off;
			if (r->state != S_BODY_CLOSE && n > r->left)
				n = (size_t)r->left;
			body->data = in.data + off;
			body->len = n;
			off += n;
			r->body_bytes += n;
			if (r->state != S_BODY_CLOSE) {
				r->left -= n;
				if (r->left == 0) {
					r->state = r->state == S_CHUNK_DATA ? S_CHUNK_END : S_DONE;
					r->done = r->state == S_DONE;
				}
			}
			break;
		}
		int rc = step(r, (char)in.data[off++]);
		if (rc < 0) {
			r->state = S_FAILED;
			return rc;
		}
	}
	return (int)off;
}

int rn_http_resp_eof(struct rn_http_resp *r)
{
	if (r->state == S_BODY_CLOSE) {
		r->state = S_DONE;
		r->done = true;
	}
	return r->state == S_DONE ? 0 : -RN_ETRUNC;
}
