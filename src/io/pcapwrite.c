/* Capture file writers: pcap (draft-ietf-opsawg-pcap, µs or ns) and pcapng
 * (draft-ietf-opsawg-pcapng: SHB, IDB, EPB, ISB). Every field is written
 * little-endian, byte by byte; readers detect the order from the magic.
 * Records collect in a buffer that goes out with one write(2) when full. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rawnet/error.h"
#include "rawnet/pcapwrite.h"

#define BUF_SIZE (256u * 1024)
#define DEFAULT_SNAPLEN 262144u

/* pcapng block types and option codes */
#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_ISB 0x00000005u
#define BT_EPB 0x00000006u
#define BOM 0x1A2B3C4Du
#define OPT_END 0
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_TSRESOL 9
#define ISB_IFRECV 4
#define ISB_IFDROP 5

struct rn_pcapw {
	int fd;
	bool own_fd;
	bool immediate;
	enum rn_pcapw_format format;
	uint32_t snaplen;
	int err;                /* the first write error */
	uint8_t *buf;
	size_t used;
	uint64_t size, count;
	bool have_stats;
	uint64_t st_recv, st_drop;
	int64_t st_sec;
	uint32_t st_nsec;
};

static void le16(uint8_t *p, uint16_t x)
{
	p[0] = (uint8_t)x;
	p[1] = (uint8_t)(x >> 8);
}

static void le32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)x;
	p[1] = (uint8_t)(x >> 8);
	p[2] = (uint8_t)(x >> 16);
	p[3] = (uint8_t)(x >> 24);
}

static void le64(uint8_t *p, uint64_t x)
{
	le32(p, (uint32_t)x);
	le32(p + 4, (uint32_t)(x >> 32));
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Writes all of iov to the file, retrying short writes and EINTR. */
static int write_all(int fd, struct iovec *iov, int cnt)
{
	while (cnt > 0) {
		ssize_t n = writev(fd, iov, cnt);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

int rn_pcapw_flush(struct rn_pcapw *w)
{
	if (!w)
		return -RN_EINVAL;
	if (w->used && !w->err) {
		struct iovec iov = { w->buf, w->used };
		w->err = write_all(w->fd, &iov, 1);
	}
	w->used = 0;
	return w->err;
}

/* Appends a and then b (either may be empty) plus zero padding to pad bytes. */
static int put(struct rn_pcapw *w, const void *a, size_t an, const void *b, size_t bn, size_t pad)
{
	static const uint8_t zeros[4];
	size_t total = an + bn + pad;
	if (w->err)
		return w->err;
	w->size += total;
	if (w->used + total > BUF_SIZE) {
		if (rn_pcapw_flush(w) < 0)
			return w->err;
		if (total > BUF_SIZE) { /* a record larger than the buffer goes straight out */
			struct iovec iov[3] = { { (void *)a, an }, { (void *)b, bn },
						{ (void *)zeros, pad } };
			return w->err = write_all(w->fd, iov, 3);
		}
	}
	if (an)
		memcpy(w->buf + w->used, a, an);
	w->used += an;
	if (bn)
		memcpy(w->buf + w->used, b, bn);
	w->used += bn;
	memset(w->buf + w->used, 0, pad);
	w->used += pad;
	return 0;
}

/* Appends a pcapng option (code, value) padded to 4 bytes to p; returns its size. */
static size_t put_opt(uint8_t *p, uint16_t code, const void *val, size_t len)
{
	le16(p, code);
	le16(p + 2, (uint16_t)len);
	if (len)
		memcpy(p + 4, val, len);
	memset(p + 4 + len, 0, pad4(len) - len);
	return 4 + pad4(len);
}

static size_t strlen_max(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	return n < max ? n : max;
}

static int write_header(struct rn_pcapw *w, const struct rn_pcapw_opts *o)
{
	if (w->format != RN_PCAPW_NG) {
		uint8_t h[24];
		le32(h, w->format == RN_PCAPW_NSEC ? 0xa1b23c4du : 0xa1b2c3d4u);
		le16(h + 4, 2);
		le16(h + 6, 4);
		le32(h + 8, 0);   /* thiszone */
		le32(h + 12, 0);  /* sigfigs */
		le32(h + 16, w->snaplen);
		le32(h + 20, (uint32_t)o->linktype);
		return put(w, h, sizeof h, NULL, 0, 0);
	}
	/* Section header block. */
	uint8_t b[1024];
	char appl[64];
	const char *app = o->application;
	if (!app) {
#ifdef RAWNET_VERSION
		app = "rawnet " RAWNET_VERSION;
#else
		app = "rawnet";
#endif
	}
	size_t alen = strlen_max(app, sizeof appl - 1);
	memcpy(appl, app, alen);
	size_t n = 8;
	le32(b + n, BOM);
	le16(b + n + 4, 1);
	le16(b + n + 6, 0);
	le64(b + n + 8, UINT64_MAX); /* section length unknown */
	n += 16;
	n += put_opt(b + n, SHB_USERAPPL, appl, alen);
	n += put_opt(b + n, OPT_END, NULL, 0);
	le32(b, BT_SHB);
	le32(b + 4, (uint32_t)(n + 4));
	le32(b + n, (uint32_t)(n + 4));
	n += 4;
	int rc = put(w, b, n, NULL, 0, 0);
	if (rc < 0)
		return rc;
	/* Interface description block. */
	n = 8;
	le16(b + n, (uint16_t)o->linktype);
	le16(b + n + 2, 0);
	le32(b + n + 4, w->snaplen);
	n += 8;
	if (o->ifname)
		n += put_opt(b + n, IF_NAME, o->ifname, strlen_max(o->ifname, 256));
	if (o->ifdescr)
		n += put_opt(b + n, IF_DESCRIPTION, o->ifdescr, strlen_max(o->ifdescr, 256));
	uint8_t tsresol = 9;
	n += put_opt(b + n, IF_TSRESOL, &tsresol, 1);
	n += put_opt(b + n, OPT_END, NULL, 0);
	le32(b, BT_IDB);
	le32(b + 4, (uint32_t)(n + 4));
	le32(b + n, (uint32_t)(n + 4));
	n += 4;
	return put(w, b, n, NULL, 0, 0);
}

int rn_pcapw_open_fd(int fd, const struct rn_pcapw_opts *opts, struct rn_pcapw **out)
{
	if (!opts || !out || fd < 0 || opts->format > RN_PCAPW_NG)
		return -RN_EINVAL;
	*out = NULL;
	struct rn_pcapw *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->buf = malloc(BUF_SIZE);
	if (!w->buf) {
		free(w);
		return -ENOMEM;
	}
	w->fd = fd;
	w->format = opts->format;
	w->snaplen = opts->snaplen ? opts->snaplen : DEFAULT_SNAPLEN;
	w->immediate = opts->packet_buffered;
	int rc = write_header(w, opts);
	if (rc == 0)
		rc = rn_pcapw_flush(w); /* a file that has a header even if nothing comes */
	if (rc < 0) {
		free(w->buf);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int rn_pcapw_open(const char *path, const struct rn_pcapw_opts *opts, struct rn_pcapw **out)
{
	if (!path || !out)
		return -RN_EINVAL;
	*out = NULL;
	bool std = !strcmp(path, "-");
	int fd = std ? STDOUT_FILENO : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int rc = rn_pcapw_open_fd(fd, opts, out);
	if (rc < 0) {
		if (!std)
			close(fd);
		return rc;
	}
	(*out)->own_fd = !std;
	return 0;
}

int rn_pcapw_write(struct rn_pcapw *w, int64_t ts_sec, uint32_t ts_nsec,
		   const uint8_t *data, uint32_t caplen, uint32_t len)
{
	if (!w || (!data && caplen))
		return -RN_EINVAL;
	if (caplen > w->snaplen)
		caplen = w->snaplen;
	if (len < caplen)
		len = caplen;
	int rc;
	if (w->format != RN_PCAPW_NG && !w->err && w->used + 16 + caplen <= BUF_SIZE) {
		/* The common case, straight into the buffer. */
		uint8_t *h = w->buf + w->used;
		le32(h, (uint32_t)ts_sec);
		le32(h + 4, w->format == RN_PCAPW_NSEC ? ts_nsec : ts_nsec / 1000);
		le32(h + 8, caplen);
		le32(h + 12, len);
		if (caplen)
			memcpy(h + 16, data, caplen);
		w->used += 16 + caplen;
		w->size += 16 + caplen;
		w->count++;
		return w->immediate ? rn_pcapw_flush(w) : 0;
	}
	if (w->format != RN_PCAPW_NG) {
		uint8_t h[16];
		uint32_t frac = w->format == RN_PCAPW_NSEC ? ts_nsec : ts_nsec / 1000;
		le32(h, (uint32_t)ts_sec);
		le32(h + 4, frac);
		le32(h + 8, caplen);
		le32(h + 12, len);
		rc = put(w, h, sizeof h, data, caplen, 0);
	} else {
		uint8_t h[28];
		uint64_t ts = (uint64_t)ts_sec * 1000000000u + ts_nsec;
		size_t total = 28 + pad4(caplen) + 4;
		le32(h, BT_EPB);
		le32(h + 4, (uint32_t)total);
		le32(h + 8, 0); /* interface 0 */
		le32(h + 12, (uint32_t)(ts >> 32));
		le32(h + 16, (uint32_t)ts);
		le32(h + 20, caplen);
		le32(h + 24, len);
		uint8_t tail[8] = { 0 };
		size_t padn = pad4(caplen) - caplen;
		le32(tail + padn, (uint32_t)total);
		rc = put(w, h, sizeof h, data, caplen, 0);
		if (rc == 0)
			rc = put(w, tail, padn + 4, NULL, 0, 0);
	}
	if (rc < 0)
		return rc;
	w->count++;
	return w->immediate ? rn_pcapw_flush(w) : 0;
}

void rn_pcapw_set_stats(struct rn_pcapw *w, uint64_t received, uint64_t dropped,
			int64_t ts_sec, uint32_t ts_nsec)
{
	if (!w)
		return;
	w->have_stats = true;
	w->st_recv = received;
	w->st_drop = dropped;
	w->st_sec = ts_sec;
	w->st_nsec = ts_nsec;
}

uint64_t rn_pcapw_size(const struct rn_pcapw *w)
{
	return w ? w->size : 0;
}

uint64_t rn_pcapw_count(const struct rn_pcapw *w)
{
	return w ? w->count : 0;
}

static int write_isb(struct rn_pcapw *w)
{
	uint8_t b[64];
	uint64_t ts = (uint64_t)w->st_sec * 1000000000u + w->st_nsec;
	uint8_t v[8];
	size_t n = 8;
	le32(b + n, 0);
	le32(b + n + 4, (uint32_t)(ts >> 32));
	le32(b + n + 8, (uint32_t)ts);
	n += 12;
	le64(v, w->st_recv);
	n += put_opt(b + n, ISB_IFRECV, v, 8);
	le64(v, w->st_drop);
	n += put_opt(b + n, ISB_IFDROP, v, 8);
	n += put_opt(b + n, OPT_END, NULL, 0);
	le32(b, BT_ISB);
	le32(b + 4, (uint32_t)(n + 4));
	le32(b + n, (uint32_t)(n + 4));
	n += 4;
	return put(w, b, n, NULL, 0, 0);
}

int rn_pcapw_close(struct rn_pcapw *w)
{
	if (!w)
		return 0;
	if (w->format == RN_PCAPW_NG && w->have_stats)
		(void)write_isb(w);
	int rc = rn_pcapw_flush(w);
	if (w->own_fd && close(w->fd) < 0 && rc == 0)
		rc = -errno;
	free(w->buf);
	free(w);
	return rc;
}
