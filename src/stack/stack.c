/* rn_stack: the device side of the user-space TCP/IP stack. An AF_PACKET
 * ring on one interface, ARP (RFC 826) and neighbour discovery (RFC 4861)
 * for our own address, IPv4 (RFC 791) and IPv6 (RFC 8200) in and out,
 * segments handed to the connection that owns their 4-tuple (RFC 9293
 * §3.10.7), RSTs for the others, and one timer for everything. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <linux/if_arp.h>
#include <linux/if_packet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "rawnet/error.h"
#include "rawnet/ethernet.h"
#include "rawnet/filter.h"
#include "rawnet/icmp6.h"
#include "rawnet/ipv4.h"
#include "rawnet/ipv6.h"
#include "rawnet/netinfo.h"
#include "rawnet/packet.h"
#include "rawnet/print.h"
#include "rawnet/stack.h"
#include "rawnet/tcp.h"
#include "stack/stack_int.h"

#define BATCH_MAX 256            /* frames handled before timers get a look in */
#define DEFAULT_RING_KIB 16384
#define DEFAULT_BUF (4u << 20)   /* send and receive buffers */

uint64_t rn_stack_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u + 1;
}

void rn_stack_emit(struct rn_stack *s, const struct rn_stack_event *ev)
{
	if (s->trace)
		s->trace(s->trace_arg, ev);
}

void rn_stack_info(struct rn_stack *s, struct rn_tcp_conn *c, const char *fmt, ...)
{
	if (!s->trace)
		return;
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	struct rn_stack_event ev = { .kind = RN_STACK_EV_INFO, .conn = c, .text = text };
	s->trace(s->trace_arg, &ev);
}

/* IPv4 on lo goes out through a raw IP socket: the kernel takes a frame
 * injected on lo from a packet socket as arriving from outside and drops
 * it as martian (source 127.0.0.1 or one of its own addresses: see
 * route_localnet and accept_local in ip-sysctl), where a packet it sends
 * itself is looped back with its route attached. IPv6 has no such check. */
static int send_raw4(struct rn_stack *s, const uint8_t *frame, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	memcpy(&to.sin_addr, frame + RN_ETH_HLEN + 16, 4);
	for (;;) {
		ssize_t n = sendto(s->raw4, frame + RN_ETH_HLEN, len - RN_ETH_HLEN, 0,
				   (struct sockaddr *)&to, sizeof to);
		if (n >= 0)
			return (int)n;
		if (errno != EINTR)
			return -errno;
	}
}

int rn_stack_send_frame(struct rn_stack *s, const uint8_t *frame, size_t len)
{
	bool ip4 = len >= RN_ETH_HLEN + RN_IPV4_HLEN && frame[12] == 0x08 && frame[13] == 0x00;
	int rc = s->raw4 >= 0 && ip4 ? send_raw4(s, frame, len) : rn_packet_send(s->pkt, frame, len);
	if (rc < 0) {
		s->st.send_errors++;
		return rc;
	}
	s->st.frames_out++;
	return 0;
}

int rn_stack_send_segment(struct rn_stack *s, int family, const uint8_t *src, const uint8_t *dst,
			  const struct rn_mac *dmac, const struct rn_tcp_seg *seg)
{
	struct rn_eth eth = { .dst = *dmac, .src = s->mac,
			      .ethertype = family == AF_INET ? RN_ETHERTYPE_IPV4 : RN_ETHERTYPE_IPV6 };
	size_t eh = rn_eth_header_len(&eth);
	size_t iph = family == AF_INET ? RN_IPV4_HLEN : RN_IPV6_HLEN;
	size_t th = rn_tcp_header_len(&seg->hdr);
	size_t plen = seg->payload.len;
	if (eh + iph + th + plen > s->tx_cap)
		return -RN_ENOSPC;
	uint8_t *b = s->tx;
	if (plen)
		memcpy(b + eh + iph + th, seg->payload.data, plen);
	struct rn_pseudo ph = { .family = family };
	memcpy(ph.src, src, family == AF_INET ? 4 : 16);
	memcpy(ph.dst, dst, family == AF_INET ? 4 : 16);
	int rc = rn_tcp_emit(&seg->hdr, &ph, b + eh + iph, s->tx_cap - eh - iph, plen);
	if (rc < 0)
		return rc;
	if (family == AF_INET) {
		struct rn_ipv4 ip = { .version = 4, .ttl = 64, .proto = RN_IPPROTO_TCP,
				      .flag_df = true, .id = s->ip_id++ };
		memcpy(ip.src, src, 4);
		memcpy(ip.dst, dst, 4);
		rc = rn_ipv4_emit(&ip, b + eh, s->tx_cap - eh, th + plen);
	} else {
		struct rn_ipv6 ip6 = { .version = 6, .next_header = RN_IPPROTO_TCP, .hop_limit = 64 };
		memcpy(ip6.src, src, 16);
		memcpy(ip6.dst, dst, 16);
		rc = rn_ipv6_emit(&ip6, b + eh, s->tx_cap - eh, th + plen);
	}
	if (rc < 0)
		return rc;
	rc = rn_eth_emit(&eth, b, s->tx_cap);
	if (rc < 0)
		return rc;
	return rn_stack_send_frame(s, b, eh + iph + th + plen);
}

/* --- opening ------------------------------------------------------------- */

static bool addr_is_local(int family, const uint8_t *addr)
{
	struct rn_ifaddr a[64];
	int n = rn_iface_addrs(0, family, a, 64);
	for (int i = 0; i < n && i < 64; i++)
		if (!memcmp(a[i].addr, addr, family == AF_INET ? 4 : 16))
			return true;
	return false;
}

/* Only what concerns us: ARP, and IP to our addresses (plus the multicast
 * groups neighbour solicitations for our IPv6 address go to). */
static int attach_filter(struct rn_stack *s)
{
	char expr[512], a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN], snm[INET6_ADDRSTRLEN];
	int n = snprintf(expr, sizeof expr, "arp");
	if (s->has_ip4 && inet_ntop(AF_INET, s->ip4, a4, sizeof a4))
		n += snprintf(expr + n, sizeof expr - (size_t)n, " or (ip and dst host %s)", a4);
	if (s->has_ip6 && inet_ntop(AF_INET6, s->ip6, a6, sizeof a6)) {
		uint8_t g[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff };
		memcpy(g + 13, s->ip6 + 13, 3);
		inet_ntop(AF_INET6, g, snm, sizeof snm);
		n += snprintf(expr + n, sizeof expr - (size_t)n,
			      " or (ip6 and (dst host %s or dst host %s or dst host ff02::1))", a6,
			      snm);
	}
	char err[256];
	int rc = rn_filter_compile(expr, RN_LINK_ETHERNET, 0, &s->filter, err, sizeof err);
	if (rc < 0)
		return rc;
	return rn_packet_set_filter(s->pkt, rn_filter_prog(s->filter));
}

/* Joins the solicited-node group of our IPv6 address on the interface, so
 * that a NIC with a multicast filter passes solicitations for it. */
static void join_snm(struct rn_stack *s)
{
	struct packet_mreq mr = { .mr_ifindex = s->ifindex, .mr_type = PACKET_MR_MULTICAST,
				  .mr_alen = 6 };
	const uint8_t mac[6] = { 0x33, 0x33, 0xff, s->ip6[13], s->ip6[14], s->ip6[15] };
	memcpy(mr.mr_address, mac, 6);
	setsockopt(rn_packet_fd(s->pkt), SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr);
}

int rn_stack_open(const struct rn_stack_opts *o, struct rn_stack **out)
{
	if (!o || !o->ifname || (!o->has_ip4 && !o->has_ip6))
		return -RN_EINVAL;
	struct rn_iface ifc;
	int rc = rn_iface_by_name(o->ifname, &ifc);
	if (rc < 0)
		return rc;
	if (ifc.hwtype != ARPHRD_ETHER && ifc.hwtype != ARPHRD_LOOPBACK)
		return -RN_EUNSUP;

	struct rn_stack *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->epfd = s->timerfd = s->raw4 = -1;
	s->ifindex = ifc.ifindex;
	s->mtu = ifc.mtu ? ifc.mtu : 1500;
	s->needs_neigh = rn_iface_needs_neigh(&ifc);
	s->loopback = ifc.hwtype == ARPHRD_LOOPBACK;
	if (o->has_mac)
		s->mac = o->mac;
	else if (ifc.has_mac)
		s->mac = ifc.mac;
	s->has_ip4 = o->has_ip4;
	s->has_ip6 = o->has_ip6;
	memcpy(s->ip4, o->ip4, 4);
	memcpy(s->ip6, o->ip6, 16);
	s->local4 = s->has_ip4 && addr_is_local(AF_INET, s->ip4);
	s->local6 = s->has_ip6 && addr_is_local(AF_INET6, s->ip6);
	s->firewall = o->firewall;
	s->trace = o->trace;
	s->trace_arg = o->trace_arg;
	if (o->tcp) {
		s->cfg = *o->tcp;
		s->cfg_mss_set = o->tcp->mss != 0;
	} else {
		rn_tcb_config_default(&s->cfg);
		s->cfg.sndbuf_size = s->cfg.rcvbuf_size = DEFAULT_BUF;
	}
	s->cfg.sndbuf = s->cfg.rcvbuf = NULL; /* each connection has its own */
	/* the kernel owns a local address and answers ARP for it itself */
	rn_neigh_init(&s->neigh, &s->mac, s->has_ip4 ? s->ip4 : NULL, s->has_ip6 ? s->ip6 : NULL,
		      !(s->local4 || s->local6));
	if (getrandom(s->secret, sizeof s->secret, 0) != sizeof s->secret) {
		rc = -errno;
		goto fail;
	}
	uint16_t id;
	if (getrandom(&id, sizeof id, 0) == sizeof id)
		s->ip_id = id;
	s->tx_cap = s->mtu + RN_ETH_HLEN + 8;
	if (s->tx_cap < 1600)
		s->tx_cap = 1600;
	s->tx = malloc(s->tx_cap);
	if (!s->tx) {
		rc = -ENOMEM;
		goto fail;
	}

	s->use_ring = o->rx_ring;
	if (!s->use_ring) {
		/* With offloads (TSO/GSO on the sending side, GRO on ours) a
		 * frame holds up to 64 KiB of IP packet whatever the MTU. */
		size_t cap = s->mtu + RN_ETH_HLEN + 8 + RN_PACKET_HEADROOM;
		if (cap < RN_STACK_FRAME_MAX + RN_PACKET_HEADROOM)
			cap = RN_STACK_FRAME_MAX + RN_PACKET_HEADROOM;
		s->rx = calloc(RN_STACK_BATCH, sizeof *s->rx);
		s->rx_mem = malloc(RN_STACK_BATCH * cap);
		if (!s->rx || !s->rx_mem) {
			rc = -ENOMEM;
			goto fail;
		}
		for (size_t i = 0; i < RN_STACK_BATCH; i++) {
			s->rx[i].buf = s->rx_mem + i * cap;
			s->rx[i].cap = cap;
		}
	}
	struct rn_packet_opts po = {
		.ifname = o->ifname,
		.rx_queue = !s->use_ring,
		.immediate = true,
		.ring_kib = o->ring_kib ? o->ring_kib : DEFAULT_RING_KIB,
		.direction = RN_DIR_IN,
		/* frames to a MAC that is not the interface's */
		.promisc = o->has_mac && ifc.has_mac && memcmp(o->mac.b, ifc.mac.b, 6),
	};
	rc = rn_packet_open(&po, &s->pkt);
	if (rc < 0)
		goto fail;
	if (s->loopback && s->has_ip4) {
		s->raw4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		if (s->raw4 < 0) {
			rc = -errno;
			goto fail;
		}
	}
	rc = attach_filter(s);
	if (rc < 0)
		goto fail;
	if (s->has_ip6)
		join_snm(s);

	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->epfd < 0 || s->timerfd < 0) {
		rc = -errno;
		goto fail;
	}
	struct epoll_event ev = { .events = EPOLLIN };
	ev.data.fd = rn_packet_fd(s->pkt);
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, rn_packet_fd(s->pkt), &ev) < 0) {
		rc = -errno;
		goto fail;
	}
	ev.data.fd = s->timerfd;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->timerfd, &ev) < 0) {
		rc = -errno;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	rn_stack_close(s);
	return rc;
}

void rn_stack_close(struct rn_stack *s)
{
	if (!s)
		return;
	while (s->listeners)
		rn_tcp_listener_close(s->listeners);
	while (s->conns)
		rn_tcp_free(s->conns);
	for (size_t i = 0; i < s->nkept; i++) {
		rn_nftrst_remove(&s->kept[i].fw);
		if (s->kept[i].port_fd >= 0)
			close(s->kept[i].port_fd);
	}
	free(s->kept);
	free(s->heap);
	free(s->held);
	if (s->pkt)
		rn_packet_close(s->pkt);
	if (s->filter)
		rn_filter_free(s->filter);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->timerfd >= 0)
		close(s->timerfd);
	if (s->raw4 >= 0)
		close(s->raw4);
	free(s->tx);
	free(s->rx);
	free(s->rx_mem);
	free(s);
}

int rn_stack_fd(const struct rn_stack *s)
{
	return s->epfd;
}

bool rn_stack_addr_is_local(const struct rn_stack *s, int family)
{
	return family == AF_INET ? s->local4 : s->local6;
}

void rn_stack_stats(struct rn_stack *s, struct rn_stack_stats *st)
{
	uint64_t rx, drops;
	if (rn_packet_stats(s->pkt, &rx, &drops) == 0)
		s->st.ring_drops += drops;
	s->st.arp_replies = s->neigh.replies;
	*st = s->st;
}

/* --- frames in ----------------------------------------------------------- */

/* A TCP segment from src to dst (one of ours), in a frame from smac. */
static void tcp_input(struct rn_stack *s, int family, const uint8_t *src, const uint8_t *dst,
		      const struct rn_mac *smac, struct rn_view l4, uint8_t csum, uint64_t now)
{
	struct rn_pseudo ph = { .family = family };
	memcpy(ph.src, src, family == AF_INET ? 4 : 16);
	memcpy(ph.dst, dst, family == AF_INET ? 4 : 16);
	struct rn_tcp_seg seg;
	memset(&seg.opts, 0, sizeof seg.opts);
	if (rn_tcp_parse(l4, &ph, &seg.hdr, &seg.payload) < 0 ||
	    rn_tcp_opts_decode(&seg.hdr, &seg.opts) < 0) {
		s->st.frames_ignored++;
		return;
	}
	/* A checksum the kernel left to the NIC (offload: the peer is this host
	 * or one of its namespaces) is not there to check; one the kernel
	 * checked need not be checked again. Any other must be right. */
	if (csum == RN_RX_CSUM_PARTIAL)
		s->st.csum_partial++;
	else if (csum != RN_RX_CSUM_VALID && seg.hdr.checksum_status != RN_CSUM_GOOD) {
		s->st.bad_checksum++;
		return;
	}
	struct rn_tcp_conn *c = rn_conn_lookup(s, family, src, seg.hdr.sport, seg.hdr.dport);
	if (c && c->started) {
		struct rn_stack_event ev = { .kind = RN_STACK_EV_SEG_IN, .conn = c, .family = family,
					     .src = src, .dst = dst, .seg = &seg };
		rn_stack_emit(s, &ev);
		rn_tcb_input(&c->tcb, &seg, now);
		rn_conn_changed(c, true);
		return;
	}
	if (!c && rn_listener_input(s, family, src, dst, smac, &seg, now))
		return;
	s->st.no_connection++;
	/* The kernel answers for its own addresses; we answer for ours. */
	if (rn_stack_addr_is_local(s, family))
		return;
	struct rn_tcp_seg rst;
	if (rn_tcp_reset_for(&seg, &rst) == 1) {
		struct rn_stack_event ev = { .kind = RN_STACK_EV_SEG_OUT, .conn = NULL,
					     .family = family, .src = dst, .dst = src, .seg = &rst };
		rn_stack_emit(s, &ev);
		if (rn_stack_send_segment(s, family, dst, src, smac, &rst) == 0)
			s->st.rsts_sent++;
	}
}

static void ipv4_input(struct rn_stack *s, const struct rn_eth *eth, struct rn_view v,
		       uint8_t csum, uint64_t now)
{
	struct rn_ipv4 ip;
	struct rn_view l4;
	if (!s->has_ip4 || rn_ipv4_parse(v, &ip, &l4) < 0 || ip.checksum_status == RN_CSUM_BAD ||
	    ip.payload_truncated || memcmp(ip.dst, s->ip4, 4) || rn_ipv4_is_fragment(&ip) ||
	    ip.proto != RN_IPPROTO_TCP) {
		s->st.frames_ignored++;
		return;
	}
	tcp_input(s, AF_INET, ip.src, ip.dst, &eth->src, l4, csum, now);
}

static void ipv6_input(struct rn_stack *s, const struct rn_eth *eth, struct rn_view v,
		       uint8_t csum, uint64_t now)
{
	struct rn_ipv6 ip6;
	struct rn_view payload;
	struct rn_ipv6_chain chain;
	if (!s->has_ip6 || rn_ipv6_parse(v, &ip6, &payload) < 0 || ip6.payload_truncated ||
	    rn_ipv6_walk_packet(&ip6, payload, &chain) < 0 || chain.fragment) {
		s->st.frames_ignored++;
		return;
	}
	if (chain.upper_proto == RN_IPPROTO_TCP && !memcmp(ip6.dst, s->ip6, 16))
		tcp_input(s, AF_INET6, ip6.src, ip6.dst, &eth->src, chain.upper, csum, now);
	else
		s->st.frames_ignored++;
}

/* Announces next hops that became known, and fails those that never answered. */
static void check_resolving(struct rn_stack *s, uint64_t now)
{
	if (!s->nresolving)
		return;
	for (struct rn_tcp_conn *c = s->conns, *n; c; c = n) {
		n = c->next;
		if (c->resolving)
			rn_conn_resolve(c, now);
	}
}

/* csum: what the kernel said of the frame's TCP checksum (enum rn_rx_csum). */
static void frame_input(struct rn_stack *s, const uint8_t *data, size_t len, uint8_t csum,
			uint64_t now)
{
	struct rn_eth eth;
	struct rn_view payload;
	s->st.frames_in++;
	if (rn_eth_parse(rn_view_make(data, len), &eth, &payload) < 0 || eth.ntags) {
		s->st.frames_ignored++;
		return;
	}
	bool to_us = !memcmp(eth.dst.b, s->mac.b, RN_ETH_ALEN);
	bool group = eth.dst.b[0] & 1;
	if (!to_us && !group) {
		s->st.frames_ignored++;
		return;
	}
	if (eth.ethertype == RN_ETHERTYPE_ARP ||
	    (eth.ethertype == RN_ETHERTYPE_IPV6 && rn_view_u8(payload, 6) == RN_IPPROTO_ICMPV6)) {
		uint8_t reply[RN_NEIGH_FRAME_MAX];
		int n = rn_neigh_input(&s->neigh, data, len, now, reply, sizeof reply);
		if (n > 0)
			rn_stack_send_frame(s, reply, (size_t)n);
		if (n != -RN_EUNSUP) {
			check_resolving(s, now);
			return;
		}
	}
	if (!to_us) {
		s->st.frames_ignored++;
		return;
	}
	if (eth.ethertype == RN_ETHERTYPE_IPV4)
		ipv4_input(s, &eth, payload, csum, now);
	else if (eth.ethertype == RN_ETHERTYPE_IPV6)
		ipv6_input(s, &eth, payload, csum, now);
	else
		s->st.frames_ignored++;
}

/* --- timers -------------------------------------------------------------- */

static uint64_t next_deadline(struct rn_stack *s)
{
	uint64_t t = rn_neigh_next_timer(&s->neigh);
	uint64_t c = rn_conn_next_deadline(s);
	return c < t ? c : t;
}

/* The connections whose deadline has come, from the top of the heap; each
 * is looked at once per call (a device that keeps refusing waits for the
 * next run). */
static void run_timers(struct rn_stack *s, uint64_t now)
{
	check_resolving(s, now);
	for (size_t guard = s->heap_len + 1; guard && s->heap_len && s->heap[0]->heap_key <= now;
	     guard--) {
		struct rn_tcp_conn *c = s->heap[0];
		if (c->output_blocked) {
			c->output_blocked = false;
			rn_tcb_output(&c->tcb, now);
		}
		if (rn_tcb_next_timer(&c->tcb) <= now)
			rn_tcb_timer(&c->tcb, now);
		rn_conn_changed(c, true);
	}
}

void rn_stack_rearm(struct rn_stack *s)
{
	uint64_t d = next_deadline(s);
	if (d == s->timer_armed)
		return;
	struct itimerspec its = { 0 };
	if (d != UINT64_MAX) {
		uint64_t us = d > 1 ? d - 1 : 1; /* rn_stack_now_us() counts from 1 */
		its.it_value.tv_sec = (time_t)(us / 1000000u);
		its.it_value.tv_nsec = (long)(us % 1000000u) * 1000;
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(s->timerfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		s->timer_armed = d;
}

/* The batch is over: the ACKs held back go out. */
static void end_batch(struct rn_stack *s)
{
	s->in_batch = false;
	for (size_t i = 0; i < s->held_len; i++) {
		struct rn_tcp_conn *c = s->held[i];
		c->held = false;
		rn_conn_flush_ack(c);
		if (c->output_blocked)
			rn_conn_changed(c, false);
	}
	s->held_len = 0;
}

/* Frames from the TPACKET_V3 ring: waits up to wait_ms for the first. */
static int receive_ring(struct rn_stack *s, int wait_ms)
{
	struct rn_frame f;
	int rc = rn_packet_next(s->pkt, &f, wait_ms);
	for (unsigned n = 0; rc == 1; n++) {
		s->in_batch = true;
		frame_input(s, f.data, f.caplen, f.csum, rn_stack_now_us());
		if (n + 1 == RN_STACK_BATCH) {
			end_batch(s);
			run_timers(s, rn_stack_now_us());
			n = 0;
		}
		rc = rn_packet_next(s->pkt, &f, 0);
	}
	end_batch(s);
	return rc < 0 ? rc : 0;
}

/* Frames from the socket queue: waits up to wait_ms (-1: no limit) for the
 * first, then reads batches until the queue is empty (or BATCH_MAX frames
 * went by: then timers get a turn, and the next run goes on). */
static int receive_queue(struct rn_stack *s, int wait_ms)
{
	int n = rn_packet_recv_batch(s->pkt, s->rx, RN_STACK_BATCH);
	if (n == 0 && wait_ms != 0) {
		struct pollfd pf = { rn_packet_fd(s->pkt), POLLIN, 0 };
		int r = poll(&pf, 1, wait_ms);
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		n = rn_packet_recv_batch(s->pkt, s->rx, RN_STACK_BATCH);
	}
	unsigned total = 0;
	while (n > 0) {
		uint64_t now = rn_stack_now_us();
		s->in_batch = true;
		for (int i = 0; i < n; i++)
			frame_input(s, s->rx[i].data, s->rx[i].len, s->rx[i].csum, now);
		end_batch(s);
		total += (unsigned)n;
		if (n < RN_STACK_BATCH || total >= BATCH_MAX * 4)
			break;
		n = rn_packet_recv_batch(s->pkt, s->rx, RN_STACK_BATCH);
	}
	return n < 0 ? n : 0;
}

int rn_stack_run(struct rn_stack *s, int timeout_ms)
{
	uint64_t now = rn_stack_now_us();
	run_timers(s, now);
	uint64_t d = next_deadline(s);
	int wait = timeout_ms;
	if (d != UINT64_MAX) {
		uint64_t left = d <= now ? 0 : (d - now + 999) / 1000;
		if (left > INT_MAX)
			left = INT_MAX;
		if (wait < 0 || (int)left < wait)
			wait = (int)left;
	}
	int rc = s->use_ring ? receive_ring(s, wait) : receive_queue(s, wait);
	run_timers(s, rn_stack_now_us());
	uint64_t expirations;
	while (read(s->timerfd, &expirations, sizeof expirations) > 0)
		;
	s->timer_armed = 0; /* the read disarmed nothing, but re-arm for certain */
	rn_stack_rearm(s);
	return rc;
}

int rn_stack_wait(struct rn_stack *s, struct rn_tcp_conn *c, unsigned mask, int timeout_ms)
{
	uint64_t end = timeout_ms >= 0 ? rn_stack_now_us() + (uint64_t)timeout_ms * 1000u : 0;
	for (;;) {
		unsigned bits = rn_tcp_poll(c);
		if (bits & (mask | RN_TCB_ERROR))
			return (int)bits;
		int wait = -1;
		if (timeout_ms >= 0) {
			uint64_t now = rn_stack_now_us();
			if (now >= end)
				return 0;
			wait = (int)((end - now + 999) / 1000);
		}
		int rc = rn_stack_run(s, wait);
		if (rc < 0)
			return rc;
	}
}
