/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012) and the rendezvous choice.
 * The per-node score mixes the node id into the key hash with the
 * SplitMix64 finaliser, so that one SipHash per message serves every node.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "sip_lb_hash.h"

/* "drongo-lb-callid" read as two little-endian words. */
const struct sip_lb_key sip_lb_key_callid = {
	0x6c2d6f676e6f7264ull, 0x64696c6c61632d62ull,
};

static inline uint64_t
rotl(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIP_ROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); \
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32); \
} while (0)

static inline uint64_t
load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t
sip_lb_siphash(const struct sip_lb_key *key, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v0 = 0x736f6d6570736575ull ^ key->k0;
	uint64_t v1 = 0x646f72616e646f6dull ^ key->k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ key->k0;
	uint64_t v3 = 0x7465646279746573ull ^ key->k1;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, tail = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = load_le64(p + i);
		v3 ^= m;
		SIP_ROUND(v0, v1, v2, v3);
		SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (i = 0; i < tail; i++)
		b |= (uint64_t)p[len - tail + i] << (8 * i);
	v3 ^= b;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

static inline uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

double
sip_lb_hrw_score(const struct sip_lb_hrw_node *node, uint64_t key)
{
	uint64_t h = mix64(key ^ node->id);
	/* 53 random bits, centred so that u is never 0 or 1. */
	double u = ((double)(h >> 11) + 0.5) / 9007199254740992.0;

	return (double)node->weight / -log(u);
}

int
sip_lb_hrw_pick(const struct sip_lb_hrw_node *nodes, unsigned int n,
		uint64_t key)
{
	double best = -1.0, s;
	int pick = -ENOENT;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!nodes[i].eligible)
			continue;
		s = sip_lb_hrw_score(&nodes[i], key);
		if (s > best) {
			best = s;
			pick = (int)i;
		}
	}
	return pick;
}
