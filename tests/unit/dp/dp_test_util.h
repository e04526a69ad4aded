/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the data-plane unit tests: EAL start-up without
 * hugepages or PCI, frame builders that compute every checksum themselves
 * (so the tests check the worker against an independent implementation),
 * and a worker wired to a real exception ring and real control rings.
 */
#ifndef DRONGO_TESTS_UNIT_DP_DP_TEST_UTIL_H
#define DRONGO_TESTS_UNIT_DP_DP_TEST_UTIL_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dp_lcore.h"

extern struct rte_mempool *dpt_pool;

/** Start the EAL with a prefix unique to the test program. */
int dpt_eal_init(const char *prefix);

/** An IPv4 UDP frame with correct IP and UDP checksums; returns length. */
uint32_t dpt_udp4(uint8_t *buf, const uint8_t *smac, const uint8_t *dmac,
		const char *src, uint16_t sport, const char *dst,
		uint16_t dport, const uint8_t *payload, uint32_t plen);

/** An IPv6 UDP frame with a correct UDP checksum; returns length. */
uint32_t dpt_udp6(uint8_t *buf, const uint8_t *smac, const uint8_t *dmac,
		const char *src, uint16_t sport, const char *dst,
		uint16_t dport, const uint8_t *payload, uint32_t plen);

/** Recompute and compare the checksums of an IPv4/IPv6 UDP frame. */
int dpt_udp_csum_ok(const uint8_t *frame, uint32_t len);

/** An mbuf holding a copy of len bytes. */
struct rte_mbuf *dpt_mbuf(const uint8_t *frame, uint32_t len);

/** A 12-byte RTP header with seq and the given payload bytes after it. */
uint32_t dpt_rtp(uint8_t *buf, uint16_t seq, uint32_t payload_len);

#endif
