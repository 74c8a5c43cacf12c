/* SPDX-License-Identifier: MIT */
/*
 * fakes.c - the state behind the test boundary (tests/vma/vma_internal.h).
 */
#include "vma_internal.h"

int vma_test_warnings;
int vma_test_validate_failures;
bool vma_test_fail_prealloc;
long vma_test_anon_vma_live;
long vma_test_anon_vma_created;
