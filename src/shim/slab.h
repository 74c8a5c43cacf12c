/* SPDX-License-Identifier: MIT */
/*
 * slab.h - a pool of fixed 64-byte records, each aligned on a 64-byte cache
 * line, carved from page-sized slabs.  One pool per address space holds its
 * VMA records, so that a VMA costs exactly one cache line and 64 bytes (plus
 * 1/63 of a slab header), and address spaces used from different threads
 * never share allocator state.
 *
 * Slabs come from uvma__pages_alloc() (src/shim/alloc.h), so leak counting
 * sees them and fault injection can fail a slab grow; every record
 * allocation is also a fault-injection point of its own (uvma__fault_point()),
 * as when each record was a separate allocation.  A freed record goes back
 * on its slab's free list; a slab that becomes wholly free is given back,
 * except one kept per pool (when the pool has others) so that an alloc/free
 * pair at a slab boundary does not map and unmap a page each time.  Under AddressSanitizer free
 * records are poisoned, so a use after free is still reported.
 */
#ifndef UVMA_SHIM_SLAB_H
#define UVMA_SHIM_SLAB_H

#include <stddef.h>
#include <stdint.h>

#define UVMA_SLAB_BYTES 4096u	/* one slab: a 64-byte header + 63 records */
#define UVMA_REC_BYTES 64u

struct uvma_slab;

/* struct uvma_pool - one owner's records; zero-initialised is a valid pool. */
struct uvma_pool {
	struct uvma_slab *avail;	/* slabs with a free record, most recent first */
	uint64_t slabs;			/* slabs held */
	uint64_t records;		/* records handed out */
	uint32_t empty;			/* wholly free slabs held (0 or 1) */
};

/* uvma_pool_alloc() - a zeroed 64-byte, 64-byte-aligned record, or NULL. */
void *uvma_pool_alloc(struct uvma_pool *pool);
/* uvma_pool_free() - give back @rec (from uvma_pool_alloc(@pool)); NULL is ignored. */
void uvma_pool_free(struct uvma_pool *pool, void *rec);
/*
 * uvma_pool_destroy() - give back every slab; the pool is empty (and
 * reusable) afterwards.  If a record is still handed out (a leak), nothing
 * is given back, so the allocator's live counters show the leak.
 */
void uvma_pool_destroy(struct uvma_pool *pool);

#endif /* UVMA_SHIM_SLAB_H */
