/* SPDX-License-Identifier: MIT */
/*
 * abpair.c - two builds of the library in one process, timed in turns.
 *
 * On a host whose memory latency swings several-fold within minutes (see
 * bench/README.md), two builds timed in separate runs differ by more than
 * most changes do.  This program holds two copies of the library, A and
 * B, each with an address space of the same layout at the same addresses,
 * and times a block of pairs on one, then the same slots on the other, in
 * the order AB, BA, AB, ... for many rounds.  Both copies see every phase
 * of the host, and each round gives a ratio B/A taken within a few
 * milliseconds; the median of those ratios resolves a difference of about
 * 1% where separate runs cannot resolve 10%.
 *
 * bench/ab/ab.sh builds the two copies (from two git revisions, or a
 * revision and the working tree) with their API renamed to A_uvma_* and
 * B_uvma_*, and compiles this file with -DAB_RENAMED.  Built without it
 * (the bench_ab target), A and B are the same library: an A/A run, which
 * shows the method's own spread.
 *
 * The layout is bench_kernel's (bench.h): N slots of a 3-page private
 * anonymous VMA and a 1-page hole, protections alternating.  Pairs:
 * fixed (mmap MAP_FIXED of a slot's hole + munmap), mprot (mprotect the
 * middle page rw and back), nohint (mmap of a page without a hint +
 * munmap), mremap (grow a slot's VMA over its hole and shrink it back),
 * lookup (two uvma_vma_at() look-ups: the slot's VMA and the one after).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uvma/uvma.h"
#include "../bench.h"

#ifdef AB_RENAMED
#define AB_PROTOS(P)                                                          \
	void P##uvma_config_init(struct uvma_config *);                       \
	int P##uvma_mm_create(const struct uvma_config *, struct uvma_mm **); \
	void P##uvma_mm_destroy(struct uvma_mm *);                            \
	int64_t P##uvma_mmap(struct uvma_mm *, uint64_t, uint64_t, int, int,  \
			     struct uvma_file *, uint64_t);                   \
	int P##uvma_munmap(struct uvma_mm *, uint64_t, uint64_t);             \
	int P##uvma_mprotect(struct uvma_mm *, uint64_t, uint64_t, int);      \
	int64_t P##uvma_mremap(struct uvma_mm *, uint64_t, uint64_t,          \
			       uint64_t, int, uint64_t);                      \
	int P##uvma_vma_at(struct uvma_mm *, uint64_t, struct uvma_vma_info *);
AB_PROTOS(A_)
AB_PROTOS(B_)
#define AB_API(P)                                                          \
	{ #P, P##uvma_config_init, P##uvma_mm_create, P##uvma_mm_destroy,  \
	  P##uvma_mmap, P##uvma_munmap, P##uvma_mprotect, P##uvma_mremap,  \
	  P##uvma_vma_at, NULL }
#else
#define AB_API(P)                                                          \
	{ #P, uvma_config_init, uvma_mm_create, uvma_mm_destroy, uvma_mmap, \
	  uvma_munmap, uvma_mprotect, uvma_mremap, uvma_vma_at, NULL }
#endif

#define PG BENCH_PG
#define SLOT BENCH_SLOT
#define VPAGES BENCH_VPAGES
#define BASE 0x100000000ull

/* One copy of the library: its entry points and its address space. */
struct copy {
	const char *name;
	void (*config_init)(struct uvma_config *);
	int (*mm_create)(const struct uvma_config *, struct uvma_mm **);
	void (*mm_destroy)(struct uvma_mm *);
	int64_t (*mmap)(struct uvma_mm *, uint64_t, uint64_t, int, int,
			struct uvma_file *, uint64_t);
	int (*munmap)(struct uvma_mm *, uint64_t, uint64_t);
	int (*mprotect)(struct uvma_mm *, uint64_t, uint64_t, int);
	int64_t (*mremap)(struct uvma_mm *, uint64_t, uint64_t, uint64_t, int,
			  uint64_t);
	int (*vma_at)(struct uvma_mm *, uint64_t, struct uvma_vma_info *);
	struct uvma_mm *mm;
};

enum op { OP_FIXED, OP_MPROT, OP_NOHINT, OP_MREMAP, OP_LOOKUP };
static const char *const op_names[] = { "fixed", "mprot", "nohint", "mremap", "lookup" };

/* build() - the layout of @n slots in a new address space of copy @c. */
static int build(struct copy *c, uint64_t n)
{
	struct uvma_config cfg;

	c->config_init(&cfg);
	cfg.max_map_count = 1u << 22;
	if (c->mm_create(&cfg, &c->mm))
		return -ENOMEM;
	return bench_uvma_slots(c->mm, BASE, n, c->mmap, c->munmap, c->mprotect) ? -EIO : 0;
}

/* run() - @k pairs of @op at @slots on copy @c; ns per pair, < 0 on error. */
static double run(struct copy *c, enum op op, const uint32_t *slots, long k)
{
	const int anon = UVMA_MAP_PRIVATE | UVMA_MAP_ANONYMOUS;
	const int rw = UVMA_PROT_READ | UVMA_PROT_WRITE;
	struct uvma_mm *mm = c->mm;
	struct uvma_vma_info info;
	double t0 = bench_now_ns();
	long bad = 0;

	for (long j = 0; j < k; j++) {
		uint64_t a = BASE + (uint64_t)slots[j] * SLOT;
		int back = bench_slot_readable(slots[j]) ? UVMA_PROT_READ : UVMA_PROT_NONE;
		int64_t r;

		switch (op) {
		case OP_FIXED:
			bad += c->mmap(mm, a + VPAGES * PG, PG, rw, anon | UVMA_MAP_FIXED,
				       NULL, 0) != (int64_t)(a + VPAGES * PG);
			bad += c->munmap(mm, a + VPAGES * PG, PG) != 0;
			break;
		case OP_MPROT:
			bad += c->mprotect(mm, a + PG, PG, rw) != 0;
			bad += c->mprotect(mm, a + PG, PG, back) != 0;
			break;
		case OP_NOHINT:
			r = c->mmap(mm, 0, PG, rw, anon, NULL, 0);
			bad += r < 0 || c->munmap(mm, (uint64_t)r, PG) != 0;
			break;
		case OP_MREMAP:
			bad += c->mremap(mm, a, VPAGES * PG, SLOT, 0, 0) != (int64_t)a;
			bad += c->mremap(mm, a, SLOT, VPAGES * PG, 0, 0) != (int64_t)a;
			break;
		case OP_LOOKUP:
			bad += c->vma_at(mm, a + PG, &info) != 1;
			bad += c->vma_at(mm, a + SLOT, &info) != 1;
			break;
		}
	}
	if (bad)
		return -1;
	return (bench_now_ns() - t0) / (double)k;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* quart() - the value at fraction @f of sorted @v[0..n). */
static double quart(const double *v, int n, double f)
{
	return v[(int)(f * (n - 1) + 0.5)];
}

static void usage(FILE *f)
{
	fprintf(f, "usage: abpair [--n N] [--op fixed|mprot|nohint|mremap|lookup]\n"
		   "              [--rounds R] [--pairs K] [--hot] [--seed S] [--b-first]\n"
		   "Times K pairs on copy A and the same K on copy B, in turns (AB, BA, ...),\n"
		   "R times; prints both copies' ns per pair and the rounds' ratios B/A.\n"
		   "--b-first builds B's address space before A's.\n"
		   "Defaults: --n 60000 --op fixed --rounds 200 --pairs 2000.\n");
}

int main(int argc, char **argv)
{
	struct copy copies[2] = { AB_API(A_), AB_API(B_) };
	struct copy *a = &copies[0], *b = &copies[1];
	uint64_t n = 60000, seed = 0x9e3779b97f4a7c15ull;
	int rounds = 200, hot = 0, faster = 0, b_first = 0;
	long k = 2000;
	enum op op = OP_FIXED;
	double *ta, *tb, *ratio;
	uint32_t *slots;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--hot")) {
			hot = 1;
			continue;
		}
		if (!strcmp(argv[i], "--b-first")) {
			b_first = 1;
			continue;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		if (!v) {
			usage(stderr);
			return 2;
		}
		i++;
		if (!strcmp(argv[i - 1], "--n"))
			n = strtoull(v, NULL, 0);
		else if (!strcmp(argv[i - 1], "--rounds"))
			rounds = atoi(v);
		else if (!strcmp(argv[i - 1], "--pairs"))
			k = atol(v);
		else if (!strcmp(argv[i - 1], "--seed"))
			seed = strtoull(v, NULL, 0);
		else if (!strcmp(argv[i - 1], "--op")) {
			int o;

			for (o = 0; o <= OP_LOOKUP && strcmp(v, op_names[o]); o++)
				;
			if (o > OP_LOOKUP) {
				fprintf(stderr, "abpair: unknown --op '%s'\n", v);
				return 2;
			}
			op = (enum op)o;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (n < 2 || n > (1u << 21) || rounds < 2 || k < 1) {
		fprintf(stderr, "abpair: need 2 <= N <= 2^21, R >= 2, K >= 1\n");
		return 2;
	}
	ta = malloc(sizeof(*ta) * (size_t)rounds);
	tb = malloc(sizeof(*tb) * (size_t)rounds);
	ratio = malloc(sizeof(*ratio) * (size_t)rounds);
	slots = malloc(sizeof(*slots) * (size_t)k);
	if (!ta || !tb || !ratio || !slots ||
	    (b_first ? build(b, n) || build(a, n) : build(a, n) || build(b, n))) {
		fprintf(stderr, "abpair: cannot build the address spaces\n");
		return 1;
	}
	for (int r = 0; r < rounds; r++) {
		/* The last slot has no VMA after it: look-ups stay below it. */
		for (long j = 0; j < k; j++)
			slots[j] = (uint32_t)(hot ? n / 2 : bench_rnd(&seed) % (n - 1));
		if (r & 1) {
			tb[r] = run(b, op, slots, k);
			ta[r] = run(a, op, slots, k);
		} else {
			ta[r] = run(a, op, slots, k);
			tb[r] = run(b, op, slots, k);
		}
		if (ta[r] < 0 || tb[r] < 0) {
			fprintf(stderr, "abpair: a call failed in round %d (%s)\n", r,
				ta[r] < 0 ? "A" : "B");
			return 1;
		}
		ratio[r] = tb[r] / ta[r];
		faster += tb[r] < ta[r];
	}
	qsort(ta, (size_t)rounds, sizeof(*ta), cmp_double);
	qsort(tb, (size_t)rounds, sizeof(*tb), cmp_double);
	qsort(ratio, (size_t)rounds, sizeof(*ratio), cmp_double);
	printf("%s %s, N = %llu, %d rounds of %ld pairs: ns per pair (min / q1 / median)\n",
	       op_names[op], hot ? "hot" : "random", (unsigned long long)n,
	       rounds, k);
	printf("  A %7.1f %7.1f %7.1f\n", ta[0], quart(ta, rounds, .25), quart(ta, rounds, .5));
	printf("  B %7.1f %7.1f %7.1f\n", tb[0], quart(tb, rounds, .25), quart(tb, rounds, .5));
	printf("  B/A per round: q1 %.3f median %.3f q3 %.3f; B faster in %d of %d\n",
	       quart(ratio, rounds, .25), quart(ratio, rounds, .5),
	       quart(ratio, rounds, .75), faster, rounds);
	a->mm_destroy(a->mm);
	b->mm_destroy(b->mm);
	free(ta);
	free(tb);
	free(ratio);
	free(slots);
	return 0;
}
