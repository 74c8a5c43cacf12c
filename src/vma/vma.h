/* SPDX-License-Identifier: MIT */
/*
 * vma.h - the VMA core's API: the VMA record, the address-space container the
 * core works on, the VMA iterator, the merge state ("vmg") and the
 * operations of Linux mm/vma.c under their kernel names.
 *
 * This header includes nothing.  Include "vma_internal.h" (the dependency
 * boundary, which supplies <stdint.h>, <stdbool.h>, the tree, the shims and
 * MUST_CHECK) before it, exactly as vma.c does.
 *
 * Error convention: fallible operations return 0 or a negative errno and
 * hand back VMAs through out-parameters.  The merge family
 * (vma_merge_new_range(), vma_merge_extend()) returns the merged VMA or NULL
 * and records why in vmg->state (vmg_nomem() tells out-of-memory apart).
 *
 * All-or-nothing: every operation makes all its allocations (VMA records,
 * anon_vmas, tree nodes) and all its limit checks before its first visible
 * change, so -ENOMEM from the allocator always leaves the address space as
 * it was.  The documented exceptions are the ones where Linux itself keeps
 * a partial state and uvma reproduces it on purpose:
 *   - vma_modify_*(): if the second of two splits is refused (map-count
 *     limit or a may_split veto), the first split stays;
 *   - do_vmi_align_munmap(): if a later VMA in the range is sealed or vetoes
 *     the split at the end, the split at the start stays.
 * Design notes: docs/design.md, "The VMA core".
 */
#ifndef UVMA_VMA_H
#define UVMA_VMA_H

/* ------------------------------------------------------------------ */
/* VM_* flags: the kernel's x86_64 bit values (6.18), so smaps can print them */

typedef uint64_t vm_flags_t;

#define VM_NONE			0x00000000ull
#define VM_READ			0x00000001ull
#define VM_WRITE		0x00000002ull
#define VM_EXEC			0x00000004ull
#define VM_SHARED		0x00000008ull
#define VM_MAYREAD		0x00000010ull
#define VM_MAYWRITE		0x00000020ull
#define VM_MAYEXEC		0x00000040ull
#define VM_MAYSHARE		0x00000080ull
#define VM_GROWSDOWN		0x00000100ull
#define VM_UFFD_MISSING		0x00000200ull
#define VM_PFNMAP		0x00000400ull
#define VM_MAYBE_GUARD		0x00000800ull	/* "gu": MADV_GUARD_INSTALL ran
						 * here (6.18.44 backport of 6.19) */
#define VM_UFFD_WP		0x00001000ull
#define VM_LOCKED		0x00002000ull
#define VM_IO			0x00004000ull
#define VM_SEQ_READ		0x00008000ull
#define VM_RAND_READ		0x00010000ull
#define VM_DONTCOPY		0x00020000ull
#define VM_DONTEXPAND		0x00040000ull
#define VM_LOCKONFAULT		0x00080000ull
#define VM_ACCOUNT		0x00100000ull
#define VM_NORESERVE		0x00200000ull
#define VM_HUGETLB		0x00400000ull
#define VM_SYNC			0x00800000ull
#define VM_ARCH_1		0x01000000ull	/* VM_PAT on x86 */
#define VM_WIPEONFORK		0x02000000ull
#define VM_DONTDUMP		0x04000000ull
#define VM_SOFTDIRTY		0x08000000ull
#define VM_MIXEDMAP		0x10000000ull
#define VM_HUGEPAGE		0x20000000ull
#define VM_NOHUGEPAGE		0x40000000ull
#define VM_MERGEABLE		0x80000000ull
#define VM_PKEY_BIT0		(1ull << 32)
#define VM_PKEY_BIT1		(1ull << 33)
#define VM_PKEY_BIT2		(1ull << 34)
#define VM_PKEY_BIT3		(1ull << 35)
#define VM_SHADOW_STACK		(1ull << 37)
#define VM_UFFD_MINOR		(1ull << 38)
#define VM_ALLOW_ANY_UNCACHED	(1ull << 39)
#define VM_DROPPABLE		(1ull << 40)
#define VM_SEALED		(1ull << 42)

#define VM_PAT			VM_ARCH_1
#define VM_PKEY_MASK	(VM_PKEY_BIT0 | VM_PKEY_BIT1 | VM_PKEY_BIT2 | VM_PKEY_BIT3)
/* Every bit 6.18 defines on x86_64; the validator rejects the others. */
#define VM_KNOWN_FLAGS	(0xffffffffull | VM_PKEY_MASK | VM_SHADOW_STACK | \
			 VM_UFFD_MINOR | VM_ALLOW_ANY_UNCACHED | VM_DROPPABLE | \
			 VM_SEALED)

/* Never merged with anything. */
#define VM_SPECIAL	(VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP)
#define VM_LOCKED_MASK	(VM_LOCKED | VM_LOCKONFAULT)
#define VM_ACCESS_FLAGS	(VM_READ | VM_WRITE | VM_EXEC)
#define VM_STARTGAP_FLAGS (VM_GROWSDOWN | VM_SHADOW_STACK)
#define __VM_UFFD_FLAGS	(VM_UFFD_MISSING | VM_UFFD_WP | VM_UFFD_MINOR)
#define VM_DATA_DEFAULT_FLAGS (VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | \
			       VM_MAYEXEC)
#define VM_STACK_FLAGS	(VM_GROWSDOWN | VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT)
#define VM_STACK_INCOMPLETE_SETUP (VM_RAND_READ | VM_SEQ_READ)
/*
 * Flags merge comparison ignores.  VM_MAYBE_GUARD is also "sticky": a merge
 * ORs it into the surviving VMA, and callers that overwrite the flags of a
 * vma_modify_*() result keep it (checked on this machine's 6.18.44 kernel,
 * which carries the 6.19 VM_STICKY change for this flag).
 */
#define VM_STICKY	VM_MAYBE_GUARD
#define VM_IGNORE_MERGE	(VM_SOFTDIRTY | VM_STICKY)

/* ------------------------------------------------------------------ */
/* The VMA record                                                      */

struct vm_area_struct;
struct uvma_file;
struct anon_vma_name;
struct mempolicy;
struct userfaultfd_ctx;		/* opaque: compared by identity only */

/*
 * Driver / filesystem hooks.  A VMA with vm_ops == NULL is anonymous.
 *   open      - a copy of the VMA was made (split piece, mremap copy);
 *   close     - the VMA is going away (munmap); a VMA with close is never
 *               deleted by a merge, only grown or shrunk;
 *   may_split - veto a split at @addr with a negative errno;
 *   mremap    - the VMA was moved (called by the mremap layer);
 *   name      - the name /proc/PID/maps shows ("[vdso]").
 */
struct vm_operations_struct {
	void (*open)(struct vm_area_struct *vma);
	void (*close)(struct vm_area_struct *vma);
	int (*may_split)(struct vm_area_struct *vma, uint64_t addr);
	int (*mremap)(struct vm_area_struct *vma);
	const char *(*name)(struct vm_area_struct *vma);
};

/*
 * struct anon_vma - the reverse map of anonymous memory, modelled by
 * identity and lineage.
 *
 * Linux decides merges with two facts about a VMA's anon_vma: which object
 * it is, and whether the VMA's anon_vma_chain has more than one entry (it
 * inherited CoW pages from a parent at fork: a "fork child").  Every VMA
 * that points at a given anon_vma got it either by creating it, by reusing
 * a single-chain neighbour's (anon_vma_prepare), or by cloning the chain of
 * a VMA that already had it (split, merge, mremap copy), so all VMAs sharing
 * one anon_vma agree on that second fact and uvma stores it here, once.
 */
struct anon_vma {
	uint64_t id;			/* per-mm number, for printing */
	struct anon_vma *parent;	/* the parent's anon_vma after fork */
	uint32_t refcount;		/* VMAs pointing here + child anon_vmas */
	bool fork_child;		/* chain had more than one entry */
};

/*
 * struct vm_area_ext - the attributes few VMAs ever have, kept out of the
 * record so that it fits one 64-byte cache line.  A VMA points at one only
 * while one of them is set; each VMA owns its own (copies of a VMA get
 * copies of it, allocated with the record).
 */
struct vm_area_ext {
	struct anon_vma_name *anon_name;	/* a reference, or NULL */
	struct mempolicy *policy;	/* a reference, or NULL (default) */
	struct userfaultfd_ctx *uffd_ctx;	/* not a reference */
};

/*
 * struct vm_area_struct - one VMA: [vm_start, vm_end), page aligned.
 * 64 bytes on LP64 (one cache line); the tree adds about 20 per entry.
 * Read the rare attributes with vma_anon_name(), vma_policy() and
 * vma_uffd_ctx(); write them with the vma_set_*() functions.
 */
struct vm_area_struct {
	uint64_t vm_start;
	uint64_t vm_end;
	uint64_t vm_pgoff;		/* in pages; see SEMANTICS.md 1.1 */
	vm_flags_t vm_flags;
	struct uvma_file *vm_file;	/* a reference; NULL for anonymous */
	struct anon_vma *anon_vma;	/* a reference; NULL until faulted */
	const struct vm_operations_struct *vm_ops;
	struct vm_area_ext *vm_ext;	/* owned; NULL if no rare attribute */
};

static inline struct anon_vma_name *vma_anon_name(const struct vm_area_struct *vma)
{
	return vma->vm_ext ? vma->vm_ext->anon_name : NULL;
}

static inline struct mempolicy *vma_policy(const struct vm_area_struct *vma)
{
	return vma->vm_ext ? vma->vm_ext->policy : NULL;
}

static inline struct userfaultfd_ctx *vma_uffd_ctx(const struct vm_area_struct *vma)
{
	return vma->vm_ext ? vma->vm_ext->uffd_ctx : NULL;
}

/* vma_pages() - the VMA's length in pages. */
#define vma_pages(vma) (((vma)->vm_end - (vma)->vm_start) >> PAGE_SHIFT)

/*
 * struct vma_mm - the part of an address space the core works on: the tree
 * of VMAs, their count and the limits.  The system-call layer embeds it.
 */
struct vma_mm {
	struct mt_tree mm_mt;		/* [vm_start, vm_end) -> VMA */
	int map_count;			/* VMAs in the tree */
	int max_map_count;		/* vm.max_map_count */
	uint64_t task_size;		/* top of the user address space */
	uint64_t anon_vma_seq;		/* last anon_vma id handed out */
	uint64_t updates;		/* changes since the last full check */
	struct uvma_pool vma_pool;	/* this address space's VMA records */
};

/* vma_mm_init() - an empty address space with the default limits. */
void vma_mm_init(struct vma_mm *mm);
/*
 * vma_mm_destroy() - remove every VMA (close hooks run), free the tree and
 * the records' slabs.
 */
void vma_mm_destroy(struct vma_mm *mm);

/* ------------------------------------------------------------------ */
/* The VMA iterator                                                    */

/*
 * struct vma_iterator - a position in the tree, stepping by VMA.
 *
 * It stays valid across changes: every core operation that takes an
 * iterator leaves it at a documented place (usually "on" the VMA the
 * operation returns, so vma_next() gives the one after it).  Between
 * changes it steps without searching.
 */
struct vma_iterator {
	struct mt_cursor cur;
	struct vma_mm *mm;
};

#define VMA_ITERATOR(name, mm_, addr_)                                      \
	struct vma_iterator name;                                           \
	vma_iter_init(&name, (mm_), (addr_))

/* vma_iter_init() / vma_iter_set() - position just before @addr. */
void vma_iter_init(struct vma_iterator *vmi, struct vma_mm *mm, uint64_t addr);
void vma_iter_set(struct vma_iterator *vmi, uint64_t addr);
/* vma_iter_on() - position on @vma: vma_next() gives the VMA after it. */
void vma_iter_on(struct vma_iterator *vmi, struct vm_area_struct *vma);
/* vma_next() / vma_prev() - the VMA after / before the current position. */
struct vm_area_struct *vma_next(struct vma_iterator *vmi);
struct vm_area_struct *vma_prev(struct vma_iterator *vmi);
/*
 * vma_find() - the next VMA if it starts below @max, else NULL (and the
 * position does not move).
 */
struct vm_area_struct *vma_find(struct vma_iterator *vmi, uint64_t max);
/*
 * vma_iter_next_range() / vma_iter_prev_range() - step one range, where a
 * range is a VMA or a gap between VMAs: the neighbouring VMA if it touches
 * the current range, else NULL and the iterator stands on the gap
 * (vma_iter_addr() / vma_iter_end() give its bounds; the gap above the last
 * VMA ends at UINT64_MAX), so the next step in the same direction reaches
 * the VMA on the far side of the gap.
 */
struct vm_area_struct *vma_iter_next_range(struct vma_iterator *vmi);
struct vm_area_struct *vma_iter_prev_range(struct vma_iterator *vmi);
/* vma_iter_addr() / vma_iter_end() - the current range. */
#define vma_iter_addr(vmi) ((vmi)->cur.lo)
#define vma_iter_end(vmi) ((vmi)->cur.hi)

/* for_each_vma_range() - every VMA from the position that starts below @end. */
#define for_each_vma_range(vmi, vma, end)                                   \
	while (((vma) = vma_find(&(vmi), (end))) != NULL)
#define for_each_vma(vmi, vma) while (((vma) = vma_next(&(vmi))) != NULL)

/* find_vma() - the first VMA ending above @addr; find_vma_prev() also the one before. */
struct vm_area_struct *find_vma(struct vma_mm *mm, uint64_t addr);
struct vm_area_struct *find_vma_prev(struct vma_mm *mm, uint64_t addr,
				     struct vm_area_struct **pprev);
/*
 * vma_iter_after() - the first VMA after @vma, or NULL; @vmi does not
 * move.  One step in the leaf @vmi holds when it stands on @vma (as after
 * the vma_next() or vma_find() that found it), else a lookup.
 */
struct vm_area_struct *vma_iter_after(const struct vma_iterator *vmi,
				      const struct vm_area_struct *vma);
/* find_vma_intersection() - the first VMA meeting [start, end), or NULL. */
struct vm_area_struct *find_vma_intersection(struct vma_mm *mm, uint64_t start,
					     uint64_t end);

/* ------------------------------------------------------------------ */
/* The merge state                                                     */

enum vma_merge_state {
	VMA_MERGE_START,
	VMA_MERGE_ERROR_NOMEM,
	VMA_MERGE_NOMERGE,
	VMA_MERGE_SUCCESS,
};

/*
 * struct vma_merge_struct - one merge attempt, threaded through every step.
 *
 * Neighbours by position: prev, middle (the VMA being modified, or NULL
 * for a new range), next.  The outcome by role: target (the VMA that
 * survives).  [start, end), pgoff and the attributes describe the range as
 * it will be; the merge rewrites start/end/pgoff to the merged extent.
 */
struct vma_merge_struct {
	struct vma_mm *mm;
	struct vma_iterator *vmi;
	struct vm_area_struct *prev;
	struct vm_area_struct *middle;
	struct vm_area_struct *next;
	struct vm_area_struct *target;
	/* mremap copy: the VMA the new range is copied from (copy_vma()). */
	struct vm_area_struct *copied_from;
	uint64_t start;
	uint64_t end;
	uint64_t pgoff;
	vm_flags_t vm_flags;
	struct uvma_file *file;
	struct anon_vma *anon_vma;
	struct mempolicy *policy;
	struct userfaultfd_ctx *uffd_ctx;
	struct anon_vma_name *anon_name;
	enum vma_merge_state state;
	bool just_expand;	/* brk: only extend prev, never merge next */
	/* Set by the merge itself, read by the commit step. */
	bool __adjust_middle_start;
	bool __adjust_next_start;
	bool __remove_middle;
	bool __remove_next;
};

static inline bool vmg_nomem(const struct vma_merge_struct *vmg)
{
	return vmg->state == VMA_MERGE_ERROR_NOMEM;
}

/* VMG_STATE() - a merge state for a new range of the given flags and pgoff. */
#define VMG_STATE(name, mm_, vmi_, start_, end_, vm_flags_, pgoff_)          \
	struct vma_merge_struct name = {                                    \
		.mm = (mm_),                                                \
		.vmi = (vmi_),                                              \
		.start = (start_),                                          \
		.end = (end_),                                              \
		.vm_flags = (vm_flags_),                                    \
		.pgoff = (pgoff_),                                          \
		.state = VMA_MERGE_START,                                   \
	}

/*
 * VMG_VMA_STATE() - a merge state for [start_, end_) of the existing VMA
 * @vma_, with every attribute taken from it (the caller then overrides the
 * one that changes).  @prev_ is the VMA before, or @vma_ itself when
 * start_ > vma_->vm_start.
 */
#define VMG_VMA_STATE(name, mm_, vmi_, prev_, vma_, start_, end_)            \
	struct vma_merge_struct name = {                                    \
		.mm = (mm_),                                                \
		.vmi = (vmi_),                                              \
		.prev = (prev_),                                            \
		.middle = (vma_),                                           \
		.start = (start_),                                          \
		.end = (end_),                                              \
		.vm_flags = (vma_)->vm_flags,                               \
		.pgoff = (vma_)->vm_pgoff +                                 \
			 (((start_) - (vma_)->vm_start) >> PAGE_SHIFT),     \
		.file = (vma_)->vm_file,                                    \
		.anon_vma = (vma_)->anon_vma,                               \
		.policy = vma_policy(vma_),                                 \
		.uffd_ctx = vma_uffd_ctx(vma_),                             \
		.anon_name = vma_anon_name(vma_),                           \
		.state = VMA_MERGE_START,                                   \
	}

/*
 * Why two VMAs cannot be one: the checks the merge code makes, as bits, in
 * the order Linux makes them (VM_SPECIAL and adjacency at the merge entry
 * points, then is_mergeable_vma()'s policy, flags, file, uffd context and
 * anon name, then the anon_vma rules, then pgoff contiguity).
 */
#define VMA_VETO_SPECIAL	0x001u	/* a VM_SPECIAL flag on either */
#define VMA_VETO_GAP		0x002u	/* they do not touch */
#define VMA_VETO_POLICY		0x004u	/* mpol_equal() fails */
#define VMA_VETO_FLAGS		0x008u	/* flags differ (VM_IGNORE_MERGE aside) */
#define VMA_VETO_FILE		0x010u	/* different struct file */
#define VMA_VETO_UFFD		0x020u	/* different userfaultfd context */
#define VMA_VETO_ANON_NAME	0x040u	/* anon names differ */
#define VMA_VETO_ANON_VMA	0x080u	/* anon_vmas cannot be one */
#define VMA_VETO_PGOFF		0x100u	/* pgoff not contiguous */

/*
 * vma_merge_vetoes() - every check that keeps @prev and @next (prev below
 * next, adjacent or not) apart, as VMA_VETO_* bits; 0 if a merge at their
 * boundary would join them.  With a gap, pgoff is compared as if prev
 * reached next.  Reads only.
 */
unsigned int vma_merge_vetoes(const struct vm_area_struct *prev,
			      const struct vm_area_struct *next);

/* ------------------------------------------------------------------ */
/* Records and references                                              */

/*
 * vm_area_alloc() - a zeroed, unlinked VMA record for @mm, or NULL.  Records
 * come from @mm's own slabs (64 bytes, cache-line aligned) and must be
 * freed, linked or not, into the same @mm.
 */
MUST_CHECK struct vm_area_struct *vm_area_alloc(struct vma_mm *mm);
/* vm_area_free() - free a record and its extension; drops no references. */
void vm_area_free(struct vma_mm *mm, struct vm_area_struct *vma);
/*
 * vm_area_dup() - a new record in @mm copying @orig, holding its own references
 * to the file, name, policy and anon_vma (the anon_vma chain is cloned),
 * with its own copy of @orig's extension.  Returns NULL on allocation
 * failure.
 */
MUST_CHECK struct vm_area_struct *vm_area_dup(struct vma_mm *mm,
					       struct vm_area_struct *orig);
/* remove_vma() - call close, drop every reference, free the record. */
void remove_vma(struct vma_mm *mm, struct vm_area_struct *vma);
/*
 * vma_link() - insert a new VMA (whose range must be free) into @mm.
 * Returns: 0 or -ENOMEM (nothing changed).
 */
MUST_CHECK int vma_link(struct vma_mm *mm, struct vm_area_struct *vma);
/*
 * __vma_link() - vma_link() without looking the range up again: the caller
 * has just found it free or made it so (mmap_region()).  The range must
 * be valid (debug builds check both).  Returns: 0 or -ENOMEM (nothing
 * changed).
 */
MUST_CHECK int __vma_link(struct vma_mm *mm, struct vm_area_struct *vma);

/*
 * vma_set_anon_name() / vma_set_policy() / vma_set_uffd_ctx() - replace one
 * rare attribute (names and policies: moving references).  Returns: 0, or
 * -ENOMEM (nothing changed) when @vma has no extension yet and the value is
 * not NULL; with an extension, or a NULL value, it cannot fail.  A VMA whose
 * last rare attribute is cleared gives its extension back.
 */
MUST_CHECK int vma_set_anon_name(struct vm_area_struct *vma,
				 struct anon_vma_name *name);
MUST_CHECK int vma_set_policy(struct vm_area_struct *vma, struct mempolicy *pol);
MUST_CHECK int vma_set_uffd_ctx(struct vm_area_struct *vma,
				struct userfaultfd_ctx *ctx);
/* vma_clear_uffd_ctx() - vma_set_uffd_ctx(@vma, NULL), which cannot fail. */
void vma_clear_uffd_ctx(struct vm_area_struct *vma);

static inline bool vma_is_anonymous(const struct vm_area_struct *vma)
{
	return !vma->vm_ops;
}

static inline bool vma_is_sealed(const struct vm_area_struct *vma)
{
	return (vma->vm_flags & VM_SEALED) != 0;
}

/*
 * vma_is_shared_maywrite() - @vma maps its file shared and may write it,
 * so it counts in the file's writable_maps while it exists (no change to
 * a live VMA touches either flag).
 */
static inline bool vma_is_shared_maywrite(const struct vm_area_struct *vma)
{
	return (vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) ==
	       (VM_SHARED | VM_MAYWRITE);
}

/*
 * vma_get_file() - give @vma, whose vm_file and vm_flags are set, its own
 * reference to the file; vma_put_file() drops it.
 */
static inline void vma_get_file(struct vm_area_struct *vma)
{
	get_file(vma->vm_file);
	if (vma_is_shared_maywrite(vma))
		mapping_allow_writable(vma->vm_file);
}

/* vma_put_file() - drop what vma_get_file() gave @vma. */
static inline void vma_put_file(struct vm_area_struct *vma)
{
	if (vma_is_shared_maywrite(vma))
		mapping_unmap_writable(vma->vm_file);
	fput(vma->vm_file);
}

/*
 * vma_flags_reset() - write @flags on the VMA a vma_modify_*() returned,
 * keeping the sticky flags a merge gave it (VM_STICKY).
 */
static inline void vma_flags_reset(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags = flags | (vma->vm_flags & VM_STICKY);
}

/* ------------------------------------------------------------------ */
/* The anon_vma model (Linux mm/rmap.c, as far as merging can see)     */

/*
 * anon_vma_prepare() - give @vma an anon_vma (its first write fault):
 * reuse a compatible single-chain neighbour's (next first, then prev), or
 * make a new one.  Returns: 0 or -ENOMEM (nothing changed).
 */
MUST_CHECK int anon_vma_prepare(struct vma_mm *mm, struct vm_area_struct *vma);
/* find_mergeable_anon_vma() - the neighbour anon_vma prepare would reuse. */
struct anon_vma *find_mergeable_anon_vma(struct vma_mm *mm,
					 struct vm_area_struct *vma);
/* anon_vma_clone() - @dst shares @src's anon_vma and chain.  Returns 0. */
MUST_CHECK int anon_vma_clone(struct vm_area_struct *dst,
			      struct vm_area_struct *src);
/*
 * anon_vma_fork() - @vma (the child's copy of @pvma, in @mm) gets a new
 * anon_vma whose parent is @pvma's, marked fork child; NULL if @pvma has
 * none.  Returns: 0 or -ENOMEM (@vma->anon_vma untouched).
 */
MUST_CHECK int anon_vma_fork(struct vma_mm *mm, struct vm_area_struct *vma,
			     struct vm_area_struct *pvma);
/* unlink_anon_vmas() - drop @vma's anon_vma (it becomes unfaulted). */
void unlink_anon_vmas(struct vm_area_struct *vma);

/* ------------------------------------------------------------------ */
/* Operations                                                          */

enum vma_split_where {
	SPLIT_NEW_ABOVE = 0,	/* the new record takes [addr, vm_end) */
	SPLIT_NEW_BELOW = 1,	/* the new record takes [vm_start, addr) */
};

/*
 * split_vma() - split @vma at @addr into two VMAs; the new record is the
 * piece @where says, @vma keeps the other.  The iterator is left on @vma.
 * Returns: 0; -ENOMEM (map-count limit or allocation); the may_split
 * veto's error.  Nothing changes on error.
 */
MUST_CHECK int split_vma(struct vma_iterator *vmi, struct vm_area_struct *vma,
			 uint64_t addr, enum vma_split_where where);

/*
 * vma_expand() - grow vmg->target to [vmg->start, vmg->end), deleting
 * vmg->next when the new end reaches next's end.  The caller checked that
 * the merge is allowed.  Returns: 0 or -ENOMEM (nothing changed).
 */
MUST_CHECK int vma_expand(struct vma_merge_struct *vmg);

/*
 * vma_shrink() - cut @vma down to [start, end) (one end must stay) with
 * page offset @pgoff.  Returns: 0 or -ENOMEM (nothing changed).
 */
MUST_CHECK int vma_shrink(struct vma_iterator *vmi, struct vm_area_struct *vma,
			  uint64_t start, uint64_t end, uint64_t pgoff);

/*
 * vma_merge_new_range() - merge a new range [vmg->start, vmg->end) with
 * vmg->prev and/or vmg->next.  Returns the VMA that now covers it, or NULL
 * (vmg->state says whether there was no merge or no memory).
 */
struct vm_area_struct *vma_merge_new_range(struct vma_merge_struct *vmg);

/*
 * vma_modify_flags() / _name() / _policy() / _flags_uffd() - prepare
 * [start, end) of @vma (which must contain it; @prev is the VMA before
 * @vma, or @vma when start > vma->vm_start) to take a new attribute: merge
 * it with a compatible neighbour, or split it so that one VMA covers
 * exactly the range.  *@res receives that VMA; as in Linux, the caller then
 * writes new flags on it (with vma_flags_reset(), so the sticky flags a
 * merge ORed in stay).  The rare attributes are the exception: _name(),
 * _policy() and _flags_uffd() write the name, policy or uffd context on
 * *@res themselves, having allocated the VMA extension this may need
 * before the first change.  The iterator is left on *@res.
 * Returns: 0; -ENOMEM; a may_split veto.  See the header comment for the
 * one partial state.
 */
MUST_CHECK int vma_modify_flags(struct vma_iterator *vmi,
				struct vm_area_struct *prev,
				struct vm_area_struct *vma, uint64_t start,
				uint64_t end, vm_flags_t vm_flags,
				struct vm_area_struct **res);
MUST_CHECK int vma_modify_name(struct vma_iterator *vmi,
			       struct vm_area_struct *prev,
			       struct vm_area_struct *vma, uint64_t start,
			       uint64_t end, struct anon_vma_name *name,
			       struct vm_area_struct **res);
MUST_CHECK int vma_modify_policy(struct vma_iterator *vmi,
				 struct vm_area_struct *prev,
				 struct vm_area_struct *vma, uint64_t start,
				 uint64_t end, struct mempolicy *pol,
				 struct vm_area_struct **res);
MUST_CHECK int vma_modify_flags_uffd(struct vma_iterator *vmi,
				     struct vm_area_struct *prev,
				     struct vm_area_struct *vma, uint64_t start,
				     uint64_t end, vm_flags_t vm_flags,
				     struct userfaultfd_ctx *ctx,
				     struct vm_area_struct **res);

/*
 * vma_merge_extend() - mremap growth in place: extend @vma by @delta bytes,
 * absorbing the next VMA if it becomes adjacent and compatible.  Finds the
 * next VMA with vma_iter_after(@vmi, @vma): cheapest with @vmi on @vma.
 * Returns @vma (extended) or NULL (no merge possible, or no memory).
 */
struct vm_area_struct *vma_merge_extend(struct vma_iterator *vmi,
					struct vm_area_struct *vma,
					uint64_t delta);

/*
 * relocate_vma_down() - move @vma down by @shift bytes (exec stack setup);
 * nothing may lie between.  pgoff is kept.
 * Returns: 0; -EFAULT (a VMA in the way); -EINVAL (bad shift); -ENOMEM.
 */
MUST_CHECK int relocate_vma_down(struct vma_mm *mm, struct vm_area_struct *vma,
				 uint64_t shift);

/*
 * copy_vma() - mremap move: make a VMA for [addr, addr + len) with
 * @*vmap's attributes and page offset @pgoff (reset to addr >> PAGE_SHIFT
 * for an unfaulted anonymous VMA), merging at the destination if possible.
 * If the merge swallowed the source, *@vmap is updated.  *@res receives
 * the destination VMA.  Returns: 0; -EEXIST (range not free); -ENOMEM.
 */
MUST_CHECK int copy_vma(struct vma_mm *mm, struct vm_area_struct **vmap,
			uint64_t addr, uint64_t len, uint64_t pgoff,
			struct vm_area_struct **res);

/* ------------------------------------------------------------------ */
/* munmap: gather the VMAs of a range, then remove them                */

#define VMS_INLINE 8	/* VMAs gathered without allocating */

struct vma_munmap_struct {
	struct vma_iterator *vmi;
	struct vm_area_struct *vma;	/* first VMA meeting the range */
	struct vm_area_struct *prev;	/* VMA before the range, or NULL */
	struct vm_area_struct *next;	/* VMA after the range, or NULL */
	uint64_t start, end;
	struct vm_area_struct **detached;	/* the VMAs to remove */
	uint32_t vma_count;
	uint32_t detached_cap;		/* allocated slots; 0: detached_inline */
	struct vm_area_struct *detached_inline[VMS_INLINE];
	uint64_t nr_pages;
	uint64_t locked_vm;
	uint64_t nr_accounted;
	bool cleared;			/* range erased from the tree */
	/*
	 * The gather sets prev and next (init: true).  A caller that does
	 * not read them clears it: removing exactly one whole VMA then
	 * needs no walk of the tree.
	 */
	bool want_neighbours;
};

/* init_vma_munmap() - describe the removal of [start, end) from @vma on. */
void init_vma_munmap(struct vma_munmap_struct *vms, struct vma_iterator *vmi,
		     struct vm_area_struct *vma, uint64_t start, uint64_t end);
/*
 * vms_gather_munmap_vmas() - split the VMAs at the range's edges and collect
 * those inside; the tree still holds them.  Returns: 0; -ENOMEM (nothing
 * changed); -EPERM (sealed) or a may_split veto (nothing changed, except a
 * documented start split).
 */
MUST_CHECK int vms_gather_munmap_vmas(struct vma_munmap_struct *vms);
/* vms_complete_munmap_vmas() - erase the range and remove the VMAs. */
void vms_complete_munmap_vmas(struct vma_munmap_struct *vms);
/* vms_abort_munmap_vmas() - give up after a gather; splits stay. */
void vms_abort_munmap_vmas(struct vma_munmap_struct *vms);
/* do_vmi_align_munmap() - gather and remove [start, end), page aligned. */
MUST_CHECK int do_vmi_align_munmap(struct vma_iterator *vmi,
				   struct vm_area_struct *vma,
				   struct vma_mm *mm, uint64_t start,
				   uint64_t end);
/*
 * do_vmi_munmap() - munmap(start, len): -EINVAL for a bad range, 0 if no
 * VMA meets it, else do_vmi_align_munmap().
 */
MUST_CHECK int do_vmi_munmap(struct vma_iterator *vmi, struct vma_mm *mm,
			     uint64_t start, uint64_t len);

/* ------------------------------------------------------------------ */
/* Checking                                                            */

/*
 * vma_validate() - check the whole address space: the tree's own
 * invariants, every VMA's range against its tree key, order and no overlap,
 * map_count against a recount, and each VMA's attributes.
 * Returns: 0, or -EUCLEAN after printing the problem and a dump to stderr.
 */
int vma_validate(struct vma_mm *mm);
/* vma_dump_mm() - print every VMA to stderr. */
void vma_dump_mm(struct vma_mm *mm);

#endif /* UVMA_VMA_H */
