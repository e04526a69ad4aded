/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Media timeouts. The worker visits a few session
 * records per loop iteration (a cursor over the record array), so a full
 * pass is spread over many iterations and never stalls the burst loop. A
 * session without any packet timeout_start_s after creation, or silent for
 * timeout_stop_s once media started, is reported to the control plane
 * (MEDIA_TIMEOUT with its final counters) and deleted. When the event ring
 * is full the session stays and is tried again on the next pass.
 */
#include <string.h>

#include <rte_cycles.h>

#include "dp_lcore.h"

static uint32_t
dp_timeout_reason(const struct dp_session *s, uint64_t now)
{
	uint64_t last = s->leg[0].last_rx_ns > s->leg[1].last_rx_ns ?
		s->leg[0].last_rx_ns : s->leg[1].last_rx_ns;

	if (last == 0)
		return s->timeout_start_s != 0 && now - s->created_ns >=
			(uint64_t)s->timeout_start_s * 1000000000ull ?
			DG_TIMEOUT_NEVER_STARTED : DG_TIMEOUT_NONE;
	return s->timeout_stop_s != 0 && now - last >=
		(uint64_t)s->timeout_stop_s * 1000000000ull ?
		DG_TIMEOUT_STOPPED : DG_TIMEOUT_NONE;
}

void
dp_timeout_scan(struct dp_lcore *lc, uint32_t budget)
{
	struct dp_session_table *t = lc->sessions;
	struct dg_msg msg;
	struct dp_session *s;
	uint32_t reason;

	while (budget-- > 0) {
		s = &t->rec[t->scan_next];
		t->scan_next = t->scan_next + 1 < t->capacity ?
			t->scan_next + 1 : 0;
		if (s->id == 0)
			continue;
		reason = dp_timeout_reason(s, lc->now_ns);
		if (reason == DG_TIMEOUT_NONE)
			continue;
		if (lc->ctrl_on) {
			if (dg_ring_free_count(&lc->evt) == 0)
				continue;
			memset(&msg.hdr, 0, sizeof(msg.hdr));
			msg.hdr.type = DG_MSG_MEDIA_TIMEOUT;
			msg.hdr.session_id = s->id;
			dp_session_stats_fill(t, s, &msg.u.stats);
			msg.u.stats.reason = reason;
			(void)dg_ring_enqueue_burst(&lc->evt, &msg, 1);
			lc->st.events++;
		}
		(void)dp_session_delete(t, s->id);
		lc->st.timeouts++;
		lc->st.sessions_deleted++;
		/* The tick's control time is spent (dp_ctrl_poll set the
		 * deadline): the next tick goes on from here. */
		if (rte_rdtsc() >= lc->ctrl_deadline)
			break;
	}
}
