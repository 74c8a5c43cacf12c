/* SPDX-License-Identifier: MIT */
/*
 * mseal.c - mseal(): seal [start, start + len) against unmapping, moving,
 * reprotecting and discarding.
 *
 * Argument checks as Linux 6.18 mm/mseal.c makes them; the whole range must
 * be mapped (a hole anywhere is -ENOMEM before any change); then each piece
 * not yet sealed goes through vma_modify_flags() (merge or split) and takes
 * VM_SEALED, ORed onto whatever VMA survives the merge.  What a seal
 * refuses is checked by the calls themselves (munmap gather in the core,
 * mprotect, mremap, madvise, mmap MAP_FIXED).  Rules: ../shared/SEMANTICS.md
 * §13; live-kernel corrections in docs/fidelity.md.
 */
#include "mm_internal.h"

/*
 * range_has_hole() - does [start, end) contain an unmapped byte?  Holes
 * before the first VMA, between VMAs and after the last all count.
 */
static bool range_has_hole(struct uvma_mm *mm, uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma;
	uint64_t covered = start;
	VMA_ITERATOR(vmi, mm_core(mm), start);

	for_each_vma_range(vmi, vma, end) {
		if (vma->vm_start > covered)
			return true;
		covered = vma->vm_end;
	}
	return covered < end;
}

/*
 * mseal_apply() - seal every piece of [start, end), which has no hole.
 * Returns: 0 or -ENOMEM (a split refused by the map-count limit, or no
 * memory); pieces sealed before the failure stay sealed, as in Linux.
 */
static int mseal_apply(struct uvma_mm *mm, uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma, *prev = NULL, *res;
	uint64_t cur = start;
	int err;
	VMA_ITERATOR(vmi, mm_core(mm), start);

	vma = find_vma_prev(mm_core(mm), start, &prev);
	if (start > vma->vm_start)
		prev = vma;
	vma_iter_set(&vmi, start);
	for_each_vma_range(vmi, vma, end) {
		uint64_t piece_end = vma->vm_end < end ? vma->vm_end : end;

		if (!vma_is_sealed(vma)) {
			err = vma_modify_flags(&vmi, prev, vma, cur, piece_end,
					       vma->vm_flags | VM_SEALED, &res);
			if (err)
				return err;
			/* OR, not overwrite: a merged survivor keeps its bits. */
			res->vm_flags |= VM_SEALED;
			vma = res;
		}
		/*
		 * A merge may have grown the VMA past the piece (sealing all
		 * of A merges it into a sealed B after it): go on from the
		 * end of what is now sealed (live: A B(sealed) C sealed in
		 * one call becomes one VMA).
		 */
		prev = vma;
		cur = vma->vm_end < end ? vma->vm_end : end;
		if (cur < piece_end)
			cur = piece_end;
	}
	return 0;
}

int uvma__mseal(struct uvma_mm *mm, uint64_t addr, uint64_t len,
	       unsigned long flags)
{
	uint64_t end;
	int r;

	if (flags)
		return -EINVAL;
	r = mm_range_args(addr, len, &end);
	if (r <= 0)
		return r;
	/* No TASK_SIZE check: a range above it is a hole (live: -ENOMEM). */
	if (range_has_hole(mm, addr, end))
		return -ENOMEM;
	return mseal_apply(mm, addr, end);
}
