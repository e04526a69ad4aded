/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cost per operation of the edge's authentication and location service on
 * one core: parsing an Authorization value, verifying it end to end (parse,
 * nonce signature, user lookup, response) for SHA-256 and MD5, building a
 * 401's challenge lines, and a lookup / a refresh in an in-memory store
 * holding 100000 AoRs. Next to them, measured in the same run, the floor:
 * one SHA-256 of a 100-byte string through the same OpenSSL EVP calls (a
 * SHA-256 verification needs three hashes and one HMAC). Every iteration's
 * result is checked; a wrong result stops the run.
 *
 * Usage: bench_sip_auth [seconds per measurement, default 1]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "sip_auth.h"
#include "sip_auth_users.h"
#include "sip_loc.h"
#include "sip_loc_mem.h"

#define N_AORS 100000u

struct bench {
	struct sip_auth_ctx *ctx;
	struct sip_auth_users *users;
	struct sip_loc *loc;
	char value_sha[512];
	char value_md5[512];
	char chal[512];
	unsigned int aor_i;
	uint32_t cseq;
};

typedef void (*bench_fn)(struct bench *b);

static uint64_t
bench_clock(void *arg)
{
	(void)arg;
	return 1700000000;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
wrong(const char *what)
{
	fprintf(stderr, "bench_sip_auth: wrong result in %s\n", what);
	exit(1);
}

static struct dg_pl
pl(const char *s)
{
	return (struct dg_pl){ s, strlen(s) };
}

static void
run_sha256(struct bench *b)
{
	static const char msg[100] = "alice:example.com:s3cret";
	unsigned char out[32];
	unsigned int len = 0;

	(void)b;
	if (EVP_Digest(msg, sizeof(msg), out, &len, EVP_sha256(), NULL) != 1 ||
	    len != 32)
		wrong("sha256");
}

static void
run_parse(struct bench *b)
{
	struct sip_auth_creds c;

	if (sip_auth_parse_credentials(pl(b->value_sha), &c) != 0 ||
	    c.nc_value != 1)
		wrong("parse");
}

static void
run_verify(struct bench *b, const char *value)
{
	struct sip_auth_creds c;

	if (sip_auth_parse_credentials(pl(value), &c) != 0 ||
	    sip_auth_verify(b->ctx, &c, DG_PL("REGISTER"),
			    DG_PL("sip:example.com"), NULL) != SIP_AUTH_OK)
		wrong("verify");
}

static void
run_verify_sha(struct bench *b)
{
	run_verify(b, b->value_sha);
}

static void
run_verify_md5(struct bench *b)
{
	run_verify(b, b->value_md5);
}

static void
run_challenge(struct bench *b)
{
	if (sip_auth_challenge_build(b->ctx, false, false, NULL, b->chal,
			sizeof(b->chal)) <= 0)
		wrong("challenge");
}

static void
on_lookup(void *arg, int err, const struct sip_loc_record *rec)
{
	(void)arg;
	if (err != 0 || rec->n_bindings != 1)
		wrong("lookup");
}

static void
on_save(void *arg, int err, const struct sip_loc_record *rec)
{
	(void)arg;
	if (err != 0 || rec->n_bindings != 1)
		wrong("save");
}

static void
aor_name(char *buf, size_t size, unsigned int i)
{
	snprintf(buf, size, "sip:user%u@example.com", i);
}

static void
run_lookup(struct bench *b)
{
	char aor[64];

	b->aor_i = (b->aor_i + 7919) % N_AORS;
	aor_name(aor, sizeof(aor), b->aor_i);
	if (sip_loc_lookup(b->loc, pl(aor), on_lookup, NULL) != 0)
		wrong("lookup submit");
}

static void
run_refresh(struct bench *b)
{
	struct sip_loc_binding bd;
	char aor[64];

	b->aor_i = (b->aor_i + 7919) % N_AORS;
	aor_name(aor, sizeof(aor), b->aor_i);
	memset(&bd, 0, sizeof(bd));
	bd.contact = DG_PL("sip:user@198.51.100.23:5060;transport=udp");
	bd.call_id = DG_PL("NDk1ZTI0YjM5ODZlZDA3ZmQ0YjA1YzQ2ZjI0NTg0Y2Q.");
	bd.user_agent = DG_PL("Softphone 5.2.1");
	bd.cseq = ++b->cseq;
	if (sip_loc_save(b->loc, pl(aor), &bd, 3600, on_save, NULL) != 0)
		wrong("save submit");
}

static double
measure(bench_fn fn, struct bench *b, double secs)
{
	unsigned long n = 0, k;
	double t0 = now_s(), t;

	do {
		for (k = 0; k < 256; k++)
			fn(b);
		n += 256;
		t = now_s() - t0;
	} while (t < secs);
	return (double)n / t;
}

static void
make_value(struct bench *b, enum sip_auth_alg alg, char *out, size_t size)
{
	char nonce[SIP_AUTH_NONCE_LEN + 1], hex[2 * SIP_AUTH_HASH_MAX + 1];
	uint8_t ha1[SIP_AUTH_HASH_MAX];

	if (sip_auth_nonce_make(b->ctx, NULL, nonce) != 0 ||
	    sip_auth_ha1(alg, DG_PL("alice"), DG_PL("example.com"),
			 DG_PL("s3cret"), ha1) <= 0 ||
	    sip_auth_response_hex(alg, ha1, pl(nonce), DG_PL("00000001"),
			 DG_PL("0a4f113b"), DG_PL("auth"), DG_PL("REGISTER"),
			 DG_PL("sip:example.com"), hex) != 0)
		wrong("setup");
	snprintf(out, size, "Digest username=\"alice\", realm=\"example.com\", "
		 "nonce=\"%s\", uri=\"sip:example.com\", response=\"%s\", "
		 "algorithm=%s, qop=auth, nc=00000001, cnonce=\"0a4f113b\"",
		 nonce, hex, sip_auth_alg_name(alg));
}

static void
setup(struct bench *b)
{
	static const uint8_t secret[32] = "bench-secret-bench-secret-bench";
	struct sip_loc_mem_conf lconf = { .max_aors = N_AORS,
		.clock = bench_clock };
	struct sip_auth_conf conf = {
		.realm = "example.com",
		.secret = secret,
		.secret_len = sizeof(secret),
		.clock = bench_clock,
	};
	char line[512];
	unsigned int i;

	if (sip_auth_users_format_line("alice", "example.com", DG_PL("s3cret"),
			line, sizeof(line)) <= 0 ||
	    sip_auth_users_load_buf(&b->users, "bench", line, strlen(line),
			NULL, 0) != 0)
		wrong("users");
	conf.users = b->users;
	if (sip_auth_ctx_create(&b->ctx, &conf) != 0)
		wrong("ctx");
	make_value(b, SIP_AUTH_ALG_SHA256, b->value_sha, sizeof(b->value_sha));
	make_value(b, SIP_AUTH_ALG_MD5, b->value_md5, sizeof(b->value_md5));
	if (sip_loc_mem_create(&b->loc, &lconf) != 0)
		wrong("store");
	for (i = 0; i < N_AORS; i++) {
		b->aor_i = i + N_AORS - 7919;
		run_refresh(b);
	}
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		bench_fn fn;
	} t[] = {
		{ "SHA-256 of 100 bytes (baseline)", run_sha256 },
		{ "parse Authorization", run_parse },
		{ "verify SHA-256 (parse + nonce + response)", run_verify_sha },
		{ "verify MD5 (parse + nonce + response)", run_verify_md5 },
		{ "build 401 challenge (2 lines)", run_challenge },
		{ "location lookup (100k AoRs)", run_lookup },
		{ "location refresh (100k AoRs)", run_refresh },
	};
	double secs = argc > 1 ? atof(argv[1]) : 1.0, base = 0, r;
	struct bench b;
	size_t i;

	memset(&b, 0, sizeof(b));
	setup(&b);
	printf("| operation | ops/s | ns/op | cost / SHA-256 |\n");
	printf("|---|---|---|---|\n");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = measure(t[i].fn, &b, secs);
		if (i == 0)
			base = r;
		printf("| %s | %.0f | %.0f | %.1fx |\n", t[i].name, r, 1e9 / r,
		       base / r);
	}
	sip_loc_destroy(b.loc);
	sip_auth_ctx_destroy(b.ctx);
	sip_auth_users_free(b.users);
	return 0;
}
