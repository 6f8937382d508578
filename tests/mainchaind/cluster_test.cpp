// Starts a real proof-of-work mainchain of bystack-mainchaind processes on loopback: three nodes
// in a full mesh, two of them mining real Tensority. Checks that every node's best chain holds
// blocks of both miners, kills a miner with SIGKILL, restarts it from its data directory and
// checks that all three converge on one tip and one UTXO set hash. A second test sends a lone
// node blocks with a bad proof of work, bad difficulty bits and an invalid transaction, and
// checks each is refused and counted by reason in its metrics.
//
// Everything waits by polling with generous deadlines: CI machines are small and busy.
#include "actors/miner/miner_core.hpp"
#include "runtime/ledger/rules.hpp"
#include "runtime/mainchain/wire.hpp"
#include "tests/common/cluster_process.hpp"

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
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

namespace bystack::mainchaind {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
using bystack::test::poll_until;

// Development wallets 0 and 1 (bystack-cli keygen --dev-wallet 0/1): the two miners' payouts.
const std::string payout0 = "e1722346f014524b17b5e2d8950865ef50e506f8e6389fa10109473c3d56ceba";
const std::string payout1 = "d251c40007b81a4626d77d188c6a3c436177752786187be93324258ded294782";
// Development wallet 2: funded at genesis, mines nothing; the CLI issues and pays from it.
const std::string wallet2 = "43d0d48b1f123eabfa92e327276e39b612dc15894b6f5e9650d815f1f4a9b2d6";
constexpr std::uint64_t genesis_amount = 1'000'000'000'000'000;

/// Prints how long the test has run at each step (shown on failure, or when run by hand).
void step(const char* what) {
  static const auto start = std::chrono::steady_clock::now();
  auto s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[%7.1f s] %s\n", s, what);
  std::fflush(stdout);
}

class mainchain_cluster : public ::testing::Test {
protected:
  void start_cluster(std::uint32_t nodes, std::uint32_t miners, std::uint64_t expected_hashes) {
    std::string pattern = (fs::temp_directory_path() / "bystack-mainchain-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    n_ = nodes;
    base_ = bystack::test::pick_base_port(2 * static_cast<int>(nodes));
    {
      std::ofstream g(dir_ / "genesis.yaml");
      g << "network: \"bystack-mainchain-test\"\nmin_fee_per_kb: 1000\nblock_reward: 5000000000\n"
           "assets:\n  - {name: \"BTM\", kind: byte, decimals: 8, native: true}\noutputs:\n"
        << "  - {asset: \"BTM\", amount: " << genesis_amount << ", owner: " << payout0 << "}\n"
        << "  - {asset: \"BTM\", amount: " << genesis_amount << ", owner: " << payout1 << "}\n"
        << "  - {asset: \"BTM\", amount: " << genesis_amount << ", owner: " << wallet2 << "}\n";
    }
    for (std::uint32_t i = 0; i < nodes; ++i) {
      std::ofstream c(dir_ / ("node" + std::to_string(i) + ".yaml"));
      c << "node:\n  name: node" << i
        << "\n  listen: {address: \"127.0.0.1\", port: " << p2p_port(i)
        << "}\n  api: {address: \"127.0.0.1\", port: " << api_port(i) << "}\n  data_dir: \"node"
        << i << ".data\"\npeers:\n";
      for (std::uint32_t j = 0; j < nodes; ++j)
        if (j != i)
          c << "  - {name: node" << j << ", address: \"127.0.0.1\", port: " << p2p_port(j) << "}\n";
      if (nodes == 1) c << "  []\n";
      c << "consensus:\n  target_block_ms: 2000\n  retarget_blocks: 1000000\n"
        << "  genesis_expected_hashes: " << expected_hashes
        << "\n  genesis_time_ms: 1764000000000\ngenesis_file: \"genesis.yaml\"\n"
        << "limits: {reconnect_ms: 200}\n";
      if (i < miners) c << "mining:\n  payout: " << (i == 0 ? payout0 : payout1) << "\n";
    }
    pids_.assign(nodes, -1);
    for (std::uint32_t i = 0; i < nodes; ++i)
      start_node(i);
    for (std::uint32_t i = 0; i < nodes; ++i)
      ASSERT_TRUE(poll_until(60s, [&] { return get(i, "/status").has_value(); }))
          << "node " << i << " did not answer; see " << dir_;
  }

  void TearDown() override {
    for (std::uint32_t i = 0; i < pids_.size(); ++i)
      stop_node(i, SIGTERM);
    if (!HasFailure()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    } else {
      std::cerr << "cluster files kept in " << dir_ << "\n";
    }
  }

  void start_node(std::uint32_t i) {
    auto cfg = (dir_ / ("node" + std::to_string(i) + ".yaml")).string();
    auto log = (dir_ / ("node" + std::to_string(i) + ".log")).string();
    pid_t pid = bystack::test::spawn_node(MAINCHAIND, cfg, log);
    ASSERT_GE(pid, 0);
    pids_[i] = pid;
  }

  void stop_node(std::uint32_t i, int sig) {
    if (pids_[i] <= 0) return;
    if (auto err = bystack::test::stop_process(pids_[i], sig); !err.empty())
      ADD_FAILURE() << "node " << i << ": " << err;
    pids_[i] = -1;
  }

  int p2p_port(std::uint32_t i) const { return base_ + 2 * static_cast<int>(i); }
  int api_port(std::uint32_t i) const { return base_ + 2 * static_cast<int>(i) + 1; }

  std::optional<json> get(std::uint32_t i, const std::string& path) {
    httplib::Client cli("127.0.0.1", api_port(i));
    cli.set_connection_timeout(2, 0);
    cli.set_read_timeout(15, 0);
    auto r = cli.Get(path.c_str());
    if (!r || r->status != 200) return std::nullopt;
    auto j = json::parse(r->body, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
  }
  std::optional<std::pair<int, json>> post(std::uint32_t i, const std::string& path,
                                           const json& body) {
    httplib::Client cli("127.0.0.1", api_port(i));
    cli.set_connection_timeout(2, 0);
    cli.set_read_timeout(15, 0);
    auto r = cli.Post(path.c_str(), body.dump(), "application/json");
    if (!r) return std::nullopt;
    auto j = json::parse(r->body, nullptr, false);
    return std::make_pair(r->status, j);
  }
  std::string metrics(std::uint32_t i) {
    httplib::Client cli("127.0.0.1", api_port(i));
    cli.set_read_timeout(15, 0);
    auto r = cli.Get("/metrics");
    return r && r->status == 200 ? r->body : std::string();
  }
  /// Returns a counter or gauge of node i's metrics (the full line name with labels), or -1.
  double metric(std::uint32_t i, const std::string& name) {
    auto text = metrics(i);
    auto p = text.find("\n" + name + " ");
    if (p == std::string::npos) return -1;
    return std::stod(text.substr(p + name.size() + 2));
  }
  /// Returns an owner's balance of an asset (default: the first listed, the native one when
  /// the owner holds nothing else) on node i's best chain, or 0.
  std::uint64_t balance(std::uint32_t i, const std::string& owner, const std::string& asset = "") {
    auto b = get(i, "/balance/" + owner);
    if (!b) return 0;
    for (const auto& x : (*b)["balances"])
      if (asset.empty() || x["asset"] == asset) return x["amount"].get<std::uint64_t>();
    return 0;
  }
  /// Runs bystack-cli with arguments; returns its exit status and stdout.
  std::pair<int, std::string> cli(const std::string& args) {
    auto out = dir_ / "cli.out";
    auto cmd = std::string(BYSTACK_CLI) + " " + args + " > " + out.string() + " 2>&1";
    int rc = std::system(cmd.c_str());
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, ss.str()};
  }
  /// Returns (tip, UTXO set hash) of node i.
  std::optional<std::pair<std::string, std::string>> tip(std::uint32_t i) {
    auto t = get(i, "/tip");
    if (!t) return std::nullopt;
    return std::make_pair((*t)["hash"].get<std::string>(),
                          (*t)["utxo_set_hash"].get<std::string>());
  }
  bool converged() {
    auto first = tip(0);
    if (!first) return false;
    for (std::uint32_t i = 1; i < n_; ++i) {
      auto t = tip(i);
      if (!t || *t != *first) return false;
    }
    return true;
  }

  fs::path dir_;
  int base_ = 0;
  std::uint32_t n_ = 0;
  std::vector<pid_t> pids_;
};

TEST_F(mainchain_cluster, BothMinersBlocksEverywhereAndAKilledNodeResumesAndConverges) {
  step("start");
  ASSERT_NO_FATAL_FAILURE(start_cluster(3, 2, 8));
  step("nodes answer");
  // Each miner's coinbases raise its payout's balance above the genesis amount; seen on every
  // node, both miners' blocks are on every node's best chain.
  for (std::uint32_t i = 0; i < 3; ++i)
    ASSERT_TRUE(poll_until(120s,
                           [&] {
                             return balance(i, payout0) > genesis_amount &&
                                    balance(i, payout1) > genesis_amount;
                           }))
        << "node " << i << " lacks blocks of a miner; see " << dir_;
  step("both miners' blocks on every node");
  ASSERT_TRUE(poll_until(60s, [&] { return converged(); })) << "no common tip; see " << dir_;
  step("converged");

  // bystack-cli against the mainchain API: issue an asset through the non-mining node (it relays
  // the transaction to the miners), then pay part of it through a miner's node.
  auto key = (dir_ / "w2.key").string();
  ASSERT_EQ(cli("keygen --dev-wallet 2 --out " + key).first, 0);
  auto issued = cli("issue-asset --key " + key +
                    " --name GOLD --kind byte --amount 1000 --nonce 1 --json --node 127.0.0.1:" +
                    std::to_string(api_port(2)));
  ASSERT_EQ(issued.first, 0) << issued.second;
  auto asset_at = issued.second.find("\"asset\"");
  ASSERT_NE(asset_at, std::string::npos) << issued.second;
  auto gold = issued.second.substr(issued.second.find('"', asset_at + 8) + 1, 64);
  for (std::uint32_t i = 0; i < 3; ++i)
    ASSERT_TRUE(poll_until(90s, [&] { return balance(i, wallet2, gold) == 1000; }))
        << "node " << i << " lacks the issuance; see " << dir_;
  step("issuance on every node");
  auto paid = cli("transfer --key " + key + " --to " + payout1 + " --asset " + gold +
                  " --amount 400 --submit --node 127.0.0.1:" + std::to_string(api_port(0)));
  ASSERT_EQ(paid.first, 0) << paid.second;
  for (std::uint32_t i = 0; i < 3; ++i)
    ASSERT_TRUE(poll_until(
        90s, [&] { return balance(i, payout1, gold) == 400 && balance(i, wallet2, gold) == 600; }))
        << "node " << i << " lacks the transfer; see " << dir_;
  step("transfer on every node");
  ASSERT_TRUE(poll_until(60s, [&] { return converged(); })) << "no common tip; see " << dir_;
  step("converged");

  // SIGKILL miner 1 and remember how far it had got.
  auto before = get(1, "/status");
  ASSERT_TRUE(before);
  auto height_before = (*before)["height"].get<std::uint64_t>();
  ASSERT_GT(height_before, 0u);
  stop_node(1, SIGKILL);
  // The others go on without it.
  auto h0 = get(0, "/status");
  ASSERT_TRUE(h0);
  auto others_before = (*h0)["height"].get<std::uint64_t>();
  ASSERT_TRUE(poll_until(90s, [&] {
    auto s = get(0, "/status");
    return s && (*s)["height"].get<std::uint64_t>() > others_before;
  })) << "node 0 mined nothing while node 1 was down";

  step("node 0 mined on alone");
  start_node(1);
  ASSERT_TRUE(poll_until(60s, [&] { return get(1, "/status").has_value(); }));
  // It resumed from its data directory: the replay covered at least the height it had.
  EXPECT_GE(metric(1, "bystack_mainchain_blocks_replayed"), static_cast<double>(height_before));
  // And it converges with the others: one tip, one UTXO set.
  ASSERT_TRUE(poll_until(90s, [&] { return converged(); }))
      << "the restarted node did not converge; see " << dir_;
  step("restarted node converged");
  auto after = get(1, "/status");
  ASSERT_TRUE(after);
  EXPECT_GE((*after)["height"].get<std::uint64_t>(), height_before);
  EXPECT_EQ(balance(1, payout1, gold), 400u);
  // Blocks really came from two miners (the counters of their own miners).
  EXPECT_GT(metric(0, "bystack_mainchain_blocks_mined_total"), 0);
  EXPECT_GT(metric(0, "bystack_mainchain_hashes_total"), 0);
}

/// Mines a header at its own bits with real Tensority (the test's expected hashes are few).
mainchain::header mine(mainchain::header h) {
  auto cache = pow::matrix_cache::build(h.seed);
  auto found = miner::mine_header(h, cache, 100'000);
  EXPECT_TRUE(found);
  return *found;
}

TEST_F(mainchain_cluster, RefusesBadPowBadBitsAndInvalidTransactionsWithCountedReasons) {
  ASSERT_NO_FATAL_FAILURE(start_cluster(1, 0, 4));
  auto fetch_template = [&] {
    auto t = get(0, "/mining/template?payout=" + payout0);
    EXPECT_TRUE(t);
    bytes raw;
    EXPECT_TRUE(from_hex((*t)["block_hex"].get<std::string>(), raw));
    auto b = decode_block(raw);
    EXPECT_TRUE(b);
    return *b;
  };
  auto submit = [&](const mainchain::block& b) {
    auto e = encode_block(b);
    auto r = post(0, "/mining/submit", json{{"block", to_hex(byte_view{e.data(), e.size()})}});
    EXPECT_TRUE(r);
    return *r;
  };
  auto rejected = [&](const std::string& reason) {
    return metric(0, "bystack_mainchain_rejected_total{reason=\"" + reason + "\"}");
  };

  // Bad proof of work: a nonce whose Tensority hash misses the target.
  {
    auto t = fetch_template();
    auto h = t->hdr();
    auto cache = pow::matrix_cache::build(h.seed);
    while (pow::meets_target(pow::tensority_hash(h.hash(), cache), h.bits))
      ++h.nonce;
    auto r = submit(mainchain::block(h, t->txs()));
    EXPECT_EQ(r.first, 400) << r.second.dump();
    EXPECT_EQ(r.second["error"]["rule"], "bad-pow") << r.second.dump();
    EXPECT_EQ(rejected("bad-pow"), 1);
  }
  // Bad bits: an easier target than the rule gives, with a nonce that meets it.
  {
    auto t = fetch_template();
    auto h = t->hdr();
    h.bits = pow::target_to_compact(pow::compact_to_target(h.bits).magnitude << 1);
    h = mine(h);
    auto r = submit(mainchain::block(h, t->txs()));
    EXPECT_EQ(r.second["error"]["rule"], "bad-bits") << r.second.dump();
    EXPECT_EQ(rejected("bad-bits"), 1);
  }
  // An invalid transaction: a coinbase paying more than the reward, in a block whose proof of
  // work is real.
  {
    auto t = fetch_template();
    auto cb = *t->txs().at(0);
    cb.inputs[0].amount += 1;
    cb.outputs[0].amount += 1;
    auto b = mainchain::make_block(t->hdr(), {std::make_shared<const ledger::tx>(cb)});
    auto h = mine(b->hdr());
    auto r = submit(mainchain::block(h, b->txs()));
    EXPECT_EQ(r.first, 400) << r.second.dump();
    auto rule = r.second["error"]["rule"].get<std::string>();
    EXPECT_EQ(rule, "coinbase-too-large") << r.second.dump();
    EXPECT_EQ(rejected(rule), 1);
  }
  // Control: the same template honestly mined is taken, so the refusals above are the faults'.
  {
    auto t = fetch_template();
    auto h = mine(t->hdr());
    auto r = submit(mainchain::block(h, t->txs()));
    EXPECT_EQ(r.first, 200) << r.second.dump();
    EXPECT_EQ(r.second["status"], "connected") << r.second.dump();
    auto s = get(0, "/status");
    ASSERT_TRUE(s);
    EXPECT_EQ((*s)["height"], 1);
    EXPECT_GT(balance(0, payout0), genesis_amount);
  }
}

} // namespace
} // namespace bystack::mainchaind
