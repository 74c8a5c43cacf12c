/* SPDX-License-Identifier: MIT */
/*
 * test_notify.c - change notifications (uvma_mm_set_notify) held against
 * the maps they describe.
 *
 * The mirror is what an emulator would keep: a page-granular table driven
 * only by the notifications (UNMAPPED clears pages, MOVED carries them,
 * MAPPED / PROTECTION / FLAGS set their flags from the event; the anon
 * name, which events do not carry, is read with a query inside the
 * callback; INVALIDATE re-reads its range).  After every call of a
 * randomized sequence of every call type it must equal the address space
 * read back with uvma_vma_foreach(), page for page.  Also checked after
 * each call: events of one kind are in address order and fully coalesced;
 * a failing call that left the maps as they were told nothing.  Hand-drawn
 * sequences pin the event lists of the cases the issue names (MAP_FIXED
 * replacement, mremap shrink / grow / move / DONTUNMAP, mprotect stopping
 * at a hole, stack growth) and -EBUSY from inside a callback.
 */
#include <errno.h>
#include <stdlib.h>

#include "test.h"
#include "uvma/uvma.h"

#define PG 4096ull
#define RW (UVMA_PROT_READ | UVMA_PROT_WRITE)
#define PA (UVMA_MAP_PRIVATE | UVMA_MAP_ANONYMOUS)
#define FX UVMA_MAP_FIXED
#define NP 96ull			/* pages the random calls aim at */
#define TOP 0x300000000000ull		/* mmap_base: searches land below */
#define A (TOP - NP * PG)

/* ---- the mirror: an open-addressed table of pages ---- */

#define MSLOTS (1u << 14)

struct mpage {
	uint64_t pfn;		/* page number + 1; 0 = empty slot */
	bool mapped;
	uint64_t flags;
	int name;		/* index into names[], -1 none */
};

static const char *const names[] = { "alpha", "beta" };

struct log {
	struct uvma_change ev[256];
	int n;
};

struct mirror {
	struct mpage *slot;
	struct uvma_mm *mm;
	struct log log;
	int bad;		/* an event the mirror could not apply */
	int busy_seen;		/* what a mutating call returned from inside */
	bool try_mutate;
	const struct uvma_change *inval;	/* INVALIDATE being re-read */
	int invalidations;
	uint64_t pages;		/* mapped pages */
};

static struct mpage *mpage_get(struct mirror *m, uint64_t addr)
{
	uint64_t pfn = addr / PG + 1;
	uint32_t h = (uint32_t)((pfn * 0x9e3779b97f4a7c15ull) >> 50) & (MSLOTS - 1);

	for (uint32_t i = 0; i < MSLOTS; i++) {
		struct mpage *p = &m->slot[(h + i) & (MSLOTS - 1)];

		if (p->pfn == pfn)
			return p;
		if (p->pfn == 0) {
			*p = (struct mpage){ .pfn = pfn, .name = -1 };
			return p;
		}
	}
	m->bad++;
	return &m->slot[0];
}

static int name_index(const char *s)
{
	for (int i = 0; s && i < 2; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* mirror_set() - page @addr is mapped now with @flags (name read back). */
static void mirror_set(struct mirror *m, uint64_t addr, uint64_t flags)
{
	struct mpage *p = mpage_get(m, addr);
	struct uvma_vma_info vi;

	if (!p->mapped)
		m->pages++;
	p->mapped = true;
	p->flags = flags;
	p->name = uvma_vma_at(m->mm, addr, &vi) ? name_index(vi.anon_name) : -1;
}

static void mirror_clear(struct mirror *m, uint64_t addr)
{
	struct mpage *p = mpage_get(m, addr);

	if (p->mapped)
		m->pages--;
	p->mapped = false;
}

static int reread_vma(const struct uvma_vma_info *vi, void *ctx)
{
	struct mirror *m = ctx;
	uint64_t s = vi->start > m->inval->start ? vi->start : m->inval->start;
	uint64_t e = vi->end < m->inval->end ? vi->end : m->inval->end;

	for (uint64_t a = s; a < e; a += PG)
		mirror_set(m, a, vi->flags);
	return 0;
}

static void on_change(struct uvma_mm *mm, const struct uvma_change *c, void *ctx)
{
	struct mirror *m = ctx;
	struct uvma_vma_info vi;

	if (mm != m->mm || c->start >= c->end || (c->start | c->end) % PG) {
		m->bad++;
		return;
	}
	if (m->log.n < 256)
		m->log.ev[m->log.n++] = *c;
	if (m->try_mutate) {
		m->busy_seen = uvma_munmap(mm, c->start, PG);
		m->try_mutate = false;
	}
	switch (c->kind) {
	case UVMA_CHANGE_UNMAPPED:
		for (uint64_t a = c->start; a < c->end; a += PG) {
			if (!mpage_get(m, a)->mapped)
				m->bad++;	/* nothing there to unmap */
			mirror_clear(m, a);
		}
		break;
	case UVMA_CHANGE_MOVED: {
		/* Carry the old pages over (the ranges never overlap). */
		uint64_t len = c->old_end - c->old_start;

		if (len != c->end - c->start) {
			m->bad++;
			break;
		}
		for (uint64_t off = 0; off < len; off += PG) {
			struct mpage o = *mpage_get(m, c->old_start + off);
			struct mpage *d;

			mirror_clear(m, c->old_start + off);
			d = mpage_get(m, c->start + off);
			if (d->mapped)
				m->bad++;	/* a move lands on free pages */
			if (d->mapped)
				m->pages--;
			d->mapped = o.mapped;
			d->flags = o.flags;
			d->name = o.name;
			if (o.mapped)
				m->pages++;
		}
		break;
	}
	case UVMA_CHANGE_MAPPED:
	case UVMA_CHANGE_PROTECTION:
	case UVMA_CHANGE_FLAGS:
		if (c->prot != (int)(c->flags & 7))
			m->bad++;
		for (uint64_t a = c->start; a < c->end; a += PG) {
			struct mpage *p = mpage_get(m, a);

			/* The event says what the VMA says... */
			if (uvma_vma_at(mm, a, &vi) != 1 || vi.flags != c->flags)
				m->bad++;
			/* ...and is news: no event for what did not change. */
			if (c->kind == UVMA_CHANGE_MAPPED ? p->mapped :
			    !p->mapped ||
			    (c->kind == UVMA_CHANGE_PROTECTION ?
				     !((p->flags ^ c->flags) & 7) :
				     ((p->flags ^ c->flags) & 7) ||
					     (p->flags == c->flags &&
					      p->name == name_index(vi.anon_name))))
				m->bad++;
			mirror_set(m, a, c->flags);
		}
		break;
	case UVMA_CHANGE_INVALIDATE:
		/* Forget the range (it may be huge), then read it back. */
		for (uint32_t i = 0; i < MSLOTS; i++) {
			uint64_t a = (m->slot[i].pfn - 1) * PG;

			if (m->slot[i].pfn && a >= c->start && a < c->end)
				mirror_clear(m, a);
		}
		m->inval = c;
		m->invalidations++;
		uvma_vma_foreach(mm, c->start, c->end, reread_vma, m);
		break;
	default:
		m->bad++;
	}
}

struct cmp {
	struct mirror *m;
	uint64_t pages;
	uint64_t bad_addr;
};

static int cmp_vma(const struct uvma_vma_info *vi, void *ctx)
{
	struct cmp *c = ctx;

	for (uint64_t a = vi->start; a < vi->end; a += PG) {
		struct mpage *p = mpage_get(c->m, a);

		if (!p->mapped || p->flags != vi->flags ||
		    p->name != name_index(vi->anon_name)) {
			c->bad_addr = a;
			return 1;
		}
		c->pages++;
	}
	return 0;
}

/*
 * mirror_matches() - every page of every VMA is in the mirror with its
 * flags and name, and the mirror holds no other mapped page.
 */
static int mirror_matches(struct mirror *m, uint64_t *bad_addr)
{
	struct cmp c = { .m = m };

	*bad_addr = 0;
	if (uvma_vma_foreach(m->mm, 0, UINT64_MAX, cmp_vma, &c)) {
		*bad_addr = c.bad_addr;
		return 0;
	}
	return c.pages == m->pages && !m->bad;
}

/* log_well_formed() - per kind: address order, nothing left to coalesce. */
static int log_well_formed(const struct log *l)
{
	for (int i = 1; i < l->n; i++) {
		const struct uvma_change *a = &l->ev[i - 1], *b = &l->ev[i];

		if (b->kind < a->kind && b->kind != UVMA_CHANGE_UNMAPPED)
			return 0;	/* kinds come in order (late unmaps aside) */
		if (a->kind != b->kind || a->kind == UVMA_CHANGE_MOVED ||
		    a->kind == UVMA_CHANGE_INVALIDATE)
			continue;
		if (b->start < a->end)
			return 0;
		if (b->start == a->end && b->flags == a->flags)
			return 0;
	}
	return 1;
}

static void mirror_init(struct mirror *m, struct uvma_mm *mm)
{
	memset(m, 0, sizeof(*m));
	m->slot = calloc(MSLOTS, sizeof(*m->slot));
	m->mm = mm;
}

#define LOG_IS(m, ...)                                                       \
	do {                                                                 \
		const struct uvma_change want_[] = { __VA_ARGS__ };          \
		int n_ = (int)(sizeof(want_) / sizeof(want_[0]));            \
		ASSERT_EQ((m)->log.n, n_);                                   \
		for (int i_ = 0; i_ < n_; i_++) {                            \
			const struct uvma_change *g_ = &(m)->log.ev[i_];     \
			ASSERT_MSG(g_->kind == want_[i_].kind &&             \
					   g_->start == want_[i_].start &&   \
					   g_->end == want_[i_].end &&       \
					   (g_->kind != UVMA_CHANGE_MOVED || \
					    g_->old_start == want_[i_].old_start) && \
					   (!want_[i_].prot ||               \
					    g_->prot == want_[i_].prot),     \
				   "event %d: kind %d [%#" PRIx64 ", %#" PRIx64 \
				   ") old %#" PRIx64 " prot %d", i_,         \
				   (int)g_->kind, g_->start, g_->end,        \
				   g_->old_start, g_->prot);                 \
		}                                                            \
		(m)->log.n = 0;                                              \
	} while (0)

#define EV(k, s, e) { .kind = UVMA_CHANGE_##k, .start = (s), .end = (e) }
#define EVP(k, s, e, p) { .kind = UVMA_CHANGE_##k, .start = (s), .end = (e), .prot = (p) }
#define MV(s, e, os) { .kind = UVMA_CHANGE_MOVED, .start = (s), .end = (e), .old_start = (os) }

static struct uvma_mm *new_mm(void)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;

	uvma_config_init(&cfg);
	cfg.mmap_base = TOP;
	cfg.anon_vma_name = true;
	cfg.rlimit_memlock = 64 * PG;
	return uvma_mm_create(&cfg, &mm) ? NULL : mm;
}

#define B 0x200000000000ull

TEST(notify_cases_by_hand)
{
	int64_t live = uvma_alloc_live();
	struct uvma_mm *mm = new_mm();
	struct mirror m;
	uint64_t bad;

	ASSERT_NOT_NULL(mm);
	mirror_init(&m, mm);
	ASSERT_EQ(uvma_mm_set_notify(mm, on_change, &m), 0);

	/*
	 * 0123456789ab
	 * AAAAAAAA        mmap rw
	 */
	ASSERT_EQ(uvma_mmap(mm, B, 8 * PG, RW, PA | FX, NULL, 0), (int64_t)B);
	LOG_IS(&m, EVP(MAPPED, B, B + 8 * PG, RW));
	/*
	 * AA**AAAA        MAP_FIXED over [2,4), same attributes: the old pages
	 *                 go, new ones come, nothing else is touched
	 */
	ASSERT_EQ(uvma_mmap(mm, B + 2 * PG, 2 * PG, RW, PA | FX, NULL, 0),
		  (int64_t)(B + 2 * PG));
	LOG_IS(&m, EV(UNMAPPED, B + 2 * PG, B + 4 * PG),
	       EV(MAPPED, B + 2 * PG, B + 4 * PG));
	/* A failing call that changes nothing tells nothing. */
	ASSERT_EQ(uvma_mprotect(mm, B + PG, PG, 0x100), -EINVAL);
	ASSERT_EQ(uvma_munmap(mm, B + 20 * PG, PG), 0);
	ASSERT_EQ(m.log.n, 0);
	/*
	 * AArrAAAA        mprotect [2,4) read; [5,6) cut out; then mprotect
	 * AArrA.AA        [4,7) stops at the hole: only page 4 changed
	 */
	ASSERT_EQ(uvma_mprotect(mm, B + 2 * PG, 2 * PG, UVMA_PROT_READ), 0);
	LOG_IS(&m, EVP(PROTECTION, B + 2 * PG, B + 4 * PG, UVMA_PROT_READ));
	ASSERT_EQ(uvma_munmap(mm, B + 5 * PG, PG), 0);
	LOG_IS(&m, EV(UNMAPPED, B + 5 * PG, B + 6 * PG));
	ASSERT_EQ(uvma_mprotect(mm, B + 4 * PG, 3 * PG, UVMA_PROT_NONE), -ENOMEM);
	LOG_IS(&m, EV(PROTECTION, B + 4 * PG, B + 5 * PG));
	/* Back to rw: [2,5) one event (coalesced over two VMAs). */
	ASSERT_EQ(uvma_mprotect(mm, B + 2 * PG, 3 * PG, RW), 0);
	LOG_IS(&m, EVP(PROTECTION, B + 2 * PG, B + 5 * PG, RW));
	/*
	 * AAAAA.C.        mremap [6,8) shrunk to 1 page: the tail goes;
	 * AAAAAAC.        then [0,5) grows in place into the free page 5
	 */
	ASSERT_EQ(uvma_mremap(mm, B + 6 * PG, 2 * PG, PG, 0, 0), (int64_t)(B + 6 * PG));
	LOG_IS(&m, EV(UNMAPPED, B + 7 * PG, B + 8 * PG));
	ASSERT_EQ(uvma_mremap(mm, B, 5 * PG, 6 * PG, 0, 0), (int64_t)B);
	LOG_IS(&m, EV(MAPPED, B + 5 * PG, B + 6 * PG));
	/* Move [0,2) to B+32 with growth to 3 pages: moved + a new tail. */
	ASSERT_EQ(uvma_mremap(mm, B, 2 * PG, 3 * PG,
			      UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_FIXED, B + 32 * PG),
		  (int64_t)(B + 32 * PG));
	LOG_IS(&m, MV(B + 32 * PG, B + 34 * PG, B),
	       EV(MAPPED, B + 34 * PG, B + 35 * PG));
	/* DONTUNMAP: moved, and the old range stays mapped (empty). */
	ASSERT_EQ(uvma_mremap(mm, B + 2 * PG, 2 * PG, 2 * PG,
			      UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_DONTUNMAP |
				      UVMA_MREMAP_FIXED, B + 40 * PG),
		  (int64_t)(B + 40 * PG));
	LOG_IS(&m, MV(B + 40 * PG, B + 42 * PG, B + 2 * PG),
	       EV(MAPPED, B + 2 * PG, B + 4 * PG));
	/* A FIXED move onto a mapping: the destination's pages go first. */
	ASSERT_EQ(uvma_mremap(mm, B + 40 * PG, PG, PG,
			      UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_FIXED, B + 33 * PG),
		  (int64_t)(B + 33 * PG));
	LOG_IS(&m, EV(UNMAPPED, B + 33 * PG, B + 34 * PG),
	       MV(B + 33 * PG, B + 34 * PG, B + 40 * PG));
	/* madvise: flags only; DONTNEED changes no VMA. */
	ASSERT_EQ(uvma_madvise(mm, B + 32 * PG, 3 * PG, UVMA_MADV_DONTFORK), 0);
	LOG_IS(&m, EV(FLAGS, B + 32 * PG, B + 35 * PG));
	ASSERT_EQ(uvma_madvise(mm, B + 32 * PG, 3 * PG, UVMA_MADV_DONTNEED), 0);
	ASSERT_EQ(m.log.n, 0);
	/* A stack grows by a fault: the new pages are mapped. */
	ASSERT_EQ(uvma_mmap(mm, B + 0x400000, 2 * PG, RW,
			    PA | FX | UVMA_MAP_GROWSDOWN, NULL, 0), (int64_t)(B + 0x400000));
	LOG_IS(&m, EV(MAPPED, B + 0x400000, B + 0x402000));
	ASSERT_EQ(uvma_fault(mm, B + 0x400000 - 3 * PG + 5, UVMA_FAULT_WRITE), 0);
	LOG_IS(&m, EV(MAPPED, B + 0x400000 - 3 * PG, B + 0x400000));
	ASSERT_EQ(uvma_fault(mm, B + 0x400000, UVMA_FAULT_WRITE), 0);
	ASSERT_EQ(m.log.n, 0);

	/*
	 * A merge reaches a neighbour: 'gu' (MADV_GUARD_INSTALL) is sticky and
	 * survives a merge on the whole result.
	 *   B+64: XXXXYYYY   X rw, Y read-only with gu; mprotect Y rw
	 *         ********   merged, gu: X changed flags without being named
	 */
	ASSERT_EQ(uvma_mmap(mm, B + 64 * PG, 4 * PG, RW, PA | FX, NULL, 0),
		  (int64_t)(B + 64 * PG));
	ASSERT_EQ(uvma_mmap(mm, B + 68 * PG, 4 * PG, UVMA_PROT_READ, PA | FX, NULL, 0),
		  (int64_t)(B + 68 * PG));
	ASSERT_EQ(uvma_madvise(mm, B + 68 * PG, PG, UVMA_MADV_GUARD_INSTALL), 0);
	m.log.n = 0;
	ASSERT_EQ(uvma_mprotect(mm, B + 68 * PG, 4 * PG, RW), 0);
	LOG_IS(&m, EV(FLAGS, B + 64 * PG, B + 68 * PG),
	       EVP(PROTECTION, B + 68 * PG, B + 72 * PG, RW));
	ASSERT(mirror_matches(&m, &bad));

	/* From inside a callback, a call that would change mm is refused. */
	m.try_mutate = true;
	ASSERT_EQ(uvma_munmap(mm, B + 32 * PG, PG), 0);
	ASSERT_EQ(m.busy_seen, -EBUSY);
	LOG_IS(&m, EV(UNMAPPED, B + 32 * PG, B + 33 * PG));
	ASSERT(mirror_matches(&m, &bad));

	/* Unregistered: nothing more is told. */
	ASSERT_EQ(uvma_mm_set_notify(mm, NULL, NULL), 0);
	ASSERT_EQ(uvma_munmap(mm, B, 64 * PG), 0);
	ASSERT_EQ(m.log.n, 0);
	uvma_mm_destroy(mm);
	free(m.slot);
	ASSERT_EQ(uvma_alloc_live(), live);
}

/* ---- the randomized sequence ---- */

struct rnd {
	uint64_t seed;
	struct uvma_mm *mm;
	struct uvma_file *file;
	struct uvma_uffd *uffd;
	int ops[32];		/* calls made per kind, to see coverage */
};

static uint64_t raddr(struct rnd *r)
{
	return A + test_below(&r->seed, NP) * PG;
}

static uint64_t rlen(struct rnd *r)
{
	return (1 + test_below(&r->seed, 8)) * PG;
}

static int rprot(struct rnd *r)
{
	static const int p[] = { 0, UVMA_PROT_READ, RW, UVMA_PROT_READ | UVMA_PROT_EXEC, RW };

	return p[test_below(&r->seed, 5)];
}

static int64_t rmmap(struct rnd *r)
{
	int flags = PA;
	uint64_t addr = raddr(r);

	switch (test_below(&r->seed, 6)) {
	case 0:
		flags = UVMA_MAP_SHARED | UVMA_MAP_ANONYMOUS;
		break;
	case 1:
		return uvma_mmap(r->mm, addr, rlen(r), rprot(r),
				 UVMA_MAP_PRIVATE | FX, r->file,
				 test_below(&r->seed, 4) * PG);
	case 2:
		flags |= UVMA_MAP_GROWSDOWN;
		break;
	case 3:
		flags |= UVMA_MAP_LOCKED | UVMA_MAP_POPULATE;
		break;
	default:
		break;
	}
	switch (test_below(&r->seed, 3)) {
	case 0:
		flags |= FX;
		break;
	case 1:
		flags |= UVMA_MAP_FIXED_NOREPLACE;
		break;
	default:
		break;	/* a hint or none: the search lands near TOP */
	}
	return uvma_mmap(r->mm, test_below(&r->seed, 2) ? addr : 0, rlen(r),
			 rprot(r), flags, NULL, 0);
}

static int64_t rmremap(struct rnd *r)
{
	static const int fl[] = {
		0, UVMA_MREMAP_MAYMOVE,
		UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_FIXED,
		UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_DONTUNMAP,
		UVMA_MREMAP_MAYMOVE | UVMA_MREMAP_DONTUNMAP | UVMA_MREMAP_FIXED,
	};
	int f = fl[test_below(&r->seed, 5)];
	uint64_t old_len = rlen(r);
	uint64_t new_len = (f & UVMA_MREMAP_DONTUNMAP) ? old_len : rlen(r);

	uint64_t from = raddr(r), to = raddr(r);

	return uvma_mremap(r->mm, from, old_len, new_len, f, to);
}

static int rmadvise(struct rnd *r)
{
	static const int adv[] = {
		UVMA_MADV_NORMAL, UVMA_MADV_RANDOM, UVMA_MADV_SEQUENTIAL,
		UVMA_MADV_DONTNEED, UVMA_MADV_DONTFORK, UVMA_MADV_DOFORK,
		UVMA_MADV_MERGEABLE, UVMA_MADV_UNMERGEABLE, UVMA_MADV_HUGEPAGE,
		UVMA_MADV_NOHUGEPAGE, UVMA_MADV_DONTDUMP, UVMA_MADV_DODUMP,
		UVMA_MADV_WIPEONFORK, UVMA_MADV_KEEPONFORK,
		UVMA_MADV_GUARD_INSTALL, UVMA_MADV_GUARD_REMOVE,
		UVMA_MADV_POPULATE_WRITE,
	};

	return uvma_madvise(r->mm, raddr(r), rlen(r),
			    adv[test_below(&r->seed, sizeof(adv) / sizeof(adv[0]))]);
}

/* one_call() - one random call of kind @k; its result (not checked). */
static int64_t one_call(struct rnd *r, int k)
{
	struct uvma_mm *mm = r->mm;
	uint64_t a = raddr(r), len = rlen(r);

	switch (k) {
	case 0: case 1: case 2:
		return rmmap(r);
	case 3:
		return uvma_munmap(mm, a, len);
	case 4:
		return uvma_mprotect(mm, a, len, rprot(r));
	case 5:
		return uvma_pkey_mprotect(mm, a, len, rprot(r), -1);
	case 6: case 7:
		return rmremap(r);
	case 8: {
		uint64_t cur;

		uvma_mm_brk_range(mm, NULL, &cur);
		return (int64_t)uvma_brk(mm, cur + (test_below(&r->seed, 5) - 2) * PG);
	}
	case 9:
		return rmadvise(r);
	case 10:
		return uvma_mlock(mm, a + test_below(&r->seed, PG), len);
	case 11:
		return uvma_mlock2(mm, a, len, UVMA_MLOCK_ONFAULT);
	case 12:
		return uvma_munlock(mm, a, len);
	case 13:
		return test_below(&r->seed, 2) ? uvma_mlockall(mm, UVMA_MCL_CURRENT) :
						 uvma_munlockall(mm);
	case 14:
		if (test_below(&r->seed, 8))
			return 0;	/* seals are forever: keep them rare */
		return uvma_mseal(mm, a, PG, 0);
	case 15:
		return uvma_set_vma_anon_name(mm, a, len,
					      test_below(&r->seed, 3) ?
						      names[test_below(&r->seed, 2)] : NULL);
	case 16:
		return uvma_set_memory_merge(mm, test_below(&r->seed, 2));
	case 17:
		if (!r->uffd && uvma_uffd_create(mm, 0, &r->uffd))
			return -ENOMEM;
		return uvma_uffd_register(r->uffd, a, len,
					  UVMA_UFFDIO_REGISTER_MODE_MISSING);
	case 18:
		if (!r->uffd)
			return 0;
		return uvma_uffd_unregister(r->uffd, a, len);
	case 19:
		uvma_uffd_close(r->uffd);
		r->uffd = NULL;
		return uvma_uffd_create(mm, 0, &r->uffd);
	case 20:
		return uvma_fault(mm, a - test_below(&r->seed, 4) * PG,
				  (unsigned int)test_below(&r->seed, 3));
	case 21:
		return uvma_map_special(mm, (enum uvma_special)test_below(&r->seed, 3),
					a, 0);
	default:
		return 0;
	}
}

#define NKINDS 22

struct dump {
	char *buf;
	size_t len, cap;
};

static int dump_vma(const struct uvma_vma_info *vi, void *ctx)
{
	struct dump *d = ctx;
	int n;

	if (d->cap - d->len < 128) {
		char *nb = realloc(d->buf, d->cap * 2 + 256);

		if (!nb)
			return 1;
		d->buf = nb;
		d->cap = d->cap * 2 + 256;
	}
	n = snprintf(d->buf + d->len, d->cap - d->len, "%" PRIx64 "-%" PRIx64
		     " %" PRIx64 " %s\n", vi->start, vi->end, vi->flags,
		     vi->anon_name ? vi->anon_name : "-");
	d->len += (size_t)n;
	return 0;
}

/* maps_of() - every VMA with its flags and anon name, as text (free()). */
static char *maps_of(struct uvma_mm *mm)
{
	struct dump d = { .buf = malloc(256), .cap = 256 };

	if (!d.buf)
		return NULL;
	d.buf[0] = 0;
	if (uvma_vma_foreach(mm, 0, UINT64_MAX, dump_vma, &d)) {
		free(d.buf);
		return NULL;
	}
	return d.buf;
}

/*
 * run_sequence() - @steps random calls on a fresh address space with a
 * mirror; with @inject, allocation failures are injected now and then (the
 * calls may fail; the notifications may turn coarse).
 */
static void run_sequence(uint64_t seed, unsigned steps, bool inject)
{
	struct uvma_file_desc d = { .path = "/usr/lib/libx.so", .dev_major = 8,
				    .ino = 99, .size = 6 * PG };
	struct uvma_exec_params ep = { .arg_bytes = 3000 };
	struct rnd r = { .seed = seed };
	struct mirror m;
	uint64_t bad;
	int64_t live = uvma_alloc_live();

	r.mm = new_mm();
	ASSERT_NOT_NULL(r.mm);
	mirror_init(&m, r.mm);
	ASSERT_NOT_NULL(m.slot);
	ASSERT_EQ(uvma_file_create(&d, &r.file), 0);
	ASSERT_EQ(uvma_uffd_create(r.mm, 0, &r.uffd), 0);
	ASSERT_EQ(uvma_mm_set_notify(r.mm, on_change, &m), 0);
	ASSERT_EQ(uvma_exec_setup_stack(r.mm, &ep, NULL), 0);
	ASSERT_EQ(uvma_mm_set_brk_start(r.mm, A + 40 * PG), 0);
	ASSERT_MSG(mirror_matches(&m, &bad), "after exec: %#" PRIx64, bad);

	for (unsigned i = 0; i < steps; i++) {
		int k = (int)test_below(&r.seed, NKINDS);
		char *before = maps_of(r.mm), *after;
		int64_t res;

		ASSERT_NOT_NULL(before);
		m.log.n = 0;
		if (inject && !test_below(&r.seed, 4)) {
			/* A fresh registration has no buffer: the copy before
			 * the call allocates, and may be the one that fails. */
			ASSERT_EQ(uvma_mm_set_notify(r.mm, NULL, NULL), 0);
			ASSERT_EQ(uvma_mm_set_notify(r.mm, on_change, &m), 0);
			uvma_alloc_fail_at(1 + test_below(&r.seed, 4), 0);
		}
		res = one_call(&r, k);
		uvma_alloc_fail_at(0, 0);
		r.ops[k]++;
		after = maps_of(r.mm);
		ASSERT_NOT_NULL(after);
		/* UVMA_NOTIFY_DEBUG=1: the maps before and the events told. */
		if (getenv("UVMA_NOTIFY_DEBUG") && !mirror_matches(&m, &bad)) {
			fprintf(stderr, "before:\n%s", before);
			for (int e = 0; e < m.log.n; e++)
				fprintf(stderr, "ev %d [%" PRIx64 ",%" PRIx64 ") old %" PRIx64 " flags %" PRIx64 "\n",
					(int)m.log.ev[e].kind, m.log.ev[e].start, m.log.ev[e].end,
					m.log.ev[e].old_start, m.log.ev[e].flags);
		}
		ASSERT_MSG(mirror_matches(&m, &bad),
			   "seed %" PRIu64 " step %u kind %d (result %" PRId64
			   "): mirror differs at %#" PRIx64 " (bad events %d)\n%s",
			   seed, i, k, res, bad, m.bad, after);
		ASSERT_MSG(log_well_formed(&m.log), "step %u kind %d: events "
			   "out of order or not coalesced", i, k);
		/* Failed and changed nothing: told nothing (INVALIDATE aside). */
		if (res < 0 && k != 19 && strcmp(before, after) == 0 &&
		    !(m.log.n && m.log.ev[0].kind == UVMA_CHANGE_INVALIDATE))
			ASSERT_MSG(m.log.n == 0, "step %u kind %d failed (%" PRId64
				   ") without change but told %d events, the "
				   "first %d [%#" PRIx64 ", %#" PRIx64 ")\n%s", i, k,
				   res, m.log.n, (int)m.log.ev[0].kind,
				   m.log.ev[0].start, m.log.ev[0].end, after);
		ASSERT_EQ(uvma_mm_validate(r.mm), 0);
		free(before);
		free(after);
	}
	for (int k = 0; k < NKINDS; k++)
		ASSERT_MSG(r.ops[k] > 0, "call kind %d never ran", k);
	/* Injection reached the notifications' own buffer now and then. */
	ASSERT(!inject || m.invalidations > 0);
	uvma_uffd_close(r.uffd);
	uvma_file_unref(r.file);
	uvma_mm_destroy(r.mm);
	free(m.slot);
	ASSERT_EQ(uvma_alloc_live(), live);
}

TEST(notify_mirror_randomized)
{
	uint64_t seed = test_seed();

	for (int i = 0; i < 4; i++)
		CHECK(run_sequence(seed + (uint64_t)i, 400 * test_scale(), false));
}

TEST(notify_mirror_with_allocation_failures)
{
	CHECK(run_sequence(test_seed() ^ 0x5eed, 300 * test_scale(), true));
}
