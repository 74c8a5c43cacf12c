/* SPDX-License-Identifier: MIT */
/*
 * mprotect.c - mprotect() and pkey_mprotect().  (Being written.)
 */
#include "mm_internal.h"

int uvma_mprotect(struct uvma_mm *mm, uint64_t addr, uint64_t len, int prot)
{
	return uvma_pkey_mprotect(mm, addr, len, prot, -1);
}

int uvma_pkey_mprotect(struct uvma_mm *mm, uint64_t addr, uint64_t len,
		       int prot, int pkey)
{
	(void)mm; (void)addr; (void)len; (void)prot; (void)pkey;
	return -ENOSYS;
}
