/* rawnet scan: a stateless TCP SYN port scan in the manner of masscan (SYN
 * cookies recognise the answers, no kernel socket, no table of what was
 * sent; probe.h), printed as nmap prints a -sS scan; and two sweeps over an
 * address range: ARP (RFC 826) as arp-scan does, and ICMP echo (RFC 792,
 * RFC 4443) as a ping sweep. Every unanswered probe is sent once more. */
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
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "probeio.h"
#include "rawnet/arp.h"
#include "rawnet/error.h"
#include "rawnet/ethernet.h"
#include "rawnet/icmp.h"
#include "rawnet/icmp6.h"
#include "rawnet/ipv4.h"
#include "rawnet/ipv6.h"
#include "rawnet/packet.h"
#include "rawnet/probe.h"
#include "rawnet/range.h"
#include "rawnet/resolve.h"
#include "rawnet/strbuf.h"

#define MAX_PROBES (1ull << 26)  /* hosts x ports kept in memory, one byte each */
#define QUIET 0.1                /* a round ends this long after the last new answer */
#define SHOW_MAX 25              /* nmap lists a state's ports when there are at most 25 */

enum mode { MODE_TCP, MODE_ARP, MODE_PING };

struct scan {
	enum mode mode;
	int family;
	struct rn_range *targets;  /* one per argument */
	size_t ntargets;
	uint64_t nhosts;
	uint16_t *ports;           /* sorted, unique */
	size_t nports;
	int16_t port_index[65536]; /* port -> index in ports, -1 */
	double rate, wait;
	const char *ifname;        /* -I (ARP) */
	const char *grep_file;     /* -oG */
	bool json;
	struct probeio io;
	struct rn_packet *l2;      /* ARP: send and receive on the interface */
	uint8_t key[16];
	uint16_t sport, icmp_id;
	uint8_t *state;            /* TCP: nhosts * nports; sweeps: nhosts */
	const char **reason;       /* per state byte index: nmap's reason for filtered */
	uint8_t *hostup;           /* per host: something answered */
	double *sent_at, *rtt;     /* sweeps: per host */
	struct rn_mac *mac;        /* ARP: per host */
	uint64_t answered;
	double last_answer;
	double t0;
	char cmdline[512];
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
		"usage: rawnet scan [-p PORTS] [--rate PPS] [-w SECS] [-oG FILE] [--json] [-4|-6]\n"
		"                   HOST|RANGE...\n"
		"       rawnet scan --arp [-I IFACE] [--rate PPS] [--json] RANGE...\n"
		"       rawnet scan --ping [--rate PPS] [--json] [-4|-6] RANGE...\n"
		"  -p PORTS     TCP ports: 22,80,8000-8100 (default 1-1024)\n"
		"  --rate PPS   probes per second (TCP 50000, --arp and --ping 1000)\n"
		"  -w SECS      the longest wait for answers after a round of probes (1 s);\n"
		"               a round ends 0.1 s after the last new answer\n"
		"  -oG FILE     also write nmap's grepable format to FILE ('-': standard output)\n"
		"  --json       print the results as one JSON object\n"
		"  --arp        an ARP sweep of IPv4 RANGEs on the link (hosts that answer, as arp-scan)\n"
		"  -I IFACE     the interface for --arp (default: the route's)\n"
		"  --ping       an ICMP / ICMPv6 echo sweep of RANGEs\n"
		"  -4, -6       IPv4 or IPv6 only (names)\n"
		"RANGE: an address, a name, a CIDR block (10.77.3.0/24, fd77::/120) or a-b range.\n"
		"TCP: a stateless SYN scan; SYN cookies match the answers: open (SYN-ACK), closed\n"
		"(RST), filtered (ICMP unreachable, or no answer to two SYNs). Probes that get no\n"
		"answer are sent once more. Exit status: 0 when some host answered, 1 when none did,\n"
		"2 usage or error.\n");
}

/* --- targets ------------------------------------------------------------- */

static int u128_cmp(struct rn_u128 a, struct rn_u128 b)
{
	return a.hi != b.hi ? (a.hi < b.hi ? -1 : 1) : a.lo != b.lo ? (a.lo < b.lo ? -1 : 1) : 0;
}

static void add_target(struct scan *s, const char *arg, int want_family)
{
	struct rn_range r = { 0 };
	struct rn_range_error e;
	int rc;
	if (rn_range_is_range(arg) || inet_pton(AF_INET, arg, (uint8_t[4]){ 0 }) == 1 ||
	    inet_pton(AF_INET6, arg, (uint8_t[16]){ 0 }) == 1) {
		rc = rn_range_parse_addr(arg, want_family, &r, &e);
		if (rc < 0)
			errx(EXIT_USAGE, "%s: %s", arg, rc == -RN_EINVAL ? e.msg : rn_strerror(rc));
	} else {
		int fam = want_family;
		uint8_t a[16];
		char txt[INET6_ADDRSTRLEN];
		probe_resolve(arg, &fam, a);
		rc = rn_range_parse_addr(probe_addr(fam, a, txt, sizeof txt), fam, &r, &e);
		if (rc < 0)
			errx(EXIT_USAGE, "%s: %s", arg, rn_strerror(rc));
	}
	if (s->family && r.family != s->family)
		errx(EXIT_USAGE, "%s: IPv%c, but the first target is IPv%c", arg,
		     r.family == AF_INET ? '4' : '6', s->family == AF_INET ? '4' : '6');
	s->family = r.family;
	s->targets = realloc(s->targets, (s->ntargets + 1) * sizeof *s->targets);
	if (!s->targets)
		err(EXIT_USAGE, "realloc");
	s->targets[s->ntargets++] = r;
	if (r.count > MAX_PROBES || s->nhosts + r.count > MAX_PROBES)
		errx(EXIT_USAGE, "%s: too many addresses (at most %llu)", arg, (unsigned long long)MAX_PROBES);
	s->nhosts += r.count;
}

/* The address of host number i. */
static void host_addr(const struct scan *s, uint64_t i, uint8_t *addr)
{
	for (size_t t = 0; t < s->ntargets; t++) {
		if (i < s->targets[t].count) {
			rn_range_at_addr(&s->targets[t], i, addr);
			return;
		}
		i -= s->targets[t].count;
	}
	memset(addr, 0, 16);
}

/* The host number of addr, or -1 when it is not a target (the first match
 * when targets overlap). */
static int64_t host_index(const struct scan *s, const uint8_t *addr)
{
	struct rn_u128 v = rn_u128_from_addr(s->family, addr);
	uint64_t base = 0;
	for (size_t t = 0; t < s->ntargets; t++) {
		const struct rn_range *r = &s->targets[t];
		uint64_t off = 0;
		for (size_t k = 0; k < r->n; k++) {
			const struct rn_range_span *sp = &r->span[k];
			if (u128_cmp(v, sp->first) >= 0 && u128_cmp(v, sp->last) <= 0)
				return (int64_t)(base + off + (v.lo - sp->first.lo));
			off += sp->last.lo - sp->first.lo + 1; /* spans of one target fit in 2^26 */
		}
		base += r->count;
	}
	return -1;
}

static void parse_ports(struct scan *s, const char *arg)
{
	struct rn_range r;
	struct rn_range_error e;
	int rc = rn_range_parse_num(arg, 1, 65535, &r, &e);
	if (rc < 0)
		errx(EXIT_USAGE, "-p: %s", rc == -RN_EINVAL ? e.msg : rn_strerror(rc));
	static bool seen[65536];
	memset(seen, 0, sizeof seen);
	struct rn_range_iter it;
	uint64_t p;
	rn_range_iter_init(&it, &r);
	while (rn_range_next_num(&it, &p))
		seen[p] = true;
	rn_range_free(&r);
	free(s->ports);
	s->ports = malloc(65536 * sizeof *s->ports);
	if (!s->ports)
		err(EXIT_USAGE, "malloc");
	s->nports = 0;
	for (unsigned q = 1; q < 65536; q++)
		if (seen[q])
			s->ports[s->nports++] = (uint16_t)q;
}

/* --- probing --------------------------------------------------------------- */

static double now_s(void)
{
	return probe_clock();
}

/* The i-th probe of a round, in a scattered order: a stride coprime with the
 * total, so consecutive probes go to different ports and hosts (as nmap
 * and masscan randomise) and every probe comes exactly once. */
static uint64_t stride_for(uint64_t total)
{
	static const uint64_t primes[] = { 2654435761ull, 40503ull, 65537ull, 7919ull, 101ull };
	for (size_t i = 0; i < sizeof primes / sizeof primes[0]; i++)
		if (total % primes[i])
			return primes[i] % total ? primes[i] % total : 1;
	return 1;
}

static void on_tcp_reply(struct scan *s, const struct rn_scan_reply *r, double ts)
{
	int64_t h = host_index(s, r->host);
	if (h < 0 || s->port_index[r->port] < 0)
		return;
	uint64_t k = (uint64_t)h * s->nports + (uint64_t)s->port_index[r->port];
	/* a router's unreachable says nothing about the host being up */
	if (!memcmp(r->from, r->host, s->family == AF_INET ? 4 : 16))
		s->hostup[h] = 1;
	if (s->state[k] != RN_PORT_UNKNOWN)
		return;
	s->state[k] = (uint8_t)r->state;
	s->reason[k] = r->reason;
	s->answered++;
	s->last_answer = ts;
}

static void on_ping_reply(struct scan *s, struct rn_view ip, double ts)
{
	uint8_t src[16];
	struct rn_view pay, l4;
	uint8_t proto;
	if (s->family == AF_INET) {
		struct rn_ipv4 h;
		if (rn_ipv4_parse(ip, &h, &pay) < 0 || h.frag_off)
			return;
		memcpy(src, h.src, 4);
		proto = h.proto;
		l4 = pay;
	} else {
		struct rn_ipv6 h;
		struct rn_ipv6_chain ch;
		if (rn_ipv6_parse(ip, &h, &pay) < 0 || rn_ipv6_walk(h.next_header, pay, &ch) < 0)
			return;
		memcpy(src, h.src, 16);
		proto = ch.upper_proto;
		l4 = ch.upper;
	}
	uint16_t id, seq;
	if (s->family == AF_INET) {
		struct rn_icmp ic;
		if (proto != RN_IPPROTO_ICMP || rn_icmp_parse(l4, &ic) < 0 || ic.type != RN_ICMP_ECHOREPLY)
			return;
		id = ic.id, seq = ic.seq;
	} else {
		struct rn_icmp6 ic;
		if (proto != RN_IPPROTO_ICMPV6 || rn_icmp6_parse(l4, NULL, &ic) < 0 ||
		    ic.type != RN_ICMP6_ECHO_REPLY)
			return;
		id = ic.id, seq = ic.seq;
	}
	/* id/seq name the host; the reply must come from that host */
	uint64_t i = (uint64_t)(uint16_t)(id - s->icmp_id) << 16 | seq;
	if (i >= s->nhosts)
		return;
	uint8_t a[16];
	host_addr(s, i, a);
	if (memcmp(a, src, s->family == AF_INET ? 4 : 16) || s->state[i])
		return;
	s->state[i] = 1;
	s->hostup[i] = 1;
	s->rtt[i] = ts - s->sent_at[i];
	s->answered++;
	s->last_answer = ts;
}

static void on_arp_frame(struct scan *s, const uint8_t *frame, size_t len, double ts)
{
	struct rn_eth eth;
	struct rn_view pay;
	struct rn_arp arp;
	if (rn_eth_parse(rn_view_make(frame, len), &eth, &pay) < 0 || eth.ethertype != RN_ETHERTYPE_ARP ||
	    rn_arp_parse(pay, &arp) < 0 || arp.op != RN_ARP_REPLY || arp.hlen != 6 || arp.plen != 4)
		return;
	int64_t i = host_index(s, arp.spa);
	if (i < 0 || s->state[i])
		return;
	s->state[i] = 1;
	s->hostup[i] = 1;
	memcpy(s->mac[i].b, arp.sha, 6);
	s->rtt[i] = ts - s->sent_at[i];
	s->answered++;
	s->last_answer = ts;
	if (!s->json) {
		char a[INET_ADDRSTRLEN];
		printf("%s\t%02x:%02x:%02x:%02x:%02x:%02x\n", probe_addr(AF_INET, arp.spa, a, sizeof a),
		       arp.sha[0], arp.sha[1], arp.sha[2], arp.sha[3], arp.sha[4], arp.sha[5]);
		fflush(stdout);
	}
}

/* Reads every answer waiting now (timeout_ms 0) or within timeout_ms. */
static void drain(struct scan *s, int timeout_ms)
{
	for (;;) {
		if (s->mode == MODE_ARP) {
			struct rn_frame f;
			int rc = rn_packet_next(s->l2, &f, timeout_ms);
			if (rc <= 0) {
				if (rc < 0 && rc != -EINTR)
					errx(EXIT_USAGE, "capture: %s", rn_strerror(rc));
				return;
			}
			on_arp_frame(s, f.data, f.caplen, (double)f.ts_sec + (double)f.ts_nsec / 1e9);
		} else {
			struct rn_view ip;
			double ts;
			int rc = probe_next(&s->io, &ip, &ts, timeout_ms);
			if (rc < 0 && rc != -EINTR)
				errx(EXIT_USAGE, "capture: %s", rn_strerror(rc));
			if (rc <= 0)
				return;
			if (s->mode == MODE_TCP) {
				struct rn_scan_reply r;
				if (rn_scan_match(s->key, s->family, s->io.src, s->sport, ip, &r) == 1)
					on_tcp_reply(s, &r, ts);
			} else {
				on_ping_reply(s, ip, ts);
			}
		}
		timeout_ms = 0;
	}
}

static int send_one(struct scan *s, uint64_t k)
{
	uint8_t pkt[128], dst[16];
	int len;
	if (s->mode == MODE_TCP) {
		uint64_t h = k / s->nports;
		host_addr(s, h, dst);
		len = rn_scan_build_syn(s->key, s->family, s->io.src, dst, s->sport,
					s->ports[k % s->nports], (uint16_t)k, pkt, sizeof pkt);
	} else if (s->mode == MODE_PING) {
		host_addr(s, k, dst);
		size_t hl = s->family == AF_INET ? RN_IPV4_HLEN : RN_IPV6_HLEN;
		memset(pkt, 0, sizeof pkt);
		uint16_t id = (uint16_t)(s->icmp_id + (k >> 16)), seq = (uint16_t)k;
		int rc;
		if (s->family == AF_INET) {
			struct rn_icmp ic = { .type = RN_ICMP_ECHO, .id = id, .seq = seq };
			rc = rn_icmp_emit(&ic, pkt + hl, sizeof pkt - hl, 32);
			struct rn_ipv4 ip = { .ttl = 64, .proto = RN_IPPROTO_ICMP, .id = seq };
			memcpy(ip.src, s->io.src, 4);
			memcpy(ip.dst, dst, 4);
			if (rc >= 0)
				rc = rn_ipv4_emit(&ip, pkt, sizeof pkt, 8 + 32);
		} else {
			struct rn_pseudo ph = { .family = AF_INET6 };
			memcpy(ph.src, s->io.src, 16);
			memcpy(ph.dst, dst, 16);
			struct rn_icmp6 ic = { .type = RN_ICMP6_ECHO_REQUEST, .id = id, .seq = seq };
			rc = rn_icmp6_emit(&ic, &ph, pkt + hl, sizeof pkt - hl, 32);
			struct rn_ipv6 ip6 = { .hop_limit = 64, .next_header = RN_IPPROTO_ICMPV6 };
			memcpy(ip6.src, s->io.src, 16);
			memcpy(ip6.dst, dst, 16);
			if (rc >= 0)
				rc = rn_ipv6_emit(&ip6, pkt, sizeof pkt, 8 + 32);
		}
		len = rc < 0 ? rc : (int)(hl + 8 + 32);
		s->sent_at[k] = now_s();
	} else {
		host_addr(s, k, dst);
		len = rn_resolve_request(AF_INET, &s->io.ifc.mac, s->io.src, dst, pkt, sizeof pkt);
		if (len < 0)
			return len;
		s->sent_at[k] = now_s();
		int rc = rn_packet_send(s->l2, pkt, (size_t)len);
		return rc < 0 ? rc : 0;
	}
	if (len < 0)
		return len;
	return probe_send(&s->io, dst, pkt, (size_t)len);
}

/* One round: every probe whose answer is still missing, at the rate, then
 * the wait for late answers. */
static void round_of(struct scan *s, uint64_t total)
{
	uint64_t stride = stride_for(total), pos = 0, sent = 0;
	double start = now_s();
	for (uint64_t i = 0; i < total && !stop; i++) {
		uint64_t k = pos;
		pos += stride;
		if (pos >= total)
			pos -= total;
		if (s->state[k] != 0)
			continue;
		/* pace: probe number `sent` leaves at start + sent / rate */
		for (;;) {
			double due = start + (double)sent / s->rate, t = now_s();
			if (t >= due)
				break;
			drain(s, 0);
			double left = due - now_s();
			if (left > 0.0005) {
				struct timespec ts = { 0, (long)(left * 1e9) };
				if (left > 0.01)
					ts.tv_nsec = 10000000;
				nanosleep(&ts, NULL);
			}
		}
		int rc = send_one(s, k);
		if (rc == -ENOBUFS || rc == -EAGAIN) {
			drain(s, 1);
			rc = send_one(s, k);
		}
		if (rc < 0 && rc != -ENOBUFS && rc != -EAGAIN && rc != -EHOSTUNREACH &&
		    rc != -ENETUNREACH)
			errx(EXIT_USAGE, "send: %s", rn_strerror(rc));
		sent++;
		if ((sent & 63) == 0)
			drain(s, 0);
	}
	double end = now_s();
	s->last_answer = end;
	while (!stop) {
		double t = now_s();
		if (t >= end + s->wait || t >= s->last_answer + QUIET)
			break;
		drain(s, 10);
	}
}

/* --- output ------------------------------------------------------------ */

static const char *state_name(int st)
{
	return st == RN_PORT_OPEN ? "open" : st == RN_PORT_CLOSED ? "closed" : "filtered";
}

static const char *service(uint16_t port)
{
	struct servent *se = getservbyport(htons(port), "tcp");
	return se ? se->s_name : "unknown";
}

struct group {
	int state;
	const char *reason;
	uint64_t count;
};

/* The (state, reason) groups of one host's ports, most numerous first. */
static size_t groups_of(const struct scan *s, uint64_t h, struct group *g, size_t cap)
{
	size_t n = 0;
	for (size_t p = 0; p < s->nports; p++) {
		uint64_t k = h * s->nports + p;
		size_t j;
		for (j = 0; j < n; j++)
			if (g[j].state == s->state[k] && !strcmp(g[j].reason, s->reason[k]))
				break;
		if (j == n) {
			if (n == cap)
				continue;
			g[n++] = (struct group){ s->state[k], s->reason[k], 0 };
		}
		g[j].count++;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && g[j].count > g[j - 1].count; j--) {
			struct group t = g[j];
			g[j] = g[j - 1];
			g[j - 1] = t;
		}
	return n;
}

/* nmap hides a state with more than 25 ports ("Not shown"): which of
 * host h's states are hidden, by state number. */
static void hidden_states(const struct scan *s, uint64_t h, bool hidden[4])
{
	uint64_t c[4] = { 0 };
	for (size_t p = 0; p < s->nports; p++)
		c[s->state[h * s->nports + p] & 3]++;
	for (int i = 0; i < 4; i++)
		hidden[i] = c[i] > SHOW_MAX;
}

static void json_str(struct rn_strbuf *sb, const char *t)
{
	rn_sb_putc(sb, '"');
	for (; *t; t++) {
		if (*t == '"' || *t == '\\')
			rn_sb_putc(sb, '\\');
		rn_sb_putc(sb, *t);
	}
	rn_sb_putc(sb, '"');
}

static void report_tcp(struct scan *s, struct rn_strbuf *sb, struct rn_strbuf *gb, uint64_t up)
{
	bool one = s->nhosts == 1;
	if (s->json)
		rn_sb_printf(sb, "{\"scan\":\"tcp-syn\",\"ports_scanned\":%zu,\"hosts\":[", s->nports);
	bool first_host = true;
	for (uint64_t h = 0; h < s->nhosts; h++) {
		if (!s->hostup[h] && !one)
			continue;
		uint8_t a[16];
		char txt[INET6_ADDRSTRLEN];
		host_addr(s, h, a);
		probe_addr(s->family, a, txt, sizeof txt);
		struct group g[16];
		size_t ng = groups_of(s, h, g, 16);
		bool hid[4];
		hidden_states(s, h, hid);
		size_t colp = 4, cols = 5;
		for (size_t p = 0; p < s->nports; p++) {
			uint64_t k = h * s->nports + p;
			if (hid[(s->state[k]) & 3])
				continue;
			char ps[16];
			size_t l = (size_t)snprintf(ps, sizeof ps, "%u/tcp", s->ports[p]);
			if (l > colp)
				colp = l;
			if (strlen(state_name(s->state[k])) > cols)
				cols = strlen(state_name(s->state[k]));
		}
		if (s->json) {
			rn_sb_printf(sb, "%s{\"addr\":", first_host ? "" : ",");
			json_str(sb, txt);
			rn_sb_printf(sb, ",\"status\":\"%s\",\"ports\":[", s->hostup[h] ? "up" : "unknown");
		} else {
			rn_sb_printf(sb, "rawnet scan report for %s\n%s\n", txt,
				     s->hostup[h] ? "Host is up." : "Host did not answer.");
		}
		/* nmap: "All N scanned ports ... ignored states." when nothing is
		 * listed, then "Not shown: ..." for the states with too many ports */
		bool any_hidden = false, any_shown = false;
		for (size_t i = 0; i < ng; i++) {
			if (hid[(g[i].state) & 3])
				any_hidden = true;
			else
				any_shown = true;
		}
		if (!s->json && !any_shown)
			rn_sb_printf(sb, "All %zu scanned ports on %s are in ignored states.\n", s->nports, txt);
		if (!s->json && any_hidden) {
			bool f = true;
			for (size_t i = 0; i < ng; i++)
				if (hid[(g[i].state) & 3]) {
					rn_sb_printf(sb, "%s%llu %s tcp ports (%s)", f ? "Not shown: " : ", ",
						     (unsigned long long)g[i].count, state_name(g[i].state), g[i].reason);
					f = false;
				}
			rn_sb_puts(sb, "\n");
		}
		if (any_shown && !s->json)
			rn_sb_printf(sb, "%-*s %-*s SERVICE\n", (int)colp, "PORT", (int)cols, "STATE");
		if (gb)
			rn_sb_printf(gb, "Host: %s ()\tStatus: %s\nHost: %s ()\tPorts: ", txt,
				     s->hostup[h] ? "Up" : "Unknown", txt);
		bool firstp = true;
		for (size_t p = 0; p < s->nports; p++) {
			uint64_t k = h * s->nports + p;
			if (hid[(s->state[k]) & 3])
				continue;
			const char *st = state_name(s->state[k]), *sv = service(s->ports[p]);
			if (s->json) {
				rn_sb_printf(sb, "%s{\"port\":%u,\"proto\":\"tcp\",\"state\":\"%s\",\"reason\":",
					     firstp ? "" : ",", s->ports[p], st);
				json_str(sb, s->reason[k]);
				rn_sb_puts(sb, ",\"service\":");
				json_str(sb, sv);
				rn_sb_putc(sb, '}');
			} else {
				char ps[16];
				snprintf(ps, sizeof ps, "%u/tcp", s->ports[p]);
				rn_sb_printf(sb, "%-*s %-*s %s\n", (int)colp, ps, (int)cols, st, sv);
			}
			if (gb)
				rn_sb_printf(gb, "%s%u/%s/tcp//%s///", firstp ? "" : ", ", s->ports[p], st, sv);
			firstp = false;
		}
		if (gb) {
			for (size_t i = 0; i < ng; i++)
				if (hid[(g[i].state) & 3])
					rn_sb_printf(gb, "\tIgnored State: %s (%llu)", state_name(g[i].state),
						     (unsigned long long)g[i].count);
			rn_sb_putc(gb, '\n');
		}
		if (s->json) {
			rn_sb_puts(sb, "],\"not_shown\":[");
			bool fg = true;
			for (size_t i = 0; i < ng; i++)
				if (hid[(g[i].state) & 3]) {
					rn_sb_printf(sb, "%s{\"state\":\"%s\",\"reason\":", fg ? "" : ",",
						     state_name(g[i].state));
					json_str(sb, g[i].reason);
					rn_sb_printf(sb, ",\"count\":%llu}", (unsigned long long)g[i].count);
					fg = false;
				}
			rn_sb_puts(sb, "]}");
		} else {
			rn_sb_puts(sb, "\n");
		}
		first_host = false;
	}
	double el = now_s() - s->t0;
	if (s->json)
		rn_sb_printf(sb, "],\"addresses\":%llu,\"hosts_up\":%llu,\"seconds\":%.2f}\n",
			     (unsigned long long)s->nhosts, (unsigned long long)up, el);
	else
		rn_sb_printf(sb, "rawnet scan done: %llu IP address%s (%llu host%s up) scanned in %.2f seconds\n",
			     (unsigned long long)s->nhosts, s->nhosts == 1 ? "" : "es",
			     (unsigned long long)up, up == 1 ? "" : "s", el);
	if (gb)
		rn_sb_printf(gb, "# rawnet scan done: %llu IP address%s (%llu host%s up) scanned in %.2f seconds\n",
			     (unsigned long long)s->nhosts, s->nhosts == 1 ? "" : "es",
			     (unsigned long long)up, up == 1 ? "" : "s", el);
}

static void report_sweep(struct scan *s, struct rn_strbuf *sb, uint64_t up)
{
	double el = now_s() - s->t0;
	if (s->json) {
		rn_sb_printf(sb, "{\"scan\":\"%s\",\"hosts\":[", s->mode == MODE_ARP ? "arp" : "ping");
		bool first = true;
		for (uint64_t h = 0; h < s->nhosts; h++) {
			if (!s->hostup[h])
				continue;
			uint8_t a[16];
			char txt[INET6_ADDRSTRLEN];
			host_addr(s, h, a);
			rn_sb_printf(sb, "%s{\"addr\":", first ? "" : ",");
			json_str(sb, probe_addr(s->family, a, txt, sizeof txt));
			if (s->mode == MODE_ARP) {
				const uint8_t *m = s->mac[h].b;
				rn_sb_printf(sb, ",\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\"", m[0], m[1], m[2],
					     m[3], m[4], m[5]);
			}
			rn_sb_printf(sb, ",\"rtt_ms\":%.3f}", s->rtt[h] * 1000);
			first = false;
		}
		rn_sb_printf(sb, "],\"addresses\":%llu,\"hosts_up\":%llu,\"seconds\":%.2f}\n",
			     (unsigned long long)s->nhosts, (unsigned long long)up, el);
		return;
	}
	if (s->mode == MODE_PING)
		for (uint64_t h = 0; h < s->nhosts; h++) {
			if (!s->hostup[h])
				continue;
			uint8_t a[16];
			char txt[INET6_ADDRSTRLEN];
			host_addr(s, h, a);
			rn_sb_printf(sb, "%s is alive (%.3f ms)\n", probe_addr(s->family, a, txt, sizeof txt),
				     s->rtt[h] * 1000);
		}
	rn_sb_printf(sb, "%s: %llu address%s scanned in %.2f seconds, %llu %s\n",
		     s->mode == MODE_ARP ? "Ending ARP scan" : "Ending ping sweep",
		     (unsigned long long)s->nhosts, s->nhosts == 1 ? "" : "es", el,
		     (unsigned long long)up, s->mode == MODE_ARP ? "responded" : "alive");
}

/* --- main ------------------------------------------------------------------ */

static void open_arp(struct scan *s)
{
	char a[INET_ADDRSTRLEN];
	if (s->ifname) {
		int rc = rn_iface_by_name(s->ifname, &s->io.ifc);
		if (rc < 0)
			errx(EXIT_USAGE, "-I %s: %s", s->ifname, rn_strerror(rc));
		struct rn_ifaddr ad[8];
		int n = rn_iface_addrs(s->io.ifc.ifindex, AF_INET, ad, 8);
		if (n <= 0)
			errx(EXIT_USAGE, "-I %s: no IPv4 address", s->ifname);
		memcpy(s->io.src, ad[0].addr, 4);
	} else {
		uint8_t first[16];
		host_addr(s, 0, first);
		probe_route(&s->io, AF_INET, first);
		struct rn_route rt;
		if (rn_route_get(AF_INET, first, 0, &rt) == 0 && rt.has_gateway)
			warnx("%s is not on a link of this host (the route goes via a gateway): ARP "
			      "will not reach it", probe_addr(AF_INET, first, a, sizeof a));
	}
	if (!s->io.ifc.has_mac)
		errx(EXIT_USAGE, "%s: no MAC address, no ARP", s->io.ifc.name);
	struct rn_packet_opts po = { .ifname = s->io.ifc.name, .immediate = true,
				     .direction = RN_DIR_IN, .snaplen = 256, .ring_kib = 1024 };
	int rc = rn_packet_open(&po, &s->l2);
	if (rc < 0)
		errx(EXIT_USAGE, "packet socket on %s: %s", s->io.ifc.name, rn_strerror(rc));
	if (!s->json) {
		const uint8_t *m = s->io.ifc.mac.b;
		printf("Interface: %s, MAC: %02x:%02x:%02x:%02x:%02x:%02x, IPv4: %s\n"
		       "Starting ARP scan of %llu hosts\n",
		       s->io.ifc.name, m[0], m[1], m[2], m[3], m[4], m[5],
		       probe_addr(AF_INET, s->io.src, a, sizeof a), (unsigned long long)s->nhosts);
		fflush(stdout);
	}
}

int cmd_scan(int argc, char **argv)
{
	enum { OPT_RATE = 256, OPT_JSON, OPT_ARP, OPT_PING };
	static const struct option longopts[] = {
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "arp", no_argument, NULL, OPT_ARP },
		{ "ping", no_argument, NULL, OPT_PING },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct scan scan;
	struct scan *s = &scan;
	memset(s, 0, sizeof *s);
	s->io.rawfd = -1;
	s->wait = 1;
	int want_family = AF_UNSPEC;
	const char *ports = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+p:w:o:I:46h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': ports = optarg; break;
		case 'w': s->wait = opt_seconds("-w", optarg, 0.01, 3600); break;
		case 'o':
			if (strcmp(optarg, "G") || optind >= argc)
				errx(EXIT_USAGE, "-o%s: only -oG FILE is supported", optarg);
			s->grep_file = argv[optind++];
			break;
		case 'I': s->ifname = optarg; break;
		case '4': want_family = AF_INET; break;
		case '6': want_family = AF_INET6; break;
		case OPT_RATE: s->rate = (double)opt_int("--rate", optarg, 1, 10000000); break;
		case OPT_JSON: s->json = true; break;
		case OPT_ARP: s->mode = MODE_ARP; break;
		case OPT_PING: s->mode = MODE_PING; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (s->mode != MODE_TCP && (ports || s->grep_file))
		errx(EXIT_USAGE, "%s: only for TCP scans", ports ? "-p" : "-oG");
	if (s->mode != MODE_ARP && s->ifname)
		errx(EXIT_USAGE, "-I: only for --arp");
	if (s->mode == MODE_ARP && want_family == AF_INET6)
		errx(EXIT_USAGE, "--arp: IPv4 only (IPv6 has neighbour discovery)");
	if (s->mode == MODE_ARP)
		want_family = AF_INET;
	if (!s->rate)
		s->rate = s->mode == MODE_TCP ? 50000 : 1000;
	size_t off = 0;
	for (int i = 0; i < argc && off < sizeof s->cmdline - 1; i++)
		off += (size_t)snprintf(s->cmdline + off, sizeof s->cmdline - off, "%s%s",
					i ? " " : "rawnet ", argv[i]);
	for (int i = optind; i < argc; i++)
		add_target(s, argv[i], want_family);
	memset(s->port_index, 0xff, sizeof s->port_index);
	uint64_t total = s->nhosts;
	if (s->mode == MODE_TCP) {
		parse_ports(s, ports ? ports : "1-1024");
		for (size_t i = 0; i < s->nports; i++)
			s->port_index[s->ports[i]] = (int16_t)i;
		if (s->nhosts * s->nports > MAX_PROBES)
			errx(EXIT_USAGE, "%llu hosts x %zu ports: too many probes (at most %llu)",
			     (unsigned long long)s->nhosts, s->nports, (unsigned long long)MAX_PROBES);
		total = s->nhosts * s->nports;
	}
	s->state = calloc(total, 1);
	s->reason = calloc(s->mode == MODE_TCP ? total : 1, sizeof *s->reason);
	s->hostup = calloc(s->nhosts, 1);
	s->sent_at = calloc(s->nhosts, sizeof *s->sent_at);
	s->rtt = calloc(s->nhosts, sizeof *s->rtt);
	s->mac = calloc(s->nhosts, sizeof *s->mac);
	if (!s->state || !s->reason || !s->hostup || !s->sent_at || !s->rtt || !s->mac)
		err(EXIT_USAGE, "calloc");
	if (getrandom(s->key, sizeof s->key, 0) != sizeof s->key)
		err(EXIT_USAGE, "getrandom");
	uint16_t rnd[2];
	if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
		err(EXIT_USAGE, "getrandom");
	s->sport = (uint16_t)(32768 + rnd[0] % 28000);
	s->icmp_id = rnd[1];

	FILE *gf = NULL;
	if (s->grep_file && strcmp(s->grep_file, "-")) {
		gf = fopen(s->grep_file, "w");
		if (!gf)
			err(EXIT_USAGE, "-oG %s", s->grep_file);
	}
	if (s->mode == MODE_ARP) {
		open_arp(s);
	} else {
		uint8_t first[16];
		host_addr(s, 0, first);
		probe_route(&s->io, s->family, first);
		probe_open(&s->io);
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	s->t0 = now_s();
	if (s->mode == MODE_TCP && !s->json && !(s->grep_file && !gf)) {
		printf("Starting rawnet scan: %llu host%s, %zu port%s, %.0f packets/s\n",
		       (unsigned long long)s->nhosts, s->nhosts == 1 ? "" : "s", s->nports,
		       s->nports == 1 ? "" : "s", s->rate);
		fflush(stdout);
	}
	round_of(s, total);
	if (!stop && s->answered < total)
		round_of(s, total); /* the unanswered, once more */
	for (uint64_t k = 0; k < total && s->mode == MODE_TCP; k++)
		if (s->state[k] == RN_PORT_UNKNOWN) {
			s->state[k] = RN_PORT_FILTERED;
			s->reason[k] = "no-response";
		}
	uint64_t up = 0;
	for (uint64_t h = 0; h < s->nhosts; h++)
		up += s->hostup[h];

	struct rn_strbuf sb, gb;
	rn_sb_init(&sb);
	rn_sb_init(&gb);
	if (s->mode == MODE_TCP) {
		bool grep_stdout = s->grep_file && !gf;
		if (s->grep_file)
			rn_sb_printf(&gb, "# rawnet scan initiated as: %s\n", s->cmdline);
		if (grep_stdout) {
			struct rn_strbuf dummy;
			rn_sb_init(&dummy);
			report_tcp(s, &dummy, &gb, up);
			rn_sb_free(&dummy);
			out_flush(&gb);
		} else {
			report_tcp(s, &sb, s->grep_file ? &gb : NULL, up);
			out_flush(&sb);
			if (gf && (fwrite(gb.buf, 1, gb.len, gf) != gb.len || fclose(gf)))
				err(EXIT_USAGE, "-oG %s", s->grep_file);
		}
	} else {
		report_sweep(s, &sb, up);
		out_flush(&sb);
	}
	rn_sb_free(&sb);
	rn_sb_free(&gb);
	probe_close(&s->io);
	if (s->l2)
		rn_packet_close(s->l2);
	for (size_t t = 0; t < s->ntargets; t++)
		rn_range_free(&s->targets[t]);
	free(s->targets);
	free(s->ports);
	free(s->state);
	free(s->reason);
	free(s->hostup);
	free(s->sent_at);
	free(s->rtt);
	free(s->mac);
	if (stop)
		return 130;
	return up ? EXIT_OK : EXIT_NOREPLY;
}
