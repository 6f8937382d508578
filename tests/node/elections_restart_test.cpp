// A restarted DPoS node rebuilds its elections from the election records its store keeps per
// electing height, the vote tally of its UTXO set and the proposers since the last election
// (runtime/node/elections_restart.hpp) instead of replaying every height's changes. The tests
// drive one generated chain (registrations, votes moved and withdrawn, super nodes that do not
// propose and are demoted, outsiders elected so that the previous set is kept) and check that a
// provider rebuilt at any height is the one that saw every commit, also as the chain goes on; that
// records which do not fit, garbage and a tampered replay are refused naming the height; and that
// a store written without records still restarts by replaying, and then keeps the records.
#include "actors/common/epochs.hpp"
#include "runtime/ledger/dpos.hpp"
#include "runtime/node/chain_store.hpp"
#include "runtime/node/elections_restart.hpp"
#include "runtime/store/kv_store.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <random>

namespace {

using namespace bystack;
using namespace bystack::ledger;
using bbft::election_provider;

constexpr std::uint32_t universe_size = 10;
constexpr std::uint64_t epoch_blocks = 4;
constexpr std::uint64_t chain_length = 64;

crypto::public_key key_of(std::uint32_t i, std::uint8_t tag) {
  crypto::public_key k{};
  k.fill(static_cast<std::uint8_t>(i + 1));
  k[0] = tag;
  return k;
}

std::shared_ptr<const crypto::validator_set> make_universe() {
  std::vector<crypto::public_key> keys;
  for (std::uint32_t i = 0; i < universe_size; ++i)
    keys.push_back(key_of(i, 0xa1));
  return std::make_shared<const crypto::validator_set>(
      crypto::validator_set::make(std::move(keys)).value());
}

std::unique_ptr<election_provider>
make_provider(const std::shared_ptr<const crypto::validator_set>& universe) {
  dpos::election_params p;
  p.epoch_blocks = epoch_blocks;
  p.consensus_size = 4;
  p.min_size = 2;
  dpos::elected_set genesis;
  for (std::uint32_t i = 0; i < 4; ++i)
    genesis.members.push_back(dpos::member{{}, universe->key(i), "n", "r", 0});
  return std::make_unique<election_provider>(p, dpos::stake_only(2), universe, genesis);
}

hash256 id_of(std::uint64_t n) {
  hash256 h;
  for (int i = 0; i < 8; ++i)
    h.data[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * i));
  h.data[31] = 0x5e;
  return h;
}

/// A chain of DPoS changes: each height's delta and proposer, the state after it, and the
/// records a provider fed with it wrote.
struct dpos_chain {
  std::shared_ptr<const crypto::validator_set> universe = make_universe();
  std::vector<block_delta> deltas;      ///< [h - 1]
  std::vector<std::uint32_t> proposers; ///< [h - 1]
  std::vector<utxo_set> states;         ///< [h]: the state after height h (0: empty)
  std::vector<dpos::election_record> records;

  dpos_chain() {
    std::mt19937_64 rng(20261201);
    std::vector<hash256> candidates;                   // registration ids
    std::vector<std::pair<hash256, utxo_entry>> votes; // live vote outputs
    std::vector<std::pair<hash256, utxo_entry>> big;   // the outsiders' votes
    std::uint64_t next_id = 1;
    utxo_set st;
    states.push_back(st);
    auto p = make_provider(universe);
    auto reg = [&](block_delta& d, const crypto::public_key& key, std::uint64_t h) {
      auto id = id_of(next_id++);
      d.created.emplace_back(
          id, utxo_entry{dpos::make_registration({}, 1, dpos::registration{key, "a", "r"}), h});
      candidates.push_back(id);
      return id;
    };
    auto vote = [&](block_delta& d, const hash256& c, std::uint64_t amount, std::uint64_t h) {
      auto id = id_of(next_id++);
      utxo_entry e{dpos::make_vote({}, amount, c, {}), h};
      d.created.emplace_back(id, e);
      return std::make_pair(id, e);
    };
    for (std::uint64_t h = 1; h <= chain_length; ++h) {
      block_delta d;
      d.height = h;
      if (h <= 6) reg(d, key_of(static_cast<std::uint32_t>(h + 3), 0xa1), h); // nodes 4..9
      if (h == 17) // four outsiders (no running node) take every seat: the previous set stays
        for (std::uint32_t k = 0; k < 4; ++k)
          big.push_back(vote(d, reg(d, key_of(k, 0xee), h), 100000, h));
      if (h == 31) // their votes are withdrawn
        for (auto& v : big)
          d.spent.push_back(v);
      if (h == 2) // nodes 0..3 register too, so that they can be elected again
        for (std::uint32_t k = 0; k < 4; ++k)
          reg(d, key_of(k, 0xa1), h);
      if (!candidates.empty())
        for (int n = static_cast<int>(rng() % 3); n > 0; --n) {
          auto c = candidates[rng() % candidates.size()];
          votes.push_back(vote(d, c, 1 + rng() % 500, h));
        }
      if (votes.size() > 4 && rng() % 3 == 0) {
        auto i = rng() % votes.size();
        d.spent.push_back(votes[i]);
        votes.erase(votes.begin() + static_cast<std::ptrdiff_t>(i));
      }
      st.apply(d);
      st.set_height(h);
      states.push_back(st);
      // The proposer led its view: a super node of the set in force at h (any node before the
      // first election), drawn at random so that some super nodes propose nothing in an epoch.
      auto set = p->set_of(p->epoch_of(h));
      std::uint32_t proposer = static_cast<std::uint32_t>(rng() % universe_size);
      if (set) {
        const auto& supers = set->topo()->supers();
        proposer = supers[rng() % supers.size()];
      }
      deltas.push_back(std::move(d));
      proposers.push_back(proposer);
      feed(*p, h);
      if (auto r = p->record_at(h)) records.push_back(*r);
    }
  }

  /// Feeds one height as the node's commit path does: on_commit, then the proposer.
  void feed(election_provider& p, std::uint64_t h) const {
    p.on_commit(deltas[h - 1], h);
    p.note_proposer(h, proposers[h - 1]);
  }
  std::vector<dpos::election_record> records_upto(std::uint64_t h) const {
    std::vector<dpos::election_record> out;
    for (const auto& r : records)
      if (r.height <= h) out.push_back(r);
    return out;
  }
};

const dpos_chain& chain() {
  static const dpos_chain c;
  return c;
}

/// Compares everything a provider answers and keeps.
void expect_same(const election_provider& a, const election_provider& b, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(a.last_height(), b.last_height());
  EXPECT_EQ(a.demoted(), b.demoted());
  EXPECT_EQ(a.proposed(), b.proposed());
  EXPECT_EQ(a.tally().candidates(), b.tally().candidates());
  EXPECT_EQ(a.tally().total_votes(), b.tally().total_votes());
  for (std::uint64_t e = 0; e <= chain_length / epoch_blocks + 2; ++e) {
    ASSERT_EQ(a.elected(e) == nullptr, b.elected(e) == nullptr) << "epoch " << e;
    if (a.elected(e)) {
      EXPECT_EQ(*a.elected(e), *b.elected(e)) << "epoch " << e;
    }
    auto sa = a.set_of(e), sb = b.set_of(e);
    ASSERT_EQ(sa == nullptr, sb == nullptr) << "epoch " << e;
    if (!sa) continue;
    EXPECT_EQ(sa->members(), sb->members()) << "epoch " << e;
    EXPECT_EQ(sa->topo()->supers(), sb->topo()->supers()) << "epoch " << e;
    for (std::uint32_t g = 0; g < sa->topo()->supers().size(); ++g)
      EXPECT_EQ(sa->topo()->members(g), sb->topo()->members(g)) << "epoch " << e << " group " << g;
  }
}

std::unique_ptr<election_provider> restored_at(std::uint64_t h) {
  const auto& c = chain();
  auto q = make_provider(c.universe);
  auto records = c.records_upto(h);
  auto r = q->restore(records, dpos::vote_tally::from_state(c.states[h]), h);
  EXPECT_TRUE(r) << "height " << h << ": " << (r ? "" : r.err().message);
  for (auto x = election_provider::replay_from(records); x <= h; ++x)
    q->note_proposer(x, c.proposers[x - 1]);
  return q;
}

TEST(elections_restart, the_generated_chain_covers_demotions_kept_sets_and_changes) {
  const auto& c = chain();
  ASSERT_EQ(c.records.size(), chain_length / epoch_blocks);
  bool demoted = false, kept = false;
  std::set<std::vector<crypto::public_key>> sets;
  for (const auto& r : c.records) {
    demoted |= !r.demoted.empty();
    kept |= r.kept_previous;
    std::vector<crypto::public_key> keys;
    for (const auto& m : r.elected.members)
      keys.push_back(m.key);
    sets.insert(keys);
  }
  EXPECT_TRUE(demoted) << "no election demoted a super node";
  EXPECT_TRUE(kept) << "no election kept the previous set";
  EXPECT_GE(sets.size(), 3u) << "the elected sets hardly change";
}

TEST(elections_restart, a_record_round_trips_and_garbage_is_refused) {
  const auto& c = chain();
  for (const auto& r : c.records) {
    auto enc = dpos::encode(r);
    auto back = dpos::decode_election_record(enc);
    ASSERT_TRUE(back) << back.err().message;
    EXPECT_EQ(*back, r);
    for (std::size_t cut = 0; cut < enc.size(); ++cut) { // every truncation is refused
      auto t = dpos::decode_election_record(byte_view{enc.data(), cut});
      EXPECT_FALSE(t) << "cut at " << cut;
    }
    auto longer = enc;
    longer.push_back(0);
    auto t = dpos::decode_election_record(longer);
    ASSERT_FALSE(t);
    EXPECT_NE(t.err().message.find("trailing bytes"), std::string::npos) << t.err().message;
  }
  auto enc = dpos::encode(c.records.front());
  auto bad = enc;
  bad[0] = 9;
  auto v = dpos::decode_election_record(bad);
  ASSERT_FALSE(v);
  EXPECT_NE(v.err().message.find("unknown version 9"), std::string::npos) << v.err().message;
  bad = enc;
  bad[17] = 4; // the flags byte
  v = dpos::decode_election_record(bad);
  ASSERT_FALSE(v);
  EXPECT_NE(v.err().message.find("unknown flags 4"), std::string::npos) << v.err().message;
  dpos::election_record r = c.records.front();
  r.demoted = {5, 3};
  v = dpos::decode_election_record(dpos::encode(r));
  ASSERT_FALSE(v);
  EXPECT_NE(v.err().message.find("not ascending"), std::string::npos) << v.err().message;
  r.demoted = {};
  r.elected.members.front().address.assign(dpos::max_address_bytes + 1, 'x');
  v = dpos::decode_election_record(dpos::encode(r));
  ASSERT_FALSE(v);
  EXPECT_NE(v.err().message.find("election.member.address"), std::string::npos) << v.err().message;
}

TEST(elections_restart, a_provider_restored_at_any_height_is_the_one_that_saw_every_commit) {
  const auto& c = chain();
  auto p = make_provider(c.universe);
  std::vector<std::unique_ptr<election_provider>> restored;
  for (std::uint64_t h = 1; h <= chain_length; ++h) {
    c.feed(*p, h);
    restored.push_back(restored_at(h));
    expect_same(*p, *restored.back(), "restored at height " + std::to_string(h));
  }
  // And each goes on like the one that never stopped.
  for (std::uint64_t h = 1; h <= chain_length; ++h) {
    auto& q = *restored[h - 1];
    for (auto x = h + 1; x <= chain_length; ++x)
      c.feed(q, x);
    expect_same(*p, q, "restored at height " + std::to_string(h) + ", run to the end");
  }
}

TEST(elections_restart, records_that_do_not_fit_are_refused_naming_the_height) {
  const auto& c = chain();
  const std::uint64_t h = 40;
  auto records = c.records_upto(h);
  auto tally = dpos::vote_tally::from_state(c.states[h]);
  auto refused = [&](std::vector<dpos::election_record> rs, const std::string& want) {
    auto q = make_provider(c.universe);
    auto r = q->restore(rs, tally, h);
    ASSERT_FALSE(r) << want;
    EXPECT_NE(r.err().message.find(want), std::string::npos) << r.err().message;
  };
  auto rs = records;
  rs.erase(rs.begin() + 3);
  refused(rs, "9 election records for 10 electing heights up to height 40");
  rs = records;
  std::swap(rs[2], rs[3]);
  refused(rs, "the record of height 16: expected the record of height 12");
  rs = records;
  rs[4].elected.epoch += 1;
  refused(rs, "the record of height 20: it elects epoch 7");
  rs = records;
  rs[1].demoted.push_back(universe_size);
  refused(rs, "the record of height 8: demoted node 10 is not in the universe");
  rs = records;
  auto k = std::find_if(rs.begin(), rs.end(), [](const auto& r) { return r.kept_previous; });
  ASSERT_NE(k, rs.end());
  k->elected.members.pop_back();
  refused(rs, "it keeps the previous set but names other members");
  rs = records;
  k = std::find_if(rs.begin(), rs.end(), [](const auto& r) { return r.kept_previous; });
  k->kept_previous = false; // a set of outsiders alone, which no running node can seat
  k->elected.members = {dpos::member{{}, key_of(0, 0xee), "a", "r", 1}};
  refused(rs, "its set cannot be grouped");
  // Only a provider that has seen no commit can be restored.
  auto q = make_provider(c.universe);
  c.feed(*q, 1);
  auto r = q->restore(records, tally, h);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("has seen no commit"), std::string::npos) << r.err().message;
}

// -- through the store ------------------------------------------------------------------------

/// A store holding the chain's blocks (each naming its proposer) with their changes, and the
/// election records of the heights from `records_from` on (above the head: none, an older
/// store), or what `extra` adds to each height's changes.
struct dpos_store {
  using extra_fn = std::function<void(std::uint64_t h, node::ledger_changes&)>;
  store::kv_store* kv = nullptr;
  std::unique_ptr<node::chain_store> st;
  explicit dpos_store(std::uint64_t records_from)
      : dpos_store([records_from](std::uint64_t h, node::ledger_changes& ch) {
          if (h >= records_from)
            for (const auto& r : chain().records)
              if (r.height == h) ch.election = r;
        }) {}
  explicit dpos_store(const extra_fn& extra, std::uint64_t length = chain_length) {
    auto m = store::make_memory_store(node::chain_store::columns());
    kv = m.get();
    st = std::make_unique<node::chain_store>(std::move(m), false);
    const auto& c = chain();
    crypto::hash256 parent;
    for (std::uint64_t h = 1; h <= length; ++h) {
      ledger::transaction tx;
      tx.nonce = h;
      tx.signature.assign(64, 0);
      auto b = std::make_shared<const ledger::block>(
          make_block(h, h, parent, h - 1, 1000 * h, c.proposers[h - 1], {tx}));
      proto::block_certificate cert;
      cert.height = h;
      cert.view = h;
      cert.block_hash = b->hash();
      node::ledger_changes ch;
      ch.delta = c.deltas[h - 1];
      ch.utxo_hash = c.states[h].hash();
      ch.utxo_count = c.states[h].size();
      extra(h, ch);
      EXPECT_TRUE(st->append({b, cert}, &ch)) << h;
      parent = cert.block_hash;
    }
  }
  /// Drops the last created output from the undo data of the first height from 10 on that
  /// created one (a replay then ends at another state than the stored one).
  bool lose_a_created_output() {
    std::uint64_t h = 10;
    while (chain().deltas[h - 1].created.empty())
      ++h;
    auto d = chain().deltas[h - 1];
    d.created.pop_back();
    return static_cast<bool>(kv->put("undo", store::be64(h), ledger::encode(d)));
  }
  result<node::elections_restart> restart(election_provider& p) {
    // As a start does: the proposers of the last epoch only.
    auto chain_read = st->load_for_restart(4, crypto::hash256{}, {}, epoch_blocks);
    EXPECT_EQ(chain_read->proposers.size(), epoch_blocks);
    EXPECT_TRUE(chain_read) << chain_read.err().message;
    auto state = st->load_ledger();
    EXPECT_TRUE(state) << state.err().message;
    return node::restore_elections(*st, *chain_read, *state, p, "dir: ");
  }
};

TEST(elections_restart, a_store_keeps_the_records_and_a_restart_reads_them_without_a_replay) {
  const auto& c = chain();
  dpos_store s(1);
  auto records = s.st->election_records();
  ASSERT_TRUE(records) << records.err().message;
  EXPECT_EQ(*records, c.records);
  auto p = make_provider(c.universe);
  for (std::uint64_t h = 1; h <= chain_length; ++h)
    c.feed(*p, h);
  auto q = make_provider(c.universe);
  auto r = s.restart(*q);
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_TRUE(r->from_records);
  EXPECT_EQ(r->records, c.records.size());
  EXPECT_EQ(r->heights_replayed, 0u);
  expect_same(*p, *q, "from the store's records");
}

TEST(elections_restart, a_store_without_all_records_replays_every_height) {
  const auto& c = chain();
  auto p = make_provider(c.universe);
  for (std::uint64_t h = 1; h <= chain_length; ++h)
    c.feed(*p, h);
  // Written before records existed, and a store that began without them (records from 30 on).
  for (std::uint64_t from : {chain_length + 1, std::uint64_t{30}}) {
    dpos_store s(from);
    auto q = make_provider(c.universe);
    auto r = s.restart(*q);
    ASSERT_TRUE(r) << r.err().message;
    EXPECT_FALSE(r->from_records);
    EXPECT_EQ(r->heights_replayed, chain_length);
    EXPECT_NE(r->why_replayed.find("electing heights"), std::string::npos) << r->why_replayed;
    expect_same(*p, *q, "replayed, records from " + std::to_string(from));
    // The replay wrote the records it rebuilt: the next start reads them.
    auto records = s.st->election_records();
    ASSERT_TRUE(records) << records.err().message;
    EXPECT_EQ(*records, c.records);
    auto again = make_provider(c.universe);
    auto r2 = s.restart(*again);
    ASSERT_TRUE(r2) << r2.err().message;
    EXPECT_TRUE(r2->from_records);
    EXPECT_EQ(r2->heights_replayed, 0u);
    expect_same(*p, *again, "from backfilled records, records from " + std::to_string(from));
  }
}

TEST(elections_restart, the_hosts_records_are_kept_with_their_blocks_and_backfilled) {
  // Height h's block carries a host record at every fourth height; backfilling adds others.
  const auto& c = chain();
  std::vector<std::pair<std::uint64_t, bytes>> want;
  dpos_store s(
      [&](std::uint64_t h, node::ledger_changes& ch) {
        if (h % 4 != 0) return;
        ch.host_record = bytes{static_cast<std::uint8_t>(h), 7};
        want.emplace_back(h, *ch.host_record);
      },
      12);
  auto& st = *s.st;
  auto* kv = s.kv;
  auto got = st.host_records();
  ASSERT_TRUE(got) << got.err().message;
  EXPECT_EQ(*got, want);
  ASSERT_TRUE(st.backfill_records({c.records[0]}, {{2, bytes{2}}, {6, bytes{6}}}));
  want.insert(want.begin() + 1, {6, bytes{6}});
  want.insert(want.begin(), {2, bytes{2}});
  got = st.host_records();
  ASSERT_TRUE(got) << got.err().message;
  EXPECT_EQ(*got, want);
  auto er = st.election_records();
  ASSERT_TRUE(er) << er.err().message;
  EXPECT_EQ(*er, std::vector<dpos::election_record>{c.records[0]});
  // A record under a key that is no height is refused.
  ASSERT_TRUE(kv->put("host_records", bytes{1, 2, 3}, bytes{1}));
  got = st.host_records();
  ASSERT_FALSE(got);
  EXPECT_NE(got.err().message.find("a host record under a key of 3 bytes"), std::string::npos)
      << got.err().message;
}

TEST(elections_restart, a_bad_record_or_a_tampered_replay_is_refused_naming_the_height) {
  auto refused = [](dpos_store& s, const std::string& want) {
    auto q = make_provider(chain().universe);
    auto r = s.restart(*q);
    ASSERT_FALSE(r) << want;
    EXPECT_NE(r.err().message.find(want), std::string::npos) << r.err().message;
    EXPECT_EQ(r.err().message.rfind("dir: ", 0), 0u) << r.err().message;
  };
  {
    dpos_store s(1);
    ASSERT_TRUE(s.kv->put("elections", store::be64(24), bytes{1, 2, 3}));
    refused(s, "the election record of height 24: election record: election.height: truncated");
  }
  {
    dpos_store s(1);
    auto moved = dpos::encode(chain().records[5]); // height 24's record under 28
    ASSERT_TRUE(s.kv->put("elections", store::be64(28), moved));
    refused(s, "the election record under height 28 is for height 24");
  }
  {
    dpos_store s(1);
    auto extra = chain().records.back();
    extra.height = chain_length + epoch_blocks;
    ASSERT_TRUE(s.kv->put("elections", store::be64(extra.height), dpos::encode(extra)));
    refused(s, "17 election records for 16 electing heights up to the head 64");
  }
  {
    // An older store whose undo data of one height lost a vote: the replay ends at other votes
    // than the stored state's.
    dpos_store s(chain_length + 1);
    ASSERT_TRUE(s.lose_a_created_output());
    refused(s, "the stored changes do not replay to the stored votes");
  }
}

/// A record that decodes and fits (its height, its epoch, a set that can be grouped) but names
/// another set than the one elected: the blocks since the last record name their proposers, who
/// led their views and so are super nodes of the set in force at their heights. A set takes force
/// two epochs after its election, so with the head inside an epoch (62: the last record is 60's,
/// for epoch 16) heights 61 and 62 stand under the set of 56's record, which is forged here.
TEST(elections_restart, a_record_naming_another_set_than_the_chains_proposers_is_refused) {
  const auto& c = chain();
  const std::uint64_t head = 62, forged_at = 56;
  auto store_with = [&](const dpos::election_record& at) {
    return dpos_store(
        [&](std::uint64_t h, node::ledger_changes& ch) {
          for (const auto& r : c.records)
            if (r.height == h) ch.election = h == forged_at ? at : r;
        },
        head);
  };
  const auto genuine = c.records[forged_at / epoch_blocks - 1];
  ASSERT_EQ(genuine.height, forged_at);
  {
    auto s = store_with(genuine);
    auto q = make_provider(c.universe);
    auto r = s.restart(*q);
    ASSERT_TRUE(r) << r.err().message;
    EXPECT_TRUE(r->from_records);
    EXPECT_EQ(r->heights_replayed, 0u);
  }
  // Every other set the chain elected, in 56's record instead of its own.
  std::size_t refused = 0, other_sets = 0;
  for (const auto& x : c.records) {
    if (x.elected.members == genuine.elected.members) continue;
    ++other_sets;
    auto forged = genuine;
    forged.elected.members = x.elected.members; // the epoch and the rest stay the record's own
    forged.elected.carried_over = false;
    forged.kept_previous = false;
    forged.demoted.clear();
    auto s = store_with(forged);
    auto q = make_provider(c.universe);
    auto r = s.restart(*q);
    if (!r && r.err().message.find("not a super node") == std::string::npos) {
      ADD_FAILURE() << "refused for another reason: " << r.err().message;
      continue;
    }
    if (r) { // a set under which these proposers were super nodes as well
      for (std::uint64_t h = 60; h <= head; ++h)
        EXPECT_TRUE(q->set_of(q->epoch_of(h))->topo()->is_super(c.proposers[h - 1])) << h;
      continue;
    }
    EXPECT_EQ(r.err().message.rfind("dir: elections: height 6", 0), 0u) << r.err().message;
    EXPECT_NE(r.err().message.find("not a super node of the set the election records put in "
                                   "force for epoch 15"),
              std::string::npos)
        << r.err().message;
    ++refused;
  }
  EXPECT_GE(other_sets, 3u);
  EXPECT_GE(refused, 1u) << "no forged set was told from the chain's proposers";
}

// -- the host's derived state (the federation's elections) ------------------------------------

/// A host that derives a count of created outputs per epoch, keeps a record at every electing
/// height (the count so far) and restores from records when it has them all.
struct fake_host {
  std::uint64_t commits = 0, created = 0;
  std::optional<std::uint64_t> restored_from;
  node::node_config cfg() {
    node::node_config c;
    c.ext_on_commit = [this](const block_delta& d, std::uint64_t h,
                             const utxo_view& state) -> result<void> {
      ++commits;
      created += d.created.size();
      // The state after the block: it holds what the block created and did not spend.
      std::set<hash256> spent;
      for (const auto& x : d.spent)
        spent.insert(x.first);
      for (const auto& [id, e] : d.created)
        if (!spent.count(id) && !state.find(id))
          return make_error("the state before the block at " + std::to_string(h));
      return {};
    };
    c.ext_record_at = [this](std::uint64_t h) -> std::optional<bytes> {
      if (h % epoch_blocks != 0) return std::nullopt;
      return store::be64(created);
    };
    c.ext_restore = [this](const std::vector<std::pair<std::uint64_t, bytes>>& recs,
                           const utxo_set&, std::uint64_t head) -> result<bool> {
      if (recs.size() < head / epoch_blocks) return false;
      if (recs.back().second.size() != 8) return make_error("a record that is not 8 bytes");
      restored_from = store::read_be64(recs.back().second);
      return true;
    };
    return c;
  }
};

TEST(elections_restart, the_hosts_state_is_replayed_once_then_restored_from_its_records) {
  const auto& c = chain();
  dpos_store s(chain_length + 1); // no records of any kind
  auto state = s.st->load_ledger();
  ASSERT_TRUE(state) << state.err().message;
  fake_host a;
  auto cfg = a.cfg();
  auto r = node::restore_host(*s.st, chain_length, utxo_set{}, *state, cfg, "dir: ");
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(*r, chain_length);
  EXPECT_EQ(a.commits, chain_length);
  EXPECT_FALSE(a.restored_from);
  std::uint64_t created = 0;
  for (const auto& d : c.deltas)
    created += d.created.size();
  EXPECT_EQ(a.created, created);
  // The replay wrote the host's records: the next start restores from them.
  auto recs = s.st->host_records();
  ASSERT_TRUE(recs) << recs.err().message;
  EXPECT_EQ(recs->size(), chain_length / epoch_blocks);
  fake_host b;
  auto cfg_b = b.cfg();
  r = node::restore_host(*s.st, chain_length, utxo_set{}, *state, cfg_b, "dir: ");
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(*r, 0u);
  EXPECT_EQ(b.commits, 0u);
  EXPECT_EQ(b.restored_from, created);
  // A host that refuses its records stops the start, naming the data directory.
  ASSERT_TRUE(s.kv->put("host_records", store::be64(chain_length), bytes{1}));
  fake_host d;
  auto cfg_d = d.cfg();
  r = node::restore_host(*s.st, chain_length, utxo_set{}, *state, cfg_d, "dir: ");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().message, "dir: a record that is not 8 bytes");
}

TEST(elections_restart, a_host_replay_that_does_not_end_at_the_stored_state_is_refused) {
  dpos_store s(chain_length + 1);
  auto state = s.st->load_ledger();
  ASSERT_TRUE(state) << state.err().message;
  ASSERT_TRUE(s.lose_a_created_output());
  fake_host a;
  auto cfg = a.cfg();
  auto r = node::restore_host(*s.st, chain_length, utxo_set{}, *state, cfg, "dir: ");
  ASSERT_FALSE(r);
  EXPECT_NE(
      r.err().message.find("dir: the stored blocks' changes do not replay to the stored state"),
      std::string::npos)
      << r.err().message;
  // Nothing was written for the next start.
  auto recs = s.st->host_records();
  ASSERT_TRUE(recs);
  EXPECT_TRUE(recs->empty());
}

} // namespace
