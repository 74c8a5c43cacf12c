/* SPDX-License-Identifier: MIT */
/*
 * cli.h - what the uvma subcommands share.
 *
 * Each subcommand lives in its own file and is reached from main() in
 * uvma.c through cmd_<name>(argc, argv), where argv[0] is the subcommand's
 * name.  Exit statuses are the same everywhere:
 *   0  success;
 *   1  the run found a problem (a --strict mismatch, a failed @expect,
 *      a kdiff disagreement);
 *   2  bad input or usage: a "FILE:LINE[:COLUMN]: message" on stderr and
 *      nothing on stdout;
 *   3  the system cannot do what was asked (kdiff: no /proc/self/smaps,
 *      fork fails), said on stdout.
 */
#ifndef UVMA_TOOLS_CLI_H
#define UVMA_TOOLS_CLI_H

#define UVMA_EXIT_OK		0
#define UVMA_EXIT_FAIL		1
#define UVMA_EXIT_BADINPUT	2
#define UVMA_EXIT_UNAVAILABLE	3

int cmd_tree(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_kdiff(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_draw(int argc, char **argv);

#endif
