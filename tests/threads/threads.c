/* SPDX-License-Identifier: MIT */
/*
 * threads.c - distinct address spaces from distinct threads, at the same
 * time, under ThreadSanitizer (tests/threads/CMakeLists.txt).
 *
 * Each thread makes its own address space, a file and a memfd (inode
 * numbers of memfds are process-wide, as in Linux, so it is not mapped:
 * the maps text would differ), registers a
 * change callback, runs the same seeded sequence of calls (mmap, munmap,
 * mprotect, mremap, madvise, mlock, faults, queries, maps text, fork,
 * import of its own maps) and checks that the pages its callback counted
 * equal the pages mapped.  Every thread runs the same sequence, so all
 * must end with the same maps text: one thread's state cannot leak into
 * another's.  TSan fails the run on any data race inside the library.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uvma/uvma.h"

#define NTHREADS 4
#define STEPS 1500
#define PG 4096ull
#define BASE 0x100000000000ull

struct worker {
	uint64_t seed;
	int64_t pages;		/* mapped pages, as the callback counted */
	char *maps;		/* the final maps text (malloc) */
	int failed;
};

static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void on_change(struct uvma_mm *mm, const struct uvma_change *c, void *ctx)
{
	struct worker *w = ctx;
	int64_t n = (int64_t)((c->end - c->start) / PG);

	(void)mm;
	if (c->kind == UVMA_CHANGE_MAPPED)
		w->pages += n;
	else if (c->kind == UVMA_CHANGE_UNMAPPED)
		w->pages -= n;
	else if (c->kind == UVMA_CHANGE_INVALIDATE)
		w->failed = 1;	/* no allocation failures here */
}

static int count_pages(const struct uvma_vma_info *vi, void *ctx)
{
	*(int64_t *)ctx += (int64_t)((vi->end - vi->start) / PG);
	return 0;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct uvma_file_desc d = { .path = "/lib/t.so", .dev_major = 8,
				    .ino = 5, .size = 16 * PG };
	struct uvma_file *f, *memfd;
	struct uvma_mm *mm, *child, *copy;
	uint64_t s = w->seed;
	int64_t mapped = 0;
	char *text;
	size_t len;

	if (uvma_mm_create(NULL, &mm) || uvma_file_create(&d, &f) ||
	    uvma_memfd_create("t", 0, &memfd) ||
	    uvma_mm_set_notify(mm, on_change, w)) {
		w->failed = 1;
		return NULL;
	}
	for (int i = 0; i < STEPS; i++) {
		uint64_t a = BASE + next(&s) % 256 * PG, l = (1 + next(&s) % 8) * PG;
		int prot = (int)(next(&s) % 4);

		switch (next(&s) % 9) {
		case 0:
			uvma_mmap(mm, a, l, prot, UVMA_MAP_PRIVATE | UVMA_MAP_ANONYMOUS |
				  UVMA_MAP_FIXED, NULL, 0);
			break;
		case 1:
			uvma_mmap(mm, a, l, prot, UVMA_MAP_SHARED | UVMA_MAP_FIXED,
				  f, 0);
			break;
		case 2:
			uvma_munmap(mm, a, l);
			break;
		case 3:
			uvma_mprotect(mm, a, l, prot);
			break;
		case 4:
			uvma_mremap(mm, a, l, (1 + next(&s) % 8) * PG,
				    UVMA_MREMAP_MAYMOVE, 0);
			break;
		case 5:
			uvma_madvise(mm, a, l, UVMA_MADV_DONTFORK);
			break;
		case 6:
			uvma_fault(mm, a, UVMA_FAULT_WRITE);
			uvma_fault_check(mm, a, UVMA_FAULT_READ);
			break;
		case 7:
			uvma_mlock(mm, a, l);
			break;
		default:
			if (uvma_fork(mm, &child) == 0)
				uvma_mm_destroy(child);
			break;
		}
	}
	uvma_vma_foreach(mm, 0, UINT64_MAX, count_pages, &mapped);
	if (mapped != w->pages)
		w->failed = 1;
	if (uvma_maps_text(mm, &text, &len) == 0) {
		/* The text imports back into an address space of its own. */
		if (uvma_import(NULL, text, len, &copy, NULL) == 0)
			uvma_mm_destroy(copy);
		else
			w->failed = 1;
		w->maps = strdup(text);
		uvma_text_free(text);
	}
	uvma_file_unref(f);
	uvma_file_unref(memfd);
	uvma_mm_destroy(mm);
	return NULL;
}

int main(void)
{
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	int failed = 0;

	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .seed = 42 };
		if (pthread_create(&t[i], NULL, run, &w[i]))
			return 1;
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < NTHREADS; i++) {
		if (w[i].failed || !w[i].maps || strcmp(w[i].maps, w[0].maps) != 0) {
			fprintf(stderr, "thread %d: failed %d, maps %s\n", i,
				w[i].failed, w[i].maps ? "differ" : "missing");
			failed++;
		}
	}
	for (int i = 0; i < NTHREADS; i++)
		free(w[i].maps);
	if (uvma_alloc_live() != 0) {
		fprintf(stderr, "%" PRId64 " blocks still allocated\n", uvma_alloc_live());
		failed++;
	}
	printf("%d passed, %d failed\n", NTHREADS - failed, failed);
	return failed != 0;
}
