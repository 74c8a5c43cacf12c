/* SPDX-License-Identifier: MIT */
/*
 * test_explain.c - uvma_explain_pair() against the live kernel.
 *
 * One case per reason.  Each case makes a pair of VMAs twice: with real
 * system calls in a forked child (inside live.h's private window), and
 * with the library on a fresh model.  The test checks, from the child's
 * own /proc/self/smaps, that the kernel really keeps the two VMAs apart
 * at the expected boundary, that the model's smaps window is byte for
 * byte the kernel's (so the model holds the same pair), and only then
 * that the explanation names exactly the reasons the construction
 * implies, in the kernel's order.  The expected reasons are written by
 * hand from how each pair is made, not taken from the implementation.
 *
 * Two reasons cannot be made by a public call on both sides here:
 *   - anon name: this kernel has CONFIG_ANON_VMA_NAME off (prctl returns
 *     EINVAL, checked below on both sides); the model case runs with the
 *     option on;
 *   - mempolicy: the model has no mbind(); the live kernel makes the pair
 *     with mbind(MPOL_BIND) and the model side applies the same policy
 *     through the core's vma_modify_policy(), the path mbind takes.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "live.h"
#include "mm/mm_internal.h"

#define PG 4096ull
#define W (LIVE_BASE + (1ull << 30))	/* the pair lives here */

/* ---- the kernel side: run @fn in a child, get its smaps window ---- */

struct kside {
	char text[16384];
	int status;		/* the child's exit status */
};

struct kernel_fn {
	void (*fn)(void *);
	void *arg;
};

/* In the child: run the scenario, then take the smaps window. */
static void kernel_child(void *arg, void *buf)
{
	const struct kernel_fn *k = arg;

	k->fn(k->arg);
	live_self_window(buf, sizeof(((struct kside *)0)->text));
}

/*
 * kernel_run() - fork; the child runs @fn (which may fork again: the
 * process that returns from @fn reports, others must _exit), then sends
 * its filtered smaps window.  Returns 0, or -1 to skip: no oracle (fork
 * failed), or the child exited with 5 (this machine lacks the feature).
 * Any other failure of the child also fails the test.
 */
static int kernel_run(void (*fn)(void *), void *arg, struct kside *k)
{
	struct kernel_fn f = { fn, arg };
	int r = live_child(kernel_child, &f, k->text, sizeof(k->text), &k->status);

	if (r == -2 && WIFEXITED(k->status) && WEXITSTATUS(k->status) == 5)
		return -1;
	return live_child_ok(r, __func__) ? 0 : -1;
}

static void *xmap(uint64_t addr, uint64_t len, int prot, int flags, int fd,
		  uint64_t off)
{
	void *p = mmap((void *)addr, len, prot, flags | MAP_FIXED, fd, (off_t)off);

	if (p == MAP_FAILED)
		_exit(3);
	return p;
}

/* model_text() - the model's smaps window, as live_filter() makes it. */
static void model_text(struct uvma_mm *mm, char *out, size_t size)
{
	char *text = NULL;

	out[0] = 0;
	if (uvma_smaps_text(mm, 0, &text, NULL) == 0) {
		live_filter(text, out, size);
		uvma_text_free(text);
	}
}

/* count_vmas() - header lines in a filtered window. */
static int count_vmas(const char *t)
{
	int n = 0;

	for (const char *l = t; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
		n += strncmp(l, "VmFlags:", 8) != 0;
	return n;
}

/* has_boundary() - a VMA of the window ends at @addr and another starts there. */
static bool has_boundary(const char *t, uint64_t addr)
{
	char a[40], b[40];

	snprintf(a, sizeof(a), "-%08llx ", (unsigned long long)addr);
	snprintf(b, sizeof(b), "\n%08llx-", (unsigned long long)addr);
	return strstr(t, a) && strstr(t, b);
}

/*
 * check_pair() - the kernel's window and the model's agree, the pair meets
 * at @boundary (or, with @gap, the left ends at @boundary - @gap), and the
 * explanation lists exactly @want (UVMA_WHY_COUNT-terminated).
 */
#define CHECK_PAIR(k, mm, boundary, gap, ...)                                \
	do {                                                                 \
		static char mt_[16384];                                      \
		const enum uvma_why want_[] = { __VA_ARGS__, UVMA_WHY_COUNT }; \
		struct uvma_merge_why w_;                                    \
		unsigned int nw_ = 0;                                        \
		model_text((mm), mt_, sizeof(mt_));                          \
		ASSERT_EQ((k)->status, 0);                                   \
		ASSERT_EQ(count_vmas((k)->text), 2);                         \
		if (!(gap))                                                  \
			ASSERT(has_boundary((k)->text, (boundary)));         \
		ASSERT_STR_EQ(mt_, (k)->text);                               \
		ASSERT_EQ(uvma_explain_pair((mm), (boundary), 0, &w_), 0);    \
		while (want_[nw_] != UVMA_WHY_COUNT)                         \
			nw_++;                                               \
		ASSERT_EQ(w_.n, nw_);                                        \
		for (unsigned int i_ = 0; i_ < nw_; i_++)                    \
			ASSERT_MSG(w_.reason[i_] == want_[i_],               \
				   "reason %u: got %s, want %s", i_,         \
				   uvma_why_name(w_.reason[i_]),             \
				   uvma_why_name(want_[i_]));                \
		ASSERT_EQ(w_.unknown, 0);                                    \
	} while (0)

static struct uvma_mm *new_model(void)
{
	struct uvma_config cfg;
	struct uvma_mm *mm = NULL;

	live_config(&cfg);
	if (uvma_mm_create(&cfg, &mm))
		return NULL;
	return mm;
}

#define RW (PROT_READ | PROT_WRITE)
#define ANON_FIXED (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

/* ---- flags: dc only on the right ---- */

static void k_flags(void *arg)
{
	(void)arg;
	xmap(W, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (madvise((void *)(W + PG), PG, MADV_DONTFORK))
		_exit(3);
}

TEST(explain_live_flags)
{
	struct kside k;
	struct uvma_mm *mm = new_model();
	struct uvma_merge_why w;

	ASSERT_NOT_NULL(mm);
	if (kernel_run(k_flags, NULL, &k) == 0) {
		ASSERT_EQ(uvma_mmap(mm, W, 2 * PG, RW, ANON_FIXED, NULL, 0), (int64_t)W);
		ASSERT_EQ(uvma_madvise(mm, W + PG, PG, MADV_DONTFORK), 0);
		CHECK_PAIR(&k, mm, W + PG, 0, UVMA_WHY_FLAGS);
		ASSERT_EQ(uvma_explain_pair(mm, W + PG, 0, &w), 0);
		ASSERT_EQ_X(w.flags_left_only, 0);
		ASSERT_EQ_X(w.flags_right_only, 0x00020000ull);	/* VM_DONTCOPY */
	}
	uvma_mm_destroy(mm);
}

/* ---- file: two opens of one inode; two inodes ---- */

struct files {
	char path[2][64];
	int nfiles;
};

static int make_file(char *path, size_t n, const char *tag)
{
	int fd;

	snprintf(path, n, "/tmp/uvma-explain-%d-%s", (int)getpid(), tag);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, 4 * PG)) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void k_files(void *arg)
{
	const struct files *fs = arg;
	int a = open(fs->path[0], O_RDONLY);
	int b = open(fs->path[fs->nfiles - 1], O_RDONLY);

	if (a < 0 || b < 0)
		_exit(3);
	xmap(W, PG, PROT_READ, MAP_PRIVATE, a, 0);
	xmap(W + PG, PG, PROT_READ, MAP_PRIVATE, b, PG);
}

static struct uvma_file *model_file(const char *path)
{
	struct stat st;
	struct uvma_file *f = NULL;
	struct uvma_file_desc d = { .path = path, .open_flags = UVMA_O_RDONLY };

	if (stat(path, &st))
		return NULL;
	d.dev_major = major(st.st_dev);
	d.dev_minor = minor(st.st_dev);
	d.ino = st.st_ino;
	d.size = (uint64_t)st.st_size;
	if (uvma_file_create(&d, &f))
		return NULL;
	return f;
}

static void files_case(int nfiles, enum uvma_why_file want)
{
	struct files fs = { .nfiles = nfiles };
	struct uvma_file *fa = NULL, *fb = NULL;
	struct uvma_mm *mm = new_model();
	struct uvma_merge_why w;
	struct kside k;

	ASSERT_NOT_NULL(mm);
	ASSERT_EQ(make_file(fs.path[0], sizeof(fs.path[0]), "a"), 0);
	if (nfiles == 2)
		ASSERT_EQ(make_file(fs.path[1], sizeof(fs.path[1]), "b"), 0);
	if (kernel_run(k_files, &fs, &k) == 0) {
		/* Two uvma_file_create() calls: two open file descriptions. */
		fa = model_file(fs.path[0]);
		fb = model_file(fs.path[nfiles - 1]);
		ASSERT(fa && fb);
		ASSERT_EQ(uvma_mmap(mm, W, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fa, 0),
			  (int64_t)W);
		ASSERT_EQ(uvma_mmap(mm, W + PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED,
				    fb, PG), (int64_t)(W + PG));
		CHECK_PAIR(&k, mm, W + PG, 0, UVMA_WHY_FILE);
		ASSERT_EQ(uvma_explain_pair(mm, W + PG, 0, &w), 0);
		ASSERT_EQ(w.file, want);
	}
	uvma_file_unref(fa);
	uvma_file_unref(fb);
	unlink(fs.path[0]);
	if (nfiles == 2)
		unlink(fs.path[1]);
	uvma_mm_destroy(mm);
}

TEST(explain_live_file_two_opens)
{
	CHECK(files_case(1, UVMA_WHY_FILE_OTHER_OPEN));
}

TEST(explain_live_file_two_inodes)
{
	CHECK(files_case(2, UVMA_WHY_FILE_OTHER_INODE));
}

/* ---- pgoff: one open file, page 0 mapped twice side by side ---- */

static void k_pgoff(void *arg)
{
	int fd = open(arg, O_RDONLY);

	if (fd < 0)
		_exit(3);
	xmap(W, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	xmap(W + PG, PG, PROT_READ, MAP_PRIVATE, fd, 0);
}

TEST(explain_live_pgoff)
{
	char path[64];
	struct uvma_file *f = NULL;
	struct uvma_mm *mm = new_model();
	struct uvma_merge_why w;
	struct kside k;

	ASSERT_NOT_NULL(mm);
	ASSERT_EQ(make_file(path, sizeof(path), "p"), 0);
	if (kernel_run(k_pgoff, path, &k) == 0) {
		f = model_file(path);
		ASSERT_NOT_NULL(f);
		ASSERT_EQ(uvma_mmap(mm, W, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0),
			  (int64_t)W);
		ASSERT_EQ(uvma_mmap(mm, W + PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED,
				    f, 0), (int64_t)(W + PG));
		CHECK_PAIR(&k, mm, W + PG, 0, UVMA_WHY_PGOFF);
		ASSERT_EQ(uvma_explain_pair(mm, W + PG, 0, &w), 0);
		ASSERT_EQ_X(w.left.pgoff, 0);
		ASSERT_EQ_X(w.right.pgoff, 0);
		ASSERT_EQ_X(w.pgoff_expected, 1);
	}
	uvma_file_unref(f);
	unlink(path);
	uvma_mm_destroy(mm);
}

/* ---- anon_vma: two faulted VMAs, then the hole between them filled ---- */
/*
 * 0 1 2
 * A . B    both written: two anon_vmas (no compatible neighbour at fault)
 * A C B    C joins A (merging both would join two anon_vmas)
 */
static void k_anon_vma(void *arg)
{
	(void)arg;
	xmap(W, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*(volatile char *)W = 1;
	xmap(W + 2 * PG, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*(volatile char *)(W + 2 * PG) = 1;
	xmap(W + PG, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

TEST(explain_live_anon_vma)
{
	struct uvma_mm *mm = new_model();
	struct uvma_merge_why w;
	struct kside k;

	ASSERT_NOT_NULL(mm);
	if (kernel_run(k_anon_vma, NULL, &k) == 0) {
		ASSERT_EQ(uvma_mmap(mm, W, PG, RW, ANON_FIXED, NULL, 0), (int64_t)W);
		ASSERT_EQ(uvma_fault(mm, W, UVMA_FAULT_WRITE), 0);
		ASSERT_EQ(uvma_mmap(mm, W + 2 * PG, PG, RW, ANON_FIXED, NULL, 0),
			  (int64_t)(W + 2 * PG));
		ASSERT_EQ(uvma_fault(mm, W + 2 * PG, UVMA_FAULT_WRITE), 0);
		ASSERT_EQ(uvma_mmap(mm, W + PG, PG, RW, ANON_FIXED, NULL, 0),
			  (int64_t)(W + PG));
		CHECK_PAIR(&k, mm, W + 2 * PG, 0, UVMA_WHY_ANON_VMA);
		ASSERT_EQ(uvma_explain_pair(mm, W + 2 * PG, 0, &w), 0);
		ASSERT(w.left.anon_vma && w.right.anon_vma);
		ASSERT(w.left.anon_vma != w.right.anon_vma);
	}
	uvma_mm_destroy(mm);
}

/* ---- anon_vma: a fork child's faulted VMA against an unfaulted one ---- */

static void k_fork_child(void *arg)
{
	pid_t pid;
	int st;

	(void)arg;
	xmap(W, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*(volatile char *)W = 1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		_exit(3);
	if (pid > 0) {
		waitpid(pid, &st, 0);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 4);
	}
	/* The grandchild reports. */
	xmap(W + PG, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

TEST(explain_live_fork_child)
{
	struct uvma_mm *mm = new_model(), *child = NULL;
	struct uvma_merge_why w;
	struct kside k;

	ASSERT_NOT_NULL(mm);
	if (kernel_run(k_fork_child, NULL, &k) == 0) {
		ASSERT_EQ(uvma_mmap(mm, W, PG, RW, ANON_FIXED, NULL, 0), (int64_t)W);
		ASSERT_EQ(uvma_fault(mm, W, UVMA_FAULT_WRITE), 0);
		ASSERT_EQ(uvma_fork(mm, &child), 0);
		ASSERT_EQ(uvma_mmap(child, W + PG, PG, RW, ANON_FIXED, NULL, 0),
			  (int64_t)(W + PG));
		CHECK_PAIR(&k, child, W + PG, 0, UVMA_WHY_ANON_VMA);
		ASSERT_EQ(uvma_explain_pair(child, W + PG, 0, &w), 0);
		ASSERT(w.left.anon_vma && w.left.fork_child);
		ASSERT_EQ(w.right.anon_vma, 0);
	}
	uvma_mm_destroy(child);
	uvma_mm_destroy(mm);
}

/* ---- uffd: each page registered with its own context ---- */

static int k_uffd_register(uint64_t addr)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = addr, .len = PG },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0 || ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &reg))
		return -1;
	return fd;
}

static void k_uffd(void *arg)
{
	(void)arg;
	xmap(W, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (k_uffd_register(W) < 0 || k_uffd_register(W + PG) < 0)
		_exit(5);	/* no userfaultfd here */
}

TEST(explain_live_uffd)
{
	struct uvma_mm *mm = new_model();
	struct uvma_uffd *u1 = NULL, *u2 = NULL;
	struct kside k;

	ASSERT_NOT_NULL(mm);
	if (kernel_run(k_uffd, NULL, &k) == 0) {
		ASSERT_EQ(uvma_mmap(mm, W, 2 * PG, RW, ANON_FIXED, NULL, 0), (int64_t)W);
		ASSERT_EQ(uvma_uffd_create(mm, 0, &u1), 0);
		ASSERT_EQ(uvma_uffd_create(mm, 0, &u2), 0);
		ASSERT_EQ(uvma_uffd_register(u1, W, PG, UVMA_UFFDIO_REGISTER_MODE_MISSING), 0);
		ASSERT_EQ(uvma_uffd_register(u2, W + PG, PG,
					     UVMA_UFFDIO_REGISTER_MODE_MISSING), 0);
		/* Same flags (um on both): only the contexts differ. */
		CHECK_PAIR(&k, mm, W + PG, 0, UVMA_WHY_UFFD);
	}
	uvma_uffd_close(u1);
	uvma_uffd_close(u2);
	uvma_mm_destroy(mm);
}

/* ---- mempolicy: mbind(MPOL_BIND) on the right page ---- */

#define MPOL_BIND_ 2

static void k_mempolicy(void *arg)
{
	unsigned long nodes = 1;
	char line[512];
	FILE *f;
	int bind = 0, dflt = 0;

	(void)arg;
	xmap(W, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (syscall(SYS_mbind, W + PG, PG, MPOL_BIND_, &nodes, 64, 0))
		_exit(5);	/* no NUMA policies here */
	/* numa_maps must show the policy the pair differs in. */
	f = fopen("/proc/self/numa_maps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long s = strtoull(line, NULL, 16);

		if (s == W && strstr(line, " default"))
			dflt = 1;
		if (s == W + PG && strstr(line, " bind:0"))
			bind = 1;
	}
	if (f)
		fclose(f);
	if (!bind || !dflt)
		_exit(6);
}

TEST(explain_live_mempolicy)
{
	struct uvma_mm *mm = new_model();
	struct vm_area_struct *vma, *res = NULL, *prev;
	struct mempolicy *pol;
	struct kside k;

	ASSERT_NOT_NULL(mm);
	if (kernel_run(k_mempolicy, NULL, &k) == 0) {
		ASSERT_EQ(uvma_mmap(mm, W, 2 * PG, RW, ANON_FIXED, NULL, 0), (int64_t)W);
		/* mbind's path in the core: modify the range's policy. */
		vma = find_vma_prev(&mm->vmm, W + PG, &prev);
		ASSERT_NOT_NULL(vma);
		pol = mpol_new(MPOL_BIND_, 0, 1);
		ASSERT_NOT_NULL(pol);
		{
			VMA_ITERATOR(vmi, &mm->vmm, W + PG);

			ASSERT_EQ(vma_modify_policy(&vmi, vma, vma, W + PG, W + 2 * PG,
						    pol, &res), 0);
		}
		ASSERT_PTR_EQ(vma_policy(res), pol);	/* written by the modify */
		mpol_put(pol);
		CHECK_PAIR(&k, mm, W + PG, 0, UVMA_WHY_POLICY);
	}
	uvma_mm_destroy(mm);
}

/* ---- anon name: refused on this kernel; the model with the option ---- */

TEST(explain_anon_name)
{
	struct uvma_config cfg;
	struct uvma_mm *mm = NULL;
	void *p = mmap(NULL, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int live;

	ASSERT(p != MAP_FAILED);
	live = prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p, PG,
		     (unsigned long)"x") ? -errno : 0;
	munmap(p, 2 * PG);
	live_config(&cfg);
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, W, 2 * PG, RW, ANON_FIXED, NULL, 0), (int64_t)W);
	/* Whatever this kernel says, the model configured like it agrees. */
	cfg.anon_vma_name = live == 0;
	ASSERT_EQ(uvma_set_vma_anon_name(mm, W, PG, "x"), live);
	uvma_mm_destroy(mm);

	/*
	 * 0 1
	 * x .   named "x" on the left only: one reason, the name
	 */
	cfg.anon_vma_name = true;
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	ASSERT_EQ(uvma_mmap(mm, W, 2 * PG, RW, ANON_FIXED, NULL, 0), (int64_t)W);
	ASSERT_EQ(uvma_set_vma_anon_name(mm, W, PG, "x"), 0);
	{
		struct uvma_merge_why w;

		ASSERT_EQ(uvma_explain_pair(mm, W + PG, 0, &w), 0);
		ASSERT_EQ(w.n, 1);
		ASSERT_EQ(w.reason[0], UVMA_WHY_ANON_NAME);
		ASSERT_STR_EQ(w.left.anon_name, "x");
		ASSERT_NULL(w.right.anon_name);
	}
	uvma_mm_destroy(mm);
}

/* ---- gap: one free page between two otherwise identical VMAs ---- */

static void k_gap(void *arg)
{
	(void)arg;
	xmap(W, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	xmap(W + 2 * PG, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

TEST(explain_live_gap)
{
	struct uvma_mm *mm = new_model();
	struct uvma_merge_why w;
	struct kside k;

	ASSERT_NOT_NULL(mm);
	if (kernel_run(k_gap, NULL, &k) == 0) {
		ASSERT_EQ(uvma_mmap(mm, W, PG, RW, ANON_FIXED, NULL, 0), (int64_t)W);
		ASSERT_EQ(uvma_mmap(mm, W + 2 * PG, PG, RW, ANON_FIXED, NULL, 0),
			  (int64_t)(W + 2 * PG));
		/* Anon pgoff is address >> 12: contiguous across the gap. */
		CHECK_PAIR(&k, mm, W + 2 * PG, 1, UVMA_WHY_GAP);
		/* An address inside the gap names the same pair. */
		ASSERT_EQ(uvma_explain_pair(mm, W + PG, 0, &w), 0);
		ASSERT_EQ_X(w.left.end, W + PG);
		ASSERT_EQ_X(w.right.start, W + 2 * PG);
		/* Inside a VMA there is no pair. */
		ASSERT_EQ(uvma_explain_pair(mm, W + 2 * PG + 1, 0, &w), -ENOENT);
		ASSERT_EQ(uvma_explain_pair(mm, W, 0, &w), -ENOENT);
	}
	uvma_mm_destroy(mm);
}

/* ---- VM_SPECIAL: this process's own [vvar] | [vvar_vclock] | [vdso] ---- */

struct special_line {
	uint64_t start, end;
	char flags[160];
};

/* find_special() - the maps range and VmFlags of @name in @smaps. */
static bool find_special(const char *smaps, const char *name,
			 struct special_line *s)
{
	const char *l = smaps;

	while ((l = strstr(l, name)) != NULL) {
		const char *h = l, *v;

		while (h > smaps && h[-1] != '\n')
			h--;
		if (l[strlen(name)] == '\n' &&
		    sscanf(h, "%lx-%lx", (unsigned long *)&s->start,
			   (unsigned long *)&s->end) == 2) {
			v = strstr(l, "VmFlags: ");
			if (!v)
				return false;
			v += 9;
			snprintf(s->flags, sizeof(s->flags), "%.*s",
				 (int)strcspn(v, "\n"), v);
			return true;
		}
		l += strlen(name);
	}
	return false;
}

TEST(explain_live_special)
{
	static char smaps[1 << 20];
	struct special_line k[3], m[3];
	const char *names[3] = { "[vvar]", "[vvar_vclock]", "[vdso]" };
	const enum uvma_special kinds[3] = { UVMA_SPECIAL_VVAR,
					     UVMA_SPECIAL_VVAR_VCLOCK,
					     UVMA_SPECIAL_VDSO };
	struct uvma_merge_why w;
	struct uvma_mm *mm = new_model();
	char *text = NULL;
	FILE *f = fopen("/proc/self/smaps", "r");
	size_t n;

	ASSERT_NOT_NULL(mm);
	ASSERT_NOT_NULL(f);
	n = fread(smaps, 1, sizeof(smaps) - 1, f);
	smaps[n] = 0;
	fclose(f);
	for (int i = 0; i < 3; i++) {
		ASSERT(find_special(smaps, names[i], &k[i]));
		ASSERT_EQ(uvma_map_special(mm, kinds[i], k[i].start,
					   k[i].end - k[i].start), 0);
	}
	/* The kernel keeps the three apart, end to end. */
	ASSERT_EQ_X(k[0].end, k[1].start);
	ASSERT_EQ_X(k[1].end, k[2].start);
	/* The model holds the same three, with the same flags. */
	ASSERT_EQ(uvma_smaps_text(mm, 0, &text, NULL), 0);
	for (int i = 0; i < 3; i++) {
		ASSERT(find_special(text, names[i], &m[i]));
		ASSERT_EQ_X(m[i].start, k[i].start);
		ASSERT_EQ_X(m[i].end, k[i].end);
		ASSERT_STR_EQ(m[i].flags, k[i].flags);
	}
	uvma_text_free(text);
	/* vvar | vvar_vclock: both "pf io de", identical otherwise. */
	ASSERT_EQ(uvma_explain_pair(mm, k[1].start, 0, &w), 0);
	ASSERT(w.n >= 1);
	ASSERT_EQ(w.reason[0], UVMA_WHY_SPECIAL);
	/* vvar_vclock | vdso: special, and the flags differ (ex, pf, io, dd). */
	ASSERT_EQ(uvma_explain_pair(mm, k[2].start, 0, &w), 0);
	ASSERT(w.n >= 2);
	ASSERT_EQ(w.reason[0], UVMA_WHY_SPECIAL);
	ASSERT_EQ(w.reason[1], UVMA_WHY_FLAGS);
	uvma_mm_destroy(mm);
}

/* ---- would merge: a snapshot listing one VMA as two ---- */
/*
 * The imported model holds [A][B] (identical, unfaulted) apart only
 * because the snapshot lists them so; the kernel, given the same layout
 * made by calls, holds one VMA.  After the same round trip on B
 * (mprotect r, then rw) both sides hold one VMA: the merge the
 * explanation promises happens at the next call that tries one.
 */
static void k_would_merge(void *arg)
{
	(void)arg;
	xmap(W, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mprotect((void *)(W + PG), PG, PROT_READ) ||
	    mprotect((void *)(W + PG), PG, RW))
		_exit(3);
}

TEST(explain_live_would_merge)
{
	char snap[512];
	struct uvma_config cfg;
	struct uvma_mm *mm = NULL;
	struct uvma_merge_why w;
	static char mt[16384];
	struct kside k;

	snprintf(snap, sizeof(snap),
		 "%llx-%llx rw-p 00000000 00:00 0 \nVmFlags: rd wr mr mw me ac \n"
		 "%llx-%llx rw-p 00000000 00:00 0 \nVmFlags: rd wr mr mw me ac \n",
		 (unsigned long long)W, (unsigned long long)(W + PG),
		 (unsigned long long)(W + PG), (unsigned long long)(W + 2 * PG));
	live_config(&cfg);
	ASSERT_EQ(uvma_import(&cfg, snap, strlen(snap), &mm, NULL), 0);
	ASSERT_EQ(uvma_mm_map_count(mm), 2);
	ASSERT_EQ(uvma_explain_pair(mm, W + PG, 0, &w), 0);
	ASSERT_EQ(w.n, 0);
	ASSERT_EQ(w.unknown, 0);
	/* As a snapshot, what smaps cannot show is unknown, not "equal". */
	ASSERT_EQ(uvma_explain_pair(mm, W + PG, UVMA_EXPLAIN_SNAPSHOT, &w), 0);
	ASSERT_EQ(w.n, 0);
	ASSERT_EQ(w.unknown, (1u << UVMA_WHY_POLICY) | (1u << UVMA_WHY_ANON_VMA) |
				     (1u << UVMA_WHY_PGOFF));
	if (kernel_run(k_would_merge, NULL, &k) == 0) {
		ASSERT_EQ(k.status, 0);
		ASSERT_EQ(count_vmas(k.text), 1);
		ASSERT_EQ(uvma_mprotect(mm, W + PG, PG, PROT_READ), 0);
		ASSERT_EQ(uvma_mprotect(mm, W + PG, PG, RW), 0);
		model_text(mm, mt, sizeof(mt));
		ASSERT_STR_EQ(mt, k.text);
	}
	uvma_mm_destroy(mm);
}

/* ---- argument checks ---- */

TEST(explain_pair_args)
{
	struct uvma_mm *mm = new_model();
	struct uvma_merge_why w;

	ASSERT_NOT_NULL(mm);
	ASSERT_EQ(uvma_explain_pair(mm, W, 0, &w), -ENOENT);	/* empty */
	ASSERT_EQ(uvma_mmap(mm, W, PG, RW, ANON_FIXED, NULL, 0), (int64_t)W);
	ASSERT_EQ(uvma_explain_pair(mm, W, 0, &w), -ENOENT);	/* no left */
	ASSERT_EQ(uvma_explain_pair(mm, W + PG, 0, &w), -ENOENT); /* no right */
	ASSERT_EQ(uvma_explain_pair(mm, W, 0x100, &w), -EINVAL);
	ASSERT_STR_EQ(uvma_why_name(UVMA_WHY_PGOFF), "pgoff");
	ASSERT_STR_EQ(uvma_why_name(UVMA_WHY_COUNT), "?");
	uvma_mm_destroy(mm);
}
