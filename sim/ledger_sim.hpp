#pragma once
/// The BUTXO ledger in simulation: one application per node, a seeded workload of wallets
/// (transfers of the four asset kinds, multisig spends, multi-party swaps, occasional invalid
/// transactions), and a ledger checker (every honest node's UTXO set hash equal at each height;
/// per asset, unspent units equal issued minus retired).
///
/// Validation really runs at every node. Only the curve work of a signature is shared: the first
/// node to verify a (key, digest, signature) computes it, the others look the answer up, and each
/// node is charged the modelled CPU time of every verification its own signature cache misses.

#include "runtime/ledger/butxo_app.hpp"
#include "runtime/ledger/genesis.hpp"
#include "sim/rng.hpp"
#include "sim/scenario.hpp"
#include "sim/stack_plugin.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace bystack::sim {

/// What the ledger did in a run.
struct ledger_result {
  bool enabled = false;
  std::uint64_t generated = 0;
  std::map<std::string, std::uint64_t> generated_by_kind;
  std::uint64_t invalid_generated = 0;
  std::uint64_t committed = 0;         ///< workload transactions in committed blocks
  double committed_per_sim_second = 0; ///< over the time from the first to the last commit
  double latency_p50_ms = 0;           ///< submission to first honest commit
  double latency_p99_ms = 0;
  std::uint64_t utxos = 0;
  std::string state_hash;         ///< at the highest height every honest node committed
  std::uint64_t state_checks = 0; ///< (node, height) hashes compared
  std::uint64_t state_mismatches = 0;
  std::string first_mismatch;
  std::uint64_t supply_checks = 0;
  std::uint64_t supply_violations = 0;
  std::string first_supply_violation;
  std::uint64_t signatures_checked = 0; ///< summed over nodes (cache misses)
  std::uint64_t signature_cache_hits = 0;
  std::uint64_t blocks_refused = 0;         ///< proposals the honest nodes' applications refused
  std::uint64_t blocks_refused_by_core = 0; ///< proposals any core refused (without a vote)
  bool ok() const { return state_mismatches == 0 && supply_violations == 0; }
};

/// Watches committed ledger states from outside the nodes.
class ledger_checker {
public:
  /// Records node's state hash after committing `height`; flags a second, different hash.
  void on_commit(std::uint32_t node, std::uint64_t height, const crypto::hash256& state_hash);
  /// Checks that every asset's unspent units equal issued minus retired.
  void check_supply(const ledger::utxo_set& s, std::uint64_t height);
  const ledger_result& result() const { return r_; }
  ledger_result& result() { return r_; }

private:
  std::unordered_map<std::uint64_t, crypto::hash256> by_height_;
  ledger_result r_;
};

/// Verifies with an inner scheme and remembers outcomes, so a signature's curve work is done once
/// per simulation however many nodes check it; each call still counts one verification in the
/// meter, as the inner scheme would.
class memo_signature_scheme final : public crypto::signature_scheme {
public:
  explicit memo_signature_scheme(const crypto::signature_scheme& inner) : inner_(inner) {}
  std::string_view name() const noexcept override { return inner_.name(); }
  std::size_t signature_size() const noexcept override { return inner_.signature_size(); }
  std::unique_ptr<crypto::signer> make_signer(const crypto::secret_seed& seed) const override {
    return inner_.make_signer(seed);
  }
  bool verify(const crypto::public_key& pk, const crypto::hash256& digest, byte_view sig,
              crypto::crypto_meter& meter) const override;

private:
  static constexpr std::size_t max_entries = 1 << 20;
  const crypto::signature_scheme& inner_;
  mutable std::unordered_map<crypto::hash256, bool> memo_;
};

/// Keeps block validations for every node of a run (two generations, bounded).
class shared_validations final : public ledger::validation_memo {
public:
  std::shared_ptr<const ledger::block_validation> find(const crypto::hash256& b) const override;
  void store(const crypto::hash256& b, std::shared_ptr<const ledger::block_validation> v) override;

private:
  static constexpr std::size_t generation_max = 256;
  std::unordered_map<crypto::hash256, std::shared_ptr<const ledger::block_validation>> now_, old_;
};

/// Wallets that make transactions from what committed blocks gave them.
class ledger_workload {
public:
  ledger_workload(const ledger_spec& spec, std::uint64_t seed,
                  const crypto::signature_scheme& scheme);

  const ledger::genesis_spec& genesis() const { return genesis_; }
  /// Returns the transactions to submit at time t_us (one tick), for a node of the next block
  /// at height `next_height`.
  std::vector<ledger::transaction> tick(std::int64_t t_us, std::uint64_t next_height);
  /// Learns a committed block (each height once, in order).
  void on_block(const ledger::block& b, std::int64_t t_us);
  void fill(ledger_result& r) const;

private:
  struct holding {
    crypto::hash256 id;
    ledger::output out;
  };
  struct wallet {
    std::unique_ptr<crypto::signer> signer;
    ledger::control_program program;
  };
  struct owner_ref {
    bool multisig = false;
    std::uint32_t index = 0; ///< wallet, or multisig group
  };
  std::optional<ledger::tx> make_transfer(std::uint64_t height);
  std::optional<ledger::tx> make_kind_transfer(std::uint64_t height, const ledger::asset_id& asset,
                                               const char* kind);
  std::optional<ledger::tx> make_multisig(std::uint64_t height);
  std::optional<ledger::tx> make_swap(std::uint64_t height);
  std::optional<ledger::tx> make_issue(std::uint64_t height, std::uint32_t issuer,
                                       const ledger::asset_definition& def, std::uint64_t amount);
  /// Picks an unreserved output of `asset` owned by `owner` with at least `min_amount`.
  std::optional<holding> take(const owner_ref& owner, const ledger::asset_id& asset,
                              std::uint64_t min_amount, std::uint64_t height);
  void release(const crypto::hash256& id);
  /// Completes a transaction: fee from the native input's change, then signatures.
  bool finish(ledger::tx& t, std::size_t native_change_output,
              const std::vector<std::vector<std::uint32_t>>& signers_per_input,
              const std::vector<ledger::control_program>& programs);
  /// Breaks one rule of a signed transaction (its signature, an amount, its chain).
  void corrupt(ledger::tx& t);
  std::uint32_t random_wallet() { return static_cast<std::uint32_t>(rng_.below(wallets_.size())); }

  ledger_spec spec_;
  rng64 rng_;
  const crypto::signature_scheme& scheme_;
  ledger::genesis_spec genesis_;
  ledger::chain_params params_;
  std::vector<wallet> wallets_;
  std::vector<ledger::control_program> multisigs_;
  std::unordered_map<crypto::hash256, owner_ref> owners_; ///< by program address
  /// Unspent outputs of each owner, by asset (what committed blocks created).
  std::map<std::pair<std::uint64_t, crypto::hash256>, std::vector<holding>> available_;
  struct reservation {
    std::uint64_t until = 0; ///< the spending transaction's expiry height
    std::uint64_t owner = 0;
    holding h;
  };
  std::unordered_map<crypto::hash256, reservation> reserved_; ///< outputs in flight
  std::vector<crypto::hash256> taken_;                        ///< by the transaction being built
  ledger::asset_id native_, atomic_, quark_, quantum_;
  ledger::asset_definition atomic_def_, quark_def_;
  std::uint64_t issue_nonce_ = 0;
  double carry_ = 0;
  std::unordered_map<crypto::hash256, std::int64_t> submitted_at_;
  std::vector<double> latency_ms_;
  std::int64_t first_commit_us_ = -1, last_commit_us_ = -1;
  std::uint64_t generated_ = 0, invalid_ = 0, committed_ = 0;
  std::map<std::string, std::uint64_t> by_kind_;
};

/// Builds the per-node applications and the workload of a run.
class ledger_harness {
public:
  static std::unique_ptr<ledger_harness> make(const ledger_spec& spec, std::uint64_t seed,
                                              const crypto::signature_scheme& scheme,
                                              std::uint32_t nodes,
                                              const std::vector<crypto::public_key>& node_keys,
                                              stack_plugin* plugin = nullptr);
  ledger::butxo_app* app(std::uint32_t node) { return apps_.at(node).get(); }
  /// Rebuilds a restarted node's application from its committed chain.
  void restart(std::uint32_t node, const std::vector<ledger::block_ptr>& chain);
  ledger_workload& workload() { return *workload_; }
  ledger_checker& checker() { return checker_; }
  /// The sidechain genesis the nodes start from (the workload's, plus the plugin's outputs).
  const ledger::genesis_spec& genesis() const { return genesis_; }
  /// Observes a commit of `node`; `canonical` for the first honest commit of that height.
  void on_commit(std::uint32_t node, const ledger::block& b, bool honest, bool canonical,
                 std::int64_t t_us);
  double tick_ms() const { return spec_.tick_ms; }
  bool offering(std::int64_t t_us) const {
    return spec_.stop_after_s <= 0 || static_cast<double>(t_us) < spec_.stop_after_s * 1e6;
  }
  ledger_result finish(const std::vector<std::uint32_t>& honest_nodes);

private:
  ledger_harness(const ledger_spec& spec, const crypto::signature_scheme& scheme)
      : spec_(spec), memo_(scheme) {}
  std::unique_ptr<ledger::butxo_app> make_app(std::uint32_t node);

  ledger_spec spec_;
  memo_signature_scheme memo_;
  std::unique_ptr<ledger_workload> workload_;
  ledger::utxo_set genesis_state_;
  ledger::genesis_spec genesis_;
  const ledger::extension_rules* ext_ = nullptr; ///< the plugin's, if any
  stack_plugin* plugin_ = nullptr;               ///< told of every canonical commit
  std::vector<crypto::public_key> node_keys_;
  std::vector<std::unique_ptr<ledger::butxo_app>> apps_;
  ledger_checker checker_;
  shared_validations validations_;
  std::vector<std::unique_ptr<ledger::butxo_app>> retired_apps_; ///< replaced by restarts
  std::uint64_t supply_checked_height_ = 0;
};

} // namespace bystack::sim
