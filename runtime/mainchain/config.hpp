#pragma once
/// The configuration of a mainchain node (`bystack-mainchaind --config FILE.yaml`); see
/// docs/mainchain.md ("Real nodes") for every key. Relative paths are taken relative to the
/// config file's directory. Errors name the file, line and key; unknown keys are errors.

#include "actors/mainchain/consensus.hpp"
#include "runtime/base/result.hpp"
#include "runtime/config/yaml_reader.hpp"
#include "runtime/ledger/genesis.hpp"
#include "runtime/pow/tensority.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace bystack::mainchaind {

/// Names a host and a TCP port.
using endpoint = config::endpoint;

/// Describes a peer this node dials; `name` is what the peer says in its hello.
struct peer_config {
  std::string name;
  endpoint addr;
};

/// Configures the node's miner thread.
struct mining_config {
  bool enabled = false;
  ledger::control_program payout; ///< who the coinbase pays
  /// Hashes between looks at the newest template (a new tip abandons stale work sooner).
  std::uint64_t batch_hashes = 1;
};

struct node_config {
  std::filesystem::path source;
  std::string name;
  endpoint listen;
  endpoint api;
  std::filesystem::path data_dir;
  bool sync_writes = false; ///< fsync every block written
  std::uint32_t api_threads = 4;
  std::vector<peer_config> peers;
  mainchain::consensus_params consensus;
  std::uint64_t genesis_time_ms = 0;
  ledger::genesis_spec genesis;
  mining_config mining;
  std::uint64_t max_message_bytes = 32u << 20;
  std::uint64_t max_request_bytes = 16u << 20;
  std::uint64_t reconnect_ms = 500;
  std::uint64_t max_pool_txs = 200'000;
};

/// Returns the compact bits of the target at which a block costs `hashes` expected hashes
/// ((2^256 - 1) / hashes, rounded to compact form); hashes >= 2.
std::uint64_t bits_for_expected_hashes(std::uint64_t hashes);

/// Loads and checks a config file.
result<node_config> load_config(const std::filesystem::path& file);
/// Parses config text; `name` stands for the file in errors, `base_dir` resolves relative paths.
result<node_config> parse_config(const std::string& text, const std::string& name,
                                 const std::filesystem::path& base_dir);

} // namespace bystack::mainchaind
