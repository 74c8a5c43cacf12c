/* SPDX-License-Identifier: MIT */
/*
 * bench_kernel.c - uvma against the live kernel it models, side by side.
 *
 * For N = 16, 1,000, 10,000 and 60,000 (vm.max_map_count is 65,530 here) a
 * forked child builds N VMAs in its own address space and times pairs of
 * real system calls on them; the same layout is then built in a uvma
 * address space and the same pairs are timed on the model.  uvma alone is
 * also timed at N = 10^6 (max_map_count raised in its configuration).
 *
 * Layout: a reserved region of N slots of 4 pages; each slot is a 3-page
 * private anonymous VMA followed by a 1-page hole, with the VMAs'
 * protections alternating PROT_NONE / PROT_READ, so that no operation
 * below ever merges with a neighbour it should not.  The pairs, each
 * leaving the layout as it found it:
 *   fixed    - mmap(MAP_FIXED) of the slot's hole (1 page, read-write),
 *              then munmap of it;
 *   mprot    - mprotect of the middle page of the slot's VMA to read-write
 *              (one VMA becomes three), then back (three merge into one);
 *   nohint   - mmap of 1 page without a hint (wherever the top-down search
 *              puts it), then munmap; there is no position to choose, so
 *              only one figure per N;
 *   mremap   - mremap growing the slot's VMA in place over its hole, then
 *              shrinking it back.
 * "hot" repeats the pair on the middle slot; "random" visits random slots
 * (the same sequence on both sides).  Each figure is the best of 3 runs, in
 * ns per pair; uvma's three runs of a pair follow the kernel's at once,
 * so that a change in the (shared, virtual) machine's speed moves both
 * figures of a row.  --repeat R does all of it R times, in new children
 * and new address spaces, and prints the medians and the range of the
 * single runs' ratios: on a host whose memory latency swings from minute
 * to minute, one run's ratio at random slots of 60,000 can land anywhere
 * in a wide band.
 *
 * Also printed: bytes per VMA (uvma_alloc_live_bytes() over the VMA count:
 * records, tree nodes and the tree's reserve) at 10^5 and 10^6 VMAs, and
 * the wall time of the unit suite (the unit_tests binary next to this one,
 * or --unit PATH).
 *
 * Usage: bench_kernel [--quick] [--repeat R] [--unit PATH]   (not a test:
 * ctest never runs it).  The table and the command that produced it:
 * bench/README.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "tree/tree.h"		/* mt_simd(): which searches run */
#include "uvma/uvma.h"

#define PG BENCH_PG
#define SLOT BENCH_SLOT		/* 3-page VMA + 1-page hole */
#define VPAGES BENCH_VPAGES
#define UVMA_BASE 0x100000000ull	/* where uvma-only runs put the region */

enum pair { P_FIXED, P_MPROT, P_NOHINT, P_MREMAP, NPAIRS };
static const char *const pair_names[NPAIRS] = { "fixed", "mprot", "nohint", "mremap" };
enum pos { HOT, RANDOM, NPOS };
static const char *const pos_names[NPOS] = { "hot", "random" };

static const size_t sizes[] = { 16, 1000, 10000, 60000 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))
#define BIG_N 1000000
#define MAX_REPEAT 15

static bool quick;
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	return bench_rnd(&rng_state);
}

static void fail(const char *side, const char *what, int64_t ret)
{
	fprintf(stderr, "bench_kernel: %s: %s returned %" PRId64 "\n", side, what, ret);
	exit(1);
}

/* ------------------------------------------------------------------ */
/* The two sides behind one set of calls                               */

struct side {
	const char *name;
	struct uvma_mm *mm;	/* NULL: the live kernel */
};

static int64_t s_mmap(struct side *s, uint64_t addr, uint64_t len, int prot,
		      int flags)
{
	void *p;

	if (s->mm)
		return uvma_mmap(s->mm, addr, len, prot, flags, NULL, 0);
	p = mmap((void *)(uintptr_t)addr, len, prot, flags, -1, 0);
	return p == MAP_FAILED ? -errno : (int64_t)(uintptr_t)p;
}

static int s_munmap(struct side *s, uint64_t addr, uint64_t len)
{
	if (s->mm)
		return uvma_munmap(s->mm, addr, len);
	return munmap((void *)(uintptr_t)addr, len) ? -errno : 0;
}

static int s_mprotect(struct side *s, uint64_t addr, uint64_t len, int prot)
{
	if (s->mm)
		return uvma_mprotect(s->mm, addr, len, prot);
	return mprotect((void *)(uintptr_t)addr, len, prot) ? -errno : 0;
}

static int64_t s_mremap(struct side *s, uint64_t addr, uint64_t old_len,
			uint64_t new_len)
{
	void *p;

	if (s->mm)
		return uvma_mremap(s->mm, addr, old_len, new_len, 0, 0);
	p = mremap((void *)(uintptr_t)addr, old_len, new_len, 0);
	return p == MAP_FAILED ? -errno : (int64_t)(uintptr_t)p;
}

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)

static int slot_prot(size_t i)
{
	return bench_slot_readable(i) ? PROT_READ : PROT_NONE;
}

/*
 * region() - reserve N slots at @base (0: wherever mmap puts it), one
 * PROT_NONE mapping for now.  Returns the region's base.
 */
static uint64_t region(struct side *s, uint64_t base, size_t n)
{
	int64_t r = s_mmap(s, base, n * SLOT, PROT_NONE,
			   ANON | MAP_NORESERVE | (base ? MAP_FIXED : 0));

	if (r < 0)
		fail(s->name, "region mmap", r);
	return (uint64_t)r;
}

/* carve() - the layout in a reserved region: each slot's hole and protection. */
static void carve(struct side *s, uint64_t base, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t a = base + i * SLOT;
		int e = s_munmap(s, a + VPAGES * PG, PG);

		if (!e && slot_prot(i) != PROT_NONE)
			e = s_mprotect(s, a, VPAGES * PG, slot_prot(i));
		if (e)
			fail(s->name, "build", e);
	}
}

/* build() - the layout of N slots at @base (0: anywhere).  Returns the base. */
static uint64_t build(struct side *s, uint64_t base, size_t n)
{
	base = region(s, base, n);
	carve(s, base, n);
	return base;
}

/* ------------------------------------------------------------------ */
/* The pairs                                                           */

static void pair_fixed(struct side *s, uint64_t base, size_t i)
{
	uint64_t a = base + i * SLOT + VPAGES * PG;
	int64_t r = s_mmap(s, a, PG, RW, ANON | MAP_FIXED);

	if (r != (int64_t)a)
		fail(s->name, "mmap MAP_FIXED", r);
	r = s_munmap(s, a, PG);
	if (r)
		fail(s->name, "munmap", r);
}

static void pair_mprot(struct side *s, uint64_t base, size_t i)
{
	uint64_t a = base + i * SLOT + PG;
	int r = s_mprotect(s, a, PG, RW);

	if (!r)
		r = s_mprotect(s, a, PG, slot_prot(i));
	if (r)
		fail(s->name, "mprotect", r);
}

static void pair_nohint(struct side *s, uint64_t base, size_t i)
{
	int64_t r = s_mmap(s, 0, PG, RW, ANON);

	(void)base;
	(void)i;
	if (r < 0)
		fail(s->name, "mmap", r);
	r = s_munmap(s, (uint64_t)r, PG);
	if (r)
		fail(s->name, "munmap", r);
}

static void pair_mremap(struct side *s, uint64_t base, size_t i)
{
	uint64_t a = base + i * SLOT;
	int64_t r = s_mremap(s, a, VPAGES * PG, (VPAGES + 1) * PG);

	if (r != (int64_t)a)
		fail(s->name, "mremap grow", r);
	r = s_mremap(s, a, (VPAGES + 1) * PG, VPAGES * PG);
	if (r != (int64_t)a)
		fail(s->name, "mremap shrink", r);
}

static void (*const pair_fn[NPAIRS])(struct side *, uint64_t, size_t) = {
	pair_fixed, pair_mprot, pair_nohint, pair_mremap,
};

/* time_pairs() - best of 3 runs of @k pairs at the slots @at[0..k), ns/pair. */
static double time_pairs(struct side *s, enum pair p, uint64_t base,
			 const uint32_t *at, size_t k)
{
	double best = 1e30;

	for (int run = 0; run < 3; run++) {
		double t0 = bench_now_ns(), t;

		for (size_t j = 0; j < k; j++)
			pair_fn[p](s, base, at[j]);
		t = (bench_now_ns() - t0) / (double)k;
		best = t < best ? t : best;
	}
	return best;
}

/* Figures of one side at one N: [pair][pos], ns per pair. */
struct figs {
	double ns[NPAIRS][NPOS];
};

static uint32_t *slot_sequence(size_t n, size_t k, enum pos pos)
{
	uint32_t *at = malloc(k * sizeof(*at));

	if (!at) {
		perror("malloc");
		exit(1);
	}
	for (size_t j = 0; j < k; j++)
		at[j] = (uint32_t)(pos == HOT ? n / 2 : rnd() % n);
	return at;
}

/*
 * measure() - every pair at both positions on side @s: best of 3 runs.
 * With a second side @o (uvma, the kernel's twin), each pair's three runs
 * on @s are followed at once by its three on @o, so that both figures of a
 * row come from the same fraction of a second and a change in the host's
 * speed moves both.  (Alternating single runs would be closer still, but
 * then each side's runs would start with caches the other had just
 * filled: the best of three is meant to be a side's warm, steady cost.)
 */
static void measure(struct side *s, size_t k, struct side *o, size_t ko,
		    uint64_t base, uint32_t *const at[NPOS], struct figs *f,
		    struct figs *fo)
{
	for (int p = 0; p < NPAIRS; p++) {
		for (int pos = 0; pos < NPOS; pos++) {
			bool none = p == P_NOHINT && pos == RANDOM;

			f->ns[p][pos] = none ? 0 : time_pairs(s, p, base, at[pos], k);
			if (o)
				fo->ns[p][pos] = none ? 0 :
						 time_pairs(o, p, base, at[pos], ko);
		}
	}
}

static struct uvma_mm *uvma_side_mm(void)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;
	int err;

	uvma_config_init(&cfg);
	cfg.max_map_count = 1 << 22;
	err = uvma_mm_create(&cfg, &mm);
	if (err)
		fail("uvma", "uvma_mm_create", err);
	return mm;
}

static size_t pairs_kernel(void) { return quick ? 2000 : 20000; }
static size_t pairs_uvma(void) { return quick ? 20000 : 200000; }

/*
 * run_child() - in a forked child: the layout in the child's own address
 * space and in a uvma address space at the same address, then every pair
 * on both, one after the other; or (@kern NULL) uvma alone, at UVMA_BASE.
 * Results come back through a pipe.  Every run is a new child, so every
 * repeat starts from the same state: nothing of one is left in the next
 * one's heap.
 */
static void run_child(size_t n, struct figs *kern, struct figs *model)
{
	struct figs out[2];
	int fd[2], status;
	pid_t pid;

	if (pipe(fd)) {
		perror("pipe");
		exit(1);
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		struct side k = { "kernel", NULL }, u = { "uvma", NULL };
		uint32_t *at[NPOS];
		uint64_t base;

		close(fd[0]);
		memset(out, 0, sizeof(out));
		for (int pos = 0; pos < NPOS; pos++)
			at[pos] = slot_sequence(n, pairs_uvma(), pos);
		u.mm = uvma_side_mm();
		if (!kern) {
			build(&u, UVMA_BASE, n);
			measure(&u, pairs_uvma(), NULL, 0, UVMA_BASE, at, &out[1], NULL);
		} else {
			/*
			 * The kernel's holes must stay free while both sides
			 * run: a page uvma maps for itself (a slab of VMA
			 * records) could land in one, and the next MAP_FIXED
			 * there would unmap it.  So uvma builds its layout, and
			 * runs each pair once to reach its steady state (the
			 * most records it holds: two more than the layout's),
			 * while the kernel's region is still one mapping
			 * without holes.  A pair that needed more records
			 * during the timings than in this warm-up would break
			 * that, loudly: a crash or a failed call.
			 */
			base = region(&k, 0, n);
			build(&u, base, n);
			for (int p = 0; p < NPAIRS; p++)
				pair_fn[p](&u, base, n / 2);
			carve(&k, base, n);
			measure(&k, pairs_kernel(), &u, pairs_uvma(), base, at,
				&out[0], &out[1]);
		}
		uvma_mm_destroy(u.mm);
		if (write(fd[1], out, sizeof(out)) != (ssize_t)sizeof(out))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], out, sizeof(out)) != (ssize_t)sizeof(out) ||
	    waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_kernel: child for N=%zu failed\n", n);
		exit(1);
	}
	close(fd[0]);
	if (kern)
		*kern = out[0];
	*model = out[1];
}

/* bytes_per_vma() - library bytes over VMAs for an address space of @n. */
static double bytes_per_vma(size_t n)
{
	int64_t before = uvma_alloc_live_bytes();
	struct side u = { "uvma", uvma_side_mm() };
	double b;

	build(&u, UVMA_BASE, n);
	b = (double)(uvma_alloc_live_bytes() - before) /
	    (double)uvma_mm_map_count(u.mm);
	uvma_mm_destroy(u.mm);
	return b;
}

/* unit_suite_seconds() - wall time of one run of @path, or -1. */
static double unit_suite_seconds(const char *path)
{
	double t0;
	int status;
	pid_t pid;

	fflush(stdout);
	t0 = bench_now_ns();
	pid = fork();

	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return (bench_now_ns() - t0) / 1e9;
}

/* repeat_arg() - @arg as a repeat count (1 to MAX_REPEAT), or 0. */
static int repeat_arg(const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);

	return *arg && !*end && v >= 1 && v <= MAX_REPEAT ? (int)v : 0;
}

/* sort() - @v[0..n) in ascending order (n is at most MAX_REPEAT). */
static void sort(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* median() - the median of @v[0..n) (sorts it). */
static double median(double *v, int n)
{
	sort(v, n);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * print_row() - one row: kernel and uvma ns per pair (medians over the
 * repeats) and their ratio; with repeats, the range of the ratios the
 * single runs gave, @lo..@hi.
 */
static void print_row(const char *pname, const char *posname, size_t n,
		      double k, double u, double lo, double hi)
{
	if (k > 0)
		printf("  %-7s %-6s %8zu %10.0f %10.1f %8.1fx", pname, posname,
		       n, k, u, k / u);
	else
		printf("  %-7s %-6s %8zu %10s %10.1f %9s", pname, posname, n,
		       "-", u, "-");
	if (lo > 0)
		printf("  %5.1f-%.1fx", lo, hi);
	printf("\n");
}

int main(int argc, char **argv)
{
	static struct figs runs_k[MAX_REPEAT][NSIZES], runs_u[MAX_REPEAT][NSIZES];
	static struct figs runs_big[MAX_REPEAT], kern[NSIZES], model[NSIZES], big;
	static double lo[NSIZES][NPAIRS][NPOS], hi[NSIZES][NPAIRS][NPOS];
	int repeat = 1;
	char unit_default[4096];
	const char *unit = NULL;
	double worst_ratio = 1e30, worst_scale = 0, secs, bpv5, bpv6, miss60k, miss1m;
	double load0 = bench_loadavg();

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--unit") && i + 1 < argc)
			unit = argv[++i];
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc &&
			 (repeat = repeat_arg(argv[i + 1])) > 0)
			i++;
		else {
			fprintf(stderr, "usage: bench_kernel [--quick] [--repeat R (1-%d)] "
				"[--unit PATH]\n", MAX_REPEAT);
			return 2;
		}
	}
	if (!unit) {
		ssize_t len = readlink("/proc/self/exe", unit_default,
				       sizeof(unit_default) - 16);
		char *slash;

		if (len > 0) {
			unit_default[len] = 0;
			slash = strrchr(unit_default, '/');
			strcpy(slash ? slash + 1 : unit_default, "unit_tests");
			unit = unit_default;
		}
	}

	for (int r = 0; r < repeat; r++) {
		for (size_t s = 0; s < NSIZES; s++)
			run_child(sizes[s], &runs_k[r][s], &runs_u[r][s]);
		run_child(BIG_N, NULL, &runs_big[r]);
	}
	/*
	 * Each figure: the median over the repeats (the one run when 1); with
	 * repeats, each row's range: the smallest and largest single ratio.
	 */
	for (int p = 0; p < NPAIRS; p++) {
		for (int pos = 0; pos < NPOS; pos++) {
			double k[MAX_REPEAT], u[MAX_REPEAT], q[MAX_REPEAT];

			for (size_t s = 0; s < NSIZES; s++) {
				int nq = 0;

				for (int r = 0; r < repeat; r++) {
					k[r] = runs_k[r][s].ns[p][pos];
					u[r] = runs_u[r][s].ns[p][pos];
					if (u[r] > 0)
						q[nq++] = k[r] / u[r];
				}
				kern[s].ns[p][pos] = median(k, repeat);
				model[s].ns[p][pos] = median(u, repeat);
				lo[s][p][pos] = hi[s][p][pos] = 0;
				if (repeat > 1 && nq > 0) {
					sort(q, nq);
					lo[s][p][pos] = q[0];
					hi[s][p][pos] = q[nq - 1];
				}
			}
			for (int r = 0; r < repeat; r++)
				u[r] = runs_big[r].ns[p][pos];
			big.ns[p][pos] = median(u, repeat);
		}
	}

	printf("uvma vs the live kernel: ns per pair of calls, best of 3%s",
	       quick ? " (--quick)" : "");
	if (repeat > 1)
		printf(";\nthe median of %d such figures, each from new address spaces (the\n"
		       "range: the ratios of the single runs)", repeat);
	printf("\nN VMAs of 3 pages, each followed by a 1-page hole, protections alternating\n"
	       "each row: the kernel's runs, then at once uvma's\n"
	       "uvma's tree searches: %s\n"
	       "load average (1 min): %.2f at the start, %.2f after the timings\n\n",
	       mt_simd(-1) ? "AVX-512" : "portable", load0, bench_loadavg());
	printf("  %-7s %-6s %8s %10s %10s %9s%s\n", "pair", "pos", "N", "kernel",
	       "uvma", "ratio", repeat > 1 ? "  range" : "");
	for (int p = 0; p < NPAIRS; p++) {
		for (int pos = 0; pos < NPOS; pos++) {
			if (p == P_NOHINT && pos == RANDOM)
				continue;
			for (size_t s = 0; s < NSIZES; s++) {
				double k = kern[s].ns[p][pos], u = model[s].ns[p][pos];

				print_row(pair_names[p], pos_names[pos], sizes[s], k, u,
					  lo[s][p][pos], hi[s][p][pos]);
				if (k / u < worst_ratio)
					worst_ratio = k / u;
			}
			print_row(pair_names[p], pos_names[pos], BIG_N, 0,
				  big.ns[p][pos], 0, 0);
			if (big.ns[p][pos] / model[0].ns[p][pos] > worst_scale)
				worst_scale = big.ns[p][pos] / model[0].ns[p][pos];
		}
	}

	printf("\nuvma cost at N = 10^6 / cost at N = 16:\n");
	for (int p = 0; p < NPAIRS; p++)
		for (int pos = 0; pos < NPOS; pos++)
			if (!(p == P_NOHINT && pos == RANDOM))
				printf("  %-7s %-6s %6.2fx\n", pair_names[p],
				       pos_names[pos],
				       big.ns[p][pos] / model[0].ns[p][pos]);

	bpv5 = bytes_per_vma(100000);
	bpv6 = bytes_per_vma(BIG_N);
	printf("\nbytes per VMA (library bytes / VMA count):\n");
	printf("  10^5: %6.1f\n", bpv5);
	printf("  10^6: %6.1f\n", bpv6);

	/*
	 * What a cold line costs at these sizes, and how many of them the
	 * random pairs pay for above their cost at N = 16: the part of the
	 * scaling that is memory, not code.
	 */
	miss60k = bench_chase_ns((size_t)(bpv5 * 60000), quick ? 2000000 : 10000000,
				 &rng_state);
	miss1m = bench_chase_ns((size_t)(bpv6 * BIG_N), quick ? 2000000 : 10000000,
				&rng_state);
	printf("\nmemory floor: ns per dependent random load over uvma's bytes\n");
	printf("  60,000 VMAs (%.1f MiB): %6.1f ns   10^6 VMAs (%.1f MiB): %6.1f ns\n",
	       bpv5 * 60000 / 1048576, miss60k, bpv6 * BIG_N / 1048576, miss1m);
	printf("  random pairs: cost above N = 16, in cold lines' worth (misses a 3x\n"
	       "  ratio at 10^6 would allow in brackets)\n");
	for (int p = 0; p < NPAIRS; p++) {
		if (p == P_NOHINT)
			continue;
		printf("  %-7s 60,000: %5.1f   10^6: %5.1f  (%.1f)\n", pair_names[p],
		       (model[NSIZES - 1].ns[p][RANDOM] - model[0].ns[p][RANDOM]) / miss60k,
		       (big.ns[p][RANDOM] - model[0].ns[p][RANDOM]) / miss1m,
		       2 * model[0].ns[p][RANDOM] / miss1m);
	}

	secs = unit ? unit_suite_seconds(unit) : -1;
	if (secs >= 0)
		printf("\nunit suite (%s): %.2f s wall\n", unit, secs);
	else
		printf("\nunit suite: not run (%s not found or failed)\n",
		       unit ? unit : "unit_tests");

	printf("\ntargets:\n");
	printf("  smallest kernel/uvma ratio:   %6.1fx  (>= 10x)  %s\n",
	       worst_ratio, worst_ratio >= 10 ? "ok" : "MISSED");
	printf("  worst uvma 10^6 / 16 ratio:   %6.2fx  (<= 3x)   %s\n",
	       worst_scale, worst_scale <= 3 ? "ok" : "MISSED");
	return 0;
}
