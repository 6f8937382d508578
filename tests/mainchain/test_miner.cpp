// Miners: the simulated Poisson miner, a real Tensority nonce search at an easy target, and
// the attacker strategies' state machines.
#include "actors/miner/attacks.hpp"
#include "fixture.hpp"

namespace {

using namespace bystack;
using namespace bystack::mainchain;
using namespace bystack::mainchain::testing;
using namespace bystack::miner;

TEST(miner_core, draws_scale_with_hash_share_and_blocks_extend_the_template) {
  world w;
  mainchain_core n(w.config());
  miner_core m({5, w.miner.prog, 0.25, 600'000'000});
  EXPECT_EQ(m.delay_us(1.0), 2'400'000'000); // 600 s / 0.25
  m.start(0, 0.5);
  auto fx = m.take_effects();
  ASSERT_EQ(fx.size(), 2u);
  EXPECT_EQ(std::get<request_template>(fx[0]).miner, 5u);
  EXPECT_EQ(std::get<found_timer>(fx[1]).delay_us, 1'200'000'000);
  n.on_template_request(5, w.miner.prog, 0);
  for (auto& e : n.take_effects())
    if (auto* t = std::get_if<template_ready>(&e)) m.on_template(*t);
  m.on_found(1'200'000'000, 1.0);
  fx = m.take_effects();
  ASSERT_EQ(fx.size(), 2u);
  auto blk = std::get<submit_block>(fx[1]).blk;
  EXPECT_EQ(blk->hdr().timestamp_ms, 1'200'000u);
  n.on_block_mined(blk, 1'200'000);
  EXPECT_EQ(n.height(), 1u);
  EXPECT_EQ(m.blocks_found(), 1u);
}

TEST(miner_real, finds_a_tensority_nonce_at_an_easy_target_that_a_real_node_accepts) {
  world w;
  tensority_pow real;
  auto cfg = w.config();
  cfg.pow = &real;
  w.consensus.genesis_bits = w.consensus.pow_limit_bits; // about half of all hashes qualify
  cfg.consensus = w.consensus;
  mainchain_core n(cfg);
  auto h = n.child_header(1000);
  std::vector<tx_ptr> txs{w.coinbase(1)};
  h.tx_root = tx_root(txs);
  auto cache = pow::matrix_cache::build(h.seed);
  auto found = mine_header(h, cache, 64);
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(pow::meets_target(pow::tensority_hash(found->hash(), cache), found->bits));
  n.on_block_mined(std::make_shared<const block>(*found, txs), 1000);
  EXPECT_EQ(n.height(), 1u);
  // A nonce that misses the target is refused by the real check.
  header miss = *found;
  for (miss.nonce = 0; pow::meets_target(pow::tensority_hash(miss.hash(), cache), miss.bits);)
    ++miss.nonce;
  mainchain_core fresh(cfg);
  fresh.on_block(1, std::make_shared<const block>(miss, txs), 1000);
  EXPECT_EQ(fresh.stats().rejected.at("bad-pow"), 1u);
}

TEST(selfish_strategy, follows_eyal_and_sirer) {
  selfish_strategy s(10);
  // Lead 1, then the honest catch up: publish for a tie (state 0').
  EXPECT_FALSE(s.on_own_block(11));
  EXPECT_EQ(s.on_public_block(11, 11), std::optional<std::uint64_t>(11));
  EXPECT_TRUE(s.racing());
  // The pool wins the race: publish the next block at once.
  EXPECT_EQ(s.on_own_block(12), std::optional<std::uint64_t>(12));
  EXPECT_FALSE(s.racing());
  // Lead 2 and an honest block: publish everything.
  EXPECT_FALSE(s.on_own_block(13));
  EXPECT_FALSE(s.on_own_block(14));
  EXPECT_EQ(s.on_public_block(13, 14), std::optional<std::uint64_t>(14));
  EXPECT_EQ(s.public_height(), 14u);
  // Lead 3 or more: publish one block per honest block.
  EXPECT_FALSE(s.on_own_block(15));
  EXPECT_FALSE(s.on_own_block(16));
  EXPECT_FALSE(s.on_own_block(17));
  EXPECT_EQ(s.on_public_block(15, 17), std::optional<std::uint64_t>(15));
  EXPECT_EQ(s.on_public_block(16, 17), std::optional<std::uint64_t>(17)); // lead 2: all
  // No lead: adopt the public chain.
  EXPECT_FALSE(s.on_public_block(18, 18));
  EXPECT_EQ(s.private_height(), 18u);
  // A lost race: adopt.
  EXPECT_FALSE(s.on_own_block(19));
  EXPECT_EQ(s.on_public_block(19, 19), std::optional<std::uint64_t>(19));
  EXPECT_FALSE(s.on_public_block(20, 20));
  EXPECT_FALSE(s.racing());
  EXPECT_EQ(s.private_height(), 20u);
}

TEST(double_spend_strategy, waits_for_confirmations_and_a_longer_branch) {
  double_spend_strategy d(100, 3, 5);
  using v = double_spend_strategy::verdict;
  EXPECT_EQ(d.decide(101, 102), v::mine_on); // ahead but only one confirmation
  EXPECT_EQ(d.decide(103, 103), v::mine_on); // three confirmations but only a tie
  EXPECT_EQ(d.decide(103, 104), v::publish);
  EXPECT_EQ(d.decide(105, 100), v::give_up);
  EXPECT_EQ(d.decide(104, 100), v::mine_on);
}

} // namespace
