#pragma once
/// Published closed forms the mining simulator is compared with.

#include <cstdint>

namespace bystack::sim::mainchain {

/// Returns Nakamoto's double-spend success probability (Bitcoin paper, section 11): the
/// attacker's progress while the honest chain finds z blocks taken as Poisson with mean
/// z q / p, then the gambler's ruin (q/p)^(z - k) to catch up from z - k behind.
double nakamoto_success(double q, std::uint64_t z);

/// Returns the exact success probability of the same attack (Rosenfeld 2012, "Analysis of
/// hashrate-based double spending"): the attacker's blocks while the honest chain finds z are
/// negative binomial, it starts with one pre-mined block and must get strictly ahead (so that
/// catching up from d behind has probability (q/p)^d, the term Nakamoto uses); `give_up_deficit` >
/// 0 adds the simulator's rule that the attacker stops once that many blocks behind (0: never).
double exact_success(double q, std::uint64_t z, std::uint64_t give_up_deficit = 0);

/// Returns Eyal and Sirer's relative revenue of a selfish pool of hash share alpha with tie
/// share gamma (Majority is not Enough, 2014, equation 8).
double selfish_revenue(double alpha, double gamma);

/// Returns the Wilson score interval of a binomial proportion at about 95% (z = 1.96).
struct interval {
  double lo;
  double hi;
};
interval wilson(std::uint64_t successes, std::uint64_t trials);

} // namespace bystack::sim::mainchain
