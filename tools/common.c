/* Helpers shared by the subcommands (see common.h). */
#include <err.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <grp.h>
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "common.h"
#include "rawnet/dfilter.h"
#include "rawnet/error.h"
#include "rawnet/filter.h"
#include "rawnet/strbuf.h"

long long opt_int(const char *name, const char *s, long long min, long long max)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 0);
	if (!*s || *end || errno)
		errx(EXIT_USAGE, "%s: %s is not a number", name, s);
	if (v < min || v > max)
		errx(EXIT_USAGE, "%s: %s is out of range (%lld-%lld)", name, s, min, max);
	return v;
}

double opt_seconds(const char *name, const char *s, double min, double max)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !isfinite(v))
		errx(EXIT_USAGE, "%s: %s is not a time", name, s);
	if (!strcmp(end, "ms"))
		v /= 1000;
	else if (!strcmp(end, "us"))
		v /= 1e6;
	else if (*end && strcmp(end, "s"))
		errx(EXIT_USAGE, "%s: %s is not a time", name, s);
	if (v < min || v > max)
		errx(EXIT_USAGE, "%s: %s is out of range (%g-%g s)", name, s, min, max);
	return v;
}

void drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		char *end;
		long uid = strtol(user, &end, 10);
		if (*user && !*end)
			pw = getpwuid((uid_t)uid);
	}
	if (!pw)
		errx(EXIT_USAGE, "-Z: %s is not a user", user);
	if (setgroups(1, &pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
		err(EXIT_USAGE, "-Z %s", user);
	if (pw->pw_uid != 0 && setuid(0) == 0)
		errx(EXIT_USAGE, "-Z %s: could not drop root privileges", user);
}

double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void out_flush(struct rn_strbuf *sb)
{
	size_t off = 0;
	while (off < sb->len) {
		ssize_t n = write(STDOUT_FILENO, sb->buf + off, sb->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err(EXIT_USAGE, "write");
		off += (size_t)n;
	}
	rn_sb_reset(sb);
}

/* Whether expr compiles as a tcpdump (pcap-filter(7)) expression. */
static bool is_pcap_filter(const char *expr)
{
	struct rn_filter *f;
	char msg[256];
	if (rn_filter_compile_dlt(expr, DLT_EN10MB, 262144, &f, msg, sizeof msg) < 0)
		return false;
	rn_filter_free(f);
	return true;
}

/* Whether expr reads as a display filter: it compiles as one, or it has a
 * dotted field name next to one of the language's operators. */
static bool is_display_filter(const char *expr)
{
	struct rn_dfilter *f;
	if (rn_dfilter_compile(expr, &f, NULL) == 0) {
		rn_dfilter_free(f);
		return true;
	}
	static const char *ops[] = { "==", "!=", "&&", "||", " eq ", " contains ", " matches ",
				     "[", " in {" };
	bool dotted = false;
	for (const char *p = expr; *p; p++)
		if (*p == '.' && p > expr && isalpha((unsigned char)p[-1]) &&
		    isalpha((unsigned char)p[1]))
			dotted = true;
	for (size_t i = 0; dotted && i < sizeof ops / sizeof ops[0]; i++)
		if (strstr(expr, ops[i]))
			return true;
	return false;
}

struct rn_dfilter *tool_dfilter(const char *cmd, const char *expr)
{
	struct rn_dfilter *f;
	struct rn_dfilter_error e;
	int rc = rn_dfilter_compile(expr, &f, &e);
	if (rc == 0)
		return f;
	if (rc != -RN_EINVAL)
		errx(EXIT_USAGE, "-Y: %s", rn_strerror(rc));
	char buf[1024];
	rn_dfilter_format_error(expr, &e, buf, sizeof buf);
	if (is_pcap_filter(expr))
		errx(EXIT_USAGE, "-Y: %s\nNote: -Y takes a display filter (Wireshark syntax, "
		     "\"ip.addr==1.2.3.4\"); \"%s\" is a pcap filter (tcpdump syntax): give it "
		     "as the FILTER argument: rawnet %s '%s'", buf, expr, cmd, expr);
	errx(EXIT_USAGE, "-Y: %s", buf);
}

void tool_pcap_filter_error(const char *cmd, const char *expr, const char *msg)
{
	if (is_display_filter(expr))
		errx(EXIT_USAGE, "%s\nNote: FILTER is a pcap filter (tcpdump syntax, \"host "
		     "1.2.3.4\"); \"%s\" is a display filter (Wireshark syntax): give it with "
		     "-Y: rawnet %s -Y '%s'", msg, expr, cmd, expr);
	errx(EXIT_USAGE, "%s", msg);
}
