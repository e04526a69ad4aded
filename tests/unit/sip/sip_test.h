/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers of the SIP message-layer tests: read a test vector, and place
 * bytes flush against an inaccessible page so that a parser reading one
 * byte too far crashes instead of passing by luck.
 */
#ifndef DRONGO_TESTS_UNIT_SIP_SIP_TEST_H
#define DRONGO_TESTS_UNIT_SIP_SIP_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../dg_test_guard.h"

/* Where tests/vectors is; set by main() from argv[1]. */
static const char *sip_test_vectors;

/* Read tests/vectors/<rel>; NULL if absent. */
static inline char *
sip_test_load(const char *rel, size_t *len)
{
	return dg_test_vector_load(sip_test_vectors, rel, len);
}

#endif
