/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helpers shared by the parser tests: read a test vector, and place
 * bytes flush against an inaccessible page so that a parser reading one
 * byte too far crashes instead of passing by luck.
 */
#ifndef DRONGO_TESTS_UNIT_DG_TEST_GUARD_H
#define DRONGO_TESTS_UNIT_DG_TEST_GUARD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct dg_test_guard {
	char *map;
	size_t map_len;
	char *p;		/* the bytes, ending where the guard page starts */
};

/* Copy len bytes to the end of a readable area followed by a PROT_NONE page. */
static inline int
dg_test_guard_put(struct dg_test_guard *g, const char *data, size_t len)
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
dg_test_guard_free(struct dg_test_guard *g)
{
	munmap(g->map, g->map_len);
}

/*
 * Read dir/rel into a malloc'd, NUL-terminated buffer (*len without the
 * terminator); NULL and *len 0 if absent.
 */
static inline char *
dg_test_vector_load(const char *dir, const char *rel, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	*len = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
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

#endif
