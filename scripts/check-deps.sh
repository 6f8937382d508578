#!/usr/bin/env bash
# Checks that dependencies point one way: protocol cores (actors/) include no CAF, RocksDB,
# Cap'n Proto or yaml-cpp outside the actor shells, the foundation (runtime/ but the node
# programs runtime/node, runtime/mainchain and runtime/federation)
# includes nothing from actors/ or sim/, and actors/ includes nothing from sim/.
set -u
cd "$(dirname "$0")/.."
fail=0
hits=$(grep -rnE '#include <(caf|rocksdb|capnp|kj|yaml-cpp)/' actors --include='*.hpp' --include='*.cpp' \
  | grep -v '^actors/node/node_actor\.')
[ -n "$hits" ] && { echo "protocol code includes an environment library:"; echo "$hits"; fail=1; }
hits=$(grep -rnE '#include "(actors|sim)/' runtime --include='*.hpp' --include='*.cpp' | grep -vE '^runtime/(node|mainchain|federation)/')
[ -n "$hits" ] && { echo "foundation includes actors/ or sim/:"; echo "$hits"; fail=1; }
hits=$(grep -rnE '#include "sim/' actors runtime --include='*.hpp' --include='*.cpp')
[ -n "$hits" ] && { echo "actors/ or runtime/ includes sim/:"; echo "$hits"; fail=1; }
[ $fail -eq 0 ] && echo "check-deps: dependencies point one way"
exit $fail
