/* An nftables rule dropping the kernel's RSTs for one TCP 4-tuple
 * (nft(8); the RSTs are the kernel's answer to segments for a connection it
 * does not know, RFC 9293 §3.10.7.1). nft runs as a child process reading
 * its script from a pipe. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rawnet/error.h"
#include "rawnet/nftrst.h"

extern char **environ;

/* "ip saddr A ip daddr B tcp sport P tcp dport Q"; a NULL dst or a zero
 * port leaves that part out (any). */
static int match_expr(int family, const void *src, uint16_t sport, const void *dst,
		      uint16_t dport, char *buf, size_t cap)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	if ((family != AF_INET && family != AF_INET6) || !inet_ntop(family, src, s, sizeof s) ||
	    (dst && !inet_ntop(family, dst, d, sizeof d)))
		return -RN_EINVAL;
	const char *ip = family == AF_INET ? "ip" : "ip6";
	int n = snprintf(buf, cap, "%s saddr %s", ip, s);
	if (n >= 0 && dst && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, " %s daddr %s", ip, d);
	if (n >= 0 && sport && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, " tcp sport %u", sport);
	if (n >= 0 && dport && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, " tcp dport %u", dport);
	return n < 0 || (size_t)n >= cap ? -RN_ENOSPC : n;
}

int rn_nftrst_format(int family, const void *src, uint16_t sport, const void *dst,
		     uint16_t dport, const char *table, char *buf, size_t cap)
{
	char m[256];
	int rc = match_expr(family, src, sport, dst, dport, m, sizeof m);
	if (rc < 0)
		return rc;
	int n = snprintf(buf, cap,
			 "nft add table inet %s\n"
			 "nft add chain inet %s out '{ type filter hook output priority 0; }'\n"
			 "nft add rule inet %s out %s tcp flags '&' rst == rst counter drop\n",
			 table, table, table, m);
	return n < 0 || (size_t)n >= cap ? -RN_ENOSPC : n;
}

/* Runs "nft -f -" with script on its standard input; its first line of
 * standard error goes to err. */
static int run_nft(const char *script, char *err, size_t errlen)
{
	int in[2], er[2];
	if (err && errlen)
		err[0] = '\0';
	if (pipe2(in, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(er, O_CLOEXEC) < 0) {
		int e = errno;
		close(in[0]);
		close(in[1]);
		return -e;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, er[1], 2);
	char *argv[] = { "nft", "-f", "-", NULL };
	pid_t pid;
	int rc = posix_spawnp(&pid, "nft", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(er[1]);
	if (rc != 0) {
		close(in[1]);
		close(er[0]);
		return rc == ENOENT ? -RN_ENOTFOUND : -rc;
	}
	/* a dead nft must not kill us with SIGPIPE */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ign, &old);
	size_t len = strlen(script), off = 0;
	while (off < len) {
		ssize_t n = write(in[1], script + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(in[1]);
	sigaction(SIGPIPE, &old, NULL);

	char buf[512];
	size_t got = 0;
	for (;;) {
		ssize_t n = read(er[0], buf + got, sizeof buf - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof buf - 1) {
			char sink[256];
			while (read(er[0], sink, sizeof sink) > 0)
				;
			break;
		}
	}
	close(er[0]);
	buf[got] = '\0';
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (err && errlen) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(err, errlen, "%s", buf[0] ? buf : "nft failed");
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -RN_ENOTFOUND;
	return -EPERM;
}

int rn_nftrst_add(struct rn_nftrst *f, int family, const void *src, uint16_t sport,
		  const void *dst, uint16_t dport, char *err, size_t errlen)
{
	memset(f, 0, sizeof *f);
	snprintf(f->table, sizeof f->table, "rawnet_%ld_%u", (long)getpid(), sport);
	char m[256], script[1024];
	int rc = match_expr(family, src, sport, dst, dport, m, sizeof m);
	if (rc < 0)
		return rc;
	snprintf(script, sizeof script,
		 "add table inet %s\n"
		 "add chain inet %s out { type filter hook output priority 0; policy accept; }\n"
		 "add rule inet %s out %s tcp flags & rst == rst counter drop\n",
		 f->table, f->table, f->table, m);
	rc = run_nft(script, err, errlen);
	if (rc < 0)
		return rc;
	f->installed = true;
	return 0;
}

int rn_nftrst_remove(struct rn_nftrst *f)
{
	if (!f->installed)
		return 0;
	char script[128];
	snprintf(script, sizeof script, "delete table inet %s\n", f->table);
	int rc = run_nft(script, NULL, 0);
	if (rc == 0)
		f->installed = false;
	return rc;
}
