/* SPDX-License-Identifier: MIT */
/*
 * tree.c - the range tree: a B+tree of [start, end) ranges with gap tracking.
 *
 * Shape.  Entries live in 512-byte leaves, sorted by address; leaves are
 * linked in address order.  An inner node (17 lines) holds up to MT_ICAP
 * children; key[j] (j >= 1) separates child j-1 from child j: every entry
 * below child j-1 ends at or before key[j], every entry below child j starts
 * at or after it.
 *
 * Leaf formats.  A "narrow" leaf stores each entry as two 32-bit offsets
 * from the leaf's base address plus the value (16 bytes); a "wide" leaf
 * stores full 64-bit bounds (24 bytes).  A leaf is narrow whenever its
 * entries span less than 4 GiB, which is nearly always: that is what keeps
 * the tree near 20 bytes per entry.  Every write that does not fit a leaf's
 * format rewrites the leaf (leaf_write() picks the format).
 *
 * Gaps.  The gap of an entry is the free space just before it: from the end
 * of the previous entry (or 0) to its start.  gap[j] of an inner node is the
 * largest entry gap anywhere below child j.  The gap after the last entry is
 * not stored; searches look at it separately.  The first gap of a leaf
 * depends on the previous leaf's last entry, so a change to the tail of a
 * leaf also refreshes the next leaf.
 *
 * Memory.  Writes draw nodes from a per-tree reserve that is filled before
 * anything changes, so every write is all-or-nothing.
 *
 * Depends only on the allocator (src/shim/alloc.h).  Notes: docs/design.md.
 */
#include "tree/tree.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim/alloc.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
/* AVX-512 searches need GCC 8 / clang 8 intrinsics with target attributes. */
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__)) && \
	!defined(UVMA_NO_AVX512)
#define MT_HAVE_AVX512 1
#include <immintrin.h>
#else
#define MT_HAVE_AVX512 0
#endif

#define MT_LEAF_SIZE 512
#define MT_INNER_SIZE 1088	/* 17 lines */
#define MT_LHDR 40
#define MT_NSLOT 32				/* narrow start slots (SIMD width) */
#define MT_NCAP ((MT_LEAF_SIZE - MT_LHDR - 4 * MT_NSLOT) / 12)	/* narrow entries: 28 */
#define MT_WCAP ((MT_LEAF_SIZE - MT_LHDR) / 24)	/* wide entries: 19 */
#define MT_ICAP 41			/* children: 40 separators, 5 blocks of 8 */
#define MT_LMIN (MT_WCAP / 2)
#define MT_IMIN (MT_ICAP / 3)
#define MT_MAXH 48

#define LEAF 0
#define INNER 1

#ifndef EUCLEAN
#define EUCLEAN 117
#endif

struct ent { uint64_t s, e; void *v; };

struct mt_node {
	struct mt_node *parent;
	uint16_t count;			/* entries (leaf) or children (inner) */
	uint8_t leaf;
	uint8_t wide;			/* leaves: 64-bit entry format */
	uint32_t pad;
};

struct mt_leaf {
	struct mt_node h;
	struct mt_leaf *prev, *next;
	uint64_t base;			/* narrow: offsets are from here */
	/*
	 * Starts, ends and values in separate arrays, so a search reads only
	 * the starts (two cache lines when narrow).  Start slots past count
	 * hold the largest value, so a search may count over all of them.
	 */
	union {
		struct {
			uint32_t s[MT_NSLOT];
			uint32_t e[MT_NCAP];
			void *v[MT_NCAP];
		} n;
		struct {
			uint64_t s[MT_WCAP];
			uint64_t e[MT_WCAP];
			void *v[MT_WCAP];
		} w;
	} e;
};

struct mt_inner {
	struct mt_node h;
	/*
	 * Inner nodes start on a cache line (uvma__malloc_lines()), and this
	 * puts key[1] at the start of the next: each block of eight keys a
	 * search compares is one line, not two halves.  (Measured with random
	 * loads at 10^5 entries, AVX-512: 32-33 -> 30 ns.)
	 */
	uint64_t spare[5];
	/* key[0] is unused; UINT64_MAX from count on, and always in the
	 * extra key[MT_ICAP], which a descent reads past the last child. */
	uint64_t key[MT_ICAP + 1];
	struct mt_node *child[MT_ICAP];
	uint64_t gap[MT_ICAP];		/* largest entry gap below child[j] */
};

_Static_assert(sizeof(struct mt_leaf) <= MT_LEAF_SIZE, "leaf too large");
_Static_assert(sizeof(struct mt_inner) <= MT_INNER_SIZE, "inner node too large");
_Static_assert(offsetof(struct mt_inner, key[1]) % 64 == 0 && MT_INNER_SIZE % 64 == 0,
	       "an inner node's key blocks are cache lines");

#define LF(n) ((struct mt_leaf *)(n))
#define IN(n) ((struct mt_inner *)(n))

/* inner_pad() - the unused keys of @n hold UINT64_MAX (see inner_slot()). */
static void inner_pad(struct mt_inner *n)
{
	for (int j = n->h.count; j <= MT_ICAP; j++)
		n->key[j] = UINT64_MAX;
}

/* An inner node's size rounded up to whole lines (uvma__malloc_lines()). */
static const size_t node_size[2] = {
	sizeof(struct mt_leaf), (sizeof(struct mt_inner) + 63) & ~(size_t)63
};

/*
 * The path of a descent: node[0] is the root, slot[l] the child taken.  A
 * path taken from the cache (path_cached()) is filled lazily: only levels
 * top .. depth - 1 at first (the leaf's parent), the rest by path_fill()
 * from the parent links and @route when a write needs them.
 */
struct path {
	int depth;
	int top;
	const uint8_t *route;
	struct mt_inner *node[MT_MAXH];
	int slot[MT_MAXH];
};

/* ------------------------------------------------------------------ */
/* Entries of a leaf, in either format                                 */

static inline uint64_t es(const struct mt_leaf *l, int i)
{
	return l->h.wide ? l->e.w.s[i] : l->base + l->e.n.s[i];
}

static inline uint64_t ee(const struct mt_leaf *l, int i)
{
	return l->h.wide ? l->e.w.e[i] : l->base + l->e.n.e[i];
}

static inline void *ev(const struct mt_leaf *l, int i)
{
	return l->h.wide ? l->e.w.v[i] : l->e.n.v[i];
}

static inline int lcap(const struct mt_leaf *l)
{
	return l->h.wide ? MT_WCAP : MT_NCAP;
}

/*
 * The copy of the searches that runs: AVX-512 when the processor (and the
 * kernel, which must save the registers) has it, unless mt_simd(0) said
 * otherwise.  Set before main() runs; a plain int, read on every search
 * and by leaf_shift().
 */
static int mt_avx512;

#if MT_HAVE_AVX512
/*
 * A narrow leaf's arrays as they lie in memory: the starts fill two 64-byte
 * registers exactly, the ends' second register reaches 16 bytes into the
 * values (e[28..31] lie on v[0..1]), the values take three registers and
 * half of a fourth, which must not be read past the leaf's end.
 */
_Static_assert(MT_NSLOT == 32 && MT_NCAP == 28, "shift_narrow() counts lanes");
_Static_assert(offsetof(struct mt_leaf, e.n.e) == offsetof(struct mt_leaf, e.n.s) + 128 &&
	       offsetof(struct mt_leaf, e.n.v) == offsetof(struct mt_leaf, e.n.e) + 112 &&
	       offsetof(struct mt_leaf, e.n.v) + 28 * sizeof(void *) <= MT_LEAF_SIZE,
	       "shift_narrow() knows the narrow layout");

/*
 * shift_narrow() - leaf_shift() of a narrow leaf in AVX-512 registers: each
 * array is read whole, moved one lane across its registers (valign), blended
 * with what it held outside the moving slots and written back whole; no
 * loop and no call.  Opening slot from (+1) moves lanes [from, 31] up; the
 * top start lane takes the sentinel below it.  Closing slot from - 1 (-1)
 * moves lanes [from, 31] down and an all-ones lane in at the top: the new
 * sentinel.  The ends' lanes 28-31 are v[0..1]: the values' first
 * register, read before any store and written after the ends, puts them
 * back.  Lanes at and past the new count are unused slots: what lands there
 * does not matter.
 */
__attribute__((target("avx512f,avx512bw"))) static void
shift_narrow(struct mt_leaf *l, int from, int by)
{
	uint32_t *s = l->e.n.s, *e = l->e.n.e;
	long long *v = (long long *)(void *)l->e.n.v;
	/* one bit a lane, set from the lowest lane that changes */
	uint32_t m = 0xffffffffu << (by > 0 ? from + 1 : from - 1);
	__m512i ones = _mm512_set1_epi32(-1);
	__m512i s0 = _mm512_loadu_si512(s), s1 = _mm512_loadu_si512(s + 16);
	__m512i e0 = _mm512_loadu_si512(e), e1 = _mm512_loadu_si512(e + 16);
	__m512i v0 = _mm512_loadu_si512(v), v1 = _mm512_loadu_si512(v + 8);
	__m512i v2 = _mm512_loadu_si512(v + 16);
	__m512i v3 = _mm512_maskz_loadu_epi64(0x0f, v + 24);
	__m512i ns0, ns1, ne0, ne1, nv0, nv1, nv2, nv3;

	if (by > 0) {
		ns0 = _mm512_alignr_epi32(s0, ones, 15);
		ns1 = _mm512_alignr_epi32(s1, s0, 15);
		ne0 = _mm512_alignr_epi32(e0, ones, 15);
		ne1 = _mm512_alignr_epi32(e1, e0, 15);
		nv0 = _mm512_alignr_epi64(v0, ones, 7);
		nv1 = _mm512_alignr_epi64(v1, v0, 7);
		nv2 = _mm512_alignr_epi64(v2, v1, 7);
		nv3 = _mm512_alignr_epi64(v3, v2, 7);
	} else {
		ns0 = _mm512_alignr_epi32(s1, s0, 1);
		ns1 = _mm512_alignr_epi32(ones, s1, 1);
		ne0 = _mm512_alignr_epi32(e1, e0, 1);
		ne1 = _mm512_alignr_epi32(ones, e1, 1);
		nv0 = _mm512_alignr_epi64(v1, v0, 1);
		nv1 = _mm512_alignr_epi64(v2, v1, 1);
		nv2 = _mm512_alignr_epi64(v3, v2, 1);
		nv3 = _mm512_alignr_epi64(ones, v3, 1);
	}
	_mm512_storeu_si512(s, _mm512_mask_blend_epi32((__mmask16)m, s0, ns0));
	_mm512_storeu_si512(s + 16, _mm512_mask_blend_epi32((__mmask16)(m >> 16), s1, ns1));
	_mm512_storeu_si512(e, _mm512_mask_blend_epi32((__mmask16)m, e0, ne0));
	_mm512_storeu_si512(e + 16, _mm512_mask_blend_epi32((__mmask16)(m >> 16), e1, ne1));
	_mm512_storeu_si512(v, _mm512_mask_blend_epi64((__mmask8)m, v0, nv0));
	_mm512_storeu_si512(v + 8, _mm512_mask_blend_epi64((__mmask8)(m >> 8), v1, nv1));
	_mm512_storeu_si512(v + 16, _mm512_mask_blend_epi64((__mmask8)(m >> 16), v2, nv2));
	_mm512_mask_storeu_epi64(v + 24, (__mmask8)((m >> 24) & 0x0f), nv3);
	l->h.count = (uint16_t)(l->h.count + by);
}
#endif

/* leaf_shift_loops() - leaf_shift() with element loops. */
static void leaf_shift_loops(struct mt_leaf *l, int from, int by)
{
	int c = l->h.count;

	/*
	 * Element loops, whatever gcc makes of them: in bench_tree, stores in
	 * address order ran 2-3 ns slower through leaf_move()'s memmove()s.
	 */
	if (l->h.wide) {
		struct { uint64_t *s, *e; void **v; } w = { l->e.w.s, l->e.w.e, l->e.w.v };

		if (by > 0) {
			for (int i = c; i > from; i--) {
				w.s[i] = w.s[i - 1];
				w.e[i] = w.e[i - 1];
				w.v[i] = w.v[i - 1];
			}
		} else {
			for (int i = from; i < c; i++) {
				w.s[i - 1] = w.s[i];
				w.e[i - 1] = w.e[i];
				w.v[i - 1] = w.v[i];
			}
			w.s[c - 1] = UINT64_MAX;
		}
	} else {
		struct { uint32_t *s, *e; void **v; } w = { l->e.n.s, l->e.n.e, l->e.n.v };

		if (by > 0) {
			for (int i = c; i > from; i--) {
				w.s[i] = w.s[i - 1];
				w.e[i] = w.e[i - 1];
				w.v[i] = w.v[i - 1];
			}
		} else {
			for (int i = from; i < c; i++) {
				w.s[i - 1] = w.s[i];
				w.e[i - 1] = w.e[i];
				w.v[i - 1] = w.v[i];
			}
			w.s[c - 1] = UINT32_MAX;
		}
	}
	l->h.count = (uint16_t)(c + by);
}

/*
 * leaf_shift() - move entries [from, count) of @l by @by slots (+1: open a
 * hole at from; -1: close the hole at from - 1), keeping the start sentinels.
 */
static inline void leaf_shift(struct mt_leaf *l, int from, int by)
{
#if MT_HAVE_AVX512
	if (mt_avx512 && !l->h.wide) {
		shift_narrow(l, from, by);
		return;
	}
#endif
	leaf_shift_loops(l, from, by);
}

/* fits() - whether [s, e) can be written into leaf @l's current format. */
static inline int fits(const struct mt_leaf *l, uint64_t s, uint64_t e)
{
	return l->h.wide || (s >= l->base && e - l->base <= UINT32_MAX);
}

static inline void eput(struct mt_leaf *l, int i, uint64_t s, uint64_t e, void *v)
{
	if (l->h.wide) {
		l->e.w.s[i] = s;
		l->e.w.e[i] = e;
		l->e.w.v[i] = v;
	} else {
		l->e.n.s[i] = (uint32_t)(s - l->base);
		l->e.n.e[i] = (uint32_t)(e - l->base);
		l->e.n.v[i] = v;
	}
}

/* Shrinking an entry always fits: its bounds stay inside the old ones. */
static inline void eset_end(struct mt_leaf *l, int i, uint64_t e)
{
	if (l->h.wide)
		l->e.w.e[i] = e;
	else
		l->e.n.e[i] = (uint32_t)(e - l->base);
}

static inline void eset_start(struct mt_leaf *l, int i, uint64_t s)
{
	if (l->h.wide)
		l->e.w.s[i] = s;
	else
		l->e.n.s[i] = (uint32_t)(s - l->base);
}

static int leaf_gather(const struct mt_leaf *l, struct ent *o)
{
	for (int i = 0; i < l->h.count; i++) {
		o[i].s = es(l, i);
		o[i].e = ee(l, i);
		o[i].v = ev(l, i);
	}
	return l->h.count;
}

static inline int ents_narrow(const struct ent *a, int n)
{
	return n <= MT_NCAP && a[n - 1].e - a[0].s <= UINT32_MAX;
}

/* ents_fit_one() - whether @n sorted entries fit one leaf in some format. */
static inline int ents_fit_one(const struct ent *a, int n)
{
	return n <= MT_WCAP || ents_narrow(a, n);
}

/*
 * leaf_write() - make @a[0..n) the contents of leaf @l, narrow when they
 * span less than 4 GiB (with the spare room split evenly below and above,
 * so later neighbours on either side still fit), else wide.
 * Caller must: pass 1 <= n and ents_fit_one(a, n).
 */
static void leaf_write(struct mt_leaf *l, const struct ent *a, int n)
{
	if (ents_narrow(a, n)) {
		uint64_t room = (UINT32_MAX - (a[n - 1].e - a[0].s)) / 2;

		l->h.wide = 0;
		l->base = a[0].s >= room ? a[0].s - room : 0;
	} else {
		l->h.wide = 1;
		l->base = 0;
	}
	for (int i = 0; i < n; i++)
		eput(l, i, a[i].s, a[i].e, a[i].v);
	if (l->h.wide)
		for (int i = n; i < MT_WCAP; i++)
			l->e.w.s[i] = UINT64_MAX;
	else
		for (int i = n; i < MT_NSLOT; i++)
			l->e.n.s[i] = UINT32_MAX;
	l->h.count = (uint16_t)n;
}

/* ------------------------------------------------------------------ */
/* Nodes and the reserve                                               */

void mt_init(struct mt_tree *t)
{
	memset(t, 0, sizeof(*t));
}

/*
 * need_inner() - inner nodes @k insertions can take.
 *
 * One insertion splits at most one leaf, and the split climbs through full
 * inner nodes: at most one new sibling per inner level (height - 1 of
 * them), plus a new root when the root itself splits.  Every node a split
 * leaves behind has room (split_inner() never leaves a full half), and a
 * new root starts with two children, so among fewer than MT_ICAP - 2
 * insertions the root splits at most once: k * (height - 1) + 1 nodes.
 * Longer batches use the plain bound (each insertion may split every level
 * and grow a new root, making the tree taller each time).
 */
static inline uint32_t need_inner(const struct mt_tree *t, uint32_t k)
{
	uint64_t need;

	if (k < MT_ICAP - 2)
		return k * (t->height > 1 ? t->height - 1 : 0) + 1;
	need = (uint64_t)k * t->height + (uint64_t)k * (k - 1) / 2;
	return need > UINT32_MAX ? UINT32_MAX : (uint32_t)need;
}

static int reserve_grow(struct mt_tree *t, int kind, uint32_t need)
{
	while (t->nreserve[kind] < need) {
		struct mt_node *n = kind == INNER ? uvma__malloc_lines(node_size[kind])
						  : uvma__malloc(node_size[kind]);

		if (!n)
			return -ENOMEM;
		n->parent = t->reserve[kind];
		t->reserve[kind] = n;
		t->nreserve[kind]++;
	}
	return 0;
}

/*
 * reserve_for() - fill the reserve for @k insertions.  Inline, so that
 * the usual answer (the kept cache already covers it) costs two compares.
 */
static inline int reserve_for(struct mt_tree *t, uint32_t k)
{
	uint32_t ni = need_inner(t, k);

	if (t->nreserve[LEAF] >= k && t->nreserve[INNER] >= ni)
		return 0;
	if (reserve_grow(t, LEAF, k) || reserve_grow(t, INNER, ni))
		return -ENOMEM;
	return 0;
}

/* node_get() - a node from the reserve; the caller filled it beforehand. */
static struct mt_node *node_get(struct mt_tree *t, int kind)
{
	struct mt_node *n = t->reserve[kind];

	t->reserve[kind] = n->parent;
	t->nreserve[kind]--;
	t->nodes[kind]++;
	t->shape++;
	memset(n, 0, kind == LEAF ? MT_LHDR : sizeof(struct mt_node));
	n->leaf = kind == LEAF;
	return n;
}

/* node_put() - a node no longer in the tree goes back to the reserve. */
static void node_put(struct mt_tree *t, struct mt_node *n)
{
	int kind = n->leaf ? LEAF : INNER;

	t->shape++;
	t->nodes[kind]--;
	n->parent = t->reserve[kind];
	t->reserve[kind] = n;
	t->nreserve[kind]++;
}

/* reserve_trim() - keep @keep nodes of @kind in reserve, free the rest. */
static void reserve_trim(struct mt_tree *t, int kind, uint32_t keep)
{
	while (t->nreserve[kind] > keep) {
		struct mt_node *n = t->reserve[kind];

		t->reserve[kind] = n->parent;
		t->nreserve[kind]--;
		uvma__free(n, node_size[kind]);
	}
}

/*
 * Writes a tree keeps nodes in hand for between preallocations: enough for
 * the VMA layer's largest batch (munmap: two splits and an erase), so that
 * in the steady state no write and no preallocation allocates.  It costs
 * MT_KEEP_WRITES * 2 leaves and need_inner() inner nodes per tree (about
 * 22 KiB at height 4).
 */
#define MT_KEEP_WRITES 3

/*
 * reserve_keep() - trim the reserve to the floor or the kept cache.
 * Inline, so that the usual answer (nothing to trim) costs two compares.
 */
static inline void reserve_keep(struct mt_tree *t)
{
	uint32_t li = need_inner(t, 2 * MT_KEEP_WRITES);
	uint32_t kl = t->floor[LEAF] > 2 * MT_KEEP_WRITES ?
		      t->floor[LEAF] : 2 * MT_KEEP_WRITES;
	uint32_t ki = t->floor[INNER] > li ? t->floor[INNER] : li;

	if (t->nreserve[LEAF] > kl)
		reserve_trim(t, LEAF, kl);
	if (t->nreserve[INNER] > ki)
		reserve_trim(t, INNER, ki);
}

/*
 * finger() - the finger, if it answers for @a: a search for @a would reach
 * it.  Writes empty its range while they work (a search inside a write may
 * find a leaf the write then frees) and set it again when done.
 */
static inline struct mt_leaf *finger(const struct mt_tree *t, uint64_t a)
{
	return a - t->hint_lo < t->hint_hi - t->hint_lo ? LF(t->hint) : NULL;
}

/*
 * finger_set() - a search found @l, which answers for every address in
 * [lo, hi): later searches there start at @l.
 */
static inline void finger_set(const struct mt_tree *t, const struct mt_leaf *l,
			      uint64_t lo, uint64_t hi)
{
	struct mt_tree *w = (struct mt_tree *)t;	/* a cache: see tree.h */

	if (!t->writing) {
		w->hint = (struct mt_node *)&l->h;
		w->hint_lo = lo;
		w->hint_hi = hi;
	}
}

/* finger_leaf() - the finger is @l (with entries), for its own entries. */
static inline void finger_leaf(const struct mt_tree *t, const struct mt_leaf *l)
{
	finger_set(t, l, es(l, 0), ee(l, l->h.count - 1));
}

/*
 * finger_range() - the finger answers for [first start, last end) of its
 * leaf: that range lies inside the separators that bound the leaf at every
 * level, so a descent for any address in it reaches this leaf (which is
 * what find_pos() and write_walk() rely on).  No finger: an empty range.
 */
static inline void finger_range(struct mt_tree *t)
{
	const struct mt_leaf *l = LF(t->hint);

	if (!l || !l->h.count) {
		t->hint_lo = t->hint_hi = 0;
		return;
	}
	finger_leaf(t, l);
}

/*
 * rank_keep() - remember that leaf_rank(@l, @a) is @r while the tree stays
 * as it is (see cached_rank()): a search keeps its answer for the write
 * that follows it, a fast store for the erase.
 */
static inline void rank_keep(const struct mt_tree *t, const struct mt_leaf *l,
			     uint64_t a, int r)
{
	struct mt_tree *w = (struct mt_tree *)t;	/* a cache: see tree.h */

	w->kleaf = &l->h;
	w->kaddr = a;
	w->kseq = t->seq;
	w->krank = r;
}

/* write_begin() - a write starts changing the tree: no finger until done. */
static void write_begin(struct mt_tree *t)
{
	t->writing = 1;
	t->hint = NULL;
	t->hint_lo = t->hint_hi = 0;
}

/*
 * write_check() - debug builds check the whole tree once the writes since
 * the last check outnumber the entries (amortised O(1) a write).  A failure
 * here is a bug in this file, not bad input: stop where it happened.
 */
static inline void write_check(struct mt_tree *t)
{
#ifdef UVMA_DEBUG
	if (++t->unchecked > t->count + 16) {
		t->unchecked = 0;
		if (mt_validate(t))
			abort();
	}
#else
	(void)t;
#endif
}

/* write_done() - after a write: keep what the next writes need. */
static inline __attribute__((always_inline)) void write_done(struct mt_tree *t)
{
	t->seq++;
	t->writing = 0;
	finger_range(t);
	write_check(t);
	reserve_keep(t);
}

/*
 * preallocate_grow() - fill the reserve for @ins insertions, or leave it as
 * it was.  Out of line: the usual mt_preallocate() finds it full already.
 */
static __attribute__((noinline)) int preallocate_grow(struct mt_tree *t,
						      uint32_t ins)
{
	uint32_t had[2] = { t->nreserve[LEAF], t->nreserve[INNER] };

	if (reserve_grow(t, LEAF, ins) ||
	    reserve_grow(t, INNER, need_inner(t, ins))) {
		/* All or nothing: the reserve goes back to what it was. */
		reserve_trim(t, LEAF, had[LEAF]);
		reserve_trim(t, INNER, had[INNER]);
		return -ENOMEM;
	}
	return 0;
}

int mt_preallocate(struct mt_tree *t, unsigned int nwrites)
{
	/*
	 * A write is at most two insertions (a store that splits an entry).
	 * Never reserve less than the kept cache: once a tree has made one
	 * write, preallocations for small batches find everything in hand.
	 */
	uint64_t ins = 2ull * (nwrites > MT_KEEP_WRITES ? nwrites : MT_KEEP_WRITES);

	if (ins > 1u << 20)
		return -ENOMEM;
	if ((t->nreserve[LEAF] < ins ||
	     t->nreserve[INNER] < need_inner(t, (uint32_t)ins)) &&
	    preallocate_grow(t, (uint32_t)ins))
		return -ENOMEM;
	t->floor[LEAF] = t->nreserve[LEAF];
	t->floor[INNER] = t->nreserve[INNER];
	t->planned = (uint32_t)(ins / 2);
	return 0;
}

/*
 * write_reserve() - make sure the reserve covers this write: a write
 * planned by mt_preallocate() is covered by the batch's reserve (whose
 * bound is for the batch as a whole, so it is not asked again); any other
 * write fills the reserve for @k insertions itself.
 */
static int write_reserve(struct mt_tree *t, uint32_t k)
{
	if (t->planned) {
		t->planned--;
		return 0;
	}
	return reserve_for(t, k);
}

void mt_settle(struct mt_tree *t)
{
	t->floor[LEAF] = t->floor[INNER] = 0;
	t->planned = 0;
	reserve_keep(t);
}

void mt_release(struct mt_tree *t)
{
	t->floor[LEAF] = t->floor[INNER] = 0;
	t->planned = 0;
	reserve_trim(t, LEAF, 0);
	reserve_trim(t, INNER, 0);
}

static void destroy_node(struct mt_tree *t, struct mt_node *n)
{
	int kind = n->leaf ? LEAF : INNER;

	if (kind == INNER)
		for (int j = 0; j < n->count; j++)
			destroy_node(t, IN(n)->child[j]);
	t->nodes[kind]--;
	uvma__free(n, node_size[kind]);
}

void mt_destroy(struct mt_tree *t)
{
	if (t->root)
		destroy_node(t, t->root);
	mt_release(t);
	mt_init(t);
}

size_t mt_bytes(const struct mt_tree *t)
{
	return (size_t)(t->nodes[LEAF] + t->nreserve[LEAF]) * node_size[LEAF] +
	       (size_t)(t->nodes[INNER] + t->nreserve[INNER]) * node_size[INNER];
}

/* ------------------------------------------------------------------ */
/* Searching                                                           */

static inline void *leaf_out(const struct mt_leaf *l, int i, uint64_t *start,
			     uint64_t *end)
{
	if (start)
		*start = es(l, i);
	if (end)
		*end = ee(l, i);
	return ev(l, i);
}

/*
 * The searches (search.h), compiled once portably and, on x86-64, once more
 * for AVX-512; mt_simd() says which copy runs.
 */
#define MT_V(name) name##_base
#define MT_AVX512 0
#include "tree/search.h"
#undef MT_V
#undef MT_AVX512

#if MT_HAVE_AVX512
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,popcnt"))), \
			     apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,popcnt")
#endif
#define MT_V(name) name##_avx512
#define MT_AVX512 1
#include "tree/search.h"
#undef MT_V
#undef MT_AVX512
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

#if MT_HAVE_AVX512
static bool avx512_usable(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("popcnt");
}

__attribute__((constructor)) static void simd_init(void)
{
	mt_avx512 = avx512_usable();
}

#define SIMD_CALL(f, ...) \
	(mt_avx512 ? f##_avx512(__VA_ARGS__) : f##_base(__VA_ARGS__))
#else
static bool avx512_usable(void)
{
	return false;
}

#define SIMD_CALL(f, ...) f##_base(__VA_ARGS__)
#endif

int mt_simd(int on)
{
	if (on >= 0)
		mt_avx512 = on && avx512_usable();
	return mt_avx512;
}

/* The searches other code here uses. */
static inline int inner_slot(const struct mt_inner *n, uint64_t a)
{
	return inner_slot_base(n, a);
}

static inline int leaf_rank(const struct mt_leaf *l, uint64_t a)
{
	return SIMD_CALL(rank, l, a);
}

static struct mt_leaf *walk(const struct mt_tree *t, uint64_t a, struct path *p)
{
	return SIMD_CALL(walk, t, a, p);
}

static int find_pos(const struct mt_tree *t, uint64_t a, struct mt_leaf **leaf,
		    int *slot)
{
	return SIMD_CALL(find_pos, t, a, leaf, slot);
}

static int find_prev_pos(const struct mt_tree *t, uint64_t a,
			 struct mt_leaf **leaf, int *slot)
{
	return SIMD_CALL(find_prev_pos, t, a, leaf, slot);
}

/*
 * path_cached() - the path to leaf @l from the last descent, if that
 * descent reached @l and no node's children changed since: the slots are
 * route[], the nodes @l's ancestors.  A descent for any address @l holds
 * (finger()) would take exactly this path.  Only the leaf's parent is
 * filled in here (what the fast writes need); path_fill() does the rest.
 */
static inline int path_cached(const struct mt_tree *t, const struct mt_leaf *l,
			      struct path *p)
{
	int d = (int)t->height - 1;	/* every leaf is this deep */

	if (&l->h != t->rleaf || t->rshape != t->shape || d == 0)
		return 0;
	p->depth = d;
	p->top = d - 1;
	p->route = t->route;
	p->node[d - 1] = IN(l->h.parent);
	p->slot[d - 1] = t->route[d - 1];
#ifdef UVMA_DEBUG
	if (p->node[d - 1]->child[p->slot[d - 1]] != &l->h)
		abort();	/* a shape change that did not count */
#endif
	return 1;
}

/* path_fill() - the levels of @p above top, for a write that needs them. */
static void path_fill(struct path *p)
{
	for (int d = p->top; d > 0; d--) {
		p->node[d - 1] = IN(p->node[d]->h.parent);
		p->slot[d - 1] = p->route[d - 1];
#ifdef UVMA_DEBUG
		if (p->node[d - 1]->child[p->slot[d - 1]] != &p->node[d]->h)
			abort();	/* a shape change that did not count */
#endif
	}
	p->top = 0;
}

static int slot_in_parent(const struct mt_node *n)
{
	const struct mt_inner *p = IN(n->parent);
	int j;

	if (n->leaf && n->count) {
		j = inner_slot(p, es(LF(n), 0));
		if (p->child[j] == n)
			return j;
	}
	for (j = 0; p->child[j] != n; j++)
		;
	return j;
}

/*
 * write_descend() - walk() for a write that cannot take its path from the
 * cache.  The write ends by comparing the leaf's gaps with its parent's
 * cached one, a line the descent did not read: ask for it now, so that
 * miss overlaps the leaf's.
 */
static __attribute__((noinline)) struct mt_leaf *
write_descend(struct mt_tree *t, uint64_t a, struct path *p)
{
	struct mt_leaf *l = walk(t, a, p);

	if (l)
		__builtin_prefetch(&p->node[p->depth - 1]->gap[p->slot[p->depth - 1]]);
	return l;
}

/*
 * write_walk() - the leaf for @a and the path to it, for a write: from
 * the cache when the finger @f (taken before the write began) holds @a.
 * Inline: a write at the finger (the erase after a look-up) makes no call.
 */
static inline struct mt_leaf *write_walk(struct mt_tree *t, struct mt_leaf *f,
					 uint64_t a, struct path *p)
{
	if (t->height == 1) {
		p->depth = p->top = 0;	/* the root is the leaf: no path */
		return LF(t->root);
	}
	if (f && path_cached(t, f, p))
		return f;
	return write_descend(t, a, p);
}

void *mt_load(const struct mt_tree *t, uint64_t addr, uint64_t *start,
	      uint64_t *end)
{
	return SIMD_CALL(load, t, addr, start, end);
}

void *mt_find(const struct mt_tree *t, uint64_t addr, uint64_t *start,
	      uint64_t *end)
{
	struct mt_leaf *l;
	int i;

	if (!find_pos(t, addr, &l, &i))
		return NULL;
	return leaf_out(l, i, start, end);
}

void *mt_find_prev(const struct mt_tree *t, uint64_t addr, uint64_t *start,
		   uint64_t *end)
{
	struct mt_leaf *l;
	int i;

	if (!find_prev_pos(t, addr, &l, &i))
		return NULL;
	return leaf_out(l, i, start, end);
}

void *mt_find_around(const struct mt_tree *t, uint64_t addr, void **prev)
{
	struct mt_leaf *l;
	int i;

	if (!find_pos(t, addr, &l, &i)) {
		*prev = mt_last(t, NULL, NULL);
		return NULL;
	}
	if (i > 0)
		*prev = ev(l, i - 1);
	else
		*prev = l->prev ? ev(l->prev, l->prev->h.count - 1) : NULL;
	return ev(l, i);
}

static struct mt_leaf *edge_leaf(const struct mt_tree *t, int last)
{
	struct mt_node *n = t->root;

	if (!n)
		return NULL;
	while (!n->leaf)
		n = IN(n)->child[last ? n->count - 1 : 0];
	return LF(n);
}

void *mt_first(const struct mt_tree *t, uint64_t *start, uint64_t *end)
{
	struct mt_leaf *l = edge_leaf(t, 0);

	return l ? leaf_out(l, 0, start, end) : NULL;
}

void *mt_last(const struct mt_tree *t, uint64_t *start, uint64_t *end)
{
	struct mt_leaf *l = edge_leaf(t, 1);

	return l ? leaf_out(l, l->h.count - 1, start, end) : NULL;
}

/* ------------------------------------------------------------------ */
/* Gap bookkeeping                                                     */

static inline uint64_t leaf_prev_end(const struct mt_leaf *l)
{
	const struct mt_leaf *p = l->prev;

	return p ? ee(p, p->h.count - 1) : 0;
}

static uint64_t leaf_gap(const struct mt_leaf *l)
{
	uint64_t pe = leaf_prev_end(l), g;
	int n = l->h.count;

	if (n == 0)
		return 0;
	g = es(l, 0) - pe;
	if (l->h.wide) {
		for (int i = 1; i < n; i++) {
			uint64_t d = l->e.w.s[i] - l->e.w.e[i - 1];

			g = d > g ? d : g;
		}
	} else {
		uint32_t m = 0;

		for (int i = 1; i < n; i++) {
			uint32_t d = l->e.n.s[i] - l->e.n.e[i - 1];

			m = d > m ? d : m;
		}
		g = m > g ? m : g;
	}
	return g;
}

#define MAX64(a, b) ((a) > (b) ? (a) : (b))

/*
 * inner_gap() - the largest gap below @n.  Four running maxima instead of
 * one: a single chain would make every compare wait for the one before.
 */
static uint64_t inner_gap(const struct mt_inner *n)
{
	const uint64_t *g = n->gap;
	uint64_t g0 = 0, g1 = 0, g2 = 0, g3 = 0;
	int j = 0, c = n->h.count;

	for (; j + 4 <= c; j += 4) {
		g0 = MAX64(g0, g[j]);
		g1 = MAX64(g1, g[j + 1]);
		g2 = MAX64(g2, g[j + 2]);
		g3 = MAX64(g3, g[j + 3]);
	}
	for (; j < c; j++)
		g0 = MAX64(g0, g[j]);
	g0 = MAX64(g0, g1);
	g2 = MAX64(g2, g3);
	return MAX64(g0, g2);
}

static inline uint64_t node_gap(const struct mt_node *n)
{
	return n->leaf ? leaf_gap(LF(n)) : inner_gap(IN(n));
}

/*
 * gap_climb() - node @n, at slot @j of its parent, now has largest gap @g:
 * carry it up through the parents until a level already holds it.
 */
static void gap_climb(struct mt_node *n, int j, uint64_t g)
{
	while (n->parent) {
		struct mt_inner *p = IN(n->parent);

		if (p->gap[j] == g)
			return;
		p->gap[j] = g;
		g = inner_gap(p);
		n = &p->h;
		if (n->parent)
			j = slot_in_parent(n);
	}
}

/*
 * gap_update() - recompute the largest gap of @n and carry it upwards until
 * a level already holds the new value.
 * Caller must: have every gap slot below @n correct.
 */
static void gap_update(struct mt_node *n)
{
	if (n && n->parent)
		gap_climb(n, slot_in_parent(n), node_gap(n));
}

/*
 * path_fix() - the node below path level @lvl - 1 now has largest gap @g:
 * store it and carry it up the recorded path, rescanning a parent only when
 * its largest gap may have shrunk.
 */
static void path_fix(struct path *p, int lvl, uint64_t g)
{
	path_fill(p);
	while (lvl-- > 0) {
		struct mt_inner *n = p->node[lvl];
		uint64_t old = n->gap[p->slot[lvl]], pmax;

		if (old == g)
			return;
		n->gap[p->slot[lvl]] = g;
		if (lvl == 0)
			return;		/* the root's own maximum is not cached */
		pmax = p->node[lvl - 1]->gap[p->slot[lvl - 1]];
		if (g > old)
			g = g > pmax ? g : pmax;
		else if (old < pmax)
			return;		/* the parent's maximum came from elsewhere */
		else
			g = inner_gap(n);
	}
}

/*
 * leaf_gap_upto() - leaf_gap(), except that the search stops at the first
 * gap of at least @g and returns that one: the answer is at least @g
 * exactly when the leaf has such a gap, and otherwise it is the largest.
 * The gaps between the leaf's own entries come first: the gap before its
 * first entry needs the previous leaf, which a write has not touched (at
 * random positions, a cache miss of its own).  leaf_gap() keeps loops of
 * its own: as leaf_gap_upto(l, UINT64_MAX) it cost 12 more instructions a
 * store+erase pair (callgrind), for the early exit it never takes.
 */
static uint64_t leaf_gap_upto(const struct mt_leaf *l, uint64_t g)
{
	int n = l->h.count;
	uint64_t m = 0, lead;

	if (n == 0)
		return 0;
	if (l->h.wide) {
		for (int i = 1; i < n; i++) {
			uint64_t d = l->e.w.s[i] - l->e.w.e[i - 1];

			if (d >= g)
				return d;
			m = d > m ? d : m;
		}
	} else {
		for (int i = 1; i < n; i++) {
			uint64_t d = l->e.n.s[i] - l->e.n.e[i - 1];

			if (d >= g)
				return d;
			m = d > m ? d : m;
		}
	}
	lead = es(l, 0) - leaf_prev_end(l);
	return lead > m ? lead : m;
}

/* gaps_max() - the largest gap before the entries in slots [i, j] of @l. */
static uint64_t gaps_max(const struct mt_leaf *l, int i, int j)
{
	uint64_t m = 0;

	for (int k = i; k <= j; k++) {
		uint64_t g = es(l, k) - (k ? ee(l, k - 1) : leaf_prev_end(l));

		m = g > m ? g : m;
	}
	return m;
}

/*
 * gap_settles() - whether a leaf whose largest lost gap is @lost and largest
 * new one @gained (0: none) keeps its cached maximum @cached, without
 * reading the leaf: nothing grew past it, and it was not lost, or an equal
 * gap came back.
 */
static inline int gap_settles(uint64_t cached, uint64_t lost, uint64_t gained)
{
	return gained <= cached && (lost < cached || gained == cached);
}

/*
 * gap_refresh() - the gaps of leaf @l changed: the largest gap it lost is
 * @lost and the largest new one @gained (0: none).  Carry the change up,
 * reading the leaf only when its largest gap may be gone (gaps often tie:
 * then the first equal gap found settles it).  @p is the path to @l, or
 * NULL to climb through the parents.
 */
static void gap_refresh(struct path *p, struct mt_leaf *l, uint64_t lost,
			uint64_t gained)
{
	struct mt_inner *par = IN(l->h.parent);
	int j;
	uint64_t cached, g;

	if (!par)
		return;		/* a root leaf: no maximum is cached */
	j = p ? p->slot[p->depth - 1] : slot_in_parent(&l->h);
	cached = par->gap[j];
	if (gap_settles(cached, lost, gained))
		return;
	if (gained > cached)
		g = gained;
	else if ((g = leaf_gap_upto(l, cached)) >= cached)
		return;		/* another gap as large: nothing changes */
	if (p)
		path_fix(p, p->depth, g);
	else
		gap_climb(&l->h, j, g);
}

/*
 * gap_refresh_leaf() - gap_refresh() for a fast write, whose path @p is
 * never NULL: the usual answer (nothing to carry up: the leaf's cached
 * maximum neither grew nor lost its gap) is decided inline, without a call.
 */
static inline void gap_refresh_leaf(struct path *p, struct mt_leaf *l,
				    uint64_t lost, uint64_t gained)
{
	uint64_t cached;

	if (p->depth == 0)
		return;		/* a root leaf: no maximum is cached */
	cached = p->node[p->depth - 1]->gap[p->slot[p->depth - 1]];
	if (!gap_settles(cached, lost, gained))
		gap_refresh(p, l, lost, gained);
}

/*
 * next_refresh() - the last end of leaf @l (path @p, or NULL) moved, so
 * the first gap of the next leaf went from @was to @now.
 */
static void next_refresh(struct path *p, struct mt_leaf *l, uint64_t was,
			 uint64_t now)
{
	struct mt_leaf *nx = l->next;
	uint64_t lost = was > now ? was : 0, gained = now > was ? now : 0;
	struct mt_inner *par;
	int d;

	if (!nx || was == now)
		return;
	if (p && p->depth) {
		d = p->depth - 1;
		par = p->node[d];
		if (p->slot[d] + 1 < par->h.count &&
		    par->child[p->slot[d] + 1] == &nx->h) {
			/* A sibling: its path is @l's, one slot to the right. */
			p->slot[d]++;
			gap_refresh(p, nx, lost, gained);
			p->slot[d]--;
			return;
		}
	}
	gap_refresh(NULL, nx, lost, gained);
}

/* ------------------------------------------------------------------ */
/* Insertion into free space                                           */

static int is_edge(const struct mt_node *n, int right)
{
	for (; n->parent; n = n->parent) {
		const struct mt_inner *p = IN(n->parent);

		if (p->child[right ? p->h.count - 1 : 0] != n)
			return 0;
	}
	return 1;
}

static void insert_child(struct mt_tree *t, struct mt_node *left,
			 struct mt_node *right, uint64_t key);

/*
 * split_inner() - @p is full and must take @right after child @j: share the
 * ICAP + 1 children between @p and a new sibling, then hang the sibling in
 * the grandparent.
 */
static void split_inner(struct mt_tree *t, struct mt_inner *p, int j,
			struct mt_node *right, uint64_t key)
{
	uint64_t keys[MT_ICAP + 1], gaps[MT_ICAP + 1];
	struct mt_node *kids[MT_ICAP + 1];
	struct mt_inner *q;
	int total = MT_ICAP + 1, lc, k, src = 0;

	for (k = 0; k < total; k++) {
		if (k == j + 1) {
			keys[k] = key;
			kids[k] = right;
			gaps[k] = node_gap(right);
			continue;
		}
		keys[k] = p->key[src];
		kids[k] = p->child[src];
		gaps[k] = p->gap[src];
		src++;
	}
	/*
	 * Growing at the right (or left) edge of the tree: keep the old node
	 * full and start the new one with two children, so trees built in
	 * address order stay packed.  Otherwise split in half.
	 */
	if (j + 1 == MT_ICAP && is_edge(&p->h, 1))
		lc = MT_ICAP - 1;
	else if (j + 1 == 1 && is_edge(&p->h, 0))
		lc = 2;
	else
		lc = total / 2;

	q = IN(node_get(t, INNER));
	for (k = 0; k < lc; k++) {
		p->key[k] = keys[k];
		p->child[k] = kids[k];
		p->gap[k] = gaps[k];
		kids[k]->parent = &p->h;
	}
	p->h.count = (uint16_t)lc;
	inner_pad(p);
	for (k = lc; k < total; k++) {
		q->key[k - lc] = keys[k];
		q->child[k - lc] = kids[k];
		q->gap[k - lc] = gaps[k];
		kids[k]->parent = &q->h;
	}
	q->h.count = (uint16_t)(total - lc);
	q->key[0] = 0;
	inner_pad(q);
	insert_child(t, &p->h, &q->h, keys[lc]);
	gap_update(&p->h);
}

/*
 * insert_child() - hang @right just after @left in @left's parent, with
 * separator @key, growing a new root when @left is the root.
 */
static void insert_child(struct mt_tree *t, struct mt_node *left,
			 struct mt_node *right, uint64_t key)
{
	struct mt_inner *p = IN(left->parent);
	size_t c;
	int j;

	t->shape++;
	if (!p) {
		p = IN(node_get(t, INNER));
		p->h.count = 2;
		p->child[0] = left;
		p->child[1] = right;
		p->key[0] = 0;
		p->key[1] = key;
		inner_pad(p);
		p->gap[0] = node_gap(left);
		p->gap[1] = node_gap(right);
		left->parent = right->parent = &p->h;
		t->root = &p->h;
		t->height++;
		return;
	}
	j = slot_in_parent(left);
	if (p->h.count == MT_ICAP) {
		split_inner(t, p, j, right, key);
		return;
	}
	c = (size_t)(p->h.count - j - 1) * 8;
	memmove(&p->key[j + 2], &p->key[j + 1], c);
	memmove(&p->child[j + 2], &p->child[j + 1], c);
	memmove(&p->gap[j + 2], &p->gap[j + 1], c);
	p->key[j + 1] = key;
	p->child[j + 1] = right;
	p->gap[j + 1] = node_gap(right);
	right->parent = &p->h;
	p->h.count++;
	/*
	 * @right may hold a gap larger than any @p held (a new last entry
	 * far above the others, split off alone): the levels above must
	 * learn it here, since the callers' gap_update(right) stops at once
	 * on finding gap[j + 1] already right.
	 */
	if (p->h.parent)
		gap_climb(&p->h, slot_in_parent(&p->h), inner_gap(p));
}

static void link_after(struct mt_leaf *l, struct mt_leaf *r)
{
	r->prev = l;
	r->next = l->next;
	if (l->next)
		l->next->prev = r;
	l->next = r;
}

/*
 * redistribute_at() - write the entries @a[0..n) to adjacent leaves @l (the
 * first @m) and @r (the rest); @r is at slot @jr of their common parent.
 * redistribute() shares them evenly.
 * Returns: 1 if done, 0 if a share does not fit one leaf (nothing changed).
 */
static int redistribute_at(struct mt_leaf *l, struct mt_leaf *r, int jr,
			   const struct ent *a, int n, int m)
{
	if (!ents_fit_one(a, m) || !ents_fit_one(a + m, n - m))
		return 0;
	leaf_write(l, a, m);
	leaf_write(r, a + m, n - m);
	IN(r->h.parent)->key[jr] = a[m].s;
	gap_update(&l->h);
	gap_update(&r->h);
	gap_update(r->next ? &r->next->h : NULL);
	return 1;
}

static int redistribute(struct mt_leaf *l, struct mt_leaf *r, int jr,
			const struct ent *a, int n)
{
	return redistribute_at(l, r, jr, a, n, n / 2);
}

/*
 * insert_slow() - leaf @l cannot take [s, e) at @pos as it is: rewrite it
 * in the other format, or share with a sibling that has room, or split.
 */
static void insert_slow(struct mt_tree *t, struct mt_leaf *l, int pos,
			uint64_t s, uint64_t e, void *v)
{
	struct ent a[2 * MT_NCAP + 2];
	struct mt_leaf *r;
	int n = leaf_gather(l, a), m;
	bool carve;

	memmove(&a[pos + 1], &a[pos], (size_t)(n - pos) * sizeof(a[0]));
	a[pos] = (struct ent){ s, e, v };
	n++;
	if (ents_fit_one(a, n)) {
		leaf_write(l, a, n);
		gap_update(&l->h);
		gap_update(l->next ? &l->next->h : NULL);
		return;
	}
	/*
	 * Carving: the new entry goes just before the last entry of the tree
	 * (a piece mapped at the start of what is left of a reservation).
	 * Split the remainder off alone instead of sharing: the pieces that
	 * follow go to the end of this leaf through append_prev().
	 */
	carve = pos >= n - 2 && !l->next && ents_fit_one(a, n - 1);
	if (l->h.parent && !carve) {
		struct mt_inner *p = IN(l->h.parent);
		int j = slot_in_parent(&l->h);

		/* A sibling with room takes part of the load. */
		if (j > 0 && p->child[j - 1]->count + 1 < lcap(LF(p->child[j - 1]))) {
			struct ent b[2 * MT_NCAP + 2];
			struct mt_leaf *left = LF(p->child[j - 1]);
			int k = leaf_gather(left, b);

			memcpy(&b[k], a, (size_t)n * sizeof(a[0]));
			if (redistribute(left, l, j, b, k + n))
				return;
		}
		if (j + 1 < p->h.count &&
		    p->child[j + 1]->count + 1 < lcap(LF(p->child[j + 1]))) {
			struct mt_leaf *right = LF(p->child[j + 1]);

			leaf_gather(right, &a[n]);
			if (redistribute(l, right, j + 1, a, n + right->h.count))
				return;
		}
	}
	/*
	 * Split.  Growing at the right or left edge of the tree keeps the old
	 * leaf full, so trees built in address order (either way) are packed.
	 */
	if (carve)
		m = n - 1;	/* the last entry moves out alone */
	else if (pos == 0 && !l->prev && ents_fit_one(a + 1, n - 1))
		m = 1;
	else
		m = n / 2;
	r = LF(node_get(t, LEAF));
	leaf_write(l, a, m);
	leaf_write(r, a + m, n - m);
	link_after(l, r);
	insert_child(t, &l->h, &r->h, es(r, 0));
	gap_update(&l->h);
	gap_update(&r->h);
	gap_update(r->next ? &r->next->h : NULL);
}

/*
 * append_prev() - a new first entry [s, e) for leaf @l (full, or the last
 * leaf) goes at the end of its left sibling instead, if that has room: no
 * split.  The separator between them rises to e (still at most l's first
 * start).  With the split rule of insert_slow() that moves a carved last
 * entry out alone, this keeps leaves full when a large entry is carved up
 * from its start (a reservation mapped piece by piece: every new piece
 * lands just before the remainder).  Returns 1 if done, 0 if not possible.
 */
static int can_append_prev(const struct path *p, const struct mt_leaf *l,
			   uint64_t s, uint64_t e)
{
	const struct mt_leaf *pv = l->prev;
	int j;

	if (!p->depth || !pv)
		return 0;
	j = p->slot[p->depth - 1];
	return j > 0 && p->node[p->depth - 1]->child[j - 1] == &pv->h &&
	       pv->h.count < lcap(pv) && fits(pv, s, e);
}

static int append_prev(struct path *p, struct mt_leaf *l, uint64_t s,
		       uint64_t e, void *v)
{
	struct mt_inner *par;
	struct mt_leaf *pv = l->prev;
	int j;

	if (!can_append_prev(p, l, s, e))
		return 0;
	par = p->node[p->depth - 1];
	j = p->slot[p->depth - 1];
	eput(pv, pv->h.count, s, e, v);
	pv->h.count++;
	if (par->key[j] < e)
		par->key[j] = e;
	gap_update(&pv->h);
	gap_update(&l->h);
	return 1;
}

/*
 * insert_at() - add [s, e) -> v at slot @pos of leaf @l, reached by path @p.
 * Caller must: know that nothing overlaps [s, e) and have filled the reserve
 * for one insertion.
 */
static void insert_at(struct mt_tree *t, struct path *p, struct mt_leaf *l,
		      int pos, uint64_t s, uint64_t e, void *v)
{
	int n = l->h.count;
	uint64_t pe, split_gap = 0;

	t->count++;
	/*
	 * A new last entry may end past the separator to its right (one put
	 * before an entry of the leaf ends before that entry, which does not).
	 */
	for (int d = 0; pos == n && d < p->depth; d++) {
		struct mt_inner *in = p->node[d];
		int j = p->slot[d];

		if (j + 1 < in->h.count && in->key[j + 1] < e)
			in->key[j + 1] = e;
	}
	if (pos == 0 && (n == lcap(l) || !fits(l, s, e) || !l->next) &&
	    append_prev(p, l, s, e, v))
		return;
	if (n == lcap(l) || !fits(l, s, e)) {
		insert_slow(t, l, pos, s, e, v);
		return;
	}
	pe = pos ? ee(l, pos - 1) : leaf_prev_end(l);
	if (pos < n)
		split_gap = es(l, pos) - pe;
	leaf_shift(l, pos, 1);
	eput(l, pos, s, e, v);
	if (p->depth == 0) {
		if (pos == n && l->next)
			gap_update(&l->next->h);
		return;
	}
	if (pos < n) {
		/*
		 * The entry lands inside the gap before entry pos: two smaller
		 * gaps replace it, so the leaf's largest gap changes only if
		 * that gap was the largest.
		 */
		gap_refresh(p, l, split_gap, 0);
	} else {
		/* A new last entry: its own gap is new, the next leaf's shrank. */
		gap_refresh(p, l, 0, s - pe);
		if (l->next)
			next_refresh(p, l, es(l->next, 0) - pe, es(l->next, 0) - e);
	}
}

/* insert_free() - add [s, e) -> v where nothing overlaps it. */
static void insert_free(struct mt_tree *t, uint64_t s, uint64_t e, void *v)
{
	struct path p;
	struct mt_leaf *l = walk(t, s, &p);

	if (!l) {
		l = LF(node_get(t, LEAF));
		leaf_write(l, &(struct ent){ s, e, v }, 1);
		t->root = &l->h;
		t->height = 1;
		t->count = 1;
		return;
	}
	insert_at(t, &p, l, leaf_rank(l, s), s, e, v);
}

/* ------------------------------------------------------------------ */
/* Removal                                                             */

static void remove_child(struct mt_tree *t, struct mt_inner *p, int j);

static void unlink_leaf(struct mt_leaf *l)
{
	if (l->prev)
		l->prev->next = l->next;
	if (l->next)
		l->next->prev = l->prev;
}

/* rebalance_leaf() - @l fell below MT_LMIN: merge it or share with a sibling. */
static void rebalance_leaf(struct mt_tree *t, struct mt_leaf *l)
{
	struct mt_inner *p = IN(l->h.parent);
	int j = slot_in_parent(&l->h), n;
	struct mt_leaf *a, *b;		/* the pair, a on the left */
	struct ent e[2 * MT_NCAP];

	if (j > 0) {
		a = LF(p->child[j - 1]);
		b = l;
	} else {
		a = l;
		b = LF(p->child[j + 1]);
		j = 1;
	}
	n = leaf_gather(a, e);
	n += leaf_gather(b, &e[n]);
	/*
	 * The last leaf emptied while its left sibling is more than half
	 * full: take the sibling's last entry instead of folding into it.
	 * Folding would leave a leaf at the end that is full, or whose
	 * format cannot take an entry far above it, so the next entry added
	 * at the end would split it again: a pair of calls that maps and
	 * unmaps past the last entry would split and fold every time.
	 */
	if (b == l && !b->next && b->h.count == 0 && a->h.count > MT_LMIN &&
	    redistribute_at(a, b, j, e, n, n - 1))
		return;
	if (n == 0 || ents_fit_one(e, n)) {
		/* Fold b into a: [a][b] -> [a + b]. */
		if (n)
			leaf_write(a, e, n);
		else
			a->h.count = 0;
		unlink_leaf(b);
		remove_child(t, p, j);
		node_put(t, &b->h);
		gap_update(&a->h);
		gap_update(a->next ? &a->next->h : NULL);
		return;
	}
	/* Share: both leaves end up near half full. */
	if (!redistribute(a, b, j, e, n)) {
		/* Cannot happen: n < MT_LMIN + capacity splits into two halves
		 * of at most MT_WCAP entries each. */
		gap_update(&a->h);
		gap_update(&b->h);
	}
}

/* rebalance_inner() - inner node @n fell below MT_IMIN children. */
static void rebalance_inner(struct mt_tree *t, struct mt_inner *n)
{
	struct mt_inner *p = IN(n->h.parent), *left, *right;
	int j = slot_in_parent(&n->h), k;

	t->shape++;
	left = j > 0 ? IN(p->child[j - 1]) : NULL;
	right = j + 1 < p->h.count ? IN(p->child[j + 1]) : NULL;

	if (left && left->h.count + n->h.count <= MT_ICAP) {
		/* [left][n] -> [left + n]; p's separator becomes n's first key. */
		int base = left->h.count;

		for (k = 0; k < n->h.count; k++) {
			left->key[base + k] = k ? n->key[k] : p->key[j];
			left->child[base + k] = n->child[k];
			left->gap[base + k] = n->gap[k];
			n->child[k]->parent = &left->h;
		}
		left->h.count += n->h.count;
		remove_child(t, p, j);
		node_put(t, &n->h);
		gap_update(&left->h);
	} else if (right && n->h.count + right->h.count <= MT_ICAP) {
		int base = n->h.count;

		for (k = 0; k < right->h.count; k++) {
			n->key[base + k] = k ? right->key[k] : p->key[j + 1];
			n->child[base + k] = right->child[k];
			n->gap[base + k] = right->gap[k];
			right->child[k]->parent = &n->h;
		}
		n->h.count += right->h.count;
		remove_child(t, p, j + 1);
		node_put(t, &right->h);
		gap_update(&n->h);
	} else if (left) {
		/* Move left's last child to the front of n. */
		int m = left->h.count - 1;
		size_t c = (size_t)n->h.count * 8;

		memmove(&n->key[1], &n->key[0], c);
		memmove(&n->child[1], &n->child[0], c);
		memmove(&n->gap[1], &n->gap[0], c);
		n->key[1] = p->key[j];
		n->key[0] = 0;
		n->child[0] = left->child[m];
		n->gap[0] = left->gap[m];
		n->child[0]->parent = &n->h;
		p->key[j] = left->key[m];
		n->h.count++;
		left->h.count--;
		left->key[m] = UINT64_MAX;
		gap_update(&left->h);
		gap_update(&n->h);
	} else {
		/* Move right's first child to the end of n. */
		size_t c = (size_t)(right->h.count - 1) * 8;

		n->key[n->h.count] = p->key[j + 1];
		n->child[n->h.count] = right->child[0];
		n->gap[n->h.count] = right->gap[0];
		right->child[0]->parent = &n->h;
		n->h.count++;
		p->key[j + 1] = right->key[1];
		memmove(&right->key[0], &right->key[1], c);
		memmove(&right->child[0], &right->child[1], c);
		memmove(&right->gap[0], &right->gap[1], c);
		right->h.count--;
		right->key[right->h.count] = UINT64_MAX;
		right->key[0] = 0;
		gap_update(&n->h);
		gap_update(&right->h);
	}
}

/* remove_child() - drop child @j of inner node @p (already emptied). */
static void remove_child(struct mt_tree *t, struct mt_inner *p, int j)
{
	size_t c = (size_t)(p->h.count - j - 1) * 8;

	t->shape++;
	memmove(&p->key[j], &p->key[j + 1], c);
	memmove(&p->child[j], &p->child[j + 1], c);
	memmove(&p->gap[j], &p->gap[j + 1], c);
	p->h.count--;
	p->key[p->h.count] = UINT64_MAX;
	p->key[0] = 0;
	if (!p->h.parent) {
		if (p->h.count == 1) {
			/* The root has one child left: it becomes the root. */
			t->root = p->child[0];
			t->root->parent = NULL;
			t->height--;
			node_put(t, &p->h);
		}
		return;
	}
	if (p->h.count < MT_IMIN)
		rebalance_inner(t, p);
	else
		gap_update(&p->h);
}

/*
 * leaf_delete() - remove entry @i of leaf @l; @p is the path to @l or NULL.
 */
static void leaf_delete(struct mt_tree *t, struct path *p, struct mt_leaf *l, int i)
{
	int n = l->h.count, was_last = i == n - 1;
	uint64_t before = i ? ee(l, i - 1) : leaf_prev_end(l);
	uint64_t own = es(l, i) - before, end = ee(l, i), merged = 0;

	if (!was_last)
		merged = es(l, i + 1) - before;
	leaf_shift(l, i + 1, -1);
	t->count--;
	if (!l->h.parent) {
		if (l->h.count == 0) {
			t->root = NULL;
			t->height = 0;
			node_put(t, &l->h);
		} else if (was_last && l->next) {
			gap_update(&l->next->h);
		}
		return;
	}
	/*
	 * The last leaf of the tree may stay small (only emptied): it is where
	 * a reservation carved from its start keeps its remainder, and sharing
	 * with its full neighbour at every carve would leave both half full.
	 * One small leaf costs nothing in height or memory.
	 */
	if (l->h.count < MT_LMIN && (l->next || l->h.count == 0)) {
		rebalance_leaf(t, l);
		return;
	}
	if (p && !p->depth)
		p = NULL;
	if (!was_last) {
		/* Two gaps became one larger gap: the maximum can only grow. */
		gap_refresh(p, l, 0, merged);
		return;
	}
	/* The last entry's gap is gone; the next leaf's first gap grew. */
	gap_refresh(p, l, own, 0);
	if (l->next)
		next_refresh(p, l, es(l->next, 0) - end, es(l->next, 0) - before);
}

/*
 * erase_range() - make [s, e) free, trimming or splitting what overlaps.
 * Caller must: have filled the reserve for one insertion (a split).
 */
static void erase_range(struct mt_tree *t, uint64_t s, uint64_t e)
{
	struct mt_leaf *l;
	int i;

	while (find_pos(t, s, &l, &i) && es(l, i) < e) {
		uint64_t xs = es(l, i), xe = ee(l, i);

		if (xs < s && xe > e) {
			/* The range lies inside one entry: keep both ends. */
			void *v = ev(l, i);

			eset_end(l, i, s);
			gap_update(&l->h);
			if (i == l->h.count - 1 && l->next)
				gap_update(&l->next->h);
			insert_free(t, e, xe, v);
			return;
		}
		if (xs < s) {
			/* Trim the entry's tail: [xs, s). */
			eset_end(l, i, s);
			gap_update(&l->h);
			if (i == l->h.count - 1 && l->next)
				gap_update(&l->next->h);
			continue;
		}
		if (xe > e) {
			/* Trim the entry's head: [e, xe); separators stay below it. */
			eset_start(l, i, e);
			gap_update(&l->h);
			return;
		}
		leaf_delete(t, NULL, l, i);
	}
}

/*
 * leaf_move() - move the @n entries at slot @from of @l to slot @to (the
 * ranges may overlap).  One memmove() per array: fewer instructions than
 * element loops for mprotect's and mremap's replacements (leaf_shift(),
 * which opens or closes one slot, measured the other way).
 */
static inline void leaf_move(struct mt_leaf *l, int from, int to, int n)
{
	if (n <= 0)
		return;
	if (l->h.wide) {
		memmove(&l->e.w.s[to], &l->e.w.s[from], (size_t)n * sizeof(l->e.w.s[0]));
		memmove(&l->e.w.e[to], &l->e.w.e[from], (size_t)n * sizeof(l->e.w.e[0]));
		memmove(&l->e.w.v[to], &l->e.w.v[from], (size_t)n * sizeof(l->e.w.v[0]));
	} else {
		memmove(&l->e.n.s[to], &l->e.n.s[from], (size_t)n * sizeof(l->e.n.s[0]));
		memmove(&l->e.n.e[to], &l->e.n.e[from], (size_t)n * sizeof(l->e.n.e[0]));
		memmove(&l->e.n.v[to], &l->e.n.v[from], (size_t)n * sizeof(l->e.n.v[0]));
	}
}

/*
 * same_cover() - whether the @n entries @a cover exactly the addresses
 * slots [i0, i1) of @l cover, both without a hole: a split or a merge of
 * mapped space.  Then no gap in the tree changes, nor any separator.
 */
static int same_cover(const struct mt_leaf *l, int i0, int i1,
		      const struct ent *a, int n)
{
	if (n == 0 || i0 >= i1 || a[0].s != es(l, i0) || a[n - 1].e != ee(l, i1 - 1))
		return 0;
	for (int k = 1; k < n; k++)
		if (a[k].s != a[k - 1].e)
			return 0;
	for (int k = i0 + 1; k < i1; k++)
		if (es(l, k) != ee(l, k - 1))
			return 0;
	return 1;
}

/*
 * leaf_replace() - in leaf @l, reached by path @p, replace the entries in
 * slots [i0, i1) by the @n sorted entries @a (0 <= n <= 3), which overlap
 * nothing outside those slots.  This is the one-walk path of every store
 * and erase whose overlaps all lie in one leaf: a split ([a, c) becomes
 * [a, b) [b, c)), a merge ([a, b) [b, c) [c, d) become [a, d)), a trim.
 *
 *   before:  | .. | i0 | .. | i1-1 | i1 | .. |      count c
 *   after:   | .. | a[0] .. a[n-1] | i1 | .. |      count c - (i1 - i0) + n
 *
 * Returns: 1 when done (the leaf becomes the search hint unless it had to
 * be rebalanced); 0 when the result does not fit the leaf as it is (over
 * capacity, a bound outside a narrow leaf's window, or an emptied leaf):
 * nothing changed, the caller takes the general path.
 */
static int leaf_replace(struct mt_tree *t, struct path *p, struct mt_leaf *l,
			int i0, int i1, const struct ent *a, int n)
{
	int c = l->h.count, d = n - (i1 - i0), nc = c + d, same;
	uint64_t old_end, lost;

	if (nc < 1 || nc > lcap(l))
		return 0;
	same = l->h.parent && same_cover(l, i0, i1, a, n);
	old_end = ee(l, c - 1);
	/* The gaps this replaces: before each entry from i0 to the first kept. */
	lost = l->h.parent && !same ? gaps_max(l, i0, i1 < c ? i1 : c - 1) : 0;
	for (int k = 0; k < n; k++)
		if (!fits(l, a[k].s, a[k].e))
			return 0;
	/* Point of no return */
	if (d)
		leaf_move(l, i1, i1 + d, c - i1);
	for (int k = 0; k < n; k++)
		eput(l, i0 + k, a[k].s, a[k].e, a[k].v);
	for (int k = nc; k < c; k++) {
		if (l->h.wide)
			l->e.w.s[k] = UINT64_MAX;
		else
			l->e.n.s[k] = UINT32_MAX;
	}
	l->h.count = (uint16_t)nc;
	t->count = (uint64_t)((int64_t)t->count + d);
	/*
	 * An entry may now end past the separator to its right (a merge that
	 * grew an entry): raise it.  Starts never move below the separator on
	 * the left, since the walk for the lowest start chose this leaf.
	 */
	if (n && !same) {
		uint64_t e = a[n - 1].e;

		for (int lv = 0; lv < p->depth; lv++) {
			struct mt_inner *in = p->node[lv];
			int j = p->slot[lv];

			if (j + 1 < in->h.count && in->key[j + 1] < e)
				in->key[j + 1] = e;
		}
	}
	if (p->depth && d < 0 && nc < MT_LMIN && l->next) {
		/* See leaf_delete() for why the last leaf may stay small. */
		rebalance_leaf(t, l);	/* refreshes the gaps it touches */
		return 1;
	}
	if (same) {
		t->hint = &l->h;
		return 1;
	}
	if (l->h.parent)
		gap_refresh(p->depth ? p : NULL, l, lost,
			    gaps_max(l, i0, i0 + n < nc ? i0 + n : nc - 1));
	/* The leaf's last end changed: so did the next leaf's first gap. */
	if (i1 == c && l->next)
		next_refresh(p, l, es(l->next, 0) - old_end,
			     es(l->next, 0) - ee(l, nc - 1));
	t->hint = &l->h;
	return 1;
}

/*
 * cached_rank() - leaf_rank(@l, @s), or the answer of the search just
 * before this write when it ranked @s in @l and nothing changed since.
 */
static inline int cached_rank(const struct mt_tree *t, const struct mt_leaf *l,
			      uint64_t s)
{
	if (&l->h == t->kleaf && s == t->kaddr && t->seq == t->kseq) {
#ifdef UVMA_DEBUG
		if (t->krank != leaf_rank(l, s))
			abort();	/* a stale rank: see store_fast() */
#endif
		return t->krank;
	}
	return leaf_rank(l, s);
}

/*
 * leaf_overlap() - the slots [*i0, *i1) of leaf @l meeting [s, e); @r is
 * cached_rank(t, l, s).
 * Returns 1 if nothing beyond the leaf meets the range, else 0.
 */
static int leaf_overlap(const struct mt_leaf *l, int r, uint64_t s,
			uint64_t e, int *i0, int *i1)
{
	int i, c = l->h.count;

	i = r > 0 && ee(l, r - 1) > s ? r - 1 : r;
	*i0 = i;
	while (i < c && es(l, i) < e)
		i++;
	*i1 = i;
	return i < c || !l->next || es(l->next, 0) >= e;
}

/*
 * remnants() - what is left of the entries in slots [i0, i1) of @l outside
 * [s, e): the head of the first (if it starts before s) and the tail of
 * the last (if it ends after e), with the entry @mid between them when
 * @mid is not NULL.  Returns the number of entries written to @a.
 */
static int remnants(const struct mt_leaf *l, int i0, int i1, uint64_t s,
		    uint64_t e, void *mid, struct ent *a)
{
	int n = 0;

	if (i0 < i1 && es(l, i0) < s)
		a[n++] = (struct ent){ es(l, i0), s, ev(l, i0) };
	if (mid)
		a[n++] = (struct ent){ s, e, mid };
	if (i0 < i1 && ee(l, i1 - 1) > e)
		a[n++] = (struct ent){ e, ee(l, i1 - 1), ev(l, i1 - 1) };
	return n;
}

/*
 * The two commonest writes, done without the general machinery (the
 * reserve, the scan for what overlaps, insert_at()'s and leaf_delete()'s
 * cases): a store into the free space between two entries of a narrow
 * leaf with room, and the erase of exactly one entry that has neighbours
 * on both sides in its leaf and leaves the leaf above the minimum.  Neither
 * allocates, moves a separator or reads another leaf; only the gap the
 * entry lands in (or leaves) changes.  @r is cached_rank() of the write's
 * start in @l, which the general path reuses.  Each returns 1 if done, 0 if
 * it changed nothing and the general path must do the write.  (A store+erase
 * pair at random positions of 10^5 entries, AVX-512 copy: 966 -> 720
 * instructions, counted with bench/istep; 110 -> 95 ns.)
 */

/*
 * fast_done() - write_done() for a fast write, which counts as one planned
 * by mt_preallocate() but left the reserve as it was (nothing to trim).
 */
static inline void fast_done(struct mt_tree *t, struct mt_leaf *l)
{
	if (t->planned)
		t->planned--;
	t->seq++;
	finger_leaf(t, l);
	write_check(t);
}

static int store_fast(struct mt_tree *t, struct path *p, struct mt_leaf *l,
		      int r, uint64_t s, uint64_t e, void *v)
{
	int n = l->h.count;
	uint32_t ds, de, lost;

	if (l->h.wide || n == MT_NCAP || s < l->base || e - l->base > UINT32_MAX)
		return 0;
	ds = (uint32_t)(s - l->base);
	de = (uint32_t)(e - l->base);
	if (r == 0 || r == n || l->e.n.e[r - 1] > ds || l->e.n.s[r] < de)
		return 0;
	lost = l->e.n.s[r] - l->e.n.e[r - 1];
	leaf_shift(l, r, 1);
	l->e.n.s[r] = ds;
	l->e.n.e[r] = de;
	l->e.n.v[r] = v;
	t->count++;
	gap_refresh_leaf(p, l, lost, 0);
	fast_done(t, l);
	rank_keep(t, l, s, r + 1);
	return 1;
}

static int erase_fast(struct mt_tree *t, struct path *p, struct mt_leaf *l,
		      int r, uint64_t s, uint64_t e)
{
	int n = l->h.count, i = r - 1;
	uint32_t merged;

	if (l->h.wide || (n <= MT_LMIN && l->h.parent) || s < l->base ||
	    e - l->base > UINT32_MAX)
		return 0;
	if (i < 1 || i >= n - 1 || l->e.n.s[i] != (uint32_t)(s - l->base) ||
	    l->e.n.e[i] != (uint32_t)(e - l->base))
		return 0;
	merged = l->e.n.s[i + 1] - l->e.n.e[i - 1];
	leaf_shift(l, i + 1, -1);
	t->count--;
	gap_refresh_leaf(p, l, 0, merged);
	fast_done(t, l);
	return 1;
}

int mt_store(struct mt_tree *t, uint64_t start, uint64_t end, void *val)
{
	struct path p;
	struct mt_leaf *l;
	struct ent a[3];
	int r, i0, i1;

	if (start >= end || !val)
		return -EINVAL;
	/* The walk only reads: it may come before the reserve. */
	l = write_walk(t, finger(t, start), start, &p);
	r = l ? cached_rank(t, l, start) : 0;
	if (l && store_fast(t, &p, l, r, start, end, val))
		return 0;
	if (l)
		path_fill(&p);
	if (write_reserve(t, 2))
		return -ENOMEM;
	/* Point of no return */
	write_begin(t);
	if (l && leaf_overlap(l, r, start, end, &i0, &i1)) {
		if (i0 == i1) {
			/* Free space: insert where the walk ended (an insertion
			 * never frees the leaf, even when it splits it). */
			insert_at(t, &p, l, i0, start, end, val);
			t->hint = &l->h;
			write_done(t);
			return 0;
		}
		if (i0 == 0 && !l->next && es(l, 0) >= start &&
		    can_append_prev(&p, l, start, end) &&
		    leaf_replace(t, &p, l, 0, i1, a,
				 remnants(l, 0, i1, start, end, NULL, a))) {
			/*
			 * Carving the head of the last leaf's first entry (what
			 * is left of a reservation): the new piece goes to the
			 * end of the previous leaf, which fills up, instead of
			 * into this one, which would split half and half.
			 */
			append_prev(&p, l, start, end, val);
			t->count++;
			write_done(t);
			return 0;
		}
		if (leaf_replace(t, &p, l, i0, i1, a,
				 remnants(l, i0, i1, start, end, val, a))) {
			write_done(t);
			return 0;
		}
	}
	erase_range(t, start, end);
	insert_free(t, start, end, val);
	t->hint = NULL;
	write_done(t);
	return 0;
}

int mt_erase(struct mt_tree *t, uint64_t start, uint64_t end)
{
	struct path p;
	struct mt_leaf *l;
	struct ent a[2];
	int r, i0, i1;

	if (start >= end)
		return -EINVAL;
	l = write_walk(t, finger(t, start), start, &p);
	r = l ? cached_rank(t, l, start) : 0;
	if (l && erase_fast(t, &p, l, r, start, end))
		return 0;
	if (l)
		path_fill(&p);
	if (write_reserve(t, 1))
		return -ENOMEM;
	/* Point of no return */
	write_begin(t);
	if (l && leaf_overlap(l, r, start, end, &i0, &i1)) {
		if (i1 == i0 + 1 && es(l, i0) == start && ee(l, i0) == end) {
			/* Exactly one entry: drop it where the walk ended.  The
			 * leaf stays put unless it falls below the minimum. */
			bool stays = l->h.count > 1 &&
				     (!l->h.parent || !l->next ||
				      l->h.count - 1 >= MT_LMIN);

			leaf_delete(t, &p, l, i0);
			t->hint = stays ? &l->h : NULL;
			write_done(t);
			return 0;
		}
		if (i0 == i1 ||
		    leaf_replace(t, &p, l, i0, i1, a,
				 remnants(l, i0, i1, start, end, NULL, a))) {
			write_done(t);
			return 0;
		}
	}
	erase_range(t, start, end);
	t->hint = NULL;
	write_done(t);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Gap search                                                          */

struct gap_req {
	uint64_t lo, hi, len, mask, off;
	uint64_t top;		/* highest start a may have: hi - len + 1 */
	uint64_t found;
};

enum { GAP_NONE, GAP_FOUND, GAP_STOP };

/*
 * fit_low() / fit_high() - the lowest / highest aligned a with
 * [a, a + len) inside the free interval [gs, gl] (inclusive) and [lo, hi].
 */
static int fit_low(struct gap_req *q, uint64_t gs, uint64_t gl)
{
	uint64_t a = gs > q->lo ? gs : q->lo, top;

	if (gl - gs < q->len - 1)
		return 0;
	top = gl - (q->len - 1);
	if (top > q->top)
		top = q->top;
	if (a > top || ((q->off - a) & q->mask) > top - a)
		return 0;	/* aligning up would pass the last start */
	q->found = a + ((q->off - a) & q->mask);
	return 1;
}

static int fit_high(struct gap_req *q, uint64_t gs, uint64_t gl)
{
	uint64_t lo = gs > q->lo ? gs : q->lo, a;

	if (gl - gs < q->len - 1)
		return 0;
	a = gl - (q->len - 1);
	if (a > q->top)
		a = q->top;
	if (a < lo || ((a - q->off) & q->mask) > a - lo)
		return 0;	/* aligning down would pass the first start */
	q->found = a - ((a - q->off) & q->mask);
	return 1;
}

/*
 * gap_low_leaf() - the lowest fit among the gaps before @l's entries.  The
 * gaps before entries that start at or below lo end there, so the scan
 * begins at the first entry above lo (and reads the previous leaf only
 * when that is the first entry).
 */
static int gap_low_leaf(struct gap_req *q, const struct mt_leaf *l)
{
	int i = leaf_rank(l, q->lo);
	uint64_t pe;

	if (i == l->h.count)
		return GAP_NONE;
	pe = i ? ee(l, i - 1) : leaf_prev_end(l);
	for (; i < l->h.count; pe = ee(l, i), i++) {
		uint64_t st = es(l, i);

		if (pe > q->top)
			return GAP_STOP;	/* every later gap starts too high */
		if (st - pe < q->len || st <= q->lo)
			continue;
		if (fit_low(q, pe, st - 1))
			return GAP_FOUND;
	}
	return GAP_NONE;
}

static int gap_low(struct gap_req *q, const struct mt_node *n, uint64_t upper,
		   int upper_inf)
{
	if (n->leaf)
		return gap_low_leaf(q, LF(n));
	/* Children left of the one holding lo end at or below it. */
	for (int j = inner_slot(IN(n), q->lo); j < n->count; j++) {
		int last = j + 1 == n->count;
		uint64_t cu = last ? upper : IN(n)->key[j + 1];
		int cinf = last ? upper_inf : 0;
		int r;

		if (!cinf && cu <= q->lo)
			continue;	/* every gap below ends before lo */
		if (IN(n)->gap[j] < q->len)
			continue;
		r = gap_low(q, IN(n)->child[j], cu, cinf);
		if (r != GAP_NONE)
			return r;
	}
	return GAP_NONE;
}

/*
 * gap_high_leaf() - the highest fit among the gaps before @l's entries.  The
 * gap before an entry whose predecessor starts above top begins above top,
 * so the scan begins at the first entry that starts above top.
 */
static int gap_high_leaf(struct gap_req *q, const struct mt_leaf *l)
{
	int i = leaf_rank(l, q->top);

	if (i >= l->h.count)
		i = l->h.count - 1;
	for (; i >= 0; i--) {
		uint64_t st = es(l, i);
		uint64_t pe = i ? ee(l, i - 1) : leaf_prev_end(l);

		if (st <= q->lo || st - q->lo < q->len)
			return GAP_STOP;	/* this and every lower gap end too low */
		if (st - pe < q->len || pe > q->top)
			continue;
		if (fit_high(q, pe, st - 1))
			return GAP_FOUND;
	}
	return GAP_NONE;
}

/*
 * gap_high() - the highest fit below @n, other than the gap that holds top
 * (or lies just below it), which gap_at_top() has tried: so only children
 * at or left of the one holding top can help.  (Of the children right of
 * it, only the next could, through its very first gap, and that gap is
 * either the one gap_at_top() tried or starts above top.)
 */
static int gap_high(struct gap_req *q, const struct mt_node *n)
{
	int r;

	if (n->leaf)
		return gap_high_leaf(q, LF(n));
	for (int j = inner_slot(IN(n), q->top); j >= 0; j--) {
		if (IN(n)->gap[j] < q->len)
			continue;
		r = gap_high(q, IN(n)->child[j]);
		if (r != GAP_NONE)
			return r;
	}
	return GAP_NONE;
}

/*
 * gap_at_top() - whether the gap after the last entry that starts at or
 * below top, up to the entry after it, fits: the highest gap that can, so
 * when it fits it is the answer.  Looked up directly (one search, at the
 * finger when the last search was near); the gap after the tree's last
 * entry and the one before its first are left to the caller and to
 * gap_high().
 */
static int gap_at_top(const struct mt_tree *t, struct gap_req *q)
{
	struct mt_leaf *l;
	uint64_t pe, ns;
	int i;

	if (!find_prev_pos(t, q->top < UINT64_MAX ? q->top + 1 : q->top, &l, &i))
		return 0;
	pe = ee(l, i);
	if (i + 1 < l->h.count)
		ns = es(l, i + 1);
	else if (l->next)
		ns = es(l->next, 0);
	else
		return 0;	/* the gap after the last entry */
	return ns - pe >= q->len && fit_high(q, pe, ns - 1);
}

static int gap_args(struct gap_req *q, uint64_t lo, uint64_t hi, uint64_t len,
		    uint64_t mask, uint64_t off)
{
	if (len == 0 || (mask & (mask + 1)) != 0 || hi < lo)
		return -EINVAL;
	if (hi - lo < len - 1)
		return -ENOENT;		/* well-formed, but no room at all */
	q->lo = lo;
	q->hi = hi;
	q->len = len;
	q->mask = mask;
	q->off = off;
	q->top = hi - (len - 1);
	return 0;
}

int mt_gap_lowest(const struct mt_tree *t, uint64_t lo, uint64_t hi,
		  uint64_t len, uint64_t align_mask, uint64_t align_offset,
		  uint64_t *addr)
{
	struct gap_req q;
	uint64_t last_end = 0;
	int r;

	r = gap_args(&q, lo, hi, len, align_mask, align_offset);
	if (r)
		return r;
	if (t->root) {
		r = gap_low(&q, t->root, 0, 1);
		if (r == GAP_FOUND) {
			*addr = q.found;
			return 0;
		}
		if (r == GAP_STOP)
			return -ENOENT;
		mt_last(t, NULL, &last_end);
	}
	/* The gap after the last entry runs to UINT64_MAX. */
	if (fit_low(&q, last_end, UINT64_MAX)) {
		*addr = q.found;
		return 0;
	}
	return -ENOENT;
}

int mt_gap_highest(const struct mt_tree *t, uint64_t lo, uint64_t hi,
		   uint64_t len, uint64_t align_mask, uint64_t align_offset,
		   uint64_t *addr)
{
	struct gap_req q;
	uint64_t last_end = 0;
	int r = gap_args(&q, lo, hi, len, align_mask, align_offset);

	if (r)
		return r;
	if (t->root)
		mt_last(t, NULL, &last_end);
	if (fit_high(&q, last_end, UINT64_MAX)) {
		*addr = q.found;
		return 0;
	}
	if (t->root && (gap_at_top(t, &q) || gap_high(&q, t->root) == GAP_FOUND)) {
		*addr = q.found;
		return 0;
	}
	return -ENOENT;
}

/* ------------------------------------------------------------------ */
/* Cursors                                                             */

void mt_cursor_init(struct mt_cursor *c, const struct mt_tree *t, uint64_t addr)
{
	c->tree = t;
	c->leaf = NULL;
	c->slot = -1;
	c->seq = t->seq;
	c->lo = c->hi = addr;
}

static void *cursor_take(struct mt_cursor *c, struct mt_leaf *l, int i,
			 uint64_t *start, uint64_t *end)
{
	c->leaf = &l->h;
	c->slot = i;
	c->seq = c->tree->seq;
	/* (A finger already at @l has the range that goes with it.) */
	if (c->tree->hint != &l->h)
		finger_leaf(c->tree, l);
	c->lo = es(l, i);
	c->hi = ee(l, i);
	return leaf_out(l, i, start, end);
}

void *mt_next(struct mt_cursor *c, uint64_t *start, uint64_t *end)
{
	struct mt_leaf *l = LF(c->leaf);
	int i;

	if (l && c->seq == c->tree->seq) {
		/* Unchanged tree: step without searching. */
		i = c->slot + 1;
		if (i >= l->h.count) {
			l = l->next;
			i = 0;
		}
		if (!l)
			return NULL;
		return cursor_take(c, l, i, start, end);
	}
	/* The tree changed: search from the end of the current entry. */
	if (!find_pos(c->tree, c->hi, &l, &i))
		return NULL;
	return cursor_take(c, l, i, start, end);
}

void *mt_prev(struct mt_cursor *c, uint64_t *start, uint64_t *end)
{
	struct mt_leaf *l = LF(c->leaf);
	int i;

	if (l && c->seq == c->tree->seq) {
		i = c->slot - 1;
		if (i < 0) {
			l = l->prev;
			if (!l)
				return NULL;
			i = l->h.count - 1;
		}
		return cursor_take(c, l, i, start, end);
	}
	if (!find_prev_pos(c->tree, c->lo, &l, &i))
		return NULL;
	return cursor_take(c, l, i, start, end);
}

/* ------------------------------------------------------------------ */
/* Validation and dumping                                              */

/*
 * Coverage: the dump runs only when the validator has found a broken
 * invariant, and the validator's failure reports (VFAIL, v.err) only then;
 * coverage builds leave them out (.ci/coverage, docs/fidelity.md).
 */
/* GCOVR_EXCL_START */
static void dump_node(const struct mt_node *n, int depth)
{
	if (n->leaf) {
		const struct mt_leaf *l = LF(n);

		fprintf(stderr, "%*sleaf %p n=%d %s base=%#" PRIx64 " gap=%#" PRIx64 ":",
			depth * 2, "", (const void *)n, n->count,
			n->wide ? "wide" : "narrow", l->base, leaf_gap(l));
		for (int i = 0; i < n->count; i++)
			fprintf(stderr, " [%#" PRIx64 ",%#" PRIx64 ")", es(l, i), ee(l, i));
		fputc('\n', stderr);
		return;
	}
	fprintf(stderr, "%*sinner %p n=%d\n", depth * 2, "", (const void *)n, n->count);
	for (int j = 0; j < n->count; j++) {
		fprintf(stderr, "%*s key=%#" PRIx64 " gap=%#" PRIx64 "\n", depth * 2, "",
			IN(n)->key[j], IN(n)->gap[j]);
		dump_node(IN(n)->child[j], depth + 1);
	}
}

void mt_dump(const struct mt_tree *t)
{
	fprintf(stderr, "tree: count=%" PRIu64 " height=%u leaves=%" PRIu64
		" inner=%" PRIu64 "\n", t->count, t->height, t->nodes[LEAF],
		t->nodes[INNER]);
	if (t->root)
		dump_node(t->root, 0);
}
/* GCOVR_EXCL_STOP */

struct vstate {
	const struct mt_tree *t;
	const char *err;
	uint64_t entries, nodes[2];
	const struct mt_leaf *last_leaf;
	uint64_t last_end;
	int have_last;
};

#define VFAIL(v, msg) do { (v)->err = (msg); return 0; } while (0)

static int check_leaf(struct vstate *v, const struct mt_leaf *l, uint64_t lo,
		      uint64_t hi, int hi_inf)
{
	if (l->h.count > lcap(l))
		VFAIL(v, "leaf over capacity");
	if (l->prev != v->last_leaf)
		VFAIL(v, "leaf prev link wrong");
	if (v->last_leaf && v->last_leaf->next != l)
		VFAIL(v, "leaf next link wrong");
	for (int i = l->h.count; i < (l->h.wide ? MT_WCAP : MT_NSLOT); i++)
		if (l->h.wide ? l->e.w.s[i] != UINT64_MAX : l->e.n.s[i] != UINT32_MAX)
			VFAIL(v, "unused start slot is not a sentinel");
	for (int i = 0; i < l->h.count; i++) {
		uint64_t s = es(l, i), e = ee(l, i);

		if (!l->h.wide && l->e.n.s[i] >= l->e.n.e[i])
			VFAIL(v, "narrow entry empty or inverted");
		if (s >= e)
			VFAIL(v, "empty or inverted entry");
		if (!ev(l, i))
			VFAIL(v, "NULL value");
		if (v->have_last && s < v->last_end)
			VFAIL(v, "entries out of order or overlapping");
		if (s < lo || (!hi_inf && e > hi))
			VFAIL(v, "entry outside its parent's separators");
		v->have_last = 1;
		v->last_end = e;
		v->entries++;
	}
	v->last_leaf = l;
	return 1;
}

/*
 * check_node() - every entry below @n lies in [lo, hi) (hi_inf: no bound),
 * the node is at @depth of the tree's height, and its cached gaps are right.
 */
static int check_node(struct vstate *v, const struct mt_node *n, uint64_t lo,
		      uint64_t hi, int hi_inf, unsigned depth)
{
	v->nodes[n->leaf ? LEAF : INNER]++;
	if (n->count == 0)
		VFAIL(v, "empty node");
	if (n->leaf) {
		if (depth != v->t->height)
			VFAIL(v, "leaves at different depths");
		return check_leaf(v, LF(n), lo, hi, hi_inf);
	}
	if (n->count > MT_ICAP)
		VFAIL(v, "inner node over capacity");
	if (depth >= v->t->height)
		VFAIL(v, "inner node too deep");
	if (n->parent == NULL && n->count < 2)
		VFAIL(v, "inner root with one child");
	for (int j = n->count; j <= MT_ICAP; j++)
		if (IN(n)->key[j] != UINT64_MAX)
			VFAIL(v, "unused inner key is not UINT64_MAX");
	for (int j = 0; j < n->count; j++) {
		const struct mt_node *c = IN(n)->child[j];
		uint64_t clo = j ? IN(n)->key[j] : lo;
		uint64_t chi = j + 1 < n->count ? IN(n)->key[j + 1] : hi;
		int cinf = j + 1 < n->count ? 0 : hi_inf;

		if (j && IN(n)->key[j] < lo)
			VFAIL(v, "separator below the node's range");
		if (j && j + 1 < n->count && IN(n)->key[j + 1] < IN(n)->key[j])
			VFAIL(v, "separators out of order");
		if (c->parent != n)
			VFAIL(v, "parent link wrong");
		if (!check_node(v, c, clo, chi, cinf, depth + 1))
			return 0;
		if (IN(n)->gap[j] != node_gap(c))
			VFAIL(v, "cached gap wrong");
	}
	return 1;
}

int mt_validate(const struct mt_tree *t)
{
	struct vstate v = { .t = t };

	if (!t->root) {
		if (t->count || t->height)
			v.err = "empty tree with a count or height";
	} else if (t->root->parent) {
		v.err = "root has a parent";
	} else if (check_node(&v, t->root, 0, 0, 1, 1)) {
		if (v.last_leaf->next)
			v.err = "last leaf has a next link";
		else if (v.entries != t->count)
			v.err = "entry count wrong";
		else if (v.nodes[LEAF] != t->nodes[LEAF] || v.nodes[INNER] != t->nodes[INNER])
			v.err = "node count wrong";
	}
	for (int k = 0; k < 2 && !v.err; k++) {
		uint64_t n = 0;

		for (struct mt_node *r = t->reserve[k]; r; r = r->parent)
			n++;
		if (n != t->nreserve[k])
			v.err = "reserve count wrong";
	}
	if (v.err) {
		fprintf(stderr, "mt_validate: %s\n", v.err);
		mt_dump(t);
		return -EUCLEAN;
	}
	return 0;
}
