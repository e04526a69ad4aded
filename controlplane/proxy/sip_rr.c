/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route and Record-Route processing, Max-Forwards and loop detection of
 * the proxy (RFC 3261 sections 16.3, 16.4, 16.6). Everything here reads a
 * decoded message and writes plans, values and edits; nothing is sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "sip_rr.h"

int
sip_rr_value_uri(struct dg_pl val, struct sip_uri *uri)
{
	struct sip_addr addr;

	if (sip_addr_decode(&addr, val, NULL) < 0)
		return -EBADMSG;
	*uri = addr.uri;
	return 0;
}

static bool
uri_ours(sip_rr_is_ours_fn is_ours, void *arg, const struct sip_uri *uri)
{
	if (uri->scheme != SIP_URI_SIP && uri->scheme != SIP_URI_SIPS)
		return false;
	return is_ours(arg, uri);
}

int
sip_rr_plan(const struct sip_msg *msg, sip_rr_is_ours_fn is_ours, void *arg,
		struct sip_rr_plan *plan)
{
	struct sip_uri top;
	unsigned int i;
	int n;

	plan->ruri = msg->ruri_raw;
	plan->ruri_changed = false;
	plan->routes_changed = false;
	plan->strict_prev = false;
	plan->strict_next = false;
	plan->next_is_route = false;
	plan->popped = 0;
	plan->n_routes = msg->n_routes;
	for (i = 0; i < msg->n_routes; i++)
		plan->routes[i] = msg->routes[i];

	/*
	 * Section 16.4: a Request-URI we placed in a Record-Route means the
	 * hop before us is a strict router; the real target is the last Route.
	 */
	if (plan->n_routes > 0 && uri_ours(is_ours, arg, &msg->ruri) &&
			sip_uri_param(&msg->ruri, "lr", NULL)) {
		if (sip_rr_value_uri(plan->routes[plan->n_routes - 1], &top) < 0)
			return -EBADMSG;
		plan->ruri = top.raw;
		plan->ruri_changed = true;
		plan->n_routes--;
		plan->routes_changed = true;
		plan->strict_prev = true;
	}
	/* Our own entries at the top: one, or two after a double Record-Route. */
	while (plan->n_routes > 0) {
		if (sip_rr_value_uri(plan->routes[0], &top) < 0)
			return -EBADMSG;
		if (!uri_ours(is_ours, arg, &top))
			break;
		if (plan->popped < 2)
			plan->ours[plan->popped] = top;
		memmove(&plan->routes[0], &plan->routes[1],
			(plan->n_routes - 1) * sizeof(plan->routes[0]));
		plan->n_routes--;
		plan->popped++;
		plan->routes_changed = true;
	}
	if (plan->n_routes == 0)
		goto next_is_ruri;
	if (sip_rr_value_uri(plan->routes[0], &top) < 0)
		return -EBADMSG;
	if (sip_uri_param(&top, "lr", NULL)) {
		plan->next_hop = top;
		plan->next_is_route = true;
		return 0;
	}
	/* Section 16.6 item 6: the next hop is a strict router. */
	n = snprintf(plan->scratch, sizeof(plan->scratch), "<%.*s>",
		(int)plan->ruri.len, plan->ruri.p);
	if (n < 0 || (size_t)n >= sizeof(plan->scratch))
		return -ENOSPC;
	memmove(&plan->routes[0], &plan->routes[1],
		(plan->n_routes - 1) * sizeof(plan->routes[0]));
	plan->routes[plan->n_routes - 1] =
		(struct dg_pl){ .p = plan->scratch, .len = (size_t)n };
	plan->ruri = top.raw;
	plan->ruri_changed = true;
	plan->routes_changed = true;
	plan->strict_next = true;
next_is_ruri:
	if (sip_uri_decode(&plan->next_hop, plan->ruri.p, plan->ruri.len) < 0)
		return -EBADMSG;
	return 0;
}

int
sip_rr_plan_edits(const struct sip_msg *msg, const struct sip_rr_plan *plan,
		char *buf, size_t cap, struct sip_edits *ed)
{
	struct sip_edit e;
	size_t off = 0;
	unsigned int i;
	int err;

	if (plan->ruri_changed) {
		memset(&e, 0, sizeof(e));
		e.op = SIP_EDIT_RURI_SET;
		e.val = plan->ruri;
		err = sip_edits_add(ed, &e);
		if (err < 0)
			return err;
	}
	if (!plan->routes_changed)
		return 0;
	if (msg->hdr_first[SIP_HDR_ROUTE] != SIP_HDR_IDX_NONE) {
		memset(&e, 0, sizeof(e));
		e.op = SIP_EDIT_HDR_DEL;
		e.id = SIP_HDR_ROUTE;
		err = sip_edits_add(ed, &e);
		if (err < 0)
			return err;
	}
	if (plan->n_routes == 0)
		return 0;
	for (i = 0; i < plan->n_routes; i++) {
		if (off + plan->routes[i].len + 2 > cap)
			return -ENOSPC;
		if (i > 0) {
			buf[off++] = ',';
			buf[off++] = ' ';
		}
		memcpy(buf + off, plan->routes[i].p, plan->routes[i].len);
		off += plan->routes[i].len;
	}
	memset(&e, 0, sizeof(e));
	e.op = SIP_EDIT_HDR_ADD;
	e.id = SIP_HDR_ROUTE;
	e.name = DG_PL("Route");
	e.val = (struct dg_pl){ .p = buf, .len = off };
	return sip_edits_add(ed, &e);
}

int
sip_rr_value(char *buf, size_t cap, const struct sockaddr_storage *local,
		enum sip_transport tp, struct dg_pl user)
{
	char host[INET6_ADDRSTRLEN];
	const char *tps;
	uint16_t port;
	int n;

	if (local->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)local;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
	} else if (local->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
			(const struct sockaddr_in6 *)local;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
	} else {
		return -EAFNOSUPPORT;
	}
	tps = tp == SIP_TP_TCP ? ";transport=tcp" : "";
	n = snprintf(buf, cap, "<sip:%.*s%s%s%s%s:%u%s;lr>", (int)user.len,
		user.len > 0 ? user.p : "", user.len > 0 ? "@" : "",
		local->ss_family == AF_INET6 ? "[" : "", host,
		local->ss_family == AF_INET6 ? "]" : "", port, tps);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

int
sip_rr_max_forwards(const struct sip_msg *msg, uint32_t *out)
{
	if (!(msg->have & SIP_HAVE_MAX_FORWARDS)) {
		*out = 70;
		return 0;
	}
	if (msg->max_forwards == 0)
		return 483;
	*out = msg->max_forwards - 1;
	return 0;
}

static uint64_t
fnv_add(uint64_t h, struct dg_pl pl)
{
	size_t i;

	for (i = 0; i < pl.len; i++) {
		h ^= (uint8_t)pl.p[i];
		h *= 0x100000001b3ull;
	}
	/* A separator, so that "ab","c" and "a","bc" differ. */
	h ^= 0xff;
	h *= 0x100000001b3ull;
	return h;
}

void
sip_rr_loop_hash(const struct sip_msg *msg, char *out)
{
	uint64_t h = 0xcbf29ce484222325ull;
	char cseq[16];
	unsigned int i;

	h = fnv_add(h, msg->ruri_raw);
	h = fnv_add(h, msg->call_id);
	h = fnv_add(h, msg->from.tag);
	h = fnv_add(h, msg->to.tag);
	snprintf(cseq, sizeof(cseq), "%" PRIu32, msg->cseq.num);
	h = fnv_add(h, (struct dg_pl){ .p = cseq, .len = strlen(cseq) });
	h = fnv_add(h, msg->cseq.method_raw);
	for (i = 0; i < msg->n_routes; i++)
		h = fnv_add(h, msg->routes[i]);
	snprintf(out, SIP_RR_LOOP_HASH_LEN + 1, "%016" PRIx64, h);
}

int
sip_rr_branch(char *buf, size_t cap, uint64_t id, const char *loop_hash)
{
	int n;

	n = snprintf(buf, cap, "z9hG4bK-dg%016" PRIx64 "-%s", id, loop_hash);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

bool
sip_rr_loop_detect(const struct sip_msg *msg, sip_rr_is_ours_fn is_ours,
		void *arg)
{
	char hash[SIP_RR_LOOP_HASH_LEN + 1];
	const struct sip_via *v;
	struct sip_uri uri;
	unsigned int i;
	bool hashed = false;

	for (i = 0; i < msg->n_vias; i++) {
		v = &msg->vias[i];
		/* Only our branches carry the hash: "z9hG4bK-dg" + 16 + "-" + 16. */
		if (v->branch.len != 10 + 16 + 1 + SIP_RR_LOOP_HASH_LEN ||
				memcmp(v->branch.p, "z9hG4bK-dg", 10) != 0)
			continue;
		memset(&uri, 0, sizeof(uri));
		uri.scheme = SIP_URI_SIP;
		uri.host = v->host;
		uri.host_type = v->host_type;
		uri.port = v->port;
		if (v->transport == SIP_TP_TLS)
			uri.scheme = SIP_URI_SIPS;
		if (!is_ours(arg, &uri))
			continue;
		if (!hashed) {
			sip_rr_loop_hash(msg, hash);
			hashed = true;
		}
		if (memcmp(v->branch.p + 27, hash, SIP_RR_LOOP_HASH_LEN) == 0)
			return true;
	}
	return false;
}
