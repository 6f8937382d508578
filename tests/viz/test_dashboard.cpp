#include "runtime/node/metrics.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <string>

namespace bystack::node {
namespace {

using json = nlohmann::json;

// -- Grafana dashboard
// -----------------------------------------------------------------------------

TEST(dashboard, queries_only_metrics_the_node_exports) {
  std::ifstream f("configs/grafana/bystack-dashboard.json");
  ASSERT_TRUE(f) << "configs/grafana/bystack-dashboard.json";
  auto d = json::parse(f);
  for (const char* k : {"title", "uid", "schemaVersion", "panels"})
    EXPECT_TRUE(d.contains(k)) << k;
  metrics m; // a default state: every metric family is announced even when empty
  auto text = m.render();
  std::set<std::string> exported;
  std::regex family("# TYPE ([a-z_:][a-z0-9_:]*) (counter|gauge|histogram)");
  for (std::sregex_iterator it(text.begin(), text.end(), family), end; it != end; ++it) {
    exported.insert((*it)[1]);
    if ((*it)[2] == "histogram")
      for (const char* suffix : {"_bucket", "_sum", "_count"})
        exported.insert((*it)[1].str() + suffix);
  }
  std::regex name("bystack_[a-z0-9_]+");
  std::size_t targets = 0;
  std::set<int> ids;
  for (const auto& p : d["panels"]) {
    for (const char* k : {"id", "type", "title", "gridPos"})
      EXPECT_TRUE(p.contains(k)) << k << " missing in panel " << p.value("title", "?");
    if (p["type"] == "row") continue;
    EXPECT_TRUE(ids.insert(p["id"].get<int>()).second) << "panel id used twice";
    ASSERT_TRUE(p.contains("targets")) << p["title"];
    for (const char* k : {"x", "y", "w", "h"})
      EXPECT_TRUE(p["gridPos"].contains(k)) << p["title"];
    for (const auto& t : p["targets"]) {
      auto expr = t["expr"].get<std::string>();
      std::size_t found = 0;
      for (std::sregex_iterator it(expr.begin(), expr.end(), name), end; it != end; ++it, ++found)
        EXPECT_TRUE(exported.count(it->str()))
            << it->str() << " (panel '" << p["title"] << "') is not exported by the node";
      EXPECT_GT(found, 0u) << expr;
      ++targets;
    }
  }
  EXPECT_GE(targets, 6u);
}

TEST(dashboard, metric_names_follow_prometheus_conventions) {
  metrics m;
  m.set_compact({}); // compact relay's families too
  m.phase_out("gossip", 1);
  auto text = m.render();
  EXPECT_NE(text.find("# TYPE bystack_compact_blocks_rebuilt_total counter"), std::string::npos);
  std::regex family("# TYPE ([a-z0-9_]+) (counter|gauge|histogram)");
  std::size_t n = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), family), end; it != end; ++it, ++n) {
    std::string nm = (*it)[1], type = (*it)[2];
    EXPECT_EQ(nm.rfind("bystack_", 0), 0u) << nm;
    bool total = nm.size() > 6 && nm.compare(nm.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(total, type == "counter") << nm << " is a " << type;
    // A unit, when named, is the base unit and comes last (before _total).
    for (const char* bad : {"_ms", "_milliseconds", "_kb", "_mb", "_bytes_in", "_bytes_out"})
      EXPECT_EQ(nm.find(bad), std::string::npos) << nm;
  }
  EXPECT_GE(n, 10u);
}

} // namespace
} // namespace bystack::node
