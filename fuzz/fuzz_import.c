/* SPDX-License-Identifier: MIT */
/*
 * fuzz_import.c - libFuzzer target: uvma_import() of arbitrary bytes as a
 * maps/smaps snapshot.  No crash, no leak; an accepted snapshot gives a
 * valid address space whose maps text imports again to the same text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uvma/uvma.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uvma_mm *mm = NULL, *again = NULL;
	int64_t live = uvma_alloc_live();
	size_t line = 0, len, len2;
	char *text = NULL, *text2 = NULL;
	int r = uvma_import(NULL, (const char *)data, size, &mm, &line);

	if (r == 0) {
		if (uvma_mm_validate(mm) || uvma_maps_text(mm, &text, &len))
			abort();
		if (uvma_import(NULL, text, len, &again, NULL) ||
		    uvma_maps_text(again, &text2, &len2) || len != len2 ||
		    memcmp(text, text2, len)) {
			fprintf(stderr, "maps text does not round-trip:\n%s\n---\n%s\n", text,
				text2 ? text2 : "");
			abort();
		}
	} else if (r == -22 && line == 0 && size) {
		/* -EINVAL for a malformed line names it (ordering errors may not). */
	}
	uvma_text_free(text);
	uvma_text_free(text2);
	uvma_mm_destroy(mm);
	uvma_mm_destroy(again);
	if (uvma_alloc_live() != live)
		abort();
	return 0;
}
