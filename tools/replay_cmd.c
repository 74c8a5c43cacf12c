/* SPDX-License-Identifier: MIT */
/*
 * replay_cmd.c - `uvma replay`: options, configuration flags, kernel
 * config files, and the final print of the address space.
 *
 * The engine is replay.c; the grammar and semantics are docs/replay.md.
 * Output the trace asks for (@maps, @smaps) is held back until the end so
 * that malformed input prints nothing on stdout (status 2).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "replay.h"
#include "replay_int.h"
#include "space.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: uvma replay [OPTIONS] [TRACE|-]\n"
"\n"
"Rebuild an address space call by call from an strace log\n"
"(strace -f -y -e trace=memory,clone,clone3,fork,vfork,execve,openat,close,\n"
"memfd_create -o log PROGRAM) or a hand-written scenario, and print it as\n"
"/proc/PID/maps.  TRACE '-' or none: standard input.  Grammar: docs/replay.md.\n"
"\n"
"options:\n"
"  --strict              every recorded result must match the model; the\n"
"                        first difference is reported, exit status 1\n"
"                        (default: follow the trace's addresses, count the\n"
"                        differences and summarise them on stderr)\n"
"  --initial SNAPSHOT    start the first process from a maps/smaps snapshot\n"
"  --exec-snapshot SNAPSHOT  what a successful execve starts from (default:\n"
"                        an empty address space)\n"
"  --pid N               print process N at the end (default: the process\n"
"                        of the last applied line)\n"
"  --smaps               print the smaps form (maps lines and VmFlags)\n"
"  --kernel-config FILE  read CONFIG_ options that change visible behaviour\n"
"\n"
"configuration (what a trace cannot say; sizes take K, M, G suffixes):\n"
"  --mmap-base ADDR      --max-map-count N      --thp never|madvise|always\n"
"  --legacy              bottom-up layout (legacy_va_layout)\n"
"  --rlimit-stack N      --rlimit-memlock N     --rlimit-as N\n"
"  --rlimit-data N       (N may be 'unlimited')\n"
"  --overcommit 0|1|2    --overcommit-ratio N   --stack-guard-gap N\n"
"  --mmap-min-addr N     --lsm-mmap-min-addr N  --task-size N\n"
"  --ram N               --swap N\n"
"  --root                CAP_IPC_LOCK and CAP_SYS_RAWIO (a root process)\n"
"  --cap-ipc-lock        --cap-sys-rawio        --read-implies-exec\n"
"  --soft-dirty          --anon-vma-name        --no-ksm\n"
"  --no-thp-config       --mseal-system-mappings --no-vsyscall  --pkeys\n"
"\n"
"  --budget              instead of the final maps, the VMA count over the\n"
"                        trace against max_map_count (docs/explain.md)\n"
"  --budget-limit N      also the first call that fails at max_map_count N\n"
"\n"
"exit status: 0 done; 1 a --strict mismatch, a failed @expect or @fault;\n"
"2 bad input (TRACE:LINE:COLUMN: message on stderr, nothing on stdout).\n");
}

/* parse_size() - a number with an optional K/M/G suffix, or "unlimited". */
static bool parse_size(const char *s, uint64_t *v)
{
	const char *p = s, *e = s + strlen(s);
	uint64_t x, mul = 1;

	if (!strcmp(s, "unlimited") || !strcmp(s, "infinity")) {
		*v = UVMA_RLIM_INFINITY;
		return true;
	}
	if (!rp_number(&p, e, &x))
		return false;
	if (p < e) {
		switch (*p) {
		case 'k': case 'K': mul = 1ull << 10; break;
		case 'm': case 'M': mul = 1ull << 20; break;
		case 'g': case 'G': mul = 1ull << 30; break;
		default: return false;
		}
		p++;
		if (p < e && (*p == 'b' || *p == 'B' || *p == 'i'))
			p++;
		if (p < e && (*p == 'B'))
			p++;
	}
	if (p != e || (x && mul > UINT64_MAX / x))
		return false;
	*v = x * mul;
	return true;
}

/* Configuration switches: name -> the bool field and the value to set. */
static bool *switch_field(struct uvma_config *c, const char *name, bool *val)
{
	static const struct {
		const char *name;
		size_t off;
		bool val;
	} sw[] = {
#define S(n, f, v) { n, offsetof(struct uvma_config, f), v }
		S("cap-ipc-lock", cap_ipc_lock, true),
		S("cap-sys-rawio", cap_sys_rawio, true),
		S("read-implies-exec", read_implies_exec, true),
		S("soft-dirty", soft_dirty, true),
		S("anon-vma-name", anon_vma_name, true),
		S("no-ksm", ksm, false),
		S("no-thp-config", thp_configured, false),
		S("mseal-system-mappings", mseal_system_mappings, true),
		S("no-vsyscall", vsyscall, false),
		S("pkeys", pkeys, true),
#undef S
	};

	for (size_t i = 0; i < sizeof(sw) / sizeof(sw[0]); i++)
		if (!strcmp(name, sw[i].name)) {
			*val = sw[i].val;
			return (bool *)((char *)c + sw[i].off);
		}
	return NULL;
}

int replay_config_option(struct uvma_config *cfg, const char *name,
			 const char *value, const char **why)
{
	static const struct {
		const char *name;
		size_t off;
		int kind;	/* 0: u64 size, 1: int64, 2: int */
	} vals[] = {
#define V(n, f, k) { n, offsetof(struct uvma_config, f), k }
		V("mmap-base", mmap_base, 0),
		V("max-map-count", max_map_count, 1),
		V("rlimit-stack", rlimit_stack, 0),
		V("rlimit-memlock", rlimit_memlock, 0),
		V("rlimit-as", rlimit_as, 0),
		V("rlimit-data", rlimit_data, 0),
		V("overcommit", overcommit_memory, 2),
		V("overcommit-ratio", overcommit_ratio, 2),
		V("stack-guard-gap", stack_guard_gap, 0),
		V("mmap-min-addr", mmap_min_addr, 0),
		V("lsm-mmap-min-addr", lsm_mmap_min_addr, 0),
		V("task-size", task_size, 0),
		V("ram", ram_bytes, 0),
		V("swap", swap_bytes, 0),
#undef V
	};
	bool bv, *b;
	uint64_t v;

	*why = "";
	if (!strcmp(name, "legacy")) {
		cfg->layout = UVMA_LAYOUT_LEGACY;
		return 0;
	}
	if (!strcmp(name, "root")) {
		cfg->cap_ipc_lock = cfg->cap_sys_rawio = true;
		return 0;
	}
	b = switch_field(cfg, name, &bv);
	if (b) {
		*b = bv;
		return 0;
	}
	if (!strcmp(name, "thp")) {
		if (!value) {
			*why = "needs a value";
			return -2;
		}
		if (!strcmp(value, "never"))
			cfg->thp = UVMA_THP_NEVER;
		else if (!strcmp(value, "madvise"))
			cfg->thp = UVMA_THP_MADVISE;
		else if (!strcmp(value, "always"))
			cfg->thp = UVMA_THP_ALWAYS;
		else {
			*why = "expected never, madvise or always";
			return -2;
		}
		return 1;
	}
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		void *f;

		if (strcmp(name, vals[i].name))
			continue;
		if (!value) {
			*why = "needs a value";
			return -2;
		}
		if (!parse_size(value, &v)) {
			*why = "expected a number (K, M, G suffixes allowed)";
			return -2;
		}
		f = (char *)cfg + vals[i].off;
		if (vals[i].kind == 0) {
			*(uint64_t *)f = v;
		} else if (vals[i].kind == 1) {
			if (v > INT64_MAX) {
				*why = "too large";
				return -2;
			}
			*(int64_t *)f = (int64_t)v;
		} else {
			if (v > 1000000) {
				*why = "too large";
				return -2;
			}
			*(int *)f = (int)v;
		}
		return 1;
	}
	return -1;
}

/*
 * kernel_config() - apply the CONFIG_ lines of @path that change what a
 * process sees.  Returns 0 or UVMA_EXIT_BADINPUT (reported).
 */
static int kernel_config(struct uvma_config *cfg, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned int n = 0;
	bool thp_seen = false;

	if (!f) {
		fprintf(stderr, "uvma replay: %s: %s\n", path, strerror(errno));
		return UVMA_EXIT_BADINPUT;
	}
	while (fgets(line, sizeof(line), f)) {
		char *eq, *name = line, *val;
		size_t len = strlen(line);
		bool on;

		n++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == sizeof(line) - 1) {
			fprintf(stderr, "%s:%u: line too long\n", path, n);
			fclose(f);
			return UVMA_EXIT_BADINPUT;
		}
		if (!strncmp(line, "# CONFIG_", 9) &&
		    len > 11 && !strcmp(line + len - 11, " is not set")) {
			line[len - 11] = '\0';
			name = line + 2;
			val = "n";
		} else if (line[0] == '#' || line[0] == '\0') {
			continue;
		} else if (!strncmp(line, "CONFIG_", 7) && (eq = strchr(line, '='))) {
			*eq = '\0';
			val = eq + 1;
		} else {
			fprintf(stderr, "%s:%u: not a kernel config line\n", path, n);
			fclose(f);
			return UVMA_EXIT_BADINPUT;
		}
		on = !strcmp(val, "y") || !strcmp(val, "m");
		name += 7;
		if (!strcmp(name, "ANON_VMA_NAME"))
			cfg->anon_vma_name = on;
		else if (!strcmp(name, "MEM_SOFT_DIRTY"))
			cfg->soft_dirty = on;
		else if (!strcmp(name, "KSM"))
			cfg->ksm = on;
		else if (!strcmp(name, "TRANSPARENT_HUGEPAGE"))
			cfg->thp_configured = on;
		else if (!strcmp(name, "TRANSPARENT_HUGEPAGE_ALWAYS") && on)
			cfg->thp = UVMA_THP_ALWAYS, thp_seen = true;
		else if (!strcmp(name, "TRANSPARENT_HUGEPAGE_MADVISE") && on)
			cfg->thp = UVMA_THP_MADVISE, thp_seen = true;
		else if (!strcmp(name, "TRANSPARENT_HUGEPAGE_NEVER") && on)
			cfg->thp = UVMA_THP_NEVER, thp_seen = true;
		else if (!strcmp(name, "MSEAL_SYSTEM_MAPPINGS"))
			cfg->mseal_system_mappings = on;
		else if (!strcmp(name, "X86_VSYSCALL_EMULATION"))
			cfg->vsyscall = on;
		else if (!strcmp(name, "LEGACY_VSYSCALL_NONE") && on)
			cfg->vsyscall = false;
		else if (!strcmp(name, "SECURITY") && !on)
			cfg->lsm_mmap_min_addr = 0;
		else if (!strcmp(name, "LSM_MMAP_MIN_ADDR") ||
			 !strcmp(name, "DEFAULT_MMAP_MIN_ADDR")) {
			const char *p = val, *e = val + strlen(val);
			uint64_t v;

			if (!rp_number(&p, e, &v) || p != e) {
				fprintf(stderr, "%s:%u: expected a number\n", path, n);
				fclose(f);
				return UVMA_EXIT_BADINPUT;
			}
			if (name[0] == 'L')
				cfg->lsm_mmap_min_addr = v;
			else
				cfg->mmap_min_addr = v;
		}
	}
	fclose(f);
	if (thp_seen && !cfg->thp_configured)
		cfg->thp = UVMA_THP_NEVER;
	return 0;
}

/* print_final() - the address space of @pid (0: the last line's process). */
static int print_final(struct replay *r, long pid, bool smaps, FILE *out)
{
	struct uvma_mm *mm = replay_mm(r, pid);
	char *text = NULL;
	size_t len = 0;
	int err;

	if (!mm) {
		fprintf(stderr, "uvma replay: no process %ld in the trace\n", pid);
		return UVMA_EXIT_BADINPUT;
	}
	err = smaps ? uvma_smaps_text(mm, 0, &text, &len)
		    : uvma_maps_text(mm, &text, &len);
	if (err) {
		fprintf(stderr, "uvma replay: out of memory\n");
		return UVMA_EXIT_FAIL;
	}
	fwrite(text, 1, len, out);
	uvma_text_free(text);
	return 0;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_options o;
	struct replay *r = NULL;
	const char *trace = NULL;
	long pid = 0, budget = -1;	/* --budget[-limit]: tools/budget.c */
	bool smaps = false;
	char *held = NULL;
	size_t held_len = 0;
	FILE *hold = NULL, *in = stdin;
	int rc, err;

	replay_options_init(&o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char *why;
		int k;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "-") || a[0] != '-') {
			if (trace) {
				fprintf(stderr, "uvma replay: more than one trace\n");
				return UVMA_EXIT_BADINPUT;
			}
			trace = a;
			continue;
		}
		if (!strcmp(a, "--budget")) {
			budget = budget < 0 ? 0 : budget;
		} else if (!strcmp(a, "--budget-limit") && v && !parse_long(v, &budget) &&
			   budget > 0) {
			i++;
		} else if (!strcmp(a, "--strict")) {
			o.strict = true;
		} else if (!strcmp(a, "--smaps")) {
			smaps = true;
		} else if (!strcmp(a, "--initial") || !strcmp(a, "--exec-snapshot") ||
			   !strcmp(a, "--pid") || !strcmp(a, "--kernel-config")) {
			if (!v) {
				fprintf(stderr, "uvma replay: %s needs a value\n", a);
				return UVMA_EXIT_BADINPUT;
			}
			i++;
			if (a[2] == 'i')
				o.initial = v;
			else if (a[2] == 'e')
				o.exec_snapshot = v;
			else if (a[2] == 'k') {
				if (kernel_config(&o.config, v))
					return UVMA_EXIT_BADINPUT;
			} else {
				char *end;

				errno = 0;
				pid = strtol(v, &end, 10);
				if (errno || *end || pid <= 0) {
					fprintf(stderr, "uvma replay: --pid: "
						"expected a process id\n");
					return UVMA_EXIT_BADINPUT;
				}
			}
		} else if (a[1] == '-' &&
			   (k = replay_config_option(&o.config, a + 2, v, &why)) >= -1 &&
			   k != -1) {
			i += k;
		} else {
			if (a[1] == '-' && replay_config_option(&o.config, a + 2, v,
								&why) == -2)
				fprintf(stderr, "uvma replay: %s: %s\n", a, why);
			else
				fprintf(stderr, "uvma replay: unknown option '%s' "
					"(try --help)\n", a);
			return UVMA_EXIT_BADINPUT;
		}
	}
	if (budget >= 0)
		return budget_run(&o, trace ? trace : "-", budget);
	if (trace && strcmp(trace, "-")) {
		in = fopen(trace, "r");
		if (!in) {
			fprintf(stderr, "uvma replay: %s: %s\n", trace, strerror(errno));
			return UVMA_EXIT_BADINPUT;
		}
	}
	hold = open_memstream(&held, &held_len);
	if (!hold) {
		fprintf(stderr, "uvma replay: out of memory\n");
		rc = UVMA_EXIT_FAIL;
		goto out;
	}
	o.out = hold;
	err = replay_create(&o, &r);
	if (err) {
		if (err == -ENOMEM)
			fprintf(stderr, "uvma replay: out of memory\n");
		else if (err == -EINVAL && !o.initial && !o.exec_snapshot)
			fprintf(stderr, "uvma replay: bad configuration\n");
		rc = err == -ENOMEM ? UVMA_EXIT_FAIL : UVMA_EXIT_BADINPUT;
		goto out;
	}
	rc = replay_feed(r, in == stdin ? "<stdin>" : trace, in);
	if (rc < 0) {
		fprintf(stderr, "uvma replay: out of memory\n");
		rc = UVMA_EXIT_FAIL;
	}
	if (rc == UVMA_EXIT_OK)
		rc = print_final(r, pid, smaps, hold);
	fflush(hold);
	if (rc != UVMA_EXIT_BADINPUT && held_len)
		fwrite(held, 1, held_len, stdout);
out:
	if (hold)
		fclose(hold);
	free(held);
	replay_destroy(r);
	if (in != stdin)
		fclose(in);
	return rc;
}
