#!/usr/bin/env bash
# Runs a local bystackd cluster on loopback, one process per node.
#
#   scripts/cluster.sh up [N] [--supers M | --groups 5,2] [--dir DIR]   generate keys and configs, start, wait
#   scripts/cluster.sh start DIR        start the nodes of an existing config directory (configs/local-4)
#   scripts/cluster.sh wait DIR         wait until every node answers /status and sees all its peers
#   scripts/cluster.sh status DIR       print each node's height, view and peers
#   scripts/cluster.sh stop DIR         SIGTERM every node, wait for a clean exit (SIGKILL after 20 s)
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

api_ports() { # DIR -> "index port" lines
  for cfg in "$1"/node*.yaml; do
    local i; i=$(basename "$cfg" .yaml); i=${i#node}
    echo "$i $(sed -n 's/^  api: {address: "\{0,1\}[^,"]*"\{0,1\}, port: \([0-9]*\)}.*/\1/p' "$cfg")"
  done
}

start() {
  local dir; dir="$(cd "$1" && pwd)"
  chmod 600 "$dir"/*.key # git does not keep a key file's mode; bystackd refuses readable keys
  for cfg in "$dir"/node*.yaml; do
    local name; name=$(basename "$cfg" .yaml)
    if [ -f "$dir/$name.pid" ] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
      echo "$name already running (pid $(cat "$dir/$name.pid"))"; continue
    fi
    (cd "$dir" && exec "$bin" --config "$cfg" >>"$dir/$name.log" 2>&1) &
    echo $! >"$dir/$name.pid"
  done
}

wait_up() {
  local dir="$1" deadline=$((SECONDS + ${BYSTACK_WAIT_S:-120}))
  local n; n=$(ls "$dir"/node*.yaml | wc -l)
  while :; do
    local ok=0
    while read -r i port; do
      peers=$(curl -sf --max-time 2 "http://127.0.0.1:$port/status" | jq -r .peers_connected 2>/dev/null || true)
      [ "$peers" = "$((n - 1))" ] && ok=$((ok + 1))
    done < <(api_ports "$dir")
    if [ "$ok" -eq "$n" ]; then echo "cluster.sh: $n nodes up in $dir"; return 0; fi
    if [ $SECONDS -ge $deadline ]; then echo "cluster.sh: only $ok of $n nodes up; see $dir/node*.log" >&2; return 1; fi
    sleep 0.5
  done
}

status() {
  while read -r i port; do
    printf 'node %s (api %s): ' "$i" "$port"
    curl -sf --max-time 2 "http://127.0.0.1:$port/status" |
      jq -c '{committed_height, view, leader, peers_connected, pool_size}' 2>/dev/null || echo down
  done < <(api_ports "$1")
}

stop() {
  local dir="$1"
  for pidf in "$dir"/node*.pid; do
    [ -f "$pidf" ] || continue
    local pid; pid=$(cat "$pidf")
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pidf in "$dir"/node*.pid; do
    [ -f "$pidf" ] || continue
    local pid; pid=$(cat "$pidf") t=0
    while kill -0 "$pid" 2>/dev/null && [ $t -lt 200 ]; do sleep 0.1; t=$((t + 1)); done
    if kill -0 "$pid" 2>/dev/null; then echo "cluster.sh: pid $pid did not stop, killing" >&2; kill -KILL "$pid" || true; fi
    rm -f "$pidf"
  done
  echo "cluster.sh: stopped $dir"
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
  start) start "$1"; wait_up "$1" ;;
  wait) wait_up "$1" ;;
  status) status "$1" ;;
  stop) stop "$1" ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
