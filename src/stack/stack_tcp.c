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
#include "stack/tcp_int.h"

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

/* --- the connection table, the timer heap, the ready list ---------------- */

static size_t bucket(const struct rn_stack *s, int family, const uint8_t *raddr, uint16_t rport,
		     uint16_t lport)
{
	uint8_t key[21];
	size_t n = alen(family);
	memcpy(key, raddr, n);
	key[n] = (uint8_t)(rport >> 8);
	key[n + 1] = (uint8_t)rport;
	key[n + 2] = (uint8_t)(lport >> 8);
	key[n + 3] = (uint8_t)lport;
	key[n + 4] = (uint8_t)family;
	/* keyed, so that a peer cannot aim its ports at one bucket */
	return (size_t)rn_tcp_siphash(s->secret, key, n + 5) & (RN_CONN_HASH - 1);
}

struct rn_tcp_conn *rn_conn_lookup(struct rn_stack *s, int family, const uint8_t *raddr,
				   uint16_t rport, uint16_t lport)
{
	for (struct rn_tcp_conn *c = s->hash[bucket(s, family, raddr, rport, lport)]; c; c = c->hnext)
		if (c->family == family && c->lport == lport && c->rport == rport &&
		    !memcmp(c->raddr, raddr, alen(family)))
			return c;
	return NULL;
}

static void heap_swap(struct rn_stack *s, size_t a, size_t b)
{
	struct rn_tcp_conn *t = s->heap[a];
	s->heap[a] = s->heap[b];
	s->heap[b] = t;
	s->heap[a]->heap_idx = a;
	s->heap[b]->heap_idx = b;
}

static void heap_up(struct rn_stack *s, size_t i)
{
	while (i && s->heap[(i - 1) / 2]->heap_key > s->heap[i]->heap_key) {
		heap_swap(s, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct rn_stack *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < s->heap_len && s->heap[l]->heap_key < s->heap[m]->heap_key)
			m = l;
		if (r < s->heap_len && s->heap[r]->heap_key < s->heap[m]->heap_key)
			m = r;
		if (m == i)
			return;
		heap_swap(s, i, m);
		i = m;
	}
}

static void heap_remove(struct rn_tcp_conn *c)
{
	struct rn_stack *s = c->s;
	size_t i = c->heap_idx;
	if (i == RN_NO_HEAP)
		return;
	c->heap_idx = RN_NO_HEAP;
	size_t last = --s->heap_len;
	if (i != last) {
		s->heap[i] = s->heap[last];
		s->heap[i]->heap_idx = i;
		heap_down(s, i);
		heap_up(s, i);
	}
}

/* Room for every connection is made when it is linked: this never fails. */
static void heap_set(struct rn_tcp_conn *c, uint64_t key)
{
	struct rn_stack *s = c->s;
	if (key == UINT64_MAX) {
		heap_remove(c);
		return;
	}
	if (c->heap_idx == RN_NO_HEAP) {
		c->heap_idx = s->heap_len++;
		s->heap[c->heap_idx] = c;
		c->heap_key = key;
		heap_up(s, c->heap_idx);
		return;
	}
	uint64_t old = c->heap_key;
	c->heap_key = key;
	if (key < old)
		heap_up(s, c->heap_idx);
	else if (key > old)
		heap_down(s, c->heap_idx);
}

uint64_t rn_conn_next_deadline(const struct rn_stack *s)
{
	return s->heap_len ? s->heap[0]->heap_key : UINT64_MAX;
}

static void ready_push(struct rn_tcp_conn *c)
{
	struct rn_stack *s = c->s;
	if (c->ready)
		return;
	c->ready = true;
	c->rnext = NULL;
	c->rprev = s->ready_tail;
	if (s->ready_tail)
		s->ready_tail->rnext = c;
	else
		s->ready_head = c;
	s->ready_tail = c;
}

static void ready_remove(struct rn_tcp_conn *c)
{
	struct rn_stack *s = c->s;
	if (!c->ready)
		return;
	c->ready = false;
	if (c->rprev)
		c->rprev->rnext = c->rnext;
	else
		s->ready_head = c->rnext;
	if (c->rnext)
		c->rnext->rprev = c->rprev;
	else
		s->ready_tail = c->rprev;
	c->rnext = c->rprev = NULL;
}

struct rn_tcp_conn *rn_stack_next_ready(struct rn_stack *s)
{
	struct rn_tcp_conn *c = s->ready_head;
	if (c)
		ready_remove(c);
	return c;
}

size_t rn_stack_conn_count(const struct rn_stack *s)
{
	return s->nconns;
}

/* Into the list, the table and (room for) the heap. */
static int link_conn(struct rn_tcp_conn *c)
{
	struct rn_stack *s = c->s;
	if (s->heap_cap < s->nconns + 1) {
		size_t cap = s->heap_cap ? s->heap_cap * 2 : 64;
		struct rn_tcp_conn **h = realloc(s->heap, cap * sizeof *h);
		if (!h)
			return -ENOMEM;
		s->heap = h;
		s->heap_cap = cap;
	}
	c->heap_idx = RN_NO_HEAP;
	c->prev = NULL;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	size_t b = bucket(s, c->family, c->raddr, c->rport, c->lport);
	c->hnext = s->hash[b];
	s->hash[b] = c;
	s->nconns++;
	return 0;
}

static void unlink_conn(struct rn_tcp_conn *c)
{
	struct rn_stack *s = c->s;
	if (c->prev)
		c->prev->next = c->next;
	else if (s->conns == c)
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	for (struct rn_tcp_conn **p = &s->hash[bucket(s, c->family, c->raddr, c->rport, c->lport)];
	     *p; p = &(*p)->hnext)
		if (*p == c) {
			*p = c->hnext;
			break;
		}
	heap_remove(c);
	ready_remove(c);
	if (c->held) {
		for (size_t i = 0; i < s->held_len; i++)
			if (s->held[i] == c) {
				s->held[i] = s->held[--s->held_len];
				break;
			}
		c->held = false;
	}
	if (c->resolving) {
		c->resolving = false;
		s->nresolving--;
	}
	s->nconns--;
}

static void set_resolving(struct rn_tcp_conn *c, bool on)
{
	if (c->resolving == on)
		return;
	c->resolving = on;
	if (on)
		c->s->nresolving++;
	else
		c->s->nresolving--;
}

static uint64_t conn_deadline(const struct rn_tcp_conn *c)
{
	if (!c->started)
		return UINT64_MAX; /* resolving: the neighbour cache's timer */
	if (c->output_blocked)
		return 1; /* retry at once */
	return rn_tcb_next_timer(&c->tcb);
}

static void listener_unqueue(struct rn_tcp_conn *c);
static void conn_destroy(struct rn_tcp_conn *c);

void rn_conn_changed(struct rn_tcp_conn *c, bool event)
{
	struct rn_tcp_listener *l = c->listener;
	if (l && !c->queued) {
		enum rn_tcp_state st = rn_tcb_state(&c->tcb);
		if (st == RN_TCP_LISTEN || st == RN_TCP_CLOSED) {
			conn_destroy(c); /* the handshake failed: forget it */
			return;
		}
		if (rn_tcb_poll(&c->tcb) & RN_TCB_CONNECTED) {
			l->nembryonic--;
			l->nqueued++;
			c->queued = true;
			c->qnext = NULL;
			if (l->qtail)
				l->qtail->qnext = c;
			else
				l->qhead = c;
			l->qtail = c;
		}
	}
	heap_set(c, conn_deadline(c));
	if (event && !c->listener)
		ready_push(c);
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

static int grow_held(struct rn_stack *s)
{
	size_t cap = s->held_cap ? s->held_cap * 2 : 64;
	struct rn_tcp_conn **h = realloc(s->held, cap * sizeof *h);
	if (!h)
		return -ENOMEM;
	s->held = h;
	s->held_cap = cap;
	return 0;
}

static int conn_output(void *ctx, struct rn_tcb *tcb, const struct rn_tcp_seg *seg)
{
	struct rn_tcp_conn *c = ctx;
	(void)tcb;
	struct rn_stack *s = c->s;
	if (s->in_batch && coalescible(seg) &&
	    (c->held || s->held_len < s->held_cap || grow_held(s) == 0)) {
		if (c->ack_held && !supersedes(&c->held_ack, seg))
			rn_conn_flush_ack(c);
		c->held_ack = *seg;
		c->ack_held = true;
		if (!c->held) {
			c->held = true;
			s->held[s->held_len++] = c;
		}
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
	set_resolving(c, false);
	c->started = true;
	rn_tcb_connect(&c->tcb, now);
	rn_conn_changed(c, true);
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
		set_resolving(c, false);
		c->error = rc == -RN_ENOANSWER ? -RN_ENOANSWER : rc;
		ready_push(c);
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
		for (struct rn_tcp_conn *o = s->conns; o && !taken; o = o->next)
			if (o->family == c->family && o->lport == p)
				taken = true;
		for (struct rn_tcp_listener *l = s->listeners; l && !taken; l = l->next)
			if (l->family == c->family && l->port == p)
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

	rc = link_conn(c);
	if (rc < 0) {
		rn_tcb_destroy(&c->tcb);
		rn_nftrst_remove(&c->fw);
		if (c->port_fd >= 0)
			close(c->port_fd);
		free(c);
		return rc;
	}
	uint64_t now = rn_stack_now_us();
	struct rn_mac m;
	if (rn_neigh_lookup(&s->neigh, family, c->nexthop, &m) == -RN_ENOANSWER)
		rn_neigh_forget(&s->neigh, family, c->nexthop); /* a new try */
	if (!s->needs_neigh) {
		start(c, now);
	} else {
		set_resolving(c, true);
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
	rn_conn_changed(c, false);
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
	rn_conn_changed(c, false);
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
	rn_conn_changed(c, false);
	rn_stack_rearm(c->s);
	return rc;
}

int rn_tcp_close(struct rn_tcp_conn *c)
{
	if (c->error)
		return c->error;
	if (!c->started) {
		/* nothing was sent yet: just stop */
		set_resolving(c, false);
		c->error = -RN_ECLOSED;
		return 0;
	}
	int rc = rn_tcb_close(&c->tcb, rn_stack_now_us());
	rn_conn_changed(c, false);
	rn_stack_rearm(c->s);
	return rc;
}

int rn_tcp_abort(struct rn_tcp_conn *c)
{
	if (!c->started) {
		set_resolving(c, false);
		if (!c->error)
			c->error = -RN_ECLOSED;
		return 0;
	}
	int rc = rn_tcb_abort(&c->tcb, rn_stack_now_us());
	rn_conn_changed(c, false);
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

void rn_tcp_peer(const struct rn_tcp_conn *c, int *family, uint8_t addr[16], uint16_t *port)
{
	if (family)
		*family = c->family;
	if (addr)
		memcpy(addr, c->raddr, alen(c->family));
	if (port)
		*port = c->rport;
}

void rn_tcp_set_user(struct rn_tcp_conn *c, void *user)
{
	c->user = user;
}

void *rn_tcp_user(const struct rn_tcp_conn *c)
{
	return c->user;
}

/* Frees c, resetting it first when it is still open. */
static void conn_destroy(struct rn_tcp_conn *c)
{
	struct rn_stack *s = c->s;
	if (c->started) {
		enum rn_tcp_state st = rn_tcb_state(&c->tcb);
		if (st != RN_TCP_CLOSED && st != RN_TCP_TIME_WAIT && st != RN_TCP_LISTEN)
			rn_tcb_abort(&c->tcb, rn_stack_now_us());
	}
	if (c->listener)
		listener_unqueue(c);
	rn_conn_flush_ack(c);
	unlink_conn(c);
	rn_tcb_destroy(&c->tcb);
	rn_nftrst_remove(&c->fw);
	if (c->port_fd >= 0)
		close(c->port_fd);
	free(c);
	rn_stack_rearm(s);
}

void rn_tcp_free(struct rn_tcp_conn *c)
{
	if (c)
		conn_destroy(c);
}

/* --- listeners (RFC 9293 §3.10.1 passive OPEN, RFC 4987 SYN cookies) ----- */

static void listener_unqueue(struct rn_tcp_conn *c)
{
	struct rn_tcp_listener *l = c->listener;
	if (!c->queued) {
		l->nembryonic--;
	} else {
		struct rn_tcp_conn *prev = NULL;
		for (struct rn_tcp_conn *q = l->qhead; q; prev = q, q = q->qnext)
			if (q == c) {
				if (prev)
					prev->qnext = q->qnext;
				else
					l->qhead = q->qnext;
				if (l->qtail == q)
					l->qtail = prev;
				break;
			}
		l->nqueued--;
	}
	c->listener = NULL;
	c->queued = false;
}

static struct rn_tcp_listener *find_listener(struct rn_stack *s, int family, uint16_t port)
{
	for (struct rn_tcp_listener *l = s->listeners; l; l = l->next)
		if (l->family == family && l->port == port)
			return l;
	return NULL;
}

int rn_tcp_listen(struct rn_stack *s, int family, uint16_t port, unsigned backlog,
		  bool syncookies, struct rn_tcp_listener **out)
{
	if ((family == AF_INET && !s->has_ip4) || (family == AF_INET6 && !s->has_ip6) ||
	    (family != AF_INET && family != AF_INET6) || port == 0 || backlog == 0)
		return -RN_EINVAL;
	if (find_listener(s, family, port))
		return -EADDRINUSE;
	for (struct rn_tcp_conn *o = s->conns; o; o = o->next)
		if (o->family == family && o->lport == port)
			return -EADDRINUSE;
	struct rn_tcp_listener *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	l->s = s;
	l->family = family;
	l->port = port;
	l->backlog = backlog;
	l->syncookies = syncookies;
	l->port_fd = -1;
	const uint8_t *me = family == AF_INET ? s->ip4 : s->ip6;
	if (rn_stack_addr_is_local(s, family)) {
		int fd = reserve_port(family, me, port);
		if (fd < 0) {
			free(l);
			return fd;
		}
		l->port_fd = fd;
		if (s->firewall == RN_STACK_FW_AUTO) {
			char err[256], a[INET6_ADDRSTRLEN];
			int rc = rn_nftrst_add(&l->fw, family, me, port, NULL, 0, err, sizeof err);
			if (rc < 0) {
				rn_stack_info(s, NULL, "nft: %s", err);
				close(l->port_fd);
				free(l);
				return rc;
			}
			rn_stack_info(s, NULL,
				      "%s is this host's address: nftables table inet %s drops the "
				      "kernel's RSTs from port %u until the stack closes",
				      ntop(family, me, a, sizeof a), l->fw.table, port);
		}
	}
	l->next = s->listeners;
	s->listeners = l;
	*out = l;
	return 0;
}

int rn_tcp_accept(struct rn_tcp_listener *l, struct rn_tcp_conn **out)
{
	struct rn_tcp_conn *c = l->qhead;
	if (!c)
		return -EAGAIN;
	listener_unqueue(c);
	l->st.accepted++;
	ready_push(c); /* it may hold data or a FIN already */
	*out = c;
	return 0;
}

unsigned rn_tcp_listener_pending(const struct rn_tcp_listener *l)
{
	return l->nqueued;
}

void rn_tcp_listener_stats(const struct rn_tcp_listener *l, struct rn_tcp_listener_stats *st)
{
	*st = l->st;
}

void rn_tcp_listener_close(struct rn_tcp_listener *l)
{
	if (!l)
		return;
	struct rn_stack *s = l->s;
	for (struct rn_tcp_conn *c = s->conns, *n; c; c = n) {
		n = c->next;
		if (c->listener == l)
			conn_destroy(c);
	}
	/* Accepted connections on the port still need the rule and the port. */
	bool in_use = false;
	for (struct rn_tcp_conn *c = s->conns; c && !in_use; c = c->next)
		in_use = c->family == l->family && c->lport == l->port;
	struct rn_kept *k = NULL;
	if (in_use && (l->fw.installed || l->port_fd >= 0) &&
	    (k = realloc(s->kept, (s->nkept + 1) * sizeof *s->kept))) {
		s->kept = k;
		s->kept[s->nkept].fw = l->fw;
		s->kept[s->nkept].port_fd = l->port_fd;
		s->nkept++;
	} else {
		rn_nftrst_remove(&l->fw);
		if (l->port_fd >= 0)
			close(l->port_fd);
	}
	for (struct rn_tcp_listener **p = &s->listeners; *p; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			break;
		}
	free(l);
}

/* SYN cookies (RFC 4987 §3.6): ISN = 5 bits of a 64-second counter, 3 bits
 * of MSS index, 24 bits of a keyed hash of the 4-tuple, the peer's ISN, the
 * counter and the index. Valid for the counter's current and last value. */
static const uint16_t cookie_mss[8] = { 536, 1220, 1300, 1360, 1400, 1440, 1452, 1460 };
#define COOKIE_PERIOD_US (64ULL * 1000000)

static uint32_t cookie_make(const struct rn_stack *s, int family, const uint8_t *raddr,
			    uint16_t rport, uint16_t lport, uint32_t peer_isn, unsigned count,
			    unsigned idx)
{
	uint8_t m[32];
	size_t n = alen(family);
	m[0] = 'C';
	memcpy(m + 1, raddr, n);
	n++;
	const uint32_t w[] = { (uint32_t)rport << 16 | lport, peer_isn, count << 8 | idx };
	for (size_t i = 0; i < 3; i++)
		for (int k = 3; k >= 0; k--)
			m[n++] = (uint8_t)(w[i] >> (8 * k));
	uint32_t h = (uint32_t)rn_tcp_siphash(s->secret, m, n);
	return (count & 31u) << 27 | (idx & 7u) << 24 | (h & 0xffffffu);
}

static void send_cookie(struct rn_tcp_listener *l, const uint8_t *src, const struct rn_mac *smac,
			const struct rn_tcp_seg *syn, uint64_t now)
{
	struct rn_stack *s = l->s;
	uint16_t ours = rn_tcp_mss_for_mtu(s->mtu, l->family);
	if (s->cfg_mss_set && s->cfg.mss < ours)
		ours = s->cfg.mss;
	uint16_t peer = syn->opts.has_mss ? syn->opts.mss : (l->family == AF_INET6 ? 1220 : 536);
	unsigned idx = 0;
	for (unsigned i = 0; i < 8; i++)
		if (cookie_mss[i] <= peer && cookie_mss[i] <= ours)
			idx = i;
	unsigned count = (unsigned)(now / COOKIE_PERIOD_US);
	struct rn_tcp_seg sa;
	memset(&sa, 0, sizeof sa);
	sa.hdr.sport = l->port;
	sa.hdr.dport = syn->hdr.sport;
	sa.hdr.seq = cookie_make(s, l->family, src, syn->hdr.sport, l->port, syn->hdr.seq, count, idx);
	sa.hdr.ack = syn->hdr.seq + 1;
	sa.hdr.flags = RN_TCP_SYN | RN_TCP_ACK;
	sa.hdr.window = (uint16_t)(s->cfg.rcvbuf_size > 65535 ? 65535 : s->cfg.rcvbuf_size);
	sa.opts.has_mss = true;
	sa.opts.mss = cookie_mss[idx];
	int n = rn_tcp_opts_encode(&sa.opts, sa.hdr.opts);
	sa.hdr.opt_len = (uint8_t)(n > 0 ? n : 0);
	sa.payload = rn_view_make(NULL, 0);
	const uint8_t *me = l->family == AF_INET ? s->ip4 : s->ip6;
	struct rn_stack_event ev = { .kind = RN_STACK_EV_SEG_OUT, .family = l->family, .src = me,
				     .dst = src, .seg = &sa };
	rn_stack_emit(s, &ev);
	if (rn_stack_send_segment(s, l->family, me, src, smac, &sa) == 0)
		l->st.cookies_sent++;
}

/* The MSS a returning cookie encodes, or 0 when it is not ours. */
static uint16_t cookie_check(const struct rn_tcp_listener *l, const uint8_t *src,
			     const struct rn_tcp_seg *ack, uint64_t now)
{
	uint32_t cookie = ack->hdr.ack - 1;
	unsigned count = cookie >> 27, idx = (cookie >> 24) & 7;
	unsigned cur = (unsigned)(now / COOKIE_PERIOD_US);
	unsigned age = (cur - count) & 31u;
	if (age > 1)
		return 0;
	unsigned full = cur - age;
	if (cookie_make(l->s, l->family, src, ack->hdr.sport, l->port, ack->hdr.seq - 1, full, idx) !=
	    cookie)
		return 0;
	return cookie_mss[idx];
}

/* A connection of listener l for a segment from src:sport, replying to smac. */
static struct rn_tcp_conn *passive_conn(struct rn_tcp_listener *l, const uint8_t *src,
					const struct rn_mac *smac, uint16_t rport)
{
	struct rn_stack *s = l->s;
	struct rn_tcp_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->s = s;
	c->port_fd = -1;
	c->family = l->family;
	memcpy(c->laddr, l->family == AF_INET ? s->ip4 : s->ip6, alen(l->family));
	memcpy(c->raddr, src, alen(l->family));
	memcpy(c->nexthop, src, alen(l->family));
	c->lport = l->port;
	c->rport = rport;
	c->dmac = *smac; /* the answer goes back the way the SYN came */
	c->started = true;
	struct rn_tcb_config cfg = s->cfg;
	uint16_t mss = rn_tcp_mss_for_mtu(s->mtu, l->family);
	if (!s->cfg_mss_set || cfg.mss > mss)
		cfg.mss = mss;
	struct rn_tcb_endpoints ep = { .family = l->family, .lport = l->port, .rport = rport };
	memcpy(ep.laddr, c->laddr, alen(l->family));
	memcpy(ep.raddr, c->raddr, alen(l->family));
	if (rn_tcb_init(&c->tcb, &cfg, &ep, s->secret, &conn_ops, c) < 0) {
		free(c);
		return NULL;
	}
	if (link_conn(c) < 0) {
		rn_tcb_destroy(&c->tcb);
		free(c);
		return NULL;
	}
	c->listener = l;
	l->nembryonic++;
	return c;
}

bool rn_listener_input(struct rn_stack *s, int family, const uint8_t *src, const uint8_t *dst,
		       const struct rn_mac *smac, const struct rn_tcp_seg *seg, uint64_t now)
{
	struct rn_tcp_listener *l = find_listener(s, family, seg->hdr.dport);
	if (!l)
		return false;
	uint16_t fl = seg->hdr.flags;
	if (fl & RN_TCP_RST)
		return true; /* RFC 9293 §3.10.7.2: ignored */
	struct rn_stack_event ev = { .kind = RN_STACK_EV_SEG_IN, .family = family, .src = src,
				     .dst = dst, .seg = seg };
	if ((fl & RN_TCP_SYN) && !(fl & RN_TCP_ACK)) {
		l->st.syns++;
		if (l->nembryonic + l->nqueued >= l->backlog) {
			rn_stack_emit(s, &ev);
			if (l->syncookies)
				send_cookie(l, src, smac, seg, now);
			else
				l->st.dropped++;
			return true;
		}
		struct rn_tcp_conn *c = passive_conn(l, src, smac, seg->hdr.sport);
		if (!c) {
			l->st.dropped++;
			return true;
		}
		ev.conn = c;
		rn_stack_emit(s, &ev);
		rn_tcb_listen(&c->tcb);
		rn_tcb_input(&c->tcb, seg, now);
		rn_conn_changed(c, true);
		return true;
	}
	if ((fl & RN_TCP_ACK) && !(fl & RN_TCP_SYN) && l->syncookies) {
		uint16_t mss = cookie_check(l, src, seg, now);
		if (!mss) {
			l->st.cookies_bad++;
			return false;
		}
		struct rn_tcp_conn *c = passive_conn(l, src, smac, seg->hdr.sport);
		if (!c)
			return true;
		struct rn_tcp_seg syn;
		memset(&syn, 0, sizeof syn);
		syn.hdr.sport = seg->hdr.sport;
		syn.hdr.dport = seg->hdr.dport;
		syn.hdr.seq = seg->hdr.seq - 1;
		syn.hdr.flags = RN_TCP_SYN;
		syn.hdr.window = seg->hdr.window;
		syn.opts.has_mss = true;
		syn.opts.mss = mss;
		syn.payload = rn_view_make(NULL, 0);
		ev.conn = c;
		rn_stack_emit(s, &ev);
		rn_tcb_accept_cookie(&c->tcb, seg->hdr.ack - 1, &syn, seg, now);
		l->st.cookies_ok++;
		rn_conn_changed(c, true);
		return true;
	}
	return false;
}
