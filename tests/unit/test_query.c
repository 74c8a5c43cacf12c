/* SPDX-License-Identifier: MIT */
/*
 * test_query.c - the queries an embedder makes without text: the VMA
 * containing an address (uvma_vma_at), the VMAs of a range
 * (uvma_vma_foreach), and the fault classification that changes nothing
 * (uvma_fault_check).  Expected values come from layouts drawn by hand; the
 * classification is also held against uvma_fault() itself (pinned on the
 * live kernel in test_fault.c) on a randomized sample, and the address
 * space must read back byte for byte the same after every check.
 */
#include <errno.h>
#include <stdlib.h>

#include "test.h"
#include "uvma/uvma.h"

#define PG 4096ull
#define RW (UVMA_PROT_READ | UVMA_PROT_WRITE)
#define PA (UVMA_MAP_PRIVATE | UVMA_MAP_ANONYMOUS | UVMA_MAP_FIXED)
#define B 0x200000000000ull
#define STK (B + 0x400000)	/* a RW stack, an accessible VMA 1.5 MiB below */
#define STK_RO (B + 0x800000)	/* a read-only stack */

/*
 * The layout (pages from B):
 *   0123456789abcdef0123
 *   AAAArrn.........FFFF     A rw, r read-only, n PROT_NONE,
 *                            F file r-x, 10 KiB long: pages 19.. past EOF
 *   B + 0x280000: one rw page (1.5 MiB below STK)
 *   STK: 4 rw GROWSDOWN pages; STK_RO: 4 read-only GROWSDOWN pages
 *   RLIMIT_STACK 256 KiB.
 */
static struct uvma_mm *layout(void)
{
	struct uvma_config cfg;
	struct uvma_file_desc d = { .path = "/lib/x", .dev_major = 8,
				    .ino = 7, .size = 10 * 1024 };
	struct uvma_file *f;
	struct uvma_mm *mm;

	uvma_config_init(&cfg);
	cfg.rlimit_stack = 256 * 1024;
	if (uvma_mm_create(&cfg, &mm))
		return NULL;
	if (uvma_file_create(&d, &f)) {
		uvma_mm_destroy(mm);
		return NULL;
	}
	if (uvma_mmap(mm, B, 4 * PG, RW, PA, NULL, 0) < 0 ||
	    uvma_mmap(mm, B + 4 * PG, 2 * PG, UVMA_PROT_READ, PA, NULL, 0) < 0 ||
	    uvma_mmap(mm, B + 6 * PG, PG, UVMA_PROT_NONE, PA, NULL, 0) < 0 ||
	    uvma_mmap(mm, B + 16 * PG, 4 * PG, UVMA_PROT_READ | UVMA_PROT_EXEC,
		      UVMA_MAP_PRIVATE | UVMA_MAP_FIXED, f, 0) < 0 ||
	    uvma_mmap(mm, B + 0x280000, PG, RW, PA, NULL, 0) < 0 ||
	    uvma_mmap(mm, STK, 4 * PG, RW, PA | UVMA_MAP_GROWSDOWN, NULL, 0) < 0 ||
	    uvma_mmap(mm, STK_RO, 4 * PG, UVMA_PROT_READ, PA | UVMA_MAP_GROWSDOWN,
		      NULL, 0) < 0) {
		uvma_mm_destroy(mm);
		mm = NULL;
	}
	uvma_file_unref(f);
	return mm;
}

TEST(query_vma_at_and_find)
{
	struct uvma_mm *mm = layout();
	struct uvma_vma_info vi;

	ASSERT_NOT_NULL(mm);
	ASSERT_EQ(uvma_vma_at(mm, B - 1, &vi), 0);
	ASSERT_EQ(uvma_vma_at(mm, B, &vi), 1);
	ASSERT_EQ_X(vi.start, B);
	ASSERT_EQ_X(vi.end, B + 4 * PG);
	ASSERT_EQ(uvma_vma_at(mm, B + 4 * PG - 1, &vi), 1);
	ASSERT_EQ_X(vi.end, B + 4 * PG);
	ASSERT_EQ(uvma_vma_at(mm, B + 4 * PG, &vi), 1);
	ASSERT_EQ_X(vi.start, B + 4 * PG);
	ASSERT_EQ(vi.flags & (UVMA_VM_READ | UVMA_VM_WRITE), UVMA_VM_READ);
	/* In the hole: _at says no, _find gives the file VMA above. */
	ASSERT_EQ(uvma_vma_at(mm, B + 7 * PG, &vi), 0);
	ASSERT_EQ(uvma_vma_find(mm, B + 7 * PG, &vi), 1);
	ASSERT_EQ_X(vi.start, B + 16 * PG);
	ASSERT_NOT_NULL(vi.file);
	ASSERT_STR_EQ(uvma_file_path(vi.file), "/lib/x");
	ASSERT_EQ(uvma_vma_at(mm, STK_RO + 4 * PG, &vi), 0);
	ASSERT_EQ(uvma_vma_find(mm, STK_RO + 4 * PG, &vi), 0);
	uvma_mm_destroy(mm);
}

struct visit {
	uint64_t start[16];
	int n, stop_at;
	struct uvma_mm *mm;
	int inner;	/* what a query from inside the callback returned */
};

static int visit_fn(const struct uvma_vma_info *info, void *ctx)
{
	struct visit *v = ctx;
	struct uvma_vma_info in;

	if (v->n < 16)
		v->start[v->n] = info->start;
	v->n++;
	v->inner = uvma_vma_at(v->mm, info->start, &in) == 1 &&
		   in.end == info->end;
	return v->n == v->stop_at ? 42 : 0;
}

TEST(query_foreach)
{
	struct uvma_mm *mm = layout();
	struct visit v = { .stop_at = -1 };

	ASSERT_NOT_NULL(mm);
	v.mm = mm;
	/* Whole space: the 7 VMAs in order. */
	ASSERT_EQ(uvma_vma_foreach(mm, 0, UINT64_MAX, visit_fn, &v), 0);
	ASSERT_EQ(v.n, 7);
	ASSERT_EQ(uvma_mm_map_count(mm), 7);
	ASSERT_EQ_X(v.start[0], B);
	ASSERT_EQ_X(v.start[1], B + 4 * PG);
	ASSERT_EQ_X(v.start[3], B + 16 * PG);
	ASSERT_EQ_X(v.start[6], STK_RO);
	ASSERT_EQ(v.inner, 1);
	/* [B+5P, B+17P): r (partly), n, F (partly) - whole VMAs reported. */
	v.n = 0;
	ASSERT_EQ(uvma_vma_foreach(mm, B + 5 * PG, B + 17 * PG, visit_fn, &v), 0);
	ASSERT_EQ(v.n, 3);
	ASSERT_EQ_X(v.start[0], B + 4 * PG);
	ASSERT_EQ_X(v.start[2], B + 16 * PG);
	/* A hole only; an empty range; a stop. */
	v.n = 0;
	ASSERT_EQ(uvma_vma_foreach(mm, B + 7 * PG, B + 16 * PG, visit_fn, &v), 0);
	ASSERT_EQ(uvma_vma_foreach(mm, B, B, visit_fn, &v), 0);
	ASSERT_EQ(v.n, 0);
	v.stop_at = 2;
	ASSERT_EQ(uvma_vma_foreach(mm, 0, UINT64_MAX, visit_fn, &v), 42);
	ASSERT_EQ(v.n, 2);
	ASSERT_EQ(uvma_vma_foreach(mm, 2, 1, visit_fn, &v), -EINVAL);
	ASSERT_EQ(uvma_vma_foreach(mm, 0, 1, NULL, &v), -EINVAL);
	uvma_mm_destroy(mm);
}

/* Expected classes read off the drawing above. */
TEST(query_fault_check_by_hand)
{
	static const struct {
		uint64_t addr;
		unsigned int access;
		int want;
	} cases[] = {
		{ B, UVMA_FAULT_WRITE, UVMA_FAULT_OK },
		{ B + 4 * PG - 1, UVMA_FAULT_READ, UVMA_FAULT_OK },
		{ B, UVMA_FAULT_EXEC, UVMA_FAULT_SEGV_ACCERR },
		{ B + 4 * PG, UVMA_FAULT_WRITE, UVMA_FAULT_SEGV_ACCERR },
		{ B + 5 * PG, UVMA_FAULT_READ, UVMA_FAULT_OK },
		{ B + 6 * PG, UVMA_FAULT_READ, UVMA_FAULT_SEGV_ACCERR },
		{ B + 7 * PG, UVMA_FAULT_READ, UVMA_FAULT_SEGV_MAPERR },
		{ B - PG, UVMA_FAULT_READ, UVMA_FAULT_SEGV_MAPERR },
		{ B + 16 * PG, UVMA_FAULT_EXEC, UVMA_FAULT_OK },
		{ B + 18 * PG + 100, UVMA_FAULT_READ, UVMA_FAULT_OK },	/* partial last page */
		{ B + 19 * PG, UVMA_FAULT_READ, UVMA_FAULT_SIGBUS },
		{ B + 19 * PG, UVMA_FAULT_WRITE, UVMA_FAULT_SEGV_ACCERR },
		{ STK - PG, UVMA_FAULT_WRITE, UVMA_FAULT_GROWS_STACK },
		{ STK - 60 * PG, UVMA_FAULT_READ, UVMA_FAULT_GROWS_STACK },
		/* 256 KiB rlimit: 4 + 60 pages fit, 4 + 61 do not. */
		{ STK - 61 * PG, UVMA_FAULT_READ, UVMA_FAULT_SEGV_MAPERR },
		{ STK - 0x100000, UVMA_FAULT_READ, UVMA_FAULT_SEGV_MAPERR },
		{ STK_RO - PG, UVMA_FAULT_READ, UVMA_FAULT_GROWS_STACK },
		{ STK_RO - PG, UVMA_FAULT_WRITE, UVMA_FAULT_SEGV_ACCERR },
		{ STK_RO + 4 * PG, UVMA_FAULT_READ, UVMA_FAULT_SEGV_MAPERR },
		{ 0x7ffffffff000ull, UVMA_FAULT_READ, UVMA_FAULT_SEGV_MAPERR },
		{ UINT64_MAX, UVMA_FAULT_READ, UVMA_FAULT_SEGV_MAPERR },
	};
	struct uvma_mm *mm = layout();

	ASSERT_NOT_NULL(mm);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ASSERT_MSG(uvma_fault_check(mm, cases[i].addr, cases[i].access) ==
				   cases[i].want,
			   "case %zu: %#" PRIx64 " access %u: got %d, want %d", i,
			   cases[i].addr, cases[i].access,
			   uvma_fault_check(mm, cases[i].addr, cases[i].access),
			   cases[i].want);
	uvma_mm_destroy(mm);
}

static char *smaps_of(struct uvma_mm *mm)
{
	char *t = NULL;

	return uvma_smaps_text(mm, UVMA_SMAPS_SIZES, &t, NULL) ? NULL : t;
}

/*
 * Randomized: uvma_fault_check() leaves the address space byte for byte as
 * it was, and predicts what uvma_fault() then does on the same layout.
 */
TEST(query_fault_check_predicts_fault)
{
	static const uint64_t spots[] = { B, B + 0x10000, B + 0x280000,
					  STK - 0x50000, STK_RO - 0x50000 };
	uint64_t seed = test_seed();
	unsigned n = 150 * test_scale();
	int64_t live = uvma_alloc_live();

	for (unsigned i = 0; i < n; i++) {
		struct uvma_mm *mm = layout();
		struct uvma_vma_info vi;
		uint64_t addr = spots[test_below(&seed, 5)] +
				test_below(&seed, 0x60000);
		unsigned int access = (unsigned int)test_below(&seed, 3);
		char *before, *after;
		int check, fault, was_mapped;

		ASSERT_NOT_NULL(mm);
		was_mapped = uvma_vma_at(mm, addr, &vi);
		before = smaps_of(mm);
		check = uvma_fault_check(mm, addr, access);
		after = smaps_of(mm);
		ASSERT_NOT_NULL(before);
		ASSERT_NOT_NULL(after);
		ASSERT_STR_EQ(after, before);
		uvma_text_free(before);
		uvma_text_free(after);
		fault = uvma_fault(mm, addr, access);
		ASSERT_MSG((check == UVMA_FAULT_GROWS_STACK ? UVMA_FAULT_OK : check) ==
				   fault,
			   "%#" PRIx64 " access %u: check %d, fault %d", addr,
			   access, check, fault);
		if (check == UVMA_FAULT_GROWS_STACK)
			ASSERT(!was_mapped && uvma_vma_at(mm, addr, &vi) == 1);
		if (check == UVMA_FAULT_OK)
			ASSERT(was_mapped);
		ASSERT_EQ(uvma_mm_validate(mm), 0);
		uvma_mm_destroy(mm);
	}
	ASSERT_EQ(uvma_alloc_live(), live);
}
