#include "runtime/crypto/hash.hpp"

#include "tests/crypto/test_util.hpp"

#include <gtest/gtest.h>

#include <string>

namespace bystack::crypto {
namespace {

byte_view text(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Known answers from FIPS 202 / FIPS 180-4 example values.
TEST(hash, sha3_256_known_answers) {
  EXPECT_EQ(sha3_256(text("")).hex(),
            "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  EXPECT_EQ(sha3_256(text("abc")).hex(),
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
}

TEST(hash, sha256_known_answers) {
  EXPECT_EQ(sha256(text("")).hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256(text("abc")).hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(hash, incremental_hasher_equals_one_shot) {
  auto data = test::garbage(1000, 1);
  sha3_256_hasher h;
  h.update(byte_view{data}.subspan(0, 1))
      .update(byte_view{data}.subspan(1, 136)) // one full SHA3-256 block boundary
      .update(byte_view{data}.subspan(137, 0))
      .update(byte_view{data}.subspan(137));
  EXPECT_EQ(h.finish(), sha3_256(data));
}

TEST(hash, finish_resets_the_hasher) {
  sha3_256_hasher h;
  h.update(text("abc"));
  EXPECT_EQ(h.finish(), sha3_256(text("abc")));
  EXPECT_EQ(h.finish(), sha3_256(text("")));
}

TEST(hash, update_u64_feeds_little_endian_bytes) {
  sha3_256_hasher h;
  h.update_u64(0x0807060504030201ULL);
  std::uint8_t expected[] = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(h.finish(), sha3_256(expected));
}

TEST(hash, hasher_feeds_a_hash) {
  auto inner = sha256(text("abc"));
  sha3_256_hasher h;
  h.update(inner);
  EXPECT_EQ(h.finish(), sha3_256(inner.view()));
}

TEST(hash, parse_hash_round_trip_and_rejects) {
  auto h = sha3_256(text("abc"));
  hash256 back;
  ASSERT_TRUE(parse_hash(h.hex(), back));
  EXPECT_EQ(back, h);
  EXPECT_FALSE(parse_hash(h.hex().substr(1), back));
  auto bad = h.hex();
  bad[10] = 'x';
  EXPECT_FALSE(parse_hash(bad, back));
  EXPECT_TRUE(hash256{}.is_zero());
  EXPECT_FALSE(h.is_zero());
}

} // namespace
} // namespace bystack::crypto
