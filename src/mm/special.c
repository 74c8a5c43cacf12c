/* SPDX-License-Identifier: MIT */
/*
 * special.c - special mappings ([vvar], [vvar_vclock], [vdso]): VMAs with
 * vm_ops that name them, refuse splits (may_split -EINVAL, as Linux's
 * special_mapping_split) and never merge (VM_DONTEXPAND is VM_SPECIAL).
 * Flag sets are the ones this machine's smaps shows.
 */
#include "mm_internal.h"

static int special_may_split(struct vm_area_struct *vma, uint64_t addr)
{
	(void)vma;
	(void)addr;
	return -EINVAL;
}

static int special_mremap(struct vm_area_struct *vma)
{
	(void)vma;
	return 0;
}

static const char *name_vvar(struct vm_area_struct *vma)
{
	(void)vma;
	return "[vvar]";
}

static const char *name_vvar_vclock(struct vm_area_struct *vma)
{
	(void)vma;
	return "[vvar_vclock]";
}

static const char *name_vdso(struct vm_area_struct *vma)
{
	(void)vma;
	return "[vdso]";
}

static const struct vm_operations_struct special_ops[3] = {
	[UVMA_SPECIAL_VVAR] = { .may_split = special_may_split,
				.mremap = special_mremap, .name = name_vvar },
	[UVMA_SPECIAL_VVAR_VCLOCK] = { .may_split = special_may_split,
				       .mremap = special_mremap,
				       .name = name_vvar_vclock },
	[UVMA_SPECIAL_VDSO] = { .may_split = special_may_split,
				.mremap = special_mremap, .name = name_vdso },
};

/* Sizes and flags as this machine's 6.18.44 kernel shows them. */
static const struct {
	uint64_t pages;
	vm_flags_t flags;
} special_def[3] = {
	[UVMA_SPECIAL_VVAR] = { 4, VM_READ | VM_MAYREAD | VM_PFNMAP | VM_IO |
				       VM_DONTEXPAND | VM_DONTDUMP },
	[UVMA_SPECIAL_VVAR_VCLOCK] = { 2, VM_READ | VM_MAYREAD | VM_PFNMAP |
						  VM_IO | VM_DONTEXPAND |
						  VM_DONTDUMP },
	[UVMA_SPECIAL_VDSO] = { 2, VM_READ | VM_EXEC | VM_MAYREAD |
				       VM_MAYWRITE | VM_MAYEXEC |
				       VM_DONTEXPAND },
};

bool mm_vma_is_special(const struct vm_area_struct *vma)
{
	return vma->vm_ops >= &special_ops[0] && vma->vm_ops <= &special_ops[2];
}

const char *mm_special_name(const struct vm_area_struct *vma)
{
	if (!mm_vma_is_special(vma))
		return NULL;
	return vma->vm_ops->name((struct vm_area_struct *)vma);
}

/*
 * mm_special_vma_new() - link special mapping @kind at [addr, addr+len);
 * used by uvma_map_special() and the importer.  @flags 0 = the usual set.
 */
int mm_special_vma_new(struct uvma_mm *mm, enum uvma_special kind,
		       uint64_t addr, uint64_t len, vm_flags_t flags)
{
	struct vm_area_struct *vma;
	int err;

	if ((unsigned)kind > UVMA_SPECIAL_VDSO)
		return -EINVAL;
	if (!len)
		len = special_def[kind].pages << PAGE_SHIFT;
	if (addr & ~PAGE_MASK || len & ~PAGE_MASK || addr + len < addr ||
	    addr + len > mm->cfg.task_size)
		return -EINVAL;
	if (find_vma_intersection(&mm->vmm, addr, addr + len))
		return -EEXIST;
	if (!flags) {
		flags = special_def[kind].flags;
		if (mm->cfg.soft_dirty)
			flags |= VM_SOFTDIRTY;
		if (mm->cfg.mseal_system_mappings)
			flags |= VM_SEALED;
	}
	vma = vm_area_alloc(mm_core(mm));
	if (!vma)
		return -ENOMEM;
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_pgoff = 0;
	vma->vm_flags = flags;
	vma->vm_ops = &special_ops[kind];
	err = vma_link(&mm->vmm, vma);
	if (err) {
		vm_area_free(mm_core(mm), vma);
		return err;
	}
	vm_stat_account(mm, flags, (int64_t)(len >> PAGE_SHIFT));
	return 0;
}

int uvma__map_special(struct uvma_mm *mm, enum uvma_special kind, uint64_t addr,
		     uint64_t len)
{
	return mm_special_vma_new(mm, kind, addr, len, 0);
}
