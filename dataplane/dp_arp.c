/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP for the relay's IPv4 addresses, on the main lcore: requests for a
 * relay address are answered in place; the gateway's MAC is learnt from
 * any ARP packet it sends (reply, request or gratuitous) and published to
 * the workers; requests for the gateway are built here for the periodic
 * refresh. Everything else of ARP (and every reply, so the kernel behind
 * the TAP can resolve too) goes to the kernel.
 */
#include <errno.h>
#include <string.h>

#include "dp_main.h"

#define DP_ARP_LEN 28u

static uint64_t
dp_mac_pack(const uint8_t *mac)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 6; i++)
		v |= (uint64_t)mac[i] << (8 * i);
	return v;
}

static int
dp_arp_is_ours(const struct dp_net *net, const uint8_t *ip)
{
	uint32_t i;

	for (i = 0; i < net->addr_count; i++)
		if (net->addrs[i].family == 4 &&
		    memcmp(net->addrs[i].addr, ip, 4) == 0)
			return 1;
	return 0;
}

int
dp_arp_input(struct dp_net *net, uint8_t *f, uint32_t len)
{
	uint8_t *a = f + DP_ETHER_HDR_LEN, spa[4], sha[6];
	uint16_t op;

	if (len < DP_ETHER_HDR_LEN + DP_ARP_LEN)
		return -EBADMSG;
	/* Ethernet/IPv4 only. */
	if (dp_load_be16(a) != 1 || dp_load_be16(a + 2) != 0x0800 ||
	    a[4] != 6 || a[5] != 4)
		return -EBADMSG;
	op = dp_load_be16(a + 6);
	memcpy(sha, a + 8, 6);
	memcpy(spa, a + 14, 4);
	if (memcmp(spa, net->gw4, 4) == 0 && (sha[0] & 1) == 0)
		__atomic_store_n(&net->gw_mac4, dp_mac_pack(sha),
				 __ATOMIC_RELAXED);
	if (op != 1 || !dp_arp_is_ours(net, a + 24))
		return 0;
	/* Reply in place: target becomes sender. */
	a[7] = 2;
	memcpy(a + 18, sha, 6);
	memcpy(a + 14, a + 24, 4);
	memcpy(a + 24, spa, 4);
	memcpy(a + 8, net->port_mac, 6);
	memcpy(f, sha, 6);
	memcpy(f + 6, net->port_mac, 6);
	return 1;
}

uint32_t
dp_arp_request(const struct dp_net *net, uint8_t *f)
{
	uint8_t *a = f + DP_ETHER_HDR_LEN;
	uint32_t i;

	memset(f, 0xff, 6);
	memcpy(f + 6, net->port_mac, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memset(a, 0, DP_ARP_LEN);
	a[1] = 1;
	a[2] = 0x08;
	a[4] = 6;
	a[5] = 4;
	a[7] = 1;
	memcpy(a + 8, net->port_mac, 6);
	for (i = 0; i < net->addr_count; i++)
		if (net->addrs[i].family == 4) {
			memcpy(a + 14, net->addrs[i].addr, 4);
			break;
		}
	memcpy(a + 24, net->gw4, 4);
	return DP_ETHER_HDR_LEN + DP_ARP_LEN;
}
