/* SPDX-License-Identifier: MIT */
/*
 * alloc.c - counting, fault-injecting allocator (SQLite's memfault, ours).
 *
 * Counters are atomics so that distinct address spaces used from distinct
 * threads stay independent; injection itself is meant for single-threaded
 * tests.  Every access is relaxed: the counters order nothing, and stronger
 * orders would hide real races elsewhere from ThreadSanitizer (every
 * allocation would synchronise every thread).
 */
#include "alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "uvma/uvma.h"

#define RLX memory_order_relaxed	/* see above */

static _Atomic uint64_t fail_at;       /* 0: injection off */
static _Atomic int fail_persistent;
static _Atomic uint64_t seen;          /* allocations since fail_at was set */
static _Atomic uint64_t failures;
static _Atomic int64_t live_blocks;
static _Atomic int64_t live_bytes;

const char *uvma_version(void)
{
	return UVMA_VERSION_STRING;
}

void uvma_alloc_fail_at(uint64_t k, int persistent)
{
	atomic_store_explicit(&fail_at, k, RLX);
	atomic_store_explicit(&fail_persistent, persistent != 0, RLX);
	atomic_store_explicit(&seen, 0, RLX);
}

uint64_t uvma_alloc_failures(void)
{
	return atomic_load_explicit(&failures, RLX);
}

uint64_t uvma_alloc_seen(void)
{
	return atomic_load_explicit(&seen, RLX);
}

int64_t uvma_alloc_live(void)
{
	return atomic_load_explicit(&live_blocks, RLX);
}

int64_t uvma_alloc_live_bytes(void)
{
	return atomic_load_explicit(&live_bytes, RLX);
}

void uvma__fault_hit(void)
{
	/* A place for a breakpoint: every injected failure passes here. */
	atomic_fetch_add_explicit(&failures, 1, RLX);
}

/* should_fail() - numbers this allocation and decides whether to fail it. */
static int should_fail(void)
{
	uint64_t k = atomic_load_explicit(&fail_at, RLX);
	uint64_t n = atomic_fetch_add_explicit(&seen, 1, RLX) + 1;

	if (k == 0)
		return 0;
	if (n == k || (n > k && atomic_load_explicit(&fail_persistent, RLX))) {
		uvma__fault_hit();
		return 1;
	}
	return 0;
}

void *uvma__malloc(size_t size)
{
	void *p;

	if (size == 0 || should_fail())
		return NULL;
	p = malloc(size);
	if (p) {
		atomic_fetch_add_explicit(&live_blocks, 1, RLX);
		atomic_fetch_add_explicit(&live_bytes, (int64_t)size, RLX);
	}
	return p;
}

void *uvma__malloc_lines(size_t size)
{
	void *p;

	if (size == 0 || (size & 63) || should_fail())
		return NULL;
	p = aligned_alloc(64, size);
	if (p) {
		atomic_fetch_add_explicit(&live_blocks, 1, RLX);
		atomic_fetch_add_explicit(&live_bytes, (int64_t)size, RLX);
	}
	return p;
}

void *uvma__calloc(size_t size)
{
	void *p = uvma__malloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void uvma__free(void *p, size_t size)
{
	if (!p)
		return;
	atomic_fetch_sub_explicit(&live_blocks, 1, RLX);
	atomic_fetch_sub_explicit(&live_bytes, (int64_t)size, RLX);
	free(p);
}

int uvma__fault_point(void)
{
	return should_fail();
}

void *uvma__pages_alloc(size_t size)
{
	void *p;

	if (size == 0 || (size & 4095) || should_fail())
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	atomic_fetch_add_explicit(&live_blocks, 1, RLX);
	atomic_fetch_add_explicit(&live_bytes, (int64_t)size, RLX);
	return p;
}

void uvma__pages_free(void *p, size_t size)
{
	if (!p)
		return;
	atomic_fetch_sub_explicit(&live_blocks, 1, RLX);
	atomic_fetch_sub_explicit(&live_bytes, (int64_t)size, RLX);
	munmap(p, size);
}

char *uvma__strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = uvma__malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}
