/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzer of the digest credential and challenge parsers, and of the
 * verifier behind them: every view a successful parse hands out must lie
 * inside the input or inside the struct's unescape buffer, the required
 * parameters must be present, and verification of whatever parsed must
 * return one of the defined results.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_view(struct dg_pl v, const uint8_t *data, size_t size, const char *unesc,
		size_t unesc_len)
{
	const char *in = (const char *)data;

	if (!dg_pl_isset(v))
		return;
	if (v.p >= in && v.p + v.len <= in + size)
		return;
	if (v.p >= unesc && v.p + v.len <= unesc + unesc_len)
		return;
	abort();
}

static uint64_t
fuzz_clock(void *arg)
{
	(void)arg;
	return 1700000000;
}

static const struct sip_auth_ctx *
fuzz_ctx(void)
{
	static const uint8_t secret[32] = "fuzz-secret-fuzz-secret-fuzz-se";
	static struct sip_auth_ctx *ctx;
	struct sip_auth_conf conf = {
		.realm = "example.com",
		.secret = secret,
		.secret_len = sizeof(secret),
		.clock = fuzz_clock,
	};

	if (ctx == NULL && sip_auth_ctx_create(&ctx, &conf) != 0)
		abort();
	return ctx;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_auth_creds c;
	static struct sip_auth_chal ch;
	struct dg_pl value = { (const char *)data, size };
	enum sip_auth_result res;

	if (sip_auth_parse_credentials(value, &c) == 0) {
		check_view(c.scheme, data, size, c.unesc, c.unesc_len);
		check_view(c.username, data, size, c.unesc, c.unesc_len);
		check_view(c.realm, data, size, c.unesc, c.unesc_len);
		check_view(c.nonce, data, size, c.unesc, c.unesc_len);
		check_view(c.uri, data, size, c.unesc, c.unesc_len);
		check_view(c.response, data, size, c.unesc, c.unesc_len);
		check_view(c.algorithm, data, size, c.unesc, c.unesc_len);
		check_view(c.cnonce, data, size, c.unesc, c.unesc_len);
		check_view(c.nc, data, size, c.unesc, c.unesc_len);
		check_view(c.qop, data, size, c.unesc, c.unesc_len);
		check_view(c.opaque, data, size, c.unesc, c.unesc_len);
		if (!dg_pl_isset(c.username) || !dg_pl_isset(c.realm) ||
		    !dg_pl_isset(c.nonce) || !dg_pl_isset(c.uri) ||
		    !dg_pl_isset(c.response) || c.unesc_len > SIP_AUTH_UNESC_MAX)
			abort();
		if (c.qop_type != SIP_AUTH_QOP_NONE &&
		    (!dg_pl_isset(c.nc) || c.nc.len != 8 || c.cnonce.len == 0))
			abort();
		res = sip_auth_verify(fuzz_ctx(), &c, DG_PL("INVITE"), c.uri,
				NULL);
		if ((unsigned int)res >= SIP_AUTH__COUNT || res == SIP_AUTH_OK)
			abort();
	} else if (c.reason == NULL && c.scheme.len == 0) {
		abort();
	}
	if (sip_auth_parse_challenge(value, &ch) == 0) {
		check_view(ch.realm, data, size, ch.unesc, ch.unesc_len);
		check_view(ch.nonce, data, size, ch.unesc, ch.unesc_len);
		check_view(ch.opaque, data, size, ch.unesc, ch.unesc_len);
		check_view(ch.domain, data, size, ch.unesc, ch.unesc_len);
		check_view(ch.qop, data, size, ch.unesc, ch.unesc_len);
		if (!dg_pl_isset(ch.realm) || !dg_pl_isset(ch.nonce))
			abort();
	}
	return 0;
}
