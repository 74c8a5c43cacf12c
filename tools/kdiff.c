/* SPDX-License-Identifier: MIT */
/* kdiff.c - `uvma kdiff` (placeholder until the subcommand lands). */
#include <stdio.h>

#include "cli.h"

int cmd_kdiff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "uvma kdiff: not implemented yet\n");
	return UVMA_EXIT_BADINPUT;
}
