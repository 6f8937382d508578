#pragma once
/// How a window's nodes are shared between two threads (sim/simulation.cpp, run_window): cut into
/// chunks that each thread takes in turn as soon as it is done with its last, so a thread on a
/// slower CPU takes fewer. A chunk holds whole groups (a super node and its validators) where the
/// network has enough groups, so the certificates a group's members read are counted from one
/// core in a window. Which thread runs which node changes nothing in a run's outcome.

#include "actors/common/topology.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bystack::sim {

/// The chunks of a window's nodes (`nodes`, in id order) as their ends in `nodes`, in order, the
/// last being nodes.size() (none for no nodes). A chunk ends once it holds at least `min_nodes`
/// nodes, at the end of a group when `by_group` (a node outside the topology ends nothing: it
/// joins the chunk it falls in).
inline void cut_window_chunks(const std::vector<std::uint32_t>& nodes, const bbft::topology& topo,
                              bool by_group, std::size_t min_nodes,
                              std::vector<std::uint32_t>& ends) {
  ends.clear();
  if (nodes.empty()) return;
  std::size_t begin = 0;
  for (std::size_t k = 1; k < nodes.size(); ++k) {
    if (k - begin < min_nodes) continue;
    auto a = nodes[k - 1], b = nodes[k];
    if (by_group && topo.contains(a) && topo.contains(b) && topo.group_of(a) == topo.group_of(b))
      continue;
    ends.push_back(static_cast<std::uint32_t>(k));
    begin = k;
  }
  ends.push_back(static_cast<std::uint32_t>(nodes.size()));
}

} // namespace bystack::sim
