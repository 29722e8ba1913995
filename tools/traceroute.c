/* rawnet traceroute: the path to a host, hop by hop (RFC 792 time exceeded,
 * RFC 4443 for IPv6), with UDP, ICMP echo or TCP SYN probes built by hand
 * and sent on a raw socket, up to 16 at a time, their flow identifier kept
 * constant as Paris traceroute does (probe.h). Output, options and exit
 * codes follow traceroute(8) (Debian's traceroute package). */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "probeio.h"
#include "rawnet/error.h"
#include "rawnet/nftrst.h"
#include "rawnet/packet.h"
#include "rawnet/probe.h"
#include "rawnet/strbuf.h"

#define MAX_PROBES_PER_HOP 10
#define SIM_PROBES 16            /* traceroute(8)'s -N default: probes in flight */

struct probe {
	double sent, recv;       /* 0: not sent / no answer */
	bool done;
	struct rn_trace_reply rep;
};

struct tr {
	struct rn_trace t;
	struct probeio io;
	int first, max, nq;
	double wait_max, wait_here, wait_near;
	bool numeric;
	const char *host;
	struct probe *p;         /* (max - first + 1) * nq, in TTL order */
	size_t np;
	size_t next_send, next_print;
	int stop_ttl;            /* the lowest TTL with a final answer */
	struct rn_nftrst fw;
};

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rawnet traceroute [-I|-T|-U] [-p PORT] [-q N] [-w SECS] [-m MAX] [-f FIRST]\n"
		"                         [-n] [-4|-6] HOST [PACKETLEN]\n"
		"  -I          ICMP echo probes\n"
		"  -T          TCP SYN probes (port 80 unless -p; the kernel's RSTs are dropped)\n"
		"  -U          UDP probes to port 33434 (the default)\n"
		"  -p PORT     destination port (UDP: 33434, TCP: 80); kept for every probe\n"
		"  -q N        probes per hop (3, at most 10)\n"
		"  -w MAX[,HERE,NEAR]  wait at most MAX seconds for an answer (5), HERE times\n"
		"              the hop's answer time (3), NEAR times a later hop's (10)\n"
		"  -m MAX      maximum TTL / hop limit (30)\n"
		"  -f FIRST    first TTL (1)\n"
		"  -n          print addresses only, no names\n"
		"  -4, -6      IPv4 or IPv6 only\n"
		"The flow (addresses, protocol, ports, ICMP checksum) is the same for every probe, so\n"
		"load-balanced paths are not mixed (Paris traceroute). Marks: !H host, !N network,\n"
		"!P protocol unreachable, !X administratively prohibited, !F fragmentation needed.\n"
		"Exit status as traceroute(8): 0 when the trace ran, 2 usage or error.\n");
}

/* -w MAX[,HERE,NEAR] (traceroute(8) also takes '/' as the separator). */
static void parse_wait(struct tr *r, const char *s)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%s", s);
	char *save, *tok = strtok_r(buf, ",/", &save);
	double *dst[3] = { &r->wait_max, &r->wait_here, &r->wait_near };
	for (int i = 0; i < 3 && tok; i++, tok = strtok_r(NULL, ",/", &save))
		*dst[i] = opt_seconds("-w", tok, 0, 86400);
	if (tok)
		errx(EXIT_USAGE, "-w: %s is not MAX[,HERE,NEAR]", s);
	if (r->wait_max <= 0)
		errx(EXIT_USAGE, "-w: %s: the wait must be more than 0", s);
}

static void print_addr(const struct tr *r, const uint8_t *a, struct rn_strbuf *sb)
{
	char txt[INET6_ADDRSTRLEN];
	probe_addr(r->t.family, a, txt, sizeof txt);
	if (r->numeric) {
		rn_sb_printf(sb, " %s", txt);
		return;
	}
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)r->t.family };
	socklen_t sl;
	if (r->t.family == AF_INET) {
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, a, 4);
		sl = sizeof(struct sockaddr_in);
	} else {
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, a, 16);
		sl = sizeof(struct sockaddr_in6);
	}
	char name[NI_MAXHOST];
	if (getnameinfo((struct sockaddr *)&ss, sl, name, sizeof name, NULL, 0, NI_NAMEREQD))
		snprintf(name, sizeof name, "%s", txt);
	rn_sb_printf(sb, " %s (%s)", name, txt);
}

/* One hop's line, as traceroute(8) prints it: the address before the first
 * answer and again whenever it changes, each answer's time and mark, '*'
 * for no answer. */
static void print_hop(struct tr *r, int ttl, const struct probe *p, struct rn_strbuf *sb)
{
	size_t al = r->t.family == AF_INET ? 4 : 16;
	const uint8_t *last = NULL;
	rn_sb_printf(sb, "%2d ", ttl);
	for (int i = 0; i < r->nq; i++) {
		const struct probe *q = &p[i];
		if (q->recv) {
			if (!last || memcmp(last, q->rep.from, al))
				print_addr(r, q->rep.from, sb);
			last = q->rep.from;
			rn_sb_printf(sb, "  %.3f ms", (q->recv - q->sent) * 1000);
			if (q->rep.mark[0])
				rn_sb_printf(sb, " %s", q->rep.mark);
		} else {
			rn_sb_printf(sb, " *");
		}
	}
	rn_sb_printf(sb, "\n");
}

static int probe_ttl(const struct tr *r, size_t i)
{
	return r->first + (int)(i / (size_t)r->nq);
}

/* When probe i stops being waited for: MAX after it was sent, or sooner
 * once its own hop (HERE times that answer's time) or a later hop (NEAR
 * times) has answered, as traceroute(8) does. */
static double expiry(const struct tr *r, size_t i)
{
	double t = r->p[i].sent + r->wait_max;
	size_t hop0 = i - i % (size_t)r->nq;
	for (size_t j = hop0; j < r->next_send; j++) {
		const struct probe *q = &r->p[j];
		if (!q->recv)
			continue;
		double k = j < hop0 + (size_t)r->nq ? r->wait_here : r->wait_near;
		if (k > 0) {
			double e = r->p[i].sent + k * (q->recv - q->sent);
			if (e < t)
				t = e;
		}
		if (j >= hop0 + (size_t)r->nq)
			break; /* the first later answer decides */
	}
	return t;
}

static void send_probe(struct tr *r, size_t i)
{
	uint8_t pkt[65536];
	int len = rn_trace_build(&r->t, (uint8_t)probe_ttl(r, i), (uint16_t)(i + 1), pkt, sizeof pkt);
	if (len < 0)
		errx(EXIT_USAGE, "building probe: %s", rn_strerror(len));
	r->p[i].sent = probe_clock();
	int rc = probe_send(&r->io, r->t.dst, pkt, (size_t)len);
	if (rc < 0) {
		/* traceroute(8) prints the send error as the probe's result */
		char a[INET6_ADDRSTRLEN];
		errx(EXIT_USAGE, "send to %s: %s", probe_addr(r->t.family, r->t.dst, a, sizeof a),
		     rn_strerror(rc));
	}
}

static void on_reply(struct tr *r, const struct rn_trace_reply *rep, double now)
{
	size_t i = (size_t)rep->n - 1;
	if (i >= r->next_send || r->p[i].done)
		return;
	r->p[i].recv = now;
	r->p[i].done = true;
	r->p[i].rep = *rep;
	int ttl = probe_ttl(r, i);
	if (rep->final && ttl < r->stop_ttl)
		r->stop_ttl = ttl;
}

static void cleanup(struct tr *r)
{
	probe_close(&r->io);
	rn_nftrst_remove(&r->fw);
}

static int run(struct tr *r)
{
	struct rn_strbuf sb;
	rn_sb_init(&sb);
	char a[INET6_ADDRSTRLEN];
	size_t len = r->t.packet_len;
	rn_sb_printf(&sb, "traceroute to %s (%s), %d hops max, %zu byte packets\n", r->host,
		     probe_addr(r->t.family, r->t.dst, a, sizeof a), r->max, len);
	out_flush(&sb);

	/* A frame may sit in the capture ring this long before we can read it:
	 * a probe is given up only when its answer would have been read. */
	double latency = rn_packet_latency_ms(r->io.rx) / 1000.0 + 0.002;
	while (!stop) {
		double now = probe_clock() - latency;
		/* expire what waited long enough */
		size_t inflight = 0;
		double next_event = now + 1;
		for (size_t i = r->next_print; i < r->next_send; i++) {
			if (r->p[i].done)
				continue;
			double e = expiry(r, i);
			if (e <= now || probe_ttl(r, i) > r->stop_ttl) {
				r->p[i].done = true;
			} else {
				inflight++;
				if (e < next_event)
					next_event = e;
			}
		}
		/* print every hop that is complete, in order */
		while (r->next_print < r->next_send) {
			size_t h = r->next_print;
			bool complete = true;
			for (int k = 0; k < r->nq && complete; k++)
				complete = h + (size_t)k < r->next_send && r->p[h + (size_t)k].done;
			if (!complete)
				break;
			int ttl = probe_ttl(r, h);
			print_hop(r, ttl, &r->p[h], &sb);
			out_flush(&sb);
			r->next_print += (size_t)r->nq;
			if (ttl >= r->stop_ttl || ttl >= r->max) {
				rn_sb_free(&sb);
				return EXIT_OK;
			}
		}
		/* send more, up to SIM_PROBES in flight, not past a final hop */
		while (inflight < SIM_PROBES && r->next_send < r->np &&
		       probe_ttl(r, r->next_send) <= r->stop_ttl) {
			send_probe(r, r->next_send);
			r->next_send++;
			inflight++;
			double e = r->p[r->next_send - 1].sent + r->wait_max;
			if (e < next_event)
				next_event = e;
		}
		/* read answers until the next expiry */
		int ms = (int)((next_event + latency - probe_clock()) * 1000) + 1;
		if (ms < 1)
			ms = 1;
		struct rn_view ip;
		double ts;
		int rc = probe_next(&r->io, &ip, &ts, ms);
		if (rc == -EINTR)
			continue;
		if (rc < 0)
			errx(EXIT_USAGE, "capture: %s", rn_strerror(rc));
		while (rc > 0) {
			struct rn_trace_reply rep;
			if (rn_trace_match(&r->t, ip, &rep) == 1)
				on_reply(r, &rep, ts);
			rc = probe_next(&r->io, &ip, &ts, 0);
		}
	}
	rn_sb_free(&sb);
	return 130;
}

int cmd_traceroute(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct tr tr;
	struct tr *r = &tr;
	memset(r, 0, sizeof *r);
	r->io.rawfd = -1;
	r->first = 1, r->max = 30, r->nq = 3;
	r->wait_max = 5, r->wait_here = 3, r->wait_near = 10;
	r->t.method = RN_TRACE_UDP;
	int family = AF_UNSPEC;
	long port = -1;
	int c;
	while ((c = getopt_long(argc, argv, "+ITUp:q:w:m:f:n46h", longopts, NULL)) != -1) {
		switch (c) {
		case 'I': r->t.method = RN_TRACE_ICMP; break;
		case 'T': r->t.method = RN_TRACE_TCP; break;
		case 'U': r->t.method = RN_TRACE_UDP; break;
		case 'p': port = (long)opt_int("-p", optarg, 1, 65535); break;
		case 'q': r->nq = (int)opt_int("-q", optarg, 1, MAX_PROBES_PER_HOP); break;
		case 'w': parse_wait(r, optarg); break;
		case 'm': r->max = (int)opt_int("-m", optarg, 1, 255); break;
		case 'f': r->first = (int)opt_int("-f", optarg, 1, 255); break;
		case 'n': r->numeric = true; break;
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (r->first > r->max)
		errx(EXIT_USAGE, "-f %d: the first hop is past -m %d", r->first, r->max);
	r->host = argv[optind];
	probe_resolve(r->host, &family, r->t.dst);
	r->t.family = family;
	probe_route(&r->io, family, r->t.dst);
	memcpy(r->t.src, r->io.src, 16);

	uint16_t rnd[3];
	if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
		err(EXIT_USAGE, "getrandom");
	r->t.sport = (uint16_t)(32768 + rnd[0] % 28000);
	r->t.icmp_id = rnd[1];
	r->t.tcp_seq = (uint32_t)rnd[2] << 16;
	r->t.dport = (uint16_t)(port > 0 ? port : r->t.method == RN_TRACE_TCP ? 80 : 33434);
	r->t.packet_len = rn_trace_default_len(&r->t);
	if (optind + 1 < argc) {
		long long l = opt_int("packetlen", argv[optind + 1], 0, 65000);
		r->t.packet_len = (size_t)l;
	}
	if (r->t.packet_len < rn_trace_min_len(&r->t))
		r->t.packet_len = rn_trace_min_len(&r->t);

	r->np = (size_t)(r->max - r->first + 1) * (size_t)r->nq;
	r->p = calloc(r->np, sizeof *r->p);
	if (!r->p)
		err(EXIT_USAGE, "calloc");
	r->stop_ttl = 256;

	probe_open(&r->io);
	if (r->t.method == RN_TRACE_TCP) {
		/* The destination's SYN-ACK would meet our kernel, which knows no
		 * such connection and resets it; drop those RSTs for this flow. */
		char e[256];
		int rc = rn_nftrst_add(&r->fw, family, r->t.src, r->t.sport, r->t.dst, r->t.dport, e,
				       sizeof e);
		if (rc < 0)
			warnx("could not drop the kernel's RSTs (%s%s%s): the destination will see them",
			      rn_strerror(rc), e[0] ? ": " : "", e);
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	int rc = run(r);
	cleanup(r);
	free(r->p);
	return rc;
}
