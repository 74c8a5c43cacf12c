#!/usr/bin/env bash
# The bundled tree script gives the layout worked out by hand below.
set -eu
uvma=$1 src=$2
out=$("$uvma" tree "$src/examples/tree-demo.tree")
expected='load 0x7ffff7e00800: 7ffff7e00000-7ffff7e01000 guard
load 0x555555565000: free
gap-low: 0x555555560000
gap-high: 0x7ffff7a00000
555555554000-555555558000 prog
555555559000-555555560000 heap
555555570000-55555557a000 heap
7ffff7d80000-7ffff7e00000 libc
7ffff7e00000-7ffff7e01000 guard
7ffff7e01000-7ffff7f90000 libc
7ffffffde000-7ffffffff000 stack'
if [ "$out" != "$expected" ]; then
	echo "tree_demo: output differs"; diff <(echo "$expected") <(echo "$out"); exit 1
fi
echo "1 passed, 0 failed"
