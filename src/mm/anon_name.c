/* SPDX-License-Identifier: MIT */
/*
 * anon_name.c - prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME) and
 * prctl(PR_SET_MEMORY_MERGE).
 *
 * Naming follows kernel/sys.c prctl_set_vma(): the configuration switch
 * (CONFIG_ANON_VMA_NAME; off on this machine, where every call, even a
 * clear, is -EINVAL), then the name (under 80 bytes with its NUL,
 * printable ASCII without \ ` $ [ ]), then madvise's range checks and
 * walk (holes -> -ENOMEM at the end, a file-backed VMA that is not shared
 * anonymous memory -> -EBADF and the walk stops), applied with
 * vma_modify_name().  The merge switch follows mm/ksm.c: VM_MERGEABLE is
 * set or cleared in place on every eligible VMA, without merging.
 */
#include "local.h"

#define ANON_VMA_NAME_MAX_LEN 80

static bool is_valid_name_char(char ch)
{
	return ch >= 0x20 && ch <= 0x7e && !strchr("\\`$[]", ch);
}

int uvma__set_vma_anon_name(struct uvma_mm *mm, uint64_t addr, uint64_t len,
			   const char *name)
{
	struct anon_vma_name *anon_name = NULL;
	uint64_t end;
	int err, r;

	if (!mm->cfg.anon_vma_name)
		return -EINVAL;
	if (name) {
		/* strndup_user(): the name and its NUL within 80 bytes. */
		if (strnlen(name, ANON_VMA_NAME_MAX_LEN) >= ANON_VMA_NAME_MAX_LEN)
			return -EINVAL;
		for (const char *p = name; *p; p++)
			if (!is_valid_name_char(*p))
				return -EINVAL;
	}
	r = mm_range_args(addr, len, &end);
	if (r <= 0)
		return r;
	if (name) {
		anon_name = anon_vma_name_alloc(name);
		if (!anon_name)
			return -ENOMEM;
	}
	err = madvise_walk(mm, addr, end, MADV_SET_ANON_VMA_NAME, anon_name);
	anon_vma_name_put(anon_name);
	return err;
}

int uvma__set_memory_merge(struct uvma_mm *mm, bool on)
{
	struct vm_area_struct *vma;
	VMA_ITERATOR(vmi, mm_core(mm), 0);

	if (!mm->cfg.ksm)
		return -EINVAL;
	if (on == mm->memory_merge)
		return 0;
	for_each_vma(vmi, vma) {
		if (!on)
			vma->vm_flags &= ~VM_MERGEABLE;
		else if (vma_ksm_compatible(vma))
			vma->vm_flags |= VM_MERGEABLE;
	}
	mm->memory_merge = on;
	return 0;
}
