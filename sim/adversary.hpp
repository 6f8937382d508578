#pragma once
/// Twins-style scenario generation and shrinking (Bano et al., "Twins: BFT Systems Made Robust",
/// 2022): small networks where some nodes run twice (sim/twins.hpp) or collude as one adversary,
/// with a partition drawn per view over a few views, run with the checkers on. A failing scenario
/// is shrunk as property-testing tools do, one change at a time while the failure persists, down
/// to a scenario file that bystack-sim replays.

#include "sim/scenario.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace bystack::sim {

struct twins_options {
  std::uint32_t nodes = 0;   ///< 0: draw N = 4 or N = 7
  bool beyond = false;       ///< f + 1 Byzantine nodes instead of 1..f
  std::uint32_t views = 4;   ///< partitions are drawn for views 1..views at most
  std::uint32_t rounds = 6;  ///< blocks every honest node must commit
  double max_sim_seconds = 60;
};

/// Builds the scenario that `seed` stands for: N, M, the Byzantine nodes (twins, or colluders of
/// an adversary with withheld halves) and the partition of each view.
scenario draw_twins_scenario(std::uint64_t seed, const twins_options& opt);

/// Returns whether the scenario's faults all heal, so that its honest nodes must complete (twins
/// partitions end at a view; an adversary's halves are released at a time, or never).
bool twins_heal(const scenario& s);

/// Renders the scenario's `twins:` and `adversary:` sections as YAML (empty without them).
std::string twins_yaml(const scenario& s);

/// Shrinks a scenario while `fails` holds: drops twins, colluders, partitions, members of sides,
/// faults, views of a partition and rounds, one at a time, until no single change keeps the
/// failure. Adds the number of runs to `runs`.
scenario shrink_scenario(scenario s, const std::function<bool(const scenario&)>& fails,
                         std::uint64_t& runs);

} // namespace bystack::sim
