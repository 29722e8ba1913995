/* rawnet read: print the packets of a pcap or pcapng file as tcpdump -n does,
 * optionally through a tcpdump filter expression (run in user space). */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "commands.h"
#include "common.h"
#include "rawnet/error.h"
#include "rawnet/filter.h"
#include "rawnet/pcapfile.h"
#include "rawnet/fields.h"
#include "rawnet/print.h"

#define FLUSH_AT (1u << 20)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rawnet read [-#eqSnv] [-t...] [--nano] [-c count] [--skip N]\n"
		"                   [--file-numbers] [-x|-xx|-X|-XX|-A|-AA|-V|-T json]\n"
		"                   FILE [FILTER ...]\n"
		"       rawnet read -d [-y LINKTYPE] [FILTER ...]\n"
		"\n"
		"Prints each packet of a pcap or pcapng FILE (\"-\" for standard input) as\n"
		"tcpdump -n prints it. FILTER is a tcpdump expression (pcap-filter(7)).\n"
		"\n"
		"  -#          number the packets\n"
		"  -e          print the link-level header\n"
		"  -q          quiet: less protocol detail\n"
		"  -v, -vv     more detail (TTL, IDs, lengths, checksums, options)\n"
		"  -t          no timestamp; -tt seconds since 1970; -ttt delta to the\n"
		"              previous packet; -tttt date and time; -ttttt delta to the first\n"
		"  --nano      nanosecond timestamps\n"
		"  -S          absolute TCP sequence numbers\n"
		"  -c N        stop after N packets\n"
		"  --skip N    skip the first N matching packets\n"
		"  -x, -xx     hex dump (-xx: with the link header); -X, -XX: hex and ASCII;\n"
		"  -A, -AA     ASCII\n"
		"  -n          do not resolve names (always the case)\n"
		"  --file-numbers  with -#: the packet's number in the file, not the count\n"
		"              of packets printed\n"
		"  -V          every field of every layer as a tree, as tshark -V\n"
		"  -T json     one JSON object per packet and line, keys named as Wireshark's\n"
		"              display-filter fields, values as tshark -T fields prints them\n"
		"  -d          print the compiled filter program (as tcpdump -d) and exit\n"
		"  -y TYPE     link type for -d (a libpcap name such as EN10MB; default EN10MB)\n"
		"\n"
		"Exit status: 0 ok, 2 usage error, bad filter or a damaged file (the packets\n"
		"before the damage are printed first).\n");
}

static const char *link_name(int lt)
{
	switch (lt) {
	case RN_LINK_NULL: return "NULL (BSD loopback)";
	case RN_LINK_ETHERNET: return "EN10MB (Ethernet)";
	case RN_LINK_RAW: return "RAW (Raw IP)";
	case RN_LINK_LOOP: return "LOOP (OpenBSD loopback)";
	case RN_LINK_LINUX_SLL: return "LINUX_SLL (Linux cooked v1)";
	case RN_LINK_IPV4: return "IPV4 (Raw IPv4)";
	case RN_LINK_IPV6: return "IPV6 (Raw IPv6)";
	case RN_LINK_LINUX_SLL2: return "LINUX_SLL2 (Linux cooked v2)";
	default: return NULL;
	}
}

struct filter_cache {
	const char *expr;
	int linktype[4];
	struct rn_filter *f[4];
	unsigned n;
};

static struct rn_filter *filter_for(struct filter_cache *c, int linktype, uint32_t snaplen)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->linktype[i] == linktype)
			return c->f[i];
	char msg[512];
	struct rn_filter *f;
	int e = rn_filter_compile(c->expr, linktype, snaplen, &f, msg, sizeof(msg));
	if (e < 0)
		errx(EXIT_USAGE, "%s", msg);
	if (c->n < 4) {
		c->linktype[c->n] = linktype;
		c->f[c->n++] = f;
	}
	return f;
}

/* The remaining arguments joined by spaces (tcpdump's filter convention). */
static char *join_args(int argc, char **argv)
{
	if (argc <= 0)
		return NULL;
	size_t n = 1;
	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	char *s = malloc(n);
	if (!s)
		err(EXIT_USAGE, "malloc");
	s[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* -d: compile for a link type and print the program as tcpdump -d does. */
static int dump_program(const char *dlt_name, int argc, char **argv)
{
	int dlt = DLT_EN10MB;
	if (dlt_name) {
		dlt = pcap_datalink_name_to_val(dlt_name);
		if (dlt < 0)
			errx(EXIT_USAGE, "-y: %s is not a link type name", dlt_name);
	}
	char *expr = join_args(argc, argv);
	struct rn_filter *f;
	char msg[512];
	if (rn_filter_compile_dlt(expr, dlt, 262144, &f, msg, sizeof(msg)) < 0)
		errx(EXIT_USAGE, "%s", msg);
	const struct sock_fprog *prog = rn_filter_prog(f);
	struct bpf_program bp = { prog->len, (struct bpf_insn *)prog->filter };
	bpf_dump(&bp, 1);
	rn_filter_free(f);
	free(expr);
	return EXIT_OK;
}

int cmd_read(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "nano", no_argument, NULL, 'N' },
		{ "number", no_argument, NULL, '#' },
		{ "skip", required_argument, NULL, 'K' },
		{ "count", required_argument, NULL, 'c' },
		{ "file-numbers", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	struct rn_print_opts o = { .tsmode = 1 };
	int tcount = 0, xcount = 0, Xcount = 0, Acount = 0;
	long long count = -1, skip = 0;
	bool dump = false, file_numbers = false;
	bool json = false, tree = false;
	const char *dlt_name = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "#c:dy:eqnSvtxXAhT:V", longopts, NULL)) != -1) {
		switch (c) {
		case '#': o.number = true; break;
		case 'c': count = opt_int("-c", optarg, 1, (1LL << 62)); break;
		case 'K': skip = opt_int("--skip", optarg, 0, (1LL << 62)); break;
		case 'e': o.eth = true; break;
		case 'q': o.quiet = true; break;
		case 'n': break;
		case 'S': o.abs_seq = true; break;
		case 'v': o.verbose++; break;
		case 't': tcount++; break;
		case 'x': xcount++; break;
		case 'X': Xcount++; break;
		case 'A': Acount++; break;
		case 'N': o.nano = true; break;
		case 'd': dump = true; break;
		case 'y': dlt_name = optarg; break;
		case 'F': file_numbers = true; break;
		case 'T':
			if (strcmp(optarg, "json"))
				errx(EXIT_USAGE, "-T: %s is not a format (json)", optarg);
			json = true;
			break;
		case 'V': tree = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (tcount > 5)
		errx(EXIT_USAGE, "-t: at most -ttttt");
	o.tsmode = tcount == 0 ? 1 : tcount == 1 ? 0 : tcount;
	if (Xcount) {
		o.hex = 'X';
		o.hex_link = Xcount > 1;
	} else if (xcount) {
		o.hex = 'x';
		o.hex_link = xcount > 1;
	} else if (Acount) {
		o.hex = 'A';
		o.hex_link = Acount > 1;
	}
	if (dump)
		return dump_program(dlt_name, argc - optind, argv + optind);
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *path = argv[optind++];
	char *expr = join_args(argc - optind, argv + optind);

	struct rn_pcap_reader *r;
	int e = rn_pcap_open(path, &r);
	if (e == -RN_EFORMAT)
		errx(EXIT_USAGE, "%s: %s", path, rn_pcap_error(r));
	if (e < 0)
		errx(EXIT_USAGE, "%s: %s", path, rn_strerror(e));
	int lt = rn_pcap_linktype(r);
	uint32_t snaplen = rn_pcap_snaplen(r);
	struct filter_cache fc = { .expr = expr };
	if (expr && lt >= 0)
		filter_for(&fc, lt, snaplen);
	const char *ln = link_name(lt);
	if (lt < 0)
		fprintf(stderr, "reading from file %s, no interfaces yet\n", path);
	else if (ln)
		fprintf(stderr, "reading from file %s, link-type %s, snapshot length %u\n", path,
			ln, snaplen);
	else
		fprintf(stderr, "reading from file %s, link-type %d, snapshot length %u\n", path,
			lt, snaplen);

	o.ts_sec32 = rn_pcap_format(r) == RN_PCAP_CLASSIC;
	struct rn_printer *pr;
	if (rn_printer_new(&o, &pr) < 0)
		errx(EXIT_USAGE, "out of memory");
	struct rn_json *js = NULL;
	if (json && rn_json_new(&js) < 0)
		errx(EXIT_USAGE, "out of memory");
	struct rn_strbuf out;
	rn_sb_init(&out);
	struct rn_pkt pkt;
	uint64_t shown = 0, matched = 0;
	int rc = EXIT_OK;
	while (count < 0 || (long long)shown < count) {
		e = rn_pcap_next(r, &pkt);
		if (e == 0)
			break;
		if (e < 0) {
			out_flush(&out);
			warnx("%s: damaged at byte offset %llu: %s", path,
			      (unsigned long long)rn_pcap_offset(r), rn_pcap_error(r));
			rc = EXIT_USAGE;
			break;
		}
		if (expr) {
			struct rn_filter *f = filter_for(&fc, pkt.linktype, snaplen);
			if (!rn_filter_run(f, pkt.data, pkt.caplen, pkt.len))
				continue;
		}
		matched++;
		if ((long long)matched <= skip)
			continue;
		if (!file_numbers && !json && !tree)
			pkt.number = matched; /* -T json and -V number as tshark: the file's */
		if (json)
			rn_json_packet(js, &out, &pkt);
		else if (tree)
			rn_print_tree(&out, &pkt);
		else
			rn_printer_packet(pr, &out, &pkt);
		shown++;
		if (out.len >= FLUSH_AT)
			out_flush(&out);
		if (out.oom)
			errx(EXIT_USAGE, "out of memory");
	}
	out_flush(&out);
	rn_sb_free(&out);
	rn_printer_free(pr);
	rn_json_free(js);
	for (unsigned i = 0; i < fc.n; i++)
		rn_filter_free(fc.f[i]);
	rn_pcap_close(r);
	free(expr);
	return rc;
}
