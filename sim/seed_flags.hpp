#pragma once
/// The flags of a seeded search that say which seeds it runs and on how many threads
/// (--from A --count K --jobs J), read alike by bystack-twins, bystack-fault-search and
/// bystack-stack-sim --search, and --jobs by bystack-sweep; sim/seed_pool.hpp runs the seeds.

#include "runtime/base/result.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>

namespace bystack::sim {

/// The seeds from..from+count-1, run on `jobs` threads.
struct seed_range {
  std::uint64_t from = 1;
  std::uint64_t count = 100;
  unsigned jobs = 1;
};

/// Parses the whole of `text` as a number.
template <class T> bool parse_number(const char* text, T& out) {
  auto end = text + std::strlen(text);
  auto [p, ec] = std::from_chars(text, end, out);
  return ec == std::errc{} && p == end;
}

/// Returns the word after the flag argv[i] and steps i onto it; the error names the flag when
/// there is none.
inline result<const char*> flag_value(int argc, char* const* argv, int& i) {
  if (i + 1 >= argc) return make_error(std::string(argv[i]) + " needs a value");
  return argv[++i];
}

/// Reads the number after the flag argv[i] into `out` and steps i onto it; returns the number's
/// text, or an error naming the flag when the value is missing or is not a number of out's type.
template <class T>
result<std::string> read_flag_number(int argc, char* const* argv, int& i, T& out) {
  std::string flag = argv[i];
  auto v = flag_value(argc, argv, i);
  if (!v) return v.err();
  if (!parse_number(*v, out))
    return make_error(flag + ": '" + std::string(*v) + "' is not a valid number");
  return std::string(*v);
}

/// Reads --jobs J at argv[i] (stepping i onto J); returns false, i unchanged, for another flag,
/// and an error naming --jobs for a missing or malformed value or for 0 threads.
inline result<bool> read_jobs_flag(int argc, char* const* argv, int& i, unsigned& jobs) {
  if (std::strcmp(argv[i], "--jobs") != 0) return false;
  if (auto n = read_flag_number(argc, argv, i, jobs); !n) return n.err();
  if (jobs == 0) return make_error("--jobs: 0 threads run nothing; give at least 1");
  return true;
}

/// Reads argv[i] if it is --from, --count or --jobs (stepping i onto its value); returns false,
/// i unchanged, for another flag, and an error that names the flag for a missing or malformed
/// value or for --jobs 0.
inline result<bool> read_seed_range_flag(int argc, char* const* argv, int& i, seed_range& r) {
  std::string flag = argv[i];
  if (flag == "--jobs") return read_jobs_flag(argc, argv, i, r.jobs);
  if (flag != "--from" && flag != "--count") return false;
  if (auto n = read_flag_number(argc, argv, i, flag == "--from" ? r.from : r.count); !n)
    return n.err();
  return true;
}

} // namespace bystack::sim
