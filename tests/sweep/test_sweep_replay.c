/* SPDX-License-Identifier: MIT */
/*
 * test_sweep_replay.c - allocation-failure sweep over every replay example
 * (examples/NAME.trace): for every allocation k a clean replay makes, fail it
 * once and then from k on.  The replay must return a status or -ENOMEM,
 * never crash, leave the address space it was working on valid
 * (uvma_mm_validate), and free everything when destroyed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "test.h"
#include "uvma/uvma.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[n] = 0;
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* run() - one replay of @text; returns its status, validates its mm. */
static int run(const char *name, const char *text, size_t len, const char *snap,
	       FILE *sink, int *valid)
{
	struct replay_options o;
	struct replay *r = NULL;
	struct uvma_mm *mm;
	int rc;

	replay_options_init(&o);
	o.out = sink;
	o.err = sink;
	o.exec_snapshot = snap;	/* a real log's post-execve address space */
	rc = replay_create(&o, &r);
	if (rc == 0) {
		rc = replay_feed_text(r, name, text, len);
		mm = replay_mm(r, 0);
		*valid = !mm || uvma_mm_validate(mm) == 0;
	}
	replay_destroy(r);
	return rc;
}

TEST(sweep_replay_examples)
{
	DIR *d = opendir(UVMA_SOURCE_DIR "/examples");
	FILE *sink = fopen("/dev/null", "w");
	struct dirent *e;
	int examples = 0;

	ASSERT_NOT_NULL(d);
	ASSERT_NOT_NULL(sink);
	while ((e = readdir(d)) && !test_failed()) {
		char path[512], snap[512];
		FILE *sf;
		size_t len = 0, nl = strlen(e->d_name);
		char *text;
		uint64_t total;
		int valid = 1, clean_rc;

		if (nl < 7 || strcmp(e->d_name + nl - 6, ".trace"))
			continue;
		snprintf(path, sizeof(path), "%s/examples/%s", UVMA_SOURCE_DIR, e->d_name);
		text = slurp(path, &len);
		if (!text) {
			test_fail(__FILE__, __LINE__, __func__, "cannot read %s", path);
			break;
		}
		examples++;
		/* X.trace replays from X.snapshot after its execve, if there is one. */
		snprintf(snap, sizeof(snap), "%.*s.snapshot", (int)(strlen(path) - 6), path);
		sf = fopen(snap, "r");
		if (sf)
			fclose(sf);
		uvma_alloc_fail_at(0, 0);
		clean_rc = run(e->d_name, text, len, sf ? snap : NULL, sink, &valid);
		total = uvma_alloc_seen();
		if (getenv("SWEEP_VERBOSE"))
			fprintf(stderr, "%s: %llu allocations\n", e->d_name, (unsigned long long)total);
		if (clean_rc != 0 || !valid)
			test_fail(__FILE__, __LINE__, __func__, "%s: clean run %d", e->d_name, clean_rc);
		for (uint64_t k = 1; k <= total + 1 && !test_failed(); k++) {
			for (int persistent = 0; persistent < 2; persistent++) {
				int64_t live = uvma_alloc_live();
				int rc;

				uvma_alloc_fail_at(k, persistent);
				rc = run(e->d_name, text, len, sf ? snap : NULL, sink, &valid);
				uvma_alloc_fail_at(0, 0);
				if ((rc != 0 && rc != 1 && rc != -ENOMEM) || !valid ||
				    uvma_alloc_live() != live) {
					test_fail(__FILE__, __LINE__, __func__,
						  "%s, fail %s k=%llu: rc %d, valid %d, leaked %lld",
						  e->d_name, persistent ? "from" : "once",
						  (unsigned long long)k, rc, valid,
						  (long long)(uvma_alloc_live() - live));
					break;
				}
			}
		}
		free(text);
	}
	closedir(d);
	fclose(sink);
	ASSERT_GE(examples, 5);
}

/*
 * An mmap of a descriptor beyond any descriptor table (found by
 * fuzz_replay: the stand-in file was freed and then mapped): the call is
 * not applied, later calls are.
 */
TEST(sweep_replay_fd_out_of_range)
{
	static const char text[] =
		"mmap(0x7f0000000000, 8192, PROT_READ, MAP_PRIVATE, 777777777773</etc/passwd>, 0)"
		" = 0x7f0000000000\n"
		"mmap(0x7f0000003000, 4096, PROT_READ, MAP_PRIVATE, 3</etc/passwd>, 0)"
		" = 0x7f0000003000\n";
	FILE *sink = fopen("/dev/null", "w");
	struct replay_options o;
	struct replay *r = NULL;
	struct uvma_vma_info vi;

	ASSERT_NOT_NULL(sink);
	replay_options_init(&o);
	o.out = o.err = sink;
	ASSERT_EQ(replay_create(&o, &r), 0);
	ASSERT_EQ(replay_feed_text(r, "t", text, sizeof(text) - 1), 0);
	ASSERT_EQ(uvma_vma_at(replay_mm(r, 0), 0x7f0000000000ull, &vi), 0);
	ASSERT_EQ(uvma_vma_at(replay_mm(r, 0), 0x7f0000003000ull, &vi), 1);
	replay_destroy(r);
	fclose(sink);
}
