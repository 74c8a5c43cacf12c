#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The reproducers uvma kdiff found (tests/kdiff/*.trace): each replays with
# --strict and passes its @expect block, which holds the live kernel's
# answer; a line "# replay-options: ..." gives extra options (paths
# relative to tests/kdiff/).  Each one with its first expected line broken
# must fail, so the test can fail.
# Usage: kdiff_regress.sh UVMA SOURCE_DIR
set -u
uvma=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
cd "$src/tests/kdiff" || exit 1
for t in *.trace; do
	opts=$(sed -n 's/^# replay-options: //p' "$t" | head -n 1)
	grep -qE '^([0-9]+ +)?@expect$' "$t" || { echo "FAIL $t: no @expect"; fail=$((fail + 1)); continue; }
	# shellcheck disable=SC2086
	timeout 20 "$uvma" replay --strict $opts "$t" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $t: status $rc"
		cat "$tmp/err"
	fi
	awk 'done != 1 && prev ~ /@expect$/ { sub(/-/, "-1"); done = 1 } { print; prev = $0 }' \
		"$t" >"$tmp/broken.trace"
	# shellcheck disable=SC2086
	timeout 20 "$uvma" replay --strict $opts "$tmp/broken.trace" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 1 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL broken $t: status $rc, expected 1"
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
