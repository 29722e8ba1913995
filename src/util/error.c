/* rn_strerror(): names for rawnet's own codes and for errno values. */
#include <string.h>

#include "rawnet/error.h"
#include "rawnet/view.h"

static const char *const rn_messages[] = {
	[RN_ETRUNC - RN_EBASE] = "truncated",
	[RN_EBADLEN - RN_EBASE] = "invalid length",
	[RN_ECKSUM - RN_EBASE] = "bad checksum",
	[RN_EUNSUP - RN_EBASE] = "not supported",
	[RN_ENOSPC - RN_EBASE] = "buffer too small",
	[RN_EINVAL - RN_EBASE] = "invalid value",
	[RN_EFORMAT - RN_EBASE] = "malformed file",
	[RN_ENOANSWER - RN_EBASE] = "no answer",
	[RN_ERESET - RN_EBASE] = "connection reset by peer",
	[RN_ETIMEOUT - RN_EBASE] = "timed out",
	[RN_ECLOSED - RN_EBASE] = "connection closed",
	[RN_ENOTFOUND - RN_EBASE] = "not found",
};

const char *rn_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err > RN_EBASE && err < RN_ELAST && rn_messages[err - RN_EBASE])
		return rn_messages[err - RN_EBASE];
	if (err == 0)
		return "success";
	return strerror(err);
}

int rn_view_copy(struct rn_view v, size_t off, void *out, size_t n)
{
	if (!rn_view_has(v, off, n))
		return -RN_ETRUNC;
	if (n)
		memcpy(out, v.data + off, n);
	return 0;
}
