/* SPDX-License-Identifier: MIT */
/*
 * uffd.c - userfaultfd contexts, UFFDIO_REGISTER / UFFDIO_UNREGISTER and
 * close, as Linux 6.18 fs/userfaultfd.c and mm/userfaultfd.c.
 *
 * Register: mode (non-zero, known bits), range (aligned, non-empty, inside
 * [mmap_min_addr, task_size)), at least one VMA, then every VMA is checked
 * before any change (eligible memory -EINVAL, VM_MAYWRITE -EPERM, another
 * context -EBUSY); holes are allowed.  Each VMA then takes
 * (flags & ~uffd bits) | mode bits and the context through
 * vma_modify_flags_uffd() (merges and splits), unless it already has this
 * context and all the mode bits.  Unregister and close clear both, merging
 * with unregistered neighbours.  The context is compared by identity: the
 * VMA's vma_uffd_ctx() is the struct uvma_uffd itself.
 * Checked on the live 6.18.44 kernel: tests/unit/test_uffd.c.
 */
#include "local.h"

#define UFFD_KNOWN_FEATURES (UVMA_UFFD_FEATURE_EVENT_FORK | UVMA_UFFD_FEATURE_EVENT_REMAP)
#define UFFD_REGISTER_MODES (UVMA_UFFDIO_REGISTER_MODE_MISSING | \
			     UVMA_UFFDIO_REGISTER_MODE_WP | \
			     UVMA_UFFDIO_REGISTER_MODE_MINOR)

static struct userfaultfd_ctx *uffd_id(struct uvma_uffd *uffd)
{
	return (struct userfaultfd_ctx *)uffd;
}

int uvma_uffd_create(struct uvma_mm *mm, uint64_t features,
		     struct uvma_uffd **out)
{
	struct uvma_uffd *uffd;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!mm || (features & ~UFFD_KNOWN_FEATURES))
		return -EINVAL;
	uffd = uvma__calloc(sizeof(*uffd));
	if (!uffd)
		return -ENOMEM;
	uffd->mm = mm;
	uffd->features = features;
	uffd->next = mm->uffds;
	mm->uffds = uffd;
	*out = uffd;
	return 0;
}

/* vma_can_userfault() - may @vma be registered with @vm_flags (uffd bits)? */
static bool vma_can_userfault(const struct vm_area_struct *vma,
			      vm_flags_t vm_flags)
{
	vm_flags &= __VM_UFFD_FLAGS;
	if (vma->vm_flags & VM_DROPPABLE)
		return false;
	if ((vm_flags & VM_UFFD_MINOR) && !(vma->vm_flags & VM_HUGETLB) &&
	    !vma_is_shmem(vma))
		return false;
	/* CONFIG_PTE_MARKER_UFFD_WP=y: WP also on shmem and hugetlb. */
	return vma_is_anonymous(vma) || (vma->vm_flags & VM_HUGETLB) ||
	       vma_is_shmem(vma);
}

static int validate_range(const struct uvma_mm *mm, uint64_t start,
			  uint64_t len)
{
	uint64_t task_size = mm->cfg.task_size;

	if ((start | len) & ~PAGE_MASK || !len || start < mmap_min_addr(mm) ||
	    start >= task_size || len > task_size - start)
		return -EINVAL;
	return 0;
}

/*
 * uffd_set_range() - give every VMA in [start, end) @vm_flags' uffd bits
 * and @ctx (NULL: unregister), as userfaultfd_register_range() and
 * userfaultfd_clear_vma() do.  @only ctx: skip VMAs of other contexts
 * (close); NULL ctx with @only NULL: skip VMAs without a context.
 */
static int uffd_set_range(struct uvma_mm *mm, uint64_t start, uint64_t end,
			  vm_flags_t vm_flags, struct userfaultfd_ctx *ctx,
			  struct userfaultfd_ctx *only)
{
	struct vm_area_struct *vma, *prev, *res;
	int err;
	VMA_ITERATOR(vmi, mm_core(mm), start);

	vma = find_vma_prev(mm_core(mm), start, &prev);
	if (vma && vma->vm_start < start)
		prev = vma;
	for (; vma && vma->vm_start < end; vma = find_vma(mm_core(mm), prev->vm_end)) {
		uint64_t s = vma->vm_start > start ? vma->vm_start : start;
		uint64_t e = vma->vm_end < end ? vma->vm_end : end;
		vm_flags_t new_flags = (vma->vm_flags & ~__VM_UFFD_FLAGS) | vm_flags;
		bool whole = s == vma->vm_start && e == vma->vm_end;

		if (ctx ? (vma_uffd_ctx(vma) == ctx &&
			   (vma->vm_flags & vm_flags) == vm_flags) :
			  (!vma_uffd_ctx(vma) ||
			   (only && vma_uffd_ctx(vma) != only))) {
			prev = vma;
			continue;
		}
		vma_iter_set(&vmi, s);
		err = vma_modify_flags_uffd(&vmi, prev, vma, s, e, new_flags, ctx,
					    &res);
		if (err == -ENOMEM && !ctx && whole) {
			/* Clearing a whole VMA gives up on the merge instead. */
			res = vma;
			vma_clear_uffd_ctx(res);
		} else if (err) {
			return err;
		}
		/* vma_modify_flags_uffd() wrote ctx on res. */
		res->vm_flags = (res->vm_flags & ~__VM_UFFD_FLAGS) | vm_flags;
		prev = res;
	}
	return 0;
}

int uvma__uffd_register(struct uvma_uffd *uffd, uint64_t addr, uint64_t len,
		       uint64_t mode)
{
	struct uvma_mm *mm;
	struct vm_area_struct *vma;
	vm_flags_t vm_flags = 0;
	uint64_t end;
	int err;

	if (!uffd || !uffd->mm)
		return -EBADF;
	mm = uffd->mm;
	if (!mode || (mode & ~UFFD_REGISTER_MODES))
		return -EINVAL;
	if (mode & UVMA_UFFDIO_REGISTER_MODE_MISSING)
		vm_flags |= VM_UFFD_MISSING;
	if (mode & UVMA_UFFDIO_REGISTER_MODE_WP)
		vm_flags |= VM_UFFD_WP;
	if (mode & UVMA_UFFDIO_REGISTER_MODE_MINOR)
		vm_flags |= VM_UFFD_MINOR;
	err = validate_range(mm, addr, len);
	if (err)
		return err;
	end = addr + len;

	/* Every VMA is checked before the first change. */
	vma = find_vma_intersection(mm_core(mm), addr, end);
	if (!vma)
		return -EINVAL;
	for (; vma && vma->vm_start < end; vma = find_vma(mm_core(mm), vma->vm_end)) {
		if (!vma_can_userfault(vma, vm_flags))
			return -EINVAL;
		if (!(vma->vm_flags & VM_MAYWRITE))
			return -EPERM;
		if (vma_uffd_ctx(vma) && vma_uffd_ctx(vma) != uffd_id(uffd))
			return -EBUSY;
	}
	return uffd_set_range(mm, addr, end, vm_flags, uffd_id(uffd), NULL);
}

int uvma__uffd_unregister(struct uvma_uffd *uffd, uint64_t addr, uint64_t len)
{
	struct uvma_mm *mm;
	struct vm_area_struct *vma;
	uint64_t end;
	int err;

	if (!uffd || !uffd->mm)
		return -EBADF;
	mm = uffd->mm;
	err = validate_range(mm, addr, len);
	if (err)
		return err;
	end = addr + len;
	vma = find_vma_intersection(mm_core(mm), addr, end);
	if (!vma)
		return -EINVAL;
	for (; vma && vma->vm_start < end; vma = find_vma(mm_core(mm), vma->vm_end)) {
		/* Only the registering context may unregister. */
		if (vma_uffd_ctx(vma) && vma_uffd_ctx(vma) != uffd_id(uffd))
			return -EINVAL;
		if (!vma_can_userfault(vma, vma->vm_flags))
			return -EINVAL;
	}
	return uffd_set_range(mm, addr, end, 0, NULL, NULL);
}

/* uffd_unlink() - take @uffd off its mm's list. */
static void uffd_unlink(struct uvma_uffd *uffd)
{
	struct uvma_uffd **pp = &uffd->mm->uffds;

	while (*pp && *pp != uffd)
		pp = &(*pp)->next;
	if (*pp)
		*pp = uffd->next;
	uffd->next = NULL;
}

void uvma__uffd_close(struct uvma_uffd *uffd)
{
	if (!uffd)
		return;
	if (uffd->mm) {
		/* Whole VMAs only: clearing cannot fail (no merge on OOM). */
		int err = uffd_set_range(uffd->mm, 0, uffd->mm->cfg.task_size,
					 0, NULL, uffd_id(uffd));

		VMA_WARN_ON(err != 0);
		(void)err;
		uffd_unlink(uffd);
	}
	uvma__free(uffd, sizeof(*uffd));
}

/*
 * mm_uffd_release_all() - called by uvma_mm_destroy(): contexts made by
 * fork are freed, the caller's become unusable (-EBADF).
 */
void mm_uffd_release_all(struct uvma_mm *mm)
{
	struct uvma_uffd *u = mm->uffds, *next;

	for (; u; u = next) {
		next = u->next;
		u->mm = NULL;
		u->next = NULL;
		if (u->owned_by_mm)
			uvma__free(u, sizeof(*u));
	}
	mm->uffds = NULL;
}
