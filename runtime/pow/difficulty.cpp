#include "runtime/pow/difficulty.hpp"

#include <bit>

namespace bystack::pow {

namespace {

constexpr std::uint64_t mantissa_mask = 0x007fffffffffffffull;
constexpr std::uint64_t sign_bit = 0x0080000000000000ull;

uint256 sub(const uint256& a, const uint256& b) noexcept {
  uint256 r;
  std::uint64_t borrow = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint64_t d = a.limbs[i] - b.limbs[i];
    std::uint64_t borrow_out = (a.limbs[i] < b.limbs[i]) || (d < borrow) ? 1 : 0;
    r.limbs[i] = d - borrow;
    borrow = borrow_out;
  }
  return r;
}

// Returns floor(2^256 / d) for 2 <= d, by shift-and-subtract over the 257 bits of 2^256. The
// remainder can need 257 bits for one step; its top bit is kept in `high`, and subtracting mod
// 2^256 is then still exact because the true difference is below d.
uint256 two_pow_256_div(const uint256& d) noexcept {
  uint256 q;
  uint256 r;
  for (int bit = 256; bit >= 0; --bit) {
    bool high = (r.limbs[3] >> 63) != 0;
    r = r << 1;
    if (bit == 256) r.limbs[0] |= 1;
    if (high || r >= d) {
      r = sub(r, d);
      if (bit < 256) q.limbs[static_cast<std::size_t>(bit) / 64] |= 1ull << (bit % 64);
    }
  }
  return q;
}

} // namespace

unsigned uint256::bit_length() const noexcept {
  for (int i = 3; i >= 0; --i)
    if (limbs[static_cast<std::size_t>(i)] != 0)
      return static_cast<unsigned>(i) * 64 +
             static_cast<unsigned>(std::bit_width(limbs[static_cast<std::size_t>(i)]));
  return 0;
}

std::string uint256::hex() const {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (int i = 3; i >= 0; --i)
    for (int shift = 60; shift >= 0; shift -= 4)
      out.push_back(digits[(limbs[static_cast<std::size_t>(i)] >> shift) & 0xf]);
  return out;
}

std::strong_ordering uint256::operator<=>(const uint256& o) const noexcept {
  for (int i = 3; i >= 0; --i) {
    auto c = limbs[static_cast<std::size_t>(i)] <=> o.limbs[static_cast<std::size_t>(i)];
    if (c != 0) return c;
  }
  return std::strong_ordering::equal;
}

uint256 uint256::add(const uint256& a, const uint256& b, bool& carry) noexcept {
  uint256 r;
  std::uint64_t c = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint64_t s = a.limbs[i] + c;
    std::uint64_t c1 = s < c ? 1 : 0;
    r.limbs[i] = s + b.limbs[i];
    c = c1 + (r.limbs[i] < s ? 1 : 0);
  }
  carry = c != 0;
  return r;
}

uint256 uint256::operator<<(unsigned n) const noexcept {
  uint256 r;
  if (n >= 256) return r;
  unsigned words = n / 64, bits = n % 64;
  for (unsigned i = 4; i-- > words;) {
    std::uint64_t v = limbs[i - words] << bits;
    if (bits != 0 && i - words > 0) v |= limbs[i - words - 1] >> (64 - bits);
    r.limbs[i] = v;
  }
  return r;
}

uint256 uint256::operator>>(unsigned n) const noexcept {
  uint256 r;
  if (n >= 256) return r;
  unsigned words = n / 64, bits = n % 64;
  for (unsigned i = 0; i + words < 4; ++i) {
    std::uint64_t v = limbs[i + words] >> bits;
    if (bits != 0 && i + words + 1 < 4) v |= limbs[i + words + 1] << (64 - bits);
    r.limbs[i] = v;
  }
  return r;
}

compact_target compact_to_target(std::uint64_t bits) noexcept {
  compact_target t;
  std::uint64_t mantissa = bits & mantissa_mask;
  unsigned exponent = static_cast<unsigned>(bits >> 56);
  t.negative = (bits & sign_bit) != 0;
  if (exponent <= 3) {
    t.magnitude = uint256{mantissa >> (8 * (3 - exponent))};
    return t;
  }
  unsigned shift = 8 * (exponent - 3);
  if (mantissa != 0 && static_cast<unsigned>(std::bit_width(mantissa)) + shift > 256) {
    t.overflow = true;
    return t;
  }
  t.magnitude = uint256{mantissa} << shift;
  return t;
}

std::uint64_t target_to_compact(const uint256& value, bool negative) noexcept {
  if (value.is_zero()) return 0;
  std::uint64_t exponent = value.byte_length();
  std::uint64_t mantissa = exponent <= 3
                               ? value.limbs[0] << (8 * (3 - exponent))
                               : (value >> (8 * (static_cast<unsigned>(exponent) - 3))).limbs[0];
  // Bytom keeps Bitcoin's guard against a mantissa that reads as negative; with a three-byte
  // mantissa it never fires, but it is part of the encoding.
  if (mantissa & sign_bit) {
    mantissa >>= 8;
    ++exponent;
  }
  std::uint64_t compact = exponent << 56 | mantissa;
  if (negative) compact |= sign_bit;
  return compact;
}

uint256 hash_to_number(const crypto::hash256& h) noexcept {
  uint256 n;
  for (std::size_t i = 0; i < 32; ++i)
    n.limbs[i / 8] |= static_cast<std::uint64_t>(h.data[i]) << (8 * (i % 8));
  return n;
}

bool meets_target(const crypto::hash256& pow_hash, std::uint64_t bits) noexcept {
  auto t = compact_to_target(bits);
  if (t.overflow) return !t.negative;
  auto n = hash_to_number(pow_hash);
  if (t.negative) return n.is_zero() && t.magnitude.is_zero(); // -0 is 0
  return n <= t.magnitude;
}

uint256 work_from_bits(std::uint64_t bits) noexcept {
  auto t = compact_to_target(bits);
  if (t.negative || t.overflow || t.magnitude.is_zero()) return {};
  bool carry = false;
  auto d = uint256::add(t.magnitude, uint256{1}, carry);
  if (carry) return uint256{1}; // target 2^256 - 1: exactly one hash
  return two_pow_256_div(d);
}

} // namespace bystack::pow
