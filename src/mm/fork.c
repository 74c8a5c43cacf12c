/* SPDX-License-Identifier: MIT */
/*
 * fork.c - fork(): the child address space (dup_mmap).
 *
 * STUB: returns -ENOSYS until implemented.  The rules to follow are in
 * ../shared/SEMANTICS.md (§20) and the contract in include/uvma/uvma.h;
 * the live kernel decides where they disagree (docs/fidelity.md).
 */
#include "mm_internal.h"

int uvma_fork(struct uvma_mm *parent, struct uvma_mm **out)
{
	(void)parent;
	if (out)
		*out = NULL;
	return -ENOSYS;
}
