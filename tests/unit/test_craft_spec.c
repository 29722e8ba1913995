/* Unit tests: the `rawnet send` spec parser (every layer and field, the
 * argv form, quoting and escapes, every error message with its position)
 * and the defaults rn_craft_fill() gives unset fields. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "rawnet/craft.h"
#include "rawnet/error.h"

static int parse1(const char *s, struct rn_craft_spec *spec, struct rn_craft_error *err)
{
	const char *w[1] = { s };
	return rn_craft_parse(w, 1, spec, err);
}

static const uint8_t ip_a[4] = { 10, 77, 0, 1 }, ip_b[4] = { 10, 77, 0, 2 };

static void test_example(void **state)
{
	(void)state;
	struct rn_craft_spec s;
	struct rn_craft_error e;
	int r = parse1("eth dst=02:00:00:00:00:02 / ip dst=10.77.0.1 ttl=3 / tcp dport=80 flags=S "
		       "seq=1000 / raw \"GET / HTTP/1.1\\r\\n\\r\\n\"",
		       &s, &e);
	assert_int_equal(r, 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.layer[0].kind, RN_CRAFT_ETH);
	assert_int_equal(s.layer[0].u.eth.dst.b[5], 2);
	assert_true(rn_craft_field_is_set(&s.layer[0], "dst"));
	assert_false(rn_craft_field_is_set(&s.layer[0], "src"));
	assert_int_equal(s.layer[1].kind, RN_CRAFT_IP);
	assert_memory_equal(s.layer[1].u.ip.dst, ip_a, 4);
	assert_int_equal(s.layer[1].u.ip.ttl, 3);
	assert_int_equal(s.layer[2].kind, RN_CRAFT_TCP);
	assert_int_equal(s.layer[2].u.tcp.hdr.dport, 80);
	assert_int_equal(s.layer[2].u.tcp.hdr.flags, RN_TCP_SYN);
	assert_int_equal(s.layer[2].u.tcp.hdr.seq, 1000);
	assert_int_equal(s.layer[3].kind, RN_CRAFT_RAW);
	assert_int_equal(s.layer[3].u.raw.len, 18);
	assert_memory_equal(s.layer[3].u.raw.data, "GET / HTTP/1.1\r\n\r\n", 18);
	assert_int_equal(rn_craft_find_ip(&s), 1);
	assert_int_equal(rn_craft_find(&s, RN_CRAFT_TCP, 0), 2);
	assert_int_equal(rn_craft_find(&s, RN_CRAFT_UDP, 0), -1);
	rn_craft_free(&s);
}

/* The spec split into argv words: the word after `raw` is the text, '/' and
 * spaces included; '/' may also touch the layer words. */
static void test_argv_form(void **state)
{
	(void)state;
	const char *w[] = { "ip", "dst=10.77.0.2", "/", "tcp", "dport=8080/", "raw",
			    "GET / HTTP/1.1\\r\\n" };
	struct rn_craft_spec s;
	struct rn_craft_error e;
	assert_int_equal(rn_craft_parse(w, 7, &s, &e), 0);
	assert_int_equal(s.n, 3);
	assert_memory_equal(s.layer[0].u.ip.dst, ip_b, 4);
	assert_int_equal(s.layer[1].u.tcp.hdr.dport, 8080);
	assert_int_equal(s.layer[2].u.raw.len, 16);
	assert_memory_equal(s.layer[2].u.raw.data, "GET / HTTP/1.1\r\n", 16);
	assert_int_equal(s.layer[2].word, 5);
	rn_craft_free(&s);

	/* hex= after raw in its own word is still a field. */
	const char *w2[] = { "ip dst=10.77.0.2", "/", "raw", "hex=00ff10" };
	assert_int_equal(rn_craft_parse(w2, 4, &s, &e), 0);
	assert_int_equal(s.layer[1].u.raw.len, 3);
	assert_memory_equal(s.layer[1].u.raw.data, "\x00\xff\x10", 3);
	rn_craft_free(&s);
}

static void test_raw_forms(void **state)
{
	(void)state;
	struct rn_craft_spec s;
	struct rn_craft_error e;
	/* Double quotes take escapes, single quotes are literal, bare words are
	 * joined by a space, hex= and text= append. */
	assert_int_equal(parse1("raw \"a\\x41\\101\\0\\t\" 'x\\n' hex=0x4243 text=\"q r\" bare words",
				&s, &e), 0);
	const char want[] = "aAA\0\tx\\nBCq rbare words";
	assert_int_equal(s.layer[0].u.raw.len, sizeof want - 1);
	assert_memory_equal(s.layer[0].u.raw.data, want, sizeof want - 1);
	rn_craft_free(&s);
	/* Hex with separators. */
	assert_int_equal(parse1("raw hex=de:ad:be:ef", &s, &e), 0);
	assert_memory_equal(s.layer[0].u.raw.data, "\xde\xad\xbe\xef", 4);
	rn_craft_free(&s);
	/* An empty raw layer. */
	assert_int_equal(parse1("ip dst=1.2.3.4 / raw", &s, &e), 0);
	assert_int_equal(s.layer[1].u.raw.len, 0);
	rn_craft_free(&s);
}

static void test_every_field(void **state)
{
	(void)state;
	struct rn_craft_spec s;
	struct rn_craft_error e;
	int r = parse1("eth dst=ff:ff:ff:ff:ff:ff src=02:00:00:00:00:01 type=0x8100 / "
		       "vlan id=100 prio=5 dei=1 type=vlan / vlan id=4095 / "
		       "ip src=10.77.0.1 dst=10.77.0.2 ttl=1 tos=0xb8 id=4660 flags=DF+MF frag=100 "
		       "proto=udp len=99 ihl=6 chksum=0xdead options=94040000 version=4 / "
		       "udp sport=1 dport=65535 len=9 chksum=0",
		       &s, &e);
	assert_int_equal(r, 0);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.layer[0].u.eth.ethertype, 0x8100);
	assert_int_equal(s.layer[0].u.eth.src.b[5], 1);
	assert_int_equal(s.layer[1].u.vlan.tag.vid, 100);
	assert_int_equal(s.layer[1].u.vlan.tag.pcp, 5);
	assert_int_equal(s.layer[1].u.vlan.tag.dei, 1);
	assert_int_equal(s.layer[1].u.vlan.type, 0x8100);
	assert_int_equal(s.layer[2].u.vlan.tag.vid, 4095);
	const struct rn_ipv4 *ip = &s.layer[3].u.ip;
	assert_memory_equal(ip->src, ip_a, 4);
	assert_int_equal(ip->ttl, 1);
	assert_int_equal(ip->tos, 0xb8);
	assert_int_equal(ip->id, 4660);
	assert_true(ip->flag_df && ip->flag_mf && !ip->flag_rsv);
	assert_int_equal(ip->frag_off, 100);
	assert_int_equal(ip->proto, 17);
	assert_true(ip->tot_len_set && ip->tot_len == 99);
	assert_true(ip->ihl_set && ip->ihl == 6);
	assert_true(ip->checksum_set && ip->checksum == 0xdead);
	assert_int_equal(ip->opt_len, 4);
	assert_int_equal(ip->opts[0], 0x94);
	const struct rn_udp *u = &s.layer[4].u.udp;
	assert_int_equal(u->sport, 1);
	assert_int_equal(u->dport, 65535);
	assert_true(u->len_set && u->len == 9);
	assert_true(u->checksum_set && u->checksum == 0);
	rn_craft_free(&s);

	r = parse1("ip6 src=fd77::1 dst=fd77::2 hlim=7 tc=3 fl=0xfffff nh=tcp plen=20 version=6 / "
		   "tcp sport=1234 dport=80 seq=4294967295 ack=7 flags=SAFRPUEC+AE window=0 urgptr=9 "
		   "doff=15 chksum=0xffff mss=1460 wscale=7 sackok ts=1,2 sack=10-20,30-40",
		   &s, &e);
	assert_int_equal(r, 0);
	const struct rn_ipv6 *ip6 = &s.layer[0].u.ip6;
	assert_int_equal(ip6->src[15], 1);
	assert_int_equal(ip6->dst[0], 0xfd);
	assert_int_equal(ip6->hop_limit, 7);
	assert_int_equal(ip6->tclass, 3);
	assert_int_equal(ip6->flow, 0xfffff);
	assert_int_equal(ip6->next_header, 6);
	assert_true(ip6->payload_len_set && ip6->payload_len == 20);
	const struct rn_tcp *t = &s.layer[1].u.tcp.hdr;
	const struct rn_tcp_opts *o = &s.layer[1].u.tcp.opts;
	assert_int_equal(t->sport, 1234);
	assert_int_equal(t->seq, 4294967295u);
	assert_int_equal(t->ack, 7);
	assert_int_equal(t->flags, 0x1ff);
	assert_int_equal(t->window, 0);
	assert_int_equal(t->urg_ptr, 9);
	assert_true(t->doff_set && t->doff == 15);
	assert_true(t->checksum_set && t->checksum == 0xffff);
	assert_true(o->has_mss && o->mss == 1460);
	assert_true(o->has_wscale && o->wscale == 7);
	assert_true(o->sack_perm);
	assert_true(o->has_ts && o->ts_val == 1 && o->ts_ecr == 2);
	assert_int_equal(o->nsack, 2);
	assert_int_equal(o->sack[1].left, 30);
	assert_int_equal(o->sack[1].right, 40);
	rn_craft_free(&s);

	r = parse1("ip dst=10.0.0.1 / icmp type=redirect code=1 chksum=5 gw=10.0.0.254", &s, &e);
	assert_int_equal(r, 0);
	assert_int_equal(s.layer[1].u.icmp.type, 5);
	assert_int_equal(s.layer[1].u.icmp.code, 1);
	assert_true(s.layer[1].u.icmp.checksum_set);
	assert_int_equal(s.layer[1].u.icmp.rest, 0x0a0000fe);
	rn_craft_free(&s);
	r = parse1("icmp type=dest-unreach code=4 mtu=1280", &s, &e);
	assert_int_equal(r, 0);
	assert_int_equal(s.layer[0].u.icmp.rest, 1280);
	rn_craft_free(&s);
	r = parse1("icmp type=12 ptr=20", &s, &e);
	assert_int_equal(r, 0);
	assert_int_equal(s.layer[0].u.icmp.rest, 20u << 24);
	rn_craft_free(&s);
	r = parse1("icmp type=echo-request id=7 seq=9", &s, &e);
	assert_int_equal(r, 0);
	assert_int_equal(s.layer[0].u.icmp.id, 7);
	assert_int_equal(s.layer[0].u.icmp.seq, 9);
	rn_craft_free(&s);

	r = parse1("ip6 dst=fd77::2 / icmp6 type=neighbor-advert code=0 chksum=1 target=fd77::2 flags=SO",
		   &s, &e);
	assert_int_equal(r, 0);
	assert_int_equal(s.layer[1].u.icmp6.type, 136);
	assert_int_equal(s.layer[1].u.icmp6.target[15], 2);
	assert_int_equal(s.layer[1].u.icmp6.rest, 0x60000000u);
	rn_craft_free(&s);
	r = parse1("icmp6 type=packet-too-big mtu=1280 / raw", &s, &e);
	assert_int_equal(r, 0);
	assert_int_equal(s.layer[0].u.icmp6.rest, 1280);
	rn_craft_free(&s);
	r = parse1("icmp6 type=echo-reply id=1 seq=2", &s, &e);
	assert_int_equal(r, 0);
	assert_int_equal(s.layer[0].u.icmp6.type, 129);
	assert_int_equal(s.layer[0].u.icmp6.seq, 2);
	rn_craft_free(&s);
	r = parse1("icmp6 type=4 ptr=40", &s, &e);
	assert_int_equal(r, 0);
	assert_int_equal(s.layer[0].u.icmp6.rest, 40);
	rn_craft_free(&s);

	r = parse1("eth / arp op=is-at hwtype=1 ptype=ipv4 hwlen=6 plen=4 hwsrc=02:00:00:00:00:01 "
		   "psrc=10.77.0.1 hwdst=02:00:00:00:00:02 pdst=10.77.0.2",
		   &s, &e);
	assert_int_equal(r, 0);
	const struct rn_arp *a = &s.layer[1].u.arp;
	assert_int_equal(a->op, 2);
	assert_int_equal(a->htype, 1);
	assert_int_equal(a->ptype, 0x0800);
	assert_int_equal(a->hlen, 6);
	assert_int_equal(a->plen, 4);
	assert_int_equal(a->sha[5], 1);
	assert_int_equal(a->tha[5], 2);
	assert_memory_equal(a->spa, ip_a, 4);
	assert_memory_equal(a->tpa, ip_b, 4);
	rn_craft_free(&s);

	/* tcp opts=hex gives raw option bytes; numeric flags; aliases. */
	r = parse1("ipv4 dst=1.1.1.1 flags=0 / tcp flags=0x12 opts=0204ffff", &s, &e);
	assert_int_equal(r, 0);
	assert_int_equal(s.layer[1].u.tcp.hdr.flags, 0x12);
	assert_true(s.layer[1].u.tcp.raw_opts);
	assert_int_equal(s.layer[1].u.tcp.hdr.opt_len, 4);
	rn_craft_free(&s);
	/* Flags: "AE" alone is ACK+ECE; +AE is the AE bit; N is AE too. */
	r = parse1("tcp flags=AE / tcp flags=+AE / tcp flags=N / tcp flags=S,A", &s, &e);
	assert_int_equal(r, 0);
	assert_int_equal(s.layer[0].u.tcp.hdr.flags, RN_TCP_ACK | RN_TCP_ECE);
	assert_int_equal(s.layer[1].u.tcp.hdr.flags, RN_TCP_AE);
	assert_int_equal(s.layer[2].u.tcp.hdr.flags, RN_TCP_AE);
	assert_int_equal(s.layer[3].u.tcp.hdr.flags, RN_TCP_SYN | RN_TCP_ACK);
	rn_craft_free(&s);
}

/* Defaults of rn_craft_fill. */
static void test_defaults(void **state)
{
	(void)state;
	struct rn_craft_spec s, f;
	struct rn_craft_error e;
	struct rn_craft_env env = { .has_src4 = true, .has_src6 = true, .has_smac = true,
				    .has_dmac = true, .src4 = { 10, 77, 0, 1 },
				    .smac = { { 2, 0, 0, 0, 0, 1 } }, .dmac = { { 2, 0, 0, 0, 0, 2 } },
				    .seed = 42 };
	env.src6[0] = 0xfd;
	env.src6[15] = 1;
	assert_int_equal(parse1("eth / ip dst=10.77.0.2 / tcp", &s, &e), 0);
	assert_int_equal(rn_craft_fill(&s, &env, 0, &f), 0);
	assert_int_equal(f.layer[0].u.eth.src.b[5], 1);
	assert_int_equal(f.layer[0].u.eth.dst.b[5], 2);
	assert_int_equal(f.layer[0].u.eth.ethertype, 0x0800);
	assert_memory_equal(f.layer[1].u.ip.src, ip_a, 4);
	assert_int_equal(f.layer[1].u.ip.ttl, 64);
	assert_int_equal(f.layer[1].u.ip.proto, 6);
	assert_int_equal(f.layer[1].u.ip.version, 4);
	assert_false(f.layer[1].u.ip.tot_len_set);
	assert_false(f.layer[1].u.ip.checksum_set);
	const struct rn_tcp *t = &f.layer[2].u.tcp.hdr;
	assert_int_equal(t->dport, 80);
	assert_true(t->sport >= 1024);
	assert_int_equal(t->flags, RN_TCP_SYN);
	assert_int_equal(t->window, 64240);
	assert_int_equal(t->opt_len, 0);
	/* Random values are reproducible for a seed and index, and vary with the index. */
	struct rn_craft_spec f2, f3;
	assert_int_equal(rn_craft_fill(&s, &env, 0, &f2), 0);
	assert_int_equal(rn_craft_fill(&s, &env, 1, &f3), 0);
	assert_int_equal(f2.layer[2].u.tcp.hdr.seq, t->seq);
	assert_int_equal(f2.layer[1].u.ip.id, f.layer[1].u.ip.id);
	assert_true(f3.layer[2].u.tcp.hdr.seq != t->seq || f3.layer[2].u.tcp.hdr.sport != t->sport);
	rn_craft_free(&s);

	/* ICMP: echo request, id fixed for the run, seq = index + 1. */
	assert_int_equal(parse1("ip dst=10.77.0.2 / icmp", &s, &e), 0);
	assert_int_equal(rn_craft_fill(&s, &env, 0, &f), 0);
	assert_int_equal(rn_craft_fill(&s, &env, 4, &f2), 0);
	assert_int_equal(f.layer[0].u.ip.proto, 1);
	assert_int_equal(f.layer[1].u.icmp.type, 8);
	assert_int_equal(f.layer[1].u.icmp.seq, 1);
	assert_int_equal(f2.layer[1].u.icmp.seq, 5);
	assert_int_equal(f.layer[1].u.icmp.id, f2.layer[1].u.icmp.id);
	rn_craft_free(&s);

	/* IPv6: src from env, hlim 64, nh from the next layer (59 when none). */
	assert_int_equal(parse1("ip6 dst=fd77::2 / udp / raw x", &s, &e), 0);
	assert_int_equal(rn_craft_fill(&s, &env, 0, &f), 0);
	assert_int_equal(f.layer[0].u.ip6.src[0], 0xfd);
	assert_int_equal(f.layer[0].u.ip6.hop_limit, 64);
	assert_int_equal(f.layer[0].u.ip6.next_header, 17);
	assert_int_equal(f.layer[1].u.udp.dport, 53);
	assert_true(f.layer[1].u.udp.sport >= 1024);
	rn_craft_free(&s);
	assert_int_equal(parse1("ip6 dst=fd77::2", &s, &e), 0);
	assert_int_equal(rn_craft_fill(&s, &env, 0, &f), 0);
	assert_int_equal(f.layer[0].u.ip6.next_header, 59);
	rn_craft_free(&s);
	/* Neighbor Discovery (RFC 4861 §7.1.1): hop limit 255 unless set. */
	assert_int_equal(parse1("ip6 dst=fd77::2 / icmp6 type=135 target=fd77::2", &s, &e), 0);
	assert_int_equal(rn_craft_fill(&s, &env, 0, &f), 0);
	assert_int_equal(f.layer[0].u.ip6.hop_limit, 255);
	rn_craft_free(&s);
	assert_int_equal(parse1("ip6 dst=fd77::2 hlim=9 / icmp6 type=136", &s, &e), 0);
	assert_int_equal(rn_craft_fill(&s, &env, 0, &f), 0);
	assert_int_equal(f.layer[0].u.ip6.hop_limit, 9);
	rn_craft_free(&s);
	assert_int_equal(parse1("ip6 dst=fd77::2 / icmp6 type=128", &s, &e), 0);
	assert_int_equal(rn_craft_fill(&s, &env, 0, &f), 0);
	assert_int_equal(f.layer[0].u.ip6.hop_limit, 64);
	rn_craft_free(&s);
	assert_int_equal(parse1("ip dst=1.2.3.4 / raw x", &s, &e), 0);
	assert_int_equal(rn_craft_fill(&s, &env, 0, &f), 0);
	assert_int_equal(f.layer[0].u.ip.proto, 253);
	rn_craft_free(&s);
	assert_int_equal(parse1("ip6 dst=fd77::2 / icmp6", &s, &e), 0);
	assert_int_equal(rn_craft_fill(&s, &env, 2, &f), 0);
	assert_int_equal(f.layer[0].u.ip6.next_header, 58);
	assert_int_equal(f.layer[1].u.icmp6.type, 128);
	assert_int_equal(f.layer[1].u.icmp6.seq, 3);
	rn_craft_free(&s);

	/* ARP: eth dst broadcast for a request even with a next-hop MAC known;
	 * sender addresses from env. */
	assert_int_equal(parse1("eth / arp pdst=10.77.0.2", &s, &e), 0);
	assert_int_equal(rn_craft_fill(&s, &env, 0, &f), 0);
	assert_int_equal(f.layer[0].u.eth.dst.b[0], 0xff);
	assert_int_equal(f.layer[0].u.eth.ethertype, 0x0806);
	assert_int_equal(f.layer[1].u.arp.op, 1);
	assert_int_equal(f.layer[1].u.arp.hlen, 6);
	assert_int_equal(f.layer[1].u.arp.sha[5], 1);
	assert_memory_equal(f.layer[1].u.arp.spa, ip_a, 4);
	rn_craft_free(&s);
	/* An ARP reply goes to hwdst. */
	assert_int_equal(parse1("eth / arp op=2 hwdst=02:00:00:00:00:09", &s, &e), 0);
	assert_int_equal(rn_craft_fill(&s, &env, 0, &f), 0);
	assert_int_equal(f.layer[0].u.eth.dst.b[5], 9);
	rn_craft_free(&s);

	/* VLAN: eth type 0x8100, the tag's type from the next layer, id 1. */
	assert_int_equal(parse1("eth / vlan / ip6 dst=::1", &s, &e), 0);
	assert_int_equal(rn_craft_fill(&s, &env, 0, &f), 0);
	assert_int_equal(f.layer[0].u.eth.ethertype, 0x8100);
	assert_int_equal(f.layer[1].u.vlan.type, 0x86dd);
	assert_int_equal(f.layer[1].u.vlan.tag.vid, 1);
	rn_craft_free(&s);

	/* Without a next-hop MAC, eth dst is broadcast; without a source, zeros. */
	struct rn_craft_env bare = { .seed = 1 };
	assert_int_equal(parse1("eth / raw x", &s, &e), 0);
	assert_int_equal(rn_craft_fill(&s, &bare, 0, &f), 0);
	assert_int_equal(f.layer[0].u.eth.dst.b[3], 0xff);
	assert_int_equal(f.layer[0].u.eth.src.b[3], 0);
	assert_int_equal(f.layer[0].u.eth.ethertype, 0x88b5);
	rn_craft_free(&s);

	/* Set values are never replaced. */
	assert_int_equal(parse1("ip src=1.1.1.1 dst=2.2.2.2 ttl=0 id=0 proto=0 / tcp sport=0 seq=0 flags=0 window=0",
				&s, &e), 0);
	assert_int_equal(rn_craft_fill(&s, &env, 3, &f), 0);
	assert_int_equal(f.layer[0].u.ip.src[0], 1);
	assert_int_equal(f.layer[0].u.ip.ttl, 0);
	assert_int_equal(f.layer[0].u.ip.id, 0);
	assert_int_equal(f.layer[0].u.ip.proto, 0);
	assert_int_equal(f.layer[1].u.tcp.hdr.sport, 0);
	assert_int_equal(f.layer[1].u.tcp.hdr.seq, 0);
	assert_int_equal(f.layer[1].u.tcp.hdr.flags, 0);
	assert_int_equal(f.layer[1].u.tcp.hdr.window, 0);
	rn_craft_free(&s);
}

static void test_insert(void **state)
{
	(void)state;
	struct rn_craft_spec s;
	struct rn_craft_error e;
	assert_int_equal(parse1("ip dst=1.2.3.4 / udp", &s, &e), 0);
	assert_int_equal(rn_craft_insert(&s, 0, RN_CRAFT_ETH), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.layer[0].kind, RN_CRAFT_ETH);
	assert_int_equal(s.layer[0].set, 0);
	assert_int_equal(s.layer[1].kind, RN_CRAFT_IP);
	assert_int_equal(s.layer[2].kind, RN_CRAFT_UDP);
	assert_string_equal(rn_craft_kind_name(RN_CRAFT_ICMP6), "icmp6");
	rn_craft_free(&s);
}

/* Every error message, and the token it points at. */
struct bad {
	const char *spec;
	const char *msg;
	const char *token; /* the text at err.off, err.len in the spec */
};

static const struct bad bads[] = {
	{ "tcp dport=99999", "dport: 99999 is not a port", "dport=99999" },
	{ "udp sport=http", "sport: http is not a port", "sport=http" },
	{ "", "empty spec", NULL },
	{ "   ", "empty spec", NULL },
	{ "foo dst=1", "foo: unknown layer (eth vlan arp ip ip6 icmp icmp6 udp tcp raw)", "foo" },
	{ "ip dst=1.2.3.4 / dst=5", "dst=5: expected a layer name (eth vlan arp ip ip6 icmp icmp6 udp tcp raw)", "dst=5" },
	{ "tcp dprt=80", "tcp: no field dprt (sport dport seq ack flags window urgptr doff chksum mss wscale sackok ts sack opts)", "dprt=80" },
	{ "ip ttl=300", "ttl: 300 is out of range (0-255)", "ttl=300" },
	{ "ip ttl=abc", "ttl: abc is not a number", "ttl=abc" },
	{ "ip ttl=", "ttl: needs a value (ttl=...)", "ttl=" },
	{ "ip ttl", "ttl: needs a value (ttl=...)", "ttl" },
	{ "ip ttl=1 ttl=2", "ttl: given twice", "ttl=2" },
	{ "ip dst=10.1", "dst: 10.1 is not an IPv4 address", "dst=10.1" },
	{ "ip dst=fd77::1", "dst: fd77::1 is not an IPv4 address (use ip6 for IPv6)", "dst=fd77::1" },
	{ "ip6 src=10.0.0.1", "src: 10.0.0.1 is not an IPv6 address (use ip for IPv4)", "src=10.0.0.1" },
	{ "ip6 src=zz::q", "src: zz::q is not an IPv6 address", "src=zz::q" },
	{ "eth dst=00:11:22", "dst: 00:11:22 is not a MAC address", "dst=00:11:22" },
	{ "eth type=bogus", "type: bogus is not an ethertype", "type=bogus" },
	{ "ip proto=nope", "proto: nope is not a protocol", "proto=nope" },
	{ "icmp type=ping", "type: ping is not an ICMP type", "type=ping" },
	{ "icmp6 type=256", "type: 256 is not an ICMPv6 type", "type=256" },
	{ "arp op=ask", "op: ask is not an ARP operation", "op=ask" },
	{ "tcp flags=SX", "flags: SX is not a set of TCP flags (letters SAFRPUECN, +AE)", "flags=SX" },
	{ "ip flags=XF", "flags: XF is not a set of IP flags (DF, MF, RF)", "flags=XF" },
	{ "icmp6 flags=Q", "flags: Q is not a set of NA flags (letters RSO)", "flags=Q" },
	{ "raw hex=abc", "hex: abc is not hex (odd number of digits)", "hex=abc" },
	{ "raw hex=zz", "hex: zz is not hex", "hex=zz" },
	{ "ip options=00000000000000000000000000000000000000000000000000000000000000000000000000000000aa",
	  "options: 41 bytes, at most 40", NULL },
	{ "tcp sackok=1", "sackok: takes no value", "sackok=1" },
	{ "tcp ts=5", "ts: 5 is not val,ecr", "ts=5" },
	{ "tcp sack=1-2,3", "sack: 1-2,3 is not left-right[,left-right] (at most 4 blocks)", "sack=1-2,3" },
	{ "tcp sack=1-2,3-4,5-6,7-8,9-10", "sack: 1-2,3-4,5-6,7-8,9-10 is not left-right[,left-right] (at most 4 blocks)", NULL },
	{ "tcp opts=01 mss=5", "opts: cannot be combined with mss/wscale/sackok/ts/sack", "tcp" },
	{ "tcp mss=1 wscale=2 ts=1,2 sack=1-2,3-4,5-6", "tcp: the options take more than 40 bytes", "tcp" },
	{ "vlan id=4096", "id: 4096 is out of range (0-4095)", "id=4096" },
	{ "ip / eth", "eth: must be the first layer", "eth" },
	{ "ip / vlan", "vlan: must follow eth or vlan", "vlan" },
	{ "eth / vlan / vlan / vlan", "vlan: at most 2 tags", NULL },
	{ "ip / arp", "arp: must follow eth or vlan", "arp" },
	{ "raw x / tcp", "raw: must be the last layer", "tcp" },
	{ "ip / / tcp", "empty layer before '/'", NULL },
	{ "ip /", "empty layer after '/'", "/" },
	{ "/ ip", "empty layer before '/'", "/" },
	{ "raw \"abc", "unterminated string", "\"abc" },
	{ "raw \"a\\qb\"", "\\q: unknown escape", "\\q" },
	{ "tcp \"dport=80\"", "tcp: \"dport=80\" is not a field=value", "\"dport=80\"" },
	{ "tcp / tcp / tcp / tcp / tcp / tcp / tcp / tcp / tcp / tcp / tcp / tcp / tcp / tcp / tcp / tcp / tcp",
	  "too many layers (at most 16)", NULL },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		struct rn_craft_spec s;
		struct rn_craft_error e;
		int r = parse1(bads[i].spec, &s, &e);
		if (r != -RN_EINVAL || strcmp(e.msg, bads[i].msg)) {
			print_error("spec [%s]: got %d [%s], want [%s]\n", bads[i].spec, r, e.msg, bads[i].msg);
			fail();
		}
		if (bads[i].token) {
			size_t n = strlen(bads[i].token);
			if (e.word != 0 || e.len != n || strncmp(bads[i].spec + e.off, bads[i].token, n)) {
				print_error("spec [%s]: points at [%.*s], want [%s]\n", bads[i].spec,
					    (int)e.len, bads[i].spec + e.off, bads[i].token);
				fail();
			}
		}
		rn_craft_free(&s);
	}
	/* In the argv form the error names the word. */
	const char *w[] = { "ip", "dst=10.0.0.1", "/", "tcp", "dport=99999" };
	struct rn_craft_spec s;
	struct rn_craft_error e;
	assert_int_equal(rn_craft_parse(w, 5, &s, &e), -RN_EINVAL);
	assert_string_equal(e.msg, "dport: 99999 is not a port");
	assert_int_equal(e.word, 4);
	assert_int_equal(e.off, 0);
	assert_int_equal(e.len, 11);
	rn_craft_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_argv_form),
		cmocka_unit_test(test_raw_forms),
		cmocka_unit_test(test_every_field),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_insert),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests_name("craft_spec", tests, NULL, NULL);
}
