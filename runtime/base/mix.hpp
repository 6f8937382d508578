#pragma once
/// The 64-bit mix the simulator's draws, the modelled proof of work and the modelled signatures
/// share.

#include <cstdint>

namespace bystack {

/// splitmix64's finalizer: a bijective 64-bit mix (every input bit affects every output bit).
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

} // namespace bystack
