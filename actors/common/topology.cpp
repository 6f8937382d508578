#include "actors/common/topology.hpp"

#include <string>

namespace bystack::bbft {

result<topology> topology::even(std::uint32_t n, std::uint32_t m) {
  if (n == 0) return make_error("topology: the network needs at least one node");
  if (m == 0 || m > n)
    return make_error("topology: super node count " + std::to_string(m) + " must be in 1.." +
                      std::to_string(n));
  std::vector<std::uint32_t> sizes(m, n / m);
  for (std::uint32_t g = 0; g < n % m; ++g)
    ++sizes[g];
  return with_group_sizes(sizes);
}

result<topology> topology::with_group_sizes(const std::vector<std::uint32_t>& sizes) {
  if (sizes.empty()) return make_error("topology: no groups");
  std::vector<std::uint32_t> supers;
  std::vector<std::vector<std::uint32_t>> groups;
  std::uint32_t next = 0;
  for (std::size_t g = 0; g < sizes.size(); ++g) {
    if (sizes[g] == 0) return make_error("topology: group " + std::to_string(g) + " is empty");
    supers.push_back(next);
    std::vector<std::uint32_t> members;
    for (std::uint32_t i = 0; i < sizes[g]; ++i)
      members.push_back(next++);
    groups.push_back(std::move(members));
  }
  return explicit_groups(next, std::move(supers), std::move(groups));
}

result<topology> topology::explicit_groups(std::uint32_t n, std::vector<std::uint32_t> supers,
                                           std::vector<std::vector<std::uint32_t>> groups) {
  return build(n, std::move(supers), std::move(groups), true);
}

result<topology> topology::partial(std::uint32_t n, std::vector<std::uint32_t> supers,
                                   std::vector<std::vector<std::uint32_t>> groups) {
  return build(n, std::move(supers), std::move(groups), false);
}

result<topology> topology::build(std::uint32_t n, std::vector<std::uint32_t> supers,
                                 std::vector<std::vector<std::uint32_t>> groups, bool cover_all) {
  if (supers.size() != groups.size() || supers.empty())
    return make_error("topology: need one super node per group, and at least one group");
  topology t;
  t.group_of_.assign(n, UINT32_MAX);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    bool has_super = false;
    for (auto node : groups[g]) {
      if (node >= n)
        return make_error("topology: node " + std::to_string(node) + " is outside 0.." +
                          std::to_string(n - 1));
      if (t.group_of_[node] != UINT32_MAX)
        return make_error("topology: node " + std::to_string(node) + " is in two groups");
      t.group_of_[node] = static_cast<std::uint32_t>(g);
      has_super = has_super || node == supers[g];
    }
    if (!has_super)
      return make_error("topology: super node " + std::to_string(supers[g]) +
                        " is not a member of group " + std::to_string(g));
  }
  for (std::uint32_t i = 0; i < n && cover_all; ++i)
    if (t.group_of_[i] == UINT32_MAX)
      return make_error("topology: node " + std::to_string(i) + " belongs to no group");
  t.supers_ = std::move(supers);
  t.groups_ = std::move(groups);
  t.index();
  return t;
}

void topology::index() {
  super_index_.assign(group_of_.size(), -1);
  for (std::size_t g = 0; g < supers_.size(); ++g)
    super_index_[supers_[g]] = static_cast<int>(g);
}

std::uint32_t topology::next_super(std::uint32_t super, std::uint32_t steps) const {
  auto i = super_index(super);
  auto base = i < 0 ? 0u : static_cast<std::uint32_t>(i);
  return supers_[(base + steps) % supers_.size()];
}

std::uint32_t topology::leader_for(std::uint64_t view, const ledger::block_header& j) const {
  auto m = static_cast<std::uint64_t>(supers_.size());
  auto i = super_index(j.proposer < size() ? j.proposer : 0);
  std::uint64_t base = i < 0 ? 0 : static_cast<std::uint64_t>(i);
  if (view <= j.view) return supers_[base];
  if (view == j.view + 1) {
    bool direct = j.view == 0 || j.view == j.parent_view + 1;
    return direct ? supers_[(base + 1) % m] : supers_[base];
  }
  auto k = view - j.view - 1; // views that timed out since the justify block
  return supers_[(base + 1 + k) % m];
}

} // namespace bystack::bbft
