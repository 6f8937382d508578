/// bystack-twins: Twins-style scenario generation. Each seed draws a small network (N = 4 or 7)
/// with twinned or colluding nodes and a partition per view over a few views, and runs it with
/// the safety checker on; once every partition is over, honest nodes must complete the run
/// (liveness within the model). For a failing seed it prints the command that reproduces it;
/// --shrink reduces the seed's scenario to a minimal one and prints it as a scenario file.
///
///   bystack-twins [--from A] [--count K] [--jobs J] [--nodes N] [--beyond] [--views V]
///                 [--rounds R] [--strict] [--expect-violation]
///   bystack-twins --seed S [--nodes N] [--beyond] [--views V] [--rounds R] [--print-scenario]
///                 [--shrink [--out FILE]]

#include "sim/adversary.hpp"
#include "sim/fault_search.hpp"
#include "sim/report.hpp"
#include "sim/seed_flags.hpp"
#include "sim/seed_pool.hpp"

#include <chrono>
#include <fstream>
#include <iostream>

namespace {

using namespace bystack::sim;

/// Runs a scenario the way bystack-sim would read it back: through its YAML text.
bystack::result<run_result> run_as_file(const scenario& s) {
  auto parsed = parse_scenario(to_yaml(s), s.name + ".yaml");
  if (!parsed) return parsed.err();
  return run(*parsed);
}

bool violates(const scenario& s) {
  auto r = run_as_file(s);
  return r && r->safety_violations > 0;
}

} // namespace

int main(int argc, char** argv) {
  seed_range range;
  bool strict = false, print = false, single = false, shrink = false, expect = false;
  std::string out_file;
  twins_options opt;
  std::string flags; // repeated in reproduction commands
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    auto num = [&](auto& out) {
      auto text = read_flag_number(argc, argv, i, out);
      if (!text) {
        std::cerr << text.err().message << "\n";
        std::exit(2);
      }
      return *text;
    };
    auto ranged = read_seed_range_flag(argc, argv, i, range);
    if (!ranged) {
      std::cerr << ranged.err().message << "\n";
      return 2;
    }
    if (*ranged) continue;
    if (f == "--seed") {
      num(range.from);
      range.count = 1;
      single = true;
    } else if (f == "--nodes")
      flags += " --nodes " + num(opt.nodes);
    else if (f == "--views")
      flags += " --views " + num(opt.views);
    else if (f == "--rounds")
      flags += " --rounds " + num(opt.rounds);
    else if (f == "--beyond") {
      opt.beyond = true;
      flags += " --beyond";
    } else if (f == "--strict")
      strict = true;
    else if (f == "--expect-violation")
      expect = true;
    else if (f == "--print-scenario")
      print = true;
    else if (f == "--shrink")
      shrink = true;
    else if (f == "--out" && i + 1 < argc)
      out_file = argv[++i];
    else {
      std::cerr << "usage: bystack-twins [--from A] [--count K] [--jobs J] [--nodes N] [--beyond]"
                   " [--views V] [--rounds R] [--strict] [--expect-violation]\n"
                   "       bystack-twins --seed S [--nodes N] [--beyond] [--views V] [--rounds R]"
                   " [--print-scenario] [--shrink [--out FILE]]\n";
      return 2;
    }
  }
  const auto from = range.from, count = range.count;
  const auto jobs = range.jobs;
  if (opt.views == 0 || opt.rounds == 0 || (opt.nodes != 0 && opt.nodes < 2)) {
    std::cerr << "--views and --rounds must be positive, --nodes at least 2\n";
    return 2;
  }

  if (single) {
    auto s = draw_twins_scenario(from, opt);
    std::cout << "seed " << from << std::endl;
    if (shrink) {
      if (!violates(s)) {
        std::cout << "no safety violation to shrink\n";
        return 0;
      }
      std::uint64_t runs = 0;
      auto t0 = std::chrono::steady_clock::now();
      s = shrink_scenario(s, violates, runs);
      auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      s.name = "twins-shrunk-" + std::to_string(from);
      std::cout << "shrunk in " << runs << " runs (" << secs << " s)\n";
      if (!out_file.empty()) {
        std::ofstream o(out_file);
        o << to_yaml(s);
        if (!o) {
          std::cerr << out_file << ": cannot write\n";
          return 2;
        }
        std::cout << "wrote " << out_file << "\n";
      }
      print = true;
    }
    if (print) std::cout << to_yaml(s);
    auto r = run_as_file(s);
    if (!r) {
      std::cerr << r.err().message << "\n";
      return 2;
    }
    print_summary(std::cout, s, *r);
    std::cout << "trace_hash " << r->trace_hash << "\n";
    bool live = r->completed || !twins_heal(s);
    return r->safety_violations == 0 && (!strict || live) ? 0 : 1;
  }

  std::cout << "twins search over seeds " << from << ".." << from + count - 1 << " on " << jobs
            << " threads" << (opt.beyond ? ", f + 1 Byzantine nodes" : ", 1..f Byzantine nodes")
            << std::endl;
  search_counts n;
  auto draw = [&opt](std::uint64_t seed) { return draw_twins_scenario(seed, opt); };
  auto run_one = [](const scenario& s) { return run(s); };
  auto report = [&](std::uint64_t seed, const scenario& s, const auto& r) {
    if (!r) {
      ++n.errors;
      std::cout << "seed " << seed << ": ERROR " << r.err().message << "\n";
    } else if (r->safety_violations > 0) {
      ++n.safety;
      std::cout << "seed " << seed << ": SAFETY VIOLATION: " << r->first_safety_violation
                << "\n  reproduce: build/sim/bystack-twins --seed " << seed << flags
                << " --shrink\n";
    } else if (!r->completed && twins_heal(s)) {
      ++n.liveness;
      std::cout << "seed " << seed << ": liveness: committed " << r->committed_min_height << " of "
                << r->rounds << " in " << r->sim_seconds << " simulated s"
                << "\n  reproduce: build/sim/bystack-twins --seed " << seed << flags
                << " --print-scenario\n";
    }
  };
  double secs = report_each_seed(from, count, jobs, 10000, draw, run_one, report);
  std::cout << count << " runs in " << secs << " s (" << static_cast<long>(count / secs)
            << " runs per second): " << n << "\n";
  if (expect) {
    // The checker is proven when a search beyond the fault budget does find a violation.
    std::cout << "twins: " << (n.safety > 0 ? "found" : "did not find")
              << " the expected safety violation\n";
    return n.safety > 0 && n.errors == 0 ? 0 : 1;
  }
  return search_verdict(std::cout, "twins", count, n.failed(strict));
}
