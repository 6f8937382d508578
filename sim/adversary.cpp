#include "sim/adversary.hpp"

#include "sim/rng.hpp"

#include <algorithm>
#include <numeric>
#include <sstream>

namespace bystack::sim {

namespace {

std::vector<std::uint32_t> super_ids(std::uint32_t n, std::uint32_t m) {
  // Even split, larger groups first; the first node of each group is its super node.
  std::vector<std::uint32_t> out;
  std::uint32_t next = 0;
  for (std::uint32_t g = 0; g < m; ++g) {
    out.push_back(next);
    next += n / m + (g < n % m ? 1 : 0);
  }
  return out;
}

void draw_partitions(rng64& r, scenario& s, std::uint32_t instances, std::uint32_t views) {
  auto twins = static_cast<std::uint32_t>(s.twins.nodes.size());
  auto last = 1 + static_cast<std::uint32_t>(r.below(views));
  for (std::uint32_t v = 1; v <= last; ++v) {
    auto& parts = s.twins.partitions;
    // A two-chain commit needs two consecutive views under one partition: keep the previous
    // view's partition a third of the time.
    if (!parts.empty() && parts.back().last_view + 1 == v && r.below(2) == 0) {
      parts.back().last_view = v;
      continue;
    }
    auto count = 1 + r.below(3);
    if (count == 1) continue; // everyone hears everyone in this view
    std::vector<std::vector<std::uint32_t>> sides(count);
    std::vector<std::uint64_t> side_of(instances);
    for (std::uint32_t i = 0; i < instances; ++i)
      side_of[i] = r.below(count);
    if (r.below(2)) {
      // Half the time, as in the Twins paper, each node and its twin are on different sides.
      for (std::uint32_t k = 0; k < twins; ++k) {
        auto node = s.twins.nodes[k];
        auto twin = instances - twins + k;
        side_of[twin] = (side_of[node] + 1 + r.below(count - 1)) % count;
      }
    }
    for (std::uint32_t i = 0; i < instances; ++i)
      sides[side_of[i]].push_back(i);
    std::erase_if(sides, [](const auto& side) { return side.empty(); });
    if (sides.size() < 2) continue;
    parts.push_back({v, v, std::move(sides)});
  }
}

void print_ids(std::ostream& o, const std::vector<std::uint32_t>& ids) {
  o << "[";
  for (std::size_t i = 0; i < ids.size(); ++i)
    o << (i ? ", " : "") << ids[i];
  o << "]";
}

/// Removes instance x from every partition and renumbers the instances above it.
void drop_instance(scenario& s, std::uint32_t x) {
  for (auto& p : s.twins.partitions) {
    for (auto& side : p.sides) {
      std::erase(side, x);
      for (auto& i : side)
        if (i > x) --i;
    }
    std::erase_if(p.sides, [](const auto& side) { return side.empty(); });
  }
  std::erase_if(s.twins.partitions, [](const auto& p) { return p.sides.size() < 2; });
}

std::vector<scenario> candidates(const scenario& s) {
  std::vector<scenario> out;
  auto tw = static_cast<std::uint32_t>(s.twins.nodes.size());
  for (std::uint32_t k = 0; k < tw; ++k) {
    auto c = s;
    c.twins.nodes.erase(c.twins.nodes.begin() + k);
    drop_instance(c, s.nodes + k);
    out.push_back(std::move(c));
  }
  for (std::uint32_t k = 0; k < s.adversary.nodes.size(); ++k) {
    auto c = s;
    c.adversary.nodes.erase(c.adversary.nodes.begin() + k);
    drop_instance(c, s.nodes + tw + k);
    out.push_back(std::move(c));
  }
  for (std::size_t i = 0; i < s.twins.partitions.size(); ++i) {
    auto c = s;
    c.twins.partitions.erase(c.twins.partitions.begin() + static_cast<long>(i));
    out.push_back(std::move(c));
  }
  for (std::size_t i = 0; i < s.faults.size(); ++i) {
    auto c = s;
    c.faults.erase(c.faults.begin() + static_cast<long>(i));
    out.push_back(std::move(c));
  }
  if (s.rounds > 1) {
    auto c = s;
    c.rounds -= 1;
    out.push_back(std::move(c));
  }
  for (std::size_t i = 0; i < s.twins.partitions.size(); ++i) {
    const auto& p = s.twins.partitions[i];
    if (p.first_view < p.last_view) {
      auto c = s;
      c.twins.partitions[i].last_view -= 1;
      out.push_back(c);
      c = s;
      c.twins.partitions[i].first_view += 1;
      out.push_back(std::move(c));
    }
    for (std::size_t j = 0; j < p.sides.size(); ++j)
      for (std::size_t m = 0; m < p.sides[j].size(); ++m) {
        // The instance leaves the partition: it hears every side.
        auto c = s;
        auto& side = c.twins.partitions[i].sides[j];
        side.erase(side.begin() + static_cast<long>(m));
        if (side.empty()) c.twins.partitions[i].sides.erase(c.twins.partitions[i].sides.begin() +
                                                            static_cast<long>(j));
        if (c.twins.partitions[i].sides.size() < 2)
          c.twins.partitions.erase(c.twins.partitions.begin() + static_cast<long>(i));
        out.push_back(std::move(c));
      }
  }
  if (s.adversary.release_ms) {
    auto c = s;
    c.adversary.release_ms.reset();
    out.push_back(std::move(c));
  }
  if (s.protocol.synthetic_txs_per_block > 0) {
    auto c = s;
    c.protocol.synthetic_txs_per_block = 0;
    out.push_back(std::move(c));
  }
  return out;
}

} // namespace

scenario draw_twins_scenario(std::uint64_t seed, const twins_options& opt) {
  rng64 r(seed * 0xd1342543de82ef95ULL + 29);
  scenario s;
  s.name = std::string(opt.beyond ? "twins-beyond-" : "twins-") + std::to_string(seed);
  s.source = "twins seed " + std::to_string(seed);
  s.seed = seed;
  s.nodes = opt.nodes ? opt.nodes : (r.below(2) ? 7 : 4);
  auto n = s.nodes;
  s.supers = 1 + static_cast<std::uint32_t>(r.below(n));
  s.rounds = opt.rounds;
  s.crypto = "modelled";
  s.certificates = r.below(2) ? "list" : "aggregate";
  s.network.latency.model = latency_model::kind::uniform;
  s.network.latency.min_ms = 1 + static_cast<double>(r.below(10));
  s.network.latency.max_ms = s.network.latency.min_ms + static_cast<double>(r.below(40));
  s.network.bandwidth_mbps = 100;
  s.protocol.synthetic_txs_per_block = static_cast<std::uint32_t>(r.below(3));
  s.protocol.view_timeout_us = static_cast<std::int64_t>(300 + 100 * r.below(8)) * 1000;
  s.protocol.max_view_timeout_us = 4'000'000;
  s.protocol.group_wait_us = 100'000;
  // Beyond the budget only safety is judged, and the forks it finds arise while the partitions
  // last (at most 5 s): a shorter run keeps a search and its shrinking fast.
  s.max_sim_seconds = opt.beyond ? std::min(opt.max_sim_seconds, 10.0) : opt.max_sim_seconds;

  std::uint32_t f = (n - 1) / 3;
  std::uint32_t k = opt.beyond ? f + 1 : (f ? 1 + static_cast<std::uint32_t>(r.below(f)) : 0);
  k = std::min(k, n);
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  for (std::uint32_t i = n; i > 1; --i)
    std::swap(order[i - 1], order[r.below(i)]);
  if (k > 0 && r.below(2)) {
    // Half the time a super node is among them: leaders and relays are the interesting twins.
    auto supers = super_ids(n, s.supers);
    auto pick = supers[r.below(supers.size())];
    std::swap(*std::find(order.begin(), order.end(), pick), order.front());
  }
  std::vector<std::uint32_t> byz(order.begin(), order.begin() + k);
  std::sort(byz.begin(), byz.end());
  if (k > 0 && r.below(4) == 0) {
    s.adversary.nodes = byz;
    for (auto i : order)
      if (!std::binary_search(byz.begin(), byz.end(), i) && r.below(2))
        s.adversary.first_half.push_back(i);
    std::sort(s.adversary.first_half.begin(), s.adversary.first_half.end());
    if (r.below(2)) s.adversary.release_ms = static_cast<double>(200 + r.below(3000));
  } else {
    s.twins.nodes = byz;
    draw_partitions(r, s, n + k, opt.views);
    // A view whose partition leaves no side a quorum never ends by itself: the partitions lift
    // at heal_ms (the synchronous period after the Twins rounds).
    if (!s.twins.partitions.empty()) s.twins.heal_ms = static_cast<double>(1000 * (1 + r.below(5)));
  }
  return s;
}

bool twins_heal(const scenario& s) {
  if (!s.adversary.nodes.empty() && !s.adversary.release_ms) return false;
  if (!s.twins.partitions.empty() && !s.twins.heal_ms) return false;
  for (const auto& f : s.faults)
    if (!f.until_ms && (f.kind == "partition" || (f.nodes.empty() && f.kind != "crash")))
      return false;
  return true;
}

std::string twins_yaml(const scenario& s) {
  std::ostringstream o;
  if (!s.twins.nodes.empty()) {
    o << "twins:\n  nodes: ";
    print_ids(o, s.twins.nodes);
    o << "\n  partitions:" << (s.twins.partitions.empty() ? " []" : "") << "\n";
    for (const auto& p : s.twins.partitions) {
      o << "    - {views: [" << p.first_view << ", " << p.last_view << "], sides: [";
      for (std::size_t j = 0; j < p.sides.size(); ++j) {
        o << (j ? ", " : "") << "\"";
        for (std::size_t m = 0; m < p.sides[j].size(); ++m)
          o << (m ? " " : "") << p.sides[j][m];
        o << "\"";
      }
      o << "]}\n";
    }
    if (s.twins.heal_ms) o << "  heal_ms: " << *s.twins.heal_ms << "\n";
  }
  if (!s.adversary.nodes.empty()) {
    o << "adversary: {nodes: ";
    print_ids(o, s.adversary.nodes);
    o << ", strategy: " << s.adversary.strategy;
    if (!s.adversary.first_half.empty()) {
      o << ", first_half: ";
      print_ids(o, s.adversary.first_half);
    }
    o << ", at_ms: " << s.adversary.at_ms;
    if (s.adversary.release_ms) o << ", release_ms: " << *s.adversary.release_ms;
    o << "}\n";
  }
  return o.str();
}

scenario shrink_scenario(scenario s, const std::function<bool(const scenario&)>& fails,
                         std::uint64_t& runs) {
  for (bool progress = true; progress;) {
    progress = false;
    for (auto& c : candidates(s)) {
      ++runs;
      if (fails(c)) {
        s = std::move(c);
        progress = true;
        break;
      }
    }
  }
  return s;
}

} // namespace bystack::sim
