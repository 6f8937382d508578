// The AVX2 Tensority kernel. Only the functions marked target("avx2") use AVX2, so the rest of
// the library runs on any x86-64 and the caller picks this path after checking the CPU.

#include "runtime/pow/tensority.hpp"

#if defined(__x86_64__) && defined(__GNUC__)

#include <immintrin.h>

namespace bystack::pow::detail {

namespace {

constexpr int dim = static_cast<int>(matrix_dim);
constexpr int k_pairs = dim / 2;

// Folds eight int32 sums to int8 values (sign-extended back to int32): the wrapped sum of the
// two low bytes of each.
__attribute__((target("avx2"))) inline __m256i fold8(__m256i v) {
  const __m256i low_byte = _mm256_set1_epi32(0xff);
  __m256i t = _mm256_add_epi32(_mm256_and_si256(v, low_byte),
                               _mm256_and_si256(_mm256_srli_epi32(v, 8), low_byte));
  return _mm256_srai_epi32(_mm256_slli_epi32(t, 24), 24);
}

// Accumulators as GCC vectors: with `+=` on these GCC keeps them in registers, where with
// _mm256_add_epi32 it copies them around and spills some to the stack.
typedef std::int32_t v8si __attribute__((vector_size(32)));

// Returns the pair (a[r][k], a[r][k + 1]) in every 32-bit lane.
__attribute__((target("avx2"), always_inline)) inline __m256i pair_of(const std::int16_t* p) {
  std::int32_t pair;
  __builtin_memcpy(&pair, p, sizeof pair);
  return _mm256_set1_epi32(pair);
}

// Computes rows [r0, r0 + Rows) by columns [c0, c0 + 16) of fold(a * m^T). Each step
// broadcasts a pair (a[r][k], a[r][k + 1]) and multiplies it with the pairs of eight columns at
// once (vpmaddwd), so no horizontal sums are needed. Products of int8 values summed over 256
// terms stay below 2^22: int32 accumulators cannot overflow. 2 * Rows accumulators, two column
// vectors and a broadcast must fit the sixteen ymm registers.
template <int Rows>
__attribute__((target("avx2"), always_inline)) inline void
block(const std::int16_t* a, const std::int8_t* m, std::int16_t* c, int r0, int c0) {
  static_assert(2 * Rows + 3 <= 16);
  v8si lo[Rows] = {}, hi[Rows] = {};
  const std::int8_t* mp = m + c0 * 2;
  const std::int16_t* ap = a + r0 * dim;
  for (int p = 0; p < k_pairs; ++p, mp += dim * 2, ap += 2) {
    __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(mp)));
    __m256i b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(mp + 16)));
#pragma GCC unroll 8
    for (int i = 0; i < Rows; ++i) {
      __m256i x = pair_of(ap + i * dim);
      lo[i] += reinterpret_cast<v8si>(_mm256_madd_epi16(x, b0));
      hi[i] += reinterpret_cast<v8si>(_mm256_madd_epi16(x, b1));
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < Rows; ++i) {
    // packs interleaves 128-bit lanes; the permute restores column order.
    __m256i packed = _mm256_packs_epi32(fold8(reinterpret_cast<__m256i>(lo[i])),
                                        fold8(reinterpret_cast<__m256i>(hi[i])));
    packed = _mm256_permute4x64_epi64(packed, 0xd8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + (r0 + i) * dim + c0), packed);
  }
}

// Computes c = fold(a * m^T) for int16 a (row-major) and m packed as [k / 2][column][k % 2]:
// per sixteen columns, 42 blocks of six rows and one of four.
__attribute__((target("avx2"), noinline)) void product(const std::int16_t* a, const std::int8_t* m,
                                                       std::int16_t* c) {
  constexpr int wide = 6;
  constexpr int wide_end = dim / wide * wide;
  static_assert(dim - wide_end == 4);
  for (int c0 = 0; c0 < dim; c0 += 16) {
    for (int r0 = 0; r0 < wide_end; r0 += wide)
      block<wide>(a, m, c, r0, c0);
    block<4>(a, m, c, wide_end, c0);
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
