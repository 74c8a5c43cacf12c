/* SPDX-License-Identifier: MIT */
/*
 * test_sweep.c - allocation-failure sweeps over every public call, the
 * SQLite way.
 *
 * Each call runs on a non-trivial layout (faulted, read-only, shared,
 * file, memfd, locked, sealed, named, stack, heap, vdso, a uffd
 * registration).  For k = 1, 2, ... allocation k fails, once ("fail
 * once") and then from k on ("fail from k on"), until the call finishes
 * without reaching allocation k.  After each failure:
 *   - the call returns its documented failure value (-ENOMEM; -EAGAIN
 *     for madvise's flag advice and anon names; brk the old break);
 *   - uvma_mm_validate() passes;
 *   - the smaps text (printed with injection off) is byte-identical to
 *     the snapshot before the call, or to one of the partial states the
 *     kernel itself leaves (each computed here by running the documented
 *     partial effect - the prefix of a walk, the destination unmapped -
 *     on a fresh layout without injection);
 *   - once everything is destroyed, the live-allocation count is what it
 *     was before the address space was created.
 * A call that absorbs the failure (populate errors are ignored, as in
 * Linux) must then return and leave exactly what it does without one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "uvma/uvma.h"

#define PG 4096ull
#define B 0x10000000ull
#define RW (UVMA_PROT_READ | UVMA_PROT_WRITE)
#define PRIV (UVMA_MAP_PRIVATE | UVMA_MAP_ANONYMOUS | UVMA_MAP_FIXED)
#define SHARED (UVMA_MAP_SHARED | UVMA_MAP_ANONYMOUS | UVMA_MAP_FIXED)
#define MAX_ALTS 8

/* The table lists only the fields each call needs. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct sweep_ctx {
	struct uvma_mm *mm;
	struct uvma_file *file, *memfd;
	struct uvma_uffd *uffd;
	struct uvma_mm *out_mm;		/* fork, import, create results */
	struct uvma_file *out_file;	/* file_create, memfd_create results */
	struct uvma_uffd *out_uffd;
	char *out_text;
};

struct sweep_op {
	const char *name;
	int64_t (*run)(struct sweep_ctx *c);
	int64_t fail;			/* the failure value (brk: see below) */
	bool brk;			/* failure value is the old break */
	/* alt(c, i): apply documented partial state i to a fresh layout;
	 * false when there is no state i. */
	bool (*alt)(struct sweep_ctx *c, int i);
	/*
	 * Moves only: Linux's OOM rule when unmapping the source fails
	 * ("unable to split vma, just get accounts right"): the call still
	 * returns the new address, the source VMA stays whole, without
	 * VM_ACCOUNT (cleared before the unmap that failed).  @src is an
	 * address inside that source VMA.
	 */
	uint64_t keeps_src, keeps_src2;	/* the multi-VMA move: either piece */
	int64_t fail2;			/* a second failure value, if any */
};

/* ---- the layout ---- */

/*
 * The files outlive every layout: a memfd's inode number comes from a
 * counter, so a new one per layout would print differently each time.
 */
static struct uvma_file *g_file, *g_memfd;

static int files_open(void)
{
	struct uvma_file_desc d = {
		.path = "/data/sweep", .dev_major = 8, .dev_minor = 1, .ino = 77,
		.open_flags = UVMA_O_RDWR, .size = 1 << 20,
	};

	if (uvma_file_create(&d, &g_file) || uvma_memfd_create("sweep", 0, &g_memfd) ||
	    uvma_file_truncate(g_memfd, 1 << 20))
		return -1;
	return 0;
}

static void files_close(void)
{
	uvma_file_unref(g_file);
	uvma_file_unref(g_memfd);
	g_file = g_memfd = NULL;
}

static int layout(struct sweep_ctx *c)
{
	struct uvma_config cfg;
	int bad = 0;

	memset(c, 0, sizeof(*c));
	uvma_config_init(&cfg);
	cfg.anon_vma_name = true;
	cfg.cap_ipc_lock = true;
	c->file = g_file;
	c->memfd = g_memfd;
	if (uvma_mm_create(&cfg, &c->mm))
		return -1;
	/*
	 * 0x10000000: A rw anon (faulted) 8 pages | B r-- 4 | hole 4 |
	 * C shared rw 4 | ... D file rw 6 | E memfd shared 4 | F locked 8 |
	 * G sealed 2 | H named 4 (uffd) | stack | heap | vdso
	 */
	bad |= uvma_mmap(c->mm, B, 8 * PG, RW, PRIV, NULL, 0) != (int64_t)B;
	bad |= uvma_fault(c->mm, B, UVMA_FAULT_WRITE) != 0;
	bad |= uvma_mmap(c->mm, B + 0x8000, 4 * PG, UVMA_PROT_READ, PRIV, NULL, 0) < 0;
	bad |= uvma_mmap(c->mm, B + 0x10000, 4 * PG, RW, SHARED, NULL, 0) < 0;
	bad |= uvma_mmap(c->mm, B + 0x20000, 6 * PG, RW,
			 UVMA_MAP_PRIVATE | UVMA_MAP_FIXED, c->file, 0) < 0;
	bad |= uvma_mmap(c->mm, B + 0x30000, 4 * PG, RW,
			 UVMA_MAP_SHARED | UVMA_MAP_FIXED, c->memfd, 0) < 0;
	bad |= uvma_mmap(c->mm, B + 0x40000, 8 * PG, RW, PRIV, NULL, 0) < 0;
	bad |= uvma_mlock(c->mm, B + 0x40000, 8 * PG) != 0;
	bad |= uvma_mmap(c->mm, B + 0x50000, 2 * PG, UVMA_PROT_READ, PRIV, NULL, 0) < 0;
	bad |= uvma_mseal(c->mm, B + 0x50000, 2 * PG, 0) != 0;
	bad |= uvma_mmap(c->mm, B + 0x60000, 4 * PG, RW, PRIV, NULL, 0) < 0;
	bad |= uvma_set_vma_anon_name(c->mm, B + 0x60000, 4 * PG, "nm") != 0;
	bad |= uvma_uffd_create(c->mm, 0, &c->uffd) != 0;
	bad |= uvma_uffd_register(c->uffd, B + 0x60000, 2 * PG,
				  UVMA_UFFDIO_REGISTER_MODE_MISSING) != 0;
	bad |= uvma_mmap(c->mm, B + 0x100000, 4 * PG, RW, PRIV | UVMA_MAP_GROWSDOWN,
			 NULL, 0) < 0;
	bad |= uvma_mm_set_brk_start(c->mm, B + 0x200000) != 0;
	bad |= uvma_brk(c->mm, B + 0x203000) != B + 0x203000;
	bad |= uvma_map_special(c->mm, UVMA_SPECIAL_VDSO, B + 0x300000, 0) != 0;
	return bad ? -1 : 0;
}

static void teardown(struct sweep_ctx *c)
{
	uvma_uffd_close(c->uffd);
	uvma_uffd_close(c->out_uffd);
	uvma_mm_destroy(c->out_mm);
	uvma_mm_destroy(c->mm);
	uvma_file_unref(c->out_file);
	uvma_text_free(c->out_text);
	memset(c, 0, sizeof(*c));
}

static char *snapshot(struct uvma_mm *mm)
{
	char *t = NULL;

	if (uvma_smaps_text(mm, UVMA_SMAPS_SIZES, &t, NULL))
		return NULL;
	return t;
}

/* ---- the calls ---- */

#define OP(fn, expr) \
	static int64_t fn(struct sweep_ctx *c) { return (expr); }

OP(op_mmap_new, uvma_mmap(c->mm, B + 0x80000, 4 * PG, RW, PRIV, NULL, 0))
OP(op_mmap_merge, uvma_mmap(c->mm, B - 4 * PG, 4 * PG, RW, PRIV, NULL, 0))
OP(op_mmap_hint, uvma_mmap(c->mm, B + 0x90000, 4 * PG, RW,
			   UVMA_MAP_PRIVATE | UVMA_MAP_ANONYMOUS, NULL, 0))
OP(op_mmap_search, uvma_mmap(c->mm, 0, 4 * PG, RW, UVMA_MAP_PRIVATE | UVMA_MAP_ANONYMOUS,
			     NULL, 0))
OP(op_mmap_shared, uvma_mmap(c->mm, B + 0x80000, 4 * PG, RW, SHARED, NULL, 0))
OP(op_mmap_file, uvma_mmap(c->mm, B + 0x26000, 2 * PG, RW,
			   UVMA_MAP_PRIVATE | UVMA_MAP_FIXED, c->file, 6 * PG))
OP(op_mmap_memfd, uvma_mmap(c->mm, B + 0x80000, 2 * PG, RW,
			    UVMA_MAP_SHARED | UVMA_MAP_FIXED, c->memfd, 0))
OP(op_mmap_populate, uvma_mmap(c->mm, B + 0x80000, 4 * PG, RW, PRIV | UVMA_MAP_POPULATE,
			       NULL, 0))
OP(op_mmap_locked, uvma_mmap(c->mm, B + 0x80000, 4 * PG, RW, PRIV | UVMA_MAP_LOCKED,
			     NULL, 0))
OP(op_mmap_replace, uvma_mmap(c->mm, B + 0x6000, 4 * PG, UVMA_PROT_NONE, PRIV, NULL, 0))
OP(op_mmap_noreplace, uvma_mmap(c->mm, B + 0x80000, 4 * PG, RW,
				PRIV | UVMA_MAP_FIXED_NOREPLACE, NULL, 0))
OP(op_munmap_inside, uvma_munmap(c->mm, B + 2 * PG, 2 * PG))
OP(op_munmap_across, uvma_munmap(c->mm, B + 6 * PG, 4 * PG))
OP(op_mprotect_inside, uvma_mprotect(c->mm, B + 2 * PG, 2 * PG, UVMA_PROT_READ))
OP(op_mprotect_across, uvma_mprotect(c->mm, B + 6 * PG, 4 * PG, UVMA_PROT_NONE))
OP(op_mprotect_hole, uvma_mprotect(c->mm, B + 6 * PG, 12 * PG, UVMA_PROT_READ))
OP(op_mremap_shrink, uvma_mremap(c->mm, B, 8 * PG, 4 * PG, 0, 0))
OP(op_mremap_grow, uvma_mremap(c->mm, B + 0x40000, 8 * PG, 12 * PG, 0, 0))
OP(op_mremap_move, uvma_mremap(c->mm, B + 2 * PG, 2 * PG, 4 * PG, UVMA_MREMAP_MAYMOVE, 0))
OP(op_mremap_fixed, uvma_mremap(c->mm, B + 2 * PG, 2 * PG, 2 * PG,
				UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_FIXED, B + 0x21000))
OP(op_mremap_dontunmap, uvma_mremap(c->mm, B + 0x40000, 2 * PG, 2 * PG,
				    UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_DONTUNMAP, 0))
OP(op_mremap_multi, uvma_mremap(c->mm, B + 6 * PG, 6 * PG, 6 * PG,
				UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_FIXED, B + 0x80000))
OP(op_brk_grow, (int64_t)uvma_brk(c->mm, B + 0x206000))
OP(op_brk_shrink, (int64_t)uvma_brk(c->mm, B + 0x201000))
OP(op_madvise_flags, uvma_madvise(c->mm, B + 2 * PG, 2 * PG, UVMA_MADV_DONTFORK))
OP(op_madvise_across, uvma_madvise(c->mm, B + 6 * PG, 20 * PG, UVMA_MADV_DONTDUMP))
OP(op_madvise_hugepage, uvma_madvise(c->mm, B + 2 * PG, 2 * PG, UVMA_MADV_HUGEPAGE))
OP(op_madvise_wipe, uvma_madvise(c->mm, B + 2 * PG, 2 * PG, UVMA_MADV_WIPEONFORK))
OP(op_madvise_guard, uvma_madvise(c->mm, B + 0x8000, PG, UVMA_MADV_GUARD_INSTALL))
OP(op_madvise_populate, uvma_madvise(c->mm, B + 0x60000, 4 * PG, UVMA_MADV_POPULATE_WRITE))
OP(op_mlock, uvma_mlock(c->mm, B + 2 * PG, 2 * PG))
OP(op_mlock2, uvma_mlock2(c->mm, B + 6 * PG, 4 * PG, UVMA_MLOCK_ONFAULT))
OP(op_munlock, uvma_munlock(c->mm, B + 0x42000, 2 * PG))
OP(op_mlockall, uvma_mlockall(c->mm, UVMA_MCL_CURRENT | UVMA_MCL_FUTURE))
OP(op_munlockall, uvma_munlockall(c->mm))
OP(op_mseal, uvma_mseal(c->mm, B + 2 * PG, 2 * PG, 0))
OP(op_mseal_across, uvma_mseal(c->mm, B + 6 * PG, 4 * PG, 0))
OP(op_anon_name, uvma_set_vma_anon_name(c->mm, B + 2 * PG, 2 * PG, "swept"))
OP(op_anon_name_clear, uvma_set_vma_anon_name(c->mm, B + 0x61000, PG, NULL))
OP(op_memory_merge, uvma_set_memory_merge(c->mm, true))
OP(op_uffd_create, uvma_uffd_create(c->mm, 0, &c->out_uffd))
OP(op_uffd_register, uvma_uffd_register(c->uffd, B + 0x62000, PG,
					UVMA_UFFDIO_REGISTER_MODE_MISSING))
OP(op_uffd_unregister, uvma_uffd_unregister(c->uffd, B + 0x60000, PG))
OP(op_fork, uvma_fork(c->mm, &c->out_mm))
OP(op_fault_write, uvma_fault(c->mm, B + 0x8000 + PG, UVMA_FAULT_READ) |
		   uvma_fault(c->mm, B + 0x60000, UVMA_FAULT_WRITE))
OP(op_fault_stack, uvma_fault(c->mm, B + 0x100000 - 2 * PG, UVMA_FAULT_WRITE))
OP(op_special, uvma_map_special(c->mm, UVMA_SPECIAL_VVAR, B + 0x310000, 0))
OP(op_maps_text, uvma_maps_text(c->mm, &c->out_text, NULL))
OP(op_smaps_text, uvma_smaps_text(c->mm, UVMA_SMAPS_SIZES, &c->out_text, NULL))
OP(op_file_create, uvma_file_create(&(struct uvma_file_desc){ .path = "/x",
		   .open_flags = UVMA_O_RDONLY, .size = PG }, &c->out_file))
OP(op_memfd_create, uvma_memfd_create("swept", UVMA_MFD_ALLOW_SEALING, &c->out_file))

static int64_t op_exec(struct sweep_ctx *c)
{
	struct uvma_exec_params p = { .arg_bytes = 3 * PG };
	uint64_t sp;
	int r = uvma_mm_create(NULL, &c->out_mm);

	if (r)
		return r;
	r = uvma_exec_setup_stack(c->out_mm, &p, &sp);
	if (r) {
		/* The new address space is still empty - or, when undoing
		 * itself ran out of memory ("from k on"), holds the stack. */
		if (uvma_mm_map_count(c->out_mm) > 1 ||
		    uvma_mm_validate(c->out_mm) != 0)
			r = 12345;
		uvma_mm_destroy(c->out_mm);
		c->out_mm = NULL;
	}
	return r;
}

static int64_t op_import(struct sweep_ctx *c)
{
	char *t = NULL;
	int64_t r;

	/* The text is made with injection off by the caller's snapshot;
	 * here it is made again, which may itself fail (-ENOMEM). */
	r = uvma_smaps_text(c->mm, 0, &t, NULL);
	if (r)
		return r;
	r = uvma_import(NULL, t, strlen(t), &c->out_mm, NULL);
	uvma_text_free(t);
	return r;
}

/* ---- documented partial states ---- */

/* MAP_FIXED: once the old VMAs are gone a failure leaves a hole. */
static bool alt_replace_hole(struct sweep_ctx *c, int i)
{
	return i == 0 && uvma_munmap(c->mm, B + 0x6000, 4 * PG) == 0;
}

/* A walk over A then B: A alone may be done. */
static bool alt_mprotect_prefix(struct sweep_ctx *c, int i)
{
	return i == 0 && uvma_mprotect(c->mm, B + 6 * PG, 2 * PG,
				       i == 0 ? UVMA_PROT_NONE : 0) == 0;
}

static bool alt_mprotect_hole_prefix(struct sweep_ctx *c, int i)
{
	return i == 0 && uvma_mprotect(c->mm, B + 6 * PG, 2 * PG, UVMA_PROT_READ) == 0;
}

static bool alt_madvise_prefix(struct sweep_ctx *c, int i)
{
	/* [6, 26) pages: A's tail, B, hole, C, hole... applied in order. */
	static const uint64_t len[] = { 2 * PG, 6 * PG };

	return i < 2 && uvma_madvise(c->mm, B + 6 * PG, len[i], UVMA_MADV_DONTDUMP) == 0;
}

static bool alt_mlock2_prefix(struct sweep_ctx *c, int i)
{
	return i == 0 && uvma_mlock2(c->mm, B + 6 * PG, 2 * PG, UVMA_MLOCK_ONFAULT) == 0;
}

static bool alt_mlockall_prefix(struct sweep_ctx *c, int i)
{
	/* MCL_CURRENT ignores per-VMA errors: any prefix of the VMAs may
	 * have been locked; MCL_FUTURE is set first. */
	struct uvma_vma_info vi;
	uint64_t a = 0;
	int n = 0;

	if (uvma_mlockall(c->mm, UVMA_MCL_FUTURE))
		return false;
	while (uvma_vma_find(c->mm, a, &vi) == 1 && n < i) {
		uvma_mlock2(c->mm, vi.start, vi.end - vi.start, 0);
		a = vi.end;
		n++;
	}
	return n == i && i < 16;
}

static bool alt_fixed_dest(struct sweep_ctx *c, int i)
{
	/* MREMAP_FIXED: the destination is unmapped first. */
	return i == 0 && uvma_munmap(c->mm, B + 0x21000, 2 * PG) == 0;
}

static bool alt_multi_first(struct sweep_ctx *c, int i)
{
	/* The multi-VMA move: A's tail moved, B not yet. */
	return i == 0 && uvma_mremap(c->mm, B + 6 * PG, 2 * PG, 2 * PG,
				     UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_FIXED,
				     B + 0x80000) == (int64_t)(B + 0x80000);
}

/* mseal walks VMA by VMA once the holes are checked: A's tail may be done. */
static bool alt_mseal_prefix(struct sweep_ctx *c, int i)
{
	return i == 0 && uvma_mseal(c->mm, B + 6 * PG, 2 * PG, 0) == 0;
}

static const struct sweep_op ops[] = {
	{ "mmap new", op_mmap_new, -ENOMEM },
	{ "mmap merge", op_mmap_merge, -ENOMEM },
	{ "mmap hint", op_mmap_hint, -ENOMEM },
	{ "mmap search", op_mmap_search, -ENOMEM },
	{ "mmap shared", op_mmap_shared, -ENOMEM },
	{ "mmap file", op_mmap_file, -ENOMEM },
	{ "mmap memfd", op_mmap_memfd, -ENOMEM },
	{ "mmap populate", op_mmap_populate, -ENOMEM },
	{ "mmap locked", op_mmap_locked, -ENOMEM },
	{ "mmap fixed replace", op_mmap_replace, -ENOMEM, false, alt_replace_hole },
	{ "mmap noreplace", op_mmap_noreplace, -ENOMEM },
	{ "munmap inside", op_munmap_inside, -ENOMEM },
	{ "munmap across", op_munmap_across, -ENOMEM },
	{ "mprotect inside", op_mprotect_inside, -ENOMEM },
	{ "mprotect across", op_mprotect_across, -ENOMEM, false, alt_mprotect_prefix },
	{ "mprotect hole", op_mprotect_hole, -ENOMEM, false, alt_mprotect_hole_prefix },
	{ "mremap shrink", op_mremap_shrink, -ENOMEM },
	{ "mremap grow", op_mremap_grow, -ENOMEM },
	{ "mremap move", op_mremap_move, -ENOMEM, .keeps_src = B },
	{ "mremap fixed", op_mremap_fixed, -ENOMEM, false, alt_fixed_dest, .keeps_src = B },
	{ "mremap dontunmap", op_mremap_dontunmap, -ENOMEM, .keeps_src = B + 0x40000 },
	{ "mremap multi", op_mremap_multi, -ENOMEM, false, alt_multi_first,
	  .keeps_src = B, .keeps_src2 = B + 0x8000 },
	{ "brk grow", op_brk_grow, 0, true },
	{ "brk shrink", op_brk_shrink, 0, true },
	{ "madvise dontfork", op_madvise_flags, -EAGAIN },
	{ "madvise across", op_madvise_across, -EAGAIN, false, alt_madvise_prefix },
	{ "madvise hugepage", op_madvise_hugepage, -EAGAIN },
	{ "madvise wipeonfork", op_madvise_wipe, -EAGAIN },
	{ "madvise guard", op_madvise_guard, -ENOMEM },
	{ "madvise populate", op_madvise_populate, -ENOMEM },
	{ "mlock", op_mlock, -ENOMEM },
	{ "mlock2 onfault", op_mlock2, -ENOMEM, false, alt_mlock2_prefix },
	{ "munlock", op_munlock, -ENOMEM },
	{ "mlockall", op_mlockall, -ENOMEM, false, alt_mlockall_prefix },
	{ "munlockall", op_munlockall, -ENOMEM, false, alt_mlockall_prefix },
	{ "mseal", op_mseal, -ENOMEM },
	{ "mseal across", op_mseal_across, -ENOMEM, false, alt_mseal_prefix },
	/* The name is copied first: -ENOMEM; a split refused: -EAGAIN. */
	{ "anon name", op_anon_name, -EAGAIN, .fail2 = -ENOMEM },
	{ "anon name clear", op_anon_name_clear, -EAGAIN, .fail2 = -ENOMEM },
	{ "memory merge", op_memory_merge, -ENOMEM },
	{ "uffd create", op_uffd_create, -ENOMEM },
	{ "uffd register", op_uffd_register, -ENOMEM },
	{ "uffd unregister", op_uffd_unregister, -ENOMEM },
	{ "fork", op_fork, -ENOMEM },
	{ "faults", op_fault_write, -ENOMEM },
	{ "stack fault", op_fault_stack, -ENOMEM },
	{ "special mapping", op_special, -ENOMEM },
	{ "maps text", op_maps_text, -ENOMEM },
	{ "smaps text", op_smaps_text, -ENOMEM },
	{ "file create", op_file_create, -ENOMEM },
	{ "memfd create", op_memfd_create, -ENOMEM },
	{ "exec stack", op_exec, -ENOMEM },
	{ "import", op_import, -ENOMEM },
};

/* is_header() - does the line at @l start a VMA ("start-end ...")? */
static bool is_header(const char *l)
{
	size_t h = strspn(l, "0123456789abcdef");

	return h > 0 && l[h] == '-';
}

/* next_line() - the line after @l (the terminating NUL at the end). */
static const char *next_line(const char *l)
{
	const char *n = strchr(l, '\n');

	return n ? n + 1 : l + strlen(l);
}

/* block() - the smaps block of the VMA containing @addr in @text, or NULL. */
static const char *block(const char *text, uint64_t addr, size_t *len)
{
	for (const char *l = text; *l; l = next_line(l)) {
		unsigned long long s, e;
		const char *n;

		if (!is_header(l) || sscanf(l, "%llx-%llx", &s, &e) != 2 ||
		    addr < s || addr >= e)
			continue;
		for (n = next_line(l); *n && !is_header(n); n = next_line(n))
			;
		*len = (size_t)(n - l);
		return l;
	}
	return NULL;
}

/*
 * kept_source() - the clean result with the source VMA of a move put back
 * as it was in @before, less " ac": what Linux leaves when the unmap of
 * the source runs out of memory.  Caller frees.
 */
static char *kept_source(const char *before, const char *clean, uint64_t src)
{
	size_t blen, n = 0;
	const char *b = block(before, src, &blen), *l = clean;
	char *out = calloc(strlen(before) + strlen(clean) + 1, 1), *ac;
	unsigned long long bs = 0, be = 0;
	bool placed = false;

	if (!b || !out) {
		free(out);
		return NULL;
	}
	sscanf(b, "%llx-%llx", &bs, &be);
	while (*l) {
		unsigned long long s = 0, e = 0;
		size_t len;
		const char *blk = NULL;

		if (sscanf(l, "%llx-%llx ", &s, &e) == 2)
			blk = block(l, s, &len);
		if (!blk) {
			strcpy(out + n, l);
			n += strlen(l);
			break;
		}
		if (!placed && s >= bs) {
			memcpy(out + n, b, blen);
			n += blen;
			placed = true;
		}
		if (e <= bs || s >= be) {
			memcpy(out + n, blk, len);
			n += len;
		}
		l = blk + len;
	}
	/* Only the restored block loses ac. */
	{
		char hdr[64];
		char *h, *v;

		snprintf(hdr, sizeof(hdr), "%llx-%llx ", bs, be);
		h = strstr(out, hdr);
		v = h ? strstr(h, "VmFlags:") : NULL;
		ac = v ? strstr(v, " ac ") : NULL;
		if (ac && ac < strchr(v, '\n'))
			memmove(ac, ac + 3, strlen(ac + 3) + 1);
	}
	return out;
}

/*
 * alt_texts() - the smaps text of each documented partial state of @op
 * (made without injection on fresh layouts), NULL-terminated; caller
 * frees with free_texts().
 */
static char **alt_texts(const struct sweep_op *op)
{
	char **v = calloc(MAX_ALTS * 2 + 1, sizeof(*v));
	int n = 0;

	for (int i = 0; v && op->alt && i < MAX_ALTS * 2; i++) {
		struct sweep_ctx c;
		char *t;

		if (layout(&c) == 0 && op->alt(&c, i)) {
			t = snapshot(c.mm);
			if (t)
				v[n++] = strdup(t);
			uvma_text_free(t);
		}
		teardown(&c);
	}
	return v;
}

static void free_texts(char **v)
{
	for (int i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* kept_matches() - is @after @x with a move's source kept (OOM rule)? */
static bool kept_matches(const struct sweep_op *op, const char *before,
			 const char *x, const char *after)
{
	uint64_t src[2] = { op->keeps_src, op->keeps_src2 };

	for (int i = 0; i < 2; i++) {
		char *want;
		bool same;

		if (!src[i])
			continue;
		want = kept_source(before, x, src[i]);
		same = want && !strcmp(after, want);
		free(want);
		if (same)
			return true;
	}
	return false;
}

/*
 * state_ok() - may a call that met an injected failure return @r and
 * leave @after?  Either as if nothing failed (the failure was absorbed,
 * as populate errors are), or with its failure value and the state before
 * or one of the documented partial states; a move may also keep its
 * source (see keeps_src) on top of any of those.
 */
static bool state_ok(const struct sweep_op *op, char **alts, const char *before,
		     const char *after, const char *clean, int64_t r,
		     int64_t r_clean, int64_t fail)
{
	if (r == r_clean && (!strcmp(after, clean) || kept_matches(op, before, clean, after)))
		return true;
	if (r != fail && !(op->fail2 && r == op->fail2))
		return false;
	if (!strcmp(after, before) || (r_clean == fail && !strcmp(after, clean)))
		return true;
	for (int i = 0; alts[i]; i++)
		if (!strcmp(after, alts[i]) || kept_matches(op, before, alts[i], after))
			return true;
	return false;
}

static void sweep_one(const struct sweep_op *op, int persistent)
{
	struct sweep_ctx c;
	char *clean = NULL, **alts = NULL;
	int64_t r_clean, live0 = uvma_alloc_live();

	/* The call without injection: its result and its state. */
	ASSERT_MSG(layout(&c) == 0, "%s: layout", op->name);
	r_clean = op->run(&c);
	{
		char *t = snapshot(c.mm);

		clean = t ? strdup(t) : NULL;	/* kept outside the library */
		uvma_text_free(t);
	}
	teardown(&c);
	ASSERT_NOT_NULL(clean);
	ASSERT_EQ(uvma_alloc_live(), live0);
	alts = alt_texts(op);

	for (uint64_t k = 1;; k++) {
		char *before, *after;
		int64_t r, live = uvma_alloc_live(), fail = op->fail;
		uint64_t seen, old_brk = 0;
		bool ok;

		ASSERT_MSG(k < 5000, "%s: never finished", op->name);
		ASSERT_MSG(layout(&c) == 0, "%s: layout", op->name);
		before = snapshot(c.mm);
		ASSERT_NOT_NULL(before);
		uvma_mm_brk_range(c.mm, NULL, &old_brk);
		if (op->brk)
			fail = (int64_t)old_brk;
		uvma_alloc_fail_at(k, persistent);
		r = op->run(&c);
		seen = uvma_alloc_seen();
		uvma_alloc_fail_at(0, 0);
		ASSERT_MSG(uvma_mm_validate(c.mm) == 0, "%s k=%llu: validate", op->name,
			   (unsigned long long)k);
		if (c.out_mm)
			ASSERT_MSG(uvma_mm_validate(c.out_mm) == 0, "%s k=%llu: validate output",
				   op->name, (unsigned long long)k);
		after = snapshot(c.mm);
		ASSERT_NOT_NULL(after);
		ok = state_ok(op, alts, before, after, clean, r, r_clean, fail);
		if (ok && !op->brk && r < 0)
			ok = !c.out_mm && !c.out_file && !c.out_uffd && !c.out_text;
		if (!ok)
			test_fail(__FILE__, __LINE__, __func__,
				  "%s, fail %s k=%llu: returned %lld (clean %lld, failure %lld)\n"
				  "--- before:\n%s--- after:\n%s--- clean:\n%s",
				  op->name, persistent ? "from" : "once", (unsigned long long)k,
				  (long long)r, (long long)r_clean, (long long)fail, before,
				  after, clean);
		uvma_text_free(before);
		uvma_text_free(after);
		teardown(&c);
		if (!ok)
			break;
		if (uvma_alloc_live() != live) {
			test_fail(__FILE__, __LINE__, __func__, "%s k=%llu: leak: %lld blocks",
				  op->name, (unsigned long long)k,
				  (long long)(uvma_alloc_live() - live));
			break;
		}
		if (seen < k) {
			ASSERT_MSG(r == r_clean, "%s k=%llu: %lld without a failure, clean %lld",
				   op->name, (unsigned long long)k, (long long)r,
				   (long long)r_clean);
			break;
		}
	}
	free(clean);
	free_texts(alts);
}

TEST(sweep_every_call)
{
	ASSERT_EQ(files_open(), 0);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]) && !test_failed(); i++) {
		sweep_one(&ops[i], 0);
		if (!test_failed())
			sweep_one(&ops[i], 1);
	}
	files_close();
}

/* mm_create itself, and the sweep's layout as one long call sequence. */
TEST(sweep_create_and_layout)
{
	ASSERT_EQ(files_open(), 0);
	for (int persistent = 0; persistent < 2 && !test_failed(); persistent++) {
		for (uint64_t k = 1;; k++) {
			struct sweep_ctx c;
			int64_t live0 = uvma_alloc_live();
			int r;
			uint64_t seen;

			ASSERT(k < 5000);
			uvma_alloc_fail_at(k, persistent);
			r = layout(&c);
			seen = uvma_alloc_seen();
			uvma_alloc_fail_at(0, 0);
			if (c.mm && uvma_mm_validate(c.mm))
				test_fail(__FILE__, __LINE__, __func__, "k=%llu: validate",
					  (unsigned long long)k);
			teardown(&c);
			if (uvma_alloc_live() != live0)
				test_fail(__FILE__, __LINE__, __func__, "k=%llu: leak",
					  (unsigned long long)k);
			if (seen < k || test_failed()) {
				if (r != 0)
					test_fail(__FILE__, __LINE__, __func__, "layout: %d", r);
				break;
			}
		}
	}
	files_close();
}
