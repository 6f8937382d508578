#pragma once
/// Draws one view of a small run as an SVG sequence diagram in the manner of the paper's Figure 5:
/// a lane per node (the leader L, the super nodes, then each group), an arrow per message copy
/// from send to arrival coloured by phase T0..T4, and a marker where each node first holds more
/// than 2/3 of the votes.

#include "runtime/base/result.hpp"
#include "sim/observer.hpp"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

namespace bystack::sim {

/// Above this many nodes the lanes no longer fit a page.
inline constexpr std::uint32_t sequence_nodes_max = 64;
/// Bounds the message copies kept while waiting for the run to reach the chosen view.
inline constexpr std::size_t sequence_copies_max = 200'000;

/// Records what one view needs while the run goes on, then renders it.
class sequence_recorder final : public run_observer {
public:
  explicit sequence_recorder(std::uint64_t view) : view_(view) {}

  /// Checks that a diagram can be drawn for n nodes. Errors: too many nodes.
  static result<void> check_size(std::uint32_t nodes);

  void on_start(const scenario& s, const bbft::topology& topo) override;
  void on_send(std::uint64_t copy_id, std::uint32_t from, std::uint32_t to, bbft::phase ph,
               std::uint64_t view, std::size_t bytes, std::int64_t sent_us,
               std::int64_t arrival_us) override;
  void on_dispatch(std::uint32_t node, const dispatch_info& d, std::int64_t t_us) override;
  void on_certified(std::uint32_t node, std::uint64_t height, std::uint64_t view,
                    std::int64_t t_us) override;

  /// Writes the diagram. Errors: the view never started in this run.
  result<void> render(std::ostream& os) const;
  /// Writes the diagram to a file. Errors: as render, or the file cannot be written.
  result<void> render_to(const std::string& path) const;

private:
  struct copy {
    std::uint32_t from, to;
    std::uint8_t ph;
    std::uint64_t view;
    std::size_t bytes;
    std::int64_t sent_us, arrival_us;
    bool dropped;   ///< a fault dropped it on the way
    bool delivered; ///< handed to a live receiver
  };

  std::uint64_t view_;
  std::string scenario_;
  std::uint64_t seed_ = 0;
  std::vector<std::uint32_t> group_of_, supers_;
  std::vector<copy> copies_;
  std::unordered_map<std::uint64_t, std::size_t> by_id_;
  std::vector<std::int64_t> certified_us_; ///< per node, -1: not in this view
  std::optional<std::uint32_t> leader_;
  std::uint64_t height_ = 0;
};

} // namespace bystack::sim
