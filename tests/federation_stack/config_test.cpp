// The federation's config files on real processes: the federation file bystackd and the
// federation processes read, bystack-federationd's own config, and bystackd's federation_file
// key. Malformed values are reported with file:line:key; a valid file gives the parameters
// every party derives alike.

#include "actors/federation/address.hpp"
#include "runtime/federation/fed_config.hpp"
#include "runtime/node/config.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace {

using namespace bystack;
namespace fed = bystack::federation;

class config_test : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bystack-fed-config-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    write("genesis.yaml", "network: \"m\"\nmin_fee_per_kb: 1000\nblock_reward: 50\nassets:\n"
                          "  - {name: \"BTM\", kind: byte, decimals: 8, native: true}\n");
    write("mc.yaml", "node:\n  name: n0\n  listen: {address: \"127.0.0.1\", port: 1}\n"
                     "  api: {address: \"127.0.0.1\", port: 2}\n  data_dir: \"d\"\n"
                     "peers: []\nconsensus:\n  target_block_ms: 2000\n"
                     "  genesis_expected_hashes: 8\n  genesis_time_ms: 1764000000000\n"
                     "genesis_file: \"genesis.yaml\"\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::string keys() const {
    return "members:\n"
           "  - 11571c1c034fda70f07c4a6c5a3b003efea5807bcace98d8d4f1ddfaadc6f2df\n"
           "  - f3037f875e34510952c4635decc6a62191556dffa1e0497d8627688d1a3eb620\n"
           "  - e1bfd32b8667e7f10cc5a77c7966385641cb4845a2fbcdcd8a79330d16c1eb3c\n";
  }
  std::filesystem::path dir_;
};

TEST_F(config_test, a_federation_file_gives_the_program_and_the_mainchain_it_follows) {
  auto s = fed::parse_federation(keys() + "threshold: 2\nmainchain_config: \"mc.yaml\"\n"
                                          "pegin_confirmations: 4\nrelease_confirmations: 5\n",
                                 "fed.yaml", dir_);
  ASSERT_TRUE(s) << s.err().message;
  EXPECT_EQ(s->params.federation.threshold, 2);
  EXPECT_EQ(s->params.federation.keys.size(), 3u);
  EXPECT_EQ(s->params.federation, fed::federation_program(s->members, 2).value());
  EXPECT_EQ(s->params.pegin_confirmations, 4u);
  EXPECT_EQ(s->params.release_confirmations, 5u);
  EXPECT_EQ(s->params.consensus.target_block_ms, 2000);
  EXPECT_EQ(s->params.genesis.height, 0u);
  EXPECT_EQ(s->params.genesis.timestamp_ms, 1764000000000u);
  EXPECT_EQ(s->params.mainchain, ledger::params_of(s->mainchain_genesis).chain);
  // Another member list order gives the same federation.
  auto t =
      fed::parse_federation("members:\n"
                            "  - e1bfd32b8667e7f10cc5a77c7966385641cb4845a2fbcdcd8a79330d16c1eb3c\n"
                            "  - 11571c1c034fda70f07c4a6c5a3b003efea5807bcace98d8d4f1ddfaadc6f2df\n"
                            "  - f3037f875e34510952c4635decc6a62191556dffa1e0497d8627688d1a3eb620\n"
                            "threshold: 2\nmainchain_config: \"mc.yaml\"\n",
                            "fed.yaml", dir_);
  ASSERT_TRUE(t) << t.err().message;
  EXPECT_EQ(t->params.federation, s->params.federation);
  EXPECT_EQ(t->params.genesis, s->params.genesis);
}

TEST_F(config_test, malformed_federation_files_name_file_line_and_key) {
  auto expect = [&](const std::string& text, const std::string& part) {
    auto s = fed::parse_federation(text, "fed.yaml", dir_);
    ASSERT_FALSE(s) << text;
    EXPECT_NE(s.err().message.find(part), std::string::npos) << s.err().message;
    EXPECT_NE(s.err().message.find("fed.yaml:"), std::string::npos) << s.err().message;
  };
  expect(keys() + "threshold: 4\nmainchain_config: \"mc.yaml\"\n", "key 'threshold'");
  expect(keys() + "threshold: 0\nmainchain_config: \"mc.yaml\"\n", "key 'threshold'");
  expect("members:\n  - 12zz\nthreshold: 1\nmainchain_config: \"mc.yaml\"\n", "members[0]");
  expect(keys() + "threshold: 2\nmainchain_config: \"missing.yaml\"\n", "mainchain_config");
  expect(keys() + "threshold: 2\nmainchain_config: \"mc.yaml\"\npegin_confirmations: 0\n",
         "pegin_confirmations");
  expect(keys() + "threshold: 2\nmainchain_config: \"mc.yaml\"\npegin_confirmation: 3\n",
         "pegin_confirmation");
  expect(keys() + "threshold: 2\n", "mainchain_config");
}

TEST_F(config_test, an_election_section_gives_the_election_parameters) {
  const std::string base = keys() + "threshold: 2\nmainchain_config: \"mc.yaml\"\n";
  auto none = fed::parse_federation(base, "fed.yaml", dir_);
  ASSERT_TRUE(none) << none.err().message;
  EXPECT_FALSE(none->election); // no election keys: the genesis federation forever
  EXPECT_EQ(none->params.grace_blocks, 0u);
  auto s = fed::parse_federation(base + "grace_blocks: 4\n"
                                        "election:\n  epoch_blocks: 40\n  collectors: 2\n"
                                        "  min_votes: 10\n  activation_margin_blocks: 3\n",
                                 "fed.yaml", dir_);
  ASSERT_TRUE(s) << s.err().message;
  ASSERT_TRUE(s->election);
  EXPECT_EQ(s->election->epoch_blocks, 40u);
  EXPECT_EQ(s->election->seats, 3u); // default: the genesis federation's size
  EXPECT_EQ(s->election->collectors, 2u);
  EXPECT_EQ(s->election->min_votes, 10u);
  EXPECT_EQ(s->election->activation_margin_blocks, 3u);
  EXPECT_EQ(s->election->grace_blocks, 4u);
  EXPECT_EQ(s->params.grace_blocks, 4u);
  auto g = fed::genesis_term_of(*s);
  EXPECT_EQ(g.program, s->params.federation);
  EXPECT_TRUE(g.collectors.empty());
  auto seats =
      fed::parse_federation(base + "election: {epoch_blocks: 10, seats: 5}\n", "fed.yaml", dir_);
  ASSERT_TRUE(seats) << seats.err().message;
  EXPECT_EQ(seats->election->seats, 5u);
  auto gc = fed::parse_federation(
      base + "election:\n  epoch_blocks: 10\n  genesis_collectors:\n"
             "    - f3037f875e34510952c4635decc6a62191556dffa1e0497d8627688d1a3eb620\n",
      "fed.yaml", dir_);
  ASSERT_TRUE(gc) << gc.err().message;
  ASSERT_EQ(fed::genesis_term_of(*gc).collectors.size(), 1u);
  EXPECT_EQ(fed::genesis_term_of(*gc).collectors[0], gc->members[1]);
}

TEST_F(config_test, malformed_election_keys_are_refused_with_file_line_and_key) {
  const std::string base = keys() + "threshold: 2\nmainchain_config: \"mc.yaml\"\n";
  auto expect = [&](const std::string& text, const std::string& part) {
    auto s = fed::parse_federation(text, "fed.yaml", dir_);
    ASSERT_FALSE(s) << text;
    EXPECT_NE(s.err().message.find(part), std::string::npos) << s.err().message;
    EXPECT_NE(s.err().message.find("fed.yaml:"), std::string::npos) << s.err().message;
  };
  expect(base + "election: {seats: 3}\n", "election.epoch_blocks");
  expect(base + "election: {epoch_blocks: 1}\n", "election.epoch_blocks");
  expect(base + "election: {epoch_blocks: ten}\n", "election.epoch_blocks");
  expect(base + "election: {epoch_blocks: 10, seats: 0}\n", "election.seats");
  expect(base + "election: {epoch_blocks: 10, seats: 17}\n", "election.seats");
  expect(base + "election: {epoch_blocks: 10, collectors: 0}\n", "election.collectors");
  expect(base + "election: {epoch_blocks: 10, min_votes: 0}\n", "election.min_votes");
  expect(base + "election: {epoch_blocks: 10, activation_margin_blocks: -1}\n",
         "election.activation_margin_blocks");
  expect(base + "election: {epoch_blocks: 10, epoch: 5}\n", "election.epoch");
  expect(base + "election: 7\n", "election");
  expect(base + "grace_blocks: -2\n", "grace_blocks");
  expect(base + "election: {epoch_blocks: 10, genesis_collectors: [abc]}\n",
         "election.genesis_collectors[0]");
  // Elected federations are 2-of-3: a genesis 3-of-3 would change by re-electing its members.
  expect(keys() + "threshold: 3\nmainchain_config: \"mc.yaml\"\nelection: {epoch_blocks: 10}\n",
         "threshold_for");
  // Elections count DPoS votes: a sidechain without a dpos section cannot run them.
  auto s = fed::parse_federation(base + "election: {epoch_blocks: 10}\n", "fed.yaml", dir_);
  ASSERT_TRUE(s) << s.err().message;
  node::node_config plain;
  plain.source = "n.yaml";
  auto r = fed::check_elections(*s, plain);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("dpos"), std::string::npos) << r.err().message;
  plain.dpos = node::dpos_config{};
  EXPECT_TRUE(fed::check_elections(*s, plain));
  EXPECT_TRUE(
      fed::check_elections(*fed::parse_federation(base, "fed.yaml", dir_), node::node_config{}));
}

TEST_F(config_test, federationd_configs_are_checked) {
  const std::string ok = "name: m0\nkey_file: \"m0.key\"\nroles: [member, collector]\n"
                         "sidechain_config: \"sc.yaml\"\nsidechain_api: \"127.0.0.1:3\"\n"
                         "mainchain_api: \"127.0.0.1:4\"\napi: {address: \"127.0.0.1\", port: 5}\n"
                         "peers: [\"127.0.0.1:6\"]\n";
  auto c = fed::parse_federationd_config(ok, "m0.yaml", dir_);
  ASSERT_TRUE(c) << c.err().message;
  EXPECT_TRUE(c->member);
  EXPECT_TRUE(c->collector);
  EXPECT_EQ(c->key_file, dir_ / "m0.key");
  EXPECT_EQ(c->peers.size(), 1u);
  auto bad = fed::parse_federationd_config(
      "name: m0\nkey_file: \"k\"\nroles: [signer]\nsidechain_config: \"s\"\n"
      "sidechain_api: \"a:1\"\nmainchain_api: \"b:2\"\n",
      "m0.yaml", dir_);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.err().message.find("m0.yaml:3"), std::string::npos) << bad.err().message;
  EXPECT_NE(bad.err().message.find("roles[0]"), std::string::npos) << bad.err().message;
  // A member needs the address where the others send it their shares.
  auto no_api = fed::parse_federationd_config(
      "name: m0\nkey_file: \"k\"\nroles: [member]\nsidechain_config: \"s\"\n"
      "sidechain_api: \"a:1\"\nmainchain_api: \"b:2\"\n",
      "m0.yaml", dir_);
  ASSERT_FALSE(no_api);
  EXPECT_NE(no_api.err().message.find("api"), std::string::npos) << no_api.err().message;
}

TEST_F(config_test, bystackd_takes_a_federation_file_in_butxo_mode_only) {
  const std::string head = "node:\n  key_file: \"k.key\"\n  listen: {address: \"127.0.0.1\", "
                           "port: 7}\n  data_dir: \"d\"\n  api: {address: \"127.0.0.1\", port: "
                           "8}\nconsensus:\n  nodes:\n    - {key: "
                           "11571c1c034fda70f07c4a6c5a3b003efea5807bcace98d8d4f1ddfaadc6f2df, "
                           "address: \"127.0.0.1\", port: 7}\n"
                           "  groups:\n    - {super: 0, members: [0]}\n";
  auto c = node::parse_node_config(head + "ledger: butxo\ngenesis_file: \"genesis.yaml\"\n"
                                          "federation_file: \"fed.yaml\"\n",
                                   "n.yaml", dir_);
  ASSERT_TRUE(c) << c.err().message;
  EXPECT_EQ(c->federation_file, dir_ / "fed.yaml");
  // Rendered and read back, the key survives (cluster generation).
  auto again = node::parse_node_config(node::render_node_config(*c), "n2.yaml", dir_);
  ASSERT_TRUE(again) << again.err().message;
  EXPECT_EQ(again->federation_file, c->federation_file);
  auto opaque = node::parse_node_config(head + "ledger: opaque\nfederation_file: \"fed.yaml\"\n",
                                        "n.yaml", dir_);
  ASSERT_FALSE(opaque);
  EXPECT_NE(opaque.err().message.find("federation_file"), std::string::npos)
      << opaque.err().message;
  auto plain = node::parse_node_config(head + "ledger: butxo\ngenesis_file: \"genesis.yaml\"\n",
                                       "n.yaml", dir_);
  ASSERT_TRUE(plain) << plain.err().message;
  EXPECT_TRUE(plain->federation_file.empty());
}

} // namespace
