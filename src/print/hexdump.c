/* Hex and ASCII dumps laid out as tcpdump's -x, -X and -A (print-ascii.c):
 * 16 bytes a line, "\t0x0010: " offsets, 2-byte groups, graphic ASCII. */
#include "print/internal.h"

static const char hexdig[] = "0123456789abcdef";

static bool is_graph(uint8_t c)
{
	return c > 0x20 && c < 0x7f;
}

/* tcpdump's form: every line starts with "\n\t" (nl) or ends with "\n". */
void rn_hexdump_lines(struct rn_strbuf *out, const uint8_t *data, size_t len, bool ascii,
		      bool nl_first)
{
	char line[128];
	for (size_t off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16, k = 0;
		if (nl_first)
			line[k++] = '\n';
		line[k++] = '\t';
		line[k++] = '0';
		line[k++] = 'x';
		for (int s = 12; s >= 0; s -= 4)
			line[k++] = hexdig[(off >> s) & 15];
		line[k++] = ':';
		line[k++] = ' ';
		size_t hex_start = k;
		for (size_t i = 0; i < n; i++) {
			if (!(i & 1))
				line[k++] = ' ';
			line[k++] = hexdig[data[off + i] >> 4];
			line[k++] = hexdig[data[off + i] & 15];
		}
		if (ascii) {
			while (k - hex_start < 40)
				line[k++] = ' ';
			line[k++] = ' ';
			line[k++] = ' ';
			for (size_t i = 0; i < n; i++)
				line[k++] = is_graph(data[off + i]) ? (char)data[off + i] : '.';
		}
		if (!nl_first)
			line[k++] = '\n';
		rn_sb_append(out, line, k);
	}
}

void rn_print_hexdump(struct rn_strbuf *out, const uint8_t *data, size_t len, bool ascii)
{
	rn_hexdump_lines(out, data, len, ascii, false);
}

void rn_print_ascii(struct rn_strbuf *out, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = data[i];
		if (c == '\r') {
			if (i + 1 == len || data[i + 1] != '\n')
				rn_sb_putc(out, '.');
		} else if (!is_graph(c) && c != '\t' && c != ' ' && c != '\n') {
			rn_sb_putc(out, '.');
		} else {
			rn_sb_putc(out, (char)c);
		}
	}
}
