/* SPDX-License-Identifier: MIT */
/*
 * test_merge_new.c - vma_merge_new_range(): a new range [start, end)
 * merging with prev, next, both or neither, and every attribute that keeps
 * it apart.  Expected values follow the 6.18 rules by hand (SEMANTICS.md
 * 4 and 6): the range must touch the neighbour, match its flags (soft-dirty
 * aside), file, uffd ctx, name and policy, have a compatible anon_vma and a
 * contiguous pgoff; a VM_SPECIAL range never merges; a VMA with a close
 * hook may grow but is never deleted.
 */
#include "helpers.h"

/* new_range() - try to merge [P(s), P(e)) at @pgoff with @flags. */
static struct vm_area_struct *new_range(struct vt *t, struct vma_merge_struct *vmg,
					uint64_t s, uint64_t e, uint64_t pgoff,
					vm_flags_t flags)
{
	VMG_STATE(tmp, &t->mm, &t->vmi, P(s), P(e), flags, pgoff);

	*vmg = tmp;
	vmg->next = find_vma_prev(&t->mm, P(s), &vmg->prev);
	return vma_merge_new_range(vmg);
}

TEST(vma_new_range_merges_left)
{
	struct vt t;
	struct vma_merge_struct vmg;
	struct vm_area_struct *prev, *res;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPP***        new [3,6) pgoff 3 after prev [0,3) pgoff 0
	 * PPPPPP        prev grows; pgoff stays 0
	 */
	prev = vt_map_anon(&t, 0, 3, RW);
	res = new_range(&t, &vmg, 3, 6, 3, RW);
	ASSERT_PTR_EQ(res, prev);
	ASSERT_EQ(vmg.state, VMA_MERGE_SUCCESS);
	ASSERT_VMA(prev, 0, 6, 0);
	ASSERT_EQ(t.mm.map_count, 1);
	ASSERT_STR_EQ(vt_draw(&t, 10), "AAAAAA....");
	vt_fini(&t);
}

TEST(vma_new_range_merges_right)
{
	struct vt t;
	struct vma_merge_struct vmg;
	struct vm_area_struct *next, *res;

	vt_init(&t);
	/*
	 * 0123456789
	 *    ***NNN     new [3,6) pgoff 3 before next [6,9) pgoff 6
	 *    NNNNNN     next grows down; its pgoff becomes 3
	 */
	next = vt_map_anon(&t, 6, 9, RW);
	res = new_range(&t, &vmg, 3, 6, 3, RW);
	ASSERT_PTR_EQ(res, next);
	ASSERT_VMA(next, 3, 9, 3);
	ASSERT_EQ(t.mm.map_count, 1);
	ASSERT_STR_EQ(vt_draw(&t, 10), "...AAAAAA.");
	vt_fini(&t);
}

TEST(vma_new_range_merges_both_deleting_next)
{
	struct vt t;
	struct vma_merge_struct vmg;
	struct vm_area_struct *prev, *next, *res;
	struct anon_vma *av;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPP***NNN     new [3,6) fills the hole exactly
	 * PPPPPPPPP     prev grows over new and next; next is deleted
	 */
	prev = vt_map_anon(&t, 0, 3, RW);
	next = vt_map_anon(&t, 6, 9, RW);
	vt_fault(&t, next);	/* prev must take next's anon_vma */
	av = next->anon_vma;
	res = new_range(&t, &vmg, 3, 6, 3, RW);
	ASSERT_PTR_EQ(res, prev);
	ASSERT_VMA(prev, 0, 9, 0);
	ASSERT_PTR_EQ(prev->anon_vma, av);
	ASSERT_EQ(av->refcount, 1);
	ASSERT_EQ(t.mm.map_count, 1);
	ASSERT_STR_EQ(vt_draw(&t, 10), "AAAAAAAAA.");
	vt_fini(&t);
}

TEST(vma_new_range_no_neighbour_touching)
{
	struct vt t;
	struct vma_merge_struct vmg;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPP.**..NN    new [4,6): a hole on both sides
	 */
	vt_map_anon(&t, 0, 3, RW);
	vt_map_anon(&t, 8, 10, RW);
	ASSERT_NULL(new_range(&t, &vmg, 4, 6, 4, RW));
	ASSERT_EQ(vmg.state, VMA_MERGE_NOMERGE);
	ASSERT_EQ(t.mm.map_count, 2);
	ASSERT_STR_EQ(vt_draw(&t, 10), "AAA.....BB");
	vt_fini(&t);
}

TEST(vma_new_range_both_blocked_by_close_on_next)
{
	struct vt t;
	struct vma_merge_struct vmg;
	struct vm_area_struct *prev, *next, *res;
	struct uvma_file *f = uvma_file_open("/dev/thing");

	vt_init(&t);
	/*
	 * 0123456789
	 * PPP***NNN     all three match, but next has a close hook
	 * PPPPPPNNN     prev takes the new range; next must stay
	 */
	prev = vt_map(&t, 0, 3, 0, RW);
	next = vt_map(&t, 6, 9, 6, RW);
	prev->vm_file = uvma_file_get(f);
	next->vm_file = uvma_file_get(f);
	prev->vm_ops = next->vm_ops = &vt_ops_close;
	{
		VMG_STATE(tmp, &t.mm, &t.vmi, P(3), P(6), RW, 3);
		vmg = tmp;
	}
	vmg.prev = prev;
	vmg.next = next;
	vmg.file = f;
	res = vma_merge_new_range(&vmg);
	ASSERT_PTR_EQ(res, prev);
	ASSERT_VMA(prev, 0, 6, 0);
	ASSERT_VMA(next, 6, 9, 6);
	ASSERT_EQ(t.mm.map_count, 2);
	ASSERT_EQ(vt_close_calls, 0);
	ASSERT_EQ(f->refcount, 3);
	vt_fini(&t);
	ASSERT_EQ(vt_close_calls, 2);
	uvma_file_put(f);
}

TEST(vma_new_range_close_on_next_may_grow)
{
	struct vt t;
	struct vma_merge_struct vmg;
	struct vm_area_struct *next, *res;

	vt_init(&t);
	/*
	 * 0123456789
	 *    ***NNN     next has a close hook: growing it is fine
	 *    NNNNNN
	 */
	next = vt_map(&t, 6, 9, 6, RW);
	next->vm_ops = &vt_ops_close;
	res = new_range(&t, &vmg, 3, 6, 3, RW);
	ASSERT_PTR_EQ(res, next);
	ASSERT_VMA(next, 3, 9, 3);
	ASSERT_EQ(t.mm.map_count, 1);
	vt_fini(&t);
}

TEST(vma_new_range_special_never_merges)
{
	struct vt t;
	struct vma_merge_struct vmg;
	const vm_flags_t special[] = { VM_IO, VM_DONTEXPAND, VM_PFNMAP, VM_MIXEDMAP };

	for (unsigned i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		vt_init(&t);
		/*
		 * 0123456789
		 * PPP***NNN     identical VM_SPECIAL neighbours: still no merge
		 */
		vt_map_anon(&t, 0, 3, RW | special[i]);
		vt_map_anon(&t, 6, 9, RW | special[i]);
		ASSERT_NULL(new_range(&t, &vmg, 3, 6, 3, RW | special[i]));
		ASSERT_EQ(vmg.state, VMA_MERGE_NOMERGE);
		ASSERT_EQ(t.mm.map_count, 2);
		vt_fini(&t);
	}
}

TEST(vma_new_range_each_flag_class_blocks)
{
	/* One or more per kind of flag; all but soft-dirty count. */
	const vm_flags_t blockers[] = {
		VM_READ,		/* access (mprotect) */
		VM_WRITE,
		VM_EXEC,
		VM_MAYWRITE,		/* may-access (read-only file) */
		VM_SHARED | VM_MAYSHARE,	/* sharing */
		VM_ACCOUNT,		/* accounting */
		VM_NORESERVE,
		VM_LOCKED,		/* mlock */
		VM_LOCKONFAULT,
		VM_DONTCOPY,		/* madvise, fork behaviour */
		VM_WIPEONFORK,
		VM_DONTDUMP,
		VM_HUGEPAGE,		/* madvise, THP */
		VM_NOHUGEPAGE,
		VM_SEQ_READ,		/* madvise, readahead */
		VM_RAND_READ,
		VM_MERGEABLE,		/* KSM */
		VM_UFFD_MISSING,	/* userfaultfd */
		VM_UFFD_WP,
		VM_GROWSDOWN,		/* stack */
		VM_SEALED,		/* mseal */
		VM_PKEY_BIT0,		/* protection keys */
		VM_DROPPABLE,
	};
	/* Neither side has the access bits, so VM_READ is a difference too. */
	const vm_flags_t base = VM_MAYREAD | VM_MAYEXEC;
	struct vt t;
	struct vma_merge_struct vmg;
	struct vm_area_struct *prev, *next;

	for (unsigned i = 0; i < sizeof(blockers) / sizeof(blockers[0]); i++) {
		for (int range_has_it = 0; range_has_it < 2; range_has_it++) {
			vm_flags_t with = base | blockers[i];
			vm_flags_t nb = range_has_it ? base : with;

			vt_init(&t);
			/*
			 * 0123456789
			 * PPP***NNN     the range and both neighbours differ
			 *               in one flag (either side has it):
			 * PPP   NNN     no merge, P and N untouched
			 */
			prev = vt_map_anon(&t, 0, 3, nb);
			next = vt_map_anon(&t, 6, 9, nb);
			ASSERT_MSG(!new_range(&t, &vmg, 3, 6, 3, range_has_it ? with : base),
				   "flag %#llx (%s) did not block",
				   (unsigned long long)blockers[i],
				   range_has_it ? "range" : "neighbours");
			ASSERT_EQ(vmg.state, VMA_MERGE_NOMERGE);
			ASSERT_VMA(prev, 0, 3, 0);
			ASSERT_VMA(next, 6, 9, 6);
			ASSERT_EQ(prev->vm_flags, nb);
			ASSERT_EQ(next->vm_flags, nb);
			ASSERT_EQ(t.mm.map_count, 2);
			vt_fini(&t);
		}
	}
}

TEST(vma_new_range_softdirty_is_ignored)
{
	struct vt t;
	struct vma_merge_struct vmg;
	struct vm_area_struct *prev, *next;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPP***NNN     only the new range is soft-dirty: merges anyway
	 * PPPPPPPPP
	 */
	prev = vt_map_anon(&t, 0, 3, RW);
	next = vt_map_anon(&t, 6, 9, RW);
	(void)next;
	ASSERT_PTR_EQ(new_range(&t, &vmg, 3, 6, 3, RW | VM_SOFTDIRTY), prev);
	ASSERT_VMA(prev, 0, 9, 0);
	ASSERT_EQ(prev->vm_flags, RW);	/* the caller sets soft-dirty after */
	ASSERT_EQ(t.mm.map_count, 1);
	vt_fini(&t);
}

TEST(vma_new_range_file_identity)
{
	struct vt t;
	struct vma_merge_struct vmg;
	struct uvma_file *f1 = uvma_file_open("/lib/libc.so");
	struct uvma_file *f2 = uvma_file_open("/lib/libc.so");
	struct vm_area_struct *prev;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPP***        prev maps f1 at file page 0; the new range maps file
	 *               page 3 of a second open of the same path: no merge;
	 *               of f1 itself: merge
	 */
	prev = vt_map(&t, 0, 3, 0, RO);
	prev->vm_file = uvma_file_get(f1);
	{
		VMG_STATE(tmp, &t.mm, &t.vmi, P(3), P(6), RO, 3);
		vmg = tmp;
	}
	vmg.prev = prev;
	vmg.file = f2;
	ASSERT_NULL(vma_merge_new_range(&vmg));
	ASSERT_EQ(t.mm.map_count, 1);
	{
		VMG_STATE(tmp, &t.mm, &t.vmi, P(3), P(6), RO, 3);
		vmg = tmp;
	}
	vmg.prev = prev;
	vmg.file = f1;
	ASSERT_PTR_EQ(vma_merge_new_range(&vmg), prev);
	ASSERT_VMA(prev, 0, 6, 0);
	vt_fini(&t);
	uvma_file_put(f1);
	uvma_file_put(f2);
}

TEST(vma_new_range_pgoff_gap_blocks)
{
	struct vt t;
	struct vma_merge_struct vmg;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPP***NNN     prev pgoff 0 (wants 3 next), next pgoff 6 (wants 3
	 *               before); the new range says 10: neither side fits
	 */
	vt_map_anon(&t, 0, 3, RW);
	vt_map_anon(&t, 6, 9, RW);
	ASSERT_NULL(new_range(&t, &vmg, 3, 6, 10, RW));
	ASSERT_EQ(t.mm.map_count, 2);
	vt_fini(&t);
}

TEST(vma_new_range_fork_child_against_unfaulted)
{
	struct vt t;
	struct vma_merge_struct vmg;
	struct vm_area_struct *prev, *parent;
	struct vma_mm pmm;

	/* A parent address space whose faulted VMA the child's prev copies. */
	vma_mm_init(&pmm);
	vt_init(&t);
	parent = vm_area_alloc(&pmm);
	ASSERT_NOT_NULL(parent);
	parent->vm_start = P(0);
	parent->vm_end = P(3);
	parent->vm_flags = RW;
	ASSERT_EQ(vma_link(&pmm, parent), 0);
	ASSERT_EQ(anon_vma_prepare(&pmm, parent), 0);

	/*
	 * 0123456789
	 * PPP***        prev is a fork child (its anon_vma came from
	 *               anon_vma_fork); the new range is unfaulted: no merge
	 */
	prev = vt_map_anon(&t, 0, 3, RW);
	ASSERT_EQ(anon_vma_fork(&t.mm, prev, parent), 0);
	ASSERT(prev->anon_vma->fork_child);
	ASSERT_PTR_EQ(prev->anon_vma->parent, parent->anon_vma);
	ASSERT_NULL(new_range(&t, &vmg, 3, 6, 3, RW));
	ASSERT_EQ(t.mm.map_count, 1);

	/* The same prev, faulted in this process instead: merges. */
	unlink_anon_vmas(prev);
	vt_fault(&t, prev);
	ASSERT(!prev->anon_vma->fork_child);
	ASSERT_PTR_EQ(new_range(&t, &vmg, 3, 6, 3, RW), prev);
	ASSERT_VMA(prev, 0, 6, 0);
	vma_mm_destroy(&pmm);
	vt_fini(&t);
}

TEST(vma_new_range_uffd_ctx_blocks)
{
	struct vt t;
	struct vma_merge_struct vmg;
	struct vm_area_struct *prev;
	static char ctx_a, ctx_b;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPP***        prev is registered with ctx a; the range with b, or
	 *               none: no merge; with a: merge
	 */
	prev = vt_map_anon(&t, 0, 3, RW);
	ASSERT_EQ(vma_set_uffd_ctx(prev, (struct userfaultfd_ctx *)&ctx_a), 0);
	ASSERT_NULL(new_range(&t, &vmg, 3, 6, 3, RW));
	{
		VMG_STATE(tmp, &t.mm, &t.vmi, P(3), P(6), RW, 3);
		vmg = tmp;
	}
	vmg.prev = prev;
	vmg.uffd_ctx = (struct userfaultfd_ctx *)&ctx_b;
	ASSERT_NULL(vma_merge_new_range(&vmg));
	{
		VMG_STATE(tmp, &t.mm, &t.vmi, P(3), P(6), RW, 3);
		vmg = tmp;
	}
	vmg.prev = prev;
	vmg.uffd_ctx = (struct userfaultfd_ctx *)&ctx_a;
	ASSERT_PTR_EQ(vma_merge_new_range(&vmg), prev);
	ASSERT_VMA(prev, 0, 6, 0);
	vt_fini(&t);
}

TEST(vma_new_range_name_compared_by_content)
{
	struct vt t;
	struct vma_merge_struct vmg;
	struct vm_area_struct *prev;
	struct anon_vma_name *a = anon_vma_name_alloc("heap");
	struct anon_vma_name *b = anon_vma_name_alloc("heap");
	struct anon_vma_name *c = anon_vma_name_alloc("other");

	vt_init(&t);
	/*
	 * 0123456789
	 * PPP***        prev named "heap": an unnamed range or "other" stays
	 *               apart; a different object also saying "heap" merges
	 */
	prev = vt_map_anon(&t, 0, 3, RW);
	ASSERT_EQ(vma_set_anon_name(prev, a), 0);
	ASSERT_NULL(new_range(&t, &vmg, 3, 6, 3, RW));
	{
		VMG_STATE(tmp, &t.mm, &t.vmi, P(3), P(6), RW, 3);
		vmg = tmp;
	}
	vmg.prev = prev;
	vmg.anon_name = c;
	ASSERT_NULL(vma_merge_new_range(&vmg));
	vmg.state = VMA_MERGE_START;
	vmg.anon_name = b;
	ASSERT_PTR_EQ(vma_merge_new_range(&vmg), prev);
	ASSERT_VMA(prev, 0, 6, 0);
	ASSERT_PTR_EQ(vma_anon_name(prev), a);
	vt_fini(&t);
	anon_vma_name_put(a);
	anon_vma_name_put(b);
	anon_vma_name_put(c);
}

TEST(vma_new_range_policy_compared_by_content)
{
	struct vt t;
	struct vma_merge_struct vmg;
	struct vm_area_struct *prev;
	struct mempolicy *bind0 = mpol_new(2, 0, 1), *bind0b = mpol_new(2, 0, 1);

	vt_init(&t);
	/*
	 * 0123456789
	 * PPP***        prev bound to node 0: a default-policy range stays
	 *               apart; an equal policy (another object) merges
	 */
	prev = vt_map_anon(&t, 0, 3, RW);
	ASSERT_EQ(vma_set_policy(prev, bind0), 0);
	ASSERT_NULL(new_range(&t, &vmg, 3, 6, 3, RW));
	{
		VMG_STATE(tmp, &t.mm, &t.vmi, P(3), P(6), RW, 3);
		vmg = tmp;
	}
	vmg.prev = prev;
	vmg.policy = bind0b;
	ASSERT_PTR_EQ(vma_merge_new_range(&vmg), prev);
	ASSERT_VMA(prev, 0, 6, 0);
	vt_fini(&t);
	mpol_put(bind0);
	mpol_put(bind0b);
}

TEST(vma_new_range_brk_just_expand)
{
	struct vt t;
	struct vma_merge_struct vmg;
	struct vm_area_struct *prev, *next;

	vt_init(&t);
	/*
	 * 0123456789
	 * PPP***NNN     brk mode: only prev may grow, next is left alone
	 * PPPPPPNNN
	 */
	prev = vt_map_anon(&t, 0, 3, RW);
	next = vt_map_anon(&t, 6, 9, RW);
	{
		VMG_STATE(tmp, &t.mm, &t.vmi, P(3), P(6), RW, 3);
		vmg = tmp;
	}
	vmg.prev = prev;
	vmg.next = next;
	vmg.just_expand = true;
	ASSERT_PTR_EQ(vma_merge_new_range(&vmg), prev);
	ASSERT_VMA(prev, 0, 6, 0);
	ASSERT_VMA(next, 6, 9, 6);
	ASSERT_EQ(t.mm.map_count, 2);
	vt_fini(&t);
}

TEST(vma_new_range_anon_vma_mismatch)
{
	struct vt t;
	struct vm_area_struct *p, *src, *res;
	struct anon_vma *pav, *sav;

	vt_init(&t);
	/*
	 * 0         1
	 * 0123456789012
	 * PPP       SS     P and S faulted apart (two anon_vmas); S has
	 *                  pgoff 3, so moved to [3,5) it continues P in
	 *                  every attribute but the anon_vma
	 * PPPCC     SS     mremap's copy: no merge, a new VMA with S's
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	src = vt_map(&t, 10, 12, 3, RW);
	vt_fault(&t, p);
	vt_fault(&t, src);
	pav = p->anon_vma;
	sav = src->anon_vma;
	ASSERT_PTR_NE(pav, sav);
	ASSERT_EQ(copy_vma(&t.mm, &src, P(3), P(2), 3, &res), 0);
	ASSERT_PTR_NE(res, p);
	ASSERT_PTR_NE(res, src);
	ASSERT_VMA(res, 3, 5, 3);
	ASSERT_PTR_EQ(res->anon_vma, sav);
	ASSERT_VMA(p, 0, 3, 0);
	ASSERT_PTR_EQ(p->anon_vma, pav);
	ASSERT_EQ(pav->refcount, 1);
	ASSERT_EQ(sav->refcount, 2);
	ASSERT_EQ(t.mm.map_count, 3);
	ASSERT_STR_EQ(vt_draw(&t, 13), "AAABB.....CC.");
	vt_fini(&t);
}

TEST(vma_new_range_copy_of_fork_child_into_unfaulted)
{
	struct vt t;
	struct vma_mm pmm;
	struct vm_area_struct *parent, *p, *src, *res;
	struct anon_vma *sav;

	/*
	 * The parent's faulted VMA that the child's S was copied from; it
	 * outlives the child (the child's anon_vma holds it).
	 */
	vma_mm_init(&pmm);
	parent = vm_area_alloc(&pmm);
	ASSERT_NOT_NULL(parent);
	parent->vm_start = P(10);
	parent->vm_end = P(12);
	parent->vm_pgoff = 3;
	parent->vm_flags = RW;
	ASSERT_EQ(vma_link(&pmm, parent), 0);
	ASSERT_EQ(anon_vma_prepare(&pmm, parent), 0);
	vt_init(&t);

	/*
	 * 0         1
	 * 0123456789012
	 * PPP       SS     S is a fork child (pgoff 3), P unfaulted.  Moved to
	 *                  [3,5), S fits P in every attribute, but P would
	 *                  have to take a fork child's anon_vma (6.18.y)
	 * PPPCC     SS     no merge: a new VMA holding S's anon_vma
	 */
	p = vt_map_anon(&t, 0, 3, RW);
	src = vt_map(&t, 10, 12, 3, RW);
	ASSERT_EQ(anon_vma_fork(&t.mm, src, parent), 0);
	sav = src->anon_vma;
	ASSERT(sav->fork_child);
	ASSERT_EQ(copy_vma(&t.mm, &src, P(3), P(2), 3, &res), 0);
	ASSERT_PTR_NE(res, p);
	ASSERT_VMA(res, 3, 5, 3);
	ASSERT_PTR_EQ(res->anon_vma, sav);
	ASSERT_VMA(p, 0, 3, 0);
	ASSERT_NULL(p->anon_vma);
	ASSERT_EQ(t.mm.map_count, 3);
	ASSERT_STR_EQ(vt_draw(&t, 13), "AAABB.....CC.");
	vt_fini(&t);
	vma_mm_destroy(&pmm);
}
