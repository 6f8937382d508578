// The supply checker across both chains, on honest runs and on seeded violations.
#include "actors/federation/supply.hpp"
#include "fed_fixture.hpp"

namespace {

using namespace bystack;
using namespace bystack::federation;
using namespace bystack::federation::testing;

template <class World> supply_report check(const World& t, const std::vector<block_ptr>& mc) {
  sidechain_scan s;
  for (std::size_t i = 0; i < t.blocks.size(); ++i)
    scan_sidechain_block(s, t.blocks[i], i + 1, t.sc);
  count_sidechain_units(s, t.sc);
  return check_supply(scan_mainchain(mc, t.fed), s, t.fp.pegin_confirmations);
}

TEST(Supply, AnHonestPeginPegoutAndReleaseConserveSupply) {
  pegout_world t;
  auto r = check(t, t.chain);
  ASSERT_TRUE(r.ok) << r.discrepancy;
  EXPECT_EQ(r.claims, 1u);
  EXPECT_EQ(r.assets[t.w.btm.id()].sidechain_units, 600u);
  EXPECT_EQ(r.assets[t.w.btm.id()].locked, 600u);
  auto burn = t.pegout_tx(make_pegout_output(t.pegged(), 600, {t.w.bob.prog, 0}));
  ASSERT_TRUE(t.commit({burn}).ok());
  auto pegout = ledger::output_id(burn.id(), 0, burn.outputs[0]);
  r = check(t, t.chain);
  ASSERT_TRUE(r.ok) << r.discrepancy;
  EXPECT_EQ(r.assets[t.w.btm.id()].burned_unreleased, 600u);
  t.mine({t.release_tx(pegout, 600)});
  r = check(t, t.chain);
  ASSERT_TRUE(r.ok) << r.discrepancy;
  EXPECT_EQ(r.releases, 1u);
  EXPECT_EQ(r.assets[t.w.btm.id()].locked, 0u);
  EXPECT_EQ(r.assets[t.w.btm.id()].burned_unreleased, 0u);
}

TEST(Supply, FlagsAReleaseWithoutABurn) {
  pegout_world t;
  // Two members (a Byzantine majority of the 2-of-3) pay the locked coins to Bob.
  auto theft = t.release_tx(hash256{}, 600);
  t.mine({theft});
  ASSERT_EQ(t.node.tip_hash(), t.chain.back()->hash()); // the mainchain took it
  auto r = check(t, t.chain);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.discrepancy.find("without a burn"), std::string::npos) << r.discrepancy;
  ASSERT_EQ(r.txs.size(), 1u);
  EXPECT_EQ(r.txs[0], theft->id());
}

TEST(Supply, FlagsAReleaseOfOtherThanTheBurn) {
  pegout_world t;
  auto burn = t.pegout_tx(make_pegout_output(t.pegged(), 600, {t.w.bob.prog, 0}));
  ASSERT_TRUE(t.commit({burn}).ok());
  auto pegout = ledger::output_id(burn.id(), 0, burn.outputs[0]);
  auto short_release = t.release_tx(pegout, 500); // 100 back to the federation
  t.mine({short_release});
  auto r = check(t, t.chain);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.discrepancy.find("releases 500 units"), std::string::npos) << r.discrepancy;
}

TEST(Supply, FlagsAClaimOfAPeginReorganisedAwayAfterItsConfirmations) {
  peg_world t;
  auto pegin = t.pegin_tx(600, t.carol.prog);
  auto a1 = t.mine({pegin});
  t.mine();
  t.mine();
  ASSERT_TRUE(t.relay(two_chains::headers_of(t.chain)).ok());
  auto claim = t.collector_tx({make_claim_input(t.claim_of(a1, 1))}, 1);
  ASSERT_TRUE(t.commit({claim}).ok()); // three confirmations: valid on the sidechain
  EXPECT_TRUE(check(t, t.chain).ok);
  // A heavier branch without the pegin replaces the mainchain's best chain.
  t.chain.clear();
  for (int i = 0; i < 4; ++i)
    t.mine({}, 1);
  ASSERT_EQ(t.node.tip_hash(), t.chain.back()->hash());
  auto r = check(t, t.chain);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.discrepancy.find("not a pegin on the mainchain's best chain"), std::string::npos)
      << r.discrepancy;
  ASSERT_EQ(r.txs.size(), 1u);
  EXPECT_EQ(r.txs[0], claim.id());
}

TEST(Supply, AReorganisationBeforeTheConfirmationsLosesNothing) {
  peg_world t;
  auto a1 = t.mine({t.pegin_tx(600, t.carol.prog)});
  t.mine();
  ASSERT_TRUE(t.relay(two_chains::headers_of(t.chain)).ok());
  // Two confirmations: the claim is refused, so the reorganisation cannot hurt.
  EXPECT_EQ(t.claim(t.claim_of(a1, 1)).code, ledger::rule::missing_input);
  t.chain.clear();
  for (int i = 0; i < 3; ++i)
    t.mine({}, 1);
  ASSERT_TRUE(t.relay(two_chains::headers_of(t.chain), 1).ok());
  EXPECT_EQ(t.claim(t.claim_of(a1, 1), 2).code, ledger::rule::missing_input);
  auto r = check(t, t.chain);
  EXPECT_TRUE(r.ok) << r.discrepancy;
  EXPECT_EQ(r.claims, 0u);
}

} // namespace
