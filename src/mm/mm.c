/* SPDX-License-Identifier: MIT */
/*
 * mm.c - address spaces (create, destroy, configuration, introspection),
 * open-file objects, and the helpers every system call shares: resource
 * limits (may_expand_vm), the per-class page counters (vm_stat_account),
 * overcommit accounting, mlock permission and the stack guard gap.
 *
 * Reaches the VMA core through vma.h only; see mm_internal.h.
 */
#include "mm_internal.h"

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

void uvma_config_init(struct uvma_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->page_size = 4096;
	cfg->task_size = DEFAULT_TASK_SIZE;
	cfg->mmap_min_addr = 4096;
	cfg->lsm_mmap_min_addr = 65536;
	cfg->max_map_count = DEFAULT_MAX_MAP_COUNT;
	cfg->stack_guard_gap = 256 * 4096;
	cfg->rlimit_stack = 8ull << 20;
	cfg->rlimit_memlock = 8ull << 20;
	cfg->rlimit_as = UVMA_RLIM_INFINITY;
	cfg->rlimit_data = UVMA_RLIM_INFINITY;
	cfg->overcommit_memory = 0;
	cfg->overcommit_ratio = 50;
	cfg->ram_bytes = 24684084ull * 1024;
	cfg->swap_bytes = 0;
	cfg->admin_reserve_bytes = 8192ull * 1024;
	cfg->user_reserve_bytes = 100403ull * 1024;
	cfg->thp = UVMA_THP_MADVISE;
	cfg->thp_configured = true;
	cfg->soft_dirty = false;
	cfg->anon_vma_name = false;
	cfg->ksm = true;
	cfg->mseal_system_mappings = false;
	cfg->vsyscall = true;
	cfg->pkeys = false;
	cfg->cap_ipc_lock = false;
	cfg->cap_sys_rawio = false;
	cfg->read_implies_exec = false;
	cfg->layout = UVMA_LAYOUT_TOPDOWN;
	cfg->aslr = false;
	cfg->mmap_base = 0;
}

/*
 * mmap_base() - arch/x86/mm/mmap.c without randomisation: the gap below
 * the top is the stack rlimit plus the guard gap, clamped to
 * [128 MiB, 5/6 of the task size].
 */
static uint64_t compute_mmap_base(const struct uvma_config *cfg)
{
	uint64_t gap = cfg->rlimit_stack;
	uint64_t pad = cfg->stack_guard_gap;
	uint64_t gap_max = cfg->task_size / 6 * 5;

	if (gap + pad > gap)
		gap += pad;
	if (gap < STACK_TOP_GAP_MIN)
		gap = STACK_TOP_GAP_MIN;
	if (gap > gap_max)
		gap = gap_max;
	return PAGE_ALIGN(cfg->task_size - gap);
}

static int config_check(const struct uvma_config *cfg)
{
	if (cfg->page_size != PAGE_SIZE || cfg->task_size & ~PAGE_MASK ||
	    cfg->task_size < (1ull << 24) || cfg->max_map_count < 0 ||
	    cfg->max_map_count > INT32_MAX || cfg->aslr ||
	    cfg->mmap_base & ~PAGE_MASK || cfg->mmap_base > cfg->task_size ||
	    cfg->overcommit_memory < 0 || cfg->overcommit_memory > 2 ||
	    cfg->overcommit_ratio < 0 || cfg->stack_guard_gap & ~PAGE_MASK ||
	    (unsigned)cfg->thp > UVMA_THP_ALWAYS ||
	    (unsigned)cfg->layout > UVMA_LAYOUT_LEGACY)
		return -EINVAL;
	return 0;
}

int uvma_mm_create(const struct uvma_config *cfg, struct uvma_mm **out)
{
	struct uvma_config def;
	struct uvma_mm *mm;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!cfg) {
		uvma_config_init(&def);
		cfg = &def;
	}
	err = config_check(cfg);
	if (err)
		return err;
	mm = uvma__calloc(sizeof(*mm));
	if (!mm)
		return -ENOMEM;
	vma_mm_init(&mm->vmm);
	mm->cfg = *cfg;
	mm->vmm.max_map_count = (int)cfg->max_map_count;
	mm->vmm.task_size = cfg->task_size;
	mm->mmap_base = cfg->mmap_base ? cfg->mmap_base : compute_mmap_base(cfg);
	mm->mmap_legacy_base = PAGE_ALIGN(cfg->task_size / 3);
	mm->shmem_ino = 1;
	*out = mm;
	return 0;
}

void uvma_mm_destroy(struct uvma_mm *mm)
{
	if (!mm)
		return;
	mm_notify_free(mm);
	mm_uffd_release_all(mm);
	vma_mm_destroy(&mm->vmm);
	uvma__free(mm, sizeof(*mm));
}

const struct uvma_config *uvma_mm_config(const struct uvma_mm *mm)
{
	return &mm->cfg;
}

uint64_t uvma_mm_mmap_base(const struct uvma_mm *mm)
{
	return mm->cfg.layout == UVMA_LAYOUT_LEGACY ? mm->mmap_legacy_base :
						     mm->mmap_base;
}

int64_t uvma_mm_map_count(const struct uvma_mm *mm)
{
	return mm->vmm.map_count;
}

int uvma_mm_set_brk_start(struct uvma_mm *mm, uint64_t addr)
{
	if (addr > mm->cfg.task_size)
		return -EINVAL;
	mm->start_brk = mm->brk = PAGE_ALIGN(addr);
	return 0;
}

void uvma_mm_brk_range(const struct uvma_mm *mm, uint64_t *start_brk,
		       uint64_t *brk)
{
	if (start_brk)
		*start_brk = mm->start_brk;
	if (brk)
		*brk = mm->brk;
}

void uvma_mm_set_start_stack(struct uvma_mm *mm, uint64_t addr)
{
	mm->start_stack = addr;
}

int uvma_mm_validate(struct uvma_mm *mm)
{
	return vma_validate(&mm->vmm);
}

/* ------------------------------------------------------------------ */
/* Introspection                                                       */

/* vma_info_fill() - the public view of @vma. */
static void vma_info_fill(const struct vm_area_struct *vma,
			  struct uvma_vma_info *info)
{
	memset(info, 0, sizeof(*info));
	info->start = vma->vm_start;
	info->end = vma->vm_end;
	info->pgoff = vma->vm_pgoff;
	info->flags = vma->vm_flags;
	info->file = vma->vm_file;
	info->anon_name = vma_anon_name(vma) ? vma_anon_name(vma)->name : NULL;
	info->special = mm_special_name(vma);
	info->anon_vma = vma->anon_vma ? vma->anon_vma->id : 0;
	info->fork_child = vma->anon_vma && vma->anon_vma->fork_child;
	info->uffd = vma_uffd_ctx(vma) != NULL;
	info->policy = vma_policy(vma) != NULL;
}

int uvma_vma_find(struct uvma_mm *mm, uint64_t addr, struct uvma_vma_info *info)
{
	struct vm_area_struct *vma = find_vma(&mm->vmm, addr);

	if (!vma)
		return 0;
	vma_info_fill(vma, info);
	return 1;
}

int uvma_vma_at(struct uvma_mm *mm, uint64_t addr, struct uvma_vma_info *info)
{
	struct vm_area_struct *vma = find_vma(&mm->vmm, addr);

	if (!vma || vma->vm_start > addr)
		return 0;
	vma_info_fill(vma, info);
	return 1;
}

int uvma_vma_foreach(struct uvma_mm *mm, uint64_t start, uint64_t end,
		     uvma_vma_fn fn, void *ctx)
{
	struct vm_area_struct *vma;
	struct uvma_vma_info info;
	int ret = 0;

	if (!fn || start > end)
		return -EINVAL;
	if (start == end)
		return 0;
	VMA_ITERATOR(vmi, &mm->vmm, start);
	mm_notify_hold(mm);
	for_each_vma_range(vmi, vma, end) {
		vma_info_fill(vma, &info);
		ret = fn(&info, ctx);
		if (ret)
			break;
	}
	mm_notify_release(mm);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Files                                                               */

const struct vm_operations_struct mm_file_vm_ops = { 0 };
const struct vm_operations_struct mm_shmem_vm_ops = { 0 };

int uvma_file_create(const struct uvma_file_desc *desc, struct uvma_file **out)
{
	struct uvma_file *f;
	int acc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!desc || !desc->path)
		return -EINVAL;
	acc = desc->open_flags & 3;
	if (acc == 3 || desc->open_flags & ~(3 | UVMA_O_APPEND) ||
	    desc->flags & ~0x7fu)
		return -EINVAL;
	f = uvma_file_open(desc->path);
	if (!f)
		return -ENOMEM;
	f->dev_major = desc->dev_major;
	f->dev_minor = desc->dev_minor;
	f->ino = desc->ino;
	f->open_flags = desc->open_flags;
	f->flags = desc->flags;
	f->size = desc->size;
	f->kind = UVMA_FKIND_REGULAR;
	*out = f;
	return 0;
}

/* The shmem superblock's device: anonymous block device 0:1 (checked live). */
#define SHMEM_DEV_MINOR 1

int uvma_memfd_create(const char *name, unsigned int flags,
		      struct uvma_file **out)
{
	static const char prefix[] = "/memfd:";
	char path[sizeof(prefix) + 249];
	struct uvma_file *f;
	static _Atomic uint64_t memfd_ino = 1000;	/* threads: see uvma.h */

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!name || flags & ~(UVMA_MFD_CLOEXEC | UVMA_MFD_ALLOW_SEALING |
			       UVMA_MFD_HUGETLB | UVMA_MFD_NOEXEC_SEAL |
			       UVMA_MFD_EXEC) ||
	    (flags & UVMA_MFD_HUGETLB) ||
	    ((flags & UVMA_MFD_EXEC) && (flags & UVMA_MFD_NOEXEC_SEAL)) ||
	    strlen(name) > 249)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s%s", prefix, name);
	f = uvma_file_open(path);
	if (!f)
		return -ENOMEM;
	f->dev_major = 0;
	f->dev_minor = SHMEM_DEV_MINOR;
	f->ino = memfd_ino++;
	f->open_flags = UVMA_O_RDWR;
	f->flags = UVMA_FILE_DELETED | UVMA_FILE_SHMEM;
	f->kind = UVMA_FKIND_MEMFD;
	/* Without MFD_ALLOW_SEALING the file starts sealed against seals. */
	f->seals = (flags & UVMA_MFD_ALLOW_SEALING) ? 0 : UVMA_F_SEAL_SEAL;
	/* MFD_NOEXEC_SEAL implies MFD_ALLOW_SEALING. */
	if (flags & UVMA_MFD_NOEXEC_SEAL)
		f->seals = UVMA_F_SEAL_EXEC;
	*out = f;
	return 0;
}

int uvma_memfd_add_seals(struct uvma_file *file, unsigned int seals)
{
	if (!file || file->kind != UVMA_FKIND_MEMFD)
		return -EINVAL;
	if (seals & ~0x3fu)
		return -EINVAL;
	if (file->seals & UVMA_F_SEAL_SEAL)
		return -EPERM;
	/*
	 * F_SEAL_EXEC on a memfd whose mode has exec bits brings every write
	 * seal with it.  Such a memfd is one made without MFD_NOEXEC_SEAL
	 * (mode 0777; fchmod is not modelled) and, until now, it lacked
	 * F_SEAL_EXEC; once it has the seal, the write seals are there too.
	 * Checked live on 6.18: the implied F_SEAL_WRITE meets the -EBUSY
	 * check below like an explicit one.
	 */
	if ((seals & UVMA_F_SEAL_EXEC) && !(file->seals & UVMA_F_SEAL_EXEC))
		seals |= UVMA_F_SEAL_SHRINK | UVMA_F_SEAL_GROW |
			 UVMA_F_SEAL_WRITE | UVMA_F_SEAL_FUTURE_WRITE;
	/* Writes through a shared mapping could not be stopped any more. */
	if ((seals & UVMA_F_SEAL_WRITE) && !(file->seals & UVMA_F_SEAL_WRITE) &&
	    file->writable_maps)
		return -EBUSY;
	file->seals |= seals;
	return 0;
}

int uvma_memfd_get_seals(const struct uvma_file *file)
{
	if (!file || file->kind != UVMA_FKIND_MEMFD)
		return -EINVAL;
	return (int)file->seals;
}

int uvma_file_truncate(struct uvma_file *file, int64_t length)
{
	if (!file || length < 0 || (file->open_flags & 3) == UVMA_O_RDONLY)
		return -EINVAL;
	if (file->flags & UVMA_FILE_APPEND_ONLY)
		return -EPERM;
	if ((uint64_t)length < file->size && (file->seals & UVMA_F_SEAL_SHRINK))
		return -EPERM;
	if ((uint64_t)length > file->size && (file->seals & UVMA_F_SEAL_GROW))
		return -EPERM;
	file->size = (uint64_t)length;
	return 0;
}

struct uvma_file *uvma_file_ref(struct uvma_file *file)
{
	return uvma_file_get(file);
}

void uvma_file_unref(struct uvma_file *file)
{
	uvma_file_put(file);
}

void uvma_file_unlink(struct uvma_file *file)
{
	if (file)
		file->flags |= UVMA_FILE_DELETED;
}

const char *uvma_file_path(const struct uvma_file *file)
{
	return file ? file->path : NULL;
}

struct uvma_file *mm_shmem_zero_file(struct uvma_mm *mm, uint64_t size)
{
	struct uvma_file *f = uvma_file_open("/dev/zero");

	if (!f)
		return NULL;
	f->dev_major = 0;
	f->dev_minor = SHMEM_DEV_MINOR;
	f->ino = mm->shmem_ino++;
	f->open_flags = UVMA_O_RDWR;
	f->flags = UVMA_FILE_DELETED | UVMA_FILE_SHMEM;
	f->kind = UVMA_FKIND_SHMEM_ZERO;
	f->size = size;
	return f;
}

/* ------------------------------------------------------------------ */
/* Limits and accounting                                               */

static bool is_exec_mapping(vm_flags_t flags)
{
	return (flags & (VM_EXEC | VM_WRITE | VM_GROWSDOWN)) == VM_EXEC;
}

static bool is_stack_mapping(vm_flags_t flags)
{
	return (flags & VM_GROWSDOWN) || (flags & VM_SHADOW_STACK);
}

static bool is_data_mapping(vm_flags_t flags)
{
	return (flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) == VM_WRITE;
}

static uint64_t rlim_pages(uint64_t rlim)
{
	return rlim == UVMA_RLIM_INFINITY ? UINT64_MAX : rlim >> PAGE_SHIFT;
}

bool may_expand_vm(struct uvma_mm *mm, vm_flags_t flags, uint64_t npages)
{
	if (mm->total_vm + npages > rlim_pages(mm->cfg.rlimit_as))
		return false;
	if (is_data_mapping(flags) &&
	    mm->data_vm + npages > rlim_pages(mm->cfg.rlimit_data)) {
		/* The Valgrind workaround (RLIMIT_DATA 0) needs a hard limit,
		 * which the model does not have: refuse. */
		return false;
	}
	return true;
}

void vm_stat_account(struct uvma_mm *mm, vm_flags_t flags, int64_t npages)
{
	mm->total_vm += (uint64_t)npages;
	if (is_exec_mapping(flags))
		mm->exec_vm += (uint64_t)npages;
	else if (is_stack_mapping(flags))
		mm->stack_vm += (uint64_t)npages;
	else if (is_data_mapping(flags))
		mm->data_vm += (uint64_t)npages;
}

int security_vm_enough_memory(struct uvma_mm *mm, uint64_t npages)
{
	const struct uvma_config *c = &mm->cfg;
	uint64_t ram = c->ram_bytes >> PAGE_SHIFT;
	uint64_t swap = c->swap_bytes >> PAGE_SHIFT;
	uint64_t allowed, reserve;

	switch (c->overcommit_memory) {
	case 1:
		break;
	case 0:
		if (npages > ram + swap)
			return -ENOMEM;
		break;
	default:
		allowed = ram * (uint64_t)c->overcommit_ratio / 100 + swap;
		reserve = c->admin_reserve_bytes >> PAGE_SHIFT;
		allowed = allowed > reserve ? allowed - reserve : 0;
		reserve = mm->total_vm / 32;
		if (reserve > c->user_reserve_bytes >> PAGE_SHIFT)
			reserve = c->user_reserve_bytes >> PAGE_SHIFT;
		allowed = allowed > reserve ? allowed - reserve : 0;
		if (mm->committed + npages > allowed)
			return -ENOMEM;
		break;
	}
	mm->committed += npages;
	return 0;
}

void vm_unacct_memory(struct uvma_mm *mm, uint64_t npages)
{
	mm->committed -= npages < mm->committed ? npages : mm->committed;
}

bool can_do_mlock(const struct uvma_mm *mm)
{
	return mm->cfg.rlimit_memlock != 0 || mm->cfg.cap_ipc_lock;
}

bool mlock_future_ok(const struct uvma_mm *mm, vm_flags_t flags,
		     uint64_t bytes)
{
	uint64_t locked, limit;

	if (!(flags & VM_LOCKED) || mm->cfg.cap_ipc_lock)
		return true;
	locked = (bytes >> PAGE_SHIFT) + mm->locked_vm;
	limit = rlim_pages(mm->cfg.rlimit_memlock);
	return locked <= limit;
}

uint64_t vm_start_gap(const struct uvma_mm *mm, const struct vm_area_struct *vma)
{
	uint64_t gap = 0, start = vma->vm_start;

	if (vma->vm_flags & VM_GROWSDOWN)
		gap = mm->cfg.stack_guard_gap;
	else if (vma->vm_flags & VM_SHADOW_STACK)
		gap = PAGE_SIZE;
	return start > gap ? start - gap : 0;
}

uint64_t vm_end_gap(const struct uvma_mm *mm, const struct vm_area_struct *vma)
{
	(void)mm;	/* x86 has no VM_GROWSUP */
	return vma->vm_end;
}
