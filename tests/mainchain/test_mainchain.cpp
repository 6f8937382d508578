// The mainchain node core: header rules refused with counted reasons, retargeting, fork choice
// by work, reorganisations with undo, orphans and header-first catch-up.
#include "fixture.hpp"

namespace {

using namespace bystack;
using namespace bystack::mainchain;
using namespace bystack::mainchain::testing;

constexpr std::int64_t now = 1'000'000;

std::uint64_t count(const mainchain_core& n, const std::string& reason) {
  auto it = n.stats().rejected.find(reason);
  return it == n.stats().rejected.end() ? 0 : it->second;
}

void feed(mainchain_core& n, const std::vector<block_ptr>& bs, std::int64_t t = now) {
  for (const auto& b : bs)
    n.on_block(1, b, t);
  n.take_effects();
}

TEST(mainchain_rules, accepts_a_valid_chain_and_pays_the_coinbase) {
  world w;
  mainchain_core n(w.config());
  auto bs = branch(w, n.genesis_header(), 3, 1000, {w.alice_pays(w.bob.prog)});
  feed(n, bs);
  EXPECT_EQ(n.height(), 3u);
  EXPECT_EQ(n.tip_hash(), bs.back()->hash());
  EXPECT_EQ(n.stats().rejected_total(), 0u);
  EXPECT_EQ(n.state().find(w.genesis_output(0)), nullptr); // Alice's output spent
  EXPECT_EQ(n.state().issued(w.btm.id()), 2000u + 150u);   // genesis and three coinbases
}

TEST(mainchain_rules, bad_pow_is_refused_and_counted) {
  world w;
  mainchain_core n(w.config());
  auto h = child_header(n.genesis_header(), 1000);
  std::vector<tx_ptr> txs{w.coinbase(1)};
  h.tx_root = tx_root(txs);
  h.nonce = modelled_nonce(h) + 1;
  n.on_block(1, std::make_shared<const block>(h, txs), now);
  EXPECT_EQ(count(n, "bad-pow"), 1u);
  EXPECT_EQ(n.height(), 0u);
  EXPECT_FALSE(n.knows(h.hash()));
}

TEST(mainchain_rules, bad_bits_are_refused_even_with_valid_work) {
  world w;
  mainchain_core n(w.config());
  auto h = child_header(n.genesis_header(), 1000, w.consensus.pow_limit_bits);
  n.on_block(1, seal(h, {w.coinbase(1)}), now);
  EXPECT_EQ(count(n, "bad-bits"), 1u);
  EXPECT_EQ(n.height(), 0u);
}

TEST(mainchain_rules, timestamp_at_or_below_the_median_of_eleven_is_refused) {
  world w;
  mainchain_core n(w.config());
  auto bs = branch(w, n.genesis_header(), 11, 1000); // timestamps 1000 .. 11000
  feed(n, bs);
  ASSERT_EQ(n.height(), 11u);
  // Median of the last eleven (1000 .. 11000) is 6000: 6000 is too old, 6001 is fine.
  auto old_h = child_header(bs.back()->hdr(), 6000);
  n.on_block(1, seal(old_h, {w.coinbase(12)}), now);
  EXPECT_EQ(count(n, "time-too-old"), 1u);
  auto ok_h = child_header(bs.back()->hdr(), 6001);
  n.on_block(1, seal(ok_h, {w.coinbase(12)}), now);
  EXPECT_EQ(n.height(), 12u);
}

TEST(mainchain_rules, timestamp_too_far_ahead_of_now_is_refused) {
  world w;
  mainchain_core n(w.config());
  auto ahead = child_header(n.genesis_header(), now + w.consensus.max_future_drift_ms + 1);
  auto b = seal(ahead, {w.coinbase(1)});
  n.on_block(1, b, now);
  EXPECT_EQ(count(n, "time-too-new"), 1u);
  EXPECT_EQ(n.height(), 0u);
  // Not marked invalid: the same block is fine once the clock has caught up.
  n.on_block(1, b, now + 1);
  EXPECT_EQ(n.height(), 1u);
}

TEST(mainchain_rules, invalid_transactions_are_refused_with_the_ledger_rule) {
  world w;
  mainchain_core n(w.config());
  // Coinbase above the reward.
  auto greedy = seal(child_header(n.genesis_header(), 1000), {w.coinbase(1, 51)});
  n.on_block(1, greedy, now);
  EXPECT_EQ(count(n, "coinbase-too-large"), 1u);
  EXPECT_EQ(n.height(), 0u);
  // Spending Alice's output twice in one chain.
  auto first = branch(w, n.genesis_header(), 1, 1000, {w.alice_pays(w.bob.prog)});
  feed(n, first);
  ASSERT_EQ(n.height(), 1u);
  auto twice = branch(w, first[0]->hdr(), 1, 1000, {w.alice_pays(w.miner.prog)});
  n.on_block(1, twice[0], now);
  EXPECT_EQ(count(n, "missing-input"), 1u);
  EXPECT_EQ(n.height(), 1u);
  // The bad block is remembered as invalid, and so is anything built on it.
  auto child = branch(w, twice[0]->hdr(), 1, 1000);
  n.on_block(1, child[0], now);
  EXPECT_EQ(count(n, "invalid-parent"), 1u);
  // A body whose root does not match its header.
  auto h = child_header(first[0]->hdr(), 3000);
  std::vector<tx_ptr> txs{w.coinbase(2)};
  h.tx_root = tx_root(txs);
  h.nonce = modelled_nonce(h);
  n.on_block(1, std::make_shared<const block>(h, std::vector<tx_ptr>{w.coinbase(2, 49)}), now);
  EXPECT_EQ(count(n, "bad-tx-root"), 1u);
}

TEST(mainchain_retarget, scales_by_the_window_and_clamps_at_four) {
  consensus_params p;
  p.target_block_ms = 1000;
  p.retarget_blocks = 5; // four intervals per window
  auto bits = pow::target_to_compact(pow::compact_to_target(p.pow_limit_bits).magnitude >> 20);
  auto target = pow::compact_to_target(bits).magnitude;
  auto as_target = [](std::uint64_t b) { return pow::compact_to_target(b).magnitude; };
  // On time: unchanged.
  EXPECT_EQ(as_target(retarget_bits(bits, 4000, p)), target);
  // Twice as fast: half the target (harder), up to the compact encoding's three bytes.
  EXPECT_EQ(retarget_bits(bits, 2000, p), pow::target_to_compact(target >> 1));
  // Much faster or slower: clamped at a factor of 4.
  EXPECT_EQ(retarget_bits(bits, 1, p), pow::target_to_compact(target >> 2));
  EXPECT_EQ(retarget_bits(bits, 1'000'000, p), pow::target_to_compact(target << 2));
  // Never easier than the limit.
  EXPECT_EQ(retarget_bits(p.pow_limit_bits, 1'000'000, p),
            pow::target_to_compact(pow::compact_to_target(p.pow_limit_bits).magnitude));
  // Fractions of a second work the same way.
  p.target_block_ms = 200;
  EXPECT_EQ(retarget_bits(bits, 400, p), pow::target_to_compact(target >> 1));
}

TEST(mainchain_retarget, node_requires_the_new_bits_at_each_window) {
  world w;
  w.consensus.retarget_blocks = 4;
  mainchain_core n(w.config());
  auto bs = branch(w, n.genesis_header(), 3, 500); // twice as fast as 1000 ms
  feed(n, bs);
  auto expected = retarget_bits(w.consensus.genesis_bits, 3 * 500, w.consensus);
  EXPECT_EQ(n.next_bits(n.tip_hash()), expected);
  EXPECT_NE(expected, w.consensus.genesis_bits);
  // The old bits at height 4 are refused, the new ones accepted.
  n.on_block(1, seal(child_header(bs.back()->hdr(), 2000), {w.coinbase(4)}), now);
  EXPECT_EQ(count(n, "bad-bits"), 1u);
  n.on_block(1, seal(child_header(bs.back()->hdr(), 2000, expected), {w.coinbase(4)}), now);
  EXPECT_EQ(n.height(), 4u);
  EXPECT_GT(pow::work_from_bits(expected), pow::work_from_bits(w.consensus.genesis_bits));
}

TEST(mainchain_fork_choice, most_work_wins_over_most_blocks) {
  world w;
  w.consensus.retarget_blocks = 2;
  mainchain_core n(w.config());
  // Slow branch: each retarget makes it 4x easier; fast branch: 4x harder.
  auto slow = branch(w, n.genesis_header(), 4, 0, {}, 1);
  std::vector<block_ptr> slow_bs;
  std::vector<block_ptr> fast_bs;
  {
    mainchain_core builder(w.config());
    header p = n.genesis_header();
    for (int i = 0; i < 4; ++i) {
      auto b = seal(child_header(p, p.timestamp_ms + 5000, builder.next_bits(p.hash())),
                    {w.coinbase(p.height + 1, 49)});
      builder.on_block(1, b, now);
      slow_bs.push_back(b);
      p = b->hdr();
    }
    ASSERT_EQ(builder.height(), 4u);
  }
  {
    mainchain_core builder(w.config());
    header p = n.genesis_header();
    for (int i = 0; i < 3; ++i) {
      auto b = seal(child_header(p, p.timestamp_ms + 100, builder.next_bits(p.hash())),
                    {w.coinbase(p.height + 1)});
      builder.on_block(1, b, now);
      fast_bs.push_back(b);
      p = b->hdr();
    }
    ASSERT_EQ(builder.height(), 3u);
  }
  feed(n, slow_bs);
  ASSERT_EQ(n.height(), 4u);
  feed(n, fast_bs);
  EXPECT_EQ(n.height(), 3u);
  EXPECT_EQ(n.tip_hash(), fast_bs.back()->hash());
  EXPECT_EQ(n.stats().reorgs, 1u);
  EXPECT_EQ(n.stats().max_reorg_depth, 4u);
}

TEST(mainchain_fork_choice, equal_work_keeps_the_first_seen) {
  world w;
  mainchain_core n(w.config());
  auto a = branch(w, n.genesis_header(), 2, 1000);
  auto b = branch(w, n.genesis_header(), 2, 1001, {}, 1);
  feed(n, a);
  feed(n, b);
  EXPECT_EQ(n.tip_hash(), a.back()->hash());
  EXPECT_EQ(n.stats().reorgs, 0u);
}

TEST(mainchain_reorg, undoes_spends_and_issuances_to_the_state_of_the_new_branch) {
  world w;
  mainchain_core n(w.config());
  auto pay = w.alice_pays(w.bob.prog);
  auto gold = w.issue_gold();
  auto a = branch(w, n.genesis_header(), 2, 1000, {pay, gold});
  feed(n, a);
  ASSERT_EQ(n.height(), 2u);
  ASSERT_EQ(n.state().find(w.genesis_output(0)), nullptr);
  ASSERT_EQ(n.state().issued(gold->inputs[0].definition.id()), 77u);

  auto b = branch(w, n.genesis_header(), 3, 999, {}, 1);
  feed(n, b);
  EXPECT_EQ(n.tip_hash(), b.back()->hash());
  EXPECT_EQ(n.stats().max_reorg_depth, 2u);
  mainchain_core direct_b(w.config());
  feed(direct_b, b);
  EXPECT_EQ(n.state().hash(), direct_b.state().hash());
  EXPECT_NE(n.state().find(w.genesis_output(0)), nullptr); // Alice's output unspent again
  EXPECT_EQ(n.state().issued(gold->inputs[0].definition.id()), 0u);
  // The undone transactions are back in the pool.
  EXPECT_TRUE(n.pool().contains(pay->id()));
  EXPECT_TRUE(n.pool().contains(gold->id()));

  // And back again: A grows longer.
  auto a_more = branch(w, a.back()->hdr(), 2, 1000);
  feed(n, a_more);
  mainchain_core direct_a(w.config());
  feed(direct_a, a);
  feed(direct_a, a_more);
  EXPECT_EQ(n.tip_hash(), a_more.back()->hash());
  EXPECT_EQ(n.state().hash(), direct_a.state().hash());
  EXPECT_EQ(n.stats().reorgs, 2u);
  EXPECT_FALSE(n.pool().contains(pay->id()));
}

TEST(mainchain_reorg, invalid_new_branch_rolls_back_to_the_old_one) {
  world w;
  mainchain_core n(w.config());
  auto a = branch(w, n.genesis_header(), 2, 1000, {w.alice_pays(w.bob.prog)});
  feed(n, a);
  auto before = n.state().hash();
  // B is longer but its second block pays a coinbase beyond the reward.
  auto b1 = branch(w, n.genesis_header(), 1, 999, {}, 1);
  auto b2 = seal(child_header(b1[0]->hdr(), 2500), {w.coinbase(2, 60)});
  auto b3 = seal(child_header(b2->hdr(), 3500), {w.coinbase(3)});
  feed(n, {b1[0], b2, b3});
  EXPECT_EQ(n.tip_hash(), a.back()->hash());
  EXPECT_EQ(n.state().hash(), before);
  EXPECT_EQ(n.stats().failed_reorgs, 1u);
  EXPECT_EQ(count(n, "coinbase-too-large"), 1u);
}

TEST(mainchain_orphans, orphan_is_linked_when_its_parent_arrives) {
  world w;
  mainchain_core n(w.config());
  auto bs = branch(w, n.genesis_header(), 3, 1000);
  n.on_block(1, bs[2], now);
  n.on_block(1, bs[1], now);
  EXPECT_EQ(n.orphan_count(), 2u);
  EXPECT_EQ(n.height(), 0u);
  auto fx = n.take_effects();
  EXPECT_TRUE(std::any_of(fx.begin(), fx.end(), [](const effect& e) {
    return std::holds_alternative<request_headers>(e);
  }));
  n.on_block(1, bs[0], now);
  EXPECT_EQ(n.orphan_count(), 0u);
  EXPECT_EQ(n.height(), 3u);
  EXPECT_EQ(n.stats().orphans_linked, 2u);
}

TEST(mainchain_orphans, pool_is_bounded_and_catch_up_fetches_a_reorg_deeper_than_it) {
  world w;
  auto cfg = w.config({2});
  cfg.orphans_max = 4;
  mainchain_core n(cfg);
  auto a = branch(w, n.genesis_header(), 8, 1000, {w.alice_pays(w.bob.prog)});
  feed(n, a);
  ASSERT_EQ(n.height(), 8u);

  // A peer holds a longer branch B from genesis (Alice pays the miner instead).
  mainchain_core peer(w.config({1}));
  auto b = branch(w, n.genesis_header(), 10, 990, {w.alice_pays(w.miner.prog)}, 1);
  feed(peer, b);
  ASSERT_EQ(peer.height(), 10u);

  // The newest six of B arrive first, newest first: the pool keeps four and asks for headers.
  for (std::size_t i = 0; i < 6; ++i)
    n.on_block(2, b[9 - i], now);
  EXPECT_EQ(n.orphan_count(), 4u);
  EXPECT_EQ(n.stats().orphans_evicted, 2u);

  pump p;
  p.nodes = {{1, &n}, {2, &peer}};
  p.run();
  EXPECT_EQ(n.tip_hash(), b.back()->hash());
  EXPECT_EQ(n.stats().max_reorg_depth, 8u);
  EXPECT_GT(n.stats().max_reorg_depth, cfg.orphans_max);
  EXPECT_EQ(n.state().hash(), peer.state().hash());
  EXPECT_EQ(n.orphan_count(), 0u);
}

TEST(mainchain_catch_up, headers_first_in_several_rounds) {
  world w;
  auto cfg = w.config({2});
  cfg.headers_per_message_max = 7;
  cfg.blocks_in_flight_max = 3;
  mainchain_core n(cfg);
  auto peer_cfg = w.config({1});
  peer_cfg.headers_per_message_max = 7; // a network-wide constant
  mainchain_core peer(std::move(peer_cfg));
  auto b = branch(w, n.genesis_header(), 30, 1000);
  feed(peer, b);
  // One announcement of the tip is enough to pull everything.
  n.on_headers(2, {b.back()->hdr()}, now);
  pump p;
  p.nodes = {{1, &n}, {2, &peer}};
  p.run();
  EXPECT_EQ(n.height(), 30u);
  EXPECT_GE(n.stats().headers_requests, 5u); // 30 headers, 7 per answer
  EXPECT_GE(n.stats().block_requests, 10u);  // 30 bodies, 3 at a time
}

TEST(mainchain_catch_up, unanswered_body_requests_go_to_another_peer) {
  world w;
  mainchain_core n(w.config({2, 3}));
  mainchain_core good(w.config({1}));
  auto b = branch(w, n.genesis_header(), 2, 1000);
  feed(good, b);
  n.on_headers(2, {b[0]->hdr(), b[1]->hdr()}, now); // peer 2 never answers
  auto fx = n.take_effects();
  ASSERT_TRUE(std::any_of(fx.begin(), fx.end(), [](const effect& e) {
    auto* r = std::get_if<request_blocks>(&e);
    return r && r->to == 2 && r->hashes.size() == 2;
  }));
  n.on_timer(now + 1000); // too early: nothing re-requested
  EXPECT_EQ(n.stats().request_timeouts, 0u);
  n.take_effects();
  n.on_timer(now + 30'000);
  pump p;
  p.nodes = {{1, &n}, {3, &good}};
  p.run();
  EXPECT_EQ(n.height(), 2u);
  EXPECT_EQ(n.stats().request_timeouts, 2u);
}

TEST(mainchain_template, pays_reward_plus_fees_and_holds_pool_transactions) {
  world w;
  w.spec.min_fee_per_kb = 0;
  mainchain_core n(w.config());
  // Alice pays 990 of her 1000: a fee of 10.
  ledger::tx t;
  t.chain = w.params().chain;
  t.inputs.push_back(ledger::spend_of(w.genesis_output(0)));
  t.outputs.push_back(ledger::pay(w.btm.id(), 990, w.bob.prog));
  ledger::sign_input(t, 0, w.alice.prog, *w.alice.s);
  auto tp = std::make_shared<const ledger::tx>(t);
  EXPECT_EQ(n.on_tx(self_peer, tp, now).status, ledger::admit_status::accepted);
  n.take_effects();
  n.on_template_request(7, w.miner.prog, now);
  auto fx = n.take_effects();
  ASSERT_EQ(fx.size(), 1u);
  auto& tpl = std::get<template_ready>(fx[0]);
  EXPECT_EQ(tpl.miner, 7u);
  ASSERT_EQ(tpl.txs.size(), 2u);
  EXPECT_EQ(tpl.txs[0]->inputs[0].amount, 60u);
  EXPECT_EQ(tpl.txs[1]->id(), tp->id());
  auto b = miner::seal_modelled(tpl, 1000);
  n.on_block_mined(b, now);
  EXPECT_EQ(n.height(), 1u);
  EXPECT_EQ(n.pool().size(), 0u);
  // The miner gets a template on the new tip without asking again.
  fx = n.take_effects();
  EXPECT_TRUE(std::any_of(fx.begin(), fx.end(), [](const effect& e) {
    auto* t = std::get_if<template_ready>(&e);
    return t && t->hdr.height == 2;
  }));
}

TEST(mainchain_publish, withheld_blocks_are_neither_announced_nor_served) {
  world w;
  mainchain_core n(w.config({2}));
  auto b = branch(w, n.genesis_header(), 2, 1000);
  n.on_block_mined(b[0], now, false);
  n.on_block_mined(b[1], now, false);
  EXPECT_EQ(n.height(), 2u);
  EXPECT_EQ(n.public_height(), 0u);
  auto fx = n.take_effects();
  EXPECT_FALSE(std::any_of(fx.begin(), fx.end(), [](const effect& e) {
    return std::holds_alternative<send_headers>(e);
  }));
  n.on_request_blocks(2, {b[0]->hash()});
  EXPECT_TRUE(n.take_effects().empty());
  n.publish(b[1]->hash());
  EXPECT_EQ(n.public_height(), 2u);
  fx = n.take_effects();
  ASSERT_EQ(fx.size(), 1u);
  EXPECT_EQ(std::get<send_headers>(fx[0]).headers.size(), 2u);
}

} // namespace
