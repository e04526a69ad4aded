/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP request parser against a table of requests with the result
 * expected of each (head length, method, path, query, version, persistence,
 * body length, or the refusal's status). Inputs sit flush against a guard
 * page, so a read past the end faults; every proper prefix of a valid
 * request must report "need more", never an error or a false success.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "http_parse.h"

/* One page of data followed by an inaccessible page. */
struct guard {
	uint8_t *map;
	size_t page;
	size_t cap;
};

static void
guard_init(struct guard *g, size_t need)
{
	g->page = (size_t)sysconf(_SC_PAGESIZE);
	g->cap = (need + g->page - 1) / g->page * g->page;
	if (g->cap == 0)
		g->cap = g->page;
	g->map = mmap(NULL, g->cap + g->page, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g->map != MAP_FAILED);
	assert_int_equal(mprotect(g->map + g->cap, g->page, PROT_NONE), 0);
}

static void
guard_fini(struct guard *g)
{
	munmap(g->map, g->cap + g->page);
}

/* Copies len bytes so they end at the guard page. */
static const uint8_t *
guard_put(struct guard *g, const void *data, size_t len)
{
	assert_true(len <= g->cap);
	memcpy(g->map + g->cap - len, data, len);
	return g->map + g->cap - len;
}

static int
parse_guarded(const char *text, size_t len, struct http_req *req)
{
	struct guard g;
	int ret;

	guard_init(&g, len);
	ret = http_req_parse(guard_put(&g, text, len), len, req);
	guard_fini(&g);
	return ret;
}

struct good {
	const char *text;
	size_t head;		/* 0: the whole text */
	enum http_method m;
	const char *path;
	const char *query;	/* NULL: none */
	unsigned int minor;
	bool keep_alive;
	uint64_t content_length;
	unsigned int n_hdrs;
};

static const struct good goods[] = {
	{ "GET /health HTTP/1.1\r\nHost: a\r\n\r\n", 0, HTTP_METHOD_GET,
		"/health", NULL, 1, true, 0, 1 },
	{ "HEAD /metrics?x=1&y HTTP/1.1\r\nHost: a\r\n\r\n", 0,
		HTTP_METHOD_HEAD, "/metrics", "x=1&y", 1, true, 0, 1 },
	/* HTTP/1.0 closes unless asked to keep the connection; Host optional. */
	{ "GET / HTTP/1.0\r\n\r\n", 0, HTTP_METHOD_GET, "/", NULL, 0, false,
		0, 0 },
	{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 0,
		HTTP_METHOD_GET, "/", NULL, 0, true, 0, 1 },
	/* close wins, wherever it is in the list. */
	{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive , CLOSE\r\n\r\n",
		0, HTTP_METHOD_GET, "/", NULL, 1, false, 0, 2 },
	/* Field values lose their OWS; names are case-insensitive. */
	{ "GET /a HTTP/1.1\r\nhOST:\t a.example \t\r\ncontent-length: 5\r\n\r\nhello",
		sizeof("GET /a HTTP/1.1\r\nhOST:\t a.example \t\r\ncontent-length: 5\r\n\r\n") - 1,
		HTTP_METHOD_GET, "/a", NULL, 1, true, 5, 2 },
	/* Two equal Content-Length fields are one. */
	{ "GET /a HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
		0, HTTP_METHOD_GET, "/a", NULL, 1, true, 0, 3 },
	/* Absolute form: the authority goes, the path stays. */
	{ "GET http://h.example:8080/api/dialogs?q HTTP/1.1\r\nHost: h\r\n\r\n",
		0, HTTP_METHOD_GET, "/api/dialogs", "q", 1, true, 0, 1 },
	{ "GET http://h.example HTTP/1.1\r\nHost: h\r\n\r\n", 0,
		HTTP_METHOD_GET, "/", NULL, 1, true, 0, 1 },
	/* A later 1.x minor is served as 1.1. */
	{ "GET / HTTP/1.9\r\nHost: a\r\n\r\n", 0, HTTP_METHOD_GET, "/", NULL,
		9, true, 0, 1 },
	/* Other methods parse (the server answers them 405). */
	{ "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n", 0,
		HTTP_METHOD_OTHER, "/x", NULL, 1, true, 3, 2 },
	{ "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 0, HTTP_METHOD_OTHER, "*",
		NULL, 1, true, 0, 1 },
	/* "get" is not GET: methods are case-sensitive. */
	{ "get / HTTP/1.1\r\nHost: a\r\n\r\n", 0, HTTP_METHOD_OTHER, "/",
		NULL, 1, true, 0, 1 },
	/* obs-text in a value, empty value. */
	{ "GET / HTTP/1.1\r\nHost: a\r\nX-N: caf\xc3\xa9\r\nX-E:\r\n\r\n", 0,
		HTTP_METHOD_GET, "/", NULL, 1, true, 0, 3 },
};

static void
check_good(const struct good *t, const struct http_req *req, int ret)
{
	size_t head = t->head != 0 ? t->head : strlen(t->text);

	if (ret != (int)head)
		fail_msg("%s: returned %d (%u %s), expected %zu", t->text, ret,
			req->status, req->reason != NULL ? req->reason : "",
			head);
	assert_int_equal(req->m, t->m);
	assert_int_equal(req->path.len, strlen(t->path));
	assert_memory_equal(req->path.p, t->path, req->path.len);
	if (t->query == NULL) {
		assert_false(dg_pl_isset(req->query));
	} else {
		assert_int_equal(req->query.len, strlen(t->query));
		assert_memory_equal(req->query.p, t->query, req->query.len);
	}
	assert_int_equal(req->minor, t->minor);
	assert_int_equal(req->keep_alive, t->keep_alive);
	assert_int_equal(req->content_length, t->content_length);
	assert_int_equal(req->n_hdrs, t->n_hdrs);
}

/* Each valid request parses to the expected values. */
static void
test_good_requests(void **state)
{
	struct http_req req;
	const uint8_t *p;
	struct guard g;
	unsigned int i;
	size_t len;

	(void)state;
	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		/* The views must stay readable while they are checked. */
		len = strlen(goods[i].text);
		guard_init(&g, len);
		p = guard_put(&g, goods[i].text, len);
		check_good(&goods[i], &req, http_req_parse(p, len, &req));
		guard_fini(&g);
	}
}

/* Views point into the buffer: a header's value is found by name. */
static void
test_views_in_buffer(void **state)
{
	static const char text[] =
		"GET /x HTTP/1.1\r\nHost: h.example\r\nUser-Agent: probe/1\r\n\r\n";
	struct http_req req;
	struct dg_pl v;

	(void)state;
	assert_int_equal(http_req_parse((const uint8_t *)text, sizeof(text) - 1,
		&req), (int)sizeof(text) - 1);
	v = http_req_hdr(&req, "user-agent");
	assert_true(v.p >= text && v.p + v.len <= text + sizeof(text) - 1);
	assert_int_equal(v.len, 7);
	assert_memory_equal(v.p, "probe/1", 7);
	assert_true(req.method.p == text);
	assert_false(dg_pl_isset(http_req_hdr(&req, "Cookie")));
}

/* Every proper prefix of every valid request asks for more input. */
static void
test_prefixes_need_more(void **state)
{
	struct http_req req;
	unsigned int i;
	size_t n, head;
	int ret;

	(void)state;
	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		head = goods[i].head != 0 ? goods[i].head :
			strlen(goods[i].text);
		for (n = 0; n < head; n++) {
			ret = parse_guarded(goods[i].text, n, &req);
			if (ret != -EAGAIN)
				fail_msg("%s: prefix %zu returned %d (%s)",
					goods[i].text, n, ret,
					req.reason != NULL ? req.reason : "");
		}
	}
}

struct bad {
	const char *text;
	uint16_t status;
};

static const struct bad bads[] = {
	{ "GET /x HTTP/1.1\r\n\r\n", 400 },			/* no Host */
	{ "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
	{ "GET /x HTTP/2.0\r\nHost: a\r\n\r\n", 505 },
	{ "GET /x HTTP/0.9\r\n\r\n", 505 },
	{ "GET /x HTTP/1.1 \r\nHost: a\r\n\r\n", 400 },	/* space after version */
	{ "GET /x HTTP/11\r\n", 400 },
	{ "GET /x http/1.1\r\n", 400 },
	{ "GET  /x HTTP/1.1\r\n", 400 },			/* double space */
	{ "GET /x\r\n\r\n", 400 },				/* HTTP/0.9 form */
	{ "G(T / HTTP/1.1\r\n", 400 },
	{ " GET / HTTP/1.1\r\n", 400 },
	{ "GET x HTTP/1.1\r\nHost: a\r\n\r\n", 400 },	/* not origin form */
	{ "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
	{ "GET /\x01 HTTP/1.1\r\n", 400 },
	{ "GET / HTTP/1.1\nHost: a\n\n", 400 },		/* bare LF */
	{ "GET / HTTP/1.1\rX", 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400 },	/* space before colon */
	{ "GET / HTTP/1.1\r\n: a\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nX: y\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\n\rx", 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 4097\r\n\r\n", 413 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 501 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 501 },
};

/* Malformed and unsupported requests are refused with the right status. */
static void
test_bad_requests(void **state)
{
	struct http_req req;
	unsigned int i;
	int ret;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		ret = parse_guarded(bads[i].text, strlen(bads[i].text), &req);
		if (ret != -EBADMSG || req.status != bads[i].status)
			fail_msg("%s: returned %d status %u, expected %u",
				bads[i].text, ret, req.status, bads[i].status);
		assert_non_null(req.reason);
	}
}

/* A bad byte is refused as soon as it arrives, before the head ends. */
static void
test_early_refusal(void **state)
{
	struct http_req req;

	(void)state;
	assert_int_equal(parse_guarded("G\x01", 2, &req), -EBADMSG);
	assert_int_equal(req.status, 400);
	assert_int_equal(parse_guarded("GET / HTTP/2", 12, &req), -EAGAIN);
	assert_int_equal(parse_guarded("GET / HTTP/2.0\r\n", 16, &req),
		-EBADMSG);
	assert_int_equal(req.status, 505);
	assert_int_equal(parse_guarded("GET / HTTP/1.1\r\nHo st", 21, &req),
		-EBADMSG);
	assert_int_equal(req.status, 400);
}

/* Size limits: target 414, head 431, field count 431, all on partial input. */
static void
test_limits(void **state)
{
	size_t n = HTTP_HEAD_MAX + 64, len;
	struct http_req req;
	unsigned int i;
	char *buf;

	(void)state;
	buf = malloc(n + 1);
	assert_non_null(buf);
	/* The longest target passes. */
	len = (size_t)snprintf(buf, n, "GET /");
	memset(buf + len, 'a', HTTP_TARGET_MAX - 1);
	len += HTTP_TARGET_MAX - 1;
	len += (size_t)snprintf(buf + len, n - len, " HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_int_equal(parse_guarded(buf, len, &req), (int)len);
	assert_int_equal(req.path.len, HTTP_TARGET_MAX);
	/* One more byte of target is 414, even with no end in sight. */
	len = (size_t)snprintf(buf, n, "GET /");
	memset(buf + len, 'a', HTTP_TARGET_MAX);
	len += HTTP_TARGET_MAX;
	assert_int_equal(parse_guarded(buf, len, &req), -EBADMSG);
	assert_int_equal(req.status, 414);
	/* A head one byte over the limit: 431. */
	len = (size_t)snprintf(buf, n, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	memset(buf + len, 'v', HTTP_HEAD_MAX - len - 3);
	len = HTTP_HEAD_MAX - 3;
	memcpy(buf + len, "\r\n\r\n", 4);
	assert_int_equal(parse_guarded(buf, len + 4, &req), -EBADMSG);
	assert_int_equal(req.status, 431);
	/* Exactly at the limit it passes. */
	memcpy(buf + len - 1, "\r\n\r\n", 4);
	assert_int_equal(parse_guarded(buf, len + 3, &req), (int)len + 3);
	/* A header line that never ends: 431 once the limit is reached. */
	len = (size_t)snprintf(buf, n, "GET / HTTP/1.1\r\nX: ");
	memset(buf + len, 'v', n - len);
	assert_int_equal(parse_guarded(buf, HTTP_HEAD_MAX - 1, &req), -EAGAIN);
	assert_int_equal(parse_guarded(buf, HTTP_HEAD_MAX, &req), -EBADMSG);
	assert_int_equal(req.status, 431);
	/* HTTP_HDRS_MAX fields pass, one more is 431. */
	len = (size_t)snprintf(buf, n, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 1; i < HTTP_HDRS_MAX; i++)
		len += (size_t)snprintf(buf + len, n - len, "X%u: y\r\n", i);
	memcpy(buf + len, "\r\n", 2);
	assert_int_equal(parse_guarded(buf, len + 2, &req), (int)len + 2);
	assert_int_equal(req.n_hdrs, HTTP_HDRS_MAX);
	len += (size_t)snprintf(buf + len, n - len, "Z: y\r\n\r\n");
	assert_int_equal(parse_guarded(buf, len, &req), -EBADMSG);
	assert_int_equal(req.status, 431);
	free(buf);
}

/* Bytes after the head (a body, a pipelined request) are not consumed. */
static void
test_pipelined(void **state)
{
	static const char two[] =
		"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n";
	struct http_req req;
	int ret;

	(void)state;
	ret = http_req_parse((const uint8_t *)two, sizeof(two) - 1, &req);
	assert_int_equal(ret, (sizeof(two) - 1) / 2);
	assert_true(dg_pl_eq(req.path, DG_PL("/a")));
	ret = http_req_parse((const uint8_t *)two + ret,
		sizeof(two) - 1 - (size_t)ret, &req);
	assert_int_equal(ret, (sizeof(two) - 1) / 2);
	assert_true(dg_pl_eq(req.path, DG_PL("/b")));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_requests),
		cmocka_unit_test(test_views_in_buffer),
		cmocka_unit_test(test_prefixes_need_more),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_early_refusal),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_pipelined),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
