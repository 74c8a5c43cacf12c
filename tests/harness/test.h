/* SPDX-License-Identifier: MIT */
/*
 * test.h - uvma's test harness: one registry, assertion macros that print
 * file:line, function, the expression and both values.
 *
 *   TEST(tree_store_basic) { ...; ASSERT_EQ(x, 3); }
 *
 * Tests register themselves (a constructor adds each to the registry); the
 * harness main runs them all, or those whose name contains argv[1], and ends
 * with "N passed, N failed".  A failed assertion ends the test.
 */
#ifndef UVMA_TEST_H
#define UVMA_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	const char *file;
	void (*fn)(void);
	struct test_case *next;
};

void test_register(struct test_case *tc);
/* test_fail() - record a failure of the running test (prints the message). */
void test_fail(const char *file, int line, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* test_failed() - whether the running test has failed. */
int test_failed(void);
/* test_seed() - the seed for randomized tests: $UVMA_SEED or a fixed default. */
uint64_t test_seed(void);
/* test_scale() - multiplier for randomized test sizes: $UVMA_TEST_SCALE or 1. */
unsigned test_scale(void);

#define TEST(name)                                                          \
	static void test_##name(void);                                       \
	static struct test_case tc_##name = { #name, __FILE__, test_##name, 0 }; \
	__attribute__((constructor)) static void reg_##name(void)            \
	{                                                                    \
		test_register(&tc_##name);                                   \
	}                                                                    \
	static void test_##name(void)

#define ASSERT(expr)                                                         \
	do {                                                                 \
		if (!(expr)) {                                               \
			test_fail(__FILE__, __LINE__, __func__, "ASSERT(%s)", #expr); \
			return;                                              \
		}                                                            \
	} while (0)

#define ASSERT_MSG(expr, ...)                                                \
	do {                                                                 \
		if (!(expr)) {                                               \
			test_fail(__FILE__, __LINE__, __func__, __VA_ARGS__);   \
			return;                                              \
		}                                                            \
	} while (0)

#define ASSERT_CMP_(a, op, b, type, fmt)                                     \
	do {                                                                 \
		type a_ = (type)(a);                                         \
		type b_ = (type)(b);                                         \
		if (!(a_ op b_)) {                                           \
			test_fail(__FILE__, __LINE__, __func__,                 \
				  "ASSERT(%s %s %s): " fmt " vs " fmt, #a, #op, #b, a_, b_); \
			return;                                              \
		}                                                            \
	} while (0)

#define ASSERT_EQ(a, b) ASSERT_CMP_(a, ==, b, intmax_t, "%jd")
#define ASSERT_NE(a, b) ASSERT_CMP_(a, !=, b, intmax_t, "%jd")
#define ASSERT_LT(a, b) ASSERT_CMP_(a, <, b, intmax_t, "%jd")
#define ASSERT_LE(a, b) ASSERT_CMP_(a, <=, b, intmax_t, "%jd")
#define ASSERT_GT(a, b) ASSERT_CMP_(a, >, b, intmax_t, "%jd")
#define ASSERT_GE(a, b) ASSERT_CMP_(a, >=, b, intmax_t, "%jd")
/* Unsigned 64-bit values (addresses), printed in hex. */
#define ASSERT_EQ_X(a, b) ASSERT_CMP_(a, ==, b, uint64_t, "%#" PRIx64)
#define ASSERT_NE_X(a, b) ASSERT_CMP_(a, !=, b, uint64_t, "%#" PRIx64)
#define ASSERT_PTR_EQ(a, b) ASSERT_CMP_(a, ==, b, const void *, "%p")
#define ASSERT_PTR_NE(a, b) ASSERT_CMP_(a, !=, b, const void *, "%p")
#define ASSERT_NULL(a) ASSERT_PTR_EQ(a, NULL)
#define ASSERT_NOT_NULL(a) ASSERT_PTR_NE(a, NULL)

#define ASSERT_STR_EQ(a, b)                                                  \
	do {                                                                 \
		const char *a_ = (a), *b_ = (b);                             \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                     \
			test_fail(__FILE__, __LINE__, __func__,                 \
				  "ASSERT_STR_EQ(%s, %s):\n--- got:\n%s\n--- expected:\n%s", \
				  #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
			return;                                              \
		}                                                            \
	} while (0)

/* Run a helper that may fail; stop the calling test if it did. */
#define CHECK(call)                                                          \
	do {                                                                 \
		call;                                                        \
		if (test_failed())                                           \
			return;                                              \
	} while (0)

/* Deterministic 64-bit PRNG (splitmix64) for randomized tests. */
static inline uint64_t test_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* test_below() - uniform-ish value in [0, n). */
static inline uint64_t test_below(uint64_t *state, uint64_t n)
{
	return n ? test_rand(state) % n : 0;
}

#endif /* UVMA_TEST_H */
