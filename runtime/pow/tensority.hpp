#pragma once
/// Bytom's Tensority proof of work, bit for bit: a seed expands (SHA3-256, then scrypt's SMix)
/// into 256 int8 matrices of 256 x 256; a header hash picks a sequence of them, multiplied in
/// four chains with a byte fold after each product; the four results are summed, folded with FNV
/// and hashed with SHA3-256. docs/mainchain.md describes the steps and sizes.

#include "runtime/crypto/hash.hpp"

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace bystack::pow {

inline constexpr std::size_t matrix_dim = 256;   ///< Rows and columns of each matrix.
inline constexpr std::size_t matrix_count = 256; ///< Matrices per seed.
inline constexpr std::size_t matrix_bytes = matrix_dim * matrix_dim;
/// 32-bit words scrypt's SMix writes per call (N = 1024 blocks of 32 words, r = 1).
inline constexpr std::size_t smix_words = 1024 * 32;
/// SMix calls per seed; each yields the bytes of two matrices.
inline constexpr std::size_t smix_rounds = 128;

/// Selects the matrix-product kernel.
enum class kernel {
  reference, ///< Plain loops, the specification in code.
  optimised, ///< The fastest kernel this CPU runs (AVX2 when present, else reference).
};

/// Returns whether the optimised kernel has a faster path than the reference on this CPU.
bool optimised_kernel_available() noexcept;
/// Names the kernel that kernel::optimised runs here ("avx2" or "reference").
const char* optimised_kernel_name() noexcept;

/// Holds the 256 matrices derived from one seed (32 MiB: the row-major matrices and a copy
/// laid out for the optimised kernel). Building one costs as much as several hashes, so callers
/// keep it for as long as the seed lasts (256 blocks in Bytom).
class matrix_cache {
public:
  /// Builds the matrices of a seed.
  static matrix_cache build(const crypto::hash256& seed);

  const crypto::hash256& seed() const noexcept { return seed_; }
  /// Returns matrix i (i < matrix_count), row-major int8.
  std::span<const std::int8_t> matrix(std::size_t i) const noexcept {
    return {rows_.data() + i * matrix_bytes, matrix_bytes};
  }
  /// Returns matrix i as the optimised kernel reads it: [k / 2][column][k % 2].
  const std::int8_t* packed(std::size_t i) const noexcept {
    return packed_.data() + i * matrix_bytes;
  }

private:
  crypto::hash256 seed_;
  std::vector<std::int8_t> rows_;
  std::vector<std::int8_t> packed_;
};

/// Computes Tensority over a 32-byte header hash with a seed's matrices.
crypto::hash256 tensority_hash(const crypto::hash256& header_hash, const matrix_cache& cache,
                               kernel k = kernel::optimised);

/// Computes Tensority from the seed itself, building the matrices on the way (slow: for tools
/// and tests; keep a matrix_cache or seed_cache when hashing more than once).
crypto::hash256 tensority_hash(const crypto::hash256& header_hash, const crypto::hash256& seed,
                               kernel k = kernel::optimised);

/// Blocks that share one seed in Bytom (consensus.SeedPerRetarget).
inline constexpr std::uint64_t seed_epoch_blocks = 256;

/// Returns the height of the block whose hash seeds the block at `height`, or nothing for the
/// genesis block, which uses initial_seed(). Bytom's rule (BlockNode.CalcNextSeed): block h + 1
/// takes the hash of block h when h is a multiple of 256, else block h's own seed; so blocks
/// 1..256 use the hash of block 0, blocks 257..512 that of block 256, and so on.
std::optional<std::uint64_t> seed_height(std::uint64_t height) noexcept;

/// Returns the genesis block's seed, SHA3-256 of 32 zero bytes (Bytom's consensus.InitialSeed).
crypto::hash256 initial_seed();

/// Keeps the matrix caches of the last few seeds, least recently used dropped first. A node needs
/// the current epoch's seed and, across a reorganisation at an epoch boundary, the previous one.
/// Not thread-safe; the caches it hands out are immutable and can be shared across threads.
class seed_cache {
public:
  /// Default bound: current and previous epoch.
  static constexpr std::size_t default_entries_max = 2;

  explicit seed_cache(std::size_t entries_max = default_entries_max);

  /// Returns the matrices of a seed, building them on a miss.
  std::shared_ptr<const matrix_cache> get(const crypto::hash256& seed);

  std::size_t size() const noexcept { return entries_.size(); }
  std::size_t entries_max() const noexcept { return entries_max_; }
  std::uint64_t builds() const noexcept { return builds_; }

private:
  std::size_t entries_max_;
  std::uint64_t builds_ = 0;
  std::list<std::shared_ptr<const matrix_cache>> entries_; // most recently used first
};

namespace detail {

/// Runs Bytom's seed expansion: the 128-byte extended seed through 128 SMix calls, returning
/// the 128 x 32768 words the calls leave in scrypt's V array (Bytom's calcSeedCache).
std::vector<std::uint32_t> scrypt_cache(const crypto::hash256& seed);

/// Folds an int32 product entry to int8 as Bytom does: the sum of its two low bytes, wrapped.
constexpr std::int8_t fold(std::int32_t v) noexcept {
  return static_cast<std::int8_t>(static_cast<std::uint8_t>((v & 0xff) + ((v >> 8) & 0xff)));
}

/// Runs one chain with the reference kernel: starting from the identity, multiplies by the
/// transposes of the matrices `sequence` names, twice over, folding after each product.
void chain_reference(const matrix_cache& cache, std::span<const std::uint8_t, 32> sequence,
                     std::int8_t* out);

/// Runs one chain with AVX2 (defined only on x86-64; call only when the CPU has AVX2). a and b
/// are scratch buffers of matrix_bytes int16 each.
void chain_avx2(const matrix_cache& cache, std::span<const std::uint8_t, 32> sequence,
                std::int16_t* a, std::int16_t* b, std::int8_t* out);

} // namespace detail

} // namespace bystack::pow
