/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocation failures while answering: the n-th allocation made while
 * /metrics, /health or a JSON provider is answered fails, for n = 1, 2,
 * ... until the answer is built without a failure. Every failure must end
 * in either a complete answer (the page, or a 500 saying memory ran out)
 * or the output buffer's error (the connection is then closed), never a
 * truncated answer; the sanitizer build checks that nothing leaks.
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

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

static unsigned long alloc_count;
static unsigned long fail_at;

static bool
alloc_fails(void)
{
	return fail_at != 0 && ++alloc_count == fail_at;
}

void *
__wrap_malloc(size_t size)
{
	return alloc_fails() ? NULL : __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t size)
{
	return alloc_fails() ? NULL : __real_realloc(p, size);
}

/* Enough families that the body grows several times. */
static int
many_metrics(void *arg, struct http_buf *out)
{
	struct http_label l = { "worker", "0" };
	char name[64];
	unsigned int i;

	(void)arg;
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "drongo_test_%u_total", i);
		http_expo_family(out, name, "counter", "a counter of the test");
		http_expo_sample(out, name, &l, 1, i);
	}
	return out->err;
}

static int
big_json(void *arg, struct http_buf *out)
{
	struct http_json j;
	unsigned int i;

	(void)arg;
	http_json_init(&j, out);
	http_json_arr_begin(&j);
	for (i = 0; i < 500; i++) {
		http_json_obj_begin(&j);
		http_json_key(&j, "call_id");
		http_json_str(&j, "0123456789abcdef@host.example");
		http_json_obj_end(&j);
	}
	http_json_arr_end(&j);
	return out->err;
}

static int
down(void *arg, struct http_buf *out)
{
	(void)arg;
	http_buf_str(out, "not reachable");
	return -ENOTCONN;
}

static void
each_failure(struct http_server *srv, const char *text, unsigned int ok)
{
	struct http_buf out;
	struct http_req req;
	unsigned long n;
	unsigned int status;
	bool done = false;

	assert_true(http_req_parse((const uint8_t *)text, strlen(text),
		&req) > 0);
	for (n = 1; !done && n < 100000; n++) {
		http_buf_init(&out, 1 << 22);
		alloc_count = 0;
		fail_at = n;
		(void)http_server_respond(srv, &req, &out);
		done = alloc_count < n;
		fail_at = 0;
		if (out.err != 0) {
			assert_int_equal(out.err, -ENOMEM);
			http_buf_fini(&out);
			continue;
		}
		assert_true(out.len > 12);
		assert_memory_equal(out.p, "HTTP/1.1 ", 9);
		status = (unsigned int)atoi(out.p + 9);
		if (done)
			assert_int_equal(status, ok);
		else if (status != ok)
			assert_int_equal(status, 500);
		assert_non_null(strstr(out.p, "\r\n\r\n"));
		http_buf_fini(&out);
	}
	assert_true(done);
	/* Some allocation was made, so some failure was tried. */
	assert_true(n > 2);
}

/* Each page survives each allocation failing, and then is whole. */
static void
test_each_allocation_fails_cleanly(void **state)
{
	struct http_provider m = { .kind = HTTP_PROVIDER_METRICS,
		.name = "m", .fn = many_metrics };
	struct http_provider j = { .kind = HTTP_PROVIDER_JSON,
		.name = "/api/dialogs", .fn = big_json };
	struct http_provider h = { .kind = HTTP_PROVIDER_HEALTH,
		.name = "dataplane", .fn = down };
	struct http_server srv;

	(void)state;
	http_server_init(&srv, NULL);
	assert_int_equal(http_registry_add(&srv.reg, &m), 0);
	assert_int_equal(http_registry_add(&srv.reg, &j), 0);
	assert_int_equal(http_registry_add(&srv.reg, &h), 0);
	each_failure(&srv, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200);
	each_failure(&srv, "GET /api/dialogs HTTP/1.1\r\nHost: x\r\n\r\n", 200);
	each_failure(&srv, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", 503);
	each_failure(&srv, "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", 404);
	each_failure(&srv, "PUT /x HTTP/1.1\r\nHost: x\r\n\r\n", 405);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_allocation_fails_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
