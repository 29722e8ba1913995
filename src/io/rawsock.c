/* Raw IP sockets for sending: IP_HDRINCL / IPV6_HDRINCL and per-protocol
 * sockets (raw(7), ipv6(7), RFC 3542 for the IPv6 options). */
#include <errno.h>
#include <stdbool.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rawnet/error.h"
#include "rawnet/rawsock.h"

#ifndef IPV6_HDRINCL
#define IPV6_HDRINCL 36
#endif

static int set_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof v) < 0 ? -errno : 0;
}

int rn_rawsock_open(const struct rn_rawsock_opts *o)
{
	if (o->family != AF_INET && o->family != AF_INET6)
		return -RN_EINVAL;
	if (o->proto < 0 || o->proto > 255 || (o->proto == IPPROTO_RAW))
		return -RN_EINVAL;
	bool v6 = o->family == AF_INET6;
	int fd = socket(o->family, SOCK_RAW | SOCK_CLOEXEC, o->proto ? o->proto : IPPROTO_RAW);
	if (fd < 0)
		return -errno;
	int r = 0;
	if (o->proto == 0)
		r = v6 ? set_int(fd, IPPROTO_IPV6, IPV6_HDRINCL, 1) : set_int(fd, IPPROTO_IP, IP_HDRINCL, 1);
	/* IPPROTO_RAW sockets never receive; the others get a filter that
	 * accepts nothing so their queues stay empty. */
	if (r == 0 && o->proto != 0) {
		struct sock_filter reject = BPF_STMT(BPF_RET | BPF_K, 0);
		struct sock_fprog prog = { 1, &reject };
		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0)
			r = -errno;
	}
	if (r == 0 && o->ifname && *o->ifname &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->ifname, (socklen_t)strlen(o->ifname) + 1) < 0)
		r = -errno;
	if (r == 0 && o->proto != 0 && o->ttl >= 0)
		r = v6 ? set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, o->ttl)
		       : set_int(fd, IPPROTO_IP, IP_TTL, o->ttl);
	if (r == 0 && o->proto != 0 && o->tos >= 0)
		r = v6 ? set_int(fd, IPPROTO_IPV6, IPV6_TCLASS, o->tos)
		       : set_int(fd, IPPROTO_IP, IP_TOS, o->tos);
	if (r == 0 && o->proto != 0 && o->src) {
		struct sockaddr_storage ss;
		socklen_t sl;
		memset(&ss, 0, sizeof ss);
		if (v6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			s6->sin6_family = AF_INET6;
			memcpy(&s6->sin6_addr, o->src, 16);
			sl = sizeof *s6;
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			s4->sin_family = AF_INET;
			memcpy(&s4->sin_addr, o->src, 4);
			sl = sizeof *s4;
		}
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
			r = -errno;
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int rn_rawsock_send(int fd, int family, const void *dst, const void *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof ss);
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, dst, 16);
		sl = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, dst, 4);
		sl = sizeof *s4;
	}
	ssize_t n = sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl);
	return n < 0 ? -errno : (int)n;
}
