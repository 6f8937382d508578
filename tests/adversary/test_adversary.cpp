#include "sim/adversary.hpp"
#include "sim/fault_search.hpp"
#include "sim/scenario.hpp"
#include "sim/simulation.hpp"
#include "sim/twins.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <sys/wait.h>

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

const char* shrunk = "scenarios/faults/safety-violation-f-plus-1.yaml";

TEST(Adversary, ShrunkViolationIsReported) {
  auto r = run_file(shrunk);
  EXPECT_GT(r.safety_violations, 0u);
  EXPECT_NE(r.first_safety_violation.find("another honest node"), std::string::npos)
      << r.first_safety_violation;
}

TEST(Adversary, BystackSimExitsOneOnTheShrunkViolation) {
  auto cmd = std::string(BYSTACK_SIM_BIN) + " " + shrunk + " --quiet > /dev/null 2>&1";
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
}

TEST(Adversary, ShrunkScenarioIsMinimal) {
  // No single step of the shrinker keeps the violation: the file is a fixed point.
  auto s = load_scenario(shrunk);
  ASSERT_TRUE(s);
  std::uint64_t runs = 0;
  auto again = shrink_scenario(
      *s,
      [](const scenario& c) {
        auto r = run(c);
        return r && r->safety_violations > 0;
      },
      runs);
  EXPECT_EQ(to_yaml(again), to_yaml(*s));
  EXPECT_GT(runs, 0u);
}

TEST(Adversary, ColludersBeyondTheBudgetBreakSafety) {
  auto r = run_file("scenarios/faults/adversary-f-plus-1.yaml");
  EXPECT_GT(r.safety_violations, 0u);
}

TEST(Adversary, ColluderWithinTheBudgetKeepsSafetyAndLiveness) {
  auto r = run_file("scenarios/faults/adversary-f.yaml");
  EXPECT_EQ(r.safety_violations, 0u) << r.first_safety_violation;
  EXPECT_TRUE(r.completed) << "committed " << r.committed_min_height << " of " << r.rounds;
  EXPECT_TRUE(r.liveness_ok) << r.liveness_detail;
}

TEST(Adversary, TwinWithinTheBudgetKeepsSafetyAndLiveness) {
  auto r = run_file("scenarios/faults/twins-f.yaml");
  EXPECT_EQ(r.safety_violations, 0u) << r.first_safety_violation;
  EXPECT_TRUE(r.completed) << "committed " << r.committed_min_height << " of " << r.rounds;
}

TEST(Adversary, RegressionTwinsCatchUpCommits) {
  auto r = run_file("scenarios/faults/regression-twins-catch-up.yaml");
  EXPECT_EQ(r.safety_violations, 0u) << r.first_safety_violation;
  EXPECT_TRUE(r.completed) << "committed " << r.committed_min_height << " of " << r.rounds;
}

TEST(Adversary, TwinRunsAreDeterministic) {
  auto a = run_file("scenarios/faults/twins-f.yaml");
  auto b = run_file("scenarios/faults/twins-f.yaml");
  EXPECT_EQ(a.trace_hash, b.trace_hash);
}

TEST(Twins, RouterDeliversToTheInstancesOnTheSendersSide) {
  auto s = parse_scenario("nodes: 4\ntwins:\n  nodes: [0]\n  partitions:\n"
                          "    - {views: [1, 2], sides: [\"0 1\", \"4 2\"]}\n",
                          "t.yaml");
  ASSERT_TRUE(s) << s.err().message;
  auto r = twin_router::make(*s);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->instances(), 5u);
  EXPECT_EQ(r->logical(4), 0u);
  proto::vote v;
  v.view = 1;
  proto::message m = v;
  std::vector<twin_router::hop> hops;
  r->route(1, 0, &m, 0, hops); // node 1 reaches node 0's own instance only
  ASSERT_EQ(hops.size(), 1u);
  EXPECT_EQ(hops[0].instance, 0u);
  hops.clear();
  r->route(3, 0, &m, 0, hops); // node 3 is on no side: it hears and reaches both instances
  EXPECT_EQ(hops.size(), 2u);
  hops.clear();
  r->route(4, 1, &m, 0, hops); // the twin cannot reach node 1 in view 1
  EXPECT_TRUE(hops.empty());
  v.view = 3;
  m = v;
  r->route(4, 1, &m, 0, hops); // view 3 is not partitioned
  EXPECT_EQ(hops.size(), 1u);
}

TEST(Twins, AdversaryWithholdsUntilRelease) {
  auto s = parse_scenario("nodes: 4\nadversary: {nodes: [0], first_half: [1], release_ms: 50}\n",
                          "a.yaml");
  ASSERT_TRUE(s) << s.err().message;
  auto r = twin_router::make(*s);
  ASSERT_TRUE(r) << r.err().message;
  std::vector<twin_router::hop> hops;
  r->route(1, 2, nullptr, 10'000, hops); // across the halves: held until 50 ms
  ASSERT_EQ(hops.size(), 1u);
  EXPECT_EQ(hops[0].extra_delay_us, 40'000);
  hops.clear();
  r->route(2, 0, nullptr, 10'000, hops); // node 2 reaches the colluder's twin in its half at once
  ASSERT_EQ(hops.size(), 2u);
  EXPECT_EQ(hops[0].instance, 0u);
  EXPECT_EQ(hops[0].extra_delay_us, 40'000);
  EXPECT_EQ(hops[1].instance, 4u);
  EXPECT_EQ(hops[1].extra_delay_us, 0);
}

TEST(Twins, BadSectionsAreErrors) {
  for (const char* text :
       {"nodes: 4\ntwins: {nodes: [4]}\n", "nodes: 4\ntwins: {nodes: [1, 1]}\n",
        "nodes: 4\ntwins: {nodes: [1]}\nadversary: {nodes: [1]}\n",
        "nodes: 4\ntwins:\n  nodes: [1]\n  partitions:\n    - {views: [1, 1], sides: [\"0 5\"]}\n",
        "nodes: 4\nadversary: {nodes: [1], first_half: [1]}\n"}) {
    auto s = parse_scenario(text, "bad.yaml");
    ASSERT_TRUE(s) << text;
    EXPECT_FALSE(twin_router::make(*s)) << text;
    EXPECT_FALSE(run(*s)) << text;
  }
}

TEST(TwinsSearch, DrawsStayInTheirBudgetAndReadBack) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    for (bool beyond : {false, true}) {
      twins_options opt;
      opt.beyond = beyond;
      auto s = draw_twins_scenario(seed, opt);
      auto f = (s.nodes - 1) / 3;
      auto byz = s.twins.nodes.size() + s.adversary.nodes.size();
      if (beyond)
        EXPECT_EQ(byz, f + 1);
      else
        EXPECT_TRUE(byz >= 1 && byz <= f);
      auto back = parse_scenario(to_yaml(s), "drawn.yaml");
      ASSERT_TRUE(back) << back.err().message << "\n" << to_yaml(s);
      EXPECT_EQ(to_yaml(*back), to_yaml(s));
    }
  }
}

} // namespace
} // namespace bystack::sim
