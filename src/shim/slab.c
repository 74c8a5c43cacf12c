/* SPDX-License-Identifier: MIT */
/*
 * slab.c - fixed 64-byte records in page-sized slabs (see slab.h).
 *
 * A slab is one page obtained from uvma__pages_alloc(), so it is aligned on
 * its own size and a record finds its slab by masking its address.  The
 * first 64 bytes are the header; records 1..63 follow, each on its own
 * cache line.  A slab hands out its records first from its free list (the
 * link in a free record's first word), then by carving the next record
 * never used.  Slabs with a free record sit on the pool's "avail" list.
 */
#include "slab.h"

#include <stdbool.h>
#include <string.h>

#include "alloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define SLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLAB_ASAN 1
#endif
#endif
#ifdef SLAB_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define SLAB_RECORDS (UVMA_SLAB_BYTES / UVMA_REC_BYTES - 1)

struct uvma_slab {
	struct uvma_slab *next, *prev;	/* on pool->avail while a record is free */
	void *free;			/* freed records, linked by first word */
	uint32_t used;			/* records handed out */
	uint32_t carved;		/* records ever handed out (1..carved) */
	bool on_avail;
};

_Static_assert(sizeof(struct uvma_slab) <= UVMA_REC_BYTES,
	       "the slab header must fit the first record's place");

static struct uvma_slab *slab_of(void *rec)
{
	return (struct uvma_slab *)((uintptr_t)rec & ~(uintptr_t)(UVMA_SLAB_BYTES - 1));
}

static void avail_add(struct uvma_pool *pool, struct uvma_slab *s)
{
	s->prev = NULL;
	s->next = pool->avail;
	if (pool->avail)
		pool->avail->prev = s;
	pool->avail = s;
	s->on_avail = true;
}

static void avail_del(struct uvma_pool *pool, struct uvma_slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		pool->avail = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->on_avail = false;
}

/* slab_new() - a fresh slab on the avail list, or NULL. */
static struct uvma_slab *slab_new(struct uvma_pool *pool)
{
	struct uvma_slab *s = uvma__pages_alloc(UVMA_SLAB_BYTES);

	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	POISON((char *)s + UVMA_REC_BYTES, UVMA_SLAB_BYTES - UVMA_REC_BYTES);
	pool->slabs++;
	pool->empty++;
	avail_add(pool, s);
	return s;
}

static void slab_release(struct uvma_pool *pool, struct uvma_slab *s)
{
	if (s->on_avail)
		avail_del(pool, s);
	/* Mapped memory comes back unpoisoned: leave no stale shadow. */
	UNPOISON(s, UVMA_SLAB_BYTES);
	uvma__pages_free(s, UVMA_SLAB_BYTES);
	pool->slabs--;
}

void *uvma_pool_alloc(struct uvma_pool *pool)
{
	struct uvma_slab *s;
	char *rec;

	if (uvma__fault_point())
		return NULL;
	s = pool->avail;
	if (!s && !(s = slab_new(pool)))
		return NULL;
	if (s->free) {
		rec = s->free;
		UNPOISON(rec, UVMA_REC_BYTES);
		s->free = *(void **)rec;
	} else {
		rec = (char *)s + UVMA_REC_BYTES * ++s->carved;
		UNPOISON(rec, UVMA_REC_BYTES);
	}
	if (s->used++ == 0)
		pool->empty--;
	if (!s->free && s->carved == SLAB_RECORDS)
		avail_del(pool, s);
	pool->records++;
	memset(rec, 0, UVMA_REC_BYTES);
	return rec;
}

void uvma_pool_free(struct uvma_pool *pool, void *rec)
{
	struct uvma_slab *s;

	if (!rec)
		return;
	s = slab_of(rec);
	*(void **)rec = s->free;
	s->free = rec;
	POISON(rec, UVMA_REC_BYTES);
	pool->records--;
	if (!s->on_avail)
		avail_add(pool, s);
	if (--s->used)
		return;
	/*
	 * Wholly free.  The pool's only slab goes (an owner with no records
	 * holds no memory, so an allocation undone after a failure leaves the
	 * counters as they were); otherwise one wholly free slab is kept, so
	 * that an alloc/free pair at a slab boundary does not map and unmap a
	 * page each time, and any other is given back.
	 */
	if (pool->slabs == 1 || pool->empty) {
		slab_release(pool, s);
		return;
	}
	pool->empty++;
}

void uvma_pool_destroy(struct uvma_pool *pool)
{
	struct uvma_slab *s;

	/*
	 * A record still handed out is a leak: keep every slab then, so the
	 * allocator's live counters report it (a slab full of leaked records
	 * is not even on the avail list).  Otherwise every slab has a free
	 * record, so the avail list holds them all.
	 */
	if (pool->records)
		return;
	while ((s = pool->avail) != NULL)
		slab_release(pool, s);
	pool->empty = 0;
}
