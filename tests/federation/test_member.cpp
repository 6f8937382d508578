// Federation members: one deterministic release per final pegout, m signatures, exactly once.
#include "fed_fixture.hpp"

#include "runtime/federation/signed_record.hpp"
#include "tests/common/temp_dir.hpp"

#include <filesystem>
#include <fstream>

namespace {

using namespace bystack;
using namespace bystack::federation;
using namespace bystack::federation::testing;

struct member_world : pegout_world {
  std::vector<std::unique_ptr<member_core>> cores;
  pegout_request request;

  explicit member_world(std::uint64_t amount = 400) {
    for (const auto& m : members)
      cores.push_back(
          std::make_unique<member_core>(member_config{fp, m.s.get(), &crypto::ed25519_scheme()}));
    ledger::tx burn;
    burn.chain = sc_params.chain;
    burn.inputs.push_back(ledger::spend_of(claimed));
    burn.outputs.push_back(make_pegout_output(pegged(), amount, {w.bob.prog, 0}));
    if (amount < 600) burn.outputs.push_back(ledger::pay(pegged(), 600 - amount, carol.prog));
    ledger::sign_input(burn, 0, carol.prog, *carol.s);
    EXPECT_TRUE(commit({burn}).ok());
    auto reqs = pegouts_in_block({burn}, sc.height(), sc, fp);
    EXPECT_EQ(reqs.size(), 1u);
    request = reqs.at(0);
  }

  void show_mainchain(std::size_t i) {
    cores[i]->on_mainchain(federation_coins(node, fed), node.height());
  }

  std::vector<signature_share> shares_of(std::size_t i) {
    std::vector<signature_share> out;
    for (auto& e : cores[i]->take_effects())
      if (auto* b = std::get_if<broadcast_share>(&e)) out.push_back(b->share);
    return out;
  }
};

TEST(Member, MembersBuildTheSameReleaseAndTwoSignaturesReleaseIt) {
  member_world t;
  EXPECT_EQ(t.request.mainchain_asset, t.w.btm.id());
  EXPECT_EQ(t.request.amount, 400u);
  EXPECT_EQ(t.request.anchor_height, 1u); // light-client tip 3, 3 confirmations
  std::vector<signature_share> shares;
  for (std::size_t i = 0; i < 3; ++i) {
    t.show_mainchain(i);
    t.cores[i]->on_pegout(t.request);
    auto s = t.shares_of(i);
    ASSERT_EQ(s.size(), 1u);
    shares.push_back(s[0]);
  }
  const auto* r0 = t.cores[0]->signed_release(t.request.id);
  ASSERT_NE(r0, nullptr);
  for (std::size_t i = 1; i < 3; ++i)
    EXPECT_EQ(t.cores[i]->signed_release(t.request.id)->id(), r0->id());
  EXPECT_EQ(r0->outputs.size(), 2u); // 400 to Bob, 200 back to the federation
  EXPECT_EQ(r0->outputs[0].data, release_memo(t.request.id));

  t.cores[0]->on_share(shares[2]);
  auto fx = t.cores[0]->take_effects();
  ASSERT_EQ(fx.size(), 1u);
  auto* sub = std::get_if<submit_release>(&fx[0]);
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(sub->release.id(), r0->id());
  // The mainchain accepts it and pays Bob.
  auto admitted = t.node.on_tx(mainchain::self_peer,
                               std::make_shared<const ledger::tx>(sub->release), 1'000'000);
  EXPECT_EQ(admitted.status, ledger::admit_status::accepted) << admitted.err.message();
  auto b = t.mine({std::make_shared<const ledger::tx>(sub->release)});
  EXPECT_EQ(t.node.tip_hash(), b->hash());
  // A third share changes nothing: submitted once.
  t.cores[0]->on_share(shares[1]);
  EXPECT_TRUE(t.cores[0]->take_effects().empty());
  EXPECT_EQ(t.cores[0]->stats().releases_submitted, 1u);
}

TEST(Member, AMemberSignsOneReleasePerPegoutWhateverItsViewLater) {
  member_world t;
  t.show_mainchain(0);
  t.cores[0]->on_pegout(t.request);
  auto first = t.cores[0]->signed_release(t.request.id)->id();
  // A new pegin to the federation changes the coins; the pegout arrives again.
  t.mine({t.pegin_tx(700, t.carol.prog)});
  t.show_mainchain(0);
  t.cores[0]->on_pegout(t.request);
  EXPECT_EQ(t.cores[0]->stats().releases_signed, 1u);
  EXPECT_EQ(t.cores[0]->signed_release(t.request.id)->id(), first);
}

TEST(Member, WaitsForItsMainchainViewToReachTheAnchor) {
  member_world t;
  t.cores[0]->on_mainchain(federation_coins(t.node, t.fed), 0); // below anchor height 1
  t.cores[0]->on_pegout(t.request);
  EXPECT_EQ(t.cores[0]->signed_release(t.request.id), nullptr);
  t.show_mainchain(0);
  EXPECT_NE(t.cores[0]->signed_release(t.request.id), nullptr);
}

TEST(Member, FewerThanMOnlineWaitAndNothingIsLost) {
  member_world t;
  t.show_mainchain(0);
  t.cores[0]->on_pegout(t.request);
  t.shares_of(0);
  EXPECT_EQ(t.cores[0]->stats().releases_submitted, 0u);
  EXPECT_EQ(t.cores[0]->pending(), 1u);
  // The second member comes back later; its share completes the release.
  t.show_mainchain(1);
  t.cores[1]->on_pegout(t.request);
  auto s1 = t.shares_of(1);
  t.cores[0]->on_share(s1.at(0));
  EXPECT_EQ(t.cores[0]->stats().releases_submitted, 1u);
}

TEST(Member, AByzantineMinorityCannotReleaseWithoutABurn) {
  member_world t;
  // Member 2 signs a release paying itself, for no pegout and for the real one.
  ledger::tx theft;
  theft.chain = t.fp.mainchain;
  auto coins = federation_coins(t.node, t.fed);
  ASSERT_EQ(coins.size(), 1u);
  theft.inputs.push_back(ledger::spend_of(coins[0].id));
  theft.outputs.push_back(ledger::pay(t.w.btm.id(), 600, t.members[2].prog));
  signature_share bogus{hash256{}, theft.id(), 2, {}};
  bogus.signatures.push_back(
      t.members[2].s->sign(ledger::sighash(ledger::input_id(theft.inputs[0]), theft.id())));
  auto wrong_tx = bogus;
  wrong_tx.pegout = t.request.id;
  for (std::size_t i = 0; i < 2; ++i) {
    t.show_mainchain(i);
    t.cores[i]->on_share(bogus);
    t.cores[i]->on_share(wrong_tx);
    t.cores[i]->on_pegout(t.request);
  }
  for (std::size_t i = 0; i < 2; ++i) {
    for (auto& e : t.cores[i]->take_effects())
      EXPECT_FALSE(std::holds_alternative<submit_release>(e)) << "member " << i;
    EXPECT_EQ(t.cores[i]->stats().conflicts, 1u);
    EXPECT_EQ(t.cores[i]->stats().releases_submitted, 0u);
  }
  // A forged signature under member 1's index is refused too.
  auto own = *t.cores[0]->signed_release(t.request.id);
  signature_share forged{t.request.id, own.id(), 1, {bytes(64, 7)}};
  t.cores[0]->on_share(forged);
  EXPECT_EQ(t.cores[0]->stats().shares_refused, 2u);
  EXPECT_EQ(t.cores[0]->stats().releases_submitted, 0u);
  // And the 2-of-3 theft fails on the mainchain with one signature.
  theft.inputs[0].witness.push_back(ledger::key_signature{2, bogus.signatures[0]});
  auto r = t.node.on_tx(mainchain::self_peer, std::make_shared<const ledger::tx>(theft), 1'000'000);
  EXPECT_EQ(r.err.code, ledger::rule::threshold_not_met);
}

TEST(Member, ConsecutivePegoutsSpendTheChangeOfEarlierReleases) {
  member_world t(100);
  // A second burn of 100 from Carol's change.
  ledger::tx burn2;
  burn2.chain = t.sc_params.chain;
  hash256 change;
  for (const auto& [id, e] : t.sc.entries())
    if (e.out.owner == t.carol.prog && e.out.asset == t.pegged()) change = id;
  burn2.inputs.push_back(ledger::spend_of(change));
  burn2.outputs.push_back(make_pegout_output(t.pegged(), 500, {t.w.alice.prog, 0}));
  ledger::sign_input(burn2, 0, t.carol.prog, *t.carol.s);
  ASSERT_TRUE(t.commit({burn2}).ok());
  auto second = pegouts_in_block({burn2}, t.sc.height(), t.sc, t.fp).at(0);
  EXPECT_GT(second.sequence, t.request.sequence);
  std::vector<ledger::tx> releases;
  for (std::size_t i = 0; i < 2; ++i) {
    t.show_mainchain(i);
    t.cores[i]->on_pegout(second); // arrival order does not matter: sequence order does
    t.cores[i]->on_pegout(t.request);
  }
  auto s1 = t.shares_of(1);
  ASSERT_EQ(s1.size(), 2u);
  for (const auto& s : s1)
    t.cores[0]->on_share(s);
  for (auto& e : t.cores[0]->take_effects())
    if (auto* sub = std::get_if<submit_release>(&e)) releases.push_back(sub->release);
  ASSERT_EQ(releases.size(), 2u);
  // The second spends the first's change; both enter one mainchain block.
  EXPECT_EQ(releases[1].inputs[0].spent_output,
            ledger::output_id(releases[0].id(), 1, releases[0].outputs[1]));
  auto b = t.mine({std::make_shared<const ledger::tx>(releases[0]),
                   std::make_shared<const ledger::tx>(releases[1])});
  EXPECT_EQ(t.node.tip_hash(), b->hash());
}

TEST(SignedRecord, SurvivesAReopenAndRefusesAnotherReleaseForAPegout) {
  bystack::test::temp_dir dir;
  auto file = dir.path() / "member.signed";
  auto p1 = crypto::sha3_256(as_bytes(std::string_view{"pegout 1"}));
  auto r1 = crypto::sha3_256(as_bytes(std::string_view{"release 1"}));
  auto r2 = crypto::sha3_256(as_bytes(std::string_view{"release 2"}));
  {
    auto rec = signed_record::open(file); // no file yet: empty
    ASSERT_TRUE(rec) << rec.err().message;
    EXPECT_EQ(rec->size(), 0u);
    ASSERT_TRUE(rec->sign(p1, r1));
  }
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "member.signed.tmp"));
  auto rec = signed_record::open(file); // a restart reads it back
  ASSERT_TRUE(rec) << rec.err().message;
  ASSERT_EQ(rec->find(p1), r1);
  auto refused = rec->sign(p1, r2);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.err().message.find("refusing to sign release " + r2.hex()), std::string::npos)
      << refused.err().message;
  EXPECT_NE(refused.err().message.find(r1.hex() + " was signed for it"), std::string::npos);
  EXPECT_TRUE(rec->sign(p1, r1)); // the same release again is fine
  EXPECT_EQ(signed_record::open(file)->find(p1), r1);

  // A damaged record stops the member rather than letting it forget what it signed.
  {
    std::ofstream out(file, std::ios::app);
    out << p1.hex() << " nothex\n";
  }
  auto bad = signed_record::open(file);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.err().message.find(file.string() + ":3: expected 'PEGOUT RELEASE'"),
            std::string::npos)
      << bad.err().message;
  EXPECT_FALSE(signed_record::open(dir.path() / "missing-dir" / "member.signed"));
}

TEST(Member, ARestartedMemberRefusesToSignAnotherReleaseForAPegout) {
  bystack::test::temp_dir dir;
  auto file = dir.path() / "member0.signed";
  member_world t;
  auto guarded = [](member_core& core, signed_record& rec) {
    core.set_signing_guard(
        [&rec](const hash256& p, const hash256& r) { return rec.sign(p, r).ok(); });
  };
  auto fresh_core = [&t] {
    return std::make_unique<member_core>(
        member_config{t.fp, t.members[0].s.get(), &crypto::ed25519_scheme()});
  };
  hash256 first;
  {
    auto rec = signed_record::open(file);
    ASSERT_TRUE(rec);
    guarded(*t.cores[0], *rec);
    t.show_mainchain(0);
    t.cores[0]->on_pegout(t.request);
    ASSERT_EQ(t.shares_of(0).size(), 1u);
    first = t.cores[0]->signed_release(t.request.id)->id();
    EXPECT_EQ(rec->find(t.request.id), first);
  }
  // After the restart the member's mainchain view holds another federation coin that sorts
  // first (its node followed another branch), so the release it builds is another transaction.
  auto coins = federation_coins(t.node, t.fed);
  ASSERT_FALSE(coins.empty());
  auto other = coins[0];
  other.id = hash256{};
  other.id.data[31] = 1;
  std::vector<federation_coin> view{other, coins[0]};
  // Without its record it would sign that other release...
  auto forgetful = fresh_core();
  forgetful->on_mainchain(view, t.node.height());
  forgetful->on_pegout(t.request);
  ASSERT_NE(forgetful->signed_release(t.request.id), nullptr);
  ASSERT_NE(forgetful->signed_release(t.request.id)->id(), first);
  // ...with it, it refuses and sends no share.
  auto rec = signed_record::open(file);
  ASSERT_TRUE(rec);
  auto restarted = fresh_core();
  guarded(*restarted, *rec);
  restarted->on_mainchain(view, t.node.height());
  restarted->on_pegout(t.request);
  EXPECT_EQ(restarted->signed_release(t.request.id), nullptr);
  EXPECT_EQ(restarted->stats().refused_to_sign, 1u);
  EXPECT_TRUE(restarted->take_effects().empty());
  EXPECT_EQ(rec->find(t.request.id), first);
  // With the view it had before, it signs the same release again.
  auto again = fresh_core();
  guarded(*again, *rec);
  again->on_mainchain(coins, t.node.height());
  again->on_pegout(t.request);
  ASSERT_NE(again->signed_release(t.request.id), nullptr);
  EXPECT_EQ(again->signed_release(t.request.id)->id(), first);
  EXPECT_EQ(again->stats().refused_to_sign, 0u);
}

} // namespace

namespace {

using namespace bystack;
using namespace bystack::federation;
using namespace bystack::federation::testing;

/// A federation coin of `amount` BTM at `height`, with an id of its own (members check no
/// coin's origin: the view is their node's).
federation_coin coin_of(const pegout_world& w, std::uint8_t tag, std::uint64_t amount,
                        std::uint64_t height) {
  crypto::hash256 id;
  id.data[0] = 0xc0;
  id.data[1] = tag;
  return federation_coin{id, ledger::pay(w.w.btm.id(), amount, w.fed), height};
}

TEST(Member, AReleaseADeepReorganisationRemovedIsReplacedOnceItIsDeadForTheDepth) {
  member_world t; // 3 confirmations; the pegout asks 400 of the claimed 600
  auto coins = federation_coins(t.node, t.fed);
  ASSERT_EQ(coins.size(), 1u);
  auto h = t.node.height();
  for (std::size_t i = 0; i < 2; ++i) {
    t.cores[i]->on_mainchain(coins, h, {});
    t.cores[i]->on_pegout(t.request);
  }
  auto first = *t.cores[0]->signed_release(t.request.id);
  EXPECT_EQ(t.cores[1]->signed_release(t.request.id)->id(), first.id());
  ASSERT_EQ(first.inputs.at(0).spent_output, coins[0].id);
  // Mined: its change is a coin, the old coin is gone. Nothing is dead.
  auto change =
      federation_coin{ledger::output_id(first.id(), 1, first.outputs[1]), first.outputs[1], h + 1};
  for (std::size_t i = 0; i < 2; ++i)
    t.cores[i]->on_mainchain({change}, h + 1, {first.id()});
  // A deep reorganisation: the pegin coin and the release are gone; another pegin (700) is
  // on the new chain at height h + 1.
  auto other = coin_of(t, 1, 700, h + 1);
  for (std::size_t i = 0; i < 2; ++i)
    t.cores[i]->on_mainchain({other}, h + 2, {});
  EXPECT_EQ(t.cores[0]->signed_release(t.request.id)->id(), first.id()); // dead, not for good
  // The old coin comes back (the reorganisation was undone): still the first release.
  t.cores[0]->on_mainchain({coins[0], other}, h + 3, {});
  EXPECT_EQ(t.cores[0]->replaced(), 0u);
  // Dead again, and for release_confirmations blocks of the view: replaced, from the other
  // coin, identically by both members, signed once more.
  for (auto at = h + 4; at <= h + 6; ++at)
    for (std::size_t i = 0; i < 2; ++i)
      t.cores[i]->on_mainchain({other}, at, {});
  EXPECT_EQ(t.cores[0]->replaced(), 1u);
  const auto* r0 = t.cores[0]->signed_release(t.request.id);
  const auto* r1 = t.cores[1]->signed_release(t.request.id);
  ASSERT_NE(r0, nullptr);
  ASSERT_NE(r1, nullptr);
  EXPECT_NE(r0->id(), first.id());
  EXPECT_EQ(r0->id(), r1->id());
  ASSERT_EQ(r0->inputs.size(), 1u);
  EXPECT_EQ(r0->inputs[0].spent_output, other.id);
  EXPECT_EQ(r0->outputs.at(0).data, release_memo(t.request.id));
  EXPECT_EQ(r0->outputs.at(0).amount, 400u);
  EXPECT_EQ(r0->outputs.at(1).amount, 300u); // the change back to the federation
  EXPECT_EQ(t.cores[0]->stats().releases_signed, 2u);
  // Two shares of the replacement submit it; once mined, later views replace nothing.
  auto s0 = t.shares_of(0);
  auto s1 = t.shares_of(1);
  ASSERT_FALSE(s1.empty());
  t.cores[0]->on_share(s1.back());
  EXPECT_EQ(t.cores[0]->stats().releases_submitted, 1u); // the first was never submitted
  auto replacement = r0->id();
  for (auto at = h + 7; at <= h + 12; ++at)
    t.cores[0]->on_mainchain({}, at, {replacement});
  EXPECT_EQ(t.cores[0]->replaced(), 1u);
  EXPECT_EQ(t.cores[0]->signed_release(t.request.id)->id(), replacement);
  // Without the chain's transaction ids (the two-argument view) nothing is ever replaced.
  member_world u;
  u.cores[0]->on_mainchain(federation_coins(u.node, u.fed), u.node.height());
  u.cores[0]->on_pegout(u.request);
  auto kept = u.cores[0]->signed_release(u.request.id)->id();
  for (auto at = h + 1; at <= h + 6; ++at)
    u.cores[0]->on_mainchain({coin_of(u, 2, 700, h)}, at);
  EXPECT_EQ(u.cores[0]->replaced(), 0u);
  EXPECT_EQ(u.cores[0]->signed_release(u.request.id)->id(), kept);
}

} // namespace
