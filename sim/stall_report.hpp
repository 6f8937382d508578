#pragma once
/// The stall report: when a run ends before every honest node committed the target height, what
/// the nodes below it wait for (node_core::waiting_for()), aggregated into a few lines however
/// many nodes there are.

#include "actors/node/node_core.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bystack::sim {

/// One line per kind of wait (stage, block height, committed height, role), largest first, at
/// most `max_lines` (a last line counts the rest). `below` holds each node below the target
/// with what it waits for; `target` is the height the run wanted.
std::vector<std::string>
stall_report(const std::vector<std::pair<std::uint32_t, bbft::wait_state>>& below,
             std::uint64_t target, std::size_t max_lines = 12);

} // namespace bystack::sim
