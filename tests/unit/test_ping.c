/* Unit tests: ping bookkeeping (rawnet/ping.h) against numbers iputils ping
 * printed for the same round trips, duplicates, wrap-around, payload matching
 * and the error texts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rawnet/ping.h"

static struct rn_ping_stats *new_stats(void)
{
	struct rn_ping_stats *st = malloc(sizeof(*st));
	assert_non_null(st);
	rn_ping_stats_init(st);
	return st;
}

static void summary_ms(const struct rn_ping_summary *s, char *out, size_t cap)
{
	char a[32], b[32], c[32], d[32];
	rn_ping_format_ms(s->min_us, a, sizeof a);
	rn_ping_format_ms(s->avg_us, b, sizeof b);
	rn_ping_format_ms(s->max_us, c, sizeof c);
	rn_ping_format_ms(s->mdev_us, d, sizeof d);
	snprintf(out, cap, "%s/%s/%s/%s", a, b, c, d);
}

/* iputils printed "rtt min/avg/max/mdev = 0.050/0.088/0.165/0.053 ms" for
 * replies of 0.165, 0.050 and 0.051 ms, and 0.069/0.072/0.076/0.003 for two. */
static void test_rtt_summary_matches_iputils(void **state)
{
	(void)state;
	struct rn_ping_stats *st = new_stats();
	const int64_t rtts[] = { 165, 50, 51 };
	for (int i = 0; i < 3; i++) {
		uint16_t seq = rn_ping_sent(st);
		assert_int_equal(seq, i + 1);
		assert_int_equal(rn_ping_reply(st, seq, rtts[i], false), RN_PING_NEW);
	}
	struct rn_ping_summary s;
	char line[128];
	rn_ping_summarize(st, &s);
	assert_true(s.have_rtt);
	summary_ms(&s, line, sizeof line);
	assert_string_equal(line, "0.050/0.088/0.165/0.053");
	assert_int_equal(s.received, 3);
	assert_true(s.loss_pct == 0);

	rn_ping_stats_init(st);
	rn_ping_reply(st, rn_ping_sent(st), 76, false);
	rn_ping_reply(st, rn_ping_sent(st), 69, false);
	rn_ping_summarize(st, &s);
	summary_ms(&s, line, sizeof line);
	assert_string_equal(line, "0.069/0.072/0.076/0.003");
	free(st);
}

static void test_loss_duplicates_corrupt_errors(void **state)
{
	(void)state;
	struct rn_ping_stats *st = new_stats();
	uint16_t s1 = rn_ping_sent(st), s2 = rn_ping_sent(st), s3 = rn_ping_sent(st);
	assert_int_equal(rn_ping_in_flight(st), 3);
	assert_int_equal(rn_ping_reply(st, s1, 100, false), RN_PING_NEW);
	assert_int_equal(rn_ping_reply(st, s1, 300, false), RN_PING_DUP);
	assert_int_equal(rn_ping_reply(st, s2, 50, true), RN_PING_CORRUPT);
	assert_false(rn_ping_answered(st, s2));
	rn_ping_error(st, s3, true);
	struct rn_ping_summary s;
	rn_ping_summarize(st, &s);
	assert_int_equal(s.transmitted, 3);
	assert_int_equal(s.received, 1);
	assert_int_equal(s.duplicates, 1);
	assert_int_equal(s.corrupted, 1);
	assert_int_equal(s.errors, 1);
	/* iputils prints the loss with %g of a float: 2 of 3 lost. */
	char loss[32];
	snprintf(loss, sizeof loss, "%g", s.loss_pct);
	assert_string_equal(loss, "66.6667");
	/* Duplicates count in the average (as iputils), corrupted replies do not. */
	assert_int_equal(s.avg_us, 200);
	assert_int_equal(s.min_us, 100);
	assert_int_equal(s.max_us, 300);
	/* The error for seq 3 acknowledged it: it was 1 behind the newest, seq 1 was 3. */
	assert_int_equal(s.pipesize, 3);
	assert_int_equal(rn_ping_in_flight(st), 0);

	/* An error recorded without acknowledging (iputils' IPv6 way). */
	rn_ping_stats_init(st);
	rn_ping_sent(st);
	rn_ping_sent(st);
	rn_ping_error(st, 1, false);
	rn_ping_summarize(st, &s);
	assert_int_equal(s.errors, 1);
	assert_int_equal(s.pipesize, 0);
	assert_int_equal(rn_ping_in_flight(st), 2);
	free(st);
}

static void test_no_replies(void **state)
{
	(void)state;
	struct rn_ping_stats *st = new_stats();
	rn_ping_sent(st);
	rn_ping_sent(st);
	struct rn_ping_summary s;
	rn_ping_summarize(st, &s);
	assert_false(s.have_rtt);
	assert_true(s.loss_pct == 100);
	/* A reply with no measured time (payload too short) counts but is not timed. */
	rn_ping_reply(st, 1, -1, false);
	rn_ping_summarize(st, &s);
	assert_int_equal(s.received, 1);
	assert_false(s.have_rtt);
	free(st);
}

/* Sequence numbers wrap at 2^16; sending a number again forgets its old reply. */
static void test_wraparound(void **state)
{
	(void)state;
	struct rn_ping_stats *st = new_stats();
	for (int i = 0; i < 65535; i++)
		rn_ping_reply(st, rn_ping_sent(st), 10, false);
	uint16_t seq = rn_ping_sent(st); /* the 65536th */
	assert_int_equal(seq, 0);
	seq = rn_ping_sent(st);
	assert_int_equal(seq, 1);
	assert_false(rn_ping_answered(st, 1));
	assert_int_equal(rn_ping_reply(st, 1, 10, false), RN_PING_NEW);
	assert_int_equal(rn_ping_reply(st, 1, 10, false), RN_PING_DUP);
	assert_int_equal(st->received, 65536);
	/* In flight counts past the newest answer (as iputils): seq 0 is just lost. */
	assert_int_equal(rn_ping_in_flight(st), 0);
	free(st);
}

static void test_format_rtt(void **state)
{
	(void)state;
	static const struct { int64_t us; const char *s; } v[] = {
		{ 0, "0.000" }, { 45, "0.045" }, { 999, "0.999" }, { 1000, "1.00" },
		{ 1234, "1.23" }, { 1235, "1.24" }, { 9994, "9.99" }, { 9995, "10.0" },
		{ 12345, "12.3" }, { 99949, "99.9" }, { 99950, "100" }, { 123456, "123" },
	};
	char buf[32];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		rn_ping_format_rtt(v[i].us, buf, sizeof buf);
		assert_string_equal(buf, v[i].s);
	}
	rn_ping_format_ms(12345, buf, sizeof buf);
	assert_string_equal(buf, "12.345");
}

static void test_payload(void **state)
{
	(void)state;
	const uint8_t cookie[RN_PING_COOKIE_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t sent[56], got[56];
	rn_ping_fill(sent, sizeof sent, NULL, 0, cookie);
	assert_int_equal(sent[0], 0);
	assert_int_equal(sent[15], 15);
	assert_memory_equal(sent + 16, cookie, 8);
	assert_int_equal(sent[24], 24);
	rn_ping_put_stamp(sent, sizeof sent, 1700000000, 123);
	memcpy(got, sent, sizeof got);
	long diff;
	/* The stamp area may differ (it is per packet). */
	got[3] ^= 0xff;
	assert_true(rn_ping_payload_ours(sent, 56, got, 56, true, &diff));
	assert_int_equal(diff, -1);
	/* Another run's cookie: not ours. */
	got[17] ^= 1;
	assert_false(rn_ping_payload_ours(sent, 56, got, 56, true, &diff));
	got[17] ^= 1;
	/* Our cookie but a changed byte later: ours, with the byte reported. */
	got[40] ^= 0x80;
	assert_true(rn_ping_payload_ours(sent, 56, got, 56, true, &diff));
	assert_int_equal(diff, 40);
	/* Cut before the cookie: cannot be told apart, so not ours. */
	assert_false(rn_ping_payload_ours(sent, 56, got, 20, true, &diff));

	/* A pattern repeats over the payload, the cookie still after the stamp. */
	const uint8_t pat[2] = { 0xab, 0x12 };
	rn_ping_fill(sent, sizeof sent, pat, 2, cookie);
	assert_int_equal(sent[0], 0xab);
	assert_int_equal(sent[1], 0x12);
	assert_int_equal(sent[55], 0x12);
	assert_memory_equal(sent + 16, cookie, 8);

	/* --data: exact bytes, no stamp, whole payload compared. */
	const char *text = "Hello world!";
	assert_true(rn_ping_payload_ours((const uint8_t *)text, 12, (const uint8_t *)text, 12,
					 false, &diff));
	assert_false(rn_ping_payload_ours((const uint8_t *)text, 12,
					  (const uint8_t *)"Hello world?", 12, false, &diff));
	assert_false(rn_ping_payload_ours((const uint8_t *)text, 12, (const uint8_t *)text, 11,
					  false, &diff));
	/* Small payloads (no room for a stamp) are filled 0, 1, 2 ... */
	uint8_t small[4];
	rn_ping_fill(small, 4, NULL, 0, cookie);
	assert_int_equal(small[3], 3);
}

static void test_error_text(void **state)
{
	(void)state;
	char b[128];
	rn_ping_error_text(AF_INET, 11, 0, 0, b, sizeof b);
	assert_string_equal(b, "Time to live exceeded");
	rn_ping_error_text(AF_INET, 3, 1, 0, b, sizeof b);
	assert_string_equal(b, "Destination Host Unreachable");
	rn_ping_error_text(AF_INET, 3, 4, 1400, b, sizeof b);
	assert_string_equal(b, "Frag needed and DF set (mtu = 1400)");
	rn_ping_error_text(AF_INET, 3, 13, 0, b, sizeof b);
	assert_string_equal(b, "Packet filtered");
	rn_ping_error_text(AF_INET, 3, 99, 0, b, sizeof b);
	assert_string_equal(b, "Dest Unreachable, Bad Code: 99");
	rn_ping_error_text(AF_INET6, 3, 0, 0, b, sizeof b);
	assert_string_equal(b, "Time exceeded: Hop limit");
	rn_ping_error_text(AF_INET6, 1, 3, 0, b, sizeof b);
	assert_string_equal(b, "Destination unreachable: Address unreachable");
	rn_ping_error_text(AF_INET6, 1, 0, 0, b, sizeof b);
	assert_string_equal(b, "Destination unreachable: No route");
	rn_ping_error_text(AF_INET6, 2, 0, 1280, b, sizeof b);
	assert_string_equal(b, "Packet too big: mtu=1280");
	rn_ping_error_text(AF_INET6, 4, 1, 40, b, sizeof b);
	assert_string_equal(b, "Parameter problem: Unknown header at 40");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtt_summary_matches_iputils),
		cmocka_unit_test(test_loss_duplicates_corrupt_errors),
		cmocka_unit_test(test_no_replies),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_format_rtt),
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_error_text),
	};
	return cmocka_run_group_tests_name("ping", tests, NULL, NULL);
}
