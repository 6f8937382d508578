#!/usr/bin/env bash
# Bytes on the wire per committed transaction on a local 4-node bystackd cluster (one super node),
# full relay against compact relay (transaction gossip + compact proposals), under the same
# bystack-loadgen load; read from every node's /metrics (docs/relay.md, "Real nodes").
#
#   scripts/relay-bytes.sh [--rate TX_PER_S] [--seconds S] [--nodes N] [--supers M]
#                          [--modes full,compact] [--ledger opaque|butxo] [--broadcast 0|1]
#
# For each mode: a fresh cluster, a short warm-up, a /metrics snapshot of every node, the load
# (each batch submitted to one node, the nodes in turn; with --broadcast 1 each batch to every
# node, as wallets broadcasting to several peers), the drain, a second snapshot. Prints per mode
# the committed transactions, the bytes sent by all nodes (sum of bystack_messages_out_bytes_total
# deltas) per committed transaction, split by message type and by protocol phase
# (bystack_phase_out_bytes_total), compact relay's counters summed over the nodes, and finally the
# ratio full / compact.
# Binaries: $BYSTACK_BIN (a directory holding bystackd and bystack-loadgen), else build/runtime/node.
set -euo pipefail
export LC_ALL=C # sort and join must agree on the order
root="$(cd "$(dirname "$0")/.." && pwd)"
bindir="${BYSTACK_BIN:-$root/build/runtime/node}"
bin="$bindir/bystackd"
loadgen="$bindir/bystack-loadgen"
[ -x "$bin" ] && [ -x "$loadgen" ] || {
  echo "relay-bytes.sh: $bin or $loadgen missing; build them or set BYSTACK_BIN" >&2; exit 1; }
tool=relay-bytes.sh
# shellcheck source=lib/cluster-common.sh
source "$root/scripts/lib/cluster-common.sh"

rate=1000 seconds=20 nodes=4 supers=1 modes=full,compact drain=30 ledger=opaque broadcast=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    --supers) supers=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --drain) drain=$2; shift 2 ;;
    --ledger) ledger=$2; shift 2 ;;
    --broadcast) broadcast=$2; shift 2 ;;
    *) sed -n '2,17p' "$0"; exit 2 ;;
  esac
done

work="$(mktemp -d "${TMPDIR:-/tmp}/bystack-relay-bytes-XXXXXX")"
current=""
cleanup() { [ -n "$current" ] && stop_nodes "$current" >/dev/null 2>&1 || true; }
trap cleanup EXIT

# Sums over every node, as "key value" lines: bystack_messages_out_bytes_total by type,
# bystack_phase_out_bytes_total by phase ("phase:NAME") and the compact counters ("c:NAME").
snapshot() { # DIR
  while read -r _ port; do
    curl -sf --max-time 5 "http://127.0.0.1:$port/metrics"
  done < <(api_ports "$1") |
    awk '/^bystack_messages_out_bytes_total\{/ {
           t = $1; sub(/.*type="/, "", t); sub(/".*/, "", t); b[t] += $2 }
         /^bystack_phase_out_bytes_total\{/ {
           t = $1; sub(/.*phase="/, "", t); sub(/".*/, "", t); b["phase:" t] += $2 }
         /^bystack_(compact_[a-z_]+|gossip_batches)_total / {
           t = $1; sub(/^bystack_/, "", t); sub(/_total$/, "", t); b["c:" t] += $2 }
         END { for (t in b) print t, b[t] }' | sort
}
committed_txs() { # DIR -> committed transactions at the first node
  local port; port=$(api_ports "$1" | head -1 | cut -d' ' -f2)
  curl -sf --max-time 5 "http://127.0.0.1:$port/metrics" |
    awk '/^bystack_transactions_committed_total / { print $2 }'
}

declare -A per_tx
IFS=, read -r -a mode_list <<<"$modes"
for mode in "${mode_list[@]}"; do
  base=$((20000 + ($$ % 500) * 20))
  dir="$work/$mode"
  "$bin" testnet --dir "$dir" --nodes "$nodes" --supers "$supers" --ledger "$ledger" --relay "$mode" \
    --base-port "$base" --block-interval-ms 500 >/dev/null
  chmod 600 "$dir"/*.key
  current="$dir"
  start_nodes "$dir" >/dev/null
  wait_up "$dir" >/dev/null
  sleep 3 # a few empty blocks: every connection and timer is running
  submit=$(api_ports "$dir" | awk '{ printf "%s127.0.0.1:%s", (NR > 1 ? "," : ""), $2 }')
  observe=$(api_ports "$dir" | sed -n 2p | awk '{ print "127.0.0.1:" $2 }')
  before_b=$(snapshot "$dir"); before_t=$(committed_txs "$dir")
  report=$("$loadgen" --submit "$submit" --observe "$observe" --rate "$rate" --seconds "$seconds" \
    --batch 200 --payload 100 --drain "$drain" --broadcast "$broadcast" 2>"$dir/loadgen.log") || {
    echo "relay-bytes.sh: $mode: loadgen failed: $report" >&2; cat "$dir/loadgen.log" >&2; exit 1; }
  after_b=$(snapshot "$dir"); after_t=$(committed_txs "$dir")
  stop_nodes "$dir" >/dev/null; current=""
  txs=$((after_t - before_t))
  echo "== relay: $mode, ledger: $ledger, broadcast: $broadcast ($nodes nodes, $supers super node(s), $rate tx/s for $seconds s)"
  echo "loadgen: $report"
  join -a 2 -e 0 -o 0,1.2,2.2 <(echo "$before_b") <(echo "$after_b") |
    awk -v txs="$txs" '
      $1 ~ /^c:/ { d = $3 - $2; c = c sprintf("  %s %d", substr($1, 3), d); next }
      $1 ~ /^phase:/ { d = $3 - $2; if (d > 0) ph = ph sprintf("  %-20s %14d bytes %10.1f B/tx\n", $1, d, d / txs); next }
      { d = $3 - $2; tot += d; if (d > 0) printf "  %-20s %14d bytes %10.1f B/tx\n", $1, d, d / txs }
      END { printf "  %-20s %14d bytes %10.1f B/tx  (%d committed txs)\n", "total", tot, tot / txs, txs
            printf "%s", ph
            if (c != "") print "  compact counters (all nodes):" c
            print tot / txs > "/dev/stderr" }' 2>"$dir/per_tx"
  per_tx[$mode]=$(cat "$dir/per_tx")
done
if [ -n "${per_tx[full]:-}" ] && [ -n "${per_tx[compact]:-}" ]; then
  awk -v f="${per_tx[full]}" -v c="${per_tx[compact]}" \
    'BEGIN { printf "bytes per committed tx: full %.1f, compact %.1f: %.2fx fewer in compact\n", f, c, f / c }'
fi
rm -rf "$work"
