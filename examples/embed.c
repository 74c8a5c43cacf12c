/* SPDX-License-Identifier: MIT */
/*
 * embed.c - uvma used as a library: drive an address space the way an
 * emulator would and print its maps.
 *
 * Build against an installed uvma:
 *     cc embed.c $(pkg-config --cflags --libs uvma) -o embed
 * (tests/install/install_test.sh does exactly that, and the same through
 * find_package(uvma) in CMake).
 */
#include <stdio.h>
#include <string.h>

#include <uvma/uvma.h>

#define KiB 1024ull

int main(void)
{
	struct uvma_mm *mm;
	char *maps;
	int64_t a;
	int err;

	if (strcmp(uvma_version(), UVMA_VERSION_STRING) != 0) {
		fprintf(stderr, "embed: header %s, library %s\n",
			UVMA_VERSION_STRING, uvma_version());
		return 1;
	}
	err = uvma_mm_create(NULL, &mm);
	if (err) {
		fprintf(stderr, "embed: uvma_mm_create: %d\n", err);
		return 1;
	}
	/* 64 KiB of anonymous memory, then a read-only page in its middle. */
	a = uvma_mmap(mm, 0, 64 * KiB, UVMA_PROT_READ | UVMA_PROT_WRITE,
		      UVMA_MAP_PRIVATE | UVMA_MAP_ANONYMOUS, NULL, 0);
	if (a < 0 || uvma_mprotect(mm, (uint64_t)a + 16 * KiB, 4 * KiB,
				   UVMA_PROT_READ) != 0 ||
	    uvma_munmap(mm, (uint64_t)a + 48 * KiB, 8 * KiB) != 0) {
		fprintf(stderr, "embed: a call failed\n");
		uvma_mm_destroy(mm);
		return 1;
	}
	err = uvma_maps_text(mm, &maps, NULL);
	if (err == 0) {
		fputs(maps, stdout);
		uvma_text_free(maps);
	}
	printf("%lld VMAs\n", (long long)uvma_mm_map_count(mm));
	uvma_mm_destroy(mm);
	if (err)
		return 1;
	printf("embed: ok\n");
	return 0;
}
