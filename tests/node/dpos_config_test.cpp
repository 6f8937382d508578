// The genesis's optional `dpos:` section in bystackd's config (docs/dpos.md, "Real nodes"): the
// consensus nodes become the universe of candidates, the genesis set defaults to the first
// consensus_size of them, and malformed values are refused with file, line and key.
#include "runtime/node/config.hpp"
#include "tests/common/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace bystack::node {
namespace {

const char* keys[] = {"0d171210a2b92a9974d017d73377cd3d46970260ad753751d6ca3b9ff2ee1252",
                      "de8ffc2d09a280d5ceaf710a92e700b1442fc3306cd0bd0c8f1400064a22c6cf",
                      "5374bfada823bf0b835b4cb32103e305b072aa1c63e747703957b825a5f7f5b9"};

std::string nodes_part() {
  std::string s = "node:\n"
                  "  key_file: node0.key\n"
                  "  listen: {address: 127.0.0.1, port: 7100}\n"
                  "  data_dir: data0\n"
                  "  api: {address: 127.0.0.1, port: 7101}\n"
                  "consensus:\n"
                  "  nodes:\n";
  for (int i = 0; i < 3; ++i)
    s += "    - {key: " + std::string(keys[i]) +
         ", address: 127.0.0.1, port: " + std::to_string(7100 + 2 * i) + "}\n";
  return s;
}

std::string genesis_body(const std::string& pad) {
  return pad + "network: dpos-test\n" + pad + "min_fee_per_kb: 1000\n" + pad + "block_reward: 0\n" +
         pad + "assets:\n" + pad + "  - {name: BTM, kind: byte, decimals: 8, native: true}\n" +
         pad + "outputs:\n" + pad + "  - {asset: BTM, amount: 1000000, owner: " + keys[0] + "}\n";
}

/// A config with an inline genesis whose dpos section is `dpos` (lines under "  dpos:").
std::string inline_config(const std::string& dpos, const std::string& extra_consensus = "") {
  return nodes_part() + extra_consensus + "ledger: butxo\ngenesis:\n" + genesis_body("  ") +
         "  dpos:\n" + dpos;
}

std::string error_of(const std::string& text) {
  auto r = parse_node_config(text, "n.yaml", "/x");
  return r ? std::string() : r.err().message;
}

TEST(dpos_config, defaults_make_the_first_members_the_genesis_set) {
  auto r = parse_node_config(inline_config("    epoch_blocks: 10\n    consensus_size: 2\n"),
                             "n.yaml", "/x");
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_TRUE(r->dpos);
  EXPECT_EQ(r->dpos->election.epoch_blocks, 10u);
  EXPECT_EQ(r->dpos->election.consensus_size, 2u);
  EXPECT_EQ(r->dpos->election.min_size, 2u);
  EXPECT_EQ(r->dpos->genesis_set, (std::vector<std::uint32_t>{0, 1}));
  EXPECT_FALSE(r->dpos->stake_and_delay);
  EXPECT_EQ(r->dpos->rules.vote_lock_blocks, 100u);
  EXPECT_TRUE(r->groups.empty());
}

TEST(dpos_config, reads_every_key) {
  auto r = parse_node_config(inline_config("    epoch_blocks: 20\n"
                                           "    consensus_size: 3\n"
                                           "    min_size: 2\n"
                                           "    supers: 2\n"
                                           "    policy: stake_and_delay\n"
                                           "    max_group: 2\n"
                                           "    regions:\n"
                                           "      - {name: eu, delay_ms: [1, 40]}\n"
                                           "      - {name: us, delay_ms: [40, 2]}\n"
                                           "    vote_lock_blocks: 7\n"
                                           "    min_vote: 5\n"
                                           "    candidate_deposit: 900\n"
                                           "    genesis_set: [2, 0]\n"),
                             "n.yaml", "/x");
  ASSERT_TRUE(r) << r.err().message;
  const auto& d = *r->dpos;
  EXPECT_EQ(d.election.min_size, 2u);
  EXPECT_EQ(d.supers, 2u);
  EXPECT_TRUE(d.stake_and_delay);
  EXPECT_EQ(d.max_group, 2u);
  EXPECT_EQ(d.regions, (std::vector<std::string>{"eu", "us"}));
  EXPECT_EQ(d.delay_ms[1][0], 40.0);
  EXPECT_EQ(d.rules.vote_lock_blocks, 7u);
  EXPECT_EQ(d.rules.min_vote, 5u);
  EXPECT_EQ(d.rules.candidate_deposit, 900u);
  EXPECT_EQ(d.genesis_set, (std::vector<std::uint32_t>{2, 0}));
}

TEST(dpos_config, malformed_values_name_line_and_key) {
  struct bad {
    std::string dpos, key, what;
  };
  for (const auto& b : std::vector<bad>{
           {"    epoch_blocks: 10\n    consensus_size: 4\n", "genesis.dpos.consensus_size", "3"},
           {"    consensus_size: 2\n", "genesis.dpos.epoch_blocks", ""},
           {"    epoch_blocks: 10\n    consensus_size: 2\n    policy: random\n",
            "genesis.dpos.policy", "stake_only"},
           {"    epoch_blocks: 10\n    consensus_size: 2\n    policy: stake_and_delay\n",
            "genesis.dpos.policy", "regions"},
           {"    epoch_blocks: 10\n    consensus_size: 2\n    regions:\n"
            "      - {name: eu, delay_ms: [1, 2]}\n",
            "genesis.dpos.regions[0].delay_ms", "one delay per region"},
           {"    epoch_blocks: 10\n    consensus_size: 2\n    genesis_set: [0, 3]\n",
            "genesis.dpos.genesis_set[1]", "out of range"},
           {"    epoch_blocks: 10\n    consensus_size: 2\n    genesis_set: [1, 1]\n",
            "genesis.dpos.genesis_set[1]", "twice"},
           {"    epoch_blocks: 10\n    consensus_size: 2\n    min_vote: 0\n",
            "genesis.dpos.min_vote", ""},
           {"    epoch_blocks: 10\n    consensus_size: 2\n    epochs: 3\n", "genesis.dpos.epochs",
            ""},
       }) {
    auto e = error_of(inline_config(b.dpos));
    ASSERT_FALSE(e.empty()) << b.dpos;
    EXPECT_NE(e.find("n.yaml:"), std::string::npos) << e;
    EXPECT_NE(e.find(b.key), std::string::npos) << b.key << " / " << e;
    EXPECT_NE(e.find(b.what), std::string::npos) << b.what << " / " << e;
  }
}

TEST(dpos_config, rewards_are_off_unless_given_and_read_with_defaults) {
  const std::string base = "    epoch_blocks: 10\n    consensus_size: 2\n";
  auto off = parse_node_config(inline_config(base), "n.yaml", "/x");
  ASSERT_TRUE(off) << off.err().message;
  EXPECT_FALSE(off->dpos->rewards);

  auto on = parse_node_config(
      inline_config(base + "    rewards: {producer_share_pct: 25, min_voter_payout: 40}\n"),
      "n.yaml", "/x");
  ASSERT_TRUE(on) << on.err().message;
  ASSERT_TRUE(on->dpos->rewards);
  EXPECT_EQ(on->dpos->rewards->producer_share_pct, 25u);
  EXPECT_EQ(on->dpos->rewards->min_voter_payout, 40u);

  auto defaults = parse_node_config(inline_config(base + "    rewards: {}\n"), "n.yaml", "/x");
  ASSERT_TRUE(defaults) << defaults.err().message;
  ASSERT_TRUE(defaults->dpos->rewards);
  EXPECT_EQ(defaults->dpos->rewards->producer_share_pct, 100u);
  EXPECT_EQ(defaults->dpos->rewards->min_voter_payout, 1u);
}

TEST(dpos_config, malformed_rewards_name_line_and_key) {
  struct bad {
    std::string rewards, key, line;
  };
  const std::string base = "    epoch_blocks: 10\n    consensus_size: 2\n";
  // In inline_config the dpos keys start on line 21: rewards is on 23, its keys on 24.
  for (const auto& b : std::vector<bad>{
           {"    rewards:\n      producer_share_pct: 101\n",
            "genesis.dpos.rewards.producer_share_pct", "n.yaml:24"},
           {"    rewards:\n      producer_share_pct: -1\n",
            "genesis.dpos.rewards.producer_share_pct", "n.yaml:24"},
           {"    rewards:\n      min_voter_payout: 0\n", "genesis.dpos.rewards.min_voter_payout",
            "n.yaml:24"},
           {"    rewards:\n      producer_share: 10\n", "genesis.dpos.rewards.producer_share",
            "n.yaml:24"},
           {"    rewards: 5\n", "genesis.dpos.rewards", "n.yaml:23"},
       }) {
    auto e = error_of(inline_config(base + b.rewards));
    ASSERT_FALSE(e.empty()) << b.rewards;
    EXPECT_NE(e.find(b.line), std::string::npos) << b.line << " / " << e;
    EXPECT_NE(e.find(b.key), std::string::npos) << b.key << " / " << e;
  }
}

TEST(dpos_config, groups_are_refused_and_needed_without_dpos) {
  auto e = error_of(inline_config("    epoch_blocks: 10\n    consensus_size: 2\n",
                                  "  groups:\n    - {super: 0, members: [0, 1, 2]}\n"));
  EXPECT_NE(e.find("consensus.groups"), std::string::npos) << e;
  EXPECT_NE(e.find("super-node policy"), std::string::npos) << e;
  // Without dpos, groups stay required as before.
  auto plain = nodes_part() + "ledger: butxo\ngenesis:\n" + genesis_body("  ");
  EXPECT_NE(error_of(plain).find("consensus.groups"), std::string::npos) << error_of(plain);
}

TEST(dpos_config, opaque_ledger_is_refused) {
  auto text = inline_config("    epoch_blocks: 10\n    consensus_size: 2\n");
  text.replace(text.find("ledger: butxo"), 13, "ledger: opaque");
  auto e = error_of(text);
  EXPECT_NE(e.find("needs 'ledger: butxo'"), std::string::npos) << e;
}

TEST(dpos_config, genesis_file_holds_the_section) {
  test::temp_dir dir;
  std::ofstream(dir.path() / "genesis.yaml")
      << genesis_body("") << "dpos:\n  epoch_blocks: 12\n  consensus_size: 3\n";
  std::ofstream(dir.path() / "node.yaml") << nodes_part() << "ledger: butxo\n"
                                          << "genesis_file: genesis.yaml\n";
  auto r = load_node_config(dir.path() / "node.yaml");
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_TRUE(r->dpos);
  EXPECT_EQ(r->dpos->election.epoch_blocks, 12u);
  EXPECT_EQ(r->dpos->genesis_set, (std::vector<std::uint32_t>{0, 1, 2}));
  // A malformed value in the file names the genesis file, its line and the key.
  std::ofstream(dir.path() / "genesis.yaml", std::ios::trunc)
      << genesis_body("") << "dpos:\n  epoch_blocks: 12\n  consensus_size: 9\n";
  auto e = load_node_config(dir.path() / "node.yaml");
  ASSERT_FALSE(e);
  auto where = (dir.path() / "genesis.yaml").string() + ":10:";
  EXPECT_NE(e.err().message.find(where), std::string::npos) << e.err().message;
  EXPECT_NE(e.err().message.find("dpos.consensus_size"), std::string::npos) << e.err().message;
}

} // namespace
} // namespace bystack::node
