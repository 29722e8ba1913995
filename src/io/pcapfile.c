/* Capture-file reader: pcap (the libpcap savefile format, draft-ietf-opsawg-
 * pcap) and pcapng (draft-ietf-opsawg-pcapng). The file is mapped whole; each
 * record is checked against the bytes left before it is handed out, so a
 * damaged file yields every good record before the damage, then an error with
 * the damaged record's offset. Error texts follow libpcap's. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rawnet/error.h"
#include "rawnet/pcapfile.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_BOM 0x1a2b3c4du
#define PCAPNG_IDB 1u
#define PCAPNG_OPB 2u
#define PCAPNG_SPB 3u
#define PCAPNG_EPB 6u
#define MAX_SNAPLEN 262144u  /* libpcap's MAXIMUM_SNAPLEN */
#define MAX_BLOCK (16u * 1024 * 1024)
#define MAX_IFACES 4096

struct iface {
	int linktype;
	uint32_t snaplen;
	uint64_t tsdiv;         /* ticks per second */
	bool tspow10;
	uint8_t digits;         /* 6 or 9 when tsdiv is 10^6 / 10^9 */
	int64_t tsoffset;       /* seconds */
};

struct rn_pcap_reader {
	const uint8_t *data;
	size_t len, pos;
	void *map;              /* mmap()ed region, or NULL */
	size_t map_len;
	uint8_t *owned;         /* read() buffer, or NULL */
	enum rn_pcap_format fmt;
	bool swap;
	bool nano;
	int linktype;
	uint32_t snaplen;
	uint64_t number;
	uint64_t err_off;
	struct iface *ifs;
	unsigned nifs, cap_ifs;
	char err[256];
};

static uint16_t rd16(const struct rn_pcap_reader *r, const uint8_t *p)
{
	return r->swap ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const struct rn_pcap_reader *r, const uint8_t *p)
{
	if (r->swap)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

__attribute__((format(printf, 2, 3))) static int fail(struct rn_pcap_reader *r, const char *fmt,
						     ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -RN_EFORMAT;
}

static int add_iface(struct rn_pcap_reader *r, int linktype, uint32_t snaplen)
{
	if (r->nifs >= MAX_IFACES)
		return fail(r, "too many interfaces in the file");
	if (r->nifs == r->cap_ifs) {
		unsigned nc = r->cap_ifs ? r->cap_ifs * 2 : 4;
		struct iface *n = realloc(r->ifs, nc * sizeof(*n));
		if (!n)
			return -ENOMEM;
		r->ifs = n;
		r->cap_ifs = nc;
	}
	struct iface *f = &r->ifs[r->nifs++];
	f->linktype = linktype;
	f->snaplen = snaplen;
	f->tsdiv = 1000000;
	f->tspow10 = true;
	f->digits = 6;
	f->tsoffset = 0;
	return 0;
}

/* ---- pcap ---- */

static int open_pcap(struct rn_pcap_reader *r)
{
	if (r->len < 24)
		return fail(r, "truncated dump file; tried to read 24 file header bytes, only got %zu",
			    r->len);
	uint32_t magic = le32(r->data);
	if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS) {
		r->swap = false;
	} else if (__builtin_bswap32(magic) == PCAP_MAGIC_US ||
		   __builtin_bswap32(magic) == PCAP_MAGIC_NS) {
		r->swap = true;
		magic = __builtin_bswap32(magic);
	} else {
		return fail(r, "unknown file format");
	}
	r->fmt = RN_PCAP_CLASSIC;
	r->nano = magic == PCAP_MAGIC_NS;
	uint16_t major = rd16(r, r->data + 4), minor = rd16(r, r->data + 6);
	if (!(major == 2 && minor <= 4) && !(major == 543 && minor == 0))
		return fail(r, "unsupported pcap savefile version %u.%u", major, minor);
	r->snaplen = rd32(r, r->data + 16);
	uint32_t lt = rd32(r, r->data + 20);
	if (lt & 0x03ff0000u) /* the FCS bits above are allowed, the rest reserved */
		return fail(r, "savefile linktype reserved field not zero (0x%08x)",
			    lt & 0x03ff0000u);
	r->linktype = (int)(lt & 0xffff);
	r->pos = 24;
	return 0;
}

static int next_pcap(struct rn_pcap_reader *r, struct rn_pkt *pkt)
{
	if (r->pos == r->len)
		return 0;
	r->err_off = r->pos;
	if (r->len - r->pos < 16)
		return fail(r, "truncated dump file; tried to read 16 header bytes, only got %zu",
			    r->len - r->pos);
	const uint8_t *h = r->data + r->pos;
	uint32_t sec = rd32(r, h), frac = rd32(r, h + 4), caplen = rd32(r, h + 8),
		 len = rd32(r, h + 12);
	uint32_t max = MAX_SNAPLEN; /* libpcap's max_snaplen_for_dlt() */
	if (caplen > max)
		return fail(r, "invalid packet capture length %u, bigger than maximum of %u", caplen,
			    max);
	if (r->len - r->pos - 16 < caplen)
		return fail(r, "truncated dump file; tried to read %u captured bytes, only got %zu",
			    caplen, r->len - r->pos - 16);
	pkt->data = h + 16;
	pkt->caplen = caplen;
	if (r->snaplen && caplen > r->snaplen)
		pkt->caplen = r->snaplen; /* libpcap keeps snaplen bytes of an oversized record */
	pkt->len = len;
	pkt->ts_sec = (int64_t)sec; /* unsigned, as libpcap reads it */
	pkt->ts_file_frac = frac;
	pkt->ts_file_digits = r->nano ? 9 : 6;
	pkt->ts_nsec = r->nano ? (frac < 1000000000u ? frac : 999999999u)
			       : (frac < 1000000u ? frac * 1000u : 999999999u);
	pkt->linktype = r->linktype;
	pkt->number = ++r->number;
	r->pos += 16 + (size_t)caplen;
	return 1;
}

/* ---- pcapng ---- */

/* Reads one block header at r->pos: type, total length, checked against the
 * bytes left and the trailer. */
static int ng_block(struct rn_pcap_reader *r, uint32_t *type, uint32_t *tlen)
{
	size_t left = r->len - r->pos;
	const uint8_t *b = r->data + r->pos;
	if (left < 12)
		return fail(r, "truncated pcapng dump file; tried to read 12 block header bytes, only got %zu",
			    left);
	*type = rd32(r, b);
	*tlen = rd32(r, b + 4);
	if (*type == PCAPNG_SHB)
		return 0; /* the caller re-reads the byte order first */
	if (*tlen < 12)
		return fail(r, "block in pcapng dump file has a length of %u < 12", *tlen);
	if (*tlen % 4)
		return fail(r, "block in pcapng dump file has a length of %u that is not a multiple of 4",
			    *tlen);
	if (*tlen > MAX_BLOCK)
		return fail(r, "pcapng block size %u > maximum %u", *tlen, MAX_BLOCK);
	if (left < *tlen)
		return fail(r, "truncated pcapng dump file; tried to read %u bytes, only got %zu",
			    *tlen, left);
	uint32_t trailer = rd32(r, b + *tlen - 4);
	if (trailer != *tlen)
		return fail(r, "block total length in header %u and trailer %u don't match", *tlen,
			    trailer);
	return 0;
}

static int ng_shb(struct rn_pcap_reader *r)
{
	size_t left = r->len - r->pos;
	const uint8_t *b = r->data + r->pos;
	if (left < 28)
		return fail(r, "truncated pcapng dump file; tried to read 28 section header bytes, only got %zu",
			    left);
	uint32_t bom = le32(b + 8);
	if (bom == PCAPNG_BOM)
		r->swap = false;
	else if (__builtin_bswap32(bom) == PCAPNG_BOM)
		r->swap = true;
	else
		return fail(r, "unknown byte-order magic in pcapng section header block");
	uint32_t tlen = rd32(r, b + 4);
	uint16_t major = rd16(r, b + 12), minor = rd16(r, b + 14);
	if (tlen < 28)
		return fail(r, "section header block in pcapng dump file has a length of %u < 28",
			    tlen);
	if (tlen > MAX_BLOCK || tlen % 4)
		return fail(r, "pcapng block size %u > maximum %u", tlen, MAX_BLOCK);
	if (left < tlen)
		return fail(r, "truncated pcapng dump file; tried to read %u bytes, only got %zu",
			    tlen, left);
	if (major != 1 || (minor != 0 && minor != 2))
		return fail(r, "unsupported pcapng savefile version %u.%u", major, minor);
	/* Like libpcap, the SHB's trailer is not checked (its options are not
	 * used); a lying length shows up at the next block. */
	/* A new section: interface ids restart. */
	r->nifs = 0;
	r->pos += tlen;
	return 0;
}

static int ng_idb(struct rn_pcap_reader *r, const uint8_t *b, uint32_t tlen)
{
	if (tlen < 20)
		return fail(r, "interface description block in pcapng dump file is too small");
	int lt = rd16(r, b + 8);
	uint32_t snap = rd32(r, b + 12);
	int e = add_iface(r, lt, snap);
	if (e < 0)
		return e;
	struct iface *f = &r->ifs[r->nifs - 1];
	/* options: code(2) len(2) value padded to 4 */
	size_t o = 16, end = tlen - 4;
	while (o + 4 <= end) {
		uint16_t code = rd16(r, b + o), olen = rd16(r, b + o + 2);
		if (code == 0)
			break;
		if (o + 4 + olen > end)
			return fail(r, "option in interface description block runs past the block");
		const uint8_t *v = b + o + 4;
		if (code == 9 && olen >= 1) { /* if_tsresol */
			uint8_t res = v[0];
			uint64_t div = 1;
			if (res & 0x80) {
				if ((res & 0x7f) > 63)
					return fail(r, "invalid if_tsresol option value");
				div = (uint64_t)1 << (res & 0x7f);
				f->tspow10 = false;
			} else {
				if (res > 19)
					return fail(r, "invalid if_tsresol option value");
				for (uint8_t i = 0; i < res; i++)
					div *= 10;
				f->tspow10 = true;
			}
			f->tsdiv = div;
			f->digits = f->tspow10 && res == 6 ? 6 : f->tspow10 && res == 9 ? 9 : 0;
		} else if (code == 14 && olen >= 8) { /* if_tsoffset */
			uint64_t off = (uint64_t)rd32(r, v) | (uint64_t)rd32(r, v + 4) << 32;
			if (r->swap)
				off = (uint64_t)rd32(r, v) << 32 | rd32(r, v + 4);
			f->tsoffset = (int64_t)off;
		}
		o += 4 + (((size_t)olen + 3) & ~(size_t)3);
	}
	if (r->linktype < 0) {
		r->linktype = lt;
		r->snaplen = snap;
		r->nano = f->tsdiv == 1000000000u;
	}
	return 0;
}

static void ng_ts(const struct iface *f, uint64_t ts, struct rn_pkt *pkt)
{
	uint64_t sec = ts / f->tsdiv, rem = ts % f->tsdiv;
	/* Unsigned, as libpcap adds it: a huge offset wraps instead of overflowing. */
	pkt->ts_sec = (int64_t)(sec + (uint64_t)f->tsoffset);
	if (f->tsdiv == 1000000000u)
		pkt->ts_nsec = (uint32_t)rem;
	else if (f->tsdiv < 1000000000u)
		pkt->ts_nsec = (uint32_t)(rem * (1000000000u / f->tsdiv));
	else
		pkt->ts_nsec = (uint32_t)(rem / (f->tsdiv / 1000000000u));
	if (!f->tspow10) /* binary fractions: scale exactly */
		pkt->ts_nsec = (uint32_t)((unsigned __int128)rem * 1000000000u / f->tsdiv);
	pkt->ts_file_digits = f->digits;
	pkt->ts_file_frac = f->digits ? (uint32_t)rem : 0;
}

static int next_ng(struct rn_pcap_reader *r, struct rn_pkt *pkt)
{
	for (;;) {
		if (r->pos == r->len)
			return 0;
		r->err_off = r->pos;
		uint32_t type, tlen;
		int e = ng_block(r, &type, &tlen);
		if (e < 0)
			return e;
		if (type == PCAPNG_SHB) {
			if ((e = ng_shb(r)) < 0)
				return e;
			continue;
		}
		const uint8_t *b = r->data + r->pos;
		switch (type) {
		case PCAPNG_IDB:
			if ((e = ng_idb(r, b, tlen)) < 0)
				return e;
			break;
		case PCAPNG_EPB:
		case PCAPNG_OPB: {
			bool epb = type == PCAPNG_EPB;
			if (tlen < 32)
				return fail(r, "%s block in pcapng dump file is too small",
					    epb ? "enhanced packet" : "packet");
			uint32_t ifid = epb ? rd32(r, b + 8) : rd16(r, b + 8);
			if (ifid >= r->nifs)
				return fail(r, "a packet arrived on interface %u, but there's no interface description block for that interface",
					    ifid);
			const struct iface *f = &r->ifs[ifid];
			uint64_t ts = (uint64_t)rd32(r, b + 12) << 32 | rd32(r, b + 16);
			uint32_t caplen = rd32(r, b + 20), len = rd32(r, b + 24);
			if (caplen > tlen - 32)
				return fail(r, "packet data length %u > remaining bytes %u in the block",
					    caplen, tlen - 32);
			uint32_t max = MAX_SNAPLEN;
			if (caplen > max)
				return fail(r, "invalid packet capture length %u, bigger than maximum of %u",
					    caplen, max);
			pkt->data = b + 28;
			pkt->caplen = caplen;
			if (f->snaplen && caplen > f->snaplen)
				pkt->caplen = f->snaplen;
			pkt->len = len;
			ng_ts(f, ts, pkt);
			pkt->linktype = f->linktype;
			pkt->number = ++r->number;
			r->pos += tlen;
			return 1;
		}
		case PCAPNG_SPB: {
			if (tlen < 16)
				return fail(r, "simple packet block in pcapng dump file is too small");
			if (r->nifs == 0)
				return fail(r, "a packet arrived on interface 0, but there's no interface description block for that interface");
			const struct iface *f = &r->ifs[0];
			uint32_t len = rd32(r, b + 8);
			uint32_t caplen = len;
			if (f->snaplen && caplen > f->snaplen)
				caplen = f->snaplen;
			if (caplen > tlen - 16)
				caplen = tlen - 16;
			pkt->data = b + 12;
			pkt->caplen = caplen;
			pkt->len = len;
			pkt->ts_sec = 0;
			pkt->ts_nsec = 0;
			pkt->ts_file_digits = f->digits;
			pkt->ts_file_frac = 0;
			pkt->linktype = f->linktype;
			pkt->number = ++r->number;
			r->pos += tlen;
			return 1;
		}
		default:
			break; /* name resolution, statistics, custom, ... skipped */
		}
		r->pos += tlen;
	}
}

static int open_ng(struct rn_pcap_reader *r)
{
	r->fmt = RN_PCAP_NG;
	r->linktype = -1;
	int e = ng_shb(r);
	if (e < 0)
		return e;
	/* libpcap needs the first IDB before the first packet: read blocks up
	 * to it so that the link type is known at open. */
	while (r->pos < r->len && r->linktype < 0) {
		uint32_t type, tlen;
		r->err_off = r->pos;
		if ((e = ng_block(r, &type, &tlen)) < 0)
			return e;
		if (type == PCAPNG_IDB) {
			if ((e = ng_idb(r, r->data + r->pos, tlen)) < 0)
				return e;
			r->pos += tlen;
		} else if (type == PCAPNG_EPB || type == PCAPNG_SPB || type == PCAPNG_OPB ||
			   type == PCAPNG_SHB) {
			break;
		} else {
			r->pos += tlen;
		}
	}
	return 0;
}

static int open_common(struct rn_pcap_reader *r)
{
	r->linktype = -1;
	if (r->len >= 4 && le32(r->data) == PCAPNG_SHB)
		return open_ng(r);
	return open_pcap(r);
}

int rn_pcap_open_mem(const void *data, size_t len, struct rn_pcap_reader **out)
{
	struct rn_pcap_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->data = data;
	r->len = len;
	*out = r;
	return open_common(r);
}

int rn_pcap_open(const char *path, struct rn_pcap_reader **out)
{
	*out = NULL;
	bool is_stdin = !strcmp(path, "-");
	int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = -errno;
		if (!is_stdin)
			close(fd);
		return e;
	}
	struct rn_pcap_reader *r = calloc(1, sizeof(*r));
	if (!r) {
		if (!is_stdin)
			close(fd);
		return -ENOMEM;
	}
	*out = r;
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			int e = -errno;
			if (!is_stdin)
				close(fd);
			return e;
		}
		madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL | MADV_WILLNEED);
		r->map = m;
		r->map_len = (size_t)st.st_size;
		r->data = m;
		r->len = (size_t)st.st_size;
	} else {
		size_t cap = 1 << 20, n = 0;
		uint8_t *buf = malloc(cap);
		for (;;) {
			if (!buf) {
				if (!is_stdin)
					close(fd);
				return -ENOMEM;
			}
			if (n == cap) {
				uint8_t *nb = realloc(buf, cap * 2);
				if (!nb) {
					free(buf);
					buf = NULL;
					continue;
				}
				buf = nb;
				cap *= 2;
			}
			ssize_t k = read(fd, buf + n, cap - n);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				int e = -errno;
				free(buf);
				if (!is_stdin)
					close(fd);
				return e;
			}
			if (k == 0)
				break;
			n += (size_t)k;
		}
		r->owned = buf;
		r->data = buf;
		r->len = n;
	}
	if (!is_stdin)
		close(fd);
	return open_common(r);
}

int rn_pcap_next(struct rn_pcap_reader *r, struct rn_pkt *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	if (r->err[0])
		return -RN_EFORMAT;
	return r->fmt == RN_PCAP_NG ? next_ng(r, pkt) : next_pcap(r, pkt);
}

int rn_pcap_linktype(const struct rn_pcap_reader *r)
{
	return r->linktype;
}

uint32_t rn_pcap_snaplen(const struct rn_pcap_reader *r)
{
	return r->snaplen;
}

enum rn_pcap_format rn_pcap_format(const struct rn_pcap_reader *r)
{
	return r->fmt;
}

bool rn_pcap_nano(const struct rn_pcap_reader *r)
{
	return r->nano;
}

uint64_t rn_pcap_offset(const struct rn_pcap_reader *r)
{
	return r->err_off;
}

const char *rn_pcap_error(const struct rn_pcap_reader *r)
{
	return r->err;
}

void rn_pcap_close(struct rn_pcap_reader *r)
{
	if (!r)
		return;
	if (r->map)
		munmap(r->map, r->map_len);
	free(r->owned);
	free(r->ifs);
	free(r);
}
