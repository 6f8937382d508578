// Member and collector elections on DPoS votes: ties, fewer candidates than seats, the
// one-third cap over several rotations, the same schedule on every node, and claims judged by
// the elected schedule from its sidechain height on.
#include "actors/federation/election.hpp"
#include "fed_fixture.hpp"

#include <algorithm>

namespace {

using namespace bystack;
using namespace bystack::federation;
using namespace bystack::federation::testing;
using ledger::dpos::candidate;

std::vector<crypto::public_key> keys(std::size_t n, std::uint8_t first = 70) {
  std::vector<crypto::public_key> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(make_party(static_cast<std::uint8_t>(first + i)).s->pub());
  return out;
}

candidate cand(const crypto::public_key& k, std::uint64_t votes, std::uint64_t at = 1) {
  candidate c;
  c.reg.node_key = k;
  c.votes = votes;
  c.registered_at = at;
  c.id = crypto::sha3_256(byte_view{k.data(), k.size()});
  return c;
}

federation_term term_of(std::vector<crypto::public_key> ms, std::uint32_t collectors = 1) {
  federation_election_params p;
  p.collectors = collectors;
  return genesis_term(std::move(ms), p).value();
}

bool same_set(std::vector<crypto::public_key> a, std::vector<crypto::public_key> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

TEST(Election, GenesisProducersActAsMembersAndCollector) {
  auto k = keys(4);
  auto g = term_of(k);
  EXPECT_EQ(g.members, k);
  EXPECT_EQ(g.program.threshold, 3u); // threshold_for(4, 1)
  EXPECT_EQ(g.program, federation_program(k, 3).value());
  ASSERT_EQ(g.collectors.size(), 1u);
  EXPECT_EQ(g.collectors[0], k[0]);
  EXPECT_EQ(term_of(keys(3)).program.threshold, 2u);
  EXPECT_EQ(term_of(keys(5)).program.threshold, 3u);
}

TEST(Election, TiesAreBrokenByRegistrationThenIdTheSameInAnyOrder) {
  auto k = keys(6);
  auto cur = term_of({k[0], k[1], k[2]});
  // k[2] has no votes; k[3] and k[4] tie on votes; k[5] ties too but registered later.
  auto c3 = cand(k[3], 50, 5), c4 = cand(k[4], 50, 5), c5 = cand(k[5], 50, 6);
  std::vector<candidate> cs{cand(k[0], 100), cand(k[1], 100), c3, c4, c5};
  federation_election_params p;
  p.seats = 3;
  auto t = elect_federation(cs, cur, p);
  auto winner = c3.id < c4.id ? k[3] : k[4]; // same votes, same height: the lower id
  EXPECT_TRUE(same_set(t.members, {k[0], k[1], winner}));
  EXPECT_EQ(t.replaced, 1u);
  for (int i = 0; i < 5; ++i) {
    std::rotate(cs.begin(), cs.begin() + 1, cs.end());
    EXPECT_EQ(elect_federation(cs, cur, p), t);
  }
  // A later registration loses the tie even against a higher id.
  cs = {cand(k[0], 100), cand(k[1], 100), c5, cand(k[3], 50, 9)};
  EXPECT_TRUE(same_set(elect_federation(cs, cur, p).members, {k[0], k[1], k[5]}));
  // The collector is the best-ranked candidate (k[0] and k[1] tie: the lower id).
  auto best = cand(k[0], 100).id < cand(k[1], 100).id ? k[0] : k[1];
  EXPECT_EQ(t.collectors, std::vector<crypto::public_key>{best});
}

TEST(Election, FewerCandidatesThanSeatsKeepTheIncumbents) {
  auto k = keys(8);
  auto cur = term_of({k[0], k[1], k[2], k[3]});
  federation_election_params p;
  // Nobody has votes: nothing changes, collectors stay.
  auto none = elect_federation({cand(k[5], 0)}, cur, p);
  EXPECT_EQ(none.program, cur.program);
  EXPECT_EQ(none.collectors, cur.collectors);
  EXPECT_EQ(none.replaced, 0u);
  // One incumbent and one newcomer have votes: the empty seats keep incumbents, and the cap
  // (one of four) lets one worst-voted incumbent go.
  auto t = elect_federation({cand(k[0], 10), cand(k[6], 5)}, cur, p);
  EXPECT_EQ(t.members.size(), 4u);
  EXPECT_EQ(t.replaced, 1u);
  EXPECT_NE(std::find(t.members.begin(), t.members.end(), k[6]), t.members.end());
  EXPECT_NE(std::find(t.members.begin(), t.members.end(), k[0]), t.members.end());
  EXPECT_TRUE(check_rotation(cur.program, t.program));
  // More seats than members: a newcomer takes the empty seat without replacing anyone.
  p.seats = 5;
  auto grown = elect_federation({cand(k[7], 5)}, cur, p);
  EXPECT_EQ(grown.members.size(), 5u);
  EXPECT_EQ(grown.replaced, 0u);
  EXPECT_EQ(grown.program.threshold, 3u); // threshold_for(5, 2)
}

TEST(Election, AtMostAThirdOfTheMembersChangePerRotationOverSeveralRotations) {
  auto old = keys(6, 70);
  auto fresh = keys(6, 90);
  federation_election_params p;
  p.epoch_blocks = 10;
  p.activation_margin_blocks = 4;
  p.grace_blocks = 15; // above the 10 mainchain blocks between two elections here
  p.collectors = 2;
  federation_elector el(term_of(old, 2), p);
  ledger::dpos::vote_tally tally; // the newcomers hold every vote
  ledger::asset_id native{};
  ledger::block_delta d;
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    ledger::dpos::registration r{fresh[i], "10.0.0." + std::to_string(i) + ":1", "eu"};
    auto reg = ledger::dpos::make_registration(native, 1, r);
    auto rid = crypto::sha3_256(byte_view{fresh[i].data(), fresh[i].size()});
    d.created.emplace_back(rid, ledger::utxo_entry{reg, 1});
    auto vote = ledger::dpos::make_vote(native, 100 - i, rid, make_party(99).prog);
    d.created.emplace_back(crypto::sha3_256(byte_view{rid.data.data(), rid.data.size()}),
                           ledger::utxo_entry{vote, 1});
  }
  tally.apply(d);
  std::uint64_t lc_tip = 100;
  std::vector<federation_term> elected;
  for (std::uint64_t h = 1; h <= 60; ++h) {
    auto t = el.on_commit(h, tally, lc_tip);
    lc_tip += 1;
    if (!t) continue;
    EXPECT_EQ(h % p.epoch_blocks, 0u) << "an election only at an epoch's last block";
    EXPECT_EQ(t->epoch, h / p.epoch_blocks + 1); // the epoch after next
    EXPECT_EQ(t->sidechain_from, t->epoch * p.epoch_blocks + 1);
    if (elected.empty()) {
      EXPECT_EQ(t->mainchain_from, lc_tip - 1 + p.activation_margin_blocks);
    }
    elected.push_back(*t);
  }
  ASSERT_EQ(elected.size(), 3u); // two seats per rotation (6 / 3): three rotations
  auto prev = el.terms().front();
  for (const auto& t : elected) {
    EXPECT_EQ(t.replaced, 2u);
    EXPECT_TRUE(check_rotation(prev.program, t.program));
    if (&t != &elected.front()) { // the previous grace period is never cut short
      EXPECT_GE(t.mainchain_from, prev.mainchain_from + p.grace_blocks);
    }
    EXPECT_EQ(t.program.threshold, 4u); // threshold_for(6, 2)
    EXPECT_TRUE(same_set(t.collectors, {fresh[0], fresh[1]}));
    prev = t;
  }
  // The best-voted newcomers came first.
  EXPECT_NE(std::find(elected[0].members.begin(), elected[0].members.end(), fresh[0]),
            elected[0].members.end());
  EXPECT_TRUE(same_set(elected.back().members, fresh));
  EXPECT_EQ(el.rotations().size(), 3u);
  EXPECT_EQ(el.programs().size(), 4u);
  EXPECT_EQ(el.at_sidechain(elected[0].sidechain_from - 1).program, el.terms().front().program);
  EXPECT_EQ(el.at_sidechain(elected[0].sidechain_from).program, elected[0].program);
  // Every rotation is one the schedule accepts.
  federation_params fp;
  fp.federation = el.terms().front().program;
  for (const auto& r : el.rotations())
    EXPECT_TRUE(add_rotation(fp, r));
  auto r = add_rotation(fp, federation_rotation{el.terms().front().program, 1, 1});
  EXPECT_FALSE(r); // below the last rotation's height
}

TEST(Election, EveryNodeDerivesTheSameScheduleFromTheCommittedBlocks) {
  // Two nodes: one follows the blocks' deltas as they commit, the other rebuilds its tally
  // from the state (a restart) before each election.
  auto old = keys(3, 70);
  auto fresh = keys(2, 90);
  federation_election_params p;
  p.epoch_blocks = 4;
  ledger::genesis_spec spec;
  spec.network = "election-test";
  ledger::asset_definition native;
  native.name = "SCN";
  native.issuer = make_party(98).prog;
  spec.assets = {native};
  auto state = ledger::genesis_state(spec).value();
  federation_elector a(term_of(old), p), b(term_of(old), p);
  ledger::dpos::vote_tally ta;
  for (std::uint64_t h = 1; h <= 16; ++h) {
    ledger::block_delta d;
    d.height = h;
    if (h == 2 || h == 6) { // a registration and its vote
      const auto& k = fresh[h == 2 ? 0 : 1];
      auto rid = crypto::sha3_256(byte_view{k.data(), k.size()});
      d.created.emplace_back(
          rid,
          ledger::utxo_entry{ledger::dpos::make_registration(native.id(), 1, {k, "h:1", "eu"}), h});
      d.created.emplace_back(
          crypto::sha3_256(byte_view{rid.data.data(), rid.data.size()}),
          ledger::utxo_entry{ledger::dpos::make_vote(native.id(), 10 * h, rid, make_party(97).prog),
                             h});
    }
    state.apply(d);
    ta.apply(d);
    auto ra = a.on_commit(h, ta, 10 * h);
    auto rb = b.on_commit(h, ledger::dpos::vote_tally::from_state(state), 10 * h);
    EXPECT_EQ(ra, rb) << "height " << h;
  }
  EXPECT_EQ(a.terms(), b.terms());
  ASSERT_EQ(a.terms().size(), 3u); // one newcomer per rotation (3 / 3 = 1)
  EXPECT_EQ(a.terms()[1].replaced, 1u);
  EXPECT_TRUE(same_set(a.terms()[2].members, {fresh[0], fresh[1], a.terms()[2].members[0]}));
}

TEST(Election, ClaimsAreJudgedByTheElectedScheduleFromItsSidechainHeightOn) {
  peg_world t;
  auto newcomer = make_party(13);
  auto new_fed =
      federation_program({t.members[0].s->pub(), t.members[1].s->pub(), newcomer.s->pub()}, 2)
          .value();
  // Alice pays the new federation, Bob the old one (block 1); Alice's change pays the old one
  // again (block 2).
  ledger::tx a;
  a.chain = t.w.params().chain;
  a.inputs.push_back(ledger::spend_of(t.w.genesis_output(0)));
  auto o = ledger::pay(t.w.btm.id(), 100, new_fed);
  o.data = ledger::encode(t.carol.prog);
  a.outputs.push_back(o);
  a.outputs.push_back(ledger::pay(t.w.btm.id(), 900, t.w.alice.prog));
  ledger::sign_input(a, 0, t.w.alice.prog, *t.w.alice.s);
  auto b1 = t.mine({std::make_shared<const ledger::tx>(a), t.pegin_tx(200, t.dave.prog, true)});
  ledger::tx a2;
  a2.chain = t.w.params().chain;
  a2.inputs.push_back(ledger::spend_of(ledger::output_id(a.id(), 1, a.outputs[1])));
  auto o2 = ledger::pay(t.w.btm.id(), 300, t.fed);
  o2.data = ledger::encode(t.carol.prog);
  a2.outputs.push_back(o2);
  a2.outputs.push_back(ledger::pay(t.w.btm.id(), 600, t.w.alice.prog));
  ledger::sign_input(a2, 0, t.w.alice.prog, *t.w.alice.s);
  auto b2 = t.mine({std::make_shared<const ledger::tx>(a2)});
  t.mine();
  t.mine();
  ASSERT_TRUE(t.relay(two_chains::headers_of(t.chain)).ok()); // sidechain height 1
  // Elected at some earlier epoch's end: pegins from mainchain height 1 pay the new federation,
  // judged so in sidechain blocks from height 3 on (grace 0).
  ASSERT_TRUE(t.rules->add_rotation({new_fed, 1, 3}));
  auto early = t.claim(t.claim_of(b1, 1), 1); // height 2: not yet in force
  EXPECT_EQ(early.code, ledger::rule::bad_program) << early.message();
  ASSERT_TRUE(t.claim(t.claim_of(b1, 2), 1).ok()); // height 2: the old schedule
  EXPECT_EQ(t.sc.height(), 2u);
  ASSERT_TRUE(t.claim(t.claim_of(b1, 1), 1).ok()); // height 3: the elected schedule
  auto late = t.claim(t.claim_of(b2, 1), 2);       // the old address, after the rotation
  EXPECT_EQ(late.code, ledger::rule::bad_program) << late.message();
  EXPECT_EQ(t.sc.issued(t.pegged()), 300u);
  // A rotation replacing two of three members is refused.
  auto two =
      federation_program({t.members[0].s->pub(), t.carol.s->pub(), t.dave.s->pub()}, 2).value();
  EXPECT_FALSE(t.rules->add_rotation({two, 10, 10}));
}

} // namespace
