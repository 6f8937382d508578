#include "runtime/pow/tensority.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace bystack::pow {

namespace {

// --- seed expansion: SHA3-256 chain, then scrypt's SMix with r = 1, N = 1024 ----------------

constexpr std::size_t block_words = 32; // one scrypt block with r = 1: 128 bytes
constexpr std::size_t smix_n = 1024;

using block = std::array<std::uint32_t, block_words>;

// Applies Salsa20/8 to x in place (four double rounds, then the feed-forward).
void salsa20_8(std::array<std::uint32_t, 16>& b) noexcept {
  auto x = b;
  auto quarter = [&x](int a, int bb, int c, int d) {
    x[bb] ^= std::rotl(x[a] + x[d], 7);
    x[c] ^= std::rotl(x[bb] + x[a], 9);
    x[d] ^= std::rotl(x[c] + x[bb], 13);
    x[a] ^= std::rotl(x[d] + x[c], 18);
  };
  for (int round = 0; round < 8; round += 2) {
    quarter(0, 4, 8, 12); // columns
    quarter(5, 9, 13, 1);
    quarter(10, 14, 2, 6);
    quarter(15, 3, 7, 11);
    quarter(0, 1, 2, 3); // rows
    quarter(5, 6, 7, 4);
    quarter(10, 11, 8, 9);
    quarter(15, 12, 13, 14);
  }
  for (std::size_t i = 0; i < 16; ++i)
    b[i] += x[i];
}

// scrypt's BlockMix with r = 1: two Salsa20/8 calls chained through the block's halves.
void block_mix(const block& in, block& out) noexcept {
  std::array<std::uint32_t, 16> t;
  for (std::size_t i = 0; i < 16; ++i)
    t[i] = in[16 + i] ^ in[i];
  salsa20_8(t);
  std::copy(t.begin(), t.end(), out.begin());
  for (std::size_t i = 0; i < 16; ++i)
    t[i] ^= in[16 + i];
  salsa20_8(t);
  std::copy(t.begin(), t.end(), out.begin() + 16);
}

// scrypt's SMix: fills v (N blocks) and leaves the mixed block in x.
void smix(block& x, std::uint32_t* v) noexcept {
  block y;
  for (std::size_t i = 0; i < smix_n; i += 2) {
    std::copy(x.begin(), x.end(), v + i * block_words);
    block_mix(x, y);
    std::copy(y.begin(), y.end(), v + (i + 1) * block_words);
    block_mix(y, x);
  }
  // scrypt's Integerify reads the first word of the block's last 64-byte half.
  auto mix_in = [v](block& b) {
    const std::uint32_t* src = v + (b[16] & (smix_n - 1)) * block_words;
    for (std::size_t k = 0; k < block_words; ++k)
      b[k] ^= src[k];
  };
  for (std::size_t i = 0; i < smix_n; i += 2) {
    mix_in(x);
    block_mix(x, y);
    mix_in(y);
    block_mix(y, x);
  }
}

std::uint32_t load_le32(const std::uint8_t* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

// --- the hash ---------------------------------------------------------------------------

bool cpu_has_avx2() noexcept {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
#else
  return false;
#endif
}

// FNV-1's multiply-then-xor step, as Bytom folds the result rows.
constexpr std::uint32_t fnv(std::uint32_t a, std::uint32_t b) noexcept {
  return a * 0x01000193u ^ b;
}

// Packs the summed matrix into 256 rows of 64 words (byte j of a word from column j * 64 + c),
// folds the rows pairwise down to one with FNV and hashes that row's 256 bytes.
crypto::hash256 digest(const std::array<std::int8_t, matrix_bytes>& m) {
  constexpr std::size_t words = matrix_dim / 4;
  std::vector<std::uint32_t> rows(matrix_dim * words);
  for (std::size_t r = 0; r < matrix_dim; ++r)
    for (std::size_t c = 0; c < words; ++c) {
      const auto* row = reinterpret_cast<const std::uint8_t*>(m.data() + r * matrix_dim);
      rows[r * words + c] = static_cast<std::uint32_t>(row[c]) |
                            static_cast<std::uint32_t>(row[c + 64]) << 8 |
                            static_cast<std::uint32_t>(row[c + 128]) << 16 |
                            static_cast<std::uint32_t>(row[c + 192]) << 24;
    }
  for (std::size_t k = matrix_dim; k > 1; k /= 2)
    for (std::size_t r = 0; r < k / 2; ++r)
      for (std::size_t c = 0; c < words; ++c)
        rows[r * words + c] = fnv(rows[r * words + c], rows[(r + k / 2) * words + c]);
  std::array<std::uint8_t, words * 4> bytes;
  for (std::size_t c = 0; c < words; ++c)
    for (std::size_t j = 0; j < 4; ++j)
      bytes[c * 4 + j] = static_cast<std::uint8_t>(rows[c] >> (8 * j));
  return crypto::sha3_256(bytes);
}

} // namespace

namespace detail {

std::vector<std::uint32_t> scrypt_cache(const crypto::hash256& seed) {
  // Extend the seed to one 128-byte scrypt block: seed, H(seed), H(H(seed)), H(H(H(seed))).
  std::array<std::uint8_t, 128> ext{};
  std::copy(seed.data.begin(), seed.data.end(), ext.begin());
  for (std::size_t i = 0; i < 3; ++i) {
    auto h = crypto::sha3_256(byte_view{ext.data() + i * 32, 32});
    std::copy(h.data.begin(), h.data.end(), ext.begin() + static_cast<std::ptrdiff_t>(i + 1) * 32);
  }
  block x;
  for (std::size_t i = 0; i < block_words; ++i)
    x[i] = load_le32(ext.data() + 4 * i);
  // Each SMix call continues from the block the previous one left (Bytom passes the same
  // buffer); only the V arrays are kept.
  std::vector<std::uint32_t> cache(smix_rounds * smix_words);
  for (std::size_t round = 0; round < smix_rounds; ++round)
    smix(x, cache.data() + round * smix_words);
  return cache;
}

void chain_reference(const matrix_cache& cache, std::span<const std::uint8_t, 32> sequence,
                     std::int8_t* out) {
  std::vector<std::int8_t> a(matrix_bytes, 0), c(matrix_bytes);
  for (std::size_t i = 0; i < matrix_dim; ++i)
    a[i * matrix_dim + i] = 1;
  for (int pass = 0; pass < 2; ++pass)
    for (std::uint8_t index : sequence) {
      auto b = cache.matrix(index);
      for (std::size_t r = 0; r < matrix_dim; ++r)
        for (std::size_t col = 0; col < matrix_dim; ++col) {
          std::int32_t sum = 0;
          for (std::size_t k = 0; k < matrix_dim; ++k)
            sum += static_cast<std::int32_t>(a[r * matrix_dim + k]) *
                   static_cast<std::int32_t>(b[col * matrix_dim + k]);
          c[r * matrix_dim + col] = fold(sum);
        }
      a.swap(c);
    }
  std::copy(a.begin(), a.end(), out);
}

} // namespace detail

bool optimised_kernel_available() noexcept {
  return cpu_has_avx2();
}

const char* optimised_kernel_name() noexcept {
  return cpu_has_avx2() ? "avx2" : "reference";
}

matrix_cache matrix_cache::build(const crypto::hash256& seed) {
  auto words = detail::scrypt_cache(seed);
  matrix_cache m;
  m.seed_ = seed;
  m.rows_.resize(matrix_count * matrix_bytes);
  // Within each SMix output the even 128-byte blocks make one matrix and the odd blocks the
  // next (Bytom's mulMatrix reorders them so), each read as little-endian bytes.
  for (std::size_t round = 0; round < smix_rounds; ++round)
    for (std::size_t blk = 0; blk < smix_n; ++blk) {
      const std::uint32_t* src = words.data() + round * smix_words + blk * block_words;
      std::size_t matrix = 2 * round + (blk & 1);
      auto* dst = reinterpret_cast<std::uint8_t*>(m.rows_.data() + matrix * matrix_bytes +
                                                  (blk / 2) * block_words * 4);
      for (std::size_t k = 0; k < block_words; ++k)
        for (std::size_t j = 0; j < 4; ++j)
          dst[4 * k + j] = static_cast<std::uint8_t>(src[k] >> (8 * j));
    }
  // The optimised kernel multiplies by pairs of k: entry (k, column) of the transpose sits next
  // to (k + 1, column).
  m.packed_.resize(matrix_count * matrix_bytes);
  for (std::size_t i = 0; i < matrix_count; ++i) {
    const std::int8_t* src = m.rows_.data() + i * matrix_bytes;
    std::int8_t* dst = m.packed_.data() + i * matrix_bytes;
    for (std::size_t col = 0; col < matrix_dim; ++col)
      for (std::size_t k = 0; k < matrix_dim; ++k)
        dst[(k / 2) * matrix_dim * 2 + col * 2 + (k % 2)] = src[col * matrix_dim + k];
  }
  return m;
}

crypto::hash256 tensority_hash(const crypto::hash256& header_hash, const matrix_cache& cache,
                               kernel k) {
  bool avx2 = k == kernel::optimised && cpu_has_avx2();
  std::vector<std::int16_t> scratch(avx2 ? 2 * matrix_bytes : 0);
  std::array<std::int8_t, matrix_bytes> sum{};
  std::vector<std::int8_t> result(matrix_bytes);
  // Four independent chains, one per 8-byte quarter of the header hash.
  for (std::size_t q = 0; q < 4; ++q) {
    auto sequence = crypto::sha3_256(byte_view{header_hash.data.data() + q * 8, 8});
    std::span<const std::uint8_t, 32> seq{sequence.data};
    if (avx2)
      detail::chain_avx2(cache, seq, scratch.data(), scratch.data() + matrix_bytes, result.data());
    else
      detail::chain_reference(cache, seq, result.data());
    for (std::size_t i = 0; i < matrix_bytes; ++i)
      sum[i] = static_cast<std::int8_t>(sum[i] + result[i]); // int8 wrap-around, as Go's
  }
  return digest(sum);
}

crypto::hash256 tensority_hash(const crypto::hash256& header_hash, const crypto::hash256& seed,
                               kernel k) {
  return tensority_hash(header_hash, matrix_cache::build(seed), k);
}

std::optional<std::uint64_t> seed_height(std::uint64_t height) noexcept {
  if (height == 0) return std::nullopt;
  return (height - 1) / seed_epoch_blocks * seed_epoch_blocks;
}

crypto::hash256 initial_seed() {
  std::array<std::uint8_t, 32> zero{};
  return crypto::sha3_256(zero);
}

seed_cache::seed_cache(std::size_t entries_max)
    : entries_max_(std::max<std::size_t>(1, entries_max)) {}

std::shared_ptr<const matrix_cache> seed_cache::get(const crypto::hash256& seed) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&seed](const auto& e) { return e->seed() == seed; });
  if (it != entries_.end()) {
    entries_.splice(entries_.begin(), entries_, it);
    return entries_.front();
  }
  auto built = std::make_shared<const matrix_cache>(matrix_cache::build(seed));
  ++builds_;
  entries_.push_front(built);
  while (entries_.size() > entries_max_)
    entries_.pop_back();
  return built;
}

} // namespace bystack::pow
