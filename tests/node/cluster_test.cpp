// Starts a 4-node cluster of bystackd processes on loopback, submits transactions, checks that
// every node holds the same chain, kills a non-leader with SIGKILL, checks that commits go on,
// restarts it and checks that it catches up with no committed block lost or changed. Also sends
// forged and garbage envelopes over TCP and checks they are dropped and counted.
//
// Everything waits by polling with generous deadlines: CI machines are small and busy.
#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/block.hpp"
#include "runtime/ledger/rules.hpp"
#include "runtime/ledger/wallet.hpp"
#include "runtime/node/envelope.hpp"
#include "runtime/node/loadgen_wallets.hpp"
#include "tests/common/cluster_process.hpp"
#include "tests/common/opaque_txs.hpp"
#include "tests/node/inject.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

namespace bystack::node {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
using bystack::test::poll_until;

constexpr std::uint32_t nodes = 4;

class cluster : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "bystack-cluster-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    base_ = bystack::test::pick_base_port(2 * static_cast<int>(nodes));
    auto cmd = std::string(BYSTACKD) + " testnet --dir " + dir_.string() +
               " --nodes 4 --base-port " + std::to_string(base_) +
               " --view-timeout-ms 2000 --group-wait-ms 300 " + testnet_flags() + " > " +
               (dir_ / "testnet.log").string() + " 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    prepare();
    pids_.assign(nodes, -1);
    for (std::uint32_t i = 0; i < nodes; ++i)
      start_node(i);
  }

  void TearDown() override {
    for (std::uint32_t i = 0; i < nodes; ++i)
      stop_node(i, SIGTERM);
    if (!HasFailure()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    } else {
      std::cerr << "cluster files kept in " << dir_ << "\n";
    }
  }

  /// Returns the extra flags of `bystackd testnet`.
  virtual std::string testnet_flags() const {
    // A chain window of 4 blocks in memory: the restarted node below catches up from further
    // back than its peers hold, so they serve it from their stores.
    return "--ledger opaque --supers 1 --block-interval-ms 100 --retained-blocks 4";
  }
  /// Adjusts the generated configs before the nodes start.
  virtual void prepare() {}
  /// Tells whether node i may enable test faults (BYSTACK_ALLOW_TEST_FAULTS=1).
  virtual bool allow_faults(std::uint32_t) const { return false; }

  void start_node(std::uint32_t i) {
    auto cfg = (dir_ / ("node" + std::to_string(i) + ".yaml")).string();
    auto log = (dir_ / ("node" + std::to_string(i) + ".log")).string();
    pid_t pid = bystack::test::spawn_node(BYSTACKD, cfg, log, [&] {
      if (allow_faults(i)) ::setenv("BYSTACK_ALLOW_TEST_FAULTS", "1", 1);
    });
    ASSERT_GE(pid, 0);
    pids_[i] = pid;
  }

  /// Stops a node: SIGTERM waits for a clean exit (SIGKILL after 20 s), SIGKILL does not wait.
  void stop_node(std::uint32_t i, int sig) {
    if (pids_[i] <= 0) return;
    if (auto err = bystack::test::stop_process(pids_[i], sig); !err.empty())
      ADD_FAILURE() << "node " << i << ": " << err;
    pids_[i] = -1;
  }

  int api_port(std::uint32_t i) const { return base_ + 2 * static_cast<int>(i) + 1; }
  int p2p_port(std::uint32_t i) const { return base_ + 2 * static_cast<int>(i); }

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
  std::optional<std::string> metrics(std::uint32_t i) {
    httplib::Client cli("127.0.0.1", api_port(i));
    auto r = cli.Get("/metrics");
    if (!r || r->status != 200) return std::nullopt;
    return r->body;
  }
  std::uint64_t committed(std::uint32_t i) {
    auto s = get(i, "/status");
    return s ? (*s)["committed_height"].get<std::uint64_t>() : 0;
  }
  std::optional<std::string> hash_at(std::uint32_t i, std::uint64_t h) {
    auto b = get(i, "/block/" + std::to_string(h));
    if (!b) return std::nullopt;
    return (*b)["hash"].get<std::string>();
  }

  /// Submits n signed transactions to node i; returns their ids.
  std::vector<std::string> submit(std::uint32_t i, std::size_t n) {
    auto made = bystack::test::make_opaque_txs(42, nonce_, n, 64);
    auto& txs = made.txs;
    auto& ids = made.ids;
    // A forged client signature is refused by the API.
    auto bad = txs[0];
    bad["nonce"] = 999'999'999;
    txs.push_back(bad);
    httplib::Client cli("127.0.0.1", api_port(i));
    cli.set_read_timeout(30, 0);
    auto r = cli.Post("/tx", json{{"txs", txs}}.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    if (r && r->status == 200) {
      auto j = json::parse(r->body);
      EXPECT_EQ(j["accepted"].get<std::size_t>(), n) << r->body;
      EXPECT_EQ(j["invalid"].get<std::size_t>(), 1u) << r->body;
    }
    return ids;
  }

  /// Returns the ids of the transactions committed at heights 1..h on node i.
  std::multiset<std::string> committed_ids(std::uint32_t i, std::uint64_t h) {
    std::multiset<std::string> ids;
    for (std::uint64_t k = 1; k <= h; ++k) {
      auto b = get(i, "/block/" + std::to_string(k));
      EXPECT_TRUE(b) << "node " << i << " height " << k;
      if (!b) break;
      for (const auto& id : (*b)["tx_ids"])
        ids.insert(id.get<std::string>());
    }
    return ids;
  }

  fs::path dir_;
  std::vector<std::string> ids_; ///< transactions submitted (BUTXO test)
  int base_ = 0;
  std::vector<pid_t> pids_;
  std::uint64_t nonce_ = 1;
};

std::uint64_t counter(const std::string& text, const std::string& series) {
  auto pos = text.find("\n" + series + " ");
  if (pos == std::string::npos) return 0;
  return std::stoull(text.substr(pos + series.size() + 2));
}

TEST_F(cluster, commits_continue_after_a_kill_and_the_node_catches_up) {
  // Up: every node answers and sees its three peers.
  ASSERT_TRUE(poll_until(90s,
                         [&] {
                           for (std::uint32_t i = 0; i < nodes; ++i) {
                             auto s = get(i, "/status");
                             if (!s || (*s)["peers_connected"].get<int>() != 3) return false;
                           }
                           return true;
                         }))
      << "cluster did not come up, logs in " << dir_;

  // Transactions commit on every node.
  auto ids = submit(0, 200);
  std::uint64_t h1 = 0;
  ASSERT_TRUE(poll_until(90s, [&] {
    h1 = committed(0);
    auto got = committed_ids(0, h1);
    for (const auto& id : ids)
      if (got.count(id) != 1) return false;
    return true;
  })) << "transactions not committed";
  ASSERT_TRUE(poll_until(60s, [&] {
    for (std::uint32_t i = 1; i < nodes; ++i)
      if (committed(i) < h1) return false;
    return true;
  }));
  std::cerr << "[cluster] 200 transactions committed by height " << h1 << "\n";
  for (std::uint64_t h = 1; h <= h1; ++h) {
    auto ref = hash_at(0, h);
    ASSERT_TRUE(ref);
    for (std::uint32_t i = 1; i < nodes; ++i)
      ASSERT_EQ(hash_at(i, h), ref) << "height " << h;
  }

  // Forged and garbage envelopes are dropped and counted; the node lives on.
  {
    auto before = metrics(1);
    ASSERT_TRUE(before);
    std::vector<test::injected_envelope> bad;
    bad.push_back({0, {1, 2, 3}, std::vector<std::uint8_t>(64, 9)});  // forged signature
    bad.push_back({77, {1, 2, 3}, std::vector<std::uint8_t>(64, 9)}); // unknown key
    bad.push_back({0, {1, 2, 3}, std::vector<std::uint8_t>(5, 9)});   // garbage
    std::vector<std::uint8_t> random(5000);
    std::mt19937 rng(7);
    for (auto& b : random)
      b = static_cast<std::uint8_t>(rng());
    bad.push_back({2, random, std::vector<std::uint8_t>(64, 1)});
    auto err = test::inject("127.0.0.1", static_cast<std::uint16_t>(p2p_port(1)), bad);
    ASSERT_EQ(err, "");
    ASSERT_TRUE(poll_until(30s, [&] {
      auto m = metrics(1);
      return m && counter(*m, "bystack_messages_dropped_total{reason=\"bad_signature\"}") >= 2 &&
             counter(*m, "bystack_messages_dropped_total{reason=\"unknown_sender\"}") >= 1 &&
             counter(*m, "bystack_messages_dropped_total{reason=\"malformed\"}") >= 1 &&
             counter(*m, "bystack_messages_dropped_total{reason=\"unexpected_message\"}") >= 1;
    })) << *metrics(1);
  }

  // SIGKILL a node that is not the leader (with one super node, node 0 always leads).
  auto status0 = get(0, "/status");
  ASSERT_TRUE(status0);
  ASSERT_EQ((*status0)["leader"].get<int>(), 0);
  const std::uint32_t victim = 3;
  auto before_kill = committed(victim);
  std::vector<std::optional<std::string>> victim_hashes;
  for (std::uint64_t h = 1; h <= before_kill; ++h)
    victim_hashes.push_back(hash_at(victim, h));
  stop_node(victim, SIGKILL);
  auto at_kill = committed(0);
  auto ids2 = submit(0, 100);
  std::uint64_t h2 = 0;
  ASSERT_TRUE(poll_until(90s,
                         [&] {
                           h2 = committed(0);
                           if (h2 < at_kill + 20) return false;
                           auto got = committed_ids(0, h2);
                           for (const auto& id : ids2)
                             if (got.count(id) != 1) return false;
                           return true;
                         }))
      << "no commits without node " << victim << ": at kill " << at_kill << ", now "
      << committed(0);

  std::cerr << "[cluster] node " << victim << " killed at height " << before_kill
            << "; others went on from " << at_kill << " to " << h2 << "\n";
  // Restart: the node reloads its chain and catches up from its peers. It checks only the part
  // of its stored chain it keeps in memory (node.check_chain_at_start: window).
  {
    auto path = dir_ / ("node" + std::to_string(victim) + ".yaml");
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    auto yaml = text.str();
    const std::string all = "check_chain_at_start: all";
    auto at = yaml.find(all);
    ASSERT_NE(at, std::string::npos) << path;
    yaml.replace(at, all.size(), "check_chain_at_start: window");
    std::ofstream(path) << yaml;
  }
  start_node(victim);
  auto target = committed(0);
  ASSERT_TRUE(poll_until(120s, [&] { return committed(victim) >= target + 3; }))
      << "node " << victim << " at " << committed(victim) << ", target " << target;
  for (std::uint64_t h = 1; h <= before_kill; ++h)
    ASSERT_EQ(hash_at(victim, h), victim_hashes[h - 1]) << "height " << h << " changed";
  auto common = committed(victim);
  {
    // The restarted process reloaded what it had committed before the kill from RocksDB.
    std::ifstream log(dir_ / ("node" + std::to_string(victim) + ".log"));
    std::string line, last_up;
    while (std::getline(log, line))
      if (line.find(" up, ") != std::string::npos) last_up = line;
    auto pos = last_up.find("chain height ");
    ASSERT_NE(pos, std::string::npos) << last_up;
    EXPECT_GE(std::stoull(last_up.substr(pos + 13)), before_kill) << last_up;
    // It decoded only the top of its stored chain (the 4 blocks its window keeps): the
    // heights below had their headers and certificates checked, and stay in the store.
    auto open = last_up.find('(', pos);
    ASSERT_NE(open, std::string::npos) << last_up;
    EXPECT_EQ(std::stoull(last_up.substr(open + 1)), 4u) << last_up;
    EXPECT_NE(last_up.find("top blocks decoded"), std::string::npos) << last_up;
    // With check_chain_at_start: window it checked those 4 and the height below them only.
    EXPECT_NE(last_up.find(", 5 heights checked,"), std::string::npos) << last_up;
  }
  std::cerr << "[cluster] node " << victim << " restarted and caught up to " << common
            << " (target " << target << "); comparing heights 1.." << common << "\n";
  for (std::uint64_t h = 1; h <= common; ++h) {
    auto ref = hash_at(0, h);
    ASSERT_TRUE(ref);
    for (std::uint32_t i = 1; i < nodes; ++i)
      ASSERT_EQ(hash_at(i, h), ref) << "node " << i << " height " << h;
  }
  // Every transaction is in the chain exactly once.
  auto got = committed_ids(victim, common);
  for (const auto& id : ids)
    EXPECT_EQ(got.count(id), 1u) << id;
  for (const auto& id : ids2)
    EXPECT_EQ(got.count(id), 1u) << id;
  // Each node held at most twice its window of 4 blocks in memory; the victim was at least 20
  // blocks behind, so its peers served the older ones from their stores, none of them failing.
  std::uint64_t archive_reads = 0;
  for (std::uint32_t i = 0; i < nodes; ++i) {
    auto s = get(i, "/status");
    ASSERT_TRUE(s);
    const auto& c = (*s)["chain_in_memory"];
    EXPECT_EQ(c["retained_blocks"].get<std::uint64_t>(), 4u);
    EXPECT_LE(c["blocks"].get<std::uint64_t>(), 8u) << "node " << i << ": " << c.dump();
    EXPECT_GT(c["lowest_height"].get<std::uint64_t>(), 0u) << "node " << i << ": " << c.dump();
    EXPECT_EQ(c["archive_failures"].get<std::uint64_t>(), 0u) << "node " << i;
    if (i != victim) archive_reads += c["archive_reads"].get<std::uint64_t>();
  }
  EXPECT_GE(archive_reads, 10u) << "the restarted node was not served from the stores";
  std::uint64_t scraped = 0; // the same counts, as Prometheus scrapes them
  for (std::uint32_t i = 0; i < nodes; ++i)
    if (auto m = metrics(i); m && i != victim)
      scraped += counter(*m, "bystack_archive_reads_total");
  EXPECT_GE(scraped, archive_reads); // read after /status: counts only grow
  std::cerr << "[cluster] " << archive_reads << " blocks served from the stores below the window\n";
}

/// A BUTXO cluster of two groups ({0, 1} and {2, 3}; super nodes 0 and 2 lead in turn) where
/// node 0 spoils every third block it proposes. Node 0 refuses its own block, so it relays it to
/// no member; node 2, the other super node, gets it at T0, refuses it and does not relay it.
class butxo_cluster : public cluster {
protected:
  static constexpr std::size_t wallets = 8;
  static constexpr const char* seed = "cluster-test";

  std::string testnet_flags() const override {
    return "--ledger butxo --supers 2 --block-interval-ms 300 --wallets 8 "
           "--wallet-seed cluster-test";
  }
  void prepare() override {
    std::ofstream(dir_ / "node0.yaml", std::ios::app) << "testing: {propose_invalid_every: 3}\n";
  }
  bool allow_faults(std::uint32_t i) const override { return i == 0; }

  /// Reads the network's parameters and the wallets' genesis outputs.
  void load_wallets() {
    auto s = get(0, "/status");
    ASSERT_TRUE(s);
    ASSERT_EQ((*s)["ledger"], "butxo");
    ASSERT_TRUE(crypto::parse_hash((*s)["chain"].get<std::string>(), params_.chain));
    ASSERT_TRUE(crypto::parse_hash((*s)["native_asset"].get<std::string>(), params_.native));
    params_.min_fee_per_kb = (*s)["min_fee_per_kb"].get<std::uint64_t>();
    for (std::size_t w = 0; w < wallets; ++w) {
      keys_.push_back(crypto::ed25519_scheme().make_signer(loadgen_wallet_seed(seed, w)));
      auto u = get(1, "/utxo?owner=" + to_hex(keys_.back()->pub()));
      ASSERT_TRUE(u);
      ASSERT_EQ((*u)["utxos"].size(), 1u) << u->dump();
      const auto& o = (*u)["utxos"][0];
      crypto::hash256 id;
      ASSERT_TRUE(crypto::parse_hash(o["id"].get<std::string>(), id));
      coins_.push_back(id);
      amounts_.push_back(o["amount"].get<std::uint64_t>());
      EXPECT_EQ(o["owner"]["keys"][0], to_hex(keys_.back()->pub()));
    }
  }

  /// Builds wallet w's next transfer (spending its last change) to wallet w + 1.
  ledger::tx transfer(std::size_t w, bool advance = true) {
    auto me = ledger::control_program::single(keys_[w]->pub());
    auto to = ledger::control_program::single(keys_[(w + 1) % wallets]->pub());
    ledger::tx t;
    t.chain = params_.chain;
    t.inputs.push_back(ledger::spend_of(coins_[w]));
    t.outputs.push_back(ledger::pay(params_.native, 1000, to));
    t.outputs.push_back(ledger::pay(params_.native, amounts_[w] - 1000 - 5000, me));
    ledger::sign_input(t, 0, me, *keys_[w]);
    if (advance) {
      coins_[w] = ledger::output_id(t.id(), 1, t.outputs[1]);
      amounts_[w] = t.outputs[1].amount;
    }
    return t;
  }

  httplib::Result post(std::uint32_t i, const json& body) {
    httplib::Client cli("127.0.0.1", api_port(i));
    cli.set_read_timeout(30, 0);
    return cli.Post("/tx", body.dump(), "application/json");
  }

  /// Submits `per_wallet` chained transfers of every wallet: wallets 0-3 through node 0, the
  /// others through node 1 (which forwards them to the leader). Returns the ids.
  std::vector<std::string> submit_transfers(std::size_t per_wallet) {
    std::vector<std::string> ids;
    json to0 = json::array(), to1 = json::array();
    for (std::size_t k = 0; k < per_wallet; ++k)
      for (std::size_t w = 0; w < wallets; ++w) {
        auto t = transfer(w);
        ids.push_back(t.id().hex());
        (w < 4 ? to0 : to1).push_back(to_hex(ledger::encode(t)));
      }
    for (auto [node, list] : {std::pair{0u, &to0}, std::pair{1u, &to1}}) {
      auto r = post(node, {{"txs", *list}});
      EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
      if (!r || r->status != 200) continue;
      for (const auto& v : json::parse(r->body)["results"])
        EXPECT_EQ(v["status"], "accepted") << v.dump();
    }
    return ids;
  }

  /// Samples every node's /status until some committed height has been seen on all of them,
  /// and checks that the UTXO set hashes agree at every height seen on more than one node.
  void expect_same_utxo_hash(const std::set<std::uint32_t>& among) {
    std::map<std::uint64_t, std::map<std::uint32_t, std::string>> seen;
    bool common = poll_until(60s, [&] {
      for (auto i : among)
        if (auto s = get(i, "/status"))
          seen[(*s)["committed_height"].get<std::uint64_t>()][i] =
              (*s)["utxo_set_hash"].get<std::string>();
      for (const auto& [h, by_node] : seen)
        if (by_node.size() == among.size()) return true;
      return false;
    });
    EXPECT_TRUE(common) << "no committed height seen on all nodes at once";
    for (const auto& [h, by_node] : seen)
      for (const auto& [i, hash] : by_node)
        EXPECT_EQ(hash, by_node.begin()->second) << "node " << i << " height " << h;
  }

  ledger::chain_params params_;
  std::vector<std::unique_ptr<crypto::signer>> keys_;
  std::vector<crypto::hash256> coins_;
  std::vector<std::uint64_t> amounts_;
};

TEST_F(butxo_cluster, invalid_blocks_get_no_certificate_and_transfers_commit_once) {
  ASSERT_TRUE(poll_until(90s,
                         [&] {
                           for (std::uint32_t i = 0; i < nodes; ++i) {
                             auto s = get(i, "/status");
                             if (!s || (*s)["peers_connected"].get<int>() != 3) return false;
                           }
                           return true;
                         }))
      << "cluster did not come up, logs in " << dir_;
  load_wallets();
  if (HasFatalFailure()) return;

  // The API names the rule a refused transaction breaks.
  {
    auto forged = transfer(0, false);
    forged.inputs[0].witness[0].signature[3] ^= 1;
    auto r = post(0, {{"tx", to_hex(ledger::encode(forged))}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
    auto j = json::parse(r->body);
    EXPECT_EQ(j["id"], forged.id().hex());
    EXPECT_EQ(j["error"]["rule"], "bad-signature") << r->body;
    auto garbage = post(0, {{"tx", "00ff"}});
    ASSERT_TRUE(garbage);
    EXPECT_EQ(garbage->status, 400);
    EXPECT_EQ(json::parse(garbage->body)["error"]["rule"], "malformed") << garbage->body;
    auto one = transfer(0);
    auto ok = post(0, {{"tx", to_hex(ledger::encode(one))}});
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200) << ok->body;
    EXPECT_EQ(json::parse(ok->body)["status"], "accepted") << ok->body;
    ids_.push_back(one.id().hex());
    auto again = post(0, {{"tx", to_hex(ledger::encode(one))}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 400) << again->body;
  }

  auto more = submit_transfers(5);
  ids_.insert(ids_.end(), more.begin(), more.end());
  auto all_committed = [&](std::uint32_t node) {
    for (const auto& id : ids_) {
      auto t = get(node, "/tx/" + id);
      if (!t || (*t)["status"] != "committed") return false;
    }
    return true;
  };
  ASSERT_TRUE(poll_until(120s, [&] { return all_committed(2); }))
      << "transfers not committed; logs in " << dir_;

  // Node 0 proposed invalid blocks; no node committed one, the others counted the refusals.
  ASSERT_TRUE(poll_until(60s, [&] {
    auto m = metrics(0);
    return m && counter(*m, "bystack_ledger_invalid_proposals_total") >= 2;
  }));
  {
    auto m = metrics(2);
    ASSERT_TRUE(m);
    EXPECT_GE(counter(*m, "bystack_ledger_blocks_refused_total{rule=\"bad-signature\"}"), 1u) << *m;
  }
  auto h1 = committed(0);
  auto check_once = [&](std::uint32_t node, std::uint64_t h) {
    // Every committed transaction is one of ours, exactly once: the invalid ones never commit.
    auto got = committed_ids(node, h);
    std::set<std::string> ours(ids_.begin(), ids_.end());
    for (const auto& id : got)
      EXPECT_EQ(ours.count(id), 1u) << "unexpected committed transaction " << id;
    for (const auto& id : ids_)
      EXPECT_EQ(got.count(id), 1u) << id;
  };
  check_once(0, h1);
  std::cerr << "[butxo] " << ids_.size() << " transfers committed by height " << h1 << "\n";
  expect_same_utxo_hash({0, 1, 2, 3});

  // SIGKILL node 3, commit more transfers without it, restart it: its UTXO set (loaded from
  // RocksDB, then caught up) has the others' hash at the same height.
  stop_node(3, SIGKILL);
  auto later = submit_transfers(3);
  ids_.insert(ids_.end(), later.begin(), later.end());
  ASSERT_TRUE(poll_until(120s, [&] { return all_committed(1); }))
      << "transfers not committed without node 3; logs in " << dir_;
  start_node(3);
  auto target = committed(0);
  ASSERT_TRUE(poll_until(120s, [&] { return committed(3) >= target; }))
      << "node 3 at " << committed(3) << ", target " << target;
  EXPECT_TRUE(all_committed(3));
  expect_same_utxo_hash({0, 1, 2, 3});
  auto h2 = committed(3);
  check_once(3, h2);
  std::cerr << "[butxo] node 3 restarted and caught up to " << h2 << "\n";

  // The wallets' balances add up on every node: 10^15 each, minus fees.
  auto b = get(2, "/balance/" + to_hex(keys_[0]->pub()));
  ASSERT_TRUE(b);
  ASSERT_EQ((*b)["balances"].size(), 1u) << b->dump();
  EXPECT_EQ((*b)["balances"][0]["name"], "BTM");
  auto asset = get(2, "/asset/" + params_.native.hex());
  ASSERT_TRUE(asset);
  EXPECT_EQ((*asset)["issued"].get<std::uint64_t>(), wallets * loadgen_wallet_funds);
  EXPECT_EQ((*asset)["retired"].get<std::uint64_t>(), ids_.size() * 5000);
}

} // namespace
} // namespace bystack::node
