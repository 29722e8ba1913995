/* Capture file writers: classic pcap (microsecond or nanosecond timestamps;
 * draft-ietf-opsawg-pcap) and pcapng (draft-ietf-opsawg-pcapng: one section
 * header, one interface description block, enhanced packet blocks, and an
 * interface statistics block at the end when counts are given).
 *
 * Records are buffered; rn_pcapw_close() (or rn_pcapw_flush()) writes out
 * everything, so a tool that stops on SIGINT by leaving its loop and closing
 * the writer always leaves a complete file. */
#ifndef RAWNET_PCAPWRITE_H
#define RAWNET_PCAPWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rn_pcapw_format {
	RN_PCAPW_USEC = 0,       /* pcap, magic a1b2c3d4, microseconds */
	RN_PCAPW_NSEC,           /* pcap, magic a1b23c4d, nanoseconds */
	RN_PCAPW_NG,              /* pcapng, if_tsresol 9 (nanoseconds) */
};

struct rn_pcapw_opts {
	enum rn_pcapw_format format;
	int linktype;           /* RN_LINK_* (the pcap LINKTYPE_ number) */
	uint32_t snaplen;       /* 0 = 262144 */
	const char *ifname;     /* pcapng if_name; NULL for none */
	const char *ifdescr;    /* pcapng if_description; NULL for none */
	const char *application;/* pcapng shb_userappl; NULL for "rawnet VERSION" */
	bool packet_buffered;   /* write each record out at once (tcpdump -U) */
};

struct rn_pcapw; /* opaque */

/* Creates (truncates) path, mode 0644 less the umask, and writes the file
 * header. "-" is standard output. */
int rn_pcapw_open(const char *path, const struct rn_pcapw_opts *opts, struct rn_pcapw **out);

/* The same on an open descriptor (not closed by rn_pcapw_close). */
int rn_pcapw_open_fd(int fd, const struct rn_pcapw_opts *opts, struct rn_pcapw **out);

/* Appends one packet: caplen bytes of data (cut to the snaplen), len on the
 * wire. 0 or a negative error (-errno of a failed write). */
int rn_pcapw_write(struct rn_pcapw *w, int64_t ts_sec, uint32_t ts_nsec,
		   const uint8_t *data, uint32_t caplen, uint32_t len);

/* Writes out buffered records. */
int rn_pcapw_flush(struct rn_pcapw *w);

/* pcapng only: at close, an interface statistics block with these counts
 * (isb_ifrecv, isb_ifdrop) stamped with the given time. Ignored for pcap. */
void rn_pcapw_set_stats(struct rn_pcapw *w, uint64_t received, uint64_t dropped,
			int64_t ts_sec, uint32_t ts_nsec);

/* Bytes in the file so far, buffered ones included (for size rotation). */
uint64_t rn_pcapw_size(const struct rn_pcapw *w);

/* Packets written so far. */
uint64_t rn_pcapw_count(const struct rn_pcapw *w);

/* Flushes, closes and frees (NULL is fine). 0 or the first error seen by any
 * write, flush, fsync-free close of the file. */
int rn_pcapw_close(struct rn_pcapw *w);

#endif
