/* AF_PACKET sockets: a TPACKET_V3 mmap RX ring (capture, bridging) and frame
 * transmission, on one interface or all of them. See packet(7). */
#ifndef RAWNET_PACKET_H
#define RAWNET_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct iovec;

struct sock_fprog;

enum rn_direction {
	RN_DIR_INOUT = 0,
	RN_DIR_IN,
	RN_DIR_OUT,
};

struct rn_packet_opts {
	const char *ifname;      /* NULL or "any": every interface (cooked SLL frames) */
	bool promisc;            /* promiscuous mode on ifname */
	uint32_t snaplen;        /* bytes kept per frame; 0 = 262144 */
	size_t ring_kib;         /* RX ring size; 0 = a default (e.g. 4096 KiB) */
	bool immediate;          /* hand over frames at once (short block timeout) */
	bool no_rx_ring;         /* a send-only socket: no ring is mapped */
	enum rn_direction direction;
	bool l3;                 /* instead of AF_PACKET: AF_INET raw sockets for
	                            ICMP, TCP and UDP (incoming IPv4 only, as the
	                            kernel delivers them; RN_LINK_RAW frames),
	                            kept for comparison with the ring */
	/* No ring: frames wait in the socket's receive queue (ring_kib bytes of
	 * it) and are read with rn_packet_recv_batch(). Every frame wakes the
	 * reader at once, where a TPACKET_V3 block waits for its timeout: the
	 * choice for bridging, where latency counts. */
	bool rx_queue;
	/* With rx_queue: every frame read and sent starts with a struct
	 * virtio_net_hdr (PACKET_VNET_HDR, RN_PACKET_VNET_LEN bytes), so frames
	 * from offloads (GSO bursts larger than the MTU, partial checksums) go
	 * back out intact. */
	bool vnet_hdr;
};

#define RN_PACKET_VNET_LEN 10     /* sizeof(struct virtio_net_hdr) */
#define RN_PACKET_HEADROOM 4      /* room rn_packet_recv_batch() needs for a VLAN tag */

struct rn_packet; /* opaque */

/* What the kernel says of a received frame's transport (TCP/UDP) checksum:
 * tp_status of the TPACKET_V3 ring's frame header, or of PACKET_AUXDATA on
 * the other packet sockets (see packet(7)). With checksum offload on (the
 * default on veth, virtio, bridges and lo) a frame from this host or its
 * namespaces carries only the pseudo-header sum in that field: the sending
 * NIC was to fill it in, so it is not wrong, only not there yet. */
enum rn_rx_csum {
	RN_RX_CSUM_UNKNOWN = 0,  /* nothing said (or l3 sockets): verify it */
	RN_RX_CSUM_PARTIAL,      /* TP_STATUS_CSUMNOTREADY: left to the NIC */
	RN_RX_CSUM_VALID,        /* TP_STATUS_CSUM_VALID: the NIC or kernel checked it */
};

/* One received frame; valid until the next rn_packet_next() call. VLAN tags
 * stripped by the NIC/kernel are put back into data (as libpcap does). */
struct rn_frame {
	const uint8_t *data;
	uint32_t caplen, len;
	int64_t ts_sec;
	uint32_t ts_nsec;
	int ifindex;
	uint8_t pkttype;         /* PACKET_HOST, PACKET_OUTGOING, ... */
	uint16_t protocol;       /* ethertype, host order */
	int linktype;            /* RN_LINK_ETHERNET, or RN_LINK_LINUX_SLL for "any" */
	uint8_t csum;            /* enum rn_rx_csum */
};

int rn_packet_open(const struct rn_packet_opts *opts, struct rn_packet **out);
int rn_packet_fd(const struct rn_packet *p);
int rn_packet_ifindex(const struct rn_packet *p);   /* 0 for "any" */

/* The link type of every frame this socket delivers: RN_LINK_ETHERNET,
 * RN_LINK_LINUX_SLL ("any" and links without an Ethernet header) or
 * RN_LINK_RAW (tun-like links). Compile filters for this link type. */
int rn_packet_linktype(const struct rn_packet *p);

/* The snapshot length in force (opts->snaplen or the default). */
uint32_t rn_packet_snaplen(const struct rn_packet *p);

/* How long a frame may wait in the ring before rn_packet_next() can see it
 * (the block timeout: 1 ms with opts->immediate, else 100 ms; 0 for l3).
 * A tool that stops on a signal reads on for this long (plus a margin) to
 * save the frames that arrived before the signal. */
unsigned rn_packet_latency_ms(const struct rn_packet *p);

/* Waits up to timeout_ms (-1 forever, 0 poll) for a frame: 1 and *f filled,
 * 0 on timeout, negative on error (-EINTR when a signal arrived, -RN_EINVAL
 * on a no_rx_ring socket). Frames of the unwanted direction are skipped, and
 * so are the outgoing copies on "lo" (each frame is seen once, as libpcap). */
int rn_packet_next(struct rn_packet *p, struct rn_frame *f, int timeout_ms);

/* Sends one whole frame (link header included) on the bound interface:
 * the byte count, or negative (-RN_EUNSUP on "any" and cooked links). The
 * sending socket does not see its own frame in its ring. */
int rn_packet_send(struct rn_packet *p, const void *frame, size_t len);

/* Attaches a classic BPF program without letting unfiltered frames through:
 * attach a reject-all filter, drain the ring, attach prog (libpcap's order).
 * prog is compiled for rn_packet_linktype(); for cooked sockets it is
 * adjusted as libpcap does (-RN_EUNSUP when it reads inside the SLL header
 * other than the packet type and protocol). prog NULL removes the filter.
 * Frames held from an earlier rn_packet_next() are given back, and the
 * counters restart. Takes up to the block timeout (100 ms, 1 ms immediate). */
int rn_packet_set_filter(struct rn_packet *p, const struct sock_fprog *prog);

/* Counters since open or the last rn_packet_set_filter() (PACKET_STATISTICS,
 * accumulated, as libpcap's ps_recv / ps_drop: received includes dropped). */
int rn_packet_stats(struct rn_packet *p, uint64_t *received, uint64_t *dropped);

/* One frame for rn_packet_recv_batch(). */
struct rn_packet_msg {
	uint8_t *buf;            /* in: a buffer of cap bytes (RN_PACKET_HEADROOM of them
				    are kept free in front, for a VLAN tag to be put back) */
	size_t cap;
	uint8_t *data;           /* out: the frame in buf (its virtio_net_hdr first, if asked) */
	uint32_t len;            /* out: bytes at data */
	uint32_t orig_len;       /* out: the whole frame's length; > len when truncated */
	uint8_t pkttype;         /* out: PACKET_HOST, PACKET_OTHERHOST, ... */
	uint8_t csum;            /* out: enum rn_rx_csum */
};

/* rx_queue sockets: reads up to n queued frames without waiting (recvmmsg):
 * the number filled (0: none queued), or negative. Frames of the unwanted
 * direction are left out; VLAN tags the kernel took out are put back (and a
 * virtio_net_hdr's csum_start moved past them). */
int rn_packet_recv_batch(struct rn_packet *p, struct rn_packet_msg *msgs, unsigned n);

/* Sends n whole frames with one system call where it can (sendmmsg): the
 * number sent; a frame that fails is skipped and counted in *failed (when
 * non-NULL), negative only when the socket cannot send at all. */
int rn_packet_send_batch(struct rn_packet *p, const struct iovec *frames, unsigned n,
			 unsigned *failed);

void rn_packet_close(struct rn_packet *p);

#endif
