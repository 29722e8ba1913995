/* A growable text buffer (see rawnet/strbuf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawnet/strbuf.h"

void rn_sb_init(struct rn_strbuf *sb)
{
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->oom = 0;
}

void rn_sb_free(struct rn_strbuf *sb)
{
	free(sb->buf);
	rn_sb_init(sb);
}

void rn_sb_reset(struct rn_strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

static int sb_reserve(struct rn_strbuf *sb, size_t extra)
{
	if (sb->oom)
		return -1;
	if (sb->len + extra + 1 <= sb->cap)
		return 0;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	char *p = realloc(sb->buf, cap);
	if (!p) {
		sb->oom = 1;
		return -1;
	}
	sb->buf = p;
	sb->cap = cap;
	return 0;
}

void rn_sb_append(struct rn_strbuf *sb, const char *s, size_t n)
{
	if (sb_reserve(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void rn_sb_puts(struct rn_strbuf *sb, const char *s)
{
	rn_sb_append(sb, s, strlen(s));
}

void rn_sb_putc(struct rn_strbuf *sb, char c)
{
	if (sb_reserve(sb, 1))
		return;
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

void rn_sb_vprintf(struct rn_strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	size_t room = sb->cap > sb->len ? sb->cap - sb->len : 0;
	int n = vsnprintf(room ? sb->buf + sb->len : NULL, room, fmt, ap);
	if (n < 0) {
		va_end(ap2);
		return;
	}
	if ((size_t)n >= room) {
		if (sb_reserve(sb, (size_t)n)) {
			va_end(ap2);
			return;
		}
		vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap2);
	}
	sb->len += (size_t)n;
	va_end(ap2);
}

void rn_sb_printf(struct rn_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rn_sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

void rn_sb_put_uint(struct rn_strbuf *sb, unsigned long long v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	rn_sb_append(sb, tmp + i, sizeof(tmp) - i);
}
