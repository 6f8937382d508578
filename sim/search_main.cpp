/// bystack-fault-search: runs random fault schedules within the fault budget, one per seed, with
/// the safety and liveness checkers on, and prints for every failing seed the command that
/// reproduces it. A liveness failure of a schedule that leaves no honest, working super node
/// (outside_model) is reported apart and never fails the run, not even with --strict.
///
///   bystack-fault-search [--from A] [--count K] [--jobs J] [--strict] [--ledger]
///   bystack-fault-search --seed S [--print-scenario]
///   bystack-fault-search --dpos [--from A] [--count K] [--jobs J] [--strict]
///   bystack-fault-search --dpos --seed S [--print-scenario]
///
/// --dpos draws DPoS worlds whose votes change the consensus set while faults are active
/// (sim/dpos_search.hpp) and runs them on bystack-dpos-sim's engine.

#include "sim/dpos_search.hpp"
#include "sim/fault_search.hpp"
#include "sim/report.hpp"
#include "sim/seed_flags.hpp"
#include "sim/seed_pool.hpp"

#include <iostream>

namespace {

using namespace bystack::sim;

/// One line per failing seed, counts at the end; the exit code as in the default search.
int dpos_search(std::uint64_t from, std::uint64_t count, unsigned jobs, bool strict, bool single,
                bool print) {
  if (single) {
    auto c = draw_dpos_scenario(from);
    if (print) std::cout << to_yaml(c);
    std::cout << "seed " << from << " (dpos)" << std::endl;
    auto r = run_dpos(c);
    print_dpos(r, std::cout);
    return r.safety_violations == 0 && r.reward_violation.empty() && (!strict || r.completed) ? 0
                                                                                              : 1;
  }
  std::cout << "dpos fault search over seeds " << from << ".." << from + count - 1 << " on " << jobs
            << " threads" << std::endl;
  search_counts n;
  std::uint64_t rewards = 0, boundaries = 0, changed = 0, faults = 0, equivocations = 0;
  auto draw = [](std::uint64_t seed) { return draw_dpos_scenario(seed); };
  auto run_one = [](const auto& c) { return run_dpos(c); };
  auto report = [&](std::uint64_t seed, const auto& c, const auto& r) {
    // Boundaries crossed (epochs >= 2 use elected sets) and members replaced in them.
    for (const auto& e : r.epochs)
      if (e.epoch >= 2 && (e.epoch - 1) * c.epoch_blocks < r.committed) {
        ++boundaries;
        changed += e.changed;
      }
    faults += c.faults.size();
    equivocations += r.equivocations;
    const char* what = nullptr;
    std::string detail;
    if (r.safety_violations > 0) {
      ++n.safety;
      what = "SAFETY VIOLATION";
      detail = std::to_string(r.safety_violations) + " conflicting commits";
    } else if (!r.reward_violation.empty()) {
      ++rewards;
      what = "REWARD VIOLATION";
      detail = r.reward_violation;
    } else if (!r.completed) {
      ++n.liveness;
      what = "liveness";
      detail = "live members of the last epoch reached height " + std::to_string(r.committed) +
               " of " + std::to_string(c.epochs * c.epoch_blocks) + " in " +
               std::to_string(static_cast<int>(c.max_sim_seconds)) +
               " simulated s (highest commit " + std::to_string(r.top) + "; short of it:";
      for (auto m : r.lagging)
        detail += " " + std::to_string(m);
      detail += ")";
    }
    if (what)
      std::cout << "seed " << seed << ": " << what << ": " << detail
                << "\n  reproduce: build/sim/bystack-fault-search --dpos --seed " << seed
                << " --print-scenario\n";
  };
  double secs = report_each_seed(from, count, jobs, 500, draw, run_one, report);
  std::cout << count << " runs in " << secs << " s: " << n.safety << " safety violations, "
            << rewards << " reward conservation violations, " << n.liveness
            << " liveness failures; " << boundaries << " epoch boundaries crossed with " << changed
            << " members replaced, " << faults << " faults scheduled, " << equivocations
            << " equivocating proposals\n";
  return search_verdict(std::cout, "fault-search", count, n.failed(strict) + rewards);
}

} // namespace

int main(int argc, char** argv) {
  seed_range range{1, 100, 2};
  bool strict = false, print = false, single = false, ledger = false, dpos = false;
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    auto ranged = read_seed_range_flag(argc, argv, i, range);
    if (!ranged) {
      std::cerr << ranged.err().message << "\n";
      return 2;
    }
    if (*ranged) continue;
    if (f == "--seed") {
      if (auto n = read_flag_number(argc, argv, i, range.from); !n) {
        std::cerr << n.err().message << "\n";
        return 2;
      }
      range.count = 1;
      single = true;
    } else if (f == "--strict")
      strict = true;
    else if (f == "--print-scenario")
      print = true;
    else if (f == "--ledger")
      ledger = true;
    else if (f == "--dpos")
      dpos = true;
    else {
      std::cerr << "usage: bystack-fault-search [--from A] [--count K] [--jobs J] [--strict] "
                   "[--ledger|--dpos]\n"
                   "       bystack-fault-search --seed S [--print-scenario] [--ledger|--dpos]\n";
      return 2;
    }
  }
  const auto from = range.from, count = range.count;
  const auto jobs = range.jobs;
  if (dpos) return dpos_search(from, count, jobs, strict, single, print);
  search_options opt;
  opt.ledger = ledger;
  if (single) {
    auto s = draw_scenario(from, opt);
    if (print) std::cout << to_yaml(s);
    std::cout << "seed " << from << std::endl;
    auto r = run(s);
    if (!r) {
      std::cerr << r.err().message << "\n";
      return 2;
    }
    print_summary(std::cout, s, *r);
    if (auto why = outside_model(s); !why.empty())
      std::cout << "model      outside: " << why << " (liveness not promised)\n";
    std::cout << "trace_hash " << r->trace_hash << "\n";
    return r->safety_violations == 0 && r->ledger.ok() && (!strict || r->liveness_ok) ? 0 : 1;
  }
  std::cout << "fault search over seeds " << from << ".." << from + count - 1 << " on " << jobs
            << " threads" << std::endl;
  search_counts n;
  std::uint64_t outside = 0;
  auto draw = [&opt](std::uint64_t seed) { return draw_scenario(seed, opt); };
  auto run_one = [](const scenario& s) { return run(s); };
  auto report = [&](std::uint64_t seed, const scenario& s, const auto& r) {
    if (!r) {
      ++n.errors;
      std::cout << "seed " << seed << ": ERROR " << r.err().message << "\n";
    } else if (r->safety_violations > 0) {
      ++n.safety;
      std::cout << "seed " << seed << ": SAFETY VIOLATION: " << r->first_safety_violation
                << "\n  reproduce: build/sim/bystack-fault-search --seed " << seed
                << (ledger ? " --ledger" : "") << " --print-scenario\n";
    } else if (!r->ledger.ok()) {
      ++n.safety;
      std::cout << "seed " << seed << ": LEDGER VIOLATION: "
                << (r->ledger.state_mismatches ? r->ledger.first_mismatch
                                               : r->ledger.first_supply_violation)
                << "\n  reproduce: build/sim/bystack-fault-search --seed " << seed
                << " --ledger --print-scenario\n";
    } else if (auto why = outside_model(s); !r->liveness_ok && !why.empty()) {
      ++outside;
      std::cout << "seed " << seed << ": liveness, outside the model: " << why << "\n";
    } else if (!r->liveness_ok) {
      ++n.liveness;
      std::cout << "seed " << seed << ": liveness: " << r->liveness_detail
                << "\n  reproduce: build/sim/bystack-fault-search --seed " << seed
                << (ledger ? " --ledger" : "") << " --print-scenario\n";
    }
  };
  double secs = report_each_seed(from, count, jobs, 500, draw, run_one, report);
  double minutes = secs / 60.0;
  std::cout << count << " runs in " << minutes * 60 << " s (" << static_cast<long>(count / minutes)
            << " runs per minute): " << n;
  if (outside > 0)
    std::cout << " (and " << outside
              << " liveness failures outside the model: no honest, working super node)";
  std::cout << "\n";
  return search_verdict(std::cout, "fault-search", count, n.failed(strict));
}
