#pragma once
/// Runs one job per seed on a few threads, for the seeded searches (each job builds and runs
/// its own simulation; the caller serialises what the jobs share, e.g. their output), and the
/// searches' per-seed reports and summary.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

namespace bystack::sim {

/// Calls job(seed) once for every seed in from..from+count-1, in no fixed order, on `jobs`
/// threads (at least one); returns the wall seconds it took.
inline double for_each_seed(std::uint64_t from, std::uint64_t count, unsigned jobs,
                            const std::function<void(std::uint64_t)>& job) {
  std::atomic<std::uint64_t> next{0};
  auto start = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (auto i = next++; i < count; i = next++)
      job(from + i);
  };
  std::vector<std::thread> pool;
  for (unsigned j = 0; j < std::max(1u, jobs); ++j)
    pool.emplace_back(worker);
  for (auto& t : pool)
    t.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Draws each seed's case (draw(seed)) and runs it (run(case)) like for_each_seed, and hands
/// both to report(seed, case, outcome), one seed at a time, in no fixed order; writes
/// "progress: D of N runs" to stderr after every `progress_every` reports. Returns the wall
/// seconds it took.
template <class Draw, class Run, class Report>
double report_each_seed(std::uint64_t from, std::uint64_t count, unsigned jobs,
                        std::uint64_t progress_every, const Draw& draw, const Run& run,
                        const Report& report) {
  std::mutex out;
  std::uint64_t done = 0;
  return for_each_seed(from, count, jobs, [&](std::uint64_t seed) {
    auto c = draw(seed);
    auto outcome = run(c);
    std::lock_guard<std::mutex> lock(out);
    report(seed, c, outcome);
    if (++done % progress_every == 0)
      std::cerr << "progress: " << done << " of " << count << " runs" << std::endl;
  });
}

/// What a seeded search counts for its summary.
struct search_counts {
  std::uint64_t safety = 0, liveness = 0, errors = 0;

  /// The failed runs: liveness failures count only when `strict`.
  std::uint64_t failed(bool strict) const { return safety + errors + (strict ? liveness : 0); }
};

/// Writes "S safety violations, L liveness failures, E errors".
inline std::ostream& operator<<(std::ostream& os, const search_counts& c) {
  return os << c.safety << " safety violations, " << c.liveness << " liveness failures, "
            << c.errors << " errors";
}

/// Writes the search's last line, "TOOL: P passed, F failed" of `count` runs; returns the exit
/// code (0 when none failed).
inline int search_verdict(std::ostream& os, const char* tool, std::uint64_t count,
                          std::uint64_t failed) {
  os << tool << ": " << count - failed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}

} // namespace bystack::sim
