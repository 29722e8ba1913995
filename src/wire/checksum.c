/* The Internet checksum: RFC 1071 (computation, summed 64 bits at a time),
 * RFC 1624 (incremental update), and the IPv4/IPv6 pseudo-headers. */
#include <string.h>
#include <sys/socket.h>

#include "rawnet/checksum.h"

uint64_t rn_csum_add(uint64_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = 0;

	/* Four 16-bit big-endian words per step; carries are kept in the upper
	 * 32 bits of acc and folded at the end (2^32 steps would be needed to
	 * overflow). Loading via memcpy keeps this free of alignment rules. */
	while (len >= 8) {
		uint32_t a, b;
		memcpy(&a, p, 4);
		memcpy(&b, p + 4, 4);
		acc += (uint64_t)a + b;
		p += 8;
		len -= 8;
	}
	/* acc holds native-order 32-bit words; reduce to a 16-bit native-order
	 * sum, then convert to big-endian order by byte swapping if needed. */
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	uint16_t n = (uint16_t)acc;
	const uint8_t *nb = (const uint8_t *)&n;
	uint64_t be = (uint64_t)nb[0] << 8 | nb[1];
	sum += be;
	while (len >= 2) {
		sum += (uint64_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint64_t)p[0] << 8;
	return sum;
}

uint16_t rn_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t rn_inet_csum(const void *data, size_t len)
{
	return rn_csum_fold(rn_csum_add(0, data, len));
}

uint64_t rn_csum_pseudo(const struct rn_pseudo *ph, uint8_t proto, uint32_t len)
{
	uint64_t sum = 0;
	size_t alen = ph->family == AF_INET6 ? 16 : 4;

	sum = rn_csum_add(sum, ph->src, alen);
	sum = rn_csum_add(sum, ph->dst, alen);
	sum += proto;
	sum += len >> 16;
	sum += len & 0xffff;
	return sum;
}

uint16_t rn_csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val)
{
	/* HC' = ~(~HC + ~m + m') */
	uint32_t sum = (uint16_t)~csum;
	sum += (uint16_t)~old_val;
	sum += new_val;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t rn_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val)
{
	csum = rn_csum_update16(csum, (uint16_t)(old_val >> 16), (uint16_t)(new_val >> 16));
	return rn_csum_update16(csum, (uint16_t)old_val, (uint16_t)new_val);
}
