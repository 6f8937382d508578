#pragma once
// The fixture of the federated stack tests on real processes: the stack that scripts/stack.sh
// generates on probed ports in a directory of its own, its processes started by name and
// stopped at the end, its APIs and bystack-cli at hand. Every wait polls with a generous
// deadline; nothing is timed.

#include "runtime/federation/chain_client.hpp"
#include "tests/common/cluster_process.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

namespace bystack::test {

class stack_fixture : public ::testing::Test {
protected:
  using json = federation::json;

  /// Generates the stack with `stack.sh gen` and `gen_flags` into a fresh directory named after
  /// `name` (bystack-NAME-test-PID; the generator's output goes to bystack-NAME-gen.log).
  void generate(const std::string& name, const std::string& gen_flags) {
    base_ = pick_base_port(80);
    dir_ = std::filesystem::temp_directory_path() /
           ("bystack-" + name + "-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    auto gen =
        std::string("BYSTACK_BUILD_DIR=") + BUILD_DIR + " " + STACK_SH + " gen " + dir_.string() +
        " --base-port " + std::to_string(base_) + " " + gen_flags + " >" +
        (std::filesystem::temp_directory_path() / ("bystack-" + name + "-gen.log")).string() +
        " 2>&1";
    ASSERT_EQ(std::system(gen.c_str()), 0) << gen;
    mc_ = "127.0.0.1:" + std::to_string(base_ + 1);
    sc_ = "127.0.0.1:" + std::to_string(base_ + 21);
    peg_ = " --sidechain-config " + (dir_ / "sidechain/node0.yaml").string() + " --mainchain " +
           mc_ + " --sidechain " + sc_;
  }

  void TearDown() override {
    for (auto it = pids_.rbegin(); it != pids_.rend(); ++it)
      if (it->second > 0) stop_process(it->second, SIGTERM);
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  void start(const std::string& name, const char* exe, const std::filesystem::path& cfg) {
    pids_[name] = spawn_node(exe, cfg.string(), (dir_ / (name + ".log")).string());
    ASSERT_GT(pids_[name], 0);
  }

  /// Starts the mainchain node and the four sidechain nodes, waits for their APIs, then starts
  /// `members` federation members and the collector.
  void start_stack(int members) {
    using std::chrono::seconds;
    start("mainchain0", MAINCHAIND, dir_ / "mainchain/node0.yaml");
    for (int i = 0; i < 4; ++i)
      start("sidechain" + std::to_string(i), BYSTACKD,
            dir_ / ("sidechain/node" + std::to_string(i) + ".yaml"));
    ASSERT_TRUE(poll_until(seconds(120), [&] { return get(mc_, "/status").has_value(); }));
    ASSERT_TRUE(poll_until(seconds(120), [&] { return get(sc_, "/federation").has_value(); }));
    for (int i = 0; i < members; ++i)
      start("member" + std::to_string(i), FEDERATIOND,
            dir_ / ("federation/member" + std::to_string(i) + ".yaml"));
    start("collector", FEDERATIOND, dir_ / "federation/collector.yaml");
  }

  std::optional<json> get(const std::string& where, const std::string& path) {
    auto r = federation::api_client(where).get(path);
    if (!r || r->first != 200) return std::nullopt;
    return r->second;
  }

  /// get() until it answers (a node busy checking header runs answers 503 for a while); an
  /// empty object after two minutes.
  json must_get(const std::string& where, const std::string& path) {
    std::optional<json> j;
    poll_until(std::chrono::seconds(120), [&] { return (j = get(where, path)).has_value(); });
    return j ? *j : json::object();
  }

  /// Runs bystack-cli; returns its exit status and stdout (stderr goes to the log).
  std::pair<int, std::string> cli(const std::string& args) {
    auto out = dir_ / "cli.out";
    auto cmd = std::string(BYSTACK_CLI) + " " + args + " >" + out.string() + " 2>>" +
               (dir_ / "cli.err").string();
    int rc = std::system(cmd.c_str());
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, ss.str()};
  }

  /// Runs a bystack-cli command with --json. A node busy checking header runs may answer 503
  /// (its actor did not answer in time), which the command reports on stderr without JSON:
  /// such a run is repeated (up to `tries` times, 2 s apart). Returns {"exit": -1} when no run
  /// printed JSON; callers assert on the fields.
  json cli_json(const std::string& args, int tries = 5) {
    for (int i = 0; i < tries; ++i) {
      auto [rc, out] = cli(args + " --json");
      auto j = json::parse(out, nullptr, false);
      if (!j.is_discarded() && j.is_object()) {
        j["exit"] = rc;
        return j;
      }
      if (i + 1 < tries) std::this_thread::sleep_for(std::chrono::seconds(2));
    }
    return json{{"exit", -1}};
  }

  std::uint64_t balance(const std::string& where, const std::string& key,
                        const std::string& asset) {
    auto b = get(where, "/balance/" + key);
    if (!b) return 0;
    for (const auto& x : (*b)["balances"])
      if (x["asset"] == asset) return x["amount"].get<std::uint64_t>();
    return 0;
  }

  bool committed(const std::string& where, const std::string& txid) {
    auto t = get(where, "/tx/" + txid);
    return t && t->value("status", "") == "committed";
  }

  int base_ = 0;
  std::filesystem::path dir_;
  std::string mc_, sc_, peg_;
  std::map<std::string, pid_t> pids_;
};

/// What the stack tests name unqualified (`using namespace bystack::test::stack_names;`): the
/// project's and the federation's namespaces, the poll helper, and the amounts they share.
namespace stack_names {
using namespace bystack;
namespace fed = bystack::federation;
using bystack::test::poll_until;
using federation::json;
using std::chrono::seconds;

constexpr std::uint64_t pegin_amount = 500'000'000;
constexpr std::uint64_t mainchain_fee = 100'000;
} // namespace stack_names

} // namespace bystack::test
