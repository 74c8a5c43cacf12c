/* SPDX-License-Identifier: MIT */
/*
 * fork.c - fork(): the child's address space (Linux 6.18 dup_mmap()).
 *
 * Every parent VMA is copied in address order, without merging:
 *   - VM_DONTCOPY: left out (the child has a hole; its pages leave the
 *     child's counters);
 *   - VM_ACCOUNT: charged again (overcommit may refuse: -ENOMEM);
 *   - VM_LOCKED / VM_LOCKONFAULT: cleared (locked_vm starts at 0);
 *   - uffd: kept only if the context has UFFD_FEATURE_EVENT_FORK, then
 *     with one new child context per parent context (owned by the child);
 *   - anon_vma: none for VM_WIPEONFORK or an unfaulted parent VMA, else a
 *     new one per VMA whose parent is the parent VMA's (a fork child: it
 *     merges only with VMAs sharing that very anon_vma).
 * The child inherits brk, stack, bases, counters, PR_SET_MEMORY_MERGE and
 * of def_flags only VM_NOHUGEPAGE (VM_INIT_DEF_MASK).
 * Checked on the live kernel in tests/unit/test_fork.c (a forked child's
 * own /proc/self/smaps).
 */
#include "local.h"

/* fork_uffd_ctx() - the child's context for parent context @pctx. */
static struct uvma_uffd *fork_uffd_ctx(struct uvma_mm *child,
				       struct uvma_uffd *pctx)
{
	struct uvma_uffd *c;

	/* Contexts made here sit in front of the list, tagged by parent. */
	for (c = child->uffds; c; c = c->next)
		if (c->owned_by_mm && c->fork_parent == pctx)
			return c;
	c = uvma__calloc(sizeof(*c));
	if (!c)
		return NULL;
	c->mm = child;
	c->features = pctx->features;
	c->owned_by_mm = true;
	c->fork_parent = pctx;
	c->next = child->uffds;
	child->uffds = c;
	return c;
}

/* dup_vma() - the child's copy of @pvma, linked into @child. */
static int dup_vma(struct uvma_mm *child, struct vm_area_struct *pvma)
{
	struct vm_area_struct *tmp;
	int err;

	if ((pvma->vm_flags & VM_ACCOUNT) &&
	    security_vm_enough_memory(child, vma_pages(pvma)))
		return -ENOMEM;
	tmp = vm_area_dup(mm_core(child), pvma);
	if (!tmp)
		goto unacct;
	/* vm_area_dup() shared the parent's anon_vma: fork makes a child one. */
	unlink_anon_vmas(tmp);
	if (vma_uffd_ctx(tmp)) {
		struct uvma_uffd *pctx = (struct uvma_uffd *)vma_uffd_ctx(tmp);

		if (pctx->features & UVMA_UFFD_FEATURE_EVENT_FORK) {
			struct uvma_uffd *c = fork_uffd_ctx(child, pctx);

			/* tmp has an extension: setting cannot fail. */
			if (!c || vma_set_uffd_ctx(tmp, (struct userfaultfd_ctx *)c))
				goto free;
		} else {
			vma_clear_uffd_ctx(tmp);
			tmp->vm_flags &= ~__VM_UFFD_FLAGS;
		}
	}
	if (!(tmp->vm_flags & VM_WIPEONFORK) &&
	    anon_vma_fork(mm_core(child), tmp, pvma))
		goto free;
	tmp->vm_flags &= ~VM_LOCKED_MASK;
	err = vma_link(mm_core(child), tmp);
	if (err)
		goto free;
	if (tmp->vm_ops && tmp->vm_ops->open)
		tmp->vm_ops->open(tmp);
	return 0;

free:
	remove_vma(mm_core(child), tmp);
unacct:
	if (pvma->vm_flags & VM_ACCOUNT)
		vm_unacct_memory(child, vma_pages(pvma));
	return -ENOMEM;
}

int uvma_fork(struct uvma_mm *parent, struct uvma_mm **out)
{
	struct uvma_mm *child;
	struct vm_area_struct *pvma;
	int err;
	VMA_ITERATOR(vmi, mm_core(parent), 0);

	if (!out)
		return -EINVAL;
	*out = NULL;
	err = uvma_mm_create(&parent->cfg, &child);
	if (err)
		return err;
	child->mmap_base = parent->mmap_base;
	child->mmap_legacy_base = parent->mmap_legacy_base;
	child->start_brk = parent->start_brk;
	child->brk = parent->brk;
	child->start_stack = parent->start_stack;
	child->arg_start = parent->arg_start;
	child->def_flags = parent->def_flags & VM_NOHUGEPAGE;
	child->total_vm = parent->total_vm;
	child->data_vm = parent->data_vm;
	child->exec_vm = parent->exec_vm;
	child->stack_vm = parent->stack_vm;
	child->memory_merge = parent->memory_merge;
	child->shmem_ino = parent->shmem_ino;
	child->vmm.anon_vma_seq = parent->vmm.anon_vma_seq;
	/*
	 * Overcommit is system-wide in Linux: the child's charges are checked
	 * on top of the parent's, then the child keeps only its own.
	 */
	child->committed = parent->committed;

	for_each_vma(vmi, pvma) {
		if (pvma->vm_flags & VM_DONTCOPY) {
			vm_stat_account(child, pvma->vm_flags,
					-(int64_t)vma_pages(pvma));
			continue;
		}
		err = dup_vma(child, pvma);
		if (err) {
			uvma_mm_destroy(child);
			return err;
		}
	}
	child->committed -= parent->committed;
	*out = child;
	return 0;
}
