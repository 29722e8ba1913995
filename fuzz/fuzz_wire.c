/* libFuzzer harness over the link and network layer parsers (Ethernet/802.1Q,
 * ARP, IPv4 with options, IPv6 with its extension chain). Not built by make:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -D_GNU_SOURCE \
 *       fuzz/fuzz_wire.c src/wire/{ethernet,arp,ipv4,ipv6,checksum}.c \
 *       src/util/error.c -o build/fuzz_wire
 *   build/fuzz_wire -max_total_time=60 -max_len=256
 *
 * Besides "no crash, no read outside the input" (the input is copied into a
 * heap block of exactly its size), it checks that parse then emit gives back
 * the bytes parsed wherever emit is meant to be the identity.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rawnet/arp.h"
#include "rawnet/ethernet.h"
#include "rawnet/ipv4.h"
#include "rawnet/ipv6.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

/* Keeps the compiler from dropping reads of the walked bytes. */
static volatile uint8_t sink;

static void touch(struct rn_view v)
{
	for (size_t i = 0; i < v.len; i++)
		sink ^= v.data[i];
}

static void fuzz_arp(struct rn_view v)
{
	struct rn_arp a;
	if (rn_arp_parse(v, &a) != 0)
		return;
	uint8_t out[8 + 4 * RN_ARP_MAX_ALEN];
	int n = rn_arp_emit(&a, out, sizeof out);
	CHECK(n == (int)rn_arp_len(&a) && (size_t)n <= v.len);
	CHECK(memcmp(out, v.data, (size_t)n) == 0);
}

static void fuzz_ipv4(struct rn_view v)
{
	struct rn_ipv4 ip;
	struct rn_view pl;
	if (rn_ipv4_parse(v, &ip, &pl) != 0)
		return;
	size_t hl = (size_t)ip.ihl * 4;
	CHECK(hl == rn_ipv4_header_len(&ip));
	CHECK(pl.data == v.data + hl && pl.len <= ip.tot_len - hl && pl.len <= v.len - hl);
	CHECK(ip.payload_truncated == (pl.len < (size_t)ip.tot_len - hl));
	touch(pl);

	struct rn_view cur = rn_view_make(ip.opts, ip.opt_len);
	struct rn_ipv4_opt o;
	int rc, guard = 0;
	while ((rc = rn_ipv4_opt_next(&cur, &o)) == 1) {
		CHECK(++guard <= RN_IPV4_MAX_OPTLEN);
		touch(o.data);
	}
	CHECK(rc == 0 || rc == -RN_EBADLEN);

	uint8_t out[60];
	CHECK(rn_ipv4_emit(&ip, out, sizeof out, ip.tot_len - hl) == (int)hl);
	if (ip.checksum_status == RN_CSUM_GOOD) {
		CHECK(memcmp(out, v.data, 10) == 0 && memcmp(out + 12, v.data + 12, hl - 12) == 0);
		/* An equivalent checksum (0x0000 vs 0xffff) may differ in form. */
		CHECK(rn_inet_csum(out, hl) == 0);
	}
	ip.checksum_set = true;
	CHECK(rn_ipv4_emit(&ip, out, sizeof out, ip.tot_len - hl) == (int)hl);
	CHECK(memcmp(out, v.data, hl) == 0);
}

static void fuzz_ipv6(struct rn_view v)
{
	struct rn_ipv6 ip6;
	struct rn_view pl;
	if (rn_ipv6_parse(v, &ip6, &pl) != 0)
		return;
	CHECK(pl.data == v.data + RN_IPV6_HLEN && pl.len <= ip6.payload_len);
	uint8_t out[RN_IPV6_HLEN];
	CHECK(rn_ipv6_emit(&ip6, out, sizeof out, ip6.payload_len) == RN_IPV6_HLEN);
	CHECK(memcmp(out, v.data, RN_IPV6_HLEN) == 0);

	struct rn_ipv6_chain c;
	int rc = rn_ipv6_walk_packet(&ip6, pl, &c);
	CHECK(rc == 0 || rc == -RN_ETRUNC || rc == -RN_EBADLEN || rc == -RN_EUNSUP);
	CHECK(rc != -RN_ETRUNC || ip6.payload_truncated);
	CHECK(rc != -RN_EBADLEN || !ip6.payload_truncated);
	if (rc == 0) {
		size_t sum = 0;
		for (unsigned i = 0; i < c.n; i++) {
			CHECK(c.ext[i].body.data == pl.data + sum + 2);
			sum += c.ext[i].len;
			touch(c.ext[i].body);
		}
		CHECK(c.upper.data == pl.data + sum && c.upper.len == pl.len - sum);
		touch(c.upper);
	}
	int rc2 = rn_ipv6_walk(ip6.next_header, pl, &c);
	CHECK((rc == 0) == (rc2 == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);
	if (!p)
		return 0;
	if (size)
		memcpy(p, data, size);
	struct rn_view v = rn_view_make(p, size);

	/* As a frame... */
	struct rn_eth e;
	struct rn_view pl;
	if (rn_eth_parse(v, &e, &pl) == 0) {
		size_t hl = rn_eth_header_len(&e);
		CHECK(pl.data == p + hl && pl.len == size - hl);
		uint8_t out[RN_ETH_HLEN + 4 * RN_ETH_MAX_TAGS];
		CHECK(rn_eth_emit(&e, out, sizeof out) == (int)hl);
		CHECK(memcmp(out, p, hl) == 0);
		if (e.ethertype == RN_ETHERTYPE_ARP)
			fuzz_arp(pl);
		else if (e.ethertype == RN_ETHERTYPE_IPV4)
			fuzz_ipv4(pl);
		else if (e.ethertype == RN_ETHERTYPE_IPV6)
			fuzz_ipv6(pl);
	}
	/* ...and as a bare packet of each kind. */
	fuzz_arp(v);
	fuzz_ipv4(v);
	fuzz_ipv6(v);
	free(p);
	return 0;
}
