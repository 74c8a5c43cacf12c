/* SPDX-License-Identifier: MIT */
/*
 * fuzz_replay.c - libFuzzer target: the trace parser and replay engine on
 * arbitrary bytes (tools/replay.h).  No crash, no leak (the library's own
 * live count must return to zero), no hang; a malformed line must be
 * reported as "NAME:LINE..." with a line number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "uvma/uvma.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct replay_options o;
	struct replay *r = NULL;
	char *msg = NULL;
	size_t msglen = 0;
	FILE *err = open_memstream(&msg, &msglen);
	FILE *out = fopen("/dev/null", "w");
	int64_t live = uvma_alloc_live();
	int rc = -1;

	if (!err || !out)
		abort();
	replay_options_init(&o);
	o.out = out;
	o.err = err;
	if (replay_create(&o, &r) == 0)
		rc = replay_feed_text(r, "fuzz", (const char *)data, size);
	replay_destroy(r);
	fclose(out);
	fclose(err);
	/* Bad input is reported with a line number: "fuzz:LINE". */
	if (rc == 2 && (!msg || strncmp(msg, "fuzz:", 5) != 0 ||
			msg[5] < '1' || msg[5] > '9')) {
		fprintf(stderr, "bad-input message without a line: %s\n", msg ? msg : "");
		abort();
	}
	free(msg);
	if (uvma_alloc_live() != live) {
		fprintf(stderr, "leak: %lld blocks\n", (long long)(uvma_alloc_live() - live));
		abort();
	}
	return 0;
}
