/* AF_PACKET capture and injection: a TPACKET_V3 mmap RX ring read block by
 * block, as libpcap's pcap-linux.c does (see packet(7) and the kernel's
 * Documentation/networking/packet_mmap.rst). Block ownership is handed back
 * and forth through each block's status word with acquire/release ordering.
 *
 * One interface: SOCK_RAW, frames with their link header. "any": SOCK_DGRAM,
 * and a 16-byte Linux cooked (LINKTYPE_LINUX_SLL) header is built in front of
 * each frame from its sockaddr_ll, as libpcap does. VLAN tags the kernel took
 * out of the frame (tp_vlan_tci) are put back in place.
 *
 * The l3 mode is the plain way, for comparison: AF_INET raw sockets (one per
 * protocol: ICMP, TCP, UDP) read with recvmsg, one copy and one system call
 * per packet, kernel timestamps from SO_TIMESTAMPNS and drops from
 * SO_RXQ_OVFL.
 */
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>

#include "rawnet/error.h"
#include "rawnet/packet.h"
#include "rawnet/print.h"

#define SLL_HDR_LEN 16
#define VLAN_TAG_LEN 4
#define DEFAULT_SNAPLEN 262144u
#define DEFAULT_RING_KIB 4096u
#define MAX_BLOCK_SIZE (1u << 20)
#define MAX_FRAME 65535u      /* the largest frame a block must hold (GSO/GRO) */
#define FRAME_OVERHEAD 256u   /* tpacket3_hdr, sockaddr_ll, reserve, alignment */
#define BLOCK_TOV_IMMEDIATE_MS 1
#define BLOCK_TOV_MS 100

struct rn_packet {
	int fd;
	int ifindex;          /* 0 for "any" */
	int lo_ifindex;       /* outgoing copies on lo are skipped (libpcap) */
	int linktype;
	bool cooked;          /* SOCK_DGRAM: build SLL headers */
	enum rn_direction direction;
	uint32_t snaplen;
	unsigned tov_ms;      /* block retire timeout */
	bool rx_queue;        /* no ring: recvmmsg from the socket queue */
	bool vnet_hdr;        /* frames carry a virtio_net_hdr */

	uint8_t *ring;        /* NULL without an RX ring */
	size_t ring_len;
	unsigned block_size, block_nr;
	unsigned cur;         /* the block we read next (or are reading) */
	bool holding;         /* block cur is ours (TP_STATUS_USER) */
	uint32_t left;        /* frames of block cur not yet handed out */
	size_t next_off;      /* offset in block cur of the next frame */

	uint64_t received, dropped; /* accumulated PACKET_STATISTICS */

	/* l3 mode */
	int l3fd[3];
	unsigned nl3, l3next;      /* sockets; the one to try first */
	uint32_t l3drops[3];       /* the last SO_RXQ_OVFL count of each */
	uint64_t l3count;          /* packets read */
	uint8_t *l3buf;
};

#define L3_BUF 65536

static inline struct tpacket_block_desc *block_at(const struct rn_packet *p, unsigned i)
{
	return (struct tpacket_block_desc *)(void *)(p->ring + (size_t)i * p->block_size);
}

static inline uint32_t block_status(const struct tpacket_block_desc *b)
{
	return __atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
}

static inline void block_release(struct tpacket_block_desc *b)
{
	__atomic_store_n(&b->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int link_type_of(int fd, const char *ifname, int *linktype, bool *cooked)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	if (strlen(ifname) >= sizeof ifr.ifr_name)
		return -RN_ENOTFOUND;
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return -errno;
	switch (ifr.ifr_hwaddr.sa_family) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		*linktype = RN_LINK_ETHERNET;
		*cooked = false;
		break;
	case ARPHRD_NONE:
		*linktype = RN_LINK_RAW; /* tun, wireguard: bare IP packets */
		*cooked = false;
		break;
	default:
		*linktype = RN_LINK_LINUX_SLL;
		*cooked = true;
		break;
	}
	return 0;
}

static unsigned pow2_floor(size_t x)
{
	unsigned r = 1;
	while ((size_t)r * 2 <= x && r < (1u << 30))
		r *= 2;
	return r;
}

static int setup_ring(struct rn_packet *p, size_t ring_kib, bool immediate)
{
	int v = TPACKET_V3;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0)
		return -errno;
	/* Room in front of each frame for a VLAN tag (and the SLL header). */
	unsigned reserve = VLAN_TAG_LEN;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof reserve) < 0)
		return -errno;

	size_t ring = (ring_kib ? ring_kib : DEFAULT_RING_KIB) * 1024;
	long page = sysconf(_SC_PAGESIZE);
	/* Blocks just large enough for one frame of the snapshot length, so that
	 * there are many: the block being read and the one being filled are
	 * lost to buffering, and each is handed back as soon as it is read
	 * (libpcap sizes them by the frame alone). At least 1/16 of the ring,
	 * so that a wakeup brings many frames. */
	size_t frame = (p->snaplen < MAX_FRAME ? p->snaplen : MAX_FRAME) + FRAME_OVERHEAD;
	unsigned bs = pow2_floor(frame);
	if (bs < frame)
		bs *= 2;
	if (bs < ring / 16)
		bs = pow2_floor(ring / 16);
	if (bs > MAX_BLOCK_SIZE)
		bs = MAX_BLOCK_SIZE;
	if (page > 0 && bs < (unsigned)page)
		bs = (unsigned)page;
	size_t nr = ring / bs;
	if (nr < 2)
		nr = 2;
	if (nr > 65536)
		return -RN_EINVAL;

	struct tpacket_req3 req;
	memset(&req, 0, sizeof req);
	req.tp_block_size = bs;
	req.tp_block_nr = (unsigned)nr;
	req.tp_frame_size = bs; /* V3 frames are variable; this only has to divide */
	req.tp_frame_nr = (unsigned)nr;
	req.tp_retire_blk_tov = p->tov_ms = immediate ? BLOCK_TOV_IMMEDIATE_MS : BLOCK_TOV_MS;
	req.tp_feature_req_word = 0;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0)
		return -errno;
	p->ring_len = (size_t)bs * nr;
	void *m = mmap(NULL, p->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED,
		       p->fd, 0);
	if (m == MAP_FAILED) /* MAP_LOCKED can fail under RLIMIT_MEMLOCK */
		m = mmap(NULL, p->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	p->ring = m;
	p->block_size = bs;
	p->block_nr = (unsigned)nr;
	return 0;
}

static int open_l3(struct rn_packet *p, const struct rn_packet_opts *opts)
{
	static const int protos[3] = { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP };
	bool any = !opts->ifname || !strcmp(opts->ifname, "any");
	p->linktype = RN_LINK_RAW;
	if (!any) {
		p->ifindex = (int)if_nametoindex(opts->ifname);
		if (!p->ifindex)
			return -RN_ENOTFOUND;
	}
	p->l3buf = malloc(L3_BUF);
	if (!p->l3buf)
		return -ENOMEM;
	for (unsigned i = 0; i < 3; i++) {
		int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protos[i]);
		if (fd < 0)
			return -errno;
		p->l3fd[p->nl3++] = fd;
		int one = 1;
		if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one) < 0)
			return -errno;
		if (opts->ring_kib) {
			int sz = (int)(opts->ring_kib * 1024 / 3);
			(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz);
		}
		if (!any && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, opts->ifname,
				       (socklen_t)strlen(opts->ifname)) < 0)
			return -errno;
	}
	return 0;
}

/* One packet from the l3 sockets without waiting: 1, 0 (none), or negative. */
static int l3_take(struct rn_packet *p, struct rn_frame *f)
{
	for (unsigned k = 0; k < p->nl3; k++) {
		unsigned i = (p->l3next + k) % p->nl3;
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(uint32_t))];
		} ctl;
		struct sockaddr_in from;
		struct iovec iov = { p->l3buf, L3_BUF };
		struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof from,
				      .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
		ssize_t n = recvmsg(p->l3fd[i], &msg, MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			return -errno;
		}
		p->l3next = (i + 1) % p->nl3;
		struct timespec ts = { 0, 0 };
		bool have_ts = false;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_SOCKET)
				continue;
			if (c->cmsg_type == SO_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof ts)) {
				memcpy(&ts, CMSG_DATA(c), sizeof ts);
				have_ts = true;
			} else if (c->cmsg_type == SO_RXQ_OVFL && c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
				uint32_t d;
				memcpy(&d, CMSG_DATA(c), sizeof d);
				p->dropped += (uint32_t)(d - p->l3drops[i]);
				p->l3drops[i] = d;
			}
		}
		if (!have_ts)
			clock_gettime(CLOCK_REALTIME, &ts);
		p->l3count++;
		f->data = p->l3buf;
		f->len = (uint32_t)n;
		f->caplen = (size_t)n < L3_BUF ? (uint32_t)n : L3_BUF;
		if (f->caplen > p->snaplen)
			f->caplen = p->snaplen;
		f->ts_sec = ts.tv_sec;
		f->ts_nsec = (uint32_t)ts.tv_nsec;
		f->ifindex = p->ifindex;
		f->pkttype = PACKET_HOST;
		f->protocol = ETH_P_IP;
		f->linktype = RN_LINK_RAW;
		f->csum = RN_RX_CSUM_UNKNOWN;
		return 1;
	}
	return 0;
}

static int l3_next(struct rn_packet *p, struct rn_frame *f, int timeout_ms)
{
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	for (;;) {
		int r = l3_take(p, f);
		if (r != 0)
			return r;
		if (timeout_ms == 0)
			return 0;
		int wait = -1;
		if (timeout_ms > 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0)
				return 0;
			wait = (int)left;
		}
		struct pollfd pfd[3];
		for (unsigned i = 0; i < p->nl3; i++)
			pfd[i] = (struct pollfd){ .fd = p->l3fd[i], .events = POLLIN };
		if (poll(pfd, p->nl3, wait) < 0)
			return -errno;
	}
}

/* rx_queue: frames stay in the socket queue, which gets ring_kib bytes
 * (forced past rmem_max when we may); the VLAN tags the kernel took out come
 * as PACKET_AUXDATA. */
static int setup_queue(struct rn_packet *p, const struct rn_packet_opts *opts)
{
	int one = 1;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0)
		return -errno;
	if (opts->vnet_hdr && setsockopt(p->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0)
		return -errno;
	size_t kib = opts->ring_kib ? opts->ring_kib : DEFAULT_RING_KIB;
	int bytes = kib > (size_t)INT32_MAX / 1024 ? INT32_MAX : (int)(kib * 1024);
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) < 0)
		(void)setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
	p->rx_queue = true;
	p->vnet_hdr = opts->vnet_hdr;
	return 0;
}

int rn_packet_open(const struct rn_packet_opts *opts, struct rn_packet **out)
{
	struct rn_packet_opts def = { 0 };
	if (!opts)
		opts = &def;
	if (!out)
		return -RN_EINVAL;
	*out = NULL;
	struct rn_packet *p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	p->fd = -1;
	p->direction = opts->direction;
	p->snaplen = opts->snaplen ? opts->snaplen : DEFAULT_SNAPLEN;
	p->lo_ifindex = (int)if_nametoindex("lo");

	int rc;
	for (unsigned i = 0; i < 3; i++)
		p->l3fd[i] = -1;
	if (opts->l3) {
		rc = open_l3(p, opts);
		if (rc < 0)
			goto fail;
		*out = p;
		return 0;
	}
	bool any = !opts->ifname || !strcmp(opts->ifname, "any");
	if (any) {
		p->cooked = true;
		p->linktype = RN_LINK_LINUX_SLL;
	} else {
		p->ifindex = (int)if_nametoindex(opts->ifname);
		if (!p->ifindex) {
			rc = errno == ENODEV || errno == ENXIO || !errno ? -RN_ENOTFOUND : -errno;
			goto fail;
		}
		int probe = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (probe < 0) {
			rc = -errno;
			goto fail;
		}
		rc = link_type_of(probe, opts->ifname, &p->linktype, &p->cooked);
		close(probe);
		if (rc < 0)
			goto fail;
	}

	/* A send-only socket asks for no protocol, so nothing is queued to it. */
	uint16_t proto = opts->no_rx_ring ? 0 : htons(ETH_P_ALL);
	p->fd = socket(AF_PACKET, (p->cooked ? SOCK_DGRAM : SOCK_RAW) | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (p->direction == RN_DIR_IN) {
		int one = 1; /* Linux >= 4.20; user space checks the direction anyway */
		(void)setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
	}
	if (opts->rx_queue) {
		rc = setup_queue(p, opts);
		if (rc < 0)
			goto fail;
	} else if (opts->vnet_hdr) {
		rc = -RN_EINVAL;
		goto fail;
	} else if (!opts->no_rx_ring) {
		rc = setup_ring(p, opts->ring_kib, opts->immediate);
		if (rc < 0)
			goto fail;
	}
	/* Bound (or, for "any", protocol set) only once the ring exists, so
	 * that no frame is queued outside it. */
	struct sockaddr_ll sll;
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = proto;
	sll.sll_ifindex = p->ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
		rc = -errno;
		goto fail;
	}
	if (opts->promisc && !any) {
		struct packet_mreq mr;
		memset(&mr, 0, sizeof mr);
		mr.mr_ifindex = p->ifindex;
		mr.mr_type = PACKET_MR_PROMISC;
		if (setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) {
			rc = -errno;
			goto fail;
		}
	}
	*out = p;
	return 0;
fail:
	rn_packet_close(p);
	return rc;
}

int rn_packet_fd(const struct rn_packet *p)
{
	return p->nl3 ? p->l3fd[0] : p->fd;
}

int rn_packet_ifindex(const struct rn_packet *p)
{
	return p->ifindex;
}

int rn_packet_linktype(const struct rn_packet *p)
{
	return p->linktype;
}

uint32_t rn_packet_snaplen(const struct rn_packet *p)
{
	return p->snaplen;
}

unsigned rn_packet_latency_ms(const struct rn_packet *p)
{
	return p->ring ? p->tov_ms : 0;
}

/* The kernel's word on the transport checksum, from a tp_status. */
static uint8_t rx_csum_of(uint32_t tp_status)
{
	if (tp_status & TP_STATUS_CSUMNOTREADY)
		return RN_RX_CSUM_PARTIAL;
	if (tp_status & TP_STATUS_CSUM_VALID)
		return RN_RX_CSUM_VALID;
	return RN_RX_CSUM_UNKNOWN;
}

/* libpcap's direction rule, plus its loopback rule: on lo every frame is seen
 * twice (outgoing, then incoming), so the outgoing copy is skipped. */
static bool want_frame(const struct rn_packet *p, uint8_t pkttype, int ifindex)
{
	if (pkttype == PACKET_OUTGOING) {
		if (ifindex == p->lo_ifindex)
			return false;
		return p->direction != RN_DIR_IN;
	}
	return p->direction != RN_DIR_OUT;
}

/* Builds the 16-byte LINKTYPE_LINUX_SLL header in the 16 bytes before pkt. */
static void put_sll_header(uint8_t *h, const struct sockaddr_ll *sll)
{
	uint16_t pkttype = sll->sll_pkttype, hatype = sll->sll_hatype;
	uint16_t halen = sll->sll_halen;
	h[0] = (uint8_t)(pkttype >> 8);
	h[1] = (uint8_t)pkttype;
	h[2] = (uint8_t)(hatype >> 8);
	h[3] = (uint8_t)hatype;
	h[4] = (uint8_t)(halen >> 8);
	h[5] = (uint8_t)halen;
	memset(h + 6, 0, 8);
	memcpy(h + 6, sll->sll_addr, halen < 8 ? halen : 8);
	memcpy(h + 14, &sll->sll_protocol, 2); /* already in network order */
}

/* Turns a frame whose link payload starts at pkt (caplen bytes present, room
 * in front of it) into what a capture file holds: SLL header for cooked
 * sockets, then the VLAN tag put back. Fills f. */
static void finish_frame(const struct rn_packet *p, struct rn_frame *f, uint8_t *pkt,
			 uint32_t caplen, uint32_t len, const struct sockaddr_ll *sll,
			 bool vlan_valid, uint16_t tci, uint16_t tpid)
{
	if (p->cooked) {
		pkt -= SLL_HDR_LEN;
		put_sll_header(pkt, sll);
		caplen += SLL_HDR_LEN;
		len += SLL_HDR_LEN;
	}
	int vlan_off = p->linktype == RN_LINK_ETHERNET ? 12 : p->linktype == RN_LINK_LINUX_SLL ? 14 : -1;
	if (vlan_valid && vlan_off >= 0 && caplen >= (uint32_t)vlan_off) {
		pkt -= VLAN_TAG_LEN;
		memmove(pkt, pkt + VLAN_TAG_LEN, (size_t)vlan_off);
		pkt[vlan_off] = (uint8_t)(tpid >> 8);
		pkt[vlan_off + 1] = (uint8_t)tpid;
		pkt[vlan_off + 2] = (uint8_t)(tci >> 8);
		pkt[vlan_off + 3] = (uint8_t)tci;
		caplen += VLAN_TAG_LEN;
		len += VLAN_TAG_LEN;
	}
	if (caplen > p->snaplen)
		caplen = p->snaplen;
	f->data = pkt;
	f->caplen = caplen;
	f->len = len;
	f->ifindex = sll->sll_ifindex;
	f->pkttype = sll->sll_pkttype;
	f->protocol = ntohs(sll->sll_protocol);
	f->linktype = p->linktype;
}

/* Takes the next wanted frame out of the held block, if any: 1 or 0. */
static int frame_from_block(struct rn_packet *p, struct rn_frame *f)
{
	uint8_t *blk = p->ring + (size_t)p->cur * p->block_size;
	const size_t hdr_room = TPACKET_ALIGN(sizeof(struct tpacket3_hdr)) + sizeof(struct sockaddr_ll);
	while (p->left > 0) {
		size_t off = p->next_off;
		if (off < sizeof(struct tpacket_block_desc) || off > p->block_size - hdr_room) {
			p->left = 0; /* a corrupt block: give it back */
			break;
		}
		struct tpacket3_hdr *h = (struct tpacket3_hdr *)(void *)(blk + off);
		const struct sockaddr_ll *sll =
			(const struct sockaddr_ll *)(void *)(blk + off + TPACKET_ALIGN(sizeof *h));
		p->left--;
		p->next_off = h->tp_next_offset ? off + h->tp_next_offset : 0;
		/* Room in front of the data: the SLL header and a VLAN tag. */
		size_t need = (p->cooked ? SLL_HDR_LEN : 0) + VLAN_TAG_LEN;
		if (h->tp_mac < hdr_room + need || (size_t)h->tp_mac + h->tp_snaplen > p->block_size - off)
			continue;
		if (!want_frame(p, sll->sll_pkttype, sll->sll_ifindex))
			continue;
		bool vlan_valid = (h->tp_status & TP_STATUS_VLAN_VALID) || h->hv1.tp_vlan_tci;
		uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid
									   : ETH_P_8021Q;
		finish_frame(p, f, blk + off + h->tp_mac, h->tp_snaplen, h->tp_len, sll, vlan_valid,
			     (uint16_t)h->hv1.tp_vlan_tci, tpid);
		f->ts_sec = h->tp_sec;
		f->ts_nsec = h->tp_nsec;
		f->csum = rx_csum_of(h->tp_status);
		return 1;
	}
	return 0;
}

/* Hands the held block back to the kernel and moves to the next one. */
static void release_current(struct rn_packet *p)
{
	if (!p->holding)
		return;
	block_release(block_at(p, p->cur));
	p->holding = false;
	p->left = 0;
	p->cur = (p->cur + 1) % p->block_nr;
}

/* Takes block cur when the kernel has handed it over: true if so. */
static bool acquire_current(struct rn_packet *p)
{
	struct tpacket_block_desc *b = block_at(p, p->cur);
	if (!(block_status(b) & TP_STATUS_USER))
		return false;
	p->holding = true;
	p->left = b->hdr.bh1.num_pkts;
	p->next_off = b->hdr.bh1.offset_to_first_pkt;
	return true;
}


static int wait_readable(struct rn_packet *p, int timeout_ms)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	int n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return -errno;
	if (n > 0 && (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))) {
		int e = 0;
		socklen_t el = sizeof e;
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e)
			return -e;
		if (pfd.revents & (POLLHUP | POLLNVAL))
			return -ENETDOWN;
	}
	return n;
}

int rn_packet_next(struct rn_packet *p, struct rn_frame *f, int timeout_ms)
{
	if (!p || !f)
		return -RN_EINVAL;
	if (p->nl3)
		return l3_next(p, f, timeout_ms);
	if (!p->ring)
		return -RN_EINVAL; /* a send-only socket */
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	for (;;) {
		if (p->holding) {
			if (frame_from_block(p, f))
				return 1;
			release_current(p);
		}
		if (acquire_current(p))
			continue;
		if (timeout_ms == 0)
			return 0;
		int wait = -1;
		if (timeout_ms > 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0)
				return 0;
			wait = (int)left;
		}
		int r = wait_readable(p, wait);
		if (r < 0)
			return r;
		if (r == 0 && !(block_status(block_at(p, p->cur)) & TP_STATUS_USER))
			return 0;
	}
}

int rn_packet_send(struct rn_packet *p, const void *frame, size_t len)
{
	if (!p || !frame)
		return -RN_EINVAL;
	if (!p->ifindex || p->cooked || p->nl3)
		return -RN_EUNSUP; /* "any" has no one link to send on */
	for (;;) {
		ssize_t n = send(p->fd, frame, len, 0);
		if (n >= 0)
			return (int)n;
		if (errno != EINTR)
			return -errno;
	}
}

#define BATCH_MAX 64

static uint16_t vnet16(const uint8_t *b)
{
	uint16_t v;
	memcpy(&v, b, 2); /* virtio_net_hdr fields are in host order (legacy virtio) */
	return v;
}

static void vnet16_add(uint8_t *b, uint16_t add)
{
	uint16_t v = (uint16_t)(vnet16(b) + add);
	memcpy(b, &v, 2);
}

/* Puts a VLAN tag the kernel took out back after the MAC addresses: the
 * frame at buf + RN_PACKET_HEADROOM moves 4 bytes to the front. */
static void put_back_tag(const struct rn_packet *p, struct rn_packet_msg *m, uint16_t tpid,
			 uint16_t tci)
{
	size_t vh = p->vnet_hdr ? RN_PACKET_VNET_LEN : 0;
	if (m->len < vh + 12)
		return;
	uint8_t *to = m->data - VLAN_TAG_LEN;
	memmove(to, m->data, vh + 12);
	to[vh + 12] = (uint8_t)(tpid >> 8);
	to[vh + 13] = (uint8_t)tpid;
	to[vh + 14] = (uint8_t)(tci >> 8);
	to[vh + 15] = (uint8_t)tci;
	m->data = to;
	m->len += VLAN_TAG_LEN;
	m->orig_len += VLAN_TAG_LEN;
	if (vh) { /* offsets from the frame start grow by the tag */
		if (to[offsetof(struct virtio_net_hdr, flags)] & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			vnet16_add(to + offsetof(struct virtio_net_hdr, csum_start), VLAN_TAG_LEN);
		if (vnet16(to + offsetof(struct virtio_net_hdr, hdr_len)))
			vnet16_add(to + offsetof(struct virtio_net_hdr, hdr_len), VLAN_TAG_LEN);
	}
}

int rn_packet_recv_batch(struct rn_packet *p, struct rn_packet_msg *msgs, unsigned n)
{
	if (!p || !msgs || !p->rx_queue)
		return -RN_EINVAL;
	if (n > BATCH_MAX)
		n = BATCH_MAX;
	struct mmsghdr mm[BATCH_MAX];
	struct iovec iov[BATCH_MAX];
	struct sockaddr_ll sll[BATCH_MAX];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl[BATCH_MAX];
	for (unsigned i = 0; i < n; i++) {
		if (!msgs[i].buf || msgs[i].cap <= RN_PACKET_HEADROOM)
			return -RN_EINVAL;
		iov[i].iov_base = msgs[i].buf + RN_PACKET_HEADROOM;
		iov[i].iov_len = msgs[i].cap - RN_PACKET_HEADROOM;
		memset(&mm[i], 0, sizeof mm[i]);
		mm[i].msg_hdr.msg_name = &sll[i];
		mm[i].msg_hdr.msg_namelen = sizeof sll[i];
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = ctl[i].buf;
		mm[i].msg_hdr.msg_controllen = sizeof ctl[i].buf;
	}
	int got = recvmmsg(p->fd, mm, n, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (got < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	unsigned out = 0;
	for (unsigned i = 0; i < (unsigned)got; i++) {
		if (!want_frame(p, sll[i].sll_pkttype, sll[i].sll_ifindex))
			continue;
		if (out != i) { /* keep the kept frames first: swap the buffers */
			uint8_t *b = msgs[out].buf;
			size_t c = msgs[out].cap;
			msgs[out].buf = msgs[i].buf;
			msgs[out].cap = msgs[i].cap;
			msgs[i].buf = b;
			msgs[i].cap = c;
		}
		struct rn_packet_msg *m = &msgs[out++];
		m->data = m->buf + RN_PACKET_HEADROOM;
		m->orig_len = mm[i].msg_len;
		m->len = mm[i].msg_len < iov[i].iov_len ? mm[i].msg_len : (uint32_t)iov[i].iov_len;
		m->pkttype = sll[i].sll_pkttype;
		m->csum = RN_RX_CSUM_UNKNOWN;
		struct msghdr *mh = &mm[i].msg_hdr;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
			if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
			    c->cmsg_len < CMSG_LEN(sizeof(struct tpacket_auxdata)))
				continue;
			struct tpacket_auxdata aux;
			memcpy(&aux, CMSG_DATA(c), sizeof aux);
			m->csum = rx_csum_of(aux.tp_status);
			if (p->cooked || p->linktype != RN_LINK_ETHERNET)
				continue;
			if ((aux.tp_status & TP_STATUS_VLAN_VALID) || aux.tp_vlan_tci)
				put_back_tag(p, m,
					     (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid
											 : ETH_P_8021Q,
					     aux.tp_vlan_tci);
		}
	}
	return (int)out;
}

int rn_packet_send_batch(struct rn_packet *p, const struct iovec *frames, unsigned n,
			 unsigned *failed)
{
	if (failed)
		*failed = 0;
	if (!p || (!frames && n))
		return -RN_EINVAL;
	if (!p->ifindex || p->cooked)
		return -RN_EUNSUP;
	unsigned sent = 0, i = 0;
	struct mmsghdr mm[BATCH_MAX];
	while (i < n) {
		unsigned k = n - i < BATCH_MAX ? n - i : BATCH_MAX;
		for (unsigned j = 0; j < k; j++) {
			memset(&mm[j], 0, sizeof mm[j]);
			mm[j].msg_hdr.msg_iov = (struct iovec *)(uintptr_t)&frames[i + j];
			mm[j].msg_hdr.msg_iovlen = 1;
		}
		int r = sendmmsg(p->fd, mm, k, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EBADF || errno == ENOTSOCK)
				return -errno;
			i++; /* this frame failed: skip it, send the rest */
			if (failed)
				(*failed)++;
			continue;
		}
		sent += (unsigned)r;
		i += (unsigned)r;
	}
	return (int)sent;
}

/* libpcap's fix_offset for cooked sockets: the kernel runs the filter on the
 * frame without the SLL header, so loads inside the header become ancillary
 * loads and the others move 16 bytes down. -RN_EUNSUP when impossible. */
static int cook_program(struct sock_filter *ins, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sock_filter *s = &ins[i];
		unsigned cls = BPF_CLASS(s->code), mode = BPF_MODE(s->code);
		if ((cls != BPF_LD && cls != BPF_LDX) ||
		    (mode != BPF_ABS && mode != BPF_IND && mode != BPF_MSH))
			continue;
		if (s->k >= SLL_HDR_LEN)
			s->k -= SLL_HDR_LEN;
		else if (s->k == 0 && mode == BPF_ABS)
			s->k = (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE);
		else if (s->k == 14 && mode == BPF_ABS)
			s->k = (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL);
		else
			return -RN_EUNSUP;
	}
	return 0;
}

static int read_stats(struct rn_packet *p, uint64_t *rcv, uint64_t *drop)
{
	struct tpacket_stats_v3 st;
	memset(&st, 0, sizeof st);
	socklen_t len = p->ring ? sizeof st : sizeof(struct tpacket_stats);
	if (getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
		return -errno;
	*rcv = st.tp_packets;
	*drop = st.tp_drops;
	return 0;
}

/* Gives back every frame queued so far. With a ring, the kernel's current
 * block is only handed over when its timer retires it, so wait for that. */
static int drain(struct rn_packet *p)
{
	if (p->rx_queue) {
		uint8_t c;
		while (recv(p->fd, &c, 1, MSG_DONTWAIT | MSG_TRUNC) >= 0)
			;
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	}
	if (!p->ring)
		return 0; /* a send-only socket queues nothing */
	/* A frame that passed the old filter on another CPU may still be on its
	 * way into the ring: let it land first. */
	struct timespec settle = { 0, 2000000 };
	nanosleep(&settle, NULL);
	int64_t deadline = now_ms() + 4 * (int64_t)p->tov_ms + 200;
	for (;;) {
		release_current(p);
		while (acquire_current(p))
			release_current(p);
		struct tpacket_block_desc *b = block_at(p, p->cur);
		if (__atomic_load_n(&b->hdr.bh1.num_pkts, __ATOMIC_ACQUIRE) == 0)
			return 0;
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return -RN_ETIMEOUT;
		int r = wait_readable(p, (int)left);
		if (r < 0 && r != -EINTR)
			return r;
	}
}

/* l3: the same order on each socket; the queues drain with recv. */
static int l3_set_filter(struct rn_packet *p, const struct sock_fprog *prog)
{
	struct sock_filter reject = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog none = { 1, &reject };
	for (unsigned i = 0; i < p->nl3; i++) {
		int fd = p->l3fd[i];
		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &none, sizeof none) < 0)
			return -errno;
		while (recv(fd, p->l3buf, 1, MSG_TRUNC | MSG_DONTWAIT) >= 0)
			;
		int zero = 0;
		if (!prog ? setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof zero) < 0
			  : setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, prog, sizeof *prog) < 0)
			return -errno;
	}
	p->l3count = 0;
	p->dropped = 0;
	return 0;
}

int rn_packet_set_filter(struct rn_packet *p, const struct sock_fprog *prog)
{
	if (!p)
		return -RN_EINVAL;
	if (p->nl3)
		return l3_set_filter(p, prog);
	struct sock_filter reject = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog none = { 1, &reject };
	if (setsockopt(p->fd, SOL_SOCKET, SO_ATTACH_FILTER, &none, sizeof none) < 0)
		return -errno;
	int rc = drain(p);
	if (rc < 0)
		return rc;
	/* Counters restart with the filter: what came before was never filtered. */
	uint64_t r, d;
	rc = read_stats(p, &r, &d);
	if (rc < 0)
		return rc;
	p->received = p->dropped = 0;
	if (!prog) {
		int zero = 0;
		if (setsockopt(p->fd, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof zero) < 0)
			return -errno;
		return 0;
	}
	if (!prog->filter || prog->len == 0)
		return -RN_EINVAL;
	struct sock_filter *copy = malloc(prog->len * sizeof *copy);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, prog->filter, prog->len * sizeof *copy);
	if (p->cooked)
		rc = cook_program(copy, prog->len);
	if (rc == 0) {
		struct sock_fprog fp = { prog->len, copy };
		if (setsockopt(p->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp) < 0)
			rc = -errno;
	}
	free(copy);
	return rc;
}

int rn_packet_stats(struct rn_packet *p, uint64_t *received, uint64_t *dropped)
{
	if (!p)
		return -RN_EINVAL;
	if (p->nl3) { /* what was read, plus what SO_RXQ_OVFL said was dropped */
		if (received)
			*received = p->l3count + p->dropped;
		if (dropped)
			*dropped = p->dropped;
		return 0;
	}
	uint64_t r, d;
	int rc = read_stats(p, &r, &d); /* the kernel resets them on every read */
	if (rc < 0)
		return rc;
	p->received += r;
	p->dropped += d;
	if (received)
		*received = p->received;
	if (dropped)
		*dropped = p->dropped;
	return 0;
}

void rn_packet_close(struct rn_packet *p)
{
	if (!p)
		return;
	if (p->ring)
		munmap(p->ring, p->ring_len);
	if (p->fd >= 0)
		close(p->fd); /* also leaves promiscuous mode */
	for (unsigned i = 0; i < p->nl3; i++)
		close(p->l3fd[i]);
	free(p->l3buf);
	free(p);
}
