/* SPDX-License-Identifier: MIT */
/*
 * test_tree.c - tests of the range tree (src/tree/tree.h), written against
 * the header only.
 *
 * Layers, each trusting only the one before it:
 *   1. a reference model: a sorted array of {start, end, val}, simple enough
 *      to be obviously right, and itself checked against a page array and a
 *      per-address brute-force gap search (tree_ref_*);
 *   2. hand-drawn cases whose expected layouts are derived by hand and
 *      written as literals (tree_store_*, tree_erase_*, tree_gap_*, ...);
 *   3. seeded differential fuzzing against the reference (tree_fuzz_*):
 *      set UVMA_SEED to change the seeds, UVMA_TEST_SCALE to run longer;
 *   4. allocation-failure injection (tree_oom_*) and the reserve
 *      (tree_prealloc_*).
 *
 * Entry values are fake pointers: the tree never dereferences them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "tree/tree.h"
#include "uvma/uvma.h"

#define MAX64 UINT64_MAX
#define NONE SIZE_MAX

/* Pointer equality, printed in hex (compares the addresses as integers). */
#define ASSERT_VAL(a, b) ASSERT_EQ_X((uintptr_t)(a), (uintptr_t)(b))

/* The value drawn as letter @c in a layout string. */
#define LV(c) ((void *)(uintptr_t)(0x10000u + (unsigned char)(c) * 16u))

/* ------------------------------------------------------------------ */
/* The reference model                                                */
/* ------------------------------------------------------------------ */

struct rent {
	uint64_t s, e;		/* [s, e), s < e */
	void *v;
};

/* Entries sorted by start, never overlapping; adjacent entries stay apart. */
struct ref {
	struct rent *a;
	size_t n, cap;
};

static void ref_init(struct ref *r)
{
	r->a = NULL;
	r->n = r->cap = 0;
}

static void ref_free(struct ref *r)
{
	free(r->a);
	ref_init(r);
}

static void ref_grow(struct ref *r, size_t need)
{
	size_t cap = r->cap ? r->cap : 16;

	if (need <= r->cap)
		return;
	while (cap < need)
		cap *= 2;
	r->a = realloc(r->a, cap * sizeof(*r->a));
	if (!r->a)
		abort();
	r->cap = cap;
}

static void ref_copy(struct ref *dst, const struct ref *src)
{
	ref_grow(dst, src->n);
	if (src->n)
		memcpy(dst->a, src->a, src->n * sizeof(*src->a));
	dst->n = src->n;
}

static void ref_insert_at(struct ref *r, size_t i, uint64_t s, uint64_t e, void *v)
{
	ref_grow(r, r->n + 1);
	memmove(&r->a[i + 1], &r->a[i], (r->n - i) * sizeof(*r->a));
	r->a[i] = (struct rent){ s, e, v };
	r->n++;
}

static void ref_delete(struct ref *r, size_t i, size_t j)
{
	if (i == j)
		return;		/* also keeps memmove away from a NULL array */
	memmove(&r->a[i], &r->a[j], (r->n - j) * sizeof(*r->a));
	r->n -= j - i;
}

/* ref_lower() - index of the first entry with end > addr (r->n if none). */
static size_t ref_lower(const struct ref *r, uint64_t addr)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->a[mid].e > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ref_lower_start() - index of the first entry with start >= addr. */
static size_t ref_lower_start(const struct ref *r, uint64_t addr)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->a[mid].s >= addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ref_erase() - free [s, e): trim, split or drop what overlaps.  s < e. */
static void ref_erase(struct ref *r, uint64_t s, uint64_t e)
{
	size_t i = ref_lower(r, s), j;

	if (i < r->n && r->a[i].s < s && r->a[i].e > e) {
		/* One entry sticks out on both sides: it becomes two. */
		ref_insert_at(r, i + 1, e, r->a[i].e, r->a[i].v);
		r->a[i].e = s;
		return;
	}
	if (i < r->n && r->a[i].s < s) {
		r->a[i].e = s;		/* sticks out on the left: trim its tail */
		i++;
	}
	j = i;
	while (j < r->n && r->a[j].e <= e)
		j++;			/* entirely inside: drop */
	if (j < r->n && r->a[j].s < e)
		r->a[j].s = e;		/* sticks out on the right: trim its head */
	ref_delete(r, i, j);
}

static void ref_store(struct ref *r, uint64_t s, uint64_t e, void *v)
{
	ref_erase(r, s, e);
	ref_insert_at(r, ref_lower(r, s), s, e, v);
}

static size_t ref_load(const struct ref *r, uint64_t addr)
{
	size_t i = ref_lower(r, addr);

	return i < r->n && r->a[i].s <= addr ? i : NONE;
}

static size_t ref_find(const struct ref *r, uint64_t addr)
{
	size_t i = ref_lower(r, addr);

	return i < r->n ? i : NONE;
}

static size_t ref_find_prev(const struct ref *r, uint64_t addr)
{
	size_t i = ref_lower_start(r, addr);

	return i ? i - 1 : NONE;
}

/*
 * ref_gap_k() - free interval number k, inclusive [*gs, *ge]: the one just
 * before entry k, or for k == n the trailing one up to MAX64 (never empty:
 * MAX64 itself can't be covered).  False when entry k touches entry k - 1.
 */
static bool ref_gap_k(const struct ref *r, size_t k, uint64_t *gs, uint64_t *ge)
{
	uint64_t s = k ? r->a[k - 1].e : 0;

	*gs = s;
	if (k == r->n) {
		*ge = MAX64;
		return true;
	}
	if (r->a[k].s <= s)
		return false;
	*ge = r->a[k].s - 1;
	return true;
}

static bool gap_args_ok(uint64_t len, uint64_t mask)
{
	return len != 0 && (mask & (mask + 1)) == 0;
}

/* fit_low() - lowest aligned a in [L, H] with [a, a + len - 1] inside [L, H]. */
static bool fit_low(uint64_t L, uint64_t H, uint64_t len, uint64_t mask,
		    uint64_t off, uint64_t *addr)
{
	uint64_t a = (L & ~mask) | (off & mask);

	if (L > H)
		return false;
	if (a < L) {
		if (mask == MAX64 || a + (mask + 1) < a)
			return false;	/* the next candidate is past 2^64 */
		a += mask + 1;
	}
	if (a > H || H - a < len - 1)
		return false;
	*addr = a;
	return true;
}

/* fit_high() - highest such a. */
static bool fit_high(uint64_t L, uint64_t H, uint64_t len, uint64_t mask,
		     uint64_t off, uint64_t *addr)
{
	uint64_t top, a;

	if (L > H || H - L < len - 1)
		return false;
	top = H - (len - 1);
	a = (top & ~mask) | (off & mask);
	if (a > top) {
		if (mask == MAX64 || (top & ~mask) == 0)
			return false;	/* the previous candidate is below 0 */
		a -= mask + 1;
	}
	if (a < L)
		return false;
	*addr = a;
	return true;
}

static int ref_gap_lowest(const struct ref *r, uint64_t lo, uint64_t hi,
			  uint64_t len, uint64_t mask, uint64_t off, uint64_t *addr)
{
	uint64_t gs, ge;

	if (!gap_args_ok(len, mask))
		return -EINVAL;
	for (size_t k = ref_lower(r, lo); k <= r->n; k++) {
		if (!ref_gap_k(r, k, &gs, &ge))
			continue;
		if (gs > hi)
			break;
		if (fit_low(gs > lo ? gs : lo, ge < hi ? ge : hi, len, mask, off, addr))
			return 0;
	}
	return -ENOENT;
}

static int ref_gap_highest(const struct ref *r, uint64_t lo, uint64_t hi,
			   uint64_t len, uint64_t mask, uint64_t off, uint64_t *addr)
{
	uint64_t gs, ge;

	if (!gap_args_ok(len, mask))
		return -EINVAL;
	for (size_t k = ref_lower(r, hi) + 1; k-- > 0;) {
		if (!ref_gap_k(r, k, &gs, &ge))
			continue;
		if (ge < lo)
			break;
		if (gs > hi)
			continue;
		if (fit_high(gs > lo ? gs : lo, ge < hi ? ge : hi, len, mask, off, addr))
			return 0;
	}
	return -ENOENT;
}

/* The reference cursor: its position is the range it last returned. */
struct rcur {
	uint64_t lo, hi;
};

static size_t rcur_next(struct rcur *c, const struct ref *r)
{
	size_t i = ref_find(r, c->hi);

	if (i != NONE) {
		c->lo = r->a[i].s;
		c->hi = r->a[i].e;
	}
	return i;
}

static size_t rcur_prev(struct rcur *c, const struct ref *r)
{
	size_t i = ref_find_prev(r, c->lo);

	if (i != NONE) {
		c->lo = r->a[i].s;
		c->hi = r->a[i].e;
	}
	return i;
}

/* ------------------------------------------------------------------ */
/* Checking the tree against the reference                            */
/* ------------------------------------------------------------------ */

/* check_contents() - walk the tree both ways with cursors; compare. */
static void check_contents(const struct mt_tree *t, const struct ref *r)
{
	struct mt_cursor c;
	uint64_t s = 0, e = 0;
	size_t i = 0;
	void *v;

	ASSERT_EQ(t->count, r->n);
	mt_cursor_init(&c, t, 0);
	while ((v = mt_next(&c, &s, &e)) != NULL) {
		ASSERT_MSG(i < r->n, "extra entry [%#" PRIx64 ", %#" PRIx64 ") after %zu",
			   s, e, r->n);
		ASSERT_MSG(s == r->a[i].s && e == r->a[i].e && v == r->a[i].v,
			   "entry %zu: got [%#" PRIx64 ", %#" PRIx64 ") %p, want [%#" PRIx64
			   ", %#" PRIx64 ") %p", i, s, e, v, r->a[i].s, r->a[i].e, r->a[i].v);
		i++;
	}
	ASSERT_MSG(i == r->n, "walk ended after %zu of %zu entries", i, r->n);

	/* Backwards from the top: every start is below MAX64. */
	mt_cursor_init(&c, t, MAX64);
	while ((v = mt_prev(&c, &s, &e)) != NULL) {
		ASSERT_MSG(i > 0, "extra entry [%#" PRIx64 ", %#" PRIx64 ") going back", s, e);
		i--;
		ASSERT_MSG(s == r->a[i].s && e == r->a[i].e && v == r->a[i].v,
			   "back at %zu: got [%#" PRIx64 ", %#" PRIx64 ") %p, want [%#" PRIx64
			   ", %#" PRIx64 ") %p", i, s, e, v, r->a[i].s, r->a[i].e, r->a[i].v);
	}
	ASSERT_MSG(i == 0, "backward walk stopped with %zu entries left", i);
}

static void check_tree(const struct mt_tree *t, const struct ref *r)
{
	ASSERT_EQ(mt_validate(t), 0);
	CHECK(check_contents(t, r));
}

/* ---- layout strings: one character per address, '.' free ---- */

/* layout_ref() - the entries drawn in @lay: each run of one letter. */
static void layout_ref(const char *lay, struct ref *r)
{
	for (size_t i = 0; lay[i]; i++) {
		size_t j = i;

		if (lay[i] == '.')
			continue;
		while (lay[j] == lay[i])
			j++;
		ref_insert_at(r, r->n, i, j, LV(lay[i]));
		i = j - 1;
	}
}

static void expect_layout(const struct mt_tree *t, const char *lay)
{
	struct ref r;

	ref_init(&r);
	layout_ref(lay, &r);
	check_tree(t, &r);
	ref_free(&r);
}

/* The result of one lookup, compared with the reference's answer. */
static void check_hit(void *v, uint64_t s, uint64_t e, const struct ref *r,
		      size_t i, const char *what, uint64_t addr)
{
	if (i == NONE) {
		ASSERT_MSG(v == NULL, "%s(%#" PRIx64 "): got [%#" PRIx64 ", %#" PRIx64
			   ") %p, want NULL", what, addr, s, e, v);
		return;
	}
	ASSERT_MSG(v == r->a[i].v && s == r->a[i].s && e == r->a[i].e,
		   "%s(%#" PRIx64 "): got [%#" PRIx64 ", %#" PRIx64 ") %p, want [%#"
		   PRIx64 ", %#" PRIx64 ") %p", what, addr, s, e, v, r->a[i].s,
		   r->a[i].e, r->a[i].v);
}

/* ------------------------------------------------------------------ */
/* 1. The reference checks itself                                     */
/* ------------------------------------------------------------------ */

enum { SW = 96 };	/* width of the self-check window */

/* naive_free() - whether window address x is free, by a linear scan. */
static bool naive_free(const struct ref *r, uint64_t x)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->a[i].s <= x && x < r->a[i].e)
			return false;
	return true;
}

/*
 * naive_gap() - try every address of [lo, hi] in turn; @free_at[x - base]
 * says whether x is free.  [lo, hi] lies inside the window.
 */
static int naive_gap(const bool *free_at, uint64_t base, uint64_t lo, uint64_t hi,
		     uint64_t len, uint64_t mask, uint64_t off, bool highest,
		     uint64_t *addr)
{
	int found = -ENOENT;

	if (!gap_args_ok(len, mask))
		return -EINVAL;
	for (uint64_t a = lo;; a++) {
		bool ok = (a & mask) == (off & mask) && a + (len - 1) >= a &&
			  a + (len - 1) <= hi;

		for (uint64_t x = a; ok; x++) {
			ok = free_at[x - base];
			if (x == a + (len - 1))
				break;
		}
		if (ok) {
			*addr = a;
			found = 0;
			if (!highest)
				break;
		}
		if (a == hi)
			break;
	}
	return found;
}

/*
 * The reference's store/erase against a page array, and its gap search
 * against naive_gap(), in a window at 0 and one ending at MAX64.
 */
TEST(tree_ref_selfcheck)
{
	uint64_t rng = test_seed() ^ 0x5e1f;
	static const uint64_t bases[] = { 0, MAX64 - (SW - 1) };

	for (int b = 0; b < 2; b++) {
		uint64_t base = bases[b];

		for (int round = 0; round < 40; round++) {
			void *page[SW] = { 0 };
			bool free_at[SW];
			struct ref r;
			uint64_t id = 0;

			ref_init(&r);
			for (int op = 0; op < 150; op++) {
				/* Ranges stay below the window's last address (MAX64 at the top). */
				uint64_t s = test_below(&rng, SW - 1);
				uint64_t e = s + 1 + test_below(&rng, test_below(&rng, 4) ? 8 : SW);
				size_t k = 0;

				if (e > SW - 1)
					e = SW - 1;
				if (test_below(&rng, 3)) {
					void *v = (void *)(uintptr_t)(++id * 16);

					ref_store(&r, base + s, base + e, v);
					for (uint64_t x = s; x < e; x++)
						page[x] = v;
				} else {
					ref_erase(&r, base + s, base + e);
					for (uint64_t x = s; x < e; x++)
						page[x] = NULL;
				}
				/* Runs of one value in the page array are the entries. */
				for (uint64_t x = 0; x < SW; x++) {
					uint64_t y = x;

					if (!page[x])
						continue;
					while (y < SW && page[y] == page[x])
						y++;
					ASSERT(k < r.n);
					ASSERT_EQ_X(r.a[k].s, base + x);
					ASSERT_EQ_X(r.a[k].e, base + y);
					ASSERT_VAL(r.a[k].v, page[x]);
					k++;
					x = y - 1;
				}
				ASSERT_EQ(k, r.n);
				for (uint64_t x = 0; x < SW; x++) {
					free_at[x] = page[x] == NULL;
					ASSERT_EQ(naive_free(&r, base + x), free_at[x]);
					k = ref_load(&r, base + x);
					ASSERT(k == NONE ? page[x] == NULL : r.a[k].v == page[x]);
				}

				for (int q = 0; q < 8; q++) {
					uint64_t lo = base + test_below(&rng, SW);
					uint64_t hi = base + test_below(&rng, SW);
					uint64_t len = 1 + test_below(&rng, test_below(&rng, 2) ? 4 : 24);
					uint64_t mask = (1ull << test_below(&rng, 7)) - 1;
					uint64_t off = test_rand(&rng), a1 = 0, a2 = 0;
					bool hi_side = test_below(&rng, 2);
					int r1, r2;

					if (test_below(&rng, 10) == 0)
						mask = test_below(&rng, 2) ? MAX64 : MAX64 >> 1;
					if (test_below(&rng, 10) == 0)
						len = MAX64 - test_below(&rng, 4);
					if (lo > hi) {
						uint64_t tmp = lo;

						lo = hi;
						hi = tmp;
					}
					r1 = hi_side ? ref_gap_highest(&r, lo, hi, len, mask, off, &a1)
						     : ref_gap_lowest(&r, lo, hi, len, mask, off, &a1);
					r2 = naive_gap(free_at, base, lo, hi, len, mask, off, hi_side, &a2);
					ASSERT_EQ(r1, r2);
					if (r1 == 0)
						ASSERT_EQ_X(a1, a2);
				}
			}
			ref_free(&r);
		}
	}
}

/* ------------------------------------------------------------------ */
/* 2. Hand-drawn cases                                                */
/* ------------------------------------------------------------------ */

static void store_ok(struct mt_tree *t, uint64_t s, uint64_t e, void *v)
{
	uint64_t seq = t->seq;

	ASSERT_EQ(mt_store(t, s, e, v), 0);
	ASSERT_NE(t->seq, seq);
}

static void erase_ok(struct mt_tree *t, uint64_t s, uint64_t e)
{
	ASSERT_EQ(mt_erase(t, s, e), 0);
}

TEST(tree_empty)
{
	struct mt_tree t = MT_TREE_INIT, u;
	struct mt_cursor c;
	uint64_t s = 1, e = 2, a = 0;

	mt_init(&u);
	ASSERT(u.root == NULL && u.count == 0 && u.height == 0);
	ASSERT_EQ(mt_bytes(&u), 0);
	ASSERT_EQ(mt_validate(&t), 0);
	ASSERT_EQ(t.count, 0);
	ASSERT_EQ(t.height, 0);
	ASSERT_EQ(mt_bytes(&t), 0);
	ASSERT(mt_load(&t, 0, &s, &e) == NULL);
	ASSERT(mt_load(&t, MAX64, NULL, NULL) == NULL);
	ASSERT(mt_find(&t, 0, &s, &e) == NULL);
	ASSERT(mt_find_prev(&t, MAX64, &s, &e) == NULL);
	ASSERT(mt_first(&t, &s, &e) == NULL);
	ASSERT(mt_last(&t, &s, &e) == NULL);
	mt_cursor_init(&c, &t, 100);
	ASSERT(mt_next(&c, &s, &e) == NULL);
	ASSERT(mt_prev(&c, &s, &e) == NULL);
	/* Erasing from an empty tree is fine and leaves it empty. */
	ASSERT_EQ(mt_erase(&t, 0, MAX64), 0);
	ASSERT_EQ(t.count, 0);
	/* The whole space [0, MAX64] is one gap. */
	ASSERT_EQ(mt_gap_lowest(&t, 0, MAX64, 4096, 0, 0, &a), 0);
	ASSERT_EQ_X(a, 0);
	ASSERT_EQ(mt_gap_highest(&t, 0, MAX64, 4096, 0, 0, &a), 0);
	ASSERT_EQ_X(a, MAX64 - 4095);
	ASSERT_EQ(mt_gap_lowest(&t, 0, MAX64, MAX64, 0, 0, &a), 0);
	ASSERT_EQ_X(a, 0);		/* [0, MAX64 - 1] */
	ASSERT_EQ(mt_gap_highest(&t, 0, MAX64, MAX64, 0, 0, &a), 0);
	ASSERT_EQ_X(a, 1);		/* [1, MAX64] */
	ASSERT_EQ(mt_gap_lowest(&t, 1, MAX64, MAX64, 0, 0, &a), 0);
	ASSERT_EQ_X(a, 1);
	ASSERT_EQ(mt_gap_lowest(&t, 2, MAX64, MAX64, 0, 0, &a), -ENOENT);
	ASSERT_EQ(mt_gap_highest(&t, 0, MAX64 - 1, MAX64, 0, 0, &a), 0);
	ASSERT_EQ_X(a, 0);
	ASSERT_EQ(mt_gap_highest(&t, 0, MAX64, MAX64, 1, 0, &a), 0);
	ASSERT_EQ_X(a, 0);		/* even addresses only: 1 is out */
	mt_release(&t);
	mt_destroy(&t);
	mt_destroy(&u);
}

TEST(tree_store_layouts)
{
	struct mt_tree t;

	mt_init(&t);
	/*
	 *                     0         1         2
	 *                     0123456789012345678901234
	 * store [2,10) A into the empty tree:
	 */
	CHECK(store_ok(&t, 2, 10, LV('A')));
	ASSERT_EQ(t.height, 1);
	CHECK(expect_layout(&t, "..AAAAAAAA"));
	/* store [5,7) B inside A: A splits, both halves keep A */
	CHECK(store_ok(&t, 5, 7, LV('B')));
	CHECK(expect_layout(&t, "..AAABBAAA"));
	/* store [12,15) C after the last entry */
	CHECK(store_ok(&t, 12, 15, LV('C')));
	CHECK(expect_layout(&t, "..AAABBAAA..CCC"));
	/* store [0,1) D before the first entry */
	CHECK(store_ok(&t, 0, 1, LV('D')));
	CHECK(expect_layout(&t, "D.AAABBAAA..CCC"));
	/* store [10,12) E exactly into the hole between A and C: touches both */
	CHECK(store_ok(&t, 10, 12, LV('E')));
	CHECK(expect_layout(&t, "D.AAABBAAAEECCC"));
	/*
	 * store [4,13) F: trims the left A to [2,4), drops B, the right A and
	 * E, trims C to [13,15)
	 */
	CHECK(store_ok(&t, 4, 13, LV('F')));
	CHECK(expect_layout(&t, "D.AAFFFFFFFFFCC"));
	/* store [4,13) G: exact overwrite of F */
	CHECK(store_ok(&t, 4, 13, LV('G')));
	CHECK(expect_layout(&t, "D.AAGGGGGGGGGCC"));
	/* store [1,2) H: fills the only hole; touches D and A */
	CHECK(store_ok(&t, 1, 2, LV('H')));
	CHECK(expect_layout(&t, "DHAAGGGGGGGGGCC"));
	/* store [0,25) I: replaces everything */
	CHECK(store_ok(&t, 0, 25, LV('I')));
	CHECK(expect_layout(&t, "IIIIIIIIIIIIIIIIIIIIIIIII"));
	/* store [24,25) J: trims I's tail;  store [0,1) K: trims I's head */
	CHECK(store_ok(&t, 24, 25, LV('J')));
	CHECK(store_ok(&t, 0, 1, LV('K')));
	CHECK(expect_layout(&t, "KIIIIIIIIIIIIIIIIIIIIIIIJ"));
	/* store [1,24) L: exactly I, between K and J */
	CHECK(store_ok(&t, 1, 24, LV('L')));
	CHECK(expect_layout(&t, "KLLLLLLLLLLLLLLLLLLLLLLLJ"));
	/* store [0,24) M: K and L replaced, J kept */
	CHECK(store_ok(&t, 0, 24, LV('M')));
	CHECK(expect_layout(&t, "MMMMMMMMMMMMMMMMMMMMMMMMJ"));
	mt_destroy(&t);
}

TEST(tree_erase_layouts)
{
	struct mt_tree t;

	mt_init(&t);
	/*
	 *                     0         1         2
	 *                     012345678901234567890
	 */
	CHECK(store_ok(&t, 0, 10, LV('A')));
	CHECK(store_ok(&t, 11, 16, LV('B')));
	CHECK(store_ok(&t, 17, 21, LV('C')));
	CHECK(expect_layout(&t, "AAAAAAAAAA.BBBBB.CCCC"));
	/* erase [3,5) inside A: A splits in two */
	CHECK(erase_ok(&t, 3, 5));
	CHECK(expect_layout(&t, "AAA..AAAAA.BBBBB.CCCC"));
	/* erase [4,14) across: drops A's right half, trims B's head */
	CHECK(erase_ok(&t, 4, 14));
	CHECK(expect_layout(&t, "AAA...........BB.CCCC"));
	/* erase [0,1): trims A's head */
	CHECK(erase_ok(&t, 0, 1));
	CHECK(expect_layout(&t, ".AA...........BB.CCCC"));
	/* erase [16,17): already free, nothing changes */
	CHECK(erase_ok(&t, 16, 17));
	CHECK(expect_layout(&t, ".AA...........BB.CCCC"));
	/* erase [15,21): trims B's tail, drops C exactly */
	CHECK(erase_ok(&t, 15, 21));
	CHECK(expect_layout(&t, ".AA...........B"));
	/* erase [2,3): A's last address */
	CHECK(erase_ok(&t, 2, 3));
	CHECK(expect_layout(&t, ".A............B"));
	/* erase [0,100): everything */
	CHECK(erase_ok(&t, 0, 100));
	CHECK(expect_layout(&t, ""));
	ASSERT_EQ(t.height, 0);
	mt_destroy(&t);
}

TEST(tree_einval)
{
	struct mt_tree t;

	mt_init(&t);
	CHECK(store_ok(&t, 10, 20, LV('A')));
	ASSERT_EQ(mt_store(&t, 5, 5, LV('B')), -EINVAL);
	ASSERT_EQ(mt_store(&t, 15, 12, LV('B')), -EINVAL);
	ASSERT_EQ(mt_store(&t, MAX64, MAX64, LV('B')), -EINVAL);
	ASSERT_EQ(mt_store(&t, 0, 100, NULL), -EINVAL);
	ASSERT_EQ(mt_erase(&t, 15, 15), -EINVAL);
	ASSERT_EQ(mt_erase(&t, 20, 10), -EINVAL);
	ASSERT_EQ(mt_erase(&t, MAX64, 0), -EINVAL);
	CHECK(expect_layout(&t, "..........AAAAAAAAAA"));
	mt_destroy(&t);
}

/*
 *           0         1
 *           01234567890
 * layout:   ..AAA..BB.C
 */
static void build_abc(struct mt_tree *t)
{
	mt_init(t);
	CHECK(store_ok(t, 2, 5, LV('A')));
	CHECK(store_ok(t, 7, 9, LV('B')));
	CHECK(store_ok(t, 10, 11, LV('C')));
}

/*
 * EXPECT_HIT() - @call (which may use the locals s_ and e_ as its range
 * outputs) returns @wv with range [@ws, @we); the range is unchecked for NULL.
 */
#define EXPECT_HIT(call, wv, ws, we)                                        \
	do {                                                                \
		uint64_t s_ = 0x5a5a, e_ = 0xa5a5;                          \
		void *v_ = (call);                                          \
		ASSERT_VAL(v_, (wv));                                       \
		if ((wv) != NULL) {                                         \
			ASSERT_EQ_X(s_, (ws));                              \
			ASSERT_EQ_X(e_, (we));                              \
		}                                                           \
	} while (0)

TEST(tree_lookups)
{
	struct mt_tree t;

	CHECK(build_abc(&t));
	CHECK(expect_layout(&t, "..AAA..BB.C"));
	/* load: the entry containing the address */
	EXPECT_HIT(mt_load(&t, 1, &s_, &e_), NULL, 0, 0);
	EXPECT_HIT(mt_load(&t, 2, &s_, &e_), LV('A'), 2, 5);
	EXPECT_HIT(mt_load(&t, 4, &s_, &e_), LV('A'), 2, 5);
	EXPECT_HIT(mt_load(&t, 5, &s_, &e_), NULL, 0, 0);
	EXPECT_HIT(mt_load(&t, 8, &s_, &e_), LV('B'), 7, 9);
	EXPECT_HIT(mt_load(&t, 10, &s_, &e_), LV('C'), 10, 11);
	EXPECT_HIT(mt_load(&t, 11, &s_, &e_), NULL, 0, 0);
	EXPECT_HIT(mt_load(&t, MAX64, &s_, &e_), NULL, 0, 0);
	ASSERT_VAL(mt_load(&t, 3, NULL, NULL), LV('A'));
	/* find: first entry ending above the address */
	EXPECT_HIT(mt_find(&t, 0, &s_, &e_), LV('A'), 2, 5);
	EXPECT_HIT(mt_find(&t, 4, &s_, &e_), LV('A'), 2, 5);
	EXPECT_HIT(mt_find(&t, 5, &s_, &e_), LV('B'), 7, 9);
	EXPECT_HIT(mt_find(&t, 8, &s_, &e_), LV('B'), 7, 9);
	EXPECT_HIT(mt_find(&t, 9, &s_, &e_), LV('C'), 10, 11);
	EXPECT_HIT(mt_find(&t, 10, &s_, &e_), LV('C'), 10, 11);
	EXPECT_HIT(mt_find(&t, 11, &s_, &e_), NULL, 0, 0);
	EXPECT_HIT(mt_find(&t, MAX64, &s_, &e_), NULL, 0, 0);
	ASSERT_VAL(mt_find(&t, 6, NULL, NULL), LV('B'));
	/* find_prev: last entry starting below the address */
	EXPECT_HIT(mt_find_prev(&t, 0, &s_, &e_), NULL, 0, 0);
	EXPECT_HIT(mt_find_prev(&t, 2, &s_, &e_), NULL, 0, 0);
	EXPECT_HIT(mt_find_prev(&t, 3, &s_, &e_), LV('A'), 2, 5);
	EXPECT_HIT(mt_find_prev(&t, 7, &s_, &e_), LV('A'), 2, 5);
	EXPECT_HIT(mt_find_prev(&t, 8, &s_, &e_), LV('B'), 7, 9);
	EXPECT_HIT(mt_find_prev(&t, 10, &s_, &e_), LV('B'), 7, 9);
	EXPECT_HIT(mt_find_prev(&t, 11, &s_, &e_), LV('C'), 10, 11);
	EXPECT_HIT(mt_find_prev(&t, MAX64, &s_, &e_), LV('C'), 10, 11);
	ASSERT_VAL(mt_find_prev(&t, 9, NULL, NULL), LV('B'));
	/* find_around: find, and the entry just before what it found */
	{
		void *pv = LV('?');

		ASSERT_VAL(mt_find_around(&t, 0, &pv), LV('A'));
		ASSERT(pv == NULL);
		ASSERT_VAL(mt_find_around(&t, 6, &pv), LV('B'));
		ASSERT_VAL(pv, LV('A'));
		ASSERT_VAL(mt_find_around(&t, 9, &pv), LV('C'));
		ASSERT_VAL(pv, LV('B'));
		ASSERT(mt_find_around(&t, 11, &pv) == NULL);
		ASSERT_VAL(pv, LV('C'));
	}
	/* first / last */
	EXPECT_HIT(mt_first(&t, &s_, &e_), LV('A'), 2, 5);
	EXPECT_HIT(mt_last(&t, &s_, &e_), LV('C'), 10, 11);
	ASSERT_VAL(mt_first(&t, NULL, NULL), LV('A'));
	ASSERT_VAL(mt_last(&t, NULL, NULL), LV('C'));
	mt_destroy(&t);
}

TEST(tree_cursor_walks)
{
	struct mt_tree t;
	struct mt_cursor c;

	CHECK(build_abc(&t));	/* ..AAA..BB.C */
	mt_cursor_init(&c, &t, 0);
	EXPECT_HIT(mt_next(&c, &s_, &e_), LV('A'), 2, 5);
	EXPECT_HIT(mt_next(&c, &s_, &e_), LV('B'), 7, 9);
	EXPECT_HIT(mt_next(&c, &s_, &e_), LV('C'), 10, 11);
	EXPECT_HIT(mt_next(&c, &s_, &e_), NULL, 0, 0);
	EXPECT_HIT(mt_next(&c, &s_, &e_), NULL, 0, 0);	/* stays on C */
	EXPECT_HIT(mt_prev(&c, &s_, &e_), LV('B'), 7, 9);
	EXPECT_HIT(mt_prev(&c, &s_, &e_), LV('A'), 2, 5);
	EXPECT_HIT(mt_prev(&c, &s_, &e_), NULL, 0, 0);	/* stays on A */
	EXPECT_HIT(mt_next(&c, &s_, &e_), LV('B'), 7, 9);

	/* Inside B: next gives B (ends above 8), prev gives B (starts below 8). */
	mt_cursor_init(&c, &t, 8);
	EXPECT_HIT(mt_next(&c, &s_, &e_), LV('B'), 7, 9);
	mt_cursor_init(&c, &t, 8);
	EXPECT_HIT(mt_prev(&c, &s_, &e_), LV('B'), 7, 9);
	EXPECT_HIT(mt_prev(&c, &s_, &e_), LV('A'), 2, 5);
	/* In the hole at 5: next gives B, prev gives A. */
	mt_cursor_init(&c, &t, 5);
	EXPECT_HIT(mt_next(&c, &s_, &e_), LV('B'), 7, 9);
	mt_cursor_init(&c, &t, 5);
	EXPECT_HIT(mt_prev(&c, &s_, &e_), LV('A'), 2, 5);
	/* At 7, B's start: prev is A (B does not start below 7). */
	mt_cursor_init(&c, &t, 7);
	EXPECT_HIT(mt_prev(&c, &s_, &e_), LV('A'), 2, 5);
	mt_cursor_init(&c, &t, 11);
	EXPECT_HIT(mt_next(&c, &s_, &e_), NULL, 0, 0);
	EXPECT_HIT(mt_prev(&c, &s_, &e_), LV('C'), 10, 11);

	/*
	 * Walks across changes.  The cursor stands on A [2,5).
	 *   0123456789012
	 *   ..AAA..BB.C     store [4,8) D:
	 *   ..AADDDDB.C     A trimmed to [2,4), B trimmed to [8,9)
	 * next: the first entry ending above 5 (the old end of A) is D.
	 */
	mt_cursor_init(&c, &t, 0);
	EXPECT_HIT(mt_next(&c, &s_, &e_), LV('A'), 2, 5);
	CHECK(store_ok(&t, 4, 8, LV('D')));
	EXPECT_HIT(mt_next(&c, &s_, &e_), LV('D'), 4, 8);
	EXPECT_HIT(mt_next(&c, &s_, &e_), LV('B'), 8, 9);
	/*
	 *   ..AADDDDB.C     erase [8,9): B goes; the cursor stood on it
	 *   ..AADDDD..C
	 * next: first entry ending above 9 is C; prev from C: D.
	 */
	CHECK(erase_ok(&t, 8, 9));
	EXPECT_HIT(mt_next(&c, &s_, &e_), LV('C'), 10, 11);
	CHECK(erase_ok(&t, 0, 3));	/* A shrinks to [3,4) */
	EXPECT_HIT(mt_prev(&c, &s_, &e_), LV('D'), 4, 8);
	EXPECT_HIT(mt_prev(&c, &s_, &e_), LV('A'), 3, 4);
	/*
	 *   ...ADDDD..C     store [20,30) E past the end while on A:
	 *   ...ADDDD..C.........EEEEEEEEEE
	 */
	CHECK(store_ok(&t, 20, 30, LV('E')));
	EXPECT_HIT(mt_next(&c, &s_, &e_), LV('D'), 4, 8);
	EXPECT_HIT(mt_next(&c, &s_, &e_), LV('C'), 10, 11);
	EXPECT_HIT(mt_next(&c, &s_, &e_), LV('E'), 20, 30);
	EXPECT_HIT(mt_next(&c, &s_, &e_), NULL, 0, 0);
	/* The tree empties under the cursor: both directions find nothing. */
	CHECK(erase_ok(&t, 0, MAX64));
	EXPECT_HIT(mt_next(&c, &s_, &e_), NULL, 0, 0);
	EXPECT_HIT(mt_prev(&c, &s_, &e_), NULL, 0, 0);
	mt_destroy(&t);
}

TEST(tree_for_each_range)
{
	struct mt_tree t;
	struct mt_cursor c;
	static const struct {
		uint64_t lo, hi;
		const char *want;	/* letters of the entries visited */
	} cases[] = {
		{ 0, MAX64, "ABC" },
		{ 4, 10, "AB" },	/* C starts at 10: not below 10 */
		{ 5, 7, "" },		/* A ends at 5, B starts at 7 */
		{ 9, 10, "" },
		{ 9, 11, "C" },
		{ 3, 4, "A" },
		{ 0, 3, "A" },
		{ 11, MAX64, "" },
	};

	CHECK(build_abc(&t));	/* ..AAA..BB.C */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char got[8] = "";
		size_t n = 0;
		uint64_t s, e;
		void *v;

		mt_for_each_range(&c, &t, v, s, e, cases[i].lo, cases[i].hi) {
			ASSERT(n < 4);
			ASSERT(e > cases[i].lo);
			got[n++] = (char)((uintptr_t)v == (uintptr_t)LV('A') ? 'A' :
					  (uintptr_t)v == (uintptr_t)LV('B') ? 'B' :
					  (uintptr_t)v == (uintptr_t)LV('C') ? 'C' : '?');
		}
		ASSERT_STR_EQ(got, cases[i].want);
	}
	mt_destroy(&t);
}

/* The whole address space, its two ends and arithmetic at MAX64. */
TEST(tree_extremes)
{
	struct mt_tree t;
	uint64_t a = 0;

	mt_init(&t);
	CHECK(store_ok(&t, 0, MAX64, LV('X')));
	EXPECT_HIT(mt_load(&t, 0, &s_, &e_), LV('X'), 0, MAX64);
	EXPECT_HIT(mt_load(&t, MAX64 - 1, &s_, &e_), LV('X'), 0, MAX64);
	EXPECT_HIT(mt_load(&t, MAX64, &s_, &e_), NULL, 0, 0);
	EXPECT_HIT(mt_find(&t, MAX64 - 1, &s_, &e_), LV('X'), 0, MAX64);
	EXPECT_HIT(mt_find(&t, MAX64, &s_, &e_), NULL, 0, 0);
	EXPECT_HIT(mt_find_prev(&t, MAX64, &s_, &e_), LV('X'), 0, MAX64);
	EXPECT_HIT(mt_find_prev(&t, 0, &s_, &e_), NULL, 0, 0);
	EXPECT_HIT(mt_find_prev(&t, 1, &s_, &e_), LV('X'), 0, MAX64);
	/* Only MAX64 itself is free. */
	ASSERT_EQ(mt_gap_lowest(&t, 0, MAX64, 1, 0, 0, &a), 0);
	ASSERT_EQ_X(a, MAX64);
	ASSERT_EQ(mt_gap_highest(&t, 0, MAX64, 1, 0, 0, &a), 0);
	ASSERT_EQ_X(a, MAX64);
	ASSERT_EQ(mt_gap_lowest(&t, 0, MAX64, 2, 0, 0, &a), -ENOENT);
	ASSERT_EQ(mt_gap_highest(&t, 0, MAX64, 2, 0, 0, &a), -ENOENT);
	ASSERT_EQ(mt_gap_lowest(&t, 0, MAX64 - 1, 1, 0, 0, &a), -ENOENT);

	/* Trim the top address off X, then put Y there. */
	CHECK(erase_ok(&t, MAX64 - 1, MAX64));
	EXPECT_HIT(mt_last(&t, &s_, &e_), LV('X'), 0, MAX64 - 1);
	CHECK(store_ok(&t, MAX64 - 1, MAX64, LV('Y')));
	EXPECT_HIT(mt_last(&t, &s_, &e_), LV('Y'), MAX64 - 1, MAX64);
	EXPECT_HIT(mt_load(&t, MAX64 - 2, &s_, &e_), LV('X'), 0, MAX64 - 1);
	ASSERT_EQ(t.count, 2);
	/* Split X leaving its two ends: [0,1) and [MAX64-2, MAX64-1). */
	CHECK(erase_ok(&t, 1, MAX64 - 2));
	ASSERT_EQ(t.count, 3);
	EXPECT_HIT(mt_first(&t, &s_, &e_), LV('X'), 0, 1);
	EXPECT_HIT(mt_find(&t, 1, &s_, &e_), LV('X'), MAX64 - 2, MAX64 - 1);
	ASSERT_EQ(mt_gap_lowest(&t, 0, MAX64, MAX64 - 3, 0, 0, &a), 0);
	ASSERT_EQ_X(a, 1);		/* [1, MAX64 - 3] exactly */
	ASSERT_EQ(mt_gap_highest(&t, 0, MAX64, MAX64 - 3, 0, 0, &a), 0);
	ASSERT_EQ_X(a, 1);
	ASSERT_EQ(mt_gap_lowest(&t, 0, MAX64, MAX64 - 2, 0, 0, &a), -ENOENT);
	ASSERT_EQ(mt_validate(&t), 0);
	CHECK(erase_ok(&t, 0, MAX64));
	ASSERT_EQ(t.count, 0);
	ASSERT_EQ(t.height, 0);
	ASSERT(mt_first(&t, NULL, NULL) == NULL);
	mt_destroy(&t);
}

/*
 * A new last entry far above the rest, when the last leaf is full, is
 * split off into a leaf of its own: the gap below it, larger than any
 * other, must reach the root.  Entries [2iP, 2iP + P) leave one-page gaps,
 * so the only 50-page gap is the new one: [end of the others, far).  One
 * of the counts tried fills the last leaf (whatever its capacity).
 */
TEST(tree_gap_new_last_leaf)
{
	const uint64_t P = 0x1000;
	struct mt_tree t;
	uint64_t n = 0, a = 0;

	mt_init(&t);
	for (; n < 1960; n++)
		CHECK(store_ok(&t, 2 * n * P, 2 * n * P + P, LV('a')));
	for (; n < 2080; n++) {
		uint64_t end = 2 * (n - 1) * P + P, far = end + 100 * P;

		ASSERT(t.height >= 3);
		CHECK(store_ok(&t, far, far + P, LV('z')));
		ASSERT_EQ(mt_validate(&t), 0);
		ASSERT_EQ(mt_gap_lowest(&t, 0, MAX64, 50 * P, 0, 0, &a), 0);
		ASSERT_EQ_X(a, end);
		ASSERT_EQ(mt_gap_highest(&t, 0, far - 1, 50 * P, 0, 0, &a), 0);
		ASSERT_EQ_X(a, far - 50 * P);
		CHECK(erase_ok(&t, far, far + P));
		CHECK(store_ok(&t, 2 * n * P, 2 * n * P + P, LV('a')));
	}
	mt_destroy(&t);
}

/*
 * Two equal largest gaps, one of them filled.  Entries are single pages
 * with a one-page hole after each; erasing entries k and k + j leaves two
 * three-page gaps.  Putting k back must leave exactly the other one: the
 * leaf that lost its largest gap finds an equal one among its own entries,
 * or before its first entry (the previous leaf's last end), or nowhere
 * (then the other is in another leaf).  Sweeping j past a leaf's width
 * puts the pair in every such relation; the validator checks each cached
 * maximum and the gap searches the answer, which is drawn here by hand.
 */
TEST(tree_gap_equal_largest)
{
	const uint64_t P = 0x1000, n = 400;
	const uint64_t top = 2 * (n - 1) * P - 1;	/* below the last entry */
	struct mt_tree t;
	uint64_t a = 0;

	mt_init(&t);
	for (uint64_t i = 0; i < n; i++)
		CHECK(store_ok(&t, 2 * i * P, 2 * i * P + P, LV('a')));
	ASSERT(t.height >= 2);
	for (uint64_t k = 150; k < 190; k++) {
		for (uint64_t j = 1; j <= 40; j++) {
			uint64_t x = 2 * k * P, y = 2 * (k + j) * P;

			CHECK(erase_ok(&t, x, x + P));
			CHECK(erase_ok(&t, y, y + P));
			CHECK(store_ok(&t, x, x + P, LV('a')));
			ASSERT_EQ(mt_validate(&t), 0);
			/* the only free run of three pages below top */
			ASSERT_EQ(mt_gap_lowest(&t, 0, top, 3 * P, 0, 0, &a), 0);
			ASSERT_EQ_X(a, y - P);
			ASSERT_EQ(mt_gap_highest(&t, 0, top, 3 * P, 0, 0, &a), 0);
			ASSERT_EQ_X(a, y - P);
			/* and the other way round: fill y, keep x */
			CHECK(erase_ok(&t, x, x + P));
			CHECK(store_ok(&t, y, y + P, LV('a')));
			ASSERT_EQ(mt_validate(&t), 0);
			ASSERT_EQ(mt_gap_lowest(&t, 0, top, 3 * P, 0, 0, &a), 0);
			ASSERT_EQ_X(a, x - P);
			CHECK(store_ok(&t, x, x + P, LV('a')));
			ASSERT_EQ(mt_validate(&t), 0);
			ASSERT_EQ(mt_gap_lowest(&t, 0, top, 3 * P, 0, 0, &a), -ENOENT);
		}
	}
	mt_destroy(&t);
}

/*
 * The two copies of the searches (mt_simd()) against the reference, on a
 * tree of narrow and wide leaves with entries at both ends of the address
 * space: at and around every boundary in order (the finger answers most),
 * then at random addresses (most descend from the root).
 */
static void check_searches(const struct mt_tree *t, const struct ref *r,
			   uint64_t addr)
{
	uint64_t s = 0, e = 0;
	void *v;

	v = mt_load(t, addr, &s, &e);
	CHECK(check_hit(v, s, e, r, ref_load(r, addr), "load", addr));
	v = mt_find(t, addr, &s, &e);
	CHECK(check_hit(v, s, e, r, ref_find(r, addr), "find", addr));
	v = mt_find_prev(t, addr, &s, &e);
	CHECK(check_hit(v, s, e, r, ref_find_prev(r, addr), "find_prev", addr));
}

TEST(tree_search_copies)
{
#if defined(__x86_64__) && !defined(UVMA_NO_AVX512)
	int cpu = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#else
	int cpu = 0;
#endif
	int was = mt_simd(-1);
	uint64_t rng = test_seed() ^ 0xa512, a = 0x10000;
	struct mt_tree t;
	struct ref r;

	ASSERT_EQ(was, cpu);	/* the default: AVX-512 where there is one */
	mt_init(&t);
	ref_init(&r);
	CHECK(store_ok(&t, 0, 0x1000, LV('a')));
	ref_store(&r, 0, 0x1000, LV('a'));
	CHECK(store_ok(&t, MAX64 - 0x3000, MAX64, LV('z')));
	ref_store(&r, MAX64 - 0x3000, MAX64, LV('z'));
	for (unsigned i = 0; i < 4000; i++) {
		/* every 300th entry spans 8 GiB: its leaf is wide */
		uint64_t len = i % 300 == 7 ? 1ull << 33 : 0x1000 * (1 + test_rand(&rng) % 3);
		void *v = (void *)(uintptr_t)(0x100000 + 16 * i);

		CHECK(store_ok(&t, a, a + len, v));
		ref_store(&r, a, a + len, v);
		a += len + 0x1000 * (1 + test_rand(&rng) % 2);
	}
	ASSERT(t.height >= 3);
	ASSERT_EQ(mt_validate(&t), 0);

	for (int copy = 0; copy < 2; copy++) {
		ASSERT_EQ(mt_simd(copy), copy && cpu);
		for (size_t i = 0; i < r.n; i++) {
			uint64_t at[] = { r.a[i].s - 1, r.a[i].s, r.a[i].s + 1,
					  r.a[i].e - 1, r.a[i].e, r.a[i].e + 1 };

			for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++)
				CHECK(check_searches(&t, &r, at[k]));
		}
		for (int k = 0; k < 20000; k++) {
			uint64_t x = test_rand(&rng);

			CHECK(check_searches(&t, &r, k & 1 ? x : x % (a + 0x10000)));
		}
		CHECK(check_searches(&t, &r, MAX64));
		CHECK(check_searches(&t, &r, 0));
	}
	mt_simd(was);
	mt_destroy(&t);
	ref_free(&r);
}

/*
 * Gap search on three entries.
 *
 *   A [0x1000, 0x3000)   B [0x5000, 0x6000)   C [0x9000, 0x10000)
 *   free: [0, 0xfff]  [0x3000, 0x4fff]  [0x6000, 0x8fff]  [0x10000, MAX64]
 */
TEST(tree_gap_cases)
{
	static const struct {
		bool high;
		uint64_t lo, hi, len, mask, off;
		int ret;
		uint64_t want;
	} cases[] = {
		/* lowest, no alignment */
		{ 0, 0, MAX64, 0x1000, 0, 0, 0, 0 },
		{ 0, 0, MAX64, 0x1001, 0, 0, 0, 0x3000 },
		{ 0, 0, MAX64, 0x2000, 0, 0, 0, 0x3000 },	/* exact fit */
		{ 0, 0, MAX64, 0x2001, 0, 0, 0, 0x6000 },
		{ 0, 0, MAX64, 0x3001, 0, 0, 0, 0x10000 },
		{ 0, 0x3800, MAX64, 0x1000, 0, 0, 0, 0x3800 },
		{ 0, 0x4001, MAX64, 0x1000, 0, 0, 0, 0x6000 },	/* 0x4001+0xfff hits B */
		{ 0, 0x1000, 0x2fff, 1, 0, 0, -ENOENT, 0 },	/* window inside A */
		{ 0, 0x3000, 0x3fff, 0x1000, 0, 0, 0, 0x3000 },	/* window == len */
		{ 0, 0x3001, 0x3fff, 0x1000, 0, 0, -ENOENT, 0 },
		{ 0, 0x2fff, 0x3000, 1, 0, 0, 0, 0x3000 },
		/* lowest, 16 KiB alignment */
		{ 0, 0, MAX64, 0x1000, 0x3fff, 0, 0, 0 },
		{ 0, 1, MAX64, 0x1000, 0x3fff, 0, 0, 0x4000 },
		{ 0, 0x4001, MAX64, 0x1000, 0x3fff, 0, 0, 0x8000 },
		{ 0, 0x8001, MAX64, 0x1000, 0x3fff, 0, 0, 0x10000 },	/* 0xc000 is in C */
		{ 0, 0, MAX64, 0x1000, 0x3fff, 0x2000, 0, 0x6000 },	/* 0x2000 is in A */
		{ 0, 0, MAX64, 0x1000, 0x3fff, 0x12000, 0, 0x6000 },	/* offset is masked */
		/* a single allowed address */
		{ 0, 0, MAX64, 0x1000, MAX64, 0x7000, 0, 0x7000 },
		{ 0, 0, MAX64, 0x1000, MAX64, 0x5000, -ENOENT, 0 },
		{ 0, 0, MAX64, 0x1800, MAX64, 0x7800, 0, 0x7800 },	/* ends at 0x8fff */
		{ 0, 0, MAX64, 0x1801, MAX64, 0x7800, -ENOENT, 0 },
		/* highest */
		{ 1, 0, MAX64, 0x1000, 0, 0, 0, MAX64 - 0xfff },
		{ 1, 0, 0xffff, 0x1000, 0, 0, 0, 0x8000 },	/* hi inside C */
		{ 1, 0, 0x5fff, 0x1000, 0, 0, 0, 0x4000 },	/* hi inside B */
		{ 1, 0, 0x8fff, 0x3000, 0, 0, 0, 0x6000 },
		{ 1, 0, 0x8fff, 0x3001, 0, 0, -ENOENT, 0 },
		{ 1, 0, 0xffff, 0x1000, 0x3fff, 0x1000, -ENOENT, 0 },	/* 0xd000 0x9000 0x5000 0x1000 */
		{ 1, 0, 0xffff, 0x1000, 0x3fff, 0, 0, 0x8000 },	/* 0xc000 is in C */
		{ 1, 0x3000, 0x4fff, 0x2000, 0, 0, 0, 0x3000 },
		{ 1, 0x3000, 0x4fff, 0x800, 0, 0, 0, 0x4800 },
		{ 1, 0x6001, 0x6fff, 0x1000, 0, 0, -ENOENT, 0 },	/* window too small */
		{ 1, 0, 0x1fff, 0x800, 0x3fff, 0x2000, -ENOENT, 0 },	/* would go below 0 */
		{ 1, 0, 0x2fff, 0x800, 0, 0, 0, 0x800 },	/* [0x800, 0xfff] */
		/* near MAX64 */
		{ 0, MAX64, MAX64, 1, 0, 0, 0, MAX64 },
		{ 0, MAX64 - 1, MAX64, 2, 0, 0, 0, MAX64 - 1 },
		{ 0, MAX64 - 1, MAX64, 3, 0, 0, -ENOENT, 0 },
		{ 1, MAX64 - 1, MAX64, 3, 0, 0, -ENOENT, 0 },
		{ 0, MAX64 - 0xfff, MAX64, 1, 0xffff, 0, -ENOENT, 0 },	/* next is 2^64 */
		{ 0, MAX64 - 0xfff, MAX64, 1, 0xffff, 0xffff, 0, MAX64 },
		{ 1, MAX64 - 0xfff, MAX64, 1, 0xffff, 0, -ENOENT, 0 },
		{ 1, 0, MAX64, 0x1000, 0xffff, 0, 0, MAX64 - 0xffff },
		{ 1, 0, MAX64, 1, 0, 0, 0, MAX64 },
		/* bad arguments */
		{ 0, 0, MAX64, 0, 0, 0, -EINVAL, 0 },
		{ 1, 0, MAX64, 0, 0, 0, -EINVAL, 0 },
		{ 0, 0, MAX64, 1, 0x1000, 0, -EINVAL, 0 },
		{ 1, 0, MAX64, 1, 6, 0, -EINVAL, 0 },
		{ 0, 0, MAX64, 1, 1ull << 63, 0, -EINVAL, 0 },
	};
	struct mt_tree t;

	mt_init(&t);
	CHECK(store_ok(&t, 0x1000, 0x3000, LV('A')));
	CHECK(store_ok(&t, 0x5000, 0x6000, LV('B')));
	CHECK(store_ok(&t, 0x9000, 0x10000, LV('C')));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t a = 0x5a5a;
		int ret = cases[i].high ?
			mt_gap_highest(&t, cases[i].lo, cases[i].hi, cases[i].len,
				       cases[i].mask, cases[i].off, &a) :
			mt_gap_lowest(&t, cases[i].lo, cases[i].hi, cases[i].len,
				      cases[i].mask, cases[i].off, &a);

		ASSERT_MSG(ret == cases[i].ret && (ret || a == cases[i].want),
			   "case %zu: got %d %#" PRIx64 ", want %d %#" PRIx64, i, ret, a,
			   cases[i].ret, cases[i].want);
	}
	/* lo > hi: no address qualifies; either answer is an error. */
	for (int high = 0; high < 2; high++) {
		uint64_t a;
		int ret = high ? mt_gap_highest(&t, 0x20000, 0x1ffff, 1, 0, 0, &a) :
				 mt_gap_lowest(&t, 0x20000, 0x1ffff, 1, 0, 0, &a);

		ASSERT(ret == -EINVAL || ret == -ENOENT);
	}
	mt_destroy(&t);
}

/* ------------------------------------------------------------------ */
/* 3. Differential fuzzing                                            */
/* ------------------------------------------------------------------ */

enum space {
	SP_DENSE,	/* addresses in [0, universe): lots of overwrite */
	SP_PAGES,	/* page-sized ranges in [0, universe pages) */
	SP_WIDE,	/* anywhere: near 0, near MAX64, huge ranges */
};

enum { NCUR = 4, PG = 4096 };

struct fz {
	uint64_t rng, seed, op;
	enum space space;
	uint64_t universe;
	uint64_t id;		/* last value handed out */
	bool big;		/* prefilled: keep big overwrites rare */
	struct mt_tree t;
	struct ref r;
	struct mt_cursor cur[NCUR];
	struct rcur rc[NCUR];
	bool live[NCUR];
};

static uint64_t fz_rand(struct fz *f, uint64_t n)
{
	return test_below(&f->rng, n);
}

static void *fz_val(struct fz *f)
{
	return (void *)(uintptr_t)((++f->id << 4) | 8);
}

/* fz_addr() - an address to look up: often at or next to an entry's edge. */
static uint64_t fz_addr(struct fz *f)
{
	if (f->r.n && fz_rand(f, 2)) {
		const struct rent *x = &f->r.a[fz_rand(f, f->r.n)];

		switch (fz_rand(f, 5)) {
		case 0: return x->s - (x->s > 0);
		case 1: return x->s;
		case 2: return x->e - 1;
		case 3: return x->e;
		default: return x->s + fz_rand(f, x->e - x->s);
		}
	}
	switch (f->space) {
	case SP_DENSE:
		return fz_rand(f, f->universe + 2);
	case SP_PAGES:
		return fz_rand(f, f->universe) * PG + (fz_rand(f, 4) ? 0 : fz_rand(f, PG));
	case SP_WIDE:
		break;
	}
	switch (fz_rand(f, 6)) {
	case 0: return fz_rand(f, 4096);
	case 1: return MAX64 - fz_rand(f, 4096);
	case 2: return test_rand(&f->rng);
	case 3: return (1ull << 32) + fz_rand(f, 1ull << 24);
	case 4: return fz_rand(f, 1ull << 40);
	default: return MAX64 - fz_rand(f, 1ull << 40);
	}
}

/* fz_range() - a range to store or erase; start < end. */
static void fz_range(struct fz *f, uint64_t *s, uint64_t *e)
{
	uint64_t len;

	switch (f->space) {
	case SP_DENSE:
		*s = fz_rand(f, f->universe);
		len = 1 + fz_rand(f, fz_rand(f, 20) ? f->universe / 16 + 1 : f->universe);
		*e = *s + len < f->universe ? *s + len : f->universe;
		return;
	case SP_PAGES:
		*s = fz_rand(f, f->universe) * PG;
		if (f->r.n && fz_rand(f, 16) == 0) {
			/* just past the last entry: the tree's right edge */
			uint64_t top = f->r.a[f->r.n - 1].e / PG;

			if (top < f->universe)
				*s = (top + fz_rand(f, (f->universe - top) / 4 + 1)) * PG;
		}
		len = (1 + fz_rand(f, fz_rand(f, f->big ? 4000 : 200) ? 8 : f->universe / 8 + 1)) * PG;
		if (fz_rand(f, 8) == 0) {	/* unaligned */
			*s += fz_rand(f, PG);
			len -= fz_rand(f, PG);
		}
		*e = *s + len;
		return;
	case SP_WIDE:
		break;
	}
	*s = fz_addr(f);
	switch (fz_rand(f, 40)) {
	case 0: len = MAX64; break;				/* to the top */
	case 1: case 2: len = 1 + fz_rand(f, 1ull << 40); break;
	case 3: case 4: case 5: len = 1 + fz_rand(f, 1ull << 20); break;
	default: len = 1 + fz_rand(f, fz_rand(f, 2) ? 16 : 4096); break;
	}
	if (*s == MAX64)
		*s = MAX64 - 1 - fz_rand(f, 16);
	*e = len > MAX64 - *s ? MAX64 : *s + len;
}

static void fz_check_lookup(struct fz *f)
{
	uint64_t addr = fz_addr(f), s = 0, e = 0;
	bool want_range = fz_rand(f, 8) != 0;
	uint64_t *ps = want_range ? &s : NULL, *pe = want_range ? &e : NULL;
	void *v;
	size_t i;

	switch (fz_rand(f, 5)) {
	case 0: case 1:
		v = mt_load(&f->t, addr, ps, pe);
		i = ref_load(&f->r, addr);
		if (!want_range && i != NONE) {
			s = f->r.a[i].s;
			e = f->r.a[i].e;
		}
		CHECK(check_hit(v, s, e, &f->r, i, "load", addr));
		break;
	case 2:
		if (fz_rand(f, 2)) {
			v = mt_find(&f->t, addr, &s, &e);
			CHECK(check_hit(v, s, e, &f->r, ref_find(&f->r, addr), "find", addr));
		} else {
			/* The entry mt_find() would give, and the one before it. */
			void *prev = LV('?');
			size_t j = ref_find(&f->r, addr);
			size_t jp = j == NONE ? (f->r.n ? f->r.n - 1 : NONE) :
					       (j ? j - 1 : NONE);

			v = mt_find_around(&f->t, addr, &prev);
			ASSERT_MSG(v == (j == NONE ? NULL : f->r.a[j].v) &&
				   prev == (jp == NONE ? NULL : f->r.a[jp].v),
				   "find_around %#" PRIx64 ": got %p, prev %p", addr, v, prev);
		}
		break;
	case 3:
		v = mt_find_prev(&f->t, addr, &s, &e);
		CHECK(check_hit(v, s, e, &f->r, ref_find_prev(&f->r, addr), "find_prev", addr));
		break;
	default:
		if (fz_rand(f, 2)) {
			v = mt_first(&f->t, &s, &e);
			CHECK(check_hit(v, s, e, &f->r, f->r.n ? 0 : NONE, "first", 0));
		} else {
			v = mt_last(&f->t, &s, &e);
			CHECK(check_hit(v, s, e, &f->r, f->r.n ? f->r.n - 1 : NONE, "last", 0));
		}
		break;
	}
}

/* fz_cursor() - step one of the long-lived cursors; they outlive changes. */
static void fz_cursor(struct fz *f)
{
	int k = (int)fz_rand(f, NCUR);
	int steps = 1 + (int)fz_rand(f, 6);

	if (!f->live[k] || fz_rand(f, 8) == 0) {
		uint64_t addr = fz_addr(f);

		mt_cursor_init(&f->cur[k], &f->t, addr);
		f->rc[k].lo = f->rc[k].hi = addr;
		f->live[k] = true;
	}
	for (int i = 0; i < steps; i++) {
		uint64_t s = 0, e = 0, lo = f->rc[k].lo, hi = f->rc[k].hi;
		bool fwd = fz_rand(f, 3) != 0;
		void *v = fwd ? mt_next(&f->cur[k], &s, &e) : mt_prev(&f->cur[k], &s, &e);
		size_t j = fwd ? rcur_next(&f->rc[k], &f->r) : rcur_prev(&f->rc[k], &f->r);

		ASSERT_MSG(j == NONE ? v == NULL :
			   v == f->r.a[j].v && s == f->r.a[j].s && e == f->r.a[j].e,
			   "cursor %d %s from [%#" PRIx64 ", %#" PRIx64 "): got [%#" PRIx64
			   ", %#" PRIx64 ") %p, want %s [%#" PRIx64 ", %#" PRIx64 ")",
			   k, fwd ? "next" : "prev", lo, hi, s, e, v,
			   j == NONE ? "NULL" : "", j == NONE ? 0 : f->r.a[j].s,
			   j == NONE ? 0 : f->r.a[j].e);
	}
}

static void fz_for_each(struct fz *f)
{
	uint64_t lo = fz_addr(f), hi, s, e;
	struct mt_cursor c;
	size_t i = ref_lower(&f->r, lo), n = 0;
	void *v;

	hi = fz_rand(f, 4) ? lo + 1 + fz_rand(f, f->space == SP_WIDE ? 1ull << 20 : 64 * PG)
			   : MAX64;
	if (hi < lo)
		hi = MAX64;
	mt_for_each_range(&c, &f->t, v, s, e, lo, hi) {
		ASSERT_MSG(i < f->r.n && f->r.a[i].s < hi && v == f->r.a[i].v &&
			   s == f->r.a[i].s && e == f->r.a[i].e,
			   "for_each [%#" PRIx64 ", %#" PRIx64 ") item %zu: got [%#" PRIx64
			   ", %#" PRIx64 ")", lo, hi, n, s, e);
		i++;
		if (++n == 40)
			return;
	}
	ASSERT_MSG(i == f->r.n || f->r.a[i].s >= hi,
		   "for_each [%#" PRIx64 ", %#" PRIx64 ") stopped early after %zu", lo, hi, n);
}

static void fz_gap(struct fz *f)
{
	bool high = fz_rand(f, 2);
	uint64_t lo, hi, len, mask = 0, off = 0, a1 = 0, a2 = 0;
	int r1, r2;

	if (fz_rand(f, 4) == 0) {
		lo = 0;
		hi = MAX64;
	} else {
		lo = fz_addr(f);
		hi = fz_addr(f);
		if (lo > hi) {
			uint64_t tmp = lo;

			lo = hi;
			hi = tmp;
		}
	}
	switch (f->space) {
	case SP_DENSE:
		len = 1 + fz_rand(f, f->universe / 8 + 1);
		if (fz_rand(f, 2))
			mask = (1ull << fz_rand(f, 6)) - 1;
		break;
	case SP_PAGES:
		len = (1 + fz_rand(f, 12)) * PG - (fz_rand(f, 8) ? 0 : fz_rand(f, PG));
		if (fz_rand(f, 2))
			mask = (1ull << (12 + fz_rand(f, 10))) - 1;
		break;
	default:
		switch (fz_rand(f, 6)) {
		case 0: len = MAX64 - fz_rand(f, 1ull << 40); break;
		case 1: len = 1 + fz_rand(f, 1ull << 40); break;
		default: len = 1 + fz_rand(f, 1 + fz_rand(f, 1 << 16)); break;
		}
		if (fz_rand(f, 2))
			mask = fz_rand(f, 16) ? (1ull << fz_rand(f, 64)) - 1 : MAX64;
		break;
	}
	off = fz_rand(f, 2) ? test_rand(&f->rng) : fz_rand(f, 4) * PG;
	if (fz_rand(f, 64) == 0) {	/* bad arguments */
		if (fz_rand(f, 2))
			len = 0;
		else
			mask = 1ull << (1 + fz_rand(f, 63));
	}
	r1 = high ? mt_gap_highest(&f->t, lo, hi, len, mask, off, &a1) :
		    mt_gap_lowest(&f->t, lo, hi, len, mask, off, &a1);
	r2 = high ? ref_gap_highest(&f->r, lo, hi, len, mask, off, &a2) :
		    ref_gap_lowest(&f->r, lo, hi, len, mask, off, &a2);
	ASSERT_MSG(r1 == r2 && (r1 || a1 == a2),
		   "gap_%s(lo %#" PRIx64 ", hi %#" PRIx64 ", len %#" PRIx64 ", mask %#"
		   PRIx64 ", off %#" PRIx64 "): got %d %#" PRIx64 ", want %d %#" PRIx64,
		   high ? "highest" : "lowest", lo, hi, len, mask, off, r1, a1, r2, a2);
}

static void fz_mutate(struct fz *f)
{
	uint64_t s, e;
	int ret, want = 0;
	bool store = fz_rand(f, 100) < (f->space == SP_DENSE ? 55 : f->big ? 75 : 62);

	fz_range(f, &s, &e);
	if (fz_rand(f, 200) == 0) {	/* bad arguments */
		e = s - (s ? fz_rand(f, 2) : 0);
		want = -EINVAL;
	}
	if (store) {
		void *v = want == 0 && fz_rand(f, 100) == 0 ? NULL : fz_val(f);

		if (v == NULL)
			want = -EINVAL;
		ret = mt_store(&f->t, s, e, v);
		if (want == 0)
			ref_store(&f->r, s, e, v);
	} else {
		ret = mt_erase(&f->t, s, e);
		if (want == 0)
			ref_erase(&f->r, s, e);
	}
	ASSERT_MSG(ret == want, "%s [%#" PRIx64 ", %#" PRIx64 "): got %d, want %d",
		   store ? "store" : "erase", s, e, ret, want);
	ASSERT_EQ(f->t.count, f->r.n);
}

/* fz_prefill() - @n entries, one per 4-page slot, stored in random order. */
static void fz_prefill(struct fz *f, size_t n)
{
	size_t *order = malloc(n * sizeof(*order));

	ASSERT(order != NULL);
	ref_grow(&f->r, n);
	for (size_t i = 0; i < n; i++) {
		uint64_t off = fz_rand(f, 3), len = 1 + fz_rand(f, 3 - off);

		f->r.a[i] = (struct rent){ (4 * i + off) * PG, (4 * i + off + len) * PG, fz_val(f) };
		order[i] = i;
	}
	f->r.n = n;
	for (size_t i = n; i > 1; i--) {
		size_t j = fz_rand(f, i), tmp = order[i - 1];

		order[i - 1] = order[j];
		order[j] = tmp;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rent *x = &f->r.a[order[i]];

		int ret = mt_store(&f->t, x->s, x->e, x->v);

		if (ret != 0) {
			free(order);
			ASSERT_EQ(ret, 0);
		}
	}
	free(order);
	CHECK(check_tree(&f->t, &f->r));
}

struct fz_cfg {
	enum space space;
	uint64_t universe;	/* addresses (dense) or pages (pages) */
	size_t prefill;		/* entries stored before the mixed operations */
	unsigned seeds;
	unsigned ops;		/* per seed */
};

static uint64_t fz_total_ops;

/* fz_run() - one seed: mixed operations, each checked against the reference. */
static void fz_run(const struct fz_cfg *cfg, uint64_t seed)
{
	struct fz f;
	unsigned nops = cfg->ops * test_scale();
	int64_t live = uvma_alloc_live();

	memset(&f, 0, sizeof(f));
	f.rng = f.seed = seed;
	f.space = cfg->space;
	f.universe = cfg->universe;
	mt_init(&f.t);
	ref_init(&f.r);
	f.big = cfg->prefill != 0;
	if (cfg->prefill)
		fz_prefill(&f, cfg->prefill);

	for (f.op = 0; f.op < nops && !test_failed(); f.op++) {
		unsigned pick = (unsigned)fz_rand(&f, 100);
		bool small = f.r.n <= 300;

		if (pick < 38) {
			fz_mutate(&f);
			if (!test_failed() && small && mt_validate(&f.t) != 0)
				test_fail(__FILE__, __LINE__, __func__, "mt_validate failed");
		} else if (pick < 62) {
			fz_check_lookup(&f);
		} else if (pick < 76) {
			fz_cursor(&f);
		} else if (pick < 80) {
			fz_for_each(&f);
		} else {
			fz_gap(&f);
		}
		if (test_failed())
			break;
		if ((f.op + 1) % (small ? 256 : 4096) == 0)
			check_tree(&f.t, &f.r);
	}
	if (!test_failed())
		check_tree(&f.t, &f.r);
	if (test_failed())
		fprintf(stderr, "  fuzz: space %d universe %" PRIu64 ": seed %#" PRIx64
			", failed at op %" PRIu64 " (%zu entries, height %u)\n",
			cfg->space, cfg->universe, seed, f.op, f.r.n, f.t.height);
	fz_total_ops += f.op;
	mt_destroy(&f.t);
	ref_free(&f.r);
	if (!test_failed())
		ASSERT_EQ(uvma_alloc_live(), live);
}

/*
 * fz_suite() - every seed of every configuration.  Seeds alternate between
 * the two copies of the tree's searches (mt_simd()): the AVX-512 one where
 * the processor has it, and the portable one.
 */
static void fz_suite(const struct fz_cfg *cfgs, size_t ncfg, uint64_t salt)
{
	int was = mt_simd(-1);

	for (size_t c = 0; c < ncfg; c++) {
		for (unsigned i = 0; i < cfgs[c].seeds; i++) {
			uint64_t seed = test_seed() * 0x100000001b3ull + salt + c * 1000 + i;
			int simd = mt_simd((int)((i + c) & 1) == 0);

			fz_run(&cfgs[c], seed);
			if (test_failed()) {
				fprintf(stderr, "  fuzz: searches: %s\n",
					simd ? "AVX-512" : "portable");
				mt_simd(was);
				return;
			}
		}
	}
	mt_simd(was);
}

TEST(tree_fuzz_dense)
{
	static const struct fz_cfg cfgs[] = {
		{ SP_DENSE, 16, 0, 2, 25000 },
		{ SP_DENSE, 64, 0, 3, 40000 },
		{ SP_DENSE, 512, 0, 3, 40000 },
		{ SP_DENSE, 4096, 0, 2, 50000 },
	};

	fz_suite(cfgs, sizeof(cfgs) / sizeof(cfgs[0]), 1);
}

TEST(tree_fuzz_pages)
{
	static const struct fz_cfg cfgs[] = {
		{ SP_PAGES, 1024, 0, 2, 50000 },
		{ SP_PAGES, 1 << 14, 0, 2, 85000 },
	};

	fz_suite(cfgs, sizeof(cfgs) / sizeof(cfgs[0]), 2);
}

TEST(tree_fuzz_wide)
{
	static const struct fz_cfg cfgs[] = {
		{ SP_WIDE, 0, 0, 4, 70000 },
	};

	fz_suite(cfgs, sizeof(cfgs) / sizeof(cfgs[0]), 3);
}

/*
 * Tens of thousands of entries: the tree is three or more levels high.
 * Each change costs the sorted-array reference a memmove of half of it,
 * so the 30,000-entry runs are kept short (the suite's time is here).
 */
TEST(tree_fuzz_big)
{
	static const struct fz_cfg cfgs[] = {
		{ SP_PAGES, 4 * 30000, 30000, 2, 15000 },
		{ SP_PAGES, 4 * 3000, 3000, 2, 40000 },
	};

	fz_suite(cfgs, sizeof(cfgs) / sizeof(cfgs[0]), 4);
}

/* Every fuzz suite together: at least 10^6 checked operations. */
TEST(tree_fuzz_total)
{
	if (fz_total_ops)	/* only when the suites above ran in this process */
		ASSERT_MSG(fz_total_ops >= 1000000, "only %" PRIu64 " fuzz operations",
			   fz_total_ops);
}

/* ------------------------------------------------------------------ */
/* 4. Allocation failure and the reserve                              */
/* ------------------------------------------------------------------ */

/* A write: the unit of a script. */
struct wop {
	bool store;
	uint64_t s, e;
	void *v;
};

static int wop_tree(struct mt_tree *t, const struct wop *w)
{
	return w->store ? mt_store(t, w->s, w->e, w->v) : mt_erase(t, w->s, w->e);
}

static void wop_ref(struct ref *r, const struct wop *w)
{
	if (w->store)
		ref_store(r, w->s, w->e, w->v);
	else
		ref_erase(r, w->s, w->e);
}

/* replay() - a fresh tree holding the result of ops[0, n), no injection. */
static void replay(struct mt_tree *t, const struct wop *ops, size_t n)
{
	mt_init(t);
	for (size_t i = 0; i < n; i++)
		ASSERT_EQ(wop_tree(t, &ops[i]), 0);
}

/*
 * oom_step() - apply ops[i] to @t (holding ops[0, i), equal to @before)
 * while failing allocation k = 1, 2, ... (once, or from k on), until the
 * write does all its allocations without reaching k.
 *
 * Each failure must return -ENOMEM and leave @t valid and equal to @before;
 * each success must give @after.  The reserve is released before every
 * attempt so that each one starts from the same allocation state.  A write
 * that succeeds although allocation k failed (it absorbed the failure) is
 * fine; the tree is then rebuilt to try k + 1.
 */
static void oom_step(struct mt_tree *t, const struct wop *ops, size_t i,
		     const struct ref *before, const struct ref *after,
		     int persistent, uint64_t *nfail)
{
	for (uint64_t k = 1;; k++) {
		uint64_t seen;
		int ret;

		ASSERT_MSG(k < 1000, "write %zu never succeeds", i);
		mt_release(t);
		uvma_alloc_fail_at(k, persistent);
		ret = wop_tree(t, &ops[i]);
		seen = uvma_alloc_seen();
		uvma_alloc_fail_at(0, 0);
		if (ret == -ENOMEM) {
			ASSERT_MSG(seen >= k, "write %zu: -ENOMEM but allocation %" PRIu64
				   " was never reached (%" PRIu64 " made)", i, k, seen);
			(*nfail)++;
			ASSERT_MSG(mt_validate(t) == 0,
				   "write %zu, allocation %" PRIu64 " failed (%s): invalid tree",
				   i, k, persistent ? "persistent" : "once");
			CHECK(check_contents(t, before));
			continue;
		}
		ASSERT_MSG(ret == 0, "write %zu, allocation %" PRIu64 " failed: returned %d",
			   i, k, ret);
		CHECK(check_tree(t, after));
		if (seen < k)
			return;
		mt_destroy(t);
		CHECK(replay(t, ops, i));
	}
}

enum script_kind {
	SC_APPEND,		/* store page after page, left to right */
	SC_SHUFFLED,		/* the same pages stored in random order */
	SC_ERASE_SPLIT_SEQ,	/* one big entry, holes punched left to right */
	SC_ERASE_SPLIT_RAND,	/* ... in random order */
	SC_STORE_SPLIT_RAND,	/* one big entry, pages stored inside it at random */
	SC_MIXED,		/* fuzz writes on a shuffled-filled tree */
	SC_NKINDS
};

static const char *const script_names[] = {
	"append", "shuffled", "erase-split-seq", "erase-split-rand",
	"store-split-rand", "mixed",
};

static void shuffle(uint64_t *rng, size_t *a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = test_below(rng, i), tmp = a[i - 1];

		a[i - 1] = a[j];
		a[j] = tmp;
	}
}

/*
 * make_script() - @n writes of the given kind, each one (except in the
 * mixed script) adding entries, so that nodes keep splitting up to the root.
 */
static struct wop *make_script(enum script_kind kind, size_t n, uint64_t seed)
{
	struct wop *ops = calloc(n + 1, sizeof(*ops));
	size_t *order = malloc((n + 1) * sizeof(*order));
	uint64_t rng = seed;
	size_t first = 0;

	if (!ops || !order)
		abort();
	for (size_t i = 0; i <= n; i++)
		order[i] = i;
	if (kind != SC_APPEND && kind != SC_ERASE_SPLIT_SEQ)
		shuffle(&rng, order, n);
	if (kind == SC_ERASE_SPLIT_SEQ || kind == SC_ERASE_SPLIT_RAND ||
	    kind == SC_STORE_SPLIT_RAND) {
		ops[0] = (struct wop){ true, 0, (2 * n + 2) * PG, LV('Z') };
		first = 1;
	}
	for (size_t i = first; i < n; i++) {
		uint64_t slot = order[i - first];
		struct wop *w = &ops[i];

		switch (kind) {
		case SC_APPEND:
		case SC_SHUFFLED:
			*w = (struct wop){ true, 2 * slot * PG, (2 * slot + 1) * PG,
					   (void *)(uintptr_t)(16 * (slot + 1)) };
			break;
		case SC_ERASE_SPLIT_SEQ:
		case SC_ERASE_SPLIT_RAND:
			*w = (struct wop){ false, (2 * slot + 1) * PG, (2 * slot + 2) * PG, NULL };
			break;
		case SC_STORE_SPLIT_RAND:
			*w = (struct wop){ true, (2 * slot + 1) * PG, (2 * slot + 2) * PG,
					   (void *)(uintptr_t)(16 * (slot + 1)) };
			break;
		case SC_MIXED:
		case SC_NKINDS:
			break;
		}
	}
	if (kind == SC_MIXED) {
		/* n / 2 shuffled pages, then n / 2 writes of every shape. */
		struct fz f;

		memset(&f, 0, sizeof(f));
		f.rng = seed;
		f.space = SP_PAGES;
		f.universe = 2 * n;
		f.id = 1u << 20;
		for (size_t i = 0; i < n / 2; i++)
			ops[i] = (struct wop){ true, 2 * order[i] * PG, (2 * order[i] + 1) * PG,
					       (void *)(uintptr_t)(16 * (order[i] + 1)) };
		for (size_t i = n / 2; i < n; i++) {
			ops[i].store = fz_rand(&f, 3) != 0;
			fz_range(&f, &ops[i].s, &ops[i].e);
			ops[i].v = ops[i].store ? fz_val(&f) : NULL;
		}
	}
	free(order);
	return ops;
}

/*
 * dry_run() - the height after each write, to find the writes that split
 * the root.  Returns the number of writes to keep: enough to reach the
 * script's target height and a quarter more, at most @n (the mixed script
 * is kept whole).
 */
static size_t dry_run(enum script_kind kind, const struct wop *ops, size_t n,
		      uint32_t *height)
{
	uint32_t target = kind == SC_APPEND || kind == SC_ERASE_SPLIT_SEQ ? 4 : 3;
	struct mt_tree t;
	size_t keep = n;

	mt_init(&t);
	for (size_t i = 0; i < n; i++) {
		if (wop_tree(&t, &ops[i]) != 0)
			abort();
		height[i] = t.height;
		if (height[i] >= target && keep == n && kind != SC_MIXED)
			keep = i + 1 + (i + 1) / 4;
		if (i + 1 >= keep)
			break;
	}
	mt_destroy(&t);
	return keep;
}

/* script_len() - writes to generate: the mixed script is short but whole. */
static size_t script_len(enum script_kind kind)
{
	return kind == SC_MIXED ? 1600 : 20000;
}

/* Report how far the scripts got, so a too-short script shows up. */
static uint32_t oom_max_height;

/*
 * run_oom_script() - replay the script; the first writes, every write that
 * changes the height and a sample of the rest go through oom_step().
 */
static void run_oom_script(enum script_kind kind, size_t n, uint64_t seed, int persistent)
{
	struct wop *ops = make_script(kind, n, seed);
	uint32_t *height = calloc(n, sizeof(*height));
	struct ref cur, next;
	struct mt_tree t;
	uint64_t nfail = 0;
	int64_t live = uvma_alloc_live();
	size_t keep;

	if (!height)
		abort();
	keep = dry_run(kind, ops, n, height);
	ref_init(&cur);
	ref_init(&next);
	mt_init(&t);
	for (size_t i = 0; i < keep && !test_failed(); i++) {
		bool full = i < 150 || (i % (i < 2000 ? 37 : 401)) == 0 ||
			    height[i] != (i ? height[i - 1] : 0);

		if (full) {
			ref_copy(&next, &cur);
			wop_ref(&next, &ops[i]);
			oom_step(&t, ops, i, &cur, &next, persistent, &nfail);
			ref_copy(&cur, &next);
		} else {
			int ret = wop_tree(&t, &ops[i]);

			wop_ref(&cur, &ops[i]);
			if (ret != 0)
				test_fail(__FILE__, __LINE__, __func__, "write %zu: %d", i, ret);
		}
		if (t.height > oom_max_height)
			oom_max_height = t.height;
	}
	if (!test_failed())
		check_tree(&t, &cur);
	if (test_failed())
		fprintf(stderr, "  oom script %s, %zu writes, seed %#" PRIx64 ", %s\n",
			script_names[kind], keep, seed, persistent ? "persistent" : "once");
	mt_destroy(&t);
	ref_free(&cur);
	ref_free(&next);
	free(ops);
	free(height);
	if (!test_failed()) {
		ASSERT_GT(nfail, 0);
		ASSERT_EQ(uvma_alloc_live(), live);
	}
}

TEST(tree_oom_once)
{
	for (int kind = 0; kind < SC_NKINDS; kind++)
		CHECK(run_oom_script(kind, script_len(kind), test_seed() + (uint64_t)kind, 0));
}

TEST(tree_oom_persistent)
{
	for (int kind = 0; kind < SC_NKINDS; kind++)
		CHECK(run_oom_script(kind, script_len(kind), test_seed() + (uint64_t)kind, 1));
}

/* The scripts must have split a root of height 2 (run after them). */
TEST(tree_oom_reached_height_3)
{
	if (oom_max_height)
		ASSERT_GE(oom_max_height, 3);
}

/*
 * Small trees, every size from 0 to 40, three writes in the middle entry m:
 *
 *   entry i = [4i, 4i + 3) pages      |AAA.BBB.CCC.|
 *   store [4m + 1, 4m + 2): 3-way split   |AAA.BNB.CCC.|
 *   erase [4m + 1, 4m + 2): 2-way split   |AAA.B.B.CCC.|
 *   store [4m + 3, 4m + 4): fills a hole  |AAA.BBBNCCC.|
 */
TEST(tree_oom_small_sizes)
{
	for (size_t n = 0; n <= 40; n++) {
		for (int w = 0; w < 6; w++) {
			int persistent = w & 1, kind = w >> 1;
			uint64_t m = n / 2;
			struct wop ops[42];
			struct ref before, after;
			struct mt_tree t;
			uint64_t nfail = 0;

			for (size_t i = 0; i < n; i++)
				ops[i] = (struct wop){ true, 4 * i * PG, (4 * i + 3) * PG,
						       (void *)(uintptr_t)(16 * (i + 1)) };
			if (kind == 0)
				ops[n] = (struct wop){ true, (4 * m + 1) * PG, (4 * m + 2) * PG, LV('N') };
			else if (kind == 1)
				ops[n] = (struct wop){ false, (4 * m + 1) * PG, (4 * m + 2) * PG, NULL };
			else
				ops[n] = (struct wop){ true, (4 * m + 3) * PG, (4 * m + 4) * PG, LV('N') };
			ref_init(&before);
			ref_init(&after);
			CHECK(replay(&t, ops, n));
			for (size_t i = 0; i < n; i++)
				wop_ref(&before, &ops[i]);
			ref_copy(&after, &before);
			wop_ref(&after, &ops[n]);
			oom_step(&t, ops, n, &before, &after, persistent, &nfail);
			mt_destroy(&t);
			ref_free(&before);
			ref_free(&after);
			if (test_failed()) {
				fprintf(stderr, "  at size %zu, write kind %d, %s\n", n, kind,
					persistent ? "persistent" : "once");
				return;
			}
		}
	}
}

/*
 * prealloc_script() - replay a script in batches of 1..5 writes, each batch
 * preceded by mt_preallocate(batch) and run with every allocation failing.
 */
static void prealloc_script(enum script_kind kind, size_t n, uint64_t seed)
{
	struct wop *ops = make_script(kind, n, seed);
	uint32_t *height = calloc(n, sizeof(*height));
	uint64_t rng = seed;
	struct mt_tree t;
	struct ref r;
	size_t keep;

	if (!height)
		abort();
	keep = dry_run(kind, ops, n, height);
	mt_init(&t);
	ref_init(&r);
	for (size_t i = 0; i < keep && !test_failed();) {
		unsigned batch = 1 + (unsigned)test_below(&rng, 5);
		int ret = mt_preallocate(&t, batch);

		if (ret != 0) {
			test_fail(__FILE__, __LINE__, __func__, "mt_preallocate(%u): %d", batch, ret);
			break;
		}
		uvma_alloc_fail_at(1, 1);
		for (unsigned j = 0; j < batch && i < keep; j++, i++) {
			ret = wop_tree(&t, &ops[i]);
			wop_ref(&r, &ops[i]);
			if (ret != 0) {
				test_fail(__FILE__, __LINE__, __func__,
					  "write %zu (%u of a batch of %u) after mt_preallocate: %d",
					  i, j + 1, batch, ret);
				break;
			}
		}
		uvma_alloc_fail_at(0, 0);
		if (!test_failed() && (r.n <= 300 || i % 500 < 5))
			check_tree(&t, &r);
		if (test_failed())
			fprintf(stderr, "  prealloc script %s, seed %#" PRIx64 ", write %zu\n",
				script_names[kind], seed, i);
	}
	if (!test_failed()) {
		check_tree(&t, &r);
		size_t bytes;

		mt_release(&t);
		ASSERT_EQ(mt_validate(&t), 0);
		bytes = mt_bytes(&t);
		mt_release(&t);		/* nothing left to release */
		ASSERT_EQ(mt_bytes(&t), bytes);
	}
	mt_destroy(&t);
	ref_free(&r);
	free(ops);
	free(height);
}

TEST(tree_prealloc_writes_cannot_fail)
{
	for (int kind = 0; kind < SC_NKINDS; kind++)
		CHECK(prealloc_script(kind, script_len(kind), test_seed() ^ (uint64_t)kind));
}

/* mt_preallocate() itself failing: -ENOMEM, tree untouched, nothing leaked. */
TEST(tree_prealloc_oom)
{
	static const size_t sizes[] = { 0, 1, 10, 100, 1000, 5000 };

	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		for (int persistent = 0; persistent < 2; persistent++) {
			struct wop *ops = make_script(SC_SHUFFLED, sizes[si] + 8, 77 + si);
			int64_t live = uvma_alloc_live();
			struct mt_tree t;
			struct ref r;
			uint64_t k;

			ref_init(&r);
			CHECK(replay(&t, ops, sizes[si]));
			for (size_t i = 0; i < sizes[si]; i++)
				wop_ref(&r, &ops[i]);
			for (k = 1; k < 1000; k++) {
				uint64_t seen;
				int ret;

				uvma_alloc_fail_at(k, persistent);
				ret = mt_preallocate(&t, 6);
				seen = uvma_alloc_seen();
				uvma_alloc_fail_at(0, 0);
				if (ret == 0 && seen < k)
					break;
				ASSERT(ret == 0 || ret == -ENOMEM);
				ASSERT_EQ(mt_validate(&t), 0);
				CHECK(check_contents(&t, &r));
				mt_release(&t);
			}
			ASSERT_LT(k, 1000);
			/* The successful reserve carries 6 writes through total failure. */
			uvma_alloc_fail_at(1, 1);
			for (size_t i = sizes[si]; i < sizes[si] + 6; i++) {
				ASSERT_EQ(wop_tree(&t, &ops[i]), 0);
				wop_ref(&r, &ops[i]);
			}
			uvma_alloc_fail_at(0, 0);
			CHECK(check_tree(&t, &r));
			mt_release(&t);
			mt_destroy(&t);
			ref_free(&r);
			free(ops);
			ASSERT_EQ(uvma_alloc_live(), live);
		}
	}
}

/* mt_release() gives back exactly the unused reserve; mt_destroy frees it all. */
TEST(tree_prealloc_release)
{
	struct wop *ops = make_script(SC_SHUFFLED, 600, 5);
	int64_t live0 = uvma_alloc_live();
	struct mt_tree t;
	size_t bytes;
	int64_t live;

	CHECK(replay(&t, ops, 500));
	mt_release(&t);		/* ordinary writes may have left a reserve */
	bytes = mt_bytes(&t);
	live = uvma_alloc_live();
	ASSERT_GT(bytes, 0);
	ASSERT_EQ(mt_preallocate(&t, 0), 0);
	ASSERT_EQ(mt_preallocate(&t, 8), 0);
	ASSERT_GE(mt_bytes(&t), bytes);
	ASSERT_GE(uvma_alloc_live(), live);
	ASSERT_EQ(mt_validate(&t), 0);
	mt_release(&t);
	ASSERT_EQ(mt_bytes(&t), bytes);
	ASSERT_EQ(uvma_alloc_live(), live);
	mt_release(&t);		/* nothing left: a no-op */
	ASSERT_EQ(uvma_alloc_live(), live);

	/* Writes use the reserve; releasing afterwards returns the rest. */
	ASSERT_EQ(mt_preallocate(&t, 4), 0);
	for (size_t i = 500; i < 502; i++)
		ASSERT_EQ(wop_tree(&t, &ops[i]), 0);
	mt_release(&t);
	ASSERT_EQ(mt_validate(&t), 0);
	bytes = mt_bytes(&t);
	live = uvma_alloc_live();
	mt_release(&t);
	ASSERT_EQ(mt_bytes(&t), bytes);
	ASSERT_EQ(uvma_alloc_live(), live);

	/* A reserve still held at mt_destroy() is freed with the tree. */
	ASSERT_EQ(mt_preallocate(&t, 8), 0);
	mt_destroy(&t);
	ASSERT_EQ(uvma_alloc_live(), live0);

	/* The empty tree: a reserve for its first stores, then released. */
	{
		struct ref r;

		ref_init(&r);
		ref_store(&r, 0, PG, LV('A'));
		ref_store(&r, 2 * PG, 3 * PG, LV('B'));
		mt_init(&t);
		ASSERT_EQ(mt_preallocate(&t, 2), 0);
		uvma_alloc_fail_at(1, 1);
		ASSERT_EQ(mt_store(&t, 0, PG, LV('A')), 0);
		ASSERT_EQ(mt_store(&t, 2 * PG, 3 * PG, LV('B')), 0);
		uvma_alloc_fail_at(0, 0);
		check_tree(&t, &r);
		ref_free(&r);
		mt_destroy(&t);
	}
	free(ops);
}

/*
 * A pair of calls that maps and unmaps just past the last entry (mmap
 * without a hint in an address space with nothing above it) must not
 * split and fold a leaf each time: after the first round the store finds
 * room and the erase leaves the leaves as they were.  Entries far above
 * the rest (beyond a narrow leaf's 4 GiB span) and entries next to them
 * both; for every fill of the last leaf (n runs over more than a leaf).
 */
TEST(tree_end_pair_steady)
{
	static const uint64_t above[] = { 1ull << 33, 2 * 4096 };

	for (size_t k = 0; k < sizeof(above) / sizeof(above[0]); k++) {
		for (size_t n = 600; n < 640; n++) {
			struct mt_tree t;
			uint64_t base = 0x10000000, top = base + 2 * 4096 * n;
			uint64_t far = top + above[k], leaves = 0;

			mt_init(&t);
			for (size_t i = 0; i < n; i++)
				ASSERT_EQ(mt_store(&t, base + 2 * 4096 * i,
						   base + 2 * 4096 * i + 4096,
						   LV('a' + i % 26)), 0);
			for (int round = 0; round < 4; round++) {
				ASSERT_EQ(mt_store(&t, far, far + 4096, LV('z')), 0);
				if (round > 0)
					ASSERT_EQ(t.nodes[0], leaves);
				ASSERT_EQ(mt_erase(&t, far, far + 4096), 0);
				if (round > 0)
					ASSERT_EQ(t.nodes[0], leaves);
				leaves = t.nodes[0];
				ASSERT_EQ(mt_validate(&t), 0);
			}
			ASSERT_EQ(t.count, n);
			mt_destroy(&t);
		}
	}
}

/*
 * Splitting mapped space and merging it back changes no gap (the stores
 * cover no free address), so leaf_replace() skips the gap upkeep for them;
 * a store that also covers a hole, or leaves one, must not skip it.  Every
 * step is checked by the validator (cached gaps included) and by a gap
 * search whose answer is known from the layout: the lowest 3-page gap is
 * the one hole made that wide on purpose.
 *
 *   page:   0   1   2   3   4   5   ...   (each slot i: pages 4i..4i+3)
 *   slot:  [A   A   A ] .   [B  B   B ] .  ...    3 pages mapped, 1 free
 *   wide hole: slot 700's mapping erased -> pages 2799..2803 free (5 pages)
 */
TEST(tree_split_merge_keeps_gaps)
{
	const uint64_t base = 0x40000000, pg = 4096, n = 1200, wide = 700;
	struct mt_tree t;
	uint64_t a = 0;

	mt_init(&t);
	for (uint64_t i = 0; i < n; i++)
		ASSERT_EQ(mt_store(&t, base + 4 * i * pg, base + (4 * i + 3) * pg,
				   LV('a' + i % 26)), 0);
	ASSERT_EQ(mt_erase(&t, base + 4 * wide * pg, base + (4 * wide + 3) * pg), 0);
	ASSERT(t.height >= 2);
	for (uint64_t i = 0; i < n; i += 7) {
		uint64_t s = base + 4 * i * pg;

		if (i == wide)
			continue;
		/* Split: the middle page gets its own entry (three entries). */
		ASSERT_EQ(mt_store(&t, s + pg, s + 2 * pg, LV('#')), 0);
		ASSERT_EQ(mt_validate(&t), 0);
		ASSERT_VAL(mt_load(&t, s + pg, NULL, NULL), LV('#'));
		ASSERT_VAL(mt_load(&t, s, NULL, NULL), LV('a' + i % 26));
		/* Merge: the three become one again. */
		ASSERT_EQ(mt_store(&t, s, s + 3 * pg, LV('a' + i % 26)), 0);
		ASSERT_EQ(mt_validate(&t), 0);
		ASSERT_EQ(mt_gap_lowest(&t, base, UINT64_MAX, 3 * pg, 0, 0, &a), 0);
		ASSERT_EQ_X(a, base + (4 * wide - 1) * pg);
	}
	/* Merging across a hole does change the gaps: the wide hole goes. */
	ASSERT_EQ(mt_store(&t, base + 4 * (wide - 1) * pg, base + (4 * wide + 7) * pg,
			   LV('=')), 0);
	ASSERT_EQ(mt_validate(&t), 0);
	ASSERT_EQ(t.count, n - 2);
	ASSERT_EQ(mt_gap_lowest(&t, base, base + 4 * (n - 1) * pg, 2 * pg, 0, 0, &a),
		  -ENOENT);
	mt_destroy(&t);
}

/*
 * leaf_walk() - the leaves of @t, told apart by a cursor's leaf (struct
 * mt_cursor's cached position): the first start of each of the first @max
 * in @first (may be NULL), their number in *@leaves (may be NULL).
 * Returns: the fewest entries in any leaf but the last, or UINT64_MAX when
 * there is one leaf.
 */
static uint64_t leaf_walk(const struct mt_tree *t, uint64_t *first, size_t max,
			  size_t *leaves)
{
	struct mt_cursor c;
	const void *leaf = NULL;
	uint64_t s, e, run = 0, least = UINT64_MAX;
	size_t n = 0;

	mt_cursor_init(&c, t, 0);
	while (mt_next(&c, &s, &e) != NULL) {
		if (c.leaf != leaf) {
			if (leaf != NULL)
				least = run < least ? run : least;
			if (first && n < max)
				first[n] = s;
			n++;
			run = 0;
		}
		leaf = c.leaf;
		run++;
	}
	if (leaves)
		*leaves = n;
	return least;
}

/*
 * Erasing entries one at a time keeps the leaves at least half full: every
 * leaf but the last holds at least 9 entries (half of a wide leaf's 19,
 * docs/tree.md) after every erasure, so leaves <= count / 9 + 1 too.
 * 5,000 one-page entries with one-page holes, erased in random order down
 * to 300; every erasure removes exactly one entry, the commonest write:
 * half of them exactly (erase_fast() when it can), half with the hole
 * after it (the one-walk path, leaf_replace()).
 */
TEST(tree_erase_keeps_leaves_full)
{
	const uint64_t base = 0x40000000, pg = 4096, n = 5000;
	uint64_t *order = malloc(n * sizeof(*order)), seed = test_seed() | 1;
	struct mt_tree t;

	ASSERT(order != NULL);
	mt_init(&t);
	for (uint64_t i = 0; i < n; i++) {
		order[i] = i;
		ASSERT_EQ(mt_store(&t, base + 2 * pg * i, base + 2 * pg * i + pg,
				   LV('a' + i % 26)), 0);
	}
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j, x;

		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		j = seed % (i + 1);
		x = order[i], order[i] = order[j], order[j] = x;
	}
	for (uint64_t k = 0; k < n - 300 && !test_failed(); k++) {
		uint64_t a = base + 2 * pg * order[k];

		/* the entry alone, or with the hole after it: another path */
		ASSERT_EQ(mt_erase(&t, a, a + (k & 1 ? 2 : 1) * pg), 0);
		ASSERT_EQ(t.count, n - k - 1);
		ASSERT_GE(leaf_walk(&t, NULL, 0, NULL), 9);
		ASSERT_LE(t.nodes[0], t.count / 9 + 1);
	}
	ASSERT_EQ(mt_validate(&t), 0);
	mt_destroy(&t);
	free(order);
}

/*
 * The VMA layer's commonest sequence: store a range, look it up, store next
 * to it.  A store that splits its leaf, and the full parent with it, moves
 * the leaf under a new parent at another slot when it was in the parent's
 * right half, while the route cache still holds the slots of the descent
 * before the split.  The look-up (mt_load(), which keeps no route) makes
 * that leaf the finger again, so the next store finds its leaf at the
 * finger and must not take the stale path from the cache: t->shape says
 * the tree changed shape.  (A stale path aborts debug builds, which check
 * the leaf's slot in its parent, and puts gaps in the wrong slots.)
 *
 * Built in address order, every leaf is full and every inner node but the
 * last holds 40 of its 41 children, so a split of one leaf fills the
 * parent and a split of the next splits the parent too.  Each leaf but
 * the first two in turn, on a new tree: X goes one page after the third
 * entry of the leaf two before it (a split that fills the parent), S one
 * page after the leaf's own third entry E (a split of the leaf and the
 * parent; S stays in the left half, which keeps the leaf), then the
 * look-up of S, then T after S.  The hole after E is the leaf's largest
 * (the entries after E lie 4 pages further up), so T changes the leaf's
 * largest gap and a stale path would leave the parent's copy wrong even
 * where no debug check runs:
 *
 *   before:  [E] . . . . . . .        after:  [E][S][T] . . . . .
 */
TEST(tree_store_load_store)
{
	const uint64_t base = 0x40000000, pg = 4096, n = 2400;
	uint64_t first[200], s, e;
	size_t leaves;
	struct mt_tree t;

	/* Where each leaf begins. */
	mt_init(&t);
	for (uint64_t i = 0; i < n; i++)
		ASSERT_EQ(mt_store(&t, base + 4 * pg * i, base + 4 * pg * i + pg, LV('a')), 0);
	ASSERT_GE(t.height, 3);		/* inner nodes under the root split */
	leaf_walk(&t, first, 200, &leaves);
	mt_destroy(&t);
	leaves = leaves < 200 ? leaves : 200;
	ASSERT_GE(leaves, 82);		/* two full parents at least */

	for (size_t k = 2; k + 1 < leaves && !test_failed(); k++) {
		uint64_t x = first[k - 2] + 2 * 4 * pg + pg, a = first[k] + 2 * 4 * pg + pg;
		uint64_t big = (a - base) / (4 * pg);	/* E's index */
		struct ref r;

		ref_init(&r);
		mt_init(&t);
		for (uint64_t i = 0; i < n; i++) {
			uint64_t at = base + 4 * pg * i + (i > big ? 4 * pg : 0);

			ASSERT_EQ(mt_store(&t, at, at + pg, LV('a' + i % 26)), 0);
			ref_store(&r, at, at + pg, LV('a' + i % 26));
		}
		ASSERT_EQ(mt_store(&t, x, x + pg, LV('X')), 0);
		ref_store(&r, x, x + pg, LV('X'));
		ASSERT_EQ(mt_store(&t, a, a + pg, LV('S')), 0);
		ref_store(&r, a, a + pg, LV('S'));
		ASSERT(mt_load(&t, a, &s, &e) == LV('S'));
		ASSERT_EQ(s, a);
		ASSERT_EQ(mt_store(&t, a + pg, a + 2 * pg, LV('T')), 0);
		ref_store(&r, a + pg, a + 2 * pg, LV('T'));
		CHECK(check_tree(&t, &r));
		mt_destroy(&t);
		ref_free(&r);
	}
}

/*
 * Every write uses up one of the writes mt_preallocate() planned, whatever
 * path it takes inside the tree: a store into a hole between two entries,
 * the erase of one whole entry, a store over part of an entry, an erase of
 * part of one, and a store past the last entry.
 */
TEST(tree_prealloc_counts_every_write)
{
	const uint64_t base = 0x40000000, pg = 4096;
	struct mt_tree t;
	uint32_t planned;

	mt_init(&t);
	for (uint64_t i = 0; i < 100; i++)
		ASSERT_EQ(mt_store(&t, base + 2 * pg * i, base + 2 * pg * i + pg,
				   LV('a')), 0);
	ASSERT_EQ(mt_preallocate(&t, 8), 0);
	planned = t.planned;
	ASSERT_GE(planned, 8);
	ASSERT_EQ(mt_store(&t, base + 2 * pg * 50 + pg, base + 2 * pg * 51, LV('b')), 0);
	ASSERT_EQ(t.planned, planned - 1);
	ASSERT_EQ(mt_erase(&t, base + 2 * pg * 50 + pg, base + 2 * pg * 51), 0);
	ASSERT_EQ(t.planned, planned - 2);
	ASSERT_EQ(mt_store(&t, base + 2 * pg * 60, base + 2 * pg * 60 + 100, LV('c')), 0);
	ASSERT_EQ(t.planned, planned - 3);
	ASSERT_EQ(mt_erase(&t, base + 2 * pg * 60, base + 2 * pg * 60 + 100), 0);
	ASSERT_EQ(t.planned, planned - 4);
	ASSERT_EQ(mt_store(&t, base + 2 * pg * 200, base + 2 * pg * 201, LV('d')), 0);
	ASSERT_EQ(t.planned, planned - 5);
	ASSERT_EQ(t.count, 101);
	ASSERT_EQ(mt_validate(&t), 0);
	mt_settle(&t);
	mt_destroy(&t);
}
