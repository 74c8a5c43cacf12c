/* SPDX-License-Identifier: MIT */
/*
 * replay_parse.c - the lexer of `uvma replay`: numbers, flag words and
 * constants by name (the Linux x86_64 values), errno names, strace's
 * string literals, argument lists and -y descriptor annotations.
 *
 * Everything works on [p, e) ranges of the caller's line and reads nothing
 * outside them; nothing allocates.  Grammar: docs/replay.md.
 */
#include <errno.h>
#include <string.h>

#include "replay_int.h"

struct rp_name {
	const char *name;
	uint8_t len;
	uint64_t value;
};

#define N(s, v) { s, sizeof(s) - 1, (uint64_t)(v) }

static const struct rp_name prot_names[] = {
	N("PROT_READ", 0x1), N("PROT_WRITE", 0x2), N("PROT_EXEC", 0x4),
	N("PROT_NONE", 0), N("PROT_SEM", 0x8), N("PROT_GROWSDOWN", 0x01000000),
	N("PROT_GROWSUP", 0x02000000), N("PROT_BTI", 0x10), N("PROT_MTE", 0x20),
	{ 0, 0, 0 }
};

static const struct rp_name map_names[] = {
	N("MAP_PRIVATE", 0x02), N("MAP_ANONYMOUS", 0x20), N("MAP_FIXED", 0x10),
	N("MAP_SHARED", 0x01), N("MAP_DENYWRITE", 0x0800), N("MAP_STACK", 0x20000),
	N("MAP_NORESERVE", 0x4000), N("MAP_FIXED_NOREPLACE", 0x100000),
	N("MAP_POPULATE", 0x8000), N("MAP_ANON", 0x20),
	N("MAP_SHARED_VALIDATE", 0x03), N("MAP_DROPPABLE", 0x08),
	N("MAP_32BIT", 0x40), N("MAP_ABOVE4G", 0x80), N("MAP_GROWSDOWN", 0x0100),
	N("MAP_EXECUTABLE", 0x1000), N("MAP_LOCKED", 0x2000),
	N("MAP_NONBLOCK", 0x10000), N("MAP_HUGETLB", 0x40000),
	N("MAP_SYNC", 0x80000), N("MAP_UNINITIALIZED", 0x4000000),
	N("MAP_FILE", 0), N("MAP_HUGE_64KB", 16ull << 26),
	N("MAP_HUGE_512KB", 19ull << 26), N("MAP_HUGE_1MB", 20ull << 26),
	N("MAP_HUGE_2MB", 21ull << 26), N("MAP_HUGE_8MB", 23ull << 26),
	N("MAP_HUGE_16MB", 24ull << 26), N("MAP_HUGE_32MB", 25ull << 26),
	N("MAP_HUGE_256MB", 28ull << 26), N("MAP_HUGE_512MB", 29ull << 26),
	N("MAP_HUGE_1GB", 30ull << 26), N("MAP_HUGE_2GB", 31ull << 26),
	N("MAP_HUGE_16GB", 34ull << 26),
	{ 0, 0, 0 }
};

static const struct rp_name mremap_names[] = {
	N("MREMAP_MAYMOVE", 1), N("MREMAP_FIXED", 2), N("MREMAP_DONTUNMAP", 4),
	{ 0, 0, 0 }
};

static const struct rp_name madv_names[] = {
	N("MADV_NORMAL", 0), N("MADV_RANDOM", 1), N("MADV_SEQUENTIAL", 2),
	N("MADV_WILLNEED", 3), N("MADV_DONTNEED", 4), N("MADV_FREE", 8),
	N("MADV_REMOVE", 9), N("MADV_DONTFORK", 10), N("MADV_DOFORK", 11),
	N("MADV_MERGEABLE", 12), N("MADV_UNMERGEABLE", 13),
	N("MADV_HUGEPAGE", 14), N("MADV_NOHUGEPAGE", 15),
	N("MADV_DONTDUMP", 16), N("MADV_DODUMP", 17), N("MADV_WIPEONFORK", 18),
	N("MADV_KEEPONFORK", 19), N("MADV_COLD", 20), N("MADV_PAGEOUT", 21),
	N("MADV_POPULATE_READ", 22), N("MADV_POPULATE_WRITE", 23),
	N("MADV_DONTNEED_LOCKED", 24), N("MADV_COLLAPSE", 25),
	N("MADV_HWPOISON", 100), N("MADV_SOFT_OFFLINE", 101),
	N("MADV_GUARD_INSTALL", 102), N("MADV_GUARD_REMOVE", 103),
	{ 0, 0, 0 }
};

static const struct rp_name mcl_names[] = {
	N("MCL_CURRENT", 1), N("MCL_FUTURE", 2), N("MCL_ONFAULT", 4),
	{ 0, 0, 0 }
};

static const struct rp_name mlock_names[] = {
	N("MLOCK_ONFAULT", 1),
	{ 0, 0, 0 }
};

static const struct rp_name clone_names[] = {
	N("CLONE_VM", 0x100), N("CLONE_FS", 0x200), N("CLONE_FILES", 0x400),
	N("CLONE_SIGHAND", 0x800), N("CLONE_PIDFD", 0x1000),
	N("CLONE_PTRACE", 0x2000), N("CLONE_VFORK", 0x4000),
	N("CLONE_PARENT", 0x8000), N("CLONE_THREAD", 0x10000),
	N("CLONE_NEWNS", 0x20000), N("CLONE_SYSVSEM", 0x40000),
	N("CLONE_SETTLS", 0x80000), N("CLONE_PARENT_SETTID", 0x100000),
	N("CLONE_CHILD_CLEARTID", 0x200000), N("CLONE_DETACHED", 0x400000),
	N("CLONE_UNTRACED", 0x800000), N("CLONE_CHILD_SETTID", 0x1000000),
	N("CLONE_NEWCGROUP", 0x2000000), N("CLONE_NEWUTS", 0x4000000),
	N("CLONE_NEWIPC", 0x8000000), N("CLONE_NEWUSER", 0x10000000),
	N("CLONE_NEWPID", 0x20000000), N("CLONE_NEWNET", 0x40000000),
	N("CLONE_IO", 0x80000000), N("CLONE_NEWTIME", 0x80),
	N("CLONE_CLEAR_SIGHAND", 0x100000000ull),
	N("CLONE_INTO_CGROUP", 0x200000000ull),
	{ 0, 0, 0 }
};

static const struct rp_name open_names[] = {
	N("O_RDONLY", 0), N("O_WRONLY", 01), N("O_RDWR", 02),
	N("O_APPEND", 02000), N("O_CLOEXEC", 02000000), N("O_CREAT", 0100),
	N("O_EXCL", 0200), N("O_TRUNC", 01000), N("O_NONBLOCK", 04000),
	N("O_DIRECTORY", 0200000), N("O_NOFOLLOW", 0400000),
	N("O_LARGEFILE", 0100000), N("O_PATH", 010000000),
	N("O_TMPFILE", 020200000), N("O_NOCTTY", 0400), N("O_SYNC", 04010000),
	N("O_DSYNC", 010000), N("O_DIRECT", 040000), N("O_NOATIME", 01000000),
	{ 0, 0, 0 }
};

static const struct rp_name mfd_names[] = {
	N("MFD_CLOEXEC", 1), N("MFD_ALLOW_SEALING", 2), N("MFD_HUGETLB", 4),
	N("MFD_NOEXEC_SEAL", 8), N("MFD_EXEC", 0x10),
	{ 0, 0, 0 }
};

static const struct rp_name fcntl_names[] = {
	N("F_DUPFD", 0), N("F_GETFD", 1), N("F_SETFD", 2), N("F_GETFL", 3),
	N("F_SETFL", 4), N("F_DUPFD_CLOEXEC", 1030), N("F_ADD_SEALS", 1033),
	N("F_GET_SEALS", 1034), N("F_GETLK", 5), N("F_SETLK", 6),
	N("F_SETLKW", 7), N("F_SETOWN", 8), N("F_GETOWN", 9),
	{ 0, 0, 0 }
};

static const struct rp_name seal_names[] = {
	N("F_SEAL_SEAL", 0x1), N("F_SEAL_SHRINK", 0x2), N("F_SEAL_GROW", 0x4),
	N("F_SEAL_WRITE", 0x8), N("F_SEAL_FUTURE_WRITE", 0x10),
	N("F_SEAL_EXEC", 0x20),
	{ 0, 0, 0 }
};

static const struct rp_name uffd_mode_names[] = {
	N("UFFDIO_REGISTER_MODE_MISSING", 1), N("UFFDIO_REGISTER_MODE_WP", 2),
	N("UFFDIO_REGISTER_MODE_MINOR", 4),
	{ 0, 0, 0 }
};

static const struct rp_name uffd_feat_names[] = {
	N("UFFD_FEATURE_EVENT_FORK", 1ull << 1),
	N("UFFD_FEATURE_EVENT_REMAP", 1ull << 2),
	{ 0, 0, 0 }
};

static const struct rp_name prctl_names[] = {
	N("PR_SET_VMA", 0x53564d41), N("PR_SET_VMA_ANON_NAME", 0),
	N("PR_SET_MEMORY_MERGE", 67), N("PR_GET_MEMORY_MERGE", 68),
	{ 0, 0, 0 }
};

static const struct {
	const struct rp_name *names;
	bool lenient;
} tables[RP_T_COUNT] = {
	[RP_T_PROT] = { prot_names, false },
	[RP_T_MAP] = { map_names, false },
	[RP_T_MREMAP] = { mremap_names, false },
	[RP_T_MADV] = { madv_names, false },
	[RP_T_MCL] = { mcl_names, false },
	[RP_T_MLOCK] = { mlock_names, false },
	[RP_T_CLONE] = { clone_names, true },
	[RP_T_OPEN] = { open_names, true },
	[RP_T_MFD] = { mfd_names, false },
	[RP_T_FCNTL] = { fcntl_names, true },
	[RP_T_SEAL] = { seal_names, false },
	[RP_T_UFFD_MODE] = { uffd_mode_names, false },
	[RP_T_UFFD_FEAT] = { uffd_feat_names, true },
	[RP_T_PRCTL] = { prctl_names, true },
};

#undef N

static const struct {
	const char *name;
	int value;
} errno_names[] = {
	{ "EPERM", 1 }, { "ENOENT", 2 }, { "ESRCH", 3 }, { "EINTR", 4 },
	{ "EIO", 5 }, { "ENXIO", 6 }, { "E2BIG", 7 }, { "ENOEXEC", 8 },
	{ "EBADF", 9 }, { "ECHILD", 10 }, { "EAGAIN", 11 }, { "ENOMEM", 12 },
	{ "EACCES", 13 }, { "EFAULT", 14 }, { "ENOTBLK", 15 }, { "EBUSY", 16 },
	{ "EEXIST", 17 }, { "EXDEV", 18 }, { "ENODEV", 19 }, { "ENOTDIR", 20 },
	{ "EISDIR", 21 }, { "EINVAL", 22 }, { "ENFILE", 23 }, { "EMFILE", 24 },
	{ "ENOTTY", 25 }, { "ETXTBSY", 26 }, { "EFBIG", 27 }, { "ENOSPC", 28 },
	{ "ESPIPE", 29 }, { "EROFS", 30 }, { "EMLINK", 31 }, { "EPIPE", 32 },
	{ "EDOM", 33 }, { "ERANGE", 34 }, { "EDEADLK", 35 },
	{ "ENAMETOOLONG", 36 }, { "ENOLCK", 37 }, { "ENOSYS", 38 },
	{ "ENOTEMPTY", 39 }, { "ELOOP", 40 }, { "EWOULDBLOCK", 11 },
	{ "ENOMSG", 42 }, { "EIDRM", 43 }, { "ENODATA", 61 }, { "ETIME", 62 },
	{ "EOVERFLOW", 75 }, { "EBADFD", 77 }, { "EILSEQ", 84 },
	{ "EUSERS", 87 }, { "ENOTSOCK", 88 }, { "EMSGSIZE", 90 },
	{ "EPROTOTYPE", 91 }, { "EOPNOTSUPP", 95 }, { "ENOTSUP", 95 },
	{ "EADDRINUSE", 98 }, { "ENOBUFS", 105 }, { "ETIMEDOUT", 110 },
	{ "ECONNREFUSED", 111 }, { "EALREADY", 114 }, { "EINPROGRESS", 115 },
	{ "ESTALE", 116 }, { "EDQUOT", 122 }, { "ECANCELED", 125 },
	{ "EOWNERDEAD", 130 }, { "ERFKILL", 132 }, { "EHWPOISON", 133 },
	{ "ERESTARTSYS", 512 }, { "ERESTARTNOINTR", 513 },
	{ "ERESTARTNOHAND", 514 }, { "ENOIOCTLCMD", 515 },
	{ "ERESTART_RESTARTBLOCK", 516 }, { "ENOTSUPP", 524 },
};

struct rp_span rp_trim(struct rp_span s)
{
	while (s.p < s.e && rp_is_space(*s.p))
		s.p++;
	while (s.e > s.p && rp_is_space(s.e[-1]))
		s.e--;
	return s;
}

/* Digit values for rp_number(): 0..15, or 16 for anything else. */
static const unsigned char hexval[256] = {
	['0'] = 0 + 1, ['1'] = 1 + 1, ['2'] = 2 + 1, ['3'] = 3 + 1,
	['4'] = 4 + 1, ['5'] = 5 + 1, ['6'] = 6 + 1, ['7'] = 7 + 1,
	['8'] = 8 + 1, ['9'] = 9 + 1, ['a'] = 10 + 1, ['b'] = 11 + 1,
	['c'] = 12 + 1, ['d'] = 13 + 1, ['e'] = 14 + 1, ['f'] = 15 + 1,
	['A'] = 10 + 1, ['B'] = 11 + 1, ['C'] = 12 + 1, ['D'] = 13 + 1,
	['E'] = 14 + 1, ['F'] = 15 + 1,
};

/* hexdigit() - the value of @c as a digit, or 16 (the table stores +1). */
static inline unsigned hexdigit(char c)
{
	unsigned v = hexval[(unsigned char)c];

	return v ? v - 1 : 16;
}

bool rp_number(const char **pp, const char *e, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;
	unsigned d;

	if (p >= e || *p < '0' || *p > '9')
		return false;
	if (*p != '0') {			/* decimal */
		for (; p < e && (d = (unsigned)(*p - '0')) < 10; p++) {
			if (x > (UINT64_MAX - d) / 10)
				return false;
			x = x * 10 + d;
		}
	} else if (p + 1 < e && (p[1] == 'x' || p[1] == 'X')) {
		const char *start = p + 2;

		for (p = start; p < e && (d = hexdigit(*p)) < 16; p++) {
			if (x >> 60)
				return false;
			x = x << 4 | d;
		}
		if (p == start)
			return false;
	} else {				/* octal (or a lone 0) */
		for (p++; p < e && (d = (unsigned)(*p - '0')) < 8; p++) {
			if (x >> 61)
				return false;
			x = x << 3 | d;
		}
	}
	*v = x;
	*pp = p;
	return true;
}

bool rp_snumber(const char **pp, const char *e, int64_t *v)
{
	const char *p = *pp;
	bool neg = false;
	uint64_t x;

	if (p < e && *p == '-') {
		neg = true;
		p++;
	}
	if (!rp_number(&p, e, &x) || x > (uint64_t)INT64_MAX)
		return false;
	*v = neg ? -(int64_t)x : (int64_t)x;
	*pp = p;
	return true;
}

static bool ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

size_t rp_ident(const char *p, const char *e)
{
	const char *q = p;

	if (q >= e || !ident_start(*q))
		return 0;
	while (q < e && (ident_start(*q) || (*q >= '0' && *q <= '9')))
		q++;
	return (size_t)(q - p);
}

const char *rp_skip_comment(const char *p, const char *e, bool *bad)
{
	if (e - p < 2 || p[0] != '/' || p[1] != '*')
		return p;
	for (p += 2; e - p >= 2; p++)
		if (p[0] == '*' && p[1] == '/')
			return p + 2;
	*bad = true;
	return e;
}

bool rp_lookup(enum rp_table t, const char *p, size_t n, uint64_t *v)
{
	for (const struct rp_name *x = tables[t].names; x->name; x++)
		if (x->len == n && x->name[n - 1] == p[n - 1] &&
		    memcmp(x->name, p, n) == 0) {
			*v = x->value;
			return true;
		}
	return false;
}

const char *rp_flags(struct rp_span s, enum rp_table t, uint64_t *v,
		     const char **why)
{
	const char *p = rp_skip_space(s.p, s.e);
	uint64_t acc = 0;

	*why = "expected a flag name or a number";
	if (p >= s.e)
		return p;
	for (;;) {
		size_t n = rp_ident(p, s.e);
		uint64_t x;

		if (n) {
			if (!rp_lookup(t, p, n, &x)) {
				if (!tables[t].lenient) {
					*why = "unknown name";
					return p;
				}
				x = 0;
			}
			p += n;
		} else if (rp_number(&p, s.e, &x)) {
			/* N<<MAP_HUGE_SHIFT, as strace prints huge page sizes */
			if (s.e - p >= 2 && p[0] == '<' && p[1] == '<') {
				const char *q = p + 2;
				size_t m = rp_ident(q, s.e);

				if (m != 14 || memcmp(q, "MAP_HUGE_SHIFT", 14) ||
				    x >= 64) {
					*why = "expected <<MAP_HUGE_SHIFT";
					return p;
				}
				x <<= 26;
				p = q + m;
			}
		} else {
			return p;
		}
		acc |= x;
		p = rp_skip_space(p, s.e);
		if (p < s.e && *p == '|') {
			p = rp_skip_space(p + 1, s.e);
			continue;
		}
		break;
	}
	/* an explanatory comment: 0x5a5a MADV_??? comment */
	while (p < s.e && *p == '/') {
		bool bad = false;
		const char *q = rp_skip_comment(p, s.e, &bad);

		if (q == p || bad) {
			*why = "bad comment";
			return p;
		}
		p = rp_skip_space(q, s.e);
	}
	if (p != s.e) {
		*why = "unexpected text after the value";
		return p;
	}
	*v = acc;
	return NULL;
}

int rp_errno(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (strlen(errno_names[i].name) == n &&
		    memcmp(errno_names[i].name, p, n) == 0)
			return errno_names[i].value;
	return 0;
}

const char *rp_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].value == err)
			return errno_names[i].name;
	return NULL;
}

/* skip_string() - past the string literal at @p ('"' there), or NULL. */
static const char *skip_string(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\') {
			p++;
			continue;
		}
		if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* Characters rp_split_args() must look at. */
static const bool special[256] = {
	['"'] = true, ['/'] = true, ['('] = true, [')'] = true, ['{'] = true,
	['}'] = true, ['['] = true, [']'] = true, [','] = true,
};

const char *rp_split_args(const char *p, const char *e, struct rp_span *args,
			  size_t max, size_t *n, const char **bad)
{
	char stack[64];
	size_t depth = 0, count = 0;
	const char *start = p;

	*n = 0;
	for (; p < e; p++) {
		char c = *p;

		if (!special[(unsigned char)c])
			continue;

		if (c == '"') {
			const char *q = skip_string(p, e);

			if (!q) {
				*bad = p;
				return NULL;
			}
			p = q - 1;
		} else if (c == '/' && p + 1 < e && p[1] == '*') {
			bool unterminated = false;
			const char *q = rp_skip_comment(p, e, &unterminated);

			if (unterminated) {
				*bad = p;
				return NULL;
			}
			p = q - 1;
		} else if (c == '(' || c == '{' || c == '[') {
			if (depth == sizeof(stack)) {
				*bad = p;
				return NULL;
			}
			stack[depth++] = c == '(' ? ')' : c == '{' ? '}' : ']';
		} else if (c == ')' && depth == 0) {
			struct rp_span a = rp_trim((struct rp_span){ start, p });

			if (a.p != a.e || count > 0) {
				if (count < max)
					args[count] = a;
				count++;
			}
			*n = count;
			return p;
		} else if (c == ')' || c == '}' || c == ']') {
			if (depth == 0 || stack[depth - 1] != c) {
				*bad = p;
				return NULL;
			}
			depth--;
		} else if (c == ',' && depth == 0) {
			if (count < max)
				args[count] = rp_trim((struct rp_span){ start, p });
			count++;
			start = p + 1;
		}
	}
	*bad = p;
	return NULL;
}

bool rp_string(struct rp_span s, char *buf, size_t size, bool *truncated)
{
	const char *p = s.p;
	size_t n = 0;

	*truncated = false;
	if (p >= s.e || *p != '"' || size == 0)
		return false;
	for (p++; p < s.e && *p != '"'; p++) {
		char c = *p;

		if (c == '\\') {
			if (++p >= s.e)
				return false;
			switch (*p) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'v': c = '\v'; break;
			case 'f': c = '\f'; break;
			case 'x': {
				int v = 0, k = 0;

				while (k < 2 && p + 1 < s.e &&
				       hexdigit(p[1]) < 16) {
					v = v * 16 + (int)hexdigit(p[1]);
					p++;
					k++;
				}
				if (!k)
					return false;
				c = (char)v;
				break;
			}
			default:
				if (*p >= '0' && *p <= '7') {
					int v = 0, k = 0;

					p--;
					while (k < 3 && p + 1 < s.e &&
					       p[1] >= '0' && p[1] <= '7') {
						v = v * 8 + (p[1] - '0');
						p++;
						k++;
					}
					c = (char)v;
				} else {
					c = *p;
				}
			}
		}
		if (n + 1 < size)
			buf[n++] = c;
	}
	buf[n] = '\0';
	if (p >= s.e)
		return false;
	p++;
	if (s.e - p == 3 && memcmp(p, "...", 3) == 0) {
		*truncated = true;
		p += 3;
	}
	return p == s.e;
}

bool rp_field(struct rp_span s, const char *key, struct rp_span *val)
{
	size_t klen = strlen(key);
	const char *p = s.p;

	while (p < s.e) {
		/* an element starts at the beginning, or after '{', ',' */
		const char *q = rp_skip_space(p, s.e);

		if ((size_t)(s.e - q) > klen && memcmp(q, key, klen) == 0) {
			const char *v = q + klen;
			const char *w = v;
			int depth = 0;

			for (; w < s.e; w++) {
				if (*w == '"') {
					const char *x = skip_string(w, s.e);

					if (!x)
						return false;
					w = x - 1;
				} else if (*w == '{' || *w == '[' || *w == '(') {
					depth++;
				} else if ((*w == '}' || *w == ']' || *w == ')') &&
					   depth-- == 0) {
					break;
				} else if (*w == ',' && depth == 0) {
					break;
				}
			}
			*val = rp_trim((struct rp_span){ v, w });
			return true;
		}
		/* move to the next element start */
		for (; p < s.e; p++) {
			if (*p == '"') {
				const char *x = skip_string(p, s.e);

				if (!x)
					return false;
				p = x - 1;
			} else if (*p == '{' || *p == ',') {
				p++;
				break;
			}
		}
	}
	return false;
}

bool rp_fd(struct rp_span s, int64_t *fd, struct rp_span *ann, bool *deleted)
{
	const char *p = s.p;

	*ann = (struct rp_span){ s.e, s.e };
	*deleted = false;
	if (s.e - p >= 8 && memcmp(p, "AT_FDCWD", 8) == 0) {
		*fd = -100;
		p += 8;
	} else if (!rp_snumber(&p, s.e, fd)) {
		return false;
	}
	if (p < s.e && *p == '<') {
		/* the path may itself contain '>': the annotation ends at the
		 * last '>' of the argument */
		const char *q = s.e;

		while (q > p && q[-1] != '>')
			q--;
		if (q == p + 0 || q - 1 <= p)
			return false;
		*ann = (struct rp_span){ p + 1, q - 1 };
		p = q;
		if (s.e - p >= 9 && memcmp(p, "(deleted)", 9) == 0) {
			*deleted = true;
			p += 9;
		}
	}
	return rp_skip_space(p, s.e) == s.e;
}
