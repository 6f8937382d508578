#pragma once
/// The seam between consensus and what a block means (in the spirit of CometBFT's ABCI).
///
/// The BBFT core carries transactions as opaque bytes and asks its application four things:
/// whether a client transaction may enter the pool, which transactions a new block holds,
/// whether a proposed block is valid on top of its parent, and that a block became final. The
/// same core runs the opaque-payload workload (no application: pure consensus benchmarks) or the
/// BUTXO ledger (butxo_app.hpp).

#include "runtime/ledger/block.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace bystack::ledger {

/// An application's answer: ok, or a reason (a static string, counted by name) and a detail.
struct app_verdict {
  const char* reason = nullptr; ///< null when accepted
  std::string detail;
  std::uint64_t signatures_checked = 0; ///< curve work done (the simulator charges CPU for it)
  std::uint64_t bytes_hashed = 0;
  bool ok() const noexcept { return reason == nullptr; }
};

/// Returns a static "tx: <reason>" (or "block: <reason>") for a verdict's reason, so that
/// refusals can be counted by name without allocating; unknown reasons map to "tx: other".
const char* tx_refusal(const char* reason);
const char* block_refusal(const char* reason);

class application {
public:
  virtual ~application() = default;
  /// Admits a client transaction to the application's pool (full validation).
  virtual app_verdict check_tx(const transaction& tx, std::uint64_t next_height) = 0;
  /// Returns the transactions of a new block at `height` whose parent is `parent` (the
  /// committed tip or a block process_block accepted), valid and conflict-free on top of it.
  virtual std::vector<transaction> prepare_block(const crypto::hash256& parent,
                                                 std::uint64_t height, std::size_t max_txs,
                                                 app_verdict& work) = 0;
  /// Checks a proposed block on top of its parent and remembers its state for its children.
  virtual app_verdict process_block(const block& b) = 0;
  /// Tells whether `block_hash` is the committed tip or a block process_block accepted.
  virtual bool knows(const crypto::hash256& block_hash) const = 0;
  /// Makes a block final (height order, each exactly once, parent = the previous commit).
  virtual app_verdict commit(const block& b) = 0;
  /// Returns the hash of the application state after the last commit (checkers compare it).
  virtual crypto::hash256 state_hash() const = 0;
  /// Returns the number of transactions waiting in the pool.
  virtual std::size_t pool_size() const = 0;
};

} // namespace bystack::ledger
