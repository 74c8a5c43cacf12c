/* SPDX-License-Identifier: MIT */
/*
 * fuzz_calls.c - libFuzzer target: a sequence of system calls decoded from
 * the input (tests/model/diff.c), run on uvma and on the page model;
 * every page must agree and uvma_mm_validate() pass after every call.
 */
#include <stdio.h>
#include <stdlib.h>

#include "diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diff d;
	struct diff_src src = { .data = data, .len = size };
	int64_t live = uvma_alloc_live();

	if (diff_init(&d))
		abort();
	while (diff_src_more(&src) && d.calls < 2000) {
		if (diff_step(&d, &src)) {
			fprintf(stderr, "call %lu: %s\n", d.calls, d.why);
			abort();
		}
	}
	diff_fini(&d);
	if (uvma_alloc_live() != live)
		abort();
	return 0;
}
