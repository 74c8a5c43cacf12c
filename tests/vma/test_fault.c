/* SPDX-License-Identifier: MIT */
/*
 * test_fault.c - allocation-failure injection over every operation of the
 * VMA core (SQLite's memfault loop).  For each operation, allocation number
 * k = 1, 2, ... is made to fail, once and then persistently, until the
 * operation completes without meeting the fault.  After every injected
 * failure the operation must return -ENOMEM, the address space must pass
 * the validator and be exactly the snapshot taken before the call (VMAs,
 * their fields, reference counts, live allocations), and nothing may leak.
 */
#include "helpers.h"

static struct vm_area_struct *v[4];
static struct vma_mm parent_mm;

/* 0123456789: PPPMMMNNN with M faulted and RO, P and N RW. */
static void pmn(struct vt *t)
{
	v[0] = vt_map_anon(t, 0, 3, RW);
	v[1] = vt_map_anon(t, 3, 6, RO);
	v[2] = vt_map_anon(t, 6, 9, RW);
	vt_fault(t, v[1]);
}

/* 0123456789: PPPMMMNNN, M faulted and RO; P RW, N RX (only P matches RW). */
static void pm_x(struct vt *t)
{
	v[0] = vt_map_anon(t, 0, 3, RW);
	v[1] = vt_map_anon(t, 3, 6, RO);
	v[2] = vt_map_anon(t, 6, 9, RO | VM_EXEC);
	vt_fault(t, v[1]);
}

/* 0123456789: PPPMMMNNN, M faulted and RO; P RX, N RW (only N matches RW). */
static void xmn(struct vt *t)
{
	v[0] = vt_map_anon(t, 0, 3, RO | VM_EXEC);
	v[1] = vt_map_anon(t, 3, 6, RO);
	v[2] = vt_map_anon(t, 6, 9, RW);
	vt_fault(t, v[1]);
}

/* 0123456789: PPP...NNN, both RW, N faulted. */
static void p_gap_n(struct vt *t)
{
	v[0] = vt_map_anon(t, 0, 3, RW);
	v[2] = vt_map_anon(t, 6, 9, RW);
	vt_fault(t, v[2]);
}

/* One faulted VMA [2,10), a named file mapping with a policy. */
static void one(struct vt *t)
{
	struct uvma_file *f = uvma_file_open("/f");
	struct anon_vma_name *n = anon_vma_name_alloc("x");
	struct mempolicy *pol = mpol_new(1, 0, 1);

	v[0] = vt_map(t, 2, 10, 2, RW);
	v[0]->vm_file = f;
	ASSERT_EQ(vma_set_anon_name(v[0], n), 0);
	ASSERT_EQ(vma_set_policy(v[0], pol), 0);
	anon_vma_name_put(n);
	mpol_put(pol);
	vt_fault(t, v[0]);
}

static int r(struct vm_area_struct *res, struct vma_merge_struct *vmg)
{
	return res ? 0 : vmg_nomem(vmg) ? -ENOMEM : -EAGAIN;
}

static int op_split_below(struct vt *t)
{
	return split_vma(&t->vmi, v[0], P(5), SPLIT_NEW_BELOW);
}

static int op_split_above(struct vt *t)
{
	return split_vma(&t->vmi, v[0], P(5), SPLIT_NEW_ABOVE);
}

static int op_modify_both(struct vt *t)
{
	struct vm_area_struct *res;

	return vma_modify_flags(&t->vmi, v[0], v[1], P(3), P(6), RW, &res);
}

static int op_modify_left_partial(struct vt *t)
{
	struct vm_area_struct *res;

	return vma_modify_flags(&t->vmi, v[0], v[1], P(3), P(4), RW, &res);
}

static int op_modify_right_partial(struct vt *t)
{
	struct vm_area_struct *res;

	return vma_modify_flags(&t->vmi, v[1], v[1], P(5), P(6), RW, &res);
}

static int op_modify_full(struct vt *t)
{
	struct vm_area_struct *res;

	return vma_modify_flags(&t->vmi, v[0], v[1], P(3), P(6), RW, &res);
}

static int op_modify_one_split(struct vt *t)
{
	struct vm_area_struct *res;

	return vma_modify_flags(&t->vmi, v[0], v[0], P(4), P(10), RO, &res);
}

static int op_modify_interior(struct vt *t)
{
	struct vm_area_struct *res;

	return vma_modify_flags(&t->vmi, v[0], v[0], P(4), P(6), RO, &res);
}

static int op_modify_name(struct vt *t)
{
	struct vm_area_struct *res;
	struct anon_vma_name *n = anon_vma_name_alloc("y");
	int err;

	if (!n)
		return -ENOMEM;
	err = vma_modify_name(&t->vmi, v[0], v[0], P(4), P(6), n, &res);
	anon_vma_name_put(n);
	return err;
}

/* A name on the middle page of a VMA without an extension: one is made. */
static int op_name_new_ext(struct vt *t)
{
	struct vm_area_struct *res;
	struct anon_vma_name *n = anon_vma_name_alloc("z");
	int err;

	if (!n)
		return -ENOMEM;
	err = vma_modify_name(&t->vmi, v[0], v[0], P(1), P(2), n, &res);
	anon_vma_name_put(n);
	return err;
}

/* Copy a VMA that has an extension (the copy gets its own). */
static int op_dup(struct vt *t)
{
	struct vm_area_struct *copy = vm_area_dup(&t->mm, v[0]);

	(void)t;
	if (!copy)
		return -ENOMEM;
	remove_vma(&t->mm, copy);
	return 0;
}

static int op_modify_policy(struct vt *t)
{
	struct vm_area_struct *res;

	return vma_modify_policy(&t->vmi, v[0], v[0], P(2), P(6), NULL, &res);
}

static int op_modify_uffd(struct vt *t)
{
	struct vm_area_struct *res;

	return vma_modify_flags_uffd(&t->vmi, v[0], v[0], P(6), P(10),
				     RW | VM_UFFD_MISSING, NULL, &res);
}

static int new_range(struct vt *t, uint64_t s, uint64_t e)
{
	VMG_STATE(vmg, &t->mm, &t->vmi, P(s), P(e), RW, s);

	vmg.next = find_vma_prev(&t->mm, P(s), &vmg.prev);
	return r(vma_merge_new_range(&vmg), &vmg);
}

static int op_new_left(struct vt *t) { return new_range(t, 3, 4); }
static int op_new_right(struct vt *t) { return new_range(t, 5, 6); }
static int op_new_both(struct vt *t) { return new_range(t, 3, 6); }

static int op_expand(struct vt *t)
{
	VMG_STATE(vmg, &t->mm, &t->vmi, 0, P(9), RW, 0);

	vmg.target = v[0];
	vmg.next = v[2];
	return vma_expand(&vmg);
}

static int op_shrink(struct vt *t)
{
	return vma_shrink(&t->vmi, v[0], P(4), P(10), 4);
}

static int op_relocate(struct vt *t)
{
	return relocate_vma_down(&t->mm, v[0], P(1));
}

static int op_copy_merge(struct vt *t)
{
	struct vm_area_struct *res;

	/* N's first page, faulted, goes to [4,5) with its pgoff 6: no fit; a new VMA. */
	return copy_vma(&t->mm, &v[2], P(4), P(1), 6, &res);
}

static int op_copy_into_prev(struct vt *t)
{
	struct vm_area_struct *res;

	/* pgoff 3 continues P: merges, P takes N's anon_vma. */
	return copy_vma(&t->mm, &v[2], P(3), P(1), 3, &res);
}

static int op_merge_extend(struct vt *t)
{
	struct vma_merge_struct vmg = { .state = VMA_MERGE_NOMERGE };
	struct vm_area_struct *res = vma_merge_extend(&t->vmi, v[0], P(3));

	if (!res && t->mm.map_count == 2 && v[0]->vm_end == P(3))
		vmg.state = VMA_MERGE_ERROR_NOMEM;
	return r(res, &vmg);
}

static int op_munmap_hole(struct vt *t)
{
	return do_vmi_munmap(&t->vmi, &t->mm, P(4), P(2));
}

static int op_munmap_span(struct vt *t)
{
	return do_vmi_munmap(&t->vmi, &t->mm, P(2), P(5));
}

static int op_munmap_whole(struct vt *t)
{
	return do_vmi_munmap(&t->vmi, &t->mm, P(2), P(8));
}

static int op_munmap_tail(struct vt *t)
{
	return do_vmi_munmap(&t->vmi, &t->mm, P(5), P(5));
}

static int op_copy_swallows_source(struct vt *t)
{
	struct vm_area_struct *res;

	/* Unfaulted P right behind itself: the copy merges into P. */
	return copy_vma(&t->mm, &v[0], P(3), P(2), 0, &res);
}

static int op_prepare(struct vt *t)
{
	return anon_vma_prepare(&t->mm, v[0]);
}

static void lone(struct vt *t)
{
	v[0] = vt_map_anon(t, 0, 3, RW);
}

static int op_fork(struct vt *t)
{
	struct vm_area_struct *child = vm_area_dup(&t->mm, v[0]);
	int err;

	if (!child)
		return -ENOMEM;
	/* fork.c's order: the copy drops the shared anon_vma for its own. */
	unlink_anon_vmas(child);
	child->vm_start = P(20);
	child->vm_end = P(28);
	err = anon_vma_fork(&t->mm, child, v[0]);
	if (!err)
		err = vma_link(&t->mm, child);
	if (err)
		remove_vma(&t->mm, child);
	return err;
}

static int op_link(struct vt *t)
{
	struct vm_area_struct *vma = vm_area_alloc(&t->mm);
	int err;

	if (!vma)
		return -ENOMEM;
	vma->vm_start = P(40);
	vma->vm_end = P(41);
	vma->vm_flags = RW;
	err = vma_link(&t->mm, vma);
	if (err)
		vm_area_free(&t->mm, vma);
	return err;
}

struct scenario {
	const char *name;
	void (*setup)(struct vt *t);
	int (*op)(struct vt *t);
};

static const struct scenario scenarios[] = {
	{ "split below", one, op_split_below },
	{ "split above", one, op_split_above },
	{ "modify: merge both", pmn, op_modify_both },
	{ "modify: merge left, partial", pmn, op_modify_left_partial },
	{ "modify: merge right, partial", pmn, op_modify_right_partial },
	{ "modify: merge left, full", pm_x, op_modify_full },
	{ "modify: merge right, full", xmn, op_modify_full },
	{ "modify: one split", one, op_modify_one_split },
	{ "modify: split in three", one, op_modify_interior },
	{ "modify name", one, op_modify_name },
	{ "modify name: new extension", lone, op_name_new_ext },
	{ "vm_area_dup with extension", one, op_dup },
	{ "modify policy", one, op_modify_policy },
	{ "modify uffd", one, op_modify_uffd },
	{ "new range: left", p_gap_n, op_new_left },
	{ "new range: right", p_gap_n, op_new_right },
	{ "new range: both", p_gap_n, op_new_both },
	{ "expand over next", p_gap_n, op_expand },
	{ "shrink", one, op_shrink },
	{ "relocate down", one, op_relocate },
	{ "copy_vma: new VMA", p_gap_n, op_copy_merge },
	{ "copy_vma: merge", p_gap_n, op_copy_into_prev },
	{ "copy_vma: source swallowed", p_gap_n, op_copy_swallows_source },
	{ "merge_extend", p_gap_n, op_merge_extend },
	{ "munmap: hole", one, op_munmap_hole },
	{ "munmap: span", pmn, op_munmap_span },
	{ "munmap: whole VMA", one, op_munmap_whole },
	{ "munmap: tail", one, op_munmap_tail },
	{ "anon_vma_prepare", lone, op_prepare },
	{ "anon_vma_fork", one, op_fork },
	{ "vma_link", one, op_link },
};

/* sweep() - one scenario, fail-once then persistent; returns the k reached. */
static int sweep(const struct scenario *sc, int persistent)
{
	for (uint64_t k = 1; k < 200; k++) {
		struct vt t;
		struct vt_snap snap;
		uint64_t before;
		int err, hit;

		vt_init(&t);
		sc->setup(&t);
		/*
		 * Drop the tree's cache of free nodes, so that the operation's
		 * preallocation must allocate (and can be made to fail).
		 */
		mt_release(&t.mm.mm_mt);
		vt_snap(&t, &snap);
		before = uvma_alloc_failures();
		uvma_alloc_fail_at(k, persistent);
		err = sc->op(&t);
		uvma_alloc_fail_at(0, 0);
		hit = uvma_alloc_failures() != before;
		if (!hit) {
			if (err)
				test_fail(__FILE__, __LINE__, __func__,
					  "%s: error %d without an injected failure", sc->name, err);
			vt_fini(&t);
			return (int)k;
		}
		if (err != -ENOMEM)
			test_fail(__FILE__, __LINE__, __func__,
				  "%s: k=%ju %s: returned %d, not -ENOMEM", sc->name,
				  (uintmax_t)k, persistent ? "persistent" : "once", err);
		else if (!vt_same(&t, &snap))
			test_fail(__FILE__, __LINE__, __func__,
				  "%s: k=%ju %s: address space changed", sc->name,
				  (uintmax_t)k, persistent ? "persistent" : "once");
		vt_fini(&t);
		if (test_failed())
			return -1;
	}
	test_fail(__FILE__, __LINE__, __func__, "%s: never completed", sc->name);
	return -1;
}

TEST(vma_alloc_failure_sweep_every_operation)
{
	(void)parent_mm;
	for (unsigned i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		int once = sweep(&scenarios[i], 0);
		int persistent;

		if (once < 0)
			return;
		persistent = sweep(&scenarios[i], 1);
		if (persistent < 0)
			return;
		/* Every operation here allocates: at least one failure was met. */
		ASSERT_MSG(once > 1, "%s: made no allocation", scenarios[i].name);
		ASSERT_EQ(once, persistent);
	}
}
