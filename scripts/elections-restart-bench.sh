#!/usr/bin/env bash
# What rebuilding the DPoS elections costs at a restart as the stored chain grows
# (bench/elections_restart_bench.cpp): for each chain length, writes a RocksDB chain store whose
# blocks each move OUTPUTS outputs (1,000 by default) and carry DPoS votes, with epochs of EPOCH
# blocks (100 by default), then rebuilds the elections in two ways, each in a fresh process and
# each twice: from the store's election records (what a start does) and by replaying every
# height's undo data (what a start did before the records). Prints CSV: mode, blocks, records
# read, heights replayed, seconds reading the chain and the UTXO set (both modes), seconds
# rebuilding the elections, peak MiB resident, a fingerprint of the elected sets (equal in both
# modes).
# Usage: scripts/elections-restart-bench.sh [BLOCKS ...]   (default 1000 4000 16000)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
outputs=${OUTPUTS:-1000}
epoch=${EPOCH:-100}
lengths=("$@")
[[ ${#lengths[@]} -gt 0 ]] || lengths=(1000 4000 16000)
cmake --build "$build" --target bystack-elections-restart-bench >/dev/null
tool="$build/bench/bystack-elections-restart-bench"
work=$(mktemp -d "${BYSTACK_BENCH_DIR:-${TMPDIR:-/tmp}}/bystack-elections-XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "mode,blocks,records,replayed,read_seconds,elections_seconds,max_rss_mib,sets"
for n in "${lengths[@]}"; do
  "$tool" create "$work/c$n" "$n" "$outputs" "$epoch"
  "$tool" load "$work/c$n" records "$epoch" >/dev/null # the first open replays RocksDB's log
  for run in 1 2; do
    "$tool" load "$work/c$n" records "$epoch"
    "$tool" load "$work/c$n" replay "$epoch"
  done
  rm -rf "$work/c$n"
done
