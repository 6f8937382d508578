#pragma once
/// One decoded body per batch of transactions for all simulated nodes (docs/relay.md,
/// "Simulation shortcut"). The simulator decodes each buffer it delivers once, but a gossiped
/// batch is re-encoded by every node that forwards it once the encoding memo has forgotten it,
/// so without this every node ends up holding its own decoded copy of every transaction (at
/// N = 4,096 and 10,000 tx/s about 4 GB per simulated second). The pool keeps a weak reference
/// to every body it has seen, keyed by content; a newly decoded message whose batch equals one
/// still alive gets that body instead of its own. Each message stays its own object (the
/// simulator's memos key on message identity, which decides when a sender is charged for
/// encoding), so trace hashes do not change: only where the transactions live does.

#include "runtime/protocol/messages.hpp"

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace bystack::sim {

class body_pool {
public:
  /// Replaces the transaction lists of the batches in `m` (tx_batch, block_batches, the
  /// prefilled batches of a compact_proposal) with equal lists already held, and remembers the
  /// others.
  void intern(proto::message& m);
  /// Replaces b's list by an equal one the pool holds, or remembers b's.
  void intern(proto::batch_txs& txs);

  struct counters {
    std::uint64_t lookups = 0; ///< non-empty lists seen
    std::uint64_t shared = 0;  ///< of them replaced by a list already held
    std::size_t entries = 0;   ///< weak references held (live and expired)
  };
  counters stats() const {
    auto c = stats_;
    c.entries = entries_;
    return c;
  }

private:
  using list = proto::batch_txs::list;
  static std::uint64_t key_of(const list& l);
  void forget_expired();

  std::unordered_map<std::uint64_t, std::vector<std::weak_ptr<const list>>> by_key_;
  std::size_t entries_ = 0;
  std::size_t since_forget_ = 0;
  counters stats_;
};

} // namespace bystack::sim
