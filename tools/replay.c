/* SPDX-License-Identifier: MIT */
/*
 * replay.c - the trace replay engine (contract: replay.h; grammar and
 * semantics: docs/replay.md).
 *
 * A replay keeps processes (pid -> address space + descriptor table) and
 * applies each line of an strace -f -y log, or of a hand-written scenario,
 * to the process that made the call.  Lines are parsed in place: the only
 * copies are an unfinished call's first part (to join it with its
 * "resumed" part) and @expect blocks.  Address spaces are shared by
 * CLONE_VM children and descriptor tables by CLONE_FILES children, each
 * with a reference count.
 *
 * Follow mode (not --strict): where the kernel chose an address that the
 * model did not (non-fixed mmap, moving mremap), the model's choice is
 * undone and the call applied again at the recorded address
 * (MAP_FIXED_NOREPLACE / MREMAP_FIXED), so later lines see the kernel's
 * layout.
 *
 * All memory comes from the library allocator (src/shim/alloc.h), so the
 * fault-injection and leak counters cover the engine too; running out of
 * memory is reported as -ENOMEM, never a crash.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/sysmacros.h>

#include "cli.h"
#include "replay.h"
#include "replay_int.h"
#include "shim/alloc.h"

#define RP_MAXARGS 8
#define RP_MAX_REPORTED 10	/* mismatches printed one by one (follow mode) */

/* An address space, shared by the processes of one thread group. */
struct rp_mm {
	unsigned long refs;
	struct uvma_mm *mm;
};

/* A userfaultfd: its context is made at the first UFFDIO_REGISTER. */
struct rp_uffd {
	unsigned long refs;
	struct rp_mm *mm;		/* the address space that opened it */
	struct uvma_uffd *ctx;
	uint64_t features;		/* from UFFDIO_API */
};

struct rp_fd {
	struct uvma_file *file;		/* an open file, or */
	struct rp_uffd *uffd;		/* a userfaultfd */
	bool cloexec;
};

/* A descriptor table, shared by CLONE_FILES processes. */
struct rp_fdt {
	unsigned long refs;
	struct rp_fd *v;
	size_t n;			/* entries of v */
};

struct rp_proc {
	long pid;			/* 0: not known yet (lines without pid) */
	bool dead;
	struct rp_mm *mm;
	struct rp_fdt *fdt;
	/* an unfinished call: its first part, kept to join the resumed one */
	char *pend;
	size_t pend_len, pend_cap;
	unsigned int pend_line, pend_col;
	bool pend_clone;		/* it is clone/clone3/fork/vfork */
	uint64_t pend_clone_flags;
	long pend_child;		/* child created before the call resumed */
	bool pend_applied;		/* a munmap applied before it resumed */
	int64_t pend_model;		/* ... and what the model returned */
};

/* Where a piece of the line being parsed came from, for LINE:COLUMN. */
struct rp_seg {
	const char *p, *e;
	unsigned int line, col;		/* of p */
};

struct replay {
	struct replay_options o;
	char *initial_text, *exec_text;	/* snapshot texts */
	size_t initial_len, exec_len;
	struct rp_proc **procs;		/* every process, in creation order */
	size_t nprocs, procs_cap;
	struct rp_proc **hash;		/* pid -> process (pid != 0), linear probing */
	size_t hash_cap;
	struct rp_proc *main;		/* the first process: lines without pid */
	struct rp_proc *last;		/* the process of the last applied line */
	unsigned long mismatches;
	unsigned long reported;
	int nomem;			/* -ENOMEM seen */
	/* the trace being fed */
	const char *name;
	unsigned int line;
	int status;
	bool early;			/* the call resuming was applied early */
	int64_t early_model;		/* its result then */
	struct rp_seg seg[2];
	int nseg;
	/* the error of the current line, kept until it is printed */
	bool bad;
	/* line assembly (replay_feed) */
	char *buf;
	size_t buf_cap;
	/* joined unfinished/resumed call */
	char *join;
	size_t join_cap;
	/* a line cut by strace's "Process N attached" note (terminal logs) */
	char *carry;
	size_t carry_len, carry_cap;
	unsigned int carry_line;
	/* @expect ... @end */
	bool in_expect;
	unsigned int expect_line;
	struct rp_proc *expect_proc;
	char *exp;
	size_t exp_len, exp_cap;
};

/* One call being applied. */
struct rp_call {
	struct rp_proc *proc;
	const char *name;		/* for events and messages */
	size_t name_len;
	const char *lparen;
	struct rp_span a[RP_MAXARGS];
	size_t n;
	bool has_result;
	int64_t recorded;
	struct rp_span rann;		/* -y annotation of the result */
	bool is_addr;			/* print results in hex */
};

/* ------------------------------------------------------------------ */
/* memory                                                              */

static void *rp_alloc(struct replay *r, size_t size)
{
	void *p = uvma__calloc(size);

	if (!p)
		r->nomem = -ENOMEM;
	return p;
}

/* rp_reserve() - grow *@buf (capacity *@cap) to hold @need bytes. */
static bool rp_reserve(struct replay *r, char **buf, size_t *cap, size_t need)
{
	size_t ncap;
	char *nb;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap : 256;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return r->nomem = -ENOMEM, false;
		ncap *= 2;
	}
	nb = uvma__malloc(ncap);
	if (!nb)
		return r->nomem = -ENOMEM, false;
	if (*cap)
		memcpy(nb, *buf, *cap);
	uvma__free(*buf, *cap);
	*buf = nb;
	*cap = ncap;
	return true;
}

/* ------------------------------------------------------------------ */
/* messages                                                            */

/* rp_where() - LINE and COLUMN of @pos in the line being parsed. */
static void rp_where(const struct replay *r, const char *pos,
		     unsigned int *line, unsigned int *col)
{
	const struct rp_seg *s = &r->seg[0];

	for (int i = 0; i < r->nseg; i++) {
		s = &r->seg[i];
		if (pos >= s->p && pos <= s->e && (pos < s->e || i == r->nseg - 1))
			break;
	}
	if (pos < s->p || pos > s->e)
		pos = s->e;
	*line = s->line;
	*col = s->col + (unsigned int)(pos - s->p);
}

/* rp_bad() - malformed input at @pos: report once, stop with status 2. */
__attribute__((format(printf, 3, 4)))
static void rp_bad(struct replay *r, const char *pos, const char *fmt, ...)
{
	unsigned int line, col;
	va_list ap;

	if (r->bad)
		return;
	r->bad = true;
	r->status = UVMA_EXIT_BADINPUT;
	rp_where(r, pos, &line, &col);
	fprintf(r->o.err, "%s:%u:%u: ", r->name, line, col);
	va_start(ap, fmt);
	vfprintf(r->o.err, fmt, ap);
	va_end(ap);
	fputc('\n', r->o.err);
}

static void fmt_result(char *buf, size_t size, int64_t v, bool is_addr)
{
	if (v < 0 && v >= -4095) {
		const char *n = rp_errno_name((int)-v);

		if (n)
			snprintf(buf, size, "-1 %s", n);
		else
			snprintf(buf, size, "-1 errno %d", (int)-v);
	} else if (is_addr) {
		snprintf(buf, size, "%#" PRIx64, (uint64_t)v);
	} else {
		snprintf(buf, size, "%" PRId64, v);
	}
}

/* ------------------------------------------------------------------ */
/* processes, address spaces, descriptor tables                        */

static void mm_put(struct rp_mm *m)
{
	if (m && --m->refs == 0) {
		uvma_mm_destroy(m->mm);
		uvma__free(m, sizeof(*m));
	}
}

static struct rp_mm *mm_wrap(struct replay *r, struct uvma_mm *mm)
{
	struct rp_mm *m = rp_alloc(r, sizeof(*m));

	if (!m) {
		uvma_mm_destroy(mm);
		return NULL;
	}
	m->refs = 1;
	m->mm = mm;
	return m;
}

/*
 * mm_new() - a fresh address space: empty, or imported from a snapshot
 * text.  Returns NULL (reported) on failure.
 */
static struct rp_mm *mm_new(struct replay *r, const char *text, size_t len,
			    const char *what)
{
	struct uvma_mm *mm = NULL;
	size_t eline = 0;
	int err;

	if (text)
		err = uvma_import(&r->o.config, text, len, &mm, &eline);
	else
		err = uvma_mm_create(&r->o.config, &mm);
	if (err == -ENOMEM) {
		r->nomem = err;
		return NULL;
	}
	if (err) {
		if (text)
			fprintf(r->o.err, "%s:%zu: not a maps or smaps line\n",
				what, eline);
		else
			fprintf(r->o.err, "uvma replay: bad configuration (%s)\n",
				strerror(-err));
		r->status = UVMA_EXIT_BADINPUT;
		return NULL;
	}
	return mm_wrap(r, mm);
}

static void uffd_put(struct rp_uffd *u)
{
	if (u && --u->refs == 0) {
		uvma_uffd_close(u->ctx);
		mm_put(u->mm);
		uvma__free(u, sizeof(*u));
	}
}

static void fd_clear(struct rp_fd *f)
{
	uvma_file_unref(f->file);
	uffd_put(f->uffd);
	*f = (struct rp_fd){ 0 };
}

static void fdt_put(struct rp_fdt *t)
{
	if (t && --t->refs == 0) {
		for (size_t i = 0; i < t->n; i++)
			fd_clear(&t->v[i]);
		uvma__free(t->v, t->n * sizeof(*t->v));
		uvma__free(t, sizeof(*t));
	}
}

static struct rp_fdt *fdt_new(struct replay *r)
{
	struct rp_fdt *t = rp_alloc(r, sizeof(*t));

	if (t)
		t->refs = 1;
	return t;
}

/* fdt_copy() - a private copy of @t (fork without CLONE_FILES). */
static struct rp_fdt *fdt_copy(struct replay *r, const struct rp_fdt *t)
{
	struct rp_fdt *c = fdt_new(r);

	if (!c || !t->n)
		return c;
	c->v = rp_alloc(r, t->n * sizeof(*c->v));
	if (!c->v) {
		uvma__free(c, sizeof(*c));
		return NULL;
	}
	c->n = t->n;
	for (size_t i = 0; i < t->n; i++) {
		c->v[i] = t->v[i];
		if (c->v[i].file)
			uvma_file_ref(c->v[i].file);
		if (c->v[i].uffd)
			c->v[i].uffd->refs++;
	}
	return c;
}

/* fdt_slot() - the entry for @fd, growing the table; NULL if bad or OOM. */
static struct rp_fd *fdt_slot(struct replay *r, struct rp_fdt *t, int64_t fd)
{
	size_t n;
	struct rp_fd *v;

	if (fd < 0 || fd >= (1 << 20))	/* more than any RLIMIT_NOFILE here */
		return NULL;
	if ((size_t)fd < t->n)
		return &t->v[fd];
	n = t->n ? t->n : 16;
	while (n <= (size_t)fd)
		n *= 2;
	v = rp_alloc(r, n * sizeof(*v));
	if (!v)
		return NULL;
	if (t->n)
		memcpy(v, t->v, t->n * sizeof(*v));
	uvma__free(t->v, t->n * sizeof(*v));
	t->v = v;
	t->n = n;
	return &t->v[fd];
}

static struct rp_fd *fdt_get(struct rp_fdt *t, int64_t fd)
{
	if (fd < 0 || (size_t)fd >= t->n)
		return NULL;
	if (!t->v[fd].file && !t->v[fd].uffd)
		return NULL;
	return &t->v[fd];
}

static void proc_release(struct rp_proc *p)
{
	mm_put(p->mm);
	fdt_put(p->fdt);
	p->mm = NULL;
	p->fdt = NULL;
}

static void proc_free(struct rp_proc *p)
{
	proc_release(p);
	uvma__free(p->pend, p->pend_cap);
	uvma__free(p, sizeof(*p));
}

static size_t hash_pid(long pid, size_t cap)
{
	return ((uint64_t)pid * 0x9e3779b97f4a7c15ull >> 17) & (cap - 1);
}

static bool hash_insert(struct replay *r, struct rp_proc *p);

static bool hash_grow(struct replay *r)
{
	size_t cap = r->hash_cap ? r->hash_cap * 2 : 64;
	struct rp_proc **old = r->hash;
	size_t ocap = r->hash_cap;

	r->hash = rp_alloc(r, cap * sizeof(*r->hash));
	if (!r->hash) {
		r->hash = old;
		return false;
	}
	r->hash_cap = cap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i])
			hash_insert(r, old[i]);
	uvma__free(old, ocap * sizeof(*old));
	return true;
}

static bool hash_insert(struct replay *r, struct rp_proc *p)
{
	size_t i;

	if ((r->nprocs + 1) * 2 > r->hash_cap && !hash_grow(r))
		return false;
	for (i = hash_pid(p->pid, r->hash_cap); r->hash[i];
	     i = (i + 1) & (r->hash_cap - 1))
		;
	r->hash[i] = p;
	return true;
}

static struct rp_proc *proc_find(struct replay *r, long pid)
{
	if (!r->hash_cap)
		return NULL;
	for (size_t i = hash_pid(pid, r->hash_cap); r->hash[i];
	     i = (i + 1) & (r->hash_cap - 1))
		if (r->hash[i]->pid == pid)
			return r->hash[i];
	return NULL;
}

/* proc_add() - a new process record for @pid owning @mm and @fdt. */
static struct rp_proc *proc_add(struct replay *r, long pid, struct rp_mm *mm,
				struct rp_fdt *fdt)
{
	struct rp_proc *p = NULL;

	if (!mm || !fdt)
		goto fail;
	if (r->nprocs == r->procs_cap) {
		size_t cap = r->procs_cap ? r->procs_cap * 2 : 16;
		struct rp_proc **v = rp_alloc(r, cap * sizeof(*v));

		if (!v)
			goto fail;
		if (r->nprocs)
			memcpy(v, r->procs, r->nprocs * sizeof(*v));
		uvma__free(r->procs, r->procs_cap * sizeof(*v));
		r->procs = v;
		r->procs_cap = cap;
	}
	p = rp_alloc(r, sizeof(*p));
	if (!p)
		goto fail;
	p->pid = pid;
	p->mm = mm;
	p->fdt = fdt;
	if (pid && !hash_insert(r, p)) {
		uvma__free(p, sizeof(*p));
		goto fail;
	}
	r->procs[r->nprocs++] = p;
	if (!r->main)
		r->main = p;
	return p;
fail:
	mm_put(mm);
	fdt_put(fdt);
	return NULL;
}

/* proc_replace() - @p becomes a new process with @mm and @fdt (pid reuse). */
static struct rp_proc *proc_replace(struct rp_proc *p, struct rp_mm *mm,
				    struct rp_fdt *fdt)
{
	if (!mm || !fdt) {
		mm_put(mm);
		fdt_put(fdt);
		return NULL;
	}
	proc_release(p);
	p->mm = mm;
	p->fdt = fdt;
	p->dead = false;
	p->pend_len = 0;
	p->pend_clone = false;
	p->pend_child = 0;
	return p;
}

/* main_process() - the first process, made on demand (from --initial). */
static struct rp_proc *main_process(struct replay *r, long pid)
{
	struct rp_mm *mm;

	if (r->main)
		return r->main;
	mm = mm_new(r, r->initial_text, r->initial_len, r->o.initial);
	if (!mm)
		return NULL;
	return proc_add(r, pid, mm, fdt_new(r));
}

static struct rp_proc *spawn_child(struct replay *r, struct rp_proc *parent,
				   long pid, uint64_t flags);

/*
 * process_for() - the process a line prefixed with @pid belongs to (0: no
 * prefix).  An unknown pid is the child of a clone still in progress
 * (strace often shows the child's first calls before the parent's clone
 * returns), else the first process if it has no pid yet, else a new
 * process with an empty address space.
 */
static struct rp_proc *process_for(struct replay *r, long pid)
{
	struct rp_proc *p;

	if (r->last && r->last->pid == pid && (pid || r->last == r->main))
		return r->last;
	if (pid == 0)
		return main_process(r, 0);
	p = proc_find(r, pid);
	if (p && !p->dead)
		return p;
	for (size_t i = r->nprocs; i-- > 0;) {
		struct rp_proc *q = r->procs[i];

		if (q->pend_clone && !q->pend_child && !q->dead) {
			q->pend_child = pid;
			return spawn_child(r, q, pid, q->pend_clone_flags);
		}
	}
	if (p) {		/* a line after its exit: keep using it */
		p->dead = false;
		return p;
	}
	if (!r->main)
		return main_process(r, pid);
	if (r->main->pid == 0) {
		r->main->pid = pid;
		if (!hash_insert(r, r->main))
			return NULL;
		return r->main;
	}
	return proc_add(r, pid, mm_new(r, NULL, 0, NULL), fdt_new(r));
}

#define CLONE_VM_	0x100
#define CLONE_FILES_	0x400
#define CLONE_VFORK_	0x4000

/* spawn_child() - the child of a fork/clone of @parent with @flags. */
static struct rp_proc *spawn_child(struct replay *r, struct rp_proc *parent,
				   long pid, uint64_t flags)
{
	struct rp_mm *mm = NULL;
	struct rp_fdt *fdt;
	struct rp_proc *old;

	if (flags & CLONE_VM_) {
		mm = parent->mm;
		mm->refs++;
	} else {
		struct uvma_mm *child;
		int err = uvma_fork(parent->mm->mm, &child);

		if (err) {
			r->nomem = err;
			return NULL;
		}
		mm = mm_wrap(r, child);
	}
	if (flags & CLONE_FILES_) {
		fdt = parent->fdt;
		fdt->refs++;
	} else {
		fdt = fdt_copy(r, parent->fdt);
	}
	old = proc_find(r, pid);
	if (old)
		return proc_replace(old, mm, fdt);
	return proc_add(r, pid, mm, fdt);
}

/* ------------------------------------------------------------------ */
/* results and events                                                  */

static void emit(struct replay *r, struct rp_call *c, const char *call,
		 int64_t model, bool mismatch)
{
	struct replay_event ev;

	r->last = c->proc;
	if (!r->o.on_event)
		return;
	ev = (struct replay_event){
		.file = r->name,
		.line = r->seg[0].line,
		.pid = c->proc->pid,
		.call = call,
		.has_result = c->has_result,
		.recorded = c->recorded,
		.model = model,
		.mismatch = mismatch,
		.mm = c->proc->mm ? c->proc->mm->mm : NULL,
	};
	r->o.on_event(r->o.ctx, &ev);
}

/*
 * settle() - compare the model's result with the recorded one.  Returns
 * true if they differ; in --strict mode the first difference ends the run
 * (status 1).
 */
static bool settle(struct replay *r, struct rp_call *c, int64_t model)
{
	char want[48], got[48];

	if (!c->has_result || c->recorded == model)
		return false;
	r->mismatches++;
	fmt_result(want, sizeof(want), c->recorded, c->is_addr);
	fmt_result(got, sizeof(got), model, c->is_addr);
	if (r->o.strict) {
		fprintf(r->o.err, "%s:%u: expected %s, model returned %s\n",
			r->name, r->seg[0].line, want, got);
		r->status = UVMA_EXIT_FAIL;
	} else if (r->reported++ < RP_MAX_REPORTED) {
		fprintf(r->o.err, "%s:%u: %.*s: expected %s, model returned %s%s\n",
			r->name, r->seg[0].line, (int)c->name_len, c->name,
			want, got, " (following the trace)");
	}
	return true;
}

/* finish() - settle, then report the event. */
static void finish(struct replay *r, struct rp_call *c, const char *call,
		   int64_t model)
{
	bool mismatch = settle(r, c, model);

	emit(r, c, call, model, mismatch);
}

/* ------------------------------------------------------------------ */
/* argument helpers                                                    */

static bool arg_num(struct replay *r, struct rp_span s, uint64_t *v)
{
	const char *p = s.p;

	if (s.e - s.p == 4 && memcmp(s.p, "NULL", 4) == 0) {
		*v = 0;
		return true;
	}
	if (p < s.e && *p == '-') {
		int64_t x;

		if (rp_snumber(&p, s.e, &x) && p == s.e) {
			*v = (uint64_t)x;
			return true;
		}
	} else if (rp_number(&p, s.e, v)) {
		p = rp_skip_space(p, s.e);
		/* a number may carry an explanatory comment */
		if (p < s.e && *p == '/') {
			bool bad = false;

			p = rp_skip_space(rp_skip_comment(p, s.e, &bad), s.e);
			if (bad)
				p = s.p;
		}
		if (p == s.e)
			return true;
	}
	rp_bad(r, s.p, "expected a number");
	return false;
}

static bool arg_flags(struct replay *r, struct rp_span s, enum rp_table t,
		      uint64_t *v)
{
	const char *why;
	const char *at = rp_flags(s, t, v, &why);

	if (at) {
		rp_bad(r, at, "%s", why);
		return false;
	}
	return true;
}

static bool want_args(struct replay *r, struct rp_call *c, size_t lo, size_t hi)
{
	if (c->n >= lo && c->n <= hi)
		return true;
	if (lo == hi)
		rp_bad(r, c->lparen, "%.*s: expected %zu argument%s, found %zu",
		       (int)c->name_len, c->name, lo, lo == 1 ? "" : "s", c->n);
	else
		rp_bad(r, c->lparen, "%.*s: expected %zu to %zu arguments, found %zu",
		       (int)c->name_len, c->name, lo, hi, c->n);
	return false;
}

/* ------------------------------------------------------------------ */
/* files                                                               */

/* stat_desc() - device, inode and size of @path if it exists here. */
static void stat_desc(struct uvma_file_desc *d, const char *path)
{
	struct stat st;
	struct statfs sf;

	if (path[0] == '/' && stat(path, &st) == 0) {
		d->dev_major = major(st.st_dev);
		d->dev_minor = minor(st.st_dev);
		d->ino = st.st_ino;
		d->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
		if (S_ISCHR(st.st_mode) || S_ISDIR(st.st_mode))
			d->flags |= UVMA_FILE_NO_MMAP * S_ISDIR(st.st_mode);
		/* ext4 places mappings of 2 MiB and more with
		 * thp_get_unmapped_area() (checked live by kdiff). */
		if (statfs(path, &sf) == 0 && sf.f_type == 0xEF53)
			d->flags |= UVMA_FILE_THP_ALIGN;
		return;
	}
	/* Synthetic: a device no disk has, an inode from the path. */
	{
		uint64_t h = 1469598103934665603ull;

		for (const char *p = path; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		d->dev_major = 0;
		d->dev_minor = 0;
		d->ino = (h % 1000000007ull) + 1;
		d->size = UINT64_MAX / 2;	/* unknown: never past EOF */
	}
}

/*
 * file_open() - a new open file for @path (a trace's bytes, @len long)
 * with @oflags.  "/memfd:NAME" and " (deleted)" are understood.
 */
static struct uvma_file *file_open(struct replay *r, const char *path,
				   size_t len, int oflags, bool deleted)
{
	char name[4096];
	struct uvma_file_desc d = { 0 };
	struct uvma_file *f = NULL;
	int err;

	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, path, len);
	name[len] = '\0';
	if (len > 10 && strcmp(name + len - 10, " (deleted)") == 0) {
		name[len - 10] = '\0';
		deleted = true;
	}
	if (strncmp(name, "/memfd:", 7) == 0) {
		err = uvma_memfd_create(name + 7, 0, &f);
		if (err == -EINVAL)	/* a name the kernel would not make */
			err = uvma_memfd_create("?", 0, &f);
		if (err)
			r->nomem = err;
		return f;
	}
	d.path = name;
	d.open_flags = oflags & (UVMA_O_RDWR | UVMA_O_WRONLY | UVMA_O_APPEND);
	if ((d.open_flags & 3) == 3)
		d.open_flags &= ~3;
	stat_desc(&d, name);
	if (deleted)
		d.flags |= UVMA_FILE_DELETED;
	err = uvma_file_create(&d, &f);
	if (err)
		r->nomem = err;
	return f;
}

/*
 * fd_lookup() - the open file (or uffd) behind descriptor argument @s of
 * @p: the table's entry, or a file made from the -y annotation (which
 * also wins when the table disagrees: a close the trace did not show).
 * *@fd receives the number.  Returns NULL for an unknown descriptor
 * without annotation (not an error) or on a parse error (r->bad).
 */
static struct rp_fd *fd_lookup(struct replay *r, struct rp_proc *p,
			       struct rp_span s, int64_t *fd)
{
	struct rp_span ann;
	bool deleted;
	struct rp_fd *e;

	if (!rp_fd(s, fd, &ann, &deleted)) {
		rp_bad(r, s.p, "expected a file descriptor");
		return NULL;
	}
	e = fdt_get(p->fdt, *fd);
	if (ann.p == ann.e)
		return e;
	if (ann.e - ann.p == 24 && memcmp(ann.p, "anon_inode:[userfaultfd]", 24) == 0) {
		if (e && e->uffd)
			return e;
		e = fdt_slot(r, p->fdt, *fd);
		if (!e)
			return NULL;
		fd_clear(e);
		e->uffd = rp_alloc(r, sizeof(*e->uffd));
		if (!e->uffd)
			return NULL;
		e->uffd->refs = 1;
		e->uffd->mm = p->mm;
		p->mm->refs++;
		return e;
	}
	if (e && e->file) {
		const char *path = uvma_file_path(e->file);
		size_t n = strlen(path);
		size_t alen = (size_t)(ann.e - ann.p);

		/* same name (memfds print as "/memfd:x (deleted)") */
		if (alen >= n && memcmp(ann.p, path, n) == 0 &&
		    (alen == n || (alen == n + 10 &&
				   memcmp(ann.p + n, " (deleted)", 10) == 0)))
			return e;
	}
	if (ann.e - ann.p >= 1 && ann.p[0] != '/')
		return e;	/* pipe:[..], socket:[..]: nothing to map */
	e = fdt_slot(r, p->fdt, *fd);
	if (!e)
		return NULL;
	fd_clear(e);
	e->file = file_open(r, ann.p, (size_t)(ann.e - ann.p), UVMA_O_RDWR,
			    deleted);
	return e->file ? e : NULL;
}

/*
 * fd_install() - @fd of @p now holds @f (its reference moves in).
 * Returns false if @fd has no slot (out of range, or no memory): then @f
 * and @u were dropped and must not be used.
 */
static bool fd_install(struct replay *r, struct rp_proc *p, int64_t fd,
		       struct uvma_file *f, struct rp_uffd *u, bool cloexec)
{
	struct rp_fd *e = fdt_slot(r, p->fdt, fd);

	if (!e) {
		uvma_file_unref(f);
		uffd_put(u);
		return false;
	}
	fd_clear(e);
	e->file = f;
	e->uffd = u;
	e->cloexec = cloexec;
	return true;
}

/* ------------------------------------------------------------------ */
/* the memory calls                                                    */

#define MAP_FIXED_	0x10
#define MAP_ANON_	0x20
#define MAP_NOREPLACE_	0x100000
#define MREMAP_MAYMOVE_	1
#define MREMAP_FIXED_	2
#define MREMAP_DONTUNMAP_ 4

static bool is_err(int64_t v)
{
	return v < 0 && v >= -4095;
}

static bool early_munmaps(struct replay *r, struct rp_proc *self,
			  uint64_t addr, uint64_t len);

static void do_mmap(struct replay *r, struct rp_call *c)
{
	uint64_t addr, len, prot, flags, off;
	struct uvma_mm *mm = c->proc->mm->mm;
	struct uvma_file *file = NULL;
	int64_t fd, model;
	bool fixed;

	c->is_addr = true;
	if (!want_args(r, c, 6, 6) || !arg_num(r, c->a[0], &addr) ||
	    !arg_num(r, c->a[1], &len) || !arg_flags(r, c->a[2], RP_T_PROT, &prot) ||
	    !arg_flags(r, c->a[3], RP_T_MAP, &flags))
		return;
	{
		struct rp_fd *e = fd_lookup(r, c->proc, c->a[4], &fd);

		if (r->bad)
			return;
		if (e)
			file = e->file;
	}
	if (!arg_num(r, c->a[5], &off))
		return;
	if (!file && fd >= 0 && !(flags & MAP_ANON_) && c->has_result &&
	    !is_err(c->recorded)) {
		/* A descriptor opened before the trace began: a stand-in. */
		char name[48];
		int n = snprintf(name, sizeof(name), "/unknown-fd-%" PRId64, fd);

		file = file_open(r, name, (size_t)n, UVMA_O_RDWR, false);
		if (!file)
			return;
		/* No slot (fd out of range, found by fuzz_replay): the stand-in
		 * is gone, the call is not applied. */
		if (!fd_install(r, c->proc, fd, file, NULL, false))
			return;
	}
	fixed = flags & (MAP_FIXED_ | MAP_NOREPLACE_);
	model = uvma_mmap(mm, addr, len, (int)prot, (int)flags, file, off);
	if (!r->o.strict && c->has_result && model != c->recorded) {
		/* Follow the kernel's placement. */
		if (!fixed && !is_err(model))
			uvma_munmap(mm, (uint64_t)model, len);
		if (!fixed && !is_err(c->recorded)) {
			int64_t again = uvma_mmap(mm, (uint64_t)c->recorded, len,
						  (int)prot,
						  (int)(flags | MAP_NOREPLACE_),
						  file, off);
			if (again == -EEXIST &&
			    early_munmaps(r, c->proc, (uint64_t)c->recorded, len))
				again = uvma_mmap(mm, (uint64_t)c->recorded, len,
						  (int)prot,
						  (int)(flags | MAP_NOREPLACE_),
						  file, off);
			if (again == -EEXIST)
				uvma_mmap(mm, (uint64_t)c->recorded, len,
					  (int)prot, (int)(flags | MAP_FIXED_),
					  file, off);
		}
	}
	finish(r, c, "mmap", model);
}

static void do_munmap(struct replay *r, struct rp_call *c)
{
	uint64_t addr, len;

	if (!want_args(r, c, 2, 2) || !arg_num(r, c->a[0], &addr) ||
	    !arg_num(r, c->a[1], &len))
		return;
	finish(r, c, "munmap", r->early ? r->early_model
					: uvma_munmap(c->proc->mm->mm, addr, len));
}

/*
 * early_munmaps() - apply now the unfinished munmaps of other threads of
 * @self's address space that overlap [addr, addr + len).  strace shows a
 * call unfinished from its entry until its result; when another thread's
 * mmap returns an address such a munmap was freeing, the kernel ran the
 * munmap first.  Each is marked so its resumed line only compares.
 * Returns whether any was applied.
 */
static bool early_munmaps(struct replay *r, struct rp_proc *self,
			  uint64_t addr, uint64_t len)
{
	bool any = false;

	for (size_t i = 0; i < r->nprocs; i++) {
		struct rp_proc *q = r->procs[i];
		struct rp_span a[RP_MAXARGS];
		char text[256];
		const char *bad, *p;
		uint64_t ua, ul;
		size_t n;

		if (q == self || q->mm != self->mm || !q->pend_len ||
		    q->pend_applied || q->pend_len + 1 >= sizeof(text) ||
		    q->pend_len < 7 || memcmp(q->pend, "munmap(", 7))
			continue;
		memcpy(text, q->pend, q->pend_len);
		text[q->pend_len] = ')';
		if (!rp_split_args(text + 7, text + q->pend_len + 1, a,
				   RP_MAXARGS, &n, &bad) || n != 2)
			continue;
		p = a[0].p;
		if (!rp_number(&p, a[0].e, &ua) || p != a[0].e)
			continue;
		p = a[1].p;
		if (!rp_number(&p, a[1].e, &ul) || p != a[1].e)
			continue;
		if (ua >= addr + len || addr >= ua + ul)
			continue;
		q->pend_model = uvma_munmap(q->mm->mm, ua, ul);
		q->pend_applied = true;
		any = true;
	}
	return any;
}

static void do_mprotect(struct replay *r, struct rp_call *c, bool pkey)
{
	uint64_t addr, len, prot, key = (uint64_t)-1;

	if (!want_args(r, c, pkey ? 4 : 3, pkey ? 4 : 3) ||
	    !arg_num(r, c->a[0], &addr) || !arg_num(r, c->a[1], &len) ||
	    !arg_flags(r, c->a[2], RP_T_PROT, &prot) ||
	    (pkey && !arg_num(r, c->a[3], &key)))
		return;
	if (pkey)
		finish(r, c, "pkey_mprotect",
		       uvma_pkey_mprotect(c->proc->mm->mm, addr, len, (int)prot,
					  (int)key));
	else
		finish(r, c, "mprotect",
		       uvma_mprotect(c->proc->mm->mm, addr, len, (int)prot));
}

static void do_mremap(struct replay *r, struct rp_call *c)
{
	uint64_t old, olen, nlen, flags, naddr = 0;
	struct uvma_mm *mm = c->proc->mm->mm;
	int64_t model;

	c->is_addr = true;
	if (!want_args(r, c, 4, 5) || !arg_num(r, c->a[0], &old) ||
	    !arg_num(r, c->a[1], &olen) || !arg_num(r, c->a[2], &nlen) ||
	    !arg_flags(r, c->a[3], RP_T_MREMAP, &flags) ||
	    (c->n == 5 && !arg_num(r, c->a[4], &naddr)))
		return;
	model = uvma_mremap(mm, old, olen, nlen, (int)flags, naddr);
	if (!r->o.strict && c->has_result && model != c->recorded &&
	    !is_err(c->recorded) && (flags & MREMAP_MAYMOVE_) &&
	    !(flags & MREMAP_FIXED_)) {
		/*
		 * The kernel put the mapping elsewhere: move the model's
		 * result (or the original, if the model failed) there.
		 */
		uint64_t want = (uint64_t)c->recorded;

		if (!is_err(model))
			uvma_mremap(mm, (uint64_t)model, nlen, nlen,
				    MREMAP_MAYMOVE_ | MREMAP_FIXED_, want);
		else if (want != old)
			uvma_mremap(mm, old, olen, nlen,
				    (int)(flags | MREMAP_FIXED_), want);
	}
	finish(r, c, "mremap", model);
}

static void do_brk(struct replay *r, struct rp_call *c)
{
	uint64_t addr, start, cur;
	struct uvma_mm *mm = c->proc->mm->mm;

	c->is_addr = true;
	if (!want_args(r, c, 1, 1) || !arg_num(r, c->a[0], &addr))
		return;
	uvma_mm_brk_range(mm, &start, &cur);
	if (start == 0 && cur == 0 && c->has_result && c->recorded > 0) {
		/*
		 * The trace cannot say where the loader put the break; its
		 * first recorded result tells (brk(NULL) returns it).
		 */
		uvma_mm_set_brk_start(mm, (uint64_t)c->recorded);
	}
	finish(r, c, "brk", (int64_t)uvma_brk(mm, addr));
}

static void do_madvise(struct replay *r, struct rp_call *c)
{
	uint64_t addr, len, adv;

	if (!want_args(r, c, 3, 3) || !arg_num(r, c->a[0], &addr) ||
	    !arg_num(r, c->a[1], &len) || !arg_flags(r, c->a[2], RP_T_MADV, &adv))
		return;
	finish(r, c, "madvise", uvma_madvise(c->proc->mm->mm, addr, len, (int)adv));
}

static void do_mlock(struct replay *r, struct rp_call *c, int kind)
{
	uint64_t addr, len, flags = 0;
	struct uvma_mm *mm = c->proc->mm->mm;

	if (!want_args(r, c, kind == 2 ? 3 : 2, kind == 2 ? 3 : 2) ||
	    !arg_num(r, c->a[0], &addr) || !arg_num(r, c->a[1], &len) ||
	    (kind == 2 && !arg_flags(r, c->a[2], RP_T_MLOCK, &flags)))
		return;
	if (kind == 0)
		finish(r, c, "mlock", uvma_mlock(mm, addr, len));
	else if (kind == 1)
		finish(r, c, "munlock", uvma_munlock(mm, addr, len));
	else
		finish(r, c, "mlock2", uvma_mlock2(mm, addr, len, (unsigned)flags));
}

static void do_mlockall(struct replay *r, struct rp_call *c, bool lock)
{
	uint64_t flags;

	if (!lock) {
		if (want_args(r, c, 0, 0))
			finish(r, c, "munlockall", uvma_munlockall(c->proc->mm->mm));
		return;
	}
	if (!want_args(r, c, 1, 1) || !arg_flags(r, c->a[0], RP_T_MCL, &flags))
		return;
	finish(r, c, "mlockall", uvma_mlockall(c->proc->mm->mm, (int)flags));
}

static void do_mseal(struct replay *r, struct rp_call *c)
{
	uint64_t addr, len, flags;

	/* strace versions without mseal print syscall_0x1ce(a, l, f, junk...) */
	if (!want_args(r, c, 3, 6) || !arg_num(r, c->a[0], &addr) ||
	    !arg_num(r, c->a[1], &len) || !arg_num(r, c->a[2], &flags))
		return;
	finish(r, c, "mseal", uvma_mseal(c->proc->mm->mm, addr, len, flags));
}

static void do_prctl(struct replay *r, struct rp_call *c)
{
	uint64_t opt, sub, addr, len, on;

	if (c->n < 1 || !arg_flags(r, c->a[0], RP_T_PRCTL, &opt))
		return;
	if (opt == 67 /* PR_SET_MEMORY_MERGE */) {
		if (!want_args(r, c, 2, 5) || !arg_num(r, c->a[1], &on))
			return;
		finish(r, c, "prctl", uvma_set_memory_merge(c->proc->mm->mm, on != 0));
		return;
	}
	if (opt != 0x53564d41 /* PR_SET_VMA */ || c->n < 2)
		return;
	if (!arg_flags(r, c->a[1], RP_T_PRCTL, &sub) || sub != 0)
		return;
	if (!want_args(r, c, 5, 5) || !arg_num(r, c->a[2], &addr) ||
	    !arg_num(r, c->a[3], &len))
		return;
	{
		char name[256];
		bool trunc;
		struct rp_span s = c->a[4];

		if (s.e - s.p == 4 && memcmp(s.p, "NULL", 4) == 0) {
			finish(r, c, "prctl",
			       uvma_set_vma_anon_name(c->proc->mm->mm, addr, len, NULL));
			return;
		}
		if (!rp_string(s, name, sizeof(name), &trunc)) {
			rp_bad(r, s.p, "expected a string or NULL");
			return;
		}
		finish(r, c, "prctl",
		       uvma_set_vma_anon_name(c->proc->mm->mm, addr, len, name));
	}
}

/* uffd_ctx() - the context of @u, made on first use. */
static struct uvma_uffd *uffd_ctx(struct replay *r, struct rp_uffd *u)
{
	int err;

	if (u->ctx)
		return u->ctx;
	err = uvma_uffd_create(u->mm->mm, u->features, &u->ctx);
	if (err == -ENOMEM)
		r->nomem = err;
	return u->ctx;
}

static void do_ioctl(struct replay *r, struct rp_call *c)
{
	struct rp_span val;
	uint64_t start, len, mode = 0;
	struct rp_fd *e;
	struct rp_uffd *u;
	int64_t fd;
	size_t n;
	bool reg;

	if (c->n < 2)
		return;
	n = (size_t)(c->a[1].e - c->a[1].p);
	if (n == 9 && memcmp(c->a[1].p, "UFFDIO_API", 10 - 1) == 0)
		reg = false;
	else if (n == 15 && memcmp(c->a[1].p, "UFFDIO_REGISTER", n) == 0)
		reg = true;
	else if (n == 17 && memcmp(c->a[1].p, "UFFDIO_UNREGISTER", n) == 0)
		reg = false;
	else
		return;		/* other ioctls change no mapping */
	e = fd_lookup(r, c->proc, c->a[0], &fd);
	if (r->bad || !e || !e->uffd || c->n < 3)
		return;
	u = e->uffd;
	if (n == 9) {		/* UFFDIO_API: the requested features */
		if (rp_field(c->a[2], "features=", &val)) {
			const char *end = val.p;

			while (end < val.e && !rp_is_space(*end))
				end++;
			if (arg_flags(r, (struct rp_span){ val.p, end },
				      RP_T_UFFD_FEAT, &u->features))
				u->features &= UVMA_UFFD_FEATURE_EVENT_FORK |
					       UVMA_UFFD_FEATURE_EVENT_REMAP;
		}
		return;
	}
	if (!rp_field(c->a[2], "start=", &val) || !arg_num(r, val, &start) ||
	    !rp_field(c->a[2], "len=", &val) || !arg_num(r, val, &len)) {
		if (!r->bad)
			rp_bad(r, c->a[2].p, "expected {start=ADDR, len=LEN}");
		return;
	}
	if (reg && (!rp_field(c->a[2], "mode=", &val) ||
		    !arg_flags(r, val, RP_T_UFFD_MODE, &mode))) {
		if (!r->bad)
			rp_bad(r, c->a[2].p, "expected mode=");
		return;
	}
	if (!uffd_ctx(r, u))
		return;
	if (reg)
		finish(r, c, "ioctl", uvma_uffd_register(u->ctx, start, len, mode));
	else
		finish(r, c, "ioctl", uvma_uffd_unregister(u->ctx, start, len));
}

/* ------------------------------------------------------------------ */
/* descriptors                                                         */

#define O_CLOEXEC_	02000000
#define MFD_CLOEXEC_	1

static void do_open(struct replay *r, struct rp_call *c, int kind)
{
	/* kind 0: openat(dirfd, path, flags[, mode]); 1: open(path, flags[,
	 * mode]); 2: creat(path, mode) */
	size_t pi = kind == 0 ? 1 : 0;
	uint64_t flags = 01 | 0100 | 01000;	/* creat */
	char path[4096];
	bool trunc;
	struct uvma_file *f;
	const char *name = path;
	size_t nlen;

	if (!want_args(r, c, pi + (kind == 2 ? 2 : 2), pi + 3))
		return;
	if (!rp_string(c->a[pi], path, sizeof(path), &trunc)) {
		rp_bad(r, c->a[pi].p, "expected a path string");
		return;
	}
	if (kind != 2 && !arg_flags(r, c->a[pi + 1], RP_T_OPEN, &flags))
		return;
	if (!c->has_result || c->recorded < 0)
		return;
	nlen = strlen(path);
	if (c->rann.p != c->rann.e) {	/* -y: the resolved path */
		name = c->rann.p;
		nlen = (size_t)(c->rann.e - c->rann.p);
	} else if (path[0] == '/' && !trunc) {
		/* without -y: the kernel prints the path with symlinks
		 * resolved; do the same if the file exists here */
		char *real = realpath(path, NULL);

		if (real && strlen(real) < sizeof(path)) {
			strcpy(path, real);
			nlen = strlen(path);
		}
		free(real);
	}
	f = file_open(r, name, nlen, (int)flags, false);
	if (!f)
		return;
	fd_install(r, c->proc, c->recorded, f, NULL, flags & O_CLOEXEC_);
	r->last = c->proc;
}

static void do_memfd(struct replay *r, struct rp_call *c)
{
	char name[512];
	bool trunc;
	uint64_t flags;
	struct uvma_file *f = NULL;
	int err;

	if (!want_args(r, c, 2, 2))
		return;
	if (!rp_string(c->a[0], name, sizeof(name), &trunc)) {
		rp_bad(r, c->a[0].p, "expected a name string");
		return;
	}
	if (!arg_flags(r, c->a[1], RP_T_MFD, &flags))
		return;
	if (!c->has_result || c->recorded < 0)
		return;
	err = uvma_memfd_create(name, (unsigned)flags, &f);
	if (err == -EINVAL)
		err = uvma_memfd_create(name, 0, &f);
	if (err) {
		r->nomem = err == -ENOMEM ? err : r->nomem;
		return;
	}
	fd_install(r, c->proc, c->recorded, f, NULL, flags & MFD_CLOEXEC_);
	r->last = c->proc;
}

/* do_dup() - dup, dup2, dup3 and fcntl F_DUPFD: @src's file at the result. */
static void dup_to(struct replay *r, struct rp_call *c, struct rp_span src,
		   bool cloexec)
{
	int64_t fd;
	struct rp_fd *e = fd_lookup(r, c->proc, src, &fd);

	if (r->bad || !c->has_result || c->recorded < 0 || !e || c->recorded == fd)
		return;
	if (e->uffd)
		e->uffd->refs++;
	fd_install(r, c->proc, c->recorded,
		   e->file ? uvma_file_ref(e->file) : NULL, e->uffd, cloexec);
	r->last = c->proc;
}

static void do_dup(struct replay *r, struct rp_call *c, int kind)
{
	uint64_t flags = 0;

	if (!want_args(r, c, kind + 1, kind + 1))
		return;
	if (kind == 2 && !arg_flags(r, c->a[2], RP_T_OPEN, &flags))
		return;
	dup_to(r, c, c->a[0], flags & O_CLOEXEC_);
}

static void do_fcntl(struct replay *r, struct rp_call *c)
{
	uint64_t cmd, arg;
	int64_t fd;
	struct rp_fd *e;

	if (c->n < 2 || !arg_flags(r, c->a[1], RP_T_FCNTL, &cmd))
		return;
	if (cmd == 0 || cmd == 1030) {		/* F_DUPFD, F_DUPFD_CLOEXEC */
		dup_to(r, c, c->a[0], cmd == 1030);
		return;
	}
	if (c->n < 3 || !c->has_result)
		return;
	if (cmd == 1033) {			/* F_ADD_SEALS */
		if (!arg_flags(r, c->a[2], RP_T_SEAL, &arg))
			return;
		e = fd_lookup(r, c->proc, c->a[0], &fd);
		/* Compared like any result: -EBUSY is the model's to decide. */
		if (e && e->file)
			finish(r, c, "fcntl",
			       uvma_memfd_add_seals(e->file, (unsigned)arg));
	} else if (cmd == 2 && c->recorded == 0) {	/* F_SETFD */
		if (!arg_flags(r, c->a[2], RP_T_FCNTL, &arg))
			return;
		e = fd_lookup(r, c->proc, c->a[0], &fd);
		if (e)
			e->cloexec = arg & 1;
	}
}

/*
 * do_ftruncate() - ftruncate(fd, length): the file's size decides where
 * faults past its end raise SIGBUS.  Not in the issue's traced set; add
 * ftruncate to strace's -e trace= list to get memfd sizes right.
 */
static void do_ftruncate(struct replay *r, struct rp_call *c)
{
	uint64_t len;
	int64_t fd;
	struct rp_fd *e;

	if (!want_args(r, c, 2, 2) || !arg_num(r, c->a[1], &len))
		return;
	e = fd_lookup(r, c->proc, c->a[0], &fd);
	if (!e || !e->file)
		return;		/* not a file we know: nothing to model */
	finish(r, c, "ftruncate", uvma_file_truncate(e->file, (int64_t)len));
}

static void do_close(struct replay *r, struct rp_call *c)
{
	int64_t fd;
	struct rp_span ann;
	bool deleted;

	if (!want_args(r, c, 1, 1))
		return;
	if (!rp_fd(c->a[0], &fd, &ann, &deleted)) {
		rp_bad(r, c->a[0].p, "expected a file descriptor");
		return;
	}
	if (c->has_result && c->recorded < 0)
		return;
	{
		struct rp_fd *e = fdt_get(c->proc->fdt, fd);

		if (e)
			fd_clear(e);
	}
	r->last = c->proc;
}

static void do_userfaultfd(struct replay *r, struct rp_call *c)
{
	struct rp_uffd *u;
	uint64_t flags;

	if (!want_args(r, c, 1, 1) || !arg_flags(r, c->a[0], RP_T_OPEN, &flags))
		return;
	if (!c->has_result || c->recorded < 0)
		return;
	u = rp_alloc(r, sizeof(*u));
	if (!u)
		return;
	u->refs = 1;
	u->mm = c->proc->mm;
	u->mm->refs++;
	fd_install(r, c->proc, c->recorded, NULL, u, flags & O_CLOEXEC_);
	r->last = c->proc;
}

/* ------------------------------------------------------------------ */
/* processes                                                           */

/* clone_flags() - the flags of a clone/clone3/fork/vfork call. */
static bool clone_flags(struct replay *r, const char *name, size_t nlen,
			struct rp_span *a, size_t n, uint64_t *flags)
{
	struct rp_span val;

	*flags = 0;
	if (nlen == 4)				/* fork */
		return true;
	if (nlen == 5 && name[0] == 'v') {	/* vfork */
		*flags = CLONE_VM_ | CLONE_VFORK_;
		return true;
	}
	for (size_t i = 0; i < n && i < RP_MAXARGS; i++)
		if (rp_field(a[i], "flags=", &val)) {
			const char *end = val.p;

			while (end < val.e && !rp_is_space(*end) && *end != '}')
				end++;
			return arg_flags(r, (struct rp_span){ val.p, end },
					 RP_T_CLONE, flags);
		}
	return true;
}

static void do_clone(struct replay *r, struct rp_call *c)
{
	uint64_t flags;
	struct rp_proc *child;
	long pid;

	if (!clone_flags(r, c->name, c->name_len, c->a, c->n, &flags))
		return;
	if (!c->has_result || c->recorded <= 0) {
		emit(r, c, "fork", c->has_result ? c->recorded : 0, false);
		return;
	}
	pid = (long)c->recorded;
	if (c->proc->pend_child == pid) {	/* made when it first appeared */
		c->proc->pend_child = 0;
		emit(r, c, "fork", c->recorded, false);
		return;
	}
	child = spawn_child(r, c->proc, pid, flags);
	emit(r, c, "fork", child ? c->recorded : r->nomem, false);
}

static void do_execve(struct replay *r, struct rp_call *c)
{
	struct rp_proc *p = c->proc;
	struct rp_mm *mm;
	struct rp_fdt *t = p->fdt;

	if (!c->has_result || c->recorded != 0)
		return;
	mm = mm_new(r, r->exec_text, r->exec_len, r->o.exec_snapshot);
	if (!mm)
		return;
	mm_put(p->mm);
	p->mm = mm;
	if (t->refs > 1) {		/* exec unshares the table */
		struct rp_fdt *copy = fdt_copy(r, t);

		if (!copy)
			return;
		fdt_put(t);
		p->fdt = t = copy;
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].cloexec)
			fd_clear(&t->v[i]);
	fprintf(r->o.err, "%s:%u: execve: process %ld starts %s%s\n", r->name,
		r->seg[0].line, p->pid,
		r->exec_text ? "from " : "an empty address space",
		r->exec_text ? r->o.exec_snapshot : "");
	emit(r, c, "execve", 0, false);
}

/* ------------------------------------------------------------------ */
/* calls: names and dispatch                                           */

enum rp_callid {
	K_MMAP, K_MUNMAP, K_MPROTECT, K_PKEY_MPROTECT, K_MREMAP, K_BRK,
	K_MADVISE, K_MLOCK, K_MLOCK2, K_MUNLOCK, K_MLOCKALL, K_MUNLOCKALL,
	K_MSEAL, K_MSEAL_RAW, K_PRCTL, K_IOCTL, K_OPENAT, K_OPEN, K_CREAT,
	K_MEMFD, K_DUP, K_DUP2, K_DUP3, K_FCNTL, K_CLOSE, K_USERFAULTFD,
	K_FTRUNCATE,
	K_CLONE, K_CLONE3, K_FORK, K_VFORK, K_EXECVE, K_EXECVEAT,
	K_NONE
};

static const struct {
	const char *name;
	unsigned char len;
	unsigned char id;
} calls[] = {
#define C(s, id) { s, sizeof(s) - 1, id }
	C("mmap", K_MMAP), C("munmap", K_MUNMAP), C("mprotect", K_MPROTECT),
	C("brk", K_BRK), C("mremap", K_MREMAP), C("madvise", K_MADVISE),
	C("pkey_mprotect", K_PKEY_MPROTECT), C("mlock", K_MLOCK),
	C("mlock2", K_MLOCK2), C("munlock", K_MUNLOCK),
	C("mlockall", K_MLOCKALL), C("munlockall", K_MUNLOCKALL),
	C("mseal", K_MSEAL), C("syscall_0x1ce", K_MSEAL_RAW),
	C("prctl", K_PRCTL), C("ioctl", K_IOCTL), C("openat", K_OPENAT),
	C("open", K_OPEN), C("creat", K_CREAT), C("memfd_create", K_MEMFD),
	C("dup", K_DUP), C("dup2", K_DUP2), C("dup3", K_DUP3),
	C("fcntl", K_FCNTL), C("close", K_CLOSE), C("ftruncate", K_FTRUNCATE),
	C("userfaultfd", K_USERFAULTFD), C("clone", K_CLONE),
	C("clone3", K_CLONE3), C("fork", K_FORK), C("vfork", K_VFORK),
	C("execve", K_EXECVE), C("execveat", K_EXECVEAT),
#undef C
};

/*
 * call_id() - the call named [p, p + n), or K_NONE.  Most lines of a log
 * are calls: the first letter and the length rule out nearly every name
 * before any comparison.
 */
static int call_id(const char *p, size_t n)
{
	static const char first[] = "bcdefimopsuv";

	if (n < 3 || n > 13 || !memchr(first, p[0], sizeof(first) - 1))
		return K_NONE;
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (calls[i].len == n && calls[i].name[0] == p[0] &&
		    memcmp(calls[i].name, p, n) == 0)
			return calls[i].id;
	return K_NONE;
}

static bool is_clone_call(int id)
{
	return id == K_CLONE || id == K_CLONE3 || id == K_FORK || id == K_VFORK;
}

/*
 * parse_result() - " = RESULT [ERRNO (text)] [(text)] [<0.000012>]" after
 * the ')' at @p.  Nothing at all: no result (hand-written lines).
 */
static bool parse_result(struct replay *r, struct rp_call *c, const char *p,
			 const char *e)
{
	p = rp_skip_space(p, e);
	c->has_result = false;
	c->rann = (struct rp_span){ e, e };
	if (p == e)
		return true;
	if (*p != '=') {
		rp_bad(r, p, "expected '= RESULT' after the arguments");
		return false;
	}
	p = rp_skip_space(p + 1, e);
	if (p < e && *p == '?') {
		p++;
	} else if (p < e && *p == '-') {
		int64_t v;
		size_t n;
		int err;

		if (p + 1 < e && p[1] == 'E') {		/* -ENOMEM */
			p++;
		} else if (!rp_snumber(&p, e, &v) || v != -1) {
			rp_bad(r, p, "expected -1 ERRNO");
			return false;
		}
		p = rp_skip_space(p, e);
		n = rp_ident(p, e);
		err = n ? rp_errno(p, n) : 0;
		if (!err) {
			rp_bad(r, p, n ? "unknown errno name" : "expected an errno name");
			return false;
		}
		c->has_result = true;
		c->recorded = -err;
		p += n;
	} else {
		uint64_t v;

		if (!rp_number(&p, e, &v)) {
			rp_bad(r, p, "expected a result");
			return false;
		}
		c->has_result = true;
		c->recorded = (int64_t)v;
		if (p < e && *p == '<') {	/* -y: the descriptor's file */
			const char *q = p + 1;
			int depth = 1;

			for (; q < e && depth; q++)
				depth += *q == '<' ? 1 : *q == '>' ? -1 : 0;
			if (depth) {
				rp_bad(r, p, "unterminated <path>");
				return false;
			}
			c->rann = (struct rp_span){ p + 1, q - 1 };
			p = q;
			if (e - p >= 9 && memcmp(p, "(deleted)", 9) == 0)
				p += 9;
		}
	}
	p = rp_skip_space(p, e);
	if (p < e && *p == '(') {		/* (Cannot allocate memory) */
		int depth = 0;

		for (; p < e; p++) {
			depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
			if (!depth)
				break;
		}
		if (p == e) {
			rp_bad(r, p, "unterminated '('");
			return false;
		}
		p = rp_skip_space(p + 1, e);
	}
	if (p < e && *p == '<') {		/* -T: <0.000012> */
		const char *q = p + 1;

		while (q < e && ((*q >= '0' && *q <= '9') || *q == '.'))
			q++;
		if (q == e || *q != '>' || q == p + 1) {
			rp_bad(r, p, "expected <SECONDS>");
			return false;
		}
		p = rp_skip_space(q + 1, e);
	}
	if (p != e) {
		rp_bad(r, p, "unexpected text after the result");
		return false;
	}
	return true;
}

/* apply_call() - parse the call NAME(ARGS) = RESULT at @p and apply it. */
static void apply_call(struct replay *r, struct rp_proc *proc, int id,
		       const char *p, size_t nlen, const char *e)
{
	struct rp_call c = { .proc = proc, .name = p, .name_len = nlen };
	const char *bad = NULL, *rp;

	c.lparen = p + nlen;
	rp = rp_split_args(c.lparen + 1, e, c.a, RP_MAXARGS, &c.n, &bad);
	if (!rp) {
		rp_bad(r, bad, bad < e ? "unbalanced bracket or quote"
				       : "missing ')'");
		return;
	}
	if (!parse_result(r, &c, rp + 1, e))
		return;
	if (!proc->mm) {
		r->nomem = -ENOMEM;
		return;
	}
	switch (id) {
	case K_MMAP: do_mmap(r, &c); break;
	case K_MUNMAP: do_munmap(r, &c); break;
	case K_MPROTECT: do_mprotect(r, &c, false); break;
	case K_PKEY_MPROTECT: do_mprotect(r, &c, true); break;
	case K_MREMAP: do_mremap(r, &c); break;
	case K_BRK: do_brk(r, &c); break;
	case K_MADVISE: do_madvise(r, &c); break;
	case K_MLOCK: do_mlock(r, &c, 0); break;
	case K_MUNLOCK: do_mlock(r, &c, 1); break;
	case K_MLOCK2: do_mlock(r, &c, 2); break;
	case K_MLOCKALL: do_mlockall(r, &c, true); break;
	case K_MUNLOCKALL: do_mlockall(r, &c, false); break;
	case K_MSEAL: case K_MSEAL_RAW: do_mseal(r, &c); break;
	case K_PRCTL: do_prctl(r, &c); break;
	case K_IOCTL: do_ioctl(r, &c); break;
	case K_OPENAT: do_open(r, &c, 0); break;
	case K_OPEN: do_open(r, &c, 1); break;
	case K_CREAT: do_open(r, &c, 2); break;
	case K_MEMFD: do_memfd(r, &c); break;
	case K_DUP: do_dup(r, &c, 0); break;
	case K_DUP2: do_dup(r, &c, 1); break;
	case K_DUP3: do_dup(r, &c, 2); break;
	case K_FCNTL: do_fcntl(r, &c); break;
	case K_FTRUNCATE: do_ftruncate(r, &c); break;
	case K_CLOSE: do_close(r, &c); break;
	case K_USERFAULTFD: do_userfaultfd(r, &c); break;
	case K_CLONE: case K_CLONE3: case K_FORK: case K_VFORK:
		do_clone(r, &c);
		break;
	case K_EXECVE: case K_EXECVEAT: do_execve(r, &c); break;
	default: break;
	}
}

/* ------------------------------------------------------------------ */
/* directives                                                          */

static void print_state(struct replay *r, struct rp_proc *p, bool smaps)
{
	char *text = NULL;
	size_t len = 0;
	int err = smaps ? uvma_smaps_text(p->mm->mm, 0, &text, &len)
			: uvma_maps_text(p->mm->mm, &text, &len);

	if (err) {
		r->nomem = err;
		return;
	}
	fwrite(text, 1, len, r->o.out);
	uvma_text_free(text);
}

/* norm_line() - @s with blank runs as one space, no blanks at the ends. */
static size_t norm_line(const char *s, const char *e, char *out, size_t size)
{
	size_t n = 0;
	bool space = false;

	s = rp_skip_space(s, e);
	for (; s < e; s++) {
		if (rp_is_space(*s) || *s == '\r') {
			space = true;
			continue;
		}
		if (space && n + 1 < size)
			out[n++] = ' ';
		space = false;
		if (n + 1 < size)
			out[n++] = *s;
	}
	out[n] = '\0';
	return n;
}

/*
 * same_line() - whether expected line [a, b) and model line [c, d) have
 * the same blank-separated fields; an expected field "*" matches any one
 * field (devices and inodes that differ between machines).
 */
static bool same_line(const char *a, const char *b, const char *c,
		      const char *d)
{
	for (;;) {
		const char *x, *y;

		a = rp_skip_space(a, b);
		c = rp_skip_space(c, d);
		if (a == b || c == d)
			return a == b && c == d;
		for (x = a; x < b && !rp_is_space(*x); x++)
			;
		for (y = c; y < d && !rp_is_space(*y); y++)
			;
		if (!(x - a == 1 && *a == '*') &&
		    (x - a != y - c || memcmp(a, c, (size_t)(x - a))))
			return false;
		a = x;
		c = y;
	}
}

/* next_line() - [*s, end of line) of @text, advancing *@s; false at the end. */
static bool next_line(const char **s, const char *e, const char **ls,
		      const char **le)
{
	const char *nl;

	if (*s >= e)
		return false;
	nl = memchr(*s, '\n', (size_t)(e - *s));
	*ls = *s;
	*le = nl ? nl : e;
	*s = nl ? nl + 1 : e;
	return true;
}

static size_t count_lines(const char *s, const char *e)
{
	size_t n = 0;
	const char *a, *b;

	while (next_line(&s, e, &a, &b))
		if (rp_skip_space(a, b) != b)
			n++;
	return n;
}

/* has_vmflags() - does text [s, e) hold a "VmFlags:" line? */
static bool has_vmflags(const char *s, const char *e)
{
	const char *a, *b;

	while (next_line(&s, e, &a, &b)) {
		a = rp_skip_space(a, b);
		if (b - a >= 8 && memcmp(a, "VmFlags:", 8) == 0)
			return true;
	}
	return false;
}

/*
 * expect_check() - compare the @expect block with the state of its
 * process; on a difference print both (- expected, + model) and fail.
 */
static void expect_check(struct replay *r)
{
	struct rp_proc *p = r->expect_proc;
	/* An empty @expect block never allocated r->exp (no NULL + 0). */
	const char *exp = r->exp ? r->exp : "";
	char *text = NULL, x[512], y[512];
	size_t len = 0;
	const char *ws = exp, *we = exp + r->exp_len, *ms, *me;
	const char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	bool same = true;
	int err;

	if (!p || !p->mm) {
		r->nomem = -ENOMEM;
		return;
	}
	/* A block with VmFlags lines is in smaps form: compare those too. */
	if (has_vmflags(exp, exp + r->exp_len))
		err = uvma_smaps_text(p->mm->mm, 0, &text, &len);
	else
		err = uvma_maps_text(p->mm->mm, &text, &len);
	if (err) {
		r->nomem = err;
		return;
	}
	ms = text;
	me = text + len;
	for (;;) {
		bool more1, more2;

		do
			more1 = next_line(&ws, we, &a, &b);
		while (more1 && rp_skip_space(a, b) == b);
		do
			more2 = next_line(&ms, me, &c, &d);
		while (more2 && rp_skip_space(c, d) == d);
		if (!more1 && !more2)
			break;
		if (more1 != more2) {
			same = false;
			break;
		}
		if (!same_line(a, b, c, d)) {
			same = false;
			break;
		}
	}
	if (!same) {
		fprintf(r->o.err, "%s:%u: @expect: the address space of process "
			"%ld differs (%zu lines expected, %zu in the model; "
			"- expected, + model):\n", r->name, r->expect_line,
			p->pid, count_lines(exp, exp + r->exp_len),
			count_lines(text, text + len));
		ws = exp;
		ms = text;
		/* a plain side-by-side walk that resynchronises on equal lines */
		for (;;) {
			bool more1 = next_line(&ws, we, &a, &b);
			bool more2;

			while (more1 && rp_skip_space(a, b) == b)
				more1 = next_line(&ws, we, &a, &b);
			more2 = next_line(&ms, me, &c, &d);
			while (more2 && rp_skip_space(c, d) == d)
				more2 = next_line(&ms, me, &c, &d);
			if (!more1 && !more2)
				break;
			if (more1)
				norm_line(a, b, x, sizeof(x));
			if (more2)
				norm_line(c, d, y, sizeof(y));
			if (more1 && more2 && same_line(a, b, c, d)) {
				fprintf(r->o.err, "  %s\n", x);
				continue;
			}
			if (more1)
				fprintf(r->o.err, "- %s\n", x);
			if (more2)
				fprintf(r->o.err, "+ %s\n", y);
		}
		r->status = UVMA_EXIT_FAIL;
	}
	uvma_text_free(text);
	emit(r, &(struct rp_call){ .proc = p }, "@expect", same ? 0 : -1, !same);
}

static void directive(struct replay *r, struct rp_proc *p, const char *s,
		      const char *e)
{
	size_t n = rp_ident(s + 1, e);
	const char *w = s + 1;
	const char *rest = rp_skip_space(s + 1 + n, e);
	struct rp_call c = { .proc = p };

	if (n == 4 && !memcmp(w, "maps", 4) && rest == e) {
		print_state(r, p, false);
		emit(r, &c, "@maps", 0, false);
	} else if (n == 5 && !memcmp(w, "smaps", 5) && rest == e) {
		print_state(r, p, true);
		emit(r, &c, "@smaps", 0, false);
	} else if (n == 5 && !memcmp(w, "check", 5) && rest == e) {
		if (uvma_mm_validate(p->mm->mm)) {
			fprintf(r->o.err, "%s:%u: @check: the model is inconsistent\n",
				r->name, r->line);
			r->status = UVMA_EXIT_FAIL;
		}
		emit(r, &c, "@check", 0, false);
	} else if (n == 6 && !memcmp(w, "expect", 6) && rest == e) {
		r->in_expect = true;
		r->expect_line = r->line;
		r->expect_proc = p;
		r->exp_len = 0;
	} else if (n == 3 && !memcmp(w, "end", 3) && rest == e) {
		rp_bad(r, s, "@end without @expect");
	} else if (n == 5 && !memcmp(w, "fault", 5) && rest < e) {
		uint64_t addr;
		const char *q = rest, *m, *sig;
		size_t nsig;
		unsigned int access;
		int res, want;

		if (!rp_number(&q, e, &addr)) {
			rp_bad(r, q, "@fault: expected an address");
			return;
		}
		m = rp_skip_space(q, e);
		n = rp_ident(m, e);
		if (m == q || !((n == 4 && !memcmp(m, "read", 4)) ||
				(n == 5 && !memcmp(m, "write", 5)) ||
				(n == 4 && !memcmp(m, "exec", 4)))) {
			rp_bad(r, m, "@fault: expected read, write or exec");
			return;
		}
		/* An optional outcome the fault had: SEGV_MAPERR,
		 * SEGV_ACCERR or SIGBUS (kdiff writes the faults that raised
		 * a signal so; a refused fault can still change the VMAs). */
		sig = rp_skip_space(m + n, e);
		nsig = rp_ident(sig, e);
		want = UVMA_FAULT_OK;
		if (sig != e && nsig == 11 && !memcmp(sig, "SEGV_MAPERR", 11))
			want = UVMA_FAULT_SEGV_MAPERR;
		else if (sig != e && nsig == 11 && !memcmp(sig, "SEGV_ACCERR", 11))
			want = UVMA_FAULT_SEGV_ACCERR;
		else if (sig != e && nsig == 6 && !memcmp(sig, "SIGBUS", 6))
			want = UVMA_FAULT_SIGBUS;
		else if (sig != e) {
			rp_bad(r, sig, "@fault: expected SEGV_MAPERR, SEGV_ACCERR "
			       "or SIGBUS after the access");
			return;
		}
		if (rp_skip_space(sig + nsig, e) != e) {
			rp_bad(r, sig + nsig, "@fault: unexpected text");
			return;
		}
		access = m[0] == 'r' ? UVMA_FAULT_READ : m[0] == 'w' ?
			 UVMA_FAULT_WRITE : UVMA_FAULT_EXEC;
		res = uvma_fault(p->mm->mm, addr, access);
		if (res < 0) {
			r->nomem = res;
			return;
		}
		if (res != want) {
			static const char *const what[] = {
				"no signal", "SIGSEGV (SEGV_MAPERR)",
				"SIGSEGV (SEGV_ACCERR)", "SIGBUS" };

			r->mismatches++;
			fprintf(r->o.err, "%s:%u: @fault %#" PRIx64 " %.*s: ",
				r->name, r->line, addr, (int)n, m);
			if (want != UVMA_FAULT_OK)
				fprintf(r->o.err, "expected %s, ", what[want & 3]);
			fprintf(r->o.err, "the model raises %s\n", what[res & 3]);
			if (r->o.strict)
				r->status = UVMA_EXIT_FAIL;
		}
		c.has_result = true;
		c.recorded = want;
		emit(r, &c, "@fault", res, res != want);
	} else {
		rp_bad(r, s, "unknown directive (expected @maps, @smaps, @check, "
		       "@expect, @end or @fault ADDR read|write|exec)");
	}
}

/* ------------------------------------------------------------------ */
/* lines                                                               */

static inline bool starts_n(const char *p, const char *e, const char *lit,
			    size_t n)
{
	return (size_t)(e - p) >= n && memcmp(p, lit, n) == 0;
}

/* starts() - whether [p, e) begins with the string literal @lit. */
#define starts(p, e, lit) starts_n(p, e, lit, sizeof(lit) - 1)
/*
 * prefixes() - skip the pid ("1234 " or "[pid 1234] ") and timestamps
 * ("10:20:30 ", "10:20:30.123456 ", "1700000000.123456 ", -r's
 * "0.000123 ").  Returns the position after them; *@pid gets the pid or 0.
 */
static const char *prefixes(struct replay *r, const char *p, const char *e,
			    long *pid)
{
	uint64_t v;
	const char *q;

	*pid = 0;
	p = rp_skip_space(p, e);
	if (starts(p, e, "[pid")) {
		q = rp_skip_space(p + 4, e);
		if (!rp_number(&q, e, &v) || v == 0 || v > 0x7fffffff ||
		    q >= e || *q != ']') {
			rp_bad(r, p, "expected [pid N]");
			return NULL;
		}
		*pid = (long)v;
		p = rp_skip_space(q + 1, e);
	} else if (p < e && *p >= '1' && *p <= '9') {
		v = 0;
		for (q = p; q < e && *q >= '0' && *q <= '9' && v <= 0x7fffffff; q++)
			v = v * 10 + (uint64_t)(*q - '0');
		if (q < e && rp_is_space(*q)) {
			if (v > 0x7fffffff) {
				rp_bad(r, p, "pid out of range");
				return NULL;
			}
			*pid = (long)v;
			p = rp_skip_space(q, e);
		}
	}
	/* one timestamp: digits, ':' and '.' followed by a blank */
	if (p < e && *p >= '0' && *p <= '9') {
		q = p;
		while (q < e && ((*q >= '0' && *q <= '9') || *q == ':' || *q == '.'))
			q++;
		if (q == e || !rp_is_space(*q)) {
			rp_bad(r, q, "expected a timestamp, a pid or a call");
			return NULL;
		}
		p = rp_skip_space(q, e);
	}
	return p;
}

/*
 * pend_store() - keep the first part [s, e) of an unfinished call of @p;
 * for a clone, note its flags now: the child may act before it returns.
 */
static void pend_store(struct replay *r, struct rp_proc *p, const char *s,
		       const char *e, int id, size_t nlen)
{
	struct rp_span val;

	if (!rp_reserve(r, &p->pend, &p->pend_cap, (size_t)(e - s) + 1))
		return;
	memcpy(p->pend, s, (size_t)(e - s));
	p->pend_len = (size_t)(e - s);
	p->pend_line = r->line;
	p->pend_col = r->seg[0].col + (unsigned int)(s - r->seg[0].p);
	p->pend_clone = is_clone_call(id);
	p->pend_child = 0;
	p->pend_applied = false;
	p->pend_clone_flags = 0;
	if (id == K_VFORK) {
		p->pend_clone_flags = CLONE_VM_ | CLONE_VFORK_;
	} else if ((id == K_CLONE || id == K_CLONE3) &&
		   rp_field((struct rp_span){ p->pend + nlen + 1,
					      p->pend + p->pend_len },
			    "flags=", &val)) {
		const char *end = val.p, *why;

		while (end < val.e && !rp_is_space(*end) && *end != '}' &&
		       *end != ',')
			end++;
		if (rp_flags((struct rp_span){ val.p, end }, RP_T_CLONE,
			     &p->pend_clone_flags, &why))
			p->pend_clone_flags = 0;
	}
}

static void call_line(struct replay *r, struct rp_proc *proc, const char *p,
		      const char *e)
{
	size_t n = rp_ident(p, e);
	int id;

	if (!n || p + n >= e || p[n] != '(') {
		rp_bad(r, p, "expected a system call, a directive (@...) or a "
		       "comment");
		return;
	}
	id = call_id(p, n);
	if (id == K_NONE)
		return;			/* not a call that changes mappings */
	{
		/* " <unfinished ...>" at the end: keep for the resumed part */
		static const char unf[] = "<unfinished ...>";
		const char *t = e;

		while (t > p && rp_is_space(t[-1]))
			t--;
		if ((size_t)(t - p) >= sizeof(unf) - 1 &&
		    !memcmp(t - (sizeof(unf) - 1), unf, sizeof(unf) - 1)) {
			t -= sizeof(unf) - 1;
			while (t > p && rp_is_space(t[-1]))
				t--;
			pend_store(r, proc, p, t, id, n);
			return;
		}
	}
	apply_call(r, proc, id, p, n, e);
}

/* resumed() - "<... NAME resumed>REST": join with the kept first part. */
static void resumed(struct replay *r, struct rp_proc *proc, const char *p,
		    const char *e)
{
	const char *q = rp_skip_space(p + 4, e), *rest;
	size_t n = rp_ident(q, e), len;
	int id;

	rest = rp_skip_space(q + n, e);
	if (!n || !starts(rest, e, "resumed>")) {
		rp_bad(r, p, "expected <... NAME resumed>");
		return;
	}
	rest += 8;
	id = call_id(q, n);
	if (id == K_NONE || !proc->pend_len ||
	    (size_t)rp_ident(proc->pend, proc->pend + proc->pend_len) != n ||
	    memcmp(proc->pend, q, n)) {
		/* an unknown call, or its start was never seen (attach) */
		return;
	}
	{
		const char *t = e;

		while (t > rest && rp_is_space(t[-1]))
			t--;
		if (t - rest >= 16 && !memcmp(t - 16, "<unfinished ...>", 16)) {
			proc->pend_len = 0;	/* killed inside the call */
			return;
		}
	}
	len = proc->pend_len + (size_t)(e - rest);
	if (!rp_reserve(r, &r->join, &r->join_cap, len + 1))
		return;
	memcpy(r->join, proc->pend, proc->pend_len);
	memcpy(r->join + proc->pend_len, rest, (size_t)(e - rest));
	r->seg[1] = (struct rp_seg){ r->join + proc->pend_len, r->join + len,
				     r->line,
				     r->seg[0].col + (unsigned int)(rest - r->seg[0].p) };
	r->seg[0] = (struct rp_seg){ r->join, r->join + proc->pend_len,
				     proc->pend_line, proc->pend_col };
	r->nseg = 2;
	proc->pend_len = 0;
	proc->pend_clone = false;
	r->early = proc->pend_applied;
	r->early_model = proc->pend_model;
	proc->pend_applied = false;
	apply_call(r, proc, id, r->join, n, r->join + len);
	r->early = false;
}

/* is_end_line() - "@end", after an optional pid prefix. */
static bool is_end_line(const char *p, const char *e)
{
	p = rp_skip_space(p, e);
	if (starts(p, e, "[pid")) {
		const char *q = memchr(p, ']', (size_t)(e - p));

		if (!q)
			return false;
		p = rp_skip_space(q + 1, e);
	} else {
		const char *q = p;

		while (q < e && *q >= '0' && *q <= '9')
			q++;
		if (q > p && q < e && rp_is_space(*q))
			p = rp_skip_space(q, e);
	}
	return starts(p, e, "@end") && rp_skip_space(p + 4, e) == e;
}

/*
 * cut_by_note() - strace writing to a terminal prints "strace: Process N
 * attached" (or detached) on stderr where it is, often in the middle of
 * a call's line, which then continues on the next line.  Keep the part
 * before the note to prepend to the next line.  Returns true if @s..@e
 * was such a line.
 */
static bool cut_by_note(struct replay *r, const char *s, const char *e)
{
	static const char note[] = "strace: Process ";
	const char *q;

	if (e - s < 26 || e[-1] != 'd' ||
	    (memcmp(e - 9, " attached", 9) && memcmp(e - 9, " detached", 9)))
		return false;
	for (q = e - 9; q > s; q--)
		if (*q == 's' && starts(q, e, note))
			break;
	if (q == s || rp_skip_space(s, q) == q)
		return false;		/* a note on a line of its own */
	if (!rp_reserve(r, &r->carry, &r->carry_cap, (size_t)(q - s) + 1))
		return true;
	memcpy(r->carry, s, (size_t)(q - s));
	r->carry_len = (size_t)(q - s);
	r->carry_line = r->line;
	return true;
}

/* process_line() - one physical line [s, e) (no newline). */
static void process_line(struct replay *r, const char *s, const char *e)
{
	struct rp_proc *proc;
	const char *p;
	long pid;

	if (e > s && e[-1] == '\r')
		e--;
	r->seg[0] = (struct rp_seg){ s, e, r->line, 1 };
	r->nseg = 1;
	if (!r->in_expect && cut_by_note(r, s, e))
		return;
	if (r->carry_len) {
		/* the rest of a line cut by a note: join them */
		size_t n = r->carry_len + (size_t)(e - s);

		if (!rp_reserve(r, &r->carry, &r->carry_cap, n + 1))
			return;
		memcpy(r->carry + r->carry_len, s, (size_t)(e - s));
		r->seg[0] = (struct rp_seg){ r->carry, r->carry + r->carry_len,
					     r->carry_line, 1 };
		r->seg[1] = (struct rp_seg){ r->carry + r->carry_len, r->carry + n,
					     r->line, 1 };
		r->nseg = 2;
		s = r->carry;
		e = r->carry + n;
		r->carry_len = 0;
	}
	if (r->in_expect) {
		if (is_end_line(s, e)) {
			r->in_expect = false;
			expect_check(r);
			return;
		}
		p = rp_skip_space(s, e);
		if (p < e && *p == '#')
			return;
		if (!rp_reserve(r, &r->exp, &r->exp_cap,
				r->exp_len + (size_t)(e - s) + 1))
			return;
		memcpy(r->exp + r->exp_len, s, (size_t)(e - s));
		r->exp_len += (size_t)(e - s);
		r->exp[r->exp_len++] = '\n';
		return;
	}
	p = rp_skip_space(s, e);
	if (p == e || *p == '#')
		return;
	if (*p == 's' && starts(p, e, "strace: "))
		return;			/* strace's own notes (terminal logs) */
	if ((*p >= '0' && *p <= '9') || *p == '[') {
		p = prefixes(r, p, e, &pid);
		if (!p)
			return;
		if (p == e) {
			rp_bad(r, p, "expected a call after the prefix");
			return;
		}
	} else {
		pid = 0;
	}
	switch (*p) {
	case '#':
		return;
	case '-':
		if (starts(p, e, "---"))
			return;		/* a signal */
		break;
	case '+':
		if (!starts(p, e, "+++"))
			break;
		proc = pid ? proc_find(r, pid) : r->main;
		if (proc && (starts(p, e, "+++ exited") ||
			     starts(p, e, "+++ killed")))
			proc->dead = true;
		return;
	default:
		break;
	}
	proc = process_for(r, pid);
	if (!proc)
		return;
	if (*p == '@')
		directive(r, proc, p, e);
	else if (*p == '<' && starts(p, e, "<..."))
		resumed(r, proc, p, e);
	else
		call_line(r, proc, p, e);
}

/* ------------------------------------------------------------------ */
/* the public functions                                                */

void replay_options_init(struct replay_options *o)
{
	*o = (struct replay_options){ 0 };
	uvma_config_init(&o->config);
	o->out = stdout;
	o->err = stderr;
}

/* read_snapshot() - the whole file at @path, or NULL (reported). */
static char *read_snapshot(struct replay *r, const char *path, size_t *len,
			   int *err)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	*err = 0;
	if (!f) {
		*err = errno == ENOENT ? -ENOENT : -EINVAL;
		fprintf(r->o.err, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	do {
		if (!rp_reserve(r, &buf, &cap, n + 65536)) {
			*err = -ENOMEM;
			break;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	if (!*err && ferror(f)) {
		fprintf(r->o.err, "%s: read error\n", path);
		*err = -EINVAL;
	}
	fclose(f);
	if (*err) {
		uvma__free(buf, cap);
		return NULL;
	}
	/* keep only what is used (the caller frees with the length) */
	{
		char *t = uvma__malloc(n + 1);

		if (!t) {
			uvma__free(buf, cap);
			*err = -ENOMEM;
			return NULL;
		}
		memcpy(t, buf, n);
		t[n] = '\0';
		uvma__free(buf, cap);
		*len = n;
		return t;
	}
}

int replay_create(const struct replay_options *o, struct replay **out)
{
	struct replay *r;
	int err = 0;

	*out = NULL;
	r = uvma__calloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->o = *o;
	if (!r->o.out)
		r->o.out = stdout;
	if (!r->o.err)
		r->o.err = stderr;
	r->name = "<trace>";
	if (o->initial) {
		r->initial_text = read_snapshot(r, o->initial, &r->initial_len, &err);
		if (err)
			goto fail;
	}
	if (o->exec_snapshot) {
		r->exec_text = read_snapshot(r, o->exec_snapshot, &r->exec_len, &err);
		if (err)
			goto fail;
	}
	if (o->initial) {
		/* check the snapshot now, so a bad one fails before the trace */
		if (!main_process(r, 0)) {
			err = r->nomem ? r->nomem : -EINVAL;
			goto fail;
		}
	}
	if (o->exec_snapshot) {
		struct uvma_mm *mm;
		size_t eline = 0;

		err = uvma_import(&r->o.config, r->exec_text, r->exec_len, &mm,
				  &eline);
		if (err) {
			if (err != -ENOMEM)
				fprintf(r->o.err, "%s:%zu: not a maps or smaps line\n",
					o->exec_snapshot, eline);
			goto fail;
		}
		uvma_mm_destroy(mm);
	}
	*out = r;
	return 0;
fail:
	replay_destroy(r);
	return err;
}

/* feed_begin() / feed_end() - per-trace state around the lines. */
static void feed_begin(struct replay *r, const char *name)
{
	r->name = name ? name : "<trace>";
	r->line = 0;
	r->status = UVMA_EXIT_OK;
	r->bad = false;
	r->in_expect = false;
	r->nomem = 0;
	r->reported = 0;
	r->carry_len = 0;
}

static int feed_end(struct replay *r)
{
	if (r->nomem)
		return r->nomem;
	if (r->status == UVMA_EXIT_OK && r->in_expect) {
		fprintf(r->o.err, "%s:%u:1: @expect without @end\n", r->name,
			r->expect_line);
		r->status = UVMA_EXIT_BADINPUT;
	}
	if (r->status == UVMA_EXIT_OK && r->mismatches && !r->o.strict)
		fprintf(r->o.err, "%s: %lu result%s differed from the trace "
			"(%lu shown); the replay followed the trace\n", r->name,
			r->mismatches, r->mismatches == 1 ? "" : "s",
			r->reported < RP_MAX_REPORTED ? r->reported
						      : (unsigned long)RP_MAX_REPORTED);
	return r->status;
}

static bool feed_lines(struct replay *r, const char *s, const char *e)
{
	while (s < e && !r->status && !r->nomem) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		const char *le = nl ? nl : e;

		r->line++;
		process_line(r, s, le);
		s = nl ? nl + 1 : e;
	}
	return !r->status && !r->nomem;
}

int replay_feed_text(struct replay *r, const char *name, const char *text,
		     size_t len)
{
	feed_begin(r, name);
	feed_lines(r, text, text + len);
	return feed_end(r);
}

int replay_feed(struct replay *r, const char *name, FILE *f)
{
	size_t have = 0, got;

	feed_begin(r, name);
	for (;;) {
		const char *last;

		if (have == r->buf_cap &&
		    !rp_reserve(r, &r->buf, &r->buf_cap,
				r->buf_cap ? r->buf_cap * 2 : 1 << 20))
			break;
		got = fread(r->buf + have, 1, r->buf_cap - have, f);
		if (!got) {
			if (ferror(f)) {
				fprintf(r->o.err, "%s: read error\n", r->name);
				r->status = UVMA_EXIT_BADINPUT;
			} else if (have) {
				feed_lines(r, r->buf, r->buf + have);
			}
			break;
		}
		have += got;
		last = NULL;
		for (size_t i = have; i-- > have - got;)
			if (r->buf[i] == '\n') {
				last = r->buf + i;
				break;
			}
		if (!last)
			continue;
		if (!feed_lines(r, r->buf, last + 1))
			break;
		have -= (size_t)(last + 1 - r->buf);
		memmove(r->buf, last + 1, have);
	}
	return feed_end(r);
}

struct uvma_mm *replay_mm(struct replay *r, long pid)
{
	struct rp_proc *p;

	if (!r)
		return NULL;
	if (pid == 0)
		p = r->last ? r->last : r->main;
	else
		p = proc_find(r, pid);
	if (!p && pid == 0)
		p = main_process(r, 0);
	return p && p->mm ? p->mm->mm : NULL;
}

long replay_last_pid(const struct replay *r)
{
	return r && r->last ? r->last->pid : 0;
}

unsigned long replay_mismatches(const struct replay *r)
{
	return r ? r->mismatches : 0;
}

void replay_destroy(struct replay *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nprocs; i++)
		proc_free(r->procs[i]);
	uvma__free(r->procs, r->procs_cap * sizeof(*r->procs));
	uvma__free(r->hash, r->hash_cap * sizeof(*r->hash));
	if (r->initial_text)
		uvma__free(r->initial_text, r->initial_len + 1);
	if (r->exec_text)
		uvma__free(r->exec_text, r->exec_len + 1);
	uvma__free(r->buf, r->buf_cap);
	uvma__free(r->join, r->join_cap);
	uvma__free(r->carry, r->carry_cap);
	uvma__free(r->exp, r->exp_cap);
	uvma__free(r, sizeof(*r));
}
