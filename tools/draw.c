/* SPDX-License-Identifier: MIT */
/*
 * draw.c - `uvma draw`: an SVG picture of an address space, or with
 * --timeline of how its VMAs changed over a trace.
 *
 * The final picture is a column of VMAs, lowest address at the top as
 * /proc/PID/maps lists them.  A VMA's height grows with the logarithm of
 * its size and gaps are drawn at one fixed small height, so a one-page
 * VMA next to a gigabyte one stays visible.  Fill colour: hue by kind
 * (anonymous, file, shared, stack, heap, special), shade by protection
 * (none, read-only, writable, executable); the palette is in docs/draw.md
 * and in the legend of every picture.  Each VMA is an SVG <rect
 * class="vma"> with data-start/data-end/data-kind/data-prot attributes, so
 * tests and scripts can find it.
 *
 * The timeline puts addresses across (the same compression, over every
 * boundary the trace ever made) and trace lines down, one row per line
 * that changed the layout.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "space.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: uvma draw [--initial SNAPSHOT] [TRACE] [--pid PID] [--timeline]\n"
"                 -o FILE.svg\n"
"\n"
"Draw the address space as an SVG picture: one box per VMA, lowest address\n"
"at the top, heights growing with the logarithm of the size and gaps\n"
"compressed so small VMAs stay visible; colour by kind (anonymous, file,\n"
"shared, stack, heap, special) and shade by protection (none, read-only,\n"
"writable, executable); labels with range, permissions, size and name; a\n"
"legend.\n"
"\n"
"  TRACE                replay it and draw the last process, or --pid PID\n"
"  --initial SNAPSHOT   a maps/smaps file: the start of the replay, or,\n"
"                       without TRACE, the address space to draw\n"
"  --pid PID            without TRACE: the live process PID (/proc/PID/smaps)\n"
"  --timeline           (with TRACE) how the VMAs changed: addresses across,\n"
"                       one row per trace line that changed the layout\n"
"  -o FILE.svg          where to write the picture ('-': stdout)\n"
"  --max-map-count N ... the configuration flags of `uvma replay --help`\n"
"\n"
"Exit status: 0; 2 for bad input (FILE:LINE: message on stderr).\n");
}

/* ---- what is drawn ---- */

enum kind { K_ANON, K_FILE, K_SHARED, K_STACK, K_HEAP, K_SPECIAL, K_COUNT };
enum prot { P_NONE, P_READ, P_WRITE, P_EXEC, P_COUNT };

static const char *const kind_name[K_COUNT] = {
	"anonymous", "file", "shared", "stack", "heap", "special",
};
static const char *const prot_name[P_COUNT] = {
	"none", "read", "write", "exec",
};
/* Hue by kind, shade by protection (ColorBrewer sequential ramps). */
static const char *const palette[K_COUNT][P_COUNT] = {
	[K_ANON] = { "#dbe9f6", "#9ecae1", "#4292c6", "#08519c" },
	[K_FILE] = { "#e5f5e0", "#a1d99b", "#41ab5d", "#006d2c" },
	[K_SHARED] = { "#efedf5", "#bcbddc", "#807dba", "#54278f" },
	[K_STACK] = { "#feedde", "#fdbe85", "#fd8d3c", "#d94701" },
	[K_HEAP] = { "#fde0dd", "#fa9fb5", "#dd3497", "#7a0177" },
	[K_SPECIAL] = { "#f0f0f0", "#bdbdbd", "#969696", "#525252" },
};

#define VM_GROWSDOWN_ 0x100ull

struct dvma {
	uint64_t start, end, flags;
	enum kind kind;
	enum prot prot;
	char name[160];
};

struct layout {
	struct dvma *v;
	size_t n, cap;
};

static enum prot prot_of(uint64_t f)
{
	if (f & UVMA_VM_EXEC)
		return P_EXEC;
	if (f & UVMA_VM_WRITE)
		return P_WRITE;
	return (f & UVMA_VM_READ) ? P_READ : P_NONE;
}

static enum kind kind_of(const struct uvma_vma_info *i, const char *name)
{
	if (i->special || (i->flags & UVMA_VM_SPECIAL))
		return K_SPECIAL;
	if (!strcmp(name, "[stack]") || (i->flags & VM_GROWSDOWN_))
		return K_STACK;
	if (!strcmp(name, "[heap]"))
		return K_HEAP;
	if (i->flags & UVMA_VM_MAYSHARE)
		return K_SHARED;
	return i->file ? K_FILE : K_ANON;
}

static void layout_free(struct layout *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* layout_read() - every VMA of @mm.  Returns 0 or -ENOMEM. */
static int layout_read(struct uvma_mm *mm, struct layout *l)
{
	struct uvma_vma_info i;
	uint64_t addr = 0;

	l->n = 0;
	while (uvma_vma_find(mm, addr, &i)) {
		struct dvma *d;

		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 64;
			struct dvma *nv = realloc(l->v, cap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			l->v = nv;
			l->cap = cap;
		}
		d = &l->v[l->n++];
		d->start = i.start;
		d->end = i.end;
		d->flags = i.flags;
		if (uvma_vma_name(mm, i.start, d->name, sizeof(d->name)) < 0)
			d->name[0] = 0;
		d->kind = kind_of(&i, d->name);
		d->prot = prot_of(i.flags);
		addr = i.end;
	}
	return 0;
}

static bool layout_equal(const struct layout *a, const struct layout *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].start != b->v[i].start || a->v[i].end != b->v[i].end ||
		    a->v[i].flags != b->v[i].flags || a->v[i].kind != b->v[i].kind)
			return false;
	return true;
}

/* ---- SVG text ---- */

static void xml_text(FILE *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", o); break;
		case '<': fputs("&lt;", o); break;
		case '>': fputs("&gt;", o); break;
		case '"': fputs("&quot;", o); break;
		default:
			if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f)
				fputc(*s, o);
			else
				fputc('?', o);
		}
	}
}

static void svg_open(FILE *o, int w, int h, const char *title)
{
	fprintf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans Mono, monospace\" "
		"font-size=\"11\">\n<title>", w, h, w, h);
	xml_text(o, title);
	fprintf(o, "</title>\n<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" "
		"fill=\"#ffffff\"/>\n", w, h);
}

/* vma_rect() - one VMA box with the attributes tests and scripts look for. */
static void vma_rect(FILE *o, const struct dvma *d, double x, double y,
		     double w, double h)
{
	fprintf(o, "<rect class=\"vma\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		"height=\"%.1f\" fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"1\" "
		"data-start=\"0x%" PRIx64 "\" data-end=\"0x%" PRIx64 "\" "
		"data-kind=\"%s\" data-prot=\"%s\"/>\n", x, y, w, h,
		palette[d->kind][d->prot], d->start, d->end, kind_name[d->kind],
		prot_name[d->prot]);
}

/* legend() - kinds down, protections across, at (@x, @y); returns its height. */
static int legend(FILE *o, int x, int y)
{
	fprintf(o, "<g class=\"legend\">\n<text x=\"%d\" y=\"%d\" font-weight=\"bold\">"
		"kind \\ protection</text>\n", x, y + 11);
	for (int p = 0; p < P_COUNT; p++)
		fprintf(o, "<text x=\"%d\" y=\"%d\">%s</text>\n", x + 140 + p * 60,
			y + 11, prot_name[p]);
	for (int k = 0; k < K_COUNT; k++) {
		int yy = y + 18 + k * 20;

		fprintf(o, "<text x=\"%d\" y=\"%d\">%s</text>\n", x, yy + 12,
			kind_name[k]);
		for (int p = 0; p < P_COUNT; p++)
			fprintf(o, "<rect class=\"swatch\" x=\"%d\" y=\"%d\" width=\"50\" "
				"height=\"16\" fill=\"%s\" data-kind=\"%s\" "
				"data-prot=\"%s\"/>\n", x + 140 + p * 60, yy,
				palette[k][p], kind_name[k], prot_name[p]);
	}
	fprintf(o, "</g>\n");
	return 18 + K_COUNT * 20;
}

/* ---- the final address space ---- */

#define BAR_X 150
#define BAR_W 200
#define LABEL_X (BAR_X + BAR_W + 12)
#define GAP_H 14
#define TOP 40

/* vma_height() - 16 px for a page, 4 more per doubling, at most 64. */
static double vma_height(uint64_t bytes)
{
	double pages = (double)(bytes >> 12);
	double h = 16 + 4 * log2(pages < 1 ? 1 : pages);

	return h > 64 ? 64 : h;
}

static void draw_final(FILE *o, const struct layout *l, const char *title)
{
	double y = TOP, total = TOP;
	int w = 1000, h;

	for (size_t i = 0; i < l->n; i++) {
		if (i && l->v[i].start > l->v[i - 1].end)
			total += GAP_H;
		total += vma_height(l->v[i].end - l->v[i].start);
	}
	h = (int)total + 30 + 18 + K_COUNT * 20 + 20;
	svg_open(o, w, h, title);
	fprintf(o, "<text x=\"10\" y=\"22\" font-size=\"14\" font-weight=\"bold\">");
	xml_text(o, title);
	fprintf(o, "</text>\n");
	for (size_t i = 0; i < l->n; i++) {
		const struct dvma *d = &l->v[i];
		double vh = vma_height(d->end - d->start);
		char sz[32], p[5];

		if (i && d->start > l->v[i - 1].end) {
			fmt_size(d->start - l->v[i - 1].end, sz, sizeof(sz));
			fprintf(o, "<rect class=\"gap\" x=\"%d\" y=\"%.1f\" width=\"%d\" "
				"height=\"%d\" fill=\"none\" stroke=\"#999999\" "
				"stroke-dasharray=\"3,3\"/>\n<text x=\"%d\" y=\"%.1f\" "
				"fill=\"#777777\" font-size=\"10\">gap %s</text>\n",
				BAR_X, y + 2, BAR_W, GAP_H - 4, LABEL_X, y + 10, sz);
			y += GAP_H;
		}
		vma_rect(o, d, BAR_X, y, BAR_W, vh);
		fprintf(o, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" "
			"fill=\"#444444\">%012" PRIx64 "</text>\n", BAR_X - 6,
			y + 11, d->start);
		fmt_size(d->end - d->start, sz, sizeof(sz));
		fmt_perms(d->flags, p);
		fprintf(o, "<text x=\"%d\" y=\"%.1f\">%012" PRIx64 "-%012" PRIx64
			" %s %9s ", LABEL_X, y + 11, d->start, d->end, p, sz);
		xml_text(o, d->name);
		fprintf(o, "</text>\n");
		y += vh;
	}
	if (l->n)
		fprintf(o, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" "
			"fill=\"#444444\">%012" PRIx64 "</text>\n", BAR_X - 6,
			y + 11, l->v[l->n - 1].end);
	legend(o, BAR_X, (int)y + 30);
	fprintf(o, "</svg>\n");
}

/* ---- the timeline ---- */

struct row {
	unsigned int line;
	char call[24];
	struct layout l;
};

struct timeline {
	struct row *rows;
	size_t n, cap;
	long pid;		/* rows of this process only (0: the last one's) */
	long *row_pid;		/* which process each row is */
	bool nomem;
	struct layout cur;	/* scratch */
};

static void tl_event(void *ctx, const struct replay_event *ev)
{
	struct timeline *t = ctx;
	const struct layout *last = NULL;
	struct row *r;

	if (t->nomem || !ev->mm || (t->pid && ev->pid != t->pid))
		return;
	if (layout_read(ev->mm, &t->cur)) {
		t->nomem = true;
		return;
	}
	for (size_t i = t->n; i-- > 0;)
		if (t->row_pid[i] == ev->pid) {
			last = &t->rows[i].l;
			break;
		}
	if (last && layout_equal(last, &t->cur))
		return;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct row *nr = realloc(t->rows, cap * sizeof(*nr));
		long *np;

		if (!nr) {
			t->nomem = true;
			return;
		}
		t->rows = nr;
		np = realloc(t->row_pid, cap * sizeof(*np));
		if (!np) {
			t->nomem = true;
			return;
		}
		t->row_pid = np;
		t->cap = cap;
	}
	r = &t->rows[t->n];
	r->line = ev->line;
	snprintf(r->call, sizeof(r->call), "%s", ev->call ? ev->call : "?");
	r->l = t->cur;		/* the row takes the scratch buffer */
	t->cur = (struct layout){ 0 };
	t->row_pid[t->n++] = ev->pid;
}

static void tl_free(struct timeline *t)
{
	for (size_t i = 0; i < t->n; i++)
		layout_free(&t->rows[i].l);
	free(t->rows);
	free(t->row_pid);
	layout_free(&t->cur);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Compressed address axis: boundary i sits at x[i]. */
struct axis {
	uint64_t *b;
	double *x;
	size_t n;
};

/* covered() - does any row hold a VMA over [lo, hi)? */
static bool covered(const struct timeline *t, long pid, uint64_t lo, uint64_t hi)
{
	for (size_t r = 0; r < t->n; r++) {
		if (t->row_pid[r] != pid)
			continue;
		for (size_t i = 0; i < t->rows[r].l.n; i++)
			if (t->rows[r].l.v[i].start < hi && t->rows[r].l.v[i].end > lo)
				return true;
	}
	return false;
}

#define TL_MIN_W 560.0

static int axis_build(const struct timeline *t, long pid, double x0,
		      struct axis *a)
{
	size_t n = 0;

	for (size_t r = 0; r < t->n; r++)
		if (t->row_pid[r] == pid)
			n += 2 * t->rows[r].l.n;
	a->b = malloc((n + 1) * sizeof(*a->b));
	a->x = malloc((n + 1) * sizeof(*a->x));
	if (!a->b || !a->x)
		return -ENOMEM;
	a->n = 0;
	for (size_t r = 0; r < t->n; r++) {
		if (t->row_pid[r] != pid)
			continue;
		for (size_t i = 0; i < t->rows[r].l.n; i++) {
			a->b[a->n++] = t->rows[r].l.v[i].start;
			a->b[a->n++] = t->rows[r].l.v[i].end;
		}
	}
	qsort(a->b, a->n, sizeof(*a->b), cmp_u64);
	n = 0;
	for (size_t i = 0; i < a->n; i++)
		if (!n || a->b[n - 1] != a->b[i])
			a->b[n++] = a->b[i];
	a->n = n;
	for (size_t i = 0; i < a->n; i++) {
		double w = 0;

		if (i) {
			uint64_t lo = a->b[i - 1], hi = a->b[i];
			double pages = (double)((hi - lo) >> 12);

			w = covered(t, pid, lo, hi) ?
				    10 + 5 * log2(pages < 1 ? 1 : pages) : 8;
			if (w > 60)
				w = 60;
		}
		a->x[i] = (i ? a->x[i - 1] : x0) + w;
	}
	/* A short axis is stretched to a readable width. */
	if (a->n > 1 && a->x[a->n - 1] - x0 < TL_MIN_W) {
		double k = TL_MIN_W / (a->x[a->n - 1] - x0);

		for (size_t i = 0; i < a->n; i++)
			a->x[i] = x0 + (a->x[i] - x0) * k;
	}
	return 0;
}

static double axis_x(const struct axis *a, uint64_t addr)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (a->b[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < a->n ? a->x[lo] : a->x[a->n - 1];
}

#define TL_LABEL_W 170
#define TL_ROW_H 14
#define TL_TOP 140

static void draw_timeline(FILE *o, const struct timeline *t, long pid,
			  const struct axis *a, const char *title)
{
	size_t rows = 0;
	double right = a->n ? a->x[a->n - 1] : TL_LABEL_W;
	double lastx = -100;
	int w, h, y;

	for (size_t r = 0; r < t->n; r++)
		rows += t->row_pid[r] == pid;
	w = (int)right + 40 < 760 ? 760 : (int)right + 40;
	h = TL_TOP + (int)rows * TL_ROW_H + 40 + 18 + K_COUNT * 20 + 10;
	svg_open(o, w, h, title);
	fprintf(o, "<text x=\"10\" y=\"22\" font-size=\"14\" font-weight=\"bold\">");
	xml_text(o, title);
	fprintf(o, "</text>\n<text x=\"10\" y=\"42\" fill=\"#444444\">trace line "
		"(down) / address (across, compressed); one row per line that "
		"changed the layout</text>\n");
	/* Address ticks, rotated, where there is room. */
	for (size_t i = 0; i < a->n; i++) {
		if (a->x[i] - lastx < 13)
			continue;
		lastx = a->x[i];
		fprintf(o, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			"stroke=\"#cccccc\"/>\n<text x=\"%.1f\" y=\"%d\" font-size=\"9\" "
			"fill=\"#444444\" transform=\"rotate(-60 %.1f %d)\">%" PRIx64
			"</text>\n", a->x[i], TL_TOP - 4, a->x[i],
			TL_TOP + (int)rows * TL_ROW_H, a->x[i] + 3, TL_TOP - 8,
			a->x[i] + 3, TL_TOP - 8, a->b[i]);
	}
	y = TL_TOP;
	for (size_t r = 0; r < t->n; r++) {
		const struct row *row = &t->rows[r];

		if (t->row_pid[r] != pid)
			continue;
		fprintf(o, "<text x=\"10\" y=\"%d\" font-size=\"10\">%5u %s</text>\n",
			y + 10, row->line, row->call);
		for (size_t i = 0; i < row->l.n; i++) {
			const struct dvma *d = &row->l.v[i];
			double x0 = axis_x(a, d->start), x1 = axis_x(a, d->end);

			vma_rect(o, d, x0, y, x1 - x0, TL_ROW_H - 1);
		}
		y += TL_ROW_H;
	}
	legend(o, 10, y + 30);
	fprintf(o, "</svg>\n");
}

/* ---- the command ---- */

int cmd_draw(int argc, char **argv)
{
	struct space_args a = { .cmd = "draw" };
	struct timeline tl = { 0 };
	const char *outpath = NULL;
	bool timeline = false;
	struct layout l = { 0 };
	struct space sp;
	char title[512];
	FILE *o = NULL;
	int rc;

	uvma_config_init(&a.config);
	for (int i = 1, k; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			usage(stdout);
			return UVMA_EXIT_OK;
		} else if (!strcmp(s, "--timeline")) {
			timeline = true;
		} else if (!strcmp(s, "-o") && i + 1 < argc) {
			outpath = argv[++i];
		} else if ((k = space_option(&a, argc, argv, &i)) != 0) {
			if (k < 0)
				return UVMA_EXIT_BADINPUT;
		} else if (s[0] == '-' && s[1]) {
			fprintf(stderr, "uvma draw: unknown option '%s' (try --help)\n", s);
			return UVMA_EXIT_BADINPUT;
		} else if (!a.trace) {
			a.trace = s;
		} else {
			fprintf(stderr, "uvma draw: unexpected argument '%s' (try --help)\n", s);
			return UVMA_EXIT_BADINPUT;
		}
	}
	if (!outpath) {
		fprintf(stderr, "uvma draw: give the picture's file with -o FILE.svg\n");
		return UVMA_EXIT_BADINPUT;
	}
	if (timeline && !a.trace) {
		fprintf(stderr, "uvma draw: --timeline needs a TRACE\n");
		return UVMA_EXIT_BADINPUT;
	}
	a.live = a.pid && !a.trace;
	if (timeline) {
		tl.pid = a.pid;
		a.on_event = tl_event;
		a.ctx = &tl;
	}
	rc = space_open(&a, &sp);
	if (rc != UVMA_EXIT_OK)
		goto out;
	if (tl.nomem || layout_read(sp.mm, &l)) {
		fprintf(stderr, "uvma draw: out of memory\n");
		rc = UVMA_EXIT_BADINPUT;
		goto out;
	}
	o = strcmp(outpath, "-") ? fopen(outpath, "w") : stdout;
	if (!o) {
		fprintf(stderr, "uvma draw: %s: %s\n", outpath, strerror(errno));
		rc = UVMA_EXIT_BADINPUT;
		goto out;
	}
	if (a.trace && a.live == false)
		snprintf(title, sizeof(title), "%s%s: %zu VMAs", a.trace,
			 timeline ? " (timeline)" : "", l.n);
	else if (a.live)
		snprintf(title, sizeof(title), "pid %ld: %zu VMAs", a.pid, l.n);
	else
		snprintf(title, sizeof(title), "%s: %zu VMAs", a.initial, l.n);
	if (timeline) {
		struct axis ax = { 0 };
		long pid = a.pid ? a.pid : replay_last_pid(sp.replay);

		if (axis_build(&tl, pid, TL_LABEL_W, &ax)) {
			fprintf(stderr, "uvma draw: out of memory\n");
			rc = UVMA_EXIT_BADINPUT;
		} else {
			draw_timeline(o, &tl, pid, &ax, title);
		}
		free(ax.b);
		free(ax.x);
	} else {
		draw_final(o, &l, title);
	}
	if (o != stdout && fclose(o)) {
		fprintf(stderr, "uvma draw: %s: %s\n", outpath, strerror(errno));
		rc = UVMA_EXIT_BADINPUT;
	}
out:
	layout_free(&l);
	tl_free(&tl);
	space_close(&sp);
	return rc;
}
