/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hiredis' asynchronous context on the io_uring loop. hiredis says which
 * readiness it wants through its ev hooks; each wanted direction is one
 * one-shot IORING_OP_POLL_ADD, re-armed after the handler runs while
 * still wanted. The poll requests live in a small object apart from the
 * context, because a poll may still be in flight when hiredis frees the
 * context: that object is cancelled and freed when its last poll
 * completes. A connection goes idle -> (ask a Sentinel) -> connecting ->
 * handshake (AUTH, SELECT, PING or ROLE) -> up, and back to idle with a
 * backoff timer on any failure or loss. While up, one timer watches the
 * replies: commands pending and no reply for command_timeout means a
 * server that hangs or a link gone without a reset, and counts as a loss.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "dg_log.h"
#include "redis_conn.h"

enum rc_state {
	RC_IDLE,		/* waiting for the retry timer */
	RC_SENTINEL,		/* asking a Sentinel for the master */
	RC_CONNECTING,		/* TCP/unix connect and handshake in progress */
	RC_UP,
	RC_LOST,		/* a reply was lost: the disconnect is under way */
};

/* Readiness polls of one hiredis context's socket. */
struct rc_io {
	struct uring_req rd;
	struct uring_req wr;
	struct uring_loop *loop;
	redisAsyncContext *ac;
	bool want_rd;
	bool want_wr;
	bool rd_armed;
	bool wr_armed;
	bool busy;		/* inside a hiredis handler */
	bool dead;		/* hiredis cleaned up: free once nothing is armed */
};

struct rc_listener {
	redis_state_fn fn;
	void *arg;
};

/* One user command in flight. */
struct rc_cmd {
	struct redis_conn *c;
	redis_reply_fn fn;
	void *arg;
};

struct redis_conn {
	struct uring_loop *loop;
	struct cp_conf_redis conf;
	enum rc_state state;
	redisAsyncContext *ac;		/* the master link */
	redisAsyncContext *sac;		/* the Sentinel being asked */
	unsigned int sentinel;		/* index of the Sentinel being asked */
	unsigned int handshake_left;	/* handshake replies still due */
	struct cp_conf_redis_server target;
	char server[CP_CONF_REDIS_HOST_MAX + 16];
	struct uring_timer retry;
	struct uring_timer deadline;	/* connect, or a reply while up */
	uint64_t backoff_ms;
	bool destroying;
	struct rc_listener *listeners;
	unsigned int n_listeners;
	struct redis_conn_stats stats;
};

static void
rc_noop(struct uring_req *req, int res, uint32_t flags)
{
	(void)req;
	(void)res;
	(void)flags;
}

/* Completions of POLL_REMOVE requests: nothing to do. */
static struct uring_req rc_cancel_req = { .fn = rc_noop };

static void
rc_io_arm(struct rc_io *io, bool rd)
{
	struct io_uring_sqe *sqe;

	sqe = uring_loop_sqe(io->loop);
	/* No slot even after a submit: left unarmed until hiredis asks for
	 * this direction again (the next command or read), or the connect
	 * timeout gives up on a connect. */
	if (sqe == NULL)
		return;
	io_uring_prep_poll_add(sqe, io->ac->c.fd, rd ? POLLIN : POLLOUT);
	uring_sqe_set_req(sqe, rd ? &io->rd : &io->wr);
	if (rd)
		io->rd_armed = true;
	else
		io->wr_armed = true;
}

static void
rc_io_cancel(struct rc_io *io, struct uring_req *req)
{
	struct io_uring_sqe *sqe;

	sqe = uring_loop_sqe(io->loop);
	if (sqe == NULL)
		return;
	io_uring_prep_poll_remove(sqe, (__u64)(uintptr_t)req);
	uring_sqe_set_req(sqe, &rc_cancel_req);
}

static void
rc_io_maybe_free(struct rc_io *io)
{
	if (io->dead && !io->busy && !io->rd_armed && !io->wr_armed)
		free(io);
}

static void
rc_io_done(struct rc_io *io, bool rd)
{
	if (rd)
		io->rd_armed = false;
	else
		io->wr_armed = false;
	if (io->dead || !(rd ? io->want_rd : io->want_wr)) {
		rc_io_maybe_free(io);
		return;
	}
	io->busy = true;
	/* Errors and hang-ups are read as such by hiredis' read or write. */
	if (rd)
		redisAsyncHandleRead(io->ac);
	else
		redisAsyncHandleWrite(io->ac);
	io->busy = false;
	if (io->dead) {
		rc_io_maybe_free(io);
		return;
	}
	if (io->want_rd && !io->rd_armed)
		rc_io_arm(io, true);
	if (io->want_wr && !io->wr_armed)
		rc_io_arm(io, false);
}

static void
rc_io_on_rd(struct uring_req *req, int res, uint32_t flags)
{
	(void)res;
	(void)flags;
	rc_io_done((struct rc_io *)((char *)req - offsetof(struct rc_io, rd)),
		true);
}

static void
rc_io_on_wr(struct uring_req *req, int res, uint32_t flags)
{
	(void)res;
	(void)flags;
	rc_io_done((struct rc_io *)((char *)req - offsetof(struct rc_io, wr)),
		false);
}

static void
rc_ev_add_read(void *privdata)
{
	struct rc_io *io = privdata;

	io->want_rd = true;
	if (!io->rd_armed && !io->busy)
		rc_io_arm(io, true);
}

static void
rc_ev_del_read(void *privdata)
{
	((struct rc_io *)privdata)->want_rd = false;
}

static void
rc_ev_add_write(void *privdata)
{
	struct rc_io *io = privdata;

	io->want_wr = true;
	if (!io->wr_armed && !io->busy)
		rc_io_arm(io, false);
}

static void
rc_ev_del_write(void *privdata)
{
	((struct rc_io *)privdata)->want_wr = false;
}

static void
rc_ev_cleanup(void *privdata)
{
	struct rc_io *io = privdata;

	io->dead = true;
	io->want_rd = false;
	io->want_wr = false;
	/* A poll holds the socket open past hiredis' close: take it back. */
	if (io->rd_armed)
		rc_io_cancel(io, &io->rd);
	if (io->wr_armed)
		rc_io_cancel(io, &io->wr);
	rc_io_maybe_free(io);
}

static int
rc_io_attach(struct uring_loop *loop, redisAsyncContext *ac)
{
	struct rc_io *io;

	io = calloc(1, sizeof(*io));
	if (io == NULL)
		return -ENOMEM;
	io->rd.fn = rc_io_on_rd;
	io->wr.fn = rc_io_on_wr;
	io->loop = loop;
	io->ac = ac;
	ac->ev.data = io;
	ac->ev.addRead = rc_ev_add_read;
	ac->ev.delRead = rc_ev_del_read;
	ac->ev.addWrite = rc_ev_add_write;
	ac->ev.delWrite = rc_ev_del_write;
	ac->ev.cleanup = rc_ev_cleanup;
	return 0;
}

static void
rc_server_str(char *buf, size_t size, const struct cp_conf_redis_server *s)
{
	if (s->port == 0)
		snprintf(buf, size, "unix:%s", s->host);
	else if (strchr(s->host, ':') != NULL)
		snprintf(buf, size, "[%s]:%u", s->host, s->port);
	else
		snprintf(buf, size, "%s:%u", s->host, s->port);
}

/*
 * Open a context towards s with our hooks. hiredis resolves a host name
 * with a blocking getaddrinfo(); IP literals (what the configuration
 * usually holds) do not block.
 */
static redisAsyncContext *
rc_open(struct redis_conn *c, const struct cp_conf_redis_server *s,
		char *why, size_t size)
{
	redisAsyncContext *ac;

	snprintf(why, size, "out of memory");
	ac = s->port == 0 ? redisAsyncConnectUnix(s->host) :
		redisAsyncConnect(s->host, s->port);
	if (ac == NULL)
		return NULL;
	if (ac->err != 0)
		snprintf(why, size, "%s", ac->errstr);
	if (ac->err != 0 || rc_io_attach(c->loop, ac) < 0) {
		redisAsyncFree(ac);
		return NULL;
	}
	ac->data = c;
	return ac;
}

static void
rc_notify(struct redis_conn *c, bool up)
{
	unsigned int i;

	for (i = 0; i < c->n_listeners; i++)
		c->listeners[i].fn(c->listeners[i].arg, up);
}

/* Wait the backoff, then try again; the backoff doubles up to its cap. */
static void
rc_schedule(struct redis_conn *c)
{
	c->state = RC_IDLE;
	if (c->destroying)
		return;
	uring_timer_cancel(&c->loop->timers, &c->deadline);
	(void)uring_timer_start(&c->loop->timers, &c->retry, c->backoff_ms);
	c->backoff_ms *= 2;
	if (c->backoff_ms > c->conf.backoff_max_ms)
		c->backoff_ms = c->conf.backoff_max_ms;
}

static void
rc_fail(struct redis_conn *c, const char *why)
{
	char q[128];

	c->stats.connect_failures++;
	DG_LOG(DG_LOG_WARN, "redis.connect", "status=error server=%s error=%s retry_ms=%llu",
		c->server, dg_log_quote(q, sizeof(q), why, strlen(why)),
		(unsigned long long)c->backoff_ms);
	rc_schedule(c);
}

/* Drop the master link we started (not a loss: nobody was told it was up). */
static void
rc_abort_master(struct redis_conn *c, const char *why)
{
	redisAsyncContext *ac = c->ac;

	c->ac = NULL;
	if (ac != NULL)
		redisAsyncFree(ac);
	rc_fail(c, why);
}

static void
rc_on_handshake(redisAsyncContext *ac, void *r, void *privdata)
{
	struct redis_conn *c = privdata;
	const redisReply *reply = r;
	char why[160];

	/* A reply of a link already given up (NULL while it is freed). */
	if (c->ac != ac || c->state != RC_CONNECTING)
		return;
	if (reply == NULL) {
		rc_abort_master(c, "connection lost during the handshake");
		return;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof(why), "%.*s", (int)reply->len, reply->str);
		rc_abort_master(c, why);
		return;
	}
	/* With Sentinels, the last reply is ROLE: the node must be master. */
	if (reply->type == REDIS_REPLY_ARRAY) {
		if (reply->elements == 0 ||
				reply->element[0]->type != REDIS_REPLY_STRING ||
				strcmp(reply->element[0]->str, "master") != 0) {
			rc_abort_master(c, "the Sentinels' master is not a master");
			return;
		}
	}
	if (--c->handshake_left > 0)
		return;
	uring_timer_cancel(&c->loop->timers, &c->deadline);
	c->state = RC_UP;
	c->backoff_ms = c->conf.backoff_min_ms;
	c->stats.connects++;
	DG_LOG(DG_LOG_INFO, "redis.up", "server=%s db=%u", c->server, c->conf.db);
	rc_notify(c, true);
}

static void
rc_on_connect(const redisAsyncContext *ac, int status)
{
	struct redis_conn *c = ac->data;
	char why[160];

	if (status == REDIS_OK || c->ac != ac)
		return;
	/* hiredis frees the context after this callback. */
	snprintf(why, sizeof(why), "%s", ac->errstr);
	c->ac = NULL;
	rc_fail(c, why);
}

static void
rc_on_disconnect(const redisAsyncContext *ac, int status)
{
	struct redis_conn *c = ac->data;
	bool was_up;

	(void)status;
	if (c->ac != ac)
		return;
	c->ac = NULL;
	was_up = c->state == RC_UP || c->state == RC_LOST;
	if (!was_up) {
		rc_fail(c, "connection closed during the handshake");
		return;
	}
	c->stats.disconnects++;
	DG_LOG(DG_LOG_WARN, "redis.down", "server=%s error=\"%s\" retry_ms=%llu",
		c->server, ac->err != 0 ? "connection lost" : "closed",
		(unsigned long long)c->conf.backoff_min_ms);
	c->backoff_ms = c->conf.backoff_min_ms;
	rc_schedule(c);
	rc_notify(c, false);
}

static void
rc_connect_master(struct redis_conn *c, const struct cp_conf_redis_server *s)
{
	redisAsyncContext *ac;
	char db[16], why[128];
	int ok = REDIS_OK;

	c->target = *s;
	rc_server_str(c->server, sizeof(c->server), s);
	ac = rc_open(c, s, why, sizeof(why));
	if (ac == NULL) {
		rc_fail(c, why);
		return;
	}
	c->ac = ac;
	c->state = RC_CONNECTING;
	c->handshake_left = 0;
	(void)redisAsyncSetConnectCallback(ac, rc_on_connect);
	(void)redisAsyncSetDisconnectCallback(ac, rc_on_disconnect);
	/* Commands queue until the connect completes; the first one arms the
	 * write poll that sees it complete. */
	if (c->conf.password[0] != '\0') {
		ok |= redisAsyncCommand(ac, rc_on_handshake, c, "AUTH %s",
			c->conf.password);
		c->handshake_left++;
	}
	if (c->conf.db != 0) {
		snprintf(db, sizeof(db), "%u", c->conf.db);
		ok |= redisAsyncCommand(ac, rc_on_handshake, c, "SELECT %s", db);
		c->handshake_left++;
	}
	ok |= redisAsyncCommand(ac, rc_on_handshake, c,
		c->conf.n_sentinels > 0 ? "ROLE" : "PING");
	c->handshake_left++;
	if (ok != REDIS_OK) {
		rc_abort_master(c, "cannot queue the handshake");
		return;
	}
	(void)uring_timer_start(&c->loop->timers, &c->deadline,
		c->conf.connect_timeout_ms);
}

static void rc_ask_sentinel(struct redis_conn *c);

/* This Sentinel could not answer: ask the next one, or wait and retry. */
static void
rc_sentinel_next(struct redis_conn *c, const char *why)
{
	redisAsyncContext *sac = c->sac;
	char q[128];

	c->sac = NULL;
	if (sac != NULL)
		redisAsyncFree(sac);
	DG_LOG(DG_LOG_WARN, "redis.sentinel", "status=error sentinel=%s master=%s error=%s",
		c->server, c->conf.master, dg_log_quote(q, sizeof(q), why,
			strlen(why)));
	if (++c->sentinel < c->conf.n_sentinels) {
		rc_ask_sentinel(c);
		return;
	}
	rc_fail(c, "no Sentinel named the master");
}

static void
rc_on_sentinel(redisAsyncContext *ac, void *r, void *privdata)
{
	struct redis_conn *c = privdata;
	const redisReply *reply = r;
	struct cp_conf_redis_server m;
	unsigned long port;
	char *end;

	if (c->sac != ac || c->state != RC_SENTINEL)
		return;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
			reply->elements != 2 ||
			reply->element[0]->type != REDIS_REPLY_STRING ||
			reply->element[1]->type != REDIS_REPLY_STRING ||
			reply->element[0]->len == 0 ||
			reply->element[0]->len >= sizeof(m.host)) {
		rc_sentinel_next(c, reply == NULL ? "no reply" :
			reply->type == REDIS_REPLY_NIL ? "unknown master" :
			"unexpected reply");
		return;
	}
	port = strtoul(reply->element[1]->str, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535) {
		rc_sentinel_next(c, "bad master port");
		return;
	}
	memset(&m, 0, sizeof(m));
	memcpy(m.host, reply->element[0]->str, reply->element[0]->len);
	m.port = (uint16_t)port;
	c->sac = NULL;
	redisAsyncFree(ac);
	DG_LOG(DG_LOG_INFO, "redis.sentinel", "status=ok master=%s address=%s:%u",
		c->conf.master, m.host, m.port);
	rc_connect_master(c, &m);
}

static void
rc_ask_sentinel(struct redis_conn *c)
{
	const struct cp_conf_redis_server *s = &c->conf.sentinels[c->sentinel];
	char why[128];

	rc_server_str(c->server, sizeof(c->server), s);
	c->state = RC_SENTINEL;
	c->sac = rc_open(c, s, why, sizeof(why));
	if (c->sac == NULL) {
		rc_sentinel_next(c, why);
		return;
	}
	if (redisAsyncCommand(c->sac, rc_on_sentinel, c,
			"SENTINEL get-master-addr-by-name %s", c->conf.master) !=
			REDIS_OK) {
		rc_sentinel_next(c, "cannot queue the query");
		return;
	}
	(void)uring_timer_start(&c->loop->timers, &c->deadline,
		c->conf.connect_timeout_ms);
}

static void
rc_on_retry(struct uring_timer *t)
{
	struct redis_conn *c = (struct redis_conn *)((char *)t -
		offsetof(struct redis_conn, retry));

	if (c->conf.n_sentinels > 0) {
		c->sentinel = 0;
		rc_ask_sentinel(c);
		return;
	}
	rc_connect_master(c, &c->conf.server);
}

static void
rc_on_deadline(struct uring_timer *t)
{
	struct redis_conn *c = (struct redis_conn *)((char *)t -
		offsetof(struct redis_conn, deadline));
	redisAsyncContext *ac = c->ac;

	if (c->state == RC_UP && ac != NULL) {
		DG_LOG(DG_LOG_WARN, "redis.timeout", "server=%s pending=%llu timeout_ms=%llu",
			c->server, (unsigned long long)c->stats.pending,
			(unsigned long long)c->conf.command_timeout_ms);
		/* Pending commands complete with NULL; the disconnect
		 * callback then handles it as any loss. */
		c->state = RC_LOST;
		redisAsyncFree(ac);
		return;
	}
	if (c->state == RC_SENTINEL)
		rc_sentinel_next(c, "timed out");
	else if (c->state == RC_CONNECTING)
		rc_abort_master(c, "timed out");
}

int
redis_conn_create(struct redis_conn **out, struct uring_loop *loop,
		const struct cp_conf_redis *conf)
{
	struct redis_conn *c;

	if (conf->backoff_min_ms == 0 || conf->backoff_max_ms < conf->backoff_min_ms ||
			conf->connect_timeout_ms == 0 ||
			conf->command_timeout_ms == 0 ||
			conf->n_sentinels > CP_CONF_REDIS_SENTINELS_MAX ||
			(conf->n_sentinels > 0 && conf->master[0] == '\0'))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->loop = loop;
	c->conf = *conf;
	c->state = RC_IDLE;
	c->backoff_ms = conf->backoff_min_ms;
	rc_server_str(c->server, sizeof(c->server), conf->n_sentinels > 0 ?
		&conf->sentinels[0] : &conf->server);
	uring_timer_init(&c->retry, rc_on_retry);
	uring_timer_init(&c->deadline, rc_on_deadline);
	if (uring_timer_start(&loop->timers, &c->retry, 0) < 0) {
		free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void
redis_conn_destroy(struct redis_conn *c)
{
	redisAsyncContext *ac;

	if (c == NULL)
		return;
	c->destroying = true;
	uring_timer_cancel(&c->loop->timers, &c->retry);
	uring_timer_cancel(&c->loop->timers, &c->deadline);
	c->state = RC_IDLE;
	if (c->sac != NULL) {
		ac = c->sac;
		c->sac = NULL;
		redisAsyncFree(ac);
	}
	if (c->ac != NULL) {
		ac = c->ac;
		c->ac = NULL;
		/* Pending commands complete here, with NULL. */
		redisAsyncFree(ac);
	}
	free(c->listeners);
	free(c);
}

bool
redis_conn_up(const struct redis_conn *c)
{
	return c->state == RC_UP;
}

int
redis_conn_on_state(struct redis_conn *c, redis_state_fn fn, void *arg)
{
	struct rc_listener *l;

	l = realloc(c->listeners, (c->n_listeners + 1) * sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	c->listeners = l;
	l[c->n_listeners].fn = fn;
	l[c->n_listeners].arg = arg;
	c->n_listeners++;
	return 0;
}

void
redis_conn_off_state(struct redis_conn *c, redis_state_fn fn, void *arg)
{
	unsigned int i;

	for (i = 0; i < c->n_listeners; i++) {
		if (c->listeners[i].fn == fn && c->listeners[i].arg == arg) {
			memmove(&c->listeners[i], &c->listeners[i + 1],
				(c->n_listeners - i - 1) * sizeof(c->listeners[0]));
			c->n_listeners--;
			return;
		}
	}
}

static void
rc_on_reply(redisAsyncContext *ac, void *r, void *privdata)
{
	struct rc_cmd *cmd = privdata;
	struct redis_conn *c = cmd->c;
	const redisReply *reply = r;

	c->stats.pending--;
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR)
		c->stats.errors++;
	/* A reply came: the server lives; watch the next one, if any. */
	if (c->state == RC_UP) {
		if (c->stats.pending > 0)
			(void)uring_timer_start(&c->loop->timers, &c->deadline,
				c->conf.command_timeout_ms);
		else
			uring_timer_cancel(&c->loop->timers, &c->deadline);
	}
	/* A lost reply means the link is going: refuse new commands now. */
	if (reply == NULL && c->ac == ac && c->state == RC_UP)
		c->state = RC_LOST;
	cmd->fn(cmd->arg, reply);
	free(cmd);
}

static struct rc_cmd *
rc_cmd_new(struct redis_conn *c, redis_reply_fn fn, void *arg, int *err)
{
	struct rc_cmd *cmd;

	*err = 0;
	if (c->state != RC_UP || c->ac == NULL) {
		c->stats.refused++;
		*err = -EAGAIN;
		return NULL;
	}
	cmd = malloc(sizeof(*cmd));
	if (cmd == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	cmd->c = c;
	cmd->fn = fn;
	cmd->arg = arg;
	return cmd;
}

/* hiredis refuses a command only when the context is going away or out of memory. */
static int
rc_cmd_sent(struct redis_conn *c, struct rc_cmd *cmd, int status)
{
	if (status != REDIS_OK) {
		free(cmd);
		if ((c->ac->c.flags & (REDIS_DISCONNECTING | REDIS_FREEING)) != 0) {
			c->stats.refused++;
			return -EAGAIN;
		}
		return -ENOMEM;
	}
	c->stats.commands++;
	if (c->stats.pending++ == 0)
		(void)uring_timer_start(&c->loop->timers, &c->deadline,
			c->conf.command_timeout_ms);
	return 0;
}

int
redis_conn_cmdargv(struct redis_conn *c, redis_reply_fn fn, void *arg,
		int argc, const char *const *argv, const size_t *argvlen)
{
	struct rc_cmd *cmd;
	int err;

	if (fn == NULL || argc <= 0 || argv == NULL || argvlen == NULL)
		return -EINVAL;
	cmd = rc_cmd_new(c, fn, arg, &err);
	if (cmd == NULL)
		return err;
	/* hiredis' prototype lacks the inner const; it only reads argv. */
	return rc_cmd_sent(c, cmd, redisAsyncCommandArgv(c->ac, rc_on_reply, cmd,
		argc, (const char **)(uintptr_t)argv, argvlen));
}

int
redis_conn_cmd(struct redis_conn *c, redis_reply_fn fn, void *arg,
		const char *fmt, ...)
{
	struct rc_cmd *cmd;
	va_list ap;
	int err, st;

	if (fn == NULL || fmt == NULL)
		return -EINVAL;
	cmd = rc_cmd_new(c, fn, arg, &err);
	if (cmd == NULL)
		return err;
	va_start(ap, fmt);
	st = redisvAsyncCommand(c->ac, rc_on_reply, cmd, fmt, ap);
	va_end(ap);
	return rc_cmd_sent(c, cmd, st);
}

void
redis_conn_stats(const struct redis_conn *c, struct redis_conn_stats *out)
{
	*out = c->stats;
}

const char *
redis_conn_server(const struct redis_conn *c)
{
	return c->server;
}
