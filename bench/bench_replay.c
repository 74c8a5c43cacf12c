/* SPDX-License-Identifier: MIT */
/*
 * bench_replay.c - speed of `uvma replay`'s engine (tools/replay.h) on a
 * generated strace log of 10^6 lines.
 *
 * The log looks like strace -f -tt -y output of two processes: mmap with
 * and without hints, mprotect splits and merges, munmap, mremap growing in
 * place, madvise, brk, file mappings through openat/close, with calls the
 * replay skips (read, write, futex), signals and comments mixed in.  The
 * results written into it come from running the same calls on a uvma
 * address space while generating, so a --strict replay agrees with every
 * line and the figure is parsing plus the model's own work.  A second
 * figure replays the same lines with the results stripped from the
 * mmaps' addresses changed (every placement followed), and a third
 * parses only (the model's calls are replaced by comments of the same
 * length) to show where the time goes.
 *
 * Usage: bench_replay [--quick] [--lines N] [--write FILE]
 * (not a test: ctest never runs it)
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "replay.h"

#define PG ((uint64_t)4096)
#define BASE ((uint64_t)0x7e0000000000)
#define SLOTS 512
#define SLOT_SPAN (64 * PG)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* The model calls of the strict trace, to time the model alone. */
enum { O_MMAP, O_MUNMAP, O_MPROTECT, O_MREMAP, O_MADVISE, O_BRK, O_FMMAP };
struct op {
	uint8_t kind;
	int prot;
	uint64_t a, b, c;
};
static struct op *ops;
static size_t nops, ops_cap;
static bool logging;

static void log_op(int kind, uint64_t a, uint64_t b, uint64_t c, int prot)
{
	if (!logging)
		return;
	if (nops == ops_cap) {
		ops_cap = ops_cap ? ops_cap * 2 : 1 << 16;
		ops = realloc(ops, ops_cap * sizeof(*ops));
		if (!ops) {
			perror("realloc");
			exit(1);
		}
	}
	ops[nops++] = (struct op){ (uint8_t)kind, prot, a, b, c };
}

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

struct text {
	char *p;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->cap - t->len < 512) {
		t->cap = t->cap ? t->cap * 2 : 1 << 20;
		t->p = realloc(t->p, t->cap);
		if (!t->p) {
			perror("realloc");
			exit(1);
		}
	}
	va_start(ap, fmt);
	n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static const char *res(char *buf, int64_t v)
{
	static const char *const names[] = {
		[1] = "EPERM", [11] = "EAGAIN", [12] = "ENOMEM", [13] = "EACCES",
		[14] = "EFAULT", [17] = "EEXIST", [22] = "EINVAL",
	};

	if (v < 0 && v > -23 && names[-v])
		sprintf(buf, "-1 %s (x)", names[-v]);
	else if (v < 0)
		sprintf(buf, "-1 EINVAL (x)");
	else if (v > 0xffff)
		sprintf(buf, "%#" PRIx64, (uint64_t)v);
	else
		sprintf(buf, "%" PRId64, v);
	return buf;
}

static const char *const prots[] = {
	"PROT_NONE", "PROT_READ", "PROT_READ|PROT_WRITE",
	"PROT_READ|PROT_EXEC",
};
static const int prot_v[] = { 0, 1, 3, 5 };

/*
 * The machine is shared: figures are CPU time of this process (what the
 * work costs), with wall time printed beside them (what a user waits,
 * inflated when other jobs hold the cores).
 */
static double wall_best;

static double clock_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
	return clock_of(CLOCK_PROCESS_CPUTIME_ID);
}

static double wall(void)
{
	return clock_of(CLOCK_MONOTONIC);
}

/* gen() - @n lines; the results come from @mm, which replays as we go. */
static void gen(struct text *t, size_t n, bool strip)
{
	struct uvma_mm *mm;
	struct uvma_file *file;
	struct uvma_file_desc d = { .path = "/usr/lib/x86_64-linux-gnu/libbench.so",
				    .dev_major = 254, .ino = 4242,
				    .size = 1 << 20 };
	uint64_t slot_len[SLOTS] = { 0 };
	uint64_t loose[64] = { 0 }, loose_len[64] = { 0 };
	char r1[48];
	unsigned int sec = 0, usec = 0;
	uint64_t brk_cur = 0x555555559000ull;

	uvma_mm_create(NULL, &mm);
	uvma_mm_set_brk_start(mm, brk_cur);
	uvma_file_create(&d, &file);
	for (size_t i = 0; i < n; i++) {
		unsigned pid = (rnd() & 7) ? 4321 : 4322;
		unsigned k = (unsigned)(rnd() % 100);
		unsigned s = (unsigned)(rnd() % SLOTS);
		uint64_t a = BASE + s * SLOT_SPAN;
		char ts[32];
		int64_t v;

		usec += 7;
		if (usec >= 1000000)
			usec -= 1000000, sec++;
		snprintf(ts, sizeof(ts), "%u %02u:%02u:%02u.%06u ", pid,
			 10 + sec / 3600 % 10, sec / 60 % 60, sec % 60, usec);
		if (pid == 4322) {	/* the second process: skipped calls */
			put(t, "%sfutex(0x7ffff7dd0a10, FUTEX_WAKE_PRIVATE, 1) = 0\n", ts);
			continue;
		}
		if (k < 30) {
			if (slot_len[s]) {
				v = uvma_munmap(mm, a, slot_len[s] * PG);
				log_op(O_MUNMAP, a, slot_len[s] * PG, 0, 0);
				put(t, "%smunmap(%#" PRIx64 ", %" PRIu64 ") = %s\n", ts,
				    a, slot_len[s] * PG, res(r1, v));
				slot_len[s] = 0;
			} else {
				uint64_t pages = 1 + rnd() % 8;
				int p = (int)(rnd() % 4);

				v = uvma_mmap(mm, a, pages * PG, prot_v[p], 0x22, NULL, 0);
				log_op(O_MMAP, a, pages * PG, 0, prot_v[p]);
				put(t, "%smmap(%#" PRIx64 ", %" PRIu64 ", %s, "
				    "MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %s\n", ts, a,
				    pages * PG, prots[p], res(r1, v));
				slot_len[s] = v == (int64_t)a ? pages : 0;
			}
		} else if (k < 55) {
			uint64_t len = slot_len[s] ? slot_len[s] : 1;
			uint64_t off = rnd() % len;
			int p = (int)(rnd() % 4);

			v = uvma_mprotect(mm, a + off * PG, (len - off) * PG, prot_v[p]);
			log_op(O_MPROTECT, a + off * PG, (len - off) * PG, 0, prot_v[p]);
			put(t, "%smprotect(%#" PRIx64 ", %" PRIu64 ", %s) = %s\n", ts,
			    a + off * PG, (len - off) * PG, prots[p], res(r1, v));
		} else if (k < 62) {
			uint64_t len = slot_len[s];
			uint64_t grow = 1 + rnd() % 4;

			if (!len || len + grow > 32) {
				put(t, "%sread(3</etc/passwd>, \"root:x:0:0:root:/root:/bin/bash\\n"
				    "daemon:x:1:1:daemon\"..., 4096) = 1234\n", ts);
				continue;
			}
			v = uvma_mremap(mm, a, len * PG, (len + grow) * PG, 0, 0);
			log_op(O_MREMAP, a, len * PG, (len + grow) * PG, 0);
			put(t, "%smremap(%#" PRIx64 ", %" PRIu64 ", %" PRIu64 ", 0) = %s\n",
			    ts, a, len * PG, (len + grow) * PG, res(r1, v));
			if (v == (int64_t)a)
				slot_len[s] = len + grow;
		} else if (k < 70) {
			uint64_t len = slot_len[s] ? slot_len[s] : 1;

			v = uvma_madvise(mm, a, len * PG, 4);
			log_op(O_MADVISE, a, len * PG, 0, 0);
			put(t, "%smadvise(%#" PRIx64 ", %" PRIu64 ", MADV_DONTNEED) = %s\n",
			    ts, a, len * PG, res(r1, v));
		} else if (k < 78) {
			unsigned j = (unsigned)(rnd() % 64);

			if (loose[j]) {
				v = uvma_munmap(mm, loose[j], loose_len[j]);
				log_op(O_MUNMAP, loose[j], loose_len[j], 0, 0);
				put(t, "%smunmap(%#" PRIx64 ", %" PRIu64 ") = %s\n", ts,
				    loose[j], loose_len[j], res(r1, v));
				loose[j] = 0;
			} else {
				uint64_t len = (1 + rnd() % 16) * PG;

				v = uvma_mmap(mm, 0, len, 3, 0x22, NULL, 0);
				log_op(O_MMAP, 0, len, 0, 3);
				if (strip && v > 0)
					put(t, "%smmap(NULL, %" PRIu64 ", PROT_READ|PROT_WRITE, "
					    "MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %#" PRIx64 "\n",
					    ts, len, (uint64_t)v - (uint64_t)0x100000000);
				else
					put(t, "%smmap(NULL, %" PRIu64 ", PROT_READ|PROT_WRITE, "
					    "MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %s\n", ts, len,
					    res(r1, v));
				if (v > 0) {
					loose[j] = (uint64_t)v;
					loose_len[j] = len;
				}
			}
		} else if (k < 82) {
			uint64_t target = brk_cur + ((rnd() & 1) ? 33 * PG : 0) -
					  ((rnd() & 1) && brk_cur > 0x555555559000ull + 40 * PG ?
					   33 * PG : 0);

			v = (int64_t)uvma_brk(mm, target);
			log_op(O_BRK, target, 0, 0, 0);
			put(t, "%sbrk(%#" PRIx64 ") = %#" PRIx64 "\n", ts, target,
			    (uint64_t)v);
			brk_cur = (uint64_t)v;
		} else if (k < 86) {
			uint64_t fa = BASE - (1 + s % 64) * 16 * PG;

			v = uvma_mmap(mm, fa, 4 * PG, 1, 0x12, file, 0);
			log_op(O_FMMAP, fa, 4 * PG, 0, 1);
			put(t, "%smmap(%#" PRIx64 ", 16384, PROT_READ, MAP_PRIVATE|MAP_FIXED, "
			    "3</usr/lib/x86_64-linux-gnu/libbench.so>, 0) = %s\n", ts, fa,
			    res(r1, v));
		} else if (k < 92) {
			put(t, "%swrite(1</dev/pts/0>, \"hello\\n\", 6) = 6 <0.000011>\n", ts);
		} else if (k < 95) {
			put(t, "%s--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, "
			    "si_pid=4323, si_uid=0, si_status=0} ---\n", ts);
		} else {
			put(t, "# a comment line of the kind a hand-written scenario has\n");
		}
	}
	uvma_file_unref(file);
	uvma_mm_destroy(mm);
}


/* run() - best seconds of @reps replays of @t. */
static double run(const struct text *t, bool strict, int reps,
		  unsigned long *mismatches)
{
	double best = 1e30;

	wall_best = 1e30;
	for (int i = 0; i < reps; i++) {
		struct replay_options o;
		struct replay *r;
		double t0, t1, w0, w1;
		int rc;

		replay_options_init(&o);
		o.strict = strict;
		o.err = fopen("/dev/null", "w");
		if (replay_create(&o, &r)) {
			fprintf(stderr, "replay_create failed\n");
			exit(1);
		}
		w0 = wall();
		t0 = now();
		rc = replay_feed_text(r, "bench", t->p, t->len);
		t1 = now();
		w1 = wall();
		if (w1 - w0 < wall_best)
			wall_best = w1 - w0;
		if (rc != 0) {
			fprintf(stderr, "replay failed: %d\n", rc);
			exit(1);
		}
		*mismatches = replay_mismatches(r);
		replay_destroy(r);
		fclose(o.err);
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

/* model_only() - best seconds of the strict trace's calls made directly. */
static double model_only(int reps)
{
	double best = 1e30;

	wall_best = 1e30;
	for (int i = 0; i < reps; i++) {
		struct uvma_mm *mm;
		struct uvma_file *file;
		struct uvma_file_desc d = {
			.path = "/usr/lib/x86_64-linux-gnu/libbench.so",
			.dev_major = 254, .ino = 4242, .size = 1 << 20 };
		double t0, t1, w0, w1;

		uvma_mm_create(NULL, &mm);
		uvma_mm_set_brk_start(mm, 0x555555559000ull);
		uvma_file_create(&d, &file);
		w0 = wall();
		t0 = now();
		for (size_t k = 0; k < nops; k++) {
			const struct op *o = &ops[k];

			switch (o->kind) {
			case O_MMAP: uvma_mmap(mm, o->a, o->b, o->prot, 0x22, NULL, 0); break;
			case O_FMMAP: uvma_mmap(mm, o->a, o->b, o->prot, 0x12, file, 0); break;
			case O_MUNMAP: uvma_munmap(mm, o->a, o->b); break;
			case O_MPROTECT: uvma_mprotect(mm, o->a, o->b, o->prot); break;
			case O_MREMAP: uvma_mremap(mm, o->a, o->b, o->c, 0, 0); break;
			case O_MADVISE: uvma_madvise(mm, o->a, o->b, 4); break;
			case O_BRK: uvma_brk(mm, o->a); break;
			}
		}
		t1 = now();
		w1 = wall();
		if (w1 - w0 < wall_best)
			wall_best = w1 - w0;
		uvma_file_unref(file);
		uvma_mm_destroy(mm);
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

/* parse_only() - the same text with the applied calls' names changed to
 * an unknown call, so the engine parses the prefix and skips them. */
static void parse_only(struct text *t)
{
	for (size_t i = 0; i + 1 < t->len; i++)
		if (t->p[i] == ' ' && t->p[i + 1] == 'm' &&
		    (!strncmp(t->p + i + 1, "mmap(", 5) ||
		     !strncmp(t->p + i + 1, "munmap(", 7) ||
		     !strncmp(t->p + i + 1, "mprotect(", 9) ||
		     !strncmp(t->p + i + 1, "mremap(", 7) ||
		     !strncmp(t->p + i + 1, "madvise(", 8)))
			t->p[i + 1] = 'x';
}

int main(int argc, char **argv)
{
	size_t lines = 1000000;
	int reps = 3;
	const char *write_to = NULL;
	struct text strict_t = { 0 }, follow_t = { 0 };
	unsigned long mis_s, mis_f, mis_p;
	double ts, tf, tp, tm, ws, wf, wp, wm;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			reps = 1;
		else if (!strcmp(argv[i], "--lines") && i + 1 < argc)
			lines = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--write") && i + 1 < argc)
			write_to = argv[++i];
		else {
			fprintf(stderr, "usage: bench_replay [--quick] [--lines N] "
				"[--write FILE]\n");
			return 2;
		}
	}
	logging = true;
	gen(&strict_t, lines, false);
	logging = false;
	rng_state = 0x9e3779b97f4a7c15ull;
	gen(&follow_t, lines, true);
	if (write_to) {
		FILE *f = fopen(write_to, "w");

		if (!f || fwrite(strict_t.p, 1, strict_t.len, f) != strict_t.len) {
			perror(write_to);
			return 1;
		}
		fclose(f);
	}
	ts = run(&strict_t, true, reps, &mis_s);
	ws = wall_best;
	tm = model_only(reps);
	wm = wall_best;
	tf = run(&follow_t, false, reps, &mis_f);
	wf = wall_best;
	parse_only(&strict_t);
	tp = run(&strict_t, false, reps, &mis_p);
	wp = wall_best;
	printf("uvma replay: %zu generated lines (%.1f MiB), best of %d; lines/s by\n"
	       "CPU time (wall time beside it: inflated when other jobs share the cores)\n\n",
	       lines, (double)follow_t.len / (1 << 20), reps);
	printf("  %-34s %8s %11s %8s %11s %9s\n", "trace", "cpu s", "lines/s",
	       "wall s", "lines/s", "mismatch");
#define ROW(name, t, w, m) \
	printf("  %-34s %8.3f %11.0f %8.3f %11.0f %9s\n", name, t, \
	       (double)lines / (t), w, (double)lines / (w), m)
	{
		char a[24], b[24], c[24];

		snprintf(a, sizeof(a), "%lu", mis_s);
		snprintf(b, sizeof(b), "%lu", mis_f);
		snprintf(c, sizeof(c), "%lu", mis_p);
		ROW("strict (every result agrees)", ts, ws, a);
		ROW("follow (mmap(NULL) moved 4 GiB)", tf, wf, b);
		ROW("parse only (calls renamed)", tp, wp, c);
		ROW("model alone (the same calls)", tm, wm, "-");
	}
#undef ROW
	printf("\n%zu model calls: %.0f ns each; the engine adds %.0f ns per line\n"
	       "(strict minus model alone, CPU time, over all lines)\n",
	       nops, tm * 1e9 / (double)nops, (ts - tm) * 1e9 / (double)lines);
	printf("target: >= 2000000 lines/s (strict, CPU time): %.2fM  %s\n",
	       (double)lines / ts / 1e6, (double)lines / ts >= 2e6 ? "met" : "MISSED");
	free(strict_t.p);
	free(follow_t.p);
	return 0;
}
