// The AVX2 Tensority kernel. Only the functions marked target("avx2") use AVX2, so the rest of
// the library runs on any x86-64 and the caller picks this path after checking the CPU.

#include "runtime/pow/tensority.hpp"

#if defined(__x86_64__) && defined(__GNUC__)

#include <immintrin.h>

namespace bystack::pow::detail {

namespace {

constexpr int rows_per_block = 4;  // rows of a per register block
constexpr int cols_per_block = 16; // columns of the product per register block (two vectors)
constexpr int k_pairs = static_cast<int>(matrix_dim) / 2;

// Folds eight int32 sums to int8 values (sign-extended back to int32): the wrapped sum of the
// two low bytes of each.
__attribute__((target("avx2"))) inline __m256i fold8(__m256i v) {
  const __m256i low_byte = _mm256_set1_epi32(0xff);
  __m256i t = _mm256_add_epi32(_mm256_and_si256(v, low_byte),
                               _mm256_and_si256(_mm256_srli_epi32(v, 8), low_byte));
  return _mm256_srai_epi32(_mm256_slli_epi32(t, 24), 24);
}

// Computes c = fold(a * m^T) for int16 a (row-major) and m packed as [k / 2][column][k % 2].
// Each step broadcasts a pair (a[r][k], a[r][k + 1]) and multiplies it with the pairs of eight
// columns at once (vpmaddwd), so no horizontal sums are needed. Products of int8 values summed
// over 256 terms stay below 2^22: int32 accumulators cannot overflow.
__attribute__((target("avx2"))) void product(const std::int16_t* a, const std::int8_t* m,
                                             std::int16_t* c) {
  for (int r0 = 0; r0 < static_cast<int>(matrix_dim); r0 += rows_per_block) {
    for (int c0 = 0; c0 < static_cast<int>(matrix_dim); c0 += cols_per_block) {
      __m256i acc[rows_per_block][2];
      for (auto& row : acc)
        row[0] = row[1] = _mm256_setzero_si256();
      const std::int8_t* mp = m + c0 * 2;
      for (int p = 0; p < k_pairs; ++p, mp += matrix_dim * 2) {
        __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(mp)));
        __m256i b1 =
            _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(mp + 16)));
        for (int i = 0; i < rows_per_block; ++i) {
          std::int32_t pair;
          __builtin_memcpy(&pair, a + (r0 + i) * static_cast<int>(matrix_dim) + 2 * p, sizeof pair);
          __m256i av = _mm256_set1_epi32(pair);
          acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(av, b0));
          acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(av, b1));
        }
      }
      for (int i = 0; i < rows_per_block; ++i) {
        // packs interleaves 128-bit lanes; the permute restores column order.
        __m256i packed = _mm256_packs_epi32(fold8(acc[i][0]), fold8(acc[i][1]));
        packed = _mm256_permute4x64_epi64(packed, 0xd8);
        _mm256_storeu_si256(
            reinterpret_cast<__m256i*>(c + (r0 + i) * static_cast<int>(matrix_dim) + c0), packed);
      }
    }
  }
}

} // namespace

__attribute__((target("avx2"))) void chain_avx2(const matrix_cache& cache,
                                                std::span<const std::uint8_t, 32> sequence,
                                                std::int16_t* a, std::int16_t* b,
                                                std::int8_t* out) {
  for (std::size_t i = 0; i < matrix_bytes; ++i)
    a[i] = 0;
  for (std::size_t i = 0; i < matrix_dim; ++i)
    a[i * matrix_dim + i] = 1;
  for (int pass = 0; pass < 2; ++pass)
    for (std::size_t s = 0; s < sequence.size(); ++s) {
      product(a, cache.packed(sequence[s]), b);
      std::int16_t* t = a;
      a = b;
      b = t;
    }
  for (std::size_t i = 0; i < matrix_bytes; ++i)
    out[i] = static_cast<std::int8_t>(a[i]);
}

} // namespace bystack::pow::detail

#else

#include <cstdlib>

namespace bystack::pow::detail {

void chain_avx2(const matrix_cache&, std::span<const std::uint8_t, 32>, std::int16_t*,
                std::int16_t*, std::int8_t*) {
  std::abort(); // unreachable: optimised_kernel_available() is false off x86-64
}

} // namespace bystack::pow::detail

#endif
