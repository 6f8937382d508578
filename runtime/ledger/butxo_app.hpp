#pragma once
/// The BUTXO ledger as a consensus application: a mempool for admission, blocks assembled and
/// checked on top of their parent's state (uncommitted blocks kept as deltas over the committed
/// UTXO set, since BBFT certifies a child before its parent is final), commits applied in order.

#include "runtime/ledger/application.hpp"
#include "runtime/ledger/mempool.hpp"
#include "runtime/ledger/rewards.hpp"

#include <deque>
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

/// The outcome of validating one block on its parent's state.
struct block_validation {
  const char* reason = nullptr; ///< null when valid
  std::string detail;
  block_delta delta;
  std::vector<std::shared_ptr<const tx>> txs;
  std::vector<crypto::hash256> ids;
  std::vector<std::uint32_t> signatures; ///< witness signatures per transaction
};

/// Shares block validations between applications that hold the same chain (the simulator: every
/// honest node would compute the same result from the same parent state, which the block hash
/// pins down). Each application still applies the outcome to its own state and is charged the
/// signatures its own cache lacks.
class validation_memo {
public:
  virtual ~validation_memo() = default;
  virtual std::shared_ptr<const block_validation> find(const crypto::hash256& block) const = 0;
  virtual void store(const crypto::hash256& block, std::shared_ptr<const block_validation> v) = 0;
};

struct butxo_options {
  chain_params params;
  mempool_limits limits;
  /// Pays the block's fees (and reward) to this owner through a coinbase. Fees always leave the
  /// supply (recorded as retired native units) and a coinbase issues its amount anew, so that
  /// for every asset the unspent units equal issued minus retired.
  std::optional<control_program> coinbase_to;
  parallel_for run; ///< parallel signature checks (real nodes); empty: in order
  const extension_rules* ext = nullptr;
  std::size_t signature_cache_entries = 1 << 20;
  /// The consensus block the starting state belongs to: the genesis block's hash (the BBFT
  /// core's `genesis_block()->hash()`), so that the first proposal's parent is known.
  crypto::hash256 genesis_block;
  validation_memo* memo = nullptr; ///< simulation only; null: every block validated here
  /// Called after each commit with the block's delta (incremental state derived from the
  /// chain, such as the DPoS vote tally); empty: nothing.
  std::function<void(const block_delta&, std::uint64_t height)> on_commit;
  /// Called at each commit, before on_commit, with the block's header: state that depends on
  /// who proposed the committed blocks (DPoS super-node demotion) learns it in commit order,
  /// however the commits are batched. Empty: nothing.
  std::function<void(const block_header&)> on_commit_header;
  /// DPoS rewards (rewards.hpp, docs/dpos.md): when set, a consensus rule: every block's
  /// coinbase pays exactly block reward plus fees, split between its proposer and the voters of
  /// the proposer's registrations at the block's parent; a block that deviates is refused
  /// (`bad-reward`). Replaces coinbase_to. Unset (the default): no change.
  struct reward_split {
    rewards::reward_params params;
    /// Resolves a header's proposer index to the node key (nullopt: unknown, block refused).
    std::function<std::optional<crypto::public_key>(std::uint32_t proposer)> producer_key;
    std::uint32_t self = 0; ///< this node's proposer index (the blocks it prepares)
  };
  std::optional<reward_split> rewards;
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
  /// Returns the state hash right after committing `height` (kept for the last
  /// recent_hashes_kept heights; zero when older or not yet committed).
  crypto::hash256 state_hash_at(std::uint64_t height) const;
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
    std::shared_ptr<const block_validation> v;
  };
  /// Builds the view of the state after `parent`, or returns false if parent is unknown.
  bool view_after(const crypto::hash256& parent, utxo_overlay& out) const;
  /// The deltas of the pending blocks from the committed tip to `parent`, oldest first.
  std::vector<const block_delta*> pending_path(const crypto::hash256& parent) const;
  /// The reward split of a block by `proposer` on top of `parent` (rewards must be set).
  std::optional<std::vector<rewards::payout>>
  reward_payouts(const crypto::hash256& parent, std::uint32_t proposer, std::uint64_t total) const;
  /// Validates b on view (or takes the memo's outcome); sets the verdict's reason on failure.
  std::shared_ptr<const block_validation> validate(const block& b, const utxo_view& view,
                                                   app_verdict& v);

  butxo_options opts_;
  utxo_set state_;
  signature_checker checker_;
  mempool pool_;
  crypto::hash256 tip_;
  std::uint64_t tip_height_ = 0;
  std::unordered_map<crypto::hash256, pending> pending_;
  block_delta last_delta_;
  rewards::voter_book voters_; ///< kept when opts_.rewards is set
  butxo_stats stats_;
  static constexpr std::size_t recent_hashes_kept = 64;
  std::deque<std::pair<std::uint64_t, crypto::hash256>> recent_hashes_;
};

} // namespace bystack::ledger
