// DPoS rewards (runtime/ledger/rewards.*): the split rule (shares, rounding, dust) and the
// consensus check in butxo_app: a block whose coinbase deviates from the split is refused.
#include "../butxo/fixture.hpp"

#include "runtime/ledger/butxo_app.hpp"
#include "runtime/ledger/dpos.hpp"
#include "runtime/ledger/rewards.hpp"

namespace {

using namespace bystack;
using namespace bystack::ledger;
using namespace bystack::ledger::testing;
using namespace bystack::ledger::dpos;
using namespace bystack::ledger::rewards;

voter_map voters_of(std::initializer_list<std::pair<const party*, std::uint64_t>> vs) {
  voter_map m;
  for (const auto& [p, a] : vs)
    m[p->prog.address()] = voter_stake{p->prog, a};
  return m;
}

std::uint64_t paid_to(const std::vector<payout>& ps, const control_program& who) {
  std::uint64_t sum = 0;
  for (const auto& p : ps)
    if (p.owner == who) sum += p.amount;
  return sum;
}

TEST(dpos_rewards, split_is_pro_rata_with_remainders_to_the_producer) {
  party prod = make_party(20), a = make_party(1), b = make_party(2), c = make_party(3);
  auto ps = split(1001, prod.prog, voters_of({{&a, 1}, {&b, 1}, {&c, 1}}), {10, 1});
  // Pool floor(1001 * 90 / 100) = 900, 300 each; the producer keeps 1001 - 900 = 101.
  ASSERT_EQ(ps.size(), 4u);
  EXPECT_EQ(ps[0], (payout{prod.prog, 101}));
  EXPECT_EQ(paid_to(ps, a.prog), 300u);
  std::uint64_t sum = 0;
  for (const auto& p : ps)
    sum += p.amount;
  EXPECT_EQ(sum, 1001u);
  // Voter outputs in ascending address order.
  EXPECT_TRUE(ps[1].owner.address() < ps[2].owner.address());
  EXPECT_TRUE(ps[2].owner.address() < ps[3].owner.address());
  // Uneven stakes: 2/3 of 7 -> 4, 1/3 -> 2; the remainder 1 goes to the producer.
  ps = split(7, prod.prog, voters_of({{&a, 2}, {&b, 1}}), {0, 1});
  EXPECT_EQ(paid_to(ps, prod.prog), 1u);
  EXPECT_EQ(paid_to(ps, a.prog), 4u);
  EXPECT_EQ(paid_to(ps, b.prog), 2u);
}

TEST(dpos_rewards, dust_is_skipped_and_no_voters_pay_the_producer) {
  party prod = make_party(20), a = make_party(1), b = make_party(2);
  // b's share 1000 * 1/100 * 50% = 5 is below the 10 floor: skipped, the producer keeps it.
  auto ps = split(1000, prod.prog, voters_of({{&a, 99}, {&b, 1}}), {50, 10});
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(paid_to(ps, a.prog), 495u);
  EXPECT_EQ(paid_to(ps, b.prog), 0u);
  EXPECT_EQ(paid_to(ps, prod.prog), 505u);
  ps = split(1000, prod.prog, {}, {50, 1});
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].amount, 1000u);
  EXPECT_TRUE(split(0, prod.prog, voters_of({{&a, 1}}), {50, 1}).empty());
  EXPECT_FALSE(check({101, 1}).empty());
  EXPECT_FALSE(check({50, 0}).empty());
  EXPECT_TRUE(check({50, 1}).empty());
}

/// A chain where `node` is registered and alice (400) and bob (600) vote for it; two
/// applications (a producer and a validator) start from that state with rewards on.
struct reward_world : world {
  dpos_rules rules{native.id(), dpos_params{10, 5, 100}};
  party node = make_party(20);
  party other = make_party(21); ///< a proposer without a registration
  hash256 candidate, alice_change;
  crypto::hash256 start = crypto::sha3_256(as_bytes(std::string("rewards-test-genesis")));

  block_check commit_block(const std::vector<tx>& txs) {
    auto r = check_block(txs, state.height() + 1, state, params, checker, {}, &rules);
    EXPECT_TRUE(r.err.ok()) << r.err.message();
    state.apply(r.delta);
    state.set_height(r.delta.height);
    return r;
  }
  reward_world() {
    tx reg = make_tx();
    reg.inputs.push_back(spend_of(genesis(carol_btm)));
    reg.outputs.push_back(
        make_registration(native.id(), 100, registration{node.pub(), "10.0.0.1:7000", "eu"}));
    reg.outputs.push_back(pay(native.id(), 900, carol.prog));
    sign(reg);
    commit_block({reg});
    candidate = out_id(reg, 0);
    tx va = make_tx();
    va.inputs.push_back(spend_of(genesis(alice_btm)));
    va.outputs.push_back(make_vote(native.id(), 400, candidate, alice.prog));
    va.outputs.push_back(pay(native.id(), 600, alice.prog));
    sign(va);
    tx vb = make_tx();
    vb.inputs.push_back(spend_of(genesis(bob_btm)));
    vb.outputs.push_back(make_vote(native.id(), 600, candidate, bob.prog));
    sign(vb);
    commit_block({va, vb});
    alice_change = out_id(va, 1);
    params.block_reward = 1000;
  }
  std::unique_ptr<butxo_app> app(std::uint32_t self, reward_params rp = {20, 1}) {
    butxo_options o;
    o.params = params;
    o.ext = &rules;
    o.genesis_block = start;
    butxo_options::reward_split rs;
    rs.params = rp;
    rs.self = self;
    rs.producer_key = [this](std::uint32_t p) -> std::optional<crypto::public_key> {
      if (p == 0) return node.pub();
      if (p == 1) return other.pub();
      return std::nullopt;
    };
    o.rewards = rs;
    return std::make_unique<butxo_app>(std::move(o), state, crypto::ed25519_scheme());
  }
  block make_block(butxo_app& a, std::uint32_t proposer, const crypto::hash256& parent,
                   std::uint64_t height) {
    block b;
    b.header.height = height;
    b.header.parent = parent;
    b.header.proposer = proposer;
    app_verdict work;
    b.txs = a.prepare_block(parent, height, 100, work);
    b.header.tx_count = static_cast<std::uint32_t>(b.txs.size());
    b.header.tx_root = merkle_root(b.txs);
    return b;
  }
  static tx coinbase_of(const block& b) { return unwrap(b.txs.at(0)).value(); }
  static block with_coinbase(block b, const tx& cb) {
    b.txs.at(0) = wrap(cb);
    b.header.tx_root = merkle_root(b.txs); // a distinct block
    return b;
  }
};

TEST(dpos_rewards, validators_accept_the_split_and_refuse_a_forged_one) {
  reward_world w;
  auto producer = w.app(0), validator = w.app(5);
  auto h = w.state.height() + 1;
  auto b = w.make_block(*producer, 0, w.start, h);
  ASSERT_EQ(b.txs.size(), 1u);
  auto cb = reward_world::coinbase_of(b);
  // 1000 with a 20% producer share: the voters' 800 splits 320 / 480.
  ASSERT_EQ(cb.outputs.size(), 3u);
  EXPECT_EQ(cb.inputs[0].amount, 1000u);
  EXPECT_EQ(cb.outputs[0].owner, control_program::single(w.node.pub()));
  EXPECT_EQ(cb.outputs[0].amount, 200u);
  std::uint64_t to_alice = 0, to_bob = 0;
  for (const auto& o : cb.outputs) {
    if (o.owner == w.alice.prog) to_alice += o.amount;
    if (o.owner == w.bob.prog) to_bob += o.amount;
  }
  EXPECT_EQ(to_alice, 320u);
  EXPECT_EQ(to_bob, 480u);
  auto ok = validator->process_block(b);
  EXPECT_TRUE(ok.ok()) << ok.detail;

  auto expect_refused = [&](const tx& forged, const char* what) {
    auto v = validator->process_block(reward_world::with_coinbase(b, forged));
    EXPECT_FALSE(v.ok()) << what;
    if (v.reason) {
      EXPECT_STREQ(v.reason, "bad-reward") << what << ": " << v.detail;
    }
  };
  // Wrong amounts (one unit moved from a voter to the producer): balanced, yet refused.
  auto wrong = cb;
  wrong.outputs[0].amount += 1;
  wrong.outputs[1].amount -= 1;
  expect_refused(wrong, "wrong amounts");
  // A missing voter: its share paid to the producer instead.
  auto missing = cb;
  missing.outputs[0].amount += missing.outputs.back().amount;
  missing.outputs.pop_back();
  expect_refused(missing, "missing voter");
  // An extra output paying carol one unit taken from the producer.
  auto extra = cb;
  extra.outputs[0].amount -= 1;
  output o;
  o.asset = w.native.id();
  o.amount = 1;
  o.owner = w.carol.prog;
  extra.outputs.push_back(o);
  expect_refused(extra, "extra output");
  // Everything to the producer (the plain coinbase_to rule).
  auto all = cb;
  all.outputs.resize(1);
  all.outputs[0].amount = 1000;
  expect_refused(all, "all to the producer");
  // Less than reward plus fees claimed.
  auto less = cb;
  less.inputs[0].amount -= 1;
  less.outputs[0].amount -= 1;
  expect_refused(less, "under-claimed");
  // The same split under another proposer's name: that proposer has no voters.
  auto b_other = b;
  b_other.header.proposer = 1;
  EXPECT_FALSE(validator->process_block(b_other).ok());
  // An unknown proposer.
  auto b_unknown = b;
  b_unknown.header.proposer = 9;
  EXPECT_FALSE(validator->process_block(b_unknown).ok());
}

TEST(dpos_rewards, a_vote_in_an_uncommitted_parent_counts_for_the_child) {
  reward_world w;
  auto producer = w.app(0), validator = w.app(5);
  auto h = w.state.height() + 1;
  // Alice votes her 600 change as well, in block h (not committed when h + 1 is built).
  tx v2 = w.make_tx();
  v2.inputs.push_back(spend_of(w.alice_change));
  v2.outputs.push_back(make_vote(w.native.id(), 600, w.candidate, w.alice.prog));
  w.sign(v2);
  auto adm = producer->admit(v2, h);
  ASSERT_EQ(adm.status, admit_status::accepted) << adm.err.message();
  auto b1 = w.make_block(*producer, 0, w.start, h);
  ASSERT_EQ(b1.txs.size(), 2u);
  ASSERT_TRUE(producer->process_block(b1).ok());
  ASSERT_TRUE(validator->process_block(b1).ok());
  auto b2 = w.make_block(*producer, 0, b1.hash(), h + 1);
  auto cb = reward_world::coinbase_of(b2);
  // Alice 1000, bob 600 of 1,600: 500 and 300 of the 800 pool.
  std::uint64_t to_alice = 0;
  for (const auto& o : cb.outputs)
    if (o.owner == w.alice.prog) to_alice += o.amount;
  EXPECT_EQ(to_alice, 500u);
  EXPECT_TRUE(validator->process_block(b2).ok());
  // The validator commits both; its voter book then agrees with the committed chain.
  EXPECT_TRUE(validator->commit(b1).ok());
  EXPECT_TRUE(validator->commit(b2).ok());
  auto b3 = w.make_block(*validator, 5, b2.hash(), h + 2);
  EXPECT_TRUE(b3.txs.empty()) << "proposer 5 has no key: no coinbase can be built";
  auto fresh = w.app(0);
  fresh->reset_state(validator->state(), b2.hash());
  auto b4 = w.make_block(*fresh, 0, b2.hash(), h + 2);
  EXPECT_TRUE(validator->process_block(b4).ok());
}

} // namespace
