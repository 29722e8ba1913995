/* Helpers shared by the subcommands (see common.h). */
#include <err.h>
#include <errno.h>
#include <grp.h>
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
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
