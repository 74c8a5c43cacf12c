/* SPDX-License-Identifier: MIT */
/*
 * vma_internal.h (test boundary) - the VMA core's outside dependencies as
 * the unit tests want them.
 *
 * The test binary compiles src/vma/vma.c a second time with -I tests/vma, so
 * this file replaces src/vma/boundary/vma_internal.h (the kernel's
 * tools/testing/vma does the same).  Differences from production:
 *   - assertions never abort: they print and count (vma_test_warnings), so
 *     a test can fail cleanly;
 *   - anon_vma records are counted (live and created);
 *   - tree preallocation fails on demand (vma_test_fail_prealloc);
 *   - the whole address space is validated after every change, and a
 *     failure is counted (vma_test_validate_failures).
 * The fakes' state lives in tests/vma/fakes.c.
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

#define DEFAULT_MAX_MAP_COUNT 65530
#define DEFAULT_TASK_SIZE 0x7ffffffff000ull

#define MUST_CHECK __attribute__((warn_unused_result))
/* prefetch(p) - start loading the cache line at @p; never faults. */
#define prefetch(p) __builtin_prefetch(p)

/* Fakes' state (tests/vma/fakes.c). */
extern int vma_test_warnings;		/* VMA_WARN_ON/BUG_ON/ALWAYS/NEVER hits */
extern int vma_test_validate_failures;	/* vma_validate() failures */
extern bool vma_test_fail_prealloc;	/* next preallocations fail */
extern long vma_test_anon_vma_live;	/* anon_vma records alive */
extern long vma_test_anon_vma_created;	/* anon_vma records ever made */

static inline bool vma_test__report(bool hit, const char *what,
				    const char *file, int line)
{
	if (hit) {
		fprintf(stderr, "%s:%d: %s\n", file, line, what);
		vma_test_warnings++;
	}
	return hit;
}

#define VMA_WARN_ON(cond) \
	((void)vma_test__report(!!(cond), "VMA_WARN_ON(" #cond ")", __FILE__, __LINE__))
#define VMA_BUG_ON(cond) \
	((void)vma_test__report(!!(cond), "VMA_BUG_ON(" #cond ")", __FILE__, __LINE__))
#define ALWAYS(x) (!vma_test__report(!(x), "ALWAYS(" #x ")", __FILE__, __LINE__))
#define NEVER(x) vma_test__report(!!(x), "NEVER(" #x ")", __FILE__, __LINE__)

/* VMA records: the address space's slab pool, as in the library. */
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

static inline void *vma__anon_vma_alloc(size_t size)
{
	void *p = uvma__calloc(size);

	if (p) {
		vma_test_anon_vma_live++;
		vma_test_anon_vma_created++;
	}
	return p;
}

static inline void vma__anon_vma_free(void *p, size_t size)
{
	if (p)
		vma_test_anon_vma_live--;
	uvma__free(p, size);
}

static inline int vma__prealloc(struct mt_tree *t, unsigned int nwrites)
{
	if (vma_test_fail_prealloc)
		return -ENOMEM;
	return mt_preallocate(t, nwrites);
}

#define get_file(f) uvma_file_get(f)
#define fput(f) uvma_file_put(f)
#define mapping_allow_writable(f) uvma_file_allow_writable(f)
#define mapping_unmap_writable(f) uvma_file_unmap_writable(f)

/* Validate after every change. */
#define VMA_CHECK_MM(mm)                                                    \
	do {                                                                \
		if (vma_validate(mm) != 0)                                  \
			vma_test_validate_failures++;                       \
	} while (0)

#endif /* UVMA_VMA_INTERNAL_H */
