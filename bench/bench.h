/* SPDX-License-Identifier: MIT */
/*
 * bench.h - what the benchmark programs share: a seeded generator
 * (splitmix64, so every run visits the same positions) and a monotonic
 * clock in nanoseconds.  Header-only: each benchmark is a program of its own.
 */
#ifndef UVMA_BENCH_H
#define UVMA_BENCH_H

#include <stdint.h>
#include <time.h>

/* bench_rnd() - the next number of the sequence kept in *@state. */
static inline uint64_t bench_rnd(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* bench_now_ns() - CLOCK_MONOTONIC in nanoseconds. */
static inline double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#endif /* UVMA_BENCH_H */
