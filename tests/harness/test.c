/* SPDX-License-Identifier: MIT */
/*
 * test.c - the registry and main() shared by every test binary.
 *
 * Usage: TESTBIN [-l] [FILTER]   (-l lists the tests; FILTER is a substring)
 * After each test the harness checks that the library holds no memory, so a
 * leak fails the test that caused it.
 */
#include "test.h"

#include <stdarg.h>
#include <stdlib.h>

#include "uvma/uvma.h"

static struct test_case *head, **tail = &head;
static int cur_failed;
static const char *cur_name;

void test_register(struct test_case *tc)
{
	*tail = tc;
	tail = &tc->next;
}

void test_fail(const char *file, int line, const char *func, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: %s: [%s] ", file, line, func, cur_name ? cur_name : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cur_failed = 1;
}

int test_failed(void)
{
	return cur_failed;
}

uint64_t test_seed(void)
{
	const char *s = getenv("UVMA_SEED");

	return s ? strtoull(s, NULL, 0) : 20261121u;
}

unsigned test_scale(void)
{
	const char *s = getenv("UVMA_TEST_SCALE");
	long v = s ? strtol(s, NULL, 0) : 1;

	return v > 0 ? (unsigned)v : 1;
}

int main(int argc, char **argv)
{
	const char *filter = NULL;
	int list = 0, passed = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-l") == 0)
			list = 1;
		else
			filter = argv[i];
	}
	for (struct test_case *tc = head; tc; tc = tc->next) {
		int64_t live_before;

		if (filter && !strstr(tc->name, filter))
			continue;
		if (list) {
			printf("%s\n", tc->name);
			continue;
		}
		cur_name = tc->name;
		cur_failed = 0;
		uvma_alloc_fail_at(0, 0);
		live_before = uvma_alloc_live();
		tc->fn();
		uvma_alloc_fail_at(0, 0);
		if (!cur_failed && uvma_alloc_live() != live_before)
			test_fail(tc->file, 0, tc->name,
				  "leak: %jd blocks (%jd bytes) still allocated after the test",
				  (intmax_t)(uvma_alloc_live() - live_before),
				  (intmax_t)uvma_alloc_live_bytes());
		if (cur_failed) {
			failed++;
			printf("FAIL %s\n", tc->name);
		} else {
			passed++;
		}
		fflush(stdout);
	}
	if (list)
		return 0;
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
