// The federation file's chain rules in bystackd's store marker (docs/node.md, docs/federation.md
// "Elections on real processes"): a sidechain node restarted over its store with a changed
// election key (or another rule of the file) is refused at start with an error naming the key,
// and starts again once the file is as it was. Real processes: one sidechain node of a stack
// written by `stack.sh gen --elections`; no timing.

#include "runtime/federation/chain_client.hpp"
#include "tests/common/cluster_process.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

using namespace bystack;
namespace fed = bystack::federation;
using bystack::test::poll_until;
using std::chrono::seconds;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::trunc);
  out << text;
}

class store_marker_test : public ::testing::Test {
protected:
  void SetUp() override {
    base_ = bystack::test::pick_base_port(80);
    dir_ = std::filesystem::temp_directory_path() /
           ("bystack-store-marker-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    auto gen = std::string("BYSTACK_BUILD_DIR=") + BUILD_DIR + " " + STACK_SH + " gen " +
               dir_.string() + " --base-port " + std::to_string(base_) +
               " --mainchain-nodes 1 --sidechain-nodes 4 --elections 10 >" +
               (dir_.string() + ".gen.log") + " 2>&1";
    ASSERT_EQ(std::system(gen.c_str()), 0) << gen;
    api_ = "127.0.0.1:" + std::to_string(base_ + 21);
  }

  void TearDown() override {
    if (pid_ > 0) bystack::test::stop_process(pid_, SIGTERM);
    if (!HasFailure()) {
      std::filesystem::remove_all(dir_);
      std::filesystem::remove(dir_.string() + ".gen.log");
    }
  }

  /// Starts sidechain node 0 and waits until its API answers (its store is open by then).
  bool start_node() {
    pid_ = bystack::test::spawn_node(BYSTACKD, (dir_ / "sidechain/node0.yaml").string(),
                                     (dir_ / "node0.log").string());
    if (pid_ <= 0) return false;
    return poll_until(seconds(60), [&] {
      auto r = fed::api_client(api_).get("/status");
      return r && r->first == 200;
    });
  }

  void stop_node() {
    EXPECT_EQ(bystack::test::stop_process(pid_, SIGTERM), "");
    pid_ = -1;
  }

  /// Runs sidechain node 0 to its end (at most 60 s); returns its exit status and output.
  std::pair<int, std::string> run_node() {
    auto log = dir_ / "refused.log";
    auto cmd = std::string("timeout 60 ") + BYSTACKD + " --config " +
               (dir_ / "sidechain/node0.yaml").string() + " >" + log.string() + " 2>&1";
    int rc = std::system(cmd.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(log)};
  }

  /// Replaces the first `from` in the federation file by `to`.
  void edit(const std::string& from, const std::string& to) {
    auto text = slurp(dir_ / "federation.yaml");
    auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    spit(dir_ / "federation.yaml", text);
  }

  int base_ = 0;
  pid_t pid_ = -1;
  std::filesystem::path dir_;
  std::string api_;
};

TEST_F(store_marker_test, a_changed_election_key_over_an_existing_store_is_refused_naming_it) {
  auto original = slurp(dir_ / "federation.yaml");
  ASSERT_TRUE(start_node()) << slurp(dir_ / "node0.log");
  stop_node();

  // election.seats 3 -> 2: the store was created under 3.
  edit("  seats: 3\n", "  seats: 2\n");
  auto [rc, out] = run_node();
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("the store was created under other chain rules: key 'election.seats' of "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("is 2, but the store was created with 3"), std::string::npos) << out;

  // Another election key, and a rule outside the election section.
  spit(dir_ / "federation.yaml", original);
  edit("  activation_margin_blocks: 2\n", "  activation_margin_blocks: 5\n");
  std::tie(rc, out) = run_node();
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("key 'election.activation_margin_blocks'"), std::string::npos) << out;
  spit(dir_ / "federation.yaml", original);
  edit("grace_blocks: 2\n", "grace_blocks: 3\n");
  std::tie(rc, out) = run_node();
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("key 'grace_blocks'"), std::string::npos) << out;

  // The same file again: the node starts over its store.
  spit(dir_ / "federation.yaml", original);
  ASSERT_TRUE(start_node()) << slurp(dir_ / "node0.log");
  stop_node();
}

} // namespace
