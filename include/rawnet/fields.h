/* Wireshark-style output of dissected packets: one flat JSON object per
 * packet with Wireshark's display-filter field names (-T json), and the
 * protocol tree with every field of every layer (-V). Both format from
 * rn_dissect() (rawnet/print.h); output is appended to an rn_strbuf. */
#ifndef RAWNET_FIELDS_H
#define RAWNET_FIELDS_H

#include "rawnet/print.h"
#include "rawnet/strbuf.h"

/* ---- -T json ----------------------------------------------------------
 * Keys are display-filter field names; each value is what
 * `tshark -T fields -e NAME` prints for the packet (occurrences joined by
 * ','), as a JSON number where tshark prints a plain decimal number, else as
 * a JSON string. Checksum statuses are those of tshark with checksum
 * validation on (0 bad, 1 good, 2 unverified); HTTP and DNS fields are
 * those of a packet on its own (tshark -o tcp.desegment_tcp_streams:FALSE).
 * A field is absent when tshark prints nothing for it. Fields that need the
 * packets before (tcp.stream, tcp.seq, tcp.ack, tcp.nxtseq) come from the
 * printer's conversation table. */

struct rn_json; /* opaque: the conversation state */

int rn_json_new(struct rn_json **out);
void rn_json_free(struct rn_json *j);

/* Appends one line: the JSON object for pkt and a newline. pkt->number is
 * frame.number. Never fails (out of memory: the conversation fields are left
 * out). Never reads past pkt->caplen. */
void rn_json_packet(struct rn_json *j, struct rn_strbuf *out, const struct rn_pkt *pkt);

/* ---- -V -------------------------------------------------------------- */

/* Appends the tree for pkt as tshark -V lays it out: a summary line per
 * layer, its fields indented by four spaces per level, bit fields drawn as
 * ". 1.. ...." masks; a truncated layer ends with
 * "[Malformed Packet: truncated (N of M bytes captured)]" style notes and an
 * invalid one names the field that lies. A blank line ends the packet. */
void rn_print_tree(struct rn_strbuf *out, const struct rn_pkt *pkt);

#endif
