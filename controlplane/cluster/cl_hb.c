/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heartbeat records: "v=1" then "id=", "role=", "sip=", "ng=", "http=",
 * "capacity=", "weight=", "load=", "start=", "seq=", "inc=" lines, each ended by
 * '\n'. Unknown names are skipped, a repeated name keeps the last value.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cl_hb.h"

int
cl_hb_encode(const struct cl_peer *p, char *buf, size_t cap)
{
	int n;

	n = snprintf(buf, cap,
		"v=1\nid=%s\nrole=%s\nsip=%s\nng=%s\nhttp=%s\ncapacity=%u\n"
		"weight=%u\nload=%llu\nstart=%llu\nseq=%llu\ninc=%llu\n",
		p->id, cp_role_names[p->role], p->sip, p->ng, p->http,
		p->capacity, p->weight, (unsigned long long)p->load,
		(unsigned long long)p->start_s, (unsigned long long)p->seq,
		(unsigned long long)p->inc);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

static int
hb_u64(const char *v, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (len == 0 || len > 20)
		return -EBADMSG;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EBADMSG;
		if (x > (UINT64_MAX - (uint64_t)(v[i] - '0')) / 10)
			return -EBADMSG;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (x > max)
		return -EBADMSG;
	*out = x;
	return 0;
}

static int
hb_str(const char *v, size_t len, char *dst, size_t cap)
{
	size_t i;

	if (len >= cap)
		return -EBADMSG;
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] >= 0x7f)
			return -EBADMSG;
	/* The whole field: a repeated name leaves nothing of the last value. */
	memset(dst, 0, cap);
	memcpy(dst, v, len);
	return 0;
}

static bool
hb_name(const char *k, size_t klen, const char *name)
{
	return strlen(name) == klen && memcmp(k, name, klen) == 0;
}

/* One "name=value" line of a version 1 record. */
static int
hb_field(struct cl_peer *p, const char *k, size_t klen, const char *v,
	 size_t vlen, bool *have_role)
{
	uint64_t x;
	unsigned int r;
	int err;

	if (hb_name(k, klen, "id"))
		return vlen == 0 ? -EBADMSG : hb_str(v, vlen, p->id, sizeof(p->id));
	if (hb_name(k, klen, "role")) {
		for (r = 0; r < CP_ROLE__COUNT; r++)
			if (hb_name(v, vlen, cp_role_names[r])) {
				p->role = (enum cp_role)r;
				*have_role = true;
				return 0;
			}
		return -EBADMSG;
	}
	if (hb_name(k, klen, "sip"))
		return hb_str(v, vlen, p->sip, sizeof(p->sip));
	if (hb_name(k, klen, "ng"))
		return hb_str(v, vlen, p->ng, sizeof(p->ng));
	if (hb_name(k, klen, "http"))
		return hb_str(v, vlen, p->http, sizeof(p->http));
	if (hb_name(k, klen, "capacity") || hb_name(k, klen, "weight")) {
		err = hb_u64(v, vlen, UINT32_MAX, &x);
		if (err < 0)
			return err;
		if (k[0] == 'c')
			p->capacity = (uint32_t)x;
		else
			p->weight = (uint32_t)x;
		return 0;
	}
	if (hb_name(k, klen, "load"))
		return hb_u64(v, vlen, UINT64_MAX, &p->load);
	if (hb_name(k, klen, "start"))
		return hb_u64(v, vlen, UINT64_MAX, &p->start_s);
	if (hb_name(k, klen, "seq"))
		return hb_u64(v, vlen, UINT64_MAX, &p->seq);
	if (hb_name(k, klen, "inc"))
		return hb_u64(v, vlen, UINT64_MAX, &p->inc);
	return 0;
}

int
cl_hb_decode(const char *buf, size_t len, struct cl_peer *p)
{
	const char *line = buf, *end = buf + len, *nl, *eq;
	bool first = true, have_role = false;
	int err;

	memset(p, 0, sizeof(*p));
	while (line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			return -EBADMSG;
		if (first) {
			if (nl - line != 3 || memcmp(line, "v=1", 3) != 0)
				return -EBADMSG;
			first = false;
		} else {
			eq = memchr(line, '=', (size_t)(nl - line));
			if (eq == NULL || eq == line)
				return -EBADMSG;
			err = hb_field(p, line, (size_t)(eq - line), eq + 1,
				       (size_t)(nl - eq - 1), &have_role);
			if (err < 0)
				return err;
		}
		line = nl + 1;
	}
	if (p->id[0] == '\0' || !have_role)
		return -EBADMSG;
	return 0;
}
