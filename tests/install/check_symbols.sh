#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check_symbols.sh LIB CC INCLUDEDIR - the shared library's dynamic symbol
# table holds exactly the functions the public headers declare: every
# exported symbol is uvma_-prefixed and declared, every declared function is
# exported (a missing one means the header lost its visibility pragma).
set -euo pipefail
lib=$1 cc=$2 inc=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Defined dynamic symbols, without the linker's own section markers.
nm -D --defined-only "$lib" | awk '{print $NF}' |
	grep -vxE '_init|_fini|__bss_start|_edata|_end' | sort -u >"$tmp/exported"
# Functions declared by the headers (comments removed by the preprocessor).
for h in "$inc"/uvma/*.h; do
	"$cc" -E -P -I"$inc" "$h"
done | grep -oE '\buvma_[A-Za-z0-9_]+[[:space:]]*\(' | tr -d ' \t(' |
	sort -u >"$tmp/declared"

status=0
if grep -v '^uvma_' "$tmp/exported" >"$tmp/bad"; then
	echo "exported symbols without the uvma_ prefix:"; cat "$tmp/bad"; status=1
fi
if comm -23 "$tmp/exported" "$tmp/declared" | grep . >"$tmp/extra"; then
	echo "exported but not declared in include/uvma (internal symbols leak):"
	cat "$tmp/extra"; status=1
fi
if comm -13 "$tmp/exported" "$tmp/declared" | grep . >"$tmp/missing"; then
	echo "declared in include/uvma but not exported:"; cat "$tmp/missing"; status=1
fi
n=$(wc -l <"$tmp/exported")
if [ "$n" -lt 40 ]; then
	echo "only $n symbols exported: is the library empty?"; status=1
fi
[ $status = 0 ] && echo "$n symbols exported, all uvma_-prefixed and declared"
exit $status
