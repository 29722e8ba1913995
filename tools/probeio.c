/* Sockets and addresses for traceroute and scan (see probeio.h). */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "probeio.h"
#include "rawnet/error.h"
#include "rawnet/ethernet.h"
#include "rawnet/packet.h"
#include "rawnet/print.h"
#include "rawnet/rawsock.h"

void probe_resolve(const char *host, int *family, uint8_t addr[16])
{
	struct addrinfo hints = { .ai_family = *family, .ai_socktype = SOCK_RAW }, *ai;
	int rc = getaddrinfo(host, NULL, &hints, &ai);
	if (rc)
		errx(EXIT_USAGE, "%s: %s", host, rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	*family = ai->ai_family;
	if (ai->ai_family == AF_INET)
		memcpy(addr, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
	else
		memcpy(addr, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
	freeaddrinfo(ai);
}

const char *probe_addr(int family, const void *addr, char *buf, size_t cap)
{
	if (!inet_ntop(family, addr, buf, (socklen_t)cap))
		snprintf(buf, cap, "?");
	return buf;
}

void probe_route(struct probeio *io, int family, const uint8_t dst[16])
{
	char a[INET6_ADDRSTRLEN];
	struct rn_route rt;
	int rc = rn_route_get(family, dst, 0, &rt);
	if (rc < 0)
		errx(EXIT_USAGE, "%s: no route (%s)", probe_addr(family, dst, a, sizeof a),
		     rn_strerror(rc));
	if (!rt.has_src)
		errx(EXIT_USAGE, "%s: no source address on the route", probe_addr(family, dst, a, sizeof a));
	io->family = family;
	memcpy(io->src, rt.src, 16);
	rc = rn_iface_by_index(rt.oif, &io->ifc);
	if (rc < 0)
		errx(EXIT_USAGE, "interface %d: %s", rt.oif, rn_strerror(rc));
}

void probe_open(struct probeio *io)
{
	struct rn_rawsock_opts ro = { .family = io->family, .ttl = -1, .tos = -1 };
	io->rawfd = rn_rawsock_open(&ro);
	if (io->rawfd < 0)
		errx(EXIT_USAGE, "raw socket: %s%s", rn_strerror(io->rawfd),
		     io->rawfd == -EPERM ? " (needs CAP_NET_RAW)" : "");
	struct rn_packet_opts po = { .ifname = io->ifc.name, .immediate = true,
				     .direction = RN_DIR_IN, .snaplen = 2048, .ring_kib = 4096 };
	int rc = rn_packet_open(&po, &io->rx);
	if (rc < 0)
		errx(EXIT_USAGE, "capture socket on %s: %s", io->ifc.name, rn_strerror(rc));
	io->linktype = rn_packet_linktype(io->rx);
}

double probe_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The IP packet in frame f, when it is one of io's family. */
static bool frame_ip(const struct probeio *io, const struct rn_frame *f, struct rn_view *ip)
{
	struct rn_view v = rn_view_make(f->data, f->caplen);
	uint16_t type;
	switch (io->linktype) {
	case RN_LINK_ETHERNET: {
		struct rn_eth eth;
		if (rn_eth_parse(v, &eth, ip) < 0)
			return false;
		type = eth.ethertype;
		break;
	}
	case RN_LINK_LINUX_SLL:
		type = rn_view_be16(v, 14);
		*ip = rn_view_tail(v, 16);
		break;
	case RN_LINK_RAW:
		*ip = v;
		type = (rn_view_u8(v, 0) >> 4) == 6 ? RN_ETHERTYPE_IPV6 : RN_ETHERTYPE_IPV4;
		break;
	default:
		return false;
	}
	return type == (io->family == AF_INET ? RN_ETHERTYPE_IPV4 : RN_ETHERTYPE_IPV6);
}

int probe_next(struct probeio *io, struct rn_view *ip, double *ts, int timeout_ms)
{
	for (;;) {
		struct rn_frame f;
		int rc = rn_packet_next(io->rx, &f, timeout_ms);
		if (rc <= 0)
			return rc;
		if (frame_ip(io, &f, ip)) {
			*ts = (double)f.ts_sec + (double)f.ts_nsec / 1e9;
			return 1;
		}
		timeout_ms = 0; /* skip it; what else is waiting? */
	}
}

int probe_send(struct probeio *io, const uint8_t dst[16], const uint8_t *pkt, size_t len)
{
	int rc;
	do
		rc = rn_rawsock_send(io->rawfd, io->family, dst, pkt, len);
	while (rc == -EINTR);
	return rc < 0 ? rc : 0;
}

void probe_close(struct probeio *io)
{
	if (io->rx)
		rn_packet_close(io->rx);
	if (io->rawfd >= 0)
		close(io->rawfd);
	io->rx = NULL;
	io->rawfd = -1;
}
