/* SPDX-License-Identifier: MIT */
/*
 * madvise.c - madvise(): the advice that changes VMAs (through
 * vma_modify_flags(), merging and splitting), the validity checks and
 * errors of the rest, and the walk that PR_SET_VMA_ANON_NAME shares.
 *
 * Order of checks, as Linux 6.18 mm/madvise.c: advice valid for the
 * configuration, start aligned, length rounding and wrap, length 0; then
 * MADV_POPULATE_* fault the range in order (stopping at a hole), every
 * other advice walks the VMAs (holes skipped, -ENOMEM at the end).  Per
 * VMA the seal check comes first.  An internal -ENOMEM of flag advice
 * (split over the map-count limit, no memory) is reported as -EAGAIN.
 * Checked on the live 6.18.44 kernel: tests/unit/test_madvise.c.
 */
#include "local.h"

static bool madvise_behavior_valid(const struct uvma_mm *mm, int behavior)
{
	switch (behavior) {
	case UVMA_MADV_NORMAL: case UVMA_MADV_RANDOM: case UVMA_MADV_SEQUENTIAL:
	case UVMA_MADV_WILLNEED: case UVMA_MADV_DONTNEED: case UVMA_MADV_FREE:
	case UVMA_MADV_REMOVE: case UVMA_MADV_DONTFORK: case UVMA_MADV_DOFORK:
	case UVMA_MADV_DONTDUMP: case UVMA_MADV_DODUMP:
	case UVMA_MADV_WIPEONFORK: case UVMA_MADV_KEEPONFORK:
	case UVMA_MADV_COLD: case UVMA_MADV_PAGEOUT:
	case UVMA_MADV_POPULATE_READ: case UVMA_MADV_POPULATE_WRITE:
	case UVMA_MADV_DONTNEED_LOCKED:
	case UVMA_MADV_GUARD_INSTALL: case UVMA_MADV_GUARD_REMOVE:
		return true;
	case UVMA_MADV_MERGEABLE: case UVMA_MADV_UNMERGEABLE:
		return mm->cfg.ksm;
	case UVMA_MADV_HUGEPAGE: case UVMA_MADV_NOHUGEPAGE:
	case UVMA_MADV_COLLAPSE:
		return mm->cfg.thp_configured;
	default:
		/* HWPOISON/SOFT_OFFLINE need CONFIG_MEMORY_FAILURE (off here). */
		return false;
	}
}

/* is_discard() - advice a seal refuses on read-only anonymous memory. */
static bool is_discard(int behavior)
{
	switch (behavior) {
	case UVMA_MADV_FREE: case UVMA_MADV_DONTNEED:
	case UVMA_MADV_DONTNEED_LOCKED: case UVMA_MADV_REMOVE:
	case UVMA_MADV_DONTFORK: case UVMA_MADV_WIPEONFORK:
	case UVMA_MADV_GUARD_INSTALL:
		return true;
	default:
		return false;
	}
}

static bool can_madvise_modify(const struct vm_area_struct *vma, int behavior)
{
	if (!vma_is_sealed(vma) || !is_discard(behavior))
		return true;
	/* File-backed (any vm_ops) and writable VMAs may be discarded. */
	return !vma_is_anonymous(vma) || (vma->vm_flags & VM_WRITE);
}

bool vma_ksm_compatible(const struct vm_area_struct *vma)
{
	return !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO |
				  VM_DONTEXPAND | VM_HUGETLB | VM_MIXEDMAP |
				  VM_DROPPABLE));
}

static bool vma_is_anon_shmem(const struct vm_area_struct *vma)
{
	return vma->vm_file && vma->vm_file->kind == UVMA_FKIND_SHMEM_ZERO;
}

/*
 * struct madv_state - one madvise walk: the advice, the new name and the
 * VMA the current step left behind (the walk continues after it).
 */
struct madv_state {
	struct uvma_mm *mm;
	int behavior;
	struct anon_vma_name *name;
	struct vm_area_struct *prev;	/* VMA before vma, or vma itself */
	struct vm_area_struct *vma;	/* the VMA [start, end) lies in */
	uint64_t start, end;
};

/*
 * madvise_update_vma() - give [start, end) @new_flags (and the new name):
 * nothing if they are what the VMA has, else merge or split, then write.
 */
static int madvise_update_vma(struct madv_state *st, vm_flags_t new_flags)
{
	struct vm_area_struct *vma = st->vma, *res;
	bool set_name = st->behavior == MADV_SET_ANON_VMA_NAME;
	struct anon_vma_name *name = set_name ? st->name : vma_anon_name(vma);
	int err;
	VMA_ITERATOR(vmi, mm_core(st->mm), st->start);

	if (new_flags == vma->vm_flags && anon_vma_name_eq(vma_anon_name(vma), name))
		return 0;
	if (set_name)
		err = vma_modify_name(&vmi, st->prev, vma, st->start, st->end,
				      name, &res);
	else
		err = vma_modify_flags(&vmi, st->prev, vma, st->start, st->end,
				       new_flags, &res);
	if (err)
		return err;
	vma_flags_reset(res, new_flags);	/* vma_modify_name() wrote the name */
	st->vma = res;
	return 0;
}

static int madvise_dontneed_free(struct madv_state *st)
{
	const struct vm_area_struct *vma = st->vma;
	vm_flags_t forbidden = VM_PFNMAP;

	if (vma->vm_flags & VM_HUGETLB)
		return st->behavior == UVMA_MADV_FREE ? -EINVAL : 0;
	if (st->behavior != UVMA_MADV_DONTNEED_LOCKED)
		forbidden |= VM_LOCKED;
	if (vma->vm_flags & forbidden)
		return -EINVAL;
	/* MADV_FREE works on anonymous memory only. */
	if (st->behavior == UVMA_MADV_FREE && !vma_is_anonymous(vma))
		return -EINVAL;
	return 0;
}

static int madvise_remove(struct madv_state *st)
{
	const struct vm_area_struct *vma = st->vma;

	if (vma->vm_flags & VM_LOCKED)
		return -EINVAL;
	if (!vma->vm_file)
		return -EINVAL;
	if (!vma_is_shared_maywrite(vma))
		return -EACCES;
	/*
	 * fallocate(PUNCH_HOLE): append-only inodes refuse it, and so does a
	 * write-sealed memfd (F_SEAL_FUTURE_WRITE leaves the mappings made
	 * before it VM_MAYWRITE; F_SEAL_WRITE cannot meet one).  Checked live.
	 */
	if (vma->vm_file->flags & UVMA_FILE_APPEND_ONLY)
		return -EPERM;
	if (vma->vm_file->seals & (UVMA_F_SEAL_WRITE | UVMA_F_SEAL_FUTURE_WRITE))
		return -EPERM;
	return 0;
}

/* The VMA has an aligned PMD block (THP allowed outside a page fault). */
static bool vma_has_pmd_block(const struct vm_area_struct *vma)
{
	uint64_t haddr;

	if (vma->vm_end - vma->vm_start < PMD_SIZE)
		return false;
	haddr = (vma->vm_end - PMD_SIZE) & ~(PMD_SIZE - 1);
	if (haddr < vma->vm_start)
		return false;
	/* File VMAs also need file offset and address congruent. */
	return vma_is_anonymous(vma) ||
	       (((vma->vm_start >> PAGE_SHIFT) - vma->vm_pgoff) &
		((PMD_SIZE >> PAGE_SHIFT) - 1)) == 0;
}

/*
 * madvise_collapse() - only what the VMA decides: THP must be possible
 * for it at all (no VM_NOHUGEPAGE, anonymous or shmem, not special, an
 * aligned 2 MiB block inside; an anonymous VMA must have its anon_vma,
 * as __thp_vma_allowable_orders() asks outside faults and smaps: live,
 * a never-faulted 6 MiB VMA is -EINVAL).  Whether the pages collapse
 * depends on page state the model does not keep; it reports success.
 */
static int madvise_collapse(struct madv_state *st)
{
	const struct vm_area_struct *vma = st->vma;

	if (vma->vm_flags & (VM_NOHUGEPAGE | VM_SPECIAL | VM_HUGETLB))
		return -EINVAL;
	if (!vma_is_anonymous(vma) && !vma_is_shmem(vma))
		return -EINVAL;
	if (vma_is_anonymous(vma) &&
	    (vma->vm_flags & VM_STACK_INCOMPLETE_SETUP) == VM_STACK_INCOMPLETE_SETUP)
		return -EINVAL;
	if (!vma_has_pmd_block(vma))
		return -EINVAL;
	if (vma_is_anonymous(vma) && !vma->anon_vma)
		return -EINVAL;
	/*
	 * The aligned 2 MiB blocks of [start, end): none when the range ends
	 * before the first boundary after start.  Then Linux compares 0
	 * blocks collapsed with a "negative" count and reports its initial
	 * failure (-EINVAL); a range from a boundary to the same boundary
	 * (hstart == hend) has nothing to do (0).  Live: 4 KiB at an
	 * unaligned address is -EINVAL, at an aligned one 0.
	 */
	if (((st->start + PMD_SIZE - 1) & ~(PMD_SIZE - 1)) > (st->end & ~(PMD_SIZE - 1)))
		return -EINVAL;
	return 0;
}

static bool is_valid_guard_vma(const struct vm_area_struct *vma,
			       bool allow_locked)
{
	vm_flags_t disallowed = VM_SPECIAL | VM_HUGETLB;

	if (!allow_locked)
		disallowed |= VM_LOCKED;
	return !(vma->vm_flags & disallowed);
}

/*
 * madvise_guard_install() - the VMA is marked "gu" (VM_MAYBE_GUARD, in
 * place, never split); an anonymous VMA also gets an anon_vma (page
 * tables now hold markers, which fork must copy), a file-backed or shared
 * one does not (live: two pieces of a shared anonymous mapping, both
 * guarded, still merge).  Guard pages themselves are not modelled.
 */
static int madvise_guard_install(struct madv_state *st)
{
	struct vm_area_struct *vma = st->vma;
	vm_flags_t old = vma->vm_flags;

	if (!is_valid_guard_vma(vma, false))
		return -EINVAL;
	/*
	 * The flag goes on first: the anon_vma_prepare() that follows then
	 * finds a guarded neighbour's anon_vma compatible and reuses it, so
	 * the pieces of a range guarded in one call can merge again later
	 * (live: a guard over two anonymous VMAs that differ only in prot,
	 * then an mprotect making them alike, gives one VMA).
	 */
	vma->vm_flags |= VM_MAYBE_GUARD;
	if (vma_is_anonymous(vma) && anon_vma_prepare(mm_core(st->mm), vma)) {
		vma->vm_flags = old;	/* the model's own OOM: undo */
		return -ENOMEM;
	}
	return 0;
}

/* new_flags_for() - flag advice: the new flags, or a refusal. */
static int new_flags_for(struct madv_state *st, vm_flags_t *flags)
{
	const struct vm_area_struct *vma = st->vma;
	vm_flags_t f = vma->vm_flags;

	switch (st->behavior) {
	case UVMA_MADV_NORMAL:
		f &= ~(VM_RAND_READ | VM_SEQ_READ);
		break;
	case UVMA_MADV_SEQUENTIAL:
		f = (f & ~VM_RAND_READ) | VM_SEQ_READ;
		break;
	case UVMA_MADV_RANDOM:
		f = (f & ~VM_SEQ_READ) | VM_RAND_READ;
		break;
	case UVMA_MADV_DONTFORK:
		f |= VM_DONTCOPY;
		break;
	case UVMA_MADV_DOFORK:
		if (f & VM_IO)
			return -EINVAL;
		f &= ~VM_DONTCOPY;
		break;
	case UVMA_MADV_WIPEONFORK:
		if (vma->vm_file || (f & VM_SHARED))
			return -EINVAL;
		f |= VM_WIPEONFORK;
		break;
	case UVMA_MADV_KEEPONFORK:
		if (f & VM_DROPPABLE)
			return -EINVAL;
		f &= ~VM_WIPEONFORK;
		break;
	case UVMA_MADV_DONTDUMP:
		f |= VM_DONTDUMP;
		break;
	case UVMA_MADV_DODUMP:
		if ((!(f & VM_HUGETLB) && (f & VM_SPECIAL)) || (f & VM_DROPPABLE))
			return -EINVAL;
		f &= ~VM_DONTDUMP;
		break;
	case UVMA_MADV_MERGEABLE:
		/* Already mergeable or not eligible: silently nothing. */
		if (!(f & VM_MERGEABLE) && vma_ksm_compatible(vma))
			f |= VM_MERGEABLE;
		break;
	case UVMA_MADV_UNMERGEABLE:
		f &= ~VM_MERGEABLE;
		break;
	case UVMA_MADV_HUGEPAGE:
		f = (f & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
		break;
	case UVMA_MADV_NOHUGEPAGE:
		f = (f & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
		break;
	case MADV_SET_ANON_VMA_NAME:
		/* Only anonymous memory (private or shared) can be named. */
		if (vma->vm_file && !vma_is_anon_shmem(vma))
			return -EBADF;
		break;
	}
	*flags = f;
	return 0;
}

/* madvise_vma_behavior() - one VMA's part [st->start, st->end). */
static int madvise_vma_behavior(struct madv_state *st)
{
	const struct vm_area_struct *vma = st->vma;
	vm_flags_t new_flags;
	int err;

	if (!can_madvise_modify(vma, st->behavior))
		return -EPERM;

	switch (st->behavior) {
	case UVMA_MADV_REMOVE:
		return madvise_remove(st);
	case UVMA_MADV_WILLNEED:
		return 0;
	case UVMA_MADV_COLD:
	case UVMA_MADV_PAGEOUT:
		return (vma->vm_flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB)) ?
			       -EINVAL : 0;
	case UVMA_MADV_FREE:
	case UVMA_MADV_DONTNEED:
	case UVMA_MADV_DONTNEED_LOCKED:
		return madvise_dontneed_free(st);
	case UVMA_MADV_COLLAPSE:
		return madvise_collapse(st);
	case UVMA_MADV_GUARD_INSTALL:
		return madvise_guard_install(st);
	case UVMA_MADV_GUARD_REMOVE:
		return is_valid_guard_vma(vma, true) ? 0 : -EINVAL;
	}

	err = new_flags_for(st, &new_flags);
	if (err)
		return err;
	err = madvise_update_vma(st, new_flags);
	/* madvise() reports a kernel resource shortage as -EAGAIN. */
	return err == -ENOMEM ? -EAGAIN : err;
}

int madvise_walk(struct uvma_mm *mm, uint64_t start, uint64_t end,
		 int behavior, struct anon_vma_name *name)
{
	struct madv_state st = { .mm = mm, .behavior = behavior, .name = name };
	struct vm_area_struct *vma, *prev;
	int unmapped_error = 0, err;

	vma = find_vma_prev(mm_core(mm), start, &prev);
	if (vma && start > vma->vm_start)
		prev = vma;
	for (;;) {
		if (!vma)
			return -ENOMEM;
		if (start < vma->vm_start) {
			/* A hole: remembered, then skipped. */
			unmapped_error = -ENOMEM;
			start = vma->vm_start;
			if (start >= end)
				break;
		}
		st.prev = prev;
		st.vma = vma;
		st.start = start;
		st.end = end < vma->vm_end ? end : vma->vm_end;
		err = madvise_vma_behavior(&st);
		if (err)
			return err;
		/* Continue after the VMA the step left (it may have merged on). */
		prev = st.vma;
		start = st.end > prev->vm_end ? st.end : prev->vm_end;
		if (start >= end)
			break;
		vma = find_vma(mm_core(mm), prev->vm_end);
	}
	return unmapped_error;
}

/*
 * madvise_populate() - MADV_POPULATE_READ/WRITE: fault the range in, VMA by
 * VMA in address order (GUP with FOLL_MADV_POPULATE).  A hole stops it with
 * -ENOMEM, a VMA the access is not allowed on with -EINVAL, SIGBUS with
 * -EFAULT; earlier VMAs stay populated.
 */
static int madvise_populate(struct uvma_mm *mm, uint64_t start, uint64_t end,
			    bool write)
{
	while (start < end) {
		struct vm_area_struct *vma = find_vma(mm_core(mm), start);
		uint64_t stop, a;
		int r;

		if (!vma || vma->vm_start > start)
			return -ENOMEM;
		if (vma->vm_flags & (VM_IO | VM_PFNMAP))
			return -EINVAL;
		if (!(vma->vm_flags & (write ? VM_WRITE : VM_READ)))
			return -EINVAL;
		stop = end < vma->vm_end ? end : vma->vm_end;
		/*
		 * The first fault decides the anon_vma for a write; a read
		 * prepares one only where a whole PMD block takes the THP
		 * path, so look for the first such block in the range.
		 */
		a = start;
		if (!write) {
			for (; a < stop; a = (a & ~(PMD_SIZE - 1)) + PMD_SIZE)
				if (mm_thp_read_prepares(mm, vma, a))
					break;
			if (a >= stop)
				a = start;
		}
		r = mm_fault_vma(mm, vma, a, write ? UVMA_FAULT_WRITE :
						     UVMA_FAULT_READ);
		if (r < 0)
			return r;
		/* Past the end of the file: SIGBUS on the first such page. */
		if (r == UVMA_FAULT_SIGBUS ||
		    mm_fault_vma(mm, vma, stop - PAGE_SIZE, UVMA_FAULT_READ) ==
			    UVMA_FAULT_SIGBUS)
			return -EFAULT;
		start = stop;
	}
	return 0;
}

int uvma__madvise(struct uvma_mm *mm, uint64_t addr, uint64_t len, int advice)
{
	uint64_t end;
	int r;

	if (!madvise_behavior_valid(mm, advice))
		return -EINVAL;
	r = mm_range_args(addr, len, &end);
	if (r <= 0)
		return r;
	if (advice == UVMA_MADV_POPULATE_READ || advice == UVMA_MADV_POPULATE_WRITE)
		return madvise_populate(mm, addr, end,
					advice == UVMA_MADV_POPULATE_WRITE);
	return madvise_walk(mm, addr, end, advice, NULL);
}
