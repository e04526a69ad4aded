/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The edge proxy's counters on /metrics and its dialogs on /api/dialogs
 * (see cp_edge_http.h). Everything is read directly: the callbacks run
 * on the loop thread that owns the proxy.
 */
#include <string.h>

#include "cp_edge_http.h"
#include "http_expo.h"
#include "http_json.h"
#include "sip_loc_mem.h"

void
cp_edge_http_init(struct cp_edge_http *h, struct sip_proxy *proxy,
		struct sip_loc *loc)
{
	memset(h, 0, sizeof(*h));
	h->proxy = proxy;
	h->loc = loc;
	h->metrics.kind = HTTP_PROVIDER_METRICS;
	h->metrics.name = "proxy";
	h->metrics.fn = cp_edge_http_metrics;
	h->metrics.arg = h;
	h->dialogs.kind = HTTP_PROVIDER_JSON;
	h->dialogs.name = "/api/dialogs";
	h->dialogs.fn = cp_edge_http_dialogs;
	h->dialogs.arg = h;
}

int
cp_edge_http_register(struct cp_edge_http *h, struct http_registry *r)
{
	int err;

	err = http_registry_add(r, &h->metrics);
	if (err < 0)
		return err;
	err = http_registry_add(r, &h->dialogs);
	if (err < 0)
		http_registry_remove(r, &h->metrics);
	return err;
}

void
cp_edge_http_unregister(struct cp_edge_http *h, struct http_registry *r)
{
	http_registry_remove(r, &h->dialogs);
	http_registry_remove(r, &h->metrics);
}

int
cp_edge_http_metrics(void *arg, struct http_buf *out)
{
	const struct cp_edge_http *h = arg;
	const struct sip_proxy_stats *s = sip_proxy_stats(h->proxy);
	const struct sip_txn_stats *t = sip_txn_layer_stats(
		sip_proxy_txn_layer(h->proxy));

#define CP_EDGE_HTTP_EXPO_(field, help) \
	http_expo_single(out, "drongo_proxy_" #field "_total", "counter", help, \
		s->field);
	SIP_PROXY_STATS(CP_EDGE_HTTP_EXPO_)
#undef CP_EDGE_HTTP_EXPO_
	http_expo_single(out, "drongo_proxy_transactions", "gauge",
		"SIP transactions in the table now", t->active);
	http_expo_single(out, "drongo_proxy_transactions_created_total", "counter",
		"SIP transactions created (server and client)",
		t->server_created + t->client_created);
	http_expo_single(out, "drongo_proxy_transaction_timeouts_total", "counter",
		"SIP transactions ended by Timer B, F or H", t->timeouts);
	http_expo_single(out, "drongo_proxy_retransmits_sent_total", "counter",
		"SIP requests and responses sent again", t->retransmits_sent);
	http_expo_single(out, "drongo_proxy_dialogs", "gauge",
		"INVITE dialogs live now (early or confirmed)",
		sip_dialogs_count(sip_proxy_dialogs(h->proxy)));
	if (h->loc != NULL)
		http_expo_single(out, "drongo_proxy_registered_aors", "gauge",
			"Addresses of record with bindings in the location store",
			sip_loc_mem_aors(h->loc));
	return 0;
}

static void
cp_edge_http_dialog(void *arg, const struct sip_dialog *d)
{
	struct http_json *j = arg;

	http_json_obj_begin(j);
	http_json_key(j, "call_id");
	http_json_str(j, d->call_id);
	http_json_key(j, "caller_tag");
	http_json_str(j, d->caller_tag);
	http_json_key(j, "callee_tag");
	http_json_str(j, d->callee_tag);
	http_json_key(j, "state");
	http_json_str(j, sip_dialog_state_name(d->state));
	http_json_key(j, "invite_cseq");
	http_json_u64(j, d->invite_cseq);
	http_json_key(j, "media");
	http_json_bool(j, d->media != NULL);
	http_json_obj_end(j);
}

int
cp_edge_http_dialogs(void *arg, struct http_buf *out)
{
	const struct cp_edge_http *h = arg;
	const struct sip_dialogs *t = sip_proxy_dialogs(h->proxy);
	struct http_json j;
	size_t n = sip_dialogs_count(t), shown;

	http_json_init(&j, out);
	http_json_obj_begin(&j);
	http_json_key(&j, "count");
	http_json_u64(&j, n);
	http_json_key(&j, "dialogs");
	http_json_arr_begin(&j);
	shown = sip_dialogs_foreach(t, cp_edge_http_dialog, &j,
		CP_EDGE_HTTP_MAX_DIALOGS);
	http_json_arr_end(&j);
	http_json_key(&j, "truncated");
	http_json_bool(&j, shown < n);
	http_json_obj_end(&j);
	return 0;
}
