/* SPDX-License-Identifier: MIT */
/*
 * uvma.c - the uvma command line.
 *
 *   uvma replay | kdiff | explain | draw ...   (tools/<name>.c, cli.h)
 *   uvma tree [SCRIPT|-]   run a range-tree script and print the entries
 *   uvma --version | --help
 *
 * The `tree` subcommand exercises the range tree directly; the others are
 * dispatched to their own files.  Bad input: "FILE:LINE: message" on
 * stderr, exit 2.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tree/tree.h"
#include "uvma/uvma.h"

#define EXIT_BADINPUT UVMA_EXIT_BADINPUT

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uvma COMMAND [ARGS]\n"
		"\n"
		"commands (each has --help):\n"
		"  replay [TRACE|-]  rebuild an address space from an strace log or a\n"
		"                    scenario and print its /proc/PID/maps\n"
		"  kdiff             differential testing against the live kernel,\n"
		"                    shrinking each disagreement to a reproducer\n"
		"  explain           why two VMAs did not merge; --budget for the\n"
		"                    VMA count against max_map_count\n"
		"  draw              an SVG picture of an address space (--timeline)\n"
		"  tree [SCRIPT|-]   run a range-tree script (stdin if none) and print\n"
		"                    the final entries, one 'START-END NAME' per line\n"
		"\n"
		"tree script lines ('#' starts a comment; numbers are C literals):\n"
		"  store START END NAME      map [START, END) to NAME, overwriting\n"
		"  erase START END           unmap [START, END)\n"
		"  load ADDR                 print the entry containing ADDR\n"
		"  gap-low LO HI LEN [ALIGN] print the lowest free ALIGN-aligned\n"
		"                            [a, a+LEN) inside [LO, HI]\n"
		"  gap-high LO HI LEN [ALIGN] the same, highest\n"
		"  print                     print all entries now\n"
		"\n"
		"options:\n"
		"  --version   print the version\n"
		"  --help      print this help\n");
}

/* Names given in a script, owned by the CLI (the tree stores pointers). */
struct names {
	char **v;
	size_t n, cap;
};

static const char *intern(struct names *ns, const char *s)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0)
			return ns->v[i];
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 16;
		char **v = realloc(ns->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n] = strdup(s);
	return ns->v[ns->n] ? ns->v[ns->n++] : NULL;
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno || *end) ? -1 : 0;
}

static void print_entries(const struct mt_tree *t)
{
	struct mt_cursor c;
	uint64_t s, e;
	const char *v;

	mt_cursor_init(&c, t, 0);
	while ((v = mt_next(&c, &s, &e)) != NULL)
		printf("%08" PRIx64 "-%08" PRIx64 " %s\n", s, e, v);
}

static int run_tree(const char *path)
{
	FILE *f = stdin;
	const char *name = "<stdin>";
	struct mt_tree t = MT_TREE_INIT;
	struct names ns = { 0 };
	char line[4096];
	unsigned lineno = 0;
	int rc = 0;

	if (path && strcmp(path, "-") != 0) {
		f = fopen(path, "r");
		if (!f) {
			fprintf(stderr, "uvma: %s: %s\n", path, strerror(errno));
			return EXIT_BADINPUT;
		}
		name = path;
	}

#define BAD(...)                                                        \
	do {                                                            \
		fprintf(stderr, "%s:%u: ", name, lineno);               \
		fprintf(stderr, __VA_ARGS__);                           \
		fputc('\n', stderr);                                    \
		rc = EXIT_BADINPUT;                                     \
		goto out;                                               \
	} while (0)

	while (fgets(line, sizeof(line), f)) {
		char *w[6], *save = NULL, *p;
		int nw = 0;
		uint64_t a[4] = { 0 };

		lineno++;
		if (!strchr(line, '\n') && !feof(f))
			BAD("line too long");
		p = strchr(line, '#');
		if (p)
			*p = '\0';
		for (p = strtok_r(line, " \t\r\n", &save); p && nw < 6;
		     p = strtok_r(NULL, " \t\r\n", &save))
			w[nw++] = p;
		if (nw == 0)
			continue;
		if (nw == 6)
			BAD("too many words");
		if (strcmp(w[0], "store") == 0) {
			const char *v;
			int r;

			if (nw != 4 || parse_u64(w[1], &a[0]) || parse_u64(w[2], &a[1]))
				BAD("usage: store START END NAME");
			if (a[0] >= a[1])
				BAD("empty range [%#" PRIx64 ", %#" PRIx64 ")", a[0], a[1]);
			v = intern(&ns, w[3]);
			if (!v)
				BAD("out of memory");
			r = mt_store(&t, a[0], a[1], (void *)v);
			if (r)
				BAD("store failed: %s", strerror(-r));
		} else if (strcmp(w[0], "erase") == 0) {
			int r;

			if (nw != 3 || parse_u64(w[1], &a[0]) || parse_u64(w[2], &a[1]))
				BAD("usage: erase START END");
			if (a[0] >= a[1])
				BAD("empty range [%#" PRIx64 ", %#" PRIx64 ")", a[0], a[1]);
			r = mt_erase(&t, a[0], a[1]);
			if (r)
				BAD("erase failed: %s", strerror(-r));
		} else if (strcmp(w[0], "load") == 0) {
			uint64_t s, e;
			const char *v;

			if (nw != 2 || parse_u64(w[1], &a[0]))
				BAD("usage: load ADDR");
			v = mt_load(&t, a[0], &s, &e);
			if (v)
				printf("load %#" PRIx64 ": %08" PRIx64 "-%08" PRIx64 " %s\n",
				       a[0], s, e, v);
			else
				printf("load %#" PRIx64 ": free\n", a[0]);
		} else if (strcmp(w[0], "gap-low") == 0 || strcmp(w[0], "gap-high") == 0) {
			int high = w[0][4] == 'h', r;
			uint64_t addr = 0, align = 1;

			if (nw < 4 || nw > 5 || parse_u64(w[1], &a[0]) ||
			    parse_u64(w[2], &a[1]) || parse_u64(w[3], &a[2]) ||
			    (nw == 5 && parse_u64(w[4], &align)))
				BAD("usage: %s LO HI LEN [ALIGN]", w[0]);
			if (align == 0 || (align & (align - 1)))
				BAD("ALIGN must be a power of two");
			r = high ? mt_gap_highest(&t, a[0], a[1], a[2], align - 1, 0, &addr)
				 : mt_gap_lowest(&t, a[0], a[1], a[2], align - 1, 0, &addr);
			if (r == -EINVAL)
				BAD("bad gap request (LEN 0, or HI below LO)");
			if (r)
				printf("%s: none\n", w[0]);
			else
				printf("%s: %#" PRIx64 "\n", w[0], addr);
		} else if (strcmp(w[0], "print") == 0) {
			print_entries(&t);
		} else {
			BAD("unknown command '%s'", w[0]);
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", name);
		rc = EXIT_BADINPUT;
		goto out;
	}
	if (mt_validate(&t)) {
		fprintf(stderr, "%s: internal error: tree invalid\n", name);
		rc = 1;
		goto out;
	}
	print_entries(&t);
out:
	mt_destroy(&t);
	names_free(&ns);
	if (f != stdin)
		fclose(f);
	return rc;
#undef BAD
}

int cmd_tree(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc > 2) {
		fprintf(stderr, "uvma tree: too many arguments\n");
		return EXIT_BADINPUT;
	}
	return run_tree(argc == 2 ? argv[1] : NULL);
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "tree", cmd_tree },
	{ "replay", cmd_replay },
	{ "kdiff", cmd_kdiff },
	{ "explain", cmd_explain },
	{ "draw", cmd_draw },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_BADINPUT;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("uvma %s\n", uvma_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "uvma: unknown command '%s' (try --help)\n", argv[1]);
	return EXIT_BADINPUT;
}
