// Pegins claimed on the sidechain against the light client, forged and repeated claims refused,
// pegouts burning pegged units and release records completing them.
#include "fed_fixture.hpp"

namespace {

using namespace bystack;
using namespace bystack::federation;
using namespace bystack::federation::testing;

TEST(Pegin, AClaimWithEnoughConfirmationsCreatesThePeggedUnits) {
  peg_world t;
  auto b1 = t.mine({t.pegin_tx(600, t.carol.prog)});
  t.mine();
  ASSERT_EQ(t.node.height(), 2u); // a valid mainchain block
  ASSERT_TRUE(t.relay(two_chains::headers_of(t.chain)).ok());
  auto c = t.claim_of(b1, 1);
  auto err = t.claim(c);
  EXPECT_EQ(err.code, ledger::rule::missing_input) << err.message(); // 2 of 3 confirmations
  EXPECT_NE(err.detail.find("2 confirmations"), std::string::npos) << err.message();
  ASSERT_TRUE(t.relay({t.mine()->hdr()}).ok());
  ASSERT_TRUE(t.claim(c).ok());

  auto oid = ledger::output_id(b1->txs()[1]->id(), 0, b1->txs()[1]->outputs[0]);
  const auto* e = t.sc.find(pegin_output_id(oid));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->out.asset, t.pegged());
  EXPECT_EQ(e->out.amount, 600u);
  EXPECT_EQ(e->out.owner, t.carol.prog);
  ASSERT_NE(t.sc.asset(t.pegged()), nullptr);
  EXPECT_EQ(*mainchain_asset_of(*t.sc.asset(t.pegged())), t.w.btm.id());
  EXPECT_EQ(t.sc.issued(t.pegged()), 600u);

  // Carol trades part of it to Dave like any sidechain asset.
  ledger::tx pay;
  pay.chain = t.sc_params.chain;
  pay.inputs.push_back(ledger::spend_of(pegin_output_id(oid)));
  pay.outputs.push_back(ledger::pay(t.pegged(), 250, t.dave.prog));
  pay.outputs.push_back(ledger::pay(t.pegged(), 350, t.carol.prog));
  ledger::sign_input(pay, 0, t.carol.prog, *t.carol.s);
  EXPECT_TRUE(t.commit({pay}).ok());

  // Nobody can issue the pegged asset directly, not even with the definition in hand.
  ledger::tx mint;
  mint.chain = t.sc_params.chain;
  ledger::input in;
  in.kind = ledger::input_kind::issue;
  in.definition = pegged_definition(t.w.btm);
  in.amount = 1000;
  mint.inputs.push_back(in);
  mint.outputs.push_back(ledger::pay(t.pegged(), 1000, t.dave.prog));
  EXPECT_EQ(t.commit({mint}).code, ledger::rule::bad_program); // the issuer no one satisfies
}

TEST(Pegin, ForgedClaimsAreRefused) {
  peg_world t;
  auto b1 = t.mine({t.pegin_tx(600, t.carol.prog)});
  auto b2 = t.mine();
  t.mine();
  t.mine();
  ASSERT_TRUE(t.relay(two_chains::headers_of(t.chain)).ok());
  auto good = t.claim_of(b1, 1);

  auto wrong_amount = good;
  wrong_amount.mc_tx.outputs[0].amount = 6000;
  auto err = t.claim(wrong_amount);
  EXPECT_EQ(err.code, ledger::rule::malformed);
  EXPECT_NE(err.detail.find("not in block"), std::string::npos) << err.message();

  auto other_block = good;
  other_block.block = b2->hash(); // the transaction is not in b2
  EXPECT_NE(t.claim(other_block).detail.find("not in block"), std::string::npos);

  auto not_on_mainchain = good;
  not_on_mainchain.mc_tx = *t.pegin_tx(700, t.carol.prog); // never mined
  EXPECT_NE(t.claim(not_on_mainchain).detail.find("not in block"), std::string::npos);

  auto change_output = good;
  change_output.output_index = 1; // Alice's change, not the federation's
  EXPECT_EQ(t.claim(change_output).code, ledger::rule::bad_program);

  auto wrong_definition = good;
  wrong_definition.definition.name = "FAKE";
  EXPECT_EQ(t.claim(wrong_definition).code, ledger::rule::unknown_asset);

  auto unknown_block = good;
  unknown_block.block = hash256{};
  EXPECT_EQ(t.claim(unknown_block).code, ledger::rule::missing_input);

  auto bad_path = good;
  bad_path.path.siblings.push_back(hash256{});
  EXPECT_EQ(t.claim(bad_path).code, ledger::rule::malformed);

  ledger::input garbage;
  garbage.kind = claim_input;
  garbage.ext = {0xff};
  EXPECT_EQ(t.commit({t.collector_tx({garbage})}).code, ledger::rule::malformed);

  EXPECT_TRUE(t.claim(good).ok()); // the honest claim still passes
}

TEST(Pegin, EachMainchainOutputIsClaimedOnce) {
  peg_world t;
  auto b1 = t.mine({t.pegin_tx(600, t.carol.prog)});
  t.mine();
  t.mine();
  ASSERT_TRUE(t.relay(two_chains::headers_of(t.chain)).ok());
  auto c = t.claim_of(b1, 1);
  // Twice in one transaction, and in two transactions of one block.
  EXPECT_EQ(t.commit({t.collector_tx({make_claim_input(c), make_claim_input(c)})}).code,
            ledger::rule::duplicate_input);
  auto c2 = c;
  c2.path.siblings.clear(); // a different input carrying a path that fails anyway
  EXPECT_FALSE(
      t.commit({t.collector_tx({make_claim_input(c)}, 0), t.collector_tx({make_claim_input(c)}, 1)})
          .ok());
  ASSERT_TRUE(t.claim(c, 0).ok());
  EXPECT_EQ(t.claim(c, 1).code, ledger::rule::issuance_reused);
  // Undoing the claim's block makes the output claimable again, and only once.
  t.undo();
  EXPECT_EQ(t.sc.issued(t.pegged()), 0u);
  ASSERT_TRUE(t.claim(c, 2).ok());
  EXPECT_EQ(t.claim(c, 3).code, ledger::rule::issuance_reused);
  EXPECT_EQ(t.sc.issued(t.pegged()), 600u);
}

TEST(Pegin, AReorganisationDecidesWhatIsClaimable) {
  peg_world t;
  auto pegin = t.pegin_tx(600, t.carol.prog);
  // Branch a holds the pegin; branch b (more work) holds it in another block.
  auto a1 = t.mine({pegin});
  t.mine();
  t.mine();
  auto a = t.chain;
  ASSERT_TRUE(t.relay(two_chains::headers_of(a)).ok());
  t.chain.clear();
  auto b1 = t.mine({}, 1);
  auto b2 = t.mine({pegin}, 1);
  t.mine({}, 1);
  t.mine({}, 1);
  auto b = t.chain;
  ASSERT_TRUE(t.claim(t.claim_of(a1, 1), 0).ok()); // 3 confirmations on branch a
  ASSERT_TRUE(t.relay(two_chains::headers_of(b), 1).ok());
  EXPECT_EQ(t.lc().tip().hash, b.back()->hash());
  EXPECT_EQ(t.lc().confirmations(a1->hash()), 0u);
  // The same output in the other branch's block: already claimed.
  EXPECT_EQ(t.claim(t.claim_of(b2, 1), 1).code, ledger::rule::issuance_reused);
  // Undo the claim: now only a claim against the best chain passes.
  t.undo(); // the relay of b
  t.undo(); // the claim (undo does not rewind funding slots 0 and 1)
  ASSERT_TRUE(t.relay(two_chains::headers_of(b), 3).ok());
  EXPECT_EQ(t.claim(t.claim_of(a1, 1), 2).code, ledger::rule::missing_input);
  EXPECT_TRUE(t.claim(t.claim_of(b2, 1), 2).ok());
  (void)b1;
}

TEST(Pegout, ABurnIsReleasedOnceAndCompletedByARecord) {
  pegout_world t;
  auto burn = t.pegout_tx(make_pegout_output(t.pegged(), 600, {t.w.bob.prog, 0}));
  ASSERT_TRUE(t.commit({burn}).ok());
  auto pegout = ledger::output_id(burn.id(), 0, burn.outputs[0]);
  ASSERT_NE(t.sc.find(pegout), nullptr);
  EXPECT_EQ(t.sc.find(pegout)->out.kind, pegout_output);
  // The burn cannot be spent: extension-kind outputs are unlocked only by their own inputs.
  ledger::tx steal;
  steal.chain = t.sc_params.chain;
  steal.inputs.push_back(ledger::spend_of(pegout));
  steal.outputs.push_back(ledger::pay(t.pegged(), 600, t.dave.prog));
  EXPECT_EQ(t.commit({steal}).code, ledger::rule::locked_output);

  auto wrong = t.release_tx(pegout, 500);
  auto right = t.release_tx(pegout, 600);
  auto rb = t.mine({right});
  ASSERT_EQ(t.node.tip_hash(), rb->hash()); // the 2-of-3 release is a valid mainchain block
  ASSERT_TRUE(t.relay({rb->hdr()}).ok());
  release_payload rec{pegout, *right, mainchain::make_merkle_path(rb->txs(), 1), rb->hash()};
  auto few = t.commit({t.collector_tx({make_release_input(rec)})});
  EXPECT_EQ(few.code, ledger::rule::missing_input) << few.message(); // 1 of 3 confirmations
  ASSERT_TRUE(t.relay({t.mine()->hdr(), t.mine()->hdr()}).ok());

  // A release in another (unmined) shape does not complete it.
  release_payload forged{pegout, *wrong, rec.path, rec.block};
  EXPECT_EQ(t.commit({t.collector_tx({make_release_input(forged)})}).code, ledger::rule::malformed);
  ASSERT_TRUE(t.commit({t.collector_tx({make_release_input(rec)})}).ok());
  EXPECT_EQ(t.sc.find(pegout), nullptr);
  EXPECT_EQ(t.sc.retired(t.pegged()), 600u);
  EXPECT_EQ(t.sc.issued(t.pegged()), 600u);
  EXPECT_EQ(t.sc.supply_by_asset()[t.pegged()], 0u);
  // A second record for the same pegout is refused.
  EXPECT_EQ(t.commit({t.collector_tx({make_release_input(rec)}, 1)}).code,
            ledger::rule::missing_input);
}

TEST(Pegout, AReleasePayingOtherThanTheBurnDoesNotCompleteIt) {
  pegout_world t;
  auto burn = t.pegout_tx(make_pegout_output(t.pegged(), 600, {t.w.bob.prog, 0}));
  ASSERT_TRUE(t.commit({burn}).ok());
  auto pegout = ledger::output_id(burn.id(), 0, burn.outputs[0]);
  auto wrong = t.release_tx(pegout, 500);
  auto rb = t.mine({wrong});
  ASSERT_EQ(t.node.tip_hash(), rb->hash());
  ASSERT_TRUE(t.relay({rb->hdr(), t.mine()->hdr(), t.mine()->hdr()}).ok());
  release_payload rec{pegout, *wrong, mainchain::make_merkle_path(rb->txs(), 1), rb->hash()};
  EXPECT_EQ(t.commit({t.collector_tx({make_release_input(rec)})}).code, ledger::rule::unbalanced);
  EXPECT_NE(t.sc.find(pegout), nullptr);
}

TEST(Pegout, RefusesBadBurns) {
  pegout_world t;
  // Not a pegged asset.
  auto scn_burn = t.collector_tx({}, 0, {make_pegout_output(t.scn.id(), 5, {t.w.bob.prog, 0})});
  scn_burn.outputs[0].amount -= 5;
  scn_burn.inputs.back().witness.clear();
  ledger::sign_input(scn_burn, 0, t.collector.prog, *t.collector.s);
  EXPECT_EQ(t.commit({scn_burn}).code, ledger::rule::unknown_asset);
  // An owner on a burn, a fee that leaves nothing, a fee in a non-native asset is fine for BTM.
  auto owned = make_pegout_output(t.pegged(), 600, {t.w.bob.prog, 0});
  owned.owner = t.carol.prog;
  EXPECT_EQ(t.commit({t.pegout_tx(owned)}).code, ledger::rule::bad_retire);
  EXPECT_EQ(t.commit({t.pegout_tx(make_pegout_output(t.pegged(), 600, {t.w.bob.prog, 600}))}).code,
            ledger::rule::fee_too_low);
  auto no_dest = make_pegout_output(t.pegged(), 600, {ledger::control_program{}, 0});
  EXPECT_EQ(t.commit({t.pegout_tx(no_dest)}).code, ledger::rule::bad_program);
  EXPECT_TRUE(
      t.commit({t.pegout_tx(make_pegout_output(t.pegged(), 600, {t.w.bob.prog, 10}))}).ok());
}

} // namespace
