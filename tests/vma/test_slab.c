/* SPDX-License-Identifier: MIT */
/*
 * test_slab.c - the record pool behind VMA records (src/shim/slab.c):
 * alignment and zeroing, reuse of freed records, slabs counted by the
 * allocator (bytes and blocks), failure of a record and of a slab grow,
 * wholly free slabs given back with one kept, and the leak rule of
 * uvma_pool_destroy().  Expected figures follow from the documented
 * geometry: 4096-byte slabs of 63 records after a 64-byte header.
 */
#include "helpers.h"

#define PER_SLAB 63

static int aligned_zeroed(const void *p)
{
	const unsigned char *b = p;

	if ((uintptr_t)p % 64)
		return 0;
	for (int i = 0; i < 64; i++)
		if (b[i])
			return 0;
	return 1;
}

TEST(slab_records_aligned_counted_and_given_back)
{
	struct uvma_pool pool = { 0 };
	static void *rec[200];
	int64_t blocks0 = uvma_alloc_live(), bytes0 = uvma_alloc_live_bytes();

	for (int i = 0; i < 200; i++) {
		rec[i] = uvma_pool_alloc(&pool);
		ASSERT_NOT_NULL(rec[i]);
		ASSERT(aligned_zeroed(rec[i]));
		memset(rec[i], 0xa5, 64);	/* ASan: the whole line is ours */
	}
	/* 200 records need ceil(200 / 63) = 4 slabs, counted as whole pages. */
	ASSERT_EQ(pool.slabs, 4);
	ASSERT_EQ(pool.records, 200);
	ASSERT_EQ(uvma_alloc_live() - blocks0, 4);
	ASSERT_EQ(uvma_alloc_live_bytes() - bytes0, 4 * 4096);
	for (int i = 0; i < 200; i++)
		for (int j = i + 1; j < 200; j++)
			ASSERT_PTR_NE(rec[i], rec[j]);

	/* LIFO reuse: a freed record is the next one handed out, zeroed. */
	uvma_pool_free(&pool, rec[70]);
	ASSERT_PTR_EQ(uvma_pool_alloc(&pool), rec[70]);
	ASSERT(aligned_zeroed(rec[70]));

	/*
	 * Free the first three slabs' records (0..188): the first slab to
	 * empty is kept, the next two go; the fourth slab stays in use.
	 */
	for (int i = 0; i < 3 * PER_SLAB; i++)
		uvma_pool_free(&pool, rec[i]);
	ASSERT_EQ(pool.slabs, 2);
	ASSERT_EQ(uvma_alloc_live() - blocks0, 2);
	/* The last records: the in-use slab empties and goes, one is kept. */
	for (int i = 3 * PER_SLAB; i < 200; i++)
		uvma_pool_free(&pool, rec[i]);
	ASSERT_EQ(pool.records, 0);
	ASSERT_EQ(pool.slabs, 1);
	uvma_pool_destroy(&pool);
	ASSERT_EQ(pool.slabs, 0);
	ASSERT_EQ(uvma_alloc_live(), blocks0);
	ASSERT_EQ(uvma_alloc_live_bytes(), bytes0);
}

TEST(slab_boundary_pair_keeps_its_slab)
{
	struct uvma_pool pool = { 0 };
	static void *rec[PER_SLAB];
	int64_t blocks0 = uvma_alloc_live();

	for (int i = 0; i < PER_SLAB; i++)
		ASSERT_NOT_NULL(rec[i] = uvma_pool_alloc(&pool));
	ASSERT_EQ(pool.slabs, 1);
	/* The first slab is full: a pair maps a second slab once, not each time. */
	for (int k = 0; k < 10; k++) {
		void *p = uvma_pool_alloc(&pool);

		ASSERT_NOT_NULL(p);
		ASSERT_EQ(pool.slabs, 2);
		uvma_pool_free(&pool, p);
		ASSERT_EQ(pool.slabs, 2);
	}
	ASSERT_EQ(uvma_alloc_live() - blocks0, 2);
	/* A lone slab that empties goes: an owner without records holds nothing. */
	for (int i = 0; i < PER_SLAB; i++)
		uvma_pool_free(&pool, rec[i]);
	ASSERT_EQ(pool.slabs, 1);	/* the kept empty one */
	uvma_pool_destroy(&pool);
	ASSERT_EQ(uvma_alloc_live(), blocks0);
	{
		void *p = uvma_pool_alloc(&pool);

		ASSERT_NOT_NULL(p);
		uvma_pool_free(&pool, p);
		ASSERT_EQ(pool.slabs, 0);
	}
	ASSERT_EQ(uvma_alloc_live(), blocks0);
}

TEST(slab_failures_change_nothing)
{
	struct uvma_pool pool = { 0 };
	static void *rec[PER_SLAB];
	int64_t blocks0 = uvma_alloc_live();

	/* Every record is a fault-injection point, from a slab or not. */
	uvma_alloc_fail_at(1, 0);
	ASSERT_NULL(uvma_pool_alloc(&pool));
	uvma_alloc_fail_at(0, 0);
	ASSERT_EQ(pool.slabs, 0);
	for (int i = 0; i < PER_SLAB; i++)
		ASSERT_NOT_NULL(rec[i] = uvma_pool_alloc(&pool));
	uvma_alloc_fail_at(1, 0);
	ASSERT_NULL(uvma_pool_alloc(&pool));
	uvma_alloc_fail_at(0, 0);
	/* The slab is full: the second point is the grow, and it fails. */
	uvma_alloc_fail_at(2, 0);
	ASSERT_NULL(uvma_pool_alloc(&pool));
	uvma_alloc_fail_at(0, 0);
	ASSERT_EQ(pool.slabs, 1);
	ASSERT_EQ(pool.records, PER_SLAB);
	ASSERT_EQ(uvma_alloc_live() - blocks0, 1);

	/* A leaked record: destroy keeps the slabs, so the leak shows. */
	for (int i = 1; i < PER_SLAB; i++)
		uvma_pool_free(&pool, rec[i]);
	uvma_pool_destroy(&pool);
	ASSERT_EQ(uvma_alloc_live() - blocks0, 1);
	uvma_pool_free(&pool, rec[0]);
	uvma_pool_destroy(&pool);
	ASSERT_EQ(uvma_alloc_live(), blocks0);
}

TEST(slab_vma_records_one_line_each)
{
	struct vt t;
	struct vm_area_struct *a, *b;

	vt_init(&t);
	a = vt_map_anon(&t, 0, 2, RW);
	b = vt_map_anon(&t, 3, 5, RW);
	ASSERT_EQ((uintptr_t)a % 64, 0);
	ASSERT_EQ((uintptr_t)b % 64, 0);
	ASSERT_EQ(t.mm.vma_pool.records, 2);
	ASSERT_EQ(t.mm.vma_pool.slabs, 1);
	vt_fini(&t);
}
