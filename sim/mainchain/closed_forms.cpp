#include "sim/mainchain/closed_forms.hpp"

#include <cmath>
#include <vector>

namespace bystack::sim::mainchain {

double nakamoto_success(double q, std::uint64_t z) {
  // The paper's C code, transcribed.
  double p = 1.0 - q;
  double lambda = static_cast<double>(z) * (q / p);
  double sum = 1.0;
  for (std::uint64_t k = 0; k <= z; ++k) {
    double poisson = std::exp(-lambda);
    for (std::uint64_t i = 1; i <= k; ++i)
      poisson *= lambda / static_cast<double>(i);
    sum -= poisson * (1 - std::pow(q / p, static_cast<double>(z - k)));
  }
  return sum;
}

namespace {

// Probability that a walk at `deficit` blocks behind (each step: -1 with q, +1 with p) reaches
// one block ahead before `give_up` behind (give_up == 0: no barrier).
double catch_up(double q, std::int64_t deficit, std::uint64_t give_up) {
  double p = 1.0 - q;
  if (deficit < 0) return 1.0;
  if (give_up == 0) return q >= p ? 1.0 : std::pow(q / p, static_cast<double>(deficit + 1));
  auto d = static_cast<std::int64_t>(give_up);
  if (deficit >= d) return 0.0;
  // Gambler's ruin on positions -1 (win) .. d (lose), started at `deficit`.
  double r = p / q;
  auto n = static_cast<double>(d + 1);
  auto i = static_cast<double>(d - deficit);
  if (std::abs(r - 1.0) < 1e-12) return i / n;
  return (1 - std::pow(r, i)) / (1 - std::pow(r, n));
}

} // namespace

double exact_success(double q, std::uint64_t z, std::uint64_t give_up_deficit) {
  if (z == 0) return 1.0;
  double p = 1.0 - q;
  // dp[h][m]: the honest chain has h blocks and the attacker has mined m during the race, on
  // top of its one pre-mined block; the attacker stops once h >= m + 1 + give_up_deficit.
  // Attacker blocks are unbounded in principle; cap where the mass is negligible.
  const std::uint64_t m_max = z * 4 + 200;
  std::vector<std::vector<double>> dp(z + 1, std::vector<double>(m_max + 1, 0.0));
  dp[0][0] = 1.0;
  double result = 0;
  for (std::uint64_t h = 0; h <= z; ++h) {
    for (std::uint64_t m = 0; m <= m_max; ++m) {
      double x = dp[h][m];
      if (x == 0) continue;
      if (give_up_deficit && h >= m + 1 + give_up_deficit) continue; // gave up
      if (h == z) {
        result += x * catch_up(q, static_cast<std::int64_t>(h) - static_cast<std::int64_t>(m + 1),
                               give_up_deficit);
        continue;
      }
      if (m < m_max) dp[h][m + 1] += x * q;
      dp[h + 1][m] += x * p;
    }
  }
  return result;
}

double selfish_revenue(double a, double g) {
  double num = a * (1 - a) * (1 - a) * (4 * a + g * (1 - 2 * a)) - a * a * a;
  double den = 1 - a * (1 + (2 - a) * a);
  return num / den;
}

interval wilson(std::uint64_t successes, std::uint64_t trials) {
  if (trials == 0) return {0, 1};
  double n = static_cast<double>(trials);
  double ph = static_cast<double>(successes) / n;
  double z = 1.96;
  double den = 1 + z * z / n;
  double centre = (ph + z * z / (2 * n)) / den;
  double half = z * std::sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / den;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

} // namespace bystack::sim::mainchain
