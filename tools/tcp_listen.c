/* rawnet tcp -l: the passive side on rawnet's own stack, OpenBSD nc style.
 * One connection (the peer to stdout, stdin to the peer, half-closes both
 * ways), or with -k any number at once in one event loop: their bytes to
 * stdout, echoed back (--echo), or to and from a command per connection
 * (-e CMD, as ncat -e). --trace tags every state change with its 4-tuple. */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "rawnet/error.h"
#include "rawnet/netinfo.h"
#include "rawnet/nftrst.h"
#include "rawnet/stack.h"
#include "stackcli.h"

#define CHUNK 65536
#define ECHO_ROUNDS 8            /* chunks per connection per turn (fairness) */
#define KEEP_BUF (256u * 1024)   /* per-connection buffers with -k */

enum mode { MODE_CAT, MODE_ECHO, MODE_EXEC };

struct lconn {
	struct rn_tcp_conn *c;
	struct lconn *next;
	char tag[160];              /* "10.77.0.1:40000 > 10.77.0.2:7" */
	bool shut, again;
	pid_t pid;                  /* -e: the command, or 0 */
	int to_child, from_child;   /* -1 once closed */
	size_t tlen, toff;          /* bytes from the peer waiting for the command */
	size_t olen, ooff;          /* bytes from the command waiting for the peer */
	uint8_t *tbuf, *obuf;
};

struct srv {
	const struct listen_cli *o;
	enum mode mode;
	struct rn_stack *s;
	struct rn_tcp_listener *l[2];
	int nl;
	struct lconn *conns;
	unsigned nconns;
	uint64_t accepted;
	char ifname[16];
	int family;                 /* the one family we listen on, or AF_UNSPEC for both */
	uint8_t ip4[4], ip6[16];
	bool has4, has6;
	struct rn_tcp_listener_stats closed_stats; /* of listeners closed early (nc -l) */
};

static void endpoint(char *buf, size_t cap, int family, const uint8_t *a, uint16_t port)
{
	char s[INET6_ADDRSTRLEN];
	if (!inet_ntop(family, a, s, sizeof s))
		strcpy(s, "?");
	snprintf(buf, cap, family == AF_INET6 ? "[%s]:%u" : "%s:%u", s, port);
}

static void conn_tag(const struct srv *sv, struct rn_tcp_conn *c, char *buf, size_t cap)
{
	int family;
	uint8_t a[16];
	uint16_t port;
	char p[64], m[64];
	_Static_assert(sizeof p + sizeof m + 4 <= sizeof ((struct lconn *)0)->tag, "tag");
	rn_tcp_peer(c, &family, a, &port);
	endpoint(p, sizeof p, family, a, port);
	endpoint(m, sizeof m, family, family == AF_INET ? sv->ip4 : sv->ip6, rn_tcp_local_port(c));
	snprintf(buf, cap, "%s > %s", p, m);
}

static struct srv *trace_srv;

/* State changes carry the connection's 4-tuple; a new connection's own
 * CLOSED -> LISTEN (it is born from the listener) is not worth a line. */
static void listen_trace(void *arg, const struct rn_stack_event *ev)
{
	(void)arg;
	if (ev->kind == RN_STACK_EV_STATE && ev->conn) {
		if (ev->from == RN_TCP_CLOSED && ev->to == RN_TCP_LISTEN)
			return;
		char tag[160];
		conn_tag(trace_srv, ev->conn, tag, sizeof tag);
		fprintf(stderr, "%s  %s -> %s\n", tag, rn_tcp_state_name(ev->from),
			rn_tcp_state_name(ev->to));
		return;
	}
	stack_trace_line(arg, ev);
}

/* The interface and addresses: ADDR's interface (one that has it, or the
 * one its subnet is on), else -I's addresses. */
static void pick_addresses(struct srv *sv)
{
	const struct stack_cli *cli = sv->o->cli;
	struct rn_iface ifc;
	int rc, ifindex = 0;
	if (cli->ifname) {
		rc = rn_iface_by_name(cli->ifname, &ifc);
		if (rc < 0)
			errx(EXIT_USAGE, "-I %s: %s", cli->ifname, rn_strerror(rc));
		ifindex = ifc.ifindex;
	}
	if (sv->o->addr) {
		const char *a = sv->o->addr;
		int f = strchr(a, ':') ? AF_INET6 : AF_INET;
		uint8_t addr[16];
		if (inet_pton(f, a, addr) != 1)
			errx(EXIT_USAGE, "%s is not an IP address", a);
		if (cli->family != AF_UNSPEC && cli->family != f)
			errx(EXIT_USAGE, "%s does not match -%c", a, cli->family == AF_INET ? '4' : '6');
		if (!ifindex) {
			struct rn_ifaddr ia[64];
			int n = rn_iface_addrs(0, f, ia, 64);
			for (int i = 0; i < n && i < 64 && !ifindex; i++)
				if (!memcmp(ia[i].addr, addr, f == AF_INET ? 4 : 16))
					ifindex = ia[i].ifindex;
		}
		if (!ifindex) {
			struct rn_route rt;
			rc = rn_route_get(f, addr, 0, &rt);
			if (rc < 0 || rt.has_gateway)
				errx(EXIT_USAGE, "%s is neither this host's address nor on one of its "
						 "subnets: give -I", a);
			ifindex = rt.oif;
		}
		sv->family = f;
		if (f == AF_INET) {
			memcpy(sv->ip4, addr, 4);
			sv->has4 = true;
		} else {
			memcpy(sv->ip6, addr, 16);
			sv->has6 = true;
		}
	} else {
		if (!ifindex)
			errx(EXIT_USAGE, "-l without ADDR needs -I IF (whose addresses to use)");
		sv->family = cli->family;
		struct rn_ifaddr ia[64];
		int n = rn_iface_addrs(ifindex, AF_UNSPEC, ia, 64);
		for (int i = 0; i < n && i < 64; i++) {
			if (ia[i].scope != 0) /* RT_SCOPE_UNIVERSE only */
				continue;
			if (ia[i].family == AF_INET && !sv->has4 && cli->family != AF_INET6) {
				memcpy(sv->ip4, ia[i].addr, 4);
				sv->has4 = true;
			} else if (ia[i].family == AF_INET6 && !sv->has6 && cli->family != AF_INET) {
				memcpy(sv->ip6, ia[i].addr, 16);
				sv->has6 = true;
			}
		}
		if (!sv->has4 && !sv->has6)
			errx(EXIT_USAGE, "%s has no %saddress: give ADDR", cli->ifname,
			     cli->family == AF_INET ? "IPv4 " : cli->family == AF_INET6 ? "IPv6 " : "");
	}
	rc = rn_iface_by_index(ifindex, &ifc);
	if (rc < 0)
		errx(EXIT_USAGE, "interface %d: %s", ifindex, rn_strerror(rc));
	snprintf(sv->ifname, sizeof sv->ifname, "%s", ifc.name);
}

static void open_stack(struct srv *sv)
{
	const struct stack_cli *cli = sv->o->cli;
	struct rn_tcb_config cfg;
	rn_tcb_config_default(&cfg);
	cfg.mss = 0;
	/* one connection: big buffers for speed; many: the machine's default */
	cfg.sndbuf_size = cfg.rcvbuf_size = sv->o->keep ? KEEP_BUF : 4u << 20;
	cfg.connect_timeout_us = 10000000; /* SYN-RECEIVED gives up after 10 s */
	cfg.time_wait_us = (uint64_t)(cli->time_wait * 1e6);
	struct rn_stack_opts so = {
		.ifname = sv->ifname,
		.has_ip4 = sv->has4,
		.has_ip6 = sv->has6,
		.firewall = cli->no_firewall ? RN_STACK_FW_OFF : RN_STACK_FW_AUTO,
		.tcp = &cfg,
		.trace = cli->trace ? listen_trace : NULL,
	};
	memcpy(so.ip4, sv->ip4, 4);
	memcpy(so.ip6, sv->ip6, 16);
	if (cli->source_mac) {
		if (rn_mac_parse(cli->source_mac, &so.mac) < 0)
			errx(EXIT_USAGE, "--source-mac: %s is not a MAC address", cli->source_mac);
		so.has_mac = true;
	}
	trace_srv = sv;
	int rc = rn_stack_open(&so, &sv->s);
	if (rc == -EPERM || rc == -EACCES)
		errx(EXIT_USAGE, "%s: packet socket: %s (needs CAP_NET_RAW)", sv->ifname,
		     rn_strerror(rc));
	if (rc < 0)
		errx(EXIT_USAGE, "%s: %s", sv->ifname, rn_strerror(rc));
	for (int k = 0; k < 2; k++) {
		int f = k ? AF_INET6 : AF_INET;
		if (!(f == AF_INET ? sv->has4 : sv->has6))
			continue;
		const uint8_t *a = f == AF_INET ? sv->ip4 : sv->ip6;
		char ep[64];
		endpoint(ep, sizeof ep, f, a, sv->o->port);
		rc = rn_tcp_listen(sv->s, f, sv->o->port, sv->o->backlog, true, &sv->l[sv->nl]);
		if (rc < 0) {
			rn_stack_close(sv->s);
			errx(EXIT_USAGE, "listen on %s: %s", ep, rn_strerror(rc));
		}
		sv->nl++;
		bool local = rn_stack_addr_is_local(sv->s, f);
		if (local && cli->no_firewall) {
			char rule[1024];
			rn_nftrst_format(f, a, sv->o->port, NULL, 0, "rawnet", rule, sizeof rule);
			warnx("--no-firewall: %s is this host's address, so its kernel will reset "
			      "every connection unless its RSTs are dropped, e.g. with\n%s",
			      ep, rule);
		}
		if (cli->trace)
			fprintf(stderr, "%s  LISTEN%s\n", ep,
				local ? " (this host's address)" : " (ARP/ND answered by rawnet)");
	}
}

static void stop_listening(struct srv *sv)
{
	for (int i = 0; i < sv->nl; i++) {
		struct rn_tcp_listener_stats ls;
		rn_tcp_listener_stats(sv->l[i], &ls);
		sv->closed_stats.syns += ls.syns;
		sv->closed_stats.cookies_sent += ls.cookies_sent;
		sv->closed_stats.cookies_ok += ls.cookies_ok;
		sv->closed_stats.dropped += ls.dropped;
		rn_tcp_listener_close(sv->l[i]);
	}
	sv->nl = 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
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

static void start_child(struct srv *sv, struct lconn *lc)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		err(EXIT_USAGE, "pipe");
	pid_t pid = fork();
	if (pid < 0)
		err(EXIT_USAGE, "fork");
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl("/bin/sh", "sh", "-c", sv->o->exec, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	lc->pid = pid;
	lc->to_child = in[1];
	lc->from_child = out[0];
	fcntl(lc->to_child, F_SETFL, O_NONBLOCK);
	fcntl(lc->from_child, F_SETFL, O_NONBLOCK);
	lc->tbuf = malloc(CHUNK);
	lc->obuf = malloc(CHUNK);
	if (!lc->tbuf || !lc->obuf)
		errx(EXIT_USAGE, "out of memory");
}

static void lconn_free(struct srv *sv, struct lconn *lc)
{
	if (lc->to_child >= 0)
		close(lc->to_child);
	if (lc->from_child >= 0)
		close(lc->from_child);
	if (lc->pid > 0 && waitpid(lc->pid, NULL, WNOHANG) == 0)
		kill(lc->pid, SIGTERM); /* the connection is gone: so is its command */
	if (lc->pid > 0)
		waitpid(lc->pid, NULL, 0);
	for (struct lconn **p = &sv->conns; *p; p = &(*p)->next)
		if (*p == lc) {
			*p = lc->next;
			break;
		}
	rn_tcp_free(lc->c);
	free(lc->tbuf);
	free(lc->obuf);
	free(lc);
	sv->nconns--;
}

static void accept_all(struct srv *sv)
{
	for (int i = 0; i < sv->nl; i++) {
		struct rn_tcp_conn *c;
		while (i < sv->nl && rn_tcp_accept(sv->l[i], &c) == 0) {
			if (sv->o->max_conns && sv->nconns >= sv->o->max_conns) {
				rn_tcp_abort(c); /* ncat --max-conns: refuse the extra one */
				rn_tcp_free(c);
				continue;
			}
			struct lconn *lc = calloc(1, sizeof *lc);
			if (!lc)
				errx(EXIT_USAGE, "out of memory");
			lc->c = c;
			lc->to_child = lc->from_child = -1;
			conn_tag(sv, c, lc->tag, sizeof lc->tag);
			rn_tcp_set_user(c, lc);
			lc->next = sv->conns;
			sv->conns = lc;
			sv->nconns++;
			sv->accepted++;
			if (sv->mode == MODE_EXEC)
				start_child(sv, lc);
			if (!sv->o->keep)
				stop_listening(sv); /* nc -l: one connection */
		}
	}
}

/* Is the connection over (closed or failed)? With --trace an error is said. */
static bool finished(struct lconn *lc)
{
	unsigned bits = rn_tcp_poll(lc->c);
	if (bits & RN_TCB_ERROR) {
		int e = rn_tcp_error(lc->c);
		warnx("%s: %s", lc->tag, e == -RN_ERESET ? "connection reset by peer" : rn_strerror(e));
		return true;
	}
	return rn_tcp_state(lc->c) == RN_TCP_CLOSED;
}

static void serve_echo(struct lconn *lc)
{
	static uint8_t buf[CHUNK];
	const struct rn_tcb *t = rn_tcp_tcb(lc->c);
	unsigned rounds = 0;
	for (; rounds < ECHO_ROUNDS; rounds++) {
		size_t n = rn_tcb_readable(t), room = rn_tcb_writable(t);
		if (n > room)
			n = room;
		if (n > sizeof buf)
			n = sizeof buf;
		if (!n)
			break;
		ssize_t r = rn_tcp_recv(lc->c, buf, n);
		if (r <= 0)
			break;
		rn_tcp_send(lc->c, buf, (size_t)r); /* fits: room was checked */
	}
	lc->again = rounds == ECHO_ROUNDS;
	unsigned bits = rn_tcp_poll(lc->c);
	if ((bits & RN_TCB_EOF) && !rn_tcb_readable(t) && !lc->shut) {
		rn_tcp_shutdown(lc->c);
		lc->shut = true;
	}
}

static void serve_cat(struct lconn *lc)
{
	static uint8_t buf[CHUNK];
	for (unsigned rounds = 0; rounds < ECHO_ROUNDS; rounds++) {
		ssize_t r = rn_tcp_recv(lc->c, buf, sizeof buf);
		if (r == 0 && !lc->shut) {
			rn_tcp_shutdown(lc->c); /* the peer is done, and we have nothing */
			lc->shut = true;
		}
		if (r <= 0)
			return;
		if (write_all(1, buf, (size_t)r) < 0)
			err(EXIT_NOREPLY, "stdout");
	}
	lc->again = true;
}

static void serve_exec(struct lconn *lc)
{
	/* the peer to the command */
	for (;;) {
		if (lc->toff == lc->tlen && lc->to_child >= 0) {
			ssize_t r = rn_tcp_recv(lc->c, lc->tbuf, CHUNK);
			if (r == 0) {
				close(lc->to_child); /* the peer's FIN: the command's end of input */
				lc->to_child = -1;
			}
			if (r <= 0)
				break;
			lc->tlen = (size_t)r;
			lc->toff = 0;
		}
		if (lc->to_child < 0 || lc->toff == lc->tlen)
			break;
		ssize_t w = write(lc->to_child, lc->tbuf + lc->toff, lc->tlen - lc->toff);
		if (w < 0 && errno == EPIPE) {
			close(lc->to_child);
			lc->to_child = -1;
			break;
		}
		if (w <= 0)
			break;
		lc->toff += (size_t)w;
	}
	if (lc->to_child < 0) { /* nobody reads any more: drop what comes */
		static uint8_t sink[CHUNK];
		while (rn_tcp_recv(lc->c, sink, sizeof sink) > 0)
			;
	}
	/* the command to the peer */
	for (;;) {
		if (lc->ooff == lc->olen && lc->from_child >= 0) {
			ssize_t r = read(lc->from_child, lc->obuf, CHUNK);
			if (r == 0) {
				close(lc->from_child);
				lc->from_child = -1;
			}
			if (r <= 0)
				break;
			lc->olen = (size_t)r;
			lc->ooff = 0;
		}
		if (lc->ooff == lc->olen)
			break;
		ssize_t n = rn_tcp_send(lc->c, lc->obuf + lc->ooff, lc->olen - lc->ooff);
		if (n <= 0)
			break;
		lc->ooff += (size_t)n;
	}
	if (lc->from_child < 0 && lc->ooff == lc->olen && !lc->shut) {
		rn_tcp_shutdown(lc->c); /* the command closed its output */
		lc->shut = true;
	}
}

static void serve(struct srv *sv, struct lconn *lc)
{
	lc->again = false;
	if (sv->mode == MODE_ECHO)
		serve_echo(lc);
	else if (sv->mode == MODE_EXEC)
		serve_exec(lc);
	else
		serve_cat(lc);
}

/* One connection, nc -l: stdin and stdout are the connection's. */
static int run_single_cat(struct srv *sv)
{
	struct lconn *lc = sv->conns;
	struct stack_conn sc;
	memset(&sc, 0, sizeof sc);
	sc.s = sv->s;
	sc.c = lc->c;
	sc.t0 = mono_now();
	sc.time_wait = sv->o->cli->time_wait;
	snprintf(sc.ifname, sizeof sc.ifname, "%s", sv->ifname);
	int family;
	uint16_t port;
	rn_tcp_peer(lc->c, &family, sc.dst, &port);
	endpoint(sc.peer, sizeof sc.peer, family, sc.dst, port);
	sc.family = family;
	sc.port = port;
	int rc = tcp_run_cat(&sc, true);
	stack_time_wait(&sc, true);
	return rc;
}

int tcp_listen(const struct listen_cli *o)
{
	struct srv sv;
	memset(&sv, 0, sizeof sv);
	sv.o = o;
	sv.mode = o->exec ? MODE_EXEC : o->echo ? MODE_ECHO : MODE_CAT;
	pick_addresses(&sv);
	stack_signals();
	open_stack(&sv);
	int status = EXIT_OK;
	for (;;) {
		if (stack_interrupted)
			break;
		accept_all(&sv);
		if (!o->keep && sv.mode == MODE_CAT && sv.conns) {
			status = run_single_cat(&sv);
			break;
		}
		for (struct rn_tcp_conn *c; (c = rn_stack_next_ready(sv.s));) {
			struct lconn *lc = rn_tcp_user(c);
			if (lc)
				serve(&sv, lc);
		}
		/* the finished ones go; with -e, the pipes are served from poll */
		bool again = false;
		for (struct lconn *lc = sv.conns, *n; lc; lc = n) {
			n = lc->next;
			if (sv.mode == MODE_EXEC)
				serve(&sv, lc);
			if (finished(lc)) {
				if (!o->keep && (rn_tcp_poll(lc->c) & RN_TCB_ERROR))
					status = EXIT_NOREPLY;
				lconn_free(&sv, lc);
				continue;
			}
			again |= lc->again;
		}
		if (!o->keep && sv.accepted && !sv.conns)
			break;
		/* wait: the stack, and with -e the commands' pipes */
		struct pollfd pf[1 + 2 * 512];
		nfds_t np = 0;
		pf[np++] = (struct pollfd){ rn_stack_fd(sv.s), POLLIN, 0 };
		for (struct lconn *lc = sv.conns; lc && np + 2 <= sizeof pf / sizeof pf[0];
		     lc = lc->next) {
			if (lc->to_child >= 0 && lc->toff < lc->tlen)
				pf[np++] = (struct pollfd){ lc->to_child, POLLOUT, 0 };
			if (lc->from_child >= 0 && lc->ooff == lc->olen)
				pf[np++] = (struct pollfd){ lc->from_child, POLLIN, 0 };
		}
		int n = poll(pf, np, again ? 0 : 1000);
		if (n < 0 && errno != EINTR)
			err(EXIT_NOREPLY, "poll");
		int rc = rn_stack_run(sv.s, 0);
		if (rc < 0 && rc != -EINTR) {
			warnx("%s: %s", sv.ifname, rn_strerror(rc));
			status = EXIT_NOREPLY;
			break;
		}
		for (struct lconn *lc = sv.conns; lc; lc = lc->next)
			if (lc->again)
				serve(&sv, lc);
	}
	while (sv.conns)
		lconn_free(&sv, sv.conns);
	if (o->cli->trace) {
		struct rn_stack_stats st;
		struct rn_tcp_listener_stats ls, sum = { 0 };
		rn_stack_stats(sv.s, &st);
		for (int i = 0; i < sv.nl; i++) {
			rn_tcp_listener_stats(sv.l[i], &ls);
			sum.syns += ls.syns;
			sum.cookies_sent += ls.cookies_sent;
			sum.cookies_ok += ls.cookies_ok;
			sum.dropped += ls.dropped;
		}
		sum.syns += sv.closed_stats.syns;
		sum.cookies_sent += sv.closed_stats.cookies_sent;
		sum.cookies_ok += sv.closed_stats.cookies_ok;
		sum.dropped += sv.closed_stats.dropped;
		fprintf(stderr,
			"stats: connections accepted %" PRIu64 "; SYNs %" PRIu64 ", SYN cookies sent %" PRIu64
			", connections from cookies %" PRIu64 ", SYNs dropped %" PRIu64 "; frames in %" PRIu64
			", out %" PRIu64 ", ring drops %" PRIu64 "\n",
			sv.accepted, sum.syns, sum.cookies_sent, sum.cookies_ok, sum.dropped,
			st.frames_in, st.frames_out, st.ring_drops);
	}
	stop_listening(&sv);
	rn_stack_close(sv.s);
	if (stack_interrupted && !o->keep && !sv.accepted)
		return EXIT_NOREPLY;
	return status;
}
