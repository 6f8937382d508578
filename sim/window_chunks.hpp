#pragma once
/// How a window's nodes are shared between two threads (sim/simulation.cpp, run_window): cut into
/// chunks that each thread takes as soon as it is done with its last, so a thread on a slower CPU
/// takes fewer; the first thread takes them from the front, the second from the back
/// (chunk_claims), so a node runs on the same core window after window except near where the
/// two meet. A chunk holds whole groups (a super node and its validators) where the
/// network has enough groups, so the certificates a group's members read are counted from one
/// core in a window. Which thread runs which node changes nothing in a run's outcome.

#include "actors/common/topology.hpp"

#include <atomic>
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

/// Hands out a window's chunks 0..n-1, each once, to two threads: thread 0 takes the lowest chunk
/// left, thread 1 the highest. Nodes are in id order, so each thread keeps running mostly the
/// same nodes window after window, whose state (core, CAF actor, certificates) stays in its
/// core's cache and whose shared-pointer counts stay on one core; a fixed split instead leaves
/// one thread waiting where the other's CPU runs slower.
class chunk_claims {
public:
  /// Starts a window of n chunks (before the threads are let go).
  void reset(std::uint32_t n) noexcept {
    n_ = n;
    taken_.store(0, std::memory_order_relaxed);
  }
  /// The chunk thread `me` (0 or 1) runs next, or false when none is left.
  bool claim(unsigned me, std::uint32_t& chunk) noexcept {
    auto st = taken_.load(std::memory_order_relaxed);
    for (;;) {
      auto front = static_cast<std::uint32_t>(st), back = static_cast<std::uint32_t>(st >> 32);
      if (std::uint64_t{front} + back >= n_) return false;
      auto want = me == 0 ? st + 1 : st + (std::uint64_t{1} << 32);
      if (taken_.compare_exchange_weak(st, want, std::memory_order_relaxed)) {
        chunk = me == 0 ? front : n_ - 1 - back;
        return true;
      }
    }
  }

private:
  std::uint32_t n_ = 0;
  std::atomic<std::uint64_t> taken_{0}; ///< chunks taken from the front (low half), back (high)
};

} // namespace bystack::sim
