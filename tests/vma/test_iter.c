/* SPDX-License-Identifier: MIT */
/*
 * test_iter.c - the VMA iterator: positioning, stepping both ways, finding
 * up to a limit, stepping by range (a gap is a range), the loop macro, and
 * staying usable across changes made by core operations.
 */
#include "helpers.h"

TEST(vma_iter_steps_and_finds)
{
	struct vt t;
	struct vm_area_struct *a, *b, *c, *vma;
	int n = 0;

	vt_init(&t);
	/*
	 * 0123456789
	 * AA.BBB.CC.
	 */
	a = vt_map_anon(&t, 0, 2, RW);
	b = vt_map_anon(&t, 3, 6, RO);
	c = vt_map_anon(&t, 7, 9, RW);
	VMA_ITERATOR(vmi, &t.mm, P(4));
	ASSERT_PTR_EQ(vma_next(&vmi), b);	/* contains 4 */
	ASSERT_PTR_EQ(vma_next(&vmi), c);
	ASSERT_NULL(vma_next(&vmi));
	ASSERT_PTR_EQ(vma_prev(&vmi), b);
	ASSERT_PTR_EQ(vma_prev(&vmi), a);
	ASSERT_NULL(vma_prev(&vmi));

	/* vma_find() stops below the limit and does not move past it. */
	vma_iter_set(&vmi, P(2));
	ASSERT_PTR_EQ(vma_find(&vmi, P(4)), b);
	ASSERT_NULL(vma_find(&vmi, P(7)));
	ASSERT_PTR_EQ(vma_find(&vmi, P(8)), c);

	/* Standing on B: its range, and a step either way leaves it. */
	vma_iter_on(&vmi, b);
	ASSERT_EQ_X(vma_iter_addr(&vmi), P(3));
	ASSERT_EQ_X(vma_iter_end(&vmi), P(6));
	ASSERT_PTR_EQ(vma_next(&vmi), c);
	vma_iter_on(&vmi, b);
	ASSERT_PTR_EQ(vma_prev(&vmi), a);
	vma_iter_on(&vmi, b);
	ASSERT_PTR_EQ(vma_find(&vmi, P(7)), NULL);	/* C starts at 7 */
	ASSERT_PTR_EQ(vma_prev(&vmi), a);	/* still on B */

	/* vma_iter_after(): from anywhere, without moving the iterator. */
	vma_iter_set(&vmi, P(4));
	ASSERT_PTR_EQ(vma_next(&vmi), b);	/* on B, leaf held */
	ASSERT_PTR_EQ(vma_iter_after(&vmi, b), c);
	ASSERT_PTR_EQ(vma_iter_after(&vmi, a), b);	/* not on A: a lookup */
	ASSERT_NULL(vma_iter_after(&vmi, c));
	ASSERT_PTR_EQ(vma_next(&vmi), c);	/* did not move */
	vma_iter_set(&vmi, P(6));		/* at B's end, no leaf */
	ASSERT_PTR_EQ(vma_iter_after(&vmi, b), c);

	/* Ranges: from A the next range is the hole [2,3), then B. */
	vma_iter_on(&vmi, a);
	ASSERT_NULL(vma_iter_next_range(&vmi));
	ASSERT_PTR_EQ(vma_next(&vmi), b);
	vma_iter_on(&vmi, c);
	ASSERT_NULL(vma_iter_prev_range(&vmi));
	ASSERT_PTR_EQ(vma_prev(&vmi), b);

	vma_iter_set(&vmi, P(1));
	for_each_vma_range(vmi, vma, P(8))
		n++;
	ASSERT_EQ(n, 3);
	vt_fini(&t);
}

TEST(vma_iter_valid_across_changes)
{
	struct vt t;
	struct vm_area_struct *a, *vma, *res, *prev = NULL;
	int n = 0;

	vt_init(&t);
	/*
	 * 0123456789
	 * AAAAAAAAAA    mprotect-style loop over [2,8), one page at a time
	 *               alternating RO and RW: every step splits or merges
	 *               behind the iterator, which must carry on after the
	 *               VMA each step returns
	 * AABCBCBCAA    (letters per distinct flags, in the end)
	 */
	a = vt_map_anon(&t, 0, 10, RW);
	(void)a;
	vma_iter_set(&t.vmi, P(2));
	for (uint64_t pg = 2; pg < 8; pg++) {
		vm_flags_t fl = (pg & 1) ? RW | VM_EXEC : RO;

		vma_iter_set(&t.vmi, P(pg));
		vma = vma_find(&t.vmi, P(pg + 1));
		ASSERT_NOT_NULL(vma);
		if (vma->vm_start < P(pg))
			prev = vma;
		ASSERT_EQ(vma_modify_flags(&t.vmi, prev, vma, P(pg), P(pg + 1), fl,
					   &res), 0);
		res->vm_flags = fl;
		/* The iterator sits on res: one step back, one forward. */
		ASSERT_EQ_X(vma_prev(&t.vmi)->vm_end, P(pg));
		ASSERT_PTR_EQ(vma_next(&t.vmi), res);
		prev = res;
		n++;
	}
	ASSERT_EQ(n, 6);
	ASSERT_EQ(t.mm.map_count, 8);
	ASSERT_STR_EQ(vt_draw(&t, 10), "AABCDEFGHH");
	vt_fini(&t);
}

TEST(vma_iter_range_steps_through_gaps)
{
	struct vt t;
	struct vm_area_struct *a, *b, *c, *d;

	vt_init(&t);
	/*
	 * 0123456789
	 * AA.BBBCC.D    ranges in order: A, gap [2,3), B, C, gap [8,9), D,
	 *               then the gap above D
	 */
	a = vt_map_anon(&t, 0, 2, RW);
	b = vt_map_anon(&t, 3, 6, RO);
	c = vt_map_anon(&t, 6, 8, RW);
	d = vt_map_anon(&t, 9, 10, RO);

	/* Forward, one range per step: a gap is NULL, and its bounds. */
	vma_iter_on(&t.vmi, a);
	ASSERT_NULL(vma_iter_next_range(&t.vmi));
	ASSERT_EQ_X(vma_iter_addr(&t.vmi), P(2));
	ASSERT_EQ_X(vma_iter_end(&t.vmi), P(3));
	ASSERT_PTR_EQ(vma_iter_next_range(&t.vmi), b);
	ASSERT_PTR_EQ(vma_iter_next_range(&t.vmi), c);	/* touching: no gap */
	ASSERT_NULL(vma_iter_next_range(&t.vmi));
	ASSERT_EQ_X(vma_iter_addr(&t.vmi), P(8));
	ASSERT_EQ_X(vma_iter_end(&t.vmi), P(9));
	ASSERT_PTR_EQ(vma_iter_next_range(&t.vmi), d);
	ASSERT_NULL(vma_iter_next_range(&t.vmi));	/* the gap above D */
	ASSERT_EQ_X(vma_iter_addr(&t.vmi), P(10));

	/* Backward from D: gap [8,9), C, B, gap [2,3), A, then nothing. */
	vma_iter_on(&t.vmi, d);
	ASSERT_NULL(vma_iter_prev_range(&t.vmi));
	ASSERT_EQ_X(vma_iter_addr(&t.vmi), P(8));
	ASSERT_EQ_X(vma_iter_end(&t.vmi), P(9));
	ASSERT_PTR_EQ(vma_iter_prev_range(&t.vmi), c);
	ASSERT_PTR_EQ(vma_iter_prev_range(&t.vmi), b);
	ASSERT_NULL(vma_iter_prev_range(&t.vmi));
	ASSERT_EQ_X(vma_iter_addr(&t.vmi), P(2));
	ASSERT_EQ_X(vma_iter_end(&t.vmi), P(3));
	ASSERT_PTR_EQ(vma_iter_prev_range(&t.vmi), a);

	/* From a gap, plain stepping gives the VMAs on either side. */
	vma_iter_on(&t.vmi, c);
	ASSERT_NULL(vma_iter_next_range(&t.vmi));
	ASSERT_PTR_EQ(vma_next(&t.vmi), d);
	vma_iter_on(&t.vmi, c);
	ASSERT_NULL(vma_iter_next_range(&t.vmi));
	ASSERT_PTR_EQ(vma_prev(&t.vmi), c);
	vt_fini(&t);
}
