/* SPDX-License-Identifier: MIT */
/*
 * test_alloc.c - tests of the counting, fault-injecting allocator
 * (src/shim/alloc.[ch], controlled through include/uvma/uvma.h).
 *
 * Every other test's fault-injection loop trusts these semantics: allocations
 * are numbered from 1 after uvma_alloc_fail_at(); fail-once fails only number
 * k, persistent fails k and everything after it; the live counters move only
 * on successful allocation and on free.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shim/alloc.h"
#include "test.h"
#include "uvma/uvma.h"

TEST(alloc_counts_blocks_and_bytes)
{
	int64_t blocks = uvma_alloc_live(), bytes = uvma_alloc_live_bytes();
	unsigned char *p, *q;

	p = uvma__malloc(100);
	ASSERT(p != NULL);
	ASSERT_EQ(uvma_alloc_live(), blocks + 1);
	ASSERT_EQ(uvma_alloc_live_bytes(), bytes + 100);

	q = uvma__calloc(37);
	ASSERT(q != NULL);
	for (int i = 0; i < 37; i++)
		ASSERT_EQ(q[i], 0);
	ASSERT_EQ(uvma_alloc_live(), blocks + 2);
	ASSERT_EQ(uvma_alloc_live_bytes(), bytes + 137);

	/* Sized free: the size given back is what the byte counter loses. */
	uvma__free(p, 100);
	ASSERT_EQ(uvma_alloc_live(), blocks + 1);
	ASSERT_EQ(uvma_alloc_live_bytes(), bytes + 37);
	uvma__free(q, 37);
	ASSERT_EQ(uvma_alloc_live(), blocks);
	ASSERT_EQ(uvma_alloc_live_bytes(), bytes);
}

TEST(alloc_zero_and_null)
{
	int64_t blocks = uvma_alloc_live(), bytes = uvma_alloc_live_bytes();

	/* Size 0 gives NULL and counts nothing; freeing NULL is a no-op. */
	ASSERT(uvma__malloc(0) == NULL);
	ASSERT(uvma__calloc(0) == NULL);
	uvma__free(NULL, 123);
	ASSERT_EQ(uvma_alloc_live(), blocks);
	ASSERT_EQ(uvma_alloc_live_bytes(), bytes);
}

TEST(alloc_strdup)
{
	int64_t bytes = uvma_alloc_live_bytes();
	char *s = uvma__strdup("hello");

	ASSERT(s != NULL);
	ASSERT_STR_EQ(s, "hello");
	ASSERT_EQ(uvma_alloc_live_bytes(), bytes + 6); /* strlen + 1 */
	uvma__free(s, 6);
	ASSERT_EQ(uvma_alloc_live_bytes(), bytes);
}

TEST(alloc_lines)
{
	int64_t blocks = uvma_alloc_live(), bytes = uvma_alloc_live_bytes();
	unsigned char *p[8];

	/* Whole lines only: sizes that are not multiples of 64 are refused. */
	ASSERT(uvma__malloc_lines(0) == NULL);
	ASSERT(uvma__malloc_lines(100) == NULL);
	ASSERT_EQ(uvma_alloc_live(), blocks);
	for (int i = 0; i < 8; i++) {
		p[i] = uvma__malloc_lines(1088);
		ASSERT(p[i] != NULL);
		ASSERT_EQ((uintptr_t)p[i] % 64, 0);
		memset(p[i], i, 1088);
	}
	ASSERT_EQ(uvma_alloc_live(), blocks + 8);
	ASSERT_EQ(uvma_alloc_live_bytes(), bytes + 8 * 1088);
	for (int i = 0; i < 8; i++)
		uvma__free(p[i], 1088);
	ASSERT_EQ(uvma_alloc_live(), blocks);
	ASSERT_EQ(uvma_alloc_live_bytes(), bytes);

	/* It is an allocation like the others for fault injection. */
	uvma_alloc_fail_at(1, 0);
	ASSERT(uvma__malloc_lines(64) == NULL);
	p[0] = uvma__malloc_lines(64);
	ASSERT(p[0] != NULL);
	uvma_alloc_fail_at(0, 0);
	uvma__free(p[0], 64);
	ASSERT_EQ(uvma_alloc_live(), blocks);
}

TEST(alloc_seen_counts_from_fail_at)
{
	void *p[5];

	/* Injection off (k == 0) still numbers allocations. */
	uvma_alloc_fail_at(0, 0);
	ASSERT_EQ(uvma_alloc_seen(), 0);
	for (int i = 0; i < 5; i++) {
		p[i] = uvma__malloc(8);
		ASSERT(p[i] != NULL);
		ASSERT_EQ(uvma_alloc_seen(), i + 1);
	}
	/* Every call to uvma_alloc_fail_at() restarts the numbering. */
	uvma_alloc_fail_at(0, 1);
	ASSERT_EQ(uvma_alloc_seen(), 0);
	for (int i = 0; i < 5; i++)
		uvma__free(p[i], 8);
	ASSERT_EQ(uvma_alloc_seen(), 0); /* frees are not allocations */
}

TEST(alloc_fail_once)
{
	int64_t blocks = uvma_alloc_live(), bytes = uvma_alloc_live_bytes();
	uint64_t failures = uvma_alloc_failures();
	void *p[6];

	/* Only allocation number 3 fails; 1, 2, 4, 5, 6 succeed. */
	uvma_alloc_fail_at(3, 0);
	for (int i = 0; i < 6; i++) {
		p[i] = uvma__malloc(16);
		if (i + 1 == 3)
			ASSERT(p[i] == NULL);
		else
			ASSERT(p[i] != NULL);
	}
	ASSERT_EQ(uvma_alloc_seen(), 6);
	ASSERT_EQ(uvma_alloc_failures(), failures + 1);
	ASSERT_EQ(uvma_alloc_live(), blocks + 5);
	ASSERT_EQ(uvma_alloc_live_bytes(), bytes + 5 * 16);
	uvma_alloc_fail_at(0, 0);
	for (int i = 0; i < 6; i++)
		uvma__free(p[i], 16);
	ASSERT_EQ(uvma_alloc_live(), blocks);
	ASSERT_EQ(uvma_alloc_live_bytes(), bytes);
}

TEST(alloc_fail_first)
{
	void *p;

	/* k == 1 fails the very first allocation, whichever function makes it. */
	uvma_alloc_fail_at(1, 0);
	ASSERT(uvma__calloc(10) == NULL);
	p = uvma__calloc(10);
	ASSERT(p != NULL);
	uvma__free(p, 10);

	uvma_alloc_fail_at(1, 0);
	ASSERT(uvma__strdup("x") == NULL);
	p = uvma__strdup("x");
	ASSERT(p != NULL);
	uvma__free(p, 2);
	uvma_alloc_fail_at(0, 0);
}

TEST(alloc_fail_persistent)
{
	int64_t blocks = uvma_alloc_live();
	uint64_t failures = uvma_alloc_failures();
	void *a, *b;

	/* Allocation 2 and every later one fail, until injection is reset. */
	uvma_alloc_fail_at(2, 1);
	a = uvma__malloc(32);
	ASSERT(a != NULL);
	for (int i = 0; i < 10; i++)
		ASSERT(uvma__malloc(32) == NULL);
	ASSERT(uvma__calloc(32) == NULL);
	ASSERT(uvma__strdup("abc") == NULL);
	ASSERT_EQ(uvma_alloc_seen(), 13);
	ASSERT_EQ(uvma_alloc_failures(), failures + 12);
	ASSERT_EQ(uvma_alloc_live(), blocks + 1);

	uvma_alloc_fail_at(0, 0);
	b = uvma__malloc(32);
	ASSERT(b != NULL);
	uvma__free(a, 32);
	uvma__free(b, 32);
	ASSERT_EQ(uvma_alloc_live(), blocks);
}

TEST(alloc_fail_persistent_from_one)
{
	uvma_alloc_fail_at(1, 1);
	for (int i = 0; i < 4; i++)
		ASSERT(uvma__malloc(1) == NULL);
	ASSERT_EQ(uvma_alloc_seen(), 4);
	uvma_alloc_fail_at(0, 0);
}

/* The OOM loop every fault test uses: it must end, and fail exactly once per k. */
TEST(alloc_oom_loop_shape)
{
	enum { NALLOC = 4 };

	for (int mode = 0; mode < 2; mode++) {
		uint64_t k;

		for (k = 1;; k++) {
			void *p[NALLOC] = { 0 };
			uint64_t failures = uvma_alloc_failures();
			int ok = 1;

			uvma_alloc_fail_at(k, mode);
			for (int i = 0; i < NALLOC && ok; i++) {
				p[i] = uvma__malloc(8);
				ok = p[i] != NULL;
			}
			for (int i = 0; i < NALLOC; i++)
				uvma__free(p[i], 8);
			if (ok) {
				ASSERT_LT(uvma_alloc_seen(), k);
				break;
			}
			ASSERT_EQ(uvma_alloc_seen(), k);
			ASSERT_EQ(uvma_alloc_failures(), failures + 1);
		}
		ASSERT_EQ(k, NALLOC + 1);
	}
	uvma_alloc_fail_at(0, 0);
}
