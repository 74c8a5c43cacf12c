/* SPDX-License-Identifier: MIT */
/*
 * mlock.c - mlock(), mlock2(), munlock(), mlockall(), munlockall().
 *
 * STUB: returns -ENOSYS until implemented.  The rules to follow are in
 * ../shared/SEMANTICS.md (§12) and the contract in include/uvma/uvma.h;
 * the live kernel decides where they disagree (docs/fidelity.md).
 */
#include "mm_internal.h"

int uvma_mlock(struct uvma_mm *mm, uint64_t addr, uint64_t len)
{
	(void)mm; (void)addr; (void)len;
	return -ENOSYS;
}

int uvma_mlock2(struct uvma_mm *mm, uint64_t addr, uint64_t len,
		unsigned int flags)
{
	(void)mm; (void)addr; (void)len; (void)flags;
	return -ENOSYS;
}

int uvma_munlock(struct uvma_mm *mm, uint64_t addr, uint64_t len)
{
	(void)mm; (void)addr; (void)len;
	return -ENOSYS;
}

int uvma_mlockall(struct uvma_mm *mm, int flags)
{
	(void)mm; (void)flags;
	return -ENOSYS;
}

int uvma_munlockall(struct uvma_mm *mm)
{
	(void)mm;
	return -ENOSYS;
}
