/* SPDX-License-Identifier: MIT */
/*
 * anon_name.c - prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME) and prctl(PR_SET_MEMORY_MERGE).
 *
 * STUB: returns -ENOSYS until implemented.  The rules to follow are in
 * ../shared/SEMANTICS.md (§19, §3.1) and the contract in include/uvma/uvma.h;
 * the live kernel decides where they disagree (docs/fidelity.md).
 */
#include "mm_internal.h"

int uvma_set_vma_anon_name(struct uvma_mm *mm, uint64_t addr, uint64_t len,
			   const char *name)
{
	(void)mm; (void)addr; (void)len; (void)name;
	return -ENOSYS;
}

int uvma_set_memory_merge(struct uvma_mm *mm, bool on)
{
	(void)mm; (void)on;
	return -ENOSYS;
}
