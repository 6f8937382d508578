#pragma once
/// The BUTXO ledger as a consensus application: a mempool for admission, blocks assembled and
/// checked on top of their parent's state (uncommitted blocks kept as deltas over the committed
/// UTXO set, since BBFT certifies a child before its parent is final), commits applied in order.

#include "runtime/ledger/application.hpp"
#include "runtime/ledger/mempool.hpp"

#include <memory>
#include <optional>
#include <unordered_map>

namespace bystack::ledger {

/// Wraps a BUTXO transaction for the consensus layer, which carries opaque transactions: the
/// payload is the canonical encoding; sender, nonce and signature stay empty (the transaction's
/// witnesses sign it).
transaction wrap(const tx& t);
/// Decodes the BUTXO transaction inside a consensus transaction.
result<tx> unwrap(const transaction& t);

struct butxo_options {
  chain_params params;
  mempool_limits limits;
  /// Pays the block's fees (and reward) to this owner through a coinbase; when unset, fees leave
  /// the supply (recorded as retired native units).
  std::optional<control_program> coinbase_to;
  parallel_for run; ///< parallel signature checks (real nodes); empty: in order
  const extension_rules* ext = nullptr;
  std::size_t signature_cache_entries = 1 << 20;
};

/// Counts what the application did, by reason.
struct butxo_stats {
  std::uint64_t admitted = 0;
  std::uint64_t blocks_accepted = 0;
  std::uint64_t blocks_refused = 0;
  std::uint64_t committed_txs = 0;
  std::uint64_t signatures_checked = 0;
  std::uint64_t signature_cache_hits = 0;
  std::uint64_t commit_failures = 0; ///< a committed block that did not validate (never expected)
};

class butxo_app final : public application {
public:
  /// Starts from `genesis` (the state after the genesis block, height 0) and verifies
  /// signatures with `scheme`.
  butxo_app(butxo_options opts, const utxo_set& genesis, const crypto::signature_scheme& scheme);

  app_verdict check_tx(const transaction& tx, std::uint64_t next_height) override;
  /// Admits a decoded transaction (the API and tools use it to report the rule broken).
  admit_result admit(const tx& t, std::uint64_t next_height);
  std::vector<transaction> prepare_block(const crypto::hash256& parent, std::uint64_t height,
                                         std::size_t max_txs, app_verdict& work) override;
  app_verdict process_block(const block& b) override;
  bool knows(const crypto::hash256& block_hash) const override;
  app_verdict commit(const block& b) override;
  crypto::hash256 state_hash() const override { return state_.hash(); }
  std::size_t pool_size() const override { return pool_.size(); }

  /// Replaces the committed state (restart from a store); drops pending blocks and the pool's
  /// view stays valid (it reads through).
  void reset_state(utxo_set s, const crypto::hash256& tip);
  const utxo_set& state() const noexcept { return state_; }
  const mempool& pool() const noexcept { return pool_; }
  const block_delta& last_delta() const noexcept { return last_delta_; }
  const butxo_stats& stats() const noexcept { return stats_; }
  const chain_params& params() const noexcept { return opts_.params; }
  const crypto::hash256& tip() const noexcept { return tip_; }

private:
  struct pending {
    crypto::hash256 parent;
    std::uint64_t height = 0;
    block_delta delta;
    std::vector<std::shared_ptr<const tx>> txs;
  };
  /// Builds the view of the state after `parent`, or returns false if parent is unknown.
  bool view_after(const crypto::hash256& parent, utxo_overlay& out) const;
  app_verdict validate(const block& b, const utxo_view& view, pending& out);

  butxo_options opts_;
  utxo_set state_;
  signature_checker checker_;
  mempool pool_;
  crypto::hash256 tip_;
  std::uint64_t tip_height_ = 0;
  std::unordered_map<crypto::hash256, pending> pending_;
  block_delta last_delta_;
  butxo_stats stats_;
};

} // namespace bystack::ledger
