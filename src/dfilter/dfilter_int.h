/* Internal to the display-filter engine: the lexer's tokens (tested on
 * their own), the compiled tree and the values it compares. */
#ifndef RAWNET_DFILTER_INT_H
#define RAWNET_DFILTER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rawnet/dfilter.h"

enum df_tok {
	DT_EOF = 0,
	DT_WORD,     /* field names and unquoted literals: 10.0.0.0/8, aa:bb, 0x50, tcp.port */
	DT_STRING,   /* "..." or r"...": str/slen hold the decoded bytes */
	DT_LPAREN, DT_RPAREN, DT_LBRACE, DT_RBRACE, DT_LBRACKET, DT_RBRACKET, DT_COMMA,
	DT_AND, DT_OR, DT_XOR, DT_NOT,
	DT_EQ, DT_NE, DT_ALL_EQ, DT_ANY_NE, DT_LT, DT_GT, DT_LE, DT_GE,
	DT_CONTAINS, DT_MATCHES, DT_IN, DT_BITAND,
};

struct df_token {
	enum df_tok kind;
	size_t pos, len;   /* the token's text in the expression */
	char *str;         /* DT_STRING: decoded bytes (malloc'd, NUL-terminated) */
	size_t slen;
};

/* Lexes the token at s[*pos] (skipping blanks) into *tok and moves *pos past
 * it. Returns 0, -RN_EINVAL with *err set (a bad character, an unterminated
 * string, a bad escape) or -ENOMEM. The caller frees tok->str. */
int df_lex(const char *s, size_t *pos, struct df_token *tok, struct rn_dfilter_error *err);

/* A value of a field occurrence or a literal. Integers: u (UINT, BOOL), i
 * (INT, TIME ns), neg for a negative literal against an unsigned field;
 * addresses: bytes in a[] and plen, the prefix length in bits; byte-like
 * (ETHER, BYTES, STRING, PROTO, slices): p/n. */
struct df_val {
	enum rn_ftype type;
	bool neg;
	uint64_t u;
	int64_t i;
	double d;
	uint8_t a[16];
	unsigned plen;
	const uint8_t *p;
	size_t n;
};

enum df_fn { FN_NONE, FN_LEN, FN_COUNT };

/* A field as a test reads it: optionally sliced, masked, or under len()/count(). */
struct df_entity {
	const struct rn_fdesc *d;
	enum df_fn fn;
	bool sliced;
	long start;         /* < 0: from the end */
	long count;         /* bytes from start; 0 = up to end_incl or to the end */
	bool has_end;
	long end_incl;      /* [i-j] */
	bool has_mask;
	uint64_t mask;
	enum rn_ftype type; /* what the test compares: the field's, or BYTES, UINT */
};

enum df_op {
	OP_EQ, OP_NE, OP_ALL_EQ, OP_ANY_NE, OP_LT, OP_GT, OP_LE, OP_GE,
	OP_CONTAINS, OP_MATCHES, OP_IN,
};

struct df_elem {
	struct df_val lo, hi;
	bool range;
};

enum df_kind { N_AND, N_OR, N_XOR, N_NOT, N_EXISTS, N_LIT, N_FIELDS };

struct df_node {
	enum df_kind kind;
	struct df_node *a, *b;        /* operands of AND/OR/XOR (a, b) and NOT (a) */
	struct df_entity lhs, rhs;    /* rhs: N_FIELDS */
	enum df_op op;
	struct df_elem *set;          /* N_LIT: one element, or the set of OP_IN */
	size_t nset;
	void *re, *md;                /* OP_MATCHES: pcre2_code, pcre2_match_data */
	uint8_t **owned;              /* literal bytes this node owns */
	size_t nowned;
};

struct rn_dfilter {
	struct df_node *root;
};

/* The type's name as tshark words it ("Unsigned integer (2 bytes)"). */
const char *df_type_name(const struct rn_fdesc *d, enum rn_ftype type, char *buf, size_t n);

void df_node_free(struct df_node *n);

#endif
