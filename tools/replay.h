/* SPDX-License-Identifier: MIT */
/*
 * replay.h - the trace replay engine behind `uvma replay`, shared by
 * kdiff, explain and draw (and the fuzz targets).
 *
 * A replay owns a set of processes (pid -> address space, descriptor
 * table), parses trace text line by line (strace -f -y output plus the @
 * directives, grammar in docs/replay.md) and applies each call to the
 * process that made it.  Output (@maps, @smaps, @expect reports) goes to
 * opts->out, diagnostics to opts->err.
 */
#ifndef UVMA_TOOLS_REPLAY_H
#define UVMA_TOOLS_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "uvma/uvma.h"

struct replay;

/* What the engine reports after each line it applied (see on_event). */
struct replay_event {
	const char *file;		/* trace name, as given to replay_feed */
	unsigned int line;		/* 1-based line of the call's first part */
	long pid;			/* process that made the call (0: none given) */
	const char *call;		/* "mmap", "munmap", ..., "@fault", "fork" */
	bool has_result;		/* the trace recorded a result */
	int64_t recorded;		/* that result: address/0, or -errno */
	int64_t model;			/* what the model returned */
	bool mismatch;			/* recorded != model */
	struct uvma_mm *mm;		/* the process's address space, after */
};

struct replay_options {
	struct uvma_config config;	/* for every new address space */
	bool strict;			/* first mismatch: report, stop, status 1 */
	const char *initial;		/* maps/smaps snapshot for the first process */
	const char *exec_snapshot;	/* snapshot a successful execve starts from */
	FILE *out;			/* @maps/@smaps/@expect output (stdout) */
	FILE *err;			/* diagnostics and summaries (stderr) */
	/* Called after every applied call or directive; may be NULL. */
	void (*on_event)(void *ctx, const struct replay_event *ev);
	void *ctx;
};

/* replay_options_init() - defaults: uvma_config_init(), not strict, stdout/stderr. */
void replay_options_init(struct replay_options *o);

/*
 * replay_create() - a replay with no processes yet (the first line, or
 * --initial, creates the first).  Returns 0 or a negative errno (-ENOMEM;
 * -EINVAL/-ENOENT for an unreadable or malformed --initial, reported on
 * opts->err as "FILE:LINE: message").
 */
int replay_create(const struct replay_options *o, struct replay **out);

/*
 * replay_feed() / replay_feed_text() - parse and apply a whole trace.
 * @name is what messages print as TRACE.
 * Returns UVMA_EXIT_OK (0), UVMA_EXIT_FAIL (1: --strict mismatch or failed
 * @expect, reported), UVMA_EXIT_BADINPUT (2: malformed input, reported as
 * "TRACE:LINE:COLUMN: what is wrong"), or a negative errno (-ENOMEM).
 */
int replay_feed(struct replay *r, const char *name, FILE *f);
int replay_feed_text(struct replay *r, const char *name, const char *text,
		     size_t len);

/* replay_mm() - the address space of @pid (0: the process of the last line), or NULL. */
struct uvma_mm *replay_mm(struct replay *r, long pid);

/* replay_last_pid() - the pid of the last applied line (0 if none given). */
long replay_last_pid(const struct replay *r);

/* replay_mismatches() - results that differed from the trace so far. */
unsigned long replay_mismatches(const struct replay *r);

/* replay_destroy() - free everything (NULL is fine). */
void replay_destroy(struct replay *r);

#endif
