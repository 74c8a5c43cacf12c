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
	size_t line = 0, len = 0, len2 = 0;
	char *text = NULL, *text2 = NULL;
	int r = uvma_import(NULL, (const char *)data, size, &mm, &line);

	if (r == 0) {
		if (uvma_mm_validate(mm) || uvma_maps_text(mm, &text, &len))
			abort();
		/*
		 * Round trip - except for a path ending in '\r', which the
		 * importer cannot tell from a CRLF line ending.
		 */
		if (uvma_import(NULL, text, len, &again, NULL) ||
		    uvma_maps_text(again, &text2, &len2) ||
		    ((len != len2 || memcmp(text, text2, len)) && !strstr(text, "\r\n"))) {
			fprintf(stderr, "maps text does not round-trip:\n%s\n---\n%s\n", text,
				text2 ? text2 : "");
			abort();
		}
	}
	uvma_text_free(text);
	uvma_text_free(text2);
	uvma_mm_destroy(mm);
	uvma_mm_destroy(again);
	if (uvma_alloc_live() != live)
		abort();
	return 0;
}
