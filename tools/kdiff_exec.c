/* SPDX-License-Identifier: MIT */
/*
 * kdiff_exec.c - the live side of `uvma kdiff`: run a list of operations
 * for real in a child process and send back what each returned.
 *
 * Window mode forks the driver; alloc mode forks, turns address-space
 * randomisation off (personality) and re-executes this program as
 * `uvma kdiff --exec-child ...`, so the layout is the same every run and
 * the model can start from the child's own smaps (taken right before the
 * first call).  The child allocates nothing and touches no new memory of
 * its own once the snapshot is taken: every buffer is static and touched
 * beforehand, the stack is grown in advance, and every call is a raw
 * system call (sanitizer interceptors stay out of the way).
 *
 * An operation is skipped, and says so, when its outcome would not be
 * determined by the trace: an empty slot, a range touching what the
 * process had before the first call (alloc mode: its code, libraries,
 * stack), a kernel-chosen address outside the window (window mode: the
 * mapping is removed again), a fault where a userfaultfd could catch it.
 *
 * The child sends framed messages on a pipe (see enum msg below).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/userfaultfd.h>

#include "kdiff.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef SYS_mseal
#define SYS_mseal 462
#endif

#if defined(__SANITIZE_ADDRESS__)
#define KD_NO_ASAN __attribute__((no_sanitize_address))
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KD_NO_ASAN __attribute__((no_sanitize_address))
#endif
#endif
#ifndef KD_NO_ASAN
#define KD_NO_ASAN
#endif

enum msg {
	MSG_SETUP = 1,		/* struct kd_setup */
	MSG_SNAPSHOT,		/* smaps text before the first call (alloc) */
	MSG_REC,		/* struct kd_rec */
	MSG_SMAPS,		/* smaps text at the end */
	MSG_END,		/* int32_t: the pid that read the smaps */
	MSG_ERROR,		/* text: why the child gave up */
};

struct frame {
	uint32_t type;
	uint32_t len;
};

#define SMAPS_MAX	(4u << 20)
#define PROTECT_MAX	4096
#define UFFD_RANGES_MAX	256

/* The child's state: static, so nothing is allocated once it runs. */
static struct {
	int out;
	enum kd_mode mode;
	bool privileged;
	int32_t pid;
	uint64_t slots[KD_SLOTS];
	uint64_t protect[PROTECT_MAX][2];
	size_t nprotect;
	uint64_t uffd_ranges[UFFD_RANGES_MAX][2];
	size_t nuffd;
	struct kd_setup setup;
	char smaps[SMAPS_MAX];
	struct kd_op ops[KD_MAX_OPS];
} C;

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_sig, fault_code;

static void write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3);
		p += w;
		n -= (size_t)w;
	}
}

static void send_msg(uint32_t type, const void *buf, size_t len)
{
	struct frame f = { type, (uint32_t)len };

	write_all(C.out, &f, sizeof(f));
	if (len)
		write_all(C.out, buf, len);
}

static void __attribute__((noreturn)) child_fail(const char *what)
{
	char buf[200];
	int n = snprintf(buf, sizeof(buf), "%s: %s", what, strerror(errno));

	send_msg(MSG_ERROR, buf, n > 0 ? (size_t)n : 0);
	_exit(4);
}

/* read_smaps() - /proc/self/smaps into C.smaps; its length. */
static size_t read_smaps(void)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/smaps",
			      O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		child_fail("open /proc/self/smaps");
	while (n < SMAPS_MAX - 1 &&
	       (r = read(fd, C.smaps + n, SMAPS_MAX - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	C.smaps[n] = 0;
	return n;
}

/* protect_snapshot() - every VMA of the snapshot is off limits. */
static void protect_snapshot(void)
{
	const char *l = C.smaps;

	while (*l && C.nprotect < PROTECT_MAX) {
		char *e;
		unsigned long long s = strtoull(l, &e, 16), t;

		if (*e == '-' && e > l) {
			t = strtoull(e + 1, &e, 16);
			if (*e == ' ') {
				C.protect[C.nprotect][0] = s;
				C.protect[C.nprotect][1] = t;
				C.nprotect++;
			}
		}
		l = strchr(l, '\n');
		if (!l)
			break;
		l++;
	}
}

static bool overlaps(uint64_t (*r)[2], size_t n, uint64_t s, uint64_t e)
{
	for (size_t i = 0; i < n; i++)
		if (s < r[i][1] && r[i][0] < e)
			return true;
	return false;
}

/* page_end() - the end of [s, s + len) with len rounded up to pages, as
 * the calls round it (at most UINT64_MAX). */
static uint64_t page_end(uint64_t s, uint64_t len)
{
	uint64_t e = s + ((len + KD_PAGE - 1) & ~(KD_PAGE - 1));

	return e < s ? UINT64_MAX : e;
}

/* range_ok() - may an operation touch [s, s + len)? */
static bool range_ok(uint64_t s, uint64_t len)
{
	uint64_t e = page_end(s, len);

	if (C.mode == KD_WINDOW)
		return s >= KD_WINDOW_BASE && e <= KD_WINDOW_END;
	return !overlaps(C.protect, C.nprotect, s & ~(KD_PAGE - 1), e);
}

/*
 * uffd_watch() - remember a range where faults are not determined by the
 * VMAs alone: a userfaultfd may catch them, or a guard marker (per page,
 * which the model does not track) refuse them.  Faults and populating
 * calls there are skipped.
 */
static void uffd_watch(uint64_t s, uint64_t len)
{
	/* Whole pages: madvise(49069) guards 12 pages, and a fault anywhere
	 * in the last one meets a marker. */
	uint64_t e = page_end(s, len);

	if (C.nuffd == UFFD_RANGES_MAX) {
		/* Out of room: one range covering everything. */
		C.uffd_ranges[0][0] = 0;
		C.uffd_ranges[0][1] = UINT64_MAX;
		C.nuffd = 1;
		return;
	}
	C.uffd_ranges[C.nuffd][0] = s;
	C.uffd_ranges[C.nuffd][1] = e;
	C.nuffd++;
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_code = si->si_code;
	siglongjmp(fault_jmp, 1);
}

/* touch() - one read or write access at @a; 0 or the signal it raised. */
static KD_NO_ASAN int touch(uint64_t a, bool write)
{
	fault_sig = 0;
	if (sigsetjmp(fault_jmp, 1) == 0) {
		if (write)
			*(volatile char *)(uintptr_t)a = 1;
		else
			(void)*(volatile char *)(uintptr_t)a;
		return 0;
	}
	return fault_sig;
}

/* all_free() - is every page of [a, a + len) unmapped? (mincore: ENOMEM) */
static bool all_free(uint64_t a, uint64_t len)
{
	unsigned char v;

	for (uint64_t p = a & ~(KD_PAGE - 1); p < a + len; p += KD_PAGE)
		if (syscall(SYS_mincore, p, KD_PAGE, &v) == 0 || errno != ENOMEM)
			return false;
	return true;
}

static bool resolve(int8_t base, int64_t off, uint64_t *out)
{
	if (base == KD_ABS) {
		*out = C.mode == KD_WINDOW ? KD_WINDOW_BASE + (uint64_t)off :
					     (uint64_t)off;
		return true;
	}
	if (base < 0 || base >= KD_SLOTS || !C.slots[base])
		return false;
	*out = C.slots[base] + (uint64_t)off;
	return true;
}

static int64_t sysret(long r)
{
	return r < 0 ? -(int64_t)errno : (int64_t)r;
}

static int fd_of(const struct kd_op *op)
{
	switch (op->fd) {
	case KD_FD_MEMFD:
		return C.setup.memfd;
	case KD_FD_FILE:
		return C.setup.filefd;
	default:
		return -1;
	}
}

static void run_mmap(const struct kd_op *op, struct kd_rec *rec)
{
	bool fixed = op->flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	bool hint = !fixed && rec->addr;

	if (fixed && !range_ok(rec->addr, op->len))
		return;
	/* Window mode: a hint only where the range is free, so the kernel
	 * takes it (or a guard gap refuses it, and we see that below). */
	if (hint && C.mode == KD_WINDOW &&
	    (!range_ok(rec->addr, op->len) || !all_free(rec->addr, op->len)))
		return;
	rec->ret = sysret(syscall(SYS_mmap, rec->addr, op->len, op->prot,
				  op->flags, fd_of(op), op->off));
	if (C.mode == KD_WINDOW && rec->ret > 0 &&
	    !range_ok((uint64_t)rec->ret, op->len)) {
		/* placed outside the window: not comparable; take it back */
		syscall(SYS_munmap, rec->ret, op->len);
		return;
	}
	rec->status = KD_DONE;
	if (rec->ret > 0 && op->store >= 0)
		C.slots[op->store] = (uint64_t)rec->ret;
}

static void run_mremap(const struct kd_op *op, struct kd_rec *rec)
{
	bool fixed = op->flags & MREMAP_FIXED;
	bool watched;

	if (!range_ok(rec->addr, op->len ? op->len : KD_PAGE))
		return;
	if (fixed) {
		if (!resolve(op->nbase, op->naddr, &rec->naddr) ||
		    !range_ok(rec->naddr, op->nlen))
			return;
	}
	watched = overlaps(C.uffd_ranges, C.nuffd, rec->addr,
			   rec->addr + op->len + KD_PAGE);
	rec->ret = sysret(syscall(SYS_mremap, rec->addr, op->len, op->nlen,
				  op->flags, rec->naddr));
	rec->status = KD_DONE;
	/*
	 * A move to a fixed place goes VMA by VMA (6.17 on) and can fail
	 * part-way, with what it moved already at the destination: a
	 * failed one may have carried watched pages there too.
	 */
	if (watched && fixed)
		uffd_watch(rec->naddr, op->nlen);
	if (rec->ret <= 0)
		return;
	if (watched) {
		uffd_watch(rec->addr, op->nlen > op->len ? op->nlen : op->len);
		if (!fixed)	/* a fixed destination is watched above */
			uffd_watch((uint64_t)rec->ret, op->nlen);
	}
	if (op->store >= 0)
		C.slots[op->store] = (uint64_t)rec->ret;
}

static void run_fault(const struct kd_op *op, struct kd_rec *rec)
{
	int sig;

	if (!range_ok(rec->addr, 1) ||
	    overlaps(C.uffd_ranges, C.nuffd, rec->addr, rec->addr + 1))
		return;
	/* A fault in a hole may grow a stack (up to RLIMIT_STACK, 8 MiB)
	 * into a watched VMA above it, and end there. */
	if (all_free(rec->addr, 1) &&
	    overlaps(C.uffd_ranges, C.nuffd, rec->addr, rec->addr + (8u << 20)))
		return;
	sig = touch(rec->addr, op->prot);
	if (sig) {
		rec->status = KD_SIGNAL;
		rec->sig = sig;
		rec->code = fault_code;
		return;
	}
	rec->status = KD_DONE;
}

static void run_fork(struct kd_rec *rec)
{
	int32_t parent = C.pid;
	long pid = syscall(SYS_fork);

	if (pid < 0) {
		rec->ret = -(int64_t)errno;
		rec->status = KD_DONE;
		return;
	}
	if (pid > 0) {
		/* The parent waits; the child carries on. */
		int st;

		while (waitpid((pid_t)pid, &st, 0) < 0 && errno == EINTR)
			;
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 5);
	}
	alarm(60);
	C.pid = (int32_t)syscall(SYS_getpid);
	rec->pid = parent;
	rec->ret = C.pid;
	rec->status = KD_DONE;
}

/* run_whole() - a call on the memfd or the whole process: no range. */
static void run_whole(const struct kd_op *op, struct kd_rec *rec)
{
	long r;

	switch (op->op) {
	case KD_SEAL:
		r = syscall(SYS_fcntl, C.setup.memfd, F_ADD_SEALS, op->prot);
		break;
	case KD_FTRUNC:
		r = syscall(SYS_ftruncate, C.setup.memfd, op->len);
		break;
	case KD_MLOCKALL:
		r = syscall(SYS_mlockall, op->prot);
		break;
	default:
		r = syscall(SYS_munlockall);
		break;
	}
	rec->ret = sysret(r);
	rec->status = KD_DONE;
}

static void run_uffd(const struct kd_op *op, struct kd_rec *rec)
{
	long r;

	if (C.setup.uffd < 0 || !range_ok(rec->addr, op->len))
		return;
	if (op->op == KD_UFFD_REGISTER) {
		struct uffdio_register reg = {
			.range = { rec->addr, op->len },
			.mode = (uint64_t)op->prot,
		};

		r = ioctl(C.setup.uffd, UFFDIO_REGISTER, &reg);
		rec->ret = sysret(r);
		if (r == 0) {
			rec->extra = reg.ioctls;
			uffd_watch(rec->addr, op->len);
		}
	} else {
		struct uffdio_range rg = { rec->addr, op->len };

		rec->ret = sysret(ioctl(C.setup.uffd, UFFDIO_UNREGISTER, &rg));
	}
	rec->status = KD_DONE;
}

/*
 * populates() - does @op fault pages in (and so fail, data-dependently,
 * on pages a userfaultfd or a guard marker refuses)?
 */
static bool populates(const struct kd_op *op)
{
	switch (op->op) {
	case KD_MLOCK:
		return true;
	case KD_MLOCK2:
		return op->prot == 0;
	case KD_MADVISE:
		return op->prot == 22 || op->prot == 23 || op->prot == 25;
	default:
		return false;
	}
}

/* run_op() - resolve, check and run one operation. */
static void run_op(const struct kd_op *op, struct kd_rec *rec)
{
	uint64_t len = op->len;

	rec->status = KD_SKIPPED;
	rec->pid = C.pid;
	if (!resolve(op->base, op->addr, &rec->addr))
		return;
	switch (op->op) {
	case KD_MMAP:
		run_mmap(op, rec);
		return;
	case KD_MREMAP:
		run_mremap(op, rec);
		return;
	case KD_FAULT:
		run_fault(op, rec);
		return;
	case KD_FORK:
		run_fork(rec);
		return;
	case KD_SEAL:
	case KD_FTRUNC:
	case KD_MLOCKALL:
	case KD_MUNLOCKALL:
		run_whole(op, rec);
		return;
	case KD_UFFD_REGISTER:
	case KD_UFFD_UNREGISTER:
		run_uffd(op, rec);
		return;
	default:
		break;
	}
	/* The mlock family widens an unaligned start to the page. */
	if (!range_ok(rec->addr, len + (rec->addr & (KD_PAGE - 1))))
		return;
	if (populates(op) && overlaps(C.uffd_ranges, C.nuffd, rec->addr,
				      rec->addr + len + KD_PAGE))
		return;
	/* MADV_COLLAPSE over a whole 2 MiB block succeeds or not by what
	 * pages are present: only its VMA checks are comparable. */
	if (op->op == KD_MADVISE && op->prot == 25 &&
	    ((rec->addr + KD_HUGE - 1) & ~(KD_HUGE - 1)) <
		    ((rec->addr + len) & ~(KD_HUGE - 1)))
		return;
	switch (op->op) {
	case KD_MUNMAP:
		rec->ret = sysret(syscall(SYS_munmap, rec->addr, len));
		break;
	case KD_MPROTECT:
		rec->ret = sysret(syscall(SYS_mprotect, rec->addr, len, op->prot));
		break;
	case KD_MADVISE:
		rec->ret = sysret(syscall(SYS_madvise, rec->addr, len, op->prot));
		/* MADV_GUARD_INSTALL: markers go in even when it fails on a hole */
		if (op->prot == 102)
			uffd_watch(rec->addr, len);
		break;
	case KD_MLOCK:
		rec->ret = sysret(syscall(SYS_mlock, rec->addr, len));
		break;
	case KD_MLOCK2:
		rec->ret = sysret(syscall(SYS_mlock2, rec->addr, len, op->prot));
		break;
	case KD_MUNLOCK:
		rec->ret = sysret(syscall(SYS_munlock, rec->addr, len));
		break;
	case KD_MSEAL:
		rec->ret = sysret(syscall(SYS_mseal, rec->addr, len, op->prot));
		break;
	default:
		return;
	}
	rec->status = KD_DONE;
}

/* A deep frame, touched, so the stack never grows during the run. */
static void __attribute__((noinline)) grow_stack(void)
{
	volatile char deep[256 * 1024];

	for (size_t i = 0; i < sizeof(deep); i += KD_PAGE)
		deep[i] = 0;
	deep[sizeof(deep) - 1] = 0;
}

static void setup_files(const char *path)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_SIGBUS };

	C.setup.memfd = (int32_t)syscall(SYS_memfd_create, "kdiff",
					 MFD_ALLOW_SEALING);
	if (C.setup.memfd < 0)
		child_fail("memfd_create");
	if (ftruncate(C.setup.memfd, (off_t)KD_FILE_SIZE))
		child_fail("ftruncate memfd");
	C.setup.filefd = (int32_t)syscall(SYS_openat, AT_FDCWD, path, O_RDWR);
	if (C.setup.filefd < 0)
		child_fail(path);
	C.setup.uffd = (int32_t)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK |
					UFFD_USER_MODE_ONLY);
	if (C.setup.uffd >= 0) {
		if (ioctl(C.setup.uffd, UFFDIO_API, &api)) {
			close(C.setup.uffd);
			C.setup.uffd = -1;
		} else {
			C.setup.uffd_features = api.features;
		}
	}
}

/*
 * drop_privileges() - unless privileged: RLIMIT_MEMLOCK 8 MiB and the
 * user nobody (no capabilities), as uvma's default configuration says.
 */
static void drop_privileges(bool privileged)
{
	struct rlimit rl = { 8u << 20, 8u << 20 };

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		child_fail("setrlimit(RLIMIT_MEMLOCK)");
	if (privileged || geteuid() != 0)
		return;
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		child_fail("setresuid(nobody)");
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

/* child_run() - the child's whole life; never returns. */
static void __attribute__((noreturn))
child_run(enum kd_mode mode, bool privileged, const char *path,
	  const struct kd_op *ops, size_t n, int out)
{
	struct sigaction sa;
	int32_t pid;

	C.out = out;
	C.mode = mode;
	C.privileged = privileged;
	C.pid = (int32_t)syscall(SYS_getpid);
	alarm(60);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	setup_files(path);
	drop_privileges(privileged);
	C.setup.pid = C.pid;
	C.setup.privileged = privileged;
	/* Touch everything the run will write before the snapshot. */
	memset(C.smaps, 0, sizeof(C.smaps));
	memset(C.protect, 0, sizeof(C.protect));
	memset(C.uffd_ranges, 0, sizeof(C.uffd_ranges));
	grow_stack();
	send_msg(MSG_SETUP, &C.setup, sizeof(C.setup));
	if (mode == KD_ALLOC) {
		size_t len = read_smaps();

		protect_snapshot();
		send_msg(MSG_SNAPSHOT, C.smaps, len);
	}
	for (size_t i = 0; i < n; i++) {
		struct kd_rec rec = { .index = (int32_t)i };

		run_op(&ops[i], &rec);
		send_msg(MSG_REC, &rec, sizeof(rec));
	}
	send_msg(MSG_SMAPS, C.smaps, read_smaps());
	pid = C.pid;
	send_msg(MSG_END, &pid, sizeof(pid));
	_exit(0);
}

/* ---- the hidden entry point of the re-executed child (alloc mode) ---- */

int kd_child_main(int argc, char **argv)
{
	/* kdiff --exec-child MODE PRIVILEGED PATH OPSFD OUTFD NOPS */
	int opsfd, out;
	size_t n, got = 0;
	ssize_t r;

	if (argc != 8)
		return 2;
	opsfd = atoi(argv[5]);
	out = atoi(argv[6]);
	n = strtoul(argv[7], NULL, 10);
	if (n > KD_MAX_OPS)
		return 2;
	while (got < n * sizeof(struct kd_op) &&
	       (r = read(opsfd, (char *)C.ops + got,
			 n * sizeof(struct kd_op) - got)) > 0)
		got += (size_t)r;
	close(opsfd);
	if (got != n * sizeof(struct kd_op))
		return 2;
	child_run((enum kd_mode)atoi(argv[2]), atoi(argv[3]) != 0, argv[4],
		  C.ops, n, out);
}

/* ---- the driver's side ---- */

struct buf {
	char *p;
	size_t n, cap;
};

static int buf_read_all(struct buf *b, int fd)
{
	for (;;) {
		ssize_t r;

		if (b->cap - b->n < 65536) {
			size_t cap = b->cap ? b->cap * 2 : 262144;
			char *p = realloc(b->p, cap);

			if (!p)
				return -1;
			b->p = p;
			b->cap = cap;
		}
		r = read(fd, b->p + b->n, b->cap - b->n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		b->n += (size_t)r;
	}
}

static char *text_dup(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = 0;
	}
	return s;
}

/* parse_frames() - turn the child's messages into @out. */
static void parse_frames(const struct buf *b, size_t nops, struct kd_live *out)
{
	size_t at = 0;

	out->recs = calloc(nops ? nops : 1, sizeof(*out->recs));
	while (out->recs && at + sizeof(struct frame) <= b->n) {
		struct frame f;
		const char *p;

		memcpy(&f, b->p + at, sizeof(f));
		at += sizeof(f);
		if (f.len > b->n - at)
			break;
		p = b->p + at;
		at += f.len;
		switch (f.type) {
		case MSG_SETUP:
			if (f.len == sizeof(out->setup))
				memcpy(&out->setup, p, f.len);
			break;
		case MSG_SNAPSHOT:
			free(out->snapshot);
			out->snapshot = text_dup(p, f.len);
			break;
		case MSG_REC:
			if (f.len == sizeof(struct kd_rec) && out->nrecs < nops)
				memcpy(&out->recs[out->nrecs++], p, f.len);
			break;
		case MSG_SMAPS:
			free(out->smaps);
			out->smaps = text_dup(p, f.len);
			break;
		case MSG_END:
			if (f.len == sizeof(int32_t)) {
				memcpy(&out->final_pid, p, f.len);
				out->complete = out->smaps != NULL;
			}
			break;
		case MSG_ERROR:
			snprintf(out->why, sizeof(out->why), "child: %.*s",
				 (int)f.len, p);
			break;
		default:
			break;
		}
	}
}

static void __attribute__((noreturn))
exec_child(const struct kd_env *env, int opsfd, int out, size_t n)
{
	char a_mode[16], a_priv[16], a_ops[16], a_out[16], a_n[32];
	char *argv[] = { "uvma", "kdiff", "--exec-child", a_mode, a_priv,
			 (char *)env->file_path, a_ops, a_out, a_n, NULL };
	struct rlimit rl = { 8u << 20, 8u << 20 };

	snprintf(a_mode, sizeof(a_mode), "%d", (int)env->mode);
	snprintf(a_priv, sizeof(a_priv), "%d", env->privileged ? 1 : 0);
	snprintf(a_ops, sizeof(a_ops), "%d", opsfd);
	snprintf(a_out, sizeof(a_out), "%d", out);
	snprintf(a_n, sizeof(a_n), "%zu", n);
	fcntl(opsfd, F_SETFD, 0);
	fcntl(out, F_SETFD, 0);
	/* The stack limit decides mmap_base: make it the model's 8 MiB. */
	getrlimit(RLIMIT_STACK, &rl);
	rl.rlim_cur = 8u << 20;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < rl.rlim_cur)
		rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_STACK, &rl);
	if (personality(ADDR_NO_RANDOMIZE) < 0)
		_exit(126);
	execv(env->self_exe, argv);
	_exit(127);
}

int kd_run_live(const struct kd_env *env, const struct kd_op *ops, size_t n,
		struct kd_live *out)
{
	int outp[2], opsp[2] = { -1, -1 };
	struct buf b = { 0 };
	pid_t pid;
	int st = 0;

	memset(out, 0, sizeof(*out));
	if (n > KD_MAX_OPS) {
		snprintf(out->why, sizeof(out->why), "too many operations");
		return -1;
	}
	if (pipe2(outp, O_CLOEXEC)) {
		snprintf(out->why, sizeof(out->why), "pipe: %s", strerror(errno));
		return -1;
	}
	if (env->mode == KD_ALLOC && pipe2(opsp, O_CLOEXEC)) {
		snprintf(out->why, sizeof(out->why), "pipe: %s", strerror(errno));
		close(outp[0]);
		close(outp[1]);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(out->why, sizeof(out->why), "fork: %s", strerror(errno));
		close(outp[0]);
		close(outp[1]);
		if (opsp[0] >= 0) {
			close(opsp[0]);
			close(opsp[1]);
		}
		return -1;
	}
	if (pid == 0) {
		close(outp[0]);
		if (env->mode == KD_WINDOW)
			child_run(env->mode, env->privileged, env->file_path,
				  ops, n, outp[1]);
		close(opsp[1]);
		exec_child(env, opsp[0], outp[1], n);
	}
	close(outp[1]);
	if (env->mode == KD_ALLOC) {
		const char *p = (const char *)ops;
		size_t left = n * sizeof(*ops);

		close(opsp[0]);
		while (left) {
			ssize_t w = write(opsp[1], p, left);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			p += w;
			left -= (size_t)w;
		}
		close(opsp[1]);
	}
	if (buf_read_all(&b, outp[0]))
		snprintf(out->why, sizeof(out->why), "reading the child: %s",
			 strerror(errno));
	close(outp[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	parse_frames(&b, n, out);
	free(b.p);
	if (!out->complete && !out->why[0]) {
		if (WIFSIGNALED(st))
			snprintf(out->why, sizeof(out->why),
				 "child killed by signal %d", WTERMSIG(st));
		else
			snprintf(out->why, sizeof(out->why),
				 "child exited with status %d before the end",
				 WEXITSTATUS(st));
	}
	return 0;
}

void kd_live_free(struct kd_live *l)
{
	free(l->recs);
	free(l->snapshot);
	free(l->smaps);
	memset(l, 0, sizeof(*l));
}
