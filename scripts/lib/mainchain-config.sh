# Writes a local mainchain's genesis and node configs; sourced by mainchain-cluster.sh and stack.sh.

# Public keys of development wallets 0..3 (bystack-cli keygen --dev-wallet I).
dev_keys=(e1722346f014524b17b5e2d8950865ef50e506f8e6389fa10109473c3d56ceba
          d251c40007b81a4626d77d188c6a3c436177752786187be93324258ded294782
          43d0d48b1f123eabfa92e327276e39b612dc15894b6f5e9650d815f1f4a9b2d6
          95372adb7f72fe9e1df002349a4751af15695e43817b2e36a6fd2a1c73dc8901)

# DIR N MINERS HASHES BASE TARGET_MS RETARGET [PAYOUT]: genesis.yaml (BTM, the development
# wallets funded) and nodeI.yaml for I < N, all peers of each other, node I listening on
# BASE+2I (API BASE+2I+1); nodes I < MINERS mine, paying PAYOUT (a wallet index) or wallet I % 4.
mainchain_generate() {
  local dir="$1" n="$2" m="$3" h="$4" base="$5" target="$6" retarget="$7" payout="${8:-}"
  mkdir -p "$dir"
  {
    echo 'network: "bystack-mainchain-local"'
    echo 'min_fee_per_kb: 1000'
    echo 'block_reward: 5000000000'
    echo 'assets:'
    echo '  - {name: "BTM", kind: byte, decimals: 8, native: true}'
    echo 'outputs:'
    for k in "${dev_keys[@]}"; do echo "  - {asset: \"BTM\", amount: 1000000000000000, owner: $k}"; done
  } >"$dir/genesis.yaml"
  for ((i = 0; i < n; i++)); do
    {
      echo "node:"
      echo "  name: node$i"
      echo "  listen: {address: \"127.0.0.1\", port: $((base + 2 * i))}"
      echo "  api: {address: \"127.0.0.1\", port: $((base + 2 * i + 1))}"
      echo "  data_dir: \"node$i.data\""
      [ "$n" -gt 1 ] && echo "peers:" || echo "peers: []"
      for ((j = 0; j < n; j++)); do
        [ $j -eq $i ] || echo "  - {name: node$j, address: \"127.0.0.1\", port: $((base + 2 * j))}"
      done
      echo "consensus:"
      echo "  target_block_ms: $target"
      echo "  retarget_blocks: $retarget"
      echo "  genesis_expected_hashes: $h"
      echo "  genesis_time_ms: 1764000000000"
      echo 'genesis_file: "genesis.yaml"'
      if [ $i -lt "$m" ]; then
        echo "mining:"
        echo "  payout: ${dev_keys[${payout:-$((i % 4))}]}"
      fi
    } >"$dir/node$i.yaml"
  done
}
