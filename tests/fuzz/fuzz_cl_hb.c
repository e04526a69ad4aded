/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzzer of the cluster heartbeat record (read from Redis, written by any
 * node): whatever the decoder accepts has an id, a known role and only
 * printable, terminated strings within their bounds, and encoding it and
 * decoding that again gives the very same peer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cl_hb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_str(const char *s, size_t cap, int may_be_empty)
{
	size_t i, n = strnlen(s, cap);

	if (n == cap || (!may_be_empty && n == 0))
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cl_peer p, q;
	char buf[CL_HB_MAX];
	int n;

	if (cl_hb_decode((const char *)data, size, &p) < 0)
		return 0;
	if ((unsigned int)p.role >= CP_ROLE__COUNT)
		abort();
	check_str(p.id, sizeof(p.id), 0);
	check_str(p.sip, sizeof(p.sip), 1);
	check_str(p.ng, sizeof(p.ng), 1);
	check_str(p.http, sizeof(p.http), 1);
	n = cl_hb_encode(&p, buf, sizeof(buf));
	if (n < 0 || cl_hb_decode(buf, (size_t)n, &q) != 0 ||
	    memcmp(&p, &q, sizeof(p)) != 0)
		abort();
	return 0;
}
