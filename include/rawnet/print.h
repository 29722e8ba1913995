/* Dissectors: packets -> tcpdump-style lines, hex dumps, a verbose tree, JSON.
 *
 * A packet is decoded once (rn_dissect) into a stack of layers, each with its
 * parsed header, its bytes and a status (ok / truncated / invalid); printers
 * then format from that structure. Output is appended to a caller's
 * rn_strbuf; nothing here does I/O. */
#ifndef RAWNET_PRINT_H
#define RAWNET_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/arp.h"
#include "rawnet/ethernet.h"
#include "rawnet/icmp.h"
#include "rawnet/icmp6.h"
#include "rawnet/ipv4.h"
#include "rawnet/ipv6.h"
#include "rawnet/strbuf.h"
#include "rawnet/tcp.h"
#include "rawnet/udp.h"
#include "rawnet/view.h"

/* Link types (the pcap LINKTYPE_* numbers). */
#define RN_LINK_NULL      0
#define RN_LINK_ETHERNET  1
#define RN_LINK_RAW       101   /* raw IPv4 or IPv6, by version nibble */
#define RN_LINK_LOOP      108   /* OpenBSD loopback: like NULL, family big-endian */
#define RN_LINK_LINUX_SLL 113
#define RN_LINK_IPV4      228
#define RN_LINK_IPV6      229
#define RN_LINK_LINUX_SLL2 276

/* One captured packet. */
struct rn_pkt {
	const uint8_t *data;
	uint32_t caplen;        /* bytes in data */
	uint32_t len;           /* bytes on the wire */
	int64_t ts_sec;
	uint32_t ts_nsec;
	int linktype;
	uint64_t number;        /* 1-based frame number */
	/* Set by capture-file readers (0 otherwise): the file's raw fraction
	 * field and its digits (6 or 9), so that out-of-range values print as
	 * tcpdump prints them ("(invalid us)"). */
	uint32_t ts_file_frac;
	uint8_t ts_file_digits;
	/* Live capture only (0 otherwise; no file format keeps it): what the
	 * kernel said of the TCP/UDP checksum, enum rn_rx_csum of
	 * rawnet/packet.h. RN_PKT_CSUM_LEFT_TO_NIC: the sender left it to the
	 * NIC (checksum offload), so the field holds only a partial sum; the -v
	 * line, the -V tree and JSON (status 2, unverified) say so instead of
	 * "incorrect". (Issue 9; carry it over into the field tree.) */
	uint8_t csum_hint;
};
#define RN_PKT_CSUM_LEFT_TO_NIC 1   /* == RN_RX_CSUM_PARTIAL */

/* Was pkt's transport checksum left to the NIC (see csum_hint)? */
static inline bool rn_pkt_csum_left_to_nic(const struct rn_pkt *pkt)
{
	return pkt && pkt->csum_hint == RN_PKT_CSUM_LEFT_TO_NIC;
}

struct rn_print_opts {
	int verbose;            /* -v count */
	bool eth;               /* -e: link-level header */
	bool quiet;             /* -q */
	bool number;            /* -#: frame number prefix */
	int tsmode;             /* 0 none (-t), 1 default, 2 -tt, 3 -ttt, 4 -tttt, 5 -ttttt */
	bool nano;              /* --nano: nanosecond timestamps */
	bool ts_sec32;          /* seconds come from a pcap file's 32-bit field,
	                           which tcpdump takes as signed */
	int hex;                /* 0, or 'x', 'X' ('x' with ASCII), 'A' */
	bool hex_link;          /* -xx / -XX / -AA: dump the link header too */
	bool abs_seq;           /* -S: absolute TCP sequence numbers (always so
	                           without a printer's conversation table) */
};

/* ---- Dissection ------------------------------------------------------- */

enum rn_proto {
	RN_PROTO_NONE = 0,
	RN_PROTO_NULL,          /* BSD loopback: 4-byte address family */
	RN_PROTO_SLL,           /* Linux cooked v1 (16 bytes) */
	RN_PROTO_SLL2,          /* Linux cooked v2 (20 bytes) */
	RN_PROTO_ETH,           /* Ethernet II / 802.3 with VLAN tags */
	RN_PROTO_ARP,
	RN_PROTO_IPV4,
	RN_PROTO_IPV6,
	RN_PROTO_ICMP,
	RN_PROTO_ICMP6,
	RN_PROTO_TCP,
	RN_PROTO_UDP,
	RN_PROTO_DNS,           /* over UDP or TCP port 53 / 5353 */
	RN_PROTO_HTTP,          /* a request or status line on TCP port 80/8080 */
	RN_PROTO_DATA,          /* bytes nobody decoded */
};

enum rn_layer_status {
	RN_LAYER_OK = 0,
	RN_LAYER_TRUNCATED,     /* the capture ends inside it (tcpdump "[|proto]") */
	RN_LAYER_INVALID,       /* a field lies (tcpdump "(invalid)" / "bad ...") */
};

/* Linux cooked header (v1 or v2), host order. */
struct rn_sll {
	uint16_t pkttype;       /* 0 host, 1 broadcast, 2 multicast, 3 other host, 4 outgoing */
	uint16_t hatype;        /* ARPHRD_* */
	uint16_t halen;         /* address length (bytes of addr used: min(halen, 8)) */
	uint8_t addr[8];
	uint16_t proto;         /* ethertype (or a Linux pseudo-protocol) */
	uint32_t ifindex;       /* v2 only */
};

/* DNS header (RFC 1035 §4.1.1); records are decoded by the printers from the
 * layer's bytes with rn_dns_name(). */
struct rn_dns {
	uint16_t id, flags;
	uint16_t qdcount, ancount, nscount, arcount;
	bool over_tcp;          /* the 2-byte length prefix was skipped */
};

/* The first line of an HTTP message (views into the packet). */
struct rn_http {
	bool request;
	struct rn_view line;    /* without CR LF */
	struct rn_view method, uri, version; /* request */
	uint16_t status;        /* response */
};

struct rn_layer {
	enum rn_proto proto;
	enum rn_layer_status status;
	int err;                /* the parser's code when status != OK, else 0 */
	uint32_t off;           /* offset of the header in the packet */
	uint32_t length;        /* bytes of header + payload on the wire, as the
	                           layer below says (IP: frame length minus link
	                           header; TCP/UDP: IP payload length) */
	struct rn_view bytes;   /* everything captured from off on (header and all) */
	struct rn_view payload; /* captured payload, bounded by length fields */
	union {
		struct rn_sll sll;
		uint32_t null_family;
		struct rn_eth eth;
		struct rn_arp arp;
		struct rn_ipv4 ip4;
		struct {
			struct rn_ipv6 hdr;
			struct rn_ipv6_chain chain;
		} ip6;
		struct rn_icmp icmp;
		struct rn_icmp6 icmp6;
		struct {
			struct rn_tcp hdr;
			bool fragmented;
		} tcp;
		struct {
			struct rn_udp hdr;
			bool fragmented;
		} udp;
		struct rn_dns dns;
		struct rn_http http;
	} u;
};

#define RN_MAX_LAYERS 8

struct rn_dissection {
	const struct rn_pkt *pkt;
	unsigned n;                       /* layers filled, outermost first */
	struct rn_layer layer[RN_MAX_LAYERS];
};

/* Flags for rn_dissect(). */
#define RN_DISSECT_CSUM 0x1  /* verify TCP/UDP/ICMP/ICMPv6 checksums (costs a pass over the payload) */

/* Decodes pkt (which must outlive d) layer by layer until a layer is not
 * understood, truncated or invalid; the last layer says why decoding stopped.
 * Returns the number of layers (0 for an unsupported link type). Never reads
 * past pkt->caplen. */
unsigned rn_dissect(const struct rn_pkt *pkt, unsigned flags, struct rn_dissection *d);

/* The first layer of a protocol, or NULL. */
const struct rn_layer *rn_dissect_find(const struct rn_dissection *d, enum rn_proto proto);

/* Short lower-case name of a protocol ("eth", "ip", "tcp", ...). */
const char *rn_proto_name(enum rn_proto proto);

/* Decodes the (possibly compressed, RFC 1035 §4.1.4) DNS name at off in msg
 * into out as dotted text with a trailing dot ("www.example.org."; "." for
 * the root). *next is set to the offset after the name where it was stored.
 * Returns the text length, -RN_ETRUNC when the name runs past the bytes,
 * -RN_EBADLEN on a bad label or a pointer that does not point backwards (as
 * BIND and tcpdump require: no loops), -RN_ENOSPC when out is small. */
int rn_dns_name(struct rn_view msg, size_t off, char *out, size_t cap, size_t *next);

/* ---- Printers --------------------------------------------------------- */

/* Appends the tcpdump -n line for one packet, without the timestamp or frame
 * number prefix and with the trailing newline (plus the hex dump when
 * opts->hex). Stateless: TCP sequence numbers print absolute (as with -S).
 * Never fails: malformed parts print as tcpdump prints them. */
void rn_print_summary(struct rn_strbuf *out, const struct rn_pkt *pkt,
		      const struct rn_print_opts *opts);

/* The same from an existing dissection (it must have been made with
 * RN_DISSECT_CSUM when opts->verbose, for the checksum notes). */
void rn_print_line(struct rn_strbuf *out, const struct rn_dissection *d,
		   const struct rn_print_opts *opts);

/* Appends tcpdump's -x / -X style dump of data (offsets "\t0x0000:  "). */
void rn_print_hexdump(struct rn_strbuf *out, const uint8_t *data, size_t len, bool ascii);

/* Appends tcpdump's -A dump: printable bytes, '.' for others, CR LF kept as
 * line breaks. */
void rn_print_ascii(struct rn_strbuf *out, const uint8_t *data, size_t len);

/* A printer: the options plus the state tcpdump keeps between packets
 * (previous and first timestamps, relative TCP sequence numbers). */
struct rn_printer;

int rn_printer_new(const struct rn_print_opts *opts, struct rn_printer **out);
void rn_printer_free(struct rn_printer *p);

/* Appends everything tcpdump prints for one packet: frame number (-#),
 * timestamp in the chosen mode, the line, and the dump (-x...). */
void rn_printer_packet(struct rn_printer *p, struct rn_strbuf *out, const struct rn_pkt *pkt);

/* The timestamp prefix alone (with its trailing space; empty for -t). */
void rn_print_timestamp(struct rn_strbuf *out, int tsmode, bool nano, int64_t sec,
			uint32_t nsec, int64_t ref_sec, uint32_t ref_nsec);

#endif
