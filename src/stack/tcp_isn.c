/* Initial sequence numbers per RFC 6528: ISN = M + F(localip, localport,
 * remoteip, remoteport, secretkey), M a 4-microsecond clock and F
 * SipHash-2-4 (Aumasson and Bernstein) keyed with the caller's 128-bit
 * secret. The same hash, with a different tag, gives the per-connection
 * timestamp offset of RFC 7323 §7.1. */
#include <string.h>
#include <sys/socket.h>

#include "stack/tcp_int.h"

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

#define SIPROUND                                                                        \
	do {                                                                            \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);               \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                                  \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                                  \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);               \
	} while (0)

uint64_t rn_tcp_siphash(const uint8_t key[16], const uint8_t *msg, size_t len)
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t m = le64(msg + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)msg[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t hash_tuple(const uint8_t secret[16], const struct rn_tcb_endpoints *ep, uint8_t tag)
{
	uint8_t m[1 + 16 + 16 + 4];
	size_t alen = ep->family == AF_INET6 ? 16 : 4;
	size_t n = 0;
	m[n++] = tag;
	memcpy(m + n, ep->laddr, alen);
	n += alen;
	memcpy(m + n, ep->raddr, alen);
	n += alen;
	m[n++] = (uint8_t)(ep->lport >> 8);
	m[n++] = (uint8_t)ep->lport;
	m[n++] = (uint8_t)(ep->rport >> 8);
	m[n++] = (uint8_t)ep->rport;
	return rn_tcp_siphash(secret, m, n);
}

uint32_t rn_tcp_isn(const uint8_t secret[16], const struct rn_tcb_endpoints *ep, uint64_t now_us)
{
	return (uint32_t)(now_us / 4) + (uint32_t)hash_tuple(secret, ep, 'I');
}

uint32_t rn_tcp_ts_offset(const uint8_t secret[16], const struct rn_tcb_endpoints *ep)
{
	return (uint32_t)hash_tuple(secret, ep, 'T');
}
