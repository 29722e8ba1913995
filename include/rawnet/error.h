/* rawnet error codes.
 *
 * Every library function returns 0 (or a non-negative count) on success and a
 * negative code on failure: either -RN_E* below or -errno from a system call.
 * rn_strerror() names both kinds. The library never prints and never exits.
 */
#ifndef RAWNET_ERROR_H
#define RAWNET_ERROR_H

enum rn_err {
	RN_EBASE = 1000,
	RN_ETRUNC,   /* the bytes end before the structure does (capture cut short) */
	RN_EBADLEN,  /* a length field lies: too small, or points past its container */
	RN_ECKSUM,   /* checksum mismatch */
	RN_EUNSUP,   /* valid but not supported (unknown version, link type, ...) */
	RN_ENOSPC,   /* the caller's output buffer is too small */
	RN_EINVAL,   /* a bad argument or field value */
	RN_EFORMAT,  /* a malformed file or record (pcap/pcapng) */
	RN_ENOANSWER,/* nothing answered in time */
	RN_ERESET,   /* connection reset by peer */
	RN_ETIMEOUT, /* a protocol timer expired */
	RN_ECLOSED,  /* the connection is closed */
	RN_ENOTFOUND,/* no such host, route, interface or neighbour */
	RN_ELAST
};

/* A static, human-readable description of a negative (or positive) error code. */
const char *rn_strerror(int err);

#endif
