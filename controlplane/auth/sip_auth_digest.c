/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The digest arithmetic of RFC 7616 §3.4: HA1, HA2 and the request-digest
 * for MD5, SHA-256 and SHA-512/256 and their -sess variants, through
 * OpenSSL's EVP interface. Inputs are joined with ':' inside the hash
 * rather than in a buffer, so nothing secret is copied around.
 */
#include <errno.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "sip_auth.h"

static const EVP_MD *
auth_md(enum sip_auth_alg alg)
{
	switch (alg) {
	case SIP_AUTH_ALG_MD5:
	case SIP_AUTH_ALG_MD5_SESS:
		return EVP_md5();
	case SIP_AUTH_ALG_SHA256:
	case SIP_AUTH_ALG_SHA256_SESS:
		return EVP_sha256();
	case SIP_AUTH_ALG_SHA512_256:
	case SIP_AUTH_ALG_SHA512_256_SESS:
		return EVP_sha512_256();
	default:
		return NULL;
	}
}

static bool
auth_alg_is_sess(enum sip_auth_alg alg)
{
	return alg == SIP_AUTH_ALG_MD5_SESS || alg == SIP_AUTH_ALG_SHA256_SESS ||
		alg == SIP_AUTH_ALG_SHA512_256_SESS;
}

bool
sip_auth_alg_supported(enum sip_auth_alg alg)
{
	return alg == SIP_AUTH_ALG_MD5 || alg == SIP_AUTH_ALG_MD5_SESS ||
		alg == SIP_AUTH_ALG_SHA256 || alg == SIP_AUTH_ALG_SHA256_SESS;
}

size_t
sip_auth_alg_size(enum sip_auth_alg alg)
{
	const EVP_MD *md = auth_md(alg);

	return md == NULL ? 0 : (size_t)EVP_MD_get_size(md);
}

static void
auth_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* H(parts[0] ":" parts[1] ":" ... ) into out. */
static int
auth_hash_join(const EVP_MD *md, const struct dg_pl *parts, size_t n,
		uint8_t *out)
{
	EVP_MD_CTX *c;
	size_t i;
	int ok;

	c = EVP_MD_CTX_new();
	if (c == NULL)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(c, md, NULL);
	for (i = 0; ok && i < n; i++) {
		if (i > 0)
			ok = EVP_DigestUpdate(c, ":", 1);
		if (ok && parts[i].len > 0)
			ok = EVP_DigestUpdate(c, parts[i].p, parts[i].len);
	}
	if (ok)
		ok = EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -ENOMEM;
}

int
sip_auth_ha1(enum sip_auth_alg alg, struct dg_pl username, struct dg_pl realm,
		struct dg_pl password, uint8_t *out)
{
	const struct dg_pl parts[3] = { username, realm, password };
	const EVP_MD *md = auth_md(alg);
	int err;

	if (md == NULL)
		return -EINVAL;
	err = auth_hash_join(md, parts, 3, out);
	if (err < 0)
		return err;
	return EVP_MD_get_size(md);
}

int
sip_auth_response_hex(enum sip_auth_alg alg, const uint8_t *ha1,
		struct dg_pl nonce, struct dg_pl nc, struct dg_pl cnonce,
		struct dg_pl qop, struct dg_pl method, struct dg_pl uri,
		char *hex)
{
	char ha1_hex[2 * SIP_AUTH_HASH_MAX + 1];
	char ha2_hex[2 * SIP_AUTH_HASH_MAX + 1];
	uint8_t h[SIP_AUTH_HASH_MAX];
	const EVP_MD *md = auth_md(alg);
	struct dg_pl parts[6];
	size_t size;
	int err;

	if (md == NULL)
		return -EINVAL;
	size = (size_t)EVP_MD_get_size(md);
	auth_hex(ha1, size, ha1_hex);
	if (auth_alg_is_sess(alg)) {
		parts[0] = (struct dg_pl){ ha1_hex, 2 * size };
		parts[1] = nonce;
		parts[2] = cnonce;
		err = auth_hash_join(md, parts, 3, h);
		if (err < 0)
			goto out;
		auth_hex(h, size, ha1_hex);
	}
	parts[0] = method;
	parts[1] = uri;
	err = auth_hash_join(md, parts, 2, h);
	if (err < 0)
		goto out;
	auth_hex(h, size, ha2_hex);
	parts[0] = (struct dg_pl){ ha1_hex, 2 * size };
	parts[1] = nonce;
	if (dg_pl_isset(qop)) {
		parts[2] = nc;
		parts[3] = cnonce;
		parts[4] = qop;
		parts[5] = (struct dg_pl){ ha2_hex, 2 * size };
		err = auth_hash_join(md, parts, 6, h);
	} else {
		parts[2] = (struct dg_pl){ ha2_hex, 2 * size };
		err = auth_hash_join(md, parts, 3, h);
	}
	if (err < 0)
		goto out;
	auth_hex(h, size, hex);
out:
	OPENSSL_cleanse(ha1_hex, sizeof(ha1_hex));
	OPENSSL_cleanse(h, sizeof(h));
	return err;
}
