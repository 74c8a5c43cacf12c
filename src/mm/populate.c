/* SPDX-License-Identifier: MIT */
/*
 * populate.c - what populating a range does to the VMAs (MAP_POPULATE,
 * MAP_LOCKED, mlock, MADV_POPULATE_*): a VMA that a write fault would give
 * an anon_vma (private and writable) gets one now, with the same
 * neighbour reuse (anon_vma_prepare()).  Page contents are not modelled.
 * VM_LOCKONFAULT VMAs are left alone, as populate_vma_page_range() does
 * (so mprotect making a lock-on-fault VMA writable prepares nothing).
 */
#include "mm_internal.h"

int mm_populate_range(struct uvma_mm *mm, uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma;
	VMA_ITERATOR(vmi, &mm->vmm, start);

	for_each_vma_range(vmi, vma, end) {
		if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) != VM_WRITE)
			continue;
		if (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_LOCKONFAULT))
			continue;
		if (!vma->anon_vma && anon_vma_prepare(&mm->vmm, vma))
			return -ENOMEM;
	}
	return 0;
}
