/* SPDX-License-Identifier: MIT */
/* draw.c - `uvma draw` (placeholder until the subcommand lands). */
#include <stdio.h>

#include "cli.h"

int cmd_draw(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "uvma draw: not implemented yet\n");
	return UVMA_EXIT_BADINPUT;
}
