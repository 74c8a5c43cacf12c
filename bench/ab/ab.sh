#!/bin/sh
# SPDX-License-Identifier: MIT
#
# ab.sh - time two builds of the library against each other in one process
# (bench/ab/abpair.c; why: bench/README.md, "Comparing two builds").
#
#   bench/ab/ab.sh REV_A REV_B [abpair options]
#
# REV_A and REV_B are git revisions of this repository, or "." for the
# working tree as it is (uncommitted changes included).  Each is built in
# Release (the installed libuvma.a: one object, link-time optimised with
# GCC) under $AB_DIR (default: a new directory under ${TMPDIR:-/tmp}),
# its global names prefixed with A_ / B_ by objcopy, and both are linked
# into abpair, which runs $AB_PROCS times (default 8) with the remaining
# arguments; the last line is the median of the processes' B/A, e.g.
#
#   bench/ab/ab.sh HEAD . --op fixed --n 60000 --rounds 40
#
# Needs git, cmake, a C compiler, nm and objcopy (binutils).
set -eu

if [ $# -lt 2 ]; then
	sed -n '4,19p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
fi
rev_a=$1
rev_b=$2
shift 2

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
dir=${AB_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/uvma-ab.XXXXXX")}
mkdir -p "$dir"
cc=${CC:-cc}

# copy REV PREFIX: build REV's libuvma.a, rename its API, print the archive.
copy() {
	rev=$1
	p=$2
	if [ "$rev" = "." ]; then
		src=$repo
	else
		src=$dir/src_$p
		rm -rf "$src"
		mkdir -p "$src"
		git -C "$repo" archive --format=tar "$rev" | tar -x -C "$src"
	fi
	cmake -S "$src" -B "$dir/build_$p" -DCMAKE_BUILD_TYPE=Release >"$dir/cmake_$p.log" 2>&1 ||
		{ echo "ab.sh: configuring $rev failed: $dir/cmake_$p.log" >&2; exit 1; }
	cmake --build "$dir/build_$p" -j2 --target uvma_static >>"$dir/cmake_$p.log" 2>&1 ||
		{ echo "ab.sh: building $rev failed: $dir/cmake_$p.log" >&2; exit 1; }
	# Every global the archive defines gets the prefix: since d81576c
	# that is only the API, before it the internal names too.  Link-time
	# optimisation data (older archives held it beside the code) would
	# keep the old names: it goes.
	nm -g --defined-only "$dir/build_$p/libuvma.a" 2>/dev/null |
		awk -v p="$p" 'NF == 3 && $2 ~ /[A-Z]/ { print $3, p $3 }' |
		sort -u >"$dir/syms_$p"
	if ! grep -q '^uvma_mmap ' "$dir/syms_$p"; then
		echo "ab.sh: $rev's libuvma.a does not define uvma_mmap" >&2
		exit 1
	fi
	cp "$dir/build_$p/libuvma.a" "$dir/lib_$p.a"
	objcopy --remove-section='.gnu.lto_*' --remove-section='.gnu.debuglto_*' \
		--redefine-syms="$dir/syms_$p" "$dir/lib_$p.a"
}

echo "A = $rev_a, B = $rev_b (builds in $dir)"
copy "$rev_a" A_
copy "$rev_b" B_
# Two programs: A's code first in one, B's first in the other.
for o in A_ B_; do
	if [ $o = A_ ]; then libs="$dir/lib_A_.a $dir/lib_B_.a"; else libs="$dir/lib_B_.a $dir/lib_A_.a"; fi
	# shellcheck disable=SC2086
	$cc -std=c11 -O2 -fno-lto -DAB_RENAMED -I"$repo/include" "$here/abpair.c" \
		$libs -o "$dir/abpair_$o"
done
# Where code and data land shifts one copy against the other by several
# per cent for the life of a process, even between identical builds:
# run $AB_PROCS processes, each link order with each build order, and
# take the median of their medians.
procs=${AB_PROCS:-8}
i=0
: >"$dir/ratios"
while [ $i -lt "$procs" ]; do
	if [ $((i % 2)) = 0 ]; then prog=$dir/abpair_A_; else prog=$dir/abpair_B_; fi
	if [ $((i / 2 % 2)) = 0 ]; then order=; else order=--b-first; fi
	"$prog" "$@" $order >"$dir/out_$i"
	sed -n 's/.*median \([0-9.]*\) q3.*/\1/p' "$dir/out_$i" >>"$dir/ratios"
	i=$((i + 1))
done
head -3 "$dir/out_0"
echo "  (A and B above: the first process)"
sort -n "$dir/ratios" | awk -v n="$procs" '
	{ r[NR] = $1 }
	END {
		m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
		printf "B/A, the median ratio of each of %d processes: %s\n", n, join()
		printf "B/A: median %.3f (processes ranged %.3f .. %.3f)\n", m, r[1], r[NR]
	}
	function join(  s, k) { for (k = 1; k <= NR; k++) s = s sprintf(" %.3f", r[k]); return s }'
