/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inline packet checks of the fast path, on plain bytes so that the fuzzer
 * (tests/fuzz/fuzz_rtp.c) and the worker run exactly the same code: the
 * Ethernet/IPv4/IPv6/UDP parse that decides media versus exception traffic,
 * the RTP header check (version, CSRC list, extension, padding), the RTCP
 * compound check (every part's version, type and length, padding only on
 * the last part) and the RFC 5761 rtcp-mux demultiplexer. Every rejection
 * names a reason from DP_DROPS so it can be counted.
 */
#ifndef DRONGO_DATAPLANE_DP_CLASSIFY_H
#define DRONGO_DATAPLANE_DP_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/*
 * Why a packet was dropped: X(NAME, name). The worker keeps one counter per
 * reason; the names appear in statistics.
 */
#define DP_DROPS(X) \
	X(NONE, none)			/* not dropped */ \
	X(IP_HEADER, ip_header)		/* bad IPv4/IPv6 header or checksum */ \
	X(UDP_LENGTH, udp_length)	/* UDP length beyond the IP payload */ \
	X(UDP_CHECKSUM, udp_checksum)	/* NIC says bad, or zero on IPv6 */ \
	X(NO_SESSION, no_session)	/* relay port without a session */ \
	X(RTP_SHORT, rtp_short)		/* shorter than header + CSRCs */ \
	X(RTP_VERSION, rtp_version)	/* version is not 2 */ \
	X(RTP_EXTENSION, rtp_extension)	/* extension runs past the end */ \
	X(RTP_PADDING, rtp_padding)	/* padding count 0 or past header */ \
	X(RTCP_SHORT, rtcp_short)	/* shorter than one RTCP header */ \
	X(RTCP_VERSION, rtcp_version)	/* a part's version is not 2 */ \
	X(RTCP_TYPE, rtcp_type)		/* a part's type outside 192..223 */ \
	X(RTCP_LENGTH, rtcp_length)	/* parts do not add up to the packet */ \
	X(RTCP_PADDING, rtcp_padding)	/* padding not last or bad count */ \
	X(SOURCE, source)		/* not from the expected peer */ \
	X(NO_PEER, no_peer)		/* egress leg's peer unknown */ \
	X(NO_NEXTHOP, no_nexthop)	/* gateway MAC not resolved yet */ \
	X(FAMILY, family)		/* no headroom to translate IPv4/IPv6 */ \
	X(SRTP_AUTH, srtp_auth)		/* SRTP/SRTCP tag does not verify */ \
	X(SRTP_REPLAY, srtp_replay)	/* replayed or too old SRTP index */ \
	X(SRTP, srtp)			/* other SRTP failure (header, device) */ \
	X(TX_FULL, tx_full)		/* TX queue full */ \
	X(EXCEPTION_FULL, exception_full) /* ring to the main lcore full */ \
	X(DISPATCH_FULL, dispatch_full)	/* ring to the owning worker full */

enum dp_drop {
#define DP_DROP_ENUM_(up, low) DP_DROP_##up,
	DP_DROPS(DP_DROP_ENUM_)
#undef DP_DROP_ENUM_
	DP_DROP__COUNT
};

/** Name of a drop reason ("rtp_padding"); "?" when out of range. */
const char *dp_drop_name(unsigned int reason);

/** What the L2-L4 parse found. */
enum dp_class {
	DP_CLASS_UDP,		/**< IPv4/IPv6 UDP, header checks passed */
	DP_CLASS_ARP,
	DP_CLASS_ICMP,		/**< IPv4 ICMP, not fragmented */
	DP_CLASS_ICMP6,		/**< IPv6 with ICMPv6 as first next header */
	DP_CLASS_OTHER,		/**< for the kernel (TCP, fragments, ...) */
	DP_CLASS_DROP,		/**< malformed IP/UDP: see dp_pkt_info.drop */
};

#define DP_ETHER_HDR_LEN 14u
#define DP_ETHER_TYPE_IPV4 0x0800u
#define DP_ETHER_TYPE_ARP 0x0806u
#define DP_ETHER_TYPE_IPV6 0x86ddu
#define DP_IPV4_HDR_LEN 20u
#define DP_IPV6_HDR_LEN 40u
#define DP_UDP_HDR_LEN 8u
#define DP_IPPROTO_ICMP 1u
#define DP_IPPROTO_UDP 17u
#define DP_IPPROTO_ICMPV6 58u
#define DP_RTP_HDR_LEN 12u
#define DP_RTCP_HDR_LEN 4u

/** Offsets and fields found by dp_pkt_parse(). */
struct dp_pkt_info {
	uint8_t family;		/**< 4 or 6 */
	uint8_t drop;		/**< enum dp_drop with DP_CLASS_DROP */
	uint16_t l3;		/**< offset of the IP header */
	uint16_t l4;		/**< offset of the UDP/ICMP header */
	uint16_t payload;	/**< offset of the UDP payload */
	uint16_t payload_len;	/**< UDP payload length (from UDP length) */
	uint16_t src_port;	/**< host order */
	uint16_t dst_port;	/**< host order */
};

static inline uint16_t
dp_load_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/**
 * One's-complement sum of len bytes (even offsets are high bytes), added
 * to sum; the result is congruent modulo 0xffff, which is all
 * dp_csum_fold() needs. Eight bytes per step: a big-endian 64-bit word is
 * its four 16-bit words modulo 0xffff (2^16 = 1 there), and summing its
 * two 32-bit halves into 64 bits cannot overflow for any packet.
 */
static inline uint32_t
dp_csum_add(uint32_t sum, const uint8_t *p, uint32_t len)
{
	uint64_t acc = sum, w;
	uint32_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		w = __builtin_bswap64(w);
#endif
		acc += (w >> 32) + (w & 0xffffffffu);
	}
	for (; i + 1 < len; i += 2)
		acc += dp_load_be16(p + i);
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

/** Fold a 32-bit sum to 16 bits (not complemented). */
static inline uint16_t
dp_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/**
 * Parse Ethernet, IPv4/IPv6 and UDP. Frames may carry Ethernet padding: the
 * lengths come from the IP and UDP headers, never from len.
 *
 * @param check_ip4_csum verify the IPv4 header checksum (false when the
 *                       NIC already did)
 * @return the class; DP_CLASS_DROP with pi->drop set for a malformed
 *         IP/UDP packet.
 */
static inline enum dp_class
dp_pkt_parse(const uint8_t *p, uint32_t len, bool check_ip4_csum,
		struct dp_pkt_info *pi)
{
	uint32_t l4, ip_end, udp_len;
	uint16_t etype;
	uint8_t proto;

	memset(pi, 0, sizeof(*pi));
	if (len < DP_ETHER_HDR_LEN)
		return DP_CLASS_OTHER;
	etype = dp_load_be16(p + 12);
	pi->l3 = DP_ETHER_HDR_LEN;
	if (etype == DP_ETHER_TYPE_ARP)
		return DP_CLASS_ARP;
	if (etype == DP_ETHER_TYPE_IPV4) {
		const uint8_t *ip = p + DP_ETHER_HDR_LEN;
		uint32_t ihl, tot;

		pi->family = 4;
		if (len < DP_ETHER_HDR_LEN + DP_IPV4_HDR_LEN ||
		    (ip[0] >> 4) != 4)
			goto bad_ip;
		ihl = (uint32_t)(ip[0] & 0x0f) * 4;
		tot = dp_load_be16(ip + 2);
		if (ihl < DP_IPV4_HDR_LEN || tot < ihl ||
		    DP_ETHER_HDR_LEN + tot > len)
			goto bad_ip;
		if (check_ip4_csum &&
		    dp_csum_fold(dp_csum_add(0, ip, ihl)) != 0xffff)
			goto bad_ip;
		/* Fragments (SIP over UDP can exceed the MTU) are the kernel's. */
		if ((dp_load_be16(ip + 6) & 0x3fff) != 0)
			return DP_CLASS_OTHER;
		proto = ip[9];
		l4 = DP_ETHER_HDR_LEN + ihl;
		ip_end = DP_ETHER_HDR_LEN + tot;
		pi->l4 = (uint16_t)l4;
		if (proto == DP_IPPROTO_ICMP)
			return DP_CLASS_ICMP;
	} else if (etype == DP_ETHER_TYPE_IPV6) {
		const uint8_t *ip = p + DP_ETHER_HDR_LEN;

		pi->family = 6;
		if (len < DP_ETHER_HDR_LEN + DP_IPV6_HDR_LEN ||
		    (ip[0] >> 4) != 6)
			goto bad_ip;
		l4 = DP_ETHER_HDR_LEN + DP_IPV6_HDR_LEN;
		ip_end = l4 + dp_load_be16(ip + 4);
		if (ip_end > len)
			goto bad_ip;
		proto = ip[6];
		pi->l4 = (uint16_t)l4;
		/* Extension headers are rare on media and left to the kernel. */
		if (proto == DP_IPPROTO_ICMPV6)
			return DP_CLASS_ICMP6;
	} else {
		return DP_CLASS_OTHER;
	}
	if (proto != DP_IPPROTO_UDP)
		return DP_CLASS_OTHER;
	if (l4 + DP_UDP_HDR_LEN > ip_end) {
		pi->drop = DP_DROP_UDP_LENGTH;
		return DP_CLASS_DROP;
	}
	udp_len = dp_load_be16(p + l4 + 4);
	if (udp_len < DP_UDP_HDR_LEN || l4 + udp_len > ip_end) {
		pi->drop = DP_DROP_UDP_LENGTH;
		return DP_CLASS_DROP;
	}
	pi->src_port = dp_load_be16(p + l4);
	pi->dst_port = dp_load_be16(p + l4 + 2);
	pi->payload = (uint16_t)(l4 + DP_UDP_HDR_LEN);
	pi->payload_len = (uint16_t)(udp_len - DP_UDP_HDR_LEN);
	return DP_CLASS_UDP;
bad_ip:
	pi->drop = DP_DROP_IP_HEADER;
	return DP_CLASS_DROP;
}

/**
 * Check an RTP header as far as SRTP leaves it in the clear: version 2, the
 * CSRC list and the header extension inside the packet.
 *
 * @param hdr_len receives the header length (with CSRCs and extension)
 * @return DP_DROP_NONE or the reason.
 */
static inline enum dp_drop
dp_rtp_check_hdr(const uint8_t *p, uint32_t len, uint32_t *hdr_len)
{
	uint32_t hdr;

	if (len < DP_RTP_HDR_LEN)
		return DP_DROP_RTP_SHORT;
	if ((p[0] >> 6) != 2)
		return DP_DROP_RTP_VERSION;
	hdr = DP_RTP_HDR_LEN + 4u * (p[0] & 0x0f);
	if (hdr > len)
		return DP_DROP_RTP_SHORT;
	if (p[0] & 0x10) {
		if (hdr + 4 > len)
			return DP_DROP_RTP_EXTENSION;
		hdr += 4 + 4u * dp_load_be16(p + hdr + 2);
		if (hdr > len)
			return DP_DROP_RTP_EXTENSION;
	}
	*hdr_len = hdr;
	return DP_DROP_NONE;
}

/**
 * Check an RTP packet (RFC 3550 5.1): the header as dp_rtp_check_hdr(),
 * and a padding count that is non-zero and within what follows the header.
 *
 * @return DP_DROP_NONE or the reason.
 */
static inline enum dp_drop
dp_rtp_check(const uint8_t *p, uint32_t len)
{
	uint32_t hdr = 0, pad;
	enum dp_drop r;

	r = dp_rtp_check_hdr(p, len, &hdr);
	if (r != DP_DROP_NONE)
		return r;
	if (p[0] & 0x20) {
		pad = p[len - 1];
		if (pad == 0 || pad > len - hdr)
			return DP_DROP_RTP_PADDING;
	}
	return DP_DROP_NONE;
}

/**
 * Check the first RTCP header only: what can be checked when the rest of
 * the compound is SRTCP ciphertext followed by the SRTCP trailer.
 */
static inline enum dp_drop
dp_rtcp_check_first(const uint8_t *p, uint32_t len)
{
	if (len < DP_RTCP_HDR_LEN)
		return DP_DROP_RTCP_SHORT;
	if ((p[0] >> 6) != 2)
		return DP_DROP_RTCP_VERSION;
	if (p[1] < 192 || p[1] > 223)
		return DP_DROP_RTCP_TYPE;
	return DP_DROP_NONE;
}

/**
 * Check an RTCP compound packet (RFC 3550 6.4, 6.1): each part has version
 * 2, a type in 192..223 and a length inside the packet, the parts add up to
 * exactly len, and only the last part may be padded, by a count that is
 * non-zero and within that part's body.
 *
 * @return DP_DROP_NONE or the reason.
 */
static inline enum dp_drop
dp_rtcp_check(const uint8_t *p, uint32_t len)
{
	uint32_t off = 0, plen;
	enum dp_drop r;

	if (len < DP_RTCP_HDR_LEN)
		return DP_DROP_RTCP_SHORT;
	while (off < len) {
		if (len - off < DP_RTCP_HDR_LEN)
			return DP_DROP_RTCP_LENGTH;
		r = dp_rtcp_check_first(p + off, len - off);
		if (r != DP_DROP_NONE)
			return r;
		plen = 4u * ((uint32_t)dp_load_be16(p + off + 2) + 1);
		if (plen > len - off)
			return DP_DROP_RTCP_LENGTH;
		if (p[off] & 0x20) {
			uint32_t pad = p[off + plen - 1];

			if (off + plen != len || pad == 0 ||
			    pad > plen - DP_RTCP_HDR_LEN)
				return DP_DROP_RTCP_PADDING;
		}
		off += plen;
	}
	return DP_DROP_NONE;
}

/**
 * RFC 5761 4: on a multiplexed port a packet whose second byte, less the
 * marker bit, is in 64..95 is RTCP (types 192..223); anything else is RTP.
 */
static inline bool
dp_rtcp_mux_is_rtcp(const uint8_t *p, uint32_t len)
{
	uint8_t pt;

	if (len < 2)
		return false;
	pt = p[1] & 0x7f;
	return pt >= 64 && pt <= 95;
}

#endif
