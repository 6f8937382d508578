#!/usr/bin/env bash
# What a production restart costs as the stored chain grows (bench/restart_bench.cpp): for each
# chain length, writes a RocksDB chain store of blocks carrying 1,000 transactions of 100 bytes,
# then loads it in two ways, each load in a fresh process and each twice (RocksDB may still be
# compacting the new store during the first): decoding every block (what a start did before
# load_for_restart) and checking every height's header record but decoding only the top KEEP
# blocks (what a start does with node.retained_blocks = KEEP). Prints CSV: mode, blocks, keep,
# blocks decoded, seconds, MiB resident after opening the store, peak MiB resident.
# Usage: scripts/restart-bench.sh [BLOCKS ...]   (default 1024 2048 4096; KEEP=1024 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
keep=${KEEP:-1024}
txs=${TXS:-1000}
lengths=("$@")
[[ ${#lengths[@]} -gt 0 ]] || lengths=(1024 2048 4096)
cmake --build "$build" --target bystack-restart-bench >/dev/null
tool="$build/bench/bystack-restart-bench"
work=$(mktemp -d "${BYSTACK_BENCH_DIR:-${TMPDIR:-/tmp}}/bystack-restart-XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "mode,blocks,keep,decoded,seconds,rss_open_mib,max_rss_mib"
for n in "${lengths[@]}"; do
  "$tool" create "$work/c$n" "$n" "$txs"
  "$tool" load "$work/c$n" top 1 >/dev/null # the first open replays RocksDB's log: not timed
  for run in 1 2; do
    "$tool" load "$work/c$n" all
    "$tool" load "$work/c$n" top "$keep"
  done
  rm -rf "$work/c$n"
done
