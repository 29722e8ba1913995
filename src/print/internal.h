/* Internal interfaces of src/print: formatting helpers shared by the printers. */
#ifndef RAWNET_PRINT_INTERNAL_H
#define RAWNET_PRINT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "rawnet/print.h"
#include "rawnet/strbuf.h"

/* Appends without a call when the buffer has room (the printers' hot path);
 * the strbuf keeps its NUL terminator. */
static inline void rn_fast_append(struct rn_strbuf *sb, const char *s, size_t n)
{
	if (sb->len + n < sb->cap) {
		memcpy(sb->buf + sb->len, s, n);
		sb->len += n;
		sb->buf[sb->len] = '\0';
	} else {
		rn_sb_append(sb, s, n);
	}
}

static inline void rn_fast_putc(struct rn_strbuf *sb, char c)
{
	if (sb->len + 1 < sb->cap) {
		sb->buf[sb->len++] = c;
		sb->buf[sb->len] = '\0';
	} else {
		rn_sb_putc(sb, c);
	}
}

/* Decimal digits of v, right-aligned, zero-padded to at least width. */
static inline void rn_fast_uint(struct rn_strbuf *sb, unsigned long long v, int width)
{
	char tmp[24];
	int i = (int)sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while ((int)sizeof(tmp) - i < width && i > 0)
		tmp[--i] = '0';
	rn_fast_append(sb, tmp + i, sizeof(tmp) - (size_t)i);
}

/* tcpdump's relative TCP sequence numbers: one entry per conversation. */
struct rn_tcp_seq_table;

struct rn_tcp_seq_table *rn_tcp_seq_table_new(void);
void rn_tcp_seq_table_free(struct rn_tcp_seq_table *t);

/* tcpdump's rule (print-tcp.c): on the first segment with ACK (or any SYN)
 * of a conversation record the initial numbers and leave seq/ack absolute;
 * later, make them relative. *thseq, *thack, *rev are what the SACK option
 * printer needs. Returns false when out of memory (numbers stay absolute). */
bool rn_tcp_seq_relative(struct rn_tcp_seq_table *t, int family, const uint8_t *src,
			 const uint8_t *dst, uint16_t sport, uint16_t dport, bool syn,
			 uint32_t *seq, uint32_t *ack, uint32_t *thseq, uint32_t *thack, bool *rev);

/* Line printing with an optional conversation table (NULL: absolute). */
void rn_print_line_with(struct rn_strbuf *out, const struct rn_dissection *d,
			const struct rn_print_opts *opts, struct rn_tcp_seq_table *seqs);

/* DNS message summary as tcpdump's ns_print (without the leading space). */
void rn_print_dns(struct rn_strbuf *out, struct rn_view msg, uint32_t length, int verbose,
		  bool mdns);

/* Hex dump lines; nl_first: each line starts "\n\t" and none ends with a
 * newline (tcpdump's in-line form), else each ends with "\n". */
void rn_hexdump_lines(struct rn_strbuf *out, const uint8_t *data, size_t len, bool ascii,
		      bool nl_first);

/* Formatting helpers. */
void rn_put_ip4(struct rn_strbuf *o, const uint8_t *a);
void rn_put_ip6(struct rn_strbuf *o, const uint8_t *a);
void rn_put_mac(struct rn_strbuf *o, const uint8_t *a);
/* Hex bytes joined by ':' (tcpdump's linkaddr_string for any length). */
void rn_put_linkaddr(struct rn_strbuf *o, const uint8_t *a, size_t n);
/* tcpdump's nd_printn: printable ASCII as is, others as "M-x" / "^X". */
void rn_put_safe(struct rn_strbuf *o, const uint8_t *p, size_t n);

#endif
