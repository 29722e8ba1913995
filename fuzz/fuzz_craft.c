/* libFuzzer harness over the packet-spec language of `rawnet send`
 * (rawnet/craft.h): the lexer and parser on arbitrary strings, then fill and
 * emit, then reply matching (scapy-style answers()) against arbitrary bytes.
 * Not built by make:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude -Isrc -D_GNU_SOURCE \
 *       fuzz/fuzz_craft.c src/craft/[a-z]*.c src/wire/[a-z]*.c src/util/[a-z]*.c \
 *       -o build/fuzz_craft
 *   build/fuzz_craft -max_total_time=60 -max_len=512 -dict=fuzz/craft.dict
 *
 * Input: the spec as argv words separated by NUL bytes; after a 0xff byte,
 * the rest is a received packet to match against the built probe. The packet
 * is built into a heap block of exactly the tool's size (and of a smaller,
 * input-chosen size), so a write past the end is caught. Checks: parse never
 * crashes and fails with a message; a built packet fits its buffer; IP and
 * UDP lengths the user did not set agree with the bytes built (never an
 * over-long packet with a wrapped length field); the IP header checksum the
 * user did not set verifies.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/craft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

#define MAX_WORDS 24
#define TOOL_CAP 65600 /* tools/send.c MAX_PKT */

/* The built layers agree with what the user left for emit to compute. */
static void check_built(const struct rn_craft_spec *spec, const uint8_t *buf, size_t n,
			const struct rn_craft_built *b)
{
	CHECK(b->len == n);
	for (unsigned i = 0; i < spec->n; i++) {
		CHECK(b->off[i] <= n && (i == 0 || b->off[i] >= b->off[i - 1]));
		const struct rn_craft_layer *l = &spec->layer[i];
		struct rn_view v = rn_view_make(buf + b->off[i], n - b->off[i]);
		if (l->kind == RN_CRAFT_IP && !rn_craft_field_is_set(l, "len") &&
		    !rn_craft_field_is_set(l, "ihl") && !rn_craft_field_is_set(l, "version")) {
			struct rn_ipv4 ip;
			struct rn_view pl;
			CHECK(rn_ipv4_parse(v, &ip, &pl) == 0);
			CHECK(ip.tot_len == v.len && !ip.payload_truncated);
			if (!rn_craft_field_is_set(l, "chksum"))
				CHECK(ip.checksum_status == RN_CSUM_GOOD);
		} else if (l->kind == RN_CRAFT_IP6 && !rn_craft_field_is_set(l, "plen") &&
			   !rn_craft_field_is_set(l, "version")) {
			struct rn_ipv6 ip6;
			struct rn_view pl;
			CHECK(rn_ipv6_parse(v, &ip6, &pl) == 0);
			CHECK((size_t)ip6.payload_len + RN_IPV6_HLEN == v.len);
		} else if (l->kind == RN_CRAFT_UDP && !rn_craft_field_is_set(l, "len")) {
			struct rn_udp u;
			CHECK(rn_udp_parse(v, NULL, &u, NULL) == 0 && u.len == v.len);
		} else if (l->kind == RN_CRAFT_TCP) {
			struct rn_tcp t;
			if (!rn_craft_field_is_set(l, "doff"))
				CHECK(rn_tcp_parse(v, NULL, &t, NULL) == 0);
		}
	}
}

/* Matching never crashes, whichever side the arbitrary bytes are on. */
static void match(const uint8_t *probe, size_t plen, const struct rn_craft_built *b,
		  const struct rn_craft_spec *spec, const uint8_t *reply, size_t rlen)
{
	static const uint16_t types[] = { RN_ETHERTYPE_IPV4, RN_ETHERTYPE_IPV6, RN_ETHERTYPE_ARP };
	struct rn_view r = rn_view_make(reply, rlen);
	struct rn_view p = rn_view_make(NULL, 0);
	if (probe && b->ip >= 0)
		p = rn_view_make(probe + b->off[b->ip], plen - b->off[b->ip]);
	else if (probe && spec && rn_craft_find(spec, RN_CRAFT_ARP, 0) >= 0)
		p = rn_view_make(probe + b->off[rn_craft_find(spec, RN_CRAFT_ARP, 0)],
				 plen - b->off[rn_craft_find(spec, RN_CRAFT_ARP, 0)]);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		(void)rn_craft_answers(types[i], p, types[i], r);
		(void)rn_craft_answers(types[i], r, types[i], p);
		(void)rn_craft_answers(types[i], r, types[i], r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Split off the reply, then the words (each its own heap string). */
	const uint8_t *ff = memchr(data, 0xff, size);
	size_t slen = ff ? (size_t)(ff - data) : size;
	uint8_t *reply = NULL;
	size_t rlen = ff ? size - slen - 1 : 0;
	if (ff) {
		reply = malloc(rlen ? rlen : 1);
		if (!reply)
			return 0;
		memcpy(reply, ff + 1, rlen);
	}
	char *words[MAX_WORDS];
	unsigned nw = 0;
	for (size_t at = 0; at <= slen && nw < MAX_WORDS;) {
		const uint8_t *z = memchr(data + at, 0, slen - at);
		size_t wl = z ? (size_t)(z - (data + at)) : slen - at;
		words[nw] = malloc(wl + 1);
		if (!words[nw])
			break;
		memcpy(words[nw], data + at, wl);
		words[nw][wl] = '\0';
		nw++;
		at += wl + 1;
	}

	struct rn_craft_spec spec;
	struct rn_craft_error err;
	int rc = rn_craft_parse((const char *const *)words, nw, &spec, &err);
	CHECK(rc == 0 || rc == -RN_EINVAL || rc == -12 /* ENOMEM */);
	CHECK(spec.n <= RN_CRAFT_MAX_LAYERS);
	if (rc == -RN_EINVAL) {
		CHECK(err.msg[0] != '\0' && memchr(err.msg, '\0', sizeof err.msg) != NULL);
		CHECK(nw == 0 || err.word < nw);
	}
	if (rc == 0) {
		for (unsigned i = 0; i < spec.n; i++)
			CHECK(rn_craft_kind_name(spec.layer[i].kind)[0] != '?');
		struct rn_craft_env env = {
			.has_src4 = size & 1, .has_src6 = size & 2, .has_smac = size & 4,
			.has_dmac = size & 8,
			.src4 = { 10, 77, 0, 1 }, .src6 = { 0xfd, 0x77, [15] = 1 },
			.smac = { { 2, 0, 0, 0, 0, 1 } }, .dmac = { { 2, 0, 0, 0, 0, 2 } },
			.seed = size,
		};
		size_t caps[2] = { TOOL_CAP, slen % 97 };
		for (int k = 0; k < 2; k++) {
			uint8_t *buf = malloc(caps[k] ? caps[k] : 1);
			if (!buf)
				break;
			struct rn_craft_built b;
			int n = rn_craft_build(&spec, &env, (uint64_t)k, buf, caps[k], &b);
			CHECK(n >= 0 || n == -RN_ENOSPC || n == -RN_EINVAL);
			if (n >= 0) {
				CHECK((size_t)n <= caps[k]);
				struct rn_craft_spec filled;
				CHECK(rn_craft_fill(&spec, &env, (uint64_t)k, &filled) == 0);
				check_built(&filled, buf, (size_t)n, &b);
				if (k == 0)
					match(buf, (size_t)n, &b, &filled, reply, rlen);
			}
			free(buf);
		}
		/* Inserting layers up to the limit stays inside the spec. */
		struct rn_craft_spec ins = spec;
		while (rn_craft_insert(&ins, (unsigned)(size % (ins.n + 1)), RN_CRAFT_VLAN) == 0)
			CHECK(ins.n <= RN_CRAFT_MAX_LAYERS);
		CHECK(ins.n == RN_CRAFT_MAX_LAYERS);
	}
	if (reply && rc != 0)
		match(NULL, 0, NULL, NULL, reply, rlen);
	rn_craft_free(&spec);
	for (unsigned i = 0; i < nw; i++)
		free(words[i]);
	free(reply);
	return 0;
}
