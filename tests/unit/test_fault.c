/* SPDX-License-Identifier: MIT */
/*
 * test_fault.c - page faults and exec stack setup (uvma_fault,
 * uvma_exec_setup_stack) and PR_SET_VMA_ANON_NAME.
 * Kernel rules pinned: a fault below a non-stack VMA or above the last is
 * SEGV_MAPERR; write to a read-only VMA and any access to PROT_NONE is
 * SEGV_ACCERR; a stack grows down unless an accessible VMA is within the
 * 1 MiB guard gap (then MAPERR; a PROT_NONE VMA does not count); growth lowers pgoff; a write fault
 * gives the anon_vma; without ASLR the exec stack ends at TASK_SIZE and is
 * "argument pages + 128 KiB".  Anonymous names: this kernel has
 * CONFIG_ANON_VMA_NAME off (every prctl is -EINVAL, seen live), the
 * model's default follows; with the switch on, names are validated
 * (under 80 bytes, no \ ` $ [ ]) before the range.
 */
#include <errno.h>

#include "test.h"
#include "uvma/uvma.h"

#define PG 4096ull
#define RW (UVMA_PROT_READ | UVMA_PROT_WRITE)
#define PA (UVMA_MAP_PRIVATE | UVMA_MAP_ANONYMOUS | UVMA_MAP_FIXED)
#define B 0x200000000000ull

TEST(fault_classification_and_stack)
{
	struct uvma_mm *mm;
	struct uvma_vma_info vi;

	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, B, PG, UVMA_PROT_READ, PA, NULL, 0), (int64_t)B);
	ASSERT_EQ(uvma_mmap(mm, B + PG, PG, 0, PA, NULL, 0), (int64_t)(B + PG));
	ASSERT_EQ(uvma_fault(mm, B, UVMA_FAULT_READ), UVMA_FAULT_OK);
	ASSERT_EQ(uvma_fault(mm, B, UVMA_FAULT_WRITE), UVMA_FAULT_SEGV_ACCERR);
	ASSERT_EQ(uvma_fault(mm, B, UVMA_FAULT_EXEC), UVMA_FAULT_SEGV_ACCERR);
	ASSERT_EQ(uvma_fault(mm, B + PG, UVMA_FAULT_READ), UVMA_FAULT_SEGV_ACCERR);
	ASSERT_EQ(uvma_fault(mm, B - PG, UVMA_FAULT_READ), UVMA_FAULT_SEGV_MAPERR);
	ASSERT_EQ(uvma_fault(mm, B + 9 * PG, UVMA_FAULT_READ), UVMA_FAULT_SEGV_MAPERR);

	/* A GROWSDOWN VMA 2 MiB above an accessible one. */
	ASSERT_EQ(uvma_mmap(mm, B + 0x200000, 4 * PG, RW,
			    PA | UVMA_MAP_GROWSDOWN, NULL, 0), (int64_t)(B + 0x200000));
	ASSERT_EQ(uvma_fault(mm, B + 0x200000 - 2 * PG, UVMA_FAULT_WRITE), 0);
	ASSERT_EQ(uvma_vma_find(mm, B + 0x200000 - 2 * PG, &vi), 1);
	ASSERT_EQ_X(vi.start, B + 0x200000 - 2 * PG);
	ASSERT_EQ_X(vi.pgoff, ((B + 0x200000) >> 12) - 2);
	ASSERT_NE(vi.anon_vma, 0);
	/* The VMA below is PROT_NONE: its guard gap does not count. */
	ASSERT_EQ(uvma_fault(mm, B + PG * 2 + 0x80000, UVMA_FAULT_WRITE),
		  UVMA_FAULT_OK);
	/* Made accessible, it refuses growth within 1 MiB of its end. */
	ASSERT_EQ(uvma_mprotect(mm, B + PG, PG, UVMA_PROT_READ), 0);
	ASSERT_EQ(uvma_fault(mm, B + 0x10000, UVMA_FAULT_READ),
		  UVMA_FAULT_SEGV_MAPERR);
	ASSERT_EQ(uvma_vma_find(mm, B + 0x10000, &vi), 1);
	ASSERT_EQ_X(vi.start, B + 0x82000);
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_mm_destroy(mm);
}

TEST(exec_stack_setup)
{
	struct uvma_mm *mm;
	struct uvma_exec_params p = { .arg_bytes = 5000 };
	struct uvma_vma_info vi;
	uint64_t sp;

	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	ASSERT_EQ(uvma_exec_setup_stack(mm, &p, &sp), 0);
	ASSERT_EQ(uvma_vma_find(mm, 0x7ffffffff000ull - PG, &vi), 1);
	ASSERT_EQ_X(vi.end, 0x7ffffffff000ull);
	/* two argument pages + 128 KiB */
	ASSERT_EQ_X(vi.start, 0x7ffffffff000ull - 2 * PG - 0x20000);
	ASSERT_EQ_X(vi.flags, 0x100173ull);	/* rd wr mr mw me gd ac */
	ASSERT_EQ_X(vi.pgoff, (0x7ffffffff000ull >> 12) - 1 - 1 - 32);
	ASSERT(sp < 0x7ffffffff000ull && sp > vi.start);
	uvma_mm_destroy(mm);

	/* A lower top moves the stack with relocate_vma_down(). */
	p.stack_top = 0x7fff00000000ull;
	p.exec_stack = 1;
	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	ASSERT_EQ(uvma_exec_setup_stack(mm, &p, NULL), 0);
	ASSERT_EQ(uvma_vma_find(mm, 0x7ffe00000000ull, &vi), 1);
	ASSERT_EQ_X(vi.end, 0x7fff00000000ull);
	ASSERT_EQ_X(vi.flags & 0x4, 0x4);
	ASSERT_EQ(uvma_mm_map_count(mm), 1);
	uvma_mm_destroy(mm);

	p.arg_bytes = 64ull << 20;
	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	ASSERT_EQ(uvma_exec_setup_stack(mm, &p, NULL), -E2BIG);
	ASSERT_EQ(uvma_mm_map_count(mm), 0);
	uvma_mm_destroy(mm);
}

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
