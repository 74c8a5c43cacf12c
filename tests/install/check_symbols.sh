#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check_symbols.sh LIB CC INCLUDEDIR [ARCHIVE] - the shared library's dynamic
# symbol table holds exactly the functions the public headers declare: every
# exported symbol is uvma_-prefixed and declared, every declared function is
# exported (a missing one means the header lost its visibility pragma).
# With ARCHIVE (the libuvma.a that is installed): its global symbols are
# exactly the shared library's, so none of the library's internal names
# (find_vma, mt_store, ...) can clash with a name in a program linking it.
set -euo pipefail
lib=$1 cc=$2 inc=$3 archive=${4:-}
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

if [ -n "$archive" ]; then
	# nm prints "member.o:" headers and blank lines between members.
	nm -g --defined-only "$archive" | awk 'NF == 3 {print $3}' | sort -u >"$tmp/global"
	if comm -23 "$tmp/global" "$tmp/exported" | grep . >"$tmp/aextra"; then
		echo "$archive: global symbols the shared library does not export:"
		cat "$tmp/aextra"; status=1
	fi
	if comm -13 "$tmp/global" "$tmp/exported" | grep . >"$tmp/amissing"; then
		echo "$archive: exported by the shared library but not defined:"
		cat "$tmp/amissing"; status=1
	fi
	[ $status = 0 ] && echo "$archive: the same $n global symbols"
fi
exit $status
