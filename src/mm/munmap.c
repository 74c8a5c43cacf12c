/* SPDX-License-Identifier: MIT */
/*
 * munmap.c - munmap() (do_vmi_munmap) and the removal step every caller in
 * the layer shares: gather with the core (splits, sealed -EPERM, the
 * hole-punch map-count limit), then take the pages out of the counters
 * (total_vm, the class counters, locked_vm, the VM_ACCOUNT charge) and
 * remove the VMAs.  Neighbours are never merged after an munmap.
 * Rules: ../shared/SEMANTICS.md §9.
 */
#include "mm_internal.h"

void mm_munmap_complete(struct uvma_mm *mm, struct vma_munmap_struct *vms,
			bool unacct)
{
	for (uint32_t i = 0; i < vms->vma_count; i++) {
		struct vm_area_struct *vma = vms->detached[i];

		vm_stat_account(mm, vma->vm_flags, -(int64_t)vma_pages(vma));
	}
	mm->locked_vm -= vms->locked_vm < mm->locked_vm ? vms->locked_vm :
							  mm->locked_vm;
	if (unacct)
		vm_unacct_memory(mm, vms->nr_accounted);
	vms_complete_munmap_vmas(vms);
}

int do_munmap_range(struct uvma_mm *mm, uint64_t start, uint64_t len)
{
	struct vma_munmap_struct vms;
	struct vm_area_struct *vma;
	uint64_t end;
	int err;
	VMA_ITERATOR(vmi, &mm->vmm, start);

	if ((start & ~PAGE_MASK) || start > mm->cfg.task_size ||
	    len > mm->cfg.task_size - start)
		return -EINVAL;
	end = start + PAGE_ALIGN(len);
	if (end == start)
		return -EINVAL;
	vma = find_vma_intersection(&mm->vmm, start, end);
	if (!vma)
		return 0;
	init_vma_munmap(&vms, &vmi, vma, start, end);
	vms.want_neighbours = false;
	err = vms_gather_munmap_vmas(&vms);
	if (err)
		return err;
	mm_munmap_complete(mm, &vms, true);
	return 0;
}

int uvma__munmap(struct uvma_mm *mm, uint64_t addr, uint64_t len)
{
	return do_munmap_range(mm, addr, len);
}
