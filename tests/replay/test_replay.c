/* SPDX-License-Identifier: MIT */
/*
 * test_replay.c - the replay engine (tools/replay.h) through its API.
 *
 * Expected layouts are drawn by hand from the kernel's rules (a dup is the
 * same file and merges, two opens are not; a CLONE_VM child shares the
 * address space, a fork child copies it), or taken from the bundled
 * examples whose @expect blocks came from the live kernel.  Also: events,
 * follow mode placing at the recorded address, allocation failure at every
 * allocation of a whole replay (status or -ENOMEM, never a leak), and
 * random corruptions of real traces (never a crash, status 0..2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "test.h"

/* struct run - a replay of @text with output captured. */
struct run {
	char *out, *err;
	size_t out_len, err_len;
	int rc;
	unsigned long mismatches;
	char maps[8192];		/* final maps of @pid */
};

static int do_run(struct run *R, const char *text, bool strict, long pid,
		  void (*hook)(void *, const struct replay_event *), void *ctx)
{
	struct replay_options o;
	struct replay *r;
	FILE *out, *err;
	int rc;

	memset(R, 0, sizeof(*R));
	out = open_memstream(&R->out, &R->out_len);
	err = open_memstream(&R->err, &R->err_len);
	replay_options_init(&o);
	o.strict = strict;
	o.out = out;
	o.err = err;
	o.on_event = hook;
	o.ctx = ctx;
	rc = replay_create(&o, &r);
	if (!rc) {
		struct uvma_mm *mm;

		rc = replay_feed_text(r, "t", text, strlen(text));
		R->mismatches = replay_mismatches(r);
		mm = replay_mm(r, pid);
		if (mm && rc >= 0) {
			char *t = NULL;
			size_t n = 0;

			if (uvma_maps_text(mm, &t, &n) == 0) {
				snprintf(R->maps, sizeof(R->maps), "%s", t);
				uvma_text_free(t);
			}
		}
		replay_destroy(r);
	}
	fclose(out);
	fclose(err);
	R->rc = rc;
	return rc;
}

static void run_free(struct run *R)
{
	free(R->out);
	free(R->err);
}

/* range_lines() - the maps lines of @maps inside [lo, hi), addresses only. */
static void range_lines(const char *maps, uint64_t lo, uint64_t hi, char *buf,
			size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	for (const char *l = maps; *l;) {
		const char *e = strchr(l, '\n');
		unsigned long long s, t;
		char perm[8];

		if (sscanf(l, "%llx-%llx %7s", &s, &t, perm) == 3 && s >= lo &&
		    t <= hi)
			n += (size_t)snprintf(buf + n, size - n, "%llx-%llx %s\n",
					      s, t, perm);
		if (!e)
			break;
		l = e + 1;
	}
}

#define W "0x7f0000000000"

TEST(replay_hand_written_layout)
{
	/*
	 * 0123456789
	 * AAAAA        mmap 5 pages rw
	 * A-AAA        mprotect page 1 read-only: three VMAs
	 * AAAAA        back: one again
	 * AAA A        munmap page 3: two
	 */
	struct run R;
	char got[512];

	do_run(&R,
	       "mmap(" W ", 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = " W "\n"
	       "mprotect(0x7f0000001000, 4096, PROT_READ) = 0\n"
	       "mprotect(0x7f0000001000, 4096, PROT_READ|PROT_WRITE)\n"
	       "munmap(0x7f0000003000, 4096) = 0\n", true, 0, NULL, NULL);
	range_lines(R.maps, 0x7f0000000000, 0x7f0000100000, got, sizeof(got));
	ASSERT_EQ(R.rc, 0);
	ASSERT_STR_EQ(got, "7f0000000000-7f0000003000 rw-p\n"
			   "7f0000004000-7f0000005000 rw-p\n");
	run_free(&R);
}

TEST(replay_files_dup_merges_two_opens_do_not)
{
	/* fd 3 and its dup 5 are one file: contiguous offsets merge; fd 4
	 * is a second open of the same path: never merges (struct file). */
	struct run R;
	char got[512];

	do_run(&R,
	       "openat(AT_FDCWD, \"/nonexistent/lib.so\", O_RDONLY) = 3\n"
	       "openat(AT_FDCWD, \"/nonexistent/lib.so\", O_RDONLY) = 4\n"
	       "dup(3) = 5\n"
	       "close(3) = 0\n"
	       "mmap(" W ", 4096, PROT_READ, MAP_PRIVATE, 5, 0) = " W "\n"
	       "mmap(0x7f0000001000, 4096, PROT_READ, MAP_PRIVATE, 5, 0x1000) = 0x7f0000001000\n"
	       "mmap(0x7f0000002000, 4096, PROT_READ, MAP_PRIVATE, 4, 0x2000) = 0x7f0000002000\n",
	       true, 0, NULL, NULL);
	ASSERT_EQ(R.rc, 0);
	range_lines(R.maps, 0x7f0000000000, 0x7f0000100000, got, sizeof(got));
	ASSERT_STR_EQ(got, "7f0000000000-7f0000002000 r--p\n"
			   "7f0000002000-7f0000003000 r--p\n");
	/* a path that does not exist here: synthetic device 00:00 */
	ASSERT(strstr(R.maps, " 00:00 ") && strstr(R.maps, "/nonexistent/lib.so"));
	run_free(&R);
}

TEST(replay_closed_descriptor_is_ebadf)
{
	struct run R;

	do_run(&R,
	       "openat(AT_FDCWD, \"/x\", O_RDONLY) = 3\n"
	       "close(3) = 0\n"
	       "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0) = -1 EBADF (Bad file descriptor)\n",
	       true, 0, NULL, NULL);
	ASSERT_EQ(R.rc, 0);
	run_free(&R);
}

TEST(replay_clone_vm_shares_fork_copies)
{
	/* 10 starts a thread 11 (CLONE_VM) and forks 12: the thread's map
	 * is the parent's; the fork child's later map is its own. */
	struct run R;
	char got[512];
	const char *t =
		"10 mmap(" W ", 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = " W "\n"
		"10 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD, "
		"child_tid=0x1, parent_tid=0x1, exit_signal=0, stack=0x1, stack_size=0x7fff80, "
		"tls=0x1} => {parent_tid=[11]}, 88) = 11\n"
		"11 mmap(0x7f0000010000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000010000\n"
		"10 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
		"child_tidptr=0x7ffff7dcfa10 <unfinished ...>\n"
		"12 mmap(0x7f0000020000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>\n"
		"10 <... clone resumed>) = 12\n"
		"12 <... mmap resumed>) = 0x7f0000020000\n"
		"10 @maps\n";

	do_run(&R, t, true, 10, NULL, NULL);
	ASSERT_EQ(R.rc, 0);
	range_lines(R.maps, 0x7f0000000000, 0x7f0000100000, got, sizeof(got));
	ASSERT_STR_EQ(got, "7f0000000000-7f0000001000 r--p\n"
			   "7f0000010000-7f0000011000 r--p\n");
	run_free(&R);
	do_run(&R, t, true, 12, NULL, NULL);
	range_lines(R.maps, 0x7f0000000000, 0x7f0000100000, got, sizeof(got));
	ASSERT_STR_EQ(got, "7f0000000000-7f0000001000 r--p\n"
			   "7f0000010000-7f0000011000 r--p\n"
			   "7f0000020000-7f0000021000 r--p\n");
	run_free(&R);
	do_run(&R, t, true, 11, NULL, NULL);
	range_lines(R.maps, 0x7f0000000000, 0x7f0000100000, got, sizeof(got));
	ASSERT_STR_EQ(got, "7f0000000000-7f0000001000 r--p\n"
			   "7f0000010000-7f0000011000 r--p\n");
	run_free(&R);
}

struct events {
	int n, mismatches, faults;
	long pids[16];
	char calls[16][16];
};

static void on_event(void *ctx, const struct replay_event *ev)
{
	struct events *e = ctx;

	if (e->n < 16) {
		e->pids[e->n] = ev->pid;
		snprintf(e->calls[e->n], sizeof(e->calls[0]), "%s", ev->call);
	}
	e->n++;
	e->mismatches += ev->mismatch;
	e->faults += !strcmp(ev->call, "@fault");
	if (!ev->mm)
		e->n += 1000;
}

TEST(replay_events_follow_mode_takes_recorded_address)
{
	/* The model would put mmap(NULL) under mmap_base; the trace says
	 * 0x7f0000000000: follow mode places it there and counts one
	 * mismatch; the next mprotect then agrees. */
	struct events ev = { 0 };
	struct run R;
	char got[512];

	do_run(&R,
	       "[pid 7] mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = " W "\n"
	       "[pid 7] mprotect(" W ", 4096, PROT_READ) = 0\n"
	       "[pid 7] openat(AT_FDCWD, \"/x\", O_RDONLY) = 3\n"
	       "[pid 7] @fault 0x7f0000001000 write\n",
	       false, 7, on_event, &ev);
	ASSERT_EQ(R.rc, 0);
	ASSERT_EQ(R.mismatches, 1);
	ASSERT_EQ(ev.n, 3);		/* mmap, mprotect, @fault; not openat */
	ASSERT_EQ(ev.mismatches, 1);
	ASSERT_EQ(ev.faults, 1);
	ASSERT_EQ(ev.pids[0], 7);
	ASSERT_STR_EQ(ev.calls[1], "mprotect");
	range_lines(R.maps, 0x7f0000000000, 0x7f0000100000, got, sizeof(got));
	ASSERT_STR_EQ(got, "7f0000000000-7f0000001000 r--p\n"
			   "7f0000001000-7f0000002000 rw-p\n");
	ASSERT(strstr(R.err, "1 result differed from the trace"));
	run_free(&R);

	/* --strict: the same trace stops at line 1 with status 1 */
	do_run(&R, "mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = " W "\n"
		   "munmap(" W ", 8192) = 0\n", true, 0, NULL, NULL);
	ASSERT_EQ(R.rc, 1);
	ASSERT(strstr(R.err, "t:1: expected 0x7f0000000000, model returned 0x7ffff7ffd000"));
	run_free(&R);
}

TEST(replay_uffd_register_and_close)
{
	/* register splits the VMA; the last close of the uffd (after a dup)
	 * unregisters and the pieces merge again */
	struct run R;
	char got[512];
	const char *pre =
		"mmap(" W ", 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = " W "\n"
		"userfaultfd(O_NONBLOCK|O_CLOEXEC) = 5\n"
		"ioctl(5, UFFDIO_API, {api=0xaa, features=0 => features=UFFD_FEATURE_EVENT_FORK|0x1e000, ioctls=1<<_UFFDIO_REGISTER}) = 0\n"
		"ioctl(5<anon_inode:[userfaultfd]>, UFFDIO_REGISTER, {range={start=0x7f0000001000, len=0x1000}, mode=UFFDIO_REGISTER_MODE_MISSING, ioctls=1<<_UFFDIO_WAKE}) = 0\n"
		"dup(5) = 6\n"
		"close(5) = 0\n";
	char t[2048];

	do_run(&R, pre, true, 0, NULL, NULL);
	ASSERT_EQ(R.rc, 0);
	range_lines(R.maps, 0x7f0000000000, 0x7f0000100000, got, sizeof(got));
	ASSERT_STR_EQ(got, "7f0000000000-7f0000001000 rw-p\n"
			   "7f0000001000-7f0000002000 rw-p\n"
			   "7f0000002000-7f0000004000 rw-p\n");
	run_free(&R);
	snprintf(t, sizeof(t), "%sclose(6) = 0\n", pre);
	do_run(&R, t, true, 0, NULL, NULL);
	range_lines(R.maps, 0x7f0000000000, 0x7f0000100000, got, sizeof(got));
	ASSERT_STR_EQ(got, "7f0000000000-7f0000004000 rw-p\n");
	run_free(&R);
}

TEST(replay_brk_learns_the_break)
{
	/* brk(NULL)'s recorded result sets the loader's break; a later
	 * brk grows [heap] from there */
	struct run R;

	do_run(&R, "brk(NULL) = 0x555555559000\n"
		   "brk(0x55555557a000) = 0x55555557a000\n", true, 0, NULL, NULL);
	ASSERT_EQ(R.rc, 0);
	ASSERT(strstr(R.maps, "555555559000-55555557a000 rw-p 00000000 00:00 0"));
	ASSERT(strstr(R.maps, "[heap]"));
	run_free(&R);
}

TEST(replay_execve_starts_empty)
{
	struct run R;
	char got[512];

	do_run(&R,
	       "mmap(" W ", 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = " W "\n"
	       "execve(\"/bin/true\", [\"true\"], 0x7ffc /* 3 vars */) = 0\n"
	       "mmap(0x7f0000010000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000010000\n",
	       true, 0, NULL, NULL);
	ASSERT_EQ(R.rc, 0);
	range_lines(R.maps, 0x7f0000000000, 0x7f0000100000, got, sizeof(got));
	ASSERT_STR_EQ(got, "7f0000010000-7f0000011000 r--p\n");
	ASSERT(strstr(R.err, "t:2: execve: process 0 starts an empty address space"));
	run_free(&R);
}

#ifndef UVMA_SOURCE_DIR
#define UVMA_SOURCE_DIR "."
#endif

/* read_file() - the source tree's file @name, NUL-terminated, or NULL. */
static char *read_file(const char *name)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", UVMA_SOURCE_DIR, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = 0;
	fclose(f);
	return buf;
}


static const char *const corpus[] = {
	"examples/quickstart.trace", "examples/fork.trace", "examples/files.trace",
	"examples/mseal.trace", "examples/malloc-arena.trace",
	"tests/replay/data/small-term.log", "tests/replay/data/small-t.log",
};

TEST(replay_allocation_failure_everywhere)
{
	/*
	 * Fail allocation k (once, then from k on) for every k a replay of
	 * the fork and files examples makes: the result is a status or
	 * -ENOMEM, and destroying the replay leaves nothing allocated.
	 */
	static const char *const names[] = { "examples/fork.trace",
					     "examples/files.trace" };

	for (size_t f = 0; f < 2; f++) {
		char *text = read_file(names[f]);
		uint64_t total;

		ASSERT_NOT_NULL(text);
		{
			struct run R;

			uvma_alloc_fail_at(0, 0);
			do_run(&R, text, true, 0, NULL, NULL);
			ASSERT_EQ(R.rc, 0);
			total = uvma_alloc_seen();
			ASSERT_GT(total, 20);
			run_free(&R);
		}
		for (uint64_t k = 1; k <= total + 1; k++) {
			for (int persistent = 0; persistent < 2; persistent++) {
				int64_t live = uvma_alloc_live();
				struct run R;

				uvma_alloc_fail_at(k, persistent);
				do_run(&R, text, true, 0, NULL, NULL);
				uvma_alloc_fail_at(0, 0);
				ASSERT_MSG(R.rc == 0 || R.rc == 1 || R.rc == -ENOMEM,
					   "%s k=%llu: rc %d", names[f],
					   (unsigned long long)k, R.rc);
				ASSERT_EQ(uvma_alloc_live(), live);
				run_free(&R);
			}
		}
		free(text);
	}
}

TEST(replay_corrupted_traces_never_crash)
{
	/* Random byte changes, insertions and cuts of real traces: every
	 * run ends with a status and frees everything. */
	uint64_t seed = test_seed();
	unsigned rounds = 150 * test_scale();

	for (size_t f = 0; f < sizeof(corpus) / sizeof(corpus[0]); f++) {
		char *text = read_file(corpus[f]);
		size_t len;

		ASSERT_NOT_NULL(text);
		len = strlen(text);
		for (unsigned i = 0; i < rounds; i++) {
			char *m = malloc(len + 64);
			size_t n = len;
			int64_t live = uvma_alloc_live();
			struct replay_options o;
			struct replay *r;
			FILE *null = fopen("/dev/null", "w");
			int rc;

			memcpy(m, text, len);
			for (int k = 0; k < 1 + (int)test_below(&seed, 4); k++) {
				size_t at = (size_t)test_below(&seed, n ? n : 1);
				static const char bytes[] = "()<>{}[]\",|=-@#\n 0x7f\0\377";

				switch (test_below(&seed, 3)) {
				case 0:
					m[at] = bytes[test_below(&seed, sizeof(bytes))];
					break;
				case 1:
					if (n < len + 60) {
						memmove(m + at + 1, m + at, n - at);
						m[at] = (char)test_below(&seed, 256);
						n++;
					}
					break;
				default:
					n = at;
				}
			}
			replay_options_init(&o);
			o.out = null;
			o.err = null;
			o.strict = test_below(&seed, 2);
			ASSERT_EQ(replay_create(&o, &r), 0);
			rc = replay_feed_text(r, "fuzz", m, n);
			replay_destroy(r);
			fclose(null);
			free(m);
			ASSERT_MSG(rc >= 0 && rc <= 2, "%s round %u: rc %d", corpus[f], i, rc);
			ASSERT_EQ(uvma_alloc_live(), live);
		}
		free(text);
	}
}
