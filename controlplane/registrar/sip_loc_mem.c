/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-memory location store. Each AoR holds its bindings in one array (so a
 * record is handed out without copying) and each binding's strings in one
 * allocation. Every change first builds what it needs and only then
 * modifies the AoR, so a failed allocation leaves the store as it was.
 * Versions come from one store-wide counter, so a version is never reused
 * even when an AoR disappears and comes back (no ABA for compare-and-swap).
 * In deferred mode an operation is applied at once but its completion,
 * with a deep copy of the record, waits in a queue for
 * sip_loc_mem_run_pending(), as a remote store's reply would.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sip_loc_mem.h"

#define LOC_MEM_AORS_DEFAULT 100000u
#define LOC_MEM_AORS_LIMIT (1u << 24)
#define LOC_MEM_BINDINGS_DEFAULT 10u

struct loc_aor {
	struct loc_aor *next;
	uint64_t hash;
	uint64_t version;
	unsigned int n;
	unsigned int cap;
	struct sip_loc_binding *bindings;
	char **blocks;			/* strings of bindings[i] */
	size_t aor_len;
	char aor[];
};

/* A completion waiting in deferred mode, owning its record's copy. */
struct loc_pending {
	struct loc_pending *next;
	sip_loc_done_fn done;
	void *arg;
	int err;
	bool has_rec;
	struct sip_loc_record rec;
	struct sip_loc_binding *bindings;
	char **blocks;
	char *aor;
};

struct loc_mem {
	struct sip_loc loc;		/* first: the handle */
	bool deferred;
	struct loc_pending *pending;
	struct loc_pending **pending_tail;
	struct loc_aor **buckets;
	size_t mask;
	size_t n_aors;
	size_t cursor;
	uint64_t seq;
	uint32_t max_aors;
	uint32_t max_bindings;
	sip_loc_clock_fn clock;
	void *clock_arg;
};

static uint64_t
loc_mem_realtime(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

static uint64_t
loc_hash(struct dg_pl s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < s.len; i++)
		h = (h ^ (uint8_t)s.p[i]) * 0x100000001b3ull;
	return h;
}

/* Copy a binding's strings into one block; views then point into it. */
static int
loc_binding_copy(const struct sip_loc_binding *src, struct sip_loc_binding *dst,
		char **block)
{
	struct dg_pl *views[4 + SIP_LOC_PATH_MAX];
	size_t total = 0, off = 0;
	unsigned int nv = 0, i;
	char *mem;

	*dst = *src;
	views[nv++] = &dst->contact;
	views[nv++] = &dst->call_id;
	views[nv++] = &dst->instance;
	views[nv++] = &dst->user_agent;
	for (i = 0; i < src->n_path; i++)
		views[nv++] = &dst->path[i];
	for (i = src->n_path; i < SIP_LOC_PATH_MAX; i++)
		dst->path[i] = DG_PL_NULL;
	for (i = 0; i < nv; i++)
		total += views[i]->len;
	mem = malloc(total + 1);
	if (mem == NULL)
		return -ENOMEM;
	for (i = 0; i < nv; i++) {
		if (!dg_pl_isset(*views[i]))
			continue;
		if (views[i]->len > 0)
			memcpy(mem + off, views[i]->p, views[i]->len);
		views[i]->p = mem + off;
		off += views[i]->len;
	}
	*block = mem;
	return 0;
}

static struct loc_aor *
loc_find(struct loc_mem *m, struct dg_pl aor, uint64_t hash,
		struct loc_aor ***link)
{
	struct loc_aor **pp, *a;

	for (pp = &m->buckets[hash & m->mask]; (a = *pp) != NULL;
	     pp = &a->next) {
		if (a->hash == hash && a->aor_len == aor.len &&
		    memcmp(a->aor, aor.p, aor.len) == 0) {
			if (link != NULL)
				*link = pp;
			return a;
		}
	}
	if (link != NULL)
		*link = pp;
	return NULL;
}

static void
loc_aor_free(struct loc_aor *a)
{
	unsigned int i;

	for (i = 0; i < a->n; i++)
		free(a->blocks[i]);
	free(a->bindings);
	free(a->blocks);
	free(a);
}

/* Unlink (through link) and free an AoR. */
static void
loc_aor_drop(struct loc_mem *m, struct loc_aor **link)
{
	struct loc_aor *a = *link;

	*link = a->next;
	loc_aor_free(a);
	m->n_aors--;
}

static void
loc_binding_del(struct loc_aor *a, unsigned int i)
{
	free(a->blocks[i]);
	memmove(&a->bindings[i], &a->bindings[i + 1],
		(a->n - i - 1) * sizeof(a->bindings[0]));
	memmove(&a->blocks[i], &a->blocks[i + 1],
		(a->n - i - 1) * sizeof(a->blocks[0]));
	a->n--;
}

/* A binding lives while now < expires. Returns how many went. */
static unsigned int
loc_aor_expire(struct loc_aor *a, uint64_t now)
{
	unsigned int i = 0, gone = 0;

	while (i < a->n) {
		if (a->bindings[i].expires <= now) {
			loc_binding_del(a, i);
			gone++;
		} else {
			i++;
		}
	}
	return gone;
}

/*
 * Find an AoR, dropping its expired bindings first; an AoR left empty is
 * freed and reported absent. *link is where a new AoR would be inserted.
 */
static struct loc_aor *
loc_get(struct loc_mem *m, struct dg_pl aor, uint64_t hash,
		struct loc_aor ***link)
{
	struct loc_aor *a;

	a = loc_find(m, aor, hash, link);
	if (a == NULL)
		return NULL;
	(void)loc_aor_expire(a, m->clock(m->clock_arg));
	if (a->n > 0)
		return a;
	loc_aor_drop(m, *link);
	(void)loc_find(m, aor, hash, link);
	return NULL;
}

static struct loc_aor *
loc_aor_new(struct dg_pl aor, uint64_t hash)
{
	struct loc_aor *a;

	a = calloc(1, sizeof(*a) + aor.len + 1);
	if (a == NULL)
		return NULL;
	a->hash = hash;
	a->aor_len = aor.len;
	memcpy(a->aor, aor.p, aor.len);
	return a;
}

static int
loc_aor_reserve(struct loc_aor *a, unsigned int need)
{
	struct sip_loc_binding *b;
	unsigned int cap;
	char **blocks;

	if (need <= a->cap)
		return 0;
	cap = a->cap == 0 ? 2 : a->cap;
	while (cap < need)
		cap *= 2;
	b = realloc(a->bindings, cap * sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	a->bindings = b;
	blocks = realloc(a->blocks, cap * sizeof(*blocks));
	if (blocks == NULL)
		return -ENOMEM;
	a->blocks = blocks;
	a->cap = cap;
	return 0;
}

static void
loc_pending_free(struct loc_pending *p)
{
	unsigned int i;

	if (p->blocks != NULL)
		for (i = 0; i < p->rec.n_bindings; i++)
			free(p->blocks[i]);
	free(p->blocks);
	free(p->bindings);
	free(p->aor);
	free(p);
}

/* Deferred mode: the queue entry is taken before the operation runs, so
 * that a failure to queue is a submission error and changes nothing. */
static int
loc_begin(struct loc_mem *m, struct loc_pending **p)
{
	*p = NULL;
	if (!m->deferred)
		return 0;
	*p = calloc(1, sizeof(**p));
	return *p == NULL ? -ENOMEM : 0;
}

/* Copy a record into a queue entry; -ENOMEM leaves it without one. */
static int
loc_pending_copy(struct loc_pending *p, const struct sip_loc_record *rec)
{
	unsigned int i;

	p->aor = malloc(rec->aor.len + 1);
	if (p->aor == NULL)
		return -ENOMEM;
	memcpy(p->aor, rec->aor.p, rec->aor.len);
	p->rec = *rec;
	p->rec.aor.p = p->aor;
	p->rec.n_bindings = 0;
	if (rec->n_bindings > 0) {
		p->bindings = calloc(rec->n_bindings, sizeof(*p->bindings));
		p->blocks = calloc(rec->n_bindings, sizeof(*p->blocks));
		if (p->bindings == NULL || p->blocks == NULL)
			return -ENOMEM;
	}
	for (i = 0; i < rec->n_bindings; i++) {
		if (loc_binding_copy(&rec->bindings[i], &p->bindings[i],
				&p->blocks[i]) < 0)
			return -ENOMEM;
		p->rec.n_bindings++;
	}
	p->rec.bindings = p->bindings;
	return 0;
}

static void
loc_complete(struct loc_mem *m, struct loc_pending *p, sip_loc_done_fn done,
		void *arg, int err, struct dg_pl aor, const struct loc_aor *a)
{
	struct sip_loc_record rec = { .aor = aor };

	if (a != NULL) {
		rec.aor = (struct dg_pl){ a->aor, a->aor_len };
		rec.version = a->version;
		rec.n_bindings = a->n;
		rec.bindings = a->bindings;
	}
	if (p == NULL) {
		done(arg, err, err < 0 ? NULL : &rec);
		return;
	}
	p->done = done;
	p->arg = arg;
	p->err = err;
	/* The operation is applied; losing its record is reported as a lost
	 * reply would be by a remote store. */
	if (err == 0 && loc_pending_copy(p, &rec) < 0)
		p->err = -ENOMEM;
	p->has_rec = p->err == 0;
	*m->pending_tail = p;
	m->pending_tail = &p->next;
}

static int
loc_mem_lookup(struct sip_loc *loc, struct dg_pl aor, sip_loc_done_fn done,
		void *arg)
{
	struct loc_mem *m = (struct loc_mem *)loc;
	struct loc_pending *p;
	struct loc_aor **link;
	int err;

	err = loc_begin(m, &p);
	if (err < 0)
		return err;
	loc_complete(m, p, done, arg, 0, aor,
			loc_get(m, aor, loc_hash(aor), &link));
	return 0;
}

static bool
loc_binding_match(const struct sip_loc_binding *have,
		const struct sip_loc_binding *b)
{
	if (dg_pl_isset(b->instance) && b->reg_id != 0)
		return have->reg_id == b->reg_id &&
			dg_pl_eq(have->instance, b->instance);
	return dg_pl_eq(have->contact, b->contact);
}

static int
loc_save(struct loc_mem *m, struct dg_pl aor, const struct sip_loc_binding *b,
		uint32_t expires_s, struct loc_aor **out)
{
	struct loc_aor **link, *a;
	struct sip_loc_binding copy;
	uint64_t hash = loc_hash(aor);
	unsigned int i;
	char *block;
	bool created = false;
	int err;

	a = loc_get(m, aor, hash, &link);
	*out = a;
	i = 0;
	if (a != NULL)
		while (i < a->n && !loc_binding_match(&a->bindings[i], b))
			i++;
	if (a != NULL && i < a->n && dg_pl_eq(a->bindings[i].call_id, b->call_id) &&
	    b->cseq <= a->bindings[i].cseq)
		return -EPROTO;
	if (expires_s == 0) {
		if (a == NULL || i == a->n)
			return 0;
		loc_binding_del(a, i);
		a->version = ++m->seq;
		if (a->n == 0) {
			loc_aor_drop(m, link);
			*out = NULL;
		}
		return 0;
	}
	if (a == NULL) {
		if (m->n_aors >= m->max_aors)
			return -ENOSPC;
		a = loc_aor_new(aor, hash);
		if (a == NULL)
			return -ENOMEM;
		created = true;
	} else if (i == a->n && a->n >= m->max_bindings) {
		return -ENOSPC;
	}
	err = loc_aor_reserve(a, i + 1);
	if (err == 0)
		err = loc_binding_copy(b, &copy, &block);
	if (err < 0) {
		if (created)
			loc_aor_free(a);
		return err;
	}
	copy.expires = m->clock(m->clock_arg) + expires_s;
	if (i < a->n) {
		free(a->blocks[i]);
	} else {
		a->n++;
	}
	a->bindings[i] = copy;
	a->blocks[i] = block;
	a->version = ++m->seq;
	if (created) {
		*link = a;
		m->n_aors++;
	}
	*out = a;
	return 0;
}

static int
loc_mem_save(struct sip_loc *loc, struct dg_pl aor,
		const struct sip_loc_binding *binding, uint32_t expires_s,
		sip_loc_done_fn done, void *arg)
{
	struct loc_mem *m = (struct loc_mem *)loc;
	struct loc_pending *p;
	struct loc_aor *a;
	int err;

	err = loc_begin(m, &p);
	if (err < 0)
		return err;
	err = loc_save(m, aor, binding, expires_s, &a);
	loc_complete(m, p, done, arg, err, aor, a);
	return 0;
}

static int
loc_replace(struct loc_mem *m, struct dg_pl aor,
		const struct sip_loc_binding *bindings, unsigned int n,
		uint64_t expected, struct loc_aor **out)
{
	uint64_t hash = loc_hash(aor), now = m->clock(m->clock_arg);
	struct sip_loc_binding *nb = NULL;
	struct loc_aor **link, *a, *fresh = NULL;
	unsigned int i, k = 0;
	char **blocks = NULL;
	int err = -ENOMEM;

	a = loc_get(m, aor, hash, &link);
	*out = a;
	if ((a != NULL ? a->version : 0) != expected)
		return -ESTALE;
	if (n > m->max_bindings)
		return -ENOSPC;
	for (i = 0; i < n; i++)
		if (bindings[i].expires > now)
			k++;
	if (k == 0) {
		if (a != NULL) {
			loc_aor_drop(m, link);
			*out = NULL;
		}
		return 0;
	}
	if (a == NULL && m->n_aors >= m->max_aors)
		return -ENOSPC;
	nb = calloc(k, sizeof(*nb));
	blocks = calloc(k, sizeof(*blocks));
	if (nb == NULL || blocks == NULL)
		goto out_free;
	if (a == NULL) {
		fresh = loc_aor_new(aor, hash);
		if (fresh == NULL)
			goto out_free;
	}
	k = 0;
	for (i = 0; i < n; i++) {
		if (bindings[i].expires <= now)
			continue;
		err = loc_binding_copy(&bindings[i], &nb[k], &blocks[k]);
		if (err < 0)
			goto out_free;
		k++;
	}
	if (fresh != NULL) {
		a = fresh;
		*link = a;
		m->n_aors++;
	} else {
		for (i = 0; i < a->n; i++)
			free(a->blocks[i]);
		free(a->bindings);
		free(a->blocks);
	}
	a->bindings = nb;
	a->blocks = blocks;
	a->n = k;
	a->cap = k;
	a->version = ++m->seq;
	*out = a;
	return 0;
out_free:
	if (blocks != NULL)
		for (i = 0; i < k; i++)
			free(blocks[i]);
	free(blocks);
	free(nb);
	free(fresh);
	return err;
}

static int
loc_mem_replace(struct sip_loc *loc, struct dg_pl aor,
		const struct sip_loc_binding *bindings, unsigned int n,
		uint64_t expected_version, sip_loc_done_fn done, void *arg)
{
	struct loc_mem *m = (struct loc_mem *)loc;
	struct loc_pending *p;
	struct loc_aor *a;
	int err;

	err = loc_begin(m, &p);
	if (err < 0)
		return err;
	err = loc_replace(m, aor, bindings, n, expected_version, &a);
	loc_complete(m, p, done, arg, err, aor, a);
	return 0;
}

static int
loc_mem_remove(struct sip_loc *loc, struct dg_pl aor, struct dg_pl contact,
		sip_loc_done_fn done, void *arg)
{
	struct loc_mem *m = (struct loc_mem *)loc;
	struct loc_aor **link, *a;
	struct loc_pending *p;
	unsigned int i = 0;
	int err;

	err = loc_begin(m, &p);
	if (err < 0)
		return err;
	a = loc_get(m, aor, loc_hash(aor), &link);
	if (a != NULL)
		while (i < a->n && !dg_pl_eq(a->bindings[i].contact, contact))
			i++;
	if (a == NULL || i == a->n) {
		loc_complete(m, p, done, arg, -ENOENT, aor, NULL);
		return 0;
	}
	loc_binding_del(a, i);
	a->version = ++m->seq;
	if (a->n == 0) {
		loc_aor_drop(m, link);
		a = NULL;
	}
	loc_complete(m, p, done, arg, 0, aor, a);
	return 0;
}

static int
loc_mem_remove_all(struct sip_loc *loc, struct dg_pl aor, sip_loc_done_fn done,
		void *arg)
{
	struct loc_mem *m = (struct loc_mem *)loc;
	struct loc_pending *p;
	struct loc_aor **link;
	int err;

	err = loc_begin(m, &p);
	if (err < 0)
		return err;
	if (loc_find(m, aor, loc_hash(aor), &link) != NULL)
		loc_aor_drop(m, link);
	loc_complete(m, p, done, arg, 0, aor, NULL);
	return 0;
}

static void
loc_mem_destroy(struct sip_loc *loc)
{
	struct loc_mem *m = (struct loc_mem *)loc;
	struct loc_pending *p, *pnext;
	struct loc_aor *a, *next;
	size_t i;

	for (p = m->pending; p != NULL; p = pnext) {
		pnext = p->next;
		loc_pending_free(p);
	}
	for (i = 0; i <= m->mask; i++) {
		for (a = m->buckets[i]; a != NULL; a = next) {
			next = a->next;
			loc_aor_free(a);
		}
	}
	free(m->buckets);
	free(m);
}

static const struct sip_loc_ops loc_mem_ops = {
	.lookup = loc_mem_lookup,
	.save = loc_mem_save,
	.replace = loc_mem_replace,
	.remove = loc_mem_remove,
	.remove_all = loc_mem_remove_all,
	.destroy = loc_mem_destroy,
};

int
sip_loc_mem_create(struct sip_loc **out, const struct sip_loc_mem_conf *conf)
{
	struct loc_mem *m;
	size_t nb;

	if (conf->max_aors > LOC_MEM_AORS_LIMIT)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->loc.ops = &loc_mem_ops;
	m->max_aors = conf->max_aors != 0 ? conf->max_aors : LOC_MEM_AORS_DEFAULT;
	m->max_bindings = conf->max_bindings != 0 ? conf->max_bindings :
		LOC_MEM_BINDINGS_DEFAULT;
	m->clock = conf->clock != NULL ? conf->clock : loc_mem_realtime;
	m->clock_arg = conf->clock_arg;
	m->deferred = conf->deferred;
	m->pending_tail = &m->pending;
	for (nb = 16; nb < m->max_aors; nb <<= 1)
		;
	m->buckets = calloc(nb, sizeof(*m->buckets));
	if (m->buckets == NULL) {
		free(m);
		return -ENOMEM;
	}
	m->mask = nb - 1;
	*out = &m->loc;
	return 0;
}

unsigned int
sip_loc_mem_sweep(struct sip_loc *loc, unsigned int buckets)
{
	struct loc_mem *m = (struct loc_mem *)loc;
	uint64_t now = m->clock(m->clock_arg);
	struct loc_aor **pp, *a;
	unsigned int gone = 0, k;

	if (loc->ops != &loc_mem_ops)
		return 0;
	for (k = 0; k < buckets && k <= m->mask; k++) {
		pp = &m->buckets[m->cursor];
		while ((a = *pp) != NULL) {
			gone += loc_aor_expire(a, now);
			if (a->n == 0)
				loc_aor_drop(m, pp);
			else
				pp = &a->next;
		}
		m->cursor = (m->cursor + 1) & m->mask;
	}
	return gone;
}

size_t
sip_loc_mem_buckets(const struct sip_loc *loc)
{
	const struct loc_mem *m = (const struct loc_mem *)loc;

	return loc->ops == &loc_mem_ops ? m->mask + 1 : 0;
}

size_t
sip_loc_mem_aors(const struct sip_loc *loc)
{
	const struct loc_mem *m = (const struct loc_mem *)loc;

	return loc->ops == &loc_mem_ops ? m->n_aors : 0;
}

size_t
sip_loc_mem_foreach(const struct sip_loc *loc, sip_loc_mem_visit_fn fn,
		void *arg, size_t max)
{
	const struct loc_mem *m = (const struct loc_mem *)loc;
	struct sip_loc_record rec;
	const struct loc_aor *a;
	unsigned int i, k;
	uint64_t now;
	size_t b, n = 0;

	if (loc->ops != &loc_mem_ops)
		return 0;
	now = m->clock(m->clock_arg);
	for (b = 0; b <= m->mask; b++)
		for (a = m->buckets[b]; a != NULL; a = a->next) {
			/* Expired bindings wait for the sweep: an AoR with only those is left out. */
			for (i = 0, k = 0; i < a->n; i++)
				if (a->bindings[i].expires > now)
					k++;
			if (k == 0)
				continue;
			if (n == max)
				return n;
			rec.aor = (struct dg_pl){ a->aor, a->aor_len };
			rec.version = a->version;
			rec.n_bindings = a->n;
			rec.bindings = a->bindings;
			fn(arg, &rec, now);
			n++;
		}
	return n;
}

unsigned int
sip_loc_mem_run_pending(struct sip_loc *loc)
{
	struct loc_mem *m = (struct loc_mem *)loc;
	struct loc_pending *p, *next;
	unsigned int n = 0;

	if (loc->ops != &loc_mem_ops)
		return 0;
	/* Completions queued by these callbacks wait for the next run. */
	p = m->pending;
	m->pending = NULL;
	m->pending_tail = &m->pending;
	for (; p != NULL; p = next) {
		next = p->next;
		p->done(p->arg, p->err, p->has_rec ? &p->rec : NULL);
		loc_pending_free(p);
		n++;
	}
	return n;
}
