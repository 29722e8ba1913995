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

static void put_frac(struct rn_strbuf *out, bool nano, uint64_t frac)
{
	rn_fast_putc(out, '.');
	rn_fast_uint(out, frac, nano ? 9 : 6); /* tcpdump 4.99 prints invalid fractions as they are */
}

/* The fraction tcpdump would print: libpcap scales the file's unit, with the
 * fraction field read as a signed 32-bit number, and tcpdump prints the
 * result as unsigned 32 bits (so an invalid field prints as tcpdump's does). */
static uint64_t frac_of(const struct rn_pkt *pkt, bool nano)
{
	int32_t raw = (int32_t)pkt->ts_file_frac;
	if (pkt->ts_file_digits == 6)
		return nano ? (uint32_t)((int64_t)raw * 1000) : (uint32_t)raw;
	if (pkt->ts_file_digits == 9)
		return nano ? (uint32_t)raw : (uint32_t)(raw / 1000);
	return nano ? pkt->ts_nsec : pkt->ts_nsec / 1000u;
}

static void put_hms(struct rn_strbuf *out, int64_t sec, bool date, bool utc)
{
	time_t t = (time_t)sec;
	struct tm tm;
	if (!(utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm))) {
		rn_sb_puts(out, utc ? "[gmtime() error]" : "[localtime() error]");
		return;
	}
	char buf[64];
	size_t n = strftime(buf, sizeof(buf), date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
	rn_sb_append(out, buf, n);
}

void rn_print_timestamp(struct rn_strbuf *out, int tsmode, bool nano, int64_t sec, uint32_t nsec,
			int64_t ref_sec, uint32_t ref_nsec)
{
	struct rn_pkt p = { .ts_sec = sec, .ts_nsec = nsec };
	uint64_t frac = frac_of(&p, nano);
	switch (tsmode) {
	case 0:
		return;
	case 2:
		rn_sb_printf(out, "%lld", (long long)sec);
		put_frac(out, nano, frac);
		break;
	case 3:
	case 5: {
		int64_t unit = nano ? 1000000000 : 1000000;
		uint32_t rf = nano ? ref_nsec : ref_nsec / 1000u;
		/* Modulo 2^64: seconds from a pcapng offset may be anything. */
		int64_t dd = (int64_t)(((uint64_t)sec - (uint64_t)ref_sec) * (uint64_t)unit + frac - rf);
		rn_sb_putc(out, dd < 0 ? '-' : ' ');
		uint64_t mag = dd < 0 ? -(uint64_t)dd : (uint64_t)dd;
		put_hms(out, (int64_t)(mag / (uint64_t)unit), false, true);
		put_frac(out, nano, mag % (uint64_t)unit);
		break;
	}
	case 4:
		put_hms(out, sec, true, false);
		put_frac(out, nano, frac);
		break;
	default:
		put_hms(out, sec, false, false);
		put_frac(out, nano, frac);
		break;
	}
	rn_sb_putc(out, ' ');
}

/* ---- the printer ---- */

struct rn_printer {
	struct rn_print_opts opts;
	struct rn_tcp_seq_table *seqs;
	int64_t ref_sec;        /* previous (-ttt) or first (-ttttt) packet */
	uint64_t ref_frac;
	/* cache of the formatted date/time for the current second */
	int64_t cached_sec;
	bool cache_valid;
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

static void put_time_cached(struct rn_printer *p, struct rn_strbuf *out, int64_t sec, bool date)
{
	if (!p->cache_valid || p->cached_sec != sec) {
		struct rn_strbuf tmp;
		rn_sb_init(&tmp);
		put_hms(&tmp, sec, date, false);
		p->cached_len = tmp.len < sizeof(p->cached) ? tmp.len : 0;
		if (tmp.buf)
			memcpy(p->cached, tmp.buf, p->cached_len);
		rn_sb_free(&tmp);
		p->cached_sec = sec;
		p->cache_valid = true;
	}
	rn_sb_append(out, p->cached, p->cached_len);
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
	uint64_t frac = frac_of(pkt, o->nano);
	switch (o->tsmode) {
	case 0:
		break;
	case 1:
	case 4:
		put_time_cached(p, out, pkt->ts_sec, o->tsmode == 4);
		put_frac(out, o->nano, frac);
		rn_sb_putc(out, ' ');
		break;
	case 2:
		rn_sb_printf(out, "%lld", (long long)pkt->ts_sec);
		put_frac(out, o->nano, frac);
		rn_sb_putc(out, ' ');
		break;
	default: {
		int64_t unit = o->nano ? 1000000000 : 1000000;
		/* tcpdump takes a zero reference as "none yet" (so a packet with
		 * a zero timestamp restarts the -ttt deltas) */
		if (p->ref_sec == 0 && p->ref_frac == 0) {
			p->ref_sec = pkt->ts_sec;
			p->ref_frac = frac;
		}
		/* Modulo 2^64: seconds from a pcapng offset may be anything. */
		int64_t dd = (int64_t)(((uint64_t)pkt->ts_sec - (uint64_t)p->ref_sec) * (uint64_t)unit +
				       frac - p->ref_frac);
		rn_sb_putc(out, dd < 0 ? '-' : ' ');
		uint64_t mag = dd < 0 ? -(uint64_t)dd : (uint64_t)dd;
		put_hms(out, (int64_t)(mag / (uint64_t)unit), false, true);
		put_frac(out, o->nano, mag % (uint64_t)unit);
		rn_sb_putc(out, ' ');
		if (o->tsmode == 3) {
			p->ref_sec = pkt->ts_sec;
			p->ref_frac = frac;
		}
		break;
	}
	}
	rn_dissect(pkt, o->verbose ? RN_DISSECT_CSUM : 0, &p->d);
	rn_print_line_with(out, &p->d, o, p->seqs);
}
