/* Capture files: a reader for pcap (microsecond and nanosecond magics, both
 * byte orders) and pcapng (SHB, IDB, EPB, SPB, OPB; other blocks skipped).
 * The whole file is mapped (or, for a pipe, read) once; records are handed
 * out as rn_pkt views into it, valid until rn_pcap_close(). */
#ifndef RAWNET_PCAPFILE_H
#define RAWNET_PCAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/print.h"

enum rn_pcap_format {
	RN_PCAP_CLASSIC = 1,
	RN_PCAP_NG = 2,
};

struct rn_pcap_reader; /* opaque */

/* Opens path ("-" is standard input) and reads the file header. Returns 0,
 * -errno, or -RN_EFORMAT with rn_pcap_error() telling what is wrong (in
 * libpcap's words, e.g. "unsupported pcap savefile version 1.4"). *out is set
 * even on -RN_EFORMAT (so the message can be read); close it. */
int rn_pcap_open(const char *path, struct rn_pcap_reader **out);

/* The same over bytes the caller keeps alive (no copy). */
int rn_pcap_open_mem(const void *data, size_t len, struct rn_pcap_reader **out);

/* The next packet: 1 with *pkt filled (number counts from 1), 0 at a clean
 * end of file, -RN_EFORMAT at damage: rn_pcap_error() says what and
 * rn_pcap_offset() where (the byte offset of the bad record). */
int rn_pcap_next(struct rn_pcap_reader *r, struct rn_pkt *pkt);

/* The link type of the first interface (pcap: the file's). -1 when unknown. */
int rn_pcap_linktype(const struct rn_pcap_reader *r);

/* The snapshot length from the header (first interface for pcapng). */
uint32_t rn_pcap_snaplen(const struct rn_pcap_reader *r);

enum rn_pcap_format rn_pcap_format(const struct rn_pcap_reader *r);

/* True when the file's timestamps are in nanoseconds (pcap magic, or the
 * first interface's if_tsresol). */
bool rn_pcap_nano(const struct rn_pcap_reader *r);

/* Byte offset of the record being read (the damaged one after an error). */
uint64_t rn_pcap_offset(const struct rn_pcap_reader *r);

/* A description of the last error ("" when none). */
const char *rn_pcap_error(const struct rn_pcap_reader *r);

void rn_pcap_close(struct rn_pcap_reader *r);

#endif
