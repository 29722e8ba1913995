/* Helpers shared by the subcommands: option values checked with messages
 * that name the bad input, and privilege dropping. */
#ifndef RAWNET_TOOLS_COMMON_H
#define RAWNET_TOOLS_COMMON_H

#include <stdbool.h>
#include <stdint.h>

/* Exit codes of every subcommand. */
#define EXIT_OK      0
#define EXIT_NOREPLY 1  /* no answer / failed transfer */
#define EXIT_USAGE   2  /* bad usage or error */

/* Parses a decimal (or 0x hex) integer in [min, max]; on failure prints
 * "rawnet: NAME: VALUE is ..." and exits 2. */
long long opt_int(const char *name, const char *s, long long min, long long max);

/* Parses seconds as a decimal fraction ("0.2", "1", "1.5s", "200ms"), in
 * [min, max]; exits 2 naming the bad value. */
double opt_seconds(const char *name, const char *s, double min, double max);

/* Switches to user (name or uid) after sockets are open; exits 2 on failure. */
void drop_privileges(const char *user);

struct rn_strbuf;

/* Writes all of sb to standard output (retrying short writes and EINTR) and
 * empties it; exits 2 with a message when the write fails. */
void out_flush(struct rn_strbuf *sb);

struct rn_dfilter;

/* -Y EXPR: the compiled display filter; a bad one exits 2 with tshark's
 * message, the expression with a caret under the bad token, and, when EXPR
 * is pcap syntax ("host 1.2.3.4"), a note that the pcap filter goes as the
 * FILTER argument of cmd ("read FILE", "sniff", "follow FILE"). */
struct rn_dfilter *tool_dfilter(const char *cmd, const char *expr);

/* A pcap FILTER that did not compile (msg from rn_filter_compile): exits 2
 * with msg, and a note that a display filter ("ip.dst==10.0.0.1") belongs
 * to -Y when it looks like one. */
void tool_pcap_filter_error(const char *cmd, const char *expr, const char *msg)
	__attribute__((noreturn));

/* Monotonic time in seconds. */
double mono_now(void);

#endif
