/* SPDX-License-Identifier: MIT */
/*
 * objects.c - refcounted files, anonymous VMA names and memory policies
 * (see objects.h).  Reference counts are plain: one address space, and the
 * objects it points at, belong to one thread at a time.
 */
#include "objects.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

static _Atomic uint64_t next_file_id = 1;

struct uvma_file *uvma_file_open(const char *path)
{
	struct uvma_file *f = uvma__calloc(sizeof(*f));

	if (!f)
		return NULL;
	f->path = uvma__strdup(path ? path : "");
	if (!f->path) {
		uvma__free(f, sizeof(*f));
		return NULL;
	}
	f->refcount = 1;
	f->id = atomic_fetch_add_explicit(&next_file_id, 1, memory_order_relaxed);
	return f;
}

struct uvma_file *uvma_file_get(struct uvma_file *f)
{
	if (f)
		f->refcount++;
	return f;
}

void uvma_file_put(struct uvma_file *f)
{
	if (!f || --f->refcount)
		return;
#ifdef UVMA_DEBUG
	/*
	 * Every VMA holds a reference, so none is left to count: a VMA that
	 * went without taking its writable_maps back is a bug in the core.
	 */
	if (f->writable_maps) {
		fprintf(stderr, "uvma: file %s freed with writable_maps %llu\n",
			f->path, (unsigned long long)f->writable_maps);
		abort();
	}
#endif
	uvma__free(f->path, strlen(f->path) + 1);
	uvma__free(f, sizeof(*f));
}

struct anon_vma_name *anon_vma_name_alloc(const char *name)
{
	size_t len = strlen(name);
	struct anon_vma_name *n = uvma__malloc(sizeof(*n) + len + 1);

	if (!n)
		return NULL;
	n->refcount = 1;
	n->len = (uint32_t)len;
	memcpy(n->name, name, len + 1);
	return n;
}

struct anon_vma_name *anon_vma_name_get(struct anon_vma_name *n)
{
	if (n)
		n->refcount++;
	return n;
}

void anon_vma_name_put(struct anon_vma_name *n)
{
	if (!n || --n->refcount)
		return;
	uvma__free(n, sizeof(*n) + n->len + 1);
}

bool anon_vma_name_eq(const struct anon_vma_name *a,
		      const struct anon_vma_name *b)
{
	if (a == b)
		return true;
	return a && b && a->len == b->len && memcmp(a->name, b->name, a->len) == 0;
}

struct mempolicy *mpol_new(uint16_t mode, uint16_t flags, uint64_t nodes)
{
	struct mempolicy *p = uvma__calloc(sizeof(*p));

	if (!p)
		return NULL;
	p->refcount = 1;
	p->mode = mode;
	p->flags = flags;
	p->nodes = nodes;
	return p;
}

struct mempolicy *mpol_get(struct mempolicy *p)
{
	if (p)
		p->refcount++;
	return p;
}

void mpol_put(struct mempolicy *p)
{
	if (!p || --p->refcount)
		return;
	uvma__free(p, sizeof(*p));
}

bool mpol_equal(const struct mempolicy *a, const struct mempolicy *b)
{
	if (a == b)
		return true;
	return a && b && a->mode == b->mode && a->flags == b->flags &&
	       a->home_node == b->home_node && a->nodes == b->nodes;
}
