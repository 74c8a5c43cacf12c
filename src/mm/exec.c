/* SPDX-License-Identifier: MIT */
/*
 * exec.c - execve() stack setup (create_init_stack_vma, setup_arg_pages, relocate_vma_down).
 *
 * STUB: returns -ENOSYS until implemented.  The rules to follow are in
 * ../shared/SEMANTICS.md (§21) and the contract in include/uvma/uvma.h;
 * the live kernel decides where they disagree (docs/fidelity.md).
 */
#include "mm_internal.h"

int uvma_exec_setup_stack(struct uvma_mm *mm, const struct uvma_exec_params *p,
			  uint64_t *sp_out)
{
	(void)mm; (void)p; (void)sp_out;
	return -ENOSYS;
}
