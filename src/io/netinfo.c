/* Interfaces, addresses, routes and neighbours over rtnetlink (rtnetlink(7),
 * RFC 3549). Replies are walked with the kernel's length-checking macros
 * (NLMSG_OK, RTA_OK): no attribute is read before its length is checked. */
#include <errno.h>
#include <net/if_arp.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "rawnet/error.h"
#include "rawnet/netinfo.h"

static size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* ---- one netlink request/response exchange ---------------------------- */

typedef int (*nl_cb)(const struct nlmsghdr *h, void *ctx);

struct nl_req {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rtm;
		struct ndmsg ndm;
	} u;
	char attrs[256];
};

static void add_attr(struct nl_req *req, unsigned short type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(req->h.nlmsg_len);
	size_t alen = RTA_LENGTH(len);
	if (off + RTA_ALIGN(alen) > sizeof *req)
		return; /* cannot happen with the attributes used here */
	struct rtattr *rta = (struct rtattr *)((char *)req + off);
	rta->rta_type = type;
	rta->rta_len = (unsigned short)alen;
	memcpy(RTA_DATA(rta), data, len);
	req->h.nlmsg_len = (unsigned)(off + RTA_ALIGN(alen));
}

/* Sends req and hands each reply message to cb until the exchange ends.
 * cb returns 0 to go on, 1 to stop early (success), negative to fail. */
static int nl_exchange(struct nl_req *req, nl_cb cb, void *ctx)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct timeval tv = { 2, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	int one = 1;
	setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one);
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	static unsigned seq_counter;
	req->h.nlmsg_seq = (unsigned)time(NULL) ^ ++seq_counter;
	int ret = 0;
	if (sendto(fd, req, req->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
		ret = -errno;
		goto out;
	}
	size_t cap = 32768;
	char *buf = malloc(cap);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (int rounds = 0; rounds < 100000; rounds++) {
		struct sockaddr_nl from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, buf, cap, 0, (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = errno == EAGAIN ? -ETIMEDOUT : -errno;
			break;
		}
		if (from.nl_pid != 0)
			continue; /* not from the kernel */
		int len = (int)n;
		bool done = false;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != req->h.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				/* A dump the kernel refused ends with DONE carrying -errno. */
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
					int e;
					memcpy(&e, NLMSG_DATA(h), sizeof e);
					if (e < 0)
						ret = e;
				}
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
					const struct nlmsgerr *e = NLMSG_DATA(h);
					ret = e->error;
				} else {
					ret = -EPROTO;
				}
				done = true;
				break;
			}
			int r = cb(h, ctx);
			if (r != 0) {
				ret = r < 0 ? r : 0;
				done = true;
				break;
			}
			if (!(h->nlmsg_flags & NLM_F_MULTI)) {
				done = true;
				break;
			}
		}
		if (done)
			break;
	}
	free(buf);
out:
	close(fd);
	return ret;
}

static void req_init(struct nl_req *req, unsigned short type, unsigned short flags, size_t body)
{
	memset(req, 0, sizeof *req);
	req->h.nlmsg_len = (unsigned)NLMSG_LENGTH(body);
	req->h.nlmsg_type = type;
	req->h.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | flags);
}

/* ---- interfaces -------------------------------------------------------- */

struct link_ctx {
	struct rn_iface *out;
	bool found;
};

static int link_cb(const struct nlmsghdr *h, void *vctx)
{
	struct link_ctx *ctx = vctx;
	if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return 0;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct rn_iface *o = ctx->out;
	memset(o, 0, sizeof *o);
	o->ifindex = ifi->ifi_index;
	o->flags = ifi->ifi_flags;
	o->hwtype = ifi->ifi_type;
	int alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *ifi));
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		size_t plen = RTA_PAYLOAD(a);
		switch (a->rta_type) {
		case IFLA_IFNAME: {
			size_t n = strnlen(RTA_DATA(a), plen);
			if (n >= RN_IFNAMSIZ)
				n = RN_IFNAMSIZ - 1;
			memcpy(o->name, RTA_DATA(a), n);
			o->name[n] = '\0';
			break;
		}
		case IFLA_MTU:
			if (plen >= 4)
				memcpy(&o->mtu, RTA_DATA(a), 4);
			break;
		case IFLA_ADDRESS:
			if (plen == RN_ETH_ALEN) {
				memcpy(o->mac.b, RTA_DATA(a), RN_ETH_ALEN);
				o->has_mac = true;
			}
			break;
		}
	}
	ctx->found = true;
	return 1;
}

static int link_get(int ifindex, const char *name, struct rn_iface *out)
{
	struct nl_req req;
	req_init(&req, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	req.u.ifi.ifi_family = AF_UNSPEC;
	req.u.ifi.ifi_index = ifindex;
	if (name) {
		size_t n = strlen(name);
		if (n == 0 || n >= RN_IFNAMSIZ)
			return -RN_ENOTFOUND;
		add_attr(&req, IFLA_IFNAME, name, n + 1);
	}
	struct link_ctx ctx = { out, false };
	int r = nl_exchange(&req, link_cb, &ctx);
	if (r == -ENODEV || (r == 0 && !ctx.found))
		return -RN_ENOTFOUND;
	return r;
}

int rn_iface_by_name(const char *name, struct rn_iface *out)
{
	return link_get(0, name, out);
}

int rn_iface_by_index(int ifindex, struct rn_iface *out)
{
	if (ifindex <= 0)
		return -RN_ENOTFOUND;
	return link_get(ifindex, NULL, out);
}

bool rn_iface_needs_neigh(const struct rn_iface *ifc)
{
	return ifc->has_mac && ifc->hwtype == ARPHRD_ETHER &&
	       !(ifc->flags & (IFF_NOARP | IFF_LOOPBACK));
}

/* ---- addresses --------------------------------------------------------- */

struct addr_ctx {
	int ifindex, family;
	struct rn_ifaddr *out;
	size_t max, n;
};

static int addr_cb(const struct nlmsghdr *h, void *vctx)
{
	struct addr_ctx *ctx = vctx;
	if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
		return 0;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	if ((ctx->ifindex && (int)ifa->ifa_index != ctx->ifindex) ||
	    (ctx->family != AF_UNSPEC && ifa->ifa_family != ctx->family) ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return 0;
	struct rn_ifaddr a = { .family = ifa->ifa_family, .ifindex = (int)ifa->ifa_index,
			       .prefixlen = ifa->ifa_prefixlen, .scope = ifa->ifa_scope };
	bool have = false;
	size_t want = addr_len(a.family);
	int alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *ifa));
	for (const struct rtattr *r = IFA_RTA(ifa); RTA_OK(r, alen); r = RTA_NEXT(r, alen)) {
		/* IFA_LOCAL is the address itself on point-to-point links. */
		if ((r->rta_type == IFA_LOCAL || (r->rta_type == IFA_ADDRESS && !have)) &&
		    RTA_PAYLOAD(r) == want) {
			memcpy(a.addr, RTA_DATA(r), want);
			have = true;
		}
	}
	if (!have)
		return 0;
	if (ctx->n < ctx->max)
		ctx->out[ctx->n] = a;
	ctx->n++;
	return 0;
}

int rn_iface_addrs(int ifindex, int family, struct rn_ifaddr *out, size_t max)
{
	struct nl_req req;
	req_init(&req, RTM_GETADDR, NLM_F_DUMP, sizeof(struct ifaddrmsg));
	req.u.ifa.ifa_family = (unsigned char)family;
	req.u.ifa.ifa_index = (unsigned)ifindex;
	struct addr_ctx ctx = { ifindex, family, out, max, 0 };
	int r = nl_exchange(&req, addr_cb, &ctx);
	if (r < 0)
		return r;
	return (int)ctx.n;
}

/* ---- routes ------------------------------------------------------------ */

static int route_cb(const struct nlmsghdr *h, void *vctx)
{
	struct rn_route *o = vctx;
	if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
		return 0;
	const struct rtmsg *rtm = NLMSG_DATA(h);
	size_t want = addr_len(o->family);
	o->type = rtm->rtm_type;
	int alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *rtm));
	for (const struct rtattr *a = RTM_RTA(rtm); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		size_t plen = RTA_PAYLOAD(a);
		switch (a->rta_type) {
		case RTA_OIF:
			if (plen >= 4)
				memcpy(&o->oif, RTA_DATA(a), 4);
			break;
		case RTA_PREFSRC:
			if (plen == want) {
				memcpy(o->src, RTA_DATA(a), want);
				o->has_src = true;
			}
			break;
		case RTA_GATEWAY:
			if (plen == want) {
				memcpy(o->gateway, RTA_DATA(a), want);
				o->has_gateway = true;
			}
			break;
		}
	}
	return 1;
}

/* A source address on ifindex when the route named none: global first. */
static int pick_source(int family, int ifindex, uint8_t *src)
{
	struct rn_ifaddr a[32];
	int n = rn_iface_addrs(ifindex, family, a, 32);
	if (n < 0)
		return n;
	if (n > 32)
		n = 32;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n; i++)
			if (pass == 1 || a[i].scope == RT_SCOPE_UNIVERSE) {
				memcpy(src, a[i].addr, addr_len(family));
				return 0;
			}
	return -RN_ENOTFOUND;
}

int rn_route_get(int family, const void *dst, int oif, struct rn_route *out)
{
	if (family != AF_INET && family != AF_INET6)
		return -RN_EINVAL;
	size_t want = addr_len(family);
	struct nl_req req;
	req_init(&req, RTM_GETROUTE, 0, sizeof(struct rtmsg));
	req.u.rtm.rtm_family = (unsigned char)family;
	req.u.rtm.rtm_dst_len = (unsigned char)(want * 8);
	add_attr(&req, RTA_DST, dst, want);
	if (oif > 0)
		add_attr(&req, RTA_OIF, &oif, sizeof oif);
	memset(out, 0, sizeof *out);
	out->family = family;
	int r = nl_exchange(&req, route_cb, out);
	if (r < 0)
		return r;
	if (!out->oif)
		return -RN_ENOTFOUND;
	if (out->type == RTN_UNREACHABLE || out->type == RTN_BLACKHOLE || out->type == RTN_PROHIBIT)
		return -EHOSTUNREACH;
	memcpy(out->nexthop, out->has_gateway ? out->gateway : dst, want);
	if (!out->has_src && pick_source(family, out->oif, out->src) == 0)
		out->has_src = true;
	return 0;
}

/* ---- neighbours -------------------------------------------------------- */

struct neigh_ctx {
	int family, ifindex;
	const uint8_t *addr;
	struct rn_mac *mac;
	bool found;
};

static int neigh_cb(const struct nlmsghdr *h, void *vctx)
{
	struct neigh_ctx *ctx = vctx;
	if (h->nlmsg_type != RTM_NEWNEIGH || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ndmsg)))
		return 0;
	const struct ndmsg *ndm = NLMSG_DATA(h);
	if (ndm->ndm_family != ctx->family || (ctx->ifindex && ndm->ndm_ifindex != ctx->ifindex))
		return 0;
	if (ndm->ndm_state & (NUD_INCOMPLETE | NUD_FAILED) || ndm->ndm_state == NUD_NONE)
		return 0;
	size_t want = addr_len(ctx->family);
	bool dst_ok = false, have_mac = false;
	struct rn_mac mac;
	int alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *ndm));
	for (const struct rtattr *a = (const struct rtattr *)((const char *)ndm + NLMSG_ALIGN(sizeof *ndm));
	     RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) == want)
			dst_ok = !memcmp(RTA_DATA(a), ctx->addr, want);
		else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == RN_ETH_ALEN) {
			memcpy(mac.b, RTA_DATA(a), RN_ETH_ALEN);
			have_mac = true;
		}
	}
	if (dst_ok && have_mac) {
		*ctx->mac = mac;
		ctx->found = true;
		/* Keep reading to the end of the dump: stopping early would leave
		 * the kernel's remaining messages unread on a closed socket, which
		 * is harmless, but finishing keeps the exchange simple. */
	}
	return 0;
}

int rn_neigh_get(int family, const void *addr, int ifindex, struct rn_mac *mac)
{
	if (family != AF_INET && family != AF_INET6)
		return -RN_EINVAL;
	struct nl_req req;
	req_init(&req, RTM_GETNEIGH, NLM_F_DUMP, sizeof(struct ndmsg));
	req.u.ndm.ndm_family = (unsigned char)family;
	/* Strict dump checking wants the interface as an attribute, not in the header. */
	if (ifindex)
		add_attr(&req, NDA_IFINDEX, &ifindex, sizeof ifindex);
	struct neigh_ctx ctx = { family, ifindex, addr, mac, false };
	int r = nl_exchange(&req, neigh_cb, &ctx);
	if (r < 0)
		return r;
	return ctx.found ? 0 : -RN_ENOTFOUND;
}
