/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The operators' HTTP/1.1 server on the control plane's io_uring loop:
 * /health/live (200 while the loop turns), /health (200 when every HEALTH
 * provider is up, else 503 naming the parts that are down), /metrics
 * (Prometheus text: the server's own counters and every METRICS
 * provider), and the JSON providers' paths. GET and HEAD only; keep-alive;
 * connections bounded in number; a request must arrive complete within
 * the idle timeout of the connection's last answer (or of its accept), so
 * a slow or silent client cannot hold a connection.
 */
#ifndef DRONGO_CONTROLPLANE_HTTP_HTTP_SERVER_H
#define DRONGO_CONTROLPLANE_HTTP_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "http_buf.h"
#include "http_parse.h"
#include "http_provider.h"
#include "uring_loop.h"

#define HTTP_MAX_LISTEN 8
/** Largest response body (a /metrics of many workers fits). */
#define HTTP_BODY_OUT_MAX (4u << 20)
/** Receive buffer of a connection: a full head plus the largest body. */
#define HTTP_IN_MAX (HTTP_HEAD_MAX + HTTP_BODY_MAX)
/** Longest wait for a client to close after our last answer. */
#define HTTP_DRAIN_MS 1000
/** Pause before accepting again after an accept error. */
#define HTTP_ACCEPT_RETRY_MS 100

/** Counters of the server; written by the loop thread only. */
#define HTTP_SERVER_STATS(X) \
	X(accepted, "drongo_http_accepted_total", "counter", \
		"connections accepted") \
	X(refused, "drongo_http_refused_total", "counter", \
		"connections refused at the connection limit") \
	X(idle_closed, "drongo_http_idle_closed_total", "counter", \
		"connections closed by the idle timeout") \
	X(requests, "drongo_http_requests_total", "counter", \
		"requests answered") \
	X(bad_requests, "drongo_http_bad_requests_total", "counter", \
		"requests refused before routing (malformed, too large, method)") \
	X(not_found, "drongo_http_not_found_total", "counter", \
		"requests for a path nobody serves") \
	X(provider_errors, "drongo_http_provider_errors_total", "counter", \
		"provider callbacks that failed") \
	X(connections, "drongo_http_connections", "gauge", \
		"connections open now")

struct http_server_stats {
#define HTTP_SERVER_STATS_FIELD_(field, name, type, help) uint64_t field;
	HTTP_SERVER_STATS(HTTP_SERVER_STATS_FIELD_)
#undef HTTP_SERVER_STATS_FIELD_
};

/** What the server is started with. */
struct http_server_opts {
	struct sockaddr_storage addrs[HTTP_MAX_LISTEN];
	unsigned int n_addrs;
	uint32_t max_conns;
	uint64_t idle_ms;
	const char *node;		/* node name shown by /health */
	const char *role;		/* role shown by /health */
};

struct http_conn;

struct http_listener {
	struct uring_req req;		/* multishot accept */
	struct http_server *srv;
	struct uring_timer retry;
	int fd;
	bool armed;
	struct sockaddr_storage local;	/* bound address (port 0 resolved) */
};

struct http_server {
	struct uring_loop *loop;
	struct http_registry reg;
	struct http_listener l[HTTP_MAX_LISTEN];
	unsigned int n_l;
	struct http_conn *conns;
	uint32_t max_conns;
	uint64_t idle_ms;
	char node[64];
	char role[16];
	struct http_server_stats stats;
	bool stopping;
};

/**
 * Set up a server with an empty registry, not listening yet (so modules
 * can register providers before the first request).
 */
void http_server_init(struct http_server *srv, struct uring_loop *loop);

/**
 * Bind every address of opts and start accepting.
 *
 * @param err receives "http 127.0.0.1:8080: Address already in use"
 * @return 0, the negative errno of the failing socket/bind/listen, -EBUSY
 *         when no submission slot was free, -EINVAL on bad opts.
 */
int http_server_start(struct http_server *srv,
		const struct http_server_opts *opts, char *err, size_t errlen);

/** Change the idle timeout of later requests. */
void http_server_set_idle(struct http_server *srv, uint64_t idle_ms);

/** The registry modules register their providers with. */
struct http_registry *http_server_registry(struct http_server *srv);

/**
 * Answer one request head as the server would (routing, providers,
 * status, headers) into out. Exposed for tests and fuzzing of routing.
 *
 * @return true when the connection may stay open after the answer.
 */
bool http_server_respond(struct http_server *srv, const struct http_req *req,
		struct http_buf *out);

/** Stop accepting and close every connection (completions still arrive). */
void http_server_stop(struct http_server *srv);

/**
 * Free every connection and close every socket. Call after
 * uring_loop_fini(), so no operation still writes into them.
 */
void http_server_destroy(struct http_server *srv);

/** Render addr as "127.0.0.1:8080" or "[::1]:8080". */
const char *http_addr_str(const struct sockaddr_storage *addr, char *buf,
		size_t len);

#endif
