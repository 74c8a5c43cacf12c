/* SPDX-License-Identifier: MIT */
/*
 * pagemodel.h - a deliberately simple reference model of a process's
 * address space, one record per page, for differential tests and fuzz
 * targets.
 *
 * It knows nothing about VMAs, merging or splitting: every call is applied
 * page by page with the rules of the system call as a user sees them
 * (which pages are mapped, with what protection and VM_* flags, which file
 * and file offset).  It cannot predict VMA boundaries, but it predicts,
 * for every page, what smaps would show for the VMA covering it.  It is
 * written from the system calls' documented behaviour and live-kernel
 * observations, never from uvma's code (it includes nothing of uvma).
 *
 * The model covers a window of pages [base, base + npages * 4096); the
 * address space under test must be configured so nothing can be mapped
 * outside it (mmap_min_addr = base, task_size = mmap_base = window end).
 *
 * Each call takes the result the implementation under test returned
 * (@got) and returns 0 if that result is one the model allows, applying
 * its effect; otherwise -1 with pm_why() saying what was expected.  Most
 * results are predicted exactly; a few depend on VMA boundaries the model
 * cannot know (mremap of a range that may span two VMAs with identical
 * attributes, the VMA-wide effects of DONTUNMAP) and there the model
 * accepts either answer and marks the bits it cannot predict as unknown,
 * learning them at the next pm_check().
 */
#ifndef UVMA_PAGEMODEL_H
#define UVMA_PAGEMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PM_PAGE 4096ull

/* Linux 6.18 x86_64 VM_* values (what smaps VmFlags print). */
#define PM_VM_READ		0x00000001ull
#define PM_VM_WRITE		0x00000002ull
#define PM_VM_EXEC		0x00000004ull
#define PM_VM_SHARED		0x00000008ull
#define PM_VM_MAYREAD		0x00000010ull
#define PM_VM_MAYWRITE		0x00000020ull
#define PM_VM_MAYEXEC		0x00000040ull
#define PM_VM_MAYSHARE		0x00000080ull
#define PM_VM_GROWSDOWN		0x00000100ull
#define PM_VM_MAYBE_GUARD	0x00000800ull
#define PM_VM_LOCKED		0x00002000ull
#define PM_VM_SEQ_READ		0x00008000ull
#define PM_VM_RAND_READ		0x00010000ull
#define PM_VM_DONTCOPY		0x00020000ull
#define PM_VM_LOCKONFAULT	0x00080000ull
#define PM_VM_ACCOUNT		0x00100000ull
#define PM_VM_NORESERVE		0x00200000ull
#define PM_VM_WIPEONFORK	0x02000000ull
#define PM_VM_DONTDUMP		0x04000000ull
#define PM_VM_SOFTDIRTY		0x08000000ull
#define PM_VM_HUGEPAGE		0x20000000ull
#define PM_VM_NOHUGEPAGE	0x40000000ull
#define PM_VM_MERGEABLE		0x80000000ull
#define PM_VM_DROPPABLE		(1ull << 40)
#define PM_VM_SEALED		(1ull << 42)

/* Flags that belong to a VMA as a whole, not to pages: never compared. */
#define PM_VMA_ONLY	(PM_VM_MAYBE_GUARD | PM_VM_SOFTDIRTY)

#define PM_MAX_FILES	8
#define PM_MAX_NAMES	64
#define PM_OBJ_SHMEM	1000	/* keys of shared anonymous objects start here */
#define PM_MAX_SHMEM	4096	/* sizes kept for this many such objects */

/* What the model knows about an open file. */
struct pm_file {
	bool used;
	bool readable, writable;	/* open mode */
	bool shmem;			/* memfd / tmpfs: anon names allowed */
	uint64_t size_pages;
};

struct pm_page {
	bool mapped;
	bool guard;		/* MADV_GUARD_INSTALL marker */
	bool faulted;		/* its VMA has an anon_vma (learned or known) */
	bool must_fault;	/* the model knows it was faulted */
	uint32_t file;		/* 0 anonymous private; file index; or shmem key */
	uint64_t off;		/* page offset within the file */
	uint64_t flags;		/* VM_* */
	uint64_t unknown;	/* VM_* bits the model cannot predict */
	uint16_t name;		/* anon name index, 0 = none */
	bool wild;		/* nothing known: learned at the next check */
};

struct pm {
	uint64_t base, npages, task_size, mmap_base, min_addr, gap;
	uint64_t def_flags;		/* mlockall(MCL_FUTURE) lock bits */
	bool mem_merge;			/* PR_SET_MEMORY_MERGE */
	bool guard_faults;		/* guard markers fail populate (Linux);
					 * false for an implementation that
					 * keeps no per-page markers (uvma) */
	uint64_t start_brk, brk;
	uint32_t next_shmem;
	/* Shared anonymous memory is a shmem file as long as the mmap that
	 * made it: faults past its end (after an mremap grow) are SIGBUS
	 * (live).  Pages, by key - PM_OBJ_SHMEM; UINT64_MAX when unknown. */
	uint64_t shmem_pages[PM_MAX_SHMEM];
	struct pm_file files[PM_MAX_FILES];
	char names[PM_MAX_NAMES][80];
	int nnames;
	struct pm_page *pg;
	/* Observed shared-anonymous objects and their model keys. */
	uint64_t km_obs[256];
	uint32_t km_model[256];
	int km_n;
	unsigned long wild_calls;	/* calls whose outcome was learned */
	char why[512];
};

/*
 * pm_init() - an empty model of @npages pages from @base; @gap is the
 * stack guard gap in bytes.  Returns 0 or -1 (no memory).
 */
int pm_init(struct pm *m, uint64_t base, uint64_t npages, uint64_t gap);
void pm_fini(struct pm *m);
/* pm_copy() - @dst becomes a copy of @src (dst must be initialised alike). */
void pm_copy(struct pm *dst, const struct pm *src);
const char *pm_why(const struct pm *m);

/* pm_file_set() - describe file @idx (1..PM_MAX_FILES-1). */
void pm_file_set(struct pm *m, int idx, bool readable, bool writable,
		 bool shmem, uint64_t size_pages);
void pm_set_brk_start(struct pm *m, uint64_t addr);

/* The calls: @got is what the implementation returned. */
int pm_mmap(struct pm *m, uint64_t addr, uint64_t len, int prot, int flags,
	    int file, uint64_t off, int64_t got);
int pm_munmap(struct pm *m, uint64_t addr, uint64_t len, int64_t got);
int pm_mprotect(struct pm *m, uint64_t addr, uint64_t len, int prot, int64_t got);
int pm_mremap(struct pm *m, uint64_t addr, uint64_t old_len, uint64_t new_len,
	      int flags, uint64_t new_addr, int64_t got);
int pm_brk(struct pm *m, uint64_t addr, uint64_t got);
int pm_madvise(struct pm *m, uint64_t addr, uint64_t len, int advice, int64_t got);
int pm_mlock2(struct pm *m, uint64_t addr, uint64_t len, unsigned flags, int64_t got);
int pm_munlock(struct pm *m, uint64_t addr, uint64_t len, int64_t got);
int pm_mlockall(struct pm *m, int flags, int64_t got);
int pm_munlockall(struct pm *m, int64_t got);
int pm_mseal(struct pm *m, uint64_t addr, uint64_t len, unsigned long flags,
	     int64_t got);
int pm_anon_name(struct pm *m, uint64_t addr, uint64_t len, const char *name,
		 int64_t got);
int pm_memory_merge(struct pm *m, bool on, int64_t got);
/* pm_fault() - @got is a UVMA_FAULT_* value: 0 ok, 1 MAPERR, 2 ACCERR, 3 BUS. */
int pm_fault(struct pm *m, uint64_t addr, unsigned access, int64_t got);
/* pm_fork() - @child (initialised alike) becomes the child's expected model. */
void pm_fork(const struct pm *m, struct pm *child);

/* What the implementation shows for one page (filled by the caller). */
struct pm_obs {
	bool mapped;
	uint64_t flags;
	uint64_t file_key;	/* caller's identity of the file, 0 = none */
	bool file_is_index;	/* file_key is a model file index */
	uint64_t off;		/* page offset (file pages only) */
	const char *name;	/* anon name or NULL */
	bool anon_vma;
};

/*
 * pm_check() - compare every page with @obs (npages entries).  Returns 0
 * or -1 (pm_why() names the first differing page).  Bits the model marked
 * unknown, and the anon_vma state, are learned from @obs.
 */
int pm_check(struct pm *m, const struct pm_obs *obs);

/* pm_dump() - the model as runs of identical pages, for failure messages. */
void pm_dump(const struct pm *m, FILE *f);

#endif /* UVMA_PAGEMODEL_H */
