/* SPDX-License-Identifier: MIT */
/*
 * test_edge.c - bad and edge arguments for every call, against the live
 * kernel: out-of-range and wrapping addresses and lengths, unknown flags,
 * zero lengths, NULL handles where allowed.  Every case fails in the
 * kernel's argument checks before anything changes, so the child's own
 * mappings are never touched; both sides must return the same value and
 * leave the same window.  Also the fixes the page-model differential test
 * (test_model.c) found, each pinned on the live kernel.
 */
#include <errno.h>

#include "live.h"
#include "test.h"
#include "uvma/uvma.h"

#define K4 0x1000ull
#define RW (PROT_READ | PROT_WRITE)
#define FX (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
#define BIG (~0ull)
#define MR(a_, b_, c_, p_, d_) \
	{ .op = L_MREMAP, .a = (a_), .b = (b_), .c = (c_), .p = (p_), .d = (d_) }
#define ABS(op_, a_, b_, p_, f_) { .op = (op_), .a = (a_), .b = (b_), .p = (p_), .f = (f_) | L_ABS }

TEST(edge_live_mmap_munmap_mprotect)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0, 4 * K4, RW, FX },
		/* MAP_FIXED addresses in the error range come back as errors
		 * (IS_ERR_VALUE): ~0 is EPERM; -4096 and below are ENOMEM. */
		ABS(L_MMAP, BIG, 2 * K4, PROT_NONE, FX),
		ABS(L_MMAP, BIG - 4095, 7 * K4, PROT_NONE, FX),
		ABS(L_MMAP, BIG - 8191, K4, PROT_NONE, FX),
		ABS(L_MMAP, BIG - 4094, K4, PROT_NONE, FX),
		ABS(L_MMAP, BIG, 2 * K4, PROT_NONE,
		    MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_GROWSDOWN),
		ABS(L_MMAP, 1ull << 47, K4, PROT_NONE, FX),
		{ L_MMAP, 0x1001, K4, RW, FX },			/* unaligned: EINVAL */
		{ L_MMAP, 0x10000, 0, RW, FX },			/* len 0: EINVAL */
		{ L_MMAP, 0x10000, BIG, RW, FX },		/* rounds to 0: ENOMEM */
		{ L_MMAP, 0x10000, K4, RW, MAP_ANONYMOUS | MAP_FIXED | 0x0f },
		{ L_MMAP, 0x10000, K4, RW, MAP_ANONYMOUS | MAP_FIXED | 0x03 },
		{ L_MMAP, 0x10000, K4, RW, MAP_ANONYMOUS | MAP_FIXED | 0x04 },
		{ L_MMAP, 0x10000, K4, RW, FX | MAP_FIXED_NOREPLACE },
		{ L_MMAP, 0x0, K4, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN },
		{ L_MMAP, 0x0, K4, RW, FX | MAP_FIXED_NOREPLACE },	/* EEXIST */
		{ L_MUNMAP, 0x1001, K4 },
		{ L_MUNMAP, 0, 0 },
		{ L_MUNMAP, 0, BIG },
		{ L_MUNMAP, 0, BIG - 4095 },
		ABS(L_MUNMAP, BIG - 4095, K4, 0, 0),
		ABS(L_MUNMAP, 1ull << 47, K4, 0, 0),
		{ L_MPROTECT, 0x1001, K4, PROT_READ },
		{ L_MPROTECT, 0, 0, 0x7fffffff },		/* len 0 first: 0 */
		{ L_MPROTECT, 0, BIG, PROT_READ },		/* wraps: ENOMEM */
		{ L_MPROTECT, 0, K4, 0x10 },			/* unknown bit: EINVAL */
		{ L_MPROTECT, 0, K4, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP },
		{ L_MPROTECT, 0, K4, PROT_READ | PROT_GROWSDOWN },	/* not a stack */
		{ L_MPROTECT, 0x8000, K4, PROT_READ },		/* unmapped: ENOMEM */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

TEST(edge_live_mremap_madvise_mlock_mseal)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0, 4 * K4, RW, FX },
		MR(0, K4, K4, 0x10, 0),			/* unknown flag */
		MR(0x1001, K4, K4, 0, 0),
		MR(0, K4, 0, 0, 0),			/* new_len 0 */
		MR(0, K4, BIG, MREMAP_MAYMOVE, 0),	/* rounds to 0 */
		MR(0, K4, 1ull << 48, MREMAP_MAYMOVE, 0),
		MR(0, K4, K4, MREMAP_FIXED, 0x100000),
		MR(0, K4, K4, MREMAP_MAYMOVE | MREMAP_FIXED, 0x100001),
		MR(0, K4, 2 * K4, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0x100000),
		MR(0, 2 * K4, 2 * K4, MREMAP_MAYMOVE | MREMAP_FIXED, K4),
		MR(0x8000, K4, 2 * K4, MREMAP_MAYMOVE, 0),	/* EFAULT */
		MR(0, 8 * K4, 9 * K4, MREMAP_MAYMOVE, 0),	/* EFAULT */
		MR(0, 0, K4, MREMAP_MAYMOVE, 0),		/* private, old 0 */
		{ L_MADVISE, 0, K4, 7 },			/* unknown advice */
		{ L_MADVISE, 0, 0, 26 },
		{ L_MADVISE, 0x1001, K4, MADV_NORMAL },
		{ L_MADVISE, 0, BIG, MADV_NORMAL },
		{ L_MADVISE, 0, 0, MADV_NORMAL },
		{ L_MADVISE, 0x8000, K4, MADV_DONTFORK },	/* hole: ENOMEM */
		{ L_MLOCK, 0x8000, 0 },				/* len 0: 0 */
		{ L_MLOCK, 0x8000, K4 },			/* unmapped: ENOMEM */
		{ L_MLOCK, 0x10, BIG },				/* wraps to 0: 0 */
		{ L_MLOCK2, 0, K4, 2 },				/* unknown flag */
		{ L_MLOCK2, 0x8000, 0, MLOCK_ONFAULT },
		{ L_MUNLOCK, 0x8000, K4 },
		{ L_MLOCKALL, 0, 0, 0 },
		{ L_MLOCKALL, 0, 0, 8 },
		{ L_MLOCKALL, 0, 0, MCL_ONFAULT },
		{ L_MSEAL, 0x1001, K4 },
		{ L_MSEAL, 0, BIG },
		{ L_MSEAL, 0, 0 },
		{ L_MSEAL, 0, 8 * K4 },				/* hole: ENOMEM */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * mlock of length 0 at a PROT_NONE VMA: 0 (nothing to populate; uvma used
 * to look at the VMA around the empty range and report its populate
 * failure as ENOMEM).
 */
TEST(edge_live_mlock_empty_range_prot_none)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0, 4 * K4, PROT_NONE, FX },
		{ L_MLOCK, K4, 0 },
		{ .op = L_MLOCK2, .a = K4, .b = 0, .p = MLOCK_ONFAULT },
		{ L_MLOCK, K4, K4 },				/* ENOMEM, lo set */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * MAP_DROPPABLE under mlockall(MCL_FUTURE): made, without "lo", and it
 * does not merge with an older droppable neighbour (the merge was tried
 * with the lock bit); MAP_LOCKED with MAP_DROPPABLE is EINVAL.
 */
TEST(edge_live_droppable_mcl_future)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0, K4, RW, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_FIXED },
		{ .op = L_MLOCKALL, .p = MCL_FUTURE },
		{ L_MMAP, K4, K4, RW, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_FIXED },
		{ L_MMAP, 0x10000, K4, RW, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_FIXED | MAP_LOCKED },
		{ L_MUNLOCKALL },
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * mlock of a memfd mapping past the file's end (size 0): the flags are
 * set, populating fails (SIGBUS, -EFAULT) and mlock returns ENOMEM; seen
 * live for both private and shared mappings ("rd wr mr mw me lo ac" and
 * "rd wr sh mr mw me ms lo"); MADV_POPULATE_READ there is EFAULT.
 */
TEST(edge_mlock_memfd_past_eof)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;
	struct uvma_file *f;
	struct uvma_vma_info vi;
	char fl[160];

	live_config(&cfg);
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_memfd_create("m", 0, &f), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 2 * K4, RW, MAP_PRIVATE | MAP_FIXED, f, 0), 0x100000);
	ASSERT_EQ(uvma_mmap(mm, 0x200000, 2 * K4, RW, MAP_SHARED | MAP_FIXED, f, 0), 0x200000);
	ASSERT_EQ(uvma_mlock(mm, 0x100000, 2 * K4), -ENOMEM);
	ASSERT_EQ(uvma_mlock(mm, 0x200000, 2 * K4), -ENOMEM);
	ASSERT_EQ(uvma_madvise(mm, 0x200000, 2 * K4, MADV_POPULATE_READ), -EFAULT);
	ASSERT_EQ(uvma_vma_find(mm, 0x100000, &vi), 1);
	uvma_vmflags_str(vi.flags, fl, sizeof(fl));
	ASSERT_STR_EQ(fl, "rd wr mr mw me lo ac ");
	ASSERT_EQ(uvma_vma_find(mm, 0x200000, &vi), 1);
	uvma_vmflags_str(vi.flags, fl, sizeof(fl));
	ASSERT_STR_EQ(fl, "rd wr sh mr mw me ms lo ");
	uvma_file_unref(f);
	uvma_mm_destroy(mm);
}

/* NULL handles where the API allows them, bad descriptors elsewhere. */
TEST(edge_null_and_bad_handles)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;
	struct uvma_file *f = NULL;
	struct uvma_uffd *u = NULL;
	struct uvma_file_desc d = { .path = "/x", .open_flags = 7 };
	char name[300];

	uvma_mm_destroy(NULL);
	uvma_file_unref(NULL);
	uvma_uffd_close(NULL);
	uvma_text_free(NULL);
	ASSERT_EQ(uvma_file_create(NULL, &f), -EINVAL);
	ASSERT_EQ(uvma_file_create(&d, &f), -EINVAL);		/* bad open mode */
	d.open_flags = UVMA_O_RDONLY;
	d.path = NULL;
	ASSERT_EQ(uvma_file_create(&d, &f), -EINVAL);
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	ASSERT_EQ(uvma_memfd_create(name, 0, &f), -EINVAL);
	ASSERT_EQ(uvma_memfd_create("x", 0x100, &f), -EINVAL);
	ASSERT_EQ(uvma_memfd_create("x", UVMA_MFD_EXEC | UVMA_MFD_NOEXEC_SEAL, &f), -EINVAL);
	uvma_config_init(&cfg);
	cfg.page_size = 8192;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), -EINVAL);
	uvma_config_init(&cfg);
	cfg.overcommit_memory = 3;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), -EINVAL);
	uvma_config_init(&cfg);
	cfg.aslr = true;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), -EINVAL);
	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	/* No file and no MAP_ANONYMOUS: EBADF (after the offset check). */
	ASSERT_EQ(uvma_mmap(mm, 0, K4, RW, MAP_PRIVATE, NULL, 0), -EBADF);
	ASSERT_EQ(uvma_mmap(mm, 0, K4, RW, MAP_PRIVATE, NULL, 1), -EINVAL);
	ASSERT_EQ(uvma_uffd_create(mm, ~0ull, &u), -EINVAL);
	ASSERT_EQ(uvma_pkey_mprotect(mm, 0x100000, K4, PROT_READ, 3), -EINVAL);
	ASSERT_EQ(uvma_mm_set_brk_start(mm, ~0ull), -EINVAL);
	ASSERT_EQ(uvma_set_vma_anon_name(mm, 0, K4, "x"), -EINVAL);	/* config off */
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_mm_destroy(mm);
	ASSERT_EQ(uvma_import_ex(NULL, "", 0, 0x80, &mm, NULL), -EINVAL);
}

/*
 * uvma_import() of text that is not NUL-terminated and ends in the middle
 * of a key ("VmFla"): no read past the end (found by fuzz/fuzz_import.c;
 * ASan builds catch a regression), and the line is malformed.
 */
TEST(edge_import_unterminated_key)
{
	static const char src[] = "00400000-00401000 r--p 00000000 00:00 0\nVmFla";
	size_t len = sizeof(src) - 1, line = 0;
	char *text = malloc(len);
	struct uvma_mm *mm = NULL;

	ASSERT_NOT_NULL(text);
	memcpy(text, src, len);
	ASSERT_EQ(uvma_import(NULL, text, len, &mm, &line), -EINVAL);
	ASSERT_EQ(line, 2);
	ASSERT_EQ(uvma_import(NULL, text, len - 5, &mm, &line), 0);
	uvma_mm_destroy(mm);
	free(text);
}

/* A NUL byte inside a snapshot line is malformed (found by fuzz_import). */
TEST(edge_import_nul_in_line)
{
	static const char text[] = "00400000-00401000 r--p 00000000 fe:00 131090   /usr/bin\0x\n";
	struct uvma_mm *mm = NULL;
	size_t line = 0;

	ASSERT_EQ(uvma_import(NULL, text, sizeof(text) - 1, &mm, &line), -EINVAL);
	ASSERT_EQ(line, 1);
	ASSERT_NULL(mm);
}
