#!/usr/bin/env bash
# uvma explain on snapshots and on a live process: the reasons a person
# reads, the errors (FILE:LINE: or "uvma explain:", exit 2, nothing on
# stdout).  The reasons themselves are checked against the live kernel in
# tests/unit/test_explain.c; here the command line around them.
set -u
uvma=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"; [ -n "${sleeper:-}" ] && kill "$sleeper" 2>/dev/null' EXIT
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $*"; }
# expect NAME STATUS PATTERN ARGS... : exit status and a line on stdout
expect() {
	local name=$1 want=$2 pat=$3; shift 3
	out=$("$uvma" explain "$@" 2>"$tmp/err"); rc=$?
	if [ $rc -eq "$want" ] && grep -qE -- "$pat" <<<"$out"; then ok
	else bad "$name: rc=$rc out='$out' err='$(cat "$tmp/err")'"; fi
}
# error NAME PATTERN ARGS... : exit 2, nothing on stdout, PATTERN on stderr
error() {
	local name=$1 pat=$2; shift 2
	out=$("$uvma" explain "$@" 2>"$tmp/err"); rc=$?
	if [ $rc -eq 2 ] && [ -z "$out" ] && grep -qE -- "$pat" "$tmp/err"; then ok
	else bad "$name: rc=$rc out='$out' err='$(cat "$tmp/err")'"; fi
}

# A snapshot: [a][b] differ in dc; [b][c] file against anon; a gap; [d][e]
# identical (listed apart: would merge if the kernel made them).
cat > "$tmp/snap" <<'S'
200000000000-200000001000 rw-p 00000000 00:00 0 
VmFlags: rd wr mr mw me ac 
200000001000-200000002000 rw-p 00000000 00:00 0 
VmFlags: rd wr mr mw me dc ac 
200000002000-200000003000 r--p 00000000 fe:00 42                         /usr/lib/x.so
VmFlags: rd mr mw me 
200000005000-200000006000 r--p 00001000 fe:00 42                         /usr/lib/x.so
VmFlags: rd mr mw me 
200000006000-200000007000 r--p 00000000 fe:00 43                         /usr/lib/y.so
VmFlags: rd mr mw me 
200000008000-200000009000 rw-p 00000000 00:00 0 
VmFlags: rd wr mr mw me ac 
200000009000-20000000a000 rw-p 00000000 00:00 0 
VmFlags: rd wr mr mw me ac 
S
expect flags 0 '^    flags: dc only on the right$' --initial "$tmp/snap" 200000001000
expect flags-order 0 'separate: 1 reason' --initial "$tmp/snap" 0x200000001000
expect file-anon 0 'file: the right maps /usr/lib/x.so \(dev fe:00 inode 42\), the left is anonymous' \
	--initial "$tmp/snap" 200000002000
expect gap 0 '^    gap: 8 KiB \(2 pages\) unmapped between 0x200000003000 and 0x200000005000$' \
	--initial "$tmp/snap" 200000004000
expect inode 0 'file: different files: /usr/lib/x.so \(dev fe:00 inode 42\) on the left, /usr/lib/y.so \(dev fe:00 inode 43\) on the right \(different inodes\)' \
	--initial "$tmp/snap" 200000006000
expect pgoff 0 'pgoff: not contiguous: the left starts at pgoff 0x1 and spans 1 pages, so the right would need 0x2; it has 0' \
	--initial "$tmp/snap" 200000006000
expect unknown 0 'anon_vma: smaps shows neither anon_vma identity' --initial "$tmp/snap" 200000009000
expect unknown-verdict 0 'nothing smaps shows keeps them apart' --initial "$tmp/snap" 200000009000
expect unknown-brief 0 'not known from smaps \(and not needed for the answer\): mempolicy anon_vma pgoff' \
	--initial "$tmp/snap" 200000001000
expect all 0 '^summary: 7 VMAs, 4 touching pairs, 0 would merge, flags 2, file 2, pgoff 1$' \
	--initial "$tmp/snap" --all
expect default-all 0 '^summary: 7 VMAs' --initial "$tmp/snap"

# A replayed trace: the model knows anon_vmas, so nothing is "unknown".
# Process 101 forks from 100 after 100 faulted its page; 101 then maps
# the next page: a fork child against an unfaulted VMA.
cat > "$tmp/fork.trace" <<'T'
100 mmap(0x7f0000000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE, -1, 0) = 0x7f0000000000
100 fork() = 101
101 mmap(0x7f0000001000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x7f0000001000
T
expect trace-fork 0 '^    anon_vma: the left is a fork child .* and the right has no anon_vma' "$tmp/fork.trace" 7f0000001000
expect trace-lineage 0 'anon_vma #[0-9]+ \(fork child\)$' "$tmp/fork.trace" 7f0000001000
out=$("$uvma" explain "$tmp/fork.trace" 7f0000001000)
grep -q 'unknown\|not known' <<<"$out" && bad "trace: unknowns in model mode" || ok
error trace-pid 'no VMA on both sides of 0x7f0000001000' --pid 100 "$tmp/fork.trace" 7f0000001000
error trace-nopid 'no process 7 in the trace' --pid 7 "$tmp/fork.trace"

# A live process: every pair of a real address space, and its policies
# read from numa_maps (so mempolicy is never "unknown" there).
sleep 30 & sleeper=$!
expect live 0 '^summary: [0-9]+ VMAs, [0-9]+ touching pairs' --pid "$sleeper"
out=$("$uvma" explain --pid "$sleeper" 2>&1)
if grep -q 'mempolicy: smaps does not show' <<<"$out"; then bad "live: mempolicy unknown despite numa_maps"; else ok; fi
vdso=$(awk '/\[vdso\]/ { split($1, a, "-"); print a[1] }' /proc/$sleeper/maps)
if [ -n "$vdso" ]; then
	expect live-special 0 'VM_SPECIAL: .*(the kernel never merges such a VMA)' --pid "$sleeper" "$vdso"
fi

# Errors.
printf '200000000000-200000001000 rw-p 00000000 00:00 0\ngarbage\n' > "$tmp/badsnap"
error malformed "^$tmp/badsnap:2: " --initial "$tmp/badsnap"
error inside 'is inside the VMA 0x200000000000-0x200000001000' --initial "$tmp/snap" 200000000800
error nopair 'no VMA on both sides of 0x100' --initial "$tmp/snap" 100
error nothing 'nothing to look at' 
error option "unknown option '--frob'" --frob
error both 'ADDR or --all, not both' --initial "$tmp/snap" --all 200000001000
error budget '--budget needs a TRACE' --initial "$tmp/snap" --budget
error limit '--budget-limit needs a positive number' --budget-limit x
error pid '--pid needs a process id' --pid abc
error missing 'No such file' --initial "$tmp/none"
out=$("$uvma" explain --help); rc=$?
[ $rc -eq 0 ] && grep -q '^usage: uvma explain' <<<"$out" && ok || bad "help"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
