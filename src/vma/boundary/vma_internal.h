/* SPDX-License-Identifier: MIT */
/*
 * vma_internal.h (production) - every outside dependency of the VMA core.
 *
 * src/vma/vma.c includes exactly two headers: this one, then vma.h.  This
 * file is the only place that says what the core runs on: the allocator,
 * the range tree, the refcounted outside objects (files, names, policies),
 * the anon_vma record allocator, the assertion macros and the defaults for
 * the limits.  The unit tests build vma.c against tests/vma/vma_internal.h
 * instead, which swaps in counting and failing fakes; which one is used is
 * chosen by the include path (-I src/vma/boundary here), so this file must
 * never sit next to vma.c.  See docs/design.md, "The VMA core".
 */
#ifndef UVMA_VMA_INTERNAL_H
#define UVMA_VMA_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim/alloc.h"
#include "shim/objects.h"
#include "shim/slab.h"
#include "tree/tree.h"

#ifndef EUCLEAN
#define EUCLEAN 117
#endif

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

/* vm.max_map_count's default and the x86_64 4-level TASK_SIZE. */
#define DEFAULT_MAX_MAP_COUNT 65530
#define DEFAULT_TASK_SIZE 0x7ffffffff000ull

#define MUST_CHECK __attribute__((warn_unused_result))
/* prefetch(p) - start loading the cache line at @p; never faults. */
#define prefetch(p) __builtin_prefetch(p)

/*
 * Assertions, three tiers (docs/design.md):
 *   VMA_WARN_ON(c) / VMA_BUG_ON(c) - statements; debug builds print
 *     file:line and the expression (BUG also aborts: the state is one we
 *     proved impossible); release builds compile them away.
 *   ALWAYS(x) / NEVER(x) - expressions for what we believe but still
 *     handle: debug builds report, release builds pass x through,
 *     coverage builds make them constants.
 */
#if defined(UVMA_DEBUG) && !defined(NDEBUG)
#define VMA_WARN_ON(cond)                                                   \
	do {                                                                \
		if (cond)                                                   \
			fprintf(stderr, "%s:%d: VMA_WARN_ON(%s)\n", __FILE__, \
				__LINE__, #cond);                           \
	} while (0)
#define VMA_BUG_ON(cond)                                                    \
	do {                                                                \
		if (cond) {                                                 \
			fprintf(stderr, "%s:%d: VMA_BUG_ON(%s)\n", __FILE__, \
				__LINE__, #cond);                           \
			abort();                                            \
		}                                                           \
	} while (0)
static inline bool vma__believed(bool x, const char *what, const char *file,
				 int line)
{
	if (!x) {
		fprintf(stderr, "%s:%d: belief failed: %s\n", file, line, what);
		abort();
	}
	return x;
}
#define ALWAYS(x) vma__believed(!!(x), "ALWAYS(" #x ")", __FILE__, __LINE__)
#define NEVER(x) (!vma__believed(!(x), "NEVER(" #x ")", __FILE__, __LINE__))
#else
#define VMA_WARN_ON(cond) ((void)sizeof(!(cond)))
#define VMA_BUG_ON(cond) ((void)sizeof(!(cond)))
#if defined(UVMA_COVERAGE)
#define ALWAYS(x) (1)
#define NEVER(x) (0)
#else
#define ALWAYS(x) (x)
#define NEVER(x) (x)
#endif
#endif

/*
 * Records: VMA records come from the address space's slab pool; the
 * extensions, anon_vmas and arrays from the library allocator.
 */
#define vma__rec_alloc(pool) uvma_pool_alloc(pool)
#define vma__rec_free(pool, p) uvma_pool_free((pool), (p))

static inline void *vma__alloc(size_t size)
{
	return uvma__calloc(size);
}

static inline void vma__free(void *p, size_t size)
{
	uvma__free(p, size);
}

#define vma__anon_vma_alloc(size) uvma__calloc(size)
#define vma__anon_vma_free(p, size) uvma__free((p), (size))

/* Tree preallocation: the reserve that makes the next writes infallible. */
#define vma__prealloc(tree, nwrites) mt_preallocate((tree), (nwrites))

/* Outside objects. */
#define get_file(f) uvma_file_get(f)
#define fput(f) uvma_file_put(f)
#define mapping_allow_writable(f) uvma_file_allow_writable(f)
#define mapping_unmap_writable(f) uvma_file_unmap_writable(f)

/*
 * Full checks: amortised in debug builds (run once the updates since the
 * last check exceed the VMA count, as FreeBSD's vm_map does), never in
 * release builds.
 */
#if defined(UVMA_DEBUG) && !defined(NDEBUG)
#define VMA_CHECK_MM(mm)                                                    \
	do {                                                                \
		if (++(mm)->updates > (uint64_t)(mm)->map_count + 16) {     \
			(mm)->updates = 0;                                  \
			VMA_BUG_ON(vma_validate(mm) != 0);                  \
		}                                                           \
	} while (0)
#else
#define VMA_CHECK_MM(mm) ((void)0)
#endif

#endif /* UVMA_VMA_INTERNAL_H */
