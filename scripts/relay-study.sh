#!/usr/bin/env bash
# Regenerates the relay part of the complexity study (docs/complexity.md, "Relay"; docs/relay.md):
# full, pipelined and compact relay (with transaction gossip) on scenarios/study-relay.yaml, into
# docs/data/relay.csv. Slow: the compact points at N = 1,024 take 7 to 13 minutes each.
#   scripts/relay-study.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-sweep}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" -j2 bystack-sweep
sweep=(nice "$build/bench/bystack-sweep" --scenario scenarios/study-relay.yaml
  --allow-skipped-votes --jobs 1 --out docs/data/relay.csv)
rm -f docs/data/relay.csv
"${sweep[@]}" --append --nodes 64,256 --supers 4,8,16,32 --relay full,pipelined,compact \
  --rounds 6 --tag relay
"${sweep[@]}" --append --nodes 1024 --supers 23,32,45 --relay full,pipelined --rounds 6 \
  --tag relay
"${sweep[@]}" --append --nodes 1024 --supers 32 --relay compact --rounds 8
"${sweep[@]}" --append --nodes 1024 --supers 32 --relay compact --bandwidth-mbps 200 \
  --rounds 6 --tag relay-200mbps
"${sweep[@]}" --append --nodes 64 --supers 8 --relay compact --certificates aggregate \
  --rounds 6
"${sweep[@]}" --append --nodes 256 --supers 16 --relay compact --certificates aggregate \
  --rounds 6
np=(nice "$build/bench/bystack-sweep" --scenario scenarios/study-relay-noprefill.yaml
  --allow-skipped-votes --jobs 1 --out docs/data/relay.csv --append --tag relay-noprefill)
"${np[@]}" --nodes 1024 --supers 32 --relay compact --certificates aggregate --rounds 6
"${np[@]}" --nodes 1024 --supers 32 --relay compact --certificates aggregate --rounds 12
"${np[@]}" --nodes 1024 --supers 32 --relay compact --certificates aggregate --rounds 12 \
  --bandwidth-mbps 200 --tag relay-noprefill-200mbps
"${np[@]}" --nodes 1024 --supers 32 --relay compact --certificates aggregate --rounds 12 \
  --bandwidth-mbps 1000 --tag relay-noprefill-1000mbps
# The relay dimension at N = 4,096 and 10,000 (docs/complexity.md): full and pipelined, both
# certificate schemes, M around sqrt(N).
"${sweep[@]}" --append --nodes 4096 --supers 45,64,90 --relay full,pipelined \
  --certificates aggregate,list --rounds 6 --tag relay
"${sweep[@]}" --append --nodes 10000 --supers 71,100,141 --relay full,pipelined \
  --certificates aggregate,list --rounds 4 --tag relay
