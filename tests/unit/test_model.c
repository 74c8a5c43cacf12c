/* SPDX-License-Identifier: MIT */
/*
 * test_model.c - randomized differential test: uvma against the page
 * model (tests/model/pagemodel.c) over every call the model knows, in a
 * 1024-page window, comparing every page after every call and running
 * uvma_mm_validate() each time.  Seeded by test_seed() ($UVMA_SEED);
 * $UVMA_TEST_SCALE multiplies the number of sequences.
 */
#include <stdlib.h>

#include "diff.h"
#include "test.h"

TEST(model_differential_random)
{
	unsigned runs = 24 * test_scale();

	for (unsigned run = 0; run < runs; run++) {
		struct diff d;
		struct diff_src src = { .state = test_seed() * 1000003u + run };
		int r = 0;

		ASSERT_EQ(diff_init(&d), 0);
		for (int i = 0; i < 400 && r == 0; i++)
			r = diff_step(&d, &src);
		if (r && getenv("UVMA_DIFF_TRACE")) {
			char *t;

			if (uvma_smaps_text(d.mm, 0, &t, NULL) == 0)
				fprintf(stderr, "%s", t);
			uvma_text_free(t);
			pm_dump(&d.model, stderr);
		}
		if (r)
			test_fail(__FILE__, __LINE__, __func__,
				  "seed %llu run %u call %lu: %s",
				  (unsigned long long)test_seed(), run, d.calls, d.why);
		diff_fini(&d);
		if (r)
			return;
	}
}
