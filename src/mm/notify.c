/* SPDX-License-Identifier: MIT */
/*
 * notify.c - change notifications (uvma_mm_set_notify()), and the public
 * entry point of every call that can change an address space.
 *
 * Each entry point here brackets the call's implementation (uvma__NAME in
 * NAME.c) with call_begin() / call_end():
 *
 *   call_begin   refuse with -EBUSY while the embedder's code runs inside a
 *                query or notification of the same mm; with a callback set,
 *                start a record and copy the VMAs of the range the call will
 *                touch, plus one VMA on each side (a merge can reach the
 *                neighbours: sticky flags move into them);
 *   the call     may add ranges it learns late (mm_notify_range(): the
 *                address mmap or a move chose, before anything changes
 *                there), and records moves as they succeed
 *                (mm_notify_moved());
 *   call_end     compare the copy with the VMAs now, page range by page
 *                range, and tell the embedder what changed.
 *
 * The comparison defines the events, so what is reported is what happened,
 * including partial effects of failing calls.  With the old state O, the
 * state now N, the move sources S and destinations D, and the ranges R
 * that a mapping replaced (mmap's result: its old contents are gone even
 * where the attributes are equal), a page p is
 *
 *   UNMAPPED   if O(p) mapped, p not in S, and (p in R or D, or N(p) not
 *              mapped);
 *   then every move is reported (MOVED);
 *   what the mirror now holds is M(p) = O(src(p)) for p in D, nothing for p
 *   in S, nothing for p reported UNMAPPED, else O(p); and p is
 *   MAPPED     if N(p) mapped and M(p) not;
 *   PROTECTION / FLAGS  if both are mapped and differ (access bits / other
 *              flags or the anon name); UNMAPPED (late) if M(p) is mapped
 *              and N(p) is not, which only a move's destination can be.
 *
 * Applying the events in order to a page array that held O gives N: that
 * is what tests/unit/test_notify.c checks after every call.
 *
 * Memory: the copy lives in a buffer kept between calls and grown before
 * the change.  If growing fails, the call goes on and its ranges are
 * reported as INVALIDATE instead (the embedder re-reads them).
 */
#include "mm_internal.h"

#define NOTIFY_MAX_RANGES 8	/* windows per call: mremap needs 3 */
#define NOTIFY_MAX_MOVES 8	/* distinct moves per call: mremap makes 1 */

struct notify_range {
	uint64_t start, end;
};

/* notify_piece - one VMA as it was when the call began. */
struct notify_piece {
	uint64_t start, end;
	vm_flags_t flags;
	struct anon_vma_name *name;	/* a reference */
};

struct notify_move {
	uint64_t old_start, old_end, new_start;
};

struct mm_notify {
	uvma_notify_fn fn;
	void *ctx;
	unsigned int depth;		/* nested entry points of one call */
	bool coarse;			/* a copy failed: report INVALIDATE */
	int nwin, nmove, nrepl;
	struct notify_range asked[NOTIFY_MAX_RANGES];	/* as the call gave them */
	struct notify_range win[NOTIFY_MAX_RANGES];	/* widened to the copy */
	struct notify_range repl[NOTIFY_MAX_RANGES];	/* R above */
	struct notify_move move[NOTIFY_MAX_MOVES];
	struct notify_piece *piece;	/* sorted, disjoint */
	size_t npiece, cap;
};

/* ------------------------------------------------------------------ */
/* Recording                                                           */

static bool recording_possible(const struct uvma_mm *mm)
{
	return mm->notify && mm->notify->fn;
}

static struct mm_notify *recording(struct uvma_mm *mm)
{
	struct mm_notify *n = mm->notify;

	return n && n->fn && n->depth ? n : NULL;
}

static void pieces_release(struct mm_notify *n)
{
	for (size_t i = 0; i < n->npiece; i++)
		anon_vma_name_put(n->piece[i].name);
	n->npiece = 0;
}

/* piece_reserve() - room for one more piece; false if memory ran out. */
static bool piece_reserve(struct mm_notify *n)
{
	struct notify_piece *np;
	size_t cap;

	if (n->npiece < n->cap)
		return true;
	cap = n->cap ? n->cap * 2 : 16;
	np = uvma__malloc(cap * sizeof(*np));
	if (!np)
		return false;
	if (n->npiece)
		memcpy(np, n->piece, n->npiece * sizeof(*np));
	uvma__free(n->piece, n->cap * sizeof(*np));
	n->piece = np;
	n->cap = cap;
	return true;
}

/*
 * piece_add() - keep @vma as it is now, unless a piece already covers part
 * of it: that piece was taken earlier in the call and is the older truth.
 */
static bool piece_add(struct mm_notify *n, const struct vm_area_struct *vma)
{
	size_t i = n->npiece;

	while (i > 0 && n->piece[i - 1].start >= vma->vm_end)
		i--;
	if (i > 0 && n->piece[i - 1].end > vma->vm_start)
		return true;
	if (!piece_reserve(n))
		return false;
	memmove(&n->piece[i + 1], &n->piece[i],
		(n->npiece - i) * sizeof(n->piece[0]));
	n->piece[i] = (struct notify_piece){
		.start = vma->vm_start,
		.end = vma->vm_end,
		.flags = vma->vm_flags,
		.name = vma_anon_name(vma) ? anon_vma_name_get(vma_anon_name(vma)) : NULL,
	};
	n->npiece++;
	return true;
}

/* clamp() - [start, end) to whole pages inside the user address space. */
static bool clamp(const struct uvma_mm *mm, uint64_t *start, uint64_t *end)
{
	uint64_t top = mm->cfg.task_size;

	if (*end < *start || *end > top)
		*end = top;
	*start &= PAGE_MASK;
	*end = PAGE_ALIGN(*end);
	return *start < *end;
}

/* note_range() - mm_notify_range() once a callback may be recording. */
static void note_range(struct uvma_mm *mm, uint64_t start, uint64_t end)
{
	struct mm_notify *n = recording(mm);
	struct vm_area_struct *vma;
	struct notify_range w;

	if (!n || !clamp(mm, &start, &end))
		return;
	for (int i = 0; i < n->nwin; i++)
		if (n->asked[i].start <= start && end <= n->asked[i].end)
			return;
	if (n->nwin == NOTIFY_MAX_RANGES) {
		/* Never with the calls we have; stay correct anyway. */
		n->coarse = true;
		w = n->asked[n->nwin - 1];
		n->asked[n->nwin - 1] = (struct notify_range){
			start < w.start ? start : w.start,
			end > w.end ? end : w.end };
		return;
	}
	w = (struct notify_range){ start, end };
	n->asked[n->nwin] = w;
	if (!n->coarse) {
		/* The VMAs touching [start - 1, end + 1): neighbours too. */
		VMA_ITERATOR(vmi, mm_core(mm), start ? start - 1 : 0);
		for_each_vma_range(vmi, vma, end + 1) {
			if (!piece_add(n, vma)) {
				n->coarse = true;
				break;
			}
			if (vma->vm_start < w.start)
				w.start = vma->vm_start;
			if (vma->vm_end > w.end)
				w.end = vma->vm_end;
		}
	}
	n->win[n->nwin++] = w;
}

void mm_notify_range(struct uvma_mm *mm, uint64_t start, uint64_t end)
{
	/* No notification state (the common case): nothing to record. */
	if (mm->notify)
		note_range(mm, start, end);
}

void mm_notify_moved(struct uvma_mm *mm, uint64_t old_start, uint64_t old_end,
		     uint64_t new_start)
{
	struct mm_notify *n = recording(mm);
	struct notify_move *last;

	if (!n || old_start >= old_end)
		return;
	last = n->nmove ? &n->move[n->nmove - 1] : NULL;
	/* The pieces of one multi-VMA move join up. */
	if (last && last->old_end == old_start &&
	    last->new_start - last->old_start == new_start - old_start) {
		last->old_end = old_end;
		return;
	}
	if (n->nmove == NOTIFY_MAX_MOVES) {
		n->coarse = true;
		return;
	}
	n->move[n->nmove++] = (struct notify_move){ old_start, old_end, new_start };
}

/* notify_replaced() - [start, end) was mapped anew (R). */
static void notify_replaced(struct uvma_mm *mm, uint64_t start, uint64_t end)
{
	struct mm_notify *n = recording(mm);

	if (!n || !clamp(mm, &start, &end))
		return;
	if (n->nrepl == NOTIFY_MAX_RANGES) {
		n->coarse = true;
		return;
	}
	n->repl[n->nrepl++] = (struct notify_range){ start, end };
}

/* ------------------------------------------------------------------ */
/* Comparing and telling                                               */

/* struct page_state - what a run of pages holds, and up to where. */
struct page_state {
	bool mapped;
	vm_flags_t flags;
	const struct anon_vma_name *name;
	uint64_t end;
};

/* old_at() - the copy at @pos (within the widened windows). */
static void old_at(const struct mm_notify *n, uint64_t pos, uint64_t limit,
		   struct page_state *s)
{
	size_t lo = 0, hi = n->npiece;

	while (lo < hi) {	/* the first piece ending above pos */
		size_t mid = lo + (hi - lo) / 2;

		if (n->piece[mid].end <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	*s = (struct page_state){ .end = limit };
	if (lo == n->npiece)
		return;
	if (n->piece[lo].start > pos) {
		if (n->piece[lo].start < limit)
			s->end = n->piece[lo].start;
		return;
	}
	s->mapped = true;
	s->flags = n->piece[lo].flags;
	s->name = n->piece[lo].name;
	if (n->piece[lo].end < limit)
		s->end = n->piece[lo].end;
}

/* new_at() - the address space now at @pos. */
static void new_at(struct uvma_mm *mm, uint64_t pos, uint64_t limit,
		   struct page_state *s)
{
	struct vm_area_struct *vma = find_vma(mm_core(mm), pos);

	*s = (struct page_state){ .end = limit };
	if (!vma)
		return;
	if (vma->vm_start > pos) {
		if (vma->vm_start < limit)
			s->end = vma->vm_start;
		return;
	}
	s->mapped = true;
	s->flags = vma->vm_flags;
	s->name = vma_anon_name(vma);
	if (vma->vm_end < limit)
		s->end = vma->vm_end;
}

static bool in_range(uint64_t pos, uint64_t start, uint64_t end, uint64_t *lim)
{
	if (pos < start) {
		if (start < *lim)
			*lim = start;
		return false;
	}
	if (pos >= end)
		return false;
	if (end < *lim)
		*lim = end;
	return true;
}

/* struct segment - one run of pages the rules above treat alike. */
struct segment {
	uint64_t end;
	bool unmapped_early;		/* UNMAPPED before the moves */
	bool mapped;			/* MAPPED */
	bool unmapped_late;		/* UNMAPPED after (a move's destination) */
	int attr_kind;			/* PROTECTION, FLAGS or 0 */
	vm_flags_t flags;		/* now */
};

static void classify(struct uvma_mm *mm, const struct mm_notify *n,
		     uint64_t pos, uint64_t limit, struct segment *seg)
{
	struct page_state o, now, m;
	bool in_src = false, in_dst = false, in_repl = false;
	uint64_t src = 0, lim = limit;

	for (int i = 0; i < n->nmove; i++) {
		const struct notify_move *mv = &n->move[i];
		uint64_t len = mv->old_end - mv->old_start;

		if (in_range(pos, mv->old_start, mv->old_end, &lim))
			in_src = true;
		if (in_range(pos, mv->new_start, mv->new_start + len, &lim)) {
			in_dst = true;
			src = pos - mv->new_start + mv->old_start;
		}
	}
	for (int i = 0; i < n->nrepl; i++)
		if (in_range(pos, n->repl[i].start, n->repl[i].end, &lim))
			in_repl = true;
	old_at(n, pos, lim, &o);
	new_at(mm, pos, o.end, &now);
	seg->end = now.end;
	seg->flags = now.flags;
	seg->unmapped_early = o.mapped && !in_src &&
			      (in_repl || in_dst || !now.mapped);
	if (in_dst) {
		old_at(n, src, src + (seg->end - pos), &m);
		seg->end = pos + (m.end - src);
	} else if (in_src || seg->unmapped_early) {
		m = (struct page_state){ .mapped = false };
	} else {
		m = o;
	}
	seg->mapped = now.mapped && !m.mapped;
	seg->unmapped_late = !now.mapped && m.mapped;
	seg->attr_kind = 0;
	if (now.mapped && m.mapped) {
		if ((now.flags ^ m.flags) & VM_ACCESS_FLAGS)
			seg->attr_kind = UVMA_CHANGE_PROTECTION;
		else if (now.flags != m.flags || !anon_vma_name_eq(now.name, m.name))
			seg->attr_kind = UVMA_CHANGE_FLAGS;
	}
}

/* struct emitter - coalesces adjacent events of one kind and flags. */
struct emitter {
	struct uvma_mm *mm;
	struct mm_notify *n;
	struct uvma_change cur;
	bool have;
};

static void emit_flush(struct emitter *e)
{
	if (e->have)
		e->n->fn(e->mm, &e->cur, e->n->ctx);
	e->have = false;
}

static int vm_prot(vm_flags_t flags)
{
	return (flags & VM_READ ? UVMA_PROT_READ : 0) |
	       (flags & VM_WRITE ? UVMA_PROT_WRITE : 0) |
	       (flags & VM_EXEC ? UVMA_PROT_EXEC : 0);
}

static void emit(struct emitter *e, enum uvma_change_kind kind, uint64_t start,
		 uint64_t end, vm_flags_t flags)
{
	if (kind == UVMA_CHANGE_UNMAPPED || kind == UVMA_CHANGE_INVALIDATE)
		flags = 0;
	if (e->have && e->cur.kind == kind && e->cur.end == start &&
	    e->cur.flags == flags) {
		e->cur.end = e->cur.old_end = end;
		return;
	}
	emit_flush(e);
	e->cur = (struct uvma_change){
		.kind = kind, .start = start, .end = end, .old_start = start,
		.old_end = end, .prot = vm_prot(flags), .flags = flags,
	};
	e->have = true;
}

/* windows_merged() - the widened windows, sorted and joined, into @out. */
static int windows_merged(const struct mm_notify *n, struct notify_range *out)
{
	int m = 0, k;

	for (int i = 0; i < n->nwin; i++) {	/* insertion sort */
		int j = m++;

		while (j > 0 && out[j - 1].start > n->win[i].start) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = n->win[i];
	}
	if (m == 0)
		return 0;
	k = 0;
	for (int i = 1; i < m; i++) {
		if (out[i].start <= out[k].end) {
			if (out[i].end > out[k].end)
				out[k].end = out[i].end;
		} else {
			out[++k] = out[i];
		}
	}
	return k + 1;
}

enum pass { PASS_UNMAP, PASS_MAP, PASS_ATTR };

static void walk(struct emitter *e, const struct notify_range *w, int nw,
		 enum pass pass)
{
	struct segment seg;

	for (int i = 0; i < nw; i++) {
		for (uint64_t pos = w[i].start; pos < w[i].end; pos = seg.end) {
			classify(e->mm, e->n, pos, w[i].end, &seg);
			if (pass == PASS_UNMAP && seg.unmapped_early)
				emit(e, UVMA_CHANGE_UNMAPPED, pos, seg.end, 0);
			else if (pass == PASS_MAP && seg.mapped)
				emit(e, UVMA_CHANGE_MAPPED, pos, seg.end, seg.flags);
			else if (pass == PASS_ATTR && seg.attr_kind)
				emit(e, seg.attr_kind, pos, seg.end, seg.flags);
			else if (pass == PASS_ATTR && seg.unmapped_late)
				emit(e, UVMA_CHANGE_UNMAPPED, pos, seg.end, 0);
		}
		emit_flush(e);
	}
}

/*
 * tell_coarse() - INVALIDATE for every range the call asked about, widened
 * to the VMAs touching it now (the neighbours a merge reached).
 */
static void tell_coarse(struct emitter *e)
{
	struct mm_notify *n = e->n;
	struct vm_area_struct *vma;

	for (int i = 0; i < n->nwin; i++) {
		struct notify_range w = n->asked[i];
		VMA_ITERATOR(vmi, mm_core(e->mm), w.start ? w.start - 1 : 0);

		for_each_vma_range(vmi, vma, w.end + 1) {
			if (vma->vm_start < w.start)
				w.start = vma->vm_start;
			if (vma->vm_end > w.end)
				w.end = vma->vm_end;
		}
		n->win[i] = w;
	}
	for (int i = 0; i < n->nmove; i++) {
		const struct notify_move *mv = &n->move[i];

		if (n->nwin < NOTIFY_MAX_RANGES)
			n->win[n->nwin++] = (struct notify_range){ mv->new_start,
				mv->new_start + (mv->old_end - mv->old_start) };
	}
	{
		struct notify_range merged[NOTIFY_MAX_RANGES];
		int m = windows_merged(n, merged);

		for (int i = 0; i < m; i++) {
			emit(e, UVMA_CHANGE_INVALIDATE, merged[i].start,
			     merged[i].end, 0);
			emit_flush(e);
		}
	}
}

static void tell(struct uvma_mm *mm, struct mm_notify *n)
{
	struct emitter e = { .mm = mm, .n = n };
	struct notify_range merged[NOTIFY_MAX_RANGES];
	int m;

	if (n->coarse) {
		tell_coarse(&e);
		return;
	}
	m = windows_merged(n, merged);
	walk(&e, merged, m, PASS_UNMAP);
	for (int i = 0; i < n->nmove; i++) {
		const struct notify_move *mv = &n->move[i];
		uint64_t len = mv->old_end - mv->old_start;

		e.cur = (struct uvma_change){
			.kind = UVMA_CHANGE_MOVED,
			.start = mv->new_start, .end = mv->new_start + len,
			.old_start = mv->old_start, .old_end = mv->old_end,
		};
		e.have = true;
		emit_flush(&e);
	}
	walk(&e, merged, m, PASS_MAP);
	walk(&e, merged, m, PASS_ATTR);
}

/* ------------------------------------------------------------------ */
/* Calls                                                               */

/*
 * call_begin() - start a call on @mm.  Returns 0 or -EBUSY (the embedder's
 * code is running inside a query or notification of @mm).
 */
static int call_begin(struct uvma_mm *mm)
{
	struct mm_notify *n = mm->notify;

	if (mm->busy)
		return -EBUSY;
	if (n && n->depth++ == 0) {
		n->coarse = false;
		n->nwin = n->nmove = n->nrepl = 0;
	}
	return 0;
}

/* call_end_notify() - call_end() with notification state. */
static void call_end_notify(struct uvma_mm *mm)
{
	struct mm_notify *n = mm->notify;

	if (--n->depth)
		return;
	if (n->fn && (n->nwin || n->nmove)) {
		mm_notify_hold(mm);
		tell(mm, n);
		mm_notify_release(mm);
	}
	pieces_release(n);
}

/*
 * call_end() - the call has committed: tell what changed.  The test
 * stays here so that calls on an address space without notifications
 * pay a load and a branch, not a function's prologue.
 */
static inline void call_end(struct uvma_mm *mm)
{
	if (mm->notify)
		call_end_notify(mm);
}

int uvma_mm_set_notify(struct uvma_mm *mm, uvma_notify_fn fn, void *ctx)
{
	struct mm_notify *n = mm->notify;

	if (mm->busy)
		return -EBUSY;
	if (!fn) {
		mm_notify_free(mm);
		return 0;
	}
	if (!n) {
		n = uvma__calloc(sizeof(*n));
		if (!n)
			return -ENOMEM;
		mm->notify = n;
	}
	n->fn = fn;
	n->ctx = ctx;
	return 0;
}

void mm_notify_free(struct uvma_mm *mm)
{
	struct mm_notify *n = mm->notify;

	if (!n)
		return;
	pieces_release(n);
	uvma__free(n->piece, n->cap * sizeof(*n->piece));
	uvma__free(n, sizeof(*n));
	mm->notify = NULL;
}

/* The whole user address space, for calls that may touch any VMA. */
static void notify_all(struct uvma_mm *mm)
{
	mm_notify_range(mm, 0, mm->cfg.task_size);
}

/*
 * CALL() - the body of an entry point: begin (or return @busy), note the
 * range @start..@end, run @expr into `ret`, end, return `ret`.
 */
#define CALL(mm, busy, start, end, expr)                                    \
	do {                                                                 \
		if (call_begin(mm))                                          \
			return busy;                                         \
		mm_notify_range(mm, start, end);                             \
		ret = expr;                                                  \
		call_end(mm);                                                \
		return ret;                                                  \
	} while (0)

int64_t uvma_mmap(struct uvma_mm *mm, uint64_t addr, uint64_t len, int prot,
		  int flags, struct uvma_file *file, uint64_t off)
{
	int64_t ret;

	if (call_begin(mm))
		return -EBUSY;
	/* The range is noted inside, once the address is chosen. */
	ret = uvma__mmap(mm, addr, len, prot, flags, file, off);
	if (ret >= 0)
		notify_replaced(mm, (uint64_t)ret, (uint64_t)ret + len);
	call_end(mm);
	return ret;
}

int uvma_munmap(struct uvma_mm *mm, uint64_t addr, uint64_t len)
{
	int ret;

	CALL(mm, -EBUSY, addr, addr + len, uvma__munmap(mm, addr, len));
}

int uvma_pkey_mprotect(struct uvma_mm *mm, uint64_t addr, uint64_t len,
		       int prot, int pkey)
{
	int ret;

	CALL(mm, -EBUSY, addr, addr + len,
	     uvma__pkey_mprotect(mm, addr, len, prot, pkey));
}

int64_t uvma_mremap(struct uvma_mm *mm, uint64_t old_addr, uint64_t old_len,
		    uint64_t new_len, int flags, uint64_t new_addr)
{
	uint64_t span = old_len > new_len ? old_len : new_len;
	int64_t ret;

	if (call_begin(mm))
		return -EBUSY;
	mm_notify_range(mm, old_addr, old_addr + span);
	if (flags & UVMA_MREMAP_FIXED)
		mm_notify_range(mm, new_addr, new_addr + new_len);
	/* A destination chosen inside is noted there, before the move. */
	ret = uvma__mremap(mm, old_addr, old_len, new_len, flags, new_addr);
	call_end(mm);
	return ret;
}

uint64_t uvma_brk(struct uvma_mm *mm, uint64_t addr)
{
	uint64_t ret, cur = mm->brk;

	CALL(mm, cur, addr < cur ? addr : cur, addr < cur ? cur : addr,
	     uvma__brk(mm, addr));
}

int uvma_madvise(struct uvma_mm *mm, uint64_t addr, uint64_t len, int advice)
{
	int ret;

	CALL(mm, -EBUSY, addr, addr + len, uvma__madvise(mm, addr, len, advice));
}

int uvma_mlock(struct uvma_mm *mm, uint64_t addr, uint64_t len)
{
	int ret;

	CALL(mm, -EBUSY, addr, addr + len, uvma__mlock(mm, addr, len));
}

int uvma_mlock2(struct uvma_mm *mm, uint64_t addr, uint64_t len,
		unsigned int flags)
{
	int ret;

	CALL(mm, -EBUSY, addr, addr + len, uvma__mlock2(mm, addr, len, flags));
}

int uvma_munlock(struct uvma_mm *mm, uint64_t addr, uint64_t len)
{
	int ret;

	CALL(mm, -EBUSY, addr, addr + len, uvma__munlock(mm, addr, len));
}

int uvma_mlockall(struct uvma_mm *mm, int flags)
{
	int ret;

	CALL(mm, -EBUSY, 0, mm->cfg.task_size, uvma__mlockall(mm, flags));
}

int uvma_munlockall(struct uvma_mm *mm)
{
	int ret;

	CALL(mm, -EBUSY, 0, mm->cfg.task_size, uvma__munlockall(mm));
}

int uvma_mseal(struct uvma_mm *mm, uint64_t addr, uint64_t len,
	       unsigned long flags)
{
	int ret;

	CALL(mm, -EBUSY, addr, addr + len, uvma__mseal(mm, addr, len, flags));
}

int uvma_set_vma_anon_name(struct uvma_mm *mm, uint64_t addr, uint64_t len,
			   const char *name)
{
	int ret;

	CALL(mm, -EBUSY, addr, addr + len,
	     uvma__set_vma_anon_name(mm, addr, len, name));
}

int uvma_set_memory_merge(struct uvma_mm *mm, bool on)
{
	int ret;

	CALL(mm, -EBUSY, 0, mm->cfg.task_size, uvma__set_memory_merge(mm, on));
}

int uvma_uffd_register(struct uvma_uffd *uffd, uint64_t addr, uint64_t len,
		       uint64_t mode)
{
	struct uvma_mm *mm = uffd ? uffd->mm : NULL;
	int ret;

	if (!mm)	/* closed or orphaned: the call says so */
		return uvma__uffd_register(uffd, addr, len, mode);
	CALL(mm, -EBUSY, addr, addr + len,
	     uvma__uffd_register(uffd, addr, len, mode));
}

int uvma_uffd_unregister(struct uvma_uffd *uffd, uint64_t addr, uint64_t len)
{
	struct uvma_mm *mm = uffd ? uffd->mm : NULL;
	int ret;

	if (!mm)
		return uvma__uffd_unregister(uffd, addr, len);
	CALL(mm, -EBUSY, addr, addr + len,
	     uvma__uffd_unregister(uffd, addr, len));
}

void uvma_uffd_close(struct uvma_uffd *uffd)
{
	struct uvma_mm *mm = uffd ? uffd->mm : NULL;

	/* From a callback of its mm this is a caller's bug (documented);
	 * closing anyway keeps the context from leaking. */
	if (!mm || call_begin(mm)) {
		uvma__uffd_close(uffd);
		return;
	}
	notify_all(mm);
	uvma__uffd_close(uffd);
	call_end(mm);
}

int uvma_exec_setup_stack(struct uvma_mm *mm, const struct uvma_exec_params *p,
			  uint64_t *sp_out)
{
	int ret;

	CALL(mm, -EBUSY, 0, mm->cfg.task_size,
	     uvma__exec_setup_stack(mm, p, sp_out));
}

int uvma_map_special(struct uvma_mm *mm, enum uvma_special kind, uint64_t addr,
		     uint64_t len)
{
	int ret;

	/* len 0 is the usual size: a few pages. */
	CALL(mm, -EBUSY, addr, addr + (len ? len : 16 * PAGE_SIZE),
	     uvma__map_special(mm, kind, addr, len));
}

int uvma_fault(struct uvma_mm *mm, uint64_t addr, unsigned int access)
{
	uint64_t end = addr + 1;
	int ret;

	if (recording_possible(mm)) {
		/* A stack growth reaches up to the stack above (if it can). */
		struct vm_area_struct *vma = find_vma(mm_core(mm), addr);

		if (vma && vma->vm_start > addr && (vma->vm_flags & VM_GROWSDOWN) &&
		    vma->vm_end - addr <= mm->cfg.rlimit_stack)
			end = vma->vm_start + 1;
	}
	CALL(mm, -EBUSY, addr, end, uvma__fault(mm, addr, access));
}
