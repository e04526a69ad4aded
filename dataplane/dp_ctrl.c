/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's side of the control rings (shared/dg_msg.h protocol): each
 * worker drains its own command ring, a few commands per loop iteration,
 * so its session table keeps a single writer. A command is taken only when
 * the event ring has room for everything it answers (the ACK, plus one
 * SESSION_STATS for a query); a STATS_REQUEST for all sessions is answered
 * over as many iterations as the event ring needs, before any further
 * command is taken, so replies are never lost and never reordered; FLUSH
 * walks the table the same way, a bounded number of records per
 * iteration. Whatever the counts, a tick's control work stops starting
 * new commands or deletions once it has used its time budget
 * (ctrl_budget_cycles), so a slow crypto backend cannot hold the worker.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>

#include "dp_lcore.h"

static inline bool
dp_ctrl_over_budget(const struct dp_lcore *lc)
{
	return rte_rdtsc() >= lc->ctrl_deadline;
}

static void
dp_ctrl_post(struct dp_lcore *lc, struct dg_msg *msg)
{
	if (dg_ring_enqueue_burst(&lc->evt, msg, 1) == 1)
		lc->st.events++;
	else
		lc->st.events_lost++;
}

static void
dp_ctrl_ack(struct dp_lcore *lc, const struct dg_msg_hdr *cmd, int status,
		const struct dg_msg_ports ports[2], uint32_t count)
{
	struct dg_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.hdr.type = DG_MSG_ACK;
	msg.hdr.seq = cmd->seq;
	msg.hdr.session_id = cmd->session_id;
	msg.u.ack.status = status;
	msg.u.ack.cmd_type = cmd->type;
	if (ports != NULL) {
		msg.u.ack.leg[0] = ports[0];
		msg.u.ack.leg[1] = ports[1];
	}
	msg.u.ack.count = count;
	if (status < 0)
		lc->st.cmd_errors++;
	dp_ctrl_post(lc, &msg);
}

static void
dp_ctrl_stats(struct dp_lcore *lc, const struct dp_session *s, uint32_t seq)
{
	struct dg_msg msg;

	memset(&msg.hdr, 0, sizeof(msg.hdr));
	msg.hdr.type = DG_MSG_SESSION_STATS;
	msg.hdr.seq = seq;
	msg.hdr.session_id = s->id;
	dp_session_stats_fill(lc->sessions, s, &msg.u.stats);
	dp_ctrl_post(lc, &msg);
}

/* Continue a walk over the table; the ACK ends it. */
static void
dp_ctrl_walk(struct dp_lcore *lc)
{
	struct dp_session_table *t = lc->sessions;
	struct dp_stats_walk *w = &lc->walk;
	struct dg_msg_hdr cmd;
	uint32_t room, budget = DP_WALK_BUDGET;

	room = dg_ring_free_count(&lc->evt);
	while (room > 1 && budget > 0 && w->next < t->capacity) {
		struct dp_session *s = &t->rec[w->next];

		budget--;
		w->next++;
		if (s->id == 0)
			continue;
		w->count++;
		if (w->cmd == DG_MSG_FLUSH) {
			(void)dp_session_delete(t, s->id);
			lc->st.sessions_deleted++;
			if (dp_ctrl_over_budget(lc))
				break;
			continue;
		}
		dp_ctrl_stats(lc, s, w->seq);
		room--;
	}
	if (w->next < t->capacity || room == 0)
		return;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = w->cmd;
	cmd.seq = w->seq;
	dp_ctrl_ack(lc, &cmd, 0, NULL, w->count);
	w->active = false;
}

static void
dp_ctrl_walk_start(struct dp_lcore *lc, const struct dg_msg_hdr *cmd)
{
	lc->walk.active = true;
	lc->walk.cmd = cmd->type;
	lc->walk.seq = cmd->seq;
	lc->walk.next = 0;
	lc->walk.count = 0;
	dp_ctrl_walk(lc);
}

static void
dp_ctrl_handle(struct dp_lcore *lc, const struct dg_msg *cmd)
{
	struct dp_session_table *t = lc->sessions;
	struct dg_msg_ports ports[2];
	const struct dp_session *s;
	int err;

	lc->st.cmds++;
	memset(ports, 0, sizeof(ports));
	switch (cmd->hdr.type) {
	case DG_MSG_SESSION_CREATE:
		err = dp_session_create(t, cmd->hdr.session_id,
					&cmd->u.session, lc->now_ns, ports);
		if (err == 0)
			lc->st.sessions_created++;
		dp_ctrl_ack(lc, &cmd->hdr, err, ports, 0);
		break;
	case DG_MSG_SESSION_UPDATE:
		err = dp_session_update(t, cmd->hdr.session_id,
					&cmd->u.session, lc->now_ns, ports);
		dp_ctrl_ack(lc, &cmd->hdr, err, ports, 0);
		break;
	case DG_MSG_SESSION_DELETE:
		err = dp_session_delete(t, cmd->hdr.session_id);
		if (err == 0)
			lc->st.sessions_deleted++;
		dp_ctrl_ack(lc, &cmd->hdr, err, NULL, 0);
		break;
	case DG_MSG_SESSION_QUERY:
		s = dp_session_find(t, cmd->hdr.session_id);
		if (s != NULL)
			dp_ctrl_stats(lc, s, cmd->hdr.seq);
		dp_ctrl_ack(lc, &cmd->hdr, s != NULL ? 0 : -ENOENT, NULL,
			    s != NULL);
		break;
	case DG_MSG_FLUSH:
		dp_ctrl_walk_start(lc, &cmd->hdr);
		break;
	case DG_MSG_STATS_REQUEST:
		if (cmd->hdr.session_id == 0) {
			dp_ctrl_walk_start(lc, &cmd->hdr);
			break;
		}
		s = dp_session_find(t, cmd->hdr.session_id);
		if (s != NULL)
			dp_ctrl_stats(lc, s, cmd->hdr.seq);
		dp_ctrl_ack(lc, &cmd->hdr, s != NULL ? 0 : -ENOENT, NULL,
			    s != NULL);
		break;
	default:
		dp_ctrl_ack(lc, &cmd->hdr, -ENOTSUP, NULL, 0);
		break;
	}
}

void
dp_ctrl_poll(struct dp_lcore *lc)
{
	struct dg_msg cmd;
	uint64_t now = rte_rdtsc();
	uint32_t budget;

	lc->ctrl_deadline = lc->ctrl_budget_cycles > UINT64_MAX - now ?
		UINT64_MAX : now + lc->ctrl_budget_cycles;
	/* One step of a walk per iteration, and no other command meanwhile. */
	if (lc->walk.active) {
		dp_ctrl_walk(lc);
		return;
	}
	for (budget = DP_CTRL_BUDGET; budget > 0; budget--) {
		/* Room for a SESSION_STATS and the ACK of any command. */
		if (dg_ring_free_count(&lc->evt) < 2)
			return;
		if (dg_ring_dequeue_burst(&lc->cmd, &cmd, 1) == 0)
			return;
		dp_ctrl_handle(lc, &cmd);
		if (lc->walk.active || dp_ctrl_over_budget(lc))
			return;
	}
}
