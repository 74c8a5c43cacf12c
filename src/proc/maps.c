/* SPDX-License-Identifier: MIT */
/*
 * maps.c - /proc/PID/maps and /proc/PID/smaps text, byte for byte as Linux
 * 6.18 fs/proc/task_mmu.c prints it: the header line of each VMA (hex
 * range, permissions with 's'/'p' from VM_MAYSHARE, file offset, device,
 * inode, then the name padded to column 73), the gate VMA [vsyscall] last,
 * and for smaps the VmFlags mnemonics in ascending bit order.
 *
 * This layer only reads the address space.  Rules: ../shared/SEMANTICS.md
 * §2 and §22; checked against this machine's /proc/self/{maps,smaps}.
 */
#include "mm/mm_internal.h"
#include "proc/proc.h"

/* ------------------------------------------------------------------ */
/* A growable text buffer on the library allocator                     */

struct pbuf {
	char *p;
	size_t len, cap;
	bool nomem;
};

static void pb_reserve(struct pbuf *b, size_t more)
{
	size_t ncap;
	char *np;

	if (b->nomem || b->len + more + 1 <= b->cap)
		return;
	ncap = b->cap ? b->cap : 4096;
	while (ncap < b->len + more + 1)
		ncap *= 2;
	np = uvma__malloc(ncap);
	if (!np) {
		b->nomem = true;
		return;
	}
	if (b->len)
		memcpy(np, b->p, b->len);
	uvma__free(b->p, b->cap);
	b->p = np;
	b->cap = ncap;
}

static void pb_putn(struct pbuf *b, const char *s, size_t n)
{
	pb_reserve(b, n);
	if (b->nomem)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void pb_puts(struct pbuf *b, const char *s)
{
	pb_putn(b, s, strlen(s));
}

static void pb_putc(struct pbuf *b, char c)
{
	pb_putn(b, &c, 1);
}

/* pb_hex() - lowercase hex of @v, zero-padded to at least @width digits. */
static void pb_hex(struct pbuf *b, uint64_t v, int width)
{
	char tmp[17];
	int n = 0;

	do {
		tmp[16 - n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (n < width && n < 16)
		tmp[16 - n++] = '0';
	pb_putn(b, tmp + 17 - n, (size_t)n);
}

static void pb_dec(struct pbuf *b, uint64_t v, int width)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%*llu", width, (unsigned long long)v);

	pb_putn(b, tmp, (size_t)n);
}

/* pb_finish() - hand out an exact-size copy (freed by uvma_text_free()). */
static int pb_finish(struct pbuf *b, char **out, size_t *len)
{
	char *t;

	if (!b->nomem) {
		t = uvma__malloc(b->len + 1);
		if (t) {
			if (b->len)
				memcpy(t, b->p, b->len);
			t[b->len] = 0;
		}
	} else {
		t = NULL;
	}
	uvma__free(b->p, b->cap);
	if (!t)
		return -ENOMEM;
	*out = t;
	if (len)
		*len = b->len;
	return 0;
}

/* ------------------------------------------------------------------ */
/* VmFlags                                                             */

/*
 * The mnemonics of 6.18 x86_64, by bit.  NULL: the kernel has no entry and
 * prints "??"; "": an entry that prints nothing (protection-key bits).
 */
static const char *const mnemonics[64] = {
	[0] = "rd", [1] = "wr", [2] = "ex", [3] = "sh", [4] = "mr",
	[5] = "mw", [6] = "me", [7] = "ms", [8] = "gd", [9] = "um",
	[10] = "pf", [11] = "gu", [12] = "uw", [13] = "lo", [14] = "io", [15] = "sr",
	[16] = "rr", [17] = "dc", [18] = "de", [19] = "lf", [20] = "ac",
	[21] = "nr", [22] = "ht", [23] = "sf", [24] = "ar", [25] = "wf",
	[26] = "dd", [27] = "sd", [28] = "mm", [29] = "hg", [30] = "nh",
	[31] = "mg", [32] = "", [33] = "", [34] = "", [35] = "",
	[37] = "ss", [38] = "ui", [40] = "dp", [42] = "sl",
};

/* proc_mnemonic() - the mnemonic of bit @bit ("??" if none). */
const char *proc_mnemonic(unsigned int bit)
{
	if (bit >= 64)
		return NULL;
	return mnemonics[bit] ? mnemonics[bit] : "??";
}

size_t uvma_vmflags_str(uint64_t flags, char *buf, size_t size)
{
	size_t n = 0;

	for (unsigned int i = 0; i < 64; i++) {
		const char *m = proc_mnemonic(i);

		if (!(flags & (1ull << i)) || !m[0])
			continue;
		if (n + 3 < size) {
			buf[n] = m[0];
			buf[n + 1] = m[1];
			buf[n + 2] = ' ';
		}
		n += 3;
	}
	if (size)
		buf[n < size ? n : (size - 1) / 3 * 3] = 0;
	return n;
}

/* ------------------------------------------------------------------ */
/* One VMA                                                             */

#define MAPS_PAD_WIDTH (25 + 6 * 8 - 1)	/* 25 + 6 * sizeof(void *) - 1 */

/* pb_path() - a path as seq_path() prints it: '\n' escaped as "\012". */
static void pb_path(struct pbuf *b, const char *path)
{
	for (const char *s = path; *s; s++) {
		if (*s == '\n')
			pb_puts(b, "\\012");
		else
			pb_putc(b, *s);
	}
}

static bool vma_is_initial_heap(const struct uvma_mm *mm,
				const struct vm_area_struct *vma)
{
	return vma->vm_start < mm->brk && vma->vm_end > mm->start_brk;
}

static bool vma_is_initial_stack(const struct uvma_mm *mm,
				 const struct vm_area_struct *vma)
{
	return vma->vm_start <= mm->start_stack &&
	       vma->vm_end >= mm->start_stack;
}

static void show_header(struct pbuf *b, uint64_t start, uint64_t end,
			vm_flags_t flags, uint64_t off, uint32_t maj,
			uint32_t min, uint64_t ino)
{
	pb_hex(b, start, 8);
	pb_putc(b, '-');
	pb_hex(b, end, 8);
	pb_putc(b, ' ');
	pb_putc(b, (flags & VM_READ) ? 'r' : '-');
	pb_putc(b, (flags & VM_WRITE) ? 'w' : '-');
	pb_putc(b, (flags & VM_EXEC) ? 'x' : '-');
	pb_putc(b, (flags & VM_MAYSHARE) ? 's' : 'p');
	pb_putc(b, ' ');
	pb_hex(b, off, 8);
	pb_putc(b, ' ');
	pb_hex(b, maj, 2);
	pb_putc(b, ':');
	pb_hex(b, min, 2);
	pb_putc(b, ' ');
	pb_dec(b, ino, 0);
	pb_putc(b, ' ');
}

/* pad_name() - seq_pad(): spaces up to the width, then one more. */
static void pad_name(struct pbuf *b, size_t line_start)
{
	size_t used = b->len - line_start;

	while (!b->nomem && used < MAPS_PAD_WIDTH) {
		pb_putc(b, ' ');
		used++;
	}
	pb_putc(b, ' ');
}

/* pb_vma_name() - the name column of @vma, or nothing for a plain anon VMA. */
static void pb_vma_name(struct pbuf *b, const struct uvma_mm *mm,
			const struct vm_area_struct *vma)
{
	const struct uvma_file *f = vma->vm_file;
	const char *name = NULL;

	if (f) {
		if (vma_anon_name(vma)) {
			pb_puts(b, "[anon_shmem:");
			pb_puts(b, vma_anon_name(vma)->name);
			pb_putc(b, ']');
		} else {
			pb_path(b, f->path);
			if (f->flags & UVMA_FILE_DELETED)
				pb_puts(b, " (deleted)");
		}
		return;
	}
	if (vma->vm_ops && vma->vm_ops->name)
		name = vma->vm_ops->name((struct vm_area_struct *)vma);
	if (!name && vma_is_initial_heap(mm, vma))
		name = "[heap]";
	if (!name && vma_is_initial_stack(mm, vma))
		name = "[stack]";
	if (name) {
		pb_puts(b, name);
	} else if (vma_anon_name(vma)) {
		pb_puts(b, "[anon:");
		pb_puts(b, vma_anon_name(vma)->name);
		pb_putc(b, ']');
	}
}

static void show_map_vma(struct pbuf *b, const struct uvma_mm *mm,
			 const struct vm_area_struct *vma)
{
	size_t line_start = b->len, unpadded;
	const struct uvma_file *f = vma->vm_file;

	show_header(b, vma->vm_start, vma->vm_end, vma->vm_flags,
		    f ? vma->vm_pgoff << PAGE_SHIFT : 0, f ? f->dev_major : 0,
		    f ? f->dev_minor : 0, f ? f->ino : 0);
	/* Padding only when a name follows: pad, then take it back if none. */
	unpadded = b->len;
	pad_name(b, line_start);
	{
		size_t padded = b->len;

		pb_vma_name(b, mm, vma);
		if (!b->nomem && b->len == padded)
			b->len = unpadded;
	}
	pb_putc(b, '\n');
}

static void show_smap_sizes(struct pbuf *b, uint64_t bytes)
{
	pb_puts(b, "Size:           ");
	pb_dec(b, bytes >> 10, 8);
	pb_puts(b, " kB\nKernelPageSize: ");
	pb_dec(b, PAGE_SIZE >> 10, 8);
	pb_puts(b, " kB\nMMUPageSize:    ");
	pb_dec(b, PAGE_SIZE >> 10, 8);
	pb_puts(b, " kB\n");
}

static void show_vmflags(struct pbuf *b, vm_flags_t flags)
{
	char tmp[200];

	uvma_vmflags_str(flags, tmp, sizeof(tmp));
	pb_puts(b, "VmFlags: ");
	pb_puts(b, tmp);
	pb_putc(b, '\n');
}

/* The gate VMA: [vsyscall], printed after every VMA. */
#define GATE_START 0xffffffffff600000ull
#define GATE_FLAGS VM_EXEC

static void show_gate(struct pbuf *b, bool smaps, unsigned int sflags)
{
	size_t line_start = b->len;

	show_header(b, GATE_START, GATE_START + PAGE_SIZE, GATE_FLAGS, 0, 0,
		    0, 0);
	pad_name(b, line_start);
	pb_puts(b, "[vsyscall]\n");
	if (smaps) {
		if (sflags & UVMA_SMAPS_SIZES)
			show_smap_sizes(b, PAGE_SIZE);
		show_vmflags(b, GATE_FLAGS);
	}
}

static int show_all(struct uvma_mm *mm, bool smaps, unsigned int sflags,
		    char **out, size_t *len)
{
	struct pbuf b = { 0 };
	struct vm_area_struct *vma;
	VMA_ITERATOR(vmi, &mm->vmm, 0);

	if (!out)
		return -EINVAL;
	*out = NULL;
	pb_reserve(&b, 256);
	for_each_vma(vmi, vma) {
		show_map_vma(&b, mm, vma);
		if (smaps) {
			if (sflags & UVMA_SMAPS_SIZES)
				show_smap_sizes(&b, vma->vm_end - vma->vm_start);
			show_vmflags(&b, vma->vm_flags);
		}
	}
	if (mm->cfg.vsyscall)
		show_gate(&b, smaps, sflags);
	return pb_finish(&b, out, len);
}

int uvma_maps_text(struct uvma_mm *mm, char **out, size_t *len)
{
	return show_all(mm, false, 0, out, len);
}

int uvma_smaps_text(struct uvma_mm *mm, unsigned int flags, char **out,
		    size_t *len)
{
	return show_all(mm, true, flags, out, len);
}

void uvma_text_free(char *text)
{
	if (text)
		uvma__free(text, strlen(text) + 1);
}

int64_t uvma_vma_name(struct uvma_mm *mm, uint64_t addr, char *buf,
		      size_t size)
{
	struct vm_area_struct *vma = find_vma(&mm->vmm, addr);
	struct pbuf b = { 0 };
	int64_t need;

	if (!vma || vma->vm_start > addr)
		return -ENOENT;
	pb_vma_name(&b, mm, vma);
	if (b.nomem) {
		uvma__free(b.p, b.cap);
		return -ENOMEM;
	}
	need = (int64_t)b.len;
	if (size) {
		size_t n = b.len < size - 1 ? b.len : size - 1;

		if (n)
			memcpy(buf, b.p, n);
		buf[n] = 0;
	}
	uvma__free(b.p, b.cap);
	return need;
}
