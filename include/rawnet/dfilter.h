/* Display filters: Wireshark's filter language (tshark -Y) compiled once
 * against the registered field names (rawnet/ftree.h) and run on each
 * packet's field tree.
 *
 *     struct rn_dfilter *f;
 *     struct rn_dfilter_error e;
 *     if (rn_dfilter_compile("ip.src == 10.0.0.0/8 && tcp.port in {80, 443}", &f, &e) < 0)
 *             ... e.msg, e.pos, e.len ...
 *     while (next packet) { build its tree t; if (rn_dfilter_match(f, t)) show it; }
 *     rn_dfilter_free(f);
 *
 * The language (as Wireshark 4.0's):
 *   tests      FIELD (presence), FIELD OP VALUE, FIELD OP FIELD,
 *              FIELD contains VALUE, FIELD matches "REGEX" (PCRE2, caseless
 *              unless the pattern says (?-i)), FIELD [not] in {V, V, LO..HI},
 *              FIELD & MASK (true when any bit is set)
 *   OP         == eq any_eq   != ne all_ne   === all_eq   !== ~= any_ne
 *              < lt  > gt  <= le  >= ge     (~ is matches)
 *   logic      ! not, && and, ^^ xor, || or, ( ) ; not binds tightest, then
 *              and, xor, or
 *   FIELD      a display-filter name, optionally sliced: [i:n] n bytes from
 *              i, [i-j] bytes i to j, [i] one byte, [:n], [n:]; i < 0 counts
 *              from the end; len(FIELD), count(FIELD)
 *   VALUE      read as the field's type: integers 80, 0x50, 0120, 0b1010,
 *              -1; booleans 1, 0, True, False; addresses 10.0.0.1,
 *              10.0.0.0/8, fd00::1, fd00::/16, 02:00:00:00:00:01 (also - and
 *              . separated, or 12 hex digits); bytes aa:bb:cc, aa-bb, aabb,
 *              or one byte "0a" written 0a; strings "..." with \\ \" \n \t
 *              \r \xhh \ooo escapes; decimals 1.5
 *
 * Every comparison is true when any occurrence of the field matches (a
 * packet has two ip.addr, two tcp.port), except != (all_ne) and === (all_eq),
 * which need every occurrence to differ (to equal), and a field present.
 * The library never prints; errors come back in struct rn_dfilter_error. */
#ifndef RAWNET_DFILTER_H
#define RAWNET_DFILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "rawnet/ftree.h"

struct rn_dfilter;

/* Where and why compiling failed: msg is one sentence, in tshark's words
 * where tshark has them; the bad token is expr[pos, pos+len) (len 0 when
 * the expression ended early: there is no token to point at). */
struct rn_dfilter_error {
	size_t pos, len;
	char msg[256];
};

/* Compiles expr. Returns 0 and *out, or -RN_EINVAL (a bad expression; *err
 * says where and why; err may be NULL) or -ENOMEM. */
int rn_dfilter_compile(const char *expr, struct rn_dfilter **out, struct rn_dfilter_error *err);

/* Whether the packet behind tree t passes the filter. */
bool rn_dfilter_match(const struct rn_dfilter *f, const struct rn_ftree *t);

void rn_dfilter_free(struct rn_dfilter *f);

/* Formats err as tshark does, into buf (NUL-terminated, cut to size): the
 * message, then the expression indented by four spaces and a caret line
 * under the bad token ("^~~~"), without a final newline. Returns the length
 * it needed (as snprintf). */
int rn_dfilter_format_error(const char *expr, const struct rn_dfilter_error *err, char *buf,
			    size_t size);

#endif
