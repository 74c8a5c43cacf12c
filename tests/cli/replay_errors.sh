#!/usr/bin/env bash
# Malformed traces: TRACE:LINE:COLUMN: message on stderr, exit status 2,
# nothing on stdout (not even what an earlier @maps printed).
set -u
uvma=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { # name, trace text, expected stderr after "TRACE:"
	printf '%b' "$2" > "$tmp/t"
	out=$("$uvma" replay "$tmp/t" 2>"$tmp/err"); rc=$?
	if [ $rc -eq 2 ] && [ -z "$out" ] && grep -qF "$tmp/t:$3" "$tmp/err"; then
		pass=$((pass+1))
	else
		fail=$((fail+1)); echo "FAIL $1: rc=$rc out='$out' err='$(cat "$tmp/err")'"
	fi
}
M='mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)'
check garbage     'hello world\n'                          '1:1: expected a system call'
check after_maps  "@maps\n$M = 0x1000\nfoo\n"              '3:1: expected a system call'
check nargs       'munmap(0x1000) = 0\n'                   '1:7: munmap: expected 2 arguments, found 1'
check badnum      'munmap(0x1000, zz) = 0\n'               '1:16: expected a number'
check badflag     'mprotect(0x1000, 4096, PROT_FOO) = 0\n' '1:24: unknown name'
check badresult   'munmap(0x1000, 4096) = what\n'          '1:24: expected a result'
check errno       'munmap(0x1000, 4096) = -1 EWHAT (x)\n'  '1:27: unknown errno name'
check unbalanced  'munmap(0x1000, 4096\n'                  '1:20: missing'
check trailing    'munmap(0x1000, 4096) = 0 junk\n'        '1:26: unexpected text after the result'
check directive   '@frobnicate\n'                          '1:1: unknown directive'
check end         '@end\n'                                 '1:1: @end without @expect'
check noend       "@expect\n$M\n"                          '1:1: @expect without @end'
check fault       '@fault 0x1000 sideways\n'               '1:15: @fault: expected read, write or exec'
check pidonly     '1234 \n'                                '1:6: expected a call after the prefix'
check resumed     "1 $M <unfinished ...>\n1 <... mmap resumed> = 0x1000 x\n" '2:31: unexpected text'
check joined_arg  "1 mmap(NULL, 4096, PROT_RAED, <unfinished ...>\n1 <... mmap resumed>MAP_PRIVATE, -1, 0) = 1\n" '1:20: unknown name'
check nul         'munmap(0x1000,\0 4096) = 0\n'           '1:'
check lone_pid    '[pid 12 mmap()\n'                       '1:1: expected [pid N]'
"$uvma" replay /nonexistent >/dev/null 2>&1; [ $? -eq 2 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL missing file"; }
"$uvma" replay --bogus >/dev/null 2>&1; [ $? -eq 2 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL unknown option"; }
"$uvma" replay --help | grep -q '^usage: uvma replay' && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL --help"; }
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
