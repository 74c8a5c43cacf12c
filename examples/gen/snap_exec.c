/* SPDX-License-Identifier: MIT */
/*
 * snap_exec.c - snap_exec OUT PROGRAM ARGS...: run PROGRAM under ptrace,
 * stopped right after its execve, copy its /proc/PID/smaps to OUT, then
 * kill it.  This is the "initial snapshot" of a real strace log: the
 * address space the kernel's ELF loader made, before ld.so runs.  Run it
 * as the log was made (setarch -R, the same environment and path) so the
 * layout is the same.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[64], buf[65536];
	FILE *in, *out;
	size_t n;
	pid_t c;
	int st;

	if (argc < 3)
		return 2;
	c = fork();
	if (c == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		execv(argv[2], argv + 2);
		_exit(127);
	}
	if (waitpid(c, &st, 0) != c || !WIFSTOPPED(st))
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)c);
	in = fopen(path, "r");
	out = fopen(argv[1], "w");
	if (!in || !out)
		return 1;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
	return 0;
}
