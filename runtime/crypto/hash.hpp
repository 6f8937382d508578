#pragma once
/// 32-byte hashes: SHA3-256 (the project's default) and SHA-256.

#include "runtime/base/bytes.hpp"

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

namespace bystack::crypto {

/// Holds a 32-byte digest.
struct hash256 {
  std::array<std::uint8_t, 32> data{};

  auto operator<=>(const hash256&) const = default;
  /// Four word compares, inline: the defaulted one called memcmp, and hash-map look-ups by block
  /// hash (a node's pending blocks, every certificate it checks) spent 3.7% of the simulator's
  /// time in that call (perf, bystack-sim-bench).
  friend bool operator==(const hash256& a, const hash256& b) noexcept {
    std::uint64_t x[4], y[4];
    std::memcpy(x, a.data.data(), 32);
    std::memcpy(y, b.data.data(), 32);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
  }
  bool is_zero() const noexcept;
  std::string hex() const;
  /// Returns the first 8 bytes as a little-endian integer (for hash tables and short ids).
  std::uint64_t prefix64() const noexcept {
    std::uint64_t x;
    std::memcpy(&x, data.data(), 8);
    return x;
  }
  byte_view view() const noexcept { return {data.data(), data.size()}; }
};

/// Parses 64 hex characters; returns false otherwise.
bool parse_hash(std::string_view hex, hash256& out);

hash256 sha3_256(byte_view data);
hash256 sha256(byte_view data);

/// Computes SHA3-256 over data fed in pieces.
class sha3_256_hasher {
public:
  sha3_256_hasher();
  ~sha3_256_hasher();
  sha3_256_hasher(sha3_256_hasher&&) noexcept;
  sha3_256_hasher& operator=(sha3_256_hasher&&) noexcept;

  sha3_256_hasher& update(byte_view data);
  sha3_256_hasher& update_u64(std::uint64_t x); ///< Feeds x as 8 little-endian bytes.
  sha3_256_hasher& update(const hash256& h) { return update(h.view()); }
  /// Returns the digest and resets the hasher.
  hash256 finish();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace bystack::crypto

template <>
struct std::hash<bystack::crypto::hash256> {
  size_t operator()(const bystack::crypto::hash256& h) const noexcept { return h.prefix64(); }
};
