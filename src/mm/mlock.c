/* SPDX-License-Identifier: MIT */
/*
 * mlock.c - mlock(), mlock2(), munlock(), mlockall(), munlockall().
 *
 * The lock bits (VM_LOCKED, VM_LOCKONFAULT) are set and cleared VMA by VMA
 * through vma_modify_flags(), so ranges split and merge exactly as in
 * Linux 6.18 mm/mlock.c; a hole stops the walk with -ENOMEM after the
 * VMAs before it were changed.  VMAs that cannot be locked (VM_SPECIAL,
 * VM_DROPPABLE, hugetlb) are skipped silently.  After the change, mlock
 * populates the range the way __mm_populate() does (mlock_populate()
 * below): private writable VMAs take their anon_vma as after a write
 * fault, LOCKONFAULT VMAs are left alone, and an inaccessible VMA ends the
 * call with -ENOMEM with the lock bits already set.
 *
 * Rules: ../shared/SEMANTICS.md §12, corrected against the live kernel in
 * docs/fidelity.md.  Reaches the VMA core only through vma.h.
 */
#include "mm_internal.h"

/* vma_supports_mlock() - may the lock bits of @vma change at all? */
static bool vma_supports_mlock(const struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_SPECIAL | VM_DROPPABLE | VM_HUGETLB))
		return false;
	return true;	/* the gate VMA is not in the tree */
}

/*
 * mlock_fixup() - give [start, end) of @vma the lock bits of @newflags.
 * @vmi:   iterator, left on the VMA that now covers the range.
 * @prev:  in: the VMA before @vma (or @vma when start > vm_start);
 *         out: the VMA covering the range, for the next step.
 * Returns: 0; -ENOMEM (map-count limit on a split, no memory).
 * IMPORTANT: as in Linux, a VMA whose flags would not change, or that
 * cannot be locked, is left alone and counts as success.
 */
static int mlock_fixup(struct uvma_mm *mm, struct vma_iterator *vmi,
		       struct vm_area_struct *vma, struct vm_area_struct **prev,
		       uint64_t start, uint64_t end, vm_flags_t newflags)
{
	vm_flags_t oldflags = vma->vm_flags;
	struct vm_area_struct *res;
	int64_t nr_pages;
	int err;

	if (newflags == oldflags || !vma_supports_mlock(vma)) {
		*prev = vma;
		return 0;
	}
	err = vma_modify_flags(vmi, *prev, vma, start, end, newflags, &res);
	if (err) {
		*prev = vma;
		return err;
	}
	nr_pages = (int64_t)((end - start) >> PAGE_SHIFT);
	if (!(newflags & VM_LOCKED))
		nr_pages = -nr_pages;
	else if (oldflags & VM_LOCKED)
		nr_pages = 0;
	mm->locked_vm += (uint64_t)nr_pages;
	/* Overwritten, as Linux does: the survivor takes middle's flags. */
	vma_flags_reset(res, newflags);
	*prev = res;
	return 0;
}

/*
 * apply_vma_lock_flags() - set the lock bits @flags on [start, start + len)
 * (page aligned), VMA by VMA.
 * Returns: 0; -EINVAL (the range wraps); -ENOMEM (start unmapped, a hole,
 * the range runs past the last VMA, or mlock_fixup() failed).
 * PARTIAL: VMAs before the failure keep their new bits.
 */
static int apply_vma_lock_flags(struct uvma_mm *mm, uint64_t start,
				uint64_t len, vm_flags_t flags)
{
	struct vm_area_struct *vma, *prev;
	uint64_t end = start + len, nstart = start, tmp;
	VMA_ITERATOR(vmi, mm_core(mm), start);

	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	vma = find_vma_prev(mm_core(mm), start, &prev);
	if (!vma || vma->vm_start > start)
		return -ENOMEM;
	if (start > vma->vm_start)
		prev = vma;

	tmp = vma->vm_start;
	for_each_vma_range(vmi, vma, end) {
		vm_flags_t newflags = (vma->vm_flags & ~VM_LOCKED_MASK) | flags;
		int err;

		if (vma->vm_start != tmp)
			return -ENOMEM;		/* a hole */
		tmp = vma->vm_end < end ? vma->vm_end : end;
		err = mlock_fixup(mm, &vmi, vma, &prev, nstart, tmp, newflags);
		if (err)
			return err;
		/* Continue after the VMA now covering the range (a merge
		 * with the next VMA may reach past tmp). */
		tmp = prev->vm_end;
		nstart = tmp;
		vma_iter_on(&vmi, prev);
	}
	return tmp < end ? -ENOMEM : 0;
}

/*
 * count_mm_mlocked_page_nr() - pages of VM_LOCKED VMAs inside
 * [start, start + len): what a new mlock of the range would not add to
 * locked_vm again.
 */
static uint64_t count_mm_mlocked_page_nr(struct uvma_mm *mm, uint64_t start,
					 uint64_t len)
{
	struct vm_area_struct *vma;
	uint64_t count = 0, end;
	VMA_ITERATOR(vmi, mm_core(mm), start);

	end = UINT64_MAX - len < start ? UINT64_MAX : start + len;
	for_each_vma_range(vmi, vma, end) {
		if (!(vma->vm_flags & VM_LOCKED))
			continue;
		if (start > vma->vm_start)
			count -= start - vma->vm_start;
		if (end < vma->vm_end) {
			count += end - vma->vm_start;
			break;
		}
		count += vma->vm_end - vma->vm_start;
	}
	return count >> PAGE_SHIFT;
}

/*
 * populate_hits_eof() - would faulting [start, end) of file VMA @vma reach
 * a page past the end of the file (SIGBUS, -EFAULT to gup)?  Regular files
 * and memfds (live: mlock of a memfd mapping past its size is -ENOMEM);
 * shared anonymous memory as long as the mapping that made it.
 */
static bool populate_hits_eof(const struct vm_area_struct *vma,
			      uint64_t end)
{
	const struct uvma_file *f = vma->vm_file;
	uint64_t last_pgoff, eof_pages;

	if (!f)
		return false;
	last_pgoff = vma->vm_pgoff + ((end - vma->vm_start) >> PAGE_SHIFT) - 1;
	eof_pages = PAGE_ALIGN(f->size) >> PAGE_SHIFT;
	return last_pgoff >= eof_pages;
}

/*
 * mlock_populate() - __mm_populate(start, end - start, ignore_errors) as
 * far as the VMAs can see it.  VM_IO / VM_PFNMAP VMAs and VM_LOCKONFAULT
 * VMAs are skipped; every other VMA is faulted in, with write faults on
 * private writable ones (they take an anon_vma); an inaccessible VMA or a
 * page past a file's end fails with -EFAULT.
 * Returns: 0; -EFAULT (stops there unless @ignore_errors); -ENOMEM (the
 * model ran out of memory giving an anon_vma).
 */
static int mlock_populate(struct uvma_mm *mm, uint64_t start, uint64_t end,
			  bool ignore_errors)
{
	struct vm_area_struct *vma;
	VMA_ITERATOR(vmi, mm_core(mm), start);

	/* Nothing to fault (mlock of length 0): an empty range still finds
	 * the VMA around start, whose populate error must not be reported. */
	if (start >= end)
		return 0;
	for_each_vma_range(vmi, vma, end) {
		uint64_t nend = vma->vm_end < end ? vma->vm_end : end;
		int err = 0;

		if (vma->vm_flags & (VM_IO | VM_PFNMAP))
			continue;
		if (vma->vm_flags & VM_LOCKONFAULT)
			continue;	/* populate_vma_page_range() skips it */
		if (!(vma->vm_flags & VM_ACCESS_FLAGS)) {
			err = -EFAULT;	/* PROT_NONE: no FOLL_FORCE */
		} else {
			if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE &&
			    !vma->anon_vma &&
			    anon_vma_prepare(mm_core(mm), vma))
				return -ENOMEM;
			if (populate_hits_eof(vma, nend))
				err = -EFAULT;
		}
		if (err && !ignore_errors)
			return err;
	}
	return 0;
}

/* do_mlock() - mlock() and mlock2() once their flags are known. */
static int do_mlock(struct uvma_mm *mm, uint64_t start, uint64_t len,
		    vm_flags_t flags)
{
	uint64_t locked, lock_limit;
	int err = -ENOMEM;

	if (!can_do_mlock(mm))
		return -EPERM;
	/* Widened to pages; a length near 2^64 wraps (to 0: success). */
	len = PAGE_ALIGN(len + (start & ~PAGE_MASK));
	start &= PAGE_MASK;

	lock_limit = mm->cfg.rlimit_memlock == UVMA_RLIM_INFINITY ?
		     UINT64_MAX >> PAGE_SHIFT :
		     mm->cfg.rlimit_memlock >> PAGE_SHIFT;
	locked = (len >> PAGE_SHIFT) + mm->locked_vm;
	if (locked > lock_limit && !mm->cfg.cap_ipc_lock)
		locked -= count_mm_mlocked_page_nr(mm, start, len);
	if (locked <= lock_limit || mm->cfg.cap_ipc_lock)
		err = apply_vma_lock_flags(mm, start, len, flags);
	if (err)
		return err;

	/* The lock bits stay set whatever populating them says. */
	err = mlock_populate(mm, start, start + len, false);
	if (err == -EFAULT)
		return -ENOMEM;		/* __mlock_posix_error_return() */
	if (err == -ENOMEM)
		return -EAGAIN;
	return err;
}

int uvma__mlock(struct uvma_mm *mm, uint64_t addr, uint64_t len)
{
	return do_mlock(mm, addr, len, VM_LOCKED);
}

int uvma__mlock2(struct uvma_mm *mm, uint64_t addr, uint64_t len,
		unsigned int flags)
{
	vm_flags_t vm_flags = VM_LOCKED;

	if (flags & ~(unsigned int)UVMA_MLOCK_ONFAULT)
		return -EINVAL;		/* before the permission check */
	if (flags & UVMA_MLOCK_ONFAULT)
		vm_flags |= VM_LOCKONFAULT;
	return do_mlock(mm, addr, len, vm_flags);
}

int uvma__munlock(struct uvma_mm *mm, uint64_t addr, uint64_t len)
{
	/* No permission check: munlock works with RLIMIT_MEMLOCK 0. */
	len = PAGE_ALIGN(len + (addr & ~PAGE_MASK));
	addr &= PAGE_MASK;
	return apply_vma_lock_flags(mm, addr, len, 0);
}

/*
 * apply_mlockall_flags() - def_flags for later mappings and, with
 * MCL_CURRENT (or for munlockall, @flags 0), the lock bits of every VMA.
 * Errors on single VMAs are ignored, as in Linux.
 */
static void apply_mlockall_flags(struct uvma_mm *mm, int flags)
{
	struct vm_area_struct *vma, *prev = NULL;
	vm_flags_t to_add = 0;
	VMA_ITERATOR(vmi, mm_core(mm), 0);

	mm->def_flags &= ~VM_LOCKED_MASK;
	if (flags & UVMA_MCL_FUTURE) {
		mm->def_flags |= VM_LOCKED;
		if (flags & UVMA_MCL_ONFAULT)
			mm->def_flags |= VM_LOCKONFAULT;
		if (!(flags & UVMA_MCL_CURRENT))
			return;
	}
	if (flags & UVMA_MCL_CURRENT) {
		to_add |= VM_LOCKED;
		if (flags & UVMA_MCL_ONFAULT)
			to_add |= VM_LOCKONFAULT;
	}
	for_each_vma(vmi, vma) {
		vm_flags_t newflags = (vma->vm_flags & ~VM_LOCKED_MASK) | to_add;

		if (mlock_fixup(mm, &vmi, vma, &prev, vma->vm_start,
				vma->vm_end, newflags))
			prev = vma;
		vma_iter_on(&vmi, prev);
	}
}

int uvma__mlockall(struct uvma_mm *mm, int flags)
{
	uint64_t lock_limit;

	if (!flags || (flags & ~(UVMA_MCL_CURRENT | UVMA_MCL_FUTURE |
				 UVMA_MCL_ONFAULT)) ||
	    flags == UVMA_MCL_ONFAULT)
		return -EINVAL;
	if (!can_do_mlock(mm))
		return -EPERM;
	lock_limit = mm->cfg.rlimit_memlock == UVMA_RLIM_INFINITY ?
		     UINT64_MAX >> PAGE_SHIFT :
		     mm->cfg.rlimit_memlock >> PAGE_SHIFT;
	/* The whole address space is compared, locked or not. */
	if ((flags & UVMA_MCL_CURRENT) && mm->total_vm > lock_limit &&
	    !mm->cfg.cap_ipc_lock)
		return -ENOMEM;
	apply_mlockall_flags(mm, flags);
	if (flags & UVMA_MCL_CURRENT)
		(void)mlock_populate(mm, 0, mm->cfg.task_size, true);
	return 0;
}

int uvma__munlockall(struct uvma_mm *mm)
{
	apply_mlockall_flags(mm, 0);
	return 0;
}
