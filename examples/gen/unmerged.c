/* SPDX-License-Identifier: MIT */
/*
 * unmerged.c - the program behind tests/replay/data/unmerged.*: three
 * mappings of 3 pages, each with its middle page made read-only, placed
 * top-down one below the other; the last lands right above the faulted
 * anonymous VMA after libc.  The live kernel merges it with that VMA but
 * leaves its last page apart from the previous mapping's first page
 * (identical flags, never faulted); uvma merges them (docs/replay.md,
 * "Known differences").  Made like the other real logs:
 *   env -i setarch -R snap_exec unmerged.snapshot ./unmerged
 *   env -i setarch -R strace -f -y -e trace=memory,... -o unmerged.log ./unmerged
 * It writes its final /proc/self/maps to /tmp/mt2.final (unmerged.expect).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>

static char *three(void)
{
	char *p = mmap(NULL, 3 << 12, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	mprotect(p + 4096, 4096, PROT_READ);
	return p;
}

int main(void)
{
	char l[512];
	FILE *f, *o;

	three();
	three();
	printf("%p\n", (void *)three());
	f = fopen("/proc/self/maps", "r");
	o = fopen("/tmp/mt2.final", "w");
	while (f && o && fgets(l, sizeof(l), f))
		fputs(l, o);
	return 0;
}
