// bystack-mainchain-sim: a mining network in simulated time, and three comparisons with
// published results (stale rate, double spend, selfish mining). docs/mainchain.md.
#include "sim/mainchain/closed_forms.hpp"
#include "sim/mainchain/mining_sim.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

using namespace bystack::sim::mainchain;

struct options {
  std::string command = "run";
  std::map<std::string, std::string> flags;
  bool quick = false;

  std::string get(const std::string& k, const std::string& def) const {
    auto it = flags.find(k);
    return it == flags.end() ? def : it->second;
  }
  double num(const std::string& k, double def) const {
    auto it = flags.find(k);
    return it == flags.end() ? def : std::strtod(it->second.c_str(), nullptr);
  }
  std::uint64_t u64(const std::string& k, std::uint64_t def) const {
    auto it = flags.find(k);
    return it == flags.end() ? def : std::strtoull(it->second.c_str(), nullptr, 10);
  }
};

std::vector<double> list_of(const std::string& s) {
  std::vector<double> out;
  std::size_t i = 0;
  while (i < s.size()) {
    auto j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    out.push_back(std::strtod(s.substr(i, j - i).c_str(), nullptr));
    i = j + 1;
  }
  return out;
}

double wall_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Combines trace hashes of several runs.
std::uint64_t combine(std::uint64_t a, std::uint64_t b) {
  return (a ^ b) * 0x100000001b3ull + 0x9e3779b97f4a7c15ull;
}

struct mean_sd {
  double mean = 0;
  double half95 = 0; ///< half-width of the 95% interval of the mean
};
mean_sd summarise(const std::vector<double>& v) {
  mean_sd r;
  if (v.empty()) return r;
  for (double x : v)
    r.mean += x;
  r.mean /= static_cast<double>(v.size());
  if (v.size() < 2) return r;
  double ss = 0;
  for (double x : v)
    ss += (x - r.mean) * (x - r.mean);
  double sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
  r.half95 = 1.96 * sd / std::sqrt(static_cast<double>(v.size()));
  return r;
}

// -- presets -------------------------------------------------------------------------------------

double o_slow_fraction = 0.2; // overridable for exploring the tail
double o_slow_factor = 10;

/// Decker and Wattenhofer (2013): blocks relayed hop by hop (announce, request, block), with
/// each hop paying latency, transfer and validation; miners are ordinary nodes.
network_params dw2013() {
  network_params n;
  n.nodes = 50;
  n.out_degree = 4;
  n.latency_min_ms = 50;
  n.latency_max_ms = 250;
  n.bandwidth_mbps = 13;
  n.block_bytes = 1'000'000;
  n.validate_ms_per_mb = 400;
  n.slow_fraction = o_slow_fraction;
  n.slow_factor = o_slow_factor;
  n.shares.assign(16, 1.0 / 16);
  return n;
}

/// Gervais et al. (2016): the same gossip network, but the mining pools are linked directly
/// by a fast relay network, so that blocks reach most of the hash power long before the median
/// node.
network_params gervais2016() {
  network_params n = dw2013();
  n.block_bytes = 535'000; // their measured mean Bitcoin block size
  n.miners_relay = true;
  n.relay_latency_ms = 200;
  n.relay_bandwidth_mbps = 10;
  return n;
}

network_params by_name(const std::string& name) {
  if (name == "gervais2016") return gervais2016();
  return dw2013();
}

void print_network(const network_params& n) {
  std::printf("network    %zu nodes, ring + %zu random links each, latency %.0f-%.0f ms, uplink "
              "%.0f Mbit/s, block %.0f kB, validation %.0f ms/MB, %.0f%% of nodes %.0fx slower, "
              "%zu miners%s\n",
              n.nodes, n.out_degree > 0 ? n.out_degree - 1 : 0, n.latency_min_ms, n.latency_max_ms,
              n.bandwidth_mbps, static_cast<double>(n.block_bytes) / 1000, n.validate_ms_per_mb,
              100 * n.slow_fraction, n.slow_factor, n.shares.size(),
              n.miners_relay ? " linked by a relay network" : "");
}

// -- run -----------------------------------------------------------------------------------------

int cmd_run(const options& o) {
  auto net = by_name(o.get("preset", "dw2013"));
  net.nodes = o.u64("nodes", net.nodes);
  if (o.flags.count("miners"))
    net.shares.assign(o.u64("miners", 16), 1.0 / static_cast<double>(o.u64("miners", 16)));
  net.block_bytes = o.u64("block-bytes", net.block_bytes);
  net.bandwidth_mbps = o.num("bandwidth-mbps", net.bandwidth_mbps);
  run_params r;
  r.seed = o.u64("seed", 42);
  r.blocks = o.u64("blocks", 2000);
  r.block_interval_s = o.num("interval-s", 600);
  r.retarget_blocks = o.u64("retarget", 2016);
  std::printf("seed %llu\n", static_cast<unsigned long long>(r.seed));
  print_network(net);
  auto t0 = std::chrono::steady_clock::now();
  auto x = run_network(net, r);
  std::printf("blocks     %llu mined, final height %llu, %.1f simulated hours\n",
              static_cast<unsigned long long>(x.mined),
              static_cast<unsigned long long>(x.final_height), x.sim_seconds / 3600);
  std::printf("stale      %llu of %llu settled blocks = %.3f%%\n",
              static_cast<unsigned long long>(x.stale), static_cast<unsigned long long>(x.counted),
              x.counted ? 100.0 * static_cast<double>(x.stale) / static_cast<double>(x.counted)
                        : 0.0);
  std::printf("reorgs     %llu over all nodes; by depth:",
              static_cast<unsigned long long>(x.reorgs));
  for (std::size_t d = 1; d < x.reorg_depths.size(); ++d)
    if (x.reorg_depths[d])
      std::printf(" %zu:%llu", d, static_cast<unsigned long long>(x.reorg_depths[d]));
  std::printf("\n");
  std::printf("propagate  p50 %.2f s, p90 %.2f s, mean %.2f s; hash-weighted delay to other miners "
              "%.2f s\n",
              x.propagation_p50_s, x.propagation_p90_s, x.propagation_mean_s, x.miner_delay_s);
  std::printf(
      "confirm    node 0 holds a block after p50 %.1f s; 6 confirmations p50 %.0f s, p90 %.0f s\n",
      x.confirm1_p50_s, x.confirm6_p50_s, x.confirm6_p90_s);
  std::printf("messages   %llu, rejected %llu\n", static_cast<unsigned long long>(x.messages),
              static_cast<unsigned long long>(x.rejected));
  std::printf("speed      %.2f wall s\n", wall_since(t0));
  std::printf("trace_hash %s\n", hex64(x.trace_hash).c_str());
  return 0;
}

// -- (a) stale rate ------------------------------------------------------------------------------

struct stale_outcome {
  double measured;
  double half95;
  double model;
  double p50;
  bool ok;
};

stale_outcome stale_one(const std::string& preset, std::uint64_t seed, std::uint64_t runs,
                        std::uint64_t blocks, std::uint64_t& hash) {
  auto net = by_name(preset);
  print_network(net);
  std::vector<double> rates;
  std::vector<double> delays;
  std::vector<double> p50s;
  std::uint64_t stale = 0;
  std::uint64_t counted = 0;
  for (std::uint64_t i = 0; i < runs; ++i) {
    run_params r;
    r.seed = seed + i;
    r.blocks = blocks;
    auto x = run_network(net, r);
    rates.push_back(static_cast<double>(x.stale) / static_cast<double>(x.counted));
    delays.push_back(x.miner_delay_s);
    p50s.push_back(x.propagation_p50_s);
    stale += x.stale;
    counted += x.counted;
    hash = combine(hash, x.trace_hash);
  }
  auto rate = summarise(rates);
  auto delay = summarise(delays);
  auto p50 = summarise(p50s);
  double model = 1 - std::exp(-delay.mean / 600.0);
  double model_median = 1 - std::exp(-p50.mean / 600.0);
  auto w = wilson(stale, counted);
  std::printf("  %llu runs x %llu blocks: stale %llu of %llu\n",
              static_cast<unsigned long long>(runs), static_cast<unsigned long long>(blocks),
              static_cast<unsigned long long>(stale), static_cast<unsigned long long>(counted));
  std::printf(
      "  propagation to nodes: median %.2f s; hash-weighted delay to the other miners d = %.2f s\n",
      p50.mean, delay.mean);
  std::printf(
      "  measured stale rate   %.3f%% +- %.3f (95%%, across runs; pooled Wilson %.3f-%.3f%%)\n",
      100 * rate.mean, 100 * rate.half95, 100 * w.lo, 100 * w.hi);
  std::printf("  model 1-exp(-d/600)   %.3f%%   (with the median instead of d: %.3f%%)\n",
              100 * model, 100 * model_median);
  // Generous, for a quick check with few runs: the model within twice the pooled interval's
  // half-width or 35% of itself.
  bool ok = std::abs(rate.mean - model) <= std::max(w.hi - w.lo, 0.35 * model);
  return {rate.mean, rate.half95, model, p50.mean, ok};
}

int cmd_stale(const options& o, std::uint64_t& hash) {
  auto seed = o.u64("seed", 42);
  auto runs = o.u64("runs", o.quick ? 2 : 4);
  auto blocks = o.u64("blocks", o.quick ? 1000 : 2500);
  bool ok = true;
  for (const char* preset : {"dw2013", "gervais2016"}) {
    if (o.flags.count("preset") && o.get("preset", "") != preset) continue;
    std::printf("(a) stale rate, preset %s, 600 s blocks\n", preset);
    auto r = stale_one(preset, seed, runs, blocks, hash);
    if (std::string(preset) == "dw2013")
      std::printf(
          "  published: Decker and Wattenhofer 2013 measured 1.69%% stale, median propagation "
          "6.5 s (their model: 1.78%%)\n");
    else
      std::printf(
          "  published: Gervais et al. 2016 measured 0.41%% stale for Bitcoin (blocks 534.8 kB, "
          "median propagation 8.7 s)\n");
    ok = ok && r.ok;
  }
  return ok ? 0 : 1;
}

// -- (b) double spend ----------------------------------------------------------------------------

int cmd_double_spend(const options& o, std::uint64_t& hash) {
  auto seed = o.u64("seed", 42);
  auto give_up = o.u64("give-up", 10);
  bool ok = true;
  struct row {
    double q;
    std::uint64_t z;
    std::uint64_t trials;
    double paper; // Nakamoto's table
  };
  std::vector<row> rows;
  if (o.flags.count("q")) {
    for (double q : list_of(o.get("q", "0.1")))
      for (double z : list_of(o.get("z", "1,2,3,4,5")))
        rows.push_back({q, static_cast<std::uint64_t>(z), o.u64("trials", 10000), -1});
  } else if (o.quick) {
    rows = {{0.1, 1, 4000, 0.2045873}, {0.1, 2, 4000, 0.0509779}, {0.3, 5, 3000, 0.1773523}};
  } else {
    rows = {{0.1, 1, 5000, 0.2045873},  {0.1, 2, 10000, 0.0509779}, {0.1, 3, 15000, 0.0131722},
            {0.1, 4, 25000, 0.0034552}, {0.1, 5, 40000, 0.0009137}, {0.3, 5, 5000, 0.1773523},
            {0.3, 10, 10000, 0.0416605}};
  }
  std::printf("(b) double spend after z confirmations; the attacker gives up %llu blocks behind\n",
              static_cast<unsigned long long>(give_up));
  std::printf("  %-4s %-3s %8s  %-10s %-22s %-10s %-10s %-10s\n", "q", "z", "trials", "measured",
              "95% Wilson", "Nakamoto", "exact", "exact+cut");
  for (const auto& r : rows) {
    double_spend_params p;
    p.seed = seed + static_cast<std::uint64_t>(r.q * 1000) * 100 + r.z;
    p.q = r.q;
    p.z = r.z;
    p.trials = r.trials;
    p.give_up_deficit = give_up;
    auto x = run_double_spend(p);
    hash = combine(hash, x.trace_hash);
    double m = static_cast<double>(x.successes) / static_cast<double>(x.trials);
    auto w = wilson(x.successes, x.trials);
    double nak = nakamoto_success(r.q, r.z);
    double ex = exact_success(r.q, r.z);
    double cut = exact_success(r.q, r.z, give_up);
    std::printf("  %-4.2f %-3llu %8llu  %-10.7f %.7f-%.7f  %-10.7f %-10.7f %-10.7f%s\n", r.q,
                static_cast<unsigned long long>(r.z), static_cast<unsigned long long>(x.trials), m,
                w.lo, w.hi, nak, ex, cut,
                r.paper >= 0 && std::abs(r.paper - nak) > 1e-6 ? "  (paper table differs!)" : "");
    // Generous: the model the simulation implements (exact with the cut-off) within a widened
    // interval.
    double slack = 0.5 * (w.hi - w.lo) + 0.002;
    if (std::abs(m - cut) > 2 * slack) ok = false;
  }
  return ok ? 0 : 1;
}

// -- (c) selfish mining --------------------------------------------------------------------------

int cmd_selfish(const options& o, std::uint64_t& hash) {
  auto seed = o.u64("seed", 42);
  auto runs = o.u64("runs", o.quick ? 2 : 4);
  auto blocks = o.u64("blocks", o.quick ? 1500 : 3000);
  auto alphas = list_of(o.get("alpha", o.quick ? "0.25,0.4" : "0.1,0.25,0.33,0.4"));
  auto gammas = list_of(o.get("gamma", o.quick ? "0,1" : "0,0.5,1"));
  auto honest = o.u64("honest", 4);
  std::printf("(c) selfish mining: relative revenue of a pool with share alpha; %llu honest miners "
              "on a zero-delay complete graph; %llu runs x %llu blocks each\n",
              static_cast<unsigned long long>(honest), static_cast<unsigned long long>(runs),
              static_cast<unsigned long long>(blocks));
  std::printf("  %-5s %-5s %-18s %-12s %-10s\n", "alpha", "gamma", "measured (95%)", "Eyal-Sirer",
              "honest");
  bool ok = true;
  for (double a : alphas)
    for (double g : gammas) {
      network_params n;
      n.nodes = honest + 1;
      n.out_degree = n.nodes;
      n.latency_min_ms = n.latency_max_ms = 0;
      n.bandwidth_mbps = 0;
      n.validate_ms_per_mb = 0;
      n.block_bytes = 1000;
      n.shares.assign(honest + 1, (1 - a) / static_cast<double>(honest));
      n.shares[0] = a;
      std::vector<double> rev;
      for (std::uint64_t i = 0; i < runs; ++i) {
        run_params r;
        r.seed = seed + i + static_cast<std::uint64_t>(a * 1000) * 1000 +
                 static_cast<std::uint64_t>(g * 10);
        r.blocks = blocks;
        r.retarget_blocks = 1ull << 40; // work = length, as in the paper's model
        r.selfish = true;
        r.gamma = g;
        auto x = run_network(n, r);
        hash = combine(hash, x.trace_hash);
        rev.push_back(static_cast<double>(x.attacker_blocks) / static_cast<double>(x.main_blocks));
        if (std::getenv("MC_DEBUG"))
          std::printf("    run %llu: mined %llu main %llu attacker %llu stale %llu rejected %llu "
                      "reorgs %llu\n",
                      (unsigned long long)i, (unsigned long long)x.mined,
                      (unsigned long long)x.main_blocks, (unsigned long long)x.attacker_blocks,
                      (unsigned long long)x.stale, (unsigned long long)x.rejected,
                      (unsigned long long)x.reorgs);
      }
      auto s = summarise(rev);
      double es = selfish_revenue(a, g);
      std::printf("  %-5.2f %-5.2f %.4f +- %.4f   %-12.4f %-10.4f\n", a, g, s.mean, s.half95, es,
                  a);
      if (std::abs(s.mean - es) > std::max(3 * s.half95, 0.02)) ok = false;
    }
  return ok ? 0 : 1;
}

void usage() {
  std::puts(
      "bystack-mainchain-sim COMMAND [--flag value ...]\n"
      "  run            one network run: [--preset dw2013|gervais2016] [--nodes N] [--miners M]\n"
      "                 [--blocks B] [--interval-s T] [--block-bytes X] [--bandwidth-mbps W]\n"
      "                 [--retarget K] [--seed S]\n"
      "  stale          (a) stale rate vs Decker-Wattenhofer 2013, Gervais et al. 2016\n"
      "                 [--preset P] [--runs R] [--blocks B] [--seed S]\n"
      "  double-spend   (b) success vs Nakamoto 2008 section 11 [--q a,b] [--z 1,2,..]\n"
      "                 [--trials N] [--give-up D] [--seed S]\n"
      "  selfish        (c) revenue vs Eyal-Sirer 2014 [--alpha ..] [--gamma ..] [--runs R]\n"
      "                 [--blocks B] [--honest H] [--seed S]\n"
      "  compare        (a), (b) and (c) at their documented sizes\n"
      "  --quick        small sizes with bounds checked (exit status 1 when outside)");
}

} // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0); // progress visible when piped to a file
  options o;
  int i = 1;
  if (argc > 1 && argv[1][0] != '-') o.command = argv[i++];
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      o.quick = true;
    } else if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else if (a.rfind("--", 0) == 0 && i + 1 < argc) {
      o.flags[a.substr(2)] = argv[++i];
    } else {
      std::fprintf(stderr, "unknown or incomplete argument: %s\n", a.c_str());
      usage();
      return 2;
    }
  }
  auto seed = o.u64("seed", 42);
  o_slow_fraction = o.num("slow-fraction", o_slow_fraction);
  o_slow_factor = o.num("slow-factor", o_slow_factor);
  if (o.command == "run") return cmd_run(o);
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  auto t0 = std::chrono::steady_clock::now();
  std::uint64_t hash = 0xcbf29ce484222325ull;
  int rc = 0;
  if (o.command == "stale") {
    rc = cmd_stale(o, hash);
  } else if (o.command == "double-spend") {
    rc = cmd_double_spend(o, hash);
  } else if (o.command == "selfish") {
    rc = cmd_selfish(o, hash);
  } else if (o.command == "compare") {
    rc |= cmd_stale(o, hash);
    rc |= cmd_double_spend(o, hash);
    rc |= cmd_selfish(o, hash);
  } else {
    usage();
    return 2;
  }
  std::printf("verdict    %s\n", rc == 0 ? "within bounds" : "OUTSIDE bounds");
  std::printf("speed      %.1f wall s\n", wall_since(t0));
  std::printf("trace_hash %s\n", hex64(hash).c_str());
  return rc;
}
