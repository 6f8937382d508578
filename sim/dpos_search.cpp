#include "sim/dpos_search.hpp"

#include "sim/rng.hpp"

#include <algorithm>
#include <set>
#include <sstream>

namespace bystack::sim {

dpos_config draw_dpos_scenario(std::uint64_t seed, const dpos_search_options& opt) {
  rng64 r(seed * 0x9e3779b97f4a7c15ULL + 29);
  dpos_config c;
  c.name = "dpos-search-" + std::to_string(seed);
  c.seed = seed;
  c.seats = 4 + static_cast<std::uint32_t>(r.below(7)); // 4..10
  const std::uint32_t f = (c.seats - 1) / 3;
  c.candidates = c.seats + 2 + static_cast<std::uint32_t>(r.below(2 * c.seats));
  // At least f + 1 super nodes: one of them is honest whatever the faulty nodes are (leaders
  // and relays are super nodes only; see outside_model in fault_search.hpp).
  c.supers = std::min(c.seats, f + 1 + static_cast<std::uint32_t>(r.below(3)));
  c.epoch_blocks = 6 + r.below(7); // 6..12
  c.epochs = 5 + static_cast<std::uint32_t>(r.below(2));
  c.voters = 100 + static_cast<std::uint32_t>(r.below(300));
  c.vote_lock_blocks = 2 + r.below(3);
  c.shifts_per_epoch = 2;
  c.shift_share = 0.1 + 0.2 * r.uniform01();
  c.popularity_drift = 0.5 + r.uniform01();
  c.policy = r.below(2) ? "delay" : "stake";
  c.block_interval_us = static_cast<std::int64_t>(200 + r.below(301)) * 1000;
  c.view_timeout_us = static_cast<std::int64_t>(1000 + r.below(2001)) * 1000;
  c.group_wait_us = static_cast<std::int64_t>(300 + r.below(501)) * 1000;
  c.max_sim_seconds = opt.max_sim_seconds;
  const auto k = 2 + r.below(3);
  for (std::uint64_t i = 0; i < k; ++i)
    c.regions.push_back("r" + std::to_string(i));
  c.rtt_ms.assign(k, std::vector<double>(k, 0));
  for (std::uint64_t i = 0; i < k; ++i)
    for (std::uint64_t j = i; j < k; ++j)
      c.rtt_ms[i][j] = c.rtt_ms[j][i] =
          i == j ? 1 + static_cast<double>(r.below(10)) : 20 + static_cast<double>(r.below(181));
  c.jitter_ms = 1;
  if (r.below(2)) {
    c.rewards = true;
    c.block_reward = 100 + r.below(9901);
    c.producer_share_pct = static_cast<std::uint32_t>(r.below(101));
    c.min_voter_payout = 1 + r.below(50);
    c.vote_fee = r.below(6);
  }
  // The run lasts about epochs x epoch_blocks block intervals: faults start anywhere in its
  // first 80%, so that they overlap elections and boundaries.
  const double run_s = static_cast<double>(c.epochs * c.epoch_blocks) *
                       static_cast<double>(c.block_interval_us) / 1e6;
  auto when = [&] { return 0.8 * run_s * r.uniform01(); };
  const auto faulty = 1 + static_cast<std::uint32_t>(r.below(f)); // 1..f
  std::set<std::uint32_t> chosen;
  while (chosen.size() < faulty) {
    // Half from the genesis set (members of epochs 0 and 1 for sure), half from anyone.
    auto node = static_cast<std::uint32_t>(r.below(2) ? r.below(c.seats) : r.below(c.candidates));
    chosen.insert(node);
  }
  for (auto node : chosen) {
    dpos_config::fault fs;
    fs.nodes = {node};
    fs.at_s = when();
    switch (r.below(3)) {
    case 0:
      fs.kind = "crash";
      break;
    case 1:
      fs.kind = "isolate";
      fs.until_s = fs.at_s + 1 + 9 * r.uniform01();
      break;
    default:
      fs.kind = "equivocate";
      fs.until_s = fs.at_s + 2 + 18 * r.uniform01();
    }
    c.faults.push_back(std::move(fs));
  }
  // Partitions that heal (any nodes, not counted in f).
  const auto parts = r.below(3);
  for (std::uint64_t i = 0; i < parts; ++i) {
    dpos_config::fault fs;
    fs.kind = "partition";
    fs.at_s = when();
    fs.until_s = fs.at_s + 0.5 + 4.5 * r.uniform01();
    auto side = 1 + r.below(c.candidates / 2);
    std::set<std::uint32_t> nodes;
    while (nodes.size() < side)
      nodes.insert(static_cast<std::uint32_t>(r.below(c.candidates)));
    fs.nodes.assign(nodes.begin(), nodes.end());
    c.faults.push_back(std::move(fs));
  }
  return c;
}

std::vector<std::uint32_t> faulty_nodes(const dpos_config& c) {
  std::set<std::uint32_t> out(c.crash.begin(), c.crash.end());
  for (const auto& f : c.faults)
    if (f.kind != "partition") out.insert(f.nodes.begin(), f.nodes.end());
  return {out.begin(), out.end()};
}

std::string to_yaml(const dpos_config& c) {
  std::ostringstream o;
  o << "name: " << c.name << "\nseed: " << c.seed << "\ncandidates: " << c.candidates
    << "\nseats: " << c.seats << "\nsupers: " << c.supers << "\nepoch_blocks: " << c.epoch_blocks
    << "\nepochs: " << c.epochs << "\nvoters: " << c.voters
    << "\nvote_lock_blocks: " << c.vote_lock_blocks << "\nshifts_per_epoch: " << c.shifts_per_epoch
    << "\nshift_share: " << c.shift_share << "\npopularity_drift: " << c.popularity_drift
    << "\npolicy: " << c.policy << "\nblock_interval_ms: " << c.block_interval_us / 1000
    << "\nview_timeout_ms: " << c.view_timeout_us / 1000
    << "\ngroup_wait_ms: " << c.group_wait_us / 1000 << "\nmax_sim_seconds: " << c.max_sim_seconds
    << "\nregions: [";
  for (std::size_t i = 0; i < c.regions.size(); ++i)
    o << (i ? ", " : "") << c.regions[i];
  o << "]\nrtt_ms: [";
  bool first = true;
  for (const auto& row : c.rtt_ms)
    for (auto v : row) {
      o << (first ? "" : ", ") << v;
      first = false;
    }
  o << "]\njitter_ms: " << c.jitter_ms << "\n";
  if (c.rewards)
    o << "rewards: {block_reward: " << c.block_reward
      << ", producer_share_pct: " << c.producer_share_pct
      << ", min_voter_payout: " << c.min_voter_payout << ", vote_fee: " << c.vote_fee << "}\n";
  o << (c.faults.empty() ? "faults: []\n" : "faults:\n");
  for (const auto& f : c.faults) {
    o << "  - {kind: " << f.kind << ", at_s: " << f.at_s;
    if (f.until_s) o << ", until_s: " << *f.until_s;
    o << ", nodes: [";
    for (std::size_t i = 0; i < f.nodes.size(); ++i)
      o << (i ? ", " : "") << f.nodes[i];
    o << "]}\n";
  }
  return o.str();
}

} // namespace bystack::sim
