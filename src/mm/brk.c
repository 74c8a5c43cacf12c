/* SPDX-License-Identifier: MIT */
/*
 * brk.c - brk().  (Being written.)
 */
#include "mm_internal.h"

uint64_t uvma_brk(struct uvma_mm *mm, uint64_t addr)
{
	(void)addr;
	return mm->brk;
}
