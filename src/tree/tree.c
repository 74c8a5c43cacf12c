/* SPDX-License-Identifier: MIT */
/*
 * tree.c - the range tree: a B+tree of [start, end) ranges with gap tracking.
 *
 * Shape.  All entries live in leaves, sorted by address; leaves are linked in
 * address order.  An inner node holds up to MT_ICAP children; key[j] (j >= 1)
 * separates child j-1 from child j: every entry below child j-1 ends at or
 * before key[j], every entry below child j starts at or after it.  Nodes are
 * 512 bytes so that a search touches few cache lines per level.
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
 * Depends only on the allocator (src/shim/alloc.h).
 */
#include "tree/tree.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "shim/alloc.h"

#define MT_NODE_SIZE 512
#define MT_LCAP ((MT_NODE_SIZE - 32) / 24)	/* entries per leaf: 20 */
#define MT_ICAP ((MT_NODE_SIZE - 16) / 24)	/* children per inner node: 20 */
#define MT_LMIN (MT_LCAP / 2)
#define MT_IMIN (MT_ICAP / 2)

#ifndef EUCLEAN
#define EUCLEAN 117
#endif

struct mt_leaf {
	struct mt_node *prev, *next;
	uint64_t start[MT_LCAP];
	uint64_t end[MT_LCAP];
	void *val[MT_LCAP];
};

struct mt_inner {
	uint64_t key[MT_ICAP];		/* key[0] is unused */
	struct mt_node *child[MT_ICAP];
	uint64_t gap[MT_ICAP];		/* largest entry gap below child[j] */
};

struct mt_node {
	struct mt_node *parent;
	uint16_t count;			/* entries (leaf) or children (inner) */
	uint8_t leaf;
	uint8_t pad[5];
	union {
		struct mt_leaf l;
		struct mt_inner i;
	} u;
};

_Static_assert(sizeof(struct mt_node) <= MT_NODE_SIZE, "node too large");

#define L(n) (&(n)->u.l)
#define I(n) (&(n)->u.i)

/* ------------------------------------------------------------------ */
/* Nodes and the reserve                                               */

void mt_init(struct mt_tree *t)
{
	memset(t, 0, sizeof(*t));
}

/* reserve_need() - nodes one insertion can take: one per level plus a root. */
static uint32_t reserve_need(const struct mt_tree *t, uint32_t inserts)
{
	uint64_t need = 0;

	/* Each insertion may split every level and add a root (height + 1). */
	for (uint32_t k = 0; k < inserts; k++)
		need += (uint64_t)t->height + 1 + k;
	return need > UINT32_MAX ? UINT32_MAX : (uint32_t)need;
}

static int reserve_fill(struct mt_tree *t, uint32_t need)
{
	while (t->nreserve < need) {
		struct mt_node *n = uvma__malloc(sizeof(struct mt_node));

		if (!n)
			return -ENOMEM;
		n->parent = t->reserve;
		t->reserve = n;
		t->nreserve++;
	}
	return 0;
}

/* node_get() - a node from the reserve; the caller filled it beforehand. */
static struct mt_node *node_get(struct mt_tree *t, int leaf)
{
	struct mt_node *n = t->reserve;

	/* The reserve was filled before the first change; this cannot run dry. */
	t->reserve = n->parent;
	t->nreserve--;
	t->nodes++;
	memset(n, 0, offsetof(struct mt_node, u));
	n->leaf = (uint8_t)leaf;
	if (leaf) {
		L(n)->prev = NULL;
		L(n)->next = NULL;
	}
	return n;
}

/* node_put() - a node no longer in the tree goes back to the reserve. */
static void node_put(struct mt_tree *t, struct mt_node *n)
{
	t->nodes--;
	n->parent = t->reserve;
	t->reserve = n;
	t->nreserve++;
}

/* reserve_trim() - keep a small reserve for the next write, free the rest. */
static void reserve_trim(struct mt_tree *t, uint32_t keep)
{
	while (t->nreserve > keep) {
		struct mt_node *n = t->reserve;

		t->reserve = n->parent;
		t->nreserve--;
		uvma__free(n, sizeof(*n));
	}
}

int mt_preallocate(struct mt_tree *t, unsigned int nwrites)
{
	/* A write is at most two insertions (a store that splits an entry). */
	uint64_t ins = 2ull * nwrites;

	if (ins > 1u << 20)
		return -ENOMEM;
	if (reserve_fill(t, reserve_need(t, (uint32_t)ins)))
		return -ENOMEM;
	t->floor = t->nreserve;
	return 0;
}

void mt_release(struct mt_tree *t)
{
	t->floor = 0;
	reserve_trim(t, 0);
}

static void destroy_node(struct mt_tree *t, struct mt_node *n)
{
	if (!n->leaf)
		for (int j = 0; j < n->count; j++)
			destroy_node(t, I(n)->child[j]);
	uvma__free(n, sizeof(*n));
	t->nodes--;
}

void mt_destroy(struct mt_tree *t)
{
	if (t->root)
		destroy_node(t, t->root);
	t->floor = 0;
	reserve_trim(t, 0);
	mt_init(t);
}

size_t mt_bytes(const struct mt_tree *t)
{
	return (size_t)(t->nodes + t->nreserve) * sizeof(struct mt_node);
}

/* ------------------------------------------------------------------ */
/* Searching                                                           */

/* inner_slot() - the child of inner node @n whose range holds @a. */
static inline int inner_slot(const struct mt_node *n, uint64_t a)
{
	int j = 0;

	for (int k = 1; k < n->count; k++)
		j += I(n)->key[k] <= a;
	return j;
}

/* leaf_rank() - how many entries of leaf @n start at or below @a. */
static inline int leaf_rank(const struct mt_node *n, uint64_t a)
{
	int r = 0;

	for (int k = 0; k < n->count; k++)
		r += L(n)->start[k] <= a;
	return r;
}

static struct mt_node *descend(const struct mt_tree *t, uint64_t a)
{
	struct mt_node *n = t->root;

	while (n && !n->leaf)
		n = I(n)->child[inner_slot(n, a)];
	return n;
}

static int slot_in_parent(const struct mt_node *n)
{
	const struct mt_node *p = n->parent;
	int j = 0;

	while (I(p)->child[j] != n)
		j++;
	return j;
}

static inline void *leaf_out(const struct mt_node *n, int i, uint64_t *start,
			     uint64_t *end)
{
	if (start)
		*start = L(n)->start[i];
	if (end)
		*end = L(n)->end[i];
	return L(n)->val[i];
}

/* find_pos() - leaf and slot of the first entry ending above @a; 0 if none. */
static int find_pos(const struct mt_tree *t, uint64_t a, struct mt_node **leaf,
		    int *slot)
{
	struct mt_node *n = descend(t, a);
	int r;

	if (!n)
		return 0;
	r = leaf_rank(n, a);
	if (r > 0 && L(n)->end[r - 1] > a) {
		*leaf = n;
		*slot = r - 1;
		return 1;
	}
	if (r < n->count) {
		*leaf = n;
		*slot = r;
		return 1;
	}
	if (L(n)->next) {
		*leaf = L(n)->next;
		*slot = 0;
		return 1;
	}
	return 0;
}

/* find_prev_pos() - leaf and slot of the last entry starting below @a. */
static int find_prev_pos(const struct mt_tree *t, uint64_t a,
			 struct mt_node **leaf, int *slot)
{
	struct mt_node *n;
	int r;

	if (a == 0)
		return 0;
	n = descend(t, a - 1);
	if (!n)
		return 0;
	r = leaf_rank(n, a - 1);
	if (r > 0) {
		*leaf = n;
		*slot = r - 1;
		return 1;
	}
	if (L(n)->prev) {
		*leaf = L(n)->prev;
		*slot = L(n)->prev->count - 1;
		return 1;
	}
	return 0;
}

void *mt_load(const struct mt_tree *t, uint64_t addr, uint64_t *start,
	      uint64_t *end)
{
	const struct mt_node *n = descend(t, addr);
	int r;

	if (!n)
		return NULL;
	r = leaf_rank(n, addr);
	if (r == 0 || L(n)->end[r - 1] <= addr)
		return NULL;
	return leaf_out(n, r - 1, start, end);
}

void *mt_find(const struct mt_tree *t, uint64_t addr, uint64_t *start,
	      uint64_t *end)
{
	struct mt_node *n;
	int i;

	if (!find_pos(t, addr, &n, &i))
		return NULL;
	return leaf_out(n, i, start, end);
}

void *mt_find_prev(const struct mt_tree *t, uint64_t addr, uint64_t *start,
		   uint64_t *end)
{
	struct mt_node *n;
	int i;

	if (!find_prev_pos(t, addr, &n, &i))
		return NULL;
	return leaf_out(n, i, start, end);
}

void *mt_first(const struct mt_tree *t, uint64_t *start, uint64_t *end)
{
	struct mt_node *n = t->root;

	if (!n)
		return NULL;
	while (!n->leaf)
		n = I(n)->child[0];
	return leaf_out(n, 0, start, end);
}

void *mt_last(const struct mt_tree *t, uint64_t *start, uint64_t *end)
{
	struct mt_node *n = t->root;

	if (!n)
		return NULL;
	while (!n->leaf)
		n = I(n)->child[n->count - 1];
	return leaf_out(n, n->count - 1, start, end);
}

/* ------------------------------------------------------------------ */
/* Gap bookkeeping                                                     */

static inline uint64_t leaf_prev_end(const struct mt_node *n)
{
	const struct mt_node *p = L(n)->prev;

	return p ? L(p)->end[p->count - 1] : 0;
}

static uint64_t leaf_gap(const struct mt_node *n)
{
	uint64_t pe = leaf_prev_end(n), g = 0;

	for (int i = 0; i < n->count; i++) {
		uint64_t d = L(n)->start[i] - pe;

		g = d > g ? d : g;
		pe = L(n)->end[i];
	}
	return g;
}

static uint64_t inner_gap(const struct mt_node *n)
{
	uint64_t g = 0;

	for (int j = 0; j < n->count; j++)
		g = I(n)->gap[j] > g ? I(n)->gap[j] : g;
	return g;
}

static inline uint64_t node_gap(const struct mt_node *n)
{
	return n->leaf ? leaf_gap(n) : inner_gap(n);
}

/*
 * gap_update() - recompute the largest gap of @n and carry it upwards until
 * a level already holds the new value.
 * Caller must: have every gap slot below @n correct.
 */
static void gap_update(struct mt_node *n)
{
	uint64_t g;

	if (!n)
		return;
	g = node_gap(n);
	while (n->parent) {
		struct mt_node *p = n->parent;
		int j = slot_in_parent(n);

		if (I(p)->gap[j] == g)
			return;
		I(p)->gap[j] = g;
		g = inner_gap(p);
		n = p;
	}
}

/* ------------------------------------------------------------------ */
/* Insertion into free space                                           */

static int is_rightmost(const struct mt_node *n)
{
	for (; n->parent; n = n->parent)
		if (I(n->parent)->child[n->parent->count - 1] != n)
			return 0;
	return 1;
}

static void insert_child(struct mt_tree *t, struct mt_node *left,
			 struct mt_node *right, uint64_t key);

/*
 * split_inner() - @p is full and must take @right after child @j: share the
 * ICAP + 1 children between @p and a new sibling, then hang the sibling in
 * the grandparent.
 */
static void split_inner(struct mt_tree *t, struct mt_node *p, int j,
			struct mt_node *right, uint64_t key)
{
	uint64_t keys[MT_ICAP + 1], gaps[MT_ICAP + 1];
	struct mt_node *kids[MT_ICAP + 1], *q;
	int total = MT_ICAP + 1, lc, k;

	for (k = 0; k <= j; k++) {
		keys[k] = I(p)->key[k];
		kids[k] = I(p)->child[k];
		gaps[k] = I(p)->gap[k];
	}
	keys[j + 1] = key;
	kids[j + 1] = right;
	gaps[j + 1] = node_gap(right);
	for (k = j + 1; k < MT_ICAP; k++) {
		keys[k + 1] = I(p)->key[k];
		kids[k + 1] = I(p)->child[k];
		gaps[k + 1] = I(p)->gap[k];
	}
	/* Appending at the right edge: keep p full, start q with two children. */
	lc = (j + 1 == MT_ICAP && is_rightmost(p)) ? MT_ICAP - 1 : total / 2;

	q = node_get(t, 0);
	for (k = 0; k < lc; k++) {
		I(p)->key[k] = keys[k];
		I(p)->child[k] = kids[k];
		I(p)->gap[k] = gaps[k];
		kids[k]->parent = p;
	}
	p->count = (uint16_t)lc;
	for (k = lc; k < total; k++) {
		I(q)->key[k - lc] = keys[k];
		I(q)->child[k - lc] = kids[k];
		I(q)->gap[k - lc] = gaps[k];
		kids[k]->parent = q;
	}
	q->count = (uint16_t)(total - lc);
	I(q)->key[0] = 0;
	insert_child(t, p, q, keys[lc]);
	gap_update(p);
}

/*
 * insert_child() - hang @right just after @left in @left's parent, with
 * separator @key, growing a new root when @left is the root.
 */
static void insert_child(struct mt_tree *t, struct mt_node *left,
			 struct mt_node *right, uint64_t key)
{
	struct mt_node *p = left->parent;
	int j;

	if (!p) {
		p = node_get(t, 0);
		p->count = 2;
		I(p)->child[0] = left;
		I(p)->child[1] = right;
		I(p)->key[0] = 0;
		I(p)->key[1] = key;
		I(p)->gap[0] = node_gap(left);
		I(p)->gap[1] = node_gap(right);
		left->parent = right->parent = p;
		t->root = p;
		t->height++;
		return;
	}
	j = slot_in_parent(left);
	if (p->count == MT_ICAP) {
		split_inner(t, p, j, right, key);
		return;
	}
	memmove(&I(p)->key[j + 2], &I(p)->key[j + 1], (size_t)(p->count - j - 1) * 8);
	memmove(&I(p)->child[j + 2], &I(p)->child[j + 1], (size_t)(p->count - j - 1) * 8);
	memmove(&I(p)->gap[j + 2], &I(p)->gap[j + 1], (size_t)(p->count - j - 1) * 8);
	I(p)->key[j + 1] = key;
	I(p)->child[j + 1] = right;
	I(p)->gap[j + 1] = node_gap(right);
	right->parent = p;
	p->count++;
}

static inline void leaf_put(struct mt_node *n, int i, uint64_t s, uint64_t e,
			    void *v)
{
	L(n)->start[i] = s;
	L(n)->end[i] = e;
	L(n)->val[i] = v;
}

/* split_leaf() - full leaf @n takes [s, e) at @pos: share with a new leaf. */
static void split_leaf(struct mt_tree *t, struct mt_node *n, int pos,
		       uint64_t s, uint64_t e, void *v)
{
	uint64_t st[MT_LCAP + 1], en[MT_LCAP + 1];
	void *va[MT_LCAP + 1];
	struct mt_node *r;
	int total = MT_LCAP + 1, lc, k;

	for (k = 0; k < pos; k++) {
		st[k] = L(n)->start[k];
		en[k] = L(n)->end[k];
		va[k] = L(n)->val[k];
	}
	st[pos] = s;
	en[pos] = e;
	va[pos] = v;
	for (k = pos; k < MT_LCAP; k++) {
		st[k + 1] = L(n)->start[k];
		en[k + 1] = L(n)->end[k];
		va[k + 1] = L(n)->val[k];
	}
	/*
	 * Ascending appends at the right edge keep the left leaf full, so a
	 * tree built in address order is packed; otherwise split in half.
	 */
	if (pos == MT_LCAP && !L(n)->next)
		lc = MT_LCAP;
	else
		lc = total / 2;

	r = node_get(t, 1);
	for (k = 0; k < lc; k++)
		leaf_put(n, k, st[k], en[k], va[k]);
	n->count = (uint16_t)lc;
	for (k = lc; k < total; k++)
		leaf_put(r, k - lc, st[k], en[k], va[k]);
	r->count = (uint16_t)(total - lc);

	L(r)->prev = n;
	L(r)->next = L(n)->next;
	if (L(n)->next)
		L(L(n)->next)->prev = r;
	L(n)->next = r;

	insert_child(t, n, r, L(r)->start[0]);
	gap_update(n);
	gap_update(r);
	gap_update(L(r)->next);
}

/*
 * insert_free() - add [s, e) -> v where no entry overlaps it.
 * Caller must: have filled the reserve for one insertion.
 */
static void insert_free(struct mt_tree *t, uint64_t s, uint64_t e, void *v)
{
	struct mt_node *n = t->root;
	int pos;

	t->count++;
	if (!n) {
		n = node_get(t, 1);
		leaf_put(n, 0, s, e, v);
		n->count = 1;
		t->root = n;
		t->height = 1;
		return;
	}
	while (!n->leaf) {
		int j = inner_slot(n, s);

		/* The new entry may end past the separator on its right. */
		if (j + 1 < n->count && I(n)->key[j + 1] < e)
			I(n)->key[j + 1] = e;
		n = I(n)->child[j];
	}
	pos = leaf_rank(n, s);
	if (n->count == MT_LCAP) {
		split_leaf(t, n, pos, s, e, v);
		return;
	}
	memmove(&L(n)->start[pos + 1], &L(n)->start[pos], (size_t)(n->count - pos) * 8);
	memmove(&L(n)->end[pos + 1], &L(n)->end[pos], (size_t)(n->count - pos) * 8);
	memmove(&L(n)->val[pos + 1], &L(n)->val[pos], (size_t)(n->count - pos) * 8);
	leaf_put(n, pos, s, e, v);
	n->count++;
	gap_update(n);
	if (pos == n->count - 1)
		gap_update(L(n)->next);
}

/* ------------------------------------------------------------------ */
/* Removal                                                             */

static void remove_child(struct mt_tree *t, struct mt_node *p, int j);

static void unlink_leaf(struct mt_node *n)
{
	if (L(n)->prev)
		L(L(n)->prev)->next = L(n)->next;
	if (L(n)->next)
		L(L(n)->next)->prev = L(n)->prev;
}

/* rebalance_leaf() - @n fell below MT_LMIN: merge it or borrow an entry. */
static void rebalance_leaf(struct mt_tree *t, struct mt_node *n)
{
	struct mt_node *p = n->parent, *left, *right;
	int j = slot_in_parent(n);

	left = j > 0 ? I(p)->child[j - 1] : NULL;
	right = j + 1 < p->count ? I(p)->child[j + 1] : NULL;

	if (left && left->count + n->count <= MT_LCAP) {
		/* Fold n into left: [left][n] -> [left + n]. */
		memcpy(&L(left)->start[left->count], L(n)->start, (size_t)n->count * 8);
		memcpy(&L(left)->end[left->count], L(n)->end, (size_t)n->count * 8);
		memcpy(&L(left)->val[left->count], L(n)->val, (size_t)n->count * 8);
		left->count += n->count;
		unlink_leaf(n);
		remove_child(t, p, j);
		node_put(t, n);
		gap_update(left);
		gap_update(L(left)->next);
	} else if (right && n->count + right->count <= MT_LCAP) {
		/* Fold right into n: [n][right] -> [n + right]. */
		memcpy(&L(n)->start[n->count], L(right)->start, (size_t)right->count * 8);
		memcpy(&L(n)->end[n->count], L(right)->end, (size_t)right->count * 8);
		memcpy(&L(n)->val[n->count], L(right)->val, (size_t)right->count * 8);
		n->count += right->count;
		unlink_leaf(right);
		remove_child(t, p, j + 1);
		node_put(t, right);
		gap_update(n);
		gap_update(L(n)->next);
	} else if (left) {
		/* Take left's last entry: [left..x][n] -> [left..][x n]. */
		int k = left->count - 1;

		memmove(&L(n)->start[1], L(n)->start, (size_t)n->count * 8);
		memmove(&L(n)->end[1], L(n)->end, (size_t)n->count * 8);
		memmove(&L(n)->val[1], L(n)->val, (size_t)n->count * 8);
		leaf_put(n, 0, L(left)->start[k], L(left)->end[k], L(left)->val[k]);
		n->count++;
		left->count--;
		I(p)->key[j] = L(n)->start[0];
		gap_update(left);
		gap_update(n);
		gap_update(L(n)->next);	/* n's tail may be what was deleted */
	} else {
		/* Take right's first entry: [n][x right..] -> [n x][right..]. */
		leaf_put(n, n->count, L(right)->start[0], L(right)->end[0], L(right)->val[0]);
		n->count++;
		right->count--;
		memmove(L(right)->start, &L(right)->start[1], (size_t)right->count * 8);
		memmove(L(right)->end, &L(right)->end[1], (size_t)right->count * 8);
		memmove(L(right)->val, &L(right)->val[1], (size_t)right->count * 8);
		I(p)->key[j + 1] = L(right)->start[0];
		gap_update(n);
		gap_update(right);
	}
}

/* rebalance_inner() - inner node @n fell below MT_IMIN children. */
static void rebalance_inner(struct mt_tree *t, struct mt_node *n)
{
	struct mt_node *p = n->parent, *left, *right;
	int j = slot_in_parent(n), k;

	left = j > 0 ? I(p)->child[j - 1] : NULL;
	right = j + 1 < p->count ? I(p)->child[j + 1] : NULL;

	if (left && left->count + n->count <= MT_ICAP) {
		/* [left][n] -> [left + n]; p's separator becomes n's first key. */
		int base = left->count;

		for (k = 0; k < n->count; k++) {
			I(left)->key[base + k] = k ? I(n)->key[k] : I(p)->key[j];
			I(left)->child[base + k] = I(n)->child[k];
			I(left)->gap[base + k] = I(n)->gap[k];
			I(n)->child[k]->parent = left;
		}
		left->count += n->count;
		remove_child(t, p, j);
		node_put(t, n);
		gap_update(left);
	} else if (right && n->count + right->count <= MT_ICAP) {
		int base = n->count;

		for (k = 0; k < right->count; k++) {
			I(n)->key[base + k] = k ? I(right)->key[k] : I(p)->key[j + 1];
			I(n)->child[base + k] = I(right)->child[k];
			I(n)->gap[base + k] = I(right)->gap[k];
			I(right)->child[k]->parent = n;
		}
		n->count += right->count;
		remove_child(t, p, j + 1);
		node_put(t, right);
		gap_update(n);
	} else if (left) {
		/* Move left's last child to the front of n. */
		int m = left->count - 1;
		size_t c = (size_t)n->count * 8;

		memmove(&I(n)->key[1], &I(n)->key[0], c);
		memmove(&I(n)->child[1], &I(n)->child[0], c);
		memmove(&I(n)->gap[1], &I(n)->gap[0], c);
		I(n)->key[1] = I(p)->key[j];
		I(n)->key[0] = 0;
		I(n)->child[0] = I(left)->child[m];
		I(n)->gap[0] = I(left)->gap[m];
		I(n)->child[0]->parent = n;
		I(p)->key[j] = I(left)->key[m];
		n->count++;
		left->count--;
		gap_update(left);
		gap_update(n);
	} else {
		/* Move right's first child to the end of n. */
		size_t c = (size_t)(right->count - 1) * 8;

		I(n)->key[n->count] = I(p)->key[j + 1];
		I(n)->child[n->count] = I(right)->child[0];
		I(n)->gap[n->count] = I(right)->gap[0];
		I(right)->child[0]->parent = n;
		n->count++;
		I(p)->key[j + 1] = I(right)->key[1];
		memmove(&I(right)->key[0], &I(right)->key[1], c);
		memmove(&I(right)->child[0], &I(right)->child[1], c);
		memmove(&I(right)->gap[0], &I(right)->gap[1], c);
		right->count--;
		I(right)->key[0] = 0;
		gap_update(n);
		gap_update(right);
	}
}

/* remove_child() - drop child @j of inner node @p (already emptied). */
static void remove_child(struct mt_tree *t, struct mt_node *p, int j)
{
	size_t c = (size_t)(p->count - j - 1) * 8;

	memmove(&I(p)->key[j], &I(p)->key[j + 1], c);
	memmove(&I(p)->child[j], &I(p)->child[j + 1], c);
	memmove(&I(p)->gap[j], &I(p)->gap[j + 1], c);
	p->count--;
	I(p)->key[0] = 0;
	if (!p->parent) {
		if (p->count == 1) {
			/* The root has one child left: it becomes the root. */
			t->root = I(p)->child[0];
			t->root->parent = NULL;
			t->height--;
			node_put(t, p);
		}
		return;
	}
	if (p->count < MT_IMIN)
		rebalance_inner(t, p);
	else
		gap_update(p);
}

/* leaf_delete() - remove entry @i of leaf @n. */
static void leaf_delete(struct mt_tree *t, struct mt_node *n, int i)
{
	int was_last = i == n->count - 1;
	size_t c = (size_t)(n->count - i - 1) * 8;

	memmove(&L(n)->start[i], &L(n)->start[i + 1], c);
	memmove(&L(n)->end[i], &L(n)->end[i + 1], c);
	memmove(&L(n)->val[i], &L(n)->val[i + 1], c);
	n->count--;
	t->count--;
	if (!n->parent) {
		if (n->count == 0) {
			t->root = NULL;
			t->height = 0;
			node_put(t, n);
		}
		return;
	}
	if (n->count < MT_LMIN) {
		rebalance_leaf(t, n);
		return;
	}
	gap_update(n);
	if (was_last)
		gap_update(L(n)->next);
}

/*
 * erase_range() - make [s, e) free, trimming or splitting what overlaps.
 * Caller must: have filled the reserve for one insertion (a split).
 */
static void erase_range(struct mt_tree *t, uint64_t s, uint64_t e)
{
	struct mt_node *n;
	int i;

	while (find_pos(t, s, &n, &i) && L(n)->start[i] < e) {
		uint64_t es = L(n)->start[i], ee = L(n)->end[i];

		if (es < s && ee > e) {
			/* The range lies inside one entry: keep both ends. */
			L(n)->end[i] = s;
			gap_update(n);
			if (i == n->count - 1)
				gap_update(L(n)->next);
			insert_free(t, e, ee, L(n)->val[i]);
			return;
		}
		if (es < s) {
			/* Trim the entry's tail: [es, s). */
			L(n)->end[i] = s;
			gap_update(n);
			if (i == n->count - 1)
				gap_update(L(n)->next);
			continue;
		}
		if (ee > e) {
			/* Trim the entry's head: [e, ee); keys stay below it. */
			L(n)->start[i] = e;
			gap_update(n);
			return;
		}
		leaf_delete(t, n, i);
	}
}

int mt_store(struct mt_tree *t, uint64_t start, uint64_t end, void *val)
{
	if (start >= end || !val)
		return -EINVAL;
	if (reserve_fill(t, reserve_need(t, 2)))
		return -ENOMEM;
	/* Point of no return */
	erase_range(t, start, end);
	insert_free(t, start, end, val);
	t->seq++;
	if (!t->floor)
		reserve_trim(t, reserve_need(t, 2));
	return 0;
}

int mt_erase(struct mt_tree *t, uint64_t start, uint64_t end)
{
	if (start >= end)
		return -EINVAL;
	if (reserve_fill(t, reserve_need(t, 1)))
		return -ENOMEM;
	/* Point of no return */
	erase_range(t, start, end);
	t->seq++;
	if (!t->floor)
		reserve_trim(t, reserve_need(t, 2));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Gap search                                                          */

struct gap_req {
	uint64_t lo, hi, len, mask, off;
	uint64_t amin_top;	/* highest start a may have: hi - len + 1 */
	uint64_t found;
};

enum { GAP_NONE, GAP_FOUND, GAP_STOP };

/*
 * fit_low() / fit_high() - the lowest / highest aligned a with
 * [a, a + len) inside the gap [gs, gl] (inclusive) and inside [lo, hi].
 */
static int fit_low(struct gap_req *q, uint64_t gs, uint64_t gl)
{
	uint64_t a = gs > q->lo ? gs : q->lo, top;

	if (gl - gs + 1 < q->len && gl - gs + 1 != 0)
		return 0;
	top = gl - (q->len - 1);	/* highest start inside the gap */
	if (top > q->amin_top)
		top = q->amin_top;
	if (a > top)
		return 0;
	a += (q->off - a) & q->mask;
	if (a < gs || a > top)	/* wrapped, or past the end */
		return 0;
	q->found = a;
	return 1;
}

static int fit_high(struct gap_req *q, uint64_t gs, uint64_t gl)
{
	uint64_t lo = gs > q->lo ? gs : q->lo, a;

	if (gl - gs + 1 < q->len && gl - gs + 1 != 0)
		return 0;
	a = gl - (q->len - 1);
	if (a > q->amin_top)
		a = q->amin_top;
	if (a < lo)
		return 0;
	a -= (a - q->off) & q->mask;
	if (a < lo || a > gl)
		return 0;
	q->found = a;
	return 1;
}

static int gap_low_leaf(struct gap_req *q, const struct mt_node *n)
{
	uint64_t pe = leaf_prev_end(n);

	for (int i = 0; i < n->count; pe = L(n)->end[i], i++) {
		uint64_t st = L(n)->start[i];

		if (pe > q->amin_top)
			return GAP_STOP;
		if (st == pe || st - pe < q->len || st <= q->lo)
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
		return gap_low_leaf(q, n);
	for (int j = 0; j < n->count; j++) {
		int last = j + 1 == n->count;
		uint64_t cu = last ? upper : I(n)->key[j + 1];
		int cinf = last ? upper_inf : 0;
		int r;

		if (!cinf && cu <= q->lo)
			continue;	/* every gap below ends before lo */
		if (I(n)->gap[j] < q->len)
			continue;
		r = gap_low(q, I(n)->child[j], cu, cinf);
		if (r != GAP_NONE)
			return r;
	}
	return GAP_NONE;
}

static int gap_high_leaf(struct gap_req *q, const struct mt_node *n, int only_first)
{
	for (int i = only_first ? 0 : n->count - 1; i >= 0; i--) {
		uint64_t st = L(n)->start[i];
		uint64_t pe = i ? L(n)->end[i - 1] : leaf_prev_end(n);

		if (st <= q->lo || st - q->lo < q->len)
			return GAP_STOP;	/* this and every lower gap end too low */
		if (st - pe < q->len || pe > q->amin_top)
			continue;
		if (fit_high(q, pe, st - 1))
			return GAP_FOUND;
	}
	return GAP_NONE;
}

static int gap_high(struct gap_req *q, const struct mt_node *n)
{
	if (n->leaf)
		return gap_high_leaf(q, n, 0);
	for (int j = n->count - 1; j >= 0; j--) {
		const struct mt_node *c = I(n)->child[j];
		int r;

		if (I(n)->gap[j] < q->len)
			continue;
		if (j > 0 && I(n)->key[j] > q->amin_top) {
			/*
			 * Every gap below c but its very first starts above
			 * the highest usable address: look at that one only.
			 */
			while (!c->leaf)
				c = I(c)->child[0];
			r = gap_high_leaf(q, c, 1);
		} else {
			r = gap_high(q, c);
		}
		if (r != GAP_NONE)
			return r;
	}
	return GAP_NONE;
}

static int gap_args(struct gap_req *q, uint64_t lo, uint64_t hi, uint64_t len,
		    uint64_t mask, uint64_t off)
{
	if (len == 0 || (mask & (mask + 1)) != 0 || hi < lo || hi - lo < len - 1)
		return -EINVAL;
	q->lo = lo;
	q->hi = hi;
	q->len = len;
	q->mask = mask;
	q->off = off;
	q->amin_top = hi - (len - 1);
	return 0;
}

int mt_gap_lowest(const struct mt_tree *t, uint64_t lo, uint64_t hi,
		  uint64_t len, uint64_t align_mask, uint64_t align_offset,
		  uint64_t *addr)
{
	struct gap_req q;
	uint64_t last_end = 0;
	int r;

	if (gap_args(&q, lo, hi, len, align_mask, align_offset))
		return -EINVAL;
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

	if (gap_args(&q, lo, hi, len, align_mask, align_offset))
		return -EINVAL;
	if (t->root)
		mt_last(t, NULL, &last_end);
	if (fit_high(&q, last_end, UINT64_MAX)) {
		*addr = q.found;
		return 0;
	}
	if (t->root && gap_high(&q, t->root) == GAP_FOUND) {
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

static void *cursor_take(struct mt_cursor *c, struct mt_node *n, int i,
			 uint64_t *start, uint64_t *end)
{
	c->leaf = n;
	c->slot = i;
	c->seq = c->tree->seq;
	c->lo = L(n)->start[i];
	c->hi = L(n)->end[i];
	return leaf_out(n, i, start, end);
}

void *mt_next(struct mt_cursor *c, uint64_t *start, uint64_t *end)
{
	struct mt_node *n = c->leaf;
	int i;

	if (n && c->seq == c->tree->seq) {
		/* Unchanged tree: step without searching. */
		i = c->slot + 1;
		if (i >= n->count) {
			n = L(n)->next;
			i = 0;
		}
		if (!n)
			return NULL;
		return cursor_take(c, n, i, start, end);
	}
	/* The tree changed: search from the end of the current entry. */
	if (!find_pos(c->tree, c->hi, &n, &i))
		return NULL;
	return cursor_take(c, n, i, start, end);
}

void *mt_prev(struct mt_cursor *c, uint64_t *start, uint64_t *end)
{
	struct mt_node *n = c->leaf;
	int i;

	if (n && c->seq == c->tree->seq) {
		i = c->slot - 1;
		if (i < 0) {
			n = L(n)->prev;
			if (!n)
				return NULL;
			i = n->count - 1;
		}
		return cursor_take(c, n, i, start, end);
	}
	if (!find_prev_pos(c->tree, c->lo, &n, &i))
		return NULL;
	return cursor_take(c, n, i, start, end);
}

/* ------------------------------------------------------------------ */
/* Validation and dumping                                              */

static void dump_node(const struct mt_node *n, int depth)
{
	if (n->leaf) {
		fprintf(stderr, "%*sleaf %p n=%d gap=%#" PRIx64 ":", depth * 2, "",
			(const void *)n, n->count, leaf_gap(n));
		for (int i = 0; i < n->count; i++)
			fprintf(stderr, " [%#" PRIx64 ",%#" PRIx64 ")", L(n)->start[i],
				L(n)->end[i]);
		fputc('\n', stderr);
		return;
	}
	fprintf(stderr, "%*sinner %p n=%d\n", depth * 2, "", (const void *)n, n->count);
	for (int j = 0; j < n->count; j++) {
		fprintf(stderr, "%*s key=%#" PRIx64 " gap=%#" PRIx64 "\n", depth * 2, "",
			I(n)->key[j], I(n)->gap[j]);
		dump_node(I(n)->child[j], depth + 1);
	}
}

void mt_dump(const struct mt_tree *t)
{
	fprintf(stderr, "tree: count=%" PRIu64 " height=%u nodes=%" PRIu64 "\n",
		t->count, t->height, t->nodes);
	if (t->root)
		dump_node(t->root, 0);
}

struct vstate {
	const struct mt_tree *t;
	const char *err;
	uint64_t entries, nodes;
	const struct mt_node *last_leaf;
	uint64_t last_end;
	int have_last;
};

#define VFAIL(v, msg) do { (v)->err = (msg); return 0; } while (0)

/*
 * check_node() - every entry below @n lies in [lo, hi) (hi_inf: no bound),
 * the node is at @depth of @height, and its cached gaps are right.
 */
static int check_node(struct vstate *v, const struct mt_node *n, uint64_t lo,
		      uint64_t hi, int hi_inf, unsigned depth)
{
	v->nodes++;
	if (n->count == 0 || n->count > (n->leaf ? MT_LCAP : MT_ICAP))
		VFAIL(v, "node fill out of bounds");
	if (n->leaf) {
		if (depth != v->t->height)
			VFAIL(v, "leaves at different depths");
		if (L(n)->prev != v->last_leaf)
			VFAIL(v, "leaf prev link wrong");
		if (v->last_leaf && L(v->last_leaf)->next != n)
			VFAIL(v, "leaf next link wrong");
		for (int i = 0; i < n->count; i++) {
			uint64_t s = L(n)->start[i], e = L(n)->end[i];

			if (s >= e)
				VFAIL(v, "empty or inverted entry");
			if (!L(n)->val[i])
				VFAIL(v, "NULL value");
			if (v->have_last && s < v->last_end)
				VFAIL(v, "entries out of order or overlapping");
			if (s < lo || (!hi_inf && e > hi))
				VFAIL(v, "entry outside its parent's separators");
			v->have_last = 1;
			v->last_end = e;
			v->entries++;
		}
		v->last_leaf = n;
		return 1;
	}
	if (depth >= v->t->height)
		VFAIL(v, "inner node too deep");
	if (n->parent == NULL && n->count < 2)
		VFAIL(v, "inner root with one child");
	for (int j = 0; j < n->count; j++) {
		const struct mt_node *c = I(n)->child[j];
		uint64_t clo = j ? I(n)->key[j] : lo;
		uint64_t chi = j + 1 < n->count ? I(n)->key[j + 1] : hi;
		int cinf = j + 1 < n->count ? 0 : hi_inf;

		if (j && I(n)->key[j] < lo)
			VFAIL(v, "separator below the node's range");
		if (j + 1 < n->count && I(n)->key[j + 1] < I(n)->key[j] && j)
			VFAIL(v, "separators out of order");
		if (c->parent != n)
			VFAIL(v, "parent link wrong");
		if (!check_node(v, c, clo, chi, cinf, depth + 1))
			return 0;
		if (I(n)->gap[j] != node_gap(c))
			VFAIL(v, "cached gap wrong");
	}
	return 1;
}

int mt_validate(const struct mt_tree *t)
{
	struct vstate v = { t, NULL, 0, 0, NULL, 0, 0 };

	if (!t->root) {
		if (t->count || t->height)
			v.err = "empty tree with a count or height";
	} else if (t->root->parent) {
		v.err = "root has a parent";
	} else if (check_node(&v, t->root, 0, 0, 1, 1)) {
		if (L(v.last_leaf)->next)
			v.err = "last leaf has a next link";
		else if (v.entries != t->count)
			v.err = "entry count wrong";
		else if (v.nodes != t->nodes)
			v.err = "node count wrong";
	}
	if (!v.err) {
		uint64_t n = 0;

		for (struct mt_node *r = t->reserve; r; r = r->parent)
			n++;
		if (n != t->nreserve)
			v.err = "reserve count wrong";
	}
	if (v.err) {
		fprintf(stderr, "mt_validate: %s\n", v.err);
		mt_dump(t);
		return -EUCLEAN;
	}
	return 0;
}
