/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 neighbour discovery (RFC 4861) and ICMPv6 echo for the relay's IPv6
 * addresses, on the main lcore: a neighbour solicitation for a relay
 * address gets an advertisement with the port's MAC, an echo request the
 * reply; the IPv6 gateway's MAC is learnt from its advertisements and
 * solicitations and asked for with a solicitation of our own. Everything
 * else of ICMPv6 is the kernel's.
 */
#include <errno.h>
#include <string.h>

#include "dp_main.h"

#define DP_ICMP6_NS 135u
#define DP_ICMP6_NA 136u
#define DP_ICMP6_ECHO_REQUEST 128u
#define DP_ICMP6_ECHO_REPLY 129u
#define DP_ND_OPT_SLLA 1u
#define DP_ND_OPT_TLLA 2u
/* ICMPv6 header (4) + reserved/flags (4) + target (16). */
#define DP_ND_LEN 24u

static const uint8_t dp_all_nodes[16] = {
	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
};

static uint16_t
dp_icmp6_csum(const uint8_t *ip, const uint8_t *icmp, uint32_t len)
{
	uint32_t sum;

	sum = dp_csum_add(0, ip + 8, 32);
	sum += len;
	sum += DP_IPPROTO_ICMPV6;
	sum = dp_csum_add(sum, icmp, len);
	return (uint16_t)~dp_csum_fold(sum);
}

static void
dp_icmp6_csum_set(uint8_t *ip, uint8_t *icmp, uint32_t len)
{
	uint16_t ck;

	icmp[2] = 0;
	icmp[3] = 0;
	ck = dp_icmp6_csum(ip, icmp, len);
	icmp[2] = (uint8_t)(ck >> 8);
	icmp[3] = (uint8_t)ck;
}

static const struct dp_addr *
dp_nd_ours(const struct dp_net *net, const uint8_t *a)
{
	uint32_t i;

	for (i = 0; i < net->addr_count; i++)
		if (net->addrs[i].family == 6 &&
		    memcmp(net->addrs[i].addr, a, 16) == 0)
			return &net->addrs[i];
	return NULL;
}

static uint64_t
dp_nd_mac_pack(const uint8_t *mac)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 6; i++)
		v |= (uint64_t)mac[i] << (8 * i);
	return v;
}

/* The link-layer address option of type want in an NS/NA, or NULL. */
static const uint8_t *
dp_nd_lla(const uint8_t *opt, uint32_t len, uint8_t want)
{
	uint32_t olen;

	while (len >= 8) {
		olen = 8u * opt[1];
		if (olen == 0 || olen > len)
			return NULL;
		if (opt[0] == want && olen >= 8)
			return opt + 2;
		opt += olen;
		len -= olen;
	}
	return NULL;
}

int
dp_nd_input(struct dp_net *net, uint8_t *f, uint32_t len, uint32_t cap,
		uint32_t *out_len)
{
	uint8_t *ip = f + DP_ETHER_HDR_LEN, *icmp = ip + DP_IPV6_HDR_LEN;
	const uint8_t *lla;
	uint8_t src[16], smac[6];
	uint32_t plen;
	bool dad;

	if (len < DP_ETHER_HDR_LEN + DP_IPV6_HDR_LEN + 4)
		return -EBADMSG;
	plen = dp_load_be16(ip + 4);
	if (DP_ETHER_HDR_LEN + DP_IPV6_HDR_LEN + plen > len || plen < 4 ||
	    dp_icmp6_csum(ip, icmp, plen) != 0)
		return -EBADMSG;
	memcpy(src, ip + 8, 16);
	memcpy(smac, f + 6, 6);
	if (icmp[0] == DP_ICMP6_ECHO_REQUEST) {
		if (dp_nd_ours(net, ip + 24) == NULL)
			return 0;
		icmp[0] = DP_ICMP6_ECHO_REPLY;
		memcpy(ip + 8, ip + 24, 16);
		memcpy(ip + 24, src, 16);
		ip[7] = 64;
		dp_icmp6_csum_set(ip, icmp, plen);
		memcpy(f, smac, 6);
		memcpy(f + 6, net->port_mac, 6);
		*out_len = DP_ETHER_HDR_LEN + DP_IPV6_HDR_LEN + plen;
		return 1;
	}
	if (icmp[0] != DP_ICMP6_NS && icmp[0] != DP_ICMP6_NA)
		return 0;
	/* RFC 4861 7.1: hop limit 255 (not forwarded), code 0. */
	if (ip[7] != 255 || icmp[1] != 0 || plen < DP_ND_LEN)
		return -EBADMSG;
	lla = dp_nd_lla(icmp + DP_ND_LEN, plen - DP_ND_LEN,
			icmp[0] == DP_ICMP6_NS ? DP_ND_OPT_SLLA : DP_ND_OPT_TLLA);
	if (lla != NULL && (lla[0] & 1) == 0 &&
	    memcmp(icmp[0] == DP_ICMP6_NS ? src : icmp + 8, net->gw6, 16) == 0)
		__atomic_store_n(&net->gw_mac6, dp_nd_mac_pack(lla),
				 __ATOMIC_RELAXED);
	if (icmp[0] != DP_ICMP6_NS || dp_nd_ours(net, icmp + 8) == NULL)
		return 0;
	if (cap < DP_ETHER_HDR_LEN + DP_IPV6_HDR_LEN + DP_ND_LEN + 8)
		return -ENOSPC;
	/* Duplicate address detection comes from ::; answer all nodes. */
	dad = memcmp(src, (const uint8_t[16]){ 0 }, 16) == 0;
	plen = DP_ND_LEN + 8;
	ip[4] = 0;
	ip[5] = (uint8_t)plen;
	ip[7] = 255;
	memcpy(ip + 8, icmp + 8, 16);
	memcpy(ip + 24, dad ? dp_all_nodes : src, 16);
	icmp[0] = DP_ICMP6_NA;
	icmp[4] = dad ? 0x20 : 0x60;	/* S (unless DAD), O */
	icmp[5] = 0;
	icmp[6] = 0;
	icmp[7] = 0;
	icmp[DP_ND_LEN] = DP_ND_OPT_TLLA;
	icmp[DP_ND_LEN + 1] = 1;
	memcpy(icmp + DP_ND_LEN + 2, net->port_mac, 6);
	dp_icmp6_csum_set(ip, icmp, plen);
	if (dad) {
		static const uint8_t mc[6] = { 0x33, 0x33, 0, 0, 0, 1 };

		memcpy(f, mc, 6);
	} else {
		memcpy(f, smac, 6);
	}
	memcpy(f + 6, net->port_mac, 6);
	*out_len = DP_ETHER_HDR_LEN + DP_IPV6_HDR_LEN + plen;
	return 1;
}

uint32_t
dp_nd_solicit(const struct dp_net *net, uint8_t *f)
{
	uint8_t *ip = f + DP_ETHER_HDR_LEN, *icmp = ip + DP_IPV6_HDR_LEN;
	uint32_t plen = DP_ND_LEN + 8, i;

	/* To the gateway's solicited-node group ff02::1:ffXX:XXXX. */
	f[0] = 0x33;
	f[1] = 0x33;
	f[2] = 0xff;
	memcpy(f + 3, net->gw6 + 13, 3);
	memcpy(f + 6, net->port_mac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	memset(ip, 0, DP_IPV6_HDR_LEN + plen);
	ip[0] = 0x60;
	ip[5] = (uint8_t)plen;
	ip[6] = DP_IPPROTO_ICMPV6;
	ip[7] = 255;
	for (i = 0; i < net->addr_count; i++)
		if (net->addrs[i].family == 6) {
			memcpy(ip + 8, net->addrs[i].addr, 16);
			break;
		}
	ip[24] = 0xff;
	ip[25] = 0x02;
	ip[35] = 0x01;
	ip[36] = 0xff;
	memcpy(ip + 37, net->gw6 + 13, 3);
	icmp[0] = DP_ICMP6_NS;
	memcpy(icmp + 8, net->gw6, 16);
	icmp[DP_ND_LEN] = DP_ND_OPT_SLLA;
	icmp[DP_ND_LEN + 1] = 1;
	memcpy(icmp + DP_ND_LEN + 2, net->port_mac, 6);
	dp_icmp6_csum_set(ip, icmp, plen);
	return DP_ETHER_HDR_LEN + DP_IPV6_HDR_LEN + plen;
}
