/// bystack-sweep: runs the BBFT simulation over the number of super nodes M for a list of network
/// sizes N, writes one CSV row per (N, M, certificate scheme), and checks every point against the
/// closed forms of messages per round (docs/complexity.md).

#include "sim/scenario.hpp"
#include "sim/seed_flags.hpp"
#include "sim/seed_pool.hpp"
#include "sim/simulation.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace bystack;

const char* usage =
    "usage: bystack-sweep [--scenario FILE] [--nodes N,N,...] [--supers M,M,...|auto]\n"
    "                     [--max-supers M] [--certificates list,aggregate] [--rounds R]\n"
    "                     [--point-budget MESSAGES] [--jobs J] [--out FILE.csv] [--append]\n"
    "                     [--quick] [--light] [--txs-per-block T] [--bandwidth-mbps B]\n"
    "                     [--latency-ms L] [--tag NAME] [--vapor] [--per-view]\n"
    "                     [--allow-skipped-votes] [--relay full,compact,pipelined]\n"
    "Defaults: scenarios/study-default.yaml, N = 64,256,1024,4096,10000, M = auto (powers of two\n"
    "from 1 to N and five values around sqrt(N)), list certificates, 5 rounds, 2 jobs, CSV on\n"
    "stdout. A point whose closed-form messages times 2 rounds exceed --point-budget (default\n"
    "40,000,000) is skipped; R is lowered for big points so that R rounds fit in the budget.\n"
    "--quick: N = 16,64, 3 rounds (the CI smoke test). --light: 100 transactions per block.\n"
    "--vapor: also run Bytom Vapor's flat voting, N = 10 producers, all-to-all (M = N = 10).\n"
    "--allow-skipped-votes: accept rounds below the closed forms (a node that already holds the\n"
    "view's certificate when the proposal reaches it does not vote: uneven latencies), never "
    "above.\n"
    "--relay: run each point in each relay mode (docs/relay.md) and add the relay columns\n"
    "(bytes per node per second, gossip, fetches, block interval achieved) to the CSV.\n"
    "With `protocol: early_group_cert` in the scenario a round may exceed the closed forms by\n"
    "at most M(M-1) on the wire and M^2 in the paper's count (one early group certificate per\n"
    "pair of super nodes) and still passes.\n"
    "Exit status: 0 if every point completed and reproduced the closed forms exactly, 1 if not,\n"
    "2 on a usage or scenario error.\n";

/// One point of the sweep.
struct point {
  std::uint32_t n = 0;
  std::uint32_t m = 0;
  std::uint32_t rounds = 0;
  std::string certificates;
  std::string role;  ///< star (M = 1), flat (M = N), bbft, vapor
  std::string relay; ///< empty: the scenario's own
};

/// The outcome of one point, kept in sweep order for the CSV.
struct outcome {
  point p;
  bool ran = false;
  std::string error;
  sim::run_result r;
  bool wire_ok = false;
  bool paper_ok = false;
  bool below = false; ///< every view at or below both closed forms
  /// Messages a view may carry above the closed forms by design: with early group
  /// certificates (`protocol: early_group_cert`) each super node may send the other M - 1 one
  /// certificate more per view, M(M - 1) in all on the wire; the paper's count also has the
  /// leader's own group's, M^2.
  std::uint64_t extra_allowed = 0;
  std::uint64_t extra_allowed_paper = 0;
  bool within_extra = false; ///< every view at or below the closed forms + extra_allowed
};

template <class T> bool parse_number(const std::string& text, T& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && p == text.data() + text.size() && !text.empty();
}

template <class T> bool parse_list(const std::string& text, std::vector<T>& out) {
  out.clear();
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    T v{};
    if (!parse_number(item, v)) return false;
    out.push_back(v);
  }
  return !out.empty();
}

/// Picks M values for N: powers of two (the coarse shape), five values around sqrt(N) (where the
/// message law's O(N) region ends), and the two ends M = 1 and M = N.
std::vector<std::uint32_t> auto_supers(std::uint32_t n) {
  std::set<std::uint32_t> ms;
  for (std::uint64_t m = 1; m <= n; m *= 2)
    ms.insert(static_cast<std::uint32_t>(m));
  double r = std::sqrt(static_cast<double>(n));
  for (double f : {0.5, 0.71, 1.0, 1.41, 2.0}) {
    auto m = static_cast<std::uint32_t>(std::lround(r * f));
    if (m >= 1 && m <= n) ms.insert(m);
  }
  ms.insert(n);
  return {ms.begin(), ms.end()};
}

std::string fmt(double x, int prec) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, x);
  return buf;
}

std::uint64_t sum5(const sim::phase_counts& c) {
  return c[0] + c[1] + c[2] + c[3] + c[4];
}

/// Names the network model of a scenario for the CSV, e.g. "regions5/100Mbps".
std::string network_name(const sim::scenario& s) {
  const auto& l = s.network.latency;
  std::string lat;
  switch (l.model) {
  case sim::latency_model::kind::constant:
    lat = "const" + fmt(l.ms, 0) + "ms";
    break;
  case sim::latency_model::kind::uniform:
    lat = "uniform" + fmt(l.min_ms, 0) + "-" + fmt(l.max_ms, 0) + "ms";
    break;
  case sim::latency_model::kind::normal:
    lat = "normal" + fmt(l.mean_ms, 0) + "ms";
    break;
  case sim::latency_model::kind::regions:
    lat = "regions" + std::to_string(l.region_names.size());
    break;
  }
  std::string bw = fmt(s.network.bandwidth_mbps, 0) + "Mbps";
  if (s.network.super_bandwidth_mbps) bw += "-super" + fmt(*s.network.super_bandwidth_mbps, 0);
  return lat + "/" + bw;
}

const char* csv_header =
    "tag,network,txs_per_block,certificates,role,nodes,supers,rounds,rounds_measured,completed,"
    "messages_on_wire,messages_paper,closed_form_wire,closed_form_paper,closed_forms_ok,"
    "skipped_per_round,"
    "bytes_on_wire,busiest_msgs_in,busiest_msgs_out,busiest_bytes_in,busiest_bytes_out,"
    "certify_p50_ms,certify_p99_ms,certify_max_ms,commit_p50_ms,commit_p99_ms,commit_max_ms,"
    "sim_seconds,wall_seconds,views_timed_out,trace_hash\n";

const char* relay_columns =
    ",relay,bytes_out_per_node_s_mean,bytes_out_per_node_s_max,busiest_uplink_node,"
    "busiest_uplink_role,gossip_bytes_per_node_s,fetch_bytes_per_node_s,compact_rebuilt,"
    "rebuilt_without_round_trip,compact_fetches,compact_collisions,block_interval_ms,"
    "txs_per_block_committed,tx_per_s_committed";

/// The relay columns: uplink load per node and second over the whole run, and the interval
/// between the first commits of consecutive heights (the block rate the network sustained).
void write_relay(std::ostream& os, const outcome& o) {
  const auto& r = o.r;
  double secs = std::max(1e-9, r.sim_seconds);
  double sum = 0, mx = 0;
  std::size_t busiest = 0;
  for (std::size_t i = 0; i < r.loads.size(); ++i) {
    auto b = double(r.loads[i].bytes_out);
    sum += b;
    if (b > mx) {
      mx = b;
      busiest = i;
    }
  }
  auto n = double(std::max<std::size_t>(1, r.loads.size()));
  bool super =
      std::find(r.super_nodes.begin(), r.super_nodes.end(), busiest) != r.super_nodes.end();
  double interval = 0;
  if (r.commits.size() >= 2)
    interval = double(r.commits.back().first_us - r.commits.front().first_us) / 1000.0 /
               double(r.commits.size() - 1);
  double txs = 0;
  for (const auto& c : r.commits)
    txs += double(c.txs);
  double mean_txs = r.commits.empty() ? 0 : txs / double(r.commits.size());
  double tps = interval > 0 ? mean_txs * 1000.0 / interval : 0;
  auto share =
      r.compact_rebuilt == 0 ? 0.0 : double(r.compact_no_round_trip) / double(r.compact_rebuilt);
  os << "," << (o.p.relay.empty() ? "scenario" : o.p.relay) << "," << fmt(sum / n / secs, 0) << ","
     << fmt(mx / secs, 0) << "," << busiest << "," << (super ? "super" : "member") << ","
     << fmt(double(r.bytes_all[8]) / n / secs, 0) << ","
     << fmt(double(r.bytes_all[9]) / n / secs, 0) << "," << r.compact_rebuilt << ","
     << fmt(share, 4) << "," << r.compact_fetches << "," << r.compact_collisions << ","
     << fmt(interval, 1) << "," << fmt(mean_txs, 0) << "," << fmt(tps, 0);
}

void write_row(std::ostream& os, const std::string& tag, const std::string& net, std::uint32_t txs,
               const outcome& o) {
  const auto& r = o.r;
  auto v = r.views_measured;
  auto per = [&](std::uint64_t x) { return v == 0 ? 0.0 : double(x) / double(v); };
  auto busiest = [&](auto field) { return std::max(field(r.super_max), field(r.validator_max)); };
  os << tag << "," << net << "," << txs << "," << o.p.certificates << "," << o.p.role << ","
     << o.p.n << "," << o.p.m << "," << o.p.rounds << "," << v << "," << (r.completed ? 1 : 0)
     << "," << fmt(per(sum5(r.messages_measured)), 3) << "," << fmt(per(sum5(r.paper_measured)), 3)
     << "," << sim::closed_form_wire(o.p.n, o.p.m) << "," << sim::closed_form_paper(o.p.n, o.p.m)
     << "," << (o.wire_ok && o.paper_ok ? 1 : 0) << ","
     << fmt(double(sim::closed_form_wire(o.p.n, o.p.m)) - per(sum5(r.messages_measured)), 3) << ","
     << fmt(per(sum5(r.bytes_measured)), 1) << ","
     << busiest([](const sim::node_load& l) { return l.msgs_in; }) << ","
     << busiest([](const sim::node_load& l) { return l.msgs_out; }) << ","
     << busiest([](const sim::node_load& l) { return l.bytes_in; }) << ","
     << busiest([](const sim::node_load& l) { return l.bytes_out; }) << ","
     << fmt(r.certify_latency.p50_ms, 3) << "," << fmt(r.certify_latency.p99_ms, 3) << ","
     << fmt(r.certify_latency.max_ms, 3) << "," << fmt(r.commit_latency.p50_ms, 3) << ","
     << fmt(r.commit_latency.p99_ms, 3) << "," << fmt(r.commit_latency.max_ms, 3) << ","
     << fmt(r.sim_seconds, 3) << "," << fmt(r.wall_seconds, 3) << "," << r.views_timed_out << ","
     << r.trace_hash;
  if (!o.p.relay.empty()) write_relay(os, o);
  os << "\n";
}

/// Checks every measured view (not only their mean) against both closed forms.
void check_closed_forms(outcome& o) {
  const auto& r = o.r;
  auto wire = sim::closed_form_wire(o.p.n, o.p.m);
  auto paper = sim::closed_form_paper(o.p.n, o.p.m);
  o.wire_ok = r.views_measured > 0;
  o.paper_ok = r.views_measured > 0;
  o.below = r.views_measured > 0;
  o.within_extra = o.extra_allowed > 0 && r.views_measured > 0;
  for (std::size_t v = 0; v < r.messages_per_view.size(); ++v) {
    auto w = sum5(r.messages_per_view[v]);
    auto p = sum5(r.paper_messages_per_view[v]);
    o.wire_ok = o.wire_ok && w == wire;
    o.paper_ok = o.paper_ok && p == paper;
    o.below = o.below && w <= wire && p <= paper;
    o.within_extra =
        o.within_extra && w <= wire + o.extra_allowed && p <= paper + o.extra_allowed_paper;
  }
}

} // namespace

int main(int argc, char** argv) {
  std::string scenario_file = "scenarios/study-default.yaml";
  std::vector<std::uint32_t> nodes = {64, 256, 1024, 4096, 10000};
  std::optional<std::vector<std::uint32_t>> supers;
  std::optional<std::uint32_t> max_supers;
  std::vector<std::string> schemes = {"list"};
  std::uint32_t rounds = 5;
  std::uint64_t point_budget = 40'000'000;
  unsigned jobs = 2;
  std::optional<std::string> out_file;
  bool append = false, quick = false, light = false, vapor = false, per_view = false;
  bool allow_skipped = false;
  std::optional<std::uint32_t> txs_per_block;
  std::optional<double> bandwidth, latency_ms;
  std::string tag = "default";
  std::vector<std::string> relays = {""};

  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "bystack-sweep: " << flag << " needs a value\n" << usage;
        std::exit(2);
      }
      return argv[++i];
    };
    auto bad = [&](const std::string& v) {
      std::cerr << "bystack-sweep: " << flag << ": '" << v << "' is not valid\n";
      std::exit(2);
    };
    if (auto j = sim::read_jobs_flag(argc, argv, i, jobs); !j) {
      std::cerr << "bystack-sweep: " << j.err().message << "\n";
      return 2;
    } else if (*j) {
      continue;
    }
    if (flag == "--help" || flag == "-h") {
      std::cout << usage;
      return 0;
    } else if (flag == "--scenario")
      scenario_file = value();
    else if (flag == "--nodes") {
      auto v = value();
      if (!parse_list(v, nodes)) bad(v);
    } else if (flag == "--supers") {
      auto v = value();
      if (v != "auto") {
        supers.emplace();
        if (!parse_list(v, *supers)) bad(v);
      }
    } else if (flag == "--max-supers") {
      auto v = value();
      max_supers.emplace();
      if (!parse_number(v, *max_supers)) bad(v);
    } else if (flag == "--certificates") {
      auto v = value();
      schemes.clear();
      std::stringstream ss(v);
      std::string item;
      while (std::getline(ss, item, ','))
        if (item == "list" || item == "aggregate")
          schemes.push_back(item);
        else
          bad(v);
    } else if (flag == "--rounds") {
      auto v = value();
      if (!parse_number(v, rounds) || rounds < 2) bad(v);
    } else if (flag == "--point-budget") {
      auto v = value();
      if (!parse_number(v, point_budget)) bad(v);
    } else if (flag == "--out")
      out_file = value();
    else if (flag == "--append")
      append = true;
    else if (flag == "--quick")
      quick = true;
    else if (flag == "--light")
      light = true;
    else if (flag == "--vapor")
      vapor = true;
    else if (flag == "--per-view")
      per_view = true;
    else if (flag == "--allow-skipped-votes")
      allow_skipped = true;
    else if (flag == "--txs-per-block") {
      auto v = value();
      txs_per_block.emplace();
      if (!parse_number(v, *txs_per_block)) bad(v);
    } else if (flag == "--bandwidth-mbps") {
      auto v = value();
      double b = std::strtod(v.c_str(), nullptr);
      if (!(b > 0)) bad(v);
      bandwidth = b;
    } else if (flag == "--latency-ms") {
      auto v = value();
      double l = std::strtod(v.c_str(), nullptr);
      if (!(l >= 0)) bad(v);
      latency_ms = l;
    } else if (flag == "--relay") {
      auto v = value();
      relays.clear();
      std::stringstream ss(v);
      std::string item;
      while (std::getline(ss, item, ','))
        if (item == "full" || item == "compact" || item == "pipelined")
          relays.push_back(item);
        else
          bad(v);
      if (relays.empty()) bad(v);
    } else if (flag == "--tag")
      tag = value();
    else {
      std::cerr << "bystack-sweep: unknown flag '" << flag << "'\n" << usage;
      return 2;
    }
  }
  if (quick) {
    nodes = {16, 64};
    rounds = 3;
  }

  auto loaded = sim::load_scenario(scenario_file);
  if (!loaded) {
    std::cerr << "bystack-sweep: " << loaded.err().message << "\n";
    return 2;
  }
  sim::scenario base = std::move(*loaded);
  if (light) base.protocol.synthetic_txs_per_block = 100;
  if (txs_per_block) base.protocol.synthetic_txs_per_block = *txs_per_block;
  if (bandwidth) {
    base.network.bandwidth_mbps = *bandwidth;
    base.network.super_bandwidth_mbps.reset();
  }
  if (latency_ms) {
    base.network.latency = sim::latency_model{};
    base.network.latency.model = sim::latency_model::kind::constant;
    base.network.latency.ms = *latency_ms;
  }
  // Per-point groups are even splits; a file's explicit groups or region assignment fit one N only.
  base.group_sizes.clear();
  base.network.latency.region_of.clear();
  const auto net = network_name(base);
  const auto txs = base.protocol.synthetic_txs_per_block;

  // The points, biggest first within each N so that the long ones start early on both workers.
  std::vector<point> points;
  std::vector<std::string> skipped;
  auto add = [&](std::uint32_t n, std::uint32_t m, const std::string& role_hint) {
    for (const auto& scheme : schemes)
      for (const auto& relay : relays) {
        point p{n, m, rounds, scheme, role_hint, relay};
        if (p.role.empty()) p.role = m == 1 ? "star" : m == n ? "flat" : "bbft";
        auto per_round = sim::closed_form_wire(n, m);
        if (per_round * 2 > point_budget) {
          skipped.push_back("N=" + std::to_string(n) + " M=" + std::to_string(m) + " " + scheme +
                            " (" + std::to_string(per_round) + " messages per round)");
          continue;
        }
        p.rounds = static_cast<std::uint32_t>(
            std::clamp<std::uint64_t>(point_budget / per_round, 2, rounds));
        points.push_back(p);
      }
  };
  if (vapor) add(10, 10, "vapor");
  for (auto n : nodes) {
    auto ms = supers ? *supers : auto_supers(n);
    for (auto m : ms) {
      if (m == 0 || m > n) continue;
      if (max_supers && m > *max_supers && m != 1) continue;
      add(n, m, "");
    }
  }
  for (const auto& s : skipped)
    std::cerr << "skipped (over --point-budget): " << s << "\n";

  std::vector<outcome> outcomes(points.size());
  std::atomic<std::size_t> done{0};
  std::mutex log;
  // The points run largest first (by the closed form's messages times rounds), so that the
  // largest, which come last in sweep order, do not run alone on one thread at the end while
  // the others have nothing left; the CSV keeps sweep order. At N = 1,024 in
  // scenarios/study-law.yaml the M = N point is 7 of the 10 s the points take together.
  std::vector<std::size_t> order(points.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto cost = [&](std::size_t i) {
    return sim::closed_form_wire(points[i].n, points[i].m) * points[i].rounds;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return cost(a) > cost(b); });
  sim::for_each_seed(0, points.size(), jobs, [&](std::uint64_t rank) {
    auto i = order[rank];
    auto& o = outcomes[i];
    o.p = points[i];
    auto s = base;
    s.nodes = o.p.n;
    s.supers = o.p.m;
    s.rounds = o.p.rounds;
    s.certificates = o.p.certificates;
    if (s.protocol.early_group_cert_share > 0) {
      o.extra_allowed = std::uint64_t{o.p.m} * (o.p.m - 1);
      o.extra_allowed_paper = std::uint64_t{o.p.m} * o.p.m;
    }
    if (o.p.relay == "full") s.protocol.relay = bbft::relay_mode::full;
    if (o.p.relay == "pipelined") s.protocol.relay = bbft::relay_mode::pipelined;
    if (o.p.relay == "compact") {
      s.protocol.relay = bbft::relay_mode::compact;
      if (s.protocol.gossip_client_tps == 0 && s.protocol.block_interval_us > 0)
        s.protocol.gossip_client_tps =
            static_cast<std::uint32_t>(double(s.protocol.synthetic_txs_per_block) * 1e6 /
                                       double(s.protocol.block_interval_us));
    }
    auto label = "N=" + std::to_string(o.p.n) + " M=" + std::to_string(o.p.m) + " " +
                 o.p.certificates + (o.p.relay.empty() ? "" : " " + o.p.relay);
    auto r = sim::run(s, [&](double sim_s, std::uint64_t height, std::uint64_t delivered) {
      std::lock_guard<std::mutex> g(log);
      std::cerr << "  " << label << ": " << fmt(sim_s, 1) << " simulated s, height " << height
                << "/" << s.rounds << ", " << delivered << " messages" << std::endl;
    });
    if (!r) {
      o.error = r.err().message;
    } else {
      o.ran = true;
      o.r = std::move(*r);
      check_closed_forms(o);
    }
    auto k = ++done;
    std::lock_guard<std::mutex> g(log);
    std::cerr << "[" << k << "/" << points.size() << "] " << label << ": ";
    if (!o.ran) {
      std::cerr << "ERROR " << o.error << std::endl;
      return;
    }
    std::cerr << (o.r.completed ? "" : "INCOMPLETE, ") << "commit p50 "
              << fmt(o.r.commit_latency.p50_ms, 1) << " ms, "
              << fmt(double(sum5(o.r.messages_measured)) /
                         double(std::max<std::uint64_t>(1, o.r.views_measured)),
                     1)
              << " msgs/round (closed form " << sim::closed_form_wire(o.p.n, o.p.m) << ": "
              << (o.wire_ok && o.paper_ok ? "exact"
                  : o.below               ? "below: skipped votes"
                  : o.within_extra        ? "above by at most M(M-1): early group certificates"
                                          : "MISMATCH")
              << "), " << fmt(o.r.wall_seconds, 1) << " wall s" << std::endl;
    for (const auto& line : o.r.stalled)
      std::cerr << "  stalled: " << line << std::endl;
    if (per_view && !(o.wire_ok && o.paper_ok))
      for (std::size_t v = 0; v < o.r.messages_per_view.size(); ++v) {
        std::cerr << "    view " << v + 1 << ":";
        for (auto c : o.r.messages_per_view[v])
          std::cerr << " " << c;
        std::cerr << "\n";
      }
  });

  std::ofstream file;
  if (out_file) {
    bool fresh = !append || !std::ifstream(*out_file).good();
    file.open(*out_file, append ? std::ios::app : std::ios::trunc);
    if (!file) {
      std::cerr << "bystack-sweep: cannot write " << *out_file << "\n";
      return 2;
    }
    if (fresh) {
      std::string h = csv_header;
      if (relays.front() != "") h.insert(h.size() - 1, relay_columns);
      file << h;
    }
  } else {
    std::string h = csv_header;
    if (relays.front() != "") h.insert(h.size() - 1, relay_columns);
    std::cout << h;
  }
  std::ostream& os = out_file ? static_cast<std::ostream&>(file) : std::cout;
  std::size_t failed = 0, exact = 0, below = 0, early = 0;
  for (const auto& o : outcomes) {
    if (!o.ran) {
      ++failed;
      continue;
    }
    write_row(os, tag, net, txs, o);
    bool is_exact = o.wire_ok && o.paper_ok;
    bool law = is_exact || (allow_skipped && o.below) || o.within_extra;
    if (!o.r.completed || !law || o.r.safety_violations > 0) ++failed;
    if (o.r.completed && is_exact) ++exact;
    if (o.r.completed && !is_exact && o.below) ++below;
    if (o.r.completed && !is_exact && !o.below && o.within_extra) ++early;
  }
  os.flush();
  std::cerr << "bystack-sweep: " << outcomes.size() << " points: " << exact
            << " completed and reproduced M^2+3N-3M-1 (wire) and M^2+3N-2M (paper) exactly in "
               "every round, "
            << below << " completed below them (skipped votes"
            << (allow_skipped ? ", accepted by --allow-skipped-votes)" : ")") << ", " << early
            << " completed above them by at most the M(M-1) early group certificates their "
               "scenario enables, "
            << failed << " failed (error, incomplete, mismatch or safety)\n";
  return failed == 0 ? 0 : 1;
}
