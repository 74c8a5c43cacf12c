/* SPDX-License-Identifier: MIT */
/*
 * fault.c - user page faults: stack expansion (expand_downwards), the
 * SIGSEGV/SIGBUS classification of x86's do_user_addr_fault() and the
 * anon_vma each fault assigns (handle_mm_fault()).
 *
 *   no VMA at or above the address, or one below a non-stack VMA, or a
 *   refused stack growth                      -> SIGSEGV, SEGV_MAPERR
 *   write without VM_WRITE; read/exec of a VMA without any access;
 *   exec of a VMA without VM_EXEC (after the read-like first fault)
 *                                             -> SIGSEGV, SEGV_ACCERR
 *   file page at or past the end of the file  -> SIGBUS
 *
 * A write fault on a private mapping (anonymous or CoW of a file) prepares
 * the anon_vma (neighbour reuse as anon_vma_prepare()); so does any fault
 * that takes the PMD THP path of an anonymous VMA, which prepares it before
 * deciding to map the huge zero page.  Page tables are not modelled: the
 * THP path is taken whenever THP is allowed and the 2 MiB block lies inside
 * the VMA (Linux also needs that block to have no page table yet).
 */
#include "local.h"

bool mm_thp_read_prepares(const struct uvma_mm *mm,
			  const struct vm_area_struct *vma, uint64_t addr)
{
	vm_flags_t f = vma->vm_flags;
	uint64_t haddr = addr & ~(PMD_SIZE - 1);

	if (!mm->cfg.thp_configured || !vma_is_anonymous(vma) ||
	    (f & (VM_NOHUGEPAGE | VM_SPECIAL | VM_HUGETLB)))
		return false;
	/* The exec stack while it is being set up. */
	if ((f & VM_STACK_INCOMPLETE_SETUP) == VM_STACK_INCOMPLETE_SETUP)
		return false;
	if (mm->cfg.thp == UVMA_THP_NEVER ||
	    (mm->cfg.thp == UVMA_THP_MADVISE && !(f & VM_HUGEPAGE)))
		return false;
	return haddr >= vma->vm_start && haddr + PMD_SIZE <= vma->vm_end;
}

/* past_eof() - is the file page behind @addr at or past the file's end? */
static bool past_eof(const struct vm_area_struct *vma, uint64_t addr)
{
	const struct uvma_file *f = vma->vm_file;
	uint64_t index = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);

	/* Shared anonymous memory is a shmem file as long as the mapping
	 * that made it (mremap can grow a mapping past it). */
	if (!f || mm_vma_is_special(vma))
		return false;
	return index >= (f->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
}

/* vma_own_fault_handler() - driver and special mappings fault their own way. */
static bool vma_own_fault_handler(const struct vm_area_struct *vma)
{
	return (vma->vm_flags & (VM_PFNMAP | VM_IO | VM_MIXEDMAP)) ||
	       mm_vma_is_special(vma);
}

int mm_fault_vma(struct uvma_mm *mm, struct vm_area_struct *vma,
		 uint64_t addr, unsigned int access)
{
	bool write = access & UVMA_FAULT_WRITE;
	bool prepare;

	if (vma_own_fault_handler(vma))
		return UVMA_FAULT_OK;
	if (vma_is_anonymous(vma))
		prepare = write || mm_thp_read_prepares(mm, vma, addr);
	else
		/* CoW of a private file page: prepared before the file is read. */
		prepare = write && !(vma->vm_flags & VM_SHARED);
	if (prepare && anon_vma_prepare(mm_core(mm), vma))
		return -ENOMEM;
	if (!vma_is_anonymous(vma) && past_eof(vma, addr))
		return UVMA_FAULT_SIGBUS;
	return UVMA_FAULT_OK;
}

/*
 * acct_stack_growth() - the limits a stack growth of @grow pages meets.
 * @charge: take the overcommit charge (false: only ask, for
 * uvma_fault_check(), which must leave @mm as it was).
 */
static int acct_stack_growth(struct uvma_mm *mm, struct vm_area_struct *vma,
			     uint64_t size, uint64_t grow, bool charge)
{
	if (!may_expand_vm(mm, vma->vm_flags, grow))
		return -ENOMEM;
	if (size > mm->cfg.rlimit_stack)
		return -ENOMEM;
	if (!mlock_future_ok(mm, vma->vm_flags, grow << PAGE_SHIFT))
		return -ENOMEM;
	/* Overcommit last: it charges. */
	if (security_vm_enough_memory(mm, grow))
		return -ENOMEM;
	if (!charge)
		vm_unacct_memory(mm, grow);
	return 0;
}

/*
 * stack_guard_check() - the checks expand_downwards() makes before it
 * prepares the anon_vma: a stack, not below mmap_min_addr, the guard gap
 * to the VMA below (unless that is a stack or inaccessible).
 */
static int stack_guard_check(struct uvma_mm *mm, struct vm_area_struct *vma,
			     uint64_t address)
{
	struct vm_area_struct *prev;
	VMA_ITERATOR(vmi, mm_core(mm), vma->vm_start);

	if (!(vma->vm_flags & VM_GROWSDOWN))
		return -EFAULT;
	if (address < mmap_min_addr(mm))
		return -EPERM;
	prev = vma_prev(&vmi);
	if (prev && !(prev->vm_flags & VM_GROWSDOWN) &&
	    (prev->vm_flags & VM_ACCESS_FLAGS) &&
	    address - prev->vm_end < mm->cfg.stack_guard_gap)
		return -ENOMEM;
	return 0;
}

/* stack_limit_check() - the checks after it: pgoff, rlimits, overcommit. */
static int stack_limit_check(struct uvma_mm *mm, struct vm_area_struct *vma,
			     uint64_t address, bool charge)
{
	uint64_t grow = (vma->vm_start - address) >> PAGE_SHIFT;

	if (grow > vma->vm_pgoff)
		return -ENOMEM;
	return acct_stack_growth(mm, vma, vma->vm_end - address, grow, charge);
}

int mm_expand_downwards(struct uvma_mm *mm, struct vm_area_struct *vma,
			uint64_t address, bool *oom)
{
	uint64_t grow;
	bool had_anon = vma->anon_vma != NULL;
	int err;
	VMA_ITERATOR(vmi, mm_core(mm), vma->vm_start);

	*oom = false;
	address &= PAGE_MASK;
	err = stack_guard_check(mm, vma, address);
	if (err)
		return err;
	/* The anon_vma comes before the limits: a refusal keeps it. */
	if (anon_vma_prepare(mm_core(mm), vma)) {
		*oom = true;
		return -ENOMEM;
	}
	if (address >= vma->vm_start)
		return 0;
	err = stack_limit_check(mm, vma, address, true);
	if (err)
		return err;
	grow = (vma->vm_start - address) >> PAGE_SHIFT;
	{
		VMG_STATE(vmg, mm_core(mm), &vmi, address, vma->vm_end,
			  vma->vm_flags, vma->vm_pgoff - grow);

		vmg.target = vma;
		if (vma_expand(&vmg)) {
			vm_unacct_memory(mm, grow);
			if (!had_anon)
				unlink_anon_vmas(vma);
			*oom = true;
			return -ENOMEM;
		}
	}
	if (vma->vm_flags & VM_LOCKED)
		mm->locked_vm += grow;
	vm_stat_account(mm, vma->vm_flags, (int64_t)grow);
	return 0;
}

/* access_error() - x86's access_error(): may @access touch @vma at all? */
static bool access_error(const struct vm_area_struct *vma, unsigned int access)
{
	if (access & UVMA_FAULT_WRITE)
		return !(vma->vm_flags & VM_WRITE);
	return !(vma->vm_flags & VM_ACCESS_FLAGS);
}

int uvma_fault_check(struct uvma_mm *mm, uint64_t addr, unsigned int access)
{
	struct vm_area_struct *vma;
	bool grows = false;

	if (addr >= mm->cfg.task_size)
		return UVMA_FAULT_SEGV_MAPERR;
	vma = find_vma(mm_core(mm), addr);
	if (!vma)
		return UVMA_FAULT_SEGV_MAPERR;
	if (vma->vm_start > addr) {
		uint64_t page = addr & PAGE_MASK;

		if (stack_guard_check(mm, vma, page) ||
		    stack_limit_check(mm, vma, page, false))
			return UVMA_FAULT_SEGV_MAPERR;
		grows = true;
	}
	if (access_error(vma, access))
		return UVMA_FAULT_SEGV_ACCERR;
	if (!vma_own_fault_handler(vma) && !vma_is_anonymous(vma) &&
	    past_eof(vma, addr))
		return UVMA_FAULT_SIGBUS;
	if ((access & UVMA_FAULT_EXEC) && !(vma->vm_flags & VM_EXEC))
		return UVMA_FAULT_SEGV_ACCERR;
	return grows ? UVMA_FAULT_GROWS_STACK : UVMA_FAULT_OK;
}

int uvma__fault(struct uvma_mm *mm, uint64_t addr, unsigned int access)
{
	struct vm_area_struct *vma;
	bool oom;
	int r;

	if (addr >= mm->cfg.task_size)
		return UVMA_FAULT_SEGV_MAPERR;
	vma = find_vma(mm_core(mm), addr);
	if (!vma)
		return UVMA_FAULT_SEGV_MAPERR;
	if (vma->vm_start > addr) {
		if (!(vma->vm_flags & VM_GROWSDOWN))
			return UVMA_FAULT_SEGV_MAPERR;
		if (mm_expand_downwards(mm, vma, addr, &oom))
			return oom ? -ENOMEM : UVMA_FAULT_SEGV_MAPERR;
	}
	if (access_error(vma, access))
		return UVMA_FAULT_SEGV_ACCERR;
	r = mm_fault_vma(mm, vma, addr, access & UVMA_FAULT_WRITE);
	if (r != UVMA_FAULT_OK)
		return r;
	/* An instruction fetch from a non-exec VMA refaults on the NX page. */
	if ((access & UVMA_FAULT_EXEC) && !(vma->vm_flags & VM_EXEC))
		return UVMA_FAULT_SEGV_ACCERR;
	return UVMA_FAULT_OK;
}
