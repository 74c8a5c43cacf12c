/* SPDX-License-Identifier: MIT */
/*
 * replay_int.h - what the files of the replay engine share: the lexer
 * (replay_parse.c: numbers, strings, flag names, errno names, argument
 * splitting) and the configuration flags (replay_cmd.c).  The engine
 * itself is replay.c; the grammar is docs/replay.md.
 *
 * The lexer never reads past the end it is given and never needs a NUL:
 * trace bytes are arbitrary (the fuzz targets feed anything).
 */
#ifndef UVMA_TOOLS_REPLAY_INT_H
#define UVMA_TOOLS_REPLAY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay.h"

/* A piece of the current line: [p, e). */
struct rp_span {
	const char *p, *e;
};

/* Name tables for flag and constant arguments. */
enum rp_table {
	RP_T_PROT,
	RP_T_MAP,
	RP_T_MREMAP,
	RP_T_MADV,
	RP_T_MCL,
	RP_T_MLOCK,
	RP_T_CLONE,	/* CLONE_* and signal names (lenient) */
	RP_T_OPEN,	/* O_* and AT_* (lenient) */
	RP_T_MFD,
	RP_T_FCNTL,	/* F_* commands */
	RP_T_SEAL,
	RP_T_UFFD_MODE,
	RP_T_UFFD_FEAT,	/* lenient */
	RP_T_PRCTL,	/* PR_* */
	RP_T_COUNT
};

/* rp_is_space() - blank characters inside a line. */
static inline bool rp_is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* rp_skip_space() - the first non-blank at or after @p (or @e). */
static inline const char *rp_skip_space(const char *p, const char *e)
{
	while (p < e && rp_is_space(*p))
		p++;
	return p;
}

/* rp_trim() - @s without leading and trailing blanks. */
struct rp_span rp_trim(struct rp_span s);

/*
 * rp_number() - an unsigned C-style literal at *@pp (decimal, 0x hex,
 * leading-0 octal), advancing *@pp.  Returns false (nothing consumed) if
 * there is no digit or the value overflows 64 bits.
 */
bool rp_number(const char **pp, const char *e, uint64_t *v);

/* rp_snumber() - rp_number() with an optional leading '-'. */
bool rp_snumber(const char **pp, const char *e, int64_t *v);

/*
 * rp_ident() - length of the identifier [A-Za-z_][A-Za-z0-9_]* at @p
 * (0 if none).
 */
size_t rp_ident(const char *p, const char *e);

/*
 * rp_skip_comment() - if @p starts a C comment, the position after it
 * (@e if unterminated, with *@bad set); else @p.
 */
const char *rp_skip_comment(const char *p, const char *e, bool *bad);

/*
 * rp_flags() - evaluate @s as strace prints a flag word or constant:
 * NAME|NAME|0x10, a plain number, or NAME; each part a table name, a
 * number, or N<<MAP_HUGE_SHIFT; an optional trailing comment
 * (0x5a5a  MADV_??? comment).  Lenient tables ignore unknown names.
 * Returns NULL and *@v, or the position of the offending part (*@why
 * says what is wrong).
 */
const char *rp_flags(struct rp_span s, enum rp_table t, uint64_t *v,
		     const char **why);

/* rp_lookup() - value of NAME in table @t (exact match); false if absent. */
bool rp_lookup(enum rp_table t, const char *p, size_t n, uint64_t *v);

/* rp_errno() - the number of errno name @p (ENOMEM -> 12); 0 if unknown. */
int rp_errno(const char *p, size_t n);

/* rp_errno_name() - "ENOMEM" for 12, or NULL. */
const char *rp_errno_name(int err);

/*
 * rp_split_args() - split the argument list that starts after '(' at @p
 * into top-level arguments (commas outside (), {}, [], strings and
 * comments), up to the matching ')'.  Stores at most @max spans (trimmed)
 * in @args and their count (which may exceed @max) in *@n.
 * Returns the position of the ')' or NULL on unbalanced input (*@bad: where).
 */
const char *rp_split_args(const char *p, const char *e, struct rp_span *args,
			  size_t max, size_t *n, const char **bad);

/*
 * rp_string() - decode the C string literal of strace at @s ("abc\n",
 * possibly followed by ... for a truncated string) into @buf (NUL
 * terminated, at most @size - 1 bytes kept).  Returns false if @s is not
 * a string; *@truncated says whether strace cut it.
 */
bool rp_string(struct rp_span s, char *buf, size_t size, bool *truncated);

/*
 * rp_field() - the value of "KEY=" inside a brace or plain argument list
 * (clone's flags=, clone3's {flags=...}, ioctl structs), searched at any
 * nesting depth of braces but never inside strings.  Returns false if
 * absent.
 */
bool rp_field(struct rp_span s, const char *key, struct rp_span *val);

/*
 * rp_fd() - a descriptor argument: "3", "-1", "AT_FDCWD", or "3</path>"
 * as -y prints it (the annotation in *@ann, empty if none; "(deleted)"
 * after the '>' sets *@deleted).  Returns false if malformed.
 */
bool rp_fd(struct rp_span s, int64_t *fd, struct rp_span *ann, bool *deleted);

/* ---- configuration flags (replay_cmd.c) ---- */

/*
 * replay_config_option() - apply one configuration option @name (without
 * the leading "--") with @value (NULL for a switch) to @cfg.
 * Returns 1 if @name is a value option (it consumed @value), 0 for a
 * switch, -1 unknown name, -2 bad value (*@why says why).
 */
int replay_config_option(struct uvma_config *cfg, const char *name,
			 const char *value, const char **why);

#endif /* UVMA_TOOLS_REPLAY_INT_H */
