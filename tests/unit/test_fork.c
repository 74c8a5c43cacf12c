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

TEST(fork_uffd_and_oom)
{
	struct uvma_mm *parent, *child;
	struct uvma_uffd *u, *uf;
	struct uvma_vma_info vi;
	int64_t a, live;

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

	live = uvma_alloc_live();
	for (uint64_t k = 1;; k++) {
		int r;

		uvma_alloc_fail_at(k, 0);
		r = uvma_fork(parent, &child);
		uvma_alloc_fail_at(0, 0);
		if (r == 0) {
			uvma_mm_destroy(child);
			break;
		}
		ASSERT_EQ(r, -ENOMEM);
		ASSERT_NULL(child);
		ASSERT_EQ(uvma_alloc_live(), live);
		ASSERT_LT(k, 100);
	}
	ASSERT_EQ(uvma_mm_validate(parent), 0);
	uvma_uffd_close(u);
	uvma_uffd_close(uf);
	uvma_mm_destroy(parent);
}
