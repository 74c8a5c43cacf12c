/* SPDX-License-Identifier: MIT */
/*
 * test_mremap.c - mremap(): the parameter checks and the per-VMA checks in
 * the kernel's order (EINVAL / EFAULT / EPERM / EAGAIN / ENOMEM
 * precedence), shrink (across VMAs), grow in place (merging with the next
 * VMA), move with MAYMOVE, FIXED (destination unmapped first), DONTUNMAP
 * (lock bits dropped on the whole source, VM_ACCOUNT kept), the 6.17+
 * multi-VMA move, pgoff rules after moves (faulted pieces keep theirs),
 * special mappings, RLIMIT_MEMLOCK growth, map-count headroom, allocation
 * failure.  LIVE_CHECK runs each script on this machine's kernel too; the
 * comment above each test names the kernel behaviour it pins (all checked
 * live on 6.18.44).
 */
#include "live.h"

#define RW (PROT_READ | PROT_WRITE)
#define FX (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
#define FXP (FX | MAP_POPULATE)
#define K4 0x1000ull
#define MAY MREMAP_MAYMOVE
#define FIX (MREMAP_MAYMOVE | MREMAP_FIXED)
#define DU (MREMAP_MAYMOVE | MREMAP_DONTUNMAP)
/* An L_MREMAP step: mremap(old, old_len, new_len, flags, new). */
#define MR(old, olen, nlen, fl, new_) \
	{ .op = L_MREMAP, .a = (old), .b = (olen), .c = (nlen), .p = (fl), \
	  .d = (new_) }
#define MRA(old, olen, nlen, fl, new_) \
	{ .op = L_MREMAP, .a = (old), .b = (olen), .c = (nlen), .p = (fl), \
	  .d = (new_), .f = L_ABS }

/*
 * Pins: check_mremap_params: unknown flags, unaligned addr, new_len 0 or
 * rounding to 0, new_len over TASK_SIZE, FIXED/DONTUNMAP without MAYMOVE,
 * new_addr unaligned or too high, DONTUNMAP with a length change (lengths
 * compared after rounding: 1 vs 4096 is equal), overlapping ranges ->
 * EINVAL, all before the VMA lookup (-> EFAULT).
 */
TEST(mremap_live_params)
{
	static const struct live_op ops[] = {
		MR(0x0000, K4, K4, 8, 0),
		MR(0x0001, K4, K4, 0, 0),
		MR(0x0000, K4, 0, 0, 0),
		MR(0x0000, K4, (uint64_t)-1, 0, 0),
		MR(0x0000, K4, 0x800000000000ull, 0, 0),
		MR(0x0000, K4, 0x7ffffffff000ull, 0, 0),	/* EFAULT */
		MR(0x0000, K4, K4, MREMAP_FIXED, 0x10001),
		MRA(LIVE_BASE, K4, K4, FIX, 0x7ffffffff001ull),
		MR(0x0000, K4, K4, MREMAP_FIXED, 0x10000),
		MR(0x0000, K4, 2 * K4, DU, 0x10000),
		MR(0x0000, 1, K4, DU, 0x10000),			/* EFAULT */
		MR(0x0000, 2 * K4, 2 * K4, FIX, K4),		/* overlap */
		MR(0x0000, (uint64_t)-1, K4, DU, 0x10000),	/* 0 vs 1 page */
		MRA(LIVE_BASE, K4, 2 * K4, FIX, 0x7ffffffff000ull),
		MR(0x0000, K4, K4, FIX, 0x10000),		/* EFAULT */
		MR(0x0000, 2 * K4, K4, 0, 0),			/* EFAULT */
		MR(0x0000, K4, K4, 0, 0),			/* EFAULT */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins: check_prep_vma: old_len 0 on a private mapping -> EINVAL (grow,
 * same size, FIXED); a grow or move running past the VMA -> EFAULT (before
 * ENOMEM for "cannot grow"); same size past the VMA and a shrink past it
 * (the unmap crosses into the hole) succeed; a shrink from inside.
 */
TEST(mremap_live_prep)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 4 * K4, RW, FX },
		MR(0x0000, 0, K4, MAY, 0),
		MR(0x0000, 0, K4, 0, 0),
		MR(0x0000, 0, K4, FIX, 0x100000),
		MR(0x0000, 5 * K4, 6 * K4, 0, 0),		/* EFAULT */
		MR(0x0000, 5 * K4, 5 * K4, FIX, 0x100000),	/* EFAULT */
		MR(0x0000, 5 * K4, 5 * K4, 0, 0),
		MR(0x0000, 6 * K4, 5 * K4, 0, 0),
		MR(0x1000, 3 * K4, 2 * K4, 0, 0),
		MR(0x1000, 2 * K4, 3 * K4, 0, 0),		/* ENOMEM */
		MR(0x0000, 4 * K4, 2 * K4, FIX, 0x100000),	/* EFAULT */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins: growth in place: into free space, absorbing an adjacent
 * compatible next VMA (one VMA results); blocked by a mapped next VMA
 * without MAYMOVE -> ENOMEM; a faulted VMA growing into an unfaulted next
 * merges with it; growth of a range that does not end at the VMA's end is
 * a move (MAYMOVE) or ENOMEM.
 */
TEST(mremap_live_grow_in_place)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 2 * K4, RW, FX },
		{ L_MMAP, 0x4000, 2 * K4, RW, FX },
		MR(0x0000, 2 * K4, 4 * K4, 0, 0),
		{ L_MMAP, 0xa000, 2 * K4, RW, FX },
		{ L_MMAP, 0xc000, 2 * K4, PROT_READ, FX },
		MR(0xa000, 2 * K4, 6 * K4, 0, 0),		/* ENOMEM */
		MR(0xa000, 2 * K4, 4 * K4, 0, 0),		/* ENOMEM */
		{ L_MMAP, 0x10000, 2 * K4, RW, FXP },
		{ L_MMAP, 0x13000, 2 * K4, RW, FX },
		MR(0x10000, 2 * K4, 3 * K4, 0, 0),
		{ L_MMAP, 0x20000, 4 * K4, RW, FX },
		MR(0x20000, 2 * K4, 3 * K4, 0, 0),		/* ENOMEM */
		MR(0x20000, 2 * K4, 3 * K4, MAY, 0),		/* moved away */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins: FIXED moves, pgoff rules: an unfaulted piece moved next to a
 * compatible VMA merges (pgoff reset to its new address); a faulted piece
 * keeps its pgoff and anon_vma: it does not merge with an unrelated
 * neighbour, but moved back to its old place it merges with the rest of
 * its VMA again; FIXED unmaps what was at the destination; FIXED with a
 * shrink shrinks the source first; FIXED with growth.
 */
TEST(mremap_live_fixed_pgoff)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 4 * K4, RW, FX },
		{ L_MMAP, 0x8000, 2 * K4, RW, FX },
		MR(0x0000, 2 * K4, 2 * K4, FIX, 0xa000),	/* merges */
		{ L_MMAP, 0x10000, 4 * K4, RW, FXP },
		{ L_MMAP, 0x18000, 2 * K4, RW, FXP },
		MR(0x12000, 2 * K4, 2 * K4, FIX, 0x1a000),	/* no merge */
		MR(0x1a000, 2 * K4, 2 * K4, FIX, 0x12000),	/* merges back */
		{ L_MMAP, 0x20000, 8 * K4, PROT_READ, FX },
		MR(0x10000, 2 * K4, 2 * K4, FIX, 0x22000),	/* replaces */
		MR(0x12000, 2 * K4, K4, FIX, 0x30000),		/* shrink+move */
		MR(0x18000, 2 * K4, 4 * K4, FIX, 0x38000),	/* grow+move */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins: old_len 0 (a second mapping of a shared one) with FIXED: the
 * overlap check compares an empty source, so a destination that covers
 * addr passes it; unmapping the destination takes the source with it and
 * the lookup after it fails -> EFAULT, the destination stays unmapped
 * (from below addr, and at addr itself).  A destination beside addr, or
 * over the source's other pages, maps the page at addr there.
 * fuzz_calls found the page model accepting EFAULT without the unmap.
 */
#define SH (MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED)
TEST(mremap_live_old_len_zero_fixed)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x00000, 3 * K4, RW, SH },
		MR(0x00000, 0, 2 * K4, FIX, 0x00000),		/* EFAULT */
		{ L_MMAP, 0x10000, 3 * K4, RW, SH },
		MR(0x11000, 0, K4, FIX, 0x10000),		/* beside */
		{ L_MMAP, 0x20000, 3 * K4, RW, SH },
		MR(0x21000, 0, 2 * K4, FIX, 0x20000),		/* EFAULT */
		{ L_MMAP, 0x30000, 3 * K4, RW, SH },
		MR(0x30000, 0, K4, FIX, 0x32000),		/* over the tail */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins: DONTUNMAP: moving half of a locked, populated VMA clears lo on
 * the whole source without splitting it, VM_ACCOUNT stays there, the
 * destination keeps lo ac; a whole unfaulted and a whole faulted VMA; the
 * new address is only a hint (taken when free).
 */
TEST(mremap_live_dontunmap)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 4 * K4, RW, FX | MAP_LOCKED },
		MR(0x0000, 2 * K4, 2 * K4, DU, 0x20000),
		{ L_MMAP, 0x8000, 4 * K4, RW, FX },
		MR(0x8000, 4 * K4, 4 * K4, DU, 0x28000),
		{ L_MMAP, 0x10000, 4 * K4, RW, FXP },
		MR(0x10000, 4 * K4, 4 * K4, DU, 0x30000),
		/* The source lost its anon_vma: a new neighbour merges. */
		{ L_MMAP, 0x14000, 4 * K4, RW, FX },
		MR(0x30000, 4 * K4, 4 * K4, DU, 0x40000),	/* hint free */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins: the 6.17+ multi-VMA move (FIXED, old_len == new_len): a range
 * starting in a hole -> EFAULT; the pieces move in order, gaps kept, the
 * part before the range stays; a sealed VMA in the middle -> EPERM after
 * the first piece moved; with DONTUNMAP; FIXED with a size change across
 * VMAs -> EFAULT.
 */
TEST(mremap_live_multi)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 2 * K4, RW, FX },
		{ L_MMAP, 0x2000, 2 * K4, PROT_READ, FX },
		{ L_MMAP, 0x5000, 2 * K4, RW, FX },
		MR(0x0000, 0, 0, 0, 0),				/* EINVAL */
		{ L_MMAP, 0x40000, K4, RW, FX },
		MR(0x3ff000, 8 * K4, 8 * K4, FIX, 0x80000),	/* EFAULT */
		MR(0x1000, 8 * K4, 8 * K4, FIX, 0x20000),
		{ L_MMAP, 0x50000, 2 * K4, RW, FX },
		{ L_MMAP, 0x52000, 2 * K4, PROT_READ, FX },
		{ L_MMAP, 0x55000, 2 * K4, RW, FX },
		{ L_MSEAL, 0x52000, 2 * K4 },
		MR(0x50000, 7 * K4, 7 * K4, FIX, 0x60000),	/* EPERM */
		{ L_MMAP, 0x70000, 2 * K4, RW, FXP },
		{ L_MMAP, 0x72000, 2 * K4, PROT_READ, FX },
		MR(0x70000, 4 * K4, 4 * K4, FIX | MREMAP_DONTUNMAP, 0x78000),
		MR(0x78000, 4 * K4, 6 * K4, FIX, 0x90000),	/* EFAULT */
		MR(0x100000, 4 * K4, 4 * K4, FIX, 0x110000),	/* EFAULT */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins: a FIXED | DONTUNMAP move of the first part of a VMA: the source VMA
 * stays whole, the move happens once (the multi-VMA walk must stop at the
 * end of the range even though the source is still mapped there).
 */
TEST(mremap_live_dontunmap_partial)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 6 * K4, PROT_NONE, FX },
		MR(0x0000, 3 * K4, 3 * K4, FIX | MREMAP_DONTUNMAP, 0x20000),
		{ L_MMAP, 0x40000, 6 * K4, RW, FX },
		MR(0x41000, 2 * K4, 2 * K4, FIX | MREMAP_DONTUNMAP, 0x60000),
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins: shrinking unmaps with munmap semantics (splits); a shrink whose
 * unmap covers a later VMA removes it too; sealed sources refuse every
 * mode (EPERM, before the EINVAL of old_len 0).
 */
/*
 * A multi-VMA DONTUNMAP move whose range ends inside the last VMA: the
 * walk stops at the end of the range (found by the differential test
 * against the page model: uvma kept finding the still-mapped source VMA
 * and moved it again and again).
 *
 * 0123456789abcdef     (pages from 0xa0000)
 * AABBBB               move [1,5) to 0xb0000, DONTUNMAP: A and B stay,
 *                      one page of A and three of B appear at 0xb0000
 */
TEST(mremap_live_multi_dontunmap_ends_inside)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0xa0000, 2 * K4, PROT_READ, FX },
		{ L_MMAP, 0xa2000, 4 * K4, RW, FX },
		MR(0xa1000, 4 * K4, 4 * K4, FIX | MREMAP_DONTUNMAP, 0xb0000),
		MR(0xa1000, 4 * K4, 4 * K4, FIX, 0xc0000),
		{ L_END },
	};

	LIVE_CHECK(ops);
}

TEST(mremap_live_shrink_sealed)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 2 * K4, RW, FX },
		{ L_MMAP, 0x2000, 2 * K4, PROT_READ, FX },
		MR(0x0000, 4 * K4, K4, 0, 0),
		{ L_MMAP, 0x8000, 4 * K4, RW, FX },
		{ L_MSEAL, 0x8000, 2 * K4 },
		MR(0x8000, 2 * K4, K4, 0, 0),			/* EPERM */
		MR(0x8000, 2 * K4, 2 * K4, 0, 0),		/* EPERM */
		MR(0x8000, 0, K4, MAY, 0),			/* EPERM */
		MR(0xa000, 2 * K4, K4, 0, 0),			/* ok */
		MR(0xa000, K4, K4, FIX, 0x8000),		/* EPERM dest */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins (non-root, RLIMIT_MEMLOCK 4 pages): growing a locked VMA past the
 * limit -> EAGAIN; up to the limit it grows in place and the new part is
 * populated (faulted: a new unfaulted neighbour still merges, 6.16+ rule).
 */
TEST(mremap_live_locked_growth)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 2 * K4, RW, FX | MAP_LOCKED },
		MR(0x0000, 2 * K4, 8 * K4, MAY, 0),		/* EAGAIN */
		MR(0x0000, 2 * K4, 4 * K4, MAY, 0),
		{ L_MMAP, 0x8000, 2 * K4, RW, FX },
		{ L_END },
	};
	struct uvma_config cfg;

	uvma_config_init(&cfg);
	cfg.rlimit_memlock = 4 * K4;
	LIVE_CHECK_CFG(ops, &cfg);
}

/*
 * Model only, with the live results for the kernel's [vdso] (2 pages,
 * VM_DONTEXPAND, may_split -EINVAL) and [vvar] (VM_PFNMAP|VM_IO):
 * growth -> EFAULT; DONTUNMAP -> EINVAL (before the EFAULT of a range
 * past the VMA); a shrink or a one-page move needs a split -> EINVAL; the
 * whole VMA moves (the mremap hook allows it).
 */
TEST(mremap_special)
{
	struct uvma_mm *mm;
	struct uvma_vma_info vi;
	uint64_t vdso = 0x7ffff7fc0000ull, vvar = 0x7ffff7fb0000ull;

	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	ASSERT_EQ(uvma_map_special(mm, UVMA_SPECIAL_VDSO, vdso, 0), 0);
	ASSERT_EQ(uvma_map_special(mm, UVMA_SPECIAL_VVAR, vvar, 0), 0);
	ASSERT_EQ(uvma_mremap(mm, vdso, 2 * K4, 3 * K4, 0, 0), -EFAULT);
	ASSERT_EQ(uvma_mremap(mm, vdso, 3 * K4, 4 * K4, 0, 0), -EFAULT);
	ASSERT_EQ(uvma_mremap(mm, vdso, 2 * K4, 2 * K4, DU, 0x100000), -EINVAL);
	ASSERT_EQ(uvma_mremap(mm, vdso, 3 * K4, 3 * K4, DU, 0x100000), -EINVAL);
	ASSERT_EQ(uvma_mremap(mm, vdso, 2 * K4, K4, 0, 0), -EINVAL);
	ASSERT_EQ(uvma_mremap(mm, vdso, K4, K4, FIX, 0x100000), -EINVAL);
	ASSERT_EQ(uvma_mremap(mm, vvar, 4 * K4, 5 * K4, 0, 0), -EFAULT);
	ASSERT_EQ(uvma_mremap(mm, vdso, 2 * K4, 2 * K4, FIX, 0x100000), 0x100000);
	ASSERT_EQ(uvma_vma_find(mm, 0x100000, &vi), 1);
	ASSERT_EQ_X(vi.start, 0x100000);
	ASSERT_STR_EQ(vi.special, "[vdso]");
	ASSERT_EQ(uvma_mm_map_count(mm), 2);
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_mm_destroy(mm);
}

/*
 * Model only (the kernel side would need 65k mappings): map-count
 * headroom.  A FIXED/DONTUNMAP request needs map_count + 2 < max - 3
 * (ENOMEM before the lookup: even with no VMA at addr); any move needs
 * map_count < max - 3; growth in place needs none.
 */
TEST(mremap_map_count)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;

	uvma_config_init(&cfg);
	cfg.max_map_count = 7;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 2 * K4, RW, FX, NULL, 0), 0x100000);
	ASSERT_EQ(uvma_mmap(mm, 0x200000, 2 * K4, PROT_READ, FX, NULL, 0), 0x200000);
	/* 2 + 2 >= 7 - 3 */
	ASSERT_EQ(uvma_mremap(mm, 0x900000, K4, K4, FIX, 0x800000), -ENOMEM);
	ASSERT_EQ(uvma_mremap(mm, 0x100000, K4, K4, DU, 0x800000), -ENOMEM);
	/* MAYMOVE growth that must move: 2 < 4 passes prep_move_vma. */
	ASSERT_EQ(uvma_mmap(mm, 0x102000, K4, PROT_READ, FX, NULL, 0), 0x102000);
	ASSERT_GT(uvma_mremap(mm, 0x100000, 2 * K4, 3 * K4, MAY, 0), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x300000, K4, RW, FX, NULL, 0), 0x300000);
	ASSERT_EQ(uvma_mmap(mm, 0x400000, K4, RW, FX, NULL, 0), 0x400000);
	/* 5 >= 4: a move is refused; growth in place is not. */
	ASSERT_EQ(uvma_mm_map_count(mm), 5);
	ASSERT_EQ(uvma_mremap(mm, 0x300000, K4, 2 * K4, MAY, 0), 0x300000);
	ASSERT_EQ(uvma_mmap(mm, 0x302000, K4, PROT_READ, FX, NULL, 0), 0x302000);
	ASSERT_EQ(uvma_mremap(mm, 0x300000, 2 * K4, 4 * K4, MAY, 0), -ENOMEM);
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_mm_destroy(mm);
}

static char *snapshot(struct uvma_mm *mm)
{
	char *t = NULL;

	return uvma_smaps_text(mm, 0, &t, NULL) ? NULL : t;
}

/*
 * Allocation failure at every allocation of: a move of an interior piece
 * (copy, then the source unmap with two splits), a grow in place that
 * absorbs the next VMA, a multi-VMA move.  Running out of memory before
 * the copy exists changes nothing and returns -ENOMEM; no leak ever.
 */
TEST(mremap_alloc_failure)
{
	for (int mode = 0; mode < 6; mode++) {
		int persistent = mode & 1, kind = mode >> 1;

		for (uint64_t k = 1;; k++) {
			int64_t base = uvma_alloc_live();
			struct uvma_mm *mm;
			char *before, *after;
			int64_t r, want;

			ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
			ASSERT_EQ(uvma_mmap(mm, 0x100000, 8 * K4, RW, FXP, NULL, 0),
				  0x100000);
			ASSERT_EQ(uvma_mmap(mm, 0x10a000, 2 * K4, RW, FX, NULL, 0),
				  0x10a000);
			ASSERT_EQ(uvma_mmap(mm, 0x10c000, 2 * K4, PROT_READ, FX,
					    NULL, 0), 0x10c000);
			ASSERT_EQ(uvma_mmap(mm, 0x110000, 2 * K4, PROT_READ, FX,
					    NULL, 0), 0x110000);
			before = snapshot(mm);
			ASSERT_NOT_NULL(before);
			uvma_alloc_fail_at(k, persistent);
			if (kind == 0) {
				want = 0x200000;
				r = uvma_mremap(mm, 0x102000, 2 * K4, 2 * K4, FIX,
						0x200000);
			} else if (kind == 1) {
				/* grows into [0x10e000, 0x110000), absorbing
				 * the read-only VMA at 0x110000 */
				want = 0x10c000;
				r = uvma_mremap(mm, 0x10c000, 2 * K4, 4 * K4, 0, 0);
			} else {
				want = 0x300000;
				r = uvma_mremap(mm, 0x106000, 8 * K4, 8 * K4, FIX,
						0x300000);
			}
			uvma_alloc_fail_at(0, 0);
			after = snapshot(mm);
			ASSERT_NOT_NULL(after);
			ASSERT_EQ(uvma_mm_validate(mm), 0);
			if (r != want) {
				ASSERT_EQ(r, -ENOMEM);
				if (kind == 1)
					ASSERT_STR_EQ(after, before);
			}
			uvma_text_free(before);
			uvma_text_free(after);
			uvma_mm_destroy(mm);
			ASSERT_EQ(uvma_alloc_live(), base);
			if (r == want)
				break;
			ASSERT_LT(k, 1000);
		}
	}
}
