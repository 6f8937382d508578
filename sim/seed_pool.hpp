#pragma once
/// Runs one job per seed on a few threads, for the seeded searches (each job builds and runs
/// its own simulation; the caller serialises what the jobs share, e.g. their output).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
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

} // namespace bystack::sim
