/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP digest authentication (RFC 3261 §22, RFC 7616 semantics, RFC 8760
 * algorithms) for the edge: parsing of Authorization/Proxy-Authorization
 * credentials and of WWW-/Proxy-Authenticate challenges, stateless signed
 * nonces that any node sharing the cluster secret can verify, the challenge
 * header lines of a 401/407, and the verification of a request's response.
 * Everything takes dg_pl views of header values, so it does not depend on
 * the message parser. Passwords, HA1s and responses are never logged.
 */
#ifndef DRONGO_CONTROLPLANE_AUTH_SIP_AUTH_H
#define DRONGO_CONTROLPLANE_AUTH_SIP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dg_pl.h"

struct sip_auth_user;
struct sip_auth_users;

/** Digest algorithms named by RFC 7616 / RFC 8760. */
enum sip_auth_alg {
	SIP_AUTH_ALG_MD5,		/* also what an absent algorithm means */
	SIP_AUTH_ALG_MD5_SESS,
	SIP_AUTH_ALG_SHA256,
	SIP_AUTH_ALG_SHA256_SESS,
	SIP_AUTH_ALG_SHA512_256,
	SIP_AUTH_ALG_SHA512_256_SESS,
	SIP_AUTH_ALG_UNKNOWN,		/* a token this code does not know */
	SIP_AUTH_ALG__COUNT,
};

/** The qop a credential names. */
enum sip_auth_qop {
	SIP_AUTH_QOP_NONE,		/* no qop parameter (RFC 2069 style) */
	SIP_AUTH_QOP_AUTH,
	SIP_AUTH_QOP_AUTH_INT,
	SIP_AUTH_QOP_OTHER,
};

/** Bytes kept for quoted-string values that held escapes (quoted-pairs). */
#define SIP_AUTH_UNESC_MAX 512

/** Longest digest output (SHA-256, SHA-512/256) in bytes. */
#define SIP_AUTH_HASH_MAX 32

/** Length of the nonces this code issues (base64url, no padding). */
#define SIP_AUTH_NONCE_LEN 32

/**
 * Credentials of an Authorization or Proxy-Authorization header value.
 * Views point into the parsed value, except values that held quoted-pairs:
 * those point, unescaped, into unesc[] of this struct, so a parsed struct
 * must not be copied by assignment (parse the value again instead).
 */
struct sip_auth_creds {
	struct dg_pl scheme;
	struct dg_pl username;
	struct dg_pl realm;
	struct dg_pl nonce;
	struct dg_pl uri;
	struct dg_pl response;
	struct dg_pl algorithm;		/* unset when absent */
	struct dg_pl cnonce;
	struct dg_pl nc;		/* the 8 hex digits as written */
	struct dg_pl qop;
	struct dg_pl opaque;
	enum sip_auth_alg alg;
	enum sip_auth_qop qop_type;
	uint32_t nc_value;
	/* On -EBADMSG: a reason for a 400, and the parameter it is about. */
	const char *reason;
	struct dg_pl reason_param;
	size_t unesc_len;
	char unesc[SIP_AUTH_UNESC_MAX];
};

/**
 * A challenge from a WWW-Authenticate or Proxy-Authenticate header value
 * (one challenge per header value, as SIP sends them). Same view rules as
 * struct sip_auth_creds.
 */
struct sip_auth_chal {
	struct dg_pl scheme;
	struct dg_pl realm;
	struct dg_pl nonce;
	struct dg_pl opaque;
	struct dg_pl domain;
	struct dg_pl algorithm;		/* unset when absent */
	struct dg_pl qop;		/* the quoted list as written */
	struct dg_pl stale_value;	/* "true"/"false" as written */
	enum sip_auth_alg alg;
	bool stale;
	bool qop_auth;
	bool qop_auth_int;
	const char *reason;
	struct dg_pl reason_param;
	size_t unesc_len;
	char unesc[SIP_AUTH_UNESC_MAX];
};

/**
 * Parse the value of an Authorization / Proxy-Authorization header.
 * Parameter names are case-insensitive, unknown ones are ignored, a known
 * one given twice is an error. username, realm, nonce, uri and response are
 * required; nc must be 8 hex digits; qop=auth needs nc and cnonce.
 *
 * @return 0, -EPROTONOSUPPORT when the scheme is not Digest (treat as no
 *         credentials), -EBADMSG with out->reason (and out->reason_param)
 *         set when malformed.
 */
int sip_auth_parse_credentials(struct dg_pl value, struct sip_auth_creds *out);

/**
 * Parse the value of a WWW-Authenticate / Proxy-Authenticate header.
 * realm and nonce are required.
 *
 * @return 0, -EPROTONOSUPPORT (not Digest), -EBADMSG with out->reason.
 */
int sip_auth_parse_challenge(struct dg_pl value, struct sip_auth_chal *out);

/** The RFC 7616 name of an algorithm ("SHA-256"); NULL for UNKNOWN. */
const char *sip_auth_alg_name(enum sip_auth_alg alg);

/** True for the algorithms this code verifies: MD5, SHA-256 and -sess. */
bool sip_auth_alg_supported(enum sip_auth_alg alg);

/**
 * Digest size of an algorithm in bytes (16 or 32); 0 for UNKNOWN.
 */
size_t sip_auth_alg_size(enum sip_auth_alg alg);

/**
 * HA1 = H(username ":" realm ":" password) for the algorithm's hash (the
 * -sess variants share the plain one's HA1: the session key is derived at
 * verification time).
 *
 * @param out at least sip_auth_alg_size(alg) bytes
 * @return digest size, -EINVAL for UNKNOWN, -ENOMEM.
 */
int sip_auth_ha1(enum sip_auth_alg alg, struct dg_pl username,
		struct dg_pl realm, struct dg_pl password, uint8_t *out);

/**
 * The request-digest of RFC 7616 §3.4.1 in lowercase hex, from a stored
 * HA1: with qop it is H(HA1:nonce:nc:cnonce:qop:HA2), without (qop unset)
 * H(HA1:nonce:HA2); HA2 = H(method:uri); -sess algorithms use
 * H(HA1:nonce:cnonce) as HA1.
 *
 * @param ha1 sip_auth_alg_size(alg) bytes
 * @param hex receives 2 * size hex digits and a NUL (2 * 32 + 1 bytes max)
 * @return 0, -EINVAL for UNKNOWN, -ENOMEM.
 */
int sip_auth_response_hex(enum sip_auth_alg alg, const uint8_t *ha1,
		struct dg_pl nonce, struct dg_pl nc, struct dg_pl cnonce,
		struct dg_pl qop, struct dg_pl method, struct dg_pl uri,
		char *hex);

/** Wall-clock seconds; injectable so that tests control time. */
typedef uint64_t (*sip_auth_clock_fn)(void *arg);

/**
 * A user looked up in a credential store other than a users file (one
 * filled from Redis): the entry, valid until the next change of that
 * store, or NULL when unknown.
 */
typedef const struct sip_auth_user *(*sip_auth_find_fn)(void *arg,
		struct dg_pl username, struct dg_pl realm);

/** How the uri parameter must relate to the Request-URI. */
enum sip_auth_uri_check {
	SIP_AUTH_URI_EXACT,	/* byte for byte (default) */
	SIP_AUTH_URI_IGNORE,	/* do not compare (behind URI-rewriting peers) */
};

/** Offer bits for the challenge. */
#define SIP_AUTH_OFFER_SHA256 0x1u
#define SIP_AUTH_OFFER_MD5 0x2u

/** Verifier settings; strings and secret are copied at creation. */
struct sip_auth_conf {
	const char *realm;
	const uint8_t *secret;		/* cluster secret, at least 16 bytes */
	size_t secret_len;
	uint32_t nonce_ttl_s;		/* 0 means 300 */
	uint32_t nonce_skew_s;		/* tolerated clock lead of other nodes */
	bool bind_source;		/* sign the client IP into the nonce */
	bool allow_no_qop;		/* accept RFC 2069 responses without qop */
	enum sip_auth_uri_check uri_check;
	const char *opaque;		/* NULL: none sent, none checked */
	unsigned int offer;		/* SIP_AUTH_OFFER_* bits, 0 means both */
	sip_auth_clock_fn clock;	/* NULL: CLOCK_REALTIME */
	void *clock_arg;
	const struct sip_auth_users *users;	/* for sip_auth_verify() */
	sip_auth_find_fn find_user;	/* instead of users, when users is NULL */
	void *find_arg;
	uint32_t nc_track_slots;	/* nonces whose nc is tracked; 0: off */
};

/** A verifier for one realm. */
struct sip_auth_ctx;

/**
 * Create a verifier.
 *
 * @return 0, -EINVAL (no realm, realm with control characters, secret
 *         shorter than 16 bytes, unknown offer bits, more than 2^20
 *         tracked nonces), -ENOMEM.
 */
int sip_auth_ctx_create(struct sip_auth_ctx **out,
		const struct sip_auth_conf *conf);

/** Destroy a verifier, wiping its secret; NULL is allowed. */
void sip_auth_ctx_destroy(struct sip_auth_ctx *ctx);

/** The realm of a verifier. */
struct dg_pl sip_auth_ctx_realm(const struct sip_auth_ctx *ctx);

/**
 * Issue a nonce for now: base64url(timestamp (8 bytes, big-endian seconds)
 * || HMAC-SHA256(secret, timestamp || realm [|| source IP])[0..15]).
 *
 * @param src client address, used only with bind_source (may be NULL)
 * @param out receives SIP_AUTH_NONCE_LEN characters and a NUL
 * @return 0, -ENOMEM.
 */
int sip_auth_nonce_make(const struct sip_auth_ctx *ctx,
		const struct sockaddr *src, char *out);

/**
 * Check a nonce's signature and age. A nonce is fresh while
 * now - timestamp < nonce_ttl_s, and while its timestamp is at most
 * nonce_skew_s ahead of now.
 *
 * @param issued receives the nonce's timestamp (may be NULL)
 * @return 0 fresh, -ESTALE correctly signed but expired (or too far in the
 *         future), -EBADMSG malformed or badly signed, -ENOMEM.
 */
int sip_auth_nonce_check(const struct sip_auth_ctx *ctx, struct dg_pl nonce,
		const struct sockaddr *src, uint64_t *issued);

/**
 * Write the challenge header lines of a 401 (WWW-Authenticate) or 407
 * (Proxy-Authenticate): one line per offered algorithm, SHA-256 first then
 * MD5 (RFC 8760 §2.4), each "Digest realm=..., nonce=..., [opaque=...,]
 * qop="auth", algorithm=X[, stale=true]" ending in CRLF. Both lines carry
 * the same fresh nonce.
 *
 * @param proxy true for Proxy-Authenticate
 * @param stale true to add stale=true (after a STALE verification)
 * @param src client address for bind_source (may be NULL)
 * @return bytes written (a NUL follows), -ENOSPC when size is too small,
 *         -ENOMEM.
 */
int sip_auth_challenge_build(const struct sip_auth_ctx *ctx, bool proxy,
		bool stale, const struct sockaddr *src, char *buf, size_t size);

/** Outcome of a verification, mapped by the caller to a response. */
enum sip_auth_result {
	SIP_AUTH_OK,
	SIP_AUTH_CHALLENGE,	/* 401/407: no credentials for this realm */
	SIP_AUTH_STALE,		/* 401/407 with stale=true */
	SIP_AUTH_FORBIDDEN,	/* 403: wrong response, unknown user, bad nonce */
	SIP_AUTH_BAD_REQUEST,	/* 400: malformed or against policy */
	SIP_AUTH_ERROR,		/* 500: out of memory */
	SIP_AUTH__COUNT,
};

/** A short name of a result for logs and metrics ("forbidden"). */
const char *sip_auth_result_name(enum sip_auth_result res);

/**
 * Verify credentials against the users the context was given (its users
 * file, else its find_user store).
 *
 * With nc_track_slots, an nc not above the highest this node has seen for
 * the nonce gives STALE (a replay, or a phone reusing a nonce: either way
 * a fresh challenge). The context's nc table is updated, so a context
 * must not be shared between threads.
 *
 * @param creds parsed credentials, NULL when the request carried none
 *        for this realm (gives CHALLENGE); a request may carry one
 *        Authorization per realm: pass the one whose realm is ours
 * @param method the request method, as in the request line
 * @param request_uri the Request-URI as in the request line
 * @param src client address (used with bind_source; may be NULL)
 */
enum sip_auth_result sip_auth_verify(const struct sip_auth_ctx *ctx,
		const struct sip_auth_creds *creds, struct dg_pl method,
		struct dg_pl request_uri, const struct sockaddr *src);

/**
 * The same with the user entry fetched by the caller (from a credential
 * store that answers asynchronously): user NULL means unknown user.
 */
enum sip_auth_result sip_auth_verify_user(const struct sip_auth_ctx *ctx,
		const struct sip_auth_creds *creds,
		const struct sip_auth_user *user, struct dg_pl method,
		struct dg_pl request_uri, const struct sockaddr *src);

#endif
