/* Keeping the kernel out of a user-space TCP connection that uses one of the
 * host's own addresses: the kernel knows no socket for it and answers every
 * segment with a RST (RFC 9293 §3.10.7.1). An nftables rule on the output
 * hook drops those RSTs for exactly one 4-tuple. The rule lives in its own
 * table ("inet rawnet_<pid>_<n>"), so removing it removes nothing else.
 * Runs nft(8); needs CAP_NET_ADMIN. */
#ifndef RAWNET_NFTRST_H
#define RAWNET_NFTRST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rn_nftrst {
	char table[40];          /* "rawnet_<pid>_<n>" */
	bool installed;
};

/* The nft commands (shell syntax, one per line) that add the rule for
 * src:sport > dst:dport, family AF_INET or AF_INET6, in table. A port of 0
 * or a NULL dst leaves that part out (any): a listener's rule is src:sport
 * to anyone. Length or -RN_ENOSPC. */
int rn_nftrst_format(int family, const void *src, uint16_t sport, const void *dst,
		     uint16_t dport, const char *table, char *buf, size_t cap);

/* Adds the rule in a new table of its own. 0, or -RN_ENOTFOUND when nft is
 * not installed, -EPERM when nft refused (its first error line goes to err
 * when err is not NULL), -errno when it could not be run. */
int rn_nftrst_add(struct rn_nftrst *f, int family, const void *src, uint16_t sport,
		  const void *dst, uint16_t dport, char *err, size_t errlen);

/* Deletes the table again (a no-op when not installed). Safe to call from
 * exit paths; 0 or negative as rn_nftrst_add. */
int rn_nftrst_remove(struct rn_nftrst *f);

#endif
