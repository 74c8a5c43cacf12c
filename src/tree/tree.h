/* SPDX-License-Identifier: MIT */
/*
 * tree.h - the range tree: a B+tree of non-overlapping [start, end) ranges of
 * 64-bit addresses, each mapped to a non-NULL void *, with gap tracking.
 *
 * It is uvma's maple tree.  The VMA core (src/vma/) keeps one VMA per range.
 * Every node records, for each child, the largest free gap below it, so the
 * lowest or highest free gap of a given size is found in O(log n).
 *
 * Terms:
 *   entry  - a stored range [start, end) and its value; start < end.
 *   gap    - a maximal free interval between two entries (or before the
 *            first, or after the last, up to UINT64_MAX inclusive).
 *   reserve - nodes the tree holds back so that planned writes cannot fail
 *            (mt_preallocate()).
 *
 * Error convention: 0 or a negative errno.  -ENOMEM leaves the tree exactly
 * as it was.  This layer depends on nothing but the allocator (src/shim/).
 * The address UINT64_MAX itself can never be covered (end is exclusive).
 * Design notes: docs/design.md, "The range tree".
 */
#ifndef UVMA_TREE_H
#define UVMA_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mt_node;

struct mt_tree {
	struct mt_node *root;	/* NULL when empty */
	uint64_t count;		/* number of entries */
	uint64_t seq;		/* bumped by every change; cursors compare it */
	struct mt_node *reserve[2]; /* free leaves [0] and inner nodes [1] */
	uint32_t nreserve[2];
	uint32_t floor[2];	/* reserve kept by mt_preallocate(), else 0 */
	uint32_t planned;	/* writes mt_preallocate() still covers */
	uint32_t height;	/* 0 when empty, 1 when the root is a leaf */
	uint64_t nodes[2];	/* leaves and inner nodes in use */
	uint64_t unchecked;	/* debug builds: writes since the last validation */
	/*
	 * The finger: the leaf the last search (or cursor step) found or the
	 * last write changed, and the addresses it answers for: a search for any address
	 * in [hint_lo, hint_hi) would reach that leaf.  After a search these
	 * are the separators that bound the leaf in its parents, so checking
	 * the finger reads nothing of the leaf; after a write, the leaf's
	 * first start and last end; an empty range when there is no finger
	 * (a write that moved entries between leaves, or one under way).
	 * Searches in the range start at the leaf instead of at the root (the
	 * kernel moves its iterator instead of looking up again; this gives
	 * every caller that for free).  Reads update it although they take a
	 * const tree: an address space belongs to one thread at a time.
	 */
	struct mt_node *hint;
	uint64_t hint_lo, hint_hi;
	uint32_t writing;	/* a write is under way: no finger */
	/*
	 * The route: the child slot the last descent took at each inner
	 * level (the first MT_ROUTE levels; mt_load()'s descents are not
	 * counted: they neither use nor change the route).  A descent tries
	 * it first (while near says descents stay close together) and keeps
	 * it when the node's separators show it still holds the address (two
	 * compares instead of a search of the node); any other answer is
	 * searched for.  Only a guess: it is checked against the real node
	 * every time, so no change to the tree can make it wrong.
	 */
	uint8_t route[16];
	/*
	 * The leaf the last descent reached (route[] holds its path's slots)
	 * and the tree's shape then: shape counts every change to any node's
	 * children.  While the shape is the same, that path is still the
	 * leaf's path, so a write at the finger takes it from here (and the
	 * leaf's parent links) instead of descending again.
	 */
	struct mt_node *rleaf;
	uint64_t shape, rshape;
	/*
	 * The last descent's bottom inner node, and whether it was the same
	 * as the one before: descents try the route only while they keep
	 * landing under one parent (a guess that fails costs more than it
	 * saves when searches jump about).  rparent is only compared, never
	 * followed: the node may be gone.
	 */
	const struct mt_node *rparent;
	uint32_t near;
	/*
	 * The last search's answer in its leaf: leaf_rank(kleaf, kaddr) was
	 * krank at seq kseq.  A write that starts where a search just looked
	 * (mmap links what it looked up; munmap erases what it found) reuses
	 * it while nothing has changed.
	 */
	const struct mt_node *kleaf;
	uint64_t kaddr, kseq;
	int krank;
};
#define MT_ROUTE 16

#define MT_TREE_INIT { .root = NULL }

/* mt_init() - an empty tree. */
void mt_init(struct mt_tree *t);

/* mt_destroy() - free every node (the values are the caller's). */
void mt_destroy(struct mt_tree *t);

/*
 * mt_store() - map [start, end) to @val, trimming or splitting whatever
 * entries overlap the range (an entry that contains the range on both sides
 * becomes two entries with the same value).
 * Returns: 0; -EINVAL if start >= end or val is NULL; -ENOMEM (tree unchanged).
 */
int mt_store(struct mt_tree *t, uint64_t start, uint64_t end, void *val);

/*
 * mt_erase() - remove [start, end) from the tree, trimming or splitting the
 * entries that overlap it.
 * Returns: 0; -EINVAL if start >= end; -ENOMEM (tree unchanged; only a split
 * of one entry into two can need memory).
 */
int mt_erase(struct mt_tree *t, uint64_t start, uint64_t end);

/*
 * mt_load() - the entry containing @addr, or NULL.  @start and @end (either
 * may be NULL) receive its range.
 */
void *mt_load(const struct mt_tree *t, uint64_t addr, uint64_t *start,
	      uint64_t *end);

/* mt_find() - the first entry whose end is above @addr (contains or follows it). */
void *mt_find(const struct mt_tree *t, uint64_t addr, uint64_t *start,
	      uint64_t *end);

/* mt_find_prev() - the last entry whose start is below @addr. */
void *mt_find_prev(const struct mt_tree *t, uint64_t addr, uint64_t *start,
		   uint64_t *end);

/*
 * mt_find_around() - mt_find(@addr) and the entry just before the one it
 * returns (or the last entry, when it returns NULL) in *@prev, from one
 * search: the two are neighbours in a leaf, or across one leaf link.
 */
void *mt_find_around(const struct mt_tree *t, uint64_t addr, void **prev);

/* mt_first() / mt_last() - the lowest and the highest entry, or NULL. */
void *mt_first(const struct mt_tree *t, uint64_t *start, uint64_t *end);
void *mt_last(const struct mt_tree *t, uint64_t *start, uint64_t *end);

/*
 * Gap search.  Find an address a with lo <= a, a + len - 1 <= hi,
 * (a & align_mask) == (align_offset & align_mask) and [a, a + len) free.
 * mt_gap_lowest() finds the lowest such a, mt_gap_highest() the highest.
 * @align_mask must be 2^k - 1 (0 for none); @len >= 1.
 * Returns: 0 and *addr; -ENOENT when there is none (also when [lo, hi] is
 * shorter than @len); -EINVAL when @len is 0, @align_mask is not 2^k - 1 or
 * @hi < @lo.
 */
int mt_gap_lowest(const struct mt_tree *t, uint64_t lo, uint64_t hi,
		  uint64_t len, uint64_t align_mask, uint64_t align_offset,
		  uint64_t *addr);
int mt_gap_highest(const struct mt_tree *t, uint64_t lo, uint64_t hi,
		   uint64_t len, uint64_t align_mask, uint64_t align_offset,
		   uint64_t *addr);

/*
 * mt_preallocate() - reserve enough nodes that the next @nwrites calls of
 * mt_store() / mt_erase() cannot fail for lack of memory.
 * Returns: 0 or -ENOMEM (nothing changed: the reserve is as it was).
 */
int mt_preallocate(struct mt_tree *t, unsigned int nwrites);

/*
 * mt_settle() - the writes planned with mt_preallocate() are done: drop
 * the floor, but keep a small cache of free nodes (enough for three
 * writes), so that the next writes and preallocations need not allocate.
 */
void mt_settle(struct mt_tree *t);

/* mt_release() - free the whole unused reserve (the cache too). */
void mt_release(struct mt_tree *t);

/*
 * mt_validate() - check every structural invariant: key order, no overlap,
 * node fill bounds, cached gaps, parent and sibling links, entry count.
 * Returns: 0, or -EUCLEAN after printing the first violation (and a dump of
 * the tree) to stderr.  For tests and debug builds.
 */
int mt_validate(const struct mt_tree *t);

/* mt_dump() - print the tree's nodes to stderr (for debugging). */
void mt_dump(const struct mt_tree *t);

/*
 * mt_simd() - which copy of the searches runs, for every tree: 1 = the
 * AVX-512 one, 0 = the portable one.  @on = 1 asks for AVX-512 (granted
 * only where the processor has it, which is the default), 0 for the
 * portable copy, -1 only asks.  Both give the same answers; tests run both.
 * Returns: the copy now in use.
 */
int mt_simd(int on);

/* mt_bytes() - bytes the tree holds: nodes in use plus the reserve. */
size_t mt_bytes(const struct mt_tree *t);

/*
 * Cursors.  A cursor walks entries in order.  It remembers the entry it last
 * returned; it stays valid across changes to the tree (after a change it
 * finds its place again from its remembered position, otherwise it steps
 * without searching).
 *
 *   mt_cursor_init(c, t, addr)  - position before addr: mt_next() returns the
 *                                 first entry ending above addr, mt_prev()
 *                                 the last entry starting below addr;
 *   mt_next(c, ..)              - the entry after the current one;
 *   mt_prev(c, ..)              - the entry before the current one.
 * After either returns NULL the cursor keeps its position.
 */
struct mt_cursor {
	const struct mt_tree *tree;
	struct mt_node *leaf;	/* cached position, valid while seq matches */
	int slot;		/* slot of the current entry in leaf, or -1 */
	uint64_t seq;
	uint64_t lo, hi;	/* range of the current entry, or [addr, addr) */
};

void mt_cursor_init(struct mt_cursor *c, const struct mt_tree *t, uint64_t addr);
void *mt_next(struct mt_cursor *c, uint64_t *start, uint64_t *end);
void *mt_prev(struct mt_cursor *c, uint64_t *start, uint64_t *end);

/*
 * mt_for_each_range() - loop over the entries intersecting [lo, hi).
 *   struct mt_cursor c; uint64_t s, e; void *v;
 *   mt_for_each_range(&c, t, v, s, e, lo, hi) { ... }
 */
#define mt_for_each_range(c, t, v, s, e, lo, hi)                      \
	for (mt_cursor_init((c), (t), (lo));                          \
	     ((v) = mt_next((c), &(s), &(e))) != NULL && (s) < (hi);)

#endif /* UVMA_TREE_H */
