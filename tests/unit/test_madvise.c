/* SPDX-License-Identifier: MIT */
/*
 * test_madvise.c - madvise(): every advice that changes VMAs, the errors
 * of the rest, holes, seals, and allocation failures.
 *
 * Most tests run the same script on this machine's 6.18.44 kernel (in a
 * forked child, tests/unit/live.h) and on the model and compare returns
 * and the smaps header + VmFlags lines byte for byte.  Kernel behaviours
 * pinned (all seen live while writing these tests):
 *   - holes are skipped and reported as -ENOMEM at the end, after the
 *     advice was applied to every mapped part; a range past the last VMA
 *     is -ENOMEM; an error from a VMA (EINVAL...) wins over a hole;
 *   - unknown advice (5, 6, 7, 26, 104, HWPOISON without
 *     CONFIG_MEMORY_FAILURE) is -EINVAL even with len 0;
 *   - DONTNEED/COLD/PAGEOUT/FREE on VM_LOCKED -> -EINVAL, DONTNEED_LOCKED 0;
 *   - FREE and WIPEONFORK on shared/file memory -> -EINVAL, REMOVE on
 *     private memory -> -EINVAL (anon) / -EACCES (file), on shared 0;
 *   - MERGEABLE on shared or droppable memory: silently nothing;
 *   - GUARD_INSTALL marks the whole VMA "gu" without splitting and gives
 *     it an anon_vma; gu VMAs merge with others (sticky flag);
 *   - POPULATE_WRITE on read-only / POPULATE_READ on PROT_NONE -> -EINVAL,
 *     across a hole -> -ENOMEM; populate write faults the VMA;
 *   - sealed read-only anonymous memory refuses discard advice (-EPERM),
 *     writable or non-discard advice is allowed.
 */
#include <errno.h>

#include "live.h"
#include "test.h"
#include "uvma/uvma.h"

#define PG 4096ull
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
#define SHARED (MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED)

TEST(madvise_live_flag_advice_merges)
{
	/*
	 * 0123456
	 * AAAAAA      RANDOM [1,3): split; NORMAL back: merge again;
	 *             SEQUENTIAL, DONTFORK/DOFORK, DONTDUMP/DODUMP,
	 *             WIPEONFORK/KEEPONFORK, MERGEABLE/UNMERGEABLE,
	 *             HUGEPAGE/NOHUGEPAGE each split and re-merge.
	 */
	static const struct live_op ops[] = {
		{ L_MMAP, 0, 6 * PG, RW, PRIV },
		{ L_MADVISE, PG, 2 * PG, MADV_RANDOM },
		{ L_MADVISE, 2 * PG, 2 * PG, MADV_SEQUENTIAL },
		{ L_MADVISE, 0, 6 * PG, MADV_NORMAL },
		{ L_MADVISE, 0, 2 * PG, MADV_DONTFORK },
		{ L_MADVISE, 4 * PG, 2 * PG, MADV_DONTDUMP },
		{ L_MADVISE, 3 * PG, PG, MADV_WIPEONFORK },
		{ L_MADVISE, 5 * PG, PG, MADV_MERGEABLE },
		{ L_MADVISE, PG, 4 * PG, MADV_HUGEPAGE },
		{ L_MADVISE, 2 * PG, PG, MADV_NOHUGEPAGE },
		{ L_MADVISE, 0, 6 * PG, MADV_DOFORK },
		{ L_MADVISE, 0, 6 * PG, MADV_DODUMP },
		{ L_MADVISE, 0, 6 * PG, MADV_KEEPONFORK },
		{ L_MADVISE, 0, 6 * PG, MADV_UNMERGEABLE },
		{ L_MMAP, 8 * PG, 4 * PG, RW, PRIV },
		{ L_MADVISE, 9 * PG, 2 * PG, MADV_NOHUGEPAGE },
		{ L_END },
	};

	LIVE_CHECK(ops);
}

TEST(madvise_live_holes_and_errors)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0, 2 * PG, RW, PRIV },
		{ L_MMAP, 3 * PG, 2 * PG, RW, PRIV | MAP_LOCKED },
		/* Applied on both sides of the hole, then -ENOMEM. */
		{ L_MADVISE, 0, 6 * PG, MADV_RANDOM },
		/* The locked VMA's error wins over the hole. */
		{ L_MADVISE, 0, 6 * PG, MADV_DONTNEED },
		{ L_MADVISE, 0, 6 * PG, MADV_DONTNEED_LOCKED },
		{ L_MADVISE, 0, 6 * PG, MADV_COLD },
		{ L_MADVISE, 0, 6 * PG, MADV_PAGEOUT },
		{ L_MADVISE, 0, 6 * PG, MADV_FREE },
		{ L_MADVISE, 0, 6 * PG, MADV_WILLNEED },
		{ L_MADVISE, 0, 6 * PG, MADV_REMOVE },
		{ L_MADVISE, 3 * PG, 2 * PG, 102 /* GUARD_INSTALL */ },
		{ L_MADVISE, 3 * PG, 2 * PG, 103 /* GUARD_REMOVE */ },
		/* Start in a hole; range past the last VMA. */
		{ L_MADVISE, 2 * PG, 2 * PG, MADV_SEQUENTIAL },
		{ L_MADVISE, 8 * PG, 4 * PG, MADV_SEQUENTIAL },
		/* Argument checks. */
		{ L_MADVISE, 0, PG, 5 }, { L_MADVISE, 0, PG, 7 },
		{ L_MADVISE, 0, PG, 26 }, { L_MADVISE, 0, PG, 100 },
		{ L_MADVISE, 0, PG, 104 }, { L_MADVISE, 0, 0, 99 },
		{ L_MADVISE, 1, PG, MADV_NORMAL }, { L_MADVISE, 1, 0, MADV_NORMAL },
		{ L_MADVISE, 0, 0, MADV_NORMAL },
		{ L_MADVISE, 0, (uint64_t)-1, MADV_NORMAL },
		{ L_MADVISE, 0, (uint64_t)-8192, MADV_NORMAL },
		{ L_MADVISE, 0, PG, 25 /* COLLAPSE: no PMD block */ },
		{ L_END },
	};

	LIVE_CHECK(ops);
}

TEST(madvise_live_shared_droppable_populate)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0, 2 * PG, RW, SHARED },
		{ L_MADVISE, 0, PG, MADV_FREE },
		{ L_MADVISE, 0, PG, MADV_WIPEONFORK },
		{ L_MADVISE, 0, PG, MADV_REMOVE },
		{ L_MADVISE, 0, PG, MADV_MERGEABLE },
		{ L_MADVISE, 0, PG, MADV_KEEPONFORK },
		{ L_MADVISE, 0, 2 * PG, MADV_POPULATE_WRITE },
		{ L_MMAP, 4 * PG, 2 * PG, RW, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_FIXED },
		{ L_MADVISE, 4 * PG, PG, MADV_KEEPONFORK },
		{ L_MADVISE, 4 * PG, PG, MADV_DODUMP },
		{ L_MADVISE, 4 * PG, PG, MADV_MERGEABLE },
		{ L_MADVISE, 4 * PG, PG, MADV_WIPEONFORK },
		{ L_MMAP, 8 * PG, PG, PROT_NONE, PRIV },
		{ L_MMAP, 9 * PG, PG, PROT_READ, PRIV },
		{ L_MMAP, 10 * PG, PG, RW, PRIV },
		{ L_MADVISE, 8 * PG, PG, MADV_POPULATE_READ },
		{ L_MADVISE, 8 * PG, PG, MADV_POPULATE_WRITE },
		{ L_MADVISE, 9 * PG, PG, MADV_POPULATE_READ },
		{ L_MADVISE, 9 * PG, PG, MADV_POPULATE_WRITE },
		{ L_MADVISE, 10 * PG, 3 * PG, MADV_POPULATE_WRITE },
		{ L_MADVISE, 11 * PG, PG, MADV_POPULATE_READ },
		{ L_MADVISE, 8 * PG, PG, MADV_REMOVE },
		{ L_END },
	};

	LIVE_CHECK(ops);
}

TEST(madvise_live_guard_and_anon_vma)
{
	/*
	 * 012   [0] written, [1] read-only, [2] guard-installed: the guard
	 * gave [2] its own anon_vma, so making [1] writable merges only
	 * left (prev and next anon_vmas differ).  A second layout without
	 * the guard merges into one VMA.
	 */
	static const struct live_op ops[] = {
		{ L_MMAP, 0, 3 * PG, RW, PRIV },
		{ L_MPROTECT, PG, PG, PROT_READ },
		{ L_TOUCH, 0 },
		{ L_MADVISE, 2 * PG, PG, 102 },
		{ L_MPROTECT, PG, PG, RW },
		{ L_MMAP, 8 * PG, 3 * PG, RW, PRIV },
		{ L_MPROTECT, 9 * PG, PG, PROT_READ },
		{ L_TOUCH, 8 * PG },
		{ L_MPROTECT, 9 * PG, PG, RW },
		/* gu is sticky: a new neighbour merges, the result stays gu. */
		{ L_MMAP, 16 * PG, 4 * PG, RW, PRIV },
		{ L_MADVISE, 17 * PG, PG, 102 },
		{ L_MADVISE, 17 * PG, PG, 103 },
		{ L_MMAP, 20 * PG, 2 * PG, RW, PRIV },
		{ L_END },
	};

	LIVE_CHECK(ops);
}

TEST(madvise_live_sealed)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0, 2 * PG, PROT_READ, PRIV },
		{ L_MMAP, 4 * PG, 2 * PG, RW, PRIV },
		{ L_MSEAL, 0, 2 * PG },
		{ L_MSEAL, 4 * PG, 2 * PG },
		{ L_MADVISE, 0, PG, MADV_DONTNEED },
		{ L_MADVISE, 0, PG, MADV_DONTFORK },
		{ L_MADVISE, 0, PG, MADV_WIPEONFORK },
		{ L_MADVISE, 0, PG, MADV_FREE },
		{ L_MADVISE, 0, PG, 102 },
		{ L_MADVISE, 0, PG, MADV_HUGEPAGE },
		{ L_MADVISE, 0, PG, MADV_DONTDUMP },
		{ L_MADVISE, 4 * PG, PG, MADV_DONTFORK },
		{ L_MADVISE, 4 * PG, PG, MADV_DONTNEED },
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/* madvise() of a VMA at the map-count limit: the split is -EAGAIN. */
TEST(madvise_split_limit_eagain)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;
	int64_t a;

	uvma_config_init(&cfg);
	cfg.max_map_count = 1;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	a = uvma_mmap(mm, 0, 4 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	ASSERT_GT(a, 0);
	ASSERT_EQ(uvma_madvise(mm, (uint64_t)a, PG, MADV_DONTFORK), -EAGAIN);
	ASSERT_EQ(uvma_madvise(mm, (uint64_t)a, 4 * PG, MADV_DONTFORK), 0);
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_mm_destroy(mm);
}

/* Configuration switches: KSM and THP advice are unknown without them. */
TEST(madvise_config_switches)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;
	int64_t a;

	uvma_config_init(&cfg);
	cfg.ksm = false;
	cfg.thp_configured = false;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	a = uvma_mmap(mm, 0, 4 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	ASSERT_GT(a, 0);
	ASSERT_EQ(uvma_madvise(mm, (uint64_t)a, PG, MADV_MERGEABLE), -EINVAL);
	ASSERT_EQ(uvma_madvise(mm, (uint64_t)a, PG, MADV_UNMERGEABLE), -EINVAL);
	ASSERT_EQ(uvma_madvise(mm, (uint64_t)a, PG, MADV_HUGEPAGE), -EINVAL);
	ASSERT_EQ(uvma_madvise(mm, (uint64_t)a, PG, 25), -EINVAL);
	ASSERT_EQ(uvma_madvise(mm, (uint64_t)a, PG, MADV_DONTDUMP), 0);
	uvma_mm_destroy(mm);
}

/*
 * Allocation failures: fail k = 1, 2, ... until the call succeeds; each
 * failure is -EAGAIN (flag advice) and leaves the layout unchanged.
 */
TEST(madvise_oom_sweep)
{
	for (uint64_t k = 1;; k++) {
		struct uvma_mm *mm;
		struct uvma_vma_info vi;
		int64_t live, a;
		int r;

		ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
		a = uvma_mmap(mm, 0, 8 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
		ASSERT_GT(a, 0);
		live = uvma_alloc_live();
		uvma_alloc_fail_at(k, 0);
		r = uvma_madvise(mm, (uint64_t)a + PG, 2 * PG, MADV_DONTFORK);
		uvma_alloc_fail_at(0, 0);
		ASSERT_EQ(uvma_mm_validate(mm), 0);
		if (r == 0) {
			ASSERT_EQ(uvma_mm_map_count(mm), 3);
			uvma_mm_destroy(mm);
			break;
		}
		ASSERT_EQ(r, -EAGAIN);
		ASSERT_EQ(uvma_mm_map_count(mm), 1);
		ASSERT_EQ(uvma_vma_find(mm, (uint64_t)a, &vi), 1);
		ASSERT_EQ(vi.flags & 0x20000, 0);
		ASSERT_EQ(uvma_alloc_live(), live);
		uvma_mm_destroy(mm);
		ASSERT_LT(k, 50);
	}
}
