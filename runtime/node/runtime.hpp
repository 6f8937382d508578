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
#include <optional>
#include <string>
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
  // The committed chain the core holds in memory (node.retained_blocks), and the older blocks
  // served to peers from the store.
  std::uint64_t chain_blocks_in_memory = 0; ///< genesis included until trimmed
  std::uint64_t lowest_in_memory = 0;       ///< lowest height held in memory
  std::uint64_t archive_reads = 0;          ///< blocks read from the store for peers
  std::uint64_t archive_failures = 0;       ///< ... that could not be read or decoded
  // BUTXO mode only (ledger == true): the committed state at committed_height, and the pool.
  bool ledger = false;
  crypto::hash256 utxo_set_hash;
  std::uint64_t utxos = 0;
  std::uint64_t pool_bytes = 0;
  std::uint64_t pool_orphans = 0;
  crypto::hash256 chain;        ///< the network's chain id
  crypto::hash256 native_asset; ///< the fee asset
  std::uint64_t min_fee_per_kb = 0;
  // Client transactions accepted here and offered again until committed (BUTXO mode).
  std::uint64_t txs_tracked = 0; ///< accepted here, not yet seen committed
  std::uint64_t txs_resent = 0;  ///< resends so far (a transaction counts once per resend)
  std::uint64_t txs_dropped = 0; ///< accepted here, left the pool uncommitted (remembered)
  // DPoS (a genesis with `dpos:`): the epoch deciding this node's next height and its set.
  bool dpos = false;
  std::uint64_t epoch = 0;
  bool in_set = false; ///< this node sits in that epoch's set (it votes)
  std::uint32_t set_size = 0;
  std::vector<std::uint32_t> supers; ///< that set's super nodes (node ids)
};

/// One seat of an epoch's set, as GET /election shows it.
struct election_member {
  std::int64_t node = -1; ///< index in consensus.nodes (-1: runs no known node)
  crypto::public_key key{};
  crypto::hash256 candidate; ///< registration output id (zero for a genesis member)
  std::string address;
  std::string region;
  std::uint64_t votes = 0;
};

/// One epoch's set: members in rank order, super nodes and groups (node ids).
struct election_set {
  std::uint64_t epoch = 0;
  std::uint64_t first_height = 0; ///< the epoch's first block
  bool carried_over = false;
  std::vector<election_member> members;
  std::vector<std::uint32_t> supers;
  std::vector<std::vector<std::uint32_t>> groups;
};

/// A registered candidate with its votes, in rank order.
struct election_candidate {
  crypto::hash256 id;
  std::int64_t node = -1;
  crypto::public_key key{};
  std::string address;
  std::string region;
  std::uint64_t deposit = 0;
  std::uint64_t registered_at = 0;
  std::uint64_t votes = 0;
};

/// Answers GET /election.
struct election_view {
  std::uint64_t epoch_blocks = 0;
  std::uint64_t committed_height = 0;
  std::uint64_t epoch = 0;        ///< the epoch deciding this node's next height
  std::vector<election_set> sets; ///< that epoch's set and every later one already elected
  std::vector<election_candidate> candidates;
  std::uint64_t total_votes = 0;
};

/// Answers one transaction of POST /tx in BUTXO mode.
struct tx_verdict {
  std::string status;  ///< "accepted", "orphan" (kept until its parent arrives) or "rejected"
  std::string rule;    ///< rejected: the first rule broken (rule_name, or duplicate, conflict, ...)
  std::string message; ///< rejected: tx_error::message()
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
  /// Asks the node actor for the election state (DPoS only: an error otherwise).
  result<election_view> election(std::chrono::milliseconds timeout);
  /// Tells whether the genesis has a `dpos:` section.
  bool dpos_enabled() const;
  /// Hands verified transactions to the node actor; returns how many it admitted to its pool.
  result<std::uint64_t> submit(std::vector<ledger::transaction> txs,
                               std::chrono::milliseconds timeout);
  /// Hands BUTXO transactions (wrapped) to the node actor; returns one verdict per transaction.
  result<std::vector<tx_verdict>> submit_ledger(std::vector<ledger::transaction> txs,
                                                std::chrono::milliseconds timeout);
  /// Asks the node actor for a transaction in its pool; returns its encoding, or nullopt. When
  /// it is not pooled and `dropped` is given, sets it to why a transaction this node accepted
  /// left the pool uncommitted (empty if it did not).
  result<std::optional<bytes>> pending_tx(const crypto::hash256& id,
                                          std::chrono::milliseconds timeout,
                                          std::string* dropped = nullptr);
  /// Sets the test link fault towards `peer`: drop each message with probability `drop`, or
  /// delay it by `delay_ms`. Refused unless the config has testing.link_faults.
  result<void> set_link_fault(std::uint32_t peer, double drop, std::uint32_t delay_ms);
  /// Tells whether the config enables test link faults (POST /admin/link).
  bool link_faults_enabled() const;
  /// Tells whether the node runs the BUTXO ledger.
  bool ledger_enabled() const;
  const chain_store& store() const;
  /// The stored blocks this start decoded in full: the top of the chain the core keeps in
  /// memory (node.retained_blocks), every height when that is 0. The heights below had their
  /// headers and certificates checked only (chain_store::load_for_restart).
  std::uint64_t blocks_decoded_at_start() const;
  /// The stored heights whose header and certificate this start checked: every height with
  /// node.check_chain_at_start: all, the top it needs (and the height below it) with window.
  std::uint64_t heights_checked_at_start() const;
  /// The stored heights whose changes this start read and replayed to rebuild what derives from
  /// the chain: 0 when the DPoS elections came from the store's election records and no
  /// federation elections run; the head when a federation's elections run (their state is
  /// replayed) or the store predates election records.
  std::uint64_t heights_replayed_at_start() const;
  /// The election records a DPoS start rebuilt its elections from (0 when it replayed instead).
  std::size_t election_records_at_start() const;
  node::metrics& stats();
  std::uint32_t index() const;

  struct impl;

private:
  explicit node_runtime(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace bystack::node
