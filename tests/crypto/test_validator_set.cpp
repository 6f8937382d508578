#include "runtime/crypto/signature_scheme.hpp"

#include "tests/crypto/test_util.hpp"

#include <gtest/gtest.h>

namespace bystack::crypto {
namespace {

using test::contains;

std::vector<public_key> keys_of(std::size_t n) {
  std::vector<public_key> keys;
  for (std::uint32_t i = 0; i < n; ++i)
    keys.push_back(ed25519_scheme().make_signer(test::seed_of(i))->pub());
  return keys;
}

TEST(validator_set, quorum_and_max_faulty) {
  struct row {
    std::size_t n, quorum, faulty;
  };
  // quorum = floor(2N/3) + 1, f = floor((N-1)/3), worked out by hand.
  for (auto r :
       {row{1, 1, 0}, row{3, 3, 0}, row{4, 3, 1}, row{7, 5, 2}, row{10, 7, 3}, row{100, 67, 33}}) {
    validator_set set{keys_of(r.n)};
    EXPECT_EQ(set.size(), r.n);
    EXPECT_EQ(set.quorum(), r.quorum) << "N=" << r.n;
    EXPECT_EQ(set.max_faulty(), r.faulty) << "N=" << r.n;
    // Two quorums overlap in more than f members, so they share an honest one.
    EXPECT_GT(2 * set.quorum(), r.n + set.max_faulty()) << "N=" << r.n;
  }
  EXPECT_EQ(validator_set{}.max_faulty(), 0u);
}

TEST(validator_set, index_of_finds_every_key) {
  auto keys = keys_of(50);
  validator_set set{keys};
  for (std::uint32_t i = 0; i < keys.size(); ++i) {
    auto idx = set.index_of(keys[i]);
    ASSERT_TRUE(idx.has_value()) << i;
    EXPECT_EQ(*idx, i);
    EXPECT_EQ(set.key(i), keys[i]);
  }
  auto stranger = ed25519_scheme().make_signer(test::seed_of(1000))->pub();
  EXPECT_FALSE(set.index_of(stranger).has_value());
  EXPECT_FALSE(validator_set{}.index_of(stranger).has_value());
}

TEST(validator_set, make_rejects_a_repeated_key) {
  auto keys = keys_of(5);
  ASSERT_TRUE(validator_set::make(keys).ok());
  keys.push_back(keys[2]);
  auto set = validator_set::make(keys);
  ASSERT_FALSE(set.ok());
  EXPECT_TRUE(contains(set.err().message, "index 5 repeats the key at index 2"));
  // The unchecked constructor keeps the lowest index.
  EXPECT_EQ(validator_set{keys}.index_of(keys[2]), 2u);
}

TEST(signer_bitmap, set_test_count) {
  signer_bitmap b(130);
  EXPECT_EQ(b.count(), 0u);
  for (std::size_t i : {0u, 63u, 64u, 129u})
    b.set(i);
  EXPECT_EQ(b.count(), 4u);
  EXPECT_TRUE(b.test(63));
  EXPECT_TRUE(b.test(64));
  EXPECT_FALSE(b.test(65));
  EXPECT_FALSE(b.test(500));
  EXPECT_THROW(b.set(130), std::out_of_range);
  std::vector<std::size_t> seen;
  b.for_each([&](std::size_t i) { seen.push_back(i); });
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 63, 64, 129}));
}

TEST(signer_bitmap, intersects_and_merge) {
  signer_bitmap a(100);
  signer_bitmap b(100);
  a.set(1);
  a.set(70);
  b.set(2);
  b.set(71);
  EXPECT_FALSE(a.intersects(b));
  b.set(70);
  EXPECT_TRUE(a.intersects(b));
  a.merge(b);
  EXPECT_EQ(a.count(), 4u);
  EXPECT_TRUE(a.test(2));
  EXPECT_TRUE(a.test(71));
  EXPECT_THROW(a.merge(signer_bitmap(99)), std::invalid_argument);
}

TEST(signer_bitmap, from_words) {
  signer_bitmap out;
  ASSERT_TRUE(signer_bitmap::from_words(70, {0x5, 0x3f}, out)); // bits 64..69
  EXPECT_EQ(out.size(), 70u);
  EXPECT_EQ(out.count(), 8u);
  EXPECT_TRUE(out.test(69));

  EXPECT_FALSE(signer_bitmap::from_words(70, {0x5, 0x40}, out)) << "bit 70 is beyond the size";
  EXPECT_FALSE(signer_bitmap::from_words(70, {0x5, 1ULL << 63}, out));
  EXPECT_FALSE(signer_bitmap::from_words(70, {0x5}, out)) << "too few words";
  EXPECT_FALSE(signer_bitmap::from_words(70, {0x5, 0, 0}, out)) << "too many words";
  EXPECT_FALSE(signer_bitmap::from_words(0, {0}, out));
  EXPECT_TRUE(signer_bitmap::from_words(0, {}, out));
  EXPECT_TRUE(signer_bitmap::from_words(64, {~0ULL}, out));
  EXPECT_EQ(out.count(), 64u);
  EXPECT_FALSE(signer_bitmap::from_words(10, {1ULL << 10}, out));
  EXPECT_TRUE(signer_bitmap::from_words(10, {1ULL << 9}, out));
}

} // namespace
} // namespace bystack::crypto
