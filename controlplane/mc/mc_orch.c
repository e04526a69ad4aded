/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The orchestrator interface's dispatch and the media-event hook shared by
 * every implementation.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "dg_log.h"
#include "mc_orch.h"

void
mc_orch_set_event_fn(struct mc_orch *o, mc_event_fn *fn, void *arg)
{
	o->on_event = fn;
	o->event_arg = arg;
}

static const char *const mc_event_names[] = {
	[MC_EVENT_MEDIA_TIMEOUT] = "media_timeout",
	[MC_EVENT_DP_LOST] = "dp_lost",
	[MC_EVENT_DP_RESTARTED] = "dp_restarted",
	[MC_EVENT_NODE_LOST] = "node_lost",
};

void
mc_orch_event(struct mc_orch *o, const struct mc_event *ev)
{
	char q[MC_ID_MAX + 8];
	const char *cid = ev->call_id != NULL ? ev->call_id : "";

	DG_LOG(DG_LOG_INFO, "media.event", "type=%s alloc=%llu call_id=%s reason=%s",
	       mc_event_names[ev->type], (unsigned long long)ev->alloc_id,
	       dg_log_quote(q, sizeof(q), cid, strlen(cid)),
	       ev->reason != NULL ? ev->reason : "-");
	if (o->on_event != NULL)
		o->on_event(o->event_arg, ev);
}

int
mc_orch_allocate(struct mc_orch *o, const struct mc_req *req,
		 mc_done_fn *done, void *arg)
{
	return o->ops->allocate(o, req, done, arg);
}

int
mc_orch_update(struct mc_orch *o, uint64_t alloc_id, const struct mc_req *req,
	       mc_done_fn *done, void *arg)
{
	return o->ops->update(o, alloc_id, req, done, arg);
}

int
mc_orch_release(struct mc_orch *o, struct dg_pl call_id, mc_info_fn *done,
		void *arg)
{
	return o->ops->release(o, call_id, done, arg);
}

int
mc_orch_query(struct mc_orch *o, struct dg_pl call_id, mc_info_fn *done,
	      void *arg)
{
	return o->ops->query(o, call_id, done, arg);
}

unsigned int
mc_orch_list(struct mc_orch *o, unsigned int max,
	     void (*fn)(void *arg, const char *call_id), void *arg)
{
	return o->ops->list(o, max, fn, arg);
}

void
mc_orch_stats(struct mc_orch *o, struct mc_orch_stats *st)
{
	o->ops->stats(o, st);
}

void
mc_orch_destroy(struct mc_orch *o)
{
	if (o != NULL)
		o->ops->destroy(o);
}
