// bystack-federation-sim: the peg between the mainchain and the sidechain in simulated time
// (docs/federation.md). Prints the seed first and the trace hash last; exits 1 when the supply
// checker finds a discrepancy (0 with --expect-violation only if it does).
#include "sim/federation/federation_sim.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace bystack::sim::federation;

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: bystack-federation-sim [--seed N] [--users N] [--members N] "
               "[--threshold M] [--offline N]\n"
               "  [--byzantine-member] [--collectors N] [--lying-collector] [--confirmations K]\n"
               "  [--mc-block-ms X] [--sc-block-ms X] [--latency-ms X] [--start-window-s X]\n"
               "  [--duration-s X] [--double-spend-depth D] [--expect-violation]\n"
               "  [--crash-collector-at-s X] [--restart-after-s X]\n"
               "  [--elections] [--newcomers N] [--epoch-blocks E] [--vote-at-s X]\n"
               "  [--activation-margin B] [--grace-blocks G] [--stale-every N]\n"
               "  [--search N]  (seeds from --seed on, faults drawn within the fault model)\n");
  return 2;
}

bool number(const char* s, double& out) {
  char* end = nullptr;
  out = std::strtod(s, &end);
  return end && *end == '\0' && out >= 0;
}

} // namespace

int main(int argc, char** argv) {
  fed_sim_params p;
  bool expect_violation = false;
  std::uint64_t search = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--byzantine-member") {
      p.byzantine_member = true;
      continue;
    }
    if (a == "--lying-collector") {
      p.lying_collector = true;
      continue;
    }
    if (a == "--elections") {
      p.elections = true;
      continue;
    }
    if (a == "--expect-violation") {
      expect_violation = true;
      continue;
    }
    double v = 0;
    if (i + 1 >= argc || !number(argv[i + 1], v)) {
      std::fprintf(stderr, "%s needs a non-negative number\n", a.c_str());
      return usage();
    }
    ++i;
    auto n = static_cast<std::uint64_t>(v);
    if (a == "--seed")
      p.seed = n;
    else if (a == "--users")
      p.users = n;
    else if (a == "--members")
      p.members = n;
    else if (a == "--threshold")
      p.threshold = static_cast<std::uint8_t>(n);
    else if (a == "--offline")
      p.offline_members = n;
    else if (a == "--collectors")
      p.collectors = n;
    else if (a == "--confirmations")
      p.confirmations = n;
    else if (a == "--mc-block-ms")
      p.mc_block_ms = v;
    else if (a == "--sc-block-ms")
      p.sc_block_ms = v;
    else if (a == "--latency-ms")
      p.latency_ms = v;
    else if (a == "--start-window-s")
      p.start_window_s = v;
    else if (a == "--duration-s")
      p.duration_s = v;
    else if (a == "--double-spend-depth")
      p.double_spend_depth = n;
    else if (a == "--search")
      search = n;
    else if (a == "--crash-collector-at-s")
      p.crash_collector_at_s = v;
    else if (a == "--restart-after-s")
      p.restart_after_s = v;
    else if (a == "--newcomers")
      p.newcomers = n;
    else if (a == "--epoch-blocks")
      p.epoch_blocks = n;
    else if (a == "--vote-at-s")
      p.vote_at_s = v;
    else if (a == "--activation-margin")
      p.activation_margin_blocks = n;
    else if (a == "--grace-blocks")
      p.grace_blocks = n;
    else if (a == "--stale-every")
      p.stale_every = n;
    else
      return usage();
  }
  if (p.members == 0 || p.members > 16 || p.threshold == 0 || p.threshold > p.members ||
      p.collectors == 0 || p.users == 0 || p.sc_block_ms <= 0 || p.mc_block_ms <= 0 ||
      (p.elections && (p.epoch_blocks == 0 || p.members + p.newcomers > 16))) {
    std::fprintf(stderr, "need 1 <= threshold <= members <= 16, collectors, users and block "
                         "intervals above zero\n");
    return 2;
  }
  std::printf("seed %llu\n", static_cast<unsigned long long>(p.seed));
  if (search > 0) {
    std::uint64_t violations = 0, waiting = 0;
    for (std::uint64_t s = p.seed; s < p.seed + search; ++s) {
      auto c = fault_case(p, s);
      auto r = run_federation_sim(c);
      violations += !r.supply_ok;
      waiting += r.pending_pegouts;
      std::printf(
          "seed %llu offline %zu byzantine %d lying %d double-spend %llu: releases %llu "
          "of %llu, %s%s\n",
          static_cast<unsigned long long>(s), c.offline_members, c.byzantine_member,
          c.lying_collector, static_cast<unsigned long long>(c.double_spend_depth),
          static_cast<unsigned long long>(r.releases), static_cast<unsigned long long>(r.pegouts),
          r.supply_ok ? "ok" : "VIOLATION: ", r.supply_ok ? "" : r.supply_discrepancy.c_str());
      if (!r.supply_ok)
        std::printf("  reproduce: bystack-federation-sim --seed %llu --offline %zu%s%s "
                    "--double-spend-depth %llu\n",
                    static_cast<unsigned long long>(s), c.offline_members,
                    c.byzantine_member ? " --byzantine-member" : "",
                    c.lying_collector ? " --lying-collector" : "",
                    static_cast<unsigned long long>(c.double_spend_depth));
    }
    std::printf("search: %llu runs, %llu supply violations, %llu pegouts unreleased at the end\n",
                static_cast<unsigned long long>(search),
                static_cast<unsigned long long>(violations),
                static_cast<unsigned long long>(waiting));
    return violations == 0 ? 0 : 1;
  }
  auto r = run_federation_sim(p);
  std::printf(
      "mainchain blocks %llu, sidechain blocks %llu with %llu transactions (%llu refused)\n",
      static_cast<unsigned long long>(r.mc_blocks), static_cast<unsigned long long>(r.sc_blocks),
      static_cast<unsigned long long>(r.sc_txs), static_cast<unsigned long long>(r.refused));
  std::printf("pegins %llu, claims %llu, trades %llu, pegouts %llu, releases %llu, records %llu, "
              "pending pegouts %llu\n",
              static_cast<unsigned long long>(r.pegins), static_cast<unsigned long long>(r.claims),
              static_cast<unsigned long long>(r.trades), static_cast<unsigned long long>(r.pegouts),
              static_cast<unsigned long long>(r.releases),
              static_cast<unsigned long long>(r.records),
              static_cast<unsigned long long>(r.pending_pegouts));
  std::printf("pegin latency s   p50 %.1f  p99 %.1f  (n %zu)\n", quantile(r.pegin_s, 0.5),
              quantile(r.pegin_s, 0.99), r.pegin_s.size());
  std::printf("pegout latency s  p50 %.1f  p99 %.1f  (n %zu, burn to release in a block)\n",
              quantile(r.pegout_s, 0.5), quantile(r.pegout_s, 0.99), r.pegout_s.size());
  std::printf("record latency s  p50 %.1f  p99 %.1f  (n %zu, burn to release recorded)\n",
              quantile(r.record_s, 0.5), quantile(r.record_s, 0.99), r.record_s.size());
  std::printf("faults: forged claims refused %llu, member shares refused %llu, reorgs %llu, "
              "collector restarts %llu\n",
              static_cast<unsigned long long>(r.forged_refused),
              static_cast<unsigned long long>(r.shares_refused),
              static_cast<unsigned long long>(r.reorgs),
              static_cast<unsigned long long>(r.collector_restarts));
  if (p.elections)
    std::printf("elections: %llu rotations, %llu migrations, %llu claims to a replaced federation "
                "in its grace period, %llu pegins never claimed, %llu releases by an elected "
                "federation\n  schedule: %s\n",
                static_cast<unsigned long long>(r.rotations),
                static_cast<unsigned long long>(r.migrations),
                static_cast<unsigned long long>(r.grace_claims),
                static_cast<unsigned long long>(r.unclaimed_pegins),
                static_cast<unsigned long long>(r.late_pegouts), r.schedule.c_str());
  std::printf("supply checker: %s (%llu checks)%s%s\n", r.supply_ok ? "ok" : "VIOLATION",
              static_cast<unsigned long long>(r.supply_checks), r.supply_ok ? "" : ": ",
              r.supply_discrepancy.c_str());
  std::printf("trace hash %016llx\n", static_cast<unsigned long long>(r.trace_hash));
  if (expect_violation) return r.supply_ok ? 1 : 0;
  return r.supply_ok ? 0 : 1;
}
