/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drongo's HTTP wiring (see cp_http.h). The SIP counters come from the
 * SIP_SERVER_STATS X-macro, so every counter the sip.stats log line has is
 * a drongo_sip_<name>_total family with the same help text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_http.h"
#include "dg_log.h"
#include "http_expo.h"

/* TCP transport counters: field, metric name, help. */
#define CP_HTTP_TCP_STATS(X) \
	X(accepted, "drongo_sip_tcp_accepted_total", "SIP TCP connections accepted") \
	X(refused, "drongo_sip_tcp_refused_total", \
		"SIP TCP connections refused at the connection limit") \
	X(closed, "drongo_sip_tcp_closed_total", "SIP TCP connections closed") \
	X(idle_closed, "drongo_sip_tcp_idle_closed_total", \
		"SIP TCP connections closed by the idle timeout") \
	X(bad_framing, "drongo_sip_tcp_bad_framing_total", \
		"SIP TCP connections closed: the stream could not be framed") \
	X(oversize, "drongo_sip_tcp_oversize_total", \
		"SIP TCP connections closed: a message over the maximum")

static int
cp_http_sip_metrics(void *arg, struct http_buf *out)
{
	const struct sip_server *sip = arg;

#define CP_HTTP_SIP_EXPO_(field, help) \
	http_expo_single(out, "drongo_sip_" #field "_total", "counter", help, \
		sip->stats.field);
	SIP_SERVER_STATS(CP_HTTP_SIP_EXPO_)
#undef CP_HTTP_SIP_EXPO_
	http_expo_single(out, "drongo_sip_tcp_connections", "gauge",
		"SIP TCP connections open now", sip->tcp.n_conns);
#define CP_HTTP_TCP_EXPO_(field, name, help) \
	http_expo_single(out, name, "counter", help, sip->tcp.stats.field);
	CP_HTTP_TCP_STATS(CP_HTTP_TCP_EXPO_)
#undef CP_HTTP_TCP_EXPO_
	return 0;
}

static void
cp_http_opts(struct http_server_opts *o, const struct cp_conf *conf)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->addrs, conf->http_listen,
		conf->n_http_listen * sizeof(o->addrs[0]));
	o->n_addrs = conf->n_http_listen;
	o->max_conns = conf->http_max_connections;
	o->idle_ms = conf->http_idle_timeout_ms;
	o->node = conf->name;
	o->role = cp_role_names[conf->role];
}

int
cp_http_start(struct cp_http **out, struct uring_loop *loop,
		const struct cp_conf *conf, const struct sip_server *sip)
{
	struct http_server_opts o;
	struct cp_http *h;
	char err[256], q[300];
	int ret;

	*out = NULL;
	if (!conf->http_enabled)
		return 0;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	http_server_init(&h->srv, loop);
	h->sip = sip;
	h->sip_metrics.kind = HTTP_PROVIDER_METRICS;
	h->sip_metrics.name = "sip";
	h->sip_metrics.fn = cp_http_sip_metrics;
	h->sip_metrics.arg = (void *)sip;
	(void)http_registry_add(&h->srv.reg, &h->sip_metrics);
	if (conf->role != CP_ROLE_LB || cp_conf_media_required(conf)) {
		if (http_dp_init(&h->dp, conf->media.dp_instance, NULL) == 0) {
			h->dp_on = true;
			(void)http_dp_register(&h->dp, &h->srv.reg,
				cp_conf_media_required(conf));
		}
	}
	memcpy(h->listen, conf->http_listen, sizeof(h->listen));
	h->n_listen = conf->n_http_listen;
	h->max_conns = conf->http_max_connections;
	h->media_required = cp_conf_media_required(conf);
	cp_http_opts(&o, conf);
	ret = http_server_start(&h->srv, &o, err, sizeof(err));
	if (ret < 0) {
		DG_LOG(DG_LOG_ERROR, "http.start", "status=error error=%s",
			dg_log_quote(q, sizeof(q), err, strlen(err)));
		/* Sockets opened before the failure are closed: no half service. */
		http_server_stop(&h->srv);
	} else {
		unsigned int i;

		for (i = 0; i < h->srv.n_l; i++)
			DG_LOG(DG_LOG_INFO, "http.listen", "addr=%s",
				http_addr_str(&h->srv.l[i].local, err,
					sizeof(err)));
	}
	*out = h;
	return 0;
}

struct http_registry *
cp_http_registry(struct cp_http *h)
{
	return h != NULL ? http_server_registry(&h->srv) : NULL;
}

static void
cp_http_kept(const char *key)
{
	DG_LOG(DG_LOG_WARN, "conf.reload",
		"key=%s applied=no reason=\"needs a restart\"", key);
}

void
cp_http_reload(struct cp_http *h, const struct cp_conf *conf)
{
	if (h == NULL) {
		if (conf->http_enabled)
			cp_http_kept("http.enabled");
		return;
	}
	if (!conf->http_enabled)
		cp_http_kept("http.enabled");
	if (h->n_listen != conf->n_http_listen ||
			memcmp(h->listen, conf->http_listen,
				sizeof(h->listen)) != 0)
		cp_http_kept("http.listen");
	if (h->max_conns != conf->http_max_connections)
		cp_http_kept("http.max_connections");
	if (h->media_required != cp_conf_media_required(conf))
		cp_http_kept("media.required");
	http_server_set_idle(&h->srv, conf->http_idle_timeout_ms);
	snprintf(h->srv.node, sizeof(h->srv.node), "%s", conf->name);
}

void
cp_http_stop(struct cp_http *h)
{
	if (h != NULL)
		http_server_stop(&h->srv);
}

void
cp_http_destroy(struct cp_http *h)
{
	if (h == NULL)
		return;
	http_server_destroy(&h->srv);
	if (h->dp_on)
		http_dp_fini(&h->dp);
	free(h);
}
