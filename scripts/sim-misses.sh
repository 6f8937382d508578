#!/usr/bin/env bash
# Cache misses per delivered message of the simulator, by function: runs the bench under
# cachegrind with a simulated 2 MiB first-level data cache (this machine's L2 per core; what
# misses it waits for the shared L3 or memory) for two run lengths and divides the differences
# by the difference in delivered messages, so that setup (actors, keys) drops out.
#
#   scripts/sim-misses.sh [BENCH_BINARY] [NODES] [SUPERS] [ROUNDS_A] [ROUNDS_B] [caf|direct]
#
# Defaults: build/bench/bystack-sim-bench, the reference network (N = 10,000, M = 100), rounds 4
# and 8, CAF dispatch (about 4 minutes for both runs, which run side by side). Prints one CSV
# line of totals, then the 20 functions with the most misses per delivery. cachegrind does not
# model prefetch instructions or the hardware prefetchers: a miss counted here may be hidden on
# the real machine, so use the figures to compare binaries and to find what misses, not as
# stall time.
set -euo pipefail
bin=${1:-build/bench/bystack-sim-bench}
n=${2:-10000}
m=${3:-100}
ra=${4:-4}
rb=${5:-8}
dispatch=${6:-caf}
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {
  valgrind --tool=cachegrind --cache-sim=yes --D1=2097152,16,64 \
    --cachegrind-out-file="$work/cg.$1" "$bin" --nodes "$n" --supers "$m" --rounds "$1" \
    --dispatch "$dispatch" >"$work/log.$1" 2>&1
}
run "$ra" &
pa=$!
run "$rb" &
pb=$!
wait "$pa" || { echo "run with --rounds $ra failed (see valgrind's output)" >&2; exit 1; }
wait "$pb" || { echo "run with --rounds $rb failed" >&2; exit 1; }
# The bench's data line and the program totals of each run.
field() { awk -F, -v n="$n" '$1 == n {print $'"$2"'}' "$work/log.$1"; }
total() { grep -E "$2" "$work/log.$1" | head -1 | awk '{gsub(",", "", $4); print $4}'; }
da=$(field "$ra" 6)
db=$(field "$rb" 6)
hb=$(field "$rb" 12)
[[ -n $da && -n $db ]] || { echo "no bench output" >&2; exit 1; }
ira=$(total "$ra" "I +refs:")
irb=$(total "$rb" "I +refs:")
# "D1  misses:  T  ( R rd + W wr)": total, reads, writes.
misses() { grep -E "D1 +misses:" "$work/log.$1" | head -1 | tr -d ',()' | awk '{print $4, $5, $8}'; }
read -r ma mra mwa < <(misses "$ra")
read -r mb mrb mwb < <(misses "$rb")
d=$((db - da))
echo "nodes,supers,dispatch,rounds_a,rounds_b,delivered_a,delivered_b,trace_hash_b,instructions_per_delivery,misses_per_delivery,read_misses_per_delivery,write_misses_per_delivery"
awk -v n="$n" -v m="$m" -v x="$dispatch" -v ra="$ra" -v rb="$rb" -v da="$da" -v db="$db" \
  -v h="$hb" -v ia="$ira" -v ib="$irb" -v ma="$ma" -v mb="$mb" -v ra_="$mra" -v rb_="$mrb" \
  -v wa="$mwa" -v wb="$mwb" -v d="$d" 'BEGIN {
    printf "%s,%s,%s,%s,%s,%s,%s,%s,%.0f,%.1f,%.1f,%.1f\n", n, m, x, ra, rb, da, db, h,
      (ib - ia) / d, (mb - ma) / d, (rb_ - ra_) / d, (wb - wa) / d }'
# Per function: misses per delivery (reads + writes), from cg_annotate's function summary.
fns() {
  cg_annotate --show=D1mr,D1mw --auto=no "$work/cg.$1" 2>/dev/null |
    sed -E 's/\( *[0-9.]+%\)//g' |
    awk 'on && NF >= 3 && $1 ~ /^[0-9,]+$/ && $2 ~ /^[0-9,]+$/ {
           r = $1; w = $2; gsub(",", "", r); gsub(",", "", w); $1 = ""; $2 = "";
           sub(/^ +/, ""); print r "\t" w "\t" $0 }
         /file:function/ { on = 1 }'
}
echo
echo "read_misses,write_misses,function (per delivered message, rounds $ra to $rb)"
{
  fns "$ra" | sed 's/^/a\t/'
  fns "$rb" | sed 's/^/b\t/'
} | awk -F'\t' -v d="$d" '{
      s = ($1 == "a") ? -1 : 1; r[$4] += s * $2; w[$4] += s * $3 }
    END { for (k in r) printf "%.2f,%.2f,%s\n", r[k] / d, w[k] / d, k }' |
  awk -F, '{ printf "%.2f\t%s\n", $1 + $2, $0 }' | sort -g -r | head -20 | cut -f2- | cut -c1-160
