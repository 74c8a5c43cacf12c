/* SPDX-License-Identifier: MIT */
/*
 * exec.c - execve()'s stack: create_init_stack_vma() (mm/vma_exec.c), the
 * argument copy that grows it, and setup_arg_pages() (fs/exec.c).
 *
 *   1. a one-page anonymous VMA at [TASK_SIZE - 4 KiB, TASK_SIZE) with
 *      VM_STACK_FLAGS | VM_STACK_INCOMPLETE_SETUP, pgoff = its start >> 12
 *      (insert_vm_struct()), charged one page;
 *   2. the arguments are written below the top: the VMA gets its anon_vma
 *      and grows down over them (expand_downwards(): pgoff drops by the
 *      pages added);
 *   3. setup_arg_pages(): the flags become VM_STACK_FLAGS (+/- VM_EXEC for
 *      PT_GNU_STACK) | def_flags | INCOMPLETE, the VMA moves down to the
 *      final top with relocate_vma_down() (pgoff kept), INCOMPLETE is
 *      cleared and the stack grows by 128 KiB (at most to RLIMIT_STACK).
 * Without ASLR the final top is TASK_SIZE, so nothing moves; a lower
 * @stack_top exercises relocate_vma_down().
 *
 * All-or-nothing: a failure after step 1 unmaps the new VMA again (the
 * kernel would throw the whole new mm away).
 */
#include "local.h"

#define ARG_MAX_BYTES (32 * 4096ull)	/* ARG_MAX: 32 pages */
#define STK_LIM (8ull << 20)		/* _STK_LIM */
#define STACK_EXPAND (128ull << 10)	/* setup_arg_pages()'s 128 KiB */

/* bprm_stack_limits() - how many bytes of arguments the stack may take. */
static uint64_t arg_limit(const struct uvma_mm *mm)
{
	uint64_t limit = STK_LIM / 4 * 3;

	if (mm->cfg.rlimit_stack / 4 < limit)
		limit = mm->cfg.rlimit_stack / 4;
	if (limit < ARG_MAX_BYTES)
		limit = ARG_MAX_BYTES;
	/* One argv pointer (argc is at least 1). */
	return limit - sizeof(uint64_t);
}

/* create_init_stack_vma() - step 1. */
static int create_init_stack_vma(struct uvma_mm *mm,
				 struct vm_area_struct **out)
{
	uint64_t top = mm->cfg.task_size;
	struct vm_area_struct *vma;
	vm_flags_t flags = VM_STACK_FLAGS | VM_STACK_INCOMPLETE_SETUP;

	if (mm->cfg.read_implies_exec)
		flags |= VM_EXEC;
	if (mm->cfg.soft_dirty)
		flags |= VM_SOFTDIRTY;
	if (find_vma_intersection(mm_core(mm), top - PAGE_SIZE, top))
		return -ENOMEM;
	vma = vm_area_alloc(mm_core(mm));
	if (!vma)
		return -ENOMEM;
	vma->vm_start = top - PAGE_SIZE;
	vma->vm_end = top;
	vma->vm_pgoff = vma->vm_start >> PAGE_SHIFT;
	vma->vm_flags = flags;
	if (security_vm_enough_memory(mm, 1)) {
		vm_area_free(mm_core(mm), vma);
		return -ENOMEM;
	}
	if (vma_link(mm_core(mm), vma)) {
		vm_unacct_memory(mm, 1);
		vm_area_free(mm_core(mm), vma);
		return -ENOMEM;
	}
	vm_stat_account(mm, flags, 1);
	*out = vma;
	return 0;
}

/* grow() - expand_downwards() with its errors as exec sees them. */
static int grow(struct uvma_mm *mm, struct vm_area_struct *vma, uint64_t to,
		int refused)
{
	bool oom;
	int err = mm_expand_downwards(mm, vma, to, &oom);

	if (!err)
		return 0;
	return oom ? -ENOMEM : refused;
}

/* setup_arg_pages() - step 3; @p is the argument pointer, moved along. */
static int setup_arg_pages(struct uvma_mm *mm, struct vm_area_struct *vma,
			   uint64_t stack_top, int exec_stack, uint64_t *p)
{
	uint64_t shift, size, expand, rlim;
	vm_flags_t flags = VM_STACK_FLAGS | VM_STACK_INCOMPLETE_SETUP;
	int err;

	if (mm->cfg.read_implies_exec)
		flags |= VM_EXEC;
	stack_top = PAGE_ALIGN(stack_top & ~0xfull);	/* arch_align_stack() */
	if (stack_top < mmap_min_addr(mm) ||
	    vma->vm_end - vma->vm_start >= stack_top - mmap_min_addr(mm))
		return -ENOMEM;
	shift = vma->vm_end - stack_top;
	*p -= shift;
	mm->arg_start = *p;

	if (exec_stack > 0)
		flags |= VM_EXEC;
	else if (exec_stack < 0)
		flags &= ~VM_EXEC;
	flags |= mm->def_flags;
	/* mprotect_fixup() of the whole VMA: nothing can merge with it. */
	if (flags != vma->vm_flags) {
		vm_stat_account(mm, vma->vm_flags, -(int64_t)vma_pages(vma));
		vma->vm_flags = flags;
		vm_stat_account(mm, flags, (int64_t)vma_pages(vma));
	}
	if (shift) {
		err = relocate_vma_down(mm_core(mm), vma, shift);
		if (err)
			return err;
	}
	vma->vm_flags &= ~VM_STACK_INCOMPLETE_SETUP;

	size = vma->vm_end - vma->vm_start;
	rlim = mm->cfg.rlimit_stack & PAGE_MASK;
	expand = size + STACK_EXPAND < rlim ? size + STACK_EXPAND : rlim;
	mm->start_stack = *p;
	return grow(mm, vma, vma->vm_end - expand, -EFAULT);
}

int uvma__exec_setup_stack(struct uvma_mm *mm, const struct uvma_exec_params *p,
			  uint64_t *sp_out)
{
	struct vm_area_struct *vma;
	uint64_t top, argp;
	int err;

	if (!mm || !p || p->exec_stack < -1 || p->exec_stack > 1)
		return -EINVAL;
	top = p->stack_top ? p->stack_top : mm->cfg.task_size;
	if (top > mm->cfg.task_size)
		return -EINVAL;
	if (p->arg_bytes > arg_limit(mm))
		return -E2BIG;

	err = create_init_stack_vma(mm, &vma);
	if (err)
		return err;
	/* The argument strings go below a pointer-sized slot at the top. */
	argp = vma->vm_end - sizeof(uint64_t) - p->arg_bytes;
	err = grow(mm, vma, argp, -E2BIG);
	if (!err)
		err = setup_arg_pages(mm, vma, top, p->exec_stack, &argp);
	if (err) {
		int err2 = do_munmap_range(mm, vma->vm_start,
					   vma->vm_end - vma->vm_start);

		/*
		 * Out of memory again while undoing (only under fault
		 * injection "from k on"): the stack VMA stays.  Linux never
		 * undoes - a failed exec past its point of no return kills
		 * the process - so the caller discards this address space.
		 */
		VMA_WARN_ON(err2 != 0 && err2 != -ENOMEM);
		(void)err2;
		mm->start_stack = 0;
		return err;
	}
	mm->start_stack = argp & ~0xfull;
	if (sp_out)
		*sp_out = mm->start_stack;
	return 0;
}
