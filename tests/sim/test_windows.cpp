// Lookahead windows and two worker threads give the run of one instant per window: same trace
// hash, same counts (docs/simulator.md, "Windows and threads").

#include "sim/heap_trim.hpp"
#include "sim/huge_pages.hpp"
#include "sim/scenario.hpp"
#include "sim/simulation.hpp"
#include "sim/window_chunks.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#if defined(__linux__)
#include <sys/prctl.h>
#endif
#include <algorithm>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

namespace bystack::sim {
namespace {

struct outcome {
  std::string hash;
  std::uint64_t delivered, events, messages, bytes, node_messages;
  bool completed;
  std::uint64_t split_flushes = 0;
  std::vector<std::uint64_t> msgs_in, bytes_in; ///< each node's received load
};

outcome run_with(scenario s, bool windows, std::uint32_t threads) {
  s.sim_windows = windows;
  s.sim_threads = threads;
  auto r = run(s);
  EXPECT_TRUE(r) << (r ? "" : r.err().message);
  if (!r) return {};
  outcome o{r->trace_hash,
            r->delivered,
            r->events,
            r->messages_total,
            r->bytes_total,
            r->node_messages,
            r->completed,
            r->split_flushes,
            {},
            {}};
  std::uint64_t in = 0;
  for (const auto& l : r->loads) {
    o.msgs_in.push_back(l.msgs_in);
    o.bytes_in.push_back(l.bytes_in);
    in += l.msgs_in;
  }
  // Every delivery counts at its receiver, and none of those the run's end dropped.
  EXPECT_EQ(in, r->delivered);
  return o;
}

void expect_same(const outcome& a, const outcome& b, const char* what) {
  EXPECT_EQ(a.hash, b.hash) << what;
  EXPECT_EQ(a.delivered, b.delivered) << what;
  EXPECT_EQ(a.events, b.events) << what;
  EXPECT_EQ(a.messages, b.messages) << what;
  EXPECT_EQ(a.bytes, b.bytes) << what;
  EXPECT_EQ(a.completed, b.completed) << what;
  EXPECT_EQ(a.msgs_in, b.msgs_in) << what;
  EXPECT_EQ(a.bytes_in, b.bytes_in) << what;
}

TEST(Windows, OneAndTwoThreadsAndInstantsGiveTheSameRun) {
  auto s = reference_scenario(300, 17, 5);
  auto instants = run_with(s, false, 1);
  auto windows = run_with(s, true, 1);
  auto two = run_with(s, true, 2);
  EXPECT_TRUE(instants.completed);
  expect_same(instants, windows, "windows of 20 ms against one instant per window");
  expect_same(windows, two, "two threads against one");
  // Windows put several events in one CAF message (here 1.6 times as many as instants do): at
  // least a fifth fewer messages.
  EXPECT_LT(windows.node_messages * 5, instants.node_messages * 4);
  // The hash does tell runs apart.
  s.seed = 8;
  EXPECT_NE(run_with(s, true, 2).hash, windows.hash);
}

/// Stale timers' keys taken out of the event queue (a view timeout of 5 s puts every view timer
/// beyond the calendar's 4.2 s ring, and the run lasts long enough for the stale timers' instants
/// to come due): the loop still visits their instants, so the run is the one of the binary that
/// kept every key (values below measured with compaction switched off), with windows and with
/// one instant per window.
TEST(Windows, CompactedStaleTimersLeaveTheRunUnchanged) {
  // The reference network with the run these figures were measured on: seed 7, 20 transactions.
  auto s = reference_scenario(120, 11, 40);
  s.seed = 7;
  s.protocol.synthetic_txs_per_block = 20;
  s.max_sim_seconds = scenario{}.max_sim_seconds;
  s.protocol.view_timeout_us = 5'000'000;
  for (bool windows : {true, false}) {
    s.sim_windows = windows;
    auto r = run(s);
    ASSERT_TRUE(r) << r.err().message;
    EXPECT_TRUE(r->completed);
    EXPECT_GT(r->stale_timers_compacted, 500u);
    EXPECT_EQ(r->trace_hash, "8713cc8f90b0c19e");
    EXPECT_EQ(r->delivered, 18460u);
    // Every stale timer's instant is counted as an event, and windows open at them.
    EXPECT_EQ(r->events, 21858u);
    EXPECT_EQ(r->windows, windows ? 500u : 21704u);
    EXPECT_NEAR(r->sim_seconds, 10.2538, 1e-4); // stale instants came due (timeout 5 s)
  }
}

/// The allocator's freed pages returned to the system at window ends (sim/heap_trim.hpp) change
/// memory only: purging after every window gives the run without purging. This binary links
/// jemalloc (tests/sim/CMakeLists.txt), so the purges really happen.
TEST(Windows, HeapTrimmingLeavesTheRunUnchanged) {
  auto s = reference_scenario(300, 300, 3);
  ::setenv("BYSTACK_SIM_TRIM", "0", 1);
  auto plain = run(s);
  ::setenv("BYSTACK_SIM_TRIM", "0,1000000", 1); // purge whenever a page is dirty
  auto trimmed = run(s);
  ::unsetenv("BYSTACK_SIM_TRIM");
  ASSERT_TRUE(plain && trimmed);
  EXPECT_EQ(plain->heap_trims, 0u);
  if (!heap_trimmer(0, 1).active()) GTEST_SKIP() << "not running on jemalloc";
  EXPECT_GT(trimmed->heap_trims, 10u);
  EXPECT_TRUE(trimmed->completed);
  EXPECT_EQ(trimmed->trace_hash, plain->trace_hash);
  EXPECT_EQ(trimmed->delivered, plain->delivered);
  EXPECT_EQ(trimmed->events, plain->events);
  EXPECT_EQ(trimmed->windows, plain->windows);
  EXPECT_EQ(trimmed->messages_total, plain->messages_total);
}

/// The trimmer reads jemalloc's counts (an `epoch`, tens of microseconds) only after the run's
/// threads freed an eighth of the floor since the last reading: a wide-area run has millions of
/// windows of one or two events, and reading at every window end took most of its CPU time.
TEST(Windows, HeapTrimmerReadsTheCountsOnlyAfterFrees) {
  heap_trimmer t(1 << 20, 1000000); // floor 1 MiB: read after 128 KiB freed
  if (!t.active() || !heap_trimmer::thread_freed_counter())
    GTEST_SKIP() << "not running on jemalloc";
  for (int i = 0; i < 100; ++i)
    EXPECT_FALSE(t.maybe_trim()); // nothing freed: no reading
  EXPECT_EQ(t.readings(), 0u);
  // 8 MiB in 4 KiB blocks, then freed: a reading, and the dirty pages are over the floor.
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 2048; ++i) {
    blocks.emplace_back(new char[4096]);
    blocks.back()[i % 4096] = static_cast<char>(i);
  }
  blocks.clear();
  EXPECT_TRUE(t.maybe_trim());
  EXPECT_EQ(t.readings(), 1u);
  EXPECT_EQ(t.trims(), 1u);
  EXPECT_FALSE(t.maybe_trim());
  EXPECT_EQ(t.readings(), 1u);
  // Without a floor it reads at every call (the previous test purges after every window so).
  heap_trimmer every(0, 1000000);
  for (int i = 0; i < 5; ++i)
    every.maybe_trim();
  EXPECT_EQ(every.readings(), 5u);
}

/// --dispatch direct (scenario::sim_direct_dispatch) measures what CAF's dispatch costs by
/// calling the node handlers where CAF would run them: the run must be the same one, on one and
/// two threads, with crashes and restarts (a restarted core is replaced in place).
/// Huge pages (sim/huge_pages.hpp): a run above the largest network measured faster on them
/// switches them off for its process, and nothing switches them back on.
TEST(Windows, HugePagesOffAboveTheLargestNetworkMeasuredFaster) {
#if defined(__linux__) && defined(PR_GET_THP_DISABLE)
  const bool before = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1; // possibly inherited
  EXPECT_EQ(huge_pages_for_run(1000), before);
  EXPECT_EQ(huge_pages_for_run(huge_pages_max_nodes), before);
  EXPECT_TRUE(huge_pages_for_run(huge_pages_max_nodes + 1));
  EXPECT_EQ(prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0), 1);
  EXPECT_TRUE(huge_pages_for_run(1000)); // never back on
#else
  GTEST_SKIP() << "no prctl(PR_SET_THP_DISABLE) here";
#endif
}

TEST(Windows, ChunksForTwoThreadsHoldWholeGroupsAndEveryNodeOnce) {
  // N = 1,000 in 20 groups of 50 (ids in runs); a window's nodes: every third node.
  auto topo = bbft::topology::even(1000, 20);
  ASSERT_TRUE(topo.ok());
  std::vector<std::uint32_t> nodes;
  for (std::uint32_t i = 0; i < 1000; i += 3)
    nodes.push_back(i);
  std::vector<std::uint32_t> ends;
  cut_window_chunks(nodes, *topo, true, 32, ends);
  ASSERT_FALSE(ends.empty());
  EXPECT_EQ(ends.back(), nodes.size());
  std::size_t begin = 0;
  for (auto end : ends) {
    ASSERT_GT(end, begin); // every node in exactly one chunk, in order
    if (end != nodes.size()) {
      EXPECT_GE(end - begin, 32u);
      // A chunk ends at a group's end: the next chunk starts another group.
      EXPECT_NE(topo->group_of(nodes[end - 1]), topo->group_of(nodes[end]));
    }
    begin = end;
  }
  // 17 nodes of a group per window: two groups make a chunk of at least 32.
  EXPECT_EQ(ends.size(), 10u);

  // Without groups the cut falls every 32 nodes.
  cut_window_chunks(nodes, *topo, false, 32, ends);
  EXPECT_EQ(ends.size(), (nodes.size() + 31) / 32);
  EXPECT_EQ(ends.front(), 32u);
  cut_window_chunks({}, *topo, true, 32, ends);
  EXPECT_TRUE(ends.empty());
}

TEST(Windows, ChunkClaimsGiveEveryChunkOnceTheFirstThreadFromTheFrontTheSecondFromTheBack) {
  chunk_claims claims;
  claims.reset(5);
  std::uint32_t c = 99;
  ASSERT_TRUE(claims.claim(0, c));
  EXPECT_EQ(c, 0u);
  ASSERT_TRUE(claims.claim(1, c));
  EXPECT_EQ(c, 4u);
  ASSERT_TRUE(claims.claim(1, c));
  EXPECT_EQ(c, 3u);
  ASSERT_TRUE(claims.claim(0, c));
  EXPECT_EQ(c, 1u);
  ASSERT_TRUE(claims.claim(1, c));
  EXPECT_EQ(c, 2u);
  EXPECT_FALSE(claims.claim(0, c));
  EXPECT_FALSE(claims.claim(1, c));
  claims.reset(0);
  EXPECT_FALSE(claims.claim(0, c));

  // Two threads at once: every chunk exactly once, each thread's in its own order.
  for (int round = 0; round < 50; ++round) {
    constexpr std::uint32_t n = 2000;
    claims.reset(n);
    std::vector<std::uint32_t> got[2];
    auto take = [&](unsigned me) {
      for (std::uint32_t k = 0; claims.claim(me, k);)
        got[me].push_back(k);
    };
    std::thread other(take, 1u);
    take(0);
    other.join();
    std::vector<int> seen(n, 0);
    for (auto& g : got)
      for (auto k : g)
        ++seen[k];
    for (std::uint32_t k = 0; k < n; ++k)
      ASSERT_EQ(seen[k], 1) << "chunk " << k;
    EXPECT_TRUE(std::is_sorted(got[0].begin(), got[0].end()));
    EXPECT_TRUE(std::is_sorted(got[1].rbegin(), got[1].rend()));
    // The front thread's chunks all come before the back thread's.
    if (!got[0].empty() && !got[1].empty()) {
      EXPECT_LT(got[0].back(), got[1].back());
    }
  }
}

TEST(Windows, DirectDispatchGivesTheSameRun) {
  auto s = reference_scenario(300, 17, 5);
  s.max_sim_seconds = 30; // the run takes 2.5 s of simulated time; a broken one stops early
  auto via_caf = run_with(s, true, 1);
  s.sim_direct_dispatch = true;
  expect_same(via_caf, run_with(s, true, 1), "direct, one thread");
  auto two = run_with(s, true, 2);
  expect_same(via_caf, two, "direct, two threads");
  EXPECT_EQ(two.node_messages, via_caf.node_messages);
  auto f = load_scenario("scenarios/faults/crash-restart.yaml");
  ASSERT_TRUE(f) << f.err().message;
  auto restarts = run_with(*f, true, 1);
  f->sim_direct_dispatch = true;
  expect_same(restarts, run_with(*f, true, 1), "direct, crash-restart.yaml");
}

TEST(Windows, ListCertificatesAndConstantLatency) {
  auto s = reference_scenario(120, 11, 4);
  s.certificates = "list";
  s.network.latency.model = latency_model::kind::constant;
  s.network.latency.ms = 15;
  auto instants = run_with(s, false, 1);
  expect_same(instants, run_with(s, true, 1), "windows");
  expect_same(instants, run_with(s, true, 2), "two threads");
}

TEST(Windows, ScenarioFilesWithFaultsAndRegions) {
  // Crashes and restarts end windows where a node goes down or comes back; loss draws are keyed
  // by link; regions give the lookahead from the smallest half round trip minus jitter.
  for (const char* f :
       {"scenarios/faults/crash-restart.yaml", "scenarios/faults/partition-heals.yaml",
        "scenarios/figure5.yaml", "scenarios/faults/f-crashed-validators.yaml"}) {
    auto s = load_scenario(f); // ctest runs in the source directory
    ASSERT_TRUE(s) << f << ": " << s.err().message;
    auto instants = run_with(*s, false, 1);
    expect_same(instants, run_with(*s, true, 1), f);
    expect_same(instants, run_with(*s, true, 2), f);
  }
}

/// The split flush (scenario::sim_split_flush): each window's sends on one thread, its timers,
/// notes and trace on the other, their sequence numbers counted ahead. The run must be the one
/// of the serial flush, with timers of view changes, crashes and restarts, regions and the
/// ledger's commits; windows it cannot split (the last round's, twins, link faults) fall back.
TEST(Windows, SplitFlushGivesTheSameRun) {
  auto s = reference_scenario(300, 17, 5);
  auto serial = run_with(s, true, 2);
  s.sim_split_flush = true;
  auto split = run_with(s, true, 2);
  expect_same(serial, split, "split flush, reference run");
  EXPECT_GT(split.split_flushes, 0u);
  EXPECT_EQ(serial.split_flushes, 0u);
  // One thread has no second stream: the serial flush.
  EXPECT_EQ(run_with(s, true, 1).split_flushes, 0u);
  // A constant latency makes events of one instant common: their order is their sequence
  // numbers', which the two streams must count alike.
  auto c = reference_scenario(120, 11, 4);
  c.network.latency.model = latency_model::kind::constant;
  c.network.latency.ms = 15;
  auto c_serial = run_with(c, true, 2);
  c.sim_split_flush = true;
  auto c_split = run_with(c, true, 2);
  expect_same(c_serial, c_split, "split flush, constant latency");
  EXPECT_GT(c_split.split_flushes, 0u);
  // Crashes and restarts, crashed validators (view changes), regions: split; link faults
  // (their verdicts are drawn in the order of sends): never split.
  for (auto [f, splits] : {std::pair{"scenarios/faults/crash-restart.yaml", true},
                           {"scenarios/faults/f-crashed-validators.yaml", true},
                           {"scenarios/faults/figure5-large-super-crash.yaml", true},
                           {"scenarios/figure5.yaml", true},
                           {"scenarios/faults/partition-heals.yaml", false}}) {
    auto sc = load_scenario(f);
    ASSERT_TRUE(sc) << f << ": " << sc.err().message;
    auto one = run_with(*sc, true, 2);
    sc->sim_split_flush = true;
    auto two = run_with(*sc, true, 2);
    expect_same(one, two, f);
    EXPECT_EQ(two.split_flushes > 0, splits) << f;
  }
}

} // namespace
} // namespace bystack::sim
