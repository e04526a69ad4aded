/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * URIs (RFC 3261 section 19.1, RFC 3966 tel, any other scheme as opaque
 * text) and the character classes of the SIP grammar. A URI is decoded into
 * views: user and password stay escaped, IPv6 references keep their
 * brackets, parameters and headers are left as one view each and searched
 * on demand.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "sip_msg.h"
#include "sip_parse.h"

#define T SIP_C_TOKEN
#define L SIP_C_LWS
#define D (SIP_C_DIGIT | SIP_C_HEX | SIP_C_TOKEN | SIP_C_URI | SIP_C_HOST | SIP_C_SCHEME)
#define A (SIP_C_ALPHA | SIP_C_TOKEN | SIP_C_URI | SIP_C_HOST | SIP_C_SCHEME)
#define H (A | SIP_C_HEX)
#define U SIP_C_URI

/* Bytes 0x80-0xff are URI-safe only in the sense that they are not
 * delimiters; the grammar checks that need stricter classes do so. */
const uint16_t sip_ctype[256] = {
	['\t'] = L, ['\n'] = L, ['\r'] = L, [' '] = L,
	['!'] = T | U, ['"'] = SIP_C_LSEP, ['#'] = U, ['$'] = U, ['%'] = T | U,
	['&'] = U, ['\''] = T | U, ['('] = U | SIP_C_LSEP, [')'] = U, ['*'] = T | U,
	['+'] = T | U | SIP_C_SCHEME, [','] = U | SIP_C_LSEP,
	['-'] = T | U | SIP_C_HOST | SIP_C_SCHEME,
	['.'] = T | U | SIP_C_HOST | SIP_C_SCHEME, ['/'] = U,
	['0'] = D, ['1'] = D, ['2'] = D, ['3'] = D, ['4'] = D,
	['5'] = D, ['6'] = D, ['7'] = D, ['8'] = D, ['9'] = D,
	[':'] = U, [';'] = U, ['<'] = SIP_C_LSEP, ['='] = U, ['>'] = 0, ['?'] = U,
	['@'] = U,
	['A'] = H, ['B'] = H, ['C'] = H, ['D'] = H, ['E'] = H, ['F'] = H,
	['G'] = A, ['H'] = A, ['I'] = A, ['J'] = A, ['K'] = A, ['L'] = A,
	['M'] = A, ['N'] = A, ['O'] = A, ['P'] = A, ['Q'] = A, ['R'] = A,
	['S'] = A, ['T'] = A, ['U'] = A, ['V'] = A, ['W'] = A, ['X'] = A,
	['Y'] = A, ['Z'] = A,
	['['] = U, ['\\'] = 0, [']'] = U, ['^'] = 0, ['_'] = T | U,
	['`'] = T, ['{'] = 0, ['|'] = 0, ['}'] = 0, ['~'] = T | U,
	['a'] = H, ['b'] = H, ['c'] = H, ['d'] = H, ['e'] = H, ['f'] = H,
	['g'] = A, ['h'] = A, ['i'] = A, ['j'] = A, ['k'] = A, ['l'] = A,
	['m'] = A, ['n'] = A, ['o'] = A, ['p'] = A, ['q'] = A, ['r'] = A,
	['s'] = A, ['t'] = A, ['u'] = A, ['v'] = A, ['w'] = A, ['x'] = A,
	['y'] = A, ['z'] = A,
};

#undef T
#undef L
#undef D
#undef A
#undef H
#undef U

const uint8_t sip_lower[256] = {
#define L4(i) (i), (i) + 1, (i) + 2, (i) + 3
#define L16(i) L4(i), L4((i) + 4), L4((i) + 8), L4((i) + 12)
	L16(0), L16(16), L16(32), L16(48),
	/* 'A'..'Z' fold to 'a'..'z' */
	64, L4(97), L4(101), L4(105), L4(109), L4(113), L4(117), 121, 122,
	91, 92, 93, 94, 95,
	L16(96), L16(112), L16(128), L16(144), L16(160), L16(176), L16(192),
	L16(208), L16(224), L16(240),
#undef L4
#undef L16
};

/* Every byte of [p, end) is URI text, and each '%' starts an escape. */
static bool
uri_chars_ok(const char *p, const char *end)
{
	for (; p < end; p++) {
		if (!sip_is(*p, SIP_C_URI))
			return false;
		if (*p == '%') {
			if (end - p < 3 || !sip_is(p[1], SIP_C_HEX) ||
			    !sip_is(p[2], SIP_C_HEX))
				return false;
			p += 2;
		}
	}
	return true;
}

/* The IPv6 reference "[...]" at p; RFC 4291 text form, IPv4 tail allowed. */
static const char *
uri_ipv6_ref(const char *p, const char *end)
{
	const char *q;
	int colons = 0;

	if (p >= end || *p != '[')
		return NULL;
	for (q = p + 1; q < end && *q != ']'; q++) {
		if (*q == ':')
			colons++;
		else if (!sip_is(*q, SIP_C_HEX) && *q != '.')
			return NULL;
	}
	if (q >= end || q == p + 1 || colons < 2 || colons > 7)
		return NULL;
	return q + 1;
}

static enum sip_host_type
uri_host_type(struct dg_pl host)
{
	size_t i;
	int dots = 0;

	if (host.len > 0 && host.p[0] == '[')
		return SIP_HOST_IPV6;
	for (i = 0; i < host.len; i++) {
		if (host.p[i] == '.')
			dots++;
		else if (!sip_is(host.p[i], SIP_C_DIGIT))
			return SIP_HOST_NAME;
	}
	return dots == 3 ? SIP_HOST_IPV4 : SIP_HOST_NAME;
}

const char *
sip_hostport_parse(const char *p, const char *end, struct dg_pl *host,
	     struct dg_pl *port_raw, uint16_t *port, enum sip_host_type *type)
{
	const char *h = p;
	uint32_t v;

	if (p < end && *p == '[') {
		p = uri_ipv6_ref(p, end);
		if (p == NULL)
			return NULL;
	} else {
		while (p < end && sip_is(*p, SIP_C_HOST))
			p++;
		if (p == h)
			return NULL;
	}
	*host = sip_pl(h, p);
	*type = uri_host_type(*host);
	*port = 0;
	*port_raw = DG_PL_NULL;
	if (p < end && *p == ':') {
		const char *d = ++p;

		while (p < end && sip_is(*p, SIP_C_DIGIT))
			p++;
		if (p == d || sip_pl_u32(sip_pl(d, p), 65535, &v) < 0)
			return NULL;
		*port_raw = sip_pl(d, p);
		*port = (uint16_t)v;
	}
	return p;
}

int
sip_uri_decode(struct sip_uri *uri, const char *p, size_t len)
{
	const char *end = p + len, *s, *at, *c;

	memset(uri, 0, sizeof(*uri));
	uri->raw = sip_pl(p, end);
	if (len == 0 || !sip_is(*p, SIP_C_ALPHA))
		return -EBADMSG;
	for (s = p + 1; s < end && sip_is(*s, SIP_C_SCHEME); s++)
		;
	if (s >= end || *s != ':')
		return -EBADMSG;
	uri->scheme_raw = sip_pl(p, s);
	p = s + 1;
	if (sip_pl_is(uri->scheme_raw, "sip", 3))
		uri->scheme = SIP_URI_SIP;
	else if (sip_pl_is(uri->scheme_raw, "sips", 4))
		uri->scheme = SIP_URI_SIPS;
	else if (sip_pl_is(uri->scheme_raw, "tel", 3))
		uri->scheme = SIP_URI_TEL;
	else
		uri->scheme = SIP_URI_OTHER;

	if (uri->scheme == SIP_URI_OTHER) {
		/* Opaque: only require URI characters and something there. */
		if (p == end)
			return -EBADMSG;
		for (s = p; s < end; s++)
			if (!sip_is(*s, SIP_C_URI))
				return -EBADMSG;
		return 0;
	}
	if (uri->scheme == SIP_URI_TEL) {
		for (s = p; s < end && *s != ';'; s++)
			;
		if (s == p || !uri_chars_ok(p, s))
			return -EBADMSG;
		uri->user = sip_pl(p, s);
		if (s < end) {
			uri->params = sip_pl(s + 1, end);
			if (!uri_chars_ok(s + 1, end))
				return -EBADMSG;
		}
		return 0;
	}

	/* userinfo: '@' never appears unescaped after it, while the user part
	 * may hold ';', '?' and ':' (RFC 4475 semiuri, intmeth). */
	at = memchr(p, '@', len - (size_t)(p - uri->raw.p));
	if (at != NULL) {
		if (at == p)
			return -EBADMSG;
		c = memchr(p, ':', (size_t)(at - p));
		if (c != NULL) {
			uri->user = sip_pl(p, c);
			uri->password = sip_pl(c + 1, at);
		} else {
			uri->user = sip_pl(p, at);
		}
		if (uri->user.len == 0 || !uri_chars_ok(p, at))
			return -EBADMSG;
		p = at + 1;
	}
	p = sip_hostport_parse(p, end, &uri->host, &uri->port_raw, &uri->port,
			 &uri->host_type);
	if (p == NULL)
		return -EBADMSG;
	if (p < end && *p == ';') {
		s = ++p;
		while (p < end && *p != '?')
			p++;
		uri->params = sip_pl(s, p);
		if (!uri_chars_ok(s, p))
			return -EBADMSG;
	}
	if (p < end && *p == '?') {
		uri->headers = sip_pl(p + 1, end);
		if (uri->headers.len == 0 || !uri_chars_ok(p + 1, end))
			return -EBADMSG;
		p = end;
	}
	return p == end ? 0 : -EBADMSG;
}

bool
sip_param_find(struct dg_pl params, const char *name, struct dg_pl *val)
{
	const char *p = params.p, *end;
	size_t nlen = strlen(name);

	if (params.p == NULL)
		return false;
	end = params.p + params.len;
	while (p < end) {
		const char *n, *ne, *v, *ve;

		p = sip_skip_lws(p, end);
		n = p;
		while (p < end && *p != '=' && *p != ';' &&
		       !sip_is(*p, SIP_C_LWS))
			p++;
		ne = p;
		p = sip_skip_lws(p, end);
		v = ve = NULL;
		if (p < end && *p == '=') {
			p = sip_skip_lws(p + 1, end);
			v = p;
			if (p < end && *p == '"') {
				const char *q = sip_skip_quoted(p, end);

				p = q != NULL ? q : end;
			}
			while (p < end && *p != ';')
				p++;
			ve = p;
			while (ve > v && sip_is(ve[-1], SIP_C_LWS))
				ve--;
		} else {
			while (p < end && *p != ';')
				p++;
		}
		if ((size_t)(ne - n) == nlen && nlen > 0 &&
		    sip_ncase_eq(n, name, nlen)) {
			if (val != NULL)
				*val = v != NULL ? sip_pl(v, ve) :
					(struct dg_pl){ .p = ne, .len = 0 };
			return true;
		}
		if (p < end)
			p++;
	}
	return false;
}

bool
sip_uri_param(const struct sip_uri *uri, const char *name, struct dg_pl *val)
{
	return sip_param_find(uri->params, name, val);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t
sip_pl_unescape(struct dg_pl in, char *out, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < in.len; i++) {
		char c = in.p[i];

		if (c == '%') {
			int hi, lo;

			if (in.len - i < 3)
				return -EINVAL;
			hi = hexval(in.p[i + 1]);
			lo = hexval(in.p[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (n >= cap)
			return -ENOSPC;
		out[n++] = c;
	}
	return (ssize_t)n;
}
