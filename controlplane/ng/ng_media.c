/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Role media: mc_local plus the ng server, wired from the configuration,
 * and the owner table fed by the server's call listener and the
 * orchestrator's media timeouts, swept on a timer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_log.h"
#include "mc_local.h"
#include "ng_media.h"
#include "ng_server.h"
#include "uring_timer.h"

/* Longest an offer may wait for its answer (a ringing INVITE). */
#define NG_MEDIA_RING_MAX_MS (181u * 1000u)

struct ng_media {
	struct uring_timer sweep;	/* first: the timer finds the media */
	struct uring_loop *loop;
	struct mc_orch *orch;
	struct ng_server *srv;
	struct ng_owner *owners;
	ng_owner_gone_fn *gone;
	ng_media_fresh_fn *fresh;
	void *check_arg;
	uint64_t grace_ms;
	uint64_t interval_ms;
	uint64_t idle_ms;		/* an offer never answered */
	ng_media_ended_fn *ended_fn;
	void *ended_arg;
	struct ng_media_stats st;
};

static void
ng_media_on_call(void *arg, enum ng_cmd cmd, struct dg_pl call_id,
		 struct dg_pl owner)
{
	struct ng_media *m = arg;
	char q[MC_ID_MAX + 8];

	if (cmd == NG_CMD_DELETE) {
		ng_owner_forget(m->owners, call_id);
		return;
	}
	/* Untracked, the call is still served and ends by media timeout. */
	if (ng_owner_note(m->owners, call_id, owner, cmd == NG_CMD_ANSWER,
			  uring_timers_now(&m->loop->timers)) < 0)
		DG_LOG(DG_LOG_WARN, "media.owner", "status=error call_id=%s error=\"out of memory\"",
		       dg_log_quote(q, sizeof(q), call_id.p, call_id.len));
}

static void
ng_media_on_event(void *arg, const struct mc_event *ev)
{
	struct ng_media *m = arg;

	struct dg_pl cid;
	const char *owner;

	if (ev->type != MC_EVENT_MEDIA_TIMEOUT || ev->call_id == NULL)
		return;
	m->st.reaped_idle++;
	cid = (struct dg_pl){ ev->call_id, strlen(ev->call_id) };
	/* Its edge must end the dialog: nothing else tells it. */
	owner = ng_owner_of(m->owners, cid);
	if (owner != NULL && owner[0] != '\0' && m->ended_fn != NULL)
		m->ended_fn(m->ended_arg, ev->call_id, owner);
	ng_owner_forget(m->owners, cid);
}

static void
ng_media_release_done(void *arg, const struct mc_call_info *info)
{
	(void)arg;
	(void)info;
}

static void
ng_media_reap(struct ng_media *m, const char *call_id, const char *owner,
	      const char *why)
{
	char q[MC_ID_MAX + 8];
	int err;

	err = mc_orch_release(m->orch, (struct dg_pl){ call_id, strlen(call_id) },
			      ng_media_release_done, NULL);
	DG_LOG(DG_LOG_INFO, "media.reap", "call_id=%s owner=%s why=\"%s\" release=%s",
	       dg_log_quote(q, sizeof(q), call_id, strlen(call_id)),
	       owner[0] != '\0' ? owner : "-", why,
	       err == 0 ? "ok" : err == -ENOENT ? "gone" : strerror(-err));
}

static void
ng_media_reap_orphan(void *arg, const char *call_id, const char *owner)
{
	struct ng_media *m = arg;

	m->st.reaped_orphan++;
	ng_media_reap(m, call_id, owner, "owner heartbeat gone");
}

static void
ng_media_reap_idle(void *arg, const char *call_id, const char *owner)
{
	struct ng_media *m = arg;

	m->st.reaped_idle++;
	ng_media_reap(m, call_id, owner, "offer never answered");
}

static void
ng_media_on_sweep(struct uring_timer *t)
{
	struct ng_media *m = (struct ng_media *)t;
	uint64_t now = uring_timers_now(&m->loop->timers);

	(void)ng_owner_sweep_idle(m->owners, now, m->idle_ms, ng_media_reap_idle,
				  m);
	if (m->gone != NULL && m->fresh(m->check_arg)) {
		m->st.sweeps++;
		(void)ng_owner_sweep(m->owners, now, m->grace_ms, m->gone,
				     m->check_arg, ng_media_reap_orphan, m);
	} else if (m->gone != NULL) {
		m->st.sweeps_skipped++;
	}
	(void)uring_timer_start(&m->loop->timers, &m->sweep, m->interval_ms);
}

int
ng_media_set_owner_check(struct ng_media *m, ng_owner_gone_fn *gone,
			 ng_media_fresh_fn *fresh, void *arg, uint64_t grace_ms,
			 uint64_t interval_ms)
{
	m->gone = gone;
	m->fresh = fresh;
	m->check_arg = arg;
	m->grace_ms = grace_ms;
	m->interval_ms = interval_ms != 0 ? interval_ms : 1000;
	uring_timer_cancel(&m->loop->timers, &m->sweep);
	return uring_timer_start(&m->loop->timers, &m->sweep, m->interval_ms);
}

void
ng_media_set_ended_fn(struct ng_media *m, ng_media_ended_fn *fn, void *arg)
{
	m->ended_fn = fn;
	m->ended_arg = arg;
}

uint64_t
ng_media_load(const struct ng_media *m)
{
	struct mc_orch_stats st;

	mc_orch_stats(m->orch, &st);
	return st.calls;
}

void
ng_media_stats_get(const struct ng_media *m, struct ng_media_stats *st)
{
	*st = m->st;
	st->calls = ng_media_load(m);
	ng_owner_count(m->owners, &st->tracked, &st->owned);
}

int
ng_media_start(struct ng_media **out, struct uring_loop *loop,
	       const struct cp_conf *conf, char *err, size_t errlen)
{
	struct ng_server_opts so;
	struct mc_local_opts lo;
	struct ng_media *m;
	int ret;

	m = calloc(1, sizeof(*m));
	if (m == NULL || ng_owner_create(&m->owners) < 0) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	m->loop = loop;
	uring_timer_init(&m->sweep, ng_media_on_sweep);
	m->interval_ms = 1000;
	/* An INVITE rings at most Timer C (over 3 minutes, RFC 3261 16.6). */
	m->idle_ms = (uint64_t)conf->media.timeout_s * 1000;
	if (m->idle_ms < NG_MEDIA_RING_MAX_MS)
		m->idle_ms = NG_MEDIA_RING_MAX_MS;
	memset(&lo, 0, sizeof(lo));
	lo.instance = conf->media.dp_instance;
	lo.advertise = conf->media.advertise[0] != '\0' ?
		conf->media.advertise : NULL;
	lo.timeout_start_s = (uint16_t)conf->media.timeout_s;
	lo.timeout_stop_s = (uint16_t)conf->media.timeout_s;
	ret = mc_local_create(&m->orch, loop, &lo, err, errlen);
	if (ret < 0)
		goto out_free;
	mc_orch_set_event_fn(m->orch, ng_media_on_event, m);
	memset(&so, 0, sizeof(so));
	ret = ng_server_create(&m->srv, m->orch, &so, NULL, NULL);
	if (ret < 0) {
		snprintf(err, errlen, "ng: %s", strerror(-ret));
		goto out_orch;
	}
	ng_server_set_call_fn(m->srv, ng_media_on_call, m);
	ret = ng_server_listen(m->srv, loop,
			       (const struct sockaddr *)&conf->media.ng_listen,
			       conf->media.ng_listen_len, err, errlen);
	if (ret < 0)
		goto out_srv;
	ret = uring_timer_start(&loop->timers, &m->sweep, m->interval_ms);
	if (ret < 0) {
		snprintf(err, errlen, "out of memory");
		goto out_srv;
	}
	DG_LOG(DG_LOG_INFO, "media.start", "dp_instance=%u dp=%s",
	       conf->media.dp_instance,
	       mc_local_connected(m->orch) ? "attached" : "waiting");
	*out = m;
	return 0;
out_srv:
	ng_server_destroy(m->srv);
out_orch:
	mc_orch_destroy(m->orch);
out_free:
	ng_owner_destroy(m->owners);
	free(m);
	return ret;
}

void
ng_media_stats_log(const struct ng_media *m)
{
	ng_server_stats_log(m->srv);
}

void
ng_media_destroy(struct ng_media *m)
{
	if (m == NULL)
		return;
	/* The orchestrator first: it drops operations holding requests. */
	mc_orch_destroy(m->orch);
	ng_server_destroy(m->srv);
	ng_owner_destroy(m->owners);
	free(m);
}
