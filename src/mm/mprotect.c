/* SPDX-License-Identifier: MIT */
/*
 * mprotect.c - mprotect() and pkey_mprotect() (do_mprotect_pkey and
 * mprotect_fixup of Linux 6.18): argument checks in the kernel's order,
 * PROT_GROWSDOWN, the walk that stops at a hole with earlier VMAs already
 * changed, VM_ACCOUNT added for private memory becoming writable and
 * dropped for unfaulted anonymous memory becoming read-only, sealed VMAs.
 * Rules: ../shared/SEMANTICS.md §11.
 */
#include "mm_internal.h"

static vm_flags_t prot_bits(int prot)
{
	return ((prot & UVMA_PROT_READ) ? VM_READ : 0) |
	       ((prot & UVMA_PROT_WRITE) ? VM_WRITE : 0) |
	       ((prot & UVMA_PROT_EXEC) ? VM_EXEC : 0);
}

/*
 * mprotect_fixup() - give [start, end) of @vma the flags @newflags.
 * *@res receives the VMA now covering the range.
 * Returns: 0; -EPERM (sealed); -ENOMEM (limits, overcommit, split limit,
 * allocation).
 */
static int mprotect_fixup(struct uvma_mm *mm, struct vma_iterator *vmi,
			  struct vm_area_struct *vma, uint64_t start,
			  uint64_t end, vm_flags_t newflags,
			  struct vm_area_struct **res)
{
	vm_flags_t oldflags = vma->vm_flags;
	uint64_t nrpages = (end - start) >> PAGE_SHIFT, charged = 0;
	struct vm_area_struct *prev;
	int err;

	*res = vma;
	if (vma_is_sealed(vma))
		return -EPERM;
	if (newflags == oldflags)
		return 0;
	if (newflags & VM_WRITE) {
		/* Check the space limits when the area turns into data. */
		if (!may_expand_vm(mm, newflags, nrpages) &&
		    may_expand_vm(mm, oldflags, nrpages))
			return -ENOMEM;
		if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB |
				  VM_SHARED | VM_NORESERVE))) {
			charged = nrpages;
			if (security_vm_enough_memory(mm, charged))
				return -ENOMEM;
			newflags |= VM_ACCOUNT;
		}
	} else if ((oldflags & VM_ACCOUNT) && vma_is_anonymous(vma) &&
		   !vma->anon_vma) {
		newflags &= ~VM_ACCOUNT;
	}

	if (start > vma->vm_start) {
		prev = vma;
	} else {
		/* The iterator stands on @vma: one step back on a copy. */
		struct vma_iterator back = *vmi;

		prev = vma_prev(&back);
	}
	err = vma_modify_flags(vmi, prev, vma, start, end, newflags, res);
	if (err) {
		if (charged)
			vm_unacct_memory(mm, charged);
		return err;
	}
	vma_flags_reset(*res, newflags);
	if ((oldflags & VM_ACCOUNT) && !(newflags & VM_ACCOUNT))
		vm_unacct_memory(mm, nrpages);
	/* A private locked VMA turning writable is populated (COW broken). */
	if ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED &&
	    (newflags & VM_WRITE))
		(void)mm_populate_range(mm, start, end);
	vm_stat_account(mm, oldflags, -(int64_t)nrpages);
	vm_stat_account(mm, newflags, (int64_t)nrpages);
	return 0;
}

int uvma__pkey_mprotect(struct uvma_mm *mm, uint64_t start, uint64_t len,
		       int prot, int pkey)
{
	const int grows = prot & (UVMA_PROT_GROWSDOWN | UVMA_PROT_GROWSUP);
	const bool rier = mm->cfg.read_implies_exec && (prot & UVMA_PROT_READ);
	struct vm_area_struct *vma, *res;
	uint64_t end, nstart, tmp;
	int reqprot, err = 0;
	VMA_ITERATOR(vmi, &mm->vmm, start);

	if (grows == (UVMA_PROT_GROWSDOWN | UVMA_PROT_GROWSUP))
		return -EINVAL;
	prot &= ~grows;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	len = PAGE_ALIGN(len);
	end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(UVMA_PROT_READ | UVMA_PROT_WRITE | UVMA_PROT_EXEC |
		     UVMA_PROT_SEM))
		return -EINVAL;
	reqprot = prot;
	/* No protection key is ever allocated in the model. */
	if (pkey != -1)
		return -EINVAL;

	vma = vma_find(&vmi, end);
	if (!vma)
		return -ENOMEM;
	if (grows & UVMA_PROT_GROWSDOWN) {
		if (vma->vm_start >= end)
			return -ENOMEM;
		start = vma->vm_start;
		if (!(vma->vm_flags & VM_GROWSDOWN))
			return -EINVAL;
	} else {
		if (vma->vm_start > start)
			return -ENOMEM;
		if (grows & UVMA_PROT_GROWSUP)
			return -EINVAL;	/* no VM_GROWSUP on x86 */
	}

	nstart = start;
	tmp = vma->vm_start;
	/* The iterator stands on @vma, the first VMA of the range. */
	do {
		vm_flags_t newflags;

		if (vma->vm_start != tmp) {
			err = -ENOMEM;
			break;
		}
		if (rier && (vma->vm_flags & VM_MAYEXEC))
			prot |= UVMA_PROT_EXEC;
		newflags = prot_bits(prot) |
			   (vma->vm_flags & ~(VM_ACCESS_FLAGS | VM_PKEY_MASK));
		/* newflags >> 4 puts each VM_MAY* bit over its VM_* bit. */
		if ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS) {
			err = -EACCES;
			break;
		}
		tmp = vma->vm_end < end ? vma->vm_end : end;
		err = mprotect_fixup(mm, &vmi, vma, nstart, tmp, newflags, &res);
		if (err)
			break;
		tmp = res->vm_end;
		nstart = tmp;
		prot = reqprot;
		if (tmp >= end)
			break;	/* whatever follows starts at or above end */
		vma_iter_on(&vmi, res);
	} while ((vma = vma_find(&vmi, end)) != NULL);
	if (!err && tmp < end)
		err = -ENOMEM;
	return err;
}

int uvma_mprotect(struct uvma_mm *mm, uint64_t addr, uint64_t len, int prot)
{
	return uvma_pkey_mprotect(mm, addr, len, prot, -1);
}
