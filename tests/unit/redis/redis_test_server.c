/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Spawning and stopping real redis-server processes for the unit tests.
 * The configuration goes in a file in the server's directory, so a
 * restart uses the same socket or port; nothing is saved to disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "redis_test_server.h"

static bool
rts_have_binary(void)
{
	return access("/usr/bin/redis-server", X_OK) == 0 ||
		access("/usr/local/bin/redis-server", X_OK) == 0;
}

static uint16_t
rts_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	uint16_t port = 0;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
			getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void
rts_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

redisContext *
rts_client(const struct rts_server *s)
{
	struct timeval tv = { 1, 0 };
	redisContext *c;

	c = s->sock[0] != '\0' ? redisConnectUnixWithTimeout(s->sock, tv) :
		redisConnectWithTimeout("127.0.0.1", s->port, tv);
	if (c != NULL && c->err != 0) {
		redisFree(c);
		return NULL;
	}
	return c;
}

static int
rts_spawn(struct rts_server *s, bool sentinel)
{
	char conf[128], log[128];
	redisContext *c;
	redisReply *r;
	int i, fd;

	snprintf(conf, sizeof(conf), "%s/redis.conf", s->dir);
	snprintf(log, sizeof(log), "%s/redis.log", s->dir);
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (sentinel)
			execlp("redis-server", "redis-server", conf, "--sentinel",
				(char *)NULL);
		else
			execlp("redis-server", "redis-server", conf, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		c = rts_client(s);
		if (c != NULL) {
			r = redisCommand(c, "PING");
			if (r != NULL) {
				freeReplyObject(r);
				redisFree(c);
				return 0;
			}
			redisFree(c);
		}
		rts_sleep_ms(10);
	}
	return -1;
}

static int
rts_write_conf(struct rts_server *s, const char *body)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/redis.conf", s->dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	if (s->sock[0] != '\0')
		fprintf(f, "port 0\nunixsocket %s\nunixsocketperm 700\n", s->sock);
	else
		fprintf(f, "port %u\nbind 127.0.0.1\n", s->port);
	fprintf(f, "dir %s\nsave \"\"\nappendonly no\n%s", s->dir, body);
	fclose(f);
	return 0;
}

static int
rts_prepare(struct rts_server *s, bool tcp, const char *extra)
{
	if (!rts_have_binary()) {
		fprintf(stderr, "redis-server not installed: skipped\n");
		exit(77);
	}
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/dgredis-XXXXXX");
	if (mkdtemp(s->dir) == NULL)
		return -1;
	if (tcp) {
		s->port = rts_free_port();
		if (s->port == 0)
			return -1;
	} else {
		snprintf(s->sock, sizeof(s->sock), "%s/redis.sock", s->dir);
	}
	snprintf(s->extra, sizeof(s->extra), "%s", extra != NULL ? extra : "");
	return 0;
}

int
rts_start(struct rts_server *s, bool tcp, const char *extra)
{
	if (rts_prepare(s, tcp, extra) < 0 || rts_write_conf(s, s->extra) < 0)
		return -1;
	return rts_spawn(s, false);
}

int
rts_start_sentinel(struct rts_server *s, const char *name,
		const struct rts_server *m)
{
	char body[256];

	if (rts_prepare(s, true, NULL) < 0)
		return -1;
	snprintf(body, sizeof(body),
		"sentinel monitor %s 127.0.0.1 %u 1\n"
		"sentinel down-after-milliseconds %s 60000\n", name, m->port, name);
	snprintf(s->extra, sizeof(s->extra), "%s", body);
	if (rts_write_conf(s, body) < 0)
		return -1;
	return rts_spawn(s, true);
}

void
rts_stop(struct rts_server *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	kill(s->pid, SIGCONT);
	(void)waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

void
rts_pause(struct rts_server *s)
{
	if (s->pid > 0)
		kill(s->pid, SIGSTOP);
}

void
rts_resume(struct rts_server *s)
{
	if (s->pid > 0)
		kill(s->pid, SIGCONT);
}

int
rts_restart(struct rts_server *s)
{
	return rts_spawn(s, strstr(s->extra, "sentinel monitor") != NULL);
}

void
rts_destroy(struct rts_server *s)
{
	char cmd[160];

	rts_stop(s);
	if (s->dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", s->dir);
	s->dir[0] = '\0';
}

void
rts_conf_server(const struct rts_server *s, struct cp_conf_redis_server *out)
{
	memset(out, 0, sizeof(*out));
	if (s->sock[0] != '\0') {
		snprintf(out->host, sizeof(out->host), "%s", s->sock);
		return;
	}
	snprintf(out->host, sizeof(out->host), "127.0.0.1");
	out->port = s->port;
}

struct rts_wait {
	struct uring_timer t;
	bool expired;
};

static void
rts_on_wait(struct uring_timer *t)
{
	((struct rts_wait *)t)->expired = true;
}

bool
rts_run_until(struct uring_loop *loop, const bool *flag, unsigned int ms)
{
	struct rts_wait w = { .expired = false };

	/* The timer bounds the wait: the loop sleeps until a completion or it. */
	uring_timer_init(&w.t, rts_on_wait);
	if (uring_timer_start(&loop->timers, &w.t, ms) < 0)
		return false;
	while (!*flag && !w.expired)
		if (uring_loop_run_once(loop, true) < 0)
			break;
	uring_timer_cancel(&loop->timers, &w.t);
	return *flag;
}

void
rts_run_for(struct uring_loop *loop, unsigned int ms)
{
	bool never = false;

	(void)rts_run_until(loop, &never, ms);
}
