#include "sim/fault_search.hpp"
#include "sim/scenario.hpp"
#include "sim/simulation.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <set>

namespace bystack::sim {
namespace {

run_result run_file(const std::string& file) {
  auto s = load_scenario(file);
  EXPECT_TRUE(s) << (s ? "" : s.err().message);
  if (!s) return {};
  auto r = run(*s);
  EXPECT_TRUE(r) << (r ? "" : r.err().message);
  return r ? *r : run_result{};
}

void expect_recovers(const std::string& file) {
  SCOPED_TRACE(file);
  auto r = run_file(file);
  EXPECT_TRUE(r.completed) << "committed " << r.committed_min_height << " of " << r.rounds;
  EXPECT_EQ(r.safety_violations, 0u) << r.first_safety_violation;
  EXPECT_TRUE(r.liveness_ok) << r.liveness_detail;
}

TEST(Faults, SilentLeader) {
  expect_recovers("scenarios/faults/silent-leader.yaml");
}
TEST(Faults, EquivocatingLeader) {
  expect_recovers("scenarios/faults/equivocating-leader.yaml");
}
TEST(Faults, Figure5LargerGroupSuperNodeCrashes) {
  expect_recovers("scenarios/faults/figure5-large-super-crash.yaml");
}
TEST(Faults, Figure5SmallerGroupSuperNodeCrashes) {
  expect_recovers("scenarios/faults/figure5-small-super-crash.yaml");
}
TEST(Faults, FCrashedValidators) {
  expect_recovers("scenarios/faults/f-crashed-validators.yaml");
}
TEST(Faults, PartitionHeals) {
  expect_recovers("scenarios/faults/partition-heals.yaml");
}
TEST(Faults, CrashAndRestartCatchesUp) {
  expect_recovers("scenarios/faults/crash-restart.yaml");
}
TEST(Faults, ByzantineMix) {
  expect_recovers("scenarios/faults/byzantine-mix.yaml");
}
TEST(Faults, SuperNodeDropsVotes) {
  expect_recovers("scenarios/faults/super-drops-votes.yaml");
}
TEST(Faults, RegressionSeed33) {
  expect_recovers("scenarios/faults/regression-seed-33.yaml");
}
TEST(Faults, RegressionSeed34) {
  expect_recovers("scenarios/faults/regression-seed-34.yaml");
}
// A lossy super node that still shows life: its members re-home once they miss a view's proposal.
TEST(Faults, RegressionSeed1602) {
  expect_recovers("scenarios/faults/regression-seed-1602.yaml");
}
// A node losing 87% of its messages catches up by asking f + 1 peers after an unanswered request.
TEST(Faults, RegressionSeed1692) {
  expect_recovers("scenarios/faults/regression-seed-1692.yaml");
}
// A super node forging the group certificate it sends to the other super node: the other leader
// learns each certificate only after its view timed out, until certifiers hand it over.
TEST(Faults, RegressionSeed2288) {
  expect_recovers("scenarios/faults/regression-seed-2288.yaml");
}
// Seeds of 1..100,000 that stalled for that cause (a faulty super node whose group certificate
// never reaches the next leader: forged), drawn as the search draws them.
TEST(FaultSearch, NextLeaderWithoutCertificateSeedsRecover) {
  search_options opt;
  for (std::uint64_t seed : {2288, 3786, 11007, 11672, 14338, 34821, 37792, 38799, 56034, 60074,
                             60292, 66579, 73141, 78225}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    auto r = run(draw_scenario(seed, opt));
    ASSERT_TRUE(r) << r.err().message;
    EXPECT_EQ(r->safety_violations, 0u) << r->first_safety_violation;
    EXPECT_TRUE(r->liveness_ok) << r->liveness_detail;
  }
}
void expect_seeds_recover(std::initializer_list<std::uint64_t> seeds) {
  search_options opt;
  for (std::uint64_t seed : seeds) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    auto r = run(draw_scenario(seed, opt));
    ASSERT_TRUE(r) << r.err().message;
    EXPECT_EQ(r->safety_violations, 0u) << r->first_safety_violation;
    EXPECT_TRUE(r->liveness_ok) << r->liveness_detail;
  }
}
// An equivocating leader whose block reached the next leader only by catch-up: the next leader
// proposes once the block has come (it entered its view before, when it could not).
TEST(FaultSearch, LeaderProposesAfterCatchingUpItsJustifyBlock) {
  expect_seeds_recover({9127, 9609});
}
// Super nodes that drop or forge their group's certificate while they still relay (two of them
// at once in most of these): members whose votes were lost in failed views also vote through
// the next super nodes.
TEST(FaultSearch, LostVotesGoThroughMoreSuperNodes) {
  expect_seeds_recover(
      {3146, 47351, 47522, 50439, 52026, 52257, 57420, 67792, 69702, 72451, 88240});
}
// Honest nodes split between two views, neither with a quorum of view changes: a super node
// passes the view changes of its view on to a node still in the older one.
TEST(FaultSearch, NodesBehindJoinALaterTimedOutView) {
  expect_seeds_recover({61593, 33486});
}
// A restarted super node and its member asking each other for the same missing blocks: a
// catch-up answer that commits nothing sends the next request to another peer.
TEST(FaultSearch, CatchUpMovesOnFromAPeerThatLacksTheBlocks) {
  expect_seeds_recover({35309, 83686, 32020});
}
// A node that loses 85-90% of its own messages for good: each unanswered catch-up retry asks f
// more peers, up to all of them, so that it catches up in seconds rather than minutes.
TEST(FaultSearch, LossyNodeCatchUpEscalates) {
  expect_seeds_recover({16413, 20369, 30659, 38010, 57253, 57491, 71771, 77308, 82597, 85525});
}
// With few peers (N = 4, node 1 losing 87% of its messages): once every peer has been asked,
// further misses ask each peer again, up to three times per retry.
TEST(FaultSearch, LossyNodeAsksPeersAgain) {
  expect_seeds_recover({61044});
}
// A node losing messages for good beside one or two honest super nodes: views led by faulty
// super nodes fail, members of faulty super nodes (and members re-homed onto them) miss the
// views of honest leaders, whose quorum then lacks a vote or two. Once views fail, super nodes
// serve every node and members vote through every super node. The 18 inside-model liveness
// failures of seeds 1..100,000 before that measure.
TEST(FaultSearch, FailedViewsServeEveryNodeFromEverySuperNode) {
  expect_seeds_recover({6134, 7398, 9959, 10994, 12273, 19635, 21737, 24522, 30751, 32028, 39491,
                        47160, 47625, 52986, 56768, 68653, 71402, 75973});
}
// A member re-homed onto a crashed super node (724) or voting through every super node: its vote
// reaches an honest super node after that one sent its own group's certificate (a group whose
// members all left is complete at once), and is passed on within group_wait. Without that, the
// measure above left these four seeds of 1..3,000 without commits for 67-297 s.
TEST(FaultSearch, LateVotesArePassedOn) {
  expect_seeds_recover({724, 1030, 1966, 2667});
}
// Every seed of 1..2000 that failed liveness for those two causes, drawn as the search draws it.
TEST(FaultSearch, LossyNodeSeedsRecover) {
  search_options opt;
  for (std::uint64_t seed : {110, 150, 184, 529, 784, 795, 957, 1030, 1316, 1602, 1692, 1699}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    auto r = run(draw_scenario(seed, opt));
    ASSERT_TRUE(r) << r.err().message;
    EXPECT_EQ(r->safety_violations, 0u) << r->first_safety_violation;
    EXPECT_TRUE(r->liveness_ok) << r->liveness_detail;
  }
}

// More than f faulty nodes: safety holds, liveness does not, and the checkers say exactly that.
TEST(Faults, BeyondFKeepsSafetyLosesLiveness) {
  auto r = run_file("scenarios/faults/beyond-f.yaml");
  EXPECT_FALSE(r.completed);
  EXPECT_EQ(r.safety_violations, 0u) << r.first_safety_violation;
  EXPECT_FALSE(r.liveness_ok);
  EXPECT_NE(r.liveness_detail.find("without a commit"), std::string::npos) << r.liveness_detail;
}

// Faulty runs stay deterministic: same scenario, same trace.
TEST(Faults, FaultyRunsAreDeterministic) {
  auto a = run_file("scenarios/faults/byzantine-mix.yaml");
  auto b = run_file("scenarios/faults/byzantine-mix.yaml");
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_FALSE(a.rejected.empty())
      << "forged certificates and garbage must be rejected, and counted";
}

// The liveness checker fails a run whose network never heals.
TEST(Faults, LivenessCheckerFailsWhenPartitionNeverHeals) {
  auto s = load_scenario("scenarios/faults/partition-heals.yaml");
  ASSERT_TRUE(s);
  s->faults.front().until_ms.reset();
  s->max_sim_seconds = 30;
  auto r = run(*s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->safety_violations, 0u);
  EXPECT_FALSE(r->completed);
  EXPECT_FALSE(r->liveness_ok);
}

TEST(FaultSearch, SameSeedDrawsTheSameSchedule) {
  search_options opt;
  EXPECT_EQ(to_yaml(draw_scenario(77, opt)), to_yaml(draw_scenario(77, opt)));
  EXPECT_NE(to_yaml(draw_scenario(77, opt)), to_yaml(draw_scenario(78, opt)));
}

TEST(FaultSearch, SchedulesStayWithinTheFaultBudget) {
  search_options opt;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    auto s = draw_scenario(seed, opt);
    std::set<std::uint32_t> faulty;
    for (const auto& f : s.faults)
      if (f.kind != "partition" && !(f.kind == "loss" && f.nodes.empty()) && f.kind != "delay")
        faulty.insert(f.nodes.begin(), f.nodes.end());
    EXPECT_LE(faulty.size(), (s.nodes - 1) / 3) << "seed " << seed;
  }
}

TEST(FaultSearch, PrintedScenarioLoadsBack) {
  search_options opt;
  auto s = draw_scenario(5, opt);
  auto back = parse_scenario(to_yaml(s), "seed-5.yaml");
  ASSERT_TRUE(back) << back.err().message;
  EXPECT_EQ(back->nodes, s.nodes);
  EXPECT_EQ(back->faults.size(), s.faults.size());
}

} // namespace
} // namespace bystack::sim

// The fault search's model bound: liveness is promised only while some super node is honest and
// not lossy for good. Seeds 584 (M = 1, node 0 crashed for good) and 2121 (M = 2, super nodes 0
// silent and 8 sending garbage) are outside; 2288 (super node 0 forging, super node 4 honest)
// and a schedule whose only faulty super node recovers are inside.
TEST(FaultSearch, OutsideTheModelWhenNoSuperNodeIsHonestAndWorking) {
  bystack::sim::search_options opt;
  auto s584 = bystack::sim::draw_scenario(584, opt);
  auto s2121 = bystack::sim::draw_scenario(2121, opt);
  auto s2288 = bystack::sim::draw_scenario(2288, opt);
  EXPECT_NE(bystack::sim::outside_model(s584), "");
  auto why = bystack::sim::outside_model(s2121);
  EXPECT_NE(why.find("0 Byzantine (silent_leader)"), std::string::npos) << why;
  EXPECT_NE(why.find("8 Byzantine (garbage)"), std::string::npos) << why;
  EXPECT_EQ(bystack::sim::outside_model(s2288), "");
  // The same M = 2 schedule with one super node restarting: inside again.
  auto healed = s2121;
  for (auto& f : healed.faults)
    if (f.nodes == std::vector<std::uint32_t>{8}) f.kind = "crash", f.until_ms = f.at_ms + 500;
  EXPECT_EQ(bystack::sim::outside_model(healed), "");
}
