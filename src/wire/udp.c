/* UDP (RFC 768; RFC 8200 §8.1 for IPv6): header, length and the
 * pseudo-header checksum. */
#include <string.h>
#include <sys/socket.h>

#include "rawnet/ipv4.h"
#include "rawnet/udp.h"

int rn_udp_parse(struct rn_view v, const struct rn_pseudo *ph, struct rn_udp *udp,
		 struct rn_view *payload)
{
	memset(udp, 0, sizeof *udp);
	if (!rn_view_has(v, 0, RN_UDP_HLEN))
		return -RN_ETRUNC;
	udp->sport = rn_view_be16(v, 0);
	udp->dport = rn_view_be16(v, 2);
	udp->len = rn_view_be16(v, 4);
	udp->checksum = rn_view_be16(v, 6);
	if (udp->len < RN_UDP_HLEN)
		return -RN_EBADLEN;
	size_t have = udp->len;
	if (have > v.len) {
		have = v.len;
		udp->payload_truncated = true;
	}
	if (payload)
		rn_view_sub(v, RN_UDP_HLEN, have - RN_UDP_HLEN, payload);
	if (!ph || udp->payload_truncated)
		udp->checksum_status = RN_CSUM_UNCHECKED;
	else if (udp->checksum == 0)
		/* IPv4: "no checksum" (RFC 768). IPv6: zero is not allowed (RFC 8200 §8.1). */
		udp->checksum_status = ph->family == AF_INET6 ? RN_CSUM_BAD : RN_CSUM_UNCHECKED;
	else {
		uint64_t sum = rn_csum_pseudo(ph, RN_IPPROTO_UDP, udp->len);
		sum = rn_csum_add(sum, v.data, have);
		udp->checksum_status = rn_csum_fold(sum) == 0 ? RN_CSUM_GOOD : RN_CSUM_BAD;
	}
	return 0;
}

int rn_udp_emit(const struct rn_udp *udp, const struct rn_pseudo *ph, uint8_t *buf, size_t cap,
		size_t payload_len)
{
	if (cap < RN_UDP_HLEN || payload_len > cap - RN_UDP_HLEN)
		return -RN_ENOSPC;
	size_t total = RN_UDP_HLEN + payload_len;
	if (!udp->len_set && total > 0xffff)
		return -RN_EINVAL;
	if (!udp->checksum_set && !ph)
		return -RN_EINVAL;
	uint16_t len = udp->len_set ? udp->len : (uint16_t)total;
	rn_put_be16(buf, udp->sport);
	rn_put_be16(buf + 2, udp->dport);
	rn_put_be16(buf + 4, len);
	buf[6] = buf[7] = 0;
	uint16_t c = udp->checksum;
	if (!udp->checksum_set) {
		/* Summed as a receiver would: over the first len bytes (when the
		 * length field is smaller than the datagram), with len in the
		 * pseudo-header. */
		size_t n = len < total ? len : total;
		uint64_t sum = rn_csum_pseudo(ph, RN_IPPROTO_UDP, len);
		c = rn_csum_fold(rn_csum_add(sum, buf, n));
		if (c == 0)
			c = 0xffff;
	}
	rn_put_be16(buf + 6, c);
	return RN_UDP_HLEN;
}
