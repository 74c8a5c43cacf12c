/* SPDX-License-Identifier: MIT */
/*
 * search.h - the range tree's searches, compiled twice by tree.c.
 *
 * Private to tree.c, which includes this file once for every instruction
 * set it builds the searches for, with MT_V(name) giving each copy's names
 * and MT_AVX512 saying which copy this is:
 *
 *   MT_AVX512 == 0  name_base   - portable C (SSE2 on x86-64);
 *   MT_AVX512 == 1  name_avx512 - x86-64 with AVX-512 F and BW: an inner
 *                                 node's 40 separators are compared in five
 *                                 instructions, a leaf's 32 starts in two.
 *
 * tree.c picks a copy at run time (mt_simd()).  Both answer every question
 * identically; the unit tests run the differential fuzz with each.
 *
 * A search reads the tree only, but updates its caches (the finger, the
 * route, the last rank): see struct mt_tree.
 */

/*
 * inner_rank() - how many separators key[1..count) of @n are at or below
 * @a, for @a < UINT64_MAX: the child whose range holds @a.
 *
 * Unused keys hold UINT64_MAX, which no such @a reaches, so the count may
 * run over all MT_ICAP - 1 key slots.  (No separator is UINT64_MAX either:
 * the entries right of one start at or after it, and every start is below
 * UINT64_MAX.)
 *
 * Portable: two rounds of independent compares instead of a binary
 * search's chain of dependent ones: the last key of each of the first four
 * blocks of eight says how many blocks lie wholly at or below @a, then the
 * eight keys of the next block are counted (twelve compares, no loop
 * branches).  AVX-512: five compares of eight keys give a 40-bit mask of
 * the keys at or below @a; its population count is the slot.
 */
static inline int MT_V(inner_rank)(const struct mt_inner *n, uint64_t a)
{
	const uint64_t *k = n->key + 1;
	int r;

#if MT_AVX512
	/*
	 * The five 8-bit masks are joined in mask registers (kunpck) and moved
	 * out once, as 64 bits: gcc 12 at -O1 with -fsanitize=undefined spilt
	 * an 8-bit mask converted to uint64_t as one byte and reloaded eight.
	 */
	const __m512i va = _mm512_set1_epi64((long long)a);
	__mmask16 m01, m23;
	__mmask32 m03;
	__mmask64 m;

	_Static_assert(MT_ICAP - 1 == 40, "inner_rank() compares 5 x 8 keys");
	m01 = _mm512_kunpackb(_mm512_cmple_epu64_mask(_mm512_loadu_si512(k + 8), va),
			      _mm512_cmple_epu64_mask(_mm512_loadu_si512(k), va));
	m23 = _mm512_kunpackb(_mm512_cmple_epu64_mask(_mm512_loadu_si512(k + 24), va),
			      _mm512_cmple_epu64_mask(_mm512_loadu_si512(k + 16), va));
	m03 = _mm512_kunpackw(m23, m01);
	m = _mm512_kunpackd(_mm512_cmple_epu64_mask(_mm512_loadu_si512(k + 32), va), m03);
	r = __builtin_popcountll(_cvtmask64_u64(m));
#else
	r = 8 * ((k[7] <= a) + (k[15] <= a) + (k[23] <= a) + (k[31] <= a));
	k += r;
	r += (k[0] <= a) + (k[1] <= a) + (k[2] <= a) + (k[3] <= a) +
	     (k[4] <= a) + (k[5] <= a) + (k[6] <= a) + (k[7] <= a);
#endif
	return r;
}

/* inner_slot() - inner_rank() for any @a: UINT64_MAX is in the last child. */
static inline int MT_V(inner_slot)(const struct mt_inner *n, uint64_t a)
{
	return a < UINT64_MAX ? MT_V(inner_rank)(n, a) : n->h.count - 1;
}

/*
 * leaf_rank() - how many entries of @l start at or below @a.
 *
 * It counts over every start slot instead of searching: the sentinels in
 * unused slots never count, and the loads are independent of one another.
 * Narrow leaves compare four starts at a time with SSE2, or sixteen with
 * AVX-512.
 */
static inline int MT_V(leaf_rank)(const struct mt_leaf *l, uint64_t a)
{
	int r = 0;

	if (l->h.wide) {
		if (a == UINT64_MAX)
			return l->h.count;
#if MT_AVX512
		{
			/* 8 + 8 + 3 starts; the masked load reads nothing past s[18] */
			const __m512i va = _mm512_set1_epi64((long long)a);
			const uint64_t *s = l->e.w.s;
			__mmask16 m01;
			__mmask8 m2;

			_Static_assert(MT_WCAP == 19, "leaf_rank() compares 8 + 8 + 3 wide starts");
			m01 = _mm512_kunpackb(_mm512_cmple_epu64_mask(_mm512_loadu_si512(s + 8), va),
					      _mm512_cmple_epu64_mask(_mm512_loadu_si512(s), va));
			m2 = _mm512_mask_cmple_epu64_mask(0x07, _mm512_maskz_loadu_epi64(0x07, s + 16), va);
			return __builtin_popcount(_cvtmask32_u32(_mm512_kunpackw(m2, m01)));
		}
#else
		for (int i = 0; i < MT_WCAP; i++)
			r += l->e.w.s[i] <= a;
		return r;
#endif
	}
	if (a < l->base)
		return 0;
	if (a - l->base >= UINT32_MAX)
		return l->h.count;	/* past every start (sentinels too) */
	{
		uint32_t d = (uint32_t)(a - l->base);
#if MT_AVX512
		const __m512i key = _mm512_set1_epi32((int)d);
		__mmask32 m;

		_Static_assert(MT_NSLOT == 32, "leaf_rank() compares 2 x 16 starts");
		m = _mm512_kunpackw(_mm512_cmple_epu32_mask(_mm512_loadu_si512(l->e.n.s + 16), key),
				    _mm512_cmple_epu32_mask(_mm512_loadu_si512(l->e.n.s), key));
		r = __builtin_popcount(_cvtmask32_u32(m));
#elif defined(__SSE2__)
		const __m128i bias = _mm_set1_epi32((int)0x80000000u);
		const __m128i key = _mm_xor_si128(_mm_set1_epi32((int)d), bias);
		__m128i above = _mm_setzero_si128();

#pragma GCC unroll 8
		for (int i = 0; i < MT_NSLOT; i += 4) {
			__m128i v = _mm_loadu_si128((const __m128i *)&l->e.n.s[i]);

			/* lanes with start > d become -1 */
			above = _mm_add_epi32(above, _mm_cmpgt_epi32(_mm_xor_si128(v, bias), key));
		}
		above = _mm_add_epi32(above, _mm_shuffle_epi32(above, 0x4e));
		above = _mm_add_epi32(above, _mm_shuffle_epi32(above, 0xb1));
		r = MT_NSLOT + _mm_cvtsi128_si32(above);
#else
		for (int i = 0; i < MT_NSLOT; i++)
			r += l->e.n.s[i] <= d;
#endif
	}
	return r;
}

/* rank() - leaf_rank() out of line: how tree.c's writes call this copy's. */
static int MT_V(rank)(const struct mt_leaf *l, uint64_t a)
{
	return MT_V(leaf_rank)(l, a);
}

/*
 * descend() - the leaf for @a, recording the path when asked, and
 * in @span (when asked) the addresses whose descent reaches the same leaf:
 * [the last separator at or below @a, the first above it) on the way down.
 *
 * Every leaf is at the same depth, so the descent counts levels instead of
 * testing each node's kind: the loop's length is the same every time.
 * While descents keep landing under one parent (t->near), each level first
 * tries the slot the last descent took (t->route): it is the answer exactly
 * when key[j] <= a < key[j + 1], so a search near the last one costs two
 * compares a level.  Once a guess fails, the levels below belong to another
 * subtree and are searched outright.  When descents jump about, guesses
 * would fail at the top and cost a mispredicted branch each: none are made.
 *
 * @track (a constant in every caller): keep the route, near and the
 * cached path (rleaf) for the writes that follow.  mt_load() does not:
 * nothing in the VMA layer writes where it just loaded, and the stores
 * of the bookkeeping cost a random load at 10^5 entries 31 of its ~300
 * instructions (portable copy, callgrind).  Its descent neither uses nor
 * disturbs the route, which stays right for the last tracked descent.
 */
static inline __attribute__((always_inline)) struct mt_leaf *
MT_V(descend)(const struct mt_tree *t, uint64_t a, struct path *p, uint64_t *span,
	      int track)
{
	struct mt_tree *w = (struct mt_tree *)t;	/* caches: see tree.h */
	uint8_t *route = w->route;
	struct mt_node *n = t->root;
	uint64_t lo = 0, hi = UINT64_MAX, q;
	struct mt_inner *par = NULL;	/* the leaf's parent */
	int d = 0, inner;

	if (!n)
		return NULL;
	inner = (int)t->height - 1;
	/* The same path as for UINT64_MAX (see inner_rank()) */
	q = a < UINT64_MAX ? a : UINT64_MAX - 1;
	for (; track && t->near && d < inner && d < MT_ROUTE; d++) {
		struct mt_inner *in = IN(n);
		int j = route[d], c = in->h.count;

		if (j >= c || (j > 0 && in->key[j] > a) ||
		    (j + 1 < c && in->key[j + 1] <= a))
			break;
		if (j > 0)
			lo = in->key[j];
		if (j + 1 < c)
			hi = in->key[j + 1];
		if (p) {
			p->node[d] = in;
			p->slot[d] = j;
		}
		par = in;
		n = in->child[j];
	}
	for (; d < inner; d++) {
		struct mt_inner *in = IN(n);
		uint64_t klo, khi;
		int j;

#if !MT_AVX512
		/*
		 * inner_rank() reads the header's line and those of key[8],
		 * [16], [24] and [32]; the blocks lie in these but for the
		 * last key line: ask for it too, so that every miss overlaps.
		 */
		__builtin_prefetch(&in->key[MT_ICAP - 1]);
#endif
		j = MT_V(inner_rank)(in, q);
		/* key[0] is unused, key[count] on UINT64_MAX: loads, then selects */
		klo = in->key[j];
		khi = in->key[j + 1];
		lo = j > 0 ? klo : lo;
		hi = j + 1 < in->h.count ? khi : hi;
		if (track && d < MT_ROUTE)
			route[d] = (uint8_t)j;
		if (p) {
			p->node[d] = in;
			p->slot[d] = j;
		}
		par = in;
		n = in->child[j];
	}
#ifdef UVMA_DEBUG
	if (!n->leaf)
		abort();	/* t->height is wrong */
#endif
	__builtin_prefetch(&LF(n)->e.n.s[16]);
	if (inner >= 3) {
		/*
		 * A tree this tall outgrows the L2 cache, and the leaf's ends
		 * and values are needed as soon as its starts are counted: ask
		 * for them now, so that one wait covers every line of the leaf
		 * instead of two waits in a row.  (In smaller trees these lines
		 * are cached and the requests cost more than they save.)  Nodes
		 * are not line-aligned, so step by lines from the ends to the
		 * leaf's last byte, which may start one more line.
		 */
		const char *c = (const char *)&LF(n)->e.n.e[0];
		const char *last = (const char *)(LF(n) + 1) - 1;

#pragma GCC unroll 8
		for (; c < last; c += 64)
			__builtin_prefetch(c);
		__builtin_prefetch(last);
	}
	if (p) {
		p->depth = d;
		p->top = 0;
	}
	if (span) {
		span[0] = lo;
		span[1] = hi;
	}
	if (track) {
		w->near = par && &par->h == t->rparent;
		w->rparent = par ? &par->h : NULL;
		/* route[] now holds this leaf's path (see path_cached()). */
		w->rleaf = d <= MT_ROUTE ? n : NULL;
		w->rshape = t->shape;
	}
	return LF(n);
}

/* walk() - descend(), for the writes. */
static struct mt_leaf *MT_V(walk)(const struct mt_tree *t, uint64_t a,
				  struct path *p)
{
	return MT_V(descend)(t, a, p, NULL, 1);
}

/*
 * leaf_for() - the leaf a search for @a starts from: the finger when it
 * answers for @a, else the leaf a descent reaches, which becomes the
 * finger.  NULL when the tree is empty.
 */
static inline __attribute__((always_inline)) struct mt_leaf *
MT_V(leaf_for)(const struct mt_tree *t, uint64_t a)
{
	struct mt_leaf *l = finger(t, a);
	uint64_t span[2];

	if (l)
		return l;
	l = MT_V(descend)(t, a, NULL, span, 1);
	if (l)
		finger_set(t, l, span[0], span[1]);
	return l;
}

/* find_pos() - leaf and slot of the first entry ending above @a; 0 if none. */
static int MT_V(find_pos)(const struct mt_tree *t, uint64_t a,
			  struct mt_leaf **leaf, int *slot)
{
	struct mt_leaf *l = MT_V(leaf_for)(t, a);
	int r;

	if (!l)
		return 0;
	r = MT_V(leaf_rank)(l, a);
	if (!t->writing)
		rank_keep(t, l, a, r);
	if (r > 0 && ee(l, r - 1) > a) {
		*leaf = l;
		*slot = r - 1;
		return 1;
	}
	if (r < l->h.count) {
		*leaf = l;
		*slot = r;
		return 1;
	}
	if (l->next) {
		*leaf = l->next;
		*slot = 0;
		return 1;
	}
	return 0;
}

/* find_prev_pos() - leaf and slot of the last entry starting below @a. */
static int MT_V(find_prev_pos)(const struct mt_tree *t, uint64_t a,
			       struct mt_leaf **leaf, int *slot)
{
	struct mt_leaf *l;
	int r;

	if (a == 0)
		return 0;
	l = MT_V(leaf_for)(t, a - 1);
	if (!l)
		return 0;
	r = MT_V(leaf_rank)(l, a - 1);
	if (r > 0) {
		*leaf = l;
		*slot = r - 1;
		return 1;
	}
	if (l->prev) {
		*leaf = l->prev;
		*slot = l->prev->h.count - 1;
		return 1;
	}
	return 0;
}

/*
 * load() - mt_load().  Like leaf_for(), but the descent keeps neither the
 * route (see descend()) nor the separators it passes: the finger it leaves
 * answers for the leaf's own entries, [first start, last end), read from
 * the leaf itself (finger_leaf(), as after a write).  The separators'
 * loads and selects at every level cost random loads at 10^5 entries 2 ns
 * of ~30 (AVX-512, bench_tree).  A descent reaches a leaf with entries:
 * only writes leave a leaf empty, and only while they work.
 */
static void *MT_V(load)(const struct mt_tree *t, uint64_t addr,
			uint64_t *start, uint64_t *end)
{
	const struct mt_leaf *l = finger(t, addr);
	int r;

	if (!l) {
		l = MT_V(descend)(t, addr, NULL, NULL, 0);
		if (!l)
			return NULL;
		finger_leaf(t, l);
	}
	r = MT_V(leaf_rank)(l, addr);
	if (r == 0 || ee(l, r - 1) <= addr)
		return NULL;
	return leaf_out(l, r - 1, start, end);
}
