/* Unit tests: reply matching (rn_craft_answers), scapy's answers() rules:
 * TCP ports and seq/ack, UDP ports, ICMP/ICMPv6 id/seq, ARP, NS/NA, and
 * ICMP errors that quote the probe. Probes and replies are built with the
 * crafting code itself. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "rawnet/craft.h"
#include "rawnet/error.h"

struct pkt {
	uint8_t b[512];
	size_t n;
	uint16_t type;
};

static struct pkt mk(const char *spec)
{
	static const struct rn_craft_env env = { .seed = 3 };
	struct pkt p = { .n = 0 };
	struct rn_craft_spec s;
	struct rn_craft_error e;
	const char *w[1] = { spec };
	if (rn_craft_parse(w, 1, &s, &e) < 0) {
		print_error("parse [%s]: %s\n", spec, e.msg);
		fail();
	}
	struct rn_craft_built b;
	int n = rn_craft_build(&s, &env, 0, p.b, sizeof p.b, &b);
	switch (s.layer[0].kind) {
	case RN_CRAFT_IP: p.type = RN_ETHERTYPE_IPV4; break;
	case RN_CRAFT_IP6: p.type = RN_ETHERTYPE_IPV6; break;
	default: p.type = RN_ETHERTYPE_ARP; break;
	}
	rn_craft_free(&s);
	assert_true(n > 0);
	p.n = (size_t)n;
	return p;
}

static bool answers(const char *probe, const char *reply)
{
	struct pkt p = mk(probe), r = mk(reply);
	return rn_craft_answers(p.type, rn_view_make(p.b, p.n), r.type, rn_view_make(r.b, r.n));
}

#define A "src=10.77.0.1 dst=10.77.0.2"
#define B "src=10.77.0.2 dst=10.77.0.1"
#define A6 "src=fd77::1 dst=fd77::2"
#define B6 "src=fd77::2 dst=fd77::1"

static void test_tcp(void **state)
{
	(void)state;
	const char *syn = "ip " A " / tcp sport=40000 dport=80 seq=1000 flags=S";
	assert_true(answers(syn, "ip " B " / tcp sport=80 dport=40000 seq=77 ack=1001 flags=SA"));
	/* RST+ACK from a closed port. */
	assert_true(answers(syn, "ip " B " / tcp sport=80 dport=40000 seq=0 ack=1001 flags=RA"));
	/* A bare RST answers whatever its ack. */
	assert_true(answers(syn, "ip " B " / tcp sport=80 dport=40000 seq=0 ack=0 flags=R"));
	/* Wrong ack, wrong ports, wrong addresses, same direction: no. */
	assert_false(answers(syn, "ip " B " / tcp sport=80 dport=40000 seq=77 ack=5000 flags=SA"));
	assert_false(answers(syn, "ip " B " / tcp sport=81 dport=40000 seq=77 ack=1001 flags=SA"));
	assert_false(answers(syn, "ip " B " / tcp sport=80 dport=40001 seq=77 ack=1001 flags=SA"));
	assert_false(answers(syn, "ip src=10.77.0.3 dst=10.77.0.1 / tcp sport=80 dport=40000 ack=1001 flags=SA"));
	assert_false(answers(syn, syn));
	/* Not a bare SYN: the reply's seq must be near the probe's ack. */
	const char *data = "ip " A " / tcp sport=40000 dport=80 seq=1000 ack=500 flags=PA / raw hello";
	assert_true(answers(data, "ip " B " / tcp sport=80 dport=40000 seq=500 ack=1005 flags=A"));
	assert_false(answers(data, "ip " B " / tcp sport=80 dport=40000 seq=900 ack=1005 flags=A"));
	/* Sequence wrap-around. */
	assert_true(answers("ip " A " / tcp sport=1 dport=2 seq=4294967295 flags=S",
			    "ip " B " / tcp sport=2 dport=1 seq=9 ack=0 flags=SA"));
	/* Over IPv6. */
	assert_true(answers("ip6 " A6 " / tcp sport=40000 dport=80 seq=1 flags=S",
			    "ip6 " B6 " / tcp sport=80 dport=40000 seq=9 ack=2 flags=SA"));
	assert_false(answers("ip6 " A6 " / tcp sport=40000 dport=80 seq=1 flags=S",
			     "ip " B " / tcp sport=80 dport=40000 seq=9 ack=2 flags=SA"));
}

static void test_udp_icmp(void **state)
{
	(void)state;
	const char *udp = "ip " A " / udp sport=5000 dport=53 / raw q";
	assert_true(answers(udp, "ip " B " / udp sport=53 dport=5000 / raw answer"));
	assert_false(answers(udp, "ip " B " / udp sport=53 dport=5001"));
	assert_false(answers(udp, "ip " B " / tcp sport=53 dport=5000 flags=R"));

	const char *echo = "ip " A " / icmp id=7 seq=3 / raw ping";
	assert_true(answers(echo, "ip " B " / icmp type=echo-reply id=7 seq=3 / raw ping"));
	assert_false(answers(echo, "ip " B " / icmp type=echo-reply id=7 seq=4"));
	assert_false(answers(echo, "ip " B " / icmp type=echo-reply id=8 seq=3"));
	assert_false(answers(echo, "ip " B " / icmp type=echo-request id=7 seq=3"));
	assert_true(answers("ip " A " / icmp type=13 id=1 seq=1", "ip " B " / icmp type=14 id=1 seq=1"));

	const char *echo6 = "ip6 " A6 " / icmp6 id=7 seq=3";
	assert_true(answers(echo6, "ip6 " B6 " / icmp6 type=echo-reply id=7 seq=3"));
	assert_false(answers(echo6, "ip6 " B6 " / icmp6 type=echo-reply id=7 seq=2"));
}

/* ICMP errors from a router (another source address) quoting the probe. */
static void test_icmp_errors(void **state)
{
	(void)state;
	const char *udp = "ip " A " / udp sport=5000 dport=33434";
	assert_true(answers(udp, "ip src=10.77.0.2 dst=10.77.0.1 / icmp type=3 code=3 / ip " A
				 " / udp sport=5000 dport=33434"));
	assert_true(answers(udp, "ip src=10.1.1.1 dst=10.77.0.1 / icmp type=time-exceeded / ip " A
				 " ttl=1 / udp sport=5000 dport=33434"));
	assert_false(answers(udp, "ip src=10.1.1.1 dst=10.77.0.1 / icmp type=11 / ip " A
				  " / udp sport=5000 dport=33435"));
	assert_false(answers(udp, "ip src=10.1.1.1 dst=10.77.0.1 / icmp type=11 / ip src=10.77.0.1 "
				  "dst=10.77.0.9 / udp sport=5000 dport=33434"));
	/* A quote of only 8 bytes of TCP: ports and seq compared. */
	const char *syn = "ip " A " / tcp sport=40000 dport=80 seq=1000 flags=S";
	assert_true(answers(syn, "ip src=10.1.1.1 dst=10.77.0.1 / icmp type=11 / ip " A
				 " proto=tcp / raw hex=9c400050000003e8"));
	assert_false(answers(syn, "ip src=10.1.1.1 dst=10.77.0.1 / icmp type=11 / ip " A
				  " proto=tcp / raw hex=9c400050000003e9"));
	/* ICMP echo quoted. */
	assert_true(answers("ip " A " / icmp id=9 seq=1",
			    "ip src=10.1.1.1 dst=10.77.0.1 / icmp type=11 / ip " A " / icmp id=9 seq=1"));
	assert_false(answers("ip " A " / icmp id=9 seq=1",
			     "ip src=10.1.1.1 dst=10.77.0.1 / icmp type=11 / ip " A " / icmp id=9 seq=2"));
	/* ICMPv6 errors. */
	assert_true(answers("ip6 " A6 " / udp sport=1 dport=2",
			    "ip6 src=fd77::99 dst=fd77::1 / icmp6 type=dest-unreach code=4 / ip6 " A6
			    " / udp sport=1 dport=2"));
	assert_true(answers("ip6 " A6 " / tcp sport=1 dport=2 seq=5",
			    "ip6 src=fd77::99 dst=fd77::1 / icmp6 type=time-exceeded / ip6 " A6
			    " / tcp sport=1 dport=2 seq=5"));
	assert_false(answers("ip6 " A6 " / tcp sport=1 dport=2 seq=5",
			     "ip6 src=fd77::99 dst=fd77::1 / icmp6 type=time-exceeded / ip6 " A6
			     " / tcp sport=1 dport=2 seq=6"));
	/* An error sent to someone else does not answer. */
	assert_false(answers(udp, "ip src=10.77.0.2 dst=10.77.0.5 / icmp type=3 code=3 / ip " A
				  " / udp sport=5000 dport=33434"));
}

static void test_arp_nd(void **state)
{
	(void)state;
	const char *req = "arp psrc=10.77.0.1 pdst=10.77.0.2 hwsrc=02:00:00:00:00:01";
	assert_true(answers(req, "arp op=is-at psrc=10.77.0.2 pdst=10.77.0.1 hwsrc=02:00:00:00:00:02"));
	assert_false(answers(req, "arp op=is-at psrc=10.77.0.3 pdst=10.77.0.1"));
	assert_false(answers(req, "arp op=who-has psrc=10.77.0.2 pdst=10.77.0.1"));
	assert_false(answers(req, "ip " B " / icmp"));
	/* NS to the solicited-node multicast address, NA from the target. */
	const char *ns = "ip6 src=fd77::1 dst=ff02::1:ff00:2 hlim=255 / icmp6 type=135 target=fd77::2";
	assert_true(answers(ns, "ip6 " B6 " hlim=255 / icmp6 type=136 target=fd77::2 flags=SO"));
	assert_false(answers(ns, "ip6 " B6 " hlim=255 / icmp6 type=136 target=fd77::3 flags=SO"));
	/* Garbage does not answer and does not crash. */
	uint8_t junk[3] = { 0x45, 0, 0 };
	assert_false(rn_craft_answers(RN_ETHERTYPE_IPV4, rn_view_make(junk, 3), RN_ETHERTYPE_IPV4,
				      rn_view_make(junk, 3)));
	assert_false(rn_craft_answers(0x88b5, rn_view_make(junk, 3), 0x88b5, rn_view_make(junk, 3)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_udp_icmp),
		cmocka_unit_test(test_icmp_errors),
		cmocka_unit_test(test_arp_nd),
	};
	return cmocka_run_group_tests_name("craft_match", tests, NULL, NULL);
}
