/* SPDX-License-Identifier: MIT */
/*
 * test_budget.c - the --budget collector (tools/budget.c) fed by hand.
 *
 * Events are made as the replay engine makes them (replay.h): a call
 * applied to a real model address space, then on_event with the space
 * after it.  The VMA counts below are drawn by hand from the calls, so
 * the report's peak, per-call additions, top lines and the first line
 * over a limit are checked against a layout worked out independently.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "space.h"
#include "test.h"

#define PG 4096ull
#define W 0x200000000000ull

static void event(struct budget *b, struct uvma_mm *mm, long pid,
		  unsigned int line, const char *call, int64_t model)
{
	struct replay_event ev = {
		.file = "t.trace", .line = line, .pid = pid, .call = call,
		.has_result = true, .recorded = model, .model = model, .mm = mm,
	};

	budget_on_event(b, &ev);
}

TEST(budget_report_by_hand)
{
	struct uvma_config cfg;
	struct uvma_mm *mm = NULL, *child = NULL;
	struct budget *b = budget_create();
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	const int rw = PROT_READ | PROT_WRITE;
	const int fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;

	ASSERT_NOT_NULL(b);
	ASSERT_NOT_NULL(out);
	uvma_config_init(&cfg);
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	budget_set_limit(b, 3);
	/*
	 * 0123      page of W
	 * AAAA      1: mmap 4 pages                      1 VMA (start)
	 * ArAA      2: mprotect page 1 read-only         3 VMAs (+2)
	 * ArrA      3: mprotect page 2: joins page 1     3 VMAs (+0)
	 * ArrA...B  4: mmap page 16                      4 VMAs (+1): peak,
	 *                                                first over 3
	 *  rrA...B  5: munmap page 0                     3 VMAs (-1)
	 */
	ASSERT_EQ(uvma_mmap(mm, W, 4 * PG, rw, fl, NULL, 0), (int64_t)W);
	event(b, mm, 100, 1, "mmap", (int64_t)W);
	ASSERT_EQ(uvma_mprotect(mm, W + PG, PG, PROT_READ), 0);
	event(b, mm, 100, 2, "mprotect", 0);
	ASSERT_EQ(uvma_mprotect(mm, W + 2 * PG, PG, PROT_READ), 0);
	event(b, mm, 100, 3, "mprotect", 0);
	ASSERT_EQ(uvma_mmap(mm, W + 16 * PG, PG, rw, fl, NULL, 0),
		  (int64_t)(W + 16 * PG));
	event(b, mm, 100, 4, "mmap", (int64_t)(W + 16 * PG));
	/* A child forked here (4 VMAs) unmaps its page 16: 3 VMAs. */
	ASSERT_EQ(uvma_fork(mm, &child), 0);
	ASSERT_EQ(uvma_munmap(child, W + 16 * PG, PG), 0);
	event(b, child, 101, 5, "munmap", 0);
	ASSERT_EQ(uvma_munmap(mm, W, PG), 0);
	event(b, mm, 100, 6, "munmap", 0);
	ASSERT_EQ(uvma_mm_map_count(mm), 3);

	ASSERT_EQ(budget_report(b, out, &cfg, 3, NULL, "t.trace", NULL, 0), 0);
	fclose(out);
	ASSERT_NOT_NULL(strstr(text, "budget: 6 lines replayed, vm.max_map_count 65530\n"));
	ASSERT_NOT_NULL(strstr(text, "VMAs: 1 after the first line; pid 100 ends with 3, pid 101 ends with 3\n"));
	ASSERT_NOT_NULL(strstr(text, "peak: 4 VMAs (0.01% of 65530) at t.trace:4 mmap (pid 100)\n"));
	ASSERT_NOT_NULL(strstr(text, "    mprotect              2 calls  +2      -0      net +1.00 per call\n"));
	ASSERT_NOT_NULL(strstr(text, "    mmap                  2 calls  +1      -0      net +0.50 per call\n"));
	ASSERT_NOT_NULL(strstr(text, "    munmap                2 calls  +0      -1      net -0.50 per call\n"));
	/* Largest addition first. */
	ASSERT_NOT_NULL(strstr(text, "lines that added the most VMAs:\n"
				     "    t.trace:2  mprotect     +2 -> 3 (pid 100)\n"
				     "    t.trace:4  mmap         +1 -> 4 (pid 100)\n"));
	ASSERT_NOT_NULL(strstr(text, "at max_map_count 3: the count first exceeds it at t.trace:4 mmap (4 VMAs) (pid 100)\n"));
	free(text);
	budget_destroy(b);
	uvma_mm_destroy(child);
	uvma_mm_destroy(mm);
}

TEST(budget_no_events)
{
	struct uvma_config cfg;
	struct budget *b = budget_create();
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ASSERT_NOT_NULL(b);
	uvma_config_init(&cfg);
	ASSERT_EQ(budget_report(b, out, &cfg, 0, NULL, "t", NULL, 0), 0);
	fclose(out);
	ASSERT_NOT_NULL(strstr(text, "no process made a call"));
	free(text);
	budget_destroy(b);
}
