/* rawnet ping: ICMP / ICMPv6 echo (RFC 792, RFC 4443 §4.1) with the request
 * built by hand, on a raw socket or an ICMP datagram socket; output, timing
 * and exit codes as iputils ping. */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "rawnet/icmp.h"
#include "rawnet/icmp6.h"
#include "rawnet/icmpsock.h"
#include "rawnet/ping.h"

#define MAX_PATTERN 16
#define FLOOD_GAP 0.010          /* iputils' MININTERVAL: 10 ms between unanswered floods */
#define MIN_USER_INTERVAL 0.002  /* iputils' MINUSERINTERVAL */

struct opts {
	int family;              /* AF_UNSPEC, AF_INET, AF_INET6 */
	long long count;         /* 0: until interrupted */
	double interval;
	bool interval_set;
	long long size;
	bool size_set;
	uint8_t pattern[MAX_PATTERN];
	size_t pattern_len;
	const char *data;        /* --data TEXT: the exact payload */
	int ttl;                 /* -1: the system's */
	double linger;           /* -W */
	double deadline;         /* -w, 0: none */
	const char *ifname;
	const char *srcarg;      /* -I ADDR: as given */
	struct sockaddr_storage srcaddr; /* -I ADDR: family 0 when -I named an interface */
	socklen_t srcaddr_len;
	bool flood, quiet, numeric, json;
	const char *user;
	const char *host;
};

/* Everything about one run. */
struct run {
	struct opts o;
	struct rn_icmpsock sock;
	struct sockaddr_storage dst, src;
	socklen_t dst_len;
	char dst_text[INET6_ADDRSTRLEN];
	char src_text[INET6_ADDRSTRLEN];
	const char *hostname;    /* as printed in the header and statistics */
	uint16_t id;
	uint8_t cookie[RN_PING_COOKIE_LEN];
	bool stamped;            /* the payload starts with a time stamp (+ cookie) */
	bool timing;             /* round trips are printed */
	size_t datalen;
	uint8_t *out;            /* ICMP header + payload, reused for each request */
	uint8_t *payload;        /* out + 8 */
	struct rn_ping_stats st;
	double start, last_send; /* monotonic */
	double interval;
};

static volatile sig_atomic_t g_exiting, g_status;
static int64_t g_sent_ns[RN_PING_SEQ_SPACE]; /* CLOCK_REALTIME send time per sequence number */
static uint8_t g_rx[65536 + 128];

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rawnet ping [-4|-6] [-c N] [-i SEC] [-s SIZE] [-p HEX | --data TEXT] [-t TTL]\n"
		"                   [-W SEC] [-w DEADLINE] [-I IFACE|ADDR] [-f] [-q] [-n] [-Z USER] [--json] HOST\n"
		"\n"
		"Sends ICMP (ICMPv6) echo requests built by hand and prints the replies as\n"
		"iputils ping does. Uses a raw socket, or without CAP_NET_RAW an ICMP datagram\n"
		"socket (allowed by the sysctl net.ipv4.ping_group_range).\n"
		"\n"
		"  -4, -6        use IPv4 / IPv6 only\n"
		"  -c N          stop after N replies (or errors)\n"
		"  -i SEC        seconds between requests (default 1)\n"
		"  -s SIZE       data bytes per request (default 56)\n"
		"  -p HEX        fill the data with this pattern (up to 16 bytes)\n"
		"  --data TEXT   the data is exactly TEXT's bytes\n"
		"  -t TTL        time to live / hop limit\n"
		"  -W SEC        how long to wait for a reply after the last request (default 10)\n"
		"  -w DEADLINE   stop after DEADLINE seconds, whatever happens\n"
		"  -I IFACE      send and receive through IFACE only (SO_BINDTODEVICE)\n"
		"  -I ADDR       send from the local address ADDR (IPv4 or IPv6; picks the family)\n"
		"  -f            flood: a request as soon as the last is answered (or every 10 ms)\n"
		"  -q            quiet: only the header and the statistics\n"
		"  -n            numeric: do not look names up\n"
		"  -Z USER       switch to USER once the socket is open\n"
		"  --json        one JSON object per reply or error, then a summary object\n"
		"\n"
		"Exit status: 0 some reply, 1 no reply, 2 error.\n");
}

static void on_signal(int sig)
{
	if (sig == SIGQUIT)
		g_status = 1;
	else
		g_exiting = 1;
}

static int64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* -p: up to 16 bytes of hex, as iputils reads it ("abc" is 0xab 0x0c). */
static void parse_pattern(struct opts *o, const char *s)
{
	for (const char *p = s; *p; p++)
		if (hexval(*p) < 0)
			errx(EXIT_USAGE, "patterns must be specified as hex digits: %s", p);
	if (!*s)
		errx(EXIT_USAGE, "-p: the pattern is empty");
	o->pattern_len = 0;
	for (const char *p = s; *p && o->pattern_len < MAX_PATTERN; p += p[1] ? 2 : 1) {
		int v = hexval(p[0]);
		if (p[1])
			v = v << 4 | hexval(p[1]);
		o->pattern[o->pattern_len++] = (uint8_t)v;
	}
}

/* -I: an IPv4 or IPv6 address is the source address, anything else an
 * interface name (as iputils). */
static void parse_source(struct opts *o, const char *arg)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	o->ifname = NULL;
	o->srcarg = NULL;
	memset(&o->srcaddr, 0, sizeof(o->srcaddr));
	o->srcaddr_len = 0;
	if (inet_pton(AF_INET, arg, &sin.sin_addr) == 1) {
		memcpy(&o->srcaddr, &sin, sizeof(sin));
		o->srcaddr_len = sizeof(sin);
	} else if (inet_pton(AF_INET6, arg, &sin6.sin6_addr) == 1) {
		memcpy(&o->srcaddr, &sin6, sizeof(sin6));
		o->srcaddr_len = sizeof(sin6);
	} else {
		o->ifname = arg;
		return;
	}
	o->srcarg = arg;
}

static void parse_args(struct opts *o, int argc, char **argv)
{
	enum { OPT_DATA = 256, OPT_JSON, OPT_HELP };
	static const struct option longopts[] = {
		{ "data", required_argument, NULL, OPT_DATA },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof(*o));
	o->family = AF_UNSPEC;
	o->interval = 1.0;
	o->size = 56;
	o->ttl = -1;
	o->linger = 10;
	int c;
	while ((c = getopt_long(argc, argv, "46c:i:s:p:t:W:w:I:fqnZ:h", longopts, NULL)) != -1) {
		switch (c) {
		case '4':
			o->family = AF_INET;
			break;
		case '6':
			o->family = AF_INET6;
			break;
		case 'c':
			o->count = opt_int("-c", optarg, 1, LLONG_MAX);
			break;
		case 'i':
			o->interval = opt_seconds("-i", optarg, 0, 3600 * 24);
			o->interval_set = true;
			break;
		case 's':
			o->size = opt_int("-s", optarg, 0, 65527);
			o->size_set = true;
			break;
		case 'p':
			parse_pattern(o, optarg);
			break;
		case OPT_DATA:
			o->data = optarg;
			break;
		case 't':
			o->ttl = (int)opt_int("-t", optarg, 1, 255);
			break;
		case 'W':
			o->linger = opt_seconds("-W", optarg, 0, 3600 * 24);
			break;
		case 'w':
			o->deadline = opt_seconds("-w", optarg, 0, 3600 * 24 * 365);
			break;
		case 'I':
			parse_source(o, optarg);
			break;
		case 'f':
			o->flood = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'n':
			o->numeric = true;
			break;
		case 'Z':
			o->user = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			exit(EXIT_OK);
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind != argc - 1) {
		if (optind >= argc)
			warnx("no HOST given");
		else
			warnx("one HOST only (%s is extra)", argv[optind + 1]);
		usage(stderr);
		exit(EXIT_USAGE);
	}
	o->host = argv[optind];
	if (o->data && (o->pattern_len || o->size_set))
		errx(EXIT_USAGE, "--data gives the whole payload: it excludes -p and -s");
	if (o->data && strlen(o->data) > 65507)
		errx(EXIT_USAGE, "--data: %zu bytes is too long (65507 at most)", strlen(o->data));
	if (o->ifname && (strlen(o->ifname) >= IF_NAMESIZE || !if_nametoindex(o->ifname)))
		errx(EXIT_USAGE, "-I: %s: no such interface", o->ifname);
	if (o->srcarg) {
		int sf = o->srcaddr.ss_family;
		if (o->family != AF_UNSPEC && o->family != sf)
			errx(EXIT_USAGE, "-I %s: an IPv%c address, but -%c was given", o->srcarg,
			     sf == AF_INET6 ? '6' : '4', o->family == AF_INET6 ? '6' : '4');
		o->family = sf; /* the destination must be of the source's family */
	}
	if (o->flood && !o->interval_set)
		o->interval = 0;
	if (getuid() != 0 && o->interval < MIN_USER_INTERVAL)
		errx(EXIT_USAGE, "cannot flood; minimal interval allowed for user is %dms",
		     (int)(MIN_USER_INTERVAL * 1000));
}

/* "name (address)" or just the address, as iputils' pr_addr(); the last
 * answer is remembered (replies mostly come from one place). */
static const char *pr_addr(const struct run *r, const struct sockaddr_storage *sa)
{
	static char last[sizeof(struct sockaddr_storage)];
	static bool have_last;
	static char buf[NI_MAXHOST + INET6_ADDRSTRLEN + 4];
	socklen_t len = sa->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						   : sizeof(struct sockaddr_in);
	if (have_last && !memcmp(last, sa, len))
		return buf;
	char addr[INET6_ADDRSTRLEN] = "?", name[NI_MAXHOST] = "";
	getnameinfo((const struct sockaddr *)sa, len, addr, sizeof(addr), NULL, 0, NI_NUMERICHOST);
	if (!r->o.numeric && !g_exiting)
		getnameinfo((const struct sockaddr *)sa, len, name, sizeof(name), NULL, 0, NI_NAMEREQD);
	if (*name)
		snprintf(buf, sizeof(buf), "%s (%s)", name, addr);
	else
		snprintf(buf, sizeof(buf), "%s", addr);
	memcpy(last, sa, len);
	have_last = true;
	return buf;
}

static void addr_text(const struct sockaddr_storage *sa, char *buf, size_t cap)
{
	const void *a = sa->ss_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
						   : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
	if (!inet_ntop(sa->ss_family, a, buf, (socklen_t)cap))
		snprintf(buf, cap, "?");
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, 16);
}

/* JSON strings: quotes, backslashes and control characters escaped. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_ms(int64_t us)
{
	printf("%.3f", (double)us / 1000.0);
}

static void write_out(const char *s, size_t n)
{
	fflush(stdout);
	while (n) {
		ssize_t w = write(STDOUT_FILENO, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void resolve(struct run *r)
{
	struct addrinfo hints = { 0 }, *ai;
	hints.ai_family = r->o.family;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_CANONNAME;
	int rc = getaddrinfo(r->o.host, NULL, &hints, &ai);
	if (rc && r->o.srcarg) {
		hints.ai_family = AF_UNSPEC;
		hints.ai_flags = AI_NUMERICHOST;
		struct addrinfo *other;
		if (getaddrinfo(r->o.host, NULL, &hints, &other) == 0) {
			freeaddrinfo(other);
			errx(EXIT_USAGE, "-I %s: an IPv%c address, but %s is IPv%c", r->o.srcarg,
			     r->o.family == AF_INET6 ? '6' : '4', r->o.host,
			     r->o.family == AF_INET6 ? '4' : '6');
		}
	}
	if (rc)
		errx(EXIT_USAGE, "%s: %s", r->o.host,
		     rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	memcpy(&r->dst, ai->ai_addr, ai->ai_addrlen);
	r->dst_len = ai->ai_addrlen;
	addr_text(&r->dst, r->dst_text, sizeof(r->dst_text));
	/* A literal address is printed as given and never looked up. */
	unsigned char tmp[16];
	if (inet_pton(AF_INET, r->o.host, tmp) == 1 || inet_pton(AF_INET6, r->o.host, tmp) == 1) {
		r->o.numeric = true;
		r->hostname = r->o.host;
	} else {
		r->hostname = strdup(ai->ai_canonname ? ai->ai_canonname : r->o.host);
		if (!r->hostname)
			err(EXIT_USAGE, "strdup");
	}
	freeaddrinfo(ai);
}

static void read_group_range(char *buf, size_t cap)
{
	snprintf(buf, cap, "?");
	FILE *f = fopen("/proc/sys/net/ipv4/ping_group_range", "r");
	if (!f)
		return;
	unsigned long lo, hi;
	if (fscanf(f, "%lu %lu", &lo, &hi) == 2)
		snprintf(buf, cap, "%lu %lu", lo, hi);
	fclose(f);
}

static void open_socket(struct run *r)
{
	int family = r->dst.ss_family;
	int rc = rn_icmpsock_open(&r->sock, family, 0);
	if (rc < 0) {
		struct rn_icmpsock *s = &r->sock;
		if ((s->raw_err == EPERM || s->raw_err == EACCES) &&
		    (s->dgram_err == EACCES || s->dgram_err == EPERM)) {
			char range[64];
			read_group_range(range, sizeof(range));
			errx(EXIT_USAGE,
			     "cannot open an ICMP socket: a raw socket needs CAP_NET_RAW (run as root, or "
			     "setcap cap_net_raw+ep on the rawnet binary), and an ICMP datagram socket needs "
			     "group %u inside net.ipv4.ping_group_range (now \"%s\"; e.g. sysctl -w "
			     "net.ipv4.ping_group_range=\"0 2147483647\")",
			     (unsigned)getgid(), range);
		}
		errx(EXIT_USAGE, "cannot open an ICMP socket: %s", rn_strerror(rc));
	}
	if (r->o.ifname && (rc = rn_icmpsock_bind_device(&r->sock, r->o.ifname)) < 0)
		errx(EXIT_USAGE, "SO_BINDTODEVICE %s: %s", r->o.ifname, rn_strerror(rc));
	if (r->o.ttl >= 0 && (rc = rn_icmpsock_set_ttl(&r->sock, r->o.ttl)) < 0)
		errx(EXIT_USAGE, "-t %d: %s", r->o.ttl, rn_strerror(rc));
	if (r->o.srcarg) {
		rc = rn_icmpsock_bind_source(&r->sock, (struct sockaddr *)&r->o.srcaddr,
					     r->o.srcaddr_len);
		if (rc < 0)
			errx(EXIT_USAGE, "-I %s: cannot send from this address: %s", r->o.srcarg,
			     rn_strerror(rc));
		memcpy(&r->src, &r->o.srcaddr, r->o.srcaddr_len);
	} else {
		if ((rc = rn_icmpsock_bind_id(&r->sock)) < 0)
			errx(EXIT_USAGE, "bind icmp socket: %s", rn_strerror(rc));
		rc = rn_icmpsock_source((struct sockaddr *)&r->dst, r->dst_len, r->o.ifname,
					&r->src);
		if (rc < 0)
			errx(EXIT_USAGE, "connect: %s", rn_strerror(rc));
	}
	addr_text(&r->src, r->src_text, sizeof(r->src_text));
	if (r->sock.kind == RN_ICMPSOCK_DGRAM) {
		r->id = r->sock.id;
	} else {
		uint16_t id;
		if (getrandom(&id, sizeof(id), 0) != sizeof(id))
			id = (uint16_t)(getpid() ^ (unsigned)time(NULL));
		r->id = id;
	}
	if (getrandom(r->cookie, sizeof(r->cookie), 0) != sizeof(r->cookie)) {
		uint64_t x = (uint64_t)realtime_ns() ^ (uint64_t)getpid() << 32;
		memcpy(r->cookie, &x, sizeof(x));
	}
}

static void prepare_payload(struct run *r)
{
	size_t max = r->dst.ss_family == AF_INET6 ? 65527 : 65507;
	r->datalen = r->o.data ? strlen(r->o.data) : (size_t)r->o.size;
	if (r->datalen > max)
		errx(EXIT_USAGE, "-s: %zu is too large for IPv%c (%zu at most)", r->datalen,
		     r->dst.ss_family == AF_INET6 ? '6' : '4', max);
	r->out = calloc(1, RN_ICMP_HLEN + r->datalen + 1);
	if (!r->out)
		err(EXIT_USAGE, "malloc");
	r->payload = r->out + RN_ICMP_HLEN;
	if (r->o.data) {
		memcpy(r->payload, r->o.data, r->datalen);
		r->stamped = false;
		r->timing = true; /* from our own table of send times */
	} else {
		rn_ping_fill(r->payload, r->datalen, r->o.pattern, r->o.pattern_len, r->cookie);
		r->stamped = r->datalen >= RN_PING_STAMP_LEN;
		r->timing = r->stamped; /* as iputils: no room for a time stamp, no times */
	}
}

static void print_header(const struct run *r)
{
	if (r->o.json)
		return;
	if (r->o.pattern_len && !r->o.quiet) {
		printf("PATTERN: 0x");
		for (size_t i = 0; i < r->o.pattern_len; i++)
			printf("%02x", r->o.pattern[i]);
		printf("\n");
	}
	char from[INET6_ADDRSTRLEN + IF_NAMESIZE + 16] = "";
	/* iputils: "from SRC IFACE: ", with an empty IFACE for -I ADDR. */
	if (r->o.ifname || r->o.srcarg)
		snprintf(from, sizeof(from), "from %s %s: ", r->src_text,
			 r->o.ifname ? r->o.ifname : "");
	if (r->dst.ss_family == AF_INET)
		printf("PING %s (%s) %s%zu(%zu) bytes of data.\n", r->hostname, r->dst_text, from,
		       r->datalen, r->datalen + RN_ICMP_HLEN + 20);
	else
		printf("PING %s(%s) %s%zu data bytes\n", r->hostname, r->dst_text, from, r->datalen);
	fflush(stdout);
}

/* Builds and sends the next echo request. A send error counts the request as
 * sent and lost (iputils' "hard local error"). */
static void send_one(struct run *r)
{
	uint16_t seq = (uint16_t)(r->st.transmitted + 1);
	int64_t now_ns = realtime_ns();
	if (r->stamped)
		rn_ping_put_stamp(r->payload, r->datalen, now_ns / 1000000000, now_ns % 1000000000);
	int rc;
	size_t len = RN_ICMP_HLEN + r->datalen;
	if (r->dst.ss_family == AF_INET) {
		struct rn_icmp icmp = { .type = RN_ICMP_ECHO, .code = 0, .id = r->id, .seq = seq };
		rc = rn_icmp_emit(&icmp, r->out, len, r->datalen);
	} else {
		struct rn_pseudo ph = { .family = AF_INET6 };
		memcpy(ph.src, &((struct sockaddr_in6 *)&r->src)->sin6_addr, 16);
		memcpy(ph.dst, &((struct sockaddr_in6 *)&r->dst)->sin6_addr, 16);
		struct rn_icmp6 icmp6 = { .type = RN_ICMP6_ECHO_REQUEST, .code = 0, .id = r->id,
					  .seq = seq };
		rc = rn_icmp6_emit(&icmp6, &ph, r->out, len, r->datalen);
	}
	if (rc < 0)
		errx(EXIT_USAGE, "building the echo request: %s", rn_strerror(rc));
	r->last_send = mono_now();
	g_sent_ns[seq] = now_ns;
	rc = rn_icmpsock_send(&r->sock, r->out, len, (struct sockaddr *)&r->dst, r->dst_len);
	rn_ping_sent(&r->st);
	if (rc == (int)len) {
		if (r->o.flood && !r->o.quiet && !r->o.json)
			write_out(".", 1);
		return;
	}
	/* A hard local error: the request counts as sent (and lost), as in iputils. */
	if (!r->o.quiet) {
		if (r->o.flood && !r->o.json)
			write_out("E", 1);
		else
			warnx("sendmsg: %s", rc < 0 ? rn_strerror(rc) : "short write");
	}
}

/* True when seq is one we sent (1..transmitted, modulo 2^16). */
static bool seq_sent(const struct run *r, uint16_t seq)
{
	uint64_t t = r->st.transmitted;
	if (!t)
		return false;
	uint16_t back = (uint16_t)((uint16_t)t - seq);
	return (uint64_t)back < t && back < 0x8000;
}

static void print_wrong_data(const struct run *r, const uint8_t *got, size_t got_len, long first)
{
	size_t i = (size_t)first;
	printf("\nwrong data byte #%zu should be 0x%x but was 0x%x", i, r->payload[i], got[i]);
	for (i = RN_PING_STAMP_LEN; i < r->datalen && i < got_len; i++) {
		if (i % 32 == RN_PING_STAMP_LEN)
			printf("\n#%zu\t", i);
		printf("%x ", got[i]);
	}
}

static void handle_reply(struct run *r, const struct rn_icmpsock_msg *m)
{
	uint16_t id, seq;
	bool bad = false;
	struct rn_view data;
	if (r->dst.ss_family == AF_INET) {
		struct rn_icmp icmp;
		if (rn_icmp_parse(m->icmp, &icmp) < 0 || icmp.type != RN_ICMP_ECHOREPLY)
			return;
		id = icmp.id;
		seq = icmp.seq;
		data = icmp.data;
		/* Raw IPv4 sockets see replies before the kernel checks the sum. */
		bad = icmp.checksum_status == RN_CSUM_BAD;
	} else {
		struct rn_icmp6 icmp6;
		struct rn_pseudo ph = { .family = AF_INET6 };
		memcpy(ph.src, &((const struct sockaddr_in6 *)&m->from)->sin6_addr, 16);
		memcpy(ph.dst, m->dst, 16);
		if (rn_icmp6_parse(m->icmp, m->have_dst ? &ph : NULL, &icmp6) < 0 ||
		    icmp6.type != RN_ICMP6_ECHO_REPLY)
			return;
		id = icmp6.id;
		seq = icmp6.seq;
		data = icmp6.data;
		bad = icmp6.checksum_status == RN_CSUM_BAD;
	}
	/* Ours: our identifier (the kernel filters datagram sockets by it), a
	 * sequence number we sent, and our payload (the cookie, or all of it). */
	if (r->sock.kind == RN_ICMPSOCK_RAW && id != r->id)
		return;
	if (!seq_sent(r, seq))
		return;
	long first_diff = -1;
	if (!bad && !rn_ping_payload_ours(r->payload, r->datalen, data.data, data.len, r->stamped,
					  &first_diff))
		return;

	int64_t recv_ns = (int64_t)m->stamp.tv_sec * 1000000000 + m->stamp.tv_nsec;
	int64_t rtt_us = (recv_ns - g_sent_ns[seq]) / 1000;
	if (rtt_us < 0)
		rtt_us = 0;
	enum rn_ping_verdict v = rn_ping_reply(&r->st, seq, r->timing ? rtt_us : -1, bad);
	size_t cc = m->icmp.len;
	bool truncated = cc < r->datalen + RN_ICMP_HLEN;

	if (r->o.json) {
		if (r->o.quiet)
			return;
		printf("{\"type\":\"reply\",\"from\":");
		char a[INET6_ADDRSTRLEN];
		addr_text(&m->from, a, sizeof(a));
		json_str(a);
		printf(",\"bytes\":%zu,\"icmp_seq\":%u,\"ttl\":", cc, seq);
		if (m->ttl >= 0)
			printf("%d", m->ttl);
		else
			printf("null");
		printf(",\"time_ms\":");
		if (r->timing)
			json_ms(rtt_us);
		else
			printf("null");
		printf(",\"duplicate\":%s,\"bad_checksum\":%s,\"truncated\":%s}\n",
		       v == RN_PING_DUP ? "true" : "false", bad ? "true" : "false",
		       truncated ? "true" : "false");
		fflush(stdout);
		return;
	}
	if (r->o.quiet)
		return;
	if (r->o.flood) {
		write_out(bad ? "\bC" : "\b \b", bad ? 2 : 3);
		return;
	}
	printf("%zu bytes from %s: icmp_seq=%u", cc, pr_addr(r, &m->from), seq);
	if (m->ttl >= 0)
		printf(" ttl=%d", m->ttl);
	if (truncated) {
		printf(" (truncated)\n");
		fflush(stdout);
		return;
	}
	if (r->timing) {
		char t[32];
		rn_ping_format_rtt(rtt_us, t, sizeof(t));
		printf(" time=%s ms", t);
	}
	if (v == RN_PING_DUP)
		printf(" (DUP!)");
	if (bad)
		printf(" (BAD CHECKSUM!)");
	if (first_diff >= 0)
		print_wrong_data(r, data.data, data.len, first_diff);
	printf("\n");
	fflush(stdout);
}

/* One error-queue entry: an ICMP error about one of our requests, or a local
 * error. Returns false when the queue is empty. */
static bool handle_error(struct run *r)
{
	struct rn_icmpsock_err e;
	uint8_t buf[1024];
	int rc = rn_icmpsock_recv_error(&r->sock, buf, sizeof(buf), &e);
	if (rc <= 0)
		return false;
	int family = r->dst.ss_family;
	if (e.local) {
		r->st.errors++;
		if (r->o.quiet)
			return true;
		if (r->o.flood && !r->o.json)
			write_out("E", 1);
		else if (e.err == EMSGSIZE)
			warnx(family == AF_INET ? "local error: message too long, mtu=%u"
						: "local error: message too long, mtu: %u",
			      e.info);
		else
			warnx("local error: %s", strerror(e.err));
		return true;
	}
	if (!same_addr(&e.target, &r->dst))
		return true;
	uint16_t id, seq;
	struct rn_view qdata;
	if (family == AF_INET) {
		struct rn_icmp q;
		if (rn_icmp_parse(e.quoted, &q) < 0 || q.type != RN_ICMP_ECHO)
			return true;
		id = q.id, seq = q.seq, qdata = q.data;
	} else {
		struct rn_icmp6 q;
		if (rn_icmp6_parse(e.quoted, NULL, &q) < 0 || q.type != RN_ICMP6_ECHO_REQUEST)
			return true;
		id = q.id, seq = q.seq, qdata = q.data;
	}
	if (r->sock.kind == RN_ICMPSOCK_RAW && id != r->id)
		return true;
	if (!seq_sent(r, seq))
		return true;
	/* When the error quotes enough of our payload, the cookie must be there. */
	if (r->stamped && r->datalen >= RN_PING_STAMP_LEN + RN_PING_COOKIE_LEN &&
	    qdata.len >= RN_PING_STAMP_LEN + RN_PING_COOKIE_LEN &&
	    memcmp(qdata.data + RN_PING_STAMP_LEN, r->cookie, RN_PING_COOKIE_LEN) != 0)
		return true;
	rn_ping_error(&r->st, seq, family == AF_INET); /* as iputils */
	if (r->o.quiet)
		return true;
	char text[128];
	rn_ping_error_text(family, e.type, e.code, e.info, text, sizeof(text));
	if (r->o.json) {
		char a[INET6_ADDRSTRLEN] = "";
		if (e.offender.ss_family)
			addr_text(&e.offender, a, sizeof(a));
		printf("{\"type\":\"error\",\"from\":");
		json_str(a);
		printf(",\"icmp_seq\":%u,\"icmp_type\":%u,\"icmp_code\":%u,\"message\":", seq, e.type,
		       e.code);
		json_str(text);
		printf("}\n");
		fflush(stdout);
		return true;
	}
	if (r->o.flood) {
		write_out("\bE", 2);
		return true;
	}
	printf("From %s icmp_seq=%u %s\n", e.offender.ss_family ? pr_addr(r, &e.offender) : "?",
	       seq, text);
	fflush(stdout);
	return true;
}

static void drain(struct run *r, short revents)
{
	if (revents & POLLERR)
		for (int i = 0; i < 64 && handle_error(r); i++)
			;
	if (!(revents & POLLIN))
		return;
	for (int i = 0; i < 64; i++) {
		struct rn_icmpsock_msg m;
		int n = rn_icmpsock_recv(&r->sock, g_rx, sizeof(g_rx), &m, MSG_DONTWAIT);
		if (n == -EAGAIN || n == -EINTR)
			break;
		if (n < 0) {
			if (n == -RN_ETRUNC || n == -RN_EBADLEN || n == -RN_EUNSUP)
				continue; /* a malformed packet: not ours */
			/* An error is pending (POLLERR raced with us). */
			while (handle_error(r))
				;
			break;
		}
		handle_reply(r, &m);
	}
}

static void print_status(const struct run *r)
{
	struct rn_ping_summary s;
	rn_ping_summarize(&r->st, &s);
	int loss = s.transmitted ? (int)((s.transmitted - s.received) * 100 / s.transmitted) : 0;
	fprintf(stderr, "\r%llu/%llu packets, %d%% loss", (unsigned long long)s.received,
		(unsigned long long)s.transmitted, loss);
	if (s.have_rtt && r->timing) {
		char a[32], b[32], c[32], d[32];
		rn_ping_format_ms(s.min_us, a, sizeof a);
		rn_ping_format_ms(s.avg_us, b, sizeof b);
		rn_ping_format_ms(s.ewma_us, c, sizeof c);
		rn_ping_format_ms(s.max_us, d, sizeof d);
		fprintf(stderr, ", min/avg/ewma/max = %s/%s/%s/%s ms", a, b, c, d);
	}
	fprintf(stderr, "\n");
}

static int finish(struct run *r)
{
	struct rn_ping_summary s;
	rn_ping_summarize(&r->st, &s);
	double span = r->st.transmitted ? r->last_send - r->start : 0;
	long time_ms = (long)floor(span * 1000 + 0.5);
	bool rtt = s.received && r->timing && s.have_rtt;
	if (r->o.json) {
		printf("{\"type\":\"summary\",\"host\":");
		json_str(r->hostname);
		printf(",\"address\":");
		json_str(r->dst_text);
		printf(",\"data_bytes\":%zu,\"transmitted\":%llu,\"received\":%llu,\"duplicates\":%llu,"
		       "\"corrupted\":%llu,\"errors\":%llu,\"loss_percent\":%g,\"time_ms\":%ld",
		       r->datalen, (unsigned long long)s.transmitted, (unsigned long long)s.received,
		       (unsigned long long)s.duplicates, (unsigned long long)s.corrupted,
		       (unsigned long long)s.errors, s.loss_pct, time_ms);
		if (rtt) {
			printf(",\"rtt_min_ms\":");
			json_ms(s.min_us);
			printf(",\"rtt_avg_ms\":");
			json_ms(s.avg_us);
			printf(",\"rtt_max_ms\":");
			json_ms(s.max_us);
			printf(",\"rtt_mdev_ms\":");
			json_ms(s.mdev_us);
		} else {
			printf(",\"rtt_min_ms\":null,\"rtt_avg_ms\":null,\"rtt_max_ms\":null,"
			       "\"rtt_mdev_ms\":null");
		}
		printf("}\n");
	} else {
		putchar('\n');
		printf("--- %s ping statistics ---\n", r->hostname);
		printf("%llu packets transmitted, %llu received", (unsigned long long)s.transmitted,
		       (unsigned long long)s.received);
		if (s.duplicates)
			printf(", +%llu duplicates", (unsigned long long)s.duplicates);
		if (s.corrupted)
			printf(", +%llu corrupted", (unsigned long long)s.corrupted);
		if (s.errors)
			printf(", +%llu errors", (unsigned long long)s.errors);
		if (s.transmitted)
			printf(", %g%% packet loss, time %ldms", s.loss_pct, time_ms);
		putchar('\n');
		const char *comma = "";
		if (rtt) {
			char a[32], b[32], c[32], d[32];
			rn_ping_format_ms(s.min_us, a, sizeof a);
			rn_ping_format_ms(s.avg_us, b, sizeof b);
			rn_ping_format_ms(s.max_us, c, sizeof c);
			rn_ping_format_ms(s.mdev_us, d, sizeof d);
			printf("rtt min/avg/max/mdev = %s/%s/%s/%s ms", a, b, c, d);
			comma = ", ";
		}
		if (s.pipesize > 1) {
			printf("%spipe %d", comma, s.pipesize);
			comma = ", ";
		}
		if (s.received && (r->interval == 0 || r->o.flood) && s.transmitted > 1) {
			int64_t ipg = (int64_t)(span * 1e6) / (int64_t)(s.transmitted - 1);
			printf("%sipg/ewma %" PRId64 ".%03" PRId64 "/%" PRId64 ".%03" PRId64 " ms", comma,
			       ipg / 1000, ipg % 1000, s.ewma_us / 1000, s.ewma_us % 1000);
		}
		putchar('\n');
	}
	fflush(stdout);
	if (!s.received || (r->o.deadline > 0 && r->o.count && (long long)s.received < r->o.count))
		return EXIT_NOREPLY;
	return EXIT_OK;
}

static int loop(struct run *r)
{
	const struct opts *o = &r->o;
	r->start = mono_now();
	double next_send = r->start;
	double exit_at = 0;  /* set once the last request is out */
	double deadline_at = o->deadline > 0 ? r->start + o->deadline : 0;
	for (;;) {
		if (g_exiting)
			break;
		if (g_status) {
			g_status = 0;
			print_status(r);
		}
		if (o->count && (long long)(r->st.received + r->st.errors) >= o->count)
			break;
		if (o->deadline > 0 && r->st.errors)
			break;
		double now = mono_now();
		if (deadline_at && now >= deadline_at)
			break;
		if (exit_at && now >= exit_at)
			break;

		bool more = !(o->count && (long long)r->st.transmitted >= o->count && o->deadline <= 0);
		if (more) {
			bool due;
			if (r->interval == 0)
				due = rn_ping_in_flight(&r->st) == 0 || !r->st.transmitted ||
				      now - r->last_send >= FLOOD_GAP;
			else
				due = now >= next_send;
			if (due) {
				send_one(r);
				next_send = r->last_send + r->interval;
				continue; /* recheck the limits */
			}
		} else if (!exit_at) {
			/* The last request is out: wait 2 x the longest round trip (at least
			 * one interval) when something answered, else -W seconds. */
			double wait = o->linger;
			if (r->st.received) {
				wait = 2.0 * (double)r->st.tmax_us / 1e6;
				if (wait < r->interval)
					wait = r->interval;
			}
			exit_at = r->last_send + wait;
			continue;
		}

		double until = 1e9;
		if (more)
			until = r->interval == 0 ? r->last_send + FLOOD_GAP : next_send;
		if (exit_at && exit_at < until)
			until = exit_at;
		if (deadline_at && deadline_at < until)
			until = deadline_at;
		double wait = until - now;
		int ms = wait <= 0 ? 0 : (int)ceil(wait * 1000);
		if (ms > 1000)
			ms = 1000;
		struct pollfd p = { .fd = r->sock.fd, .events = POLLIN };
		int n = poll(&p, 1, ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err(EXIT_USAGE, "poll");
		}
		if (n > 0)
			drain(r, p.revents);
	}
	return finish(r);
}

int cmd_ping(int argc, char **argv)
{
	static struct run run;
	struct run *r = &run;
	parse_args(&r->o, argc, argv);
	r->interval = r->o.interval;
	resolve(r);
	open_socket(r);
	if (r->o.user)
		drop_privileges(r->o.user);
	prepare_payload(r);
	rn_ping_stats_init(&r->st);

	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);

	print_header(r);
	int rc = loop(r);
	rn_icmpsock_close(&r->sock);
	free(r->out);
	return rc;
}
