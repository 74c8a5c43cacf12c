/* SPDX-License-Identifier: MIT */
/*
 * import.c - an address space from a /proc/PID/maps or smaps snapshot, so
 * a model can start from a real process's state.
 *
 * Two passes: parse every VMA line (and, for smaps, its "Anonymous:" and
 * "VmFlags:" lines) into an array, checking order; then make one open file
 * per (device, inode, path), link the VMAs, recognise [heap], [stack],
 * [vdso], [vvar], [vvar_vclock], [anon:NAME] and [anon_shmem:NAME], skip
 * [vsyscall] (printed from the configuration), and give a VMA whose
 * Anonymous: is above 0 kB an anon_vma as a first write fault would.
 * Nothing here allocates outside the library allocator; every failure
 * frees what was made.
 */
#include <stdio.h>

#include "mm/mm_internal.h"
#include "proc/proc.h"

struct imp_vma {
	uint64_t start, end, off, ino;
	uint32_t maj, min;
	char perms[5];
	const char *name;	/* into the text; not NUL-terminated */
	size_t name_len;
	vm_flags_t flags;
	bool has_vmflags;
	bool faulted;
};

struct imp {
	struct imp_vma *v;
	size_t n, cap;
};

static bool imp_push(struct imp *im)
{
	struct imp_vma *nv;
	size_t ncap;

	if (im->n < im->cap)
		return true;
	ncap = im->cap ? im->cap * 2 : 64;
	nv = uvma__malloc(ncap * sizeof(*nv));
	if (!nv)
		return false;
	if (im->n)
		memcpy(nv, im->v, im->n * sizeof(*nv));
	uvma__free(im->v, im->cap * sizeof(*nv));
	im->v = nv;
	im->cap = ncap;
	return true;
}

static bool parse_hex(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (s >= end)
		return false;
	while (s < end) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (v >> 60)
			return false;
		v = v << 4 | (uint64_t)d;
		s++;
	}
	if (s == *p)
		return false;
	*p = s;
	*out = v;
	return true;
}

static bool parse_dec(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	while (s < end && *s >= '0' && *s <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
	}
	if (s == *p)
		return false;
	*p = s;
	*out = v;
	return true;
}

static bool expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

/* parse_vma_line() - "START-END PERMS OFF MAJ:MIN INODE [NAME]". */
static bool parse_vma_line(const char *s, const char *end, struct imp_vma *v)
{
	uint64_t maj, min;

	memset(v, 0, sizeof(*v));
	if (!parse_hex(&s, end, &v->start) || !expect(&s, end, '-') ||
	    !parse_hex(&s, end, &v->end) || !expect(&s, end, ' ') ||
	    end - s < 4)
		return false;
	memcpy(v->perms, s, 4);
	s += 4;
	if (!expect(&s, end, ' ') || !parse_hex(&s, end, &v->off) ||
	    !expect(&s, end, ' ') || !parse_hex(&s, end, &maj) ||
	    !expect(&s, end, ':') || !parse_hex(&s, end, &min) ||
	    !expect(&s, end, ' ') || !parse_dec(&s, end, &v->ino))
		return false;
	if (maj > 0xfff || min > 0xfffff)
		return false;
	v->maj = (uint32_t)maj;
	v->min = (uint32_t)min;
	while (s < end && *s == ' ')
		s++;
	v->name = s;
	v->name_len = (size_t)(end - s);
	if (v->start >= v->end || (v->start | v->end) & ~PAGE_MASK ||
	    (v->off & ~PAGE_MASK))
		return false;
	for (int i = 0; i < 4; i++)
		if (!strchr(i == 0 ? "r-" : i == 1 ? "w-" : i == 2 ? "x-" : "sp",
			    v->perms[i]))
			return false;
	return true;
}

/* parse_vmflags() - mnemonics to bits; unknown ones ("??") are dropped. */
static bool parse_vmflags(const char *s, const char *end, vm_flags_t *out)
{
	vm_flags_t f = 0;

	while (s < end) {
		unsigned int bit;

		while (s < end && *s == ' ')
			s++;
		if (s >= end)
			break;
		if (end - s < 2)
			return false;
		for (bit = 0; bit < 64; bit++) {
			const char *m = proc_mnemonic(bit);

			if (m[0] && m[0] != '?' && m[0] == s[0] && m[1] == s[1])
				break;
		}
		if (bit < 64)
			f |= 1ull << bit;
		else if (!(s[0] == '?' && s[1] == '?'))
			return false;
		s += 2;
	}
	*out = f;
	return true;
}

static bool name_is(const struct imp_vma *v, const char *n)
{
	return v->name_len == strlen(n) && !memcmp(v->name, n, v->name_len);
}

static bool name_prefix(const struct imp_vma *v, const char *n)
{
	size_t l = strlen(n);

	return v->name_len >= l && !memcmp(v->name, n, l);
}

/* perms_flags() - the flags a plain mmap would have made, for maps text. */
static vm_flags_t perms_flags(const struct imp_vma *v, bool file)
{
	vm_flags_t f = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

	if (v->perms[0] == 'r')
		f |= VM_READ;
	if (v->perms[1] == 'w')
		f |= VM_WRITE;
	if (v->perms[2] == 'x')
		f |= VM_EXEC;
	if (v->perms[3] == 's') {
		f |= VM_MAYSHARE;
		if (f & VM_WRITE)
			f |= VM_SHARED;
	} else if (f & VM_WRITE) {
		f |= VM_ACCOUNT;	/* private writable, file or not */
	}
	(void)file;
	if (name_is(v, "[stack]"))
		f |= VM_GROWSDOWN;
	return f;
}

/* line_starts() - does [p, le) begin with @key?  (The text need not be
 * NUL-terminated: never compare past the line's end.) */
static bool line_starts(const char *p, const char *le, const char *key)
{
	size_t n = strlen(key);

	return (size_t)(le - p) >= n && !memcmp(p, key, n);
}

static int parse_text(const char *text, size_t len, struct imp *im,
		      size_t *err_line)
{
	const char *p = text, *end = text + len;
	size_t line = 0;

	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		const char *le = e ? e : end;
		struct imp_vma *cur = im->n ? &im->v[im->n - 1] : NULL;

		line++;
		if (le > p && le[-1] == '\r')
			le--;
		/* /proc text never holds a NUL (found by fuzz_import: a path
		 * with one printed differently from what was read). */
		if (memchr(p, '\0', (size_t)(le - p)))
			goto bad;
		if (le == p) {
			/* empty line */
		} else if (line_starts(p, le, "VmFlags:") && cur) {
			if (!parse_vmflags(p + 8, le, &cur->flags))
				goto bad;
			cur->has_vmflags = true;
		} else if (line_starts(p, le, "Anonymous:") && cur) {
			const char *s = p + 10;
			uint64_t kb;

			while (s < le && *s == ' ')
				s++;
			if (!parse_dec(&s, le, &kb))
				goto bad;
			cur->faulted = kb > 0;
		} else if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')) {
			const char *dash = memchr(p, '-', (size_t)(le - p));
			const char *colon = memchr(p, ':', (size_t)(le - p));

			if (dash && (!colon || dash < colon)) {
				if (!imp_push(im))
					return -ENOMEM;
				if (!parse_vma_line(p, le, &im->v[im->n]))
					goto bad;
				if (im->n && im->v[im->n].start < im->v[im->n - 1].end)
					goto bad;
				im->n++;
			} else if (!colon || !cur) {
				goto bad;
			}
		} else if (!memchr(p, ':', (size_t)(le - p)) || !cur) {
			goto bad;	/* smaps lines are "Key: value" */
		}
		p = e ? e + 1 : end;
	}
	return 0;
bad:
	if (err_line)
		*err_line = line;
	return -EINVAL;
}

/* The distinct files of a snapshot: one open file per (dev, ino, path). */
struct imp_files {
	struct uvma_file **f;
	size_t n, cap;
};

static struct uvma_file *find_file(struct imp_files *fs, const struct imp_vma *v,
				   const char *path)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct uvma_file *f = fs->f[i];

		if (f->ino == v->ino && f->dev_major == v->maj &&
		    f->dev_minor == v->min && !strcmp(f->path, path))
			return f;
	}
	return NULL;
}

static int add_file(struct imp_files *fs, struct uvma_file *f)
{
	if (fs->n == fs->cap) {
		size_t ncap = fs->cap ? fs->cap * 2 : 32;
		struct uvma_file **nf = uvma__malloc(ncap * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		if (fs->n)
			memcpy(nf, fs->f, fs->n * sizeof(*nf));
		uvma__free(fs->f, fs->cap * sizeof(*nf));
		fs->f = nf;
		fs->cap = ncap;
	}
	fs->f[fs->n++] = f;
	return 0;
}

/* vma_file() - the file of a file-backed line, made on first use. */
static int vma_file(struct imp_files *fs, const struct imp_vma *v,
		    struct uvma_file **out)
{
	char path[4096];
	size_t n = v->name_len;
	bool deleted = false;
	struct uvma_file *f;
	int err;

	static const char del[] = " (deleted)";
	if (n >= sizeof(del) - 1 &&
	    !memcmp(v->name + n - (sizeof(del) - 1), del, sizeof(del) - 1)) {
		deleted = true;
		n -= sizeof(del) - 1;
	}
	if (n >= sizeof(path))
		return -EINVAL;
	/* seq_path escaped '\n' as "\012": undo it. */
	{
		size_t o = 0;

		for (size_t i = 0; i < n; i++) {
			if (i + 4 <= n && !memcmp(v->name + i, "\\012", 4)) {
				path[o++] = '\n';
				i += 3;
			} else {
				path[o++] = v->name[i];
			}
		}
		path[o] = 0;
	}
	f = find_file(fs, v, path);
	if (!f) {
		f = uvma_file_open(path);
		if (!f)
			return -ENOMEM;
		f->dev_major = v->maj;
		f->dev_minor = v->min;
		f->ino = v->ino;
		f->open_flags = UVMA_O_RDONLY;
		f->flags = deleted ? UVMA_FILE_DELETED : 0;
		if (v->maj == 0 && v->min == 1) {
			f->flags |= UVMA_FILE_SHMEM;
			if (!strcmp(path, "/dev/zero")) {
				/* its length is not in the snapshot */
				f->kind = UVMA_FKIND_SHMEM_ZERO;
				f->size = MM_SIZE_UNBOUNDED;
			}
			else if (!strncmp(path, "/memfd:", 7))
				f->kind = UVMA_FKIND_MEMFD;
		}
		err = add_file(fs, f);
		if (err) {
			uvma_file_put(f);
			return err;
		}
	}
	/* A shared writable-capable mapping means the file was opened rw. */
	if (v->perms[3] == 's' && (v->flags & (VM_SHARED | VM_MAYWRITE)))
		f->open_flags = UVMA_O_RDWR;
	*out = f;
	return 0;
}

static int link_one(struct uvma_mm *mm, struct imp_files *fs,
		    struct imp_vma *v)
{
	struct vm_area_struct *vma;
	struct uvma_file *file = NULL;
	struct anon_vma_name *name = NULL;
	bool is_file = v->name_len && v->name[0] == '/';
	int err;

	if (!v->has_vmflags)
		v->flags = perms_flags(v, is_file);
	if (name_is(v, "[vdso]"))
		return mm_special_vma_new(mm, UVMA_SPECIAL_VDSO, v->start,
					  v->end - v->start, v->flags);
	if (name_is(v, "[vvar]"))
		return mm_special_vma_new(mm, UVMA_SPECIAL_VVAR, v->start,
					  v->end - v->start, v->flags);
	if (name_is(v, "[vvar_vclock]"))
		return mm_special_vma_new(mm, UVMA_SPECIAL_VVAR_VCLOCK,
					  v->start, v->end - v->start, v->flags);
	if (is_file) {
		err = vma_file(fs, v, &file);
		if (err)
			return err;
	} else if ((name_prefix(v, "[anon:") || name_prefix(v, "[anon_shmem:")) &&
		   v->name[v->name_len - 1] == ']') {
		size_t skip = name_prefix(v, "[anon:") ? 6 : 12;
		char buf[96];
		size_t l = v->name_len - skip - 1;

		if (l >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, v->name + skip, l);
		buf[l] = 0;
		name = anon_vma_name_alloc(buf);
		if (!name)
			return -ENOMEM;
		if (skip == 12) {
			/* A named shared anonymous mapping: its shmem file. */
			file = mm_shmem_zero_file(mm, MM_SIZE_UNBOUNDED);
			if (!file) {
				anon_vma_name_put(name);
				return -ENOMEM;
			}
			file->dev_major = v->maj;
			file->dev_minor = v->min;
			file->ino = v->ino;
			err = add_file(fs, file);
			if (err) {
				uvma_file_put(file);
				anon_vma_name_put(name);
				return err;
			}
		}
	} else if (v->name_len && !name_is(v, "[heap]") &&
		   !name_is(v, "[stack]")) {
		return -EINVAL;	/* an unknown special name */
	}

	vma = vm_area_alloc(&mm->vmm);
	if (!vma) {
		if (name)
			anon_vma_name_put(name);
		return -ENOMEM;
	}
	vma->vm_start = v->start;
	vma->vm_end = v->end;
	vma->vm_flags = v->flags;
	vma->vm_pgoff = file ? v->off >> PAGE_SHIFT : v->start >> PAGE_SHIFT;
	if (file) {
		vma->vm_file = file;
		vma_get_file(vma);
		vma->vm_ops = vma_is_shmem(vma) ? &mm_shmem_vm_ops :
						  &mm_file_vm_ops;
	}
	/* The VMA takes its own reference: drop the one we were handed. */
	err = vma_set_anon_name(vma, name);
	anon_vma_name_put(name);
	if (!err)
		err = vma_link(&mm->vmm, vma);
	if (err) {
		remove_vma(&mm->vmm, vma);
		return err;
	}
	vm_stat_account(mm, vma->vm_flags, (int64_t)vma_pages(vma));
	if (vma->vm_flags & VM_LOCKED)
		mm->locked_vm += vma_pages(vma);
	if (vma->vm_flags & VM_ACCOUNT)
		mm->committed += vma_pages(vma);
	return 0;
}

/*
 * set_brk_stack() - start_brk/brk and start_stack, which decide the names
 * maps prints ([heap] for an anonymous VMA that meets [start_brk, brk),
 * [stack] for one whose closed range holds start_stack).  [heap] lines
 * span start_brk..brk (the first may sit at address 0).  The last [stack]
 * line gives start_stack; without one, start_stack must fall outside
 * every VMA, or the VMA holding it - one at address 0, for the default
 * of 0 - would print as [stack] (found by fuzz_import: an [anon:b] at 0
 * that came back as [stack]).
 */
static void set_brk_stack(struct uvma_mm *mm, const struct imp *im)
{
	bool heap = false, stack = false;
	uint64_t free_addr = 0;

	for (size_t i = 0; i < im->n; i++) {
		const struct imp_vma *v = &im->v[i];

		if (name_is(v, "[vsyscall]"))
			continue;
		if (name_is(v, "[heap]")) {
			/* In address order: the first starts, the last ends. */
			if (!heap)
				mm->start_brk = v->start;
			mm->brk = v->end;
			heap = true;
		}
		if (name_is(v, "[stack]")) {
			mm->start_stack = v->end - 8;
			stack = true;
		}
		/* VMAs come in address order: step past each that holds it. */
		if (v->start <= free_addr && free_addr <= v->end)
			free_addr = v->end + 1;
	}
	if (!stack)
		mm->start_stack = free_addr;
}

/*
 * fault_imported() - anon_vmas for the VMAs that hold anonymous pages; with
 * @fork_child, each then becomes the fork child of that anon_vma, as
 * fork's anon_vma_fork() makes it in the child.
 */
static int fault_imported(struct uvma_mm *mm, const struct imp *im,
			  bool fork_child)
{
	for (size_t i = 0; i < im->n; i++) {
		struct vm_area_struct *vma, parent;

		if (!im->v[i].faulted)
			continue;
		vma = find_vma(&mm->vmm, im->v[i].start);
		if (!vma || vma->vm_start != im->v[i].start || vma->anon_vma)
			continue;
		if (anon_vma_prepare(&mm->vmm, vma))
			return -ENOMEM;
		if (!fork_child)
			continue;
		/* The parent's copy holds the reference prepare took. */
		parent = *vma;
		if (anon_vma_fork(&mm->vmm, vma, &parent))
			return -ENOMEM;
		unlink_anon_vmas(&parent);
	}
	return 0;
}

int uvma_import(const struct uvma_config *cfg, const char *text, size_t len,
		struct uvma_mm **out, size_t *err_line)
{
	return uvma_import_ex(cfg, text, len, 0, out, err_line);
}

int uvma_import_ex(const struct uvma_config *cfg, const char *text, size_t len,
		   unsigned int flags, struct uvma_mm **out, size_t *err_line)
{
	struct imp im = { 0 };
	struct imp_files fs = { 0 };
	struct uvma_mm *mm = NULL;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if ((!text && len) || (flags & ~UVMA_IMPORT_FORK_CHILD))
		return -EINVAL;
	err = parse_text(text, len, &im, err_line);
	if (err)
		goto done;
	err = uvma_mm_create(cfg, &mm);
	if (err)
		goto done;
	for (size_t i = 0; i < im.n; i++) {
		if (name_is(&im.v[i], "[vsyscall]"))
			continue;
		if (im.v[i].end > mm->cfg.task_size) {
			err = -EINVAL;
			if (err_line)
				*err_line = 0;
			goto done;
		}
		err = link_one(mm, &fs, &im.v[i]);
		if (err)
			goto done;
	}
	set_brk_stack(mm, &im);
	err = fault_imported(mm, &im, flags & UVMA_IMPORT_FORK_CHILD);
done:
	for (size_t i = 0; i < fs.n; i++)
		uvma_file_put(fs.f[i]);
	uvma__free(fs.f, fs.cap * sizeof(*fs.f));
	uvma__free(im.v, im.cap * sizeof(*im.v));
	if (err) {
		uvma_mm_destroy(mm);
		return err;
	}
	*out = mm;
	return 0;
}

int uvma_import_file(const struct uvma_config *cfg, const char *path,
		     struct uvma_mm **out, size_t *err_line)
{
	FILE *f;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, got;
	int err;

	if (!out || !path)
		return -EINVAL;
	*out = NULL;
	f = fopen(path, "r");
	if (!f)
		return -errno;
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 65536;

			nb = uvma__malloc(ncap);
			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			if (len)
				memcpy(nb, buf, len);
			uvma__free(buf, cap);
			buf = nb;
			cap = ncap;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (!got)
			break;
	}
	err = ferror(f) ? -EIO : uvma_import(cfg, buf, len, out, err_line);
out:
	fclose(f);
	uvma__free(buf, cap);
	return err;
}
