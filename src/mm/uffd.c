/* SPDX-License-Identifier: MIT */
/*
 * uffd.c - userfaultfd contexts, UFFDIO_REGISTER / UFFDIO_UNREGISTER.
 *
 * STUB: returns -ENOSYS until implemented.  The rules to follow are in
 * ../shared/SEMANTICS.md (§18) and the contract in include/uvma/uvma.h;
 * the live kernel decides where they disagree (docs/fidelity.md).
 */
#include "mm_internal.h"

int uvma_uffd_create(struct uvma_mm *mm, uint64_t features,
		     struct uvma_uffd **out)
{
	(void)mm; (void)features;
	if (out)
		*out = NULL;
	return -ENOSYS;
}

int uvma_uffd_register(struct uvma_uffd *uffd, uint64_t addr, uint64_t len,
		       uint64_t mode)
{
	(void)uffd; (void)addr; (void)len; (void)mode;
	return -ENOSYS;
}

int uvma_uffd_unregister(struct uvma_uffd *uffd, uint64_t addr, uint64_t len)
{
	(void)uffd; (void)addr; (void)len;
	return -ENOSYS;
}

void uvma_uffd_close(struct uvma_uffd *uffd)
{
	(void)uffd;
}

/*
 * mm_uffd_release_all() - called by uvma_mm_destroy(): detach every context
 * from @mm (contexts made by fork are freed).  The stub has none to detach.
 */
void mm_uffd_release_all(struct uvma_mm *mm)
{
	(void)mm;
}
