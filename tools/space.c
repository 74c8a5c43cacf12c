/* SPDX-License-Identifier: MIT */
/*
 * space.c - loading the address space `uvma explain` and `uvma draw` look
 * at (see space.h): a replayed trace, an imported snapshot, or a live
 * process's smaps.  Uses only the public API and the replay contract.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "replay_int.h"
#include "space.h"

int parse_addr(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 16);
	return (errno || *end || end == s) ? -1 : 0;
}

int parse_long(const char *s, long *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*out = strtol(s, &end, 10);
	return (errno || *end) ? -1 : 0;
}

int space_option(struct space_args *a, int argc, char **argv, int *i)
{
	const char *s = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	const char *why = "";
	int k;

	if (!strcmp(s, "--initial") || !strcmp(s, "--pid")) {
		if (!v) {
			fprintf(stderr, "uvma %s: %s needs a value\n", a->cmd, s);
			return -1;
		}
		++*i;
		if (s[2] == 'i') {
			a->initial = v;
		} else if (parse_long(v, &a->pid) || a->pid <= 0) {
			fprintf(stderr, "uvma %s: --pid needs a process id\n", a->cmd);
			return -1;
		}
		return 1;
	}
	if (s[0] != '-' || s[1] != '-')
		return 0;
	k = replay_config_option(&a->config, s + 2, v, &why);
	if (k == -1)
		return 0;
	if (k == -2 || (k == 1 && !v)) {
		fprintf(stderr, "uvma %s: %s: %s\n", a->cmd, s, k == -2 ? why :
			"needs a value");
		return -1;
	}
	*i += k;
	return 1;
}

void fmt_perms(uint64_t f, char out[5])
{
	out[0] = (f & UVMA_VM_READ) ? 'r' : '-';
	out[1] = (f & UVMA_VM_WRITE) ? 'w' : '-';
	out[2] = (f & UVMA_VM_EXEC) ? 'x' : '-';
	out[3] = (f & UVMA_VM_MAYSHARE) ? 's' : 'p';
	out[4] = 0;
}

void fmt_size(uint64_t bytes, char *buf, size_t n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (v == (double)(uint64_t)v)
		snprintf(buf, n, "%.0f %s", v, unit[u]);
	else
		snprintf(buf, n, "%.1f %s", v, unit[u]);
}

bool is_addr_arg(const char *s)
{
	struct stat st;
	uint64_t v;

	return parse_addr(s, &v) == 0 && stat(s, &st) != 0;
}

/* read_all() - the whole of @path ("-": stdin) into a NUL-terminated buffer. */
static int read_all(const char *path, char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t n = 0, cap = 1 << 16;
	char *buf;

	if (!f)
		return -errno;
	buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (n + 1 < cap)
			break;
		cap *= 2;
		char *nb = realloc(buf, cap);

		if (!nb) {
			free(buf);
			buf = NULL;
		} else {
			buf = nb;
		}
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
	if (f != stdin)
		fclose(f);
	if (!buf)
		return -(errno ? errno : ENOMEM);
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}

/* import_snapshot() - uvma_import_file() with its errors as CLI messages. */
static int import_snapshot(const char *cmd, const char *path,
			   const struct uvma_config *cfg, struct uvma_mm **mm)
{
	size_t line = 0;
	int r = uvma_import_file(cfg, path, mm, &line);

	if (r == -EINVAL && line) {
		fprintf(stderr, "%s:%zu: not a maps/smaps line\n", path, line);
		return UVMA_EXIT_BADINPUT;
	}
	if (r == -EINVAL) {
		fprintf(stderr, "%s:1: overlapping or unordered ranges\n", path);
		return UVMA_EXIT_BADINPUT;
	}
	if (r) {
		fprintf(stderr, "uvma %s: %s: %s\n", cmd, path, strerror(-r));
		return UVMA_EXIT_BADINPUT;
	}
	return UVMA_EXIT_OK;
}

static FILE *devnull(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	return f;
}

static int replay_trace(const struct space_args *a, struct space *sp)
{
	struct replay_options o;
	int r;

	r = read_all(a->trace, &sp->trace_text, &sp->trace_len);
	if (r) {
		fprintf(stderr, "uvma %s: %s: %s\n", a->cmd, a->trace,
			strerror(-r));
		return UVMA_EXIT_BADINPUT;
	}
	replay_options_init(&o);
	o.config = a->config;
	o.initial = a->initial;
	o.on_event = a->on_event;
	o.ctx = a->ctx;
	o.out = a->replay_out ? a->replay_out : devnull() ? devnull() : stderr;
	r = replay_create(&o, &sp->replay);
	if (r == -ENOSYS) {
		fprintf(stderr, "uvma %s: trace replay is not available in this build\n",
			a->cmd);
		return UVMA_EXIT_BADINPUT;
	}
	if (r) {
		if (r != -EINVAL && r != -ENOENT)
			fprintf(stderr, "uvma %s: %s\n", a->cmd, strerror(-r));
		return UVMA_EXIT_BADINPUT;
	}
	r = replay_feed_text(sp->replay, a->trace, sp->trace_text,
			     sp->trace_len);
	if (r == UVMA_EXIT_BADINPUT)
		return r;
	if (r < 0) {
		fprintf(stderr, "uvma %s: %s: %s\n", a->cmd, a->trace,
			strerror(-r));
		return UVMA_EXIT_BADINPUT;
	}
	sp->mm = replay_mm(sp->replay, a->pid);
	if (!sp->mm) {
		if (a->pid)
			fprintf(stderr, "uvma %s: %s: no process %ld in the trace\n",
				a->cmd, a->trace, a->pid);
		else
			fprintf(stderr, "uvma %s: %s: the trace has no process\n",
				a->cmd, a->trace);
		return UVMA_EXIT_BADINPUT;
	}
	return UVMA_EXIT_OK;
}

int space_open(const struct space_args *a, struct space *sp)
{
	char path[64];
	int r;

	memset(sp, 0, sizeof(*sp));
	if (a->trace)
		return replay_trace(a, sp);
	if (a->live) {
		snprintf(path, sizeof(path), "/proc/%ld/smaps", a->pid);
		r = import_snapshot(a->cmd, path, &a->config, &sp->own_mm);
	} else if (a->initial) {
		r = import_snapshot(a->cmd, a->initial, &a->config, &sp->own_mm);
	} else {
		fprintf(stderr, "uvma %s: nothing to look at: give a TRACE, "
			"--initial SNAPSHOT or --pid PID (try --help)\n", a->cmd);
		return UVMA_EXIT_BADINPUT;
	}
	sp->mm = sp->own_mm;
	sp->snapshot = true;
	return r;
}

void space_close(struct space *sp)
{
	replay_destroy(sp->replay);
	uvma_mm_destroy(sp->own_mm);
	free(sp->trace_text);
	memset(sp, 0, sizeof(*sp));
}
