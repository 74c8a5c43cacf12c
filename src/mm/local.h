/* SPDX-License-Identifier: MIT */
/*
 * local.h - helpers shared by madvise.c, anon_name.c, fault.c and exec.c:
 * the madvise VMA walk (also used by PR_SET_VMA_ANON_NAME), KSM
 * eligibility, the fault handler's per-VMA step and stack expansion.
 * Private to src/mm/; everything else goes through mm_internal.h.
 */
#ifndef UVMA_MM_LOCAL_H
#define UVMA_MM_LOCAL_H

#include "mm_internal.h"

/* Internal behaviour for the anon-name walk (Linux __MADV_SET_ANON_VMA_NAME). */
#define MADV_SET_ANON_VMA_NAME (-1)

/*
 * madvise_walk() - apply @behavior to [start, end) VMA by VMA, as Linux's
 * madvise_walk_vmas(): holes are skipped and reported as -ENOMEM at the
 * end, an error from one VMA stops the walk (earlier VMAs stay changed).
 * @name is the new name for MADV_SET_ANON_VMA_NAME.
 */
int madvise_walk(struct uvma_mm *mm, uint64_t start, uint64_t end,
		 int behavior, struct anon_vma_name *name);

/* vma_ksm_compatible() - may KSM merge pages of @vma (VM_MERGEABLE)? */
bool vma_ksm_compatible(const struct vm_area_struct *vma);

/*
 * mm_fault_vma() - the part of a page fault after the VMA was found and
 * the access allowed (handle_mm_fault): anon_vma for write faults on
 * private mappings and for the THP read path, SIGBUS past a file's end.
 * Returns UVMA_FAULT_OK / UVMA_FAULT_SIGBUS, or -ENOMEM (model out of
 * memory: nothing changed).
 */
int mm_fault_vma(struct uvma_mm *mm, struct vm_area_struct *vma,
		 uint64_t addr, unsigned int access);

/*
 * mm_thp_read_prepares() - would a read fault at @addr take the PMD THP
 * path (which prepares the anon_vma before mapping the huge zero page)?
 */
bool mm_thp_read_prepares(const struct uvma_mm *mm,
			  const struct vm_area_struct *vma, uint64_t addr);

/*
 * mm_expand_downwards() - grow the VM_GROWSDOWN @vma down to @address
 * (expand_downwards()).  Returns 0; -EFAULT (not a stack), -EPERM (below
 * mmap_min_addr), -ENOMEM (guard gap, pgoff, limits, overcommit).  Sets
 * *@oom when the model itself ran out of memory (nothing changed then).
 * As in Linux, the anon_vma is prepared before the limit checks, so a
 * refused growth may still leave the VMA with an anon_vma.
 */
int mm_expand_downwards(struct uvma_mm *mm, struct vm_area_struct *vma,
			uint64_t address, bool *oom);

#endif /* UVMA_MM_LOCAL_H */
