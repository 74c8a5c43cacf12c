/* SPDX-License-Identifier: MIT */
/*
 * istep.c - count the instructions a program executes between its first
 * two SIGSTOPs, by single-stepping it (ptrace).  callgrind cannot run the
 * tree's AVX-512 copy and this VM has no hardware counters, so this is how
 * bench/README.md counts what that copy executes.  Slow (tens of
 * microseconds a step here): keep the measured region to ~10^6 steps.
 *
 * Usage: istep [-o HIST] PROGRAM [ARGS...]
 *   prints "N instructions"; with -o, writes "ADDRESS COUNT" lines (hex,
 *   decimal), one per instruction address executed, for attribution with
 *   bench/istep/symbols.py.  PROGRAM marks the region with raise(SIGSTOP)
 *   before and after it (istep_pairs.c does, when UVMA_ISTEP is set, as
 *   istep sets it).  The count includes the second raise() (~100
 *   instructions): make the region large.  x86-64 Linux only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define HBITS 20
#define HSIZE (1u << HBITS)

struct slot {
	uint64_t addr;
	uint64_t count;
};

/* count_at() - add one to @addr's counter (open addressing); 0 if full. */
static int count_at(struct slot *h, uint64_t addr, size_t *used)
{
	uint64_t i = (addr * 0x9e3779b97f4a7c15ull) >> (64 - HBITS);

	while (h[i].count && h[i].addr != addr)
		i = (i + 1) & (HSIZE - 1);
	if (!h[i].count) {
		if (++*used > HSIZE / 2)
			return 0;
		h[i].addr = addr;
	}
	h[i].count++;
	return 1;
}

int main(int argc, char **argv)
{
#if defined(__x86_64__)
	const char *out = NULL;
	struct slot *h;
	size_t used = 0;
	uint64_t n = 0;
	int argi = 1, st;
	pid_t pid;

	if (argc > 2 && strcmp(argv[1], "-o") == 0) {
		out = argv[2];
		argi = 3;
	}
	if (argi >= argc) {
		fprintf(stderr, "usage: istep [-o HIST] PROGRAM [ARGS...]\n");
		return 2;
	}
	h = calloc(HSIZE, sizeof(*h));
	if (!h) {
		perror("istep: calloc");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("istep: fork");
		return 1;
	}
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		setenv("UVMA_ISTEP", "1", 1);
		execv(argv[argi], argv + argi);
		perror("istep: exec");
		_exit(127);
	}
	/* The stop at exec, then run to the first SIGSTOP. */
	if (waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st))
		return 1;
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	if (waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP) {
		fprintf(stderr, "istep: %s ended before its first SIGSTOP\n", argv[argi]);
		return 1;
	}
	for (;;) {
		struct user_regs_struct r;

		if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) < 0 ||
		    waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st)) {
			fprintf(stderr, "istep: %s ended before its second SIGSTOP\n",
				argv[argi]);
			return 1;
		}
		if (WSTOPSIG(st) == SIGSTOP)
			break;
		n++;
		if (out) {
			ptrace(PTRACE_GETREGS, pid, NULL, &r);
			if (!count_at(h, r.rip, &used)) {
				fprintf(stderr, "istep: too many addresses\n");
				return 1;
			}
		}
	}
	printf("%llu instructions\n", (unsigned long long)n);
	if (out) {
		FILE *f = fopen(out, "w");

		if (!f) {
			perror(out);
			return 1;
		}
		for (size_t i = 0; i < HSIZE; i++)
			if (h[i].count)
				fprintf(f, "%llx %llu\n", (unsigned long long)h[i].addr,
					(unsigned long long)h[i].count);
		fclose(f);
	}
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	waitpid(pid, &st, 0);
	free(h);
	return 0;
#else
	(void)argc;
	(void)argv;
	fprintf(stderr, "istep: x86-64 Linux only\n");
	return 2;
#endif
}
