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
# Four threads mapping at once (threads.log: hundreds of unfinished/
# resumed pairs, children appearing before their clone returns).  Calls
# are applied when they complete, which is not always the order the kernel
# ran them in, so the replay follows the trace; it must end with the
# kernel's pages and permissions.  VMA boundaries are compared with
# adjacent unnamed anonymous lines of equal permissions joined, because
# the threads' page faults (invisible to strace) give VMAs anon_vmas that
# keep neighbours apart in the kernel (see unmerged.log below and
# docs/replay.md, "Known differences").
coalesce() { # maps text on stdin -> ranges with unnamed anon neighbours joined
	awk '{ name = $6; for (i = 7; i <= NF; i++) name = name " " $i
	       split($1, a, "-")
	       key = $2 "|" $4 "|" $5 "|" name
	       if (key == pkey && $5 == "0" && name == "" && a[1] == pend) { pend = a[2]; next }
	       if (pkey != "") print pstart "-" pend " " pkey
	       pstart = a[1]; pend = a[2]; pkey = key }
	     END { if (pkey != "") print pstart "-" pend " " pkey }'
}
"$uvma" replay --exec-snapshot "$data/threads.snapshot" "$data/threads.log" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ "$(coalesce < "$tmp/out")" = "$(coalesce < "$data/threads.expect")" ]; then ok; else
	bad "threads rc=$rc"; diff <(coalesce < "$data/threads.expect") <(coalesce < "$tmp/out") | head; fi
[ "$(grep -c 'unfinished' "$data/threads.log")" -gt 100 ] && ok || bad "threads.log has few unfinished calls"
# unmerged.log (examples/gen/unmerged.c, single-threaded): every result
# agrees under --strict and the pages agree, but the log alone cannot give
# the kernel's boundaries: the kernel leaves [7ffff7fb6000, 7ffff7fb7000)
# and [7ffff7fb7000, 7ffff7fb8000) apart because they carry different
# anon_vmas, made by two page faults strace does not show (ld.so writing
# its TLS block at 0x7ffff7fc0000, libc writing its .bss at 0x7ffff7fa7000).
# The raw log matches on pages; with those two faults added as @fault
# lines it matches the kernel byte for byte.
"$uvma" replay --strict --exec-snapshot "$data/unmerged.snapshot" "$data/unmerged.log" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ "$(coalesce < "$tmp/out")" = "$(coalesce < "$data/unmerged.expect")" ]; then ok; else
	bad "unmerged rc=$rc"; fi
sed -e '/= 0x7ffff7fc0000$/a 14795 @fault 0x7ffff7fc0000 write' \
    -e '/= 0x7ffff7fa7000$/a 14795 @fault 0x7ffff7fa7000 write' \
    "$data/unmerged.log" > "$tmp/um.log"
[ "$(grep -c '@fault' "$tmp/um.log")" -eq 2 ] && ok || bad "fault lines not inserted"
"$uvma" replay --strict --exec-snapshot "$data/unmerged.snapshot" "$tmp/um.log" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ "$(tr -s ' ' < "$tmp/out")" = "$(tr -s ' ' < "$data/unmerged.expect")" ]; then ok; else
	bad "unmerged with faults rc=$rc"; diff <(tr -s ' ' < "$data/unmerged.expect") <(tr -s ' ' < "$tmp/out") | head; fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
