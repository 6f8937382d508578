#include "sim/simulation.hpp"
#include "tests/sim/small_scenario.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace bystack::sim {
namespace {

scenario small(std::uint32_t n, std::uint32_t m, std::vector<std::uint32_t> groups = {}) {
  return test::small_scenario(n, m, std::move(groups));
}

TEST(Simulation, SameScenarioAndSeedGiveTheSameTrace) {
  auto s = small(20, 4);
  s.network.latency.model = latency_model::kind::uniform;
  s.network.latency.min_ms = 5;
  s.network.latency.max_ms = 50;
  auto a = run(s);
  auto b = run(s);
  ASSERT_TRUE(a) << a.err().message;
  ASSERT_TRUE(b) << b.err().message;
  EXPECT_TRUE(a->completed);
  EXPECT_EQ(a->trace_hash, b->trace_hash);
  EXPECT_EQ(a->delivered, b->delivered);
  s.seed = 12;
  auto c = run(s);
  ASSERT_TRUE(c);
  EXPECT_NE(a->trace_hash, c->trace_hash) << "another seed under random latency";
}

TEST(Simulation, RealSignaturesCommitToo) {
  auto s = small(7, 2, {5, 2});
  s.crypto = "ed25519";
  auto r = run(s);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_TRUE(r->completed);
  EXPECT_EQ(r->safety_violations, 0u);
  EXPECT_TRUE(r->rejected.empty());
}

TEST(Simulation, AggregateCertificatesNeedModelledCrypto) {
  auto s = small(7, 2);
  s.crypto = "ed25519";
  s.certificates = "aggregate";
  auto r = run(s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("aggregate"), std::string::npos);
}

// Figure 5 of the paper: N = 7, M = 2, groups of 5 and 2. The larger group's super node (node 0)
// holds more than 2/3 of the votes first, the other super node (node 5) next, the ordinary nodes
// last.
TEST(Simulation, Figure5OrderOfCertification) {
  auto s = small(7, 2, {5, 2});
  s.crypto = "ed25519";
  s.rounds = 6;
  auto r = run(s);
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_TRUE(r->completed);
  ASSERT_GE(r->certified_us.size(), 6u);
  for (std::size_t h = 0; h < 6; ++h) {
    const auto& t = r->certified_us[h];
    ASSERT_GE(t[0], 0);
    ASSERT_GE(t[5], 0);
    EXPECT_LT(t[0], t[5]) << "height " << h + 1;
    for (std::uint32_t node : {1u, 2u, 3u, 4u, 6u}) {
      ASSERT_GE(t[node], 0);
      EXPECT_LT(t[5], t[node]) << "height " << h + 1 << " node " << node;
    }
  }
}

struct grid_point {
  std::uint32_t n, m;
  std::vector<std::uint32_t> groups;
};

// Measured messages per round equal the closed forms, phase by phase, in every complete round.
TEST(Simulation, MessageCountsMatchClosedForms) {
  std::vector<grid_point> grid = {
      {1, 1, {}},  {4, 1, {}},  {4, 4, {}},   {7, 2, {5, 2}}, {10, 3, {}},   {16, 4, {}},
      {50, 7, {}}, {64, 1, {}}, {30, 30, {}}, {100, 10, {}},  {101, 10, {}}, {20, 3, {2, 15, 3}},
  };
  for (const auto& g : grid) {
    SCOPED_TRACE("N=" + std::to_string(g.n) + " M=" + std::to_string(g.m));
    auto r = run(small(g.n, g.m, g.groups));
    ASSERT_TRUE(r) << r.err().message;
    ASSERT_TRUE(r->completed);
    ASSERT_GE(r->views_measured, 4u);
    std::uint64_t n = g.n, m = g.m;
    for (std::size_t v = 0; v < r->views_measured; ++v) {
      const auto& w = r->messages_per_view[v];
      const auto& p = r->paper_messages_per_view[v];
      EXPECT_EQ(w[0], m - 1) << "T0, view " << v + 1;
      EXPECT_EQ(w[1], n - m) << "T1, view " << v + 1;
      EXPECT_EQ(w[2], n - m) << "T2, view " << v + 1;
      EXPECT_EQ(w[3], m * (m - 1)) << "T3, view " << v + 1;
      EXPECT_EQ(w[4], n - m) << "T4, view " << v + 1;
      EXPECT_EQ(w[0] + w[1] + w[2] + w[3] + w[4], closed_form_wire(n, m));
      EXPECT_EQ(p[0], m);
      EXPECT_EQ(p[3], m * m);
      EXPECT_EQ(p[0] + p[1] + p[2] + p[3] + p[4], closed_form_paper(n, m));
    }
  }
}

TEST(Simulation, ClosedFormsAtTheEnds) {
  // M = 1 (FBFT): 3N - 3 on the wire, 3N - 1 in the paper; M = N (PBFT): N^2 - 1 and N^2 + N.
  EXPECT_EQ(closed_form_wire(10, 1), 27u);
  EXPECT_EQ(closed_form_paper(10, 1), 29u);
  EXPECT_EQ(closed_form_wire(10, 10), 99u);
  EXPECT_EQ(closed_form_paper(10, 10), 110u);
}

} // namespace
} // namespace bystack::sim
