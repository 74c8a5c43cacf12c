/* SPDX-License-Identifier: MIT */
/*
 * test_merge_existing.c - vma_modify_*(): part or all of an existing VMA
 * (middle) takes a new attribute and merges with prev and/or next, or is
 * split off.  Expected values follow SEMANTICS.md 7 by hand; as in Linux,
 * the caller writes the new attribute on the VMA it gets back.
 *
 * Most tests start from
 *
 *   0123456789
 *   PPPMMMNNN      P [0,3) pgoff 0, M [3,6) pgoff 3, N [6,9) pgoff 6
 */
#include "helpers.h"

#define RX (RO | VM_EXEC)

/* mprotect() in miniature: modify, then write the flags on the result. */
static int protect(struct vt *t, struct vm_area_struct *prev,
		   struct vm_area_struct *vma, uint64_t s, uint64_t e,
		   vm_flags_t flags, struct vm_area_struct **res)
{
	int err = vma_modify_flags(&t->vmi, prev, vma, P(s), P(e), flags, res);

	if (!err)
		(*res)->vm_flags = flags;
	return err;
}

/* place() - map [s, e) at pgoff @pgoff away from everything, fault it, move it to @to. */
static struct vm_area_struct *place_faulted(struct vt *t, uint64_t s, uint64_t e,
					    uint64_t pgoff, vm_flags_t flags,
					    uint64_t to)
{
	struct vm_area_struct *vma = vt_map(t, s, e, pgoff, flags);

	if (!vma || anon_vma_prepare(&t->mm, vma) ||
	    relocate_vma_down(&t->mm, vma, P(s - to)))
		return NULL;
	return vma;
}

TEST(vma_existing_merge_both)
{
	struct vt t;
	struct vm_area_struct *p, *m, *n, *res;
	struct anon_vma *av;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPPMMMNNN     M (faulted) becomes RW like P and N
	 * PPPPPPPPP     P extends over M and N; P takes M's anon_vma
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	m = vt_map_anon(&t, 3, 6, RO);
	n = vt_map_anon(&t, 6, 9, RW);
	(void)n;
	vt_fault(&t, m);
	av = m->anon_vma;
	ASSERT_EQ(protect(&t, p, m, 3, 6, RW, &res), 0);
	ASSERT_PTR_EQ(res, p);
	ASSERT_VMA(p, 0, 9, 0);
	ASSERT_PTR_EQ(p->anon_vma, av);
	ASSERT_EQ(av->refcount, 1);
	ASSERT_EQ(t.mm.map_count, 1);
	ASSERT_STR_EQ(vt_draw(&t, 10), "AAAAAAAAA.");
	vt_fini(&t);
}

TEST(vma_existing_merge_both_takes_next_anon)
{
	struct vt t;
	struct vm_area_struct *p, *m, *n, *res;
	struct anon_vma *av;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPPMMMNNN     only N is faulted
	 * PPPPPPPPP     P takes N's anon_vma
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	m = vt_map_anon(&t, 3, 6, RO);
	n = place_faulted(&t, 12, 15, 6, RW, 6);
	ASSERT_NOT_NULL(n);
	av = n->anon_vma;
	ASSERT_EQ(protect(&t, p, m, 3, 6, RW, &res), 0);
	ASSERT_PTR_EQ(res, p);
	ASSERT_VMA(p, 0, 9, 0);
	ASSERT_PTR_EQ(p->anon_vma, av);
	ASSERT_EQ(t.mm.map_count, 1);
	vt_fini(&t);
}

TEST(vma_existing_merge_left_full)
{
	struct vt t;
	struct vm_area_struct *p, *m, *n, *res;
	struct anon_vma *av;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPPMMMNNN     all of M becomes RW like P (N is RX)
	 * PPPPPPNNN     P extends, M is deleted; P takes M's anon_vma
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	m = vt_map_anon(&t, 3, 6, RO);
	n = vt_map_anon(&t, 6, 9, RX);
	vt_fault(&t, m);
	av = m->anon_vma;
	ASSERT_EQ(protect(&t, p, m, 3, 6, RW, &res), 0);
	ASSERT_PTR_EQ(res, p);
	ASSERT_VMA(p, 0, 6, 0);
	ASSERT_PTR_EQ(p->anon_vma, av);
	ASSERT_VMA(n, 6, 9, 6);
	ASSERT_EQ(t.mm.map_count, 2);
	ASSERT_STR_EQ(vt_draw(&t, 10), "AAAAAABBB.");
	vt_fini(&t);
}

TEST(vma_existing_merge_left_partial)
{
	struct vt t;
	struct vm_area_struct *p, *m, *res;
	struct anon_vma *av;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPPMMMNNN     [3,5) of M becomes RW like P
	 * PPPPPMNNN     P extends to 5; M shrinks to [5,6), pgoff 5, still RO;
	 *               both hold M's anon_vma
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	m = vt_map_anon(&t, 3, 6, RO);
	vt_map_anon(&t, 6, 9, RX);
	vt_fault(&t, m);
	av = m->anon_vma;
	ASSERT_EQ(protect(&t, p, m, 3, 5, RW, &res), 0);
	ASSERT_PTR_EQ(res, p);
	ASSERT_VMA(p, 0, 5, 0);
	ASSERT_VMA(m, 5, 6, 5);
	ASSERT_EQ(m->vm_flags, RO);
	ASSERT_PTR_EQ(p->anon_vma, av);
	ASSERT_PTR_EQ(m->anon_vma, av);
	ASSERT_EQ(av->refcount, 2);
	ASSERT_EQ(t.mm.map_count, 3);
	ASSERT_STR_EQ(vt_draw(&t, 10), "AAAAABCCC.");
	vt_fini(&t);
}

TEST(vma_existing_merge_right_full)
{
	struct vt t;
	struct vm_area_struct *p, *m, *n, *res;
	struct anon_vma *av;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPPMMMNNN     all of M becomes RW like N (P is RX)
	 * PPPNNNNNN     N grows down to 3 (pgoff 3); M is deleted; N takes
	 *               M's anon_vma
	 */
	p = vt_map_anon(&t, 0, 3, RX);
	m = vt_map_anon(&t, 3, 6, RO);
	n = vt_map_anon(&t, 6, 9, RW);
	vt_fault(&t, m);
	av = m->anon_vma;
	ASSERT_EQ(protect(&t, p, m, 3, 6, RW, &res), 0);
	ASSERT_PTR_EQ(res, n);
	ASSERT_VMA(n, 3, 9, 3);
	ASSERT_PTR_EQ(n->anon_vma, av);
	ASSERT_VMA(p, 0, 3, 0);
	ASSERT_EQ(t.mm.map_count, 2);
	ASSERT_STR_EQ(vt_draw(&t, 10), "AAABBBBBB.");
	vt_fini(&t);
}

TEST(vma_existing_merge_right_partial)
{
	struct vt t;
	struct vm_area_struct *p, *m, *n, *res;
	struct anon_vma *av;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPPMMMNNN     [4,6) of M becomes RW like N
	 * PPPMNNNNN     M shrinks to [3,4) (pgoff 3, RO); N grows down to 4
	 *               (pgoff 4) and takes M's anon_vma
	 */
	p = vt_map_anon(&t, 0, 3, RX);
	m = vt_map_anon(&t, 3, 6, RO);
	n = vt_map_anon(&t, 6, 9, RW);
	vt_fault(&t, m);
	av = m->anon_vma;
	ASSERT_EQ(protect(&t, m, m, 4, 6, RW, &res), 0);
	ASSERT_PTR_EQ(res, n);
	ASSERT_VMA(m, 3, 4, 3);
	ASSERT_EQ(m->vm_flags, RO);
	ASSERT_VMA(n, 4, 9, 4);
	ASSERT_PTR_EQ(n->anon_vma, av);
	ASSERT_PTR_EQ(m->anon_vma, av);
	ASSERT_VMA(p, 0, 3, 0);
	ASSERT_EQ(t.mm.map_count, 3);
	ASSERT_STR_EQ(vt_draw(&t, 10), "AAABCCCCC.");
	vt_fini(&t);
}

TEST(vma_existing_no_merge_splits)
{
	struct vt t;
	struct vm_area_struct *m, *res, *below, *above;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPPMMMMMM     nothing matches RW: [5,7) of M is split off
	 * PPPBBMMAA     below [3,5) pgoff 3 and above [7,9) pgoff 7 are new
	 *               records; M keeps [5,7) (pgoff 5)
	 */
	vt_map_anon(&t, 0, 3, RX);
	m = vt_map_anon(&t, 3, 9, RO);
	vt_fault(&t, m);
	ASSERT_EQ(protect(&t, m, m, 5, 7, RW, &res), 0);
	ASSERT_PTR_EQ(res, m);
	ASSERT_VMA(m, 5, 7, 5);
	below = find_vma(&t.mm, P(3));
	above = find_vma(&t.mm, P(7));
	ASSERT_VMA(below, 3, 5, 3);
	ASSERT_VMA(above, 7, 9, 7);
	ASSERT_EQ(below->vm_flags, RO);
	ASSERT_EQ(above->vm_flags, RO);
	ASSERT_PTR_EQ(below->anon_vma, m->anon_vma);
	ASSERT_PTR_EQ(above->anon_vma, m->anon_vma);
	ASSERT_EQ(m->anon_vma->refcount, 3);
	ASSERT_EQ(t.mm.map_count, 4);
	ASSERT_STR_EQ(vt_draw(&t, 10), "AAABBCCDD.");

	/*
	 * 0123456789
	 * PPPBBMMAA     [5,6) back to RO: merges left into below (partial)
	 * PPPBBBMAA
	 */
	ASSERT_EQ(protect(&t, below, m, 5, 6, RO, &res), 0);
	ASSERT_PTR_EQ(res, below);
	ASSERT_VMA(below, 3, 6, 3);
	ASSERT_VMA(m, 6, 7, 6);
	ASSERT_EQ(t.mm.map_count, 4);

	/*
	 * 0123456789
	 * PPPBBBMAA     M back to RO: merges both; below absorbs M and above
	 * PPPBBBBBB
	 */
	ASSERT_EQ(protect(&t, below, m, 6, 7, RO, &res), 0);
	ASSERT_PTR_EQ(res, below);
	ASSERT_VMA(below, 3, 9, 3);
	ASSERT_EQ(t.mm.map_count, 2);
	ASSERT_EQ(below->anon_vma->refcount, 1);
	vt_fini(&t);
}

TEST(vma_existing_no_merge_edges_and_whole)
{
	struct vt t;
	struct vm_area_struct *m, *res, *other;

	vt_init(&t);
	/*
	 * 0123456789
	 * MMMMMM        [0,2) to RW: M keeps [0,2), a new record [2,6) pgoff 2
	 * MMAAAA
	 */
	m = vt_map_anon(&t, 0, 6, RO);
	ASSERT_EQ(protect(&t, NULL, m, 0, 2, RW, &res), 0);
	ASSERT_PTR_EQ(res, m);
	ASSERT_VMA(m, 0, 2, 0);
	other = find_vma(&t.mm, P(2));
	ASSERT_VMA(other, 2, 6, 2);
	ASSERT_EQ(other->vm_flags, RO);

	/*
	 * 0123456789
	 * MMAAAA        [4,6) of A to RX: A keeps [4,6), new [2,4) below
	 * MMBBAA
	 */
	ASSERT_EQ(protect(&t, other, other, 4, 6, RX, &res), 0);
	ASSERT_PTR_EQ(res, other);
	ASSERT_VMA(other, 4, 6, 4);
	ASSERT_EQ(t.mm.map_count, 3);

	/* The whole of A to RW: nothing to merge or split: in place. */
	m = find_vma(&t.mm, P(2));
	ASSERT_EQ(protect(&t, m, other, 4, 6, RW | VM_EXEC, &res), 0);
	ASSERT_PTR_EQ(res, other);
	ASSERT_VMA(other, 4, 6, 4);
	ASSERT_EQ(t.mm.map_count, 3);
	ASSERT_STR_EQ(vt_draw(&t, 8), "AABBCC..");
	vt_fini(&t);
}

TEST(vma_existing_close_on_middle_blocks_delete)
{
	struct vt t;
	struct vm_area_struct *p, *m, *res;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPPMMMNNN     M has a close hook: merging all of M would delete it,
	 *               so there is no merge (and no split: the range is M)
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	m = vt_map_anon(&t, 3, 6, RO);
	vt_map_anon(&t, 6, 9, RW);
	m->vm_ops = &vt_ops_close;
	ASSERT_EQ(protect(&t, p, m, 3, 6, RW, &res), 0);
	ASSERT_PTR_EQ(res, m);
	ASSERT_VMA(m, 3, 6, 3);
	ASSERT_EQ(t.mm.map_count, 3);

	/*
	 * 0123456789
	 * PPPMMMNNN     M back to RO, then [3,5): M only shrinks, so P may
	 * PPPPPMNNN     take that part
	 */
	m->vm_flags = RO;
	ASSERT_EQ(protect(&t, p, m, 3, 5, RW, &res), 0);
	ASSERT_PTR_EQ(res, p);
	ASSERT_VMA(p, 0, 5, 0);
	ASSERT_VMA(m, 5, 6, 5);
	ASSERT_EQ(t.mm.map_count, 3);
	ASSERT_EQ(vt_close_calls, 0);
	vt_fini(&t);
	ASSERT_EQ(vt_close_calls, 1);
}

TEST(vma_existing_both_blocked_by_close_on_next)
{
	struct vt t;
	struct vm_area_struct *p, *m, *n, *res;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPPMMMNNN     all three would merge, but N has a close hook
	 * PPPPPPNNN     settle for P absorbing M
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	m = vt_map_anon(&t, 3, 6, RO);
	n = vt_map_anon(&t, 6, 9, RW);
	n->vm_ops = &vt_ops_close;
	ASSERT_EQ(protect(&t, p, m, 3, 6, RW, &res), 0);
	ASSERT_PTR_EQ(res, p);
	ASSERT_VMA(p, 0, 6, 0);
	ASSERT_VMA(n, 6, 9, 6);
	ASSERT_EQ(t.mm.map_count, 2);
	vt_fini(&t);
}

TEST(vma_existing_anon_vma_mismatch)
{
	struct vt t;
	struct vm_area_struct *p, *m, *res;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPPMMM        P and M were faulted apart (anon_vmas 1 and 2),
	 *               then M moved next to P: matching flags cannot merge
	 *               them
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	vt_fault(&t, p);
	m = place_faulted(&t, 10, 13, 3, RO, 3);
	ASSERT_NOT_NULL(m);
	ASSERT_PTR_NE(p->anon_vma, m->anon_vma);
	ASSERT_EQ(protect(&t, p, m, 3, 6, RW, &res), 0);
	ASSERT_PTR_EQ(res, m);
	ASSERT_EQ(t.mm.map_count, 2);
	vt_fini(&t);
}

TEST(vma_existing_prev_next_anon_disagree)
{
	struct vt t;
	struct vm_area_struct *p, *m, *n, *res;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPPMMMNNN     P (anon 1) and N (anon 2) each fit unfaulted M, but
	 *               not each other: merge left only
	 * PPPPPPNNN
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	m = vt_map_anon(&t, 3, 6, RO);
	vt_fault(&t, p);
	n = place_faulted(&t, 12, 15, 6, RW, 6);
	ASSERT_NOT_NULL(n);
	ASSERT_PTR_NE(p->anon_vma, n->anon_vma);
	ASSERT_EQ(protect(&t, p, m, 3, 6, RW, &res), 0);
	ASSERT_PTR_EQ(res, p);
	ASSERT_VMA(p, 0, 6, 0);
	ASSERT_VMA(n, 6, 9, 6);
	ASSERT_EQ(t.mm.map_count, 2);
	vt_fini(&t);
}

TEST(vma_existing_fork_child_middle_stays_apart)
{
	struct vt t;
	struct vma_mm pmm;
	struct vm_area_struct *parent, *p, *m, *res;

	vt_init(&t);
	vma_mm_init(&pmm);
	parent = vm_area_alloc(&pmm);
	ASSERT_NOT_NULL(parent);
	parent->vm_start = P(3);
	parent->vm_end = P(6);
	parent->vm_pgoff = 3;
	parent->vm_flags = RO;
	ASSERT_EQ(vma_link(&pmm, parent), 0);
	ASSERT_EQ(anon_vma_prepare(&pmm, parent), 0);

	/*
	 * 0123456789
	 * PPPMMM        M is a fork child, P unfaulted: P may not take M's
	 *               anon_vma, so M stays apart
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	m = vt_map_anon(&t, 3, 6, RO);
	ASSERT_EQ(anon_vma_fork(&t.mm, m, parent), 0);
	ASSERT_EQ(protect(&t, p, m, 3, 6, RW, &res), 0);
	ASSERT_PTR_EQ(res, m);
	ASSERT_NULL(p->anon_vma);
	ASSERT_EQ(t.mm.map_count, 2);
	vma_mm_destroy(&pmm);
	vt_fini(&t);
}

TEST(vma_existing_modify_name_policy_uffd)
{
	struct vt t;
	struct vm_area_struct *a, *res, *b, *named;
	struct anon_vma_name *name = anon_vma_name_alloc("buf");
	struct mempolicy *pol = mpol_new(2, 0, 2);
	static char ctx;

	vt_init(&t);
	/*
	 * 0123456789
	 * AAAAAAAA      name [2,4) "buf": split into three, the name written
	 * AABBAAAA      (letters are per VMA: A [0,2), B [2,4), C [4,8))
	 */
	a = vt_map_anon(&t, 0, 8, RW);
	ASSERT_EQ(vma_modify_name(&t.vmi, a, a, P(2), P(4), name, &res), 0);
	ASSERT_PTR_EQ(vma_anon_name(res), name);
	/* Only the named piece carries an extension. */
	ASSERT_NULL(find_vma(&t.mm, 0)->vm_ext);
	ASSERT_NULL(find_vma(&t.mm, P(4))->vm_ext);
	ASSERT_EQ(t.mm.map_count, 3);
	ASSERT_STR_EQ(vt_draw(&t, 8), "AABBCCCC");

	/*
	 * 0123456789
	 * AABBCCCC      [4,6) named "buf" too: merges left into the named
	 * AABBBBCC      piece B (partial: C shrinks to [6,8), pgoff 6)
	 */
	named = res;
	b = find_vma(&t.mm, P(4));
	ASSERT_EQ(vma_modify_name(&t.vmi, res, b, P(4), P(6), name, &res), 0);
	ASSERT_PTR_EQ(res, named);
	ASSERT_VMA(res, 2, 6, 2);
	ASSERT_VMA(b, 6, 8, 6);
	ASSERT_EQ(t.mm.map_count, 3);

	/*
	 * 0123456789
	 * AABBBBCC      a policy on all of C: in place
	 */
	b = find_vma(&t.mm, P(6));
	ASSERT_EQ(vma_modify_policy(&t.vmi, res, b, P(6), P(8), pol, &res), 0);
	ASSERT_PTR_EQ(vma_policy(res), pol);
	ASSERT_PTR_EQ(res, b);
	ASSERT_VMA(res, 6, 8, 6);
	ASSERT_EQ(t.mm.map_count, 3);

	/* uffd on [0,2): in place (the range is the whole VMA). */
	a = find_vma(&t.mm, 0);
	ASSERT_EQ(vma_modify_flags_uffd(&t.vmi, NULL, a, 0, P(2), RW | VM_UFFD_MISSING,
					(struct userfaultfd_ctx *)&ctx, &res), 0);
	ASSERT_PTR_EQ(res, a);
	res->vm_flags = RW | VM_UFFD_MISSING;
	ASSERT_PTR_EQ(vma_uffd_ctx(res), (struct userfaultfd_ctx *)&ctx);
	ASSERT_EQ(t.mm.map_count, 3);
	ASSERT_STR_EQ(vt_draw(&t, 8), "AABBBBCC");
	vt_fini(&t);
	anon_vma_name_put(name);
	mpol_put(pol);
}
