#!/usr/bin/env bash
# uvma replay's options and directives: --kernel-config, configuration
# flags, --initial, --smaps, --pid, @smaps, @check, @fault.  Expected values
# come from the kernel's rules, worked out by hand in the comments.
set -u
uvma=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $1"; cat "$tmp/err" 2>/dev/null | head -5; }
W=0x7f0000000000
M="mmap($W, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $W"

# PR_SET_VMA_ANON_NAME works only with CONFIG_ANON_VMA_NAME (off here)
printf '%s\nprctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, %s, 4096, "buf") = 0\n' "$M" $W > "$tmp/t"
printf '# a kernel config\nCONFIG_ANON_VMA_NAME=y\n# CONFIG_KSM is not set\nCONFIG_LSM_MMAP_MIN_ADDR=65536\n' > "$tmp/config"
"$uvma" replay --strict --kernel-config "$tmp/config" "$tmp/t" >"$tmp/out" 2>"$tmp/err" &&
	grep -q '^7f0000000000-7f0000001000 rw-p .*\[anon:buf\]$' "$tmp/out" && ok || bad anon-name-config
"$uvma" replay --strict "$tmp/t" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q ':2: expected 0, model returned -1 EINVAL' "$tmp/err" && ok || bad anon-name-default
printf 'CONFIG_FOO\n' > "$tmp/badconfig"
"$uvma" replay --kernel-config "$tmp/badconfig" "$tmp/t" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q 'badconfig:1: not a kernel config line' "$tmp/err" && ok || bad badconfig
# madvise MADV_MERGEABLE needs CONFIG_KSM: the config above turns it off
printf '%s\nmadvise(%s, 4096, MADV_MERGEABLE) = -1 EINVAL (Invalid argument)\n' "$M" $W > "$tmp/t"
"$uvma" replay --strict --kernel-config "$tmp/config" "$tmp/t" >/dev/null 2>"$tmp/err" && ok || bad no-ksm

# --max-map-count 2: mmap refuses when map_count > max_map_count already,
# so the third separate VMA is made and the fourth is refused
{
	for i in 0 2 4; do printf 'mmap(0x7f000000%d000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f000000%d000\n' $i $i; done
	printf 'mmap(0x7f0000006000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = -1 ENOMEM (Cannot allocate memory)\n'
} > "$tmp/t"
"$uvma" replay --strict --max-map-count 2 "$tmp/t" >/dev/null 2>"$tmp/err" && ok || bad max-map-count
"$uvma" replay --strict "$tmp/t" >/dev/null 2>"$tmp/err"; [ $? -eq 1 ] && ok || bad max-map-count-default

# --legacy: bottom-up from PAGE_ALIGN(TASK_SIZE / 3) = 0x2aaaaaaab000
printf 'mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x2aaaaaaab000\n' > "$tmp/t"
"$uvma" replay --strict --legacy "$tmp/t" >/dev/null 2>"$tmp/err" && ok || bad legacy
# --mmap-base: top-down ends right below it
printf 'mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x10fffe000\n' > "$tmp/t"
"$uvma" replay --strict --mmap-base 0x110000000 "$tmp/t" >/dev/null 2>"$tmp/err" && ok || bad mmap-base
# --rlimit-memlock 0 without CAP_IPC_LOCK: mlock is EPERM; --root allows it
printf '%s\nmlock(%s, 4096) = -1 EPERM (Operation not permitted)\n' "$M" $W > "$tmp/t"
"$uvma" replay --strict --rlimit-memlock 0 "$tmp/t" >/dev/null 2>"$tmp/err" && ok || bad memlock
"$uvma" replay --strict --rlimit-memlock 0 --root "$tmp/t" >/dev/null 2>"$tmp/err"; [ $? -eq 1 ] && ok || bad memlock-root
"$uvma" replay --thp sometimes "$tmp/t" >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] && grep -q 'expected never, madvise or always' "$tmp/err" && ok || bad thp-value
"$uvma" replay --rlimit-as 12Q "$tmp/t" >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] && ok || bad size-value

# --initial: start from a snapshot; --smaps prints VmFlags lines
printf '7f0000000000-7f0000004000 rw-p 00000000 00:00 0\n' > "$tmp/snap"
printf 'munmap(0x7f0000001000, 4096) = 0\n@smaps\n' > "$tmp/t"
"$uvma" replay --strict --initial "$tmp/snap" --smaps "$tmp/t" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] && [ "$(grep -c '^VmFlags: rd wr mr mw me ac $' "$tmp/out")" = 4 ] &&
	grep -q '^7f0000002000-7f0000004000 rw-p' "$tmp/out" && ok || bad initial-smaps
printf 'garbage\n' > "$tmp/snap"
"$uvma" replay --initial "$tmp/snap" "$tmp/t" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q 'snap:1: not a maps or smaps line' "$tmp/err" && ok || bad initial-bad
"$uvma" replay --initial /nonexistent "$tmp/t" >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] && ok || bad initial-missing

# --pid: an unknown process is an error
printf '5 %s\n' "$M" > "$tmp/t"
"$uvma" replay --pid 6 "$tmp/t" >"$tmp/out" 2>"$tmp/err"; [ $? -eq 2 ] && [ ! -s "$tmp/out" ] && ok || bad pid-unknown
"$uvma" replay --pid 5 "$tmp/t" >"$tmp/out" 2>"$tmp/err" && grep -q '^7f0000000000-' "$tmp/out" && ok || bad pid-known

# @fault: a write into read-only memory is SEGV_ACCERR; --strict stops
printf 'mmap(%s, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %s\n@fault 0x7f0000000010 write\n@check\n' $W $W > "$tmp/t"
"$uvma" replay --strict "$tmp/t" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q ':2: @fault 0x7f0000000010 write: the model raises SIGSEGV (SEGV_ACCERR)' "$tmp/err" && ok || bad fault-strict
"$uvma" replay "$tmp/t" >/dev/null 2>"$tmp/err" && ok || bad fault-follow
# stdin, '-' and hand-written lines without results
printf '%s\n' "$M" | "$uvma" replay - >"$tmp/out" 2>"$tmp/err" && grep -q '^7f0000000000-7f0000001000 rw-p' "$tmp/out" && ok || bad stdin
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
