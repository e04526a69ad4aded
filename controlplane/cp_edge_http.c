/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The edge proxy's counters on /metrics, its dialogs on /api/dialogs,
 * the location store on /api/registrations and the anchored calls on
 * /api/media/sessions (see cp_edge_http.h). Everything is read directly: the callbacks run
 * on the loop thread that owns the proxy.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cp_edge_http.h"
#include "http_expo.h"
#include "http_json.h"
#include "sip_loc_mem.h"
#include "sip_loc_redis.h"

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
	h->registrations.kind = HTTP_PROVIDER_JSON;
	h->registrations.name = "/api/registrations";
	h->registrations.fn = cp_edge_http_registrations;
	h->registrations.arg = h;
	h->sessions.kind = HTTP_PROVIDER_JSON;
	h->sessions.name = "/api/media/sessions";
	h->sessions.fn = cp_edge_http_media_sessions;
	h->sessions.arg = h;
}

void
cp_edge_http_set_anchor(struct cp_edge_http *h, struct mc_dialog *anchor)
{
	h->anchor = anchor;
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
		goto out_metrics;
	err = http_registry_add(r, &h->registrations);
	if (err < 0)
		goto out_dialogs;
	err = http_registry_add(r, &h->sessions);
	if (err < 0)
		goto out_registrations;
	return 0;
out_registrations:
	http_registry_remove(r, &h->registrations);
out_dialogs:
	http_registry_remove(r, &h->dialogs);
out_metrics:
	http_registry_remove(r, &h->metrics);
	return err;
}

void
cp_edge_http_unregister(struct cp_edge_http *h, struct http_registry *r)
{
	http_registry_remove(r, &h->sessions);
	http_registry_remove(r, &h->registrations);
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
	if (h->loc != NULL && sip_loc_is_redis(h->loc)) {
		struct sip_loc_redis_stats rs;

		/* The AoRs live in Redis: what this node asked of them. */
		sip_loc_redis_stats(h->loc, &rs);
		http_expo_single(out, "drongo_location_redis_ops_total", "counter",
			"Location operations sent to Redis", rs.ops);
		http_expo_single(out, "drongo_location_redis_noscript_total", "counter",
			"Location scripts Redis did not have (sent again in full)",
			rs.noscript);
		http_expo_single(out, "drongo_location_redis_failed_total", "counter",
			"Location operations lost with the link or refused by Redis",
			rs.failed);
	} else if (h->loc != NULL) {
		http_expo_single(out, "drongo_proxy_registered_aors", "gauge",
			"Addresses of record with bindings in the location store",
			sip_loc_mem_aors(h->loc));
	}
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

struct cp_edge_http_regs {
	struct http_json *j;
	size_t seen;
};

/* "udp:192.0.2.1:5060", "tcp:[2001:db8::1]:5070". */
static void
cp_edge_http_source(const struct sip_loc_source *src, char *buf, size_t cap)
{
	static const char *const tps[] = {
		[SIP_LOC_TP_UDP] = "udp", [SIP_LOC_TP_TCP] = "tcp",
		[SIP_LOC_TP_TLS] = "tls", [SIP_LOC_TP_SCTP] = "sctp",
		[SIP_LOC_TP_WS] = "ws", [SIP_LOC_TP_WSS] = "wss",
	};
	const char *tp = (size_t)src->transport < sizeof(tps) / sizeof(tps[0]) &&
		tps[src->transport] != NULL ? tps[src->transport] : "other";
	char host[INET6_ADDRSTRLEN] = "";
	unsigned int port = 0;

	if (src->addr.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&src->addr;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
	} else if (src->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&src->addr;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
	}
	snprintf(buf, cap, src->addr.ss_family == AF_INET6 ? "%s:[%s]:%u" :
		"%s:%s:%u", tp, host, port);
}

static void
cp_edge_http_aor(void *arg, const struct sip_loc_record *rec, uint64_t now)
{
	struct cp_edge_http_regs *r = arg;
	struct http_json *j = r->j;
	char src[96], q[16];
	unsigned int i;

	/* One more than shown is visited, to tell a truncated list. */
	if (r->seen++ == CP_EDGE_HTTP_MAX_AORS)
		return;
	http_json_obj_begin(j);
	http_json_key(j, "aor");
	http_json_strn(j, rec->aor.p, rec->aor.len);
	http_json_key(j, "bindings");
	http_json_arr_begin(j);
	for (i = 0; i < rec->n_bindings; i++) {
		const struct sip_loc_binding *b = &rec->bindings[i];

		if (b->expires <= now)
			continue;
		http_json_obj_begin(j);
		http_json_key(j, "contact");
		http_json_strn(j, b->contact.p, b->contact.len);
		http_json_key(j, "expires_in");
		http_json_u64(j, b->expires - now);
		http_json_key(j, "q");
		snprintf(q, sizeof(q), "%u.%03u", b->q / 1000u, b->q % 1000u);
		http_json_raw(j, q, strlen(q));
		http_json_key(j, "source");
		cp_edge_http_source(&b->source, src, sizeof(src));
		http_json_str(j, src);
		if (dg_pl_isset(b->user_agent)) {
			http_json_key(j, "user_agent");
			http_json_strn(j, b->user_agent.p, b->user_agent.len);
		}
		http_json_obj_end(j);
	}
	http_json_arr_end(j);
	http_json_obj_end(j);
}

int
cp_edge_http_registrations(void *arg, struct http_buf *out)
{
	const struct cp_edge_http *h = arg;
	struct cp_edge_http_regs r;
	struct http_json j;

	http_json_init(&j, out);
	r.j = &j;
	r.seen = 0;
	http_json_obj_begin(&j);
	http_json_key(&j, "registrations");
	http_json_arr_begin(&j);
	if (h->loc != NULL)
		(void)sip_loc_mem_foreach(h->loc, cp_edge_http_aor, &r,
			CP_EDGE_HTTP_MAX_AORS + 1);
	http_json_arr_end(&j);
	http_json_key(&j, "truncated");
	http_json_bool(&j, r.seen > CP_EDGE_HTTP_MAX_AORS);
	http_json_obj_end(&j);
	return 0;
}

/* "192.0.2.1:5060", "[2001:db8::1]:5070"; "" when unknown. */
static void
cp_edge_http_addr(const struct sockaddr_storage *ss, uint16_t port_over,
		char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "";
	unsigned int port;

	buf[0] = '\0';
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = port_over != 0 ? port_over : ntohs(s4->sin_port);
		snprintf(buf, cap, "%s:%u", host, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = port_over != 0 ? port_over : ntohs(s6->sin6_port);
		snprintf(buf, cap, "[%s]:%u", host, port);
	}
}

static void
cp_edge_http_addr_kv(struct http_json *j, const char *key,
		const struct sockaddr_storage *ss, uint16_t port_over)
{
	char a[INET6_ADDRSTRLEN + 8];

	http_json_key(j, key);
	cp_edge_http_addr(ss, port_over, a, sizeof(a));
	if (a[0] == '\0')
		http_json_raw(j, "null", 4);
	else
		http_json_str(j, a);
}

/* One party's leg of one stream. */
static void
cp_edge_http_leg(struct http_json *j, const struct mc_stream_info *si,
		unsigned int L, const struct sockaddr_storage *relay)
{
	const struct mc_leg_info *li = &si->leg[L];

	http_json_obj_begin(j);
	http_json_key(j, "proto");
	http_json_str(j, si->leg_proto[L]);
	http_json_key(j, "srtp");
	http_json_bool(j, li->srtp);
	cp_edge_http_addr_kv(j, "peer", &li->peer, 0);
	cp_edge_http_addr_kv(j, "relay", relay, li->relay_rtp);
	http_json_key(j, "relay_rtcp_port");
	http_json_u64(j, li->relay_rtcp);
	http_json_key(j, "rtcp_mux");
	http_json_bool(j, li->rtcp_mux);
	if (si->have_stats) {
		http_json_key(j, "rx_packets");
		http_json_u64(j, li->rx_pkts);
		http_json_key(j, "rx_bytes");
		http_json_u64(j, li->rx_bytes);
		http_json_key(j, "tx_packets");
		http_json_u64(j, li->tx_pkts);
		http_json_key(j, "tx_bytes");
		http_json_u64(j, li->tx_bytes);
		http_json_key(j, "errors");
		http_json_u64(j, li->errors);
		http_json_key(j, "last_rx");
		http_json_u64(j, li->last_rx_s);
	}
	http_json_obj_end(j);
}

static void
cp_edge_http_session(void *arg, const struct mc_dialog_session *s)
{
	static const char *const party[MC_PARTY__COUNT] = { "caller", "callee" };
	struct http_json *j = arg;
	unsigned int p, i;

	http_json_obj_begin(j);
	http_json_key(j, "call_id");
	http_json_str(j, s->call_id);
	http_json_key(j, "state");
	http_json_str(j, s->confirmed ? "confirmed" : "early");
	for (p = 0; p < MC_PARTY__COUNT; p++) {
		http_json_key(j, party[p]);
		http_json_obj_begin(j);
		http_json_key(j, "tag");
		http_json_str(j, s->tag[p]);
		cp_edge_http_addr_kv(j, "sip", s->sip[p], 0);
		cp_edge_http_addr_kv(j, "relay", s->relay[p], 0);
		http_json_obj_end(j);
	}
	if (s->info != NULL) {
		http_json_key(j, "alloc_id");
		http_json_u64(j, s->info->alloc_id);
		http_json_key(j, "stats_at");
		http_json_u64(j, s->info_s);
		http_json_key(j, "streams");
		http_json_arr_begin(j);
		for (i = 0; i < s->info->n_streams; i++) {
			const struct mc_stream_info *si = &s->info->streams[i];

			http_json_obj_begin(j);
			http_json_key(j, "type");
			http_json_str(j, si->type);
			for (p = 0; p < MC_PARTY__COUNT; p++) {
				http_json_key(j, party[p]);
				cp_edge_http_leg(j, si, s->leg[p], s->relay[p]);
			}
			http_json_obj_end(j);
		}
		http_json_arr_end(j);
	}
	http_json_obj_end(j);
}

int
cp_edge_http_media_sessions(void *arg, struct http_buf *out)
{
	const struct cp_edge_http *h = arg;
	struct http_json j;
	unsigned int n = 0;

	http_json_init(&j, out);
	http_json_obj_begin(&j);
	http_json_key(&j, "anchoring");
	http_json_bool(&j, h->anchor != NULL);
	http_json_key(&j, "sessions");
	http_json_arr_begin(&j);
	if (h->anchor != NULL)
		n = mc_dialog_sessions(h->anchor, CP_EDGE_HTTP_MAX_SESSIONS,
			cp_edge_http_session, &j);
	http_json_arr_end(&j);
	http_json_key(&j, "count");
	http_json_u64(&j, n);
	http_json_key(&j, "truncated");
	http_json_bool(&j, n > CP_EDGE_HTTP_MAX_SESSIONS);
	http_json_obj_end(&j);
	return 0;
}
