/* SPDX-License-Identifier: MIT */
/*
 * kdiff.h - what the parts of `uvma kdiff` share (internal to tools/).
 *
 * A run is a list of operations (struct kd_op) made by the generator
 * (kdiff_gen.c).  The executor (kdiff_exec.c) runs them for real in a
 * child process and sends back one record per operation (struct kd_rec)
 * plus the child's smaps; the formatter (kdiff_fmt.c) turns operations and
 * records into trace text in strace's own format, which the replay engine
 * applies to the model (kdiff.c).  Shrinking re-runs subsets of the list
 * on both sides.  docs/kdiff.md describes the whole.
 *
 * Operations name addresses symbolically so that a subset of a list still
 * means something: in window mode every address is an offset in the
 * window; in alloc mode an address is an offset from a slot, which holds
 * the address an earlier mmap/mremap returned (the executor resolves it
 * when the operation runs and skips operations on empty slots).
 */
#ifndef UVMA_TOOLS_KDIFF_H
#define UVMA_TOOLS_KDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KD_PAGE			4096ull
#define KD_HUGE			(2ull << 20)
/* The window: far from anything a process maps, 2 MiB aligned. */
#define KD_WINDOW_BASE		0x200000000000ull
#define KD_WINDOW_PAGES		64ull
#define KD_WINDOW_END		(KD_WINDOW_BASE + KD_WINDOW_PAGES * KD_PAGE)
#define KD_SLOTS		8
/* Files are this long, so no mapping the generator makes reaches EOF. */
#define KD_FILE_SIZE		(64ull << 20)
#define KD_MAX_OPS		100000

enum kd_mode { KD_WINDOW = 1, KD_ALLOC = 2 };

/* Families (--families); all on by default. */
enum kd_family {
	KDF_ANON = 1 << 0,	/* anonymous private mmap */
	KDF_SHARED = 1 << 1,	/* anonymous shared mmap */
	KDF_MEMFD = 1 << 2,	/* mmap of a memfd, private and shared */
	KDF_FILE = 1 << 3,	/* mmap of a file on disk */
	KDF_MUNMAP = 1 << 4,
	KDF_MPROTECT = 1 << 5,
	KDF_FAULT = 1 << 6,	/* read and write faults */
	KDF_MREMAP = 1 << 7,
	KDF_MADVISE = 1 << 8,
	KDF_MLOCK = 1 << 9,	/* mlock, mlock2, munlock */
	KDF_MSEAL = 1 << 10,
	KDF_FORK = 1 << 11,
	KDF_UFFD = 1 << 12,	/* userfaultfd register/unregister */
	KDF_MAPFLAGS = 1 << 13,	/* MAP_POPULATE/LOCKED/NORESERVE/GROWSDOWN */
	KDF_ALL = (1 << 14) - 1,
};

/* kd_families_parse() - "anon,mremap" or "all"; 0 or -1 (name in *bad). */
int kd_families_parse(const char *list, unsigned int *out, const char **bad);
/* kd_families_names() - the names, for --help. */
const char *kd_families_names(void);

enum kd_opcode {
	KD_MMAP = 1,
	KD_MUNMAP,
	KD_MPROTECT,
	KD_MREMAP,
	KD_MADVISE,
	KD_MLOCK,
	KD_MLOCK2,
	KD_MUNLOCK,
	KD_MSEAL,
	KD_FAULT,
	KD_FORK,
	KD_UFFD_REGISTER,
	KD_UFFD_UNREGISTER,
	KD_SEAL,		/* fcntl(memfd, F_ADD_SEALS, prot) */
	KD_FTRUNC,		/* ftruncate(memfd, len) */
	KD_MLOCKALL,		/* mlockall(prot) */
	KD_MUNLOCKALL,
};

enum kd_fd { KD_FD_NONE = 0, KD_FD_MEMFD, KD_FD_FILE };

/* Address bases: a slot number, or KD_ABS (the window, or absolute). */
#define KD_ABS (-1)

struct kd_op {
	uint8_t op;		/* enum kd_opcode */
	uint8_t fd;		/* KD_FD_* (mmap) */
	int8_t base;		/* base of @addr */
	int8_t nbase;		/* base of @naddr (mremap new address) */
	int8_t store;		/* slot receiving a returned address, or -1 */
	int32_t prot;		/* prot; advice; mlock2/mseal flags; uffd
				 * mode; fault: 1 = write; seals */
	int32_t flags;		/* mmap / mremap flags */
	int64_t addr;		/* offset from base (bytes) */
	int64_t naddr;		/* mremap new address, offset from nbase */
	uint64_t len;		/* length; mremap old length */
	uint64_t nlen;		/* mremap new length */
	uint64_t off;		/* mmap file offset */
};

/* ---- generator ---- */

struct kd_rng {
	uint64_t s;
};

void kd_rng_seed(struct kd_rng *r, uint64_t seed);
uint64_t kd_rng_next(struct kd_rng *r);

struct kd_gen_opts {
	enum kd_mode mode;
	unsigned int families;
	bool privileged;	/* the child runs with CAP_SYS_ADMIN & co */
};

/* kd_generate() - fill @ops[0..n) for one run. */
void kd_generate(const struct kd_gen_opts *g, struct kd_rng *r,
		 struct kd_op *ops, size_t n);

/* ---- executor ---- */

enum kd_status {
	KD_DONE = 1,		/* ran; ret is its result */
	KD_SKIPPED,		/* not run: its outcome would not be determined
				 * by the trace (empty slot, protected range,
				 * a kernel-chosen address outside the window) */
	KD_SIGNAL,		/* a fault that raised sig/code (and was survived) */
};

struct kd_rec {
	int32_t index;		/* operation index */
	int32_t pid;		/* process that made the call */
	int32_t status;		/* enum kd_status */
	int32_t sig, code;	/* KD_SIGNAL */
	int64_t ret;		/* result: address, 0, -errno, fork: child pid */
	uint64_t addr, naddr;	/* the resolved addresses */
	uint64_t extra;		/* UFFDIO_REGISTER: the ioctls it returned */
};

/* What the child set up before its first call. */
struct kd_setup {
	int32_t pid;
	int32_t memfd, filefd, uffd;	/* descriptors (-1: none) */
	uint64_t uffd_features;		/* UFFDIO_API's answer */
	bool privileged;
};

struct kd_live {
	struct kd_setup setup;
	struct kd_rec *recs;		/* one per operation, in order run */
	size_t nrecs;
	char *snapshot;			/* alloc: smaps before the first call */
	char *smaps;			/* smaps of the last process at the end */
	int32_t final_pid;
	bool complete;			/* the child finished normally */
	char why[256];			/* if not */
};

struct kd_env {
	enum kd_mode mode;
	const char *file_path;		/* the file on disk the runs map */
	const char *cwd;		/* the working directory (strace -y
					 * prints it after AT_FDCWD) */
	bool privileged;		/* keep root's capabilities in the child */
	const char *self_exe;		/* for the alloc mode's re-exec */
};

/*
 * kd_run_live() - run @ops for real in a fresh child; fill @out (free
 * with kd_live_free()).  Returns 0, or -1 when no child could be run
 * (fork/pipe failed; @out->why says so).
 */
int kd_run_live(const struct kd_env *env, const struct kd_op *ops, size_t n,
		struct kd_live *out);
void kd_live_free(struct kd_live *l);

/* kd_child_main() - the hidden `kdiff --exec-child` entry (alloc mode). */
int kd_child_main(int argc, char **argv);

/* ---- trace text ---- */

/*
 * kd_format_trace() - the trace of a run (strace -f -y format plus @fault
 * lines and comments), malloc'd, NUL-terminated.  NULL on no memory.
 */
char *kd_format_trace(const struct kd_env *env, const struct kd_op *ops,
		      const struct kd_live *l, size_t *len);

/*
 * kd_smaps_view() - the lines the comparison looks at, malloc'd: each
 * VMA's header line and VmFlags line; window mode keeps only VMAs inside
 * the window; device and inode of file-backed lines become "00:00 0".
 */
char *kd_smaps_view(enum kd_mode mode, const char *smaps);

/*
 * kd_expect_view() - the kernel's answer as the lines of an @expect block
 * in smaps form (each maps line followed by its VmFlags line; window mode:
 * the window and [vsyscall]), '*' for the device and inode of files.
 */
char *kd_expect_view(enum kd_mode mode, const char *smaps);

#endif
