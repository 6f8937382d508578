#!/usr/bin/env bash
# Regenerates the complexity study (docs/complexity.md): builds bystack-sweep, runs every sweep
# into docs/data/, and draws docs/figures/ with gnuplot (installed if missing).
#   scripts/complexity-study.sh            build, sweep (about 20 minutes on 2 cores), plot
#   scripts/complexity-study.sh --plots    plot the committed CSVs again, nothing else
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-sweep}
data=docs/data
figs=docs/figures

if [[ "${1:-}" != "--plots" ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ninja -C "$build" -j2 bystack-sweep
  sweep="$build/bench/bystack-sweep"
  mkdir -p "$data"
  # 1. The message law (scenarios/study-law.yaml: every node gets the proposal before anyone can
  #    hold the certificate): every round must match both closed forms exactly.
  law=(--scenario scenarios/study-law.yaml --tag law --out "$data/law.csv")
  "$sweep" "${law[@]}" --rounds 3 --nodes 64,256,1024
  "$sweep" "${law[@]}" --rounds 3 --nodes 4096 --max-supers 1024 --append
  "$sweep" "${law[@]}" --rounds 2 --nodes 10000 --supers 1,50,100,200 --append
  # 2. The default network (five AWS regions, 100 Mbit/s, paper load), both certificate schemes,
  #    plus Bytom Vapor's 10 producers voting all-to-all. Uneven latencies let far nodes skip
  #    their vote (they hold the certificate first), so rounds may fall below the closed forms.
  main=(--tag default --allow-skipped-votes --certificates list,aggregate --rounds 4)
  "$sweep" "${main[@]}" --vapor --nodes 64,256,1024 --out "$data/default.csv"
  "$sweep" "${main[@]}" --nodes 4096 --max-supers 1024 --append --out "$data/default.csv"
  "$sweep" "${main[@]}" --rounds 3 --nodes 10000 --supers 1,25,50,71,100,141,200,400 \
    --append --out "$data/default.csv"
  # 3. Sensitivity at N = 1024 (list certificates): uplink bandwidth, latency, load.
  sens=(--allow-skipped-votes --rounds 4 --nodes 1024 --max-supers 256 --append
    --out "$data/sensitivity.csv")
  rm -f "$data/sensitivity.csv"
  "$sweep" "${sens[@]}" --tag bw25 --bandwidth-mbps 25
  "$sweep" "${sens[@]}" --tag bw100
  "$sweep" "${sens[@]}" --tag bw400 --bandwidth-mbps 400
  "$sweep" "${sens[@]}" --tag lan1ms --latency-ms 1
  "$sweep" "${sens[@]}" --tag wan200ms --latency-ms 200
  "$sweep" "${sens[@]}" --tag light --light
fi

source scripts/lib/need-tool.sh
need_tool gnuplot gnuplot-nox
mkdir -p "$figs"
exec scripts/complexity-plots.sh "$data" "$figs"
