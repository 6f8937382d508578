// The federation's mainchain address: derived from the member list in any order.
#include "fed_fixture.hpp"

namespace {

using namespace bystack;
using namespace bystack::federation;
using namespace bystack::federation::testing;

std::vector<crypto::public_key> keys_of(std::initializer_list<std::uint8_t> tags) {
  std::vector<crypto::public_key> out;
  for (auto t : tags)
    out.push_back(make_party(t).s->pub());
  return out;
}

TEST(FederationAddress, EveryOrderGivesTheSameProgramAndAddress) {
  auto keys = keys_of({1, 2, 3, 4, 5});
  auto first = federation_program(keys, 3).value();
  std::sort(keys.begin(), keys.end());
  int permutations = 0;
  do {
    auto p = federation_program(keys, 3);
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, first);
    EXPECT_EQ(p->address(), first.address());
    ++permutations;
  } while (std::next_permutation(keys.begin(), keys.end()));
  EXPECT_EQ(permutations, 120);
  EXPECT_EQ(first.threshold, 3);
  EXPECT_TRUE(std::is_sorted(first.keys.begin(), first.keys.end()));
}

TEST(FederationAddress, DifferentMembersOrThresholdGiveDifferentAddresses) {
  auto a = federation_program(keys_of({1, 2, 3}), 2).value();
  auto b = federation_program(keys_of({1, 2, 4}), 2).value();
  auto c = federation_program(keys_of({1, 2, 3}), 3).value();
  EXPECT_NE(a.address(), b.address());
  EXPECT_NE(a.address(), c.address());
}

TEST(FederationAddress, RefusesBadMemberLists) {
  EXPECT_FALSE(federation_program({}, 1));
  EXPECT_FALSE(federation_program(keys_of({1, 2, 3}), 0));
  EXPECT_FALSE(federation_program(keys_of({1, 2, 3}), 4));
  auto dup = federation_program(keys_of({1, 2, 1}), 2);
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.err().message.find("twice"), std::string::npos);
  std::vector<crypto::public_key> many;
  for (std::uint8_t i = 0; i < 17; ++i)
    many.push_back(make_party(static_cast<std::uint8_t>(40 + i)).s->pub());
  EXPECT_FALSE(federation_program(many, 9));
}

TEST(FederationAddress, ThresholdForToleratesFFaultyMembers) {
  EXPECT_EQ(threshold_for(3, 1), 2);
  EXPECT_EQ(threshold_for(5, 2), 3);
  EXPECT_EQ(threshold_for(7, 2), 5);
  EXPECT_EQ(threshold_for(4, 2), 0); // 2f + 1 > n
  EXPECT_EQ(threshold_for(1, 0), 1);
}

} // namespace
