#!/usr/bin/env bash
# Every bundled example replays with --strict and passes its @expect blocks
# (which hold the live kernel's maps lines); a line "# replay-options: ..."
# in an example gives extra options (paths relative to examples/).
# Then the same examples with one @expect line changed must fail (status 1),
# so this test can fail.
set -u
uvma=$1 src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
cd "$src/examples"
for t in *.trace; do
	opts=$(sed -n 's/^# replay-options: //p' "$t" | head -1)
	# shellcheck disable=SC2086
	"$uvma" replay --strict $opts "$t" >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ $rc -eq 0 ] && grep -q '^@expect' "$t" || [ $rc -eq 0 ] && grep -q ' @expect' "$t"; then
		pass=$((pass+1))
	else
		fail=$((fail+1)); echo "FAIL $t: rc=$rc"; cat "$tmp/err"
	fi
	# break the first expected line: the replay must now fail with status 1
	awk 'done != 1 && prev ~ /@expect$/ { sub(/-/, "-1"); done = 1 } { print; prev = $0 }' \
		"$t" > "$tmp/broken.trace"
	# shellcheck disable=SC2086
	"$uvma" replay $opts "$tmp/broken.trace" >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ $rc -eq 1 ] && grep -q '@expect: the address space' "$tmp/err"; then
		pass=$((pass+1))
	else
		fail=$((fail+1)); echo "FAIL broken $t: rc=$rc"; cat "$tmp/err"
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
