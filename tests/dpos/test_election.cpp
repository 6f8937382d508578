// The DPoS election as pure functions: ranking and ties, fewer candidates than seats, candidates
// without votes, epochs, and the two super-node policies.
#include "runtime/ledger/election.hpp"

#include <gtest/gtest.h>

namespace {

using namespace bystack;
using namespace bystack::ledger::dpos;
using bystack::crypto::hash256;

candidate cand(std::uint8_t tag, std::uint64_t votes, std::uint64_t at = 1,
               std::string region = "r0") {
  candidate c;
  c.id.data[0] = tag;
  c.reg.node_key.fill(tag);
  c.reg.address = "n" + std::to_string(tag);
  c.reg.region = std::move(region);
  c.registered_at = at;
  c.votes = votes;
  return c;
}

std::vector<std::uint8_t> tags(const elected_set& s) {
  std::vector<std::uint8_t> out;
  for (const auto& m : s.members)
    out.push_back(m.candidate.data[0]);
  return out;
}

election_params seats(std::uint32_t n, std::uint32_t min = 2) {
  election_params p;
  p.consensus_size = n;
  p.min_size = min;
  return p;
}

TEST(dpos_election, epochs_and_the_epoch_each_boundary_elects) {
  EXPECT_EQ(epoch_of(0, 10), 0u);
  EXPECT_EQ(epoch_of(1, 10), 0u);
  EXPECT_EQ(epoch_of(10, 10), 0u);
  EXPECT_EQ(epoch_of(11, 10), 1u);
  EXPECT_FALSE(elects_epoch(9, 10));
  EXPECT_FALSE(elects_epoch(0, 10));
  ASSERT_TRUE(elects_epoch(10, 10));
  EXPECT_EQ(*elects_epoch(10, 10), 2u); // end of epoch 0 elects epoch 2
  EXPECT_EQ(*elects_epoch(30, 10), 4u);
}

TEST(dpos_election, top_by_votes_with_deterministic_ties) {
  // 3 and 4 tie on votes; 4 registered earlier. 5 and 6 tie on votes and height: lower id.
  std::vector<candidate> cs = {cand(1, 10),    cand(2, 50),    cand(3, 30, 7),
                               cand(4, 30, 5), cand(6, 20, 3), cand(5, 20, 3)};
  auto s = elect(cs, seats(4), {}, 2);
  EXPECT_EQ(tags(s), (std::vector<std::uint8_t>{2, 4, 3, 5}));
  EXPECT_FALSE(s.carried_over);
  EXPECT_EQ(s.epoch, 2u);
  // The input order does not matter.
  std::reverse(cs.begin(), cs.end());
  EXPECT_EQ(tags(elect(cs, seats(4), {}, 2)), (std::vector<std::uint8_t>{2, 4, 3, 5}));
}

TEST(dpos_election, candidate_without_votes_is_not_elected) {
  std::vector<candidate> cs = {cand(1, 0), cand(2, 5), cand(3, 7), cand(4, 0)};
  auto s = elect(cs, seats(4), {}, 3);
  EXPECT_EQ(tags(s), (std::vector<std::uint8_t>{3, 2}));
  auto p = seats(4);
  p.min_votes = 6;
  auto prev = elect({cand(9, 1), cand(8, 1)}, seats(4), {}, 2);
  auto t = elect(cs, p, prev, 3); // only one eligible: below min_size, previous set stays
  EXPECT_TRUE(t.carried_over);
  EXPECT_EQ(tags(t), tags(prev));
  EXPECT_EQ(t.epoch, 3u);
}

TEST(dpos_election, fewer_candidates_than_seats) {
  auto s = elect({cand(1, 3), cand(2, 4), cand(3, 5)}, seats(21, 3), {}, 2);
  EXPECT_EQ(tags(s), (std::vector<std::uint8_t>{3, 2, 1}));
  EXPECT_FALSE(s.carried_over);
  auto prev = s;
  auto t = elect({cand(1, 3), cand(2, 4)}, seats(21, 3), prev, 3);
  EXPECT_TRUE(t.carried_over);
  EXPECT_EQ(tags(t), tags(prev));
  EXPECT_EQ(members_changed(prev, t), 0u);
  EXPECT_EQ(
      members_changed(prev, elect({cand(1, 3), cand(2, 4), cand(7, 9)}, seats(21, 3), prev, 4)),
      1u);
}

TEST(dpos_election, a_node_key_registered_twice_takes_one_seat) {
  auto a = cand(1, 10);
  auto b = cand(2, 20);
  b.reg.node_key = a.reg.node_key;
  auto s = elect({a, b, cand(3, 5)}, seats(3), {}, 2);
  EXPECT_EQ(tags(s), (std::vector<std::uint8_t>{2, 3}));
}

std::vector<member> members_in(const std::vector<std::string>& regions) {
  std::vector<member> ms;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    member m;
    m.key.fill(static_cast<std::uint8_t>(i + 1));
    m.region = regions[i];
    m.votes = 1000 - i;
    ms.push_back(m);
  }
  return ms;
}

double region_delay(const member& a, const member& b) {
  return a.region == b.region ? 500 : 80'000;
}

TEST(dpos_election, stake_only_policy_takes_the_top_ranks_and_even_groups) {
  auto ms = members_in(std::vector<std::string>(10, "r"));
  auto g = stake_only(3)(ms);
  ASSERT_TRUE(valid_grouping(g, ms.size()));
  EXPECT_EQ(g.supers, (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_EQ(g.groups[0].size(), 4u);
  EXPECT_EQ(g.groups[1].size(), 3u);
  EXPECT_EQ(g.groups[2].size(), 3u);
  // More super nodes than members: every member leads its own group.
  auto small = stake_only(5)(members_in({"a", "b"}));
  EXPECT_TRUE(valid_grouping(small, 2));
  EXPECT_EQ(small.supers.size(), 2u);
}

TEST(dpos_election, stake_and_delay_policy_picks_nearby_supers_and_uneven_groups) {
  // The three best-ranked sit in region a; stake alone would put every super node there.
  auto ms = members_in({"a", "a", "a", "b", "b", "c", "a", "b", "a", "a", "c", "b"});
  auto g = stake_and_delay(3, region_delay)(ms);
  ASSERT_TRUE(valid_grouping(g, ms.size()));
  std::set<std::string> regions;
  for (auto s : g.supers)
    regions.insert(ms[s].region);
  EXPECT_EQ(regions, (std::set<std::string>{"a", "b", "c"}));
  // Everyone joins the super node of its own region: groups of 6, 4 and 2.
  for (std::size_t k = 0; k < g.groups.size(); ++k)
    for (auto i : g.groups[k])
      EXPECT_EQ(ms[i].region, ms[g.supers[k]].region) << "member " << i;
  std::vector<std::size_t> sizes;
  for (const auto& grp : g.groups)
    sizes.push_back(grp.size());
  std::sort(sizes.begin(), sizes.end());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{2, 4, 6}));
  // A size bound of 4 moves the overflow of region a to the next nearest super node.
  auto bounded = stake_and_delay(3, region_delay, 4)(ms);
  ASSERT_TRUE(valid_grouping(bounded, ms.size()));
  for (const auto& grp : bounded.groups)
    EXPECT_LE(grp.size(), 4u);
  EXPECT_EQ(stake_only(3)(ms).supers, (std::vector<std::uint32_t>{0, 1, 2}));
}

TEST(dpos_election, valid_grouping_catches_bad_groupings) {
  grouping g{{0, 2}, {{0, 1}, {2}}};
  EXPECT_TRUE(valid_grouping(g, 3));
  EXPECT_FALSE(valid_grouping(g, 4));                                  // member 3 in no group
  EXPECT_FALSE(valid_grouping(grouping{{0, 2}, {{0, 1}, {2, 1}}}, 3)); // member 1 twice
  EXPECT_FALSE(valid_grouping(grouping{{1, 2}, {{0, 1}, {2}}}, 3));    // super not first
}

} // namespace
