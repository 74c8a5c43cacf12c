/* SPDX-License-Identifier: MIT */
/*
 * kdiff_gen.c - the random call generator of `uvma kdiff`.
 *
 * Window mode: every address is a page offset in a 64-page window (see
 * kdiff.h), so mappings crowd and their neighbours interact.  Alloc mode:
 * addresses are offsets from slots that hold what earlier mmap/mremap
 * calls returned, and the kernel picks the addresses of new mappings
 * (NULL, hints, 2 MiB multiples, MREMAP_MAYMOVE).  A few calls on purpose
 * carry bad arguments (unaligned, zero length, unknown bits) so the
 * argument checks and their order are compared too.
 */
#include <string.h>
#include <sys/mman.h>

#include "kdiff.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static const struct {
	const char *name;
	unsigned int bit;
} families[] = {
	{ "anon", KDF_ANON },	   { "shared", KDF_SHARED },
	{ "memfd", KDF_MEMFD },	   { "file", KDF_FILE },
	{ "munmap", KDF_MUNMAP },  { "mprotect", KDF_MPROTECT },
	{ "fault", KDF_FAULT },	   { "mremap", KDF_MREMAP },
	{ "madvise", KDF_MADVISE }, { "mlock", KDF_MLOCK },
	{ "mseal", KDF_MSEAL },	   { "fork", KDF_FORK },
	{ "uffd", KDF_UFFD },	   { "mapflags", KDF_MAPFLAGS },
};

const char *kd_families_names(void)
{
	return "anon,shared,memfd,file,munmap,mprotect,fault,mremap,madvise,"
	       "mlock,mseal,fork,uffd,mapflags (or all)";
}

int kd_families_parse(const char *list, unsigned int *out, const char **bad)
{
	static char word[64];
	unsigned int set = 0;
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");
		size_t i;

		if (n == 0 || n >= sizeof(word)) {
			*bad = n ? p : "(empty)";
			return -1;
		}
		memcpy(word, p, n);
		word[n] = 0;
		if (strcmp(word, "all") == 0) {
			set |= KDF_ALL;
		} else {
			for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
				if (strcmp(word, families[i].name) == 0)
					break;
			if (i == sizeof(families) / sizeof(families[0])) {
				*bad = word;
				return -1;
			}
			set |= families[i].bit;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (!set) {
		*bad = "(empty)";
		return -1;
	}
	*out = set;
	return 0;
}

/* splitmix64: small, seedable, and the same on every machine. */
void kd_rng_seed(struct kd_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t kd_rng_next(struct kd_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(struct kd_rng *r, uint64_t n)
{
	return n ? kd_rng_next(r) % n : 0;
}

/* chance() - true with probability @pct percent. */
/* PICK() - an element of the array @a, uniformly. */
#define PICK(r, a) ((a)[below((r), sizeof(a) / sizeof((a)[0]))])

static bool chance(struct kd_rng *r, unsigned int pct)
{
	return below(r, 100) < pct;
}

static int random_prot(struct kd_rng *r)
{
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, PROT_READ,
		PROT_READ | PROT_WRITE, PROT_NONE, PROT_READ | PROT_EXEC,
		PROT_READ | PROT_WRITE | PROT_EXEC, PROT_WRITE, PROT_EXEC,
	};

	return PICK(r, prots);
}

/*
 * The context one generation works in.  slot_len[] is the length of the
 * last mapping stored in each slot (alloc mode), so that offsets from a
 * slot mostly land inside or just around what it holds.
 */
struct gen {
	const struct kd_gen_opts *o;
	struct kd_rng *r;
	bool window;
	uint64_t slot_len[KD_SLOTS];
};

/* A page count for a length: mostly small, in alloc mode some 2 MiB. */
static uint64_t random_len(struct gen *g, uint64_t max_pages)
{
	uint64_t pages;

	if (!g->window && chance(g->r, 15)) {
		pages = (1 + below(g->r, 3)) * (KD_HUGE / KD_PAGE);
		if (chance(g->r, 30))
			pages += below(g->r, 8);
		return pages * KD_PAGE;
	}
	pages = 1 + below(g->r, chance(g->r, 70) ? 4 : max_pages);
	return pages * KD_PAGE;
}

/*
 * random_place() - an operation's address: a page in the window, or an
 * offset (sometimes negative, to reach below) from a random slot.
 */
static void random_place(struct gen *g, int8_t *base, int64_t *addr,
			 uint64_t len)
{
	if (g->window) {
		uint64_t pages = len / KD_PAGE;
		uint64_t room = pages >= KD_WINDOW_PAGES ? 1 :
				KD_WINDOW_PAGES - pages + 1;

		*base = KD_ABS;
		*addr = (int64_t)(below(g->r, room) * KD_PAGE);
		return;
	}
	*base = (int8_t)below(g->r, KD_SLOTS);
	if (chance(g->r, 10))
		*addr = -(int64_t)((1 + below(g->r, 4)) * KD_PAGE);
	else if (chance(g->r, 5))
		*addr = (int64_t)(below(g->r, 3) * KD_HUGE / 2);
	else
		*addr = (int64_t)(below(g->r, g->slot_len[*base] / KD_PAGE + 2) *
				  KD_PAGE);
	(void)len;
}

/* random_len_in() - a length that keeps a window range inside the window. */
static uint64_t random_len_in(struct gen *g, int8_t base, int64_t addr,
			      uint64_t max_pages)
{
	uint64_t len = random_len(g, max_pages);

	if (g->window && base == KD_ABS) {
		uint64_t room = KD_WINDOW_PAGES * KD_PAGE - (uint64_t)addr;

		if (len > room)
			len = room;
	}
	return len;
}

/* A bad argument now and then: an unaligned address or a zero length. */
static void maybe_bad(struct gen *g, struct kd_op *op)
{
	if (!chance(g->r, 3))
		return;
	if (chance(g->r, 50))
		op->addr += 1 + (int64_t)below(g->r, KD_PAGE - 1);
	else
		op->len = chance(g->r, 50) ? 0 : op->len - 1 - below(g->r, 100);
}

static void gen_mmap(struct gen *g, struct kd_op *op)
{
	unsigned int fams = g->o->families;
	unsigned int kinds[4], nk = 0, kind;
	unsigned int how = (unsigned int)below(g->r, 100);

	if (fams & KDF_ANON)
		kinds[nk++] = KDF_ANON;
	if (fams & KDF_SHARED)
		kinds[nk++] = KDF_SHARED;
	if (fams & KDF_MEMFD)
		kinds[nk++] = KDF_MEMFD;
	if (fams & KDF_FILE)
		kinds[nk++] = KDF_FILE;
	if (!nk)
		kinds[nk++] = KDF_ANON;
	kind = kinds[below(g->r, nk)];
	/* Anonymous private memory is what most programs map: favour it. */
	if (nk > 1 && (fams & KDF_ANON) && chance(g->r, 30))
		kind = KDF_ANON;

	op->op = KD_MMAP;
	op->prot = random_prot(g->r);
	op->store = -1;
	switch (kind) {
	case KDF_ANON:
		op->flags = MAP_PRIVATE | MAP_ANONYMOUS;
		break;
	case KDF_SHARED:
		op->flags = MAP_SHARED | MAP_ANONYMOUS;
		break;
	default:
		op->fd = kind == KDF_MEMFD ? KD_FD_MEMFD : KD_FD_FILE;
		op->flags = chance(g->r, 50) ? MAP_SHARED : MAP_PRIVATE;
		op->off = below(g->r, 24) * KD_PAGE;
		if (!g->window && chance(g->r, 10))
			op->off = below(g->r, 4) * KD_HUGE;
		break;
	}
	if (fams & KDF_MAPFLAGS) {
		if (chance(g->r, 8))
			op->flags |= MAP_POPULATE;
		if (chance(g->r, 4))
			op->flags |= MAP_LOCKED;
		if (chance(g->r, 8))
			op->flags |= MAP_NORESERVE;
		if (chance(g->r, (op->flags & MAP_PRIVATE) && !op->fd ? 10 : 1))
			op->flags |= MAP_GROWSDOWN;
	}
	if (g->window) {
		op->len = random_len(g, 16);
		random_place(g, &op->base, &op->addr, op->len);
		op->len = random_len_in(g, op->base, op->addr, 16);
		if (how < 65)
			op->flags |= MAP_FIXED;
		else if (how < 85)
			op->flags |= MAP_FIXED_NOREPLACE;
		/* else: a hint (the executor keeps only hints it finds free) */
	} else {
		op->len = random_len(g, 32);
		op->store = (int8_t)below(g->r, KD_SLOTS);
		if (how < 45) {
			op->base = KD_ABS;
			op->addr = 0;
		} else if (how < 60) {
			random_place(g, &op->base, &op->addr, op->len);
		} else if (how < 70) {
			/* a hint somewhere in the mmap area, 2 MiB aligned */
			op->base = KD_ABS;
			op->addr = (int64_t)(0x7ff000000000ull +
					     below(g->r, 0x7f00) * KD_HUGE);
		} else if (how < 92) {
			random_place(g, &op->base, &op->addr, op->len);
			op->flags |= MAP_FIXED;
		} else {
			random_place(g, &op->base, &op->addr, op->len);
			op->flags |= MAP_FIXED_NOREPLACE;
		}
	}
	if (chance(g->r, 2))
		op->off |= 1 + below(g->r, KD_PAGE - 1);
	else if (chance(g->r, 2))
		op->len = 0;
	else if (chance(g->r, 1))
		op->flags = (op->flags & ~MAP_ANONYMOUS) | MAP_SHARED_VALIDATE;
}

static void gen_range(struct gen *g, struct kd_op *op, uint64_t max_pages)
{
	op->len = random_len(g, max_pages);
	random_place(g, &op->base, &op->addr, op->len);
	op->len = random_len_in(g, op->base, op->addr, max_pages);
	op->store = -1;
}

static void gen_mremap(struct gen *g, struct kd_op *op)
{
	unsigned int how = (unsigned int)below(g->r, 100);

	op->op = KD_MREMAP;
	gen_range(g, op, 12);
	op->nlen = random_len(g, 12);
	op->nbase = KD_ABS;
	if (g->window) {
		/* in place, or moved to a fixed place in the window */
		if (how < 45) {
			uint64_t room = KD_WINDOW_PAGES * KD_PAGE - (uint64_t)op->addr;

			if (op->nlen > room)
				op->nlen = room;
			op->flags = 0;
			return;
		}
		op->flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		if (how > 80) {
			op->flags |= MREMAP_DONTUNMAP;
			if (chance(g->r, 85))
				op->nlen = op->len;
		}
		random_place(g, &op->nbase, &op->naddr, op->nlen);
		if (op->nlen > KD_WINDOW_PAGES * KD_PAGE - (uint64_t)op->naddr)
			op->nlen = KD_WINDOW_PAGES * KD_PAGE - (uint64_t)op->naddr;
		return;
	}
	op->store = op->base;
	if (how < 25) {
		op->flags = 0;
	} else if (how < 60) {
		op->flags = MREMAP_MAYMOVE;
	} else if (how < 80) {
		op->flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		random_place(g, &op->nbase, &op->naddr, op->nlen);
		op->store = op->nbase;
	} else {
		op->flags = MREMAP_MAYMOVE | MREMAP_DONTUNMAP;
		op->nlen = op->len;
		op->store = (int8_t)below(g->r, KD_SLOTS);
		if (chance(g->r, 40)) {
			op->flags |= MREMAP_FIXED;
			random_place(g, &op->nbase, &op->naddr, op->nlen);
			op->store = op->nbase;
		}
	}
	if (chance(g->r, 2))
		op->flags |= 8;		/* an unknown flag: EINVAL */
}

static int random_advice(struct gen *g)
{
	static const int advice[] = {
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
		MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_DONTFORK,
		MADV_DOFORK, MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE,
		MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK,
		MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT, 22 /* POPULATE_READ */,
		23 /* POPULATE_WRITE */, 24 /* DONTNEED_LOCKED */,
		25 /* COLLAPSE */, 102 /* GUARD_INSTALL */,
		103 /* GUARD_REMOVE */, 5 /* unknown */, 26 /* unknown */,
	};
	int a = PICK(g->r, advice);

	/* HWPOISON and SOFT_OFFLINE really poison pages when privileged. */
	if (!g->o->privileged && chance(g->r, 2))
		a = chance(g->r, 50) ? 100 : 101;
	return a;
}

/* The weighted menu of operations the families allow. */
static enum kd_opcode pick(struct gen *g)
{
	static const struct {
		enum kd_opcode op;
		unsigned int fam, weight;
	} menu[] = {
		{ KD_MMAP, 0, 24 },
		{ KD_MUNMAP, KDF_MUNMAP, 8 },
		{ KD_MPROTECT, KDF_MPROTECT, 12 },
		{ KD_FAULT, KDF_FAULT, 14 },
		{ KD_MREMAP, KDF_MREMAP, 10 },
		{ KD_MADVISE, KDF_MADVISE, 10 },
		{ KD_MLOCK, KDF_MLOCK, 2 },
		{ KD_MLOCK2, KDF_MLOCK, 2 },
		{ KD_MUNLOCK, KDF_MLOCK, 3 },
		{ KD_MSEAL, KDF_MSEAL, 1 },
		{ KD_FORK, KDF_FORK, 1 },
		{ KD_SEAL, KDF_MEMFD, 1 },
		{ KD_FTRUNC, KDF_MEMFD, 1 },
		{ KD_MLOCKALL, KDF_MLOCK, 1 },
		{ KD_MUNLOCKALL, KDF_MLOCK, 1 },
		{ KD_UFFD_REGISTER, KDF_UFFD, 3 },
		{ KD_UFFD_UNREGISTER, KDF_UFFD, 2 },
	};
	unsigned int total = 0, x;
	size_t i;

	for (i = 0; i < sizeof(menu) / sizeof(menu[0]); i++)
		if (!menu[i].fam || (g->o->families & menu[i].fam))
			total += menu[i].weight;
	x = (unsigned int)below(g->r, total);
	for (i = 0; i < sizeof(menu) / sizeof(menu[0]); i++) {
		if (menu[i].fam && !(g->o->families & menu[i].fam))
			continue;
		if (x < menu[i].weight)
			return menu[i].op;
		x -= menu[i].weight;
	}
	return KD_MMAP;
}

/* note_store() - remember how long the mapping a slot will hold is. */
static void note_store(struct gen *g, const struct kd_op *op)
{
	if (op->store < 0 || op->store >= KD_SLOTS)
		return;
	if (op->op == KD_MMAP && op->len)
		g->slot_len[op->store] = op->len;
	else if (op->op == KD_MREMAP && op->nlen)
		g->slot_len[op->store] = op->nlen;
}

static void gen_one(struct gen *g, struct kd_op *op)
{
	memset(op, 0, sizeof(*op));
	op->store = -1;
	op->nbase = KD_ABS;
	op->op = (uint8_t)pick(g);
	switch (op->op) {
	case KD_MMAP:
		gen_mmap(g, op);
		return;
	case KD_MREMAP:
		gen_mremap(g, op);
		return;
	case KD_FAULT:
		gen_range(g, op, 1);
		op->addr += (int64_t)below(g->r, KD_PAGE);
		op->len = 0;
		op->prot = chance(g->r, 55);
		if (g->window)
			return;
		/* in alloc mode also deep inside 2 MiB mappings */
		if (chance(g->r, 30))
			op->addr += (int64_t)(below(g->r, 512) * KD_PAGE);
		return;
	case KD_FORK:
	case KD_MUNLOCKALL:
		return;
	case KD_SEAL: {
		/*
		 * Mostly F_SEAL_WRITE, which a shared mapping of the memfd in
		 * this process or a forked parent makes -EBUSY; F_SEAL_EXEC
		 * implies it.  A seal that lands ends shared writable memfd
		 * mappings for the rest of the run, so the op is rare.
		 */
		static const int seals[] = { 0x8, 0x8, 0x8, 0x8, 0x8, 0x8,
					     0x10, 0x10, 0x20, 0x20, 0x6, 0x1 };

		op->prot = PICK(g->r, seals);
		return;
	}
	case KD_MLOCKALL: {
		/* MCL_CURRENT 1, MCL_FUTURE 2, MCL_ONFAULT 4; 0, 4 and 8 are
		 * refused. */
		static const int how[] = { 1, 2, 2, 3, 6, 5, 7, 0, 4, 8 };

		op->prot = PICK(g->r, how);
		return;
	}
	case KD_FTRUNC:
		/*
		 * The memfd's end moves under its mappings: faults, populates
		 * and mlock past it meet SIGBUS or fail.  Half the time its
		 * full length comes back.
		 */
		if (chance(g->r, 50))
			op->len = KD_FILE_SIZE;
		else if (chance(g->r, 20))
			op->len = below(g->r, 64 * KD_PAGE);	/* inside a page */
		else
			op->len = below(g->r, 1024) * KD_PAGE;
		return;
	default:
		break;
	}
	gen_range(g, op, 16);
	switch (op->op) {
	case KD_MPROTECT:
		op->prot = random_prot(g->r);
		if (chance(g->r, 3))
			op->prot |= PROT_GROWSDOWN;
		break;
	case KD_MADVISE:
		op->prot = random_advice(g);
		break;
	case KD_MLOCK2:
		op->prot = chance(g->r, 60) ? 1 /* MLOCK_ONFAULT */ : 0;
		break;
	case KD_MSEAL:
		op->prot = chance(g->r, 3) ? 1 : 0;
		break;
	case KD_UFFD_REGISTER: {
		static const int modes[] = { 1, 1, 2, 3, 4, 5, 0 };

		op->prot = PICK(g->r, modes);
		break;
	}
	default:
		break;
	}
	maybe_bad(g, op);
}

void kd_generate(const struct kd_gen_opts *o, struct kd_rng *r,
		 struct kd_op *ops, size_t n)
{
	struct gen g = { .o = o, .r = r, .window = o->mode == KD_WINDOW };
	size_t i;

	for (i = 0; i < n; i++) {
		struct kd_op *op = &ops[i];

		/* Begin with mappings, so later calls have targets: in
		 * alloc mode one per slot, in the window a few fixed ones. */
		if (i < (g.window ? 6u : (size_t)KD_SLOTS)) {
			memset(op, 0, sizeof(*op));
			op->nbase = KD_ABS;
			gen_mmap(&g, op);
			op->flags &= ~(MAP_FIXED | MAP_FIXED_NOREPLACE);
			if (g.window) {
				op->flags |= MAP_FIXED;
			} else {
				op->base = KD_ABS;
				op->addr = 0;
				op->store = (int8_t)i;
			}
		} else {
			gen_one(&g, op);
		}
		note_store(&g, op);
	}
}
