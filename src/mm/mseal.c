/* SPDX-License-Identifier: MIT */
/*
 * mseal.c - mseal().
 *
 * STUB: returns -ENOSYS until implemented.  The rules to follow are in
 * ../shared/SEMANTICS.md (§13) and the contract in include/uvma/uvma.h;
 * the live kernel decides where they disagree (docs/fidelity.md).
 */
#include "mm_internal.h"

int uvma_mseal(struct uvma_mm *mm, uint64_t addr, uint64_t len,
	       unsigned long flags)
{
	(void)mm; (void)addr; (void)len; (void)flags;
	return -ENOSYS;
}
