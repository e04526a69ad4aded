/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The answers of the HTTP server: routing a parsed request to the built-in
 * endpoints and the providers, and the error answers of requests that did
 * not parse. Used by http_server.c; the entry point for tests is
 * http_server_respond().
 */
#ifndef DRONGO_CONTROLPLANE_HTTP_HTTP_ROUTE_H
#define DRONGO_CONTROLPLANE_HTTP_HTTP_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "http_buf.h"

struct http_server;

/**
 * A complete error answer: status line, JSON body {"error": reason,
 * "status": n}, and "Connection: close" unless keep is true.
 */
void http_route_error(struct http_server *srv, uint16_t status,
		const char *reason, bool head, bool keep, struct http_buf *out);

/** The reason phrase of a status code this server sends. */
const char *http_route_phrase(uint16_t status);

#endif
