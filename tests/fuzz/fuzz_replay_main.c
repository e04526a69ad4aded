/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay driver for builds without libFuzzer (gcc, sanitizer build): feeds
 * every file of a corpus directory to LLVMFuzzerTestOneInput once, so that
 * the seed corpus and every crash found earlier are regression tests.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *f;
	uint8_t *buf;
	long len;
	size_t got;

	f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	/* An exact-size heap copy lets the sanitizer catch any read past the end. */
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (buf == NULL) {
		fclose(f);
		return -1;
	}
	got = fread(buf, 1, (size_t)len, f);
	fclose(f);
	if (got != (size_t)len) {
		free(buf);
		return -1;
	}
	(void)LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	struct dirent *de;
	char path[4096];
	DIR *dir;
	int n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	dir = opendir(argv[1]);
	if (dir == NULL) {
		perror(argv[1]);
		return 1;
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
		if (replay_file(path) != 0) {
			fprintf(stderr, "%s: cannot read\n", path);
			closedir(dir);
			return 1;
		}
		n++;
	}
	closedir(dir);
	printf("replayed %d inputs\n", n);
	/* An empty corpus means the harness guards nothing: fail loudly. */
	return n > 0 ? 0 : 1;
}
