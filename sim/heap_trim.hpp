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
/// Reading the counts is not cheap (`epoch` merges every arena's statistics: tens of
/// microseconds), and a run on a wide-area network has many small windows, so the counts are
/// read only once the run's threads have freed a step's worth of bytes since the last reading
/// (jemalloc's per-thread `thread.deallocatedp` counters, a load each): pages only become dirty
/// when memory is freed.
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
  /// The counts are read once the run's threads freed floor_bytes / 8 since the last reading
  /// or the trimmer's construction (at every call when floor_bytes is 0).
  explicit heap_trimmer(std::size_t floor_bytes, std::size_t in_use_share)
      : floor_(floor_bytes), share_(in_use_share ? in_use_share : 1), step_(floor_bytes / 8) {
    std::size_t n = sizeof page_;
    if (!mallctl || mallctl("arenas.page", &page_, &n, nullptr, 0) != 0) page_ = 0;
    if (page_) freed_[0] = thread_freed_counter();
    if (freed_[0]) freed_at_reading_ = *freed_[0];
  }

  /// The calling thread's count of bytes it freed (jemalloc's `thread.deallocatedp`), or null
  /// without jemalloc. A second thread of the run passes its own to counts_thread().
  static const std::uint64_t* thread_freed_counter() noexcept {
    std::uint64_t* p = nullptr;
    std::size_t n = sizeof p;
    if (!mallctl || mallctl("thread.deallocatedp", &p, &n, nullptr, 0) != 0) return nullptr;
    return p;
  }

  /// Counts a second thread's frees too. The trimmer reads that counter only in maybe_trim(),
  /// which the caller runs while that thread waits (after the window).
  void counts_thread(const std::uint64_t* freed) noexcept {
    freed_[1] = freed;
    if (freed) freed_at_reading_ += *freed;
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
    if (freed_[0]) {
      std::uint64_t freed = *freed_[0] + (freed_[1] ? *freed_[1] : 0);
      if (freed - freed_at_reading_ < step_) return false;
      freed_at_reading_ = freed;
    }
    ++readings_;
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
  /// Times the allocator's counts were read.
  std::uint64_t readings() const noexcept { return readings_; }
  std::uint64_t purged_bytes() const noexcept { return purged_; }

private:
  std::size_t floor_;
  std::size_t share_;
  std::size_t step_;
  std::size_t page_ = 0;
  const std::uint64_t* freed_[2] = {nullptr, nullptr};
  std::uint64_t freed_at_reading_ = 0;
  std::uint64_t readings_ = 0;
  std::uint64_t trims_ = 0;
  std::uint64_t purged_ = 0;
};

} // namespace bystack::sim
