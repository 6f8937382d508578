// The four asset kinds, issuance and the coinbase: what each accepts and the rule that refuses
// each violation.
#include "fixture.hpp"

namespace {

using namespace bystack;
using namespace bystack::ledger;
using namespace bystack::ledger::testing;

/// Returns an issue of `tokens` Quark tokens of def, one output each, to owner (unsigned).
tx issue_tokens(const world& w, const asset_definition& def, std::uint64_t tokens,
                const control_program& owner, std::uint64_t nonce = 0) {
  tx t = w.make_tx();
  t.inputs.push_back(issue_of(def, tokens * def.unit(), nonce));
  auto iid = input_id(t.inputs[0]);
  for (std::uint64_t j = 0; j < tokens; ++j)
    t.outputs.push_back(pay(def.id(), def.unit(), owner, token_id(iid, j)));
  return t;
}

/// Returns an issue of one Atomic lot of `amount` base units to owner (unsigned).
tx issue_lot(const world& w, const asset_definition& def, std::uint64_t amount,
             const control_program& owner, std::uint64_t nonce = 0) {
  tx t = w.make_tx();
  t.inputs.push_back(issue_of(def, amount, nonce));
  t.outputs.push_back(pay(def.id(), amount, owner, token_id(input_id(t.inputs[0]), 0)));
  return t;
}

/// Returns an issue of `amount` of a fungible asset to owner (unsigned).
tx issue_fungible(const world& w, const asset_definition& def, std::uint64_t amount,
                  const control_program& owner, std::uint64_t nonce = 0) {
  tx t = w.make_tx();
  t.inputs.push_back(issue_of(def, amount, nonce));
  t.outputs.push_back(pay(def.id(), amount, owner));
  return t;
}

input coinbase_of(std::uint64_t amount, std::uint64_t height) {
  input in;
  in.kind = input_kind::coinbase;
  in.amount = amount;
  in.nonce = height;
  return in;
}

// --- Byte ------------------------------------------------------------------------------------

TEST(butxo_assets, byte_splits_and_merges) {
  world w;
  tx split = w.make_tx();
  split.inputs.push_back(spend_of(w.genesis(world::alice_gold)));
  split.outputs = {pay(w.gold.id(), 200, w.alice.prog), pay(w.gold.id(), 299, w.alice.prog),
                   pay(w.gold.id(), 1, w.carol.prog)};
  w.sign(split);
  EXPECT_RULE(w.commit({split}).err, rule::ok);
  tx merge = w.make_tx();
  merge.inputs = {spend_of(out_id(split, 0)), spend_of(out_id(split, 1)),
                  spend_of(w.genesis(world::bob_gold))};
  merge.outputs = {pay(w.gold.id(), 999, w.carol.prog)};
  w.sign(merge);
  EXPECT_RULE(w.commit({merge}).err, rule::ok);
  EXPECT_EQ(w.state.supply_by_asset()[w.gold.id()], 1000u);
}

TEST(butxo_assets, fungible_kinds_refuse_a_lot) {
  world w;
  tx t = w.make_tx();
  t.inputs.push_back(spend_of(w.genesis(world::alice_gold)));
  t.outputs = {pay(w.gold.id(), 500, w.bob.prog, crypto::sha3_256(w.gold.id().view()))};
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::fungible_lot);
  tx q = w.make_tx();
  q.inputs.push_back(spend_of(w.genesis(world::alice_ticket)));
  q.outputs = {pay(w.ticket.id(), 1000, w.bob.prog, crypto::sha3_256(w.ticket.id().view()))};
  w.sign(q);
  EXPECT_RULE(w.check(q), rule::fungible_lot);
}

// --- Quantum ---------------------------------------------------------------------------------

TEST(butxo_assets, quantum_moves_whole_units_only) {
  world w; // Alice holds 10 tickets of 100 base units each
  tx whole = w.make_tx();
  whole.inputs.push_back(spend_of(w.genesis(world::alice_ticket)));
  whole.outputs = {pay(w.ticket.id(), 300, w.bob.prog), pay(w.ticket.id(), 700, w.alice.prog)};
  w.sign(whole);
  EXPECT_RULE(w.check(whole), rule::ok);
  tx part = w.make_tx();
  part.inputs.push_back(spend_of(w.genesis(world::alice_ticket)));
  part.outputs = {pay(w.ticket.id(), 350, w.bob.prog), pay(w.ticket.id(), 650, w.alice.prog)};
  w.sign(part);
  EXPECT_RULE(w.check(part), rule::indivisible_amount);
  // Issuing a fraction is refused too.
  auto coupon = define("coupon", asset_kind::quantum, 1, w.issuer.prog);
  auto frac = issue_fungible(w, coupon, 15, w.bob.prog);
  w.sign(frac);
  EXPECT_RULE(w.check(frac), rule::indivisible_amount);
  auto ok = issue_fungible(w, coupon, 20, w.bob.prog);
  w.sign(ok);
  EXPECT_RULE(w.check(ok), rule::ok);
  // Merging whole units is fine (fungible).
  ASSERT_TRUE(w.commit({whole}).err.ok());
  tx merge = w.make_tx();
  merge.inputs = {spend_of(out_id(whole, 0)), spend_of(out_id(whole, 1))};
  merge.outputs = {pay(w.ticket.id(), 1000, w.carol.prog)};
  w.sign(merge);
  EXPECT_RULE(w.check(merge, 2), rule::ok);
}

// --- Atomic ----------------------------------------------------------------------------------

struct atomic_world : world {
  asset_definition bond = define("bond", asset_kind::atomic, 0, issuer.prog);
  tx lot1, lot2;
  atomic_world() {
    lot1 = issue_lot(*this, bond, 1000, alice.prog, 0);
    lot2 = issue_lot(*this, bond, 500, alice.prog, 1);
    sign(lot1);
    sign(lot2);
    EXPECT_RULE(commit({lot1, lot2}).err, rule::ok);
  }
  hash256 lot_of(const tx& t) const { return t.outputs[0].lot; }
};

TEST(butxo_assets, atomic_splits_within_its_lot_and_keeps_it) {
  atomic_world w;
  tx split = w.make_tx();
  split.inputs.push_back(spend_of(out_id(w.lot1, 0)));
  auto l1 = w.lot_of(w.lot1);
  split.outputs = {pay(w.bond.id(), 600, w.bob.prog, l1), pay(w.bond.id(), 400, w.alice.prog, l1)};
  w.sign(split);
  EXPECT_RULE(w.commit({split}).err, rule::ok);
  ASSERT_NE(w.state.find(out_id(split, 0)), nullptr);
  EXPECT_EQ(w.state.find(out_id(split, 0))->out.lot, l1);
  EXPECT_EQ(w.state.find(out_id(split, 1))->out.lot, l1);
  EXPECT_NE(l1, w.lot_of(w.lot2));
  // Both pieces of the lot merge back (same lot).
  tx back = w.make_tx();
  back.inputs = {spend_of(out_id(split, 0)), spend_of(out_id(split, 1))};
  back.outputs = {pay(w.bond.id(), 1000, w.carol.prog, l1)};
  w.sign(back);
  EXPECT_RULE(w.check(back, 3), rule::ok);
}

TEST(butxo_assets, atomic_lots_never_merge) {
  atomic_world w;
  auto l1 = w.lot_of(w.lot1), l2 = w.lot_of(w.lot2);
  tx merge = w.make_tx();
  merge.inputs = {spend_of(out_id(w.lot1, 0)), spend_of(out_id(w.lot2, 0))};
  merge.outputs = {pay(w.bond.id(), 1500, w.bob.prog, l1)};
  w.sign(merge);
  EXPECT_RULE(w.check(merge, 2), rule::lot_conservation);
  // Units moved from one lot to another.
  tx move = w.make_tx();
  move.inputs = {spend_of(out_id(w.lot1, 0)), spend_of(out_id(w.lot2, 0))};
  move.outputs = {pay(w.bond.id(), 900, w.bob.prog, l1), pay(w.bond.id(), 600, w.bob.prog, l2)};
  w.sign(move);
  EXPECT_RULE(w.check(move, 2), rule::lot_conservation);
  // An Atomic output without its lot.
  tx nolot = w.make_tx();
  nolot.inputs = {spend_of(out_id(w.lot1, 0))};
  nolot.outputs = {pay(w.bond.id(), 1000, w.bob.prog)};
  w.sign(nolot);
  EXPECT_RULE(w.check(nolot, 2), rule::lot_conservation);
  // Both lots moved in one transaction, each kept, is fine.
  tx both = w.make_tx();
  both.inputs = {spend_of(out_id(w.lot1, 0)), spend_of(out_id(w.lot2, 0))};
  both.outputs = {pay(w.bond.id(), 1000, w.bob.prog, l1), pay(w.bond.id(), 500, w.bob.prog, l2)};
  w.sign(both);
  EXPECT_RULE(w.check(both, 2), rule::ok);
}

// --- Quark -----------------------------------------------------------------------------------

struct quark_world : world {
  asset_definition sword = define("sword", asset_kind::quark, 2, issuer.prog); // unit 100
  tx minted;
  quark_world() {
    minted = issue_tokens(*this, sword, 3, alice.prog);
    sign(minted);
    EXPECT_RULE(commit({minted}).err, rule::ok);
  }
  hash256 token(std::uint32_t j) const { return minted.outputs[j].lot; }
  tx spend_tokens(std::initializer_list<std::uint32_t> js) const {
    tx t = make_tx();
    for (auto j : js)
      t.inputs.push_back(spend_of(out_id(minted, j)));
    return t;
  }
};

TEST(butxo_assets, quark_issue_then_transfer) {
  quark_world w;
  EXPECT_EQ(w.state.issued(w.sword.id()), 300u);
  EXPECT_NE(w.token(0), w.token(1));
  auto t = w.spend_tokens({0, 2});
  t.outputs = {pay(w.sword.id(), 100, w.bob.prog, w.token(0)),
               pay(w.sword.id(), 100, w.carol.prog, w.token(2))};
  w.sign(t);
  EXPECT_RULE(w.commit({t}).err, rule::ok);
  EXPECT_EQ(w.state.find(out_id(t, 0))->out.lot, w.token(0));
  EXPECT_EQ(w.state.find(out_id(t, 0))->out.owner, w.bob.prog);
}

TEST(butxo_assets, quark_refuses_split_copy_merge_and_new_tokens) {
  quark_world w;
  auto split = w.spend_tokens({0});
  split.outputs = {pay(w.sword.id(), 50, w.bob.prog, w.token(0)),
                   pay(w.sword.id(), 50, w.alice.prog, w.token(0))};
  w.sign(split);
  EXPECT_RULE(w.check(split, 2), rule::quark_split);

  auto copy = w.spend_tokens({0});
  copy.outputs = {pay(w.sword.id(), 100, w.bob.prog, w.token(0)),
                  pay(w.sword.id(), 100, w.alice.prog, w.token(0))};
  w.sign(copy);
  EXPECT_RULE(w.check(copy, 2), rule::token_conservation);

  auto merged = w.spend_tokens({0, 1});
  merged.outputs = {pay(w.sword.id(), 200, w.bob.prog, w.token(0))};
  w.sign(merged);
  EXPECT_RULE(w.check(merged, 2), rule::quark_split);

  auto absorbed = w.spend_tokens({0, 1}); // token 1 vanishes into token 0's output
  absorbed.outputs = {pay(w.sword.id(), 100, w.bob.prog, w.token(0))};
  w.sign(absorbed);
  EXPECT_RULE(w.check(absorbed, 2), rule::token_conservation);

  auto renamed = w.spend_tokens({0}); // token 0 comes out as a new token
  renamed.outputs = {pay(w.sword.id(), 100, w.bob.prog, crypto::sha3_256(w.token(0).view()))};
  w.sign(renamed);
  EXPECT_RULE(w.check(renamed, 2), rule::token_conservation);

  auto swapped = w.spend_tokens({0, 1}); // two tokens exchanging owners is fine
  swapped.outputs = {pay(w.sword.id(), 100, w.bob.prog, w.token(1)),
                     pay(w.sword.id(), 100, w.carol.prog, w.token(0))};
  w.sign(swapped);
  EXPECT_RULE(w.check(swapped, 2), rule::ok);
}

TEST(butxo_assets, quark_issue_bounds) {
  world w;
  auto gem = define("gem", asset_kind::quark, 2, w.issuer.prog);
  auto frac = w.make_tx();
  frac.inputs.push_back(issue_of(gem, 150));
  frac.outputs = {pay(gem.id(), 100, w.bob.prog, token_id(input_id(frac.inputs[0]), 0))};
  w.sign(frac);
  EXPECT_RULE(w.check(frac), rule::indivisible_amount);
  auto lumped = w.make_tx(); // two tokens issued as one output
  lumped.inputs.push_back(issue_of(gem, 200));
  lumped.outputs = {pay(gem.id(), 200, w.bob.prog, token_id(input_id(lumped.inputs[0]), 0))};
  w.sign(lumped);
  EXPECT_RULE(w.check(lumped), rule::quark_split);
  auto many = issue_tokens(w, gem, max_issue_tokens + 1, w.bob.prog);
  many.outputs.resize(1);
  w.sign(many);
  EXPECT_RULE(w.check(many), rule::bad_issue);
  auto wrong_ids = issue_tokens(w, gem, 2, w.bob.prog);
  wrong_ids.outputs[1].lot = token_id(input_id(wrong_ids.inputs[0]), 7);
  w.sign(wrong_ids);
  EXPECT_RULE(w.check(wrong_ids), rule::token_conservation);
  auto unit1 = define("card", asset_kind::quark, 0, w.issuer.prog);
  auto cards = issue_tokens(w, unit1, 5, w.bob.prog);
  w.sign(cards);
  EXPECT_RULE(w.check(cards), rule::ok);
}

// --- Issuance --------------------------------------------------------------------------------

TEST(butxo_assets, issuance_needs_the_issuer_signature) {
  world w;
  auto pts = define("points", asset_kind::byte, 0, w.issuer.prog);
  auto t = issue_fungible(w, pts, 100, w.alice.prog);
  EXPECT_RULE(w.check(t), rule::threshold_not_met);
  auto forged = t;
  forged.inputs[0].witness.push_back(
      {0, w.alice.s->sign(sighash(input_id(forged.inputs[0]), forged.id()))});
  EXPECT_RULE(w.check(forged), rule::bad_signature);
  EXPECT_FALSE(sign_input(t, 0, pts.issuer, *w.alice.s));
  ASSERT_TRUE(sign_input(t, 0, pts.issuer, *w.issuer.s));
  EXPECT_RULE(w.check(t), rule::ok);
  // The issued amount must be fully paid out.
  auto burnt = issue_fungible(w, pts, 100, w.alice.prog);
  burnt.outputs[0].amount = 90;
  w.sign(burnt);
  EXPECT_RULE(w.check(burnt), rule::unbalanced);
}

TEST(butxo_assets, issuance_within_max_supply) {
  world w;
  auto capped = define("capped", asset_kind::byte, 0, w.issuer.prog, 1000);
  auto over = issue_fungible(w, capped, 1001, w.alice.prog);
  w.sign(over);
  EXPECT_RULE(w.check(over), rule::supply_exceeded);
  auto first = issue_fungible(w, capped, 600, w.alice.prog, 0);
  w.sign(first);
  EXPECT_RULE(w.commit({first}).err, rule::ok);
  EXPECT_EQ(w.state.issued(capped.id()), 600u);
  auto second = issue_fungible(w, capped, 500, w.alice.prog, 1);
  w.sign(second);
  EXPECT_RULE(w.check(second, 2), rule::supply_exceeded);
  second = issue_fungible(w, capped, 400, w.alice.prog, 1);
  w.sign(second);
  EXPECT_RULE(w.check(second, 2), rule::ok);

  // Two issue inputs in one transaction add up.
  world v;
  tx pair = v.make_tx();
  pair.inputs = {issue_of(capped, 600, 0), issue_of(capped, 500, 1)};
  pair.outputs = {pay(capped.id(), 1100, v.alice.prog)};
  v.sign(pair);
  EXPECT_RULE(v.check(pair), rule::supply_exceeded);
  pair.inputs[1].amount = 400;
  pair.inputs[0].witness.clear();
  pair.inputs[1].witness.clear();
  pair.outputs[0].amount = 1000;
  v.sign(pair);
  EXPECT_RULE(v.check(pair), rule::ok);
}

TEST(butxo_assets, issuance_with_a_spend_of_the_same_capped_asset) {
  // Spent units were counted when they were issued: they do not count again.
  world w;
  auto capped = define("capped", asset_kind::byte, 0, w.issuer.prog, 1000);
  auto first = issue_fungible(w, capped, 600, w.alice.prog, 0);
  w.sign(first);
  ASSERT_TRUE(w.commit({first}).err.ok());
  tx more = w.make_tx();
  more.inputs = {spend_of(out_id(first, 0)), issue_of(capped, 400, 1)};
  more.outputs = {pay(capped.id(), 1000, w.alice.prog)};
  w.sign(more);
  EXPECT_RULE(w.check(more, 2), rule::ok);
  more.inputs[1].amount = 401;
  more.outputs[0].amount = 1001;
  for (auto& in : more.inputs)
    in.witness.clear();
  w.sign(more);
  EXPECT_RULE(w.check(more, 2), rule::supply_exceeded);
}

TEST(butxo_assets, issuance_cannot_be_replayed) {
  world w;
  auto pts = define("points", asset_kind::byte, 0, w.issuer.prog);
  auto t = issue_fungible(w, pts, 100, w.alice.prog);
  w.sign(t);
  ASSERT_TRUE(w.commit({t}).err.ok());
  EXPECT_TRUE(w.state.issuance_used(input_id(t.inputs[0])));
  // The same issue input (with its signature) in a new transaction paying someone else.
  auto replay = t;
  replay.outputs[0].owner = w.bob.prog;
  replay.inputs[0].witness.clear();
  w.sign(replay);
  EXPECT_RULE(w.check(replay, 2), rule::issuance_reused);
  // Within one transaction the repeat is a duplicate input.
  tx twice = w.make_tx();
  twice.inputs = {issue_of(pts, 5, 7), issue_of(pts, 5, 7)};
  twice.outputs = {pay(pts.id(), 10, w.alice.prog)};
  w.sign(twice);
  EXPECT_RULE(w.check(twice, 2), rule::duplicate_input);
  // A new nonce is a new issuance.
  auto fresh = issue_fungible(w, pts, 100, w.alice.prog, 1);
  w.sign(fresh);
  EXPECT_RULE(w.check(fresh, 2), rule::ok);
}

TEST(butxo_assets, native_asset_cannot_be_issued) {
  world w;
  auto t = issue_fungible(w, w.native, 100, w.alice.prog);
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::bad_issue);
}

TEST(butxo_assets, bad_definition_and_zero_issue) {
  world w;
  auto check_def = [&](asset_definition d) {
    auto t = issue_fungible(w, d, 100, w.alice.prog);
    w.sign(t);
    return w.check(t);
  };
  EXPECT_RULE(check_def(define("", asset_kind::byte, 0, w.issuer.prog)), rule::bad_definition);
  EXPECT_RULE(check_def(define("x", asset_kind::byte, max_decimals + 1, w.issuer.prog)),
              rule::bad_definition);
  EXPECT_RULE(check_def(define("x", asset_kind::quantum, 2, w.issuer.prog, 150)),
              rule::bad_definition);
  EXPECT_RULE(check_def(define("x", asset_kind::byte, 2, w.issuer.prog, 150)), rule::ok);
  auto zero = issue_fungible(w, define("x", asset_kind::byte, 0, w.issuer.prog), 0, w.alice.prog);
  zero.outputs[0].amount = 1;
  w.sign(zero);
  EXPECT_RULE(w.check(zero), rule::zero_amount);
}

// --- Coinbase --------------------------------------------------------------------------------

TEST(butxo_assets, coinbase_only_first_only_input_with_height) {
  world w;
  w.params.block_reward = 50;
  tx cb = w.make_tx();
  cb.inputs.push_back(coinbase_of(50, 1));
  cb.outputs.push_back(pay(w.native.id(), 50, w.carol.prog));
  EXPECT_RULE(w.check(cb, 1, true), rule::ok);
  EXPECT_EQ(w.summary.coinbase, 50u);
  EXPECT_RULE(w.check(cb, 1, false), rule::coinbase_misplaced);
  EXPECT_RULE(w.check(cb, 2, true), rule::coinbase_misplaced); // names height 1
  auto with_spend = cb;
  with_spend.inputs.push_back(spend_of(w.genesis(world::alice_btm)));
  with_spend.outputs[0].amount = 1050;
  w.sign(with_spend);
  EXPECT_RULE(w.check(with_spend, 1, true), rule::coinbase_misplaced);

  // In a block: first place only.
  auto t = w.make_tx();
  t.inputs.push_back(spend_of(w.genesis(world::alice_btm)));
  t.outputs.push_back(pay(w.native.id(), 990, w.bob.prog)); // fee 10
  w.sign(t);
  EXPECT_RULE(check_block({t, cb}, 1, w.state, w.params, w.checker).err, rule::coinbase_misplaced);
  auto r = check_block({cb, t}, 1, w.state, w.params, w.checker);
  EXPECT_RULE(r.err, rule::ok);
  EXPECT_EQ(r.fees, 10u);
}

TEST(butxo_assets, coinbase_at_most_reward_plus_fees) {
  world w;
  w.params.block_reward = 50;
  auto t = w.make_tx();
  t.inputs.push_back(spend_of(w.genesis(world::alice_btm)));
  t.outputs.push_back(pay(w.native.id(), 990, w.bob.prog)); // fee 10
  w.sign(t);
  auto cb_of = [&](std::uint64_t amount) {
    tx cb = w.make_tx();
    cb.inputs.push_back(coinbase_of(amount, 1));
    cb.outputs.push_back(pay(w.native.id(), amount, w.carol.prog));
    return cb;
  };
  EXPECT_RULE(check_block({cb_of(60), t}, 1, w.state, w.params, w.checker).err, rule::ok);
  auto big = check_block({cb_of(61), t}, 1, w.state, w.params, w.checker);
  EXPECT_RULE(big.err, rule::coinbase_too_large);
  EXPECT_RULE(check_block({cb_of(51)}, 1, w.state, w.params, w.checker).err,
              rule::coinbase_too_large);
  // The coinbase's outputs balance like any transaction's.
  auto inflated = cb_of(60);
  inflated.outputs[0].amount = 61;
  EXPECT_RULE(check_block({inflated, t}, 1, w.state, w.params, w.checker).err, rule::unbalanced);
  // ... and a coinbase that pays out less than it claims would burn units unrecorded.
  auto short_paid = cb_of(60);
  short_paid.outputs[0].amount = 59;
  EXPECT_RULE(check_block({short_paid, t}, 1, w.state, w.params, w.checker).err, rule::unbalanced);
}

} // namespace
