#!/usr/bin/env bash
# uvma draw's command line: the SVG it writes (boxes in address order with
# the right kinds, gaps compressed), and its errors (exit 2, nothing on
# stdout).  How a browser paints it: tests/tools/render_check.py.
set -u
uvma=$1 src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $*"; }
error() {
	local name=$1 pat=$2; shift 2
	out=$("$uvma" draw "$@" 2>"$tmp/err"); rc=$?
	if [ $rc -eq 2 ] && [ -z "$out" ] && grep -qE -- "$pat" "$tmp/err"; then ok
	else bad "$name: rc=$rc out='$out' err='$(cat "$tmp/err")'"; fi
}

"$uvma" draw --initial "$src/examples/layout.smaps" -o "$tmp/a.svg" && ok || bad "draw"
# One box per VMA, in maps order, with the kinds the snapshot implies.
got=$(grep -o 'class="vma"[^>]*data-start="[^"]*"[^>]*data-kind="[^"]*"' "$tmp/a.svg" |
	sed -E 's/.*data-start="([^"]*)".*data-kind="([^"]*)"/\1 \2/' | tr '\n' ' ')
want="0x400000 file 0x401000 file 0x405000 file 0x406000 file 0x407000 heap 0x7ffff7a00000 anonymous 0x7ffff7c00000 anonymous 0x7ffff7c01000 anonymous 0x7ffff7d01000 shared 0x7ffff7d11000 file 0x7ffff7fc1000 special 0x7ffff7fc5000 special 0x7ffff7fc7000 special 0x7ffffffde000 stack "
[ "$got" = "$want" ] && ok || bad "boxes: '$got'"
# Three gaps (128 TiB, 2.6 MiB, 128 MiB) each drawn at one small height:
# the picture stays short.
[ "$(grep -c 'class="gap"' "$tmp/a.svg")" -eq 3 ] && ok || bad "gaps"
h=$(grep -o '<svg[^>]* height="[0-9]*"' "$tmp/a.svg" | grep -o 'height="[0-9]*"' | tr -dc 0-9)
[ "$h" -lt 900 ] && ok || bad "height $h"
grep -q '>gap 128.0 TiB<' "$tmp/a.svg" && ok || bad "gap label"
grep -q '/dev/zero (deleted)</text>' "$tmp/a.svg" && ok || bad "name label"
# To stdout, and the same picture.
"$uvma" draw --initial "$src/examples/layout.smaps" -o - > "$tmp/b.svg" && cmp -s "$tmp/a.svg" "$tmp/b.svg" && ok || bad "stdout"
# The README's picture is what this build draws of the bundled example.
(cd "$src" && "$uvma" draw --initial examples/layout.smaps -o -) | cmp -s - "$src/docs/layout.svg" &&
	ok || bad "docs/layout.svg is stale: regenerate it (see docs/explain.md)"
(cd "$src" && "$uvma" draw --timeline examples/quickstart.trace -o -) | cmp -s - "$src/docs/timeline.svg" &&
	ok || bad "docs/timeline.svg is stale: regenerate it (see docs/explain.md)"
# A live process.
"$uvma" draw --pid $$ -o "$tmp/c.svg" && grep -q '>pid [0-9]*: [0-9]* VMAs<' "$tmp/c.svg" && ok || bad "live"

error no-output 'give the picture.s file with -o' --initial "$src/examples/layout.smaps"
error timeline '--timeline needs a TRACE' --initial "$src/examples/layout.smaps" --timeline -o "$tmp/x.svg"
error option "unknown option '--frob'" --frob
error nothing 'nothing to look at' -o "$tmp/x.svg"
error unwritable 'No such file' --initial "$src/examples/layout.smaps" -o /nonexistent/dir/x.svg
printf 'garbage\n' > "$tmp/bad"
error malformed "^$tmp/bad:1: " --initial "$tmp/bad" -o "$tmp/x.svg"
out=$("$uvma" draw --help); [ $? -eq 0 ] && grep -q '^usage: uvma draw' <<<"$out" && ok || bad help
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
