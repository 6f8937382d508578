#!/usr/bin/env bash
# Draws one run's plots from bystack-sim --json output (gnuplot, installed if missing):
#   bystack-sim scenarios/default.yaml --json run.json && scripts/plot-run.sh run.json plots/
# Writes OUTDIR/commit-latency.png (latency of each height against simulated time),
# OUTDIR/messages-per-round.png (messages per phase T0..T4 in each measured round) and
# OUTDIR/node-load.png (how many nodes handled how many messages, super nodes apart).
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: scripts/plot-run.sh RUN.json OUTDIR" >&2
  exit 2
fi
run=$1
out=$2
[ -r "$run" ] || { echo "plot-run: cannot read $run" >&2; exit 2; }

source "$(dirname "$0")/lib/need-tool.sh"
need_tool gnuplot gnuplot-nox
need_tool jq jq

for field in commits messages_per_round node_load; do
  if ! jq -e "has(\"$field\")" "$run" >/dev/null; then
    echo "plot-run: $run has no '$field' (written by bystack-sim --json since the trace work)" >&2
    exit 2
  fi
done

mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jq -r '.commits[] | "\(.height) \(.sim_ms / 1000) \(.latency_ms) \(.latency_max_ms)"' "$run" \
  > "$tmp/commits.dat"
jq -r '.messages_per_round[] | "\(.view) \(.T0) \(.T1) \(.T2) \(.T3) \(.T4)"' "$run" \
  > "$tmp/rounds.dat"
jq -r '.node_load[] | select(.super) | "\(.node) \(.msgs_in + .msgs_out)"' "$run" \
  > "$tmp/load-super.dat"
jq -r '.node_load[] | select(.super | not) | "\(.node) \(.msgs_in + .msgs_out)"' "$run" \
  > "$tmp/load-validator.dat"
title=$(jq -r '"\(.scenario), N=\(.nodes), M=\(.supers), seed \(.seed)"' "$run")
max_load=$(jq '[.node_load[] | .msgs_in + .msgs_out] | max' "$run")
# Forty bins across the range of loads (at least one message wide).
bin=$(awk -v m="$max_load" 'BEGIN { b = m / 40; if (b < 1) b = 1; print b }')
# gnuplot refuses to plot an empty file: give empty series one invisible point.
for f in commits rounds load-super load-validator; do
  [ -s "$tmp/$f.dat" ] || echo "NaN NaN NaN NaN NaN NaN" > "$tmp/$f.dat"
done

cat > "$tmp/plot.gp" <<GP
set terminal pngcairo size 1000,560 font "sans,10"
set grid
set key outside right top

set output "$out/commit-latency.png"
set title "Commit latency by height ($title)"
set xlabel "simulated time of the first commit (s)"
set ylabel "from proposal to final commit (ms)"
plot "$tmp/commits.dat" using 2:3 with linespoints pt 7 ps 0.8 title "mean over honest nodes", \
     "" using 2:4 with lines dt 2 title "slowest node"

set output "$out/messages-per-round.png"
set title "Messages per round by phase ($title)"
set xlabel "round (view)"
set ylabel "messages on the wire"
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border -1
set boxwidth 0.8
set xtics rotate by -45 autofreq
plot "$tmp/rounds.dat" using 2:xtic(1) lc rgb "#1f77b4" title "T0 propose", \
     "" using 3 lc rgb "#ff7f0e" title "T1 forward", \
     "" using 4 lc rgb "#2ca02c" title "T2 vote", \
     "" using 5 lc rgb "#d62728" title "T3 group-cert", \
     "" using 6 lc rgb "#9467bd" title "T4 commit-cert"

unset style
set style data lines
set xtics norotate
set output "$out/node-load.png"
set title "Per-node load over the run ($title)"
set xlabel "messages sent and received by a node"
set ylabel "nodes"
set style fill solid 0.7 border -1
set boxwidth $bin * 0.9
bin(x) = $bin * floor(x / $bin) + $bin / 2.0
plot "$tmp/load-validator.dat" using (bin(\$2)):(1) smooth frequency with boxes lc rgb "#2ca02c" title "validators", \
     "$tmp/load-super.dat" using (bin(\$2)):(1) smooth frequency with boxes lc rgb "#d62728" title "super nodes"
GP
gnuplot "$tmp/plot.gp"
echo "plot-run: wrote $out/commit-latency.png $out/messages-per-round.png $out/node-load.png"
