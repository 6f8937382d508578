// The BUTXO ledger as a consensus application: admission, block preparation on uncommitted
// parents, processing, commits, state hashes and where fees go.
#include "fixture.hpp"

#include "runtime/ledger/butxo_app.hpp"

namespace {

using namespace bystack;
using namespace bystack::ledger;
using namespace bystack::ledger::testing;

struct app_world : world {
  /// Returns a signed spend of genesis output `from` paying `to`, leaving `fee`.
  tx pay_from(std::size_t from, const control_program& to, std::uint64_t fee = 0) {
    tx t = make_tx();
    t.inputs.push_back(spend_of(genesis(from)));
    t.outputs.push_back(pay(native.id(), 1000 - fee, to));
    sign(t);
    return t;
  }
  butxo_options options(std::optional<control_program> coinbase_to = {}) const {
    butxo_options o;
    o.params = params;
    o.coinbase_to = std::move(coinbase_to);
    return o;
  }
};

/// Builds the block at height h over parent (views follow heights).
block block_at(std::uint64_t h, const hash256& parent, std::vector<transaction> txs) {
  return make_block(h, h, parent, h - 1, 1000 * h, 0, std::move(txs));
}

/// Expects unspent == issued - retired for every asset the app knows.
void expect_supply_conserved(const butxo_app& app) {
  auto unspent = app.state().supply_by_asset();
  for (const auto& [id, def] : app.state().assets()) {
    auto issued = app.state().issued(id), retired = app.state().retired(id);
    ASSERT_GE(issued, retired) << def.name;
    EXPECT_EQ(unspent[id], issued - retired) << def.name;
  }
}

TEST(butxo_app, check_tx_admits_wrapped_transactions) {
  app_world w;
  butxo_app app(w.options(), w.state, crypto::ed25519_scheme());
  auto t = w.pay_from(world::alice_btm, w.bob.prog);
  auto v = app.check_tx(wrap(t), 1);
  EXPECT_TRUE(v.ok()) << v.detail;
  EXPECT_EQ(v.signatures_checked, 1u);
  EXPECT_EQ(app.pool_size(), 1u);
  auto u = unwrap(wrap(t));
  ASSERT_TRUE(u);
  EXPECT_EQ(u.value(), t);

  transaction garbage;
  garbage.payload = {1, 2, 3};
  v = app.check_tx(garbage, 1);
  EXPECT_STREQ(v.reason, "malformed");
  auto bad = w.pay_from(world::bob_btm, w.bob.prog);
  bad.outputs[0].amount = 2000;
  v = app.check_tx(wrap(bad), 1);
  EXPECT_STREQ(v.reason, "unbalanced");
  v = app.check_tx(wrap(w.pay_from(world::alice_btm, w.carol.prog)), 1);
  EXPECT_STREQ(v.reason, "conflict");
  v = app.check_tx(wrap(t), 1);
  EXPECT_STREQ(v.reason, "duplicate");
  EXPECT_EQ(app.stats().admitted, 1u);
}

TEST(butxo_app, prepares_on_an_uncommitted_parent_without_its_transactions) {
  app_world w;
  butxo_app app(w.options(), w.state, crypto::ed25519_scheme());
  auto a = w.pay_from(world::alice_btm, w.bob.prog);
  auto b = w.pay_from(world::bob_btm, w.carol.prog);
  ASSERT_TRUE(app.check_tx(wrap(a), 1).ok());
  ASSERT_TRUE(app.check_tx(wrap(b), 1).ok());
  app_verdict work;
  auto txs1 = app.prepare_block(app.tip(), 1, 10, work);
  ASSERT_EQ(txs1.size(), 2u);
  EXPECT_EQ(txs1[0], wrap(a));
  auto b1 = block_at(1, app.tip(), txs1);
  ASSERT_TRUE(app.process_block(b1).ok());
  EXPECT_TRUE(app.knows(b1.hash()));

  auto c = w.pay_from(world::carol_btm, w.alice.prog);
  ASSERT_TRUE(app.check_tx(wrap(c), 2).ok());
  auto txs2 = app.prepare_block(b1.hash(), 2, 10, work);
  ASSERT_EQ(txs2.size(), 1u); // a and b are in the parent already
  EXPECT_EQ(txs2[0], wrap(c));
  auto b2 = block_at(2, b1.hash(), txs2);
  ASSERT_TRUE(app.process_block(b2).ok());
  // A child of b1 that repeats a is refused.
  auto dup = block_at(2, b1.hash(), {wrap(a)});
  EXPECT_STREQ(app.process_block(dup).reason, "missing-input");

  EXPECT_TRUE(app.commit(b1).ok());
  EXPECT_EQ(app.pool_size(), 1u);
  EXPECT_TRUE(app.commit(b2).ok());
  EXPECT_EQ(app.pool_size(), 0u);
  EXPECT_EQ(app.tip(), b2.hash());
  EXPECT_EQ(app.state().height(), 2u);
  EXPECT_EQ(app.stats().committed_txs, 3u);
  EXPECT_EQ(app.state().find(w.genesis(world::alice_btm)), nullptr);
  EXPECT_NE(app.state().find(out_id(c, 0)), nullptr);
}

TEST(butxo_app, process_block_refuses_bad_blocks_with_the_rule) {
  app_world w;
  butxo_app app(w.options(), w.state, crypto::ed25519_scheme());
  auto good = w.pay_from(world::alice_btm, w.bob.prog);
  auto bad = w.pay_from(world::bob_btm, w.carol.prog);
  bad.inputs[0].witness.clear();
  auto v = app.process_block(block_at(1, app.tip(), {wrap(good), wrap(bad)}));
  EXPECT_STREQ(v.reason, "threshold-not-met");
  EXPECT_NE(v.detail.find("transaction 1"), std::string::npos) << v.detail;
  auto forged = w.pay_from(world::bob_btm, w.carol.prog);
  forged.inputs[0].witness[0].signature[3] ^= 1;
  EXPECT_STREQ(app.process_block(block_at(1, app.tip(), {wrap(good), wrap(forged)})).reason,
               "bad-signature");
  transaction garbage;
  garbage.payload = {0};
  EXPECT_STREQ(app.process_block(block_at(1, app.tip(), {garbage})).reason, "malformed");
  auto unknown = crypto::sha3_256(as_bytes(std::string_view{"no such block"}));
  EXPECT_STREQ(app.process_block(block_at(1, unknown, {wrap(good)})).reason, "unknown-parent");
  EXPECT_EQ(app.stats().blocks_refused, 3u);
  EXPECT_EQ(app.stats().blocks_accepted, 0u);
  EXPECT_TRUE(app.process_block(block_at(1, app.tip(), {wrap(good)})).ok());
}

TEST(butxo_app, commit_without_process_validates_and_state_hashes_agree) {
  app_world w;
  butxo_app proposer(w.options(), w.state, crypto::ed25519_scheme());
  butxo_app follower(w.options(), w.state, crypto::ed25519_scheme());
  EXPECT_EQ(proposer.state_hash(), follower.state_hash());
  auto a = w.pay_from(world::alice_btm, w.bob.prog, 5);
  ASSERT_TRUE(proposer.check_tx(wrap(a), 1).ok());
  app_verdict work;
  auto b1 = block_at(1, proposer.tip(), proposer.prepare_block(proposer.tip(), 1, 10, work));
  ASSERT_TRUE(proposer.process_block(b1).ok());
  ASSERT_TRUE(proposer.commit(b1).ok());

  // The follower never saw b1 proposed: a bad block at its place fails the commit.
  auto bad = w.pay_from(world::bob_btm, w.carol.prog);
  bad.outputs[0].amount = 1001;
  auto v = follower.commit(block_at(1, follower.tip(), {wrap(bad)}));
  EXPECT_STREQ(v.reason, "unbalanced");
  EXPECT_EQ(follower.stats().commit_failures, 1u);
  EXPECT_EQ(follower.state_hash(), w.state.hash());
  EXPECT_TRUE(follower.commit(b1).ok());
  EXPECT_EQ(follower.state_hash(), proposer.state_hash());
  EXPECT_EQ(follower.tip(), proposer.tip());
  EXPECT_NE(follower.state_hash(), w.state.hash());
  expect_supply_conserved(follower);
}

TEST(butxo_app, a_committed_transaction_submitted_again_is_a_duplicate_not_an_orphan) {
  app_world w;
  butxo_app app(w.options(), w.state, crypto::ed25519_scheme());
  auto a = w.pay_from(world::alice_btm, w.bob.prog, 5);
  ASSERT_TRUE(app.check_tx(wrap(a), 1).ok());
  app_verdict work;
  auto b1 = block_at(1, app.tip(), app.prepare_block(app.tip(), 1, 10, work));
  ASSERT_TRUE(app.process_block(b1).ok());
  ASSERT_TRUE(app.commit(b1).ok());
  auto r = app.admit(a, 2);
  EXPECT_EQ(r.status, admit_status::duplicate);
  EXPECT_NE(r.err.detail.find("already committed at height 1"), std::string::npos);
  auto v = app.check_tx(wrap(a), 2);
  EXPECT_STREQ(v.reason, "duplicate");
  EXPECT_EQ(app.pool().orphans(), 0u);
}

TEST(butxo_app, fees_leave_the_supply_without_a_coinbase) {
  app_world w;
  butxo_app app(w.options(), w.state, crypto::ed25519_scheme());
  ASSERT_TRUE(app.check_tx(wrap(w.pay_from(world::alice_btm, w.bob.prog, 7)), 1).ok());
  ASSERT_TRUE(app.check_tx(wrap(w.pay_from(world::bob_btm, w.carol.prog, 3)), 1).ok());
  app_verdict work;
  auto txs = app.prepare_block(app.tip(), 1, 10, work);
  ASSERT_EQ(txs.size(), 2u); // no coinbase
  ASSERT_TRUE(app.commit(block_at(1, app.tip(), txs)).ok());
  EXPECT_EQ(app.state().retired(w.native.id()), 10u);
  EXPECT_EQ(app.state().supply_by_asset()[w.native.id()], 4000u - 10);
  expect_supply_conserved(app);
}

TEST(butxo_app, coinbase_collects_fees_and_reward) {
  app_world w;
  w.params.block_reward = 50;
  butxo_app app(w.options(w.carol.prog), w.state, crypto::ed25519_scheme());
  ASSERT_TRUE(app.check_tx(wrap(w.pay_from(world::alice_btm, w.bob.prog, 7)), 1).ok());
  ASSERT_TRUE(app.check_tx(wrap(w.pay_from(world::bob_btm, w.alice.prog, 3)), 1).ok());
  app_verdict work;
  auto txs = app.prepare_block(app.tip(), 1, 10, work);
  ASSERT_EQ(txs.size(), 3u);
  auto cb = unwrap(txs[0]);
  ASSERT_TRUE(cb);
  ASSERT_EQ(cb.value().inputs.size(), 1u);
  EXPECT_EQ(cb.value().inputs[0].kind, input_kind::coinbase);
  EXPECT_EQ(cb.value().inputs[0].amount, 60u);
  EXPECT_EQ(cb.value().outputs[0].owner, w.carol.prog);
  auto b = block_at(1, app.tip(), txs);
  ASSERT_TRUE(app.process_block(b).ok());
  ASSERT_TRUE(app.commit(b).ok());
  const auto* paid = app.state().find(out_id(cb.value(), 0));
  ASSERT_NE(paid, nullptr);
  EXPECT_EQ(paid->out.amount, 60u);
  // 50 new units of reward; the 10 of fees changed hands.
  EXPECT_EQ(app.state().supply_by_asset()[w.native.id()], 4000u + 50);
  expect_supply_conserved(app);

  // A block whose coinbase claims more is refused.
  auto greedy = cb.value();
  greedy.inputs[0].amount = 61;
  greedy.inputs[0].nonce = 2;
  greedy.outputs[0].amount = 61;
  EXPECT_STREQ(app.process_block(block_at(2, app.tip(), {wrap(greedy)})).reason,
               "coinbase-too-large");
}

} // namespace
