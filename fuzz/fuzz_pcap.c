/* libFuzzer harness over the capture-file reader (rawnet/pcapfile.h: pcap and
 * pcapng, draft-ietf-opsawg-pcap / -pcapng), each packet then printed as
 * `rawnet read` would print it (options chosen by the input's size: line,
 * -V tree or -T json), and TCP conversations followed (rawnet/follow.h) as
 * `rawnet follow` does. Not built by make:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude -Isrc -D_GNU_SOURCE \
 *       fuzz/fuzz_pcap.c src/io/pcapfile.c src/print/[a-z]*.c src/stack/reasm_stream.c \
 *       src/wire/[a-z]*.c src/util/[a-z]*.c -o build/fuzz_pcap
 *   build/fuzz_pcap -max_total_time=60 -max_len=4096
 *
 * The input is the file, read from memory (rn_pcap_open_mem, from a heap
 * block of exactly its size) and, for one input in four, also through
 * rn_pcap_open() on a memfd (the mmap path) or a pipe (the read path), which
 * must give the same packets. Besides "no crash, no read outside the file",
 * it checks that every packet lies inside the file, that the reader stops
 * (bounded packet count), that an error stays an error with a message, and
 * that a followed stream hands out every offset once, in order, per node.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rawnet/fields.h"
#include "rawnet/follow.h"
#include "rawnet/pcapfile.h"
#include "rawnet/print.h"
#include "rawnet/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

/* Followed chunks: per node, offsets must continue where the last chunk ended. */
struct follow_check {
	uint64_t next[2];
	int mode;
	struct rn_strbuf *sb;
};

static void on_chunk(void *ctx, const struct rn_follow_chunk *ch)
{
	struct follow_check *fc = ctx;
	CHECK(ch->node == 0 || ch->node == 1);
	CHECK(ch->offset == fc->next[ch->node]);
	CHECK(ch->len > 0);
	fc->next[ch->node] += ch->len;
	rn_follow_put_chunk(fc->sb, fc->mode, ch);
}

/* What a pass over a file gave, to compare the memory and file paths. */
struct result {
	int open_rc, last_rc;
	uint64_t npkts;
	uint64_t sum;   /* of lengths, timestamps and link types */
	int linktype;
	uint32_t snaplen;
};

struct sinks {
	struct rn_printer *pr;
	struct rn_json *json;
	bool tree;
	struct rn_follow *follow;
	struct rn_strbuf *sb;
};

static void read_all(struct rn_pcap_reader *r, int open_rc, const uint8_t *base, size_t size,
		     const struct sinks *sk, struct result *res)
{
	memset(res, 0, sizeof *res);
	res->open_rc = open_rc;
	if (open_rc < 0) {
		CHECK(open_rc == -RN_EFORMAT);
		CHECK(rn_pcap_error(r)[0] != '\0');
		return;
	}
	res->linktype = rn_pcap_linktype(r);
	res->snaplen = rn_pcap_snaplen(r);
	enum rn_pcap_format f = rn_pcap_format(r);
	CHECK(f == RN_PCAP_CLASSIC || f == RN_PCAP_NG);
	(void)rn_pcap_nano(r);
	struct rn_pkt pkt;
	int rc;
	while ((rc = rn_pcap_next(r, &pkt)) == 1) {
		res->npkts++;
		/* Every record takes at least 12 bytes of the file. */
		CHECK(res->npkts <= size / 12 + 1);
		CHECK(pkt.number == res->npkts);
		if (base && pkt.caplen) {
			CHECK(pkt.data >= base && pkt.data < base + size);
			CHECK(pkt.caplen <= (size_t)(base + size - pkt.data));
		}
		res->sum += pkt.caplen + (uint64_t)pkt.len + (uint64_t)pkt.ts_sec + pkt.ts_nsec +
			    (uint64_t)pkt.linktype + pkt.ts_file_frac + pkt.ts_file_digits;
		if (sk) {
			rn_sb_reset(sk->sb);
			if (sk->json)
				rn_json_packet(sk->json, sk->sb, &pkt);
			else if (sk->tree)
				rn_print_tree(sk->sb, &pkt);
			else
				rn_printer_packet(sk->pr, sk->sb, &pkt);
			CHECK(!sk->sb->oom);
			if (sk->follow) {
				struct rn_dissection d;
				rn_dissect(&pkt, 0, &d);
				int node = -1;
				long long c = rn_follow_packet(sk->follow, &d, &node);
				CHECK(c >= -1 || c == -RN_ENOSPC);
				CHECK(c < 0 || (node >= 0 && node <= 1 &&
						rn_follow_conv(sk->follow, (size_t)c) != NULL));
			}
		}
	}
	res->last_rc = rc;
	CHECK(rc == 0 || rc == -RN_EFORMAT || rc == -ENOMEM);
	if (rc == -RN_EFORMAT) {
		CHECK(rn_pcap_error(r)[0] != '\0');
		CHECK(rn_pcap_offset(r) < size);
		CHECK(rn_pcap_next(r, &pkt) == -RN_EFORMAT);
	} else if (rc == 0) {
		CHECK(rn_pcap_next(r, &pkt) == 0);
	}
}

/* The same bytes through a path: a memfd (mapped) or a pipe (read). */
static void via_path(const uint8_t *data, size_t size, bool pipe_path, const struct result *want)
{
	int fds[2] = { -1, -1 };
	if (pipe_path) {
		if (size > 65536 || pipe(fds) < 0)
			return;
		if (size && write(fds[1], data, size) != (ssize_t)size) {
			close(fds[0]);
			close(fds[1]);
			return;
		}
		close(fds[1]);
	} else {
		fds[0] = memfd_create("fuzz_pcap", MFD_CLOEXEC);
		if (fds[0] < 0)
			return;
		if (size && write(fds[0], data, size) != (ssize_t)size) {
			close(fds[0]);
			return;
		}
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fds[0]);
	struct rn_pcap_reader *r = NULL;
	int rc = rn_pcap_open(path, &r);
	close(fds[0]);
	if (rc == -ENOMEM || !r)
		goto out;
	/* The reader's own copy or mapping is the base now. */
	struct result got;
	read_all(r, rc, NULL, size, NULL, &got);
	CHECK(got.open_rc == want->open_rc && got.last_rc == want->last_rc);
	CHECK(got.npkts == want->npkts && got.sum == want->sum);
	CHECK(got.linktype == want->linktype && got.snaplen == want->snaplen);
out:
	rn_pcap_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);
	if (!p)
		return 0;
	if (size)
		memcpy(p, data, size);

	/* The options vary with the file's size (-v..-vvv, -e, -X/-xx, every -t mode). */
	struct rn_print_opts opts = { .verbose = 1 + (int)(size % 3), .eth = size & 4,
				      .hex = size & 8 ? 'X' : 0, .hex_link = size & 16,
				      .number = true, .tsmode = (int)(size / 32 % 6),
				      .nano = size & 2, .abs_seq = size & 1 };
	struct rn_printer *pr = NULL;
	struct rn_strbuf sb;
	rn_sb_init(&sb);
	struct sinks sk = { .sb = &sb, .tree = size % 7 == 3 };
	if (rn_printer_new(&opts, &pr) < 0)
		goto out;
	sk.pr = pr;
	if (size % 7 == 5 && rn_json_new(&sk.json) < 0)
		goto out;
	/* Follow the first conversation (or, now and then, the second). */
	static const int modes[] = { 'a', 'x', 'r' };
	struct follow_check fc = { .mode = modes[size % 3], .sb = &sb };
	if (rn_follow_new((long long)(size / 64 % 2), on_chunk, &fc, &sk.follow) < 0)
		goto out;

	struct rn_pcap_reader *r = NULL;
	int rc = rn_pcap_open_mem(p, size, &r);
	struct result res;
	if (r && rc != -ENOMEM) {
		read_all(r, rc, p, size, &sk, &res);
		if (size && data[size - 1] % 4 == 1)
			via_path(p, size, data[size - 1] & 0x10, &res);
	}
	rn_pcap_close(r);
	rn_follow_finish(sk.follow);
	size_t nconv = rn_follow_count(sk.follow);
	for (size_t i = 0; i < nconv; i++) {
		const struct rn_follow_conv *c = rn_follow_conv(sk.follow, i);
		CHECK(c && c->index == i && (c->family == 4 || c->family == 6));
		rn_sb_reset(&sb);
		rn_follow_put_header(&sb, fc.mode, c);
		rn_follow_put_node(&sb, c, 0);
		rn_follow_put_node(&sb, c, 1);
		rn_follow_put_footer(&sb);
	}
	CHECK(rn_follow_conv(sk.follow, nconv) == NULL);
	for (int node = 0; node < 2; node++) {
		const struct rn_reasm *ra = rn_follow_reasm(sk.follow, node);
		if (ra)
			CHECK(ra->delivered + ra->missing == fc.next[node]);
	}
out:
	rn_follow_free(sk.follow);
	rn_json_free(sk.json);
	rn_printer_free(pr);
	rn_sb_free(&sb);
	free(p);
	return 0;
}
