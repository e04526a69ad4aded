/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.1 request head parser. It walks the buffer once, checking each
 * byte against the grammar of RFC 9112 as it goes, so a head that cannot
 * become valid is refused as soon as the offending byte arrives, while a
 * head cut short anywhere reports -EAGAIN. Limits are checked on partial
 * input too, so a client cannot make the server hold an endless line.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http_parse.h"

/* Longest method name: every method worth a 405 fits. */
#define HTTP_METHOD_MAX 32

static bool
http_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			(c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field value bytes: VCHAR, SP, HTAB and obs-text. */
static bool
http_vchar(unsigned char c)
{
	return c == ' ' || c == '\t' || (c > 0x20 && c != 0x7f);
}

static int
http_bad(struct http_req *req, uint16_t status, const char *reason)
{
	req->status = status;
	req->reason = reason;
	return -EBADMSG;
}

/* Out of input: a prefix, unless it has already outgrown the limit. */
static int
http_more(struct http_req *req, size_t len)
{
	if (len >= HTTP_HEAD_MAX)
		return http_bad(req, 431, "request head too large");
	return -EAGAIN;
}

/* Splits the target into path and query; absolute-form loses its authority. */
static int
http_target(struct http_req *req)
{
	const char *p = req->target.p;
	size_t n = req->target.len, i;
	const char *q;

	if (n >= 7 && strncasecmp(p, "http://", 7) == 0) {
		for (i = 7; i < n && p[i] != '/' && p[i] != '?'; i++)
			;
		if (i == 7)
			return http_bad(req, 400, "absolute target without a host");
		p += i;
		n -= i;
		if (n == 0) {
			/* "http://host" means the root. */
			req->path = DG_PL("/");
			return 0;
		}
		if (*p == '?') {
			req->path = DG_PL("/");
			req->query = (struct dg_pl){ p + 1, n - 1 };
			return 0;
		}
	} else if (!(n == 1 && p[0] == '*') && p[0] != '/') {
		return http_bad(req, 400, "bad request target");
	}
	q = memchr(p, '?', n);
	if (q == NULL) {
		req->path = (struct dg_pl){ p, n };
		return 0;
	}
	req->path = (struct dg_pl){ p, (size_t)(q - p) };
	req->query = (struct dg_pl){ q + 1, n - (size_t)(q - p) - 1 };
	return 0;
}

/* "METHOD SP target SP HTTP/1.1 CRLF"; *pos is left after the CRLF. */
static int
http_request_line(const char *s, size_t len, struct http_req *req,
		size_t *pos)
{
	static const char proto[] = "HTTP/";
	size_t i = 0, start, k;

	while (i < len && http_tchar((unsigned char)s[i])) {
		if (++i > HTTP_METHOD_MAX)
			return http_bad(req, 400, "method too long");
	}
	if (i == len)
		return http_more(req, len);
	if (s[i] != ' ' || i == 0)
		return http_bad(req, 400, "bad method");
	req->method = (struct dg_pl){ s, i };
	if (dg_pl_eq(req->method, DG_PL("GET")))
		req->m = HTTP_METHOD_GET;
	else if (dg_pl_eq(req->method, DG_PL("HEAD")))
		req->m = HTTP_METHOD_HEAD;
	else
		req->m = HTTP_METHOD_OTHER;
	start = ++i;
	while (i < len && s[i] > 0x20 && s[i] < 0x7f) {
		if (++i - start > HTTP_TARGET_MAX)
			return http_bad(req, 414, "request target too long");
	}
	if (i == len)
		return http_more(req, len);
	if (s[i] != ' ' || i == start)
		return http_bad(req, 400, "bad request target");
	req->target = (struct dg_pl){ s + start, i - start };
	i++;
	/* HTTP-version = "HTTP/" DIGIT "." DIGIT, byte by byte. */
	for (k = 0; k < 8; k++, i++) {
		unsigned char c;

		if (i == len)
			return http_more(req, len);
		c = (unsigned char)s[i];
		if (k < 5 ? c != (unsigned char)proto[k] :
				k == 6 ? c != '.' : (c < '0' || c > '9'))
			return http_bad(req, 400, "bad HTTP version");
	}
	if (i == len)
		return http_more(req, len);
	if (s[i] != '\r')
		return http_bad(req, 400, "bad HTTP version");
	if (++i == len)
		return http_more(req, len);
	if (s[i] != '\n')
		return http_bad(req, 400, "CR without LF");
	/* i is at the LF: major and minor digits sit 4 and 2 before it. */
	if (s[i - 4] != '1')
		return http_bad(req, 505, "only HTTP/1.x is served");
	req->minor = (unsigned int)(s[i - 2] - '0');
	*pos = i + 1;
	return http_target(req);
}

/* One "name: value CRLF" line at *pos. */
static int
http_header_line(const char *s, size_t len, struct http_req *req,
		size_t *pos)
{
	size_t i = *pos, start = *pos, vstart, vend;
	struct http_hdr *h;

	while (i < len && http_tchar((unsigned char)s[i]))
		i++;
	if (i == len)
		return http_more(req, len);
	if (s[i] != ':' || i == start)
		return http_bad(req, 400, "bad header field name");
	if (req->n_hdrs == HTTP_HDRS_MAX)
		return http_bad(req, 431, "too many header fields");
	h = &req->hdrs[req->n_hdrs];
	h->name = (struct dg_pl){ s + start, i - start };
	i++;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	vstart = vend = i;
	while (i < len && http_vchar((unsigned char)s[i])) {
		if (s[i] != ' ' && s[i] != '\t')
			vend = i + 1;
		i++;
	}
	if (i == len)
		return http_more(req, len);
	if (s[i] != '\r')
		return http_bad(req, 400, "bad byte in a header field value");
	if (++i == len)
		return http_more(req, len);
	if (s[i] != '\n')
		return http_bad(req, 400, "CR without LF");
	h->value = (struct dg_pl){ s + vstart, vend - vstart };
	req->n_hdrs++;
	*pos = i + 1;
	if (*pos > HTTP_HEAD_MAX)
		return http_bad(req, 431, "request head too large");
	return 0;
}

static int
http_content_length(struct http_req *req, struct dg_pl v, bool *seen)
{
	uint64_t n = 0;
	size_t i;

	if (v.len == 0)
		return http_bad(req, 400, "empty Content-Length");
	for (i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return http_bad(req, 400, "bad Content-Length");
		if (n > HTTP_BODY_MAX)
			continue;
		n = n * 10 + (uint64_t)(v.p[i] - '0');
	}
	if (*seen && n != req->content_length)
		return http_bad(req, 400, "conflicting Content-Length fields");
	*seen = true;
	req->content_length = n;
	return 0;
}

/* Connection options: comma-separated tokens, "close" wins. */
static void
http_connection(struct http_req *req, struct dg_pl v, bool *close_seen)
{
	size_t i = 0, start, end;
	struct dg_pl tok;

	while (i < v.len) {
		while (i < v.len && (v.p[i] == ',' || v.p[i] == ' ' ||
				v.p[i] == '\t'))
			i++;
		start = i;
		while (i < v.len && v.p[i] != ',')
			i++;
		end = i;
		while (end > start && (v.p[end - 1] == ' ' ||
				v.p[end - 1] == '\t'))
			end--;
		tok = (struct dg_pl){ v.p + start, end - start };
		if (dg_pl_eq_str_nocase(tok, "close"))
			*close_seen = true;
		else if (dg_pl_eq_str_nocase(tok, "keep-alive"))
			req->keep_alive = true;
	}
}

/* What the fields mean together: framing, Host, persistence. */
static int
http_fields(struct http_req *req)
{
	bool cl_seen = false, close_seen = false;
	unsigned int hosts = 0, i;
	int err;

	req->keep_alive = req->minor >= 1;
	for (i = 0; i < req->n_hdrs; i++) {
		const struct http_hdr *h = &req->hdrs[i];

		if (dg_pl_eq_str_nocase(h->name, "Host")) {
			hosts++;
		} else if (dg_pl_eq_str_nocase(h->name, "Content-Length")) {
			err = http_content_length(req, h->value, &cl_seen);
			if (err < 0)
				return err;
		} else if (dg_pl_eq_str_nocase(h->name, "Transfer-Encoding")) {
			/* Framing we do not do; with Content-Length, smuggling. */
			return http_bad(req, 501,
				"transfer codings are not supported");
		} else if (dg_pl_eq_str_nocase(h->name, "Connection")) {
			http_connection(req, h->value, &close_seen);
		}
	}
	if (close_seen)
		req->keep_alive = false;
	if (hosts > 1)
		return http_bad(req, 400, "more than one Host field");
	if (hosts == 0 && req->minor >= 1)
		return http_bad(req, 400, "HTTP/1.1 request without Host");
	if (req->content_length > HTTP_BODY_MAX)
		return http_bad(req, 413, "request body too large");
	return 0;
}

int
http_req_parse(const uint8_t *buf, size_t len, struct http_req *req)
{
	const char *s = (const char *)buf;
	size_t pos = 0;
	int err;

	memset(req, 0, sizeof(*req));
	err = http_request_line(s, len, req, &pos);
	if (err < 0)
		return err;
	for (;;) {
		if (pos == len)
			return http_more(req, len);
		if (s[pos] == '\r') {
			if (pos + 1 == len)
				return http_more(req, len);
			if (s[pos + 1] != '\n')
				return http_bad(req, 400, "CR without LF");
			pos += 2;
			break;
		}
		if (s[pos] == ' ' || s[pos] == '\t')
			return http_bad(req, 400, "folded header field (obs-fold)");
		err = http_header_line(s, len, req, &pos);
		if (err < 0)
			return err;
	}
	if (pos > HTTP_HEAD_MAX)
		return http_bad(req, 431, "request head too large");
	err = http_fields(req);
	if (err < 0)
		return err;
	return (int)pos;
}

struct dg_pl
http_req_hdr(const struct http_req *req, const char *name)
{
	unsigned int i;

	for (i = 0; i < req->n_hdrs; i++)
		if (dg_pl_eq_str_nocase(req->hdrs[i].name, name))
			return req->hdrs[i].value;
	return DG_PL_NULL;
}
