/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The balancer's hashing: SipHash-2-4 (a keyed hash, so that neither the
 * Call-IDs a client picks nor the branches it sends let it aim at one edge
 * or forge our signatures) and rendezvous (highest random weight) choice of
 * an edge: every edge scores the key and the highest score wins, so taking
 * an edge out moves exactly the keys it won and nothing else. Weights use
 * the logarithmic method: score = weight / -ln(u), u uniform in (0, 1).
 */
#ifndef DRONGO_CONTROLPLANE_LB_SIP_LB_HASH_H
#define DRONGO_CONTROLPLANE_LB_SIP_LB_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A SipHash key. */
struct sip_lb_key {
	uint64_t k0;
	uint64_t k1;
};

/** The fixed key of the Call-ID hash: every balancer must agree on it. */
extern const struct sip_lb_key sip_lb_key_callid;

/** SipHash-2-4 of len bytes at data under key. */
uint64_t sip_lb_siphash(const struct sip_lb_key *key, const void *data,
		size_t len);

/** One candidate of a rendezvous choice. */
struct sip_lb_hrw_node {
	uint64_t id;		/* sip_lb_siphash() of the edge's name */
	uint32_t weight;	/* > 0 */
	bool eligible;		/* healthy: may be chosen */
};

/** The score of node for a key hash (higher wins). */
double sip_lb_hrw_score(const struct sip_lb_hrw_node *node, uint64_t key);

/**
 * The eligible node with the highest score for key (ties: the lower
 * index).
 *
 * @return its index, -ENOENT when no node is eligible.
 */
int sip_lb_hrw_pick(const struct sip_lb_hrw_node *nodes, unsigned int n,
		uint64_t key);

#endif
