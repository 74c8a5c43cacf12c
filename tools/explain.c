/* SPDX-License-Identifier: MIT */
/*
 * explain.c - `uvma explain`: why two neighbouring VMAs are separate.
 *
 * The verdict and its reasons come from the library (uvma_explain_pair(),
 * which asks the VMA core's own merge predicates); this file finds the
 * address space (space.h), picks the pairs, and words the answer: each
 * reason in the kernel's order of checks with the facts behind it, what a
 * snapshot cannot tell (stated as unknown, never guessed), and the budget
 * report with --budget.  Text format and examples: docs/explain.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "space.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: uvma explain [--initial SNAPSHOT] [TRACE] [--pid PID] [ADDR | --all]\n"
"                    [--budget] [--budget-limit N]\n"
"\n"
"Say why the two VMAs meeting at ADDR are separate: every check that keeps\n"
"them apart, in the order Linux 6.18 makes them when it tries a merge\n"
"(VM_SPECIAL, gap, mempolicy, flags, file, userfaultfd context, anon name,\n"
"anon_vma, pgoff), with the facts behind each; or that nothing does and the\n"
"kernel would join them at the next call that tries a merge there.\n"
"\n"
"Where the address space comes from:\n"
"  TRACE                replay it (strace -f -y text, see docs/replay.md) and\n"
"                       look at the last process, or at --pid PID of the trace\n"
"  --initial SNAPSHOT   a maps/smaps file: the start of the replay, or, without\n"
"                       TRACE, the address space itself\n"
"  --pid PID            without TRACE: the live process PID (/proc/PID/smaps,\n"
"                       and numa_maps for policies); what smaps cannot show\n"
"                       (anon_vma identity, which open file, uffd context,\n"
"                       pgoff of anonymous VMAs) is reported as unknown\n"
"\n"
"Which pairs:\n"
"  ADDR                 hex (0x optional): the start of the right-hand VMA, or\n"
"                       an address in the gap between the two\n"
"  --all                every pair of VMAs that touch, then a count of reasons\n"
"                       (the default when no ADDR is given)\n"
"\n"
"Budget (with TRACE):\n"
"  --budget             VMA count over the trace against vm.max_map_count: the\n"
"                       peak and where, the calls and lines that split the most\n"
"  --budget-limit N     also: where the count first exceeds N, and the first\n"
"                       call that fails when the trace is replayed with\n"
"                       max_map_count = N (implies --budget)\n"
"\n"
"Configuration: the configuration flags of `uvma replay --help`\n"
"(--max-map-count N, --thp MODE, --root, ...) set up the model.\n"
"\n"
"Exit status: 0; 2 for bad input (FILE:LINE: message on stderr).\n");
}

struct numa_entry {
	uint64_t start;
	char *policy;
};

struct explain_opts {
	bool all, budget;
	int64_t limit;
	bool have_addr;
	uint64_t addr;
	struct numa_entry *numa;	/* --pid: policies from numa_maps */
	size_t nnuma;
	bool snapshot;
};

/* ---- wording ---- */

static const char *numa_policy(const struct explain_opts *eo, uint64_t start)
{
	for (size_t i = 0; i < eo->nnuma; i++)
		if (eo->numa[i].start == start)
			return eo->numa[i].policy;
	return NULL;
}

static void print_vma(FILE *out, struct uvma_mm *mm, const char *side,
		      const struct uvma_vma_info *v, const struct explain_opts *eo)
{
	char name[4096], sz[32], p[5], fl[160];

	if (uvma_vma_name(mm, v->start, name, sizeof(name)) < 0)
		name[0] = 0;
	fmt_size(v->end - v->start, sz, sizeof(sz));
	fmt_perms(v->flags, p);
	fprintf(out, "  %-6s %012" PRIx64 "-%012" PRIx64 " %s %8s  %s", side,
		v->start, v->end, p, sz, name[0] ? name : "(anonymous)");
	if (v->file)
		fprintf(out, " @ pgoff %#" PRIx64, v->pgoff);
	if (eo->snapshot)
		fprintf(out, v->anon_vma ? ", has anonymous pages" :
			", no anonymous pages");
	else if (v->anon_vma)
		fprintf(out, ", anon_vma #%" PRIu64 "%s", v->anon_vma,
			v->fork_child ? " (fork child)" : "");
	else
		fprintf(out, ", no anon_vma");
	uvma_vmflags_str(v->flags, fl, sizeof(fl));
	fprintf(out, "\n         VmFlags: %s\n", fl);
}

/* flag_names() - the smaps mnemonics of @f, without the trailing space. */
static const char *flag_names(uint64_t f, char *buf, size_t n)
{
	size_t len = uvma_vmflags_str(f, buf, n);

	if (len && len < n && buf[len - 1] == ' ')
		buf[len - 1] = 0;
	return buf;
}

static void say_special(FILE *out, const struct uvma_merge_why *w)
{
	char a[160], b[160];
	uint64_t l = w->left.flags & UVMA_VM_SPECIAL;
	uint64_t r = w->right.flags & UVMA_VM_SPECIAL;

	fprintf(out, "VM_SPECIAL: ");
	if (l)
		fprintf(out, "%s on the left%s", flag_names(l, a, sizeof(a)),
			r ? ", " : "");
	if (r)
		fprintf(out, "%s on the right", flag_names(r, b, sizeof(b)));
	fprintf(out, " (io/pf/de/mm: the kernel never merges such a VMA)\n");
}

static void say_gap(FILE *out, const struct uvma_merge_why *w)
{
	char sz[32];
	uint64_t gap = w->right.start - w->left.end;

	fmt_size(gap, sz, sizeof(sz));
	fprintf(out, "gap: %s (%" PRIu64 " pages) unmapped between %#" PRIx64
		" and %#" PRIx64 "\n", sz, gap >> 12, w->left.end, w->right.start);
}

static void say_policy(FILE *out, const struct uvma_merge_why *w,
		       const char *lp, const char *rp)
{
	if (lp && rp)
		fprintf(out, "mempolicy: \"%s\" on the left, \"%s\" on the right (numa_maps)\n",
			lp, rp);
	else if (w->left.policy && w->right.policy)
		fprintf(out, "mempolicy: both have a NUMA policy (mbind), and they differ\n");
	else
		fprintf(out, "mempolicy: the %s has a NUMA policy (mbind), the %s the default\n",
			w->left.policy ? "left" : "right",
			w->left.policy ? "right" : "left");
}

static void say_flags(FILE *out, const struct uvma_merge_why *w)
{
	char a[160], b[160];

	fprintf(out, "flags: ");
	if (w->flags_left_only)
		fprintf(out, "%s only on the left%s",
			flag_names(w->flags_left_only, a, sizeof(a)),
			w->flags_right_only ? "; " : "");
	if (w->flags_right_only)
		fprintf(out, "%s only on the right",
			flag_names(w->flags_right_only, b, sizeof(b)));
	fprintf(out, "\n");
}

static void file_desc(const struct uvma_file *f, char *buf, size_t n)
{
	uint32_t ma, mi;
	uint64_t ino;

	uvma_file_id(f, &ma, &mi, &ino);
	snprintf(buf, n, "%s (dev %02x:%02x inode %" PRIu64 ")",
		 uvma_file_path(f), ma, mi, ino);
}

static void say_file(FILE *out, const struct uvma_merge_why *w)
{
	char a[4200], b[4200];

	if (w->left.file)
		file_desc(w->left.file, a, sizeof(a));
	if (w->right.file)
		file_desc(w->right.file, b, sizeof(b));
	switch (w->file) {
	case UVMA_WHY_FILE_ANON:
		fprintf(out, "file: the %s maps %s, the %s is anonymous\n",
			w->left.file ? "left" : "right",
			w->left.file ? a : b, w->left.file ? "right" : "left");
		break;
	case UVMA_WHY_FILE_OTHER_OPEN:
		fprintf(out, "file: both map %s, but through two different open file "
			"descriptions (two open() calls; Linux compares the struct file, "
			"so only mappings made through one open - or dup()ed descriptors "
			"of it - merge)\n", a);
		break;
	case UVMA_WHY_FILE_OTHER_INODE:
		fprintf(out, "file: different files: %s on the left, %s on the right "
			"(different inodes)\n", a, b);
		break;
	default:
		fprintf(out, "file: different files\n");
	}
}

static void say_uffd(FILE *out, const struct uvma_merge_why *w)
{
	if (w->left.uffd && w->right.uffd)
		fprintf(out, "uffd: registered with two different userfaultfd contexts\n");
	else
		fprintf(out, "uffd: the %s is registered with a userfaultfd context, the %s is not\n",
			w->left.uffd ? "left" : "right",
			w->left.uffd ? "right" : "left");
}

static void say_name(FILE *out, const struct uvma_merge_why *w)
{
	fprintf(out, "anon name: %s%s%s on the left, %s%s%s on the right\n",
		w->left.anon_name ? "\"" : "",
		w->left.anon_name ? w->left.anon_name : "none",
		w->left.anon_name ? "\"" : "",
		w->right.anon_name ? "\"" : "",
		w->right.anon_name ? w->right.anon_name : "none",
		w->right.anon_name ? "\"" : "");
}

static void say_anon_vma(FILE *out, const struct uvma_merge_why *w)
{
	const struct uvma_vma_info *l = &w->left, *r = &w->right;

	if (l->anon_vma && r->anon_vma) {
		fprintf(out, "anon_vma: different anon_vmas (#%" PRIu64 "%s on the left, #%"
			PRIu64 "%s on the right): each side's anonymous pages are "
			"in a reverse map of their own (faulted separately, or "
			"inherited separately at fork)\n",
			l->anon_vma, l->fork_child ? ", fork child" : "",
			r->anon_vma, r->fork_child ? ", fork child" : "");
		return;
	}
	fprintf(out, "anon_vma: the %s is a fork child (its anon_vma chain also holds "
		"its parent's, inherited at fork) and the %s has no anon_vma: a "
		"fork child's anon_vma is never extended over or handed to an "
		"unfaulted neighbour\n",
		l->anon_vma ? "left" : "right", l->anon_vma ? "right" : "left");
}

static void say_pgoff(FILE *out, const struct uvma_merge_why *w)
{
	fprintf(out, "pgoff: not contiguous: the left starts at pgoff %#" PRIx64
		" and spans %" PRIu64 " pages%s, so the right would need %#" PRIx64
		"; it has %#" PRIx64 "%s\n", w->left.pgoff,
		(w->right.start - w->left.start) >> 12,
		w->right.start != w->left.end ? " up to the right's start" : "",
		w->pgoff_expected, w->right.pgoff,
		w->left.file ? "" :
		" (anonymous VMAs keep pgoff = address >> 12 of where they "
		"were created; mremap moves a faulted one without changing it)");
}

static void say_unknown(FILE *out, const struct uvma_merge_why *w,
			unsigned int unknown)
{
	fprintf(out, "  unknown from smaps:\n");
	if (unknown & (1u << UVMA_WHY_POLICY))
		fprintf(out, "    mempolicy: smaps does not show NUMA policies\n");
	if (unknown & (1u << UVMA_WHY_FILE))
		fprintf(out, "    file: both lines name one inode; whether through one "
			"open file or two is not shown\n");
	if (unknown & (1u << UVMA_WHY_UFFD))
		fprintf(out, "    uffd: both are registered; whether with one "
			"userfaultfd context is not shown\n");
	if (unknown & (1u << UVMA_WHY_ANON_VMA))
		fprintf(out, "    anon_vma: smaps shows neither anon_vma identity nor fork "
			"lineage (left %s anonymous pages, right %s)\n",
			w->left.anon_vma ? "has" : "shows no",
			w->right.anon_vma ? "has" : "shows none");
	if (unknown & (1u << UVMA_WHY_PGOFF))
		fprintf(out, "    pgoff: maps prints offset 0 for anonymous VMAs\n");
}

/* resolve_policy() - decide the policy check from numa_maps when we can. */
static void resolve_policy(const struct explain_opts *eo, unsigned int *bits,
			   unsigned int *unknown, const struct uvma_merge_why *w,
			   const char **lp, const char **rp)
{
	*lp = numa_policy(eo, w->left.start);
	*rp = numa_policy(eo, w->right.start);
	if (!*lp || !*rp || !(*unknown & (1u << UVMA_WHY_POLICY)))
		return;
	*unknown &= ~(1u << UVMA_WHY_POLICY);
	if (strcmp(*lp, *rp) != 0)
		*bits |= 1u << UVMA_WHY_POLICY;
}

static void explain_one(FILE *out, struct uvma_mm *mm, uint64_t addr,
			const struct uvma_merge_why *w,
			const struct explain_opts *eo, unsigned long *counts)
{
	unsigned int bits = 0, unknown = w->unknown, n = 0;
	const char *lp = NULL, *rp = NULL;

	for (unsigned int i = 0; i < w->n; i++)
		bits |= 1u << w->reason[i];
	resolve_policy(eo, &bits, &unknown, w, &lp, &rp);
	fprintf(out, "boundary %#" PRIx64 "\n", addr);
	print_vma(out, mm, "left:", &w->left, eo);
	print_vma(out, mm, "right:", &w->right, eo);
	for (unsigned int r = 0; r < UVMA_WHY_COUNT; r++)
		n += (bits >> r) & 1;
	if (n)
		fprintf(out, "  separate: %u reason%s, in the kernel's order of checks:\n",
			n, n == 1 ? "" : "s");
	for (unsigned int r = 0; r < UVMA_WHY_COUNT; r++) {
		if (!(bits & (1u << r)))
			continue;
		if (counts)
			counts[r]++;
		fprintf(out, "    ");
		switch ((enum uvma_why)r) {
		case UVMA_WHY_SPECIAL: say_special(out, w); break;
		case UVMA_WHY_GAP: say_gap(out, w); break;
		case UVMA_WHY_POLICY: say_policy(out, w, lp, rp); break;
		case UVMA_WHY_FLAGS: say_flags(out, w); break;
		case UVMA_WHY_FILE: say_file(out, w); break;
		case UVMA_WHY_UFFD: say_uffd(out, w); break;
		case UVMA_WHY_ANON_NAME: say_name(out, w); break;
		case UVMA_WHY_ANON_VMA: say_anon_vma(out, w); break;
		case UVMA_WHY_PGOFF: say_pgoff(out, w); break;
		default: break;
		}
	}
	if (unknown && n) {
		fprintf(out, "  not known from smaps (and not needed for the answer):");
		for (unsigned int r = 0; r < UVMA_WHY_COUNT; r++)
			if (unknown & (1u << r))
				fprintf(out, " %s", uvma_why_name((enum uvma_why)r));
		fprintf(out, "\n");
	} else if (unknown) {
		say_unknown(out, w, unknown);
	}
	if (!n && unknown)
		fprintf(out, "  nothing smaps shows keeps them apart: if the kernel "
			"printed these two lines, the reason is among the unknown "
			"checks above; if not (a hand-written snapshot), the kernel "
			"would merge them at the next call that tries a merge here\n");
	if (!n && !unknown)
		fprintf(out, "  would merge: none of the kernel's checks keeps them apart. "
			"Linux joins two VMAs only when a call creates, grows or "
			"changes one of them at this boundary (mmap, brk, mremap, "
			"mprotect, madvise, mlock, ...); until such a call they stay "
			"two VMAs, as they were made (here: %s)\n",
			eo->snapshot ? "listed separately in the snapshot" :
				       "by the calls replayed");
}

/* ---- numa_maps of a live process ---- */

static void numa_free(struct explain_opts *eo)
{
	for (size_t i = 0; i < eo->nnuma; i++)
		free(eo->numa[i].policy);
	free(eo->numa);
	eo->numa = NULL;
	eo->nnuma = 0;
}

/* numa_load() - "START POLICY ..." per VMA; a missing file leaves none. */
static void numa_load(struct explain_opts *eo, long pid)
{
	char path[64], line[8192];
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/numa_maps", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' '), *end;
		uint64_t start;

		if (!sp)
			continue;
		*sp++ = 0;
		end = sp + strcspn(sp, " \n");
		*end = 0;
		if (parse_addr(line, &start))
			continue;
		if (eo->nnuma == cap) {
			struct numa_entry *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(eo->numa, cap * sizeof(*nv));
			if (!nv)
				break;
			eo->numa = nv;
		}
		eo->numa[eo->nnuma].start = start;
		eo->numa[eo->nnuma].policy = strdup(sp);
		if (eo->numa[eo->nnuma].policy)
			eo->nnuma++;
	}
	fclose(f);
}

/* ---- the command ---- */

static int explain_all(FILE *out, struct uvma_mm *mm,
		       const struct explain_opts *eo)
{
	unsigned long counts[UVMA_WHY_COUNT] = { 0 }, pairs = 0, merge = 0;
	unsigned int flags = eo->snapshot ? UVMA_EXPLAIN_SNAPSHOT : 0;
	struct uvma_vma_info prev, cur;
	uint64_t addr = 0;
	bool have_prev = false;

	while (uvma_vma_find(mm, addr, &cur)) {
		if (have_prev && prev.end == cur.start) {
			struct uvma_merge_why w;

			if (uvma_explain_pair(mm, cur.start, flags, &w) == 0) {
				pairs++;
				if (!w.n && !w.unknown)
					merge++;
				explain_one(out, mm, cur.start, &w, eo, counts);
			}
		}
		prev = cur;
		have_prev = true;
		addr = cur.end;
	}
	fprintf(out, "summary: %" PRId64 " VMAs, %lu touching pairs, %lu would merge",
		uvma_mm_map_count(mm), pairs, merge);
	for (unsigned int r = 0; r < UVMA_WHY_COUNT; r++)
		if (counts[r])
			fprintf(out, ", %s %lu", uvma_why_name((enum uvma_why)r),
				counts[r]);
	fprintf(out, "\n");
	return UVMA_EXIT_OK;
}

static int explain_addr(FILE *out, struct uvma_mm *mm,
			const struct explain_opts *eo)
{
	struct uvma_merge_why w;
	struct uvma_vma_info in;
	int r = uvma_explain_pair(mm, eo->addr,
				  eo->snapshot ? UVMA_EXPLAIN_SNAPSHOT : 0, &w);

	if (r == -ENOENT) {
		if (uvma_vma_find(mm, eo->addr, &in) && in.start < eo->addr)
			fprintf(stderr, "uvma explain: %#" PRIx64 " is inside the VMA %#"
				PRIx64 "-%#" PRIx64 "; its boundaries are %#" PRIx64
				" and %#" PRIx64 "\n", eo->addr, in.start, in.end,
				in.start, in.end);
		else
			fprintf(stderr, "uvma explain: no VMA on both sides of %#" PRIx64 "\n",
				eo->addr);
		return UVMA_EXIT_BADINPUT;
	}
	explain_one(out, mm, eo->addr, &w, eo, NULL);
	return UVMA_EXIT_OK;
}

int cmd_explain(int argc, char **argv)
{
	struct explain_opts eo = { 0 };
	struct space_args a = { .cmd = "explain" };
	struct budget *b = NULL;
	struct space sp;
	int rc;

	uvma_config_init(&a.config);
	for (int i = 1, k; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			usage(stdout);
			return UVMA_EXIT_OK;
		} else if (!strcmp(s, "--all")) {
			eo.all = true;
		} else if (!strcmp(s, "--budget")) {
			eo.budget = true;
		} else if (!strcmp(s, "--budget-limit") && i + 1 < argc) {
			long n;

			if (parse_long(argv[++i], &n) || n <= 0) {
				fprintf(stderr, "uvma explain: --budget-limit needs a positive number\n");
				return UVMA_EXIT_BADINPUT;
			}
			eo.limit = n;
			eo.budget = true;
		} else if ((k = space_option(&a, argc, argv, &i)) != 0) {
			if (k < 0)
				return UVMA_EXIT_BADINPUT;
		} else if (s[0] == '-' && s[1]) {
			fprintf(stderr, "uvma explain: unknown option '%s' (try --help)\n", s);
			return UVMA_EXIT_BADINPUT;
		} else if (!eo.have_addr && is_addr_arg(s)) {
			parse_addr(s, &eo.addr);
			eo.have_addr = true;
		} else if (!a.trace) {
			a.trace = s;
		} else {
			fprintf(stderr, "uvma explain: unexpected argument '%s' (try --help)\n", s);
			return UVMA_EXIT_BADINPUT;
		}
	}
	if (eo.have_addr && eo.all) {
		fprintf(stderr, "uvma explain: give ADDR or --all, not both\n");
		return UVMA_EXIT_BADINPUT;
	}
	if (eo.budget && !a.trace) {
		fprintf(stderr, "uvma explain: --budget needs a TRACE\n");
		return UVMA_EXIT_BADINPUT;
	}
	a.live = a.pid && !a.trace;
	if (eo.budget) {
		b = budget_create();
		if (!b) {
			fprintf(stderr, "uvma explain: out of memory\n");
			return UVMA_EXIT_BADINPUT;
		}
		a.on_event = budget_on_event;
		a.ctx = b;
		budget_set_limit(b, eo.limit);
	}
	rc = space_open(&a, &sp);
	if (rc == UVMA_EXIT_OK) {
		eo.snapshot = sp.snapshot;
		if (a.live)
			numa_load(&eo, a.pid);
		if (b)
			rc = budget_report(b, stdout, &a.config, eo.limit, a.initial,
					   a.trace, sp.trace_text, sp.trace_len) ?
				     UVMA_EXIT_BADINPUT : UVMA_EXIT_OK;
		if (rc == UVMA_EXIT_OK && (eo.have_addr || eo.all || !b))
			rc = eo.have_addr ? explain_addr(stdout, sp.mm, &eo) :
					    explain_all(stdout, sp.mm, &eo);
	}
	numa_free(&eo);
	space_close(&sp);
	budget_destroy(b);
	return rc;
}
