#pragma once
/// Seeded 64-bit generators with portable real-number draws (standard-library distributions
/// differ between implementations; a trace must not).
///
/// rng64 is one sequential stream (a Mersenne twister): its draws depend on how many were taken
/// before. keyed_rng is counter-based: its stream is a pure function of a 64-bit key (splitmix64
/// of key + i * golden ratio), so a draw keyed by (seed, sender, receiver, the sender's send
/// index) does not depend on what other nodes drew first. The simulated network draws with it,
/// so that nodes can be handled in any order, or concurrently, with the same outcome.

#include "runtime/base/mix.hpp"

#include <cmath>
#include <cstdint>
#include <random>

namespace bystack::sim {

/// The real-number and range draws over a generator's next() (CRTP).
template <class Derived> class draws {
public:
  double uniform01() { return static_cast<double>(self().next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  /// Draws an integer in [0, n).
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : self().next() % n; }
  double normal(double mean, double sd) {
    // Box-Muller, one value per call (no cached state).
    double u1 = uniform01();
    double u2 = uniform01();
    if (u1 < 1e-300) u1 = 1e-300;
    return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

private:
  Derived& self() { return static_cast<Derived&>(*this); }
};

class rng64 : public draws<rng64> {
public:
  explicit rng64(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next() { return engine_(); }

private:
  std::mt19937_64 engine_;
};

using bystack::splitmix64; // runtime/base/mix.hpp

/// The part of draw_key(a, b, c, d) that depends on a and b only (taken once for many draws).
constexpr std::uint64_t draw_key_head(std::uint64_t a, std::uint64_t b) {
  return splitmix64(splitmix64(a ^ 0x6b65796564726e67ULL) ^ b);
}
/// draw_key(a, b, c, d) from draw_key_head(a, b).
constexpr std::uint64_t draw_key_tail(std::uint64_t head, std::uint64_t c, std::uint64_t d) {
  return splitmix64(splitmix64(head + 0x9e3779b97f4a7c15ULL * (c + 1)) ^ d);
}
/// Mixes the words of a draw's identity into one key (order matters: (a, b) != (b, a)).
constexpr std::uint64_t draw_key(std::uint64_t a, std::uint64_t b, std::uint64_t c = 0,
                                 std::uint64_t d = 0) {
  return draw_key_tail(draw_key_head(a, b), c, d);
}

/// A counter-based stream: the i-th draw is splitmix64(key + (i + 1) * golden ratio).
class keyed_rng : public draws<keyed_rng> {
public:
  explicit keyed_rng(std::uint64_t key) : state_(key) {}
  std::uint64_t next() { return splitmix64(state_ += 0x9e3779b97f4a7c15ULL); }

private:
  std::uint64_t state_;
};

} // namespace bystack::sim
