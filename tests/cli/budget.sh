#!/usr/bin/env bash
# --budget on uvma replay and uvma explain, over a trace whose VMA counts
# are worked out by hand (page p of 0x7f0000000000):
#   1 mmap 10 pages rw                  1 VMA
#   2 mprotect page 1 r                 3   (+2)
#   3 mprotect page 3 r                 5   (+2)
#   4 mprotect page 5 r                 7   (+2)  first over 6
#   5 munmap page 9 (end of the last)   7   (+0)
#   6 mmap one page at +1 MiB           8   (+1)  peak
# With max_map_count 6, line 4 needs two splits at 5 VMAs: the first
# brings the count to 6, the second is refused (count >= max): -ENOMEM.
set -u
uvma=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $*"; }
cat > "$tmp/t" <<'T'
mmap(0x7f0000000000, 40960, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000
mprotect(0x7f0000001000, 4096, PROT_READ) = 0
mprotect(0x7f0000003000, 4096, PROT_READ) = 0
mprotect(0x7f0000005000, 4096, PROT_READ) = 0
munmap(0x7f0000009000, 4096) = 0
mmap(0x7f0000100000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x7f0000100000
T
want() { grep -qxF -- "$2" <<<"$out" && ok || bad "$1: missing '$2' in:
$out"; }
for cmd in replay explain; do
	out=$("$uvma" $cmd --budget-limit 6 "$tmp/t" 2>&1); rc=$?
	[ $rc -eq 0 ] && ok || bad "$cmd: rc=$rc"
	want "$cmd peak" "  peak: 8 VMAs (0.01% of 65530) at $tmp/t:6 mmap"
	want "$cmd count" "  VMAs: 1 after the first line; 8 at the end"
	want "$cmd mprotect" "    mprotect              3 calls  +6      -0      net +2.00 per call"
	want "$cmd mmap" "    mmap                  2 calls  +1      -0      net +0.50 per call"
	want "$cmd top" "    $tmp/t:2  mprotect     +2 -> 3"
	want "$cmd over" "  at max_map_count 6: the count first exceeds it at $tmp/t:4 mprotect (7 VMAs)"
	want "$cmd enomem" "  replayed with max_map_count 6: the first call to fail is $tmp/t:4 mprotect -> -ENOMEM (Cannot allocate memory) (was 0)"
done
# The default limit (65530) is never reached; --budget alone has no limit lines.
out=$("$uvma" replay --budget "$tmp/t"); grep -q 'at max_map_count' <<<"$out" && bad "no limit" || ok
# The replay's configuration flags: the budget is against that limit.
out=$("$uvma" explain --budget --max-map-count 6 "$tmp/t" 2>/dev/null)
want config "budget: 6 lines replayed, vm.max_map_count 6"
out=$("$uvma" explain --max-map-count x "$tmp/t" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && grep -q -- '--max-map-count: expected a number' <<<"$out" && ok || bad "bad config: $rc $out"
# From stdin.
out=$("$uvma" replay --budget-limit 6 - < "$tmp/t")
want stdin "  at max_map_count 6: the count first exceeds it at -:4 mprotect (7 VMAs)"
# Malformed trace: exit 2, nothing on stdout.
printf 'mmap(\n' > "$tmp/bad"
out=$("$uvma" replay --budget "$tmp/bad" 2>/dev/null); rc=$?
[ $rc -eq 2 ] && [ -z "$out" ] && ok || bad "malformed: rc=$rc out='$out'"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
