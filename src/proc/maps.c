/* SPDX-License-Identifier: MIT */
/*
 * maps.c - /proc/PID/maps and smaps text.  (Being written.)
 */
#include "mm/mm_internal.h"

int uvma_maps_text(struct uvma_mm *mm, char **out, size_t *len)
{
	(void)mm; (void)len;
	*out = NULL;
	return -ENOSYS;
}

int uvma_smaps_text(struct uvma_mm *mm, unsigned int flags, char **out,
		    size_t *len)
{
	(void)mm; (void)flags; (void)len;
	*out = NULL;
	return -ENOSYS;
}

void uvma_text_free(char *text)
{
	if (text)
		uvma__free(text, strlen(text) + 1);
}

size_t uvma_vmflags_str(uint64_t flags, char *buf, size_t size)
{
	(void)flags;
	if (size)
		buf[0] = 0;
	return 0;
}
