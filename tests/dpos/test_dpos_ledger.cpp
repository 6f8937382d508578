// DPoS ledger kinds: registrations, votes and vetoes (lock period, amounts, unknown candidate,
// forged signatures) and the vote tally kept block by block with undo.
#include "../butxo/fixture.hpp"

#include "runtime/ledger/dpos.hpp"
#include "runtime/ledger/extension_set.hpp"

namespace {

using namespace bystack;
using namespace bystack::ledger;
using namespace bystack::ledger::testing;
using namespace bystack::ledger::dpos;

struct dpos_world : world {
  dpos_params dp{10, 5, 100};
  dpos_rules rules{native.id(), dp};
  party node = make_party(20);
  vote_tally tally;
  std::vector<block_delta> deltas;

  /// Validates txs as the next block with the DPoS rules; applies it to state and tally.
  block_check commit_block(const std::vector<tx>& txs) {
    auto r = check_block(txs, state.height() + 1, state, params, checker, {}, &rules);
    if (r.err.ok()) {
      state.apply(r.delta);
      state.set_height(r.delta.height);
      tally.apply(r.delta);
      deltas.push_back(r.delta);
    }
    return r;
  }
  /// Advances the chain by empty blocks (a coinbase-free block needs no transaction).
  void skip(std::uint64_t blocks) {
    for (std::uint64_t i = 0; i < blocks; ++i)
      EXPECT_TRUE(commit_block({}).err.ok());
  }
  tx_error check_at(const tx& t, std::uint64_t height) {
    return check_tx(t, state, params, tx_context{height, false}, checker, summary, nullptr, &rules);
  }
  registration reg_of(const party& p, std::string region = "eu-west-1") {
    return registration{p.pub(), "10.0.0.1:7000", std::move(region)};
  }
  /// Registers `p` with carol's genesis units; returns the candidate id.
  hash256 register_candidate(const party& p) {
    tx t = make_tx();
    t.inputs.push_back(spend_of(genesis(carol_btm)));
    t.outputs.push_back(make_registration(native.id(), 100, reg_of(p)));
    t.outputs.push_back(pay(native.id(), 900, carol.prog));
    sign(t);
    auto r = commit_block({t});
    EXPECT_TRUE(r.err.ok()) << r.err.message();
    return out_id(t, 0);
  }
  /// Alice votes `amount` of her genesis units for `c`; returns the transaction.
  tx alice_votes(const hash256& c, std::uint64_t amount = 400) {
    tx t = make_tx();
    t.inputs.push_back(spend_of(genesis(alice_btm)));
    t.outputs.push_back(make_vote(native.id(), amount, c, alice.prog));
    t.outputs.push_back(pay(native.id(), 1000 - amount, alice.prog));
    sign(t);
    return t;
  }
  /// Alice's veto of vote output `v`, paying the units back to her.
  tx veto_of(const hash256& v, std::uint64_t amount, const party& signer) {
    tx t = make_tx();
    t.inputs.push_back(make_veto(v));
    t.outputs.push_back(pay(native.id(), amount, alice.prog));
    sign_input(t, 0, alice.prog, *signer.s);
    return t;
  }
};

TEST(dpos_ledger, registration_payload_round_trips_and_rejects_garbage) {
  registration r{make_party(5).pub(), "host:1", "ap-northeast-1"};
  auto b = encode(r);
  auto back = decode_registration(byte_view{b.data(), b.size()});
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  b.push_back(0);
  EXPECT_FALSE(decode_registration(byte_view{b.data(), b.size()}));
  b.resize(10);
  EXPECT_FALSE(decode_registration(byte_view{b.data(), b.size()}));
}

TEST(dpos_ledger, vote_counts_for_a_registered_candidate) {
  dpos_world w;
  auto c = w.register_candidate(w.node);
  EXPECT_EQ(w.tally.registered(), 1u);
  auto v = w.alice_votes(c);
  auto r = w.commit_block({v});
  ASSERT_TRUE(r.err.ok()) << r.err.message();
  EXPECT_EQ(w.tally.votes_for(c), 400u);
  auto cs = w.tally.candidates();
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].votes, 400u);
  EXPECT_EQ(cs[0].reg.region, "eu-west-1");
  EXPECT_EQ(cs[0].registered_at, 1u);
}

TEST(dpos_ledger, vote_for_unknown_candidate_or_wrong_amount_is_refused) {
  dpos_world w;
  auto c = w.register_candidate(w.node);
  // A candidate id that is an ordinary output, and one that does not exist.
  EXPECT_RULE(w.check_at(w.alice_votes(w.genesis(world::bob_btm)), 2), rule::unknown_candidate);
  hash256 nobody;
  nobody.data[0] = 7;
  EXPECT_RULE(w.check_at(w.alice_votes(nobody), 2), rule::unknown_candidate);
  EXPECT_RULE(w.check_at(w.alice_votes(c, 4), 2), rule::bad_vote); // below min_vote 5
  EXPECT_RULE(w.check_at(w.alice_votes(c, 5), 2), rule::ok);
  // A vote of another asset.
  tx g = w.make_tx();
  g.inputs.push_back(spend_of(w.genesis(world::alice_gold)));
  g.outputs.push_back(make_vote(w.gold.id(), 500, c, w.alice.prog));
  w.sign(g);
  EXPECT_RULE(w.check_at(g, 2), rule::bad_vote);
  // Without the DPoS rules the kind is unknown.
  EXPECT_RULE(w.check(w.alice_votes(c)), rule::unknown_kind);
}

TEST(dpos_ledger, registration_must_be_owned_by_its_node_key_and_hold_the_deposit) {
  dpos_world w;
  tx t = w.make_tx();
  t.inputs.push_back(spend_of(w.genesis(world::carol_btm)));
  auto o = make_registration(w.native.id(), 100, w.reg_of(w.node));
  o.owner = w.carol.prog;
  t.outputs.push_back(o);
  t.outputs.push_back(pay(w.native.id(), 900, w.carol.prog));
  w.sign(t);
  EXPECT_RULE(w.check_at(t, 1), rule::bad_vote);
  t.outputs[0] = make_registration(w.native.id(), 99, w.reg_of(w.node));
  t.outputs[1].amount = 901;
  t.inputs[0].witness.clear();
  w.sign(t);
  EXPECT_RULE(w.check_at(t, 1), rule::bad_vote);
  t.outputs[0] = make_registration(w.native.id(), 100, w.reg_of(w.node));
  t.outputs[0].data.push_back(1); // trailing byte
  t.outputs[1].amount = 900;
  t.inputs[0].witness.clear();
  w.sign(t);
  EXPECT_RULE(w.check_at(t, 1), rule::bad_vote);
}

TEST(dpos_ledger, veto_only_after_the_lock_period_and_only_by_the_owner) {
  dpos_world w;
  auto c = w.register_candidate(w.node);
  auto v = w.alice_votes(c);
  ASSERT_TRUE(w.commit_block({v}).err.ok()); // vote created at height 2
  auto vid = out_id(v, 0);
  // A plain spend cannot unlock a vote, whoever signs.
  tx spend = w.make_tx();
  spend.inputs.push_back(spend_of(vid));
  spend.outputs.push_back(pay(w.native.id(), 400, w.alice.prog));
  w.sign(spend);
  EXPECT_RULE(w.check_at(spend, 100), rule::locked_output);
  // Locked for 10 blocks: heights 3..11 refuse, 12 accepts.
  auto veto = w.veto_of(vid, 400, w.alice);
  EXPECT_RULE(w.check_at(veto, 3), rule::locked_output);
  EXPECT_RULE(w.check_at(veto, 11), rule::locked_output);
  EXPECT_RULE(w.check_at(veto, 12), rule::ok);
  // A forged signature (bob signs with alice's key index), and none at all.
  auto forged = w.veto_of(vid, 400, w.alice);
  forged.inputs[0].witness[0].signature =
      w.bob.s->sign(sighash(input_id(forged.inputs[0]), forged.id()));
  EXPECT_RULE(w.check_at(forged, 12), rule::bad_signature);
  auto unsigned_veto = w.veto_of(vid, 400, w.bob); // bob's key is not in the program: no witness
  EXPECT_RULE(w.check_at(unsigned_veto, 12), rule::threshold_not_met);
  // Taking out more than the vote locked is inflation.
  EXPECT_RULE(w.check_at(w.veto_of(vid, 401, w.alice), 12), rule::unbalanced);
  // After the lock the veto commits, the tally drops, and a second veto finds nothing.
  w.skip(9); // heights 3..11
  ASSERT_EQ(w.state.height(), 11u);
  auto r = w.commit_block({veto});
  ASSERT_TRUE(r.err.ok()) << r.err.message();
  EXPECT_EQ(w.tally.votes_for(c), 0u);
  EXPECT_EQ(w.tally.total_votes(), 0u);
  EXPECT_NE(w.state.find(out_id(veto, 0)), nullptr);
  EXPECT_RULE(w.check_at(w.veto_of(vid, 400, w.alice), 13), rule::missing_input);
}

TEST(dpos_ledger, veto_survives_the_canonical_encoding) {
  // Blocks carry encoded transactions: what a veto unlocks must be in what is encoded.
  dpos_world w;
  auto c = w.register_candidate(w.node);
  auto v = w.alice_votes(c);
  ASSERT_TRUE(w.commit_block({v}).err.ok());
  w.skip(10);
  auto veto = w.veto_of(out_id(v, 0), 400, w.alice);
  auto bytes = encode(veto);
  auto back = decode_tx(byte_view{bytes.data(), bytes.size()});
  ASSERT_TRUE(back) << back.err().message;
  EXPECT_EQ(back->id(), veto.id());
  EXPECT_RULE(w.check_at(*back, 13), rule::ok);
  auto r = w.commit_block({*back});
  ASSERT_TRUE(r.err.ok()) << r.err.message();
  EXPECT_EQ(w.tally.votes_for(c), 0u);
  // A veto whose payload is not an output id is malformed.
  auto bad = veto;
  bad.inputs[0].ext.pop_back();
  EXPECT_RULE(w.check_at(bad, 14), rule::bad_vote);
}

TEST(dpos_ledger, withdrawn_candidate_takes_no_new_votes) {
  dpos_world w;
  auto c = w.register_candidate(w.node);
  w.skip(10);
  tx out = w.make_tx();
  out.inputs.push_back(make_veto(c));
  out.outputs.push_back(pay(w.native.id(), 100, w.node.prog));
  sign_input(out, 0, w.node.prog, *w.node.s);
  auto r = w.commit_block({out});
  ASSERT_TRUE(r.err.ok()) << r.err.message();
  EXPECT_EQ(w.tally.registered(), 0u);
  EXPECT_RULE(w.check_at(w.alice_votes(c), 13), rule::unknown_candidate);
}

TEST(dpos_ledger, tally_undo_restores_and_matches_a_rebuild) {
  dpos_world w;
  auto c1 = w.register_candidate(w.node);
  auto before = w.tally;
  auto v = w.alice_votes(c1, 300);
  tx bv = w.make_tx();
  bv.inputs.push_back(spend_of(w.genesis(world::bob_btm)));
  bv.outputs.push_back(make_vote(w.native.id(), 250, c1, w.bob.prog));
  bv.outputs.push_back(make_vote(w.native.id(), 250, c1, w.bob.prog));
  bv.outputs.push_back(pay(w.native.id(), 500, w.bob.prog));
  w.sign(bv);
  ASSERT_TRUE(w.commit_block({v, bv}).err.ok());
  EXPECT_EQ(w.tally.votes_for(c1), 800u);
  EXPECT_EQ(w.tally, vote_tally::from_state(w.state));
  w.tally.undo(w.deltas.back());
  EXPECT_EQ(w.tally, before);
  EXPECT_EQ(w.tally.votes_for(c1), 0u);
  // Undoing the registration block too leaves nothing.
  w.tally.undo(w.deltas.front());
  EXPECT_EQ(w.tally, vote_tally{});
}

} // namespace

namespace {
/// Owns output kind 16 for the extension_set test: refuses it with its own verdict.
struct refuse_all final : bystack::ledger::extension_rules {
  bystack::ledger::tx_error check_output(const bystack::ledger::output&,
                                         const bystack::ledger::utxo_view&) const override {
    return {bystack::ledger::rule::locked_output, "refused by the other member"};
  }
};
} // namespace

TEST(dpos_ledger, extension_set_routes_each_kind_to_its_owner) {
  dpos_world w;
  refuse_all other;
  extension_set set;
  ASSERT_TRUE(set.add(&w.rules, {veto_input}, {vote_output, register_output}));
  ASSERT_TRUE(set.add(&other, {static_cast<input_kind>(16)}, {static_cast<output_kind>(16)}));
  // A kind owned twice is refused, naming it.
  auto dup = set.add(&other, {}, {vote_output});
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.err().message.find("output kind 17"), std::string::npos);
  auto c = w.register_candidate(w.node);
  auto check = [&](const tx& t, std::uint64_t h) {
    return check_tx(t, w.state, w.params, tx_context{h, false}, w.checker, w.summary, nullptr,
                    &set);
  };
  // DPoS kinds reach dpos_rules through the set: the same verdicts as with the rules alone.
  EXPECT_RULE(check(w.alice_votes(c), 2), rule::ok);
  EXPECT_RULE(check(w.alice_votes(c, 4), 2), rule::bad_vote);
  hash256 nobody;
  nobody.data[0] = 7;
  EXPECT_RULE(check(w.alice_votes(nobody), 2), rule::unknown_candidate);
  // A vote committed through the set is vetoed through it, and the veto spends the vote.
  auto v = w.alice_votes(c);
  auto r = check_block({v}, 2, w.state, w.params, w.checker, {}, &set);
  ASSERT_TRUE(r.err.ok()) << r.err.message();
  w.state.apply(r.delta);
  w.state.set_height(2);
  auto veto = w.veto_of(out_id(v, 0), 400, w.alice);
  EXPECT_RULE(check(veto, 3), rule::locked_output);
  auto r2 = check_block({veto}, 12, w.state, w.params, w.checker, {}, &set);
  ASSERT_TRUE(r2.err.ok()) << r2.err.message();
  w.state.apply(r2.delta);
  EXPECT_EQ(w.state.find(out_id(v, 0)), nullptr);
  // A kind owned by the other member gets its verdict; a kind nobody owns is unknown.
  tx peg = w.make_tx();
  peg.inputs.push_back(spend_of(w.genesis(world::bob_btm)));
  auto o = pay(w.native.id(), 1000, w.bob.prog);
  o.kind = static_cast<output_kind>(16);
  peg.outputs.push_back(o);
  w.sign(peg);
  EXPECT_RULE(check(peg, 13), rule::locked_output);
  o.kind = static_cast<output_kind>(40);
  peg.outputs[0] = o;
  peg.inputs[0].witness.clear();
  w.sign(peg);
  EXPECT_RULE(check(peg, 13), rule::unknown_kind);
}
