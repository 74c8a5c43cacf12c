/* SPDX-License-Identifier: MIT */
/*
 * mmap.c - mmap(): argument checks in do_mmap()'s order, VM_* flags,
 * address selection, region creation.  (Being written.)
 */
#include "mm_internal.h"

int64_t uvma_mmap(struct uvma_mm *mm, uint64_t addr, uint64_t len, int prot,
		  int flags, struct uvma_file *file, uint64_t off)
{
	(void)mm; (void)addr; (void)len; (void)prot; (void)flags; (void)file;
	(void)off;
	return -ENOSYS;
}
