#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the default simulation
# (scenarios/default.yaml unless another scenario and flags are given).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
if [ $# -eq 0 ]; then set -- scenarios/default.yaml; fi
exec build/sim/bystack-sim "$@"
