/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routing and answers: /health/live, /health, /metrics, the JSON
 * providers, and the JSON error bodies of everything refused. The body is
 * written first so the head can carry its exact Content-Length; HEAD gets
 * the same head without the body.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "http_expo.h"
#include "http_json.h"
#include "http_route.h"
#include "http_server.h"

const char *
http_route_phrase(uint16_t status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* RFC 9110 section 6.6.1: an origin server with a clock sends Date. */
static void
route_date(struct http_buf *out)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL)
		return;
	http_buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
		days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
		tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void
route_write(struct http_buf *out, uint16_t status, const char *ctype,
		const struct http_buf *body, bool head, bool keep)
{
	http_buf_str(out, "HTTP/1.1 ");
	http_buf_u64(out, status);
	http_buf_str(out, " ");
	http_buf_str(out, http_route_phrase(status));
	http_buf_str(out, "\r\nContent-Type: ");
	http_buf_str(out, ctype);
	http_buf_str(out, "\r\nContent-Length: ");
	http_buf_u64(out, body->len);
	http_buf_str(out, "\r\nCache-Control: no-store\r\n");
	route_date(out);
	if (status == 405)
		http_buf_str(out, "Allow: GET, HEAD\r\n");
	http_buf_str(out, keep ? "Connection: keep-alive\r\n\r\n" :
		"Connection: close\r\n\r\n");
	if (!head)
		http_buf_add(out, body->p, body->len);
}

static void
route_error_body(struct http_buf *body, uint16_t status, const char *reason,
		const char *path, size_t path_len)
{
	struct http_json j;

	http_json_init(&j, body);
	http_json_obj_begin(&j);
	http_json_key(&j, "error");
	http_json_str(&j, reason);
	http_json_key(&j, "status");
	http_json_u64(&j, status);
	if (path != NULL) {
		http_json_key(&j, "path");
		http_json_strn(&j, path, path_len);
	}
	http_json_obj_end(&j);
	http_buf_str(body, "\n");
}

void
http_route_error(struct http_server *srv, uint16_t status,
		const char *reason, bool head, bool keep, struct http_buf *out)
{
	struct http_buf body;

	(void)srv;
	http_buf_init(&body, 4096);
	route_error_body(&body, status, reason, NULL, 0);
	if (body.err != 0 && out->err == 0)
		out->err = body.err;
	else
		route_write(out, status, "application/json", &body, head, keep);
	http_buf_fini(&body);
}

static void
route_live(struct http_server *srv, struct http_buf *body)
{
	struct http_json j;

	http_json_init(&j, body);
	http_json_obj_begin(&j);
	http_json_key(&j, "status");
	http_json_str(&j, "live");
	http_json_key(&j, "node");
	http_json_str(&j, srv->node);
	http_json_obj_end(&j);
	http_buf_str(body, "\n");
}

/* Every HEALTH provider once, each with its reason when down. */
static uint16_t
route_health(struct http_server *srv, struct http_buf *body)
{
	struct http_buf reason, down;
	struct http_json j, dj;
	struct http_provider *p;
	bool up = true;
	int err;

	http_buf_init(&reason, 1024);
	http_buf_init(&down, 64 * 1024);
	http_json_init(&dj, &down);
	http_json_arr_begin(&dj);
	http_json_init(&j, body);
	http_json_obj_begin(&j);
	http_json_key(&j, "checks");
	http_json_obj_begin(&j);
	for (p = srv->reg.head[HTTP_PROVIDER_HEALTH]; p != NULL; p = p->next) {
		http_buf_reset(&reason);
		err = p->fn(p->arg, &reason);
		http_json_key(&j, p->name);
		http_json_obj_begin(&j);
		http_json_key(&j, "up");
		http_json_bool(&j, err == 0);
		if (err < 0) {
			up = false;
			http_json_str(&dj, p->name);
			http_json_key(&j, "reason");
			if (reason.len > 0 && reason.err == 0)
				http_json_strn(&j, reason.p, reason.len);
			else
				http_json_str(&j, strerror(-err));
		}
		http_json_obj_end(&j);
	}
	http_json_obj_end(&j);
	http_json_arr_end(&dj);
	http_json_key(&j, "down");
	if (down.err == 0)
		http_json_raw(&j, down.p, down.len);
	else if (body->err == 0)
		/* No list is better than a wrong one: the answer becomes 500. */
		body->err = down.err;
	http_json_key(&j, "node");
	http_json_str(&j, srv->node);
	http_json_key(&j, "role");
	http_json_str(&j, srv->role);
	http_json_key(&j, "status");
	http_json_str(&j, up ? "ready" : "unavailable");
	http_json_obj_end(&j);
	http_buf_str(body, "\n");
	http_buf_fini(&down);
	http_buf_fini(&reason);
	return up ? 200 : 503;
}

static void
route_metrics(struct http_server *srv, struct http_buf *body)
{
	struct http_provider *p;
	size_t mark;
	int err;

#define HTTP_SERVER_STATS_EXPO_(field, name, type, help) \
	http_expo_single(body, name, type, help, srv->stats.field);
	HTTP_SERVER_STATS(HTTP_SERVER_STATS_EXPO_)
#undef HTTP_SERVER_STATS_EXPO_
	for (p = srv->reg.head[HTTP_PROVIDER_METRICS]; p != NULL; p = p->next) {
		mark = body->len;
		err = p->fn(p->arg, body);
		if (err < 0 || body->err != 0) {
			/* A part that failed is left out whole, not cut. */
			body->len = mark;
			body->err = 0;
			srv->stats.provider_errors++;
		}
	}
}

bool
http_server_respond(struct http_server *srv, const struct http_req *req,
		struct http_buf *out)
{
	bool head = req->m == HTTP_METHOD_HEAD;
	const char *ctype = "application/json";
	struct http_provider *p;
	struct http_buf body;
	uint16_t status = 200;
	int err;

	srv->stats.requests++;
	if (req->m == HTTP_METHOD_OTHER) {
		srv->stats.bad_requests++;
		http_route_error(srv, 405, "only GET and HEAD are served", false,
			req->keep_alive, out);
		return req->keep_alive;
	}
	http_buf_init(&body, HTTP_BODY_OUT_MAX);
	if (dg_pl_eq(req->path, DG_PL("/health/live"))) {
		route_live(srv, &body);
	} else if (dg_pl_eq(req->path, DG_PL("/health"))) {
		status = route_health(srv, &body);
	} else if (dg_pl_eq(req->path, DG_PL("/metrics"))) {
		ctype = HTTP_EXPO_CONTENT_TYPE;
		route_metrics(srv, &body);
	} else if ((p = http_registry_find(&srv->reg, HTTP_PROVIDER_JSON,
			req->path)) != NULL) {
		err = p->fn(p->arg, &body);
		if (err < 0 || body.err != 0) {
			srv->stats.provider_errors++;
			http_buf_reset(&body);
			status = 500;
			route_error_body(&body, status, "the provider failed",
				req->path.p, req->path.len);
		} else {
			http_buf_str(&body, "\n");
		}
	} else {
		srv->stats.not_found++;
		status = 404;
		route_error_body(&body, status, "no such endpoint",
			req->path.p, req->path.len);
	}
	if (body.err != 0) {
		http_buf_fini(&body);
		srv->stats.provider_errors++;
		http_route_error(srv, 500, "answer too large or out of memory",
			head, req->keep_alive, out);
		return req->keep_alive;
	}
	route_write(out, status, ctype, &body, head, req->keep_alive);
	http_buf_fini(&body);
	return req->keep_alive;
}
