#pragma once
/// The whole peg in simulated time: a mainchain node with Poisson mining (actors/mainchain), a
/// sidechain ledger with the federation's rules committing a final block every sc_block_ms, the
/// federation's member cores and collector cores (actors/federation), and users who peg in,
/// trade on the sidechain and peg out. A plain discrete-event loop drives the pure cores (no
/// CAF), as bystack-mainchain-sim does. The sidechain is idealised: one ledger state stands for
/// the BBFT network (its blocks are final when committed), so what is measured is the peg, not
/// BBFT; the BBFT simulator measures the consensus (docs/simulator.md).

#include <cstdint>
#include <string>
#include <vector>

namespace bystack::sim::federation {

struct fed_sim_params {
  std::uint64_t seed = 1;
  std::size_t users = 20;
  std::size_t members = 5;
  std::uint8_t threshold = 3;
  std::size_t offline_members = 0; ///< the last ones never act
  bool byzantine_member = false;   ///< member 0 also signs a theft and sends it to the others
  std::size_t collectors = 2;
  bool lying_collector = false; ///< collector 0 also submits forged claims (inflated amounts)
  std::uint64_t confirmations = 6;
  double mc_block_ms = 150'000; ///< mean of the Poisson block interval (Bytom: 2.5 min)
  double sc_block_ms = 1'000;   ///< a final sidechain block this often
  double latency_ms = 100;      ///< any message between parties
  double start_window_s = 600;  ///< users start their pegin within this window
  double duration_s = 7200;
  /// Double-spend fault: user 0 pays the federation, then an attacker publishes a private branch
  /// that spends the same coins elsewhere once the pegin is `double_spend_depth` blocks deep
  /// (0: no attack). Deeper than `confirmations`, the claim is already made and the checker must
  /// flag it; shallower, the claim never happens and nothing is lost.
  std::uint64_t double_spend_depth = 0;
  /// Crash fault: collector 0 stops at this simulated second (negative: never) and restarts
  /// restart_after_s later with a fresh core that finds its funding in the committed state.
  double crash_collector_at_s = -1;
  double restart_after_s = 300;
  /// Elections (docs/federation.md, "Elections"): the sidechain also runs the DPoS rules; the
  /// genesis federation is the first `members` keys (threshold from genesis_term, not
  /// `threshold`); at vote_at_s those members and `newcomers` more keys register as candidates,
  /// and a voter locks 100 units for each member but the last `newcomers` (10 each) and 50 for
  /// each newcomer, so each epoch's election swaps in at most a third of the members until the
  /// newcomers are in. Members then migrate the old federation's coins and the new one releases.
  bool elections = false;
  std::size_t newcomers = 1;
  std::uint64_t epoch_blocks = 300; ///< sidechain blocks per DPoS epoch
  double vote_at_s = 600;
  std::uint64_t activation_margin_blocks = 3;
  std::uint64_t grace_blocks = 6;
  /// With elections, every stale_every-th user (0: none) pays the genesis federation whatever
  /// the schedule says (a wallet that never updated its address); the others pay the federation
  /// of the next mainchain block.
  std::size_t stale_every = 4;
};

struct fed_sim_report {
  std::uint64_t seed = 0;
  std::vector<double> pegin_s;  ///< mainchain submission -> sidechain units, simulated seconds
  std::vector<double> pegout_s; ///< sidechain burn committed -> release in a mainchain block
  std::vector<double> record_s; ///< sidechain burn committed -> release recorded on the sidechain
  std::uint64_t pegins = 0, claims = 0, trades = 0, pegouts = 0, releases = 0, records = 0;
  std::uint64_t mc_blocks = 0, sc_blocks = 0, sc_txs = 0;
  std::uint64_t refused = 0;         ///< sidechain transactions refused at block assembly
  std::uint64_t forged_refused = 0;  ///< forged claims the sidechain refused
  std::uint64_t shares_refused = 0;  ///< shares honest members refused
  std::uint64_t pending_pegouts = 0; ///< pegouts not released at the end
  std::uint64_t reorgs = 0;
  std::uint64_t collector_restarts = 0;
  std::uint64_t rotations = 0;        ///< elected changes of the federation
  std::uint64_t migrations = 0;       ///< migration transactions in mainchain blocks
  std::uint64_t grace_claims = 0;     ///< claims of pegins to a replaced federation (grace)
  std::uint64_t unclaimed_pegins = 0; ///< pegins never claimed (after the grace period)
  std::uint64_t late_pegouts = 0;     ///< pegouts released by a federation elected later
  std::string schedule;               ///< the elected terms, in words
  bool supply_ok = true;
  std::string supply_discrepancy;
  std::uint64_t supply_checks = 0;
  std::uint64_t trace_hash = 0;
};

fed_sim_report run_federation_sim(const fed_sim_params& p);

/// Returns `base` with faults drawn from `seed` within the fault model: up to n - m members
/// offline, a Byzantine member or not, a lying collector or not, a double spend shallower than
/// the confirmation depth or none. The supply checker must pass every such run.
fed_sim_params fault_case(const fed_sim_params& base, std::uint64_t seed);

/// Returns the p-th quantile (0..1) of the values (nearest rank), 0 for none.
double quantile(std::vector<double> v, double p);

} // namespace bystack::sim::federation
