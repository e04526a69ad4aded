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

/* Where tests/vectors is; set by main() from argv[1]. */
static const char *sip_test_vectors;

struct sip_guard {
	char *map;
	size_t map_len;
	char *p;		/* the bytes, ending where the guard page starts */
};

/* Copy len bytes to the end of a readable area followed by a PROT_NONE page. */
static inline int
sip_guard_put(struct sip_guard *g, const char *data, size_t len)
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
sip_guard_free(struct sip_guard *g)
{
	munmap(g->map, g->map_len);
}

/* Read tests/vectors/<rel> into a malloc'd buffer; NULL if absent. */
static inline char *
sip_test_load(const char *rel, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", sip_test_vectors, rel);
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
	if (buf != NULL)
		*len = (size_t)n;
	return buf;
}

#endif
