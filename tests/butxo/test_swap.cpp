// The multi-party ("magnetic") swap: Alice's Quark item for Bob's Byte tokens in one
// transaction that each party signs for its own inputs only.
#include "fixture.hpp"

namespace {

using namespace bystack;
using namespace bystack::ledger;
using namespace bystack::ledger::testing;

/// Holds a world where Alice owns one Quark item and Bob 500 gold (genesis).
struct swap_world : world {
  asset_definition item = define("dragon-egg", asset_kind::quark, 0, issuer.prog);
  tx minted;
  swap_world() {
    minted = make_tx();
    minted.inputs.push_back(issue_of(item, 1));
    minted.outputs.push_back(
        pay(item.id(), 1, alice.prog, token_id(input_id(minted.inputs[0]), 0)));
    sign(minted);
    EXPECT_RULE(commit({minted}).err, rule::ok);
  }
  hash256 egg() const { return out_id(minted, 0); }
  hash256 token() const { return minted.outputs[0].lot; }

  /// Returns Bob's proposal: the egg to Bob, 300 gold to Alice, 200 gold back to Bob.
  tx proposal() const {
    tx t = make_tx();
    t.inputs = {spend_of(egg()), spend_of(genesis(world::bob_gold))};
    t.outputs = {pay(item.id(), 1, bob.prog, token()), pay(gold.id(), 300, alice.prog),
                 pay(gold.id(), 200, bob.prog)};
    return t;
  }
};

tx through_the_wire(const tx& t) {
  auto b = encode(t);
  auto r = decode_tx(byte_view{b.data(), b.size()});
  EXPECT_TRUE(r) << r.err().message;
  return r ? std::move(r).value() : tx{};
}

/// Signs every input of t that p can sign, as p's wallet would; returns how many it signed.
int wallet_sign(tx& t, const utxo_view& view, const party& p) {
  int n = 0;
  for (std::size_t i = 0; i < t.inputs.size(); ++i)
    if (const auto* prog = program_of(t, i, view)) n += sign_input(t, i, *prog, *p.s) ? 1 : 0;
  return n;
}

TEST(butxo_swap, parties_sign_in_turn_and_the_swap_is_atomic) {
  swap_world w;
  // Bob builds and signs; the bytes go to Alice, who checks what she gets and signs.
  auto at_bob = w.proposal();
  EXPECT_EQ(wallet_sign(at_bob, w.state, w.bob), 1);
  EXPECT_RULE(w.check(at_bob, 2), rule::threshold_not_met); // Alice's input unsigned
  auto at_alice = through_the_wire(at_bob);
  EXPECT_EQ(at_alice.id(), at_bob.id());
  EXPECT_EQ(at_alice.outputs[1], pay(w.gold.id(), 300, w.alice.prog));
  EXPECT_EQ(wallet_sign(at_alice, w.state, w.alice), 1);
  EXPECT_TRUE(at_alice.inputs[0].witness.size() == 1 && at_alice.inputs[1].witness.size() == 1);
  auto final_tx = through_the_wire(at_alice);
  EXPECT_RULE(w.check(final_tx, 2), rule::ok);

  EXPECT_RULE(w.commit({final_tx}).err, rule::ok);
  // Both assets moved, or (had it failed) neither.
  EXPECT_EQ(w.state.find(w.egg()), nullptr);
  EXPECT_EQ(w.state.find(w.genesis(world::bob_gold)), nullptr);
  const auto* egg = w.state.find(out_id(final_tx, 0));
  ASSERT_NE(egg, nullptr);
  EXPECT_EQ(egg->out.owner, w.bob.prog);
  EXPECT_EQ(egg->out.lot, w.token());
  const auto* paid = w.state.find(out_id(final_tx, 1));
  ASSERT_NE(paid, nullptr);
  EXPECT_EQ(paid->out.owner, w.alice.prog);
  EXPECT_EQ(paid->out.amount, 300u);
  EXPECT_EQ(w.state.supply_by_asset()[w.gold.id()], 1000u);
}

TEST(butxo_swap, separately_signed_copies_combine) {
  swap_world w;
  auto base = w.proposal();
  // Each party decodes the same proposal and signs only its own input.
  auto alice_copy = through_the_wire(base);
  auto bob_copy = through_the_wire(base);
  EXPECT_EQ(wallet_sign(alice_copy, w.state, w.alice), 1);
  EXPECT_EQ(wallet_sign(bob_copy, w.state, w.bob), 1);
  EXPECT_FALSE(sign_input(alice_copy, 1, w.bob.prog, *w.alice.s)); // not hers to sign
  EXPECT_RULE(w.check(alice_copy, 2), rule::threshold_not_met);
  EXPECT_RULE(w.check(bob_copy, 2), rule::threshold_not_met);
  auto combined = base;
  combined.inputs[0].witness = alice_copy.inputs[0].witness;
  combined.inputs[1].witness = bob_copy.inputs[1].witness;
  EXPECT_RULE(w.check(combined, 2), rule::ok);
  EXPECT_EQ(combined.id(), base.id());
}

TEST(butxo_swap, changing_an_output_after_the_other_signed_is_refused) {
  swap_world w;
  auto at_bob = w.proposal();
  auto at_alice = through_the_wire(at_bob);
  wallet_sign(at_alice, w.state, w.alice);
  // Bob pays Alice less after she signed, moves the rest to himself, and signs.
  auto cheated = through_the_wire(at_alice);
  cheated.outputs[1].amount = 100;
  cheated.outputs[2].amount = 400;
  wallet_sign(cheated, w.state, w.bob);
  EXPECT_RULE(w.check(cheated, 2), rule::bad_signature);
  // Redirecting the egg to himself fails likewise (Alice signed paying Bob, then it changed).
  auto redirected = through_the_wire(at_alice);
  redirected.outputs[0].owner = w.carol.prog;
  wallet_sign(redirected, w.state, w.bob);
  EXPECT_RULE(w.check(redirected, 2), rule::bad_signature);
  // Nothing moved.
  EXPECT_NE(w.state.find(w.egg()), nullptr);
  EXPECT_NE(w.state.find(w.genesis(world::bob_gold)), nullptr);
}

} // namespace
