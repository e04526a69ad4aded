/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data-plane unit test helpers: EAL without hugepages, frame builders with
 * their own checksum code (deliberately not the worker's), mbufs.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include "dp_test_util.h"

struct rte_mempool *dpt_pool;

int
dpt_eal_init(const char *prefix)
{
	char fp[64];
	char *argv[] = {
		"dp-test", "--no-huge", "--no-pci", "--no-shconf", "-l", "0",
		"-m", "256", "--log-level=lib.eal:error", fp, NULL,
	};

	snprintf(fp, sizeof(fp), "--file-prefix=%s", prefix);
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		return -1;
	dpt_pool = rte_pktmbuf_pool_create("dpt_pool", 1023, 0, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return dpt_pool != NULL ? 0 : -1;
}

static uint32_t
dpt_sum(uint32_t sum, const uint8_t *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return sum;
}

static uint16_t
dpt_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t
dpt_udp_csum(const uint8_t *src, const uint8_t *dst, uint32_t alen,
		const uint8_t *udp, uint32_t ulen)
{
	uint32_t sum = 0;
	uint16_t ck;

	sum = dpt_sum(sum, src, alen);
	sum = dpt_sum(sum, dst, alen);
	sum += 17 + ulen;
	sum = dpt_sum(sum, udp, 6);
	sum = dpt_sum(sum, udp + 8, ulen - 8);
	ck = (uint16_t)~dpt_fold(sum);
	return ck == 0 ? 0xffff : ck;
}

uint32_t
dpt_udp4(uint8_t *b, const uint8_t *smac, const uint8_t *dmac,
		const char *src, uint16_t sport, const char *dst,
		uint16_t dport, const uint8_t *payload, uint32_t plen)
{
	uint8_t *ip = b + 14, *udp = ip + 20;
	uint32_t ulen = 8 + plen;
	uint16_t ck;

	memcpy(b, dmac, 6);
	memcpy(b + 6, smac, 6);
	b[12] = 0x08;
	b[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + ulen) >> 8);
	ip[3] = (uint8_t)(20 + ulen);
	ip[4] = 0x12;
	ip[5] = 0x34;
	ip[6] = 0x40;		/* DF */
	ip[8] = 33;
	ip[9] = 17;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	ck = (uint16_t)~dpt_fold(dpt_sum(0, ip, 20));
	ip[10] = (uint8_t)(ck >> 8);
	ip[11] = (uint8_t)ck;
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	udp[4] = (uint8_t)(ulen >> 8);
	udp[5] = (uint8_t)ulen;
	udp[6] = 0;
	udp[7] = 0;
	memcpy(udp + 8, payload, plen);
	ck = dpt_udp_csum(ip + 12, ip + 16, 4, udp, ulen);
	udp[6] = (uint8_t)(ck >> 8);
	udp[7] = (uint8_t)ck;
	return 14 + 20 + ulen;
}

uint32_t
dpt_udp6(uint8_t *b, const uint8_t *smac, const uint8_t *dmac,
		const char *src, uint16_t sport, const char *dst,
		uint16_t dport, const uint8_t *payload, uint32_t plen)
{
	uint8_t *ip = b + 14, *udp = ip + 40;
	uint32_t ulen = 8 + plen;
	uint16_t ck;

	memcpy(b, dmac, 6);
	memcpy(b + 6, smac, 6);
	b[12] = 0x86;
	b[13] = 0xdd;
	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[4] = (uint8_t)(ulen >> 8);
	ip[5] = (uint8_t)ulen;
	ip[6] = 17;
	ip[7] = 50;
	inet_pton(AF_INET6, src, ip + 8);
	inet_pton(AF_INET6, dst, ip + 24);
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	udp[4] = (uint8_t)(ulen >> 8);
	udp[5] = (uint8_t)ulen;
	udp[6] = 0;
	udp[7] = 0;
	memcpy(udp + 8, payload, plen);
	ck = dpt_udp_csum(ip + 8, ip + 24, 16, udp, ulen);
	udp[6] = (uint8_t)(ck >> 8);
	udp[7] = (uint8_t)ck;
	return 14 + 40 + ulen;
}

int
dpt_udp_csum_ok(const uint8_t *b, uint32_t len)
{
	const uint8_t *ip = b + 14, *udp;
	uint32_t ulen;
	uint16_t got;

	if (b[12] == 0x08) {
		if (dpt_fold(dpt_sum(0, ip, 20)) != 0xffff)
			return 0;
		udp = ip + 20;
		ulen = (uint32_t)(udp[4] << 8 | udp[5]);
		got = (uint16_t)(udp[6] << 8 | udp[7]);
		if (14 + 20 + ulen > len)
			return 0;
		return got == 0 ||
			got == dpt_udp_csum(ip + 12, ip + 16, 4, udp, ulen);
	}
	udp = ip + 40;
	ulen = (uint32_t)(udp[4] << 8 | udp[5]);
	got = (uint16_t)(udp[6] << 8 | udp[7]);
	if (14 + 40 + ulen > len)
		return 0;
	return got == dpt_udp_csum(ip + 8, ip + 24, 16, udp, ulen);
}

struct rte_mbuf *
dpt_mbuf(const uint8_t *frame, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dpt_pool);
	char *p;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, frame, len);
	return m;
}

uint32_t
dpt_rtp(uint8_t *b, uint16_t seq, uint32_t payload_len)
{
	uint32_t i;

	b[0] = 0x80;
	b[1] = 0;		/* PCMU */
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	memset(b + 4, 0, 4);
	b[8] = 0x11;
	b[9] = 0x22;
	b[10] = 0x33;
	b[11] = 0x44;
	for (i = 0; i < payload_len; i++)
		b[12 + i] = (uint8_t)(seq + i);
	return 12 + payload_len;
}
