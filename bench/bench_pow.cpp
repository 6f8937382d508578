// Costs of Bytom's Tensority: building one seed's matrices, and hashes per second on one core
// with the reference and the optimised kernel (docs/mainchain.md records the figures).

#include "runtime/pow/tensority.hpp"

#include <benchmark/benchmark.h>

namespace {

using namespace bystack;
using namespace bystack::pow;

crypto::hash256 filler(std::uint8_t salt) {
  crypto::hash256 h;
  for (std::size_t i = 0; i < h.data.size(); ++i)
    h.data[i] = static_cast<std::uint8_t>(i * 37 + salt);
  return h;
}

const matrix_cache& shared_cache() {
  static const matrix_cache c = matrix_cache::build(filler(1));
  return c;
}

void bm_scrypt_stage(benchmark::State& state) {
  auto seed = filler(2);
  for (auto _ : state)
    benchmark::DoNotOptimize(detail::scrypt_cache(seed));
}
BENCHMARK(bm_scrypt_stage)->Name("tensority_scrypt_stage")->Unit(benchmark::kMillisecond);

void bm_cache_build(benchmark::State& state) {
  auto seed = filler(3);
  for (auto _ : state)
    benchmark::DoNotOptimize(matrix_cache::build(seed));
}
BENCHMARK(bm_cache_build)->Name("tensority_cache_build")->Unit(benchmark::kMillisecond);

void bm_hash(benchmark::State& state, kernel k) {
  if (k == kernel::optimised) state.SetLabel(optimised_kernel_name());
  const auto& cache = shared_cache();
  auto header = filler(4);
  for (auto _ : state) {
    auto out = tensority_hash(header, cache, k);
    benchmark::DoNotOptimize(out);
    header.data[0]++; // a new header each time, as a miner's nonce would give
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK_CAPTURE(bm_hash, reference, kernel::reference)
    ->Name("tensority_hash/reference")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);
BENCHMARK_CAPTURE(bm_hash, optimised, kernel::optimised)
    ->Name("tensority_hash/optimised")
    ->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
