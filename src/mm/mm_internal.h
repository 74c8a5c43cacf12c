/* SPDX-License-Identifier: MIT */
/*
 * mm_internal.h - the system-call layer's private view of an address space.
 *
 * struct uvma_mm (opaque in include/uvma/uvma.h) embeds the VMA core's
 * struct vma_mm and adds what Linux keeps in mm_struct for the memory
 * system calls: the configuration, the layout bases, brk and stack
 * positions, def_flags and the counters the resource limits are checked
 * against.  Every file in src/mm/ and src/proc/ includes this header and
 * reaches the VMA core only through src/vma/vma.h (layer direction:
 * mm -> vma -> tree).  One file per system call (mmap.c, munmap.c, ...);
 * helpers shared between calls are declared at the end of this header,
 * with the file that defines them.  Design notes: docs/design.md.
 */
#ifndef UVMA_MM_INTERNAL_H
#define UVMA_MM_INTERNAL_H

#include "vma_internal.h"	/* the core's boundary: stdint, tree, shims */
#include "vma/vma.h"
#include "uvma/uvma.h"

/* Public VM_* copies must be the core's values. */
_Static_assert(UVMA_VM_READ == VM_READ && UVMA_VM_ACCOUNT == VM_ACCOUNT &&
	       UVMA_VM_SEALED == VM_SEALED && UVMA_VM_MAYSHARE == VM_MAYSHARE &&
	       UVMA_VM_SOFTDIRTY == VM_SOFTDIRTY && UVMA_VM_LOCKED == VM_LOCKED &&
	       UVMA_VM_GROWSDOWN == VM_GROWSDOWN, "VM_* values differ");

#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)

/*
 * mm_range_args() - the range checks madvise, mseal and PR_SET_VMA_ANON_NAME
 * share: @addr page-aligned, @len rounded up to pages without wrapping to 0
 * (a length within a page of 2^64 does), and addr + len not wrapping.
 * Returns: 1 and *end for a non-empty range; 0 for an empty one (the call
 * succeeds doing nothing); -EINVAL.
 */
static inline int mm_range_args(uint64_t addr, uint64_t len, uint64_t *end)
{
	uint64_t alen = PAGE_ALIGN(len);

	if ((addr & ~PAGE_MASK) || (len && !alen) || addr + alen < addr)
		return -EINVAL;
	*end = addr + alen;
	return *end != addr;
}
#define PMD_SIZE (1ull << 21)
#define STACK_TOP_GAP_MIN (128ull << 20)	/* mmap_base gap clamp (x86) */

/* The userfaultfd context (public: struct uvma_uffd). */
struct uvma_uffd {
	struct uvma_mm *mm;		/* NULL once the mm is gone */
	uint64_t features;
	struct uvma_uffd *next;		/* the mm's list of contexts */
	bool owned_by_mm;		/* made by fork (EVENT_FORK): freed
					 * with the mm */
	struct uvma_uffd *fork_parent;	/* fork: the parent's context this
					 * one copies (identity only) */
};

/*
 * struct uvma_mm - one address space.
 *
 * Counters are in pages, as in Linux mm_struct: total_vm (all VMAs),
 * locked_vm (VM_LOCKED), data_vm / exec_vm / stack_vm (vm_stat_account()
 * classes) and committed (the VM_ACCOUNT charge, for overcommit mode 2).
 */
struct uvma_mm {
	struct vma_mm vmm;		/* the core's part: tree, map_count */
	struct uvma_config cfg;
	uint64_t mmap_base;		/* top-down search ceiling */
	uint64_t mmap_legacy_base;	/* bottom-up search floor */
	uint64_t start_brk, brk;
	uint64_t start_stack;
	uint64_t arg_start;
	vm_flags_t def_flags;		/* mlockall(MCL_FUTURE) */
	uint64_t total_vm, locked_vm, data_vm, exec_vm, stack_vm;
	uint64_t committed;
	bool memory_merge;		/* PR_SET_MEMORY_MERGE */
	struct uvma_uffd *uffds;	/* contexts created on this mm */
	uint64_t shmem_ino;		/* next inode for shared anon files */
	struct mm_notify *notify;	/* change notifications (notify.c) */
	unsigned int busy;		/* the embedder's code runs inside a
					 * query or notification: calls that
					 * change @mm return -EBUSY (notify.c) */
};

/*
 * mm_notify_hold() / mm_notify_release() - bracket a stretch in which the
 * embedder's callbacks run and @mm must not change (uvma_vma_foreach(),
 * notification delivery).
 */
static inline void mm_notify_hold(struct uvma_mm *mm)
{
	mm->busy++;
}

static inline void mm_notify_release(struct uvma_mm *mm)
{
	mm->busy--;
}

/*
 * mm_notify_range() - the call in progress will change [start, end) (or the
 * VMAs next to it); called before the first change there (notify.c).  The
 * public entry points note the ranges they know; a call notes a range it
 * chooses itself (mmap's address, a move's destination) once chosen.
 * Does nothing unless a callback is set.
 */
void mm_notify_range(struct uvma_mm *mm, uint64_t start, uint64_t end);

/*
 * mm_notify_moved() - the pages of [old_start, old_end) now live at
 * new_start (a move that succeeded; notify.c).
 */
void mm_notify_moved(struct uvma_mm *mm, uint64_t old_start, uint64_t old_end,
		     uint64_t new_start);

/* mm_notify_free() - drop the callback and its buffers (uvma_mm_destroy). */
void mm_notify_free(struct uvma_mm *mm);

/*
 * The system calls without their entry points: uvma_NAME() in notify.c
 * brackets uvma__NAME() (in NAME.c) with the busy check and the change
 * notifications.  Same arguments and returns as the public calls.
 */
int64_t uvma__mmap(struct uvma_mm *mm, uint64_t addr, uint64_t len, int prot,
		   int flags, struct uvma_file *file, uint64_t off);
int uvma__munmap(struct uvma_mm *mm, uint64_t addr, uint64_t len);
int uvma__pkey_mprotect(struct uvma_mm *mm, uint64_t start, uint64_t len,
			int prot, int pkey);
int64_t uvma__mremap(struct uvma_mm *mm, uint64_t old_addr, uint64_t old_len,
		     uint64_t new_len, int flags, uint64_t new_addr);
uint64_t uvma__brk(struct uvma_mm *mm, uint64_t brk);
int uvma__madvise(struct uvma_mm *mm, uint64_t addr, uint64_t len, int advice);
int uvma__mlock(struct uvma_mm *mm, uint64_t addr, uint64_t len);
int uvma__mlock2(struct uvma_mm *mm, uint64_t addr, uint64_t len,
		 unsigned int flags);
int uvma__munlock(struct uvma_mm *mm, uint64_t addr, uint64_t len);
int uvma__mlockall(struct uvma_mm *mm, int flags);
int uvma__munlockall(struct uvma_mm *mm);
int uvma__mseal(struct uvma_mm *mm, uint64_t addr, uint64_t len,
		unsigned long flags);
int uvma__set_vma_anon_name(struct uvma_mm *mm, uint64_t addr, uint64_t len,
			    const char *name);
int uvma__set_memory_merge(struct uvma_mm *mm, bool on);
int uvma__uffd_register(struct uvma_uffd *uffd, uint64_t addr, uint64_t len,
			uint64_t mode);
int uvma__uffd_unregister(struct uvma_uffd *uffd, uint64_t addr, uint64_t len);
void uvma__uffd_close(struct uvma_uffd *uffd);
int uvma__exec_setup_stack(struct uvma_mm *mm, const struct uvma_exec_params *p,
			   uint64_t *sp_out);
int uvma__map_special(struct uvma_mm *mm, enum uvma_special kind,
		      uint64_t addr, uint64_t len);
int uvma__fault(struct uvma_mm *mm, uint64_t addr, unsigned int access);

/* mmap_min_addr() - the kernel's mmap_min_addr: max(dac, LSM). */
static inline uint64_t mmap_min_addr(const struct uvma_mm *mm)
{
	return mm->cfg.mmap_min_addr > mm->cfg.lsm_mmap_min_addr ?
		       mm->cfg.mmap_min_addr :
		       mm->cfg.lsm_mmap_min_addr;
}

static inline struct vma_mm *mm_core(struct uvma_mm *mm)
{
	return &mm->vmm;
}

/* ------------------------------------------------------------------ */
/* Shared helpers (defined in src/mm/mm.c unless noted)                */

/*
 * may_expand_vm() - may @mm grow by @npages of a VMA with @flags?  Checks
 * RLIMIT_AS (total_vm) and, for data VMAs (private writable, not stack),
 * RLIMIT_DATA.  Returns true if allowed.
 */
bool may_expand_vm(struct uvma_mm *mm, vm_flags_t flags, uint64_t npages);

/*
 * vm_stat_account() - add (@npages > 0) or remove (< 0) pages of a VMA with
 * @flags from total_vm and its class counter.
 */
void vm_stat_account(struct uvma_mm *mm, vm_flags_t flags, int64_t npages);

/*
 * security_vm_enough_memory() - the overcommit check for charging @npages
 * of VM_ACCOUNT memory; charges on success.  Returns 0 or -ENOMEM.
 * vm_unacct_memory() gives @npages back.
 */
int security_vm_enough_memory(struct uvma_mm *mm, uint64_t npages);
void vm_unacct_memory(struct uvma_mm *mm, uint64_t npages);

/* can_do_mlock() - RLIMIT_MEMLOCK != 0 or CAP_IPC_LOCK. */
bool can_do_mlock(const struct uvma_mm *mm);

/*
 * mlock_future_ok() - may @mm lock @bytes more when @flags has VM_LOCKED?
 * (RLIMIT_MEMLOCK against locked_vm, unless CAP_IPC_LOCK.)
 */
bool mlock_future_ok(const struct uvma_mm *mm, vm_flags_t flags,
		     uint64_t bytes);

/* vm_start_gap() / vm_end_gap() - a VMA's range widened by the stack guard. */
uint64_t vm_start_gap(const struct uvma_mm *mm, const struct vm_area_struct *vma);
uint64_t vm_end_gap(const struct uvma_mm *mm, const struct vm_area_struct *vma);

/*
 * get_unmapped_area() - __get_unmapped_area(): an address for a mapping of
 * @len bytes (mmap.c).  @flags are MAP_* flags (MAP_FIXED honoured).
 * Returns the address or -ENOMEM / -EINVAL.
 */
int64_t get_unmapped_area(struct uvma_mm *mm, struct uvma_file *file,
			  uint64_t addr, uint64_t len, uint64_t pgoff,
			  int flags, vm_flags_t vm_flags);

/*
 * do_munmap_range() - munmap of [start, start + len) as every caller inside
 * the layer needs it (munmap.c): the syscall checks, then gather and
 * remove, with the counters of @mm kept right.  Returns 0 or -errno.
 */
int do_munmap_range(struct uvma_mm *mm, uint64_t start, uint64_t len);

/*
 * mm_munmap_complete() - remove the VMAs gathered in @vms and take them out
 * of @mm's counters (munmap.c); @unacct gives their VM_ACCOUNT charge back
 * (false when a new mapping takes the charge over, as mmap does).
 */
void mm_munmap_complete(struct uvma_mm *mm, struct vma_munmap_struct *vms,
			bool unacct);

/*
 * mm_populate_range() - populate [start, end) as MAP_POPULATE / mlock do
 * (populate.c): VMAs that a write fault would give an anon_vma get one.
 * Returns 0 or -ENOMEM (the model ran out of memory; flags already set stay,
 * as in Linux where populate runs after the VMA change).
 */
int mm_populate_range(struct uvma_mm *mm, uint64_t start, uint64_t end);

/*
 * The vm_ops of file-backed and shmem VMAs (mm.c).  Their hooks are all
 * empty; they exist because Linux calls a VMA anonymous exactly when it
 * has no vm_ops, and the core follows it.
 */
extern const struct vm_operations_struct mm_file_vm_ops;
extern const struct vm_operations_struct mm_shmem_vm_ops;

/* mm_uffd_release_all() - detach @mm's uffd contexts at destroy (uffd.c). */
void mm_uffd_release_all(struct uvma_mm *mm);

/* mm_vma_is_special() - a special mapping ([vdso], [vvar]...). */
bool mm_vma_is_special(const struct vm_area_struct *vma);

/*
 * mm_special_vma_new() - link a special mapping (special.c); @flags 0 means
 * its usual flags.  Returns 0; -EINVAL; -EEXIST (not free); -ENOMEM.
 */
int mm_special_vma_new(struct uvma_mm *mm, enum uvma_special kind,
		       uint64_t addr, uint64_t len, vm_flags_t flags);

/* mm_special_name() - the name of a special mapping, or NULL (special.c). */
const char *mm_special_name(const struct vm_area_struct *vma);

/*
 * mm_shmem_zero_file() - a new "/dev/zero" shmem file for shared anon
 * (mm.c), @size bytes long: shmem_zero_setup() makes it as long as the
 * mapping, so a mapping grown by mremap faults SIGBUS past it.
 */
struct uvma_file *mm_shmem_zero_file(struct uvma_mm *mm, uint64_t size);

/* A file size nothing reaches (imported shmem of unknown length). */
#define MM_SIZE_UNBOUNDED	(1ull << 60)

/* vma_is_shmem() - shared anonymous or memfd/tmpfs file. */
static inline bool vma_is_shmem(const struct vm_area_struct *vma)
{
	return vma->vm_file && (vma->vm_file->kind != UVMA_FKIND_REGULAR ||
				(vma->vm_file->flags & UVMA_FILE_SHMEM));
}

/* vma_is_anon_private() - anonymous, in Linux's sense (vm_ops == NULL). */
static inline bool vma_is_anon_private(const struct vm_area_struct *vma)
{
	return !vma->vm_file && !vma->vm_ops;
}

#endif /* UVMA_MM_INTERNAL_H */
