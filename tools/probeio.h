/* What traceroute and scan share: the target's address, the route to it,
 * a raw socket to send whole IP packets and a capture socket on the
 * out-interface to read the answers. */
#ifndef RAWNET_TOOLS_PROBEIO_H
#define RAWNET_TOOLS_PROBEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/netinfo.h"
#include "rawnet/view.h"

struct rn_packet;

struct probeio {
	int family;
	uint8_t src[16];
	struct rn_iface ifc;      /* the out-interface */
	int rawfd;                /* send: IP_HDRINCL / IPV6_HDRINCL */
	struct rn_packet *rx;     /* answers: AF_PACKET on ifc, incoming only */
	int linktype;
};

/* Resolves host (a name or an address; family AF_UNSPEC, AF_INET or
 * AF_INET6) into addr and *family; exits 2 naming host when it cannot. */
void probe_resolve(const char *host, int *family, uint8_t addr[16]);

/* The route to dst: source address and out-interface into io; exits 2 when
 * there is none. */
void probe_route(struct probeio *io, int family, const uint8_t dst[16]);

/* Opens the raw socket and the capture socket on io->ifc; exits 2 on error. */
void probe_open(struct probeio *io);

/* Waits up to timeout_ms for an incoming frame and gives its IP packet: 1
 * (with *ip set, valid until the next call, and *ts the kernel's receive
 * time on the probe_clock() scale), 0 on timeout, negative on error
 * (-EINTR on a signal). Frames that are not IP of io's family are skipped. */
int probe_next(struct probeio *io, struct rn_view *ip, double *ts, int timeout_ms);

/* The clock of capture timestamps (CLOCK_REALTIME), in seconds: take send
 * times from it so that round-trip times are the kernel's, not the time
 * it took to wake up. */
double probe_clock(void);

/* Sends one whole IP packet to dst; 0 or -errno. */
int probe_send(struct probeio *io, const uint8_t dst[16], const uint8_t *pkt, size_t len);

/* An address as text. */
const char *probe_addr(int family, const void *addr, char *buf, size_t cap);

void probe_close(struct probeio *io);

#endif
