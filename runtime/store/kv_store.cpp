#include "runtime/store/kv_store.hpp"
#include "runtime/store/kv_store_internal.hpp"

#include <algorithm>
#include <stdexcept>

namespace bystack::store {

bytes be64(std::uint64_t x) {
  bytes out(8);
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(x & 0xff);
    x >>= 8;
  }
  return out;
}

std::uint64_t read_be64(byte_view b) {
  // A short key here means a caller mixed up key layouts; reading past the end would hide it.
  if (b.size() < 8)
    throw std::out_of_range("read_be64: need 8 bytes, got " + std::to_string(b.size()));
  std::uint64_t x = 0;
  for (std::size_t i = 0; i < 8; ++i)
    x = (x << 8) | b[i];
  return x;
}

namespace internal {

std::string unknown_column_message(const std::string& column,
                                   const std::vector<std::string>& declared) {
  std::string msg = "unknown column '" + column + "' (declared columns: ";
  for (std::size_t i = 0; i < declared.size(); ++i) {
    if (i > 0) msg += ", ";
    msg += declared[i];
  }
  if (declared.empty()) msg += "none";
  msg += ")";
  return msg;
}

std::vector<std::string> unique_columns(std::vector<std::string> columns) {
  std::vector<std::string> out;
  out.reserve(columns.size());
  for (auto& c : columns)
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
  return out;
}

bool has_prefix(byte_view key, byte_view prefix) {
  return key.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), key.begin());
}

} // namespace internal

} // namespace bystack::store
