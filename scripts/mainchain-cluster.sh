#!/usr/bin/env bash
# Runs a local proof-of-work mainchain on loopback: one bystack-mainchaind process per node, the
# first M of them mining (docs/mainchain.md, "Real nodes").
#
#   scripts/mainchain-cluster.sh up [N] [--miners M] [--hashes H] [--dir DIR]  generate configs, start, wait
#   scripts/mainchain-cluster.sh start DIR      start the nodes of a config directory (configs/mainchain-local-3)
#   scripts/mainchain-cluster.sh wait DIR       wait until every node answers /status and reaches all its peers
#   scripts/mainchain-cluster.sh status DIR     print each node's height, tip, UTXO set hash, hash rate
#   scripts/mainchain-cluster.sh stop DIR       SIGTERM every node, wait for a clean exit (SIGKILL after 20 s)
#
# `up` makes a full mesh of N nodes (default 3) with M miners (default 2) paying development
# wallets 0..M-1 (`bystack-cli keygen --dev-wallet I`), which the genesis also funds; H is the
# expected Tensority hashes per block at the start (default 48: a few seconds per block on one
# core). Ports: BYSTACK_BASE_PORT if set, else derived from this shell's pid (node i listens on
# BASE+2i, its API on BASE+2i+1). The binary is $BYSTACK_MAINCHAIND, else
# build/runtime/mainchain/bystack-mainchaind.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${BYSTACK_MAINCHAIND:-$root/build/runtime/mainchain/bystack-mainchaind}"
[ -x "$bin" ] || { echo "mainchain-cluster.sh: $bin not found; build bystack-mainchaind or set BYSTACK_MAINCHAIND" >&2; exit 1; }
tool=mainchain-cluster.sh
# shellcheck source=lib/cluster-common.sh
source "$root/scripts/lib/cluster-common.sh"

# shellcheck source=lib/mainchain-config.sh
source "$root/scripts/lib/mainchain-config.sh"

start() { start_nodes "$1"; }

status() {
  while read -r name port; do
    printf '%s (api %s): ' "$name" "$port"
    curl -sf --max-time 2 "http://127.0.0.1:$port/status" |
      jq -c '{height, tip: .tip[0:16], utxo_set_hash: .utxo_set_hash[0:16], peers_connected, hash_rate: .mining.hash_rate, per_cpu_s: .mining.hash_rate_per_cpu_second, mined: .mining.blocks_mined, reorgs}' 2>/dev/null || echo down
  done < <(api_ports "$1")
}


cmd="${1:-}"; shift || true
case "$cmd" in
  up)
    n=3; m=2; h=48; dir=""
    if [[ "${1:-}" =~ ^[0-9]+$ ]]; then n=$1; shift; fi
    while [ $# -gt 0 ]; do
      case "$1" in
        --miners) m="$2"; shift 2 ;;
        --hashes) h="$2"; shift 2 ;;
        --dir) dir="$2"; shift 2 ;;
        *) echo "mainchain-cluster.sh: unknown option $1" >&2; exit 2 ;;
      esac
    done
    [ "$n" -ge 1 ] && [ "$m" -le "$n" ] || { echo "mainchain-cluster.sh: need 1 <= miners <= nodes" >&2; exit 2; }
    base="${BYSTACK_BASE_PORT:-$((20000 + ($$ % 600) * 20))}"
    dir="${dir:-${TMPDIR:-/tmp}/bystack-mainchain-$base}"
    [ -e "$dir" ] && { echo "mainchain-cluster.sh: $dir exists; stop it and remove it first" >&2; exit 1; }
    mainchain_generate "$dir" "$n" "$m" "$h" "$base" 5000 20
    start "$dir"
    wait_up "$dir"
    status "$dir"
    echo "stop with: $0 stop $dir" ;;
  start) start "$1"; wait_up "$1" ;;
  wait) wait_up "$1" ;;
  status) status "$1" ;;
  stop) stop_nodes "$1" ;;
  *) sed -n '2,17p' "$0"; exit 2 ;;
esac
