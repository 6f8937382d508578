#!/usr/bin/env bash
# Prints the trace hash of every scenario file under scenarios/, run by the tool that reads it,
# as a Markdown table (docs/simulator.md, "Trace hashes of the scenario files"). A user who runs
# a scenario compares its last line against this table; a change to the protocol, the network
# model or the simulator's order shows up as a changed row.
#
#   scripts/scenario-hashes.sh [BUILD_DIR]      (default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tool_for() {
  case "$(basename "$1")" in
    dpos*.yaml) echo "$build/sim/bystack-dpos-sim" ;;
    federation-stack*.yaml) echo "$build/sim/federation/bystack-stack-sim" ;;
    *) echo "$build/sim/bystack-sim" ;;
  esac
}
echo "| scenario | tool | trace hash | wall |"
echo "|---|---|---|---:|"
for f in scenarios/*.yaml scenarios/*/*.yaml; do
  tool=$(tool_for "$f")
  start=$(date +%s.%N)
  out=$("$tool" "$f" 2>&1 || true)
  end=$(date +%s.%N)
  # The last "trace hash" line; bystack-stack-sim prints two (consensus, peg), kept in order.
  hash=$(printf '%s\n' "$out" | grep -E 'trace[_ ]hash' | tail -1 | grep -Eo '[0-9a-f]{16}' |
    paste -sd' ' - | sed 's/ /` `/g' || true)
  [ -n "$hash" ] || hash="(no hash: $(printf '%s\n' "$out" | tail -1 | cut -c1-60))"
  printf '| `%s` | `%s` | `%s` | %.1f s |\n' "$f" "$(basename "$tool")" "$hash" "$(awk -v a="$start" -v b="$end" 'BEGIN{print b-a}')"
done
