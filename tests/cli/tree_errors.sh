#!/usr/bin/env bash
# Malformed tree scripts: FILE:LINE: message, exit status 2, nothing on stdout.
set -u
uvma=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { # name, script text, expected stderr prefix
	printf '%b' "$2" > "$tmp/s"
	out=$("$uvma" tree "$tmp/s" 2>"$tmp/err"); rc=$?
	if [ $rc -eq 2 ] && [ -z "$out" ] && grep -q "^$tmp/s:$3" "$tmp/err"; then
		pass=$((pass+1))
	else
		fail=$((fail+1)); echo "FAIL $1: rc=$rc out='$out' err='$(cat "$tmp/err")'"
	fi
}
check unknown   'store 1 2 a\nfrobnicate\n'        "2: unknown command 'frobnicate'"
check badnum    'store 0x10 zz a\n'                 '1: usage: store'
check empty     '\n\nstore 5 5 a\n'                 '3: empty range'
check negative  'erase -1 5\n'                      '1: usage: erase'
check align     'gap-low 0 100 4 3\n'               '1: ALIGN must be a power of two'
check badgap    'gap-low 0 2 0\n'                   '1: bad gap request'
check toomany   'store 1 2 a b c d\n'               '1: too many words'
"$uvma" tree /nonexistent/file >/dev/null 2>&1; [ $? -eq 2 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL missing file"; }
"$uvma" tree --help | grep -q '^  tree \[SCRIPT' && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL tree --help"; }
for c in replay kdiff explain draw; do
	"$uvma" --help | grep -q "^  $c" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL --help lacks $c"; }
done
"$uvma" bogus >/dev/null 2>&1; [ $? -eq 2 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL unknown command"; }
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
