#pragma once
/// Returns the allocator's freed pages to the system during a run, so that the resident set
/// follows the memory in use instead of what the allocator kept.
///
/// The simulation tools run on jemalloc (CMakeLists.txt, bystack_fast_malloc). jemalloc keeps
/// freed pages resident ("dirty") and returns them over a decay time measured in wall seconds
/// (10 s by default): a run of a few seconds never reaches the steady state, a longer one does,
/// so the peak resident set grew with the length of the run even where the memory in use did
/// not (flat voting at N = M = 1,000: 16 MiB resident beyond the active pages at the peak of
/// 2 rounds, 32 MiB at that of 10 rounds; docs/simulator.md, "Flatness pass").
/// heap_trimmer bounds them instead: at the end of a window it reads jemalloc's count of dirty
/// pages and purges them all once they exceed a fixed share of the memory in use. The decision
/// depends on the run's allocations only, not on the wall clock, and never on anything the
/// simulation computes: outcomes and trace hashes are those of a run without it.
///
/// Without jemalloc (another allocator, sanitizers) it does nothing.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int mallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp,
                       std::size_t newlen) __attribute__((weak));

namespace bystack::sim {

class heap_trimmer {
public:
  /// Purges when the dirty pages exceed max(floor_bytes, in use / in_use_share).
  explicit heap_trimmer(std::size_t floor_bytes, std::size_t in_use_share)
      : floor_(floor_bytes), share_(in_use_share ? in_use_share : 1) {
    std::size_t n = sizeof page_;
    if (!mallctl || mallctl("arenas.page", &page_, &n, nullptr, 0) != 0) page_ = 0;
  }

  /// The run's trimmer: 16 MiB or a quarter of the memory in use (measured in
  /// docs/simulator.md), unless BYSTACK_SIM_TRIM says otherwise: "0" switches it off,
  /// "F,S" purges above max(F MiB, in use / S).
  static heap_trimmer from_env() {
    std::size_t floor_mib = 16, share = 4;
    if (const char* t = std::getenv("BYSTACK_SIM_TRIM")) {
      if (std::sscanf(t, "%zu,%zu", &floor_mib, &share) != 2 || share == 0) {
        heap_trimmer off(0, 1);
        off.page_ = 0;
        return off;
      }
    }
    return heap_trimmer(floor_mib << 20, share);
  }

  /// Whether the allocator's counters can be read (jemalloc with statistics).
  bool active() const noexcept { return page_ != 0; }

  /// Reads the allocator's counters and purges its dirty pages when they exceed the bound.
  /// Returns whether it purged.
  bool maybe_trim() {
    if (!active()) return false;
    std::uint64_t epoch = 1;
    std::size_t n = sizeof epoch;
    if (mallctl("epoch", &epoch, &n, &epoch, n) != 0) return false;
    std::size_t dirty_pages = 0, allocated = 0;
    n = sizeof dirty_pages;
    if (mallctl("stats.arenas.4096.pdirty", &dirty_pages, &n, nullptr, 0) != 0) return false;
    n = sizeof allocated;
    if (mallctl("stats.allocated", &allocated, &n, nullptr, 0) != 0) return false;
    auto dirty = dirty_pages * page_;
    auto bound = allocated / share_ > floor_ ? allocated / share_ : floor_;
    if (dirty <= bound) return false;
    // 4096 is MALLCTL_ARENAS_ALL: every arena.
    if (mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0) != 0) return false;
    ++trims_;
    purged_ += dirty;
    return true;
  }

  std::uint64_t trims() const noexcept { return trims_; }
  std::uint64_t purged_bytes() const noexcept { return purged_; }

private:
  std::size_t floor_;
  std::size_t share_;
  std::size_t page_ = 0;
  std::uint64_t trims_ = 0;
  std::uint64_t purged_ = 0;
};

} // namespace bystack::sim
