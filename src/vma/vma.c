/* SPDX-License-Identifier: MIT */
/*
 * vma.c - the VMA core: split, merge (new range and existing range), modify,
 * expand, shrink, relocate, copy, the anon_vma model and munmap's gather and
 * remove, modelled on Linux 6.18 mm/vma.c and written from scratch.
 *
 * This file includes exactly two headers, the dependency boundary
 * (vma_internal.h, chosen by the include path: src/vma/boundary/ for the
 * library, tests/vma/ for the unit tests) and its own API (vma.h).  A build
 * check enforces that.  Every operation makes all of its allocations and
 * limit checks before its first visible change, marked "Point of no return".
 * Design notes and the merge diagrams: docs/design.md, "The VMA core".
 */
#include "vma_internal.h"
#include "vma.h"

/*
 * The record budget: one 64-byte cache line on LP64 (the tree adds about
 * 20 bytes per VMA).  The rare attributes live in struct vm_area_ext.
 */
_Static_assert(sizeof(void *) != 8 || sizeof(struct vm_area_struct) == 64,
	       "struct vm_area_struct must be 64 bytes on LP64");

/* ------------------------------------------------------------------ */
/* The address space                                                   */

void vma_mm_init(struct vma_mm *mm)
{
	memset(mm, 0, sizeof(*mm));
	mt_init(&mm->mm_mt);
	mm->max_map_count = DEFAULT_MAX_MAP_COUNT;
	mm->task_size = DEFAULT_TASK_SIZE;
}

void vma_mm_destroy(struct vma_mm *mm)
{
	struct mt_cursor c;
	struct vm_area_struct *vma;

	/*
	 * Walk without changing the tree (an erase could need memory), free
	 * every VMA, then the nodes.  The walk reads only the tree's keys.
	 */
	mt_cursor_init(&c, &mm->mm_mt, 0);
	while ((vma = mt_next(&c, NULL, NULL)) != NULL)
		remove_vma(mm, vma);
	mt_destroy(&mm->mm_mt);
	mm->map_count = 0;
	VMA_WARN_ON(mm->vma_pool.records != 0);	/* a record leaked */
	uvma_pool_destroy(&mm->vma_pool);
}

/*
 * __vma_prealloc() - reserve tree nodes for @nwrites writes.  On failure the
 * reserve is given back, so the tree holds exactly what it held before.
 */
static MUST_CHECK int __vma_prealloc(struct vma_mm *mm, unsigned int nwrites)
{
	if (vma__prealloc(&mm->mm_mt, nwrites))
		return -ENOMEM;	/* the tree's reserve is as it was */
	return 0;
}

/* __vma_store() - write @vma's range into the tree (preallocated). */
static void __vma_store(struct vma_mm *mm, struct vm_area_struct *vma)
{
	int err = mt_store(&mm->mm_mt, vma->vm_start, vma->vm_end, vma);

	VMA_BUG_ON(err != 0);	/* the reserve was filled beforehand */
	(void)err;
}

/* __vma_erase() - clear [start, end) in the tree (preallocated). */
static void __vma_erase(struct vma_mm *mm, uint64_t start, uint64_t end)
{
	int err = mt_erase(&mm->mm_mt, start, end);

	VMA_BUG_ON(err != 0);	/* the reserve was filled beforehand */
	(void)err;
}

static void __vma_set_range(struct vm_area_struct *vma, uint64_t start,
			    uint64_t end, uint64_t pgoff)
{
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_pgoff = pgoff;
}

static bool __page_aligned(uint64_t addr)
{
	return (addr & ~PAGE_MASK) == 0;
}

/* ------------------------------------------------------------------ */
/* The iterator                                                        */

void vma_iter_init(struct vma_iterator *vmi, struct vma_mm *mm, uint64_t addr)
{
	vmi->mm = mm;
	mt_cursor_init(&vmi->cur, &mm->mm_mt, addr);
}

void vma_iter_set(struct vma_iterator *vmi, uint64_t addr)
{
	mt_cursor_init(&vmi->cur, &vmi->mm->mm_mt, addr);
}

/*
 * __vma_iter_set_range() - stand on the range [lo, hi), a VMA or a gap:
 * vma_iter_addr() and vma_iter_end() give its bounds, vma_next() the first
 * VMA ending above @hi (for a gap, the one starting at @hi) and vma_prev()
 * the last VMA starting below @lo.  The cursor keeps no leaf, so its next
 * step searches from those bounds.
 */
static void __vma_iter_set_range(struct vma_iterator *vmi, uint64_t lo,
				 uint64_t hi)
{
	vma_iter_set(vmi, lo);
	vmi->cur.hi = hi;
}

/*
 * vma_iter_on() - stand on @vma without searching: the cursor keeps @vma's
 * range and no leaf, so a step searches from that range only if the
 * caller takes one (the first VMA ending above vm_end, the last starting
 * below vm_start), exactly the neighbours a cached position would give.
 * Most callers of the operations that end here never step again.
 */
void vma_iter_on(struct vma_iterator *vmi, struct vm_area_struct *vma)
{
	if (!vmi)
		return;
	__vma_iter_set_range(vmi, vma->vm_start, vma->vm_end);
}

struct vm_area_struct *vma_next(struct vma_iterator *vmi)
{
	return mt_next(&vmi->cur, NULL, NULL);
}

struct vm_area_struct *vma_prev(struct vma_iterator *vmi)
{
	return mt_prev(&vmi->cur, NULL, NULL);
}

struct vm_area_struct *vma_find(struct vma_iterator *vmi, uint64_t max)
{
	struct mt_cursor saved = vmi->cur;
	struct vm_area_struct *vma = mt_next(&vmi->cur, NULL, NULL);

	if (vma && vma->vm_start < max)
		return vma;
	vmi->cur = saved;
	return NULL;
}

struct vm_area_struct *vma_iter_next_range(struct vma_iterator *vmi)
{
	uint64_t end = vma_iter_end(vmi);
	struct vm_area_struct *vma = mt_next(&vmi->cur, NULL, NULL);

	if (vma && vma->vm_start == end)
		return vma;
	/* A gap follows: [end, next VMA's start), or to the top. */
	__vma_iter_set_range(vmi, end, vma ? vma->vm_start : UINT64_MAX);
	return NULL;
}

struct vm_area_struct *vma_iter_prev_range(struct vma_iterator *vmi)
{
	uint64_t start = vma_iter_addr(vmi);
	struct vm_area_struct *vma = mt_prev(&vmi->cur, NULL, NULL);

	if (vma && vma->vm_end == start)
		return vma;
	/* A gap precedes: [previous VMA's end, or 0, start). */
	__vma_iter_set_range(vmi, vma ? vma->vm_end : 0, start);
	return NULL;
}

struct vm_area_struct *find_vma(struct vma_mm *mm, uint64_t addr)
{
	return mt_find(&mm->mm_mt, addr, NULL, NULL);
}

struct vm_area_struct *find_vma_prev(struct vma_mm *mm, uint64_t addr,
				     struct vm_area_struct **pprev)
{
	void *prev;
	struct vm_area_struct *vma = mt_find_around(&mm->mm_mt, addr, &prev);

	/*
	 * Callers look at both at once (may the new range merge with either?):
	 * let the two records' cache misses overlap.  Not NULL: a prefetch of
	 * an unmapped address still walks the page tables (twice over in a
	 * virtual machine), which costs more than the miss.
	 */
	if (vma)
		prefetch(vma);
	if (prev)
		prefetch(prev);
	*pprev = prev;
	return vma;
}

static inline struct vm_area_struct *
__vma_iter_after(const struct vma_iterator *vmi, const struct vm_area_struct *vma)
{
	struct mt_cursor c;

	/*
	 * A cursor whose range ends at vm_end either stands on @vma (the
	 * only entry ending there) or searches from vm_end: its next step
	 * is the VMA after @vma, within the leaf it holds if it holds one.
	 */
	if (vma_iter_end(vmi) != vma->vm_end)
		return find_vma(vmi->mm, vma->vm_end);
	c = vmi->cur;
	return mt_next(&c, NULL, NULL);
}

struct vm_area_struct *vma_iter_after(const struct vma_iterator *vmi,
				      const struct vm_area_struct *vma)
{
	return __vma_iter_after(vmi, vma);
}

struct vm_area_struct *find_vma_intersection(struct vma_mm *mm, uint64_t start,
					     uint64_t end)
{
	struct vm_area_struct *vma;

	/* An empty range meets nothing (Linux: mt_find() with max < index). */
	if (start >= end)
		return NULL;
	vma = find_vma(mm, start);

	return vma && vma->vm_start < end ? vma : NULL;
}

/* ------------------------------------------------------------------ */
/* The anon_vma model                                                  */

static struct anon_vma *__anon_vma_alloc(struct vma_mm *mm,
					 struct anon_vma *parent)
{
	struct anon_vma *av = vma__anon_vma_alloc(sizeof(*av));

	if (!av)
		return NULL;
	av->id = ++mm->anon_vma_seq;
	av->refcount = 1;
	av->parent = parent;
	if (parent) {
		parent->refcount++;
		av->fork_child = true;
	}
	return av;
}

static void __anon_vma_put(struct anon_vma *av)
{
	while (av && --av->refcount == 0) {
		struct anon_vma *parent = av->parent;

		vma__anon_vma_free(av, sizeof(*av));
		av = parent;
	}
}

void unlink_anon_vmas(struct vm_area_struct *vma)
{
	__anon_vma_put(vma->anon_vma);
	vma->anon_vma = NULL;
}

int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	/*
	 * Linux copies src's chain entry by entry (and can run out of memory
	 * doing so); here the chain is the anon_vma and its lineage, shared
	 * by reference, so cloning cannot fail.
	 */
	dst->anon_vma = src->anon_vma;
	if (dst->anon_vma)
		dst->anon_vma->refcount++;
	return 0;
}

int anon_vma_fork(struct vma_mm *mm, struct vm_area_struct *vma,
		  struct vm_area_struct *pvma)
{
	struct anon_vma *av;

	if (!pvma->anon_vma) {
		vma->anon_vma = NULL;
		return 0;
	}
	av = __anon_vma_alloc(mm, pvma->anon_vma);
	if (!av)
		return -ENOMEM;
	vma->anon_vma = av;
	return 0;
}

/*
 * anon_vma_compatible() - may @a and @b (in address order) share one
 * anon_vma?  Adjacent, same policy and file, pgoff contiguous, and flags
 * equal apart from what mprotect changes and the flags merges ignore
 * (soft-dirty, sticky "gu": live, a guarded VMA's anon_vma is reused by
 * its unguarded neighbour's first fault).
 */
static bool anon_vma_compatible(const struct vm_area_struct *a,
				const struct vm_area_struct *b)
{
	return a->vm_end == b->vm_start &&
	       mpol_equal(vma_policy(a), vma_policy(b)) &&
	       a->vm_file == b->vm_file &&
	       ((a->vm_flags ^ b->vm_flags) & ~(VM_ACCESS_FLAGS | VM_IGNORE_MERGE)) == 0 &&
	       b->vm_pgoff == a->vm_pgoff + ((b->vm_start - a->vm_start) >> PAGE_SHIFT);
}

/* reusable_anon_vma() - @old's anon_vma, if @a/@b fit and old's chain is single. */
static struct anon_vma *reusable_anon_vma(const struct vm_area_struct *old,
					  const struct vm_area_struct *a,
					  const struct vm_area_struct *b)
{
	if (anon_vma_compatible(a, b) && old->anon_vma && !old->anon_vma->fork_child)
		return old->anon_vma;
	return NULL;
}

struct anon_vma *find_mergeable_anon_vma(struct vma_mm *mm,
					 struct vm_area_struct *vma)
{
	struct vm_area_struct *next, *prev;
	struct anon_vma *av;

	/* Next first: the VMA starting exactly at our end, if any. */
	next = mt_load(&mm->mm_mt, vma->vm_end, NULL, NULL);
	if (next) {
		av = reusable_anon_vma(next, vma, next);
		if (av)
			return av;
	}
	prev = mt_find_prev(&mm->mm_mt, vma->vm_start, NULL, NULL);
	if (prev)
		return reusable_anon_vma(prev, prev, vma);
	return NULL;
}

int anon_vma_prepare(struct vma_mm *mm, struct vm_area_struct *vma)
{
	struct anon_vma *av;

	if (vma->anon_vma)
		return 0;
	av = find_mergeable_anon_vma(mm, vma);
	if (av) {
		av->refcount++;
	} else {
		av = __anon_vma_alloc(mm, NULL);
		if (!av)
			return -ENOMEM;
	}
	vma->anon_vma = av;
	VMA_CHECK_MM(mm);
	return 0;
}

/*
 * dup_anon_vma() - when a merge grows @dst over pages of @src, @dst must
 * reach src's anonymous pages: if it has no anon_vma, it takes src's.
 * Cannot fail in this model (see anon_vma_clone()).
 */
static void dup_anon_vma(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	if (src->anon_vma && !dst->anon_vma) {
		int err = anon_vma_clone(dst, src);

		VMA_BUG_ON(err != 0);
		(void)err;
	}
}

/* ------------------------------------------------------------------ */
/* Records and references                                              */

struct vm_area_struct *vm_area_alloc(struct vma_mm *mm)
{
	_Static_assert(sizeof(struct vm_area_struct) <= UVMA_REC_BYTES,
		       "a VMA record must fit a pool record");
	return vma__rec_alloc(&mm->vma_pool);
}

void vm_area_free(struct vma_mm *mm, struct vm_area_struct *vma)
{
	if (vma->vm_ext)
		vma__free(vma->vm_ext, sizeof(*vma->vm_ext));
	vma__rec_free(&mm->vma_pool, vma);
}

/*
 * __vma_alloc_like() - a zeroed record for a copy of @src: with an empty
 * extension if @src has one, so that __vma_copy() cannot fail.  NULL if out
 * of memory.
 */
static inline struct vm_area_struct *
__vma_alloc_like(struct vma_mm *mm, const struct vm_area_struct *src)
{
	struct vm_area_struct *vma = vm_area_alloc(mm);

	if (vma && src->vm_ext) {
		vma->vm_ext = vma__alloc(sizeof(*vma->vm_ext));
		if (!vma->vm_ext) {
			vm_area_free(mm, vma);
			return NULL;
		}
	}
	return vma;
}

/*
 * __vma_copy() - make @dst (from __vma_alloc_like(@src)) a raw copy of
 * @src: every field, and @src's rare attributes in @dst's own extension.
 * No reference is taken (see __vma_take_refs()).
 */
static void __vma_copy(struct vm_area_struct *dst,
		       const struct vm_area_struct *src)
{
	struct vm_area_ext *ext = dst->vm_ext;

	VMA_BUG_ON(!ext != !src->vm_ext);	/* allocated like src */
	*dst = *src;
	dst->vm_ext = ext;
	if (ext)
		*ext = *src->vm_ext;
}

/* __vma_take_refs() - @vma is a raw copy: give it references of its own. */
static void __vma_take_refs(struct vm_area_struct *vma)
{
	int err;

	if (vma->vm_file)
		vma_get_file(vma);
	if (vma->vm_ext) {
		anon_vma_name_get(vma->vm_ext->anon_name);
		mpol_get(vma->vm_ext->policy);
	}
	err = anon_vma_clone(vma, vma);
	VMA_BUG_ON(err != 0);
	(void)err;
}

/* __vma_drop_refs() - release everything @vma holds (not the record). */
static void __vma_drop_refs(struct vm_area_struct *vma)
{
	struct vm_area_ext *ext = vma->vm_ext;

	if (vma->vm_file)
		vma_put_file(vma);
	if (ext) {
		anon_vma_name_put(ext->anon_name);
		mpol_put(ext->policy);
		ext->anon_name = NULL;
		ext->policy = NULL;
	}
	unlink_anon_vmas(vma);
	vma->vm_file = NULL;
}

struct vm_area_struct *vm_area_dup(struct vma_mm *mm,
				    struct vm_area_struct *orig)
{
	struct vm_area_struct *vma = __vma_alloc_like(mm, orig);

	if (!vma)
		return NULL;
	__vma_copy(vma, orig);
	__vma_take_refs(vma);
	return vma;
}

void remove_vma(struct vma_mm *mm, struct vm_area_struct *vma)
{
	if (vma->vm_ops && vma->vm_ops->close)
		vma->vm_ops->close(vma);
	__vma_drop_refs(vma);
	vm_area_free(mm, vma);
}

/*
 * __vma_ext_write() - give @vma exactly the rare attributes in @want,
 * moving references.  A missing extension is taken from *@spare if there is
 * one there, else allocated; one that ends up empty is freed.
 * Returns: 0 or -ENOMEM (nothing changed).
 */
static MUST_CHECK int __vma_ext_write(struct vm_area_struct *vma,
				      struct vm_area_ext want,
				      struct vm_area_ext **spare)
{
	struct vm_area_ext *ext = vma->vm_ext;
	bool empty = !want.anon_name && !want.policy && !want.uffd_ctx;

	if (!ext) {
		if (empty)
			return 0;
		if (spare && *spare) {
			ext = *spare;
			*spare = NULL;
		} else if (!(ext = vma__alloc(sizeof(*ext)))) {
			return -ENOMEM;
		}
		memset(ext, 0, sizeof(*ext));
		vma->vm_ext = ext;
	}
	anon_vma_name_get(want.anon_name);
	mpol_get(want.policy);
	anon_vma_name_put(ext->anon_name);
	mpol_put(ext->policy);
	*ext = want;
	if (empty) {
		vma__free(ext, sizeof(*ext));
		vma->vm_ext = NULL;
	}
	return 0;
}

/* __vma_ext_of() - @vma's rare attributes, by value. */
static struct vm_area_ext __vma_ext_of(const struct vm_area_struct *vma)
{
	struct vm_area_ext none = { 0 };

	return vma->vm_ext ? *vma->vm_ext : none;
}

int vma_set_anon_name(struct vm_area_struct *vma, struct anon_vma_name *name)
{
	struct vm_area_ext want = __vma_ext_of(vma);

	want.anon_name = name;
	return __vma_ext_write(vma, want, NULL);
}

int vma_set_policy(struct vm_area_struct *vma, struct mempolicy *pol)
{
	struct vm_area_ext want = __vma_ext_of(vma);

	want.policy = pol;
	return __vma_ext_write(vma, want, NULL);
}

int vma_set_uffd_ctx(struct vm_area_struct *vma, struct userfaultfd_ctx *ctx)
{
	struct vm_area_ext want = __vma_ext_of(vma);

	want.uffd_ctx = ctx;
	return __vma_ext_write(vma, want, NULL);
}

void vma_clear_uffd_ctx(struct vm_area_struct *vma)
{
	int err = vma_set_uffd_ctx(vma, NULL);

	VMA_BUG_ON(err != 0);	/* clearing never allocates */
	(void)err;
}

int vma_link(struct vma_mm *mm, struct vm_area_struct *vma)
{
	if (vma->vm_start >= vma->vm_end || !__page_aligned(vma->vm_start) ||
	    !__page_aligned(vma->vm_end))
		return -EINVAL;
	if (find_vma_intersection(mm, vma->vm_start, vma->vm_end))
		return -EEXIST;
	return __vma_link(mm, vma);
}

int __vma_link(struct vma_mm *mm, struct vm_area_struct *vma)
{
	VMA_WARN_ON(vma->vm_start >= vma->vm_end);	/* vma_link() checks */
	VMA_WARN_ON(find_vma_intersection(mm, vma->vm_start, vma->vm_end));
	if (__vma_prealloc(mm, 1))
		return -ENOMEM;
	/* Point of no return */
	__vma_store(mm, vma);
	mm->map_count++;
	mt_settle(&mm->mm_mt);
	VMA_CHECK_MM(mm);
	return 0;
}

/*
 * __vma_merge_remove() - a merge deleted @vma: drop it from the count and
 * free it.  Its pages now belong to the survivor, whose anon_vma already
 * covers them (dup_anon_vma()), so no close hook runs (a VMA with one is
 * never deleted by a merge).
 */
static void __vma_merge_remove(struct vma_mm *mm, struct vm_area_struct *vma)
{
	VMA_WARN_ON(vma->vm_ops && vma->vm_ops->close);
	__vma_drop_refs(vma);
	vm_area_free(mm, vma);
	mm->map_count--;
}

/* ------------------------------------------------------------------ */
/* Splitting                                                           */

static int __may_split(struct vm_area_struct *vma, uint64_t addr)
{
	if (vma->vm_ops && vma->vm_ops->may_split)
		return vma->vm_ops->may_split(vma, addr);
	return 0;
}

/*
 * __split_commit() - split @vma at @addr into @vma and @new (a record
 * allocated beforehand); the tree was preallocated.  Cannot fail.
 *
 *   SPLIT_NEW_BELOW:  |--new--|----vma----|     vma's pgoff moves up
 *   SPLIT_NEW_ABOVE:  |----vma----|--new--|     new's pgoff moves up
 *                             addr
 */
static void __split_commit(struct vma_mm *mm, struct vm_area_struct *vma,
			   struct vm_area_struct *new, uint64_t addr,
			   enum vma_split_where where)
{
	uint64_t pages_below = (addr - vma->vm_start) >> PAGE_SHIFT;

	__vma_copy(new, vma);
	__vma_take_refs(new);
	if (where == SPLIT_NEW_BELOW)
		new->vm_end = addr;
	else
		__vma_set_range(new, addr, vma->vm_end, vma->vm_pgoff + pages_below);
	if (new->vm_ops && new->vm_ops->open)
		new->vm_ops->open(new);

	if (where == SPLIT_NEW_BELOW)
		__vma_set_range(vma, addr, vma->vm_end, vma->vm_pgoff + pages_below);
	else
		vma->vm_end = addr;

	/* Storing new's range trims vma's old entry to vma's new range. */
	__vma_store(mm, new);
	mm->map_count++;
}

/*
 * __split_vma() - split_vma() without the map-count check (munmap's own
 * checks come first).
 */
static MUST_CHECK int __split_vma(struct vma_iterator *vmi,
				  struct vm_area_struct *vma, uint64_t addr,
				  enum vma_split_where where)
{
	struct vma_mm *mm = vmi->mm;
	struct vm_area_struct *new;
	int err;

	if (addr <= vma->vm_start || addr >= vma->vm_end || !__page_aligned(addr))
		return -EINVAL;
	err = __may_split(vma, addr);
	if (err)
		return err;

	new = __vma_alloc_like(mm, vma);
	if (!new)
		return -ENOMEM;
	if (__vma_prealloc(mm, 1)) {
		vm_area_free(mm, new);
		return -ENOMEM;
	}

	/* Point of no return */
	__split_commit(mm, vma, new, addr, where);
	mt_settle(&mm->mm_mt);
	vma_iter_on(vmi, vma);
	VMA_CHECK_MM(mm);
	return 0;
}

int split_vma(struct vma_iterator *vmi, struct vm_area_struct *vma,
	      uint64_t addr, enum vma_split_where where)
{
	if (vmi->mm->map_count >= vmi->mm->max_map_count)
		return -ENOMEM;
	return __split_vma(vmi, vma, addr, where);
}

/* ------------------------------------------------------------------ */
/* Can a range merge with its neighbours?                              */

/* can_merge_remove_vma() - a VMA with a close hook is never deleted by a merge. */
static bool can_merge_remove_vma(const struct vm_area_struct *vma)
{
	return !vma->vm_ops || !vma->vm_ops->close;
}

static bool vma_is_fork_child(const struct vm_area_struct *vma)
{
	return vma && vma->anon_vma && vma->anon_vma->fork_child;
}

/*
 * __vma_attrs_vetoes() - the attribute checks of is_mergeable_vma(), in the
 * kernel's order, between the range vmg describes and its neighbour @vma:
 * the VMA_VETO_* bits of those that fail.  With @all false it stops at the
 * first failure (the merge path); vma_merge_vetoes() asks for every one.
 */
static inline unsigned int __vma_attrs_vetoes(const struct vma_merge_struct *vmg,
					      const struct vm_area_struct *vma,
					      bool all)
{
	unsigned int veto = 0;

#define VETO_IF(cond, bit)                                                  \
	do {                                                                \
		if (cond) {                                                 \
			veto |= (bit);                                      \
			if (!all)                                           \
				return veto;                                \
		}                                                           \
	} while (0)
	VETO_IF(!mpol_equal(vmg->policy, vma_policy(vma)), VMA_VETO_POLICY);
	VETO_IF((vma->vm_flags ^ vmg->vm_flags) & ~VM_IGNORE_MERGE, VMA_VETO_FLAGS);
	VETO_IF(vma->vm_file != vmg->file, VMA_VETO_FILE);
	VETO_IF(vma_uffd_ctx(vma) != vmg->uffd_ctx, VMA_VETO_UFFD);
	VETO_IF(!anon_vma_name_eq(vma_anon_name(vma), vmg->anon_name),
		VMA_VETO_ANON_NAME);
#undef VETO_IF
	return veto;
}

/* is_mergeable_vma() - everything but anon_vma and pgoff matches @merge_next's VMA. */
static bool is_mergeable_vma(const struct vma_merge_struct *vmg, bool merge_next)
{
	return __vma_attrs_vetoes(vmg, merge_next ? vmg->next : vmg->prev,
				  false) == 0;
}

/*
 * is_mergeable_anon_vma() - may the range's anon_vma and the target's be
 * one?  The range's anon_vma comes from middle (an existing range) or from
 * the VMA an mremap copies (copied_from).
 *   - target has none, range has one: the target would take it, which a
 *     fork child must not hand on;
 *   - target has one, range has none: the range would join it, unless the
 *     target is a fork child;
 *   - both have one: only if it is the same object.
 */
static bool is_mergeable_anon_vma(const struct vma_merge_struct *vmg,
				  bool merge_next)
{
	const struct vm_area_struct *tgt = merge_next ? vmg->next : vmg->prev;
	const struct vm_area_struct *src = vmg->middle;
	const struct anon_vma *tgt_anon = tgt->anon_vma;
	const struct anon_vma *src_anon = vmg->anon_vma;

	VMA_WARN_ON(src && src_anon != src->anon_vma);

	if (!tgt_anon && src_anon)
		return !vma_is_fork_child(src) && !vma_is_fork_child(vmg->copied_from);
	if (tgt_anon && !src_anon)
		return !vma_is_fork_child(tgt);
	return src_anon == tgt_anon;
}

/* can_vma_merge_before() - the range can go in front of next. */
static bool can_vma_merge_before(const struct vma_merge_struct *vmg)
{
	uint64_t pglen = (vmg->end - vmg->start) >> PAGE_SHIFT;

	return is_mergeable_vma(vmg, true) && is_mergeable_anon_vma(vmg, true) &&
	       vmg->next->vm_pgoff == vmg->pgoff + pglen;
}

/* can_vma_merge_after() - the range can go behind prev. */
static bool can_vma_merge_after(const struct vma_merge_struct *vmg)
{
	return is_mergeable_vma(vmg, false) && is_mergeable_anon_vma(vmg, false) &&
	       vmg->prev->vm_pgoff + vma_pages(vmg->prev) == vmg->pgoff;
}

static bool can_vma_merge_left(const struct vma_merge_struct *vmg)
{
	return vmg->prev && vmg->prev->vm_end == vmg->start &&
	       can_vma_merge_after(vmg);
}

/*
 * can_vma_merge_right() - the range can merge with next; if it merges with
 * prev as well, prev and next must also agree with each other on anon_vma
 * (each agreeing with the range is not enough).
 */
static bool can_vma_merge_right(const struct vma_merge_struct *vmg,
				bool can_merge_left)
{
	const struct vm_area_struct *prev = vmg->prev, *next = vmg->next;

	if (!next || vmg->end != next->vm_start || !can_vma_merge_before(vmg))
		return false;
	if (!can_merge_left)
		return true;
	return !prev->anon_vma || !next->anon_vma || prev->anon_vma == next->anon_vma;
}

/*
 * vma_merge_vetoes() - why @prev and @next are not one VMA, asked the way
 * the merge code asks it: next's whole range as middle (VMG_VMA_STATE)
 * against prev as the left neighbour, so every predicate above is the one
 * the merges use.  The answer is symmetric: taking prev as middle against
 * next gives the same bits.
 *
 *   prev                 next
 *   |--------|  (gap?)  |********|
 *    target               middle: does it fit after prev?
 */
unsigned int vma_merge_vetoes(const struct vm_area_struct *prev,
			      const struct vm_area_struct *next)
{
	struct vm_area_struct *p = (struct vm_area_struct *)prev;
	struct vm_area_struct *n = (struct vm_area_struct *)next;
	VMG_VMA_STATE(vmg, NULL, NULL, p, n, n->vm_start, n->vm_end);
	unsigned int veto = 0;

	if ((prev->vm_flags | next->vm_flags) & VM_SPECIAL)
		veto |= VMA_VETO_SPECIAL;
	if (prev->vm_end != next->vm_start)
		veto |= VMA_VETO_GAP;
	veto |= __vma_attrs_vetoes(&vmg, prev, true);
	if (!is_mergeable_anon_vma(&vmg, false))
		veto |= VMA_VETO_ANON_VMA;
	/* Contiguous as if prev reached next (the same test without a gap). */
	if (prev->vm_pgoff + ((next->vm_start - prev->vm_start) >> PAGE_SHIFT) !=
	    next->vm_pgoff)
		veto |= VMA_VETO_PGOFF;
	return veto;
}

/* ------------------------------------------------------------------ */
/* The commit step shared by every merge                               */

/*
 * commit_merge() - carry out the merge vmg describes: vmg->target takes
 * [vmg->start, vmg->end) at vmg->pgoff (or, with __adjust_next_start,
 * middle shrinks to that range and next, the target, starts at its end);
 * middle's start moves up with __adjust_middle_start; middle and next go
 * with __remove_middle / __remove_next.  The target first takes
 * @anon_src's anon_vma if it has none.
 * Returns: 0 or -ENOMEM (nothing changed, vmg->state says so).
 */
static MUST_CHECK int commit_merge(struct vma_merge_struct *vmg,
				   struct vm_area_struct *anon_src)
{
	struct vma_mm *mm = vmg->mm;
	struct vm_area_struct *target = vmg->target;
	struct vm_area_struct *middle = vmg->middle, *next = vmg->next;

	if (__vma_prealloc(mm, 1)) {
		vmg->state = VMA_MERGE_ERROR_NOMEM;
		return -ENOMEM;
	}

	/* Point of no return */
	if (anon_src)
		dup_anon_vma(target, anon_src);
	/* Sticky flags of everything the target absorbs survive the merge. */
	target->vm_flags |= vmg->vm_flags & VM_STICKY;
	if (middle)
		target->vm_flags |= middle->vm_flags & VM_STICKY;
	if (next && (vmg->__remove_next || target == next))
		target->vm_flags |= next->vm_flags & VM_STICKY;

	if (vmg->__adjust_next_start) {
		uint64_t moved = (next->vm_start - vmg->end) >> PAGE_SHIFT;

		__vma_set_range(middle, vmg->start, vmg->end, vmg->pgoff);
		__vma_set_range(next, vmg->end, next->vm_end, next->vm_pgoff - moved);
		__vma_store(mm, next);
	} else {
		if (vmg->__adjust_middle_start) {
			uint64_t moved = (vmg->end - middle->vm_start) >> PAGE_SHIFT;

			__vma_set_range(middle, vmg->end, middle->vm_end,
					middle->vm_pgoff + moved);
		}
		__vma_set_range(target, vmg->start, vmg->end, vmg->pgoff);
		/* Overwrites whatever the target now covers. */
		__vma_store(mm, target);
	}
	if (vmg->__remove_middle)
		__vma_merge_remove(mm, middle);
	if (vmg->__remove_next)
		__vma_merge_remove(mm, next);

	mt_settle(&mm->mm_mt);
	VMA_CHECK_MM(mm);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Merging a changed part of an existing VMA                           */

/* __vma_next_touching() - the VMA starting at @vma's end, or NULL. */
static struct vm_area_struct *__vma_next_touching(const struct vma_iterator *vmi,
						  const struct vm_area_struct *vma)
{
	struct vm_area_struct *next = __vma_iter_after(vmi, vma);

	return next && next->vm_start == vma->vm_end ? next : NULL;
}

/*
 * vma_merge_existing_range() - [vmg->start, vmg->end) of vmg->middle is
 * about to take the attributes in @vmg; merge it into prev and/or next if
 * they match.  Returns the VMA covering the range afterwards, or NULL (no
 * merge, or no memory: see vmg->state).
 *
 * Caller must: set middle and prev (prev == middle when the range starts
 * inside middle); leave next and target NULL.
 */
static struct vm_area_struct *
vma_merge_existing_range(struct vma_merge_struct *vmg)
{
	struct vm_area_struct *middle = vmg->middle, *prev = vmg->prev;
	struct vm_area_struct *next = NULL, *anon_src;
	uint64_t start = vmg->start, end = vmg->end;
	bool left_side = start == middle->vm_start;
	bool right_side = end == middle->vm_end;
	bool merge_left, merge_right, merge_both;

	VMA_WARN_ON(vmg->next || vmg->target);	/* we find these */
	VMA_WARN_ON(start >= end || start < middle->vm_start || end > middle->vm_end);
	VMA_WARN_ON(prev && prev != middle && prev->vm_end > middle->vm_start);

	vmg->state = VMA_MERGE_NOMERGE;

	/* A special mapping, or a range touching neither edge, cannot merge. */
	if ((vmg->vm_flags & VM_SPECIAL) || (!left_side && !right_side))
		return NULL;

	merge_left = left_side && can_vma_merge_left(vmg);
	if (right_side) {
		/* Only a VMA starting exactly at middle's end is a neighbour. */
		next = vmg->next = __vma_next_touching(vmg->vmi, middle);
		merge_right = can_vma_merge_right(vmg, merge_left);
	} else {
		merge_right = false;
	}
	if (!merge_left && !merge_right)
		return NULL;

	merge_both = merge_left && merge_right;
	/* Covering all of middle, any merge deletes it. */
	vmg->__remove_middle = left_side && right_side;
	if (vmg->__remove_middle && !can_merge_remove_vma(middle))
		return NULL;

	vmg->__remove_next = merge_both;
	if (vmg->__remove_next && !can_merge_remove_vma(next)) {
		/* next has a close hook: settle for merging with prev only. */
		vmg->__remove_next = false;
		merge_right = false;
		merge_both = false;
	}
	vmg->target = merge_left ? prev : next;

	if (merge_both) {
		/*
		 * The whole of middle changes and matches both neighbours.
		 *
		 *             start  end
		 *               |<---->|
		 *   |-----------********-----------|
		 *       prev     middle     next
		 *      extend    remove    remove
		 */
		vmg->start = prev->vm_start;
		vmg->end = next->vm_end;
		vmg->pgoff = prev->vm_pgoff;
		/* prev needs an anon_vma if either of the others had one. */
		anon_src = next->anon_vma ? next : middle;
	} else if (merge_left) {
		/*
		 * The change starts at middle's start and matches prev.
		 *
		 *             start end              start        end
		 *               |<->|          or      |<--------->|
		 *   |-----------*****-----|    |-------*************|
		 *       prev     middle           prev     middle
		 *      extend    shrink          extend    remove
		 */
		vmg->start = prev->vm_start;
		vmg->pgoff = prev->vm_pgoff;
		if (!vmg->__remove_middle)
			vmg->__adjust_middle_start = true;
		anon_src = middle;
	} else {
		/*
		 * The change ends at middle's end and matches next: middle
		 * shrinks and next grows down over the range, or, when the
		 * range is all of middle, middle goes and next takes its place.
		 *
		 *               start end
		 *                 |<-->|
		 *   |-------------******---------|
		 *         middle          next
		 *         shrink         extend
		 *
		 *        start      end
		 *          |<------>|
		 *   |------**********---------|
		 *     prev   middle     next
		 *            remove    extend
		 */
		uint64_t pglen = (end - start) >> PAGE_SHIFT;

		if (vmg->__remove_middle) {
			vmg->end = next->vm_end;
			vmg->pgoff = next->vm_pgoff - pglen;
		} else {
			/* middle keeps [middle start, start); next grows down to start. */
			vmg->__adjust_next_start = true;
			vmg->start = middle->vm_start;
			vmg->end = start;
			vmg->pgoff = middle->vm_pgoff;
		}
		anon_src = middle;
	}

	if (commit_merge(vmg, anon_src))
		return NULL;

	vma_iter_on(vmg->vmi, vmg->target);
	vmg->state = VMA_MERGE_SUCCESS;
	return vmg->target;
}

/* ------------------------------------------------------------------ */
/* Merging a new range                                                 */

struct vm_area_struct *vma_merge_new_range(struct vma_merge_struct *vmg)
{
	struct vm_area_struct *prev = vmg->prev, *next = vmg->next;
	uint64_t end = vmg->end;
	bool can_merge_left, can_merge_right;

	VMA_WARN_ON(vmg->middle || vmg->target);	/* a new range has neither */
	VMA_WARN_ON(prev && prev->vm_end > vmg->start);
	VMA_WARN_ON(next && next->vm_start < vmg->end);

	vmg->state = VMA_MERGE_NOMERGE;

	if ((vmg->vm_flags & VM_SPECIAL) || (!prev && !next))
		return NULL;

	can_merge_left = can_vma_merge_left(vmg);
	can_merge_right = !vmg->just_expand && can_vma_merge_right(vmg, can_merge_left);

	if (can_merge_right) {
		/*
		 * The new range matches next: next grows down over it.
		 *
		 *         start    end
		 *           |<----->|
		 *           *********-----------|
		 *             new       next
		 *                      extend (start and pgoff move down)
		 */
		vmg->end = next->vm_end;
		vmg->target = next;
	}

	if (can_merge_left) {
		/*
		 * The new range matches prev: prev grows up over it, and over
		 * next too if next also matched and may be deleted.
		 *
		 *               start    end
		 *                 |<----->|
		 *   |-------------*********-----------|
		 *        prev        new       next
		 *       extend              remove (if matched and no close)
		 */
		vmg->start = prev->vm_start;
		vmg->target = prev;
		vmg->pgoff = prev->vm_pgoff;
		if (can_merge_right && !can_merge_remove_vma(next))
			vmg->end = end;
	}

	if (vmg->target && !vma_expand(vmg)) {
		vma_iter_on(vmg->vmi, vmg->target);
		vmg->state = VMA_MERGE_SUCCESS;
		return vmg->target;
	}
	return NULL;
}

int vma_expand(struct vma_merge_struct *vmg)
{
	struct vm_area_struct *target = vmg->target, *next = vmg->next;
	struct vm_area_struct *anon_src = NULL;
	bool remove_next;

	if (NEVER(!target))
		return -EINVAL;
	remove_next = next && next != target && vmg->end == next->vm_end;

	VMA_WARN_ON(remove_next && !can_merge_remove_vma(next));
	/* Covering part of next without deleting it is not an expansion. */
	VMA_WARN_ON(next && !remove_next && next != target && vmg->end > next->vm_start);
	VMA_WARN_ON(target->vm_start < vmg->start || target->vm_end > vmg->end);

	if (remove_next && next->anon_vma)
		anon_src = next;
	else if (vmg->copied_from && vmg->copied_from->anon_vma)
		/*
		 * mremap copying a faulted VMA next to an unfaulted one: the
		 * target must reach the copied pages (the 6.18.y fix).
		 */
		anon_src = vmg->copied_from;

	vmg->__remove_next = remove_next;
	if (commit_merge(vmg, anon_src))
		return -ENOMEM;
	return 0;
}

int vma_shrink(struct vma_iterator *vmi, struct vm_area_struct *vma,
	       uint64_t start, uint64_t end, uint64_t pgoff)
{
	struct vma_mm *mm = vmi->mm;

	if (start >= end || start < vma->vm_start || end > vma->vm_end ||
	    (start != vma->vm_start && end != vma->vm_end) ||
	    !__page_aligned(start) || !__page_aligned(end))
		return -EINVAL;
	if (__vma_prealloc(mm, 1))
		return -ENOMEM;

	/* Point of no return */
	if (vma->vm_start < start)
		__vma_erase(mm, vma->vm_start, start);
	else if (end < vma->vm_end)
		__vma_erase(mm, end, vma->vm_end);
	__vma_set_range(vma, start, end, pgoff);
	mt_settle(&mm->mm_mt);
	vma_iter_on(vmi, vma);
	VMA_CHECK_MM(mm);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Modifying part of a VMA                                             */

/*
 * __vma_modify_split() - no merge: split @vma so one VMA covers exactly
 * [start, end).  Both records and the tree nodes are taken first; the
 * first split's limit and veto are checked first.  As in Linux, the second
 * split's limit and veto are only checked once the first split is done, and
 * refusing it leaves that split in place.
 *
 *   start > vm_start and end < vm_end:   |-below-|**vma**|-above-|
 *   only start > vm_start:               |-below-|******vma******|
 *   only end < vm_end:                   |*****vma*****|--above--|
 */
static int __vma_modify_split(struct vma_iterator *vmi,
			      struct vm_area_struct *vma, uint64_t start,
			      uint64_t end, struct vm_area_struct **res)
{
	struct vma_mm *mm = vmi->mm;
	bool split_below = vma->vm_start < start, split_above = vma->vm_end > end;
	struct vm_area_struct *below = NULL, *above = NULL;
	int err;

	if (!split_below && !split_above)
		goto done;
	if (mm->map_count >= mm->max_map_count)
		return -ENOMEM;
	err = __may_split(vma, split_below ? start : end);
	if (err)
		return err;

	if (split_below && !(below = __vma_alloc_like(mm, vma)))
		return -ENOMEM;
	if (split_above && !(above = __vma_alloc_like(mm, vma)))
		goto nomem;
	if (__vma_prealloc(mm, split_below + split_above))
		goto nomem;

	/* Point of no return (but see the second split below) */
	if (split_below)
		__split_commit(mm, vma, below, start, SPLIT_NEW_BELOW);
	if (split_above) {
		if (split_below) {
			err = mm->map_count >= mm->max_map_count ? -ENOMEM :
			      __may_split(vma, end);
			if (err) {
				/* Linux keeps the first split: so do we. */
				vm_area_free(mm, above);
				mt_settle(&mm->mm_mt);
				vma_iter_on(vmi, vma);
				VMA_CHECK_MM(mm);
				return err;
			}
		}
		__split_commit(mm, vma, above, end, SPLIT_NEW_ABOVE);
	}
	mt_settle(&mm->mm_mt);
	VMA_CHECK_MM(mm);
done:
	vma_iter_on(vmi, vma);
	*res = vma;
	return 0;

nomem:
	if (above)
		vm_area_free(mm, above);
	if (below)
		vm_area_free(mm, below);
	return -ENOMEM;
}

/* vma_modify() - merge the changed range, or else split around it. */
static int vma_modify(struct vma_merge_struct *vmg, struct vm_area_struct **res)
{
	struct vm_area_struct *vma = vmg->middle, *merged;
	uint64_t start = vmg->start, end = vmg->end;

	if (start >= end || start < vma->vm_start || end > vma->vm_end ||
	    !__page_aligned(start) || !__page_aligned(end))
		return -EINVAL;
	if (vmg->prev && vmg->prev != vma && vmg->prev->vm_end > vma->vm_start)
		return -EINVAL;

	merged = vma_merge_existing_range(vmg);
	if (merged) {
		*res = merged;
		return 0;
	}
	if (vmg_nomem(vmg))
		return -ENOMEM;
	return __vma_modify_split(vmg->vmi, vma, start, end, res);
}

/*
 * vma_modify_ext() - vma_modify() for a change of a rare attribute, which
 * it then writes on *@res.  The extension *@res may need is allocated
 * first: only a VMA without one (middle, or a piece split from it) can
 * need it, since a neighbour that merged has the same attributes.
 */
static int vma_modify_ext(struct vma_merge_struct *vmg,
			  struct vm_area_struct **res)
{
	struct vm_area_ext want = {
		.anon_name = vmg->anon_name,
		.policy = vmg->policy,
		.uffd_ctx = vmg->uffd_ctx,
	};
	struct vm_area_ext *spare = NULL;
	int err;

	if (!vmg->middle->vm_ext &&
	    (want.anon_name || want.policy || want.uffd_ctx)) {
		spare = vma__alloc(sizeof(*spare));
		if (!spare)
			return -ENOMEM;
	}
	err = vma_modify(vmg, res);
	if (!err) {
		err = __vma_ext_write(*res, want, &spare);
		VMA_BUG_ON(err != 0);	/* an extension or the spare */
	}
	if (spare)
		vma__free(spare, sizeof(*spare));
	return err;
}

int vma_modify_flags(struct vma_iterator *vmi, struct vm_area_struct *prev,
		     struct vm_area_struct *vma, uint64_t start, uint64_t end,
		     vm_flags_t vm_flags, struct vm_area_struct **res)
{
	VMG_VMA_STATE(vmg, vmi->mm, vmi, prev, vma, start, end);

	vmg.vm_flags = vm_flags;
	return vma_modify(&vmg, res);
}

int vma_modify_name(struct vma_iterator *vmi, struct vm_area_struct *prev,
		    struct vm_area_struct *vma, uint64_t start, uint64_t end,
		    struct anon_vma_name *name, struct vm_area_struct **res)
{
	VMG_VMA_STATE(vmg, vmi->mm, vmi, prev, vma, start, end);

	vmg.anon_name = name;
	return vma_modify_ext(&vmg, res);
}

int vma_modify_policy(struct vma_iterator *vmi, struct vm_area_struct *prev,
		      struct vm_area_struct *vma, uint64_t start, uint64_t end,
		      struct mempolicy *pol, struct vm_area_struct **res)
{
	VMG_VMA_STATE(vmg, vmi->mm, vmi, prev, vma, start, end);

	vmg.policy = pol;
	return vma_modify_ext(&vmg, res);
}

int vma_modify_flags_uffd(struct vma_iterator *vmi, struct vm_area_struct *prev,
			  struct vm_area_struct *vma, uint64_t start,
			  uint64_t end, vm_flags_t vm_flags,
			  struct userfaultfd_ctx *ctx, struct vm_area_struct **res)
{
	VMG_VMA_STATE(vmg, vmi->mm, vmi, prev, vma, start, end);

	vmg.vm_flags = vm_flags;
	vmg.uffd_ctx = ctx;
	return vma_modify_ext(&vmg, res);
}

/* ------------------------------------------------------------------ */
/* mremap and exec helpers                                             */

struct vm_area_struct *vma_merge_extend(struct vma_iterator *vmi,
					struct vm_area_struct *vma,
					uint64_t delta)
{
	VMG_VMA_STATE(vmg, vmi->mm, vmi, vma, vma, vma->vm_end,
		      vma->vm_end + delta);

	/* vma is only the source of the attributes: this is a new range. */
	vmg.middle = NULL;
	vmg.next = __vma_iter_after(vmi, vma);
	VMA_WARN_ON(vmg.next && vmg.next->vm_start < vmg.end);
	return vma_merge_new_range(&vmg);
}

int relocate_vma_down(struct vma_mm *mm, struct vm_area_struct *vma,
		      uint64_t shift)
{
	uint64_t old_start = vma->vm_start, old_end = vma->vm_end;
	uint64_t new_start = old_start - shift, new_end = old_end - shift;

	if (shift > old_start || !__page_aligned(shift))
		return -EINVAL;
	if (shift == 0)
		return 0;
	/* Nothing may lie in [new_start, old_start). */
	if (find_vma(mm, new_start) != vma)
		return -EFAULT;
	if (__vma_prealloc(mm, 2))
		return -ENOMEM;

	/*
	 * Point of no return.  Expand over both ranges, then shrink to the
	 * new one (the page tables move in between, in Linux):
	 *
	 *   new_start    new_end   old_start    old_end
	 *      |<---------------------------------->|   expand
	 *      |*************|                          shrink
	 *           vma (pgoff unchanged)
	 */
	vma->vm_start = new_start;
	__vma_store(mm, vma);
	__vma_erase(mm, new_end, old_end);
	vma->vm_end = new_end;
	mt_settle(&mm->mm_mt);
	VMA_CHECK_MM(mm);
	return 0;
}

int copy_vma(struct vma_mm *mm, struct vm_area_struct **vmap, uint64_t addr,
	     uint64_t len, uint64_t pgoff, struct vm_area_struct **res)
{
	struct vm_area_struct *vma = *vmap, *new_vma, *prev;
	uint64_t vma_start = vma->vm_start;
	VMA_ITERATOR(vmi, mm, addr);
	VMG_VMA_STATE(vmg, mm, &vmi, NULL, vma, addr, addr + len);

	if (!len || !__page_aligned(addr) || !__page_aligned(len) ||
	    addr + len < addr)
		return -EINVAL;
	/* An unfaulted anonymous VMA takes the pgoff of its new place. */
	if (vma_is_anonymous(vma) && !vma->anon_vma)
		pgoff = addr >> PAGE_SHIFT;

	new_vma = find_vma_prev(mm, addr, &prev);
	if (new_vma && new_vma->vm_start < addr + len)
		return -EEXIST;

	vmg.middle = NULL;	/* a new range ... */
	vmg.copied_from = vma;	/* ... with vma's pages */
	vmg.prev = prev;
	vmg.next = new_vma;
	vmg.pgoff = pgoff;
	new_vma = vma_merge_new_range(&vmg);
	if (new_vma) {
		/* Only an unfaulted source can merge with itself (pgoff reset). */
		if (vma_start >= new_vma->vm_start && vma_start < new_vma->vm_end)
			*vmap = new_vma;
		*res = new_vma;
		return 0;
	}
	if (vmg_nomem(&vmg))
		return -ENOMEM;

	new_vma = __vma_alloc_like(mm, vma);
	if (!new_vma)
		return -ENOMEM;
	if (__vma_prealloc(mm, 1)) {
		vm_area_free(mm, new_vma);
		return -ENOMEM;
	}

	/* Point of no return */
	__vma_copy(new_vma, vma);
	__vma_take_refs(new_vma);
	__vma_set_range(new_vma, addr, addr + len, pgoff);
	if (new_vma->vm_ops && new_vma->vm_ops->open)
		new_vma->vm_ops->open(new_vma);
	__vma_store(mm, new_vma);
	mm->map_count++;
	mt_settle(&mm->mm_mt);
	VMA_CHECK_MM(mm);
	*res = new_vma;
	return 0;
}

/* ------------------------------------------------------------------ */
/* munmap                                                              */

void init_vma_munmap(struct vma_munmap_struct *vms, struct vma_iterator *vmi,
		     struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	/* Every field but detached_inline, which the gather fills. */
	vms->vmi = vmi;
	vms->vma = vma;
	vms->prev = vms->next = NULL;
	vms->start = start;
	vms->end = end;
	vms->detached = NULL;
	vms->vma_count = vms->detached_cap = 0;
	vms->nr_pages = vms->locked_vm = vms->nr_accounted = 0;
	vms->cleared = false;
	vms->want_neighbours = true;
}

/*
 * __vms_late_error() - the refusal Linux meets inside its gather loop,
 * after the split at the start: a sealed VMA in the range.  (A veto of the
 * split at the end is asked after that split, as in Linux.)  The same walk
 * counts the VMAs, keeps the first @cap of them in @buf and finds the one
 * after the range (*@after) and, if @before is given, the one before
 * @first (*@before): splits at the edges keep these records in the range,
 * so no second walk is needed when they fit.
 */
static int __vms_late_error(struct vm_area_struct *first, uint64_t end,
			    struct vma_mm *mm, uint32_t *count,
			    struct vm_area_struct **last,
			    struct vm_area_struct **buf, uint32_t cap,
			    struct vm_area_struct **after,
			    struct vm_area_struct **before)
{
	struct mt_cursor c;
	struct vm_area_struct *w;
	int err = 0;

	*count = 0;
	mt_cursor_init(&c, &mm->mm_mt, first->vm_start);
	w = mt_next(&c, NULL, NULL);
	VMA_BUG_ON(w != first);
	if (before) {
		/* One step back from first, in the leaf the walk holds. */
		struct mt_cursor back = c;

		*before = mt_prev(&back, NULL, NULL);
	}
	for (; w && w->vm_start < end; w = mt_next(&c, NULL, NULL)) {
		if (!err && vma_is_sealed(w))
			err = -EPERM;
		if (*count < cap)
			buf[*count] = w;
		(*count)++;
		*last = w;
	}
	*after = w;
	return err;
}

/* __vms_free_detached() - release the detached array if it was allocated. */
static void __vms_free_detached(struct vma_munmap_struct *vms)
{
	if (vms->detached_cap)
		vma__free(vms->detached,
			  vms->detached_cap * sizeof(*vms->detached));
	vms->detached = NULL;
	vms->detached_cap = 0;
}

int vms_gather_munmap_vmas(struct vma_munmap_struct *vms)
{
	struct vma_mm *mm = vms->vmi->mm;
	struct vm_area_struct *vma = vms->vma, *last = vma, *after, *w;
	struct vm_area_struct *below = NULL, *above = NULL, *before = NULL;
	uint64_t start = vms->start, end = vms->end;
	bool split_start = start > vma->vm_start, split_end;
	uint32_t count;
	int late_err, err;

	if (start >= end || !__page_aligned(start) || !__page_aligned(end) ||
	    vma->vm_end <= start || vma->vm_start >= end)
		return -EINVAL;

	/* The checks Linux makes before its first split change nothing. */
	if (split_start) {
		/* Punching a hole: the count must stay within the limit. */
		if (end < vma->vm_end && mm->map_count >= mm->max_map_count)
			return -ENOMEM;
		if (vma_is_sealed(vma))
			return -EPERM;
		err = __may_split(vma, start);
		if (err)
			return err;
	} else if (vma_is_sealed(vma)) {
		return -EPERM;	/* Linux's first check of an unsplit VMA */
	}
	if (vma->vm_end == end && !vms->want_neighbours) {
		/*
		 * Only @vma meets the range (it is the first to and ends where
		 * the range ends): at most the split at the start, and no
		 * walk.  A sealed @vma has been refused above.
		 */
		if (split_start && !(below = __vma_alloc_like(mm, vma)))
			return -ENOMEM;
		if (__vma_prealloc(mm, 3))
			goto nomem;
		/* Point of no return */
		if (split_start)
			__split_commit(mm, vma, below, start, SPLIT_NEW_BELOW);
		vms->detached = vms->detached_inline;
		vms->detached[0] = vma;
		vms->vma_count = count = 1;
		goto gathered;
	}
	late_err = __vms_late_error(vma, end, mm, &count, &last,
				    vms->detached_inline, VMS_INLINE, &after,
				    split_start ? NULL : &before);
	split_end = !late_err && last->vm_end > end;

	/* Everything that can run out of memory, before any change. */
	if (split_start && !(below = __vma_alloc_like(mm, vma)))
		return -ENOMEM;
	if (split_end && !(above = __vma_alloc_like(mm, last)))
		goto nomem;
	if (!late_err && count > VMS_INLINE) {
		vms->detached = vma__alloc(count * sizeof(*vms->detached));
		if (!vms->detached)
			goto nomem;
		vms->detached_cap = count;
	}
	/* Splits at both ends, then the erase of the range. */
	if (__vma_prealloc(mm, 3))
		goto nomem;

	/* Point of no return (but see the late refusals) */
	if (split_start)
		__split_commit(mm, vma, below, start, SPLIT_NEW_BELOW);
	if (!late_err && split_end) {
		late_err = __may_split(last, end);
		if (!late_err) {
			__split_commit(mm, last, above, end, SPLIT_NEW_ABOVE);
			after = above;
			above = NULL;
		}
	}
	if (late_err) {
		/* Linux has done the split at the start: it stays. */
		if (above)
			vm_area_free(mm, above);
		vms_abort_munmap_vmas(vms);
		VMA_CHECK_MM(mm);
		return late_err;
	}

	/*
	 * The splits kept the records of the range in it (the new pieces lie
	 * outside), so the walk's list is the range's VMAs, in order.
	 */
	if (vms->detached_cap) {
		vma_iter_set(vms->vmi, start);
		for_each_vma_range(*vms->vmi, w, end) {
			VMA_BUG_ON(vms->vma_count >= vms->detached_cap);
			vms->detached[vms->vma_count++] = w;
		}
	} else {
		vms->detached = vms->detached_inline;
		vms->vma_count = count;
	}
	vms->prev = split_start ? below : before;
	vms->next = after;
gathered:
	VMA_BUG_ON(vms->vma_count != count);
	for (uint32_t i = 0; i < count; i++) {
		uint64_t pages;

		w = vms->detached[i];
		pages = vma_pages(w);
		VMA_BUG_ON(w->vm_start < start || w->vm_end > end);
		vms->nr_pages += pages;
		if (w->vm_flags & VM_LOCKED)
			vms->locked_vm += pages;
		if (w->vm_flags & VM_ACCOUNT)
			vms->nr_accounted += pages;
	}
	vms->vma = vms->detached[0];
	vma_iter_set(vms->vmi, start);
	return 0;

nomem:
	if (above)
		vm_area_free(mm, above);
	if (below)
		vm_area_free(mm, below);
	__vms_free_detached(vms);
	return -ENOMEM;
}

void vms_complete_munmap_vmas(struct vma_munmap_struct *vms)
{
	struct vma_mm *mm = vms->vmi->mm;

	if (!vms->cleared) {
		__vma_erase(mm, vms->start, vms->end);
		vms->cleared = true;
	}
	mt_settle(&mm->mm_mt);
	mm->map_count -= (int)vms->vma_count;
	for (uint32_t i = 0; i < vms->vma_count; i++)
		remove_vma(mm, vms->detached[i]);
	__vms_free_detached(vms);
	vms->vma_count = 0;
	vma_iter_set(vms->vmi, vms->start);
	VMA_CHECK_MM(mm);
}

void vms_abort_munmap_vmas(struct vma_munmap_struct *vms)
{
	mt_settle(&vms->vmi->mm->mm_mt);
	__vms_free_detached(vms);
	vms->vma_count = 0;
	vma_iter_set(vms->vmi, vms->start);
}

int do_vmi_align_munmap(struct vma_iterator *vmi, struct vm_area_struct *vma,
			struct vma_mm *mm, uint64_t start, uint64_t end)
{
	struct vma_munmap_struct vms;
	int err;

	VMA_WARN_ON(vmi->mm != mm);
	init_vma_munmap(&vms, vmi, vma, start, end);
	vms.want_neighbours = false;
	err = vms_gather_munmap_vmas(&vms);
	if (err)
		return err;
	vms_complete_munmap_vmas(&vms);
	return 0;
}

int do_vmi_munmap(struct vma_iterator *vmi, struct vma_mm *mm, uint64_t start,
		  uint64_t len)
{
	struct vm_area_struct *vma;
	uint64_t end;

	if (!__page_aligned(start) || start > mm->task_size ||
	    len > mm->task_size - start)
		return -EINVAL;
	end = start + ((len + PAGE_SIZE - 1) & PAGE_MASK);
	if (end == start)
		return -EINVAL;

	vma_iter_set(vmi, start);
	vma = vma_find(vmi, end);
	if (!vma)
		return 0;
	return do_vmi_align_munmap(vmi, vma, mm, start, end);
}

/* ------------------------------------------------------------------ */
/* Checking                                                            */

/*
 * Coverage: the dump and the validator's failure reports below run only
 * when an invariant is already broken, so coverage builds leave them out
 * (gcovr exclusion markers, docs/fidelity.md "Coverage").
 */
/* GCOVR_EXCL_START */
void vma_dump_mm(struct vma_mm *mm)
{
	struct mt_cursor c;
	struct vm_area_struct *vma;
	uint64_t s, e;

	fprintf(stderr, "mm %p: map_count %d\n", (void *)mm, mm->map_count);
	mt_cursor_init(&c, &mm->mm_mt, 0);
	while ((vma = mt_next(&c, &s, &e)) != NULL)
		fprintf(stderr,
			"  key [%#llx, %#llx) vma %p [%#llx, %#llx) pgoff %#llx "
			"flags %#llx file %llu anon %llu%s ops %p name %s pol %p uffd %p\n",
			(unsigned long long)s, (unsigned long long)e, (void *)vma,
			(unsigned long long)vma->vm_start,
			(unsigned long long)vma->vm_end,
			(unsigned long long)vma->vm_pgoff,
			(unsigned long long)vma->vm_flags,
			(unsigned long long)(vma->vm_file ? vma->vm_file->id : 0),
			(unsigned long long)(vma->anon_vma ? vma->anon_vma->id : 0),
			vma_is_fork_child(vma) ? "(fork child)" : "",
			(const void *)vma->vm_ops,
			vma_anon_name(vma) ? vma_anon_name(vma)->name : "-",
			(void *)vma_policy(vma), (void *)vma_uffd_ctx(vma));
}
/* GCOVR_EXCL_STOP */

/* __vma_check_attrs() - a VMA's own fields; NULL or what is wrong. */
static const char *__vma_check_attrs(const struct vm_area_struct *vma)
{
	if (vma->vm_start >= vma->vm_end)
		return "empty or inverted range";
	if (!__page_aligned(vma->vm_start) || !__page_aligned(vma->vm_end))
		return "range not page aligned";
	if (vma->vm_flags & ~VM_KNOWN_FLAGS)
		return "unknown VM_* bits";
	if (vma->vm_pgoff + vma_pages(vma) < vma->vm_pgoff)
		return "pgoff wraps";
	if (vma->vm_file && !vma->vm_file->refcount)
		return "file without references";
	if (vma_anon_name(vma) && !vma_anon_name(vma)->refcount)
		return "name without references";
	if (vma_policy(vma) && !vma_policy(vma)->refcount)
		return "policy without references";
	if (vma->vm_ext && !vma->vm_ext->anon_name && !vma->vm_ext->policy &&
	    !vma->vm_ext->uffd_ctx)
		return "empty extension";
	if (vma->anon_vma) {
		const struct anon_vma *av = vma->anon_vma;

		if (!av->refcount || !av->id)
			return "dead anon_vma";
		if (av->fork_child != (av->parent != NULL))
			return "fork child without parent anon_vma";
	}
	return NULL;
}

int vma_validate(struct vma_mm *mm)
{
	struct mt_cursor c;
	struct vm_area_struct *vma;
	const char *why = NULL;
	uint64_t s, e, prev_end = 0;
	int count = 0;

	if (mt_validate(&mm->mm_mt))
		why = "tree invariants";
	mt_cursor_init(&c, &mm->mm_mt, 0);
	while (!why && (vma = mt_next(&c, &s, &e)) != NULL) {
		if (++count > mm->map_count + 10)
			why = "more VMAs than map_count (loop?)";
		else if (vma->vm_start != s || vma->vm_end != e)
			why = "VMA range differs from its tree key";
		else if (s < prev_end)
			why = "VMAs overlap";
		else
			why = __vma_check_attrs(vma);
		prev_end = e;
	}
	if (!why && count != mm->map_count)
		why = "map_count differs from the number of VMAs";
	if (!why && mm->mm_mt.count != (uint64_t)mm->map_count)
		why = "tree entry count differs from map_count";
	if (!why && (mm->map_count < 0))
		why = "negative map_count";
	if (!why)
		return 0;
	/* GCOVR_EXCL_START: a broken invariant (see vma_dump_mm()) */
	fprintf(stderr, "vma_validate: %s (map_count %d, counted %d)\n", why,
		mm->map_count, count);
	vma_dump_mm(mm);
	return -EUCLEAN;
	/* GCOVR_EXCL_STOP */
}
