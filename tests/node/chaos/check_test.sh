#!/usr/bin/env bash
# The chaos harness's stored-chain check must accept agreeing chains (one shorter than the
# other) and catch a fork (two blocks at one height) and a transaction committed twice.
set -u
chaos="$1/scripts/chaos.sh" here="$1/tests/node/chaos" fail=0
out=$("$chaos" check-chains "$here/agree" 2>&1) || { echo "agree: refused: $out"; fail=1; }
out=$("$chaos" check-chains "$here/fork" 2>&1) && { echo "fork: not caught"; fail=1; }
grep -q "SAFETY: height 2" <<<"$out" || { echo "fork: wrong report: $out"; fail=1; }
out=$("$chaos" check-chains "$here/twice" 2>&1) && { echo "twice: not caught"; fail=1; }
grep -q "transaction t1 at heights 1 and 3" <<<"$out" || { echo "twice: wrong report: $out"; fail=1; }
[ $fail = 0 ] && echo "chaos check: agree accepted, fork and double commit caught"
exit $fail
