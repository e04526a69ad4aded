/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SDP writer: a parsed description back to bytes, every line in its
 * order as "x=value" ended by CRLF (RFC 8866 section 5), so a body that
 * came with bare LFs leaves with CRLFs and nothing else changes.
 */
#include <errno.h>
#include <string.h>

#include "sdp.h"

int
sdp_write(const struct sdp_session *s, char *out, size_t cap)
{
	size_t o = 0;
	unsigned int i;

	for (i = 0; i < s->n_lines; i++) {
		const struct sdp_line *l = &s->lines[i];

		if (cap - o < l->val.len + 4)
			return -ENOSPC;
		out[o++] = l->type;
		out[o++] = '=';
		if (l->val.len != 0)
			memcpy(out + o, l->val.p, l->val.len);
		o += l->val.len;
		out[o++] = '\r';
		out[o++] = '\n';
	}
	if (o > INT32_MAX)
		return -ENOSPC;
	return (int)o;
}
