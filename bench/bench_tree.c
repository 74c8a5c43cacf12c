/* SPDX-License-Identifier: MIT */
/*
 * bench_tree.c - speed and size of the range tree (src/tree/tree.h).
 *
 * Entries are single 4 KiB pages separated by random gaps of 1 to 3 pages,
 * so no two touch.  For N = 10^3 .. 10^6 entries, a tree built in random
 * order ("random") and one built in ascending order ("seq") are timed with
 * operations at random positions and at ascending positions respectively:
 *   load      - mt_load() of an address inside an entry;
 *   store     - mt_store() of a page into a gap (the tree grows);
 *   erase     - mt_erase() of those pages again (it shrinks back);
 *   st+er     - a store and the erase of the same page, as a pair;
 *   next      - one mt_next() step of a cursor walking the whole tree;
 *   gap_lo/hi - mt_gap_lowest() above / mt_gap_highest() below an address,
 *               for 2 pages (2/3 of the holes are big enough);
 *   B/entry   - mt_bytes() / count after mt_release() (no reserve).
 * Each figure is the best of several runs, in ns per operation.
 *
 * Usage: bench_tree [--quick] [--portable]   (not a test: ctest never runs it)
 *   --portable  the portable copy of the searches, not the AVX-512 one
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "tree/tree.h"

#define PG 4096ull
#define BASE (1ull << 32)

enum op { OP_LOAD, OP_STORE, OP_ERASE, OP_PAIR, OP_NEXT, OP_GAPLO, OP_GAPHI, NOPS };

static const char *const op_names[NOPS] = {
	"load", "store", "erase", "st+er", "next", "gap_lo", "gap_hi",
};

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static volatile uint64_t sink;	/* keeps results alive */
static bool quick;

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		perror("malloc");
		exit(1);
	}
	return p;
}

static void *val(size_t i)
{
	return (void *)(uintptr_t)(16 * (i + 1));
}

static void must(int ret, const char *what)
{
	if (ret != 0) {
		fprintf(stderr, "bench_tree: %s failed: %d\n", what, ret);
		exit(1);
	}
}

/* One layout: page[i] is entry i's address; order[] is how it is visited. */
struct layout {
	size_t n;
	uint64_t *page;
	size_t *order;		/* random permutation or 0, 1, 2, ... */
	uint64_t *at;		/* page[order[i]]: read in sequence, so that the
				 * benchmark's own data costs no cache misses */
	bool random;
};

static void make_layout(struct layout *l, size_t n, bool random)
{
	l->n = n;
	l->random = random;
	l->page = xmalloc(n * sizeof(*l->page));
	l->order = xmalloc(n * sizeof(*l->order));
	l->at = xmalloc(n * sizeof(*l->at));
	bench_tree_pages(l->page, l->order, n, BASE, random, &rng_state);
	for (size_t i = 0; i < n; i++)
		l->at[i] = l->page[l->order[i]];
}

static void build(struct mt_tree *t, const struct layout *l)
{
	mt_init(t);
	for (size_t i = 0; i < l->n; i++) {
		size_t k = l->order[i];

		must(mt_store(t, l->page[k], l->page[k] + PG, val(k)), "build store");
	}
}

/* ops_per_run() - enough operations for a stable figure. */
static size_t ops_per_run(void)
{
	return quick ? 200000 : 2000000;
}

static double bench_load(const struct mt_tree *t, const struct layout *l)
{
	size_t total = ops_per_run(), i = 0;
	uint64_t acc = 0;
	double t0 = bench_now_ns();

	for (size_t done = 0; done < total; done++) {
		acc += (uintptr_t)mt_load(t, l->at[i] + (done & (PG - 1)), NULL, NULL);
		if (++i == l->n)
			i = 0;
	}
	sink += acc;
	return (bench_now_ns() - t0) / (double)total;
}

/*
 * bench_store_erase() - store a page into the hole after m entries, then
 * erase them, round after round; returns the two costs.
 */
static void bench_store_erase(struct mt_tree *t, const struct layout *l,
			      double *store, double *erase)
{
	size_t m = l->n < 50000 ? l->n : 50000;
	size_t rounds = ops_per_run() / 2 / m + 1;
	double ts = 0, te = 0;

	for (size_t r = 0; r < rounds; r++) {
		size_t first = (r * m) % l->n;
		double t0 = bench_now_ns(), t1;

		for (size_t i = 0; i < m; i++) {
			uint64_t p = l->at[(first + i) % l->n] + PG;

			must(mt_store(t, p, p + PG, val(0)), "store");
		}
		t1 = bench_now_ns();
		for (size_t i = 0; i < m; i++) {
			uint64_t p = l->at[(first + i) % l->n] + PG;

			must(mt_erase(t, p, p + PG), "erase");
		}
		ts += t1 - t0;
		te += bench_now_ns() - t1;
	}
	*store = ts / (double)(rounds * m);
	*erase = te / (double)(rounds * m);
}

static double bench_pair(struct mt_tree *t, const struct layout *l)
{
	size_t total = ops_per_run() / 2, i = 0;
	double t0 = bench_now_ns();

	for (size_t done = 0; done < total; done++) {
		uint64_t p = l->at[i] + PG;

		must(mt_store(t, p, p + PG, val(0)), "pair store");
		must(mt_erase(t, p, p + PG), "pair erase");
		if (++i == l->n)
			i = 0;
	}
	return (bench_now_ns() - t0) / (double)total;
}

static double bench_next(const struct mt_tree *t, const struct layout *l)
{
	size_t total = ops_per_run(), done = 0;
	uint64_t acc = 0, s, e;
	double t0 = bench_now_ns();

	while (done < total) {
		struct mt_cursor c;

		mt_cursor_init(&c, t, 0);
		while (mt_next(&c, &s, &e) != NULL) {
			acc += s;
			done++;
		}
	}
	sink += acc;
	(void)l;
	return (bench_now_ns() - t0) / (double)done;
}

static double bench_gap(const struct mt_tree *t, const struct layout *l, bool highest)
{
	size_t total = ops_per_run() / 2, i = 0;
	uint64_t acc = 0, a = 0;
	double t0 = bench_now_ns();

	for (size_t done = 0; done < total; done++) {
		uint64_t at = l->at[i];
		int ret = highest ? mt_gap_highest(t, 0, at, 2 * PG, 0, 0, &a)
				  : mt_gap_lowest(t, at, UINT64_MAX, 2 * PG, 0, 0, &a);

		acc += a + (uint64_t)ret;
		if (++i == l->n)
			i = 0;
	}
	sink += acc;
	return (bench_now_ns() - t0) / (double)total;
}

static double min2(double a, double b)
{
	return a < b ? a : b;
}

/* measure() - every figure for one layout, best of @reps runs. */
static void measure(const struct layout *l, double cost[NOPS], double *bytes)
{
	int reps = quick ? 1 : 3;
	struct mt_tree t;

	build(&t, l);
	mt_release(&t);
	*bytes = (double)mt_bytes(&t) / (double)t.count;
	for (int k = 0; k < NOPS; k++)
		cost[k] = 1e30;
	for (int r = 0; r < reps; r++) {
		double s, e;

		cost[OP_LOAD] = min2(cost[OP_LOAD], bench_load(&t, l));
		bench_store_erase(&t, l, &s, &e);
		cost[OP_STORE] = min2(cost[OP_STORE], s);
		cost[OP_ERASE] = min2(cost[OP_ERASE], e);
		cost[OP_PAIR] = min2(cost[OP_PAIR], bench_pair(&t, l));
		cost[OP_NEXT] = min2(cost[OP_NEXT], bench_next(&t, l));
		cost[OP_GAPLO] = min2(cost[OP_GAPLO], bench_gap(&t, l, false));
		cost[OP_GAPHI] = min2(cost[OP_GAPHI], bench_gap(&t, l, true));
	}
	if (t.count != l->n || mt_validate(&t) != 0) {
		fprintf(stderr, "bench_tree: tree damaged after the benchmark\n");
		exit(1);
	}
	mt_destroy(&t);
}

static double chase_ns(size_t bytes)
{
	return bench_chase_ns(bytes, quick ? 2000000 : 10000000, &rng_state);
}

static const char *verdict(bool ok)
{
	return ok ? "ok" : "MISSED";
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1000, 10000, 100000, 1000000 };
	enum { NS = sizeof(sizes) / sizeof(sizes[0]) };
	double cost[NS][2][NOPS], bytes[NS][2];
	double worst_ratio = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			quick = true;
		} else if (strcmp(argv[i], "--portable") == 0) {
			mt_simd(0);
		} else {
			fprintf(stderr, "usage: %s [--quick] [--portable]\n", argv[0]);
			return 2;
		}
	}
	printf("uvma range tree: ns/op, best of %d; pages with 1-3 page holes%s\n"
	       "searches: %s\n"
	       "load average (1 min) at the start: %.2f\n\n",
	       quick ? 1 : 3, quick ? " (quick run)" : "",
	       mt_simd(-1) ? "AVX-512" : "portable (--portable, or no AVX-512 here)",
	       bench_loadavg());
	printf("%9s %-6s", "N", "order");
	for (int k = 0; k < NOPS; k++)
		printf(" %7s", op_names[k]);
	printf(" %8s\n", "B/entry");
	for (int s = 0; s < NS; s++) {
		for (int r = 1; r >= 0; r--) {	/* random first, then seq */
			struct layout l;

			make_layout(&l, sizes[s], r);
			measure(&l, cost[s][r], &bytes[s][r]);
			printf("%9zu %-6s", sizes[s], r ? "random" : "seq");
			for (int k = 0; k < NOPS; k++)
				printf(" %7.1f", cost[s][r][k]);
			printf(" %8.1f\n", bytes[s][r]);
			fflush(stdout);
			free(l.page);
			free(l.order);
			free(l.at);
		}
	}

	printf("\ncost at 10^6 / cost at 10^3:\n%9s %-6s", "", "order");
	for (int k = 0; k < NOPS; k++)
		printf(" %7s", op_names[k]);
	printf("\n");
	for (int r = 1; r >= 0; r--) {
		printf("%9s %-6s", "", r ? "random" : "seq");
		for (int k = 0; k < NOPS; k++) {
			double ratio = cost[NS - 1][r][k] / cost[0][r][k];

			if (ratio > worst_ratio)
				worst_ratio = ratio;
			printf(" %6.2fx", ratio);
		}
		printf("\n");
	}

	printf("\nmemory floor: ns per dependent random load over the tree's bytes\n");
	{
		double lo = chase_ns((size_t)(bytes[0][1] * (double)sizes[0]));
		double hi = chase_ns((size_t)(bytes[NS - 1][1] * (double)sizes[NS - 1]));
		double mid = chase_ns((size_t)(bytes[2][1] * (double)sizes[2]));

		printf("  10^3 (%.0f KiB): %6.1f ns   10^5 (%.0f KiB): %6.1f ns   10^6 (%.0f KiB): %6.1f ns\n",
		       bytes[0][1] * (double)sizes[0] / 1024, lo,
		       bytes[2][1] * (double)sizes[2] / 1024, mid,
		       bytes[NS - 1][1] * (double)sizes[NS - 1] / 1024, hi);
		printf("  one miss at 10^6 / a whole random load at 10^3: %.1fx\n",
		       hi / cost[0][1][OP_LOAD]);
	}

	printf("\ntargets:\n");
	printf("  store+erase pair, 10^5 random: %6.1f ns  (<= 60)  %s\n",
	       cost[2][1][OP_PAIR], verdict(cost[2][1][OP_PAIR] <= 60));
	printf("  load, 10^5 random:             %6.1f ns  (<= 25)  %s\n",
	       cost[2][1][OP_LOAD], verdict(cost[2][1][OP_LOAD] <= 25));
	printf("  bytes/entry, 10^5 random:      %6.1f     (<= 24)  %s\n",
	       bytes[2][1], verdict(bytes[2][1] <= 24));
	printf("  bytes/entry, 10^5 seq:         %6.1f     (<= 24)  %s\n",
	       bytes[2][0], verdict(bytes[2][0] <= 24));
	printf("  worst 10^6 / 10^3 cost ratio:  %6.2fx    (<= 3x)  %s\n",
	       worst_ratio, verdict(worst_ratio <= 3));
	printf("\nload average (1 min) at the end: %.2f\n", bench_loadavg());
	return 0;
}
