/* rawnet sniff: live capture with tcpdump's options, on the TPACKET_V3 ring
 * of src/io/packet.c (or, with --l3, on AF_INET raw sockets), kernel BPF
 * filters from tcpdump's filter language (src/io/filter.c), pcap/pcapng files
 * (src/io/pcapwrite.c) or tcpdump-style lines (src/print). See rawnet(8). */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/filter.h>

#include "rawnet/error.h"
#include "rawnet/fields.h"
#include "rawnet/filter.h"
#include "rawnet/packet.h"
#include "rawnet/pcapwrite.h"
#include "rawnet/print.h"

#include "commands.h"
#include "common.h"

struct sniff {
	struct rn_packet_opts po;
	const char *wfile;        /* -w */
	bool pcapng, nano, packet_buffered, line_buffered;
	long long count;          /* -c, 0 = no limit */
	long long rotate_bytes;   /* -C, in bytes */
	long long rotate_secs;    /* -G */
	long long max_files;      /* -W */
	const char *user;         /* -Z */
	char *filter;             /* the expression, or NULL */
	struct rn_print_opts print;
	const char *rfile;        /* -r: hand over to rawnet read */
	char **read_args;         /* the options rawnet read understands */
	int nread_args;

	struct rn_packet *pk;
	struct rn_filter *user_filter; /* set when the kernel cannot run it */
	struct rn_printer *printer;
	bool json, tree;          /* -T json, -V */
	struct rn_json *js;
	struct rn_strbuf out;
	int linktype;
	struct rn_pcapw *w;
	unsigned file_no;         /* -C: files opened in this -G period */
	unsigned files_done;      /* -G: periods finished */
	time_t period_start;
	uint64_t captured;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rawnet sniff [-#elpqSUvV] [-t...] [-x|-xx|-X|-XX|-A|-AA|-T json] [-i IF|any]\n"
		"                    [-c COUNT] [-w FILE] [-B KiB] [-s SNAPLEN] [-Q in|out|inout]\n"
		"                    [-Z USER] [-C MB] [-G SECONDS] [-W FILES] [--immediate]\n"
		"                    [--pcapng] [--nano] [--l3] [FILTER ...]\n"
		"       rawnet sniff -r FILE [printing options] [FILTER ...]   (as rawnet read)\n"
		"\n"
		"Captures frames on an interface through an mmap ring (TPACKET_V3), filtered in\n"
		"the kernel with tcpdump's filter language, and prints them as tcpdump -n does\n"
		"or writes them to a file.\n"
		"\n"
		"  -i IF        interface, or \"any\" for all of them (Linux cooked headers)\n"
		"  -c COUNT     stop after COUNT packets\n"
		"  -w FILE      write packets to FILE (\"-\": standard output); pcap, or pcapng\n"
		"               when FILE ends in .pcapng or with --pcapng\n"
		"  --pcapng     write pcapng (section, interface with if_name and if_tsresol,\n"
		"               enhanced packet blocks, interface statistics at the end)\n"
		"  --nano       nanosecond timestamps (pcap magic a1b23c4d with -w)\n"
		"  -U           write each packet out as soon as it is captured\n"
		"  -l           print each line as soon as it is made\n"
		"  -B KiB       ring size in KiB (default 4096)\n"
		"  --immediate  deliver packets at once (1 ms blocks) instead of every 100 ms\n"
		"  -p           do not put the interface into promiscuous mode\n"
		"  -s SNAPLEN   bytes kept per packet (default and 0: 262144)\n"
		"  -Q DIR       direction: in, out or inout (default)\n"
		"  -Z USER      drop privileges to USER once the socket is open\n"
		"  -C MB        start a new file (FILE1, FILE2, ...) when one passes MB\n"
		"               million bytes\n"
		"  -G SECONDS   start a new file every SECONDS; FILE is a strftime(3) pattern\n"
		"  -W FILES     with -C: reuse names after FILES files; with -G: stop after\n"
		"               FILES files\n"
		"  --l3         capture on AF_INET raw sockets (ICMP, TCP, UDP; incoming IPv4\n"
		"               only) instead of the ring, for comparison\n"
		"  -#, -e, -q, -S, -v, -t..., -x, -X, -A   printing, as rawnet read and tcpdump\n"
		"  -V, -T json  printing as tshark -V / one JSON object per packet (see read)\n"
		"  -n           do not resolve names (always the case)\n"
		"  FILTER       a tcpdump filter expression (pcap-filter(7))\n"
		"\n"
		"At exit, as tcpdump: packets captured, received by filter, dropped by kernel.\n"
		"Exit status: 0 ok, 2 usage error, bad filter or a capture error.\n");
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* The name of the next file, as tcpdump makes them: strftime(3) for -G, a
 * number after the name for -C (zero-padded to -W's width). */
static void file_name(const struct sniff *s, char *out, size_t cap)
{
	char base[PATH_MAX];
	if (s->rotate_secs) {
		struct tm tm;
		localtime_r(&s->period_start, &tm);
		if (!strftime(base, sizeof base, s->wfile, &tm))
			errx(EXIT_USAGE, "-w %s: the name is too long after strftime", s->wfile);
	} else {
		snprintf(base, sizeof base, "%s", s->wfile);
	}
	int width = 0;
	if (s->max_files && s->rotate_bytes)
		for (long long m = s->max_files - 1; m > 0; m /= 10)
			width++;
	if (s->rotate_bytes && (s->file_no || width))
		snprintf(out, cap, "%s%0*u", base, width, s->file_no);
	else
		snprintf(out, cap, "%s", base);
}

static void open_output(struct sniff *s)
{
	char name[PATH_MAX + 32];
	file_name(s, name, sizeof name);
	struct rn_pcapw_opts o = {
		.format = s->pcapng ? RN_PCAPW_NG : s->nano ? RN_PCAPW_NSEC : RN_PCAPW_USEC,
		.linktype = s->linktype,
		.snaplen = rn_packet_snaplen(s->pk),
		.ifname = s->po.ifname ? s->po.ifname : "any",
		.packet_buffered = s->packet_buffered,
	};
	int rc = rn_pcapw_open(name, &o, &s->w);
	if (rc < 0)
		errx(EXIT_USAGE, "%s: %s", name, rn_strerror(rc));
}

static void close_output(struct sniff *s, bool with_stats)
{
	if (!s->w)
		return;
	if (with_stats) {
		uint64_t r = 0, d = 0;
		if (rn_packet_stats(s->pk, &r, &d) == 0) {
			struct timespec now;
			clock_gettime(CLOCK_REALTIME, &now);
			rn_pcapw_set_stats(s->w, r, d, now.tv_sec, (uint32_t)now.tv_nsec);
		}
	}
	int rc = rn_pcapw_close(s->w);
	s->w = NULL;
	if (rc < 0)
		errx(EXIT_USAGE, "%s: %s", s->wfile, rn_strerror(rc));
}

/* -C / -G: starts the next file when it is time. false: stop capturing. */
static bool rotate_if_due(struct sniff *s, time_t now)
{
	if (s->rotate_secs && now - s->period_start >= s->rotate_secs) {
		close_output(s, false);
		s->files_done++;
		if (s->max_files && s->files_done >= (unsigned long long)s->max_files)
			return false;
		s->period_start = now;
		s->file_no = 0;
		open_output(s);
	}
	if (s->rotate_bytes && rn_pcapw_size(s->w) > (uint64_t)s->rotate_bytes) {
		close_output(s, false);
		s->file_no++;
		if (s->max_files && s->file_no >= s->max_files)
			s->file_no = 0;
		open_output(s);
	}
	return true;
}

static void print_counts(struct sniff *s)
{
	uint64_t r = 0, d = 0;
	int rc = rn_packet_stats(s->pk, &r, &d);
	fflush(stdout);
	fprintf(stderr, "%llu packet%s captured\n", (unsigned long long)s->captured,
		s->captured == 1 ? "" : "s");
	if (rc == 0) {
		fprintf(stderr, "%llu packet%s received by filter\n", (unsigned long long)r,
			r == 1 ? "" : "s");
		fprintf(stderr, "%llu packet%s dropped by kernel\n", (unsigned long long)d,
			d == 1 ? "" : "s");
	}
}

/* Remembers an option for rawnet read (-r). */
static void pass_on(struct sniff *s, const char *opt, const char *arg)
{
	s->read_args[s->nread_args++] = (char *)opt;
	if (arg)
		s->read_args[s->nread_args++] = (char *)arg;
}

static void parse(struct sniff *s, int argc, char **argv)
{
	enum { OPT_IMMEDIATE = 256, OPT_PCAPNG, OPT_NANO, OPT_L3 };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "immediate", no_argument, NULL, OPT_IMMEDIATE },
		{ "immediate-mode", no_argument, NULL, OPT_IMMEDIATE },
		{ "pcapng", no_argument, NULL, OPT_PCAPNG },
		{ "nano", no_argument, NULL, OPT_NANO },
		{ "l3", no_argument, NULL, OPT_L3 },
		{ "interface", required_argument, NULL, 'i' },
		{ "buffer-size", required_argument, NULL, 'B' },
		{ "snapshot-length", required_argument, NULL, 's' },
		{ "direction", required_argument, NULL, 'Q' },
		{ "relinquish-privileges", required_argument, NULL, 'Z' },
		{ "packet-buffered", no_argument, NULL, 'U' },
		{ "no-promiscuous-mode", no_argument, NULL, 'p' },
		{ "number", no_argument, NULL, '#' },
		{ NULL, 0, NULL, 0 },
	};
	s->po.promisc = true;
	s->read_args = calloc((size_t)argc * 2 + 8, sizeof *s->read_args);
	if (!s->read_args)
		err(EXIT_USAGE, "malloc");
	s->read_args[s->nread_args++] = "read";
	int tcount = 0, xcount = 0, Xcount = 0, Acount = 0, c;
	while ((c = getopt_long(argc, argv, "hi:c:w:r:B:ps:Q:Z:UC:G:W:n#eqSvtxXAlT:V", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		case 'i':
			s->po.ifname = optarg;
			break;
		case 'c':
			s->count = opt_int("-c", optarg, 1, LLONG_MAX);
			pass_on(s, "-c", optarg);
			break;
		case 'w':
			s->wfile = optarg;
			break;
		case 'r':
			s->rfile = optarg;
			break;
		case 'B':
			s->po.ring_kib = (size_t)opt_int("-B", optarg, 64, 4 * 1024 * 1024);
			break;
		case 'p':
			s->po.promisc = false;
			break;
		case 's':
			s->po.snaplen = (uint32_t)opt_int("-s", optarg, 0, 262144);
			break;
		case 'Q':
			if (!strcmp(optarg, "in"))
				s->po.direction = RN_DIR_IN;
			else if (!strcmp(optarg, "out"))
				s->po.direction = RN_DIR_OUT;
			else if (!strcmp(optarg, "inout"))
				s->po.direction = RN_DIR_INOUT;
			else
				errx(EXIT_USAGE, "-Q: %s is not a direction (in, out, inout)", optarg);
			break;
		case 'Z':
			s->user = optarg;
			break;
		case 'U':
			s->packet_buffered = true;
			break;
		case 'l':
			s->line_buffered = true;
			break;
		case 'C':
			s->rotate_bytes = opt_int("-C", optarg, 1, LLONG_MAX / 1000000) * 1000000;
			break;
		case 'G':
			s->rotate_secs = opt_int("-G", optarg, 1, INT_MAX);
			break;
		case 'W':
			s->max_files = opt_int("-W", optarg, 1, INT_MAX);
			break;
		case 'n':
			break; /* names are never resolved */
		case '#': s->print.number = true; pass_on(s, "-#", NULL); break;
		case 'e': s->print.eth = true; pass_on(s, "-e", NULL); break;
		case 'q': s->print.quiet = true; pass_on(s, "-q", NULL); break;
		case 'S': s->print.abs_seq = true; pass_on(s, "-S", NULL); break;
		case 'v': s->print.verbose++; pass_on(s, "-v", NULL); break;
		case 't': tcount++; pass_on(s, "-t", NULL); break;
		case 'x': xcount++; pass_on(s, "-x", NULL); break;
		case 'X': Xcount++; pass_on(s, "-X", NULL); break;
		case 'A': Acount++; pass_on(s, "-A", NULL); break;
		case 'T':
			if (strcmp(optarg, "json"))
				errx(EXIT_USAGE, "-T: %s is not a format (json)", optarg);
			s->json = true;
			pass_on(s, "-T", optarg);
			break;
		case 'V': s->tree = true; pass_on(s, "-V", NULL); break;
		case OPT_IMMEDIATE:
			s->po.immediate = true;
			break;
		case OPT_PCAPNG:
			s->pcapng = true;
			break;
		case OPT_NANO:
			s->nano = s->print.nano = true;
			pass_on(s, "--nano", NULL);
			break;
		case OPT_L3:
			s->po.l3 = true;
			break;
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (tcount > 5)
		errx(EXIT_USAGE, "-t: at most -ttttt");
	s->print.tsmode = tcount == 0 ? 1 : tcount == 1 ? 0 : tcount;
	if (Xcount) {
		s->print.hex = 'X';
		s->print.hex_link = Xcount > 1;
	} else if (xcount) {
		s->print.hex = 'x';
		s->print.hex_link = xcount > 1;
	} else if (Acount) {
		s->print.hex = 'A';
		s->print.hex_link = Acount > 1;
	}
	if (s->rfile) {
		if (s->wfile)
			errx(EXIT_USAGE, "-r and -w together: use rawnet read, or a capture");
		s->read_args[s->nread_args++] = (char *)s->rfile;
		for (int i = optind; i < argc; i++)
			s->read_args[s->nread_args++] = argv[i];
		return;
	}
	if (optind < argc) { /* the filter: the remaining words, joined */
		size_t n = 0;
		for (int i = optind; i < argc; i++)
			n += strlen(argv[i]) + 1;
		s->filter = calloc(1, n + 1);
		if (!s->filter)
			err(EXIT_USAGE, "filter");
		for (int i = optind; i < argc; i++) {
			if (i > optind)
				strcat(s->filter, " ");
			strcat(s->filter, argv[i]);
		}
	}
	if (s->wfile && (s->pcapng || ends_with(s->wfile, ".pcapng")))
		s->pcapng = true;
	if (s->rotate_bytes || s->rotate_secs || s->max_files) {
		if (!s->wfile || !strcmp(s->wfile, "-"))
			errx(EXIT_USAGE, "-C, -G and -W need -w FILE");
	}
	if (s->max_files && !s->rotate_bytes && !s->rotate_secs)
		errx(EXIT_USAGE, "-W needs -C or -G");
}

static const char *link_name(int linktype, const char **descr)
{
	*descr = pcap_datalink_val_to_description(rn_linktype_to_dlt(linktype));
	const char *n = pcap_datalink_val_to_name(rn_linktype_to_dlt(linktype));
	if (!*descr)
		*descr = "unknown";
	return n ? n : "unknown";
}

/* True when expr has the word "vlan" in it. */
static bool mentions_vlan(const char *expr)
{
	for (const char *p = expr; (p = strstr(p, "vlan")); p += 4) {
		bool start = p == expr || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		bool end = !(isalnum((unsigned char)p[4]) || p[4] == '_');
		if (start && end)
			return true;
	}
	return false;
}

/* Compiles the filter for the capture's link type and attaches it in the
 * kernel; when the kernel cannot run it (cooked sockets reading SLL address
 * bytes, VLAN tests), it runs in user space instead. A bad expression exits 2 with
 * libpcap's message. */
static void setup_filter(struct sniff *s, const char *ifname)
{
	char msg[512];
	struct rn_filter *f;
	int rc = rn_filter_compile(s->filter, s->linktype, rn_packet_snaplen(s->pk), &f, msg,
				   sizeof msg);
	if (rc == -RN_EINVAL)
		errx(EXIT_USAGE, "%s", msg);
	if (rc < 0)
		errx(EXIT_USAGE, "%s: cannot filter on this link type: %s", ifname, rn_strerror(rc));
	/* libpcap compiles "vlan" for a dead handle as loads of the tag from
	 * the frame, but the kernel has taken the tag out (it comes back from
	 * tp_vlan_tci): such filters only work on the restored frames. */
	if (mentions_vlan(s->filter)) {
		s->user_filter = f;
		return;
	}
	rc = rn_packet_set_filter(s->pk, rn_filter_prog(f));
	if (rc == -RN_EUNSUP) {
		s->user_filter = f;
		return;
	}
	rn_filter_free(f);
	if (rc < 0)
		errx(EXIT_USAGE, "%s: cannot attach the filter: %s", ifname, rn_strerror(rc));
}

/* One frame to the file or to the output: 0, or an error already reported. */
static int handle_frame(struct sniff *s, const struct rn_frame *f)
{
	if (s->user_filter && !rn_filter_run(s->user_filter, f->data, f->caplen, f->len))
		return 0;
	s->captured++;
	if (s->w) {
		int rc = rn_pcapw_write(s->w, f->ts_sec, f->ts_nsec, f->data, f->caplen, f->len);
		if (rc < 0) {
			warnx("%s: %s", s->wfile, rn_strerror(rc));
			return rc;
		}
		return 0;
	}
	struct rn_pkt pkt = { .data = f->data, .caplen = f->caplen, .len = f->len,
			      .ts_sec = f->ts_sec, .ts_nsec = f->ts_nsec,
			      .linktype = f->linktype, .number = s->captured,
			      .csum_hint = f->csum == RN_RX_CSUM_PARTIAL ? RN_PKT_CSUM_LEFT_TO_NIC : 0 };
	if (s->json)
		rn_json_packet(s->js, &s->out, &pkt);
	else if (s->tree)
		rn_print_tree(&s->out, &pkt);
	else
		rn_printer_packet(s->printer, &s->out, &pkt);
	if (s->out.oom)
		errx(EXIT_USAGE, "out of memory");
	if (s->line_buffered || s->out.len >= 65536)
		out_flush(&s->out);
	return 0;
}

int cmd_sniff(int argc, char **argv)
{
	struct sniff s;
	memset(&s, 0, sizeof s);
	parse(&s, argc, argv);
	if (s.rfile) {
		optind = 0; /* rawnet read parses its own arguments from the start */
		int rc = cmd_read ? cmd_read(s.nread_args, s.read_args) : EXIT_USAGE;
		free(s.read_args);
		return rc;
	}

	const char *ifname = s.po.ifname ? s.po.ifname : "any";
	int rc = rn_packet_open(&s.po, &s.pk);
	if (rc < 0)
		errx(EXIT_USAGE, "%s: %s", ifname, rn_strerror(rc));
	s.linktype = rn_packet_linktype(s.pk);
	if (s.filter)
		setup_filter(&s, ifname);
	if (s.user)
		drop_privileges(s.user);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	s.period_start = time(NULL);
	rn_sb_init(&s.out);
	if (s.wfile)
		open_output(&s);
	else if (rn_printer_new(&s.print, &s.printer) < 0 || (s.json && rn_json_new(&s.js) < 0))
		errx(EXIT_USAGE, "out of memory");
	const char *descr, *name = link_name(s.linktype, &descr);
	fprintf(stderr, "listening on %s, link-type %s (%s), snapshot length %u bytes\n", ifname,
		name, descr, rn_packet_snaplen(s.pk));

	int status = EXIT_OK;
	double stop_at = 0; /* after a signal: when the last frames are in */
	for (;;) {
		struct rn_frame f;
		int wait = 1000;
		if (stop_signal) {
			/* Frames that came before the signal may sit in a block
			 * the kernel has not handed over yet: read on until the
			 * block timeout has passed. */
			if (!stop_at)
				stop_at = mono_now() + (rn_packet_latency_ms(s.pk) + 20) / 1000.0;
			wait = (int)((stop_at - mono_now()) * 1000);
			if (wait <= 0)
				break;
		}
		/* What is ready comes without a system call; before waiting,
		 * the lines made so far go out. The wait is bounded: a signal
		 * between the check and the poll is noticed within the second,
		 * and -G rotates on time. */
		rc = rn_packet_next(s.pk, &f, 0);
		if (rc == 0) {
			out_flush(&s.out);
			rc = rn_packet_next(s.pk, &f, wait);
		}
		if (rc == -EINTR)
			continue;
		if (rc < 0) {
			warnx("%s: %s", ifname, rn_strerror(rc));
			status = EXIT_USAGE;
			break;
		}
		if (s.w && (s.rotate_bytes || s.rotate_secs) && !rotate_if_due(&s, time(NULL)))
			break;
		if (rc == 0)
			continue;
		if (handle_frame(&s, &f) < 0) {
			status = EXIT_USAGE;
			break;
		}
		if (s.count && s.captured >= (unsigned long long)s.count)
			break;
	}
	out_flush(&s.out);
	close_output(&s, true);
	print_counts(&s);
	rn_packet_close(s.pk);
	rn_printer_free(s.printer);
	rn_json_free(s.js);
	rn_filter_free(s.user_filter);
	rn_sb_free(&s.out);
	free(s.filter);
	free(s.read_args);
	return status;
}
