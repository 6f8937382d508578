// The transaction rules that do not depend on an asset's kind: each has a case it accepts and a
// case it refuses with exactly its rule code.
#include "fixture.hpp"

#include <limits>
#include <set>

namespace {

using namespace bystack;
using namespace bystack::ledger;
using namespace bystack::ledger::testing;

/// Returns Alice's transfer of `amount` of her genesis BTM to Bob, change to herself (unsigned).
tx alice_pays_bob(const world& w, std::uint64_t amount = 600) {
  tx t = w.make_tx();
  t.inputs.push_back(spend_of(w.genesis(world::alice_btm)));
  t.outputs.push_back(pay(w.native.id(), amount, w.bob.prog));
  if (amount < 1000) t.outputs.push_back(pay(w.native.id(), 1000 - amount, w.alice.prog));
  return t;
}

tx signed_transfer(world& w, std::uint64_t amount = 600) {
  auto t = alice_pays_bob(w, amount);
  w.sign(t);
  return t;
}

TEST(butxo_rules, names_are_unique_kebab_case) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < rule_count; ++i) {
    std::string n = rule_name(static_cast<rule>(i));
    EXPECT_TRUE(seen.insert(n).second) << n;
    for (char c : n)
      EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '-') << n;
  }
  EXPECT_STREQ(rule_name(rule::missing_input), "missing-input");
  EXPECT_EQ((tx_error{rule::expired, "at 5"}.message()), "expired: at 5");
}

TEST(butxo_rules, accepts_a_signed_transfer) {
  world w;
  auto t = signed_transfer(w);
  EXPECT_RULE(w.check(t), rule::ok);
  EXPECT_EQ(w.summary.id, t.id());
  EXPECT_EQ(w.summary.fee, 0u);
  EXPECT_EQ(w.summary.size, encode(t).size());
  EXPECT_EQ(w.checker.verified(), 1u);
}

TEST(butxo_rules, wrong_chain_refuses_a_replay_on_another_network) {
  world w;
  auto t = signed_transfer(w);
  auto other = w.params;
  other.chain = chain_id_of("another-network");
  EXPECT_RULE(w.check(t, other), rule::wrong_chain);
  // Re-labelling the transaction for the other network breaks its signatures.
  auto relabelled = t;
  relabelled.chain = other.chain;
  EXPECT_RULE(w.check(relabelled, other), rule::bad_signature);
  auto unsigned_tx = alice_pays_bob(w);
  unsigned_tx.chain = other.chain;
  w.sign(unsigned_tx);
  EXPECT_RULE(w.check(unsigned_tx, w.params), rule::wrong_chain);
  EXPECT_RULE(w.check(unsigned_tx, other), rule::ok);
}

TEST(butxo_rules, bad_version) {
  world w;
  auto t = alice_pays_bob(w);
  t.version = 2;
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::bad_version);
}

TEST(butxo_rules, expired_after_its_height) {
  world w;
  auto t = alice_pays_bob(w);
  t.expires_at = 5;
  w.sign(t);
  EXPECT_RULE(w.check(t, 5), rule::ok);
  EXPECT_RULE(w.check(t, 6), rule::expired);
  t.expires_at = 0;
  t.inputs[0].witness.clear();
  w.sign(t);
  EXPECT_RULE(w.check(t, 1'000'000), rule::ok);
}

TEST(butxo_rules, no_inputs_and_no_outputs) {
  world w;
  auto t = alice_pays_bob(w);
  t.inputs.clear();
  EXPECT_RULE(w.check(t), rule::no_inputs);
  t = alice_pays_bob(w);
  t.outputs.clear();
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::no_outputs);
}

TEST(butxo_rules, duplicate_input) {
  world w;
  auto t = alice_pays_bob(w);
  t.inputs.push_back(t.inputs[0]);
  t.outputs[0].amount += 1000;
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::duplicate_input);
  // Two distinct inputs of one owner are fine.
  tx ok = w.make_tx();
  ok.inputs = {spend_of(w.genesis(world::alice_btm)), spend_of(w.genesis(world::alice_gold))};
  ok.outputs = {pay(w.native.id(), 1000, w.bob.prog), pay(w.gold.id(), 500, w.bob.prog)};
  w.sign(ok);
  EXPECT_RULE(w.check(ok), rule::ok);
}

TEST(butxo_rules, missing_input_unknown_or_spent) {
  world w;
  auto t = alice_pays_bob(w);
  t.inputs[0].spent_output = crypto::sha3_256(as_bytes(std::string_view{"nowhere"}));
  EXPECT_RULE(w.check(t), rule::missing_input);
  auto first = signed_transfer(w);
  ASSERT_TRUE(w.commit({first}).err.ok());
  auto again = signed_transfer(w, 500);
  EXPECT_RULE(w.check(again, 2), rule::missing_input);
  // What the transfer created is spendable.
  tx next = w.make_tx();
  next.inputs.push_back(spend_of(out_id(first, 0)));
  next.outputs.push_back(pay(w.native.id(), 600, w.carol.prog));
  w.sign(next);
  EXPECT_RULE(w.check(next, 2), rule::ok);
}

TEST(butxo_rules, bad_program) {
  world w;
  auto t = alice_pays_bob(w);
  t.outputs[0].owner.keys.clear();
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::bad_program);
  t = alice_pays_bob(w);
  t.outputs[0].owner.threshold = 0;
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::bad_program);
  t = alice_pays_bob(w);
  t.outputs[0].owner = multisig(3, {&w.alice, &w.bob});
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::bad_program);
  t = alice_pays_bob(w);
  t.outputs[0].owner.keys.assign(max_multisig_keys + 1, w.bob.pub());
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::bad_program);
  // An issuer program is checked the same way.
  tx issue = w.make_tx();
  auto def = define("bad-issuer", asset_kind::byte, 0, multisig(2, {&w.issuer}));
  issue.inputs.push_back(issue_of(def, 10));
  issue.outputs.push_back(pay(def.id(), 10, w.bob.prog));
  w.sign(issue);
  EXPECT_RULE(w.check(issue), rule::bad_program);
  // 16 keys and threshold 16 is the largest program.
  t = alice_pays_bob(w);
  t.outputs[0].owner.keys.assign(max_multisig_keys, w.bob.pub());
  t.outputs[0].owner.threshold = max_multisig_keys;
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::ok);
}

TEST(butxo_rules, bad_witness_index_beyond_keys_or_key_twice) {
  world w;
  auto t = signed_transfer(w);
  auto beyond = t;
  beyond.inputs[0].witness[0].key_index = 1;
  EXPECT_RULE(w.check(beyond), rule::bad_witness);
  beyond.inputs[0].witness[0].key_index = 255;
  EXPECT_RULE(w.check(beyond), rule::bad_witness);
  auto twice = t;
  twice.inputs[0].witness.push_back(twice.inputs[0].witness[0]);
  EXPECT_RULE(w.check(twice), rule::bad_witness);
}

TEST(butxo_rules, bad_signature) {
  world w;
  auto t = signed_transfer(w);
  auto flipped = t;
  flipped.inputs[0].witness[0].signature[10] ^= 1;
  EXPECT_RULE(w.check(flipped), rule::bad_signature);
  auto short_sig = t;
  short_sig.inputs[0].witness[0].signature.pop_back();
  EXPECT_RULE(w.check(short_sig), rule::bad_signature);
  // Bob's signature in Alice's slot.
  auto impostor = alice_pays_bob(w);
  impostor.inputs[0].witness.push_back(
      {0, w.bob.s->sign(sighash(input_id(impostor.inputs[0]), impostor.id()))});
  EXPECT_RULE(w.check(impostor), rule::bad_signature);
  // A signature over another transaction.
  auto other = alice_pays_bob(w, 500);
  w.sign(other);
  auto moved = t;
  moved.inputs[0].witness = other.inputs[0].witness;
  EXPECT_RULE(w.check(moved), rule::bad_signature);
  EXPECT_RULE(w.check(t), rule::ok);
}

TEST(butxo_rules, threshold_not_met_multisig_parties_sign_separately) {
  world w;
  // Spends the 2-of-3 (Alice, Bob, Carol) genesis output.
  tx t = w.make_tx();
  t.inputs.push_back(spend_of(w.genesis(world::shared_btm)));
  t.outputs.push_back(pay(w.native.id(), 1000, w.carol.prog));
  auto prog = multisig(2, {&w.alice, &w.bob, &w.carol});
  EXPECT_RULE(w.check(t), rule::threshold_not_met);

  // Alice signs her copy and sends the bytes on; Carol signs hers.
  auto alice_copy = t;
  ASSERT_TRUE(sign_input(alice_copy, 0, prog, *w.alice.s));
  EXPECT_RULE(w.check(alice_copy), rule::threshold_not_met); // m - 1 signatures
  auto wire = encode(alice_copy);
  auto carol_copy = decode_tx(byte_view{wire.data(), wire.size()});
  ASSERT_TRUE(carol_copy);
  ASSERT_TRUE(sign_input(carol_copy.value(), 0, prog, *w.carol.s));
  EXPECT_RULE(w.check(carol_copy.value()), rule::ok); // m signatures
  EXPECT_EQ(carol_copy.value().inputs[0].witness.size(), 2u);
  EXPECT_EQ(carol_copy.value().inputs[0].witness[1].key_index, 2);

  // All three is fine too; one valid signature and one bad one is not.
  auto all = carol_copy.value();
  ASSERT_TRUE(sign_input(all, 0, prog, *w.bob.s));
  EXPECT_RULE(w.check(all), rule::ok);
  all.inputs[0].witness[2].signature[0] ^= 1;
  EXPECT_RULE(w.check(all), rule::bad_signature);
  // An outsider cannot stand in.
  auto outsider = alice_copy;
  EXPECT_FALSE(sign_input(outsider, 0, prog, *w.issuer.s));
  EXPECT_RULE(w.check(outsider), rule::threshold_not_met);
}

TEST(butxo_rules, zero_amount) {
  world w;
  auto t = alice_pays_bob(w, 1000);
  t.outputs.push_back(pay(w.native.id(), 0, w.carol.prog));
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::zero_amount);
}

TEST(butxo_rules, amount_overflow) {
  world w;
  tx t = w.make_tx();
  t.inputs.push_back(spend_of(w.genesis(world::alice_gold)));
  t.outputs.push_back(pay(w.gold.id(), std::numeric_limits<std::uint64_t>::max(), w.bob.prog));
  t.outputs.push_back(pay(w.gold.id(), 501, w.bob.prog));
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::amount_overflow);
}

TEST(butxo_rules, unbalanced_inflation_and_silent_burn) {
  world w;
  tx t = w.make_tx();
  t.inputs.push_back(spend_of(w.genesis(world::alice_gold)));
  t.outputs.push_back(pay(w.gold.id(), 501, w.bob.prog));
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::unbalanced);
  t.outputs[0].amount = 499;
  t.inputs[0].witness.clear();
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::unbalanced); // a non-native asset cannot vanish into a fee
  t.outputs[0].amount = 500;
  t.inputs[0].witness.clear();
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::ok);
  // The native asset cannot be created either.
  auto more = alice_pays_bob(w, 1000);
  more.outputs[0].amount = 1001;
  w.sign(more);
  EXPECT_RULE(w.check(more), rule::unbalanced);
  // An asset that no input provides.
  auto foreign = alice_pays_bob(w, 1000);
  foreign.outputs.push_back(pay(w.gold.id(), 1, w.alice.prog));
  w.sign(foreign);
  EXPECT_RULE(w.check(foreign), rule::unbalanced);
}

TEST(butxo_rules, fee_is_the_native_surplus_and_has_a_minimum) {
  world w;
  auto paid = w.params;
  paid.min_fee_per_kb = 1000; // one base unit per byte
  auto t = alice_pays_bob(w, 1000);
  w.sign(t);
  EXPECT_RULE(w.check(t, paid), rule::fee_too_low);
  t = alice_pays_bob(w, 400);
  t.outputs[1].amount = 100; // 500 left as fee
  w.sign(t);
  EXPECT_RULE(w.check(t, paid), rule::ok);
  EXPECT_EQ(w.summary.fee, 500u);
  EXPECT_GE(w.summary.fee, min_fee(paid, w.summary.size));
  t.outputs[1].amount = 600 - (min_fee(paid, encode(t).size()) - 1);
  t.inputs[0].witness.clear();
  w.sign(t);
  EXPECT_RULE(w.check(t, paid), rule::fee_too_low);
  EXPECT_EQ(min_fee(paid, 1), 1u);
  EXPECT_EQ(min_fee(paid, 0), 0u);
}

TEST(butxo_rules, unknown_asset) {
  world w;
  // An output whose asset was never defined (only reachable through a corrupt state).
  auto orphaned = pay(crypto::sha3_256(as_bytes(std::string_view{"undefined"})), 5, w.alice.prog);
  auto id = crypto::sha3_256(as_bytes(std::string_view{"orphaned output"}));
  block_delta d;
  d.height = 1;
  d.created.emplace_back(id, utxo_entry{orphaned, 1});
  w.state.apply(d);
  tx t = w.make_tx();
  t.inputs.push_back(spend_of(id));
  t.outputs.push_back(orphaned);
  w.sign(t);
  EXPECT_RULE(w.check(t, 2), rule::unknown_asset);
}

/// Accepts output kind 16 (pegout) when its data is non-empty; knows no input kind.
class pegout_rules : public extension_rules {
public:
  tx_error check_output(const output& out, const utxo_view& view) const override {
    if (static_cast<std::uint8_t>(out.kind) == 16 && !out.data.empty()) return {};
    return extension_rules::check_output(out, view);
  }
};

TEST(butxo_rules, unknown_kind_unless_an_extension_knows_it) {
  world w;
  auto t = alice_pays_bob(w, 1000);
  t.outputs[0].kind = static_cast<output_kind>(16);
  t.outputs[0].owner = {};
  t.outputs[0].data = {1};
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::unknown_kind);
  pegout_rules ext;
  tx_summary s;
  EXPECT_RULE(check_tx(t, w.state, w.params, {1, false}, w.checker, s, nullptr, &ext), rule::ok);
  t.outputs[0].kind = static_cast<output_kind>(17);
  t.inputs[0].witness.clear();
  w.sign(t);
  EXPECT_RULE(check_tx(t, w.state, w.params, {1, false}, w.checker, s, nullptr, &ext),
              rule::unknown_kind);

  auto claim = alice_pays_bob(w, 1000);
  input in;
  in.kind = static_cast<input_kind>(16);
  in.ext = {1, 2};
  claim.inputs.push_back(in);
  w.sign(claim);
  EXPECT_RULE(w.check(claim), rule::unknown_kind);
}

TEST(butxo_rules, an_extension_payload_beyond_its_bound_is_too_large) {
  // check_tx bounds what in-process callers build (decoding bounds what arrives).
  world w;
  pegout_rules ext;
  tx_summary s;
  auto claim = alice_pays_bob(w, 1000);
  input in;
  in.kind = static_cast<input_kind>(16);
  in.ext.assign(max_ext_input_bytes + 1, 1);
  claim.inputs.push_back(in);
  w.sign(claim);
  auto err = check_tx(claim, w.state, w.params, {1, false}, w.checker, s, nullptr, &ext);
  EXPECT_RULE(err, rule::too_large);
  EXPECT_NE(err.message().find("extension payload of 61441 bytes, the limit is 61440"),
            std::string::npos)
      << err.message();
  // At the bound it reaches the extension (which knows no input kind 16 here).
  claim.inputs[1].ext.resize(max_ext_input_bytes);
  claim.inputs[0].witness.clear();
  w.sign(claim);
  EXPECT_RULE(check_tx(claim, w.state, w.params, {1, false}, w.checker, s, nullptr, &ext),
              rule::unknown_kind);
}

TEST(butxo_rules, retire_burns_without_an_owner) {
  world w;
  tx t = w.make_tx();
  t.inputs.push_back(spend_of(w.genesis(world::alice_gold)));
  output burn;
  burn.kind = output_kind::retire;
  burn.asset = w.gold.id();
  burn.amount = 200;
  t.outputs = {burn, pay(w.gold.id(), 300, w.alice.prog)};
  auto owned = t;
  owned.outputs[0].owner = w.alice.prog;
  w.sign(owned);
  EXPECT_RULE(w.check(owned), rule::bad_retire);
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::ok);
  ASSERT_TRUE(w.commit({t}).err.ok());
  EXPECT_EQ(w.state.retired(w.gold.id()), 200u);
  EXPECT_EQ(w.state.supply_by_asset()[w.gold.id()], 800u);
  EXPECT_EQ(w.state.issued(w.gold.id()) - w.state.retired(w.gold.id()), 800u);
  EXPECT_EQ(w.state.find(out_id(t, 0)), nullptr); // a retire is never spendable
}

TEST(butxo_rules, too_large) {
  world w;
  auto t = alice_pays_bob(w, 1000);
  t.outputs[0].amount = 1000 - 99;
  for (int i = 0; i < 99; ++i) {
    t.outputs.push_back(pay(w.native.id(), 1, w.bob.prog));
    t.outputs.back().data.assign(max_data_bytes, static_cast<std::uint8_t>(i));
  }
  w.sign(t);
  ASSERT_GT(encode(t).size(), max_tx_bytes);
  EXPECT_RULE(w.check(t), rule::too_large);
  t.outputs.resize(40);
  t.outputs[0].amount = 1000 - 39;
  t.inputs[0].witness.clear();
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::ok);
  t.outputs[1].data.push_back(0); // one byte over the data bound
  t.inputs[0].witness.clear();
  w.sign(t);
  EXPECT_RULE(w.check(t), rule::too_large);
}

TEST(butxo_rules, block_too_large_by_count_and_bytes) {
  world w;
  auto a = signed_transfer(w);
  tx b = w.make_tx();
  b.inputs.push_back(spend_of(w.genesis(world::bob_gold)));
  b.outputs.push_back(pay(w.gold.id(), 500, w.carol.prog));
  w.sign(b);
  auto p = w.params;
  p.max_block_txs = 1;
  auto r = check_block({a, b}, 1, w.state, p, w.checker);
  EXPECT_RULE(r.err, rule::block_too_large);
  p.max_block_txs = 2;
  EXPECT_RULE(check_block({a, b}, 1, w.state, p, w.checker).err, rule::ok);
  p.max_block_bytes = encode(a).size() + encode(b).size() - 1;
  EXPECT_RULE(check_block({a, b}, 1, w.state, p, w.checker).err, rule::block_too_large);
}

} // namespace
