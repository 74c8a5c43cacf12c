/* SPDX-License-Identifier: MIT */
/*
 * live.h - the live-kernel oracle for the system-call tests.
 *
 * A script of operations runs twice: on this machine's kernel, in a forked
 * child, inside a private window of the address space far from anything
 * the test process maps (LIVE_BASE, 64 GiB), and on a fresh uvma address
 * space.  Both sides report each call's return value (address, 0 or
 * -errno) and the smaps header and VmFlags lines of the VMAs inside the
 * window; the test compares them byte for byte.  This is the strongest
 * oracle we have: the expected values come from the kernel itself.
 *
 * The model side runs as the test process runs on the kernel: root, so
 * CAP_IPC_LOCK and CAP_SYS_RAWIO are set in its configuration.
 * Header-only (static inline) so any test file can include it.
 */
#ifndef UVMA_TEST_LIVE_H
#define UVMA_TEST_LIVE_H

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "uvma/uvma.h"

/* Scripts list only the fields an operation uses. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif

#define LIVE_BASE 0x200000000000ull
#define LIVE_SPAN (64ull << 30)
#define LIVE_MAX_OPS 64

enum live_opcode {
	L_END = 0,
	L_MMAP,		/* a = addr (window-relative unless L_ABS), b = len, p, f */
	L_MUNMAP,	/* a, b */
	L_MPROTECT,	/* a, b, p */
	L_TOUCH,	/* a: write one byte (model: MAP_POPULATE-like fault) */
	L_MLOCK,	/* a, b */
	L_MADVISE,	/* a, b, p = advice */
	L_MSEAL,	/* a, b */
	L_MREMAP,	/* a = old addr, b = old len, c = new len, p = flags,
			 * d = new addr (window-relative unless L_ABS) */
	L_MLOCK2,	/* a, b, p = flags */
	L_MUNLOCK,	/* a, b */
	L_MLOCKALL,	/* p = flags */
	L_MUNLOCKALL,
	L_FAULT,	/* a, p = UVMA_FAULT_READ/WRITE/EXEC: result is the
			 * UVMA_FAULT_* class (a write stores 0xc3, "ret",
			 * so that a later exec fault there returns) */
	L_MEMFD,	/* p = slot (0..LIVE_FILES-1), b = size, c = flags
			 * (MFD_*): a memfd */
	L_FTRUNC,	/* p = slot, b = size */
	L_UFFD,		/* p = slot: userfaultfd + UFFDIO_API, b = features */
	L_UREG,		/* p = slot, a, b, c = UFFDIO_REGISTER_MODE_* */
	L_UUNREG,	/* p = slot, a, b */
	L_UCLOSE,	/* p = slot */
	L_SEAL,		/* p = memfd slot, b = seals: F_ADD_SEALS */
	L_GETSEALS,	/* p = memfd slot: F_GET_SEALS (the seals, not 1) */
};

/* .c of L_MMAP: 0 anonymous, slot + 1 for that memfd; .d the offset. */
#define LIVE_FILES 4

/* Flag in .f of L_MMAP: the address is absolute (not window-relative). */
#define L_ABS 0x40000000

struct live_op {
	int op;
	uint64_t a, b;
	int p, f;
	uint64_t c, d;
};

struct live_result {
	int64_t ret[LIVE_MAX_OPS];
	int n;
	char text[16384];
};

static inline uint64_t live_addr(const struct live_op *o)
{
	return (o->f & L_ABS) ? o->a : LIVE_BASE + o->a;
}

/* live_filter() - keep the header+VmFlags lines of VMAs in the window. */
static inline void live_filter(const char *smaps, char *out, size_t size)
{
	const char *l = smaps;
	size_t n = 0;
	int keep = 0;

	out[0] = 0;
	while (*l) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l + 1) : strlen(l);
		unsigned long long s, t;
		char c;

		if (sscanf(l, "%llx-%llx %c", &s, &t, &c) == 3 &&
		    l[strspn(l, "0123456789abcdef")] == '-')
			keep = s >= LIVE_BASE && t <= LIVE_BASE + LIVE_SPAN;
		if (keep && (!strncmp(l, "VmFlags:", 8) ||
			     l[strspn(l, "0123456789abcdef")] == '-') &&
		    n + len < size) {
			/* shmem inode numbers are a global kernel counter:
			 * "00:01 1234   name" becomes "00:01 INO name". */
			const char *d = strstr(l, " 00:01 ");

			if (d && d < l + len) {
				const char *q = d + 7;
				size_t pre = (size_t)(q - l);

				while (*q >= '0' && *q <= '9')
					q++;
				while (*q == ' ')
					q++;
				memcpy(out + n, l, pre);
				n += pre;
				memcpy(out + n, "INO ", 4);
				n += 4;
				len -= (size_t)(q - l);
				l = q;
			}
			memcpy(out + n, l, len);
			n += len;
			out[n] = 0;
		}
		l += len;
	}
}

/*
 * live_ret() - a call's result as the comparison sees it: an address
 * outside the window (a move the kernel placed by its own, randomised,
 * layout) becomes 1, so both sides only agree that it succeeded there.
 */
static inline int64_t live_ret(int64_t r)
{
	if (r > 0 && ((uint64_t)r < LIVE_BASE ||
		      (uint64_t)r >= LIVE_BASE + LIVE_SPAN))
		return 1;
	return r;
}

static inline uint64_t live_new_addr(const struct live_op *o)
{
	return (o->f & L_ABS) ? o->d : LIVE_BASE + o->d;
}

/* The child's memfds and where a fault signal jumps back to. */
static int live_fds[LIVE_FILES], live_uffds[LIVE_FILES];
static sigjmp_buf live_jmp;

static inline void live_on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	siglongjmp(live_jmp, sig == SIGBUS ? UVMA_FAULT_SIGBUS :
		   si->si_code == SEGV_ACCERR ? UVMA_FAULT_SEGV_ACCERR :
		   UVMA_FAULT_SEGV_MAPERR);
}

/* live_fault() - touch @a for real; the UVMA_FAULT_* class it met. */
static inline int64_t live_fault(uint64_t a, int access)
{
	struct sigaction sa, old_segv, old_bus;
	volatile int64_t r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = live_on_signal;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	r = sigsetjmp(live_jmp, 1);
	if (r == 0) {
		if (access == UVMA_FAULT_WRITE)
			*(volatile unsigned char *)a = 0xc3;
		else if (access == UVMA_FAULT_EXEC)
			((void (*)(void))(uintptr_t)a)();
		else
			(void)*(volatile unsigned char *)a;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return r;
}

static inline int64_t live_sys(const struct live_op *o)
{
	long r = 0;
	uint64_t a = live_addr(o);

	switch (o->op) {
	case L_MEMFD:
		live_fds[o->p] = memfd_create("live", (unsigned int)o->c);
		if (live_fds[o->p] < 0 || ftruncate(live_fds[o->p], (off_t)o->b))
			return -errno;
		return 0;
	case L_FTRUNC:
		r = ftruncate(live_fds[o->p], (off_t)o->b);
		break;
	case L_SEAL:
		r = fcntl(live_fds[o->p], F_ADD_SEALS, (unsigned int)o->b);
		break;
	case L_GETSEALS:
		r = fcntl(live_fds[o->p], F_GET_SEALS);
		return r < 0 ? -errno : r;
	case L_FAULT:
		return live_fault(a, o->p);
	case L_UFFD: {
		struct uffdio_api api = { .api = UFFD_API, .features = o->b };

		live_uffds[o->p] = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
		if (live_uffds[o->p] < 0 ||
		    ioctl(live_uffds[o->p], UFFDIO_API, &api))
			return -errno;
		return 0;
	}
	case L_UREG: {
		struct uffdio_register reg = { .range = { a, o->b },
					       .mode = o->c };

		r = ioctl(live_uffds[o->p], UFFDIO_REGISTER, &reg);
		break;
	}
	case L_UUNREG: {
		struct uffdio_range rng = { a, o->b };

		r = ioctl(live_uffds[o->p], UFFDIO_UNREGISTER, &rng);
		break;
	}
	case L_UCLOSE:
		r = close(live_uffds[o->p]);
		break;
	case L_MMAP: {
		int fd = o->c ? live_fds[o->c - 1] : -1;
		void *p = mmap((void *)a, o->b, o->p, o->f & ~L_ABS, fd,
			       (off_t)o->d);

		return p == MAP_FAILED ? -errno : live_ret((int64_t)(uintptr_t)p);
	}
	case L_MUNMAP:
		r = munmap((void *)a, o->b);
		break;
	case L_MPROTECT:
		r = mprotect((void *)a, o->b, o->p);
		break;
	case L_TOUCH:
		*(volatile char *)a = 1;
		return 0;
	case L_MLOCK:
		/* Raw system calls: ASan's interceptors turn the mlock
		 * family into no-ops returning 0. */
		r = syscall(SYS_mlock, a, o->b);
		break;
	case L_MADVISE:
		r = madvise((void *)a, o->b, o->p);
		break;
	case L_MSEAL:
		r = syscall(462, a, o->b, 0);
		break;
	case L_MREMAP:
		r = syscall(SYS_mremap, a, o->b, o->c, o->p, live_new_addr(o));
		break;
	case L_MLOCK2:
		r = syscall(SYS_mlock2, a, o->b, o->p);
		break;
	case L_MUNLOCK:
		r = syscall(SYS_munlock, a, o->b);
		break;
	case L_MLOCKALL:
		r = syscall(SYS_mlockall, o->p);
		break;
	case L_MUNLOCKALL:
		r = syscall(SYS_munlockall);
		break;
	}
	return r < 0 ? -errno : live_ret(r);
}

/*
 * live_drop_privileges() - make the child what @cfg describes: its
 * RLIMIT_MEMLOCK, and without CAP_IPC_LOCK an unprivileged user (nobody),
 * which has no capabilities at all.  NULL: stay as the test runs.
 */
static inline int live_drop_privileges(const struct uvma_config *cfg)
{
	struct rlimit rl;

	if (!cfg)
		return 0;
	rl.rlim_cur = rl.rlim_max = cfg->rlimit_memlock == UVMA_RLIM_INFINITY ?
				    RLIM_INFINITY : cfg->rlimit_memlock;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return -1;
	if (!cfg->cap_ipc_lock && setresuid(65534, 65534, 65534))
		return -1;
	return 0;
}

/*
 * live_self_window() - in a child: this process's smaps filtered to the
 * window (live_filter()) into @out.
 */
static inline void live_self_window(char *out, size_t size)
{
	static char smaps[1 << 20];
	FILE *f = fopen("/proc/self/smaps", "r");
	size_t n = f ? fread(smaps, 1, sizeof(smaps) - 1, f) : 0;

	smaps[n] = 0;
	if (f)
		fclose(f);
	live_filter(smaps, out, size);
}

/*
 * live_collect() - the parent's side of a child that writes to a pipe:
 * read at most @size bytes from @fd into @buf, close @fd, reap @pid (its
 * wait status in *@status unless NULL).  Returns the bytes read.
 */
static inline size_t live_collect(pid_t pid, int fd, void *buf, size_t size,
				  int *status)
{
	size_t got = 0;
	ssize_t r;
	int st = 0;

	while (got < size && (r = read(fd, (char *)buf + got, size - got)) > 0)
		got += (size_t)r;
	close(fd);
	waitpid(pid, &st, 0);
	if (status)
		*status = st;
	return got;
}

/*
 * live_child() - the kernel side of a live test.  Fork; the child calls
 * @fn(@arg, @buf), which fills the child's copy of the @size bytes at @buf
 * (zeroed first), and sends them all back into @buf.  @fn may fork again:
 * only the process that returns from it reports, any other must _exit;
 * it fails by calling _exit with a non-zero status.  The child's wait
 * status goes to *@status unless NULL.  Returns 0 when all @size bytes
 * came back, -1 when there is no oracle (pipe or fork failed), -2 when
 * the child failed.
 */
typedef void live_child_fn(void *arg, void *buf);

static inline int live_child(live_child_fn *fn, void *arg, void *buf,
			     size_t size, int *status)
{
	int fd[2];
	pid_t pid;

	memset(buf, 0, size);
	if (status)
		*status = 0;
	if (pipe(fd))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		close(fd[0]);
		fn(arg, buf);
		if (write(fd[1], buf, size) != (ssize_t)size)
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	return live_collect(pid, fd[0], buf, size, status) == size ? 0 : -2;
}

/*
 * live_child_ok() - @r from live_child() as "compare or skip": 1 if the
 * kernel's answer came, 0 if there is no oracle; a failed child fails
 * the running test (named by @what) instead of skipping it unseen.
 */
static inline int live_child_ok(int r, const char *what)
{
	if (r == -2)
		test_fail(__FILE__, __LINE__, what, "the live child failed");
	return r == 0;
}

struct live_ops_arg {
	const struct live_op *ops;
	const struct uvma_config *cfg;
};

/* In the child: become what cfg says, run the ops, take the window. */
static inline void live_ops_child(void *arg, void *buf)
{
	const struct live_ops_arg *a = arg;
	struct live_result *r = buf;

	if (live_drop_privileges(a->cfg))
		_exit(1);
	for (r->n = 0; a->ops[r->n].op != L_END && r->n < LIVE_MAX_OPS; r->n++)
		r->ret[r->n] = live_sys(&a->ops[r->n]);
	live_self_window(r->text, sizeof(r->text));
}

/*
 * live_run_kernel_cfg() - run @ops in a forked child made what @cfg says
 * (see live_drop_privileges()); 0 or -1 (no oracle, or the child failed:
 * that fails the test).
 */
static inline int live_run_kernel_cfg(const struct live_op *ops,
				      const struct uvma_config *cfg,
				      struct live_result *res)
{
	struct live_ops_arg a = { ops, cfg };

	return live_child_ok(live_child(live_ops_child, &a, res, sizeof(*res),
					NULL), __func__) ? 0 : -1;
}

/* live_run_kernel() - run @ops in a forked child; 0 or -1 (no oracle). */
static inline int live_run_kernel(const struct live_op *ops,
				  struct live_result *res)
{
	return live_run_kernel_cfg(ops, NULL, res);
}

static inline void live_config(struct uvma_config *cfg)
{
	uvma_config_init(cfg);
	cfg->cap_ipc_lock = true;
	cfg->cap_sys_rawio = true;
}

/* live_run_model() - run @ops on @mm (or a fresh default one if NULL). */
static inline void live_run_model(struct uvma_mm *mm, const struct live_op *ops,
				  struct live_result *res)
{
	char *text = NULL;
	struct uvma_file *files[LIVE_FILES] = { NULL };
	struct uvma_uffd *uffds[LIVE_FILES] = { NULL };

	memset(res, 0, sizeof(*res));
	for (res->n = 0; ops[res->n].op != L_END && res->n < LIVE_MAX_OPS;
	     res->n++) {
		const struct live_op *o = &ops[res->n];
		uint64_t a = live_addr(o);
		int64_t r = 0;

		switch (o->op) {
		case L_MEMFD:
			r = uvma_memfd_create("live", (unsigned int)o->c,
					      &files[o->p]);
			if (r == 0)
				r = uvma_file_truncate(files[o->p], (int64_t)o->b);
			break;
		case L_FTRUNC:
			r = uvma_file_truncate(files[o->p], (int64_t)o->b);
			break;
		case L_SEAL:
			r = uvma_memfd_add_seals(files[o->p], (unsigned int)o->b);
			break;
		case L_GETSEALS:
			r = uvma_memfd_get_seals(files[o->p]);
			break;
		case L_FAULT:
			r = uvma_fault(mm, a, (unsigned int)o->p);
			break;
		case L_UFFD:
			r = uvma_uffd_create(mm, o->b, &uffds[o->p]);
			break;
		case L_UREG:
			r = uvma_uffd_register(uffds[o->p], a, o->b, o->c);
			break;
		case L_UUNREG:
			r = uvma_uffd_unregister(uffds[o->p], a, o->b);
			break;
		case L_UCLOSE:
			uvma_uffd_close(uffds[o->p]);
			uffds[o->p] = NULL;
			break;
		case L_MMAP:
			r = uvma_mmap(mm, a, o->b, o->p, o->f & ~L_ABS,
				      o->c ? files[o->c - 1] : NULL, o->d);
			break;
		case L_MUNMAP:
			r = uvma_munmap(mm, a, o->b);
			break;
		case L_MPROTECT:
			r = uvma_mprotect(mm, a, o->b, o->p);
			break;
		case L_TOUCH:
			r = uvma_fault(mm, a, UVMA_FAULT_WRITE);
			break;
		case L_MLOCK:
			r = uvma_mlock(mm, a, o->b);
			break;
		case L_MADVISE:
			r = uvma_madvise(mm, a, o->b, o->p);
			break;
		case L_MSEAL:
			r = uvma_mseal(mm, a, o->b, 0);
			break;
		case L_MREMAP:
			r = uvma_mremap(mm, a, o->b, o->c, o->p,
					live_new_addr(o));
			break;
		case L_MLOCK2:
			r = uvma_mlock2(mm, a, o->b, (unsigned int)o->p);
			break;
		case L_MUNLOCK:
			r = uvma_munlock(mm, a, o->b);
			break;
		case L_MLOCKALL:
			r = uvma_mlockall(mm, o->p);
			break;
		case L_MUNLOCKALL:
			r = uvma_munlockall(mm);
			break;
		}
		/* Fault classes and seals are small numbers, not addresses. */
		res->ret[res->n] = o->op == L_FAULT || o->op == L_GETSEALS ?
				   r : live_ret(r);
	}
	if (uvma_smaps_text(mm, 0, &text, NULL) == 0) {
		live_filter(text, res->text, sizeof(res->text));
		uvma_text_free(text);
	}
	for (int i = 0; i < LIVE_FILES; i++) {
		if (files[i])
			uvma_file_unref(files[i]);
		if (uffds[i])
			uvma_uffd_close(uffds[i]);
	}
}

/*
 * LIVE_CHECK_CFG(ops, cfg) - run @ops on the kernel (in a child made what
 * @cfg says: RLIMIT_MEMLOCK, CAP_IPC_LOCK or not) and on a model created
 * with @cfg; assert equal returns and equal window text.  @cfg NULL: the
 * child stays root and the model gets live_config().  Skips (passes) when
 * fork fails.
 */
#define LIVE_CHECK_CFG(ops, cfg)                                             \
	do {                                                                 \
		static struct live_result k_, m_;                            \
		struct uvma_config c_;                                       \
		const struct uvma_config *cp_ = (cfg);                       \
		struct uvma_mm *mm_;                                         \
		if (live_run_kernel_cfg((ops), cp_, &k_) == 0) {             \
			if (cp_)                                             \
				c_ = *cp_;                                   \
			else                                                 \
				live_config(&c_);                            \
			ASSERT_EQ(uvma_mm_create(&c_, &mm_), 0);             \
			live_run_model(mm_, (ops), &m_);                     \
			if (getenv("UVMA_LIVE_DUMP"))                        \
				printf("kernel:\n%smodel:\n%s", k_.text,   \
				       m_.text);                             \
			ASSERT_EQ(uvma_mm_validate(mm_), 0);                 \
			uvma_mm_destroy(mm_);                                \
			ASSERT_EQ(k_.n, m_.n);                               \
			for (int i_ = 0; i_ < k_.n; i_++)                    \
				ASSERT_MSG(k_.ret[i_] == m_.ret[i_],         \
					   "op %d: kernel %jd model %jd", i_, \
					   (intmax_t)k_.ret[i_],             \
					   (intmax_t)m_.ret[i_]);            \
			ASSERT_STR_EQ(m_.text, k_.text);                     \
		}                                                            \
	} while (0)

/* LIVE_CHECK(ops) - LIVE_CHECK_CFG() as the test process runs (root). */
#define LIVE_CHECK(ops) LIVE_CHECK_CFG(ops, NULL)

#endif /* UVMA_TEST_LIVE_H */
