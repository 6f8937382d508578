#pragma once
/// The process's peak resident memory so far, in MiB (getrusage; KiB on Linux), for the tools
/// under bench/ that print it.

#include <sys/resource.h>

namespace bystack::bench {

inline double max_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

} // namespace bystack::bench
