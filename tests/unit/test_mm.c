/* SPDX-License-Identifier: MIT */
/*
 * test_mm.c - address-space creation, configuration defaults, files.
 * Live-kernel facts pinned here: mmap_base 0x7ffff7fff000 without ASLR and
 * an 8 MiB stack limit (arch/x86/mm/mmap.c, checked with setarch -R).
 */
#include <errno.h>

#include "test.h"
#include "uvma/uvma.h"

TEST(mm_config_defaults)
{
	struct uvma_config cfg;

	uvma_config_init(&cfg);
	ASSERT_EQ(cfg.page_size, 4096);
	ASSERT_EQ_X(cfg.task_size, 0x7ffffffff000ull);
	ASSERT_EQ(cfg.mmap_min_addr, 4096);
	ASSERT_EQ(cfg.max_map_count, 65530);
	ASSERT_EQ(cfg.stack_guard_gap, 256 * 4096);
	ASSERT_EQ(cfg.rlimit_stack, 8 << 20);
	ASSERT_EQ(cfg.layout, UVMA_LAYOUT_TOPDOWN);
	ASSERT_EQ(cfg.aslr, 0);
}

TEST(mm_create_destroy_base)
{
	struct uvma_mm *mm;
	struct uvma_config cfg;
	int64_t live = uvma_alloc_live();

	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	ASSERT_EQ_X(uvma_mm_mmap_base(mm), 0x7ffff7fff000ull);
	ASSERT_EQ(uvma_mm_map_count(mm), 0);
	uvma_mm_destroy(mm);

	/* A 1 GiB stack limit moves the base down by limit + guard gap. */
	uvma_config_init(&cfg);
	cfg.rlimit_stack = 1ull << 30;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ_X(uvma_mm_mmap_base(mm),
		    0x7ffffffff000ull - (1ull << 30) - (1ull << 20));
	uvma_mm_destroy(mm);

	/* Unlimited stack: clamped to 5/6 of the task size. */
	cfg.rlimit_stack = UVMA_RLIM_INFINITY;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ_X(uvma_mm_mmap_base(mm),
		    (0x7ffffffff000ull - 0x7ffffffff000ull / 6 * 5 + 4095) &
			    ~4095ull);
	uvma_mm_destroy(mm);

	uvma_config_init(&cfg);
	cfg.page_size = 16384;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), -EINVAL);
	ASSERT_NULL(mm);
	ASSERT_EQ(uvma_alloc_live(), live);
}

TEST(mm_create_oom)
{
	struct uvma_mm *mm;
	int64_t live = uvma_alloc_live();

	uvma_alloc_fail_at(1, 0);
	ASSERT_EQ(uvma_mm_create(NULL, &mm), -ENOMEM);
	uvma_alloc_fail_at(0, 0);
	ASSERT_EQ(uvma_alloc_live(), live);
}

TEST(mm_files)
{
	struct uvma_file_desc d = { .path = "/usr/lib/libc.so.6",
				    .dev_major = 0xfe, .ino = 332835,
				    .open_flags = UVMA_O_RDONLY };
	struct uvma_file *a, *b, *m;
	int64_t live = uvma_alloc_live();

	ASSERT_EQ(uvma_file_create(&d, &a), 0);
	ASSERT_EQ(uvma_file_create(&d, &b), 0);
	ASSERT_PTR_NE(a, b);		/* two opens, two files */
	ASSERT_STR_EQ(uvma_file_path(a), "/usr/lib/libc.so.6");
	d.open_flags = 3;
	ASSERT_EQ(uvma_file_create(&d, &m), -EINVAL);
	ASSERT_EQ(uvma_memfd_create("buf", 0, &m), 0);
	ASSERT_STR_EQ(uvma_file_path(m), "/memfd:buf");
	ASSERT_EQ(uvma_memfd_add_seals(m, UVMA_F_SEAL_WRITE), -EPERM);
	uvma_file_unref(m);
	ASSERT_EQ(uvma_memfd_create("s", UVMA_MFD_ALLOW_SEALING, &m), 0);
	ASSERT_EQ(uvma_memfd_add_seals(m, UVMA_F_SEAL_WRITE), 0);
	ASSERT_EQ(uvma_memfd_add_seals(a, UVMA_F_SEAL_WRITE), -EINVAL);
	uvma_file_unref(m);
	uvma_file_unref(a);
	uvma_file_unref(b);
	ASSERT_EQ(uvma_alloc_live(), live);
}
