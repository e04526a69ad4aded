/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The balancer's /metrics families and /api/lb/edges (see cp_lb_http.h).
 * Read directly: the callbacks run on the loop thread that owns the
 * balancer.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "cp_lb_http.h"
#include "http_expo.h"
#include "http_json.h"

void
cp_lb_http_init(struct cp_lb_http *h, const struct sip_lb *lb)
{
	memset(h, 0, sizeof(*h));
	h->lb = lb;
	h->metrics.kind = HTTP_PROVIDER_METRICS;
	h->metrics.name = "lb";
	h->metrics.fn = cp_lb_http_metrics;
	h->metrics.arg = h;
	h->edges.kind = HTTP_PROVIDER_JSON;
	h->edges.name = "/api/lb/edges";
	h->edges.fn = cp_lb_http_edges;
	h->edges.arg = h;
	h->health.kind = HTTP_PROVIDER_HEALTH;
	h->health.name = "edges";
	h->health.fn = cp_lb_http_health;
	h->health.arg = h;
}

int
cp_lb_http_register(struct cp_lb_http *h, struct http_registry *r)
{
	int err;

	err = http_registry_add(r, &h->metrics);
	if (err < 0)
		return err;
	err = http_registry_add(r, &h->edges);
	if (err < 0)
		goto out_metrics;
	err = http_registry_add(r, &h->health);
	if (err < 0)
		goto out_edges;
	return 0;
out_edges:
	http_registry_remove(r, &h->edges);
out_metrics:
	http_registry_remove(r, &h->metrics);
	return err;
}

void
cp_lb_http_unregister(struct cp_lb_http *h, struct http_registry *r)
{
	http_registry_remove(r, &h->health);
	http_registry_remove(r, &h->edges);
	http_registry_remove(r, &h->metrics);
}

int
cp_lb_http_health(void *arg, struct http_buf *out)
{
	const struct cp_lb_http *h = arg;
	const struct sip_lb_edge *e;
	unsigned int i, n, up = 0;

	e = sip_lb_edges(h->lb, &n);
	for (i = 0; i < n; i++)
		up += e[i].health.up ? 1 : 0;
	if (up > 0)
		return 0;
	http_buf_printf(out, "no healthy edge (0 of %u up)", n);
	return -EHOSTDOWN;
}

/* One family with a sample per edge, the value read by field. */
static void
per_edge(struct http_buf *out, const struct sip_lb_edge *e, unsigned int n,
		const char *name, const char *type, const char *help,
		size_t off, bool is_health)
{
	struct http_label l = { "edge", NULL };
	unsigned int i;

	http_expo_family(out, name, type, help);
	for (i = 0; i < n; i++) {
		const char *base = is_health ? (const char *)&e[i].health :
			(const char *)&e[i];

		l.value = e[i].name;
		http_expo_sample(out, name, &l, 1,
			*(const uint64_t *)(const void *)(base + off));
	}
}

int
cp_lb_http_metrics(void *arg, struct http_buf *out)
{
	const struct cp_lb_http *h = arg;
	const struct sip_lb_stats *s = sip_lb_stats(h->lb);
	const struct sip_lb_edge *e;
	struct http_label l = { "edge", NULL };
	unsigned int i, n, up = 0;

	e = sip_lb_edges(h->lb, &n);
#define CP_LB_HTTP_EXPO_(field, help) \
	http_expo_single(out, "drongo_lb_" #field "_total", "counter", help, \
		s->field);
	SIP_LB_STATS(CP_LB_HTTP_EXPO_)
#undef CP_LB_HTTP_EXPO_
	for (i = 0; i < n; i++)
		up += e[i].health.up ? 1 : 0;
	http_expo_single(out, "drongo_lb_edges_up", "gauge",
		"edge nodes taken as healthy now", up);
	http_expo_family(out, "drongo_lb_edge_up", "gauge",
		"1 while the edge is in the rotation, 0 while taken out");
	for (i = 0; i < n; i++) {
		l.value = e[i].name;
		http_expo_sample(out, "drongo_lb_edge_up", &l, 1,
			e[i].health.up ? 1 : 0);
	}
	per_edge(out, e, n, "drongo_lb_edge_requests_total", "counter",
		"requests from outside sent to the edge",
		offsetof(struct sip_lb_edge, requests), false);
	per_edge(out, e, n, "drongo_lb_edge_responses_total", "counter",
		"responses sent to the edge (answers to its requests)",
		offsetof(struct sip_lb_edge, responses), false);
	per_edge(out, e, n, "drongo_lb_edge_outbound_total", "counter",
		"requests the edge sent out through the balancer",
		offsetof(struct sip_lb_edge, from), false);
	per_edge(out, e, n, "drongo_lb_edge_probes_sent_total", "counter",
		"OPTIONS probes sent to the edge",
		offsetof(struct sip_lb_health, probes_sent), true);
	per_edge(out, e, n, "drongo_lb_edge_probes_failed_total", "counter",
		"probes unanswered, or answered 5xx",
		offsetof(struct sip_lb_health, probes_failed), true);
	per_edge(out, e, n, "drongo_lb_edge_went_down_total", "counter",
		"times the edge was taken out",
		offsetof(struct sip_lb_health, went_down), true);
	per_edge(out, e, n, "drongo_lb_edge_went_up_total", "counter",
		"times the edge was taken back in",
		offsetof(struct sip_lb_health, went_up), true);
	return 0;
}

int
cp_lb_http_edges(void *arg, struct http_buf *out)
{
	const struct cp_lb_http *h = arg;
	const struct sip_lb_edge *e;
	char addr[64];
	struct http_json j;
	unsigned int i, n;

	e = sip_lb_edges(h->lb, &n);
	http_json_init(&j, out);
	http_json_obj_begin(&j);
	http_json_key(&j, "sent_by");
	http_json_str(&j, sip_lb_sent_by(h->lb));
	http_json_key(&j, "edges");
	http_json_arr_begin(&j);
	for (i = 0; i < n; i++) {
		const struct sip_lb_health *hl = &e[i].health;

		http_json_obj_begin(&j);
		http_json_key(&j, "name");
		http_json_str(&j, e[i].name);
		http_json_key(&j, "address");
		http_json_str(&j, sip_sockaddr_str(
			(const struct sockaddr *)&e[i].addr, addr, sizeof(addr)));
		http_json_key(&j, "weight");
		http_json_u64(&j, e[i].weight);
		http_json_key(&j, "state");
		http_json_str(&j, hl->up ? "up" : "down");
		http_json_key(&j, "fails_in_a_row");
		http_json_u64(&j, hl->fails);
		http_json_key(&j, "oks_in_a_row");
		http_json_u64(&j, hl->oks);
		http_json_key(&j, "requests");
		http_json_u64(&j, e[i].requests);
		http_json_key(&j, "responses");
		http_json_u64(&j, e[i].responses);
		http_json_key(&j, "outbound");
		http_json_u64(&j, e[i].from);
		http_json_key(&j, "probes_sent");
		http_json_u64(&j, hl->probes_sent);
		http_json_key(&j, "probes_ok");
		http_json_u64(&j, hl->probes_ok);
		http_json_key(&j, "probes_failed");
		http_json_u64(&j, hl->probes_failed);
		http_json_key(&j, "went_down");
		http_json_u64(&j, hl->went_down);
		http_json_key(&j, "went_up");
		http_json_u64(&j, hl->went_up);
		http_json_obj_end(&j);
	}
	http_json_arr_end(&j);
	http_json_obj_end(&j);
	return 0;
}
