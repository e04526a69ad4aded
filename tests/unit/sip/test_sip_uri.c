/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * URIs, name-addrs and Via values on their own: the RFC 3261 examples of
 * section 19.1.3, tel URIs, IPv6 references, parameters with and without
 * values, and the malformed forms each grammar must refuse. Inputs sit
 * flush against a guard page.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sip_msg.h"
#include "sip_test.h"

struct uri_vec {
	const char *in;
	enum sip_uri_scheme scheme;
	const char *user;	/* NULL: unset */
	const char *password;
	const char *host;
	uint16_t port;
	const char *params;
	const char *headers;
};

static const struct uri_vec uri_vecs[] = {
	{ "sip:alice@atlanta.com", SIP_URI_SIP, "alice", NULL, "atlanta.com",
	  0, NULL, NULL },
	{ "sip:alice:secretword@atlanta.com;transport=tcp", SIP_URI_SIP,
	  "alice", "secretword", "atlanta.com", 0, "transport=tcp", NULL },
	{ "sips:alice@atlanta.com?subject=project%20x&priority=urgent",
	  SIP_URI_SIPS, "alice", NULL, "atlanta.com", 0, NULL,
	  "subject=project%20x&priority=urgent" },
	{ "sip:+1-212-555-1212:1234@gateway.com;user=phone", SIP_URI_SIP,
	  "+1-212-555-1212", "1234", "gateway.com", 0, "user=phone", NULL },
	{ "sips:1212@gateway.com", SIP_URI_SIPS, "1212", NULL, "gateway.com",
	  0, NULL, NULL },
	{ "sip:alice@192.0.2.4", SIP_URI_SIP, "alice", NULL, "192.0.2.4", 0,
	  NULL, NULL },
	{ "sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com",
	  SIP_URI_SIP, NULL, NULL, "atlanta.com", 0, "method=REGISTER",
	  "to=alice%40atlanta.com" },
	{ "sip:alice;day=tuesday@atlanta.com", SIP_URI_SIP, "alice;day=tuesday",
	  NULL, "atlanta.com", 0, NULL, NULL },
	{ "SIP:bob@Biloxi.COM:5070;LR", SIP_URI_SIP, "bob", NULL, "Biloxi.COM",
	  5070, "LR", NULL },
	{ "sip:[2001:db8::10]:5070;lr", SIP_URI_SIP, NULL, NULL,
	  "[2001:db8::10]", 5070, "lr", NULL },
	{ "sip:user@[::1]", SIP_URI_SIP, "user", NULL, "[::1]", 0, NULL, NULL },
	{ "sip:host:65535", SIP_URI_SIP, NULL, NULL, "host", 65535, NULL, NULL },
	{ "tel:+1-201-555-0123", SIP_URI_TEL, "+1-201-555-0123", NULL, NULL, 0,
	  NULL, NULL },
	{ "tel:7042;phone-context=example.com", SIP_URI_TEL, "7042", NULL, NULL,
	  0, "phone-context=example.com", NULL },
	{ "urn:service:sos", SIP_URI_OTHER, NULL, NULL, NULL, 0, NULL, NULL },
};

static const char *const bad_uris[] = {
	"", "sip:", "sip:@host", "sip:user@", "sip:host:", "sip:host:65536",
	"sip:host:5x", "sip:2001:db8::10", "sip:[2001:db8::10", "sip:[]",
	"sip:[zz::1]", "sip:us er@host", "sip:user@ho st", "sip:a%4@host",
	"sip:a%g1@host", "sip:host?", "1sip:host", "sip", "sip:host>",
	"tel:", "other:", "other:a b", "sip:host;a\"b",
};

static void
assert_opt(struct dg_pl pl, const char *s)
{
	if (s == NULL) {
		assert_null(pl.p);
		return;
	}
	assert_non_null(pl.p);
	if (pl.len != strlen(s) || memcmp(pl.p, s, pl.len) != 0)
		fail_msg("\"%.*s\" != \"%s\"", (int)pl.len, pl.p, s);
}

/* Valid URIs split into the parts RFC 3261 section 19.1.1 names. */
static void
test_uri_valid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(uri_vecs) / sizeof(uri_vecs[0]); i++) {
		const struct uri_vec *v = &uri_vecs[i];
		struct dg_test_guard g = { 0 };
		struct sip_uri u;
		size_t n = strlen(v->in);

		assert_int_equal(dg_test_guard_put(&g, v->in, n), 0);
		if (sip_uri_decode(&u, g.p, n) != 0)
			fail_msg("%s: refused", v->in);
		assert_int_equal(u.scheme, v->scheme);
		assert_int_equal(u.raw.len, n);
		if (v->scheme != SIP_URI_OTHER) {
			assert_opt(u.user, v->user);
			assert_opt(u.password, v->password);
			if (v->scheme != SIP_URI_TEL)
				assert_opt(u.host, v->host);
			assert_int_equal(u.port, v->port);
			assert_opt(u.params, v->params);
			assert_opt(u.headers, v->headers);
		}
		dg_test_guard_free(&g);
	}
}

/* Malformed URIs are refused, never read past their end. */
static void
test_uri_invalid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_uris) / sizeof(bad_uris[0]); i++) {
		struct dg_test_guard g = { 0 };
		struct sip_uri u;
		size_t n = strlen(bad_uris[i]);

		assert_int_equal(dg_test_guard_put(&g, bad_uris[i], n), 0);
		if (sip_uri_decode(&u, g.p, n) != -EBADMSG)
			fail_msg("\"%s\" accepted", bad_uris[i]);
		dg_test_guard_free(&g);
	}
}

/* Parameters: case-insensitive names, empty values, LWS around '='. */
static void
test_params(void **state)
{
	struct dg_pl v, params = DG_PL("lr;Transport = TCP ;maddr=[::1];x");
	struct sip_uri u;

	(void)state;
	assert_true(sip_param_find(params, "lr", &v));
	assert_int_equal(v.len, 0);
	assert_true(sip_param_find(params, "transport", &v));
	assert_opt(v, "TCP");
	assert_true(sip_param_find(params, "MADDR", &v));
	assert_opt(v, "[::1]");
	assert_true(sip_param_find(params, "x", NULL));
	assert_false(sip_param_find(params, "l", NULL));
	assert_false(sip_param_find(DG_PL_NULL, "lr", NULL));
	assert_int_equal(sip_uri_decode(&u, "sip:h;lr;ttl=15", 15), 0);
	assert_true(sip_uri_param(&u, "ttl", &v));
	assert_opt(v, "15");
}

struct addr_vec {
	const char *in;
	int rc;
	const char *reason;
	const char *dname;
	const char *uri;
	const char *tag;
};

static const struct addr_vec addr_vecs[] = {
	{ "\"Bob \\\"B\\\"\" <sip:bob@b.com>;tag=a6c85cf", 0, NULL,
	  "\"Bob \\\"B\\\"\"", "sip:bob@b.com", "a6c85cf" },
	{ "Anonymous <sip:c8oqz84zk7z@privacy.org>;tag=hyh8", 0, NULL,
	  "Anonymous", "sip:c8oqz84zk7z@privacy.org", "hyh8" },
	{ "sip:+12125551212@phone2net.com;tag=887s", 0, NULL, NULL,
	  "sip:+12125551212@phone2net.com", "887s" },
	{ "<sip:a@b;lr>", 0, NULL, NULL, "sip:a@b;lr", NULL },
	{ "<tel:+358-555-1234567;postd=pp22>", 0, NULL, NULL,
	  "tel:+358-555-1234567;postd=pp22", NULL },
	{ "sip:a@b;x=\"<q>, y\";tag=7", 0, NULL, NULL, "sip:a@b", "7" },
	{ "<sip:a@b>;+sip.instance=\"<urn:uuid:f81d4fae>\"", 0, NULL, NULL,
	  "sip:a@b", NULL },
	{ "\"a <sip:a@b>", -EBADMSG, "unterminated quoted string", NULL, NULL,
	  NULL },
	{ "Foo \"Bar\" <sip:a@b>", -EBADMSG, "invalid display name", NULL,
	  NULL, NULL },
	{ "a, b <sip:a@b>", -EBADMSG, "invalid display name", NULL, NULL, NULL },
	{ "<sip:a@b", -EBADMSG, "unterminated <", NULL, NULL, NULL },
	{ "< sip:a@b>", -EBADMSG, "whitespace inside <>", NULL, NULL, NULL },
	{ "<sip:a@b>;;", -EBADMSG, "invalid parameter", NULL, NULL, NULL },
	{ "<sip:a@b> x", -EBADMSG, "invalid parameter", NULL, NULL, NULL },
	{ "sip:a@b?x=y", -EBADMSG,
	  "URI with headers or parameters not enclosed in <>", NULL, NULL, NULL },
	{ "<>", -EBADMSG, "invalid URI", NULL, NULL, NULL },
	{ "  ", -EBADMSG, "empty value", NULL, NULL, NULL },
};

/* name-addr and addr-spec forms, and each way they can be malformed. */
static void
test_addr(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(addr_vecs) / sizeof(addr_vecs[0]); i++) {
		const struct addr_vec *v = &addr_vecs[i];
		struct dg_test_guard g = { 0 };
		struct sip_addr a;
		const char *reason = NULL;
		size_t n = strlen(v->in);
		int r;

		assert_int_equal(dg_test_guard_put(&g, v->in, n), 0);
		r = sip_addr_decode(&a, (struct dg_pl){ g.p, n }, &reason);
		if (r != v->rc)
			fail_msg("%s: %d (%s)", v->in, r, reason);
		if (r != 0) {
			assert_string_equal(reason, v->reason);
		} else {
			assert_opt(a.dname, v->dname);
			assert_opt(a.uri.raw, v->uri);
			assert_opt(a.tag, v->tag);
		}
		dg_test_guard_free(&g);
	}
}

/* Via values read through a message: sent-by forms and parameters. */
static void
test_via_forms(void **state)
{
	static const struct {
		const char *via;
		int rc;
		const char *host;
		uint16_t port;
		enum sip_transport tp;
	} v[] = {
		{ "SIP/2.0/UDP erlang.bell-telephone.com:5060;branch=z9hG4bK87asdks7",
		  0, "erlang.bell-telephone.com", 5060, SIP_TP_UDP },
		{ "SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKasudf;rport",
		  0, "df7jal23ls0d.invalid", 0, SIP_TP_WSS },
		{ "sip/2.0/tcp [2001:db8::1]:5061", 0, "[2001:db8::1]", 5061,
		  SIP_TP_TCP },
		{ "SIP/2.0/UDP", -EBADMSG, NULL, 0, 0 },
		{ "SIP/2.0 UDP host", -EBADMSG, NULL, 0, 0 },
		{ "SIP/2.0/UDP host;rport=x", -EBADMSG, NULL, 0, 0 },
		{ "SIP/2.0/UDP host;rport=70000", -EBADMSG, NULL, 0, 0 },
		{ "SIP/2.0/UDP host junk", -EBADMSG, NULL, 0, 0 },
		{ "HTTP/2.0/UDP host", -EBADMSG, NULL, 0, 0 },
		/* a broken top Via is not replaced by the next line's */
		{ "SIP/2.0/UDP ;x\r\nVia: SIP/2.0/UDP next", -EBADMSG, NULL, 0, 0 },
		{ ", SIP/2.0/UDP next", -EBADMSG, NULL, 0, 0 },
	};
	static struct sip_msg msg;
	char m[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct sip_perr err;
		int n = snprintf(m, sizeof(m), "OPTIONS sip:a@b SIP/2.0\r\n"
				 "Via: %s\r\nTo: <sip:a@b>\r\nFrom: <sip:a@b>;tag=1\r\n"
				 "Call-ID: c\r\nCSeq: 1 OPTIONS\r\nl: 0\r\n\r\n",
				 v[i].via);
		int r = sip_msg_decode(&msg, m, (size_t)n, &err);

		if (r != v[i].rc)
			fail_msg("%s: %d", v[i].via, r);
		if (r != 0) {
			assert_string_equal(err.reason, v[i].via[0] == ',' ?
					    "empty Via value" : "malformed Via");
			assert_false(sip_msg_can_respond(&msg));
			continue;
		}
		assert_opt(msg.vias[0].host, v[i].host);
		assert_int_equal(msg.vias[0].port, v[i].port);
		assert_int_equal(msg.vias[0].transport, v[i].tp);
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri_valid),
		cmocka_unit_test(test_uri_invalid),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_via_forms),
	};

	sip_test_vectors = argc > 1 ? argv[1] : "tests/vectors";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
