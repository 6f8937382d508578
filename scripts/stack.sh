#!/usr/bin/env bash
# The whole federated stack on loopback from one config directory (docs/federation.md, "Real
# processes"): mainchain nodes (bystack-mainchaind, node0 mining at test difficulty), sidechain
# nodes (bystackd, BUTXO ledger with the federation's rules), three federation members (2-of-3)
# and one collector (bystack-federationd).
#
#   scripts/stack.sh gen DIR [--base-port P] [--mainchain-nodes K] [--sidechain-nodes N]
#                            [--hashes H] [--confirmations C]   write a config directory
#                            [--elections EPOCH_BLOCKS]   DPoS sidechain, elected federation,
#                                                         a fourth member (the candidate)
#   scripts/stack.sh up DIR       start every process of DIR (generating it first if missing)
#   scripts/stack.sh status DIR   heights of both chains, the light client, the federation
#   scripts/stack.sh down DIR     SIGTERM every process, wait for clean exits
#   scripts/stack.sh measure DIR [ROUNDS]   pegin and pegout latency on a running stack (wall s)
#
# Layout of DIR: mainchain/node*.yaml, sidechain/node*.yaml (+ keys, genesis), federation.yaml
# (members, threshold, depths, the mainchain config the sidechain follows), federation/
# member*.yaml, collector.yaml (+ keys). Users are the development wallets
# (`bystack-cli keygen --dev-wallet I`): funded on the mainchain; wallet 3 funds the collector's
# sidechain fees. Binaries: build/ unless BYSTACK_BUILD_DIR says otherwise.
# With --elections E (docs/federation.md, "Elections on real processes"): the sidechain genesis
# gets a `dpos:` section (E-block epochs; no node registers, so its set stays the genesis set)
# and its nodes an empty block every second,
# federation.yaml an `election:` section (E-block epochs, 3 seats, 1 collector, grace 2, the
# collector as genesis collector, a migration fee of 100000 paid from the federation's fee
# reserve, which `bystack-cli pegin --fee-reserve` funds), and federation/member3 (key: development wallet 2, funded on
# the sidechain) is a candidate with the member and collector roles; every member sends its
# shares to the other three.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BYSTACK_BUILD_DIR:-$root/build}"
mainchaind="$build/runtime/mainchain/bystack-mainchaind"
bystackd="$build/runtime/node/bystackd"
federationd="$build/runtime/federation/bystack-federationd"
cli="$build/runtime/cli/bystack-cli"

# shellcheck source=lib/mainchain-config.sh
source "$root/scripts/lib/mainchain-config.sh"

gen() {
  local dir="$1"; shift
  local base=27000 mcn=2 scn=4 hashes=8 conf=3 epoch=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --elections) epoch="$2"; shift 2 ;;
      --base-port) base="$2"; shift 2 ;;
      --mainchain-nodes) mcn="$2"; shift 2 ;;
      --sidechain-nodes) scn="$2"; shift 2 ;;
      --hashes) hashes="$2"; shift 2 ;;
      --confirmations) conf="$2"; shift 2 ;;
      *) echo "stack.sh: unknown option $1" >&2; exit 2 ;;
    esac
  done
  [ -e "$dir" ] && { echo "stack.sh: $dir exists" >&2; exit 1; }
  mkdir -p "$dir/mainchain" "$dir/federation"
  # The mainchain: the development wallets funded; node 0 mines (to wallet 2); no retarget.
  mainchain_generate "$dir/mainchain" "$mcn" 1 "$hashes" "$base" 2000 1000000 2
  # The sidechain: BBFT nodes over the BUTXO ledger; no fees, so that pegged units move alone.
  "$bystackd" testnet --dir "$dir/sidechain" --nodes "$scn" --base-port $((base + 20)) --ledger butxo \
    --wallets 4 >/dev/null
  "$bystackd" genesis --out "$dir/sidechain/genesis.tmp" --wallets 4 --min-fee-per-kb 0 >/dev/null
  sed 's/^network: .*/network: "bystack-sidechain-local"/' "$dir/sidechain/genesis.tmp" >"$dir/sidechain/genesis.yaml"
  rm -f "$dir/sidechain/genesis.tmp"
  for cfg in "$dir"/sidechain/node*.yaml; do echo 'federation_file: "../federation.yaml"' >>"$cfg"; done
  local members=3
  if [ "$epoch" -gt 0 ]; then
    members=4
    # DPoS on the sidechain: registrations and votes; the groups come from the election policy.
    {
      echo "dpos:"
      echo "  epoch_blocks: $epoch"
      echo "  consensus_size: $scn"
      echo "  min_size: $scn"
      echo "  supers: 1"
      echo "  policy: stake_only"
      echo "  vote_lock_blocks: $epoch"
      echo "  min_vote: 1"
      echo "  candidate_deposit: 1000"
    } >>"$dir/sidechain/genesis.yaml"
    # Epochs count blocks: an empty block every second keeps elections coming without traffic.
    for cfg in "$dir"/sidechain/node*.yaml; do
      sed -i -e '/^  groups:/,/^protocol:/{/^protocol:/!d}' \
        -e 's/^  empty_block_interval_ms: .*/  empty_block_interval_ms: 1000/' "$cfg"
    done
  fi
  # The federation: three members, any two release; a collector paying fees from wallet 3.
  for i in 0 1 2; do "$cli" keygen --out "$dir/federation/member$i.key" >/dev/null; done
  [ "$members" -eq 4 ] && "$cli" keygen --dev-wallet 2 --out "$dir/federation/member3.key" >/dev/null
  "$cli" keygen --dev-wallet 3 --out "$dir/federation/collector.key" >/dev/null
  {
    echo "# The federation (runtime/federation/fed_config.hpp): every party derives its address from this."
    echo "members:"
    for i in 0 1 2; do echo "  - $("$cli" address --key "$dir/federation/member$i.key" --json | jq -r ".owner.keys[0]")"; done
    echo "threshold: 2"
    echo 'mainchain_config: "mainchain/node0.yaml"'
    echo "pegin_confirmations: $conf"
    echo "release_confirmations: $conf"
    if [ "$members" -eq 4 ]; then
      echo "grace_blocks: 2"
      # Each migration pays this mainchain fee from the federation's fee reserve (fund it with
      # `bystack-cli pegin --fee-reserve`; docs/federation.md, "Migration fees").
      echo "migration_fee: 100000"
      echo "election:"
      echo "  epoch_blocks: $epoch"
      echo "  seats: 3"
      echo "  collectors: 1"
      echo "  activation_margin_blocks: 2"
      echo "  genesis_collectors:"
      echo "    - $("$cli" address --key "$dir/federation/collector.key" --json | jq -r ".owner.keys[0]")"
    fi
  } >"$dir/federation.yaml"
  local sc_api=$((base + 21)) mc_api=$((base + 1))
  for ((i = 0; i < members; i++)); do
    {
      echo "name: member$i"
      echo "key_file: \"member$i.key\""
      if [ "$i" -eq 3 ]; then echo "roles: [member, collector]"; else echo "roles: [member]"; fi
      echo 'sidechain_config: "../sidechain/node0.yaml"'
      echo "sidechain_api: \"127.0.0.1:$((base + 21 + 2 * (i % scn)))\""
      echo "mainchain_api: \"127.0.0.1:$((base + 1 + 2 * (i % mcn)))\""
      echo "api: {address: \"127.0.0.1\", port: $((base + 60 + i))}"
      echo "peers:"
      for ((j = 0; j < members; j++)); do [ $j -eq $i ] || echo "  - \"127.0.0.1:$((base + 60 + j))\""; done
      echo "poll_ms: 250"
    } >"$dir/federation/member$i.yaml"
  done
  {
    echo "name: collector"
    echo 'key_file: "collector.key"'
    echo "roles: [collector]"
    echo 'sidechain_config: "../sidechain/node0.yaml"'
    echo "sidechain_api: \"127.0.0.1:$sc_api\""
    echo "mainchain_api: \"127.0.0.1:$mc_api\""
    echo "poll_ms: 250"
  } >"$dir/federation/collector.yaml"
  echo "stack.sh: wrote $dir (mainchain API 127.0.0.1:$mc_api, sidechain API 127.0.0.1:$sc_api)"
}

start_one() { # BIN CFG NAME
  local bin="$1" cfg="$2" name="$3" d; d="$(cd "$(dirname "$cfg")" && pwd)"
  if [ -f "$d/$name.pid" ] && kill -0 "$(cat "$d/$name.pid")" 2>/dev/null; then return; fi
  (cd "$d" && exec "$bin" --config "$d/$(basename "$cfg")" >>"$d/$name.log" 2>&1) &
  echo $! >"$d/$name.pid"
}

api_of() { sed -n 's/^  api: {address: "\{0,1\}[^,"]*"\{0,1\}, port: \([0-9]*\)}.*/\1/p' "$1"; }

wait_http() { # PORT PATH
  local deadline=$((SECONDS + ${BYSTACK_WAIT_S:-120}))
  until curl -sf --max-time 2 "http://127.0.0.1:$1$2" >/dev/null; do
    [ $SECONDS -ge $deadline ] && { echo "stack.sh: 127.0.0.1:$1$2 does not answer" >&2; return 1; }
    sleep 0.5
  done
}

up() {
  local dir="$1"
  [ -d "$dir" ] || gen "$dir"
  for cfg in "$dir"/mainchain/node*.yaml; do start_one "$mainchaind" "$cfg" "$(basename "$cfg" .yaml)"; done
  for cfg in "$dir"/sidechain/node*.yaml; do start_one "$bystackd" "$cfg" "$(basename "$cfg" .yaml)"; done
  for cfg in "$dir"/mainchain/node*.yaml "$dir"/sidechain/node*.yaml; do wait_http "$(api_of "$cfg")" /status; done
  for cfg in "$dir"/federation/*.yaml; do start_one "$federationd" "$cfg" "$(basename "$cfg" .yaml)"; done
  status "$dir"
  echo "stop with: $0 down $dir"
}

status() {
  local dir="$1" mc sc
  mc=$(api_of "$dir/mainchain/node0.yaml"); sc=$(api_of "$dir/sidechain/node0.yaml")
  echo "mainchain 127.0.0.1:$mc: $(curl -sf --max-time 2 "http://127.0.0.1:$mc/status" | jq -c '{height, tip: .tip[0:16]}' 2>/dev/null || echo down)"
  echo "sidechain 127.0.0.1:$sc: $(curl -sf --max-time 2 "http://127.0.0.1:$sc/federation" | jq -c '{committed_height, light_client, federation: .federation.address[0:16]}' 2>/dev/null || echo down)"
  for pidf in "$dir"/federation/*.pid; do
    [ -f "$pidf" ] || continue
    local n; n=$(basename "$pidf" .pid)
    kill -0 "$(cat "$pidf")" 2>/dev/null && echo "$n: running (pid $(cat "$pidf"))" || echo "$n: down"
  done
}

down() {
  local dir="$1"
  for pidf in "$dir"/federation/*.pid "$dir"/sidechain/*.pid "$dir"/mainchain/*.pid; do
    [ -f "$pidf" ] || continue
    local pid t=0; pid=$(cat "$pidf")
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && [ $t -lt 200 ]; do sleep 0.1; t=$((t + 1)); done
    if kill -0 "$pid" 2>/dev/null; then echo "stack.sh: pid $pid did not stop, killing" >&2; kill -KILL "$pid" || true; fi
    rm -f "$pidf"
  done
  echo "stack.sh: stopped $dir"
}

now() { date +%s.%N; }

measure() { # DIR ROUNDS: dev wallet 0 pegs in 5 BTM, then pegs out 4; prints wall seconds
  local dir; dir="$(cd "$1" && pwd)"; local rounds="${2:-3}"
  local mc sc key="$dir/user0.key"
  mc="127.0.0.1:$(api_of "$dir/mainchain/node0.yaml")"; sc="127.0.0.1:$(api_of "$dir/sidechain/node0.yaml")"
  [ -f "$key" ] || "$cli" keygen --dev-wallet 0 --out "$key" >/dev/null
  local peg=(--sidechain-config "$dir/sidechain/node0.yaml" --mainchain "$mc" --sidechain "$sc")
  local conf; conf=$(sed -n 's/^pegin_confirmations: //p' "$dir/federation.yaml")
  echo "pegin_confirmations = release_confirmations = $conf"
  for ((r = 1; r <= rounds; r++)); do
    local t0 t1 t2 t3 txid pegout state
    t0=$(now)
    txid=$("$cli" pegin --sidechain-config "$dir/sidechain/node0.yaml" --key "$key" --amount 500000000 --node "$mc" --json | jq -r .id)
    until [ "$("$cli" peg-status "$txid" "${peg[@]}" --json | jq -r .state || true)" = claimed ]; do sleep 0.2; done
    t1=$(now)
    pegout=$("$cli" pegout --sidechain-config "$dir/sidechain/node0.yaml" --key "$key" --amount 400000000 --node "$sc" --json | jq -r .pegout)
    while :; do
      state=$("$cli" peg-status "$pegout" "${peg[@]}" --json | jq -r .state || true)
      if [ -z "${t2:-}" ] && { [ "$state" = "released, waiting for the record" ] || [ "$state" = "released and recorded" ]; }; then t2=$(now); fi
      [ "$state" = "released and recorded" ] && break
      sleep 0.2
    done
    t3=$(now)
    printf 'round %d: pegin %.1f s (mainchain submit -> claimed), pegout %.1f s (sidechain submit -> release mined), %.1f s (-> recorded)\n' \
      "$r" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$t3 - $t1" | bc)"
    unset t2
  done
  "$cli" supply "${peg[@]}"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  gen) gen "$@" ;;
  up) up "$1" ;;
  status) status "$1" ;;
  down) down "$1" ;;
  measure) measure "$@" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 2 ;;
esac
