/* SPDX-License-Identifier: MIT */
/*
 * test_fault.c - page faults (uvma_fault): classification, stack growth and
 * the anon_vma each fault assigns, pinned on the live kernel.
 * Kernel rules pinned: a fault below a non-stack VMA or above the last is
 * SEGV_MAPERR; write to a read-only VMA, exec of a VMA without VM_EXEC and
 * any access to PROT_NONE are SEGV_ACCERR; a file page at or past EOF is
 * SIGBUS (a partial last page is not), also for a private write, which
 * has prepared its anon_vma before the file says no; a stack grows down
 * unless an accessible VMA is within the 1 MiB guard gap (then MAPERR; a
 * PROT_NONE VMA does not count); growth lowers pgoff; a write fault gives
 * the anon_vma, a read fault of an anonymous VMA does not unless it takes
 * the THP path (MADV_HUGEPAGE with THP=madvise and a whole 2 MiB block
 * inside the VMA), which prepares the anon_vma before mapping the huge
 * zero page.
 */
#include <errno.h>

#include "live.h"
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


/* Count the VMAs (header lines) in a filtered smaps window text. */
static int window_vmas(const char *text)
{
	int n = 0;

	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		if (strncmp(l, "VmFlags:", 8) != 0)
			n++;
		if (!strchr(l, '\n'))
			break;
	}
	return n;
}

/*
 * kernel_classes() - run @ops on the live kernel and check each L_FAULT's
 * class against @want, the classes worked out by hand from the rules.
 */
static void kernel_classes(const struct live_op *ops, const int64_t *want)
{
	static struct live_result k;
	int j = 0;

	if (live_run_kernel(ops, &k) != 0)
		return;
	for (int i = 0; i < k.n; i++)
		if (ops[i].op == L_FAULT) {
			ASSERT_MSG(k.ret[i] == want[j], "op %d: kernel %jd, rules %jd",
				   i, (intmax_t)k.ret[i], (intmax_t)want[j]);
			j++;
		}
}

/* Every class, on the kernel and the model, and exec of a "ret" page. */
TEST(fault_live_classes)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0, 2 * PG, RW, PA },
		{ L_MMAP, 2 * PG, PG, UVMA_PROT_READ, PA },
		{ L_MMAP, 3 * PG, PG, UVMA_PROT_NONE, PA },
		{ L_FAULT, 0, .p = UVMA_FAULT_READ },		/* OK */
		{ L_FAULT, 0, .p = UVMA_FAULT_WRITE },		/* OK */
		{ L_FAULT, 0, .p = UVMA_FAULT_EXEC },		/* ACCERR */
		{ L_FAULT, 2 * PG, .p = UVMA_FAULT_WRITE },	/* ACCERR */
		{ L_FAULT, 2 * PG, .p = UVMA_FAULT_READ },	/* OK */
		{ L_FAULT, 3 * PG, .p = UVMA_FAULT_READ },	/* ACCERR */
		{ L_FAULT, 5 * PG, .p = UVMA_FAULT_READ },	/* MAPERR */
		{ L_MMAP, 8 * PG, PG, RW, PA },
		{ L_FAULT, 8 * PG, .p = UVMA_FAULT_WRITE },	/* stores ret */
		{ L_MPROTECT, 8 * PG, PG, UVMA_PROT_READ | UVMA_PROT_EXEC },
		{ L_FAULT, 8 * PG, .p = UVMA_FAULT_EXEC },	/* OK */
		{ L_MPROTECT, 8 * PG, PG, UVMA_PROT_READ },
		{ L_FAULT, 8 * PG, .p = UVMA_FAULT_EXEC },	/* ACCERR */
		{ L_END },
	};
	static const int64_t want[] = { 0, 0, 2, 2, 0, 2, 1, 0, 0, 2 };
	/* The hand-worked classes hold on the kernel itself ... */
	kernel_classes(ops, want);
	/* ... and the model agrees with the kernel, results and VMAs. */
	LIVE_CHECK(ops);
}

/* SIGBUS past the end of a file, shared and private, and ftruncate. */
TEST(fault_live_sigbus_past_eof)
{
	static const struct live_op ops[] = {
		{ L_MEMFD, .p = 0, .b = 5000 },
		{ L_MMAP, 16 * PG, 4 * PG, RW, UVMA_MAP_SHARED | UVMA_MAP_FIXED,
		  .c = 1, .d = 0 },
		{ L_FAULT, 16 * PG, .p = UVMA_FAULT_READ },	/* OK */
		{ L_FAULT, 17 * PG, .p = UVMA_FAULT_READ },	/* partial: OK */
		{ L_FAULT, 18 * PG, .p = UVMA_FAULT_READ },	/* SIGBUS */
		{ L_FAULT, 19 * PG, .p = UVMA_FAULT_WRITE },	/* SIGBUS */
		{ L_FTRUNC, .p = 0, .b = 4 * PG },
		{ L_FAULT, 19 * PG, .p = UVMA_FAULT_WRITE },	/* OK now */
		/* Private: pgoff 1 and 2 of a one-page file. */
		{ L_FTRUNC, .p = 0, .b = PG },
		{ L_MMAP, 24 * PG, PG, RW, UVMA_MAP_PRIVATE | UVMA_MAP_FIXED,
		  .c = 1, .d = PG },
		{ L_MMAP, 25 * PG, PG, UVMA_PROT_READ,
		  UVMA_MAP_PRIVATE | UVMA_MAP_FIXED, .c = 1, .d = 2 * PG },
		{ L_FAULT, 24 * PG, .p = UVMA_FAULT_WRITE },	/* SIGBUS */
		{ L_FAULT, 25 * PG, .p = UVMA_FAULT_READ },	/* SIGBUS */
		/* Same flags now: they merge only if the SIGBUS write left
		 * no anon_vma behind, or one both can share. */
		{ L_MPROTECT, 25 * PG, PG, RW },
		{ L_END },
	};
	static const int64_t want[] = { 0, 0, 3, 3, 0, 3, 3 };
	kernel_classes(ops, want);
	LIVE_CHECK(ops);
}

/*
 * Read faults: without THP they leave no anon_vma, so a read-faulted VMA
 * still merges with a written neighbour; through the THP path they
 * prepare one, so the same pair stays apart.
 */
TEST(fault_live_read_and_thp)
{
	static const struct live_op plain[] = {
		{ L_MMAP, 0, 4 * PG, RW, PA },
		{ L_MMAP, 4 * PG, 4 * PG, UVMA_PROT_READ, PA },
		{ L_FAULT, 0, .p = UVMA_FAULT_WRITE },
		{ L_FAULT, 4 * PG, .p = UVMA_FAULT_READ },
		{ L_MPROTECT, 4 * PG, 4 * PG, RW },
		{ L_END },
	};
	static const struct live_op thp[] = {
		{ L_MMAP, 0x400000, 0x200000, RW, PA },
		{ L_MADVISE, 0x400000, 0x200000, 14 /* MADV_HUGEPAGE */ },
		{ L_FAULT, 0x400000 + 5 * PG, .p = UVMA_FAULT_READ },
		{ L_MMAP, 0x600000, 0x200000, RW, PA },
		{ L_FAULT, 0x600000, .p = UVMA_FAULT_WRITE },
		{ L_MADVISE, 0x600000, 0x200000, 14 },
		{ L_END },
	};
	static struct live_result k;

	/* Drawn by hand: plain merges into one VMA, thp stays two. */
	if (live_run_kernel(plain, &k) == 0)
		ASSERT_EQ(window_vmas(k.text), 1);
	LIVE_CHECK(plain);
	if (live_run_kernel(thp, &k) == 0)
		ASSERT_EQ(window_vmas(k.text), 2);
	LIVE_CHECK(thp);
}

/* The grown stack, checked live: a GROWSDOWN VMA and the guard gap. */
TEST(fault_live_stack_growth)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0, PG, UVMA_PROT_READ, PA },
		{ L_MMAP, 0x200000, 4 * PG, RW, PA | UVMA_MAP_GROWSDOWN },
		{ L_FAULT, 0x200000 - 2 * PG, .p = UVMA_FAULT_WRITE },	/* grows */
		{ L_FAULT, 0x80000, .p = UVMA_FAULT_READ },	/* within gap */
		{ L_FAULT, 0x180000, .p = UVMA_FAULT_READ },	/* grows */
		{ L_END },
	};
	static const int64_t want[] = { 0, 1, 0 };
	kernel_classes(ops, want);
	LIVE_CHECK(ops);
}

/* uvma_file_truncate(): ftruncate's checks, as seen on the live kernel. */
TEST(file_truncate_rules)
{
	struct uvma_file *m, *r;
	struct uvma_file_desc d = { .path = "/etc/hostname", .ino = 7,
				    .open_flags = UVMA_O_RDONLY };

	ASSERT_EQ(uvma_memfd_create("t", UVMA_MFD_ALLOW_SEALING, &m), 0);
	ASSERT_EQ(uvma_file_truncate(m, 8192), 0);
	ASSERT_EQ(uvma_file_truncate(m, -1), -EINVAL);
	ASSERT_EQ(uvma_memfd_add_seals(m, UVMA_F_SEAL_SHRINK), 0);
	ASSERT_EQ(uvma_file_truncate(m, 4096), -EPERM);
	ASSERT_EQ(uvma_file_truncate(m, 12288), 0);
	ASSERT_EQ(uvma_memfd_add_seals(m, UVMA_F_SEAL_GROW), 0);
	ASSERT_EQ(uvma_file_truncate(m, 16384), -EPERM);
	ASSERT_EQ(uvma_file_truncate(m, 12288), 0);
	uvma_file_unref(m);
	ASSERT_EQ(uvma_file_create(&d, &r), 0);
	ASSERT_EQ(uvma_file_truncate(r, 0), -EINVAL);	/* read-only open */
	uvma_file_unref(r);
	ASSERT_EQ(uvma_file_truncate(NULL, 0), -EINVAL);
}
