/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The provider registry: one singly linked list per kind, kept in
 * registration order so /metrics and /health list parts stably.
 */
#include <errno.h>
#include <string.h>

#include "http_provider.h"

void
http_registry_init(struct http_registry *r)
{
	memset(r, 0, sizeof(*r));
}

int
http_registry_add(struct http_registry *r, struct http_provider *p)
{
	struct http_provider **pp;

	if ((unsigned int)p->kind >= HTTP_PROVIDER__COUNT || p->name == NULL ||
			p->name[0] == '\0' || p->fn == NULL)
		return -EINVAL;
	if (p->kind == HTTP_PROVIDER_JSON && p->name[0] != '/')
		return -EINVAL;
	if (p->registered)
		return -EBUSY;
	for (pp = &r->head[p->kind]; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->name, p->name) == 0)
			return -EEXIST;
	p->next = NULL;
	p->registered = true;
	*pp = p;
	return 0;
}

void
http_registry_remove(struct http_registry *r, struct http_provider *p)
{
	struct http_provider **pp;

	if (!p->registered || (unsigned int)p->kind >= HTTP_PROVIDER__COUNT)
		return;
	for (pp = &r->head[p->kind]; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			p->next = NULL;
			p->registered = false;
			return;
		}
	}
}

struct http_provider *
http_registry_find(const struct http_registry *r,
		enum http_provider_kind kind, struct dg_pl name)
{
	struct http_provider *p;

	if ((unsigned int)kind >= HTTP_PROVIDER__COUNT)
		return NULL;
	for (p = r->head[kind]; p != NULL; p = p->next)
		if (strlen(p->name) == name.len &&
				memcmp(p->name, name.p, name.len) == 0)
			return p;
	return NULL;
}
