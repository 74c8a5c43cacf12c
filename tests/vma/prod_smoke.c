/* SPDX-License-Identifier: MIT */
/*
 * prod_smoke.c - drive the library's own build of the VMA core (the
 * production boundary, src/vma/boundary/vma_internal.h) through a map,
 * a modify that splits and re-merges, an mremap-style copy and an munmap,
 * so that both builds of vma.c run under ctest.  The thorough tests are in
 * the test-boundary binary (tests/vma/test_*.c).
 */
#include "vma_internal.h"
#include "vma/vma.h"

#include "test.h"

#define P(n) ((uint64_t)(n) << PAGE_SHIFT)
#define RW (VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)

static struct vm_area_struct *map(struct vma_mm *mm, uint64_t s, uint64_t e)
{
	struct vm_area_struct *vma = vm_area_alloc(mm);

	if (!vma)
		return NULL;
	vma->vm_start = P(s);
	vma->vm_end = P(e);
	vma->vm_pgoff = s;
	vma->vm_flags = RW;
	if (vma_link(mm, vma)) {
		vm_area_free(mm, vma);
		return NULL;
	}
	return vma;
}

TEST(vma_prod_smoke)
{
	struct vma_mm mm;
	struct vm_area_struct *a, *res = NULL, *vma;
	int err;

	vma_mm_init(&mm);
	VMA_ITERATOR(vmi, &mm, 0);

	/*
	 * 0123456789
	 * AAAAAAAA      mprotect [2,4) read-only, then back: A, A', A again
	 */
	a = map(&mm, 0, 8);
	ASSERT_NOT_NULL(a);
	vma_iter_set(&vmi, P(2));
	err = vma_modify_flags(&vmi, a, a, P(2), P(4), VM_READ, &res);
	ASSERT_EQ(err, 0);
	res->vm_flags = VM_READ;
	ASSERT_PTR_EQ(res, a);		/* split pieces are new records */
	ASSERT_EQ(mm.map_count, 3);
	find_vma_prev(&mm, P(2), &vma);
	err = vma_modify_flags(&vmi, vma, res, P(2), P(4), RW, &res);
	ASSERT_EQ(err, 0);
	res->vm_flags = RW;
	ASSERT_PTR_EQ(res, vma);	/* the piece below absorbed both */
	ASSERT_EQ(mm.map_count, 1);
	ASSERT_EQ_X(res->vm_start, 0);
	ASSERT_EQ_X(res->vm_end, P(8));

	/* Copy [0,2) to [20,22), then unmap the middle of A. */
	err = copy_vma(&mm, &vma, P(20), P(2), 0, &res);
	ASSERT_EQ(err, 0);
	ASSERT_EQ(mm.map_count, 2);
	err = do_vmi_munmap(&vmi, &mm, P(3), P(2));
	ASSERT_EQ(err, 0);
	ASSERT_EQ(mm.map_count, 3);
	ASSERT_EQ(vma_validate(&mm), 0);
	vma_mm_destroy(&mm);
}
