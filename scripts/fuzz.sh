#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan into build-fuzz/ and runs
# each for SECONDS (default 20) on a copy of its seed corpus. Exits non-zero if any target finds a
# crash, naming the input and the command that reproduces it.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2; }

# The project's own dependencies, then what the fuzz build adds: clang and its runtime libraries
# (libFuzzer, ASan and UBSan live in libclang-rt-14-dev on Debian 12).
scripts/install-deps.sh clang libclang-rt-14-dev

build=build-fuzz
jobs=${FUZZ_JOBS:-1}
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DBYSTACK_FUZZ=ON -DBYSTACK_SANITIZE=ON \
    -DBYSTACK_BUILD_TESTS=OFF -DBYSTACK_BUILD_BENCH=OFF
fi
ninja -C "$build" -j "$jobs" bystack_fuzzers

work=$(mktemp -d "${TMPDIR:-/tmp}/bystack-fuzz-XXXXXX")
keep=0
cleanup() { [ "$keep" -eq 1 ] || rm -rf "$work"; }
trap cleanup EXIT

mapfile -t targets < "$build/tests/fuzz/targets.txt"
passed=0 failed=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
for name in "${targets[@]}"; do
  [ -n "$name" ] || continue
  exe="$PWD/$build/tests/fuzz/fuzz_$name"
  corpus="$work/corpus/$name"
  artifacts="$work/crashes/$name"
  mkdir -p "$corpus" "$artifacts"
  [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$corpus/"
  log="$work/$name.log"
  # -rss_limit_mb bounds what one input may allocate; a decoder that allocates more for a small
  # input is an amplification bug, and libFuzzer reports it as a crash.
  if "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    echo "fuzz_$name: ok, $runs runs in ${seconds}s, corpus $(ls "$corpus" | wc -l) inputs"
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    keep=1
    echo "fuzz_$name: FAILED (log $log)"
    grep -E 'ERROR|SUMMARY|invariant broken|Test unit written' "$log" | head -n 10 | sed 's/^/  /' || true
    for crash in "$artifacts"/*; do
      [ -e "$crash" ] || continue
      echo "  crash input: $crash"
      echo "  reproduce:   $exe $crash"
      echo "  keep it:     mkdir -p tests/fuzz/crashes/$name && cp $crash tests/fuzz/crashes/$name/"
    done
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
