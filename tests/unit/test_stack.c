/* Unit tests: the stack's trace lines and nftables rule text (pure), then
 * the rn_stack / rn_tcp API against a kernel socket over a veth pair in a
 * private network namespace (root only; skipped otherwise): connect, send,
 * receive, half-close, RST for unknown segments, free with RST, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rawnet/error.h"
#include "rawnet/ethernet.h"
#include "rawnet/ipv4.h"
#include "rawnet/netinfo.h"
#include "rawnet/nftrst.h"
#include "rawnet/stack.h"
#include "rawnet/tcp.h"

/* --- pure ---------------------------------------------------------------- */

static const uint8_t A4[4] = { 10, 77, 0, 3 }, B4[4] = { 10, 77, 0, 1 };

static void seg_init(struct rn_tcp_seg *seg, uint16_t flags, uint32_t seq, uint32_t ack,
		     uint16_t win, const char *payload)
{
	memset(seg, 0, sizeof *seg);
	seg->hdr.sport = 40012;
	seg->hdr.dport = 7;
	seg->hdr.flags = flags;
	seg->hdr.seq = seq;
	seg->hdr.ack = ack;
	seg->hdr.window = win;
	seg->payload = rn_view_make(payload, payload ? strlen(payload) : 0);
}

static void test_format_segments(void **state)
{
	(void)state;
	char line[512];
	struct rn_tcp_seg seg;
	seg_init(&seg, RN_TCP_SYN, 123, 0, 64240, NULL);
	struct rn_tcp_opts o = { .has_mss = true, .mss = 1460, .sack_perm = true, .has_ts = true,
				 .ts_val = 1, .ts_ecr = 0, .has_wscale = true, .wscale = 7 };
	int n = rn_tcp_opts_encode(&o, seg.hdr.opts);
	assert_true(n > 0);
	seg.hdr.opt_len = (uint8_t)n;
	struct rn_stack_event ev = { .kind = RN_STACK_EV_SEG_OUT, .family = AF_INET, .src = A4,
				     .dst = B4, .seg = &seg };
	n = rn_stack_event_format(&ev, line, sizeof line);
	assert_string_equal(line, "10.77.0.3:40012 > 10.77.0.1:7  Flags [S]  seq 123  win 64240  "
				  "len 0  <mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>");
	assert_int_equal(n, (int)strlen(line));

	seg_init(&seg, RN_TCP_SYN | RN_TCP_ACK, 456, 124, 65160, NULL);
	ev.kind = RN_STACK_EV_SEG_IN;
	rn_stack_event_format(&ev, line, sizeof line);
	assert_string_equal(line, "10.77.0.3:40012 > 10.77.0.1:7  Flags [S.]  seq 456  ack 124  "
				  "win 65160  len 0");

	seg_init(&seg, RN_TCP_FIN | RN_TCP_PSH | RN_TCP_ACK, 1, 2, 3, "hello");
	struct rn_tcp_opts sack = { .nsack = 2, .sack = { { 10, 20 }, { 30, 40 } } };
	n = rn_tcp_opts_encode(&sack, seg.hdr.opts);
	seg.hdr.opt_len = (uint8_t)n;
	rn_stack_event_format(&ev, line, sizeof line);
	assert_string_equal(line, "10.77.0.3:40012 > 10.77.0.1:7  Flags [FP.]  seq 1  ack 2  win 3  "
				  "len 5  <nop,nop,sack 2 {10:20} {30:40}>");

	seg_init(&seg, RN_TCP_RST, 9, 0, 0, NULL);
	const uint8_t a6[16] = { 0xfd, 0x77, [15] = 3 }, b6[16] = { 0xfd, 0x77, [15] = 1 };
	struct rn_stack_event ev6 = { .kind = RN_STACK_EV_SEG_OUT, .family = AF_INET6, .src = a6,
				      .dst = b6, .seg = &seg };
	rn_stack_event_format(&ev6, line, sizeof line);
	assert_string_equal(line, "[fd77::3]:40012 > [fd77::1]:7  Flags [R]  seq 9  win 0  len 0");

	/* a lying option length is shown, not followed */
	seg_init(&seg, RN_TCP_ACK, 1, 1, 1, NULL);
	seg.hdr.opts[0] = RN_TCPOPT_MSS;
	seg.hdr.opts[1] = 9;
	seg.hdr.opt_len = 4;
	rn_stack_event_format(&ev, line, sizeof line);
	assert_non_null(strstr(line, "<[bad opts]>"));

	/* truncation keeps a terminated string */
	n = rn_stack_event_format(&ev, line, 10);
	assert_int_equal(n, 9);
	assert_int_equal(strlen(line), 9);
}

static void test_format_other(void **state)
{
	(void)state;
	char line[128];
	struct rn_stack_event ev = { .kind = RN_STACK_EV_STATE, .from = RN_TCP_SYN_SENT,
				     .to = RN_TCP_ESTABLISHED };
	rn_stack_event_format(&ev, line, sizeof line);
	assert_string_equal(line, "SYN-SENT -> ESTABLISHED");
	ev = (struct rn_stack_event){ .kind = RN_STACK_EV_INFO, .text = "ARP: who has x" };
	rn_stack_event_format(&ev, line, sizeof line);
	assert_string_equal(line, "ARP: who has x");
}

static void test_nft_rule_text(void **state)
{
	(void)state;
	char buf[1024];
	int n = rn_nftrst_format(AF_INET, A4, 40012, B4, 7, "t", buf, sizeof buf);
	assert_true(n > 0);
	assert_string_equal(buf, "nft add table inet t\n"
				 "nft add chain inet t out '{ type filter hook output priority 0; }'\n"
				 "nft add rule inet t out ip saddr 10.77.0.3 ip daddr 10.77.0.1 tcp "
				 "sport 40012 tcp dport 7 tcp flags '&' rst == rst counter drop\n");
	const uint8_t a6[16] = { 0xfd, 0x77, [15] = 3 }, b6[16] = { 0xfd, 0x77, [15] = 1 };
	n = rn_nftrst_format(AF_INET6, a6, 0, b6, 80, "t", buf, sizeof buf);
	assert_non_null(strstr(buf, "ip6 saddr fd77::3 ip6 daddr fd77::1 tcp dport 80 tcp flags"));
	assert_int_equal(rn_nftrst_format(AF_INET, A4, 1, B4, 7, "t", buf, 20), -RN_ENOSPC);
	assert_int_equal(rn_nftrst_format(99, A4, 1, B4, 7, "t", buf, sizeof buf), -RN_EINVAL);
	struct rn_nftrst none = { .installed = false };
	assert_int_equal(rn_nftrst_remove(&none), 0);
}

/* --- live: a veth pair in a private namespace ---------------------------- */

static int have_net;

/* v0 (10.9.0.1, the kernel) <-> v1 (no address: the stack, as 10.9.0.2). */
static int setup_net(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		return 0;
	return system("ip link set lo up && ip link add v0 type veth peer name v1 && "
		      "ethtool -K v0 tx off >/dev/null 2>&1; ethtool -K v1 tx off >/dev/null 2>&1; "
		      "ip addr add 10.9.0.1/24 dev v0 && ip link set v0 up && ip link set v1 up "
		      "&& ip addr add fd09::1/64 dev v0 nodad "
		      /* v2 (10.9.1.1, the kernel) <-> v3 (the stack, as 10.9.1.2): a
		       * veth as `ip link add` makes it, offloads on */
		      "&& ip link add v2 type veth peer name v3 && ip addr add 10.9.1.1/24 dev v2 "
		      "&& ip link set v2 up && ip link set v3 up") == 0;
}

#define NEED_NET()               \
	do {                     \
		(void)state;     \
		if (!have_net)   \
			skip();  \
	} while (0)

static const uint8_t KERNEL4[4] = { 10, 9, 0, 1 }, STACK4[4] = { 10, 9, 0, 2 };

static const uint8_t STOCK_KERNEL4[4] = { 10, 9, 1, 1 }, STOCK_STACK4[4] = { 10, 9, 1, 2 };

static int listener_on(const uint8_t *addr, uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	memcpy(&sin.sin_addr, addr, 4);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static int listener(uint16_t port)
{
	return listener_on(KERNEL4, port);
}

static struct rn_stack *open_stack(void)
{
	struct rn_stack_opts o = { .ifname = "v1", .has_ip4 = true };
	memcpy(o.ip4, STACK4, 4);
	struct rn_stack *s = NULL;
	assert_int_equal(rn_stack_open(&o, &s), 0);
	assert_false(rn_stack_addr_is_local(s, AF_INET));
	return s;
}

/* Runs the stack until the kernel side accepts. */
static int accept_one(struct rn_stack *s, int lfd)
{
	for (int i = 0; i < 500; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		if (fd >= 0)
			return fd;
		rn_stack_run(s, 10);
	}
	fail_msg("no connection accepted");
	return -1;
}

static void test_open_errors(void **state)
{
	NEED_NET();
	struct rn_stack *s = NULL;
	struct rn_stack_opts o = { .ifname = "v1" };
	assert_int_equal(rn_stack_open(&o, &s), -RN_EINVAL); /* no address */
	o.has_ip4 = true;
	o.ifname = "no-such-if";
	assert_int_equal(rn_stack_open(&o, &s), -RN_ENOTFOUND);
	s = open_stack();
	struct rn_tcp_conn *c;
	assert_int_equal(rn_tcp_connect(s, AF_INET6, KERNEL4, 7, 0, &c), -RN_EINVAL);
	assert_int_equal(rn_tcp_connect(s, AF_INET, KERNEL4, 0, 0, &c), -RN_EINVAL);
	rn_stack_close(s);
}

static void test_exchange(void **state)
{
	NEED_NET();
	int lfd = listener(7001);
	struct rn_stack *s = open_stack();
	struct rn_tcp_conn *c = NULL;
	assert_int_equal(rn_tcp_connect(s, AF_INET, KERNEL4, 7001, 45000, &c), 0);
	assert_int_equal(rn_tcp_local_port(c), 45000);
	assert_string_equal(rn_tcp_firewall_table(c), "");
	/* before the handshake: nothing accepted, nothing to read */
	assert_int_equal(rn_tcp_send(c, "x", 1), 0);
	assert_int_equal(rn_tcp_recv(c, (char[4]){ 0 }, 4), -EAGAIN);

	/* the descriptor polls readable once there is work (the ARP request's answer) */
	struct pollfd pf = { rn_stack_fd(s), POLLIN, 0 };
	assert_int_equal(poll(&pf, 1, 2000), 1);
	int kfd = accept_one(s, lfd);
	int bits = rn_stack_wait(s, c, RN_TCB_CONNECTED, 2000);
	assert_true(bits & RN_TCB_CONNECTED);
	assert_int_equal(rn_tcp_state(c), RN_TCP_ESTABLISHED);

	/* stack -> kernel */
	assert_int_equal(rn_tcp_send(c, "ping", 4), 4);
	char buf[64];
	ssize_t n = -1;
	for (int i = 0; i < 200 && n < 0; i++) {
		rn_stack_run(s, 5);
		n = read(kfd, buf, sizeof buf);
	}
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "ping", 4);
	/* kernel -> stack */
	assert_int_equal(write(kfd, "pong!", 5), 5);
	bits = rn_stack_wait(s, c, RN_TCB_READABLE, 2000);
	assert_true(bits & RN_TCB_READABLE);
	assert_int_equal(rn_tcp_recv(c, buf, sizeof buf), 5);
	assert_memory_equal(buf, "pong!", 5);
	assert_int_equal(rn_tcp_recv(c, buf, sizeof buf), -EAGAIN);

	/* our half-close reaches the kernel as EOF; the kernel still sends */
	assert_int_equal(rn_tcp_shutdown(c), 0);
	n = -1;
	for (int i = 0; i < 200 && n < 0; i++) {
		rn_stack_run(s, 5);
		n = read(kfd, buf, sizeof buf);
	}
	assert_int_equal(n, 0);
	assert_int_equal(write(kfd, "bye", 3), 3);
	close(kfd);
	bits = rn_stack_wait(s, c, RN_TCB_CLOSED, 3000);
	assert_true(bits & RN_TCB_CLOSED);
	assert_false(bits & RN_TCB_ERROR);
	assert_int_equal(rn_tcp_recv(c, buf, sizeof buf), 3);
	assert_int_equal(rn_tcp_recv(c, buf, sizeof buf), 0);
	assert_int_equal(rn_tcp_error(c), 0);

	struct rn_stack_stats st;
	rn_stack_stats(s, &st);
	assert_true(st.frames_in >= 4);
	assert_true(st.frames_out >= 4);
	assert_int_equal(st.bad_checksum, 0);
	rn_tcp_free(c);
	rn_stack_close(s);
	close(lfd);
}

static void test_free_resets(void **state)
{
	NEED_NET();
	int lfd = listener(7002);
	struct rn_stack *s = open_stack();
	struct rn_tcp_conn *c = NULL;
	assert_int_equal(rn_tcp_connect(s, AF_INET, KERNEL4, 7002, 0, &c), 0);
	int kfd = accept_one(s, lfd);
	assert_true(rn_stack_wait(s, c, RN_TCB_CONNECTED, 2000) & RN_TCB_CONNECTED);
	rn_tcp_free(c); /* still open: a RST */
	char buf[8];
	ssize_t n = -1;
	int e = 0;
	for (int i = 0; i < 200; i++) {
		rn_stack_run(s, 5);
		n = read(kfd, buf, sizeof buf);
		e = errno;
		if (n >= 0 || e != EAGAIN)
			break;
	}
	assert_int_equal(n, -1);
	assert_int_equal(e, ECONNRESET);
	close(kfd);

	/* a segment for no connection of ours gets a RST from the stack: the
	 * kernel's connect() to 10.9.0.2 is refused */
	int cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9) };
	memcpy(&sin.sin_addr, STACK4, 4);
	connect(cfd, (struct sockaddr *)&sin, sizeof sin);
	struct pollfd pf = { cfd, POLLOUT, 0 };
	for (int i = 0; i < 200 && poll(&pf, 1, 0) == 0; i++)
		rn_stack_run(s, 5);
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	getsockopt(cfd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	assert_int_equal(soerr, ECONNREFUSED);
	close(cfd);
	struct rn_stack_stats st;
	rn_stack_stats(s, &st);
	assert_true(st.rsts_sent >= 1);
	assert_true(st.no_connection >= 1);
	rn_stack_close(s);
	close(lfd);
}

static void test_refused_and_unanswered(void **state)
{
	NEED_NET();
	struct rn_stack *s = open_stack();
	struct rn_tcp_conn *c = NULL;
	/* nobody listens on 7003: the kernel resets the SYN */
	assert_int_equal(rn_tcp_connect(s, AF_INET, KERNEL4, 7003, 0, &c), 0);
	int bits = rn_stack_wait(s, c, RN_TCB_CLOSED, 3000);
	assert_true(bits & RN_TCB_ERROR);
	assert_int_equal(rn_tcp_error(c), -RN_ERESET);
	assert_false(bits & RN_TCB_CONNECTED);
	assert_int_equal(rn_tcp_send(c, "x", 1), -RN_ERESET);
	rn_tcp_free(c);

	/* nobody has 10.9.0.77: ARP goes unanswered (3 requests, 1 s apart) */
	const uint8_t ghost[4] = { 10, 9, 0, 77 };
	assert_int_equal(rn_tcp_connect(s, AF_INET, ghost, 7, 0, &c), 0);
	bits = rn_stack_wait(s, c, RN_TCB_CLOSED, 5000);
	assert_true(bits & RN_TCB_ERROR);
	assert_int_equal(rn_tcp_error(c), -RN_ENOANSWER);
	assert_int_equal(rn_tcp_state(c), RN_TCP_CLOSED);
	rn_tcp_free(c);
	rn_stack_close(s);
}

/* The TPACKET_V3 ring instead of the socket queue (rx_ring): the same
 * exchange, and 1 MB from the kernel arrives whole. */
static void test_exchange_ring(void **state)
{
	NEED_NET();
	int lfd = listener(7006);
	struct rn_stack_opts o = { .ifname = "v1", .has_ip4 = true, .rx_ring = true };
	memcpy(o.ip4, STACK4, 4);
	struct rn_stack *s = NULL;
	assert_int_equal(rn_stack_open(&o, &s), 0);
	struct rn_tcp_conn *c = NULL;
	assert_int_equal(rn_tcp_connect(s, AF_INET, KERNEL4, 7006, 0, &c), 0);
	int kfd = accept_one(s, lfd);
	assert_true(rn_stack_wait(s, c, RN_TCB_CONNECTED, 2000) & RN_TCB_CONNECTED);
	assert_int_equal(rn_tcp_send(c, "ring", 4), 4);
	char buf[4096];
	ssize_t n = -1;
	for (int i = 0; i < 200 && n < 0; i++) {
		rn_stack_run(s, 5);
		n = read(kfd, buf, sizeof buf);
	}
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "ring", 4);
	/* 1 MB kernel -> stack: the kernel writes as the window allows */
	static uint8_t big[1 << 20];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 10));
	size_t sent = 0, got = 0;
	int ok = 1;
	for (int i = 0; i < 20000 && got < sizeof big; i++) {
		if (sent < sizeof big) {
			ssize_t w = write(kfd, big + sent, sizeof big - sent);
			if (w > 0)
				sent += (size_t)w;
		}
		rn_stack_run(s, 1);
		for (;;) {
			ssize_t r = rn_tcp_recv(c, buf, sizeof buf);
			if (r <= 0)
				break;
			if (memcmp(buf, big + got, (size_t)r) != 0)
				ok = 0;
			got += (size_t)r;
		}
	}
	assert_int_equal(got, sizeof big);
	assert_true(ok);
	close(kfd);
	assert_true(rn_stack_wait(s, c, RN_TCB_EOF, 3000) & RN_TCB_EOF);
	rn_tcp_free(c);
	rn_stack_close(s);
	close(lfd);
}

/* rn_tcp_close: our FIN reaches the kernel as EOF, the kernel's FIN closes
 * the connection without error. rn_tcp_abort: the kernel's read fails with
 * ECONNRESET and the connection is CLOSED at once. */
static void test_close_and_abort(void **state)
{
	NEED_NET();
	int lfd = listener(7005);
	struct rn_stack *s = open_stack();
	struct rn_tcp_conn *c = NULL;
	char buf[8];
	assert_int_equal(rn_tcp_connect(s, AF_INET, KERNEL4, 7005, 0, &c), 0);
	int kfd = accept_one(s, lfd);
	assert_true(rn_stack_wait(s, c, RN_TCB_CONNECTED, 2000) & RN_TCB_CONNECTED);
	assert_int_equal(rn_tcp_close(c), 0);
	ssize_t n = -1;
	for (int i = 0; i < 200 && n < 0; i++) {
		rn_stack_run(s, 5);
		n = read(kfd, buf, sizeof buf);
	}
	assert_int_equal(n, 0); /* EOF */
	close(kfd);
	int bits = rn_stack_wait(s, c, RN_TCB_CLOSED, 3000);
	assert_true(bits & RN_TCB_CLOSED);
	assert_false(bits & RN_TCB_ERROR);
	assert_int_equal(rn_tcp_state(c), RN_TCP_TIME_WAIT);
	assert_int_equal(rn_tcp_send(c, "x", 1), -RN_ECLOSED);
	rn_tcp_free(c);

	assert_int_equal(rn_tcp_connect(s, AF_INET, KERNEL4, 7005, 0, &c), 0);
	kfd = accept_one(s, lfd);
	assert_true(rn_stack_wait(s, c, RN_TCB_CONNECTED, 2000) & RN_TCB_CONNECTED);
	assert_int_equal(rn_tcp_abort(c), 0);
	assert_int_equal(rn_tcp_state(c), RN_TCP_CLOSED);
	assert_true(rn_tcp_poll(c) & RN_TCB_CLOSED);
	int e = 0;
	n = -1;
	for (int i = 0; i < 200; i++) {
		rn_stack_run(s, 5);
		n = read(kfd, buf, sizeof buf);
		e = errno;
		if (n >= 0 || e != EAGAIN)
			break;
	}
	assert_int_equal(n, -1);
	assert_int_equal(e, ECONNRESET);
	close(kfd);
	rn_tcp_free(c);
	rn_stack_close(s);
	close(lfd);
}

/* RFC 6528: each stack draws its own secret, so the same 4-tuple a moment
 * later gets an unrelated ISN (with one secret the two would differ by the
 * 4-µs clock only: less than 2^18 within a second). */
static void test_isn_secret(void **state)
{
	NEED_NET();
	int lfd = listener(7007);
	uint32_t iss[2];
	for (int k = 0; k < 2; k++) {
		struct rn_stack *s = open_stack();
		struct rn_tcp_conn *c = NULL;
		assert_int_equal(rn_tcp_connect(s, AF_INET, KERNEL4, 7007, 45007, &c), 0);
		int kfd = accept_one(s, lfd);
		assert_true(rn_stack_wait(s, c, RN_TCB_CONNECTED, 2000) & RN_TCB_CONNECTED);
		iss[k] = rn_tcp_tcb(c)->iss;
		close(kfd);
		rn_tcp_free(c);
		rn_stack_close(s);
	}
	assert_true(iss[1] - iss[0] >= (1u << 18));
	close(lfd);
}

/* --- duplicate ACKs without SACK ---------------------------------------- */

static int acks_out;
static uint32_t acks_out_ack;

/* Counts the pure ACKs the stack sends for acks_out_ack. */
static void count_acks(void *arg, const struct rn_stack_event *ev)
{
	(void)arg;
	if (ev->kind == RN_STACK_EV_SEG_OUT && ev->seg->hdr.flags == RN_TCP_ACK &&
	    ev->seg->payload.len == 0 && ev->seg->hdr.ack == acks_out_ack)
		acks_out++;
}

static void read_mac(const char *ifname, struct rn_mac *m)
{
	struct rn_iface ifc;
	assert_int_equal(rn_iface_by_name(ifname, &ifc), 0);
	assert_true(ifc.has_mac);
	*m = ifc.mac;
}

/* Out-of-order segments that arrive in one batch each get their duplicate
 * ACK (RFC 5681 §4.2) when SACK is off: the peer counts them to retransmit
 * fast (with SACK, one ACK whose blocks cover the others says the same). The
 * kernel makes the connection without SACK and timestamps; three segments
 * beyond a hole, written as the kernel from a packet socket on v0, wait in
 * the queue and are handled by one rn_stack_run(). */
static void test_dupacks_without_sack(void **state)
{
	NEED_NET();
	assert_int_equal(system("sysctl -qw net.ipv4.tcp_sack=0 net.ipv4.tcp_timestamps=0"), 0);
	int lfd = listener(7004);
	struct rn_stack_opts o = { .ifname = "v1", .has_ip4 = true, .trace = count_acks };
	memcpy(o.ip4, STACK4, 4);
	struct rn_stack *s = NULL;
	assert_int_equal(rn_stack_open(&o, &s), 0);
	struct rn_tcp_conn *c = NULL;
	assert_int_equal(rn_tcp_connect(s, AF_INET, KERNEL4, 7004, 45004, &c), 0);
	int kfd = accept_one(s, lfd);
	assert_true(rn_stack_wait(s, c, RN_TCB_CONNECTED, 2000) & RN_TCB_CONNECTED);
	const struct rn_tcb *t = rn_tcp_tcb(c);
	assert_false(t->sack_ok);
	assert_false(t->ts_ok);

	int pfd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	assert_true(pfd >= 0);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)if_nametoindex("v0") };
	assert_int_equal(bind(pfd, (struct sockaddr *)&sll, sizeof sll), 0);
	struct rn_eth eth = { .ethertype = RN_ETHERTYPE_IPV4 };
	read_mac("v0", &eth.src);
	read_mac("v1", &eth.dst);
	uint32_t rcv_nxt = t->rcv_nxt, snd_nxt = t->snd_max;
	acks_out_ack = rcv_nxt;
	acks_out = 0;
	for (int i = 1; i <= 3; i++) { /* the segment at rcv_nxt is "lost" */
		uint8_t frame[200] = { 0 };
		struct rn_ipv4 ip = { .ttl = 64, .proto = 6, .flag_df = true };
		memcpy(ip.src, KERNEL4, 4);
		memcpy(ip.dst, STACK4, 4);
		struct rn_tcp tcp = { .sport = 7004, .dport = 45004, .seq = rcv_nxt + 100u * (unsigned)i,
				      .ack = snd_nxt, .flags = RN_TCP_ACK, .window = 1000 };
		struct rn_pseudo ph = { .family = AF_INET };
		memcpy(ph.src, KERNEL4, 4);
		memcpy(ph.dst, STACK4, 4);
		size_t off = (size_t)rn_eth_emit(&eth, frame, sizeof frame);
		uint8_t *l4 = frame + off + 20;
		memset(l4 + 20, 'o', 100);
		assert_int_equal(rn_tcp_emit(&tcp, &ph, l4, sizeof frame - off - 20, 100), 20);
		assert_int_equal(rn_ipv4_emit(&ip, frame + off, sizeof frame - off, 120), 20);
		assert_int_equal(send(pfd, frame, off + 140, 0), (ssize_t)(off + 140));
	}
	usleep(100000); /* all three wait in the stack's queue */
	assert_int_equal(rn_stack_run(s, 0), 0);
	assert_int_equal(acks_out, 3);
	assert_int_equal(t->stats.ooo_segs, 3);

	close(pfd);
	close(kfd);
	rn_tcp_free(c);
	rn_stack_close(s);
	close(lfd);
	assert_int_equal(system("sysctl -qw net.ipv4.tcp_sack=1 net.ipv4.tcp_timestamps=1"), 0);
}

/* --- stock offloads ------------------------------------------------------ */

static size_t max_seg_in;

static void note_seg_in(void *arg, const struct rn_stack_event *ev)
{
	(void)arg;
	if (ev->kind == RN_STACK_EV_SEG_IN && ev->seg->payload.len > max_seg_in)
		max_seg_in = ev->seg->payload.len;
}

/* On a veth with its default offloads the kernel's segments reach the
 * packet socket with the TCP checksum left to the NIC (CHECKSUM_PARTIAL)
 * and, with TSO, as frames far larger than the MTU: the stack takes both
 * (the socket queue and the ring alike), 2 MB arrive whole and a 64 KiB
 * segment is one segment. A segment with a wrong checksum written from a
 * packet socket on the kernel's side is still dropped and counted. */
static void stock_exchange(bool ring, uint16_t port)
{
	int lfd = listener_on(STOCK_KERNEL4, port);
	struct rn_stack_opts o = { .ifname = "v3", .has_ip4 = true, .rx_ring = ring,
				   .trace = note_seg_in };
	memcpy(o.ip4, STOCK_STACK4, 4);
	struct rn_stack *s = NULL;
	assert_int_equal(rn_stack_open(&o, &s), 0);
	struct rn_tcp_conn *c = NULL;
	assert_int_equal(rn_tcp_connect(s, AF_INET, STOCK_KERNEL4, port, 0, &c), 0);
	int kfd = -1;
	for (int i = 0; i < 500 && kfd < 0; i++) {
		kfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		if (kfd < 0)
			rn_stack_run(s, 10);
	}
	assert_true(kfd >= 0);
	assert_true(rn_stack_wait(s, c, RN_TCB_CONNECTED, 2000) & RN_TCB_CONNECTED);

	/* a corrupt segment at rcv_nxt: were it taken, "EVIL" would be read */
	const struct rn_tcb *t = rn_tcp_tcb(c);
	int pfd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	assert_true(pfd >= 0);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)if_nametoindex("v2") };
	assert_int_equal(bind(pfd, (struct sockaddr *)&sll, sizeof sll), 0);
	struct rn_eth eth = { .ethertype = RN_ETHERTYPE_IPV4 };
	read_mac("v2", &eth.src);
	read_mac("v3", &eth.dst);
	uint8_t frame[128] = { 0 };
	struct rn_ipv4 ip = { .ttl = 64, .proto = 6, .flag_df = true };
	memcpy(ip.src, STOCK_KERNEL4, 4);
	memcpy(ip.dst, STOCK_STACK4, 4);
	struct rn_tcp tcp = { .sport = port, .dport = rn_tcp_local_port(c), .seq = t->rcv_nxt,
			      .ack = t->snd_max, .flags = RN_TCP_ACK | RN_TCP_PSH, .window = 1000 };
	struct rn_pseudo ph = { .family = AF_INET };
	memcpy(ph.src, STOCK_KERNEL4, 4);
	memcpy(ph.dst, STOCK_STACK4, 4);
	size_t off = (size_t)rn_eth_emit(&eth, frame, sizeof frame);
	memcpy(frame + off + 40, "EVIL", 4);
	assert_int_equal(rn_tcp_emit(&tcp, &ph, frame + off + 20, sizeof frame - off - 20, 4), 20);
	frame[off + 20 + 16] ^= 0x5a; /* the checksum, wrong */
	assert_int_equal(rn_ipv4_emit(&ip, frame + off, sizeof frame - off, 24), 20);
	assert_int_equal(send(pfd, frame, off + 44, 0), (ssize_t)(off + 44));
	close(pfd);
	for (int i = 0; i < 20; i++)
		rn_stack_run(s, 5);
	struct rn_stack_stats st;
	rn_stack_stats(s, &st);
	assert_int_equal(st.bad_checksum, 1);
	char buf[4096];
	assert_int_equal(rn_tcp_recv(c, buf, sizeof buf), -EAGAIN);

	/* stack -> kernel */
	assert_int_equal(rn_tcp_send(c, "ping", 4), 4);
	ssize_t n = -1;
	for (int i = 0; i < 200 && n < 0; i++) {
		rn_stack_run(s, 5);
		n = read(kfd, buf, sizeof buf);
	}
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "ping", 4);

	/* 2 MB kernel -> stack */
	static uint8_t big[2 << 20];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 13 + (i >> 12));
	size_t sent = 0, got = 0;
	int same = 1;
	max_seg_in = 0;
	for (int i = 0; i < 40000 && got < sizeof big; i++) {
		if (sent < sizeof big) {
			ssize_t w = write(kfd, big + sent, sizeof big - sent);
			if (w > 0)
				sent += (size_t)w;
		}
		rn_stack_run(s, 1);
		for (;;) {
			ssize_t r = rn_tcp_recv(c, buf, sizeof buf);
			if (r <= 0)
				break;
			if (memcmp(buf, big + got, (size_t)r) != 0)
				same = 0;
			got += (size_t)r;
		}
	}
	assert_int_equal(got, sizeof big);
	assert_true(same);
	assert_true(max_seg_in > 1460); /* TSO: segments larger than the MSS, taken whole */
	rn_stack_stats(s, &st);
	assert_int_equal(st.bad_checksum, 1);
	assert_true(st.csum_partial > 0);
	close(kfd);
	assert_true(rn_stack_wait(s, c, RN_TCB_EOF, 3000) & RN_TCB_EOF);
	rn_tcp_free(c);
	rn_stack_close(s);
	close(lfd);
}

static void test_stock_offloads_queue(void **state)
{
	NEED_NET();
	stock_exchange(false, 7010);
}

static void test_stock_offloads_ring(void **state)
{
	NEED_NET();
	stock_exchange(true, 7011);
}

int main(void)
{
	have_net = setup_net();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_segments),
		cmocka_unit_test(test_format_other),
		cmocka_unit_test(test_nft_rule_text),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_exchange),
		cmocka_unit_test(test_free_resets),
		cmocka_unit_test(test_refused_and_unanswered),
		cmocka_unit_test(test_exchange_ring),
		cmocka_unit_test(test_close_and_abort),
		cmocka_unit_test(test_isn_secret),
		cmocka_unit_test(test_dupacks_without_sack),
		cmocka_unit_test(test_stock_offloads_queue),
		cmocka_unit_test(test_stock_offloads_ring),
	};
	return cmocka_run_group_tests_name("stack", tests, NULL, NULL);
}
