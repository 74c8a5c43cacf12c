/* SPDX-License-Identifier: MIT */
/*
 * smallprog.c - the small program whose real strace logs are bundled
 * (examples/small-program.trace, tests/replay/data/): malloc small and
 * large, a thread, a fork, a file and a memfd mapping ("smallprog OUT
 * threads": four threads mapping, splitting and unmapping at once, for
 * logs full of unfinished/resumed pairs).  At the end it
 * copies its own /proc/self/maps to argv[1] (raw calls: no allocation),
 * which make.sh turns into the trace's @expect block.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *worker(void *arg)
{
	char *p = malloc(64 << 10);

	memset(p, 1, 64 << 10);
	free(p);
	return arg;
}

/* churn() - a thread's share of "threads" mode: map, split, unmap. */
static void *churn(void *arg)
{
	void *keep = NULL;

	for (int i = 0; i < 40; i++) {
		char *p = mmap(NULL, 3 << 12, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		mprotect(p + 4096, 4096, PROT_READ);
		if (i == 39)
			keep = p;
		else
			munmap(p, 3 << 12);
	}
	return keep;
}

/* dump() - copy /proc/self/maps to @path with raw calls only. */
static int dump(const char *path)
{
	static char buf[1 << 16];
	size_t len = 0;
	ssize_t n;
	int fd, out;

	fd = (int)syscall(SYS_open, "/proc/self/maps", O_RDONLY);
	while ((n = syscall(SYS_read, fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	syscall(SYS_close, fd);
	out = (int)syscall(SYS_open, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (syscall(SYS_write, out, buf, len) != (long)len)
		return 4;
	syscall(SYS_close, out);
	return 0;
}

int main(int argc, char **argv)
{
	char *small = malloc(100), *large = malloc(1 << 20);
	pthread_t t;
	pid_t c;
	int fd, m;

	if (argc < 2)
		return 2;
	if (argc > 2 && !strcmp(argv[2], "threads")) {
		pthread_t th[4];

		for (int i = 0; i < 4; i++)
			pthread_create(&th[i], NULL, churn, NULL);
		for (int i = 0; i < 4; i++)
			pthread_join(th[i], NULL);
		return dump(argv[1]);
	}
	memset(large, 2, 1 << 20);
	free(large);
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	c = fork();
	if (c == 0) {
		void *q = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		munmap(q, 1 << 16);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	fd = open("/etc/passwd", O_RDONLY);
	mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	m = memfd_create("smallprog", MFD_CLOEXEC);
	if (ftruncate(m, 1 << 16))
		return 3;
	mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	small[0] = 1;
	return dump(argv[1]);
}

