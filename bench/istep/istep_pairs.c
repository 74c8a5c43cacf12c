/* SPDX-License-Identifier: MIT */
/*
 * istep_pairs.c - the pairs bench/README.md counts instructions of, each
 * between two raise(SIGSTOP)s for bench/istep/istep.c:
 *
 *   istep_pairs tree N PAIRS [portable]
 *       mt_store() of a free page after an entry and its mt_erase(), PAIRS
 *       times, visiting the entries in the order the tree was built: a
 *       random one (bench_tree's "random" layout and st+er pair);
 *   istep_pairs fixed N PAIRS
 *       mmap(MAP_FIXED) of a random slot's hole and munmap (bench_kernel's
 *       "fixed" pair at random slots of N; its layout).
 *
 * Both warm up with the same pairs first.  The SIGSTOPs are raised only
 * under istep (which sets UVMA_ISTEP); alone, the program just runs:
 *   build-rel/istep -o hist build-rel/istep_pairs tree 100000 1000
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../bench.h"
#include "tree/tree.h"
#include "uvma/uvma.h"

#define PG BENCH_PG
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* mark() - the start or the end of the counted region. */
static void mark(void)
{
	if (getenv("UVMA_ISTEP"))
		raise(SIGSTOP);
}

static int tree_pairs(size_t n, size_t pairs)
{
	uint64_t st = 1, *page = malloc(n * sizeof(*page));
	size_t *ord = malloc(n * sizeof(*ord));
	struct mt_tree t;
	int ret = 1;

	mt_init(&t);
	if (!page || !ord || n < 2)
		goto done;
	bench_tree_pages(page, ord, n, 1ull << 32, 1, &st);
	for (size_t i = 0; i < n; i++)
		if (mt_store(&t, page[ord[i]], page[ord[i]] + PG, (void *)(uintptr_t)(page[ord[i]] | 1)))
			goto done;
	for (int round = 0; round < 2; round++) {
		if (round)
			mark();
		for (size_t k = 0; k < pairs; k++) {
			uint64_t p = page[ord[k % n]] + PG;

			if (mt_store(&t, p, p + PG, (void *)1) || mt_erase(&t, p, p + PG))
				goto done;
		}
	}
	mark();
	ret = 0;
done:
	mt_destroy(&t);
	free(page);
	free(ord);
	return ret;
}

static int fixed_pairs(size_t n, size_t pairs)
{
	uint64_t base = 0x100000000ull, st = 1;
	struct uvma_config c;
	struct uvma_mm *mm;
	size_t *at = malloc(pairs * sizeof(*at));
	int ret = 1;

	uvma_config_init(&c);
	c.max_map_count = 2 * n + 100;
	if (!at || uvma_mm_create(&c, &mm))
		goto out;
	if (bench_uvma_slots(mm, base, n, uvma_mmap, uvma_munmap, uvma_mprotect))
		goto done;
	for (size_t i = 0; i < pairs; i++)
		at[i] = bench_rnd(&st) % n;
	for (int round = 0; round < 2; round++) {
		if (round)
			mark();
		for (size_t k = 0; k < pairs; k++) {
			uint64_t a = base + at[k] * BENCH_SLOT + BENCH_VPAGES * PG;

			if (uvma_mmap(mm, a, PG, PROT_READ | PROT_WRITE,
				      ANON | MAP_FIXED, NULL, 0) != (int64_t)a ||
			    uvma_munmap(mm, a, PG))
				goto done;
		}
	}
	mark();
	ret = 0;
done:
	uvma_mm_destroy(mm);
out:
	free(at);
	return ret;
}

int main(int argc, char **argv)
{
	size_t n, pairs;

	if (argc < 4) {
		fprintf(stderr, "usage: istep_pairs tree|fixed N PAIRS [portable]\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 0);
	pairs = strtoul(argv[3], NULL, 0);
	if (argc > 4 && strcmp(argv[4], "portable") == 0)
		mt_simd(0);
	if (strcmp(argv[1], "tree") == 0)
		return tree_pairs(n, pairs);
	if (strcmp(argv[1], "fixed") == 0)
		return fixed_pairs(n, pairs);
	fprintf(stderr, "istep_pairs: no pair '%s'\n", argv[1]);
	return 2;
}
