#!/usr/bin/env bash
# Real strace logs of examples/gen/smallprog.c made on this machine with
# strace's variants (tests/replay/data/small-*.log: -f -o with pids, -tt,
# -ttt -T, -t, -r, terminal output with [pid N] and "Process N attached"
# notes cutting lines, no -y).  Each must replay with --strict from the
# post-execve snapshot and end with the program's own final maps
# (small.expect, read by the program from /proc/self/maps).
set -u
uvma=$1 src=$2
data=$src/tests/replay/data snap=$src/examples/small-program.snapshot
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $1"; [ -f "$tmp/err" ] && head -20 "$tmp/err"; }
for log in "$data"/small-*.log; do
	n=$(basename "$log")
	{ cat "$log"; echo @expect; cat "$data/small.expect"; echo @end; } > "$tmp/t"
	"$uvma" replay --strict --exec-snapshot "$snap" "$tmp/t" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ] && grep -q 'execve: process [0-9]* starts from' "$tmp/err"; then ok; else bad "$n rc=$rc"; fi
done
# the fork child and the thread were created (pids seen in the logs)
"$uvma" replay --exec-snapshot "$snap" --pid "$(awk '/clone\(child_stack=NULL/ { print $NF; exit }' "$data/small-y.log")" \
	"$data/small-y.log" >"$tmp/out" 2>"$tmp/err" && grep -q smallprog "$tmp/out" && ok || bad "fork child by --pid"
# without the snapshot the replay follows the trace: differences counted
"$uvma" replay "$data/small-y.log" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -q 'results* differed from the trace' "$tmp/err" && grep -q libc.so.6 "$tmp/out"; then ok; else bad "follow rc=$rc"; fi
# ... and --strict stops at the first one, status 1, on the first mmap
"$uvma" replay --strict "$data/small-y.log" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q ':3: expected 0x7ffff7fc0000, model returned' "$tmp/err"; then ok; else bad "strict rc=$rc"; fi
# a wrong expectation fails (the test can fail)
{ cat "$data/small-y.log"; echo @expect; sed 's/r-xp/rwxp/' "$data/small.expect"; echo @end; } > "$tmp/t"
"$uvma" replay --exec-snapshot "$snap" "$tmp/t" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && ok || bad "wrong expectation accepted"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
