/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Statistics: each worker copies its counters into its own block of the
 * shm region (plain aligned 64-bit stores, one writer; clients read them
 * with relaxed loads), folding the worker's detailed drop reasons into the
 * ABI's coarser ones (dg_shm.h DG_DROPS).
 */
#include <string.h>

#include "dp_lcore.h"
#include "dp_srtp.h"

static const uint8_t dp_drop_dg[DP_DROP__COUNT] = {
	[DP_DROP_NONE] = DG_DROP_MALFORMED,
	[DP_DROP_IP_HEADER] = DG_DROP_MALFORMED,
	[DP_DROP_UDP_LENGTH] = DG_DROP_MALFORMED,
	[DP_DROP_UDP_CHECKSUM] = DG_DROP_MALFORMED,
	[DP_DROP_NO_SESSION] = DG_DROP_NO_SESSION,
	[DP_DROP_RTP_SHORT] = DG_DROP_RTP_MALFORMED,
	[DP_DROP_RTP_VERSION] = DG_DROP_RTP_MALFORMED,
	[DP_DROP_RTP_EXTENSION] = DG_DROP_RTP_MALFORMED,
	[DP_DROP_RTP_PADDING] = DG_DROP_RTP_MALFORMED,
	[DP_DROP_RTCP_SHORT] = DG_DROP_RTP_MALFORMED,
	[DP_DROP_RTCP_VERSION] = DG_DROP_RTP_MALFORMED,
	[DP_DROP_RTCP_TYPE] = DG_DROP_RTP_MALFORMED,
	[DP_DROP_RTCP_LENGTH] = DG_DROP_RTP_MALFORMED,
	[DP_DROP_RTCP_PADDING] = DG_DROP_RTP_MALFORMED,
	[DP_DROP_SOURCE] = DG_DROP_SOURCE,
	[DP_DROP_NO_PEER] = DG_DROP_NO_PEER,
	[DP_DROP_NO_NEXTHOP] = DG_DROP_NO_PEER,
	[DP_DROP_FAMILY] = DG_DROP_NO_PEER,
	[DP_DROP_SRTP_AUTH] = DG_DROP_SRTP_AUTH,
	[DP_DROP_SRTP_REPLAY] = DG_DROP_SRTP_REPLAY,
	[DP_DROP_SRTP] = DG_DROP_SRTP_ERROR,
	[DP_DROP_TX_FULL] = DG_DROP_TX_FULL,
	[DP_DROP_EXCEPTION_FULL] = DG_DROP_EXCEPTION_FULL,
	[DP_DROP_DISPATCH_FULL] = DG_DROP_HANDOFF_FULL,
};

unsigned int
dp_drop_to_dg(unsigned int reason)
{
	return reason < DP_DROP__COUNT ? dp_drop_dg[reason] : DG_DROP_MALFORMED;
}

void
dp_stats_publish(struct dp_lcore *lc)
{
	struct dg_shm_worker_stats *ws = lc->shm_stats;
	const struct dp_worker_stats *st = &lc->st;
	uint64_t drops[DG_DROP_SLOTS];
	unsigned int i;

	if (ws == NULL)
		return;
	memset(drops, 0, sizeof(drops));
	for (i = 1; i < DP_DROP__COUNT; i++)
		drops[dp_drop_dg[i]] += st->drops[i];
	ws->sessions_in_use = lc->sessions->count;
	ws->sessions_max = lc->sessions->capacity;
	ws->ports_in_use = lc->sessions->ports_in_use;
	ws->ports_total = (uint64_t)lc->sessions->port_count *
		lc->sessions->addr_count;
	ws->rx_pkts = st->rx_pkts;
	ws->rx_bytes = st->rx_bytes;
	ws->tx_pkts = st->tx_pkts;
	ws->tx_bytes = st->tx_bytes;
	ws->srtp_unprotected = st->srtp_unprotected;
	ws->srtp_protected = st->srtp_protected;
	ws->srtp_ssrc_evicted = lc->sessions->srtp != NULL ?
		dp_srtp_worker_stats(lc->sessions->srtp)->ssrc_evicted : 0;
	ws->cmds = st->cmds;
	ws->cmd_errors = st->cmd_errors;
	ws->events = st->events;
	ws->events_lost = st->events_lost;
	ws->timeouts = st->timeouts;
	ws->sessions_created = st->sessions_created;
	ws->sessions_deleted = st->sessions_deleted;
	for (i = 0; i < DG_DROP_SLOTS; i++)
		ws->drops[i] = drops[i];
	ws->updated_ns = lc->now_ns;
}
