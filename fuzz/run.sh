#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fuzz/run.sh [SECONDS] - build the libFuzzer targets with clang (installed
# from Debian's packages if missing) in build-fuzz/ and run each for
# SECONDS (default 60) on a working copy of fuzz/corpus/TARGET.  Crashes
# are saved as build-fuzz/crash-* and fail the run.
# fuzz/run.sh --no-build BUILD_DIR SECONDS - run already built targets.
# The seed is fixed (UVMA_FUZZ_SEED, default 1) so CI runs repeat; set
# another for a new campaign.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = --no-build ]; then
	build=$2 secs=$3
else
	secs=${1:-60} build=$src/build-fuzz
	if ! command -v clang >/dev/null || ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}' |
			clang -x c -fsanitize=fuzzer - -o /tmp/uvma-fuzz-probe 2>/dev/null; then
		apt-get update -qq && apt-get install -y -qq clang >/dev/null
	fi
	CC=clang cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DUVMA_FUZZ=ON -DUVMA_WERROR=OFF >/dev/null
	cmake --build "$build" -j2 --target fuzz_replay fuzz_import fuzz_calls >/dev/null
fi
for t in replay import calls; do
	work=$build/fuzz-corpus/$t
	mkdir -p "$work"
	cp -n "$src"/fuzz/corpus/$t/* "$work"/ 2>/dev/null || true
	echo "== fuzz_$t: $secs s =="
	(cd "$build" && "$build/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 \
		-seed="${UVMA_FUZZ_SEED:-1}" \
		-rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 "$work" 2>&1 |
		grep -E '^(stat::number_of_executed_units|stat::peak_rss|#[0-9]+ +DONE)|ERROR|SUMMARY|crash-|==[0-9]+==' || true)
	if compgen -G "$build/crash-*" >/dev/null || compgen -G "$build/leak-*" >/dev/null ||
	   compgen -G "$build/timeout-*" >/dev/null || compgen -G "$build/oom-*" >/dev/null; then
		echo "fuzz_$t: failure input saved in $build" >&2
		exit 1
	fi
done
