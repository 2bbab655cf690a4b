/* SPDX-License-Identifier: BSD-3-Clause
 * Replay driver: a main() for a fuzz target built without libFuzzer (gcc, ASan/UBSan),
 * so the committed corpus runs in the unit suite on every build. Each argument is a file
 * or a directory whose regular files (sorted, not recursive) are fed one at a time to
 * LLVMFuzzerTestOneInput, each in a heap buffer of exactly its size so that ASan sees a
 * read one byte past the input. Fails when an argument yields no input at all: an empty
 * or missing corpus must not pass as "replayed". Single-threaded.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test/fuzz/fuzz.h"

#define REPLAY_MAX_INPUT (1u << 20)   /* the corpus is kept small; anything bigger is a mistake */

static int
replay_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	FILE *f;
	size_t n;

	f = fopen(path, "rb");
	if (f == NULL || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	if ((size_t)st.st_size > REPLAY_MAX_INPUT) {
		fprintf(stderr, "replay: %s: %lld bytes, at most %u\n", path,
			(long long)st.st_size, REPLAY_MAX_INPUT);
		fclose(f);
		return -1;
	}
	n = (size_t)st.st_size;
	/* malloc(0) may return NULL: keep one byte, but pass the true size */
	buf = malloc(n ? n : 1);
	if (buf == NULL || fread(buf, 1, n, f) != n) {
		fprintf(stderr, "replay: %s: short read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays path (a file or a directory of files); returns the inputs run or -1. */
static long
replay_path(const char *path)
{
	struct dirent *de;
	char **names = NULL, full[4096];
	size_t n = 0, cap = 0, i;
	long done = 0;
	struct stat st;
	DIR *d;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path) == 0 ? 1 : -1;
	d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (nn == NULL)
				goto fail;
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (names[n] == NULL)
			goto fail;
		n++;
	}
	closedir(d);
	d = NULL;
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (replay_file(full) != 0)
			goto fail;
		done++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return done;
fail:
	if (d != NULL)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return -1;
}

int
main(int argc, char **argv)
{
	long n;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR|FILE...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		n = replay_path(argv[i]);
		if (n <= 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
				n == 0 ? "no input files" : "failed");
			return 1;
		}
		printf("replay: %ld inputs from %s, no crash\n", n, argv[i]);
	}
	return 0;
}
