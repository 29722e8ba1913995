/* Dissectors: packets -> tcpdump-style lines, hex dumps, a verbose tree, JSON.
 * All output is appended to a caller's rn_strbuf; nothing here does I/O. */
#ifndef RAWNET_PRINT_H
#define RAWNET_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/strbuf.h"

/* Link types (the pcap LINKTYPE_* numbers). */
#define RN_LINK_NULL      0
#define RN_LINK_ETHERNET  1
#define RN_LINK_RAW       101   /* raw IPv4 or IPv6, by version nibble */
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
};

struct rn_print_opts {
	int verbose;            /* -v count */
	bool eth;               /* -e: link-level header */
	bool quiet;             /* -q */
	bool number;            /* -#: frame number prefix */
	int tsmode;             /* 0 none (-t), 1 default, 2 -tt, 3 -ttt, 4 -tttt, 5 -ttttt */
	bool nano;              /* --nano: nanosecond timestamps */
	int hex;                /* 0, or 'x', 'X' ('x' with ASCII), 'A' */
	bool hex_link;          /* -xx / -XX / -AA: dump the link header too */
};

/* Appends the tcpdump -n line for one packet, without the timestamp or frame
 * number prefix and with the trailing newline (plus the hex dump when
 * opts->hex). Never fails: malformed parts print as tcpdump prints them. */
void rn_print_summary(struct rn_strbuf *out, const struct rn_pkt *pkt,
		      const struct rn_print_opts *opts);

/* Appends tcpdump's -x / -X style dump of data (offsets "\t0x0000:  "). */
void rn_print_hexdump(struct rn_strbuf *out, const uint8_t *data, size_t len, bool ascii);

#endif
