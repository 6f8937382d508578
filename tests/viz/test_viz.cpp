#include "sim/report.hpp"
#include "sim/sequence.hpp"
#include "sim/simulation.hpp"
#include "sim/trace.hpp"
#include "tests/common/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace bystack::sim {
namespace {

using json = nlohmann::json;

/// The view drawn in docs/figures/figure5-view.svg (a full T0..T4 round).
constexpr std::uint64_t figure5_view = 3;

scenario load(const char* path) {
  auto s = load_scenario(path);
  EXPECT_TRUE(s) << (s ? "" : s.err().message);
  return *s;
}

struct traced_run {
  run_result plain, traced;
  json doc;
  bool truncated = false;
};

/// Runs s twice, without and with a trace, and parses the trace.
traced_run run_traced(const scenario& s, trace_options opts) {
  test::temp_dir dir("bystack-viz");
  auto path = (dir.path() / "trace.json").string();
  traced_run out;
  auto a = run(s);
  EXPECT_TRUE(a) << (a ? "" : a.err().message);
  out.plain = *a;
  auto w = trace_writer::open(path, std::move(opts));
  EXPECT_TRUE(w);
  auto b = run(s, {}, w->get());
  EXPECT_TRUE(b) << (b ? "" : b.err().message);
  out.traced = *b;
  out.truncated = (*w)->truncated();
  EXPECT_TRUE((*w)->close());
  std::ifstream f(path);
  out.doc = json::parse(f); // throws, and fails the test, on malformed JSON
  return out;
}

/// Checks every event for the fields its type needs, flows for both ends bound inside slices,
/// and slices for time order per track. Returns the events by category.
std::map<std::string, std::size_t> check_trace(const json& doc) {
  std::map<std::string, std::size_t> by_cat;
  EXPECT_TRUE(doc.contains("traceEvents"));
  EXPECT_TRUE(doc["traceEvents"].is_array());
  using track = std::pair<int, int>;
  std::map<track, std::vector<std::pair<double, double>>> slices;
  std::map<std::uint64_t, std::pair<track, double>> starts, ends;
  for (const auto& e : doc["traceEvents"]) {
    for (const char* k : {"ph", "ts", "pid", "tid", "name"})
      EXPECT_TRUE(e.contains(k)) << k << " missing in " << e.dump();
    auto ph = e["ph"].get<std::string>();
    EXPECT_TRUE(e["ts"].is_number()) << e.dump();
    EXPECT_GE(e["pid"].get<int>(), 1) << e.dump();
    track tr{e["pid"].get<int>(), e["tid"].get<int>()};
    double ts = e["ts"].get<double>();
    if (e.contains("cat")) ++by_cat[e["cat"].get<std::string>()];
    if (ph == "X") {
      EXPECT_TRUE(e.contains("dur") && e["dur"].is_number()) << e.dump();
      EXPECT_GT(e["dur"].get<double>(), 0) << e.dump();
      slices[tr].emplace_back(ts, e["dur"].get<double>());
    } else if (ph == "s" || ph == "f") {
      EXPECT_TRUE(e.contains("id") && e.contains("cat")) << e.dump();
      auto& side = ph == "s" ? starts : ends;
      EXPECT_TRUE(side.emplace(e["id"].get<std::uint64_t>(), std::pair{tr, ts}).second)
          << "flow id used twice: " << e.dump();
      if (ph == "f") {
        EXPECT_EQ(e.value("bp", ""), "e") << e.dump();
      }
    } else if (ph == "i") {
      EXPECT_EQ(e.value("s", ""), "t") << e.dump();
    } else {
      EXPECT_EQ(ph, "M") << e.dump();
      EXPECT_TRUE(e.contains("args")) << e.dump();
    }
  }
  // Slices of one node follow each other without overlapping (its CPU does one thing at a time).
  for (const auto& [tr, v] : slices)
    for (std::size_t i = 1; i < v.size(); ++i) {
      EXPECT_LE(v[i - 1].first, v[i].first) << "track " << tr.second << " slice " << i;
      EXPECT_LE(v[i - 1].first + v[i - 1].second, v[i].first + 1e-6)
          << "track " << tr.second << " slice " << i;
    }
  // Every flow has both ends, and each end lies strictly inside a slice of its track.
  auto inside = [&](const track& tr, double ts) {
    for (const auto& [start, dur] : slices[tr])
      if (ts > start && ts < start + dur) return true;
    return false;
  };
  for (const auto& [id, at] : starts) {
    EXPECT_TRUE(ends.count(id)) << "flow " << id << " has no end";
    EXPECT_TRUE(inside(at.first, at.second)) << "flow " << id << " starts outside a slice";
  }
  for (const auto& [id, at] : ends) {
    EXPECT_TRUE(starts.count(id)) << "flow " << id << " has no start";
    EXPECT_TRUE(inside(at.first, at.second)) << "flow " << id << " ends outside a slice";
    if (starts.count(id)) {
      EXPECT_LE(starts[id].second, at.second) << "flow " << id;
    }
  }
  return by_cat;
}

TEST(trace, figure5_is_valid_chrome_json_and_keeps_the_trace_hash) {
  auto s = load("scenarios/figure5.yaml");
  s.rounds = 6;
  auto r = run_traced(s, {});
  EXPECT_EQ(r.plain.trace_hash, r.traced.trace_hash);
  EXPECT_EQ(r.plain.delivered, r.traced.delivered);
  EXPECT_FALSE(r.truncated);
  auto cats = check_trace(r.doc);
  for (const char* c : {"T0", "T1", "T2", "T3", "T4", "certify", "commit"})
    EXPECT_GT(cats[c], 0u) << c;
  // One named track per node, the super nodes (0 and 5) marked as such.
  std::map<int, std::string> names;
  for (const auto& e : r.doc["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "thread_name")
      names[e["tid"].get<int>() - 1] = e["args"]["name"].get<std::string>();
  ASSERT_EQ(names.size(), 7u);
  EXPECT_EQ(names[0].rfind("S0 (super", 0), 0u) << names[0];
  EXPECT_EQ(names[5].rfind("S1 (super", 0), 0u) << names[5];
  EXPECT_EQ(names[3], "node 3");
  EXPECT_EQ(r.doc["otherData"]["truncated"], false);
}

TEST(trace, default_network_bounded_by_nodes_and_views) {
  auto s = load("scenarios/default.yaml");
  s.rounds = 5;
  trace_options o;
  ASSERT_TRUE(apply_trace_bound("--trace-nodes", "0-12,50", o));
  ASSERT_TRUE(apply_trace_bound("--trace-views", "2-3", o));
  auto r = run_traced(s, o);
  EXPECT_EQ(r.plain.trace_hash, r.traced.trace_hash);
  auto cats = check_trace(r.doc);
  EXPECT_GT(cats["T2"], 0u);
  std::set<int> tids;
  for (const auto& e : r.doc["traceEvents"]) {
    tids.insert(e["tid"].get<int>() - 1);
    if (e["ph"] == "X" && e["name"].get<std::string>()[0] == 'T') {
      // A slice is kept for its own view, or because it sent a message of a kept view.
      auto v = e["args"]["view"].get<int>();
      EXPECT_TRUE(v >= 1 && v <= 3) << e.dump();
    }
    if (e["ph"] == "i") {
      // Certified in a kept view; committed as a kept view certifies its child.
      auto v = e["args"]["view"].get<int>();
      EXPECT_TRUE(v >= (e["name"] == "commit" ? 1 : 2) && v <= 3) << e.dump();
    }
  }
  for (int t : tids)
    EXPECT_TRUE(t <= 12 || t == 50) << t;
}

TEST(trace, stops_at_the_event_bound_and_stays_valid) {
  auto s = load("scenarios/figure5.yaml");
  s.rounds = 4;
  trace_options o;
  o.events_max = 150;
  auto r = run_traced(s, o);
  EXPECT_TRUE(r.truncated);
  EXPECT_LE(r.doc["traceEvents"].size(), 150u);
  EXPECT_EQ(r.doc["otherData"]["truncated"], true);
  check_trace(r.doc);
  EXPECT_EQ(r.plain.trace_hash, r.traced.trace_hash);
}

TEST(trace, window_bound) {
  auto s = load("scenarios/figure5.yaml");
  s.rounds = 4;
  trace_options o;
  ASSERT_TRUE(apply_trace_bound("--trace-window-ms", "100-250", o));
  auto r = run_traced(s, o);
  check_trace(r.doc);
  for (const auto& e : r.doc["traceEvents"])
    if (e["ph"] == "X" || e["ph"] == "i") {
      EXPECT_GE(e["ts"].get<double>(), 100'000) << e.dump();
      EXPECT_LE(e["ts"].get<double>(), 250'000) << e.dump();
    }
}

TEST(trace, parses_bounds) {
  auto n = parse_node_list("9,1-3,2");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, (std::vector<std::uint32_t>{1, 2, 3, 9}));
  EXPECT_FALSE(parse_node_list("3-1"));
  EXPECT_FALSE(parse_node_list("a"));
  EXPECT_FALSE(parse_node_list(""));
  auto r = parse_range("2.5-10");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 2.5);
  EXPECT_EQ(r->second, 10);
  EXPECT_FALSE(parse_range("10-2"));
  EXPECT_FALSE(parse_range("-3"));
}

// -- sequence diagram
// ------------------------------------------------------------------------------

/// Checks that every element opened is closed in order (comments, declarations and self-closing
/// elements aside); returns the first problem or "".
std::string unbalanced(const std::string& svg) {
  std::vector<std::string> stack;
  std::size_t i = 0;
  while ((i = svg.find('<', i)) != std::string::npos) {
    auto end = svg.find('>', i);
    if (end == std::string::npos) return "unterminated tag";
    auto tag = svg.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.empty()) return "empty tag";
    if (tag[0] == '?' || tag[0] == '!') continue;
    if (tag.back() == '/') continue;
    auto name = tag.substr(tag[0] == '/' ? 1 : 0);
    name = name.substr(0, name.find_first_of(" \t\n"));
    if (tag[0] == '/') {
      if (stack.empty() || stack.back() != name) return "unexpected </" + name + ">";
      stack.pop_back();
    } else {
      stack.push_back(name);
    }
  }
  return stack.empty() ? "" : "unclosed <" + stack.back() + ">";
}

TEST(sequence, figure5_view_has_every_lane_and_phase) {
  auto s = load("scenarios/figure5.yaml");
  s.rounds = 6;
  sequence_recorder seq(figure5_view);
  auto plain = run(s);
  auto r = run(s, {}, &seq);
  ASSERT_TRUE(r);
  EXPECT_EQ(plain->trace_hash, r->trace_hash);
  std::ostringstream o;
  ASSERT_TRUE(seq.render(o));
  auto svg = o.str();
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_EQ(unbalanced(svg), "");
  for (int i = 0; i < 7; ++i)
    EXPECT_NE(svg.find("class=\"lane\" data-node=\"" + std::to_string(i) + "\""), std::string::npos)
        << "lane " << i;
  for (const char* p : {"T0", "T1", "T2", "T3", "T4"}) {
    EXPECT_NE(svg.find(std::string("class=\"phase\" data-phase=\"") + p + "\""), std::string::npos)
        << p;
    EXPECT_NE(svg.find(std::string("class=\"msg\" data-phase=\"") + p + "\""), std::string::npos)
        << p;
  }
  // Every node certifies the view (all seven are honest and up).
  std::size_t markers = 0;
  for (std::size_t i = 0; (i = svg.find("class=\"certified\"", i)) != std::string::npos; ++i)
    ++markers;
  EXPECT_EQ(markers, 7u);
  EXPECT_NE(svg.find("L = S"), std::string::npos);
}

TEST(sequence, refuses_large_networks_and_unreached_views) {
  EXPECT_TRUE(sequence_recorder::check_size(64));
  auto big = sequence_recorder::check_size(100);
  ASSERT_FALSE(big);
  EXPECT_NE(big.err().message.find("64"), std::string::npos);
  auto s = load("scenarios/figure5.yaml");
  s.rounds = 2;
  sequence_recorder seq(500);
  ASSERT_TRUE(run(s, {}, &seq));
  std::ostringstream o;
  EXPECT_FALSE(seq.render(o));
}

// -- report series -----------------------------------------------------------------------------

TEST(report, json_has_commit_round_and_load_series) {
  auto s = load("scenarios/figure5.yaml");
  s.rounds = 5;
  auto r = run(s);
  ASSERT_TRUE(r);
  std::ostringstream o;
  write_json(o, s, *r);
  auto doc = json::parse(o.str());
  for (const char* k : {"seed", "trace_hash", "messages_by_phase", "commit_latency_ms", "load"})
    EXPECT_TRUE(doc.contains(k)) << k;
  ASSERT_EQ(doc["commits"].size(), 5u);
  double last = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    const auto& c = doc["commits"][i];
    EXPECT_EQ(c["height"], i + 1);
    EXPECT_GT(c["latency_ms"].get<double>(), 0);
    EXPECT_GE(c["sim_ms"].get<double>(), last);
    last = c["sim_ms"].get<double>();
  }
  EXPECT_EQ(doc["messages_per_round"].size(), r->views_measured);
  EXPECT_EQ(doc["messages_per_round"][0]["T2"], 7u - 2u);
  ASSERT_EQ(doc["node_load"].size(), 7u);
  EXPECT_EQ(doc["node_load"][0]["super"], true);
  EXPECT_EQ(doc["node_load"][1]["super"], false);
  EXPECT_EQ(doc["node_load"][5]["super"], true);
}

} // namespace
} // namespace bystack::sim
