# Shared by scripts/cluster.sh and scripts/mainchain-cluster.sh (sourced, not run): starting,
# waiting for and stopping the node processes of a config directory (node*.yaml). The caller sets
# $bin (the node binary) and $tool (its own name, for messages).

api_ports() { # DIR -> "name port" lines, from each config's `api:` line
  for cfg in "$1"/node*.yaml; do
    echo "$(basename "$cfg" .yaml) $(sed -n 's/^  api: {address: "\{0,1\}[^,"]*"\{0,1\}, port: \([0-9]*\)}.*/\1/p' "$cfg")"
  done
}

start_nodes() { # DIR: starts every node not already running, logs to DIR/nodeI.log
  local dir; dir="$(cd "$1" && pwd)"
  for cfg in "$dir"/node*.yaml; do
    local name; name=$(basename "$cfg" .yaml)
    if [ -f "$dir/$name.pid" ] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
      echo "$name already running (pid $(cat "$dir/$name.pid"))"; continue
    fi
    (cd "$dir" && exec "$bin" --config "$cfg" >>"$dir/$name.log" 2>&1) &
    echo $! >"$dir/$name.pid"
  done
}

wait_up() { # DIR: until every node answers /status and sees all its peers (BYSTACK_WAIT_S, 120 s)
  local dir="$1" deadline=$((SECONDS + ${BYSTACK_WAIT_S:-120}))
  local n; n=$(ls "$dir"/node*.yaml | wc -l)
  while :; do
    local ok=0
    while read -r name port; do
      peers=$(curl -sf --max-time 2 "http://127.0.0.1:$port/status" | jq -r .peers_connected 2>/dev/null || true)
      [ "$peers" = "$((n - 1))" ] && ok=$((ok + 1))
    done < <(api_ports "$dir")
    if [ "$ok" -eq "$n" ]; then echo "$tool: $n nodes up in $dir"; return 0; fi
    if [ $SECONDS -ge $deadline ]; then echo "$tool: only $ok of $n nodes up; see $dir/node*.log" >&2; return 1; fi
    sleep 0.5
  done
}

stop_nodes() { # DIR: SIGTERM every node, wait for it to exit (SIGKILL after 20 s)
  local dir="$1"
  for pidf in "$dir"/node*.pid; do
    [ -f "$pidf" ] || continue
    kill -TERM "$(cat "$pidf")" 2>/dev/null || true
  done
  for pidf in "$dir"/node*.pid; do
    [ -f "$pidf" ] || continue
    local pid t=0; pid=$(cat "$pidf")
    while kill -0 "$pid" 2>/dev/null && [ $t -lt 200 ]; do sleep 0.1; t=$((t + 1)); done
    if kill -0 "$pid" 2>/dev/null; then echo "$tool: pid $pid did not stop, killing" >&2; kill -KILL "$pid" || true; fi
    rm -f "$pidf"
  done
  echo "$tool: stopped $dir"
}
