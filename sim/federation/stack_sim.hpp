#pragma once
/// The whole system in one bystack-sim run: the BBFT sidechain of the scenario (its nodes run
/// the BUTXO ledger with the federation's sidechain_rules through an extension_set), a mainchain
/// of a few mining nodes (actors/mainchain cores, Poisson mining, every block and transaction
/// relayed to the other nodes after the latency), the federation's members and collectors, each
/// a CAF actor hosting the same pure core as bystack-federationd, in the run's actor system and
/// deterministic scheduler, and users who peg in, trade on the sidechain and peg out.
///
/// Collectors read their mainchain node and the committed sidechain (a replica each commit is
/// applied to, as bystack-federationd replays it) and submit header runs, claims and release
/// records as sidechain transactions through the super nodes, like every wallet's; members learn
/// final pegouts from committed blocks and their node's federation coins, exchange signature
/// shares as messages and submit the release to the mainchain. The supply checker runs after
/// every block of mainchain node 0 and at the end.

#include "runtime/base/result.hpp"
#include "runtime/crypto/signature_scheme.hpp"
#include "sim/stack_plugin.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bystack::sim::federation {

/// The scenario's `federation:` section.
struct stack_params {
  std::size_t users = 20;
  std::size_t members = 5;
  std::uint8_t threshold = 3;
  std::size_t collectors = 2;
  std::size_t mainchain_nodes = 3; ///< each with a miner of an equal hash share
  std::uint64_t confirmations = 6; ///< pegin and release confirmations
  double mc_block_ms = 150'000;    ///< mean mainchain block interval (Poisson)
  double latency_ms = 100;         ///< between parties, and between mainchain nodes
  double start_window_s = 600;     ///< users start their pegin within this window
  std::size_t offline_members = 0; ///< the last ones never act
  /// Collector 0's actor is killed at this simulated second (negative: never) and a new one
  /// with a fresh core spawned restart_after_s later (its funding found in the committed state).
  double crash_collector_at_s = -1;
  double restart_after_s = 300;
  /// The offline members come back at this simulated second (negative: never) and catch up
  /// with the final pegouts and their node's federation coins, as a restarted member replays.
  double members_return_at_s = -1;
  /// Collector 0 also lies: after each change of its node's best chain it submits a forged
  /// claim, in turn of a real pegin with a tenfold amount and of a pegin transaction that no
  /// mainchain block holds (paid from a spare output of its own, so that only the claim is
  /// wrong).
  bool lying_collector = false;
  /// Collector 0 also claims twice: every claim it submits again at once (a race), and every
  /// committed claim again (from its spare output).
  bool double_claim = false;
  /// The first N members (N < threshold) are Byzantine: besides the honest protocol they sign a
  /// release of the federation's coins to member 0 for every final pegout, send those shares to
  /// the others and submit the release with their N signatures to the mainchain.
  std::size_t byzantine_members = 0;
  /// Mainchain reorganisation: user 0 pegs in first and, once its pegin is this many blocks
  /// deep on mainchain node 0 (0: never), an attacker publishes a longer branch spending the
  /// same coins elsewhere. At or beyond `confirmations` the attacker also waits until the claim
  /// is committed, so that the supply checker must flag it.
  std::uint64_t reorg_depth = 0;
  /// With reorg_depth at or beyond `confirmations`: the attacker also waits until a release
  /// spending the pegin's output is `confirmations` deep, so that the reorganisation removes
  /// it for good and the members must replace it (from other coins).
  bool reorg_after_release = false;
  /// A user's trade or burn not committed this many simulated seconds after it was sent is
  /// sent again, unchanged (its id stays, so it commits at most once), as a wallet rebroadcasts
  /// an unconfirmed transaction: the super node it was offered to may have crashed or be
  /// Byzantine and never propose it. 0: never (a transaction so lost stays lost).
  double resend_after_s = 30;
};

/// Reads the `federation:` section of a scenario file (absent: an error); errors name the file,
/// the line and the key. The other sections are bystack-sim's (sim/scenario.hpp).
result<stack_params> load_stack_params(const std::string& text, const std::string& name);
/// Returns the scenario text with the `federation:` section's lines blanked (line numbers kept),
/// for sim::parse_scenario.
std::string without_federation(const std::string& text);

struct stack_report {
  std::vector<double> pegin_s;  ///< mainchain submission -> sidechain units, simulated seconds
  std::vector<double> pegout_s; ///< sidechain burn committed -> release on node 0's best chain
  std::vector<double> record_s; ///< sidechain burn committed -> release recorded on the sidechain
  std::uint64_t pegins = 0, claims = 0, trades = 0, pegouts = 0, releases = 0, records = 0;
  std::uint64_t mc_blocks = 0; ///< mined (all nodes)
  std::uint64_t mc_height = 0; ///< node 0's best chain at the end
  std::uint64_t sc_blocks = 0; ///< committed sidechain blocks replayed
  std::uint64_t sc_txs = 0;    ///< transactions in them (the wallets' too)
  std::uint64_t stack_txs = 0; ///< sidechain transactions of the users and collectors
  std::uint64_t headers = 0;   ///< mainchain headers relayed by collectors (committed)
  /// Headers in the header runs collectors built (a run is built again when its transaction
  /// expired uncommitted, and two collectors may race with the same run).
  std::uint64_t headers_built = 0;
  std::uint64_t shares_refused = 0;
  std::uint64_t pending_pegouts = 0; ///< burned and not released at the end
  std::uint64_t resent = 0;          ///< users' trades and burns sent again (resend_after_s)
  /// Users whose peg stopped short of a pending or completed pegout at the end, each in words
  /// ("user 3: trade sent at 150.2 s (sent 1 time), never committed"): a pegin not claimed, a
  /// trade or a burn never committed, a release never recorded. A burn committed and not
  /// released is pending, not stuck. The user of a pegin the reorganisation removed is not due.
  std::vector<std::string> stuck;
  std::uint64_t collector_restarts = 0;
  std::uint64_t replay_failures = 0; ///< committed blocks the replica could not apply (never)
  // Faults (zero when off).
  std::uint64_t forged_wrong_amount = 0, forged_not_mined = 0; ///< forged claims submitted
  std::uint64_t forged_committed = 0;                          ///< never, if validators check
  std::uint64_t second_claims = 0;           ///< claim transactions for claimed outputs
  std::uint64_t second_claims_committed = 0; ///< won a race against the first (then it lost)
  std::uint64_t claimed_outputs = 0;         ///< distinct mainchain outputs claimed
  std::uint64_t theft_shares = 0;            ///< Byzantine shares sent to honest members
  std::uint64_t thefts_submitted = 0, thefts_mined = 0;
  std::uint64_t releases_before_return = 0; ///< with members_return_at_s
  std::uint64_t reorgs = 0;                 ///< the attacker's branch became node 0's best
  std::uint64_t pegins_removed = 0;         ///< pegins the reorganisation took off the chain
  /// Releases on node 0's final best chain: pegouts paid exactly once, pegouts paid twice or
  /// more (never, if members sign once), and pegouts whose release a reorganisation removed
  /// (the release first seen mined is not on the final chain) and that are paid once by
  /// another transaction.
  std::uint64_t released_once = 0, released_twice = 0, releases_removed = 0, releases_replaced = 0;
  /// Why the refused transactions were refused (forged and second claims, checked against the
  /// committed state as every validator checks them), by rule: "rule: count; ...".
  std::string refusals;
  /// The faults' expected outcomes that did not happen (empty: all did, or no fault).
  std::vector<std::string> fault_failures;
  bool supply_ok = true;
  std::string supply_discrepancy;
  std::vector<crypto::hash256> supply_txs; ///< the transactions the first discrepancy names
  std::uint64_t supply_checks = 0;
  double end_s = 0;
  std::uint64_t trace_hash = 0; ///< over node 0's tips, sidechain state hashes, releases
  /// trace_hash before the Byzantine members' records (theft_shares, shares_refused,
  /// thefts_submitted, thefts_mined, in this order) are added: the chains' marks alone.
  std::uint64_t chain_trace_hash = 0;
};

class federation_stack final : public stack_plugin {
public:
  /// `scheme` signs on both chains (the scenario's crypto); errors: an invalid section.
  static result<std::unique_ptr<federation_stack>> make(const stack_params& p, std::uint64_t seed,
                                                        const crypto::signature_scheme& scheme);
  ~federation_stack() override;

  void extend_genesis(ledger::genesis_spec& g) override;
  const ledger::extension_rules* rules() const override;
  void start(caf::actor_system& sys, std::function<void()> run_actors,
             const ledger::genesis_spec& genesis) override;
  void on_commit(const ledger::block& b, std::int64_t t_us) override;
  std::vector<ledger::transaction> advance(std::int64_t t_us) override;
  void stop(std::int64_t t_us) override;

  const stack_report& report() const;

  struct impl;

private:
  explicit federation_stack(std::unique_ptr<impl> m);
  std::unique_ptr<impl> m_;
};

} // namespace bystack::sim::federation
