/* SPDX-License-Identifier: MIT */
/*
 * proc.h - what the /proc text printer (maps.c) and the snapshot importer
 * (import.c) share.
 */
#ifndef UVMA_PROC_H
#define UVMA_PROC_H

/* proc_mnemonic() - smaps mnemonic of VM_* bit @bit: "??" if the kernel
 * has none, "" if it prints nothing (pkey bits), NULL if @bit >= 64. */
const char *proc_mnemonic(unsigned int bit);

#endif /* UVMA_PROC_H */
