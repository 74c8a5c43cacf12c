/* SPDX-License-Identifier: MIT */
/*
 * mmap.c - mmap(): the argument checks in the order of Linux 6.18's
 * sys_mmap / ksys_mmap_pgoff / do_mmap, the VM_* flags, address selection
 * (__get_unmapped_area and the x86 top-down and bottom-up allocators over
 * the range tree's O(log n) gap search, with THP alignment for anonymous
 * lengths that are multiples of 2 MiB) and region creation (__mmap_region:
 * replace what MAP_FIXED covers with munmap semantics, charge, merge or
 * create, account, populate).
 *
 * Rules: ../shared/SEMANTICS.md §3, §10, §14; live-kernel corrections in
 * docs/fidelity.md.
 */
#include "mm_internal.h"

#define LEGACY_MAP_MASK (UVMA_MAP_SHARED | UVMA_MAP_PRIVATE | UVMA_MAP_FIXED | \
			 UVMA_MAP_ANONYMOUS | UVMA_MAP_DENYWRITE |            \
			 UVMA_MAP_EXECUTABLE | UVMA_MAP_UNINITIALIZED |       \
			 UVMA_MAP_GROWSDOWN | UVMA_MAP_LOCKED |                \
			 UVMA_MAP_NORESERVE | UVMA_MAP_POPULATE |              \
			 UVMA_MAP_NONBLOCK | UVMA_MAP_STACK | UVMA_MAP_HUGETLB)

#define FOUR_GIB (1ull << 32)

/* ------------------------------------------------------------------ */
/* Address selection                                                   */

struct unmapped_area_info {
	bool topdown;
	uint64_t length, low_limit, high_limit;
	uint64_t align_mask, align_offset, start_gap;
};

/*
 * unmapped_area_topdown() - the highest free range of info->length below
 * high_limit, ending at the top of its gap, moved below the guard gap of a
 * VM_GROWSDOWN VMA above it (retrying with a lower ceiling).
 */
static int64_t unmapped_area_topdown(struct uvma_mm *mm,
				     const struct unmapped_area_info *info)
{
	uint64_t length = info->length + info->align_mask + info->start_gap;
	uint64_t low = info->low_limit, high = info->high_limit;
	uint64_t a, gap, gap_end;
	struct vm_area_struct *next;

	if (length < info->length)
		return -ENOMEM;
	if (low < mmap_min_addr(mm))
		low = mmap_min_addr(mm);
	for (;;) {
		if (high <= low ||
		    mt_gap_highest(&mm->vmm.mm_mt, low, high - 1, length, 0, 0,
				   &a))
			return -ENOMEM;
		gap_end = a + length;
		gap = gap_end - info->length;
		gap -= (gap - info->align_offset) & info->align_mask;
		next = find_vma(&mm->vmm, gap_end);
		if (next && (next->vm_flags & VM_STARTGAP_FLAGS) &&
		    vm_start_gap(mm, next) < gap_end) {
			high = vm_start_gap(mm, next);
			continue;
		}
		/* vm_end_gap() of the VMA below is its end on x86: no retry. */
		return (int64_t)gap;
	}
}

/* unmapped_area() - the bottom-up mirror: the lowest fitting range. */
static int64_t unmapped_area(struct uvma_mm *mm,
			     const struct unmapped_area_info *info)
{
	uint64_t length = info->length + info->align_mask + info->start_gap;
	uint64_t low = info->low_limit, gap;
	struct vm_area_struct *next;

	if (length < info->length)
		return -ENOMEM;
	if (low < mmap_min_addr(mm))
		low = mmap_min_addr(mm);
	for (;;) {
		if (info->high_limit <= low ||
		    mt_gap_lowest(&mm->vmm.mm_mt, low, info->high_limit - 1,
				  length, 0, 0, &gap))
			return -ENOMEM;
		next = find_vma(&mm->vmm, gap);
		gap += info->start_gap;
		gap += (info->align_offset - gap) & info->align_mask;
		if (next && (next->vm_flags & VM_STARTGAP_FLAGS) &&
		    vm_start_gap(mm, next) < gap + length - 1) {
			low = next->vm_end;
			continue;
		}
		return (int64_t)gap;
	}
}

/* arch_get_unmapped_area() - x86 bottom-up (legacy layout, MAP_32BIT). */
static int64_t arch_get_unmapped_area(struct uvma_mm *mm, uint64_t addr,
				      uint64_t len, int flags,
				      vm_flags_t vm_flags)
{
	struct unmapped_area_info info = { 0 };
	uint64_t begin = mm->mmap_legacy_base, end = mm->cfg.task_size;
	struct vm_area_struct *vma;

	if (flags & UVMA_MAP_FIXED)
		return (int64_t)addr;
	if (flags & UVMA_MAP_32BIT) {
		begin = 0x40000000ull;
		end = 0x80000000ull;
	}
	if (len > end)
		return -ENOMEM;
	if (addr) {
		addr = PAGE_ALIGN(addr);
		vma = find_vma(&mm->vmm, addr);
		if (end - len >= addr &&
		    (!vma || addr + len <= vm_start_gap(mm, vma)))
			return (int64_t)addr;
	}
	info.length = len;
	info.low_limit = begin;
	info.high_limit = end;
	if (flags & UVMA_MAP_ABOVE4G)
		info.low_limit = FOUR_GIB;
	if (vm_flags & VM_SHADOW_STACK)
		info.start_gap = PAGE_SIZE;
	return unmapped_area(mm, &info);
}

/* arch_get_unmapped_area_topdown() - x86 top-down from mmap_base. */
static int64_t arch_get_unmapped_area_topdown(struct uvma_mm *mm,
					      uint64_t addr, uint64_t len,
					      int flags, vm_flags_t vm_flags)
{
	struct unmapped_area_info info = { .topdown = true };
	struct vm_area_struct *vma;
	int64_t ret;

	if (len > mm->cfg.task_size)
		return -ENOMEM;
	if (flags & UVMA_MAP_FIXED)
		return (int64_t)addr;
	if (flags & UVMA_MAP_32BIT)
		goto bottomup;
	if (addr) {
		addr &= PAGE_MASK;
		/* mmap_address_hint_valid(): one 47-bit window only. */
		if (mm->cfg.task_size - len >= addr) {
			vma = find_vma(&mm->vmm, addr);
			if (!vma || addr + len <= vm_start_gap(mm, vma))
				return (int64_t)addr;
		}
	}
	info.length = len;
	info.low_limit = (flags & UVMA_MAP_ABOVE4G) ? FOUR_GIB : PAGE_SIZE;
	info.high_limit = mm->mmap_base;
	if (vm_flags & VM_SHADOW_STACK)
		info.start_gap = PAGE_SIZE;
	ret = unmapped_area_topdown(mm, &info);
	if (ret >= 0)
		return ret;
bottomup:
	/* A failed search falls back to bottom-up, without the hint. */
	return arch_get_unmapped_area(mm, 0, len, flags, vm_flags);
}

static int64_t mm_get_unmapped_area(struct uvma_mm *mm, uint64_t addr,
				    uint64_t len, int flags,
				    vm_flags_t vm_flags)
{
	if (mm->cfg.layout == UVMA_LAYOUT_LEGACY)
		return arch_get_unmapped_area(mm, addr, len, flags, vm_flags);
	return arch_get_unmapped_area_topdown(mm, addr, len, flags, vm_flags);
}

/*
 * thp_get_unmapped_area() - search for len + 2 MiB, then align: up to the
 * next 2 MiB boundary, or (top-down, already aligned) one 2 MiB higher, so
 * the result is the highest aligned address that fits below the gap's
 * top.  Falls back to a plain search.
 */
static int64_t thp_get_unmapped_area(struct uvma_mm *mm, uint64_t addr,
				     uint64_t len, uint64_t off, int flags,
				     vm_flags_t vm_flags)
{
	uint64_t off_end = off + len;
	uint64_t off_align = (off + PMD_SIZE - 1) & ~(PMD_SIZE - 1);
	uint64_t len_pad = len + PMD_SIZE, off_sub;
	int64_t ret;

	if (off_end <= off_align || off_end - off_align < PMD_SIZE ||
	    len_pad < len || off + len_pad < off)
		goto plain;
	ret = mm_get_unmapped_area(mm, addr, len_pad, flags, vm_flags);
	if (ret < 0)
		goto plain;
	if ((uint64_t)ret == addr) {
		if (ret)
			return ret;
		goto plain;	/* 0 reads as "no result" */
	}
	off_sub = (off - (uint64_t)ret) & (PMD_SIZE - 1);
	if (mm->cfg.layout == UVMA_LAYOUT_TOPDOWN && !off_sub)
		return ret + (int64_t)PMD_SIZE;
	return ret + (int64_t)off_sub;
plain:
	return mm_get_unmapped_area(mm, addr, len, flags, vm_flags);
}

int64_t get_unmapped_area(struct uvma_mm *mm, struct uvma_file *file,
			  uint64_t addr, uint64_t len, uint64_t pgoff,
			  int flags, vm_flags_t vm_flags)
{
	int64_t ret;

	if (len > mm->cfg.task_size)
		return -ENOMEM;
	if (!file)
		pgoff = 0;
	/* Every allocator below hands a MAP_FIXED address straight back. */
	if (flags & UVMA_MAP_FIXED)
		ret = (int64_t)addr;
	else if (file && (file->flags & UVMA_FILE_THP_ALIGN) &&
		 len >= PMD_SIZE)
		ret = thp_get_unmapped_area(mm, addr, len, pgoff << PAGE_SHIFT,
					    flags, vm_flags);
	else if (!file && (flags & UVMA_MAP_SHARED))
		ret = mm_get_unmapped_area(mm, addr, len, flags, vm_flags);
	else if (mm->cfg.thp_configured && !file && !addr &&
		 !(len & (PMD_SIZE - 1)))
		ret = thp_get_unmapped_area(mm, addr, len, 0, flags, vm_flags);
	else
		ret = mm_get_unmapped_area(mm, addr, len, flags, vm_flags);
	/*
	 * IS_ERR_VALUE(): a MAP_FIXED address in [-4095, -1] comes back as
	 * that "error" (live: mmap(~0, MAP_FIXED) fails with EPERM, at
	 * 0xfffffffffffff001 with errno 4095); -4096 and below go on to the
	 * task-size check (ENOMEM).
	 */
	if (ret < 0 && ret >= -4095)
		return ret;
	if ((uint64_t)ret > mm->cfg.task_size - len)
		return -ENOMEM;
	if ((uint64_t)ret & ~PAGE_MASK)
		return -EINVAL;
	/* security_mmap_addr(): below mmap_min_addr needs CAP_SYS_RAWIO. */
	if ((uint64_t)ret < mm->cfg.mmap_min_addr && !mm->cfg.cap_sys_rawio)
		return -EPERM;
	return ret;
}

/* ------------------------------------------------------------------ */
/* Region creation                                                     */

struct mmap_state {
	uint64_t addr, end, pglen, pgoff;
	vm_flags_t vm_flags;
	struct uvma_file *file;
	uint64_t charged;
	struct vm_area_struct *prev, *next;
};

/* accountable_mapping() - private writable without NORESERVE (not hugetlb). */
static bool accountable_mapping(const struct mmap_state *map)
{
	if (map->file && (map->vm_flags & VM_HUGETLB))
		return false;
	return (map->vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) ==
	       VM_WRITE;
}

/* ksm_vma_flags() - PR_SET_MEMORY_MERGE adds mg to eligible new VMAs. */
static vm_flags_t ksm_vma_flags(struct uvma_mm *mm, vm_flags_t flags)
{
	if (!mm->memory_merge)
		return flags;
	if (flags & (VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO |
		     VM_DONTEXPAND | VM_HUGETLB | VM_MIXEDMAP | VM_DROPPABLE))
		return flags;
	return flags | VM_MERGEABLE;
}

/*
 * mmap_new_vma() - a new VMA for the mapping (no merge happened).  Shared
 * anonymous mappings get their own "/dev/zero" shmem file.
 */
static int mmap_new_vma(struct uvma_mm *mm, struct mmap_state *map,
			struct vm_area_struct **res)
{
	struct vm_area_struct *vma = vm_area_alloc(mm_core(mm));
	struct uvma_file *file = map->file;
	int err;

	if (!vma)
		return -ENOMEM;
	if (file) {
		uvma_file_get(file);
	} else if (map->vm_flags & VM_SHARED) {
		file = mm_shmem_zero_file(mm, map->end - map->addr);
		if (!file) {
			vm_area_free(mm_core(mm), vma);
			return -ENOMEM;
		}
	}
	vma->vm_start = map->addr;
	vma->vm_end = map->end;
	vma->vm_pgoff = map->pgoff;
	vma->vm_flags = map->vm_flags;
	vma->vm_file = file;
	if (file)
		vma->vm_ops = vma_is_shmem(vma) ? &mm_shmem_vm_ops :
						  &mm_file_vm_ops;
	/* mmap_region() found the range free or has just emptied it. */
	err = __vma_link(&mm->vmm, vma);
	if (err) {
		if (file)
			uvma_file_put(file);
		vm_area_free(mm_core(mm), vma);
		return err;
	}
	/* The reference taken above is the VMA's: count it as vma_get_file(). */
	if (file && vma_is_shared_maywrite(vma))
		mapping_allow_writable(file);
	*res = vma;
	return 0;
}

/*
 * mmap_region() - __mmap_region(): gather what the range replaces (munmap
 * semantics: splits, sealed -EPERM, map-count -ENOMEM), check RLIMIT_AS /
 * RLIMIT_DATA and charge VM_ACCOUNT for the pages not already charged,
 * remove the replaced VMAs, then merge with prev/next or create a VMA.
 *
 * IMPORTANT: as in Linux, once the replaced VMAs are removed a failure
 * (only -ENOMEM from the model's allocator here) leaves the range a hole.
 */
static int64_t mmap_region(struct uvma_mm *mm, struct mmap_state *map)
{
	struct vma_munmap_struct vms;
	struct vm_area_struct *vma = NULL, *first;
	uint64_t nr_pages = 0, nr_accounted = 0;	/* replaced */
	bool replacing;
	int err;
	VMA_ITERATOR(vmi, &mm->vmm, map->addr);

	/* One lookup: the first VMA ending above addr meets the range or
	 * is the gap's upper neighbour (the merge checks adjacency). */
	first = find_vma_prev(&mm->vmm, map->addr, &map->prev);
	map->next = first;
	if (first && first->vm_start >= map->end)
		first = NULL;
	replacing = first != NULL;
	if (replacing) {
		init_vma_munmap(&vms, &vmi, first, map->addr, map->end);
		err = vms_gather_munmap_vmas(&vms);
		if (err)
			return err;
		map->prev = vms.prev;
		map->next = vms.next;
		nr_pages = vms.nr_pages;
		nr_accounted = vms.nr_accounted;
	}

	err = -ENOMEM;
	if (!may_expand_vm(mm, map->vm_flags, map->pglen - nr_pages))
		goto abort;
	if (accountable_mapping(map)) {
		map->charged = map->pglen - nr_accounted;
		if (map->charged &&
		    security_vm_enough_memory(mm, map->charged)) {
			map->charged = 0;
			goto abort;
		}
		map->vm_flags |= VM_ACCOUNT;
	}
	map->vm_flags = ksm_vma_flags(mm, map->vm_flags);

	if (replacing) {
		/* The replaced pages were charged already: keep the charge. */
		mm_munmap_complete(mm, &vms, !(map->vm_flags & VM_ACCOUNT));
	}

	if (map->prev || map->next) {
		VMG_STATE(vmg, &mm->vmm, &vmi, map->addr, map->end,
			  map->vm_flags, map->pgoff);
		vmg.prev = map->prev;
		vmg.next = map->next;
		vmg.file = map->file;
		vma = vma_merge_new_range(&vmg);
	}
	if (!vma) {
		err = mmap_new_vma(mm, map, &vma);
		if (err)
			goto unacct;
	}

	/* __mmap_complete() */
	vm_stat_account(mm, vma->vm_flags, (int64_t)map->pglen);
	if (vma->vm_flags & VM_LOCKED) {
		/* Live: a droppable VMA made under MCL_FUTURE loses "lo"
		 * here, after the merge attempt (which "lo" made fail). */
		if (vma->vm_flags & (VM_SPECIAL | VM_HUGETLB | VM_DROPPABLE))
			vma->vm_flags &= ~VM_LOCKED_MASK;
		else
			mm->locked_vm += map->pglen;
	}
	if (mm->cfg.soft_dirty)
		vma->vm_flags |= VM_SOFTDIRTY;
	return (int64_t)map->addr;

unacct:
	if (map->charged)
		vm_unacct_memory(mm, map->charged);
	return err;
abort:
	if (replacing)
		vms_abort_munmap_vmas(&vms);
	return err;
}

/* ------------------------------------------------------------------ */
/* The system call                                                     */

static vm_flags_t calc_vm_prot_bits(int prot)
{
	return ((prot & UVMA_PROT_READ) ? VM_READ : 0) |
	       ((prot & UVMA_PROT_WRITE) ? VM_WRITE : 0) |
	       ((prot & UVMA_PROT_EXEC) ? VM_EXEC : 0);
}

static vm_flags_t calc_vm_flag_bits(const struct uvma_mm *mm, int flags)
{
	vm_flags_t f = 0;

	if (flags & UVMA_MAP_GROWSDOWN)
		f |= VM_GROWSDOWN;
	if (flags & UVMA_MAP_LOCKED)
		f |= VM_LOCKED;
	if (flags & UVMA_MAP_SYNC)
		f |= VM_SYNC;	/* even for anonymous memory: checked live */
	if ((flags & UVMA_MAP_STACK) && mm->cfg.thp_configured)
		f |= VM_NOHUGEPAGE;
	return f;
}

/*
 * file_type_checks() - do_mmap()'s checks and flag changes for a file
 * mapping, in the kernel's order.  Updates *@vm_flags.
 */
static int file_type_checks(const struct uvma_mm *mm, struct uvma_file *file,
			    uint64_t pgoff, uint64_t len, int prot, int flags,
			    vm_flags_t *vm_flags)
{
	int acc = file->open_flags & 3;
	bool fmode_write = acc == UVMA_O_WRONLY || acc == UVMA_O_RDWR;
	bool fmode_read = acc == UVMA_O_RDONLY || acc == UVMA_O_RDWR;
	int flags_mask = LEGACY_MAP_MASK;

	(void)mm;
	/* file_mmap_ok(): the byte range must fit in a loff_t. */
	if (pgoff > (UINT64_MAX >> 1) >> PAGE_SHIFT ||
	    len > (UINT64_MAX >> 1) - (pgoff << PAGE_SHIFT))
		return -EOVERFLOW;
	switch (flags & UVMA_MAP_TYPE) {
	case UVMA_MAP_SHARED:
		flags &= flags_mask;
		/* fall through */
	case UVMA_MAP_SHARED_VALIDATE:
		if (flags & ~flags_mask)
			return -EOPNOTSUPP;
		if (prot & UVMA_PROT_WRITE) {
			if (!fmode_write)
				return -EACCES;
			if (file->flags & UVMA_FILE_SWAPFILE)
				return -ETXTBSY;
		}
		if ((file->flags & UVMA_FILE_APPEND_ONLY) && fmode_write)
			return -EACCES;
		*vm_flags |= VM_SHARED | VM_MAYSHARE;
		if (!fmode_write)
			*vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
		/* fall through */
	case UVMA_MAP_PRIVATE:
		if (!fmode_read)
			return -EACCES;
		if (file->flags & UVMA_FILE_NOEXEC) {
			if (*vm_flags & VM_EXEC)
				return -EPERM;
			*vm_flags &= ~VM_MAYEXEC;
		}
		if (file->flags & UVMA_FILE_NO_MMAP)
			return -ENODEV;
		if (*vm_flags & VM_GROWSDOWN)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	/* memfd_check_seals_mmap(): write seals refuse shared writable. */
	if (file->seals & (UVMA_F_SEAL_WRITE | UVMA_F_SEAL_FUTURE_WRITE) &&
	    (*vm_flags & VM_SHARED)) {
		if (*vm_flags & VM_WRITE)
			return -EPERM;
		*vm_flags &= ~VM_MAYWRITE;
	}
	return 0;
}

int64_t uvma__mmap(struct uvma_mm *mm, uint64_t addr, uint64_t len, int prot,
		  int flags, struct uvma_file *file, uint64_t off)
{
	struct mmap_state map = { 0 };
	vm_flags_t vm_flags;
	uint64_t pgoff;
	int64_t ret;
	int err;

	/* sys_mmap (x86): the offset must be page aligned. */
	if (off & ~PAGE_MASK)
		return -EINVAL;
	pgoff = off >> PAGE_SHIFT;
	/* ksys_mmap_pgoff(): the file, then MAP_HUGETLB. */
	if (!(flags & UVMA_MAP_ANONYMOUS)) {
		if (!file)
			return -EBADF;
		if (flags & UVMA_MAP_HUGETLB)
			return -EINVAL;	/* not a hugetlbfs file */
	} else {
		file = NULL;
		if (flags & UVMA_MAP_HUGETLB)
			return -ENOMEM;	/* no huge pages reserved (checked live) */
	}

	/* do_mmap() */
	if (!len)
		return -EINVAL;
	if ((prot & UVMA_PROT_READ) && mm->cfg.read_implies_exec &&
	    !(file && (file->flags & UVMA_FILE_NOEXEC)))
		prot |= UVMA_PROT_EXEC;
	if (flags & UVMA_MAP_FIXED_NOREPLACE)
		flags |= UVMA_MAP_FIXED;
	if (!(flags & UVMA_MAP_FIXED)) {
		addr &= PAGE_MASK;
		if (addr && addr < mmap_min_addr(mm))
			addr = PAGE_ALIGN(mmap_min_addr(mm));
	}
	len = PAGE_ALIGN(len);
	if (!len)
		return -ENOMEM;
	if (pgoff + (len >> PAGE_SHIFT) < pgoff)
		return -EOVERFLOW;
	if (mm->vmm.map_count > mm->vmm.max_map_count)
		return -ENOMEM;

	vm_flags = calc_vm_prot_bits(prot) | calc_vm_flag_bits(mm, flags) |
		   mm->def_flags | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	ret = get_unmapped_area(mm, file, addr, len, pgoff, flags, vm_flags);
	if (ret < 0)
		return ret;
	addr = (uint64_t)ret;
	if ((flags & UVMA_MAP_FIXED_NOREPLACE) &&
	    find_vma_intersection(&mm->vmm, addr, addr + len))
		return -EEXIST;
	if ((flags & UVMA_MAP_LOCKED) && !can_do_mlock(mm))
		return -EPERM;
	if (!mlock_future_ok(mm, vm_flags, len))
		return -EAGAIN;

	if (file) {
		err = file_type_checks(mm, file, pgoff, len, prot, flags,
				       &vm_flags);
		if (err)
			return err;
	} else {
		switch (flags & UVMA_MAP_TYPE) {
		case UVMA_MAP_SHARED:
			if (vm_flags & VM_GROWSDOWN)
				return -EINVAL;
			pgoff = 0;
			vm_flags |= VM_SHARED | VM_MAYSHARE;
			break;
		case UVMA_MAP_DROPPABLE:
			/*
			 * Locked or stack areas make no sense droppable: MAP_LOCKED
			 * is refused, but mlockall(MCL_FUTURE)'s lock is not
			 * (live: the mapping is made, without "lo").
			 */
			if ((flags & UVMA_MAP_LOCKED) || (vm_flags & VM_GROWSDOWN))
				return -EINVAL;
			vm_flags |= VM_DROPPABLE | VM_NORESERVE |
				    VM_WIPEONFORK | VM_DONTDUMP;
			/* fall through */
		case UVMA_MAP_PRIVATE:
			pgoff = addr >> PAGE_SHIFT;
			break;
		default:
			return -EINVAL;
		}
	}
	if ((flags & UVMA_MAP_NORESERVE) && mm->cfg.overcommit_memory != 2)
		vm_flags |= VM_NORESERVE;

	map.addr = addr;
	map.end = addr + len;
	map.pglen = len >> PAGE_SHIFT;
	map.pgoff = pgoff;
	map.vm_flags = vm_flags;
	map.file = file;
	mm_notify_range(mm, addr, addr + len);	/* before anything changes */
	ret = mmap_region(mm, &map);
	if (ret < 0)
		return ret;
	if ((vm_flags & VM_LOCKED) ||
	    (flags & (UVMA_MAP_POPULATE | UVMA_MAP_NONBLOCK)) ==
		    UVMA_MAP_POPULATE) {
		/* mm_populate() ignores errors; so does the model. */
		(void)mm_populate_range(mm, addr, addr + len);
	}
	return ret;
}
