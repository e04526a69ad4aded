/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers of the SDP tests: read a test vector (tests/vectors/<rel>), take
 * the body of a SIP message, and place bytes flush against an inaccessible
 * page so that a parser reading one byte too far crashes.
 */
#ifndef DRONGO_TESTS_UNIT_SDP_SDP_TEST_H
#define DRONGO_TESTS_UNIT_SDP_SDP_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../dg_test_guard.h"

/* Where tests/vectors is; set by main() from argv[1]. */
static const char *sdp_test_vectors;

/* Read tests/vectors/<rel>; NULL if absent. */
static inline char *
sdp_test_load(const char *rel, size_t *len)
{
	return dg_test_vector_load(sdp_test_vectors, rel, len);
}

/* The body of a SIP message: what follows the first empty line. */
static inline const char *
sdp_test_sip_body(const char *msg, size_t len, size_t *body_len)
{
	const char *p = msg, *end = msg + len;

	*body_len = 0;
	for (; p + 3 < end; p++)
		if (memcmp(p, "\r\n\r\n", 4) == 0) {
			*body_len = (size_t)(end - p - 4);
			return p + 4;
		}
	return NULL;
}

/* A deterministic random source: a counter, so keys are 00 01 02 ... */
static inline int
sdp_test_rnd(void *arg, uint8_t *buf, size_t len)
{
	uint8_t *ctr = arg;
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (*ctr)++;
	return 0;
}

#endif
