/* rawnet tcp: netcat over raw sockets. One TCP connection (RFC 9293) made by
 * rawnet's own stack on AF_PACKET: standard input to the peer, the peer to
 * standard output, a half-close at the end of input; --trace shows every
 * segment and state change. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "rawnet/error.h"
#include "rawnet/stack.h"
#include "stackcli.h"

#define IO_CHUNK 65536
#define SEND_IDLE 0.3            /* --send: the reply is over after this much quiet */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rawnet tcp [-46] [-I IF] [--source-ip IP] [--source-mac MAC] [--no-firewall]\n"
		"                  [--trace] [--send TEXT] [-w SECONDS] [--time-wait SECONDS] HOST PORT\n"
		"       rawnet tcp -l [-k] [--echo | -e CMD] [--max-conns N] [--backlog N] [-46]\n"
		"                  [-I IF] [--source-mac MAC] [--no-firewall] [--trace] [ADDR] PORT\n"
		"\n"
		"A TCP connection made by rawnet's own stack on a packet socket: standard input\n"
		"goes to HOST:PORT, what it sends back to standard output; the end of input\n"
		"half-closes the connection. With -l, the passive side (as nc -l).\n"
		"\n"
		"  -l               listen on ADDR (this host's address, with an nftables rule\n"
		"                   dropping the kernel's RSTs from PORT, or a free address of a\n"
		"                   subnet: rawnet answers ARP / ND for it), or without ADDR on\n"
		"                   -I IF's IPv4 and IPv6 addresses; take one connection: its\n"
		"                   bytes to standard output, standard input to it\n"
		"  -k               keep accepting, any number at once (their bytes to standard\n"
		"                   output; standard input is not read)\n"
		"  --echo           send each connection's bytes back to it\n"
		"  -e CMD           run CMD with /bin/sh per connection, its standard input and\n"
		"                   output on the connection (as ncat -e)\n"
		"  --max-conns N    at most N connections at once: further ones are reset\n"
		"  --backlog N      connections half-open or not yet taken (default 128);\n"
		"                   beyond, SYNs are answered with SYN cookies (RFC 4987)\n"
		"\n"
		"  -I IF            the interface (default: the one the route to HOST uses)\n"
		"  --source-ip IP   our address (default: the interface's own address, with an\n"
		"                   nftables rule dropping the kernel's RSTs for the connection);\n"
		"                   an unused address of the subnet needs no rule: rawnet answers\n"
		"                   ARP / neighbour solicitations for it\n"
		"  --source-mac MAC our MAC (default: the interface's)\n"
		"  --no-firewall    add no nftables rule; print the rule to add instead\n"
		"  --trace          print every segment in and out, and each state change, on stderr\n"
		"  --send TEXT      send TEXT (C escapes: \\n \\r \\t \\xHH), print the reply, close\n"
		"  -w SECONDS       connect timeout (default 10); with --send, also how long to\n"
		"                   wait for the reply and for the peer's close\n"
		"  --time-wait SECONDS\n"
		"                   when we closed first, stay this long in TIME-WAIT (after\n"
		"                   the output is complete) to acknowledge a FIN the peer\n"
		"                   sends again (default %g; 0: exit at once)\n"
		"  -4, -6           use IPv4 / IPv6 for HOST\n"
		"\n"
		"Exit status: 0 after a clean close, 1 on reset or timeout, 2 on usage errors;\n"
		"-k runs until SIGINT or SIGTERM (exit 0).\n",
		STACK_TIME_WAIT_DEFAULT);
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

/* Moves whatever arrived to stdout: 1 at the end of the stream, 0 otherwise,
 * negative on the connection's error. *got counts bytes. */
static int drain(struct stack_conn *sc, uint64_t *got)
{
	static uint8_t buf[IO_CHUNK];
	for (;;) {
		ssize_t n = rn_tcp_recv(sc->c, buf, sizeof buf);
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return 1;
		if (write_all(1, buf, (size_t)n) < 0)
			err(EXIT_NOREPLY, "stdout");
		*got += (uint64_t)n;
	}
}

/* Waits for the stack, at most timeout seconds (< 0: no limit). */
static int step(struct stack_conn *sc, double timeout)
{
	int ms = timeout < 0 ? -1 : (int)(timeout * 1000 + 1);
	int rc = rn_stack_run(sc->s, ms);
	if (rc < 0 && rc != -EINTR) {
		warnx("%s: %s", sc->ifname, rn_strerror(rc));
		return -1;
	}
	return 0;
}

/* C escapes in --send TEXT: \n \r \t \0 \\ \xHH. Returns the length. */
static size_t unescape(const char *in, char *out)
{
	size_t n = 0;
	for (const char *p = in; *p; p++) {
		if (*p != '\\' || !p[1]) {
			out[n++] = *p;
			continue;
		}
		switch (*++p) {
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case '0': out[n++] = '\0'; break;
		case 'x': {
			unsigned v = 0, k = 0;
			while (k < 2 && ((p[1] >= '0' && p[1] <= '9') || ((p[1] | 32) >= 'a' && (p[1] | 32) <= 'f'))) {
				p++;
				v = v * 16 + (unsigned)(*p <= '9' ? *p - '0' : (*p | 32) - 'a' + 10);
				k++;
			}
			if (!k)
				errx(EXIT_USAGE, "--send: \\x needs hex digits");
			out[n++] = (char)v;
			break;
		}
		default: out[n++] = *p; break;
		}
	}
	return n;
}

/* --send TEXT: send, print the reply, close. */
static int run_send(struct stack_conn *sc, char *text, double wait)
{
	size_t len = unescape(text, text), off = 0; /* in place: never longer */
	uint64_t got = 0;
	bool eof = false;
	double last = mono_now(), start = last;
	while (off < len) {
		ssize_t n = rn_tcp_send(sc->c, text + off, len - off);
		if (n < 0)
			return stack_report(sc, "send");
		off += (size_t)n;
		if (off < len && (stack_interrupted || step(sc, -1) < 0))
			return stack_report(sc, "interrupted");
	}
	/* the reply: until the peer closes, or it went quiet after some bytes */
	while (!eof) {
		uint64_t before = got;
		int d = drain(sc, &got);
		if (d < 0)
			return stack_report(sc, "receive");
		eof = d == 1;
		double now = mono_now();
		if (got != before)
			last = now;
		if (eof || (got && now - last >= SEND_IDLE))
			break;
		if (!got && now - start >= wait) {
			warnx("no reply from %s within %g s", sc->peer, wait);
			break;
		}
		if (stack_interrupted)
			return stack_report(sc, "interrupted");
		double left = got ? SEND_IDLE - (now - last) : wait - (now - start);
		if (step(sc, left) < 0)
			return EXIT_NOREPLY;
	}
	int sent_reply = got > 0;
	/* close, and wait (bounded) for the peer's FIN and ACK */
	rn_tcp_shutdown(sc->c);
	double deadline = mono_now() + wait;
	for (;;) {
		int d = drain(sc, &got);
		if (d < 0)
			return stack_report(sc, "close");
		unsigned bits = rn_tcp_poll(sc->c);
		if (bits & RN_TCB_ERROR)
			return stack_report(sc, "close");
		if (bits & RN_TCB_CLOSED)
			break;
		double now = mono_now();
		if (now >= deadline) {
			warnx("%s did not close the connection within %g s", sc->peer, wait);
			return EXIT_NOREPLY;
		}
		if (stack_interrupted)
			return stack_report(sc, "interrupted");
		if (step(sc, deadline - now) < 0)
			return EXIT_NOREPLY;
	}
	return sent_reply ? EXIT_OK : EXIT_NOREPLY;
}

/* netcat: stdin to the peer, the peer to stdout (also for one accepted
 * connection of rawnet tcp -l). */
int tcp_run_cat(struct stack_conn *sc, bool read_after_eof)
{
	static uint8_t in[IO_CHUNK];
	size_t in_len = 0, in_off = 0;
	bool stdin_open = true, shut = false, peer_eof = false;
	uint64_t got = 0;
	for (;;) {
		if (!peer_eof) {
			int d = drain(sc, &got);
			if (d < 0)
				return stack_report(sc, "receive");
			if (d == 1) {
				/* the peer is done: send what we hold, then our FIN */
				peer_eof = true;
				if (!read_after_eof)
					stdin_open = false;
			}
		}
		/* queued input first */
		while (in_off < in_len) {
			ssize_t n = rn_tcp_send(sc->c, in + in_off, in_len - in_off);
			if (n < 0)
				return stack_report(sc, "send");
			if (n == 0)
				break;
			in_off += (size_t)n;
		}
		if (in_off == in_len && !stdin_open && !shut) {
			rn_tcp_shutdown(sc->c);
			shut = true;
		}
		unsigned bits = rn_tcp_poll(sc->c);
		if (bits & RN_TCB_ERROR)
			return stack_report(sc, "error");
		if ((bits & RN_TCB_CLOSED) && (peer_eof || !(bits & RN_TCB_READABLE)))
			return shut ? EXIT_OK : stack_report(sc, "connection closed");
		if (stack_interrupted)
			return stack_report(sc, "interrupted");

		struct pollfd pf[2] = { { rn_stack_fd(sc->s), POLLIN, 0 }, { 0, POLLIN, 0 } };
		bool want_stdin = stdin_open && in_off == in_len && (bits & RN_TCB_WRITABLE);
		int n = poll(pf, want_stdin ? 2 : 1, -1);
		if (n < 0 && errno != EINTR)
			err(EXIT_NOREPLY, "poll");
		if (n > 0 && want_stdin && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			size_t room = rn_tcb_writable(rn_tcp_tcb(sc->c));
			if (room > sizeof in)
				room = sizeof in;
			ssize_t r = read(0, in, room ? room : 1);
			if (r < 0 && errno != EINTR && errno != EAGAIN)
				err(EXIT_NOREPLY, "stdin");
			if (r == 0)
				stdin_open = false;
			if (r > 0) {
				in_len = (size_t)r;
				in_off = 0;
			}
		}
		if (step(sc, 0) < 0)
			return EXIT_NOREPLY;
	}
}

int cmd_tcp(int argc, char **argv)
{
	enum { OPT_SRCIP = 256, OPT_SRCMAC, OPT_NOFW, OPT_TRACE, OPT_SEND, OPT_TIMEWAIT, OPT_HELP,
	       OPT_ECHO, OPT_MAXCONNS, OPT_BACKLOG };
	static const struct option longopts[] = {
		{ "source-ip", required_argument, NULL, OPT_SRCIP },
		{ "source-mac", required_argument, NULL, OPT_SRCMAC },
		{ "no-firewall", no_argument, NULL, OPT_NOFW },
		{ "trace", no_argument, NULL, OPT_TRACE },
		{ "send", required_argument, NULL, OPT_SEND },
		{ "time-wait", required_argument, NULL, OPT_TIMEWAIT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "echo", no_argument, NULL, OPT_ECHO },
		{ "max-conns", required_argument, NULL, OPT_MAXCONNS },
		{ "backlog", required_argument, NULL, OPT_BACKLOG },
		{ NULL, 0, NULL, 0 },
	};
	struct stack_cli o = { .family = AF_UNSPEC, .timeout = 10,
			       .time_wait = STACK_TIME_WAIT_DEFAULT };
	char *send_text = NULL;
	struct listen_cli lo = { .cli = &o, .backlog = 128 };
	bool listen = false, wait_set = false;
	int ch;
	while ((ch = getopt_long(argc, argv, "46I:w:hlke:", longopts, NULL)) != -1) {
		switch (ch) {
		case '4':
			o.family = AF_INET;
			break;
		case '6':
			o.family = AF_INET6;
			break;
		case 'I':
			o.ifname = optarg;
			break;
		case 'w':
			o.timeout = opt_seconds("-w", optarg, 0.1, 3600);
			wait_set = true;
			break;
		case 'l':
			listen = true;
			break;
		case 'k':
			lo.keep = true;
			break;
		case 'e':
			lo.exec = optarg;
			break;
		case OPT_ECHO:
			lo.echo = true;
			break;
		case OPT_MAXCONNS:
			lo.max_conns = (unsigned)opt_int("--max-conns", optarg, 1, 1000000);
			break;
		case OPT_BACKLOG:
			lo.backlog = (unsigned)opt_int("--backlog", optarg, 1, 65535);
			break;
		case OPT_SRCIP:
			o.source_ip = optarg;
			break;
		case OPT_SRCMAC:
			o.source_mac = optarg;
			break;
		case OPT_NOFW:
			o.no_firewall = true;
			break;
		case OPT_TRACE:
			o.trace = true;
			break;
		case OPT_SEND:
			send_text = optarg;
			break;
		case OPT_TIMEWAIT:
			o.time_wait = opt_seconds("--time-wait", optarg, 0, 240);
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
	if (!listen && (lo.keep || lo.echo || lo.exec || lo.max_conns))
		errx(EXIT_USAGE, "-k, --echo, -e and --max-conns go with -l");
	if (listen) {
		if (send_text || o.source_ip || wait_set)
			errx(EXIT_USAGE, "-l: --send, --source-ip and -w are for the client (give ADDR)");
		if (lo.echo && lo.exec)
			errx(EXIT_USAGE, "--echo and -e exclude each other");
		int n = argc - optind;
		if (n < 1 || n > 2) {
			usage(stderr);
			return EXIT_USAGE;
		}
		lo.addr = n == 2 ? argv[optind] : NULL;
		lo.port = stack_parse_port(argv[argc - 1]);
		return tcp_listen(&lo);
	}
	if (argc - optind != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	uint16_t port = stack_parse_port(argv[optind + 1]);

	struct stack_conn sc;
	stack_connect(&o, argv[optind], port, &sc);
	int rc = stack_wait_connected(&sc);
	if (rc == 0)
		rc = send_text ? run_send(&sc, send_text, o.timeout) : tcp_run_cat(&sc, false);
	stack_time_wait(&sc, true); /* only after our active close */
	stack_close(&sc);
	return rc;
}
