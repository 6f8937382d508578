/// bystack-stack-sim: the whole system in one run (sim/federation/stack_sim.hpp): a bystack-sim
/// scenario with a `federation:` section. Prints the seed first, the peg's latencies,
/// throughput and the supply checker's verdict, and the trace hash last. Exit status 1 when the
/// supply checker or the ledger checker reports a violation, or with --expect-complete when a
/// pegin or a pegout did not complete.

#include "runtime/crypto/modelled.hpp"
#include "sim/federation/federation_sim.hpp"
#include "sim/federation/stack_sim.hpp"
#include "sim/scenario_flags.hpp"
#include "sim/simulation.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

const char* usage =
    "usage: bystack-stack-sim SCENARIO.yaml [--nodes N] [--supers M] [--rounds R] [--seed S]\n"
    "                   [--crypto modelled|ed25519] [--certificates list|aggregate]\n"
    "                   [--expect-complete] [--expect-violation]\n"
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
  for (const auto& why : f.fault_failures)
    std::printf("FAULT OUTCOME NOT MET: %s\n", why.c_str());
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
  bool expect_complete = false, expect_violation = false;
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
    if (flag == "--expect-complete")
      expect_complete = true;
    else if (flag == "--expect-violation")
      expect_violation = true;
    else {
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
  std::printf("sidechain: %u nodes, %u super nodes, %llu blocks committed by all, %.1f simulated "
              "s, %.1f s wall\n",
              r->nodes, r->supers, static_cast<unsigned long long>(r->committed_min_height),
              r->sim_seconds, r->wall_seconds);
  std::printf("mainchain: %zu mining nodes, %llu blocks mined, height %llu at node 0\n",
              p.mainchain_nodes, static_cast<unsigned long long>(f2.mc_blocks),
              static_cast<unsigned long long>(f2.mc_height));
  std::printf("federation: %zu members (m = %u, %zu offline), %zu collectors (CAF actors), %llu "
              "headers relayed, %llu collector restarts\n",
              p.members, static_cast<unsigned>(p.threshold), p.offline_members, p.collectors,
              static_cast<unsigned long long>(f2.headers),
              static_cast<unsigned long long>(f2.collector_restarts));
  std::printf(
      "pegins %llu, claims %llu, trades %llu, pegouts %llu, releases %llu, records %llu, "
      "pending pegouts %llu\n",
      static_cast<unsigned long long>(f2.pegins), static_cast<unsigned long long>(f2.claims),
      static_cast<unsigned long long>(f2.trades), static_cast<unsigned long long>(f2.pegouts),
      static_cast<unsigned long long>(f2.releases), static_cast<unsigned long long>(f2.records),
      static_cast<unsigned long long>(f2.pending_pegouts));
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
  auto expected = f2.pegins - f2.pegins_removed; // a pegin the reorganisation took is not due
  if (expect_complete &&
      (expected == 0 || f2.pegin_s.size() != expected || f2.releases != f2.pegouts ||
       f2.records != f2.pegouts || f2.pegouts != expected)) {
    std::printf("incomplete: not every pegin was claimed, traded, pegged out, released and "
                "recorded\n");
    ok = false;
  }
  return ok ? 0 : 1;
}
