/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One asynchronous connection to Redis, driven by the control plane's
 * io_uring loop (hiredis' async context, with its socket's readiness
 * polled through the ring). Everything that keeps shared state in Redis
 * (the location store, credentials, node membership) sends commands here.
 *
 * The connection is made at create and remade after any loss with
 * exponential backoff; when the configuration names Sentinels, the
 * master's address is asked of them before each connect. While the link
 * is down, commands are refused at once with -EAGAIN (callers answer 503
 * with Retry-After); commands in flight when the link drops complete with
 * a NULL reply. Nothing blocks the loop.
 */
#ifndef DRONGO_CONTROLPLANE_REDIS_REDIS_CONN_H
#define DRONGO_CONTROLPLANE_REDIS_REDIS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_conf_redis.h"
#include "uring_loop.h"

struct redisReply;
struct redis_conn;

/**
 * Completion of one command: reply is hiredis' reply (valid only during
 * the call), or NULL when the connection was lost before the reply came.
 */
typedef void (*redis_reply_fn)(void *arg, const struct redisReply *reply);

/** Called on every change of the link's state (up after a connect, down on loss). */
typedef void (*redis_state_fn)(void *arg, bool up);

/** Counters, for /metrics. */
struct redis_conn_stats {
	uint64_t connects;	/* successful connects (first and re-) */
	uint64_t connect_failures;
	uint64_t disconnects;	/* losses of an established link */
	uint64_t commands;	/* accepted */
	uint64_t refused;	/* refused with -EAGAIN while down */
	uint64_t errors;	/* error replies and lost replies */
	uint64_t pending;	/* sent, reply not yet received */
};

/**
 * Create the connection and start connecting (the first attempt runs on
 * the loop, so create never blocks).
 *
 * @return 0 and *out, -EINVAL (configuration), -ENOMEM.
 */
int redis_conn_create(struct redis_conn **out, struct uring_loop *loop,
		const struct cp_conf_redis *conf);

/** Close and free (NULL allowed); pending commands complete with NULL. */
void redis_conn_destroy(struct redis_conn *c);

/** Whether the link is up (connected, authenticated, database selected). */
bool redis_conn_up(const struct redis_conn *c);

/**
 * Add a listener of state changes (several may listen).
 *
 * @return 0, -ENOMEM.
 */
int redis_conn_on_state(struct redis_conn *c, redis_state_fn fn, void *arg);

/** Remove a listener added with the same fn and arg (absent: no effect). */
void redis_conn_off_state(struct redis_conn *c, redis_state_fn fn, void *arg);

/**
 * Send a command given as binary-safe arguments. fn is called exactly
 * once when this returns 0, never before it returns.
 *
 * @return 0, -EAGAIN (link down), -ENOMEM, -EINVAL.
 */
int redis_conn_cmdargv(struct redis_conn *c, redis_reply_fn fn, void *arg,
		int argc, const char *const *argv, const size_t *argvlen);

/**
 * Send a command in hiredis' printf-like format (%s, %b, %d, %llu...).
 *
 * @return as redis_conn_cmdargv().
 */
int redis_conn_cmd(struct redis_conn *c, redis_reply_fn fn, void *arg,
		const char *fmt, ...);

/** The counters. */
void redis_conn_stats(const struct redis_conn *c, struct redis_conn_stats *out);

/**
 * "host:port" (or "unix:/path") of the server in use, else of the one
 * configured, for logs and /health.
 */
const char *redis_conn_server(const struct redis_conn *c);

#endif
