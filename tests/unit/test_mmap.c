/* SPDX-License-Identifier: MIT */
/*
 * test_mmap.c - mmap(): flags, errors in the kernel's order, replacement
 * with munmap semantics, address selection, allocation failure.
 *
 * Each LIVE_CHECK runs the same calls on this machine's kernel (a forked
 * child, a private window at LIVE_BASE) and on the model and compares
 * return values and the smaps header/VmFlags lines byte for byte.  Model-
 * only checks (placement from an empty address space) carry the expected
 * values worked out from the kernel's rules and the live run they were
 * checked against.
 */
#include <fcntl.h>

#include "live.h"

#define RW (PROT_READ | PROT_WRITE)
#define PA (MAP_PRIVATE | MAP_ANONYMOUS)
#define FX (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
#define K4 0x1000ull
#define M1 0x100000ull
#define M2 0x200000ull

static struct uvma_mm *new_mm(void)
{
	struct uvma_config cfg;
	struct uvma_mm *mm = NULL;

	live_config(&cfg);
	if (uvma_mm_create(&cfg, &mm))
		return NULL;
	return mm;
}

/* Pins: the VM_* flags mmap computes for every flag of the issue. */
TEST(mmap_live_flags)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x00000, K4, RW, FX },
		{ L_MMAP, 0x10000, K4, PROT_READ, FX },
		{ L_MMAP, 0x20000, K4, RW, FX | MAP_STACK },	/* nh */
		{ L_MMAP, 0x30000, K4, RW, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_FIXED },
		{ L_MMAP, 0x40000, K4, RW, FX | MAP_NORESERVE },	/* nr, no ac */
		{ L_MMAP, 0x50000, K4, RW, FX | MAP_GROWSDOWN },	/* gd */
		{ L_MMAP, 0x60000, K4, RW, FX | MAP_LOCKED },	/* lo */
		{ L_MMAP, 0x70000, K4, RW, FX | MAP_SYNC },	/* sf, anon too */
		{ L_MMAP, 0x80000, K4, RW, FX | MAP_POPULATE },
		{ L_MMAP, 0x90000, K4, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED },
		{ L_MMAP, 0xa0000, K4, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED },
		{ L_MMAP, 0xb0000, K4, PROT_EXEC, FX },
		{ L_MMAP, 0xc0000, K4, PROT_NONE, FX },
		{ L_MMAP, 0xd0000, K4, RW | 0x100, FX },		/* unknown prot bit ignored */
		{ L_MMAP, 0xe0000, K4, RW, FX | MAP_UNINITIALIZED | MAP_DENYWRITE | MAP_EXECUTABLE },
		{ L_MMAP, 0xf0000, 2 * M2, RW, FX | MAP_NONBLOCK | MAP_POPULATE },
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/* Pins: argument checks and their order (do_mmap: len, alignment, type). */
TEST(mmap_live_errors)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0, 0, RW, FX },				/* EINVAL len 0 */
		{ L_MMAP, 0x1001, K4, RW, FX },				/* EINVAL unaligned fixed */
		{ L_MMAP, 0, K4, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | MAP_FIXED }, /* EINVAL */
		{ L_MMAP, 0, K4, RW, MAP_ANONYMOUS | MAP_FIXED },	/* type 0: EINVAL */
		{ L_MMAP, 0, K4, RW, 0xf | MAP_ANONYMOUS | MAP_FIXED },	/* EINVAL */
		{ L_MMAP, 0, K4, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED },
		{ L_MMAP, 0, K4, RW, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_LOCKED | MAP_FIXED },
		{ L_MMAP, 0, K4, RW, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED },
		{ L_MMAP, 0, K4, RW, PA | MAP_HUGETLB | MAP_FIXED },	/* ENOMEM: no huge pages */
		{ L_MMAP, 0, (uint64_t)-4096, RW, FX },			/* ENOMEM: len rounds to 0? no: too big */
		{ L_MMAP, 0, (uint64_t)-1, RW, FX },			/* ENOMEM: rounds to 0 */
		{ L_MMAP, 0, 1ull << 50, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS }, /* ENOMEM before EINVAL */
		{ L_MMAP, 0x7ffffffff000ull, K4, RW, FX | L_ABS },	/* ENOMEM: above TASK_SIZE */
		{ L_MMAP, 0x7fffffffe000ull, 2 * K4, RW, FX | L_ABS },	/* ENOMEM: end past TASK_SIZE */
		{ L_MMAP, 0x7ffffffe0000ull, 2 * K4, RW, FX | L_ABS },	/* OK: just below */
		{ L_MUNMAP, 0x7ffffffe0000ull - LIVE_BASE, 2 * K4 },
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/* Pins: MAP_FIXED replaces with munmap semantics and re-merges (§10). */
TEST(mmap_live_fixed_replace)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x0000, 16 * K4, RW, FX },
		{ L_MMAP, 0x4000, 4 * K4, RW, FX },	/* same attrs: one VMA again */
		{ L_MMAP, 0x6000, 2 * K4, PROT_READ, FX },	/* split in three */
		{ L_MMAP, 0x5000, 8 * K4, RW, FX },	/* across two VMAs: merged back */
		{ L_MMAP, 0x20000, 4 * K4, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED },
		{ L_MMAP, 0x21000, K4, RW, FX },	/* replaces part of shmem */
		{ L_MMAP, 0x40000, 4 * K4, RW, FX },
		{ L_MMAP, 0x3e000, 8 * K4, RW, FX },	/* covers all + both sides */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/* Pins: MAP_FIXED_NOREPLACE: EEXIST on any overlap, nothing changed. */
TEST(mmap_live_noreplace)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x4000, 4 * K4, RW, FX },
		{ L_MMAP, 0x7000, 4 * K4, RW, PA | MAP_FIXED_NOREPLACE },
		{ L_MMAP, 0x0000, 5 * K4, RW, PA | MAP_FIXED_NOREPLACE },
		{ L_MMAP, 0x5000, K4, RW, PA | MAP_FIXED_NOREPLACE },
		{ L_MMAP, 0x0000, 4 * K4, RW, PA | MAP_FIXED_NOREPLACE },	/* adjacent: merges */
		{ L_MMAP, 0x8000, K4, RW, PA | MAP_FIXED_NOREPLACE },
		{ L_MMAP, 0x9001, K4, RW, PA | MAP_FIXED_NOREPLACE },	/* EINVAL */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/* Pins: hints are taken exactly when free; pgoff contiguity merges them. */
TEST(mmap_live_hints)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x10000, 4 * K4, RW, PA },
		{ L_MMAP, 0x14000, 4 * K4, RW, PA },	/* adjacent above: merge */
		{ L_MMAP, 0x0c000, 4 * K4, RW, PA },	/* adjacent below: merge */
		{ L_MMAP, 0x20000, 4 * K4, PROT_READ, PA },
		{ L_MMAP, 0x1c000, 4 * K4, RW, PA },	/* differs from next */
		{ L_MMAP, 0x30fff, 4 * K4, RW, PA },	/* hint masked down */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/* Pins: the stack guard gap decides whether a hint is honoured. */
TEST(mmap_live_guard_gap_hint)
{
	static const struct live_op ops[] = {
		{ L_MMAP, 0x1000000, K4, RW, FX | MAP_GROWSDOWN },
		{ L_MMAP, 0x1000000 - M1 - K4, K4, RW, PA },	/* fits exactly */
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/*
 * Placement from an empty address space (§14, §25.1): top-down from
 * mmap_base, ending exactly at the VMA above so equal mappings merge;
 * multiples of 2 MiB are 2 MiB aligned (search len + 2 MiB, then align).
 * The same pattern was checked live (setarch -R): 4 KiB, 2 MiB, 4 MiB and
 * 4 KiB mmaps landed at gap_end - 4 KiB, round_down(gap_end - 2 MiB),
 * directly below that (merged), and back in the top gap.
 */
TEST(mmap_placement_topdown)
{
	struct uvma_mm *mm = new_mm();
	struct uvma_vma_info vi;
	const uint64_t base = 0x7ffff7fff000ull;

	ASSERT_NOT_NULL(mm);
	ASSERT_EQ_X(uvma_mmap(mm, 0, K4, RW, PA, NULL, 0), base - K4);
	ASSERT_EQ_X(uvma_mmap(mm, 0, K4, RW, PA, NULL, 0), base - 2 * K4);
	ASSERT_EQ(uvma_mm_map_count(mm), 1);	/* merged */
	/* 2 MiB: gap_end = base - 8K; round_down(gap_end - 2M, 2M). */
	ASSERT_EQ_X(uvma_mmap(mm, 0, M2, RW, PA, NULL, 0), 0x7ffff7c00000ull);
	/* 4 MiB: ret (len + 2M search) is aligned, so ret + 2M: touching. */
	ASSERT_EQ_X(uvma_mmap(mm, 0, 2 * M2, RW, PA, NULL, 0), 0x7ffff7800000ull);
	ASSERT_EQ(uvma_mm_map_count(mm), 2);
	ASSERT_EQ(uvma_vma_find(mm, 0x7ffff7800000ull, &vi), 1);
	ASSERT_EQ_X(vi.end, 0x7ffff7e00000ull);
	/* 4 KiB again: the hole above the THP mapping, at its top. */
	ASSERT_EQ_X(uvma_mmap(mm, 0, K4, RW, PA, NULL, 0), base - 3 * K4);
	/* A hint (non-zero) disables THP alignment. */
	ASSERT_EQ_X(uvma_mmap(mm, 0x100000000000ull, M2, RW, PA, NULL, 0),
		    0x100000000000ull);
	/* Shared anonymous 2 MiB: shmem's allocator, no THP alignment. */
	ASSERT_EQ_X(uvma_mmap(mm, 0, M2, RW, MAP_SHARED | MAP_ANONYMOUS, NULL, 0),
		    0x7ffff7600000ull);
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_mm_destroy(mm);
}

/* The guard gap below a VM_GROWSDOWN VMA pushes searches down (live p2). */
TEST(mmap_placement_guard_gap)
{
	struct uvma_mm *mm = new_mm();
	const uint64_t base = 0x7ffff7fff000ull;

	ASSERT_NOT_NULL(mm);
	ASSERT_EQ_X(uvma_mmap(mm, base - K4, K4, RW, FX | MAP_GROWSDOWN, NULL, 0),
		    base - K4);
	/* The gap below is 1 MiB guard: next mapping ends at base-4K-1M. */
	ASSERT_EQ_X(uvma_mmap(mm, 0, K4, RW, PA, NULL, 0), base - K4 - M1 - K4);
	/* A hint inside the guard gap is refused; at its edge accepted. */
	ASSERT_EQ_X(uvma_mmap(mm, base - 2 * K4, K4, RW, PA, NULL, 0),
		    base - K4 - M1 - 2 * K4);
	uvma_mm_destroy(mm);
}

/* Legacy layout: bottom-up from PAGE_ALIGN(TASK_SIZE / 3) (setarch -L). */
TEST(mmap_placement_legacy)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;

	live_config(&cfg);
	cfg.layout = UVMA_LAYOUT_LEGACY;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ_X(uvma_mm_mmap_base(mm), 0x2aaaaaaab000ull);
	ASSERT_EQ_X(uvma_mmap(mm, 0, K4, RW, PA, NULL, 0), 0x2aaaaaaab000ull);
	ASSERT_EQ_X(uvma_mmap(mm, 0, K4, RW, PA, NULL, 0), 0x2aaaaaaac000ull);
	/* THP: lowest gap for len + 2M, rounded up to 2 MiB. */
	ASSERT_EQ_X(uvma_mmap(mm, 0, M2, RW, PA, NULL, 0), 0x2aaaaac00000ull);
	ASSERT_EQ_X(uvma_mmap(mm, 0, K4, RW, PA, NULL, 0), 0x2aaaaaaad000ull);
	/* MAP_32BIT: the [1 GiB, 2 GiB) window. */
	ASSERT_EQ_X(uvma_mmap(mm, 0, K4, RW, PA | MAP_32BIT, NULL, 0), 0x40000000ull);
	uvma_mm_destroy(mm);
}

/* Hints below mmap_min_addr (65536 with CONFIG_LSM_MMAP_MIN_ADDR) are raised. */
TEST(mmap_hint_min_addr)
{
	struct uvma_mm *mm = new_mm();
	struct uvma_config cfg;

	ASSERT_NOT_NULL(mm);
	/* Checked live (p4): hint 0x1000 -> 0x10000; 0x800 masks to 0. */
	ASSERT_EQ_X(uvma_mmap(mm, 0x1000, K4, RW, PA, NULL, 0), 0x10000ull);
	ASSERT_EQ_X(uvma_mmap(mm, 0x800, K4, RW, PA, NULL, 0), 0x7ffff7ffe000ull);
	/* Root may map page 0 with MAP_FIXED; unprivileged: EPERM. */
	ASSERT_EQ_X(uvma_mmap(mm, 0, K4, RW, FX, NULL, 0), 0);
	uvma_mm_destroy(mm);
	uvma_config_init(&cfg);
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, 0, K4, RW, FX, NULL, 0), -EPERM);
	ASSERT_EQ(uvma_mmap(mm, 0x1000, K4, RW, FX, NULL, 0), 0x1000);
	uvma_mm_destroy(mm);
}

/* ENOMEM when nothing fits; the map-count limit is "> max" for mmap. */
TEST(mmap_limits)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;
	int i;

	live_config(&cfg);
	cfg.max_map_count = 4;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	for (i = 0; i < 5; i++)	/* map_count 0..4 may still map */
		ASSERT_EQ_X(uvma_mmap(mm, 0x100000 + (uint64_t)i * 0x10000,
				      K4, RW, FX, NULL, 0),
			    0x100000 + (uint64_t)i * 0x10000);
	ASSERT_EQ(uvma_mm_map_count(mm), 5);
	ASSERT_EQ(uvma_mmap(mm, 0x200000, K4, RW, FX, NULL, 0), -ENOMEM);
	uvma_mm_destroy(mm);

	live_config(&cfg);
	cfg.rlimit_as = 16 * K4;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 17 * K4, RW, FX, NULL, 0), -ENOMEM);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 16 * K4, RW, FX, NULL, 0), 0x100000);
	/* Replacing does not count the replaced pages twice. */
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 16 * K4, PROT_READ, FX, NULL, 0), 0x100000);
	ASSERT_EQ(uvma_mm_map_count(mm), 1);
	uvma_mm_destroy(mm);

	live_config(&cfg);
	cfg.rlimit_data = 4 * K4;	/* private writable counts as data */
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 8 * K4, RW, FX, NULL, 0), -ENOMEM);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 8 * K4, PROT_READ, FX, NULL, 0), 0x100000);
	ASSERT_EQ(uvma_mmap(mm, 0x200000, 8 * K4, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), 0x200000);
	uvma_mm_destroy(mm);

	/* Overcommit mode 2 refuses accountable memory over the limit. */
	live_config(&cfg);
	cfg.overcommit_memory = 2;
	cfg.ram_bytes = 64 * M1;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 64 * M1, RW, FX, NULL, 0), -ENOMEM);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 64 * M1, RW, FX | MAP_NORESERVE, NULL, 0), -ENOMEM);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 64 * M1, PROT_READ, FX, NULL, 0), 0x100000);
	uvma_mm_destroy(mm);
}

/* MAP_LOCKED needs mlock permission and room under RLIMIT_MEMLOCK. */
TEST(mmap_locked_limits)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;

	uvma_config_init(&cfg);
	cfg.rlimit_memlock = 0;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, 0, K4, RW, PA | MAP_LOCKED, NULL, 0), -EPERM);
	uvma_mm_destroy(mm);
	uvma_config_init(&cfg);
	cfg.rlimit_memlock = 2 * K4;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 3 * K4, RW, FX | MAP_LOCKED, NULL, 0), -EAGAIN);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, 2 * K4, RW, FX | MAP_LOCKED, NULL, 0), 0x100000);
	ASSERT_EQ(uvma_mmap(mm, 0x200000, K4, RW, FX | MAP_LOCKED, NULL, 0), -EAGAIN);
	uvma_mm_destroy(mm);
}

/* File mappings: open modes, identity, shared read-only loses mw/sh. */
TEST(mmap_files)
{
	struct uvma_mm *mm = new_mm();
	struct uvma_file_desc d = { .path = "/data/f", .dev_major = 0xfe,
				    .ino = 42, .open_flags = UVMA_O_RDONLY };
	struct uvma_file *ro, *ro2, *rw, *wo;
	struct uvma_vma_info vi;
	char fl[160];

	ASSERT_NOT_NULL(mm);
	ASSERT_EQ(uvma_file_create(&d, &ro), 0);
	ASSERT_EQ(uvma_file_create(&d, &ro2), 0);
	d.open_flags = UVMA_O_RDWR;
	ASSERT_EQ(uvma_file_create(&d, &rw), 0);
	d.open_flags = UVMA_O_WRONLY;
	ASSERT_EQ(uvma_file_create(&d, &wo), 0);

	ASSERT_EQ(uvma_mmap(mm, 0x100000, K4, PROT_READ, MAP_PRIVATE, NULL, 0), -EBADF);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, K4, PROT_READ, MAP_PRIVATE, ro, 1), -EINVAL);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, K4, RW, MAP_SHARED, ro, 0), -EACCES);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, K4, PROT_READ, MAP_PRIVATE, wo, 0), -EACCES);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, K4, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN, ro, 0), -EINVAL);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, K4, PROT_READ, MAP_DROPPABLE, ro, 0), -EINVAL);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, K4, PROT_READ, MAP_PRIVATE | MAP_HUGETLB, ro, 0), -EINVAL);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, K4, PROT_READ, MAP_SHARED_VALIDATE | 0x400000, ro, 0), -EOPNOTSUPP);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, K4, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, ro, 0), -EOPNOTSUPP);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, K4, PROT_READ, MAP_SHARED | 0x400000, ro, 0), 0x100000);
	ASSERT_EQ(uvma_vma_find(mm, 0x100000, &vi), 1);
	uvma_vmflags_str(vi.flags, fl, sizeof(fl));
	ASSERT_STR_EQ(fl, "rd mr me ms ");		/* no sh, no mw */
	ASSERT_EQ(uvma_mmap(mm, 0x101000, K4, PROT_READ, MAP_SHARED, rw, 1 * K4), 0x101000);
	ASSERT_EQ(uvma_mmap(mm, 0x102000, K4, PROT_READ, MAP_SHARED, rw, 2 * K4), 0x102000);
	ASSERT_EQ(uvma_mm_map_count(mm), 2);	/* same file, contiguous */
	ASSERT_EQ(uvma_mmap(mm, 0x200000, K4, PROT_READ, MAP_PRIVATE, ro, 0), 0x200000);
	ASSERT_EQ(uvma_mmap(mm, 0x201000, K4, PROT_READ, MAP_PRIVATE, ro2, K4), 0x201000);
	ASSERT_EQ(uvma_mm_map_count(mm), 4);	/* two opens never merge */
	ASSERT_EQ(uvma_mmap(mm, 0x202000, K4, PROT_READ, MAP_PRIVATE, ro2, 3 * K4), 0x202000);
	ASSERT_EQ(uvma_mm_map_count(mm), 5);	/* pgoff not contiguous */
	ASSERT_EQ(uvma_mmap(mm, 0, K4, PROT_READ, MAP_PRIVATE, ro, (uint64_t)-4096 & ~0xfffull), -EOVERFLOW);
	uvma_file_unref(ro);
	uvma_file_unref(ro2);
	uvma_file_unref(rw);
	uvma_file_unref(wo);
	ASSERT_EQ(uvma_mm_validate(mm), 0);
	uvma_mm_destroy(mm);
}

/* Checked live (p1): noexec mounts, memfd write seals. */
TEST(mmap_file_noexec_and_seals)
{
	struct uvma_mm *mm = new_mm();
	struct uvma_file_desc d = { .path = "/mnt/x", .open_flags = UVMA_O_RDWR,
				    .flags = UVMA_FILE_NOEXEC };
	struct uvma_file *f, *m;
	struct uvma_vma_info vi;
	char fl[160];

	ASSERT_NOT_NULL(mm);
	ASSERT_EQ(uvma_file_create(&d, &f), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, K4, PROT_EXEC, MAP_PRIVATE, f, 0), -EPERM);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, K4, PROT_READ, MAP_PRIVATE, f, 0), 0x100000);
	ASSERT_EQ(uvma_vma_find(mm, 0x100000, &vi), 1);
	uvma_vmflags_str(vi.flags, fl, sizeof(fl));
	ASSERT_STR_EQ(fl, "rd mr mw ");
	ASSERT_EQ(uvma_memfd_create("m", UVMA_MFD_ALLOW_SEALING, &m), 0);
	ASSERT_EQ(uvma_memfd_add_seals(m, UVMA_F_SEAL_WRITE), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x200000, K4, RW, MAP_SHARED, m, 0), -EPERM);
	ASSERT_EQ(uvma_mmap(mm, 0x200000, K4, PROT_READ, MAP_SHARED, m, 0), 0x200000);
	ASSERT_EQ(uvma_vma_find(mm, 0x200000, &vi), 1);
	uvma_vmflags_str(vi.flags, fl, sizeof(fl));
	ASSERT_STR_EQ(fl, "rd sh mr me ms ");
	ASSERT_EQ(uvma_mmap(mm, 0x300000, K4, RW, MAP_PRIVATE, m, 0), 0x300000);
	uvma_file_unref(f);
	uvma_file_unref(m);
	uvma_mm_destroy(mm);
}

/*
 * F_ADD_SEALS against the kernel.  F_SEAL_WRITE is -EBUSY while any VMA
 * maps the memfd shared with VM_MAYWRITE: through PROT_READ too, after
 * mprotect, after a split or a move, but not privately.  F_SEAL_EXEC on a
 * memfd made without MFD_NOEXEC_SEAL brings the write seals (and their
 * -EBUSY); a failed call adds nothing.  MADV_REMOVE (a hole punched) is
 * -EPERM once the memfd has F_SEAL_FUTURE_WRITE (found by uvma kdiff).
 */
TEST(mmap_live_memfd_seals)
{
	static const struct live_op ops[] = {
		/* slot 0: one shared mapping through its whole life */
		{ L_MEMFD, .p = 0, .b = 8 * K4, .c = UVMA_MFD_ALLOW_SEALING },
		{ L_MMAP, .a = 0, .b = 2 * K4, .p = RW,
		  .f = MAP_SHARED | MAP_FIXED, .c = 1 },
		{ L_SEAL, .p = 0, .b = UVMA_F_SEAL_WRITE },
		{ L_GETSEALS, .p = 0 },
		{ L_MADVISE, .a = 0, .b = K4, .p = MADV_REMOVE },
		{ L_SEAL, .p = 0, .b = UVMA_F_SEAL_FUTURE_WRITE },
		{ L_MADVISE, .a = 0, .b = K4, .p = MADV_REMOVE },
		{ L_SEAL, .p = 0, .b = UVMA_F_SEAL_WRITE },
		{ L_MPROTECT, .a = 0, .b = 2 * K4, .p = PROT_READ },
		{ L_SEAL, .p = 0, .b = UVMA_F_SEAL_WRITE },
		{ L_MUNMAP, .a = K4, .b = K4 },
		{ L_SEAL, .p = 0, .b = UVMA_F_SEAL_WRITE },
		{ L_MREMAP, .a = 0, .b = K4, .c = K4,
		  .p = MREMAP_MAYMOVE | MREMAP_FIXED, .d = M1 },
		{ L_SEAL, .p = 0, .b = UVMA_F_SEAL_WRITE },
		{ L_MUNMAP, .a = M1, .b = K4 },
		{ L_SEAL, .p = 0, .b = UVMA_F_SEAL_WRITE },
		{ L_GETSEALS, .p = 0 },
		{ L_MMAP, .a = 0, .b = K4, .p = RW,
		  .f = MAP_SHARED | MAP_FIXED, .c = 1 },
		{ L_MMAP, .a = 0, .b = K4, .p = PROT_READ,
		  .f = MAP_SHARED | MAP_FIXED, .c = 1 },
		{ L_SEAL, .p = 0, .b = UVMA_F_SEAL_WRITE },
		/* slot 1: exec memfd, read-only shared mapping */
		{ L_MEMFD, .p = 1, .b = 8 * K4, .c = UVMA_MFD_ALLOW_SEALING },
		{ L_MMAP, .a = 2 * M1, .b = K4, .p = PROT_READ,
		  .f = MAP_SHARED | MAP_FIXED, .c = 2 },
		{ L_SEAL, .p = 1, .b = UVMA_F_SEAL_EXEC },
		{ L_GETSEALS, .p = 1 },
		{ L_MUNMAP, .a = 2 * M1, .b = K4 },
		{ L_SEAL, .p = 1, .b = UVMA_F_SEAL_EXEC },
		{ L_GETSEALS, .p = 1 },
		/* slot 2: MFD_NOEXEC_SEAL; a private mapping does not count */
		{ L_MEMFD, .p = 2, .b = 8 * K4,
		  .c = UVMA_MFD_ALLOW_SEALING | UVMA_MFD_NOEXEC_SEAL },
		{ L_GETSEALS, .p = 2 },
		{ L_MMAP, .a = 3 * M1, .b = K4, .p = RW,
		  .f = MAP_SHARED | MAP_FIXED, .c = 3 },
		{ L_MMAP, .a = 3 * M1 + 2 * K4, .b = K4, .p = RW,
		  .f = MAP_PRIVATE | MAP_FIXED, .c = 3 },
		{ L_SEAL, .p = 2, .b = UVMA_F_SEAL_EXEC },
		{ L_GETSEALS, .p = 2 },
		{ L_SEAL, .p = 2, .b = UVMA_F_SEAL_WRITE },
		{ L_MUNMAP, .a = 3 * M1, .b = K4 },
		{ L_SEAL, .p = 2, .b = UVMA_F_SEAL_WRITE },
		{ L_GETSEALS, .p = 2 },
		/* slot 3: nothing of a failed call stays; unknown bits */
		{ L_MEMFD, .p = 3, .b = 8 * K4, .c = UVMA_MFD_ALLOW_SEALING },
		{ L_MMAP, .a = 4 * M1, .b = K4, .p = RW,
		  .f = MAP_SHARED | MAP_FIXED, .c = 4 },
		{ L_SEAL, .p = 3, .b = UVMA_F_SEAL_WRITE | UVMA_F_SEAL_SEAL },
		{ L_SEAL, .p = 3, .b = 0x40 },
		{ L_SEAL, .p = 3, .b = UVMA_F_SEAL_SHRINK },
		{ L_GETSEALS, .p = 3 },
		{ L_END },
	};

	LIVE_CHECK(ops);
}

/* MAP_NORESERVE is ignored under overcommit_memory=2 (§3.1). */
TEST(mmap_noreserve_overcommit_never)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;
	struct uvma_vma_info vi;
	char fl[160];

	live_config(&cfg);
	cfg.overcommit_memory = 2;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, 0x100000, K4, RW, FX | MAP_NORESERVE, NULL, 0), 0x100000);
	ASSERT_EQ(uvma_vma_find(mm, 0x100000, &vi), 1);
	uvma_vmflags_str(vi.flags, fl, sizeof(fl));
	ASSERT_STR_EQ(fl, "rd wr mr mw me ac ");
	uvma_mm_destroy(mm);
}

/* Allocation failure: every k until success; -ENOMEM, unchanged, no leak. */
static void oom_sweep(int64_t (*op)(struct uvma_mm *), int persistent)
{
	for (uint64_t k = 1; k < 200; k++) {
		struct uvma_mm *mm = new_mm();
		char *before = NULL, *after = NULL;
		int64_t live0, r;

		ASSERT_NOT_NULL(mm);
		ASSERT_EQ(uvma_mmap(mm, 0x100000, 16 * K4, RW, FX, NULL, 0), 0x100000);
		ASSERT_EQ(uvma_mmap(mm, 0x200000, 16 * K4, PROT_READ, FX, NULL, 0), 0x200000);
		ASSERT_EQ(uvma_smaps_text(mm, 0, &before, NULL), 0);
		live0 = uvma_alloc_live();
		uvma_alloc_fail_at(k, persistent);
		r = op(mm);
		uvma_alloc_fail_at(0, 0);
		if (r >= 0 || r != -ENOMEM) {
			ASSERT(r >= 0);
			uvma_text_free(before);
			ASSERT_EQ(uvma_mm_validate(mm), 0);
			uvma_mm_destroy(mm);
			return;	/* succeeded without hitting the fault */
		}
		ASSERT_EQ(uvma_alloc_live(), live0);
		ASSERT_EQ(uvma_smaps_text(mm, 0, &after, NULL), 0);
		ASSERT_STR_EQ(after, before);
		ASSERT_EQ(uvma_mm_validate(mm), 0);
		uvma_text_free(before);
		uvma_text_free(after);
		uvma_mm_destroy(mm);
	}
	ASSERT_MSG(0, "never succeeded");
}

static int64_t op_new(struct uvma_mm *mm)
{
	return uvma_mmap(mm, 0x300000, 4 * K4, RW, FX, NULL, 0);
}

static int64_t op_merge(struct uvma_mm *mm)
{
	return uvma_mmap(mm, 0x110000, 4 * K4, RW, FX, NULL, 0);
}

static int64_t op_shared(struct uvma_mm *mm)
{
	return uvma_mmap(mm, 0, 4 * K4, RW, MAP_SHARED | MAP_ANONYMOUS, NULL, 0);
}

static int64_t op_populate(struct uvma_mm *mm)
{
	return uvma_mmap(mm, 0x300000, 4 * K4, RW, FX | MAP_POPULATE, NULL, 0);
}

TEST(mmap_oom)
{
	CHECK(oom_sweep(op_new, 0));
	CHECK(oom_sweep(op_new, 1));
	CHECK(oom_sweep(op_merge, 0));
	CHECK(oom_sweep(op_merge, 1));
	CHECK(oom_sweep(op_shared, 0));
	CHECK(oom_sweep(op_shared, 1));
	CHECK(oom_sweep(op_populate, 0));
}

/*
 * MAP_FIXED over existing mappings: as in Linux, once the old VMAs are
 * removed a failure leaves a hole.  Before that point (the splits, the
 * gather) a failure changes nothing.  Either way: -ENOMEM and no leak.
 */
TEST(mmap_oom_fixed_replace)
{
	for (uint64_t k = 1; k < 200; k++) {
		struct uvma_mm *mm = new_mm();
		int64_t live0, r;

		ASSERT_NOT_NULL(mm);
		ASSERT_EQ(uvma_mmap(mm, 0x100000, 16 * K4, RW, FX, NULL, 0), 0x100000);
		live0 = uvma_alloc_live();
		uvma_alloc_fail_at(k, 0);
		r = uvma_mmap(mm, 0x104000, 4 * K4, PROT_READ, FX, NULL, 0);
		uvma_alloc_fail_at(0, 0);
		ASSERT_EQ(uvma_mm_validate(mm), 0);
		if (r == 0x104000) {
			ASSERT_EQ(uvma_mm_map_count(mm), 3);
			uvma_mm_destroy(mm);
			return;
		}
		ASSERT_EQ(r, -ENOMEM);
		ASSERT(uvma_alloc_live() <= live0 + 2);	/* at most 2 split records */
		uvma_mm_destroy(mm);
	}
	ASSERT_MSG(0, "never succeeded");
}

/*
 * The strongest placement check: a child reads its own /proc/self/smaps,
 * then makes address-less mmaps; the model imports the snapshot (with the
 * child's randomised mmap_base: the end of the highest VMA below the
 * stack, where the kernel put ld.so first) and makes the same calls.
 * Addresses and the complete maps text afterwards must be identical.
 *
 * One fact a snapshot cannot give: an anon_vma whose pages are all gone.
 * A VMA the parent faulted and then emptied with MADV_DONTNEED (ASan's
 * allocator does so) still has its anon_vma, so in the forked child it is
 * a fork child that refuses to merge with a new neighbour (checked live),
 * yet its smaps say "Anonymous: 0 kB" like a VMA never written.  So each
 * private VMA that shows 0 kB and borders a placement is read both ways,
 * and some reading must make the model match the kernel exactly (the
 * addresses must match in every reading).  The test makes one such VMA
 * itself before the fork, a page just below where the placements start.
 */
struct place_out {
	char before[262144], after[65536];
	int64_t ret[16];
};

#define PLACE_UNSEEN 10		/* bordering 0 kB VMAs read both ways */

static int read_fd_all(const char *path, char *buf, size_t size)
{
	int fd = open(path, 0);
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + got, size - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return 0;
}

static const struct { uint64_t len; int prot, flags; } place_ops[] = {
	{ 0x1000, RW, PA },
	{ 0x1000, RW, PA },
	{ 0x200000, RW, PA },
	{ 0x400000, RW, PA },
	{ 0x1000, PROT_READ, PA },
	{ 0x2000, RW, MAP_SHARED | MAP_ANONYMOUS },
	{ 0x3000, RW, PA | MAP_GROWSDOWN },
	{ 0x1000, RW, PA },
	{ 0x600000, RW, PA },
	{ 0x5000, RW, PA | MAP_STACK },
	{ 0, 0, 0 },
};

/* normalize_ino() - "00:01 1234   name" -> "00:01 INO name" (shmem inodes). */
static void normalize_ino(char *t)
{
	char *d;

	while ((d = strstr(t, " 00:01 ")) != NULL) {
		char *q = d + 7, *e;

		while (*q >= '0' && *q <= '9')
			q++;
		while (*q == ' ')
			q++;
		e = d + 7;
		memcpy(e, "INO ", 4);
		memmove(e + 4, q, strlen(q) + 1);
		t = e + 4;
	}
}

/* In the child: smaps before, the placements, maps after. */
static void place_child(void *arg, void *buf)
{
	struct place_out *o = buf;

	(void)arg;
	if (read_fd_all("/proc/self/smaps", o->before, sizeof(o->before)))
		_exit(1);
	for (int i = 0; place_ops[i].len; i++) {
		void *p = mmap(NULL, place_ops[i].len, place_ops[i].prot,
			       place_ops[i].flags, -1, 0);

		o->ret[i] = p == MAP_FAILED ? -errno : (int64_t)(uintptr_t)p;
	}
	if (read_fd_all("/proc/self/maps", o->after, sizeof(o->after)))
		_exit(1);
}

/*
 * place_unseen() - the offsets in smaps text @t of the "0" of each
 * "Anonymous: 0 kB" line of a private VMA that borders one of the
 * kernel's placements in @k (at most @max; returns how many, or -1 if
 * there are more).
 */
static int place_unseen(const char *t, const struct place_out *k,
			size_t *off, int max)
{
	unsigned long long s = 0, e = 0;
	bool priv = false;
	int n = 0;

	for (const char *l = t; *l;) {
		const char *nl = strchr(l, '\n');
		unsigned long long a, b;
		char perms[5];

		if (sscanf(l, "%llx-%llx %4s", &a, &b, perms) == 3) {
			s = a;
			e = b;
			priv = perms[3] == 'p';
		} else if (priv && !strncmp(l, "Anonymous:", 10)) {
			const char *d = l + 10;
			bool borders = false;

			while (*d == ' ')
				d++;
			for (int i = 0; place_ops[i].len; i++) {
				uint64_t lo = (uint64_t)k->ret[i];

				if (k->ret[i] > 0 &&
				    (e == lo || s == lo + place_ops[i].len))
					borders = true;
			}
			if (borders && !strncmp(d, "0 kB", 4)) {
				if (n == max)
					return -1;
				off[n++] = (size_t)(d - t);
			}
		}
		if (!nl)
			break;
		l = nl + 1;
	}
	return n;
}

TEST(mmap_live_placement_from_snapshot)
{
	static struct place_out k;
	static char snap[sizeof(k.before)], a[65536], b[65536], first[65536];
	struct uvma_config cfg;
	size_t unseen[PLACE_UNSEEN];
	uint64_t base = 0;
	size_t line = 0;
	bool match = false;
	char *emptied;
	int n;

	/*
	 * The child's fork child with no pages: a read-write page of its
	 * own (a read-only page above keeps it from merging upwards),
	 * faulted and emptied, where the first placement (top-down, one
	 * page) will land just below it unless a higher hole takes that.
	 */
	emptied = mmap(NULL, 0x2000, RW, PA, -1, 0);
	ASSERT(emptied != MAP_FAILED);
	ASSERT_EQ(mprotect(emptied + 0x1000, 0x1000, PROT_READ), 0);
	emptied[0] = 1;
	ASSERT_EQ(madvise(emptied, 0x1000, MADV_DONTNEED), 0);
	n = live_child(place_child, NULL, &k, sizeof(k), NULL);
	munmap(emptied, 0x2000);
	ASSERT_EQ(n, 0);

	/* mmap_base: the end of the highest VMA below [stack]. */
	for (const char *l = k.before; *l; l = strchr(l, '\n') + 1) {
		unsigned long long s, e;

		if (strstr(l, "[stack]") && (!strchr(l, '\n') || strstr(l, "[stack]") < strchr(l, '\n')))
			break;
		if (sscanf(l, "%llx-%llx", &s, &e) == 2)
			base = e;
		if (!strchr(l, '\n'))
			break;
	}
	live_config(&cfg);
	cfg.mmap_base = base;
	snprintf(b, sizeof(b), "%s", k.after);
	normalize_ino(b);
	n = place_unseen(k.before, &k, unseen, PLACE_UNSEEN);
	ASSERT_MSG(n >= 0, "more than %d readings' worth of empty neighbours", PLACE_UNSEEN);

	for (unsigned int mask = 0; mask < 1u << n && !match; mask++) {
		struct uvma_mm *mm;
		char *text;

		memcpy(snap, k.before, sizeof(snap));
		for (int j = 0; j < n; j++)
			if (mask >> j & 1)
				snap[unseen[j]] = '4';	/* "4 kB": faulted */
		/* The child was forked: its faulted VMAs are fork children. */
		ASSERT_MSG(uvma_import_ex(&cfg, snap, strlen(snap),
					  UVMA_IMPORT_FORK_CHILD, &mm, &line) == 0,
			   "line %zu", line);
		for (int i = 0; place_ops[i].len; i++) {
			int64_t m = uvma_mmap(mm, 0, place_ops[i].len, place_ops[i].prot,
					      place_ops[i].flags, NULL, 0);

			ASSERT_MSG(m == k.ret[i], "op %d: kernel %#jx model %#jx", i,
				   (intmax_t)k.ret[i], (intmax_t)m);
		}
		ASSERT_EQ(uvma_maps_text(mm, &text, NULL), 0);
		snprintf(a, sizeof(a), "%s", text);
		uvma_text_free(text);
		uvma_mm_destroy(mm);
		normalize_ino(a);
		match = !strcmp(a, b);
		if (mask == 0)
			memcpy(first, a, sizeof(first));
	}
	if (!match)
		ASSERT_STR_EQ(first, b);	/* shows the plain reading's text */
}

/*
 * Placement in a tall tree: thousands of one-page VMAs (the tree is three
 * or more levels high) in four groups, with holes of 3, 6, 2 and 5 GiB
 * between them, all inside one reservation; then mmap() without a hint of
 * sizes that only some holes hold (the 7 GiB one goes below them all).
 * The model imports the snapshot (its tree built in address order) and
 * must place each mapping where the kernel did: the gap searches descend
 * three levels or more, which the other placement tests never reach.
 */
#define TALL_GROUPS 4
#define TALL_PER 800

static const uint64_t tall_holes[TALL_GROUPS] = {
	3ull << 30, 6ull << 30, 2ull << 30, 5ull << 30,
};

static const uint64_t tall_lens[] = {
	4ull << 30, 4ull << 30, 3ull << 30, 1ull << 30, 7ull << 30, 16ull << 20,
	1ull << 30, 0,
};

struct tall_out {
	char before[1 << 20];
	int64_t ret[8];
};

static void tall_child(void *arg, void *buf)
{
	struct tall_out *o = buf;
	uint64_t size = (1ull << 21) + TALL_GROUPS * 2 * TALL_PER * 0x1000ull;
	char *r, *at;

	(void)arg;
	for (int g = 0; g < TALL_GROUPS; g++)
		size += tall_holes[g];
	r = mmap(NULL, size, PROT_NONE, PA | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		_exit(1);
	at = r + (1 << 20);
	for (int g = 0; g < TALL_GROUPS; g++) {
		for (int k = 0; k < TALL_PER; k++, at += 0x2000) {
			if (munmap(at + 0x1000, 0x1000) ||
			    (k % 3 == 0 && mprotect(at, 0x1000, PROT_READ)))
				_exit(1);
		}
		if (munmap(at, tall_holes[g]))
			_exit(1);
		at += tall_holes[g];
	}
	if (read_fd_all("/proc/self/maps", o->before, sizeof(o->before)))
		_exit(1);
	for (int i = 0; tall_lens[i]; i++) {
		void *p = mmap(NULL, tall_lens[i], RW, PA | MAP_NORESERVE, -1, 0);

		o->ret[i] = p == MAP_FAILED ? -errno : (int64_t)(uintptr_t)p;
	}
}

TEST(mmap_live_placement_tall_tree)
{
	static struct tall_out k;
	struct uvma_config cfg;
	struct uvma_mm *mm;
	uint64_t base = 0;
	size_t line = 0, lines = 0;

	ASSERT_EQ(live_child(tall_child, NULL, &k, sizeof(k), NULL), 0);
	for (const char *l = k.before; *l; l = strchr(l, '\n') + 1) {
		unsigned long long s, e;

		lines++;
		if (strstr(l, "[stack]") && strstr(l, "[stack]") < strchr(l, '\n'))
			break;
		if (sscanf(l, "%llx-%llx", &s, &e) == 2)
			base = e;
		if (!strchr(l, '\n'))
			break;
	}
	ASSERT(lines > TALL_GROUPS * TALL_PER);
	live_config(&cfg);
	cfg.mmap_base = base;
	ASSERT_MSG(uvma_import_ex(&cfg, k.before, strlen(k.before),
				  UVMA_IMPORT_FORK_CHILD, &mm, &line) == 0,
		   "line %zu", line);
	for (int i = 0; tall_lens[i]; i++) {
		int64_t m = uvma_mmap(mm, 0, tall_lens[i], RW, PA | MAP_NORESERVE, NULL, 0);

		ASSERT_MSG(m == k.ret[i], "mmap %d (%#jx bytes): kernel %#jx model %#jx",
			   i, (uintmax_t)tall_lens[i], (intmax_t)k.ret[i], (intmax_t)m);
	}
	uvma_mm_destroy(mm);
}
