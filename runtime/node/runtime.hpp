#pragma once
/// A running production node: the BBFT node actor on CAF's real scheduler, its environment
/// (clock, RocksDB, metrics, timers), the TCP transport over CAF's middleman, and the calls the
/// API makes, which reach the node actor by message only. CAF stays inside runtime.cpp.

#include "actors/node/node_core.hpp"
#include "runtime/base/result.hpp"
#include "runtime/crypto/keys.hpp"
#include "runtime/node/chain_store.hpp"
#include "runtime/node/config.hpp"
#include "runtime/node/metrics.hpp"

#include <chrono>
#include <memory>
#include <vector>

namespace bystack::node {

/// Answers GET /status.
struct status_view {
  std::uint32_t id = 0;
  std::uint64_t view = 0;
  std::uint64_t certified_height = 0; ///< highest block this node holds a certificate for
  crypto::hash256 certified_hash;
  std::uint64_t committed_height = 0;
  crypto::hash256 committed_hash;
  std::uint32_t leader = 0; ///< the leader this node expects for its view
  std::uint64_t pool_size = 0;
  std::uint64_t peers_connected = 0;
  std::uint64_t peers_total = 0;
  bbft::core_stats stats;
};

class node_runtime {
public:
  /// Opens the store, reloads the committed chain, starts the actors, publishes the transport on
  /// the listen port and starts connecting to the peers.
  static result<std::unique_ptr<node_runtime>> start(const node_config& cfg,
                                                     const crypto::key_pair& key);
  /// Stops the actors and closes the store.
  ~node_runtime();

  /// Asks the node actor for its status.
  result<status_view> status(std::chrono::milliseconds timeout);
  /// Hands verified transactions to the node actor; returns how many it admitted to its pool.
  result<std::uint64_t> submit(std::vector<ledger::transaction> txs,
                               std::chrono::milliseconds timeout);
  const chain_store& store() const;
  node::metrics& stats();
  std::uint32_t index() const;

  struct impl;

private:
  explicit node_runtime(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace bystack::node
