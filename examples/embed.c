/* SPDX-License-Identifier: MIT */
/*
 * embed.c - uvma used as a library, the way an emulator would use it:
 * drive a guest address space through the memory calls, keep a mirror of
 * it (here one byte of protection per page; an emulator would map host
 * memory) up to date from the change notifications alone, check the mirror
 * against the library's own view, and print the maps.
 *
 * Build against an installed uvma:
 *     cc embed.c $(pkg-config --cflags --libs uvma) -o embed
 * (tests/install/install_test.sh does exactly that, and the same through
 * find_package(uvma) in CMake).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <uvma/uvma.h>

#define PAGE 4096ull
#define BASE 0x10000000ull	/* the guest region the example uses */
#define NPAGES 256
#define RW (UVMA_PROT_READ | UVMA_PROT_WRITE)
#define ANON (UVMA_MAP_PRIVATE | UVMA_MAP_ANONYMOUS | UVMA_MAP_FIXED)

/* The mirror: -1 = unmapped, else the page's UVMA_PROT_* bits. */
struct mirror {
	signed char prot[NPAGES];
	unsigned events;
	int outside;		/* events outside the region (none expected) */
};

static signed char *page(struct mirror *m, uint64_t addr)
{
	if (addr < BASE || addr >= BASE + NPAGES * PAGE) {
		m->outside = 1;
		return NULL;
	}
	return &m->prot[(addr - BASE) / PAGE];
}

/* Called by the library after each call commits, once per change. */
static void on_change(struct uvma_mm *mm, const struct uvma_change *c, void *ctx)
{
	struct mirror *m = ctx;
	signed char *p, *q;

	(void)mm;
	m->events++;
	for (uint64_t off = 0; off < c->end - c->start; off += PAGE) {
		p = page(m, c->start + off);
		if (!p)
			return;
		switch (c->kind) {
		case UVMA_CHANGE_UNMAPPED:
			*p = -1;
			break;
		case UVMA_CHANGE_MOVED:		/* carry the page over */
			q = page(m, c->old_start + off);
			if (!q)
				return;
			*p = *q;
			*q = -1;
			break;
		case UVMA_CHANGE_MAPPED:
		case UVMA_CHANGE_PROTECTION:
		case UVMA_CHANGE_FLAGS:
			*p = (signed char)c->prot;
			break;
		case UVMA_CHANGE_INVALIDATE: {	/* re-read the page */
			struct uvma_vma_info vi;

			*p = uvma_vma_at(mm, c->start + off, &vi) ?
				     (signed char)(vi.flags & 7) : -1;
			break;
		}
		}
	}
}

/* mirror_matches() - does every page agree with uvma_vma_at()? */
static int mirror_matches(struct mirror *m, struct uvma_mm *mm)
{
	struct uvma_vma_info vi;

	for (int i = 0; i < NPAGES; i++) {
		uint64_t a = BASE + (uint64_t)i * PAGE;
		int want = uvma_vma_at(mm, a, &vi) ? (int)(vi.flags & 7) : -1;

		if (m->prot[i] != want) {
			fprintf(stderr, "embed: page %#" PRIx64 ": mirror %d, "
				"address space %d\n", a, m->prot[i], want);
			return 0;
		}
	}
	return !m->outside;
}

static int drive(struct uvma_mm *mm)
{
	/* Each step: a call and what it must return. */
	struct {
		const char *what;
		int64_t got, want;
	} s[8];
	int n = 0;

#define STEP(call, expect) \
	s[n].what = #call, s[n].got = (call), s[n].want = (int64_t)(expect), n++
	STEP(uvma_mmap(mm, BASE, 64 * PAGE, RW, ANON, NULL, 0), BASE);
	STEP(uvma_mprotect(mm, BASE + 16 * PAGE, 4 * PAGE, UVMA_PROT_READ), 0);
	STEP(uvma_munmap(mm, BASE + 48 * PAGE, 8 * PAGE), 0);
	/* Move 8 pages to BASE + 128 pages and grow them to 12. */
	STEP(uvma_mremap(mm, BASE + 56 * PAGE, 8 * PAGE, 12 * PAGE,
			 UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_FIXED,
			 BASE + 128 * PAGE), BASE + 128 * PAGE);
	/* A hole stops mprotect part-way: the kernel keeps what it did. */
	STEP(uvma_mprotect(mm, BASE + 40 * PAGE, 16 * PAGE, UVMA_PROT_NONE),
	     -ENOMEM);
	STEP(uvma_madvise(mm, BASE, 8 * PAGE, UVMA_MADV_DONTFORK), 0);
#undef STEP
	for (int i = 0; i < n; i++) {
		printf("%-60.60s = %" PRId64 "\n", s[i].what, s[i].got);
		if (s[i].got != s[i].want) {
			fprintf(stderr, "embed: %s returned %" PRId64 ", not %"
				PRId64 "\n", s[i].what, s[i].got, s[i].want);
			return 1;
		}
	}
	return 0;
}

int main(void)
{
	struct mirror m;
	struct uvma_mm *mm;
	char *maps;
	int err;

	if (strcmp(uvma_version(), UVMA_VERSION_STRING) != 0) {
		fprintf(stderr, "embed: header %s, library %s\n",
			UVMA_VERSION_STRING, uvma_version());
		return 1;
	}
	memset(m.prot, -1, sizeof(m.prot));
	m.events = 0;
	m.outside = 0;
	err = uvma_mm_create(NULL, &mm);
	if (err) {
		fprintf(stderr, "embed: uvma_mm_create: %d\n", err);
		return 1;
	}
	err = uvma_mm_set_notify(mm, on_change, &m);
	if (!err)
		err = drive(mm);
	if (!err && !mirror_matches(&m, mm))
		err = 1;
	if (!err) {
		printf("mirror matches after %u notifications\n", m.events);
		err = uvma_maps_text(mm, &maps, NULL);
	}
	if (!err) {
		fputs(maps, stdout);
		uvma_text_free(maps);
		printf("%" PRId64 " VMAs\n", uvma_mm_map_count(mm));
	}
	uvma_mm_destroy(mm);
	if (err)
		return 1;
	printf("embed: ok\n");
	return 0;
}
