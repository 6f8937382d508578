#pragma once
/// Writes the timeline of each view's round (bystack-sim --timeline FILE): when the leader's
/// proposal left, reached the super nodes and the members, when the votes left and arrived, when
/// the group certificates left and reached the next view's leader, when that leader certified the
/// block and when it proposed the next one. Times are quantiles over the nodes concerned, in ms
/// after the proposal left the leader, so the stage that bounds the block interval shows at once.

#include "sim/observer.hpp"

#include <cstdint>
#include <map>
#include <ostream>
#include <vector>

namespace bystack::sim {

/// Collects per-view stage times from the simulator's events (observer only: the run is unchanged).
class timeline_recorder final : public run_observer {
public:
  void on_start(const scenario& s, const bbft::topology& topo) override;
  void on_send(std::uint64_t copy_id, std::uint32_t from, std::uint32_t to, bbft::phase ph,
               std::uint64_t view, std::size_t bytes, std::int64_t sent_us,
               std::int64_t arrival_us) override;
  void on_certified(std::uint32_t node, std::uint64_t height, std::uint64_t view,
                    std::int64_t t_us) override;

  /// Writes one row per view that had a proposal (header line first; see timeline.cpp).
  void write(std::ostream& out) const;

  /// One view's stage times (us, absolute simulated time; -1: not seen).
  struct view_times {
    std::uint32_t leader = 0;
    std::uint64_t height = 0;
    std::int64_t proposed_us = -1; ///< first T0 copy left the leader
    std::vector<std::int64_t> super_rx, fwd_tx, member_rx, vote_tx, vote_rx, gc_tx;
    std::vector<std::int64_t> certified;                      ///< per node (-1: not certified)
    std::map<std::uint32_t, std::vector<std::int64_t>> gc_rx; ///< receiver -> arrivals
    std::uint64_t fetch_copies = 0;
    std::vector<bool> gc_sent; ///< per super node: first group certificate seen
  };
  const std::map<std::uint64_t, view_times>& views() const { return views_; }

private:
  view_times& at(std::uint64_t view);
  std::uint32_t n_ = 0;
  std::map<std::uint64_t, view_times> views_;
};

} // namespace bystack::sim
