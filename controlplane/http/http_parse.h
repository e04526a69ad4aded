/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zero-copy parser of an HTTP/1.1 request head (RFC 9112): request line,
 * header fields, Content-Length and the connection options the server
 * needs. The parsed request is the receive buffer plus views into it. A
 * stream parser: a head that is not complete yet reports "need more", and
 * every refusal carries the status the server answers with (400, 413, 414,
 * 431, 501, 505) and a short reason for the body of that answer.
 */
#ifndef DRONGO_CONTROLPLANE_HTTP_HTTP_PARSE_H
#define DRONGO_CONTROLPLANE_HTTP_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_pl.h"

/** Longest request target (longer: 414). */
#define HTTP_TARGET_MAX 2048
/** Longest request head, request line to the empty line (longer: 431). */
#define HTTP_HEAD_MAX 8192
/** Most header fields in one request (more: 431). */
#define HTTP_HDRS_MAX 32
/** Largest request body accepted and discarded (larger: 413). */
#define HTTP_BODY_MAX 4096

/** Request methods the parser tells apart; the server serves GET and HEAD. */
enum http_method {
	HTTP_METHOD_GET,
	HTTP_METHOD_HEAD,
	HTTP_METHOD_OTHER,
};

/** One header field: views of the name and of the value without OWS. */
struct http_hdr {
	struct dg_pl name;
	struct dg_pl value;
};

/** A parsed request head; every view points into the parsed buffer. */
struct http_req {
	struct dg_pl method;
	enum http_method m;
	struct dg_pl target;		/* as sent */
	struct dg_pl path;		/* target up to '?' */
	struct dg_pl query;		/* after '?', unset when none */
	unsigned int minor;		/* HTTP/1.<minor> */
	struct http_hdr hdrs[HTTP_HDRS_MAX];
	unsigned int n_hdrs;
	uint64_t content_length;	/* 0 when absent */
	bool keep_alive;		/* after the version default and Connection */
	/* Set with -EBADMSG: the status to answer and why. */
	uint16_t status;
	const char *reason;
};

/**
 * Parse the request head at the start of buf.
 *
 * @return the length of the head (through the empty line; the body, if
 *         any, follows), -EAGAIN when buf holds a proper prefix of a head
 *         that may still be valid, -EBADMSG when it cannot become one
 *         (req->status and req->reason say why).
 */
int http_req_parse(const uint8_t *buf, size_t len, struct http_req *req);

/**
 * The value of the first header field named name (case-insensitive).
 *
 * @return the view, unset (dg_pl_isset() false) when absent.
 */
struct dg_pl http_req_hdr(const struct http_req *req, const char *name);

#endif
