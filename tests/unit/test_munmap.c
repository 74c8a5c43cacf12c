/* SPDX-License-Identifier: MIT */
/*
 * test_munmap.c - munmap(): argument errors, holes, splits, the
 * hole-punch map-count limit (-ENOMEM at map_count >= max, while mmap
 * refuses only above max: SEMANTICS §25.7), no merging afterwards,
 * accounting, allocation failure.  LIVE_CHECK compares with the kernel.
 */
#include "live.h"

#define RW (PROT_READ | PROT_WRITE)
#define FX (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
#define K4 0x1000ull

/* Pins: argument checks (do_vmi_munmap) and holes returning 0. */
TEST(munmap_live_errors)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x10000, 8 * K4, RW, FX },
		{ L_MUNMAP, 0x10001, K4 },			/* EINVAL */
		{ L_MUNMAP, 0x10000, 0 },			/* EINVAL */
		{ L_MUNMAP, 0x90000, K4 },			/* hole: 0 */
		{ L_MUNMAP, 0x11000, 1 },			/* len rounds up */
		{ L_MUNMAP, 0x13000, (uint64_t)-1 },		/* EINVAL: past TASK_SIZE */
		{ L_MUNMAP, 0x800000000000ull - LIVE_BASE, K4 },	/* start > TASK_SIZE */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/* Pins: splits at both ends, several VMAs and holes, no re-merge. */
TEST(munmap_live_splits)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x00000, 16 * K4, RW, FX },
		{ L_MMAP, 0x20000, 16 * K4, PROT_READ, FX },
		{ L_MMAP, 0x40000, 16 * K4, RW, FX },
		{ L_MUNMAP, 0x04000, 4 * K4 },		/* interior: 2 pieces */
		{ L_MUNMAP, 0x0c000, 0x38000 },		/* across holes and VMAs */
		{ L_MMAP, 0x04000, 4 * K4, RW, FX },	/* refill: merges again */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Pins: munmap of one VMA's whole or tail (the gather's no-walk path):
 * between touching neighbours, from a hole up to a VMA's end, a locked
 * one, a sealed one (-EPERM, nothing changes), a tail, a sealed tail, and
 * ranges one page short or long (the general path).
 */
TEST(munmap_live_whole_vma)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x00000, 4 * K4, RW, FX },
		{ L_MMAP, 0x04000, 4 * K4, PROT_READ, FX },
		{ L_MMAP, 0x08000, 4 * K4, RW, FX | MAP_LOCKED },
		{ L_MMAP, 0x10000, 4 * K4, PROT_READ, FX },
		{ L_MMAP, 0x18000, 4 * K4, RW, FX },
		{ L_MMAP, 0x20000, 4 * K4, PROT_READ, FX },
		{ L_MUNMAP, 0x04000, 4 * K4 },		/* touching on both sides */
		{ L_MUNMAP, 0x0c000, 0x8000 },		/* hole, then all of a VMA */
		{ L_MSEAL, 0x18000, 4 * K4 },
		{ L_MUNMAP, 0x18000, 4 * K4 },		/* EPERM */
		{ L_MMAP, 0x18000, 4 * K4, PROT_READ, FX },	/* EPERM */
		{ L_MUNMAP, 0x08000, 4 * K4 },		/* locked */
		{ L_MUNMAP, 0x20000, 3 * K4 },		/* one page short */
		{ L_MMAP, 0x04000, 4 * K4, RW, FX },	/* merges with the first */
		{ L_MUNMAP, 0x00000, 0x9000 },		/* one page long */
		{ L_MMAP, 0x28000, 4 * K4, RW, FX | MAP_LOCKED },
		{ L_MMAP, 0x2c000, 4 * K4, PROT_READ, FX },
		{ L_MUNMAP, 0x2a000, 2 * K4 },		/* locked tail, next touching */
		{ L_MUNMAP, 0x19000, 3 * K4 },		/* sealed tail: EPERM */
		{ L_MUNMAP, 0x2f000, K4 },		/* last page of the last VMA */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * A sealed VMA removed whole: munmap (no walk) and MAP_FIXED over it (the
 * gather's general path) refuse with -EPERM before they allocate
 * anything, as Linux checks the seal of an unsplit VMA first: under any
 * allocation failure the answer stays -EPERM and nothing changes.
 */
TEST(munmap_whole_sealed_refused_before_allocating)
{
	struct uvma_config cfg;
	struct uvma_mm *a, *b;
	int64_t ra, rb;
	uint64_t seen_a, seen_b;

	live_config(&cfg);
	ASSERT_EQ(uvma_mm_create(&cfg, &a), 0);
	ASSERT_EQ(uvma_mm_create(&cfg, &b), 0);
	ASSERT_EQ(uvma_mmap(a, 0x100000, 4 * K4, RW, FX, NULL, 0), 0x100000);
	ASSERT_EQ(uvma_mmap(b, 0x100000, 4 * K4, RW, FX, NULL, 0), 0x100000);
	ASSERT_EQ(uvma_mseal(a, 0x100000, 4 * K4, 0), 0);
	ASSERT_EQ(uvma_mseal(b, 0x100000, 4 * K4, 0), 0);
	uvma_alloc_fail_at(1, 1);	/* every allocation fails */
	ra = uvma_munmap(a, 0x100000, 4 * K4);
	seen_a = uvma_alloc_seen();
	uvma_alloc_fail_at(1, 1);
	rb = uvma_mmap(b, 0x100000, 4 * K4, PROT_READ, FX, NULL, 0);
	seen_b = uvma_alloc_seen();
	uvma_alloc_fail_at(0, 0);
	ASSERT_EQ(ra, -EPERM);
	ASSERT_EQ(rb, -EPERM);
	ASSERT_EQ(seen_a, 0);
	ASSERT_EQ(seen_b, 0);
	ASSERT_EQ(uvma_mm_map_count(a), 1);
	ASSERT_EQ(uvma_mm_map_count(b), 1);
	ASSERT_EQ(uvma_mm_validate(a), 0);
	ASSERT_EQ(uvma_mm_validate(b), 0);
	uvma_mm_destroy(a);
	uvma_mm_destroy(b);
}

/* The map-count limit: munmap inside a VMA needs one slot (model-only:
 * the live limit is a system-wide sysctl). */
TEST(munmap_map_count_limit)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;

	live_config(&cfg);
	cfg.max_map_count = 3;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 16 * K4, RW, FX, NULL, 0), 0x100000);
	ASSERT_EQ(uvma_mmap(mm, 0x200000, 16 * K4, RW, FX, NULL, 0), 0x200000);
	ASSERT_EQ(uvma_mmap(mm, 0x300000, 16 * K4, RW, FX, NULL, 0), 0x300000);
	/* map_count 3 == max: a hole punch is refused, nothing changed. */
	ASSERT_EQ(uvma_munmap(mm, 0x104000, K4), -ENOMEM);
	ASSERT_EQ(uvma_mm_map_count(mm), 3);
	/* Trimming an end needs no slot. */
	ASSERT_EQ(uvma_munmap(mm, 0x100000, K4), 0);
	ASSERT_EQ(uvma_munmap(mm, 0x10f000, K4), 0);
	/* ... and neither does a range that starts inside one VMA and ends
	 * inside the next (two splits, but the count stays). */
	ASSERT_EQ(uvma_munmap(mm, 0x208000, 0x100000), 0);
	ASSERT_EQ(uvma_mm_map_count(mm), 3);
	/* mmap is refused only above the limit: map_count 3 may still map. */
	ASSERT_EQ(uvma_mmap(mm, 0x500000, K4, RW, FX, NULL, 0), 0x500000);
	ASSERT_EQ(uvma_mm_map_count(mm), 4);
	ASSERT_EQ(uvma_mmap(mm, 0x600000, K4, RW, FX, NULL, 0), -ENOMEM);
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_mm_destroy(mm);
}

/* Unmapping gives back RLIMIT_AS room and the VM_ACCOUNT charge. */
TEST(munmap_accounting)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;

	live_config(&cfg);
	cfg.rlimit_as = 16 * K4;
	cfg.overcommit_memory = 2;
	cfg.ram_bytes = 64ull << 20;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(uvma_mmap(mm, 0x100000, 16 * K4, RW, FX, NULL, 0), 0x100000);
		ASSERT_EQ(uvma_mmap(mm, 0x200000, K4, RW, FX, NULL, 0), -ENOMEM);
		ASSERT_EQ(uvma_munmap(mm, 0x100000, 16 * K4), 0);
	}
	uvma_mm_destroy(mm);
}

TEST(munmap_oom)
{
	for (int run = 0; run < 6; run++) {
		const int persistent = run & 1, shape = run >> 1;

		for (uint64_t k = 1;; k++) {
			struct uvma_config cfg;
			struct uvma_mm *mm;
			char *before, *after;
			int64_t live0;
			int r;

			ASSERT(k < 100);
			live_config(&cfg);
			ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
			ASSERT_EQ(uvma_mmap(mm, 0x100000, 16 * K4, RW, FX, NULL, 0), 0x100000);
			ASSERT_EQ(uvma_mmap(mm, 0x110000, 16 * K4, PROT_READ, FX, NULL, 0), 0x110000);
			ASSERT_EQ(uvma_smaps_text(mm, 0, &before, NULL), 0);
			live0 = uvma_alloc_live();
			uvma_alloc_fail_at(k, persistent);
			/* Across two VMAs; all of the first, its tail (no walk). */
			r = shape == 0 ? uvma_munmap(mm, 0x104000, 0x10000) :
			    shape == 1 ? uvma_munmap(mm, 0x100000, 16 * K4) :
					 uvma_munmap(mm, 0x104000, 12 * K4);
			uvma_alloc_fail_at(0, 0);
			ASSERT_EQ(uvma_mm_validate(mm), 0);
			if (r == 0) {
				ASSERT_EQ(uvma_mm_map_count(mm), shape == 1 ? 1 : 2);
				uvma_text_free(before);
				uvma_mm_destroy(mm);
				break;
			}
			ASSERT_EQ(r, -ENOMEM);
			ASSERT_EQ(uvma_alloc_live(), live0);
			ASSERT_EQ(uvma_smaps_text(mm, 0, &after, NULL), 0);
			ASSERT_STR_EQ(after, before);
			uvma_text_free(before);
			uvma_text_free(after);
			uvma_mm_destroy(mm);
		}
	}
}
