/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control-plane client of the data plane's shared-memory region: attach
 * and validate, command sending with sequence numbers, reply matching
 * through a table indexed by sequence number, deadlines, liveness of the
 * data plane and re-attachment to its next region. Commands are issued in
 * sequence order with one timeout, so deadlines are in sequence order too
 * and expiry only ever looks at the oldest command in flight.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dg_client.h"

#define DG_CLIENT_BURST 32u
#define DG_CLIENT_CHECK_MS 50u		/* liveness check period */
#define DG_CLIENT_RESTAT_MS 250u	/* look for a replaced region */
#define DG_MS 1000000ull

struct dg_client_pending {
	void *cookie;
	uint64_t deadline_ns;
	uint64_t session_id;
	uint32_t seq;
	uint16_t type;
	uint16_t worker;
	bool used;
};

struct dg_client {
	struct dg_client_opts opts;
	char name[64];
	/* attachment; hdr == NULL when detached */
	struct dg_shm_hdr *hdr;
	size_t len;
	int fd;
	dev_t dev;
	ino_t ino;
	unsigned int workers;
	struct dg_ring_ref cmd[DG_SHM_MAX_WORKERS];
	struct dg_ring_ref evt[DG_SHM_MAX_WORKERS];
	uint64_t generation;
	bool attached_once;
	bool gen_changed;
	uint64_t last_alive;
	uint64_t last_alive_change_ns;
	uint64_t next_check_ns;
	uint64_t next_restat_ns;
	uint64_t next_retry_ns;
	/* commands in flight, slot = seq & pend_mask */
	struct dg_client_pending *pend;
	uint32_t pend_mask;
	uint32_t next_seq;
	uint32_t oldest_seq;
	uint32_t creates[DG_SHM_MAX_WORKERS];
	unsigned int rr;
	struct dg_client_stats st;
	char err[256];
};

static void
dg_client_err(struct dg_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
dg_client_err(struct dg_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

static uint32_t
dg_client_seq_next(uint32_t seq)
{
	seq++;
	return seq != 0 ? seq : 1;
}

static bool
dg_client_is_event(uint16_t type)
{
	return type == DG_MSG_ACK || type == DG_MSG_SESSION_STATS ||
		type == DG_MSG_MEDIA_TIMEOUT || type == DG_MSG_ERROR;
}

static bool
dg_client_is_command(uint16_t type)
{
	return type == DG_MSG_SESSION_CREATE || type == DG_MSG_SESSION_UPDATE ||
		type == DG_MSG_SESSION_DELETE || type == DG_MSG_SESSION_QUERY ||
		type == DG_MSG_FLUSH || type == DG_MSG_STATS_REQUEST;
}

static void
dg_client_release(struct dg_client *c, struct dg_client_pending *p)
{
	if (p->type == DG_MSG_SESSION_CREATE && c->creates[p->worker] > 0)
		c->creates[p->worker]--;
	p->used = false;
	p->cookie = NULL;
}

/* Complete @p p with an ACK the client writes itself. */
static void
dg_client_fail(struct dg_client *c, struct dg_client_pending *p, int status,
	       dg_client_event_fn *fn, void *arg)
{
	struct dg_client_event ev;
	struct dg_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = DG_MSG_ACK;
	m.hdr.seq = p->seq;
	m.hdr.session_id = p->session_id;
	m.u.ack.status = status;
	m.u.ack.cmd_type = p->type;
	ev.msg = &m;
	ev.worker = p->worker;
	ev.cookie = p->cookie;
	ev.final = true;
	dg_client_release(c, p);
	if (fn != NULL)
		fn(arg, &ev);
}

/* Fail every command in flight (detach) with @p status. */
static void
dg_client_fail_all(struct dg_client *c, int status, dg_client_event_fn *fn,
		   void *arg)
{
	struct dg_client_pending *p;

	while (c->oldest_seq != c->next_seq) {
		p = &c->pend[c->oldest_seq & c->pend_mask];
		if (p->used && p->seq == c->oldest_seq)
			dg_client_fail(c, p, status, fn, arg);
		c->oldest_seq = dg_client_seq_next(c->oldest_seq);
	}
}

static void
dg_client_detach(struct dg_client *c)
{
	if (c->hdr == NULL)
		return;
	(void)munmap(c->hdr, c->len);
	(void)close(c->fd);
	c->hdr = NULL;
	c->fd = -1;
	c->workers = 0;
	c->st.detaches++;
}

static int
dg_client_attach(struct dg_client *c, uint64_t now)
{
	struct dg_shm_hdr *hdr;
	struct stat st;
	uint64_t alive;
	unsigned int w;
	void *mem;
	int fd, err;

	fd = shm_open(c->name, c->opts.read_only ? O_RDONLY : O_RDWR, 0);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			dg_client_err(c, "%s: no such region (is drongo-dp running?)",
				      c->name);
		else
			dg_client_err(c, "%s: %s", c->name, strerror(-err));
		return err;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		dg_client_err(c, "%s: %s", c->name, strerror(-err));
		goto out_close;
	}
	if ((size_t)st.st_size < sizeof(*hdr)) {
		err = -EAGAIN;
		dg_client_err(c, "%s: region still being created", c->name);
		goto out_close;
	}
	mem = mmap(NULL, (size_t)st.st_size,
		   c->opts.read_only ? PROT_READ : PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		dg_client_err(c, "%s: mmap: %s", c->name, strerror(-err));
		goto out_close;
	}
	hdr = mem;
	err = dg_shm_check(hdr, (size_t)st.st_size);
	if (err == -EAGAIN) {
		dg_client_err(c, "%s: region not ready yet", c->name);
		goto out_unmap;
	}
	if (err == -EPROTO) {
		dg_client_err(c, "%s: drongo-dp speaks ABI %u.%u, this client %u.%u",
			      c->name, hdr->abi_major, hdr->abi_minor,
			      DG_SHM_ABI_MAJOR, DG_SHM_ABI_MINOR);
		goto out_unmap;
	}
	if (err < 0) {
		dg_client_err(c, "%s: not a valid drongo-dp region", c->name);
		goto out_unmap;
	}
	if (atomic_load_explicit(&hdr->state, memory_order_acquire) ==
	    DG_SHM_STATE_STOPPED) {
		err = -ENOENT;
		dg_client_err(c, "%s: drongo-dp (pid %u) has stopped", c->name,
			      hdr->dp_pid);
		goto out_unmap;
	}
	/* Same host, same CLOCK_MONOTONIC: a stale stamp means the region
	 * was left behind by a data plane that died. */
	alive = atomic_load_explicit(&hdr->alive_ns, memory_order_relaxed);
	if (!c->opts.read_only && alive + c->opts.dead_after_ms * DG_MS < now) {
		err = -ENOTCONN;
		dg_client_err(c, "%s: drongo-dp (pid %u) not alive for %llu ms",
			      c->name, hdr->dp_pid,
			      (unsigned long long)((now - alive) / DG_MS));
		goto out_unmap;
	}
	if (!c->opts.read_only) {
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			err = errno == EWOULDBLOCK ? -EBUSY : -errno;
			dg_client_err(c, "%s: rings already driven by another client (pid %u)",
				      c->name, atomic_load_explicit(&hdr->client_pid,
							  memory_order_relaxed));
			goto out_unmap;
		}
		for (w = 0; w < hdr->worker_count; w++) {
			err = dg_ring_attach(&c->cmd[w], mem, (size_t)st.st_size,
					     hdr->workers[w].cmd_ring_off,
					     DG_MSG_SIZE);
			if (err == 0)
				err = dg_ring_attach(&c->evt[w], mem,
						     (size_t)st.st_size,
						     hdr->workers[w].evt_ring_off,
						     DG_MSG_SIZE);
			if (err < 0) {
				dg_client_err(c, "%s: worker %u: bad ring layout",
					      c->name, w);
				goto out_unmap;
			}
		}
		atomic_store_explicit(&hdr->client_pid, (uint32_t)getpid(),
				      memory_order_relaxed);
		atomic_store_explicit(&hdr->client_alive_ns, now,
				      memory_order_relaxed);
	}
	c->hdr = hdr;
	c->len = (size_t)st.st_size;
	c->fd = fd;
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->workers = hdr->worker_count;
	if (c->attached_once && hdr->generation != c->generation)
		c->gen_changed = true;
	c->generation = hdr->generation;
	c->attached_once = true;
	c->last_alive = alive;
	c->last_alive_change_ns = now;
	c->next_check_ns = now + DG_CLIENT_CHECK_MS * DG_MS;
	c->next_restat_ns = now + DG_CLIENT_RESTAT_MS * DG_MS;
	memset(c->creates, 0, sizeof(c->creates));
	c->err[0] = '\0';
	c->st.attaches++;
	return 0;
out_unmap:
	(void)munmap(mem, (size_t)st.st_size);
out_close:
	(void)close(fd);
	return err;
}

int
dg_client_open(struct dg_client **out, const struct dg_client_opts *opts,
	       char *err, size_t errlen)
{
	struct dg_client *c;
	uint32_t cap;
	int ret;

	if (opts->name != NULL && strlen(opts->name) >= sizeof(c->name)) {
		ret = -EINVAL;
		if (err != NULL)
			(void)snprintf(err, errlen, "region name too long");
		return ret;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->opts = *opts;
	c->opts.name = NULL;
	if (c->opts.cmd_timeout_ms == 0)
		c->opts.cmd_timeout_ms = 2000;
	if (c->opts.dead_after_ms == 0)
		c->opts.dead_after_ms = DG_SHM_DEAD_AFTER_MS;
	if (c->opts.retry_ms == 0)
		c->opts.retry_ms = 100;
	cap = c->opts.max_pending != 0 ? c->opts.max_pending : 65536;
	if (cap > (1u << 24)) {
		ret = -EINVAL;
		dg_client_err(c, "max_pending %u too large", cap);
		goto out_free;
	}
	while (cap & (cap - 1))
		cap += cap & -cap;
	if (opts->name != NULL)
		(void)snprintf(c->name, sizeof(c->name), "%s", opts->name);
	else
		dg_shm_name(c->name, sizeof(c->name), opts->instance);
	c->fd = -1;
	if (!c->opts.read_only) {
		c->pend = calloc(cap, sizeof(*c->pend));
		if (c->pend == NULL) {
			ret = -ENOMEM;
			goto out_free;
		}
		c->pend_mask = cap - 1;
	}
	/* A random start keeps replies meant for a previous client of the
	 * same rings from matching this one's commands. */
	c->next_seq = dg_client_seq_next((uint32_t)(dg_shm_now_ns() ^
				((uint64_t)getpid() << 16)));
	c->oldest_seq = c->next_seq;
	ret = dg_client_attach(c, dg_shm_now_ns());
	if (ret < 0 && !(c->opts.allow_absent &&
			 (ret == -ENOENT || ret == -EAGAIN || ret == -ENOTCONN)))
		goto out_pend;
	c->next_retry_ns = dg_shm_now_ns() + c->opts.retry_ms * DG_MS;
	*out = c;
	return 0;
out_pend:
	free(c->pend);
out_free:
	if (err != NULL)
		(void)snprintf(err, errlen, "%s", c->err);
	free(c);
	return ret;
}

void
dg_client_close(struct dg_client *c)
{
	if (c == NULL)
		return;
	dg_client_detach(c);
	free(c->pend);
	free(c);
}

const char *
dg_client_error_text(const struct dg_client *c)
{
	return c->err;
}

bool
dg_client_connected(const struct dg_client *c)
{
	return c->hdr != NULL;
}

const struct dg_shm_hdr *
dg_client_hdr(const struct dg_client *c)
{
	return c->hdr;
}

const struct dg_shm_worker_stats *
dg_client_worker_stats(const struct dg_client *c, unsigned int worker)
{
	if (c->hdr == NULL || worker >= c->workers)
		return NULL;
	return (const struct dg_shm_worker_stats *)((const uint8_t *)c->hdr +
			c->hdr->workers[worker].stats_off);
}

const struct dg_shm_main_stats *
dg_client_main_stats(const struct dg_client *c)
{
	if (c->hdr == NULL)
		return NULL;
	return (const struct dg_shm_main_stats *)((const uint8_t *)c->hdr +
						 c->hdr->main_stats_off);
}

uint64_t
dg_client_generation(const struct dg_client *c)
{
	return c->hdr != NULL ? c->generation : 0;
}

bool
dg_client_generation_changed(struct dg_client *c)
{
	bool changed = c->gen_changed;

	c->gen_changed = false;
	return changed;
}

int
dg_client_pick_worker(struct dg_client *c)
{
	const struct dg_shm_worker_stats *ws;
	uint64_t load, best_load = UINT64_MAX, used, total;
	unsigned int i, w;
	int best = -ENOSPC;

	if (c->hdr == NULL)
		return -ENOTCONN;
	for (i = 0; i < c->workers; i++) {
		w = (c->rr + i) % c->workers;
		ws = dg_client_worker_stats(c, w);
		used = dg_shm_stat_read(&ws->ports_in_use);
		total = dg_shm_stat_read(&ws->ports_total);
		/* A session needs up to four ports; a worker that has not
		 * published its pool size yet is taken at its word (0). */
		if (total != 0 && used + 4 * (uint64_t)(c->creates[w] + 1) > total)
			continue;
		load = dg_shm_stat_read(&ws->sessions_in_use) + c->creates[w];
		if (load < best_load) {
			best_load = load;
			best = (int)w;
		}
	}
	if (best >= 0)
		c->rr = ((unsigned int)best + 1) % c->workers;
	return best;
}

int
dg_client_send(struct dg_client *c, unsigned int worker, struct dg_msg *msg,
	       void *cookie, uint32_t *seq)
{
	struct dg_client_pending *p;
	uint32_t s;

	if (c->opts.read_only)
		return -EPERM;
	if (c->hdr == NULL)
		return -ENOTCONN;
	if (worker >= c->workers || !dg_client_is_command(msg->hdr.type))
		return -EINVAL;
	s = c->next_seq;
	p = &c->pend[s & c->pend_mask];
	if (p->used)
		return -EAGAIN;
	msg->hdr.seq = s;
	if (dg_ring_enqueue_burst(&c->cmd[worker], msg, 1) != 1)
		return -EAGAIN;
	p->used = true;
	p->seq = s;
	p->cookie = cookie;
	p->type = msg->hdr.type;
	p->worker = (uint16_t)worker;
	p->session_id = msg->hdr.session_id;
	p->deadline_ns = dg_shm_now_ns() + c->opts.cmd_timeout_ms * DG_MS;
	if (p->type == DG_MSG_SESSION_CREATE)
		c->creates[worker]++;
	c->next_seq = dg_client_seq_next(s);
	c->st.sent++;
	if (seq != NULL)
		*seq = s;
	return 0;
}

static void
dg_client_deliver(struct dg_client *c, unsigned int worker,
		  const struct dg_msg *m, dg_client_event_fn *fn, void *arg)
{
	struct dg_client_pending *p;
	struct dg_client_event ev;

	if (!dg_client_is_event(m->hdr.type)) {
		c->st.invalid++;
		return;
	}
	ev.msg = m;
	ev.worker = worker;
	ev.cookie = NULL;
	ev.final = false;
	if (m->hdr.seq == 0) {
		c->st.unsolicited++;
		if (fn != NULL)
			fn(arg, &ev);
		return;
	}
	p = &c->pend[m->hdr.seq & c->pend_mask];
	if (!p->used || p->seq != m->hdr.seq || p->worker != worker) {
		c->st.late++;
		return;
	}
	ev.cookie = p->cookie;
	if (m->hdr.type == DG_MSG_ACK) {
		ev.final = true;
		dg_client_release(c, p);
	}
	c->st.replies++;
	if (fn != NULL)
		fn(arg, &ev);
}

/* Drop finished commands off the front and time out expired ones. */
static void
dg_client_expire(struct dg_client *c, uint64_t now, dg_client_event_fn *fn,
		 void *arg)
{
	struct dg_client_pending *p;

	while (c->oldest_seq != c->next_seq) {
		p = &c->pend[c->oldest_seq & c->pend_mask];
		if (p->used && p->seq == c->oldest_seq) {
			if (p->deadline_ns > now)
				break;
			c->st.timeouts++;
			dg_client_fail(c, p, -ETIMEDOUT, fn, arg);
		}
		c->oldest_seq = dg_client_seq_next(c->oldest_seq);
	}
}

/* Whether the region's name now leads to another object (a new drongo-dp). */
static bool
dg_client_replaced(struct dg_client *c)
{
	struct stat st;
	bool replaced = false;
	int fd;

	fd = shm_open(c->name, O_RDONLY, 0);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0)
		replaced = st.st_dev != c->dev || st.st_ino != c->ino;
	(void)close(fd);
	return replaced;
}

/* Liveness of the attached data plane; detaches when it is gone. */
static void
dg_client_check(struct dg_client *c, uint64_t now, dg_client_event_fn *fn,
		void *arg)
{
	uint64_t alive;
	uint32_t state;

	if (now < c->next_check_ns)
		return;
	c->next_check_ns = now + DG_CLIENT_CHECK_MS * DG_MS;
	state = atomic_load_explicit(&c->hdr->state, memory_order_acquire);
	alive = atomic_load_explicit(&c->hdr->alive_ns, memory_order_relaxed);
	if (alive != c->last_alive) {
		c->last_alive = alive;
		c->last_alive_change_ns = now;
	}
	if (!c->opts.read_only)
		atomic_store_explicit(&c->hdr->client_alive_ns, now,
				      memory_order_relaxed);
	if (state == DG_SHM_STATE_STOPPED) {
		dg_client_err(c, "%s: drongo-dp (pid %u) stopped", c->name,
			      c->hdr->dp_pid);
	} else if (now - c->last_alive_change_ns >=
		   c->opts.dead_after_ms * DG_MS) {
		dg_client_err(c, "%s: drongo-dp (pid %u) not alive for %u ms",
			      c->name, c->hdr->dp_pid, c->opts.dead_after_ms);
	} else if (now >= c->next_restat_ns) {
		c->next_restat_ns = now + DG_CLIENT_RESTAT_MS * DG_MS;
		if (!dg_client_replaced(c))
			return;
		dg_client_err(c, "%s: replaced by a new drongo-dp region",
			      c->name);
		/* Attach to the new one at once. */
		c->next_retry_ns = now;
	} else {
		return;
	}
	dg_client_detach(c);
	if (!c->opts.read_only)
		dg_client_fail_all(c, -ENOTCONN, fn, arg);
}

int
dg_client_poll_events(struct dg_client *c, dg_client_event_fn *fn, void *arg,
		      unsigned int max)
{
	struct dg_msg burst[DG_CLIENT_BURST];
	unsigned int w, i, n, want, total = 0;
	uint64_t now;

	if (c->opts.read_only)
		return -EPERM;
	if (max == 0)
		max = UINT32_MAX;
	now = dg_shm_now_ns();
	if (c->hdr == NULL) {
		if (now < c->next_retry_ns)
			return 0;
		c->next_retry_ns = now + c->opts.retry_ms * DG_MS;
		if (dg_client_attach(c, now) < 0)
			return 0;
	}
	for (w = 0; w < c->workers && total < max; w++) {
		do {
			want = max - total < DG_CLIENT_BURST ?
				max - total : DG_CLIENT_BURST;
			n = dg_ring_dequeue_burst(&c->evt[w], burst, want);
			for (i = 0; i < n; i++)
				dg_client_deliver(c, w, &burst[i], fn, arg);
			total += n;
		} while (n == want && total < max);
	}
	dg_client_expire(c, now, fn, arg);
	dg_client_check(c, now, fn, arg);
	return (int)total;
}

struct dg_client_call_ctx {
	struct dg_msg *ack;
	dg_client_event_fn *fn;
	void *arg;
	bool done;
};

static void
dg_client_call_event(void *arg, const struct dg_client_event *ev)
{
	struct dg_client_call_ctx *ctx = arg;

	if (ev->cookie == ctx && ev->final) {
		*ctx->ack = *ev->msg;
		ctx->done = true;
		return;
	}
	if (ctx->fn != NULL)
		ctx->fn(ctx->arg, ev);
}

int
dg_client_call(struct dg_client *c, unsigned int worker, struct dg_msg *cmd,
	       struct dg_msg *ack, dg_client_event_fn *fn, void *arg,
	       unsigned int timeout_ms)
{
	const struct timespec nap = { .tv_sec = 0, .tv_nsec = 50000 };
	struct dg_client_call_ctx ctx = {
		.ack = ack, .fn = fn, .arg = arg, .done = false,
	};
	struct dg_client_pending *p;
	uint64_t deadline;
	uint32_t seq;
	int err;

	err = dg_client_send(c, worker, cmd, &ctx, &seq);
	if (err < 0)
		return err;
	deadline = dg_shm_now_ns() + (uint64_t)timeout_ms * DG_MS;
	while (!ctx.done) {
		if (dg_client_poll_events(c, dg_client_call_event, &ctx, 0) > 0)
			continue;
		if (ctx.done)
			break;
		if (dg_shm_now_ns() >= deadline) {
			/* The context dies with this frame: forget the
			 * command so a late reply is dropped, not delivered. */
			p = &c->pend[seq & c->pend_mask];
			if (p->used && p->seq == seq) {
				c->st.timeouts++;
				dg_client_release(c, p);
			}
			return -ETIMEDOUT;
		}
		(void)nanosleep(&nap, NULL);
	}
	return 0;
}

void
dg_client_stats_get(const struct dg_client *c, struct dg_client_stats *st)
{
	*st = c->st;
}
