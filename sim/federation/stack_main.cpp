/// bystack-stack-sim: the whole system in one run (sim/federation/stack_sim.hpp): a bystack-sim
/// scenario with a `federation:` section. Prints the seed first, the peg's latencies,
/// throughput and the supply checker's verdict, and the trace hash last. Exit status 1 when the
/// supply checker or the ledger checker reports a violation, or with --expect-complete when a
/// pegin or a pegout did not complete.

#include "runtime/crypto/modelled.hpp"
#include "sim/federation/federation_sim.hpp"
#include "sim/federation/stack_search.hpp"
#include "sim/federation/stack_sim.hpp"
#include "sim/scenario_flags.hpp"
#include "sim/seed_flags.hpp"
#include "sim/seed_pool.hpp"
#include "sim/simulation.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace {

const char* usage =
    "usage: bystack-stack-sim SCENARIO.yaml [--nodes N] [--supers M] [--rounds R] [--seed S]\n"
    "                   [--crypto modelled|ed25519] [--certificates list|aggregate]\n"
    "                   [--expect-complete] [--expect-violation]\n"
    "       bystack-stack-sim SCENARIO.yaml --search [--from A] [--count K] [--jobs J]\n"
    "                   [--beyond-model]   (seeded fault combinations on both chains)\n"
    "       bystack-stack-sim SCENARIO.yaml --case S [--beyond-model]   (one drawn case)\n"
    "The scenario is a bystack-sim scenario with a ledger: section and a federation: section\n"
    "(docs/federation.md, \"The whole system in bystack-sim\").\n";

/// The faults' lines: what each enabled fault did and whether its expected outcome happened.
void print_faults(const bystack::sim::federation::stack_params& p,
                  const bystack::sim::federation::stack_report& f) {
  auto u = [](std::uint64_t x) { return static_cast<unsigned long long>(x); };
  if (p.lying_collector)
    std::printf("lying collector: %llu forged claims with a tenfold amount, %llu of a transaction "
                "in no mainchain block, %llu committed\n",
                u(f.forged_wrong_amount), u(f.forged_not_mined), u(f.forged_committed));
  if (p.double_claim)
    std::printf("double claim: %llu second claims sent, %llu committed (won a race, the first "
                "refused), %llu claims for %llu distinct mainchain outputs\n",
                u(f.second_claims), u(f.second_claims_committed), u(f.claims),
                u(f.claimed_outputs));
  if (!f.refusals.empty()) std::printf("refused by the sidechain rules: %s\n", f.refusals.c_str());
  if (p.byzantine_members > 0)
    std::printf("byzantine members: %zu, %llu theft shares sent to honest members, %llu shares "
                "refused, %llu thefts submitted with their signatures, %llu mined\n",
                p.byzantine_members, u(f.theft_shares), u(f.shares_refused), u(f.thefts_submitted),
                u(f.thefts_mined));
  if (p.members_return_at_s >= 0 && p.offline_members > 0)
    std::printf("offline members return at %.0f s: %llu releases before, %llu at the end\n",
                p.members_return_at_s, u(f.releases_before_return), u(f.releases));
  if (p.reorg_depth > 0)
    std::printf("reorganisation at depth %llu (confirmations %llu): %llu reorganisations, %llu "
                "pegin removed\n",
                u(p.reorg_depth), u(p.confirmations), u(f.reorgs), u(f.pegins_removed));
  if (f.releases_removed > 0 || p.reorg_after_release)
    std::printf("releases removed by the reorganisation %llu, replaced %llu; on the final "
                "mainchain %llu pegouts released once, %llu twice\n",
                u(f.releases_removed), u(f.releases_replaced), u(f.released_once),
                u(f.released_twice));
  for (const auto& why : f.fault_failures)
    std::printf("FAULT OUTCOME NOT MET: %s\n", why.c_str());
}

/// bystack-stack-sim --search: the drawn cases of seeds from..from+count-1 on `jobs` threads.
int run_search(const bystack::sim::scenario& base, const bystack::sim::federation::stack_params& bp,
               const std::string& file, std::uint64_t from, std::uint64_t count, unsigned jobs,
               bool beyond, const bystack::crypto::signature_scheme& scheme) {
  using namespace bystack::sim::federation;
  std::printf("stack fault search over seeds %llu..%llu on %u threads%s\n",
              static_cast<unsigned long long>(from),
              static_cast<unsigned long long>(from + count - 1), jobs,
              beyond ? " (with reorganisations beyond the confirmations)" : "");
  std::fflush(stdout);
  std::mutex out;
  std::uint64_t supply = 0, faults = 0, safety = 0, errors = 0, incomplete = 0, outside = 0,
                forged = 0, seconds_claims = 0, thefts = 0, reorgs = 0, offline = 0, byz = 0,
                crashes = 0, sc_faults = 0, done = 0, waiting = 0, resent = 0;
  auto secs = bystack::sim::for_each_seed(from, count, jobs, [&](std::uint64_t seed) {
    auto c = draw_stack_case(base, bp, seed, beyond);
    auto r = run_stack_case(c, scheme);
    std::lock_guard<std::mutex> lock(out);
    auto repro = "  reproduce: build/sim/federation/bystack-stack-sim " + file + " --case " +
                 std::to_string(seed) + (beyond ? " --beyond-model" : "") + "\n";
    auto say = [&](const std::string& what) {
      std::printf("seed %llu: %s\n  faults: %s\n%s", static_cast<unsigned long long>(seed),
                  what.c_str(), c.faults.c_str(), repro.c_str());
    };
    ++done;
    if (!r.error.empty()) {
      ++errors;
      say("ERROR " + r.error);
      return;
    }
    const auto& f = r.r;
    forged += f.forged_wrong_amount + f.forged_not_mined;
    seconds_claims += f.second_claims;
    thefts += f.thefts_submitted;
    reorgs += f.reorgs;
    offline += c.p.offline_members;
    byz += c.p.byzantine_members;
    crashes += f.collector_restarts;
    resent += f.resent;
    sc_faults += c.s.faults.size();
    std::string in_model = c.outside.empty() ? "" : " (outside the model: " + c.outside + ")";
    if (!f.supply_ok) {
      ++supply;
      say("SUPPLY VIOLATION" + in_model + ": " + f.supply_discrepancy);
    } else if (!f.fault_failures.empty()) {
      ++faults;
      std::string all;
      for (const auto& why : f.fault_failures)
        all += (all.empty() ? "" : "; ") + why;
      say("FAULT OUTCOME NOT MET: " + all);
    } else if (r.safety_violations > 0 || !r.ledger_ok) {
      ++safety;
      say(r.safety_violations > 0 ? "SAFETY VIOLATION on the sidechain"
                                  : "LEDGER VIOLATION: " + r.ledger_detail);
    } else if (r.waiting) {
      ++waiting; // releases waited as the model allows: passed, not reported
    } else if (!r.complete) {
      auto what = "pegins " + std::to_string(f.pegins) + " (removed " +
                  std::to_string(f.pegins_removed) + "), claimed " +
                  std::to_string(f.pegin_s.size()) + ", pegouts " + std::to_string(f.pegouts) +
                  ", releases " + std::to_string(f.releases) + ", pending " +
                  std::to_string(f.pending_pegouts) + ", records " + std::to_string(f.records);
      for (const auto& s : f.stuck)
        what += "\n  stuck: " + s;
      if (!c.outside.empty()) {
        ++outside;
        say("incomplete, outside the model: " + c.outside + ": " + what);
      } else {
        ++incomplete;
        if (!c.waits.empty()) what += "\n  " + c.waits + ", but: " + stack_waiting(f);
        say(std::string(f.stuck.empty() ? "INCOMPLETE" : "PEGS STUCK") +
            " within the model: " + what);
      }
    }
    if (done % 50 == 0)
      std::fprintf(stderr, "progress: %llu of %llu runs\n", static_cast<unsigned long long>(done),
                   static_cast<unsigned long long>(count));
    std::fflush(stdout);
  });
  std::printf("%llu runs in %.0f s: %llu supply violations, %llu fault outcomes not met, %llu "
              "ledger or safety violations, %llu errors, %llu incomplete within the model, %llu "
              "incomplete outside it; %llu with releases waiting as the model allows (fewer than "
              "m honest members online)\n",
              static_cast<unsigned long long>(count), secs, static_cast<unsigned long long>(supply),
              static_cast<unsigned long long>(faults), static_cast<unsigned long long>(safety),
              static_cast<unsigned long long>(errors), static_cast<unsigned long long>(incomplete),
              static_cast<unsigned long long>(outside), static_cast<unsigned long long>(waiting));
  std::printf("drawn: %llu sidechain node faults, %llu members offline, %llu Byzantine members "
              "(%llu thefts tried), %llu forged claims, %llu second claims, %llu collector "
              "restarts, %llu reorganisations; %llu user transactions sent again\n",
              static_cast<unsigned long long>(sc_faults), static_cast<unsigned long long>(offline),
              static_cast<unsigned long long>(byz), static_cast<unsigned long long>(thefts),
              static_cast<unsigned long long>(forged),
              static_cast<unsigned long long>(seconds_claims),
              static_cast<unsigned long long>(crashes), static_cast<unsigned long long>(reorgs),
              static_cast<unsigned long long>(resent));
  auto failed = supply + faults + safety + errors + incomplete;
  std::printf("stack-search: %llu passed, %llu failed\n",
              static_cast<unsigned long long>(count - failed),
              static_cast<unsigned long long>(failed));
  return failed == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  using namespace bystack;
  using sim::federation::quantile;
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::cerr << usage;
    return argc < 2 ? 2 : 0;
  }
  std::ifstream f(argv[1], std::ios::binary);
  if (!f) {
    std::cerr << "bystack-stack-sim: cannot read " << argv[1] << "\n";
    return 2;
  }
  std::stringstream buf;
  buf << f.rdbuf();
  auto text = buf.str();
  auto fp = sim::federation::load_stack_params(text, argv[1]);
  if (!fp) {
    std::cerr << "bystack-stack-sim: " << fp.err().message << "\n";
    return 2;
  }
  auto loaded = sim::parse_scenario(sim::federation::without_federation(text), argv[1]);
  if (!loaded) {
    std::cerr << "bystack-stack-sim: " << loaded.err().message << "\n";
    return 2;
  }
  auto s = std::move(*loaded);
  bool expect_complete = false, expect_violation = false, search = false, beyond = false,
       single = false;
  sim::seed_range range{1, 10, 1};
  std::uint64_t one = 0;
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::cerr << "bystack-stack-sim: " << flag << " needs a value\n" << usage;
        std::exit(2);
      }
      return argv[++i];
    };
    auto applied = sim::apply_scenario_flag(flag, value, s);
    if (!applied) {
      std::cerr << "bystack-stack-sim: " << applied.err().message << "\n";
      return 2;
    }
    if (*applied) continue;
    auto ranged = sim::read_seed_range_flag(argc, argv, i, range);
    if (!ranged) {
      std::cerr << "bystack-stack-sim: " << ranged.err().message << "\n";
      return 2;
    }
    if (*ranged) continue;
    if (flag == "--expect-complete")
      expect_complete = true;
    else if (flag == "--expect-violation")
      expect_violation = true;
    else if (flag == "--search")
      search = true;
    else if (flag == "--beyond-model")
      beyond = true;
    else if (flag == "--case") {
      if (auto n = sim::read_flag_number(argc, argv, i, one); !n) {
        std::cerr << "bystack-stack-sim: " << n.err().message << "\n";
        return 2;
      }
      single = true;
    } else {
      std::cerr << "bystack-stack-sim: unknown flag '" << flag << "'\n" << usage;
      return 2;
    }
  }
  if (auto ok = sim::check_scenario_flags(s); !ok) {
    std::cerr << "bystack-stack-sim: " << ok.err().message << "\n";
    return 2;
  }
  if (!s.ledger.enabled) {
    std::cerr << "bystack-stack-sim: " << argv[1] << ": the sidechain needs a ledger: section\n";
    return 2;
  }
  const crypto::signature_scheme& scheme =
      s.crypto == "ed25519" ? crypto::ed25519_scheme() : crypto::modelled_scheme();
  if (search)
    return run_search(s, *fp, argv[1], range.from, range.count, range.jobs, beyond, scheme);
  if (single) {
    auto c = sim::federation::draw_stack_case(s, *fp, one, beyond);
    std::printf("case %llu: %s%s%s%s%s\n", static_cast<unsigned long long>(one), c.faults.c_str(),
                c.outside.empty() ? "" : "; outside the model: ", c.outside.c_str(),
                c.waits.empty() ? "" : "; ", c.waits.c_str());
    s = c.s;
    *fp = c.p;
  }
  auto stack = sim::federation::federation_stack::make(*fp, s.seed, scheme);
  if (!stack) {
    std::cerr << "bystack-stack-sim: " << argv[1] << ": " << stack.err().message << "\n";
    return 2;
  }
  std::printf("seed %llu\n", static_cast<unsigned long long>(s.seed));
  std::fflush(stdout);
  auto r = sim::run(s, {}, nullptr, stack->get());
  if (!r) {
    std::cerr << "bystack-stack-sim: " << r.err().message << "\n";
    return 2;
  }
  const auto& f2 = (*stack)->report();
  const auto& p = *fp;
  auto waits = sim::federation::releases_may_wait(p); // why releases may wait within the model
  std::printf("sidechain: %u nodes, %u super nodes, %llu blocks committed by all, %.1f simulated "
              "s, %.1f s wall\n",
              r->nodes, r->supers, static_cast<unsigned long long>(r->committed_min_height),
              r->sim_seconds, r->wall_seconds);
  std::printf("mainchain: %zu mining nodes, %llu blocks mined, height %llu at node 0\n",
              p.mainchain_nodes, static_cast<unsigned long long>(f2.mc_blocks),
              static_cast<unsigned long long>(f2.mc_height));
  std::printf("federation: %zu members (m = %u, %zu offline), %zu collectors (CAF actors), %llu "
              "headers relayed (%llu in the header runs built), %llu collector restarts\n",
              p.members, static_cast<unsigned>(p.threshold), p.offline_members, p.collectors,
              static_cast<unsigned long long>(f2.headers),
              static_cast<unsigned long long>(f2.headers_built),
              static_cast<unsigned long long>(f2.collector_restarts));
  std::printf(
      "pegins %llu, claims %llu, trades %llu, pegouts %llu, releases %llu, records %llu, "
      "pending pegouts %llu\n",
      static_cast<unsigned long long>(f2.pegins), static_cast<unsigned long long>(f2.claims),
      static_cast<unsigned long long>(f2.trades), static_cast<unsigned long long>(f2.pegouts),
      static_cast<unsigned long long>(f2.releases), static_cast<unsigned long long>(f2.records),
      static_cast<unsigned long long>(f2.pending_pegouts));
  std::printf("user transactions sent again (unconfirmed after %.0f s): %llu\n", p.resend_after_s,
              static_cast<unsigned long long>(f2.resent));
  for (const auto& why : f2.stuck)
    std::printf("PEG STUCK: %s\n", why.c_str());
  std::printf(
      "pegin latency s   p50 %.1f  p99 %.1f  (n %zu, mainchain submit to sidechain units)\n",
      quantile(f2.pegin_s, 0.5), quantile(f2.pegin_s, 0.99), f2.pegin_s.size());
  std::printf("pegout latency s  p50 %.1f  p99 %.1f  (n %zu, burn committed to release mined)\n",
              quantile(f2.pegout_s, 0.5), quantile(f2.pegout_s, 0.99), f2.pegout_s.size());
  std::printf("record latency s  p50 %.1f  p99 %.1f  (n %zu, burn committed to release recorded)\n",
              quantile(f2.record_s, 0.5), quantile(f2.record_s, 0.99), f2.record_s.size());
  double span = f2.end_s > 0 ? f2.end_s : 1;
  std::printf("throughput: sidechain %llu transactions in %llu blocks (%.1f tx/s; %llu of users "
              "and collectors), wallets' %.1f tx/s committed, completed pegs %.2f per hour\n",
              static_cast<unsigned long long>(f2.sc_txs),
              static_cast<unsigned long long>(f2.sc_blocks), static_cast<double>(f2.sc_txs) / span,
              static_cast<unsigned long long>(f2.stack_txs), r->ledger.committed_per_sim_second,
              static_cast<double>(f2.releases) * 3600.0 / span);
  std::printf("ledger checker: %s (%llu state checks, %llu supply checks)\n",
              r->ledger.ok() ? "ok" : "VIOLATION",
              static_cast<unsigned long long>(r->ledger.state_checks),
              static_cast<unsigned long long>(r->ledger.supply_checks));
  std::printf("supply checker: %s (%llu checks)%s%s\n", f2.supply_ok ? "ok" : "VIOLATION",
              static_cast<unsigned long long>(f2.supply_checks), f2.supply_ok ? "" : ": ",
              f2.supply_discrepancy.c_str());
  std::printf("safety violations %llu\n", static_cast<unsigned long long>(r->safety_violations));
  print_faults(p, f2);
  std::printf("trace hash %s (consensus) %016llx (peg)\n", r->trace_hash.c_str(),
              static_cast<unsigned long long>(f2.trace_hash));
  bool ok = (f2.supply_ok != expect_violation) && r->ledger.ok() && r->safety_violations == 0 &&
            f2.fault_failures.empty();
  if (expect_complete && !sim::federation::stack_complete(f2)) {
    // With fewer than m honest members online, releases may wait as the model allows.
    if (auto why = sim::federation::stack_waiting(f2); !waits.empty() && why.empty()) {
      std::printf("releases waiting as the model allows: %s; every due peg burned, each burn "
                  "released once or pending\n",
                  waits.c_str());
    } else {
      std::printf("incomplete: not every pegin was claimed, traded, pegged out, released and "
                  "recorded%s%s\n",
                  waits.empty() ? "" : "; and not as the model allows: ", why.c_str());
      ok = false;
    }
  }
  return ok ? 0 : 1;
}
