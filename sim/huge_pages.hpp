#pragma once
/// Transparent huge pages for a run's heap. The simulation tools ask jemalloc for them
/// (sim/malloc_conf.cpp); whether they pay depends on the size of the heap: measured on a
/// 2-vCPU virtual machine (docs/simulator.md, "Huge pages"), the reference bench at
/// N = 100,000 (about 770 MiB) ran 7.4 to 8.9 s with them against 9.1 to 11.1 s without, but
/// N = 300,000 took 35.2 s against 25.5 and N = 1,000,000 301 and 335 s against 210 and 223 s.
/// So a run above huge_pages_max_nodes switches them off for the rest of its process.
/// Outcomes and trace hashes are the same either way.

#include <cstdint>

namespace bystack::sim {

/// The largest network measured to run faster on huge pages.
inline constexpr std::uint64_t huge_pages_max_nodes = 100'000;

/// Before a run of `nodes` nodes: above huge_pages_max_nodes, the process stops taking
/// transparent huge pages (Linux prctl PR_SET_THP_DISABLE; pages it already has stay); it never
/// switches them back on, so concurrent runs of one process (a sweep's jobs) need no order.
/// Returns whether the process now runs without them (false where the system cannot say).
bool huge_pages_for_run(std::uint64_t nodes);

} // namespace bystack::sim
