/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parser of digest credentials and challenges (RFC 3261 §25.1 grammar:
 * "Digest" LWS param *(COMMA param), param = token EQUAL (token /
 * quoted-string)). It is liberal where clients differ in practice (a
 * parameter may be a token or a quoted-string) and strict where ambiguity
 * would be dangerous (duplicates, stray bytes, broken quoting), and every
 * rejection carries a reason the caller can put in a 400.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sip_auth.h"

/* One parameter as seen on the wire. */
struct auth_param {
	struct dg_pl name;
	struct dg_pl value;	/* unescaped when it held quoted-pairs */
	bool quoted;
};

/* Where unescaped values go and where errors are reported. */
struct auth_out {
	char *unesc;
	size_t *unesc_len;
	const char **reason;
	struct dg_pl *reason_param;
};

/* A known parameter: its name, its view's offset in the output struct. */
struct auth_field {
	const char *name;
	size_t off;
};

static const char *const auth_alg_names[SIP_AUTH_ALG__COUNT] = {
	[SIP_AUTH_ALG_MD5] = "MD5",
	[SIP_AUTH_ALG_MD5_SESS] = "MD5-sess",
	[SIP_AUTH_ALG_SHA256] = "SHA-256",
	[SIP_AUTH_ALG_SHA256_SESS] = "SHA-256-sess",
	[SIP_AUTH_ALG_SHA512_256] = "SHA-512-256",
	[SIP_AUTH_ALG_SHA512_256_SESS] = "SHA-512-256-sess",
	[SIP_AUTH_ALG_UNKNOWN] = NULL,
};

const char *
sip_auth_alg_name(enum sip_auth_alg alg)
{
	if ((unsigned int)alg >= SIP_AUTH_ALG__COUNT)
		return NULL;
	return auth_alg_names[alg];
}

static enum sip_auth_alg
auth_alg_from_pl(struct dg_pl pl)
{
	unsigned int i;

	for (i = 0; i < SIP_AUTH_ALG_UNKNOWN; i++)
		if (dg_pl_eq_str_nocase(pl, auth_alg_names[i]))
			return (enum sip_auth_alg)i;
	return SIP_AUTH_ALG_UNKNOWN;
}

/* RFC 3261 token characters: alphanumerics and -.!%*_+`'~ */
static const uint8_t auth_token_chars[256] = {
	['-'] = 1, ['.'] = 1, ['!'] = 1, ['%'] = 1, ['*'] = 1, ['_'] = 1,
	['+'] = 1, ['`'] = 1, ['\''] = 1, ['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

static bool
auth_is_token_char(unsigned char c)
{
	return auth_token_chars[c] != 0;
}

static bool
auth_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* LWS = [*WSP CRLF] 1*WSP; a bare LF fold is accepted as well. */
static size_t
auth_skip_lws(const char *p, size_t len, size_t i)
{
	for (;;) {
		while (i < len && auth_is_wsp(p[i]))
			i++;
		if (i + 2 < len && p[i] == '\r' && p[i + 1] == '\n' &&
		    auth_is_wsp(p[i + 2]))
			i += 2;
		else if (i + 1 < len && p[i] == '\n' && auth_is_wsp(p[i + 1]))
			i += 1;
		else
			return i;
	}
}

static size_t
auth_skip_token(const char *p, size_t len, size_t i)
{
	while (i < len && auth_is_token_char((unsigned char)p[i]))
		i++;
	return i;
}

static int
auth_fail(const struct auth_out *o, const char *reason, struct dg_pl param)
{
	*o->reason = reason;
	*o->reason_param = param;
	return -EBADMSG;
}

/*
 * Quoted-string starting at p[*pos] == '"'. The view is the text between
 * the quotes; with quoted-pairs it is an unescaped copy in o->unesc.
 */
static int
auth_quoted(const char *p, size_t len, size_t *pos, const struct auth_out *o,
		struct dg_pl name, struct dg_pl *val)
{
	size_t i = *pos + 1, start = i;
	bool escaped = false;
	unsigned char c;
	size_t n, k;
	char *dst;

	for (;;) {
		if (i >= len)
			return auth_fail(o, "unterminated quoted-string", name);
		c = (unsigned char)p[i];
		if (c == '"')
			break;
		if (c == '\\') {
			if (i + 1 >= len)
				return auth_fail(o, "unterminated quoted-string",
						name);
			c = (unsigned char)p[i + 1];
			if (c == '\r' || c == '\n' || c > 0x7f)
				return auth_fail(o, "bad quoted-pair", name);
			escaped = true;
			i += 2;
			continue;
		}
		if (c == '\r' || c == '\n')
			return auth_fail(o, "line break in quoted-string", name);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return auth_fail(o, "control character in quoted-string",
					name);
		i++;
	}
	*pos = i + 1;
	if (!escaped) {
		val->p = p + start;
		val->len = i - start;
		return 0;
	}
	n = 0;
	for (k = start; k < i; k++) {
		if (p[k] == '\\')
			k++;
		n++;
	}
	if (n > SIP_AUTH_UNESC_MAX - *o->unesc_len)
		return auth_fail(o, "escaped values too long", name);
	dst = o->unesc + *o->unesc_len;
	n = 0;
	for (k = start; k < i; k++) {
		if (p[k] == '\\')
			k++;
		dst[n++] = p[k];
	}
	*o->unesc_len += n;
	val->p = dst;
	val->len = n;
	return 0;
}

typedef int (*auth_param_fn)(void *obj, const struct auth_param *prm,
		const struct auth_out *o);

/*
 * Walk "Scheme LWS param *(COMMA param)" and hand each parameter to fn.
 * Returns 0, -EPROTONOSUPPORT for a scheme other than Digest, -EBADMSG.
 */
static int
auth_walk(struct dg_pl value, struct dg_pl *scheme, auth_param_fn fn,
		void *obj, const struct auth_out *o)
{
	const char *p = value.p;
	size_t len = value.len, i, s;
	struct auth_param prm;
	int err;

	if (p == NULL)
		len = 0;
	i = auth_skip_lws(p, len, 0);
	s = i;
	i = auth_skip_token(p, len, i);
	if (i == s)
		return auth_fail(o, "missing scheme", DG_PL_NULL);
	scheme->p = p + s;
	scheme->len = i - s;
	if (!dg_pl_eq_str_nocase(*scheme, "Digest"))
		return -EPROTONOSUPPORT;
	s = i;
	i = auth_skip_lws(p, len, i);
	if (i >= len)
		return auth_fail(o, "no parameters", DG_PL_NULL);
	if (i == s)
		return auth_fail(o, "expected whitespace after scheme",
				DG_PL_NULL);
	for (;;) {
		s = i;
		i = auth_skip_token(p, len, i);
		if (i == s)
			return auth_fail(o, "expected a parameter name",
					DG_PL_NULL);
		prm.name.p = p + s;
		prm.name.len = i - s;
		i = auth_skip_lws(p, len, i);
		if (i >= len || p[i] != '=')
			return auth_fail(o, "expected '=' after parameter name",
					prm.name);
		i = auth_skip_lws(p, len, i + 1);
		if (i < len && p[i] == '"') {
			prm.quoted = true;
			err = auth_quoted(p, len, &i, o, prm.name, &prm.value);
			if (err < 0)
				return err;
		} else {
			prm.quoted = false;
			s = i;
			i = auth_skip_token(p, len, i);
			if (i == s)
				return auth_fail(o, "expected a token or quoted-string",
						prm.name);
			prm.value.p = p + s;
			prm.value.len = i - s;
		}
		err = fn(obj, &prm, o);
		if (err < 0)
			return err;
		i = auth_skip_lws(p, len, i);
		if (i >= len)
			return 0;
		if (p[i] != ',')
			return auth_fail(o, "expected ',' between parameters",
					prm.name);
		i = auth_skip_lws(p, len, i + 1);
		if (i >= len)
			return auth_fail(o, "trailing ','", DG_PL_NULL);
	}
}

/* Store a known parameter's view, refusing a second occurrence. */
static int
auth_store(void *obj, const struct auth_field *fields, size_t n,
		const struct auth_param *prm, const struct auth_out *o)
{
	struct dg_pl *dst;
	size_t k;

	for (k = 0; k < n; k++) {
		if (!dg_pl_eq_str_nocase(prm->name, fields[k].name))
			continue;
		dst = (struct dg_pl *)((char *)obj + fields[k].off);
		if (dg_pl_isset(*dst))
			return auth_fail(o, "duplicate parameter", prm->name);
		*dst = prm->value;
		return 1;
	}
	return 0;
}

static const struct auth_field auth_creds_fields[] = {
	{ "username", offsetof(struct sip_auth_creds, username) },
	{ "realm", offsetof(struct sip_auth_creds, realm) },
	{ "nonce", offsetof(struct sip_auth_creds, nonce) },
	{ "uri", offsetof(struct sip_auth_creds, uri) },
	{ "response", offsetof(struct sip_auth_creds, response) },
	{ "algorithm", offsetof(struct sip_auth_creds, algorithm) },
	{ "cnonce", offsetof(struct sip_auth_creds, cnonce) },
	{ "nc", offsetof(struct sip_auth_creds, nc) },
	{ "qop", offsetof(struct sip_auth_creds, qop) },
	{ "opaque", offsetof(struct sip_auth_creds, opaque) },
};

static int
auth_creds_param(void *obj, const struct auth_param *prm,
		const struct auth_out *o)
{
	int ret;

	ret = auth_store(obj, auth_creds_fields,
			sizeof(auth_creds_fields) / sizeof(auth_creds_fields[0]),
			prm, o);
	return ret < 0 ? ret : 0;
}

static int
auth_hex_u32(struct dg_pl pl, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;
	char c;

	if (pl.len != 8)
		return -EINVAL;
	for (i = 0; i < 8; i++) {
		c = pl.p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*out = v;
	return 0;
}

int
sip_auth_parse_credentials(struct dg_pl value, struct sip_auth_creds *out)
{
	struct auth_out o;
	int err;

	memset(out, 0, offsetof(struct sip_auth_creds, unesc));
	o.unesc = out->unesc;
	o.unesc_len = &out->unesc_len;
	o.reason = &out->reason;
	o.reason_param = &out->reason_param;
	err = auth_walk(value, &out->scheme, auth_creds_param, out, &o);
	if (err < 0)
		return err;
	if (!dg_pl_isset(out->username))
		return auth_fail(&o, "missing parameter", DG_PL("username"));
	if (!dg_pl_isset(out->realm))
		return auth_fail(&o, "missing parameter", DG_PL("realm"));
	if (!dg_pl_isset(out->nonce))
		return auth_fail(&o, "missing parameter", DG_PL("nonce"));
	if (!dg_pl_isset(out->uri))
		return auth_fail(&o, "missing parameter", DG_PL("uri"));
	if (!dg_pl_isset(out->response))
		return auth_fail(&o, "missing parameter", DG_PL("response"));
	out->alg = dg_pl_isset(out->algorithm) ?
		auth_alg_from_pl(out->algorithm) : SIP_AUTH_ALG_MD5;
	if (!dg_pl_isset(out->qop))
		out->qop_type = SIP_AUTH_QOP_NONE;
	else if (dg_pl_eq_str_nocase(out->qop, "auth"))
		out->qop_type = SIP_AUTH_QOP_AUTH;
	else if (dg_pl_eq_str_nocase(out->qop, "auth-int"))
		out->qop_type = SIP_AUTH_QOP_AUTH_INT;
	else
		out->qop_type = SIP_AUTH_QOP_OTHER;
	if (dg_pl_isset(out->nc) && auth_hex_u32(out->nc, &out->nc_value) < 0)
		return auth_fail(&o, "nc must be 8 hex digits", DG_PL("nc"));
	if (out->qop_type != SIP_AUTH_QOP_NONE) {
		if (!dg_pl_isset(out->nc))
			return auth_fail(&o, "qop requires nc", DG_PL("nc"));
		if (!dg_pl_isset(out->cnonce) || out->cnonce.len == 0)
			return auth_fail(&o, "qop requires cnonce",
					DG_PL("cnonce"));
	}
	return 0;
}

static const struct auth_field auth_chal_fields[] = {
	{ "realm", offsetof(struct sip_auth_chal, realm) },
	{ "nonce", offsetof(struct sip_auth_chal, nonce) },
	{ "opaque", offsetof(struct sip_auth_chal, opaque) },
	{ "domain", offsetof(struct sip_auth_chal, domain) },
	{ "algorithm", offsetof(struct sip_auth_chal, algorithm) },
	{ "qop", offsetof(struct sip_auth_chal, qop) },
	{ "stale", offsetof(struct sip_auth_chal, stale_value) },
};

/* qop-options: a comma-separated list of tokens, quoted as a whole. */
static int
auth_chal_qop(struct sip_auth_chal *c, const struct auth_out *o)
{
	const char *p = c->qop.p;
	size_t len = c->qop.len, i = 0, s;
	struct dg_pl tok;

	for (;;) {
		i = auth_skip_lws(p, len, i);
		s = i;
		i = auth_skip_token(p, len, i);
		if (i == s)
			return auth_fail(o, "bad qop list", DG_PL("qop"));
		tok.p = p + s;
		tok.len = i - s;
		if (dg_pl_eq_str_nocase(tok, "auth"))
			c->qop_auth = true;
		else if (dg_pl_eq_str_nocase(tok, "auth-int"))
			c->qop_auth_int = true;
		i = auth_skip_lws(p, len, i);
		if (i >= len)
			return 0;
		if (p[i] != ',')
			return auth_fail(o, "bad qop list", DG_PL("qop"));
		i++;
	}
}

static int
auth_chal_param(void *obj, const struct auth_param *prm,
		const struct auth_out *o)
{
	int ret;

	ret = auth_store(obj, auth_chal_fields,
			sizeof(auth_chal_fields) / sizeof(auth_chal_fields[0]),
			prm, o);
	return ret < 0 ? ret : 0;
}

int
sip_auth_parse_challenge(struct dg_pl value, struct sip_auth_chal *out)
{
	struct auth_out o;
	int err;

	memset(out, 0, offsetof(struct sip_auth_chal, unesc));
	o.unesc = out->unesc;
	o.unesc_len = &out->unesc_len;
	o.reason = &out->reason;
	o.reason_param = &out->reason_param;
	err = auth_walk(value, &out->scheme, auth_chal_param, out, &o);
	if (err < 0)
		return err;
	if (!dg_pl_isset(out->realm))
		return auth_fail(&o, "missing parameter", DG_PL("realm"));
	if (!dg_pl_isset(out->nonce))
		return auth_fail(&o, "missing parameter", DG_PL("nonce"));
	out->alg = dg_pl_isset(out->algorithm) ?
		auth_alg_from_pl(out->algorithm) : SIP_AUTH_ALG_MD5;
	if (dg_pl_isset(out->stale_value)) {
		if (dg_pl_eq_str_nocase(out->stale_value, "true"))
			out->stale = true;
		else if (!dg_pl_eq_str_nocase(out->stale_value, "false"))
			return auth_fail(&o, "stale must be true or false",
					DG_PL("stale"));
	}
	if (dg_pl_isset(out->qop))
		return auth_chal_qop(out, &o);
	return 0;
}
