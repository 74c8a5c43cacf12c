/* SPDX-License-Identifier: MIT */
/*
 * uvma.h - public API of uvma, a userland model of the Linux VMA layer.
 *
 * Conventions for the whole library:
 *   - every fallible function returns 0 (or a non-negative value) on success
 *     and a negative errno (-ENOMEM, -EINVAL, ...) on failure; nothing in the
 *     library prints, exits or aborts because of its input;
 *   - handles are opaque; every allocation goes through one allocator whose
 *     fault injection and live counters are controlled below.
 *
 * The design notes live in docs/design.md.
 */
#ifndef UVMA_UVMA_H
#define UVMA_UVMA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UVMA_VERSION_MAJOR 0
#define UVMA_VERSION_MINOR 1
#define UVMA_VERSION_PATCH 0
#define UVMA_VERSION_STRING "0.1.0"

/* uvma_version() - the library's version string, e.g. "0.1.0". */
const char *uvma_version(void);

/*
 * Allocator control: fault injection and leak accounting.
 *
 * Every allocation the library makes is numbered from 1 after each call to
 * uvma_alloc_fail_at().  With persistent == 0 only allocation number @k
 * fails; with persistent != 0 allocation @k and every later one fail.
 * @k == 0 switches injection off.  The counters are process-wide.
 */
void uvma_alloc_fail_at(uint64_t k, int persistent);

/* uvma_alloc_failures() - how many allocations injection has failed so far. */
uint64_t uvma_alloc_failures(void);

/* uvma_alloc_seen() - allocations attempted since the last uvma_alloc_fail_at(). */
uint64_t uvma_alloc_seen(void);

/* uvma_alloc_live() - blocks currently allocated by the library. */
int64_t uvma_alloc_live(void);

/* uvma_alloc_live_bytes() - bytes currently allocated by the library. */
int64_t uvma_alloc_live_bytes(void);

#ifdef __cplusplus
}
#endif

#endif /* UVMA_UVMA_H */
