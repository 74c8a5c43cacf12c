#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# install_test.sh BUILD SRC CC CMAKE [FLAGS] - install BUILD into a fresh
# prefix, build examples/embed.c against the installed library through
# pkg-config and through find_package(uvma), and run both; then link the
# installed libuvma.a into a program that has functions of its own named
# like every internal symbol of the library.  FLAGS are what
# the library was built with that its consumers need too (sanitizers).
set -euo pipefail
build=$1 src=$2 cc=$3 cmake=$4 flags=${5:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log"
for f in include/uvma/uvma.h bin/uvma share/man/man1/uvma.1; do
	[ -f "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done
libdir=$(dirname "$(find "$prefix" -name 'libuvma.so.*.*.*' -print -quit)")
[ -f "$libdir/libuvma.a" ] || { echo "libuvma.a not installed"; exit 1; }
soname=$(objdump -p "$libdir"/libuvma.so | awk '$1 == "SONAME" {print $2}')
major=$(sed -n 's/^#define UVMA_VERSION_MAJOR \([0-9]*\)$/\1/p' "$prefix/include/uvma/uvma.h")
[ "$soname" = "libuvma.so.$major" ] || { echo "SONAME '$soname', want libuvma.so.$major"; exit 1; }
"$prefix/bin/uvma" --version >/dev/null
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

# pkg-config, from the relocated prefix.
export PKG_CONFIG_PATH=$libdir/pkgconfig
[ "$(pkg-config --modversion uvma)" = "$(sed -n 's/^#define UVMA_VERSION_STRING "\(.*\)"$/\1/p' "$prefix/include/uvma/uvma.h")" ] ||
	{ echo "pkg-config version differs from the header's"; exit 1; }
# shellcheck disable=SC2046,SC2086
"$cc" $flags -std=c11 -Wall -Wextra -Werror -o "$tmp/embed_pc" "$src/examples/embed.c" \
	$(pkg-config --cflags --libs uvma)
"$tmp/embed_pc" >"$tmp/pc.out"
# It runs against the installed shared library, not a copy linked in.
ldd "$tmp/embed_pc" >"$tmp/ldd.out"
grep -q "$libdir/libuvma.so" "$tmp/ldd.out" ||
	{ echo "embed_pc does not load $libdir/libuvma.so"; cat "$tmp/ldd.out"; exit 1; }

# find_package(uvma), shared and static.
"$cmake" -S "$src/tests/install/consumer" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
	-DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$flags" -DEMBED_C="$src/examples/embed.c" \
	>"$tmp/consumer.log" || { cat "$tmp/consumer.log"; exit 1; }
"$cmake" --build "$tmp/consumer" >>"$tmp/consumer.log" || { cat "$tmp/consumer.log"; exit 1; }
"$tmp/consumer/embed_shared" >"$tmp/shared.out"
"$tmp/consumer/embed_static" >"$tmp/static.out"
cmp "$tmp/pc.out" "$tmp/shared.out"
cmp "$tmp/pc.out" "$tmp/static.out"

# A program with functions of its own named like every global symbol of the
# library's internal build (find_vma, mt_store, get_unmapped_area, ...)
# links the installed libuvma.a and runs: no internal name is in its way.
# (Not the names a program may not define: those reserved to the compiler,
# "__" or "_" and a capital, such as ASan's, and our own __vma_link.)
nm -g --defined-only "$build/libuvma_internal.a" | awk 'NF == 3 {print $3}' |
	grep -v '^uvma_' | grep -E '^[A-Za-z][A-Za-z0-9_]*$|^_[a-z][A-Za-z0-9_]*$' |
	sort -u >"$tmp/internal"
[ "$(wc -l <"$tmp/internal")" -ge 20 ] ||
	{ echo "only $(wc -l <"$tmp/internal") internal names found"; exit 1; }
{
	echo '#include <stdio.h>'
	echo '#include <uvma/uvma.h>'
	awk '{printf "int %s(void);\nint %s(void) { return %d; }\n", $1, $1, NR}' "$tmp/internal"
	echo 'static int (*const own[])(void) = {'
	awk '{printf "\t%s,\n", $1}' "$tmp/internal"
	echo '};'
	cat <<'EOF'
int main(void)
{
	struct uvma_config cfg;
	struct uvma_mm *mm;
	long sum = 0, n = (long)(sizeof(own) / sizeof(own[0]));
	int64_t a;
	for (long i = 0; i < n; i++)
		sum += own[i]();
	uvma_config_init(&cfg);
	if (uvma_mm_create(&cfg, &mm))
		return 1;
	a = uvma_mmap(mm, 0, 8192, UVMA_PROT_READ, UVMA_MAP_PRIVATE | UVMA_MAP_ANONYMOUS, NULL, 0);
	if (a <= 0 || uvma_munmap(mm, (uint64_t)a, 4096))
		return 1;
	uvma_mm_destroy(mm);
	printf("%ld own functions, sum %ld\n", n, sum);
	return sum == n * (n + 1) / 2 ? 0 : 1;
}
EOF
} >"$tmp/clash.c"
# shellcheck disable=SC2086
"$cc" $flags -std=c11 -Wall -Wextra -Werror -I"$prefix/include" -o "$tmp/clash" \
	"$tmp/clash.c" "$libdir/libuvma.a" >"$tmp/clash.log" 2>&1 ||
	{ echo "a program with the library's internal names does not link libuvma.a:"
	  head -20 "$tmp/clash.log"; exit 1; }
"$tmp/clash" >"$tmp/clash.out" || { echo "clash program failed"; cat "$tmp/clash.out"; exit 1; }

# The example's own self-check passed (it exits non-zero otherwise); its
# output ends with the maps it printed.
grep -q "^mirror matches" "$tmp/pc.out" && grep -q "^embed: ok$" "$tmp/pc.out" || { cat "$tmp/pc.out"; exit 1; }
echo "install, pkg-config, find_package and $(wc -l <"$tmp/internal") internal names free: ok"
