/* Unit tests: the AF_PACKET ring (src/io/packet.c) on the loopback interface
 * of a private network namespace (root only; skipped otherwise). Frames are
 * sent with rn_packet_send and must come out of the TPACKET_V3 ring intact. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/if_packet.h>

#include "rawnet/error.h"
#include "rawnet/packet.h"
#include "rawnet/print.h"

static int have_netns; /* a private namespace with lo up */

static int setup_netns(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		return 0;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return 0;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	int ok = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
	close(fd);
	return ok;
}

#define NEED_NETNS()                                   \
	do {                                           \
		(void)state;                           \
		if (!have_netns)                       \
			skip();                        \
	} while (0)

/* An Ethernet frame on lo: zero MACs, ethertype type, payload filled with seq. */
static size_t make_frame(uint8_t *buf, uint16_t type, uint8_t seq, size_t len)
{
	memset(buf, 0, 12);
	buf[6] = 0x02; /* a source MAC that is easy to spot */
	buf[12] = (uint8_t)(type >> 8);
	buf[13] = (uint8_t)type;
	for (size_t i = 14; i < len; i++)
		buf[i] = (uint8_t)(seq + i);
	return len;
}

static bool immediate = true;

static struct rn_packet *open_lo(const char *ifname, enum rn_direction dir, size_t kib, bool rx)
{
	struct rn_packet_opts o = { .ifname = ifname, .immediate = immediate, .direction = dir,
				    .ring_kib = kib, .no_rx_ring = !rx };
	struct rn_packet *p = NULL;
	int rc = rn_packet_open(&o, &p);
	assert_int_equal(rc, 0);
	assert_non_null(p);
	return p;
}

/* A program "ether proto TYPE" at offset off (12 Ethernet, 14 SLL). */
static struct sock_filter prog_buf[4];
static struct sock_fprog proto_prog(uint16_t type, uint32_t off)
{
	struct sock_filter f[4] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, off),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, type, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 262144),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	memcpy(prog_buf, f, sizeof f);
	struct sock_fprog fp = { 4, prog_buf };
	return fp;
}

static void test_send_and_receive(void **state)
{
	NEED_NETNS();
	struct rn_packet *rx = open_lo("lo", RN_DIR_INOUT, 0, true);
	struct rn_packet *tx = open_lo("lo", RN_DIR_INOUT, 0, false);
	assert_int_equal(rn_packet_linktype(rx), RN_LINK_ETHERNET);
	assert_int_equal(rn_packet_ifindex(rx), (int)if_nametoindex("lo"));
	assert_int_equal(rn_packet_snaplen(rx), 262144);
	uint8_t frame[200];
	size_t n = make_frame(frame, 0x88b5, 7, sizeof frame);
	struct timespec t0;
	clock_gettime(CLOCK_REALTIME, &t0);
	assert_int_equal(rn_packet_send(tx, frame, n), (int)n);
	struct rn_frame f;
	assert_int_equal(rn_packet_next(rx, &f, 2000), 1);
	assert_int_equal(f.caplen, n);
	assert_int_equal(f.len, n);
	assert_memory_equal(f.data, frame, n);
	assert_int_equal(f.pkttype, PACKET_HOST);
	assert_int_equal(f.protocol, 0x88b5);
	assert_int_equal(f.linktype, RN_LINK_ETHERNET);
	assert_int_equal(f.ifindex, (int)if_nametoindex("lo"));
	assert_true(f.ts_nsec < 1000000000u);
	int64_t dt = (f.ts_sec - t0.tv_sec) * 1000000000LL + f.ts_nsec - t0.tv_nsec;
	assert_true(dt >= -1000000 && dt < 2000000000LL);
	/* The outgoing copy on lo is skipped, so nothing else is there. */
	assert_int_equal(rn_packet_next(rx, &f, 50), 0);
	/* A send-only socket has no ring to read. */
	assert_int_equal(rn_packet_next(tx, &f, 0), -RN_EINVAL);
	rn_packet_close(rx);
	rn_packet_close(tx);
}

static void test_many_frames_in_order(void **state)
{
	NEED_NETNS();
	struct rn_packet *rx = open_lo("lo", RN_DIR_INOUT, 1024, true);
	struct rn_packet *tx = open_lo("lo", RN_DIR_INOUT, 0, false);
	uint8_t frame[1500];
	/* More than one block's worth (1 MiB ring: blocks of 128 KiB). */
	for (unsigned i = 0; i < 400; i++) {
		size_t n = make_frame(frame, 0x88b5, (uint8_t)i, 60 + (i * 37) % 1400);
		frame[14] = (uint8_t)(i >> 8);
		frame[15] = (uint8_t)i;
		assert_int_equal(rn_packet_send(tx, frame, n), (int)n);
	}
	struct rn_frame f;
	for (unsigned i = 0; i < 400; i++) {
		assert_int_equal(rn_packet_next(rx, &f, 2000), 1);
		assert_int_equal(f.caplen, 60 + (i * 37) % 1400);
		assert_int_equal(f.data[14] << 8 | f.data[15], i);
	}
	assert_int_equal(rn_packet_next(rx, &f, 20), 0);
	uint64_t r = 0, d = 1;
	assert_int_equal(rn_packet_stats(rx, &r, &d), 0);
	assert_int_equal(d, 0);
	assert_true(r >= 400); /* the kernel counts the skipped outgoing copies too */
	rn_packet_close(rx);
	rn_packet_close(tx);
}

/* Frames queued before the filter never come out after it (drain-then-attach).
 * Run twice: with a 1 ms block timeout and with the default one, where the
 * old frames still sit in the kernel's current block when the filter changes. */
static void test_filter_drains_first(void **state)
{
	NEED_NETNS();
	struct rn_packet *rx = open_lo("lo", RN_DIR_INOUT, 0, true);
	struct rn_packet *tx = open_lo("lo", RN_DIR_INOUT, 0, false);
	uint8_t frame[100];
	for (uint8_t i = 0; i < 5; i++)
		assert_int_equal(rn_packet_send(tx, frame, make_frame(frame, 0x88b5, i, sizeof frame)), 100);
	struct rn_frame f;
	/* Hold one frame of the old block while the filter changes. */
	assert_int_equal(rn_packet_next(rx, &f, 2000), 1);
	/* And some in the block the kernel is filling now. */
	for (uint8_t i = 0; i < 3; i++)
		assert_int_equal(rn_packet_send(tx, frame, make_frame(frame, 0x88b5, i, sizeof frame)), 100);
	struct sock_fprog fp = proto_prog(0x88b6, 12);
	assert_int_equal(rn_packet_set_filter(rx, &fp), 0);
	for (uint8_t i = 0; i < 6; i++) {
		uint16_t t = i % 2 ? 0x88b6 : 0x88b5;
		assert_int_equal(rn_packet_send(tx, frame, make_frame(frame, t, i, sizeof frame)), 100);
	}
	unsigned got = 0;
	while (rn_packet_next(rx, &f, 100) == 1) {
		assert_int_equal(f.protocol, 0x88b6);
		assert_int_equal(f.data[12] << 8 | f.data[13], 0x88b6);
		got++;
	}
	assert_int_equal(got, 3);
	uint64_t r = 0, d = 0;
	assert_int_equal(rn_packet_stats(rx, &r, &d), 0);
	assert_int_equal(r, 6); /* 3 matching frames, each seen going out and coming in */
	assert_int_equal(d, 0);
	/* NULL removes the filter. */
	assert_int_equal(rn_packet_set_filter(rx, NULL), 0);
	assert_int_equal(rn_packet_send(tx, frame, make_frame(frame, 0x88b5, 1, sizeof frame)), 100);
	assert_int_equal(rn_packet_next(rx, &f, 2000), 1);
	assert_int_equal(f.protocol, 0x88b5);
	rn_packet_close(rx);
	rn_packet_close(tx);
}

static void test_filter_drains_first_slow_blocks(void **state)
{
	immediate = false;
	test_filter_drains_first(state);
	immediate = true;
}

/* "any": cooked frames with a LINUX_SLL header as libpcap builds it. */
static void test_any_cooked(void **state)
{
	NEED_NETNS();
	struct rn_packet *rx = open_lo("any", RN_DIR_INOUT, 0, true);
	struct rn_packet *tx = open_lo("lo", RN_DIR_INOUT, 0, false);
	assert_int_equal(rn_packet_linktype(rx), RN_LINK_LINUX_SLL);
	assert_int_equal(rn_packet_ifindex(rx), 0);
	uint8_t frame[120];
	struct rn_frame f;
	assert_int_equal(rn_packet_send(rx, frame, 60), -RN_EUNSUP);
	/* A filter written for the SLL header: protocol at 14. */
	struct sock_fprog fp = proto_prog(0x88b6, 14);
	assert_int_equal(rn_packet_set_filter(rx, &fp), 0);
	size_t n = make_frame(frame, 0x88b5, 3, sizeof frame);
	assert_int_equal(rn_packet_send(tx, frame, n), (int)n);
	n = make_frame(frame, 0x88b6, 3, sizeof frame);
	assert_int_equal(rn_packet_send(tx, frame, n), (int)n);
	assert_int_equal(rn_packet_next(rx, &f, 2000), 1);
	assert_int_equal(f.linktype, RN_LINK_LINUX_SLL);
	assert_int_equal(f.caplen, 16 + n - 14);
	assert_int_equal(f.len, 16 + n - 14);
	const uint8_t sll[16] = { 0, 0 /* host */, 0x03, 0x04 /* ARPHRD_LOOPBACK */, 0, 6,
				  0, 0, 0, 0, 0, 0, 0, 0, 0x88, 0xb6 };
	/* The link address is the frame's source MAC. */
	uint8_t want[16];
	memcpy(want, sll, 16);
	memcpy(want + 6, frame + 6, 6);
	assert_memory_equal(f.data, want, 16);
	assert_memory_equal(f.data + 16, frame + 14, n - 14);
	assert_int_equal(rn_packet_next(rx, &f, 50), 0);
	/* A program that reads the SLL address cannot run on the kernel side. */
	fp = proto_prog(0x0202, 6);
	assert_int_equal(rn_packet_set_filter(rx, &fp), -RN_EUNSUP);
	rn_packet_close(rx);
	rn_packet_close(tx);
}

static void test_snaplen_and_timeout(void **state)
{
	NEED_NETNS();
	struct rn_packet_opts o = { .ifname = "lo", .immediate = true, .snaplen = 64 };
	struct rn_packet *rx = NULL;
	assert_int_equal(rn_packet_open(&o, &rx), 0);
	struct rn_packet *tx = open_lo("lo", RN_DIR_INOUT, 0, false);
	uint8_t frame[300];
	size_t n = make_frame(frame, 0x88b5, 9, sizeof frame);
	assert_int_equal(rn_packet_send(tx, frame, n), (int)n);
	struct rn_frame f;
	assert_int_equal(rn_packet_next(rx, &f, 2000), 1);
	assert_int_equal(f.caplen, 64);
	assert_int_equal(f.len, 300);
	assert_memory_equal(f.data, frame, 64);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(rn_packet_next(rx, &f, 100), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double el = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	assert_true(el >= 0.09 && el < 1.0);
	assert_int_equal(rn_packet_next(rx, &f, 0), 0);
	rn_packet_close(rx);
	rn_packet_close(tx);
}

/* A small ring that nobody reads overflows: the kernel's drops are counted. */
static void test_drops_counted(void **state)
{
	NEED_NETNS();
	struct rn_packet *rx = open_lo("lo", RN_DIR_INOUT, 256, true);
	struct rn_packet *tx = open_lo("lo", RN_DIR_INOUT, 0, false);
	uint8_t frame[1400];
	size_t n = make_frame(frame, 0x88b5, 1, sizeof frame);
	for (int i = 0; i < 2000; i++)
		assert_int_equal(rn_packet_send(tx, frame, n), (int)n);
	uint64_t r = 0, d = 0;
	assert_int_equal(rn_packet_stats(rx, &r, &d), 0);
	assert_true(d > 0);
	assert_true(r >= 2000 && r >= d);
	/* Accumulated: a second read does not go back to zero. */
	uint64_t r2 = 0, d2 = 0;
	assert_int_equal(rn_packet_stats(rx, &r2, &d2), 0);
	assert_true(r2 >= r && d2 >= d);
	struct rn_frame f;
	unsigned got = 0;
	while (rn_packet_next(rx, &f, 50) == 1)
		got++;
	assert_true(got > 0 && got < 2000);
	rn_packet_close(rx);
	rn_packet_close(tx);
}

static void test_bad_interface(void **state)
{
	(void)state;
	struct rn_packet_opts o = { .ifname = "rn-no-such-if" };
	struct rn_packet *p = (struct rn_packet *)1;
	int rc = rn_packet_open(&o, &p);
	assert_true(rc == -RN_ENOTFOUND || rc == -EPERM);
	assert_null(p);
}

int main(void)
{
	have_netns = setup_netns();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_and_receive),
		cmocka_unit_test(test_many_frames_in_order),
		cmocka_unit_test(test_filter_drains_first),
		cmocka_unit_test(test_filter_drains_first_slow_blocks),
		cmocka_unit_test(test_any_cooked),
		cmocka_unit_test(test_snaplen_and_timeout),
		cmocka_unit_test(test_drops_counted),
		cmocka_unit_test(test_bad_interface),
	};
	return cmocka_run_group_tests_name("packet", tests, NULL, NULL);
}
