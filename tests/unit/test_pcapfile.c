/* Unit tests: the capture-file reader on hand-built files: pcap in both byte
 * orders and both resolutions, pcapng blocks (IDB options, EPB, SPB, OPB,
 * skipped blocks, both orders), and damage (truncation, lying lengths). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "rawnet/error.h"
#include "rawnet/pcapfile.h"

struct w {
	uint8_t b[4096];
	size_t n;
	bool be;
};

static void u8(struct w *w, uint8_t v) { w->b[w->n++] = v; }
static void u16(struct w *w, uint16_t v)
{
	if (w->be) { u8(w, (uint8_t)(v >> 8)); u8(w, (uint8_t)v); }
	else { u8(w, (uint8_t)v); u8(w, (uint8_t)(v >> 8)); }
}
static void u32(struct w *w, uint32_t v)
{
	if (w->be) { u16(w, (uint16_t)(v >> 16)); u16(w, (uint16_t)v); }
	else { u16(w, (uint16_t)v); u16(w, (uint16_t)(v >> 16)); }
}
static void bytes(struct w *w, const void *p, size_t n) { memcpy(w->b + w->n, p, n); w->n += n; }

static void pcap_hdr(struct w *w, uint32_t magic, uint32_t snaplen, uint32_t lt)
{
	u32(w, magic); u16(w, 2); u16(w, 4); u32(w, 0); u32(w, 0); u32(w, snaplen); u32(w, lt);
}

static void pcap_rec(struct w *w, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len,
		     const void *data, size_t n)
{
	u32(w, sec); u32(w, frac); u32(w, caplen); u32(w, len); bytes(w, data, n);
}

static void test_pcap_orders_and_resolutions(void **state)
{
	(void)state;
	for (int be = 0; be < 2; be++)
		for (int ns = 0; ns < 2; ns++) {
			struct w w = { .be = be };
			pcap_hdr(&w, ns ? 0xa1b23c4d : 0xa1b2c3d4, 65535, 1);
			pcap_rec(&w, 100, ns ? 123456789 : 123456, 4, 60, "abcd", 4);
			pcap_rec(&w, 101, 0, 0, 0, "", 0); /* zero lengths are fine */
			struct rn_pcap_reader *r;
			assert_int_equal(rn_pcap_open_mem(w.b, w.n, &r), 0);
			assert_int_equal(rn_pcap_linktype(r), 1);
			assert_int_equal(rn_pcap_snaplen(r), 65535);
			assert_int_equal(rn_pcap_nano(r), ns);
			struct rn_pkt p;
			assert_int_equal(rn_pcap_next(r, &p), 1);
			assert_int_equal(p.caplen, 4);
			assert_int_equal(p.len, 60);
			assert_memory_equal(p.data, "abcd", 4);
			assert_int_equal(p.ts_sec, 100);
			assert_int_equal(p.ts_nsec, ns ? 123456789 : 123456000);
			assert_int_equal(p.number, 1);
			assert_int_equal(rn_pcap_next(r, &p), 1);
			assert_int_equal(p.caplen, 0);
			assert_int_equal(rn_pcap_next(r, &p), 0);
			rn_pcap_close(r);
		}
}

static void test_pcap_damage(void **state)
{
	(void)state;
	struct w w = { 0 };
	pcap_hdr(&w, 0xa1b2c3d4, 100, 1);
	pcap_rec(&w, 1, 0, 4, 4, "abcd", 4);
	pcap_rec(&w, 2, 0, 8, 8, "abcd", 4); /* says 8, file ends after 4 */
	struct rn_pcap_reader *r;
	struct rn_pkt p;
	assert_int_equal(rn_pcap_open_mem(w.b, w.n, &r), 0);
	assert_int_equal(rn_pcap_next(r, &p), 1);
	assert_int_equal(rn_pcap_next(r, &p), -RN_EFORMAT);
	assert_int_equal(rn_pcap_offset(r), 24 + 16 + 4);
	assert_string_equal(rn_pcap_error(r),
			    "truncated dump file; tried to read 8 captured bytes, only got 4");
	assert_int_equal(rn_pcap_next(r, &p), -RN_EFORMAT); /* stays failed */
	rn_pcap_close(r);

	/* a huge caplen is damage, not an allocation */
	w.n = 0;
	pcap_hdr(&w, 0xa1b2c3d4, 100, 1);
	pcap_rec(&w, 1, 0, 0x7fffffff, 4, "abcd", 4);
	assert_int_equal(rn_pcap_open_mem(w.b, w.n, &r), 0);
	assert_int_equal(rn_pcap_next(r, &p), -RN_EFORMAT);
	assert_int_equal(rn_pcap_offset(r), 24);
	rn_pcap_close(r);

	/* caplen over the snaplen (but plausible): cut to the snaplen, as libpcap */
	w.n = 0;
	pcap_hdr(&w, 0xa1b2c3d4, 2, 1);
	pcap_rec(&w, 1, 0, 4, 4, "abcd", 4);
	pcap_rec(&w, 1, 0, 1, 1, "e", 1);
	assert_int_equal(rn_pcap_open_mem(w.b, w.n, &r), 0);
	assert_int_equal(rn_pcap_next(r, &p), 1);
	assert_int_equal(p.caplen, 2);
	assert_int_equal(rn_pcap_next(r, &p), 1);
	assert_memory_equal(p.data, "e", 1);
	rn_pcap_close(r);

	/* bad headers, in libpcap's words */
	w.n = 0;
	u32(&w, 0xa1b2c3d4); u16(&w, 2); u16(&w, 5); u32(&w, 0); u32(&w, 0); u32(&w, 9); u32(&w, 1);
	assert_int_equal(rn_pcap_open_mem(w.b, w.n, &r), -RN_EFORMAT);
	assert_string_equal(rn_pcap_error(r), "unsupported pcap savefile version 2.5");
	rn_pcap_close(r);
	w.n = 0;
	pcap_hdr(&w, 0xa1b2c3d4, 9, 0x00300001);
	assert_int_equal(rn_pcap_open_mem(w.b, w.n, &r), -RN_EFORMAT);
	assert_string_equal(rn_pcap_error(r),
			    "savefile linktype reserved field not zero (0x00300000)");
	rn_pcap_close(r);
	assert_int_equal(rn_pcap_open_mem("xx", 2, &r), -RN_EFORMAT);
	rn_pcap_close(r);
}

static void ng_shb(struct w *w)
{
	u32(w, 0x0a0d0d0a); u32(w, 28); u32(w, 0x1a2b3c4d); u16(w, 1); u16(w, 0);
	u32(w, 0xffffffff); u32(w, 0xffffffff); u32(w, 28);
}

static void ng_idb(struct w *w, uint16_t lt, uint8_t tsresol)
{
	u32(w, 1); u32(w, 32); u16(w, lt); u16(w, 0); u32(w, 262144);
	u16(w, 9); u16(w, 1); u8(w, tsresol); u8(w, 0); u8(w, 0); u8(w, 0); /* if_tsresol */
	u16(w, 0); u16(w, 0); /* opt_endofopt */
	u32(w, 32);
}

static void test_pcapng(void **state)
{
	(void)state;
	for (int be = 0; be < 2; be++) {
		struct w w = { .be = be };
		ng_shb(&w);
		ng_idb(&w, 1, 6);
		ng_idb(&w, 101, 9);
		/* an unknown block (custom, 0x0bad) is skipped */
		u32(&w, 0x0bad); u32(&w, 16); u32(&w, 0); u32(&w, 16);
		/* EPB on interface 1: ts = 1.5 s in ns */
		uint64_t ts = 1500000000ull;
		u32(&w, 6); u32(&w, 36); u32(&w, 1); u32(&w, (uint32_t)(ts >> 32)); u32(&w, (uint32_t)ts);
		u32(&w, 3); u32(&w, 3); bytes(&w, "xyz\0", 4); u32(&w, 36);
		/* SPB (interface 0): original length 5, 5 bytes + padding */
		u32(&w, 3); u32(&w, 24); u32(&w, 5); bytes(&w, "hello\0\0\0", 8); u32(&w, 24);
		/* OPB on interface 0, ts 2.000001 s in us */
		ts = 2000001;
		u32(&w, 2); u32(&w, 36); u16(&w, 0); u16(&w, 0); u32(&w, (uint32_t)(ts >> 32));
		u32(&w, (uint32_t)ts); u32(&w, 2); u32(&w, 2); bytes(&w, "ok\0\0", 4); u32(&w, 36);
		struct rn_pcap_reader *r;
		struct rn_pkt p;
		assert_int_equal(rn_pcap_open_mem(w.b, w.n, &r), 0);
		assert_int_equal(rn_pcap_format(r), RN_PCAP_NG);
		assert_int_equal(rn_pcap_linktype(r), 1);
		assert_int_equal(rn_pcap_next(r, &p), 1);
		assert_int_equal(p.linktype, 101);
		assert_int_equal(p.ts_sec, 1);
		assert_int_equal(p.ts_nsec, 500000000);
		assert_memory_equal(p.data, "xyz", 3);
		assert_int_equal(rn_pcap_next(r, &p), 1);
		assert_int_equal(p.linktype, 1);
		assert_int_equal(p.caplen, 5);
		assert_memory_equal(p.data, "hello", 5);
		assert_int_equal(rn_pcap_next(r, &p), 1);
		assert_int_equal(p.ts_sec, 2);
		assert_int_equal(p.ts_nsec, 1000);
		assert_memory_equal(p.data, "ok", 2);
		assert_int_equal(rn_pcap_next(r, &p), 0);
		rn_pcap_close(r);

		/* damage: a block whose trailer disagrees */
		w.n = 0;
		ng_shb(&w);
		ng_idb(&w, 1, 6);
		size_t bad = w.n;
		u32(&w, 6); u32(&w, 36); u32(&w, 0); u32(&w, 0); u32(&w, 0);
		u32(&w, 3); u32(&w, 3); bytes(&w, "xyz\0", 4); u32(&w, 40);
		assert_int_equal(rn_pcap_open_mem(w.b, w.n, &r), 0);
		assert_int_equal(rn_pcap_next(r, &p), -RN_EFORMAT);
		assert_int_equal(rn_pcap_offset(r), bad);
		assert_string_equal(rn_pcap_error(r),
				    "block total length in header 36 and trailer 40 don't match");
		rn_pcap_close(r);
	}
}

/* fuzz_pcap: an if_tsoffset near INT64_MAX overflowed the seconds (signed);
 * like libpcap the sum wraps. */
static void test_pcapng_tsoffset_wraps(void **state)
{
	(void)state;
	struct w w = { 0 };
	ng_shb(&w);
	u32(&w, 1); u32(&w, 36); u16(&w, 1); u16(&w, 0); u32(&w, 262144);
	u16(&w, 14); u16(&w, 8); u32(&w, 0xffffffff); u32(&w, 0x7fffffff); /* if_tsoffset */
	u16(&w, 0); u16(&w, 0);
	u32(&w, 36);
	u32(&w, 6); u32(&w, 32); u32(&w, 0); u32(&w, 0); u32(&w, 2000000); /* 2 s */
	u32(&w, 0); u32(&w, 0); u32(&w, 32);
	struct rn_pcap_reader *r;
	struct rn_pkt p;
	assert_int_equal(rn_pcap_open_mem(w.b, w.n, &r), 0);
	assert_int_equal(rn_pcap_next(r, &p), 1);
	assert_true(p.ts_sec == INT64_MIN + 1);
	assert_int_equal(rn_pcap_next(r, &p), 0);
	rn_pcap_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_orders_and_resolutions),
		cmocka_unit_test(test_pcap_damage),
		cmocka_unit_test(test_pcapng),
		cmocka_unit_test(test_pcapng_tsoffset_wraps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
