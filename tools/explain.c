/* SPDX-License-Identifier: MIT */
/* explain.c - `uvma explain` (placeholder until the subcommand lands). */
#include <stdio.h>

#include "cli.h"

int cmd_explain(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "uvma explain: not implemented yet\n");
	return UVMA_EXIT_BADINPUT;
}
