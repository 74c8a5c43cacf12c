/* SPDX-License-Identifier: MIT */
/*
 * smallprog.c - the small program whose real strace logs are bundled
 * (examples/small-program.trace, tests/replay/data/): malloc small and
 * large, a thread, a fork, a file and a memfd mapping.  At the end it
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

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	char *small = malloc(100), *large = malloc(1 << 20);
	pthread_t t;
	pid_t c;
	int fd, m, out;
	ssize_t n;
	size_t len = 0;

	if (argc < 2)
		return 2;
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
	fd = (int)syscall(SYS_open, "/proc/self/maps", O_RDONLY);
	while ((n = syscall(SYS_read, fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	syscall(SYS_close, fd);
	out = (int)syscall(SYS_open, argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (syscall(SYS_write, out, buf, len) != (long)len)
		return 4;
	syscall(SYS_close, out);
	return 0;
}
