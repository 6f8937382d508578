#pragma once
/// A seeded 64-bit generator with portable real-number draws (standard-library distributions
/// differ between implementations; a trace must not).

#include <cmath>
#include <cstdint>
#include <random>

namespace bystack::sim {

class rng64 {
public:
  explicit rng64(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next() { return engine_(); }
  double uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  /// Draws an integer in [0, n).
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : engine_() % n; }
  double normal(double mean, double sd) {
    // Box-Muller, one value per call (no cached state).
    double u1 = uniform01();
    double u2 = uniform01();
    if (u1 < 1e-300) u1 = 1e-300;
    return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

private:
  std::mt19937_64 engine_;
};

} // namespace bystack::sim
