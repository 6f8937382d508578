// The stall report (sim/stall_report.hpp): a run that ends before every honest node reached the
// target height says which nodes are below it and what each waits for; a completed run says
// nothing. The stage itself comes from node_core::waiting_for() (tests in relay_test).

#include "sim/report.hpp"
#include "sim/simulation.hpp"
#include "sim/stall_report.hpp"
#include "tests/sim/small_scenario.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace bystack::sim {
namespace {

scenario small() {
  auto s = test::small_scenario(16, 4);
  s.name = "stall";
  s.seed = 5;
  s.rounds = 8;
  s.max_sim_seconds = 5;
  return s;
}

std::string all(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines)
    out += l + "\n";
  return out;
}

TEST(StallReport, ACompletedRunPrintsNoStallLines) {
  auto s = small();
  auto r = run(s);
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_TRUE(r->completed);
  EXPECT_TRUE(r->stalled.empty()) << all(r->stalled);
  std::ostringstream os;
  print_summary(os, s, *r);
  EXPECT_EQ(os.str().find("stalled"), std::string::npos) << os.str();
}

TEST(StallReport, ANodeCutOffIsNamedWithWhatItWaitsFor) {
  // Node 6 (a member) loses every message from 300 ms on: it stays at its height, and the
  // others go on to the target. The report names node 6 alone and says it never got the
  // next proposal.
  auto s = small();
  fault_spec f;
  f.kind = "loss";
  f.nodes = {6};
  f.at_ms = 300;
  f.rate = 1;
  s.faults.push_back(f);
  auto r = run(s);
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_FALSE(r->completed);
  auto text = all(r->stalled);
  ASSERT_GE(r->stalled.size(), 2u) << text;
  EXPECT_NE(r->stalled[0].find("1 honest node below height 8"), std::string::npos) << text;
  EXPECT_NE(r->stalled[1].find("1 member at committed height"), std::string::npos) << text;
  EXPECT_NE(r->stalled[1].find("never received"), std::string::npos) << text;
  EXPECT_NE(r->stalled[1].find("nodes 6;"), std::string::npos) << text;
  std::ostringstream os;
  print_summary(os, s, *r);
  EXPECT_NE(os.str().find("stalled      1 member"), std::string::npos) << os.str();
}

TEST(StallReport, AViewThatCannotFinishShowsBlocksWithoutCertificates) {
  // More than f crash for good: nothing is certified after them, every honest node holds a
  // block without a certificate.
  auto s = small();
  fault_spec f;
  f.kind = "crash";
  f.nodes = {1, 2, 3, 5, 6, 7};
  f.at_ms = 300;
  s.faults.push_back(f);
  s.protocol.view_timeout_us = 1'000'000;
  auto r = run(s);
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_FALSE(r->completed);
  auto text = all(r->stalled);
  EXPECT_NE(text.find("10 honest nodes below height 8"), std::string::npos) << text;
  EXPECT_NE(text.find("no certificate"), std::string::npos) << text;
  EXPECT_EQ(text.find("never received"), std::string::npos) << text;
}

TEST(StallReport, TenThousandNodesPrintAFewLines) {
  std::vector<std::pair<std::uint32_t, bbft::wait_state>> below;
  for (std::uint32_t i = 0; i < 10000; ++i) {
    bbft::wait_state w;
    w.committed_height = 1;
    w.view = 4;
    w.height = i % 100 == 7 ? 3 : 2;
    w.what = i % 100 == 7 ? bbft::wait_state::stage::batches : bbft::wait_state::stage::certificate;
    w.super = i % 100 == 0;
    w.super_node = i / 100 * 100;
    w.missing = 3;
    w.asked = true;
    w.peer = w.super_node;
    w.voted = true;
    below.emplace_back(i, w);
  }
  auto lines = stall_report(below, 4);
  ASSERT_EQ(lines.size(), 4u) << all(lines);
  EXPECT_NE(lines[0].find("10000 honest nodes below height 4, in 3 kinds"), std::string::npos);
  EXPECT_NE(lines[1].find("9800 members"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("block 2 held, no certificate (9800 voted)"), std::string::npos);
  EXPECT_NE(lines[2].find("100 members"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find("300 batches missing (3 each), fetch outstanding to 0, 100, 200, 300 "
                          "(+96 more)"),
            std::string::npos)
      << lines[2];
  EXPECT_NE(lines[3].find("100 super nodes"), std::string::npos) << lines[3];
  // Many kinds: the least common are counted on one line.
  for (std::uint32_t i = 0; i < 10000; ++i)
    below[i].second.committed_height = i % 40;
  lines = stall_report(below, 50, 12);
  ASSERT_EQ(lines.size(), 13u) << all(lines);
  EXPECT_NE(lines.back().find("more nodes in other kinds of wait"), std::string::npos);
}

} // namespace
} // namespace bystack::sim
