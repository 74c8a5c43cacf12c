/* SPDX-License-Identifier: MIT */
/*
 * brk.c - brk() (SYSCALL_DEFINE1(brk) and do_brk_flags of Linux 6.18):
 * the new break on success, the old one on any failure; shrinking unmaps
 * with munmap semantics; growing needs a free page (and the stack guard
 * gap) before the next VMA and only ever extends the VMA that ends at the
 * old break ("just expand": never merges with a following VMA).
 * Rules: ../shared/SEMANTICS.md §16.
 */
#include "mm_internal.h"

/* check_brk_limits() - get_unmapped_area(MAP_FIXED) checks, mlock limit. */
static int check_brk_limits(struct uvma_mm *mm, uint64_t addr, uint64_t len)
{
	int64_t mapped = get_unmapped_area(mm, NULL, addr, len, 0,
					   UVMA_MAP_FIXED, 0);

	if (mapped < 0)
		return (int)mapped;
	return mlock_future_ok(mm, mm->def_flags, len) ? 0 : -EAGAIN;
}

/* do_brk_flags() - map [addr, addr + len) as heap, extending @vma if it
 * ends at @addr and may take it. */
static int do_brk_flags(struct uvma_mm *mm, struct vm_area_struct *vma,
			uint64_t addr, uint64_t len)
{
	vm_flags_t flags = VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT | mm->def_flags;
	uint64_t pages = len >> PAGE_SHIFT;
	struct vm_area_struct *res = NULL;
	VMA_ITERATOR(vmi, &mm->vmm, addr);

	if (mm->cfg.read_implies_exec)
		flags |= VM_EXEC;
	if (mm->memory_merge)
		flags |= VM_MERGEABLE;
	if (!may_expand_vm(mm, flags, pages))
		return -ENOMEM;
	if (mm->vmm.map_count > mm->vmm.max_map_count)
		return -ENOMEM;
	if (security_vm_enough_memory(mm, pages))
		return -ENOMEM;

	if (vma && vma->vm_end == addr) {
		VMG_STATE(vmg, &mm->vmm, &vmi, addr, addr + len, flags,
			  addr >> PAGE_SHIFT);
		vmg.prev = vma;
		vmg.just_expand = true;
		vma_iter_on(&vmi, vma);
		res = vma_merge_new_range(&vmg);
		if (!res && vmg_nomem(&vmg))
			goto unacct;
	}
	if (!res) {
		res = vm_area_alloc(mm_core(mm));
		if (!res)
			goto unacct;
		res->vm_start = addr;
		res->vm_end = addr + len;
		res->vm_pgoff = addr >> PAGE_SHIFT;
		res->vm_flags = flags;
		if (vma_link(&mm->vmm, res)) {
			vm_area_free(mm_core(mm), res);
			goto unacct;
		}
	}
	mm->total_vm += pages;
	mm->data_vm += pages;
	if (flags & VM_LOCKED)
		mm->locked_vm += pages;
	if (mm->cfg.soft_dirty)
		res->vm_flags |= VM_SOFTDIRTY;
	return 0;
unacct:
	vm_unacct_memory(mm, pages);
	return -ENOMEM;
}

uint64_t uvma__brk(struct uvma_mm *mm, uint64_t brk)
{
	uint64_t origbrk = mm->brk, newbrk, oldbrk, rlim = mm->cfg.rlimit_data;
	struct vm_area_struct *brkvma, *next;
	bool populate = false;

	if (brk < mm->start_brk)
		goto out;
	/* check_data_rlimit(); the model has no data segment. */
	if (rlim != UVMA_RLIM_INFINITY && brk - mm->start_brk > rlim)
		goto out;
	newbrk = PAGE_ALIGN(brk);
	oldbrk = PAGE_ALIGN(mm->brk);
	if (oldbrk == newbrk) {
		mm->brk = brk;
		return brk;
	}
	/* Always allow shrinking brk. */
	if (brk <= mm->brk) {
		brkvma = find_vma_intersection(&mm->vmm, newbrk, oldbrk);
		if (!brkvma || brkvma->vm_start >= oldbrk)
			goto out;
		if (do_munmap_range(mm, newbrk, oldbrk - newbrk))
			goto out;
		mm->brk = brk;
		return brk;
	}
	if (check_brk_limits(mm, oldbrk, newbrk - oldbrk))
		goto out;
	/* Only the next VMA within the stack guard gap matters. */
	next = find_vma(&mm->vmm, oldbrk);
	if (next && next->vm_start < newbrk + PAGE_SIZE + mm->cfg.stack_guard_gap &&
	    newbrk + PAGE_SIZE > vm_start_gap(mm, next))
		goto out;
	brkvma = mt_find_prev(&mm->vmm.mm_mt, oldbrk, NULL, NULL);
	if (brkvma && brkvma->vm_end <= mm->start_brk)
		brkvma = NULL;
	if (do_brk_flags(mm, brkvma, oldbrk, newbrk - oldbrk))
		goto out;
	mm->brk = brk;
	populate = (mm->def_flags & VM_LOCKED) != 0;
	if (populate)
		(void)mm_populate_range(mm, oldbrk, newbrk);
	return brk;
out:
	mm->brk = origbrk;
	return origbrk;
}
