#!/usr/bin/env bash
# DPoS on real nodes: starts configs/dpos-local-9 (7 genesis members + 2 standby candidates) as
# nine bystackd processes, registers every node as a candidate and votes with bystack-cli so that
# standby node 7 outranks member 6, then checks through /election and /status that at the
# elected boundary node 7 joins the set (catches up, votes, proposes), node 6 leaves and stops
# voting, and every member of the new set keeps committing across the boundary. Also: a veto
# before the vote lock is refused by the node's API with rule locked-output, a restarted member
# rebuilds the same elections from its store's election records (no replay) and votes again,
# and a node started with other election parameters is refused. Rewards: a voter's balance
# rises by its payouts, every block's coinbase pays exactly reward + fees, and a member's block
# splits them 20/80 with its voter; a node started with other reward parameters is refused.
#
# Waits by polling with generous deadlines (no timing assertions): CI machines are small and busy.
#   tests/node/dpos_cluster_test.sh SOURCE_DIR BYSTACKD BYSTACK_CLI
set -uo pipefail
src="$(realpath "$1")" bystackd="$(realpath "$2")" cli="$(realpath "$3")"
dir="$(mktemp -d "${TMPDIR:-/tmp}/bystack-dpos-XXXXXX")"
export BYSTACKD="$bystackd"
fail() {
  echo "FAIL: $*" >&2
  "$src/scripts/cluster.sh" status "$dir" >&2 || true
  "$src/scripts/cluster.sh" stop "$dir" >/dev/null 2>&1 || true
  echo "cluster files kept in $dir" >&2
  exit 1
}

# Ports: a free range of 18 (node i: p2p base+2i, api base+2i+1), below the ephemeral range.
source "$src/scripts/lib/ports.sh"
base=""
for attempt in $(seq 1 200); do
  b=$((20000 + (RANDOM % 1200) * 10)) ok=1
  for p in $(seq "$b" $((b + 17))); do port_free "$p" || { ok=0; break; }; done
  [ $ok = 1 ] && { base=$b; break; }
done
[ -n "$base" ] || fail "no free port range"
cp "$src"/configs/dpos-local-9/node*.yaml "$src"/configs/dpos-local-9/node*.key \
  "$src"/configs/dpos-local-9/genesis.yaml "$dir/"
perl -pi -e 's/port: 73(\d\d)\b/"port: ".('"$base"'+$1)/ge' "$dir"/node*.yaml
api() { echo $((base + 2 * $1 + 1)); }
p2p() { echo $((base + 2 * $1)); }
get() { curl -sf --max-time 5 "http://127.0.0.1:$(api "$1")$2"; }
# poll SECONDS COMMAND...: until the command succeeds
poll() {
  local limit=$1; shift
  local deadline=$((SECONDS + limit))
  until "$@"; do [ $SECONDS -ge $deadline ] && return 1; sleep 0.5; done
}
height() { get "$1" /status | jq -r '.committed_height // 0' 2>/dev/null || echo 0; }
status_field() { get "$1" /status | jq -r "$2" 2>/dev/null; }

BYSTACK_WAIT_S=120 "$src/scripts/cluster.sh" start "$dir" >/dev/null || fail "cluster did not start"
node0="127.0.0.1:$(api 0)"
epoch_blocks=$(get 0 /election | jq -r .epoch_blocks) || fail "GET /election"
[ "$epoch_blocks" = 20 ] || fail "epoch_blocks $epoch_blocks, expected 20"
[ "$(status_field 7 .dpos.in_set)" = false ] || fail "standby node 7 in the genesis set"
[ "$(status_field 6 .dpos.in_set)" = true ] || fail "node 6 not in the genesis set"

for i in $(seq 0 20); do "$cli" keygen --dev-wallet "$i" --out "$dir/w$i.key" >/dev/null || fail keygen; done

declare -a cand
register() { # node i registers (wallet i pays its deposit)
  local i=$1 out
  out=$("$cli" register --key "$dir/w$i.key" --node-key "$dir/node$i.key" \
    --address "127.0.0.1:$(p2p "$i")" --region local --deposit 100000 --submit \
    --node "$node0" --json) || fail "register node $i: $out"
  [ "$(jq -r .status <<<"$out")" = accepted ] || fail "register node $i: $out"
  cand[$i]=$(jq -r .candidate <<<"$out")
}
vote() { # vote FROM_WALLET NODE AMOUNT: prints the vote id
  local out
  out=$("$cli" vote --key "$dir/w$1.key" --candidate "${cand[$2]}" --amount "$3" --submit \
    --node "$node0" --json) || fail "vote for node $2: $out"
  jq -r .vote <<<"$out"
}
candidates_are() { [ "$(get 0 /election | jq '.candidates | length')" = "$1" ]; }
total_votes_are() { [ "$(get 0 /election | jq .total_votes)" = "$1" ]; }

# The holders of the genesis members: members 0..6 register and get 10000..4000 votes. With
# min_size 7 the set changes only once seven candidates are eligible, and then it is 0..6 again.
for i in $(seq 0 6); do register "$i"; done
poll 120 candidates_are 7 || fail "the 7 registrations did not commit"
for i in $(seq 0 6); do vote $((10 + i)) "$i" $((10000 - 1000 * i)) >/dev/null; done
members_votes=$((10000 + 9000 + 8000 + 7000 + 6000 + 5000 + 4000))
poll 120 total_votes_are $members_votes || fail "the members' votes did not commit"
# Rewards (genesis rewards: 20% to the proposer, 80% to its voters): from here on, a block by
# member p pays wallet 10+p, p's only voter; its balance then rises with no transaction of its own.
h_votes=$(height 0)
native_of() { get 0 "/balance/$(jq -r .address <<<"$(addr_key "$1")")" | jq -r '[.balances[] | select(.name == "BTM") | .amount] | add // 0'; }
addr_key() { "$cli" address --key "$dir/w$1.key" --json; }
bal10=$(native_of 10)

# The standby candidates register; node 7 gets 9500 votes (outranks 1..6), node 8 500 + 600.
register 7
register 8
poll 120 candidates_are 9 || fail "the standby registrations did not commit"
vote 17 7 9500 >/dev/null
vote 18 8 500 >/dev/null
veto_vote=$(vote 19 8 600)
poll 120 total_votes_are $((members_votes + 9500 + 500 + 600)) ||
  fail "the standby votes did not commit: $(get 0 /election | jq -c .candidates)"
# The 600 for node 8 is vetoed at once: the lock (vote_lock_blocks 20) refuses it.
created=$(get 0 "/utxo/$veto_vote" | jq -r .height)
[ "$(get 0 "/utxo/$veto_vote" | jq -r .kind)" = vote ] || fail "GET /utxo/$veto_vote is not a vote"
at=$(height 0)
err=$("$cli" veto --key "$dir/w19.key" --vote "$veto_vote" --submit --node "$node0" 2>&1)
rc=$?
if [ $rc = 0 ]; then
  # Accepted: only right if the lock had passed (the machine stalled for 20 blocks).
  [ "$at" -ge $((created + 20)) ] || fail "a veto before the lock was accepted (vote at $created, head $at)"
  echo "note: the lock had passed before the veto was sent (vote at $created, head $at)"
else
  grep -q "locked-output" <<<"$err" || fail "veto refused without rule locked-output: $err"
  echo "veto before the lock refused: $err"
fi

# The standby node 7 enters the first set elected after the votes; node 6 leaves it.
joined_epoch() {
  get 0 /election | jq -e '[.current] + .next | map(select(any(.members[]; .node == 7))) | .[0].epoch' 2>/dev/null
}
poll 180 joined_epoch >/dev/null || fail "node 7 was never elected: $(get 0 /election | jq -c '.next')"
ej=$(joined_epoch)
hj=$((ej * epoch_blocks + 1))
set_json=$(get 0 /election | jq -c --argjson e "$ej" '[.current] + .next | map(select(.epoch == $e)) | .[0]')
members=$(jq -r '[.members[].node] | sort | join(" ")' <<<"$set_json")
[ "$members" = "0 1 2 3 4 5 7" ] || fail "epoch $ej set is [$members], expected 0-5 and 7"
echo "epoch $ej (from height $hj): set [$members], supers $(jq -c .supers <<<"$set_json")"
v7_before=$(status_field 7 .votes_cast)
[ "$v7_before" = 0 ] || fail "standby node 7 voted before it was elected ($v7_before votes)"
declare -a before
for i in $(seq 0 8); do before[$i]=$(height "$i"); done

# Node 6 stops voting: its count, read once it follows the new epoch, stays frozen while the
# chain grows by 20 more blocks (checked below).
follows6() { [ "$(height 6)" -ge $((hj + 5)) ]; }
poll 180 follows6 || fail "node 6 stopped following the chain at $(height 6) (boundary at $hj)"
v6=$(status_field 6 .votes_cast)
target=$(($(height 6) + 20))
# Across the boundary: every member of the new set commits 25 blocks past it.
for i in 0 1 2 3 4 5 7; do
  past() { [ "$(height "$i")" -ge $((hj + 25)) ]; }
  poll 180 past || fail "node $i stuck at $(height "$i") (boundary at $hj)"
done
[ "$(status_field 7 .dpos.in_set)" = true ] || fail "node 7 not in the set after the boundary"
[ "$(status_field 7 .votes_cast)" -gt 0 ] || fail "node 7 never voted after joining"
[ "$(status_field 6 .dpos.in_set)" = false ] || fail "node 6 still in the set after the boundary"
proposed=0
for h in $(seq "$hj" $((hj + 24))); do
  [ "$(get 0 "/block/$h" | jq -r .proposer)" = 7 ] && proposed=$((proposed + 1))
done
[ "$proposed" -gt 0 ] || fail "node 7 (a super node of epoch $ej) proposed none of heights $hj..$((hj + 24))"
further() { [ "$(height 6)" -ge "$target" ]; }
poll 120 further || fail "node 6 stopped following the chain at $(height 6)"
[ "$(status_field 6 .votes_cast)" = "$v6" ] || fail "node 6 voted after it left the set ($v6 -> $(status_field 6 .votes_cast))"
# One chain: the boundary block is the same everywhere.
ref=$(get 0 "/block/$hj" | jq -r .hash)
for i in $(seq 1 8); do
  [ "$(get "$i" "/block/$hj" | jq -r .hash)" = "$ref" ] || fail "node $i holds another block at $hj"
done

# A restarted node rebuilds the tally and the elections from its store: member 3, in the middle
# of an epoch (it must check the new set's certificates and vote again).
restart() {
  kill -TERM "$(cat "$dir/node$1.pid")"
  while kill -0 "$(cat "$dir/node$1.pid")" 2>/dev/null; do sleep 0.2; done
  rm -f "$dir/node$1.pid"
  BYSTACK_WAIT_S=120 "$src/scripts/cluster.sh" start "$dir" >/dev/null || fail "node $1 did not restart"
}
# The votes no longer change, so every later epoch elects the same set; a restarted node must
# know it (and the tally) from its store, or it could not check the certificates it syncs.
same() {
  [ "$(get "$1" /election | jq -c '.current.members | map(.node) | sort' 2>/dev/null)" = "[0,1,2,3,4,5,7]" ] &&
    [ "$(get "$1" /election | jq .total_votes)" = "$(get 0 /election | jq .total_votes)" ] &&
    [ "$(height "$1")" -ge "$(($(height 0) - 5))" ]
}
restart 3
poll 60 same 3 || fail "restarted node 3 disagrees: $(get 3 /election | jq -c '{epoch, total_votes}')"
# It rebuilt them from its store's election records, without replaying the chain's changes.
up3=$(grep ' up, ' "$dir/node3.log" | tail -1)
[[ "$up3" =~ ", 0 heights replayed, "[1-9][0-9]*" election records read" ]] ||
  fail "restarted node 3 did not rebuild its elections from election records: $up3"
votes3() { [ "$(status_field 3 .votes_cast)" -gt 0 ]; }
poll 60 votes3 || fail "restarted member 3 does not vote"
[ "$(status_field 3 .dpos.in_set)" = true ] || fail "restarted member 3 not in the set"

# Rewards: wallet 10 (node 0's only voter) was paid by later blocks; every block's coinbase pays
# exactly block reward + fees (the node's GET /block sums them from the block and its undo
# data), and a block by member p after the votes pays 20% to p's node key and 80% to wallet 10+p.
richer() { [ "$(native_of 10)" -gt "$bal10" ]; }
poll 60 richer || fail "voter wallet 10 was never paid: $bal10 -> $(native_of 10)"
declare -a node_addr wallet_addr
for p in $(seq 0 6); do
  key=$(sed -n "s/^    - {key: \([0-9a-f]*\),.*/\1/p" "$dir/node0.yaml" | sed -n "$((p + 1))p")
  node_addr[$p]=$("$cli" address --pubkey "$key" --json | jq -r .address)
  wallet_addr[$p]=$(addr_key $((10 + p)) | jq -r .address)
done
reward=$(get 0 /block/1 | jq -r .block_reward)
[ "$reward" = 1000000 ] || fail "GET /block/1 block_reward $reward, expected 1000000"
with_fees=0 split_checked=0
for h in $(seq 1 $((hj + 24))); do
  b=$(get 0 "/block/$h") || fail "GET /block/$h"
  read -r fees paid claimed p <<<"$(jq -r '"\(.fees) \(.coinbase.paid) \(.coinbase.claimed) \(.proposer)"' <<<"$b")"
  [ "$paid" = $((reward + fees)) ] || fail "block $h: coinbase pays $paid, reward $reward + fees $fees"
  [ "$claimed" = $((reward + fees)) ] || fail "block $h: coinbase claims $claimed, reward $reward + fees $fees"
  [ "$fees" -gt 0 ] && with_fees=$((with_fees + 1))
  if [ "$h" -gt "$h_votes" ] && [ "$p" -le 6 ]; then
    total=$((reward + fees)) voters=$(((reward + fees) * 80 / 100))
    want="[{\"amount\":$((total - voters)),\"owner\":\"${node_addr[$p]}\"},{\"amount\":$voters,\"owner\":\"${wallet_addr[$p]}\"}]"
    [ "$(jq -c .coinbase.outputs <<<"$b")" = "$want" ] ||
      fail "block $h by node $p: coinbase outputs $(jq -c .coinbase.outputs <<<"$b"), expected $want"
    split_checked=$((split_checked + 1))
  fi
done
[ $with_fees -gt 0 ] || fail "no block in 1..$((hj + 24)) carried fees"
[ $split_checked -gt 0 ] || fail "no block by a member after height $h_votes"
echo "rewards: wallet 10 $bal10 -> $(native_of 10); coinbase = reward + fees in blocks 1..$((hj + 24)) ($with_fees with fees); 20/80 split checked in $split_checked blocks"

# Block intervals around the boundary (proposal timestamps of committed blocks; reported only):
# heights hj-3..hj+3, and mean / max over the 20 blocks before and the 20 from it.
ts=()
for h in $(seq $((hj - 21)) $((hj + 20))); do ts+=("$(get 0 "/block/$h" | jq -r .timestamp_ms)"); done
intervals=""
for k in $(seq 19 24); do intervals="$intervals $((ts[k] - ts[k - 1]))"; done
stats() { # FIRST LAST index range of intervals -> "mean/max"
  local sum=0 max=0 n=0 d
  for k in $(seq "$1" "$2"); do
    d=$((ts[k] - ts[k - 1])); sum=$((sum + d)); n=$((n + 1)); [ $d -gt $max ] && max=$d
  done
  echo "$((sum / n))/$max"
}
echo "block intervals (ms) over heights $((hj - 3))..$((hj + 3)):$intervals"
echo "block interval mean/max (ms): 20 before height $hj: $(stats 1 20), 20 from it: $(stats 21 40)"
echo "heights before the boundary: ${before[*]}; after: $(for i in $(seq 0 8); do printf '%s ' "$(height "$i")"; done)"
echo "node 7: votes_cast $(status_field 7 .votes_cast), proposed $proposed of 25 blocks after $hj; node 6 votes_cast frozen at $v6"
# The store remembers the election parameters: node 8 restarted with another vote lock (which
# would derive other sets from the same chain) is refused like a store of another genesis.
kill -TERM "$(cat "$dir/node8.pid")"
while kill -0 "$(cat "$dir/node8.pid")" 2>/dev/null; do sleep 0.2; done
rm -f "$dir/node8.pid"
mkdir "$dir/other"
sed 's/^  vote_lock_blocks: 20$/  vote_lock_blocks: 21/' "$dir/genesis.yaml" >"$dir/other/genesis.yaml"
grep -q "vote_lock_blocks: 21" "$dir/other/genesis.yaml" || fail "cannot edit the genesis copy"
sed 's|"node8.key"|"../node8.key"|; s|"node8.data"|"../node8.data"|' "$dir/node8.yaml" >"$dir/other/node8.yaml"
out=$(timeout 60 "$bystackd" --config "$dir/other/node8.yaml" 2>&1) && fail "node 8 started with other election parameters"
grep -q "another genesis" <<<"$out" || fail "node 8 with other election parameters: $out"
echo "other election parameters refused: $(head -c 200 <<<"$out")"
# Likewise other reward parameters (they change which coinbases are valid).
sed 's/^    producer_share_pct: 20$/    producer_share_pct: 30/' "$dir/genesis.yaml" >"$dir/other/genesis.yaml"
grep -q "producer_share_pct: 30" "$dir/other/genesis.yaml" || fail "cannot edit the genesis copy"
out=$(timeout 60 "$bystackd" --config "$dir/other/node8.yaml" 2>&1) && fail "node 8 started with other reward parameters"
grep -q "another genesis" <<<"$out" || fail "node 8 with other reward parameters: $out"
echo "other reward parameters refused"

"$src/scripts/cluster.sh" stop "$dir" >/dev/null
rm -rf "$dir"
echo "dpos cluster: standby node 7 joined at height $hj, node 6 left, commits went on"
