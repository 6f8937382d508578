#include "actors/mainchain/consensus.hpp"

#include "runtime/base/mix.hpp"

#include <algorithm>
#include <vector>

namespace bystack::mainchain {

namespace {

__extension__ typedef unsigned __int128 u128;

} // namespace

std::uint64_t modelled_nonce(const header& h) {
  auto copy = h;
  copy.nonce = 0;
  return splitmix64(copy.hash().prefix64() ^ 0x6d61696e636861ull);
}

bool modelled_pow::check(const header& h) {
  auto t = pow::compact_to_target(h.bits);
  if (t.negative || t.overflow || t.magnitude.is_zero()) return false;
  return h.nonce == modelled_nonce(h);
}

bool tensority_pow::check(const header& h) {
  auto cache = cache_.get(h.seed);
  return pow::meets_target(pow::tensority_hash(h.hash(), *cache), h.bits);
}

pow::uint256 scale_target(const pow::uint256& target, std::uint64_t num, std::uint64_t den) {
  // target * num fits in five limbs; divide the five limbs by den from the top.
  std::array<std::uint64_t, 5> wide{};
  u128 carry = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    u128 v = static_cast<u128>(target.limbs[i]) * num + carry;
    wide[i] = static_cast<std::uint64_t>(v);
    carry = v >> 64;
  }
  wide[4] = static_cast<std::uint64_t>(carry);
  u128 rem = 0;
  std::array<std::uint64_t, 5> q{};
  for (int i = 4; i >= 0; --i) {
    u128 cur = (rem << 64) | wide[static_cast<std::size_t>(i)];
    q[static_cast<std::size_t>(i)] = static_cast<std::uint64_t>(cur / den);
    rem = cur % den;
  }
  if (q[4] != 0) return pow::uint256::max();
  pow::uint256 out;
  for (std::size_t i = 0; i < 4; ++i)
    out.limbs[i] = q[i];
  return out;
}

std::uint64_t retarget_bits(std::uint64_t old_bits, std::int64_t actual_span_ms,
                            const consensus_params& p) {
  auto expected = static_cast<std::int64_t>(p.retarget_blocks - 1) * p.target_block_ms;
  auto f = static_cast<std::int64_t>(p.max_adjust_factor);
  auto actual = std::clamp(actual_span_ms, std::max<std::int64_t>(expected / f, 1), expected * f);
  auto old_target = pow::compact_to_target(old_bits).magnitude;
  auto next = scale_target(old_target, static_cast<std::uint64_t>(actual),
                           static_cast<std::uint64_t>(expected));
  auto limit = pow::compact_to_target(p.pow_limit_bits).magnitude;
  if (next > limit) next = limit;
  if (next.is_zero()) next = pow::uint256{1};
  return pow::target_to_compact(next);
}

std::uint64_t bytom_retarget_bits(std::uint64_t old_bits, std::int64_t actual_span_ms,
                                  const consensus_params& p) {
  auto expected = static_cast<std::uint64_t>(p.retarget_blocks) *
                  static_cast<std::uint64_t>(std::max<std::int64_t>(p.target_block_ms, 1));
  auto actual = static_cast<std::uint64_t>(std::max<std::int64_t>(actual_span_ms, 1));
  auto next = scale_target(pow::compact_to_target(old_bits).magnitude, actual, expected);
  if (next.is_zero()) next = pow::uint256{1};
  return pow::target_to_compact(next);
}

std::uint64_t median_time(std::span<const std::uint64_t> timestamps) {
  if (timestamps.empty()) return 0;
  std::vector<std::uint64_t> v(timestamps.begin(), timestamps.end());
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

} // namespace bystack::mainchain
