/* SPDX-License-Identifier: MIT */
/*
 * diff.h - drive uvma and the page model (pagemodel.h) side by side:
 * one random call decoded from a byte source, applied to both, then every
 * page compared.  Shared by the unit suite's randomized differential test
 * (seeded) and the libFuzzer target (bytes from the fuzzer).
 */
#ifndef UVMA_MODEL_DIFF_H
#define UVMA_MODEL_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pagemodel.h"
#include "uvma/uvma.h"

#define DIFF_BASE	0x10000000ull	/* the window: 1024 pages at 256 MiB */
#define DIFF_PAGES	1024ull
#define DIFF_NFILES	4		/* model file indexes 1..3 */

/* A source of choices: a PRNG (unit test) or the fuzzer's bytes. */
struct diff_src {
	const uint8_t *data;	/* NULL: use the PRNG */
	size_t len, pos;
	uint64_t state;
};

struct diff {
	struct uvma_mm *mm;
	struct uvma_file *files[DIFF_NFILES];
	struct pm model;
	struct pm_obs *obs;
	char last[256];		/* the last call, for messages */
	char why[768];		/* why diff_step() failed */
	unsigned long calls;
};

/* diff_config() - the uvma configuration matching the model's window. */
void diff_config(struct uvma_config *cfg);
/* diff_init() - 0, or -1 if either side could not be set up. */
int diff_init(struct diff *d);
void diff_fini(struct diff *d);
/* diff_step() - one call on both sides and a full comparison: 0 or -1. */
int diff_step(struct diff *d, struct diff_src *src);
/* diff_src_more() - false when a byte source is exhausted. */
bool diff_src_more(const struct diff_src *src);

#endif /* UVMA_MODEL_DIFF_H */
