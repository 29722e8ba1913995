/* TCP headers (RFC 9293 §3.1) and options: MSS, window scale and timestamps
 * (RFC 7323), SACK (RFC 2018), NOP/EOL, unknown kinds kept raw; flags with
 * ECE/CWR (RFC 3168) and AE (RFC 9768). */
#include <string.h>

#include "rawnet/ipv4.h"
#include "rawnet/tcp.h"

size_t rn_tcp_header_len(const struct rn_tcp *tcp)
{
	if (tcp->doff_set)
		return tcp->doff >= 5 ? (size_t)tcp->doff * 4 : RN_TCP_HLEN;
	size_t olen = tcp->opt_len <= RN_TCP_MAX_OPTLEN ? tcp->opt_len : RN_TCP_MAX_OPTLEN;
	return RN_TCP_HLEN + ((olen + 3) & ~(size_t)3);
}

int rn_tcp_parse(struct rn_view v, const struct rn_pseudo *ph, struct rn_tcp *tcp,
		 struct rn_view *payload)
{
	memset(tcp, 0, sizeof *tcp);
	if (!rn_view_has(v, 0, RN_TCP_HLEN))
		return -RN_ETRUNC;
	tcp->sport = rn_view_be16(v, 0);
	tcp->dport = rn_view_be16(v, 2);
	tcp->seq = rn_view_be32(v, 4);
	tcp->ack = rn_view_be32(v, 8);
	uint8_t b12 = rn_view_u8(v, 12);
	tcp->doff = b12 >> 4;
	tcp->flags = (uint16_t)((b12 & 0x0f) << 8 | rn_view_u8(v, 13));
	tcp->window = rn_view_be16(v, 14);
	tcp->checksum = rn_view_be16(v, 16);
	tcp->urg_ptr = rn_view_be16(v, 18);
	size_t hlen = (size_t)tcp->doff * 4;
	if (tcp->doff < 5 || hlen > v.len)
		return -RN_EBADLEN;
	tcp->opt_len = (uint8_t)(hlen - RN_TCP_HLEN);
	rn_view_copy(v, RN_TCP_HLEN, tcp->opts, tcp->opt_len);
	if (payload)
		*payload = rn_view_tail(v, hlen);
	if (ph) {
		uint64_t sum = rn_csum_pseudo(ph, RN_IPPROTO_TCP, (uint32_t)v.len);
		sum = rn_csum_add(sum, v.data, v.len);
		tcp->checksum_status = rn_csum_fold(sum) == 0 ? RN_CSUM_GOOD : RN_CSUM_BAD;
	}
	return 0;
}

int rn_tcp_emit(const struct rn_tcp *tcp, const struct rn_pseudo *ph, uint8_t *buf, size_t cap,
		size_t payload_len)
{
	size_t hlen = rn_tcp_header_len(tcp);
	if (cap < hlen || payload_len > cap - hlen)
		return -RN_ENOSPC;
	if (!tcp->checksum_set && !ph)
		return -RN_EINVAL;
	uint8_t doff = tcp->doff_set ? tcp->doff : (uint8_t)(hlen / 4);
	rn_put_be16(buf, tcp->sport);
	rn_put_be16(buf + 2, tcp->dport);
	rn_put_be32(buf + 4, tcp->seq);
	rn_put_be32(buf + 8, tcp->ack);
	buf[12] = (uint8_t)((doff & 0x0f) << 4 | ((tcp->flags >> 8) & 0x0f));
	buf[13] = (uint8_t)tcp->flags;
	rn_put_be16(buf + 14, tcp->window);
	buf[16] = buf[17] = 0;
	rn_put_be16(buf + 18, tcp->urg_ptr);
	/* Options as given, the rest of the header filled with EOL (zero). */
	size_t room = hlen - RN_TCP_HLEN;
	size_t olen = tcp->opt_len < room ? tcp->opt_len : room;
	memcpy(buf + RN_TCP_HLEN, tcp->opts, olen);
	memset(buf + RN_TCP_HLEN + olen, 0, room - olen);
	uint16_t c = tcp->checksum;
	if (!tcp->checksum_set) {
		size_t total = hlen + payload_len;
		uint64_t sum = rn_csum_pseudo(ph, RN_IPPROTO_TCP, (uint32_t)total);
		c = rn_csum_fold(rn_csum_add(sum, buf, total));
	}
	rn_put_be16(buf + 16, c);
	return (int)hlen;
}

int rn_tcp_opt_next(struct rn_view *cursor, struct rn_tcp_opt *opt)
{
	if (cursor->len == 0)
		return 0;
	uint8_t kind = rn_view_u8(*cursor, 0);
	opt->kind = kind;
	if (kind == RN_TCPOPT_EOL || kind == RN_TCPOPT_NOP) {
		opt->len = 1;
		opt->data = rn_view_make(NULL, 0);
		/* After EOL only padding follows: the walk ends. */
		*cursor = kind == RN_TCPOPT_EOL ? rn_view_tail(*cursor, cursor->len)
						: rn_view_tail(*cursor, 1);
		return 1;
	}
	if (!rn_view_has(*cursor, 0, 2))
		return -RN_EBADLEN;
	uint8_t len = rn_view_u8(*cursor, 1);
	if (len < 2 || len > cursor->len)
		return -RN_EBADLEN;
	opt->len = len;
	rn_view_sub(*cursor, 2, (size_t)len - 2, &opt->data);
	*cursor = rn_view_tail(*cursor, len);
	return 1;
}

int rn_tcp_opts_decode(const struct rn_tcp *tcp, struct rn_tcp_opts *o)
{
	memset(o, 0, sizeof *o);
	size_t olen = tcp->opt_len <= RN_TCP_MAX_OPTLEN ? tcp->opt_len : RN_TCP_MAX_OPTLEN;
	struct rn_view cur = rn_view_make(tcp->opts, olen);
	struct rn_tcp_opt opt;
	int r;
	while ((r = rn_tcp_opt_next(&cur, &opt)) > 0) {
		switch (opt.kind) {
		case RN_TCPOPT_MSS:
			if (opt.len != 4)
				return -RN_EBADLEN;
			o->has_mss = true;
			o->mss = rn_view_be16(opt.data, 0);
			break;
		case RN_TCPOPT_WSCALE:
			if (opt.len != 3)
				return -RN_EBADLEN;
			o->has_wscale = true;
			o->wscale = rn_view_u8(opt.data, 0);
			break;
		case RN_TCPOPT_SACK_PERM:
			if (opt.len != 2)
				return -RN_EBADLEN;
			o->sack_perm = true;
			break;
		case RN_TCPOPT_TIMESTAMP:
			if (opt.len != 10)
				return -RN_EBADLEN;
			o->has_ts = true;
			o->ts_val = rn_view_be32(opt.data, 0);
			o->ts_ecr = rn_view_be32(opt.data, 4);
			break;
		case RN_TCPOPT_SACK:
			if (opt.len < 10 || (opt.len - 2) % 8 != 0 || (opt.len - 2) / 8 > 4)
				return -RN_EBADLEN;
			o->nsack = (uint8_t)((opt.len - 2) / 8);
			for (size_t i = 0; i < o->nsack; i++) {
				o->sack[i].left = rn_view_be32(opt.data, 8 * i);
				o->sack[i].right = rn_view_be32(opt.data, 8 * i + 4);
			}
			break;
		default: /* EOL, NOP and unknown kinds: kept only in the raw bytes */
			break;
		}
	}
	return r < 0 ? r : 0;
}

static uint8_t *put4(uint8_t *p, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	p[0] = a;
	p[1] = b;
	p[2] = c;
	p[3] = d;
	return p + 4;
}

int rn_tcp_opts_encode(const struct rn_tcp_opts *o, uint8_t out[RN_TCP_MAX_OPTLEN])
{
	if (o->nsack > 4)
		return -RN_ENOSPC;
	size_t need = (o->has_mss ? 4 : 0) + (o->has_ts ? 12 : 0) +
		      (o->sack_perm && !o->has_ts ? 4 : 0) + (o->has_wscale ? 4 : 0) +
		      (o->nsack ? 4 + 8 * (size_t)o->nsack : 0);
	if (need > RN_TCP_MAX_OPTLEN)
		return -RN_ENOSPC;
	/* The order of Linux's tcp_options_write(); every option fills whole
	 * 32-bit words, so no further padding is needed. */
	uint8_t *p = out;
	if (o->has_mss)
		p = put4(p, RN_TCPOPT_MSS, 4, (uint8_t)(o->mss >> 8), (uint8_t)o->mss);
	if (o->has_ts) {
		if (o->sack_perm)
			p = put4(p, RN_TCPOPT_SACK_PERM, 2, RN_TCPOPT_TIMESTAMP, 10);
		else
			p = put4(p, RN_TCPOPT_NOP, RN_TCPOPT_NOP, RN_TCPOPT_TIMESTAMP, 10);
		rn_put_be32(p, o->ts_val);
		rn_put_be32(p + 4, o->ts_ecr);
		p += 8;
	} else if (o->sack_perm) {
		p = put4(p, RN_TCPOPT_NOP, RN_TCPOPT_NOP, RN_TCPOPT_SACK_PERM, 2);
	}
	if (o->has_wscale)
		p = put4(p, RN_TCPOPT_NOP, RN_TCPOPT_WSCALE, 3, o->wscale);
	if (o->nsack) {
		p = put4(p, RN_TCPOPT_NOP, RN_TCPOPT_NOP, RN_TCPOPT_SACK, (uint8_t)(2 + 8 * o->nsack));
		for (size_t i = 0; i < o->nsack; i++) {
			rn_put_be32(p, o->sack[i].left);
			rn_put_be32(p + 4, o->sack[i].right);
			p += 8;
		}
	}
	return (int)(p - out);
}
