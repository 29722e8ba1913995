/* Unit tests: the pcap and pcapng writers (src/io/pcapwrite.c). Files are
 * checked byte by byte against the formats and read back with libpcap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rawnet/error.h"
#include "rawnet/pcapwrite.h"
#include "rawnet/print.h"

static char path[64];

static int make_path(void **state)
{
	(void)state;
	strcpy(path, "/tmp/rn-pcapw-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int remove_path(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static uint8_t *slurp(size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static uint8_t buf[1 << 21];
	*len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return buf;
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed * 31 + i * 7);
}

static void test_pcap_usec_bytes(void **state)
{
	(void)state;
	struct rn_pcapw_opts o = { .format = RN_PCAPW_USEC, .linktype = RN_LINK_ETHERNET, .snaplen = 100 };
	struct rn_pcapw *w;
	assert_int_equal(rn_pcapw_open(path, &o, &w), 0);
	uint8_t pkt[150];
	fill(pkt, sizeof pkt, 1);
	assert_int_equal(rn_pcapw_write(w, 1700000000, 123456789, pkt, 60, 60), 0);
	assert_int_equal(rn_pcapw_write(w, 1700000001, 999999999, pkt, 150, 1500), 0); /* cut to 100 */
	assert_int_equal(rn_pcapw_count(w), 2);
	assert_int_equal(rn_pcapw_size(w), 24 + 16 + 60 + 16 + 100);
	assert_int_equal(rn_pcapw_close(w), 0);
	size_t n;
	const uint8_t *f = slurp(&n);
	assert_int_equal(n, 24 + 16 + 60 + 16 + 100);
	const uint8_t hdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				  100, 0, 0, 0, 1, 0, 0, 0 };
	assert_memory_equal(f, hdr, 24);
	assert_int_equal(get32(f + 24), 1700000000);
	assert_int_equal(get32(f + 28), 123456);  /* µs, truncated */
	assert_int_equal(get32(f + 32), 60);
	assert_int_equal(get32(f + 36), 60);
	assert_memory_equal(f + 40, pkt, 60);
	assert_int_equal(get32(f + 100 + 4), 999999);
	assert_int_equal(get32(f + 100 + 8), 100);
	assert_int_equal(get32(f + 100 + 12), 1500);
	assert_memory_equal(f + 116, pkt, 100);
}

/* Reads path back with libpcap (nanosecond precision) and compares. */
static void check_with_libpcap(int linktype, unsigned count, const uint32_t *caplens,
			       const uint32_t *lens, unsigned seed0, int64_t sec0, uint32_t nsec_step,
			       bool usec)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc)
		fail_msg("libpcap: %s", errbuf);
	assert_int_equal(pcap_datalink(pc), linktype);
	struct pcap_pkthdr *h;
	const u_char *d;
	uint8_t want[70000];
	for (unsigned i = 0; i < count; i++) {
		assert_int_equal(pcap_next_ex(pc, &h, &d), 1);
		uint32_t ns = (uint32_t)(i * nsec_step % 1000000000u);
		if (usec)
			ns = ns / 1000 * 1000;
		assert_int_equal(h->ts.tv_sec, sec0 + i);
		assert_int_equal(h->ts.tv_usec, ns); /* nanoseconds with this precision */
		assert_int_equal(h->caplen, caplens[i]);
		assert_int_equal(h->len, lens[i]);
		fill(want, caplens[i], seed0 + i);
		assert_memory_equal(d, want, caplens[i]);
	}
	assert_int_equal(pcap_next_ex(pc, &h, &d), PCAP_ERROR_BREAK);
	pcap_close(pc);
}

static void write_series(enum rn_pcapw_format fmt, int linktype, unsigned count, uint32_t *caplens,
			 uint32_t *lens)
{
	struct rn_pcapw_opts o = { .format = fmt, .linktype = linktype, .ifname = "veth0",
				   .ifdescr = "a test" };
	struct rn_pcapw *w;
	assert_int_equal(rn_pcapw_open(path, &o, &w), 0);
	static uint8_t pkt[70000];
	for (unsigned i = 0; i < count; i++) {
		/* every length mod 4, and records larger than the write buffer */
		caplens[i] = i % 50 == 49 ? 65535 + i % 3 : 1 + (i * 13) % 1600;
		lens[i] = caplens[i] + (i % 3 ? 0 : 10);
		fill(pkt, caplens[i], 5 + i);
		assert_int_equal(rn_pcapw_write(w, 1600000000 + i, (uint32_t)(i * 123456789u % 1000000000u),
						pkt, caplens[i], lens[i]), 0);
	}
	rn_pcapw_set_stats(w, 1234, 56, 1600000000 + count, 0);
	assert_int_equal(rn_pcapw_close(w), 0);
}

static void test_pcap_read_back(void **state)
{
	(void)state;
	uint32_t caplens[300], lens[300];
	write_series(RN_PCAPW_USEC, RN_LINK_ETHERNET, 300, caplens, lens);
	check_with_libpcap(DLT_EN10MB, 300, caplens, lens, 5, 1600000000, 123456789, true);
	write_series(RN_PCAPW_NSEC, RN_LINK_LINUX_SLL, 300, caplens, lens);
	check_with_libpcap(DLT_LINUX_SLL, 300, caplens, lens, 5, 1600000000, 123456789, false);
}

static void test_pcapng_read_back(void **state)
{
	(void)state;
	uint32_t caplens[300], lens[300];
	write_series(RN_PCAPW_NG, RN_LINK_ETHERNET, 300, caplens, lens);
	check_with_libpcap(DLT_EN10MB, 300, caplens, lens, 5, 1600000000, 123456789, false);
}

/* The pcapng blocks one by one: SHB, IDB (if_name, if_tsresol), EPBs, ISB. */
static void test_pcapng_blocks(void **state)
{
	(void)state;
	uint32_t caplens[3], lens[3];
	write_series(RN_PCAPW_NG, RN_LINK_ETHERNET, 3, caplens, lens);
	size_t n;
	const uint8_t *f = slurp(&n);
	size_t off = 0;
	uint32_t types[8];
	unsigned nb = 0;
	while (off < n) {
		assert_true(off + 12 <= n);
		uint32_t type = get32(f + off), blen = get32(f + off + 4);
		assert_int_equal(blen % 4, 0);
		assert_true(blen >= 12 && off + blen <= n);
		assert_int_equal(get32(f + off + blen - 4), blen);
		assert_true(nb < 8);
		types[nb++] = type;
		const uint8_t *b = f + off;
		if (type == 0x0A0D0D0A) {
			assert_int_equal(get32(b + 8), 0x1A2B3C4D);
			assert_int_equal(get16(b + 12), 1);
			assert_int_equal(get16(b + 14), 0);
			assert_int_equal(get16(b + 24), 4); /* shb_userappl */
			assert_memory_equal(b + 28, "rawnet", 6);
		} else if (type == 1) {
			assert_int_equal(get16(b + 8), 1);
			assert_int_equal(get32(b + 12), 262144);
			assert_int_equal(get16(b + 16), 2);     /* if_name */
			assert_int_equal(get16(b + 18), 5);
			assert_memory_equal(b + 20, "veth0\0\0\0", 8);
			assert_int_equal(get16(b + 28), 3);     /* if_description */
			assert_int_equal(get16(b + 30), 6);
			assert_memory_equal(b + 32, "a test\0\0", 8);
			assert_int_equal(get16(b + 40), 9);     /* if_tsresol */
			assert_int_equal(get16(b + 42), 1);
			assert_int_equal(b[44], 9);
			assert_int_equal(get32(b + 48), 0);     /* opt_endofopt */
		} else if (type == 6) {
			unsigned i = nb - 3;
			uint64_t ts = (uint64_t)get32(b + 12) << 32 | get32(b + 16);
			assert_true(ts == (uint64_t)(1600000000 + i) * 1000000000u + i * 123456789u % 1000000000u);
			assert_int_equal(get32(b + 20), caplens[i]);
			assert_int_equal(get32(b + 24), lens[i]);
			assert_int_equal(blen, 32 + ((caplens[i] + 3) & ~3u));
		} else if (type == 5) {
			assert_int_equal(get16(b + 20), 4);
			assert_int_equal(get32(b + 24), 1234);
			assert_int_equal(get16(b + 32), 5);
			assert_int_equal(get32(b + 36), 56);
		}
		off += blen;
	}
	assert_int_equal(nb, 6);
	assert_int_equal(types[0], 0x0A0D0D0A);
	assert_int_equal(types[1], 1);
	assert_int_equal(types[2], 6);
	assert_int_equal(types[4], 6);
	assert_int_equal(types[5], 5);
}

/* A header alone is a valid empty file; a failing descriptor reports its error. */
static void test_empty_and_errors(void **state)
{
	(void)state;
	struct rn_pcapw_opts o = { .format = RN_PCAPW_NSEC, .linktype = RN_LINK_RAW };
	struct rn_pcapw *w;
	assert_int_equal(rn_pcapw_open(path, &o, &w), 0);
	assert_int_equal(rn_pcapw_close(w), 0);
	size_t n;
	const uint8_t *f = slurp(&n);
	assert_int_equal(n, 24);
	assert_int_equal(get32(f), 0xa1b23c4d);
	assert_int_equal(get32(f + 20), 101);

	assert_int_equal(rn_pcapw_open("/nonexistent-dir/x.pcap", &o, &w), -ENOENT);
	/* A read-only descriptor: the header write fails at once. */
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(rn_pcapw_open_fd(fd, &o, &w), -EBADF);
	close(fd);
	/* A pipe whose reader is gone: the error comes back from write/flush/close. */
	int pp[2];
	assert_int_equal(pipe(pp), 0);
	assert_int_equal(rn_pcapw_open_fd(pp[1], &o, &w), 0);
	close(pp[0]);
	uint8_t pkt[64] = { 0x45 };
	assert_int_equal(rn_pcapw_write(w, 1, 2, pkt, 64, 64), 0); /* buffered */
	assert_int_equal(rn_pcapw_flush(w), -EPIPE);
	assert_int_equal(rn_pcapw_write(w, 1, 2, pkt, 64, 64), -EPIPE);
	assert_int_equal(rn_pcapw_close(w), -EPIPE);
	close(pp[1]);
	o.format = 7;
	assert_int_equal(rn_pcapw_open(path, &o, &w), -RN_EINVAL);
}

/* -U: each record is in the file as soon as it is written. */
static void test_packet_buffered(void **state)
{
	(void)state;
	struct rn_pcapw_opts o = { .format = RN_PCAPW_NG, .linktype = 1, .packet_buffered = true };
	struct rn_pcapw *w;
	assert_int_equal(rn_pcapw_open(path, &o, &w), 0);
	uint8_t pkt[61] = { 1 };
	assert_int_equal(rn_pcapw_write(w, 1, 2, pkt, 61, 61), 0);
	size_t n;
	slurp(&n);
	assert_int_equal(n, rn_pcapw_size(w));
	assert_int_equal(rn_pcapw_close(w), 0);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pcap_usec_bytes, make_path, remove_path),
		cmocka_unit_test_setup_teardown(test_pcap_read_back, make_path, remove_path),
		cmocka_unit_test_setup_teardown(test_pcapng_read_back, make_path, remove_path),
		cmocka_unit_test_setup_teardown(test_pcapng_blocks, make_path, remove_path),
		cmocka_unit_test_setup_teardown(test_empty_and_errors, make_path, remove_path),
		cmocka_unit_test_setup_teardown(test_packet_buffered, make_path, remove_path),
	};
	return cmocka_run_group_tests_name("pcapwrite", tests, NULL, NULL);
}
