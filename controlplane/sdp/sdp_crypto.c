/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDES (RFC 4568): the a=crypto grammar (tag, suite, inline key parameters
 * with lifetime and MKI, session parameters kept as written), the suite
 * table with master key and salt lengths, base64, and fresh keys drawn
 * from a caller-supplied random source (OpenSSL RAND_bytes by default, a
 * deterministic one in tests).
 */
#include <errno.h>
#include <string.h>

#include <openssl/rand.h>

#include "sdp.h"
#include "sdp_int.h"

static const struct {
	struct dg_pl name;
	uint8_t key_len;
	uint8_t salt_len;
} sdp_suites[SDP_SUITE__COUNT] = {
#define SDP_SUITE_TAB_(n, k, s) [SDP_SUITE_##n] = { DG_PL(#n), k, s },
	SDP_SUITES(SDP_SUITE_TAB_)
#undef SDP_SUITE_TAB_
};

const char *
sdp_suite_name(enum sdp_suite suite)
{
	if (suite <= SDP_SUITE_UNKNOWN || suite >= SDP_SUITE__COUNT)
		return NULL;
	return sdp_suites[suite].name.p;
}

enum sdp_suite
sdp_suite_from_name(struct dg_pl name)
{
	unsigned int i;

	for (i = SDP_SUITE_UNKNOWN + 1; i < SDP_SUITE__COUNT; i++)
		if (dg_pl_eq(name, sdp_suites[i].name))
			return (enum sdp_suite)i;
	return SDP_SUITE_UNKNOWN;
}

unsigned int
sdp_suite_key_len(enum sdp_suite suite)
{
	return suite > SDP_SUITE_UNKNOWN && suite < SDP_SUITE__COUNT ?
	       sdp_suites[suite].key_len : 0;
}

unsigned int
sdp_suite_salt_len(enum sdp_suite suite)
{
	return suite > SDP_SUITE_UNKNOWN && suite < SDP_SUITE__COUNT ?
	       sdp_suites[suite].salt_len : 0;
}

static const char sdp_b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
sdp_base64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = sdp_b64[v >> 18];
		out[o++] = sdp_b64[(v >> 12) & 63];
		out[o++] = sdp_b64[(v >> 6) & 63];
		out[o++] = sdp_b64[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = sdp_b64[v >> 18];
		out[o++] = sdp_b64[(v >> 12) & 63];
		out[o++] = i + 1 < len ? sdp_b64[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	return o;
}

static int
sdp_b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
sdp_base64_decode(struct dg_pl in, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	size_t n = in.len, i, o = 0;
	unsigned int bits = 0;

	if (n >= 1 && in.p[n - 1] == '=')
		n--;
	if (n >= 1 && in.p[n - 1] == '=')
		n--;
	/* with padding the length is a multiple of 4; one leftover char is never valid */
	if ((n != in.len && in.len % 4 != 0) || n % 4 == 1)
		return -EBADMSG;
	for (i = 0; i < n; i++) {
		int v = sdp_b64_val(in.p[i]);

		if (v < 0)
			return -EBADMSG;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return -ENOSPC;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* leftover bits must be zero, so that one byte string has one encoding */
	if ((acc & ((1u << bits) - 1)) != 0)
		return -EBADMSG;
	return (int)o;
}

/*
 * inline:<key||salt>[|<lifetime>][|<MKI>:<length>] (RFC 4568 section
 * 6.1). Splits one key parameter; checks what it can without decoding.
 */
static int
sdp_key_param_split(struct dg_pl kp, struct dg_pl *b64, struct dg_pl *lifetime,
		    struct dg_pl *mki)
{
	const char *end = kp.p + kp.len, *bar, *p;
	struct dg_pl part;
	uint64_t v;
	int n = 0;

	*lifetime = DG_PL_NULL;
	*mki = DG_PL_NULL;
	if (kp.len < 7 || memcmp(kp.p, "inline:", 7) != 0)
		return -EBADMSG;
	p = kp.p + 7;
	bar = memchr(p, '|', (size_t)(end - p));
	*b64 = sdp_pl(p, bar != NULL ? bar : end);
	if (b64->len == 0)
		return -EBADMSG;
	while (bar != NULL) {
		const char *colon;

		p = bar + 1;
		bar = memchr(p, '|', (size_t)(end - p));
		part = sdp_pl(p, bar != NULL ? bar : end);
		colon = memchr(part.p, ':', part.len);
		if (++n > 2)
			return -EBADMSG;
		if (colon != NULL) {
			if (dg_pl_isset(*mki) ||
			    !sdp_pl_u64(sdp_pl(part.p, colon), UINT32_MAX, &v) ||
			    !sdp_pl_u64(sdp_pl(colon + 1, part.p + part.len), 128, &v) ||
			    v == 0)
				return -EBADMSG;
			*mki = part;
		} else {
			struct dg_pl num = part;

			/* the lifetime comes before the MKI */
			if (dg_pl_isset(*lifetime) || dg_pl_isset(*mki))
				return -EBADMSG;
			if (num.len > 2 && num.p[0] == '2' && num.p[1] == '^') {
				num.p += 2;
				num.len -= 2;
				if (!sdp_pl_u64(num, 63, &v))
					return -EBADMSG;
			} else if (!sdp_pl_u64(num, UINT64_MAX, &v)) {
				return -EBADMSG;
			}
			*lifetime = part;
		}
	}
	return 0;
}

int
sdp_crypto_parse(struct sdp_crypto *c, struct dg_pl val, const char **reason)
{
	struct dg_pl rest = val, tag, kps, kp, b64, lt, mki;
	uint8_t tmp[SDP_KEY_MAX + SDP_SALT_MAX];
	const char *p, *semi;
	uint64_t v;
	int n;

	memset(c, 0, sizeof(*c));
	if (!sdp_tok_next(&rest, &tag) || tag.len > 9 ||
	    !sdp_pl_u64(tag, 999999999, &v)) {
		*reason = "a=crypto: bad tag";
		return -EBADMSG;
	}
	c->tag = (uint32_t)v;
	if (!sdp_tok_next(&rest, &c->suite_raw) || !sdp_tok_next(&rest, &kps)) {
		*reason = "a=crypto: expected <tag> <suite> <key-params>";
		return -EBADMSG;
	}
	c->suite = sdp_suite_from_name(c->suite_raw);
	c->key_params = kps;
	c->session_params = rest.len != 0 ? rest : DG_PL_NULL;
	for (p = kps.p;; p = semi + 1) {
		semi = memchr(p, ';', (size_t)(kps.p + kps.len - p));
		kp = sdp_pl(p, semi != NULL ? semi : kps.p + kps.len);
		if (c->n_keys == UINT8_MAX || kp.len == 0) {
			*reason = "a=crypto: bad key parameters";
			return -EBADMSG;
		}
		c->n_keys++;
		if (c->suite != SDP_SUITE_UNKNOWN) {
			if (sdp_key_param_split(kp, &b64, &lt, &mki) < 0) {
				*reason = "a=crypto: bad key parameter (inline:key||salt[|lifetime][|MKI:length])";
				return -EBADMSG;
			}
			n = sdp_base64_decode(b64, tmp, sizeof(tmp));
			if (n != (int)(sdp_suite_key_len(c->suite) +
				       sdp_suite_salt_len(c->suite))) {
				*reason = "a=crypto: key||salt does not match the suite";
				return -EBADMSG;
			}
			if (c->n_keys == 1) {
				c->key_b64 = b64;
				c->lifetime = lt;
				c->mki = mki;
			}
		}
		if (semi == NULL)
			break;
	}
	return 0;
}

int
sdp_crypto_decode(const struct sdp_crypto *c, struct sdp_srtp_key *out)
{
	uint8_t tmp[SDP_KEY_MAX + SDP_SALT_MAX];
	unsigned int kl = sdp_suite_key_len(c->suite);
	unsigned int sl = sdp_suite_salt_len(c->suite);
	uint64_t v;
	int n;

	if (c->suite == SDP_SUITE_UNKNOWN)
		return -ENOTSUP;
	memset(out, 0, sizeof(*out));
	out->tag = c->tag;
	out->suite = c->suite;
	n = sdp_base64_decode(c->key_b64, tmp, sizeof(tmp));
	if (n != (int)(kl + sl))
		return -EBADMSG;
	memcpy(out->key, tmp, kl);
	memcpy(out->salt, tmp + kl, sl);
	out->key_len = (uint8_t)kl;
	out->salt_len = (uint8_t)sl;
	if (dg_pl_isset(c->lifetime)) {
		struct dg_pl lt = c->lifetime;

		if (lt.len > 2 && lt.p[0] == '2' && lt.p[1] == '^') {
			lt.p += 2;
			lt.len -= 2;
			if (!sdp_pl_u64(lt, 63, &v))
				return -EBADMSG;
			out->lifetime = (uint64_t)1 << v;
		} else if (!sdp_pl_u64(lt, UINT64_MAX, &out->lifetime)) {
			return -EBADMSG;
		}
	}
	if (dg_pl_isset(c->mki)) {
		const char *colon = memchr(c->mki.p, ':', c->mki.len);

		if (colon == NULL ||
		    !sdp_pl_u64(sdp_pl(c->mki.p, colon), UINT32_MAX, &v))
			return -EBADMSG;
		out->mki = (uint32_t)v;
		if (!sdp_pl_u64(sdp_pl(colon + 1, c->mki.p + c->mki.len), 128, &v) ||
		    v == 0)
			return -EBADMSG;
		out->mki_len = (uint8_t)v;
	}
	return 0;
}

int
sdp_random_openssl(void *arg, uint8_t *buf, size_t len)
{
	(void)arg;
	if (len > INT32_MAX || RAND_bytes(buf, (int)len) != 1)
		return -EIO;
	return 0;
}

int
sdp_srtp_key_generate(struct sdp_srtp_key *key, enum sdp_suite suite,
		      uint32_t tag, sdp_random_fn *rnd, void *rnd_arg)
{
	unsigned int kl = sdp_suite_key_len(suite), sl = sdp_suite_salt_len(suite);
	int err;

	if (kl == 0)
		return -ENOTSUP;
	memset(key, 0, sizeof(*key));
	key->tag = tag;
	key->suite = suite;
	key->key_len = (uint8_t)kl;
	key->salt_len = (uint8_t)sl;
	err = rnd(rnd_arg, key->key, kl);
	if (err == 0)
		err = rnd(rnd_arg, key->salt, sl);
	return err;
}
