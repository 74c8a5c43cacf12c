/* SPDX-License-Identifier: MIT */
/*
 * kdiff_config.h - the running kernel as `uvma kdiff` sees it: version,
 * build options (/proc/config.gz), THP mode and vm sysctls, as a
 * struct uvma_config for the model.
 */
#ifndef UVMA_TOOLS_KDIFF_CONFIG_H
#define UVMA_TOOLS_KDIFF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include "uvma/uvma.h"

struct kd_kernel {
	char version[256];		/* "Linux 6.18.44 x86_64" */
	char config_source[96];		/* where the build options came from */
	char thp[32];			/* THP enabled mode */
	int options_read;		/* build options found in the config */
	struct uvma_config cfg;		/* what the model runs with */
};

/*
 * kd_kernel_read() - read everything; @privileged: the child keeps root's
 * capabilities (CAP_IPC_LOCK, CAP_SYS_RAWIO) when it is root.
 */
void kd_kernel_read(struct kd_kernel *k, bool privileged);

/* kd_kernel_print() - the version and configuration lines. */
void kd_kernel_print(const struct kd_kernel *k, FILE *f);

#endif
