/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP echo for the relay's IPv4 addresses, answered in place on the main
 * lcore so that ping works even with no kernel behind the port. Every
 * other ICMP message is the kernel's.
 */
#include <errno.h>
#include <string.h>

#include "dp_main.h"

int
dp_icmp_input(const struct dp_net *net, uint8_t *f, uint32_t len)
{
	uint8_t *ip = f + DP_ETHER_HDR_LEN, *icmp, tmp[4];
	uint32_t ihl, tot, i;
	uint16_t ck;
	bool ours = false;

	if (len < DP_ETHER_HDR_LEN + DP_IPV4_HDR_LEN)
		return -EBADMSG;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	tot = dp_load_be16(ip + 2);
	if (ihl < DP_IPV4_HDR_LEN || tot < ihl + 8 ||
	    DP_ETHER_HDR_LEN + tot > len)
		return -EBADMSG;
	for (i = 0; i < net->addr_count; i++)
		if (net->addrs[i].family == 4 &&
		    memcmp(net->addrs[i].addr, ip + 16, 4) == 0)
			ours = true;
	icmp = ip + ihl;
	if (!ours || icmp[0] != 8 || icmp[1] != 0)
		return 0;
	if (dp_csum_fold(dp_csum_add(0, icmp, tot - ihl)) != 0xffff)
		return -EBADMSG;
	icmp[0] = 0;
	icmp[2] = 0;
	icmp[3] = 0;
	ck = (uint16_t)~dp_csum_fold(dp_csum_add(0, icmp, tot - ihl));
	icmp[2] = (uint8_t)(ck >> 8);
	icmp[3] = (uint8_t)ck;
	memcpy(tmp, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, tmp, 4);
	ip[8] = 64;
	ip[10] = 0;
	ip[11] = 0;
	ck = (uint16_t)~dp_csum_fold(dp_csum_add(0, ip, ihl));
	ip[10] = (uint8_t)(ck >> 8);
	ip[11] = (uint8_t)ck;
	memcpy(f, f + 6, 6);
	memcpy(f + 6, net->port_mac, 6);
	return 1;
}
