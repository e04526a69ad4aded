/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bencode decoding into a flat node array (iterative, with an explicit
 * stack bounded by NG_BEN_MAX_DEPTH, so hostile nesting costs no C stack)
 * and encoding by appending into a fixed buffer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ng_bencode.h"

struct ben_frame {
	uint32_t idx;		/* the open list or dictionary */
	uint32_t last;		/* its last child so far */
	uint32_t children;
	size_t start;
};

void
ng_ben_doc_init(struct ng_ben_doc *doc, struct ng_ben_node *nodes,
		uint32_t cap)
{
	doc->nodes = nodes;
	doc->cap = cap;
	doc->n = 0;
	doc->reason = NULL;
	doc->err_off = 0;
}

static int
ben_fail(struct ng_ben_doc *doc, size_t off, const char *reason)
{
	doc->reason = reason;
	doc->err_off = off;
	return -EBADMSG;
}

/*
 * A canonical decimal of at most NG_BEN_MAX_DIGITS digits ending at the
 * terminator @p term, starting at *pos. Returns the value in *out.
 */
static int
ben_number(struct ng_ben_doc *doc, const char *buf, size_t len, size_t *pos,
	   char term, bool allow_sign, int64_t *out)
{
	size_t p = *pos, start;
	uint64_t v = 0, limit = INT64_MAX;
	bool neg = false;

	if (allow_sign && p < len && buf[p] == '-') {
		neg = true;
		limit = (uint64_t)INT64_MAX + 1;
		p++;
	}
	start = p;
	while (p < len && buf[p] >= '0' && buf[p] <= '9') {
		if (p - start >= NG_BEN_MAX_DIGITS)
			return ben_fail(doc, p, "number too long");
		v = v * 10 + (uint64_t)(buf[p] - '0');
		if (v > limit)
			return ben_fail(doc, p, "number out of range");
		p++;
	}
	if (p == len)
		return ben_fail(doc, p, "truncated number");
	if (p == start)
		return ben_fail(doc, p, "expected a digit");
	if (buf[p] != term)
		return ben_fail(doc, p, term == 'e' ? "integer not ended by 'e'" :
				"string length not followed by ':'");
	if (buf[start] == '0' && p - start > 1)
		return ben_fail(doc, start, "leading zero");
	if (neg && v == 0)
		return ben_fail(doc, start, "negative zero");
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	*pos = p + 1;
	return 0;
}

static int
ben_node_new(struct ng_ben_doc *doc, struct ben_frame *stack,
	     unsigned int depth, uint8_t type, size_t start, uint32_t *idx)
{
	struct ng_ben_node *n;
	struct ben_frame *f;

	if (doc->n >= doc->cap) {
		doc->reason = "too many values";
		doc->err_off = start;
		return -E2BIG;
	}
	*idx = doc->n++;
	n = &doc->nodes[*idx];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->first = NG_BEN_NONE;
	n->next = NG_BEN_NONE;
	n->str.p = NULL;
	if (depth == 0)
		return 0;
	f = &stack[depth - 1];
	if (f->last == NG_BEN_NONE)
		doc->nodes[f->idx].first = *idx;
	else
		doc->nodes[f->last].next = *idx;
	f->last = *idx;
	f->children++;
	return 0;
}

int
ng_ben_decode(struct ng_ben_doc *doc, const char *buf, size_t len)
{
	struct ben_frame stack[NG_BEN_MAX_DEPTH];
	struct ng_ben_node *n;
	unsigned int depth = 0;
	size_t pos = 0, start;
	uint32_t idx;
	int64_t v;
	int err;

	doc->n = 0;
	doc->reason = NULL;
	doc->err_off = 0;
	for (;;) {
		if (pos >= len)
			return ben_fail(doc, pos, depth > 0 ?
					"truncated: container not closed" :
					"empty input");
		if (depth > 0 && buf[pos] == 'e') {
			struct ben_frame *f = &stack[--depth];

			n = &doc->nodes[f->idx];
			if (n->type == NG_BEN_DICT && f->children % 2 != 0)
				return ben_fail(doc, pos,
						"dictionary key without a value");
			n->count = n->type == NG_BEN_DICT ? f->children / 2 :
				f->children;
			pos++;
			n->str.p = buf + f->start;
			n->str.len = pos - f->start;
			if (depth == 0)
				return (int)pos;
			continue;
		}
		start = pos;
		if (depth > 0 && doc->nodes[stack[depth - 1].idx].type ==
		    NG_BEN_DICT && stack[depth - 1].children % 2 == 0 &&
		    !(buf[pos] >= '0' && buf[pos] <= '9'))
			return ben_fail(doc, pos, "dictionary key is not a string");
		switch (buf[pos]) {
		case 'i':
			pos++;
			err = ben_number(doc, buf, len, &pos, 'e', true, &v);
			if (err < 0)
				return err;
			err = ben_node_new(doc, stack, depth, NG_BEN_INT, start,
					   &idx);
			if (err < 0)
				return err;
			n = &doc->nodes[idx];
			n->ival = v;
			n->str.p = buf + start;
			n->str.len = pos - start;
			break;
		case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			err = ben_number(doc, buf, len, &pos, ':', false, &v);
			if (err < 0)
				return err;
			if ((uint64_t)v > len - pos)
				return ben_fail(doc, start,
						"truncated: string longer than the input");
			err = ben_node_new(doc, stack, depth, NG_BEN_STR, start,
					   &idx);
			if (err < 0)
				return err;
			n = &doc->nodes[idx];
			n->str.p = buf + pos;
			n->str.len = (size_t)v;
			pos += (size_t)v;
			break;
		case 'l':
		case 'd':
			if (depth >= NG_BEN_MAX_DEPTH)
				return ben_fail(doc, pos, "nested too deeply");
			err = ben_node_new(doc, stack, depth, buf[pos] == 'l' ?
					   NG_BEN_LIST : NG_BEN_DICT, start, &idx);
			if (err < 0)
				return err;
			stack[depth].idx = idx;
			stack[depth].last = NG_BEN_NONE;
			stack[depth].children = 0;
			stack[depth].start = start;
			depth++;
			pos++;
			continue;
		default:
			return ben_fail(doc, pos, "unexpected character");
		}
		if (depth == 0)
			return (int)pos;
	}
}

const struct ng_ben_node *
ng_ben_at(const struct ng_ben_doc *doc, uint32_t idx)
{
	return idx < doc->n ? &doc->nodes[idx] : NULL;
}

const struct ng_ben_node *
ng_ben_first(const struct ng_ben_doc *doc, const struct ng_ben_node *node)
{
	if (node == NULL ||
	    (node->type != NG_BEN_LIST && node->type != NG_BEN_DICT))
		return NULL;
	return ng_ben_at(doc, node->first);
}

const struct ng_ben_node *
ng_ben_next(const struct ng_ben_doc *doc, const struct ng_ben_node *node)
{
	return node == NULL ? NULL : ng_ben_at(doc, node->next);
}

bool
ng_ben_str_eq(const struct ng_ben_node *node, const char *s)
{
	size_t n = strlen(s);

	return node != NULL && node->type == NG_BEN_STR && node->str.len == n &&
		(n == 0 || memcmp(node->str.p, s, n) == 0);
}

const struct ng_ben_node *
ng_ben_dict_get(const struct ng_ben_doc *doc, const struct ng_ben_node *dict,
		const char *key)
{
	const struct ng_ben_node *k;

	if (dict == NULL || dict->type != NG_BEN_DICT)
		return NULL;
	for (k = ng_ben_first(doc, dict); k != NULL;
	     k = ng_ben_next(doc, ng_ben_next(doc, k))) {
		if (ng_ben_str_eq(k, key))
			return ng_ben_next(doc, k);
	}
	return NULL;
}

void
ng_benc_init(struct ng_benc *e, char *buf, size_t cap)
{
	e->buf = buf;
	e->cap = cap;
	e->len = 0;
	e->err = 0;
}

void
ng_benc_raw(struct ng_benc *e, const void *p, size_t n)
{
	if (e->err != 0)
		return;
	if (n > e->cap - e->len) {
		e->err = -ENOSPC;
		return;
	}
	if (n > 0)
		memcpy(e->buf + e->len, p, n);
	e->len += n;
}

void
ng_benc_str(struct ng_benc *e, const void *p, size_t n)
{
	char hdr[24];
	int k;

	k = snprintf(hdr, sizeof(hdr), "%zu:", n);
	ng_benc_raw(e, hdr, (size_t)k);
	ng_benc_raw(e, p, n);
}

void
ng_benc_cstr(struct ng_benc *e, const char *s)
{
	ng_benc_str(e, s, strlen(s));
}

void
ng_benc_int(struct ng_benc *e, int64_t v)
{
	char tmp[32];
	int k;

	k = snprintf(tmp, sizeof(tmp), "i%" PRId64 "e", v);
	ng_benc_raw(e, tmp, (size_t)k);
}

void
ng_benc_list(struct ng_benc *e)
{
	ng_benc_raw(e, "l", 1);
}

void
ng_benc_dict(struct ng_benc *e)
{
	ng_benc_raw(e, "d", 1);
}

void
ng_benc_end(struct ng_benc *e)
{
	ng_benc_raw(e, "e", 1);
}

void
ng_benc_kv_cstr(struct ng_benc *e, const char *key, const char *val)
{
	ng_benc_cstr(e, key);
	ng_benc_cstr(e, val);
}

void
ng_benc_kv_str(struct ng_benc *e, const char *key, const void *p, size_t n)
{
	ng_benc_cstr(e, key);
	ng_benc_str(e, p, n);
}

void
ng_benc_kv_int(struct ng_benc *e, const char *key, int64_t v)
{
	ng_benc_cstr(e, key);
	ng_benc_int(e, v);
}

void
ng_benc_node(struct ng_benc *e, const struct ng_ben_doc *doc, uint32_t idx)
{
	const struct ng_ben_node *n = ng_ben_at(doc, idx);
	const struct ng_ben_node *c;

	if (n == NULL)
		return;
	switch (n->type) {
	case NG_BEN_INT:
		ng_benc_int(e, n->ival);
		break;
	case NG_BEN_STR:
		ng_benc_str(e, n->str.p, n->str.len);
		break;
	case NG_BEN_LIST:
	case NG_BEN_DICT:
		ng_benc_raw(e, n->type == NG_BEN_LIST ? "l" : "d", 1);
		for (c = ng_ben_first(doc, n); c != NULL; c = ng_ben_next(doc, c))
			ng_benc_node(e, doc, (uint32_t)(c - doc->nodes));
		ng_benc_end(e);
		break;
	default:
		break;
	}
}

int
ng_benc_finish(const struct ng_benc *e)
{
	return e->err != 0 ? e->err : (int)e->len;
}
