/* SPDX-License-Identifier: MIT */
/*
 * helpers.h - building and checking address spaces in the VMA core tests.
 *
 * Layouts are counted in pages: P(n) is the address of page n.  A test
 * draws its layout as a ruler and one letter per VMA, e.g.
 *
 *   0123456789
 *   PPPMMMNNN      P, M, N: prev, middle, next
 *
 * and vt_draw() renders the live address space the same way (letters in
 * address order, '.' for holes) so a test can compare the whole picture.
 */
#ifndef UVMA_TESTS_VMA_HELPERS_H
#define UVMA_TESTS_VMA_HELPERS_H

#include "vma_internal.h"
#include "vma/vma.h"

#include "test.h"
#include "uvma/uvma.h"

#define P(n) ((uint64_t)(n) << PAGE_SHIFT)
#define RW (VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define RO (VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)

/* A test address space. */
struct vt {
	struct vma_mm mm;
	struct vma_iterator vmi;
	long anon_live_at_start;
	int warnings_at_start;
	int validate_failures_at_start;
};

void vt_init(struct vt *t);
/* vt_fini() - tear down; fails the test on warnings, bad checks, leaks. */
void vt_fini(struct vt *t);

/* vt_map() - link an anonymous VMA [P(s), P(e)) with @pgoff and @flags. */
struct vm_area_struct *vt_map(struct vt *t, uint64_t s, uint64_t e,
			      uint64_t pgoff, vm_flags_t flags);
/* vt_map_anon() - as vt_map() with pgoff = s (what mmap gives anon memory). */
struct vm_area_struct *vt_map_anon(struct vt *t, uint64_t s, uint64_t e,
				   vm_flags_t flags);
/* vt_fault() - give @vma an anon_vma (anon_vma_prepare). */
void vt_fault(struct vt *t, struct vm_area_struct *vma);

/* vt_draw() - the first @npages pages as letters (static buffer). */
const char *vt_draw(struct vt *t, unsigned npages);

/* A copy of everything visible about an address space. */
#define VT_SNAP_MAX 32
struct vt_snap {
	int n, map_count;
	struct vm_area_struct *ptr[VT_SNAP_MAX];
	struct vm_area_struct rec[VT_SNAP_MAX];
	struct vm_area_ext ext[VT_SNAP_MAX];	/* zero: none */
	uint32_t anon_ref[VT_SNAP_MAX];
	uint64_t file_ref[VT_SNAP_MAX];
	uint64_t name_ref[VT_SNAP_MAX];
	uint64_t policy_ref[VT_SNAP_MAX];
	int64_t live_blocks;
	long anon_live;
};

void vt_snap(struct vt *t, struct vt_snap *s);
/* vt_same() - whether @t still looks exactly like @s (prints the first difference). */
int vt_same(struct vt *t, const struct vt_snap *s);

/* Hooks for vm_ops tests: counts of calls. */
extern int vt_open_calls, vt_close_calls;
extern const struct vm_operations_struct vt_ops_close;	 /* open + close */
extern const struct vm_operations_struct vt_ops_plain;	 /* open only */
extern const struct vm_operations_struct vt_ops_nosplit; /* may_split = -EINVAL */

#define ASSERT_VMA(vma, s, e, pgoff)                                         \
	do {                                                                 \
		ASSERT_NOT_NULL(vma);                                        \
		ASSERT_EQ_X((vma)->vm_start, P(s));                          \
		ASSERT_EQ_X((vma)->vm_end, P(e));                            \
		ASSERT_EQ_X((vma)->vm_pgoff, (uint64_t)(pgoff));             \
	} while (0)

#endif /* UVMA_TESTS_VMA_HELPERS_H */
