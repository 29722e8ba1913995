/* A UDP/IPv4 flooder for bench/sniff.sh: the fastest stream of minimum-size
 * frames one CPU can push through an AF_PACKET socket (sendmmsg, 64 frames a
 * call, qdisc bypassed). Only for benchmarks inside namespaces.
 *   flood IFNAME SRC_MAC DST_MAC SRC_IP DST_IP SECONDS   -> prints frames sent */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <err.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 64
#define FRAME 60

static void parse_mac(const char *s, unsigned char *m)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		errx(2, "bad MAC %s", s);
}

static unsigned short csum(const unsigned char *p, int n)
{
	unsigned long s = 0;
	for (int i = 0; i + 1 < n; i += 2)
		s += (unsigned)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (unsigned short)~s;
}

int main(int argc, char **argv)
{
	if (argc != 7)
		errx(2, "usage: flood IFNAME SRC_MAC DST_MAC SRC_IP DST_IP SECONDS");
	int ifindex = (int)if_nametoindex(argv[1]);
	if (!ifindex)
		errx(2, "%s: no such interface", argv[1]);
	double secs = atof(argv[6]);
	unsigned char f[BATCH][FRAME];
	memset(f, 0, sizeof f);
	for (int i = 0; i < BATCH; i++) {
		unsigned char *p = f[i];
		parse_mac(argv[3], p);
		parse_mac(argv[2], p + 6);
		p[12] = 0x08;
		unsigned char *ip = p + 14;
		ip[0] = 0x45;
		ip[3] = FRAME - 14;
		ip[5] = (unsigned char)i;
		ip[8] = 64;
		ip[9] = 17;
		if (inet_pton(AF_INET, argv[4], ip + 12) != 1 || inet_pton(AF_INET, argv[5], ip + 16) != 1)
			errx(2, "bad address");
		unsigned short c = csum(ip, 20);
		ip[10] = (unsigned char)(c >> 8);
		ip[11] = (unsigned char)c;
		unsigned char *udp = ip + 20;
		udp[0] = 0x30;
		udp[1] = (unsigned char)i;
		udp[3] = 9; /* discard */
		udp[5] = FRAME - 34;
	}
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		err(2, "socket");
	int one = 1;
	(void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex };
	if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0)
		err(2, "bind");
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = f[i];
		iov[i].iov_len = FRAME;
		memset(&mm[i], 0, sizeof mm[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned long long sent = 0;
	for (unsigned long it = 0;; it++) {
		int n = sendmmsg(fd, mm, BATCH, 0);
		if (n > 0)
			sent += (unsigned)n;
		if ((it & 63) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 >= secs)
				break;
		}
	}
	printf("%llu\n", sent);
	return 0;
}
