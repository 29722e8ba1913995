/* rawnet follow: reassemble one TCP conversation of a capture file and print
 * both directions as `tshark -z follow,tcp,ascii|hex` does, list the
 * conversations, or write one direction's bytes unchanged. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "rawnet/error.h"
#include "rawnet/filter.h"
#include "rawnet/follow.h"
#include "rawnet/pcapfile.h"
#include "rawnet/print.h"

#define FLUSH_AT (1u << 20)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rawnet follow [--stream N] [--ascii|--hex|--hexstream|--raw[=server|client]]\n"
		"                     FILE [FILTER ...]\n"
		"       rawnet follow --list FILE [FILTER ...]\n"
		"\n"
		"Reassembles TCP conversation N (Wireshark's tcp.stream number, default 0)\n"
		"of a pcap or pcapng FILE (\"-\" for standard input): out-of-order,\n"
		"retransmitted and overlapping segments are put back in order (the bytes\n"
		"that arrived first win), and bytes the capture lacks show as\n"
		"\"[N bytes missing in capture]\". FILTER is a tcpdump expression applied\n"
		"first (stream numbers then count the matching conversations only).\n"
		"\n"
		"  -s, --stream N   the conversation to follow (see --list)\n"
		"  -a, --ascii      both directions as tshark -z follow,tcp,ascii,N (default):\n"
		"                   each piece is its length, then its bytes (nonprintable\n"
		"                   ones as '.'); node 1's pieces are indented by a tab\n"
		"  -x, --hex        as tshark -z follow,tcp,hex,N\n"
		"      --hexstream  as tshark -z follow,tcp,raw,N (hex digits per piece)\n"
		"  -r, --raw[=DIR]  write the bytes one side sent, unchanged, to standard\n"
		"                   output: DIR server (node 1, the default) or client\n"
		"                   (node 0); gaps are left out and reported on stderr\n"
		"  -l, --list       list the conversations: stream, nodes, packets, frame\n"
		"                   bytes, payload bytes each way, duration in seconds\n"
		"\n"
		"Node 0 is the source of a conversation's first packet (the client when the\n"
		"handshake was captured).\n"
		"Exit status: 0 ok, 1 --raw output has gaps, 2 usage error, no such stream,\n"
		"bad filter or a damaged file (what came before the damage is printed).\n");
}

struct state {
	int mode;               /* 'a', 'x', 'r' (tshark raw), 'b' (our raw bytes) */
	int raw_node;
	struct rn_follow *f;
	struct rn_strbuf out;
	bool header_done;
	uint64_t gaps, gap_bytes;
};

static void on_chunk(void *ctx, const struct rn_follow_chunk *ch)
{
	struct state *s = ctx;
	if (s->mode == 'b') {
		if (ch->node != s->raw_node)
			return;
		if (!ch->data) {
			s->gaps++;
			s->gap_bytes += ch->len;
			warnx("%zu bytes missing in capture at offset %llu", ch->len,
			      (unsigned long long)ch->offset);
		} else {
			rn_sb_append(&s->out, (const char *)ch->data, ch->len);
		}
	} else {
		if (!s->header_done) {
			rn_follow_put_header(&s->out, s->mode, rn_follow_conv(s->f, ch->stream));
			s->header_done = true;
		}
		rn_follow_put_chunk(&s->out, s->mode, ch);
	}
	if (s->out.len >= FLUSH_AT)
		out_flush(&s->out);
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
	if (rn_filter_compile(c->expr, linktype, snaplen, &f, msg, sizeof(msg)) < 0)
		errx(EXIT_USAGE, "%s", msg);
	if (c->n == 4) { /* more link types than expected: drop the oldest */
		rn_filter_free(c->f[0]);
		memmove(c->f, c->f + 1, 3 * sizeof(c->f[0]));
		memmove(c->linktype, c->linktype + 1, 3 * sizeof(c->linktype[0]));
		c->n = 3;
	}
	c->linktype[c->n] = linktype;
	c->f[c->n++] = f;
	return f;
}

static void put_duration(struct rn_strbuf *o, const struct rn_follow_conv *c)
{
	/* Seconds and nanoseconds apart: a crafted capture's timestamps can be
	 * up to 2^63 s apart, which overflows a count of nanoseconds. */
	int64_t sec;
	int64_t nsec = (int64_t)c->last_nsec - (int64_t)c->first_nsec;
	if (__builtin_sub_overflow(c->last_sec, c->first_sec, &sec))
		sec = c->last_sec > c->first_sec ? INT64_MAX : -1;
	if (nsec < 0 && sec > INT64_MIN) {
		nsec += 1000000000;
		sec--;
	}
	if (sec < 0)
		sec = nsec = 0;
	rn_sb_printf(o, "%lld.%06lld", (long long)sec, (long long)(nsec / 1000));
}

static void list_convs(struct rn_strbuf *o, const struct rn_follow *f)
{
	rn_sb_printf(o, "%6s  %-22s %-22s %8s %10s %10s %10s  %s\n", "stream", "node 0", "node 1",
		     "packets", "bytes", "data 0>1", "data 1>0", "duration");
	for (size_t i = 0; i < rn_follow_count(f); i++) {
		const struct rn_follow_conv *c = rn_follow_conv(f, i);
		struct rn_strbuf n0, n1;
		rn_sb_init(&n0);
		rn_sb_init(&n1);
		rn_follow_put_node(&n0, c, 0);
		rn_follow_put_node(&n1, c, 1);
		rn_sb_printf(o, "%6u  %-22s %-22s %8llu %10llu %10llu %10llu  ", c->index,
			     n0.buf ? n0.buf : "", n1.buf ? n1.buf : "",
			     (unsigned long long)(c->packets[0] + c->packets[1]),
			     (unsigned long long)(c->bytes[0] + c->bytes[1]),
			     (unsigned long long)c->payload[0], (unsigned long long)c->payload[1]);
		put_duration(o, c);
		rn_sb_putc(o, '\n');
		rn_sb_free(&n0);
		rn_sb_free(&n1);
	}
}

int cmd_follow(int argc, char **argv)
{
	enum { OPT_HEXSTREAM = 256 };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "stream", required_argument, NULL, 's' },
		{ "ascii", no_argument, NULL, 'a' },
		{ "hex", no_argument, NULL, 'x' },
		{ "hexstream", no_argument, NULL, OPT_HEXSTREAM },
		{ "raw", optional_argument, NULL, 'r' },
		{ "list", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct state s = { .mode = 'a', .raw_node = 1 };
	long long stream = 0;
	bool list = false;
	int c;
	while ((c = getopt_long(argc, argv, "s:axrlh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': stream = opt_int("--stream", optarg, 0, UINT32_MAX); break;
		case 'a': s.mode = 'a'; break;
		case 'x': s.mode = 'x'; break;
		case OPT_HEXSTREAM: s.mode = 'r'; break;
		case 'r':
			s.mode = 'b';
			if (!optarg || !strcmp(optarg, "server") || !strcmp(optarg, "1"))
				s.raw_node = 1;
			else if (!strcmp(optarg, "client") || !strcmp(optarg, "0"))
				s.raw_node = 0;
			else
				errx(EXIT_USAGE, "--raw: %s is not server or client", optarg);
			break;
		case 'l': list = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *path = argv[optind++];
	struct rn_strbuf expr;
	rn_sb_init(&expr);
	for (int i = optind; i < argc; i++) {
		if (i > optind)
			rn_sb_putc(&expr, ' ');
		rn_sb_puts(&expr, argv[i]);
	}
	if (expr.oom)
		errx(EXIT_USAGE, "out of memory");

	struct rn_pcap_reader *r;
	int e = rn_pcap_open(path, &r);
	if (e == -RN_EFORMAT)
		errx(EXIT_USAGE, "%s: %s", path, rn_pcap_error(r));
	if (e < 0)
		errx(EXIT_USAGE, "%s: %s", path, rn_strerror(e));
	uint32_t snaplen = rn_pcap_snaplen(r);
	struct filter_cache fc = { .expr = expr.buf };
	if (expr.len && rn_pcap_linktype(r) >= 0)
		filter_for(&fc, rn_pcap_linktype(r), snaplen);

	rn_sb_init(&s.out);
	if (rn_follow_new(list ? -1 : stream, on_chunk, &s, &s.f) < 0)
		errx(EXIT_USAGE, "out of memory");
	struct rn_dissection *d = malloc(sizeof(*d));
	if (!d)
		errx(EXIT_USAGE, "out of memory");
	struct rn_pkt pkt;
	int rc = EXIT_OK;
	uint64_t number = 0;
	while ((e = rn_pcap_next(r, &pkt)) != 0) {
		if (e < 0) {
			out_flush(&s.out);
			warnx("%s: damaged at byte offset %llu: %s", path,
			      (unsigned long long)rn_pcap_offset(r), rn_pcap_error(r));
			rc = EXIT_USAGE;
			break;
		}
		if (expr.len) {
			struct rn_filter *f = filter_for(&fc, pkt.linktype, snaplen);
			if (!rn_filter_run(f, pkt.data, pkt.caplen, pkt.len))
				continue;
		}
		pkt.number = ++number;
		rn_dissect(&pkt, 0, d);
		if (rn_follow_packet(s.f, d, NULL) == -RN_ENOSPC || s.out.oom)
			errx(EXIT_USAGE, "out of memory");
	}
	rn_follow_finish(s.f);

	if (list) {
		list_convs(&s.out, s.f);
	} else if ((size_t)stream >= rn_follow_count(s.f)) {
		out_flush(&s.out);
		warnx("%s: no TCP conversation %lld (there %s %zu)", path, stream,
		      rn_follow_count(s.f) == 1 ? "is" : "are", rn_follow_count(s.f));
		rc = EXIT_USAGE;
	} else if (s.mode == 'b') {
		if (s.gaps) {
			warnx("stream %lld: %llu bytes missing in capture (%llu gap%s), left out",
			      stream, (unsigned long long)s.gap_bytes, (unsigned long long)s.gaps,
			      s.gaps == 1 ? "" : "s");
			if (rc == EXIT_OK)
				rc = EXIT_NOREPLY;
		}
	} else {
		if (!s.header_done)
			rn_follow_put_header(&s.out, s.mode, rn_follow_conv(s.f, (size_t)stream));
		rn_follow_put_footer(&s.out);
	}
	if (s.out.oom)
		errx(EXIT_USAGE, "out of memory");
	out_flush(&s.out);
	rn_sb_free(&s.out);
	rn_follow_free(s.f);
	free(d);
	for (unsigned i = 0; i < fc.n; i++)
		rn_filter_free(fc.f[i]);
	rn_pcap_close(r);
	rn_sb_free(&expr);
	return rc;
}
