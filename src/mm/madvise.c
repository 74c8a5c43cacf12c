/* SPDX-License-Identifier: MIT */
/*
 * madvise.c - madvise(): flag-changing advice, validity and errors of the rest.
 *
 * STUB: returns -ENOSYS until implemented.  The rules to follow are in
 * ../shared/SEMANTICS.md (§17) and the contract in include/uvma/uvma.h;
 * the live kernel decides where they disagree (docs/fidelity.md).
 */
#include "mm_internal.h"

int uvma_madvise(struct uvma_mm *mm, uint64_t addr, uint64_t len, int advice)
{
	(void)mm; (void)addr; (void)len; (void)advice;
	return -ENOSYS;
}
