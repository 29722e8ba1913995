/* A growable text buffer: the printers append to one, the tools write it out.
 * (The library formats; only tools write to files or terminals.) */
#ifndef RAWNET_STRBUF_H
#define RAWNET_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct rn_strbuf {
	char *buf;      /* NUL-terminated when len > 0 */
	size_t len, cap;
	int oom;        /* set when an allocation failed; later appends are dropped */
};

void rn_sb_init(struct rn_strbuf *sb);
void rn_sb_free(struct rn_strbuf *sb);
void rn_sb_reset(struct rn_strbuf *sb);               /* len = 0, keeps the memory */
void rn_sb_append(struct rn_strbuf *sb, const char *s, size_t n);
void rn_sb_puts(struct rn_strbuf *sb, const char *s);
void rn_sb_putc(struct rn_strbuf *sb, char c);
void rn_sb_printf(struct rn_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rn_sb_vprintf(struct rn_strbuf *sb, const char *fmt, va_list ap);
void rn_sb_put_uint(struct rn_strbuf *sb, unsigned long long v); /* fast decimal */

#endif
