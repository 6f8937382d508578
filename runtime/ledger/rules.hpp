#pragma once
/// Validation of BUTXO transactions and blocks: the single definition of validity both chains
/// use. Pure code: no CAF, no I/O, no clock, no threads (parallel signature checking is handed to
/// a caller-supplied executor).

#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/utxo.hpp"

#include <functional>
#include <mutex>
#include <unordered_set>

namespace bystack::ledger {

/// Names each rule a transaction or block can break; the name is what clients see.
enum class rule : std::uint8_t {
  ok = 0,
  malformed,              ///< does not decode
  too_large,              ///< over max_tx_bytes or a block bound
  wrong_chain,            ///< names another network
  bad_version,            ///< unknown transaction version
  expired,                ///< past its expires_at height
  no_inputs,              ///< a transaction needs at least one input
  no_outputs,             ///< a transaction needs at least one output
  duplicate_input,        ///< the same input twice in one transaction (or block)
  missing_input,          ///< spends an output that does not exist or is spent
  bad_program,            ///< a control program with no keys, threshold 0 or above its keys
  bad_witness,            ///< a witness names a key twice or a key the program lacks
  bad_signature,          ///< a witness signature does not verify
  threshold_not_met,      ///< fewer valid signatures than the program's threshold
  zero_amount,            ///< an output or issue of zero units
  amount_overflow,        ///< sums beyond 2^64 - 1
  unbalanced,             ///< an asset's outputs differ from its inputs (inflation or silent burn)
  lot_conservation,       ///< Atomic: units moved between lots (lots never merge)
  token_conservation,     ///< Quark: a token created, copied or merged
  quark_split,            ///< Quark: an output of other than exactly one whole unit
  indivisible_amount,     ///< Quantum/Quark: an amount that is not a whole number of units
  fungible_lot,           ///< Byte/Quantum: an output that names a lot
  unknown_asset,          ///< spends an output whose asset has no definition
  bad_definition,         ///< an asset definition that breaks its own rules
  bad_issue,              ///< issuance of the native asset, or a Quark issue over its bound
  issuance_reused,        ///< the same issue input twice
  supply_exceeded,        ///< issuance beyond max_supply
  fee_too_low,            ///< below the minimum fee rate
  coinbase_misplaced,     ///< a coinbase outside the first transaction of a block
  coinbase_too_large,     ///< more than reward plus fees
  unknown_kind,           ///< an input or output kind this chain does not know
  bad_retire,             ///< a retire output with an owner
  block_too_large,        ///< a block over its size or count bound
  unknown_candidate,      ///< a vote for an output that is not a candidate registration
  locked_output,          ///< a vote or registration unlocked early, or by a plain spend
  bad_vote,               ///< a vote, veto or registration that breaks its own rules
  bad_reward,             ///< a coinbase that deviates from the DPoS reward split (rewards.hpp)
};
inline constexpr std::size_t rule_count = static_cast<std::size_t>(rule::bad_reward) + 1;
/// Returns the rule's name in kebab case ("missing-input").
const char* rule_name(rule r);

/// Holds the first rule a transaction or block broke and a sentence about where.
struct tx_error {
  rule code = rule::ok;
  std::string detail;
  bool ok() const noexcept { return code == rule::ok; }
  /// Returns "rule-name: detail".
  std::string message() const;
};

/// Fixes what one network's ledger accepts.
struct chain_params {
  hash256 chain;                       ///< chain_id_of(network name)
  asset_id native;                     ///< the fee and reward asset
  std::uint64_t min_fee_per_kb = 0;    ///< native base units per 1,000 bytes of encoding
  std::uint64_t block_reward = 0;      ///< native base units a coinbase may add besides fees
  std::size_t max_block_txs = 100'000;
  std::size_t max_block_bytes = 32 * 1024 * 1024;
};

/// One signature to check: deferred so that a block's signatures can be checked on several
/// threads after the sequential state checks.
struct sig_job {
  crypto::public_key key;
  hash256 digest;
  const bytes* signature = nullptr; ///< points into the transaction being checked
};

/// Checks signatures, remembering the ones it has seen valid (Bitcoin's signature cache): a
/// signature checked at mempool admission is not checked again when its block arrives. Safe to
/// call from several threads.
class signature_checker {
public:
  /// Uses `scheme` (Ed25519 or the simulator's modelled one) and keeps at most `cache_entries`.
  explicit signature_checker(const crypto::signature_scheme& scheme,
                             std::size_t cache_entries = 1 << 20);
  /// Returns whether the signature is valid; a cache hit does no curve work.
  bool verify(const sig_job& j);
  std::uint64_t verified() const noexcept { return verified_; }
  std::uint64_t cache_hits() const noexcept { return hits_; }
  const crypto::signature_scheme& scheme() const noexcept { return *scheme_; }

private:
  const crypto::signature_scheme* scheme_;
  std::size_t capacity_;
  std::mutex mutex_;
  std::unordered_set<hash256> cache_;
  std::vector<hash256> order_; ///< insertion ring, for eviction
  std::size_t next_evict_ = 0;
  std::uint64_t verified_ = 0;
  std::uint64_t hits_ = 0;
};

/// Validates the kinds a chain adds (claim, veto, pegout, vote, ...). The default knows none.
class extension_rules {
public:
  virtual ~extension_rules() = default;
  /// Checks an extension input; on success adds what it provides through `credit`
  /// (asset, lot, amount, kind) and the signatures it needs through `sigs`.
  virtual tx_error check_input(const input& in, const hash256& iid, const hash256& txid,
                               const utxo_view& view,
                               const std::function<tx_error(const asset_id&, const hash256&,
                                                            std::uint64_t, asset_kind)>& credit,
                               std::vector<sig_job>& sigs) const;
  /// Checks an extension output (its asset and amount are balanced like any other output).
  virtual tx_error check_output(const output& out, const utxo_view& view) const;
  /// As check_input, knowing the height of the block the transaction would enter (lock
  /// periods). check_tx calls this one; the default forwards to check_input.
  virtual tx_error check_input_at(
      std::uint64_t height, const input& in, const hash256& iid, const hash256& txid,
      const utxo_view& view,
      const std::function<tx_error(const asset_id&, const hash256&, std::uint64_t, asset_kind)>&
          credit,
      std::vector<sig_job>& sigs) const {
    (void)height;
    return check_input(in, iid, txid, view, credit, sigs);
  }
  /// Records what an extension input of a valid transaction changes in the state (apply_tx
  /// calls it in input order; a veto spends the vote it unlocks). The default changes nothing.
  virtual void apply_input(const input& in, const hash256& iid, const hash256& txid,
                           utxo_overlay& overlay, block_delta& delta, std::uint64_t height) const;
};

/// What check_tx would hash and encode on its own: computed ahead, on several threads, by
/// check_block so that the serial state checks do little more than look-ups.
struct tx_precomputed {
  hash256 id;
  std::size_t size = 0;
  std::vector<hash256> input_ids;
};
/// Computes the ids and size of a transaction.
tx_precomputed precompute(const tx& t);

/// Where a transaction is checked.
struct tx_context {
  std::uint64_t height = 0;       ///< the height of the block it would enter
  bool coinbase_allowed = false;  ///< only the first transaction of a block
  const tx_precomputed* pre = nullptr; ///< ids and size computed ahead (must belong to the tx)
};

/// What a valid transaction amounts to.
struct tx_summary {
  hash256 id;
  std::uint64_t fee = 0;       ///< native surplus
  std::uint64_t coinbase = 0;  ///< native units a coinbase input creates
  std::size_t size = 0;        ///< encoded bytes
};

/// Checks a transaction against a state. Signatures go to `sigs` when it is given (the caller
/// checks them later, perhaps in parallel) or are checked at once with `checker`.
tx_error check_tx(const tx& t, const utxo_view& view, const chain_params& params,
                  const tx_context& ctx, signature_checker& checker, tx_summary& out,
                  std::vector<sig_job>* sigs = nullptr, const extension_rules* ext = nullptr);

/// Records a valid transaction's changes into an overlay and a delta (extension inputs through
/// `ext` when given).
void apply_tx(const tx& t, const hash256& txid, utxo_overlay& overlay, block_delta& delta,
              const chain_params& params, std::uint64_t height,
              const extension_rules* ext = nullptr);

/// Runs jobs [0, n) on several threads (real nodes) or in order (simulation, tests); must
/// return only when all are done.
using parallel_for = std::function<void(std::size_t n, const std::function<void(std::size_t)>&)>;

/// The outcome of validating a block's transactions.
struct block_check {
  tx_error err;
  std::size_t bad_tx = 0;       ///< index of the first invalid transaction
  block_delta delta;            ///< what the block changes (valid blocks)
  std::uint64_t fees = 0;
  std::uint64_t signatures = 0; ///< signatures checked (cache misses)
  std::uint64_t signature_hits = 0;
};

/// Validates a block's transactions in order on top of `view`: every transaction on the state
/// left by the ones before it, the coinbase (first only) within reward plus fees, then every
/// signature through `run` (the same result on one thread or many: the lowest failing index
/// wins).
block_check check_block(const std::vector<tx>& txs, std::uint64_t height, const utxo_view& view,
                        const chain_params& params, signature_checker& checker,
                        const parallel_for& run = {}, const extension_rules* ext = nullptr);

/// Returns the minimum fee for a transaction of `size` bytes.
std::uint64_t min_fee(const chain_params& params, std::size_t size);

} // namespace bystack::ledger
