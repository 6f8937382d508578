#pragma once
/// The ledger's starting state: asset definitions (one of them the native fee asset) and initial
/// outputs. Scenarios and node configs describe it in the same YAML format
/// (runtime/config/genesis_yaml.hpp).

#include "runtime/ledger/rules.hpp"

namespace bystack::ledger {

struct genesis_spec {
  std::string network = "bystack";
  std::uint64_t min_fee_per_kb = 0;
  std::uint64_t block_reward = 0;
  std::vector<asset_definition> assets;
  std::size_t native_index = 0;   ///< which of `assets` pays fees and rewards
  std::vector<output> outputs;    ///< control outputs of Byte or Quantum assets
};

/// Returns the pseudo transaction id the genesis outputs hang from.
hash256 genesis_txid(const genesis_spec& g);
/// Returns the network's parameters (chain id, native asset, fee rate, reward).
chain_params params_of(const genesis_spec& g);
/// Builds the state after genesis; the error names the first bad asset or output.
result<utxo_set> genesis_state(const genesis_spec& g);

} // namespace bystack::ledger
