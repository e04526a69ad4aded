/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The owner table: a chained hash by Call-ID. A sweep walks every entry
 * (a media node holds at most some hundred thousand calls, swept once a
 * heartbeat interval); the victims are unlinked first and handed to the
 * reaper afterwards, so the reaper may note or forget calls freely.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ng_owner.h"

#define NG_OWNER_BUCKETS 65536u

struct ng_owner_ent {
	struct ng_owner_ent *next;
	uint32_t hash;
	bool answered;
	uint64_t last_ms;		/* last offer or answer */
	char owner[NG_OWNER_ID_MAX];	/* "": none */
	char call_id[];
};

struct ng_owner {
	struct ng_owner_ent **buckets;
	uint64_t calls;
	uint64_t owned;
};

static uint32_t
owner_hash(struct dg_pl s)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < s.len; i++)
		h = (h ^ (uint8_t)s.p[i]) * 16777619u;
	return h;
}

static struct ng_owner_ent **
owner_find(struct ng_owner *o, struct dg_pl call_id, uint32_t h)
{
	struct ng_owner_ent **pp = &o->buckets[h & (NG_OWNER_BUCKETS - 1)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->hash == h && strlen((*pp)->call_id) == call_id.len &&
		    memcmp((*pp)->call_id, call_id.p, call_id.len) == 0)
			return pp;
	return NULL;
}

int
ng_owner_create(struct ng_owner **out)
{
	struct ng_owner *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return -ENOMEM;
	o->buckets = calloc(NG_OWNER_BUCKETS, sizeof(*o->buckets));
	if (o->buckets == NULL) {
		free(o);
		return -ENOMEM;
	}
	*out = o;
	return 0;
}

static void
owner_set(struct ng_owner *o, struct ng_owner_ent *e, struct dg_pl owner)
{
	size_t n = owner.len < NG_OWNER_ID_MAX ? owner.len : NG_OWNER_ID_MAX - 1;

	if (n == 0)
		return;
	if (e->owner[0] == '\0')
		o->owned++;
	memcpy(e->owner, owner.p, n);
	e->owner[n] = '\0';
}

int
ng_owner_note(struct ng_owner *o, struct dg_pl call_id, struct dg_pl owner,
	      bool answered, uint64_t now_ms)
{
	uint32_t h = owner_hash(call_id);
	struct ng_owner_ent **pp, *e;

	if (call_id.len == 0)
		return -EINVAL;
	pp = owner_find(o, call_id, h);
	if (pp != NULL) {
		owner_set(o, *pp, owner);
		(*pp)->answered |= answered;
		(*pp)->last_ms = now_ms;
		return 0;
	}
	e = calloc(1, sizeof(*e) + call_id.len + 1);
	if (e == NULL)
		return -ENOMEM;
	e->hash = h;
	e->answered = answered;
	e->last_ms = now_ms;
	memcpy(e->call_id, call_id.p, call_id.len);
	owner_set(o, e, owner);
	e->next = o->buckets[h & (NG_OWNER_BUCKETS - 1)];
	o->buckets[h & (NG_OWNER_BUCKETS - 1)] = e;
	o->calls++;
	return 0;
}

static void
owner_unlink(struct ng_owner *o, struct ng_owner_ent **pp)
{
	struct ng_owner_ent *e = *pp;

	*pp = e->next;
	o->calls--;
	if (e->owner[0] != '\0')
		o->owned--;
}

const char *
ng_owner_of(struct ng_owner *o, struct dg_pl call_id)
{
	struct ng_owner_ent **pp = owner_find(o, call_id, owner_hash(call_id));

	return pp != NULL ? (*pp)->owner : NULL;
}

void
ng_owner_forget(struct ng_owner *o, struct dg_pl call_id)
{
	struct ng_owner_ent **pp, *e;

	pp = owner_find(o, call_id, owner_hash(call_id));
	if (pp == NULL)
		return;
	e = *pp;
	owner_unlink(o, pp);
	free(e);
}

/* What a sweep reaps: an orphan, or an unanswered call left idle. */
struct owner_rule {
	uint64_t now_ms;
	uint64_t limit_ms;
	ng_owner_gone_fn *gone;		/* NULL: the idle rule */
	void *gone_arg;
};

static bool
owner_due(const struct owner_rule *r, const struct ng_owner_ent *e)
{
	uint64_t g;

	if (r->gone == NULL)
		return !e->answered && r->now_ms >= e->last_ms &&
			r->now_ms - e->last_ms >= r->limit_ms;
	if (e->owner[0] == '\0')
		return false;
	g = r->gone(r->gone_arg, e->owner, r->now_ms);
	return g != 0 && g >= r->limit_ms;
}

static unsigned int
owner_sweep(struct ng_owner *o, const struct owner_rule *r,
	    ng_owner_reap_fn *reap, void *reap_arg)
{
	struct ng_owner_ent *victims = NULL, *e, **pp;
	unsigned int b, n = 0;

	for (b = 0; b < NG_OWNER_BUCKETS && o->calls > 0; b++) {
		pp = &o->buckets[b];
		while ((e = *pp) != NULL) {
			if (!owner_due(r, e)) {
				pp = &e->next;
				continue;
			}
			owner_unlink(o, pp);
			e->next = victims;
			victims = e;
		}
	}
	while ((e = victims) != NULL) {
		victims = e->next;
		reap(reap_arg, e->call_id, e->owner);
		free(e);
		n++;
	}
	return n;
}

unsigned int
ng_owner_sweep(struct ng_owner *o, uint64_t now_ms, uint64_t grace_ms,
	       ng_owner_gone_fn *gone, void *gone_arg, ng_owner_reap_fn *reap,
	       void *reap_arg)
{
	struct owner_rule r = { now_ms, grace_ms, gone, gone_arg };

	if (o->owned == 0)
		return 0;
	return owner_sweep(o, &r, reap, reap_arg);
}

unsigned int
ng_owner_sweep_idle(struct ng_owner *o, uint64_t now_ms, uint64_t idle_ms,
		    ng_owner_reap_fn *reap, void *reap_arg)
{
	struct owner_rule r = { now_ms, idle_ms, NULL, NULL };

	return owner_sweep(o, &r, reap, reap_arg);
}

void
ng_owner_count(const struct ng_owner *o, uint64_t *calls, uint64_t *owned)
{
	*calls = o->calls;
	*owned = o->owned;
}

void
ng_owner_destroy(struct ng_owner *o)
{
	struct ng_owner_ent *e;
	unsigned int b;

	if (o == NULL)
		return;
	for (b = 0; b < NG_OWNER_BUCKETS; b++)
		while ((e = o->buckets[b]) != NULL) {
			o->buckets[b] = e->next;
			free(e);
		}
	free(o->buckets);
	free(o);
}
