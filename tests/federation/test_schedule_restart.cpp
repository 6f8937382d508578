// A restarted sidechain node rebuilds its federation schedule from the records its store keeps
// per electing height (runtime/federation/schedule.hpp) and the vote tally of its UTXO set,
// instead of replaying every height: the rebuilt schedule is the one that saw every commit, at
// any height and as the chain goes on, and records that do not fit or do not decode are refused.
#include "fed_fixture.hpp"
#include "runtime/federation/schedule.hpp"

namespace {

using namespace bystack;
using namespace bystack::federation;
using namespace bystack::federation::testing;

constexpr std::uint64_t epoch_blocks = 4;
constexpr std::uint64_t length = 40;

/// Newcomers register and are voted in at several epochs (three rotations), and one withdraws
/// its vote: a sidechain state per height and the records a schedule fed with it wrote.
struct schedule_chain {
  two_chains t;
  federation_election_params p;
  std::vector<ledger::block_delta> deltas;
  std::vector<ledger::utxo_set> states; ///< [h]: after height h
  std::vector<schedule_record> records;

  federation_term genesis() const {
    std::vector<crypto::public_key> keys;
    for (const auto& m : t.members)
      keys.push_back(m.s->pub());
    return genesis_term(keys, p).value();
  }

  schedule_chain() {
    p.epoch_blocks = epoch_blocks;
    auto st = t.sc;
    states.push_back(st);
    std::vector<std::pair<hash256, ledger::utxo_entry>> votes;
    for (std::uint64_t h = 1; h <= length; ++h) {
      ledger::block_delta d;
      d.height = h;
      if (h == 2 || h == 9 || h == 17 || h == 25) { // a newcomer registers with a vote
        auto k = make_party(static_cast<std::uint8_t>(60 + h)).s->pub();
        auto rid = crypto::sha3_256(byte_view{k.data(), k.size()});
        d.created.emplace_back(
            rid, ledger::utxo_entry{
                     ledger::dpos::make_registration(t.scn.id(), 1, {k, "h:1", "eu"}), h});
        auto vid = crypto::sha3_256(byte_view{rid.data.data(), rid.data.size()});
        ledger::utxo_entry v{ledger::dpos::make_vote(t.scn.id(), 100 + h, rid, t.carol.prog), h};
        d.created.emplace_back(vid, v);
        votes.emplace_back(vid, v);
      }
      if (h == 30) d.spent.push_back(votes[1]); // a vote withdrawn
      st.apply(d);
      st.set_height(h);
      states.push_back(st);
      deltas.push_back(std::move(d));
    }
    federation_schedule s(genesis(), p);
    for (std::uint64_t h = 1; h <= length; ++h) {
      s.on_commit(deltas[h - 1], h, states[h], t.fp);
      if (auto r = s.record_at(h)) records.push_back(*r);
    }
  }

  std::vector<schedule_record> records_upto(std::uint64_t h) const {
    std::vector<schedule_record> out;
    for (const auto& r : records)
      if (r.height <= h) out.push_back(r);
    return out;
  }
};

const schedule_chain& chain() {
  static const schedule_chain c;
  return c;
}

TEST(ScheduleRestart, TheChainElectsSeveralTermsAndKeepsSomeEpochs) {
  const auto& c = chain();
  ASSERT_EQ(c.records.size(), length / epoch_blocks);
  std::size_t terms = 0;
  for (const auto& r : c.records)
    terms += r.term ? 1 : 0;
  EXPECT_GE(terms, 2u) << "too few elected terms to rebuild";
  EXPECT_LT(terms, c.records.size()) << "every epoch elected: no record without a term";
}

TEST(ScheduleRestart, ARecordRoundTripsAndGarbageIsRefused) {
  for (const auto& r : chain().records) {
    auto enc = encode(r);
    auto back = decode_schedule_record(enc);
    ASSERT_TRUE(back) << back.err().message;
    EXPECT_EQ(*back, r);
    for (std::size_t cut = 0; cut < enc.size(); ++cut)
      EXPECT_FALSE(decode_schedule_record(byte_view{enc.data(), cut})) << "cut at " << cut;
    enc.push_back(0);
    auto t = decode_schedule_record(enc);
    ASSERT_FALSE(t);
    EXPECT_NE(t.err().message.find("trailing bytes"), std::string::npos) << t.err().message;
  }
  auto enc = encode(chain().records.front());
  enc[0] = 7;
  auto v = decode_schedule_record(enc);
  ASSERT_FALSE(v);
  EXPECT_NE(v.err().message.find("unknown version 7"), std::string::npos) << v.err().message;
  enc = encode(chain().records.front());
  enc[9] = 2; // has_term
  v = decode_schedule_record(enc);
  ASSERT_FALSE(v);
  EXPECT_NE(v.err().message.find("has_term is 2"), std::string::npos) << v.err().message;
}

TEST(ScheduleRestart, AScheduleRestoredAtAnyHeightIsTheOneThatSawEveryCommit) {
  const auto& c = chain();
  federation_schedule a(c.genesis(), c.p);
  for (std::uint64_t h = 1; h <= length; ++h) {
    a.on_commit(c.deltas[h - 1], h, c.states[h], c.t.fp);
    federation_schedule b(c.genesis(), c.p);
    auto r = b.restore(c.records_upto(h), ledger::dpos::vote_tally::from_state(c.states[h]), h);
    ASSERT_TRUE(r) << "height " << h << ": " << r.err().message;
    EXPECT_EQ(b.elector().terms(), a.elector().terms()) << "height " << h;
    EXPECT_EQ(b.tally().candidates(), a.tally().candidates()) << "height " << h;
    EXPECT_EQ(b.elector().rotations().size(), a.elector().rotations().size()) << "height " << h;
    // And it goes on like the one that never stopped.
    federation_schedule full(c.genesis(), c.p);
    for (std::uint64_t x = 1; x <= length; ++x)
      full.on_commit(c.deltas[x - 1], x, c.states[x], c.t.fp);
    for (auto x = h + 1; x <= length; ++x) {
      b.on_commit(c.deltas[x - 1], x, c.states[x], c.t.fp);
      if (auto rec = b.record_at(x)) {
        auto want = std::find_if(c.records.begin(), c.records.end(),
                                 [&](const auto& w) { return w.height == x; });
        ASSERT_NE(want, c.records.end());
        EXPECT_EQ(*rec, *want) << "restored at " << h << ", record of " << x;
      }
    }
    EXPECT_EQ(b.elector().terms(), full.elector().terms()) << "restored at " << h;
  }
}

TEST(ScheduleRestart, RecordsThatDoNotFitAreRefused) {
  const auto& c = chain();
  const std::uint64_t h = 32;
  auto tally = ledger::dpos::vote_tally::from_state(c.states[h]);
  auto refused = [&](std::vector<schedule_record> rs, const std::string& want) {
    federation_schedule s(c.genesis(), c.p);
    auto r = s.restore(rs, tally, h);
    ASSERT_FALSE(r) << want;
    EXPECT_NE(r.err().message.find(want), std::string::npos) << r.err().message;
  };
  auto all = c.records_upto(h);
  ASSERT_EQ(all.size(), 8u);
  auto rs = all;
  rs.pop_back();
  refused(rs, "7 schedule records for 8 electing heights up to height 32");
  rs = all;
  std::swap(rs[0], rs[1]);
  refused(rs, "the record of height 8: expected the record of height 4");
  auto with_term = std::find_if(all.begin(), all.end(), [](const auto& r) { return r.term; });
  ASSERT_NE(with_term, all.end());
  const auto i = static_cast<std::size_t>(with_term - all.begin());
  rs = all;
  rs[i].term->epoch += 1;
  refused(rs, "its term is for epoch");
  rs = all;
  rs[i].term->sidechain_from += 1;
  refused(rs, "is in force from sidechain height");
  // Only a schedule that has seen no commit is restored.
  federation_schedule s(c.genesis(), c.p);
  s.on_commit(c.deltas[0], 1, c.states[1], c.t.fp);
  auto r = s.restore(all, tally, h);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("has seen commits"), std::string::npos) << r.err().message;
}

} // namespace
