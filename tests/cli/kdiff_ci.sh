#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The CI campaign: uvma kdiff over 300 runs of 200 calls in each mode
# (window and alloc), every run agreeing with the live kernel.  A failing
# run's trace, both smaps and the shrunk reproducer are printed.  A system
# that cannot run the kernel side (status 3) skips.
# Usage: kdiff_ci.sh UVMA SOURCE_DIR
set -u
uvma=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
"$uvma" kdiff --seed 1 --runs 300 --ops 200 --mode all --out "$tmp/out" >"$tmp/log" 2>&1
rc=$?
cat "$tmp/log"
echo "kdiff campaign: $(($(date +%s) - start)) s"
if [ $rc -eq 3 ]; then
	echo "kdiff cannot run here: skipped"
	exit 0
fi
if [ $rc -ne 0 ] || [ "$(tail -n 1 "$tmp/log")" != "600 passed, 0 failed" ]; then
	for f in "$tmp"/out/*.min.trace; do
		[ -e "$f" ] && { echo "=== $f"; cat "$f"; }
	done
	exit 1
fi
