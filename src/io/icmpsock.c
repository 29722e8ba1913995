/* Sockets for ICMP echo: raw ICMP/ICMPv6 (raw(7)) with a fallback to ICMP
 * datagram sockets, kernel time stamps, TTL / hop limit, and the error queue
 * (ip(7) IP_RECVERR, ipv6(7) IPV6_RECVERR; RFC 3542 for ICMP6_FILTER and
 * IPV6_RECVHOPLIMIT / IPV6_RECVPKTINFO). See rawnet/icmpsock.h. */
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/errqueue.h>

#include "rawnet/icmpsock.h"
#include "rawnet/ipv4.h"

/* From <linux/icmp.h>, which clashes with the libc headers: the raw IPv4
 * ICMP socket's type filter (a set bit drops that type). */
#ifndef ICMP_FILTER
#define ICMP_FILTER 1
struct icmp_filter {
	uint32_t data;
};
#endif

static int set_int(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) < 0 ? -errno : 0;
}

/* Options every echo socket gets; failures here are real errors. */
static int setup(struct rn_icmpsock *s)
{
	int fd = s->fd, rc;
	if ((rc = set_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1)) < 0)
		return rc;
	if (s->family == AF_INET) {
		if ((rc = set_int(fd, IPPROTO_IP, IP_RECVERR, 1)) < 0)
			return rc;
		if (s->kind == RN_ICMPSOCK_DGRAM && (rc = set_int(fd, IPPROTO_IP, IP_RECVTTL, 1)) < 0)
			return rc;
		if (s->kind == RN_ICMPSOCK_RAW) {
			/* Only echo replies as packets; errors come from the error queue. */
			struct icmp_filter f = { .data = ~(1u << 0 /* echo reply */) };
			if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f)) < 0)
				return -errno;
		}
	} else {
		if ((rc = set_int(fd, IPPROTO_IPV6, IPV6_RECVERR, 1)) < 0 ||
		    (rc = set_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)) < 0 ||
		    (rc = set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)) < 0)
			return rc;
		if (s->kind == RN_ICMPSOCK_RAW) {
			struct icmp6_filter f;
			ICMP6_FILTER_SETBLOCKALL(&f);
			ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
			if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)) < 0)
				return -errno;
		}
	}
	return 0;
}

int rn_icmpsock_open(struct rn_icmpsock *s, int family, unsigned kinds)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (family != AF_INET && family != AF_INET6)
		return -RN_EINVAL;
	s->family = family;
	if (!kinds)
		kinds = RN_ICMPSOCK_RAW | RN_ICMPSOCK_DGRAM;
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	static const enum rn_icmpsock_kind order[] = { RN_ICMPSOCK_RAW, RN_ICMPSOCK_DGRAM };
	int last = -EPERM;
	for (size_t i = 0; i < 2; i++) {
		enum rn_icmpsock_kind k = order[i];
		if (!(kinds & k))
			continue;
		int fd = socket(family, (k == RN_ICMPSOCK_RAW ? SOCK_RAW : SOCK_DGRAM) | SOCK_CLOEXEC,
				proto);
		if (fd < 0) {
			last = -errno;
			if (k == RN_ICMPSOCK_RAW)
				s->raw_err = errno;
			else
				s->dgram_err = errno;
			continue;
		}
		s->fd = fd;
		s->kind = k;
		int rc = setup(s);
		if (rc < 0) {
			rn_icmpsock_close(s);
			return rc;
		}
		return 0;
	}
	return last;
}

void rn_icmpsock_close(struct rn_icmpsock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int rn_icmpsock_set_ttl(struct rn_icmpsock *s, int ttl)
{
	int rc;
	if (s->family == AF_INET) {
		if ((rc = set_int(s->fd, IPPROTO_IP, IP_TTL, ttl)) < 0)
			return rc;
		return set_int(s->fd, IPPROTO_IP, IP_MULTICAST_TTL, ttl);
	}
	if ((rc = set_int(s->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl)) < 0)
		return rc;
	return set_int(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl);
}

int rn_icmpsock_bind_device(struct rn_icmpsock *s, const char *ifname)
{
	if (setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0)
		return -errno;
	return 0;
}

int rn_icmpsock_bind_id(struct rn_icmpsock *s)
{
	if (s->kind != RN_ICMPSOCK_DGRAM)
		return 0;
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	if (s->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		len = sizeof(*sin6);
	}
	return rn_icmpsock_bind_source(s, (struct sockaddr *)&ss, len);
}

int rn_icmpsock_bind_source(struct rn_icmpsock *s, const struct sockaddr *src, socklen_t src_len)
{
	struct sockaddr_storage ss;
	socklen_t len = src_len;
	if (src->sa_family != s->family || src_len > sizeof(ss))
		return -RN_EINVAL;
	memcpy(&ss, src, src_len);
	/* Port 0: a datagram socket's kernel picks a free identifier. */
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = 0;
	if (bind(s->fd, (struct sockaddr *)&ss, len) < 0)
		return -errno;
	if (s->kind != RN_ICMPSOCK_DGRAM)
		return 0;
	len = sizeof(ss);
	if (getsockname(s->fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	s->id = ntohs(s->family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					   : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

int rn_icmpsock_source(const struct sockaddr *dst, socklen_t dst_len, const char *ifname,
		       struct sockaddr_storage *src)
{
	struct sockaddr_storage d;
	if (dst_len > sizeof(d))
		return -RN_EINVAL;
	memcpy(&d, dst, dst_len);
	if (d.ss_family == AF_INET)
		((struct sockaddr_in *)&d)->sin_port = htons(1025);
	else if (d.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&d)->sin6_port = htons(1025);
	else
		return -RN_EINVAL;
	int fd = socket(d.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = 0;
	socklen_t len = sizeof(*src);
	if (ifname && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
				 (socklen_t)strlen(ifname) + 1) < 0)
		rc = -errno;
	else if (connect(fd, (struct sockaddr *)&d, dst_len) < 0)
		rc = -errno;
	else if (getsockname(fd, (struct sockaddr *)src, &len) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0) {
		if (src->ss_family == AF_INET)
			((struct sockaddr_in *)src)->sin_port = 0;
		else
			((struct sockaddr_in6 *)src)->sin6_port = 0;
	}
	return rc;
}

int rn_icmpsock_send(struct rn_icmpsock *s, const void *msg, size_t len,
		     const struct sockaddr *dst, socklen_t dst_len)
{
	ssize_t n = sendto(s->fd, msg, len, 0, dst, dst_len);
	if (n < 0)
		return -errno;
	return (int)n;
}

int rn_icmpsock_recv(struct rn_icmpsock *s, uint8_t *buf, size_t cap, struct rn_icmpsock_msg *m,
		     int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(int)) +
			 CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, cap };
	struct msghdr msg = { 0 };
	memset(m, 0, sizeof(*m));
	m->ttl = -1;
	msg.msg_name = &m->from;
	msg.msg_namelen = sizeof(m->from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	ssize_t n = recvmsg(s->fd, &msg, flags);
	if (n < 0)
		return -errno;
	bool have_stamp = false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			memcpy(&m->stamp, CMSG_DATA(c), sizeof(m->stamp));
			have_stamp = true;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL &&
			   c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int v;
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			m->ttl = v;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT &&
			   c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int v;
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			m->ttl = v;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(m->dst, &pi.ipi6_addr, 16);
			m->have_dst = true;
		}
	}
	if (!have_stamp)
		clock_gettime(CLOCK_REALTIME, &m->stamp);
	size_t len = (size_t)n < cap ? (size_t)n : cap;
	struct rn_view v = rn_view_make(buf, len);
	if (s->family == AF_INET && s->kind == RN_ICMPSOCK_RAW) {
		/* A raw IPv4 socket hands us the IP header too. */
		struct rn_ipv4 ip;
		struct rn_view payload;
		int rc = rn_ipv4_parse(v, &ip, &payload);
		if (rc < 0)
			return rc;
		m->ttl = ip.ttl;
		m->ip_len = (size_t)(payload.data - v.data);
		v = payload;
	}
	m->icmp = v;
	return (int)v.len;
}

int rn_icmpsock_recv_error(struct rn_icmpsock *s, uint8_t *buf, size_t cap,
			   struct rn_icmpsock_err *e)
{
	union {
		char buf[512];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, cap };
	struct msghdr msg = { 0 };
	memset(e, 0, sizeof(*e));
	msg.msg_name = &e->target;
	msg.msg_namelen = sizeof(e->target);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	ssize_t n = recvmsg(s->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	const struct sock_extended_err *ee = NULL;
	size_t ee_room = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
		    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
			if (c->cmsg_len < CMSG_LEN(sizeof(struct sock_extended_err)))
				continue;
			ee = (const struct sock_extended_err *)CMSG_DATA(c);
			ee_room = c->cmsg_len - CMSG_LEN(0);
		}
	}
	if (!ee)
		return -RN_EFORMAT;
	struct sock_extended_err x;
	memcpy(&x, ee, sizeof(x));
	e->err = (int)x.ee_errno;
	e->info = x.ee_info;
	e->local = x.ee_origin == SO_EE_ORIGIN_LOCAL;
	if (x.ee_origin == SO_EE_ORIGIN_ICMP || x.ee_origin == SO_EE_ORIGIN_ICMP6) {
		e->type = x.ee_type;
		e->code = x.ee_code;
	}
	/* The offender's address follows the extended error (SO_EE_OFFENDER). */
	size_t off_room = ee_room - sizeof(x);
	const uint8_t *off = (const uint8_t *)ee + sizeof(x);
	sa_family_t fam = 0;
	if (off_room >= sizeof(fam))
		memcpy(&fam, off, sizeof(fam));
	if (fam == AF_INET && off_room >= sizeof(struct sockaddr_in))
		memcpy(&e->offender, off, sizeof(struct sockaddr_in));
	else if (fam == AF_INET6 && off_room >= sizeof(struct sockaddr_in6))
		memcpy(&e->offender, off, sizeof(struct sockaddr_in6));
	e->quoted = rn_view_make(buf, (size_t)n < cap ? (size_t)n : cap);
	return 1;
}
