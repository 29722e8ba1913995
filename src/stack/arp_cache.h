/* The TCP stack's neighbour cache and responder: ARP (RFC 826) for its IPv4
 * address and neighbour discovery (RFC 4861 §7.2) for its IPv6 address, the
 * addresses the stack owns instead of the kernel. Pure: Ethernet frames in,
 * frames out, times in microseconds supplied by the caller.
 *
 * Entries do not age: a stack lives as long as its connections, and every
 * ARP or neighbour advertisement from a known peer refreshes its entry. */
#ifndef RAWNET_STACK_ARP_CACHE_H
#define RAWNET_STACK_ARP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/ethernet.h"

#define RN_NEIGH_SLOTS 16
#define RN_NEIGH_RETRANS_US 1000000u   /* RFC 4861 RetransTimer: 1 s */
#define RN_NEIGH_MAX_SOLICIT 3         /* RFC 4861 MAX_MULTICAST_SOLICIT */
#define RN_NEIGH_FRAME_MAX 128         /* room for any frame written here */

enum rn_neigh_state {
	RN_NEIGH_FREE = 0,
	RN_NEIGH_INCOMPLETE,   /* requests sent, no answer yet */
	RN_NEIGH_REACHABLE,    /* the MAC is known */
	RN_NEIGH_FAILED,       /* max_solicit requests went unanswered */
};

struct rn_neigh_entry {
	enum rn_neigh_state state;
	int family;
	uint8_t ip[16];
	struct rn_mac mac;
	unsigned tries;        /* requests sent (INCOMPLETE) */
	uint64_t deadline;     /* INCOMPLETE: when the next request (or failure) is due */
	uint64_t updated;      /* last time it was set: the oldest is reused when full */
};

struct rn_neigh_cache {
	struct rn_mac mac;     /* our MAC */
	bool has_ip4, has_ip6;
	uint8_t ip4[4], ip6[16];
	bool respond;          /* answer ARP requests / solicitations for our addresses */
	uint64_t retrans_us;
	unsigned max_solicit;
	unsigned replies;      /* answers sent (ARP replies and advertisements) */
	struct rn_neigh_entry e[RN_NEIGH_SLOTS];
};

/* Sets up an empty cache for our MAC and addresses (ip4/ip6 may be NULL).
 * respond = false when the kernel owns the address and answers for it. */
void rn_neigh_init(struct rn_neigh_cache *c, const struct rn_mac *mac, const uint8_t ip4[4],
		   const uint8_t ip6[16], bool respond);

/* The MAC of a neighbour (family AF_INET or AF_INET6): 0 with *mac filled;
 * -RN_ENOTFOUND while unknown or being resolved; -RN_ENOANSWER when
 * resolution failed. */
int rn_neigh_lookup(const struct rn_neigh_cache *c, int family, const void *ip, struct rn_mac *mac);

/* Records a neighbour's MAC (as an answer would). */
void rn_neigh_set(struct rn_neigh_cache *c, int family, const void *ip, const struct rn_mac *mac,
		  uint64_t now);

/* Drives resolution of ip: when a request (ARP who-has, or a neighbour
 * solicitation to the solicited-node address) is due at now, writes it into
 * buf and returns its length; 0 when nothing is due (already known, or
 * waiting for an answer until rn_neigh_next_timer()); -RN_ENOANSWER once
 * max_solicit requests went unanswered for retrans_us each. The first call
 * for an address sends at once. -RN_EINVAL when we have no address of that
 * family to ask from. */
int rn_neigh_solicit(struct rn_neigh_cache *c, int family, const void *ip, uint64_t now,
		     uint8_t *buf, size_t cap);

/* Forgets a failed (or any) entry, so that resolution can start again. */
void rn_neigh_forget(struct rn_neigh_cache *c, int family, const void *ip);

/* The earliest deadline of an unresolved entry, or UINT64_MAX. */
uint64_t rn_neigh_next_timer(const struct rn_neigh_cache *c);

/* A received Ethernet frame. Learns from ARP requests and replies (RFC 826's
 * merge: known senders are updated, senders asking for us are added) and
 * from solicitations and advertisements. When the frame asks for our
 * address (and respond is set) writes the answer (ARP reply, or a solicited
 * neighbour advertisement with our link-layer address) into buf and returns
 * its length; 0 when nothing is to be sent; -RN_EUNSUP for frames that are
 * neither ARP nor ND; other negatives for malformed ones. */
int rn_neigh_input(struct rn_neigh_cache *c, const uint8_t *frame, size_t len, uint64_t now,
		   uint8_t *buf, size_t cap);

#endif
