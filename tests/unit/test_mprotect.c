/* SPDX-License-Identifier: MIT */
/*
 * test_mprotect.c - mprotect(): argument checks in order, the VMA walk
 * that stops at a hole with earlier VMAs changed, PROT_GROWSDOWN,
 * VM_ACCOUNT dropped for unfaulted anonymous memory going read-only and
 * added back (SEMANTICS §11, §25.6, §25.8), EACCES from VM_MAY*, limits,
 * allocation failure.  LIVE_CHECK compares with the kernel.
 */
#include "live.h"

#define RW (PROT_READ | PROT_WRITE)
#define FX (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
#define K4 0x1000ull

/* Pins: argument checks: GROWSDOWN|GROWSUP, alignment, len 0 before prot
 * validation, wrap, unknown bits, the pkey check. */
TEST(mprotect_live_errors)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x10000, 8 * K4, RW, FX },
		{ L_MPROTECT, 0x10000, K4, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP },
		{ L_MPROTECT, 0x10001, K4, PROT_READ },		/* EINVAL */
		{ L_MPROTECT, 0x10000, 0, 0x1000 },		/* 0: len first */
		{ L_MPROTECT, 0x10000, (uint64_t)-4096, PROT_READ },	/* ENOMEM wrap */
		{ L_MPROTECT, 0x10000, K4, 0x10 },		/* EINVAL prot */
		{ L_MPROTECT, 0x10000, K4, PROT_READ | UVMA_PROT_SEM },	/* SEM ok */
		{ L_MPROTECT, 0x30000, K4, PROT_READ },		/* ENOMEM hole */
		{ L_MPROTECT, 0x0f000, 2 * K4, PROT_READ },	/* starts in hole */
		{ L_MPROTECT, 0x10000, K4, PROT_READ | PROT_GROWSUP },	/* EINVAL */
		{ L_MPROTECT, 0x10000, K4, PROT_READ | PROT_GROWSDOWN },	/* EINVAL */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/* Pins: earlier VMAs stay changed when the walk meets a hole or runs past
 * the last VMA (ENOMEM). */
TEST(mprotect_live_partial)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x00000, 4 * K4, RW, FX },
		{ L_MMAP, 0x04000, 4 * K4, PROT_READ, FX },
		{ L_MMAP, 0x0c000, 4 * K4, RW, FX },
		{ L_MPROTECT, 0x02000, 0x10000, PROT_NONE },	/* hole at 0x8000 */
		{ L_MMAP, 0x20000, 4 * K4, RW, FX },
		{ L_MPROTECT, 0x22000, 0x100000, PROT_READ },	/* past the end */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/* Pins: VM_ACCOUNT: an unfaulted rw piece made read-only loses ac and
 * merges back when made rw again; a populated (faulted) one keeps ac. */
TEST(mprotect_live_account)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x00000, 8 * K4, RW, FX },
		{ L_MPROTECT, 0x02000, 2 * K4, PROT_READ },
		{ L_MPROTECT, 0x02000, 2 * K4, RW },
		{ L_MMAP, 0x10000, 8 * K4, RW, FX | MAP_POPULATE },
		{ L_MPROTECT, 0x12000, 2 * K4, PROT_READ },
		{ L_MPROTECT, 0x12000, 2 * K4, RW },
		{ L_MMAP, 0x20000, 8 * K4, PROT_READ, FX },	/* no ac at all */
		{ L_MPROTECT, 0x20000, 8 * K4, RW },		/* ac added */
		{ L_MMAP, 0x30000, 8 * K4, RW, FX | MAP_NORESERVE },
		{ L_MPROTECT, 0x30000, 8 * K4, PROT_READ },
		{ L_MPROTECT, 0x30000, 8 * K4, RW },		/* nr: still no ac */
		{ L_MMAP, 0x40000, 8 * K4, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED },
		{ L_MPROTECT, 0x42000, 2 * K4, PROT_READ },	/* shmem split */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/* Pins: merges with both neighbours, and the PROT_GROWSDOWN extension. */
TEST(mprotect_live_merge_growsdown)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x00000, 4 * K4, PROT_READ, FX },
		{ L_MMAP, 0x04000, 4 * K4, RW, FX },
		{ L_MMAP, 0x08000, 4 * K4, PROT_READ, FX },
		{ L_MPROTECT, 0x04000, 4 * K4, PROT_READ },	/* merge all three */
		{ L_MMAP, 0x100000, 8 * K4, RW, FX | MAP_GROWSDOWN },
		{ L_MPROTECT, 0x104000, K4, PROT_READ | PROT_GROWSDOWN },	/* from VMA start */
		{ L_MPROTECT, 0x0ff000, 2 * K4, RW | PROT_GROWSDOWN },	/* start in hole */
		{ L_MMAP, 0x200000, 4 * K4, PROT_READ | PROT_EXEC, FX },
		{ L_MPROTECT, 0x201000, K4, PROT_EXEC },		/* exec only */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/* EACCES: a shared mapping of a read-only file cannot become writable;
 * exec on a noexec mount (no VM_MAYEXEC); the walk stops there. */
TEST(mprotect_eacces)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;
	struct uvma_file_desc d = { .path = "/f", .open_flags = UVMA_O_RDONLY,
				    .flags = UVMA_FILE_NOEXEC };
	struct uvma_file *f;
	struct uvma_vma_info vi;

	live_config(&cfg);
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_file_create(&d, &f), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 4 * K4, RW, FX, NULL, 0), 0x100000);
	ASSERT_EQ(uvma_mmap(mm, 0x104000, 4 * K4, PROT_READ, MAP_SHARED | MAP_FIXED, f, 0), 0x104000);
	ASSERT_EQ(uvma_mprotect(mm, 0x100000, 8 * K4, RW), -EACCES);
	ASSERT_EQ(uvma_mprotect(mm, 0x100000, 8 * K4, PROT_READ), 0);
	ASSERT_EQ(uvma_mprotect(mm, 0x100000, 8 * K4, PROT_EXEC), -EACCES);
	/* The first VMA was changed before the second refused. */
	ASSERT_EQ(uvma_vma_find(mm, 0x100000, &vi), 1);
	ASSERT_EQ_X(vi.flags & 7, 4);
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_file_unref(f);
	uvma_mm_destroy(mm);
}

/* Splitting in three at the map-count limit: the first split stays. */
TEST(mprotect_split_limit_partial)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;

	live_config(&cfg);
	cfg.max_map_count = 2;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 16 * K4, RW, FX, NULL, 0), 0x100000);
	ASSERT_EQ(uvma_mprotect(mm, 0x104000, K4, PROT_READ), -ENOMEM);
	ASSERT_EQ(uvma_mm_map_count(mm), 2);	/* [0,4) split off, stays */
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_mm_destroy(mm);
}

/* RLIMIT_DATA: turning read-only private memory writable counts as data. */
TEST(mprotect_limits)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;

	live_config(&cfg);
	cfg.rlimit_data = 4 * K4;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 8 * K4, PROT_READ, FX, NULL, 0), 0x100000);
	ASSERT_EQ(uvma_mprotect(mm, 0x100000, 8 * K4, RW), -ENOMEM);
	ASSERT_EQ(uvma_mprotect(mm, 0x100000, 4 * K4, RW), 0);
	uvma_mm_destroy(mm);

	live_config(&cfg);
	cfg.overcommit_memory = 2;
	cfg.ram_bytes = 64ull << 20;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 64ull << 20, PROT_READ, FX, NULL, 0), 0x100000);
	ASSERT_EQ(uvma_mprotect(mm, 0x100000, 64ull << 20, RW), -ENOMEM);
	ASSERT_EQ(uvma_mm_map_count(mm), 1);
	uvma_mm_destroy(mm);
}

TEST(mprotect_oom)
{
	for (int persistent = 0; persistent < 2; persistent++) {
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
			ASSERT_EQ(uvma_smaps_text(mm, 0, &before, NULL), 0);
			live0 = uvma_alloc_live();
			uvma_alloc_fail_at(k, persistent);
			r = uvma_mprotect(mm, 0x104000, 4 * K4, PROT_READ);
			uvma_alloc_fail_at(0, 0);
			ASSERT_EQ(uvma_mm_validate(mm), 0);
			if (r == 0) {
				ASSERT_EQ(uvma_mm_map_count(mm), 3);
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
