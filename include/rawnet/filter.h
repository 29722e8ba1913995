/* Packet filters in tcpdump's language (pcap-filter(7)), compiled by libpcap
 * for a link type into classic BPF: attached to a socket with
 * SO_ATTACH_FILTER for live capture, or run in user space over file records. */
#ifndef RAWNET_FILTER_H
#define RAWNET_FILTER_H

#include <stddef.h>
#include <stdint.h>

struct sock_fprog;
struct rn_filter; /* opaque */

/* Compiles expr for a pcap LINKTYPE_* number (RN_LINK_*; converted to libpcap's
 * DLT where the two differ, e.g. RAW 101 -> DLT_RAW). snaplen is what the
 * program returns for an accepted packet (the kernel keeps that many bytes;
 * 0 means 262144). An empty or NULL expr accepts everything. Returns 0, or
 * -RN_EINVAL with libpcap's message (pcap_geterr) in err, or -RN_EUNSUP for a
 * link type libpcap does not know. The netmask is 0, as tcpdump -r uses
 * ("ip broadcast" then means 255.255.255.255 or 0.0.0.0). */
int rn_filter_compile(const char *expr, int linktype, uint32_t snaplen, struct rn_filter **out,
		      char *err, size_t errlen);

/* The same for a libpcap DLT_* value (pcap_datalink_name_to_val() gives one
 * from a name such as "EN10MB"). */
int rn_filter_compile_dlt(const char *expr, int dlt, uint32_t snaplen, struct rn_filter **out,
			  char *err, size_t errlen);

/* The compiled program in the layout SO_ATTACH_FILTER takes (valid while f lives). */
const struct sock_fprog *rn_filter_prog(const struct rn_filter *f);

/* Runs the program over one packet (caplen bytes of data, wire length len) in
 * user space: the program's return value, 0 meaning "reject". */
unsigned rn_filter_run(const struct rn_filter *f, const uint8_t *data, uint32_t caplen,
		       uint32_t len);

/* The libpcap DLT for a LINKTYPE number (identity for most). */
int rn_linktype_to_dlt(int linktype);

void rn_filter_free(struct rn_filter *f);

#endif
