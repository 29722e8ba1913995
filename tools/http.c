/* rawnet http: an HTTP/1.1 GET (RFC 9110, RFC 9112) over rawnet's own TCP
 * stack on a packet socket: Content-Length, chunked and read-until-close
 * bodies, redirects with -L, headers with -i, a progress bar on a terminal. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "rawnet/error.h"
#include "rawnet/http.h"
#include "rawnet/stack.h"
#include "stackcli.h"

#define MAX_HEADERS 64
#define MAX_REDIRECTS 10
#define PROGRESS_MIN (1u << 20)  /* bodies from 1 MiB (or of unknown size) get a bar */

struct http_opts {
	struct stack_cli net;
	const char *output;      /* -o */
	bool include;            /* -i */
	bool follow;             /* -L */
	const char *headers[MAX_HEADERS];
	size_t nheaders;
};

struct progress {
	bool on;
	double start, last;
	uint64_t total;          /* 0: unknown */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rawnet http [-46iL] [-I IF] [--source-ip IP] [--source-mac MAC] [--no-firewall]\n"
		"                   [-o FILE] [-H 'Name: value']... [--trace] [-w SECONDS]\n"
		"                   [--time-wait SECONDS] URL\n"
		"\n"
		"HTTP/1.1 GET of URL (http:// only: no TLS) over rawnet's own TCP stack on a\n"
		"packet socket. The body goes to standard output or FILE.\n"
		"\n"
		"  -o, --output FILE\n"
		"                   write the body to FILE\n"
		"  -i, --include    print the status line and header fields before the body\n"
		"  -H, --header 'Name: value'\n"
		"                   add a request header field; 'Name:' removes a default one\n"
		"  -L, --location   follow redirects (at most %d)\n"
		"  -I IF, --source-ip IP, --source-mac MAC, --no-firewall, --trace, -w SECONDS,\n"
		"  --time-wait SECONDS (default %g), -4, -6\n"
		"                   as for rawnet tcp\n"
		"\n"
		"Exit status: 0 for a 2xx answer received whole, 1 for other answers and failed\n"
		"transfers, 2 for a bad URL or usage errors.\n",
		MAX_REDIRECTS, STACK_TIME_WAIT_DEFAULT);
}

static void human(double v, char *buf, size_t cap)
{
	const char *unit[] = { "B", "kB", "MB", "GB", "TB" };
	int u = 0;
	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void progress_show(struct progress *p, uint64_t done, bool final)
{
	if (!p->on)
		return;
	double now = mono_now();
	if (!final && now - p->last < 0.1)
		return;
	p->last = now;
	char d[32], t[32], r[32];
	double el = now - p->start;
	human((double)done, d, sizeof d);
	human(el > 0 ? (double)done / el : 0, r, sizeof r);
	if (p->total) {
		int w = 30, fill = (int)((double)done * w / (double)p->total);
		char bar[64];
		for (int i = 0; i < w; i++)
			bar[i] = i < fill ? '#' : ' ';
		bar[w] = '\0';
		human((double)p->total, t, sizeof t);
		fprintf(stderr, "\r[%s] %3d%%  %s / %s  %s/s ", bar,
			(int)((double)done * 100 / (double)p->total), d, t, r);
	} else {
		fprintf(stderr, "\r%s  %s/s ", d, r);
	}
	if (final)
		fputc('\n', stderr);
}

static int write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* -i: the head as curl prints it. */
static void print_head(int fd, const struct rn_http_resp *r)
{
	char line[RN_HTTP_HEAD_MAX + 64];
	int n = snprintf(line, sizeof line, "HTTP/%d.%d %d%s%s\r\n", r->version / 10,
			 r->version % 10, r->status, r->reason[0] ? " " : "", r->reason);
	write_all(fd, line, (size_t)n);
	for (size_t i = 0; i < r->nfields; i++) {
		n = snprintf(line, sizeof line, "%s: %s\r\n", r->fields[i].name, r->fields[i].value);
		write_all(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
	}
	write_all(fd, "\r\n", 2);
}

static bool is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* One request/response. Returns the exit status so far (0 ok, 1 failed),
 * sets *next when the answer is a redirect to follow. */
static int fetch(const struct http_opts *o, const struct rn_url *u, int out,
		 struct rn_http_resp *r, struct rn_url *next, bool *redirect)
{
	static char req[8192];
	static uint8_t buf[1 << 16];
	*redirect = false;
	int n = rn_http_request(u, o->headers, o->nheaders, req, sizeof req);
	if (n < 0)
		errx(EXIT_USAGE, "cannot build the request: %s", rn_strerror(n));

	struct stack_conn sc;
	stack_connect(&o->net, u->host, u->port, &sc);
	int rc = stack_wait_connected(&sc);
	if (rc) {
		stack_close(&sc);
		return rc;
	}
	size_t off = 0;
	while (off < (size_t)n) {
		ssize_t w = rn_tcp_send(sc.c, req + off, (size_t)n - off);
		if (w < 0) {
			rc = stack_report(&sc, "send");
			stack_close(&sc);
			return rc;
		}
		off += (size_t)w;
		if (off < (size_t)n && rn_stack_run(sc.s, -1) < 0 && stack_interrupted)
			break;
	}

	rn_http_resp_init(r, false);
	struct progress prog = { 0 };
	bool head_seen = false, skip_body = false;
	rc = -1;
	while (rc < 0) {
		ssize_t got = rn_tcp_recv(sc.c, buf, sizeof buf);
		if (got == -EAGAIN) {
			if (stack_interrupted) {
				rc = stack_report(&sc, "interrupted");
				break;
			}
			int e = rn_stack_run(sc.s, -1);
			if (e < 0 && e != -EINTR) {
				warnx("%s: %s", sc.ifname, rn_strerror(e));
				rc = EXIT_NOREPLY;
			}
			continue;
		}
		if (got < 0) {
			progress_show(&prog, r->body_bytes, true);
			rc = stack_report(&sc, "receive");
			break;
		}
		if (got == 0) {
			if (rn_http_resp_eof(r) < 0) {
				progress_show(&prog, r->body_bytes, true);
				if (!r->head_done)
					warnx("%s closed the connection before a complete answer",
					      sc.peer);
				else if (r->body == RN_HTTP_BODY_LENGTH)
					warnx("transfer closed with %" PRIu64 " of %" PRIu64
					      " body bytes received",
					      r->body_bytes, r->content_length);
				else
					warnx("transfer closed in the middle of a chunk");
				rc = EXIT_NOREPLY;
			}
			break;
		}
		struct rn_view in = rn_view_make(buf, (size_t)got);
		while (in.len && !r->done) {
			struct rn_view body;
			int used = rn_http_resp_feed(r, in, &body);
			if (used < 0) {
				warnx("%s: malformed answer: %s", sc.peer, rn_strerror(used));
				rc = EXIT_NOREPLY;
				break;
			}
			if (r->head_done && !head_seen) {
				head_seen = true;
				if (o->include)
					print_head(out, r);
				const char *loc = rn_http_resp_field(r, "Location");
				if (o->follow && is_redirect(r->status) && loc) {
					const char *why = "";
					int e = rn_url_resolve(u, loc, next, &why);
					if (e < 0)
						errx(EXIT_NOREPLY, "redirect to %s: %s", loc, why);
					*redirect = skip_body = true;
				}
				prog.on = !skip_body && isatty(2) &&
					  (r->body == RN_HTTP_BODY_CHUNKED ||
					   r->body == RN_HTTP_BODY_CLOSE ||
					   (r->body == RN_HTTP_BODY_LENGTH &&
					    r->content_length >= PROGRESS_MIN));
				prog.total = r->body == RN_HTTP_BODY_LENGTH ? r->content_length : 0;
				prog.start = prog.last = mono_now();
			}
			if (body.len && !skip_body && write_all(out, body.data, body.len) < 0)
				err(EXIT_NOREPLY, "%s", o->output ? o->output : "stdout");
			progress_show(&prog, r->body_bytes, false);
			in = rn_view_tail(in, (size_t)used);
		}
		if (rc < 0 && r->done)
			break;
	}
	if (r->done) {
		progress_show(&prog, r->body_bytes, true);
		/* The whole answer is here: close, and give the FINs a moment. */
		rn_tcp_close(sc.c);
		rn_stack_wait(sc.s, sc.c, RN_TCB_CLOSED, 1000);
		if (rc < 0)
			rc = (r->status >= 200 && r->status < 300) || *redirect ? EXIT_OK
										 : EXIT_NOREPLY;
	}
	/* We closed first: TIME-WAIT, after the output (all of it, unless a
	 * redirect is followed). */
	stack_time_wait(&sc, !*redirect);
	if (rc < 0)
		rc = EXIT_NOREPLY;
	stack_close(&sc);
	return rc;
}

int cmd_http(int argc, char **argv)
{
	enum { OPT_SRCIP = 256, OPT_SRCMAC, OPT_NOFW, OPT_TRACE, OPT_TIMEWAIT, OPT_HELP };
	static const struct option longopts[] = {
		{ "source-ip", required_argument, NULL, OPT_SRCIP },
		{ "source-mac", required_argument, NULL, OPT_SRCMAC },
		{ "no-firewall", no_argument, NULL, OPT_NOFW },
		{ "trace", no_argument, NULL, OPT_TRACE },
		{ "time-wait", required_argument, NULL, OPT_TIMEWAIT },
		{ "output", required_argument, NULL, 'o' },
		{ "include", no_argument, NULL, 'i' },
		{ "header", required_argument, NULL, 'H' },
		{ "location", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	static struct http_opts o;
	memset(&o, 0, sizeof o);
	o.net.family = AF_UNSPEC;
	o.net.timeout = 10;
	o.net.time_wait = STACK_TIME_WAIT_DEFAULT;
	int ch;
	while ((ch = getopt_long(argc, argv, "46I:o:iH:Lw:h", longopts, NULL)) != -1) {
		switch (ch) {
		case '4':
			o.net.family = AF_INET;
			break;
		case '6':
			o.net.family = AF_INET6;
			break;
		case 'I':
			o.net.ifname = optarg;
			break;
		case 'w':
			o.net.timeout = opt_seconds("-w", optarg, 0.1, 3600);
			break;
		case 'o':
			o.output = optarg;
			break;
		case 'i':
			o.include = true;
			break;
		case 'L':
			o.follow = true;
			break;
		case 'H':
			if (o.nheaders == MAX_HEADERS)
				errx(EXIT_USAGE, "-H: more than %d header fields", MAX_HEADERS);
			if (rn_http_header_check(optarg) < 0)
				errx(EXIT_USAGE, "-H: %s is not 'Name: value'", optarg);
			o.headers[o.nheaders++] = optarg;
			break;
		case OPT_SRCIP:
			o.net.source_ip = optarg;
			break;
		case OPT_SRCMAC:
			o.net.source_mac = optarg;
			break;
		case OPT_NOFW:
			o.net.no_firewall = true;
			break;
		case OPT_TRACE:
			o.net.trace = true;
			break;
		case OPT_TIMEWAIT:
			o.net.time_wait = opt_seconds("--time-wait", optarg, 0, 240);
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *arg = argv[optind];
	struct rn_url url;
	const char *why = "";
	int rc = rn_url_parse(arg, &url, &why);
	if (rc < 0)
		errx(EXIT_USAGE, "%s: %s", arg, why);

	int out = 1;
	if (o.output && strcmp(o.output, "-")) {
		out = open(o.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out < 0)
			err(EXIT_USAGE, "-o %s", o.output);
	}
	static struct rn_http_resp resp;
	for (int hop = 0;; hop++) {
		struct rn_url next;
		bool redirect;
		rc = fetch(&o, &url, out, &resp, &next, &redirect);
		if (rc != EXIT_OK || !redirect)
			break;
		if (hop == MAX_REDIRECTS) {
			warnx("more than %d redirects", MAX_REDIRECTS);
			rc = EXIT_NOREPLY;
			break;
		}
		url = next;
	}
	if (out != 1 && close(out) < 0)
		err(EXIT_NOREPLY, "%s", o.output);
	return rc;
}
