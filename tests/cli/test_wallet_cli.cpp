// bystack-cli's wallet commands, run as a user would: keys and addresses offline, transfers and
// swaps built against a fake node that serves a genesis's outputs and validates what is posted
// with the ledger's own rules.

#include "runtime/crypto/signature_scheme.hpp"
#include "runtime/ledger/genesis.hpp"
#include "runtime/ledger/rules.hpp"
#include "runtime/ledger/wallet.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace {

using namespace bystack;
using json = nlohmann::json;
namespace fs = std::filesystem;

struct run_result {
  int code = -1;
  std::string out;
  std::string err;
};

std::string hex_of(const crypto::public_key& k) {
  return to_hex(byte_view{k.data(), k.size()});
}

std::string program_hex(const ledger::control_program& p) {
  auto b = ledger::encode(p);
  return to_hex(byte_view{b.data(), b.size()});
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Holds a fresh directory for key and transaction files.
struct scratch {
  fs::path dir;
  scratch() {
    dir = fs::temp_directory_path() /
          ("bystack-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~scratch() { fs::remove_all(dir); }
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::string operator/(const std::string& name) const { return (dir / name).string(); }

  /// Runs bystack-cli with `args` (shell words) and returns its exit status and output.
  run_result cli(const std::string& args) const {
    auto err_file = dir / "stderr.txt";
    auto cmd = std::string(BYSTACK_CLI) + " " + args + " 2>" + err_file.string();
    run_result r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
      r.out.append(buf, n);
    int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = slurp(err_file);
    return r;
  }
};

/// Answers like a BUTXO node's API from a genesis: GET /status and /utxo, and POST /tx, which it
/// checks with ledger::check_tx and records.
class fake_node {
public:
  explicit fake_node(ledger::genesis_spec g) : spec_(std::move(g)) {
    auto s = ledger::genesis_state(spec_);
    EXPECT_TRUE(s) << (s ? "" : s.err().message);
    if (s) state_ = std::move(s).value();
    params_ = ledger::params_of(spec_);
    // A busy node: the next busy_ requests (any route) are answered 503, as the node's API does
    // when its actor does not answer in time.
    srv_.set_pre_routing_handler([this](const httplib::Request&, httplib::Response& res) {
      ++requests_;
      if (busy_.load() <= 0) return httplib::Server::HandlerResponse::Unhandled;
      --busy_;
      res.status = 503;
      res.set_content(R"({"error":{"rule":"unavailable","message":"the node did not answer"}})",
                      "application/json");
      return httplib::Server::HandlerResponse::Handled;
    });
    srv_.Get("/status", [this](const httplib::Request&, httplib::Response& res) {
      json j{{"ledger", "butxo"},
             {"chain", params_.chain.hex()},
             {"native_asset", params_.native.hex()},
             {"min_fee_per_kb", params_.min_fee_per_kb}};
      res.set_content(j.dump(), "application/json");
    });
    srv_.Get("/utxo", [this](const httplib::Request& req, httplib::Response& res) {
      crypto::hash256 h;
      crypto::parse_hash(req.get_param_value("owner"), h);
      crypto::public_key pk;
      std::copy(h.data.begin(), h.data.end(), pk.begin());
      auto as_key = ledger::control_program::single(pk).address();
      json list = json::array();
      auto txid = ledger::genesis_txid(spec_);
      for (std::uint32_t i = 0; i < spec_.outputs.size(); ++i) {
        const auto& o = spec_.outputs[i];
        auto a = o.owner.address();
        if (a != h && a != as_key) continue;
        json keys = json::array();
        for (const auto& k : o.owner.keys)
          keys.push_back(hex_of(k));
        list.push_back({{"id", ledger::output_id(txid, i, o).hex()},
                        {"asset", o.asset.hex()},
                        {"amount", o.amount},
                        {"lot", o.lot.hex()},
                        {"height", 0},
                        {"kind", kind_of(i)},
                        {"owner", {{"threshold", o.owner.threshold}, {"keys", keys}}}});
      }
      res.set_content(json{{"owner", h.hex()}, {"utxos", list}}.dump(), "application/json");
    });
    srv_.Post("/tx", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      posted_.push_back(req.body);
      auto body = json::parse(req.body);
      bytes raw;
      from_hex(body.at("tx").get<std::string>(), raw);
      auto t = ledger::decode_tx(byte_view{raw.data(), raw.size()});
      if (!t) {
        res.status = 400;
        res.set_content(
            json{{"error", {{"rule", "malformed"}, {"message", t.err().message}}}}.dump(),
            "application/json");
        return;
      }
      ledger::tx_summary sum;
      auto e = ledger::check_tx(*t, state_, params_, ledger::tx_context{1, false}, checker_, sum);
      if (!e.ok()) {
        res.status = 400;
        res.set_content(
            json{{"id", t->id().hex()},
                 {"error", {{"rule", ledger::rule_name(e.code)}, {"message", e.message()}}}}
                .dump(),
            "application/json");
        return;
      }
      // The pool already holds a transaction accepted under a 503 answer: a duplicate.
      if (t->id() == busy_accepted_) {
        res.status = 400;
        res.set_content(json{{"id", t->id().hex()},
                             {"error",
                              {{"rule", "duplicate"},
                               {"message", "duplicate: the transaction is already in the pool"}}}}
                            .dump(),
                        "application/json");
        return;
      }
      fees_.push_back(sum.fee);
      if (accept_then_busy_) {
        // Taken into the pool, but the answer timed out (503).
        accept_then_busy_ = false;
        busy_accepted_ = t->id();
        res.status = 503;
        res.set_content(R"({"error":{"rule":"unavailable","message":"the node did not answer"}})",
                        "application/json");
        return;
      }
      res.set_content(json{{"id", t->id().hex()}, {"status", "accepted"}}.dump(),
                      "application/json");
    });
    port_ = srv_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { srv_.listen_after_bind(); });
    // The socket listens from bind on; waiting for the loop only makes the first answer prompt.
    while (!srv_.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~fake_node() {
    srv_.stop();
    thread_.join();
  }
  /// Lists genesis output i under another output kind in GET /utxo (e.g. a locked vote).
  void list_as(std::uint32_t i, std::string kind) {
    std::lock_guard lock(mutex_);
    kinds_[i] = std::move(kind);
  }
  std::string kind_of(std::uint32_t i) {
    std::lock_guard lock(mutex_);
    auto it = kinds_.find(i);
    return it == kinds_.end() ? "control" : it->second;
  }
  /// Answers the next n requests 503.
  void busy(int n) { busy_ = n; }
  /// Accepts the next valid POST /tx but answers it 503; the same transaction again is a
  /// duplicate.
  void accept_then_busy() {
    std::lock_guard lock(mutex_);
    accept_then_busy_ = true;
  }
  int requests() const { return requests_.load(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const ledger::chain_params& params() const { return params_; }
  std::vector<std::string> posted() {
    std::lock_guard lock(mutex_);
    return posted_;
  }
  std::vector<std::uint64_t> fees() {
    std::lock_guard lock(mutex_);
    return fees_;
  }
  /// Returns the id of genesis output i.
  crypto::hash256 genesis(std::size_t i) const {
    return ledger::output_id(ledger::genesis_txid(spec_), static_cast<std::uint32_t>(i),
                             spec_.outputs.at(i));
  }

private:
  ledger::genesis_spec spec_;
  ledger::utxo_set state_;
  ledger::chain_params params_;
  ledger::signature_checker checker_{crypto::ed25519_scheme()};
  httplib::Server srv_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::vector<std::string> posted_;
  std::vector<std::uint64_t> fees_;
  std::map<std::uint32_t, std::string> kinds_;
  std::atomic<int> busy_{0}, requests_{0};
  bool accept_then_busy_ = false;
  crypto::hash256 busy_accepted_;
};

crypto::key_pair party(std::uint8_t n) {
  crypto::secret_seed s{};
  s.fill(n);
  return crypto::key_pair::from_seed(s);
}

/// Holds three parties with key files, a 2-of-3 program of theirs and a node whose genesis
/// funds them: BTM (native) and gold (Byte).
struct wallet_world {
  scratch files;
  crypto::key_pair alice = party(1), bob = party(2), carol = party(3), issuer = party(9);
  ledger::control_program shared{2, {alice.pub(), bob.pub(), carol.pub()}};
  ledger::asset_definition btm, gold;
  std::unique_ptr<fake_node> node;
  static constexpr std::size_t alice_big = 0, alice_small = 1, bob_btm = 2, alice_gold = 3,
                               shared_btm = 4;

  wallet_world() {
    for (auto [k, name] : {std::pair{&alice, "alice"}, {&bob, "bob"}, {&carol, "carol"}})
      EXPECT_TRUE(k->save(files / (std::string(name) + ".key")));
    btm.name = "BTM";
    btm.issuer = ledger::control_program::single(issuer.pub());
    gold = btm;
    gold.name = "gold";
    ledger::genesis_spec g;
    g.network = "cli-test";
    g.min_fee_per_kb = 1000;
    g.assets = {btm, gold};
    g.native_index = 0;
    auto single = [](const crypto::key_pair& k) {
      return ledger::control_program::single(k.pub());
    };
    g.outputs = {
        ledger::pay(btm.id(), 1'000'000, single(alice)),
        ledger::pay(btm.id(), 5'000, single(alice)), ledger::pay(btm.id(), 2'000'000, single(bob)),
        ledger::pay(gold.id(), 500, single(alice)), ledger::pay(btm.id(), 1'000'000, shared)};
    node = std::make_unique<fake_node>(std::move(g));
  }
  std::string key(const std::string& name) const { return files / (name + ".key"); }
  std::string at() const { return " --node " + node->address(); }
  json inspect(const std::string& file) const {
    auto r = files.cli("inspect --json --in " + file);
    EXPECT_EQ(r.code, 0) << r.err;
    return json::parse(r.out);
  }
};

TEST(cli_wallet, keygen_writes_a_private_key_file_and_prints_its_address) {
  scratch s;
  auto r = s.cli("keygen --json --out " + s / "k.key");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json::parse(r.out);
  auto k = crypto::key_pair::load(s / "k.key");
  ASSERT_TRUE(k) << k.err().message;
  EXPECT_EQ(j["public_key"], hex_of(k->pub()));
  EXPECT_EQ(j["address"], ledger::control_program::single(k->pub()).address().hex());
  struct stat st {};
  ASSERT_EQ(::stat((s / "k.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Never overwrites a key: a refusal, not a usage error.
  EXPECT_EQ(s.cli("keygen --out " + s / "k.key").code, 1);
  auto u = s.cli("keygen");
  EXPECT_EQ(u.code, 2);
  EXPECT_NE(u.err.find("--out"), std::string::npos) << u.err;
}

TEST(cli_wallet, dev_wallets_are_the_ones_a_local_genesis_funds) {
  scratch s;
  // The first owner `bystackd genesis` writes (default --wallet-seed bystack-loadgen).
  auto r = s.cli("keygen --json --dev-wallet 0 --out " + s / "w0.key");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["public_key"],
            "e1722346f014524b17b5e2d8950865ef50e506f8e6389fa10109473c3d56ceba");
}

TEST(cli_wallet, address_of_a_key_a_public_key_and_a_multisig) {
  wallet_world w;
  auto single = ledger::control_program::single(w.alice.pub());
  for (const auto& args : {"--key " + w.key("alice"), "--pubkey " + hex_of(w.alice.pub())}) {
    auto r = w.files.cli("address --json " + args);
    ASSERT_EQ(r.code, 0) << r.err;
    auto j = json::parse(r.out);
    EXPECT_EQ(j["address"], single.address().hex());
    EXPECT_EQ(j["program"], program_hex(single));
  }
  auto keys = hex_of(w.alice.pub()) + "," + hex_of(w.bob.pub()) + "," + hex_of(w.carol.pub());
  auto r = w.files.cli("address --json --multisig 2 --pubkeys " + keys);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json::parse(r.out);
  EXPECT_EQ(j["address"], w.shared.address().hex());
  EXPECT_EQ(j["program"], program_hex(w.shared));
  EXPECT_EQ(j["owner"]["threshold"], 2);

  auto bad = w.files.cli("address --multisig 4 --pubkeys " + keys);
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--multisig"), std::string::npos) << bad.err;
  bad = w.files.cli("address --pubkey abcd");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--pubkey"), std::string::npos) << bad.err;
  bad = w.files.cli("address --pubkey " + hex_of(w.alice.pub()) + " --colour blue");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--colour"), std::string::npos) << bad.err;
}

TEST(cli_wallet, transfer_picks_the_smallest_output_that_covers_and_pays_the_minimum_fee) {
  wallet_world w;
  auto btm = w.btm.id().hex();
  auto r =
      w.files.cli("transfer --key " + w.key("alice") + " --to " + hex_of(w.bob.pub()) +
                  " --asset " + btm + " --amount 3000 --sign --out " + w.files / "t.json" + w.at());
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = w.inspect(w.files / "t.json");
  ASSERT_EQ(j["inputs"].size(), 1u);
  EXPECT_EQ(j["inputs"][0]["spent_output"], w.node->genesis(wallet_world::alice_small).hex());
  ASSERT_EQ(j["outputs"].size(), 2u); // payment and change
  EXPECT_EQ(j["outputs"][0]["amount"], 3000);
  EXPECT_EQ(j["outputs"][0]["address"],
            ledger::control_program::single(w.bob.pub()).address().hex());
  EXPECT_EQ(j["fee"], j["min_fee"]);
  EXPECT_EQ(j["outputs"][1]["amount"].get<std::uint64_t>() + 3000 + j["fee"].get<std::uint64_t>(),
            5000u);
  EXPECT_TRUE(j["complete"]);
  auto sub = w.files.cli("submit --in " + w.files / "t.json" + w.at());
  EXPECT_EQ(sub.code, 0) << sub.err;
  EXPECT_NE(sub.out.find("accepted"), std::string::npos) << sub.out;
  EXPECT_EQ(w.node->fees(), std::vector<std::uint64_t>{j["fee"].get<std::uint64_t>()});

  // More than any one output holds: the smallest first until they cover.
  r = w.files.cli("transfer --key " + w.key("alice") + " --to " + hex_of(w.bob.pub()) +
                  " --asset " + btm + " --amount 1003000 --out " + w.files / "u.json" + w.at());
  ASSERT_EQ(r.code, 0) << r.err;
  j = w.inspect(w.files / "u.json");
  EXPECT_EQ(j["inputs"].size(), 2u);
  EXPECT_FALSE(j["complete"]);

  // Too much: a refusal naming the shortfall.
  r = w.files.cli("transfer --key " + w.key("alice") + " --to " + hex_of(w.bob.pub()) +
                  " --asset " + btm + " --amount 9000000 --out " + w.files / "v.json" + w.at());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("needed"), std::string::npos) << r.err;
  // Usage errors name the argument.
  r = w.files.cli("transfer --key " + w.key("alice") + " --to " + hex_of(w.bob.pub()) +
                  " --asset " + btm + " --out " + w.files / "v.json" + w.at());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--amount"), std::string::npos) << r.err;
  r = w.files.cli("transfer --key " + w.key("alice") + " --to xyz --asset " + btm +
                  " --amount 1 --out " + w.files / "v.json" + w.at());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--to"), std::string::npos) << r.err;
}

TEST(cli_wallet, a_busy_node_is_asked_again_and_a_node_that_stays_busy_fails_with_a_clear_error) {
  wallet_world w;
  auto btm = w.btm.id().hex();
  auto transfer = "transfer --key " + w.key("alice") + " --to " + hex_of(w.bob.pub()) +
                  " --asset " + btm + " --amount 3000 --sign --out " + w.files / "t.json" + w.at();
  // Answered 503 twice, then served: the command goes on after two retries.
  auto before = w.node->requests();
  w.node->busy(2);
  auto r = w.files.cli(transfer);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GE(w.node->requests() - before, 4); // 3 for GET /status, then GET /utxo
  EXPECT_TRUE(w.inspect(w.files / "t.json")["complete"]);

  // Still busy after the last attempt: exactly BYSTACK_CLI_RETRIES requests, then an error that
  // says so (exit status 1).
  ::setenv("BYSTACK_CLI_RETRIES", "3", 1);
  w.node->busy(1000);
  before = w.node->requests();
  r = w.files.cli(transfer);
  ::unsetenv("BYSTACK_CLI_RETRIES");
  w.node->busy(0);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(w.node->requests() - before, 3);
  EXPECT_NE(r.err.find("GET /status on " + w.node->address() +
                       " answered 503 (unavailable) 3 times over 0.7 s"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("overloaded"), std::string::npos) << r.err;

  // A submission the node took into its pool but answered 503: the retry is refused as a
  // duplicate, which tells that an earlier attempt got in.
  w.node->accept_then_busy();
  auto sub = w.files.cli("submit --in " + w.files / "t.json" + w.at());
  EXPECT_EQ(sub.code, 0) << sub.err;
  EXPECT_NE(sub.out.find("accepted (by an earlier attempt"), std::string::npos) << sub.out;
  EXPECT_EQ(w.node->posted().size(), 2u);
  EXPECT_EQ(w.node->fees().size(), 1u);
  // Without the 503 first, a duplicate is a refusal.
  sub = w.files.cli("submit --in " + w.files / "t.json" + w.at());
  EXPECT_EQ(sub.code, 1);
  EXPECT_NE(sub.err.find("refused (duplicate)"), std::string::npos) << sub.err;
}

TEST(cli_wallet, locked_outputs_are_never_selected) {
  // A vote or registration of the owner (GET /utxo says its kind) is not a coin: the transfer
  // that would take the 5,000 output takes the 1,000,000 one when the former is a vote.
  wallet_world w;
  w.node->list_as(wallet_world::alice_small, "vote");
  auto r = w.files.cli("transfer --key " + w.key("alice") + " --to " + hex_of(w.bob.pub()) +
                       " --asset " + w.btm.id().hex() + " --amount 3000 --out " +
                       w.files / "t.json" + w.at());
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = w.inspect(w.files / "t.json");
  ASSERT_EQ(j["inputs"].size(), 1u);
  EXPECT_EQ(j["inputs"][0]["spent_output"], w.node->genesis(wallet_world::alice_big).hex());
}

TEST(cli_wallet, two_of_three_sign_apart_combine_and_submit) {
  wallet_world w;
  auto r = w.files.cli("transfer --key " + w.key("alice") + " --from-multisig " +
                       program_hex(w.shared) + " --to " + hex_of(w.carol.pub()) + " --asset " +
                       w.btm.id().hex() + " --amount 1234 --out " + w.files / "t.json" + w.at());
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = w.inspect(w.files / "t.json");
  ASSERT_EQ(j["inputs"].size(), 1u);
  EXPECT_EQ(j["inputs"][0]["spent_output"], w.node->genesis(wallet_world::shared_btm).hex());
  EXPECT_EQ(j["inputs"][0]["missing"], 2);
  EXPECT_EQ(j["outputs"][1]["address"], w.shared.address().hex()); // change to the multisig

  // Alice and Carol sign their own copies; neither needs the node.
  ASSERT_EQ(w.files
                .cli("sign --key " + w.key("alice") + " --in " + w.files / "t.json" + " --out " +
                     w.files / "a.json")
                .code,
            0);
  ASSERT_EQ(w.files
                .cli("sign --key " + w.key("carol") + " --in " + w.files / "t.json" + " --out " +
                     w.files / "c.json")
                .code,
            0);
  j = w.inspect(w.files / "a.json");
  EXPECT_EQ(j["inputs"][0]["signed_by"], json::array({0}));
  EXPECT_EQ(j["inputs"][0]["missing"], 1);
  EXPECT_FALSE(j["complete"]);
  auto text = w.files.cli("inspect --in " + w.files / "a.json");
  EXPECT_NE(text.out.find("missing 1 more of keys 1,2"), std::string::npos) << text.out;

  r = w.files.cli("combine --in " + w.files / "a.json" + " --in " + w.files / "c.json" + " --out " +
                  w.files / "all.json");
  ASSERT_EQ(r.code, 0) << r.err;
  j = w.inspect(w.files / "all.json");
  EXPECT_EQ(j["inputs"][0]["signed_by"], json::array({0, 2}));
  EXPECT_TRUE(j["complete"]);

  // One signature of two: the node refuses, and submit reports its rule.
  r = w.files.cli("submit --in " + w.files / "a.json" + w.at());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("threshold-not-met"), std::string::npos) << r.err;
  // Both: accepted, and the body is {"tx": hex of the combined transaction}.
  r = w.files.cli("submit --in " + w.files / "all.json" + w.at());
  EXPECT_EQ(r.code, 0) << r.err;
  auto posted = w.node->posted();
  ASSERT_EQ(posted.size(), 2u);
  auto file = json::parse(slurp(w.files / "all.json"));
  EXPECT_EQ(json::parse(posted[1]), (json{{"tx", file["tx"]}}));

  // BYSTACK_NODE stands in for --node.
  ::setenv("BYSTACK_NODE", w.node->address().c_str(), 1);
  r = w.files.cli("submit --in " + w.files / "a.json");
  ::unsetenv("BYSTACK_NODE");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("threshold-not-met"), std::string::npos) << r.err;
}

TEST(cli_wallet, swap_offer_accept_both_sign_combine_submit) {
  wallet_world w;
  auto offer = w.files / "offer.json", accepted = w.files / "accepted.json";
  // Alice gives 300 gold for 20000 BTM from Bob.
  auto r = w.files.cli("swap offer --key " + w.key("alice") + " --give-asset " + w.gold.id().hex() +
                       " --give-amount 300 --want-asset " + w.btm.id().hex() +
                       " --want-amount 20000 --counterparty " + hex_of(w.bob.pub()) + " --out " +
                       offer + w.at());
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = w.inspect(offer);
  EXPECT_EQ(j["inputs"].size(), 1u);
  EXPECT_FALSE(j["unbalanced"].empty()); // Bob's BTM is missing

  // Carol is not the counterparty.
  r = w.files.cli("swap accept --key " + w.key("carol") + " --in " + offer + " --out " + accepted +
                  w.at());
  EXPECT_EQ(r.code, 1);
  r = w.files.cli("swap accept --key " + w.key("bob") + " --in " + offer + " --out " + accepted +
                  w.at());
  ASSERT_EQ(r.code, 0) << r.err;
  j = w.inspect(accepted);
  EXPECT_TRUE(j["unbalanced"].empty());
  EXPECT_EQ(j["fee"], j["min_fee"]);

  // The offer's id is not the accepted one's: combine refuses to mix them.
  r = w.files.cli("combine --in " + offer + " --in " + accepted + " --out " + w.files / "x.json");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("not"), std::string::npos) << r.err;

  ASSERT_EQ(
      w.files
          .cli("sign --key " + w.key("bob") + " --in " + accepted + " --out " + w.files / "b.json")
          .code,
      0);
  ASSERT_EQ(w.files
                .cli("sign --key " + w.key("alice") + " --in " + accepted + " --out " +
                     w.files / "a.json")
                .code,
            0);
  // Carol holds none of the inputs.
  EXPECT_EQ(w.files
                .cli("sign --key " + w.key("carol") + " --in " + accepted + " --out " +
                     w.files / "c.json")
                .code,
            1);
  r = w.files.cli("submit --in " + w.files / "b.json" + w.at());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("threshold-not-met"), std::string::npos) << r.err;
  ASSERT_EQ(w.files
                .cli("combine --in " + w.files / "b.json" + " --in " + w.files / "a.json" +
                     " --out " + w.files / "both.json")
                .code,
            0);
  EXPECT_TRUE(w.inspect(w.files / "both.json")["complete"]);
  r = w.files.cli("submit --in " + w.files / "both.json" + w.at());
  EXPECT_EQ(r.code, 0) << r.err;
}

} // namespace
