/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the digest arithmetic (RFC 2617 / RFC 7616 worked examples and
 * vectors computed independently with Python's hashlib), of the signed
 * nonces (expiry boundaries, tampering, other nodes, source binding), of
 * the challenge lines byte for byte, and of every verification outcome.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "sip_auth.h"
#include "sip_auth_users.h"

#define T0 1700000000ull

static const char secret[] = "0123456789abcdef0123456789abcdef";

struct fake_clock {
	uint64_t now;
};

static uint64_t
fake_now(void *arg)
{
	return ((struct fake_clock *)arg)->now;
}

static struct dg_pl
pl(const char *s)
{
	return (struct dg_pl){ s, strlen(s) };
}

static const char mufasa_nonce[] = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
static const char mufasa_cnonce[] = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

static void
mufasa_response(enum sip_auth_alg alg, const char *qop, char *hex)
{
	uint8_t ha1[SIP_AUTH_HASH_MAX];

	assert_int_equal(sip_auth_ha1(alg, pl("Mufasa"),
			pl("http-auth@example.org"), pl("Circle of Life"), ha1),
			(int)sip_auth_alg_size(alg));
	assert_int_equal(sip_auth_response_hex(alg, ha1, pl(mufasa_nonce),
			pl("00000001"), pl(mufasa_cnonce),
			qop != NULL ? pl(qop) : DG_PL_NULL, pl("GET"),
			pl("/dir/index.html"), hex), 0);
}

/* RFC 7616 §3.9.1: the MD5 and SHA-256 responses of the worked example. */
static void
test_rfc7616_vectors(void **state)
{
	char hex[2 * SIP_AUTH_HASH_MAX + 1];

	(void)state;
	mufasa_response(SIP_AUTH_ALG_MD5, "auth", hex);
	assert_string_equal(hex, "8ca523f5e9506fed4657c9700eebdbec");
	mufasa_response(SIP_AUTH_ALG_SHA256, "auth", hex);
	assert_string_equal(hex,
		"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

/* -sess and qop-less (RFC 2069) forms, against hashlib-computed values. */
static void
test_sess_and_no_qop_vectors(void **state)
{
	char hex[2 * SIP_AUTH_HASH_MAX + 1];

	(void)state;
	mufasa_response(SIP_AUTH_ALG_MD5_SESS, "auth", hex);
	assert_string_equal(hex, "e783283f46242139c486a698fec7211d");
	mufasa_response(SIP_AUTH_ALG_SHA256_SESS, "auth", hex);
	assert_string_equal(hex,
		"2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7");
	mufasa_response(SIP_AUTH_ALG_MD5, NULL, hex);
	assert_string_equal(hex, "7b2cc3b30e75b4777ea31027084363fd");
	mufasa_response(SIP_AUTH_ALG_SHA256, NULL, hex);
	assert_string_equal(hex,
		"a1306b0595a6c7fe96c448631fb5cfbd5107bd1fe1da729d978dd7446b812363");
}

/* RFC 2617 §3.5 worked example. */
static void
test_rfc2617_vector(void **state)
{
	char hex[2 * SIP_AUTH_HASH_MAX + 1];
	uint8_t ha1[16];

	(void)state;
	assert_int_equal(sip_auth_ha1(SIP_AUTH_ALG_MD5, pl("Mufasa"),
			pl("testrealm@host.com"), pl("Circle Of Life"), ha1), 16);
	assert_int_equal(sip_auth_response_hex(SIP_AUTH_ALG_MD5, ha1,
			pl("dcd98b7102dd2f0e8b11d0f600bfb0c093"), pl("00000001"),
			pl("0a4f113b"), pl("auth"), pl("GET"),
			pl("/dir/index.html"), hex), 0);
	assert_string_equal(hex, "6629fae49393a05397450978507c4ef1");
	assert_int_equal(sip_auth_ha1(SIP_AUTH_ALG_UNKNOWN, pl("a"), pl("b"),
			pl("c"), ha1), -EINVAL);
}

struct fixture {
	struct fake_clock clock;
	struct sip_auth_users *users;
	struct sip_auth_ctx *ctx;
	struct sip_auth_conf conf;
	struct sip_auth_creds creds;
	char value[1024];
	char nc[9];		/* nc make_creds() sends */
};

static int
setup(void **state)
{
	static struct fixture f;
	char line[512], text[1024];
	int n;

	memset(&f, 0, sizeof(f));
	f.clock.now = T0;
	strcpy(f.nc, "00000001");
	text[0] = '\0';
	n = sip_auth_users_format_line("alice", "example.com", pl("s3cret"),
			line, sizeof(line));
	assert_true(n > 0);
	strcat(text, line);
	n = sip_auth_users_format_line("bob", "example.com", pl("hunter2"),
			line, sizeof(line));
	assert_true(n > 0);
	strcat(text, line);
	assert_int_equal(sip_auth_users_load_buf(&f.users, "users", text,
			strlen(text), NULL, 0), 0);
	f.conf = (struct sip_auth_conf){
		.realm = "example.com",
		.secret = (const uint8_t *)secret,
		.secret_len = 32,
		.nonce_ttl_s = 300,
		.clock = fake_now,
		.clock_arg = &f.clock,
		.users = f.users,
	};
	assert_int_equal(sip_auth_ctx_create(&f.ctx, &f.conf), 0);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	sip_auth_ctx_destroy(f->ctx);
	sip_auth_users_free(f->users);
	return 0;
}

/* Recreate the context after changing f->conf. */
static void
reconf(struct fixture *f)
{
	sip_auth_ctx_destroy(f->ctx);
	assert_int_equal(sip_auth_ctx_create(&f->ctx, &f->conf), 0);
}

/*
 * Build and parse credentials as a UA would send them. qop NULL omits
 * qop, nc and cnonce; extra is appended verbatim.
 */
static void
make_creds(struct fixture *f, const char *user, const char *password,
		enum sip_auth_alg alg, const char *nonce, const char *method,
		const char *uri, const char *qop, const char *extra)
{
	char hex[2 * SIP_AUTH_HASH_MAX + 1];
	uint8_t ha1[SIP_AUTH_HASH_MAX];
	enum sip_auth_alg base = alg == SIP_AUTH_ALG_MD5_SESS ?
		SIP_AUTH_ALG_MD5 : alg == SIP_AUTH_ALG_SHA256_SESS ?
		SIP_AUTH_ALG_SHA256 : alg;

	if (sip_auth_alg_supported(alg)) {
		assert_true(sip_auth_ha1(base, pl(user), pl("example.com"),
				pl(password), ha1) > 0);
		assert_int_equal(sip_auth_response_hex(alg, ha1, pl(nonce),
				pl(f->nc), pl("0a4f113b"),
				qop != NULL ? pl(qop) : DG_PL_NULL, pl(method),
				pl(uri), hex), 0);
	} else {
		strcpy(hex, "00000000000000000000000000000000");
	}
	if (qop != NULL)
		snprintf(f->value, sizeof(f->value),
			 "Digest username=\"%s\", realm=\"example.com\", "
			 "nonce=\"%s\", uri=\"%s\", response=\"%s\", "
			 "algorithm=%s, qop=%s, nc=%s, cnonce=\"0a4f113b\"%s",
			 user, nonce, uri, hex, sip_auth_alg_name(alg), qop,
			 f->nc, extra != NULL ? extra : "");
	else
		snprintf(f->value, sizeof(f->value),
			 "Digest username=\"%s\", realm=\"example.com\", "
			 "nonce=\"%s\", uri=\"%s\", response=\"%s\", algorithm=%s%s",
			 user, nonce, uri, hex, sip_auth_alg_name(alg),
			 extra != NULL ? extra : "");
	assert_int_equal(sip_auth_parse_credentials(pl(f->value), &f->creds), 0);
}

static enum sip_auth_result
verify(struct fixture *f, const char *method, const char *uri)
{
	return sip_auth_verify(f->ctx, &f->creds, pl(method), pl(uri), NULL);
}

/* A nonce is 32 base64url characters holding the issue time. */
static void
test_nonce_format(void **state)
{
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1];
	uint64_t issued = 0;
	size_t i;

	assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce), 0);
	assert_int_equal(strlen(nonce), SIP_AUTH_NONCE_LEN);
	for (i = 0; i < SIP_AUTH_NONCE_LEN; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
				"opqrstuvwxyz0123456789-_", nonce[i]));
	assert_int_equal(sip_auth_nonce_check(f->ctx, pl(nonce), NULL, &issued),
			0);
	assert_int_equal(issued, T0);
	/* The same bytes as HMAC-SHA256 computed by Python's hmac module. */
	assert_string_equal(nonce, "AAAAAGVT8QBfDdSYx6T89ea8V24Hj1ot");
}

/* Fresh while age < ttl: valid at ttl - 1 s, stale at exactly ttl. */
static void
test_nonce_expiry_boundary(void **state)
{
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1];

	assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce), 0);
	f->clock.now = T0 + 299;
	assert_int_equal(sip_auth_nonce_check(f->ctx, pl(nonce), NULL, NULL), 0);
	f->clock.now = T0 + 300;
	assert_int_equal(sip_auth_nonce_check(f->ctx, pl(nonce), NULL, NULL),
			-ESTALE);
	f->clock.now = T0 + 1000000;
	assert_int_equal(sip_auth_nonce_check(f->ctx, pl(nonce), NULL, NULL),
			-ESTALE);
}

/* A nonce from a node whose clock leads is accepted within the skew. */
static void
test_nonce_future_skew(void **state)
{
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1];

	f->clock.now = T0 + 30;
	assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce), 0);
	f->clock.now = T0;
	assert_int_equal(sip_auth_nonce_check(f->ctx, pl(nonce), NULL, NULL),
			-ESTALE);
	f->conf.nonce_skew_s = 30;
	reconf(f);
	assert_int_equal(sip_auth_nonce_check(f->ctx, pl(nonce), NULL, NULL), 0);
	f->clock.now = T0 - 1;
	assert_int_equal(sip_auth_nonce_check(f->ctx, pl(nonce), NULL, NULL),
			-ESTALE);
}

/* Changing any one character, or the length, breaks the signature. */
static void
test_nonce_tampered(void **state)
{
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1], bad[SIP_AUTH_NONCE_LEN + 2];
	size_t i;

	assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce), 0);
	for (i = 0; i < SIP_AUTH_NONCE_LEN; i++) {
		memcpy(bad, nonce, sizeof(nonce));
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		assert_int_equal(sip_auth_nonce_check(f->ctx, pl(bad), NULL,
				NULL), -EBADMSG);
	}
	memcpy(bad, nonce, sizeof(nonce));
	bad[SIP_AUTH_NONCE_LEN - 1] = '\0';
	assert_int_equal(sip_auth_nonce_check(f->ctx, pl(bad), NULL, NULL),
			-EBADMSG);
	memcpy(bad, nonce, sizeof(nonce));
	bad[5] = '+';
	assert_int_equal(sip_auth_nonce_check(f->ctx, pl(bad), NULL, NULL),
			-EBADMSG);
	assert_int_equal(sip_auth_nonce_check(f->ctx, pl(""), NULL, NULL),
			-EBADMSG);
}

/* Another node with the same secret and realm verifies our nonce; a
 * node with another secret, or the same secret for another realm, not. */
static void
test_nonce_other_nodes(void **state)
{
	static const char other[] = "another-cluster-secret-0123456789";
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1];
	struct sip_auth_conf c = f->conf;
	struct sip_auth_ctx *peer;

	assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce), 0);
	assert_int_equal(sip_auth_ctx_create(&peer, &c), 0);
	assert_int_equal(sip_auth_nonce_check(peer, pl(nonce), NULL, NULL), 0);
	sip_auth_ctx_destroy(peer);
	c.secret = (const uint8_t *)other;
	c.secret_len = strlen(other);
	assert_int_equal(sip_auth_ctx_create(&peer, &c), 0);
	assert_int_equal(sip_auth_nonce_check(peer, pl(nonce), NULL, NULL),
			-EBADMSG);
	sip_auth_ctx_destroy(peer);
	c = f->conf;
	c.realm = "example.net";
	assert_int_equal(sip_auth_ctx_create(&peer, &c), 0);
	assert_int_equal(sip_auth_nonce_check(peer, pl(nonce), NULL, NULL),
			-EBADMSG);
	sip_auth_ctx_destroy(peer);
}

/* With bind_source the nonce only verifies from the same IP (any port;
 * IPv4-mapped IPv6 counts as IPv4); without, from anywhere. */
static void
test_nonce_bind_source(void **state)
{
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5060) };
	struct sockaddr_in b = a;
	struct sockaddr_in6 m = { .sin6_family = AF_INET6 };

	inet_pton(AF_INET, "192.0.2.10", &a.sin_addr);
	inet_pton(AF_INET, "192.0.2.11", &b.sin_addr);
	inet_pton(AF_INET6, "::ffff:192.0.2.10", &m.sin6_addr);
	assert_int_equal(sip_auth_nonce_make(f->ctx, (struct sockaddr *)&a,
			nonce), 0);
	assert_int_equal(sip_auth_nonce_check(f->ctx, pl(nonce),
			(struct sockaddr *)&b, NULL), 0);
	f->conf.bind_source = true;
	reconf(f);
	assert_int_equal(sip_auth_nonce_make(f->ctx, (struct sockaddr *)&a,
			nonce), 0);
	a.sin_port = htons(40000);
	assert_int_equal(sip_auth_nonce_check(f->ctx, pl(nonce),
			(struct sockaddr *)&a, NULL), 0);
	assert_int_equal(sip_auth_nonce_check(f->ctx, pl(nonce),
			(struct sockaddr *)&m, NULL), 0);
	assert_int_equal(sip_auth_nonce_check(f->ctx, pl(nonce),
			(struct sockaddr *)&b, NULL), -EBADMSG);
}

/* The 401 lines, byte for byte: SHA-256 first, then MD5. */
static void
test_challenge_bytes(void **state)
{
	static const char want[] =
		"WWW-Authenticate: Digest realm=\"example.com\", "
		"nonce=\"AAAAAGVT8QBfDdSYx6T89ea8V24Hj1ot\", qop=\"auth\", "
		"algorithm=SHA-256\r\n"
		"WWW-Authenticate: Digest realm=\"example.com\", "
		"nonce=\"AAAAAGVT8QBfDdSYx6T89ea8V24Hj1ot\", qop=\"auth\", "
		"algorithm=MD5\r\n";
	struct fixture *f = *state;
	char buf[1024];
	int n;

	n = sip_auth_challenge_build(f->ctx, false, false, NULL, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(buf, want);
}

/* The 407 form with opaque and stale, MD5 only; realm quotes escaped. */
static void
test_challenge_proxy_stale_opaque(void **state)
{
	static const char want[] =
		"Proxy-Authenticate: Digest realm=\"ex \\\"q\\\" \\\\\", "
		"nonce=\"%s\", opaque=\"op1\", qop=\"auth\", algorithm=MD5, "
		"stale=true\r\n";
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1], buf[1024], exp[1024];

	f->conf.realm = "ex \"q\" \\";
	f->conf.opaque = "op1";
	f->conf.offer = SIP_AUTH_OFFER_MD5;
	reconf(f);
	assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce), 0);
	snprintf(exp, sizeof(exp), want, nonce);
	assert_int_equal(sip_auth_challenge_build(f->ctx, true, true, NULL, buf,
			sizeof(buf)), (int)strlen(exp));
	assert_string_equal(buf, exp);
}

/* Every buffer shorter than needed gives -ENOSPC; exactly enough works. */
static void
test_challenge_enospc(void **state)
{
	struct fixture *f = *state;
	char buf[1024];
	int n, k;

	n = sip_auth_challenge_build(f->ctx, false, false, NULL, buf, sizeof(buf));
	assert_true(n > 0);
	for (k = 0; k <= n; k++)
		assert_int_equal(sip_auth_challenge_build(f->ctx, false, false,
				NULL, buf, (size_t)k), -ENOSPC);
	assert_int_equal(sip_auth_challenge_build(f->ctx, false, false, NULL,
			buf, (size_t)n + 1), n);
}

/* Each challenge line parses back to what was offered. */
static void
test_challenge_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct sip_auth_chal ch;
	char buf[1024], *line, *colon, *eol;
	enum sip_auth_alg want[] = { SIP_AUTH_ALG_SHA256, SIP_AUTH_ALG_MD5 };
	int i = 0;

	assert_true(sip_auth_challenge_build(f->ctx, false, true, NULL, buf,
			sizeof(buf)) > 0);
	for (line = buf; *line != '\0'; line = eol + 2, i++) {
		eol = strstr(line, "\r\n");
		colon = strchr(line, ':');
		assert_non_null(eol);
		assert_int_equal(sip_auth_parse_challenge((struct dg_pl){ colon + 2,
				(size_t)(eol - colon - 2) }, &ch), 0);
		assert_int_equal(ch.alg, want[i]);
		assert_true(ch.stale);
		assert_true(ch.qop_auth);
		assert_int_equal(ch.realm.len, strlen("example.com"));
		assert_int_equal(sip_auth_nonce_check(f->ctx, ch.nonce, NULL,
				NULL), 0);
	}
	assert_int_equal(i, 2);
}

/* The right password verifies with every supported algorithm. */
static void
test_verify_ok(void **state)
{
	static const enum sip_auth_alg algs[] = {
		SIP_AUTH_ALG_MD5, SIP_AUTH_ALG_MD5_SESS, SIP_AUTH_ALG_SHA256,
		SIP_AUTH_ALG_SHA256_SESS,
	};
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1];
	size_t i;

	assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce), 0);
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		make_creds(f, "alice", "s3cret", algs[i], nonce, "REGISTER",
				"sip:example.com", "auth", NULL);
		assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
				SIP_AUTH_OK);
	}
	make_creds(f, "bob", "hunter2", SIP_AUTH_ALG_SHA256, nonce, "INVITE",
			"sip:carol@example.com", "auth", NULL);
	assert_int_equal(verify(f, "INVITE", "sip:carol@example.com"),
			SIP_AUTH_OK);
}

/* A response in upper-case hex is the same response. */
static void
test_verify_upper_hex(void **state)
{
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1], *r;

	assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce), 0);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_MD5, nonce, "REGISTER",
			"sip:example.com", "auth", NULL);
	for (r = strstr(f->value, "response=\""); *r != ','; r++)
		if (*r >= 'a' && *r <= 'f')
			*r = (char)(*r - 'a' + 'A');
	assert_int_equal(sip_auth_parse_credentials(pl(f->value), &f->creds), 0);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"), SIP_AUTH_OK);
}

/* Wrong password, unknown user, wrong method: 403. */
static void
test_verify_forbidden(void **state)
{
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1];

	assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce), 0);
	make_creds(f, "alice", "wrong", SIP_AUTH_ALG_SHA256, nonce, "REGISTER",
			"sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_FORBIDDEN);
	make_creds(f, "mallory", "s3cret", SIP_AUTH_ALG_SHA256, nonce,
			"REGISTER", "sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_FORBIDDEN);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_SHA256, nonce, "REGISTER",
			"sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "INVITE", "sip:example.com"),
			SIP_AUTH_FORBIDDEN);
	/* bob's password for alice: users are not interchangeable. */
	make_creds(f, "alice", "hunter2", SIP_AUTH_ALG_MD5, nonce, "REGISTER",
			"sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_FORBIDDEN);
}

/* Expired nonce + right response: STALE; + wrong response: FORBIDDEN. */
static void
test_verify_stale(void **state)
{
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1];

	assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce), 0);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_SHA256, nonce, "REGISTER",
			"sip:example.com", "auth", NULL);
	f->clock.now = T0 + 299;
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"), SIP_AUTH_OK);
	f->clock.now = T0 + 300;
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_STALE);
	make_creds(f, "alice", "wrong", SIP_AUTH_ALG_SHA256, nonce, "REGISTER",
			"sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_FORBIDDEN);
}

/* No credentials, another realm, an unverifiable algorithm or a foreign
 * opaque: a fresh challenge. */
static void
test_verify_challenge(void **state)
{
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1], *r;

	assert_int_equal(sip_auth_verify(f->ctx, NULL, pl("REGISTER"),
			pl("sip:example.com"), NULL), SIP_AUTH_CHALLENGE);
	assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce), 0);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_SHA512_256, nonce,
			"REGISTER", "sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_CHALLENGE);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_MD5, nonce, "REGISTER",
			"sip:example.com", "auth", NULL);
	r = strstr(f->value, "example.com");
	memcpy(r, "example.org", 11);
	assert_int_equal(sip_auth_parse_credentials(pl(f->value), &f->creds), 0);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_CHALLENGE);
	f->conf.opaque = "op1";
	reconf(f);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_MD5, nonce, "REGISTER",
			"sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_CHALLENGE);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_MD5, nonce, "REGISTER",
			"sip:example.com", "auth", ", opaque=\"op2\"");
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_CHALLENGE);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_MD5, nonce, "REGISTER",
			"sip:example.com", "auth", ", opaque=\"op1\"");
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"), SIP_AUTH_OK);
}

/* uri must equal the Request-URI unless the policy says to ignore it. */
static void
test_verify_uri_policy(void **state)
{
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1];

	assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce), 0);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_MD5, nonce, "INVITE",
			"sip:bob@example.com", "auth", NULL);
	assert_int_equal(verify(f, "INVITE", "sip:bob@example.com;user=phone"),
			SIP_AUTH_BAD_REQUEST);
	f->conf.uri_check = SIP_AUTH_URI_IGNORE;
	reconf(f);
	assert_int_equal(verify(f, "INVITE", "sip:bob@example.com;user=phone"),
			SIP_AUTH_OK);
}

/* Without qop only when configured; auth-int (never offered) refused. */
static void
test_verify_qop_policy(void **state)
{
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1];

	assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce), 0);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_MD5, nonce, "REGISTER",
			"sip:example.com", NULL, NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_BAD_REQUEST);
	f->conf.allow_no_qop = true;
	reconf(f);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"), SIP_AUTH_OK);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_MD5_SESS, nonce,
			"REGISTER", "sip:example.com", NULL, NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_BAD_REQUEST);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_MD5, nonce, "REGISTER",
			"sip:example.com", "auth-int", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_BAD_REQUEST);
}

/* A nonce issued by another node of the cluster verifies here; one
 * signed with another secret, or tampered with, is forbidden. */
static void
test_verify_cluster(void **state)
{
	static const char other[] = "another-cluster-secret-0123456789";
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1];
	struct sip_auth_conf c = f->conf;
	struct sip_auth_ctx *peer;

	assert_int_equal(sip_auth_ctx_create(&peer, &c), 0);
	assert_int_equal(sip_auth_nonce_make(peer, NULL, nonce), 0);
	sip_auth_ctx_destroy(peer);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_SHA256, nonce, "REGISTER",
			"sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"), SIP_AUTH_OK);
	c.secret = (const uint8_t *)other;
	c.secret_len = strlen(other);
	assert_int_equal(sip_auth_ctx_create(&peer, &c), 0);
	assert_int_equal(sip_auth_nonce_make(peer, NULL, nonce), 0);
	sip_auth_ctx_destroy(peer);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_SHA256, nonce, "REGISTER",
			"sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_FORBIDDEN);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_SHA256,
			"dcd98b7102dd2f0e8b11d0f600bfb0c093", "REGISTER",
			"sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_FORBIDDEN);
}

/* The async-store entry point: NULL user is FORBIDDEN, a user is used. */
static void
test_verify_user_entry(void **state)
{
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1];
	const struct sip_auth_user *u;

	assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce), 0);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_SHA256, nonce, "REGISTER",
			"sip:example.com", "auth", NULL);
	u = sip_auth_users_find(f->users, pl("alice"), pl("example.com"));
	assert_non_null(u);
	assert_int_equal(sip_auth_verify_user(f->ctx, &f->creds, u,
			pl("REGISTER"), pl("sip:example.com"), NULL), SIP_AUTH_OK);
	assert_int_equal(sip_auth_verify_user(f->ctx, &f->creds, NULL,
			pl("REGISTER"), pl("sip:example.com"), NULL),
			SIP_AUTH_FORBIDDEN);
	assert_string_equal(sip_auth_result_name(SIP_AUTH_STALE), "stale");
}

/* Without nc tracking a captured request verifies again until its nonce
 * expires (the documented window); with it, an nc not above the highest
 * seen gives STALE, a higher one verifies. */
static void
test_nc_replay(void **state)
{
	struct fixture *f = *state;
	char nonce[SIP_AUTH_NONCE_LEN + 1];

	assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce), 0);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_SHA256, nonce, "REGISTER",
			"sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"), SIP_AUTH_OK);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"), SIP_AUTH_OK);
	f->conf.nc_track_slots = 16;
	reconf(f);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"), SIP_AUTH_OK);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_STALE);
	strcpy(f->nc, "00000002");
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_SHA256, nonce, "REGISTER",
			"sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"), SIP_AUTH_OK);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_STALE);
	strcpy(f->nc, "00000001");
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_SHA256, nonce, "REGISTER",
			"sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_STALE);
	/* A wrong response is still FORBIDDEN, not a replay. */
	make_creds(f, "alice", "wrong", SIP_AUTH_ALG_SHA256, nonce, "REGISTER",
			"sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_FORBIDDEN);
}

/* The table is bounded: with one set of four, a fifth nonce evicts the
 * oldest, which is then forgotten (its replay verifies again), while the
 * newest is remembered. */
static void
test_nc_eviction(void **state)
{
	struct fixture *f = *state;
	char nonce[5][SIP_AUTH_NONCE_LEN + 1];
	int i;

	f->conf.nc_track_slots = 4;
	reconf(f);
	for (i = 0; i < 5; i++) {
		f->clock.now = T0 + (uint64_t)i;
		assert_int_equal(sip_auth_nonce_make(f->ctx, NULL, nonce[i]), 0);
		make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_MD5, nonce[i],
				"REGISTER", "sip:example.com", "auth", NULL);
		assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
				SIP_AUTH_OK);
	}
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_MD5, nonce[4], "REGISTER",
			"sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_STALE);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_MD5, nonce[1], "REGISTER",
			"sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"),
			SIP_AUTH_STALE);
	make_creds(f, "alice", "s3cret", SIP_AUTH_ALG_MD5, nonce[0], "REGISTER",
			"sip:example.com", "auth", NULL);
	assert_int_equal(verify(f, "REGISTER", "sip:example.com"), SIP_AUTH_OK);
}

/* Bad settings are refused at creation. */
static void
test_ctx_conf_errors(void **state)
{
	struct fixture *f = *state;
	struct sip_auth_conf c;
	struct sip_auth_ctx *ctx;

	c = f->conf;
	c.realm = "";
	assert_int_equal(sip_auth_ctx_create(&ctx, &c), -EINVAL);
	c = f->conf;
	c.realm = "a\r\nb";
	assert_int_equal(sip_auth_ctx_create(&ctx, &c), -EINVAL);
	c = f->conf;
	c.secret_len = 15;
	assert_int_equal(sip_auth_ctx_create(&ctx, &c), -EINVAL);
	c = f->conf;
	c.offer = 0x4;
	assert_int_equal(sip_auth_ctx_create(&ctx, &c), -EINVAL);
	c = f->conf;
	c.nc_track_slots = (1u << 20) + 1;
	assert_int_equal(sip_auth_ctx_create(&ctx, &c), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7616_vectors),
		cmocka_unit_test(test_sess_and_no_qop_vectors),
		cmocka_unit_test(test_rfc2617_vector),
		cmocka_unit_test_setup_teardown(test_nonce_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonce_expiry_boundary, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_nonce_future_skew, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_nonce_tampered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonce_other_nodes, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_nonce_bind_source, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_challenge_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_challenge_proxy_stale_opaque,
				setup, teardown),
		cmocka_unit_test_setup_teardown(test_challenge_enospc, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_challenge_roundtrip, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_verify_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_upper_hex, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_verify_forbidden, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_verify_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_challenge, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_verify_uri_policy, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_verify_qop_policy, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_verify_cluster, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_user_entry, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_nc_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nc_eviction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctx_conf_errors, setup,
				teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
