// Bytom's compact difficulty encoding, the proof-of-work comparison and the work per block,
// checked against the cases of Bytom's consensus/difficulty/difficulty_test.go.

#include "runtime/pow/difficulty.hpp"

#include <gtest/gtest.h>

#include <random>

namespace bystack::pow {
namespace {

__extension__ using u128 = unsigned __int128; // GCC and Clang both have it

// Returns floor(2^256 / d) for a small d, by long division in base 2^32.
uint256 two_pow_256_over(std::uint64_t d) {
  // 2^256 = 1 followed by 64 hex zeros; divide limb by limb with a 128-bit remainder.
  uint256 q;
  u128 rem = 1; // the leading 1 of 2^256
  for (int i = 3; i >= 0; --i) {
    u128 cur = rem << 64;
    q.limbs[static_cast<std::size_t>(i)] = static_cast<std::uint64_t>(cur / d);
    rem = cur % d;
  }
  return q;
}

TEST(difficulty, compact_to_target_matches_bytom) {
  // TestCompactToBig (exponent, sign, mantissa spelled out in bits there).
  auto mag = [](std::uint64_t bits) { return compact_to_target(bits).magnitude; };
  EXPECT_EQ(mag(0), uint256{0});
  EXPECT_EQ(mag(0x0080000000000000), uint256{0});
  EXPECT_EQ(mag(0x0100000000010000), uint256{1});
  EXPECT_TRUE(compact_to_target(0x0180000000010000).negative);
  EXPECT_EQ(mag(0x0180000000010000), uint256{1});
  EXPECT_EQ(mag(0x0300000000010000), uint256{65536});
  EXPECT_EQ(mag(0x0400000000010000), uint256{16777216});
  // PowMinBits, consensus/general.go: 0x0dbe13 << 216.
  EXPECT_EQ(mag(0x1e000000000dbe13), uint256{0x0dbe13} << 216);
  EXPECT_FALSE(compact_to_target(0x1e000000000dbe13).overflow);
  EXPECT_TRUE(compact_to_target(0xff00000000000001).overflow);
  EXPECT_FALSE(compact_to_target(0xff00000000000000).overflow); // zero mantissa stays zero
}

TEST(difficulty, target_to_compact_matches_bytom) {
  // TestBigToCompact.
  EXPECT_EQ(target_to_compact(uint256{0}), 0x0000000000000000u);
  EXPECT_EQ(target_to_compact(uint256{1}), 0x0100000000010000u);
  EXPECT_EQ(target_to_compact(uint256{1}, true), 0x0180000000010000u);
  EXPECT_EQ(target_to_compact(uint256{65536}), 0x0300000000010000u);
  EXPECT_EQ(target_to_compact(uint256{65536}, true), 0x0380000000010000u);
  EXPECT_EQ(target_to_compact(uint256{16777216}), 0x0400000000010000u);
  EXPECT_EQ(target_to_compact(uint256{16777216}, true), 0x0480000000010000u);
  EXPECT_EQ(target_to_compact(uint256{0x0dbe13} << 216), 0x1e000000000dbe13u);
  // CalcNextRequiredDifficulty's cases build their bits as BigToCompact(1000) etc.
  EXPECT_EQ(target_to_compact(uint256{1000}), 0x020000000003e800u); // two bytes, shifted up one
}

TEST(difficulty, compact_round_trips_keep_three_bytes) {
  std::mt19937_64 gen(42);
  for (int i = 0; i < 1000; ++i) {
    uint256 x;
    for (auto& l : x.limbs)
      l = gen();
    x = x >> static_cast<unsigned>(gen() % 256);
    auto bits = target_to_compact(x);
    auto back = compact_to_target(bits);
    ASSERT_FALSE(back.negative);
    ASSERT_FALSE(back.overflow);
    unsigned drop = x.byte_length() > 3 ? 8 * (x.byte_length() - 3) : 0;
    EXPECT_EQ(back.magnitude, (x >> drop) << drop) << x.hex();
    EXPECT_EQ(target_to_compact(back.magnitude), bits); // compact values are fixed points
  }
}

TEST(difficulty, hash_reads_little_endian) {
  // TestHashToBig: the number's big-endian bytes are the hash's bytes reversed.
  crypto::hash256 in;
  for (std::size_t i = 0; i < 32; ++i)
    in.data[i] = static_cast<std::uint8_t>(0xe0 + i);
  EXPECT_EQ(hash_to_number(in).hex(),
            "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0");
  crypto::hash256 low{};
  for (std::size_t i = 0; i < 16; ++i)
    low.data[16 + i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(hash_to_number(low).hex(), "0f0e0d0c0b0a09080706050403020100"
                                       "00000000000000000000000000000000");
}

TEST(difficulty, meets_target_compares_the_little_endian_number) {
  // Target 0x0dbe13 << 216 (PowMinBits): the number's top byte (the hash's last) must be 0.
  const std::uint64_t pow_min_bits = 0x1e000000000dbe13;
  crypto::hash256 hash{};
  hash.data[0] = 0xff; // lowest byte: irrelevant at this scale
  hash.data[29] = 0x0d;
  EXPECT_TRUE(meets_target(hash, pow_min_bits));
  hash.data[29] = 0x0e;
  EXPECT_FALSE(meets_target(hash, pow_min_bits));
  hash = {};
  hash.data[31] = 1; // 2^248 > target
  EXPECT_FALSE(meets_target(hash, pow_min_bits));
  // Equality passes (Cmp <= 0).
  crypto::hash256 exact{};
  exact.data[27] = 0x13;
  exact.data[28] = 0xbe;
  exact.data[29] = 0x0d;
  EXPECT_TRUE(meets_target(exact, pow_min_bits));
  // Targets beyond 2^256 pass every hash; negative ones none but zero against -0.
  crypto::hash256 ones;
  ones.data.fill(0xff);
  EXPECT_TRUE(meets_target(ones, 0xff00000000000001));
  EXPECT_FALSE(meets_target(ones, 0xff80000000000001));
  EXPECT_FALSE(meets_target(ones, 0x0180000000010000));
  EXPECT_TRUE(meets_target(crypto::hash256{}, 0x0080000000000000));
  EXPECT_TRUE(meets_target(crypto::hash256{}, 0));
  EXPECT_FALSE(meets_target(ones, 0));
}

TEST(difficulty, work_from_bits_matches_bytom) {
  // TestCalcWork.
  EXPECT_EQ(work_from_bits(0), uint256{0});
  EXPECT_EQ(work_from_bits(1), uint256{0});
  EXPECT_EQ(work_from_bits(65535), uint256{0});
  EXPECT_EQ(work_from_bits(16777215), uint256{0});
  EXPECT_EQ(work_from_bits(16777216), two_pow_256_over(2));
  EXPECT_EQ(work_from_bits(4294967295), two_pow_256_over(256));
  EXPECT_EQ(work_from_bits(36028797018963967), two_pow_256_over(2147483648));
  EXPECT_EQ(work_from_bits(36028797018963968), uint256{0});
  EXPECT_EQ(work_from_bits(216172782113783808), uint256{0});
  EXPECT_EQ(work_from_bits(216172782113783809), two_pow_256_over(2));
  EXPECT_EQ(work_from_bits(216172782130561024), two_pow_256_over(16777217));
  EXPECT_EQ(work_from_bits(252201579132747775), two_pow_256_over(36028797018963968));
  EXPECT_EQ(work_from_bits(252201579132747776), uint256{0});
  EXPECT_EQ(work_from_bits(288230376151711744), uint256{0});
  EXPECT_EQ(work_from_bits(288230376151711745), two_pow_256_over(257));
  // 2^256 / ((2^55 - 1) * 2^32 + 1): a divisor past 64 bits, checked by multiplying back.
  {
    auto w = work_from_bits(540431955284459519);
    // w * d <= 2^256 < (w + 1) * d, in 128-bit pieces: w fits 170 bits, d 87 bits.
    EXPECT_EQ(w.bit_length(), 256u - 86u);
    u128 dd = (static_cast<u128>(36028797018963967ull) << 32) + 1;
    EXPECT_EQ(w, [&] {
      uint256 q;
      // Long division of 2^256 by a 87-bit divisor, bit by bit, kept independent of the library.
      u128 rem = 0;
      for (int bit = 256; bit >= 0; --bit) {
        rem = (rem << 1) | (bit == 256 ? 1 : 0);
        if (rem >= dd) {
          rem -= dd;
          if (bit < 256) q.limbs[static_cast<std::size_t>(bit) / 64] |= 1ull << (bit % 64);
        }
      }
      return q;
    }());
  }
  EXPECT_EQ(work_from_bits(540431955284459520), uint256{0});
  EXPECT_EQ(work_from_bits(9223372036854775807), uint256{0});
  EXPECT_EQ(work_from_bits(18446744073709551615u), uint256{0});
  // TestCalcWorkWithIntStr, exponent 7: difficulty 2^32 and (2^16) << 32.
  EXPECT_EQ(work_from_bits(0x0700000000000001), two_pow_256_over(4294967297));
  EXPECT_EQ(work_from_bits(0x0700000000010000), two_pow_256_over(281474976710657));
  EXPECT_EQ(work_from_bits(0x0700000001000000), two_pow_256_over(72057594037927937));
  // Exponent 255: the target passes 2^256 and the work is zero.
  EXPECT_EQ(work_from_bits(0xff7fffffffffffff), uint256{0});
}

TEST(difficulty, cumulative_work_adds) {
  auto w = work_from_bits(0x1e000000000dbe13);
  uint256 sum;
  for (int i = 0; i < 1000; ++i)
    sum = sum + w;
  EXPECT_EQ(sum, (w << 9) + (w << 8) + (w << 7) + (w << 6) + (w << 5) + (w << 3));
  // A smaller target (harder bits) weighs more.
  EXPECT_GT(work_from_bits(0x1d000000000dbe13), work_from_bits(0x1e000000000dbe13));
}

} // namespace
} // namespace bystack::pow
