#include "sim/twins.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <string>

namespace bystack::sim {

std::uint64_t message_view(const proto::message& m) {
  return std::visit(
      [](const auto& x) -> std::uint64_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, proto::proposal>)
          return x.block ? x.block->header.view : 0;
        else if constexpr (std::is_same_v<T, proto::vote> ||
                           std::is_same_v<T, proto::group_certificate> ||
                           std::is_same_v<T, proto::view_change> ||
                           std::is_same_v<T, proto::timeout_certificate>)
          return x.view;
        else if constexpr (std::is_same_v<T, proto::commit_certificate>)
          return x.cert.view;
        else
          return 0;
      },
      m);
}

bbft::params twin_params(bbft::params p) {
  p.synthetic_txs_per_block = std::max<std::uint32_t>(1, p.synthetic_txs_per_block);
  p.synthetic_payload_bytes += 1;
  return p;
}

result<twin_router> twin_router::make(const scenario& s) {
  twin_router r;
  r.nodes_ = s.nodes;
  const auto& tw = s.twins;
  const auto& adv = s.adversary;
  if (tw.nodes.empty() && adv.nodes.empty()) {
    if (!tw.partitions.empty())
      return make_error(s.source + ": twins: partitions without twinned nodes");
    return r;
  }
  if (s.ledger.enabled)
    return make_error(s.source + ": twins and adversary need opaque transactions (no ledger "
                                 "section): two instances cannot share one ledger state");
  std::vector<bool> taken(s.nodes, false);
  auto add = [&](std::uint32_t n, const char* section) -> result<void> {
    if (n >= s.nodes)
      return make_error(s.source + ": " + section + " names node " + std::to_string(n) +
                        ", but the network has " + std::to_string(s.nodes));
    if (taken[n])
      return make_error(s.source + ": " + section + " names node " + std::to_string(n) +
                        " twice (or in both twins and adversary)");
    taken[n] = true;
    r.twin_of_.push_back(n);
    return {};
  };
  for (auto n : tw.nodes)
    if (auto ok = add(n, "twins"); !ok) return ok.err();
  for (auto n : adv.nodes)
    if (auto ok = add(n, "adversary"); !ok) return ok.err();
  auto inst = r.instances();
  r.instances_of_.resize(s.nodes);
  for (std::uint32_t i = 0; i < inst; ++i)
    r.instances_of_[r.logical(i)].push_back(i);
  r.last_view_.assign(inst, 0);
  if (tw.heal_ms) r.view_rules_until_us_ = std::llround(*tw.heal_ms * 1000.0);

  for (const auto& p : tw.partitions) {
    rule ru;
    ru.first_view = p.first_view;
    ru.last_view = p.last_view;
    ru.side.assign(inst, -1);
    for (std::size_t k = 0; k < p.sides.size(); ++k)
      for (auto i : p.sides[k]) {
        if (i >= inst)
          return make_error(s.source + ": twins: partition of views " +
                            std::to_string(p.first_view) + ".." + std::to_string(p.last_view) +
                            " names instance " + std::to_string(i) + ", but there are " +
                            std::to_string(inst) + " (nodes, then twins)");
        if (ru.side[i] >= 0)
          return make_error(s.source + ": twins: instance " + std::to_string(i) +
                            " is on two sides of one partition");
        ru.side[i] = static_cast<int>(k);
      }
    r.rules_.push_back(std::move(ru));
  }

  if (!adv.nodes.empty()) {
    // Strategy split: each colluder's own instance is in the first half, its twin in the second,
    // so that both halves see every colluder and every colluder key signs in both.
    rule ru;
    ru.by_view = false;
    ru.from_us = std::llround(adv.at_ms * 1000.0);
    ru.until_us = adv.release_ms ? std::llround(*adv.release_ms * 1000.0) : INT64_MAX;
    ru.release_us = adv.release_ms ? ru.until_us : -1;
    ru.side.assign(inst, 1);
    std::vector<std::uint32_t> honest;
    std::vector<bool> colluder(s.nodes, false);
    for (auto n : adv.nodes)
      colluder[n] = true;
    for (std::uint32_t n = 0; n < s.nodes; ++n)
      if (!colluder[n]) honest.push_back(n);
    std::vector<std::uint32_t> first = adv.first_half;
    if (first.empty()) first.assign(honest.begin(), honest.begin() + honest.size() / 2);
    for (auto n : first) {
      if (n >= s.nodes || colluder[n])
        return make_error(s.source + ": adversary: first_half names node " + std::to_string(n) +
                          ", which is not an honest node");
      ru.side[n] = 0;
    }
    for (std::size_t k = 0; k < adv.nodes.size(); ++k) {
      ru.side[adv.nodes[k]] = 0;
      ru.side[s.nodes + tw.nodes.size() + k] = 1;
    }
    for (auto n : tw.nodes) // twins of the twins section hear both halves
      for (auto i : r.instances_of_[n])
        ru.side[i] = -1;
    r.rules_.push_back(std::move(ru));
  }
  return r;
}

std::vector<std::uint32_t> twin_router::byzantine_nodes() const {
  return twin_of_;
}

void twin_router::route(std::uint32_t from, std::uint32_t to, const proto::message* m,
                        std::int64_t t_us, std::vector<hop>& out) {
  auto v = m ? message_view(*m) : 0;
  if (v > last_view_[from]) last_view_[from] = v;
  if (v == 0) v = last_view_[from];
  for (auto c : instances_of_[to]) {
    if (c == from) continue;
    hop h{c, 0};
    for (const auto& ru : rules_) {
      bool applies = ru.by_view ? v >= ru.first_view && v <= ru.last_view &&
                                      t_us < view_rules_until_us_
                                : t_us >= ru.from_us && t_us < ru.until_us;
      if (!applies) continue;
      int a = ru.side[from], b = ru.side[c];
      if (a >= 0 && b >= 0 && a != b) {
        if (ru.release_us < 0) h.instance = UINT32_MAX; // dropped
        else h.extra_delay_us = ru.release_us - t_us;
      }
      break; // the first rule that applies decides
    }
    if (h.instance != UINT32_MAX) out.push_back(h);
  }
}

} // namespace bystack::sim
