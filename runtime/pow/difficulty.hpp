#pragma once
/// Bytom's difficulty arithmetic: 256-bit targets, the compact 64-bit `bits` encoding, the
/// proof-of-work check and the work a block adds to its chain (fork choice by cumulative work).

#include "runtime/crypto/hash.hpp"

#include <array>
#include <compare>
#include <cstdint>
#include <string>

namespace bystack::pow {

/// Holds an unsigned 256-bit integer as four 64-bit limbs, least significant first.
struct uint256 {
  std::array<std::uint64_t, 4> limbs{};

  constexpr uint256() = default;
  constexpr explicit uint256(std::uint64_t low) : limbs{low, 0, 0, 0} {}

  /// Returns 2^256 - 1.
  static constexpr uint256 max() {
    uint256 x;
    x.limbs = {~0ull, ~0ull, ~0ull, ~0ull};
    return x;
  }

  bool is_zero() const noexcept { return (limbs[0] | limbs[1] | limbs[2] | limbs[3]) == 0; }
  /// Returns the number of significant bits (0 for zero).
  unsigned bit_length() const noexcept;
  /// Returns the number of significant bytes, as Go's len(big.Int.Bytes()).
  unsigned byte_length() const noexcept { return (bit_length() + 7) / 8; }
  /// Renders the number as 64 lower-case hex characters, most significant first.
  std::string hex() const;

  std::strong_ordering operator<=>(const uint256& o) const noexcept;
  bool operator==(const uint256&) const = default;

  /// Adds modulo 2^256; sets carry when the true sum does not fit.
  static uint256 add(const uint256& a, const uint256& b, bool& carry) noexcept;
  uint256 operator+(const uint256& o) const noexcept {
    bool carry = false;
    return add(*this, o, carry);
  }
  /// Shifts left modulo 2^256.
  uint256 operator<<(unsigned n) const noexcept;
  uint256 operator>>(unsigned n) const noexcept;
};

/// Holds a target decoded from compact bits: sign and magnitude, where magnitudes of 2^256 and
/// above (exponents up to 255 reach 2^2071) only record that they overflow, since no 256-bit
/// hash can exceed them.
struct compact_target {
  bool negative = false;
  bool overflow = false;
  uint256 magnitude;
};

/// Decodes Bytom's compact bits: exponent in bits 63..56, sign in bit 55, a 55-bit mantissa,
/// value = mantissa * 256^(exponent - 3) (mantissa shifted right when exponent < 3).
compact_target compact_to_target(std::uint64_t bits) noexcept;

/// Encodes a value as Bytom's compact bits, keeping its three most significant bytes.
std::uint64_t target_to_compact(const uint256& value, bool negative = false) noexcept;

/// Reads a hash as the number Bytom compares with the target: its bytes taken little-endian.
uint256 hash_to_number(const crypto::hash256& h) noexcept;

/// Returns whether a proof-of-work hash (Tensority's output) meets the target encoded in bits,
/// as Bytom's CheckProofOfWork: number(hash) <= target.
bool meets_target(const crypto::hash256& pow_hash, std::uint64_t bits) noexcept;

/// Returns the expected number of hashes a block of these bits costs, 2^256 / (target + 1),
/// or zero for a target that is zero, negative or at least 2^256 (Bytom's CalcWork). A chain's
/// work is the sum over its blocks.
uint256 work_from_bits(std::uint64_t bits) noexcept;

} // namespace bystack::pow
