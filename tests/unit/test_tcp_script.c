/* Scripted TCP conformance tests, packetdrill style, against the pure state
 * machine (rawnet/tcb.h): no sockets, a virtual clock. Every tests/tcp/NAME.pkt
 * is one scenario and must pass; every tests/tcp/must-fail/NAME.pkt is a script
 * whose expectation is deliberately wrong and must fail (so a runner that
 * passes everything cannot go unnoticed). With file arguments, runs just
 * those and prints TAP (exit 1 when one fails).
 *
 * The format (tests/tcp/README.md has it in full):
 *     rfc RFC 9293 §3.10.7.3: what the scenario checks     (required)
 *     config sack=1 ts=1 wscale=1 rcvbuf=262144            (before the first event)
 *     0     call connect
 *     +0    > S 0:0(0) win 65535 <mss 1460,sackOK,TS val * ecr 0,nop,wscale 2>
 *     +0.1  < S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
 *     +0    > . 1:1(0) ack 1
 *     +0    call send 1000
 *     +0    > P. 1:1001(1000) ack 1
 *     +0    expect state ESTABLISHED
 * Times are seconds, "+x" after the previous line, "x" from the start.
 * "<" segments are fed to the machine; sequence numbers are relative to the
 * peer's ISN, ACK numbers (and SACK blocks) to ours. ">" lines must match,
 * in order, the segments the machine sends, within the tolerance of their
 * time (sequence numbers relative to our ISN, ACKs to the peer's). Any
 * segment the script does not expect fails the run at the next line.
 * Payload bytes are a pattern of their sequence number, checked both ways. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/error.h"
#include "rawnet/tcb.h"
#include "rawnet/tcp.h"

#define LPORT 40000
#define RPORT 80
#define MAXREC 2048
#define T0 1000000ULL            /* script time 0 is this virtual µs (our TS clock: 1000 ms) */
#define MAXDATA 65536

struct rec {
	struct rn_tcp_seg seg;
	uint64_t at;
	uint8_t *data;
};

struct script {
	const char *path;
	int line;
	char err[512];
	struct rn_tcb tcb;
	bool started;
	struct rn_tcb_config cfg;
	struct rn_tcb_ops ops;
	struct rn_tcb_endpoints ep;
	struct rec *out;
	unsigned nout, next;
	uint64_t now;                /* virtual µs */
	uint64_t last_t;             /* the previous line's time (µs from T0) */
	uint64_t tol;                /* µs */
	uint32_t remote_isn;
	uint64_t sent, rcvd;         /* stream bytes written / read by calls */
	bool have_rfc, have_event;
	unsigned refuse;             /* output() fails this many times */
	bool cookie;                 /* call syncookie: the listener answers statelessly */
	bool cookie_have_syn;
	uint32_t cookie_iss;
	struct rn_tcp_seg cookie_syn;
};

static uint8_t lpat(uint32_t rel)
{
	return (uint8_t)(rel * 7u + 3u);
}

static uint8_t rpat(uint32_t rel)
{
	return (uint8_t)(rel * 13u + 5u);
}

#define FAIL(sc, ...) (snprintf((sc)->err, sizeof (sc)->err, __VA_ARGS__), -1)

static struct rn_pseudo pseudo(const struct script *sc, bool outbound)
{
	struct rn_pseudo ph = { .family = sc->ep.family };
	size_t n = sc->ep.family == AF_INET ? 4 : 16;
	memcpy(ph.src, outbound ? sc->ep.laddr : sc->ep.raddr, n);
	memcpy(ph.dst, outbound ? sc->ep.raddr : sc->ep.laddr, n);
	return ph;
}

/* Through the wire format and back: header bytes, checksum, options. */
static int roundtrip(const struct script *sc, const struct rn_tcp_seg *in, bool outbound,
		     struct rn_tcp_seg *out, uint8_t *data)
{
	static uint8_t buf[60 + MAXDATA];
	struct rn_pseudo ph = pseudo(sc, outbound);
	if (in->payload.len > MAXDATA)
		return -1;
	size_t hl = rn_tcp_header_len(&in->hdr);
	if (in->payload.len)
		memcpy(buf + hl, in->payload.data, in->payload.len);
	if (rn_tcp_emit(&in->hdr, &ph, buf, sizeof buf, in->payload.len) != (int)hl)
		return -1;
	struct rn_view payload;
	memset(out, 0, sizeof *out);
	if (rn_tcp_parse(rn_view_make(buf, hl + in->payload.len), &ph, &out->hdr, &payload) < 0 ||
	    out->hdr.checksum_status != RN_CSUM_GOOD || rn_tcp_opts_decode(&out->hdr, &out->opts) < 0)
		return -1;
	memcpy(data, payload.data, payload.len);
	out->payload = rn_view_make(data, payload.len);
	return 0;
}

static int s_output(void *ctx, struct rn_tcb *tcb, const struct rn_tcp_seg *seg)
{
	struct script *sc = ctx;
	(void)tcb;
	if (sc->refuse) {
		sc->refuse--;
		return -1;
	}
	if (sc->nout >= MAXREC)
		return -1;
	struct rec *r = &sc->out[sc->nout];
	r->data = malloc(seg->payload.len ? seg->payload.len : 1);
	if (!r->data || roundtrip(sc, seg, true, &r->seg, r->data) < 0) {
		free(r->data);
		r->data = NULL;
		return -1;
	}
	r->at = sc->now;
	sc->nout++;
	return 0;
}

/* --- parsing helpers ------------------------------------------------------ */

static char *skipws(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static char *word(char **pp)
{
	char *p = skipws(*pp), *w = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = 0;
	*pp = p;
	return w;
}

static bool parse_i64(const char *s, int64_t *v)
{
	char *end;
	errno = 0;
	long long x = strtoll(s, &end, 0);
	if (!*s || *end || errno)
		return false;
	*v = x;
	return true;
}

static bool parse_u32(const char *s, uint32_t *v)
{
	int64_t x;
	if (!parse_i64(s, &x) || x < -(int64_t)UINT32_MAX || x > (int64_t)UINT32_MAX)
		return false;
	*v = (uint32_t)x; /* negative: modulo 2^32, for sequence numbers below the ISN */
	return true;
}

static bool parse_secs(const char *s, uint64_t *us)
{
	char *end;
	double d = strtod(s, &end);
	if (!*s || *end || d < 0 || d > 1e6)
		return false;
	*us = (uint64_t)(d * 1e6 + 0.5);
	return true;
}

/* A segment line after "<" or ">". */
struct segspec {
	uint16_t flags;
	uint32_t seq, end, len;
	bool has_ack, has_win, has_opts;
	uint32_t ack;
	uint16_t win;
	struct rn_tcp_opts opts;
	bool ts_val_any, ts_ecr_any;
};

static int parse_flags(struct script *sc, const char *w, uint16_t *flags)
{
	*flags = 0;
	for (const char *p = w; *p; p++) {
		switch (*p) {
		case 'S': *flags |= RN_TCP_SYN; break;
		case 'F': *flags |= RN_TCP_FIN; break;
		case 'R': *flags |= RN_TCP_RST; break;
		case 'P': *flags |= RN_TCP_PSH; break;
		case '.': *flags |= RN_TCP_ACK; break;
		case 'U': *flags |= RN_TCP_URG; break;
		case 'E': *flags |= RN_TCP_ECE; break;
		case 'W': *flags |= RN_TCP_CWR; break;
		default: return FAIL(sc, "bad flags '%s'", w);
		}
	}
	return 0;
}

static int parse_opts(struct script *sc, char *p, struct segspec *sp)
{
	struct rn_tcp_opts *o = &sp->opts;
	memset(o, 0, sizeof *o);
	sp->has_opts = true;
	for (char *item = strtok(p, ","); item; item = strtok(NULL, ",")) {
		char *q = item;
		char *k = word(&q);
		if (!*k)
			continue;
		if (!strcmp(k, "nop") || !strcmp(k, "eol"))
			continue;
		if (!strcmp(k, "sackOK")) {
			o->sack_perm = true;
		} else if (!strcmp(k, "mss") || !strcmp(k, "wscale")) {
			uint32_t v;
			if (!parse_u32(word(&q), &v) || v > 65535)
				return FAIL(sc, "bad %s value", k);
			if (*k == 'm') {
				o->has_mss = true;
				o->mss = (uint16_t)v;
			} else {
				o->has_wscale = true;
				o->wscale = (uint8_t)v;
			}
		} else if (!strcmp(k, "TS")) {
			o->has_ts = true;
			for (int i = 0; i < 2; i++) {
				char *name = word(&q), *val = word(&q);
				bool isval = !strcmp(name, "val");
				if (!isval && strcmp(name, "ecr"))
					return FAIL(sc, "TS wants 'val N ecr N'");
				bool any = !strcmp(val, "*");
				uint32_t v = 0;
				if (!any && !parse_u32(val, &v))
					return FAIL(sc, "bad TS %s '%s'", name, val);
				if (isval) {
					o->ts_val = v;
					sp->ts_val_any = any;
				} else {
					o->ts_ecr = v;
					sp->ts_ecr_any = any;
				}
			}
		} else if (!strcmp(k, "sack")) {
			for (char *b = word(&q); *b; b = word(&q)) {
				uint32_t l, r;
				char *colon = strchr(b, ':');
				if (!colon || o->nsack >= 4)
					return FAIL(sc, "bad sack block '%s'", b);
				*colon = 0;
				if (!parse_u32(b, &l) || !parse_u32(colon + 1, &r))
					return FAIL(sc, "bad sack block");
				o->sack[o->nsack].left = l;
				o->sack[o->nsack].right = r;
				o->nsack++;
			}
		} else {
			return FAIL(sc, "unknown option '%s'", k);
		}
		if (*skipws(q))
			return FAIL(sc, "junk after option %s: '%s'", k, skipws(q));
	}
	return 0;
}

static int parse_seg(struct script *sc, char *p, struct segspec *sp)
{
	memset(sp, 0, sizeof *sp);
	char *lt = strchr(p, '<');
	if (lt) {
		char *gt = strchr(lt, '>');
		if (!gt || *skipws(gt + 1))
			return FAIL(sc, "options need <...> at the end of the line");
		*lt = 0;
		*gt = 0;
		if (parse_opts(sc, lt + 1, sp) < 0)
			return -1;
	}
	if (parse_flags(sc, word(&p), &sp->flags) < 0)
		return -1;
	char *range = word(&p);
	char *colon = strchr(range, ':'), *paren = strchr(range, '(');
	if (!colon || !paren || paren < colon || range[strlen(range) - 1] != ')')
		return FAIL(sc, "sequence range wants START:END(LEN), got '%s'", range);
	range[strlen(range) - 1] = 0;
	*colon = *paren = 0;
	if (!parse_u32(range, &sp->seq) || !parse_u32(colon + 1, &sp->end) ||
	    !parse_u32(paren + 1, &sp->len))
		return FAIL(sc, "bad sequence range");
	if (sp->end - sp->seq != sp->len)
		return FAIL(sc, "END - START != LEN");
	for (char *k = word(&p); *k; k = word(&p)) {
		uint32_t v;
		if (!parse_u32(word(&p), &v))
			return FAIL(sc, "bad value for '%s'", k);
		if (!strcmp(k, "ack")) {
			sp->has_ack = true;
			sp->ack = v;
		} else if (!strcmp(k, "win")) {
			if (v > 65535)
				return FAIL(sc, "win %u > 65535", v);
			sp->has_win = true;
			sp->win = (uint16_t)v;
		} else {
			return FAIL(sc, "unknown field '%s'", k);
		}
	}
	if ((sp->flags & RN_TCP_ACK) && !sp->has_ack)
		return FAIL(sc, "a segment with '.' needs 'ack N'");
	return 0;
}

/* --- the clock ------------------------------------------------------------ */

static int start_tcb(struct script *sc)
{
	if (sc->started)
		return 0;
	int r = rn_tcb_init(&sc->tcb, &sc->cfg, &sc->ep, (const uint8_t *)"rawnet-script-k", &sc->ops,
			    sc);
	if (r < 0)
		return FAIL(sc, "rn_tcb_init: %s", rn_strerror(r));
	sc->started = true;
	return 0;
}

/* Runs each timer due up to t at its own deadline; stops early once a
 * segment is waiting when stop_on_output. */
static int run_until(struct script *sc, uint64_t t, bool stop_on_output)
{
	for (unsigned guard = 0;; guard++) {
		if (guard > 100000)
			return FAIL(sc, "timers keep firing (a timer that never advances?)");
		if (stop_on_output && sc->next < sc->nout)
			return 0;
		uint64_t d = rn_tcb_next_timer(&sc->tcb);
		if (d > t)
			break;
		if (d > sc->now)
			sc->now = d;
		rn_tcb_timer(&sc->tcb, sc->now);
	}
	if (!stop_on_output && t > sc->now)
		sc->now = t;
	return 0;
}

static const char *flagstr(uint16_t f, char *buf)
{
	size_t n = 0;
	static const struct { uint16_t f; char c; } m[] = {
		{ RN_TCP_SYN, 'S' }, { RN_TCP_FIN, 'F' }, { RN_TCP_RST, 'R' }, { RN_TCP_PSH, 'P' },
		{ RN_TCP_URG, 'U' }, { RN_TCP_ECE, 'E' }, { RN_TCP_CWR, 'W' }, { RN_TCP_ACK, '.' },
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (f & m[i].f)
			buf[n++] = m[i].c;
	buf[n] = 0;
	return buf;
}

/* A recorded segment as a script line would write it. */
static void describe(const struct script *sc, const struct rec *r, char *buf, size_t cap)
{
	char fl[16];
	const struct rn_tcp_seg *s = &r->seg;
	uint32_t seq = s->hdr.seq - sc->tcb.iss;
	uint32_t len = (uint32_t)s->payload.len;
	int n = snprintf(buf, cap, "%.6f > %s %u:%u(%u)", (double)(r->at - T0) / 1e6,
			 flagstr(s->hdr.flags, fl), seq, seq + len, len);
	if (s->hdr.flags & RN_TCP_ACK)
		n += snprintf(buf + n, cap - (size_t)n, " ack %u", s->hdr.ack - sc->remote_isn);
	n += snprintf(buf + n, cap - (size_t)n, " win %u", s->hdr.window);
	const struct rn_tcp_opts *o = &s->opts;
	if (o->has_mss || o->has_wscale || o->sack_perm || o->has_ts || o->nsack) {
		n += snprintf(buf + n, cap - (size_t)n, " <");
		const char *sep = "";
		if (o->has_mss)
			n += snprintf(buf + n, cap - (size_t)n, "%smss %u", sep, o->mss), sep = ",";
		if (o->sack_perm)
			n += snprintf(buf + n, cap - (size_t)n, "%ssackOK", sep), sep = ",";
		if (o->has_ts)
			n += snprintf(buf + n, cap - (size_t)n, "%sTS val %u ecr %u", sep,
				      o->ts_val - sc->tcb.ts_offset, o->ts_ecr), sep = ",";
		if (o->has_wscale)
			n += snprintf(buf + n, cap - (size_t)n, "%swscale %u", sep, o->wscale), sep = ",";
		if (o->nsack) {
			n += snprintf(buf + n, cap - (size_t)n, "%ssack", sep);
			for (unsigned i = 0; i < o->nsack && (size_t)n < cap; i++)
				n += snprintf(buf + n, cap - (size_t)n, " %u:%u",
					      o->sack[i].left - sc->remote_isn,
					      o->sack[i].right - sc->remote_isn);
		}
		if ((size_t)n < cap)
			snprintf(buf + n, cap - (size_t)n, ">");
	}
}

/* Nothing sent that the script did not expect. */
static int no_pending(struct script *sc)
{
	if (sc->next < sc->nout) {
		char d[256];
		describe(sc, &sc->out[sc->next], d, sizeof d);
		return FAIL(sc, "unexpected segment sent: %s", d);
	}
	return 0;
}

/* --- events ----------------------------------------------------------------- */

static int ev_inbound(struct script *sc, char *p)
{
	struct segspec sp;
	if (parse_seg(sc, p, &sp) < 0)
		return -1;
	if (sp.len > MAXDATA)
		return FAIL(sc, "at most %d bytes per segment", MAXDATA);
	static uint8_t data[MAXDATA], back[MAXDATA];
	uint32_t dlen = sp.len; /* payload bytes, as packetdrill counts them */
	uint32_t first = sp.seq + !!(sp.flags & RN_TCP_SYN);
	for (uint32_t i = 0; i < dlen; i++)
		data[i] = rpat(first + i);
	struct rn_tcp_seg s;
	memset(&s, 0, sizeof s);
	s.hdr.sport = RPORT;
	s.hdr.dport = LPORT;
	s.hdr.flags = sp.flags;
	s.hdr.seq = sc->remote_isn + sp.seq;
	uint32_t iss = sc->cookie ? sc->cookie_iss : sc->tcb.iss;
	s.hdr.ack = sp.has_ack ? iss + sp.ack : 0;
	s.hdr.window = sp.has_win ? sp.win : 65535;
	if (sp.has_opts) {
		struct rn_tcp_opts o = sp.opts;
		for (unsigned i = 0; i < o.nsack; i++) {
			o.sack[i].left += iss;
			o.sack[i].right += iss;
		}
		int n = rn_tcp_opts_encode(&o, s.hdr.opts);
		if (n < 0)
			return FAIL(sc, "options do not fit in 40 bytes");
		s.hdr.opt_len = (uint8_t)n;
	}
	s.payload = rn_view_make(data, dlen);
	struct rn_tcp_seg wire;
	if (roundtrip(sc, &s, false, &wire, back) < 0)
		return FAIL(sc, "segment does not survive the wire format");
	if (sc->cookie && (sp.flags & RN_TCP_SYN) && !(sp.flags & RN_TCP_ACK)) {
		/* the SYN a SYN cookie answered: the machine never sees it */
		sc->cookie_syn = wire;
		sc->cookie_syn.payload = rn_view_make(NULL, 0);
		sc->cookie_have_syn = true;
		return 0;
	}
	int r;
	if (sc->cookie) {
		if (!sc->cookie_have_syn)
			return FAIL(sc, "syncookie: the SYN comes first");
		sc->cookie = false;
		r = rn_tcb_accept_cookie(&sc->tcb, sc->cookie_iss, &sc->cookie_syn, &wire, sc->now);
		if (r < 0)
			return FAIL(sc, "rn_tcb_accept_cookie: %s", rn_strerror(r));
		return 0;
	}
	r = rn_tcb_input(&sc->tcb, &wire, sc->now);
	if (r < 0)
		return FAIL(sc, "rn_tcb_input: %s", rn_strerror(r));
	return 0;
}

static int ev_outbound(struct script *sc, char *p, uint64_t t)
{
	struct segspec sp;
	if (parse_seg(sc, p, &sp) < 0)
		return -1;
	if (run_until(sc, t + sc->tol, true) < 0)
		return -1;
	if (sc->next >= sc->nout)
		return FAIL(sc, "expected a segment by %.6f, none was sent", (double)(t - T0) / 1e6);
	struct rec *r = &sc->out[sc->next++];
	const struct rn_tcp_seg *s = &r->seg;
	char d[256];
	describe(sc, r, d, sizeof d);
	uint32_t seq = s->hdr.seq - sc->tcb.iss;
	if (s->hdr.flags != sp.flags || seq != sp.seq || s->payload.len != sp.len)
		return FAIL(sc, "sent %s", d);
	if (sp.has_ack && s->hdr.ack - sc->remote_isn != sp.ack)
		return FAIL(sc, "wrong ack: sent %s", d);
	if (sp.has_win && s->hdr.window != sp.win)
		return FAIL(sc, "wrong window: sent %s", d);
	if (r->at + sc->tol < t || r->at > t + sc->tol)
		return FAIL(sc, "sent at the wrong time: %s", d);
	if (sp.has_opts) {
		const struct rn_tcp_opts *o = &s->opts, *w = &sp.opts;
		bool ok = o->has_mss == w->has_mss && (!o->has_mss || o->mss == w->mss) &&
			  o->has_wscale == w->has_wscale && (!o->has_wscale || o->wscale == w->wscale) &&
			  o->sack_perm == w->sack_perm && o->has_ts == w->has_ts &&
			  o->nsack == w->nsack;
		if (ok && o->has_ts) {
			if (!sp.ts_val_any && o->ts_val - sc->tcb.ts_offset != w->ts_val)
				ok = false;
			if (!sp.ts_ecr_any && o->ts_ecr != w->ts_ecr)
				ok = false;
		}
		for (unsigned i = 0; ok && i < o->nsack; i++)
			if (o->sack[i].left - sc->remote_isn != w->sack[i].left ||
			    o->sack[i].right - sc->remote_isn != w->sack[i].right)
				ok = false;
		if (!ok)
			return FAIL(sc, "wrong options: sent %s", d);
	}
	uint32_t first = seq + !!(s->hdr.flags & RN_TCP_SYN);
	for (size_t i = 0; i < s->payload.len; i++)
		if (s->payload.data[i] != lpat(first + (uint32_t)i))
			return FAIL(sc, "payload byte %zu is wrong: sent %s", i, d);
	return 0;
}

static const struct { const char *name; int value; } errnames[] = {
	{ "0", 0 }, { "EAGAIN", -EAGAIN }, { "ERESET", -RN_ERESET }, { "ETIMEOUT", -RN_ETIMEOUT },
	{ "ECLOSED", -RN_ECLOSED }, { "EINVAL", -RN_EINVAL },
};

static bool parse_result(const char *s, int64_t *v)
{
	for (size_t i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
		if (!strcmp(s, errnames[i].name)) {
			*v = errnames[i].value;
			return true;
		}
	return parse_i64(s, v);
}

static int ev_call(struct script *sc, char *p)
{
	char *name = word(&p);
	char *arg = NULL, *res = NULL;
	char *w = word(&p);
	if (*w && strcmp(w, "=")) {
		arg = w;
		w = word(&p);
	}
	if (!strcmp(w, "=")) {
		res = word(&p);
		if (!*res)
			return FAIL(sc, "'=' needs a result");
	} else if (*w) {
		return FAIL(sc, "junk after call: '%s'", w);
	}
	int64_t want = 0, got = 0;
	if (res && !parse_result(res, &want))
		return FAIL(sc, "bad result '%s'", res);
	uint32_t n = 0;
	bool takes_arg = !strcmp(name, "send") || !strcmp(name, "recv") || !strcmp(name, "refuse") ||
			 !strcmp(name, "syncookie");
	if (takes_arg != (arg != NULL))
		return FAIL(sc, "call %s %s", name, takes_arg ? "needs a byte count" : "takes no argument");
	if (arg && (!parse_u32(arg, &n) || n > (1u << 26)))
		return FAIL(sc, "bad count '%s'", arg);
	if (!strcmp(name, "connect")) {
		got = rn_tcb_connect(&sc->tcb, sc->now);
	} else if (!strcmp(name, "listen")) {
		got = rn_tcb_listen(&sc->tcb);
	} else if (!strcmp(name, "send")) {
		uint8_t *buf = malloc(n ? n : 1);
		if (!buf)
			return FAIL(sc, "out of memory");
		for (uint32_t i = 0; i < n; i++)
			buf[i] = lpat((uint32_t)(1 + sc->sent + i));
		got = rn_tcb_write(&sc->tcb, buf, n, sc->now);
		free(buf);
		if (got > 0)
			sc->sent += (uint64_t)got;
		if (!res)
			want = n; /* by default everything must be taken */
		res = res ? res : "";
	} else if (!strcmp(name, "recv")) {
		uint8_t *buf = malloc(n ? n : 1);
		if (!buf)
			return FAIL(sc, "out of memory");
		got = rn_tcb_read(&sc->tcb, buf, n, sc->now);
		for (int64_t i = 0; i < got; i++)
			if (buf[i] != rpat((uint32_t)(1 + sc->rcvd + (uint64_t)i))) {
				free(buf);
				return FAIL(sc, "recv: byte %" PRId64 " of the stream is wrong",
					    (int64_t)sc->rcvd + i);
			}
		free(buf);
		if (got > 0)
			sc->rcvd += (uint64_t)got;
	} else if (!strcmp(name, "shutdown")) {
		got = rn_tcb_shutdown(&sc->tcb, sc->now);
	} else if (!strcmp(name, "close")) {
		got = rn_tcb_close(&sc->tcb, sc->now);
	} else if (!strcmp(name, "abort")) {
		got = rn_tcb_abort(&sc->tcb, sc->now);
	} else if (!strcmp(name, "output")) {
		got = rn_tcb_output(&sc->tcb, sc->now);
	} else if (!strcmp(name, "syncookie")) {
		/* the next SYN was answered by a SYN cookie n; the next segment is its ACK */
		sc->cookie = true;
		sc->cookie_iss = n;
		return 0;
	} else if (!strcmp(name, "refuse")) {
		sc->refuse = n; /* the device refuses the next n segments */
		return 0;
	} else {
		return FAIL(sc, "unknown call '%s'", name);
	}
	if (res && got != want)
		return FAIL(sc, "call %s returned %" PRId64 ", expected %" PRId64, name, got, want);
	if (!res && got < 0)
		return FAIL(sc, "call %s failed: %s", name, rn_strerror((int)got));
	return 0;
}

static int state_by_name(const char *s)
{
	for (int i = RN_TCP_CLOSED; i <= RN_TCP_TIME_WAIT; i++)
		if (!strcmp(s, rn_tcp_state_name((enum rn_tcp_state)i)))
			return i;
	return -1;
}

static int ev_expect(struct script *sc, char *p)
{
	const struct rn_tcb *t = &sc->tcb;
	char *what = word(&p);
	char *a = word(&p);
	if (*skipws(p))
		return FAIL(sc, "junk after expect %s %s", what, a);
	if (!strcmp(what, "nothing"))
		return *a ? FAIL(sc, "expect nothing takes no argument") : 0;
	if (!strcmp(what, "state")) {
		int want = state_by_name(a);
		if (want < 0)
			return FAIL(sc, "no state '%s'", a);
		if ((int)t->state != want)
			return FAIL(sc, "state is %s, expected %s", rn_tcp_state_name(t->state), a);
		return 0;
	}
	if (!strcmp(what, "error")) {
		int64_t want;
		if (!parse_result(a, &want))
			return FAIL(sc, "bad error '%s'", a);
		if (rn_tcb_error(t) != want)
			return FAIL(sc, "error is %d (%s), expected %s", rn_tcb_error(t),
				    rn_strerror(rn_tcb_error(t)), a);
		return 0;
	}
	if (!strcmp(what, "poll")) {
		static const struct { const char *n; unsigned bit; } bits[] = {
			{ "READABLE", RN_TCB_READABLE }, { "WRITABLE", RN_TCB_WRITABLE },
			{ "EOF", RN_TCB_EOF }, { "CONNECTED", RN_TCB_CONNECTED },
			{ "SENT", RN_TCB_SENT }, { "CLOSED", RN_TCB_CLOSED }, { "ERROR", RN_TCB_ERROR },
		};
		unsigned m = rn_tcb_poll(t);
		for (char *b = strtok(a, ","); b; b = strtok(NULL, ",")) {
			bool neg = *b == '!';
			size_t i = 0;
			while (i < sizeof bits / sizeof bits[0] && strcmp(bits[i].n, b + neg))
				i++;
			if (i == sizeof bits / sizeof bits[0])
				return FAIL(sc, "no poll bit '%s'", b + neg);
			if (!!(m & bits[i].bit) == neg)
				return FAIL(sc, "poll bit %s is %s", bits[i].n, neg ? "set" : "clear");
		}
		return 0;
	}
	if (!strcmp(what, "timer")) {
		uint64_t d = rn_tcb_next_timer(t);
		if (!strcmp(a, "none"))
			return d == UINT64_MAX ? 0 : FAIL(sc, "a timer is armed for %.6f",
							    (double)(d - T0) / 1e6);
		uint64_t at;
		if (!parse_secs(a, &at))
			return FAIL(sc, "expect timer wants 'none' or a script time");
		if (d == UINT64_MAX || d + sc->tol < at + T0 || d > at + T0 + sc->tol)
			return FAIL(sc, "next timer at %.6f, expected %s",
				    d == UINT64_MAX ? -1.0 : (double)(d - T0) / 1e6, a);
		return 0;
	}
	if (!strcmp(what, "rto") || !strcmp(what, "srtt")) {
		uint64_t want, got = *what == 'r' ? rn_tcb_rto(t) : rn_tcb_srtt(t);
		if (!parse_secs(a, &want))
			return FAIL(sc, "expect %s wants seconds", what);
		if (got + sc->tol < want || got > want + sc->tol)
			return FAIL(sc, "%s is %.6f s, expected %s", what, (double)got / 1e6, a);
		return 0;
	}
	int64_t want;
	if (!parse_i64(a, &want))
		return FAIL(sc, "expect %s wants a number, got '%s'", what, a);
	const struct { const char *n; uint64_t v; } vals[] = {
		{ "readable", rn_tcb_readable(t) },
		{ "writable", rn_tcb_writable(t) },
		{ "cwnd", t->cc.cwnd },
		{ "ssthresh", t->cc.ssthresh },
		{ "snd_wnd", t->snd_wnd },
		{ "snd_wscale", t->snd_wscale },
		{ "rcv_wscale", t->rcv_wscale },
		{ "mss", t->snd_mss },
		{ "segs_in", t->stats.segs_in },
		{ "segs_out", t->stats.segs_out },
		{ "retransmits", t->stats.retransmits },
		{ "rtos", t->stats.rtos },
		{ "fast_recoveries", t->stats.fast_recoveries },
		{ "dupacks_in", t->stats.dupacks_in },
		{ "ooo_segs", t->stats.ooo_segs },
		{ "drops", t->stats.drops },
		{ "paws_drops", t->stats.paws_drops },
		{ "challenge_acks", t->stats.challenge_acks },
		{ "probes", t->stats.probes },
	};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
		if (!strcmp(vals[i].n, what)) {
			if ((int64_t)vals[i].v != want)
				return FAIL(sc, "%s is %" PRIu64 ", expected %" PRId64, what, vals[i].v,
					    want);
			return 0;
		}
	return FAIL(sc, "unknown expectation '%s'", what);
}

static int set_config(struct script *sc, char *p)
{
	struct rn_tcb_config *c = &sc->cfg;
	for (char *kv = word(&p); *kv; kv = word(&p)) {
		char *eq = strchr(kv, '=');
		if (!eq)
			return FAIL(sc, "config wants KEY=VALUE, got '%s'", kv);
		*eq = 0;
		const char *k = kv, *v = eq + 1;
		int64_t n = 0;
		uint64_t us = 0;
		static const char *const secs[] = { "rto_initial", "rto_min", "rto_max", "delack",
						    "time_wait", "fin_wait2", "connect_timeout",
						    "user_timeout", "tolerance" };
		bool is_secs = false;
		for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++)
			is_secs |= !strcmp(k, secs[i]);
		if (is_secs ? !parse_secs(v, &us) : !parse_i64(v, &n) || n < 0)
			return FAIL(sc, "bad value for %s", k);
		if (!strcmp(k, "mss")) c->mss = (uint16_t)n;
		else if (!strcmp(k, "sndbuf")) c->sndbuf_size = (uint32_t)n;
		else if (!strcmp(k, "rcvbuf")) c->rcvbuf_size = (uint32_t)n;
		else if (!strcmp(k, "wscale")) c->wscale = n;
		else if (!strcmp(k, "ts")) c->timestamps = n;
		else if (!strcmp(k, "sack")) c->sack = n;
		else if (!strcmp(k, "nodelay")) c->nodelay = n;
		else if (!strcmp(k, "cubic")) c->cc = n ? RN_TCB_CC_CUBIC : RN_TCB_CC_NEWRENO;
		else if (!strcmp(k, "initial_cwnd")) c->initial_cwnd = (uint32_t)n;
		else if (!strcmp(k, "syn_retries")) c->syn_retries = (unsigned)n;
		else if (!strcmp(k, "max_retries")) c->max_retries = (unsigned)n;
		else if (!strcmp(k, "challenge_ack_limit")) c->challenge_ack_limit = (unsigned)n;
		else if (!strcmp(k, "remote_isn")) sc->remote_isn = (uint32_t)n;
		else if (!strcmp(k, "family")) {
			if (n != 4 && n != 6)
				return FAIL(sc, "family=4 or family=6");
			sc->ep.family = n == 4 ? AF_INET : AF_INET6;
			if (n == 6) {
				memset(sc->ep.laddr, 0, 16);
				memset(sc->ep.raddr, 0, 16);
				memcpy(sc->ep.laddr, "\xfd\x77\0\0\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
				memcpy(sc->ep.raddr, "\xfd\x77\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
			}
		}
		else if (!strcmp(k, "rto_initial")) c->rto_initial_us = us;
		else if (!strcmp(k, "rto_min")) c->rto_min_us = us;
		else if (!strcmp(k, "rto_max")) c->rto_max_us = us;
		else if (!strcmp(k, "delack")) c->delack_us = us;
		else if (!strcmp(k, "time_wait")) c->time_wait_us = us;
		else if (!strcmp(k, "fin_wait2")) c->fin_wait2_us = us;
		else if (!strcmp(k, "connect_timeout")) c->connect_timeout_us = us;
		else if (!strcmp(k, "user_timeout")) c->user_timeout_us = us;
		else if (!strcmp(k, "tolerance")) sc->tol = us;
		else return FAIL(sc, "unknown config key '%s'", k);
	}
	return 0;
}

static int do_line(struct script *sc, char *line)
{
	char *p = skipws(line);
	char *c = strstr(p, "//");
	if (c)
		*c = 0;
	if (*p == '#' || !*p)
		return 0;
	size_t n = strlen(p);
	while (n && isspace((unsigned char)p[n - 1]))
		p[--n] = 0;
	if (!*p)
		return 0;
	if (!strncmp(p, "rfc ", 4)) {
		sc->have_rfc = true;
		return 0;
	}
	if (!strncmp(p, "config ", 7)) {
		if (sc->have_event)
			return FAIL(sc, "config after the first event");
		return set_config(sc, p + 7);
	}
	char *tw = word(&p);
	bool rel = *tw == '+';
	uint64_t t;
	if (!parse_secs(tw + rel, &t))
		return FAIL(sc, "a line starts with a time (+SECONDS or SECONDS), got '%s'", tw);
	t = rel ? sc->last_t + t : t;
	if (t < sc->last_t)
		return FAIL(sc, "time goes backwards");
	sc->last_t = t;
	sc->have_event = true;
	if (start_tcb(sc) < 0)
		return -1;
	uint64_t at = T0 + t;
	char *ev = word(&p);
	if (!strcmp(ev, ">"))
		return ev_outbound(sc, p, at);
	if (run_until(sc, at, false) < 0 || no_pending(sc) < 0)
		return -1;
	if (!strcmp(ev, "<"))
		return ev_inbound(sc, p);
	if (!strcmp(ev, "call"))
		return ev_call(sc, p);
	if (!strcmp(ev, "expect"))
		return ev_expect(sc, p);
	return FAIL(sc, "unknown event '%s' (<, >, call, expect)", ev);
}

/* Runs one script: 0, or -1 with sc->err and sc->line set. */
static int run_script(const char *path, char *err, size_t errlen)
{
	struct script *sc = calloc(1, sizeof *sc);
	FILE *f = fopen(path, "r");
	int rc = -1;
	if (!sc || !f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	sc->path = path;
	sc->out = calloc(MAXREC, sizeof *sc->out);
	if (!sc->out) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rn_tcb_config_default(&sc->cfg);
	sc->cfg.wscale = sc->cfg.timestamps = sc->cfg.sack = false;
	sc->cfg.sndbuf_size = sc->cfg.rcvbuf_size = 65535;
	sc->ep.family = AF_INET;
	memcpy(sc->ep.laddr, "\x0a\x4d\x00\x02", 4);
	memcpy(sc->ep.raddr, "\x0a\x4d\x00\x01", 4);
	sc->ep.lport = LPORT;
	sc->ep.rport = RPORT;
	sc->ops.output = s_output;
	sc->now = T0;
	sc->tol = 1000;
	sc->remote_isn = 1000000;
	char line[1024];
	rc = 0;
	while (fgets(line, sizeof line, f)) {
		sc->line++;
		if (do_line(sc, line) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && !sc->have_rfc)
		rc = FAIL(sc, "no 'rfc' line naming what the scenario checks");
	if (rc == 0 && !sc->have_event)
		rc = FAIL(sc, "no events");
	if (rc == 0 && no_pending(sc) < 0)
		rc = -1;
	if (rc < 0)
		snprintf(err, errlen, "%s:%d: %s", path, sc->line, sc->err);
out:
	if (f)
		fclose(f);
	if (sc) {
		if (sc->started)
			rn_tcb_destroy(&sc->tcb);
		if (sc->out)
			for (unsigned i = 0; i < sc->nout; i++)
				free(sc->out[i].data);
		free(sc->out);
		free(sc);
	}
	return rc;
}

/* --- cmocka ------------------------------------------------------------------ */

static void test_pass(void **state)
{
	char err[1024];
	if (run_script(*state, err, sizeof err) < 0)
		fail_msg("%s", err);
}

static void test_must_fail(void **state)
{
	char err[1024];
	if (run_script(*state, err, sizeof err) == 0)
		fail_msg("%s passed, but its expectations are wrong on purpose", (char *)*state);
	print_message("# fails as it should: %s\n", err);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t list_dir(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	size_t n = 0, cap = 0;
	*names = NULL;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".pkt"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(*names, cap * sizeof *nn);
			if (!nn)
				break;
			*names = nn;
		}
		char *path = malloc(strlen(dir) + l + 2);
		if (!path)
			break;
		sprintf(path, "%s/%s", dir, e->d_name);
		(*names)[n++] = path;
	}
	closedir(d);
	if (n)
		qsort(*names, n, sizeof **names, cmp);
	return n;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		int bad = 0;
		printf("1..%d\n", argc - 1);
		for (int i = 1; i < argc; i++) {
			char err[1024];
			if (run_script(argv[i], err, sizeof err) < 0) {
				printf("not ok %d - %s\n# %s\n", i, argv[i], err);
				bad = 1;
			} else {
				printf("ok %d - %s\n", i, argv[i]);
			}
		}
		return bad;
	}
	const char *dir = getenv("RN_TCP_SCRIPTS") ? getenv("RN_TCP_SCRIPTS") : "tests/tcp";
	char mf[4096];
	snprintf(mf, sizeof mf, "%s/must-fail", dir);
	char **pass, **fails;
	size_t np = list_dir(dir, &pass), nf = list_dir(mf, &fails);
	struct CMUnitTest *tests = calloc(np + nf + 1, sizeof *tests);
	if (!tests || np == 0 || nf == 0) {
		fprintf(stderr, "no scenarios in %s and %s\n", dir, mf);
		return 1;
	}
	for (size_t i = 0; i < np; i++)
		tests[i] = (struct CMUnitTest){ .name = pass[i] + strlen(dir) + 1,
						.test_func = test_pass, .initial_state = pass[i] };
	for (size_t i = 0; i < nf; i++)
		tests[np + i] = (struct CMUnitTest){ .name = fails[i] + strlen(dir) + 1,
						     .test_func = test_must_fail,
						     .initial_state = fails[i] };
	int rc = _cmocka_run_group_tests("tcp_script", tests, np + nf, NULL, NULL);
	for (size_t i = 0; i < np; i++)
		free(pass[i]);
	for (size_t i = 0; i < nf; i++)
		free(fails[i]);
	free(pass);
	free(fails);
	free(tests);
	return rc;
}
