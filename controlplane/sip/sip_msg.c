/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sip_msg_decode(): one pass over a datagram or a framed stream message.
 * The start line and every header line become views; the headers a proxy
 * always needs are decoded as they are met. An error in one header's value
 * is remembered (the first one wins) and the pass goes on, so that a bad
 * request still yields the Via, CSeq, From, To and Call-ID needed to answer
 * it with 400; only a broken line structure stops the pass.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "sip_msg.h"
#include "sip_parse.h"

static const char *const method_names[SIP_METHOD__COUNT] = {
	[SIP_METHOD_NONE] = "",
#define SIP_METHOD_NAME_(m) [SIP_METHOD_##m] = #m,
	SIP_METHODS(SIP_METHOD_NAME_)
#undef SIP_METHOD_NAME_
	[SIP_METHOD_OTHER] = "",
};

static const uint8_t method_len[SIP_METHOD__COUNT] = {
#define SIP_METHOD_LEN_(m) [SIP_METHOD_##m] = sizeof(#m) - 1,
	SIP_METHODS(SIP_METHOD_LEN_)
#undef SIP_METHOD_LEN_
};

static const char *const hdr_names[SIP_HDR__COUNT] = {
#define SIP_HDR_NAME_(id, name, compact) [SIP_HDR_##id] = name,
	SIP_HDRS(SIP_HDR_NAME_)
#undef SIP_HDR_NAME_
	[SIP_HDR_OTHER] = "",
};

static const uint8_t hdr_name_len[SIP_HDR__COUNT] = {
#define SIP_HDR_LEN_(id, name, compact) [SIP_HDR_##id] = sizeof(name) - 1,
	SIP_HDRS(SIP_HDR_LEN_)
#undef SIP_HDR_LEN_
};

static const char hdr_compact[SIP_HDR__COUNT] = {
#define SIP_HDR_COMPACT_(id, name, compact) [SIP_HDR_##id] = compact,
	SIP_HDRS(SIP_HDR_COMPACT_)
#undef SIP_HDR_COMPACT_
};

_Static_assert(SIP_HDR__COUNT < SIP_HDR_IDX_NONE, "header ids fit in uint8_t");
_Static_assert(SIP_MSG_MAX_HDRS < SIP_HDR_IDX_NONE, "header index fits in uint8_t");

/* Header name -> id: by first letter (lower case) and length, at most two
 * names share a slot; single letters are compact forms. Filled once at
 * load time from SIP_HDRS. */
#define HDR_MAX_LEN 32
static uint8_t hdr_tab[26][HDR_MAX_LEN][2];
/* names in lower case, zero padded, for word-wise compares */
static char hdr_lc[SIP_HDR__COUNT][HDR_MAX_LEN];
static uint8_t hdr_by_compact[26];

static inline int
lower(char c)
{
	return sip_lower[(unsigned char)c];
}

__attribute__((constructor)) static void
hdr_table_init(void)
{
	int id;

	for (id = 0; id < SIP_HDR_OTHER; id++) {
		int c = lower(hdr_names[id][0]) - 'a';
		uint8_t *slot = hdr_tab[c][hdr_name_len[id]];
		int i;

		for (i = 0; i < hdr_name_len[id]; i++)
			hdr_lc[id][i] = (char)lower(hdr_names[id][i]);

		/* ids are stored plus one so that 0 means empty */
		slot[slot[0] != 0] = (uint8_t)(id + 1);
		if (hdr_compact[id] != 0)
			hdr_by_compact[hdr_compact[id] - 'a'] = (uint8_t)(id + 1);
	}
}

/* name (a token) equals lc, a lower-case name of letters, digits and '-':
 * OR-ing 0x20 folds letters and leaves '-' and digits alone, and no other
 * token byte folds onto one of those. Eight bytes at a time. */
static inline bool
name_eq(const char *lc, const char *name, size_t len)
{
	const uint64_t fold8 = 0x2020202020202020ull;
	const uint32_t fold4 = 0x20202020u;
	uint64_t a8, b8;
	uint32_t a4, b4;
	size_t i;

	if (len >= 8) {
		/* whole words, then one last word overlapping the previous */
		for (i = 0; i + 8 < len; i += 8) {
			memcpy(&a8, name + i, 8);
			memcpy(&b8, lc + i, 8);
			if ((a8 | fold8) != b8)
				return false;
		}
		memcpy(&a8, name + len - 8, 8);
		memcpy(&b8, lc + len - 8, 8);
		return (a8 | fold8) == b8;
	}
	if (len >= 4) {
		memcpy(&a4, name, 4);
		memcpy(&b4, lc, 4);
		if ((a4 | fold4) != b4)
			return false;
		memcpy(&a4, name + len - 4, 4);
		memcpy(&b4, lc + len - 4, 4);
		return (a4 | fold4) == b4;
	}
	for (i = 0; i < len; i++)
		if ((name[i] | 0x20) != lc[i])
			return false;
	return true;
}

enum sip_hdr_id
sip_hdr_lookup(const char *name, size_t len)
{
	const uint8_t *slot;
	unsigned int i;
	int c;

	if (len == 0 || len >= HDR_MAX_LEN)
		return SIP_HDR_OTHER;
	c = lower(name[0]) - 'a';
	if (c < 0 || c >= 26)
		return SIP_HDR_OTHER;
	if (len == 1)
		return hdr_by_compact[c] != 0 ?
			(enum sip_hdr_id)(hdr_by_compact[c] - 1) : SIP_HDR_OTHER;
	slot = hdr_tab[c][len];
	for (i = 0; i < 2 && slot[i] != 0; i++)
		if (name_eq(hdr_lc[slot[i] - 1], name, len))
			return (enum sip_hdr_id)(slot[i] - 1);
	return SIP_HDR_OTHER;
}

const char *
sip_hdr_name(enum sip_hdr_id id)
{
	return (unsigned int)id < SIP_HDR__COUNT ? hdr_names[id] : "";
}

enum sip_method
sip_method_lookup(const char *p, size_t len)
{
	int m;

	if (len == 0)
		return SIP_METHOD_OTHER;
	for (m = SIP_METHOD_NONE + 1; m < SIP_METHOD_OTHER; m++)
		if (method_len[m] == len && method_names[m][0] == p[0] &&
		    memcmp(method_names[m], p, len) == 0)
			return (enum sip_method)m;
	return SIP_METHOD_OTHER;
}

const char *
sip_method_name(enum sip_method m)
{
	return (unsigned int)m < SIP_METHOD__COUNT ? method_names[m] : "";
}

/* Remember the first error only: it is the one the 400 names. */
static void
soft_fail(struct sip_perr *err, int status, const char *reason)
{
	if (err->reason == NULL) {
		err->status = status;
		err->reason = reason;
	}
}

static int
hard_fail(struct sip_perr *err, int status, const char *reason)
{
	soft_fail(err, status, reason);
	return -EBADMSG;
}

static void
parse_request_line(struct sip_msg *msg, const char *p, const char *end,
		   struct sip_perr *err)
{
	const char *sp1, *u, *sp2;
	struct dg_pl ver, t;

	msg->is_request = true;
	sp1 = memchr(p, ' ', (size_t)(end - p));
	if (sp1 == NULL || sp1 == p) {
		soft_fail(err, 400, "malformed request line");
		return;
	}
	msg->method_raw = sip_pl(p, sp1);
	if (sip_skip_token(p, sp1) != sp1) {
		soft_fail(err, 400, "invalid method");
		return;
	}
	msg->method = sip_method_lookup(p, (size_t)(sp1 - p));
	u = sp1 + 1;
	if (u < end && sip_is(*u, SIP_C_LWS)) {
		soft_fail(err, 400, "extra whitespace in request line");
		return;
	}
	sp2 = memchr(u, ' ', (size_t)(end - u));
	if (sp2 == NULL) {
		soft_fail(err, 400, "missing SIP version in request line");
		return;
	}
	msg->ruri_raw = sip_pl(u, sp2);
	ver = sip_pl(sp2 + 1, end);
	if (memchr(ver.p, ' ', ver.len) != NULL ||
	    memchr(ver.p, '\t', ver.len) != NULL) {
		t = sip_pl_trim(ver);
		if (ver.len > 0 && sip_is(ver.p[0], SIP_C_LWS))
			soft_fail(err, 400, "extra whitespace in request line");
		else if (memchr(t.p, ' ', t.len) == NULL &&
			 memchr(t.p, '\t', t.len) == NULL)
			soft_fail(err, 400, "trailing whitespace in request line");
		else
			soft_fail(err, 400, "whitespace in Request-URI");
		return;
	}
	msg->version = ver;
	if (!sip_pl_is(ver, "SIP/2.0", 7)) {
		if (ver.len > 4 && sip_ncase_eq(ver.p, "SIP/", 4))
			soft_fail(err, 505, "unsupported SIP version");
		else
			soft_fail(err, 400, "malformed SIP version in request line");
		return;
	}
	if (msg->ruri_raw.len > 0 && msg->ruri_raw.p[0] == '<') {
		soft_fail(err, 400, "Request-URI enclosed in <>");
		return;
	}
	if (sip_uri_decode(&msg->ruri, msg->ruri_raw.p, msg->ruri_raw.len) < 0) {
		soft_fail(err, 400, "invalid Request-URI");
		return;
	}
	if (msg->ruri.headers.p != NULL) {
		soft_fail(err, 400, "Request-URI contains headers");
		return;
	}
	msg->have |= SIP_HAVE_START;
}

static void
parse_status_line(struct sip_msg *msg, const char *p, const char *end,
		  struct sip_perr *err)
{
	const char *sp, *c;
	uint32_t code;

	msg->is_request = false;
	sp = memchr(p, ' ', (size_t)(end - p));
	if (sp == NULL) {
		soft_fail(err, 400, "malformed status line");
		return;
	}
	msg->version = sip_pl(p, sp);
	if (!sip_pl_is(msg->version, "SIP/2.0", 7)) {
		soft_fail(err, 505, "unsupported SIP version");
		return;
	}
	c = sp + 1;
	sp = memchr(c, ' ', (size_t)(end - c));
	if (sp == NULL)
		sp = end;
	if (sp - c != 3 || sip_pl_u32(sip_pl(c, sp), 699, &code) < 0 ||
	    code < 100) {
		soft_fail(err, 400, "invalid status code");
		return;
	}
	msg->status = (uint16_t)code;
	msg->reason = sp < end ? sip_pl(sp + 1, end) : sip_pl(end, end);
	msg->have |= SIP_HAVE_START;
}

static void
decode_vias(struct sip_msg *msg, const struct sip_hdr *h, uint16_t idx,
	    struct sip_perr *err)
{
	const char *pos = h->value.p, *end = h->value.p + h->value.len;
	struct dg_pl v;
	int r;

	if (h->value.len == 0) {
		soft_fail(err, 400, "empty Via");
		return;
	}
	while ((r = sip_list_split(&pos, end, &v)) > 0) {
		struct sip_via *via;
		/* only the first value of the first Via line is the top one:
		 * when it is broken, a later Via must not stand in for it */
		bool top = idx == msg->hdr_first[SIP_HDR_VIA] &&
			v.p == sip_pl_trim(h->value).p;

		if (msg->n_vias >= SIP_MSG_MAX_VIAS) {
			soft_fail(err, 400, "too many Via values");
			return;
		}
		via = &msg->vias[msg->n_vias];
		r = sip_via_parse(via, v);
		if (r == -EBADMSG) {
			soft_fail(err, 400, v.len == 0 ? "empty Via value" :
				  "malformed Via");
			/* a broken top Via leaves nowhere to answer */
			if (top)
				return;
			continue;
		}
		if (r == -EPROTO)
			soft_fail(err, 400, "unsupported SIP version in Via");
		via->hdr_idx = idx;
		msg->n_vias++;
		if (top)
			msg->have |= SIP_HAVE_VIA;
	}
	if (r < 0)
		soft_fail(err, 400, "malformed Via");
}

static void
decode_cseq(struct sip_msg *msg, struct dg_pl v, struct sip_perr *err)
{
	const char *p = v.p, *end = v.p + v.len, *d;
	int r;

	d = p;
	while (p < end && sip_is(*p, SIP_C_DIGIT))
		p++;
	r = sip_pl_u32(sip_pl(d, p), 0x7fffffffu, &msg->cseq.num);
	if (r == -ERANGE) {
		soft_fail(err, 400, "CSeq number too large");
		return;
	}
	if (r < 0 || p >= end || !sip_is(*p, SIP_C_LWS)) {
		soft_fail(err, 400, "malformed CSeq");
		return;
	}
	p = sip_skip_lws(p, end);
	d = p;
	p = sip_skip_token(p, end);
	if (p == d || p != end) {
		soft_fail(err, 400, "malformed CSeq");
		return;
	}
	msg->cseq.method_raw = sip_pl(d, p);
	msg->cseq.method = sip_method_lookup(d, (size_t)(p - d));
	msg->have |= SIP_HAVE_CSEQ;
}

static void
decode_content_type(struct sip_msg *msg, struct dg_pl v, struct sip_perr *err)
{
	const char *p = v.p, *end = v.p + v.len, *t;

	t = p;
	p = sip_skip_token(p, end);
	if (p == t)
		goto bad;
	p = sip_skip_lws(p, end);
	if (p >= end || *p != '/')
		goto bad;
	p = sip_skip_lws(p + 1, end);
	if (sip_skip_token(p, end) == p)
		goto bad;
	p = sip_skip_token(p, end);
	msg->content_type = sip_pl(t, p);
	msg->content_type_params = DG_PL_NULL;
	p = sip_skip_lws(p, end);
	if (p < end) {
		if (*p != ';')
			goto bad;
		msg->content_type_params = sip_pl(p + 1, end);
		if (!sip_params_valid(msg->content_type_params))
			goto bad;
	}
	msg->have |= SIP_HAVE_CONTENT_TYPE;
	return;
bad:
	soft_fail(err, 400, "invalid Content-Type");
}

static bool
call_id_valid(struct dg_pl v)
{
	size_t i;

	if (v.len == 0)
		return false;
	for (i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.p[i];

		if (c <= ' ' || c == 0x7f)
			return false;
	}
	return true;
}

static void
decode_addr(struct sip_msg *msg, struct sip_addr *addr, enum sip_hdr_id id,
	    uint32_t bit, struct dg_pl v, struct sip_perr *err)
{
	enum sip_addr_err e = sip_addr_parse(addr, v);

	if (e != SIP_AE_OK) {
		soft_fail(err, 400, sip_addr_reason(id, e));
		return;
	}
	msg->have |= bit;
}

/* One header's decode-at-once work; seen tracks single-instance headers. */
static void
decode_hdr(struct sip_msg *msg, const struct sip_hdr *h, uint16_t idx,
	   uint32_t *seen, struct sip_perr *err)
{
	struct dg_pl v = h->value;
	uint32_t n;
	int r;

	switch (h->id) {
	case SIP_HDR_VIA:
		decode_vias(msg, h, idx, err);
		return;
	case SIP_HDR_FROM:
		if (*seen & SIP_HAVE_FROM) {
			soft_fail(err, 400, "multiple From headers");
			return;
		}
		*seen |= SIP_HAVE_FROM;
		decode_addr(msg, &msg->from, SIP_HDR_FROM, SIP_HAVE_FROM, v, err);
		return;
	case SIP_HDR_TO:
		if (*seen & SIP_HAVE_TO) {
			soft_fail(err, 400, "multiple To headers");
			return;
		}
		*seen |= SIP_HAVE_TO;
		decode_addr(msg, &msg->to, SIP_HDR_TO, SIP_HAVE_TO, v, err);
		return;
	case SIP_HDR_CALL_ID:
		if (*seen & SIP_HAVE_CALL_ID) {
			soft_fail(err, 400, "multiple Call-ID headers");
			return;
		}
		*seen |= SIP_HAVE_CALL_ID;
		if (!call_id_valid(v)) {
			soft_fail(err, 400, "invalid Call-ID");
			return;
		}
		msg->call_id = v;
		msg->have |= SIP_HAVE_CALL_ID;
		return;
	case SIP_HDR_CSEQ:
		if (*seen & SIP_HAVE_CSEQ) {
			soft_fail(err, 400, "multiple CSeq headers");
			return;
		}
		*seen |= SIP_HAVE_CSEQ;
		decode_cseq(msg, v, err);
		return;
	case SIP_HDR_MAX_FORWARDS:
		if (*seen & SIP_HAVE_MAX_FORWARDS) {
			soft_fail(err, 400, "multiple Max-Forwards headers");
			return;
		}
		*seen |= SIP_HAVE_MAX_FORWARDS;
		if (sip_pl_u32(v, 255, &n) < 0) {
			soft_fail(err, 400, "invalid Max-Forwards");
			return;
		}
		msg->max_forwards = n;
		msg->have |= SIP_HAVE_MAX_FORWARDS;
		return;
	case SIP_HDR_CONTENT_LENGTH:
		if (*seen & SIP_HAVE_CONTENT_LENGTH) {
			soft_fail(err, 400, "multiple Content-Length headers");
			return;
		}
		*seen |= SIP_HAVE_CONTENT_LENGTH;
		r = sip_pl_u32(v, 0x7fffffffu, &n);
		if (r < 0) {
			soft_fail(err, 400, "invalid Content-Length");
			return;
		}
		msg->content_length = n;
		msg->have |= SIP_HAVE_CONTENT_LENGTH;
		return;
	case SIP_HDR_CONTENT_TYPE:
		if (*seen & SIP_HAVE_CONTENT_TYPE) {
			soft_fail(err, 400, "multiple Content-Type headers");
			return;
		}
		*seen |= SIP_HAVE_CONTENT_TYPE;
		decode_content_type(msg, v, err);
		return;
	case SIP_HDR_DATE:
		/* RFC 3261 section 20.17: always GMT (RFC 4475 baddate) */
		if (v.len < 3 || memcmp(v.p + v.len - 3, "GMT", 3) != 0)
			soft_fail(err, 400, "Date not in GMT");
		return;
	default:
		return;
	}
}

/* End of the logical line starting at p (the LF ending it, folds
 * included), or NULL when the buffer ends first. */
static const char *
line_end(const char *p, const char *end)
{
	const char *lf;

	for (;;) {
		lf = memchr(p, '\n', (size_t)(end - p));
		if (lf == NULL || lf + 1 >= end ||
		    (lf[1] != ' ' && lf[1] != '\t'))
			return lf;
		p = lf + 1;
	}
}

int
sip_msg_decode(struct sip_msg *msg, const char *buf, size_t len,
	       struct sip_perr *err)
{
	const char *p = buf, *end = buf + len, *lf, *le;
	uint32_t seen = 0;

	msg->buf = sip_pl(buf, end);
	msg->is_request = false;
	msg->have = 0;
	msg->parsed = 0;
	msg->method = SIP_METHOD_NONE;
	msg->start_line = DG_PL_NULL;
	msg->method_raw = msg->ruri_raw = msg->version = DG_PL_NULL;
	msg->reason = DG_PL_NULL;
	msg->status = 0;
	msg->n_hdrs = 0;
	msg->n_vias = 0;
	msg->body = DG_PL_NULL;
	msg->hdrs_end = DG_PL_NULL;
	memset(msg->hdr_first, SIP_HDR_IDX_NONE, sizeof(msg->hdr_first));
	memset(msg->hdr_last, SIP_HDR_IDX_NONE, sizeof(msg->hdr_last));
	err->status = 400;
	err->reason = NULL;
	err->hdrs[0] = '\0';
	err->hdrs_len = 0;

	if (len == 0)
		return hard_fail(err, 400, "empty message");
	lf = memchr(p, '\n', len);
	if (lf == NULL)
		return hard_fail(err, 400, "unterminated start line");
	le = (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
	msg->start_line = sip_pl(p, le);
	if (le - p >= 4 && memcmp(p, "SIP/", 4) == 0)
		parse_status_line(msg, p, le, err);
	else
		parse_request_line(msg, p, le, err);
	p = lf + 1;

	for (;;) {
		struct sip_hdr *h;
		const char *n, *ne, *c;
		uint16_t idx;
		enum sip_hdr_id id;

		if (p >= end)
			return hard_fail(err, 400, "missing empty line after headers");
		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
			msg->hdrs_end = sip_pl(p, *p == '\n' ? p + 1 : p + 2);
			p += msg->hdrs_end.len;
			break;
		}
		lf = line_end(p, end);
		if (lf == NULL)
			return hard_fail(err, 400, "missing empty line after headers");
		if (sip_is(*p, SIP_C_LWS)) {
			soft_fail(err, 400, "header line starts with whitespace");
			p = lf + 1;
			continue;
		}
		n = p;
		ne = sip_skip_token(p, lf);
		c = ne;
		if (c == n) {
			soft_fail(err, 400, "invalid header name");
			p = lf + 1;
			continue;
		}
		id = sip_hdr_lookup(n, (size_t)(c - n));
		c = sip_skip_lws(c, lf);
		if (c >= lf || *c != ':') {
			soft_fail(err, 400, "header line without colon");
			p = lf + 1;
			continue;
		}
		if (msg->n_hdrs >= SIP_MSG_MAX_HDRS)
			return hard_fail(err, 400, "too many headers");
		idx = msg->n_hdrs++;
		h = &msg->hdrs[idx];
		h->name = sip_pl(n, ne);
		h->value = sip_pl_trim(sip_pl(c + 1, lf));
		h->line_len = (uint32_t)(lf + 1 - n);
		h->id = (uint8_t)id;
		h->next = SIP_HDR_IDX_NONE;
		if (msg->hdr_last[id] == SIP_HDR_IDX_NONE)
			msg->hdr_first[id] = (uint8_t)idx;
		else
			msg->hdrs[msg->hdr_last[id]].next = (uint8_t)idx;
		msg->hdr_last[id] = (uint8_t)idx;
		if (id != SIP_HDR_OTHER)
			decode_hdr(msg, h, idx, &seen, err);
		p = lf + 1;
	}

	if (msg->have & SIP_HAVE_CONTENT_LENGTH) {
		if (msg->content_length > (size_t)(end - p)) {
			soft_fail(err, 400, "Content-Length exceeds message");
			msg->body = sip_pl(p, end);
		} else {
			msg->body = sip_pl(p, p + msg->content_length);
		}
	} else {
		msg->body = sip_pl(p, end);
	}
	msg->buf = sip_pl(buf, msg->body.p + msg->body.len);
	msg->have |= SIP_HAVE_BODY;

	if (msg->is_request && (msg->have & SIP_HAVE_CSEQ) &&
	    (msg->have & SIP_HAVE_START) &&
	    (msg->cseq.method != msg->method ||
	     (msg->method == SIP_METHOD_OTHER &&
	      !dg_pl_eq(msg->cseq.method_raw, msg->method_raw))))
		soft_fail(err, 400, "CSeq method does not match request method");
	return err->reason == NULL ? 0 : -EBADMSG;
}

bool
sip_msg_can_respond(const struct sip_msg *msg)
{
	/* RFC 3261 section 17.1.3: a client matches a response by the top
	 * Via branch and the CSeq method, so a decoded top Via and a CSeq
	 * line (copied as is) are what a response needs; From, To and
	 * Call-ID are copied when present (RFC 4475 insuf and scalar02
	 * expect a 400 to requests that lack them or carry a bad CSeq). */
	return msg->is_request && msg->method != SIP_METHOD_ACK &&
	       (msg->have & SIP_HAVE_VIA) &&
	       msg->hdr_first[SIP_HDR_CSEQ] != SIP_HDR_IDX_NONE;
}

const struct sip_hdr *
sip_msg_hdr_first(const struct sip_msg *msg, enum sip_hdr_id id)
{
	uint8_t i;

	if ((unsigned int)id >= SIP_HDR__COUNT)
		return NULL;
	i = msg->hdr_first[id];
	return i == SIP_HDR_IDX_NONE ? NULL : &msg->hdrs[i];
}

const struct sip_hdr *
sip_msg_hdr_next(const struct sip_msg *msg, const struct sip_hdr *hdr)
{
	return hdr->next == SIP_HDR_IDX_NONE ? NULL : &msg->hdrs[hdr->next];
}

const struct sip_hdr *
sip_msg_hdr_find(const struct sip_msg *msg, const char *name)
{
	size_t len = strlen(name);
	enum sip_hdr_id id = sip_hdr_lookup(name, len);
	const struct sip_hdr *h;

	if (id != SIP_HDR_OTHER)
		return sip_msg_hdr_first(msg, id);
	for (h = sip_msg_hdr_first(msg, SIP_HDR_OTHER); h != NULL;
	     h = sip_msg_hdr_next(msg, h))
		if (h->name.len == len && sip_ncase_eq(h->name.p, name, len))
			return h;
	return NULL;
}

void
sip_hdr_iter_init(struct sip_hdr_iter *it, const struct sip_msg *msg,
		  enum sip_hdr_id id)
{
	it->msg = msg;
	it->hdr = sip_msg_hdr_first(msg, id);
	it->pos = it->hdr != NULL ? it->hdr->value.p : NULL;
}

int
sip_hdr_list_next(struct sip_hdr_iter *it, struct dg_pl *val)
{
	while (it->hdr != NULL) {
		const char *end = it->hdr->value.p + it->hdr->value.len;
		int r = sip_list_split(&it->pos, end, val);

		if (r < 0)
			return r;
		if (r > 0 && val->len > 0)
			return 1;
		if (r == 0) {
			it->hdr = sip_msg_hdr_next(it->msg, it->hdr);
			it->pos = it->hdr != NULL ? it->hdr->value.p : NULL;
		}
	}
	return 0;
}
