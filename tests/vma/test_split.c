/* SPDX-License-Identifier: MIT */
/*
 * test_split.c - split_vma() and its map-count limit, vma_expand(),
 * vma_shrink(), relocate_vma_down(), copy_vma() (mremap move, merging at
 * the destination), vma_merge_extend(), munmap's gather and remove, and a
 * failing tree preallocation leaving everything untouched.
 */
#include "helpers.h"

TEST(vma_split_new_below_and_above)
{
	struct vt t;
	struct vm_area_struct *v, *lo, *hi;
	struct uvma_file *f = uvma_file_open("/data");

	vt_init(&t);
	/*
	 * 0123456789
	 * VVVVVVVVVV    file pgoff 100; split at 4, new piece below
	 * NNNNVVVVVV    new [0,4) pgoff 100; V [4,10) pgoff 104
	 */
	v = vt_map(&t, 0, 10, 100, RO);
	v->vm_file = uvma_file_get(f);
	v->vm_ops = &vt_ops_plain;
	vt_fault(&t, v);
	ASSERT_EQ(split_vma(&t.vmi, v, P(4), SPLIT_NEW_BELOW), 0);
	lo = find_vma(&t.mm, 0);
	ASSERT_PTR_NE(lo, v);
	ASSERT_VMA(lo, 0, 4, 100);
	ASSERT_VMA(v, 4, 10, 104);
	ASSERT_PTR_EQ(lo->anon_vma, v->anon_vma);
	ASSERT_PTR_EQ(lo->vm_file, f);
	ASSERT_EQ(f->refcount, 3);
	ASSERT_EQ(vt_open_calls, 1);
	ASSERT_EQ(t.mm.map_count, 2);

	/*
	 * 0123456789
	 * NNNNVVVVVV    split V at 7, new piece above
	 * NNNNVVVHHH    V [4,7) pgoff 104; new [7,10) pgoff 107
	 */
	ASSERT_EQ(split_vma(&t.vmi, v, P(7), SPLIT_NEW_ABOVE), 0);
	hi = find_vma(&t.mm, P(7));
	ASSERT_VMA(v, 4, 7, 104);
	ASSERT_VMA(hi, 7, 10, 107);
	ASSERT_EQ(v->anon_vma->refcount, 3);
	ASSERT_EQ(t.mm.map_count, 3);
	ASSERT_STR_EQ(vt_draw(&t, 10), "AAAABBBCCC");
	/* The iterator is left on V. */
	ASSERT_PTR_EQ(vma_next(&t.vmi), hi);
	vt_fini(&t);
	uvma_file_put(f);
}

TEST(vma_split_at_max_map_count)
{
	struct vt t;
	struct vm_area_struct *a, *b, *res;
	struct vt_snap snap;

	vt_init(&t);
	/*
	 * 0123456789
	 * AAAA BBBBB    two VMAs, max_map_count 2: no split may happen
	 */
	a = vt_map_anon(&t, 0, 4, RW);
	b = vt_map_anon(&t, 5, 10, RW);
	t.mm.max_map_count = 2;
	vt_snap(&t, &snap);
	ASSERT_EQ(split_vma(&t.vmi, a, P(2), SPLIT_NEW_ABOVE), -ENOMEM);
	ASSERT(vt_same(&t, &snap));

	/* One below the limit: the first split succeeds, the count reaches it. */
	t.mm.max_map_count = 3;
	ASSERT_EQ(split_vma(&t.vmi, a, P(2), SPLIT_NEW_ABOVE), 0);
	ASSERT_EQ(t.mm.map_count, 3);

	/*
	 * 0123456789
	 * AACC BBBBB    mprotect the interior [6,8) of B at max 4: the first
	 * AACC BDDEE    split fits (count 4), the second does not; Linux keeps
	 *               the first and fails with ENOMEM, so do we
	 */
	t.mm.max_map_count = 4;
	ASSERT_EQ(vma_modify_flags(&t.vmi, b, b, P(6), P(8), RO, &res), -ENOMEM);
	ASSERT_EQ(t.mm.map_count, 4);
	ASSERT_VMA(b, 6, 10, 6);
	ASSERT_STR_EQ(vt_draw(&t, 10), "AABB.CDDDD");

	/* munmap punching a hole at the limit is refused before any change. */
	vt_snap(&t, &snap);
	ASSERT_EQ(do_vmi_munmap(&t.vmi, &t.mm, P(7), P(1)), -ENOMEM);
	ASSERT(vt_same(&t, &snap));
	/*
	 * ... but cutting an end is not a hole: allowed even at the limit.
	 * The split at 9 gives the piece below a new record; B goes.
	 */
	ASSERT_EQ(do_vmi_munmap(&t.vmi, &t.mm, P(9), P(1)), 0);
	ASSERT_VMA(find_vma(&t.mm, P(6)), 6, 9, 6);
	ASSERT_EQ(t.mm.map_count, 4);
	vt_fini(&t);
}

TEST(vma_split_may_split_veto)
{
	struct vt t;
	struct vm_area_struct *v, *res;
	struct vt_snap snap;

	vt_init(&t);
	/*
	 * 0123456789
	 * VVVV          [vdso]-like: may_split refuses every split, so split,
	 * VVVV          modify of [1,2) and munmap of [1,2) fail, nothing
	 *               changes; unmapping all of V needs no split
	 * ....
	 */
	v = vt_map(&t, 0, 4, 0, RO);
	v->vm_ops = &vt_ops_nosplit;
	vt_snap(&t, &snap);
	ASSERT_EQ(split_vma(&t.vmi, v, P(2), SPLIT_NEW_BELOW), -EINVAL);
	ASSERT_EQ(vma_modify_flags(&t.vmi, v, v, P(1), P(2), RW, &res), -EINVAL);
	ASSERT_EQ(do_vmi_munmap(&t.vmi, &t.mm, P(1), P(1)), -EINVAL);
	ASSERT(vt_same(&t, &snap));
	ASSERT_VMA(v, 0, 4, 0);
	ASSERT_EQ(t.mm.map_count, 1);
	ASSERT_EQ(do_vmi_munmap(&t.vmi, &t.mm, 0, P(4)), 0);
	ASSERT_EQ(t.mm.map_count, 0);
	vt_fini(&t);
}

TEST(vma_expand_deletes_next)
{
	struct vt t;
	struct vm_area_struct *p, *n;
	struct anon_vma *av;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPP   NNN     expand P to [0,9): it swallows N (N was faulted)
	 * PPPPPPPPP
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	n = vt_map_anon(&t, 6, 9, RW);
	vt_fault(&t, n);
	av = n->anon_vma;
	{
		VMG_STATE(vmg, &t.mm, &t.vmi, 0, P(9), RW, 0);
		vmg.target = p;
		vmg.next = n;
		ASSERT_EQ(vma_expand(&vmg), 0);
	}
	ASSERT_VMA(p, 0, 9, 0);
	ASSERT_PTR_EQ(p->anon_vma, av);
	ASSERT_EQ(av->refcount, 1);
	ASSERT_EQ(t.mm.map_count, 1);
	ASSERT_STR_EQ(vt_draw(&t, 10), "AAAAAAAAA.");
	vt_fini(&t);
}

TEST(vma_shrink_either_end)
{
	struct vt t;
	struct vm_area_struct *v;

	vt_init(&t);
	/*
	 * 0123456789
	 * VVVVVVVVVV    shrink to [2,10) (pgoff 2), then to [2,6)
	 *   VVVV
	 */
	v = vt_map_anon(&t, 0, 10, RW);
	ASSERT_EQ(vma_shrink(&t.vmi, v, P(2), P(10), 2), 0);
	ASSERT_VMA(v, 2, 10, 2);
	ASSERT_EQ(vma_shrink(&t.vmi, v, P(2), P(6), 2), 0);
	ASSERT_VMA(v, 2, 6, 2);
	ASSERT_NULL(find_vma(&t.mm, P(6)));
	ASSERT_EQ(t.mm.map_count, 1);
	ASSERT_STR_EQ(vt_draw(&t, 10), "..AAAA....");
	/* Both ends at once is not a shrink. */
	ASSERT_EQ(vma_shrink(&t.vmi, v, P(3), P(5), 3), -EINVAL);
	vt_fini(&t);
}

TEST(vma_relocate_vma_down)
{
	struct vt t;
	struct vm_area_struct *s, *blocker;

	vt_init(&t);
	/*
	 * page 100..104: the temporary exec stack, pgoff 777 (kept)
	 *   move down 50 pages:  [50,54)
	 *   then 2 pages (overlapping the old place): [48,52)
	 */
	s = vt_map(&t, 100, 104, 777, RW | VM_GROWSDOWN);
	ASSERT_EQ(relocate_vma_down(&t.mm, s, P(50)), 0);
	ASSERT_VMA(s, 50, 54, 777);
	ASSERT_EQ(relocate_vma_down(&t.mm, s, P(2)), 0);
	ASSERT_VMA(s, 48, 52, 777);
	ASSERT_EQ(t.mm.map_count, 1);

	/* A VMA in the way: -EFAULT, nothing moves. */
	blocker = vt_map_anon(&t, 40, 41, RW);
	(void)blocker;
	ASSERT_EQ(relocate_vma_down(&t.mm, s, P(10)), -EFAULT);
	ASSERT_VMA(s, 48, 52, 777);
	ASSERT_EQ(relocate_vma_down(&t.mm, s, P(60)), -EINVAL);
	vt_fini(&t);
}

TEST(vma_copy_vma_unfaulted_merges_at_destination)
{
	struct vt t;
	struct vm_area_struct *p, *src, *res;

	vt_init(&t);
	/*
	 * 0         1         2
	 * 0123456789012345678901
	 * PPP                 SS    S unfaulted (pgoff 20) moves to [3,5):
	 * PPPPP               SS    its pgoff resets to 3, so P absorbs it
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	src = vt_map_anon(&t, 20, 22, RW);
	ASSERT_EQ(copy_vma(&t.mm, &src, P(3), P(2), 20, &res), 0);
	ASSERT_PTR_EQ(res, p);
	ASSERT_VMA(p, 0, 5, 0);
	ASSERT_VMA(src, 20, 22, 20);
	ASSERT_EQ(t.mm.map_count, 2);
	vt_fini(&t);
}

TEST(vma_copy_vma_faulted_keeps_pgoff)
{
	struct vt t;
	struct vm_area_struct *p, *src, *res;

	vt_init(&t);
	/*
	 * 0         1         2
	 * 0123456789012345678901
	 * PPP                 SS    S faulted: pgoff 20 travels with it, so
	 * PPPCC               SS    the copy at [3,5) cannot join P
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	src = vt_map_anon(&t, 20, 22, RW);
	vt_fault(&t, src);
	ASSERT_EQ(copy_vma(&t.mm, &src, P(3), P(2), 20, &res), 0);
	ASSERT_PTR_NE(res, p);
	ASSERT_VMA(res, 3, 5, 20);
	ASSERT_PTR_EQ(res->anon_vma, src->anon_vma);
	ASSERT_VMA(p, 0, 3, 0);
	ASSERT_EQ(t.mm.map_count, 3);
	vt_fini(&t);
}

TEST(vma_copy_vma_faulted_moves_back_and_merges)
{
	struct vt t;
	struct vm_area_struct *v, *w, *res;

	vt_init(&t);
	/*
	 * 0         1
	 * 0123456789012
	 * VVVVVV           faulted, split at 3
	 * VVVWWW           W (pgoff 3, same anon_vma) moves to [10,13) ...
	 * VVV       WWW    ... and back to [3,6): pgoff and anon_vma fit V
	 * VVVVVV
	 */
	v = vt_map_anon(&t, 0, 6, RW);
	vt_fault(&t, v);
	ASSERT_EQ(split_vma(&t.vmi, v, P(3), SPLIT_NEW_ABOVE), 0);
	w = find_vma(&t.mm, P(3));
	ASSERT_EQ(copy_vma(&t.mm, &w, P(10), P(3), w->vm_pgoff, &res), 0);
	ASSERT_VMA(res, 10, 13, 3);
	ASSERT_EQ(do_vmi_munmap(&t.vmi, &t.mm, P(3), P(3)), 0);
	w = res;
	ASSERT_EQ(copy_vma(&t.mm, &w, P(3), P(3), w->vm_pgoff, &res), 0);
	ASSERT_PTR_EQ(res, v);
	ASSERT_VMA(v, 0, 6, 0);
	ASSERT_EQ(t.mm.map_count, 2);
	vt_fini(&t);
}

TEST(vma_copy_vma_faulted_into_unfaulted_target)
{
	struct vt t;
	struct vm_area_struct *p, *src, *res;

	vt_init(&t);
	/*
	 * 0         1
	 * 0123456789012
	 * PPP       SS     S faulted with pgoff 3 (it came from [3,5)); P is
	 * PPPPP     SS     unfaulted.  The copy merges into P, and P must take
	 *                  S's anon_vma to reach the moved pages (6.18.y)
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	src = vt_map(&t, 10, 12, 3, RW);
	vt_fault(&t, src);
	ASSERT_EQ(copy_vma(&t.mm, &src, P(3), P(2), 3, &res), 0);
	ASSERT_PTR_EQ(res, p);
	ASSERT_VMA(p, 0, 5, 0);
	ASSERT_PTR_EQ(p->anon_vma, src->anon_vma);
	ASSERT_EQ(src->anon_vma->refcount, 2);
	vt_fini(&t);
}

TEST(vma_copy_vma_source_swallowed)
{
	struct vt t;
	struct vm_area_struct *src, *orig, *res;

	vt_init(&t);
	/*
	 * 0123456789
	 * SSS           unfaulted S copied to [3,5), right behind itself: the
	 * SSSSS         copy merges into S, and *vmap still points at S
	 */
	src = orig = vt_map_anon(&t, 0, 3, RW);
	ASSERT_EQ(copy_vma(&t.mm, &src, P(3), P(2), 0, &res), 0);
	ASSERT_PTR_EQ(res, orig);
	ASSERT_PTR_EQ(src, orig);
	ASSERT_VMA(src, 0, 5, 0);
	/* The destination must be free. */
	ASSERT_EQ(copy_vma(&t.mm, &src, P(4), P(2), 0, &res), -EEXIST);
	vt_fini(&t);
}

TEST(vma_merge_extend_absorbs_next)
{
	struct vt t;
	struct vm_area_struct *v, *n;

	vt_init(&t);
	/*
	 * 0123456789
	 * VVV  NNN      mremap grows V by 2 pages: V reaches N, which matches
	 * VVVVVVVV
	 */
	v = vt_map_anon(&t, 0, 3, RW);
	n = vt_map_anon(&t, 5, 8, RW);
	(void)n;
	ASSERT_PTR_EQ(vma_merge_extend(&t.vmi, v, P(2)), v);
	ASSERT_VMA(v, 0, 8, 0);
	ASSERT_EQ(t.mm.map_count, 1);
	vt_fini(&t);
}

TEST(vma_munmap_gather_and_remove)
{
	struct vt t;
	struct vm_area_struct *a, *b, *c;

	vt_init(&t);
	/*
	 * 0         1
	 * 0123456789012
	 * AAAA BBB CCCC    munmap [2,10): split A at 2 and C at 10, remove
	 * aa        ccc    [2,4) of A, all of B, [9,10) of C.  The split
	 *                  pieces that stay (a, c) are new records: A and C
	 *                  themselves cover the removed parts
	 */
	a = vt_map_anon(&t, 0, 4, RW);
	b = vt_map(&t, 5, 8, 5, RW);
	b->vm_ops = &vt_ops_close;
	c = vt_map_anon(&t, 9, 13, RW);
	vt_fault(&t, c);
	ASSERT_EQ(do_vmi_munmap(&t.vmi, &t.mm, P(2), P(8)), 0);
	ASSERT_PTR_NE(find_vma(&t.mm, 0), a);
	ASSERT_VMA(find_vma(&t.mm, 0), 0, 2, 0);
	c = find_vma(&t.mm, P(2));
	ASSERT_VMA(c, 10, 13, 10);
	ASSERT_EQ(t.mm.map_count, 2);
	ASSERT_EQ(vt_close_calls, 1);
	ASSERT_EQ(c->anon_vma->refcount, 1);
	ASSERT_STR_EQ(vt_draw(&t, 13), "AA........BBB");
	/* Nothing mapped there: success, nothing changes. */
	ASSERT_EQ(do_vmi_munmap(&t.vmi, &t.mm, P(4), P(4)), 0);
	ASSERT_EQ(do_vmi_munmap(&t.vmi, &t.mm, P(4) + 1, P(4)), -EINVAL);
	ASSERT_EQ(do_vmi_munmap(&t.vmi, &t.mm, P(4), 0), -EINVAL);
	vt_fini(&t);
}

TEST(vma_munmap_sealed)
{
	struct vt t;
	struct vm_area_struct *a, *b;
	struct vt_snap snap;

	vt_init(&t);
	/*
	 * 0123456789
	 * AAAABBB       B sealed.  munmap [5,6) inside B: EPERM, no change
	 */
	a = vt_map_anon(&t, 0, 4, RW);
	b = vt_map_anon(&t, 4, 7, RW | VM_SEALED);
	vt_snap(&t, &snap);
	ASSERT_EQ(do_vmi_munmap(&t.vmi, &t.mm, P(5), P(1)), -EPERM);
	ASSERT(vt_same(&t, &snap));

	/*
	 * 0123456789
	 * AAAABBB       munmap [2,6): A is split at 2 first, then B refuses;
	 * AA??BBB       as in Linux the split of A stays
	 */
	ASSERT_EQ(do_vmi_munmap(&t.vmi, &t.mm, P(2), P(4)), -EPERM);
	ASSERT_VMA(a, 2, 4, 2);
	ASSERT_VMA(b, 4, 7, 4);
	ASSERT_EQ(t.mm.map_count, 3);
	ASSERT_STR_EQ(vt_draw(&t, 10), "AABBCCC...");
	vt_fini(&t);
}

TEST(vma_prealloc_failure_leaves_all_untouched)
{
	struct vt t;
	struct vm_area_struct *p, *m, *n, *res, *v;
	struct vma_merge_struct vmg;
	struct vt_snap snap;

	vt_init(&t);
	/*
	 * 0         1         2
	 * 0123456789012345678901
	 * PPPMMM NNN          SS   every operation below needs tree nodes,
	 *                          which the fake refuses: all must fail
	 *                          with nothing changed
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	m = vt_map_anon(&t, 3, 6, RO);
	n = vt_map_anon(&t, 7, 10, RW);
	v = vt_map_anon(&t, 20, 22, RW);
	vt_fault(&t, m);
	vt_snap(&t, &snap);
	vma_test_fail_prealloc = true;

	ASSERT_EQ(split_vma(&t.vmi, m, P(4), SPLIT_NEW_BELOW), -ENOMEM);
	ASSERT_EQ(vma_modify_flags(&t.vmi, p, m, P(3), P(6), RW, &res), -ENOMEM);
	ASSERT_EQ(vma_modify_flags(&t.vmi, p, m, P(4), P(5), RW, &res), -ENOMEM);
	{
		VMG_STATE(tmp, &t.mm, &t.vmi, P(6), P(7), RO, 6);
		vmg = tmp;
		vmg.prev = m;
		vmg.next = n;
		ASSERT_NULL(vma_merge_new_range(&vmg));
		ASSERT(vmg_nomem(&vmg));
	}
	ASSERT_EQ(vma_shrink(&t.vmi, n, P(8), P(10), 8), -ENOMEM);
	ASSERT_EQ(relocate_vma_down(&t.mm, v, P(5)), -ENOMEM);
	ASSERT_EQ(copy_vma(&t.mm, &v, P(12), P(2), 20, &res), -ENOMEM);
	ASSERT_EQ(do_vmi_munmap(&t.vmi, &t.mm, P(1), P(7)), -ENOMEM);
	ASSERT_NULL(vma_merge_extend(&t.vmi, m, P(1)));
	ASSERT(vt_same(&t, &snap));

	vma_test_fail_prealloc = false;
	ASSERT_EQ(vma_modify_flags(&t.vmi, p, m, P(3), P(6), RW, &res), 0);
	ASSERT_PTR_EQ(res, p);
	vt_fini(&t);
}
