/* rawnet send: craft packets from a layered spec and inject them at L2
 * (AF_PACKET), L3 (raw socket with IP_HDRINCL / IPV6_HDRINCL) or L4 (raw
 * socket of the protocol, the kernel building the IP header); optionally wait
 * for each probe's answer, matched as scapy's answers() does. */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
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
#include "rawnet/craft.h"
#include "rawnet/error.h"
#include "rawnet/netinfo.h"
#include "rawnet/packet.h"
#include "rawnet/print.h"
#include "rawnet/rawsock.h"
#include "rawnet/resolve.h"

#define MAX_PKT 65600
#define RESOLVE_MS 1000

enum layer { LAYER_NONE, LAYER_L2, LAYER_IP, LAYER_L4 };

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rawnet send [options] SPEC...\n"
		"       rawnet send [options] --hex BYTES [SPEC]\n"
		"\n"
		"SPEC: layers separated by '/', each a name and field=value pairs, e.g.\n"
		"  'ip dst=10.77.0.2 ttl=3 / tcp dport=80 flags=S / raw \"GET / HTTP/1.1\\r\\n\\r\\n\"'\n"
		"  eth   dst src type                 vlan  id prio dei type\n"
		"  arp   op hwtype ptype hwlen plen hwsrc psrc hwdst pdst\n"
		"  ip    src dst ttl tos id flags=DF+MF frag proto len ihl chksum options=HEX version\n"
		"  ip6   src dst hlim tc fl nh plen version\n"
		"  icmp  type code id seq chksum gw mtu ptr\n"
		"  icmp6 type code id seq chksum target mtu ptr flags=RSO\n"
		"  udp   sport dport len chksum\n"
		"  tcp   sport dport seq ack flags=SAFRPUEC[+AE] window urgptr doff chksum\n"
		"        mss=N wscale=N sackok ts=VAL,ECR sack=L-R,... opts=HEX\n"
		"  raw   \"text with C escapes\" | text=... | hex=...\n"
		"Unset fields get defaults: addresses from the route, the next hop's MAC\n"
		"from the neighbour table or ARP/ND, random ids, ports and sequence numbers,\n"
		"computed lengths and checksums (values you set are sent as given).\n"
		"\n"
		"options:\n"
		"  --layer l2|ip|l4  inject the frame (AF_PACKET), the IP packet (IP_HDRINCL)\n"
		"                    or the top protocol only (default: the lowest layer given)\n"
		"  -c N              send N packets (0: until interrupted; default 1, --flood 0)\n"
		"  -i SECONDS        interval between packets (default 1)\n"
		"  --rate PPS        packets per second (sets the interval)\n"
		"  --flood           as fast as possible, no per-packet output\n"
		"  -I IFACE          out-interface (needed at l2 without a destination address)\n"
		"  --reply           wait for each packet's answer and print it\n"
		"  -W SECONDS        how long to wait for an answer (default 2)\n"
		"  --hex BYTES       send these bytes as given at the chosen layer\n"
		"  --dry-run         print the dissected packet and its hex dump; send nothing\n"
		"  -e                print link-level headers\n"
		"  -x                hex dump of answers (and of sent packets with -v)\n"
		"  -v                print every packet sent\n"
		"  -q                no summary line\n"
		"  -Z USER           drop privileges to USER once the sockets are open\n"
		"  -h, --help        this text\n"
		"\n"
		"Exit status: 0 sent (and answered, with --reply), 1 no answer, 2 bad spec or error.\n");
}

/* "rawnet send: MSG" then the spec with the bad token underlined. */
static void spec_error(const char *const *words, unsigned nwords, const struct rn_craft_error *e)
{
	warnx("%s", e->msg);
	if (e->len == 0 || e->word >= nwords)
		return;
	size_t col = 0;
	fputs("    ", stderr);
	for (unsigned i = 0; i < nwords; i++) {
		if (i == e->word)
			col += e->off;
		else if (i < e->word)
			col += strlen(words[i]) + 1;
		fprintf(stderr, "%s%s", i ? " " : "", words[i]);
	}
	fprintf(stderr, "\n    %*s^", (int)col, "");
	for (size_t i = 1; i < e->len; i++)
		fputc('~', stderr);
	fputc('\n', stderr);
}

static int hex_decode(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; *s; s++) {
		int d;
		char c = *s;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else if (c == ' ' || c == ':' || c == '.' || c == '-' || c == '\n' || c == '\t')
			continue;
		else
			return -1;
		if (hi < 0) {
			hi = d;
		} else {
			if (n == cap)
				return -2;
			out[n++] = (uint8_t)(hi << 4 | d);
			hi = -1;
		}
	}
	return hi >= 0 ? -1 : (int)n;
}

static const char *addr_str(int family, const void *a, char *buf, size_t n)
{
	return inet_ntop(family, a, buf, (socklen_t)n) ? buf : "?";
}

/* The state of one run. */
struct run {
	enum layer layer;
	const char *ifname;      /* -I */
	struct rn_craft_spec spec;
	bool have_spec;
	uint8_t hex[MAX_PKT];    /* --hex bytes */
	size_t hexlen;
	bool use_hex;            /* send hex as given (l2/ip) */
	struct rn_craft_env env;
	int family;              /* of the destination */
	uint8_t dst[16];
	struct rn_iface ifc;
	bool have_ifc;
	/* sockets */
	struct rn_packet *tx, *rx;
	int rawfd;
	/* options */
	bool reply, dry, verbose, quiet, hexdump, flood;
	struct rn_print_opts popts;
	double wait;
};

/* One packet ready to go: all its bytes, the part to send, the part to match on. */
struct outpkt {
	uint8_t buf[MAX_PKT];
	size_t len;
	size_t send_off;         /* the bytes handed to the socket start here */
	size_t net_off;          /* the network layer (IP/ARP) starts here, or SIZE_MAX */
	uint16_t net_type;       /* its ethertype */
	int print_link;          /* link type for printing from print_off */
	size_t print_off;
};

static int make_packet(struct run *r, uint64_t index, struct outpkt *o)
{
	o->net_off = SIZE_MAX;
	o->net_type = 0;
	if (r->use_hex) {
		memcpy(o->buf, r->hex, r->hexlen);
		o->len = r->hexlen;
		o->send_off = 0;
		o->print_off = 0;
		if (r->layer == LAYER_L2) {
			o->print_link = RN_LINK_ETHERNET;
			struct rn_eth eth;
			struct rn_view pay;
			if (rn_eth_parse(rn_view_make(o->buf, o->len), &eth, &pay) == 0) {
				o->net_off = (size_t)(pay.data - o->buf);
				o->net_type = eth.ethertype;
			}
		} else {
			o->print_link = RN_LINK_RAW;
			o->net_off = 0;
			o->net_type = (o->len && o->buf[0] >> 4 == 6) ? RN_ETHERTYPE_IPV6 : RN_ETHERTYPE_IPV4;
		}
		return 0;
	}
	struct rn_craft_built b;
	int n = rn_craft_build(&r->spec, &r->env, index, o->buf, sizeof o->buf, &b);
	if (n < 0)
		return n;
	o->len = (size_t)n;
	int arp = rn_craft_find(&r->spec, RN_CRAFT_ARP, 0);
	if (b.ip >= 0) {
		o->net_off = b.off[b.ip];
		o->net_type = b.family == AF_INET6 ? RN_ETHERTYPE_IPV6 : RN_ETHERTYPE_IPV4;
	} else if (arp >= 0) {
		o->net_off = b.off[arp];
		o->net_type = RN_ETHERTYPE_ARP;
	}
	switch (r->layer) {
	case LAYER_L2:
		o->send_off = 0;
		o->print_off = 0;
		o->print_link = RN_LINK_ETHERNET;
		break;
	case LAYER_IP:
		o->send_off = o->net_off;
		o->print_off = o->net_off;
		o->print_link = RN_LINK_RAW;
		break;
	default:
		o->send_off = b.ip + 1 < (int)r->spec.n ? b.off[b.ip + 1] : o->len;
		o->print_off = o->net_off;
		o->print_link = RN_LINK_RAW;
		break;
	}
	return 0;
}

/* One summary line (prefix, tcpdump's line, suffix), then optionally a hex dump. */
static void print_pkt(struct run *r, const char *prefix, const uint8_t *data, size_t len, int link,
		      const char *suffix, bool dump, const uint8_t *dump_data, size_t dump_len)
{
	struct rn_strbuf sb;
	rn_sb_init(&sb);
	struct rn_pkt pkt = { .data = data, .caplen = (uint32_t)len, .len = (uint32_t)len,
			      .linktype = link };
	struct rn_print_opts po = r->popts;
	/* Frames we send at l2 show their link header: it is part of what we built. */
	po.eth = link == RN_LINK_ETHERNET;
	po.hex = 0;
	rn_print_summary(&sb, &pkt, &po);
	if (sb.len && sb.buf[sb.len - 1] == '\n')
		sb.len--;
	fputs(prefix, stdout);
	fwrite(sb.buf ? sb.buf : "", 1, sb.len, stdout);
	fputs(suffix, stdout);
	fputc('\n', stdout);
	if (dump) {
		rn_sb_reset(&sb);
		rn_print_hexdump(&sb, dump_data, dump_len, false);
		fwrite(sb.buf ? sb.buf : "", 1, sb.len, stdout);
	}
	rn_sb_free(&sb);
}

static double real_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits up to r->wait seconds for a frame answering o; prints it. */
static bool await_reply(struct run *r, const struct outpkt *o, double sent_real)
{
	if (o->net_off == SIZE_MAX)
		return false;
	struct rn_view probe = rn_view_make(o->buf + o->net_off, o->len - o->net_off);
	double deadline = mono_now() + r->wait;
	while (!stop) {
		double left = deadline - mono_now();
		if (left <= 0)
			break;
		struct rn_frame f;
		int n = rn_packet_next(r->rx, &f, (int)(left * 1000) + 1);
		if (n == -EINTR)
			continue;
		if (n < 0)
			errx(EXIT_USAGE, "capture: %s", rn_strerror(n));
		if (n == 0)
			break;
		if (f.pkttype == PACKET_OUTGOING || f.linktype != RN_LINK_ETHERNET)
			continue;
		struct rn_eth eth;
		struct rn_view pay;
		if (rn_eth_parse(rn_view_make(f.data, f.caplen), &eth, &pay) < 0)
			continue;
		if (!rn_craft_answers(o->net_type, probe, eth.ethertype, pay))
			continue;
		double rtt = ((double)f.ts_sec + (double)f.ts_nsec / 1e9 - sent_real) * 1000;
		if (rtt < 0)
			rtt = 0;
		char suffix[64];
		snprintf(suffix, sizeof suffix, " (rtt %.3f ms)", rtt);
		bool link = r->popts.eth ||
			    (eth.ethertype != RN_ETHERTYPE_IPV4 && eth.ethertype != RN_ETHERTYPE_IPV6);
		print_pkt(r, "< ", link ? f.data : pay.data, link ? f.caplen : pay.len,
			  link ? RN_LINK_ETHERNET : RN_LINK_RAW, suffix, r->hexdump, f.data, f.caplen);
		fflush(stdout);
		return true;
	}
	return false;
}

static int send_one(struct run *r, const struct outpkt *o)
{
	const uint8_t *p = o->buf + o->send_off;
	size_t n = o->len - o->send_off;
	for (int attempt = 0;; attempt++) {
		int s;
		if (r->layer == LAYER_L2)
			s = rn_packet_send(r->tx, p, n);
		else
			s = rn_rawsock_send(r->rawfd, r->family, r->dst, p, n);
		if (s >= 0)
			return 0;
		/* A full queue under --flood: wait a moment and retry. */
		if ((s == -ENOBUFS || s == -EAGAIN) && attempt < 1000) {
			struct timespec ts = { 0, 100000 };
			nanosleep(&ts, NULL);
			continue;
		}
		return s;
	}
}

/* Layer fields that a raw socket of the protocol cannot carry. */
static void check_l4_fields(const struct rn_craft_layer *ip)
{
	static const char *const v4[] = { "id", "flags", "frag", "len", "ihl", "chksum", "options",
					  "version" };
	static const char *const v6[] = { "fl", "plen", "version" };
	const char *const *list = ip->kind == RN_CRAFT_IP ? v4 : v6;
	size_t n = ip->kind == RN_CRAFT_IP ? sizeof v4 / sizeof v4[0] : sizeof v6 / sizeof v6[0];
	for (size_t i = 0; i < n; i++)
		if (rn_craft_field_is_set(ip, list[i]))
			errx(EXIT_USAGE,
			     "--layer l4: %s %s cannot be set (the kernel builds the IP header; use --layer ip)",
			     rn_craft_kind_name(ip->kind), list[i]);
}

/* Source addresses for the env: the route's for its family, else the
 * interface's first address of the other family. */
static void fill_sources(struct run *r, const struct rn_route *rt)
{
	if (rt && rt->has_src) {
		if (rt->family == AF_INET) {
			memcpy(r->env.src4, rt->src, 4);
			r->env.has_src4 = true;
		} else {
			memcpy(r->env.src6, rt->src, 16);
			r->env.has_src6 = true;
		}
	}
	if (!r->have_ifc)
		return;
	struct rn_ifaddr a[16];
	int n = rn_iface_addrs(r->ifc.ifindex, AF_UNSPEC, a, 16);
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n && i < 16; i++) {
			if (pass == 0 && a[i].scope != RT_SCOPE_UNIVERSE)
				continue;
			if (a[i].family == AF_INET && !r->env.has_src4) {
				memcpy(r->env.src4, a[i].addr, 4);
				r->env.has_src4 = true;
			} else if (a[i].family == AF_INET6 && !r->env.has_src6) {
				memcpy(r->env.src6, a[i].addr, 16);
				r->env.has_src6 = true;
			}
		}
}

static void get_iface_by_name(struct run *r)
{
	int e = rn_iface_by_name(r->ifname, &r->ifc);
	if (e < 0)
		errx(EXIT_USAGE, "-I: %s: %s", r->ifname,
		     e == -RN_ENOTFOUND ? "no such interface" : rn_strerror(e));
	r->have_ifc = true;
}

/* Finds the destination, the route, the interface, the sources and (at l2)
 * the next hop's MAC. */
static void resolve_path(struct run *r)
{
	bool have_dst = false;
	int ipi = r->have_spec ? rn_craft_find_ip(&r->spec) : -1;
	int arpi = r->have_spec ? rn_craft_find(&r->spec, RN_CRAFT_ARP, 0) : -1;
	if (r->use_hex && r->layer == LAYER_IP) {
		if (r->hexlen >= 20 && r->hex[0] >> 4 == 4) {
			r->family = AF_INET;
			memcpy(r->dst, r->hex + 16, 4);
		} else if (r->hexlen >= 40 && r->hex[0] >> 4 == 6) {
			r->family = AF_INET6;
			memcpy(r->dst, r->hex + 24, 16);
		} else {
			errx(EXIT_USAGE, "--hex: not an IPv4 or IPv6 packet (needed at --layer ip)");
		}
		have_dst = true;
	} else if (ipi >= 0) {
		const struct rn_craft_layer *l = &r->spec.layer[ipi];
		if (!rn_craft_field_is_set(l, "dst"))
			errx(EXIT_USAGE, "%s: dst= is required", rn_craft_kind_name(l->kind));
		r->family = l->kind == RN_CRAFT_IP ? AF_INET : AF_INET6;
		memcpy(r->dst, l->kind == RN_CRAFT_IP ? l->u.ip.dst : l->u.ip6.dst,
		       r->family == AF_INET ? 4 : 16);
		have_dst = true;
	} else if (arpi >= 0 && rn_craft_field_is_set(&r->spec.layer[arpi], "pdst")) {
		r->family = AF_INET;
		memcpy(r->dst, r->spec.layer[arpi].u.arp.tpa, 4);
		have_dst = true;
	}

	if (r->ifname)
		get_iface_by_name(r);
	struct rn_route rt;
	bool have_rt = false;
	if (have_dst) {
		int e = rn_route_get(r->family, r->dst, r->have_ifc ? r->ifc.ifindex : 0, &rt);
		char a[64];
		if (e < 0 && !r->have_ifc)
			errx(EXIT_USAGE, "route to %s: %s", addr_str(r->family, r->dst, a, sizeof a),
			     e == -RN_ENOTFOUND ? "no route" : rn_strerror(e));
		if (e == 0) {
			have_rt = true;
			if (!r->have_ifc) {
				e = rn_iface_by_index(rt.oif, &r->ifc);
				if (e < 0)
					errx(EXIT_USAGE, "interface %d: %s", rt.oif, rn_strerror(e));
				r->have_ifc = true;
			}
		}
	} else if (r->layer == LAYER_L2 && !r->have_ifc) {
		errx(EXIT_USAGE, "-I IFACE is needed: %s", r->use_hex ? "--hex at l2 has no destination address"
								       : "the spec has no destination address");
	}
	fill_sources(r, have_rt ? &rt : NULL);
	if (r->have_ifc && r->ifc.has_mac) {
		r->env.smac = r->ifc.mac;
		r->env.has_smac = true;
	}

	/* The next hop's MAC, when an eth dst is to be filled in. */
	if (r->layer != LAYER_L2 || r->use_hex || !have_dst || arpi >= 0)
		return;
	int ethi = rn_craft_find(&r->spec, RN_CRAFT_ETH, 0);
	if (ethi >= 0 && rn_craft_field_is_set(&r->spec.layer[ethi], "dst"))
		return;
	const uint8_t *nexthop = have_rt ? rt.nexthop : r->dst;
	const uint8_t *src = r->family == AF_INET ? r->env.src4 : r->env.src6;
	int e = rn_resolve_mac(&r->ifc, r->family, src, nexthop,
			       have_rt && rt.type == RTN_BROADCAST, r->dry ? 0 : RESOLVE_MS, &r->env.dmac);
	if (e == 0) {
		r->env.has_dmac = true;
	} else {
		char a[64];
		warnx("no MAC address for %s (%s): sending to broadcast",
		      addr_str(r->family, nexthop, a, sizeof a),
		      e == -RN_ENOANSWER ? (r->family == AF_INET ? "no ARP reply" : "no ND reply")
		      : e == -RN_ENOTFOUND ? "not in the neighbour table" : rn_strerror(e));
	}
}

static void open_sockets(struct run *r, const struct outpkt *first)
{
	if (r->dry)
		return;
	const char *ifn = r->have_ifc ? r->ifc.name : r->ifname;
	if (r->layer == LAYER_L2) {
		struct rn_packet_opts o = { .ifname = ifn, .no_rx_ring = true };
		int e = rn_packet_open(&o, &r->tx);
		if (e < 0)
			errx(EXIT_USAGE, "packet socket on %s: %s", ifn ? ifn : "?", rn_strerror(e));
		/* The kernel takes a frame injected on lo as arriving from outside:
		 * IPv4 from 127.0.0.0/8 or its own addresses is martian there. */
		if (r->family == AF_INET && ifn && !strcmp(ifn, "lo") && !r->quiet)
			warnx("--layer l2 on lo: the kernel drops IPv4 frames from its own or "
			      "loopback addresses injected there (martians); --layer ip reaches it");
	} else {
		struct rn_rawsock_opts o = { .family = r->family, .ifname = r->ifname, .ttl = -1, .tos = -1 };
		if (r->layer == LAYER_L4) {
			int ipi = rn_craft_find_ip(&r->spec);
			const struct rn_craft_layer *l = &r->spec.layer[ipi];
			/* The protocol of the built packet, and the source it was
			 * checksummed with (bound, so the kernel uses it). */
			struct rn_ipv4 ip4;
			struct rn_ipv6 ip6;
			struct rn_view pay;
			static uint8_t src[16];
			if (r->family == AF_INET) {
				rn_ipv4_parse(rn_view_make(first->buf + first->net_off, first->len - first->net_off),
					      &ip4, &pay);
				o.proto = ip4.proto;
				memcpy(src, ip4.src, 4);
				if (rn_craft_field_is_set(l, "ttl"))
					o.ttl = l->u.ip.ttl;
				if (rn_craft_field_is_set(l, "tos"))
					o.tos = l->u.ip.tos;
			} else {
				rn_ipv6_parse(rn_view_make(first->buf + first->net_off, first->len - first->net_off),
					      &ip6, &pay);
				o.proto = ip6.next_header;
				memcpy(src, ip6.src, 16);
				if (rn_craft_field_is_set(l, "hlim"))
					o.ttl = l->u.ip6.hop_limit;
				if (rn_craft_field_is_set(l, "tc"))
					o.tos = l->u.ip6.tclass;
			}
			if (o.proto == 0 || o.proto == 255)
				errx(EXIT_USAGE, "--layer l4: protocol %d cannot have a raw socket of its own",
				     o.proto);
			o.src = src;
		}
		int fd = rn_rawsock_open(&o);
		if (fd == -EADDRNOTAVAIL)
			errx(EXIT_USAGE, "--layer l4: the source address is not local (use --layer ip)");
		if (fd < 0)
			errx(EXIT_USAGE, "raw socket: %s", rn_strerror(fd));
		r->rawfd = fd;
	}
	if (r->reply) {
		struct rn_packet_opts o = { .ifname = ifn, .immediate = true, .direction = RN_DIR_IN,
					    .snaplen = 65535, .ring_kib = 1024 };
		int e = rn_packet_open(&o, &r->rx);
		if (e < 0)
			errx(EXIT_USAGE, "capture socket on %s: %s", ifn ? ifn : "?", rn_strerror(e));
	}
}

static void sleep_until(double t)
{
	while (!stop) {
		double left = t - mono_now();
		if (left <= 0)
			return;
		struct timespec ts = { (time_t)left, (long)((left - (double)(time_t)left) * 1e9) };
		nanosleep(&ts, NULL);
	}
}

int cmd_send(int argc, char **argv)
{
	enum { OPT_LAYER = 256, OPT_RATE, OPT_FLOOD, OPT_REPLY, OPT_HEX, OPT_DRY };
	static const struct option longopts[] = {
		{ "layer", required_argument, NULL, OPT_LAYER },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "flood", no_argument, NULL, OPT_FLOOD },
		{ "reply", no_argument, NULL, OPT_REPLY },
		{ "hex", required_argument, NULL, OPT_HEX },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct run run;
	struct run *r = &run;
	memset(r, 0, sizeof *r);
	r->rawfd = -1;
	r->wait = 2;
	long long count = -1;
	double interval = 1;
	bool interval_set = false;
	const char *user = NULL, *hexarg = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "c:i:I:W:Z:evqxh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_LAYER:
			if (!strcmp(optarg, "l2"))
				r->layer = LAYER_L2;
			else if (!strcmp(optarg, "ip") || !strcmp(optarg, "l3"))
				r->layer = LAYER_IP;
			else if (!strcmp(optarg, "l4"))
				r->layer = LAYER_L4;
			else
				errx(EXIT_USAGE, "--layer: %s is not l2, ip or l4", optarg);
			break;
		case 'c': count = opt_int("-c", optarg, 0, 1LL << 40); break;
		case 'i':
			interval = opt_seconds("-i", optarg, 0, 3600);
			interval_set = true;
			break;
		case OPT_RATE: {
			double pps = opt_seconds("--rate", optarg, 0.001, 1e8);
			interval = 1 / pps;
			interval_set = true;
			break;
		}
		case OPT_FLOOD: r->flood = true; break;
		case 'I': r->ifname = optarg; break;
		case OPT_REPLY: r->reply = true; break;
		case 'W': r->wait = opt_seconds("-W", optarg, 0, 3600); break;
		case OPT_HEX: hexarg = optarg; break;
		case OPT_DRY: r->dry = true; break;
		case 'e': r->popts.eth = true; break;
		case 'v': r->verbose = true; r->popts.verbose++; break;
		case 'q': r->quiet = true; break;
		case 'x': r->hexdump = true; break;
		case 'Z': user = optarg; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	const char *const *words = (const char *const *)argv + optind;
	unsigned nwords = (unsigned)(argc - optind);
	if (!hexarg && nwords == 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (r->flood && r->reply)
		errx(EXIT_USAGE, "--flood and --reply cannot be combined");
	if (r->flood) {
		interval = interval_set ? interval : 0;
		if (count < 0)
			count = 0;
	}
	if (count < 0 || (r->dry && count == 0))
		count = 1;

	if (nwords) {
		struct rn_craft_error e;
		int pr = rn_craft_parse(words, nwords, &r->spec, &e);
		if (pr == -RN_EINVAL) {
			spec_error(words, nwords, &e);
			rn_craft_free(&r->spec);
			return EXIT_USAGE;
		}
		if (pr < 0)
			errx(EXIT_USAGE, "spec: %s", rn_strerror(pr));
		r->have_spec = true;
	}
	if (hexarg) {
		int n = hex_decode(hexarg, r->hex, sizeof r->hex);
		if (n == -2)
			errx(EXIT_USAGE, "--hex: more than %d bytes", MAX_PKT);
		if (n <= 0)
			errx(EXIT_USAGE, "--hex: %s is not hex bytes", hexarg);
		r->hexlen = (size_t)n;
	}

	/* The layer to inject at. */
	if (r->layer == LAYER_NONE) {
		if (!r->have_spec) {
			r->layer = LAYER_L2;
		} else {
			switch (r->spec.layer[0].kind) {
			case RN_CRAFT_ETH: case RN_CRAFT_VLAN: case RN_CRAFT_ARP: r->layer = LAYER_L2; break;
			case RN_CRAFT_IP: case RN_CRAFT_IP6: r->layer = hexarg ? LAYER_L4 : LAYER_IP; break;
			default: r->layer = LAYER_L4; break;
			}
		}
	}
	if (hexarg) {
		if (r->layer == LAYER_L4) {
			if (!r->have_spec || r->spec.n != 1 ||
			    (r->spec.layer[0].kind != RN_CRAFT_IP && r->spec.layer[0].kind != RN_CRAFT_IP6))
				errx(EXIT_USAGE, "--hex at --layer l4 takes a spec of one ip or ip6 layer "
						 "(the destination and protocol)");
			/* The bytes become the payload of that layer. */
			struct rn_craft_layer *raw;
			if (rn_craft_insert(&r->spec, 1, RN_CRAFT_RAW) < 0)
				errx(EXIT_USAGE, "spec: too many layers");
			raw = &r->spec.layer[1];
			raw->u.raw.data = malloc(r->hexlen);
			if (!raw->u.raw.data)
				err(EXIT_USAGE, "malloc");
			memcpy(raw->u.raw.data, r->hex, r->hexlen);
			raw->u.raw.len = r->hexlen;
		} else {
			if (r->have_spec)
				errx(EXIT_USAGE, "--hex: give either a spec or --hex (a spec only goes with --layer l4)");
			r->use_hex = true;
		}
	}
	if (r->have_spec) {
		int ipi = rn_craft_find_ip(&r->spec);
		int arpi = rn_craft_find(&r->spec, RN_CRAFT_ARP, 0);
		if (r->layer != LAYER_L2 && arpi >= 0)
			errx(EXIT_USAGE, "arp: can only be sent with --layer l2");
		if (r->layer != LAYER_L2 && ipi < 0)
			errx(EXIT_USAGE, "the spec needs an ip or ip6 layer (with dst=) to send at --layer %s",
			     r->layer == LAYER_IP ? "ip" : "l4");
		if (r->layer == LAYER_L4) {
			if ((unsigned)ipi + 1 >= r->spec.n)
				errx(EXIT_USAGE, "--layer l4: nothing after the %s layer to send",
				     rn_craft_kind_name(r->spec.layer[ipi].kind));
			check_l4_fields(&r->spec.layer[ipi]);
		}
		if (r->layer == LAYER_L2 && r->spec.layer[0].kind != RN_CRAFT_ETH &&
		    rn_craft_insert(&r->spec, 0, RN_CRAFT_ETH) < 0)
			errx(EXIT_USAGE, "spec: too many layers to add eth");
	}

	resolve_path(r);
	if (getrandom(&r->env.seed, sizeof r->env.seed, 0) != sizeof r->env.seed)
		r->env.seed = (uint64_t)real_now() ^ (uint64_t)getpid() << 32;

	static struct outpkt out;
	int e = make_packet(r, 0, &out);
	if (e < 0)
		errx(EXIT_USAGE, "building the packet: %s", rn_strerror(e));
	open_sockets(r, &out);
	if (user)
		drop_privileges(user);

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	uint64_t sent = 0, answered = 0, bytes = 0;
	double start = mono_now();
	for (uint64_t i = 0; !stop && (count == 0 || i < (uint64_t)count); i++) {
		if (i > 0 && (e = make_packet(r, i, &out)) < 0)
			errx(EXIT_USAGE, "building the packet: %s", rn_strerror(e));
		const uint8_t *sp = out.buf + out.send_off;
		size_t slen = out.len - out.send_off;
		if (r->dry) {
			print_pkt(r, "", out.buf + out.print_off, out.len - out.print_off, out.print_link, "",
				  true, sp, slen);
			continue;
		}
		if (i > 0 && interval > 0)
			sleep_until(start + (double)i * interval);
		if (stop)
			break;
		double t_real = real_now();
		e = send_one(r, &out);
		if (e < 0)
			errx(EXIT_USAGE, "send: %s", rn_strerror(e));
		sent++;
		bytes += slen;
		if (!r->flood && (r->verbose || r->reply)) {
			print_pkt(r, "> ", out.buf + out.print_off, out.len - out.print_off, out.print_link, "",
				  r->hexdump && r->verbose, sp, slen);
			fflush(stdout);
		}
		if (r->reply && await_reply(r, &out, t_real))
			answered++;
	}
	double elapsed = mono_now() - start;

	int status = EXIT_OK;
	if (!r->dry && !r->quiet) {
		if (r->reply)
			printf("%llu packet%s sent, %llu answered\n", (unsigned long long)sent,
			       sent == 1 ? "" : "s", (unsigned long long)answered);
		else if (r->flood)
			printf("%llu packets sent (%llu bytes) in %.3f s, %.0f packets/s\n",
			       (unsigned long long)sent, (unsigned long long)bytes, elapsed,
			       elapsed > 0 ? (double)sent / elapsed : 0.0);
		else
			printf("%llu packet%s sent\n", (unsigned long long)sent, sent == 1 ? "" : "s");
	}
	if (r->reply && answered == 0)
		status = EXIT_NOREPLY;
	if (r->tx)
		rn_packet_close(r->tx);
	if (r->rx)
		rn_packet_close(r->rx);
	if (r->rawfd >= 0)
		close(r->rawfd);
	rn_craft_free(&r->spec);
	return status;
}
