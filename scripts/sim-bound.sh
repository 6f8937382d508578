#!/usr/bin/env bash
# What the reference run could reach on this machine if its serial phases ran on both threads
# at no cost: a lower bound on wall time, measured, not modelled.
#
# Runs bystack-sim-bench in four ways, alternating (the host's speed moves between hours, so
# each round compares runs taken within a minute of each other): one thread and two threads,
# each with CAF's dispatch (the contract: every node an actor) and with `--dispatch direct`
# (the same handlers called without a CAF message; same trace hash). Per round it prints
#
#   bound      = window phase with two threads + (popping + flush with one thread) / 2
#   bound_free = the same from the `--dispatch direct` runs
#
# and serial_2t, popping + flush in the two-thread run, beside serial_1t.
#
# `bound` is the wall time the run would take if popping and the flush, which decide the trace
# order and run on one thread, were split over both threads perfectly, at their one-thread cost
# (with two threads they run slower: the nodes' data moves between cores), with nothing else
# changed; `bound_free` also drops CAF's dispatch. Each is a floor for that design: real splits
# add hand-offs and cache traffic (docs/simulator.md, "A split flush on two threads").
#
#   scripts/sim-bound.sh [--rounds-of-four K] [bench options...]
#     --rounds-of-four K   how many rounds of the four runs (default 4)
#     bench options        passed to every run (default: the reference run)
#
# Output: CSV, one line per round, then the range of each column.
set -euo pipefail
cd "$(dirname "$0")/.."
k=4
if [ "${1:-}" = "--rounds-of-four" ]; then
  k=$2
  shift 2
fi
bench=${BYSTACK_SIM_BENCH:-build/bench/bystack-sim-bench} # another binary: for tests
[ -x "$bench" ] || scripts/build.sh
# The bench's data line, columns by name: delivered 6, wall 7, hash 12, pop 20, window 21,
# flush 22 (checked against its header below).
header=$("$bench" --nodes 10 --supers 2 --rounds 1 | head -1)
IFS=, read -r -a cols <<<"$header"
[ "${cols[5]}" = delivered ] && [ "${cols[6]}" = wall_seconds ] && [ "${cols[11]}" = trace_hash ] &&
  [ "${cols[19]}" = pop_seconds ] && [ "${cols[20]}" = window_seconds ] &&
  [ "${cols[21]}" = flush_seconds ] || {
  echo "sim-bound: the bench's columns moved: $header" >&2
  exit 1
}
run() { "$bench" "$@" | tail -1; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
echo "round,delivered,trace_hash,wall_1t,wall_2t,wall_1t_direct,wall_2t_direct,serial_1t,serial_2t,window_2t,serial_1t_direct,window_2t_direct,bound,bound_free,per_wall_s_2t,per_wall_s_bound,per_wall_s_bound_free"
for ((r = 1; r <= k; ++r)); do
  a=$(run --threads 1 "$@")
  b=$(run --threads 2 "$@")
  c=$(run --threads 1 --dispatch direct "$@")
  d=$(run --threads 2 --dispatch direct "$@")
  printf '%s\n%s\n%s\n%s\n' "$a" "$b" "$c" "$d" | awk -F, -v r="$r" '
    { del[NR] = $6; wall[NR] = $7; hash[NR] = $12; serial[NR] = $20 + $22; win[NR] = $21 }
    END {
      for (i = 2; i <= 4; ++i)
        if (hash[i] != hash[1] || del[i] != del[1]) {
          print "sim-bound: the four runs differ (trace hash or deliveries)" > "/dev/stderr"
          exit 1
        }
      bound = win[2] + serial[1] / 2
      free = win[4] + serial[3] / 2
      printf "%d,%d,%s,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.0f,%.0f,%.0f\n",
        r, del[1], hash[1], wall[1], wall[2], wall[3], wall[4], serial[1], serial[2], win[2], serial[3],
        win[4], bound, free, del[1] / wall[2], del[1] / bound, del[1] / free
    }'
done | tee "$tmp"
awk -F, '
  { n = NR; for (i = 4; i <= NF; ++i) { if (n == 1 || $i < lo[i]) lo[i] = $i; if (n == 1 || $i > hi[i]) hi[i] = $i } }
  END {
    if (n == 0) exit 1
    printf "range"
    printf ",,"
    for (i = 4; i <= NF; ++i) printf ",%s-%s", lo[i], hi[i]
    printf "\n"
  }' "$tmp"
