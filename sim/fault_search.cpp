#include "sim/fault_search.hpp"

#include "sim/adversary.hpp"
#include "sim/rng.hpp"

#include <algorithm>
#include <numeric>
#include <sstream>

namespace bystack::sim {

scenario draw_scenario(std::uint64_t seed, const search_options& opt) {
  rng64 r(seed * 0x9e3779b97f4a7c15ULL + 17);
  scenario s;
  s.name = "search-" + std::to_string(seed);
  s.source = "fault-search seed " + std::to_string(seed);
  s.seed = seed;
  s.nodes = opt.min_nodes + static_cast<std::uint32_t>(r.below(opt.max_nodes - opt.min_nodes + 1));
  auto n = s.nodes;
  s.supers = 1 + static_cast<std::uint32_t>(r.below(std::min<std::uint32_t>(n, 5)));
  s.rounds = opt.rounds;
  s.crypto = "modelled";
  s.certificates = r.below(2) ? "list" : "aggregate";
  s.network.latency.model = latency_model::kind::uniform;
  s.network.latency.min_ms = 1 + static_cast<double>(r.below(20));
  s.network.latency.max_ms = s.network.latency.min_ms + static_cast<double>(r.below(60));
  s.network.bandwidth_mbps = 50 + static_cast<double>(r.below(200));
  s.protocol.synthetic_txs_per_block = static_cast<std::uint32_t>(r.below(20));
  s.protocol.view_timeout_us = 1'000'000;
  s.protocol.max_view_timeout_us = 8'000'000;
  s.protocol.group_wait_us = 300'000;
  s.max_sim_seconds = opt.max_sim_seconds;
  s.liveness_bound_ms = opt.liveness_bound_ms;

  // Faulty nodes: at most f = floor((N - 1) / 3), each with one fault.
  std::uint32_t f = (n - 1) / 3;
  std::uint32_t faulty = static_cast<std::uint32_t>(r.below(f + 1));
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  for (std::uint32_t i = n; i > 1; --i)
    std::swap(order[i - 1], order[r.below(i)]);
  // Super nodes are the first node of each group (even split: larger groups first).
  std::vector<bool> is_super(n, false);
  {
    std::uint32_t next = 0;
    for (std::uint32_t g = 0; g < s.supers; ++g) {
      is_super[next] = true;
      next += n / s.supers + (g < n % s.supers ? 1 : 0);
    }
  }
  static const char* any_kinds[] = {"crash", "crash_restart", "double_vote", "garbage", "lossy"};
  static const char* super_kinds[] = {"silent_leader",        "equivocate",
                                      "drop_votes",           "withhold_certificate",
                                      "forge_certificate",    "invalid_block"};
  // Without the ledger the draws are those of earlier versions, so that known seeds keep their
  // schedules; invalid_block needs a ledger.
  const std::uint64_t super_kind_count = opt.ledger ? 6 : 5;
  double horizon_ms = 4000;
  for (std::uint32_t i = 0; i < faulty; ++i) {
    auto node = order[i];
    fault_spec fs;
    fs.nodes = {node};
    fs.at_ms = static_cast<double>(r.below(static_cast<std::uint64_t>(horizon_ms)));
    std::string kind =
        is_super[node] && r.below(2) ? super_kinds[r.below(super_kind_count)] : any_kinds[r.below(5)];
    if (kind == "crash_restart") {
      fs.kind = "crash";
      fs.until_ms = fs.at_ms + 200 + static_cast<double>(r.below(3000));
    } else if (kind == "lossy") {
      fs.kind = "loss";
      fs.rate = 0.1 + 0.8 * r.uniform01();
    } else {
      fs.kind = kind;
    }
    s.faults.push_back(std::move(fs));
  }
  // Network faults that heal: loss everywhere, extra delay, a partition.
  auto link_faults = r.below(3);
  for (std::uint64_t i = 0; i < link_faults; ++i) {
    fault_spec fs;
    fs.at_ms = static_cast<double>(r.below(static_cast<std::uint64_t>(horizon_ms)));
    fs.until_ms = fs.at_ms + 100 + static_cast<double>(r.below(3000));
    switch (r.below(3)) {
    case 0:
      fs.kind = "loss";
      fs.rate = 0.05 + 0.5 * r.uniform01();
      break;
    case 1:
      fs.kind = "delay";
      fs.delay_ms = static_cast<double>(10 + r.below(500));
      break;
    default: {
      fs.kind = "partition";
      auto side = 1 + r.below(n - 1);
      for (std::uint64_t j = 0; j < side; ++j)
        fs.nodes.push_back(order[(j + faulty) % n]);
      std::sort(fs.nodes.begin(), fs.nodes.end());
      fs.nodes.erase(std::unique(fs.nodes.begin(), fs.nodes.end()), fs.nodes.end());
    }
    }
    s.faults.push_back(std::move(fs));
  }
  if (opt.ledger) {
    s.ledger.enabled = true;
    s.ledger.wallets = 16;
    s.ledger.rate_tps = 20 + static_cast<double>(r.below(200));
    s.ledger.invalid_share = 0.02;
    s.protocol.synthetic_txs_per_block = 0;
  }
  return s;
}

std::string outside_model(const scenario& s) {
  auto n = s.nodes;
  if (s.supers == 0 || s.supers > n) return {};
  std::vector<std::uint32_t> supers;
  for (std::uint32_t g = 0, next = 0; g < s.supers; ++g) {
    supers.push_back(next);
    next += n / s.supers + (g < n % s.supers ? 1 : 0);
  }
  std::vector<std::string> why(n);
  for (const auto& f : s.faults) {
    if (f.until_ms) continue; // heals: within the model
    const char* what = f.kind == "crash"                            ? "crashed"
                       : f.kind == "loss"                           ? "lossy"
                       : f.kind == "delay" || f.kind == "partition" ? nullptr
                                                                    : "Byzantine";
    if (!what) continue;
    if (f.kind == "loss" && f.nodes.empty()) return {}; // network-wide: the checker handles it
    for (auto v : f.nodes)
      if (v < n && why[v].empty()) why[v] = std::string(what) + " (" + f.kind + ")";
  }
  std::string out;
  for (auto v : supers) {
    if (why[v].empty()) return {};
    out += (out.empty() ? "" : ", ") + std::to_string(v) + " " + why[v];
  }
  return "no honest, working super node (M = " + std::to_string(s.supers) + ": " + out + ")";
}

std::string to_yaml(const scenario& s) {
  std::ostringstream o;
  o << "name: " << s.name << "\nseed: " << s.seed << "\nnodes: " << s.nodes
    << "\nsupers: " << s.supers << "\nrounds: " << s.rounds << "\ncrypto: " << s.crypto
    << "\ncertificates: " << s.certificates << "\nmax_sim_seconds: " << s.max_sim_seconds
    << "\nnetwork:\n  latency: {model: uniform, min_ms: " << s.network.latency.min_ms
    << ", max_ms: " << s.network.latency.max_ms
    << "}\n  bandwidth_mbps: " << s.network.bandwidth_mbps
    << "\nprotocol:\n  txs_per_block: " << s.protocol.synthetic_txs_per_block
    << "\n  view_timeout_ms: " << s.protocol.view_timeout_us / 1000
    << "\n  max_view_timeout_ms: " << s.protocol.max_view_timeout_us / 1000
    << "\n  group_wait_ms: " << s.protocol.group_wait_us / 1000
    << (s.faults.empty() ? "\nfaults: []\n" : "\nfaults:\n");
  for (const auto& f : s.faults) {
    o << "  - {kind: " << f.kind << ", at_ms: " << f.at_ms;
    if (f.until_ms) o << ", until_ms: " << *f.until_ms;
    if (!f.nodes.empty()) {
      o << ", nodes: [";
      for (std::size_t i = 0; i < f.nodes.size(); ++i)
        o << (i ? ", " : "") << f.nodes[i];
      o << "]";
    }
    if (f.rate > 0) o << ", rate: " << f.rate;
    if (f.delay_ms > 0) o << ", delay_ms: " << f.delay_ms;
    o << "}\n";
  }
  if (s.liveness_bound_ms) o << "checks: {liveness_bound_ms: " << *s.liveness_bound_ms << "}\n";
  o << twins_yaml(s);
  if (s.ledger.enabled)
    o << "ledger: {wallets: " << s.ledger.wallets << ", rate_tps: " << s.ledger.rate_tps
      << ", invalid_share: " << s.ledger.invalid_share << "}\n";
  return o.str();
}

} // namespace bystack::sim
