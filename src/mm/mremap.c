/* SPDX-License-Identifier: MIT */
/*
 * mremap.c - mremap(): shrink, grow in place, move, MREMAP_FIXED, DONTUNMAP, multi-VMA move.
 *
 * STUB: returns -ENOSYS until implemented.  The rules to follow are in
 * ../shared/SEMANTICS.md (§15) and the contract in include/uvma/uvma.h;
 * the live kernel decides where they disagree (docs/fidelity.md).
 */
#include "mm_internal.h"

int64_t uvma_mremap(struct uvma_mm *mm, uint64_t old_addr, uint64_t old_len,
		    uint64_t new_len, int flags, uint64_t new_addr)
{
	(void)mm; (void)old_addr; (void)old_len; (void)new_len; (void)flags;
	(void)new_addr;
	return -ENOSYS;
}
