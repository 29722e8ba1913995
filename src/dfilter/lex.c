/* The display-filter lexer: Wireshark's tokens. Words are runs of letters,
 * digits and _ . : - / (field names, numbers, addresses, CIDR prefixes,
 * byte strings and a..b ranges are all words, told apart by the parser from
 * the field they meet); strings are "..." with C escapes or r"..." raw. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawnet/error.h"
#include "dfilter/dfilter_int.h"

static int fail(struct rn_dfilter_error *err, size_t pos, size_t len, const char *fmt,
		const char *arg)
{
	if (err) {
		err->pos = pos;
		err->len = len;
		snprintf(err->msg, sizeof err->msg, fmt, arg);
	}
	return -RN_EINVAL;
}

static bool word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '-' || c == '/';
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A quoted string starting at s[start] (the quote, after r for raw). */
static int lex_string(const char *s, size_t start, size_t q, bool raw, size_t *pos,
		      struct df_token *tok, struct rn_dfilter_error *err)
{
	size_t i = q + 1, n = 0;
	char *out = malloc(strlen(s + q) + 1);
	if (!out)
		return -ENOMEM;
	for (;;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\0') {
			free(out);
			return fail(err, start, i - start,
				    "The final quote was missing from a quoted string.%s", "");
		}
		if (c == '"') {
			i++;
			break;
		}
		if (c != '\\') {
			out[n++] = (char)c;
			i++;
			continue;
		}
		unsigned char e = (unsigned char)s[i + 1];
		if (raw) { /* r"\d" keeps the backslash; \" still does not end it */
			out[n++] = '\\';
			if (e == '"' || e == '\\') {
				out[n++] = (char)e;
				i += 2;
			} else {
				i++;
			}
			continue;
		}
		size_t esc = i;
		i += 2;
		switch (e) {
		case 'a': out[n++] = '\a'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'v': out[n++] = '\v'; break;
		case '\\': case '"': case '\'': case '?': out[n++] = (char)e; break;
		case 'x': {
			int h1 = hexval((unsigned char)s[i]);
			if (h1 < 0) {
				free(out);
				return fail(err, esc, 2, "%s", "\\x must be followed by hex digits.");
			}
			int v = h1;
			i++;
			int h2 = hexval((unsigned char)s[i]);
			if (h2 >= 0) {
				v = v * 16 + h2;
				i++;
			}
			out[n++] = (char)v;
			break;
		}
		default:
			if (e >= '0' && e <= '7') {
				int v = e - '0';
				for (int k = 0; k < 2 && s[i] >= '0' && s[i] <= '7'; k++)
					v = v * 8 + (s[i++] - '0');
				if (v > 255) {
					free(out);
					return fail(err, esc, i - esc, "%s",
						    "An octal escape is at most \\377.");
				}
				out[n++] = (char)v;
				break;
			}
			free(out);
			if (e == '\0')
				return fail(err, start, esc + 1 - start,
					    "The final quote was missing from a quoted string.%s", "");
			char bad[3] = { '\\', (char)e, 0 };
			return fail(err, esc, 2, "Invalid escape sequence \"%s\" in a string.", bad);
		}
	}
	out[n] = '\0';
	tok->kind = DT_STRING;
	tok->pos = start;
	tok->len = i - start;
	tok->str = out;
	tok->slen = n;
	*pos = i;
	return 0;
}

struct kw {
	const char *w;
	enum df_tok k;
};

static const struct kw keywords[] = {
	{ "and", DT_AND }, { "or", DT_OR }, { "xor", DT_XOR }, { "not", DT_NOT },
	{ "eq", DT_EQ }, { "any_eq", DT_EQ }, { "ne", DT_NE }, { "all_ne", DT_NE },
	{ "all_eq", DT_ALL_EQ }, { "any_ne", DT_ANY_NE },
	{ "lt", DT_LT }, { "gt", DT_GT }, { "le", DT_LE }, { "ge", DT_GE },
	{ "contains", DT_CONTAINS }, { "matches", DT_MATCHES }, { "in", DT_IN },
};

static const struct kw symbols[] = { /* longest first */
	{ "===", DT_ALL_EQ }, { "!==", DT_ANY_NE },
	{ "==", DT_EQ }, { "!=", DT_NE }, { "~=", DT_ANY_NE }, { "<=", DT_LE }, { ">=", DT_GE },
	{ "&&", DT_AND }, { "||", DT_OR }, { "^^", DT_XOR },
	{ "<", DT_LT }, { ">", DT_GT }, { "!", DT_NOT }, { "~", DT_MATCHES }, { "&", DT_BITAND },
	{ "(", DT_LPAREN }, { ")", DT_RPAREN }, { "{", DT_LBRACE }, { "}", DT_RBRACE },
	{ "[", DT_LBRACKET }, { "]", DT_RBRACKET }, { ",", DT_COMMA },
};

int df_lex(const char *s, size_t *pos, struct df_token *tok, struct rn_dfilter_error *err)
{
	size_t i = *pos;
	memset(tok, 0, sizeof *tok);
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	tok->pos = i;
	if (s[i] == '\0') {
		tok->kind = DT_EOF;
		*pos = i;
		return 0;
	}
	if (s[i] == '"')
		return lex_string(s, i, i, false, pos, tok, err);
	if ((s[i] == 'r' || s[i] == 'R') && s[i + 1] == '"')
		return lex_string(s, i, i + 1, true, pos, tok, err);
	if (word_char((unsigned char)s[i])) {
		size_t j = i;
		while (word_char((unsigned char)s[j]))
			j++;
		tok->kind = DT_WORD;
		tok->len = j - i;
		for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
			if (strlen(keywords[k].w) == tok->len &&
			    memcmp(keywords[k].w, s + i, tok->len) == 0)
				tok->kind = keywords[k].k;
		*pos = j;
		return 0;
	}
	for (size_t k = 0; k < sizeof symbols / sizeof symbols[0]; k++) {
		size_t n = strlen(symbols[k].w);
		if (strncmp(s + i, symbols[k].w, n) == 0) {
			tok->kind = symbols[k].k;
			tok->len = n;
			*pos = i + n;
			return 0;
		}
	}
	/* one character, or one UTF-8 sequence, shown as it was written */
	size_t n = 1;
	while (((unsigned char)s[i + n] & 0xc0) == 0x80 && n < 4)
		n++;
	char bad[8];
	memcpy(bad, s + i, n);
	bad[n] = '\0';
	return fail(err, i, n, "\"%s\" was unexpected in this context.", bad);
}
