/* TCP conversations of a capture, numbered as Wireshark's tcp.stream, with
 * one of them reassembled (src/stack/reasm_stream.c), and tshark's
 * "-z follow,tcp" output format (ascii, hex, raw). */
#include <stdlib.h>
#include <string.h>

#include "print/internal.h"
#include "rawnet/error.h"
#include "rawnet/follow.h"
#include "rawnet/print.h"

struct conv_key {
	uint8_t b[37];          /* family, lower endpoint (addr, port), upper endpoint */
};

struct slot {
	struct conv_key key;
	uint32_t conv;          /* index + 1; 0 = empty */
};

struct node_ctx {
	struct rn_follow *f;
	int node;
};

struct rn_follow {
	long long want;         /* the conversation to reassemble, or < 0 */
	rn_follow_fn fn;
	void *ctx;
	struct rn_follow_conv *convs;
	size_t n, cap;
	struct slot *slots;     /* open addressing; the newest conversation per 4-tuple */
	size_t nslots, used;
	bool following;         /* the wanted conversation has been seen */
	struct rn_reasm r[2];
	struct node_ctx nctx[2];
	uint64_t last_frame;
};

int rn_follow_new(long long stream, rn_follow_fn fn, void *ctx, struct rn_follow **out)
{
	struct rn_follow *f = calloc(1, sizeof(*f));
	if (!f)
		return -RN_ENOSPC;
	f->want = stream;
	f->fn = fn;
	f->ctx = ctx;
	f->nslots = 256;
	f->slots = calloc(f->nslots, sizeof(*f->slots));
	if (!f->slots) {
		free(f);
		return -RN_ENOSPC;
	}
	*out = f;
	return 0;
}

void rn_follow_free(struct rn_follow *f)
{
	if (!f)
		return;
	rn_reasm_free(&f->r[0]);
	rn_reasm_free(&f->r[1]);
	free(f->slots);
	free(f->convs);
	free(f);
}

size_t rn_follow_count(const struct rn_follow *f)
{
	return f->n;
}

const struct rn_follow_conv *rn_follow_conv(const struct rn_follow *f, size_t index)
{
	return index < f->n ? &f->convs[index] : NULL;
}

const struct rn_reasm *rn_follow_reasm(const struct rn_follow *f, int node)
{
	return f->following && (node == 0 || node == 1) ? &f->r[node] : NULL;
}

static uint64_t key_hash(const struct conv_key *k)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < sizeof(k->b); i++)
		h = (h ^ k->b[i]) * 1099511628211ull;
	return h;
}

static struct slot *find_slot(struct slot *slots, size_t nslots, const struct conv_key *k)
{
	size_t mask = nslots - 1, i = (size_t)key_hash(k) & mask;
	while (slots[i].conv && memcmp(&slots[i].key, k, sizeof(*k)))
		i = (i + 1) & mask;
	return &slots[i];
}

static int grow_slots(struct rn_follow *f)
{
	size_t n = f->nslots * 2;
	struct slot *s = calloc(n, sizeof(*s));
	if (!s)
		return -RN_ENOSPC;
	for (size_t i = 0; i < f->nslots; i++)
		if (f->slots[i].conv)
			*find_slot(s, n, &f->slots[i].key) = f->slots[i];
	free(f->slots);
	f->slots = s;
	f->nslots = n;
	return 0;
}

static void deliver(void *ctx, const struct rn_reasm_chunk *c)
{
	const struct node_ctx *nc = ctx;
	struct rn_follow *f = nc->f;
	struct rn_follow_chunk ch = {
		(uint32_t)f->want, nc->node, c->data, c->len, c->offset, c->tag,
	};
	if (f->fn)
		f->fn(f->ctx, &ch);
}

static struct rn_follow_conv *new_conv(struct rn_follow *f, int family, const uint8_t *src,
				       const uint8_t *dst, uint16_t sport, uint16_t dport)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct rn_follow_conv *c = realloc(f->convs, cap * sizeof(*c));
		if (!c)
			return NULL;
		f->convs = c;
		f->cap = cap;
	}
	struct rn_follow_conv *c = &f->convs[f->n];
	memset(c, 0, sizeof(*c));
	c->index = (uint32_t)f->n++;
	c->family = family;
	size_t alen = family == 6 ? 16 : 4;
	memcpy(c->addr[0], src, alen);
	memcpy(c->addr[1], dst, alen);
	c->port[0] = sport;
	c->port[1] = dport;
	if ((long long)c->index == f->want) {
		f->following = true;
		for (int i = 0; i < 2; i++) {
			f->nctx[i].f = f;
			f->nctx[i].node = i;
			rn_reasm_init(&f->r[i], deliver, &f->nctx[i]);
		}
	}
	return c;
}

long long rn_follow_packet(struct rn_follow *f, const struct rn_dissection *d, int *node_out)
{
	const struct rn_layer *net = NULL, *tl = NULL;
	for (unsigned i = 0; i < d->n; i++) {
		const struct rn_layer *l = &d->layer[i];
		if (l->proto == RN_PROTO_IPV4 || l->proto == RN_PROTO_IPV6)
			net = l; /* the innermost network layer before TCP */
		else if (l->proto == RN_PROTO_TCP) {
			tl = l;
			break;
		}
	}
	if (!net || !tl || tl->status != RN_LAYER_OK)
		return -1;
	int family = net->proto == RN_PROTO_IPV6 ? 6 : 4;
	const uint8_t *src = family == 6 ? net->u.ip6.hdr.src : net->u.ip4.src;
	const uint8_t *dst = family == 6 ? net->u.ip6.hdr.dst : net->u.ip4.dst;
	size_t alen = family == 6 ? 16 : 4;
	const struct rn_tcp *th = &tl->u.tcp.hdr;

	struct conv_key k;
	memset(&k, 0, sizeof(k));
	int cmp = memcmp(src, dst, alen);
	bool rev = cmp > 0 || (cmp == 0 && th->sport > th->dport);
	k.b[0] = (uint8_t)family;
	memcpy(k.b + 1, rev ? dst : src, alen);
	memcpy(k.b + 17, rev ? src : dst, alen);
	uint16_t p1 = rev ? th->dport : th->sport, p2 = rev ? th->sport : th->dport;
	k.b[33] = (uint8_t)(p1 >> 8);
	k.b[34] = (uint8_t)p1;
	k.b[35] = (uint8_t)(p2 >> 8);
	k.b[36] = (uint8_t)p2;

	if ((f->used + 1) * 2 > f->nslots && grow_slots(f) < 0)
		return -RN_ENOSPC;
	struct slot *s = find_slot(f->slots, f->nslots, &k);
	struct rn_follow_conv *c = s->conv ? &f->convs[s->conv - 1] : NULL;
	int node = 0;
	if (c) {
		node = !memcmp(src, c->addr[0], alen) && th->sport == c->port[0] ? 0 : 1;
		/* Port reuse: a SYN whose seq is not its direction's base. */
		if ((th->flags & (RN_TCP_SYN | RN_TCP_ACK)) == RN_TCP_SYN && c->base_set[node] &&
		    th->seq != c->base[node])
			c = NULL;
	}
	if (!c) {
		c = new_conv(f, family, src, dst, th->sport, th->dport);
		if (!c)
			return -RN_ENOSPC;
		if (!s->conv)
			f->used++;
		s->key = k;
		s->conv = c->index + 1;
		node = 0;
	}
	if (!c->base_set[node]) {
		c->base[node] = th->flags & RN_TCP_SYN ? th->seq : th->seq - 1;
		c->base_set[node] = true;
	}
	if ((th->flags & RN_TCP_ACK) && !c->base_set[!node]) {
		c->base[!node] = th->ack - 1;
		c->base_set[!node] = true;
	}
	if (th->flags & RN_TCP_SYN)
		c->syn_seen = true;
	if ((th->flags & (RN_TCP_SYN | RN_TCP_ACK | RN_TCP_AE | RN_TCP_CWR | RN_TCP_ECE)) ==
	    (RN_TCP_SYN | RN_TCP_AE | RN_TCP_CWR | RN_TCP_ECE))
		c->accecn = true;
	if (th->flags & RN_TCP_FIN)
		c->fin_seen = true;
	if (th->flags & RN_TCP_RST)
		c->rst_seen = true;
	if (node_out)
		*node_out = node;

	const struct rn_pkt *pkt = d->pkt;
	if (c->packets[0] + c->packets[1] == 0) {
		c->first_sec = pkt->ts_sec;
		c->first_nsec = pkt->ts_nsec;
	}
	c->last_sec = pkt->ts_sec;
	c->last_nsec = pkt->ts_nsec;
	c->packets[node]++;
	c->bytes[node] += pkt->len;
	c->payload[node] += tl->payload.len;

	if (f->following && (long long)c->index == f->want) {
		f->last_frame = pkt->number;
		if (th->flags & RN_TCP_ACK)
			rn_reasm_ack(&f->r[!node], th->ack, pkt->number);
		if (rn_reasm_segment(&f->r[node], th->seq, th->flags, tl->payload.data,
				     tl->payload.len, pkt->number) < 0)
			return -RN_ENOSPC;
	}
	return c->index;
}

void rn_follow_finish(struct rn_follow *f)
{
	if (!f->following)
		return;
	rn_reasm_finish(&f->r[0], f->last_frame);
	rn_reasm_finish(&f->r[1], f->last_frame);
}

/* ---- tshark's follow output ---- */

static const char rule[] =
	"===================================================================\n";
static const char hexdig[] = "0123456789abcdef";

void rn_follow_put_node(struct rn_strbuf *out, const struct rn_follow_conv *c, int node)
{
	if (c->family == 6) {
		rn_sb_putc(out, '[');
		rn_put_ip6(out, c->addr[node]);
		rn_sb_putc(out, ']');
	} else {
		rn_put_ip4(out, c->addr[node]);
	}
	rn_sb_printf(out, ":%u", c->port[node]);
}

void rn_follow_put_header(struct rn_strbuf *out, int mode, const struct rn_follow_conv *c)
{
	rn_sb_putc(out, '\n');
	rn_sb_puts(out, rule);
	rn_sb_printf(out, "Follow: tcp,%s\nFilter: tcp.stream eq %u\n",
		     mode == 'x' ? "hex" : mode == 'r' ? "raw" : "ascii", c->index);
	for (int i = 0; i < 2; i++) {
		rn_sb_printf(out, "Node %d: ", i);
		rn_follow_put_node(out, c, i);
		rn_sb_putc(out, '\n');
	}
}

void rn_follow_put_footer(struct rn_strbuf *out)
{
	rn_sb_puts(out, rule);
}

/* tshark's hex record: "%08X  " offset, 16 bytes in two groups of 8, then
 * the bytes as text in two groups; a line stops after its text. */
static void put_hex_lines(struct rn_strbuf *out, const char *prefix, const uint8_t *p, size_t n,
			  uint64_t off)
{
	for (size_t i = 0; i < n; i += 16) {
		char line[80];
		size_t k = i + 16 <= n ? 16 : n - i;
		memset(line, ' ', sizeof(line));
		static const char HEX[] = "0123456789ABCDEF";
		uint32_t o = (uint32_t)(off + i);
		for (int d = 7; d >= 0; d--) {
			line[d] = HEX[o & 15];
			o >>= 4;
		}
		size_t end = 60;
		for (size_t j = 0; j < k; j++) {
			uint8_t b = p[i + j];
			size_t h = 10 + j * 3 + (j >= 8);
			line[h] = hexdig[b >> 4];
			line[h + 1] = hexdig[b & 15];
			size_t at = 60 + j + (j >= 8);
			line[at] = b >= 0x20 && b < 0x7f ? (char)b : '.';
			end = at + 1;
		}
		if (line[end - 1] == ' ')
			end--; /* tshark drops a trailing space, even a byte's */
		rn_sb_puts(out, prefix);
		rn_sb_append(out, line, end);
		rn_sb_putc(out, '\n');
	}
}

void rn_follow_put_chunk(struct rn_strbuf *out, int mode, const struct rn_follow_chunk *ch)
{
	const char *prefix = ch->node ? "\t" : "";
	if (!ch->data) {
		rn_sb_printf(out, "%s[%zu bytes missing in capture]\n", prefix, ch->len);
		return;
	}
	switch (mode) {
	case 'x':
		put_hex_lines(out, prefix, ch->data, ch->len, ch->offset);
		break;
	case 'r':
		rn_sb_puts(out, prefix);
		for (size_t i = 0; i < ch->len; i++) {
			char b[2] = { hexdig[ch->data[i] >> 4], hexdig[ch->data[i] & 15] };
			rn_sb_append(out, b, 2);
		}
		rn_sb_putc(out, '\n');
		break;
	default:
		rn_sb_printf(out, "%s%zu\n", prefix, ch->len);
		for (size_t i = 0; i < ch->len; i++) {
			uint8_t b = ch->data[i];
			rn_sb_putc(out, b == '\r' || b == '\n' || (b >= 0x20 && b < 0x7f) ? (char)b : '.');
		}
		rn_sb_putc(out, '\n');
		break;
	}
}
