/* SPDX-License-Identifier: MIT */
/*
 * space.h - the address space `uvma explain` and `uvma draw` look at, and
 * how they get it: replay a TRACE (optionally from an --initial
 * snapshot) and take the last process or --pid; or import a snapshot
 * alone; or read a live process's /proc/PID/smaps.  Also the trace
 * budget (`--budget`): VMA counts over a replay against max_map_count.
 */
#ifndef UVMA_TOOLS_SPACE_H
#define UVMA_TOOLS_SPACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "replay.h"

/* Where the address space comes from. */
struct space_args {
	const char *cmd;		/* "explain", for messages */
	const char *initial;		/* --initial SNAPSHOT, or NULL */
	const char *trace;		/* TRACE path ("-": stdin), or NULL */
	long pid;			/* --pid: process of the trace (0: last) */
	bool live;			/* --pid names a live process (no TRACE) */
	struct uvma_config config;
	/* Called after every replayed line (may be NULL). */
	void (*on_event)(void *ctx, const struct replay_event *ev);
	void *ctx;
	FILE *replay_out;		/* the trace's @maps output (NULL: dropped) */
};

struct space {
	struct uvma_mm *mm;		/* the address space to look at */
	bool snapshot;			/* imported text: see UVMA_EXPLAIN_SNAPSHOT */
	char *trace_text;		/* the trace, read whole (NULL: none) */
	size_t trace_len;
	struct replay *replay;		/* owns mm when set */
	struct uvma_mm *own_mm;		/* else mm is this, ours */
};

/*
 * space_open() - load what @a names into @sp.  Messages go to stderr as
 * "FILE:LINE: ..." or "uvma CMD: ...".  Returns UVMA_EXIT_OK, or the exit
 * status to end with (UVMA_EXIT_BADINPUT / UVMA_EXIT_FAIL).
 */
int space_open(const struct space_args *a, struct space *sp);
void space_close(struct space *sp);

/*
 * space_option() - the options every command that takes a source shares,
 * at argv[*i]: --initial SNAPSHOT, --pid PID and the replay's
 * configuration flags (--max-map-count N, --thp MODE, ...; see `uvma
 * replay --help`).  Advances *@i past a value.  Returns 1 if the option
 * was one of these, 0 if not, -1 after printing why it is malformed.
 */
int space_option(struct space_args *a, int argc, char **argv, int *i);

/* fmt_perms() - "rw-p" as maps prints it. */
void fmt_perms(uint64_t flags, char out[5]);
/* fmt_size() - "4 KiB", "1.3 MiB". */
void fmt_size(uint64_t bytes, char *buf, size_t n);

/* parse_addr() - a hex address ("0x" optional), as maps prints them. */
int parse_addr(const char *s, uint64_t *out);
/* parse_long() - a decimal number >= 0. */
int parse_long(const char *s, long *out);
/* is_addr_arg() - @s parses as an address and names no file. */
bool is_addr_arg(const char *s);

/* ---- the budget report (`--budget`) ---- */

struct budget;

/* budget_create() - a budget collector; NULL on allocation failure. */
struct budget *budget_create(void);
void budget_destroy(struct budget *b);
/* budget_set_limit() - note where the count first exceeds @limit (0: off). */
void budget_set_limit(struct budget *b, int64_t limit);
/* budget_on_event() - replay_options.on_event with ctx = the budget. */
void budget_on_event(void *ctx, const struct replay_event *ev);
/*
 * budget_report() - print the report on @out: counts against
 * @cfg->max_map_count, the peak and where, the calls and lines that added
 * the most VMAs; with @limit > 0, where the count first exceeds @limit
 * and, replaying @trace again with max_map_count = @limit (and
 * @initial), the first call that then fails.  Returns 0 or -ENOMEM.
 */
int budget_report(struct budget *b, FILE *out, const struct uvma_config *cfg,
		  int64_t limit, const char *initial, const char *trace_name,
		  const char *trace, size_t trace_len);

/*
 * budget_run() - what `replay --budget[=N]` needs in one call: replay
 * @trace_name (read whole; "-" is stdin) under @o with a budget attached
 * to on_event (chaining @o's own), then print the report on o->out.
 * Returns the replay's status (UVMA_EXIT_*), or UVMA_EXIT_BADINPUT.
 */
int budget_run(const struct replay_options *o, const char *trace_name,
	       int64_t limit);

#endif
