#!/usr/bin/env bash
# make.sh NAME... - regenerate examples/NAME.trace from a live run of
# scenarios.c under strace: this machine's kernel is the oracle.
#
# The scenario writes its directives (comments, @fault for the page faults
# strace cannot see, @maps, and @expect blocks holding the window's
# /proc/self/maps lines as the kernel printed them) to descriptor -1;
# strace shows them as failed writes, which become lines of the trace.
# Lines start at the scenario's "@begin" (the loader's calls before it
# are left out).  Device and inode numbers of files vary between machines
# and runs: they become '*' in @expect lines (a wildcard field).  The pid
# prefix stays only when the scenario has more than one process.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
gcc -O1 -Wall -o "$tmp/scenarios" scenarios.c
for name in "$@"; do
	setarch -R strace -f -y -s 512 -o "$tmp/log" \
		-e trace=memory,clone,clone3,fork,vfork,openat,close,memfd_create,dup,dup2,dup3,fcntl,userfaultfd,ioctl,prctl,write \
		"$tmp/scenarios" "$name" >/dev/null
	awk '
	{ pid = $1; s = $0; sub(/^[0-9]+ +/, "", s) }
	s ~ /^write\(-1, "/ {
		sub(/^write\(-1, "/, "", s); sub(/", [0-9]+\) += -1 EBADF.*$/, "", s)
		gsub(/\\"/, "\"", s)
		if (s == "@begin") { on = 1; next }
		if (s ~ /^#/) { print s; next }
		if (!on) next
		if (s == "@expect") { inexp = 1; print pid " " s; next }
		if (s == "@end") { inexp = 0; print pid " " s; next }
		if (inexp) {
			n = split(s, f, / +/)
			if (f[4] != "00:00") { f[4] = "*"; f[5] = "*" }
			line = f[1]; for (i = 2; i <= n; i++) line = line " " f[i]
			print line; next
		}
		print pid " " s; next
	}
	s ~ /^write\(/ { next }
	on && !/\/proc\// { print }' "$tmp/log" > "$tmp/body"
	npids=$(grep -oE '^[0-9]+ ' "$tmp/body" | sort -u | wc -l)
	{
		echo "# examples/$name.trace - produced by examples/gen/make.sh $name:"
		echo "# scenarios.c ran these calls on the live kernel ($(uname -r)) under"
		echo "# setarch -R strace -f -y; the @expect blocks are that kernel's own"
		echo "# /proc/self/maps lines for the window (devices and inodes as '*')."
		if [ "$npids" -le 1 ]; then sed -E 's/^[0-9]+ //' "$tmp/body"; else cat "$tmp/body"; fi
	} > "../$name.trace"
	echo "wrote examples/$name.trace"
done
