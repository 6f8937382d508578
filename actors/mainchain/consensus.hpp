#pragma once
/// The mainchain's header rules: proof of work behind an interface (real Tensority on real
/// nodes, a cheap modelled check in simulation), difficulty retargeting and timestamp rules.

#include "actors/mainchain/block.hpp"
#include "runtime/pow/difficulty.hpp"
#include "runtime/pow/tensority.hpp"

#include <cstdint>
#include <span>

namespace bystack::mainchain {

/// Selects the difficulty retarget rule.
enum class retarget_rule : std::uint8_t {
  /// At child heights that are multiples of K: the span of the last K - 1 intervals against
  /// (K - 1) T, clamped to [1/f, f] and to the pow limit (Bitcoin's rule without its off-by-one).
  bystack = 0,
  /// Bytom's (BlockNode.CalcNextBits, CalcNextRequiredDifficulty): after a parent at a nonzero
  /// multiple of K, the span of the last K intervals against K T, unclamped.
  bytom = 1,
};

/// Fixes the header rules of one mainchain network.
struct consensus_params {
  std::int64_t target_block_ms = 150'000;               ///< Bytom: 2.5 minutes
  std::uint64_t retarget_blocks = 2016;                 ///< K: blocks per difficulty window (>= 2)
  std::uint64_t max_adjust_factor = 4;                  ///< clamp of one retarget, as Bitcoin's 4x
  std::uint64_t pow_limit_bits = 0x20000000007fffffull; ///< easiest target, about 2^255
  std::uint64_t genesis_bits = 0x20000000007fffffull;   ///< bits of block 1 (and genesis)
  std::size_t median_time_blocks = 11;                  ///< a timestamp exceeds the median of these
  std::int64_t max_future_drift_ms = 2 * 60 * 60 * 1000; ///< Bitcoin's two hours
  std::uint32_t version = 1;
  retarget_rule rule = retarget_rule::bystack;
};

/// Checks a header's proof of work.
class pow_checker {
public:
  virtual ~pow_checker() = default;
  /// Returns whether the header's proof of work meets its own bits.
  virtual bool check(const header& h) = 0;
};

/// Returns the nonce the modelled proof of work expects for a header (its other fields mixed
/// with a fixed key): a miner in simulation "finds" a block by writing it, so that a header
/// with any other nonce fails the check as one without real work would.
std::uint64_t modelled_nonce(const header& h);

/// Checks the modelled proof of work (simulation): the nonce must be modelled_nonce(header)
/// and the bits must decode to a positive target.
class modelled_pow final : public pow_checker {
public:
  bool check(const header& h) override;
};

/// Checks the real proof of work: Tensority over the header hash with the header's seed must
/// meet its bits. Keeps the matrices of the last few seeds.
class tensority_pow final : public pow_checker {
public:
  explicit tensority_pow(std::size_t seeds_kept = pow::seed_cache::default_entries_max)
      : cache_(seeds_kept) {}
  bool check(const header& h) override;

private:
  pow::seed_cache cache_;
};

/// Multiplies a 256-bit target by num / den (den > 0), saturating at 2^256 - 1.
pow::uint256 scale_target(const pow::uint256& target, std::uint64_t num, std::uint64_t den);

/// Returns the bits of the first block of a new window: the old target scaled by the window's
/// actual span over the expected one, the ratio clamped to [1/f, f] with f = max_adjust_factor,
/// and the result no easier than pow_limit_bits. `actual_span_ms` runs from the first to the
/// last block of the window (K - 1 intervals, so that the expected span is (K - 1) T and not
/// Bitcoin's off-by-one K T).
std::uint64_t retarget_bits(std::uint64_t old_bits, std::int64_t actual_span_ms,
                            const consensus_params& p);

/// Returns Bytom's retargeted bits: the old target times actual_span_ms over K T (the span of
/// the last K intervals), with no clamp (Bytom has none); a span below 1 ms counts as 1 ms and
/// the result saturates below 2^256.
std::uint64_t bytom_retarget_bits(std::uint64_t old_bits, std::int64_t actual_span_ms,
                                  const consensus_params& p);

/// Returns the median of up to median_time_blocks timestamps (the "median time past").
std::uint64_t median_time(std::span<const std::uint64_t> timestamps);

} // namespace bystack::mainchain
