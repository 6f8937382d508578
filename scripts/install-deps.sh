#!/usr/bin/env bash
# Installs the Debian 12 packages the project builds with, plus any named as arguments (tools such
# as scripts/fuzz.sh add theirs); does nothing for those already present.
set -euo pipefail
packages=(build-essential cmake ninja-build ccache pkg-config git
  libcaf-dev librocksdb-dev libbotan-2-dev libsodium-dev capnproto libcapnp-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcpp-httplib-dev nlohmann-json3-dev libjemalloc-dev python3 curl jq "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
