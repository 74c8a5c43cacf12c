/* SPDX-License-Identifier: MIT */
/*
 * test_mseal.c - mseal(): argument checks, holes refused before any change,
 * VM_SEALED set with splits and merges, and everything a seal refuses in
 * the calls that exist (munmap, mprotect, mremap, mmap MAP_FIXED, madvise
 * discard advice, brk shrink), plus what it does not refuse (mlock).
 * LIVE_CHECK runs every script on this machine's kernel too; the comment
 * above each test says which kernel behaviour it pins (all checked live on
 * 6.18.44 while writing them).
 */
#include "live.h"

#define RW (PROT_READ | PROT_WRITE)
#define FX (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
#define K4 0x1000ull
/* An L_MREMAP step: mremap(old, old_len, new_len, flags, new). */
#define MR(old, olen, nlen, fl, new_) \
	{ .op = L_MREMAP, .a = (old), .b = (olen), .c = (nlen), .p = (fl), \
	  .d = (new_) }

/* Pins: flags != 0, unaligned start, a length rounding to 0 from near
 * 2^64, a wrapping range -> EINVAL; len 0 -> 0 even in a hole; a hole
 * anywhere (before, inside, after, above TASK_SIZE: no EINVAL there) ->
 * ENOMEM with nothing sealed. */
TEST(mseal_live_errors)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 2 * K4, RW, FX },
		{ L_MMAP, 0x2000, 2 * K4, PROT_READ, FX },
		{ L_MMAP, 0x5000, 2 * K4, PROT_READ, FX },
		{ L_MSEAL, 0x0001, K4 },			/* EINVAL */
		{ L_MSEAL, 0x0000, (uint64_t)-1 },		/* EINVAL */
		{ L_MSEAL, 0x0000, (uint64_t)-0x100000 },	/* EINVAL wrap */
		{ L_MSEAL, 0x4000, 0 },				/* 0 */
		{ L_MSEAL, 0x0000, 7 * K4 },			/* ENOMEM mid */
		{ L_MSEAL, 0x5000, 3 * K4 },			/* ENOMEM end */
		{ L_MSEAL, 0x4000, 3 * K4 },			/* ENOMEM start */
		{ L_MSEAL, 0x7ffffffff000ull, 2 * K4, 0, L_ABS },	/* ENOMEM */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/* Pins: flags != 0 is EINVAL before anything else. */
TEST(mseal_flags)
{
	struct uvma_mm *mm;

	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	ASSERT_EQ(uvma_mseal(mm, 0x10001, 1, 1), -EINVAL);
	ASSERT_EQ(uvma_mseal(mm, 0x10000, 0, 0), 0);
	uvma_mm_destroy(mm);
}

/*
 * Pins: sealing splits at the range's edges and seals each piece;
 * sealing a wider range later merges the sealed pieces back (VM_SEALED is
 * an ordinary flag for merging in 6.18).
 *
 * 0123456
 * AABB C      mseal [1,3): A|a*|b*|B
 * aabb C      mseal [0,4): two sealed VMAs (rw and r)
 */
TEST(mseal_live_split_merge)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 2 * K4, RW, FX },
		{ L_MMAP, 0x2000, 2 * K4, PROT_READ, FX },
		{ L_MMAP, 0x5000, 2 * K4, PROT_READ, FX },
		{ L_MSEAL, 0x1000, 2 * K4 },
		{ L_MSEAL, 0x0000, 4 * K4 },
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins: A B(sealed) C, all otherwise equal, sealed in one call becomes one
 * VMA: A merges into B, then C merges into it (the walk continues after
 * the merged VMA).
 */
TEST(mseal_live_merge_into_sealed)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 6 * K4, RW, FX },
		{ L_MSEAL, 0x2000, 2 * K4 },
		{ L_MSEAL, 0x0000, 6 * K4 },
		{ L_MMAP, 0x10000, 6 * K4, RW, FX | MAP_POPULATE },
		{ L_MSEAL, 0x12000, 2 * K4 },
		{ L_MSEAL, 0x11000, 4 * K4 },
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins: what a seal refuses.  munmap -> EPERM; an munmap that first
 * splits an unsealed VMA and then meets a sealed one keeps that split;
 * mprotect -> EPERM (nothing changed when the first VMA is sealed, the
 * earlier VMAs changed otherwise); mmap MAP_FIXED over it -> EPERM;
 * mremap of a sealed source (shrink, same size, grow, move) -> EPERM;
 * mremap FIXED onto a sealed destination -> EPERM.
 */
TEST(mseal_live_refusals)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 4 * K4, RW, FX },
		{ L_MSEAL, 0x0000, 2 * K4 },
		{ L_MUNMAP, 0x0000, K4 },			/* EPERM */
		{ L_MMAP, 0x5000, 2 * K4, PROT_READ, FX },
		{ L_MMAP, 0x8000, 2 * K4, PROT_READ, FX },
		{ L_MSEAL, 0x8000, 2 * K4 },
		{ L_MUNMAP, 0x6000, 4 * K4 },			/* split stays */
		{ L_MPROTECT, 0x8000, 2 * K4, RW },		/* EPERM */
		{ L_MMAP, 0xa000, 2 * K4, PROT_READ, FX },
		{ L_MPROTECT, 0x8000, 4 * K4, RW },		/* EPERM, none */
		{ L_MMAP, 0xc000, 2 * K4, PROT_READ, FX },
		{ L_MPROTECT, 0xc000, 2 * K4, RW },
		{ L_MPROTECT, 0x2000, 8 * K4, PROT_READ },	/* EPERM later */
		{ L_MMAP, 0x0000, K4, PROT_READ, FX },		/* EPERM */
		MR(0x0000, 2 * K4, K4, 0, 0),			/* EPERM */
		MR(0x0000, 2 * K4, 2 * K4, 0, 0),		/* EPERM */
		MR(0x0000, 0, K4, MREMAP_MAYMOVE, 0),		/* EPERM */
		MR(0x0000, K4, 3 * K4, MREMAP_MAYMOVE, 0),	/* EPERM */
		MR(0x0000, K4, K4, MREMAP_MAYMOVE | MREMAP_FIXED, 0x20000),
		MR(0x3000, K4, K4, MREMAP_MAYMOVE | MREMAP_FIXED, 0x0000),
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/* Pins: mlock and munlock are not refused: they split and merge sealed
 * VMAs (the sealed flag travels with the pieces). */
TEST(mseal_live_mlock_allowed)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 4 * K4, RW, FX },
		{ L_MSEAL, 0x0000, 4 * K4 },
		{ L_MLOCK, 0x1000, 2 * K4 },
		{ L_MUNLOCK, 0x0000, 4 * K4 },
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins: madvise discard advice (DONTNEED, FREE, DONTFORK, WIPEONFORK,
 * REMOVE, DONTNEED_LOCKED, GUARD_INSTALL) on a sealed read-only anonymous
 * VMA -> EPERM; on a sealed writable one it is allowed; DONTDUMP, COLD and
 * PAGEOUT are allowed on both.  Skipped until madvise exists.
 */
TEST(mseal_live_madvise)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 2 * K4, RW, FX },
		{ L_MMAP, 0x2000, 2 * K4, PROT_READ, FX },
		{ L_MSEAL, 0x0000, 4 * K4 },
		{ L_MADVISE, 0x2000, K4, MADV_DONTNEED },	/* EPERM */
		{ L_MADVISE, 0x0000, K4, MADV_DONTNEED },	/* 0: writable */
		{ L_MADVISE, 0x2000, K4, MADV_FREE },		/* EPERM */
		{ L_MADVISE, 0x2000, K4, MADV_DONTFORK },	/* EPERM */
		{ L_MADVISE, 0x2000, K4, MADV_WIPEONFORK },	/* EPERM */
		{ L_MADVISE, 0x2000, K4, MADV_REMOVE },		/* EPERM */
		{ L_MADVISE, 0x2000, K4, 24 },	/* DONTNEED_LOCKED: EPERM */
		{ L_MADVISE, 0x2000, K4, 102 },	/* GUARD_INSTALL: EPERM */
		{ L_MADVISE, 0x2000, K4, MADV_DONTDUMP },	/* 0, splits */
		{ L_MADVISE, 0x2000, K4, MADV_COLD },		/* 0 */
		{ L_MADVISE, 0x2000, K4, MADV_PAGEOUT },	/* 0 */
		{ L_END },
	};
	struct uvma_mm *mm;
	int probe;

	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	probe = uvma_madvise(mm, 0x10000, K4, UVMA_MADV_NORMAL);
	uvma_mm_destroy(mm);
	if (probe == -ENOSYS)
		return;		/* madvise not written yet */
	LIVE_CHECK(ops);
}

/*
 * Pins (SEMANTICS §13, §16): brk cannot shrink over a sealed heap; it
 * returns the old break and the heap stays.
 */
TEST(mseal_brk_shrink_refused)
{
	struct uvma_mm *mm;
	uint64_t brk;

	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	ASSERT_EQ(uvma_mm_set_brk_start(mm, 0x555555560000ull), 0);
	brk = uvma_brk(mm, 0x555555560000ull + 8 * K4);
	if (brk != 0x555555560000ull + 8 * K4) {
		uvma_mm_destroy(mm);
		return;		/* brk not written yet */
	}
	ASSERT_EQ(uvma_mseal(mm, 0x555555560000ull, 8 * K4, 0), 0);
	ASSERT_EQ_X(uvma_brk(mm, 0x555555560000ull + 2 * K4), brk);
	ASSERT_EQ(uvma_mm_map_count(mm), 1);
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_mm_destroy(mm);
}

/* Pins: sealing needs a split under the map-count limit: ENOMEM; a
 * partial state stays only when the second split of one VMA is refused. */
TEST(mseal_map_count)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;
	struct uvma_vma_info vi;

	uvma_config_init(&cfg);
	cfg.max_map_count = 2;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 4 * K4, RW, FX, NULL, 0), 0x100000);
	ASSERT_EQ(uvma_mmap(mm, 0x200000, 4 * K4, RW, FX, NULL, 0), 0x200000);
	/* map_count 2 == limit: any split is refused, nothing changes. */
	ASSERT_EQ(uvma_mseal(mm, 0x101000, K4, 0), -ENOMEM);
	ASSERT_EQ(uvma_mm_map_count(mm), 2);
	ASSERT_EQ(uvma_vma_find(mm, 0x100000, &vi), 1);
	ASSERT_EQ(vi.flags & UVMA_VM_SEALED, 0);
	/* A whole VMA needs no split. */
	ASSERT_EQ(uvma_mseal(mm, 0x200000, 4 * K4, 0), 0);
	ASSERT_EQ(uvma_vma_find(mm, 0x200000, &vi), 1);
	ASSERT_NE(vi.flags & UVMA_VM_SEALED, 0);
	uvma_mm_destroy(mm);

	/* Limit 3: the first split of an interior range is made, the second
	 * refused, and the first stays (as in Linux). */
	cfg.max_map_count = 3;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 4 * K4, RW, FX, NULL, 0), 0x100000);
	ASSERT_EQ(uvma_mmap(mm, 0x200000, 4 * K4, RW, FX, NULL, 0), 0x200000);
	ASSERT_EQ(uvma_mseal(mm, 0x101000, K4, 0), -ENOMEM);
	ASSERT_EQ(uvma_mm_map_count(mm), 3);
	ASSERT_EQ(uvma_vma_find(mm, 0x101000, &vi), 1);
	ASSERT_EQ_X(vi.start, 0x101000);
	ASSERT_EQ(vi.flags & UVMA_VM_SEALED, 0);
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_mm_destroy(mm);
}

/* snapshot() - the smaps text of @mm (caller frees with uvma_text_free). */
static char *snapshot(struct uvma_mm *mm)
{
	char *t = NULL;

	if (uvma_smaps_text(mm, 0, &t, NULL))
		return NULL;
	return t;
}

/*
 * Allocation failure, once and persistent, at every allocation: an mseal
 * inside one VMA (two splits, allocated before any change) fails with
 * -ENOMEM and changes nothing; one across three VMAs (a split, a merge
 * into a sealed neighbour) may keep the pieces sealed before the failure,
 * as Linux does, but never leaks and always validates.
 */
TEST(mseal_alloc_failure)
{
	for (int mode = 0; mode < 4; mode++) {
		int persistent = mode & 1, wide = mode >> 1;

		for (uint64_t k = 1;; k++) {
			struct uvma_mm *mm;
			char *before, *after;
			int64_t live, base = uvma_alloc_live();
			int r;

			ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
			ASSERT_EQ(uvma_mmap(mm, 0x100000, 4 * K4, RW, FX, NULL, 0),
				  0x100000);
			ASSERT_EQ(uvma_mmap(mm, 0x104000, 4 * K4, PROT_READ, FX,
					    NULL, 0), 0x104000);
			ASSERT_EQ(uvma_mseal(mm, 0x106000, 2 * K4, 0), 0);
			live = uvma_alloc_live();
			before = snapshot(mm);
			ASSERT_NOT_NULL(before);
			uvma_alloc_fail_at(k, persistent);
			r = uvma_mseal(mm, 0x101000, wide ? 6 * K4 : 2 * K4, 0);
			uvma_alloc_fail_at(0, 0);
			after = snapshot(mm);
			ASSERT_NOT_NULL(after);
			if (r == 0) {
				ASSERT_MSG(strcmp(before, after) != 0,
					   "k=%ju: nothing sealed", (uintmax_t)k);
				uvma_text_free(before);
				uvma_text_free(after);
				ASSERT_EQ(uvma_mm_validate(mm), 0);
				uvma_mm_destroy(mm);
				break;
			}
			ASSERT_EQ(r, -ENOMEM);
			if (!wide)
				ASSERT_STR_EQ(after, before);
			ASSERT_EQ(uvma_mm_validate(mm), 0);
			uvma_text_free(before);
			uvma_text_free(after);
			if (!wide)
				ASSERT_EQ(uvma_alloc_live(), live);
			uvma_mm_destroy(mm);
			/* Nothing outlives the address space. */
			ASSERT_EQ(uvma_alloc_live(), base);
			ASSERT_LT(k, 1000);
		}
	}
}
