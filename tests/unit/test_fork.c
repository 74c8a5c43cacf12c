/* SPDX-License-Identifier: MIT */
/*
 * test_fork.c - fork(): the child's address space.
 *
 * The live test runs a script in a forked child of the test, which then
 * forks again; the grandchild runs a second script and reports its own
 * /proc/self/smaps.  The model runs the first script, uvma_fork(), then
 * the second script on the child.  Kernel behaviours pinned (seen live):
 * VM_DONTCOPY VMAs are missing in the child; VM_LOCKED is dropped (and
 * VmLck is 0 kB); wf VMAs keep their flags; gu is kept; pieces of one
 * faulted parent VMA get separate anon_vmas in the child and never merge
 * again, and a faulted VMA no longer merges with an unfaulted neighbour,
 * while the parent re-merges both.
 */
#include <errno.h>

#include "live.h"
#include "test.h"
#include "uvma/uvma.h"

#define PG 4096ull
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

struct fork_ops {
	const struct live_op *pre, *post;
};

/* In the child: @pre, then fork; the grandchild runs @post and reports. */
static void fork_child(void *arg, void *buf)
{
	const struct fork_ops *o = arg;
	struct live_result *r = buf;

	for (int i = 0; o->pre[i].op != L_END; i++)
		(void)live_sys(&o->pre[i]);
	fflush(NULL);
	if (fork() != 0) {
		wait(NULL);
		_exit(0);
	}
	for (r->n = 0; o->post[r->n].op != L_END; r->n++)
		r->ret[r->n] = live_sys(&o->post[r->n]);
	live_self_window(r->text, sizeof(r->text));
}

/* fork_kernel() - @pre in a child, @post in its own forked child. */
static int fork_kernel(const struct live_op *pre, const struct live_op *post,
		       struct live_result *res)
{
	struct fork_ops o = { pre, post };

	return live_child_ok(live_child(fork_child, &o, res, sizeof(*res), NULL),
			     __func__) ? 0 : -1;
}

TEST(fork_live_child_layout)
{
	static const struct live_op pre[] = {
		{ L_MMAP, 0, 2 * PG, RW, PRIV },
		{ L_MADVISE, 0, PG, MADV_DONTFORK },
		{ L_MMAP, 3 * PG, 2 * PG, RW, PRIV },
		{ L_MADVISE, 3 * PG, PG, MADV_WIPEONFORK },
		{ L_TOUCH, 3 * PG }, { L_TOUCH, 4 * PG },
		{ L_MMAP, 6 * PG, 2 * PG, RW, PRIV | MAP_LOCKED },
		/* one faulted VMA cut in three */
		{ L_MMAP, 20 * PG, 3 * PG, RW, PRIV },
		{ L_TOUCH, 20 * PG },
		{ L_MPROTECT, 21 * PG, PG, PROT_READ },
		/* faulted next to unfaulted */
		{ L_MMAP, 30 * PG, 3 * PG, RW, PRIV },
		{ L_MPROTECT, 31 * PG, PG, PROT_READ },
		{ L_TOUCH, 30 * PG },
		{ L_MMAP, 40 * PG, 2 * PG, RW, PRIV },
		{ L_MADVISE, 40 * PG, PG, 102 },
		{ L_END },
	};
	static const struct live_op post[] = {
		{ L_MPROTECT, 21 * PG, PG, RW },
		{ L_MPROTECT, 31 * PG, PG, RW },
		{ L_MMAP, 8 * PG, PG, RW, PRIV },
		{ L_END },
	};
	static struct live_result k, m;
	struct uvma_config cfg;
	struct uvma_mm *parent, *child;
	char *text = NULL;

	if (fork_kernel(pre, post, &k))
		return;
	live_config(&cfg);
	ASSERT_EQ(uvma_mm_create(&cfg, &parent), 0);
	live_run_model(parent, pre, &m);
	ASSERT_EQ(uvma_fork(parent, &child), 0);
	ASSERT_EQ(uvma_mm_validate(child), 0);
	live_run_model(child, post, &m);
	if (getenv("UVMA_LIVE_DUMP"))
		printf("kernel:\n%smodel:\n%s", k.text, m.text);
	for (int i = 0; i < k.n; i++)
		ASSERT_EQ(k.ret[i], m.ret[i]);
	ASSERT_STR_EQ(m.text, k.text);

	/* The parent re-merges what the child cannot. */
	ASSERT_EQ(uvma_mprotect(parent, LIVE_BASE + 21 * PG, PG, RW), 0);
	ASSERT_EQ(uvma_smaps_text(parent, 0, &text, NULL), 0);
	ASSERT(strstr(text, "200000014000-200000017000 rw-p") != NULL);
	uvma_text_free(text);
	uvma_mm_destroy(child);
	uvma_mm_destroy(parent);
}

/*
 * fork_fails_cleanly() - fork @mm with the k-th allocation failing, for
 * k = 1, 2, ... until a fork succeeds: each failure is -ENOMEM with no
 * child and nothing leaked (the successful child is destroyed).
 */
static void fork_fails_cleanly(struct uvma_mm *mm)
{
	int64_t live = uvma_alloc_live();

	for (uint64_t k = 1;; k++) {
		struct uvma_mm *child;
		int r;

		uvma_alloc_fail_at(k, 0);
		r = uvma_fork(mm, &child);
		uvma_alloc_fail_at(0, 0);
		if (r == 0) {
			uvma_mm_destroy(child);
			return;
		}
		ASSERT_EQ(r, -ENOMEM);
		ASSERT_NULL(child);
		ASSERT_EQ(uvma_alloc_live(), live);
		ASSERT_LT(k, 100);
	}
}

TEST(fork_uffd_and_oom)
{
	struct uvma_mm *parent, *child;
	struct uvma_uffd *u, *uf;
	struct uvma_vma_info vi;
	int64_t a;

	ASSERT_EQ(uvma_mm_create(NULL, &parent), 0);
	a = uvma_mmap(parent, 0, 4 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	ASSERT_GT(a, 0);
	ASSERT_EQ(uvma_uffd_create(parent, 0, &u), 0);
	ASSERT_EQ(uvma_uffd_create(parent, UVMA_UFFD_FEATURE_EVENT_FORK, &uf), 0);
	ASSERT_EQ(uvma_uffd_register(u, (uint64_t)a, PG, 1), 0);
	ASSERT_EQ(uvma_uffd_register(uf, (uint64_t)a + 2 * PG, PG, 1), 0);
	ASSERT_EQ(uvma_fault(parent, (uint64_t)a + 3 * PG, UVMA_FAULT_WRITE), 0);

	/* Without EVENT_FORK the child loses the registration. */
	ASSERT_EQ(uvma_fork(parent, &child), 0);
	ASSERT_EQ(uvma_vma_find(child, (uint64_t)a, &vi), 1);
	ASSERT_EQ(vi.uffd, 0);
	ASSERT_EQ(vi.flags & 0x200, 0);
	ASSERT_EQ(uvma_vma_find(child, (uint64_t)a + 2 * PG, &vi), 1);
	ASSERT_EQ(vi.uffd, 1);
	ASSERT_EQ(uvma_vma_find(child, (uint64_t)a + 3 * PG, &vi), 1);
	ASSERT_EQ(vi.fork_child, 1);
	uvma_mm_destroy(child);

	fork_fails_cleanly(parent);
	ASSERT_EQ(uvma_mm_validate(parent), 0);
	uvma_uffd_close(u);
	uvma_uffd_close(uf);
	uvma_mm_destroy(parent);
}

/*
 * F_SEAL_WRITE and fork(): a shared writable-capable mapping in either
 * process makes the seal -EBUSY; a VM_DONTCOPY one is the parent's alone.
 * The kernel side runs in a child, which forks the grandchildren.
 */
enum { SEAL_STEPS = 6 };

static int seal_now(int fd)
{
	return fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) ? -errno : 0;
}

static void seal_fork_child(void *arg, void *buf)
{
	int64_t *r = buf;
	int fd[3], go[2];
	char *p[3];
	pid_t g;

	(void)arg;
	for (int i = 0; i < 3; i++) {
		fd[i] = memfd_create("s", MFD_ALLOW_SEALING);
		if (fd[i] < 0 || ftruncate(fd[i], (off_t)(2 * PG)))
			_exit(1);
		p[i] = mmap(NULL, 2 * PG, RW, MAP_SHARED, fd[i], 0);
		if (p[i] == MAP_FAILED)
			_exit(1);
	}
	/* 0: the grandchild drops its copy; the parent's still counts. */
	if ((g = fork()) == 0) {
		munmap(p[0], 2 * PG);
		_exit(seal_now(fd[0]) == -EBUSY ? 0 : 1);
	}
	waitpid(g, &go[0], 0);
	r[0] = WIFEXITED(go[0]) && WEXITSTATUS(go[0]) == 0;
	r[1] = seal_now(fd[0]);			/* own mapping: -EBUSY */
	munmap(p[0], 2 * PG);
	r[2] = seal_now(fd[0]);			/* none left: 0 */
	/* 1: the parent drops its mapping while the grandchild keeps one. */
	if (pipe(go))
		_exit(1);
	if ((g = fork()) == 0) {
		char c;

		close(go[1]);
		(void)!read(go[0], &c, 1);	/* until the parent closes */
		_exit(0);
	}
	close(go[0]);
	munmap(p[1], 2 * PG);
	r[3] = seal_now(fd[1]);			/* the grandchild's: -EBUSY */
	close(go[1]);
	waitpid(g, NULL, 0);
	r[4] = seal_now(fd[1]);			/* gone with it: 0 */
	/* 2: MADV_DONTFORK: the grandchild never had a copy. */
	madvise(p[2], 2 * PG, MADV_DONTFORK);
	if ((g = fork()) == 0) {
		pause();
		_exit(0);
	}
	munmap(p[2], 2 * PG);
	r[5] = seal_now(fd[2]);			/* 0 while the grandchild lives */
	kill(g, SIGKILL);
	waitpid(g, NULL, 0);
}

TEST(fork_seal_write_counts_both_processes)
{
	int64_t k[SEAL_STEPS], m[SEAL_STEPS];
	struct uvma_mm *mm, *child;
	struct uvma_config cfg;
	struct uvma_file *f[3];
	int64_t p[3];

	if (!live_child_ok(live_child(seal_fork_child, NULL, k, sizeof(k), NULL),
			   __func__))
		return;
	live_config(&cfg);
	ASSERT_EQ(uvma_mm_create(&cfg, &mm), 0);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(uvma_memfd_create("s", UVMA_MFD_ALLOW_SEALING, &f[i]), 0);
		ASSERT_EQ(uvma_file_truncate(f[i], 2 * PG), 0);
		p[i] = uvma_mmap(mm, 0, 2 * PG, RW, MAP_SHARED, f[i], 0);
		ASSERT_GT(p[i], 0);
	}
	/* A fork that runs out of memory halfway leaves the count as it was. */
	fork_fails_cleanly(mm);
	ASSERT_EQ(uvma_fork(mm, &child), 0);
	ASSERT_EQ(uvma_munmap(child, (uint64_t)p[0], 2 * PG), 0);
	m[0] = uvma_memfd_add_seals(f[0], UVMA_F_SEAL_WRITE) == -EBUSY;
	uvma_mm_destroy(child);
	m[1] = uvma_memfd_add_seals(f[0], UVMA_F_SEAL_WRITE);
	ASSERT_EQ(uvma_munmap(mm, (uint64_t)p[0], 2 * PG), 0);
	m[2] = uvma_memfd_add_seals(f[0], UVMA_F_SEAL_WRITE);

	ASSERT_EQ(uvma_fork(mm, &child), 0);
	ASSERT_EQ(uvma_munmap(mm, (uint64_t)p[1], 2 * PG), 0);
	m[3] = uvma_memfd_add_seals(f[1], UVMA_F_SEAL_WRITE);
	uvma_mm_destroy(child);
	m[4] = uvma_memfd_add_seals(f[1], UVMA_F_SEAL_WRITE);

	ASSERT_EQ(uvma_madvise(mm, (uint64_t)p[2], 2 * PG, MADV_DONTFORK), 0);
	ASSERT_EQ(uvma_fork(mm, &child), 0);
	ASSERT_EQ(uvma_munmap(mm, (uint64_t)p[2], 2 * PG), 0);
	m[5] = uvma_memfd_add_seals(f[2], UVMA_F_SEAL_WRITE);
	uvma_mm_destroy(child);

	for (int i = 0; i < SEAL_STEPS; i++)
		ASSERT_MSG(k[i] == m[i], "step %d: kernel %jd model %jd", i,
			   (intmax_t)k[i], (intmax_t)m[i]);
	for (int i = 0; i < 3; i++)
		uvma_file_unref(f[i]);
	uvma_mm_destroy(mm);
}
