/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The verifier of one realm: stateless nonces signed with the cluster
 * secret (so a nonce issued by one edge node verifies on any other), the
 * 401/407 challenge lines, and the decision on a request's credentials.
 * Nonces need no state. Optionally, a small bounded table remembers the
 * highest nc seen per nonce on this node, so that a replayed request is
 * answered with a fresh challenge; it cannot see what other nodes
 * accepted and forgets nonces it has to evict, so the replay window is
 * narrowed, not closed: it stays bounded by the nonce lifetime, and TLS
 * closes it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sip_auth.h"
#include "sip_auth_users.h"

#define AUTH_SECRET_MIN 16
#define AUTH_SECRET_MAX 256
#define AUTH_REALM_MAX 256
#define AUTH_TS_LEN 8
#define AUTH_MAC_LEN 16
#define AUTH_NONCE_RAW (AUTH_TS_LEN + AUTH_MAC_LEN)
#define AUTH_TTL_DEFAULT 300
#define AUTH_NC_WAYS 4
#define AUTH_NC_SLOTS_MAX (1u << 20)

/* One remembered nonce: its MAC identifies it. */
struct auth_nc_slot {
	uint8_t mac[AUTH_MAC_LEN];
	uint64_t issued;
	uint32_t nc;
	bool used;
};

struct sip_auth_ctx {
	char *realm;
	size_t realm_len;
	char *opaque;
	uint8_t *secret;
	size_t secret_len;
	uint32_t ttl_s;
	uint32_t skew_s;
	bool bind_source;
	bool allow_no_qop;
	enum sip_auth_uri_check uri_check;
	unsigned int offer;
	sip_auth_clock_fn clock;
	void *clock_arg;
	const struct sip_auth_users *users;
	sip_auth_find_fn find_user;
	void *find_arg;
	/* nc tracking: sets of AUTH_NC_WAYS slots; NULL when off. The table
	 * is mutable behind a const context: it is a cache, not a setting. */
	struct auth_nc_slot *nc_slots;
	size_t nc_sets;
};

static uint64_t
auth_clock_realtime(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

/* Realm and opaque go into quoted-strings: printable, one line. */
static bool
auth_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

int
sip_auth_ctx_create(struct sip_auth_ctx **out, const struct sip_auth_conf *conf)
{
	struct sip_auth_ctx *ctx;
	int err = -ENOMEM;

	if (conf->realm == NULL || conf->realm[0] == '\0' ||
	    strlen(conf->realm) > AUTH_REALM_MAX ||
	    !auth_printable(conf->realm) ||
	    conf->secret == NULL || conf->secret_len < AUTH_SECRET_MIN ||
	    conf->secret_len > AUTH_SECRET_MAX ||
	    (conf->opaque != NULL && !auth_printable(conf->opaque)) ||
	    (conf->offer & ~(SIP_AUTH_OFFER_SHA256 | SIP_AUTH_OFFER_MD5)) != 0 ||
	    conf->nc_track_slots > AUTH_NC_SLOTS_MAX)
		return -EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return -ENOMEM;
	ctx->realm = strdup(conf->realm);
	if (ctx->realm == NULL)
		goto out_free;
	ctx->realm_len = strlen(ctx->realm);
	if (conf->opaque != NULL) {
		ctx->opaque = strdup(conf->opaque);
		if (ctx->opaque == NULL)
			goto out_free;
	}
	ctx->secret = malloc(conf->secret_len);
	if (ctx->secret == NULL)
		goto out_free;
	memcpy(ctx->secret, conf->secret, conf->secret_len);
	ctx->secret_len = conf->secret_len;
	ctx->ttl_s = conf->nonce_ttl_s != 0 ? conf->nonce_ttl_s : AUTH_TTL_DEFAULT;
	ctx->skew_s = conf->nonce_skew_s;
	ctx->bind_source = conf->bind_source;
	ctx->allow_no_qop = conf->allow_no_qop;
	ctx->uri_check = conf->uri_check;
	ctx->offer = conf->offer != 0 ? conf->offer :
		SIP_AUTH_OFFER_SHA256 | SIP_AUTH_OFFER_MD5;
	ctx->clock = conf->clock != NULL ? conf->clock : auth_clock_realtime;
	ctx->clock_arg = conf->clock_arg;
	ctx->users = conf->users;
	ctx->find_user = conf->find_user;
	ctx->find_arg = conf->find_arg;
	if (conf->nc_track_slots > 0) {
		for (ctx->nc_sets = 1;
		     ctx->nc_sets * AUTH_NC_WAYS < conf->nc_track_slots;
		     ctx->nc_sets <<= 1)
			;
		ctx->nc_slots = calloc(ctx->nc_sets * AUTH_NC_WAYS,
				sizeof(*ctx->nc_slots));
		if (ctx->nc_slots == NULL)
			goto out_free;
	}
	*out = ctx;
	return 0;
out_free:
	sip_auth_ctx_destroy(ctx);
	return err;
}

void
sip_auth_ctx_destroy(struct sip_auth_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->secret != NULL)
		OPENSSL_cleanse(ctx->secret, ctx->secret_len);
	free(ctx->secret);
	free(ctx->nc_slots);
	free(ctx->opaque);
	free(ctx->realm);
	free(ctx);
}

struct dg_pl
sip_auth_ctx_realm(const struct sip_auth_ctx *ctx)
{
	return (struct dg_pl){ ctx->realm, ctx->realm_len };
}

/*
 * The client address as signed into a nonce: family byte then address.
 * An IPv4-mapped IPv6 address signs as IPv4, so that a dual-stack socket
 * and an IPv4 socket agree.
 */
static size_t
auth_src_bytes(const struct sockaddr *src, uint8_t *out)
{
	const struct sockaddr_in6 *s6;
	const struct sockaddr_in *s4;

	if (src == NULL)
		return 0;
	if (src->sa_family == AF_INET) {
		s4 = (const struct sockaddr_in *)src;
		out[0] = 4;
		memcpy(out + 1, &s4->sin_addr, 4);
		return 5;
	}
	if (src->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)src;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			out[0] = 4;
			memcpy(out + 1, &s6->sin6_addr.s6_addr[12], 4);
			return 5;
		}
		out[0] = 6;
		memcpy(out + 1, &s6->sin6_addr, 16);
		return 17;
	}
	return 0;
}

static int
auth_nonce_mac(const struct sip_auth_ctx *ctx, const uint8_t *ts,
		const struct sockaddr *src, uint8_t *mac)
{
	uint8_t msg[AUTH_TS_LEN + AUTH_REALM_MAX + 17];
	uint8_t full[EVP_MAX_MD_SIZE];
	unsigned int full_len = 0;
	size_t n = 0;

	memcpy(msg, ts, AUTH_TS_LEN);
	n += AUTH_TS_LEN;
	memcpy(msg + n, ctx->realm, ctx->realm_len);
	n += ctx->realm_len;
	if (ctx->bind_source)
		n += auth_src_bytes(src, msg + n);
	if (HMAC(EVP_sha256(), ctx->secret, (int)ctx->secret_len, msg, n,
		 full, &full_len) == NULL)
		return -ENOMEM;
	memcpy(mac, full, AUTH_MAC_LEN);
	OPENSSL_cleanse(full, sizeof(full));
	return 0;
}

static const uint8_t auth_dummy_ha1[SIP_AUTH_HASH_MAX];

static const char auth_b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Input length a multiple of 3, so no padding is ever needed. */
static void
auth_b64url_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = auth_b64url[(v >> 18) & 63];
		out[o++] = auth_b64url[(v >> 12) & 63];
		out[o++] = auth_b64url[(v >> 6) & 63];
		out[o++] = auth_b64url[v & 63];
	}
	out[o] = '\0';
}

static int
auth_b64url_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

static int
auth_b64url_decode(struct dg_pl in, uint8_t *out, size_t n)
{
	size_t i, o = 0;
	uint32_t v;
	int d, k;

	if (in.len != n / 3 * 4)
		return -EBADMSG;
	for (i = 0; i < in.len; i += 4) {
		v = 0;
		for (k = 0; k < 4; k++) {
			d = auth_b64url_val(in.p[i + (size_t)k]);
			if (d < 0)
				return -EBADMSG;
			v = v << 6 | (uint32_t)d;
		}
		out[o++] = (uint8_t)(v >> 16);
		out[o++] = (uint8_t)(v >> 8);
		out[o++] = (uint8_t)v;
	}
	return 0;
}

static int
auth_nonce_at(const struct sip_auth_ctx *ctx, uint64_t now,
		const struct sockaddr *src, char *out)
{
	uint8_t raw[AUTH_NONCE_RAW];
	int i, err;

	for (i = 0; i < AUTH_TS_LEN; i++)
		raw[i] = (uint8_t)(now >> (8 * (AUTH_TS_LEN - 1 - i)));
	err = auth_nonce_mac(ctx, raw, src, raw + AUTH_TS_LEN);
	if (err < 0)
		return err;
	auth_b64url_encode(raw, sizeof(raw), out);
	return 0;
}

int
sip_auth_nonce_make(const struct sip_auth_ctx *ctx, const struct sockaddr *src,
		char *out)
{
	return auth_nonce_at(ctx, ctx->clock(ctx->clock_arg), src, out);
}

/* As sip_auth_nonce_check(), also giving the nonce's MAC (its identity). */
static int
auth_nonce_check(const struct sip_auth_ctx *ctx, struct dg_pl nonce,
		const struct sockaddr *src, uint64_t *issued, uint8_t *id)
{
	uint8_t raw[AUTH_NONCE_RAW], mac[AUTH_MAC_LEN];
	uint64_t ts = 0, now;
	int i, err;

	if (auth_b64url_decode(nonce, raw, sizeof(raw)) < 0)
		return -EBADMSG;
	err = auth_nonce_mac(ctx, raw, src, mac);
	if (err < 0)
		return err;
	if (CRYPTO_memcmp(mac, raw + AUTH_TS_LEN, AUTH_MAC_LEN) != 0)
		return -EBADMSG;
	for (i = 0; i < AUTH_TS_LEN; i++)
		ts = ts << 8 | raw[i];
	if (issued != NULL)
		*issued = ts;
	if (id != NULL)
		memcpy(id, mac, AUTH_MAC_LEN);
	now = ctx->clock(ctx->clock_arg);
	if (ts > now)
		return ts - now <= ctx->skew_s ? 0 : -ESTALE;
	return now - ts < ctx->ttl_s ? 0 : -ESTALE;
}

int
sip_auth_nonce_check(const struct sip_auth_ctx *ctx, struct dg_pl nonce,
		const struct sockaddr *src, uint64_t *issued)
{
	return auth_nonce_check(ctx, nonce, src, issued, NULL);
}

/*
 * Record nc for a nonce that just verified; false when nc is not above
 * the highest seen (a replay). A full set evicts its oldest nonce, or one
 * that has expired since.
 */
static bool
auth_nc_accept(const struct sip_auth_ctx *ctx, const uint8_t *id,
		uint64_t issued, uint32_t nc)
{
	struct auth_nc_slot *set, *s, *free_slot = NULL, *oldest = NULL, *victim;
	uint64_t now = ctx->clock(ctx->clock_arg);
	size_t h = 0, k;

	memcpy(&h, id, sizeof(h) < AUTH_MAC_LEN ? sizeof(h) : AUTH_MAC_LEN);
	set = &ctx->nc_slots[(h & (ctx->nc_sets - 1)) * AUTH_NC_WAYS];
	for (k = 0; k < AUTH_NC_WAYS; k++) {
		s = &set[k];
		if (s->used && memcmp(s->mac, id, AUTH_MAC_LEN) == 0) {
			if (nc <= s->nc)
				return false;
			s->nc = nc;
			return true;
		}
		if (!s->used || (s->issued <= now && now - s->issued >= ctx->ttl_s))
			free_slot = s;
		else if (oldest == NULL || s->issued < oldest->issued)
			oldest = s;
	}
	victim = free_slot != NULL ? free_slot : oldest;
	memcpy(victim->mac, id, AUTH_MAC_LEN);
	victim->issued = issued;
	victim->nc = nc;
	victim->used = true;
	return true;
}

/* Append s as the inside of a quoted-string, escaping '"' and '\'. */
static size_t
auth_put_quoted(char *buf, size_t size, size_t n, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			if (n < size)
				buf[n] = '\\';
			n++;
		}
		if (n < size)
			buf[n] = *s;
		n++;
	}
	return n;
}

static size_t
auth_put(char *buf, size_t size, size_t n, const char *s)
{
	size_t len = strlen(s);

	if (n < size)
		memcpy(buf + n, s, len <= size - n ? len : size - n);
	return n + len;
}

int
sip_auth_challenge_build(const struct sip_auth_ctx *ctx, bool proxy,
		bool stale, const struct sockaddr *src, char *buf, size_t size)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} algs[] = {
		{ SIP_AUTH_OFFER_SHA256, "SHA-256" },
		{ SIP_AUTH_OFFER_MD5, "MD5" },
	};
	char nonce[SIP_AUTH_NONCE_LEN + 1];
	size_t n = 0, k;
	int err;

	err = sip_auth_nonce_make(ctx, src, nonce);
	if (err < 0)
		return err;
	for (k = 0; k < sizeof(algs) / sizeof(algs[0]); k++) {
		if (!(ctx->offer & algs[k].bit))
			continue;
		n = auth_put(buf, size, n, proxy ? "Proxy-Authenticate: " :
				"WWW-Authenticate: ");
		n = auth_put(buf, size, n, "Digest realm=\"");
		n = auth_put_quoted(buf, size, n, ctx->realm);
		n = auth_put(buf, size, n, "\", nonce=\"");
		n = auth_put(buf, size, n, nonce);
		if (ctx->opaque != NULL) {
			n = auth_put(buf, size, n, "\", opaque=\"");
			n = auth_put_quoted(buf, size, n, ctx->opaque);
		}
		n = auth_put(buf, size, n, "\", qop=\"auth\", algorithm=");
		n = auth_put(buf, size, n, algs[k].name);
		if (stale)
			n = auth_put(buf, size, n, ", stale=true");
		n = auth_put(buf, size, n, "\r\n");
	}
	if (n >= size || n > INT32_MAX)
		return -ENOSPC;
	buf[n] = '\0';
	return (int)n;
}

static const char *const auth_result_names[SIP_AUTH__COUNT] = {
	[SIP_AUTH_OK] = "ok",
	[SIP_AUTH_CHALLENGE] = "challenge",
	[SIP_AUTH_STALE] = "stale",
	[SIP_AUTH_FORBIDDEN] = "forbidden",
	[SIP_AUTH_BAD_REQUEST] = "bad_request",
	[SIP_AUTH_ERROR] = "error",
};

const char *
sip_auth_result_name(enum sip_auth_result res)
{
	if ((unsigned int)res >= SIP_AUTH__COUNT)
		return "unknown";
	return auth_result_names[res];
}

/* Client hex may be in either case; compare without early exit. */
static bool
auth_response_eq(struct dg_pl given, const char *expect, size_t len)
{
	char low[2 * SIP_AUTH_HASH_MAX];
	size_t i;
	char c;

	if (given.len != len)
		return false;
	for (i = 0; i < len; i++) {
		c = given.p[i];
		low[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	return CRYPTO_memcmp(low, expect, len) == 0;
}

enum sip_auth_result
sip_auth_verify_user(const struct sip_auth_ctx *ctx,
		const struct sip_auth_creds *creds,
		const struct sip_auth_user *user, struct dg_pl method,
		struct dg_pl request_uri, const struct sockaddr *src)
{
	char expect[2 * SIP_AUTH_HASH_MAX + 1];
	uint8_t id[AUTH_MAC_LEN];
	enum sip_auth_result res;
	const uint8_t *ha1;
	uint64_t issued;
	bool stale = false;
	size_t size;
	int err;

	if (creds == NULL ||
	    !dg_pl_eq(creds->realm, sip_auth_ctx_realm(ctx)) ||
	    !sip_auth_alg_supported(creds->alg))
		return SIP_AUTH_CHALLENGE;
	if (ctx->opaque != NULL &&
	    !dg_pl_eq(creds->opaque, (struct dg_pl){ ctx->opaque,
			    strlen(ctx->opaque) }))
		return SIP_AUTH_CHALLENGE;
	if (creds->qop_type == SIP_AUTH_QOP_NONE ? !ctx->allow_no_qop :
	    creds->qop_type != SIP_AUTH_QOP_AUTH)
		return SIP_AUTH_BAD_REQUEST;
	/* -sess derives its key from the cnonce, which only qop brings. */
	if (creds->qop_type == SIP_AUTH_QOP_NONE &&
	    (creds->alg == SIP_AUTH_ALG_MD5_SESS ||
	     creds->alg == SIP_AUTH_ALG_SHA256_SESS))
		return SIP_AUTH_BAD_REQUEST;
	if (ctx->uri_check == SIP_AUTH_URI_EXACT &&
	    !dg_pl_eq(creds->uri, request_uri))
		return SIP_AUTH_BAD_REQUEST;
	err = auth_nonce_check(ctx, creds->nonce, src, &issued, id);
	if (err == -ESTALE)
		stale = true;
	else if (err == -ENOMEM)
		return SIP_AUTH_ERROR;
	else if (err < 0)
		return SIP_AUTH_FORBIDDEN;
	/* An unknown user costs the same hashing as a known one, so that
	 * response times do not tell which usernames exist. */
	if (user == NULL)
		ha1 = auth_dummy_ha1;
	else if (creds->alg == SIP_AUTH_ALG_MD5 ||
		 creds->alg == SIP_AUTH_ALG_MD5_SESS)
		ha1 = user->ha1_md5;
	else
		ha1 = user->ha1_sha256;
	size = sip_auth_alg_size(creds->alg);
	err = sip_auth_response_hex(creds->alg, ha1, creds->nonce, creds->nc,
			creds->cnonce,
			creds->qop_type == SIP_AUTH_QOP_NONE ? DG_PL_NULL :
			creds->qop, method, creds->uri, expect);
	if (err < 0)
		return SIP_AUTH_ERROR;
	if (!auth_response_eq(creds->response, expect, 2 * size) || user == NULL)
		res = SIP_AUTH_FORBIDDEN;
	else if (stale)
		res = SIP_AUTH_STALE;
	else if (ctx->nc_slots != NULL && creds->qop_type == SIP_AUTH_QOP_AUTH &&
		 !auth_nc_accept(ctx, id, issued, creds->nc_value))
		res = SIP_AUTH_STALE;
	else
		res = SIP_AUTH_OK;
	OPENSSL_cleanse(expect, sizeof(expect));
	return res;
}

enum sip_auth_result
sip_auth_verify(const struct sip_auth_ctx *ctx,
		const struct sip_auth_creds *creds, struct dg_pl method,
		struct dg_pl request_uri, const struct sockaddr *src)
{
	const struct sip_auth_user *user = NULL;

	if (creds != NULL && ctx->users != NULL)
		user = sip_auth_users_find(ctx->users, creds->username,
				creds->realm);
	else if (creds != NULL && ctx->find_user != NULL)
		user = ctx->find_user(ctx->find_arg, creds->username,
				creds->realm);
	return sip_auth_verify_user(ctx, creds, user, method, request_uri, src);
}
