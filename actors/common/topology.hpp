#pragma once
/// Who is a super node, who belongs to which group, and who leads which view.

#include "runtime/base/result.hpp"
#include "runtime/ledger/block.hpp"

#include <cstdint>
#include <vector>

namespace bystack::bbft {

/// Holds the BBFT grouping of N consensus nodes under M super nodes. Every node belongs to exactly
/// one group; every group's super node is a member of its own group.
class topology {
public:
  /// Splits n nodes into m groups of sizes differing by at most one (larger groups first); the
  /// first node of each group is its super node.
  static result<topology> even(std::uint32_t n, std::uint32_t m);
  /// Builds groups of the given sizes over nodes 0..n-1 in order; the first node of each group is
  /// its super node.
  static result<topology> with_group_sizes(const std::vector<std::uint32_t>& sizes);
  /// Builds groups from explicit member lists; supers[g] must be in groups[g].
  static result<topology> explicit_groups(std::uint32_t n, std::vector<std::uint32_t> supers,
                                          std::vector<std::vector<std::uint32_t>> groups);
  /// Builds groups over some of the nodes 0..n-1: the others (candidates outside an epoch's
  /// consensus set) belong to no group and lead nothing (DPoS epochs, actors/common/epochs.hpp).
  static result<topology> partial(std::uint32_t n, std::vector<std::uint32_t> supers,
                                  std::vector<std::vector<std::uint32_t>> groups);

  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(group_of_.size()); }
  /// Tells whether a node belongs to a group (always, except in a partial topology).
  bool contains(std::uint32_t node) const {
    return node < group_of_.size() && group_of_[node] != UINT32_MAX;
  }
  std::uint32_t super_count() const noexcept { return static_cast<std::uint32_t>(supers_.size()); }
  const std::vector<std::uint32_t>& supers() const noexcept { return supers_; }
  std::uint32_t super_at(std::uint32_t g) const { return supers_.at(g); }
  bool is_super(std::uint32_t node) const { return super_index_.at(node) >= 0; }
  /// Returns the position of a super node in supers(), or -1.
  int super_index(std::uint32_t node) const { return super_index_.at(node); }
  std::uint32_t group_of(std::uint32_t node) const { return group_of_.at(node); }
  std::uint32_t super_of(std::uint32_t node) const { return supers_[group_of_.at(node)]; }
  const std::vector<std::uint32_t>& members(std::uint32_t g) const { return groups_.at(g); }
  /// Returns the super node that follows `super` in rotation order.
  std::uint32_t next_super(std::uint32_t super, std::uint32_t steps = 1) const;

  /// Returns the leader of `view` for a proposal that extends `justify` (the header of the block
  /// certified by the proposal's justify certificate). Leaders rotate round by round among the
  /// super nodes; after a timed-out view the leader that certified the last block keeps the lead
  /// for one more view, so that two consecutive views can certify and commit even while another
  /// super node is down.
  std::uint32_t leader_for(std::uint64_t view, const ledger::block_header& justify) const;

private:
  static result<topology> build(std::uint32_t n, std::vector<std::uint32_t> supers,
                                std::vector<std::vector<std::uint32_t>> groups, bool cover_all);
  void index();
  std::vector<std::uint32_t> supers_;
  std::vector<std::vector<std::uint32_t>> groups_;
  std::vector<std::uint32_t> group_of_;
  std::vector<int> super_index_;
};

} // namespace bystack::bbft
