// Runs a 4-node bystackd cluster on loopback with `protocol.relay: compact` (ledger: opaque, one
// super node) and submits client transactions to every node: they must spread by gossip, the
// leader's proposals must go out compact (no full proposal on the wire), the members must rebuild
// the blocks from their mempools, every submitted transaction must commit exactly once and all
// nodes must hold the same chain.
//
// Polls only, with generous deadlines; no timing assertions.
#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/block.hpp"
#include "tests/common/cluster_process.hpp"
#include "tests/common/opaque_txs.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace bystack::node {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
using bystack::test::poll_until;

constexpr std::uint32_t nodes = 4;

std::uint64_t series(const std::string& text, const std::string& name) {
  auto pos = text.find("\n" + name + " ");
  if (pos == std::string::npos) return 0;
  return std::stoull(text.substr(pos + name.size() + 2));
}

class compact_cluster : public ::testing::Test {
protected:
  /// The ledger flags of `bystackd testnet`.
  virtual std::string ledger_flags() const { return "--ledger opaque"; }
  /// The topology flags of `bystackd testnet`.
  virtual std::string topology_flags() const { return "--supers 1"; }
  /// Further edits of every node's config text (after min_age_ms became 300).
  virtual void edit_config(std::string&) const {}

  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "bystack-compact-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    base_ = bystack::test::pick_base_port(2 * static_cast<int>(nodes));
    auto cmd = std::string(BYSTACKD) + " testnet --dir " + dir_.string() + " --nodes 4 " +
               topology_flags() + " " + ledger_flags() +
               " --relay compact --block-interval-ms 200" +
               " --view-timeout-ms 2000 --group-wait-ms 300 --base-port " + std::to_string(base_) +
               " > " + (dir_ / "testnet.log").string() + " 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    // Batches become proposable after 300 ms instead of 1 s: a shorter test, the same protocol.
    for (std::uint32_t i = 0; i < nodes; ++i) {
      auto cfg = dir_ / ("node" + std::to_string(i) + ".yaml");
      std::ifstream in(cfg);
      std::stringstream s;
      s << in.rdbuf();
      auto text = s.str();
      auto pos = text.find("min_age_ms: 1000");
      ASSERT_NE(pos, std::string::npos) << "no gossip section in " << cfg;
      text.replace(pos, 16, "min_age_ms: 300");
      edit_config(text);
      std::ofstream(cfg) << text;
    }
    pids_.assign(nodes, -1);
    for (std::uint32_t i = 0; i < nodes; ++i) {
      auto cfg = (dir_ / ("node" + std::to_string(i) + ".yaml")).string();
      auto log = (dir_ / ("node" + std::to_string(i) + ".log")).string();
      pids_[i] = bystack::test::spawn_node(BYSTACKD, cfg, log);
      ASSERT_GE(pids_[i], 0);
    }
  }

  void TearDown() override {
    for (auto pid : pids_) {
      if (pid <= 0) continue;
      if (auto err = bystack::test::stop_process(pid, SIGTERM); !err.empty()) ADD_FAILURE() << err;
    }
    if (!HasFailure()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    } else {
      std::cerr << "cluster files kept in " << dir_ << "\n";
    }
  }

  int api_port(std::uint32_t i) const { return base_ + 2 * static_cast<int>(i) + 1; }

  std::optional<json> get(std::uint32_t i, const std::string& path) {
    httplib::Client cli("127.0.0.1", api_port(i));
    cli.set_connection_timeout(2, 0);
    cli.set_read_timeout(10, 0);
    auto r = cli.Get(path.c_str());
    if (!r || r->status != 200) return std::nullopt;
    auto j = json::parse(r->body, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
  }
  std::string metrics(std::uint32_t i) {
    httplib::Client cli("127.0.0.1", api_port(i));
    cli.set_read_timeout(10, 0);
    auto r = cli.Get("/metrics");
    return r && r->status == 200 ? r->body : std::string();
  }
  std::uint64_t committed(std::uint32_t i) {
    auto s = get(i, "/status");
    return s ? (*s)["committed_height"].get<std::uint64_t>() : 0;
  }

  /// Submits n signed opaque transactions to node i; returns their ids.
  std::vector<std::string> submit(std::uint32_t i, std::size_t n) {
    auto made = bystack::test::make_opaque_txs(7, nonce_, n, 100);
    post(i, made.txs);
    return made.ids;
  }
  /// Posts a "txs" array to node i; every transaction must be accepted, or with `copies` also
  /// refused as a duplicate (a copy that reached the node by a block first).
  void post(std::uint32_t i, const json& txs, bool copies = false) {
    httplib::Client cli("127.0.0.1", api_port(i));
    cli.set_read_timeout(30, 0);
    auto r = cli.Post("/tx", json{{"txs", txs}}.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    if (!r || r->status != 200) return;
    auto j = json::parse(r->body);
    auto accepted = j["accepted"].get<std::size_t>();
    if (copies) accepted += j["duplicate_or_pool_full"].get<std::size_t>();
    EXPECT_EQ(accepted, txs.size()) << "node " << i << ": " << r->body;
  }
  /// Waits until node 3 committed every id of `want`; returns how often each was seen.
  std::multiset<std::string> wait_committed(const std::set<std::string>& want) {
    std::multiset<std::string> seen;
    std::uint64_t read_to = 0;
    bool all = poll_until(60s, [&] {
      auto h = committed(3);
      if (h > read_to && read_ids(3, read_to + 1, h, seen)) read_to = h;
      for (const auto& id : want)
        if (!seen.count(id)) return false;
      return true;
    });
    std::size_t missing = 0;
    for (const auto& id : want)
      missing += seen.count(id) == 0;
    EXPECT_TRUE(all) << missing << " of " << want.size() << " transactions not committed";
    // A few more blocks: a second copy would show up in them.
    auto h = read_to;
    poll_until(20s, [&] { return committed(3) >= h + 4; });
    auto now = committed(3);
    if (now > read_to) read_ids(3, read_to + 1, now, seen);
    return seen;
  }

  /// Waits (up to `limit`) until every node committed height h.
  bool all_committed(std::uint64_t h, std::chrono::seconds limit) {
    return poll_until(limit, [&] {
      for (std::uint32_t i = 0; i < nodes; ++i)
        if (committed(i) < h) return false;
      return true;
    });
  }
  /// Waits until node 3 committed every id of `want`; expects each of them once and no other.
  void expect_committed_once(const std::set<std::string>& want) {
    auto seen = wait_committed(want);
    std::size_t twice = 0;
    for (const auto& id : want)
      twice += seen.count(id) > 1;
    EXPECT_EQ(twice, 0u) << "transactions committed more than once";
    EXPECT_EQ(seen.size(), want.size()) << "blocks hold transactions nobody submitted";
  }
  /// Expects every node to hold node 0's block at height h.
  void expect_same_block(std::uint64_t h) {
    auto ref = get(0, "/block/" + std::to_string(h));
    ASSERT_TRUE(ref);
    for (std::uint32_t i = 1; i < nodes; ++i) {
      auto b = get(i, "/block/" + std::to_string(h));
      ASSERT_TRUE(b) << "node " << i;
      EXPECT_EQ((*b)["hash"], (*ref)["hash"]) << "node " << i << " at height " << h;
    }
  }

  /// Adds the ids of the transactions committed at heights from..to on node i to `out`.
  bool read_ids(std::uint32_t i, std::uint64_t from, std::uint64_t to,
                std::multiset<std::string>& out) {
    for (auto h = from; h <= to; ++h) {
      auto b = get(i, "/block/" + std::to_string(h));
      if (!b) return false;
      for (const auto& id : (*b)["tx_ids"])
        out.insert(id.get<std::string>());
    }
    return true;
  }

  fs::path dir_;
  int base_ = 0;
  std::vector<pid_t> pids_;
  std::uint64_t nonce_ = 1;
};

TEST_F(compact_cluster, gossiped_transactions_commit_once_in_blocks_the_members_rebuild) {
  // All nodes up and committing.
  ASSERT_TRUE(all_committed(2, 40s)) << "the cluster does not commit";

  // Client transactions enter at every node: each node holds a quarter of them until gossip.
  std::vector<std::string> ids;
  for (int round = 0; round < 3; ++round)
    for (std::uint32_t i = 0; i < nodes; ++i) {
      auto got = submit(i, 150);
      ids.insert(ids.end(), got.begin(), got.end());
    }
  const std::set<std::string> want(ids.begin(), ids.end());
  ASSERT_EQ(want.size(), ids.size());

  // Every submitted transaction commits, at node 3 (a member that took a quarter of them).
  std::multiset<std::string> seen;
  std::uint64_t read_to = 0;
  bool all = poll_until(60s, [&] {
    auto h = committed(3);
    if (h > read_to && read_ids(3, read_to + 1, h, seen)) read_to = h;
    for (const auto& id : want)
      if (!seen.count(id)) return false;
    return true;
  });
  std::size_t missing = 0;
  for (const auto& id : want)
    missing += seen.count(id) == 0;
  ASSERT_TRUE(all) << missing << " of " << want.size() << " transactions not committed";
  for (const auto& id : want)
    EXPECT_EQ(seen.count(id), 1u) << "transaction " << id << " committed more than once";
  EXPECT_EQ(seen.size(), want.size()) << "blocks hold transactions nobody submitted";

  // Commits go on, and every node holds the same chain up to a common height.
  auto h = read_to;
  ASSERT_TRUE(all_committed(h + 2, 30s)) << "commits stopped after the load";
  ASSERT_NO_FATAL_FAILURE(expect_same_block(h));

  // The members rebuilt the blocks from gossiped batches; nothing failed.
  for (std::uint32_t i = 1; i < nodes; ++i) {
    auto s = get(i, "/status");
    ASSERT_TRUE(s);
    const auto& c = (*s)["compact"];
    EXPECT_GE(c["rebuilt"].get<std::uint64_t>(), h / 2) << "node " << i << ": " << c.dump();
    EXPECT_GT(c["gossip_batches"].get<std::uint64_t>(), 0u) << "node " << i << ": " << c.dump();
    EXPECT_EQ(c["failed"].get<std::uint64_t>(), 0u) << "node " << i << ": " << c.dump();
  }
  // The leader sent compact proposals only, and the transaction bodies went out as gossip.
  auto m0 = metrics(0);
  EXPECT_GT(series(m0, "bystack_messages_out_bytes_total{type=\"compact_proposal\"}"), 0u);
  EXPECT_EQ(series(m0, "bystack_messages_out_bytes_total{type=\"proposal\"}"), 0u);
  std::uint64_t batch_bytes = 0;
  for (std::uint32_t i = 0; i < nodes; ++i)
    batch_bytes += series(metrics(i), "bystack_messages_out_bytes_total{type=\"tx_batch\"}");
  // Each of the 1,800 transactions (about 210 bytes) reaches the three other nodes.
  EXPECT_GE(batch_bytes, 3u * 200u * want.size());
}

TEST_F(compact_cluster, a_transaction_submitted_to_several_nodes_commits_once) {
  ASSERT_TRUE(all_committed(2, 40s)) << "the cluster does not commit";

  // A wallet broadcasts: the same transactions reach several nodes, alone or together with
  // other clients' transactions, so that they sit in batches that differ.
  auto shared = bystack::test::make_opaque_txs(7, nonce_, 100, 100);
  auto a = bystack::test::make_opaque_txs(8, nonce_, 50, 100);
  auto b = bystack::test::make_opaque_txs(9, nonce_, 50, 100);
  auto with = [](const json& x, const json& y) {
    json out = x;
    for (const auto& t : y)
      out.push_back(t);
    return out;
  };
  post(1, with(shared.txs, a.txs));
  post(2, with(b.txs, shared.txs), true);
  post(3, shared.txs, true);
  post(0, with(shared.txs, a.txs), true);
  std::set<std::string> want(shared.ids.begin(), shared.ids.end());
  want.insert(a.ids.begin(), a.ids.end());
  want.insert(b.ids.begin(), b.ids.end());
  ASSERT_EQ(want.size(), 200u);

  expect_committed_once(want);

  // Submitted again after its commit, a transaction is refused as a duplicate.
  httplib::Client cli("127.0.0.1", api_port(2));
  cli.set_read_timeout(30, 0);
  auto r = cli.Post("/tx", json{{"txs", shared.txs}}.dump(), "application/json");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  EXPECT_EQ(json::parse(r->body)["accepted"].get<std::size_t>(), 0u) << r->body;
}

// The three options that shorten the round (docs/relay.md), off by default, on in the node's
// config: early group certificates, block catch-up and a longer wait for a leader's own batches.
// Two super nodes (groups of 3 and 1), so that group certificates cross the wire; with
// early_group_cert 0.5 super node 0 sends its group's certificate once 2 of its 3 members voted,
// then the complete one.
class compact_fast_cluster : public compact_cluster {
protected:
  std::string topology_flags() const override { return "--groups 3,1"; }
  void edit_config(std::string& text) const override {
    auto at = text.find("  relay: compact\n");
    ASSERT_NE(at, std::string::npos);
    text.insert(at, "  block_catch_up: true\n  early_group_cert: 0.5\n");
    auto ids = text.find("    short_id_bytes: 6\n");
    ASSERT_NE(ids, std::string::npos);
    text.insert(ids, "    own_min_age_ms: 450\n");
  }
};

TEST_F(compact_fast_cluster, with_the_round_shortening_options_transactions_commit_exactly_once) {
  ASSERT_TRUE(all_committed(2, 40s)) << "the cluster does not commit";
  auto s0 = get(0, "/status");
  ASSERT_TRUE(s0);
  auto start_view = (*s0)["view"].get<std::uint64_t>();
  auto start_certs = series(metrics(0), "bystack_messages_out_total{type=\"group_certificate\"}");

  // Client transactions at every node, and 100 of them at every node (a wallet broadcasting).
  std::vector<std::string> ids;
  for (int round = 0; round < 2; ++round)
    for (std::uint32_t i = 0; i < nodes; ++i) {
      auto got = submit(i, 100);
      ids.insert(ids.end(), got.begin(), got.end());
    }
  auto shared = bystack::test::make_opaque_txs(11, nonce_, 100, 100);
  post(0, shared.txs);
  for (std::uint32_t i = 1; i < nodes; ++i)
    post(i, shared.txs, true);
  std::set<std::string> want(ids.begin(), ids.end());
  want.insert(shared.ids.begin(), shared.ids.end());
  ASSERT_EQ(want.size(), 900u);

  expect_committed_once(want);

  // Every node holds the same chain up to a common height, and nothing failed.
  auto h = committed(3);
  ASSERT_TRUE(all_committed(h, 30s)) << "the nodes do not reach height " << h;
  ASSERT_NO_FATAL_FAILURE(expect_same_block(h));
  for (std::uint32_t i = 1; i < nodes; ++i)
    EXPECT_EQ(series(metrics(i), "bystack_compact_failed_total"), 0u) << "node " << i;

  // The early certificates were on: super node 0 sent its group's certificate to super node 3
  // twice in most views (early, then complete), where without the option it sends it once.
  auto s1 = get(0, "/status");
  ASSERT_TRUE(s1);
  auto views = (*s1)["view"].get<std::uint64_t>() - start_view;
  auto certs =
      series(metrics(0), "bystack_messages_out_total{type=\"group_certificate\"}") - start_certs;
  EXPECT_GT(certs, views + views / 2) << certs << " group certificates in " << views << " views";
  std::cerr << "[compact fast] " << certs << " group certificates from super node 0 in " << views
            << " views\n";
}

// BUTXO transfers under compact relay: signed wallet transfers from bystack-loadgen, first
// spread over the nodes, then broadcast to every node. Every accepted transfer commits exactly
// once (the load generator checks both and fails otherwise), and the nodes agree on the UTXO set.
class compact_butxo_cluster : public compact_cluster {
protected:
  std::string ledger_flags() const override {
    return "--ledger butxo --wallets 32 --wallet-seed compact-test";
  }

  /// Runs bystack-loadgen against every node; returns its JSON report (null if it failed).
  json loadgen(const std::string& extra) {
    std::string submit;
    for (std::uint32_t i = 0; i < nodes; ++i)
      submit += (i ? ",127.0.0.1:" : "127.0.0.1:") + std::to_string(api_port(i));
    auto out = dir_ / "loadgen.json";
    auto cmd = std::string(LOADGEN) + " --submit " + submit +
               " --observe 127.0.0.1:" + std::to_string(api_port(3)) +
               " --wallets 32 --wallet-seed compact-test" + " --drain 60 --batch 50 " + extra +
               " > " + out.string() + " 2>> " + (dir_ / "loadgen.log").string();
    auto rc = std::system(cmd.c_str());
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    auto j = json::parse(text.str(), nullptr, false);
    EXPECT_EQ(rc, 0) << cmd << "\n" << text.str();
    if (j.is_discarded()) return json();
    return j;
  }
};

TEST_F(compact_butxo_cluster, signed_transfers_commit_exactly_once_and_balances_agree) {
  ASSERT_TRUE(all_committed(2, 40s)) << "the cluster does not commit";

  for (const std::string extra :
       {"--rate 200 --seconds 8", "--rate 100 --seconds 4 --broadcast 1"}) {
    auto r = loadgen(extra);
    ASSERT_TRUE(r.is_object()) << extra;
    EXPECT_GT(r["accepted"].get<std::uint64_t>(), 0u) << r.dump();
    EXPECT_EQ(r["committed"], r["accepted"]) << extra << ": " << r.dump();
    EXPECT_EQ(r["committed_twice"].get<std::uint64_t>(), 0u) << extra << ": " << r.dump();
    std::cerr << "[compact butxo] " << extra << ": " << r.dump() << "\n";
  }

  // The nodes agree on the UTXO set (hence on every balance) at a height all of them reached.
  std::map<std::uint64_t, std::map<std::uint32_t, std::string>> seen;
  bool common = poll_until(60s, [&] {
    for (std::uint32_t i = 0; i < nodes; ++i)
      if (auto s = get(i, "/status"))
        seen[(*s)["committed_height"].get<std::uint64_t>()][i] =
            (*s)["utxo_set_hash"].get<std::string>();
    for (const auto& [h, by_node] : seen)
      if (by_node.size() == nodes) return true;
    return false;
  });
  EXPECT_TRUE(common) << "no committed height seen on all nodes at once";
  for (const auto& [h, by_node] : seen)
    for (const auto& [i, hash] : by_node)
      EXPECT_EQ(hash, by_node.begin()->second) << "node " << i << " height " << h;

  // The blocks went out compact and were rebuilt; the counters are in /metrics.
  auto m0 = metrics(0);
  EXPECT_EQ(series(m0, "bystack_messages_out_bytes_total{type=\"proposal\"}"), 0u);
  EXPECT_GT(series(m0, "bystack_messages_out_bytes_total{type=\"compact_proposal\"}"), 0u);
  for (std::uint32_t i = 1; i < nodes; ++i) {
    auto m = metrics(i);
    EXPECT_GT(series(m, "bystack_compact_blocks_rebuilt_total"), 0u) << "node " << i;
    EXPECT_EQ(series(m, "bystack_compact_failed_total"), 0u) << "node " << i;
    EXPECT_GT(series(m, "bystack_phase_out_bytes_total{phase=\"gossip\"}"), 0u) << "node " << i;
    EXPECT_EQ(m.find("bystack_ledger_blocks_refused_total{"), std::string::npos) << "node " << i;
  }
}

} // namespace
} // namespace bystack::node
