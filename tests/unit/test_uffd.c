/* SPDX-License-Identifier: MIT */
/*
 * test_uffd.c - userfaultfd register / unregister / close.
 * Expected values are what this machine's 6.18.44 kernel did for the same
 * calls (probe run while writing): mode 0, unknown mode bits, len 0 and a
 * range without VMAs are -EINVAL; holes inside the range are skipped;
 * another context's VMA is -EBUSY (register) / -EINVAL (unregister);
 * re-registering with WP replaces MISSING on that piece; MINOR on
 * anonymous memory and any mode on droppable memory are -EINVAL; PROT_NONE
 * anonymous memory registers; close unregisters and re-merges.
 */
#include <errno.h>

#include "live.h"
#include "test.h"
#include "uvma/uvma.h"

#define PG 4096ull
#define RW (UVMA_PROT_READ | UVMA_PROT_WRITE)
#define PA (UVMA_MAP_PRIVATE | UVMA_MAP_ANONYMOUS | UVMA_MAP_FIXED)
#define B 0x200000000000ull
#define UM 0x200ull
#define UW 0x1000ull

static int nvmas(struct uvma_mm *mm)
{
	return (int)uvma_mm_map_count(mm);
}

TEST(uffd_register_rules)
{
	struct uvma_mm *mm;
	struct uvma_uffd *u, *u2;
	struct uvma_vma_info vi;
	int64_t live = uvma_alloc_live();

	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, B, 4 * PG, RW, PA, NULL, 0), (int64_t)B);
	ASSERT_EQ(uvma_mmap(mm, B + 5 * PG, 2 * PG, RW, PA, NULL, 0), (int64_t)(B + 5 * PG));
	ASSERT_EQ(uvma_uffd_create(mm, 1ull << 40, &u), -EINVAL);
	ASSERT_EQ(uvma_uffd_create(mm, 0, &u), 0);
	ASSERT_EQ(uvma_uffd_create(mm, UVMA_UFFD_FEATURE_EVENT_FORK, &u2), 0);
	ASSERT_EQ(uvma_uffd_register(u, B, 0, 1), -EINVAL);
	ASSERT_EQ(uvma_uffd_register(u, B, PG, 0), -EINVAL);
	ASSERT_EQ(uvma_uffd_register(u, B, PG, 8), -EINVAL);
	ASSERT_EQ(uvma_uffd_register(u, B + 8 * PG, 2 * PG, 1), -EINVAL);
	ASSERT_EQ(uvma_uffd_register(u, B + 1, PG, 1), -EINVAL);
	/* [1,6) over the hole at 4: 0 | 1-4 um | 5-6 um | 6-7 */
	ASSERT_EQ(uvma_uffd_register(u, B + PG, 5 * PG, 1), 0);
	ASSERT_EQ(nvmas(mm), 4);
	ASSERT_EQ(uvma_vma_find(mm, B + PG, &vi), 1);
	ASSERT_EQ_X(vi.end, B + 4 * PG);
	ASSERT_EQ(vi.flags & (UM | UW), UM);
	ASSERT_EQ(uvma_uffd_register(u2, B, 2 * PG, 1), -EBUSY);
	ASSERT_EQ(uvma_uffd_register(u, B + PG, PG, 2), 0);
	ASSERT_EQ(uvma_vma_find(mm, B + PG, &vi), 1);
	ASSERT_EQ(vi.flags & (UM | UW), UW);
	ASSERT_EQ(uvma_uffd_register(u, B, PG, 4), -EINVAL);
	ASSERT_EQ(uvma_uffd_unregister(u2, B, 8 * PG), -EINVAL);
	ASSERT_EQ(uvma_uffd_unregister(u, B, 8 * PG), 0);
	ASSERT_EQ(nvmas(mm), 2);
	ASSERT_EQ(uvma_uffd_register(u, B + PG, 2 * PG, 1), 0);
	ASSERT_EQ(uvma_uffd_register(u, B + 5 * PG, PG, 1), 0);
	ASSERT_EQ(nvmas(mm), 5);
	uvma_uffd_close(u);
	ASSERT_EQ(nvmas(mm), 2);
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	/* PROT_NONE registers; droppable does not. */
	ASSERT_EQ(uvma_mmap(mm, B + 10 * PG, PG, 0, PA, NULL, 0), (int64_t)(B + 10 * PG));
	ASSERT_EQ(uvma_uffd_register(u2, B + 10 * PG, PG, 1), 0);
	ASSERT_EQ(uvma_mmap(mm, B + 12 * PG, PG, RW,
			    UVMA_MAP_DROPPABLE | UVMA_MAP_ANONYMOUS | UVMA_MAP_FIXED,
			    NULL, 0), (int64_t)(B + 12 * PG));
	ASSERT_EQ(uvma_uffd_register(u2, B + 12 * PG, PG, 1), -EINVAL);
	uvma_mm_destroy(mm);
	/* The mm is gone: the context is unusable, then freed. */
	ASSERT_EQ(uvma_uffd_register(u2, B, PG, 1), -EBADF);
	uvma_uffd_close(u2);
	ASSERT_EQ(uvma_alloc_live(), live);
}

TEST(uffd_register_oom)
{
	for (uint64_t k = 1;; k++) {
		struct uvma_mm *mm;
		struct uvma_uffd *u;
		int r;

		ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
		ASSERT_EQ(uvma_mmap(mm, B, 4 * PG, RW, PA, NULL, 0), (int64_t)B);
		ASSERT_EQ(uvma_uffd_create(mm, 0, &u), 0);
		uvma_alloc_fail_at(k, 0);
		r = uvma_uffd_register(u, B + PG, PG, 1);
		uvma_alloc_fail_at(0, 0);
		ASSERT_EQ(uvma_mm_validate(mm), 0);
		if (r == 0) {
			ASSERT_EQ(nvmas(mm), 3);
			uvma_uffd_close(u);
			ASSERT_EQ(nvmas(mm), 1);
			uvma_mm_destroy(mm);
			break;
		}
		ASSERT_EQ(r, -ENOMEM);
		ASSERT_EQ(nvmas(mm), 1);
		uvma_uffd_close(u);
		uvma_mm_destroy(mm);
		ASSERT_LT(k, 50);
	}
}

/*
 * The same rules on the live kernel: both sides run one script (two
 * contexts, a hole, -EBUSY across contexts, WP replacing MISSING, MINOR
 * refused on anonymous memory, unregister, close re-merging) and must
 * agree on every result and every VMA with its um/uw flags.
 */
TEST(uffd_live)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0, 4 * PG, RW, PA },
		{ L_MMAP, 5 * PG, 2 * PG, RW, PA },
		{ L_UFFD, .p = 0, .b = 0 },
		{ L_UFFD, .p = 1, .b = UVMA_UFFD_FEATURE_EVENT_FORK },
		{ L_UREG, 0, 0, .p = 0, .c = 1 },		/* len 0 */
		{ L_UREG, 0, PG, .p = 0, .c = 0 },		/* no mode */
		{ L_UREG, 0, PG, .p = 0, .c = 8 },		/* bad mode */
		{ L_UREG, 8 * PG, 2 * PG, .p = 0, .c = 1 },	/* no VMA */
		{ L_UREG, 1, PG, .p = 0, .c = 1 },		/* unaligned */
		{ L_UREG, PG, 5 * PG, .p = 0, .c = 1 },	/* over the hole */
		{ L_UREG, 0, 2 * PG, .p = 1, .c = 1 },		/* EBUSY */
		{ L_UREG, PG, PG, .p = 0, .c = 2 },		/* WP */
		{ L_UREG, 0, PG, .p = 0, .c = 4 },		/* MINOR, anon */
		{ L_UUNREG, 0, 8 * PG, .p = 1 },
		{ L_UUNREG, 0, 8 * PG, .p = 0 },
		{ L_UREG, PG, 2 * PG, .p = 0, .c = 1 },
		{ L_UREG, 5 * PG, PG, .p = 0, .c = 3 },
		{ L_UCLOSE, .p = 0 },
		{ L_MMAP, 10 * PG, PG, 0, PA },
		{ L_UREG, 10 * PG, PG, .p = 1, .c = 1 },	/* PROT_NONE */
		{ L_MMAP, 12 * PG, 3 * PG, RW, PA },
		{ L_UREG, 13 * PG, PG, .p = 1, .c = 2 },	/* middle: split */
		{ L_END },
	};

	LIVE_CHECK(ops);
}
