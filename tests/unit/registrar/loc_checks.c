/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The location service's behaviour, checked over whichever backend
 * loc_check_be names: expiry at the exact boundary, Call-ID/CSeq
 * ordering, compare-and-swap, limits, removal, RFC 5626 matching, the
 * exactly-once callback contract, and a long random churn checked step
 * by step against a simple reference model.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "loc_checks.h"

#define T0 LOC_CHECK_T0
#define CAP_MAX 16

const struct loc_check_backend *loc_check_be;

static uint64_t
fake_now(void *arg)
{
	return *(const uint64_t *)arg;
}

static struct dg_pl
pl(const char *s)
{
	return (struct dg_pl){ s, strlen(s) };
}

/* What a callback saw, copied out of the record. */
struct cap {
	int calls;
	int err;
	bool has_rec;
	char aor[SIP_LOC_AOR_MAX];
	uint64_t version;
	unsigned int n;
	char contact[CAP_MAX][128];
	uint64_t expires[CAP_MAX];
	uint32_t cseq[CAP_MAX];
	struct sip_loc_binding first;
	char first_path1[128];
	char first_ua[128];
	char first_instance[128];
};

static void
cap_str(char *dst, size_t size, struct dg_pl s)
{
	snprintf(dst, size, "%.*s", (int)s.len, s.p != NULL ? s.p : "");
}

static void
on_done(void *arg, int err, const struct sip_loc_record *rec)
{
	struct cap *c = arg;
	unsigned int i;

	c->calls++;
	c->err = err;
	c->has_rec = rec != NULL;
	if (rec == NULL)
		return;
	assert_true(err == 0);
	cap_str(c->aor, sizeof(c->aor), rec->aor);
	c->version = rec->version;
	c->n = rec->n_bindings;
	assert_true(rec->n_bindings <= CAP_MAX);
	for (i = 0; i < rec->n_bindings; i++) {
		cap_str(c->contact[i], sizeof(c->contact[i]),
			rec->bindings[i].contact);
		c->expires[i] = rec->bindings[i].expires;
		c->cseq[i] = rec->bindings[i].cseq;
	}
	if (rec->n_bindings > 0) {
		c->first = rec->bindings[0];
		if (rec->bindings[0].n_path > 1)
			cap_str(c->first_path1, sizeof(c->first_path1),
				rec->bindings[0].path[1]);
		cap_str(c->first_ua, sizeof(c->first_ua),
			rec->bindings[0].user_agent);
		cap_str(c->first_instance, sizeof(c->first_instance),
			rec->bindings[0].instance);
	}
}

static struct sip_loc_binding
mk(const char *contact, const char *call_id, uint32_t cseq)
{
	struct sip_loc_binding b;

	memset(&b, 0, sizeof(b));
	b.contact = pl(contact);
	b.call_id = pl(call_id);
	b.cseq = cseq;
	b.q = 1000;
	return b;
}

struct fixture {
	uint64_t now;
	struct sip_loc *loc;
};

static struct fixture fx;

static int
setup_limits(void **state, uint32_t max_aors, uint32_t max_bindings)
{
	fx.now = T0;
	if (loc_check_be->create(&fx.loc, max_aors, max_bindings, fake_now,
			&fx.now) != 0)
		return -1;
	*state = &fx;
	return 0;
}

static int
setup(void **state)
{
	return setup_limits(state, 100, 4);
}

static int
teardown(void **state)
{
	(void)state;
	sip_loc_destroy(fx.loc);
	fx.loc = NULL;
	return 0;
}

/* Let every submitted operation complete. */
static void
settle(void)
{
	loc_check_be->settle(fx.loc);
}

static void
check_aors(size_t want)
{
	if (loc_check_be->aors != NULL)
		assert_int_equal(loc_check_be->aors(fx.loc), want);
}

/* Run one save and return its outcome, checking one callback. */
static int
save(const char *aor, const struct sip_loc_binding *b, uint32_t expires,
		struct cap *c)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(sip_loc_save(fx.loc, pl(aor), b, expires, on_done, c),
			0);
	settle();
	assert_int_equal(c->calls, 1);
	return c->err;
}

static void
lookup(const char *aor, struct cap *c)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(sip_loc_lookup(fx.loc, pl(aor), on_done, c), 0);
	settle();
	assert_int_equal(c->calls, 1);
	assert_int_equal(c->err, 0);
	assert_true(c->has_rec);
}

/* An unknown AoR is an empty record with version 0. */
static void
test_lookup_unknown(void **state)
{
	struct cap c;

	(void)state;
	lookup("sip:nobody@example.com", &c);
	assert_int_equal(c.n, 0);
	assert_int_equal(c.version, 0);
	assert_string_equal(c.aor, "sip:nobody@example.com");
}

/* Every field of a binding comes back as saved; expires is now + ttl. */
static void
test_save_fields(void **state)
{
	struct sip_loc_binding b = mk("sip:alice@192.0.2.1:5062;ob", "cid-1", 7);
	struct sockaddr_in *sin = (struct sockaddr_in *)&b.source.addr;
	struct cap c;

	(void)state;
	b.q = 500;
	b.n_path = 2;
	b.path[0] = pl("<sip:edge1.example.com;lr>");
	b.path[1] = pl("<sip:lb.example.com;lr;ob>");
	b.instance = pl("<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>");
	b.reg_id = 1;
	b.user_agent = pl("Phone/1.0");
	b.source.transport = SIP_LOC_TP_TCP;
	b.source.socket_id = 3;
	b.source.conn_id = 99;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(40000);
	inet_pton(AF_INET, "198.51.100.7", &sin->sin_addr);
	assert_int_equal(save("sip:alice@example.com", &b, 3600, &c), 0);
	assert_int_equal(c.n, 1);
	assert_true(c.version > 0);
	lookup("sip:alice@EXAMPLE.com;transport=tcp", &c);
	assert_string_equal(c.aor, "sip:alice@example.com");
	assert_int_equal(c.n, 1);
	assert_string_equal(c.contact[0], "sip:alice@192.0.2.1:5062;ob");
	assert_int_equal(c.expires[0], T0 + 3600);
	assert_int_equal(c.cseq[0], 7);
	assert_int_equal(c.first.q, 500);
	assert_int_equal(c.first.n_path, 2);
	assert_string_equal(c.first_path1, "<sip:lb.example.com;lr;ob>");
	assert_string_equal(c.first_ua, "Phone/1.0");
	assert_string_equal(c.first_instance,
		"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>");
	assert_int_equal(c.first.reg_id, 1);
	assert_int_equal(c.first.source.transport, SIP_LOC_TP_TCP);
	assert_int_equal(c.first.source.socket_id, 3);
	assert_int_equal(c.first.source.conn_id, 99);
	assert_memory_equal(&c.first.source.addr, &b.source.addr,
			sizeof(b.source.addr));
}

/* A binding lives while now < expires: there at +59, gone at +60. */
static void
test_expiry_boundary(void **state)
{
	struct sip_loc_binding a = mk("sip:a@h", "c", 1), b = mk("sip:b@h", "c", 2);
	struct cap c;

	(void)state;
	assert_int_equal(save("sip:u@h", &a, 60, &c), 0);
	assert_int_equal(save("sip:u@h", &b, 120, &c), 0);
	fx.now = T0 + 59;
	lookup("sip:u@h", &c);
	assert_int_equal(c.n, 2);
	fx.now = T0 + 60;
	lookup("sip:u@h", &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.contact[0], "sip:b@h");
	fx.now = T0 + 120;
	lookup("sip:u@h", &c);
	assert_int_equal(c.n, 0);
	assert_int_equal(c.version, 0);
	check_aors(0);
}

/* Same Call-ID needs a higher CSeq (RFC 3261 §10.3 step 7); another
 * Call-ID replaces the binding whatever its CSeq. */
static void
test_cseq_ordering(void **state)
{
	struct sip_loc_binding b = mk("sip:a@h", "call-1", 5);
	struct cap c;

	(void)state;
	assert_int_equal(save("sip:u@h", &b, 60, &c), 0);
	assert_int_equal(save("sip:u@h", &b, 60, &c), -EPROTO);
	assert_false(c.has_rec);
	b.cseq = 4;
	assert_int_equal(save("sip:u@h", &b, 60, &c), -EPROTO);
	b.cseq = 4;
	assert_int_equal(save("sip:u@h", &b, 0, &c), -EPROTO);
	lookup("sip:u@h", &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.cseq[0], 5);
	fx.now = T0 + 10;
	b.cseq = 6;
	assert_int_equal(save("sip:u@h", &b, 60, &c), 0);
	assert_int_equal(c.expires[0], T0 + 70);
	b = mk("sip:a@h", "call-2", 1);
	assert_int_equal(save("sip:u@h", &b, 30, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.cseq[0], 1);
	assert_int_equal(c.expires[0], T0 + 40);
}

/* expires 0 removes the binding; removing nothing is not an error. */
static void
test_save_zero_removes(void **state)
{
	struct sip_loc_binding a = mk("sip:a@h", "c", 1), b = mk("sip:b@h", "c", 1);
	struct cap c;

	(void)state;
	assert_int_equal(save("sip:u@h", &a, 60, &c), 0);
	assert_int_equal(save("sip:u@h", &b, 60, &c), 0);
	b.cseq = 2;
	assert_int_equal(save("sip:u@h", &b, 0, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.contact[0], "sip:a@h");
	b.cseq = 3;
	assert_int_equal(save("sip:u@h", &b, 0, &c), 0);
	assert_int_equal(c.n, 1);
	a.cseq = 2;
	assert_int_equal(save("sip:u@h", &a, 0, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(c.version, 0);
	assert_int_equal(save("sip:v@h", &a, 0, &c), 0);
	check_aors(0);
}

/* Compare-and-swap: the current version wins once; old versions fail
 * with -ESTALE and change nothing; 0 means "must not exist". */
static void
test_cas(void **state)
{
	struct sip_loc_binding nb[2] = { mk("sip:x@h", "c", 1),
		mk("sip:y@h", "c", 1) };
	struct sip_loc_binding a = mk("sip:a@h", "c", 1);
	uint64_t v1, v2;
	struct cap c;

	(void)state;
	nb[0].expires = T0 + 100;
	nb[1].expires = T0 + 200;
	assert_int_equal(save("sip:u@h", &a, 60, &c), 0);
	v1 = c.version;
	memset(&c, 0, sizeof(c));
	assert_int_equal(sip_loc_replace(fx.loc, pl("sip:u@h"), nb, 2, 0,
			on_done, &c), 0);
	settle();
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.err, -ESTALE);
	memset(&c, 0, sizeof(c));
	assert_int_equal(sip_loc_replace(fx.loc, pl("sip:u@h"), nb, 2, v1,
			on_done, &c), 0);
	settle();
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.err, 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.contact[0], "sip:x@h");
	assert_int_equal(c.expires[1], T0 + 200);
	v2 = c.version;
	assert_true(v2 > v1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(sip_loc_replace(fx.loc, pl("sip:u@h"), &a, 1, v1,
			on_done, &c), 0);
	settle();
	assert_int_equal(c.err, -ESTALE);
	lookup("sip:u@h", &c);
	assert_int_equal(c.version, v2);
	assert_int_equal(c.n, 2);
	/* Creation with expected 0; expired input bindings are dropped. */
	nb[0].expires = T0;
	memset(&c, 0, sizeof(c));
	assert_int_equal(sip_loc_replace(fx.loc, pl("sip:w@h"), nb, 2, 0,
			on_done, &c), 0);
	settle();
	assert_int_equal(c.err, 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.contact[0], "sip:y@h");
	/* An empty replacement removes the AoR. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(sip_loc_replace(fx.loc, pl("sip:u@h"), NULL, 0, v2,
			on_done, &c), 0);
	settle();
	assert_int_equal(c.err, 0);
	assert_int_equal(c.n, 0);
	lookup("sip:u@h", &c);
	assert_int_equal(c.version, 0);
}

/* Versions never repeat, even when an AoR disappears and returns. */
static void
test_version_no_aba(void **state)
{
	struct sip_loc_binding a = mk("sip:a@h", "c", 1);
	uint64_t v1;
	struct cap c;

	(void)state;
	assert_int_equal(save("sip:u@h", &a, 60, &c), 0);
	v1 = c.version;
	memset(&c, 0, sizeof(c));
	assert_int_equal(sip_loc_remove_all(fx.loc, pl("sip:u@h"), on_done, &c),
			0);
	settle();
	assert_int_equal(c.calls, 1);
	a.call_id = pl("d");
	assert_int_equal(save("sip:u@h", &a, 60, &c), 0);
	assert_true(c.version > v1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(sip_loc_replace(fx.loc, pl("sip:u@h"), &a, 1, v1,
			on_done, &c), 0);
	settle();
	assert_int_equal(c.err, -ESTALE);
}

/* Max bindings per AoR: one more is -ENOSPC; refreshing still works. */
static void
test_max_bindings(void **state)
{
	struct sip_loc_binding b = mk("", "c", 1), many[5];
	char contact[32], names[5][16];
	struct cap c;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(contact, sizeof(contact), "sip:%d@h", i);
		b.contact = pl(contact);
		assert_int_equal(save("sip:u@h", &b, 60, &c), 0);
	}
	b.contact = pl("sip:4@h");
	assert_int_equal(save("sip:u@h", &b, 60, &c), -ENOSPC);
	assert_false(c.has_rec);
	b.contact = pl("sip:2@h");
	b.cseq = 2;
	assert_int_equal(save("sip:u@h", &b, 90, &c), 0);
	assert_int_equal(c.n, 4);
	for (i = 0; i < 5; i++) {
		many[i] = mk("", "c", 1);
		many[i].expires = T0 + 10;
		snprintf(names[i], sizeof(names[i]), "sip:m%d@h", i);
		many[i].contact = pl(names[i]);
	}
	lookup("sip:u@h", &c);
	assert_int_equal(sip_loc_replace(fx.loc, pl("sip:u@h"), many, 5,
			c.version, on_done, &c), 0);
	settle();
	assert_int_equal(c.calls, 2);
	assert_int_equal(c.err, -ENOSPC);
	lookup("sip:u@h", &c);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.contact[0], "sip:0@h");
}

static int
setup_two_aors(void **state)
{
	return setup_limits(state, 2, 4);
}

/* Max AoRs: a third AoR is -ENOSPC until one goes. */
static void
test_max_aors(void **state)
{
	struct sip_loc_binding b = mk("sip:a@h", "c", 1);
	struct cap c;

	(void)state;
	if (!loc_check_be->limits_aors)
		skip();
	assert_int_equal(save("sip:u1@h", &b, 60, &c), 0);
	assert_int_equal(save("sip:u2@h", &b, 60, &c), 0);
	assert_int_equal(save("sip:u3@h", &b, 60, &c), -ENOSPC);
	b.expires = T0 + 10;
	assert_int_equal(sip_loc_replace(fx.loc, pl("sip:u3@h"), &b, 1, 0,
			on_done, &c), 0);
	settle();
	assert_int_equal(c.err, -ENOSPC);
	memset(&c, 0, sizeof(c));
	assert_int_equal(sip_loc_remove_all(fx.loc, pl("sip:u1@h"), on_done, &c),
			0);
	settle();
	assert_int_equal(c.err, 0);
	assert_int_equal(save("sip:u3@h", &b, 60, &c), 0);
	check_aors(2);
}

/* remove: by contact, -ENOENT when absent; remove_all: always 0. */
static void
test_remove(void **state)
{
	struct sip_loc_binding a = mk("sip:a@h", "c", 1), b = mk("sip:b@h", "c", 1);
	struct cap c;

	(void)state;
	assert_int_equal(save("sip:u@h", &a, 60, &c), 0);
	assert_int_equal(save("sip:u@h", &b, 60, &c), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(sip_loc_remove(fx.loc, pl("sip:u@h"), pl("sip:a@h"),
			on_done, &c), 0);
	settle();
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.err, 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.contact[0], "sip:b@h");
	memset(&c, 0, sizeof(c));
	assert_int_equal(sip_loc_remove(fx.loc, pl("sip:u@h"), pl("sip:a@h"),
			on_done, &c), 0);
	settle();
	assert_int_equal(c.err, -ENOENT);
	memset(&c, 0, sizeof(c));
	assert_int_equal(sip_loc_remove(fx.loc, pl("sip:z@h"), pl("sip:a@h"),
			on_done, &c), 0);
	settle();
	assert_int_equal(c.err, -ENOENT);
	assert_int_equal(save("sip:u@h", &a, 60, &c), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(sip_loc_remove_all(fx.loc, pl("sip:u@H"), on_done, &c),
			0);
	settle();
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.err, 0);
	assert_int_equal(c.n, 0);
	lookup("sip:u@h", &c);
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(sip_loc_remove_all(fx.loc, pl("sip:u@h"), on_done, &c),
			0);
	settle();
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.err, 0);
}

/* RFC 5626: (instance, reg-id) identifies a flow's binding whatever its
 * contact; another reg-id of the same instance is another binding. */
static void
test_outbound_matching(void **state)
{
	struct sip_loc_binding b = mk("sip:a@192.0.2.1", "c", 1);
	struct cap c;

	(void)state;
	b.instance = pl("<urn:uuid:1>");
	b.reg_id = 1;
	assert_int_equal(save("sip:u@h", &b, 60, &c), 0);
	b.reg_id = 2;
	b.contact = pl("sip:a@192.0.2.2");
	assert_int_equal(save("sip:u@h", &b, 60, &c), 0);
	assert_int_equal(c.n, 2);
	b.reg_id = 1;
	b.cseq = 2;
	b.contact = pl("sip:a@192.0.2.3");
	assert_int_equal(save("sip:u@h", &b, 60, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.contact[0], "sip:a@192.0.2.3");
	assert_string_equal(c.contact[1], "sip:a@192.0.2.2");
}

/* Bad arguments are refused at submission and never call back. */
static void
test_invalid_args(void **state)
{
	struct sip_loc_binding b = mk("sip:a@h", "c", 1), two[2];
	struct cap c = { 0 };

	(void)state;
	assert_int_equal(sip_loc_save(fx.loc, pl("tel:1"), &b, 60, on_done, &c),
			-EINVAL);
	b.contact = pl("");
	assert_int_equal(sip_loc_save(fx.loc, pl("sip:u@h"), &b, 60, on_done,
			&c), -EINVAL);
	b = mk("sip:a@h", "", 1);
	assert_int_equal(sip_loc_save(fx.loc, pl("sip:u@h"), &b, 60, on_done,
			&c), -EINVAL);
	b = mk("sip:a@h", "c", 1);
	b.q = 1001;
	assert_int_equal(sip_loc_save(fx.loc, pl("sip:u@h"), &b, 60, on_done,
			&c), -EINVAL);
	b.q = 0;
	b.n_path = SIP_LOC_PATH_MAX + 1;
	assert_int_equal(sip_loc_save(fx.loc, pl("sip:u@h"), &b, 60, on_done,
			&c), -EINVAL);
	b.n_path = 0;
	b.source.transport = SIP_LOC_TP__COUNT;
	assert_int_equal(sip_loc_save(fx.loc, pl("sip:u@h"), &b, 60, on_done,
			&c), -EINVAL);
	two[0] = mk("sip:a@h", "c", 1);
	two[1] = mk("sip:a@h", "d", 1);
	assert_int_equal(sip_loc_replace(fx.loc, pl("sip:u@h"), two, 2, 0,
			on_done, &c), -EINVAL);
	assert_int_equal(sip_loc_remove(fx.loc, pl("sip:u@h"), pl(""), on_done,
			&c), -EINVAL);
	assert_int_equal(sip_loc_lookup(fx.loc, pl("sip:"), on_done, &c),
			-EINVAL);
	assert_int_equal(sip_loc_remove_all(fx.loc, pl("x"), on_done, &c),
			-EINVAL);
	assert_int_equal(c.calls, 0);
}

/* Reference model of one AoR: its live bindings in insertion order. */
#define CH_AORS 24
#define CH_CONTACTS 6
#define CH_MAXB 4

struct model_b {
	int contact;
	int call_id;
	uint32_t cseq;
	uint64_t expires;
};

struct model_aor {
	unsigned int n;
	struct model_b b[CH_MAXB];
};

static void
model_expire(struct model_aor *m, uint64_t now)
{
	unsigned int i = 0;

	while (i < m->n) {
		if (m->b[i].expires <= now) {
			memmove(&m->b[i], &m->b[i + 1],
				(m->n - i - 1) * sizeof(m->b[0]));
			m->n--;
		} else {
			i++;
		}
	}
}

static int
model_find(const struct model_aor *m, int contact)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->b[i].contact == contact)
			return (int)i;
	return -1;
}

static int
model_save(struct model_aor *m, int contact, int call_id, uint32_t cseq,
		uint32_t expires, uint64_t now)
{
	int i = model_find(m, contact);

	if (i >= 0 && m->b[i].call_id == call_id && cseq <= m->b[i].cseq)
		return -EPROTO;
	if (expires == 0) {
		if (i >= 0) {
			memmove(&m->b[i], &m->b[i + 1],
				(m->n - (unsigned int)i - 1) * sizeof(m->b[0]));
			m->n--;
		}
		return 0;
	}
	if (i < 0) {
		if (m->n == CH_MAXB)
			return -ENOSPC;
		i = (int)m->n++;
	}
	m->b[i] = (struct model_b){ contact, call_id, cseq, now + expires };
	return 0;
}

static void
check_model(const struct model_aor *m, const struct cap *c, const char *aor)
{
	char contact[32];
	unsigned int i;

	if (c->n != m->n)
		fail_msg("%s: %u bindings, model %u", aor, c->n, m->n);
	for (i = 0; i < m->n; i++) {
		snprintf(contact, sizeof(contact), "sip:c%d@h", m->b[i].contact);
		assert_string_equal(c->contact[i], contact);
		assert_int_equal(c->expires[i], m->b[i].expires);
		assert_int_equal(c->cseq[i], m->b[i].cseq);
	}
	assert_true((c->version == 0) == (m->n == 0));
}

/* Thousands of random operations agree with the model at every step, and
 * every operation calls back exactly once. */
static void
test_churn_vs_model(void **state)
{
	static struct model_aor model[CH_AORS];
	char aor[32], contact[32], call_id[32];
	struct sip_loc_binding b;
	uint64_t versions[CH_AORS] = { 0 };
	unsigned int seed = 12345, step, k;
	int op, a, ct, want;
	unsigned int n_proto = 0, n_nospc = 0, n_noent = 0, n_cas = 0,
		n_stale = 0;
	uint32_t cseq, exp;
	struct cap c;

	(void)state;
	memset(model, 0, sizeof(model));
	for (step = 0; step < 20000; step++) {
		op = rand_r(&seed) % 10;
		a = rand_r(&seed) % CH_AORS;
		ct = rand_r(&seed) % CH_CONTACTS;
		snprintf(aor, sizeof(aor), "sip:u%d@H", a);
		snprintf(contact, sizeof(contact), "sip:c%d@h", ct);
		snprintf(call_id, sizeof(call_id), "call-%d", rand_r(&seed) % 2);
		model_expire(&model[a], fx.now);
		memset(&c, 0, sizeof(c));
		if (op <= 4) {
			cseq = (uint32_t)(rand_r(&seed) % 8);
			exp = op == 4 ? 0 : (uint32_t)(rand_r(&seed) % 50);
			b = mk(contact, call_id, cseq);
			want = model_save(&model[a], ct, call_id[5] - '0', cseq,
					exp, fx.now);
			assert_int_equal(sip_loc_save(fx.loc, pl(aor), &b, exp,
					on_done, &c), 0);
			settle();
			assert_int_equal(c.err, want);
			n_proto += want == -EPROTO;
			n_nospc += want == -ENOSPC;
		} else if (op == 5) {
			k = (unsigned int)model_find(&model[a], ct);
			want = (int)k >= 0 ? 0 : -ENOENT;
			if (want == 0) {
				memmove(&model[a].b[k], &model[a].b[k + 1],
					(model[a].n - k - 1) * sizeof(model[a].b[0]));
				model[a].n--;
			}
			assert_int_equal(sip_loc_remove(fx.loc, pl(aor),
					pl(contact), on_done, &c), 0);
			settle();
			assert_int_equal(c.err, want);
			n_noent += want == -ENOENT;
		} else if (op == 6 && rand_r(&seed) % 4 == 0) {
			model[a].n = 0;
			assert_int_equal(sip_loc_remove_all(fx.loc, pl(aor),
					on_done, &c), 0);
			settle();
			assert_int_equal(c.err, 0);
		} else if (op == 7) {
			/* CAS with the last version seen: wins only if current. */
			b = mk(contact, call_id, 1);
			b.expires = fx.now + 1 + (uint64_t)(rand_r(&seed) % 40);
			memset(&c, 0, sizeof(c));
			lookup(aor, &c);
			want = c.version == versions[a] ? 0 : -ESTALE;
			memset(&c, 0, sizeof(c));
			assert_int_equal(sip_loc_replace(fx.loc, pl(aor), &b, 1,
					versions[a], on_done, &c), 0);
			settle();
			assert_int_equal(c.err, want);
			n_cas += want == 0;
			n_stale += want == -ESTALE;
			if (want == 0) {
				model[a].n = 1;
				model[a].b[0] = (struct model_b){ ct,
					call_id[5] - '0', 1, b.expires };
			}
		} else if (op == 8) {
			fx.now += (uint64_t)(rand_r(&seed) % 6);
			model_expire(&model[a], fx.now);
			if (loc_check_be->sweep != NULL)
				loc_check_be->sweep(fx.loc);
			c.calls = 1;
		} else {
			lookup(aor, &c);
			check_model(&model[a], &c, aor);
			versions[a] = c.version;
		}
		assert_int_equal(c.calls, 1);
		if (c.err == 0 && c.has_rec) {
			snprintf(aor, sizeof(aor), "sip:u%d@h", a);
			assert_string_equal(c.aor, aor);
			check_model(&model[a], &c, aor);
		}
	}
	for (a = 0; a < CH_AORS; a++) {
		snprintf(aor, sizeof(aor), "sip:u%d@h", a);
		model_expire(&model[a], fx.now);
		lookup(aor, &c);
		check_model(&model[a], &c, aor);
	}
	/* The random walk reached every outcome it is meant to check. */
	assert_true(n_proto > 0 && n_nospc > 0 && n_noent > 0 && n_cas > 0 &&
		    n_stale > 0);
}

static int
setup_churn(void **state)
{
	return setup_limits(state, 1000, CH_MAXB);
}

static const struct CMUnitTest loc_tests[] = {
	cmocka_unit_test_setup_teardown(test_lookup_unknown, setup, teardown),
	cmocka_unit_test_setup_teardown(test_save_fields, setup, teardown),
	cmocka_unit_test_setup_teardown(test_expiry_boundary, setup, teardown),
	cmocka_unit_test_setup_teardown(test_cseq_ordering, setup, teardown),
	cmocka_unit_test_setup_teardown(test_save_zero_removes, setup, teardown),
	cmocka_unit_test_setup_teardown(test_cas, setup, teardown),
	cmocka_unit_test_setup_teardown(test_version_no_aba, setup, teardown),
	cmocka_unit_test_setup_teardown(test_max_bindings, setup, teardown),
	cmocka_unit_test_setup_teardown(test_max_aors, setup_two_aors, teardown),
	cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
	cmocka_unit_test_setup_teardown(test_outbound_matching, setup, teardown),
	cmocka_unit_test_setup_teardown(test_invalid_args, setup, teardown),
	cmocka_unit_test_setup_teardown(test_churn_vs_model, setup_churn,
			teardown),
};

const struct CMUnitTest *
loc_checks_tests(size_t *n)
{
	*n = sizeof(loc_tests) / sizeof(loc_tests[0]);
	return loc_tests;
}
