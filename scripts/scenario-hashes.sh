#!/usr/bin/env bash
# Prints the trace hash of every scenario file under scenarios/, run by the tool that reads it,
# as a Markdown table (docs/simulator.md, "Trace hashes of the scenario files"). A user who runs
# a scenario compares its last line against this table; a change to the protocol, the network
# model or the simulator's order shows up as a changed row.
#
#   scripts/scenario-hashes.sh [BUILD_DIR]      (default build/)
#   scripts/scenario-hashes.sh --check [BUILD_DIR]
#     compares every file's hashes with its row of that table instead: prints SAME or DIFF per
#     file and fails on any DIFF or missing row. SKIP="FILE ..." leaves slow files out
#     (scenarios/federation-stack.yaml takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
if [ "${1:-}" = --check ]; then
  check=1
  shift
fi
build=${1:-build}
tool_for() {
  case "$(basename "$1")" in
    dpos*.yaml) echo "$build/sim/bystack-dpos-sim" ;;
    federation-stack*.yaml) echo "$build/sim/federation/bystack-stack-sim" ;;
    *) echo "$build/sim/bystack-sim" ;;
  esac
}
if [ "$check" = 0 ]; then
  echo "| scenario | tool | trace hash | wall |"
  echo "|---|---|---|---:|"
fi
failed=0
for f in scenarios/*.yaml scenarios/*/*.yaml; do
  case " ${SKIP:-} " in *" $f "*)
    [ "$check" = 0 ] || echo "SKIP $f"
    continue
    ;;
  esac
  tool=$(tool_for "$f")
  start=$(date +%s.%N)
  out=$("$tool" "$f" 2>&1 || true)
  end=$(date +%s.%N)
  # The last "trace hash" line; bystack-stack-sim prints two (consensus, peg), kept in order.
  hash=$(printf '%s\n' "$out" | grep -E 'trace[_ ]hash' | tail -1 | grep -Eo '[0-9a-f]{16}' |
    paste -sd' ' - | sed 's/ /` `/g' || true)
  [ -n "$hash" ] || hash="(no hash: $(printf '%s\n' "$out" | tail -1 | cut -c1-60))"
  if [ "$check" = 1 ]; then
    # The row's third column names the hash (or both hashes) in backticks.
    row=$(grep -F "| \`$f\` |" docs/simulator.md | head -1 | awk -F'|' '{print $4}')
    verdict=SAME
    for h in $(printf '%s' "$hash" | tr -d '`'); do
      grep -q "\`$h\`" <<<"$row" || verdict=DIFF
    done
    [ -n "$row" ] || verdict="DIFF (no row)"
    [ "$verdict" = SAME ] || failed=1
    echo "$verdict $f $(printf '%s' "$hash" | tr -d '`')"
    continue
  fi
  printf '| `%s` | `%s` | `%s` | %.1f s |\n' "$f" "$(basename "$tool")" "$hash" "$(awk -v a="$start" -v b="$end" 'BEGIN{print b-a}')"
done
exit "$failed"
