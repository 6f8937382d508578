// The federation simulator: honest runs, the fault model, determinism.
#include "sim/federation/federation_sim.hpp"

#include <gtest/gtest.h>

namespace {

using namespace bystack::sim::federation;

fed_sim_params small(std::uint64_t seed = 1) {
  fed_sim_params p;
  p.seed = seed;
  p.users = 8;
  p.members = 5;
  p.threshold = 3;
  p.collectors = 2;
  p.confirmations = 3;
  p.mc_block_ms = 20'000;
  p.sc_block_ms = 1'000;
  p.start_window_s = 120;
  p.duration_s = 1500;
  return p;
}

TEST(FederationSim, EveryUserPegsInTradesAndPegsOutOnce) {
  auto r = run_federation_sim(small());
  EXPECT_TRUE(r.supply_ok) << r.supply_discrepancy;
  EXPECT_EQ(r.pegins, 8u);
  EXPECT_EQ(r.claims, 8u);
  EXPECT_EQ(r.trades, 8u);
  EXPECT_EQ(r.pegouts, 8u);
  EXPECT_EQ(r.releases, 8u);
  EXPECT_EQ(r.records, 8u);
  EXPECT_EQ(r.pending_pegouts, 0u);
  EXPECT_GT(r.supply_checks, 10u);
  ASSERT_EQ(r.pegin_s.size(), 8u);
  // A pegin waits for its block and confirmations - 1 more: at least some mining time.
  EXPECT_GT(quantile(r.pegin_s, 0.5), 0.0);
}

TEST(FederationSim, TheSameSeedGivesTheSameTrace) {
  auto a = run_federation_sim(small(5));
  auto b = run_federation_sim(small(5));
  auto c = run_federation_sim(small(6));
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.pegin_s, b.pegin_s);
  EXPECT_NE(a.trace_hash, c.trace_hash);
}

TEST(FederationSim, ALyingCollectorIsRefusedAndTheOtherClaims) {
  auto p = small(2);
  p.lying_collector = true;
  auto r = run_federation_sim(p);
  EXPECT_GT(r.forged_refused, 0u);
  EXPECT_EQ(r.claims, 8u);
  EXPECT_EQ(r.releases, 8u);
  EXPECT_TRUE(r.supply_ok) << r.supply_discrepancy;
}

TEST(FederationSim, ACrashedCollectorRestartsAndEveryPeginIsClaimedOnce) {
  auto p = small(8);
  p.collectors = 1; // nobody else claims while it is down
  p.crash_collector_at_s = 30;
  p.restart_after_s = 300;
  auto r = run_federation_sim(p);
  EXPECT_EQ(r.collector_restarts, 1u);
  EXPECT_EQ(r.claims, 8u); // claim inputs committed: one per pegin
  EXPECT_EQ(r.releases, 8u);
  EXPECT_TRUE(r.supply_ok) << r.supply_discrepancy;
  // Pegins start within 120 s and none is claimed before the restart at 330 s.
  for (double s : r.pegin_s)
    EXPECT_GE(s, 210.0);
  auto honest = run_federation_sim(small(8));
  EXPECT_LT(quantile(honest.pegin_s, 0.5), 210.0);
}

TEST(FederationSim, ReleasesContinueWithMMembersAndWaitWithFewer) {
  auto p = small(3);
  p.offline_members = 2; // 3 of 5 online, m = 3
  auto r = run_federation_sim(p);
  EXPECT_EQ(r.releases, 8u);
  EXPECT_TRUE(r.supply_ok) << r.supply_discrepancy;
  p.offline_members = 3; // 2 of 5 online
  r = run_federation_sim(p);
  EXPECT_EQ(r.pegouts, 8u);
  EXPECT_EQ(r.releases, 0u);
  EXPECT_EQ(r.pending_pegouts, 8u); // waiting, not lost: the burns stay on the sidechain
  EXPECT_TRUE(r.supply_ok) << r.supply_discrepancy;
}

TEST(FederationSim, AByzantineMemberCannotReleaseWithoutABurn) {
  auto p = small(4);
  p.byzantine_member = true;
  auto r = run_federation_sim(p);
  EXPECT_GT(r.shares_refused, 0u);
  EXPECT_EQ(r.releases, 8u);
  EXPECT_TRUE(r.supply_ok) << r.supply_discrepancy;
}

TEST(FederationSim, ADoubleSpendDeeperThanTheConfirmationsIsFlagged) {
  auto p = small(7);
  p.double_spend_depth = p.confirmations + 2;
  auto r = run_federation_sim(p);
  EXPECT_EQ(r.reorgs, 1u);
  EXPECT_FALSE(r.supply_ok);
  EXPECT_NE(r.supply_discrepancy.find("not a pegin on the mainchain's best chain"),
            std::string::npos)
      << r.supply_discrepancy;
}

TEST(FederationSim, ADoubleSpendShallowerThanTheConfirmationsLosesNothing) {
  auto p = small(7);
  p.double_spend_depth = p.confirmations - 1;
  auto r = run_federation_sim(p);
  EXPECT_EQ(r.reorgs, 1u);
  EXPECT_TRUE(r.supply_ok) << r.supply_discrepancy;
  EXPECT_EQ(r.claims, 7u); // the double-spent pegin is never claimed
}

} // namespace

namespace {

// One rotation by votes: a newcomer outvotes the last member; pegins before, during and after
// the old address's grace period; pegouts after the migration released by the new federation.
fed_sim_params elections(std::uint64_t seed = 1) {
  auto p = small(seed);
  p.users = 12;
  p.start_window_s = 600;
  p.elections = true;
  p.newcomers = 1;
  p.epoch_blocks = 60;
  p.vote_at_s = 30;
  p.grace_blocks = 10;
  p.stale_every = 2; // every second user pays the genesis address whatever the schedule
  return p;
}

TEST(FederationSim, OneRotationByVotesMigratesTheCoinsAndTheNewFederationReleases) {
  auto r = run_federation_sim(elections());
  EXPECT_TRUE(r.supply_ok) << r.supply_discrepancy;
  EXPECT_EQ(r.rotations, 1u) << r.schedule;
  EXPECT_NE(r.schedule.find("3 of 5, 1 replaced"), std::string::npos) << r.schedule;
  EXPECT_EQ(r.migrations, 1u);
  EXPECT_GE(r.grace_claims, 1u);     // a pegin to the old address in its grace period
  EXPECT_GE(r.unclaimed_pegins, 1u); // one after it: refused, never claimed
  EXPECT_EQ(r.claims + r.unclaimed_pegins, r.pegins);
  EXPECT_EQ(r.releases, r.claims); // every claimed user pegged out and was paid
  EXPECT_EQ(r.pending_pegouts, 0u);
  EXPECT_GE(r.late_pegouts, 1u); // from coins of the elected federation
  auto again = run_federation_sim(elections());
  EXPECT_EQ(again.trace_hash, r.trace_hash);
  // Without votes nothing rotates, and the same users are all paid by the genesis federation.
  auto p = elections();
  p.vote_at_s = 1e9;
  auto still = run_federation_sim(p);
  EXPECT_EQ(still.rotations, 0u);
  EXPECT_EQ(still.migrations, 0u);
  EXPECT_EQ(still.late_pegouts, 0u);
  EXPECT_EQ(still.unclaimed_pegins, 0u);
  EXPECT_TRUE(still.supply_ok) << still.supply_discrepancy;
}

} // namespace
