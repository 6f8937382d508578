#pragma once
/// What bystackd adds when its config names a federation file: the federation's sidechain_rules
/// (light client, claims, pegouts, releases) installed in the ledger through an extension_set
/// (the DPoS rules join the same set), checked with the real Tensority proof of work, and
/// read-only API routes over the committed state for the federation processes and bystack-cli:
///
///   GET /federation                     the federation, depths, the light client's tip, the
///                                       elected schedule (with an election section)
///   GET /federation/claim/{output id}   whether a mainchain output was claimed
///   GET /federation/pegout/{output id}  a pegout burn still waiting for its release record

#include "actors/federation/sidechain_rules.hpp"
#include "runtime/federation/fed_config.hpp"
#include "runtime/federation/schedule.hpp"
#include <array>
#include <memory>
#include <mutex>

namespace httplib {
class Server;
}

namespace bystack::node {
class chain_store;
}

namespace bystack::federation {

class sidechain_host {
public:
  static result<std::unique_ptr<sidechain_host>> make(const std::filesystem::path& file);

  /// The rules and the kinds they own, for the node's extension_set.
  const ledger::extension_rules* rules() const noexcept { return &rules_; }
  static constexpr std::array<ledger::input_kind, 3> input_kinds{claim_input, header_input,
                                                                 release_input};
  static constexpr std::array<ledger::output_kind, 1> output_kinds{pegout_output};
  const federation_setup& setup() const noexcept { return setup_; }
  /// Registers the read-only routes; `store` must outlive the server.
  void add_routes(httplib::Server& srv, const node::chain_store& store) const;

  /// Elections (an `election:` section): takes every committed block in height order, also the
  /// stored ones when the node restarts (node_config::ext_on_commit), with the committed state
  /// after it; when an electing block elects a new federation, adds its rotation to the rules
  /// before any later block is checked. Without elections it does nothing.
  result<void> on_commit(const ledger::block_delta& d, std::uint64_t height,
                         const ledger::utxo_view& state);
  bool elections() const noexcept { return schedule_.has_value(); }
  /// The schedule record of an electing height just committed (encoded; node_config::
  /// ext_record_at), for the store to keep with that block; nullopt at other heights.
  std::optional<bytes> record_at(std::uint64_t height) const;
  /// Rebuilds the schedule after a restart from the store's records (node_config::ext_restore):
  /// true when rebuilt (the rotations joined the rules), false when the records do not cover
  /// every electing height up to `head` (a store written before them: replay instead). A record
  /// that does not decode, sits under another height or does not fit is an error naming it.
  result<bool> restore(const std::vector<std::pair<std::uint64_t, bytes>>& records,
                       const ledger::utxo_set& state, std::uint64_t head);
  /// The schedule so far (genesis term first); empty without elections. Thread-safe.
  std::vector<term_summary> schedule() const;

private:
  explicit sidechain_host(federation_setup s);
  federation_setup setup_;
  mainchain::tensority_pow pow_;
  sidechain_rules rules_;
  std::optional<federation_schedule> schedule_; ///< touched by the node's commit thread only
  mutable std::mutex mu_;                       ///< guards summary_ (read by API threads)
  std::vector<term_summary> summary_;
};

/// A utxo_view over a committed chain store (reads on demand, keeps what it read).
class store_view final : public ledger::utxo_view {
public:
  explicit store_view(const node::chain_store& s) : s_(&s) {}
  const ledger::utxo_entry* find(const hash256& id) const override;
  const ledger::asset_definition* asset(const ledger::asset_id& id) const override;
  std::uint64_t issued(const ledger::asset_id& id) const override;
  bool issuance_used(const hash256& id) const override;

private:
  const node::chain_store* s_;
  mutable std::map<hash256, std::optional<ledger::utxo_entry>> entries_;
  mutable std::map<hash256, std::optional<ledger::asset_definition>> assets_;
};

} // namespace bystack::federation
