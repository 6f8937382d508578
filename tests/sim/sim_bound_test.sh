#!/usr/bin/env bash
# scripts/sim-bound.sh on a small network: one round of its four runs gives one data line whose
# columns add up (bound = window_2t + serial_1t / 2), and a bench whose `--dispatch direct` runs
# print another trace hash makes it fail with a message naming the difference.
#   sim_bound_test.sh BENCH   (run from the project's root)
set -euo pipefail
bench=$1
args=(--rounds-of-four 1 --nodes 300 --supers 16 --rounds 3)
out=$(BYSTACK_SIM_BENCH=$bench scripts/sim-bound.sh "${args[@]}")
echo "$out"
[ "$(echo "$out" | wc -l)" -eq 3 ] || { echo "FAIL: expected header, one round, range"; exit 1; }
echo "$out" | sed -n 2p | awk -F, '
  function near(a, b) { return a - b < 0.0015 && b - a < 0.0015 }
  {
    if ($2 <= 0 || length($3) != 16 || $3 !~ /^[0-9a-f]+$/) { print "FAIL: deliveries or hash: " $0; exit 1 }
    if (!near($13, $10 + $8 / 2) || !near($14, $12 + $11 / 2)) { print "FAIL: bounds do not add up: " $0; exit 1 }
  }'
# A bench whose direct dispatch changes the trace: the script must refuse the round.
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
cat >"$fake/bench" <<FAKE
#!/usr/bin/env bash
if [[ " \$* " == *" direct "* ]]; then
  "$bench" "\$@" | awk -F, -v OFS=, 'NR == 2 { \$12 = "0123456789abcdef" } { print }'
else
  "$bench" "\$@"
fi
FAKE
chmod +x "$fake/bench"
if err=$(BYSTACK_SIM_BENCH=$fake/bench scripts/sim-bound.sh "${args[@]}" 2>&1); then
  echo "FAIL: a different trace hash passed: $err"
  exit 1
fi
echo "$err" | grep -q "the four runs differ" || { echo "FAIL: no message naming it: $err"; exit 1; }
echo "sim-bound: both cases as expected"
