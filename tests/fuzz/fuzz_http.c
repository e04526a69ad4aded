/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzer of the HTTP request parser and the answers built from it. On
 * every input: a success lies within the input with every view inside the
 * head, parsing the head alone gives the same length, its proper prefixes
 * (sampled) need more, and the answer's Content-Length is its body's
 * length; a refusal carries one of the statuses the server sends and a
 * reason; "need more" never comes past the head limit. The JSON escaper
 * never lets a control byte through.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_json.h"
#include "http_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_in(struct dg_pl pl, const uint8_t *buf, size_t len)
{
	const char *b = (const char *)buf;

	if (pl.p == NULL)
		return;
	if (pl.p < b || pl.len > len || (size_t)(pl.p - b) > len - pl.len)
		abort();
}

static int
fuzz_json(void *arg, struct http_buf *out)
{
	struct http_json j;

	(void)arg;
	http_json_init(&j, out);
	http_json_obj_begin(&j);
	http_json_key(&j, "ok");
	http_json_bool(&j, true);
	http_json_obj_end(&j);
	return 0;
}

static void
check_answer(const struct http_req *req)
{
	static struct http_provider p = { .kind = HTTP_PROVIDER_JSON,
		.name = "/api/x", .fn = fuzz_json };
	static struct http_server srv;
	static bool ready;
	struct http_buf out;
	const char *end, *cl;
	size_t head;

	if (!ready) {
		http_server_init(&srv, NULL);
		if (http_registry_add(&srv.reg, &p) < 0)
			abort();
		ready = true;
	}
	http_buf_init(&out, 1 << 20);
	(void)http_server_respond(&srv, req, &out);
	http_buf_add(&out, "", 1);
	if (out.err != 0 || memcmp(out.p, "HTTP/1.1 ", 9) != 0)
		abort();
	end = strstr(out.p, "\r\n\r\n");
	cl = strstr(out.p, "\r\nContent-Length: ");
	if (end == NULL || cl == NULL || cl > end)
		abort();
	head = (size_t)(end - out.p) + 4;
	if (req->m != HTTP_METHOD_HEAD &&
			(size_t)strtoul(cl + 18, NULL, 10) != out.len - 1 - head)
		abort();
	if (req->m == HTTP_METHOD_HEAD && out.len - 1 != head)
		abort();
	http_buf_fini(&out);
}

static void
check_ok(const uint8_t *buf, size_t size, const struct http_req *req,
		int ret)
{
	size_t n = (size_t)ret, cut[3], i;
	struct http_req again;

	if (n > size || n > HTTP_HEAD_MAX || req->n_hdrs > HTTP_HDRS_MAX ||
			req->content_length > HTTP_BODY_MAX || req->minor > 9)
		abort();
	check_in(req->method, buf, n);
	check_in(req->target, buf, n);
	check_in(req->query, buf, n);
	if (req->path.p != NULL && req->path.p[0] != '*' &&
			req->path.p[0] != '/')
		abort();
	for (i = 0; i < req->n_hdrs; i++) {
		check_in(req->hdrs[i].name, buf, n);
		check_in(req->hdrs[i].value, buf, n);
		if (req->hdrs[i].name.len == 0)
			abort();
	}
	if (http_req_parse(buf, n, &again) != ret)
		abort();
	cut[0] = n - 1;
	cut[1] = n / 2;
	cut[2] = size > 0 ? buf[0] % n : 0;
	for (i = 0; i < 3; i++)
		if (http_req_parse(buf, cut[i], &again) != -EAGAIN)
			abort();
	check_answer(req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req req;
	struct http_buf b;
	uint8_t *buf;
	size_t i;
	int ret;

	/* An exact-size copy, so a read past the end is caught. */
	buf = malloc(size != 0 ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	ret = http_req_parse(buf, size, &req);
	if (ret > 0) {
		check_ok(buf, size, &req, ret);
	} else if (ret == -EBADMSG) {
		if (req.reason == NULL || (req.status != 400 &&
				req.status != 413 && req.status != 414 &&
				req.status != 431 && req.status != 501 &&
				req.status != 505))
			abort();
	} else if (ret != -EAGAIN || size >= HTTP_HEAD_MAX) {
		abort();
	}
	http_buf_init(&b, 8 * size + 16);
	http_json_escape(&b, (const char *)buf, size);
	for (i = 0; i < b.len; i++)
		if ((unsigned char)b.p[i] < 0x20 || b.p[i] == 0x7f)
			abort();
	http_buf_fini(&b);
	free(buf);
	return 0;
}
