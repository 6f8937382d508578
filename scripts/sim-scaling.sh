#!/usr/bin/env bash
# Measures what a simulation costs, to plan a run: wall time per round and peak memory of
# bystack-sim-bench (modelled crypto, aggregate certificates, one thread) against N with M near
# sqrt(N), and against M at N = 10,000. Time per round is the difference between a longer and a
# shorter run of the same point over their difference in rounds, which drops the setup (a
# million actors take minutes to create). Runs one point after another; run it on an otherwise
# idle machine, or the wall times say little.
#
#   scripts/sim-scaling.sh [--quick] [--out FILE.csv]
#     --quick   stop at N = 100,000 (the million-node points take about 15 minutes and 12 GiB)
#
# Writes docs/data/sim-scaling.csv and draws docs/figures/sim-scaling.png with gnuplot (installed
# if missing); with --out, FILE.csv and FILE.png.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
out=docs/data/sim-scaling.csv
png=docs/figures/sim-scaling.png
while [ $# -gt 0 ]; do
  case "$1" in
  --quick) quick=1 ;;
  --out)
    out=$2
    png=${2%.csv}.png
    shift
    ;;
  *)
    echo "usage: scripts/sim-scaling.sh [--quick] [--out FILE.csv]" >&2
    exit 2
    ;;
  esac
  shift
done
bench=build/bench/bystack-sim-bench
[ -x "$bench" ] || scripts/build.sh
mkdir -p "$(dirname "$out")" "$(dirname "$png")"

# One bench run: prints its CSV data line (columns as the bench's header).
run() { "$bench" --nodes "$1" --supers "$2" --rounds "$3" | tail -1; }

echo "series,nodes,supers,rounds_short,rounds_long,wall_short_s,wall_long_s,wall_per_round_s,delivered_per_round,rss_short_mib,rss_long_mib,rss_growth_pct,bytes_per_node_long,hash_short,hash_long" >"$out"
point() { # series N M short long
  local a b
  a=$(run "$2" "$3" "$4")
  b=$(run "$2" "$3" "$5")
  for line in "$a" "$b"; do
    if [ "$(cut -d, -f5 <<<"$line")" != yes ]; then
      echo "sim-scaling: N=$2 M=$3 did not complete: $line" >&2
      exit 1
    fi
  done
  awk -F, -v s="$1" -v r1="$4" -v r2="$5" -v a="$a" -v b="$b" 'BEGIN {
    split(a, x, ","); split(b, y, ",");
    d = r2 - r1;
    printf "%s,%s,%s,%d,%d,%.3f,%.3f,%.4f,%d,%.1f,%.1f,%.1f,%s,%s,%s\n", s, x[1], x[2], r1, r2,
      x[7], y[7], (y[7] - x[7]) / d, (y[6] - x[6]) / d, x[10], y[10],
      100 * (y[10] - x[10]) / x[10], y[11], x[12], y[12] }' | tee -a "$out"
}

# Against N, M near sqrt(N).
point n 1000 32 2 10
point n 10000 100 2 10
point n 100000 316 2 4
[ "$quick" = 1 ] || point n 1000000 1000 2 3
# Against M at N = 10,000.
for m in 1 10 32 316 1000; do point m 10000 "$m" 2 10; done

source scripts/lib/need-tool.sh
need_tool gnuplot gnuplot-nox
gnuplot <<EOF
set terminal pngcairo size 1200,460 font ",10"
set output "$png"
set datafile separator ","
set multiplot layout 1,2
set title "Against N (M near sqrt(N)), one thread"
set logscale xy
set xlabel "N (nodes)"
set ylabel "wall s per round / peak GiB"
set key top left
plot "< grep '^n,' $out" using 2:8 with linespoints title "wall s per round", \
     "" using 2:(\$11/1024) with linespoints title "peak RSS, GiB"
set title "Against M at N = 10,000, one thread"
set xlabel "M (super nodes)"
plot "< (grep '^n,10000,' $out; grep '^m,' $out) | sort -t, -k3 -n" using 3:8 with linespoints title "wall s per round", \
     "" using 3:(\$11/1024) with linespoints title "peak RSS, GiB"
unset multiplot
EOF
echo "sim-scaling: wrote $out and $png"
