/* SPDX-License-Identifier: MIT */
/*
 * test_anon.c - the anon_vma model: anon_vma_prepare() reusing a
 * neighbour's anon_vma (next first, then prev; flags may differ only in
 * access bits and soft-dirty; never a fork child's), clone on split, and
 * anon_vma_fork() making fork children.  The test boundary counts anon_vma
 * records, so creation and freeing are checked too.
 */
#include "helpers.h"

TEST(vma_anon_prepare_reuses_next_then_prev)
{
	struct vt t;
	struct vm_area_struct *a, *b, *c;
	long made;

	vt_init(&t);
	/*
	 * 0123456789
	 * AAABBBCCC     A and C faulted separately (a hole kept them apart
	 *               when they were faulted); B's first fault reuses C's
	 *               (next first), although B is RO and C RW
	 */
	a = vt_map_anon(&t, 0, 3, RW);
	c = vt_map_anon(&t, 6, 9, RW);
	vt_fault(&t, a);
	vt_fault(&t, c);
	ASSERT_PTR_NE(a->anon_vma, c->anon_vma);
	b = vt_map_anon(&t, 3, 6, RO);
	made = vma_test_anon_vma_created;
	vt_fault(&t, b);
	ASSERT_PTR_EQ(b->anon_vma, c->anon_vma);
	ASSERT_EQ(vma_test_anon_vma_created, made);
	ASSERT_EQ(c->anon_vma->refcount, 2);

	/* Without a usable next, prev's. */
	unlink_anon_vmas(b);
	c->vm_flags |= VM_ACCOUNT;	/* differs beyond access bits */
	vt_fault(&t, b);
	ASSERT_PTR_EQ(b->anon_vma, a->anon_vma);
	vt_fini(&t);
}

TEST(vma_anon_prepare_new_when_incompatible)
{
	struct vt t;
	struct vm_area_struct *a, *b;
	long live;

	vt_init(&t);
	/*
	 * 0123456789
	 * AAABBB        A faulted; B differs in VM_LOCKED: B gets its own
	 */
	a = vt_map_anon(&t, 0, 3, RW);
	b = vt_map_anon(&t, 3, 6, RW | VM_LOCKED);
	vt_fault(&t, a);
	live = vma_test_anon_vma_live;
	vt_fault(&t, b);
	ASSERT_PTR_NE(b->anon_vma, a->anon_vma);
	ASSERT_EQ(vma_test_anon_vma_live, live + 1);
	ASSERT(!b->anon_vma->fork_child);
	vt_fini(&t);
	ASSERT_EQ(vma_test_anon_vma_live, t.anon_live_at_start);
}

TEST(vma_anon_fork_children)
{
	struct vt parent, child;
	struct vm_area_struct *pv, *pu, *cv, *cu, *res;

	vt_init(&parent);
	vt_init(&child);
	/*
	 * parent          child (fork)
	 * 0123456789      0123456789
	 * VVVVVVUUU       VVVVVVUUU    V faulted, U not: the child's V gets a
	 *                              new anon_vma (parent: V's), a fork
	 *                              child; the child's U has none
	 */
	pv = vt_map_anon(&parent, 0, 6, RW);
	pu = vt_map_anon(&parent, 6, 9, RO);
	vt_fault(&parent, pv);
	cv = vt_map_anon(&child, 0, 6, RW);
	cu = vt_map_anon(&child, 6, 9, RO);
	ASSERT_EQ(anon_vma_fork(&child.mm, cv, pv), 0);
	ASSERT_EQ(anon_vma_fork(&child.mm, cu, pu), 0);
	ASSERT_NOT_NULL(cv->anon_vma);
	ASSERT_PTR_NE(cv->anon_vma, pv->anon_vma);
	ASSERT_PTR_EQ(cv->anon_vma->parent, pv->anon_vma);
	ASSERT(cv->anon_vma->fork_child);
	ASSERT_NULL(cu->anon_vma);
	ASSERT_EQ(pv->anon_vma->refcount, 2);

	/*
	 * child: U becomes RW like V.  V is a fork child and U unfaulted:
	 * no merge (U stays apart), while in the parent the same change merges
	 */
	ASSERT_EQ(vma_modify_flags(&child.vmi, cv, cu, P(6), P(9), RW, &res), 0);
	ASSERT_PTR_EQ(res, cu);
	res->vm_flags = RW;
	ASSERT_EQ(child.mm.map_count, 2);
	ASSERT_EQ(vma_modify_flags(&parent.vmi, pv, pu, P(6), P(9), RW, &res), 0);
	ASSERT_PTR_EQ(res, pv);
	ASSERT_EQ(parent.mm.map_count, 1);

	/*
	 * child: pieces split from one fork child share its anon_vma and
	 * merge again
	 *   0123456789
	 *   VVVVVVUUU   [0,2) RO, then back to RW
	 *   vvVVVVUUU
	 *   VVVVVVUUU
	 */
	ASSERT_EQ(vma_modify_flags(&child.vmi, NULL, cv, 0, P(2), RO, &res), 0);
	res->vm_flags = RO;
	ASSERT_EQ(child.mm.map_count, 3);
	ASSERT_EQ(vma_modify_flags(&child.vmi, NULL, res, 0, P(2), RW, &res), 0);
	res->vm_flags = RW;
	ASSERT_EQ(child.mm.map_count, 2);
	ASSERT_VMA(find_vma(&child.mm, 0), 0, 6, 0);

	/* The child's anon_vma holds the parent's: tear the child down first. */
	ASSERT_EQ(vma_validate(&child.mm), 0);
	vma_mm_destroy(&child.mm);
	vt_fini(&parent);
}

TEST(vma_anon_split_clones_and_unmap_frees)
{
	struct vt t;
	struct vm_area_struct *v;
	long live;

	vt_init(&t);
	/*
	 * 0123456789
	 * VVVVVVVVV     faulted; munmap [3,6) makes three pieces of one
	 * VVV...VVV     anon_vma, two left; unmapping the rest frees it
	 */
	v = vt_map_anon(&t, 0, 9, RW);
	vt_fault(&t, v);
	live = vma_test_anon_vma_live;
	ASSERT_EQ(do_vmi_munmap(&t.vmi, &t.mm, P(3), P(3)), 0);
	ASSERT_EQ(t.mm.map_count, 2);
	ASSERT_EQ(find_vma(&t.mm, 0)->anon_vma->refcount, 2);
	ASSERT_PTR_EQ(find_vma(&t.mm, 0)->anon_vma, find_vma(&t.mm, P(6))->anon_vma);
	ASSERT_EQ(do_vmi_munmap(&t.vmi, &t.mm, 0, P(9)), 0);
	ASSERT_EQ(t.mm.map_count, 0);
	ASSERT_EQ(vma_test_anon_vma_live, live - 1);
	vt_fini(&t);
}
