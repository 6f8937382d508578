#!/usr/bin/env bash
# Runs a local bystackd cluster on loopback, one process per node.
#
#   scripts/cluster.sh up [N] [--supers M | --groups 5,2] [--dir DIR]   generate keys and configs, start, wait
#   scripts/cluster.sh start DIR        start the nodes of an existing config directory (configs/local-4)
#   scripts/cluster.sh wait DIR         wait until every node answers /status and sees all its peers
#   scripts/cluster.sh status DIR       print each node's height, view and peers
#   scripts/cluster.sh stop DIR         SIGTERM every node, wait for a clean exit (SIGKILL after 20 s)
#   scripts/cluster.sh dpos-up [--dir DIR]   copy configs/dpos-local-9 (DPoS: 7 members + 2 standby
#                                       candidates, docs/dpos.md) to DIR, start it and wait
#
# Ports: `up` takes BYSTACK_BASE_PORT if set, else derives one from this shell's pid, so that
# parallel runs do not collide (node i listens on BASE+2i, its API on BASE+2i+1). The binary is
# $BYSTACKD, else build/runtime/node/bystackd or build-node/runtime/node/bystackd.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${BYSTACKD:-}"
if [ -z "$bin" ]; then
  for b in "$root/build/runtime/node/bystackd" "$root/build-node/runtime/node/bystackd"; do
    [ -x "$b" ] && { bin="$b"; break; }
  done
fi
[ -x "${bin:-}" ] || { echo "cluster.sh: bystackd not found; build it or set BYSTACKD" >&2; exit 1; }
tool=cluster.sh
# shellcheck source=lib/cluster-common.sh
source "$root/scripts/lib/cluster-common.sh"

start() {
  local dir; dir="$(cd "$1" && pwd)"
  chmod 600 "$dir"/*.key # git does not keep a key file's mode; bystackd refuses readable keys
  start_nodes "$dir"
}

status() {
  while read -r i port; do
    printf '%s (api %s): ' "$i" "$port"
    curl -sf --max-time 2 "http://127.0.0.1:$port/status" |
      jq -c '{committed_height, view, leader, peers_connected, pool_size}' 2>/dev/null || echo down
  done < <(api_ports "$1")
}


cmd="${1:-}"; shift || true
case "$cmd" in
  up)
    n=4; topo=(--supers 1); dir=""
    if [[ "${1:-}" =~ ^[0-9]+$ ]]; then n=$1; shift; fi
    while [ $# -gt 0 ]; do
      case "$1" in
        --supers) topo=(--supers "$2"); shift 2 ;;
        --groups) topo=(--groups "$2"); shift 2 ;;
        --dir) dir="$2"; shift 2 ;;
        *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
      esac
    done
    # Below Linux's ephemeral range (32768-60999), so outgoing connections never hold our ports.
    base="${BYSTACK_BASE_PORT:-$((20000 + ($$ % 600) * 20))}"
    dir="${dir:-${TMPDIR:-/tmp}/bystack-cluster-$base}"
    [ -e "$dir" ] && { echo "cluster.sh: $dir exists; stop it and remove it first" >&2; exit 1; }
    "$bin" testnet --dir "$dir" --nodes "$n" "${topo[@]}" --base-port "$base" >/dev/null
    start "$dir"
    wait_up "$dir"
    status "$dir"
    echo "stop with: $0 stop $dir" ;;
  dpos-up)
    dir="${TMPDIR:-/tmp}/bystack-dpos-local-9"
    if [ "${1:-}" = --dir ]; then dir="$2"; shift 2; fi
    [ -e "$dir" ] && { echo "cluster.sh: $dir exists; stop it and remove it first" >&2; exit 1; }
    mkdir -p "$dir"
    cp "$root"/configs/dpos-local-9/{genesis.yaml,node*.yaml,node*.key} "$dir/"
    start "$dir"
    wait_up "$dir"
    status "$dir"
    echo "election: bystack-cli show-election --node 127.0.0.1:7301"
    echo "stop with: $0 stop $dir" ;;
  start) start "$1"; wait_up "$1" ;;
  wait) wait_up "$1" ;;
  status) status "$1" ;;
  stop) stop_nodes "$1" ;;
  *) sed -n '2,15p' "$0"; exit 2 ;;
esac
