/* Shared by rawnet tcp and rawnet http: host and options to a connecting
 * rn_stack (see stackcli.h). */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "rawnet/error.h"
#include "rawnet/netinfo.h"
#include "rawnet/nftrst.h"
#include "stackcli.h"

volatile sig_atomic_t stack_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	stack_interrupted = 1;
}

void stack_trace_line(void *arg, const struct rn_stack_event *ev)
{
	(void)arg;
	char line[1024];
	rn_stack_event_format(ev, line, sizeof line);
	fprintf(stderr, "%s\n", line);
}

void stack_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: waits end */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

uint16_t stack_parse_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s && !*end) {
		if (v < 1 || v > 65535)
			errx(EXIT_USAGE, "port %s is out of range (1-65535)", s);
		return (uint16_t)v;
	}
	struct servent *se = getservbyname(s, "tcp");
	if (!se)
		errx(EXIT_USAGE, "port %s is neither a number nor a TCP service name", s);
	return ntohs((uint16_t)se->s_port);
}

static void format_peer(struct stack_conn *sc)
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(sc->family, sc->dst, a, sizeof a);
	if (sc->family == AF_INET6)
		snprintf(sc->peer, sizeof sc->peer, "[%s]:%u", a, sc->port);
	else
		snprintf(sc->peer, sizeof sc->peer, "%s:%u", a, sc->port);
}

void stack_connect(const struct stack_cli *o, const char *host, uint16_t port,
		   struct stack_conn *sc)
{
	memset(sc, 0, sizeof *sc);
	snprintf(sc->host, sizeof sc->host, "%s", host);
	sc->port = port;
	sc->trace = o->trace;
	sc->time_wait = o->time_wait;

	/* The family: from --source-ip when given, else -4/-6, else the resolver's first. */
	int family = o->family;
	uint8_t src[16];
	bool have_src = false;
	if (o->source_ip) {
		int f = strchr(o->source_ip, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(f, o->source_ip, src) != 1)
			errx(EXIT_USAGE, "--source-ip: %s is not an IP address", o->source_ip);
		if (family != AF_UNSPEC && family != f)
			errx(EXIT_USAGE, "--source-ip %s does not match -%c", o->source_ip,
			     family == AF_INET ? '4' : '6');
		family = f;
		have_src = true;
	}
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM }, *res;
	int g = getaddrinfo(host, NULL, &hints, &res);
	if (g != 0)
		errx(EXIT_USAGE, "%s: %s", host, g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
	sc->family = res->ai_family;
	if (sc->family == AF_INET)
		memcpy(sc->dst, &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
	else
		memcpy(sc->dst, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, 16);
	freeaddrinfo(res);
	format_peer(sc);

	/* The interface: -I, else the one the kernel routes HOST through. */
	struct rn_iface ifc;
	int rc;
	if (o->ifname) {
		rc = rn_iface_by_name(o->ifname, &ifc);
		if (rc < 0)
			errx(EXIT_USAGE, "-I %s: %s", o->ifname, rn_strerror(rc));
	}
	struct rn_route rt;
	rc = rn_route_get(sc->family, sc->dst, o->ifname ? ifc.ifindex : 0, &rt);
	if (rc < 0)
		errx(EXIT_USAGE, "no route to %s%s%s: %s", host, o->ifname ? " via " : "",
		     o->ifname ? o->ifname : "", rn_strerror(rc));
	if (!o->ifname) {
		rc = rn_iface_by_index(rt.oif, &ifc);
		if (rc < 0)
			errx(EXIT_USAGE, "the route to %s: interface %d: %s", host, rt.oif,
			     rn_strerror(rc));
	}
	snprintf(sc->ifname, sizeof sc->ifname, "%s", ifc.name);

	/* Our address: --source-ip, else the interface's own (with the RST rule). */
	if (!have_src) {
		if (!rt.has_src)
			errx(EXIT_USAGE, "%s has no %s address: give --source-ip", ifc.name,
			     sc->family == AF_INET ? "IPv4" : "IPv6");
		memcpy(src, rt.src, 16);
	}
	memcpy(sc->src, src, 16);

	struct rn_tcb_config cfg;
	rn_tcb_config_default(&cfg);
	cfg.mss = 0; /* from the MTU */
	cfg.sndbuf_size = cfg.rcvbuf_size = 4u << 20;
	cfg.connect_timeout_us = (uint64_t)(o->timeout * 1e6);
	cfg.syn_retries = 100; /* the timeout decides */
	cfg.time_wait_us = (uint64_t)(o->time_wait * 1e6);

	struct rn_stack_opts so = {
		.ifname = ifc.name,
		.firewall = o->no_firewall ? RN_STACK_FW_OFF : RN_STACK_FW_AUTO,
		.tcp = &cfg,
		.trace = o->trace ? stack_trace_line : NULL,
	};
	if (sc->family == AF_INET) {
		so.has_ip4 = true;
		memcpy(so.ip4, src, 4);
	} else {
		so.has_ip6 = true;
		memcpy(so.ip6, src, 16);
	}
	if (o->source_mac) {
		if (rn_mac_parse(o->source_mac, &so.mac) < 0)
			errx(EXIT_USAGE, "--source-mac: %s is not a MAC address", o->source_mac);
		so.has_mac = true;
	}
	rc = rn_stack_open(&so, &sc->s);
	if (rc == -EPERM || rc == -EACCES)
		errx(EXIT_USAGE, "%s: packet socket: %s (needs CAP_NET_RAW)", ifc.name,
		     rn_strerror(rc));
	if (rc < 0)
		errx(EXIT_USAGE, "%s: %s", ifc.name, rn_strerror(rc));

	char a[INET6_ADDRSTRLEN];
	inet_ntop(sc->family, src, a, sizeof a);
	bool local = rn_stack_addr_is_local(sc->s, sc->family);
	if (local && o->no_firewall) {
		char rule[1024];
		rn_nftrst_format(sc->family, src, 0, sc->dst, port, "rawnet", rule, sizeof rule);
		warnx("--no-firewall: %s is this host's address, so its kernel will reset the "
		      "connection unless its RSTs are dropped, e.g. with\n%s",
		      a, rule);
	}

	stack_signals();

	sc->t0 = mono_now();
	rc = rn_tcp_connect(sc->s, sc->family, sc->dst, port, 0, &sc->c);
	if (rc < 0) {
		rn_stack_close(sc->s);
		if (rc == -RN_EUNSUP)
			errx(EXIT_USAGE, "%s is this host: from %s the raw-socket stack can only "
					 "reach other hosts (this host itself over lo: leave out -I)",
			     host, sc->ifname);
		errx(EXIT_USAGE, "connect to %s: %s", sc->peer, rn_strerror(rc));
	}
	if (local && !o->no_firewall && !o->trace) /* the trace has said it */
		warnx("%s is this host's address: nftables table inet %s drops the kernel's RSTs "
		      "for %s:%u > %s until rawnet exits",
		      a, rn_tcp_firewall_table(sc->c), a, rn_tcp_local_port(sc->c), sc->peer);
}

int stack_report(struct stack_conn *sc, const char *what)
{
	if (stack_interrupted) {
		warnx("interrupted");
		return EXIT_NOREPLY;
	}
	int e = rn_tcp_error(sc->c);
	double t = mono_now() - sc->t0;
	bool connected = rn_tcp_poll(sc->c) & RN_TCB_CONNECTED;
	if (e == -RN_ERESET && !connected)
		warnx("connection refused by %s (reset)", sc->peer);
	else if (e == -RN_ERESET)
		warnx("connection reset by peer %s", sc->peer);
	else if (e == -RN_ENOANSWER)
		warnx("connect timeout: no answer from %s after %.0f s (no %s reply for the next hop)",
		      sc->peer, t, sc->family == AF_INET ? "ARP" : "neighbour discovery");
	else if (e == -RN_ETIMEOUT && !connected) {
		struct rn_stack_stats st;
		rn_stack_stats(sc->s, &st);
		if (st.bad_checksum)
			warnx("connect timeout: no answer from %s after %.0f s, but %" PRIu64
			      " TCP segment%s arrived with a bad checksum and %s dropped: something "
			      "on the path corrupts frames (see them with rawnet sniff -v)",
			      sc->peer, t, st.bad_checksum, st.bad_checksum == 1 ? "" : "s",
			      st.bad_checksum == 1 ? "was" : "were");
		else if (st.ring_drops)
			warnx("connect timeout: no answer from %s after %.0f s, but the kernel dropped "
			      "%" PRIu64 " frames for a full receive queue: retry, or lower the load",
			      sc->peer, t, st.ring_drops);
		else
			warnx("connect timeout: no answer from %s after %.0f s", sc->peer, t);
	}
	else if (e == -RN_ETIMEOUT)
		warnx("connection timed out: %s stopped answering", sc->peer);
	else if (e < 0)
		warnx("%s: %s", sc->peer, rn_strerror(e));
	else
		warnx("%s: %s", sc->peer, what);
	return EXIT_NOREPLY;
}

int stack_wait_connected(struct stack_conn *sc)
{
	for (;;) {
		if (stack_interrupted)
			return stack_report(sc, "interrupted");
		int bits = rn_stack_wait(sc->s, sc->c, RN_TCB_CONNECTED | RN_TCB_CLOSED, -1);
		if (bits == -EINTR)
			continue;
		if (bits < 0) {
			warnx("%s: %s", sc->ifname, rn_strerror(bits));
			return EXIT_NOREPLY;
		}
		if (bits & (RN_TCB_ERROR | RN_TCB_CLOSED))
			return stack_report(sc, "connection closed");
		if (bits & RN_TCB_CONNECTED)
			return 0;
	}
}

void stack_time_wait(struct stack_conn *sc, bool output_done)
{
	if (!sc->s || !sc->c || sc->time_wait <= 0 || stack_interrupted ||
	    rn_tcp_state(sc->c) != RN_TCP_TIME_WAIT)
		return;
	/* The answer is complete: let the reader of stdout see its end now. */
	fflush(stdout);
	int null = output_done ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
	if (null >= 0) {
		dup2(null, 1);
		close(null);
	}
	/* The machine ends TIME-WAIT by its timer (restarted by a retransmitted
	 * FIN); the limit only guards against a peer that never stops. */
	double limit = mono_now() + 2 * sc->time_wait + 5;
	while (rn_tcp_state(sc->c) == RN_TCP_TIME_WAIT && !stack_interrupted) {
		double left = limit - mono_now();
		if (left <= 0)
			break;
		int rc = rn_stack_run(sc->s, (int)(left * 1000) + 1);
		if (rc < 0 && rc != -EINTR) {
			warnx("%s: %s", sc->ifname, rn_strerror(rc));
			break;
		}
	}
}

void stack_close(struct stack_conn *sc)
{
	if (sc->s && sc->c && sc->trace) {
		const struct rn_tcb *t = rn_tcp_tcb(sc->c);
		struct rn_stack_stats st;
		rn_stack_stats(sc->s, &st);
		fprintf(stderr,
			"stats: segments in %" PRIu64 ", out %" PRIu64 ", retransmitted %" PRIu64
			", timeouts %" PRIu64 ", out of order %" PRIu64 ", dropped %" PRIu64
			"; srtt %.1f ms; frames in %" PRIu64 ", out %" PRIu64 ", ring drops %" PRIu64
			", bad checksum %" PRIu64 ", checksum offloaded %" PRIu64 "\n",
			t->stats.segs_in, t->stats.segs_out, t->stats.retransmits, t->stats.rtos,
			t->stats.ooo_segs, t->stats.drops, (double)rn_tcb_srtt(t) / 1000,
			st.frames_in, st.frames_out, st.ring_drops, st.bad_checksum, st.csum_partial);
	}
	if (sc->s)
		rn_stack_close(sc->s); /* frees (and, if open, resets) the connection */
	sc->s = NULL;
	sc->c = NULL;
}
