#pragma once
/// Epoch changes in the fault search (bystack-fault-search --dpos; docs/dpos.md): a seed draws a
/// small DPoS world (candidates, seats, super nodes, epochs, voters whose votes keep moving, a
/// random network, rewards on or off) and a fault schedule within f = (seats - 1) / 3 faulty
/// nodes (crashes for good, isolation and equivocation windows) plus partitions that heal, timed
/// over the whole run so that elections and boundaries happen while faults are active. It runs
/// on bystack-dpos-sim's engine (sim/dpos_sim.*), since bystack-sim's engine runs a fixed
/// consensus set; the same seed always draws the same world and schedule.

#include "sim/dpos_sim.hpp"

#include <cstdint>
#include <string>

namespace bystack::sim {

struct dpos_search_options {
  double max_sim_seconds = 600; ///< the liveness bound: every live member reaches the target
};

/// Builds the DPoS scenario that `seed` stands for.
dpos_config draw_dpos_scenario(std::uint64_t seed, const dpos_search_options& opt = {});

/// Renders a DPoS scenario as YAML that bystack-dpos-sim accepts (inline network).
std::string to_yaml(const dpos_config& c);

/// The faulty nodes of a schedule (crash, isolate, equivocate), without partitions.
std::vector<std::uint32_t> faulty_nodes(const dpos_config& c);

} // namespace bystack::sim
