/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Role media as one unit for main.c: the local orchestrator on the
 * configured drongo-dp instance and the ng server in front of it, started
 * and stopped together.
 */
#ifndef DRONGO_CONTROLPLANE_NG_NG_MEDIA_H
#define DRONGO_CONTROLPLANE_NG_NG_MEDIA_H

#include <stddef.h>

#include "cp_conf.h"
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

/** Log the counters. */
void ng_media_stats_log(const struct ng_media *m);

/** Stop and free; call after uring_loop_fini(). NULL is fine. */
void ng_media_destroy(struct ng_media *m);

#endif
