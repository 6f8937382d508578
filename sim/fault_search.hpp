#pragma once
/// Seed-driven fault search: draws a random fault schedule within the fault budget from a seed,
/// runs it with the checkers on, and reports a verdict. The same seed always draws the same
/// schedule, so a failing seed is reproduced by its number alone.

#include "sim/scenario.hpp"
#include "sim/simulation.hpp"

#include <cstdint>
#include <string>

namespace bystack::sim {

struct search_options {
  std::uint32_t min_nodes = 4;
  std::uint32_t max_nodes = 16;
  std::uint32_t rounds = 12;
  double liveness_bound_ms = 60'000;
  double max_sim_seconds = 300;
  /// Runs a BUTXO workload in every scenario and lets a faulty super node propose invalid blocks
  /// (invalid_block); a ledger checker failure then counts as a safety violation.
  bool ledger = false;
};

/// Builds the scenario that `seed` stands for: N, M, groups, latency, and up to f faulty nodes
/// (crashes with or without restart, Byzantine behaviours) plus link faults that heal.
scenario draw_scenario(std::uint64_t seed, const search_options& opt);

/// Tells why a drawn schedule (draw_scenario's, with its even groups) is outside the model in
/// which liveness is promised, or returns an empty string. Leaders and relays are the super
/// nodes only, so liveness needs at least one super node that is honest and whose links are not
/// lossy for good; a schedule that makes every super node Byzantine, crashed for good or
/// permanently lossy (always possible when M <= f, e.g. M = 1) leaves no one to lead or relay.
std::string outside_model(const scenario& s);

/// Renders a scenario as YAML that bystack-sim accepts (for a failing seed's report).
std::string to_yaml(const scenario& s);

} // namespace bystack::sim
