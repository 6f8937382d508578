// The UTXO set (apply, undo, set hash, encodings), block validation (in-block spends, parallel
// signature checks, the signature cache) and the genesis state.
#include "fixture.hpp"

#include "runtime/ledger/mempool.hpp"

namespace {

using namespace bystack;
using namespace bystack::ledger;
using namespace bystack::ledger::testing;

/// Holds a world where Alice owns `n` outputs of 10 "chips" each, and Bob's transfers of them.
struct many_world : world {
  asset_definition chips = define("chips", asset_kind::byte, 0, issuer.prog);
  tx minted;
  explicit many_world(std::uint32_t n) {
    minted = make_tx();
    minted.inputs.push_back(issue_of(chips, 10ull * n));
    for (std::uint32_t i = 0; i < n; ++i)
      minted.outputs.push_back(pay(chips.id(), 10, alice.prog));
    sign(minted);
    EXPECT_RULE(commit({minted}).err, rule::ok);
  }
  /// Returns Alice's signed transfer of chip output i to Bob.
  tx transfer(std::uint32_t i) const {
    tx t = make_tx();
    t.inputs.push_back(spend_of(out_id(minted, i)));
    t.outputs = {pay(chips.id(), 7, bob.prog), pay(chips.id(), 3, alice.prog)};
    sign_all(t, state, {&alice});
    return t;
  }
};

void expect_same_state(const utxo_set& a, const utxo_set& b) {
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_EQ(a.entries(), b.entries());
  EXPECT_EQ(a.assets(), b.assets());
  EXPECT_EQ(a.height(), b.height());
  EXPECT_EQ(a.supply_by_asset(), b.supply_by_asset());
  for (const auto& [id, d] : b.assets()) {
    EXPECT_EQ(a.issued(id), b.issued(id));
    EXPECT_EQ(a.retired(id), b.retired(id));
  }
}

// --- utxo_set --------------------------------------------------------------------------------

TEST(butxo_state, apply_then_undo_restores_the_set_and_its_hash) {
  world w;
  const auto before = w.state;
  auto pts = define("points", asset_kind::byte, 0, w.issuer.prog);
  tx issue = w.make_tx();
  issue.inputs.push_back(issue_of(pts, 100));
  output burn;
  burn.kind = output_kind::retire;
  burn.asset = pts.id();
  burn.amount = 10;
  issue.outputs = {pay(pts.id(), 90, w.bob.prog), burn};
  w.sign(issue);
  tx t = w.make_tx();
  t.inputs.push_back(spend_of(w.genesis(world::alice_btm)));
  t.outputs = {pay(w.native.id(), 400, w.bob.prog), pay(w.native.id(), 600, w.alice.prog)};
  w.sign(t);
  tx spend_new = w.make_tx(); // spends an output created earlier in the same block
  spend_new.inputs.push_back(spend_of(out_id(t, 0)));
  spend_new.outputs = {pay(w.native.id(), 400, w.carol.prog)};
  ASSERT_TRUE(sign_input(spend_new, 0, w.bob.prog, *w.bob.s));

  auto r = check_block({issue, t, spend_new}, 1, w.state, w.params, w.checker);
  ASSERT_TRUE(r.err.ok()) << r.err.message();
  w.state.apply(r.delta);
  EXPECT_NE(w.state.hash(), before.hash());
  EXPECT_EQ(w.state.height(), 1u);
  EXPECT_TRUE(w.state.issuance_used(input_id(issue.inputs[0])));
  EXPECT_EQ(w.state.retired(pts.id()), 10u);
  EXPECT_EQ(w.state.find(out_id(t, 0)), nullptr); // created and spent within the block
  ASSERT_NE(w.state.find(out_id(spend_new, 0)), nullptr);
  const auto after_one = w.state;

  // A second block, then undo both in reverse order.
  tx t2 = w.make_tx();
  t2.inputs.push_back(spend_of(out_id(issue, 0)));
  t2.outputs = {pay(pts.id(), 90, w.carol.prog)};
  w.sign(t2);
  auto r2 = check_block({t2}, 2, w.state, w.params, w.checker);
  ASSERT_TRUE(r2.err.ok()) << r2.err.message();
  w.state.apply(r2.delta);
  w.state.undo(r2.delta);
  expect_same_state(w.state, after_one);
  w.state.undo(r.delta);
  expect_same_state(w.state, before);
  EXPECT_FALSE(w.state.issuance_used(input_id(issue.inputs[0])));
  EXPECT_EQ(w.state.asset(pts.id()), nullptr);
}

TEST(butxo_state, set_hash_does_not_depend_on_order) {
  world w;
  std::vector<std::pair<hash256, utxo_entry>> entries;
  for (std::uint32_t i = 0; i < 20; ++i) {
    auto o = pay(w.native.id(), 1 + i, i % 2 ? w.alice.prog : w.bob.prog);
    entries.emplace_back(output_id(hash256{}, i, o), utxo_entry{o, i});
  }
  block_delta forward, backward;
  forward.created = entries;
  backward.created.assign(entries.rbegin(), entries.rend());
  utxo_set a, b;
  a.apply(forward);
  b.apply(backward);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_FALSE(a.hash().is_zero());
  // Built in halves by two deltas, with a spend in between, the hash still matches.
  utxo_set c;
  block_delta first, second;
  first.created.assign(entries.begin() + 10, entries.end());
  first.created.push_back(entries[0]);
  second.created.assign(entries.begin() + 1, entries.begin() + 10);
  c.apply(first);
  block_delta drop;
  drop.spent.push_back(entries[0]);
  c.apply(drop);
  second.created.push_back(entries[0]);
  c.apply(second);
  EXPECT_EQ(c.hash(), a.hash());
  // The set hash itself commutes and cancels.
  set_hash x, y;
  auto h1 = crypto::sha3_256(as_bytes(std::string_view{"1"}));
  auto h2 = crypto::sha3_256(as_bytes(std::string_view{"2"}));
  x.add(h1);
  x.add(h2);
  y.add(h2);
  y.add(h1);
  EXPECT_EQ(x, y);
  x.remove(h1);
  set_hash z;
  z.add(h2);
  EXPECT_EQ(x, z);
  z.remove(h2);
  EXPECT_TRUE(z.value().is_zero());
  // A different set has a different hash.
  a.apply(drop);
  EXPECT_NE(a.hash(), b.hash());
}

TEST(butxo_state, delta_and_entry_encodings_round_trip) {
  world w;
  utxo_entry e{pay(w.gold.id(), 5, multisig(2, {&w.alice, &w.bob}), w.gold.id()), 42};
  e.out.data = {1, 2, 3};
  auto eb = encode(e);
  auto e2 = decode_utxo_entry(byte_view{eb.data(), eb.size()});
  ASSERT_TRUE(e2) << e2.err().message;
  EXPECT_EQ(e2.value(), e);
  eb.pop_back();
  EXPECT_FALSE(decode_utxo_entry(byte_view{eb.data(), eb.size()}));

  block_delta d;
  d.height = 9;
  d.created.emplace_back(w.genesis(0), e);
  d.created.emplace_back(w.genesis(1), utxo_entry{pay(w.native.id(), 1, w.bob.prog), 9});
  d.spent.emplace_back(w.genesis(2), *w.state.find(w.genesis(2)));
  d.issued.emplace_back(w.gold.id(), 77);
  d.new_assets.push_back(define("new", asset_kind::quark, 1, w.issuer.prog, 100, 3));
  d.issuances.push_back(w.genesis(3));
  d.retired.emplace_back(w.native.id(), 12);
  auto db = encode(d);
  auto d2 = decode_block_delta(byte_view{db.data(), db.size()});
  ASSERT_TRUE(d2) << d2.err().message;
  const auto& back = d2.value();
  EXPECT_EQ(back.height, d.height);
  EXPECT_EQ(back.created, d.created);
  EXPECT_EQ(back.spent, d.spent);
  EXPECT_EQ(back.issued, d.issued);
  EXPECT_EQ(back.new_assets, d.new_assets);
  EXPECT_EQ(back.issuances, d.issuances);
  EXPECT_EQ(back.retired, d.retired);
  EXPECT_EQ(encode(back), db);
  for (std::size_t n = 0; n < db.size(); n += 7)
    EXPECT_FALSE(decode_block_delta(byte_view{db.data(), n})) << n;
  db.push_back(0);
  EXPECT_FALSE(decode_block_delta(byte_view{db.data(), db.size()}));
}

// --- check_block -----------------------------------------------------------------------------

TEST(butxo_block, spends_outputs_created_earlier_in_the_block) {
  world w;
  tx a = w.make_tx();
  a.inputs.push_back(spend_of(w.genesis(world::alice_btm)));
  a.outputs = {pay(w.native.id(), 1000, w.bob.prog)};
  w.sign(a);
  tx b = w.make_tx();
  b.inputs.push_back(spend_of(out_id(a, 0)));
  b.outputs = {pay(w.native.id(), 1000, w.carol.prog)};
  ASSERT_TRUE(sign_input(b, 0, w.bob.prog, *w.bob.s));
  auto r = check_block({a, b}, 1, w.state, w.params, w.checker);
  EXPECT_RULE(r.err, rule::ok);
  EXPECT_EQ(r.delta.created.size(), 2u);
  EXPECT_EQ(r.delta.spent.size(), 2u);
  // In the other order the child's parent is unknown.
  auto bad = check_block({b, a}, 1, w.state, w.params, w.checker);
  EXPECT_RULE(bad.err, rule::missing_input);
  EXPECT_EQ(bad.bad_tx, 0u);
}

TEST(butxo_block, double_spend_within_a_block_is_refused_on_the_second) {
  world w;
  tx a = w.make_tx();
  a.inputs.push_back(spend_of(w.genesis(world::alice_btm)));
  a.outputs = {pay(w.native.id(), 1000, w.bob.prog)};
  w.sign(a);
  tx b = a;
  b.outputs[0].owner = w.carol.prog;
  b.inputs[0].witness.clear();
  w.sign(b);
  tx other = w.make_tx();
  other.inputs.push_back(spend_of(w.genesis(world::bob_btm)));
  other.outputs = {pay(w.native.id(), 1000, w.carol.prog)};
  w.sign(other);
  auto r = check_block({a, other, b}, 1, w.state, w.params, w.checker);
  EXPECT_RULE(r.err, rule::missing_input);
  EXPECT_EQ(r.bad_tx, 2u);
}

TEST(butxo_block, verdict_is_the_same_on_one_thread_or_many) {
  many_world w(40);
  std::vector<tx> txs;
  for (std::uint32_t i = 0; i < 40; ++i)
    txs.push_back(w.transfer(i));
  auto run = [&](const std::vector<tx>& block, const parallel_for& pf) {
    signature_checker fresh(crypto::ed25519_scheme()); // no cache hits
    return check_block(block, 2, w.state, w.params, fresh, pf);
  };
  auto seq = run(txs, {});
  EXPECT_RULE(seq.err, rule::ok);
  EXPECT_EQ(seq.signatures, 40u);
  for (std::size_t threads : {2, 3, 4}) {
    auto par = run(txs, threaded(threads));
    EXPECT_RULE(par.err, rule::ok);
    EXPECT_EQ(par.signatures, 40u);
    EXPECT_EQ(encode(par.delta), encode(seq.delta));
  }
  // Two bad signatures: the lowest index wins whatever the schedule.
  auto broken = txs;
  broken[31].inputs[0].witness[0].signature[5] ^= 1;
  broken[25].inputs[0].witness[0].signature[9] ^= 1;
  auto seq_bad = run(broken, {});
  EXPECT_RULE(seq_bad.err, rule::bad_signature);
  EXPECT_EQ(seq_bad.bad_tx, 25u);
  EXPECT_TRUE(seq_bad.delta.created.empty());
  for (std::size_t threads : {2, 3, 4}) {
    auto par = run(broken, threaded(threads));
    EXPECT_EQ(par.bad_tx, seq_bad.bad_tx);
    EXPECT_EQ(par.err.code, seq_bad.err.code);
    EXPECT_EQ(par.err.detail, seq_bad.err.detail);
  }
}

TEST(butxo_block, signatures_checked_at_admission_are_not_checked_again) {
  many_world w(10);
  signature_checker checker(crypto::ed25519_scheme());
  mempool pool(w.state, w.params, checker);
  std::vector<tx> txs;
  for (std::uint32_t i = 0; i < 10; ++i) {
    txs.push_back(w.transfer(i));
    ASSERT_EQ(pool.admit(std::make_shared<const tx>(txs.back()), 2).status, admit_status::accepted);
  }
  EXPECT_EQ(checker.verified(), 10u);
  auto hits = checker.cache_hits();
  auto r = check_block(txs, 2, w.state, w.params, checker, threaded(2));
  EXPECT_RULE(r.err, rule::ok);
  EXPECT_EQ(checker.verified(), 10u);
  EXPECT_EQ(r.signatures, 0u);
  EXPECT_EQ(r.signature_hits, 10u);
  EXPECT_EQ(checker.cache_hits(), hits + 10);
  // A bad signature is never cached as good.
  auto bad = txs[0];
  bad.inputs[0].witness[0].signature[1] ^= 1;
  EXPECT_RULE(check_block({bad}, 2, w.state, w.params, checker).err, rule::bad_signature);
  EXPECT_EQ(checker.verified(), 11u);
}

TEST(butxo_block, signature_cache_stays_within_its_bound) {
  many_world w(6);
  signature_checker small(crypto::ed25519_scheme(), 2);
  for (std::uint32_t i = 0; i < 6; ++i) {
    auto t = w.transfer(i);
    tx_summary s;
    EXPECT_RULE(check_tx(t, w.state, w.params, {2, false}, small, s), rule::ok);
  }
  EXPECT_EQ(small.verified(), 6u);
  // The two most recent are still cached, the oldest not.
  tx_summary s;
  EXPECT_RULE(check_tx(w.transfer(5), w.state, w.params, {2, false}, small, s), rule::ok);
  EXPECT_EQ(small.cache_hits(), 1u);
  EXPECT_RULE(check_tx(w.transfer(0), w.state, w.params, {2, false}, small, s), rule::ok);
  EXPECT_EQ(small.verified(), 7u);
}

// --- genesis ---------------------------------------------------------------------------------

TEST(butxo_genesis, builds_the_state_of_a_valid_spec) {
  world w;
  EXPECT_EQ(w.state.size(), w.spec.outputs.size());
  EXPECT_EQ(w.state.height(), 0u);
  EXPECT_EQ(w.state.issued(w.native.id()), 4000u);
  EXPECT_EQ(w.state.issued(w.gold.id()), 1000u);
  EXPECT_NE(w.state.asset(w.ticket.id()), nullptr);
  EXPECT_EQ(w.params.native, w.native.id());
  EXPECT_EQ(w.params.chain, chain_id_of("butxo-test"));
  for (std::size_t i = 0; i < w.spec.outputs.size(); ++i)
    EXPECT_NE(w.state.find(w.genesis(i)), nullptr);
  auto again = genesis_state(w.spec);
  ASSERT_TRUE(again);
  EXPECT_EQ(again.value().hash(), w.state.hash());
  auto other = w.spec;
  other.network = "another";
  EXPECT_NE(genesis_txid(other), genesis_txid(w.spec));
}

TEST(butxo_genesis, errors_name_what_is_wrong) {
  world w;
  auto error_of = [](const genesis_spec& g) {
    auto r = genesis_state(g);
    return r ? std::string() : r.err().message;
  };
  auto g = w.spec;
  g.outputs.push_back(pay(crypto::sha3_256(w.gold.id().view()), 1, w.alice.prog));
  EXPECT_NE(error_of(g).find("output 7: unknown asset"), std::string::npos) << error_of(g);

  g = w.spec;
  auto card = define("card", asset_kind::quark, 0, w.issuer.prog);
  g.assets.push_back(card);
  g.outputs.push_back(pay(card.id(), 1, w.alice.prog));
  EXPECT_NE(error_of(g).find("non-fungible"), std::string::npos) << error_of(g);
  EXPECT_NE(error_of(g).find("'card'"), std::string::npos);

  g = w.spec;
  g.outputs[1].amount = 0;
  EXPECT_NE(error_of(g).find("output 1: zero amount"), std::string::npos) << error_of(g);

  g = w.spec;
  g.assets[1].max_supply = 999; // gold: 1000 at genesis
  auto capped_gold = g.assets[1].id();
  g.outputs[world::alice_gold].asset = capped_gold;
  g.outputs[world::bob_gold].asset = capped_gold;
  EXPECT_NE(error_of(g).find("exceeds max_supply of 'gold'"), std::string::npos) << error_of(g);

  g = w.spec;
  g.outputs[world::alice_ticket].amount = 150; // a ticket and a half
  EXPECT_NE(error_of(g).find("whole number of units"), std::string::npos) << error_of(g);

  g = w.spec;
  g.native_index = 2; // a Quantum native asset
  EXPECT_NE(error_of(g).find("kind byte"), std::string::npos) << error_of(g);

  g = w.spec;
  g.assets.clear();
  EXPECT_NE(error_of(g).find("no assets"), std::string::npos) << error_of(g);
}

} // namespace
