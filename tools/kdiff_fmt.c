/* SPDX-License-Identifier: MIT */
/*
 * kdiff_fmt.c - the text side of `uvma kdiff`: a run as a trace in the
 * replay grammar (strace -f -y output, argument by argument as this
 * machine's strace 6.1 prints them, plus @fault lines), and the view of
 * smaps text the comparison uses.
 *
 * strace facts followed here (checked by running strace on this machine):
 * "PID " is padded to 5 digits plus a space ("%-5d "); the " = " before
 * a result starts at column 40 when the call is shorter; flag names come
 * in strace's table order, unknown bits as hex ("MREMAP_MAYMOVE|0x8", or
 * "0x8" followed by a C comment naming MREMAP_??? when alone); lengths are decimal, offsets hex;
 * mremap prints its fifth argument only with MREMAP_FIXED; a deleted file
 * is "3</memfd:kdiff>(deleted)".  Two calls this strace does not know are
 * written as newer strace writes them: mseal(ADDR, LEN, FLAGS), and
 * madvise's guard advice as the number 0x66 with the MADV_??? comment, as
 * 6.1 prints it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kdiff.h"

struct sb {
	char *p;
	size_t n, cap;
	bool oom;
};

static void sb_vadd(struct sb *b, const char *fmt, va_list ap)
{
	va_list aq;
	int need;

	if (b->oom)
		return;
	va_copy(aq, ap);
	need = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0,
			 fmt, aq);
	va_end(aq);
	if (need < 0) {
		b->oom = true;
		return;
	}
	if (!b->p || (size_t)need >= b->cap - b->n) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while ((size_t)need >= cap - b->n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
		vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
	}
	b->n += (size_t)need;
}

static void __attribute__((format(printf, 2, 3)))
sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vadd(b, fmt, ap);
	va_end(ap);
}

static char *sb_done(struct sb *b, size_t *len)
{
	if (b->oom || !b->p) {
		free(b->p);
		if (b->oom)
			return NULL;
		b->p = calloc(1, 1);
		b->n = 0;
	}
	if (len)
		*len = b->n;
	return b->p;
}

/* ---- flag names ---- */

struct xlat {
	uint64_t val;
	const char *name;
};

/*
 * flags_str() - "A|B|0x40", or @none when 0, or "0x40" and a comment
 * holding @unknown when no bit is known, as strace's printflags does.
 */
static void flags_str(struct sb *b, uint64_t v, const struct xlat *x,
		      size_t nx, const char *none, const char *unknown)
{
	bool first = true;

	if (!v) {
		sb_add(b, "%s", none);
		return;
	}
	for (size_t i = 0; i < nx; i++)
		if ((v & x[i].val) == x[i].val) {
			sb_add(b, "%s%s", first ? "" : "|", x[i].name);
			v &= ~x[i].val;
			first = false;
		}
	if (v && first)
		sb_add(b, "%#" PRIx64 " /* %s */", v, unknown);
	else if (v)
		sb_add(b, "|%#" PRIx64, v);
}

static const struct xlat prot_x[] = {
	{ 0x1, "PROT_READ" },	       { 0x2, "PROT_WRITE" },
	{ 0x4, "PROT_EXEC" },	       { 0x8, "PROT_SEM" },
	{ 0x01000000, "PROT_GROWSDOWN" }, { 0x02000000, "PROT_GROWSUP" },
};

/* strace's order for the mmap flags after the type. */
static const struct xlat map_x[] = {
	{ 0x10, "MAP_FIXED" },	      { 0x20, "MAP_ANONYMOUS" },
	{ 0x40, "MAP_32BIT" },	      { 0x4000, "MAP_NORESERVE" },
	{ 0x8000, "MAP_POPULATE" },   { 0x10000, "MAP_NONBLOCK" },
	{ 0x100, "MAP_GROWSDOWN" },   { 0x800, "MAP_DENYWRITE" },
	{ 0x1000, "MAP_EXECUTABLE" }, { 0x2000, "MAP_LOCKED" },
	{ 0x20000, "MAP_STACK" },     { 0x40000, "MAP_HUGETLB" },
	{ 0x80000, "MAP_SYNC" },      { 0x100000, "MAP_FIXED_NOREPLACE" },
};

static const struct xlat mremap_x[] = {
	{ 1, "MREMAP_MAYMOVE" }, { 2, "MREMAP_FIXED" }, { 4, "MREMAP_DONTUNMAP" },
};

static const struct xlat mcl_x[] = {
	{ 1, "MCL_CURRENT" }, { 2, "MCL_FUTURE" }, { 4, "MCL_ONFAULT" },
};

static const struct xlat seal_x[] = {
	{ 0x1, "F_SEAL_SEAL" },	 { 0x2, "F_SEAL_SHRINK" },
	{ 0x4, "F_SEAL_GROW" },	 { 0x8, "F_SEAL_WRITE" },
	{ 0x10, "F_SEAL_FUTURE_WRITE" }, { 0x20, "F_SEAL_EXEC" },
};

static const struct xlat uffd_mode_x[] = {
	{ 1, "UFFDIO_REGISTER_MODE_MISSING" },
	{ 2, "UFFDIO_REGISTER_MODE_WP" },
	{ 4, "UFFDIO_REGISTER_MODE_MINOR" },
};

static const struct xlat uffd_feat_x[] = {
	{ 1u << 0, "UFFD_FEATURE_PAGEFAULT_FLAG_WP" },
	{ 1u << 1, "UFFD_FEATURE_EVENT_FORK" },
	{ 1u << 2, "UFFD_FEATURE_EVENT_REMAP" },
	{ 1u << 3, "UFFD_FEATURE_EVENT_REMOVE" },
	{ 1u << 4, "UFFD_FEATURE_MISSING_HUGETLBFS" },
	{ 1u << 5, "UFFD_FEATURE_MISSING_SHMEM" },
	{ 1u << 6, "UFFD_FEATURE_EVENT_UNMAP" },
	{ 1u << 7, "UFFD_FEATURE_SIGBUS" },
	{ 1u << 8, "UFFD_FEATURE_THREAD_ID" },
	{ 1u << 9, "UFFD_FEATURE_MINOR_HUGETLBFS" },
	{ 1u << 10, "UFFD_FEATURE_MINOR_SHMEM" },
	{ 1u << 11, "UFFD_FEATURE_EXACT_ADDRESS" },
	{ 1u << 12, "UFFD_FEATURE_WP_HUGETLBFS_SHMEM" },
};

static const struct xlat uffd_ioctl_x[] = {
	{ 1ull << 0, "1<<_UFFDIO_REGISTER" },
	{ 1ull << 1, "1<<_UFFDIO_UNREGISTER" },
	{ 1ull << 2, "1<<_UFFDIO_WAKE" },
	{ 1ull << 3, "1<<_UFFDIO_COPY" },
	{ 1ull << 4, "1<<_UFFDIO_ZEROPAGE" },
	{ 1ull << 6, "1<<_UFFDIO_WRITEPROTECT" },
	{ 1ull << 7, "1<<_UFFDIO_CONTINUE" },
	{ 1ull << 63, "1<<_UFFDIO_API" },
};

#define NX(x) (sizeof(x) / sizeof((x)[0]))

static const char *const madv_names[] = {
	[0] = "MADV_NORMAL",	     [1] = "MADV_RANDOM",
	[2] = "MADV_SEQUENTIAL",     [3] = "MADV_WILLNEED",
	[4] = "MADV_DONTNEED",	     [8] = "MADV_FREE",
	[9] = "MADV_REMOVE",	     [10] = "MADV_DONTFORK",
	[11] = "MADV_DOFORK",	     [12] = "MADV_MERGEABLE",
	[13] = "MADV_UNMERGEABLE",   [14] = "MADV_HUGEPAGE",
	[15] = "MADV_NOHUGEPAGE",    [16] = "MADV_DONTDUMP",
	[17] = "MADV_DODUMP",	     [18] = "MADV_WIPEONFORK",
	[19] = "MADV_KEEPONFORK",    [20] = "MADV_COLD",
	[21] = "MADV_PAGEOUT",	     [22] = "MADV_POPULATE_READ",
	[23] = "MADV_POPULATE_WRITE", [24] = "MADV_DONTNEED_LOCKED",
	[25] = "MADV_COLLAPSE",
};

static void advice_str(struct sb *b, int a)
{
	if (a >= 0 && (size_t)a < NX(madv_names) && madv_names[a])
		sb_add(b, "%s", madv_names[a]);
	else if (a == 100)
		sb_add(b, "MADV_HWPOISON");
	else if (a == 101)
		sb_add(b, "MADV_SOFT_OFFLINE");
	else
		sb_add(b, "%#x /* MADV_??? */", a);
}

static void mmap_flags_str(struct sb *b, int flags)
{
	int type = flags & 0xf;
	uint64_t rest = (uint64_t)(flags & ~0xf);

	switch (type) {
	case 1:
		sb_add(b, "MAP_SHARED");
		break;
	case 2:
		sb_add(b, "MAP_PRIVATE");
		break;
	case 3:
		sb_add(b, "MAP_SHARED_VALIDATE");
		break;
	default:
		sb_add(b, "%#x /* MAP_??? */", type);
		break;
	}
	if (rest) {
		sb_add(b, "|");
		flags_str(b, rest, map_x, NX(map_x), "0", "MAP_???");
	}
}

/* errno names strace prints; the message is strerror()'s. */
static const char *errno_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ETXTBSY: return "ETXTBSY";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ENOSYS: return "ENOSYS";
	case EOVERFLOW: return "EOVERFLOW";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EHWPOISON: return "EHWPOISON";
	default: return NULL;
	}
}

/* ---- lines ---- */

/* The result column: strace's " = " at column 40 when the call is short. */
static void pad(struct sb *b, size_t line_start)
{
	size_t col = b->n - line_start;

	if (b->oom)
		return;
	if (col < 40)
		sb_add(b, "%*s= ", (int)(40 - col), "");
	else
		sb_add(b, " = ");
}

/* result_fd() - a new descriptor's result with its -y annotation. */
static void result_fd(struct sb *b, size_t line_start, int fd, const char *fmt,
		      const char *arg)
{
	pad(b, line_start);
	sb_add(b, "%d", fd);
	sb_add(b, fmt, arg);
	sb_add(b, "\n");
}

static void result(struct sb *b, size_t line_start, int64_t r, bool hex)
{
	pad(b, line_start);
	if (r < 0 && r >= -4095) {
		const char *name = errno_name((int)-r);

		if (name)
			sb_add(b, "-1 %s (%s)\n", name, strerror((int)-r));
		else
			sb_add(b, "-1 E%d (%s)\n", (int)-r, strerror((int)-r));
	} else if (hex && r) {
		sb_add(b, "%#" PRIx64 "\n", (uint64_t)r);
	} else {
		sb_add(b, "%" PRId64 "\n", r);
	}
}

static void fd_str(struct sb *b, const struct kd_env *env,
		   const struct kd_setup *s, int which)
{
	switch (which) {
	case KD_FD_MEMFD:
		sb_add(b, "%d</memfd:kdiff>(deleted)", s->memfd);
		break;
	case KD_FD_FILE:
		sb_add(b, "%d<%s>", s->filefd, env->file_path);
		break;
	default:
		sb_add(b, "-1");
		break;
	}
}

static size_t prefix(struct sb *b, int32_t pid)
{
	size_t start = b->n;

	sb_add(b, "%-5d ", (int)pid);
	return start;
}

static void uffd_fd(struct sb *b, const struct kd_setup *s)
{
	sb_add(b, "%d<anon_inode:[userfaultfd]>", s->uffd);
}

static void setup_lines(struct sb *b, const struct kd_env *env,
			const struct kd_setup *s)
{
	size_t l;

	l = prefix(b, s->pid);
	sb_add(b, "memfd_create(\"kdiff\", MFD_ALLOW_SEALING)");
	result_fd(b, l, s->memfd, "%s", "</memfd:kdiff>(deleted)");
	l = prefix(b, s->pid);
	sb_add(b, "ftruncate(");
	fd_str(b, env, s, KD_FD_MEMFD);
	sb_add(b, ", %llu)", (unsigned long long)KD_FILE_SIZE);
	result(b, l, 0, false);
	l = prefix(b, s->pid);
	sb_add(b, "openat(AT_FDCWD<%s>, \"%s\", O_RDWR)", env->cwd ? env->cwd : "/",
	       env->file_path);
	result_fd(b, l, s->filefd, "<%s>", env->file_path);
	if (s->uffd < 0) {
		sb_add(b, "# no userfaultfd in this process\n");
		return;
	}
	l = prefix(b, s->pid);
	sb_add(b, "userfaultfd(UFFD_USER_MODE_ONLY|O_NONBLOCK|O_CLOEXEC)");
	result_fd(b, l, s->uffd, "%s", "<anon_inode:[userfaultfd]>");
	l = prefix(b, s->pid);
	sb_add(b, "ioctl(");
	uffd_fd(b, s);
	sb_add(b, ", UFFDIO_API, {api=0xaa, features=UFFD_FEATURE_SIGBUS => features=");
	flags_str(b, s->uffd_features, uffd_feat_x, NX(uffd_feat_x), "0",
		  "UFFD_FEATURE_???");
	sb_add(b, ", ioctls=1<<_UFFDIO_REGISTER|1<<_UFFDIO_UNREGISTER|1<<_UFFDIO_API})");
	result(b, l, 0, false);
}

static const char *code_name(int sig, int code)
{
	if (sig == 11)
		return code == 1 ? "SEGV_MAPERR" : code == 2 ? "SEGV_ACCERR" :
		       code == 3 ? "SEGV_BNDERR" : code == 4 ? "SEGV_PKUERR" :
		       "SI_KERNEL";
	return code == 1 ? "BUS_ADRALN" : code == 2 ? "BUS_ADRERR" :
	       code == 3 ? "BUS_OBJERR" : code == 4 ? "BUS_MCEERR_AR" :
	       "SI_KERNEL";
}

/* op_line() - one record as a trace line (or a comment for a skipped op). */
static void op_line(struct sb *b, const struct kd_env *env,
		    const struct kd_setup *s, const struct kd_op *op,
		    const struct kd_rec *rec)
{
	size_t l;

	if (rec->status == KD_SKIPPED) {
		sb_add(b, "# op %d skipped: not determined by the trace here\n",
		       (int)rec->index);
		return;
	}
	if (op->op == KD_FAULT) {
		if (rec->status == KD_SIGNAL) {
			/* strace shows "--- SIGSEGV {...} ---"; the directive
			 * also says which access it was, so the model can
			 * make the same fault (it may grow a stack first). */
			prefix(b, rec->pid);
			sb_add(b, "@fault %#" PRIx64 " %s %s\n", rec->addr,
			       op->prot ? "write" : "read",
			       rec->sig == 11 ? code_name(rec->sig, rec->code) :
			       "SIGBUS");
			return;
		}
		prefix(b, rec->pid);
		sb_add(b, "@fault %#" PRIx64 " %s\n", rec->addr,
		       op->prot ? "write" : "read");
		return;
	}
	l = prefix(b, rec->pid);
	switch (op->op) {
	case KD_MMAP:
		if (rec->addr)
			sb_add(b, "mmap(%#" PRIx64 ", ", rec->addr);
		else
			sb_add(b, "mmap(NULL, ");
		sb_add(b, "%" PRIu64 ", ", op->len);
		flags_str(b, (uint32_t)op->prot, prot_x, NX(prot_x), "PROT_NONE",
			  "PROT_???");
		sb_add(b, ", ");
		mmap_flags_str(b, op->flags);
		sb_add(b, ", ");
		fd_str(b, env, s, (op->flags & MAP_ANONYMOUS) ? KD_FD_NONE : op->fd);
		if (op->off)
			sb_add(b, ", %#" PRIx64 ")", op->off);
		else
			sb_add(b, ", 0)");
		result(b, l, rec->ret, true);
		return;
	case KD_MREMAP:
		sb_add(b, "mremap(%#" PRIx64 ", %" PRIu64 ", %" PRIu64 ", ",
		       rec->addr, op->len, op->nlen);
		flags_str(b, (uint32_t)op->flags, mremap_x, NX(mremap_x), "0",
			  "MREMAP_???");
		if (op->flags & MREMAP_FIXED)
			sb_add(b, ", %#" PRIx64, rec->naddr);
		sb_add(b, ")");
		result(b, l, rec->ret, true);
		return;
	case KD_FORK:
		sb_add(b, "fork()");
		result(b, l, rec->ret, false);
		return;
	case KD_SEAL:
		sb_add(b, "fcntl(");
		fd_str(b, env, s, KD_FD_MEMFD);
		sb_add(b, ", F_ADD_SEALS, ");
		flags_str(b, (uint32_t)op->prot, seal_x, NX(seal_x), "0",
			  "F_SEAL_???");
		sb_add(b, ")");
		result(b, l, rec->ret, false);
		return;
	case KD_MLOCKALL:
		sb_add(b, "mlockall(");
		flags_str(b, (uint32_t)op->prot, mcl_x, NX(mcl_x), "0", "MCL_???");
		sb_add(b, ")");
		result(b, l, rec->ret, false);
		return;
	case KD_MUNLOCKALL:
		sb_add(b, "munlockall()");
		result(b, l, rec->ret, false);
		return;
	case KD_FTRUNC:
		sb_add(b, "ftruncate(");
		fd_str(b, env, s, KD_FD_MEMFD);
		sb_add(b, ", %" PRIu64 ")", op->len);
		result(b, l, rec->ret, false);
		return;
	case KD_UFFD_REGISTER:
		sb_add(b, "ioctl(");
		uffd_fd(b, s);
		sb_add(b, ", UFFDIO_REGISTER, {range={start=%#" PRIx64
		       ", len=%#" PRIx64 "}, mode=", rec->addr, op->len);
		flags_str(b, (uint32_t)op->prot, uffd_mode_x, NX(uffd_mode_x),
			  "0", "UFFDIO_REGISTER_MODE_???");
		if (rec->ret == 0) {
			sb_add(b, ", ioctls=");
			flags_str(b, rec->extra, uffd_ioctl_x, NX(uffd_ioctl_x),
				  "0", "UFFDIO_???");
		}
		sb_add(b, "})");
		result(b, l, rec->ret, false);
		return;
	case KD_UFFD_UNREGISTER:
		sb_add(b, "ioctl(");
		uffd_fd(b, s);
		sb_add(b, ", UFFDIO_UNREGISTER, {start=%#" PRIx64 ", len=%#" PRIx64 "})",
		       rec->addr, op->len);
		result(b, l, rec->ret, false);
		return;
	default:
		break;
	}
	switch (op->op) {
	case KD_MUNMAP:
		sb_add(b, "munmap(%#" PRIx64 ", %" PRIu64 ")", rec->addr, op->len);
		break;
	case KD_MPROTECT:
		sb_add(b, "mprotect(%#" PRIx64 ", %" PRIu64 ", ", rec->addr, op->len);
		flags_str(b, (uint32_t)op->prot, prot_x, NX(prot_x), "PROT_NONE",
			  "PROT_???");
		sb_add(b, ")");
		break;
	case KD_MADVISE:
		sb_add(b, "madvise(%#" PRIx64 ", %" PRIu64 ", ", rec->addr, op->len);
		advice_str(b, op->prot);
		sb_add(b, ")");
		break;
	case KD_MLOCK:
		sb_add(b, "mlock(%#" PRIx64 ", %" PRIu64 ")", rec->addr, op->len);
		break;
	case KD_MLOCK2:
		sb_add(b, "mlock2(%#" PRIx64 ", %" PRIu64 ", %s)", rec->addr,
		       op->len, op->prot == 1 ? "MLOCK_ONFAULT" :
		       op->prot == 0 ? "0" : "0x2");
		break;
	case KD_MUNLOCK:
		sb_add(b, "munlock(%#" PRIx64 ", %" PRIu64 ")", rec->addr, op->len);
		break;
	case KD_MSEAL:
		sb_add(b, "mseal(%#" PRIx64 ", %" PRIu64 ", %s)", rec->addr,
		       op->len, op->prot ? "0x1" : "0");
		break;
	default:
		sb_add(b, "# unknown op %d", (int)op->op);
		break;
	}
	result(b, l, rec->ret, false);
}

char *kd_format_trace(const struct kd_env *env, const struct kd_op *ops,
		      const struct kd_live *l, size_t *len)
{
	struct sb b = { 0 };

	setup_lines(&b, env, &l->setup);
	for (size_t i = 0; i < l->nrecs; i++) {
		const struct kd_rec *r = &l->recs[i];

		op_line(&b, env, &l->setup, &ops[r->index], r);
	}
	return sb_done(&b, len);
}

/* ---- the comparison's view of smaps ---- */

/* is_header() - a VMA line: "start-end perms ..." in lower-case hex. */
static bool is_header(const char *l, uint64_t *s, uint64_t *e)
{
	char *p;

	*s = strtoull(l, &p, 16);
	if (p == l || *p != '-')
		return false;
	*e = strtoull(p + 1, &p, 16);
	return *p == ' ';
}

/*
 * header_view() - "start-end perms offset 00:00 0 name": device and inode
 * of files become 00:00 0 (the model cannot know them), and the name
 * follows one space.
 */
static void header_view(struct sb *b, const char *l, size_t n)
{
	char range[64], perms[8], off[32], dev[32], ino[32];
	int used = 0;
	const char *name;

	if (sscanf(l, "%63s %7s %31s %31s %31s%n", range, perms, off, dev, ino,
		   &used) != 5) {
		sb_add(b, "%.*s\n", (int)n, l);
		return;
	}
	name = l + used;
	while (name < l + n && *name == ' ')
		name++;
	if (strcmp(ino, "0") != 0) {
		strcpy(dev, "00:00");
		strcpy(ino, "0");
	}
	sb_add(b, "%s %s %s %s %s", range, perms, off, dev, ino);
	if (name < l + n)
		sb_add(b, " %.*s", (int)(l + n - name), name);
	sb_add(b, "\n");
}

static char *view(enum kd_mode mode, const char *smaps, bool flags)
{
	struct sb b = { 0 };
	const char *l = smaps;
	bool keep = false;

	while (l && *l) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		uint64_t s, t;

		if (is_header(l, &s, &t)) {
			keep = mode != KD_WINDOW ||
			       (s >= KD_WINDOW_BASE && t <= KD_WINDOW_END);
			if (keep)
				header_view(&b, l, n);
		} else if (keep && flags && strncmp(l, "VmFlags:", 8) == 0) {
			sb_add(&b, "%.*s\n", (int)n, l);
		}
		l = e ? e + 1 : NULL;
	}
	return sb_done(&b, NULL);
}

char *kd_smaps_view(enum kd_mode mode, const char *smaps)
{
	return view(mode, smaps, true);
}

char *kd_expect_view(enum kd_mode mode, const char *smaps)
{
	struct sb b = { 0 };
	const char *l = smaps;
	bool keep = false;

	while (l && *l) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		uint64_t s, t;

		if (is_header(l, &s, &t)) {
			char range[64], perms[8], off[32], dev[32], ino[32];
			int used = 0;

			/* the window, and the gate VMA every maps ends with */
			keep = mode != KD_WINDOW ||
			       (s >= KD_WINDOW_BASE && t <= KD_WINDOW_END) ||
			       s >= 0xffffffffff600000ull;
			if (keep && sscanf(l, "%63s %7s %31s %31s %31s%n", range,
					   perms, off, dev, ino, &used) == 5) {
				const char *name = l + used;
				bool file = strcmp(ino, "0") != 0;

				while (name < l + n && *name == ' ')
					name++;
				sb_add(&b, "%s %s %s %s %s", range, perms, off,
				       file ? "*" : dev, file ? "*" : ino);
				if (name < l + n)
					sb_add(&b, " %.*s", (int)(l + n - name), name);
				sb_add(&b, "\n");
			}
		} else if (keep && strncmp(l, "VmFlags:", 8) == 0) {
			sb_add(&b, "%.*s\n", (int)n, l);
		}
		l = e ? e + 1 : NULL;
	}
	return sb_done(&b, NULL);
}
