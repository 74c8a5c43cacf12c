/* SPDX-License-Identifier: MIT */
/*
 * kdiff.c - `uvma kdiff`: differential testing of the model against the
 * live kernel, with shrinking to a minimal reproducer.
 *
 * Each run: generate K calls (kdiff_gen.c), execute them for real in a
 * child (kdiff_exec.c), write the child's calls and results as a trace
 * (kdiff_fmt.c), replay that trace on the model through the replay engine
 * with --strict (tools/replay.h), and compare the final maps lines and
 * VmFlags of the last process with the child's own smaps.  On a
 * disagreement the run is shrunk (drop calls, narrow lengths, re-running
 * both sides each time) to a replay scenario with an @expect block holding
 * the kernel's answer.  docs/kdiff.md is the manual.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "kdiff.h"
#include "kdiff_config.h"
#include "replay.h"

#define KD_MAX_SHRINK_TRIES 3000

struct kd_ctx {
	struct kd_kernel k;
	struct kd_env env;
	struct kd_gen_opts gen;
	const char *out_dir;
	char tmpdir[64];
	char file_path[128];
	char initial_path[160];
	char cwd[PATH_MAX];
	bool live_only;
	bool shrink;
	bool verbose;
	size_t ops;
	unsigned long long compared, skipped;	/* calls, over all runs */
};

/* What one comparison found. */
struct kd_verdict {
	bool disagree;
	bool model_unavailable;
	char *what;		/* the first difference, one paragraph */
	char *kernel_view;	/* the compared lines of both sides */
	char *model_view;
	char *model_smaps;	/* the model's full smaps text */
};

static void verdict_free(struct kd_verdict *v)
{
	free(v->what);
	free(v->kernel_view);
	free(v->model_view);
	free(v->model_smaps);
	memset(v, 0, sizeof(*v));
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uvma kdiff [--seed S] [--runs N] [--ops K]\n"
		"                  [--mode window|alloc|all] [--families LIST]\n"
		"                  [--run R] [--out DIR] [--no-shrink] [--privileged]\n"
		"                  [--live-only] [--verbose]\n"
		"\n"
		"Runs N random sequences of K memory system calls for real in a\n"
		"child process and replays each sequence's trace on the model\n"
		"(--strict); a run passes when every result and the final maps\n"
		"lines and VmFlags agree.  Disagreements are written to DIR\n"
		"(trace, kernel smaps, model smaps) and shrunk to a minimal replay\n"
		"scenario with an @expect block holding the kernel's answer.\n"
		"\n"
		"  --seed S       first seed (default 1); run R of mode M uses a\n"
		"                 seed derived from S, M and R\n"
		"  --runs N       runs per mode (default 100)\n"
		"  --ops K        calls per run (default 200, at most %d)\n"
		"  --run R        only run R (0-based) of each mode: reproduce a FAIL\n"
		"  --mode M       window: fixed places in a 64-page window;\n"
		"                 alloc: ASLR off, the kernel picks addresses;\n"
		"                 all (default): both\n"
		"  --families L   comma-separated subset of\n"
		"                 %s\n"
		"  --out DIR      where failing runs and reproducers are written\n"
		"  --no-shrink    report disagreements without shrinking them\n"
		"  --privileged   keep root's capabilities in the child (the\n"
		"                 default drops to nobody, as the model's default\n"
		"                 configuration is unprivileged)\n"
		"  --live-only    run the kernel side only (checks the executor)\n"
		"  --verbose      print every run's trace\n"
		"\n"
		"Output: the kernel version and configuration, one line per\n"
		"failing run, and 'N passed, N failed'.  Exit status: 0 all runs\n"
		"passed, 1 a run failed, 2 bad usage, 3 this system cannot run\n"
		"the kernel side (no /proc/self/smaps, or fork fails).\n",
		KD_MAX_OPS, kd_families_names());
}

static uint64_t run_seed(uint64_t seed, enum kd_mode mode, unsigned long run)
{
	struct kd_rng r;

	kd_rng_seed(&r, seed * 0x100000001b3ull ^ ((uint64_t)mode << 56) ^ run);
	return kd_rng_next(&r);
}

static const char *mode_name(enum kd_mode m)
{
	return m == KD_WINDOW ? "window" : "alloc";
}

/* ---- small text helpers ---- */

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -errno;
	fputs(text ? text : "", f);
	rc = fclose(f) ? -errno : 0;
	return rc;
}

/* first_diff() - "line N: kernel 'X', model 'Y'" for two views. */
static char *first_diff(const char *k, const char *m)
{
	unsigned int line = 1;
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (!f)
		return NULL;
	while (*k || *m) {
		size_t kl = strcspn(k, "\n"), ml = strcspn(m, "\n");

		if (kl != ml || memcmp(k, m, kl) != 0) {
			fprintf(f, "final state, line %u: kernel '%.*s', model '%.*s'",
				line, (int)kl, *k ? k : "(end)", (int)ml,
				*m ? m : "(end)");
			if (!*k)
				fprintf(f, "(end)");
			break;
		}
		k += kl + (k[kl] == '\n');
		m += ml + (m[ml] == '\n');
		line++;
	}
	fclose(f);
	return s;
}

/* ---- the model side ---- */

/*
 * model_check() - replay @trace on the model (strict) and compare the
 * final state of the last process with the kernel's smaps in @l.
 */
static int model_check(struct kd_ctx *c, const struct kd_live *l,
		       const char *trace, size_t len, const char *name,
		       struct kd_verdict *v)
{
	struct replay_options o;
	struct replay *r = NULL;
	char *err = NULL, *text = NULL;
	size_t errn = 0;
	FILE *ef;
	struct uvma_mm *mm;
	int rc;

	memset(v, 0, sizeof(*v));
	ef = open_memstream(&err, &errn);
	if (!ef)
		return -ENOMEM;
	replay_options_init(&o);
	o.config = c->k.cfg;
	o.strict = true;
	o.out = ef;
	o.err = ef;
	if (c->env.mode == KD_ALLOC) {
		if (write_file(c->initial_path, l->snapshot)) {
			fclose(ef);
			free(err);
			return -EIO;
		}
		o.initial = c->initial_path;
	}
	rc = replay_create(&o, &r);
	if (rc == 0)
		rc = replay_feed_text(r, name, trace, len);
	fflush(ef);
	if (rc < 0) {
		v->model_unavailable = true;
		v->disagree = true;
		fprintf(ef, "replay engine: %s\n", strerror(-rc));
	} else if (rc != UVMA_EXIT_OK) {
		v->disagree = true;
	}
	mm = r ? replay_mm(r, l->final_pid) : NULL;
	if (mm && uvma_smaps_text(mm, 0, &text, NULL) == 0) {
		v->model_smaps = strdup(text);
		uvma_text_free(text);
	}
	v->kernel_view = kd_smaps_view(c->env.mode, l->smaps);
	v->model_view = v->model_smaps ? kd_smaps_view(c->env.mode, v->model_smaps) :
					 NULL;
	fclose(ef);
	if (v->disagree) {
		v->what = err;
		err = NULL;
	} else if (!mm) {
		v->disagree = true;
		v->what = strdup("the replay has no process for the final pid");
	} else if (!v->kernel_view || !v->model_view) {
		v->disagree = true;
		v->what = strdup("out of memory");
	} else if (strcmp(v->kernel_view, v->model_view) != 0) {
		v->disagree = true;
		v->what = first_diff(v->kernel_view, v->model_view);
	}
	free(err);
	replay_destroy(r);
	return 0;
}

/* ---- one run ---- */

enum run_outcome { RUN_PASS, RUN_DISAGREE, RUN_BROKEN };

/*
 * run_once() - execute @ops live and compare with the model.
 * @trace_out (may be NULL) receives the trace; @live_out (may be NULL)
 * the live results (caller frees with kd_live_free()).
 */
static enum run_outcome run_once(struct kd_ctx *c, const struct kd_op *ops,
				 size_t n, const char *name,
				 struct kd_verdict *v, char **trace_out,
				 struct kd_live *live_out)
{
	struct kd_live l;
	char *trace;
	size_t len;
	enum run_outcome out = RUN_PASS;

	memset(v, 0, sizeof(*v));
	if (trace_out)
		*trace_out = NULL;
	if (kd_run_live(&c->env, ops, n, &l) || !l.complete) {
		v->what = strdup(l.why[0] ? l.why : "the kernel side failed");
		kd_live_free(&l);
		return RUN_BROKEN;
	}
	trace = kd_format_trace(&c->env, ops, &l, &len);
	if (!trace) {
		v->what = strdup("out of memory");
		kd_live_free(&l);
		return RUN_BROKEN;
	}
	if (c->verbose)
		printf("# %s\n%s", name, trace);
	if (!c->live_only) {
		if (model_check(c, &l, trace, len, name, v) < 0) {
			v->what = strdup("cannot run the model");
			out = RUN_BROKEN;
		} else if (v->disagree) {
			out = RUN_DISAGREE;
		}
	}
	if (trace_out)
		*trace_out = trace;
	else
		free(trace);
	if (live_out)
		*live_out = l;
	else
		kd_live_free(&l);
	return out;
}

static bool still_disagrees(struct kd_ctx *c, const struct kd_op *ops, size_t n)
{
	struct kd_verdict v;
	enum run_outcome o = run_once(c, ops, n, "shrink", &v, NULL, NULL);

	verdict_free(&v);
	return o == RUN_DISAGREE;
}

/*
 * shrink() - delta debugging on the operation list: drop chunks of
 * calls (halving the chunk size when nothing more can go), then narrow
 * every length, keeping each change only while the live kernel and the
 * model still disagree.  Returns the new count.
 */
static size_t shrink(struct kd_ctx *c, struct kd_op *ops, size_t n)
{
	struct kd_op *cand = malloc((n ? n : 1) * sizeof(*cand));
	unsigned int tries = 0;
	size_t chunk = n / 2 ? n / 2 : 1;

	if (!cand)
		return n;
	while (chunk >= 1 && tries < KD_MAX_SHRINK_TRIES) {
		bool progress = false;

		for (size_t i = 0; i < n && n > 1 && tries < KD_MAX_SHRINK_TRIES;) {
			size_t k = chunk < n - i ? chunk : n - i;

			memcpy(cand, ops, i * sizeof(*ops));
			memcpy(cand + i, ops + i + k, (n - i - k) * sizeof(*ops));
			tries++;
			if (still_disagrees(c, cand, n - k)) {
				memcpy(ops, cand, (n - k) * sizeof(*ops));
				n -= k;
				progress = true;
			} else {
				i += k;
			}
		}
		if (!progress) {
			if (chunk == 1)
				break;
			chunk /= 2;
		} else if (chunk > n / 2 && n > 1) {
			chunk = n / 2;
		}
	}
	/* Narrow lengths: halve while the disagreement stays. */
	for (size_t i = 0; i < n && tries < KD_MAX_SHRINK_TRIES; i++) {
		uint64_t *fields[2] = { &ops[i].len, &ops[i].nlen };

		for (int f = 0; f < 2; f++) {
			while (*fields[f] > KD_PAGE && tries < KD_MAX_SHRINK_TRIES) {
				uint64_t old = *fields[f];

				*fields[f] = ((old / 2) + KD_PAGE - 1) & ~(KD_PAGE - 1);
				if (*fields[f] == old)
					break;
				tries++;
				if (!still_disagrees(c, ops, n)) {
					*fields[f] = old;
					break;
				}
			}
		}
	}
	free(cand);
	return n;
}

/*
 * scenario() - the minimal reproducer: header comments, the trace, and
 * an @expect block with the kernel's maps lines (dev/inode normalised).
 */
static char *scenario(struct kd_ctx *c, const char *name, const char *trace,
		      const struct kd_live *l, const struct kd_verdict *v)
{
	char *s = NULL, *maps;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (!f)
		return NULL;
	maps = kd_expect_view(c->env.mode, l->smaps);
	fprintf(f, "# uvma kdiff reproducer: %s (%s mode)\n", name,
		mode_name(c->env.mode));
	fprintf(f, "# kernel: %s\n", c->k.version);
	if (c->env.mode == KD_ALLOC || c->k.cfg.cap_ipc_lock)
		fprintf(f, "# replay-options:%s%s%s%s\n",
			c->env.mode == KD_ALLOC ? " --initial " : "",
			c->env.mode == KD_ALLOC ? name : "",
			c->env.mode == KD_ALLOC ? ".min.initial.smaps" : "",
			c->k.cfg.cap_ipc_lock ? " --root" : "");
	fprintf(f, "# the model said: ");
	for (const char *p = v->what ? v->what : ""; *p; p++) {
		fputc(*p, f);
		if (*p == '\n' && p[1])
			fputs("#   ", f);
	}
	if (!v->what || !*v->what || v->what[strlen(v->what) - 1] != '\n')
		fputc('\n', f);
	fputs(trace, f);
	fprintf(f, "%-5d @expect\n%s@end\n", (int)l->final_pid, maps ? maps : "");
	free(maps);
	fclose(f);
	return s;
}

static void out_path(char *buf, size_t size, const struct kd_ctx *c,
		     const char *name, const char *ext)
{
	snprintf(buf, size, "%s/%s%s", c->out_dir, name, ext);
}

/* report_failure() - write the run's files, shrink, write the reproducer. */
static void report_failure(struct kd_ctx *c, struct kd_op *ops, size_t n,
			   const char *name, const char *trace,
			   const struct kd_live *l, const struct kd_verdict *v)
{
	char path[PATH_MAX];
	struct kd_verdict mv;
	struct kd_live ml;
	char *mtrace = NULL, *scen;

	printf("FAIL %s: %s\n", name, v->what ? v->what : "(no detail)");
	if (c->out_dir) {
		out_path(path, sizeof(path), c, name, ".trace");
		write_file(path, trace);
		out_path(path, sizeof(path), c, name, ".kernel.smaps");
		write_file(path, l->smaps);
		out_path(path, sizeof(path), c, name, ".model.smaps");
		write_file(path, v->model_smaps);
		if (l->snapshot) {
			out_path(path, sizeof(path), c, name, ".initial.smaps");
			write_file(path, l->snapshot);
		}
	}
	if (!c->shrink || c->live_only)
		return;
	n = shrink(c, ops, n);
	if (run_once(c, ops, n, name, &mv, &mtrace, &ml) != RUN_DISAGREE) {
		printf("  (the disagreement did not reproduce after shrinking)\n");
		free(mtrace);
		verdict_free(&mv);
		return;
	}
	scen = scenario(c, name, mtrace, &ml, &mv);
	if (c->out_dir && scen) {
		if (ml.snapshot) {
			out_path(path, sizeof(path), c, name, ".min.initial.smaps");
			write_file(path, ml.snapshot);
		}
		out_path(path, sizeof(path), c, name, ".min.trace");
		write_file(path, scen);
		printf("  shrunk to %zu calls: %s\n", n, path);
	} else if (scen) {
		printf("  shrunk to %zu calls:\n%s", n, scen);
	}
	free(scen);
	free(mtrace);
	kd_live_free(&ml);
	verdict_free(&mv);
}

/* ---- environment ---- */

/* can_run() - 0, or a reason this system cannot run the kernel side. */
static const char *cannot_run(void)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	pid_t pid;
	int st;

	if (!f)
		return "/proc/self/smaps is not readable";
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return "/proc/self/smaps is empty";
	}
	fclose(f);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return "fork() fails";
	if (pid == 0)
		_exit(0);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return "fork() fails";
	return NULL;
}

static int make_tmp(struct kd_ctx *c)
{
	const char *t = getenv("TMPDIR");
	FILE *f;

	snprintf(c->tmpdir, sizeof(c->tmpdir), "%s/uvma-kdiff.XXXXXX",
		 t && *t && strlen(t) < 32 ? t : "/tmp");
	if (!mkdtemp(c->tmpdir))
		return -errno;
	/* The child may run as nobody: the file must be theirs to open. */
	chmod(c->tmpdir, 0755);
	snprintf(c->file_path, sizeof(c->file_path), "%s/file", c->tmpdir);
	snprintf(c->initial_path, sizeof(c->initial_path), "%s/initial.smaps",
		 c->tmpdir);
	f = fopen(c->file_path, "w");
	if (!f)
		return -errno;
	fclose(f);
	chmod(c->file_path, 0666);
	if (truncate(c->file_path, (off_t)KD_FILE_SIZE))
		return -errno;
	return 0;
}

static void remove_tmp(struct kd_ctx *c)
{
	unlink(c->file_path);
	unlink(c->initial_path);
	rmdir(c->tmpdir);
}

/* ---- options ---- */

static int parse_ulong(const char *s, unsigned long long max,
		       unsigned long long *out)
{
	char *e;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &e, 0);
	return (errno || *e || *out > max) ? -1 : 0;
}

static int bad_usage(const char *msg, const char *arg)
{
	fprintf(stderr, "uvma kdiff: %s%s%s (try --help)\n", msg,
		arg ? ": " : "", arg ? arg : "");
	return UVMA_EXIT_BADINPUT;
}

int cmd_kdiff(int argc, char **argv)
{
	struct kd_ctx c = { .shrink = true, .ops = 200 };
	unsigned long long seed = 1, runs = 100, v, only = ULLONG_MAX;
	unsigned int modes = KD_WINDOW | KD_ALLOC;
	unsigned long passed = 0, failed = 0;
	const char *why;
	struct kd_op *ops;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "--exec-child") == 0)
		return kd_child_main(argc, argv);
	c.gen.families = KDF_ALL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return UVMA_EXIT_OK;
		} else if (strcmp(a, "--seed") == 0) {
			if (parse_ulong(val, ULLONG_MAX, &seed))
				return bad_usage("--seed needs a number", val);
			i++;
		} else if (strcmp(a, "--runs") == 0) {
			if (parse_ulong(val, 100000000, &runs))
				return bad_usage("--runs needs a number", val);
			i++;
		} else if (strcmp(a, "--run") == 0) {
			if (parse_ulong(val, ULLONG_MAX - 1, &only))
				return bad_usage("--run needs a number", val);
			runs = only + 1;
			i++;
		} else if (strcmp(a, "--ops") == 0) {
			if (parse_ulong(val, KD_MAX_OPS, &v) || v == 0)
				return bad_usage("--ops needs a number from 1 to 100000", val);
			c.ops = (size_t)v;
			i++;
		} else if (strcmp(a, "--mode") == 0) {
			if (!val)
				return bad_usage("--mode needs window, alloc or all", NULL);
			if (strcmp(val, "window") == 0)
				modes = KD_WINDOW;
			else if (strcmp(val, "alloc") == 0)
				modes = KD_ALLOC;
			else if (strcmp(val, "all") == 0)
				modes = KD_WINDOW | KD_ALLOC;
			else
				return bad_usage("--mode needs window, alloc or all", val);
			i++;
		} else if (strcmp(a, "--families") == 0) {
			const char *bad = NULL;

			if (!val)
				return bad_usage("--families needs a list", NULL);
			if (kd_families_parse(val, &c.gen.families, &bad))
				return bad_usage("unknown family", bad);
			i++;
		} else if (strcmp(a, "--out") == 0) {
			if (!val)
				return bad_usage("--out needs a directory", NULL);
			c.out_dir = val;
			i++;
		} else if (strcmp(a, "--no-shrink") == 0) {
			c.shrink = false;
		} else if (strcmp(a, "--privileged") == 0) {
			c.env.privileged = true;
		} else if (strcmp(a, "--live-only") == 0) {
			c.live_only = true;
		} else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
			c.verbose = true;
		} else {
			return bad_usage("unknown argument", a);
		}
	}
	if (c.out_dir && mkdir(c.out_dir, 0755) && errno != EEXIST)
		return bad_usage("cannot create the --out directory", c.out_dir);

	kd_kernel_read(&c.k, c.env.privileged);
	kd_kernel_print(&c.k, stdout);
	why = cannot_run();
	if (why) {
		printf("uvma kdiff: cannot run the kernel side here: %s\n", why);
		return UVMA_EXIT_UNAVAILABLE;
	}
	rc = make_tmp(&c);
	if (rc) {
		fprintf(stderr, "uvma kdiff: temporary file: %s\n", strerror(-rc));
		remove_tmp(&c);
		return UVMA_EXIT_UNAVAILABLE;
	}
	c.env.file_path = c.file_path;
	c.env.cwd = getcwd(c.cwd, sizeof(c.cwd)) ? c.cwd : "/";
	c.env.self_exe = "/proc/self/exe";
	c.gen.privileged = c.env.privileged;
	signal(SIGPIPE, SIG_IGN);
	ops = malloc(c.ops * sizeof(*ops));
	if (!ops) {
		remove_tmp(&c);
		fprintf(stderr, "uvma kdiff: out of memory\n");
		return UVMA_EXIT_FAIL;
	}
	for (unsigned int m = KD_WINDOW; m <= KD_ALLOC; m <<= 1) {
		if (!(modes & m))
			continue;
		c.env.mode = (enum kd_mode)m;
		c.gen.mode = c.env.mode;
		for (unsigned long r = only == ULLONG_MAX ? 0 : only; r < runs; r++) {
			struct kd_rng rng;
			struct kd_verdict vd;
			struct kd_live l;
			char name[96], *trace = NULL;
			enum run_outcome o;

			snprintf(name, sizeof(name), "kdiff-%s-%llu-%lu",
				 mode_name(c.env.mode), seed, r);
			kd_rng_seed(&rng, run_seed(seed, c.env.mode, r));
			kd_generate(&c.gen, &rng, ops, c.ops);
			o = run_once(&c, ops, c.ops, name, &vd, &trace, &l);
			for (size_t i = 0; trace && i < l.nrecs; i++) {
				if (l.recs[i].status == KD_SKIPPED)
					c.skipped++;
				else
					c.compared++;
			}
			if (o == RUN_PASS) {
				passed++;
			} else if (o == RUN_BROKEN) {
				failed++;
				printf("FAIL %s: %s\n", name, vd.what ? vd.what : "?");
			} else {
				failed++;
				report_failure(&c, ops, c.ops, name, trace, &l, &vd);
			}
			if (trace)
				kd_live_free(&l);
			free(trace);
			verdict_free(&vd);
			fflush(stdout);
		}
	}
	free(ops);
	remove_tmp(&c);
	printf("calls: %llu made on both sides, %llu skipped (not determined "
	       "by the trace)\n", c.compared, c.skipped);
	printf("%lu passed, %lu failed\n", passed, failed);
	return failed ? UVMA_EXIT_FAIL : UVMA_EXIT_OK;
}
