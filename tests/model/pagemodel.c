/* SPDX-License-Identifier: MIT */
/*
 * pagemodel.c - the page-granular reference model (see pagemodel.h).
 *
 * Every call is a loop over pages.  Where a kernel rule is stated per VMA
 * ("an error from one VMA stops the walk, earlier VMAs stay modified") it
 * is applied per page in address order: all pages of one VMA share their
 * attributes, so the first page that fails a per-VMA check is the first
 * page of that VMA inside the range, and stopping there is the same thing.
 */
#include "pagemodel.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Linux x86_64 ABI values (the model does not include uvma). */
#define P_READ		0x1
#define P_WRITE		0x2
#define P_EXEC		0x4
#define P_SEM		0x8
#define P_GROWSDOWN	0x01000000
#define P_GROWSUP	0x02000000
#define M_SHARED	0x01
#define M_PRIVATE	0x02
#define M_SHARED_VALIDATE 0x03
#define M_DROPPABLE	0x08
#define M_TYPE		0x0f
#define M_FIXED		0x10
#define M_ANON		0x20
#define M_GROWSDOWN	0x0100
#define M_LOCKED	0x2000
#define M_NORESERVE	0x4000
#define M_POPULATE	0x8000
#define M_STACK		0x20000
#define M_NOREPLACE	0x100000
#define R_MAYMOVE	1
#define R_FIXED		2
#define R_DONTUNMAP	4

#define RWX		(PM_VM_READ | PM_VM_WRITE | PM_VM_EXEC)
#define LOCK_BITS	(PM_VM_LOCKED | PM_VM_LOCKONFAULT)

static int64_t err(int e)
{
	return -(int64_t)e;
}

static uint64_t page_up(uint64_t x)
{
	return (x + PM_PAGE - 1) & ~(PM_PAGE - 1);
}

/* pg() - the page at @addr, or NULL outside the window (never mapped). */
static struct pm_page *pg(const struct pm *m, uint64_t addr)
{
	if (addr < m->base || addr >= m->base + m->npages * PM_PAGE)
		return NULL;
	return &m->pg[(addr - m->base) / PM_PAGE];
}

static bool mapped(const struct pm *m, uint64_t addr)
{
	struct pm_page *p = pg(m, addr);

	return p && p->mapped;
}

/* past_eof() - a file page at or past the end of its file (SIGBUS)? */
static bool past_eof(const struct pm *m, const struct pm_page *p)
{
	if (p->file >= PM_OBJ_SHMEM)
		return p->file - PM_OBJ_SHMEM < PM_MAX_SHMEM &&
		       p->off >= m->shmem_pages[p->file - PM_OBJ_SHMEM];
	return p->file && p->off >= m->files[p->file].size_pages;
}

/* shmem_sized() - a new shared anonymous object @key of @pages pages. */
static void shmem_sized(struct pm *m, uint32_t key, uint64_t pages)
{
	if (key - PM_OBJ_SHMEM < PM_MAX_SHMEM)
		m->shmem_pages[key - PM_OBJ_SHMEM] = pages;
}

static void clear_page(struct pm_page *p)
{
	if (!p)
		return;		/* outside the window: never mapped */
	memset(p, 0, sizeof(*p));
}

/* first_mapped() - the first mapped page at or above @addr, or 0. */
static uint64_t first_mapped(const struct pm *m, uint64_t addr)
{
	for (uint64_t a = addr; a < m->base + m->npages * PM_PAGE; a += PM_PAGE)
		if (a >= m->base && mapped(m, a))
			return a;
	return 0;
}

/*
 * clamp() - shrink [*a, *end) to the window; true if anything was cut off
 * (pages outside the window are never mapped: holes).
 */
static bool clamp(const struct pm *m, uint64_t *a, uint64_t *end)
{
	uint64_t lo = m->base, hi = m->base + m->npages * PM_PAGE;
	bool cut = *a < lo || *end > hi;

	if (*a < lo)
		*a = lo;
	if (*end > hi)
		*end = hi;
	if (*end < *a)
		*end = *a;
	return cut;
}

static bool range_free(const struct pm *m, uint64_t a, uint64_t len)
{
	for (uint64_t x = a; x < a + len; x += PM_PAGE)
		if (mapped(m, x))
			return false;
	return true;
}

static bool range_any(const struct pm *m, uint64_t a, uint64_t len, uint64_t flag)
{
	for (uint64_t x = a; x < a + len && x >= a; x += PM_PAGE) {
		struct pm_page *p = pg(m, x);

		if (p && p->mapped && (p->flags & flag))
			return true;
	}
	return false;
}

static int verdict(struct pm *m, int64_t want, int64_t got, const char *call)
{
	if (want == got)
		return 0;
	snprintf(m->why, sizeof(m->why), "%s: model expects %lld (%#llx), got %lld (%#llx)",
		 call, (long long)want, (unsigned long long)want, (long long)got,
		 (unsigned long long)got);
	return -1;
}

int pm_init(struct pm *m, uint64_t base, uint64_t npages, uint64_t gap)
{
	memset(m, 0, sizeof(*m));
	m->pg = calloc(npages, sizeof(*m->pg));
	if (!m->pg)
		return -1;
	m->base = base;
	m->npages = npages;
	m->task_size = base + npages * PM_PAGE;
	m->mmap_base = m->task_size;
	m->min_addr = base;
	m->gap = gap;
	m->next_shmem = PM_OBJ_SHMEM;
	m->nnames = 1;
	return 0;
}

void pm_fini(struct pm *m)
{
	free(m->pg);
	m->pg = NULL;
}

void pm_copy(struct pm *dst, const struct pm *src)
{
	struct pm_page *keep = dst->pg;

	memcpy(keep, src->pg, src->npages * sizeof(*keep));
	*dst = *src;
	dst->pg = keep;
}

const char *pm_why(const struct pm *m)
{
	return m->why;
}

void pm_file_set(struct pm *m, int idx, bool readable, bool writable,
		 bool shmem, uint64_t size_pages)
{
	struct pm_file *f = &m->files[idx];

	f->used = true;
	f->readable = readable;
	f->writable = writable;
	f->shmem = shmem;
	f->size_pages = size_pages;
}

void pm_set_brk_start(struct pm *m, uint64_t addr)
{
	m->start_brk = m->brk = page_up(addr);
}

/* ------------------------------------------------------------------ */
/* mmap                                                                */
/* ------------------------------------------------------------------ */

/*
 * hint_fits() - fits() without the mmap_min_addr bound: a free hint below
 * it is chosen, and then refused with EPERM (mmap raises its hints first;
 * mremap's DONTUNMAP hint is not raised).
 */
static bool hint_fits(const struct pm *m, uint64_t a, uint64_t len)
{
	uint64_t next;

	if (!range_free(m, a, len))
		return false;
	next = first_mapped(m, a + len);
	return !(next && (pg(m, next)->flags & PM_VM_GROWSDOWN) && a + len + m->gap > next);
}

/* highest_free() - the highest a <= high - len with [a, a+len) free. */
static uint64_t highest_free(const struct pm *m, uint64_t high, uint64_t len)
{
	if (high < m->min_addr + len)
		return 0;
	for (uint64_t a = high - len;; a -= PM_PAGE) {
		if (range_free(m, a, len))
			return a;
		if (a < m->min_addr + PM_PAGE)
			return 0;
	}
}

/*
 * place() - a non-fixed mapping: the hint if it fits; else top-down from
 * mmap_base: the highest free stretch, but if the mapping above it is a
 * stack whose guard gap reaches into the stretch, search again below the
 * gap's start - even when a lower mapping sits in between, whose free
 * pages above it are then skipped (the kernel's retry in
 * unmapped_area_topdown); else bottom-up (never below mmap_min_addr).
 */
static uint64_t place(const struct pm *m, uint64_t hint, uint64_t len)
{
	uint64_t high = m->mmap_base, a, next;

	if (len > m->mmap_base - m->min_addr)
		return 0;
	if (hint && hint <= m->task_size - len && hint_fits(m, hint, len))
		return hint;
	while ((a = highest_free(m, high, len))) {
		next = first_mapped(m, a + len);
		if (next && (pg(m, next)->flags & PM_VM_GROWSDOWN) &&
		    next - m->gap < a + len) {
			high = next > m->gap ? next - m->gap : 0;
			continue;
		}
		return a;
	}
	for (uint64_t low = m->min_addr; low + len <= m->task_size; low += PM_PAGE) {
		if (!range_free(m, low, len))
			continue;
		next = first_mapped(m, low + len);
		if (next && (pg(m, next)->flags & PM_VM_GROWSDOWN) &&
		    next - m->gap < low + len)
			continue;
		return low;
	}
	return 0;
}

/* ksm_ok() - may KSM merge pages with these flags (PR_SET_MEMORY_MERGE)? */
static bool ksm_ok(uint64_t flags)
{
	return !(flags & (PM_VM_SHARED | PM_VM_MAYSHARE | PM_VM_DROPPABLE));
}

static uint64_t mmap_flags(const struct pm *m, int prot, int flags, int file)
{
	uint64_t f = PM_VM_MAYREAD | PM_VM_MAYWRITE | PM_VM_MAYEXEC | m->def_flags;

	if (prot & P_READ)
		f |= PM_VM_READ;
	if (prot & P_WRITE)
		f |= PM_VM_WRITE;
	if (prot & P_EXEC)
		f |= PM_VM_EXEC;
	if (flags & M_GROWSDOWN)
		f |= PM_VM_GROWSDOWN;
	if (flags & M_LOCKED)
		f |= PM_VM_LOCKED;
	if (flags & M_STACK)
		f |= PM_VM_NOHUGEPAGE;
	if ((flags & M_TYPE) == M_DROPPABLE && !file) {
		/* Never locked (live: not even under MCL_FUTURE). */
		f = (f & ~LOCK_BITS) | PM_VM_DROPPABLE | PM_VM_WIPEONFORK |
		    PM_VM_DONTDUMP | PM_VM_NORESERVE;
	} else if ((flags & M_TYPE) != M_PRIVATE) {
		f |= PM_VM_SHARED | PM_VM_MAYSHARE;
		if (file > 0 && !m->files[file].writable)
			f &= ~(PM_VM_MAYWRITE | PM_VM_SHARED);
	}
	if (flags & M_NORESERVE)
		f |= PM_VM_NORESERVE;
	if ((f & (PM_VM_NORESERVE | PM_VM_SHARED | PM_VM_WRITE)) == PM_VM_WRITE)
		f |= PM_VM_ACCOUNT;
	if (m->mem_merge && ksm_ok(f))
		f |= PM_VM_MERGEABLE;
	return f;
}

/* mmap_check() - the result mmap must return (address or -errno). */
static int64_t mmap_check(const struct pm *m, uint64_t addr, uint64_t len,
			  int prot, int flags, int file, uint64_t off)
{
	bool anon = flags & M_ANON, fixed = flags & (M_FIXED | M_NOREPLACE);
	int type = flags & M_TYPE;
	uint64_t plen, a;

	if (off & (PM_PAGE - 1))
		return err(EINVAL);
	if (!anon && file <= 0)
		return err(EBADF);
	if (!len)
		return err(EINVAL);
	if (!fixed) {
		addr &= ~(PM_PAGE - 1);
		if (addr && addr < m->min_addr)
			addr = page_up(m->min_addr);
	}
	plen = page_up(len);
	if (!plen)
		return err(ENOMEM);
	if ((off >> 12) + (plen >> 12) < (off >> 12))
		return err(EOVERFLOW);
	if (plen > m->task_size)
		return err(ENOMEM);
	if (fixed) {
		/* The fixed address is returned as is; the error range is an error. */
		if (addr >= (uint64_t)-4095)
			return (int64_t)addr;
		if (addr > m->task_size - plen)
			return err(ENOMEM);
		if (addr & (PM_PAGE - 1))
			return err(EINVAL);
		if (addr < m->min_addr)
			return err(EPERM);
		a = addr;
	} else {
		a = place(m, addr, plen);
		if (!a)
			return err(ENOMEM);
	}
	if ((flags & M_NOREPLACE) && !range_free(m, a, plen))
		return err(EEXIST);
	if (!anon) {
		const struct pm_file *f = &m->files[file];

		if (type == M_SHARED || type == M_SHARED_VALIDATE) {
			/* Validation knows only the legacy flags (live:
			 * not even MAP_FIXED_NOREPLACE). */
			if (type == M_SHARED_VALIDATE && (flags & ~0x407f933))
				return err(EOPNOTSUPP);
			if ((prot & P_WRITE) && !f->writable)
				return err(EACCES);
		} else if (type != M_PRIVATE) {
			return err(EINVAL);
		}
		if (!f->readable)
			return err(EACCES);
		if (flags & M_GROWSDOWN)
			return err(EINVAL);
	} else if (type == M_SHARED) {
		if (flags & M_GROWSDOWN)
			return err(EINVAL);
	} else if (type == M_DROPPABLE) {
		if ((flags & M_LOCKED) || (flags & M_GROWSDOWN))
			return err(EINVAL);
	} else if (type != M_PRIVATE) {
		return err(EINVAL);
	}
	if (range_any(m, a, plen, PM_VM_SEALED))
		return err(EPERM);
	return (int64_t)a;
}

/* populate() - what faulting the pages in does to the model. */
static void populate(struct pm *m, uint64_t a, uint64_t len)
{
	for (uint64_t x = a; x < a + len; x += PM_PAGE) {
		struct pm_page *p = pg(m, x);

		if (p && p->mapped && !(p->flags & PM_VM_SHARED) &&
		    (p->flags & PM_VM_WRITE) && !(p->flags & PM_VM_LOCKONFAULT) &&
		    (p->file == 0 || !(p->flags & PM_VM_MAYSHARE)))
			p->must_fault = true;
	}
}

int pm_mmap(struct pm *m, uint64_t addr, uint64_t len, int prot, int flags,
	    int file, uint64_t off, int64_t got)
{
	int64_t want = mmap_check(m, addr, len, prot, flags, file, off);
	uint64_t vmf, plen = page_up(len);
	bool anon = flags & M_ANON;
	bool shared = (flags & M_TYPE) == M_SHARED || (flags & M_TYPE) == M_SHARED_VALIDATE;
	uint32_t key;

	if (verdict(m, want, got, "mmap"))
		return -1;
	if (want < 0)
		return 0;
	vmf = mmap_flags(m, prot, flags, anon ? 0 : file);
	key = anon ? (shared ? m->next_shmem++ : 0) : (uint32_t)file;
	if (anon && shared)
		shmem_sized(m, key, plen / PM_PAGE);
	for (uint64_t i = 0; i < plen / PM_PAGE; i++) {
		struct pm_page *p = pg(m, (uint64_t)want + i * PM_PAGE);

		clear_page(p);
		p->mapped = true;
		p->flags = vmf;
		p->file = key;
		p->off = anon ? (shared ? i : 0) : (off >> 12) + i;
	}
	if ((flags & M_POPULATE) ||
	    (vmf & (PM_VM_LOCKED | PM_VM_LOCKONFAULT)) == PM_VM_LOCKED)
		populate(m, (uint64_t)want, plen);
	return 0;
}

/* ------------------------------------------------------------------ */
/* munmap, mprotect                                                    */
/* ------------------------------------------------------------------ */

static void unmap_range(struct pm *m, uint64_t a, uint64_t len)
{
	for (uint64_t x = a; x < a + len && x >= a; x += PM_PAGE) {
		struct pm_page *p = pg(m, x);

		if (p)
			clear_page(p);
	}
}

static int64_t munmap_check(const struct pm *m, uint64_t addr, uint64_t len)
{
	if ((addr & (PM_PAGE - 1)) || addr > m->task_size || len > m->task_size - addr)
		return err(EINVAL);
	if (!page_up(len))
		return err(EINVAL);
	if (range_any(m, addr, page_up(len), PM_VM_SEALED))
		return err(EPERM);
	return 0;
}

int pm_munmap(struct pm *m, uint64_t addr, uint64_t len, int64_t got)
{
	int64_t want = munmap_check(m, addr, len);

	if (verdict(m, want, got, "munmap"))
		return -1;
	if (want == 0)
		unmap_range(m, addr, page_up(len));
	return 0;
}

int pm_mprotect(struct pm *m, uint64_t addr, uint64_t len, int prot, int64_t got)
{
	uint64_t end, newbits = 0;
	int64_t want = 0;

	if ((prot & (P_GROWSDOWN | P_GROWSUP)) == (P_GROWSDOWN | P_GROWSUP))
		want = err(EINVAL);
	else if (addr & (PM_PAGE - 1))
		want = err(EINVAL);
	else if (!len)
		return verdict(m, 0, got, "mprotect");
	end = addr + page_up(len);
	if (!want && end <= addr)
		want = err(ENOMEM);
	if (!want && (prot & ~(P_READ | P_WRITE | P_EXEC | P_SEM)))
		want = err(EINVAL);
	if (want)
		return verdict(m, want, got, "mprotect");
	newbits = ((prot & P_READ) ? PM_VM_READ : 0) |
		  ((prot & P_WRITE) ? PM_VM_WRITE : 0) |
		  ((prot & P_EXEC) ? PM_VM_EXEC : 0);
	for (uint64_t x = addr; x < end; x += PM_PAGE) {
		struct pm_page *p = pg(m, x);
		uint64_t old, nf;

		if (!p || !p->mapped) {
			want = err(ENOMEM);
			break;
		}
		old = p->flags;
		nf = (old & ~RWX) | newbits;
		if ((nf & ~(nf >> 4)) & RWX) {
			want = err(EACCES);
			break;
		}
		if (old & PM_VM_SEALED) {
			want = err(EPERM);
			break;
		}
		if (nf == old)
			continue;
		if (nf & PM_VM_WRITE) {
			if (!(old & (PM_VM_ACCOUNT | PM_VM_WRITE | PM_VM_SHARED |
				     PM_VM_NORESERVE)))
				nf |= PM_VM_ACCOUNT;
		} else if ((old & PM_VM_ACCOUNT) && p->file == 0 && !p->faulted) {
			nf &= ~PM_VM_ACCOUNT;
		}
		p->flags = nf;
	}
	return verdict(m, want, got, "mprotect");
}

/* ------------------------------------------------------------------ */
/* mremap                                                              */
/* ------------------------------------------------------------------ */

/* same_vma_attrs() - could pages @a and @b (a below b) be one VMA? */
static bool same_attrs_but(const struct pm_page *a, const struct pm_page *b,
			   uint64_t dist, uint64_t ignore)
{
	if (!a->mapped || !b->mapped)
		return false;
	if ((a->flags & ~(PM_VMA_ONLY | ignore)) != (b->flags & ~(PM_VMA_ONLY | ignore)) ||
	    a->file != b->file || a->name != b->name)
		return false;
	return a->file == 0 || b->off == a->off + dist;
}

static bool same_vma_attrs(const struct pm_page *a, const struct pm_page *b,
			   uint64_t dist)
{
	return same_attrs_but(a, b, dist, 0);
}

/*
 * mark_run_unknown() - @bits of the VMA around @addr become unknown: of
 * every page that could belong to it (same attributes but for @bits).
 */
static void mark_run_unknown(struct pm *m, uint64_t addr, uint64_t bits)
{
	struct pm_page *o = pg(m, addr), ref;
	uint64_t x;

	if (!o || !o->mapped)
		return;
	ref = *o;
	for (x = addr; pg(m, x) && same_attrs_but(&ref, pg(m, x), (x - addr) / PM_PAGE, bits);
	     x += PM_PAGE)
		pg(m, x)->unknown |= bits;
	for (x = addr - PM_PAGE; pg(m, x) && same_attrs_but(pg(m, x), &ref,
							     (addr - x) / PM_PAGE, bits);
	     x -= PM_PAGE)
		pg(m, x)->unknown |= bits;
}

/*
 * dontunmap_unknown() - after a DONTUNMAP move of [src, src+len) to dst:
 * Linux clears the lock bits of the whole source VMA, and that VMA may
 * by then have merged with the destination (live: moving a page of a
 * locked VMA into a hole punched in the same VMA leaves one unlocked VMA),
 * so the lock bits of everything that could be one VMA with either side
 * are unknown.
 */
static void dontunmap_unknown(struct pm *m, uint64_t src, uint64_t dst, uint64_t len)
{
	for (uint64_t x = 0; x < len; x += PM_PAGE) {
		mark_run_unknown(m, src + x, LOCK_BITS);
		mark_run_unknown(m, dst + x, LOCK_BITS);
	}
}

/*
 * move_pages() - the pages of [src, src+len) go to dst (a copy through a
 * buffer: the ranges may not overlap, but be careful anyway); @grow extra
 * pages continue the last one.
 */
static int move_pages(struct pm *m, uint64_t src, uint64_t len, uint64_t dst,
		      uint64_t grow, bool keep_source)
{
	uint64_t n = len / PM_PAGE, g = grow / PM_PAGE;
	struct pm_page *buf = calloc(n + g + 1, sizeof(*buf));

	if (!buf)
		return -1;
	for (uint64_t i = 0; i < n; i++)
		buf[i] = *pg(m, src + i * PM_PAGE);
	for (uint64_t i = 0; i < g; i++) {
		buf[n + i] = buf[n - 1];
		buf[n + i].off = buf[n - 1].off + i + 1;
		buf[n + i].guard = false;
		buf[n + i].must_fault = false;
	}
	if (!keep_source)
		unmap_range(m, src, len);
	for (uint64_t i = 0; i < n + g; i++)
		*pg(m, dst + i * PM_PAGE) = buf[i];
	free(buf);
	return 0;
}

/* mremap_single() - may [addr, addr+len) be one VMA?  0 no, 1 maybe. */
static int mremap_single(const struct pm *m, uint64_t addr, uint64_t len)
{
	const struct pm_page *first = pg(m, addr);

	for (uint64_t x = addr; x < addr + len; x += PM_PAGE) {
		const struct pm_page *p = pg(m, x);

		if (!p || !same_vma_attrs(first, p, (x - addr) / PM_PAGE))
			return 0;
	}
	return 1;
}

int pm_mremap(struct pm *m, uint64_t addr, uint64_t old_len, uint64_t new_len,
	      int flags, uint64_t new_addr, int64_t got)
{
	bool implies_new = flags & (R_FIXED | R_DONTUNMAP);
	bool dontunmap = flags & R_DONTUNMAP;
	uint64_t ol = page_up(old_len), nl = page_up(new_len), dst;
	struct pm_page *first;
	int single;

	if (flags & ~(R_MAYMOVE | R_FIXED | R_DONTUNMAP))
		return verdict(m, err(EINVAL), got, "mremap");
	if (addr & (PM_PAGE - 1))
		return verdict(m, err(EINVAL), got, "mremap");
	if (!nl)
		return verdict(m, err(EINVAL), got, "mremap");
	if (implies_new) {
		if ((new_addr & (PM_PAGE - 1)) || !(flags & R_MAYMOVE) ||
		    (dontunmap && ol != nl))
			return verdict(m, err(EINVAL), got, "mremap");
	}
	if (nl > m->task_size)
		return verdict(m, err(EINVAL), got, "mremap");
	if (implies_new) {
		if (new_addr > m->task_size - nl ||
		    (new_addr < addr + ol && addr < new_addr + nl))
			return verdict(m, err(EINVAL), got, "mremap");
	}
	first = pg(m, addr);
	if (!first || !first->mapped)
		return verdict(m, err(EFAULT), got, "mremap");
	if (first->flags & PM_VM_SEALED)
		return verdict(m, err(EPERM), got, "mremap");

	/* Shrink in place: the tail is unmapped, munmap rules. */
	if (nl < ol && !implies_new) {
		int64_t want = munmap_check(m, addr + nl, ol - nl);

		if (verdict(m, want ? want : (int64_t)addr, got, "mremap shrink"))
			return -1;
		if (!want)
			unmap_range(m, addr + nl, ol - nl);
		return 0;
	}
	if (nl == ol && !implies_new)
		return verdict(m, (int64_t)addr, got, "mremap no-op");
	if (!ol && !(first->flags & PM_VM_MAYSHARE))
		return verdict(m, err(EINVAL), got, "mremap");

	/*
	 * The range must lie inside one VMA; with FIXED and equal lengths it
	 * may span several (the 6.17 multi-VMA move).  The model cannot see
	 * VMA boundaries: identical attributes may still be two VMAs.
	 */
	/* A shrink with a new address checks only what moves (new_len). */
	single = mremap_single(m, addr, nl < ol ? nl : ol);
	if ((flags & R_FIXED) && ol == nl && !single) {
		/*
		 * Multi-VMA move: piece by piece, each piece's destination is
		 * unmapped just before it moves (destination pages facing
		 * source holes stay as they were, live).  A seal on either
		 * side stops it at a piece boundary the model cannot see:
		 * then the outcome is learned.
		 */
		bool sealed = false;

		if (new_addr < m->min_addr) {
			/* The first piece's destination is unmapped, then the
			 * address is refused (security_mmap_addr). */
			if (verdict(m, err(EPERM), got, "mremap (destination below mmap_min_addr)"))
				return -1;
			for (uint64_t x = new_addr; x < new_addr + nl; x += PM_PAGE)
				if (pg(m, x))
					pg(m, x)->wild = true;
			m->wild_calls++;
			return 0;
		}
		for (uint64_t x = addr; x < addr + ol; x += PM_PAGE)
			if (mapped(m, x) && ((pg(m, x)->flags & PM_VM_SEALED) ||
			    (pg(m, new_addr + (x - addr))->mapped &&
			     (pg(m, new_addr + (x - addr))->flags & PM_VM_SEALED))))
				sealed = true;
		if (sealed) {
			if (verdict(m, err(EPERM), got, "mremap multi-VMA move (sealed)"))
				return -1;
			for (uint64_t x = 0; x < ol; x += PM_PAGE) {
				if (dontunmap && mapped(m, addr + x))
					mark_run_unknown(m, addr + x, LOCK_BITS);
			}
			for (uint64_t x = 0; x < ol; x += PM_PAGE) {
				if (pg(m, addr + x))
					pg(m, addr + x)->wild = true;
				pg(m, new_addr + x)->wild = true;
			}
			m->wild_calls++;
			return 0;
		}
		if (verdict(m, (int64_t)new_addr, got, "mremap multi-VMA move"))
			return -1;
		for (uint64_t x = addr; x < addr + ol; x += PM_PAGE) {
			struct pm_page *s = pg(m, x), *d = pg(m, new_addr + (x - addr));

			if (!s || !s->mapped)
				continue;
			if (dontunmap) {
				*d = *s;
				s->flags &= ~LOCK_BITS;
				s->must_fault = false;
			} else {
				*d = *s;
				clear_page(s);
			}
		}
		if (dontunmap)
			dontunmap_unknown(m, addr, new_addr, ol);
		return 0;
	}
	if (!single)
		return verdict(m, err(EFAULT), got, "mremap (range spans VMAs)");
	if ((flags & R_FIXED) && !ol && addr >= new_addr && addr - new_addr < nl &&
	    !range_any(m, new_addr, nl, PM_VM_SEALED)) {
		/*
		 * old_len 0 passes the overlap check even when the
		 * destination covers addr: unmapping the destination takes
		 * the source with it, and looking it up again finds nothing
		 * (live: EFAULT, the destination stays unmapped).
		 */
		if (verdict(m, err(EFAULT), got, "mremap (old_len 0: source unmapped with the destination)"))
			return -1;
		unmap_range(m, new_addr, nl);
		return 0;
	}
	if (got == err(EFAULT) && !((flags & R_FIXED) && ol == nl))
		return 0;	/* identical attributes, but two VMAs */

	/* Growing in place. */
	if (!implies_new && nl > ol && !mapped(m, addr + ol) &&
	    addr + nl <= m->task_size && addr + nl > addr &&
	    range_free(m, addr + ol, nl - ol)) {
		if (verdict(m, (int64_t)addr, got, "mremap grow in place"))
			return -1;
		return move_pages(m, addr, ol, addr, nl - ol, true);
	}
	if (!(flags & R_MAYMOVE))
		return verdict(m, err(ENOMEM), got, "mremap (cannot grow in place)");
	if (flags & R_FIXED) {
		if (range_any(m, new_addr, nl, PM_VM_SEALED))
			return verdict(m, err(EPERM), got, "mremap (sealed destination)");
		if (new_addr < m->min_addr &&
		    !(nl < ol && munmap_check(m, addr + nl, ol - nl))) {
			/*
			 * Destination unmapped, tail unmapped, then refused.
			 * A refused tail munmap (a tail past task_size, say)
			 * comes first: "tail not unmappable" below.
			 */
			if (verdict(m, err(EPERM), got, "mremap (destination below mmap_min_addr)"))
				return -1;
			unmap_range(m, new_addr, nl);
			if (nl < ol)
				unmap_range(m, addr + nl, ol - nl);
			return 0;
		}
		dst = new_addr;
	} else {
		/* DONTUNMAP without FIXED: new_addr is a hint. */
		dst = place(m, dontunmap ? new_addr : 0, nl);
		if (!dst)
			return verdict(m, err(ENOMEM), got, "mremap (no room)");
		if (dst < m->min_addr)
			return verdict(m, err(EPERM), got, "mremap (hint below mmap_min_addr)");
	}
	if (nl < ol && munmap_check(m, addr + nl, ol - nl)) {
		/* The destination was unmapped, then the shrink is refused. */
		if (verdict(m, munmap_check(m, addr + nl, ol - nl), got,
			    "mremap (tail not unmappable)"))
			return -1;
		if (flags & R_FIXED)
			unmap_range(m, new_addr, nl);
		return 0;
	}
	if (verdict(m, (int64_t)dst, got, "mremap move"))
		return -1;
	if (flags & R_FIXED)
		unmap_range(m, new_addr, nl);
	if (nl < ol) {
		unmap_range(m, addr + nl, ol - nl);
		ol = nl;
	}
	if (dontunmap) {
		if (move_pages(m, addr, ol, dst, 0, true))
			return -1;
		for (uint64_t x = addr; x < addr + ol; x += PM_PAGE) {
			pg(m, x)->flags &= ~LOCK_BITS;
			pg(m, x)->must_fault = false;
		}
		dontunmap_unknown(m, addr, dst, ol);
		return 0;
	}
	if (!ol) {
		/* old_len 0 on a shared mapping: a second mapping of it. */
		for (uint64_t i = 0; i < nl / PM_PAGE; i++) {
			struct pm_page *d = pg(m, dst + i * PM_PAGE);

			*d = *first;
			d->off = first->off + i;
			d->guard = d->must_fault = false;
		}
		return 0;
	}
	return move_pages(m, addr, ol, dst, nl - ol, false);
}

/* ------------------------------------------------------------------ */
/* brk                                                                 */
/* ------------------------------------------------------------------ */

int pm_brk(struct pm *m, uint64_t addr, uint64_t got)
{
	uint64_t oldbrk = page_up(m->brk), newbrk = page_up(addr), next;
	uint64_t want = m->brk;

	if (addr < m->start_brk)
		goto out;
	if (newbrk == oldbrk) {
		want = addr;
		goto out;
	}
	if (addr <= m->brk) {
		if (!first_mapped(m, newbrk) || first_mapped(m, newbrk) >= oldbrk ||
		    range_any(m, newbrk, oldbrk - newbrk, PM_VM_SEALED))
			goto out;
		unmap_range(m, newbrk, oldbrk - newbrk);
		want = addr;
		goto out;
	}
	/* check_brk_limits(): a fixed get_unmapped_area of the growth. */
	if (newbrk - oldbrk > m->task_size || oldbrk > m->task_size - (newbrk - oldbrk) ||
	    oldbrk < m->min_addr)
		goto out;
	next = first_mapped(m, oldbrk);
	if (next) {
		uint64_t gap_start = next;

		if (pg(m, next)->flags & PM_VM_GROWSDOWN)
			gap_start = next > m->gap ? next - m->gap : 0;
		if (newbrk + PM_PAGE > gap_start)
			goto out;
	}
	for (uint64_t x = oldbrk; x < newbrk; x += PM_PAGE) {
		struct pm_page *p = pg(m, x);

		clear_page(p);
		p->mapped = true;
		p->flags = PM_VM_READ | PM_VM_WRITE | PM_VM_MAYREAD | PM_VM_MAYWRITE |
			   PM_VM_MAYEXEC | PM_VM_ACCOUNT | m->def_flags;
		if (m->mem_merge)
			p->flags |= PM_VM_MERGEABLE;
	}
	if ((m->def_flags & LOCK_BITS) == PM_VM_LOCKED)
		populate(m, oldbrk, newbrk - oldbrk);
	want = addr;
out:
	if (want == addr && want != m->brk)
		m->brk = addr;
	return verdict(m, (int64_t)want, (int64_t)got, "brk");
}

/* ------------------------------------------------------------------ */
/* madvise                                                             */
/* ------------------------------------------------------------------ */

enum { ADV_INVALID, ADV_NOCHANGE, ADV_FLAGS, ADV_POPULATE, ADV_GUARD };

static int advice_kind(int adv)
{
	switch (adv) {
	case 0: case 1: case 2: case 10: case 11: case 12: case 13:
	case 14: case 15: case 16: case 17: case 18: case 19:
		return ADV_FLAGS;
	case 3: case 4: case 8: case 9: case 20: case 21: case 24:
		return ADV_NOCHANGE;
	case 22: case 23:
		return ADV_POPULATE;
	case 102: case 103:
		return ADV_GUARD;
	default:
		return ADV_INVALID;
	}
}

static bool is_discard(int adv)
{
	return adv == 4 || adv == 8 || adv == 9 || adv == 10 || adv == 18 ||
	       adv == 24 || adv == 102;
}

/* advise_page() - apply @adv to one page: 0 or -errno (the walk stops). */
static int advise_page(struct pm_page *p, int adv)
{
	uint64_t f = p->flags;

	if (is_discard(adv) && (f & PM_VM_SEALED) && p->file == 0 &&
	    !(f & PM_VM_WRITE))
		return -EPERM;
	switch (adv) {
	case 0: f &= ~(PM_VM_SEQ_READ | PM_VM_RAND_READ); break;
	case 1: f = (f & ~PM_VM_SEQ_READ) | PM_VM_RAND_READ; break;
	case 2: f = (f & ~PM_VM_RAND_READ) | PM_VM_SEQ_READ; break;
	case 4: case 20: case 21:
		if (f & PM_VM_LOCKED)
			return -EINVAL;
		break;
	case 8:
		if (p->file != 0 || (f & PM_VM_LOCKED))
			return -EINVAL;
		break;
	case 9:
		if (f & PM_VM_LOCKED)
			return -EINVAL;
		if (p->file == 0)
			return -EINVAL;
		if ((f & (PM_VM_SHARED | PM_VM_MAYWRITE)) != (PM_VM_SHARED | PM_VM_MAYWRITE))
			return -EACCES;
		break;
	case 10: f |= PM_VM_DONTCOPY; break;
	case 11: f &= ~PM_VM_DONTCOPY; break;
	case 12:
		if (ksm_ok(f))
			f |= PM_VM_MERGEABLE;
		break;
	case 13: f &= ~PM_VM_MERGEABLE; break;
	case 14: f = (f & ~PM_VM_NOHUGEPAGE) | PM_VM_HUGEPAGE; break;
	case 15: f = (f & ~PM_VM_HUGEPAGE) | PM_VM_NOHUGEPAGE; break;
	case 16: f |= PM_VM_DONTDUMP; break;
	case 17:
		if (f & PM_VM_DROPPABLE)
			return -EINVAL;
		f &= ~PM_VM_DONTDUMP;
		break;
	case 18:
		if (p->file != 0)
			return -EINVAL;
		f |= PM_VM_WIPEONFORK;
		break;
	case 19:
		if (f & PM_VM_DROPPABLE)
			return -EINVAL;
		f &= ~PM_VM_WIPEONFORK;
		break;
	case 102:
		if (f & LOCK_BITS)
			return -EINVAL;
		p->guard = true;
		/* markers in anonymous page tables need an anon_vma; a file
		 * or shared mapping gets none (live: guarded pieces of a
		 * private memfd or shared anonymous mapping still merge) */
		if (p->file == 0)
			p->must_fault = true;
		break;
	case 103:
		p->guard = false;
		break;
	default:
		break;
	}
	p->flags = f;
	return 0;
}

static int madvise_populate(struct pm *m, uint64_t addr, uint64_t end, int adv)
{
	for (uint64_t x = addr; x < end; x += PM_PAGE) {
		struct pm_page *p = pg(m, x);

		if (!p || !p->mapped)
			return -ENOMEM;
		if (adv == 23 && !(p->flags & PM_VM_WRITE))
			return -EINVAL;
		if (adv == 22 && !(p->flags & PM_VM_READ))	/* live: W or X only: EINVAL */
			return -EINVAL;
		if ((p->guard && m->guard_faults) || past_eof(m, p))
			return -EFAULT;		/* SIGBUS (live) */
		if (adv == 23 && p->file == 0 && !(p->flags & PM_VM_SHARED))
			p->must_fault = true;
		if (adv == 23 && p->file != 0 && !(p->flags & PM_VM_MAYSHARE))
			p->must_fault = true;
	}
	return 0;
}

int pm_madvise(struct pm *m, uint64_t addr, uint64_t len, int adv, int64_t got)
{
	int kind = advice_kind(adv), e = 0;
	bool hole = false;
	uint64_t end;

	if (kind == ADV_INVALID || (addr & (PM_PAGE - 1)))
		return verdict(m, err(EINVAL), got, "madvise");
	end = addr + page_up(len);
	if ((len && !page_up(len)) || end < addr)
		return verdict(m, err(EINVAL), got, "madvise");
	if (end == addr)
		return verdict(m, 0, got, "madvise");
	if (kind == ADV_POPULATE)
		return verdict(m, madvise_populate(m, addr, end, adv), got, "madvise populate");
	hole = clamp(m, &addr, &end);
	for (uint64_t x = addr; x < end && !e; x += PM_PAGE) {
		struct pm_page *p = pg(m, x);

		if (!p || !p->mapped)
			hole = true;
		else
			e = advise_page(p, adv);
	}
	if (!e && hole)
		e = -ENOMEM;
	return verdict(m, e, got, "madvise");
}

/* ------------------------------------------------------------------ */
/* mlock family, mseal, anon names, KSM                                */
/* ------------------------------------------------------------------ */

static int lock_range(struct pm *m, uint64_t addr, uint64_t len, uint64_t set)
{
	uint64_t start = addr & ~(PM_PAGE - 1);
	uint64_t plen = page_up(len + (addr & (PM_PAGE - 1))), end = start + plen;
	int e = 0;

	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	for (uint64_t x = start; x < end; x += PM_PAGE) {
		struct pm_page *p = pg(m, x);

		if (!p || !p->mapped)
			return -ENOMEM;
		if (!(p->flags & PM_VM_DROPPABLE))	/* mlock_fixup skips it */
			p->flags = (p->flags & ~LOCK_BITS) | set;
	}
	if (!(set & PM_VM_LOCKED))
		return 0;	/* munlock populates nothing */
	/*
	 * Populate (mlock2 ONFAULT too: only VMAs that are lock-on-fault are
	 * skipped, a droppable one it could not lock is populated): an
	 * inaccessible page or one past the end of its file fails it.
	 */
	for (uint64_t x = start; x < end && !e; x += PM_PAGE) {
		struct pm_page *p = pg(m, x);

		if (p->flags & PM_VM_LOCKONFAULT)
			continue;
		if (!(p->flags & RWX) || (p->guard && m->guard_faults) ||
		    past_eof(m, p))
			e = -ENOMEM;
		else
			populate(m, x, PM_PAGE);
	}
	return e;
}

int pm_mlock2(struct pm *m, uint64_t addr, uint64_t len, unsigned flags, int64_t got)
{
	if (flags & ~1u)
		return verdict(m, err(EINVAL), got, "mlock2");
	return verdict(m, lock_range(m, addr, len,
				     PM_VM_LOCKED | (flags ? PM_VM_LOCKONFAULT : 0)),
		       got, "mlock");
}

int pm_munlock(struct pm *m, uint64_t addr, uint64_t len, int64_t got)
{
	return verdict(m, lock_range(m, addr, len, 0), got, "munlock");
}

int pm_mlockall(struct pm *m, int flags, int64_t got)
{
	uint64_t set;

	if (!flags || (flags & ~7) || flags == 4)
		return verdict(m, err(EINVAL), got, "mlockall");
	set = PM_VM_LOCKED | ((flags & 4) ? PM_VM_LOCKONFAULT : 0);
	m->def_flags = (flags & 2) ? set : 0;
	if (flags & 1) {
		for (uint64_t i = 0; i < m->npages; i++) {
			struct pm_page *p = &m->pg[i];

			if (!p->mapped || (p->flags & PM_VM_DROPPABLE))
				continue;
			p->flags = (p->flags & ~LOCK_BITS) | set;
			if (set == PM_VM_LOCKED && (p->flags & RWX) && !p->guard)
				populate(m, m->base + i * PM_PAGE, PM_PAGE);
		}
	}
	return verdict(m, 0, got, "mlockall");
}

int pm_munlockall(struct pm *m, int64_t got)
{
	m->def_flags = 0;
	for (uint64_t i = 0; i < m->npages; i++)
		if (m->pg[i].mapped && !(m->pg[i].flags & PM_VM_DROPPABLE))
			m->pg[i].flags &= ~LOCK_BITS;
	return verdict(m, 0, got, "munlockall");
}

int pm_mseal(struct pm *m, uint64_t addr, uint64_t len, unsigned long flags,
	     int64_t got)
{
	uint64_t end = addr + page_up(len);

	if (flags || (addr & (PM_PAGE - 1)) || (len && !page_up(len)) || end < addr)
		return verdict(m, err(EINVAL), got, "mseal");
	for (uint64_t x = addr; x < end; x += PM_PAGE)
		if (!mapped(m, x))
			return verdict(m, err(ENOMEM), got, "mseal");
	for (uint64_t x = addr; x < end; x += PM_PAGE)
		pg(m, x)->flags |= PM_VM_SEALED;
	return verdict(m, 0, got, "mseal");
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n >= 80)
		return false;
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e || strchr("\\`$[]", *s))
			return false;
	return true;
}

static uint16_t name_index(struct pm *m, const char *name)
{
	if (!name)
		return 0;
	for (int i = 1; i < m->nnames; i++)
		if (!strcmp(m->names[i], name))
			return (uint16_t)i;
	if (m->nnames == PM_MAX_NAMES)
		return 0;
	snprintf(m->names[m->nnames], sizeof(m->names[0]), "%s", name);
	return (uint16_t)m->nnames++;
}

int pm_anon_name(struct pm *m, uint64_t addr, uint64_t len, const char *name,
		 int64_t got)
{
	uint64_t end = addr + page_up(len);
	uint16_t idx;
	bool hole = false;

	if (name && !name_ok(name))
		return verdict(m, err(EINVAL), got, "anon name");
	if ((addr & (PM_PAGE - 1)) || (len && !page_up(len)) || end < addr)
		return verdict(m, err(EINVAL), got, "anon name");
	if (end == addr)
		return verdict(m, 0, got, "anon name");
	idx = name_index(m, name);
	hole = clamp(m, &addr, &end);
	for (uint64_t x = addr; x < end; x += PM_PAGE) {
		struct pm_page *p = pg(m, x);

		if (!p || !p->mapped) {
			hole = true;
			continue;
		}
		if (p->file != 0 && p->file < PM_OBJ_SHMEM)
			return verdict(m, err(EBADF), got, "anon name");
		p->name = idx;
	}
	return verdict(m, hole ? err(ENOMEM) : 0, got, "anon name");
}

/*
 * pm_memory_merge() - enabling marks every eligible page mergeable;
 * disabling after an enable clears the mark everywhere (also where
 * MADV_MERGEABLE set it); repeating the current setting does nothing.
 */
int pm_memory_merge(struct pm *m, bool on, int64_t got)
{
	if (on != m->mem_merge) {
		for (uint64_t i = 0; i < m->npages; i++) {
			struct pm_page *p = &m->pg[i];

			if (!p->mapped)
				continue;
			if (!on)
				p->flags &= ~PM_VM_MERGEABLE;
			else if (ksm_ok(p->flags))
				p->flags |= PM_VM_MERGEABLE;
		}
	}
	m->mem_merge = on;
	return verdict(m, 0, got, "memory merge");
}

/* ------------------------------------------------------------------ */
/* faults and fork                                                     */
/* ------------------------------------------------------------------ */

/*
 * access_ok() - 0, 2 (SEGV_ACCERR) or 3 (SIGBUS) for an access to a page.
 * x86 takes an instruction fetch from a page not yet present like a read:
 * the page is faulted in first (SIGBUS past the end of the file), and
 * only the retry, now present, fails on a VMA without VM_EXEC.
 */
static int access_ok(const struct pm *m, const struct pm_page *p, unsigned access)
{
	if ((access & 1) && !(p->flags & PM_VM_WRITE))
		return 2;
	if (!(p->flags & RWX))
		return 2;
	if (past_eof(m, p))
		return 3;
	if ((access & 2) && !(p->flags & PM_VM_EXEC))
		return 2;
	return 0;
}

int pm_fault(struct pm *m, uint64_t addr, unsigned access, int64_t got)
{
	uint64_t a = addr & ~(PM_PAGE - 1), stack, below;
	struct pm_page *p = pg(m, a);
	int want;

	if (p && p->mapped) {
		want = access_ok(m, p, access);
		if (!want && (access & 1) && !(p->flags & PM_VM_MAYSHARE))
			p->must_fault = true;
		return verdict(m, want, got, "fault");
	}
	/* Below a stack: expand it down to this page. */
	stack = first_mapped(m, a);
	if (!stack || !(pg(m, stack)->flags & PM_VM_GROWSDOWN) || a < m->min_addr)
		return verdict(m, 1, got, "fault (no stack above)");
	below = 0;
	for (uint64_t x = a; x > m->base;) {
		x -= PM_PAGE;
		if (mapped(m, x)) {
			below = x + PM_PAGE;
			break;
		}
	}
	if (below && !(pg(m, below - PM_PAGE)->flags & PM_VM_GROWSDOWN) &&
	    (pg(m, below - PM_PAGE)->flags & RWX) && a - below < m->gap)
		return verdict(m, 1, got, "fault (stack guard gap)");
	want = access_ok(m, pg(m, stack), access);
	if (verdict(m, want, got, "fault (stack growth)"))
		return -1;
	for (uint64_t x = a; x < stack; x += PM_PAGE) {
		*pg(m, x) = *pg(m, stack);
		pg(m, x)->guard = false;
	}
	if (!want && (access & 1))
		p->must_fault = true;
	return 0;
}

void pm_fork(const struct pm *m, struct pm *child)
{
	pm_copy(child, m);
	child->def_flags = 0;
	for (uint64_t i = 0; i < child->npages; i++) {
		struct pm_page *p = &child->pg[i];

		if (!p->mapped)
			continue;
		if (p->flags & PM_VM_DONTCOPY) {
			clear_page(p);
			continue;
		}
		p->flags &= ~LOCK_BITS;
		p->must_fault = false;
	}
}

/* ------------------------------------------------------------------ */
/* comparison                                                          */
/* ------------------------------------------------------------------ */

/*
 * key_match() - a consistent one-to-one map of the implementation's shared
 * anonymous objects to the model's keys (kept across checks).
 */
static bool key_match(struct pm *m, uint64_t obs, uint32_t model)
{
	for (int i = 0; i < m->km_n; i++) {
		if (m->km_obs[i] == obs || m->km_model[i] == model)
			return m->km_obs[i] == obs && m->km_model[i] == model;
	}
	if (m->km_n == 256)
		m->km_n = 0;	/* forget old objects */
	m->km_obs[m->km_n] = obs;
	m->km_model[m->km_n++] = model;
	return true;
}

/* key_learn() - the model key of an observed object, new if unseen. */
static uint32_t key_learn(struct pm *m, uint64_t obs)
{
	for (int i = 0; i < m->km_n; i++)
		if (m->km_obs[i] == obs)
			return m->km_model[i];
	key_match(m, obs, m->next_shmem);
	shmem_sized(m, m->next_shmem, UINT64_MAX);	/* size unknown */
	return m->next_shmem++;
}

/* learn() - a wild page becomes what the implementation shows. */
static void learn(struct pm *m, struct pm_page *p, const struct pm_obs *o)
{
	clear_page(p);
	if (!o->mapped)
		return;
	p->mapped = true;
	p->flags = o->flags & ~PM_VMA_ONLY;
	p->file = !o->file_key ? 0 : o->file_is_index ? (uint32_t)o->file_key :
	       key_learn(m, o->file_key);
	p->off = p->file ? o->off : 0;
	p->name = o->name ? name_index(m, o->name) : 0;
	p->faulted = o->anon_vma;
}

static int mismatch(struct pm *m, uint64_t i, const char *what, uint64_t want,
		    uint64_t have)
{
	snprintf(m->why, sizeof(m->why), "page %#llx: %s: model %#llx, implementation %#llx",
		 (unsigned long long)(m->base + i * PM_PAGE), what,
		 (unsigned long long)want, (unsigned long long)have);
	return -1;
}

/*
 * km_prune() - forget objects no page maps any more: the implementation
 * may reuse their identities (freed and reallocated pointers).
 */
static void km_prune(struct pm *m)
{
	uint32_t n = m->next_shmem - PM_OBJ_SHMEM;
	unsigned char *live = calloc(n + 1, 1);
	int j = 0;

	if (!live)
		return;
	for (uint64_t i = 0; i < m->npages; i++)
		if (m->pg[i].mapped && m->pg[i].file >= PM_OBJ_SHMEM)
			live[m->pg[i].file - PM_OBJ_SHMEM] = 1;
	for (int i = 0; i < m->km_n; i++) {
		if (!live[m->km_model[i] - PM_OBJ_SHMEM])
			continue;
		m->km_obs[j] = m->km_obs[i];
		m->km_model[j++] = m->km_model[i];
	}
	m->km_n = j;
	free(live);
}

int pm_check(struct pm *m, const struct pm_obs *obs)
{
	km_prune(m);
	for (uint64_t i = 0; i < m->npages; i++) {
		struct pm_page *p = &m->pg[i];
		const struct pm_obs *o = &obs[i];
		uint64_t mask = ~(PM_VMA_ONLY | p->unknown);

		if (p->wild) {
			learn(m, p, o);
			continue;
		}
		if (p->mapped != o->mapped)
			return mismatch(m, i, "mapped", p->mapped, o->mapped);
		if (!p->mapped)
			continue;
		if ((p->flags & mask) != (o->flags & mask))
			return mismatch(m, i, "VM flags", p->flags, o->flags);
		p->flags = (p->flags & mask) | (o->flags & p->unknown);
		p->unknown = 0;
		if (p->file == 0) {
			if (o->file_key)
				return mismatch(m, i, "file (model: anonymous)", 0, o->file_key);
		} else if (p->file < PM_OBJ_SHMEM) {
			if (!o->file_is_index || o->file_key != p->file)
				return mismatch(m, i, "file", p->file, o->file_key);
		} else if (o->file_is_index || !o->file_key ||
			   !key_match(m, o->file_key, p->file)) {
			return mismatch(m, i, "shared anonymous object", p->file, o->file_key);
		}
		if (p->file && p->off != o->off)
			return mismatch(m, i, "file offset (pages)", p->off, o->off);
		if (p->name ? (!o->name || strcmp(o->name, m->names[p->name]))
			    : o->name != NULL)
			return mismatch(m, i, "anon name", p->name, o->name != NULL);
		if (p->must_fault && !o->anon_vma)
			return mismatch(m, i, "anon_vma after a write fault", 1, 0);
		p->faulted = o->anon_vma;
	}
	return 0;
}

void pm_dump(const struct pm *m, FILE *f)
{
	for (uint64_t i = 0; i < m->npages;) {
		const struct pm_page *p = &m->pg[i];
		uint64_t j = i + 1;

		while (j < m->npages && m->pg[j].mapped == p->mapped &&
		       m->pg[j].flags == p->flags && m->pg[j].file == p->file &&
		       m->pg[j].name == p->name && m->pg[j].guard == p->guard &&
		       (!p->file || m->pg[j].off == p->off + (j - i)))
			j++;
		if (p->mapped)
			fprintf(f, "model %#llx-%#llx flags %#llx file %u off %llu name %s%s\n",
				(unsigned long long)(m->base + i * PM_PAGE),
				(unsigned long long)(m->base + j * PM_PAGE),
				(unsigned long long)p->flags, p->file,
				(unsigned long long)p->off,
				p->name ? m->names[p->name] : "-", p->guard ? " guard" : "");
		i = j;
	}
}
