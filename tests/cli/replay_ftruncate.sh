#!/bin/bash
# SPDX-License-Identifier: MIT
# replay_ftruncate.sh - ftruncate lines set a file's size, which decides
# where a fault in its mapping raises SIGBUS.  The trace lines are real
# strace -f -y output of a program here (memfd_create, ftruncate to 8192,
# a 4-page MAP_SHARED mapping, a write to its second page); the live
# kernel raises SIGBUS from the third page on (pinned in test_fault.c's
# fault_live_sigbus_past_eof).  $1 = uvma binary.
uvma=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

cat > "$tmp/base" <<'T'
16603 memfd_create("m", 0)              = 3</memfd:m>(deleted)
16603 ftruncate(3</memfd:m>(deleted), 8192) = 0
16603 mmap(0x7f0000000000, 16384, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3</memfd:m>(deleted), 0) = 0x7f0000000000
16603 @fault 0x7f0000001000 write
T
"$uvma" replay --strict "$tmp/base" > "$tmp/out" 2> "$tmp/err"
[ $? -eq 0 ] && ok || bad "fault inside the file: $(cat "$tmp/err")"
grep -q '^7f0000000000-7f0000004000 rw-s 00000000 00:01 [0-9]* *\/memfd:m (deleted)$' "$tmp/out" && ok || bad "maps: $(cat "$tmp/out")"

cp "$tmp/base" "$tmp/past"
echo '16603 @fault 0x7f0000002000 read' >> "$tmp/past"
"$uvma" replay --strict "$tmp/past" > "$tmp/out" 2> "$tmp/err"
[ $? -eq 1 ] && ok || bad "fault past EOF not reported"
grep -q 'past:5: @fault 0x7f0000002000 read: .*SIGBUS' "$tmp/err" && ok || bad "message: $(cat "$tmp/err")"

# Without the ftruncate line the memfd is empty: the first fault is SIGBUS.
grep -v ftruncate "$tmp/base" > "$tmp/empty"
"$uvma" replay --strict "$tmp/empty" > "$tmp/out" 2> "$tmp/err"
[ $? -eq 1 ] && grep -q 'SIGBUS' "$tmp/err" && ok || bad "empty memfd fault"

# A refused ftruncate (negative length) is compared like any result.
printf '%s\n' '1 memfd_create("n", 0) = 3</memfd:n>(deleted)' \
	'1 ftruncate(3</memfd:n>(deleted), -1) = -1 EINVAL (Invalid argument)' > "$tmp/neg"
"$uvma" replay --strict "$tmp/neg" > /dev/null 2> "$tmp/err"
[ $? -eq 0 ] && ok || bad "negative length: $(cat "$tmp/err")"

# F_ADD_SEALS is compared too: F_SEAL_WRITE is -EBUSY while the shared
# mapping exists and succeeds after munmap (as pinned live in test_mmap.c's
# mmap_live_memfd_seals).  A trace claiming otherwise is a mismatch.
printf '%s\n' '1 memfd_create("s", MFD_ALLOW_SEALING) = 3</memfd:s>(deleted)' \
	'1 mmap(0x7f0000000000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 3</memfd:s>(deleted), 0) = 0x7f0000000000' \
	'1 fcntl(3</memfd:s>(deleted), F_ADD_SEALS, F_SEAL_WRITE) = -1 EBUSY (Device or resource busy)' \
	'1 munmap(0x7f0000000000, 4096) = 0' \
	'1 fcntl(3</memfd:s>(deleted), F_ADD_SEALS, F_SEAL_WRITE) = 0' \
	'1 mmap(0x7f0000000000, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3</memfd:s>(deleted), 0) = -1 EPERM (Operation not permitted)' > "$tmp/seal"
"$uvma" replay --strict "$tmp/seal" > /dev/null 2> "$tmp/err"
[ $? -eq 0 ] && ok || bad "seals: $(cat "$tmp/err")"
sed '3s/= -1 EBUSY (Device or resource busy)/= 0/' "$tmp/seal" > "$tmp/seal0"
"$uvma" replay --strict "$tmp/seal0" > /dev/null 2> "$tmp/err"
[ $? -eq 1 ] && grep -q 'seal0:3: expected 0, model returned -1 EBUSY' "$tmp/err" && ok ||
	bad "seal mismatch: $(cat "$tmp/err")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
