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
 * Each figure is the best of several runs, in ns per operation.  Then the
 * load and the pair at 10^5 random once more, visiting only 1,000 positions
 * (hot_split()), and the memory floor: what the targets are up against.
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

/*
 * The timed loops visit l->at[0 .. cycle) over and over: every position
 * (cycle = l->n), or only the first few (see hot_split()).
 */
static double bench_load_over(const struct mt_tree *t, const struct layout *l,
			      size_t cycle)
{
	size_t total = ops_per_run(), i = 0;
	uint64_t acc = 0;
	double t0 = bench_now_ns();

	for (size_t done = 0; done < total; done++) {
		acc += (uintptr_t)mt_load(t, l->at[i] + (done & (PG - 1)), NULL, NULL);
		if (++i == cycle)
			i = 0;
	}
	sink += acc;
	return (bench_now_ns() - t0) / (double)total;
}

static double bench_load(const struct mt_tree *t, const struct layout *l)
{
	return bench_load_over(t, l, l->n);
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

static double bench_pair_over(struct mt_tree *t, const struct layout *l,
			      size_t cycle)
{
	size_t total = ops_per_run() / 2, i = 0;
	double t0 = bench_now_ns();

	for (size_t done = 0; done < total; done++) {
		uint64_t p = l->at[i] + PG;

		must(mt_store(t, p, p + PG, val(0)), "pair store");
		must(mt_erase(t, p, p + PG), "pair erase");
		if (++i == cycle)
			i = 0;
	}
	return (bench_now_ns() - t0) / (double)total;
}

static double bench_pair(struct mt_tree *t, const struct layout *l)
{
	return bench_pair_over(t, l, l->n);
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

/*
 * hot_split() - where a load and a pair at 10^5 random spend their time:
 * timed again on the same tree (@l, 10^5 random), visiting only its first
 * HOT positions, whose leaves and inner nodes fit in the L2 cache (about
 * 1,000 leaves of 512 bytes, plus the inner nodes above them): the
 * difference from the full run is the cost of missing L2; what remains
 * over 10^3 is the cost of the taller tree with every node near.
 */
#define HOT 1000

static void hot_split(const struct layout *l, double *load, double *pair)
{
	int reps = quick ? 1 : 3;
	struct mt_tree t;

	build(&t, l);
	mt_release(&t);
	*load = *pair = 1e30;
	for (int r = 0; r < reps; r++) {
		*load = min2(*load, bench_load_over(&t, l, HOT));
		*pair = min2(*pair, bench_pair_over(&t, l, HOT));
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
	double worst_ratio = 0, hot_load = 0, hot_pair = 0;

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
			if (sizes[s] == 100000 && r)
				hot_split(&l, &hot_load, &hot_pair);
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

	printf("\nat 10^5 random, visiting only %d positions (their nodes fit in L2):\n"
	       "  %-6s %9s %9s %9s\n", HOT, "", "10^3", "10^5 hot", "10^5");
	printf("  %-6s %9.1f %9.1f %9.1f\n", "load", cost[0][1][OP_LOAD], hot_load,
	       cost[2][1][OP_LOAD]);
	printf("  %-6s %9.1f %9.1f %9.1f\n", "st+er", cost[0][1][OP_PAIR], hot_pair,
	       cost[2][1][OP_PAIR]);

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
