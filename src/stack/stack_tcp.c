/* rn_tcp_*: connections of an rn_stack. Each wraps one pure TCP control
 * block (rawnet/tcb.h, RFC 9293) with its addresses, its next hop and,
 * when the host owns our address, a reserved port and an nftables rule. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rawnet/error.h"
#include "rawnet/netinfo.h"
#include "rawnet/nftrst.h"
#include "rawnet/stack.h"
#include "rawnet/tcp.h"
#include "stack/stack_int.h"

#define EPHEMERAL_LOW 32768      /* Linux's ip_local_port_range */
#define EPHEMERAL_HIGH 60999

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static const char *ntop(int family, const void *a, char *buf, size_t cap)
{
	if (!inet_ntop(family, a, buf, (socklen_t)cap))
		snprintf(buf, cap, "?");
	return buf;
}

static int send_now(struct rn_tcp_conn *c, const struct rn_tcp_seg *seg)
{
	int rc = rn_stack_send_segment(c->s, c->family, c->laddr, c->raddr, &c->dmac, seg);
	if (rc < 0)
		return rc;
	struct rn_stack_event ev = { .kind = RN_STACK_EV_SEG_OUT, .conn = c, .family = c->family,
				     .src = c->laddr, .dst = c->raddr, .seg = seg };
	rn_stack_emit(c->s, &ev);
	return 0;
}

void rn_conn_flush_ack(struct rn_tcp_conn *c)
{
	if (!c->ack_held)
		return;
	c->ack_held = false;
	if (send_now(c, &c->held_ack) < 0)
		c->output_blocked = true; /* the machine sends a newer one */
}

/* An ACK without data, SYN, FIN or RST: while a batch of frames is handled
 * it waits, and a later one that says everything it said replaces it (as
 * GRO makes the kernel's receiver ACK a run of segments once). */
static bool coalescible(const struct rn_tcp_seg *seg)
{
	return seg->payload.len == 0 && !(seg->hdr.flags & (RN_TCP_SYN | RN_TCP_FIN | RN_TCP_RST));
}

/* Does ACK b say all that ACK a said? A cumulative ACK without SACK blocks
 * is covered by any later ACK; with SACK blocks, b must acknowledge the same
 * byte, grow a's newest block (the run of segments after a hole) and repeat
 * a's other blocks. */
static bool supersedes(const struct rn_tcp_seg *a, const struct rn_tcp_seg *b)
{
	if (!a->opts.nsack) /* duplicate ACKs stay apart: without SACK they are all the sender has */
		return b->hdr.ack != a->hdr.ack || b->opts.nsack;
	if (b->hdr.ack != a->hdr.ack || b->opts.nsack < a->opts.nsack ||
	    b->opts.sack[0].left != a->opts.sack[0].left ||
	    rn_seq_lt(b->opts.sack[0].right, a->opts.sack[0].right))
		return false;
	for (unsigned i = 1; i < a->opts.nsack; i++)
		if (a->opts.sack[i].left != b->opts.sack[i].left ||
		    a->opts.sack[i].right != b->opts.sack[i].right)
			return false;
	return true;
}

static int conn_output(void *ctx, struct rn_tcb *tcb, const struct rn_tcp_seg *seg)
{
	struct rn_tcp_conn *c = ctx;
	(void)tcb;
	if (c->s->in_batch && coalescible(seg)) {
		if (c->ack_held && !supersedes(&c->held_ack, seg))
			rn_conn_flush_ack(c);
		c->held_ack = *seg;
		c->ack_held = true;
		return 0;
	}
	rn_conn_flush_ack(c);
	int rc = send_now(c, seg);
	if (rc < 0)
		c->output_blocked = true;
	return rc;
}

static void conn_state(void *ctx, struct rn_tcb *tcb, enum rn_tcp_state from, enum rn_tcp_state to)
{
	struct rn_tcp_conn *c = ctx;
	(void)tcb;
	struct rn_stack_event ev = { .kind = RN_STACK_EV_STATE, .conn = c, .from = from, .to = to };
	rn_stack_emit(c->s, &ev);
}

static const struct rn_tcb_ops conn_ops = { conn_output, conn_state };

/* The next hop is known: send the SYN. */
static void start(struct rn_tcp_conn *c, uint64_t now)
{
	c->resolving = false;
	c->started = true;
	rn_tcb_connect(&c->tcb, now);
}

void rn_conn_resolve(struct rn_tcp_conn *c, uint64_t now)
{
	struct rn_stack *s = c->s;
	char ip[INET6_ADDRSTRLEN], me[INET6_ADDRSTRLEN], mac[18];
	const char *how = c->family == AF_INET ? "ARP" : "ND";
	struct rn_mac m;
	if (rn_neigh_lookup(&s->neigh, c->family, c->nexthop, &m) == 0) {
		c->dmac = m;
		rn_stack_info(s, c, "%s: %s is at %s", how, ntop(c->family, c->nexthop, ip, sizeof ip),
			      rn_mac_format(&m, mac));
		start(c, now);
		return;
	}
	uint8_t frame[RN_NEIGH_FRAME_MAX];
	int rc = rn_neigh_solicit(&s->neigh, c->family, c->nexthop, now, frame, sizeof frame);
	if (rc > 0) {
		if (rn_stack_send_frame(s, frame, (size_t)rc) == 0)
			rn_stack_info(s, c, "%s: who has %s? tell %s", how,
				      ntop(c->family, c->nexthop, ip, sizeof ip),
				      ntop(c->family, c->laddr, me, sizeof me));
	} else if (rc < 0) {
		c->resolving = false;
		c->error = rc == -RN_ENOANSWER ? -RN_ENOANSWER : rc;
		rn_stack_info(s, c, "%s: no answer from %s", how,
			      ntop(c->family, c->nexthop, ip, sizeof ip));
	}
}

/* A kernel socket bound to our address and port keeps the kernel from
 * handing the port to one of its own connections. */
static int reserve_port(int family, const uint8_t *addr, uint16_t port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr, 4);
		len = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, addr, 16);
		len = sizeof *sin6;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int pick_port(struct rn_tcp_conn *c, uint16_t want)
{
	struct rn_stack *s = c->s;
	bool local = rn_stack_addr_is_local(s, c->family);
	for (int tries = 0; tries < 64; tries++) {
		uint16_t p = want;
		if (!p) {
			uint32_t r = 0;
			if (getrandom(&r, sizeof r, 0) != sizeof r)
				r = (uint32_t)rn_stack_now_us() * 2654435761u;
			p = (uint16_t)(EPHEMERAL_LOW + r % (EPHEMERAL_HIGH - EPHEMERAL_LOW + 1));
		}
		bool taken = false;
		for (struct rn_tcp_conn *o = s->conns; o; o = o->next)
			if (o->family == c->family && o->lport == p)
				taken = true;
		if (!taken && local) {
			int fd = reserve_port(c->family, c->laddr, p);
			if (fd >= 0)
				c->port_fd = fd;
			else if (fd == -EADDRINUSE)
				taken = true;
			else
				return fd;
		}
		if (!taken) {
			c->lport = p;
			return 0;
		}
		if (want)
			return -EADDRINUSE;
	}
	return -EADDRINUSE;
}

int rn_tcp_connect(struct rn_stack *s, int family, const void *dst, uint16_t dport,
		   uint16_t lport, struct rn_tcp_conn **out)
{
	if ((family == AF_INET && !s->has_ip4) || (family == AF_INET6 && !s->has_ip6) ||
	    (family != AF_INET && family != AF_INET6) || dport == 0)
		return -RN_EINVAL;
	struct rn_route r;
	/* (IPv6 finds no route to a local address with lo as the out-interface) */
	int rc = rn_route_get(family, dst, s->loopback ? 0 : s->ifindex, &r);
	if (rc < 0)
		return rc;
	/* This host itself: only over lo (the kernel loops our frames back to
	 * its own server, and its answers reach our socket the same way). */
	if (r.type == RTN_LOCAL && !s->loopback)
		return -RN_EUNSUP;
	if (r.type != RTN_UNICAST && r.type != RTN_LOCAL)
		return -ENETUNREACH;

	struct rn_tcp_conn *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->s = s;
	c->port_fd = -1;
	c->family = family;
	memcpy(c->laddr, family == AF_INET ? s->ip4 : s->ip6, alen(family));
	memcpy(c->raddr, dst, alen(family));
	memcpy(c->nexthop, r.nexthop, alen(family));
	c->rport = dport;
	rc = pick_port(c, lport);
	if (rc < 0) {
		free(c);
		return rc;
	}

	struct rn_tcb_config cfg = s->cfg;
	uint16_t mss = rn_tcp_mss_for_mtu(s->mtu, family);
	if (!s->cfg_mss_set || cfg.mss > mss)
		cfg.mss = mss;
	struct rn_tcb_endpoints ep = { .family = family, .lport = c->lport, .rport = dport };
	memcpy(ep.laddr, c->laddr, alen(family));
	memcpy(ep.raddr, c->raddr, alen(family));
	rc = rn_tcb_init(&c->tcb, &cfg, &ep, s->secret, &conn_ops, c);
	if (rc < 0) {
		if (c->port_fd >= 0)
			close(c->port_fd);
		free(c);
		return rc;
	}

	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	if (rn_stack_addr_is_local(s, family) && s->firewall == RN_STACK_FW_AUTO) {
		char err[256];
		rc = rn_nftrst_add(&c->fw, family, c->laddr, c->lport, c->raddr, dport, err,
				   sizeof err);
		if (rc < 0) {
			rn_stack_info(s, NULL, "nft: %s", err);
			rn_tcb_destroy(&c->tcb);
			if (c->port_fd >= 0)
				close(c->port_fd);
			free(c);
			return rc;
		}
		rn_stack_info(s, c,
			      "%s is this host's address: nftables table inet %s drops the "
			      "kernel's RSTs for %s:%u > %s:%u until we are done",
			      ntop(family, c->laddr, a, sizeof a), c->fw.table, a, c->lport,
			      ntop(family, c->raddr, b, sizeof b), dport);
	}

	c->next = s->conns;
	s->conns = c;
	uint64_t now = rn_stack_now_us();
	struct rn_mac m;
	if (rn_neigh_lookup(&s->neigh, family, c->nexthop, &m) == -RN_ENOANSWER)
		rn_neigh_forget(&s->neigh, family, c->nexthop); /* a new try */
	if (!s->needs_neigh) {
		start(c, now);
	} else {
		c->resolving = true;
		rn_conn_resolve(c, now);
	}
	rn_stack_rearm(s);
	*out = c;
	return 0;
}

ssize_t rn_tcp_send(struct rn_tcp_conn *c, const void *buf, size_t len)
{
	if (c->error)
		return c->error;
	if (!c->started)
		return 0;
	ssize_t n = rn_tcb_write(&c->tcb, buf, len, rn_stack_now_us());
	rn_stack_rearm(c->s);
	return n;
}

ssize_t rn_tcp_recv(struct rn_tcp_conn *c, void *buf, size_t len)
{
	if (c->error)
		return c->error;
	if (!c->started)
		return -EAGAIN;
	ssize_t n = rn_tcb_read(&c->tcb, buf, len, rn_stack_now_us());
	rn_stack_rearm(c->s);
	return n;
}

int rn_tcp_shutdown(struct rn_tcp_conn *c)
{
	if (c->error)
		return c->error;
	if (!c->started)
		return -EAGAIN;
	int rc = rn_tcb_shutdown(&c->tcb, rn_stack_now_us());
	rn_stack_rearm(c->s);
	return rc;
}

int rn_tcp_close(struct rn_tcp_conn *c)
{
	if (c->error)
		return c->error;
	if (!c->started) {
		/* nothing was sent yet: just stop */
		c->resolving = false;
		c->error = -RN_ECLOSED;
		return 0;
	}
	int rc = rn_tcb_close(&c->tcb, rn_stack_now_us());
	rn_stack_rearm(c->s);
	return rc;
}

int rn_tcp_abort(struct rn_tcp_conn *c)
{
	if (!c->started) {
		c->resolving = false;
		if (!c->error)
			c->error = -RN_ECLOSED;
		return 0;
	}
	int rc = rn_tcb_abort(&c->tcb, rn_stack_now_us());
	rn_stack_rearm(c->s);
	return rc;
}

unsigned rn_tcp_poll(const struct rn_tcp_conn *c)
{
	if (c->error)
		return RN_TCB_CLOSED | (c->error == -RN_ECLOSED ? 0 : RN_TCB_ERROR);
	if (!c->started)
		return 0;
	return rn_tcb_poll(&c->tcb);
}

int rn_tcp_error(const struct rn_tcp_conn *c)
{
	if (c->error && c->error != -RN_ECLOSED)
		return c->error;
	return c->started ? rn_tcb_error(&c->tcb) : 0;
}

enum rn_tcp_state rn_tcp_state(const struct rn_tcp_conn *c)
{
	return c->started ? rn_tcb_state(&c->tcb) : RN_TCP_CLOSED;
}

const struct rn_tcb *rn_tcp_tcb(const struct rn_tcp_conn *c)
{
	return &c->tcb;
}

uint16_t rn_tcp_local_port(const struct rn_tcp_conn *c)
{
	return c->lport;
}

const char *rn_tcp_firewall_table(const struct rn_tcp_conn *c)
{
	return c->fw.installed ? c->fw.table : "";
}

void rn_tcp_free(struct rn_tcp_conn *c)
{
	if (!c)
		return;
	struct rn_stack *s = c->s;
	if (c->started) {
		enum rn_tcp_state st = rn_tcb_state(&c->tcb);
		if (st != RN_TCP_CLOSED && st != RN_TCP_TIME_WAIT)
			rn_tcb_abort(&c->tcb, rn_stack_now_us());
	}
	rn_tcb_destroy(&c->tcb);
	rn_nftrst_remove(&c->fw);
	if (c->port_fd >= 0)
		close(c->port_fd);
	for (struct rn_tcp_conn **p = &s->conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	free(c);
	rn_stack_rearm(s);
}
