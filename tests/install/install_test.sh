#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# install_test.sh BUILD SRC CC CMAKE [FLAGS] - install BUILD into a fresh
# prefix, build examples/embed.c against the installed library through
# pkg-config and through find_package(uvma), and run both.  FLAGS are what
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
# The example's own self-check passed (it exits non-zero otherwise); its
# output ends with the maps it printed.
grep -q "^mirror matches" "$tmp/pc.out" && grep -q "^embed: ok$" "$tmp/pc.out" || { cat "$tmp/pc.out"; exit 1; }
echo "install, pkg-config and find_package: ok"
