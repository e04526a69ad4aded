/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drongo: the control plane. Loads the configuration (a file, or the
 * embedded copy of config/drongo.yaml), starts the SIP service and the
 * operators' HTTP server (cp_http.c) on one io_uring loop and runs it in
 * the foreground. SIGTERM and SIGINT stop it
 * cleanly (exit 0), SIGHUP reloads what can change at run time, SIGUSR1
 * logs the counters.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_conf.h"
#include "cp_cluster.h"
#include "cp_edge_http.h"
#include "cp_lb_http.h"
#include "cp_http.h"
#include "dg_log.h"
#include "mc_dialog.h"
#include "mc_local.h"
#include "ng_media.h"
#include "redis_conn.h"
#include "sip_edge.h"
#include "sip_lb.h"
#include "sip_proxy_conf.h"
#include "sip_server.h"
#include "uring_loop.h"
#include "uring_signal.h"

/* Turns allowed for queued responses to leave at shutdown (1 ms apart). */
#define CP_DRAIN_TURNS 200

/* Turns for cancelled operations to complete before the ring goes. */
#define CP_SETTLE_TURNS 5

struct cp_main {
	struct uring_loop loop;
	struct uring_signal sig;
	struct sip_server *srv;
	struct ng_media *media;		/* role media: the ng server */
	struct mc_dialog *anchor;	/* role edge with media.required true */
	struct cp_http *http;		/* NULL when http.enabled is false */
	struct redis_conn *redis;	/* NULL without a redis section */
	struct cp_edge_http edge_http;	/* the proxy's /metrics and /api parts */
	struct sip_lb *lb;		/* role lb: the balancer */
	struct cp_lb_http lb_http;	/* its /metrics and /api/lb/edges */
	struct cp_cluster cluster;	/* membership, remote media, reaping */
	const char *config_path;	/* NULL: the embedded default */
	int exit_code;
};

/*
 * --check-config also reads what the edge reads when it starts (its
 * section and users file), so that a bad route or a missing users file
 * fails the check rather than the start.
 */
static int
check_edge(const struct cp_conf *conf, char *err, size_t errlen)
{
	struct sip_auth_users *users = NULL;
	struct sip_edge_conf *ec;
	int ret;

	if (conf->role != CP_ROLE_EDGE || strcmp(conf->source, "<embedded>") == 0)
		return 0;
	ec = malloc(sizeof(*ec));
	if (ec == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = sip_edge_conf_load_file(ec, conf->source, err, errlen);
	if (ret == 0) {
		struct mc_dialog_conf mdc;

		ret = mc_dialog_conf_load(&mdc, conf->source, NULL, 0, err,
			errlen);
	}
	if (ret == 0 && ec->present && (ec->location == SIP_EDGE_LOC_REDIS ||
			(ec->auth_enabled &&
			 ec->credentials == SIP_EDGE_CREDS_REDIS)) &&
			!conf->redis.enabled) {
		snprintf(err, errlen, "%s: edge: location or credentials in Redis need a redis: section",
			conf->source);
		ret = -EINVAL;
	}
	if (ret == 0 && conf->cluster.media == CP_CLUSTER_MEDIA_REMOTE &&
			conf->cluster.n_nodes == 0 && !conf->redis.enabled) {
		snprintf(err, errlen, "%s: cluster: media remote needs cluster.media_nodes or a redis: section",
			conf->source);
		ret = -EINVAL;
	}
	if (ret == 0 && ec->present && ec->auth_enabled &&
			ec->credentials == SIP_EDGE_CREDS_FILE) {
		ret = sip_auth_users_load_file(&users, ec->users_file, err, errlen);
		sip_auth_users_free(users);
	}
	free(ec);
	return ret;
}

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: drongo [--config FILE] [--check-config [FILE]]\n"
		"              [--help] [--version]\n"
		"\n"
		"  --config FILE        read the configuration from FILE (YAML);\n"
		"                       without it the embedded default is used\n"
		"                       (the same bytes as config/drongo.yaml)\n"
		"  --check-config [FILE] validate the configuration and exit:\n"
		"                       0 when valid, 1 with file:line: reason\n"
		"  --help               show this text\n"
		"  --version            show the version\n"
		"\n"
		"signals: SIGTERM/SIGINT stop, SIGHUP reloads, SIGUSR1 logs counters\n");
}

static int
load_conf(struct cp_conf *conf, const char *path, char *err, size_t errlen)
{
	if (path == NULL)
		return cp_conf_load_default(conf, err, errlen);
	return cp_conf_load_file(conf, path, err, errlen);
}

static void
main_reload(struct cp_main *m)
{
	struct cp_conf *conf;
	char err[DG_CONF_ERR_MAX];
	char q[DG_CONF_ERR_MAX + 64];

	conf = malloc(sizeof(*conf));
	if (conf == NULL) {
		DG_LOG(DG_LOG_ERROR, "conf.reload", "status=error error=\"out of memory\"");
		return;
	}
	if (load_conf(conf, m->config_path, err, sizeof(err)) < 0) {
		DG_LOG(DG_LOG_ERROR, "conf.reload", "status=error kept=running error=%s",
			dg_log_quote(q, sizeof(q), err, strlen(err)));
		free(conf);
		return;
	}
	sip_server_reload(m->srv, conf);
	cp_http_reload(m->http, conf);
	DG_LOG(DG_LOG_INFO, "conf.reload", "status=ok config=%s log_level=%s",
		conf->source, dg_log_level_names[conf->log_level]);
	free(conf);
}

static void
main_on_signal(struct uring_signal *sig, int signo)
{
	struct cp_main *m = (struct cp_main *)((char *)sig -
		offsetof(struct cp_main, sig));

	switch (signo) {
	case SIGTERM:
	case SIGINT:
		DG_LOG(DG_LOG_INFO, "stopping", "signal=%s",
			signo == SIGTERM ? "SIGTERM" : "SIGINT");
		uring_loop_stop(&m->loop);
		break;
	case SIGHUP:
		main_reload(m);
		break;
	case SIGUSR1:
		sip_server_stats_log(m->srv);
		if (m->media != NULL)
			ng_media_stats_log(m->media);
		if (m->anchor != NULL)
			mc_dialog_stats_log(m->anchor);
		if (m->lb != NULL)
			sip_lb_stats_log(m->lb);
		break;
	default:
		break;
	}
}

/* Lets responses already queued leave before the ring is torn down. */
static void
main_drain(struct cp_main *m)
{
	int i;

	for (i = 0; i < CP_DRAIN_TURNS && sip_server_busy(m->srv); i++) {
		if (uring_loop_run_once(&m->loop, false) < 0)
			break;
		usleep(1000);
	}
}

/*
 * Redis' socket polls are cancelled by its destroy and their memory goes
 * when the cancellations complete: a few turns of the loop let them.
 */
static void
main_settle(struct cp_main *m)
{
	int i;

	for (i = 0; i < CP_SETTLE_TURNS; i++) {
		if (uring_loop_run_once(&m->loop, false) < 0)
			break;
		usleep(1000);
	}
}

/*
 * Role edge with media.required true: calls are anchored in the local
 * drongo-dp. The anchoring layer goes in front of the server on every
 * UDP socket and hears the proxy's dialogs.
 */
static int
main_anchor_start(struct cp_main *m, const struct cp_conf *conf, char *err,
		size_t errlen)
{
	struct mc_dialog_conf mdc;
	struct mc_local_opts lo;
	struct mc_orch *orch;
	unsigned int i;
	int ret;

	/* edge.media: read where the edge reads its section. */
	ret = strcmp(conf->source, "<embedded>") == 0 ?
		mc_dialog_conf_load(&mdc, conf->source, cp_conf_default_yaml,
			cp_conf_default_len, err, errlen) :
		mc_dialog_conf_load(&mdc, conf->source, NULL, 0, err, errlen);
	if (ret < 0)
		return ret;
	memset(&lo, 0, sizeof(lo));
	lo.instance = conf->media.dp_instance;
	lo.advertise = conf->media.advertise[0] != '\0' ?
		conf->media.advertise : NULL;
	lo.timeout_start_s = (uint16_t)conf->media.timeout_s;
	lo.timeout_stop_s = (uint16_t)conf->media.timeout_s;
	if (conf->cluster.media == CP_CLUSTER_MEDIA_REMOTE)
		ret = cp_cluster_pool_create(&m->cluster, conf, &orch, err,
			errlen);
	else
		ret = mc_local_create(&orch, &m->loop, &lo, err, errlen);
	if (ret < 0)
		return ret;
	ret = mc_dialog_create(&m->anchor, &m->loop, orch,
		sip_proxy_dialogs(sip_edge_proxy(m->srv->edge)),
		sip_server_on_rx, m->srv);
	if (ret < 0) {
		mc_orch_destroy(orch);
		snprintf(err, errlen, "media anchoring: %s", strerror(-ret));
		return ret;
	}
	mc_dialog_set_conf(m->anchor, &mdc);
	for (i = 0; i < m->srv->n_udp; i++) {
		m->srv->udp[i].on_rx = mc_dialog_rx;
		m->srv->udp[i].arg = m->anchor;
	}
	sip_edge_set_media(m->srv->edge, &mc_dialog_media_ops, m->anchor);
	DG_LOG(DG_LOG_INFO, "media.start", "anchor=local dp_instance=%u srtp_caller=%s srtp_callee=%s dp=%s",
		conf->media.dp_instance,
		mc_dialog_srtp_names[mdc.srtp[MC_PARTY_CALLER]],
		mc_dialog_srtp_names[mdc.srtp[MC_PARTY_CALLEE]],
		conf->cluster.media == CP_CLUSTER_MEDIA_REMOTE ? "remote" :
		mc_local_connected(orch) ? "attached" : "absent");
	return 0;
}

static int
main_run(struct cp_main *m, const struct cp_conf *conf)
{
	char err[256], q[300];
	sigset_t mask;
	int ret;

	m->srv = calloc(1, sizeof(*m->srv));
	if (m->srv == NULL) {
		DG_LOG(DG_LOG_ERROR, "start", "status=error error=\"out of memory\"");
		return 1;
	}
	ret = uring_loop_init(&m->loop, 1024);
	if (ret < 0) {
		DG_LOG(DG_LOG_ERROR, "start", "status=error error=\"io_uring: %s\"",
			strerror(-ret));
		free(m->srv);
		return 1;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	ret = uring_signal_start(&m->sig, &m->loop, &mask, main_on_signal);
	if (ret < 0) {
		DG_LOG(DG_LOG_ERROR, "start", "status=error error=\"signalfd: %s\"",
			strerror(-ret));
		goto out_loop;
	}
	/* Before the edge: its stores and the cluster send through it. */
	if (conf->redis.enabled) {
		ret = redis_conn_create(&m->redis, &m->loop, &conf->redis);
		if (ret < 0) {
			DG_LOG(DG_LOG_ERROR, "start", "status=error error=\"redis: %s\"",
				strerror(-ret));
			goto out_signal;
		}
	}
	m->srv->redis = m->redis;
	ret = sip_server_start(m->srv, &m->loop, conf, err, sizeof(err));
	if (ret < 0) {
		DG_LOG(DG_LOG_ERROR, "start", "status=error error=%s",
			dg_log_quote(q, sizeof(q), err, strlen(err)));
		goto out_signal;
	}
	if (conf->role == CP_ROLE_MEDIA) {
		ret = ng_media_start(&m->media, &m->loop, conf, err, sizeof(err));
		if (ret < 0) {
			DG_LOG(DG_LOG_ERROR, "start", "status=error error=%s",
				dg_log_quote(q, sizeof(q), err, strlen(err)));
			goto out_signal;
		}
	}
	ret = cp_cluster_start(&m->cluster, &m->loop, conf, m->redis, m->media,
		err, sizeof(err));
	if (ret < 0) {
		DG_LOG(DG_LOG_ERROR, "start", "status=error error=%s",
			dg_log_quote(q, sizeof(q), err, strlen(err)));
		goto out_signal;
	}
	if (conf->role == CP_ROLE_EDGE && m->srv->edge != NULL &&
			(conf->media.required == CP_MEDIA_REQUIRED_TRUE ||
			 conf->cluster.media == CP_CLUSTER_MEDIA_REMOTE)) {
		ret = main_anchor_start(m, conf, err, sizeof(err));
		if (ret < 0) {
			DG_LOG(DG_LOG_ERROR, "start", "status=error error=%s",
				dg_log_quote(q, sizeof(q), err, strlen(err)));
			goto out_signal;
		}
	}
	if (conf->role == CP_ROLE_LB) {
		ret = sip_lb_create(&m->lb, &m->loop, m->srv, conf, err,
			sizeof(err));
		if (ret < 0) {
			DG_LOG(DG_LOG_ERROR, "start", "status=error error=%s",
				dg_log_quote(q, sizeof(q), err, strlen(err)));
			goto out_signal;
		}
	}
	ret = cp_http_start(&m->http, &m->loop, conf, m->srv);
	if (ret < 0) {
		DG_LOG(DG_LOG_ERROR, "start", "status=error error=\"http: %s\"",
			strerror(-ret));
		goto out_signal;
	}
	if (m->srv->edge != NULL && cp_http_registry(m->http) != NULL) {
		cp_edge_http_init(&m->edge_http, sip_edge_proxy(m->srv->edge),
			sip_edge_loc(m->srv->edge));
		cp_edge_http_set_anchor(&m->edge_http, m->anchor);
		(void)cp_edge_http_register(&m->edge_http,
			cp_http_registry(m->http));
	}
	if (m->lb != NULL && cp_http_registry(m->http) != NULL) {
		cp_lb_http_init(&m->lb_http, m->lb);
		(void)cp_lb_http_register(&m->lb_http, cp_http_registry(m->http));
	}
	cp_cluster_http_register(&m->cluster, cp_http_registry(m->http));
	DG_LOG(DG_LOG_INFO, "start", "status=ok version=%s role=%s name=%s config=%s pid=%d",
		DRONGO_VERSION, cp_role_names[conf->role], conf->name,
		conf->source, (int)getpid());
	ret = uring_loop_run(&m->loop);
	if (ret < 0)
		DG_LOG(DG_LOG_ERROR, "loop", "status=error error=\"%s\"",
			strerror(-ret));
	cp_http_stop(m->http);
	main_drain(m);
	cp_cluster_leave(&m->cluster);
	sip_server_stats_log(m->srv);
	if (m->anchor != NULL)
		mc_dialog_stats_log(m->anchor);
	if (m->lb != NULL)
		sip_lb_stats_log(m->lb);
	DG_LOG(DG_LOG_INFO, "stop", "status=%s", ret < 0 ? "error" : "ok");
out_signal:
	if (m->anchor != NULL)
		sip_edge_set_media(m->srv->edge, NULL, NULL);
	cp_cluster_stop(&m->cluster);
	mc_dialog_destroy(m->anchor);
	sip_lb_destroy(m->lb);
	m->lb = NULL;
	uring_signal_stop(&m->sig);
	/* Commands still pending complete (with no reply) while the loop lives. */
	redis_conn_destroy(m->redis);
	cp_cluster_destroy(&m->cluster);
	/*
	 * The edge's transactions answer and clean up as they are destroyed,
	 * through the ring: the edge goes while the loop still exists, after
	 * Redis has completed what it held for it.
	 */
	if (m->srv->edge != NULL) {
		sip_edge_destroy(m->srv->edge);
		m->srv->edge = NULL;
	}
	if (m->redis != NULL)
		main_settle(m);
	m->redis = NULL;
out_loop:
	uring_loop_fini(&m->loop);
	ng_media_destroy(m->media);
	cp_http_destroy(m->http);
	sip_server_destroy(m->srv);
	free(m->srv);
	return ret < 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct cp_main m;
	struct cp_conf *conf;
	char err[DG_CONF_ERR_MAX];
	bool check = false;
	int c, ret;

	dg_log_init("drongo");
	while ((c = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			m.config_path = optarg;
			break;
		case 'k':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("drongo %s\n", DRONGO_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	/* "--check-config FILE" names the file to check. */
	if (check && optind + 1 == argc && m.config_path == NULL)
		m.config_path = argv[optind++];
	if (optind != argc) {
		fprintf(stderr, "drongo: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	conf = malloc(sizeof(*conf));
	if (conf == NULL) {
		fprintf(stderr, "drongo: out of memory\n");
		return 1;
	}
	if (load_conf(conf, m.config_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		free(conf);
		return 1;
	}
	if (check) {
		if (check_edge(conf, err, sizeof(err)) < 0 ||
				sip_lb_conf_check(conf, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			free(conf);
			return 1;
		}
		printf("%s: ok\n", conf->source);
		free(conf);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	dg_log_set_level(conf->log_level);
	ret = main_run(&m, conf);
	free(conf);
	return ret;
}
