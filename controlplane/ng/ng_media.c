/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Role media: mc_local plus the ng server, wired from the configuration.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_log.h"
#include "mc_local.h"
#include "ng_media.h"
#include "ng_server.h"

struct ng_media {
	struct mc_orch *orch;
	struct ng_server *srv;
};

int
ng_media_start(struct ng_media **out, struct uring_loop *loop,
	       const struct cp_conf *conf, char *err, size_t errlen)
{
	struct ng_server_opts so;
	struct mc_local_opts lo;
	struct ng_media *m;
	int ret;

	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memset(&lo, 0, sizeof(lo));
	lo.instance = conf->media.dp_instance;
	lo.advertise = conf->media.advertise[0] != '\0' ?
		conf->media.advertise : NULL;
	lo.timeout_start_s = (uint16_t)conf->media.timeout_s;
	lo.timeout_stop_s = (uint16_t)conf->media.timeout_s;
	ret = mc_local_create(&m->orch, loop, &lo, err, errlen);
	if (ret < 0)
		goto out_free;
	memset(&so, 0, sizeof(so));
	ret = ng_server_create(&m->srv, m->orch, &so, NULL, NULL);
	if (ret < 0) {
		snprintf(err, errlen, "ng: %s", strerror(-ret));
		goto out_orch;
	}
	ret = ng_server_listen(m->srv, loop,
			       (const struct sockaddr *)&conf->media.ng_listen,
			       conf->media.ng_listen_len, err, errlen);
	if (ret < 0)
		goto out_srv;
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
	free(m);
}
