/* SPDX-License-Identifier: MIT */
/*
 * test_exec.c - execve()'s stack (uvma_exec_setup_stack).
 * Kernel rules pinned: without ASLR the stack ends at TASK_SIZE; it covers
 * the argument strings (file name, environment, arguments, below one
 * pointer-sized slot at the top) rounded out to pages, plus 128 KiB; its
 * flags are "rd wr mr mw me gd ac" (+ ex for an executable stack); a lower
 * top moves it with relocate_vma_down(); more arguments than a quarter of
 * RLIMIT_STACK (at least 32 pages) is E2BIG.  Checked against the [stack]
 * of a real program exec'd here with ASLR off.
 */
#include <errno.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live.h"
#include "test.h"
#include "uvma/uvma.h"

#define PG 4096ull

TEST(exec_stack_setup)
{
	struct uvma_mm *mm;
	struct uvma_exec_params p = { .arg_bytes = 5000 };
	struct uvma_vma_info vi;
	uint64_t sp;

	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	ASSERT_EQ(uvma_exec_setup_stack(mm, &p, &sp), 0);
	ASSERT_EQ(uvma_vma_find(mm, 0x7ffffffff000ull - PG, &vi), 1);
	ASSERT_EQ_X(vi.end, 0x7ffffffff000ull);
	/* two argument pages + 128 KiB */
	ASSERT_EQ_X(vi.start, 0x7ffffffff000ull - 2 * PG - 0x20000);
	ASSERT_EQ_X(vi.flags, 0x100173ull);	/* rd wr mr mw me gd ac */
	ASSERT_EQ_X(vi.pgoff, (0x7ffffffff000ull >> 12) - 1 - 1 - 32);
	ASSERT(sp < 0x7ffffffff000ull && sp > vi.start);
	uvma_mm_destroy(mm);

	/* A lower top moves the stack with relocate_vma_down(). */
	p.stack_top = 0x7fff00000000ull;
	p.exec_stack = 1;
	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	ASSERT_EQ(uvma_exec_setup_stack(mm, &p, NULL), 0);
	ASSERT_EQ(uvma_vma_find(mm, 0x7ffe00000000ull, &vi), 1);
	ASSERT_EQ_X(vi.end, 0x7fff00000000ull);
	ASSERT_EQ_X(vi.flags & 0x4, 0x4);
	ASSERT_EQ(uvma_mm_map_count(mm), 1);
	uvma_mm_destroy(mm);

	p.arg_bytes = 64ull << 20;
	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	ASSERT_EQ(uvma_exec_setup_stack(mm, &p, NULL), -E2BIG);
	ASSERT_EQ(uvma_mm_map_count(mm), 0);
	uvma_mm_destroy(mm);
}


/*
 * stack_lines() - the "[stack]" header line and its VmFlags line of an
 * smaps text, into @out ("" if there is none).
 */
static void stack_lines(const char *smaps, char *out, size_t size)
{
	const char *h = strstr(smaps, "[stack]\n"), *s, *v, *e;

	out[0] = 0;
	if (!h)
		return;
	for (s = h; s > smaps && s[-1] != '\n'; s--)
		;
	v = strstr(h, "VmFlags:");
	e = v ? strchr(v, '\n') : NULL;
	if (!e || (size_t)(h + 8 - s) + (size_t)(e + 1 - v) + 1 > size)
		return;
	memcpy(out, s, (size_t)(h + 8 - s));
	memcpy(out + (h + 8 - s), v, (size_t)(e + 1 - v));
	out[(h + 8 - s) + (e + 1 - v)] = 0;
}

/*
 * kernel_stack() - exec /bin/cat /proc/self/smaps with ASLR off and the
 * environment @env, and keep its [stack] lines.  -1: no oracle here.
 */
static int kernel_stack(char *const env[], char *out, size_t size)
{
	static char buf[1 << 20];
	char *const argv[] = { "cat", "/proc/self/smaps", NULL };
	size_t got;
	int fd[2], status;
	pid_t pid;

	if (access("/bin/cat", X_OK) || pipe(fd))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		personality(ADDR_NO_RANDOMIZE);
		execve("/bin/cat", argv, env);
		_exit(127);
	}
	close(fd[1]);
	got = live_collect(pid, fd[0], buf, sizeof(buf) - 1, &status);
	buf[got] = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	stack_lines(buf, out, size);
	return out[0] ? 0 : -1;
}

/* The model's [stack] lines after setting up @arg_bytes of arguments. */
static void model_stack(uint64_t arg_bytes, char *out, size_t size)
{
	struct uvma_exec_params p = { .arg_bytes = arg_bytes, .exec_stack = -1 };
	struct uvma_mm *mm;
	char *text;

	out[0] = 0;
	ASSERT_EQ(uvma_mm_create(NULL, &mm), 0);
	ASSERT_EQ(uvma_exec_setup_stack(mm, &p, NULL), 0);
	ASSERT_EQ(uvma_smaps_text(mm, 0, &text, NULL), 0);
	stack_lines(text, out, size);
	uvma_text_free(text);
	uvma_mm_destroy(mm);
}

TEST(exec_stack_live)
{
	static char big[20001];
	char *const none[] = { NULL };
	char *const some[] = { big, NULL };
	char k[512], m[512];
	/* The strings copied: file name, environment, arguments. */
	uint64_t base = sizeof("/bin/cat") + sizeof("cat") +
			sizeof("/proc/self/smaps");

	if (kernel_stack(none, k, sizeof(k)) == 0) {
		model_stack(base, m, sizeof(m));
		ASSERT_STR_EQ(m, k);
		/* Drawn by hand: one argument page + 128 KiB below the top. */
		ASSERT(strncmp(k, "7ffffffde000-7ffffffff000 rw-p", 30) == 0);
	}
	memset(big, 'e', sizeof(big) - 1);
	big[0] = 'E';
	big[1] = '=';
	if (kernel_stack(some, k, sizeof(k)) == 0) {
		model_stack(base + sizeof(big), m, sizeof(m));
		ASSERT_STR_EQ(m, k);
		/* 20039 bytes under the top: five pages + 128 KiB. */
		ASSERT(strncmp(k, "7ffffffda000-7ffffffff000", 25) == 0);
	}
}
