/* SPDX-License-Identifier: MIT */
/*
 * test_anon_name.c - prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME) as
 * uvma_set_vma_anon_name().
 * Kernel rules pinned: this kernel has CONFIG_ANON_VMA_NAME off (every
 * prctl is -EINVAL, seen live), the model's default follows; with the
 * switch on, names are validated (under 80 bytes, no \\ ` $ [ ]) before
 * the range, an unaligned start is -EINVAL, len 0 is 0, a hole gives
 * -ENOMEM after the VMAs on both sides are named, and equal names merge.
 */
#include <errno.h>
#include <string.h>

#include "test.h"
#include "uvma/uvma.h"

#define PG 4096ull
#define RW (UVMA_PROT_READ | UVMA_PROT_WRITE)
#define PA (UVMA_MAP_PRIVATE | UVMA_MAP_ANONYMOUS | UVMA_MAP_FIXED)
#define B 0x200000000000ull

TEST(anon_name_rules)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;
	struct uvma_vma_info vi;
	char n79[80], n80[81];

	memset(n79, 'a', 79);
	n79[79] = 0;
	memset(n80, 'a', 80);
	n80[80] = 0;
	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, B, 2 * PG, RW, PA, NULL, 0), (int64_t)B);
	ASSERT_EQ(uvma_set_vma_anon_name(mm, B, PG, "x"), -EINVAL);
	ASSERT_EQ(uvma_set_vma_anon_name(mm, B, PG, NULL), -EINVAL);
	uvma_mm_destroy(mm);

	uvma_config_init(&cfg);
	cfg.anon_vma_name = true;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, B, 2 * PG, RW, PA, NULL, 0), (int64_t)B);
	ASSERT_EQ(uvma_mmap(mm, B + 3 * PG, 2 * PG, RW, PA, NULL, 0), (int64_t)(B + 3 * PG));
	ASSERT_EQ(uvma_set_vma_anon_name(mm, B, PG, n80), -EINVAL);
	ASSERT_EQ(uvma_set_vma_anon_name(mm, B, PG, "a$b"), -EINVAL);
	ASSERT_EQ(uvma_set_vma_anon_name(mm, B, PG, "a[b"), -EINVAL);
	ASSERT_EQ(uvma_set_vma_anon_name(mm, B + 1, PG, "ok"), -EINVAL);
	ASSERT_EQ(uvma_set_vma_anon_name(mm, B, 0, "ok"), 0);
	ASSERT_EQ(uvma_set_vma_anon_name(mm, B, PG, n79), 0);
	ASSERT_EQ(uvma_mm_map_count(mm), 3);
	/* Over the hole: both sides named, then -ENOMEM; equal names merge. */
	ASSERT_EQ(uvma_set_vma_anon_name(mm, B, 5 * PG, "buf"), -ENOMEM);
	ASSERT_EQ(uvma_mm_map_count(mm), 2);
	ASSERT_EQ(uvma_vma_find(mm, B, &vi), 1);
	ASSERT_STR_EQ(vi.anon_name, "buf");
	ASSERT_EQ(uvma_set_vma_anon_name(mm, B, 5 * PG, NULL), -ENOMEM);
	ASSERT_EQ(uvma_vma_find(mm, B + 3 * PG, &vi), 1);
	ASSERT_NULL(vi.anon_name);
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_mm_destroy(mm);
}
