/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The peer view: a small array searched by id (a cluster has tens of
 * nodes, read once a heartbeat interval), updated in place by each read.
 */
#include <stdlib.h>
#include <string.h>

#include "cl_view.h"

void
cl_view_init(struct cl_view *v)
{
	memset(v, 0, sizeof(*v));
}

static struct cl_view_peer *
view_find(struct cl_view *v, const char *id)
{
	unsigned int i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->peers[i].p.id, id) == 0)
			return &v->peers[i];
	return NULL;
}

const struct cl_view_peer *
cl_view_find(const struct cl_view *v, const char *id)
{
	return view_find((struct cl_view *)(uintptr_t)v, id);
}

void
cl_view_update(struct cl_view *v, const struct cl_peer *peers, unsigned int n,
	       uint64_t now_ms)
{
	struct cl_view_peer *vp;
	unsigned int i;

	for (i = 0; i < v->n; i++)
		v->peers[i].alive = false;
	for (i = 0; i < n; i++) {
		vp = view_find(v, peers[i].id);
		if (vp == NULL) {
			if (v->n == CL_VIEW_MAX) {
				v->overflow++;
				continue;
			}
			vp = &v->peers[v->n++];
			vp->since_ms = now_ms;
		} else if (vp->p.inc != peers[i].inc ||
			   vp->p.start_s != peers[i].start_s) {
			vp->since_ms = now_ms;
		}
		vp->p = peers[i];
		vp->alive = true;
		vp->last_seen_ms = now_ms;
		vp->gone_since_ms = 0;
	}
	for (i = 0; i < v->n;) {
		vp = &v->peers[i];
		if (!vp->alive && vp->gone_since_ms == 0)
			vp->gone_since_ms = now_ms;
		if (!vp->alive && now_ms - vp->gone_since_ms >= CL_VIEW_FORGET_MS) {
			*vp = v->peers[--v->n];
			continue;
		}
		i++;
	}
	v->fresh = true;
	if (!v->have_read)
		v->first_read_ms = now_ms;
	v->have_read = true;
	v->last_read_ms = now_ms;
}

void
cl_view_stale(struct cl_view *v)
{
	v->fresh = false;
}

unsigned int
cl_view_alive(const struct cl_view *v, enum cp_role role)
{
	unsigned int i, n = 0;

	for (i = 0; i < v->n; i++)
		if (v->peers[i].alive && v->peers[i].p.role == role)
			n++;
	return n;
}

uint64_t
cl_view_gone_ms(const struct cl_view *v, const char *id, uint64_t now_ms)
{
	const struct cl_view_peer *vp = cl_view_find(v, id);
	uint64_t since;

	if (vp != NULL && vp->alive)
		return 0;
	since = vp != NULL ? vp->gone_since_ms : v->first_read_ms;
	if (!v->have_read || now_ms < since)
		return 0;
	return now_ms - since;
}

uint64_t
cl_view_owner_gone_ms(const struct cl_view *v, const char *owner,
		      uint64_t now_ms)
{
	const char *slash = strchr(owner, '/');
	const struct cl_view_peer *vp;
	char id[CP_CLUSTER_ID_MAX];
	unsigned long long inc;
	size_t n;
	char *end;

	if (slash == NULL)
		return cl_view_gone_ms(v, owner, now_ms);
	n = (size_t)(slash - owner);
	if (n >= sizeof(id))
		n = sizeof(id) - 1;
	memcpy(id, owner, n);
	id[n] = '\0';
	inc = strtoull(slash + 1, &end, 10);
	vp = cl_view_find(v, id);
	if (vp == NULL || !vp->alive || *end != '\0' ||
	    vp->p.inc == (uint64_t)inc)
		return cl_view_gone_ms(v, id, now_ms);
	return now_ms >= vp->since_ms ? now_ms - vp->since_ms : 0;
}
