#include "sim/scenario.hpp"

#include <gtest/gtest.h>

namespace bystack::sim {
namespace {

void expect_error(const std::string& text, const std::vector<std::string>& parts) {
  auto s = parse_scenario(text, "bad.yaml");
  ASSERT_FALSE(s) << "accepted:\n" << text;
  for (const auto& p : parts)
    EXPECT_NE(s.err().message.find(p), std::string::npos)
        << "'" << p << "' missing from: " << s.err().message;
}

TEST(Scenario, ShippedScenariosLoad) {
  for (const char* f : {"scenarios/figure5.yaml", "scenarios/default.yaml", "scenarios/n1000.yaml",
                        "scenarios/n10000.yaml"}) {
    auto s = load_scenario(f);
    ASSERT_TRUE(s) << f << ": " << s.err().message;
    EXPECT_TRUE(validate(*s)) << f;
  }
  auto f5 = load_scenario("scenarios/figure5.yaml");
  ASSERT_TRUE(f5);
  EXPECT_EQ(f5->nodes, 7u);
  EXPECT_EQ(f5->supers, 2u);
  EXPECT_EQ(f5->group_sizes, (std::vector<std::uint32_t>{5, 2}));
}

TEST(Scenario, UnknownKeyNamesFileLineAndKey) {
  expect_error("nodes: 7\nsupers: 2\nnetwork:\n  latncy: {model: constant}\n",
               {"bad.yaml", ":4:", "latncy"});
}

TEST(Scenario, WrongTypeNamesFileLineAndKey) {
  expect_error("nodes: seven\n", {"bad.yaml", ":1:", "nodes"});
  expect_error("nodes: 7\nnetwork:\n  bandwidth_mbps: fast\n",
               {"bad.yaml", ":3:", "network.bandwidth_mbps"});
}

TEST(Scenario, InconsistentGroupsAreRefused) {
  expect_error("nodes: 7\nsupers: 2\ngroups: [5, 3]\n", {"bad.yaml", "groups", "add up to 8"});
  expect_error("nodes: 3\nsupers: 4\n", {"bad.yaml", "supers"});
}

TEST(Scenario, MissingFileIsNamed) {
  auto s = load_scenario("scenarios/does-not-exist.yaml");
  ASSERT_FALSE(s);
  EXPECT_NE(s.err().message.find("does-not-exist.yaml"), std::string::npos);
}

TEST(Scenario, RegionMatrixMustBeSquare) {
  expect_error("nodes: 4\nnetwork:\n  latency:\n    model: regions\n    regions: [a, b]\n"
               "    rtt_ms: [\"0 10\", \"10\"]\n",
               {"bad.yaml", "rtt_ms"});
}

} // namespace
} // namespace bystack::sim
