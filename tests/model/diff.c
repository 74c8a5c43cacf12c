/* SPDX-License-Identifier: MIT */
/*
 * diff.c - one differential step: decode a call, run it on uvma and on the
 * page model, validate uvma, compare every page of the window.
 */
#include "diff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG PM_PAGE
#define WEND (DIFF_BASE + DIFF_PAGES * PG)

bool diff_src_more(const struct diff_src *src)
{
	return !src->data || src->pos < src->len;
}

/* pick() - a choice in [0, n). */
static uint64_t pick(struct diff_src *s, uint64_t n)
{
	uint64_t v = 0;

	if (n <= 1)
		return 0;
	if (!s->data) {
		uint64_t z = (s->state += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		return (z ^ (z >> 31)) % n;
	}
	for (uint64_t r = n - 1; r; r >>= 8)
		v = (v << 8) | (s->pos < s->len ? s->data[s->pos++] : 0);
	return v % n;
}

void diff_config(struct uvma_config *cfg)
{
	uvma_config_init(cfg);
	cfg->task_size = WEND;
	cfg->mmap_base = WEND;
	cfg->mmap_min_addr = DIFF_BASE;
	cfg->lsm_mmap_min_addr = DIFF_BASE;
	cfg->stack_guard_gap = 4 * PG;
	cfg->cap_ipc_lock = true;
	cfg->anon_vma_name = true;
}

int diff_init(struct diff *d)
{
	static const struct { const char *path; int mode; } fd[] = {
		{ NULL, 0 },
		{ "/data/rw", UVMA_O_RDWR },
		{ "/data/ro", UVMA_O_RDONLY },
	};
	struct uvma_config cfg;

	memset(d, 0, sizeof(*d));
	diff_config(&cfg);
	if (uvma_mm_create(&cfg, &d->mm))
		return -1;
	if (pm_init(&d->model, DIFF_BASE, DIFF_PAGES, cfg.stack_guard_gap))
		goto fail;
	d->obs = calloc(DIFF_PAGES, sizeof(*d->obs));
	if (!d->obs)
		goto fail;
	for (int i = 1; i < 3; i++) {
		struct uvma_file_desc desc = {
			.path = fd[i].path, .dev_major = 8, .dev_minor = 1,
			.ino = (uint64_t)(100 + i), .open_flags = fd[i].mode,
			.size = 2048 * PG,
		};

		if (uvma_file_create(&desc, &d->files[i]))
			goto fail;
		pm_file_set(&d->model, i, true, fd[i].mode == UVMA_O_RDWR, false, 2048);
	}
	if (uvma_memfd_create("diff", 0, &d->files[3]))
		goto fail;
	pm_file_set(&d->model, 3, true, true, true, 0);
	if (uvma_mm_set_brk_start(d->mm, DIFF_BASE + 512 * PG))
		goto fail;
	pm_set_brk_start(&d->model, DIFF_BASE + 512 * PG);
	return 0;
fail:
	diff_fini(d);
	return -1;
}

void diff_fini(struct diff *d)
{
	uvma_mm_destroy(d->mm);
	for (int i = 0; i < DIFF_NFILES; i++)
		uvma_file_unref(d->files[i]);
	pm_fini(&d->model);
	free(d->obs);
	memset(d, 0, sizeof(*d));
}

/* ---- argument generators: mostly sensible, sometimes hostile ---- */

static uint64_t gen_addr(struct diff *d, struct diff_src *s)
{
	uint64_t a;

	switch (pick(s, 32)) {
	case 0: {
		static const uint64_t edge[] = {
			0, ~0ull, WEND, WEND - PG, DIFF_BASE - PG, 1ull << 47,
			~0ull - 4095, 4096,
		};
		return edge[pick(s, 8)];
	}
	case 1:
		return DIFF_BASE + pick(s, DIFF_PAGES * PG);	/* unaligned */
	case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 9:
		/* the start of a mapped page run, when there is one */
		a = DIFF_BASE + pick(s, DIFF_PAGES) * PG;
		for (uint64_t i = 0; i < DIFF_PAGES; i++) {
			uint64_t x = DIFF_BASE + ((a - DIFF_BASE) / PG + i) % DIFF_PAGES * PG;

			if (d->model.pg[(x - DIFF_BASE) / PG].mapped)
				return x;
		}
		return a;
	default:
		return DIFF_BASE + pick(s, DIFF_PAGES) * PG;
	}
}

static uint64_t gen_len(struct diff_src *s)
{
	switch (pick(s, 32)) {
	case 0: {
		static const uint64_t edge[] = { 0, ~0ull, ~0ull - 4095, 1ull << 63, WEND };
		return edge[pick(s, 5)];
	}
	case 1:
		return 1 + pick(s, 16 * PG);
	default:
		return (1 + pick(s, pick(s, 4) ? 8 : 48)) * PG;
	}
}

static int gen_prot(struct diff_src *s)
{
	static const int prot[] = {
		UVMA_PROT_READ | UVMA_PROT_WRITE, UVMA_PROT_READ, UVMA_PROT_NONE,
		UVMA_PROT_READ | UVMA_PROT_EXEC, UVMA_PROT_WRITE, UVMA_PROT_EXEC,
		UVMA_PROT_READ | UVMA_PROT_WRITE | UVMA_PROT_EXEC,
		UVMA_PROT_READ | UVMA_PROT_WRITE, UVMA_PROT_READ | 0x10,
	};
	return prot[pick(s, 9)];
}

/* ---- observation ---- */

static int observe(struct diff *d, struct uvma_mm *mm, char *why, size_t size)
{
	struct uvma_vma_info vi;
	uint64_t a = 0;

	memset(d->obs, 0, DIFF_PAGES * sizeof(*d->obs));
	while (uvma_vma_find(mm, a, &vi) == 1) {
		uint64_t key = (uint64_t)(uintptr_t)vi.file;
		bool is_index = false;

		if (vi.start < DIFF_BASE || vi.end > WEND || vi.start >= vi.end) {
			snprintf(why, size, "VMA %#llx-%#llx outside the window",
				 (unsigned long long)vi.start, (unsigned long long)vi.end);
			return -1;
		}
		for (int i = 1; i < DIFF_NFILES; i++) {
			if (vi.file && vi.file == d->files[i]) {
				key = (uint64_t)i;
				is_index = true;
			}
		}
		for (uint64_t x = vi.start; x < vi.end; x += PG) {
			struct pm_obs *o = &d->obs[(x - DIFF_BASE) / PG];

			o->mapped = true;
			o->flags = vi.flags;
			o->file_key = key;
			o->file_is_index = is_index;
			o->off = vi.pgoff + (x - vi.start) / PG;
			o->name = vi.anon_name;
			o->anon_vma = vi.anon_vma != 0;
		}
		a = vi.end;
	}
	return 0;
}

static int compare(struct diff *d, struct uvma_mm *mm, struct pm *model)
{
	char why[256];

	if (uvma_mm_validate(mm)) {
		snprintf(d->why, sizeof(d->why), "after %s: uvma_mm_validate failed", d->last);
		return -1;
	}
	if (observe(d, mm, why, sizeof(why))) {
		snprintf(d->why, sizeof(d->why), "after %s: %s", d->last, why);
		return -1;
	}
	if (pm_check(model, d->obs)) {
		snprintf(d->why, sizeof(d->why), "after %s: %s", d->last, pm_why(model));
		return -1;
	}
	return 0;
}

/* ---- the calls ---- */

#define LAST(...) snprintf(d->last, sizeof(d->last), __VA_ARGS__)

static int step_mmap(struct diff *d, struct diff_src *s)
{
	static const int fixed[] = { UVMA_MAP_FIXED, UVMA_MAP_FIXED_NOREPLACE, 0, 0 };
	static const int extra[] = {
		0, 0, 0, 0, UVMA_MAP_NORESERVE, UVMA_MAP_POPULATE, UVMA_MAP_LOCKED,
		UVMA_MAP_STACK, UVMA_MAP_GROWSDOWN, UVMA_MAP_NORESERVE | UVMA_MAP_POPULATE,
	};
	uint64_t addr = gen_addr(d, s), len = gen_len(s), off = 0;
	int prot = gen_prot(s), flags, file = 0, kind = (int)pick(s, 8);
	int64_t r;

	flags = fixed[pick(s, 4)] | extra[pick(s, 10)];
	if (flags & UVMA_MAP_FIXED && !(flags & UVMA_MAP_FIXED_NOREPLACE) && pick(s, 2) == 0)
		addr = DIFF_BASE + pick(s, DIFF_PAGES) * PG;
	if (kind < 4) {
		flags |= UVMA_MAP_PRIVATE | UVMA_MAP_ANONYMOUS;
	} else if (kind == 4) {
		flags |= UVMA_MAP_SHARED | UVMA_MAP_ANONYMOUS;
	} else {
		file = 1 + (int)pick(s, 3);
		flags |= pick(s, 2) ? UVMA_MAP_PRIVATE : UVMA_MAP_SHARED;
		off = pick(s, 64) * PG;
		if (pick(s, 16) == 0)
			off += 1 + pick(s, 100);
		if (pick(s, 32) == 0)
			file = 0;	/* EBADF */
	}
	if (pick(s, 64) == 0)
		flags = (flags & ~UVMA_MAP_TYPE) | (int)pick(s, 16);
	LAST("mmap(%#llx, %#llx, %#x, %#x, file %d, %#llx)", (unsigned long long)addr,
	     (unsigned long long)len, prot, flags, file, (unsigned long long)off);
	r = uvma_mmap(d->mm, addr, len, prot, flags, d->files[file], off);
	return pm_mmap(&d->model, addr, len, prot, flags, file, off, r);
}

static int step_mremap(struct diff *d, struct diff_src *s)
{
	static const int fl[] = {
		0, UVMA_MREMAP_MAYMOVE, UVMA_MREMAP_MAYMOVE, UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_FIXED,
		UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_FIXED, UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_DONTUNMAP,
		UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_FIXED | UVMA_MREMAP_DONTUNMAP,
		UVMA_MREMAP_FIXED, 8,
	};
	uint64_t addr = gen_addr(d, s), ol = gen_len(s), nl, na;
	int flags = fl[pick(s, 9)];
	int64_t r;

	switch (pick(s, 4)) {
	case 0: nl = ol; break;
	case 1: nl = ol > PG ? ol - PG * (1 + pick(s, ol / PG - 1)) : ol; break;
	default: nl = gen_len(s); break;
	}
	na = pick(s, 8) ? DIFF_BASE + pick(s, DIFF_PAGES) * PG : gen_addr(d, s);
	LAST("mremap(%#llx, %#llx, %#llx, %d, %#llx)", (unsigned long long)addr,
	     (unsigned long long)ol, (unsigned long long)nl, flags, (unsigned long long)na);
	r = uvma_mremap(d->mm, addr, ol, nl, flags, na);
	return pm_mremap(&d->model, addr, ol, nl, flags, na, r);
}

static int step_madvise(struct diff *d, struct diff_src *s)
{
	static const int adv[] = {
		0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
		22, 23, 24, 102, 103, 5, 26,
	};
	uint64_t addr = gen_addr(d, s), len = gen_len(s);
	int a = adv[pick(s, 26)];

	LAST("madvise(%#llx, %#llx, %d)", (unsigned long long)addr, (unsigned long long)len, a);
	return pm_madvise(&d->model, addr, len, a, uvma_madvise(d->mm, addr, len, a));
}

static int step_lock(struct diff *d, struct diff_src *s)
{
	uint64_t addr = gen_addr(d, s), len = gen_len(s);
	unsigned fl;

	if (pick(s, 8) == 0)
		addr += pick(s, PG);
	switch (pick(s, 8)) {
	case 0: case 1:
		LAST("mlock(%#llx, %#llx)", (unsigned long long)addr, (unsigned long long)len);
		return pm_mlock2(&d->model, addr, len, 0, uvma_mlock(d->mm, addr, len));
	case 2: case 3:
		fl = pick(s, 8) ? 1 : (unsigned)pick(s, 4);
		LAST("mlock2(%#llx, %#llx, %u)", (unsigned long long)addr, (unsigned long long)len, fl);
		return pm_mlock2(&d->model, addr, len, fl, uvma_mlock2(d->mm, addr, len, fl));
	case 4: {
		int f = (int)pick(s, 9);

		LAST("mlockall(%d)", f);
		return pm_mlockall(&d->model, f, uvma_mlockall(d->mm, f));
	}
	case 5:
		LAST("munlockall()");
		return pm_munlockall(&d->model, uvma_munlockall(d->mm));
	default:
		LAST("munlock(%#llx, %#llx)", (unsigned long long)addr, (unsigned long long)len);
		return pm_munlock(&d->model, addr, len, uvma_munlock(d->mm, addr, len));
	}
}

static int step_fork(struct diff *d)
{
	struct uvma_mm *child;
	struct pm cm;
	int r;

	LAST("fork()");
	if (uvma_fork(d->mm, &child)) {
		snprintf(d->why, sizeof(d->why), "fork failed");
		return -1;
	}
	if (pm_init(&cm, DIFF_BASE, DIFF_PAGES, d->model.gap)) {
		uvma_mm_destroy(child);
		return 0;
	}
	pm_fork(&d->model, &cm);
	r = compare(d, child, &cm);
	pm_fini(&cm);
	uvma_mm_destroy(child);
	return r;
}

static int step_call(struct diff *d, struct diff_src *s)
{
	uint64_t addr, len;

	switch (pick(s, 40)) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 9:
		return step_mmap(d, s);
	case 10: case 11: case 12:
		addr = gen_addr(d, s);
		len = gen_len(s);
		LAST("munmap(%#llx, %#llx)", (unsigned long long)addr, (unsigned long long)len);
		return pm_munmap(&d->model, addr, len, uvma_munmap(d->mm, addr, len));
	case 13: case 14: case 15: case 16: {
		int prot = gen_prot(s);

		addr = gen_addr(d, s);
		len = gen_len(s);
		LAST("mprotect(%#llx, %#llx, %#x)", (unsigned long long)addr,
		     (unsigned long long)len, prot);
		return pm_mprotect(&d->model, addr, len, prot,
				   uvma_mprotect(d->mm, addr, len, prot));
	}
	case 17: case 18: case 19: case 20:
		return step_mremap(d, s);
	case 21: case 22: {
		uint64_t b;

		uvma_mm_brk_range(d->mm, NULL, &b);
		addr = b + (pick(s, 40) - 16) * PG + (pick(s, 4) ? 0 : pick(s, PG));
		if (pick(s, 16) == 0)
			addr = gen_addr(d, s);
		LAST("brk(%#llx)", (unsigned long long)addr);
		return pm_brk(&d->model, addr, uvma_brk(d->mm, addr));
	}
	case 23: case 24: case 25: case 26: case 27:
		return step_madvise(d, s);
	case 28: case 29: case 30:
		return step_lock(d, s);
	case 31: {
		unsigned long fl = pick(s, 16) ? 0 : 1;

		addr = gen_addr(d, s);
		len = gen_len(s);
		LAST("mseal(%#llx, %#llx, %lu)", (unsigned long long)addr, (unsigned long long)len, fl);
		return pm_mseal(&d->model, addr, len, fl, uvma_mseal(d->mm, addr, len, fl));
	}
	case 32: case 33: {
		static const char *names[] = { "a", "b", NULL, "heap x", "bad$", "c" };
		const char *n = names[pick(s, 6)];

		addr = gen_addr(d, s);
		len = gen_len(s);
		LAST("anon_name(%#llx, %#llx, %s)", (unsigned long long)addr,
		     (unsigned long long)len, n ? n : "NULL");
		return pm_anon_name(&d->model, addr, len, n,
				    uvma_set_vma_anon_name(d->mm, addr, len, n));
	}
	case 34: case 35: case 36: {
		unsigned acc = (unsigned)pick(s, 3);
		const struct pm_page *p;

		addr = gen_addr(d, s) + pick(s, PG);
		p = addr >= DIFF_BASE && addr < WEND ? &d->model.pg[(addr - DIFF_BASE) / PG] : NULL;
		if (p && p->guard)
			return 0;	/* guard markers: not modelled by uvma's faults */
		LAST("fault(%#llx, %u)", (unsigned long long)addr, acc);
		return pm_fault(&d->model, addr, acc, uvma_fault(d->mm, addr, acc));
	}
	case 37: {
		bool on = pick(s, 2);

		LAST("memory_merge(%d)", on);
		return pm_memory_merge(&d->model, on, uvma_set_memory_merge(d->mm, on));
	}
	default:
		return step_fork(d);
	}
}

int diff_step(struct diff *d, struct diff_src *s)
{
	static int trace = -1;
	int r;

	if (trace < 0)
		trace = getenv("UVMA_DIFF_TRACE") != NULL;
	d->calls++;
	if (trace && getenv("UVMA_DIFF_DUMP_AT") &&
	    strtoul(getenv("UVMA_DIFF_DUMP_AT"), NULL, 0) == d->calls) {
		char *t;

		if (uvma_maps_text(d->mm, &t, NULL) == 0)
			fprintf(stderr, "before call %lu:\n%s", d->calls, t);
		uvma_text_free(t);
	}
	r = step_call(d, s);
	if (trace)
		fprintf(stderr, "%lu: %s\n", d->calls, d->last);
	if (r) {
		if (!d->why[0])
			snprintf(d->why, sizeof(d->why), "%s: %s", d->last, pm_why(&d->model));
		return -1;
	}
	return compare(d, d->mm, &d->model);
}
