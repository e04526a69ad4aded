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

/* Where tests/vectors is; set by main() from argv[1]. */
static const char *sdp_test_vectors;

struct sdp_guard {
	char *map;
	size_t map_len;
	char *p;
};

static inline int
sdp_guard_put(struct sdp_guard *g, const char *data, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t body = (len + page - 1) / page * page;

	if (body == 0)
		body = page;
	g->map_len = body + page;
	g->map = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->map == MAP_FAILED)
		return -1;
	if (mprotect(g->map + body, page, PROT_NONE) != 0) {
		munmap(g->map, g->map_len);
		return -1;
	}
	g->p = g->map + body - len;
	memcpy(g->p, data, len);
	return 0;
}

static inline void
sdp_guard_free(struct sdp_guard *g)
{
	munmap(g->map, g->map_len);
}

/* Read tests/vectors/<rel> into a malloc'd, NUL-terminated buffer; NULL if absent. */
static inline char *
sdp_test_load(const char *rel, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	*len = 0;
	snprintf(path, sizeof(path), "%s/%s", sdp_test_vectors, rel);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf != NULL) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
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
