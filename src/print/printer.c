/* The packet printer: tcpdump's per-packet prefix (-# number, timestamps in
 * the -t... modes, --nano) and the state kept between packets (previous and
 * first timestamps, the relative TCP sequence number table). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "print/internal.h"
#include "rawnet/error.h"

/* ---- relative TCP sequence numbers ---- */

struct seq_entry {
	uint8_t key[37];        /* family, src[16], dst[16], sport, dport (collated) */
	bool used;
	uint32_t seq, ack;
};

struct rn_tcp_seq_table {
	struct seq_entry *e;
	size_t cap, n;          /* cap is a power of two */
	size_t last;            /* index of the entry used last (a cheap cache) */
};

struct rn_tcp_seq_table *rn_tcp_seq_table_new(void)
{
	struct rn_tcp_seq_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->cap = 1024;
	t->e = calloc(t->cap, sizeof(*t->e));
	if (!t->e) {
		free(t);
		return NULL;
	}
	return t;
}

void rn_tcp_seq_table_free(struct rn_tcp_seq_table *t)
{
	if (!t)
		return;
	free(t->e);
	free(t);
}

static uint64_t key_hash(const uint8_t *k)
{
	uint64_t h = 0x9e3779b97f4a7c15ull, w;
	for (size_t i = 0; i + 8 <= 32; i += 8) {
		memcpy(&w, k + 1 + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	memcpy(&w, k + 33, 4);
	h = (h ^ (w & 0xffffffffu) ^ (uint64_t)k[0] << 40) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 29);
}

static struct seq_entry *seq_slot(struct rn_tcp_seq_table *t, const uint8_t *key)
{
	size_t mask = t->cap - 1, i = (size_t)key_hash(key) & mask;
	while (t->e[i].used && memcmp(t->e[i].key, key, sizeof(t->e[i].key)))
		i = (i + 1) & mask;
	return &t->e[i];
}

static bool seq_grow(struct rn_tcp_seq_table *t)
{
	struct rn_tcp_seq_table nt = { calloc(t->cap * 2, sizeof(*t->e)), t->cap * 2, 0 };
	if (!nt.e)
		return false;
	for (size_t i = 0; i < t->cap; i++)
		if (t->e[i].used) {
			*seq_slot(&nt, t->e[i].key) = t->e[i];
			nt.n++;
		}
	free(t->e);
	*t = nt;
	return true;
}

bool rn_tcp_seq_relative(struct rn_tcp_seq_table *t, int family, const uint8_t *src,
			 const uint8_t *dst, uint16_t sport, uint16_t dport, bool syn,
			 uint32_t *seq, uint32_t *ack, uint32_t *thseq, uint32_t *thack, bool *rev)
{
	size_t alen = family == 6 ? 16 : 4;
	bool r = sport > dport || (sport == dport && memcmp(src, dst, alen) > 0);
	uint8_t key[37];
	memset(key, 0, sizeof(key));
	key[0] = (uint8_t)family;
	memcpy(key + 1, r ? dst : src, alen);
	memcpy(key + 17, r ? src : dst, alen);
	uint16_t p1 = r ? dport : sport, p2 = r ? sport : dport;
	key[33] = (uint8_t)(p1 >> 8);
	key[34] = (uint8_t)p1;
	key[35] = (uint8_t)(p2 >> 8);
	key[36] = (uint8_t)p2;
	*rev = r;
	struct seq_entry *e = &t->e[t->last];
	if (!e->used || memcmp(e->key, key, sizeof(key))) {
		if ((t->n + 1) * 2 > t->cap && !seq_grow(t))
			return false;
		e = seq_slot(t, key);
		t->last = (size_t)(e - t->e);
	}
	if (!e->used || syn) {
		if (!e->used) {
			memcpy(e->key, key, sizeof(key));
			e->used = true;
			t->n++;
		}
		if (r) {
			e->ack = *seq;
			e->seq = *ack - 1;
		} else {
			e->seq = *seq;
			e->ack = *ack - 1;
		}
	} else if (r) {
		*seq -= e->ack;
		*ack -= e->seq;
	} else {
		*seq -= e->seq;
		*ack -= e->ack;
	}
	*thseq = e->seq;
	*thack = e->ack;
	return true;
}

/* ---- timestamps ---- */

/* tcpdump 4.99's struct timeval for a packet: seconds as a signed time_t (a
 * pcap file's 32-bit field sign-extended, as libpcap reads it), and the
 * fraction as a signed long in the printed unit (libpcap reads a pcap
 * fraction field as signed 32 bits and scales it by *1000 or /1000). */
struct tstamp {
	int64_t sec;
	int64_t frac;
};

static struct tstamp tstamp_of(const struct rn_pkt *pkt, bool nano, bool sec32)
{
	struct tstamp t = { sec32 ? (int64_t)(int32_t)(uint32_t)pkt->ts_sec : pkt->ts_sec, 0 };
	int64_t raw = (int32_t)pkt->ts_file_frac;
	if (pkt->ts_file_digits == 6)
		t.frac = nano ? raw * 1000 : raw;
	else if (pkt->ts_file_digits == 9)
		t.frac = nano ? raw : raw / 1000;
	else
		t.frac = nano ? pkt->ts_nsec : pkt->ts_nsec / 1000u;
	return t;
}

/* tcpdump prints the fraction as unsigned 32 bits, invalid ones as they are */
static void put_frac(struct rn_strbuf *out, bool nano, int64_t frac)
{
	rn_fast_putc(out, '.');
	rn_fast_uint(out, (uint32_t)frac, nano ? 9 : 6);
}

#define TS_ERROR "[Error converting time]"

/* tcpdump refuses seconds whose low 32 bits look negative */
static bool sec_bad(int64_t sec)
{
	return ((uint32_t)sec & 0x80000000u) != 0;
}

/* The time of day (and date), or false if the C library cannot convert it. */
static bool put_hms(struct rn_strbuf *out, int64_t sec, bool date, bool utc)
{
	time_t t = (time_t)sec;
	struct tm tm;
	char buf[64];
	size_t n = 0;
	if (utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm))
		n = strftime(buf, sizeof(buf), date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
	if (n == 0)
		return false;
	rn_sb_append(out, buf, n);
	return true;
}

/* ts_date_hmsfrac_print(): the error text alone, or the time and fraction */
static void put_hmsfrac(struct rn_strbuf *out, bool nano, struct tstamp t, bool date, bool utc)
{
	if (sec_bad(t.sec) || !put_hms(out, t.sec, date, utc)) {
		rn_sb_puts(out, TS_ERROR);
		return;
	}
	put_frac(out, nano, t.frac);
}

/* ts_unix_print() (-tt) */
static void put_unix(struct rn_strbuf *out, bool nano, struct tstamp t)
{
	if (sec_bad(t.sec)) {
		rn_sb_puts(out, TS_ERROR);
		return;
	}
	rn_fast_uint(out, (uint32_t)t.sec, 1);
	put_frac(out, nano, t.frac);
}

/* -ttt / -ttttt: tcpdump compares the two timevals as signed numbers,
 * subtracts the smaller (seconds wrap modulo 2^64, one borrow from the
 * fraction) and prints the difference as a UTC time of day. */
static void put_delta(struct rn_strbuf *out, bool nano, struct tstamp cur, struct tstamp ref)
{
	bool neg = cur.sec == ref.sec ? cur.frac < ref.frac : cur.sec < ref.sec;
	struct tstamp a = neg ? ref : cur, b = neg ? cur : ref;
	struct tstamp d = { (int64_t)((uint64_t)a.sec - (uint64_t)b.sec),
			    (int64_t)((uint64_t)a.frac - (uint64_t)b.frac) };
	if (d.frac < 0) {
		d.sec = (int64_t)((uint64_t)d.sec - 1);
		d.frac += nano ? 1000000000 : 1000000;
	}
	rn_sb_putc(out, neg ? '-' : ' ');
	put_hmsfrac(out, nano, d, false, true);
}

void rn_print_timestamp(struct rn_strbuf *out, int tsmode, bool nano, int64_t sec, uint32_t nsec,
			int64_t ref_sec, uint32_t ref_nsec)
{
	struct rn_pkt p = { .ts_sec = sec, .ts_nsec = nsec };
	struct tstamp t = tstamp_of(&p, nano, false);
	switch (tsmode) {
	case 0:
		return;
	case 2:
		put_unix(out, nano, t);
		break;
	case 3:
	case 5: {
		struct rn_pkt r = { .ts_sec = ref_sec, .ts_nsec = ref_nsec };
		struct tstamp rt = tstamp_of(&r, nano, false);
		put_delta(out, nano, t, rt.sec || rt.frac ? rt : t);
		break;
	}
	case 4:
		put_hmsfrac(out, nano, t, true, false);
		break;
	default:
		put_hmsfrac(out, nano, t, false, false);
		break;
	}
	rn_sb_putc(out, ' ');
}

/* ---- the printer ---- */

struct rn_printer {
	struct rn_print_opts opts;
	struct rn_tcp_seq_table *seqs;
	struct tstamp ref;      /* previous (-ttt) or first (-ttttt) packet */
	/* cache of the formatted date/time for the current second */
	int64_t cached_sec;
	bool cache_valid;
	bool cached_ok;         /* false: the C library could not convert it */
	char cached[40];
	size_t cached_len;
	struct rn_dissection d;
};

int rn_printer_new(const struct rn_print_opts *opts, struct rn_printer **out)
{
	struct rn_printer *p = calloc(1, sizeof(*p));
	if (!p)
		return -RN_ENOSPC;
	p->opts = *opts;
	if (!opts->abs_seq) {
		p->seqs = rn_tcp_seq_table_new();
		if (!p->seqs) {
			free(p);
			return -RN_ENOSPC;
		}
	}
	*out = p;
	return 0;
}

void rn_printer_free(struct rn_printer *p)
{
	if (!p)
		return;
	rn_tcp_seq_table_free(p->seqs);
	free(p);
}

static void put_time_cached(struct rn_printer *p, struct rn_strbuf *out, struct tstamp t, bool date)
{
	if (sec_bad(t.sec)) {
		rn_sb_puts(out, TS_ERROR);
		return;
	}
	if (!p->cache_valid || p->cached_sec != t.sec) {
		struct rn_strbuf tmp;
		rn_sb_init(&tmp);
		p->cached_ok = put_hms(&tmp, t.sec, date, false);
		p->cached_len = tmp.len < sizeof(p->cached) ? tmp.len : 0;
		if (tmp.buf)
			memcpy(p->cached, tmp.buf, p->cached_len);
		rn_sb_free(&tmp);
		p->cached_sec = t.sec;
		p->cache_valid = true;
	}
	if (!p->cached_ok) {
		rn_sb_puts(out, TS_ERROR);
		return;
	}
	rn_sb_append(out, p->cached, p->cached_len);
	put_frac(out, p->opts.nano, t.frac);
}

void rn_printer_packet(struct rn_printer *p, struct rn_strbuf *out, const struct rn_pkt *pkt)
{
	const struct rn_print_opts *o = &p->opts;
	if (o->number) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%5llu  ", (unsigned long long)pkt->number);
		rn_sb_append(out, buf, (size_t)n);
	}
	/* tcpdump's sanity checks on the record header come before the timestamp */
	bool bad = false;
	if (pkt->caplen == 0) {
		rn_sb_puts(out, "[Invalid header: caplen==0");
		bad = true;
	}
	if (pkt->len == 0 || pkt->len < pkt->caplen) {
		rn_sb_puts(out, bad ? "," : "[Invalid header:");
		if (pkt->len == 0)
			rn_sb_puts(out, " len==0");
		else
			rn_sb_printf(out, " len(%u) < caplen(%u)", pkt->len, pkt->caplen);
		bad = true;
	}
	if (pkt->caplen > 262144) {
		rn_sb_puts(out, bad ? "," : "[Invalid header:");
		rn_sb_printf(out, " caplen(%u) > 262144", pkt->caplen);
		bad = true;
	}
	if (bad) {
		rn_sb_puts(out, "]\n");
		return;
	}
	struct tstamp t = tstamp_of(pkt, o->nano, o->ts_sec32);
	switch (o->tsmode) {
	case 0:
		break;
	case 1:
	case 4:
		put_time_cached(p, out, t, o->tsmode == 4);
		rn_sb_putc(out, ' ');
		break;
	case 2:
		put_unix(out, o->nano, t);
		rn_sb_putc(out, ' ');
		break;
	default:
		/* tcpdump takes a zero reference as "none yet" (so a packet with
		 * a zero timestamp restarts the -ttt deltas) */
		if (p->ref.sec == 0 && p->ref.frac == 0)
			p->ref = t;
		put_delta(out, o->nano, t, p->ref);
		rn_sb_putc(out, ' ');
		if (o->tsmode == 3)
			p->ref = t;
		break;
	}
	rn_dissect(pkt, o->verbose ? RN_DISSECT_CSUM : 0, &p->d);
	rn_print_line_with(out, &p->d, o, p->seqs);
}
