/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A real redis-server (or Sentinel) for the unit tests: spawned in a
 * temporary directory on a unix socket or a free loopback port, stopped
 * and started again on the same address, killed at exit. A blocking
 * hiredis client reads and changes its data behind the code under test.
 */
#ifndef DRONGO_TESTS_UNIT_REDIS_REDIS_TEST_SERVER_H
#define DRONGO_TESTS_UNIT_REDIS_REDIS_TEST_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

#include "cp_conf_redis.h"
#include "uring_loop.h"

/** One server process and where it listens. */
struct rts_server {
	char dir[64];			/* its temporary directory */
	char sock[128];			/* unix socket path ("" on TCP) */
	uint16_t port;			/* TCP port (0 on a unix socket) */
	char extra[256];		/* more configuration lines */
	pid_t pid;
};

/**
 * Start a server: on a unix socket when tcp is false, else on a free
 * loopback port; extra holds redis.conf lines ("requirepass x\n") or NULL.
 * Exits 77 (skip) when redis-server is not installed.
 *
 * @return 0, -1 when it did not come up.
 */
int rts_start(struct rts_server *s, bool tcp, const char *extra);

/** Start a Sentinel on a free port watching master (name) at m's port. */
int rts_start_sentinel(struct rts_server *s, const char *name,
		const struct rts_server *m);

/** Stop the process (SIGKILL: as a crash looks), keeping its address. */
void rts_stop(struct rts_server *s);

/** Freeze the process (SIGSTOP): it keeps its socket but never answers. */
void rts_pause(struct rts_server *s);

/** Let a frozen process go on (SIGCONT). */
void rts_resume(struct rts_server *s);

/** Start it again on the same address. */
int rts_restart(struct rts_server *s);

/** Stop it and remove its directory. */
void rts_destroy(struct rts_server *s);

/** A blocking client of s (NULL on failure); free with redisFree(). */
redisContext *rts_client(const struct rts_server *s);

/** The address of s in the configuration's form. */
void rts_conf_server(const struct rts_server *s,
		struct cp_conf_redis_server *out);

/**
 * Turn loop until *flag becomes true or ms pass.
 *
 * @return whether it became true.
 */
bool rts_run_until(struct uring_loop *loop, const bool *flag, unsigned int ms);

/** Turn loop for about ms milliseconds. */
void rts_run_for(struct uring_loop *loop, unsigned int ms);

#endif
