/* SPDX-License-Identifier: MIT */
/*
 * import.c - an address space from a maps or smaps snapshot.  (Being
 * written.)
 */
#include "mm/mm_internal.h"

int uvma_import(const struct uvma_config *cfg, const char *text, size_t len,
		struct uvma_mm **out, size_t *err_line)
{
	(void)cfg; (void)text; (void)len; (void)err_line;
	*out = NULL;
	return -ENOSYS;
}

int uvma_import_file(const struct uvma_config *cfg, const char *path,
		     struct uvma_mm **out, size_t *err_line)
{
	(void)cfg; (void)path; (void)err_line;
	*out = NULL;
	return -ENOSYS;
}
