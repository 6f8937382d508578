#pragma once
/// Runs a scenario: N node actors on CAF's deterministic test scheduler, a simulated network
/// (uplink serialization, propagation latency, receiver CPU cost), virtual time, and observers
/// that measure messages, bytes, latency and check safety. Same scenario and seed, same trace hash.

#include "actors/common/effects.hpp"
#include "sim/ledger_sim.hpp"
#include "sim/observer.hpp"
#include "sim/scenario.hpp"
#include "sim/stack_plugin.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace bystack::sim {

struct latency_stats {
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  double mean_ms = 0;
  std::size_t samples = 0;
};

struct node_load {
  std::uint64_t msgs_in = 0;
  std::uint64_t msgs_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
};

using phase_counts = std::array<std::uint64_t, bbft::phase_count>;

/// When one height was committed by the honest nodes, and how long after its proposal.
struct block_commit {
  std::uint64_t height = 0;
  std::uint64_t view = 0;
  std::int64_t first_us = 0; ///< the first honest node committed it
  std::int64_t last_us = 0;  ///< the last honest node (so far) committed it
  double latency_mean_ms = 0;
  double latency_max_ms = 0;
  std::uint64_t nodes = 0;
  std::uint64_t txs = 0; ///< transactions in the block
};

struct run_result {
  std::string scenario;
  std::uint64_t seed = 0;
  std::uint32_t nodes = 0;
  std::uint32_t supers = 0;
  std::uint32_t rounds = 0;
  std::string crypto;
  std::string certificates;
  std::string trace_hash; ///< 16 hex digits

  // Views 1..views_measured are complete (every honest node certified them); per-round figures
  // are taken over them.
  std::uint64_t views_measured = 0;
  std::vector<phase_counts> messages_per_view; ///< index v - 1
  std::vector<phase_counts> bytes_per_view;
  std::vector<phase_counts> paper_messages_per_view; ///< the paper's convention (self-deliveries)
  phase_counts messages_measured{};                  ///< sum over measured views
  phase_counts bytes_measured{};
  phase_counts paper_measured{};
  phase_counts messages_all{}; ///< the whole run, side paths included
  phase_counts bytes_all{};
  std::uint64_t messages_total = 0;
  std::uint64_t bytes_total = 0;

  latency_stats commit_latency;  ///< proposal -> final commit, over (node, height)
  latency_stats certify_latency; ///< proposal -> node holds > 2/3 votes (the paper's commit)
  std::vector<node_load> loads;
  std::vector<std::uint32_t> super_nodes; ///< ids of the super nodes, by group
  node_load super_mean, super_max, validator_mean, validator_max;
  /// certified_us[h - 1][node]: when node certified height h (-1: never), first heights only.
  std::vector<std::vector<std::int64_t>> certified_us;
  std::vector<std::vector<std::int64_t>> committed_us; ///< likewise for final commits
  std::vector<block_commit> commits;                   ///< heights 1..rounds, in height order

  std::uint64_t delivered = 0;
  std::uint64_t events = 0;
  std::uint64_t windows = 0;       ///< lookahead windows run (docs/simulator.md)
  std::uint64_t node_messages = 0; ///< CAF messages handed to nodes (one per node per window)
  std::uint32_t threads = 1;       ///< worker threads that ran the nodes
  std::int64_t lookahead_us = 1;   ///< the window width (1: one instant per window)
  std::uint64_t committed_min_height = 0;
  std::uint64_t committed_max_height = 0;
  bool completed = false; ///< every honest node committed `rounds` blocks
  /// Not completed: what the honest nodes below `rounds` wait for, a few lines (stall_report.hpp).
  std::vector<std::string> stalled;
  double sim_seconds = 0;
  double wall_seconds = 0;
  /// Where the wall time went (steady clock, a measurement: it decides nothing; measured only
  /// when scenario::sim_phase_times asks, zero otherwise). The part on the
  /// driving thread alone: popping the queue into the window (`wall_pop_seconds`) and applying
  /// the window (`wall_flush_seconds`), the loop's other work between windows (the heap trimmer,
  /// restarts) counted with the popping; the part the node threads share: running the nodes
  /// (`wall_window_seconds`). The rest is setup before the first window.
  double wall_pop_seconds = 0;
  double wall_window_seconds = 0;
  double wall_flush_seconds = 0;
  /// With two threads, the part of `wall_window_seconds` the driving thread spent waiting for the
  /// second one after running its own nodes.
  double wall_wait_seconds = 0;
  /// With two threads: from the driving thread's go to the second thread running
  /// (`wall_worker_wake_seconds`), and the second thread's own nodes (`wall_worker_run_seconds`).
  /// A long wait with a short run is the hand-off; with a long run, the second thread took
  /// longer over its nodes than the driving thread over its own.
  double wall_worker_wake_seconds = 0;
  double wall_worker_run_seconds = 0;
  /// Stale timers' keys taken out of the event queue, only their instants kept (see there).
  std::uint64_t stale_timers_compacted = 0;
  /// Windows applied in two streams at once (scenario::sim_split_flush).
  std::uint64_t split_flushes = 0;
  /// Times the allocator's freed pages were returned to the system (sim/heap_trim.hpp).
  std::uint64_t heap_trims = 0;
  std::map<std::string, std::uint64_t> rejected; ///< by reason
  std::uint64_t views_timed_out = 0;
  // relay: compact (sums over nodes; see bbft::core_stats).
  std::uint64_t compact_rebuilt = 0;
  std::uint64_t compact_no_round_trip = 0;
  std::uint64_t compact_fetches = 0;
  std::uint64_t compact_collisions = 0;
  std::uint64_t compact_failed = 0;

  // Checkers.
  std::uint64_t safety_violations = 0;
  std::string first_safety_violation;
  bool liveness_ok = true;
  std::string liveness_detail;
  std::uint64_t cache_hits = 0;
  std::uint64_t cache_misses = 0;
  ledger_result ledger; ///< the BUTXO workload and ledger checker (when the scenario has one)
};

/// Reports progress of long runs: simulated seconds, lowest committed height, delivered messages.
using progress_fn =
    std::function<void(double sim_s, std::uint64_t height, std::uint64_t delivered)>;

/// Runs the scenario to completion (every honest node committed `rounds` blocks) or until
/// max_sim_seconds. Errors: an invalid scenario. `observer` (optional) watches without changing
/// the run. `plugin` (optional, needs a ledger) hosts more parties in the run (stack_plugin.hpp).
result<run_result> run(const scenario& s, const progress_fn& progress = {},
                       run_observer* observer = nullptr, stack_plugin* plugin = nullptr);

/// The closed forms of messages per round (M super nodes, the leader one of them).
std::uint64_t closed_form_wire(std::uint64_t n, std::uint64_t m);  ///< M^2 + 3N - 3M - 1
std::uint64_t closed_form_paper(std::uint64_t n, std::uint64_t m); ///< M^2 + 3N - 2M

} // namespace bystack::sim
