#pragma once
/// Bounded retries of an HTTP request that a busy node answered 503 ("unavailable": its actor did
/// not answer within the API's timeout). Only 503 is retried: any other status is the node's
/// answer, and a node that cannot be reached fails at once. The delay doubles from `first` up to
/// `max` between attempts. Header-only; used by bystack-cli's clients (runtime/cli/node_client,
/// and runtime/federation/chain_client for the peg commands).

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

namespace bystack {

struct http_retry {
  int attempts = 1; ///< requests in all (1: no retry)
  std::chrono::milliseconds first{250};
  std::chrono::milliseconds max{4000};

  /// bystack-cli's policy: 6 attempts (0.25 + 0.5 + 1 + 2 + 4 = 7.75 s of waiting at most), or
  /// the number of attempts in the environment variable BYSTACK_CLI_RETRIES (1..100).
  static http_retry cli() {
    http_retry r;
    r.attempts = 6;
    if (const char* e = std::getenv("BYSTACK_CLI_RETRIES"); e && *e) {
      char* end = nullptr;
      long v = std::strtol(e, &end, 10);
      if (end && *end == '\0' && v >= 1 && v <= 100) r.attempts = static_cast<int>(v);
    }
    return r;
  }
};

/// Runs `call()` until `status_of(result)` is not 503 or the attempts are spent, sleeping between
/// attempts. Returns the last result and sets `*tries` to the number of requests made and
/// `*waited` to the time slept.
template <class Call, class StatusOf>
auto with_http_retry(const http_retry& r, Call&& call, StatusOf&& status_of, int* tries = nullptr,
                     std::chrono::milliseconds* waited = nullptr) -> decltype(call()) {
  auto delay = r.first;
  std::chrono::milliseconds slept{0};
  int n = 1;
  auto out = call();
  while (n < r.attempts && status_of(out) == 503) {
    std::this_thread::sleep_for(delay);
    slept += delay;
    delay = std::min(r.max, delay * 2);
    ++n;
    out = call();
  }
  if (tries) *tries = n;
  if (waited) *waited = slept;
  return out;
}

/// Describes a request that stayed unavailable: "answered 503 N times over S s".
inline std::string http_retry_summary(int tries, std::chrono::milliseconds waited) {
  auto ms = waited.count();
  return "answered 503 (unavailable) " + std::to_string(tries) + " time" + (tries == 1 ? "" : "s") +
         " over " + std::to_string(ms / 1000) + "." + std::to_string((ms % 1000) / 100) + " s";
}

} // namespace bystack
