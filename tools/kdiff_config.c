/* SPDX-License-Identifier: MIT */
/*
 * kdiff_config.c - what `uvma kdiff` learns about the running kernel: its
 * version, the build options that change visible behaviour (from
 * /proc/config.gz when present), the THP mode and the vm sysctls, turned
 * into the struct uvma_config the model runs with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "kdiff_config.h"

static bool read_u64(const char *path, uint64_t *out)
{
	FILE *f = fopen(path, "r");
	unsigned long long v;
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%llu", &v) == 1;
	fclose(f);
	if (ok)
		*out = v;
	return ok;
}

/* config_line() - apply one "CONFIG_X=y" / "# CONFIG_X is not set" line. */
static void config_line(struct kd_kernel *k, const char *l)
{
	static const struct {
		const char *name;
		size_t off;
	} bools[] = {
		{ "TRANSPARENT_HUGEPAGE", offsetof(struct uvma_config, thp_configured) },
		{ "ANON_VMA_NAME", offsetof(struct uvma_config, anon_vma_name) },
		{ "MEM_SOFT_DIRTY", offsetof(struct uvma_config, soft_dirty) },
		{ "KSM", offsetof(struct uvma_config, ksm) },
		{ "MSEAL_SYSTEM_MAPPINGS",
		  offsetof(struct uvma_config, mseal_system_mappings) },
	};
	bool set = strncmp(l, "CONFIG_", 7) == 0;
	const char *name = set ? l + 7 :
			   strncmp(l, "# CONFIG_", 9) == 0 ? l + 9 : NULL;

	if (!name)
		return;
	if (set && strncmp(name, "LSM_MMAP_MIN_ADDR=", 18) == 0) {
		k->cfg.lsm_mmap_min_addr = strtoull(name + 18, NULL, 0);
		return;
	}
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		size_t n = strlen(bools[i].name);

		if (strncmp(name, bools[i].name, n) != 0)
			continue;
		if (set ? name[n] != '=' : strcmp(name + n, " is not set\n") != 0)
			continue;
		*(bool *)((char *)&k->cfg + bools[i].off) =
			set && (name[n + 1] == 'y' || name[n + 1] == 'm');
		k->options_read++;
	}
}

/* read_config() - /proc/config.gz through gzip, if both are there. */
static void read_config(struct kd_kernel *k)
{
	char line[512];
	FILE *p;

	if (access("/proc/config.gz", R_OK) != 0) {
		snprintf(k->config_source, sizeof(k->config_source),
			 "no /proc/config.gz (uvma's defaults for build options)");
		return;
	}
	p = popen("gzip -dc /proc/config.gz 2>/dev/null", "r");
	if (!p) {
		snprintf(k->config_source, sizeof(k->config_source),
			 "/proc/config.gz unreadable (no gzip?)");
		return;
	}
	while (fgets(line, sizeof(line), p))
		config_line(k, line);
	pclose(p);
	snprintf(k->config_source, sizeof(k->config_source), "%s",
		 k->options_read ? "/proc/config.gz" :
		 "/proc/config.gz unreadable (no gzip?)");
}

static void read_thp(struct kd_kernel *k)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char line[128] = "";

	if (!f) {
		snprintf(k->thp, sizeof(k->thp), "(no THP sysfs)");
		return;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	if (strstr(line, "[always]")) {
		k->cfg.thp = UVMA_THP_ALWAYS;
		snprintf(k->thp, sizeof(k->thp), "always");
	} else if (strstr(line, "[never]")) {
		k->cfg.thp = UVMA_THP_NEVER;
		snprintf(k->thp, sizeof(k->thp), "never");
	} else {
		k->cfg.thp = UVMA_THP_MADVISE;
		snprintf(k->thp, sizeof(k->thp), "madvise");
	}
}

static void read_meminfo(struct kd_kernel *k)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long v;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemTotal: %llu kB", &v) == 1)
			k->cfg.ram_bytes = v * 1024;
		else if (sscanf(line, "SwapTotal: %llu kB", &v) == 1)
			k->cfg.swap_bytes = v * 1024;
	}
	fclose(f);
}

void kd_kernel_read(struct kd_kernel *k, bool privileged)
{
	struct utsname u;
	uint64_t v;

	memset(k, 0, sizeof(*k));
	uvma_config_init(&k->cfg);
	if (uname(&u) == 0)
		snprintf(k->version, sizeof(k->version), "%s %s %s", u.sysname,
			 u.release, u.machine);
	else
		snprintf(k->version, sizeof(k->version), "(uname failed)");
	read_config(k);
	read_thp(k);
	read_meminfo(k);
	if (read_u64("/proc/sys/vm/mmap_min_addr", &v))
		k->cfg.mmap_min_addr = v;
	if (read_u64("/proc/sys/vm/max_map_count", &v))
		k->cfg.max_map_count = (int64_t)v;
	if (read_u64("/proc/sys/vm/overcommit_memory", &v))
		k->cfg.overcommit_memory = (int)v;
	if (read_u64("/proc/sys/vm/overcommit_ratio", &v))
		k->cfg.overcommit_ratio = (int)v;
	if (read_u64("/proc/sys/vm/admin_reserve_kbytes", &v))
		k->cfg.admin_reserve_bytes = v * 1024;
	if (read_u64("/proc/sys/vm/user_reserve_kbytes", &v))
		k->cfg.user_reserve_bytes = v * 1024;
	/* The child runs as root only when asked to (see kdiff_exec.c). */
	k->cfg.cap_ipc_lock = privileged && geteuid() == 0;
	k->cfg.cap_sys_rawio = k->cfg.cap_ipc_lock;
	k->cfg.rlimit_memlock = 8u << 20;
	k->cfg.rlimit_stack = 8u << 20;
}

void kd_kernel_print(const struct kd_kernel *k, FILE *f)
{
	fprintf(f, "kernel: %s\n", k->version);
	fprintf(f, "config: %s: THP %s (enabled=%s), anon VMA names %s, "
		   "soft-dirty %s, KSM %s, sealed system mappings %s, "
		   "LSM mmap_min_addr %llu\n",
		k->config_source, k->cfg.thp_configured ? "built" : "not built",
		k->thp, k->cfg.anon_vma_name ? "on" : "off",
		k->cfg.soft_dirty ? "on" : "off", k->cfg.ksm ? "on" : "off",
		k->cfg.mseal_system_mappings ? "on" : "off",
		(unsigned long long)k->cfg.lsm_mmap_min_addr);
	fprintf(f, "vm: mmap_min_addr %llu, max_map_count %lld, "
		   "overcommit_memory %d\n",
		(unsigned long long)k->cfg.mmap_min_addr,
		(long long)k->cfg.max_map_count, k->cfg.overcommit_memory);
}
