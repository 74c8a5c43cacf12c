/* SPDX-License-Identifier: MIT */
/*
 * objects.h - the refcounted outside objects a VMA points at: the open file
 * (struct uvma_file), the anonymous VMA name (struct anon_vma_name) and the
 * NUMA memory policy (struct mempolicy).
 *
 * They are userland stand-ins for the kernel's struct file, anon_vma_name
 * and mempolicy.  The VMA core reaches them only through vma_internal.h.
 * Identity rules, as in Linux: a file is one open file description (two
 * opens of one path are two files, compared by pointer); a name is compared
 * by content; a policy is compared by content (mpol_equal()).
 * Every allocation goes through src/shim/alloc.h.
 */
#ifndef UVMA_SHIM_OBJECTS_H
#define UVMA_SHIM_OBJECTS_H

#include <stdbool.h>
#include <stdint.h>

/* An open file description.  Shared by every VMA that maps it. */
struct uvma_file {
	uint64_t refcount;
	uint64_t id;		/* unique per open, for printing */
	char *path;		/* NUL-terminated, owned */
	uint64_t ino;		/* free for the caller (inode identity) */
	/* What the system-call layer (src/mm/) needs; zero by default. */
	uint32_t dev_major, dev_minor;
	int open_flags;		/* O_RDONLY / O_WRONLY / O_RDWR | O_APPEND */
	unsigned int flags;	/* UVMA_FILE_* (include/uvma/uvma.h) */
	uint64_t size;		/* i_size in bytes */
	unsigned int seals;	/* memfd F_SEAL_* */
	/*
	 * VMAs (in every address space) that map the file shared and may
	 * write it: Linux's i_mmap_writable, which must be zero for a memfd
	 * to take F_SEAL_WRITE.  Kept by the VMA core (vma_is_shared_maywrite()).
	 */
	uint64_t writable_maps;
	unsigned int kind;	/* UVMA_FKIND_* below */
};

/* struct uvma_file kinds. */
#define UVMA_FKIND_REGULAR	0	/* a file given by the caller */
#define UVMA_FKIND_MEMFD	1	/* memfd_create(): "/memfd:NAME" */
#define UVMA_FKIND_SHMEM_ZERO	2	/* MAP_SHARED|MAP_ANONYMOUS: "/dev/zero" */

/*
 * uvma_file_open() - a new open file description for @path with one
 * reference (the caller's).  Returns NULL on allocation failure.
 */
struct uvma_file *uvma_file_open(const char *path);
/* uvma_file_get() - take a reference; returns @f. */
struct uvma_file *uvma_file_get(struct uvma_file *f);
/* uvma_file_put() - drop a reference; the last one frees the file. */
void uvma_file_put(struct uvma_file *f);

/*
 * uvma_file_allow_writable() / uvma_file_unmap_writable() - a VMA that
 * maps @f shared and may write it was made / is gone (writable_maps).
 */
static inline void uvma_file_allow_writable(struct uvma_file *f)
{
	f->writable_maps++;
}

static inline void uvma_file_unmap_writable(struct uvma_file *f)
{
	f->writable_maps--;
}

/* A refcounted, immutable anonymous VMA name (prctl PR_SET_VMA_ANON_NAME). */
struct anon_vma_name {
	uint64_t refcount;
	uint32_t len;		/* strlen(name) */
	char name[];
};

/* anon_vma_name_alloc() - a new name with one reference, or NULL. */
struct anon_vma_name *anon_vma_name_alloc(const char *name);
struct anon_vma_name *anon_vma_name_get(struct anon_vma_name *n);
void anon_vma_name_put(struct anon_vma_name *n);
/* anon_vma_name_eq() - same pointer, or both set with equal content. */
bool anon_vma_name_eq(const struct anon_vma_name *a,
		      const struct anon_vma_name *b);

/* A refcounted, immutable memory policy.  NULL means the default policy. */
struct mempolicy {
	uint64_t refcount;
	uint16_t mode;		/* MPOL_* */
	uint16_t flags;		/* MPOL_F_* */
	uint32_t home_node;
	uint64_t nodes;		/* node mask (64 nodes are plenty here) */
};

/* mpol_new() - a new policy with one reference, or NULL. */
struct mempolicy *mpol_new(uint16_t mode, uint16_t flags, uint64_t nodes);
struct mempolicy *mpol_get(struct mempolicy *p);
void mpol_put(struct mempolicy *p);
/* mpol_equal() - same pointer, or both set with equal content. */
bool mpol_equal(const struct mempolicy *a, const struct mempolicy *b);

#endif /* UVMA_SHIM_OBJECTS_H */
