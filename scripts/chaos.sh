#!/usr/bin/env bash
# Chaos harness on real processes: a local bystackd cluster under load from bystack-loadgen,
# with faults injected from a seeded schedule, then the checks.
#
#   scripts/chaos.sh [--nodes 7 --groups 5,2] [--seed S] [--seconds 30] [--rate 1000]
#                    [--schedule random|issue|entry] [--drain 90] [--dir DIR] [--keep] [--kill-entry]
#   scripts/chaos.sh check-chains DIR       the stored-chain check alone, on dumps in DIR
#
# Faults (random schedule, one every 1.5-4 s while the load runs, each lasting 1-6 s):
#   kill     SIGKILL a node, restart it later (it reloads its store and catches up)
#   pause    SIGSTOP a node, SIGCONT it later
#   drop     a link between two nodes loses every message both ways (a partition of the pair)
#   lossy    a link loses 30-70% of its messages both ways
#   delay    a link delays every message by 50-400 ms both ways
#   isolate  every link of one node drops (a one-node partition)
# At most f nodes are touched by a fault at any time (f = floor((N - 1) / 3)); the entry nodes
# that take the load (nodes 1 and N-1) are not killed or paused unless --kill-entry is given
# (they get link faults; what a node accepted survives its SIGKILL through its store). Link faults use each node's POST /admin/link,
# served only with `testing: {link_faults: true}` in its config and BYSTACK_ALLOW_TEST_FAULTS=1
# in its environment (a production config cannot enable it). The schedule is drawn from the
# seed: the same seed gives the same faults in the same order (timings depend on the machine).
#
# The `issue` schedule is the scenario of issue 13: SIGKILL of the current leader and of node 3
# two seconds into the load (CHAOS_KILL_AT_S), both restarted five seconds later (CHAOS_DOWN_S);
# CHAOS_SECOND=super kills the other super node instead of node 3 (no super node stays up).
# The `entry` schedule cuts entry node 1's outgoing links for 3 s while it keeps accepting, then
# SIGKILLs and restarts it: what it accepted meanwhile exists only in its store.
#
# Checks, after every fault is healed:
#   liveness  every node's committed height grows by at least 3 within 120 s
#   chains    no two nodes hold different blocks at one height (GET /block/h on every node, up
#             to each node's committed height), and no transaction id appears twice in a chain
#   txs       bystack-loadgen: every accepted transaction committed or reported dropped with a
#             reason by its entry node, none twice (it asks the entry node about each one not
#             seen committed: pending, unknown or dropped)
# Exit status 0 when all hold, 1 otherwise; the files stay in DIR on failure or with --keep.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bindir="${BYSTACK_BIN:-$root/build/runtime/node}"
bin="${BYSTACKD:-$bindir/bystackd}"
loadgen="${BYSTACK_LOADGEN:-$bindir/bystack-loadgen}"

log() { echo "chaos: $*" >&2; }

# -- the stored-chain check -----------------------------------------------------------------------

# DIR holds chain-<i>.txt per node: lines "height hash tx_id..." (tx ids optional). Prints the
# first disagreement and returns 1 on one.
check_chains() {
  local dir="$1" files
  files=("$dir"/chain-*.txt)
  [ -e "${files[0]}" ] || { echo "check-chains: no chain-*.txt in $dir" >&2; return 2; }
  awk '
    { h = $1; hash = $2
      if (h in seen && seen[h] != hash) {
        printf "SAFETY: height %s: %s holds %s, %s holds %s\n", h, FILENAME, hash, who[h], seen[h]
        bad = 1
      } else if (!(h in seen)) { seen[h] = hash; who[h] = FILENAME }
      if (FNR == 1) delete mine
      for (i = 3; i <= NF; ++i) {
        if ($i in mine) { printf "SAFETY: %s: transaction %s at heights %s and %s\n", FILENAME, $i, mine[$i], h; bad = 1 }
        mine[$i] = h
      }
      heights[FILENAME] = h
    }
    END {
      if (!bad) { n = 0; for (f in heights) n++; printf "chains: %d nodes agree on every height they hold\n", n }
      exit bad
    }' "${files[@]}"
}

if [ "${1:-}" = "check-chains" ]; then
  check_chains "$2"
  exit $?
fi

# -- options --------------------------------------------------------------------------------------

nodes=7 groups="5,2" seed=1 seconds=30 rate=1000 schedule=random drain=90 dir="" keep=0 kill_entry=0
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --groups) groups=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --schedule) schedule=$2; shift 2 ;;
    --drain) drain=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --kill-entry) kill_entry=1; shift ;;
    *) echo "chaos.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for b in "$bin" "$loadgen"; do [ -x "$b" ] || { echo "chaos.sh: $b not built" >&2; exit 2; }; done
case "$schedule" in random | issue | entry) ;; *) echo "chaos.sh: --schedule random|issue|entry" >&2; exit 2 ;; esac
f=$(((nodes - 1) / 3))
entry_a=1 entry_b=$((nodes - 1))

source "$(dirname "$0")/lib/ports.sh"
base=""
for try in $(seq 1 100); do
  b=$((20000 + ((RANDOM * 32768 + RANDOM + $$ + try) % 1200) * 10))
  ok=1
  for p in $(seq "$b" $((b + 2 * nodes - 1))); do port_free "$p" || { ok=0; break; }; done
  [ $ok = 1 ] && { base=$b; break; }
done
[ -n "$base" ] || { echo "chaos.sh: no free port range" >&2; exit 2; }
dir="${dir:-$(mktemp -d "${TMPDIR:-/tmp}/bystack-chaos-XXXXXX")}"
mkdir -p "$dir"
api() { echo $((base + 2 * $1 + 1)); }

"$bin" testnet --dir "$dir" --nodes "$nodes" --groups "$groups" --base-port "$base" \
  --view-timeout-ms 2000 --group-wait-ms 300 >"$dir/testnet.log"
# The issue schedule needs no link faults (and so runs against builds without them too).
if [ "$schedule" != issue ] && [ -z "${CHAOS_NO_LINKS:-}" ]; then
  for cfg in "$dir"/node*.yaml; do printf 'testing:\n  link_faults: true\n' >>"$cfg"; done
fi
chmod 600 "$dir"/*.key

declare -a pids
start_node() {
  (cd "$dir" && BYSTACK_ALLOW_TEST_FAULTS=1 exec "$bin" --config "node$1.yaml" >>"node$1.log" 2>&1) &
  pids[$1]=$!
}
cleanup() {
  for i in $(seq 0 $((nodes - 1))); do
    [ -n "${pids[$i]:-}" ] || continue
    kill -CONT "${pids[$i]}" 2>/dev/null || true
    kill -TERM "${pids[$i]}" 2>/dev/null || true
  done
  for i in $(seq 0 $((nodes - 1))); do
    [ -n "${pids[$i]:-}" ] || continue
    local t=0
    while kill -0 "${pids[$i]}" 2>/dev/null && [ $t -lt 100 ]; do sleep 0.2; t=$((t + 1)); done
    kill -KILL "${pids[$i]}" 2>/dev/null || true
  done
  [ -n "${lg_pid:-}" ] && kill "$lg_pid" 2>/dev/null || true
}
trap cleanup EXIT
for i in $(seq 0 $((nodes - 1))); do start_node "$i"; done

status_of() { curl -sf --max-time 5 "http://127.0.0.1:$(api "$1")/status"; }
height_of() { status_of "$1" | jq -r .committed_height 2>/dev/null || echo -1; }
deadline=$((SECONDS + 120))
while :; do
  up=0
  for i in $(seq 0 $((nodes - 1))); do
    [ "$(status_of "$i" | jq -r .peers_connected 2>/dev/null || true)" = $((nodes - 1)) ] && up=$((up + 1))
  done
  [ $up -eq "$nodes" ] && break
  [ $SECONDS -lt $deadline ] || { log "cluster did not come up; see $dir"; exit 1; }
  sleep 0.5
done
log "$nodes nodes up in $dir (base port $base, seed $seed, schedule $schedule)"

# -- faults ---------------------------------------------------------------------------------------

link() { # FROM TO DROP DELAY_MS
  curl -sf --max-time 5 -X POST "http://127.0.0.1:$(api "$1")/admin/link" \
    -d "{\"peer\":$2,\"drop\":$3,\"delay_ms\":$4}" >/dev/null || log "link $1->$2: no answer"
}
both() { link "$1" "$2" "$3" "$4"; link "$2" "$1" "$3" "$4"; }

declare -A busy=()    # node -> 1 while a fault touches it
declare -a heal_at=() heal_cmd=() heal_nodes=()
injected=0
declare -A counts=()
schedule_heal() { heal_at+=("$1"); heal_cmd+=("$2"); heal_nodes+=("$3"); }
run_heals() { # NOW_MS [all]
  local k
  for k in "${!heal_at[@]}"; do
    if [ "${2:-}" = all ] || [ "${heal_at[$k]}" -le "$1" ]; then
      eval "${heal_cmd[$k]}"
      for n in ${heal_nodes[$k]}; do unset "busy[$n]"; done
      unset "heal_at[$k]" "heal_cmd[$k]" "heal_nodes[$k]"
    fi
  done
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
free_nodes() { # nodes not busy; $1 = 1 to exclude the entry nodes
  for i in $(seq 0 $((nodes - 1))); do
    [ -n "${busy[$i]:-}" ] && continue
    [ "$1" = 1 ] && { [ "$i" = $entry_a ] || [ "$i" = $entry_b ]; } && continue
    echo "$i"
  done
}
pick() { local a=("$@"); if [ ${#a[@]} -gt 0 ]; then echo "${a[$((RANDOM % ${#a[@]}))]}"; fi; }

inject_random() { # NOW_MS
  local kinds=(kill pause drop lossy delay isolate) kind victim other dur
  [ -n "${CHAOS_NO_LINKS:-}" ] && kinds=(kill pause)
  kind=${kinds[$((RANDOM % ${#kinds[@]}))]}
  dur=$((1000 + RANDOM % 5000))
  local nbusy=${#busy[@]}
  case "$kind" in
    kill | pause | isolate)
      [ "$nbusy" -lt "$f" ] || return 0
      if [ "$kind" = isolate ] || [ $kill_entry = 1 ]; then victim=$(pick $(free_nodes 0)); else victim=$(pick $(free_nodes 1)); fi
      [ -n "$victim" ] || return 0
      busy[$victim]=1 ;;
    *)
      [ "$nbusy" -lt "$f" ] || return 0
      victim=$(pick $(free_nodes 0)); [ -n "$victim" ] || return 0
      other=$(pick $(seq 0 $((nodes - 1)) | grep -vx "$victim")) ;;
  esac
  case "$kind" in
    kill)
      kill -KILL "${pids[$victim]}" 2>/dev/null || true
      wait "${pids[$victim]}" 2>/dev/null || true
      schedule_heal $(($1 + dur)) "start_node $victim" "$victim" ;;
    pause)
      kill -STOP "${pids[$victim]}"
      schedule_heal $(($1 + dur)) "kill -CONT ${pids[$victim]}" "$victim" ;;
    isolate)
      for o in $(seq 0 $((nodes - 1))); do [ "$o" = "$victim" ] || both "$victim" "$o" 1 0; done
      schedule_heal $(($1 + dur)) "for o in \$(seq 0 $((nodes - 1))); do [ \$o = $victim ] || both $victim \$o 0 0; done" "$victim" ;;
    drop | lossy | delay)
      busy[$victim]=1
      local drop=1 delay=0
      [ "$kind" = lossy ] && drop="0.$((30 + RANDOM % 41))"
      [ "$kind" = delay ] && { drop=0; delay=$((50 + RANDOM % 351)); }
      both "$victim" "$other" "$drop" "$delay"
      schedule_heal $(($1 + dur)) "both $victim $other 0 0" "$victim" ;;
  esac
  injected=$((injected + 1))
  counts[$kind]=$((${counts[$kind]:-0} + 1))
  log "t+$(($1 - t0))ms $kind node $victim${other:+ (link to $other)} for ${dur}ms"
}

# -- load and schedule ----------------------------------------------------------------------------

RANDOM=$seed
t0=$(now_ms)
"$loadgen" --submit "127.0.0.1:$(api $entry_a),127.0.0.1:$(api $entry_b)" \
  --observe "127.0.0.1:$(api $entry_a)" --rate "$rate" --seconds "$seconds" --batch 100 \
  --drain "$drain" --missing "$dir/missing.txt" >"$dir/loadgen.json" 2>"$dir/loadgen.log" &
lg_pid=$!
end=$((t0 + seconds * 1000))
if [ "$schedule" = issue ]; then
  sleep "${CHAOS_KILL_AT_S:-2}"
  leader=$(status_of 0 | jq -r .leader)
  second=${CHAOS_SECOND:-3}
  if [ "$second" = super ]; then # the other super node: both go down at once
    second=$(awk '/super:/ {gsub(/[^0-9]/, "", $3); print $3}' "$dir/node0.yaml" | grep -vx "$leader" | head -n 1)
  fi
  [ "$leader" = "$second" ] && leader=5
  log "issue schedule: SIGKILL leader $leader and node $second"
  for v in "$leader" "$second"; do kill -KILL "${pids[$v]}"; wait "${pids[$v]}" 2>/dev/null || true; done
  injected=2; counts[kill]=2
  sleep "${CHAOS_DOWN_S:-5}"
  for v in "$leader" "$second"; do start_node "$v"; done
  log "restarted $leader and $second"
elif [ "$schedule" = entry ]; then
  sleep 2
  log "entry schedule: node $entry_a sends nothing for 3 s (it still accepts), then SIGKILL and restart"
  for o in $(seq 0 $((nodes - 1))); do [ "$o" = $entry_a ] || link $entry_a "$o" 1 0; done
  sleep 3
  kill -KILL "${pids[$entry_a]}"; wait "${pids[$entry_a]}" 2>/dev/null || true
  sleep 2
  start_node $entry_a
  injected=2; counts[isolate]=1; counts[kill]=1
else
  next=$((t0 + 1500 + RANDOM % 1500))
  while [ "$(now_ms)" -lt "$end" ]; do
    n=$(now_ms)
    run_heals "$n"
    if [ "$n" -ge "$next" ]; then
      inject_random "$n"
      next=$((n + 1500 + RANDOM % 2500))
    fi
    sleep 0.1
  done
  run_heals "$(now_ms)" all
fi
log "faults healed ($injected injected: $(for k in "${!counts[@]}"; do printf '%s=%s ' "$k" "${counts[$k]}"; done))"

# -- checks ---------------------------------------------------------------------------------------

fail=0
# Liveness: every node commits 3 more blocks once the faults are over.
declare -a h0
for i in $(seq 0 $((nodes - 1))); do h0[$i]=$(height_of "$i"); done
target=0
for i in $(seq 0 $((nodes - 1))); do [ "${h0[$i]}" -gt $target ] && target=${h0[$i]}; done
target=$((target + 3))
deadline=$((SECONDS + 120))
while :; do
  behind=""
  for i in $(seq 0 $((nodes - 1))); do [ "$(height_of "$i")" -ge $target ] || behind="$behind $i"; done
  [ -z "$behind" ] && break
  if [ $SECONDS -ge $deadline ]; then log "LIVENESS: nodes$behind did not reach height $target within 120 s"; fail=1; break; fi
  sleep 0.5
done
[ -z "$behind" ] && log "liveness: every node reached height $target after the faults"

lg_status=0
wait "$lg_pid" || lg_status=$?
lg_pid=""
cat "$dir/loadgen.json" >&2 || true
if [ $lg_status -ne 0 ]; then log "TXS: bystack-loadgen exit status $lg_status (see $dir/loadgen.json, missing.txt)"; fail=1; fi

# Stored chains: every node's blocks up to its committed height (one reader per node).
dump_chain() {
  local i=$1 h k
  h=$(height_of "$i")
  : >"$dir/chain-$i.txt"
  for k in $(seq 1 "$h"); do
    curl -sf --max-time 10 "http://127.0.0.1:$(api "$i")/block/$k" |
      jq -r '[.height, .hash] + .tx_ids | map(tostring) | join(" ")' >>"$dir/chain-$i.txt" ||
      { log "node $i: GET /block/$k failed"; return 1; }
  done
}
declare -a dumpers
for i in $(seq 0 $((nodes - 1))); do dump_chain "$i" & dumpers[$i]=$!; done
for i in $(seq 0 $((nodes - 1))); do wait "${dumpers[$i]}" || fail=1; done
check_chains "$dir" >&2 || fail=1

if [ $fail -eq 0 ]; then
  log "PASS: seed $seed, $injected faults, chains agree, every accepted transaction committed once"
  [ $keep = 1 ] || { cleanup; trap - EXIT; rm -rf "$dir"; }
else
  log "FAIL: seed $seed; files kept in $dir"
fi
exit $fail
