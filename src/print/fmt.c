/* Formatting helpers for the printers: addresses and safe text, appended to
 * an rn_strbuf without going through printf on the hot path. */
#include <arpa/inet.h>
#include <string.h>

#include "print/internal.h"

static const char hexdig[] = "0123456789abcdef";

void rn_put_ip4(struct rn_strbuf *o, const uint8_t *a)
{
	char buf[16];
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];
		if (v >= 100) {
			buf[n++] = (char)('0' + v / 100);
			buf[n++] = (char)('0' + v / 10 % 10);
		} else if (v >= 10) {
			buf[n++] = (char)('0' + v / 10);
		}
		buf[n++] = (char)('0' + v % 10);
		if (i < 3)
			buf[n++] = '.';
	}
	rn_fast_append(o, buf, n);
}

void rn_put_ip6(struct rn_strbuf *o, const uint8_t *a)
{
	char buf[INET6_ADDRSTRLEN];
	if (inet_ntop(AF_INET6, a, buf, sizeof(buf)))
		rn_sb_puts(o, buf);
}

void rn_put_mac(struct rn_strbuf *o, const uint8_t *a)
{
	char buf[17];
	for (int i = 0; i < 6; i++) {
		buf[i * 3] = hexdig[a[i] >> 4];
		buf[i * 3 + 1] = hexdig[a[i] & 15];
		if (i < 5)
			buf[i * 3 + 2] = ':';
	}
	rn_sb_append(o, buf, 17);
}

void rn_put_linkaddr(struct rn_strbuf *o, const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char b[3] = { hexdig[a[i] >> 4], hexdig[a[i] & 15], ':' };
		rn_sb_append(o, b, i + 1 < n ? 3 : 2);
	}
}

void rn_put_safe(struct rn_strbuf *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c & 0x80) {
			rn_sb_append(o, "M-", 2);
			c &= 0x7f;
		}
		if (c < 0x20 || c == 0x7f) {
			rn_sb_putc(o, '^');
			rn_sb_putc(o, (char)(c ^ 0x40));
		} else {
			rn_sb_putc(o, (char)c);
		}
	}
}
