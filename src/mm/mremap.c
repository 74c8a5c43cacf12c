/* SPDX-License-Identifier: MIT */
/*
 * mremap.c - mremap(): shrink, grow in place, move (MREMAP_MAYMOVE,
 * MREMAP_FIXED, MREMAP_DONTUNMAP) and the 6.17+ move of a range spanning
 * several VMAs.
 *
 * The call follows Linux 6.18 mm/mremap.c step by step, with one state
 * object (struct vma_remap_struct, "vrm") threaded through every step:
 *   1. check_mremap_params() - the argument checks, before any lookup;
 *   2. a move-only request (MREMAP_FIXED, old_len == new_len) walks the
 *      VMAs of the range (remap_move()); anything else looks up the one VMA
 *      at addr and runs check_prep_vma() (the per-VMA checks);
 *   3. mremap_to() (a new address is implied) or mremap_at() (shrink, grow
 *      in place, or move elsewhere when growing with MAYMOVE);
 *   4. move_vma(): copy_vma() at the destination (merging there; pgoff per
 *      SEMANTICS.md §1.1), the vm_ops->mremap hook, then either unmap the
 *      source with munmap semantics or, for DONTUNMAP, drop its lock bits.
 * Counters (total_vm and classes, locked_vm, the VM_ACCOUNT charge) move
 * as in Linux, including its quirks (see move_vma()).
 *
 * Rules: ../shared/SEMANTICS.md §15; live-kernel corrections in
 * docs/fidelity.md.  Reaches the VMA core only through vma.h.
 */
#include "mm_internal.h"

enum mremap_type {
	MREMAP_INVALID,
	MREMAP_NO_RESIZE,	/* old_len == new_len */
	MREMAP_SHRINK,		/* old_len > new_len */
	MREMAP_EXPAND,		/* old_len < new_len */
};

/*
 * struct vma_remap_struct - one mremap, threaded through every step.  The
 * steps rewrite addr/old_len/new_len/new_addr as the operation narrows
 * (a shrink before a move, each piece of a multi-VMA move).
 */
struct vma_remap_struct {
	struct uvma_mm *mm;
	uint64_t addr;			/* source start */
	uint64_t old_len;
	uint64_t new_len;
	int flags;			/* MREMAP_* */
	uint64_t new_addr;
	struct vm_area_struct *vma;	/* the source VMA, when known */
	struct vma_iterator vmi;	/* on vma after the first lookup */
	uint64_t delta;			/* |old_len - new_len| */
	enum mremap_type remap_type;
	uint64_t charged;		/* VM_ACCOUNT pages charged */
	bool populate_expand;		/* locked VMA grown: populate */
};

#define MREMAP_KNOWN (UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_FIXED | \
		      UVMA_MREMAP_DONTUNMAP)

static bool vrm_implies_new_addr(const struct vma_remap_struct *vrm)
{
	return vrm->flags & (UVMA_MREMAP_FIXED | UVMA_MREMAP_DONTUNMAP);
}

/* vrm_move_only() - FIXED without a size change: the multi-VMA walk. */
static bool vrm_move_only(const struct vma_remap_struct *vrm)
{
	return (vrm->flags & UVMA_MREMAP_FIXED) && vrm->old_len == vrm->new_len;
}

static void vrm_set_delta(struct vma_remap_struct *vrm)
{
	vrm->delta = vrm->old_len > vrm->new_len ? vrm->old_len - vrm->new_len :
						   vrm->new_len - vrm->old_len;
	if (!vrm->delta)
		vrm->remap_type = MREMAP_NO_RESIZE;
	else if (vrm->old_len > vrm->new_len)
		vrm->remap_type = MREMAP_SHRINK;
	else
		vrm->remap_type = MREMAP_EXPAND;
}

/* vrm_will_map_new() - will anything be mapped (growth or a move)? */
static bool vrm_will_map_new(const struct vma_remap_struct *vrm)
{
	return vrm->remap_type == MREMAP_EXPAND || vrm_implies_new_addr(vrm);
}

/*
 * vrm_overlaps() - do the source and destination ranges meet?
 *
 *   addr          addr + old_len
 *     |<------------->|
 *             |<------------->|
 *          new_addr      new_addr + new_len
 */
static bool vrm_overlaps(const struct vma_remap_struct *vrm)
{
	return vrm->addr + vrm->old_len > vrm->new_addr &&
	       vrm->new_addr + vrm->new_len > vrm->addr;
}

static int64_t max_map_count(const struct uvma_mm *mm)
{
	return mm->vmm.max_map_count;
}

/*
 * check_mremap_params() - the checks made before any VMA is looked up.
 * The lengths are already page aligned (a length within a page of 2^64
 * has wrapped to 0).
 * Returns: 0; -EINVAL; -ENOMEM (map-count headroom for a fixed move).
 */
static int check_mremap_params(struct vma_remap_struct *vrm)
{
	uint64_t task_size = vrm->mm->cfg.task_size;

	if (vrm->flags & ~MREMAP_KNOWN)
		return -EINVAL;
	if (vrm->addr & ~PAGE_MASK)
		return -EINVAL;
	/* old_len 0 is the "duplicate a shared mapping" case; new_len 0 is not. */
	if (!vrm->new_len)
		return -EINVAL;
	if (vrm->new_len > task_size)
		return -EINVAL;
	if (!vrm_implies_new_addr(vrm))
		return 0;
	if (vrm->new_addr > task_size - vrm->new_len)
		return -EINVAL;
	if (vrm->new_addr & ~PAGE_MASK)
		return -EINVAL;
	if (!(vrm->flags & UVMA_MREMAP_MAYMOVE))
		return -EINVAL;
	if ((vrm->flags & UVMA_MREMAP_DONTUNMAP) && vrm->old_len != vrm->new_len)
		return -EINVAL;
	if (vrm_overlaps(vrm))
		return -EINVAL;
	/*
	 * Both the destination and the source may be split in three before
	 * the move, which itself wants 3 maps of headroom.
	 */
	if ((int64_t)vrm->mm->vmm.map_count + 2 >= max_map_count(vrm->mm) - 3)
		return -ENOMEM;
	return 0;
}

/*
 * check_prep_vma() - the checks on the source VMA (vrm->vma, which may be
 * NULL), in Linux's order.  Sets delta, remap_type and populate_expand.
 * Returns: 0; -EFAULT (no VMA, the range runs past it, a VM_DONTEXPAND /
 * VM_PFNMAP VMA would grow); -EPERM (sealed); -EINVAL (old_len 0 on a
 * private mapping, DONTUNMAP on VM_DONTEXPAND / VM_PFNMAP, pgoff wraps);
 * -EAGAIN (locked growth over RLIMIT_MEMLOCK); -ENOMEM (RLIMIT_AS/DATA).
 */
static int check_prep_vma(struct vma_remap_struct *vrm)
{
	struct vm_area_struct *vma = vrm->vma;
	struct uvma_mm *mm = vrm->mm;
	uint64_t old_len, new_len, pgoff;

	if (!vma)
		return -EFAULT;
	if (vma_is_sealed(vma))
		return -EPERM;
	/* hugetlb alignment: the model has no hugetlb VMAs. */
	vrm_set_delta(vrm);
	if (!vrm_implies_new_addr(vrm))
		vrm->new_addr = vrm->addr;
	/* A shrink in place needs nothing more: its unmap may even cover
	 * the VMAs after this one. */
	if (!vrm_will_map_new(vrm))
		return 0;

	old_len = vrm->old_len;
	new_len = vrm->new_len;
	if (!old_len && !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE)))
		return -EINVAL;
	if ((vrm->flags & UVMA_MREMAP_DONTUNMAP) &&
	    (vma->vm_flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return -EINVAL;
	/* What a shrink unmaps may cross VMA boundaries; what moves may not. */
	if (vrm->remap_type == MREMAP_SHRINK)
		old_len = new_len;
	if (old_len > vma->vm_end - vrm->addr)
		return -EFAULT;
	if (new_len == old_len)
		return 0;

	if (vma->vm_flags & VM_LOCKED)
		vrm->populate_expand = true;
	pgoff = vma->vm_pgoff + ((vrm->addr - vma->vm_start) >> PAGE_SHIFT);
	if (pgoff + (new_len >> PAGE_SHIFT) < pgoff)
		return -EINVAL;
	if (vma->vm_flags & (VM_DONTEXPAND | VM_PFNMAP))
		return -EFAULT;
	if (!mlock_future_ok(mm, vma->vm_flags, vrm->delta))
		return -EAGAIN;
	if (!may_expand_vm(mm, vma->vm_flags, vrm->delta >> PAGE_SHIFT))
		return -ENOMEM;
	return 0;
}

/* vma_lookup() - the VMA containing @addr, or NULL. */
static struct vm_area_struct *vma_lookup(struct uvma_mm *mm, uint64_t addr)
{
	struct vm_area_struct *vma = find_vma(mm_core(mm), addr);

	return vma && vma->vm_start <= addr ? vma : NULL;
}

/* ------------------------------------------------------------------ */
/* Accounting                                                          */

/*
 * vrm_calc_charge() - charge the VM_ACCOUNT pages the operation adds: all
 * of new_len for DONTUNMAP (the source stays accounted), else the growth.
 * Returns false if overcommit refuses.
 */
static bool vrm_calc_charge(struct vma_remap_struct *vrm)
{
	uint64_t charged;

	if (!(vrm->vma->vm_flags & VM_ACCOUNT))
		return true;
	if (vrm->flags & UVMA_MREMAP_DONTUNMAP)
		charged = vrm->new_len >> PAGE_SHIFT;
	else
		charged = vrm->delta >> PAGE_SHIFT;
	if (security_vm_enough_memory(vrm->mm, charged))
		return false;
	vrm->charged = charged;
	return true;
}

static void vrm_uncharge(struct vma_remap_struct *vrm)
{
	if (!(vrm->vma->vm_flags & VM_ACCOUNT))
		return;
	vm_unacct_memory(vrm->mm, vrm->charged);
	vrm->charged = 0;
}

/* vrm_stat_account() - @bytes more of the source's class (and locked). */
static void vrm_stat_account(struct vma_remap_struct *vrm, uint64_t bytes)
{
	uint64_t pages = bytes >> PAGE_SHIFT;

	vm_stat_account(vrm->mm, vrm->vma->vm_flags, (int64_t)pages);
	if (vrm->vma->vm_flags & VM_LOCKED)
		vrm->mm->locked_vm += pages;
}

/* ------------------------------------------------------------------ */
/* Shrink, grow in place                                               */

/*
 * shrink_vma() - unmap [addr + new_len, addr + old_len) with munmap
 * semantics (it may split, cross into later VMAs, meet a seal).  With
 * @reload, vrm->vma becomes the VMA now at addr.
 * Returns: 0 or the munmap error; -EFAULT if nothing is left at addr.
 */
static int shrink_vma(struct vma_remap_struct *vrm, bool reload)
{
	int err;

	err = do_munmap_range(vrm->mm, vrm->addr + vrm->new_len, vrm->delta);
	vrm->vma = NULL;
	if (err)
		return err;
	if (reload) {
		vrm->vma = vma_lookup(vrm->mm, vrm->addr);
		if (!vrm->vma)
			return -EFAULT;
	}
	return 0;
}

/*
 * vma_expandable() - is [vm_end, vm_end + delta) free and below the top?
 * Stack guard gaps are not considered (live: a VMA grows up to the one
 * after it).
 */
static bool vma_expandable(struct vma_remap_struct *vrm)
{
	struct vm_area_struct *vma = vrm->vma, *next;
	uint64_t end = vma->vm_end + vrm->delta;

	if (end < vma->vm_end)
		return false;
	/* The first VMA after vma, one step from where the lookup left. */
	next = vma_iter_after(&vrm->vmi, vma);
	if (next && next->vm_start < end)
		return false;
	if (get_unmapped_area(vrm->mm, NULL, vma->vm_start,
			      end - vma->vm_start, 0, UVMA_MAP_FIXED, 0) < 0)
		return false;
	return true;
}

/*
 * expand_vma_in_place() - grow the source VMA by delta with
 * vma_merge_extend(), which also absorbs the next VMA when the growth
 * makes it adjacent and compatible:
 *
 *          addr                   vm_end + delta
 *   |-------|<------old_len------>|*****delta*****|------|
 *               vma (extend)                        next (removed if
 *                                                   compatible)
 * Returns: 0; -ENOMEM (overcommit, no merge possible for a VM_SPECIAL
 * VMA, no memory).
 */
static int expand_vma_in_place(struct vma_remap_struct *vrm)
{
	struct vm_area_struct *vma;

	if (!vrm_calc_charge(vrm))
		return -ENOMEM;
	vma = vma_merge_extend(&vrm->vmi, vrm->vma, vrm->delta);
	if (!vma) {
		vrm_uncharge(vrm);
		return -ENOMEM;
	}
	vrm->vma = vma;
	vrm_stat_account(vrm, vrm->delta);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Moving                                                              */

/*
 * vrm_set_new_addr() - where the move goes: get_unmapped_area() with the
 * source's file and pgoff, MAP_FIXED for MREMAP_FIXED (else new_addr is
 * a hint with DONTUNMAP, or 0), MAP_SHARED for VM_MAYSHARE.
 */
static int vrm_set_new_addr(struct vma_remap_struct *vrm)
{
	struct vm_area_struct *vma = vrm->vma;
	uint64_t pgoff = vma->vm_pgoff + ((vrm->addr - vma->vm_start) >> PAGE_SHIFT);
	uint64_t hint = vrm_implies_new_addr(vrm) ? vrm->new_addr : 0;
	int map_flags = 0;
	int64_t res;

	if (vrm->flags & UVMA_MREMAP_FIXED)
		map_flags |= UVMA_MAP_FIXED;
	if (vma->vm_flags & VM_MAYSHARE)
		map_flags |= UVMA_MAP_SHARED;
	res = get_unmapped_area(vrm->mm, vma->vm_file, hint, vrm->new_len,
				pgoff, map_flags, 0);
	if (res < 0)
		return (int)res;
	vrm->new_addr = (uint64_t)res;
	return 0;
}

/*
 * prep_move_vma() - checks before the first change of a move: map-count
 * headroom (3, for the splits the source unmap may make) and the
 * may_split veto of both cut points (special mappings: -EINVAL).
 */
static int prep_move_vma(struct vma_remap_struct *vrm)
{
	struct vm_area_struct *vma = vrm->vma;
	uint64_t end = vrm->addr + vrm->old_len;
	int err = 0;

	if ((int64_t)vrm->mm->vmm.map_count >= max_map_count(vrm->mm) - 3)
		return -ENOMEM;
	if (vma->vm_ops && vma->vm_ops->may_split) {
		if (vma->vm_start != vrm->addr)
			err = vma->vm_ops->may_split(vma, vrm->addr);
		if (!err && vma->vm_end != end)
			err = vma->vm_ops->may_split(vma, end);
	}
	/* KSM unmerging of the source changes no flag. */
	return err;
}

/*
 * uffd_ctx_event_remap() - does the uffd context keep registrations across
 * a move?  IMPORTANT: vma_uffd_ctx() holds the struct uvma_uffd the VMA was
 * registered with (uffd.c stores it there).
 */
static bool uffd_ctx_event_remap(const struct userfaultfd_ctx *ctx)
{
	const struct uvma_uffd *uffd = (const struct uvma_uffd *)(const void *)ctx;

	return uffd->features & UVMA_UFFD_FEATURE_EVENT_REMAP;
}

/*
 * mremap_userfaultfd_prep() - without UFFD_FEATURE_EVENT_REMAP the
 * destination VMA (all of it, if it merged) loses its registration.
 */
static void mremap_userfaultfd_prep(struct vm_area_struct *new_vma)
{
	if (!vma_uffd_ctx(new_vma) || uffd_ctx_event_remap(vma_uffd_ctx(new_vma)))
		return;
	vma_clear_uffd_ctx(new_vma);
	new_vma->vm_flags &= ~__VM_UFFD_FLAGS;
}

/*
 * unmap_source_vma() - turn the copy into a move: unmap the source range
 * with munmap semantics.  Its VM_ACCOUNT charge now belongs to the
 * destination, so the flag is cleared for the unmap (nothing is given
 * back) and set again on the pieces of the source that stay:
 *
 *    vm_start  addr      addr + old_len   vm_end
 *      |-------|<----------------->|--------|
 *       prev     unmapped            next
 *       (ac)                         (ac)
 */
static void unmap_source_vma(struct vma_remap_struct *vrm)
{
	struct vm_area_struct *vma = vrm->vma, *piece;
	uint64_t addr = vrm->addr, end = vrm->addr + vrm->old_len;
	uint64_t vm_start = vma->vm_start, vm_end = vma->vm_end;
	bool accountable = (vma->vm_flags & VM_ACCOUNT) &&
			   !(vrm->flags & UVMA_MREMAP_DONTUNMAP);
	int err;

	if (accountable)
		vma->vm_flags &= ~VM_ACCOUNT;
	err = do_munmap_range(vrm->mm, addr, vrm->old_len);
	vrm->vma = NULL;
	if (err) {
		/*
		 * Linux only fixes the charge here; the source keeps its
		 * pages and (a quirk) stays without VM_ACCOUNT.
		 */
		vrm->mm->committed += vrm->old_len >> PAGE_SHIFT;
		return;
	}
	if (!accountable)
		return;
	if (vm_start < addr) {
		piece = vma_lookup(vrm->mm, addr - PAGE_SIZE);
		if (ALWAYS(piece))
			piece->vm_flags |= VM_ACCOUNT;
	}
	if (vm_end > end) {
		piece = vma_lookup(vrm->mm, end);
		if (ALWAYS(piece))
			piece->vm_flags |= VM_ACCOUNT;
	}
}

/*
 * copy_vma_and_data() - the destination VMA (copy_vma(): a new VMA or a
 * merge with the destination's neighbours), the page tables (always
 * succeed in the model), then the source's vm_ops->mremap hook.  If the
 * hook refuses, the roles swap so that the caller unmaps the new VMA.
 * Returns: 0; -ENOMEM (*@new_vma_out NULL, nothing changed but the
 * charge given back); the hook's error (*@new_vma_out set).
 */
static int copy_vma_and_data(struct vma_remap_struct *vrm,
			     struct vm_area_struct **new_vma_out)
{
	struct vm_area_struct *vma = vrm->vma, *new_vma;
	uint64_t new_pgoff = vma->vm_pgoff +
			     ((vrm->addr - vma->vm_start) >> PAGE_SHIFT);
	int err;

	err = copy_vma(mm_core(vrm->mm), &vma, vrm->new_addr, vrm->new_len,
		       new_pgoff, &new_vma);
	if (err) {
		vrm_uncharge(vrm);
		*new_vma_out = NULL;
		return -ENOMEM;
	}
	vrm->vma = vma;		/* a merge may have absorbed the source */
	err = 0;
	if (vma->vm_ops && vma->vm_ops->mremap)
		err = vma->vm_ops->mremap(new_vma);
	if (err) {
		vrm->vma = new_vma;
		vrm->old_len = vrm->new_len;
		vrm->addr = vrm->new_addr;
	} else {
		mremap_userfaultfd_prep(new_vma);
	}
	*new_vma_out = new_vma;
	return err;
}

/*
 * dontunmap_complete() - MREMAP_DONTUNMAP leaves the whole source VMA in
 * place, unsplit, without its lock bits (live 6.18: VM_ACCOUNT stays,
 * SEMANTICS.md §15.3 is wrong there); if all of it moved, it no longer has
 * an anon_vma.  locked_vm is not lowered (as in Linux).
 */
static void dontunmap_complete(struct vma_remap_struct *vrm,
			       struct vm_area_struct *new_vma)
{
	struct vm_area_struct *vma = vrm->vma;
	bool whole = vrm->addr == vma->vm_start &&
		     vrm->addr + vrm->old_len == vma->vm_end;

	vma->vm_flags &= ~VM_LOCKED_MASK;
	if (new_vma != vma && whole && vma->anon_vma)
		unlink_anon_vmas(vma);
}

/*
 * move_vma() - move [addr, addr + old_len) to [new_addr, new_addr +
 * new_len).  Counters: the source's class and (if locked) locked_vm grow
 * by new_len, then the unmap of the source takes old_len away again.
 * Returns the new address, or -errno: -ENOMEM (map count, overcommit, no
 * memory), a may_split veto, a hook's error (the new VMA is unmapped).
 */
static int64_t move_vma(struct vma_remap_struct *vrm)
{
	struct vm_area_struct *new_vma;
	int err;

	err = prep_move_vma(vrm);
	if (err)
		return err;
	if (!vrm_calc_charge(vrm))
		return -ENOMEM;
	mm_notify_range(vrm->mm, vrm->new_addr, vrm->new_addr + vrm->new_len);
	err = copy_vma_and_data(vrm, &new_vma);
	if (err && !new_vma)
		return err;
	if (!err)
		mm_notify_moved(vrm->mm, vrm->addr, vrm->addr + vrm->old_len,
				vrm->new_addr);

	vrm_stat_account(vrm, vrm->new_len);
	if (!err && (vrm->flags & UVMA_MREMAP_DONTUNMAP))
		dontunmap_complete(vrm, new_vma);
	else
		unmap_source_vma(vrm);
	return err ? err : (int64_t)vrm->new_addr;
}

/*
 * mremap_to() - a move to a given (FIXED) or hinted (DONTUNMAP) address:
 * unmap the destination first (FIXED; a seal there is -EPERM), find the
 * source again, shrink it first if the new length is smaller, then move.
 * PARTIAL: the destination stays unmapped if a later step fails.
 */
static int64_t mremap_to(struct vma_remap_struct *vrm)
{
	struct uvma_mm *mm = vrm->mm;
	int err;

	if (vrm->flags & UVMA_MREMAP_FIXED) {
		err = do_munmap_range(mm, vrm->new_addr, vrm->new_len);
		vrm->vma = NULL;
		if (err)
			return err;
		vrm->vma = vma_lookup(mm, vrm->addr);
		if (!vrm->vma)
			return -EFAULT;
	}
	if (vrm->remap_type == MREMAP_SHRINK) {
		err = shrink_vma(vrm, true);
		if (err)
			return err;
		vrm->old_len = vrm->new_len;
	}
	/* DONTUNMAP maps new_len more pages and unmaps nothing. */
	if ((vrm->flags & UVMA_MREMAP_DONTUNMAP) &&
	    !may_expand_vm(mm, vrm->vma->vm_flags, vrm->old_len >> PAGE_SHIFT))
		return -ENOMEM;
	err = vrm_set_new_addr(vrm);
	if (err)
		return err;
	return move_vma(vrm);
}

/*
 * expand_vma() - growth without a new address: in place if the range ends
 * at the VMA's end and the space after it is free, else a move with
 * MAYMOVE, else -ENOMEM.
 */
static int64_t expand_vma(struct vma_remap_struct *vrm)
{
	int err;

	if (vrm->vma->vm_end - vrm->addr == vrm->old_len &&
	    vma_expandable(vrm)) {
		err = expand_vma_in_place(vrm);
		if (err)
			return err;
		return (int64_t)vrm->addr;
	}
	if (!(vrm->flags & UVMA_MREMAP_MAYMOVE))
		return -ENOMEM;
	err = vrm_set_new_addr(vrm);
	if (err)
		return err;
	return move_vma(vrm);
}

/* mremap_at() - no new address: same size, shrink in place, or grow. */
static int64_t mremap_at(struct vma_remap_struct *vrm)
{
	int err;

	switch (vrm->remap_type) {
	case MREMAP_NO_RESIZE:
		return (int64_t)vrm->addr;
	case MREMAP_SHRINK:
		err = shrink_vma(vrm, false);
		return err ? err : (int64_t)vrm->addr;
	case MREMAP_EXPAND:
		return expand_vma(vrm);
	case MREMAP_INVALID:
		break;
	}
	VMA_WARN_ON(1);	/* remap_type is always set by now */
	return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* The multi-VMA move (6.17+)                                          */

/*
 * vma_multi_allowed() - may @vma move as one of several?  Not when it is
 * registered with userfaultfd (the event would need the lock dropped).
 * File VMAs whose filesystem has its own get_unmapped_area (other than
 * shmem, hugetlb and the THP one) are refused in Linux; the model's files
 * all use one of those.
 */
static bool vma_multi_allowed(const struct vm_area_struct *vma)
{
	return !(vma->vm_flags & __VM_UFFD_FLAGS);
}

/*
 * remap_move() - MREMAP_FIXED with old_len == new_len: move every VMA
 * piece of [addr, addr + old_len) in address order, keeping the gaps
 * between them; holes after the first VMA are fine.
 *
 *   addr                                   addr + old_len
 *     |<---------------------------------------->|
 *     |**A**|--gap--|***B***|    |**C**|
 *   new_addr
 *     |**A**|--gap--|***B***|    |**C**|
 *
 * Returns the new address of the first piece; -EFAULT (the range starts
 * in a hole, or is empty, or spans a VMA that cannot take part); any
 * single move's error.
 * PARTIAL: pieces moved before a failure stay moved.
 */
static int64_t remap_move(struct vma_remap_struct *vrm)
{
	uint64_t start = vrm->addr, end = vrm->addr + vrm->old_len;
	uint64_t target = vrm->new_addr, last_end = 0, pos = start;
	int64_t res = -EFAULT, piece_res;
	bool seen = false;
	struct vm_area_struct *vma;

	/* pos < end first: with DONTUNMAP the source is still mapped there. */
	while (pos < end &&
	       (vma = find_vma_intersection(mm_core(vrm->mm), pos, end))) {
		uint64_t addr = vma->vm_start > start ? vma->vm_start : start;
		uint64_t len = (end < vma->vm_end ? end : vma->vm_end) - addr;
		uint64_t offset;
		bool multi_allowed;
		int err;

		if (!seen && start < vma->vm_start)
			return -EFAULT;		/* no gap allowed at the start */
		offset = seen ? vma->vm_start - last_end : 0;
		last_end = vma->vm_end;

		vrm->vma = vma;
		vrm->addr = addr;
		vrm->new_addr = target + offset;
		vrm->old_len = vrm->new_len = len;

		multi_allowed = vma_multi_allowed(vma);
		if (!multi_allowed && (seen || vma->vm_end < end))
			return -EFAULT;
		err = check_prep_vma(vrm);
		piece_res = err ? err : mremap_to(vrm);
		if (piece_res < 0)
			return piece_res;
		if (!seen)
			res = piece_res;
		seen = true;
		target = (uint64_t)piece_res + vrm->new_len;
		pos = addr + len;
	}
	return res;
}

int64_t uvma__mremap(struct uvma_mm *mm, uint64_t old_addr, uint64_t old_len,
		    uint64_t new_len, int flags, uint64_t new_addr)
{
	struct vma_remap_struct vrm = {
		.mm = mm,
		.addr = old_addr,
		/* Aligned first: a length near 2^64 wraps to 0. */
		.old_len = PAGE_ALIGN(old_len),
		.new_len = PAGE_ALIGN(new_len),
		.flags = flags,
		.new_addr = new_addr,
		.remap_type = MREMAP_INVALID,
	};
	int64_t res;
	int err;

	err = check_mremap_params(&vrm);
	if (err)
		return err;
	vma_iter_init(&vrm.vmi, mm_core(mm), vrm.addr);
	if (vrm_move_only(&vrm)) {
		res = remap_move(&vrm);
	} else {
		/* vma_lookup() with an iterator left on the VMA found. */
		vrm.vma = vma_next(&vrm.vmi);
		if (vrm.vma && vrm.vma->vm_start > vrm.addr)
			vrm.vma = NULL;
		err = check_prep_vma(&vrm);
		if (err)
			return err;
		res = vrm_implies_new_addr(&vrm) ? mremap_to(&vrm) :
						   mremap_at(&vrm);
	}
	/* A locked VMA that grew: populate the new part (errors ignored). */
	if (res >= 0 && vrm.populate_expand) {
		uint64_t from = vrm.new_addr + vrm.old_len;
		struct vm_area_struct *vma = vma_lookup(mm, from);

		if (vma && !(vma->vm_flags & VM_LOCKONFAULT))
			(void)mm_populate_range(mm, from, from + vrm.delta);
	}
	return res;
}
