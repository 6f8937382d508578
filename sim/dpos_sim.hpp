#pragma once
/// The DPoS simulation (docs/dpos.md): hundreds of candidate nodes run BBFT cores with the
/// BUTXO ledger and the DPoS rules; thousands of voting wallets register, vote and later veto
/// and re-vote on the chain; every node elects each epoch's set from its own committed chain
/// (bbft::election_provider) and the cores reconfigure at every boundary.
///
/// A lighter engine than bystack-sim: a discrete-event loop in virtual time whose links have the
/// scenario's region latencies (one-way = RTT / 2, uniform jitter), with no bandwidth or CPU
/// model. It measures what reconfiguration does to commit latency, not throughput.

#include "runtime/base/result.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bystack::sim {

struct dpos_config {
  std::string name = "dpos";
  std::uint64_t seed = 7;
  std::uint32_t candidates = 200; ///< nodes that register and run a core (the universe)
  std::uint32_t seats = 21;       ///< consensus_size
  std::uint32_t supers = 5;       ///< super nodes per epoch
  std::uint64_t epoch_blocks = 20;
  std::uint32_t epochs = 8; ///< run until every member committed epochs * epoch_blocks
  std::uint32_t voters = 3000;
  std::uint64_t vote_lock_blocks = 5;
  std::uint32_t shifts_per_epoch = 2; ///< rounds of vote moves per epoch
  double shift_share = 0.05;          ///< voters that move in one round
  double popularity_drift = 0.5;      ///< per epoch, log-normal drift of candidate appeal
  std::string policy = "stake";       ///< stake | delay
  std::uint32_t max_group = 0;        ///< delay policy: group size bound (0: twice even)
  std::int64_t block_interval_us = 500'000;
  std::int64_t view_timeout_us = 4'000'000;
  std::int64_t group_wait_us = 1'000'000;
  double max_sim_seconds = 600;
  std::vector<std::string> regions;
  std::vector<std::vector<double>> rtt_ms;
  double jitter_ms = 2;
  /// Crashes: node ids that stop at crash_at_s (fault test around boundaries).
  std::vector<std::uint32_t> crash;
  double crash_at_s = 0;
  /// Generated fault schedules (bystack-fault-search --dpos) or the scenario's `faults:` list:
  /// - crash: the nodes stop for good at at_s;
  /// - isolate: the nodes' messages (both ways) are lost in [at_s, until_s); timers still run;
  /// - partition: messages between the nodes and all others are lost in [at_s, until_s);
  /// - equivocate: the nodes, when they lead in [at_s, until_s), send half of their proposal's
  ///   receivers another block for the same height and view (signed too).
  struct fault {
    std::string kind;
    std::vector<std::uint32_t> nodes;
    double at_s = 0;
    std::optional<double> until_s; ///< none: for good
  };
  std::vector<fault> faults;
  /// DPoS rewards (runtime/ledger/rewards.hpp); off unless the scenario has `rewards:`.
  bool rewards = false;
  std::uint64_t block_reward = 0;
  std::uint32_t producer_share_pct = 100;
  std::uint64_t min_voter_payout = 1;
  std::uint64_t vote_fee = 0; ///< native units every vote transaction pays (fees to split)
};

/// Loads a dpos scenario (scenarios/dpos.yaml); errors name the file and key.
result<dpos_config> load_dpos_config(const std::filesystem::path& file);

struct dpos_epoch_report {
  std::uint64_t epoch = 0;
  std::vector<std::uint32_t> members; ///< node ids, by rank
  std::vector<std::uint32_t> supers;
  std::vector<std::size_t> group_sizes;
  std::size_t changed = 0; ///< members not in the previous epoch
  bool carried_over = false;
  std::uint64_t votes_top = 0, votes_last = 0; ///< votes of the first and last seat
};

/// The coinbase of one committed block, as the chain shows it.
struct dpos_block_reward {
  std::uint64_t height = 0;
  std::uint32_t proposer = 0;
  std::uint64_t issued = 0;      ///< the native units the block's coinbase created (delta)
  std::uint64_t fees = 0;        ///< native fees the block's transactions paid (delta)
  std::uint64_t to_producer = 0; ///< coinbase outputs owned by the proposer's node key
  std::uint64_t to_voters = 0;   ///< the other coinbase outputs
  std::uint64_t voter_outputs = 0;
};

/// Per epoch: what the rewards paid.
struct dpos_epoch_rewards {
  std::uint64_t blocks = 0, issued = 0, fees = 0, to_producers = 0, to_voters = 0,
                voter_outputs = 0;
};

/// Checks conservation of a run's rewards: every block's coinbase outputs add up to what it
/// issued, which is block_reward + its fees, so that the chain issued block_reward x blocks +
/// fees in all. Returns what is off, or an empty string.
std::string check_reward_conservation(const std::vector<dpos_block_reward>& blocks,
                                      std::uint64_t block_reward);

struct dpos_height_report {
  std::uint64_t height = 0;
  double latency_ms = 0;  ///< proposal -> commit, mean over the epoch's members
  double interval_ms = 0; ///< first commit of this height - first commit of the previous
};

struct dpos_result {
  dpos_config cfg;
  std::vector<dpos_epoch_report> epochs;
  std::vector<dpos_height_report> heights;
  std::uint64_t committed = 0;        ///< the height every member of the last epoch reached
  std::uint64_t top = 0;              ///< the highest height committed anywhere
  std::vector<std::uint32_t> lagging; ///< live, honest members of the last epoch short of it
  bool completed = false;
  std::uint64_t safety_violations = 0;
  std::uint64_t views_timed_out = 0;
  std::uint64_t votes_submitted = 0, vetoes_submitted = 0, registrations = 0;
  std::uint64_t txs_committed = 0;
  double sim_seconds = 0;
  double latency_mean_ms = 0, latency_p50_ms = 0, latency_max_ms = 0;
  double interval_mean_ms = 0;
  /// Per boundary (first height of epoch e >= 2): the largest latency and interval over the
  /// boundary's heights (last of e - 1, first two of e) minus the run's median.
  std::map<std::uint64_t, std::pair<double, double>> boundary_excess_ms;
  std::map<std::string, std::uint64_t> rejected; ///< core refusals by reason, all nodes
  /// Rewards (cfg.rewards): every canonical block's coinbase, per epoch, and the check.
  std::vector<dpos_block_reward> block_rewards;
  std::map<std::uint64_t, dpos_epoch_rewards> epoch_rewards;
  std::string reward_violation;     ///< empty: conservation holds
  std::uint64_t faults_applied = 0; ///< messages lost or rewritten by `faults`
  std::uint64_t equivocations = 0;  ///< conflicting proposals sent
  std::string trace_hash;           ///< 16 hex digits over every handled event and commit
  /// Whether the run passes: no fork, liveness, rewards conserved.
  bool ok() const { return safety_violations == 0 && completed && reward_violation.empty(); }
};

/// Runs a DPoS simulation.
dpos_result run_dpos(const dpos_config& cfg);
/// Prints the report; with `heights`, also every height around each boundary.
void print_dpos(const dpos_result& r, std::ostream& out, bool heights = false);

} // namespace bystack::sim
