#!/usr/bin/env bash
# Instructions per delivered message of the simulator, independent of machine load: runs the
# bench under callgrind for two run lengths and divides the difference in instructions by the
# difference in delivered messages, so that setup (actors, keys) drops out.
#
#   scripts/sim-instructions.sh [BENCH_BINARY] [NODES] [SUPERS] [ROUNDS_A] [ROUNDS_B]
#
# Defaults: build/bench/bystack-sim-bench, N = 2,000, M = 45, rounds 4 and 8 (about 40 s each).
set -euo pipefail
bin=${1:-build/bench/bystack-sim-bench}
n=${2:-2000}
m=${3:-45}
ra=${4:-4}
rb=${5:-8}
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 2; }
run() {
  local out
  out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --nodes "$n" --supers "$m" \
    --rounds "$1" 2>&1)
  local ir d h
  ir=$(echo "$out" | awk '/Collected :/ {print $4}')
  d=$(echo "$out" | awk -F, -v n="$n" '$1 == n {print $6}')
  h=$(echo "$out" | awk -F, -v n="$n" '$1 == n {print $12}')
  [[ -n $ir && -n $d ]] || { echo "run with --rounds $1 failed" >&2; exit 1; }
  echo "$ir $d $h"
}
read -r ira da ha < <(run "$ra")
read -r irb db hb < <(run "$rb")
echo "nodes,supers,rounds_a,rounds_b,instructions_a,delivered_a,instructions_b,delivered_b,trace_hash_b,instructions_per_delivery"
echo "$n,$m,$ra,$rb,$ira,$da,$irb,$db,$hb,$(((irb - ira) / (db - da)))"
