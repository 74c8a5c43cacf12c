/* SPDX-License-Identifier: MIT */
/*
 * uvma.h - public API of uvma, a userland model of the Linux VMA layer.
 *
 * Conventions for the whole library:
 *   - every fallible function returns 0 (or a non-negative value) on success
 *     and a negative errno (-ENOMEM, -EINVAL, ...) on failure; nothing in the
 *     library prints, exits or aborts because of its input;
 *   - handles are opaque; every allocation goes through one allocator whose
 *     fault injection and live counters are controlled below.
 *
 * The design notes live in docs/design.md.
 */
#ifndef UVMA_UVMA_H
#define UVMA_UVMA_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Exported symbols: everything declared between this push and the pop at
 * the end of the header is the shared library's API, and nothing else is
 * (the library is compiled with -fvisibility=hidden; the check is
 * tests/install/check_symbols.sh).  A function added to this header is
 * exported without further marking.
 */
#pragma GCC visibility push(default)

#define UVMA_VERSION_MAJOR 0
#define UVMA_VERSION_MINOR 1
#define UVMA_VERSION_PATCH 0
#define UVMA_VERSION_STRING "0.1.0"

/* uvma_version() - the library's version string, e.g. "0.1.0". */
const char *uvma_version(void);

/*
 * Allocator control: fault injection and leak accounting.
 *
 * Every allocation the library makes is numbered from 1 after each call to
 * uvma_alloc_fail_at().  With persistent == 0 only allocation number @k
 * fails; with persistent != 0 allocation @k and every later one fail.
 * @k == 0 switches injection off.  The counters are process-wide.
 */
void uvma_alloc_fail_at(uint64_t k, int persistent);

/* uvma_alloc_failures() - how many allocations injection has failed so far. */
uint64_t uvma_alloc_failures(void);

/* uvma_alloc_seen() - allocations attempted since the last uvma_alloc_fail_at(). */
uint64_t uvma_alloc_seen(void);

/* uvma_alloc_live() - blocks currently allocated by the library. */
int64_t uvma_alloc_live(void);

/* uvma_alloc_live_bytes() - bytes currently allocated by the library. */
int64_t uvma_alloc_live_bytes(void);

/* ================================================================== */
/* The address-space API                                               */
/* ================================================================== */
/*
 * An address space (struct uvma_mm, opaque) is created from a configuration
 * and then driven exactly like a Linux 6.18 x86_64 process: every call below
 * is named after a system call, makes the kernel's argument checks in the
 * kernel's order, and returns what the raw system call returns - the
 * address or 0 on success, or the same negative errno (never -1/errno).
 * Address-returning calls return int64_t: user addresses are below 2^47,
 * errors are in [-4095, -1].
 *
 * All-or-nothing: a call that fails leaves the address space as it was,
 * EXCEPT where Linux itself keeps a partial effect; those are listed under
 * "PARTIAL" in each call's comment.  Running out of memory (the library's
 * allocator, see uvma_alloc_fail_at()) returns -ENOMEM (or the errno the
 * kernel reports for that internal failure, e.g. -EAGAIN in madvise) and
 * never leaves a partial state that Linux would not leave.
 *
 * -EBUSY: every call below that can change an address space (the memory
 * system calls, uffd register/unregister, faults, exec stack setup,
 * special mappings, PR_SET_* prctls, uvma_mm_set_notify) returns -EBUSY
 * and changes nothing when it is made from inside a notification callback
 * or a uvma_vma_foreach() callback of the same address space; uvma_brk()
 * returns the current break instead.  The per-call errno lists below leave
 * it out.
 *
 * Threads: one address space - with the files it maps and its uffd
 * contexts - is used by one thread at a time; calls on it must not overlap
 * unless the embedder serialises them with its own lock.  Distinct address
 * spaces that share no file are independent and may be used from
 * different threads at the same time; a file (struct uvma_file) mapped by
 * address spaces of different threads needs the embedder's lock around the
 * calls on all of them (its reference count is a plain integer).  The
 * library's only global state - allocator counters, file and memfd
 * identity counters - is atomic.  Fault injection (uvma_alloc_fail_at()) is process-wide and
 * meant for single-threaded tests.  Tested under ThreadSanitizer
 * (tests/threads/).  Nothing here prints, exits or aborts because of its
 * input.
 *
 * Constants: the UVMA_PROT_*, UVMA_MAP_*, UVMA_MREMAP_*, UVMA_MADV_*,
 * UVMA_MCL_*, UVMA_MLOCK_* and UVMA_O_* values are the Linux x86_64 values,
 * so <sys/mman.h> constants may be passed directly on Linux.
 */

struct uvma_mm;		/* an address space (a process's mm_struct) */
struct uvma_file;	/* an open file description (struct file) */
struct uvma_uffd;	/* a userfaultfd context */

/* ---- protection, mapping and advice constants (Linux x86_64 values) ---- */

#define UVMA_PROT_NONE		0x0
#define UVMA_PROT_READ		0x1
#define UVMA_PROT_WRITE		0x2
#define UVMA_PROT_EXEC		0x4
#define UVMA_PROT_SEM		0x8
#define UVMA_PROT_GROWSDOWN	0x01000000
#define UVMA_PROT_GROWSUP	0x02000000

#define UVMA_MAP_SHARED		0x01
#define UVMA_MAP_PRIVATE	0x02
#define UVMA_MAP_SHARED_VALIDATE 0x03
#define UVMA_MAP_DROPPABLE	0x08
#define UVMA_MAP_TYPE		0x0f
#define UVMA_MAP_FIXED		0x10
#define UVMA_MAP_ANONYMOUS	0x20
#define UVMA_MAP_32BIT		0x40
#define UVMA_MAP_ABOVE4G	0x80
#define UVMA_MAP_GROWSDOWN	0x0100
#define UVMA_MAP_DENYWRITE	0x0800
#define UVMA_MAP_EXECUTABLE	0x1000
#define UVMA_MAP_LOCKED		0x2000
#define UVMA_MAP_NORESERVE	0x4000
#define UVMA_MAP_POPULATE	0x8000
#define UVMA_MAP_NONBLOCK	0x10000
#define UVMA_MAP_STACK		0x20000
#define UVMA_MAP_HUGETLB	0x40000
#define UVMA_MAP_SYNC		0x80000
#define UVMA_MAP_FIXED_NOREPLACE 0x100000
#define UVMA_MAP_UNINITIALIZED	0x4000000

#define UVMA_MREMAP_MAYMOVE	1
#define UVMA_MREMAP_FIXED	2
#define UVMA_MREMAP_DONTUNMAP	4

#define UVMA_MADV_NORMAL	0
#define UVMA_MADV_RANDOM	1
#define UVMA_MADV_SEQUENTIAL	2
#define UVMA_MADV_WILLNEED	3
#define UVMA_MADV_DONTNEED	4
#define UVMA_MADV_FREE		8
#define UVMA_MADV_REMOVE	9
#define UVMA_MADV_DONTFORK	10
#define UVMA_MADV_DOFORK	11
#define UVMA_MADV_MERGEABLE	12
#define UVMA_MADV_UNMERGEABLE	13
#define UVMA_MADV_HUGEPAGE	14
#define UVMA_MADV_NOHUGEPAGE	15
#define UVMA_MADV_DONTDUMP	16
#define UVMA_MADV_DODUMP	17
#define UVMA_MADV_WIPEONFORK	18
#define UVMA_MADV_KEEPONFORK	19
#define UVMA_MADV_COLD		20
#define UVMA_MADV_PAGEOUT	21
#define UVMA_MADV_POPULATE_READ	22
#define UVMA_MADV_POPULATE_WRITE 23
#define UVMA_MADV_DONTNEED_LOCKED 24
#define UVMA_MADV_COLLAPSE	25
#define UVMA_MADV_HWPOISON	100
#define UVMA_MADV_SOFT_OFFLINE	101
#define UVMA_MADV_GUARD_INSTALL	102
#define UVMA_MADV_GUARD_REMOVE	103

#define UVMA_MLOCK_ONFAULT	0x01
#define UVMA_MCL_CURRENT	1
#define UVMA_MCL_FUTURE		2
#define UVMA_MCL_ONFAULT	4

/* Open modes of a file (fcntl.h values). */
#define UVMA_O_RDONLY		00
#define UVMA_O_WRONLY		01
#define UVMA_O_RDWR		02
#define UVMA_O_APPEND		02000

/* memfd seals (fcntl.h F_SEAL_* values) and memfd_create flags. */
#define UVMA_F_SEAL_SEAL	0x0001
#define UVMA_F_SEAL_SHRINK	0x0002
#define UVMA_F_SEAL_GROW	0x0004
#define UVMA_F_SEAL_WRITE	0x0008
#define UVMA_F_SEAL_FUTURE_WRITE 0x0010
#define UVMA_F_SEAL_EXEC	0x0020
#define UVMA_MFD_CLOEXEC	0x0001U
#define UVMA_MFD_ALLOW_SEALING	0x0002U
#define UVMA_MFD_HUGETLB	0x0004U
#define UVMA_MFD_NOEXEC_SEAL	0x0008U
#define UVMA_MFD_EXEC		0x0010U

/* userfaultfd registration modes and features (linux/userfaultfd.h). */
#define UVMA_UFFDIO_REGISTER_MODE_MISSING ((uint64_t)1 << 0)
#define UVMA_UFFDIO_REGISTER_MODE_WP	((uint64_t)1 << 1)
#define UVMA_UFFDIO_REGISTER_MODE_MINOR	((uint64_t)1 << 2)
#define UVMA_UFFD_FEATURE_EVENT_FORK	((uint64_t)1 << 1)
#define UVMA_UFFD_FEATURE_EVENT_REMAP	((uint64_t)1 << 2)

/* VM_* flag bits as Linux 6.18 x86_64 defines them (uvma_vma_info.flags). */
#define UVMA_VM_READ		0x00000001ull
#define UVMA_VM_WRITE		0x00000002ull
#define UVMA_VM_EXEC		0x00000004ull
#define UVMA_VM_SHARED		0x00000008ull
#define UVMA_VM_MAYSHARE	0x00000080ull
#define UVMA_VM_GROWSDOWN	0x00000100ull
#define UVMA_VM_LOCKED		0x00002000ull
#define UVMA_VM_ACCOUNT		0x00100000ull
#define UVMA_VM_SOFTDIRTY	0x08000000ull
#define UVMA_VM_SEALED		(1ull << 42)
#define UVMA_VM_PFNMAP		0x00000400ull
#define UVMA_VM_IO		0x00004000ull
#define UVMA_VM_DONTEXPAND	0x00040000ull
#define UVMA_VM_MIXEDMAP	0x10000000ull
/* VMAs with any of these never merge (Linux VM_SPECIAL). */
#define UVMA_VM_SPECIAL		(UVMA_VM_IO | UVMA_VM_DONTEXPAND | \
				 UVMA_VM_PFNMAP | UVMA_VM_MIXEDMAP)

/* ---- configuration ---- */

#define UVMA_RLIM_INFINITY	UINT64_MAX

enum uvma_thp_mode {
	UVMA_THP_NEVER = 0,
	UVMA_THP_MADVISE = 1,	/* this machine's default */
	UVMA_THP_ALWAYS = 2,
};

enum uvma_layout {
	UVMA_LAYOUT_TOPDOWN = 0,	/* the default: search down from mmap_base */
	UVMA_LAYOUT_LEGACY = 1,		/* bottom-up from TASK_SIZE / 3 */
};

/*
 * struct uvma_config - everything that changes what the calls do.
 *
 * Fill it with uvma_config_init() and change fields afterwards.  Sizes are
 * in bytes.  Resource limits are soft limits (RLIMIT_*.rlim_cur);
 * UVMA_RLIM_INFINITY means unlimited.
 */
struct uvma_config {
	uint64_t page_size;		/* 4096; nothing else is supported (-EINVAL) */
	uint64_t task_size;		/* 0x7ffffffff000: 47-bit, 4-level paging */
	uint64_t mmap_min_addr;		/* vm.mmap_min_addr: 4096 (the
					 * CAP_SYS_RAWIO check, -EPERM) */
	uint64_t lsm_mmap_min_addr;	/* CONFIG_LSM_MMAP_MIN_ADDR: 65536;
					 * the kernel's mmap_min_addr is the
					 * larger of the two: hints below it
					 * are raised to it, searches stay
					 * above it */
	int64_t max_map_count;		/* vm.max_map_count: 65530 */
	uint64_t stack_guard_gap;	/* 256 pages (1 MiB) */
	uint64_t rlimit_stack;		/* 8 MiB */
	uint64_t rlimit_memlock;	/* 8 MiB (this machine's ulimit -l) */
	uint64_t rlimit_as;		/* unlimited */
	uint64_t rlimit_data;		/* unlimited */
	int overcommit_memory;		/* vm.overcommit_memory 0, 1 or 2: 0 */
	int overcommit_ratio;		/* vm.overcommit_ratio (mode 2): 50 */
	uint64_t ram_bytes;		/* MemTotal: 24684084 kB here */
	uint64_t swap_bytes;		/* SwapTotal: 0 here */
	uint64_t admin_reserve_bytes;	/* vm.admin_reserve_kbytes: 8 MiB */
	uint64_t user_reserve_bytes;	/* vm.user_reserve_kbytes: 100403 kB */
	enum uvma_thp_mode thp;		/* .../transparent_hugepage/enabled */
	bool thp_configured;		/* CONFIG_TRANSPARENT_HUGEPAGE: true */
	bool soft_dirty;		/* CONFIG_MEM_SOFT_DIRTY: false here
					 * (this kernel prints no "sd") */
	bool anon_vma_name;		/* CONFIG_ANON_VMA_NAME: false here */
	bool ksm;			/* CONFIG_KSM: true */
	bool mseal_system_mappings;	/* CONFIG_MSEAL_SYSTEM_MAPPINGS: false */
	bool vsyscall;			/* show the [vsyscall] gate VMA: true */
	bool pkeys;			/* protection keys (PKU): false here */
	bool cap_ipc_lock;		/* CAP_IPC_LOCK: false (unprivileged) */
	bool cap_sys_rawio;		/* CAP_SYS_RAWIO (map below
					 * mmap_min_addr): false */
	bool read_implies_exec;		/* personality READ_IMPLIES_EXEC: false */
	enum uvma_layout layout;	/* top-down */
	bool aslr;			/* randomisation: false (not modelled:
					 * true is refused with -EINVAL) */
	uint64_t mmap_base;		/* 0: computed as the kernel does
					 * (0x7ffff7fff000 with an 8 MiB stack
					 * limit); else used as given */
};

/*
 * uvma_config_init() - fill @cfg with this machine's defaults (Linux 6.18.44
 * x86_64, the values in the comments above), for an unprivileged process
 * without ASLR.
 */
void uvma_config_init(struct uvma_config *cfg);

/* ---- address spaces ---- */

/*
 * uvma_mm_create() - a new, empty address space (no VMAs, no heap, no
 * stack; mmap_base and the legacy base computed from @cfg).
 * @cfg:  configuration, copied; NULL means uvma_config_init()'s defaults.
 * @out:  receives the new address space, owned by the caller.
 * Returns: 0; -EINVAL (unsupported page size, task size not a multiple of
 * the page size, max_map_count < 0, aslr requested, mmap_base not page
 * aligned or above task_size, overcommit mode not 0..2); -ENOMEM.
 */
int uvma_mm_create(const struct uvma_config *cfg, struct uvma_mm **out);

/*
 * uvma_mm_destroy() - free @mm, its VMAs and its references on files.
 * NULL is ignored.  uffd contexts of @mm become unusable (-EBADF).
 */
void uvma_mm_destroy(struct uvma_mm *mm);

/* uvma_mm_config() - the configuration @mm runs with (borrowed, read only,
 * valid while @mm lives). */
const struct uvma_config *uvma_mm_config(const struct uvma_mm *mm);

/* uvma_mm_mmap_base() - the base of the top-down search. */
uint64_t uvma_mm_mmap_base(const struct uvma_mm *mm);

/* uvma_mm_map_count() - the number of VMAs (mm->map_count, what
 * vm.max_map_count limits; the [vsyscall] gate VMA is not counted). */
int64_t uvma_mm_map_count(const struct uvma_mm *mm);

/*
 * uvma_mm_set_brk_start() - what the ELF loader does: start_brk = brk =
 * @addr (page aligned up).  Must be called before the first uvma_brk();
 * until then brk(any) returns 0 as for a process with start_brk == 0.
 * Returns: 0; -EINVAL (above task_size).
 */
int uvma_mm_set_brk_start(struct uvma_mm *mm, uint64_t addr);

/* uvma_mm_brk_range() - current start_brk and brk (either may be NULL). */
void uvma_mm_brk_range(const struct uvma_mm *mm, uint64_t *start_brk,
		       uint64_t *brk);

/*
 * uvma_mm_set_start_stack() - set mm->start_stack (what maps uses to name
 * [stack]); uvma_exec_setup_stack() sets it itself.
 */
void uvma_mm_set_start_stack(struct uvma_mm *mm, uint64_t addr);

/*
 * uvma_mm_validate() - check every internal invariant (tree, VMA records,
 * counters).  Returns 0, or -EUCLEAN after printing the problem to stderr.
 * For tests and debugging.
 */
int uvma_mm_validate(struct uvma_mm *mm);

/* ---- change notifications ---- */

/*
 * What a call changed, told to the embedder after the call commits, so it
 * can mirror the address space (host mappings, shadow page tables) without
 * diffing.  The kinds, in the order a call reports them:
 *
 *   UNMAPPED    [start, end) no longer holds what it held: it was unmapped
 *               (munmap, brk shrink, mremap shrink, the range a MAP_FIXED
 *               mapping or an MREMAP_FIXED move replaces);
 *   MOVED       the pages of [old_start, old_end) now live at [start, end)
 *               (mremap move); the old range is left unmapped;
 *   MAPPED      [start, end) is newly mapped with @prot / @flags: mmap,
 *               brk and mremap growth, stack growth, exec's stack, a
 *               special mapping, and the source of an MREMAP_DONTUNMAP move
 *               (which stays mapped, its pages gone);
 *   PROTECTION  the pages of [start, end) stay but their protection
 *               changed (mprotect); @prot / @flags are the new ones;
 *   FLAGS       the pages stay, only other VMA flags changed (@flags: the
 *               new VM_* bits; madvise, mlock, mseal, uffd registration,
 *               sticky 'gu' taken over in a merge) or the anon name did;
 *   INVALIDATE  [start, end) may have changed in any way: re-read it with
 *               uvma_vma_foreach().  Sent only when the library could not
 *               allocate the memory to track a call in detail (see
 *               uvma_alloc_fail_at()); the call itself is unaffected.
 *
 * Within a kind, events are in address order (MOVED: in the order the
 * moves happened) and coalesced: adjacent ranges of one kind with the same
 * @flags are one event.  Each page appears at most once per kind.  A call
 * that fails reports only what it changed anyway (the PARTIAL cases of
 * each call), so a failure that changed nothing reports nothing.  Only
 * what maps/smaps show is reported: faults that assign an anon_vma,
 * populate, MADV_DONTNEED and the like change no VMA and report nothing.
 */
enum uvma_change_kind {
	UVMA_CHANGE_UNMAPPED = 1,
	UVMA_CHANGE_MOVED = 2,
	UVMA_CHANGE_MAPPED = 3,
	UVMA_CHANGE_PROTECTION = 4,
	UVMA_CHANGE_FLAGS = 5,
	UVMA_CHANGE_INVALIDATE = 6,
};

struct uvma_change {
	enum uvma_change_kind kind;
	uint64_t start, end;		/* the range (MOVED: its new place) */
	uint64_t old_start, old_end;	/* MOVED: where it was; else start, end */
	int prot;			/* UVMA_PROT_READ/WRITE/EXEC now
					 * (MAPPED, PROTECTION, FLAGS); else 0 */
	uint64_t flags;			/* VM_* bits now (as prot); else 0 */
};

/*
 * uvma_notify_fn - receives one change of @mm.  It runs after the call has
 * committed and before the call returns.  It cannot fail the call.  It may
 * use the read-only queries on @mm (uvma_vma_at/find/foreach, maps and
 * smaps text, uvma_fault_check, uvma_mm_map_count, uvma_fork) and anything
 * on other address spaces; calls that would change @mm return -EBUSY
 * (uvma_brk() returns the current break) and change nothing.  It must not
 * destroy @mm or close a uffd context of @mm.
 */
typedef void (*uvma_notify_fn)(struct uvma_mm *mm,
			       const struct uvma_change *change, void *ctx);

/*
 * uvma_mm_set_notify() - have @fn(@mm, change, @ctx) told every change to
 * @mm from now on (replacing any earlier callback); @fn NULL stops it.
 * Every call that can change VMAs reports: mmap, munmap, mprotect,
 * pkey_mprotect, mremap, brk, madvise, the mlock family, mseal, anon names,
 * PR_SET_MEMORY_MERGE, uffd register/unregister/close, uvma_fault (stack
 * growth), exec stack setup and special mappings.  A forked child
 * (uvma_fork) and an imported address space start without a callback and
 * are not reported to the parent's.
 * Cost: while a callback is set, each call copies the VMAs around the
 * range it touches before it changes them and compares afterwards.
 * Returns: 0; -ENOMEM (the first registration allocates; nothing changed);
 * -EBUSY (called from a callback of @mm).
 */
int uvma_mm_set_notify(struct uvma_mm *mm, uvma_notify_fn fn, void *ctx);

/* ---- introspection ---- */

/*
 * struct uvma_vma_info - one VMA as the model sees it.  Pointers are
 * borrowed and valid until the next call that changes @mm.
 */
struct uvma_vma_info {
	uint64_t start, end;		/* [start, end) */
	uint64_t pgoff;			/* vm_pgoff, in pages */
	uint64_t flags;			/* VM_* bits (kernel values) */
	struct uvma_file *file;		/* NULL for anonymous */
	const char *anon_name;		/* PR_SET_VMA_ANON_NAME, or NULL */
	const char *special;		/* "[vdso]" etc. for special mappings */
	uint64_t anon_vma;		/* anon_vma id, 0 = unfaulted */
	bool fork_child;		/* anon_vma chain longer than one */
	bool uffd;			/* registered with a uffd context */
	bool policy;			/* has a NUMA policy */
};

/*
 * uvma_vma_find() - the first VMA ending above @addr (find_vma()).
 * Returns: 1 and *@info; 0 if there is none.
 */
int uvma_vma_find(struct uvma_mm *mm, uint64_t addr,
		  struct uvma_vma_info *info);

/*
 * uvma_vma_at() - the VMA containing @addr (vm_start <= @addr < vm_end),
 * unlike uvma_vma_find(), which also returns a VMA above a hole.
 * Returns: 1 and *@info; 0 if @addr is not mapped.
 */
int uvma_vma_at(struct uvma_mm *mm, uint64_t addr, struct uvma_vma_info *info);

/*
 * uvma_vma_fn - called by uvma_vma_foreach() for each VMA; @info is valid
 * during the call only.  Return 0 to go on, anything else to stop.
 */
typedef int (*uvma_vma_fn)(const struct uvma_vma_info *info, void *ctx);

/*
 * uvma_vma_foreach() - call @fn for every VMA that intersects [@start,
 * @end), in address order (VMAs are reported whole, not clipped).
 * @fn may call the read-only queries on @mm (uvma_vma_*, uvma_maps_text,
 * uvma_fault_check, ...); a call that would change @mm fails with -EBUSY
 * (uvma_brk() returns the current break) while @fn runs.
 * Returns: 0 after the last VMA; the first non-zero value @fn returned;
 * -EINVAL (@fn NULL or @start > @end).
 */
int uvma_vma_foreach(struct uvma_mm *mm, uint64_t start, uint64_t end,
		     uvma_vma_fn fn, void *ctx);

/*
 * uvma_vmflags_str() - the smaps mnemonics of @flags, "rd wr mr mw me ac "
 * (each followed by a space, as smaps prints them after "VmFlags: "), into
 * @buf of @size bytes (NUL-terminated, truncated if short; 160 always
 * suffices).  Returns the length the full text needs.
 */
size_t uvma_vmflags_str(uint64_t flags, char *buf, size_t size);

/*
 * uvma_vma_name() - the name column /proc/PID/maps prints for the VMA
 * containing @addr ("/usr/lib/libc.so.6", "[heap]", "[stack]", "[vdso]",
 * "[anon:NAME]", ...; "" for a plain anonymous VMA), into @buf of @size
 * bytes (NUL-terminated, truncated if short).
 * Returns the length the full name needs; -ENOENT (no VMA contains
 * @addr); -ENOMEM.
 */
int64_t uvma_vma_name(struct uvma_mm *mm, uint64_t addr, char *buf,
		      size_t size);

/* ---- why two VMAs are separate ---- */

/*
 * The checks that keep two neighbouring VMAs apart, in the order Linux
 * 6.18 makes them when it tries a merge (mm/vma.c): VM_SPECIAL and
 * adjacency at the merge entry points, then is_mergeable_vma() (policy,
 * flags, file, uffd context, anon name), then the anon_vma rules, then
 * pgoff contiguity.
 */
enum uvma_why {
	UVMA_WHY_SPECIAL = 0,	/* io / pf / de / mm (VM_SPECIAL) on either */
	UVMA_WHY_GAP,		/* they do not touch */
	UVMA_WHY_POLICY,	/* NUMA memory policies differ */
	UVMA_WHY_FLAGS,		/* VM_* flags differ (sd and gu do not count) */
	UVMA_WHY_FILE,		/* not the same open file (or file vs anon) */
	UVMA_WHY_UFFD,		/* different userfaultfd contexts */
	UVMA_WHY_ANON_NAME,	/* different anonymous VMA names */
	UVMA_WHY_ANON_VMA,	/* their anon_vmas cannot be one */
	UVMA_WHY_PGOFF,		/* page offsets not contiguous */
	UVMA_WHY_COUNT
};

/* How two files differ (struct uvma_merge_why.file). */
enum uvma_why_file {
	UVMA_WHY_FILE_SAME = 0,		/* the same open file, or both anonymous */
	UVMA_WHY_FILE_ANON,		/* one is anonymous, the other a file */
	UVMA_WHY_FILE_OTHER_OPEN,	/* same device and inode, two open file
					 * descriptions (two open() calls) */
	UVMA_WHY_FILE_OTHER_INODE,	/* different inodes */
};

/* uvma_explain_pair() flags. */
#define UVMA_EXPLAIN_SNAPSHOT	0x1	/* @mm came from an smaps snapshot
					 * (uvma_import): checks the text cannot
					 * decide go to .unknown, not .reason */

/*
 * struct uvma_merge_why - why two neighbouring VMAs are separate.
 * reason[0..n) lists the failing checks in the kernel's order; n == 0 and
 * unknown == 0 means nothing keeps them apart: the kernel would join them
 * the next time a call tries a merge at their boundary.
 */
struct uvma_merge_why {
	struct uvma_vma_info left, right;	/* left below right */
	unsigned int n;
	enum uvma_why reason[UVMA_WHY_COUNT];
	unsigned int unknown;		/* 1u << UVMA_WHY_* the snapshot cannot
					 * decide (UVMA_EXPLAIN_SNAPSHOT):
					 * anon_vma always; file for the same
					 * inode; uffd when both registered;
					 * policy; pgoff of anonymous VMAs */
	uint64_t flags_left_only;	/* VM_* bits only on the left ... */
	uint64_t flags_right_only;	/* ... only on the right (sd, gu aside) */
	enum uvma_why_file file;
	uint64_t pgoff_expected;	/* the right's pgoff that would be
					 * contiguous: left.pgoff + pages from
					 * left.start to right.start */
};

/*
 * uvma_explain_pair() - why the two VMAs meeting at @addr are separate:
 * @addr is the start of the right VMA (the left is the one below it), or
 * lies in the gap between two VMAs.
 * Returns: 0 and *@out; -ENOENT (@addr is inside a VMA, or there is no VMA
 * on one side); -EINVAL (unknown @flags).  Reads only.
 */
int uvma_explain_pair(struct uvma_mm *mm, uint64_t addr, unsigned int flags,
		      struct uvma_merge_why *out);

/* uvma_why_name() - a short name of @why ("flags", "anon_vma", ...). */
const char *uvma_why_name(enum uvma_why why);

/*
 * uvma_file_id() - the device and inode @file was created with (any
 * pointer may be NULL).  Files are the same open file only if the
 * pointers are equal; equal ids with different pointers are two opens.
 */
void uvma_file_id(const struct uvma_file *file, uint32_t *dev_major,
		  uint32_t *dev_minor, uint64_t *ino);

/* ---- files ---- */

/* struct uvma_file_desc flags. */
#define UVMA_FILE_DELETED	0x01	/* unlinked: maps adds " (deleted)" */
#define UVMA_FILE_NOEXEC	0x02	/* on a noexec mount */
#define UVMA_FILE_NO_MMAP	0x04	/* no mmap file operation (-ENODEV) */
#define UVMA_FILE_APPEND_ONLY	0x08	/* IS_APPEND inode */
#define UVMA_FILE_SWAPFILE	0x10	/* an active swap file (-ETXTBSY) */
#define UVMA_FILE_THP_ALIGN	0x20	/* fs aligns like thp_get_unmapped_area */
#define UVMA_FILE_SHMEM		0x40	/* tmpfs/shmem file (anon names allowed) */

/* struct uvma_file_desc - what a new open file description is. */
struct uvma_file_desc {
	const char *path;		/* the path maps prints; copied */
	uint32_t dev_major, dev_minor;	/* st_dev of the filesystem */
	uint64_t ino;			/* st_ino */
	int open_flags;			/* UVMA_O_RDONLY/WRONLY/RDWR | O_APPEND */
	unsigned int flags;		/* UVMA_FILE_* */
	uint64_t size;			/* i_size in bytes (SIGBUS past EOF) */
};

/*
 * uvma_file_create() - a new open file description, as open(2) makes one.
 * Two calls with the same path, device and inode are two files: their
 * mappings never merge (Linux compares struct file pointers).
 * @out: receives the file with one reference, the caller's.
 * Returns: 0; -EINVAL (NULL desc or path, bad open mode); -ENOMEM.
 */
int uvma_file_create(const struct uvma_file_desc *desc, struct uvma_file **out);

/*
 * uvma_memfd_create() - memfd_create(@name, @flags): a shmem file opened
 * O_RDWR, unlinked, that maps print as "/memfd:NAME (deleted)".
 * Returns: 0; -EINVAL (unknown flags, name longer than 249 bytes,
 * MFD_EXEC with MFD_NOEXEC_SEAL); -ENOMEM.
 */
int uvma_memfd_create(const char *name, unsigned int flags,
		      struct uvma_file **out);

/*
 * uvma_memfd_add_seals() - fcntl(F_ADD_SEALS).  F_SEAL_EXEC on a memfd
 * made without MFD_NOEXEC_SEAL (its mode has exec bits) adds every write
 * seal too (F_SEAL_SHRINK, _GROW, _WRITE, _FUTURE_WRITE).
 * Returns: 0; -EPERM (F_SEAL_SEAL set, or not created with
 * MFD_ALLOW_SEALING); -EINVAL (not a memfd, unknown seals); -EBUSY
 * (F_SEAL_WRITE, asked or implied, while a VMA in any address space maps
 * the file shared and may write it, even through PROT_READ: nothing added).
 * Checked live on 6.18.
 */
int uvma_memfd_add_seals(struct uvma_file *file, unsigned int seals);

/*
 * uvma_memfd_get_seals() - fcntl(F_GET_SEALS).
 * Returns: the memfd's UVMA_F_SEAL_* bits (0 or more); -EINVAL (not a
 * memfd).
 */
int uvma_memfd_get_seals(const struct uvma_file *file);

/*
 * uvma_file_truncate() - ftruncate(@length): set the file's size, which
 * decides where faults past the end raise SIGBUS.  Mappings are unchanged.
 * Returns: 0; -EINVAL (NULL file, negative length, not open for writing);
 * -EPERM (append-only inode; a memfd sealed with F_SEAL_SHRINK made
 * smaller or with F_SEAL_GROW made larger).  Checked live on 6.18.
 */
int uvma_file_truncate(struct uvma_file *file, int64_t length);

/* uvma_file_ref() / uvma_file_unref() - take / drop a reference. */
struct uvma_file *uvma_file_ref(struct uvma_file *file);
void uvma_file_unref(struct uvma_file *file);

/* uvma_file_unlink() - the file's name is unlinked: maps shows (deleted). */
void uvma_file_unlink(struct uvma_file *file);

/* uvma_file_path() - the path as given (memfd: "/memfd:NAME"). */
const char *uvma_file_path(const struct uvma_file *file);

/* ---- memory system calls ---- */

/*
 * uvma_mmap() - mmap(@addr, @len, @prot, @flags, fd, @off).
 * @file: the open file for fd, or NULL for fd == -1; ignored (like fd) with
 *        MAP_ANONYMOUS.  The mapping takes its own reference.
 * Returns the address, or:
 *   -EINVAL  @off not page aligned (checked first, as x86 sys_mmap does);
 *            len 0; bad mapping type (incl. MAP_SHARED_VALIDATE for
 *            anonymous); GROWSDOWN on shared/file/droppable; MAP_DROPPABLE
 *            with MAP_LOCKED or MAP_HUGETLB; MAP_FIXED address unaligned;
 *   -EBADF   no file and no MAP_ANONYMOUS;
 *   -ENOMEM  len rounds to 0 / above task_size; map_count > max_map_count;
 *            no free range; MAP_FIXED over task_size; RLIMIT_AS/DATA;
 *            overcommit refused; splits over the map-count limit;
 *   -EOVERFLOW  pgoff + pages wraps, or the file offset range overflows;
 *   -EEXIST  MAP_FIXED_NOREPLACE and the range is not free;
 *   -EPERM   fixed address below mmap_min_addr without CAP_SYS_RAWIO;
 *            MAP_LOCKED without mlock permission; exec on a noexec mount;
 *            replacing a sealed VMA; write-sealed memfd shared writable;
 *   -EAGAIN  MAP_LOCKED over RLIMIT_MEMLOCK;
 *   -EACCES  file not opened for reading; MAP_SHARED + PROT_WRITE without
 *            write access; append-only file opened for writing;
 *   -EOPNOTSUPP  MAP_SHARED_VALIDATE with flags it does not know
 *            (including MAP_SYNC on a non-DAX file);
 *   -ETXTBSY swap file; -ENODEV file without mmap.
 * PARTIAL: MAP_FIXED that fails while gathering what it replaces (sealed
 * VMA, map-count limit, RLIMIT_AS/DATA, overcommit) keeps the splits the
 * kernel keeps (SEMANTICS.md 10); a failure after the replaced VMAs are
 * removed (only the model's allocator: -ENOMEM) leaves a hole, as Linux
 * does.  MAP_POPULATE / MAP_LOCKED populate after success; errors there are
 * ignored, as in Linux.
 */
int64_t uvma_mmap(struct uvma_mm *mm, uint64_t addr, uint64_t len, int prot,
		  int flags, struct uvma_file *file, uint64_t off);

/*
 * uvma_munmap() - munmap(@addr, @len).
 * Returns: 0 (also when nothing was mapped); -EINVAL (unaligned, len 0,
 * range beyond task_size); -ENOMEM (splitting inside a VMA at the map-count
 * limit); -EPERM (a sealed VMA in the range).
 * PARTIAL: with -EPERM from a sealed VMA after the first, the split at the
 * start stays.
 */
int uvma_munmap(struct uvma_mm *mm, uint64_t addr, uint64_t len);

/*
 * uvma_mprotect() - mprotect(@addr, @len, @prot).
 * Returns: 0; -EINVAL (both GROWSDOWN and GROWSUP, unaligned start, unknown
 * prot bits, PROT_GROWSDOWN on a VMA without VM_GROWSDOWN); -ENOMEM (a hole,
 * range past the last VMA, map-count limit on a split, RLIMIT_AS, overcommit
 * refused the VM_ACCOUNT charge); -EACCES (a requested access without its
 * VM_MAY* bit); -EPERM (sealed VMA).
 * PARTIAL: VMAs before the one that fails keep their new protection; if the
 * second split of a VMA is refused, the first split stays.
 */
int uvma_mprotect(struct uvma_mm *mm, uint64_t addr, uint64_t len, int prot);

/*
 * uvma_pkey_mprotect() - pkey_mprotect(); @pkey -1 is plain mprotect.
 * Returns: as uvma_mprotect(), and -EINVAL for any other pkey (the model
 * allocates no protection keys; this machine has no PKU).
 */
int uvma_pkey_mprotect(struct uvma_mm *mm, uint64_t addr, uint64_t len,
		       int prot, int pkey);

/*
 * uvma_mremap() - mremap(@old_addr, @old_len, @new_len, @flags, @new_addr).
 * Returns the (new) address, or:
 *   -EINVAL  unknown flags; unaligned addresses; new_len 0; FIXED or
 *            DONTUNMAP without MAYMOVE; DONTUNMAP with a length change or
 *            on VM_DONTEXPAND/PFNMAP; overlapping ranges; old_len 0 on a
 *            private mapping when growing/moving; pgoff overflow;
 *   -EFAULT  no VMA at @old_addr; the old range runs past its VMA;
 *            VM_DONTEXPAND/VM_PFNMAP growth; multi-VMA move refused;
 *   -ENOMEM  cannot grow in place without MAYMOVE; no room; map-count
 *            limit; RLIMIT_AS/DATA; overcommit;
 *   -EPERM   sealed source or sealed destination being unmapped;
 *   -EAGAIN  VM_LOCKED growth over RLIMIT_MEMLOCK.
 * PARTIAL: MREMAP_FIXED unmaps the destination first; a multi-VMA move
 * that fails part-way leaves the pieces already moved.
 */
int64_t uvma_mremap(struct uvma_mm *mm, uint64_t old_addr, uint64_t old_len,
		    uint64_t new_len, int flags, uint64_t new_addr);

/*
 * uvma_brk() - brk(@addr): the new break on success, the old break on any
 * failure (brk never returns an errno).  Requires uvma_mm_set_brk_start()
 * (otherwise start_brk is 0 and the rules still apply as written).
 */
uint64_t uvma_brk(struct uvma_mm *mm, uint64_t addr);

/*
 * uvma_madvise() - madvise(@addr, @len, @advice).
 * Returns: 0; -EINVAL (unknown advice, unaligned start, wrapping range,
 * advice refused by a VMA: DOFORK on VM_IO, DODUMP on special/droppable,
 * WIPEONFORK on file/shared, KEEPONFORK on droppable, DONTNEED on a locked
 * VMA, GUARD_INSTALL on special/locked/hugetlb, HUGEPAGE without THP);
 * -ENOMEM (a hole anywhere in the range, reported at the end); -EAGAIN (a
 * split refused for the map-count limit or memory); -EPERM (discard advice
 * on a sealed read-only anonymous VMA; MADV_REMOVE on an append-only file
 * or a memfd with F_SEAL_WRITE or F_SEAL_FUTURE_WRITE); -EACCES
 * (MADV_REMOVE on a mapping that is not shared and writable-capable).
 * PARTIAL: VMAs before a failing one keep their new flags; holes are
 * skipped and the rest is still applied before -ENOMEM is returned.
 */
int uvma_madvise(struct uvma_mm *mm, uint64_t addr, uint64_t len, int advice);

/*
 * uvma_mlock() / uvma_mlock2() / uvma_munlock() - the mlock family; @addr
 * need not be aligned (the range is widened to pages).
 * Returns: 0; -EINVAL (mlock2 flags other than MLOCK_ONFAULT, wrapping
 * range); -EPERM (RLIMIT_MEMLOCK 0 and no CAP_IPC_LOCK); -ENOMEM (start not
 * mapped, a hole, range past the last VMA, over RLIMIT_MEMLOCK, map-count
 * limit on a split).
 * PARTIAL: VMAs before a hole keep their new lock flags.
 * mlock/mlock2 without ONFAULT populate: writable private VMAs get their
 * anon_vma as after a write fault.
 */
int uvma_mlock(struct uvma_mm *mm, uint64_t addr, uint64_t len);
int uvma_mlock2(struct uvma_mm *mm, uint64_t addr, uint64_t len,
		unsigned int flags);
int uvma_munlock(struct uvma_mm *mm, uint64_t addr, uint64_t len);

/*
 * uvma_mlockall() - mlockall(@flags): MCL_CURRENT locks every VMA (errors on
 * single VMAs are ignored), MCL_FUTURE makes later mappings locked.
 * Returns: 0; -EINVAL (0, unknown bits, MCL_ONFAULT alone); -EPERM (no mlock
 * permission); -ENOMEM (MCL_CURRENT over RLIMIT_MEMLOCK).
 */
int uvma_mlockall(struct uvma_mm *mm, int flags);

/* uvma_munlockall() - munlockall(): always 0. */
int uvma_munlockall(struct uvma_mm *mm);

/*
 * uvma_mseal() - mseal(@addr, @len, @flags).
 * Returns: 0; -EINVAL (flags != 0, unaligned start, wrapping range);
 * -ENOMEM (any hole in the range, checked before any change; map-count
 * limit on a split).
 * PARTIAL: only the second split of a VMA refused by the map-count limit.
 */
int uvma_mseal(struct uvma_mm *mm, uint64_t addr, uint64_t len,
	       unsigned long flags);

/*
 * uvma_set_vma_anon_name() - prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, @addr,
 * @len, @name); @name NULL clears the name.  The name is copied.
 * Returns: 0; -EINVAL (config.anon_vma_name false; name of 80 bytes or more
 * or with characters outside 0x20..0x7e or one of \ ` $ [ ]; unaligned
 * start; wrapping range); -ENOMEM (a hole, reported at the end, as madvise);
 * -EBADF (a file-backed, non-shmem VMA; the walk stops there).
 * PARTIAL: as uvma_madvise().
 */
int uvma_set_vma_anon_name(struct uvma_mm *mm, uint64_t addr, uint64_t len,
			   const char *name);

/*
 * uvma_set_memory_merge() - prctl(PR_SET_MEMORY_MERGE, @on).
 * Returns: 0; -EINVAL (config.ksm false).
 */
int uvma_set_memory_merge(struct uvma_mm *mm, bool on);

/* ---- userfaultfd ---- */

/*
 * uvma_uffd_create() - userfaultfd() plus UFFDIO_API with @features
 * (UVMA_UFFD_FEATURE_*): a context for @mm, owned by the caller.
 * Returns: 0; -EINVAL (unknown features); -ENOMEM.
 */
int uvma_uffd_create(struct uvma_mm *mm, uint64_t features,
		     struct uvma_uffd **out);

/*
 * uvma_uffd_register() - UFFDIO_REGISTER of [@addr, @addr + @len) with
 * @mode (UVMA_UFFDIO_REGISTER_MODE_*).
 * Returns: 0; -EINVAL (bad mode, unaligned or empty range, outside
 * [mmap_min_addr, task_size), no VMA in the range, a VMA that cannot be
 * registered); -EPERM (a VMA without VM_MAYWRITE); -EBUSY (registered with
 * another context); -ENOMEM; -EBADF (context closed or its mm destroyed).
 * Every VMA is checked before any change.
 */
int uvma_uffd_register(struct uvma_uffd *uffd, uint64_t addr, uint64_t len,
		       uint64_t mode);

/* uvma_uffd_unregister() - UFFDIO_UNREGISTER.  Returns as register. */
int uvma_uffd_unregister(struct uvma_uffd *uffd, uint64_t addr, uint64_t len);

/*
 * uvma_uffd_close() - close the context: its VMAs are unregistered (merging
 * where possible), then it is freed.  NULL is ignored.
 */
void uvma_uffd_close(struct uvma_uffd *uffd);

/* ---- fork, exec, faults ---- */

/*
 * uvma_fork() - the child's address space after fork(): DONTCOPY VMAs
 * left out, WIPEONFORK VMAs without anon_vma, locks dropped, faulted VMAs
 * fork children, uffd registrations kept only with EVENT_FORK (then owned
 * by a child context freed with the child).
 * @out: receives the child, owned by the caller.
 * Returns: 0; -ENOMEM (nothing created).
 */
int uvma_fork(struct uvma_mm *parent, struct uvma_mm **out);

/* struct uvma_exec_params - what execve's stack setup needs. */
struct uvma_exec_params {
	uint64_t stack_top;	/* final top (STACK_TOP without ASLR:
				 * task_size); 0 = that */
	uint64_t arg_bytes;	/* bytes of argv/envp/auxv copied in */
	int exec_stack;		/* 0 default, 1 PT_GNU_STACK RWX, -1 RW */
};

/*
 * uvma_exec_setup_stack() - execve()'s stack: the one-page stack VMA at the
 * top of the address space, grown for the arguments, then moved down to
 * @p->stack_top with relocate_vma_down() and grown by 128 KiB (or to the
 * rlimit); sets start_stack.  @sp_out (may be NULL) receives the stack
 * pointer.  Meant for an address space without a stack.
 * Returns: 0; -EINVAL; -ENOMEM; -E2BIG (arguments over RLIMIT_STACK / 4).
 */
int uvma_exec_setup_stack(struct uvma_mm *mm, const struct uvma_exec_params *p,
			  uint64_t *sp_out);

/* Special mappings an exec installs. */
enum uvma_special {
	UVMA_SPECIAL_VVAR = 0,		/* [vvar], 4 pages, r--p, pf io de dd */
	UVMA_SPECIAL_VVAR_VCLOCK = 1,	/* [vvar_vclock], 2 pages */
	UVMA_SPECIAL_VDSO = 2,		/* [vdso], 2 pages, r-xp, de */
};

/*
 * uvma_map_special() - install special mapping @kind at @addr (MAP_FIXED
 * semantics not applied: the range must be free); @len 0 = its usual size.
 * They cannot be split (may_split -EINVAL) and never merge.
 * Returns: 0; -EINVAL (bad kind, unaligned); -EEXIST (range not free);
 * -ENOMEM.
 */
int uvma_map_special(struct uvma_mm *mm, enum uvma_special kind, uint64_t addr,
		     uint64_t len);

/* uvma_fault() access bits; 1 alone means "write", 0 "read". */
#define UVMA_FAULT_READ		0x0
#define UVMA_FAULT_WRITE	0x1
#define UVMA_FAULT_EXEC		0x2

/* uvma_fault() results (non-negative). */
#define UVMA_FAULT_OK		0	/* handled */
#define UVMA_FAULT_SEGV_MAPERR	1	/* SIGSEGV, SEGV_MAPERR */
#define UVMA_FAULT_SEGV_ACCERR	2	/* SIGSEGV, SEGV_ACCERR */
#define UVMA_FAULT_SIGBUS	3	/* SIGBUS (past EOF, guard region...) */
#define UVMA_FAULT_GROWS_STACK	4	/* uvma_fault_check() only: handled,
					 * after growing the stack down */

/*
 * uvma_fault() - a user page fault at @addr with @access: expands a stack
 * (VM_GROWSDOWN) when the address lies below it, assigns the anon_vma the
 * way the kernel does (write faults on private mappings; read faults that
 * take the huge-zero-page path with THP), and classifies failures.
 * Returns: UVMA_FAULT_*; -ENOMEM (no memory for the model: nothing changed).
 */
int uvma_fault(struct uvma_mm *mm, uint64_t addr, unsigned int access);

/*
 * uvma_fault_check() - what uvma_fault(@mm, @addr, @access) would do,
 * without doing it: @mm is left exactly as it was (no stack growth, no
 * anon_vma), so an emulator can classify a host fault first.
 * Returns: UVMA_FAULT_OK (mapped and allowed); UVMA_FAULT_GROWS_STACK
 * (allowed once the stack VMA above grows down to @addr's page);
 * UVMA_FAULT_SEGV_MAPERR (no VMA, or a stack growth the guard gap or a
 * limit refuses); UVMA_FAULT_SEGV_ACCERR; UVMA_FAULT_SIGBUS (a file page at
 * or past the file's end).  Never fails.
 * Note: where uvma_fault() would grow the stack and then find an access
 * error, this returns UVMA_FAULT_SEGV_ACCERR; the real fault still grows
 * the stack (as Linux does).  uvma_fault() can still return -ENOMEM when
 * the model itself runs out of memory.
 */
int uvma_fault_check(struct uvma_mm *mm, uint64_t addr, unsigned int access);

/* ---- /proc/PID/maps and smaps ---- */

/* uvma_smaps_text() flags. */
#define UVMA_SMAPS_SIZES	0x1	/* add Size/KernelPageSize/MMUPageSize */

/*
 * uvma_maps_text() - the text of /proc/PID/maps, byte for byte as Linux
 * prints it (including the [vsyscall] line when configured).
 * @out: receives a NUL-terminated string allocated by the library; free it
 *       with uvma_text_free().  @len (may be NULL) receives its length.
 * Returns: 0 or -ENOMEM.
 */
int uvma_maps_text(struct uvma_mm *mm, char **out, size_t *len);

/*
 * uvma_smaps_text() - /proc/PID/smaps: per VMA the maps line, then (with
 * UVMA_SMAPS_SIZES) the size lines the model knows, then THPeligible is
 * omitted, then "VmFlags: " with the mnemonics in the kernel's order.
 * Returns: 0 or -ENOMEM.
 */
int uvma_smaps_text(struct uvma_mm *mm, unsigned int flags, char **out,
		    size_t *len);

/* uvma_text_free() - free text returned by the two calls above; NULL ok. */
void uvma_text_free(char *text);

/* ---- import ---- */

/*
 * uvma_import() - an address space holding the VMAs of a maps or smaps
 * snapshot (@text, @len bytes; it need not be NUL-terminated).
 * Files are identified by (device, inode, path): lines naming the same
 * triple share one open file; the rest of the text decides flags
 * (VmFlags when present, else from the permission letters as a plain
 * mmap would have made them); "Anonymous:" above 0 kB marks the VMA as
 * faulted (it gets an anon_vma as a first write fault would, reusing a
 * compatible neighbour's: a snapshot cannot tell which VMAs share one,
 * nor show an anon_vma whose pages were all dropped, e.g. by
 * MADV_DONTNEED: such a VMA imports as never faulted);
 * [heap] sets start_brk/brk, [stack] start_stack,
 * [vdso]/[vvar]/[vvar_vclock] become special mappings, [vsyscall] is
 * skipped, [anon:NAME] sets the anon name.
 * @cfg: NULL for defaults.  @out receives the address space.
 * Returns: 0; -EINVAL (a malformed line: @err_line, if not NULL, receives
 * its 1-based number; overlapping or unordered ranges); -ENOMEM.
 */
int uvma_import(const struct uvma_config *cfg, const char *text, size_t len,
		struct uvma_mm **out, size_t *err_line);

/* uvma_import_ex() flags. */
#define UVMA_IMPORT_FORK_CHILD	0x1	/* the snapshot is of a process forked
					 * after its VMAs were faulted: every
					 * faulted VMA is a fork child (its own
					 * anon_vma, chain longer than one), so
					 * it never merges with an unfaulted
					 * neighbour (SEMANTICS.md 20) */

/*
 * uvma_import_ex() - uvma_import() with UVMA_IMPORT_* @flags.
 * Returns as uvma_import(), and -EINVAL for unknown flags.
 */
int uvma_import_ex(const struct uvma_config *cfg, const char *text, size_t len,
		   unsigned int flags, struct uvma_mm **out, size_t *err_line);

/*
 * uvma_import_file() - uvma_import() of the file at @path (e.g.
 * "/proc/self/smaps").  Returns as uvma_import(), and -errno from reading.
 */
int uvma_import_file(const struct uvma_config *cfg, const char *path,
		     struct uvma_mm **out, size_t *err_line);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* UVMA_UVMA_H */
