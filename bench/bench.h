/* SPDX-License-Identifier: MIT */
/*
 * bench.h - what the benchmark programs share: a seeded generator
 * (splitmix64, so every run visits the same positions), a monotonic
 * clock in nanoseconds, and the layouts they time.  Header-only: each
 * benchmark is a program of its own.
 */
#ifndef UVMA_BENCH_H
#define UVMA_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "uvma/uvma.h"

/* bench_rnd() - the next number of the sequence kept in *@state. */
static inline uint64_t bench_rnd(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* bench_now_ns() - CLOCK_MONOTONIC in nanoseconds. */
static inline double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * bench_chase_ns() - ns per dependent load when chasing pointers through
 * @bytes of memory in random order (@steps loads): the price of one cache
 * or TLB miss at that working-set size.  A random operation on a structure
 * of that size pays it for every cold line it must read.  Returns -1 if
 * memory runs out.
 */
static inline double bench_chase_ns(size_t bytes, size_t steps, uint64_t *state)
{
	size_t n = bytes / 64 ? bytes / 64 : 1;
	size_t *perm = malloc(n * sizeof(*perm));
	char *buf = malloc(n * 64 + 64), *base;
	void *volatile sinkp;
	void *p;
	double t0;

	if (!perm || !buf) {
		free(perm);
		free(buf);
		return -1;
	}
	base = buf + (64 - ((uintptr_t)buf & 63)) % 64;
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = bench_rnd(state) % (i + 1), x = perm[i];

		perm[i] = perm[j];
		perm[j] = x;
	}
	for (size_t i = 0; i < n; i++)
		*(void **)(base + perm[i] * 64) = base + perm[(i + 1) % n] * 64;
	p = base;
	t0 = bench_now_ns();
	for (size_t i = 0; i < steps; i++)
		p = *(void **)p;
	t0 = (bench_now_ns() - t0) / (double)steps;
	sinkp = p;
	(void)sinkp;
	free(perm);
	free(buf);
	return t0;
}

/*
 * bench_loadavg() - the 1-minute load average (/proc/loadavg), or -1.  Other
 * work on the machine inflates every figure, most of all work on the
 * other CPU of the pair, which shares the caches; the benchmarks print it
 * at both ends so that a busy run shows as one.
 */
static inline double bench_loadavg(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double load = -1;

	if (f) {
		if (fscanf(f, "%lf", &load) != 1)
			load = -1;
		fclose(f);
	}
	return load;
}

/*
 * The layout bench_kernel and bench/ab time: N slots, each a VMA of
 * BENCH_VPAGES pages of private anonymous memory followed by a one-page
 * hole, protections alternating (bench_slot_readable()) so that nothing
 * merges by accident.
 */
#define BENCH_PG 4096ull
#define BENCH_VPAGES 3
#define BENCH_SLOT ((BENCH_VPAGES + 1) * BENCH_PG)

/* bench_slot_readable() - slot @i's VMA is read-only (else PROT_NONE). */
static inline int bench_slot_readable(size_t i)
{
	return (int)(i & 1);
}

/*
 * bench_uvma_slots() - that layout of @n slots at @base in uvma address
 * space @mm, through the entry points given (one build of the library, or
 * a renamed copy of it: bench/ab).  Returns 0 or a negative errno.
 */
static inline int bench_uvma_slots(struct uvma_mm *mm, uint64_t base, uint64_t n,
				   int64_t (*mmap_fn)(struct uvma_mm *, uint64_t, uint64_t,
						      int, int, struct uvma_file *, uint64_t),
				   int (*munmap_fn)(struct uvma_mm *, uint64_t, uint64_t),
				   int (*mprotect_fn)(struct uvma_mm *, uint64_t, uint64_t, int))
{
	int64_t r = mmap_fn(mm, base, n * BENCH_SLOT, UVMA_PROT_NONE,
			    UVMA_MAP_PRIVATE | UVMA_MAP_ANONYMOUS |
			    UVMA_MAP_NORESERVE | UVMA_MAP_FIXED, NULL, 0);

	if (r < 0)
		return (int)r;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t a = base + i * BENCH_SLOT;
		int e = munmap_fn(mm, a + BENCH_VPAGES * BENCH_PG, BENCH_PG);

		if (!e && bench_slot_readable(i))
			e = mprotect_fn(mm, a, BENCH_VPAGES * BENCH_PG, UVMA_PROT_READ);
		if (e)
			return e;
	}
	return 0;
}

/*
 * bench_tree_pages() - bench_tree's entries: @n single pages from @base,
 * each followed by a hole of 1 to 3 pages, in @page; in @order the order
 * to visit them, a random permutation when @shuffle, else 0, 1, 2, ...
 */
static inline void bench_tree_pages(uint64_t *page, size_t *order, size_t n,
				    uint64_t base, int shuffle, uint64_t *state)
{
	for (size_t i = 0; i < n; i++) {
		page[i] = base;
		base += BENCH_PG * (2 + bench_rnd(state) % 3);
		order[i] = i;
	}
	for (size_t i = n; shuffle && i > 1; i--) {
		size_t j = bench_rnd(state) % i, tmp = order[i - 1];

		order[i - 1] = order[j];
		order[j] = tmp;
	}
}

#endif /* UVMA_BENCH_H */
