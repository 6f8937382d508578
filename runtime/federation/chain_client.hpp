#pragma once
/// The federation processes' view of both chains over their HTTP APIs, polled by one loop:
/// - mainchain_follower keeps the mainchain's best chain (blocks fetched by height with their
///   transactions, each checked to hash as announced and to link to its parent; a block that
///   does not link rolls the local copy back, as after a reorganisation);
/// - sidechain_replica replays the committed sidechain blocks from the sidechain's genesis
///   through the same ledger rules and sidechain_rules the nodes run (headers are not PoW-checked
///   again: the sidechain's validators did), so that the cores see the committed state. With
///   DPoS it replays registrations and votes too, and with an election section it keeps the
///   vote tally and the elected schedule exactly as the nodes do (federation_schedule), adding
///   each rotation to its rules at the block that elects it.

#include "actors/federation/sidechain_rules.hpp"
#include "actors/mainchain/block.hpp"
#include "runtime/base/http_retry.hpp"
#include "runtime/base/result.hpp"
#include "runtime/federation/schedule.hpp"
#include "runtime/ledger/genesis.hpp"
#include "runtime/ledger/utxo.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace bystack::federation {

using json = nlohmann::json;

/// A JSON HTTP client for one API at HOST:PORT (an http:// prefix is accepted). With a retry
/// policy (bystack-cli: http_retry::cli()) a 503 of a busy node is retried with backoff, and
/// still 503 after the last attempt it is an error saying so; the federation processes poll
/// anyway and use none (a 503 is returned as it is).
class api_client {
public:
  explicit api_client(const std::string& host_port, http_retry retry = {});
  /// Returns {status, body}; an error when the node cannot be reached or the body is no JSON.
  result<std::pair<int, json>> get(const std::string& path) const;
  result<std::pair<int, json>> post(const std::string& path, const json& body) const;
  const std::string& where() const noexcept { return where_; }

private:
  std::string where_, host_;
  int port_ = 0;
  http_retry retry_;
};

/// Decodes GET /block/{h}?full=1 of bystack-mainchaind; checks the hash it announces.
result<mainchain::block_ptr> mainchain_block_from_json(const json& j);

class mainchain_follower {
public:
  explicit mainchain_follower(api_client c) : c_(std::move(c)) {}
  /// Polls the node; returns the blocks newly on the best chain (oldest first).
  result<std::vector<mainchain::block_ptr>> poll(std::size_t max_blocks = 256);
  /// The best chain from height 1 (genesis excluded).
  const std::vector<mainchain::block_ptr>& chain() const noexcept { return chain_; }
  std::uint64_t height() const noexcept { return chain_.size(); }
  crypto::hash256 tip() const;
  /// The unspent outputs of `owner` on the best chain (id, output, height).
  struct coin {
    crypto::hash256 id;
    ledger::output out;
    std::uint64_t height = 0;
  };
  std::vector<coin> unspent_of(const ledger::control_program& owner) const;

private:
  api_client c_;
  std::vector<mainchain::block_ptr> chain_;
  crypto::hash256 genesis_;
};

/// What a sidechain replica needs beyond the federation's parameters when the sidechain runs
/// DPoS (its registrations and votes must replay) and elects the federation on them.
struct replica_options {
  std::optional<ledger::dpos::dpos_params> dpos; ///< the genesis's dpos rules, if any
  std::optional<federation_election_params> election;
  federation_term genesis; ///< the genesis term (with an election)
};

/// Returns the options of a sidechain node config and its federation file.
replica_options replica_options_of(const node::node_config& sidechain, const federation_setup& s);

class sidechain_replica {
public:
  sidechain_replica(api_client c, const ledger::genesis_spec& g, federation_params p,
                    replica_options o = {});
  /// Replays the blocks committed since the last poll; returns each as (height, transactions).
  result<std::vector<std::pair<std::uint64_t, std::vector<ledger::tx>>>>
  poll(const std::function<void(std::uint64_t, const std::vector<ledger::tx>&)>& after_block,
       std::size_t max_blocks = 256);
  const ledger::utxo_set& state() const noexcept { return state_; }
  std::uint64_t height() const noexcept { return state_.height(); }
  const ledger::chain_params& params() const noexcept { return params_; }
  /// The federation parameters with every rotation elected so far (the schedule).
  const federation_params& fed() const noexcept { return fp_; }
  /// The elected schedule, if the federation has elections.
  const federation_schedule* schedule() const noexcept { return schedule_ ? &*schedule_ : nullptr; }
  /// Returns the term in force at a sidechain height (nullopt without elections).
  std::optional<federation_term> term_at(std::uint64_t height) const;
  api_client& client() noexcept { return c_; }

private:
  struct trust_pow final : mainchain::pow_checker {
    bool check(const mainchain::header&) override { return true; }
  };
  api_client c_;
  ledger::chain_params params_;
  ledger::utxo_set state_;
  federation_params fp_;
  trust_pow pow_;
  std::unique_ptr<ledger::dpos::dpos_rules> dpos_;
  std::unique_ptr<sidechain_rules> rules_;
  std::unique_ptr<ledger::signature_checker> checker_;
  std::optional<federation_schedule> schedule_;
};

} // namespace bystack::federation
