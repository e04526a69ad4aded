/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message framing on stream transports (RFC 3261 section 18.3): a message
 * is its header block plus exactly Content-Length bytes, and
 * Content-Length is mandatory. Only the line structure and Content-Length
 * are looked at here; sip_msg_decode() checks the rest of the frame.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "sip_msg.h"
#include "sip_parse.h"

/* "SIP/" somewhere in the start line [p, lf), any case. */
static bool
has_sip_version(const char *p, const char *lf)
{
	for (; lf - p >= 4; p++)
		if (sip_ncase_eq(p, "SIP/", 4))
			return true;
	return false;
}

ssize_t
sip_msg_frame(const char *buf, size_t len, size_t max_len)
{
	const char *p = buf, *end = buf + len, *lf;
	bool have_cl = false;
	uint32_t cl = 0;
	size_t hlen;

	if (len == 0)
		return -EAGAIN;
	if (*p == '\r' || *p == '\n') {
		while (p < end && (*p == '\r' || *p == '\n'))
			p++;
		return p - buf;
	}
	/* start line: drop a stream that is not SIP (HTTP, TLS, junk) as
	 * soon as its first line is in, instead of waiting for max_len */
	lf = memchr(p, '\n', len);
	if (lf == NULL)
		return len >= max_len ? -EMSGSIZE : -EAGAIN;
	if (!has_sip_version(p, lf))
		return -EBADMSG;
	p = lf + 1;
	for (;;) {
		const char *n, *ne, *c;

		if (p >= end)
			return len >= max_len ? -EMSGSIZE : -EAGAIN;
		if (*p == '\n' || *p == '\r') {
			if (*p == '\r') {
				if (p + 1 >= end)
					return len >= max_len ? -EMSGSIZE : -EAGAIN;
				if (p[1] != '\n')
					return -EBADMSG;
				p++;
			}
			p++;
			break;
		}
		/* the logical line: a fold is only known once the next
		 * line's first byte is here */
		n = p;
		for (;;) {
			lf = memchr(p, '\n', (size_t)(end - p));
			if (lf == NULL || lf + 1 >= end)
				return len >= max_len ? -EMSGSIZE : -EAGAIN;
			if (lf[1] != ' ' && lf[1] != '\t')
				break;
			p = lf + 1;
		}
		ne = sip_skip_token(n, lf);
		c = sip_skip_lws(ne, lf);
		if (c < lf && *c == ':') {
			enum sip_hdr_id id = sip_hdr_lookup(n, (size_t)(ne - n));

			if (id == SIP_HDR_CONTENT_LENGTH) {
				struct dg_pl v = sip_pl_trim(sip_pl(c + 1, lf));
				uint32_t x;

				if (sip_pl_u32(v, 0x7fffffffu, &x) < 0 ||
				    (have_cl && x != cl))
					return -EBADMSG;
				cl = x;
				have_cl = true;
			}
		}
		p = lf + 1;
	}
	if (!have_cl)
		return -EBADMSG;
	hlen = (size_t)(p - buf);
	if (hlen + cl > max_len)
		return -EMSGSIZE;
	if (hlen + cl > len)
		return -EAGAIN;
	return (ssize_t)(hlen + cl);
}
