/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What mc_remote shares with mc_pool (the orchestrator over several media
 * nodes): the ng requests as rtpengine's modules word them, and the
 * reading of the replies into orchestrator results.
 */
#ifndef DRONGO_CONTROLPLANE_MC_MC_REMOTE_INT_H
#define DRONGO_CONTROLPLANE_MC_MC_REMOTE_INT_H

#include <stddef.h>

#include "mc_orch.h"
#include "ng_bencode.h"

/*
 * The key naming the Drongo edge node that owns a call, in offers,
 * answers and deletes, as "<node id>/<inc>" (one run of the node, its
 * heartbeat's incarnation number): the media node reaps the call once
 * that run's heartbeat is gone, a restart under the same id included.
 * rtpengine ignores keys it does not know.
 */
#define MC_REMOTE_OWNER_KEY "drongo-node"

/** Room for a delete or query request with an owner. */
#define MC_REMOTE_INFO_MAX (2 * MC_ID_MAX + 160)

/**
 * An offer or answer request for @p req, with @p owner when not NULL, in
 * a buffer of its own (free()).
 *
 * @return 0 and the buffer and its length, -ENOMEM, -ENOSPC.
 */
int mc_remote_encode(const struct mc_req *req, const char *owner, char **out,
		     size_t *len);

/**
 * The request of command @p cmd ("delete", "query") for @p call_id.
 *
 * @return its length, -ENOSPC.
 */
int mc_remote_encode_info(const char *cmd, struct dg_pl call_id,
			  const char *owner, char *buf, size_t cap);

/** Fill @p r (status, reason, SDP) from an offer's or answer's reply. */
void mc_remote_result(int status, const struct ng_ben_doc *doc,
		      const struct ng_ben_node *dict, struct mc_result *r,
		      char *reason, size_t cap);

/** Fill @p ci (status, reason, times, tags) from a delete's or query's reply. */
void mc_remote_info_fill(int status, const struct ng_ben_doc *doc,
			 const struct ng_ben_node *dict,
			 struct mc_call_info *ci, char *reason, size_t cap);

#endif
