/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backend-independent half of the location service: AoR
 * canonicalisation and the checks every backend can rely on, so that the
 * in-memory and Redis stores agree on what a key is and what is valid.
 */
#include <errno.h>
#include <string.h>

#include "sip_loc.h"

static bool
loc_is_unreserved(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || (c != '\0' && strchr("-_.!~*'()", c));
}

static int
loc_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char
loc_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool
loc_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* Append one byte, counting what does not fit. */
static void
loc_put(char *buf, size_t size, size_t *n, char c)
{
	if (*n < size)
		buf[*n] = c;
	(*n)++;
}

int
sip_loc_aor_canon(struct dg_pl uri, char *buf, size_t size)
{
	static const char hexd[] = "0123456789ABCDEF";
	const char *p = uri.p, *end = uri.p + uri.len, *at, *q, *h, *he;
	size_t n = 0, i;
	bool sips;
	int hi, lo;
	char c;

	if (p == NULL || uri.len < 4)
		return -EINVAL;
	for (i = 0; i < uri.len; i++)
		if ((unsigned char)p[i] <= 0x20 || p[i] == 0x7f)
			return -EINVAL;
	if (uri.len > 5 && strncasecmp(p, "sips:", 5) == 0)
		sips = true;
	else if (strncasecmp(p, "sip:", 4) == 0)
		sips = false;
	else
		return -EINVAL;
	p += sips ? 5 : 4;
	for (q = sips ? "sips:" : "sip:"; *q != '\0'; q++)
		loc_put(buf, size, &n, *q);
	at = memchr(p, '@', (size_t)(end - p));
	if (at != NULL) {
		/* user [":" password]: the password is dropped. */
		for (q = p; q < at && *q != ':'; q++) {
			if (*q != '%') {
				loc_put(buf, size, &n, *q);
				continue;
			}
			if (at - q < 3)
				return -EINVAL;
			hi = loc_hexval(q[1]);
			lo = loc_hexval(q[2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			if (loc_is_unreserved(c)) {
				loc_put(buf, size, &n, c);
			} else {
				loc_put(buf, size, &n, '%');
				loc_put(buf, size, &n, hexd[hi]);
				loc_put(buf, size, &n, hexd[lo]);
			}
			q += 2;
		}
		if (q == p)
			return -EINVAL;
		loc_put(buf, size, &n, '@');
		p = at + 1;
	}
	h = p;
	if (h < end && *h == '[') {
		he = memchr(h, ']', (size_t)(end - h));
		if (he == NULL || he - h < 3)
			return -EINVAL;
		for (q = h + 1; q < he; q++)
			if (loc_hexval(*q) < 0 && *q != ':' && *q != '.')
				return -EINVAL;
		he++;
	} else {
		for (he = h; he < end && loc_host_char(*he); he++)
			;
		if (he == h)
			return -EINVAL;
	}
	if (he < end && *he != ':' && *he != ';' && *he != '?')
		return -EINVAL;
	for (q = h; q < he; q++)
		loc_put(buf, size, &n, loc_lower(*q));
	if (n >= size || n >= SIP_LOC_AOR_MAX)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return (int)n;
}

static bool
loc_str_ok(struct dg_pl s, bool required)
{
	if (!dg_pl_isset(s))
		return !required;
	if (required && s.len == 0)
		return false;
	return s.len <= SIP_LOC_STR_MAX;
}

static bool
loc_binding_ok(const struct sip_loc_binding *b)
{
	unsigned int i;

	if (!loc_str_ok(b->contact, true) || !loc_str_ok(b->call_id, true) ||
	    !loc_str_ok(b->instance, false) ||
	    !loc_str_ok(b->user_agent, false) ||
	    b->q > 1000 || b->n_path > SIP_LOC_PATH_MAX ||
	    (unsigned int)b->source.transport >= SIP_LOC_TP__COUNT)
		return false;
	for (i = 0; i < b->n_path; i++)
		if (!loc_str_ok(b->path[i], true))
			return false;
	return true;
}

int
sip_loc_lookup(struct sip_loc *loc, struct dg_pl aor, sip_loc_done_fn done,
		void *arg)
{
	char canon[SIP_LOC_AOR_MAX];
	int n;

	n = sip_loc_aor_canon(aor, canon, sizeof(canon));
	if (n < 0)
		return -EINVAL;
	return loc->ops->lookup(loc, (struct dg_pl){ canon, (size_t)n }, done,
			arg);
}

int
sip_loc_save(struct sip_loc *loc, struct dg_pl aor,
		const struct sip_loc_binding *binding, uint32_t expires_s,
		sip_loc_done_fn done, void *arg)
{
	char canon[SIP_LOC_AOR_MAX];
	int n;

	n = sip_loc_aor_canon(aor, canon, sizeof(canon));
	if (n < 0 || !loc_binding_ok(binding))
		return -EINVAL;
	return loc->ops->save(loc, (struct dg_pl){ canon, (size_t)n }, binding,
			expires_s, done, arg);
}

int
sip_loc_replace(struct sip_loc *loc, struct dg_pl aor,
		const struct sip_loc_binding *bindings, unsigned int n,
		uint64_t expected_version, sip_loc_done_fn done, void *arg)
{
	char canon[SIP_LOC_AOR_MAX];
	unsigned int i, j;
	int len;

	len = sip_loc_aor_canon(aor, canon, sizeof(canon));
	if (len < 0 || (n > 0 && bindings == NULL))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!loc_binding_ok(&bindings[i]))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (dg_pl_eq(bindings[i].contact, bindings[j].contact))
				return -EINVAL;
	}
	return loc->ops->replace(loc, (struct dg_pl){ canon, (size_t)len },
			bindings, n, expected_version, done, arg);
}

int
sip_loc_remove(struct sip_loc *loc, struct dg_pl aor, struct dg_pl contact,
		sip_loc_done_fn done, void *arg)
{
	char canon[SIP_LOC_AOR_MAX];
	int n;

	n = sip_loc_aor_canon(aor, canon, sizeof(canon));
	if (n < 0 || !loc_str_ok(contact, true))
		return -EINVAL;
	return loc->ops->remove(loc, (struct dg_pl){ canon, (size_t)n },
			contact, done, arg);
}

int
sip_loc_remove_all(struct sip_loc *loc, struct dg_pl aor,
		sip_loc_done_fn done, void *arg)
{
	char canon[SIP_LOC_AOR_MAX];
	int n;

	n = sip_loc_aor_canon(aor, canon, sizeof(canon));
	if (n < 0)
		return -EINVAL;
	return loc->ops->remove_all(loc, (struct dg_pl){ canon, (size_t)n },
			done, arg);
}

void
sip_loc_destroy(struct sip_loc *loc)
{
	if (loc != NULL)
		loc->ops->destroy(loc);
}
