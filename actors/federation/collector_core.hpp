#pragma once
/// A collector: a plain state machine that watches the mainchain and feeds the sidechain what
/// its light client and its claims need, events in, transactions out.
///
/// On each step it compares its mainchain view (blocks it was given, the best tip it was told)
/// with the committed sidechain state and builds at most one sidechain transaction holding
/// - the mainchain headers the sidechain lacks (oldest first, up to headers_per_input_max),
/// - claims of pegins to the federation whose blocks have pegin_confirmations on the sidechain's
///   light client and that nobody claimed yet,
/// - release records of mainchain releases whose blocks have release_confirmations,
/// paid from its own sidechain funding output (change back to itself). It keeps one transaction
/// in flight: the next waits until the previous one's change is in the committed state. Each
/// transaction expires expiry_blocks sidechain blocks after it was built, so that one made
/// invalid (another collector claimed the same output first) leaves the pools; the next is then
/// built on the last committed funding, without what others did meanwhile.
///
/// Nothing here reads a clock, sleeps, spawns threads or draws randomness.

#include "actors/federation/sidechain_rules.hpp"
#include "runtime/crypto/signature_scheme.hpp"

#include <deque>
#include <map>

namespace bystack::federation {

struct collector_config {
  federation_params params;
  ledger::chain_params sidechain;         ///< chain id, native asset, fee rate
  const crypto::signer* signer = nullptr; ///< owns the funding output; not owned
  hash256 funding;                        ///< the collector's first funding output
  std::size_t blocks_kept_max = 4096;     ///< mainchain blocks remembered (oldest dropped)
  std::size_t claims_per_tx_max = 64;     ///< claims and release records per transaction
  std::uint64_t scan_blocks_max = 256;    ///< light-client blocks below the tip searched for pegs
  std::uint64_t expiry_blocks = 10;
  /// Skips claims and release records whose payload exceeds this many bytes (0: no bound). Real
  /// nodes decode an extension input of at most ledger::max_ext_input_bytes; a larger one would
  /// be refused forever and stall every later header and claim behind it.
  std::size_t ext_bytes_max = 0;
  std::vector<ledger::asset_definition> mainchain_assets; ///< known definitions (the genesis's)
};

struct collector_stats {
  std::uint64_t txs_built = 0;
  std::uint64_t headers_relayed = 0;
  std::uint64_t claims = 0;
  std::uint64_t releases_recorded = 0;
  std::uint64_t rebuilt = 0; ///< in-flight transactions expired and rebuilt
  /// Claims and release records skipped: their payload exceeds ext_bytes_max.
  std::uint64_t oversized = 0;
};

class collector_core {
public:
  explicit collector_core(collector_config cfg);

  /// Remembers a mainchain block (from the collector's mainchain node) and the definitions its
  /// issue inputs carry.
  void on_mainchain_block(const mainchain::block_ptr& b);
  /// Sets the mainchain best tip (a block given before).
  void on_mainchain_tip(const hash256& tip);
  /// Compares the views and returns the sidechain transaction to submit, if any; `committed` is
  /// the committed sidechain state at sidechain height `height`.
  std::optional<ledger::tx> step(const ledger::utxo_view& committed, std::uint64_t height);

  const collector_stats& stats() const noexcept { return stats_; }
  /// Follows an elected rotation (election.hpp): pegins to the new federation are claimed once
  /// the sidechain judges by it.
  result<void> add_rotation(federation_rotation r) {
    return federation::add_rotation(cfg_.params, std::move(r));
  }

private:
  /// Returns the best chain from the tip back to (not including) the first block the light
  /// client holds, oldest first, or to the oldest block remembered.
  std::vector<mainchain::block_ptr> unrelayed(const light_client& lc) const;

  collector_config cfg_;
  std::map<hash256, mainchain::block_ptr> blocks_;
  std::deque<hash256> order_; ///< arrival order, for the bound
  hash256 tip_;
  hash256 funding_;                     ///< last committed funding output
  std::optional<ledger::tx> in_flight_; ///< the transaction submitted and not yet committed
  std::map<ledger::asset_id, ledger::asset_definition> definitions_;
  collector_stats stats_;
};

} // namespace bystack::federation
