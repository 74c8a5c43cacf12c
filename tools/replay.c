/* SPDX-License-Identifier: MIT */
/* replay.c - the replay engine (placeholder: the contract is replay.h). */
#include <errno.h>
#include <stdio.h>

#include "cli.h"
#include "replay.h"

void replay_options_init(struct replay_options *o)
{
	*o = (struct replay_options){ 0 };
	uvma_config_init(&o->config);
	o->out = stdout;
	o->err = stderr;
}

int replay_create(const struct replay_options *o, struct replay **out)
{
	(void)o;
	*out = NULL;
	return -ENOSYS;
}

int replay_feed(struct replay *r, const char *name, FILE *f)
{
	(void)r; (void)name; (void)f;
	return -ENOSYS;
}

int replay_feed_text(struct replay *r, const char *name, const char *text,
		     size_t len)
{
	(void)r; (void)name; (void)text; (void)len;
	return -ENOSYS;
}

struct uvma_mm *replay_mm(struct replay *r, long pid)
{
	(void)r; (void)pid;
	return NULL;
}

long replay_last_pid(const struct replay *r)
{
	(void)r;
	return 0;
}

unsigned long replay_mismatches(const struct replay *r)
{
	(void)r;
	return 0;
}

void replay_destroy(struct replay *r)
{
	(void)r;
}

int cmd_replay(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "uvma replay: not implemented yet\n");
	return UVMA_EXIT_BADINPUT;
}
