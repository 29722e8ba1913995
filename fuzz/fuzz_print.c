/* libFuzzer harness over the dissectors and printers (rawnet/print.h,
 * rawnet/fields.h): every link type, every option combination (-v/-vv/-vvv,
 * -e, -q, -#, -x/-X/-A with and without the link header, timestamp modes,
 * --nano), the stateless line, the printer that keeps TCP conversations, the
 * -V tree and -T json. Not built by make:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude -Isrc -D_GNU_SOURCE \
 *       fuzz/fuzz_print.c src/print/[a-z]*.c src/stack/reasm_stream.c src/wire/[a-z]*.c \
 *       src/util/[a-z]*.c -o build/fuzz_print
 *   build/fuzz_print -max_total_time=60 -max_len=1600
 *
 * Input: byte 0 picks the link type, bytes 1-2 the options, byte 3 how the
 * wire length relates to the captured one; the rest is the packet, copied to
 * a heap block of exactly its size so that any read past caplen is caught.
 * Besides "no crash, no read outside the packet", it checks that every line
 * ends with a newline and holds no NUL, that the dissection's layers lie
 * inside the packet, that a tree ends with its blank line and that a JSON
 * line is one object with every control character escaped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rawnet/fields.h"
#include "rawnet/print.h"
#include "rawnet/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static const int linktypes[] = {
	RN_LINK_ETHERNET, RN_LINK_RAW, RN_LINK_LINUX_SLL, RN_LINK_LINUX_SLL2,
	RN_LINK_NULL, RN_LINK_LOOP, RN_LINK_IPV4, RN_LINK_IPV6,
};

static void check_dissection(const struct rn_dissection *d, const struct rn_pkt *pkt)
{
	CHECK(d->n <= RN_MAX_LAYERS);
	const uint8_t *end = pkt->data + pkt->caplen;
	for (unsigned i = 0; i < d->n; i++) {
		const struct rn_layer *l = &d->layer[i];
		CHECK(l->off <= pkt->caplen);
		if (l->bytes.len)
			CHECK(l->bytes.data >= pkt->data && l->bytes.len <= (size_t)(end - l->bytes.data));
		if (l->payload.len)
			CHECK(l->payload.data >= pkt->data &&
			      l->payload.len <= (size_t)(end - l->payload.data));
	}
}

static void check_text(const struct rn_strbuf *sb)
{
	CHECK(!sb->oom);
	if (sb->len == 0)
		return;
	CHECK(sb->buf[sb->len] == '\0' && sb->buf[sb->len - 1] == '\n');
	CHECK(memchr(sb->buf, '\0', sb->len) == NULL);
}

/* One JSON object per line: "{...}\n", no raw control characters. */
static void check_json(const struct rn_strbuf *sb)
{
	check_text(sb);
	CHECK(sb->len >= 3 && sb->buf[0] == '{' && sb->buf[sb->len - 2] == '}');
	for (size_t i = 0; i + 1 < sb->len; i++)
		CHECK((unsigned char)sb->buf[i] >= 0x20);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	uint8_t lt = data[0], o1 = data[1], o2 = data[2], lenmode = data[3];
	data += 4;
	size -= 4;
	uint8_t *p = malloc(size ? size : 1);
	if (!p)
		return 0;
	if (size)
		memcpy(p, data, size);

	struct rn_pkt pkt = {
		.data = p,
		.caplen = (uint32_t)size,
		.ts_sec = (int64_t)(int8_t)o2 * 86400 * 365 + 1700000000,
		.ts_nsec = (uint32_t)lenmode * 3999999u,
		.linktype = linktypes[lt % (sizeof linktypes / sizeof linktypes[0])],
		.number = 1,
	};
	/* Wire length: equal, longer (a snapped capture) or shorter (a lying file). */
	if (lenmode < 0x80)
		pkt.len = (uint32_t)size + (lenmode < 0x40 ? 0 : (uint32_t)(lenmode - 0x40) * 37);
	else
		pkt.len = (uint32_t)size > (lenmode & 0x7fu) ? (uint32_t)size - (lenmode & 0x7fu) : 0;
	if ((o2 & 0xe0) == 0xe0) /* extreme times, as a pcapng offset can give */
		pkt.ts_sec = o2 & 0x10 ? INT64_MAX - (o1 & 3) : INT64_MIN + (o1 & 3);
	if (lt >= 0xf0) /* an unknown link type now and then */
		pkt.linktype = lt;
	if (lt & 0x08) { /* as a file reader sets them, sometimes out of range */
		pkt.ts_file_digits = lt & 0x10 ? 9 : 6;
		pkt.ts_file_frac = pkt.ts_nsec / (lt & 0x10 ? 1 : 1000) * (lt & 0x20 ? 1000 : 1);
	}

	static const int hexmodes[] = { 0, 'x', 'X', 'A' };
	struct rn_print_opts opts = {
		.verbose = o1 & 3,
		.eth = o1 & 4,
		.quiet = o1 & 8,
		.number = o1 & 16,
		.hex = hexmodes[(o1 >> 5) & 3],
		.hex_link = o1 & 128,
		.tsmode = (o2 & 7) % 6,
		.nano = o2 & 8,
		.abs_seq = o2 & 16,
	};

	struct rn_strbuf sb;
	rn_sb_init(&sb);

	/* The stateless line. */
	rn_print_summary(&sb, &pkt, &opts);
	check_text(&sb);

	/* The dissection itself, with and without checksums, and its line. */
	struct rn_dissection d;
	rn_dissect(&pkt, RN_DISSECT_CSUM, &d);
	check_dissection(&d, &pkt);
	rn_sb_reset(&sb);
	rn_print_line(&sb, &d, &opts);
	check_text(&sb);
	rn_dissect(&pkt, 0, &d);
	check_dissection(&d, &pkt);
	for (int pr = RN_PROTO_NONE; pr <= RN_PROTO_DATA; pr++) {
		const struct rn_layer *l = rn_dissect_find(&d, (enum rn_proto)pr);
		CHECK(!l || l->proto == (enum rn_proto)pr);
		CHECK(rn_proto_name((enum rn_proto)pr) != NULL);
	}
	if (!opts.verbose) {
		rn_sb_reset(&sb);
		rn_print_line(&sb, &d, &opts);
		check_text(&sb);
	}

	/* A printer with state: the packet, the same packet cut short (as a
	 * retransmission with a smaller snap length), then the whole one again. */
	struct rn_printer *pr;
	if (rn_printer_new(&opts, &pr) == 0) {
		rn_sb_reset(&sb);
		rn_printer_packet(pr, &sb, &pkt);
		check_text(&sb);
		struct rn_pkt cut = pkt;
		cut.caplen = (uint32_t)size / 2;
		cut.number = 2;
		cut.ts_sec = (int64_t)((uint64_t)cut.ts_sec - o1); /* wraps at the extremes */
		rn_sb_reset(&sb);
		rn_printer_packet(pr, &sb, &cut);
		check_text(&sb);
		pkt.number = 3;
		rn_sb_reset(&sb);
		rn_printer_packet(pr, &sb, &pkt);
		check_text(&sb);
		rn_printer_free(pr);
	}

	/* The -V tree, and -T json over the same three packets. */
	rn_sb_reset(&sb);
	rn_print_tree(&sb, &pkt);
	check_text(&sb);
	CHECK(sb.len >= 2 && sb.buf[sb.len - 2] == '\n');
	struct rn_json *js;
	if (rn_json_new(&js) == 0) {
		struct rn_pkt cut = pkt;
		cut.caplen = (uint32_t)size / 3;
		for (int k = 0; k < 3; k++) {
			rn_sb_reset(&sb);
			rn_json_packet(js, &sb, k == 1 ? &cut : &pkt);
			check_json(&sb);
		}
		rn_json_free(js);
	}

	/* The dump helpers on their own. */
	rn_sb_reset(&sb);
	rn_print_hexdump(&sb, p, size, o1 & 1);
	rn_print_ascii(&sb, p, size);

	rn_sb_free(&sb);
	free(p);
	return 0;
}
