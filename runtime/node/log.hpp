#pragma once
/// Structured node logs: when enabled (bystackd --log-json), one JSON object per line on stderr
/// with the time, the node, the event and its view and height, for log shippers (Loki, jq).
/// Disabled, every call returns at once.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace bystack::node::json_log {

namespace detail {
inline std::atomic<bool> enabled{false};
inline std::atomic<std::uint32_t> node{0};
inline std::mutex mu; ///< keeps lines whole when several threads log
} // namespace detail

/// Turns JSON logging on for this process, which runs node `node`.
inline void enable(std::uint32_t node) {
  detail::node = node;
  detail::enabled = true;
}

inline bool enabled() {
  return detail::enabled.load(std::memory_order_relaxed);
}

/// Writes one line: {"ts_ms":..., "node":..., "event":..., "view":..., "height":..., fields...}.
/// Field values are numbers; `message` (optional) is the only string.
inline void event(std::string_view what, std::uint64_t view, std::uint64_t height,
                  std::initializer_list<std::pair<const char*, double>> fields = {},
                  std::string_view message = {}) {
  if (!enabled()) return;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  std::string line = "{\"ts_ms\":" + std::to_string(ms) +
                     ",\"node\":" + std::to_string(detail::node.load()) + ",\"event\":\"" +
                     std::string(what) + "\",\"view\":" + std::to_string(view) +
                     ",\"height\":" + std::to_string(height);
  for (const auto& [k, v] : fields) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    line += ",\"" + std::string(k) + "\":" + buf;
  }
  if (!message.empty()) {
    line += ",\"message\":\"";
    for (char c : message) {
      if (c == '"' || c == '\\') line += '\\';
      line += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
    line += '"';
  }
  line += "}\n";
  std::lock_guard lock(detail::mu);
  std::fputs(line.c_str(), stderr);
}

} // namespace bystack::node::json_log
