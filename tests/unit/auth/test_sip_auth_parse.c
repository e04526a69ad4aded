/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the digest credential and challenge parser: RFC 3261 examples,
 * the tolerated variations (case, LWS, folds, escapes, unknown params),
 * and one precise reason per kind of malformed value. Inputs are placed
 * flush against a guard page so that any read past the end faults.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "sip_auth.h"

static char *guard_base;
static size_t guard_page;

static int
setup_guard(void **state)
{
	(void)state;
	guard_page = (size_t)sysconf(_SC_PAGESIZE);
	guard_base = mmap(NULL, 2 * guard_page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard_base == MAP_FAILED)
		return -1;
	return mprotect(guard_base + guard_page, guard_page, PROT_NONE);
}

static int
teardown_guard(void **state)
{
	(void)state;
	return munmap(guard_base, 2 * guard_page);
}

/* A view of s whose last byte touches the guard page. */
static struct dg_pl
flush(const char *s, size_t len)
{
	char *p;

	assert_true(len <= guard_page);
	p = guard_base + guard_page - len;
	memcpy(p, s, len);
	return (struct dg_pl){ p, len };
}

static struct dg_pl
flush_str(const char *s)
{
	return flush(s, strlen(s));
}

static void
assert_pl(struct dg_pl pl, const char *s)
{
	assert_non_null(pl.p);
	assert_int_equal(pl.len, strlen(s));
	assert_memory_equal(pl.p, s, pl.len);
}

static const char rfc_creds[] =
	"Digest username=\"bob\", realm=\"biloxi.com\", "
	"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:bob@biloxi.com\", "
	"qop=auth, nc=00000001, cnonce=\"0a4f113b\", "
	"opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", "
	"response=\"6629fae49393a05397450978507c4ef1\"";

/* The RFC 3261 §22.4 style credential yields every field as written. */
static void
test_creds_rfc3261(void **state)
{
	struct sip_auth_creds c;

	(void)state;
	assert_int_equal(sip_auth_parse_credentials(flush_str(rfc_creds), &c), 0);
	assert_pl(c.scheme, "Digest");
	assert_pl(c.username, "bob");
	assert_pl(c.realm, "biloxi.com");
	assert_pl(c.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
	assert_pl(c.uri, "sip:bob@biloxi.com");
	assert_pl(c.qop, "auth");
	assert_int_equal(c.qop_type, SIP_AUTH_QOP_AUTH);
	assert_pl(c.nc, "00000001");
	assert_int_equal(c.nc_value, 1);
	assert_pl(c.cnonce, "0a4f113b");
	assert_pl(c.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
	assert_pl(c.response, "6629fae49393a05397450978507c4ef1");
	assert_false(dg_pl_isset(c.algorithm));
	assert_int_equal(c.alg, SIP_AUTH_ALG_MD5);
}

/* Scheme and parameter names match in any case; algorithm values too. */
static void
test_creds_case_insensitive(void **state)
{
	static const char v[] =
		"dIGEST USERNAME=\"Bob\", Realm=\"x\", NONCE=\"n\", Uri=\"sip:x\", "
		"ReSpOnSe=\"r\", ALGORITHM=sha-256-SESS, QOP=AUTH, NC=0000000a, "
		"CNonce=\"c\"";
	struct sip_auth_creds c;

	(void)state;
	assert_int_equal(sip_auth_parse_credentials(flush_str(v), &c), 0);
	assert_pl(c.username, "Bob");
	assert_int_equal(c.alg, SIP_AUTH_ALG_SHA256_SESS);
	assert_pl(c.algorithm, "sha-256-SESS");
	assert_int_equal(c.qop_type, SIP_AUTH_QOP_AUTH);
	assert_int_equal(c.nc_value, 10);
}

/* LWS, tabs and header folds are allowed around '=' and ','. */
static void
test_creds_lws_folds(void **state)
{
	static const char v[] =
		"  Digest\r\n\tusername =  \"bob\"\t,\r\n realm\r\n =\"r\" ,nonce= \"n\","
		"uri=\"u\" ,\n response = \"00\"  ";
	struct sip_auth_creds c;

	(void)state;
	assert_int_equal(sip_auth_parse_credentials(flush_str(v), &c), 0);
	assert_pl(c.username, "bob");
	assert_pl(c.realm, "r");
	assert_pl(c.nonce, "n");
	assert_pl(c.uri, "u");
	assert_pl(c.response, "00");
}

/* Quoted-pairs are unescaped; plain values stay views into the input. */
static void
test_creds_escapes(void **state)
{
	static const char v[] =
		"Digest username=\"a\\\"b\\\\c\\d\", realm=\"plain\", nonce=\"n\", "
		"uri=\"\", response=\"\"";
	struct sip_auth_creds c;
	struct dg_pl in = flush_str(v);

	(void)state;
	assert_int_equal(sip_auth_parse_credentials(in, &c), 0);
	assert_pl(c.username, "a\"b\\cd");
	assert_ptr_equal(c.username.p, c.unesc);
	assert_pl(c.realm, "plain");
	assert_true(c.realm.p >= in.p && c.realm.p < in.p + in.len);
	assert_pl(c.uri, "");
	assert_pl(c.response, "");
}

/* Unknown parameters (userhash, extensions) are skipped. */
static void
test_creds_unknown_ignored(void **state)
{
	static const char v[] =
		"Digest userhash=false, x-foo=\"bar, baz\", username=\"u\", realm=\"r\", "
		"nonce=\"n\", uri=\"u\", response=\"r\", zzz=1";
	struct sip_auth_creds c;

	(void)state;
	assert_int_equal(sip_auth_parse_credentials(flush_str(v), &c), 0);
	assert_pl(c.username, "u");
}

/* Every RFC 7616 / 8760 algorithm is recognised; only MD5 and SHA-256
 * (and their -sess) are verifiable with the stored HA1s. */
static void
test_creds_algorithms(void **state)
{
	static const struct {
		const char *tok;
		enum sip_auth_alg alg;
		bool supported;
	} t[] = {
		{ "MD5", SIP_AUTH_ALG_MD5, true },
		{ "MD5-sess", SIP_AUTH_ALG_MD5_SESS, true },
		{ "SHA-256", SIP_AUTH_ALG_SHA256, true },
		{ "SHA-256-sess", SIP_AUTH_ALG_SHA256_SESS, true },
		{ "SHA-512-256", SIP_AUTH_ALG_SHA512_256, false },
		{ "SHA-512-256-sess", SIP_AUTH_ALG_SHA512_256_SESS, false },
		{ "SHA-1", SIP_AUTH_ALG_UNKNOWN, false },
		{ "\"SHA-256\"", SIP_AUTH_ALG_SHA256, true },
	};
	struct sip_auth_creds c;
	char v[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(v, sizeof(v), "Digest username=\"u\", realm=\"r\", "
			 "nonce=\"n\", uri=\"u\", response=\"r\", algorithm=%s",
			 t[i].tok);
		assert_int_equal(sip_auth_parse_credentials(flush_str(v), &c), 0);
		assert_int_equal(c.alg, t[i].alg);
		assert_int_equal(sip_auth_alg_supported(c.alg), t[i].supported);
	}
	assert_string_equal(sip_auth_alg_name(SIP_AUTH_ALG_SHA512_256),
			"SHA-512-256");
	assert_null(sip_auth_alg_name(SIP_AUTH_ALG_UNKNOWN));
	assert_int_equal(sip_auth_alg_size(SIP_AUTH_ALG_MD5), 16);
	assert_int_equal(sip_auth_alg_size(SIP_AUTH_ALG_SHA512_256), 32);
}

/* Each kind of malformed credential fails with its own reason. */
static void
test_creds_malformed(void **state)
{
	static const struct {
		const char *v;
		int err;
		const char *reason;
		const char *param;
	} t[] = {
		{ "", -EBADMSG, "missing scheme", NULL },
		{ "   ", -EBADMSG, "missing scheme", NULL },
		{ "Basic QWxhZGRpbjpvcGVu", -EPROTONOSUPPORT, NULL, NULL },
		{ "Digest", -EBADMSG, "no parameters", NULL },
		{ "Digest   ", -EBADMSG, "no parameters", NULL },
		{ "Digest\"x\"", -EBADMSG, "expected whitespace after scheme",
		  NULL },
		{ "Digest username", -EBADMSG,
		  "expected '=' after parameter name", "username" },
		{ "Digest username=", -EBADMSG,
		  "expected a token or quoted-string", "username" },
		{ "Digest username=,realm=\"r\"", -EBADMSG,
		  "expected a token or quoted-string", "username" },
		{ "Digest ,username=\"u\"", -EBADMSG,
		  "expected a parameter name", NULL },
		{ "Digest username=\"u", -EBADMSG,
		  "unterminated quoted-string", "username" },
		{ "Digest username=\"u\\", -EBADMSG,
		  "unterminated quoted-string", "username" },
		{ "Digest username=\"u\" realm=\"r\"", -EBADMSG,
		  "expected ',' between parameters", "username" },
		{ "Digest username=\"u\",", -EBADMSG, "trailing ','", NULL },
		{ "Digest username=\"a\x01\"", -EBADMSG,
		  "control character in quoted-string", "username" },
		{ "Digest username=\"a\r\n b\"", -EBADMSG,
		  "line break in quoted-string", "username" },
		{ "Digest username=u@h", -EBADMSG,
		  "expected ',' between parameters", "username" },
		{ "Digest realm=\"r\", nonce=\"n\", uri=\"u\", response=\"r\"",
		  -EBADMSG, "missing parameter", "username" },
		{ "Digest username=\"u\", nonce=\"n\", uri=\"u\", response=\"r\"",
		  -EBADMSG, "missing parameter", "realm" },
		{ "Digest username=\"u\", realm=\"r\", uri=\"u\", response=\"r\"",
		  -EBADMSG, "missing parameter", "nonce" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", response=\"r\"",
		  -EBADMSG, "missing parameter", "uri" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\"",
		  -EBADMSG, "missing parameter", "response" },
	};
	struct sip_auth_creds c;
	size_t i;
	int err;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err = sip_auth_parse_credentials(flush_str(t[i].v), &c);
		if (err != t[i].err)
			fail_msg("case %zu '%s': got %d", i, t[i].v, err);
		if (t[i].reason == NULL)
			continue;
		assert_string_equal(c.reason, t[i].reason);
		if (t[i].param != NULL)
			assert_pl(c.reason_param, t[i].param);
	}
}

/* Errors that need a complete parameter set around them. */
static void
test_creds_malformed_params(void **state)
{
	static const struct {
		const char *extra;
		const char *reason;
		const char *param;
	} t[] = {
		{ ", realm=\"again\"", "duplicate parameter", "realm" },
		{ ", REALM=\"r\"", "duplicate parameter", "REALM" },
		{ ", nc=1, qop=auth, cnonce=\"c\"", "nc must be 8 hex digits",
		  "nc" },
		{ ", nc=0000000g, qop=auth, cnonce=\"c\"",
		  "nc must be 8 hex digits", "nc" },
		{ ", qop=auth, cnonce=\"c\"", "qop requires nc", "nc" },
		{ ", qop=auth, nc=00000001", "qop requires cnonce", "cnonce" },
		{ ", qop=auth, nc=00000001, cnonce=\"\"", "qop requires cnonce",
		  "cnonce" },
	};
	struct sip_auth_creds c;
	char v[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(v, sizeof(v), "Digest username=\"u\", realm=\"r\", "
			 "nonce=\"n\", uri=\"u\", response=\"r\"%s", t[i].extra);
		assert_int_equal(sip_auth_parse_credentials(flush_str(v), &c),
				-EBADMSG);
		assert_string_equal(c.reason, t[i].reason);
		assert_pl(c.reason_param, t[i].param);
	}
}

/* Escaped values beyond the unescape buffer fail cleanly. */
static void
test_creds_escape_overflow(void **state)
{
	char v[2048], *p = v;
	struct sip_auth_creds c;
	int i;

	(void)state;
	p += sprintf(p, "Digest username=\"");
	for (i = 0; i < SIP_AUTH_UNESC_MAX + 1; i++) {
		*p++ = '\\';
		*p++ = 'x';
	}
	sprintf(p, "\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"r\"");
	assert_int_equal(sip_auth_parse_credentials(flush_str(v), &c),
			-EBADMSG);
	assert_string_equal(c.reason, "escaped values too long");
}

/* No proper prefix of a credential ending in a required parameter
 * parses, and none reads past its end. */
static void
test_creds_prefixes(void **state)
{
	struct sip_auth_creds c;
	size_t len = strlen(rfc_creds), i;
	int err;

	(void)state;
	for (i = 0; i < len; i++) {
		err = sip_auth_parse_credentials(flush(rfc_creds, i), &c);
		if (i < 6)
			assert_true(err == -EBADMSG || err == -EPROTONOSUPPORT);
		else
			assert_int_equal(err, -EBADMSG);
	}
	assert_int_equal(sip_auth_parse_credentials(flush(rfc_creds, len), &c),
			0);
}

/* A typical RFC 3261 challenge parses with its qop list and stale flag. */
static void
test_challenge_parse(void **state)
{
	static const char v[] =
		"Digest realm=\"atlanta.com\", domain=\"sip:ss1.carrier.com\", "
		"qop=\"auth,auth-int\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", "
		"opaque=\"\", stale=FALSE, algorithm=MD5";
	struct sip_auth_chal ch;

	(void)state;
	assert_int_equal(sip_auth_parse_challenge(flush_str(v), &ch), 0);
	assert_pl(ch.realm, "atlanta.com");
	assert_pl(ch.domain, "sip:ss1.carrier.com");
	assert_pl(ch.nonce, "f84f1cec41e6cbe5aea9c8e88d359");
	assert_pl(ch.opaque, "");
	assert_false(ch.stale);
	assert_true(ch.qop_auth);
	assert_true(ch.qop_auth_int);
	assert_int_equal(ch.alg, SIP_AUTH_ALG_MD5);
}

/* stale=true, a one-token qop, a SHA-256 algorithm. */
static void
test_challenge_stale(void **state)
{
	static const char v[] =
		"Digest realm=\"r\", nonce=\"n\", qop=\" auth \", "
		"algorithm=SHA-256, stale=true";
	struct sip_auth_chal ch;

	(void)state;
	assert_int_equal(sip_auth_parse_challenge(flush_str(v), &ch), 0);
	assert_true(ch.stale);
	assert_true(ch.qop_auth);
	assert_false(ch.qop_auth_int);
	assert_int_equal(ch.alg, SIP_AUTH_ALG_SHA256);
}

/* Malformed challenges give precise reasons. */
static void
test_challenge_malformed(void **state)
{
	static const struct {
		const char *v;
		const char *reason;
	} t[] = {
		{ "Digest realm=\"r\"", "missing parameter" },
		{ "Digest nonce=\"n\"", "missing parameter" },
		{ "Digest realm=\"r\", nonce=\"n\", stale=maybe",
		  "stale must be true or false" },
		{ "Digest realm=\"r\", nonce=\"n\", stale=true, stale=true",
		  "duplicate parameter" },
		{ "Digest realm=\"r\", nonce=\"n\", qop=\"auth,,\"",
		  "bad qop list" },
		{ "Digest realm=\"r\", nonce=\"n\", qop=\"auth auth-int\"",
		  "bad qop list" },
	};
	struct sip_auth_chal ch;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(sip_auth_parse_challenge(flush_str(t[i].v), &ch),
				-EBADMSG);
		assert_string_equal(ch.reason, t[i].reason);
	}
	assert_int_equal(sip_auth_parse_challenge(flush_str("Basic realm=\"r\""),
			&ch), -EPROTONOSUPPORT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_creds_rfc3261),
		cmocka_unit_test(test_creds_case_insensitive),
		cmocka_unit_test(test_creds_lws_folds),
		cmocka_unit_test(test_creds_escapes),
		cmocka_unit_test(test_creds_unknown_ignored),
		cmocka_unit_test(test_creds_algorithms),
		cmocka_unit_test(test_creds_malformed),
		cmocka_unit_test(test_creds_malformed_params),
		cmocka_unit_test(test_creds_escape_overflow),
		cmocka_unit_test(test_creds_prefixes),
		cmocka_unit_test(test_challenge_parse),
		cmocka_unit_test(test_challenge_stale),
		cmocka_unit_test(test_challenge_malformed),
	};

	return cmocka_run_group_tests(tests, setup_guard, teardown_guard);
}
