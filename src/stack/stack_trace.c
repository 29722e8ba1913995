/* One line of text per stack event, for --trace: segments in the style of
 * tcpdump -n -S (flags, absolute sequence numbers, raw window, options as
 * <mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>), state changes as RFC 9293
 * names them. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/stack.h"
#include "rawnet/tcp.h"

struct line {
	char *buf;
	size_t cap, len;
};

static void add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct line *l, const char *fmt, ...)
{
	if (l->len + 1 >= l->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->buf + l->len, l->cap - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len = l->len + (size_t)n < l->cap ? l->len + (size_t)n : l->cap - 1;
}

static void endpoint(struct line *l, int family, const uint8_t *addr, uint16_t port)
{
	char a[INET6_ADDRSTRLEN];
	if (!inet_ntop(family, addr, a, sizeof a))
		strcpy(a, "?");
	if (family == AF_INET6)
		add(l, "[%s]:%u", a, port);
	else
		add(l, "%s:%u", a, port);
}

/* tcpdump's flag letters, in bit order, ACK as '.'. */
static void flags(struct line *l, uint16_t f)
{
	static const struct { uint16_t bit; char c; } names[] = {
		{ RN_TCP_FIN, 'F' }, { RN_TCP_SYN, 'S' }, { RN_TCP_RST, 'R' }, { RN_TCP_PSH, 'P' },
		{ RN_TCP_ACK, '.' }, { RN_TCP_URG, 'U' }, { RN_TCP_ECE, 'E' }, { RN_TCP_CWR, 'W' },
		{ RN_TCP_AE, 'e' },
	};
	char s[16];
	size_t n = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (f & names[i].bit)
			s[n++] = names[i].c;
	if (!n)
		s[n++] = 'n'; /* tcpdump's "none" */
	s[n] = '\0';
	add(l, "Flags [%s]", s);
}

static void options(struct line *l, const struct rn_tcp *h)
{
	struct rn_view cur = rn_view_make(h->opts, h->opt_len);
	struct rn_tcp_opt o;
	bool first = true;
	int rc;
	while ((rc = rn_tcp_opt_next(&cur, &o)) == 1) {
		add(l, first ? "  <" : ",");
		first = false;
		switch (o.kind) {
		case RN_TCPOPT_NOP:
			add(l, "nop");
			break;
		case RN_TCPOPT_MSS:
			add(l, "mss %u", rn_view_be16(o.data, 0));
			break;
		case RN_TCPOPT_WSCALE:
			add(l, "wscale %u", rn_view_u8(o.data, 0));
			break;
		case RN_TCPOPT_SACK_PERM:
			add(l, "sackOK");
			break;
		case RN_TCPOPT_TIMESTAMP:
			add(l, "TS val %u ecr %u", rn_view_be32(o.data, 0), rn_view_be32(o.data, 4));
			break;
		case RN_TCPOPT_SACK:
			add(l, "sack %zu", o.data.len / 8);
			for (size_t i = 0; i + 8 <= o.data.len; i += 8)
				add(l, " {%u:%u}", rn_view_be32(o.data, i), rn_view_be32(o.data, i + 4));
			break;
		default:
			add(l, "opt-%u", o.kind);
			break;
		}
	}
	if (rc < 0)
		add(l, first ? "  <[bad opts]" : ",[bad opts]");
	if (!first || rc < 0)
		add(l, ">");
}

int rn_stack_event_format(const struct rn_stack_event *ev, char *buf, size_t cap)
{
	struct line l = { buf, cap, 0 };
	if (!cap)
		return 0;
	buf[0] = '\0';
	switch (ev->kind) {
	case RN_STACK_EV_SEG_IN:
	case RN_STACK_EV_SEG_OUT: {
		const struct rn_tcp *h = &ev->seg->hdr;
		endpoint(&l, ev->family, ev->src, h->sport);
		add(&l, " > ");
		endpoint(&l, ev->family, ev->dst, h->dport);
		add(&l, "  ");
		flags(&l, h->flags);
		add(&l, "  seq %u", h->seq);
		if (h->flags & RN_TCP_ACK)
			add(&l, "  ack %u", h->ack);
		add(&l, "  win %u  len %zu", h->window, ev->seg->payload.len);
		options(&l, h);
		break;
	}
	case RN_STACK_EV_STATE:
		add(&l, "%s -> %s", rn_tcp_state_name(ev->from), rn_tcp_state_name(ev->to));
		break;
	case RN_STACK_EV_INFO:
		add(&l, "%s", ev->text ? ev->text : "");
		break;
	}
	return (int)l.len;
}
