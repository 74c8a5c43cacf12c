/* SPDX-License-Identifier: MIT */
/*
 * explain.c - why two neighbouring VMAs are separate (uvma_explain_pair()).
 *
 * The verdict comes from the VMA core's own merge predicates
 * (vma_merge_vetoes() in src/vma/vma.c), so the explanation cannot drift
 * from what the merges do; this file only finds the pair, adds the details
 * a person needs (which flags, which files, which offsets) and, for an
 * address space imported from a snapshot, moves to "unknown" what the
 * snapshot text cannot show.  Reads only.  Design: docs/explain.md.
 */
#include "mm/mm_internal.h"

static const char *const why_names[UVMA_WHY_COUNT] = {
	[UVMA_WHY_SPECIAL] = "special",
	[UVMA_WHY_GAP] = "gap",
	[UVMA_WHY_POLICY] = "mempolicy",
	[UVMA_WHY_FLAGS] = "flags",
	[UVMA_WHY_FILE] = "file",
	[UVMA_WHY_UFFD] = "uffd",
	[UVMA_WHY_ANON_NAME] = "anon_name",
	[UVMA_WHY_ANON_VMA] = "anon_vma",
	[UVMA_WHY_PGOFF] = "pgoff",
};

/* The core's veto bits by public reason, in the kernel's order. */
static const unsigned int why_veto[UVMA_WHY_COUNT] = {
	[UVMA_WHY_SPECIAL] = VMA_VETO_SPECIAL,
	[UVMA_WHY_GAP] = VMA_VETO_GAP,
	[UVMA_WHY_POLICY] = VMA_VETO_POLICY,
	[UVMA_WHY_FLAGS] = VMA_VETO_FLAGS,
	[UVMA_WHY_FILE] = VMA_VETO_FILE,
	[UVMA_WHY_UFFD] = VMA_VETO_UFFD,
	[UVMA_WHY_ANON_NAME] = VMA_VETO_ANON_NAME,
	[UVMA_WHY_ANON_VMA] = VMA_VETO_ANON_VMA,
	[UVMA_WHY_PGOFF] = VMA_VETO_PGOFF,
};

const char *uvma_why_name(enum uvma_why why)
{
	return (unsigned int)why < UVMA_WHY_COUNT ? why_names[why] : "?";
}

void uvma_file_id(const struct uvma_file *file, uint32_t *dev_major,
		  uint32_t *dev_minor, uint64_t *ino)
{
	if (dev_major)
		*dev_major = file ? file->dev_major : 0;
	if (dev_minor)
		*dev_minor = file ? file->dev_minor : 0;
	if (ino)
		*ino = file ? file->ino : 0;
}

static bool same_inode(const struct uvma_file *a, const struct uvma_file *b)
{
	return a->dev_major == b->dev_major && a->dev_minor == b->dev_minor &&
	       a->ino == b->ino;
}

static enum uvma_why_file file_why(const struct vm_area_struct *l,
				   const struct vm_area_struct *r)
{
	if (l->vm_file == r->vm_file)
		return UVMA_WHY_FILE_SAME;
	if (!l->vm_file || !r->vm_file)
		return UVMA_WHY_FILE_ANON;
	return same_inode(l->vm_file, r->vm_file) ? UVMA_WHY_FILE_OTHER_OPEN :
						    UVMA_WHY_FILE_OTHER_INODE;
}

/*
 * snapshot_unknown() - the checks an smaps text cannot decide for @l/@r:
 * the anon_vma (identity and fork lineage are not printed; "Anonymous:"
 * only proves one exists), the open file behind two lines of one inode,
 * the uffd context behind two registered VMAs, the memory policy (not in
 * smaps), and the pgoff of anonymous VMAs (maps prints 0).
 */
static unsigned int snapshot_unknown(const struct vm_area_struct *l,
				     const struct vm_area_struct *r)
{
	unsigned int u = VMA_VETO_ANON_VMA | VMA_VETO_POLICY;

	if (l->vm_file && r->vm_file && same_inode(l->vm_file, r->vm_file))
		u |= VMA_VETO_FILE;
	if ((l->vm_flags & __VM_UFFD_FLAGS) && (r->vm_flags & __VM_UFFD_FLAGS))
		u |= VMA_VETO_UFFD;
	if (!l->vm_file || !r->vm_file)
		u |= VMA_VETO_PGOFF;
	return u;
}

int uvma_explain_pair(struct uvma_mm *mm, uint64_t addr, unsigned int flags,
		      struct uvma_merge_why *out)
{
	struct vm_area_struct *left, *right;
	unsigned int veto, unknown = 0;
	uint64_t diff;

	if (flags & ~UVMA_EXPLAIN_SNAPSHOT)
		return -EINVAL;
	right = find_vma_prev(&mm->vmm, addr, &left);
	/* @addr must be right's start or in the gap below it. */
	if (!right || !left || right->vm_start < addr)
		return -ENOENT;

	memset(out, 0, sizeof(*out));
	uvma_vma_find(mm, left->vm_start, &out->left);
	uvma_vma_find(mm, right->vm_start, &out->right);
	veto = vma_merge_vetoes(left, right);
	if (flags & UVMA_EXPLAIN_SNAPSHOT)
		unknown = snapshot_unknown(left, right);
	for (unsigned int w = 0; w < UVMA_WHY_COUNT; w++) {
		if (unknown & why_veto[w])
			out->unknown |= 1u << w;
		else if (veto & why_veto[w])
			out->reason[out->n++] = (enum uvma_why)w;
	}
	diff = (left->vm_flags ^ right->vm_flags) & ~VM_IGNORE_MERGE;
	out->flags_left_only = diff & left->vm_flags;
	out->flags_right_only = diff & right->vm_flags;
	out->file = file_why(left, right);
	out->pgoff_expected = left->vm_pgoff +
			      ((right->vm_start - left->vm_start) >> PAGE_SHIFT);
	return 0;
}
