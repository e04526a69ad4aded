/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The remote orchestrator: a media node (Drongo role media, or rtpengine)
 * driven over the ng protocol with ng_client. Offers and answers become ng
 * "offer"/"answer" requests carrying the flags of struct mc_flags; release
 * is "delete" and query is "query". The media node keeps the call state;
 * this side keeps none, so the allocation id of a call is a hash of its
 * Call-ID (the same on every edge node) and list reports nothing.
 */
#ifndef DRONGO_CONTROLPLANE_MC_MC_REMOTE_H
#define DRONGO_CONTROLPLANE_MC_MC_REMOTE_H

#include <stdint.h>
#include <sys/socket.h>

#include "mc_orch.h"
#include "uring_loop.h"

/** Options of mc_remote_create; zero values pick the defaults. */
struct mc_remote_opts {
	unsigned int first_rto_ms;	/**< ng retransmission; 0: 500 */
	unsigned int tries;		/**< 0: 4 */
	unsigned int bgid;		/**< provided-buffer group; 0: 3 */
};

/**
 * An orchestrator on the media node at @p node (its ng address).
 *
 * @return 0 and *out; -ENOMEM, -EINVAL, or the socket's error.
 */
int mc_remote_create(struct mc_orch **out, struct uring_loop *loop,
		     const struct sockaddr *node, socklen_t len,
		     const struct mc_remote_opts *opts);

/** The allocation id mc_remote gives the call @p call_id. */
uint64_t mc_remote_alloc_id(struct dg_pl call_id);

#endif
