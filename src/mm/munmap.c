/* SPDX-License-Identifier: MIT */
/*
 * munmap.c - munmap().  (Being written.)
 */
#include "mm_internal.h"

int uvma_munmap(struct uvma_mm *mm, uint64_t addr, uint64_t len)
{
	(void)mm; (void)addr; (void)len;
	return -ENOSYS;
}
