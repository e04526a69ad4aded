/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Role media as one unit for main.c: the local orchestrator on the
 * configured drongo-dp instance and the ng server in front of it, started
 * and stopped together. It also keeps which Drongo edge owns each call
 * (ng_owner.h) and, once told how to see the edges' heartbeats, reaps the
 * calls of an edge that is gone; calls idle past media.timeout are ended
 * by the data plane and counted here, and calls offered but never
 * answered are deleted after max(media.timeout, 181 s) without signalling.
 */
#ifndef DRONGO_CONTROLPLANE_NG_NG_MEDIA_H
#define DRONGO_CONTROLPLANE_NG_NG_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_conf.h"
#include "ng_owner.h"
#include "uring_loop.h"

struct ng_media;

/**
 * Start role media on @p loop from conf->media. drongo-dp need not be
 * running yet: offers fail with "Media relay not available" until it is.
 *
 * @return 0 and *out; a negative errno with a reason in @p err.
 */
int ng_media_start(struct ng_media **out, struct uring_loop *loop,
		   const struct cp_conf *conf, char *err, size_t errlen);

/** Counters of the calls and their reaping. */
struct ng_media_stats {
	uint64_t calls;			/* live calls of the orchestrator */
	uint64_t tracked;		/* calls with an entry in the owner table */
	uint64_t owned;			/* of them, with a Drongo edge owner */
	uint64_t reaped_orphan;		/* ended: owner's heartbeat gone */
	uint64_t reaped_idle;		/* ended by the media timeout, or
					   offered and never answered */
	uint64_t sweeps;		/* owner sweeps run (view fresh) */
	uint64_t sweeps_skipped;	/* not run: the view was stale */
};

/** Whether the peer view can be trusted now (Redis read recently). */
typedef bool ng_media_fresh_fn(void *arg);

/**
 * Reap orphans: every @p interval_ms, while @p fresh says the view is
 * current, end the calls whose owner @p gone reports gone for at least
 * @p grace_ms.
 *
 * @return 0, -ENOMEM.
 */
int ng_media_set_owner_check(struct ng_media *m, ng_owner_gone_fn *gone,
			     ng_media_fresh_fn *fresh, void *arg,
			     uint64_t grace_ms, uint64_t interval_ms);

/** A call owned by Drongo edge @p owner ended here by media timeout. */
typedef void ng_media_ended_fn(void *arg, const char *call_id,
			       const char *owner);

/** Tell owners about the calls their media timed out (NULL: nobody). */
void ng_media_set_ended_fn(struct ng_media *m, ng_media_ended_fn *fn,
			   void *arg);

/** Live calls (the load a media node reports). */
uint64_t ng_media_load(const struct ng_media *m);

/** Counters. */
void ng_media_stats_get(const struct ng_media *m, struct ng_media_stats *st);

/** Log the counters. */
void ng_media_stats_log(const struct ng_media *m);

/** Stop and free; call after uring_loop_fini(). NULL is fine. */
void ng_media_destroy(struct ng_media *m);

#endif
