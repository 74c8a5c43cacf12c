/* SPDX-License-Identifier: MIT */
/*
 * helpers.c - see helpers.h.
 */
#include "helpers.h"

int vt_open_calls, vt_close_calls;

static void vt_open(struct vm_area_struct *vma)
{
	(void)vma;
	vt_open_calls++;
}

static void vt_close(struct vm_area_struct *vma)
{
	(void)vma;
	vt_close_calls++;
}

static int vt_no_split(struct vm_area_struct *vma, uint64_t addr)
{
	(void)vma;
	(void)addr;
	return -EINVAL;
}

const struct vm_operations_struct vt_ops_close = { .open = vt_open, .close = vt_close };
const struct vm_operations_struct vt_ops_plain = { .open = vt_open };
const struct vm_operations_struct vt_ops_nosplit = { .may_split = vt_no_split };

void vt_init(struct vt *t)
{
	vma_mm_init(&t->mm);
	vma_iter_init(&t->vmi, &t->mm, 0);
	t->anon_live_at_start = vma_test_anon_vma_live;
	t->warnings_at_start = vma_test_warnings;
	t->validate_failures_at_start = vma_test_validate_failures;
	vma_test_fail_prealloc = false;
	vt_open_calls = vt_close_calls = 0;
}

void vt_fini(struct vt *t)
{
	if (vma_validate(&t->mm))
		test_fail(__FILE__, __LINE__, __func__, "address space invalid at the end");
	vma_mm_destroy(&t->mm);
	if (t->mm.vma_pool.slabs)
		test_fail(__FILE__, __LINE__, __func__, "%ju VMA records leaked",
			  (uintmax_t)t->mm.vma_pool.records);
	vma_test_fail_prealloc = false;
	if (vma_test_warnings != t->warnings_at_start)
		test_fail(__FILE__, __LINE__, __func__, "%d core warnings",
			  vma_test_warnings - t->warnings_at_start);
	if (vma_test_validate_failures != t->validate_failures_at_start)
		test_fail(__FILE__, __LINE__, __func__, "%d validation failures",
			  vma_test_validate_failures - t->validate_failures_at_start);
	if (vma_test_anon_vma_live != t->anon_live_at_start)
		test_fail(__FILE__, __LINE__, __func__, "%ld anon_vmas leaked",
			  vma_test_anon_vma_live - t->anon_live_at_start);
}

struct vm_area_struct *vt_map(struct vt *t, uint64_t s, uint64_t e,
			      uint64_t pgoff, vm_flags_t flags)
{
	struct vm_area_struct *vma = vm_area_alloc(&t->mm);

	if (!vma)
		return NULL;
	vma->vm_start = P(s);
	vma->vm_end = P(e);
	vma->vm_pgoff = pgoff;
	vma->vm_flags = flags;
	if (vma_link(&t->mm, vma)) {
		vm_area_free(&t->mm, vma);
		return NULL;
	}
	return vma;
}

struct vm_area_struct *vt_map_anon(struct vt *t, uint64_t s, uint64_t e,
				   vm_flags_t flags)
{
	return vt_map(t, s, e, s, flags);
}

void vt_fault(struct vt *t, struct vm_area_struct *vma)
{
	if (anon_vma_prepare(&t->mm, vma))
		test_fail(__FILE__, __LINE__, __func__, "anon_vma_prepare failed");
}

const char *vt_draw(struct vt *t, unsigned npages)
{
	static char buf[256];
	struct mt_cursor c;
	struct vm_area_struct *vma;
	char letter = 'A';

	if (npages >= sizeof(buf))
		npages = sizeof(buf) - 1;
	memset(buf, '.', npages);
	buf[npages] = 0;
	mt_cursor_init(&c, &t->mm.mm_mt, 0);
	while ((vma = mt_next(&c, NULL, NULL)) != NULL) {
		for (uint64_t p = vma->vm_start >> PAGE_SHIFT;
		     p < (vma->vm_end >> PAGE_SHIFT) && p < npages; p++)
			buf[p] = letter;
		letter = letter == 'Z' ? 'a' : (char)(letter + 1);
	}
	return buf;
}

void vt_snap(struct vt *t, struct vt_snap *s)
{
	struct mt_cursor c;
	struct vm_area_struct *vma;

	memset(s, 0, sizeof(*s));
	/*
	 * No mt_release() here: a failed operation must not leave tree nodes
	 * reserved either, and live_blocks below would count them.
	 */
	s->map_count = t->mm.map_count;
	mt_cursor_init(&c, &t->mm.mm_mt, 0);
	while ((vma = mt_next(&c, NULL, NULL)) != NULL && s->n < VT_SNAP_MAX) {
		s->ptr[s->n] = vma;
		s->rec[s->n] = *vma;
		memset(&s->ext[s->n], 0, sizeof(s->ext[s->n]));
		if (vma->vm_ext)
			s->ext[s->n] = *vma->vm_ext;
		s->anon_ref[s->n] = vma->anon_vma ? vma->anon_vma->refcount : 0;
		s->file_ref[s->n] = vma->vm_file ? vma->vm_file->refcount : 0;
		s->name_ref[s->n] = vma_anon_name(vma) ? vma_anon_name(vma)->refcount : 0;
		s->policy_ref[s->n] = vma_policy(vma) ? vma_policy(vma)->refcount : 0;
		s->n++;
	}
	s->live_blocks = uvma_alloc_live();
	s->anon_live = vma_test_anon_vma_live;
}

int vt_same(struct vt *t, const struct vt_snap *s)
{
	struct vt_snap now;

	vt_snap(t, &now);
	if (now.n != s->n || now.map_count != s->map_count) {
		fprintf(stderr, "snapshot: %d VMAs (map_count %d), was %d (%d)\n",
			now.n, now.map_count, s->n, s->map_count);
		return 0;
	}
	for (int i = 0; i < s->n; i++) {
		if (now.ptr[i] != s->ptr[i] ||
		    memcmp(&now.rec[i], &s->rec[i], sizeof(now.rec[i])) ||
		    memcmp(&now.ext[i], &s->ext[i], sizeof(now.ext[i])) ||
		    now.anon_ref[i] != s->anon_ref[i] ||
		    now.file_ref[i] != s->file_ref[i] ||
		    now.name_ref[i] != s->name_ref[i] ||
		    now.policy_ref[i] != s->policy_ref[i]) {
			fprintf(stderr, "snapshot: VMA %d differs\n", i);
			return 0;
		}
	}
	if (now.live_blocks != s->live_blocks || now.anon_live != s->anon_live) {
		fprintf(stderr, "snapshot: live blocks %jd (was %jd), anon_vmas %ld (was %ld)\n",
			(intmax_t)now.live_blocks, (intmax_t)s->live_blocks,
			now.anon_live, s->anon_live);
		return 0;
	}
	return 1;
}
