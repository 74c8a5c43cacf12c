/* SPDX-License-Identifier: MIT */
/*
 * fault.c - page faults: stack expansion, anon_vma assignment, SIGSEGV/SIGBUS.
 *
 * STUB: returns -ENOSYS until implemented.  The rules to follow are in
 * ../shared/SEMANTICS.md (§5, §21) and the contract in include/uvma/uvma.h;
 * the live kernel decides where they disagree (docs/fidelity.md).
 */
#include "mm_internal.h"

int uvma_fault(struct uvma_mm *mm, uint64_t addr, unsigned int access)
{
	(void)mm; (void)addr; (void)access;
	return -ENOSYS;
}
