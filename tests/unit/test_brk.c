/* SPDX-License-Identifier: MIT */
/*
 * test_brk.c - brk() (SEMANTICS §16, §25.10): the new break or the old
 * one, never an errno; one free page (and the stack guard gap) needed
 * before the next VMA; shrinking unmaps; only the VMA ending at the old
 * break is extended; [heap] labelling; limits; allocation failure.
 *
 * brk_live runs the same sequence, relative to the break, on this
 * machine's kernel in a forked child and compares every return value and
 * the heap's final end.
 */
#include <sys/syscall.h>

#include "live.h"

#define K4 0x1000ull
#define RW (PROT_READ | PROT_WRITE)
#define FX (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

enum { B_BRK, B_MMAP, B_MMAP_GD, B_MUNMAP, B_END };
struct bop {
	int op;
	int64_t rel;	/* relative to the initial (page aligned) break */
};

static const struct bop brk_script[] = {
	{ B_BRK, 4 * K4 },		/* grow */
	{ B_MMAP, 6 * K4 },		/* a VMA two pages above */
	{ B_BRK, 6 * K4 },		/* no free page before it: old break */
	{ B_BRK, 5 * K4 },		/* exactly one page left: ok */
	{ B_BRK, 5 * K4 + 100 },	/* rounds up to the VMA: old break */
	{ B_BRK, 5 * K4 - 100 },	/* same page: stored unaligned */
	{ B_BRK, 2 * K4 + 1 },		/* shrink: unmaps [3, 5) */
	{ B_BRK, 0 - (int64_t)(1ull << 40) },	/* below start_brk: old break */
	{ B_MUNMAP, 6 * K4 },
	{ B_BRK, 7 * K4 },		/* grows over the freed page */
	{ B_MMAP_GD, 0x300000 },	/* a stack 3 MiB up */
	{ B_BRK, 0x300000 - 0x100000 - K4 },	/* up to the guard gap - 1 page */
	{ B_BRK, 0x300000 - 0x100000 },	/* into it: old break */
	{ B_END, 0 },
};

static int64_t run_kernel_op(const struct bop *o, uint64_t p0)
{
	void *r;

	switch (o->op) {
	case B_BRK:
		return (int64_t)syscall(SYS_brk, p0 + (uint64_t)o->rel) - (int64_t)p0;
	case B_MMAP:
	case B_MMAP_GD:
		r = mmap((void *)(p0 + (uint64_t)o->rel), K4, RW,
			 FX | (o->op == B_MMAP_GD ? MAP_GROWSDOWN : 0), -1, 0);
		return r == MAP_FAILED ? -errno : 0;
	case B_MUNMAP:
		return munmap((void *)(p0 + (uint64_t)o->rel), K4) ? -errno : 0;
	}
	return 0;
}

static int64_t run_model_op(struct uvma_mm *mm, const struct bop *o, uint64_t p0)
{
	int64_t r;

	switch (o->op) {
	case B_BRK:
		return (int64_t)uvma_brk(mm, p0 + (uint64_t)o->rel) - (int64_t)p0;
	case B_MMAP:
	case B_MMAP_GD:
		r = uvma_mmap(mm, p0 + (uint64_t)o->rel, K4, RW,
			      FX | (o->op == B_MMAP_GD ? MAP_GROWSDOWN : 0), NULL, 0);
		return r < 0 ? r : 0;
	case B_MUNMAP:
		return uvma_munmap(mm, p0 + (uint64_t)o->rel, K4);
	}
	return 0;
}

/* heap_end() - end of the VMA containing @addr - 1 in /proc/self/maps. */
static uint64_t heap_end_live(uint64_t addr)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	uint64_t res = 0;

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long s, e;

		if (sscanf(line, "%llx-%llx", &s, &e) == 2 && s < addr && e >= addr)
			res = e;
	}
	if (f)
		fclose(f);
	return res;
}

/* In the child: the script from an aligned break; returns, then the end. */
static void brk_child(void *arg, void *buf)
{
	int64_t *out = buf;
	uint64_t c = (uint64_t)syscall(SYS_brk, 0);
	int n;

	(void)arg;
	c = (c + K4 - 1) & ~(K4 - 1);
	syscall(SYS_brk, c);	/* start from an aligned break */
	for (n = 0; brk_script[n].op != B_END; n++)
		out[n] = run_kernel_op(&brk_script[n], c);
	out[n] = (int64_t)(heap_end_live(c + 1) - c);
}

TEST(brk_live)
{
	int64_t kr[16], mr[16], in[17];
	int n = 0;
	uint64_t p0, kend = 0;
	struct uvma_config cfg;
	struct uvma_mm *mm;
	struct uvma_vma_info vi;

	ASSERT_EQ(live_child(brk_child, NULL, in, sizeof(in), NULL), 0);
	for (n = 0; brk_script[n].op != B_END; n++)
		kr[n] = in[n];
	kend = (uint64_t)in[n];

	live_config(&cfg);
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	p0 = 0x555555559000ull;
	ASSERT_EQ(uvma_mm_set_brk_start(mm, p0), 0);
	for (n = 0; brk_script[n].op != B_END; n++) {
		mr[n] = run_model_op(mm, &brk_script[n], p0);
		ASSERT_MSG(kr[n] == mr[n], "op %d: kernel %jd model %jd", n,
			   (intmax_t)kr[n], (intmax_t)mr[n]);
	}
	ASSERT_EQ(uvma_vma_find(mm, p0, &vi), 1);
	ASSERT_EQ_X(vi.end - p0, kend);
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_mm_destroy(mm);
}

/* brk only extends the VMA ending at the old break; it never merges with
 * a VMA above, and a VMA that differs (here: read-only) is not extended. */
TEST(brk_just_expand)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;
	const uint64_t p0 = 0x600000000ull;
	char *t;

	live_config(&cfg);
	cfg.vsyscall = false;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mm_set_brk_start(mm, p0), 0);
	ASSERT_EQ_X(uvma_brk(mm, p0 + 2 * K4), p0 + 2 * K4);
	ASSERT_EQ_X(uvma_brk(mm, p0 + 4 * K4), p0 + 4 * K4);
	ASSERT_EQ(uvma_mm_map_count(mm), 1);
	/* Make the top page read-only: the heap is now two VMAs. */
	ASSERT_EQ(uvma_mprotect(mm, p0 + 3 * K4, K4, PROT_READ), 0);
	ASSERT_EQ_X(uvma_brk(mm, p0 + 5 * K4), p0 + 5 * K4);
	ASSERT_EQ(uvma_mm_map_count(mm), 3);	/* a new rw VMA above */
	ASSERT_EQ(uvma_maps_text(mm, &t, NULL), 0);
	ASSERT_STR_EQ(t,
		      "600000000-600003000 rw-p 00000000 00:00 0                                [heap]\n"
		      "600003000-600004000 r--p 00000000 00:00 0                                [heap]\n"
		      "600004000-600005000 rw-p 00000000 00:00 0                                [heap]\n");
	uvma_text_free(t);
	/* brk(0) and anything below start_brk return the current break. */
	ASSERT_EQ_X(uvma_brk(mm, 0), p0 + 5 * K4);
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_mm_destroy(mm);
}

/* RLIMIT_DATA bounds brk - start_brk; RLIMIT_AS and mode-2 overcommit
 * refuse growth; MCL_FUTURE-style def_flags need the mlock limit. */
TEST(brk_limits)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;
	const uint64_t p0 = 0x600000000ull;

	live_config(&cfg);
	cfg.rlimit_data = 8 * K4;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mm_set_brk_start(mm, p0), 0);
	ASSERT_EQ_X(uvma_brk(mm, p0 + 8 * K4), p0 + 8 * K4);
	ASSERT_EQ_X(uvma_brk(mm, p0 + 8 * K4 + 1), p0 + 8 * K4);
	uvma_mm_destroy(mm);

	live_config(&cfg);
	cfg.rlimit_as = 8 * K4;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mm_set_brk_start(mm, p0), 0);
	ASSERT_EQ_X(uvma_brk(mm, p0 + 9 * K4), p0);
	ASSERT_EQ_X(uvma_brk(mm, p0 + 8 * K4), p0 + 8 * K4);
	uvma_mm_destroy(mm);

	/* Past TASK_SIZE: get_unmapped_area(MAP_FIXED) refuses. */
	live_config(&cfg);
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mm_set_brk_start(mm, 0x7ffffffe0000ull), 0);
	ASSERT_EQ_X(uvma_brk(mm, 0x800000000000ull), 0x7ffffffe0000ull);
	uvma_mm_destroy(mm);
}

TEST(brk_oom)
{
	for (int persistent = 0; persistent < 2; persistent++) {
		for (uint64_t k = 1;; k++) {
			struct uvma_config cfg;
			struct uvma_mm *mm;
			const uint64_t p0 = 0x600000000ull;
			int64_t live0;
			uint64_t r;

			ASSERT(k < 100);
			live_config(&cfg);
			ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
			ASSERT_EQ(uvma_mm_set_brk_start(mm, p0), 0);
			live0 = uvma_alloc_live();
			uvma_alloc_fail_at(k, persistent);
			r = uvma_brk(mm, p0 + 4 * K4);
			uvma_alloc_fail_at(0, 0);
			ASSERT_EQ(uvma_mm_validate(mm), 0);
			if (r == p0 + 4 * K4) {
				ASSERT_EQ(uvma_mm_map_count(mm), 1);
				uvma_mm_destroy(mm);
				break;
			}
			ASSERT_EQ_X(r, p0);	/* the old break: nothing changed */
			ASSERT_EQ(uvma_mm_map_count(mm), 0);
			ASSERT_EQ(uvma_alloc_live(), live0);
			uvma_mm_destroy(mm);
		}
	}
}
