// Rotations: at most a third of the members change, pegins to the previous federation are
// honoured during the grace period, migrations are no releases, the new federation releases.
#include "actors/federation/supply.hpp"
#include "fed_fixture.hpp"

namespace {

using namespace bystack;
using namespace bystack::federation;
using namespace bystack::federation::testing;

TEST(Rotation, AtMostAThirdOfTheMembersChange) {
  std::vector<crypto::public_key> k;
  for (std::uint8_t i = 0; i < 7; ++i)
    k.push_back(make_party(static_cast<std::uint8_t>(60 + i)).s->pub());
  auto five = federation_program({k[0], k[1], k[2], k[3], k[4]}, 3).value();
  auto one_new = federation_program({k[0], k[1], k[2], k[3], k[5]}, 3).value();
  auto two_new = federation_program({k[0], k[1], k[2], k[5], k[6]}, 3).value();
  auto grown = federation_program({k[0], k[1], k[2], k[3], k[4], k[5]}, 4).value();
  EXPECT_TRUE(check_rotation(five, one_new));
  EXPECT_TRUE(check_rotation(five, grown)); // nobody replaced
  auto r = check_rotation(five, two_new);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("2 of 5 members replaced, at most 1"), std::string::npos);
}

struct rotation_world : peg_world {
  party newcomer = make_party(13);
  ledger::control_program new_fed;
  hash256 coin; ///< Alice's coin funding the next pegin
  std::uint64_t left = 1000;

  rotation_world() {
    new_fed = federation_program({members[0].s->pub(), members[1].s->pub(), newcomer.s->pub()}, 2)
                  .value();
    EXPECT_TRUE(check_rotation(fed, new_fed));
    fp.rotations = {{new_fed, 3}};
    fp.grace_blocks = 2; // pegins to the old address honoured in blocks 3 and 4
    rules = std::make_unique<sidechain_rules>(fp, w.pow);
    coin = w.genesis_output(0);
  }

  /// Returns Alice's payment of `amount` to the fee reserve of `owner` (no sidechain owner).
  tx_ptr fund_reserve(const ledger::control_program& owner, std::uint64_t amount) {
    ledger::tx t;
    t.chain = w.params().chain;
    t.inputs.push_back(ledger::spend_of(coin));
    auto o = ledger::pay(w.btm.id(), amount, owner);
    o.data = fee_reserve_memo();
    t.outputs.push_back(o);
    left -= amount;
    t.outputs.push_back(ledger::pay(w.btm.id(), left, w.alice.prog));
    ledger::sign_input(t, 0, w.alice.prog, *w.alice.s);
    coin = ledger::output_id(t.id(), 1, t.outputs[1]);
    return std::make_shared<const ledger::tx>(std::move(t));
  }

  /// Returns Alice's payment of 100 to `owner` naming Carol on the sidechain.
  tx_ptr pay(const ledger::control_program& owner) {
    ledger::tx t;
    t.chain = w.params().chain;
    t.inputs.push_back(ledger::spend_of(coin));
    auto o = ledger::pay(w.btm.id(), 100, owner);
    o.data = ledger::encode(carol.prog);
    t.outputs.push_back(o);
    left -= 100;
    t.outputs.push_back(ledger::pay(w.btm.id(), left, w.alice.prog));
    ledger::sign_input(t, 0, w.alice.prog, *w.alice.s);
    coin = ledger::output_id(t.id(), 1, t.outputs[1]);
    return std::make_shared<const ledger::tx>(std::move(t));
  }
  /// Scans the sidechain's blocks (with the units its state holds) for the supply checker.
  sidechain_scan scan_sidechain() const {
    sidechain_scan s;
    for (std::size_t i = 0; i < blocks.size(); ++i)
      scan_sidechain_block(s, blocks[i], i + 1, sc);
    count_sidechain_units(s, sc);
    return s;
  }

  /// Returns the supply checker's report on both chains under the rotation schedule.
  supply_report supply(std::uint64_t confirmations) const {
    return check_supply(scan_mainchain(chain, federations(fp)), scan_sidechain(), confirmations);
  }
};

TEST(Rotation, PeginsToTheOldAddressAreHonouredDuringTheGracePeriodOnly) {
  rotation_world t;
  auto b1 = t.mine({t.pay(t.fed)});     // before the rotation
  auto b2 = t.mine({t.pay(t.new_fed)}); // too early for the new federation
  t.mine();
  auto b4 = t.mine({t.pay(t.fed)}); // grace
  auto b5 = t.mine({t.pay(t.fed)}); // after the grace period
  auto b6 = t.mine({t.pay(t.new_fed)});
  t.mine();
  t.mine();
  ASSERT_TRUE(t.relay(two_chains::headers_of(t.chain)).ok());
  EXPECT_EQ(federation_at(t.fp, 2), t.fed);
  EXPECT_EQ(federation_at(t.fp, 3), t.new_fed);
  EXPECT_TRUE(t.claim(t.claim_of(b1, 1), 0).ok());
  EXPECT_EQ(t.claim(t.claim_of(b2, 1), 1).code, ledger::rule::bad_program);
  EXPECT_TRUE(t.claim(t.claim_of(b4, 1), 1).ok());
  auto late = t.claim(t.claim_of(b5, 1), 2);
  EXPECT_EQ(late.code, ledger::rule::bad_program) << late.message();
  EXPECT_TRUE(t.claim(t.claim_of(b6, 1), 2).ok());
  EXPECT_EQ(t.sc.issued(t.pegged()), 300u);
}

TEST(Rotation, AMigrationIsNoReleaseAndTheNewFederationReleases) {
  rotation_world t;
  auto b1 = t.mine({t.pay(t.fed)});
  t.mine();
  t.mine();
  ASSERT_TRUE(t.relay(two_chains::headers_of(t.chain)).ok());
  ASSERT_TRUE(t.claim(t.claim_of(b1, 1)).ok());
  // The old federation moves its coin to the new one (two of the old members sign).
  const auto& pegin = *b1->txs()[1];
  ledger::tx move;
  move.chain = t.w.params().chain;
  move.inputs.push_back(ledger::spend_of(ledger::output_id(pegin.id(), 0, pegin.outputs[0])));
  move.outputs.push_back(ledger::pay(t.w.btm.id(), 100, t.new_fed));
  ledger::sign_input(move, 0, t.fed, *t.members[2].s);
  ledger::sign_input(move, 0, t.fed, *t.members[0].s);
  t.mine({std::make_shared<const ledger::tx>(move)});
  ASSERT_EQ(t.node.tip_hash(), t.chain.back()->hash());
  auto r = t.supply(3);
  EXPECT_TRUE(r.ok) << r.discrepancy;
  EXPECT_EQ(r.releases, 0u);
  EXPECT_EQ(r.assets[t.w.btm.id()].locked, 100u);
  // Under the old program alone the move looks like a theft: the schedule matters.
  EXPECT_FALSE(check_supply(scan_mainchain(t.chain, t.fed), t.scan_sidechain(), 3).ok);

  // A pegout after the rotation: the new federation's members release from the moved coin.
  t.mine();
  t.mine();
  ASSERT_TRUE(t.relay(two_chains::headers_of({t.chain.begin() + 3, t.chain.end()})).ok());
  ledger::tx burn;
  burn.chain = t.sc_params.chain;
  auto claimed = pegin_output_id(ledger::output_id(pegin.id(), 0, pegin.outputs[0]));
  burn.inputs.push_back(ledger::spend_of(claimed));
  burn.outputs.push_back(make_pegout_output(t.pegged(), 100, {t.w.bob.prog, 0}));
  ledger::sign_input(burn, 0, t.carol.prog, *t.carol.s);
  ASSERT_TRUE(t.commit({burn}).ok());
  auto req = pegouts_in_block({burn}, t.sc.height(), t.sc, t.fp).at(0);
  EXPECT_GE(req.anchor_height, 3u);
  std::vector<std::unique_ptr<member_core>> cores;
  for (const auto* p : {&t.members[0], &t.members[2], &t.newcomer})
    cores.push_back(
        std::make_unique<member_core>(member_config{t.fp, p->s.get(), &crypto::ed25519_scheme()}));
  std::vector<signature_share> shares;
  for (auto& c : cores) {
    std::vector<federation_coin> coins;
    for (const auto& [id, e] : t.node.state().entries())
      if (e.out.owner == t.new_fed || e.out.owner == t.fed)
        coins.push_back(federation_coin{id, e.out, e.height});
    c->on_mainchain(coins, t.node.height());
    c->on_pegout(req);
    for (auto& e : c->take_effects())
      if (auto* b = std::get_if<broadcast_share>(&e)) shares.push_back(b->share);
  }
  ASSERT_EQ(shares.size(), 2u); // the replaced member does not sign
  EXPECT_EQ(cores[1]->signed_release(req.id), nullptr);
  cores[0]->on_share(shares[1]);
  std::optional<ledger::tx> release;
  for (auto& e : cores[0]->take_effects())
    if (auto* sub = std::get_if<submit_release>(&e)) release = sub->release;
  ASSERT_TRUE(release.has_value());
  auto b = t.mine({std::make_shared<const ledger::tx>(*release)});
  EXPECT_EQ(t.node.tip_hash(), b->hash()); // a valid 2-of-3 release of the new federation
}

/// Drives member cores like a host: the mainchain view, the sidechain's progress, shares.
struct federation_cores {
  std::vector<std::unique_ptr<member_core>> cores;
  std::vector<std::optional<ledger::tx>> submitted; ///< by core
  std::vector<signature_share> shares;

  federation_cores(const federation_params& fp, const std::vector<const party*>& who) {
    for (const auto* p : who)
      cores.push_back(
          std::make_unique<member_core>(member_config{fp, p->s.get(), &crypto::ed25519_scheme()}));
    submitted.resize(cores.size());
  }
  void collect(std::size_t i) {
    for (auto& e : cores[i]->take_effects()) {
      if (auto* b = std::get_if<broadcast_share>(&e)) shares.push_back(b->share);
      if (auto* s = std::get_if<submit_release>(&e)) submitted[i] = s->release;
    }
  }
  void view(const rotation_world& t, std::uint64_t sc_height, std::uint64_t anchor) {
    auto coins = federation_coins(t.node, t.fed);
    for (auto& c : federation_coins(t.node, t.new_fed))
      coins.push_back(c);
    for (std::size_t i = 0; i < cores.size(); ++i) {
      cores[i]->on_mainchain(coins, t.node.height());
      cores[i]->on_sidechain(sc_height, anchor);
      collect(i);
    }
  }
  /// Every core learns the pegout of the sidechain's last block and sees both chains: the
  /// shares of this pegout alone end up in `shares`.
  void pegout(const rotation_world& t, const pegout_request& req) {
    shares.clear();
    for (std::size_t i = 0; i < cores.size(); ++i) {
      cores[i]->on_pegout(req);
      collect(i);
    }
    view(t, t.sc.height(), req.anchor_height);
  }
};

TEST(Rotation, TheOldMembersBuildSignAndSubmitOneMigrationAndTheNewFederationReleases) {
  rotation_world t;
  auto b1 = t.mine({t.pay(t.fed)}); // before the rotation (height 3)
  t.mine();
  t.mine();
  auto b4 = t.mine({t.pay(t.fed)}); // in the grace period (heights 3 and 4)
  t.mine();
  ASSERT_TRUE(t.relay(two_chains::headers_of(t.chain)).ok());
  ASSERT_TRUE(t.claim(t.claim_of(b1, 1), 0).ok());

  // Every member of both federations follows; the old federation's three sign the migration.
  federation_cores f(t.fp, {&t.members[0], &t.members[1], &t.members[2], &t.newcomer});
  auto anchor = t.lc().tip().hdr.height - 2;
  ASSERT_GE(anchor, 3u);
  f.view(t, t.sc.height(), anchor);
  // Height 5 < (3 + 2 - 1) + 2: the last grace block is not deep enough yet.
  EXPECT_TRUE(f.shares.empty());
  EXPECT_FALSE(f.cores[0]->build_migration(0).has_value());
  t.mine();
  ASSERT_TRUE(t.relay(two_chains::headers_of({t.chain.back()})).ok());
  ASSERT_TRUE(t.claim(t.claim_of(b4, 1), 1).ok());
  f.view(t, t.sc.height(), anchor);
  ASSERT_EQ(f.shares.size(), 3u); // the newcomer plans it too, but does not sign
  auto key = f.cores[0]->migration_key(0, 0);
  for (const auto& s : f.shares) {
    EXPECT_EQ(s.pegout, key);
    EXPECT_EQ(s.release, f.shares[0].release); // one transaction, built alike by everyone
  }
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_EQ(f.cores[i]->migrations_planned(), 1u);
  EXPECT_EQ(f.cores[3]->signed_release(key), nullptr);
  const auto& mig = *f.cores[0]->signed_release(key);
  ASSERT_EQ(mig.inputs.size(), 2u); // both pegins, in id order
  ASSERT_EQ(mig.outputs.size(), 1u);
  EXPECT_EQ(mig.outputs[0].owner, t.new_fed);
  EXPECT_EQ(mig.outputs[0].amount, 200u);
  EXPECT_TRUE(mig.outputs[0].data.empty()); // no sidechain owner: nobody can claim it
  EXPECT_LT(mig.inputs[0].spent_output, mig.inputs[1].spent_output);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(*f.cores[i]->signed_release(key), mig);
  // A Byzantine old member's share for another "migration" (to itself) is refused.
  {
    ledger::tx rogue = mig;
    rogue.outputs[0].owner = t.members[2].prog;
    auto k2 = static_cast<std::uint8_t>(
        std::find(t.fed.keys.begin(), t.fed.keys.end(), t.members[2].s->pub()) -
        t.fed.keys.begin());
    signature_share bad{key, rogue.id(), k2, {}};
    for (const auto& in : rogue.inputs)
      bad.signatures.push_back(
          t.members[2].s->sign(ledger::sighash(ledger::input_id(in), rogue.id())));
    f.cores[0]->on_share(bad);
    f.collect(0);
    EXPECT_EQ(f.cores[0]->stats().conflicts, 1u);
    EXPECT_FALSE(f.submitted[0].has_value());
  }
  // One signature is not enough; the second (m = 2) completes it.
  EXPECT_FALSE(f.submitted[0].has_value());
  f.cores[0]->on_share(f.shares[2]);
  f.collect(0);
  ASSERT_TRUE(f.submitted[0].has_value());
  EXPECT_EQ(f.submitted[0]->id(), mig.id());
  auto bm = t.mine({std::make_shared<const ledger::tx>(*f.submitted[0])});
  ASSERT_EQ(t.node.tip_hash(), bm->hash()); // a valid 2-of-3 spend of the old federation
  for (auto& c : f.cores)
    c->on_released(key);
  // A later view (the coins moved) makes nobody sign another migration.
  auto signed_before = f.cores[1]->stats().releases_signed;
  f.view(t, t.sc.height(), anchor + 1);
  EXPECT_EQ(f.cores[1]->stats().releases_signed, signed_before);
  EXPECT_EQ(*f.cores[1]->signed_release(key), mig);

  // The supply checker accepts the migration given the schedule.
  auto r = t.supply(1);
  EXPECT_TRUE(r.ok) << r.discrepancy;
  EXPECT_EQ(r.assets[t.w.btm.id()].locked, 200u);

  // Carol pegs out 150 after the rotation: the new federation releases from the migrated coin.
  t.mine();
  t.mine();
  ASSERT_TRUE(t.relay(two_chains::headers_of({t.chain.begin() + 6, t.chain.end()})).ok());
  ledger::tx burn;
  burn.chain = t.sc_params.chain;
  for (const auto& b : {b1, b4}) {
    const auto& pegin = *b->txs()[1];
    burn.inputs.push_back(
        ledger::spend_of(pegin_output_id(ledger::output_id(pegin.id(), 0, pegin.outputs[0]))));
  }
  burn.outputs.push_back(make_pegout_output(t.pegged(), 150, {t.w.bob.prog, 0}));
  burn.outputs.push_back(ledger::pay(t.pegged(), 50, t.carol.prog));
  ledger::sign_input(burn, 0, t.carol.prog, *t.carol.s);
  ledger::sign_input(burn, 1, t.carol.prog, *t.carol.s);
  ASSERT_TRUE(t.commit({burn}).ok());
  auto req = pegouts_in_block({burn}, t.sc.height(), t.sc, t.fp).at(0);
  f.pegout(t, req);
  ASSERT_EQ(f.shares.size(), 3u); // members 0, 1 and the newcomer; member 2 left
  EXPECT_EQ(f.cores[2]->signed_release(req.id), nullptr);
  const auto& rel = *f.cores[3]->signed_release(req.id);
  ASSERT_EQ(rel.inputs.size(), 1u);
  EXPECT_EQ(rel.inputs[0].spent_output, ledger::output_id(mig.id(), 0, mig.outputs[0]));
  f.cores[3]->on_share(f.shares[0]);
  f.collect(3);
  ASSERT_TRUE(f.submitted[3].has_value());
  auto br = t.mine({std::make_shared<const ledger::tx>(*f.submitted[3])});
  EXPECT_EQ(t.node.tip_hash(), br->hash());
  auto r2 = t.supply(1);
  EXPECT_TRUE(r2.ok) << r2.discrepancy;
  EXPECT_EQ(r2.releases, 1u);
}

// A migration fee paid from the fee reserve (federation_params::migration_fee): the new
// federation locks exactly what the old one did, the reserve pays the fee and keeps the rest
// (for the new federation), and the supply checker counts the reserve apart.
TEST(Rotation, AMigrationPaysItsFeeFromTheFeeReserveAndMovesThePeggedCoinsExactly) {
  rotation_world t;
  t.fp.migration_fee = 30;
  t.rules = std::make_unique<sidechain_rules>(t.fp, t.w.pow);
  auto b1 = t.mine({t.pay(t.fed), t.fund_reserve(t.fed, 50)});
  for (int i = 0; i < 5; ++i)
    t.mine();
  ASSERT_TRUE(t.relay(two_chains::headers_of(t.chain)).ok());
  ASSERT_TRUE(t.claim(t.claim_of(b1, 1), 0).ok());
  // The reserve is no pegin: its claim is refused (its data names no sidechain owner).
  EXPECT_FALSE(t.claim(t.claim_of(b1, 2), 1).ok());
  const auto& pegin = *b1->txs()[1];
  const auto& funding = *b1->txs()[2];
  auto pegin_coin = ledger::output_id(pegin.id(), 0, pegin.outputs[0]);
  auto reserve_coin = ledger::output_id(funding.id(), 0, funding.outputs[0]);

  // A reserve below the fee: the migration waits (nothing is signed).
  {
    auto fp = t.fp;
    fp.migration_fee = 51;
    federation_cores g(fp, {&t.members[0], &t.members[1], &t.members[2], &t.newcomer});
    g.view(t, t.sc.height(), t.lc().tip().hdr.height - 2);
    EXPECT_TRUE(g.shares.empty());
    EXPECT_FALSE(g.cores[0]->build_migration(0).has_value());
  }

  federation_cores f(t.fp, {&t.members[0], &t.members[1], &t.members[2], &t.newcomer});
  f.view(t, t.sc.height(), t.lc().tip().hdr.height - 2);
  ASSERT_EQ(f.shares.size(), 3u);
  auto key = f.cores[0]->migration_key(0, 0);
  const auto& mig = *f.cores[0]->signed_release(key);
  ASSERT_EQ(mig.inputs.size(), 2u);
  EXPECT_EQ(mig.inputs[0].spent_output, reserve_coin); // the fee first
  EXPECT_EQ(mig.inputs[1].spent_output, pegin_coin);
  ASSERT_EQ(mig.outputs.size(), 2u);
  EXPECT_EQ(mig.outputs[0].owner, t.new_fed);
  EXPECT_EQ(mig.outputs[0].amount, 100u); // exactly the pegged coins
  EXPECT_TRUE(mig.outputs[0].data.empty());
  EXPECT_EQ(mig.outputs[1].owner, t.new_fed);
  EXPECT_EQ(mig.outputs[1].amount, 20u); // the reserve less the fee
  EXPECT_TRUE(is_fee_reserve(mig.outputs[1]));
  f.cores[0]->on_share(f.shares[1]);
  f.collect(0);
  ASSERT_TRUE(f.submitted[0].has_value());
  auto bm = t.mine({std::make_shared<const ledger::tx>(*f.submitted[0])});
  ASSERT_EQ(t.node.tip_hash(), bm->hash()); // a valid spend paying a fee of 30

  auto r = t.supply(1);
  EXPECT_TRUE(r.ok) << r.discrepancy;
  EXPECT_EQ(r.assets[t.w.btm.id()].locked, 100u);
  EXPECT_EQ(r.assets[t.w.btm.id()].sidechain_units, 100u);
  EXPECT_EQ(r.reserve, 20u);
  EXPECT_EQ(r.reserve_fees, 30u);

  // A later release by the new federation never spends the reserve.
  t.mine();
  t.mine();
  ASSERT_TRUE(t.relay(two_chains::headers_of({t.chain.begin() + 6, t.chain.end()})).ok());
  ledger::tx burn;
  burn.chain = t.sc_params.chain;
  burn.inputs.push_back(ledger::spend_of(pegin_output_id(pegin_coin)));
  burn.outputs.push_back(make_pegout_output(t.pegged(), 100, {t.w.bob.prog, 0}));
  ledger::sign_input(burn, 0, t.carol.prog, *t.carol.s);
  ASSERT_TRUE(t.commit({burn}).ok());
  auto req = pegouts_in_block({burn}, t.sc.height(), t.sc, t.fp).at(0);
  f.pegout(t, req);
  const auto* rel = f.cores[3]->signed_release(req.id);
  ASSERT_NE(rel, nullptr);
  ASSERT_EQ(rel->inputs.size(), 1u);
  EXPECT_EQ(rel->inputs[0].spent_output, ledger::output_id(mig.id(), 0, mig.outputs[0]));
}

// The shortfall the reserve exists to avoid: old members that take the migration's fee out of
// the pegged coins leave the new federation locking less than the sidechain holds; the checker
// reports the transaction.
TEST(Rotation, TheSupplyCheckerCatchesAMigrationFeePaidFromThePeggedCoins) {
  rotation_world t;
  t.fp.migration_fee = 30;
  auto b1 = t.mine({t.pay(t.fed), t.fund_reserve(t.fed, 50)});
  t.mine();
  t.mine();
  ASSERT_TRUE(t.relay(two_chains::headers_of(t.chain)).ok());
  ASSERT_TRUE(t.claim(t.claim_of(b1, 1)).ok());
  const auto& pegin = *b1->txs()[1];
  ledger::tx move;
  move.chain = t.w.params().chain;
  move.inputs.push_back(ledger::spend_of(ledger::output_id(pegin.id(), 0, pegin.outputs[0])));
  move.outputs.push_back(ledger::pay(t.w.btm.id(), 70, t.new_fed)); // 30 to the miner
  ledger::sign_input(move, 0, t.fed, *t.members[1].s);
  ledger::sign_input(move, 0, t.fed, *t.members[0].s);
  auto bm = t.mine({std::make_shared<const ledger::tx>(move)});
  ASSERT_EQ(t.node.tip_hash(), bm->hash());
  auto r = t.supply(1);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.discrepancy.find("releases federation funds without a burn"), std::string::npos)
      << r.discrepancy;
  EXPECT_NE(std::find(r.txs.begin(), r.txs.end(), move.id()), r.txs.end()) << r.discrepancy;
  EXPECT_EQ(r.reserve, 50u); // the reserve was not touched
}

TEST(Rotation, TheSupplyCheckerCatchesAMigrationToAProgramOutsideTheSchedule) {
  rotation_world t;
  auto b1 = t.mine({t.pay(t.fed)});
  t.mine();
  t.mine();
  ASSERT_TRUE(t.relay(two_chains::headers_of(t.chain)).ok());
  ASSERT_TRUE(t.claim(t.claim_of(b1, 1)).ok());
  // Two old members "migrate" to a federation nobody elected (their own keys and Dave's).
  auto rogue =
      federation_program({t.members[0].s->pub(), t.members[2].s->pub(), t.dave.s->pub()}, 2)
          .value();
  const auto& pegin = *b1->txs()[1];
  ledger::tx move;
  move.chain = t.w.params().chain;
  move.inputs.push_back(ledger::spend_of(ledger::output_id(pegin.id(), 0, pegin.outputs[0])));
  move.outputs.push_back(ledger::pay(t.w.btm.id(), 100, rogue));
  ledger::sign_input(move, 0, t.fed, *t.members[2].s);
  ledger::sign_input(move, 0, t.fed, *t.members[0].s);
  auto bm = t.mine({std::make_shared<const ledger::tx>(move)});
  ASSERT_EQ(t.node.tip_hash(), bm->hash());
  auto r = t.supply(1);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(std::find(r.txs.begin(), r.txs.end(), move.id()), r.txs.end()) << r.discrepancy;
}

} // namespace
