/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The provider registry and the server's answers: registration rules,
 * routing to JSON providers, 404/405/500 with JSON bodies, HEAD without a
 * body, /health from the HEALTH providers (200 ready, 503 naming what is
 * down and why), /metrics with every METRICS provider and a failing one
 * left out whole. Each answer's Content-Length is checked against its body.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http_expo.h"
#include "http_json.h"
#include "http_server.h"

struct answer {
	unsigned int status;
	char head[1024];
	char body[8192];
	size_t body_len;
};

/* Splits an answer and checks that Content-Length is the body's length. */
static void
answer_split(const struct http_buf *out, struct answer *a, bool head_only)
{
	const char *end, *cl;
	size_t hl;

	assert_int_equal(out->err, 0);
	assert_true(out->len > 12);
	assert_memory_equal(out->p, "HTTP/1.1 ", 9);
	a->status = (unsigned int)atoi(out->p + 9);
	end = strstr(out->p, "\r\n\r\n");
	assert_non_null(end);
	hl = (size_t)(end - out->p) + 4;
	assert_true(hl < sizeof(a->head));
	memcpy(a->head, out->p, hl);
	a->head[hl] = '\0';
	a->body_len = out->len - hl;
	assert_true(a->body_len < sizeof(a->body));
	memcpy(a->body, out->p + hl, a->body_len);
	a->body[a->body_len] = '\0';
	cl = strstr(a->head, "\r\nContent-Length: ");
	assert_non_null(cl);
	if (head_only)
		assert_int_equal(a->body_len, 0);
	else
		assert_int_equal((size_t)atol(cl + 18), a->body_len);
}

static void
request(struct http_server *srv, const char *text, struct answer *a,
		bool *keep)
{
	struct http_buf out;
	struct http_req req;
	bool k;

	assert_int_equal(http_req_parse((const uint8_t *)text, strlen(text),
		&req), (int)strlen(text));
	http_buf_init(&out, 1 << 20);
	k = http_server_respond(srv, &req, &out);
	if (keep != NULL)
		*keep = k;
	answer_split(&out, a, req.m == HTTP_METHOD_HEAD);
	http_buf_fini(&out);
}

static int
json_dialogs(void *arg, struct http_buf *out)
{
	struct http_json j;
	unsigned int *n = arg;

	http_json_init(&j, out);
	http_json_obj_begin(&j);
	http_json_key(&j, "dialogs");
	http_json_arr_begin(&j);
	http_json_obj_begin(&j);
	http_json_key(&j, "call_id");
	http_json_str(&j, "a\"b@host");
	http_json_obj_end(&j);
	http_json_arr_end(&j);
	http_json_key(&j, "calls");
	http_json_u64(&j, ++*n);
	http_json_obj_end(&j);
	return 0;
}

static int
json_fails(void *arg, struct http_buf *out)
{
	(void)arg;
	http_buf_str(out, "{\"half\":");
	return -EIO;
}

static int
metrics_ok(void *arg, struct http_buf *out)
{
	(void)arg;
	http_expo_single(out, "drongo_test_things_total", "counter",
		"things", 42);
	return 0;
}

static int
metrics_fails(void *arg, struct http_buf *out)
{
	(void)arg;
	http_expo_single(out, "drongo_test_broken_total", "counter", "x", 1);
	return -EIO;
}

static int
health_up(void *arg, struct http_buf *out)
{
	(void)arg;
	(void)out;
	return 0;
}

static int
health_down(void *arg, struct http_buf *out)
{
	(void)arg;
	http_buf_str(out, "redis 127.0.0.1:6379: \"connection refused\"");
	return -ECONNREFUSED;
}

/* Registration: names unique per kind, one registry per provider, paths. */
static void
test_registry(void **state)
{
	struct http_provider a = { .kind = HTTP_PROVIDER_JSON,
		.name = "/api/dialogs", .fn = json_fails };
	struct http_provider b = a, c = a, m = a, bad = a;
	struct http_registry r;

	(void)state;
	http_registry_init(&r);
	assert_int_equal(http_registry_add(&r, &a), 0);
	assert_int_equal(http_registry_add(&r, &a), -EBUSY);
	assert_int_equal(http_registry_add(&r, &b), -EEXIST);
	c.name = "/api/registrations";
	assert_int_equal(http_registry_add(&r, &c), 0);
	/* The same name under another kind is another provider. */
	m.kind = HTTP_PROVIDER_METRICS;
	assert_int_equal(http_registry_add(&r, &m), 0);
	bad.name = "api/x";
	assert_int_equal(http_registry_add(&r, &bad), -EINVAL);
	bad.name = NULL;
	assert_int_equal(http_registry_add(&r, &bad), -EINVAL);
	bad.name = "/x";
	bad.fn = NULL;
	assert_int_equal(http_registry_add(&r, &bad), -EINVAL);
	bad.fn = json_fails;
	bad.kind = HTTP_PROVIDER__COUNT;
	assert_int_equal(http_registry_add(&r, &bad), -EINVAL);
	assert_ptr_equal(http_registry_find(&r, HTTP_PROVIDER_JSON,
		DG_PL("/api/registrations")), &c);
	assert_ptr_equal(http_registry_find(&r, HTTP_PROVIDER_JSON,
		DG_PL("/api/dialogs")), &a);
	assert_null(http_registry_find(&r, HTTP_PROVIDER_JSON,
		DG_PL("/api/dialog")));
	assert_null(http_registry_find(&r, HTTP_PROVIDER_HEALTH,
		DG_PL("/api/dialogs")));
	/* Registration order is kept. */
	assert_ptr_equal(r.head[HTTP_PROVIDER_JSON], &a);
	assert_ptr_equal(a.next, &c);
	http_registry_remove(&r, &a);
	assert_null(http_registry_find(&r, HTTP_PROVIDER_JSON,
		DG_PL("/api/dialogs")));
	http_registry_remove(&r, &a);
	assert_int_equal(http_registry_add(&r, &b), 0);
	assert_ptr_equal(r.head[HTTP_PROVIDER_JSON], &c);
	assert_ptr_equal(c.next, &b);
}

/* A JSON provider answers its path; HEAD gets the head only. */
static void
test_json_provider(void **state)
{
	struct http_provider p = { .kind = HTTP_PROVIDER_JSON,
		.name = "/api/dialogs", .fn = json_dialogs };
	struct http_server srv;
	unsigned int calls = 0;
	struct answer a;
	bool keep;

	(void)state;
	p.arg = &calls;
	http_server_init(&srv, NULL);
	assert_int_equal(http_registry_add(http_server_registry(&srv), &p), 0);
	request(&srv, "GET /api/dialogs?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", &a,
		&keep);
	assert_int_equal(a.status, 200);
	assert_true(keep);
	assert_non_null(strstr(a.head, "Content-Type: application/json\r\n"));
	assert_non_null(strstr(a.head, "Connection: keep-alive\r\n"));
	/* Date in the IMF-fixdate form: "Date: Wed, 25 Nov 2026 15:08:35 GMT". */
	{
		const char *d = strstr(a.head, "\r\nDate: ");

		assert_non_null(d);
		assert_int_equal(strcspn(d + 8, "\r"), 29);
		assert_memory_equal(d + 8 + 26, "GMT", 3);
	}
	assert_string_equal(a.body,
		"{\"dialogs\":[{\"call_id\":\"a\\\"b@host\"}],\"calls\":1}\n");
	request(&srv, "HEAD /api/dialogs HTTP/1.1\r\nHost: h\r\n"
		"Connection: close\r\n\r\n", &a, &keep);
	assert_int_equal(a.status, 200);
	assert_false(keep);
	/* The length of the GET answer, {"dialogs":...,"calls":2} and LF. */
	assert_non_null(strstr(a.head, "Content-Length: 48\r\n"));
	assert_non_null(strstr(a.head, "Connection: close\r\n"));
	assert_int_equal(calls, 2);
	assert_int_equal(srv.stats.requests, 2);
}

/* Unknown paths 404, other methods 405 with Allow, failing provider 500. */
static void
test_errors(void **state)
{
	struct http_provider p = { .kind = HTTP_PROVIDER_JSON,
		.name = "/api/broken", .fn = json_fails };
	struct http_server srv;
	struct answer a;

	(void)state;
	http_server_init(&srv, NULL);
	assert_int_equal(http_registry_add(&srv.reg, &p), 0);
	request(&srv, "GET /api/media/sessions HTTP/1.1\r\nHost: h\r\n\r\n",
		&a, NULL);
	assert_int_equal(a.status, 404);
	assert_string_equal(a.body, "{\"error\":\"no such endpoint\","
		"\"status\":404,\"path\":\"/api/media/sessions\"}\n");
	assert_int_equal(srv.stats.not_found, 1);
	request(&srv, "DELETE /api/broken HTTP/1.1\r\nHost: h\r\n\r\n", &a,
		NULL);
	assert_int_equal(a.status, 405);
	assert_non_null(strstr(a.head, "\r\nAllow: GET, HEAD\r\n"));
	request(&srv, "GET /api/broken HTTP/1.1\r\nHost: h\r\n\r\n", &a, NULL);
	assert_int_equal(a.status, 500);
	assert_null(strstr(a.body, "half"));
	assert_non_null(strstr(a.body, "\"path\":\"/api/broken\""));
	assert_int_equal(srv.stats.provider_errors, 1);
}

/* /health: ready with every part up, 503 naming the parts down and why. */
static void
test_health(void **state)
{
	struct http_provider dp = { .kind = HTTP_PROVIDER_HEALTH,
		.name = "dataplane", .fn = health_up };
	struct http_provider redis = { .kind = HTTP_PROVIDER_HEALTH,
		.name = "redis", .fn = health_down };
	struct http_server srv;
	struct answer a;

	(void)state;
	http_server_init(&srv, NULL);
	request(&srv, "GET /health HTTP/1.1\r\nHost: h\r\n\r\n", &a, NULL);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.body, "{\"checks\":{},\"down\":[],\"node\":\"drongo\","
		"\"role\":\"edge\",\"status\":\"ready\"}\n");
	assert_int_equal(http_registry_add(&srv.reg, &dp), 0);
	request(&srv, "GET /health HTTP/1.1\r\nHost: h\r\n\r\n", &a, NULL);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.body, "\"dataplane\":{\"up\":true}"));
	assert_int_equal(http_registry_add(&srv.reg, &redis), 0);
	request(&srv, "GET /health HTTP/1.1\r\nHost: h\r\n\r\n", &a, NULL);
	assert_int_equal(a.status, 503);
	assert_string_equal(a.body, "{\"checks\":{\"dataplane\":{\"up\":true},"
		"\"redis\":{\"up\":false,\"reason\":\"redis 127.0.0.1:6379: "
		"\\\"connection refused\\\"\"}},\"down\":[\"redis\"],"
		"\"node\":\"drongo\",\"role\":\"edge\",\"status\":\"unavailable\"}\n");
	/* Liveness does not depend on the parts. */
	request(&srv, "GET /health/live HTTP/1.1\r\nHost: h\r\n\r\n", &a, NULL);
	assert_int_equal(a.status, 200);
}

/* /metrics: own counters, every provider, a failing provider left out. */
static void
test_metrics(void **state)
{
	struct http_provider ok = { .kind = HTTP_PROVIDER_METRICS,
		.name = "ok", .fn = metrics_ok };
	struct http_provider broken = { .kind = HTTP_PROVIDER_METRICS,
		.name = "broken", .fn = metrics_fails };
	struct http_server srv;
	struct answer a;
	char *line, *save;

	(void)state;
	http_server_init(&srv, NULL);
	assert_int_equal(http_registry_add(&srv.reg, &broken), 0);
	assert_int_equal(http_registry_add(&srv.reg, &ok), 0);
	request(&srv, "GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n", &a, NULL);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.head, "Content-Type: " HTTP_EXPO_CONTENT_TYPE));
	assert_non_null(strstr(a.body, "\ndrongo_http_requests_total 1\n"));
	assert_non_null(strstr(a.body, "# TYPE drongo_http_connections gauge\n"));
	assert_non_null(strstr(a.body, "# HELP drongo_test_things_total things\n"
		"# TYPE drongo_test_things_total counter\n"
		"drongo_test_things_total 42\n"));
	assert_null(strstr(a.body, "broken"));
	assert_int_equal(srv.stats.provider_errors, 1);
	/* Every sample line is "name value" with a valid name. */
	for (line = strtok_r(a.body, "\n", &save); line != NULL;
			line = strtok_r(NULL, "\n", &save)) {
		char *sp;

		if (line[0] == '#')
			continue;
		sp = strchr(line, ' ');
		assert_non_null(sp);
		*sp = '\0';
		assert_true(http_expo_name_ok(line));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_json_provider),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_metrics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
