/* SPDX-License-Identifier: MIT */
/*
 * test_mlock.c - mlock(), mlock2(), munlock(), mlockall(), munlockall():
 * argument checks, the VMA walk with its partial effects at holes, merges
 * and splits of the lock bits, VMAs that cannot be locked, populate (which
 * faults writable private VMAs and fails on PROT_NONE ones), the
 * RLIMIT_MEMLOCK and permission checks, allocation failure.  LIVE_CHECK
 * runs each script on this machine's kernel too; each comment names the
 * kernel behaviour pinned (all checked live on 6.18.44).
 */
#include "live.h"

#define RW (PROT_READ | PROT_WRITE)
#define FX (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
#define K4 0x1000ull
#define ML2(a_, b_, fl) { .op = L_MLOCK2, .a = (a_), .b = (b_), .p = (fl) }
#define MLA(fl) { .op = L_MLOCKALL, .p = (fl) }

/*
 * Pins: mlock on PROT_NONE sets lo and then fails with ENOMEM (populate
 * meets an inaccessible VMA: EFAULT becomes ENOMEM); a hole inside the
 * range stops the walk with ENOMEM after the VMAs before it were locked
 * (and nothing is populated); munlock likewise; a start in a hole changes
 * nothing; a range past the last VMA locks what is there, then ENOMEM.
 *
 * 0123456789
 * AABBCC DD     A rw, B ---, C r--, D rw
 */
TEST(mlock_live_walk)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 2 * K4, RW, FX },
		{ L_MMAP, 0x2000, 2 * K4, PROT_NONE, FX },
		{ L_MMAP, 0x4000, 2 * K4, PROT_READ, FX },
		{ L_MMAP, 0x7000, 2 * K4, RW, FX },
		{ L_MLOCK, 0x2000, 2 * K4 },		/* ENOMEM, lo set */
		{ L_MLOCK, 0x1000, 7 * K4 },		/* ENOMEM at the hole */
		{ L_MUNLOCK, 0x0000, 9 * K4 },		/* ENOMEM, merged back */
		{ L_MLOCK, 0x6000, 2 * K4 },		/* ENOMEM, nothing */
		{ L_MLOCK, 0x7000, 4 * K4 },		/* ENOMEM, D locked */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins: the range is widened to pages (no alignment error); a length
 * near 2^64 wraps to 0 and succeeds; a wrapping range is EINVAL; len 0
 * is 0 even in a hole; mlock2 flags other than MLOCK_ONFAULT -> EINVAL.
 */
TEST(mlock_live_args)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x7000, 2 * K4, RW, FX },
		{ L_MLOCK, 0x7005, 1 },
		{ L_MUNLOCK, 0x7005, K4 },
		{ L_MLOCK, 0x0000, (uint64_t)-1 },		/* 0 */
		{ L_MLOCK, 0x0000, (uint64_t)-0x100000 },	/* EINVAL */
		{ L_MLOCK, 0x6000, 0 },
		{ L_MUNLOCK, 0x6000, 0 },
		ML2(0x7000, K4, 2),				/* EINVAL */
		ML2(0x7000, K4, 3),				/* EINVAL */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins: MLOCK_ONFAULT sets lo lf and does not populate; mlock over an
 * ONFAULT VMA clears lf (and populates that part); VM_DROPPABLE is never
 * locked but mlock2(ONFAULT) still populates it (populate skips only
 * LOCKONFAULT VMAs); read-only and shared VMAs lock without an anon_vma.
 */
TEST(mlock_live_onfault_droppable)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 2 * K4, RW, FX },
		ML2(0x0000, 2 * K4, MLOCK_ONFAULT),
		{ L_MLOCK, 0x0000, K4 },
		{ L_MMAP, 0x8000, 2 * K4, RW,
		  MAP_DROPPABLE | MAP_ANONYMOUS | MAP_FIXED },
		ML2(0x8000, 2 * K4, MLOCK_ONFAULT),
		{ L_MLOCK, 0x8000, 2 * K4 },
		{ L_MMAP, 0xc000, 2 * K4, PROT_READ, FX },
		{ L_MLOCK, 0xc000, 2 * K4 },
		{ L_MMAP, 0x10000, 2 * K4, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED },
		{ L_MLOCK, 0x10000, 2 * K4 },
		/* The populated droppable VMA is faulted: a new rw neighbour
		 * does not merge with it... */
		{ L_MMAP, 0xa000, 2 * K4, RW,
		  MAP_DROPPABLE | MAP_ANONYMOUS | MAP_FIXED },
		/* ...and the ONFAULT-locked one was not: unlocking it merges
		 * it with an unfaulted neighbour. */
		{ L_MMAP, 0x14000, 2 * K4, RW, FX },
		ML2(0x14000, 2 * K4, MLOCK_ONFAULT),
		{ L_MMAP, 0x16000, 2 * K4, RW, FX },
		{ L_MUNLOCK, 0x14000, 2 * K4 },
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/* Pins: locking part of a VMA splits it, locking the rest merges it back
 * (the populated pieces share one anon_vma), munlock merges again. */
TEST(mlock_live_split_merge)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 8 * K4, RW, FX },
		{ L_MLOCK, 0x2000, 2 * K4 },
		{ L_MLOCK, 0x4000, 2 * K4 },
		{ L_MLOCK, 0x0000, 8 * K4 },
		{ L_MUNLOCK, 0x3000, 2 * K4 },
		{ L_MUNLOCK, 0x0000, 8 * K4 },
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins: mlockall: 0, unknown bits and MCL_ONFAULT alone -> EINVAL;
 * MCL_CURRENT|MCL_ONFAULT locks every VMA lo lf (VM_SPECIAL / droppable
 * skipped); MCL_FUTURE makes later mmaps lo; munlockall clears all and
 * merges.  (MCL_CURRENT without ONFAULT would populate the whole test
 * process on the kernel side; it is checked on the model below.)
 */
TEST(mlock_live_mlockall)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 2 * K4, RW, FX },
		{ L_MMAP, 0x2000, 2 * K4, PROT_READ, FX },
		{ L_MMAP, 0x4000, 2 * K4, RW,
		  MAP_DROPPABLE | MAP_ANONYMOUS | MAP_FIXED },
		MLA(0),
		MLA(8),
		MLA(MCL_ONFAULT),
		MLA(MCL_CURRENT | MCL_ONFAULT),
		{ L_MPROTECT, 0x2000, 2 * K4, RW },
		MLA(MCL_FUTURE),
		{ L_MMAP, 0x8000, 2 * K4, PROT_READ, FX },
		MLA(MCL_FUTURE | MCL_ONFAULT),
		{ L_MMAP, 0xa000, 2 * K4, PROT_READ, FX },
		{ .op = L_MUNLOCKALL },
		{ L_MMAP, 0xc000, 2 * K4, PROT_READ, FX },
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins (non-root, RLIMIT_MEMLOCK 4 pages): locking past the limit ->
 * ENOMEM with nothing changed; pages already locked in the range do not
 * count twice; mlock2 flag errors come before the permission check;
 * munlock needs no permission.
 */
TEST(mlock_live_rlimit)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 2 * K4, RW, FX },
		{ L_MMAP, 0x8000, 4 * K4, RW, FX },
		{ L_MLOCK, 0x0000, 2 * K4 },
		{ L_MLOCK, 0x0000, 0 },
		{ L_MLOCK, 0x8000, 3 * K4 },		/* 5 > 4: ENOMEM */
		{ L_MLOCK, 0x0000, 2 * K4 },		/* already locked: 0 */
		{ L_MLOCK, 0x8000, 2 * K4 },		/* exactly 4: 0 */
		{ L_MLOCK, 0x9000, 2 * K4 },		/* 1 locked again: 0? */
		ML2(0x0000, K4, 4),			/* EINVAL */
		{ L_MUNLOCK, 0x0000, 2 * K4 },
		{ L_END },
	};
	struct uvma_config cfg;

	uvma_config_init(&cfg);
	cfg.rlimit_memlock = 4 * K4;
	LIVE_CHECK_CFG(ops, &cfg);
}

/* Pins (non-root, RLIMIT_MEMLOCK 0): mlock, mlock2 and mlockall -> EPERM
 * (flag errors first), munlock and munlockall work. */
TEST(mlock_live_no_permission)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 2 * K4, RW, FX },
		{ L_MLOCK, 0x0000, K4 },		/* EPERM */
		ML2(0x0000, K4, MLOCK_ONFAULT),		/* EPERM */
		ML2(0x0000, K4, 2),			/* EINVAL */
		MLA(MCL_FUTURE),			/* EPERM */
		MLA(16),				/* EINVAL */
		{ L_MUNLOCK, 0x0000, K4 },
		{ .op = L_MUNLOCKALL },
		{ L_END },
	};
	struct uvma_config cfg;

	uvma_config_init(&cfg);
	cfg.rlimit_memlock = 0;
	LIVE_CHECK_CFG(ops, &cfg);
}

/*
 * Model only (the kernel child's total_vm is the whole test process):
 * mlockall(MCL_CURRENT) compares total_vm - every mapped page, locked or
 * not - with RLIMIT_MEMLOCK: ENOMEM over it; MCL_FUTURE alone is fine.
 * MCL_CURRENT populates: the writable private VMA gets an anon_vma.
 */
TEST(mlockall_rlimit_total_vm)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;
	struct uvma_vma_info vi;

	uvma_config_init(&cfg);
	cfg.rlimit_memlock = 8 * K4;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 6 * K4, RW, FX, NULL, 0), 0x100000);
	ASSERT_EQ(uvma_mmap(mm, 0x200000, 3 * K4, PROT_READ, FX, NULL, 0),
		  0x200000);
	ASSERT_EQ(uvma_mlockall(mm, UVMA_MCL_CURRENT), -ENOMEM);
	ASSERT_EQ(uvma_vma_find(mm, 0x100000, &vi), 1);
	ASSERT_EQ(vi.flags & UVMA_VM_LOCKED, 0);
	ASSERT_EQ(uvma_mlockall(mm, UVMA_MCL_FUTURE), 0);
	ASSERT_EQ(uvma_munlockall(mm), 0);
	ASSERT_EQ(uvma_munmap(mm, 0x200000, 3 * K4), 0);
	ASSERT_EQ(uvma_mlockall(mm, UVMA_MCL_CURRENT), 0);
	ASSERT_EQ(uvma_vma_find(mm, 0x100000, &vi), 1);
	ASSERT_NE(vi.flags & UVMA_VM_LOCKED, 0);
	ASSERT_NE(vi.anon_vma, 0);
	/* 6 pages locked, limit 8: 3 more cannot be locked. */
	ASSERT_EQ(uvma_mmap(mm, 0x300000, 3 * K4, RW, FX, NULL, 0), 0x300000);
	ASSERT_EQ(uvma_mlock(mm, 0x300000, 3 * K4), -ENOMEM);
	ASSERT_EQ(uvma_mlock(mm, 0x300000, 2 * K4), 0);
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_mm_destroy(mm);
}

/* Model only: special mappings ([vdso], VM_SPECIAL) are skipped silently. */
TEST(mlock_special_skipped)
{
	struct uvma_mm *mm;
	struct uvma_vma_info vi;

	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	ASSERT_EQ(uvma_map_special(mm, UVMA_SPECIAL_VDSO, 0x7ffff7fc0000ull, 0), 0);
	ASSERT_EQ(uvma_map_special(mm, UVMA_SPECIAL_VVAR, 0x7ffff7fb0000ull, 0), 0);
	ASSERT_EQ(uvma_mlock(mm, 0x7ffff7fc0000ull, 2 * K4), 0);
	ASSERT_EQ(uvma_vma_find(mm, 0x7ffff7fc0000ull, &vi), 1);
	ASSERT_EQ(vi.flags & UVMA_VM_LOCKED, 0);
	/* VM_IO | VM_PFNMAP: not populated, no error either. */
	ASSERT_EQ(uvma_mlock(mm, 0x7ffff7fb0000ull, 4 * K4), 0);
	ASSERT_EQ(uvma_vma_find(mm, 0x7ffff7fb0000ull, &vi), 1);
	ASSERT_EQ(vi.flags & UVMA_VM_LOCKED, 0);
	uvma_mm_destroy(mm);
}

static char *snapshot(struct uvma_mm *mm)
{
	char *t = NULL;

	return uvma_smaps_text(mm, 0, &t, NULL) ? NULL : t;
}

/*
 * Allocation failure at every allocation of an mlock of an interior range
 * (two splits, then populate) and of an munlock merging three VMAs back:
 * the VMA change is all-or-nothing (-ENOMEM, unchanged); a failure in
 * populate comes after the lock bits are set, as in Linux, and is
 * -EAGAIN; nothing leaks.
 */
TEST(mlock_alloc_failure)
{
	for (int mode = 0; mode < 4; mode++) {
		int persistent = mode & 1, unlock = mode >> 1;

		for (uint64_t k = 1;; k++) {
			int64_t base = uvma_alloc_live(), live;
			struct uvma_mm *mm;
			char *before, *after;
			int r;

			ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
			ASSERT_EQ(uvma_mmap(mm, 0x100000, 8 * K4, RW, FX, NULL, 0),
				  0x100000);
			if (unlock)
				ASSERT_EQ(uvma_mlock(mm, 0x102000, 2 * K4), 0);
			live = uvma_alloc_live();
			before = snapshot(mm);
			ASSERT_NOT_NULL(before);
			uvma_alloc_fail_at(k, persistent);
			r = unlock ? uvma_munlock(mm, 0x100000, 8 * K4) :
				     uvma_mlock(mm, 0x102000, 2 * K4);
			uvma_alloc_fail_at(0, 0);
			after = snapshot(mm);
			ASSERT_NOT_NULL(after);
			ASSERT_EQ(uvma_mm_validate(mm), 0);
			if (r == 0) {
				ASSERT_MSG(strcmp(before, after) != 0,
					   "k=%ju: nothing changed", (uintmax_t)k);
			} else if (r == -EAGAIN) {
				ASSERT_EQ(unlock, 0);	/* populate failed */
			} else {
				ASSERT_EQ(r, -ENOMEM);
				ASSERT_STR_EQ(after, before);
			}
			uvma_text_free(before);
			uvma_text_free(after);
			if (r == -ENOMEM)
				ASSERT_EQ(uvma_alloc_live(), live);
			uvma_mm_destroy(mm);
			ASSERT_EQ(uvma_alloc_live(), base);
			if (r == 0)
				break;
			ASSERT_LT(k, 1000);
		}
	}
}
