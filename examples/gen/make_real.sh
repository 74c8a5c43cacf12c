#!/usr/bin/env bash
# make_real.sh - regenerate the real strace logs of smallprog.c:
#   examples/small-program.trace (+ .snapshot), the strace -f -y -o log with
#       an @expect block of the program's own final /proc/self/maps;
#   tests/replay/data/small-*.log, the same program logged with strace's
#       variants (-tt, -ttt, -T, -r, terminal output with [pid N], no -y),
#       and small.expect, the final maps (memfd inode as '*').
# Everything runs under env -i setarch -R with the same path and arguments,
# so every run has the layout of the snapshot taken by snap_exec.c right
# after execve.
set -euo pipefail
cd "$(dirname "$0")"
out=../../tests/replay/data
mkdir -p "$out"
gcc -O1 -Wall -o /tmp/smallprog smallprog.c -lpthread
gcc -O1 -Wall -o /tmp/snap_exec snap_exec.c
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
env -i setarch -R /tmp/snap_exec ../small-program.snapshot /tmp/smallprog "$tmp/final"
T=memory,clone,clone3,fork,vfork,execve,openat,close,memfd_create
run() { # log-file strace-options...
	local log=$1; shift
	env -i setarch -R strace -f "$@" -e trace=$T -o "$log" /tmp/smallprog "$tmp/final"
}
run "$tmp/log" -y
# the final maps: memfd (shmem) inodes are a kernel counter: '*'
awk '{ if ($6 ~ /^\/memfd:/) { $5 = "*" } print }' "$tmp/final" > "$out/small.expect"
{
	echo "# examples/small-program.trace - a real log: examples/gen/make_real.sh ran"
	echo "#   env -i setarch -R strace -f -y -e trace=$T -o LOG smallprog"
	echo "# on the live kernel ($(uname -r)); smallprog.c mallocs small and large,"
	echo "# starts a thread, forks, maps a file and a memfd.  The snapshot is the"
	echo "# address space right after its execve (snap_exec.c, same conditions)."
	echo "# The @expect block is the program's own /proc/self/maps at its end."
	echo "# replay-options: --exec-snapshot small-program.snapshot"
	cat "$tmp/log"
	echo "@expect"
	cat "$out/small.expect"
	echo "@end"
} > ../small-program.trace
cp "$tmp/log" "$out/small-y.log"
run "$out/small-tt.log" -y -tt
run "$out/small-ttt-T.log" -y -ttt -T
run "$out/small-t.log" -y -t
run "$out/small-r.log" -y -r
run "$out/small-noy.log"
# terminal style: strace writes to stderr, [pid N] prefixes
env -i setarch -R strace -f -y -T -e trace=$T /tmp/smallprog "$tmp/final" 2> "$out/small-term.log"
# threads: four threads at once, unfinished/resumed pairs everywhere
env -i setarch -R /tmp/snap_exec "$out/threads.snapshot" /tmp/smallprog "$tmp/final" threads
env -i setarch -R strace -f -y -e trace=$T -o "$out/threads.log" /tmp/smallprog "$tmp/final" threads
cp "$tmp/final" "$out/threads.expect"
echo "wrote examples/small-program.{trace,snapshot} and $out/small-*.log"
