/* SPDX-License-Identifier: MIT */
/*
 * budget.c - `--budget`: how a trace spends vm.max_map_count.
 *
 * Attached to a replay through replay_options.on_event, it follows each
 * process's VMA count line by line: the peak and where it was, the calls
 * (by name, and by trace line) that added the most VMAs, and, for a given
 * limit N, where the count first exceeds N and which call would fail first
 * if the process ran with max_map_count = N.  That last answer comes from
 * replaying the trace again under the lower limit and finding the first
 * call whose result changes, so the kernel's own limit checks (mmap's
 * "count > max", a split's "count >= max", madvise's EAGAIN) decide it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "space.h"

#define BUDGET_TOP 8

struct budget_pid {
	long pid;
	int64_t count;
};

struct budget_call {
	char name[24];
	uint64_t calls;
	int64_t added;		/* sum of positive deltas */
	int64_t removed;	/* sum of negative deltas, as a positive number */
};

struct budget_line {
	unsigned int line;
	long pid;
	char call[24];
	int64_t delta, after;
};

struct budget {
	struct budget_pid *pids;
	size_t npids, cap_pids;
	struct budget_call *calls;
	size_t ncalls, cap_calls;
	struct budget_call directives;	/* @ lines, left out of the table */
	struct budget_line top[BUDGET_TOP];	/* largest deltas, descending */
	size_t ntop;
	int64_t peak, first_count;
	struct budget_line peak_at;
	unsigned long events;
	char file[256];
	/* Results of every event, for the comparison run. */
	int64_t *results;
	size_t nresults, cap_results;
	/* The comparison run: first event whose result differs. */
	bool comparing;
	size_t cmp_index;
	bool cmp_found;
	struct budget_line cmp_at;
	int64_t cmp_was, cmp_now;
	/* First event whose count exceeds the limit (first run). */
	int64_t limit;
	bool over_found;
	struct budget_line over_at;
	bool nomem;
};

struct budget *budget_create(void)
{
	return calloc(1, sizeof(struct budget));
}

void budget_set_limit(struct budget *b, int64_t limit)
{
	b->limit = limit;
}

void budget_destroy(struct budget *b)
{
	if (!b)
		return;
	free(b->pids);
	free(b->calls);
	free(b->results);
	free(b);
}

/* grow() - make room for one more element of @size in *@v. */
static bool grow(void **v, size_t n, size_t *cap, size_t size)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 16;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return false;
	*v = nv;
	*cap = ncap;
	return true;
}

static struct budget_pid *pid_slot(struct budget *b, long pid)
{
	for (size_t i = 0; i < b->npids; i++)
		if (b->pids[i].pid == pid)
			return &b->pids[i];
	if (!grow((void **)&b->pids, b->npids, &b->cap_pids, sizeof(*b->pids)))
		return NULL;
	b->pids[b->npids] = (struct budget_pid){ .pid = pid, .count = -1 };
	return &b->pids[b->npids++];
}

static struct budget_call *call_slot(struct budget *b, const char *name)
{
	for (size_t i = 0; i < b->ncalls; i++)
		if (strcmp(b->calls[i].name, name) == 0)
			return &b->calls[i];
	if (!grow((void **)&b->calls, b->ncalls, &b->cap_calls, sizeof(*b->calls)))
		return NULL;
	memset(&b->calls[b->ncalls], 0, sizeof(*b->calls));
	snprintf(b->calls[b->ncalls].name, sizeof(b->calls->name), "%s", name);
	return &b->calls[b->ncalls++];
}

/* pid_str() - " (pid N)" when the trace names processes, else "". */
static const char *pid_str(long pid, char *buf, size_t n)
{
	if (!pid)
		return "";
	snprintf(buf, n, " (pid %ld)", pid);
	return buf;
}

static void set_line(struct budget_line *l, const struct replay_event *ev,
		     int64_t delta, int64_t after)
{
	l->line = ev->line;
	l->pid = ev->pid;
	snprintf(l->call, sizeof(l->call), "%s", ev->call ? ev->call : "?");
	l->delta = delta;
	l->after = after;
}

/* note_top() - keep the BUDGET_TOP largest positive deltas (earliest first on ties). */
static void note_top(struct budget *b, const struct replay_event *ev,
		     int64_t delta, int64_t after)
{
	size_t i;

	if (delta <= 0)
		return;
	if (b->ntop == BUDGET_TOP && b->top[BUDGET_TOP - 1].delta >= delta)
		return;
	i = b->ntop < BUDGET_TOP ? b->ntop++ : BUDGET_TOP - 1;
	while (i > 0 && b->top[i - 1].delta < delta) {
		b->top[i] = b->top[i - 1];
		i--;
	}
	set_line(&b->top[i], ev, delta, after);
}

static void compare_event(struct budget *b, const struct replay_event *ev)
{
	size_t i = b->cmp_index++;

	if (b->cmp_found || i >= b->nresults)
		return;
	if (ev->model != b->results[i]) {
		b->cmp_found = true;
		set_line(&b->cmp_at, ev, 0, ev->mm ? uvma_mm_map_count(ev->mm) : 0);
		b->cmp_was = b->results[i];
		b->cmp_now = ev->model;
	}
}

void budget_on_event(void *ctx, const struct replay_event *ev)
{
	struct budget *b = ctx;
	struct budget_pid *p;
	struct budget_call *c;
	int64_t count, before, delta;

	if (b->comparing) {
		compare_event(b, ev);
		return;
	}
	if (!grow((void **)&b->results, b->nresults, &b->cap_results,
		  sizeof(*b->results))) {
		b->nomem = true;
		return;
	}
	b->results[b->nresults++] = ev->model;
	if (!b->events && ev->file)
		snprintf(b->file, sizeof(b->file), "%s", ev->file);
	b->events++;
	if (!ev->mm)
		return;
	count = uvma_mm_map_count(ev->mm);
	p = pid_slot(b, ev->pid);
	/* Directives (@maps, @fault...) count, but are not calls. */
	c = ev->call && ev->call[0] == '@' ? &b->directives :
					      call_slot(b, ev->call ? ev->call : "?");
	if (!p || !c) {
		b->nomem = true;
		return;
	}
	/* A process's first event: its count before is unknown; take the
	 * count after as its start (fork children start as copies). */
	before = p->count < 0 ? count : p->count;
	if (b->npids == 1 && p->count < 0)
		b->first_count = count;
	p->count = count;
	delta = count - before;
	c->calls++;
	if (delta > 0)
		c->added += delta;
	else
		c->removed -= delta;
	note_top(b, ev, delta, count);
	if (count > b->peak) {
		b->peak = count;
		set_line(&b->peak_at, ev, delta, count);
	}
	if (b->limit > 0 && !b->over_found && count > b->limit) {
		b->over_found = true;
		set_line(&b->over_at, ev, delta, count);
	}
}

static int cmp_calls(const void *x, const void *y)
{
	const struct budget_call *a = x, *b = y;

	if (a->added != b->added)
		return a->added < b->added ? 1 : -1;
	return strcmp(a->name, b->name);
}

static void print_result(FILE *out, int64_t r)
{
	if (r < 0 && r >= -4095)
		fprintf(out, "-%s (%s)", r == -ENOMEM ? "ENOMEM" :
			r == -EAGAIN ? "EAGAIN" : "errno", strerror((int)-r));
	else
		fprintf(out, "%#" PRIx64, (uint64_t)r);
}

/* rerun() - replay the trace again with max_map_count = @limit, comparing. */
static int rerun(struct budget *b, const struct uvma_config *cfg, int64_t limit,
		 const char *initial, const char *name, const char *trace,
		 size_t len)
{
	struct replay_options o;
	struct replay *r;
	FILE *null = fopen("/dev/null", "w");
	int rc;

	replay_options_init(&o);
	o.config = *cfg;
	o.config.max_map_count = limit;
	o.initial = initial;
	o.on_event = budget_on_event;
	o.ctx = b;
	if (null) {
		o.out = null;
		o.err = null;
	}
	b->comparing = true;
	b->cmp_index = 0;
	rc = replay_create(&o, &r);
	if (rc == 0) {
		rc = replay_feed_text(r, name, trace, len);
		replay_destroy(r);
	}
	b->comparing = false;
	if (null)
		fclose(null);
	return rc < 0 ? rc : 0;
}

int budget_report(struct budget *b, FILE *out, const struct uvma_config *cfg,
		  int64_t limit, const char *initial, const char *trace_name,
		  const char *trace, size_t trace_len)
{
	const char *f = b->file[0] ? b->file : trace_name;
	int64_t max = cfg->max_map_count;
	char pb[32];

	if (b->nomem)
		return -ENOMEM;
	fprintf(out, "budget: %lu lines replayed, vm.max_map_count %" PRId64 "\n",
		b->events, max);
	if (!b->npids) {
		fprintf(out, "  no process made a call\n");
		return 0;
	}
	fprintf(out, "  VMAs: %" PRId64 " after the first line", b->first_count);
	for (size_t i = 0; i < b->npids; i++) {
		if (b->pids[i].pid)
			fprintf(out, "%s pid %ld ends with %" PRId64, i ? "," : ";",
				b->pids[i].pid, b->pids[i].count);
		else
			fprintf(out, "; %" PRId64 " at the end", b->pids[i].count);
	}
	fprintf(out, "\n  peak: %" PRId64 " VMAs (%.2f%% of %" PRId64 ") at %s:%u %s%s\n",
		b->peak, max > 0 ? 100.0 * (double)b->peak / (double)max : 0.0,
		max, f, b->peak_at.line, b->peak_at.call,
		pid_str(b->peak_at.pid, pb, sizeof(pb)));
	qsort(b->calls, b->ncalls, sizeof(*b->calls), cmp_calls);
	fprintf(out, "  calls by VMAs added (splits and new VMAs):\n");
	for (size_t i = 0; i < b->ncalls; i++) {
		const struct budget_call *c = &b->calls[i];

		fprintf(out, "    %-16s %6" PRIu64 " calls  +%-6" PRId64 " -%-6" PRId64
			" net %+.2f per call\n", c->name, c->calls, c->added,
			c->removed, (double)(c->added - c->removed) / (double)c->calls);
	}
	if (b->ntop) {
		fprintf(out, "  lines that added the most VMAs:\n");
		for (size_t i = 0; i < b->ntop; i++)
			fprintf(out, "    %s:%u  %-12s +%" PRId64 " -> %" PRId64 "%s\n",
				f, b->top[i].line, b->top[i].call, b->top[i].delta,
				b->top[i].after, pid_str(b->top[i].pid, pb, sizeof(pb)));
	}
	if (limit <= 0)
		return 0;
	if (b->over_found)
		fprintf(out, "  at max_map_count %" PRId64 ": the count first exceeds it at %s:%u %s (%" PRId64 " VMAs)%s\n",
			limit, f, b->over_at.line, b->over_at.call,
			b->over_at.after, pid_str(b->over_at.pid, pb, sizeof(pb)));
	else
		fprintf(out, "  at max_map_count %" PRId64 ": the count never exceeds it\n",
			limit);
	if (!trace)
		return 0;
	if (rerun(b, cfg, limit, initial, trace_name, trace, trace_len))
		return -ENOMEM;
	if (b->cmp_found) {
		fprintf(out, "  replayed with max_map_count %" PRId64 ": the first call to fail is %s:%u %s -> ",
			limit, f, b->cmp_at.line, b->cmp_at.call);
		print_result(out, b->cmp_now);
		fprintf(out, " (was ");
		print_result(out, b->cmp_was);
		fprintf(out, ")\n");
	} else {
		fprintf(out, "  replayed with max_map_count %" PRId64 ": every call returns what it returned before\n",
			limit);
	}
	return 0;
}

/* Chain the caller's on_event behind the budget's. */
struct budget_chain {
	struct budget *b;
	void (*next)(void *ctx, const struct replay_event *ev);
	void *next_ctx;
};

static void chain_event(void *ctx, const struct replay_event *ev)
{
	struct budget_chain *c = ctx;

	budget_on_event(c->b, ev);
	if (c->next)
		c->next(c->next_ctx, ev);
}

int budget_run(const struct replay_options *o, const char *trace_name,
	       int64_t limit)
{
	struct budget_chain chain = { .next = o->on_event, .next_ctx = o->ctx };
	struct space_args a = { .cmd = "replay", .trace = trace_name,
				.initial = o->initial, .config = o->config,
				.on_event = chain_event, .ctx = &chain };
	char *held = NULL;
	size_t held_len = 0;
	struct space sp;
	int rc = UVMA_EXIT_BADINPUT;

	/* Output is held back: malformed input prints nothing on stdout. */
	a.replay_out = open_memstream(&held, &held_len);
	chain.b = budget_create();
	if (!chain.b || !a.replay_out) {
		fprintf(stderr, "uvma replay: out of memory\n");
		goto out;
	}
	budget_set_limit(chain.b, limit);
	rc = space_open(&a, &sp);
	if (rc == UVMA_EXIT_OK &&
	    budget_report(chain.b, a.replay_out, &o->config, limit, o->initial,
			  trace_name, sp.trace_text, sp.trace_len)) {
		fprintf(stderr, "uvma replay: out of memory\n");
		rc = UVMA_EXIT_BADINPUT;
	}
	space_close(&sp);
	fflush(a.replay_out);
	if (rc != UVMA_EXIT_BADINPUT && held_len)
		fwrite(held, 1, held_len, o->out ? o->out : stdout);
out:
	if (a.replay_out)
		fclose(a.replay_out);
	free(held);
	budget_destroy(chain.b);
	return rc;
}
