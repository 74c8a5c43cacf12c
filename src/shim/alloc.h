/* SPDX-License-Identifier: MIT */
/*
 * alloc.h - the one allocator every part of the library goes through.
 *
 * Sized free (the caller passes the size it allocated) keeps the live-byte
 * counter exact without a header in front of every block.  Fault injection
 * is controlled from the public API (uvma_alloc_fail_at()).
 */
#ifndef UVMA_SHIM_ALLOC_H
#define UVMA_SHIM_ALLOC_H

#include <stddef.h>

/* uvma__malloc() - @size bytes, or NULL (size 0 or failure, injected or real). */
void *uvma__malloc(size_t size);
/*
 * uvma__malloc_lines() - @size bytes (a multiple of 64) starting on a
 * 64-byte cache line, or NULL.  Counted and failed like uvma__malloc();
 * free with uvma__free().
 */
void *uvma__malloc_lines(size_t size);
/* uvma__calloc() - @size zeroed bytes, or NULL. */
void *uvma__calloc(size_t size);
/* uvma__free() - give back @p, allocated with @size bytes; NULL is ignored. */
void uvma__free(void *p, size_t size);
/* uvma__strdup() - copy of @s (length + 1 bytes), or NULL. */
char *uvma__strdup(const char *s);

/*
 * uvma__pages_alloc() - @size bytes (a multiple of 4096) of zeroed memory
 * aligned on 4096 bytes, mapped for the caller, or NULL.  Counted and
 * failed like uvma__malloc().  Free with uvma__pages_free(p, size).
 */
void *uvma__pages_alloc(size_t size);
void uvma__pages_free(void *p, size_t size);
/*
 * uvma__fault_point() - an allocation that is served from memory the caller
 * already holds (a slab's free record) still counts for fault injection:
 * returns nonzero if this one must fail.
 */
int uvma__fault_point(void);

/*
 * uvma__fault_hit() - called on every injected failure.  It does nothing; it
 * exists so a debugger can break on it.
 */
void uvma__fault_hit(void);

#endif /* UVMA_SHIM_ALLOC_H */
