/* Packet crafting: a layered spec on the command line, scapy-style
 *
 *     eth dst=... / ip dst=10.77.0.1 ttl=3 / tcp dport=80 flags=S / raw "GET /\r\n"
 *
 * parsed into per-layer structs (the wire library's reprs plus a record of
 * which fields the user gave), completed with defaults (addresses from the
 * route, random ids and ports, lengths and checksums) and emitted with the
 * wire library's emit functions. rn_craft_answers() tells whether a received
 * packet answers a probe, as scapy's answers() does.
 *
 * Parsing, building and matching are pure: no sockets, no system state. The
 * caller looks up routes and neighbours (rawnet/netinfo.h, rawnet/resolve.h)
 * and passes the results in struct rn_craft_env.
 */
#ifndef RAWNET_CRAFT_H
#define RAWNET_CRAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/arp.h"
#include "rawnet/ethernet.h"
#include "rawnet/icmp.h"
#include "rawnet/icmp6.h"
#include "rawnet/ipv4.h"
#include "rawnet/ipv6.h"
#include "rawnet/tcp.h"
#include "rawnet/udp.h"
#include "rawnet/view.h"

#define RN_CRAFT_MAX_LAYERS 16
#define RN_CRAFT_MAX_RAW 65535

enum rn_craft_kind {
	RN_CRAFT_ETH,
	RN_CRAFT_VLAN,
	RN_CRAFT_ARP,
	RN_CRAFT_IP,
	RN_CRAFT_IP6,
	RN_CRAFT_ICMP,
	RN_CRAFT_ICMP6,
	RN_CRAFT_UDP,
	RN_CRAFT_TCP,
	RN_CRAFT_RAW,
};

/* One layer: the wire repr of its protocol and which fields the user set. */
struct rn_craft_layer {
	enum rn_craft_kind kind;
	uint64_t set;            /* bit per field (see rn_craft_field_is_set()) */
	unsigned word;           /* where the layer's keyword was: argv word ... */
	size_t off, len;         /* ... and byte range inside it */
	union {
		struct rn_eth eth;   /* dst, src, ethertype (tags come from vlan layers) */
		struct {
			struct rn_vlan_tag tag;
			uint16_t type;   /* the ethertype after this tag */
		} vlan;
		struct rn_arp arp;
		struct rn_ipv4 ip;
		struct rn_ipv6 ip6;
		struct rn_icmp icmp;
		struct rn_icmp6 icmp6;
		struct rn_udp udp;
		struct {
			struct rn_tcp hdr;
			struct rn_tcp_opts opts; /* mss= wscale= sackok ts= sack= */
			bool raw_opts;           /* opts=hex gave hdr.opts directly */
		} tcp;
		struct {
			uint8_t *data;   /* owned by the spec */
			size_t len;
		} raw;
	} u;
};

struct rn_craft_spec {
	unsigned n;
	struct rn_craft_layer layer[RN_CRAFT_MAX_LAYERS];
};

/* Where parsing failed: a message ("dport: 99999 is not a port") and the
 * offending token (argv word index, byte offset and length inside it). */
struct rn_craft_error {
	char msg[160];
	unsigned word;
	size_t off, len;
};

/* Parses a spec given as nwords strings (one string holding the whole spec,
 * or the spec split into argv words; a word right after `raw` is then taken
 * whole as text). Returns 0, -RN_EINVAL with *err filled, or -ENOMEM.
 * Free the spec with rn_craft_free() in every case. */
int rn_craft_parse(const char *const *words, unsigned nwords, struct rn_craft_spec *spec,
		   struct rn_craft_error *err);

void rn_craft_free(struct rn_craft_spec *spec);

/* The keyword of a layer kind ("tcp"). */
const char *rn_craft_kind_name(enum rn_craft_kind kind);

/* True when the user gave field name (e.g. "dst") in layer l. */
bool rn_craft_field_is_set(const struct rn_craft_layer *l, const char *name);

/* Index of the first layer of the given kind at or after from, or -1. */
int rn_craft_find(const struct rn_craft_spec *spec, enum rn_craft_kind kind, unsigned from);

/* Index of the first ip or ip6 layer, or -1. */
int rn_craft_find_ip(const struct rn_craft_spec *spec);

/* Inserts a layer with every field unset at position pos (0 = outermost).
 * -RN_ENOSPC when the spec is full. */
int rn_craft_insert(struct rn_craft_spec *spec, unsigned pos, enum rn_craft_kind kind);

/* What the caller knows about the path: the route's source address and the
 * interface's and next hop's MAC addresses. Fields without has_* stay unset. */
struct rn_craft_env {
	bool has_src4, has_src6, has_smac, has_dmac;
	uint8_t src4[4];
	uint8_t src6[16];
	struct rn_mac smac;      /* the out-interface */
	struct rn_mac dmac;      /* the next hop (the default eth dst) */
	uint64_t seed;           /* random defaults (ids, ports, sequence numbers) derive from it */
};

/* Fills every unset field of packet number index (0-based) of a run:
 *   eth    src = env smac, dst = env dmac (broadcast without one, and for ARP requests),
 *          type from the next layer (0x88b5 before raw data)
 *   vlan   id 1, prio 0, dei 0, type from the next layer
 *   arp    Ethernet/IPv4, op 1 (who-has), hwsrc = env smac, psrc = env src4
 *   ip     src = env src4, ttl 64, random id, proto from the next layer (253 before raw data)
 *   ip6    src = env src6, hlim 64, nh from the next layer (59 when nothing follows)
 *   icmp   echo request, id random per run, seq = index + 1
 *   icmp6  echo request, likewise
 *   udp    random sport (1024-65535) per packet, dport 53
 *   tcp    random sport and seq per packet, dport 80, flags S, window 64240
 * Lengths and checksums are left for emit to compute unless the user set
 * them. The result references the spec's raw data. */
int rn_craft_fill(const struct rn_craft_spec *spec, const struct rn_craft_env *env, uint64_t index,
		  struct rn_craft_spec *out);

/* Offsets of the layers inside a built packet. */
struct rn_craft_built {
	size_t len;              /* total bytes */
	size_t off[RN_CRAFT_MAX_LAYERS];
	int ip;                  /* index of the first ip/ip6 layer, or -1 */
	int family;              /* AF_INET / AF_INET6 of that layer, 0 without one */
	uint8_t proto;           /* its protocol / next header */
	uint8_t dst[16];         /* its destination address */
	uint8_t src[16];         /* and source */
};

/* Emits a filled spec (see rn_craft_fill) into buf, innermost layer first so
 * that every length and checksum covers the finished payload. Returns the
 * length, -RN_ENOSPC, or -RN_EINVAL (a vlan tag or arp without eth in front). */
int rn_craft_emit(const struct rn_craft_spec *filled, uint8_t *buf, size_t cap,
		  struct rn_craft_built *built);

/* rn_craft_fill() then rn_craft_emit(). */
int rn_craft_build(const struct rn_craft_spec *spec, const struct rn_craft_env *env, uint64_t index,
		   uint8_t *buf, size_t cap, struct rn_craft_built *built);

/* Does reply answer probe? Both are network-layer packets (IPv4, IPv6 or ARP)
 * named by their ethertype. Rules, as scapy's answers():
 *   ARP    an is-at from the asked address to the asker
 *   IP     addresses swapped and the same protocol, then by protocol:
 *   ICMP   echo/timestamp/info/mask reply with the request's id and seq
 *   ICMPv6 echo reply with id and seq; a neighbour advert for the solicited target
 *   UDP    ports swapped
 *   TCP    ports swapped; reply.seq near probe.ack (unless the probe is a bare SYN),
 *          reply.ack near probe.seq (unless the reply is a bare RST)
 *   ICMP/ICMPv6 errors from anyone whose quoted packet is the probe
 *          (addresses, protocol, then ports / id+seq / tcp seq as far as quoted). */
bool rn_craft_answers(uint16_t probe_type, struct rn_view probe, uint16_t reply_type,
		      struct rn_view reply);

#endif
